/*
 * django.c — a Django project as a History: find the apps and their
 * migration files, read them (py.c), build the dependency graph, order it
 * as `manage.py migrate` does, generate each migration's SQL (state.c) and
 * parse it with the SQL frontend, then point every statement back at the
 * operation in the .py file it comes from.
 *
 * The order is Django's: MigrationExecutor.migration_plan over the sorted
 * leaf nodes, each expanded by graph.forwards_plan (a depth-first walk that
 * visits parents in reverse sorted order, as its stack pops them). So zdm's
 * "first pending" and "everything before it" mean what Django's do.
 */
#include "django.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sql/sql.h"
#include "dj.h"

typedef struct DjMig {
    const char *app, *name, *key; /* key: "app.name"; app: the label, made unique */
    const char *label;            /* the app's Django label */
    const char *dup_of;           /* another package of the same label, or NULL */
    const char *other;            /* dup_of, or the package labelled the same after this one */
    int installed;                /* with other: 1 installed, 0 not, -1 zdm cannot tell */
    const char *file, *mdir;
    const char *text;
    size_t len;
    PyMigration pm;
    List parents;  /* DjMig* */
    bool replaced; /* by a squashed migration */
    bool has_child; /* a migration of its own app depends on it (not a leaf) */
    int state;     /* DFS: 0 new, 1 on the stack, 2 done */
    bool planned;
    ZdmError *error; /* the file is not Python zdm can read */
} DjMig;

typedef struct AppEnds {
    const char *app;
    DjMig *first, *latest; /* __first__ and __latest__ */
} AppEnds;

typedef struct Project {
    Arena *a;
    List migs;     /* DjMig* */
    List apps;     /* const char* app labels */
    List app_dirs; /* const char*: each app's migrations package */
    const PyEnv *settings; /* the project's literal settings */
    DjMig **table; /* by "app.name": projects reach ten thousand migrations */
    size_t cap;
    List ends;     /* AppEnds*, filled once the same-app graph is known */
    const char *user_model;
    ZdmError *err;
} Project;

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static char *join(Arena *a, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return arena_printf(a, "%.*s/%s", (int)n, dir, name);
}

/* ---- finding the apps, as Django does ---------------------------------- */

/* Directories a walk never enters: version control, caches, installed
 * packages and virtualenvs (their apps are not the project's). */
static bool skip_dir(const char *name)
{
    return name[0] == '.' || strcmp(name, "node_modules") == 0 || strcmp(name, "__pycache__") == 0 ||
           strcmp(name, "site-packages") == 0 || strcmp(name, "dist-packages") == 0 ||
           strcmp(name, "venv") == 0 || strcmp(name, "virtualenv") == 0 || strcmp(name, "CVS") == 0 ||
           strcmp(name, "_darcs") == 0;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* A module Django's loader imports from a migrations package: every .py
 * whose name does not start with "_" or "~". */
static bool is_module(const char *n)
{
    return n[0] != '_' && n[0] != '~' && n[0] != '.' && ends_with(n, ".py");
}

/* What one walk of the tree finds. */
typedef struct Walk {
    Arena *a;
    List dirs;       /* migrations packages: const char* */
    List packages;   /* every folder with __init__.py (MIGRATION_MODULES may name one) */
    List settings;   /* settings modules: const char* */
    const char *root; /* the real path walked from: a symlink out of it is not followed */
    dev_t *seen_dev; /* folders already walked (a symlink loop comes back to one) */
    ino_t *seen_ino;
    size_t nseen, capseen;
} Walk;

static bool seen_before(Walk *w, const struct stat *st)
{
    for (size_t k = 0; k < w->nseen; k++)
        if (w->seen_ino[k] == st->st_ino && w->seen_dev[k] == st->st_dev)
            return true;
    if (w->nseen == w->capseen) {
        size_t cap = w->capseen ? w->capseen * 2 : 64;
        dev_t *d = arena_alloc(w->a, sizeof *d * cap);
        ino_t *i = arena_alloc(w->a, sizeof *i * cap);
        if (w->nseen) {
            memcpy(d, w->seen_dev, sizeof *d * w->nseen);
            memcpy(i, w->seen_ino, sizeof *i * w->nseen);
        }
        w->seen_dev = d;
        w->seen_ino = i;
        w->capseen = cap;
    }
    w->seen_dev[w->nseen] = st->st_dev;
    w->seen_ino[w->nseen++] = st->st_ino;
    return false;
}

static bool is_settings_module(const char *dir, const char *name)
{
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    return ends_with(name, ".py") && (strstr(name, "settings") || strcmp(base, "settings") == 0);
}

/* A symlink to a folder outside the project (to / or a home directory)
 * would make the walk the whole disk's: only those inside it are followed. */
static bool within_root(Walk *w, const char *p)
{
    struct stat st;
    if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
        return true;
    char *real = realpath(p, NULL);
    if (!real)
        return false;
    size_t n = strlen(w->root);
    bool inside = strncmp(real, w->root, n) == 0 && (real[n] == '/' || real[n] == '\0' || strcmp(w->root, "/") == 0);
    free(real);
    return inside;
}

/* Every folder below dir, each once (by device and inode: a symlink loop
 * ends where it began), in name order. */
static void walk(Walk *w, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || seen_before(w, &st))
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    List names = {0};
    bool init = false, venv = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, "__init__.py") == 0)
            init = true;
        if (strcmp(de->d_name, "pyvenv.cfg") == 0)
            venv = true;
        /* regular files other than modules matter to no one here: no stat for them */
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            (de->d_type != DT_REG || ends_with(de->d_name, ".py")))
            list_push(w->a, &names, arena_strdup(w->a, de->d_name));
    }
    closedir(d);
    if (venv)
        return; /* a virtualenv: its packages are installed ones */
    if (names.len > 1)
        qsort(names.items, (size_t)names.len, sizeof(void *), str_cmp);
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    bool has_module = false, numbered = false;
    for (int i = 0; i < names.len; i++) {
        const char *n = LIST_GET(&names, i);
        has_module |= is_module(n);
        numbered |= isdigit((unsigned char)n[0]) && ends_with(n, ".py");
    }
    if (init)
        list_push(w->a, &w->packages, (void *)dir);
    /* Django reads a migrations package. Without __init__.py it would see
     * an unmigrated app; zdm still takes a migrations folder of numbered
     * modules (copied without its __init__.py, it is unmistakable) */
    if (strcmp(base, "migrations") == 0 && ((init && has_module) || numbered))
        list_push(w->a, &w->dirs, (void *)dir);
    for (int i = 0; i < names.len; i++) {
        const char *n = LIST_GET(&names, i);
        char *p = join(w->a, dir, n);
        if (is_settings_module(dir, n))
            list_push(w->a, &w->settings, p);
        else if (!skip_dir(n) && !ends_with(n, ".py") && within_root(w, p))
            walk(w, p);
    }
}

