/*
 * source.c — turns what the user named on the command line into the ordered
 * list of migrations the rest of zdm analyses.
 *
 * A directory's layout is recognised from its entries, so teams point zdm at
 * the folder their migration tool already uses: plain "NNNN_name.sql",
 * golang-migrate "N_name.up.sql", Flyway "V1__x.sql" / "R__x.sql", dbmate files
 * with "-- migrate:up" sections, goose files with "-- +goose Up" sections,
 * popx "<version>_<name>[.postgres][.autocommit].up.sql", Authelia
 * "V0001.Name.up.sql", Atlas (a directory holding atlas.sum), one folder
 * per migration holding up.sql (diesel, refinery) or migration.sql (Prisma),
 * or temporal's version folders, each listing its files in manifest.json.
 * Only the "up" direction is kept: zdm analyses what a deploy runs. A .sql
 * file whose name fits none of them (seed.sql) is skipped with a notice.
 *
 * Each file also says how its runner will run it: in one transaction (goose,
 * dbmate, popx, Atlas, Flyway's executeInTransaction), outside of one when the
 * file asks, or as written. The rules judge statements that cannot run in a
 * transaction by that (Migration.tx_mode).
 *
 * Statements are not parsed here; the SQL module does that from
 * Migration.text, so the text keeps the file's bytes for offsets and lines.
 */
#include "source.h"

#include <cjson/cJSON.h>

#include "../django/django.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A directory entry recognised as a migration, before its file is read. */
typedef struct Entry {
    const char *name; /* migration name: "0002_add_x", "V1_2__b", a folder name */
    const char *file; /* path as the user would write it */
    const char *key;  /* what orders it among its directory's migrations */
    int group;        /* 0: versioned/plain, 1: Flyway repeatable (run last) */
    int seq;          /* order among entries of one key: a manifest's list */
    const char *dialect; /* popx: "postgres", "mysql", ...; "" for none */
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
 * Whether a .sql file's name is one a migration tool applies: a version
 * first (NNNN_, N_, a timestamp: plain, golang-migrate, dbmate, goose,
 * Atlas, popx, river), Flyway's V<version>__ and R__, or Authelia's
 * V<NNNN>.<Name>. Anything else (seed.sql, schema.sql) is no migration.
 */
static bool is_migration_name(const char *base)
{
    if (base[0] >= '0' && base[0] <= '9')
        return true;
    if (base[0] == 'V' && base[1] >= '0' && base[1] <= '9')
        return true;
    return strncmp(base, "R__", 3) == 0;
}

/*
 * popx names files "<version>_<name>[.<dialect>][.autocommit].up.sql" and
 * applies, per version, the PostgreSQL file if there is one, else the
 * dialect-neutral one. Returns the dialect of base ("" for none).
 */
static const char *popx_dialect(Arena *a, const char *base)
{
    size_t n = strlen(base);
    if (!ends_with(base, ".up.sql"))
        return "";
    n -= strlen(".up.sql");
    char *stem = arena_strndup(a, base, n);
    if (ends_with(stem, ".autocommit"))
        stem[n - strlen(".autocommit")] = '\0';
    static const char *const dialects[] = {"postgres", "cockroach", "mysql", "sqlite3", "sqlite",
                                           NULL};
    const char *dot = strrchr(stem, '.');
    if (dot)
        for (int i = 0; dialects[i]; i++)
            if (strcmp(dot + 1, dialects[i]) == 0)
                return dialects[i];
    return "";
}

/* popx's version: the digits before the first '_'. */
static const char *popx_version(Arena *a, const char *base)
{
    const char *us = strchr(base, '_');
    return us ? arena_strndup(a, base, (size_t)(us - base)) : base;
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
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    /* Equal keys ("V1_1" and "V1.1", "01" and "1"): still a stable order. */
    c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->file, b->file);
}

/*
 * Classifies one regular file of a migrations directory. Returns NULL for
 * files that are not "up" migrations; a .sql file skipped for its name is
 * named in notices.
 */
