/*
 * history.c — what the database says is applied.
 *
 * zdm's own table, zdm_migrations (in the schema --schema names), holds one
 * row per migration: its sha-256, the phase it ran in, when it started and
 * finished, and for a migration run statement by statement how many
 * statements are done, so that a re-run resumes after them. A row whose
 * finished_at is NULL is a migration that stopped midway.
 *
 * Teams come to zdm from other runners, so when zdm_migrations holds nothing
 * the history tables of Django, Flyway, golang-migrate and dbmate decide
 * which migrations are deployed (zdm migrate then records them as a
 * baseline, and from then on its own table is the truth).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/stats.h"
#include "../util/sha256.h"
#include "db.h"

const char *db_migration_sha(Arena *a, const Migration *m)
{
    char *hex = arena_alloc(a, 65);
    sha256_hex(m->text, m->len, hex);
    return hex;
}

static const char *field(Arena *a, const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : arena_strdup(a, PQgetvalue(r, row, col));
}

/* Whether relation (an SQL name, resolved along search_path) exists. */
/* The leading digits of a migration name ("20230101_x" → "20230101"), or NULL. */
static const char *leading_version(Arena *a, const char *name)
{
    size_t n = 0;
    while (isdigit((unsigned char)name[n]))
        n++;
    return n ? arena_strndup(a, name, n) : NULL;
}

static bool in_result(const PGresult *r, int col, const char *s)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (!PQgetisnull(r, i, col) && strcmp(PQgetvalue(r, i, col), s) == 0)
            return true;
    return false;
}

/* Names of h's migrations that another tool's history records as applied. */
static int read_foreign(Arena *a, PGconn *conn, const History *h, DbHistory *dh, ZdmError *err)
{
    bool exists;
    PGresult *r;
    if (db_relation_exists(conn, "django_migrations", &exists, err) < 0)
        return -1;
    if (exists) {
        /* A Django project's migrations are (app, name); sqlmigrate files are
         * named after the migration alone: 0002_customer_address. */
        if (!(r = db_query(conn, "SELECT app, name FROM django_migrations", 0, NULL, err)))
            return -1;
        dh->foreign = "django_migrations";
        for (int i = 0; i < h->n; i++) {
            const Migration *m = h->items[i];
            bool applied = false;
            for (int k = 0; k < PQntuples(r) && !applied; k++)
                applied = m->django ? strcmp(PQgetvalue(r, k, 0), m->django->app) == 0 &&
                                          strcmp(PQgetvalue(r, k, 1), m->django->short_name) == 0
                                    : strcmp(PQgetvalue(r, k, 1), m->name) == 0;
            if (applied)
                list_push(a, &dh->foreign_names, (void *)m->name);
        }
        PQclear(r);
        return 0;
    }
    if (db_relation_exists(conn, "flyway_schema_history", &exists, err) < 0)
        return -1;
    if (exists) {
        if (!(r = db_query(conn, "SELECT regexp_replace(script, '\\.sql$', '') FROM "
                                 "flyway_schema_history WHERE success", 0, NULL, err)))
            return -1;
        dh->foreign = "flyway_schema_history";
        for (int i = 0; i < h->n; i++)
            if (in_result(r, 0, h->items[i]->name))
                list_push(a, &dh->foreign_names, (void *)h->items[i]->name);
        PQclear(r);
        return 0;
    }
    if (db_relation_exists(conn, "schema_migrations", &exists, err) < 0)
        return -1;
    if (!exists)
        return 0;
    /* golang-migrate keeps one row (version bigint, dirty bool): everything up
     * to version is applied, version itself only when not dirty. dbmate (and
     * Rails) keep one row per applied version. */
    if (!(r = db_query(conn, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                             "'schema_migrations'::regclass AND attname = 'dirty' AND NOT attisdropped",
                       0, NULL, err)))
        return -1;
    bool golang = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
    PQclear(r);
    if (golang) {
        if (!(r = db_query(conn, "SELECT version, dirty FROM schema_migrations", 0, NULL, err)))
            return -1;
        dh->foreign = "schema_migrations (golang-migrate)";
        if (PQntuples(r) > 0) {
            long long top = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            bool dirty = PQgetvalue(r, 0, 1)[0] == 't';
            for (int i = 0; i < h->n; i++) {
                const char *v = leading_version(a, h->items[i]->name);
                long long n = v ? strtoll(v, NULL, 10) : -1;
                if (v && (n < top || (n == top && !dirty)))
                    list_push(a, &dh->foreign_names, (void *)h->items[i]->name);
            }
        }
        PQclear(r);
        return 0;
    }
    if (!(r = db_query(conn, "SELECT version::text FROM schema_migrations", 0, NULL, err)))
        return -1;
    dh->foreign = "schema_migrations (dbmate)";
    for (int i = 0; i < h->n; i++) {
        const char *v = leading_version(a, h->items[i]->name);
        if (v && in_result(r, 0, v))
            list_push(a, &dh->foreign_names, (void *)h->items[i]->name);
    }
    PQclear(r);
    return 0;
}

