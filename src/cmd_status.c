/*
 * cmd_status.c — `zdm status`: what the database has applied, what is
 * pending and in which phase the plan puts it, what changed since it was
 * applied, and what stopped midway. Reads only; takes no lock.
 */
#include <string.h>

#include "commands.h"
#include "report/report.h"
#include "backfill/backfill.h"
#include "db/db.h"
#include "sql/sql.h"

static const char status_usage[] =
    "usage: zdm status PATH [--database URL] [--schema NAME]\n"
    "\n"
    "One line per migration: applied (phase, when, how long), pending (the phase the\n"
    "plan puts it in), partial (a statement-by-statement migration that stopped;\n"
    "zdm migrate resumes it), edited (changed since it was applied), or missing\n"
    "(applied, but no longer in PATH). Exit 1 when a migration was edited.\n"
    "For a Django project, django_migrations says what is applied.\n"
    "\n"
    "  --database URL   default: DATABASE_URL, else libpq's PG* variables\n"
    "  --schema NAME    schema of the history table (default public)\n"
    "  --format FORMAT  text (default) or json (docs/json.md)\n";

enum { OPT_DATABASE = CLI_OPT_BASE, OPT_SCHEMA, OPT_FORMAT };

static const struct option status_options[] = {
    {"database", required_argument, NULL, OPT_DATABASE},
    {"schema", required_argument, NULL, OPT_SCHEMA},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

typedef struct StatusOptions {
    const char *url, *schema;
    bool json;
} StatusOptions;

static int status_set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    (void)a;
    StatusOptions *o = ctx;
    if (id == OPT_DATABASE)
        o->url = val;
    else if (id == OPT_SCHEMA)
        o->schema = val;
    else if (id == OPT_FORMAT && (strcmp(val, "text") == 0 || strcmp(val, "json") == 0))
        o->json = strcmp(val, "json") == 0;
    else if (id == OPT_FORMAT)
        return zdm_error(err, NULL, 0, 0, "--format takes text or json, not '%s'", val);
    else
        return zdm_error(err, NULL, 0, 0, "option --%s is not handled", name);
    return 0;
}

const CliCommand cli_status = {"status", status_usage, "applied, pending (with phase), edited since applied",
                               status_options, status_set};

static void member(ReportJson *j, const char *key, const char *value)
{
    report_json_key(j, key);
    report_json_str(j, value);
}

