/*
 * conn.c — opening the connection and reporting its errors.
 *
 * The password is kept out of every message by construction, not by
 * searching for it in text: a connection string zdm shows is rebuilt from
 * what PQconninfoParse read, with the password left out, so no spelling of
 * it (percent-encoded key, quoted value, URI user info) gets through; and
 * libpq's parse errors lose the tokens they quote.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "../sql/sql.h"

/* A value as key=value writes it: quoted when it holds a space or a quote. */
static void append_value(StrBuf *sb, const char *v)
{
    bool plain = *v != '\0';
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || *p == '\'' || *p == '\\')
            plain = false;
    if (plain) {
        sb_append(sb, v);
        return;
    }
    sb_append(sb, "'");
    for (const char *p = v; *p; p++) {
        if (*p == '\'' || *p == '\\')
            sb_append(sb, "\\");
        sb_appendn(sb, p, 1);
    }
    sb_append(sb, "'");
}

const char *db_redact(Arena *a, const char *conninfo)
{
    if (!conninfo)
        return NULL;
    ZdmError ignore = {0};
    if (pq_load(&ignore) < 0)
        return "(a connection string: libpq is not installed to read it)";
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    PQfreemem(perr);
    if (!opts)
        return "(a connection string libpq cannot read)";
    StrBuf sb;
    sb_init(&sb, a);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || strcmp(o->keyword, "password") == 0)
            continue;
        sb_printf(&sb, "%s%s=", sb.len ? " " : "", o->keyword);
        append_value(&sb, o->val);
    }
    PQconninfoFree(opts);
    return sb.len ? sb.data : "(libpq's defaults)";
}

/* Whether word is a connection keyword libpq knows ("host", "port"). */
static bool is_keyword(const char *word, size_t n)
{
    PQconninfoOption *d = PQconndefaults();
    bool found = false;
    for (PQconninfoOption *o = d; o && o->keyword && !found; o++)
        found = strlen(o->keyword) == n && strncmp(o->keyword, word, n) == 0;
    PQconninfoFree(d);
    return found;
}

/* libpq's parse error without the tokens it quotes (the token may be the
 * password, or part of it), but with the keywords and separators it names. */
static const char *parse_error_text(Arena *a, const char *msg)
{
    StrBuf sb;
    sb_init(&sb, a);
    const char *p = msg;
    while (*p) {
        const char *q = strchr(p, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        if (!q || !e) {
            sb_append(&sb, p);
            break;
        }
        sb_appendn(&sb, p, (size_t)(q - p));
        size_t n = (size_t)(e - q - 1);
        if (n <= 1 || is_keyword(q + 1, n))
            sb_appendn(&sb, q, n + 2);
        else
            sb_append(&sb, "(a token not shown)");
        p = e + 1;
    }
    size_t n = sb.len;
    while (n && (sb.data[n - 1] == '\n' || sb.data[n - 1] == ' '))
        sb.data[--n] = '\0';
    return sb.data;
}

int db_error(ZdmError *err, PGconn *conn, const PGresult *res, const char *what)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = conn ? PQerrorMessage(conn) : "unknown error";
    char buf[900];
    snprintf(buf, sizeof buf, "%s", msg);
    /* libpq ends messages with a newline, sometimes a detail line too */
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = ' ';
    zdm_error(err, NULL, 0, 0, "%s: %s", what, buf);
    err->kind = ERR_DATABASE;
    return -1;
}

