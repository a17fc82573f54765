/*
 * cmd_migrate.c — `zdm migrate`: apply a phase of the plan to the database
 * (src/db/runner.c does the work; this file reads the options).
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "db/db.h"
#include "sql/sql.h"

static const char migrate_usage[] =
    "usage: zdm migrate PATH [options]\n"
    "\n"
    "Applies the pending migrations of the directory PATH, in order, recording each\n"
    "in the history table zdm_migrations. A Django project's migrations are applied\n"
    "by its own manage.py migrate, one app's target at a time, and recorded by Django.\n"
    "\n"
    "  --database URL            postgres://... or key=value (default: DATABASE_URL,\n"
    "                            else libpq's PG* variables)\n"
    "  --schema NAME             schema of the history table (default public)\n"
    "  --phase before-deploy     only the migrations the plan puts before the deploy;\n"
    "                            stops at the first one placed after it\n"
    "  --phase after-deploy      everything still pending, once the new code serves\n"
    "                            (with --phase, an unacknowledged error finding refuses the run)\n"
    "  --dry-run                 print the SQL that would run, settings included\n"
    "  --allow-edited            go on when an applied migration's file changed since\n"
    "  --wait DURATION           wait that long for another zdm migrate (default 5min)\n"
    "  --no-wait                 exit 3 at once when another zdm migrate runs\n"
    "  --lock-timeout DURATION   lock_timeout of statements that lock above ROW EXCLUSIVE\n"
    "                            (default 1s)\n"
    "  --lock-retries N          retries of a migration after a lock timeout (default 10)\n"
    "  --lock-retry-max DURATION stop retrying a migration after that long (default 5min)\n"
    "  --statement-timeout CLASS=DURATION\n"
    "                            statement_timeout per cost class: catalog (default 1min),\n"
    "                            scan, rows, index, rewrite (default none), or all\n"
    "  --manage COMMAND          a Django project: the command that runs its manage.py,\n"
    "                            run in PATH (default: python3 with the project's manage.py)\n"
    "\n"
    "DURATION: 500ms, 2s, 5min, 1h (a bare number is milliseconds). 0 means none.\n";

static int bad_duration(ZdmError *err, const char *opt, const char *val)
{
    return zdm_error(err, NULL, 0, 0, "%s takes a duration such as 500ms, 2s or 5min, not '%s'", opt, val);
}

static int parse_statement_timeout(RunOptions *o, const char *val, ZdmError *err)
{
    static const struct { const char *name; Cost cost; } classes[] = {
        {"catalog", COST_CATALOG}, {"scan", COST_SCAN}, {"rows", COST_ROWS},
        {"index", COST_INDEX}, {"rewrite", COST_REWRITE},
    };
    const char *eq = strchr(val, '=');
    long ms;
    if (!eq || db_parse_duration_ms(eq + 1, &ms) < 0)
        return zdm_error(err, NULL, 0, 0,
                         "--statement-timeout takes CLASS=DURATION (catalog=30s, index=0, all=1h), not '%s'", val);
    size_t n = (size_t)(eq - val);
    if (n == 3 && strncmp(val, "all", 3) == 0) {
        for (int c = COST_CATALOG; c <= COST_REWRITE; c++)
            o->statement_timeout_ms[c] = ms;
        return 0;
    }
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strlen(classes[i].name) == n && strncmp(val, classes[i].name, n) == 0) {
            o->statement_timeout_ms[classes[i].cost] = ms;
            return 0;
        }
    return zdm_error(err, NULL, 0, 0,
                     "--statement-timeout: unknown cost class '%.*s' (catalog, scan, rows, index, rewrite, all)",
                     (int)n, val);
}

enum {
    OPT_DATABASE = CLI_OPT_BASE, OPT_SCHEMA, OPT_PHASE, OPT_DRY_RUN, OPT_ALLOW_EDITED, OPT_WAIT, OPT_NO_WAIT,
    OPT_LOCK_TIMEOUT, OPT_LOCK_RETRIES, OPT_LOCK_RETRY_MAX, OPT_STATEMENT_TIMEOUT, OPT_MANAGE,
};

static const struct option migrate_options[] = {
    {"database", required_argument, NULL, OPT_DATABASE},
    {"schema", required_argument, NULL, OPT_SCHEMA},
    {"phase", required_argument, NULL, OPT_PHASE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"allow-edited", no_argument, NULL, OPT_ALLOW_EDITED},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"lock-retries", required_argument, NULL, OPT_LOCK_RETRIES},
    {"lock-retry-max", required_argument, NULL, OPT_LOCK_RETRY_MAX},
    {"statement-timeout", required_argument, NULL, OPT_STATEMENT_TIMEOUT},
    {"manage", required_argument, NULL, OPT_MANAGE},
    {NULL, 0, NULL, 0},
};

typedef struct MigrateCli {
    RunOptions o;
    bool waited;
} MigrateCli;

static int migrate_set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    MigrateCli *c = ctx;
    RunOptions *o = &c->o;
    const char *dashed = arena_printf(a, "--%s", name);
    switch (id) {
    case OPT_DATABASE: o->url = val; break;
    case OPT_SCHEMA:
        if (!*val)
            return zdm_error(err, NULL, 0, 0, "--schema needs a schema name");
        o->schema = val;
        break;
    case OPT_PHASE:
        if (strcmp(val, "before-deploy") == 0)
            o->phase = RUN_BEFORE;
        else if (strcmp(val, "after-deploy") == 0)
            o->phase = RUN_AFTER;
        else
            return zdm_error(err, NULL, 0, 0, "--phase takes before-deploy or after-deploy, not '%s'", val);
        break;
    case OPT_DRY_RUN: o->dry_run = true; break;
    case OPT_ALLOW_EDITED: o->allow_edited = true; break;
    case OPT_NO_WAIT: o->no_wait = true; break;
    case OPT_WAIT:
        if (db_parse_duration_ms(val, &o->wait_ms) < 0)
            return bad_duration(err, dashed, val);
        c->waited = true;
        break;
    case OPT_LOCK_TIMEOUT:
        if (db_parse_duration_ms(val, &o->lock_timeout_ms) < 0)
            return bad_duration(err, dashed, val);
        if (o->lock_timeout_ms == 0)
            return zdm_error(err, NULL, 0, 0, "--lock-timeout 0 would let a statement queue every "
                                              "query behind it for as long as it waits: give a duration");
        break;
    case OPT_LOCK_RETRY_MAX:
        if (db_parse_duration_ms(val, &o->lock_retry_max_ms) < 0)
            return bad_duration(err, dashed, val);
        break;
    case OPT_LOCK_RETRIES: {
        char *end;
        long n = strtol(val, &end, 10);
        if (*end || end == val || n < 0 || n > 1000)
            return zdm_error(err, NULL, 0, 0, "--lock-retries takes 0 to 1000, not '%s'", val);
        o->lock_retries = (int)n;
        break;
    }
    case OPT_STATEMENT_TIMEOUT: return parse_statement_timeout(o, val, err);
    case OPT_MANAGE: o->manage = val; break;
    default: return zdm_error(err, NULL, 0, 0, "option --%s is not handled", name);
    }
    return 0;
}

const CliCommand cli_migrate = {"migrate", migrate_usage,
                                "apply the pending migrations (--phase before-deploy|after-deploy)",
                                migrate_options, migrate_set};

int cmd_migrate(int argc, char **argv, Arena *a, ZdmError *err)
{
    MigrateCli c = {0};
    db_run_options_default(&c.o);
    List paths = {0};
    int rc = cli_parse(&cli_migrate, argc, argv, &c, &paths, a, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    RunOptions o = c.o;
    bool waited = c.waited;
    if (paths.len != 1)
        return cli_usage_error(&cli_migrate, err, "%s",
                               paths.len ? "give one migrations directory" : "no migrations directory given");
    if (waited && o.no_wait)
        return zdm_error(err, NULL, 0, 0, "--wait and --no-wait contradict each other: give one");
    o.project = paths.items[0];
    History h = {0};
    h.allow_empty = true; /* a new project's deploy job must not fail before its first migration */
    int loaded = source_load(a, (char **)paths.items, paths.len, &h, err);
    source_print_notices(&h, stderr); /* a skipped seed.sql is never applied: say so */
    if (loaded < 0)
        return -1;
    if (h.n == 0) {
        fprintf(stdout, "zdm: nothing to apply\n");
        return 0;
    }
    if (o.manage && !db_is_django(&h))
        return zdm_error(err, NULL, 0, 0, "--manage is for a Django project; %s holds SQL migrations",
                         o.project);
    if (sql_parse_history(a, &h, err) < 0)
        return -1;
    return db_migrate(a, &h, &o, stdout, err);
}