static void walk_from(Walk *w, const char *path)
{
    char *real = realpath(path, NULL);
    w->root = arena_strdup(w->a, real ? real : path);
    free(real);
    walk(w, path);
}

/* An app's own migrations folder, named otherwise than "migrations". */
static bool is_migrations_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL)
        found = isdigit((unsigned char)de->d_name[0]) && ends_with(de->d_name, ".py");
    closedir(d);
    return found;
}

bool django_is_project(const char *path)
{
    if (!is_dir(path))
        return false;
    Arena *a = arena_new();
    Walk w = {.a = a};
    walk_from(&w, path);
    bool yes = w.dirs.len > 0;
    arena_free(a);
    return yes;
}

int django_parse_version(const char *s)
{
    int maj = 0, min = 0;
    char extra;
    if (!s || sscanf(s, "%d.%d%c", &maj, &min, &extra) != 2)
        return -1;
    if (maj < 3 || maj > 5 || (maj == 3 && min < 2) || min > 9)
        return -1;
    return maj * 10 + min;
}

/* `key = 'value'` in text, key a whole word at the start of a statement. */
static const char *literal_attr(Arena *a, const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && (p = strstr(p, key)) != NULL; p++) {
        bool starts = p == text || isspace((unsigned char)p[-1]);
        const char *q = p + kl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (!starts || *q != '=' || q[1] == '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        char quote = *q;
        if (quote != '\'' && quote != '"')
            continue;
        const char *e = strchr(q + 1, quote);
        if (e)
            return arena_strndup(a, q + 1, (size_t)(e - q - 1));
    }
    return NULL;
}

/* The app label: AppConfig.label in apps.py, else the last part of its
 * AppConfig.name, else the folder's name (Django's default for both). */
static const char *app_label(Arena *a, const char *mdir)
{
    char *appdir = arena_strdup(a, mdir);
    char *slash = strrchr(appdir, '/');
    if (slash)
        *slash = '\0';
    else
        appdir = ".";
    const char *base = strrchr(appdir, '/');
    base = base ? base + 1 : appdir;
    size_t len;
    ZdmError ignored;
    const char *apps = util_read_file(a, join(a, appdir, "apps.py"), &len, &ignored);
    const char *label = apps ? literal_attr(a, apps, "label") : NULL;
    if (label)
        return label;
    const char *name = apps ? literal_attr(a, apps, "name") : NULL;
    if (name && *name)
        return py_last(name);
    return arena_strdup(a, strcmp(base, ".") == 0 ? "app" : base);
}

/* The project's literal settings: every settings module's module-level
 * assignments, in path order (a later module overrides, as one that does
 * `from .base import *` would). A settings module zdm cannot read adds
 * nothing. */
static PyEnv *read_settings(Arena *a, const List *files, List *modules, List *installed)
{
    PyEnv *env = py_env_new(a, NULL);
    for (int i = 0; i < files->len; i++) {
        size_t len;
        ZdmError ignored = {0};
        const char *t = util_read_file(a, LIST_GET(files, i), &len, &ignored);
        PyEnv *one = py_env_new(a, NULL);
        if (!t || py_read_settings(a, LIST_GET(files, i), t, len, one, &ignored) < 0)
            continue;
        for (int k = 0; k < py_env_len(one); k++) {
            const char *name = py_env_name(one, k);
            const PyNode *v = py_env_value(one, k);
            if (strcmp(name, "INSTALLED_APPS") == 0) /* each module's, opaque or not: they may differ */
                list_push(a, installed, (void *)v);
            if (v->kind == PY_OPAQUE)
                continue; /* what one module cannot say, another may */
            py_env_set(env, name, v);
            /* MIGRATION_MODULES: every module named anywhere; None (test
             * settings turning migrations off) names none */
            if (strcmp(name, "MIGRATION_MODULES") == 0 && v->kind == PY_DICT)
                for (int j = 0; j + 1 < v->items.len; j += 2) {
                    const char *label = py_str(LIST_GET(&v->items, j));
                    const char *mod = py_str(LIST_GET(&v->items, j + 1));
                    if (label && mod) {
                        list_push(a, modules, (void *)label);
                        list_push(a, modules, (void *)mod);
                    }
                }
        }
    }
    return env;
}

/* How one INSTALLED_APPS list names the app whose migrations are in mdir:
 * an entry names the app's module ("oscar.apps.catalogue") or an AppConfig
 * in it ("oscar.apps.catalogue.apps.CatalogueConfig"). The module is the
 * app folder's path from the project's root, or from a folder below it
 * (zdm does not know sys.path: "src/oscar/..." is imported as "oscar...").
 * Returns how many leading folders the best match leaves off (0: the whole
 * path), -1 when no entry names it, -2 when the list is not literal. */
static int installs(Arena *a, const PyNode *apps, const char *mdir)
{
    if (!py_is_seq(apps))
        return -2;
    char *mod = arena_strdup(a, strncmp(mdir, "./", 2) == 0 ? mdir + 2 : mdir);
    char *slash = strrchr(mod, '/');
    if (!slash)
        return -1;
    *slash = '\0'; /* the app folder: the migrations package's parent */
    for (char *c = mod; *c; c++)
        if (*c == '/')
            *c = '.';
    int best = -1;
    for (int i = 0; i < apps->items.len; i++) {
        const char *e = py_str(LIST_GET(&apps->items, i));
        if (!e)
            return -2;
        int dropped = 0;
        for (const char *m = mod; m; m = strchr(m, '.') ? strchr(m, '.') + 1 : NULL, dropped++) {
            size_t n = strlen(m);
            if (strncmp(e, m, n) != 0 || (e[n] && e[n] != '.'))
                continue;
            const char *rest = e[n] ? e + n + 1 : "";
            if (strncmp(rest, "apps.", 5) == 0)
                rest += 5;
            if ((!*rest || (isupper((unsigned char)*rest) && !strchr(rest, '.'))) && (best < 0 || dropped < best))
                best = dropped;
        }
    }
    return best;
}

/* Two packages of one label: which one the settings install, as Django
 * would import it. Every settings module's INSTALLED_APPS must be literal
 * and name one package better than the other (by its whole path over a
 * part of it), all the same one; else -1. Returns 1 when the first one is
 * installed, 0 when the second is. */