static Entry *classify_file(Arena *a, const char *dir, const char *base, List *notices)
{
    if (!ends_with(base, ".sql") || ends_with(base, ".down.sql"))
        return NULL;
    if (flyway_version_len(base, 'U')) /* Flyway undo: never deployed forward */
        return NULL;
    if (!is_migration_name(base)) {
        list_push(a, notices,
                  arena_printf(a, "skipped %s: its name fits no migration layout (a migration's "
                                  "name starts with its version: 0001_name.sql, V1__name.sql)",
                               join_path(a, dir, base)));
        return NULL;
    }
    Entry *e = arena_alloc(a, sizeof *e);
    e->name = name_of_file(a, base);
    e->file = join_path(a, dir, base);
    e->key = e->name;
    e->dialect = popx_dialect(a, base);
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
    } else if (strncmp(base, "R__", 3) == 0) {
        e->group = 1; /* repeatables run after every versioned migration */
    }
    return e;
}

/*
 * Keeps, from a popx directory, what popx applies to PostgreSQL: other
 * dialects' files go, and so does a dialect-neutral file whose version has a
 * ".postgres." one.
 */
static void popx_select(Arena *a, List *entries)
{
    bool popx = false;
    for (int i = 0; i < entries->len && !popx; i++)
        popx = *((Entry *)LIST_GET(entries, i))->dialect != '\0';
    if (!popx)
        return;
    List kept = {0};
    for (int i = 0; i < entries->len; i++) {
        Entry *e = LIST_GET(entries, i);
        if (*e->dialect && strcmp(e->dialect, "postgres") != 0)
            continue;
        bool superseded = false;
        if (!*e->dialect) {
            const char *v = popx_version(a, e->name);
            for (int k = 0; k < entries->len && !superseded; k++) {
                Entry *o = LIST_GET(entries, k);
                superseded = strcmp(o->dialect, "postgres") == 0 &&
                             strcmp(popx_version(a, o->name), v) == 0;
            }
        }
        if (!superseded)
            list_push(a, &kept, e);
    }
    *entries = kept;
}

/* ------------------------------------------------------------------------ */
/* Sections and transaction modes written in the file                         */
/* ------------------------------------------------------------------------ */

/* The next line's start, or NULL after the last one. */
static const char *next_line(const char *line)
{
    const char *eol = strchr(line, '\n');
    return eol ? eol + 1 : NULL;
}

/* The 1-based line number of p in text. */
static int line_of(const char *text, const char *p)
{
    int line, col;
    util_line_col(text, (int)(p - text), &line, &col);
    return line;
}

/*
 * Cuts m's text at cut (a line's start): what comes before stays byte for
 * byte, so offsets and line numbers are the file's.
 */
static void cut_text(Arena *a, Migration *m, const char *cut)
{
    m->len = (size_t)(cut - m->text);
    /* NUL-terminated at the cut: the parser reads text as a C string. */
    m->text = arena_strndup(a, m->text, m->len);
}

static void set_tx(Migration *m, const char *runner, bool none, const char *optout)
{
    m->tx_runner = runner;
    m->tx_optout = optout;
    m->no_transaction = none;
    m->tx_mode = none ? TX_NONE : TX_WRAPPED;
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
 * For a dbmate file, cuts the text at the "-- migrate:down" line. dbmate
 * runs the up section in one transaction unless its marker line says
 * "transaction:false". Returns 1 for a dbmate file, 0 for another, -1 on error.
 */
static int apply_dbmate(Arena *a, Migration *m, ZdmError *err)
{
    const char *text = m->text;
    const char *up = NULL, *down = NULL, *early_down = NULL;
    bool no_tx = false;
    for (const char *line = text; line && *line; line = next_line(line)) {
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
                    no_tx = true;
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
    }
    if (!up)
        return 0;
    if (early_down)
        return zdm_error(err, m->file, line_of(text, early_down), 1,
                         "\"-- migrate:down\" comes before \"-- migrate:up\"");
    if (down)
        cut_text(a, m, down);
    set_tx(m, "dbmate", no_tx, "\"transaction:false\" on its marker line: -- migrate:up transaction:false");
    return 1;
}

typedef enum GooseNote {
    GOOSE_NONE,  /* not an annotation */
    GOOSE_UP,
    GOOSE_DOWN,
    GOOSE_BEGIN, /* StatementBegin */
    GOOSE_END,   /* StatementEnd */
    GOOSE_NO_TX, /* NO TRANSACTION */
    GOOSE_OTHER, /* ENVSUB ON/OFF and annotations of later goose versions */
} GooseNote;

/*
 * A goose annotation: "-- +goose <word>" at the very start of a line, any
 * case (goose reads an indented one as SQL, and so does zdm).
 */
static GooseNote goose_note(const char *line)
{
    if (line[0] != '-' || line[1] != '-')
        return GOOSE_NONE;
    const char *p = line + 2;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "+goose", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return GOOSE_NONE;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, "\n");
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    static const struct {
        const char *word;
        GooseNote note;
    } words[] = {{"up", GOOSE_UP},
                 {"down", GOOSE_DOWN},
                 {"statementbegin", GOOSE_BEGIN},
                 {"statementend", GOOSE_END},
                 {"no transaction", GOOSE_NO_TX}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == n && strncasecmp(p, words[i].word, n) == 0)
            return words[i].note;
    return GOOSE_OTHER;
}

