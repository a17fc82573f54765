/*
 * replay.h — applying one parsed statement to the catalog.
 *
 * The replay is the only place that interprets SQL. For every statement it
 * changes the catalog and records Effects: a list of Actions, each one
 * schema-level change or locking operation with the lock it takes, its cost
 * class and the catalog facts the rules need (was the table created in this
 * release, does a validated CHECK make SET NOT NULL skip its scan, does a
 * type change rewrite or narrow, what type and nullability a column had),
 * and the SQL a fix must repeat, as the user wrote it. Rules and the planner
 * read Actions; they never look at the parse tree or the SQL text again.
 */
#ifndef ZDM_REPLAY_H
#define ZDM_REPLAY_H

#include "../source/source.h"
#include "catalog.h"

/* PostgreSQL's table-level lock modes, weakest first. */
typedef enum LockMode {
    LOCK_NONE = 0,
    LOCK_ACCESS_SHARE,
    LOCK_ROW_SHARE,
    LOCK_ROW_EXCLUSIVE,
    LOCK_SHARE_UPDATE_EXCLUSIVE,
    LOCK_SHARE,
    LOCK_SHARE_ROW_EXCLUSIVE,
    LOCK_EXCLUSIVE,
    LOCK_ACCESS_EXCLUSIVE,
} LockMode;

/* What a statement costs on a live table, cheapest first. */
typedef enum Cost {
    COST_NONE = 0,   /* session settings, transaction control */
    COST_CATALOG,    /* catalog-only: instant once the lock is granted */
    COST_SCAN,       /* reads every row (validation) under its lock */
    COST_ROWS,       /* writes rows (DML) */
    COST_INDEX,      /* builds an index */
    COST_REWRITE,    /* rewrites the whole table and its indexes */
} Cost;

typedef enum ActionKind {
    /* relations */
    ACT_CREATE_TABLE,
    ACT_DROP_TABLE,         /* A_CASCADE */
    ACT_RENAME_TABLE,       /* detail: new name */
    ACT_SET_SCHEMA,         /* detail: new schema */
    ACT_CREATE_VIEW,
    ACT_DROP_VIEW,          /* detail: "materialized view" for one; A_CASCADE */
    ACT_RENAME_VIEW,        /* detail: new name */
    ACT_CREATE_SEQUENCE,
    ACT_DROP_SEQUENCE,
    ACT_ALTER_SEQUENCE,
    /* columns; column = the column */
    ACT_ADD_COLUMN,
    ACT_DROP_COLUMN,
    ACT_RENAME_COLUMN,      /* detail: new name */
    ACT_ALTER_TYPE,         /* detail: new type as SQL; A_REWRITE / A_NARROWS */
    ACT_SET_NOT_NULL,       /* A_SCAN_SKIPPED when a validated CHECK (col IS NOT NULL) exists */
    ACT_DROP_NOT_NULL,      /* detail: "primary key" or "identity" when PostgreSQL refuses it */
    ACT_SET_DEFAULT,        /* A_VOLATILE */
    ACT_DROP_DEFAULT,
    ACT_ADD_IDENTITY,
    ACT_DROP_IDENTITY,
    ACT_DROP_EXPRESSION,
    ACT_ALTER_COLUMN_OTHER, /* SET STATISTICS / STORAGE / COMPRESSION / (options) */
    /* constraints; column = constraint name, contype set */
    ACT_ADD_CONSTRAINT,     /* A_NOT_VALID, A_USING_INDEX; ref_table for FKs */
    ACT_VALIDATE_CONSTRAINT,
    ACT_DROP_CONSTRAINT,    /* a not-null one (18): detail as for ACT_DROP_NOT_NULL */
    ACT_RENAME_CONSTRAINT,  /* detail: new name */
    /* indexes; column = index name */
    ACT_CREATE_INDEX,       /* A_CONCURRENT, A_UNIQUE, A_PARTITIONED; concurrent_sql or
                             * only_sql and partition_sql */
    ACT_DROP_INDEX,         /* A_CONCURRENT */
    ACT_REINDEX,            /* A_CONCURRENT; detail: INDEX, TABLE, SCHEMA, DATABASE or SYSTEM;
                             * one index: index_def, A_UNIQUE */
    ACT_RENAME_INDEX,       /* detail: new name */
    /* types */
    ACT_CREATE_ENUM,        /* table = type name */
    ACT_ADD_ENUM_VALUE,     /* detail: value */
    ACT_RENAME_ENUM_VALUE,  /* column = old value, detail = new value */
    ACT_USE_ENUM_VALUE,     /* a value ADD VALUE added earlier in the migration, used where
                             * PostgreSQL reads it as the type (a cast, a comparison with or a
                             * write to a column of the type, a default); table = the type,
                             * detail = the value; offset: the literal */
    ACT_DROP_TYPE,
    /* schemas and databases; table = its name */
    ACT_CREATE_SCHEMA,
    ACT_DROP_SCHEMA,        /* A_CASCADE */
    ACT_DROP_DATABASE,
    /* whole-table operations */
    ACT_TRUNCATE,
    ACT_VACUUM_FULL,
    ACT_VACUUM,
    ACT_CLUSTER,
    ACT_SET_TABLESPACE,
    ACT_ALTER_TABLE_OTHER,  /* detail: the sub-command, e.g. "OWNER TO" */
    ACT_LOCK_TABLE,
    ACT_CREATE_TRIGGER,
    /* data */
    ACT_INSERT,             /* A_QUERY */
    ACT_UPDATE,             /* A_NO_WHERE when it touches every row */
    ACT_DELETE,             /* A_NO_WHERE */
    /* session and transaction; no table */
    ACT_BEGIN,
    ACT_COMMIT,
    ACT_ROLLBACK,
    ACT_SET_LOCK_TIMEOUT,   /* detail: the value; A_ZERO when it disables the timeout */
    ACT_SET_STATEMENT_TIMEOUT,
    ACT_SET_OTHER,          /* detail: the setting's name */
    ACT_HARMLESS,           /* COMMENT, GRANT, ANALYZE, SELECT...: no schema change, no risky lock */
    ACT_NOT_ANALYSED,       /* DO, functions, dynamic SQL, anything unknown; detail: what */
} ActionKind;