static int which_installed(Arena *a, const List *lists, const char *first, const char *second)
{
    int pick = -1;
    for (int i = 0; i < lists->len; i++) {
        int x = installs(a, LIST_GET(lists, i), first), y = installs(a, LIST_GET(lists, i), second);
        if (x == -2 || y == -2)
            return -1;
        int one = x >= 0 && (y < 0 || x < y) ? 1 : y >= 0 && (x < 0 || y < x) ? 0 : -1;
        if (one < 0 || (pick >= 0 && pick != one))
            return -1;
        pick = one;
    }
    return pick;
}

static int load_app(Project *p, const char *mdir, const char *label)
{
    /* Two packages of one label (an app and a test site's fork of it): a
     * project installs one of them. Each is planned, the second apart under
     * "label@folder", with a word saying so. */
    const char *app = label;
    const char *dup = NULL;
    for (int i = 0; i < p->apps.len; i++)
        if (strcmp(LIST_GET(&p->apps, i), label) == 0) {
            app = arena_printf(p->a, "%s@%s", label, mdir);
            dup = LIST_GET(&p->app_dirs, i);
        }
    list_push(p->a, &p->apps, (void *)app);
    list_push(p->a, &p->app_dirs, (void *)mdir);
    DIR *d = opendir(mdir);
    if (!d)
        return zdm_error(p->err, mdir, 0, 0, "cannot read directory %s", mdir);
    List files = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (is_module(de->d_name))
            list_push(p->a, &files, arena_strdup(p->a, de->d_name));
    closedir(d);
    if (files.len > 1)
        qsort(files.items, (size_t)files.len, sizeof(void *), str_cmp);
    for (int i = 0; i < files.len; i++) {
        const char *n = LIST_GET(&files, i);
        DjMig *mg = arena_alloc(p->a, sizeof *mg);
        mg->app = app;
        mg->label = label;
        mg->dup_of = dup;
        mg->name = arena_strndup(p->a, n, strlen(n) - 3);
        mg->key = arena_printf(p->a, "%s.%s", app, mg->name);
        mg->file = join(p->a, mdir, n);
        mg->mdir = mdir;
        mg->text = util_read_file(p->a, mg->file, &mg->len, p->err);
        if (!mg->text)
            return -1;
        list_push(p->a, &p->migs, mg); /* parsed with the others: parse_all */
    }
    return 0;
}

static bool has_app(const Project *p, const char *app)
{
    for (int i = 0; i < p->apps.len; i++)
        if (strcmp(LIST_GET(&p->apps, i), app) == 0)
            return true;
    return false;
}