/*
 * For a goose file, keeps the "-- +goose Up" section: goose runs it forward
 * and the "-- +goose Down" section only on rollback. goose runs the file in
 * one transaction unless it says "-- +goose NO TRANSACTION". StatementBegin /
 * StatementEnd only tell goose's own splitter where a statement holding
 * semicolons ends (zdm splits with PostgreSQL's grammar), but an unbalanced
 * pair makes goose refuse the file, so zdm does too. Returns 1 for a goose
 * file, 0 for another, -1 on error.
 */
static int apply_goose(Arena *a, Migration *m, ZdmError *err)
{
    const char *text = m->text;
    const char *up = NULL, *down = NULL, *begin = NULL, *first = NULL;
    bool no_tx = false;
    for (const char *line = text; line && *line; line = next_line(line)) {
        GooseNote note = goose_note(line);
        if (note == GOOSE_NONE)
            continue;
        if (!first)
            first = line;
        int ln = line_of(text, line);
        switch (note) {
        case GOOSE_UP:
            if (up)
                return zdm_error(err, m->file, ln, 1,
                                 "a second \"-- +goose Up\" (the first is at line %d): goose "
                                 "refuses the file",
                                 line_of(text, up));
            up = line;
            break;
        case GOOSE_DOWN:
            if (!up)
                return zdm_error(err, m->file, ln, 1,
                                 "\"-- +goose Down\" comes before \"-- +goose Up\"");
            if (begin)
                return zdm_error(err, m->file, line_of(text, begin), 1,
                                 "\"-- +goose StatementBegin\" has no \"-- +goose StatementEnd\" "
                                 "before \"-- +goose Down\" at line %d",
                                 ln);
            if (down)
                return zdm_error(err, m->file, ln, 1,
                                 "a second \"-- +goose Down\" (the first is at line %d)",
                                 line_of(text, down));
            down = line;
            break;
        case GOOSE_BEGIN:
            if (!up)
                return zdm_error(err, m->file, ln, 1,
                                 "\"-- +goose StatementBegin\" before \"-- +goose Up\"");
            if (begin)
                return zdm_error(err, m->file, ln, 1,
                                 "\"-- +goose StatementBegin\" inside the statement begun at "
                                 "line %d",
                                 line_of(text, begin));
            begin = line;
            break;
        case GOOSE_END:
            if (!begin)
                return zdm_error(err, m->file, ln, 1,
                                 "\"-- +goose StatementEnd\" without a \"-- +goose "
                                 "StatementBegin\" before it");
            begin = NULL;
            break;
        case GOOSE_NO_TX: no_tx = true; break;
        default: break;
        }
    }
    if (!first)
        return 0;
    if (begin)
        return zdm_error(err, m->file, line_of(text, begin), 1,
                         "\"-- +goose StatementBegin\" has no \"-- +goose StatementEnd\"");
    if (!up)
        return zdm_error(err, m->file, line_of(text, first), 1,
                         "a goose file without \"-- +goose Up\": goose refuses it");
    if (down)
        cut_text(a, m, down);
    set_tx(m, "goose", no_tx, "-- +goose NO TRANSACTION at the top of the file");
    return 1;
}

/*
 * Atlas runs each file in a transaction of its own unless its header says
 * "-- atlas:txmode none" (directives sit in the comment lines before the
 * first statement). A file is Atlas's when it has that directive or its
 * folder holds atlas.sum.
 */