/* Flags on an Action. */
enum {
    A_NOT_NULL = 1u << 0,     /* ADD COLUMN ... NOT NULL */
    A_HAS_DEFAULT = 1u << 1,  /* ADD COLUMN ... DEFAULT */
    A_VOLATILE = 1u << 2,     /* the default is volatile (rewrite on ADD COLUMN) */
    A_SERIAL = 1u << 3,
    A_IDENTITY = 1u << 4,
    A_GENERATED = 1u << 5,    /* GENERATED ALWAYS AS (...) STORED */
    A_CONCURRENT = 1u << 6,
    A_UNIQUE = 1u << 7,
    A_NOT_VALID = 1u << 8,
    A_USING_INDEX = 1u << 9,  /* ADD CONSTRAINT ... USING INDEX */
    A_REWRITE = 1u << 10,     /* ALTER TYPE: table rewrite */
    A_NARROWS = 1u << 11,     /* ALTER TYPE: some values the old type allows no longer fit */
    A_SCAN_SKIPPED = 1u << 12,/* SET NOT NULL proven by a validated CHECK */
    A_NO_WHERE = 1u << 13,    /* UPDATE/DELETE without WHERE */
    A_ZERO = 1u << 14,        /* SET lock_timeout = 0 */
    A_IF_EXISTS = 1u << 15,
    A_NEW_TABLE = 1u << 16,   /* the table was created in this pending release */
    A_ASSUMED = 1u << 17,     /* the object was never seen in the history: taken as existing */
    A_LOCAL = 1u << 18,       /* SET LOCAL (ends with the transaction) */
    A_CASCADE = 1u << 19,     /* DROP ... CASCADE */
    A_UNCHANGED = 1u << 20,   /* SET search_path to the path already in force */
    A_PRIMARY_KEY = 1u << 21, /* the column is part of the primary key (DROP NOT NULL fails) */
    A_QUERY = 1u << 20,       /* INSERT ... SELECT: writes as many rows as a query returns */
    A_PARTITIONED = 1u << 22, /* CREATE INDEX on a partitioned table (ON ONLY: its own index alone) */
    A_ZONE = 1u << 26,        /* ALTER TYPE timestamp ↔ timestamptz (no rewrite when TimeZone is UTC) */
};

/* A view as an Action saw it, for a fix that drops and creates it again. */
typedef struct ViewRef {
    const char *view;       /* "schema.name" */
    bool materialized;
    bool direct;            /* reads the column itself (else: reads a view that does) */
    bool new_in_release;    /* created by a pending migration: no live code reads it */
    const char *definition; /* View.definition, NULL when unknown */
    const char *defined_at;
} ViewRef;

