/*
 * cmd_backfill.c — `zdm backfill`: data migrations as batched, resumable
 * jobs (src/backfill/backfill.c does the work; this file reads the options).
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "backfill/backfill.h"
#include "db/db.h"

static const char backfill_usage[] =
    "usage: zdm backfill TABLE --set \"COL = EXPR, ...\" [--where \"CONDITION\"] [options]\n"
    "       zdm backfill --file db/backfills/NAME.sql [options]\n"
    "       zdm backfill --resume NAME [options]\n"
    "       zdm backfill --status\n"
    "\n"
    "Updates the rows of TABLE in batches over its primary key, each batch one short\n"
    "transaction that records the job's progress in zdm_backfills: a job stopped\n"
    "anywhere resumes after its last committed batch (run the same command again, or\n"
    "--resume NAME). docs/backfill.md has the job-file format and the guarantees.\n"
    "\n"
    "  --set ASSIGNMENTS         what the job writes: \"col = expression, ...\" (SQL, sent as written)\n"
    "  --where CONDITION         the rows still to do (counted again at the end)\n"
    "  --name NAME               the job's name (default: TABLE; for --file, the file's name)\n"
    "  --file PATH               a job file: -- zdm: settings and SET ... [WHERE ...], or\n"
    "                            UPDATE ... WHERE ... AND {{batch}}\n"
    "  --resume NAME             go on with a recorded job (its file is re-read if it is there)\n"
    "  --reset                   forget the job's progress and start over (needed when its\n"
    "                            definition changed)\n"
    "  --status                  every job: state, rows done, rate\n"
    "  --format FORMAT           with --status: text (default) or json (docs/json.md)\n"
    "  --dry-run                 print the job's SQL and where it would start; change nothing\n"
    "  --database URL            postgres://... or key=value (default: DATABASE_URL,\n"
    "                            else libpq's PG* variables)\n"
    "  --schema NAME             schema of zdm_backfills (default public)\n"
    "  --batch-size N            rows in the first batch (default 1000); then it adapts\n"
    "  --min-batch-size N        (default 100)\n"
    "  --max-batch-size N        (default 50000)\n"
    "  --target DURATION         aim for batches this long (default 200ms)\n"
    "  --pause DURATION          sleep between batches (default 0)\n"
    "  --max-replication-lag DURATION\n"
    "                            wait while a standby's replay lag exceeds it\n"
    "  --max-active-connections N\n"
    "                            wait while more sessions of the database are active\n"
    "  --locked-rows-wait DURATION\n"
    "                            retry rows other sessions hold this long (default 1min)\n"
    "  --progress / --no-progress  a progress bar (default: when stderr is a terminal;\n"
    "                            otherwise a line every 5 s)\n"
    "\n"
    "DURATION: 500ms, 2s, 5min, 1h (a bare number is milliseconds).\n"
    "Exit codes: 0 done, 2 usage or job-file error (file:line:column), 3 database error\n"
    "or interrupted (the progress recorded is true: resume it).\n";

static int bad_value(ZdmError *err, const char *opt, const char *what, const char *val)
{
    return zdm_error(err, NULL, 0, 0, "%s takes %s, not '%s'", opt, what, val);
}

enum {
    OPT_SET = CLI_OPT_BASE, OPT_WHERE, OPT_NAME, OPT_FILE, OPT_RESUME, OPT_DATABASE, OPT_SCHEMA, OPT_RESET,
    OPT_STATUS, OPT_DRY_RUN, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_BATCH_SIZE, OPT_MIN_BATCH_SIZE,
    OPT_MAX_BATCH_SIZE, OPT_MAX_ACTIVE, OPT_TARGET, OPT_PAUSE, OPT_MAX_LAG, OPT_LOCKED_WAIT, OPT_FORMAT,
};

static const struct option backfill_options[] = {
    {"set", required_argument, NULL, OPT_SET},
    {"where", required_argument, NULL, OPT_WHERE},
    {"name", required_argument, NULL, OPT_NAME},
    {"file", required_argument, NULL, OPT_FILE},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"database", required_argument, NULL, OPT_DATABASE},
    {"schema", required_argument, NULL, OPT_SCHEMA},
    {"reset", no_argument, NULL, OPT_RESET},
    {"status", no_argument, NULL, OPT_STATUS},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"min-batch-size", required_argument, NULL, OPT_MIN_BATCH_SIZE},
    {"max-batch-size", required_argument, NULL, OPT_MAX_BATCH_SIZE},
    {"max-active-connections", required_argument, NULL, OPT_MAX_ACTIVE},
    {"target", required_argument, NULL, OPT_TARGET},
    {"pause", required_argument, NULL, OPT_PAUSE},
    {"max-replication-lag", required_argument, NULL, OPT_MAX_LAG},
    {"locked-rows-wait", required_argument, NULL, OPT_LOCKED_WAIT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

typedef struct BackfillCli {
    BackfillOptions o;
    BackfillSettings settings; /* given on the command line (or in .zdm.ini) */
    const char *set, *where, *name, *file, *resume;
    bool status;
    bool json; /* --status --format json */
} BackfillCli;