int db_history_read(Arena *a, PGconn *conn, const char *schema, const History *h,
                    DbHistory *dh, ZdmError *err)
{
    memset(dh, 0, sizeof *dh);
    dh->schema = schema;
    dh->table = arena_printf(a, "%s.%s", db_quote_ident(a, schema), DB_HISTORY_TABLE);
    if (db_relation_exists(conn, dh->table, &dh->exists, err) < 0)
        return -1;
    if (dh->exists) {
        PGresult *r = db_query(conn, arena_printf(a,
            "SELECT name, sha256, phase,"
            " to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"'),"
            " to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"'),"
            " duration_ms, last_statement, statements,"
            /* a history made before the column existed reads as NULL */
            " to_jsonb(h)->>'done_sha256'"
            " FROM %s h ORDER BY started_at, name", dh->table), 0, NULL, err);
        if (!r)
            return -1;
        for (int i = 0; i < PQntuples(r); i++) {
            Applied *ap = arena_alloc(a, sizeof *ap);
            ap->name = field(a, r, i, 0);
            ap->sha256 = field(a, r, i, 1);
            ap->phase = field(a, r, i, 2);
            ap->started_at = field(a, r, i, 3);
            ap->finished_at = field(a, r, i, 4);
            ap->duration_ms = PQgetisnull(r, i, 5) ? 0 : atol(PQgetvalue(r, i, 5));
            ap->last_statement = atoi(PQgetvalue(r, i, 6));
            ap->statements = atoi(PQgetvalue(r, i, 7));
            ap->done_sha256 = field(a, r, i, 8);
            list_push(a, &dh->applied, ap);
        }
        PQclear(r);
    }
    if (dh->applied.len == 0 && h && read_foreign(a, conn, h, dh, err) < 0)
        return -1;
    return 0;
}

int db_history_create(Arena *a, PGconn *conn, DbHistory *dh, ZdmError *err)
{
    if (dh->exists) {
        /* histories made before done_sha256 existed get it */
        const char *params[] = {dh->table};
        PGresult *r = db_query(conn, "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1)"
                                     " AND attname = 'done_sha256' AND NOT attisdropped", 1, params, err);
        if (!r)
            return -1;
        bool has = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
        PQclear(r);
        return has ? 0 : db_exec(conn, arena_printf(a, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS done_sha256 text",
                                                     dh->table), err);
    }
    const char *sql = arena_printf(a,
        "CREATE SCHEMA IF NOT EXISTS %s;\n"
        "CREATE TABLE IF NOT EXISTS %s (\n"
        "    name text PRIMARY KEY,\n"
        "    sha256 text NOT NULL,\n"
        "    phase text NOT NULL,\n"
        "    started_at timestamptz NOT NULL,\n"
        "    finished_at timestamptz,\n"
        "    duration_ms bigint,\n"
        "    last_statement integer NOT NULL DEFAULT 0,\n"
        "    statements integer NOT NULL,\n"
        "    done_sha256 text\n"
        ")", db_quote_ident(a, dh->schema), dh->table);
    if (db_exec(conn, sql, err) < 0)
        return -1;
    dh->exists = true;
    return 0;
}