static int apply_atlas(Arena *a, Migration *m, ZdmError *err)
{
    const char *mode = NULL;
    int mode_line = 0;
    for (const char *line = m->text; line && *line; line = next_line(line)) {
        const char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p == '\n')
            continue;
        if (p[0] != '-' || p[1] != '-')
            break; /* the first statement: the header is over */
        p += 2;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "atlas:txmode", 12) != 0)
            continue;
        p += 12;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t\r\n");
        mode = arena_strndup(a, p, n);
        mode_line = line_of(m->text, line);
    }
    if (mode && strcmp(mode, "none") != 0 && strcmp(mode, "file") != 0 &&
        strcmp(mode, "all") != 0)
        return zdm_error(err, m->file, mode_line, 1,
                         "atlas:txmode takes none, file or all, not '%s'", mode);
    if (!mode) {
        const char *slash = strrchr(m->file, '/');
        const char *sum = slash ? arena_printf(a, "%.*s/atlas.sum", (int)(slash - m->file), m->file)
                                : "atlas.sum";
        struct stat st;
        if (stat(sum, &st) != 0)
            return 0;
    }
    set_tx(m, "Atlas", mode && strcmp(mode, "none") == 0,
           "-- atlas:txmode none at the top of the file");
    return 1;
}

/*
 * Flyway runs a versioned or repeatable script in a transaction, except that
 * without a setting it runs one holding only statements that cannot run in a
 * transaction outside of one (and refuses one that mixes both). The setting
 * is executeInTransaction in the script's configuration file, "<script>.conf".
 */
static int apply_flyway(Arena *a, Migration *m, const char *base, ZdmError *err)
{
    if (!flyway_version_len(base, 'V') && strncmp(base, "R__", 3) != 0)
        return 0;
    m->tx_runner = "Flyway";
    m->tx_optout = arena_printf(a, "a file %s.conf beside it holding executeInTransaction=false",
                                base);
    m->tx_mode = TX_DETECT;
    const char *conf = arena_printf(a, "%s.conf", m->file);
    struct stat st;
    if (stat(conf, &st) != 0)
        return 1;
    size_t len;
    const char *text = util_read_file(a, conf, &len, err);
    if (!text)
        return -1;
    for (const char *line = text; line && *line; line = next_line(line)) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *key = "executeInTransaction";
        if (strncmp(p, key, strlen(key)) != 0)
            continue;
        p += strlen(key);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t\r\n");
        if (n == 4 && strncmp(p, "true", 4) == 0)
            set_tx(m, "Flyway", false, m->tx_optout);
        else if (n == 5 && strncmp(p, "false", 5) == 0)
            set_tx(m, "Flyway", true, m->tx_optout);
        else
            return zdm_error(err, conf, line_of(text, line), (int)(p - line) + 1,
                             "executeInTransaction takes true or false, not '%.*s'", (int)n, p);
    }
    return 1;
}

/*
 * popx runs each migration in a transaction unless ".autocommit." is in its
 * file name; a file is popx's when its name carries a dialect or that mark.
 */
static int apply_popx(Arena *a, Migration *m, const char *base)
{
    bool autocommit = strstr(base, ".autocommit.") != NULL;
    if (!autocommit && !*popx_dialect(a, base))
        return 0;
    set_tx(m, "popx", autocommit,
           "\".autocommit\" in its file name: <version>_<name>.autocommit.up.sql");
    return 1;
}

/* Reads a layout's sections and its runner's transaction mode from the file. */
static int apply_layout(Arena *a, Migration *m, ZdmError *err)
{
    const char *slash = strrchr(m->file, '/');
    const char *base = slash ? slash + 1 : m->file;
    int rc = apply_goose(a, m, err);
    if (rc == 0)
        rc = apply_dbmate(a, m, err);
    if (rc == 0)
        rc = apply_atlas(a, m, err);
    if (rc == 0)
        rc = apply_flyway(a, m, base, err);
    if (rc == 0)
        rc = apply_popx(a, m, base);
    return rc < 0 ? -1 : 0;
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
    if (!m->text)
        return NULL;
    /* PostgreSQL takes UTF-8 only: say where a file is not, before any use */
    int line, column;
    if (!util_utf8_valid(m->text, m->len, &line, &column)) {
        zdm_error(err, file, line, column, "invalid UTF-8 (the file must be UTF-8, as PostgreSQL reads it)");
        return NULL;
    }
    if (apply_layout(a, m, err) < 0)
        return NULL;
    return m;
}

