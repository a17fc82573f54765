/*
 * stats.h — table sizes from production (zdm stats), and what they do to the
 * findings of plan/check (--stats FILE): each finding about a slow or locking
 * statement on a live table says how big the table is and how long the
 * statement should take, and a table under the small-table threshold drops a
 * size-bound finding to a notice. docs/stats.md describes the file and the
 * figures.
 */
#ifndef ZDM_STATS_H
#define ZDM_STATS_H

#include "analysis.h"

typedef struct IndexStats {
    const char *name;
    long long bytes;      /* pg_relation_size */
} IndexStats;

typedef struct TableStats {
    const char *table;    /* "schema.name" */
    double rows;          /* reltuples; < 0 when the table was never analysed */
    long long table_bytes;/* pg_table_size: heap, TOAST, free space and visibility maps */
    long long index_bytes;/* pg_indexes_size */
    List indexes;         /* IndexStats*, by name (zdm stats prints them; plan does not need them) */
} TableStats;

typedef struct Stats {
    StrMap tables;        /* "schema.name" -> TableStats* */
    List list;            /* TableStats*, in the order read */
    int ntables;
    /* Where the sizes come from: the server's major version, the database
     * and when they were read (UTC, "2026-01-31T02:00:00Z"); for a file
     * whatever it records (pg_version 0, NULLs when it does not). */
    int pg_version;
    const char *database;
    const char *taken_at;
} Stats;

/* Adds a table read from a file or from the database. */
void stats_add(Arena *a, Stats *s, TableStats *ts);

/* The default --small-table: 10 MB, under a second for every kind of
 * statement at the rates measured (docs/stats.md). */
#define STATS_SMALL_TABLE_DEFAULT (10LL * 1024 * 1024)

/* Reads a file `zdm stats` wrote. Returns 0, or -1 with err naming the file
 * (and the line and column for bad JSON). */
int stats_load(Arena *a, const char *path, Stats *out, ZdmError *err);

/* Parses "10MB", "512kB", "2GB", "0" (bytes without a unit) into bytes.
 * Returns -1 on anything else. */
long long stats_parse_size(const char *s);

/* "9.6 GB", "200 kB": a size as people read it. */
const char *stats_size_text(Arena *a, long long bytes);

/* Adds each finding's estimate and lowers the size-bound ones on tables
 * under small_bytes to notices; the plan's counts are computed again. */
void stats_apply(Arena *a, Plan *plan, const Stats *stats, long long small_bytes);

#endif