Applied *db_history_find(const DbHistory *dh, const char *name)
{
    for (int i = 0; i < dh->applied.len; i++) {
        Applied *ap = LIST_GET(&dh->applied, i);
        if (strcmp(ap->name, name) == 0)
            return ap;
    }
    return NULL;
}

bool db_history_applied(const DbHistory *dh, const Migration *m)
{
    Applied *ap = db_history_find(dh, m->name);
    if (ap)
        return ap->finished_at != NULL;
    for (int i = 0; i < dh->foreign_names.len; i++)
        if (strcmp(LIST_GET(&dh->foreign_names, i), m->name) == 0)
            return true;
    return false;
}

/*
 * PostgreSQL keeps the rows of a timestamp <-> timestamptz change when the
 * session's zone has a fixed offset of zero (pg_get_timezone_offset), which
 * SQL cannot ask: the offset is read at the start of each month from 1800 to
 * 2100, which catches daylight saving time and the local mean time a zone
 * started from (Europe/London is not UTC, Etc/UTC is). The session's zone is
 * the one a migration's session gets: the server's, or what ALTER DATABASE /
 * ALTER ROLE ... SET timezone (or PGTZ) made it.
 */
int db_timezone_is_utc(PGconn *conn, bool *utc, ZdmError *err)
{
    PGresult *res = db_query(conn,
                             "SELECT coalesce(bool_and(date_part('timezone', t) = 0), false) FROM "
                             "generate_series(timestamptz '1800-01-01 00:00+00', timestamptz "
                             "'2100-01-01 00:00+00', interval '1 month') AS t",
                             0, NULL, err);
    if (!res)
        return -1;
    *utc = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

int db_decide_pending(Arena *a, History *h, const char *url, const char *schema,
                      struct Stats *sizes, bool *tz_utc, const char **assumption, ZdmError *err)
{
    if (h->explicit_files)
        return zdm_error(err, NULL, 0, 0, "--database needs a migrations directory, not single files");
    PGconn *conn = db_connect(a, url, err);
    if (!conn)
        return -1;
    DbHistory dh;
    bool django = db_is_django(h); /* Django's own history, squashes counted as Django counts them */
    int rc = django ? db_django_history(a, conn, h, &dh, err)
                    : db_history_read(a, conn, schema ? schema : "public", h, &dh, err);
    if (rc == 0 && sizes)
        rc = db_read_sizes(a, conn, sizes, err);
    if (rc == 0 && tz_utc)
        rc = db_timezone_is_utc(conn, tz_utc, err);
    PQfinish(conn);
    if (rc < 0)
        return -1;
    int applied = 0;
    for (int i = 0; i < h->n; i++)
        if (db_history_applied(&dh, h->items[i])) {
            h->items[i]->phase = PHASE_DEPLOYED;
            applied++;
        }
    int pending = h->n - applied;
    const char *source = django         ? (dh.exists ? dh.foreign : NULL)
                       : dh.applied.len ? arena_printf(a, "%s.%s", dh.schema, DB_HISTORY_TABLE)
                       : dh.foreign     ? dh.foreign
                                        : NULL;
    if (!source)
        *assumption = arena_printf(a, "zdm: %d pending migration%s: the database has no migration history",
                                   pending, pending == 1 ? "" : "s");
    else
        *assumption = arena_printf(a, "zdm: %d pending migration%s: %s records %d of %d as applied (--database)",
                                   pending, pending == 1 ? "" : "s", source, applied, h->n);
    if (sizes)
        *assumption = arena_printf(a, "%s; table sizes from the same database (%d table%s)", *assumption,
                                   sizes->ntables, sizes->ntables == 1 ? "" : "s");
    return 0;
}