static int str_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* The file of a folder-per-migration: up.sql (diesel, refinery) or migration.sql (Prisma). */
static const char *folder_migration(Arena *a, const char *folder)
{
    static const char *const names[] = {"up.sql", "migration.sql", NULL};
    for (int i = 0; names[i]; i++) {
        char *path = join_path(a, folder, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            return path;
    }
    return NULL;
}

/*
 * temporal-sql-tool's versioned layout: one folder per schema version
 * ("v1.10", in version order) holding manifest.json, whose
 * SchemaUpdateCqlFiles lists the folder's files in the order they run (not
 * alphabetical). Each file is a migration named "<folder>/<file stem>". A
 * .sql file the manifest does not list is not run, and named in skipped.
 * Folders without manifest.json add nothing. Returns 0, or -1 with err set.
 */
static int load_manifest(Arena *a, const char *path, const char *folder, List *entries,
                         List *skipped, ZdmError *err)
{
    const char *manifest = join_path(a, path, "manifest.json");
    struct stat st;
    if (stat(manifest, &st) != 0 || S_ISDIR(st.st_mode))
        return 0;
    size_t len;
    const char *text = util_read_file(a, manifest, &len, err);
    if (!text)
        return -1;
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 0);
    if (!json) {
        int line = 1, col = 1;
        if (end && end >= text && end <= text + len)
            util_line_col(text, (int)(end - text), &line, &col);
        return zdm_error(err, manifest, line, col, "not valid JSON");
    }
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(json, "SchemaUpdateCqlFiles");
    if (!cJSON_IsArray(files)) {
        cJSON_Delete(json);
        return zdm_error(err, manifest, 1, 1, "no \"SchemaUpdateCqlFiles\" list of files");
    }
    List listed = {0};
    int seq = 0, rc = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, files) {
        if (!cJSON_IsString(f) || !*f->valuestring || strchr(f->valuestring, '/')) {
            rc = zdm_error(err, manifest, 1, 1,
                           "\"SchemaUpdateCqlFiles\" holds file names of the folder, not %s",
                           cJSON_IsString(f) ? arena_printf(a, "'%s'", f->valuestring)
                                             : "a non-string");
            break;
        }
        Entry *e = arena_alloc(a, sizeof *e);
        e->file = join_path(a, path, f->valuestring);
        if (stat(e->file, &st) != 0 || S_ISDIR(st.st_mode)) {
            rc = zdm_error(err, manifest, 1, 1, "lists %s, which is not a file", e->file);
            break;
        }
        e->name = arena_printf(a, "%s/%s", folder, name_of_file(a, f->valuestring));
        e->key = folder;
        e->seq = seq++;
        e->dialect = "";
        list_push(a, entries, e);
        list_push(a, &listed, arena_strdup(a, f->valuestring));
    }
    cJSON_Delete(json);
    if (rc < 0)
        return rc;
    DIR *d = opendir(path);
    if (!d)
        return zdm_error(err, path, 0, 0, "cannot read directory %s: %s", path, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".sql"))
            continue;
        bool in = false;
        for (int i = 0; i < listed.len && !in; i++)
            in = strcmp(LIST_GET(&listed, i), de->d_name) == 0;
        if (!in)
            list_push(a, skipped,
                      arena_printf(a, "skipped %s: its manifest.json does not list it",
                                   join_path(a, path, de->d_name)));
    }
    closedir(d);
    return 0;
}

/*
 * Adds a directory's migrations to out, in the order they are applied.
 * Returns how many, or -1 with err set.
 */
static int load_dir(Arena *a, const char *dir, List *out, List *notices, ZdmError *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return zdm_error(err, dir, 0, 0, "cannot read directory %s: %s", dir,
                         strerror(errno));
    List entries = {0};
    List skipped = {0}; /* notices, sorted below: readdir's order is the file system's */
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
            const char *file = folder_migration(a, path);
            if (!file) {
                rc = load_manifest(a, path, arena_strdup(a, base), &entries, &skipped, err);
                if (rc < 0)
                    break;
                continue;
            }
            {
                Entry *e = arena_alloc(a, sizeof *e);
                e->name = arena_strdup(a, base);
                e->file = file;
                e->key = e->name;
                e->dialect = "";
                list_push(a, &entries, e);
            }
            continue;
        }
        Entry *e = classify_file(a, dir, base, &skipped);
        if (e)
            list_push(a, &entries, e);
    }
    closedir(d);
    if (rc < 0)
        return rc;
    if (skipped.len > 1)
        qsort(skipped.items, (size_t)skipped.len, sizeof(void *), str_cmp);
    for (int i = 0; i < skipped.len; i++)
        list_push(a, notices, LIST_GET(&skipped, i));
    popx_select(a, &entries);

    if (entries.len > 1)
        qsort(entries.items, (size_t)entries.len, sizeof(void *), entry_cmp);
    for (int i = 0; i < entries.len; i++) {
        Entry *e = LIST_GET(&entries, i);
        Migration *m = read_migration(a, e->name, e->file, err);
        if (!m)
            return -1;
        list_push(a, out, m);
    }
    return entries.len;
}

