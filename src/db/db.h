/*
 * db.h — zdm and a live PostgreSQL (libpq): the connection, the history of
 * applied migrations, the runner that applies a phase of the plan, and the
 * introspection of pg_catalog into a Catalog.
 *
 * A connection string zdm shows goes through db_redact, rebuilt from
 * PQconninfoParse without its password: the password never appears in any
 * output or log, however the URL or key=value string spells it.
 */
#ifndef ZDM_DB_H
#define ZDM_DB_H

#include <stdio.h>

#include "interrupt.h"
#include "pq.h"

#include "../analysis/analysis.h"
#include "../catalog/catalog.h"

struct Stats; /* analysis/stats.h: table sizes */

/* ---- connection (conn.c) ------------------------------------------------ */

/*
 * Opens a connection: url (a postgres:// URI or key=value string) when not
 * NULL, else DATABASE_URL, else libpq's PG* variables. A malformed url is an
 * input error (exit 2), a failed connection a database error (exit 3).
 */
PGconn *db_connect(Arena *a, const char *url, ZdmError *err);

/* The connection string as libpq reads it, in key=value form, without its
 * password ("host=/tmp dbname=app user=app"). */
const char *db_redact(Arena *a, const char *conninfo);

/*
 * zdm migrate and zdm backfill hold a session: an advisory lock, SETs. Refuses
 * (exit 3, saying to connect directly) a connection whose transactions go to
 * different server sessions, as through PgBouncer in transaction mode. Opens
 * a second connection to url for a moment to tell. 0 when it is a session.
 */
int db_require_session(Arena *a, PGconn *conn, const char *url, const char *command, ZdmError *err);

/* Fills err (kind ERR_DATABASE) with "what: <server or libpq message>".
 * res may be NULL (the connection's message is used). Returns -1. */
int db_error(ZdmError *err, PGconn *conn, const PGresult *res, const char *what);

/* Runs sql (no parameters); 0 when it succeeded, else -1 with err. */
int db_exec(PGconn *conn, const char *sql, ZdmError *err);

/* Runs sql with text parameters; the result (TUPLES_OK or COMMAND_OK), or
 * NULL with err. The caller PQclear()s it. */
PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   ZdmError *err);

/* Whether relation ("name" or "schema.name", as SQL writes it) exists:
 * 0 with *exists set, or -1 with err. */
int db_relation_exists(PGconn *conn, const char *relation, bool *exists, ZdmError *err);

/* The server's major version clamped to what the analysis knows (SQL_PG_OLDEST..SQL_PG_NEWEST). */
int db_pg_version(PGconn *conn);

/* "schema" as SQL: quoted when needed. */
const char *db_quote_ident(Arena *a, const char *id);
/* 'text' as an SQL literal, for what zdm prints (--dry-run) and never
 * sends: values go to the server as parameters. */
const char *db_quote_literal(Arena *a, const char *s);

/* ---- options shared by the commands (options.c) --------------------------- */

/* "1s", "500ms", "2min", "1h"; a bare number is milliseconds, as in
 * PostgreSQL's own settings. 0 on success, -1 when s is not a duration. */
int db_parse_duration_ms(const char *s, long *ms);
/* 1500 → "1500ms", 2000 → "2s": how SET writes a duration. */
const char *db_format_duration(Arena *a, long ms);

/*
 * The delay before retry number attempt (0-based) after a lock timeout:
 * exponential from base_ms, capped at cap_ms, with "equal jitter" (half
 * fixed, half random): r in [0,1) is the random draw, so the function is pure
 * and testable. Spreading the retries keeps a crowd of runners (or one runner
 * and a busy table) from meeting at the same instants.
 */
long db_backoff_ms(int attempt, long base_ms, long cap_ms, double r);

/* ---- history (history.c) ------------------------------------------------ */

/* One row of zdm_migrations. */
typedef struct Applied {
    const char *name;
    const char *sha256;      /* NULL for a row read from another tool's history */
    const char *phase;       /* "before-deploy", "after-deploy", "any" */
    const char *started_at;
    const char *finished_at; /* NULL: a non-transactional migration that stopped midway */
    long duration_ms;
    int last_statement;      /* statements completed (1-based index of the last one done) */
    int statements;          /* how many statements the migration has */
    /* statement by statement: a chain of sha-256 over the text of the
     * statements done, so a resume can tell they are still the file's */
    const char *done_sha256;
} Applied;

typedef struct DbHistory {
    const char *schema;  /* where zdm_migrations lives */
    const char *table;   /* "schema".zdm_migrations, quoted for SQL */
    bool exists;         /* zdm_migrations exists */
    List applied;        /* Applied*, in the order they were applied */
    /* When zdm_migrations is absent or empty: the first other tool's history
     * found (django_migrations, flyway_schema_history, schema_migrations of
     * golang-migrate or dbmate) and the migration names it records. */
    const char *foreign;
    List foreign_names;  /* const char* */
} DbHistory;

/* The name of zdm's history table. */
#define DB_HISTORY_TABLE "zdm_migrations"

/* Reads zdm_migrations (and, when it has nothing, another tool's history,
 * matched against h's migration names). */
int db_history_read(Arena *a, PGconn *conn, const char *schema, const History *h,
                    DbHistory *out, ZdmError *err);
