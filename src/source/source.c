/*
 * source.c — turns what the user named on the command line into the ordered
 * list of migrations the rest of zdm analyses.
 *
 * A directory's layout is recognised from its entries, so teams point zdm at
 * the folder their migration tool already uses: plain "NNNN_name.sql",
 * golang-migrate "N_name.up.sql", Flyway "V1__x.sql" / "R__x.sql", dbmate files
 * with "-- migrate:up" sections, or one folder per migration holding up.sql
 * (diesel, refinery). Only the "up" direction is kept: zdm analyses what a
 * deploy runs. Statements are not parsed here; the SQL module does that from
 * Migration.text, so the text keeps the file's bytes for offsets and lines.
 */
#include "source.h"

#include "../django/django.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A directory entry recognised as a migration, before its file is read. */
typedef struct Entry {
    const char *name; /* migration name: "0002_add_x", "V1_2__b", a folder name */
    const char *file; /* path as the user would write it */
    const char *key;  /* what orders it among its directory's migrations */
    int group;        /* 0: versioned/plain, 1: Flyway repeatable (run last) */
} Entry;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/*
 * dir + "/" + name with exactly one slash between them, so messages show the
 * path the way the user would type it ("db/" and "db" both give "db/x.sql").
 */
static char *join_path(Arena *a, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return arena_printf(a, "/%s", name);
    return arena_printf(a, "%.*s/%s", (int)n, dir, name);
}

/* The migration name of a file: its base name without ".up.sql" or ".sql". */
static char *name_of_file(Arena *a, const char *base)
{
    size_t n = strlen(base);
    if (ends_with(base, ".up.sql") && n > strlen(".up.sql"))
        n -= strlen(".up.sql");
    else if (ends_with(base, ".sql") && n > strlen(".sql"))
        n -= strlen(".sql");
    return arena_strndup(a, base, n);
}

/*
 * Flyway's "<prefix><version>__<desc>.sql": the version is digits separated
 * by '.' or '_'. Returns the version's length (0 when base is not one).
 */
static size_t flyway_version_len(const char *base, char prefix)
{
    if (base[0] != prefix || !(base[1] >= '0' && base[1] <= '9'))
        return 0;
    const char *sep = strstr(base + 1, "__");
    if (!sep)
        return 0;
    for (const char *p = base + 1; p < sep; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '_'))
            return 0;
    return (size_t)(sep - (base + 1));
}

/*
 * Flyway runs callbacks such as afterMigrate.sql next to the migrations; they
 * are not migrations of their own.
 */
static bool is_flyway_callback(const char *base)
{
    const char *rest = NULL;
    if (strncmp(base, "before", 6) == 0)
        rest = base + 6;
    else if (strncmp(base, "after", 5) == 0)
        rest = base + 5;
    return rest && *rest >= 'A' && *rest <= 'Z';
}

static int entry_cmp(const void *pa, const void *pb)
{
    const Entry *a = *(const Entry *const *)pa;
    const Entry *b = *(const Entry *const *)pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    int c = util_natural_cmp(a->key, b->key);
    if (c)
        return c;
    /* Equal keys ("V1_1" and "V1.1", "01" and "1"): still a stable order. */
    c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->file, b->file);
}

/*
 * Classifies one regular file of a migrations directory. Returns NULL for
 * files that are not "up" migrations. *flyway is set when the name follows
 * Flyway's convention, which makes the directory a Flyway one.
 */
static Entry *classify_file(Arena *a, const char *dir, const char *base,
                            bool *flyway)
{
    if (!ends_with(base, ".sql") || ends_with(base, ".down.sql"))
        return NULL;
    if (flyway_version_len(base, 'U')) { /* Flyway undo: never deployed forward */
        *flyway = true;
        return NULL;
    }
    Entry *e = arena_alloc(a, sizeof *e);
    e->name = name_of_file(a, base);
    e->file = join_path(a, dir, base);
    e->key = e->name;
    size_t vlen = flyway_version_len(base, 'V');
    if (vlen) {
        /*
         * Flyway compares versions part by part and treats '_' like '.', so
         * V1_2 < V1.5 < V1_10; the key drops the description so that V1__z
         * still comes before V1.1__a.
         */
        char *key = arena_strndup(a, base, vlen + 1);
        for (char *p = key; *p; p++)
            if (*p == '_')
                *p = '.';
        e->key = key;
        *flyway = true;
    } else if (strncmp(base, "R__", 3) == 0) {
        e->group = 1; /* repeatables run after every versioned migration */
        *flyway = true;
    }
    return e;
}