/* The same lines as text, as one JSON document (docs/json.md, "zdm status"). */
static int status_json(Arena *a, const History *h, const DbHistory *dh, bool django, const StrMap *jobs)
{
    ReportJson j;
    report_json_init(&j, stdout);
    report_json_open(&j, '{');
    report_json_key(&j, "format_version");
    report_json_int(&j, 1);
    report_json_key(&j, "history");
    report_json_open(&j, '{');
    member(&j, "table", django ? "django_migrations"
                        : dh->applied.len || !dh->foreign ? arena_printf(a, "%s.%s", dh->schema, DB_HISTORY_TABLE)
                                                           : dh->foreign);
    report_json_key(&j, "rows");
    report_json_int(&j, dh->applied.len);
    report_json_close(&j, '}');
    report_json_key(&j, "migrations");
    report_json_open(&j, '[');
    int edited = 0, pending = 0, partial = 0;
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        Applied *ap = db_history_find(dh, m->name);
        bool changed = !django && ap && ap->sha256 && strcmp(ap->sha256, db_migration_sha(a, m)) != 0;
        edited += changed;
        const char *state = changed                            ? "edited"
                            : ap && (django || ap->finished_at) ? "applied"
                            : m->phase == PHASE_DEPLOYED        ? "applied"
                            : ap                                ? "partial"
                                                                : "pending";
        partial += ap && !django && !ap->finished_at;
        pending += !ap && m->phase != PHASE_DEPLOYED;
        report_json_open(&j, '{');
        member(&j, "name", m->name);
        member(&j, "file", m->file);
        member(&j, "state", state);
        /* applied: the phase it ran in; pending or partial: the phase the plan puts it in */
        member(&j, "phase", ap && ap->phase && ap->finished_at ? ap->phase
                            : m->phase == PHASE_DEPLOYED        ? NULL
                                                                : phase_name(m->phase));
        member(&j, "started_at", ap ? ap->started_at : NULL);
        member(&j, "finished_at", ap ? ap->finished_at : NULL);
        report_json_key(&j, "duration_ms");
        if (ap && ap->finished_at && !django)
            report_json_int(&j, ap->duration_ms);
        else
            report_json_null(&j);
        member(&j, "recorded_by", !ap && m->phase == PHASE_DEPLOYED ? dh->foreign : NULL);
        report_json_key(&j, "statements_done");
        if (ap && !django && !ap->finished_at)
            report_json_int(&j, ap->last_statement);
        else
            report_json_null(&j);
        report_json_key(&j, "statements");
        if (ap && !django && !ap->finished_at)
            report_json_int(&j, ap->statements);
        else
            report_json_null(&j);
        report_json_key(&j, "backfill_jobs");
        report_json_open(&j, '[');
        for (int k = 0; !ap && m->phase != PHASE_DEPLOYED && k < m->requires_backfill.len; k++) {
            const char *job = LIST_GET(&m->requires_backfill, k);
            report_json_open(&j, '{');
            member(&j, "name", job);
            member(&j, "state", strmap_get(jobs, job));
            report_json_close(&j, '}');
        }
        report_json_close(&j, ']');
        report_json_close(&j, '}');
    }
    report_json_close(&j, ']');
    report_json_key(&j, "missing");
    report_json_open(&j, '[');
    for (int i = 0; i < dh->applied.len; i++) {
        Applied *ap = LIST_GET(&dh->applied, i);
        bool found = false;
        for (int k = 0; k < h->n && !found; k++)
            found = strcmp(h->items[k]->name, ap->name) == 0;
        if (!found)
            report_json_str(&j, ap->name);
    }
    report_json_close(&j, ']');
    report_json_key(&j, "summary");
    report_json_open(&j, '{');
    report_json_key(&j, "applied");
    report_json_int(&j, h->n - pending - partial);
    report_json_key(&j, "pending");
    report_json_int(&j, pending);
    report_json_key(&j, "partial");
    report_json_int(&j, partial);
    report_json_key(&j, "edited");
    report_json_int(&j, edited);
    report_json_close(&j, '}');
    report_json_close(&j, '}');
    return edited ? 1 : 0;
}