/* Creates the schema and zdm_migrations if they do not exist. */
int db_history_create(Arena *a, PGconn *conn, DbHistory *dh, ZdmError *err);
Applied *db_history_find(const DbHistory *dh, const char *name);
/* Whether the database records m as fully applied (zdm's or another tool's history). */
bool db_history_applied(const DbHistory *dh, const Migration *m);
/* The migration's sha-256 (of its text as zdm reads it), into the arena. */
const char *db_migration_sha(Arena *a, const Migration *m);

/*
 * plan/check --database: marks the migrations the database records as
 * applied PHASE_DEPLOYED, and says in one line what was assumed. When sizes
 * is not NULL, also reads the tables' sizes (db_read_sizes) over the same
 * connection, and the line says so. When tz_utc is not NULL, it says whether
 * the database's default TimeZone is UTC (db_timezone_is_utc).
 */
int db_decide_pending(Arena *a, History *h, const char *url, const char *schema,
                      struct Stats *sizes, bool *tz_utc, const char **assumption, ZdmError *err);
/* Is the TimeZone a new session of conn's database and role starts with (so
 * each migration zdm migrate runs) a zone at a fixed offset of zero? */
int db_timezone_is_utc(PGconn *conn, bool *utc, ZdmError *err);

/* ---- table sizes (sizes.c) ------------------------------------------------ */

/*
 * Every table's (partitioned table's, materialized view's) estimated rows,
 * size and index sizes, from pg_class and the size functions in a READ ONLY
 * transaction, into out (src/analysis/stats.h). What `zdm stats` prints and
 * what plan/check --database use. 0, or -1 with err.
 */
int db_read_sizes(Arena *a, PGconn *conn, struct Stats *out, ZdmError *err);

/* ---- the runner (runner.c) ---------------------------------------------- */

typedef enum RunPhase {
    RUN_ALL = 0,   /* no --phase: everything pending, in order */
    RUN_BEFORE,    /* --phase before-deploy */
    RUN_AFTER,     /* --phase after-deploy */
} RunPhase;

typedef struct RunOptions {
    const char *url;
    const char *schema;
    RunPhase phase;
    bool dry_run;
    bool allow_edited;
    bool no_wait;
    long wait_ms;            /* for the advisory lock held by another runner */
    long lock_timeout_ms;    /* on statements taking a lock above ROW EXCLUSIVE */
    int lock_retries;        /* retries after a lock timeout (attempts = 1 + retries) */
    long lock_retry_max_ms;  /* the retries of one migration stop after this long */
    long retry_base_ms;      /* first backoff delay */
    long statement_timeout_ms[COST_REWRITE + 1]; /* per cost class; 0: none */
    /* Django projects (django_run.c) */
    const char *project;     /* the PATH given to zdm migrate */
    const char *manage;      /* --manage "python3 manage.py", or NULL: PATH's manage.py */
    /* A scratch database (zdm test, zdm rehearse): zdm applies a Django
     * project's generated SQL itself. The project's settings name another
     * database, which its manage.py must never touch from there. */
    bool scratch;
} RunOptions;

void db_run_options_default(RunOptions *o);

/*
 * zdm migrate: applies the pending migrations of h (read and parsed) for
 * o->phase. Prints what it applies on out. Returns the exit code (0), or -1
 * with err.
 */
int db_migrate(Arena *a, History *h, const RunOptions *o, FILE *out, ZdmError *err);

/*
 * The advisory lock that lets one zdm migrate run at a time per history
 * schema: polls for it up to o->wait_ms (none with o->no_wait). stop is set
 * by the caller's signal handler. 0, or -1 with err (ERR_DATABASE).
 */
int db_take_run_lock(Arena *a, PGconn *conn, const RunOptions *o, const volatile sig_atomic_t *stop,
                     ZdmError *err);

/* Prints the unacknowledged error findings of the migrations in run (the
 * pending plan) on stderr with why a --phase run refuses; returns how many. */
int db_gate_findings(const List *run, RunPhase phase);

/* ---- Django projects (django_run.c) -------------------------------------- */

/* Whether h was read from a Django project (its migrations are .py files). */
bool db_is_django(const History *h);

/*
 * What django_migrations records of h's apps, as dh->applied (name
 * "app.0001_x", finished_at the time Django applied it, sha256 NULL) with
 * dh->foreign = "django_migrations" and dh->exists telling whether that table
 * exists. A squash counts as applied once every
 * migration it replaces is. Rows of apps zdm did not read are left out.
 */
int db_django_history(Arena *a, PGconn *conn, const History *h, DbHistory *dh, ZdmError *err);

/*
 * zdm migrate on a Django project: the phase's migrations are applied by the
 * project's own `manage.py migrate APP NAME`, in the plan's order, under zdm's
 * advisory lock, with lock_timeout given to Django through PGOPTIONS and
 * zdm's retries around an atomic migration that timed out. Where Django
 * cannot run, prints the commands to run by hand and refuses (exit 2).
 */
int db_django_migrate(Arena *a, History *h, const RunOptions *o, FILE *out, ZdmError *err);

/* ---- introspection (introspect.c) ----------------------------------------- */

/*
 * Reads the live schema (every schema but pg_catalog, information_schema and
 * pg_toast; objects of extensions and migration-history tables left out)
 * into a new Catalog, as the replay would have built it. The caller frees it.
 */
Catalog *db_introspect(PGconn *conn, ZdmError *err);

#endif
