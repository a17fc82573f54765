/*
 * cmd_plan.c — `zdm plan` and `zdm check`: read migrations, decide which are
 * pending, analyse, render. `check` is `plan` with an exit code for CI.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "commands.h"
#include "db/db.h"
#include "report/report.h"
#include "sql/sql.h"

static const char plan_usage[] =
    "usage: zdm plan  PATH... [options]\n"
    "       zdm check PATH... [options]\n"
    "\n"
    "PATH: a migrations directory (NNNN_name.sql, N_name.up.sql, V1__name.sql,\n"
    "dbmate files, folders holding up.sql), single .sql files, or - for stdin.\n"
    "\n"
    "Which migrations are pending (a directory; files and stdin are always pending):\n"
    "  --deployed NAME     NAME and everything before it are live\n"
    "  --since REF         files that do not exist at git revision REF are pending\n"
    "  --database URL      the database's history (zdm_migrations, else django_migrations,\n"
    "                      flyway_schema_history, schema_migrations) says what is applied\n"
    "  --schema NAME       with --database: schema of zdm_migrations (default public)\n"
    "  (neither)           only the newest migration is pending\n"
    "\n"
    "Options:\n"
    "  --pg-version N      PostgreSQL major version of the server, 11 to 17 (default 15)\n"
    "  --format FORMAT     text (default), json, sarif, github\n"
    "  --fail-on SEVERITY  check: exit 1 on a finding at or above error (default),\n"
    "                      warning or notice\n"
    "  --color, --no-color colours in text output (default: on a terminal, unless NO_COLOR)\n";

typedef struct PlanOptions {
    List paths;
    const char *deployed;
    const char *since;
    const char *database;
    const char *schema;
    int pg_version;
    ReportFormat format;
    Severity fail_on;
    int color; /* -1 auto */
} PlanOptions;

static int parse_severity(const char *s, Severity *out)
{
    if (strcmp(s, "error") == 0) *out = SEV_ERROR;
    else if (strcmp(s, "warning") == 0) *out = SEV_WARNING;
    else if (strcmp(s, "notice") == 0) *out = SEV_NOTICE;
    else return -1;
    return 0;
}

static int parse_options(int argc, char **argv, Arena *a, PlanOptions *o, ZdmError *err)
{
    o->pg_version = 15;
    o->format = FORMAT_TEXT;
    o->fail_on = SEV_ERROR;
    o->color = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = NULL;
        /* --opt=value and --opt value */
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        char *name = eq ? arena_strndup(a, arg, (size_t)(eq - arg)) : (char *)arg;
        bool takes = strcmp(name, "--deployed") == 0 || strcmp(name, "--since") == 0 ||
                     strcmp(name, "--pg-version") == 0 || strcmp(name, "--format") == 0 ||
                     strcmp(name, "--fail-on") == 0 || strcmp(name, "--database") == 0 ||
                     strcmp(name, "--schema") == 0;
        if (takes) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return zdm_error(err, NULL, 0, 0, "%s needs a value\n\n%s", name, plan_usage);
        }
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            fputs(plan_usage, stdout);
            return 1;
        } else if (strcmp(name, "--deployed") == 0) {
            o->deployed = val;
        } else if (strcmp(name, "--since") == 0) {
            o->since = val;
        } else if (strcmp(name, "--database") == 0) {
            o->database = val;
        } else if (strcmp(name, "--schema") == 0) {
            o->schema = val;
        } else if (strcmp(name, "--pg-version") == 0) {
            char *end;
            long v = strtol(val, &end, 10);
            if (*end || v < 11 || v > 17)
                return zdm_error(err, NULL, 0, 0, "--pg-version takes 11 to 17, not '%s'", val);
            o->pg_version = (int)v;
        } else if (strcmp(name, "--format") == 0) {
            if (report_format_parse(val, &o->format) < 0)
                return zdm_error(err, NULL, 0, 0,
                                 "--format takes text, json, sarif or github, not '%s'", val);
        } else if (strcmp(name, "--fail-on") == 0) {
            if (parse_severity(val, &o->fail_on) < 0)
                return zdm_error(err, NULL, 0, 0,
                                 "--fail-on takes error, warning or notice, not '%s'", val);
        } else if (strcmp(name, "--color") == 0) {
            o->color = 1;
        } else if (strcmp(name, "--no-color") == 0) {
            o->color = 0;
        } else if (arg[0] == '-' && arg[1]) {
            return zdm_error(err, NULL, 0, 0, "unknown option '%s'\n\n%s", arg, plan_usage);
        } else {
            list_push(a, &o->paths, (void *)arg);
        }
    }
    if (o->paths.len == 0)
        return zdm_error(err, NULL, 0, 0, "no migrations given\n\n%s", plan_usage);
    if ((o->deployed != NULL) + (o->since != NULL) + (o->database != NULL) > 1)
        return zdm_error(err, NULL, 0, 0, "--deployed, --since and --database each say what is live: give one");
    return 0;
}