static size_t key_hash(const char *app, const char *name)
{
    size_t h = 1469598103934665603u; /* FNV-1a over "app.name" */
    for (const char *c = app; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    h = (h ^ '.') * 1099511628211u;
    for (const char *c = name; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    return h;
}

static void index_migs(Project *p)
{
    p->cap = 16;
    while (p->cap < (size_t)p->migs.len * 2)
        p->cap *= 2;
    p->table = arena_alloc(p->a, sizeof(DjMig *) * p->cap);
    for (int i = 0; i < p->migs.len; i++) {
        DjMig *m = LIST_GET(&p->migs, i);
        size_t k = key_hash(m->app, m->name) & (p->cap - 1);
        while (p->table[k])
            k = (k + 1) & (p->cap - 1);
        p->table[k] = m;
    }
}

static DjMig *find_mig(const Project *p, const char *app, const char *name)
{
    for (size_t k = key_hash(app, name) & (p->cap - 1); p->table[k]; k = (k + 1) & (p->cap - 1))
        if (strcmp(p->table[k]->app, app) == 0 && strcmp(p->table[k]->name, name) == 0)
            return p->table[k];
    return NULL;
}

/* Which migrations have a child in their own app (the others are leaves). */
static void mark_children(Project *p)
{
    for (int i = 0; i < p->migs.len; i++)
        ((DjMig *)LIST_GET(&p->migs, i))->has_child = false;
    for (int i = 0; i < p->migs.len; i++) {
        DjMig *c = LIST_GET(&p->migs, i);
        if (c->replaced)
            continue;
        for (int k = 0; k < c->parents.len; k++) {
            DjMig *par = LIST_GET(&c->parents, k);
            if (strcmp(par->app, c->app) == 0)
                par->has_child = true;
        }
    }
}

/* Each app's first (root) and last (leaf) migration, as Django picks them:
 * the smallest name among the candidates. */
static void find_ends(Project *p)
{
    mark_children(p);
    p->ends = (List){0};
    for (int i = 0; i < p->migs.len; i++) {
        DjMig *m = LIST_GET(&p->migs, i);
        if (m->replaced)
            continue;
        AppEnds *e = NULL;
        for (int k = p->ends.len - 1; k >= 0 && !e; k--)
            if (strcmp(((AppEnds *)LIST_GET(&p->ends, k))->app, m->app) == 0)
                e = LIST_GET(&p->ends, k);
        if (!e) {
            e = arena_alloc(p->a, sizeof *e);
            e->app = m->app;
            list_push(p->a, &p->ends, e);
        }
        bool root = true;
        for (int k = 0; k < m->parents.len && root; k++)
            root = strcmp(((DjMig *)LIST_GET(&m->parents, k))->app, m->app) != 0;
        if (root && (!e->first || strcmp(m->name, e->first->name) < 0))
            e->first = m;
        if (!m->has_child && (!e->latest || strcmp(m->name, e->latest->name) < 0))
            e->latest = m;
    }
}

static DjMig *app_end(const Project *p, const char *app, bool first)
{
    for (int k = 0; k < p->ends.len; k++) {
        const AppEnds *e = LIST_GET(&p->ends, k);
        if (strcmp(e->app, app) == 0)
            return first ? e->first : e->latest;
    }
    return NULL;
}

/* A dependency as written: ("app", "0001_x"), swappable_dependency(settings.AUTH_USER_MODEL). */
static int dep_key(Project *p, DjMig *m, const PyNode *d, const char **app, const char **name)
{
    if (d->kind == PY_CALL && util_streq(py_last(py_callee(d)), "swappable_dependency")) {
        const PyNode *v = py_arg(d, 0, "value");
        const char *model = v && v->kind == PY_NAME ? p->user_model : py_str(v);
        if (!model)
            return zdm_error(p->err, m->file, d->line, d->col, "swappable_dependency needs a model");
        const char *dot = strchr(model, '.');
        *app = dot ? arena_strndup(p->a, model, (size_t)(dot - model)) : model;
        *name = "__first__";
        if (strcmp(*app, m->label) == 0)
            *app = m->app;
        return 0;
    }
    if (d->kind != PY_TUPLE && d->kind != PY_LIST)
        return zdm_error(p->err, m->file, d->line, d->col,
                         "a dependency must be written ('app_label', 'migration_name')");
    if (d->items.len != 2 || !py_str(LIST_GET(&d->items, 0)) || !py_str(LIST_GET(&d->items, 1)))
        return zdm_error(p->err, m->file, d->line, d->col,
                         "a dependency must be written ('app_label', 'migration_name')");
    *app = py_str(LIST_GET(&d->items, 0));
    *name = py_str(LIST_GET(&d->items, 1));
    if (strcmp(*app, m->label) == 0)
        *app = m->app; /* its own app, also when planned apart */
    return 0;
}

/* A word about migration m at node `at`: an opaque remark before its
 * operations, which the generator reports as not analysed and goes on. */
static void add_remark(Arena *a, DjMig *m, const PyNode *at, const char *why)
{
    PyNode *r = py_opaque(a, at, why);
    r->remark = true;
    PyNode *l = arena_alloc(a, sizeof *l);
    *l = *m->pm.operations;
    l->items = (List){0};
    list_push(a, &l->items, r);
    for (int k = 0; k < m->pm.operations->items.len; k++)
        list_push(a, &l->items, LIST_GET(&m->pm.operations->items, k));
    m->pm.operations = l;
}

static DjMig *resolve(Project *p, DjMig *m, const PyNode *d, bool *external)
{
    const char *app, *name;
    *external = false;
    if (dep_key(p, m, d, &app, &name) < 0)
        return NULL;
    if (!has_app(p, app)) { /* django.contrib.auth and other installed apps */
        *external = true;
        return NULL;
    }
    DjMig *t = NULL;
    if (strcmp(name, "__first__") == 0 || strcmp(name, "__latest__") == 0)
        t = app_end(p, app, strcmp(name, "__first__") == 0);
    else
        t = find_mig(p, app, name);
    if (!t) {
        /* Django would refuse the graph; zdm says so there and orders the rest */
        add_remark(p->a, m, d, arena_printf(p->a, "%s depends on %s.%s, which is not among the migrations of app "
                                                  "'%s' (Django stops with NodeNotFoundError); zdm orders this "
                                                  "migration without it",
                                            m->key, app, name, app));
        *external = true;
        return NULL;
    }
    /* a dependency on a migration a squash replaced: the squash stands in */
    for (int guard = 0; t->replaced && guard < 100; guard++) {
        DjMig *by = NULL;
        for (int i = 0; i < p->migs.len && !by; i++) {
            DjMig *s = LIST_GET(&p->migs, i);
            const PyNode *r = s->pm.replaces;
            for (int k = 0; py_is_seq(r) && k < r->items.len && !by; k++) {
                const PyNode *e = LIST_GET(&r->items, k);
                if (py_is_seq(e) && e->items.len == 2 && util_streq(py_str(LIST_GET(&e->items, 0)), t->app) &&
                    util_streq(py_str(LIST_GET(&e->items, 1)), t->name))
                    by = s;
            }
        }
        if (!by)
            break;
        t = by;
    }
    return t;
}

static void add_parent(Arena *a, DjMig *m, DjMig *parent)
{
    if (parent == m)
        return;
    for (int i = 0; i < m->parents.len; i++)
        if (LIST_GET(&m->parents, i) == parent)
            return;
    list_push(a, &m->parents, parent);
}

static int build_graph(Project *p)
{
    /* squashed migrations stand in for the ones they replace (a fresh
     * database, or one that applied all of them, runs the squash) */
    for (int i = 0; i < p->migs.len; i++) {
        DjMig *s = LIST_GET(&p->migs, i);
        const PyNode *r = s->pm.replaces;
        for (int k = 0; py_is_seq(r) && k < r->items.len; k++) {
            const PyNode *e = LIST_GET(&r->items, k);
            if (!py_is_seq(e) || e->items.len != 2)
                return zdm_error(p->err, s->file, e->line, e->col, "replaces entries are ('app_label', 'name')");
            const char *rapp = py_str(LIST_GET(&e->items, 0)) ? py_str(LIST_GET(&e->items, 0)) : "";
            DjMig *t = find_mig(p, strcmp(rapp, s->label) == 0 ? s->app : rapp,
                                py_str(LIST_GET(&e->items, 1)) ? py_str(LIST_GET(&e->items, 1)) : "");
            if (t)
                t->replaced = true;
        }
    }
    /* same-app parents first: __first__/__latest__ look at them */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            find_ends(p);
        for (int i = 0; i < p->migs.len; i++) {
            DjMig *m = LIST_GET(&p->migs, i);
            if (m->replaced)
                continue;
            const PyNode *deps = m->pm.dependencies;
            if (deps && !py_is_seq(deps))
                return zdm_error(p->err, m->file, deps->line, deps->col, "dependencies must be a list");
            for (int k = 0; deps && k < deps->items.len; k++) {
                const PyNode *d = LIST_GET(&deps->items, k);
                const char *app, *name;
                if (dep_key(p, m, d, &app, &name) < 0)
                    return -1;
                bool same = strcmp(app, m->app) == 0 && name[0] != '_';
                if (same != (pass == 0))
                    continue;
                bool external;
                DjMig *t = resolve(p, m, d, &external);
                if (!t && !external)
                    return -1;
                if (t)
                    add_parent(p->a, m, t);
            }
            if (pass == 1) {
                const PyNode *rb = m->pm.run_before;
                for (int k = 0; py_is_seq(rb) && k < rb->items.len; k++) {
                    bool external;
                    DjMig *t = resolve(p, m, LIST_GET(&rb->items, k), &external);
                    if (!t && !external)
                        return -1;
                    if (t)
                        add_parent(p->a, t, m);
                }
            }
        }
    }
    return 0;
}

static int key_cmp(const void *x, const void *y)
{
    const DjMig *a = *(DjMig *const *)x, *b = *(DjMig *const *)y;
    int c = strcmp(a->app, b->app);
    return c ? c : strcmp(a->name, b->name);
}

/* graph.forwards_plan(target): parents before children, parents visited
 * from the largest key down (Django pushes them sorted onto a stack). */
static int forwards_plan(Project *p, DjMig *target, List *plan)
{
    typedef struct Frame {
        DjMig *m;
        bool processed;
    } Frame;
    List stack = {0};
    Frame *f0 = arena_alloc(p->a, sizeof *f0);
    f0->m = target;
    list_push(p->a, &stack, f0);
    while (stack.len) {
        Frame *f = LIST_GET(&stack, stack.len - 1);
        stack.len--;
        if (f->m->planned)
            continue;
        if (f->processed) {
            f->m->planned = true;
            f->m->state = 2;
            list_push(p->a, plan, f->m);
            continue;
        }
        if (f->m->state == 1) {
            return zdm_error(p->err, f->m->file, f->m->pm.class_line, f->m->pm.class_col,
                             "circular dependency: %s depends, through its dependencies, on itself", f->m->key);
        }
        f->m->state = 1;
        Frame *again = arena_alloc(p->a, sizeof *again);
        again->m = f->m;
        again->processed = true;
        list_push(p->a, &stack, again);
        DjMig **parents = (DjMig **)f->m->parents.items;
        if (f->m->parents.len > 1)
            qsort(parents, (size_t)f->m->parents.len, sizeof *parents, key_cmp);
        for (int i = 0; i < f->m->parents.len; i++) {
            if (parents[i]->state == 1 && !parents[i]->planned)
                return zdm_error(p->err, f->m->file, f->m->pm.class_line, f->m->pm.class_col,
                                 "circular dependency between %s and %s", f->m->key, parents[i]->key);
            Frame *pf = arena_alloc(p->a, sizeof *pf);
            pf->m = parents[i];
            list_push(p->a, &stack, pf);
        }
    }
    return 0;
}

/* ---- from generated SQL to located statements ------------------------ */

static const DjChunk *chunk_at(const Gen *g, int offset)
{
    for (int i = 0; i < g->chunks.len; i++) {
        const DjChunk *c = LIST_GET(&g->chunks, i);
        if (offset >= c->start && offset < c->end)
            return c;
    }
    return NULL;
}

/* Which operation a "# zdm:" comment on line belongs to: the one it lies in,
 * else the next one; -1 for the whole file (above the operations). */
static int comment_owner(const Gen *g, const PyMigration *pm, int line)
{
    if (line < pm->operations_line)
        return -1;
    for (int i = 0; i < g->ops.len; i++) {
        const DjOp *op = LIST_GET(&g->ops, i);
        if (line >= op->line && line <= op->end_line)
            return i;
        if (line < op->line)
            return i;
    }
    return g->ops.len ? g->ops.len - 1 : -1;
}

static int directives(Arena *a, Migration *m, const Gen *g, const PyMigration *pm, List *op_allows, ZdmError *err)
{
    for (int i = 0; i < pm->comments.len; i++) {
        const PyComment *c = LIST_GET(&pm->comments, i);
        if (strncmp(c->text, "zdm:", 4) != 0)
            continue;
        const char *p = c->text + 4;
        while (*p == ' ')
            p++;
        const char *verb = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        size_t vlen = (size_t)(p - verb);
        while (*p == ' ' || *p == '\t')
            p++;
        if (vlen == 5 && strncmp(verb, "allow", 5) == 0) {
            const char *rule = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            const char *rule_id = arena_strndup(a, rule, (size_t)(p - rule));
            while (*p == ' ' || *p == '\t')
                p++;
            if (!rule_id[0] || !*p)
                return zdm_error(err, m->file, c->line, c->col,
                                 "zdm: allow needs a rule id and a reason: # zdm: allow <rule-id> <why it is safe here>");
            if (!rule_find(rule_id))
                return zdm_error(err, m->file, c->line, c->col,
                                 "zdm: allow names an unknown rule '%s' (see `zdm rules`)", rule_id);
            Allow *al = arena_alloc(a, sizeof *al);
            al->rule = rule_id;
            al->reason = arena_strdup(a, p);
            al->line = c->line;
            int owner = comment_owner(g, pm, c->line);
            list_push(a, owner < 0 ? &m->allows : &op_allows[owner], al);
        } else if (vlen == 5 && strncmp(verb, "phase", 5) == 0) {
            if (strncmp(p, "before-deploy", 13) == 0)
                m->directive = PHASE_BEFORE;
            else if (strncmp(p, "after-deploy", 12) == 0)
                m->directive = PHASE_AFTER;
            else
                return zdm_error(err, m->file, c->line, c->col,
                                 "zdm: phase takes before-deploy or after-deploy, not '%s'", p);
            m->directive_line = c->line;
        } else if (vlen == 17 && strncmp(verb, "requires-backfill", 17) == 0) {
            const char *job = p;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            const char *end = p;
            while (*p == ' ' || *p == '\t')
                p++;
            if (end == job || *p)
                return zdm_error(err, m->file, c->line, c->col,
                                 "zdm: requires-backfill takes one job name: # zdm: requires-backfill <job>");
            list_push(a, &m->requires_backfill, arena_strndup(a, job, (size_t)(end - job)));
        } else {
            return zdm_error(err, m->file, c->line, c->col,
                             "unknown directive 'zdm: %.*s' (known: zdm: allow, zdm: phase, "
                             "zdm: requires-backfill)", (int)vlen, verb);
        }
    }
    return 0;
}

/* The operation's place for a statement of chunk c (BEGIN/COMMIT: the class). */
static void place_of(const Gen *g, const PyMigration *pm, int op, int *line, int *col)
{
    if (op >= 0 && op < g->ops.len) {
        const DjOp *o = LIST_GET(&g->ops, op);
        *line = o->line;
        *col = o->col;
    } else {
        *line = pm->class_line;
        *col = pm->class_col;
    }
}

#define NOT_ANALYSED "zdm not analysed: "
#define NOT_ANALYSED_NOTICE "zdm not analysed (notice): "
#define NOT_ANALYSED_REMARK "zdm not analysed (migration): "

/* An operation whose SQL the parser rejects (a RunSQL's own, usually):
 * its statements become one placeholder saying why, in place (same
 * length, so every other statement keeps its offset). */
static void drop_op_sql(Gen *g, Migration *m, int op, const char *why)
{
    DjOp *o = LIST_GET(&g->ops, op);
    o->not_analysed = why;
    char *text = (char *)m->text;
    for (int i = 0; i < g->chunks.len; i++) {
        DjChunk *c = LIST_GET(&g->chunks, i);
        if (c->op != op)
            continue;
        for (int k = c->start; k < c->end; k++)
            text[k] = k - c->start < 2 ? '-' : ' ';
        c->python = true;
    }
}

static int finish_migration(Arena *a, Migration *m, Gen *g, const PyMigration *pm, ZdmError *err)
{
    const char *py_file = m->file;
    for (int tries = 0; sql_parse_migration(a, m, err) < 0; tries++) {
        /* the SQL of one operation: that operation is not analysed, the rest is */
        int off = 0, line = 1;
        while (line < err->line && m->text[off]) {
            if (m->text[off] == '\n')
                line++;
            off++;
        }
        off += err->column > 0 ? err->column - 1 : 0;
        const DjChunk *c = chunk_at(g, off);
        int l, col;
        place_of(g, pm, c ? c->op : -1, &l, &col);
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%s", err->message);
        if (!c || c->op < 0 || c->python || tries > g->ops.len)
            return zdm_error(err, py_file, l, col, "in the SQL of this operation: %s", msg);
        drop_op_sql(g, m, c->op, arena_printf(a, "its SQL does not parse: %s", msg));
        *err = (ZdmError){0};
    }
    List *op_allows = arena_alloc(a, sizeof(List) * (size_t)(g->ops.len + 1));
    if (directives(a, m, g, pm, op_allows, err) < 0)
        return -1;
    /* statements in text order, with the placeholders (no SQL) among them */
    List stmts = {0};
    int k = 0, last_placeholder = -1;
    for (int i = 0; i < g->chunks.len; i++) {
        const DjChunk *c = LIST_GET(&g->chunks, i);
        if (c->python) {
            const DjOp *op = LIST_GET(&g->ops, c->op);
            if (op->not_analysed && c->op == last_placeholder)
                continue; /* one placeholder per operation */
            last_placeholder = c->op;
            Statement *s = arena_alloc(a, sizeof *s);
            s->offset = c->start;
            s->sql = m->text + c->start;
            s->len = c->end - c->start;
            /* not SQL (source.h, Statement.opaque): the replay reports it as
             * not analysed, and django_not_analysed words its finding from
             * it; a RunPython (no opaque) changes no schema */
            s->opaque = op->not_analysed
                            ? arena_printf(a, "%s%s",
                                           op->notice   ? NOT_ANALYSED_NOTICE
                                           : op->remark ? NOT_ANALYSED_REMARK
                                                        : NOT_ANALYSED,
                                           op->not_analysed)
                        : op->custom ? arena_printf(a, "custom operation %s", py_callee(op->call))
                                     : NULL;
            list_push(a, &stmts, s);
            continue;
        }
        while (k < m->nstmts && m->stmts[k]->offset < c->end)
            list_push(a, &stmts, m->stmts[k++]);
    }
    while (k < m->nstmts)
        list_push(a, &stmts, m->stmts[k++]);
    m->stmts = arena_alloc(a, sizeof(Statement *) * (size_t)(stmts.len + 1));
    m->nstmts = stmts.len;
    for (int i = 0; i < stmts.len; i++) {
        Statement *s = LIST_GET(&stmts, i);
        s->index = i;
        const DjChunk *c = chunk_at(g, s->offset);
        int op = c ? c->op : -1;
        place_of(g, pm, op, &s->line, &s->column);
        if (op >= 0) {
            const DjOp *o = LIST_GET(&g->ops, op);
            s->origin = o->label;
            for (int j = 0; j < op_allows[op].len; j++)
                list_push(a, &s->allows, LIST_GET(&op_allows[op], j));
        }
        m->stmts[i] = s;
    }
    return 0;
}

void django_not_analysed(Arena *a, Plan *plan)
{
    for (int i = 0; i < plan->findings.len; i++) {
        Finding *f = LIST_GET(&plan->findings, i);
        const char *type = f->stmt ? f->stmt->opaque : NULL;
        if (!type || strcmp(f->rule->id, "not-analysed") != 0)
            continue;
        bool notice = strncmp(type, NOT_ANALYSED_NOTICE, strlen(NOT_ANALYSED_NOTICE)) == 0;
        bool remark = strncmp(type, NOT_ANALYSED_REMARK, strlen(NOT_ANALYSED_REMARK)) == 0;
        if (!notice && !remark && strncmp(type, NOT_ANALYSED, strlen(NOT_ANALYSED)) != 0)
            continue;
        const char *why = type + strlen(notice ? NOT_ANALYSED_NOTICE : remark ? NOT_ANALYSED_REMARK : NOT_ANALYSED);
        const char *what = f->stmt->origin ? f->stmt->origin : "this operation";
        if (remark) {
            f->message = arena_printf(a, "zdm plans this migration by what it can read: %s", why);
            f->fix = "1. check by hand what zdm could not read, and whether the plan's order holds\n"
                     "2. then acknowledge it: # zdm: allow not-analysed <reason> above class Migration";
            continue;
        }
        if (notice) {
            f->message = arena_printf(a, "zdm cannot analyse %s: %s. An operation zdm could not follow earlier "
                                         "may have made what this one needs, so this is a notice; what this "
                                         "operation does is still unchecked",
                                      what, why);
            if (!f->acknowledged && f->severity != SEV_NOTICE) {
                plan->counts[f->severity]--;
                plan->counts[SEV_NOTICE]++;
            }
            f->severity = SEV_NOTICE;
        } else {
            f->message = arena_printf(a, "zdm cannot analyse %s: %s. No rule and no deploy placement accounts "
                                         "for what it does",
                                      what, why);
        }
        f->fix = "1. review it by hand: which tables it locks, for how long, and what it changes\n"
                 "2. then acknowledge it: # zdm: allow not-analysed <reason> above the operation\n"
                 "or write it so zdm can follow it: literals, or names this file binds to literals";
    }
}

/* A dependency zdm can read: ("app", "name"), or swappable_dependency(...). */
static bool readable_dep(const PyNode *d)
{
    if (d->kind == PY_CALL && util_streq(py_last(py_callee(d)), "swappable_dependency"))
        return true;
    return (d->kind == PY_TUPLE || d->kind == PY_LIST) && d->items.len == 2 && py_str(LIST_GET(&d->items, 0)) &&
           py_str(LIST_GET(&d->items, 1));
}

/* Keeps the dependencies (and run_before) zdm can read; each one it cannot
 * becomes a not-analysed note at the class, as does a second package of
 * one label: the migration is still planned, by what zdm can read. */
static void read_edges(Project *p, DjMig *m)
{
    Arena *a = p->a;
    List notes = {0};
    PyNode at = {.line = m->pm.class_line, .col = m->pm.class_col, .end_line = m->pm.class_line};
    if (m->dup_of && m->installed == 0)
        list_push(a, &notes, py_opaque(a, &at, arena_printf(a, "app label '%s' is also the label of %s, the package "
                                                              "the settings' INSTALLED_APPS installs: zdm plans this "
                                                              "one apart as '%s', and zdm migrate leaves it out",
                                                            m->label, m->dup_of, m->app)));
    else if (m->dup_of)
        list_push(a, &notes, py_opaque(a, &at, arena_printf(a, "app label '%s' is also the label of %s: a project "
                                                              "installs only one of them, and zdm cannot tell which "
                                                              "from the settings' INSTALLED_APPS; zdm plans this one "
                                                              "apart as '%s'",
                                                            m->label, m->dup_of, m->app)));
    const PyNode **lists[] = {&m->pm.dependencies, &m->pm.run_before};
    const char *names[] = {"dependencies", "run_before"};
    for (int k = 0; k < 2; k++) {
        const PyNode *v = *lists[k];
        if (!v)
            continue;
        PyNode *kept = arena_alloc(a, sizeof *kept);
        *kept = *v;
        kept->kind = PY_LIST;
        kept->items = (List){0};
        if (!py_is_seq(v)) {
            list_push(a, &notes, py_opaque(a, v, arena_printf(a, "%s; zdm orders this migration without them",
                                                              py_why_not(a, v, names[k]))));
        } else {
            for (int j = 0; j < v->items.len; j++) {
                const PyNode *d = LIST_GET(&v->items, j);
                if (readable_dep(d))
                    list_push(a, &kept->items, (void *)d);
                else
                    list_push(a, &notes, py_opaque(a, d, arena_printf(a, "%s; zdm orders this migration without it",
                                                                      py_why_not(a, d, "a dependency"))));
            }
        }
        *lists[k] = kept;
    }
    for (int k = notes.len - 1; k >= 0; k--) {
        const PyNode *n = LIST_GET(&notes, k);
        add_remark(a, m, n, n->s);
    }
}

/* What parsing a generated migration needs (see django_parse). */
typedef struct DjParse {
    Gen g;
    const PyMigration *pm;
} DjParse;

static int stage_directive(Migration *m, const PyMigration *pm, ZdmError *err);

/* Migration.parse: the generated SQL parsed, its statements placed at their
 * operations, then the directives; on a parsing thread (sql_parse_start),
 * which reads the generator's record of the migration and writes only m. */
static int django_parse(Arena *a, Migration *m, ZdmError *err)
{
    DjParse *dp = m->parse_ctx;
    if (finish_migration(a, m, &dp->g, dp->pm, err) < 0)
        return -1;
    return stage_directive(m, dp->pm, err);
}

/* django-syzygy's stage = Stage.PRE_DEPLOY / POST_DEPLOY. */
static int stage_directive(Migration *m, const PyMigration *pm, ZdmError *err)
{
    if (!pm->stage || m->directive != PHASE_NONE)
        return 0;
    const char *s = pm->stage->kind == PY_NAME ? py_last(pm->stage->s) : NULL;
    if (util_streq(s, "POST_DEPLOY"))
        m->directive = PHASE_AFTER;
    else if (util_streq(s, "PRE_DEPLOY"))
        m->directive = PHASE_BEFORE;
    else
        return zdm_error(err, m->file, pm->stage->line, pm->stage->col,
                         "stage takes Stage.PRE_DEPLOY or Stage.POST_DEPLOY");
    m->directive_line = pm->stage->line;
    m->django->stage = true;
    return 0;
}

/* ---- reading the files, on every core ---------------------------------- */

#define MAX_PY_THREADS 8

typedef struct PyJob {
    const List *migs;
    const PyEnv *settings;
    int first, step; /* this job parses migs first, first + step, ... */
    Arena *arena;
} PyJob;

static void *py_job(void *arg)
{
    PyJob *j = arg;
    for (int i = j->first; i < j->migs->len; i += j->step) {
        DjMig *mg = LIST_GET(j->migs, i);
        ZdmError err = {0};
        if (py_read_migration(j->arena, mg->file, mg->text, mg->len, j->settings, &mg->pm, &err) < 0) {
            mg->error = arena_alloc(j->arena, sizeof err);
            *mg->error = err;
        }
    }
    return NULL;
}

/* Parses every migration file, split over the cores: a project of thousands
 * of files spends a good part of its time here. Every file zdm cannot read
 * is reported, in file order, not only the first. */
static int parse_all(Project *p)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cores < 1 ? 1 : cores > MAX_PY_THREADS ? MAX_PY_THREADS : (int)cores;
    if (p->migs.len < 64)
        n = 1;
    PyJob jobs[MAX_PY_THREADS];
    pthread_t threads[MAX_PY_THREADS];
    bool started[MAX_PY_THREADS] = {false};
    for (int t = 0; t < n; t++)
        jobs[t] = (PyJob){.migs = &p->migs, .settings = p->settings, .first = t, .step = n,
                          .arena = t == 0 ? p->a : arena_new()};
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&threads[t], NULL, py_job, &jobs[t]) == 0;
    py_job(&jobs[0]);
    for (int t = 1; t < n; t++) {
        if (started[t])
            pthread_join(threads[t], NULL);
        else
            py_job(&jobs[t]); /* no thread to be had: its share here */
        arena_adopt(p->a, jobs[t].arena);
    }
    int failed = 0;
    StrBuf more;
    sb_init(&more, p->a);
    sb_append(&more, "");
    for (int i = 0; i < p->migs.len; i++) {
        const DjMig *mg = LIST_GET(&p->migs, i);
        if (!mg->error)
            continue;
        if (failed++ == 0) {
            *p->err = *mg->error;
            continue;
        }
        /* the others follow the first, one a line, as far as the message holds them */
        const ZdmError *e = mg->error;
        const char *line = arena_printf(p->a, "\n%s:%d:%d: %s", e->file, e->line, e->column, e->message);
        if (strlen(p->err->message) + more.len + strlen(line) + 40 < sizeof p->err->message)
            sb_append(&more, line);
    }
    if (!failed)
        return 0;
    if (failed > 1) {
        int shown = 1;
        for (const char *c = more.data; *c; c++)
            shown += *c == '\n';
        size_t l = strlen(p->err->message);
        snprintf(p->err->message + l, sizeof p->err->message - l, "%s%s", more.data,
                 shown < failed ? arena_printf(p->a, "\n(and %d more files zdm cannot read)", failed - shown) : "");
    }
    return -1;
}