/* ------------------------------------------------------------------------ */
/* Single files and their names                                               */
/* ------------------------------------------------------------------------ */

/*
 * A single file's own name and the folder that name sits in: the base name
 * without .up.sql/.sql in the file's folder, or for "x/20240101_y/up.sql" and
 * Prisma's ".../20240101_y/migration.sql" the folder "20240101_y" in "x".
 */
static void explicit_parts(Arena *a, const char *path, const char **own, const char **dir)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash && (strcmp(base, "up.sql") == 0 || strcmp(base, "migration.sql") == 0)) {
        const char *start = slash;
        while (start > path && start[-1] != '/')
            start--;
        if (start < slash) {
            *own = arena_strndup(a, start, (size_t)(slash - start));
            *dir = start > path ? arena_strndup(a, path, (size_t)(start - 1 - path)) : "";
            if (start - 1 == path) /* "/20240101_y/up.sql" */
                *dir = "/";
            return;
        }
    }
    *own = name_of_file(a, base);
    *dir = !slash ? "" : slash == path ? "/" : arena_strndup(a, path, (size_t)(slash - path));
}

/* A folder as its components, without "" and "." ("/" first when absolute). */
static List path_parts(Arena *a, const char *dir)
{
    List parts = {0};
    if (dir[0] == '/')
        list_push(a, &parts, "/");
    for (const char *p = dir; *p;) {
        size_t n = strcspn(p, "/");
        if (n && !(n == 1 && p[0] == '.'))
            list_push(a, &parts, arena_strndup(a, p, n));
        p += n;
        while (*p == '/')
            p++;
    }
    return parts;
}

typedef struct Single {
    Migration *m;
    const char *own;
    List dir; /* path_parts of its folder */
} Single;

/*
 * Names single files that come from several folders by their path below
 * the folders' common root; from one folder, by their own names.
 */
static void name_singles(Arena *a, List *singles)
{
    if (singles->len == 0)
        return;
    Single *s0 = LIST_GET(singles, 0);
    int common = s0->dir.len;
    bool same = true;
    for (int i = 1; i < singles->len; i++) {
        Single *s = LIST_GET(singles, i);
        int k = 0;
        while (k < common && k < s->dir.len &&
               strcmp(LIST_GET(&s0->dir, k), LIST_GET(&s->dir, k)) == 0)
            k++;
        if (k != s->dir.len || k != s0->dir.len)
            same = false;
        common = k;
    }
    for (int i = 0; i < singles->len; i++) {
        Single *s = LIST_GET(singles, i);
        if (same) {
            s->m->name = s->own;
            continue;
        }
        StrBuf sb;
        sb_init(&sb, a);
        for (int k = common; k < s->dir.len; k++)
            sb_printf(&sb, "%s/", (const char *)LIST_GET(&s->dir, k));
        sb_append(&sb, s->own);
        s->m->name = sb.data;
    }
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
    h->notices = (List){0};
    if (npaths <= 0)
        return zdm_error(err, NULL, 0, 0, "no migrations given");

    List out = {0};
    List singles = {0};
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
            int n = load_dir(a, path, &out, &h->notices, err);
            if (n < 0)
                return -1;
            if (n == 0 && !h->allow_empty)
                return zdm_error(err, path, 0, 0,
                                 "no migrations found in %s (expected NNNN_name.sql, "
                                 "N_name.up.sql, V1__name.sql, dbmate or goose files, or "
                                 "folders holding up.sql or migration.sql; or, for Django, "
                                 "a folder named migrations holding migration modules, at "
                                 "any depth below)",
                                 path);
            if (n == 0)
                list_push(a, &h->notices,
                          arena_printf(a, "no migrations in %s yet", path));
        } else {
            /* Regular files, but also pipes such as <(git show ...). */
            a_file = path;
            Single *s = arena_alloc(a, sizeof *s);
            const char *dir;
            explicit_parts(a, path, &s->own, &dir);
            s->dir = path_parts(a, dir);
            s->m = read_migration(a, s->own, path, err);
            if (!s->m)
                return -1;
            list_push(a, &out, s->m);
            list_push(a, &singles, s);
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
    name_singles(a, &singles);

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

void source_print_notices(const History *h, FILE *to)
{
    for (int i = 0; i < h->notices.len; i++)
        fprintf(to, "zdm: %s\n", (const char *)LIST_GET(&h->notices, i));
}
