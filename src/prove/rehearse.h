/*
 * rehearse.h — `zdm rehearse`: the deploy replayed on a throwaway database
 * under the traffic of the old and the new code (docs/rehearse.md).
 *
 *   datagen.c   rows for every table, from its columns and constraints
 *   traffic.c   the clients (one thread and one connection each) and the
 *               monitor that watches lock waits
 *   rehearse.c  the steps: before-deploy, the rolling deploy, backfills,
 *               after-deploy; the report
 *
 * The pure pieces (the SQL that fills a table, the literal values the clients
 * write, percentiles) are declared here for the unit tests.
 */
#ifndef ZDM_REHEARSE_H
#define ZDM_REHEARSE_H

#include <stdio.h>

#include "../catalog/catalog.h"
#include "../source/source.h"
#include "server.h"

/* ---- data generation (datagen.c) -------------------------------------------------- */

/* Whether zdm leaves a table alone: its own tables and the migration
 * histories of the tools it reads. */
bool datagen_skip_table(const Table *t);

/* The tables to fill, parents before the tables whose foreign keys name
 * them (Table*, skipped ones left out). */
void datagen_order(Arena *a, const Catalog *c, List *out);

/*
 * One INSERT ... SELECT ... FROM generate_series(1, rows) that adds rows rows
 * to t, server-side: values from each column's type, unique ones distinct,
 * foreign keys pointing at rows of the parent (spread over them), columns
 * with a default or serial/identity left to it, generated ones left out.
 * NULL with *why set when the table cannot be filled (a NOT NULL column of a
 * type zdm cannot make values for, a NOT NULL self-reference). hint (may be
 * NULL) is the schema after the pending migrations: a foreign key it adds
 * is followed too, since the application's data already keeps to the
 * relation the migration is about to enforce.
 */
const char *datagen_insert_sql(Arena *a, const Catalog *c, const Table *t, long rows,
                               const Catalog *hint, const char **why);

/* Whether column col of t takes part in a primary key, a unique constraint
 * or a unique index of one column... of several columns too. */
bool datagen_is_unique(const Catalog *c, const Table *t, const char *col);

/* The foreign key of t that covers col, or NULL; when t has none there, the
 * one the table of the same name has in hint (may be NULL). */
const Constraint *datagen_fk_of(const Table *t, const char *col, const Catalog *hint);

/*
 * An SQL literal a client writes into col: a quoted string the server
 * coerces to the column's type ('v123', '2021-05-17', '{"n": 3}'), or NULL
 * for a type zdm knows no value for. n varies the value; unique values come
 * from a counter the caller keeps distinct. Writes into buf (size bytes).
 */
const char *datagen_literal(char *buf, size_t size, const Catalog *c, const Column *col,
                            unsigned long n);

/* ---- latency ---------------------------------------------------------------------- */

/* The p-th percentile (0..100) of n sorted values, nearest-rank; 0 when n is 0. */
double rehearse_percentile(const double *sorted, size_t n, double p);

/* ---- the rehearsal (rehearse.c) --------------------------------------------------- */

typedef struct RehearseOptions {
    const char *path;
    const char *deployed;      /* --deployed NAME */
    const char *since;         /* --since REF */
    long rows;                 /* per table */
    int clients;
    int rate;                  /* queries per second per client */
    long step_ms;              /* how long each step of the deploy runs */
    int deploy_steps;          /* old -> new code in this many steps */
    long max_stall_ms;         /* 0: the lock timeout */
    long lock_timeout_ms;      /* the runner's */
    const char *old_queries;   /* --old-queries FILE */
    const char *new_queries;
    unsigned seed;
    bool json;                 /* --format json: the report as one JSON document (docs/json.md) */
    ServerOptions server;
} RehearseOptions;

/* Runs the rehearsal, printing the report on out (text, or with o->json one
 * JSON document and nothing else). Returns 0 (clean), 1 (a query failed or
 * stalled, or a migration failed to apply), or -1 with err. */
int rehearse_run(Arena *a, const RehearseOptions *o, FILE *out, ZdmError *err);

/* A captured-queries file: statements ending with ';' at the end of a line;
 * "--" comment lines and blank lines skipped. Appends const char* to out. */
int rehearse_read_queries(Arena *a, const char *path, List *out, ZdmError *err);

#endif
