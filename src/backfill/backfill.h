/*
 * backfill.h — `zdm backfill`: data migrations as batched, resumable jobs.
 *
 * A job updates the rows of one table in key-ordered batches over its
 * primary key, each batch one short transaction that also records the
 * progress in zdm_backfills, so a job stopped anywhere (Ctrl-C, kill -9, a
 * deploy) resumes exactly after the last committed batch and updates no row
 * twice. docs/backfill.md is the user's side of this contract.
 *
 * The pure pieces (job files, the SQL of a batch, the batch size) are
 * declared here too, for the unit tests.
 */
#ifndef ZDM_BACKFILL_H
#define ZDM_BACKFILL_H

#include <stdio.h>

#include "../db/pq.h"

#include "../source/source.h"
#include "../util/util.h"

/* The name of the progress table, and of the one holding skipped keys. */
#define BACKFILL_TABLE "zdm_backfills"
#define BACKFILL_SKIPPED_TABLE "zdm_backfill_skipped"

/* The placeholder a job file's full UPDATE holds where zdm puts the batch. */
#define BACKFILL_PLACEHOLDER "{{batch}}"

/* Tuning: none of it is part of the job's definition, so it may change
 * between runs of one job. -1 in a field means "not given" (see
 * backfill_settings_unset) until backfill_settings_finish fills the defaults
 * in; 0 in max_lag_ms and max_active means no throttling. */
typedef struct BackfillSettings {
    long batch_size;      /* the first batch's size (later ones adapt) */
    long min_batch;
    long max_batch;
    long target_ms;       /* aim: each batch takes about this long */
    long pause_ms;        /* sleep between batches */
    long max_lag_ms;      /* wait while a standby's replay lag exceeds it */
    long max_active;      /* wait while more sessions of the database are active */
    long locked_wait_ms;  /* how long to keep retrying rows the application holds */
} BackfillSettings;

#define BACKFILL_DEFAULT_BATCH 1000
#define BACKFILL_DEFAULT_MIN 100
#define BACKFILL_DEFAULT_MAX 50000
#define BACKFILL_DEFAULT_TARGET_MS 200
#define BACKFILL_DEFAULT_LOCKED_WAIT_MS 60000

/*
 * What a job does. Two forms:
 *   SET form:    table, set ("a = b, c = d") and an optional where; zdm
 *                writes UPDATE table SET <set> over the batch's rows that
 *                match <where>.
 *   UPDATE form: update, a whole UPDATE statement holding {{batch}} once,
 *                which zdm replaces by "the row is in this batch"; check is
 *                the optional condition of the rows still to do.
 * sha256 is the hash of the definition (canonical SQL: comments and runs of
 * whitespace do not count; settings do not either).
 */
typedef struct BackfillJob {
    const char *name;
    const char *file;      /* the job file, or NULL for an ad-hoc job */
    const char *table;     /* as written: customer, shop."Order" */
    const char *set;       /* SET form */
    const char *where;     /* SET form, may be NULL */
    const char *update;    /* UPDATE form, without its ';' */
    const char *alias;     /* UPDATE form: how the UPDATE names its table */
    const char *check;     /* rows still to do: the where (SET form) or zdm:check; may be NULL */
    char sha256[65];
    BackfillSettings settings;
} BackfillJob;

/* Every field "not given". */
void backfill_settings_unset(BackfillSettings *s);
/* Each field of over that was given replaces the one in s. */
void backfill_settings_merge(BackfillSettings *s, const BackfillSettings *over);
/* Fills the settings not given with the defaults, and checks them together
 * (min <= first <= max). */
int backfill_settings_finish(BackfillSettings *s, ZdmError *err);

/*
 * Reads a job file (docs/backfill.md, "Job files"): "-- zdm:<setting> value"
 * lines and one SET ... [WHERE ...] or UPDATE ... {{batch}} ... statement.
 * The job's name is the file's name without .sql. Errors are
 * file:line:column. Needs no database.
 */
int backfill_parse_file(Arena *a, const char *path, const char *text, size_t len,
                        BackfillJob *job, ZdmError *err);

/* An ad-hoc job: zdm backfill TABLE --set SET [--where WHERE]. Checks that
 * each expression is one piece of SQL of its kind (no ';', no closing
 * parenthesis it did not open, no FROM or RETURNING slipped into SET). */
int backfill_job_adhoc(Arena *a, const char *table, const char *set, const char *where,
                       BackfillJob *job, ZdmError *err);

/* The job's definition hash, from its fields (sets job->sha256). */
void backfill_job_hash(BackfillJob *job);