PGconn *db_connect(Arena *a, const char *url, ZdmError *err)
{
    if (pq_load(err) != 0)
        return NULL;
    const char *source = "--database";
    if (!url || !*url) {
        url = getenv("DATABASE_URL");
        source = "DATABASE_URL";
    }
    if (url && !*url)
        url = NULL;
    if (url) {
        char *perr = NULL;
        PQconninfoOption *opts = PQconninfoParse(url, &perr);
        if (!opts) {
            zdm_error(err, NULL, 0, 0, "%s is not a connection string: %s", source,
                      parse_error_text(a, perr ? perr : "out of memory"));
            PQfreemem(perr);
            return NULL;
        }
        PQconninfoFree(opts);
    }
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {url, "zdm", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        zdm_error(err, NULL, 0, 0, "cannot connect: out of memory");
        err->kind = ERR_DATABASE;
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        db_error(err, conn, NULL,
                 url ? arena_printf(a, "cannot connect to %s", db_redact(a, url))
                     : "cannot connect (libpq's PG* variables)");
        PQfinish(conn);
        return NULL;
    }
    /* zdm's own statements must not print NOTICEs ("already exists, skipping");
     * the migrations' warnings still show */
    PGresult *r = PQexec(conn, "SET client_min_messages = warning");
    PQclear(r);
    return conn;
}

/* pg_backend_pid() of conn, as a number; -1 on error. */
static long backend_pid(PGconn *conn)
{
    PGresult *r = PQexec(conn, "SELECT pg_backend_pid()");
    long pid = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return pid;
}

int db_require_session(Arena *a, PGconn *conn, const char *url, const char *command, ZdmError *err)
{
    /* A pooler in transaction (or statement) mode hands each transaction of
     * one client connection to whichever server connection is free. Seen
     * from the client: a second connection, inside a transaction, gets the
     * backend the first one just used; or the first one, while that
     * transaction holds a backend, gets another one. On a direct connection
     * (or a pooler in session mode) neither can happen. */
    long first = backend_pid(conn);
    if (first < 0)
        return db_error(err, conn, NULL, "reading pg_backend_pid()");
    ZdmError ignore = {0};
    PGconn *other = db_connect(a, url, &ignore);
    if (!other)
        return 0; /* no second connection to compare with: nothing known to refuse on */
    PGresult *r = PQexec(other, "BEGIN");
    PQclear(r);
    long held = backend_pid(other);
    long again = held == first ? first : backend_pid(conn);
    r = PQexec(other, "ROLLBACK");
    PQclear(r);
    PQfinish(other);
    if (held != first && again == first)
        return 0;
    zdm_error(err, NULL, 0, 0,
              "the connection goes through a pooler in transaction mode (PgBouncer's pool_mode = transaction: "
              "the server session changed between two transactions, backend %ld then %ld); zdm %s holds a "
              "session-level advisory lock and session settings, which such a pooler hands to other clients: "
              "connect directly to PostgreSQL (or through a pool in session mode) for zdm %s",
              first, held == first ? held : again, command, command);
    err->kind = ERR_DATABASE;
    return -1;
}

int db_exec(PGconn *conn, const char *sql, ZdmError *err)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        db_error(err, conn, r, "database");
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

PGresult *db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   ZdmError *err)
{
    PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        db_error(err, conn, r, "database");
        PQclear(r);
        return NULL;
    }
    return r;
}

int db_relation_exists(PGconn *conn, const char *relation, bool *exists, ZdmError *err)
{
    const char *params[] = {relation};
    PGresult *r = db_query(conn, "SELECT to_regclass($1) IS NOT NULL", 1, params, err);
    if (!r)
        return -1;
    *exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return 0;
}

int db_pg_version(PGconn *conn)
{
    int v = PQserverVersion(conn) / 10000;
    return v < SQL_PG_OLDEST ? SQL_PG_OLDEST : v > SQL_PG_NEWEST ? SQL_PG_NEWEST : v;
}

const char *db_quote_ident(Arena *a, const char *id)
{
    return catalog_quote_ident(a, id); /* one rule for quoting, reserved words included */
}

const char *db_quote_literal(Arena *a, const char *s)
{
    StrBuf sb;
    sb_init(&sb, a);
    /* with a backslash, E'' reads the same whatever standard_conforming_strings says */
    bool escape = strchr(s, '\\') != NULL;
    sb_append(&sb, escape ? "E'" : "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'' || (escape && *p == '\\'))
            sb_appendn(&sb, p, 1);
        sb_appendn(&sb, p, 1);
    }
    sb_append(&sb, "'");
    return sb.data;
}
