/*
 * server.h — the throwaway PostgreSQL that `zdm test` and `zdm rehearse` run
 * against: initdb into a temporary directory, a Unix socket only, fsync off,
 * stopped and removed at the end (even on an error or Ctrl-C), kept with
 * --keep. Or, with --database, an existing database that zdm may wipe: one
 * holding tables zdm did not create is refused unless --force.
 *
 * Both commands need many fresh databases (one per test, one per rehearsal);
 * server_fresh_db gives one either way.
 */
#ifndef ZDM_SERVER_H
#define ZDM_SERVER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "../db/pq.h"

#include "../util/util.h"
#include "../db/interrupt.h"

typedef struct ServerOptions {
    const char *database; /* --database URL: use it instead of starting a server */
    const char *pg_bin;   /* --pg-bin DIR: where initdb and pg_ctl are */
    bool force;           /* --force: use a --database that holds other tables */
    bool keep;            /* --keep: leave the server (and its databases) running */
} ServerOptions;

typedef struct Server {
    bool embedded;        /* started by zdm (else --database) */
    bool running;
    const char *bindir;   /* embedded: initdb, pg_ctl, psql */
    const char *dir;      /* embedded: the temporary directory (socket, data/, server.log) */
    const char *admin_url;/* embedded: the postgres database; else --database */
    bool as_postgres;     /* started as root: the server runs as the postgres user */
    uid_t uid;
    gid_t gid;
    int major;            /* the server's major version */
    pid_t keeper;         /* embedded: the process that stops the server when zdm goes */
    int keeper_fd;        /* embedded: closing it (or dying) tells the keeper to */
    /* from server_open to server_close, Ctrl-C stops the command (see
     * interrupt.h; db_interrupt_target names the statement it cancels) */
    DbInterrupt interrupt;
} Server;

/*
 * The directory holding initdb and pg_ctl: pg_bin when given, else
 * `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin, else
 * PATH. NULL with err (naming what to install) when there is none.
 */
const char *server_find_bindir(Arena *a, const char *pg_bin, ZdmError *err);

/*
 * Starts the embedded server, or checks the --database one (refusing a
 * database holding tables zdm did not create, unless o->force). On success
 * the caller must call server_close, whatever happens next.
 */
int server_open(Arena *a, const ServerOptions *o, Server *s, ZdmError *err);

/*
 * A fresh, empty database named name (embedded: CREATE DATABASE; with
 * --database: that database with every schema dropped and public made
 * again). Returns its connection URL, or NULL with err.
 */
const char *server_fresh_db(Arena *a, Server *s, const char *name, ZdmError *err);

/* Drops a database server_fresh_db made (embedded only; errors ignored). */
void server_drop_db(Arena *a, Server *s, const char *name);

/*
 * Stops the server and removes its directory, or with keep leaves it running
 * and prints on out how to connect and how to stop it. Safe to call twice.
 */
void server_close(Arena *a, Server *s, bool keep, const char *dbname, FILE *out);

/* URL of database dbname on the embedded server. */
const char *server_url(Arena *a, const Server *s, const char *dbname);

#endif