/* SQL text with comments dropped and every run of whitespace one space;
 * strings and quoted names kept as they are. */
const char *backfill_canonical_sql(Arena *a, const char *sql);

/*
 * The next batch's size: scaled so that a batch of that size would take
 * about target_ms at the time a row takes (the last batch's elapsed_ms for
 * cur rows, or the running average *row_ms if that is slower; *row_ms starts
 * at 0 and is updated), by at most x2 up and /4 down per step, within
 * [min_batch, max_batch].
 */
long backfill_next_batch_size(long cur, double elapsed_ms, double *row_ms, const BackfillSettings *s);

/* The table a job walks, as the database describes it. */
typedef struct BackfillTarget {
    const char *qualified;   /* "shop"."Order", quoted for SQL */
    const char *display;     /* shop.Order, for messages */
    const char *alias;       /* how the UPDATE refers to the table */
    int nkeys;
    const char **key_names;  /* quoted */
    const char **key_types;  /* format_type(): bigint, uuid, character varying(20) */
    double reltuples;        /* the planner's estimate of the rows, -1 unknown */
    bool by_ctid;            /* a plain table, no partitions or children: a ctid names one row */
} BackfillTarget;

/*
 * The SQL of the batch runner's statements, over parameters (never over
 * data pasted in). lower: whether the range has a lower bound (every batch
 * but the first).
 *
 * bound: $1 = limit, $2.. = last key (lower), then upper key.
 *   Returns the batch's last key and the number of rows in the range: the
 *   $1-th key and $1, or, in the tail form (fewer than $1 keys left), the
 *   last key and their number. No row: no key left.
 * batch: $1 = job, $2 = rows scanned, then the last key (lower), then the
 *   batch's last key. One statement, so one transaction: locks the rows of
 *   the range that still match the check with SKIP LOCKED, updates them,
 *   records the others (locked by someone else) in zdm_backfill_skipped and
 *   moves the job's last key, all or nothing.
 * retry: $1 = job, $2 = limit, $3 = last skipped key done (text[], or NULL).
 *   The same over the recorded skipped keys.
 */
const char *backfill_bound_sql(Arena *a, const BackfillTarget *t, bool lower, bool tail);
const char *backfill_batch_sql(Arena *a, const BackfillTarget *t, const BackfillJob *job,
                               const char *schema, bool lower);
const char *backfill_retry_sql(Arena *a, const BackfillTarget *t, const BackfillJob *job,
                               const char *schema);
/* The job's UPDATE with {{batch}} replaced by "the row's key is in zdm_todo". */
const char *backfill_update_sql(Arena *a, const BackfillTarget *t, const BackfillJob *job);

typedef struct BackfillOptions {
    const char *url;
    const char *schema;     /* of zdm_backfills (default public) */
    bool reset;             /* forget recorded progress and start over */
    bool dry_run;           /* print what would run, change nothing */
    int progress;           /* 1 bar, 0 lines every few seconds, -1 from isatty(stderr) */
    long progress_every_ms; /* the interval of those lines */
} BackfillOptions;

/* Runs job (or resumes it). Prints the summary on out, progress on stderr.
 * Returns 0, or -1 with err (exit 2 for a changed definition, 3 for the
 * database or an interruption). */
int backfill_run(Arena *a, BackfillJob *job, const BackfillSettings *cli, const BackfillOptions *o,
                 FILE *out, ZdmError *err);

/* zdm backfill --resume NAME: the job as recorded (re-read from its file
 * when the file is still there, so an edit is noticed). */
int backfill_load_recorded(Arena *a, const char *url, const char *schema, const char *name,
                           BackfillJob *job, ZdmError *err);

/* zdm backfill --status: one line per job. */
int backfill_status(Arena *a, const char *url, const char *schema, bool json, FILE *out, ZdmError *err);

/*
 * *state: how schema's zdm_backfills records job name ("done", or "running,
 * 1,234 rows updated so far"), NULL when it has not run there.
 */
int backfill_job_state(Arena *a, PGconn *conn, const char *schema, const char *name, const char **state,
                       ZdmError *err);

/*
 * For zdm migrate: 0 when every job m names with "-- zdm:requires-backfill"
 * is done in schema's zdm_backfills, else -1 with err (kind ERR_DATABASE:
 * the database is not ready for m yet) naming the job, its state and how to
 * finish it.
 */
int backfill_check_required(Arena *a, PGconn *conn, const char *schema, const Migration *m,
                            ZdmError *err);

#endif
