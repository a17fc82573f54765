/*
 * source.h — migrations as zdm reads them, before any analysis.
 *
 * A Migration is one unit the team applies: a .sql file, a golang-migrate
 * "N_name.up.sql", a Flyway "V1__x.sql", the up section of a dbmate or goose
 * file, a folder holding up.sql (diesel) or migration.sql (Prisma), or stdin. Its statements keep their byte offset and
 * 1-based line/column in the file, so every finding can point at them.
 */
#ifndef ZDM_SOURCE_H
#define ZDM_SOURCE_H

#include <stdio.h>

#include "../util/util.h"

typedef struct Effects Effects; /* catalog/replay.h */

typedef enum Phase {
    PHASE_NONE = 0,     /* not decided (or no directive) */
    PHASE_DEPLOYED,     /* already live */
    PHASE_BEFORE,       /* run before the new code rolls out */
    PHASE_AFTER,        /* run once only new code serves */
    PHASE_TWO_RELEASES, /* no single-deploy placement exists */
} Phase;

/* A "-- zdm:allow <rule-id> <reason>" acknowledgement. */
typedef struct Allow {
    const char *rule;
    const char *reason;
    int line;
} Allow;

/*
 * A migration zdm read from a Django project (src/django). Its text is then
 * the SQL zdm generated from the .py file's operations, as `manage.py
 * sqlmigrate` prints it, and each statement's line and column are those of
 * its operation in the .py file (file is the .py file).
 */
typedef struct DjangoInfo {
    const char *app;        /* app label: "shop" */
    const char *short_name; /* "0012_order_total" (the Migration's name is "shop.0012_order_total") */
    const char *py_text;    /* the .py file, for excerpts */
    size_t py_len;
    int version;            /* the Django version the SQL is Django's for: 42 is 4.2 */
    bool python;            /* has a RunPython */
    bool stage;             /* its directive is django-syzygy's stage = Stage.... */
    List deps;              /* const char*: names of the migrations it depends on */
    List replaces;          /* const char*: a squash's replaced migrations, "app.0001_x" */
    List notes;             /* DjNote* (src/django/dj.h): assumptions, reported by django_explain */
    const char *other_package; /* another migrations package of the same label, or NULL */
    int installed;          /* with other_package: 1 INSTALLED_APPS installs this one, 0 the
                             * other, -1 zdm cannot tell (zdm migrate refuses then) */
} DjangoInfo;

typedef struct Statement {
    int index;        /* position within its migration, from 0 */
    const char *sql;  /* the statement's text (points into Migration.text) */
    int len;          /* its length in bytes, without the trailing ';' */
    int offset;       /* byte offset of its first token in Migration.text */
    int line, column; /* 1-based position of its first token */
    struct Node *node; /* parse tree: PostgreSQL's (RawStmt's stmt; see sql/pg.h) */
    /* Django: a statement that is not SQL (node is NULL): the custom operation
     * zdm cannot see into ("custom operation shop.ops.Foo"), or NULL for a
     * RunPython, which changes no schema */
    const char *opaque;
    List allows;      /* Allow*: acknowledgements written on this statement */
    Effects *fx;      /* filled by the replay */
    const char *origin; /* Django: the operation it comes from, "AddField shop.Order.total" */
} Statement;

/*
 * How the migration's own runner runs the file, as far as transactions go:
 * a statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY)
 * is judged by it. The file's own BEGIN/COMMIT come on top of this.
 */
typedef enum TxMode {
    TX_AS_WRITTEN = 0, /* statements run as the file says (psql, plain SQL, Django's sqlmigrate text) */
    TX_WRAPPED,        /* the runner runs the whole file in one transaction (goose, dbmate, popx,
                        * Atlas by default; Flyway with executeInTransaction=true) */
    TX_NONE,           /* the runner runs it outside any transaction, as the file asks */
    TX_DETECT,         /* Flyway without a setting: in a transaction unless a statement cannot run
                        * in one; it refuses a migration that mixes both kinds */
} TxMode;

typedef struct Migration {
    int index;        /* position in the ordered history, from 0 */
    const char *name; /* "0002_add_address" (file name without .sql/.up.sql) */
    const char *file; /* path as given on the command line, for messages */
    const char *text; /* whole file (dbmate: the down section cut off) */
    size_t len;
    Statement **stmts;
    int nstmts;
    List allows;       /* Allow*: file-wide acknowledgements (before the first statement) */
    Phase directive;   /* from "-- zdm:phase before-deploy|after-deploy" */
    int directive_line;
    List requires_backfill; /* const char*: jobs named by "-- zdm:requires-backfill NAME"
                             * (src/backfill/backfill.h); zdm migrate waits for them to be done */
    bool no_transaction; /* the file or its runner's setting asks for no transaction: goose NO
                          * TRANSACTION, dbmate transaction:false, popx .autocommit., Atlas
                          * txmode none, Flyway executeInTransaction=false, Django atomic = False */
    TxMode tx_mode;      /* how its runner runs it (TX_NONE exactly when no_transaction, for files) */
    const char *tx_runner; /* the runner that decides it: "goose", "dbmate", ...; NULL: as written */
    const char *tx_optout; /* how to ask that runner for no transaction, for fix texts */
    DjangoInfo *django;  /* NULL unless read from a Django project */
    /* How to parse it when sql_parse_migration alone will not do (Django: the
     * statements point back at the operations that generated them); called
     * on a parsing thread, with that thread's arena. */
    int (*parse)(Arena *a, struct Migration *m, ZdmError *err);
    void *parse_ctx;
    /* The memory context of its parse tree, when it was deployed and parsed
     * by sql_parse_start: freed once replayed (sql_drop_tree), else with the
     * run's arena (sql_parse_finish). */
    struct MemoryContextData *tree;

    /* Filled by the planner. */
    Phase phase;
    const char *reason; /* why this phase, in terms of queries */
    List findings;      /* Finding* (analysis.h) attached to this migration */
} Migration;

/* What the user named on the command line, in order. */
typedef struct History {
    Migration **items;
    int n;
    bool explicit_files; /* single files or stdin: all of them are pending */
    int django_version;  /* set before source_load: --django (42 for 4.2), 0 from the files */
    bool allow_empty;    /* set before source_load: a directory without migrations yet is no
                          * error (zdm check on a new repository), it gives n == 0 */
    List notices;        /* const char*: what source_load skipped and why, for stderr */
} History;

/*
 * Reads every path (a migrations directory, a Django project, single files,
 * or "-" for stdin) into h, ordered: a directory's migrations in natural
 * order, a Django project's as `manage.py migrate` applies them (their SQL
 * generated and parsed already), explicit files in the order given.
 * Statements are not parsed yet (see sql_parse_migration).
 *
 * Names: a directory's migrations are named by their file (or folder) name.
 * Single files are too when they all sit in one folder; from several
 * folders, by their path relative to the folders' common root, so that
 * main/delta/01_x.sql and state/delta/01_x.sql stay two migrations.
 *
 * A .sql file in a directory whose name fits no layout (seed.sql) is skipped
 * and named in h->notices. Returns 0, or -1 with err naming the file.
 */
int source_load(Arena *a, char **paths, int npaths, History *h, ZdmError *err);

/* Prints what source_load skipped and why, one "zdm: ..." line each (stderr). */
void source_print_notices(const History *h, FILE *to);

/*
 * Marks as deployed every migration whose file exists at git revision ref
 * (in the repository holding it); the rest stay pending.
 */
int source_deployed_since(Arena *a, History *h, const char *ref, ZdmError *err);

#endif
