/*
 * cmd_rehearse.c — `zdm rehearse`: reads the options; src/prove/rehearse.c
 * runs the rehearsal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "db/db.h"
#include "prove/rehearse.h"

static const char rehearse_usage[] =
    "usage: zdm rehearse PATH [options]\n"
    "\n"
    "Replays the deploy of the pending migrations of PATH on a throwaway PostgreSQL,\n"
    "under the traffic of the old and the new code, and reports per step the queries\n"
    "that failed and the longest waits. See docs/rehearse.md.\n"
    "\n"
    "Which migrations are pending (as zdm plan):\n"
    "  --deployed NAME         NAME and everything before it are live\n"
    "  --since REF             files that do not exist at git revision REF are pending\n"
    "  (neither)               only the newest migration is pending\n"
    "\n"
    "The rehearsal:\n"
    "  --rows N                rows generated per table (default 10000)\n"
    "  --clients N             connections sending traffic, one thread each (default 4)\n"
    "  --rate N                queries per second per client (default 50)\n"
    "  --step-time DURATION    how long each step runs after its migration (default 2s)\n"
    "  --deploy-steps N        old code to new code in N steps (default 4: 25%, 50%, ...)\n"
    "  --max-stall DURATION    a query slower than this counts as stalled (default: the\n"
    "                          lock timeout)\n"
    "  --lock-timeout DURATION the runner's lock_timeout, as zdm migrate (default 1s)\n"
    "  --old-queries FILE      the old code's captured queries, sent instead of the\n"
    "                          generated ones (statements ending with ';')\n"
    "  --new-queries FILE      the same for the new code\n"
    "  --seed N                seed of the traffic's random choices (default: the time)\n"
    "  --format FORMAT         text (default) or json: the report as one JSON document\n"
    "                          (docs/json.md); progress stays on stderr\n"
    "\n"
    "The server:\n"
    "  --database URL          rehearse on this database instead of a throwaway server;\n"
    "                          zdm drops everything in it first\n"
    "  --force                 with --database: use it even if it holds tables zdm did not create\n"
    "  --pg-bin DIR            where initdb and pg_ctl are (default: pg_config --bindir,\n"
    "                          then /usr/lib/postgresql/*/bin, newest first, then PATH)\n"
    "  --keep                  leave the throwaway server running, and say how to connect\n"
    "\n"
    "Exit: 0 no query failed or stalled, 1 some did (or a migration did not apply),\n"
    "2 usage or input error, 3 database error.\n";

static int bad_number(ZdmError *err, const char *opt, const char *val, long lo, long hi)
{
    return zdm_error(err, NULL, 0, 0, "%s takes a number from %ld to %ld, not '%s'", opt, lo, hi, val);
}

