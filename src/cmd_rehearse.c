/*
 * cmd_rehearse.c — `zdm rehearse`: reads the options; src/db/rehearse.c
 * runs the rehearsal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "db/db.h"
#include "db/rehearse.h"

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

int cmd_rehearse(int argc, char **argv, Arena *a, ZdmError *err)
{
    RehearseOptions o = {.rows = 10000, .clients = 4, .rate = 50, .step_ms = 2000, .deploy_steps = 4,
                         .lock_timeout_ms = 1000};
    o.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    static const char *const valued[] = {"--deployed", "--since", "--rows", "--clients", "--rate", "--step-time",
                                         "--deploy-steps", "--max-stall", "--lock-timeout", "--old-queries",
                                         "--new-queries", "--seed", "--database", "--pg-bin", NULL};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *name, *val;
        if (util_next_arg(a, argc, argv, &i, valued, "rehearse", &name, &val, err) < 0)
            return -1;
        long n;
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            fputs(rehearse_usage, stdout);
            return 0;
        } else if (strcmp(name, "--deployed") == 0) {
            o.deployed = val;
        } else if (strcmp(name, "--since") == 0) {
            o.since = val;
        } else if (strcmp(name, "--rows") == 0) {
            if (number(val, 0, 100000000, &o.rows) < 0)
                return bad_number(err, name, val, 0, 100000000);
        } else if (strcmp(name, "--clients") == 0) {
            if (number(val, 1, 64, &n) < 0)
                return bad_number(err, name, val, 1, 64);
            o.clients = (int)n;
        } else if (strcmp(name, "--rate") == 0) {
            if (number(val, 1, 10000, &n) < 0)
                return bad_number(err, name, val, 1, 10000);
            o.rate = (int)n;
        } else if (strcmp(name, "--deploy-steps") == 0) {
            if (number(val, 1, 20, &n) < 0)
                return bad_number(err, name, val, 1, 20);
            o.deploy_steps = (int)n;
        } else if (strcmp(name, "--seed") == 0) {
            if (number(val, 0, 2147483647, &n) < 0)
                return bad_number(err, name, val, 0, 2147483647);
            o.seed = (unsigned)n;
        } else if (strcmp(name, "--step-time") == 0 || strcmp(name, "--max-stall") == 0 ||
                   strcmp(name, "--lock-timeout") == 0) {
            long ms;
            if (db_parse_duration_ms(val, &ms) < 0 || ms == 0)
                return zdm_error(err, NULL, 0, 0, "%s takes a duration such as 500ms, 2s or 1min, not '%s'",
                                 name, val);
            if (strcmp(name, "--step-time") == 0)
                o.step_ms = ms;
            else if (strcmp(name, "--max-stall") == 0)
                o.max_stall_ms = ms;
            else
                o.lock_timeout_ms = ms;
        } else if (strcmp(name, "--old-queries") == 0) {
            o.old_queries = val;
        } else if (strcmp(name, "--new-queries") == 0) {
            o.new_queries = val;
        } else if (strcmp(name, "--database") == 0) {
            o.server.database = val;
        } else if (strcmp(name, "--pg-bin") == 0) {
            o.server.pg_bin = val;
        } else if (strcmp(name, "--force") == 0) {
            o.server.force = true;
        } else if (strcmp(name, "--keep") == 0) {
            o.server.keep = true;
        } else if (arg[0] == '-' && arg[1]) {
            return zdm_error(err, NULL, 0, 0, "unknown option '%s' (see zdm rehearse --help)", arg);
        } else if (!o.path) {
            o.path = arg;
        } else {
            return zdm_error(err, NULL, 0, 0, "give one migrations directory, not '%s' too", arg);
        }
    }
    if (!o.path)
        return zdm_error(err, NULL, 0, 0, "no migrations directory given (see zdm rehearse --help)");
    if (o.deployed && o.since)
        return zdm_error(err, NULL, 0, 0, "--deployed and --since each say what is live: give one");
    if (o.server.force && !o.server.database)
        return zdm_error(err, NULL, 0, 0, "--force only applies to --database");
    if (o.server.keep && o.server.database)
        return zdm_error(err, NULL, 0, 0, "--keep only applies to the throwaway server, not --database");
    return rehearse_run(a, &o, stdout, err);
}