static int status(StatusOptions *po, int argc, char **argv, Arena *a, ZdmError *err)
{
    StatusOptions o = *po;
    List paths = {0};
    int rc = cli_parse(&cli_status, argc, argv, &o, &paths, a, err);
    po->json = o.json;
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (paths.len != 1)
        return cli_usage_error(&cli_status, err, "%s",
                               paths.len ? "give one migrations directory" : "no migrations directory given");
    const char *url = o.url, *schema = o.schema;
    History h = {0};
    int loaded = source_load(a, (char **)paths.items, paths.len, &h, err);
    source_print_notices(&h, stderr); /* a skipped seed.sql is never applied: say so */
    if (loaded < 0)
        return -1;
    if (h.explicit_files)
        return zdm_error(err, NULL, 0, 0, "zdm status needs a migrations directory, not single files");
    if (sql_parse_history(a, &h, err) < 0)
        return -1;
    PGconn *conn = db_connect(a, url, err);
    if (!conn)
        return -1;
    DbHistory dh;
    /* Django keeps its own history; zdm_migrations has no say there */
    bool django = db_is_django(&h);
    rc = django ? db_django_history(a, conn, &h, &dh, err) : db_history_read(a, conn, schema, &h, &dh, err);
    int pg_version = db_pg_version(conn);
    /* the backfill jobs pending migrations wait for: name -> state */
    StrMap jobs = {0};
    for (int i = 0; i < h.n && rc == 0; i++) {
        if (db_history_applied(&dh, h.items[i]))
            continue;
        for (int k = 0; k < h.items[i]->requires_backfill.len && rc == 0; k++) {
            const char *job = LIST_GET(&h.items[i]->requires_backfill, k), *state;
            rc = backfill_job_state(a, conn, schema, job, &state, err);
            strmap_put(a, &jobs, job, (void *)(state ? state : "not run"));
        }
    }
    PQfinish(conn);
    if (rc < 0)
        return -1;

    for (int i = 0; i < h.n; i++)
        h.items[i]->phase = db_history_applied(&dh, h.items[i]) ? PHASE_DEPLOYED : PHASE_NONE;
    Plan plan = {0};
    AnalysisOptions aopt = {.pg_version = pg_version};
    if (analysis_run(a, &h, &aopt, &plan, err) < 0)
        return -1;

    if (o.json)
        return status_json(a, &h, &dh, django, &jobs);
    if (django && !dh.exists)
        printf("history: none yet (django_migrations does not exist)\n");
    else if (django)
        printf("history: django_migrations, %d row%s of these apps\n", dh.applied.len, dh.applied.len == 1 ? "" : "s");
    else if (dh.applied.len)
        printf("history: %s.%s, %d row%s\n", dh.schema, DB_HISTORY_TABLE, dh.applied.len,
               dh.applied.len == 1 ? "" : "s");
    else if (dh.foreign)
        printf("history: %s (zdm migrate records these as a baseline on its first run)\n", dh.foreign);
    else
        printf("history: none yet (%s.%s does not exist or is empty)\n", dh.schema, DB_HISTORY_TABLE);
    int width = 0;
    for (int i = 0; i < h.n; i++) {
        int n = (int)strlen(h.items[i]->name);
        width = n > width ? n : width;
    }
    for (int i = 0; i < dh.applied.len; i++) {
        int n = (int)strlen(((Applied *)LIST_GET(&dh.applied, i))->name);
        width = n > width ? n : width;
    }
    int edited = 0, pending = 0, partial = 0;
    for (int i = 0; i < h.n; i++) {
        const Migration *m = h.items[i];
        Applied *ap = db_history_find(&dh, m->name);
        bool changed = ap && ap->sha256 && strcmp(ap->sha256, db_migration_sha(a, m)) != 0;
        edited += changed;
        if (ap && django) {
            printf("%-8s %-*s  %-13s %s  (django_migrations)\n", "applied", width, m->name, "-", ap->finished_at);
        } else if (ap && ap->finished_at) {
            printf("%-8s %-*s  %-13s %s  %ld ms%s\n", changed ? "edited" : "applied", width, m->name,
                   ap->phase, ap->finished_at, ap->duration_ms,
                   changed ? "  (the file changed since it was applied)" : "");
        } else if (m->phase == PHASE_DEPLOYED) {
            printf("%-8s %-*s  %-13s recorded by %s\n", "applied", width, m->name, "-", dh.foreign);
        } else if (ap) {
            partial++;
            printf("%-8s %-*s  %-13s %d of %d statements done since %s; zdm migrate resumes after them%s\n",
                   changed ? "edited" : "partial", width, m->name, phase_name(m->phase),
                   ap->last_statement, ap->statements, ap->started_at,
                   changed ? " (the file changed since it started)" : "");
        } else {
            pending++;
            printf("%-8s %-*s  %s", "pending", width, m->name, phase_name(m->phase));
            for (int k = 0; k < m->requires_backfill.len; k++) {
                const char *job = LIST_GET(&m->requires_backfill, k);
                printf("%s backfill job %s: %s", k ? ";" : "  needs", job, (const char *)strmap_get(&jobs, job));
            }
            putchar('\n');
        }
    }
    for (int i = 0; i < dh.applied.len; i++) {
        Applied *ap = LIST_GET(&dh.applied, i);
        bool found = false;
        for (int j = 0; j < h.n && !found; j++)
            found = strcmp(h.items[j]->name, ap->name) == 0;
        if (!found)
            printf("%-8s %-*s  %-13s %s  (applied, not in %s)\n", "missing", width, ap->name, ap->phase,
                   ap->finished_at ? ap->finished_at : "unfinished", (const char *)paths.items[0]);
    }
    printf("%d applied, %d pending, %d partial, %d edited\n", h.n - pending - partial, pending, partial,
           edited);
    return edited ? 1 : 0;
}

int cmd_status(int argc, char **argv, Arena *a, ZdmError *err)
{
    StatusOptions o = {.schema = "public"};
    return commands_json_failure(status(&o, argc, argv, a, err), o.json, argc, argv, err);
}