static int number(const char *val, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(val, &end, 10);
    if (!*val || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

enum {
    OPT_DEPLOYED = CLI_OPT_BASE, OPT_SINCE, OPT_ROWS, OPT_CLIENTS, OPT_RATE, OPT_STEP_TIME, OPT_DEPLOY_STEPS,
    OPT_MAX_STALL, OPT_LOCK_TIMEOUT, OPT_OLD_QUERIES, OPT_NEW_QUERIES, OPT_SEED, OPT_DATABASE, OPT_PG_BIN,
    OPT_FORCE, OPT_KEEP, OPT_FORMAT,
};

static const struct option rehearse_options[] = {
    {"deployed", required_argument, NULL, OPT_DEPLOYED},
    {"since", required_argument, NULL, OPT_SINCE},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"clients", required_argument, NULL, OPT_CLIENTS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"step-time", required_argument, NULL, OPT_STEP_TIME},
    {"deploy-steps", required_argument, NULL, OPT_DEPLOY_STEPS},
    {"max-stall", required_argument, NULL, OPT_MAX_STALL},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"old-queries", required_argument, NULL, OPT_OLD_QUERIES},
    {"new-queries", required_argument, NULL, OPT_NEW_QUERIES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"database", required_argument, NULL, OPT_DATABASE},
    {"pg-bin", required_argument, NULL, OPT_PG_BIN},
    {"force", no_argument, NULL, OPT_FORCE},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

static int rehearse_set(void *ctx, int id, const char *opt, const char *val, Arena *a, ZdmError *err)
{
    RehearseOptions *o = ctx;
    const char *name = arena_printf(a, "--%s", opt);
    long n, ms;
    switch (id) {
    case OPT_DEPLOYED: o->deployed = val; break;
    case OPT_SINCE: o->since = val; break;
    case OPT_ROWS:
        if (number(val, 0, 100000000, &o->rows) < 0)
            return bad_number(err, name, val, 0, 100000000);
        break;
    case OPT_CLIENTS:
        if (number(val, 1, 64, &n) < 0)
            return bad_number(err, name, val, 1, 64);
        o->clients = (int)n;
        break;
    case OPT_RATE:
        if (number(val, 1, 10000, &n) < 0)
            return bad_number(err, name, val, 1, 10000);
        o->rate = (int)n;
        break;
    case OPT_DEPLOY_STEPS:
        if (number(val, 1, 20, &n) < 0)
            return bad_number(err, name, val, 1, 20);
        o->deploy_steps = (int)n;
        break;
    case OPT_SEED:
        if (number(val, 0, 2147483647, &n) < 0)
            return bad_number(err, name, val, 0, 2147483647);
        o->seed = (unsigned)n;
        break;
    case OPT_STEP_TIME:
    case OPT_MAX_STALL:
    case OPT_LOCK_TIMEOUT:
        if (db_parse_duration_ms(val, &ms) < 0 || ms == 0)
            return zdm_error(err, NULL, 0, 0, "%s takes a duration such as 500ms, 2s or 1min, not '%s'", name,
                             val);
        if (id == OPT_STEP_TIME)
            o->step_ms = ms;
        else if (id == OPT_MAX_STALL)
            o->max_stall_ms = ms;
        else
            o->lock_timeout_ms = ms;
        break;
    case OPT_OLD_QUERIES: o->old_queries = val; break;
    case OPT_NEW_QUERIES: o->new_queries = val; break;
    case OPT_DATABASE: o->server.database = val; break;
    case OPT_PG_BIN: o->server.pg_bin = val; break;
    case OPT_FORCE: o->server.force = true; break;
    case OPT_KEEP: o->server.keep = true; break;
    case OPT_FORMAT:
        if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0)
            return zdm_error(err, NULL, 0, 0, "--format takes text or json, not '%s'", val);
        o->json = strcmp(val, "json") == 0;
        break;
    default: return zdm_error(err, NULL, 0, 0, "option %s is not handled", name);
    }
    return 0;
}

const CliCommand cli_rehearse = {"rehearse", rehearse_usage,
                                 "replay the deploy under live traffic; report failed queries and stalls",
                                 rehearse_options, rehearse_set};

/* Everything but the error's JSON (the options, the rehearsal). */
static int rehearse(RehearseOptions *o, int argc, char **argv, Arena *a, ZdmError *err)
{
    List paths = {0};
    int rc = cli_parse(&cli_rehearse, argc, argv, o, &paths, a, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (paths.len == 0)
        return cli_usage_error(&cli_rehearse, err, "no migrations directory given");
    if (paths.len > 1)
        return cli_usage_error(&cli_rehearse, err, "give one migrations directory, not '%s' too",
                               (const char *)LIST_GET(&paths, 1));
    o->path = LIST_GET(&paths, 0);
    if (o->deployed && o->since)
        return zdm_error(err, NULL, 0, 0, "--deployed and --since each say what is live: give one");
    if (o->server.force && !o->server.database)
        return zdm_error(err, NULL, 0, 0, "--force only applies to --database");
    if (o->server.keep && o->server.database)
        return zdm_error(err, NULL, 0, 0, "--keep only applies to the throwaway server, not --database");
    return rehearse_run(a, o, stdout, err);
}

int cmd_rehearse(int argc, char **argv, Arena *a, ZdmError *err)
{
    RehearseOptions o = {.rows = 10000, .clients = 4, .rate = 50, .step_ms = 2000, .deploy_steps = 4,
                         .lock_timeout_ms = 1000};
    o.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    /* with --format json a failure is a JSON document too, where CI reads
     * the report (and on stderr) */
    return commands_json_failure(rehearse(&o, argc, argv, a, err), o.json, argc, argv, err);
}
