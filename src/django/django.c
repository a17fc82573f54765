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

#define MAX_DEPTH 4 /* how far below the given path apps are looked for */

typedef struct DjMig {
    const char *app, *name, *key; /* key: "app.name" */
    const char *file;
    const char *text;
    size_t len;
    PyMigration pm;
    List parents;  /* DjMig* */
    bool replaced; /* by a squashed migration */
    bool has_child; /* a migration of its own app depends on it (not a leaf) */
    int state;     /* DFS: 0 new, 1 on the stack, 2 done */
    bool planned;
} DjMig;

typedef struct AppEnds {
    const char *app;
    DjMig *first, *latest; /* __first__ and __latest__ */
} AppEnds;

typedef struct Project {
    Arena *a;
    List migs;     /* DjMig* */
    List apps;     /* const char* app labels */
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

/* A migrations directory: holds NNNN_*.py. */
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

static bool skip_dir(const char *name)
{
    return name[0] == '.' || strcmp(name, "node_modules") == 0 || strcmp(name, "__pycache__") == 0 ||
           strcmp(name, "site-packages") == 0 || strcmp(name, "venv") == 0 || strcmp(name, "env") == 0;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Every app migrations directory below dir, in name order. */
static void find_migration_dirs(Arena *a, const char *dir, int depth, List *out)
{
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    if (strcmp(base, "migrations") == 0 && is_migrations_dir(dir)) {
        list_push(a, out, (void *)dir);
        return;
    }
    if (depth >= MAX_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    List names = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (!skip_dir(de->d_name))
            list_push(a, &names, arena_strdup(a, de->d_name));
    closedir(d);
    if (names.len > 1)
        qsort(names.items, (size_t)names.len, sizeof(void *), str_cmp);
    for (int i = 0; i < names.len; i++) {
        char *p = join(a, dir, LIST_GET(&names, i));
        if (is_dir(p))
            find_migration_dirs(a, p, depth + 1, out);
    }
}

bool django_is_project(const char *path)
{
    if (!is_dir(path))
        return false;
    Arena *a = arena_new();
    List dirs = {0};
    find_migration_dirs(a, path, 0, &dirs);
    bool yes = dirs.len > 0;
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

/* The app label: AppConfig.label in apps.py when set, else the folder's name. */
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
    for (const char *p = apps; p && (p = strstr(p, "label")) != NULL; p++) {
        bool starts = p == apps || isspace((unsigned char)p[-1]);
        const char *q = p + 5;
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
    return arena_strdup(a, strcmp(base, ".") == 0 ? "app" : base);
}

/* settings.AUTH_USER_MODEL from the project's settings files, else auth.User. */
static const char *find_user_model(Arena *a, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    const char *found = NULL;
    struct dirent *de;
    List subdirs = {0};
    while (!found && (de = readdir(d)) != NULL) {
        if (skip_dir(de->d_name))
            continue;
        char *p = join(a, dir, de->d_name);
        if (is_dir(p)) {
            list_push(a, &subdirs, p);
            continue;
        }
        if (!ends_with(de->d_name, ".py") || !strstr(p, "settings"))
            continue;
        size_t len;
        ZdmError ignored;
        const char *t = util_read_file(a, p, &len, &ignored);
        const char *s = t ? strstr(t, "AUTH_USER_MODEL") : NULL;
        if (!s)
            continue;
        s += strlen("AUTH_USER_MODEL");
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s++ != '=')
            continue;
        while (*s == ' ' || *s == '\t')
            s++;
        char quote = *s;
        const char *e = (quote == '\'' || quote == '"') ? strchr(s + 1, quote) : NULL;
        if (e) {
            char *v = arena_strndup(a, s + 1, (size_t)(e - s - 1));
            for (char *c = v; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            found = v;
        }
    }
    closedir(d);
    for (int i = 0; !found && depth < MAX_DEPTH && i < subdirs.len; i++)
        found = find_user_model(a, LIST_GET(&subdirs, i), depth + 1);
    return found;
}

static int load_app(Project *p, const char *mdir)
{
    const char *app = app_label(p->a, mdir);
    for (int i = 0; i < p->apps.len; i++)
        if (strcmp(LIST_GET(&p->apps, i), app) == 0)
            return zdm_error(p->err, mdir, 0, 0, "two apps are labelled '%s': set AppConfig.label on one", app);
    list_push(p->a, &p->apps, (void *)app);
    DIR *d = opendir(mdir);
    if (!d)
        return zdm_error(p->err, mdir, 0, 0, "cannot read directory %s", mdir);
    List files = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        /* Django loads every module of the package but "_x" and "~x" */
        if (n[0] == '_' || n[0] == '~' || n[0] == '.' || !ends_with(n, ".py"))
            continue;
        list_push(p->a, &files, arena_strdup(p->a, n));
    }
    closedir(d);
    if (files.len > 1)
        qsort(files.items, (size_t)files.len, sizeof(void *), str_cmp);
    for (int i = 0; i < files.len; i++) {
        const char *n = LIST_GET(&files, i);
        DjMig *mg = arena_alloc(p->a, sizeof *mg);
        mg->app = app;
        mg->name = arena_strndup(p->a, n, strlen(n) - 3);
        mg->key = arena_printf(p->a, "%s.%s", app, mg->name);
        mg->file = join(p->a, mdir, n);
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
    return 0;
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
        zdm_error(p->err, m->file, d->line, d->col,
                  "%s depends on %s.%s, which is not among the migrations of app '%s'", m->key, app, name, app);
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
            DjMig *t = find_mig(p, py_str(LIST_GET(&e->items, 0)) ? py_str(LIST_GET(&e->items, 0)) : "",
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

/* {"<type>": {}}: a statement that is not SQL (RunPython, an unknown
 * operation); the replay reads its type (see catalog/replay.c). */
static cJSON *placeholder_node(Arena *a, const char *type)
{
    cJSON *n = arena_alloc(a, sizeof *n);
    cJSON *body = arena_alloc(a, sizeof *body);
    n->type = cJSON_Object;
    body->type = cJSON_Object | cJSON_StringIsConst;
    body->string = (char *)type;
    body->prev = body; /* as cJSON links a lone child */
    n->child = body;
    return n;
}

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

static int finish_migration(Arena *a, Migration *m, Gen *g, const PyMigration *pm, ZdmError *err)
{
    const char *py_file = m->file;
    if (sql_parse_migration(a, m, err) < 0) {
        /* the SQL of a RunSQL: report it at the operation */
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
        return zdm_error(err, py_file, l, col, "in the SQL of this operation: %s", msg);
    }
    List *op_allows = arena_alloc(a, sizeof(List) * (size_t)(g->ops.len + 1));
    if (directives(a, m, g, pm, op_allows, err) < 0)
        return -1;
    /* statements in text order, with the placeholders (no SQL) among them */
    List stmts = {0};
    int k = 0;
    for (int i = 0; i < g->chunks.len; i++) {
        const DjChunk *c = LIST_GET(&g->chunks, i);
        if (c->python) {
            Statement *s = arena_alloc(a, sizeof *s);
            s->offset = c->start;
            s->sql = m->text + c->start;
            s->len = c->end - c->start;
            const DjOp *op = LIST_GET(&g->ops, c->op);
            s->node = placeholder_node(a, op->custom ? arena_printf(a, "custom operation %s", py_callee(op->call))
                                                     : "SelectStmt");
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
    int first, step; /* this job parses migs first, first + step, ... */
    Arena *arena;
    int failed;      /* the first of its files that failed, or migs->len */
    ZdmError err;
} PyJob;

static void *py_job(void *arg)
{
    PyJob *j = arg;
    for (int i = j->first; i < j->migs->len; i += j->step) {
        DjMig *mg = LIST_GET(j->migs, i);
        if (py_parse_migration(j->arena, mg->file, mg->text, mg->len, &mg->pm, &j->err) < 0) {
            j->failed = i;
            break;
        }
    }
    return NULL;
}

/* Parses every migration file, split over the cores: a project of thousands
 * of files spends a good part of its time here. The error is the first in
 * file order (each job stops only at its own first failure). */
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
        jobs[t] = (PyJob){.migs = &p->migs, .first = t, .step = n, .failed = p->migs.len,
                          .arena = t == 0 ? p->a : arena_new()};
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&threads[t], NULL, py_job, &jobs[t]) == 0;
    py_job(&jobs[0]);
    int first = 0;
    for (int t = 1; t < n; t++) {
        if (started[t])
            pthread_join(threads[t], NULL);
        else
            py_job(&jobs[t]); /* no thread to be had: its share here */
        arena_adopt(p->a, jobs[t].arena);
        if (jobs[t].failed < jobs[first].failed)
            first = t;
    }
    if (jobs[first].failed < p->migs.len) {
        *p->err = jobs[first].err;
        return -1;
    }
    return 0;
}

int django_load(Arena *a, const char *path, int version, History *h, ZdmError *err)
{
    Project p = {.a = a, .err = err};
    List dirs = {0};
    find_migration_dirs(a, path, 0, &dirs);
    if (dirs.len == 0 && is_migrations_dir(path))
        list_push(a, &dirs, (void *)path); /* an app's migrations folder named otherwise */
    if (dirs.len == 0)
        return zdm_error(err, path, 0, 0, "no Django migrations found in %s", path);
    p.user_model = find_user_model(a, path, 0);
    if (!p.user_model)
        p.user_model = "auth.user";
    for (int i = 0; i < dirs.len; i++)
        if (load_app(&p, LIST_GET(&dirs, i)) < 0)
            return -1;
    if (parse_all(&p) < 0)
        return -1;
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
