/*
 * cmd_backfill.c — `zdm backfill`: data migrations as batched, resumable
 * jobs (src/db/backfill.c does the work; this file reads the options).
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "db/backfill.h"
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

int cmd_backfill(int argc, char **argv, Arena *a, ZdmError *err)
{
    BackfillOptions o = {.schema = "public", .progress = -1, .progress_every_ms = 5000};
    BackfillSettings cli;
    backfill_settings_unset(&cli);
    const char *set = NULL, *where = NULL, *name = NULL, *file = NULL, *resume = NULL;
    bool status = false;
    List args = {0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        static const char *const valued[] = {
            "--set", "--where", "--name", "--file", "--resume", "--database", "--schema", "--batch-size",
            "--min-batch-size", "--max-batch-size", "--target", "--pause", "--max-replication-lag",
            "--max-active-connections", "--locked-rows-wait", NULL};
        const char *opt, *val;
        if (util_next_arg(a, argc, argv, &i, valued, "backfill", &opt, &val, err) < 0)
            return -1;
        long *count = NULL, *duration = NULL;
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
            fputs(backfill_usage, stdout);
            return 0;
        } else if (strcmp(opt, "--set") == 0) {
            set = val;
        } else if (strcmp(opt, "--where") == 0) {
            where = val;
        } else if (strcmp(opt, "--name") == 0) {
            if (!*val)
                return zdm_error(err, NULL, 0, 0, "--name needs a job name");
            name = val;
        } else if (strcmp(opt, "--file") == 0) {
            file = val;
        } else if (strcmp(opt, "--resume") == 0) {
            if (!*val)
                return zdm_error(err, NULL, 0, 0, "--resume needs a job name (see zdm backfill --status)");
            resume = val;
        } else if (strcmp(opt, "--database") == 0) {
            o.url = val;
        } else if (strcmp(opt, "--schema") == 0) {
            if (!*val)
                return zdm_error(err, NULL, 0, 0, "--schema needs a schema name");
            o.schema = val;
        } else if (strcmp(opt, "--reset") == 0) {
            o.reset = true;
        } else if (strcmp(opt, "--status") == 0) {
            status = true;
        } else if (strcmp(opt, "--dry-run") == 0) {
            o.dry_run = true;
        } else if (strcmp(opt, "--progress") == 0) {
            o.progress = 1;
        } else if (strcmp(opt, "--no-progress") == 0) {
            o.progress = 0;
        } else if (strcmp(opt, "--batch-size") == 0) {
            count = &cli.batch_size;
        } else if (strcmp(opt, "--min-batch-size") == 0) {
            count = &cli.min_batch;
        } else if (strcmp(opt, "--max-batch-size") == 0) {
            count = &cli.max_batch;
        } else if (strcmp(opt, "--max-active-connections") == 0) {
            count = &cli.max_active;
        } else if (strcmp(opt, "--target") == 0) {
            duration = &cli.target_ms;
        } else if (strcmp(opt, "--pause") == 0) {
            duration = &cli.pause_ms;
        } else if (strcmp(opt, "--max-replication-lag") == 0) {
            duration = &cli.max_lag_ms;
        } else if (strcmp(opt, "--locked-rows-wait") == 0) {
            duration = &cli.locked_wait_ms;
        } else if (arg[0] == '-' && arg[1]) {
            return zdm_error(err, NULL, 0, 0, "unknown option '%s' (see zdm backfill --help)", arg);
        } else {
            list_push(a, &args, (void *)arg);
        }
        if (count) {
            char *end;
            long n = strtol(val, &end, 10);
            if (!*val || *end || n < 1 || n > 100000000)
                return bad_value(err, opt, "a whole number from 1", val);
            *count = n;
        }
        if (duration && db_parse_duration_ms(val, duration) < 0)
            return bad_value(err, opt, "a duration such as 200ms, 2s or 1min", val);
    }

    /* exactly one way of naming the job */
    int modes = (args.len > 0) + (file != NULL) + (resume != NULL) + status;
    if (modes == 0)
        return zdm_error(err, NULL, 0, 0, "give a TABLE with --set, --file, --resume or --status "
                                          "(see zdm backfill --help)");
    if (modes > 1 || args.len > 1)
        return zdm_error(err, NULL, 0, 0, "give one of TABLE --set ..., --file, --resume and --status");
    if ((set || where) && args.len == 0)
        return zdm_error(err, NULL, 0, 0, "--set and --where go with a TABLE: zdm backfill TABLE --set ...");
    if (status) {
        if (o.reset || o.dry_run || name)
            return zdm_error(err, NULL, 0, 0, "--status takes no other job option");
        return backfill_status(a, o.url, o.schema, stdout, err) < 0 ? -1 : 0;
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