/*
 * dbmate keeps both directions in one file: "-- migrate:up [options]" then
 * "-- migrate:down". Tells whether line (a line's start) is such a marker,
 * matching dbmate's own pattern "^--\s*migrate:up"; *rest is what follows.
 */
static bool is_marker_line(const char *line, const char *marker, const char **rest)
{
    const char *p = line; /* dbmate ignores an indented marker, so do we */
    if (p[0] != '-' || p[1] != '-')
        return false;
    p += 2;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(marker);
    if (strncmp(p, marker, n) != 0)
        return false;
    p += n;
    if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
        return false; /* "-- migrate:upgrade" is just a comment */
    *rest = p;
    return true;
}

/*
 * For a dbmate file, cuts the text at the "-- migrate:down" line: what comes
 * before stays byte for byte, so offsets and line numbers are the file's.
 * Files without a "-- migrate:up" line are left alone.
 */
static int apply_dbmate(Arena *a, Migration *m, ZdmError *err)
{
    const char *text = m->text;
    const char *up = NULL, *down = NULL, *early_down = NULL;
    for (const char *line = text; line && *line;) {
        const char *rest;
        if (!up && is_marker_line(line, "migrate:up", &rest)) {
            up = line;
            const char *eol = strchr(rest, '\n');
            size_t n = eol ? (size_t)(eol - rest) : strlen(rest);
            /* Options are space-separated "key:value" words. */
            const char *opt = rest;
            while ((opt = strstr(opt, "transaction:false")) && opt < rest + n) {
                bool starts = opt == rest || opt[-1] == ' ' || opt[-1] == '\t';
                char after = opt[strlen("transaction:false")];
                bool ends = after == '\0' || after == ' ' || after == '\t' ||
                            after == '\r' || after == '\n';
                if (starts && ends) {
                    m->no_transaction = true;
                    break;
                }
                opt++;
            }
        } else if (is_marker_line(line, "migrate:down", &rest)) {
            if (up) {
                down = line;
                break;
            }
            if (!early_down)
                early_down = line;
        }
        const char *eol = strchr(line, '\n');
        line = eol ? eol + 1 : NULL;
    }
    if (!up)
        return 0;
    if (early_down) {
        int line, col;
        util_line_col(text, (int)(early_down - text), &line, &col);
        return zdm_error(err, m->file, line, 1,
                         "\"-- migrate:down\" comes before \"-- migrate:up\"");
    }
    if (down) {
        m->len = (size_t)(down - text);
        /* NUL-terminated at the cut: the parser reads text as a C string. */
        m->text = arena_strndup(a, text, m->len);
    }
    return 0;
}

static Migration *read_migration(Arena *a, const char *name, const char *file,
                                 ZdmError *err)
{
    Migration *m = arena_alloc(a, sizeof *m);
    m->name = name;
    m->file = file;
    m->phase = PHASE_NONE;
    m->directive = PHASE_NONE;
    m->text = util_read_file(a, file, &m->len, err);
    if (!m->text || apply_dbmate(a, m, err) < 0)
        return NULL;
    return m;
}

/* Adds a directory's migrations to out, in the order they are applied. */
static int load_dir(Arena *a, const char *dir, List *out, ZdmError *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return zdm_error(err, dir, 0, 0, "cannot read directory %s: %s", dir,
                         strerror(errno));
    List entries = {0};
    List callbacks = {0}; /* Flyway-style names, dropped if the dir is Flyway's */
    bool flyway = false;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        const char *base = de->d_name;
        if (base[0] == '.') /* ".", "..", ".git", editor swap files */
            continue;
        char *path = join_path(a, dir, base);
        struct stat st;
        if (stat(path, &st) != 0) {
            /* A dangling link named like a migration hides one: say so. */
            if (ends_with(base, ".sql")) {
                rc = zdm_error(err, path, 0, 0, "cannot open %s: %s", path,
                               strerror(errno));
                break;
            }
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            char *up = join_path(a, path, "up.sql");
            struct stat ust;
            if (stat(up, &ust) == 0 && !S_ISDIR(ust.st_mode)) {
                Entry *e = arena_alloc(a, sizeof *e);
                e->name = arena_strdup(a, base);
                e->file = up;
                e->key = e->name;
                list_push(a, &entries, e);
            }
            continue;
        }
        Entry *e = classify_file(a, dir, base, &flyway);
        if (!e)
            continue;
        list_push(a, is_flyway_callback(base) ? &callbacks : &entries, e);
    }
    closedir(d);
    if (rc < 0)
        return rc;
    if (!flyway)
        for (int i = 0; i < callbacks.len; i++)
            list_push(a, &entries, LIST_GET(&callbacks, i));
    if (entries.len == 0)
        return zdm_error(err, dir, 0, 0,
                         "no migrations found in %s (expected NNNN_name.sql, "
                         "N_name.up.sql, V1__name.sql, dbmate files or folders "
                         "holding up.sql)",
                         dir);

    qsort(entries.items, (size_t)entries.len, sizeof(void *), entry_cmp);
    for (int i = 0; i < entries.len; i++) {
        Entry *e = LIST_GET(&entries, i);
        Migration *m = read_migration(a, e->name, e->file, err);
        if (!m)
            return -1;
        list_push(a, out, m);
    }
    return 0;
}

