/*
 * prove.c — moving a scratch database through a history, for `zdm test` and
 * `zdm rehearse` (prove.h).
 *
 * Migrations are applied by zdm migrate's own runner (db_migrate), so a test
 * or a rehearsal exercises exactly what production would run: its history
 * table, lock_timeout and retries, statement-by-statement CONCURRENTLY. To
 * stop at a point, the runner is given the history cut after that point, in
 * RUN_ALL mode: it applies what is pending in order, with no phase gate
 * (both commands exist to show what a plan does, even a plan zdm would refuse).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sql/sql.h"
#include "../backfill/backfill.h"
#include "prove.h"
#include "server.h"

int prove_load(Arena *a, const char *path, History *h, ZdmError *err)
{
    char *paths[] = {(char *)path};
    struct stat st;
    if (stat(path, &st) != 0)
        return zdm_error(err, path, 0, 0, "cannot read %s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return zdm_error(err, path, 0, 0, "not a directory: give the migrations directory (or Django project)");
    if (source_load(a, paths, 1, h, err) < 0 || sql_parse_history(a, h, err) < 0)
        return -1;
    return 0;
}

int prove_find(const History *h, const char *name, const char *what, ZdmError *err)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->items[i]->name, name) == 0)
            return i;
    int found = -1;
    size_t n = strlen(name);
    for (int i = 0; i < h->n; i++)
        if (strncmp(h->items[i]->name, name, n) == 0) {
            if (found >= 0)
                return zdm_error(err, NULL, 0, 0, "%s %s matches both %s and %s: give the full name", what,
                                 name, h->items[found]->name, h->items[i]->name);
            found = i;
        }
    if (found < 0)
        return zdm_error(err, NULL, 0, 0, "%s %s: no such migration (the newest is %s)", what, name,
                         h->n ? h->items[h->n - 1]->name : "none");
    return found;
}

void prove_progress_init(Progress *p, const char *url, const char *dir)
{
    memset(p, 0, sizeof *p);
    p->url = url;
    p->dir = dir;
    db_run_options_default(&p->run);
    p->run.url = url;
    p->run.phase = RUN_ALL;
    p->run.scratch = true; /* a Django project's SQL, not its manage.py: its settings name another database */
}

/* backfills/NAME.sql in the migrations directory, or next to it. */
static const char *job_file(Arena *a, const char *dir, const char *name)
{
    const char *c[] = {arena_printf(a, "%s/backfills/%s.sql", dir, name),
                       arena_printf(a, "%s/../backfills/%s.sql", dir, name)};
    for (int i = 0; i < 2; i++)
        if (access(c[i], R_OK) == 0)
            return c[i];
    return NULL;
}

int prove_backfill(Arena *a, Progress *p, const char *name, FILE *log, ZdmError *err)
{
    const char *file = job_file(a, p->dir, name);
    if (!file)
        return zdm_error(err, NULL, 0, 0,
                         "backfill job %s: no file %s/backfills/%s.sql nor %s/../backfills/%s.sql", name,
                         p->dir, name, p->dir, name);
    size_t len;
    char *text = util_read_file(a, file, &len, err);
    if (!text)
        return -1;
    BackfillJob job;
    if (backfill_parse_file(a, file, text, len, &job, err) < 0)
        return -1;
    BackfillSettings cli;
    backfill_settings_unset(&cli);
    BackfillOptions o = {.url = p->url, .schema = "public", .progress = 0, .progress_every_ms = 3600 * 1000};
    FILE *out = log ? log : fopen("/dev/null", "w");
    int rc = backfill_run(a, &job, &cli, &o, out, err);
    if (!log && out)
        fclose(out);
    if (rc < 0)
        return -1;
    strmap_put(a, &p->jobs_done, arena_strdup(a, name), (void *)name);
    return 0;
}

/* db_migrate over h cut after migration last. */
static int migrate_cut(Arena *a, History *h, Progress *p, int last, FILE *log, ZdmError *err)
{
    History cut = *h;
    cut.n = last + 1;
    FILE *out = log ? log : fopen("/dev/null", "w");
    int rc = db_migrate(a, &cut, &p->run, out, err);
    if (!log && out)
        fclose(out);
    if (rc != 0) {
        if (rc > 0)
            zdm_error(err, NULL, 0, 0, "the runner refused to apply %s", h->items[last]->name);
        return -1;
    }
    p->applied = last + 1;
    return 0;
}

int prove_migrate_to(Arena *a, History *h, Progress *p, int upto, FILE *log, ZdmError *err)
{
    int from = p->applied;
    for (int i = from; i <= upto; i++) {
        Migration *m = h->items[i];
        for (int j = 0; j < m->requires_backfill.len; j++) {
            const char *job = LIST_GET(&m->requires_backfill, j);
            if (strmap_get(&p->jobs_done, job))
                continue;
            if (i > p->applied && migrate_cut(a, h, p, i - 1, log, err) < 0)
                return -1;
            if (prove_backfill(a, p, job, log, err) < 0)
                return -1;
        }
    }
    if (upto >= p->applied && migrate_cut(a, h, p, upto, log, err) < 0)
        return -1;
    return 0;
}