static int backfill_set(void *ctx, int id, const char *opt, const char *val, Arena *a, ZdmError *err)
{
    (void)a;
    BackfillCli *c = ctx;
    long *count = NULL, *duration = NULL;
    switch (id) {
    case OPT_SET: c->set = val; break;
    case OPT_WHERE: c->where = val; break;
    case OPT_NAME:
        if (!*val)
            return zdm_error(err, NULL, 0, 0, "--name needs a job name");
        c->name = val;
        break;
    case OPT_FILE: c->file = val; break;
    case OPT_RESUME:
        if (!*val)
            return zdm_error(err, NULL, 0, 0, "--resume needs a job name (see zdm backfill --status)");
        c->resume = val;
        break;
    case OPT_DATABASE: c->o.url = val; break;
    case OPT_SCHEMA:
        if (!*val)
            return zdm_error(err, NULL, 0, 0, "--schema needs a schema name");
        c->o.schema = val;
        break;
    case OPT_RESET: c->o.reset = true; break;
    case OPT_STATUS: c->status = true; break;
    case OPT_DRY_RUN: c->o.dry_run = true; break;
    case OPT_PROGRESS: c->o.progress = 1; break;
    case OPT_NO_PROGRESS: c->o.progress = 0; break;
    case OPT_BATCH_SIZE: count = &c->settings.batch_size; break;
    case OPT_MIN_BATCH_SIZE: count = &c->settings.min_batch; break;
    case OPT_MAX_BATCH_SIZE: count = &c->settings.max_batch; break;
    case OPT_MAX_ACTIVE: count = &c->settings.max_active; break;
    case OPT_TARGET: duration = &c->settings.target_ms; break;
    case OPT_PAUSE: duration = &c->settings.pause_ms; break;
    case OPT_MAX_LAG: duration = &c->settings.max_lag_ms; break;
    case OPT_LOCKED_WAIT: duration = &c->settings.locked_wait_ms; break;
    case OPT_FORMAT:
        if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0)
            return zdm_error(err, NULL, 0, 0, "--format takes text or json, not '%s'", val);
        c->json = strcmp(val, "json") == 0;
        break;
    default: return zdm_error(err, NULL, 0, 0, "option --%s is not handled", opt);
    }
    const char *dashed = arena_printf(a, "--%s", opt);
    if (count) {
        char *end;
        long n = strtol(val, &end, 10);
        if (!*val || *end || n < 1 || n > 100000000)
            return bad_value(err, dashed, "a whole number from 1", val);
        *count = n;
    }
    if (duration && db_parse_duration_ms(val, duration) < 0)
        return bad_value(err, dashed, "a duration such as 200ms, 2s or 1min", val);
    return 0;
}

const CliCommand cli_backfill = {"backfill", backfill_usage,
                                 "update rows in small resumable batches (--set, --where; --file, --resume, --status)",
                                 backfill_options, backfill_set};

static int backfill(bool *json, int argc, char **argv, Arena *a, ZdmError *err)
{
    BackfillCli c = {.o = {.schema = "public", .progress = -1, .progress_every_ms = 5000}};
    backfill_settings_unset(&c.settings);
    List args = {0};
    int rc = cli_parse(&cli_backfill, argc, argv, &c, &args, a, err);
    *json = c.json;
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    BackfillOptions o = c.o;
    BackfillSettings cli = c.settings;
    const char *set = c.set, *where = c.where, *name = c.name, *file = c.file, *resume = c.resume;
    bool status = c.status;

    /* exactly one way of naming the job */
    int modes = (args.len > 0) + (file != NULL) + (resume != NULL) + status;
    if (modes == 0)
        return cli_usage_error(&cli_backfill, err, "give a TABLE with --set, --file, --resume or --status");
    if (modes > 1 || args.len > 1)
        return zdm_error(err, NULL, 0, 0, "give one of TABLE --set ..., --file, --resume and --status");
    if ((set || where) && args.len == 0)
        return zdm_error(err, NULL, 0, 0, "--set and --where go with a TABLE: zdm backfill TABLE --set ...");
    if (c.json && !status)
        return zdm_error(err, NULL, 0, 0, "--format json goes with --status: a job reports as text");
    if (status) {
        if (o.reset || o.dry_run || name)
            return zdm_error(err, NULL, 0, 0, "--status takes no other job option");
        return backfill_status(a, o.url, o.schema, c.json, stdout, err) < 0 ? -1 : 0;
    }

    BackfillJob job;
    memset(&job, 0, sizeof job);
    backfill_settings_unset(&job.settings);
    if (args.len) {
        job.name = name;
        if (backfill_job_adhoc(a, LIST_GET(&args, 0), set, where, &job, err) < 0)
            return -1;
    } else if (file) {
        size_t len;
        char *text = util_read_file(a, file, &len, err);
        if (!text || backfill_parse_file(a, file, text, len, &job, err) < 0)
            return -1;
        if (name)
            job.name = name;
    } else {
        if (name)
            return zdm_error(err, NULL, 0, 0, "--resume names the job already: leave out --name");
        if (backfill_load_recorded(a, o.url, o.schema, resume, &job, err) < 0)
            return -1;
    }
    /* settings that contradict each other are an input error before any
     * connection (those recorded by an earlier run fill in the rest later) */
    BackfillSettings check = job.settings;
    backfill_settings_merge(&check, &cli);
    if (backfill_settings_finish(&check, err) < 0)
        return -1;
    return backfill_run(a, &job, &cli, &o, stdout, err) < 0 ? -1 : 0;
}

int cmd_backfill(int argc, char **argv, Arena *a, ZdmError *err)
{
    bool json = false; /* --status --format json */
    return commands_json_failure(backfill(&json, argc, argv, a, err), json, argc, argv, err);
}
