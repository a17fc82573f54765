/*
 * prove.h — what `zdm test` and `zdm rehearse` share: reading the history,
 * naming a point in it, and moving a scratch database forward to a point the
 * way `zdm migrate` would (its runner, its history table), running the
 * backfill jobs that migrations name with "-- zdm:requires-backfill" on the way.
 */
#ifndef ZDM_PROVE_H
#define ZDM_PROVE_H

#include <stdio.h>

#include "../source/source.h"
#include "../db/db.h"

/* Reads the migrations of path (a directory or a Django project) and parses
 * them. Returns 0, or -1 with err. */
int prove_load(Arena *a, const char *path, History *h, ZdmError *err);

/* The index of migration name, or of the one it is a unique prefix of
 * ("0007" for "0007_orders"); -1 with err when none or several match. */
int prove_find(const History *h, const char *name, const char *what, ZdmError *err);

/* A scratch database being moved forward through h. */
typedef struct Progress {
    const char *url;
    const char *dir;   /* the migrations directory: backfills/ is next to it or in it */
    int applied;       /* migrations 0..applied-1 are applied */
    StrMap jobs_done;  /* backfill job name -> non-NULL when done */
    RunOptions run;    /* as zdm migrate's defaults, url set */
} Progress;

void prove_progress_init(Progress *p, const char *url, const char *dir);

/*
 * Applies migrations p->applied .. upto (inclusive) with db_migrate, each
 * backfill job a migration requires run just before it. log receives the
 * runner's lines (may be NULL). Returns 0, or -1 with err.
 */
int prove_migrate_to(Arena *a, History *h, Progress *p, int upto, FILE *log, ZdmError *err);

/* Runs the backfill job name (its file: backfills/NAME.sql in or next to
 * the migrations directory) to the end. */
int prove_backfill(Arena *a, Progress *p, const char *name, FILE *log, ZdmError *err);

#endif