/* NAME, or a unique prefix of one ("0007" for "0007_orders"). */
static int find_migration(const History *h, const char *name, ZdmError *err)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->items[i]->name, name) == 0)
            return i;
    int found = -1;
    size_t n = strlen(name);
    for (int i = 0; i < h->n; i++)
        if (strncmp(h->items[i]->name, name, n) == 0) {
            if (found >= 0)
                return zdm_error(err, NULL, 0, 0,
                                 "--deployed %s matches both %s and %s: give the full name",
                                 name, h->items[found]->name, h->items[i]->name);
            found = i;
        }
    if (found < 0)
        return zdm_error(err, NULL, 0, 0, "--deployed %s: no such migration (the newest is %s)",
                         name, h->n ? h->items[h->n - 1]->name : "none");
    return found;
}

static int count_pending(const History *h)
{
    int n = 0;
    for (int i = 0; i < h->n; i++)
        n += h->items[i]->phase != PHASE_DEPLOYED;
    return n;
}

/* Marks the deployed migrations and says, in one line, what was assumed. */
static int decide_pending(Arena *a, History *h, const PlanOptions *o, Plan *plan, ZdmError *err)
{
    if (o->database)
        return db_decide_pending(a, h, o->database, o->schema, &plan->assumption, err);
    if (h->explicit_files) {
        if (o->deployed || o->since)
            return zdm_error(err, NULL, 0, 0,
                             "--deployed and --since need a migrations directory, not single files");
        plan->assumption = arena_printf(a,
            "zdm: %d file%s checked as pending; objects they do not create are taken as existing",
            h->n, h->n == 1 ? "" : "s");
        return 0;
    }
    if (o->deployed) {
        int k = find_migration(h, o->deployed, err);
        if (k < 0)
            return -1;
        for (int i = 0; i <= k; i++)
            h->items[i]->phase = PHASE_DEPLOYED;
        int n = count_pending(h);
        plan->assumption = n ? arena_printf(a, "zdm: %d pending migration%s after %s (--deployed)",
                                            n, n == 1 ? "" : "s", h->items[k]->name)
                             : arena_printf(a, "zdm: nothing pending: %s is the newest migration (--deployed)",
                                            h->items[k]->name);
        return 0;
    }
    if (o->since) {
        if (source_deployed_since(a, h, o->since, err) < 0)
            return -1;
        int n = count_pending(h);
        plan->assumption = arena_printf(a, "zdm: %d pending migration%s: not in git revision %s (--since)",
                                        n, n == 1 ? "" : "s", o->since);
        return 0;
    }
    for (int i = 0; i + 1 < h->n; i++)
        h->items[i]->phase = PHASE_DEPLOYED;
    plan->assumption = arena_printf(a,
        "zdm: assuming only the newest migration, %s, is pending "
        "(say what is live with --deployed NAME or --since REF)",
        h->items[h->n - 1]->name);
    return 0;
}

static int run(int argc, char **argv, Arena *a, ZdmError *err, bool gate)
{
    PlanOptions o = {0};
    int rc = parse_options(argc, argv, a, &o, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    History h = {0};
    if (source_load(a, (char **)o.paths.items, o.paths.len, &h, err) < 0)
        return -1;
    Plan plan = {0};
    if (decide_pending(a, &h, &o, &plan, err) < 0)
        return -1;
    /* The analysis replays each migration as soon as it is parsed, while the
     * next ones parse on the other cores; a syntax error anywhere stops it,
     * and nothing is reported but that error. */
    AnalysisOptions opt = {.pg_version = o.pg_version, .parsing = sql_parse_start(a, &h)};
    int analysed = analysis_run(a, &h, &opt, &plan, err);
    if (sql_parse_finish(opt.parsing, err) < 0 || analysed < 0)
        return -1;
    bool color = o.color == 1 ||
                 (o.color == -1 && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    report_render(a, &plan, o.format, color, stdout);
    if (!gate)
        return 0;
    for (int s = o.fail_on; s <= SEV_ERROR; s++)
        if (plan.counts[s])
            return 1;
    return 0;
}

int cmd_plan(int argc, char **argv, Arena *a, ZdmError *err) { return run(argc, argv, a, err, false); }

int cmd_check(int argc, char **argv, Arena *a, ZdmError *err) { return run(argc, argv, a, err, true); }

int cmd_rules(int argc, char **argv, Arena *a, ZdmError *err)
{
    (void)a;
    bool ids = argc > 1 && strcmp(argv[1], "--ids") == 0;
    if (argc > 1 && !ids)
        return zdm_error(err, NULL, 0, 0, "usage: zdm rules [--ids]");
    for (const Rule *r = analysis_rules; r->id; r++) {
        if (ids)
            printf("%s\n", r->id);
        else
            printf("%-34s %-8s %s\n", r->id, severity_name(r->severity), r->summary);
    }
    return 0;
}