int django_load(Arena *a, const char *path, int version, History *h, ZdmError *err)
{
    Project p = {.a = a, .err = err};
    Walk w = {.a = a};
    walk_from(&w, path);
    List modules = {0}; /* MIGRATION_MODULES: label, module, ... */
    List installed = {0}; /* every settings module's INSTALLED_APPS */
    PyEnv *settings = read_settings(a, &w.settings, &modules, &installed);
    p.settings = settings;
    const PyNode *um = py_env_get(settings, "AUTH_USER_MODEL");
    p.user_model = "auth.user";
    if (py_str(um) && strchr(py_str(um), '.')) {
        char *v = arena_strdup(a, py_str(um));
        for (char *c = v; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        p.user_model = v;
    }
    /* apps whose migrations MIGRATION_MODULES puts elsewhere: that package
     * and not their own migrations folder */
    List labels = {0}, dirs = {0};
    for (int i = 0; i + 1 < modules.len; i += 2) {
        const char *mod = LIST_GET(&modules, i + 1);
        char *rel = arena_printf(a, "/%s", mod);
        for (char *c = rel; *c; c++)
            if (*c == '.')
                *c = '/';
        for (int k = 0; k < w.packages.len; k++) {
            const char *pkg = LIST_GET(&w.packages, k);
            if (ends_with(pkg, rel) || strcmp(pkg, rel + 1) == 0) {
                list_push(a, &labels, LIST_GET(&modules, i));
                list_push(a, &dirs, (void *)pkg);
                break;
            }
        }
    }
    int named = dirs.len;
    for (int i = 0; i < w.dirs.len; i++) {
        const char *d = LIST_GET(&w.dirs, i);
        const char *label = app_label(a, d);
        bool moved = false, listed = false;
        for (int k = 0; k < named; k++) {
            moved |= strcmp(LIST_GET(&labels, k), label) == 0;
            listed |= strcmp(LIST_GET(&dirs, k), d) == 0;
        }
        if (moved || listed)
            continue;
        list_push(a, &labels, (void *)label);
        list_push(a, &dirs, (void *)d);
    }
    if (dirs.len == 0 && is_migrations_dir(path)) { /* an app's migrations folder named otherwise */
        list_push(a, &dirs, (void *)path);
        list_push(a, &labels, (void *)app_label(a, path));
    }
    if (dirs.len == 0)
        return zdm_error(err, path, 0, 0, "no Django migrations found in %s (expected a folder named "
                                          "migrations, with __init__.py and migration modules, in an app)", path);
    /* two packages of one label: the one INSTALLED_APPS installs keeps the
     * label (load_app names the later one label@folder) */
    for (int i = 0; i < dirs.len; i++)
        for (int j = i + 1; j < dirs.len; j++)
            if (strcmp(LIST_GET(&labels, i), LIST_GET(&labels, j)) == 0 &&
                which_installed(a, &installed, LIST_GET(&dirs, i), LIST_GET(&dirs, j)) == 0) {
                void *t = dirs.items[i];
                dirs.items[i] = dirs.items[j];
                dirs.items[j] = t;
            }
    for (int i = 0; i < dirs.len; i++)
        if (load_app(&p, LIST_GET(&dirs, i), LIST_GET(&labels, i)) < 0)
            return -1;
    for (int i = 0; i < p.migs.len; i++) {
        DjMig *m = LIST_GET(&p.migs, i);
        if (!m->dup_of)
            continue;
        int w = which_installed(a, &installed, m->dup_of, m->mdir); /* 1: dup_of's, after the swap */
        m->other = m->dup_of;
        m->installed = w < 0 ? -1 : 0;
        for (int k = 0; k < p.migs.len; k++) { /* and the package that kept the label */
            DjMig *o = LIST_GET(&p.migs, k);
            if (strcmp(o->mdir, m->dup_of) == 0 && !o->other) {
                o->other = m->mdir;
                o->installed = w < 0 ? -1 : 1;
            }
        }
    }
    if (parse_all(&p) < 0)
        return -1;
    for (int i = 0; i < p.migs.len; i++)
        read_edges(&p, LIST_GET(&p.migs, i));
    index_migs(&p);
    if (build_graph(&p) < 0)
        return -1;

    int newest = 0;
    for (int i = 0; i < p.migs.len; i++) {
        const DjMig *m = LIST_GET(&p.migs, i);
        int v = m->pm.generated_major * 10 + m->pm.generated_minor;
        if (m->pm.generated_major && v > newest)
            newest = v;
    }
    if (!version)
        version = newest >= 32 ? newest : 42;
    if (version > 52)
        version = 52;

    /* migration_plan over the sorted leaves */
    mark_children(&p);
    List leaves = {0};
    for (int i = 0; i < p.migs.len; i++) {
        DjMig *m = LIST_GET(&p.migs, i);
        if (!m->replaced && !m->has_child)
            list_push(a, &leaves, m);
    }
    if (leaves.len > 1)
        qsort(leaves.items, (size_t)leaves.len, sizeof(void *), key_cmp);
    List plan = {0};
    for (int i = 0; i < leaves.len; i++)
        if (forwards_plan(&p, LIST_GET(&leaves, i), &plan) < 0)
            return -1;

    DjState *st = arena_alloc(a, sizeof *st);
    st->a = a;
    st->user_model = p.user_model;
    st->settings = p.settings; /* swappable models: settings.X in to= */
    h->items = arena_alloc(a, sizeof(Migration *) * (size_t)(plan.len + 1));
    h->n = 0;
    h->explicit_files = false;
    for (int i = 0; i < plan.len; i++) {
        DjMig *dm = LIST_GET(&plan, i);
        Gen g = {.a = a, .st = st, .version = version, .file = dm->file, .app = dm->app, .err = err};
        if (dj_generate(&g, &dm->pm) < 0)
            return -1;
        Migration *m = arena_alloc(a, sizeof *m);
        m->index = h->n;
        m->name = dm->key;
        m->file = dm->file;
        m->text = g.out.data;
        m->len = g.out.len;
        m->no_transaction = !py_truthy(dm->pm.atomic, true);
        DjangoInfo *dj = arena_alloc(a, sizeof *dj);
        dj->app = dm->app;
        dj->short_name = dm->name;
        dj->py_text = dm->text;
        dj->py_len = dm->len;
        dj->version = version;
        for (int k = 0; k < g.ops.len; k++)
            dj->python |= ((const DjOp *)LIST_GET(&g.ops, k))->python;
        dj->notes = g.notes;
        dj->other_package = dm->other;
        dj->installed = dm->installed;
        for (int k = 0; k < dm->parents.len; k++)
            list_push(a, &dj->deps, (void *)((DjMig *)LIST_GET(&dm->parents, k))->key);
        for (int k = 0; py_is_seq(dm->pm.replaces) && k < dm->pm.replaces->items.len; k++) {
            const PyNode *e = LIST_GET(&dm->pm.replaces->items, k); /* a pair: build_graph checked */
            const char *rapp = py_str(LIST_GET(&e->items, 0)), *rname = py_str(LIST_GET(&e->items, 1));
            if (rapp && rname)
                list_push(a, &dj->replaces, arena_printf(a, "%s.%s", rapp, rname));
        }
        m->django = dj;
        DjParse *dp = arena_alloc(a, sizeof *dp);
        dp->g = g;
        dp->pm = &dm->pm;
        m->parse = django_parse;
        m->parse_ctx = dp;
        h->items[h->n++] = m;
    }
    return 0;
}