typedef struct Action {
    ActionKind kind;
    const char *table;    /* "schema.name" of the relation (or object) acted on */
    const char *column;   /* column, constraint, index or enum value, per kind */
    const char *detail;   /* per kind, see above */
    const char *ref_table;/* FK: referenced "schema.name" */
    const char *expr;     /* ADD COLUMN / SET DEFAULT: the default, rendered ("''", "0", "now(...)") */
    /* The column as the catalog knew it before this statement: ADD COLUMN (the
     * new column), ALTER TYPE, RENAME COLUMN, DROP COLUMN. */
    const char *col_type; /* its type as the migrations wrote it ("varchar(32)"); NULL if unknown */
    bool col_not_null;
    bool col_has_default; /* INSERTs that do not name it fill it: default, serial, identity, generated */
    /* SQL as the migration wrote it (each run of whitespace and comments made one
     * space), for fixes that repeat it; NULL where the statement has none. */
    const char *expr_sql;    /* ADD COLUMN: the DEFAULT or GENERATED ... AS expression;
                              * ALTER TYPE: the USING expression; UPDATE: a single SET's value */
    const char *expr_on_new; /* ALTER TYPE: the USING expression with the column read from NEW,
                              * for a trigger */
    const char *new_type;    /* ALTER TYPE: the new type (detail: as the catalog spells it) */
    const char *col_sql;     /* ADD CONSTRAINT written on a new column, UPDATE of a single column:
                              * the column's name */
    const char *con_sql;     /* ADD CONSTRAINT: as a table constraint, "CHECK (...)",
                              * "FOREIGN KEY (c) REFERENCES ..." */
    const char *key_sql;     /* ADD UNIQUE / PRIMARY KEY: the key columns, "(a, b)" */
    const char *coldef_sql;  /* ADD CONSTRAINT written on a new column: its ADD COLUMN without it */
    const char *set_sql;     /* UPDATE without FROM: its SET list */
    const char *concurrent_sql; /* CREATE INDEX (not CONCURRENTLY): the statement, with
                                 * CONCURRENTLY after INDEX */
    const char *only_sql;    /* CREATE INDEX on a partitioned table: the statement with ON ONLY */
    const char *partition_sql; /* ... and per partition known, one a line: its index built
                                * CONCURRENTLY, then ALTER INDEX ... ATTACH PARTITION */
    const char *index_def;   /* REINDEX INDEX: the index's definition after its name ("ON t (c)
                              * WHERE ..."), rebuilt from the catalog, to build a twin; NULL for
                              * the index of a constraint */
    int new_len;             /* ALTER TYPE: the new type's length limit (varchar(n), char(n)); 0 if none */
    /* ALTER TYPE, DROP COLUMN: the views that read the column (ViewRef*),
     * which make PostgreSQL refuse it, then the views that read those, in
     * an order they can be created again in (a view before its readers).
     * DROP TABLE, DROP VIEW: likewise the views that read the relation (or
     * a partition of the table), but for those the same DROP drops. */
    List views;
    char contype;         /* ConType for constraint actions */
    unsigned flags;
    LockMode lock;        /* on table */
    Cost cost;
    int offset;           /* byte offset in the migration text (for the caret) */
} Action;

typedef struct LockTaken {
    const char *relation; /* "schema.name" */
    LockMode mode;
    bool new_table;       /* created in this pending release: nothing live waits */
} LockTaken;

typedef struct Effects {
    List actions; /* Action* */
    List locks;   /* LockTaken*: the strongest lock per relation */
    Cost cost;    /* the most expensive action's cost */
} Effects;

/* Replay settings and the per-run state the replay keeps between statements. */
typedef struct Replay {
    Catalog *cat;
    Arena *arena;     /* where Effects are allocated */
    int pg_version;   /* SQL_PG_OLDEST..SQL_PG_NEWEST */
    int migration;    /* index of the migration being replayed */
    bool pending;     /* replaying a pending migration: creations are "new" */
    /* When set, every table or column the replay takes as existing (never
     * created in the history) is added here too: the old code's model must
     * know what was live before the pending migrations. */
    Catalog *baseline;
    /* The session as far as a statement's cost depends on it, followed
     * through one migration: replay_statement starts afresh when the
     * migration changes (each runs as if on a session of its own). */
    const Migration *session_of;
    bool in_tx;       /* inside the migration's own BEGIN … COMMIT */
    /* TimeZone is UTC (a zone at a fixed offset of zero). A migration starts
     * with the server's default: tz_default_utc, which only --database can
     * tell (db_timezone_is_utc); unknown, it is taken as not UTC. */
    bool tz_utc;
    bool tz_default_utc;
    int tz_local;        /* SET LOCAL TimeZone in the open transaction: 0 none, 1 UTC, 2 another */
    bool tz_utc_at_begin; /* for ROLLBACK */
    List new_labels;     /* const char*: "schema.type\x1fvalue", each ADD VALUE of the migration */
    /* SET check_function_bodies = off in this session: a new LANGUAGE sql function's body is
     * no longer checked, so it locks nothing */
    bool skip_function_bodies;
} Replay;

/*
 * Applies s to r->cat. If fx is not NULL, records what it does there.
 * A statement about an object the catalog has never seen takes the object
 * as existing (A_ASSUMED) rather than failing: histories often start mid-way.
 * Returns 0; -1 with err only for input that cannot be a migration at all.
 */
int replay_statement(Replay *r, const Migration *m, const Statement *s,
                     Effects *fx, ZdmError *err);

const char *lock_mode_name(LockMode m);  /* "ACCESS EXCLUSIVE" */
const char *cost_name(Cost c);            /* "rewrites-table" */

#endif
