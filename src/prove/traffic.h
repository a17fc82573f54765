/*
 * traffic.h — the rehearsal's clients and its lock monitor (traffic.c).
 *
 * Each client is a thread with a connection of its own, sending one query
 * at a time at a steady rate. A query is the old code's or the new code's
 * (a share the rehearsal moves step by step), and is either what an ORM
 * that knows that code's model sends for a table (SELECT of the known
 * columns by key and by range, INSERT, UPDATE by key, DELETE by key of a row
 * it inserted) or a captured query. Every query is timed and counted in the
 * step it started in; failures keep their SQLSTATE, message and SQL. A
 * monitor connection samples pg_stat_activity and pg_blocking_pids to find
 * the longest lock wait of each step and who held the lock.
 *
 * Everything a client reads is built before the threads start and never
 * changes; what a client writes is its own until traffic_stop joins it.
 */
#ifndef ZDM_TRAFFIC_H
#define ZDM_TRAFFIC_H

#include <pthread.h>
#include <stdatomic.h>

#include "../catalog/catalog.h"
#include "../db/pq.h"
#include "../util/util.h"

/* A column a code version writes. */
typedef struct TrafficCol {
    const char *name;     /* quoted */
    const Column *col;    /* in the version's model */
    bool unique;          /* gets a fresh value from the shared counter */
    int fk_sample;        /* the parent's key sample (index), -1 when not a foreign key */
    int fk_pos;           /* which column of the parent's key */
} TrafficCol;

/* What one code version sends for one table. */
typedef struct TrafficTable {
    const char *display;
    int sample;                /* index of the table's key sample */
    int nkey;
    const char *select_key;    /* SELECT cols FROM t WHERE k = $1 ...; NULL without a key */
    const char *select_range;  /* single-column key: WHERE k >= $1 ORDER BY k LIMIT 10 */
    const char *select_some;   /* no key: SELECT cols FROM t LIMIT 10 */
    const char *insert_head;   /* "INSERT INTO t (a, b) VALUES (" */
    TrafficCol *ins;
    int nins;
    const char *insert_tail;   /* ") RETURNING k" */
    bool can_insert;
    const char *update_head;   /* "UPDATE t SET " */
    TrafficCol *upd;
    int nupd;
    const char *update_where;  /* " WHERE k = $1" */
    const char *delete_sql;    /* DELETE FROM t WHERE k = $1 */
} TrafficTable;

typedef struct CodeVersion {
    const char *label;        /* "old code", "new code" */
    const Catalog *model;
    TrafficTable *tables;
    int ntables;
    const char **captured;    /* --old-queries / --new-queries: sent instead, when set */
    int ncaptured;
} CodeVersion;

/* Keys of a table's existing rows, sampled once after the data is made;
 * the clients also remember the keys of the rows they insert. */
typedef struct KeySample {
    const char *name;   /* "schema.name" */
    int nkey;
    int n;              /* rows */
    const char **vals;  /* n * nkey texts */
} KeySample;

typedef struct FailSample {
    char sqlstate[6];
    const char *version;
    char *message;
    char *query;
    long count;
} FailSample;

#define TRAFFIC_FAIL_SAMPLES 6

typedef struct StepStats {
    long sent, failed, stalled;
    double *lat;       /* ms, one per query */
    size_t nlat, cap;
    FailSample fails[TRAFFIC_FAIL_SAMPLES];
    int nfails;
    long fails_dropped;  /* failures of kinds beyond the samples kept */
    /* the longest lock wait the monitor saw */
    double wait_ms;
    char waiter[200];
    char holder[240];
} StepStats;

typedef struct Client Client;

typedef struct Traffic {
    const char *url;
    int nclients;
    int rate;                  /* per client per second */
    long max_stall_ms;
    unsigned seed;
    CodeVersion versions[2];   /* old, new */
    KeySample *samples;
    int nsamples;
    int nsteps;
    atomic_int step;
    atomic_int share_new;      /* per mille of queries that are the new code's */
    atomic_bool stop;
    atomic_ulong counter;      /* unique values */
    Client *clients;
    StepStats *monitor;        /* nsteps, the monitor's lock waits */
    pthread_t monitor_thread;
    PGconn *monitor_conn; /* the monitor thread's; it closes it */
    bool monitor_started;
    char error[512];           /* a client that could not connect */
} Traffic;

/* Builds what version v sends for each table of its model. A foreign key
 * the other version's model has is followed too (the application's values
 * keep to a relation before a migration enforces it). */
void traffic_build_version(Arena *a, Traffic *t, CodeVersion *v, const Catalog *other);

/* Starts the clients and the monitor. 0, or -1 with err. */
int traffic_start(Traffic *t, ZdmError *err);
/* Stops and joins them, then merges every client's statistics into out
 * (nsteps entries, allocated from a). */
void traffic_stop(Arena *a, Traffic *t, StepStats *out);

#endif
