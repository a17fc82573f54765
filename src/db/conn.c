/*
 * conn.c — opening the connection and reporting its errors.
 *
 * The password is kept out of every message in two ways: what zdm echoes of
 * a connection string goes through db_redact, and every message that comes
 * from libpq or the server goes through db_scrub, which knows the password
 * the connection used (from the URL, a key=value string or PGPASSWORD).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "../sql/sql.h"

/* The password of the connection string in use, to scrub from messages.
 * One connection string per run, so one slot is enough. */
static char db_secret[512];

static void remember_secret(const char *pw)
{
    if (pw && *pw && strlen(pw) < sizeof db_secret)
        strcpy(db_secret, pw);
}

void db_scrub(char *msg, size_t size)
{
    size_t n = strlen(db_secret);
    /* a one- or two-character password would mangle every message it
     * happens to occur in, and says nothing when it does */
    if (n < 3)
        return;
    char *p;
    while ((p = strstr(msg, db_secret)) != NULL) {
        size_t tail = strlen(p + n);
        if ((size_t)(p - msg) + 3 + tail + 1 > size)
            break;
        memmove(p + 3, p + n, tail + 1);
        memcpy(p, "***", 3);
    }
}

static bool is_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* Masks the value of every "password=" query parameter from p on. */
static void redact_query(StrBuf *sb, const char *p)
{
    while (*p) {
        bool at_param = (p[-1] == '?' || p[-1] == '&');
        if (at_param && strncmp(p, "password=", 9) == 0) {
            sb_append(sb, "password=***");
            p += 9;
            while (*p && *p != '&')
                p++;
            continue;
        }
        sb_appendn(sb, p, 1);
        p++;
    }
}

/* The password of a URI as written (still percent-encoded), or NULL. */
static const char *uri_password(Arena *a, const char *s)
{
    if (!is_uri(s))
        return NULL;
    const char *auth = strstr(s, "://") + 3;
    const char *at = auth;
    while (*at && *at != '@' && *at != '/')
        at++;
    if (*at != '@')
        return NULL;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    return colon ? arena_strndup(a, colon + 1, (size_t)(at - colon - 1)) : NULL;
}

const char *db_redact(Arena *a, const char *s)
{
    if (!s)
        return NULL;
    StrBuf sb;
    sb_init(&sb, a);
    if (is_uri(s)) {
        const char *auth = strstr(s, "://") + 3;
        sb_appendn(&sb, s, (size_t)(auth - s));
        /* libpq reads user info up to an '@' met before any '/' */
        const char *at = auth;
        while (*at && *at != '@' && *at != '/')
            at++;
        const char *p = auth;
        if (*at == '@') {
            const char *colon = memchr(auth, ':', (size_t)(at - auth));
            if (colon) {
                sb_appendn(&sb, auth, (size_t)(colon - auth));
                sb_append(&sb, ":***");
            } else {
                sb_appendn(&sb, auth, (size_t)(at - auth));
            }
            p = at;
        }
        const char *q = strchr(p, '?');
        if (!q) {
            sb_append(&sb, p);
            return sb.data;
        }
        sb_appendn(&sb, p, (size_t)(q - p) + 1);
        redact_query(&sb, q + 1);
        return sb.data;
    }
    /* key=value form: password = 'quoted \' value' or password=bare */
    const char *p = s;
    while (*p) {
        bool word_start = p == s || isspace((unsigned char)p[-1]);
        if (word_start && strncmp(p, "password", 8) == 0) {
            const char *q = p + 8;
            while (isspace((unsigned char)*q))
                q++;
            if (*q == '=') {
                q++;
                while (isspace((unsigned char)*q))
                    q++;
                if (*q == '\'') {
                    for (q++; *q && *q != '\''; q++)
                        if (*q == '\\' && q[1])
                            q++;
                    if (*q)
                        q++;
                } else {
                    while (*q && !isspace((unsigned char)*q))
                        q++;
                }
                sb_append(&sb, "password=***");
                p = q;
                continue;
            }
        }
        sb_appendn(&sb, p, 1);
        p++;
    }
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
    db_scrub(buf, sizeof buf);
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
            /* libpq quotes the token it could not read, which may be the
             * password: scrub what the URL holds where a password goes */
            remember_secret(uri_password(a, url));
            char buf[600];
            snprintf(buf, sizeof buf, "%s", perr ? perr : "out of memory");
            PQfreemem(perr);
            size_t n = strlen(buf);
            while (n && buf[n - 1] == '\n')
                buf[--n] = '\0';
            db_scrub(buf, sizeof buf);
            zdm_error(err, NULL, 0, 0, "%s %s is not a connection string: %s", source,
                      db_redact(a, url), buf);
            return NULL;
        }
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (strcmp(o->keyword, "password") == 0)
                remember_secret(o->val);
        PQconninfoFree(opts);
    }
    remember_secret(getenv("PGPASSWORD"));
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {url, "zdm", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        zdm_error(err, NULL, 0, 0, "cannot connect: out of memory");
        err->kind = ERR_DATABASE;
        return NULL;
    }
    remember_secret(PQpass(conn)); /* a password from ~/.pgpass is as secret */
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
    sb_append(&sb, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            sb_append(&sb, "'");
        sb_appendn(&sb, p, 1);
    }
    sb_append(&sb, "'");
    return sb.data;
}
