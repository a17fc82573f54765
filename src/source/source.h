/*
 * source.h — migrations as zdm reads them, before any analysis.
 *
 * A Migration is one unit the team applies: a .sql file, a golang-migrate
 * "N_name.up.sql", a Flyway "V1__x.sql", the up section of a dbmate file, a
 * folder holding up.sql, or stdin. Its statements keep their byte offset and
 * 1-based line/column in the file, so every finding can point at them.
 */
#ifndef ZDM_SOURCE_H
#define ZDM_SOURCE_H

#include <cjson/cJSON.h>

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
} DjangoInfo;

typedef struct Statement {
    int index;        /* position within its migration, from 0 */
    const char *sql;  /* the statement's text (points into Migration.text) */
    int len;          /* its length in bytes, without the trailing ';' */
    int offset;       /* byte offset of its first token in Migration.text */
    int line, column; /* 1-based position of its first token */
    cJSON *node;      /* parse tree: {"AlterTableStmt": {...}} */
    List allows;      /* Allow*: acknowledgements written on this statement */
    Effects *fx;      /* filled by the replay */
    const char *origin; /* Django: the operation it comes from, "AddField shop.Order.total" */
} Statement;

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
                             * (src/db/backfill.h); zdm migrate waits for them to be done */
    bool no_transaction; /* dbmate "transaction:false", Django atomic = False */
    DjangoInfo *django;  /* NULL unless read from a Django project */
    /* How to parse it when sql_parse_migration alone will not do (Django: the
     * statements point back at the operations that generated them); called
     * on a parsing thread, with that thread's arena. */
    int (*parse)(Arena *a, struct Migration *m, ZdmError *err);
    void *parse_ctx;
    /* The arena of its parse tree, when it was deployed and parsed by
     * sql_parse_start: freed once replayed (sql_drop_tree), else it joins the
     * run's arena at sql_parse_finish. */
    Arena *tree;

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
} History;

/*
 * Reads every path (a migrations directory, a Django project, single files,
 * or "-" for stdin) into h, ordered: a directory's migrations in natural
 * order, a Django project's as `manage.py migrate` applies them (their SQL
 * generated and parsed already), explicit files in the order given. Statements are not parsed yet (see sql_parse_migration).
 * Returns 0, or -1 with err naming the file.
 */
int source_load(Arena *a, char **paths, int npaths, History *h, ZdmError *err);

/*
 * Marks as deployed every migration whose file exists at git revision ref
 * (in the repository holding it); the rest stay pending.
 */
int source_deployed_since(Arena *a, History *h, const char *ref, ZdmError *err);

#endif