/* The name of a single file given on the command line. */
static const char *explicit_name(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (strcmp(base, "up.sql") == 0 && slash) {
        /* "migrations/20240101_x/up.sql": the folder names the migration. */
        const char *start = slash;
        while (start > path && start[-1] != '/')
            start--;
        if (start < slash)
            return arena_strndup(a, start, (size_t)(slash - start));
    }
    return name_of_file(a, base);
}

static int name_cmp(const void *pa, const void *pb)
{
    const Migration *a = *(const Migration *const *)pa;
    const Migration *b = *(const Migration *const *)pb;
    int c = strcmp(a->name, b->name);
    return c ? c : a->index - b->index;
}

/*
 * Names identify migrations (--deployed NAME, the database's history), so two
 * files that would share one make the history ambiguous.
 */
static int check_duplicates(Arena *a, History *h, ZdmError *err)
{
    if (h->n < 2)
        return 0;
    Migration **sorted = arena_alloc(a, sizeof(Migration *) * (size_t)h->n);
    memcpy(sorted, h->items, sizeof(Migration *) * (size_t)h->n);
    qsort(sorted, (size_t)h->n, sizeof *sorted, name_cmp);
    for (int i = 1; i < h->n; i++)
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
            return zdm_error(err, sorted[i]->file, 0, 0,
                             "two migrations are named '%s': %s and %s",
                             sorted[i]->name, sorted[i - 1]->file,
                             sorted[i]->file);
    return 0;
}

int source_load(Arena *a, char **paths, int npaths, History *h, ZdmError *err)
{
    h->items = NULL;
    h->n = 0;
    h->explicit_files = false;
    if (npaths <= 0)
        return zdm_error(err, NULL, 0, 0, "no migrations given");

    List out = {0};
    const char *a_dir = NULL, *a_file = NULL;
    for (int i = 0; i < npaths; i++) {
        const char *path = paths[i];
        if (strcmp(path, "-") == 0) {
            a_file = path;
            Migration *m = read_migration(a, "stdin", "-", err);
            if (!m)
                return -1;
            list_push(a, &out, m);
            continue;
        }
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                return zdm_error(err, path, 0, 0,
                                 "no such file or directory");
            return zdm_error(err, path, 0, 0, "cannot access %s: %s", path,
                             strerror(errno));
        }
        if (S_ISDIR(st.st_mode) && django_is_project(path)) {
            a_dir = path;
            History dj = {0};
            if (django_load(a, path, h->django_version, &dj, err) < 0)
                return -1;
            for (int k = 0; k < dj.n; k++)
                list_push(a, &out, dj.items[k]);
        } else if (S_ISDIR(st.st_mode)) {
            a_dir = path;
            if (load_dir(a, path, &out, err) < 0)
                return -1;
        } else {
            /* Regular files, but also pipes such as <(git show ...). */
            a_file = path;
            Migration *m = read_migration(a, explicit_name(a, path), path, err);
            if (!m)
                return -1;
            list_push(a, &out, m);
        }
    }
    /*
     * A directory is a history (some of it deployed); single files are all
     * pending. Mixed, it is unclear which the user means.
     */
    if (a_dir && a_file)
        return zdm_error(err, a_file, 0, 0,
                         "cannot mix a migrations directory (%s) with single "
                         "files (%s): give one or the other",
                         a_dir, a_file);

    h->items = (Migration **)out.items;
    h->n = out.len;
    h->explicit_files = a_file != NULL;
    for (int i = 0; i < h->n; i++)
        h->items[i]->index = i;
    if (check_duplicates(a, h, err) < 0) {
        h->items = NULL;
        h->n = 0;
        return -1;
    }
    return 0;
}
