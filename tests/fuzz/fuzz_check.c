/*
 * fuzz_check.c — libFuzzer target for the whole `zdm check` path, in process:
 * the same steps as cmd_plan.c's run() (parse every migration, decide which
 * are pending, analyse, render) on migrations cut from the fuzzer's bytes,
 * with no file system in between.
 *
 * Input: SQL text. A line "-- next migration" starts another migration (at
 * most 8: 0001_a ... 0008_h; the eighth takes the rest). Inputs holding a NUL
 * byte are rejected, as util_read_file rejects such files. The run's settings
 * come from the last byte and the length, so the plain .sql seeds stay valid
 * SQL and the fuzzer varies the settings by changing one byte:
 *   pg_version 13..18, how many of the newest migrations are pending (0..3,
 *   the rest are deployed), or all pending as for single files, colour.
 * Every format is rendered to /dev/null. One arena per input, freed at the end,
 * so LeakSanitizer sees anything the path leaks outside it (e.g. catalogs).
 *
 * Build: make fuzz. Run: tests/fuzz/run [seconds].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "report/report.h"
#include "sql/sql.h"

#define MAX_MIGRATIONS 8

static const char separator[] = "-- next migration";

/* A UBSan report is a bug like a crash: stop so libFuzzer saves the input,
 * however the binary is started. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

/* Where a line starting with the separator begins, at or after from, or NULL. */
static const char *find_separator(const char *text, const char *from)
{
    for (const char *p = from; (p = strstr(p, separator)); p++)
        if (p == text || p[-1] == '\n')
            return p;
    return NULL;
}

static Migration *new_migration(Arena *a, int i, const char *text, size_t len)
{
    Migration *m = arena_alloc(a, sizeof *m);
    m->index = i;
    m->name = arena_printf(a, "%04d_%c", i + 1, 'a' + i);
    m->file = arena_printf(a, "migrations/%s.sql", m->name);
    m->text = arena_strndup(a, text, len); /* NUL-terminated, as util_read_file */
    m->len = len;
    m->phase = PHASE_NONE;
    m->directive = PHASE_NONE;
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        if (!devnull)
            abort();
    }
    if (size == 0 || memchr(data, '\0', size))
        return -1; /* util_read_file: "contains a NUL byte: not a text file" */

    unsigned ctl = data[size - 1] + (unsigned)size * 31u;
    int pg_version = SQL_PG_OLDEST + (int)(ctl % (SQL_PG_NEWEST - SQL_PG_OLDEST + 1));
    int pending = (int)(ctl / 7 % 4);
    bool explicit_files = ctl / 28 % 2;
    bool color = ctl / 56 % 2;

    Arena *a = arena_new();
    char *input = arena_strndup(a, (const char *)data, size);

    List migrations = {0};
    const char *start = input;
    for (int i = 0; i < MAX_MIGRATIONS; i++) {
        const char *sep = i + 1 < MAX_MIGRATIONS ? find_separator(input, start) : NULL;
        const char *end = sep ? sep : input + size;
        list_push(a, &migrations, new_migration(a, i, start, (size_t)(end - start)));
        if (!sep)
            break;
        const char *eol = strchr(sep, '\n');
        start = eol ? eol + 1 : input + size;
    }
    History h = {.items = (Migration **)migrations.items, .n = migrations.len,
                 .explicit_files = explicit_files};

    ZdmError err = {0};
    /* As the CLI: a syntax error anywhere means nothing is analysed. */
    for (int i = 0; i < h.n; i++)
        if (sql_parse_migration(a, h.items[i], &err) < 0)
            goto done;

    /* decide_pending: single files are all pending; a directory keeps the
     * newest `pending` migrations pending (0: --deployed the newest). */
    Plan plan = {0};
    if (explicit_files) {
        plan.assumption = arena_printf(a, "zdm: %d files checked as pending", h.n);
    } else {
        for (int i = 0; i < h.n - pending; i++)
            h.items[i]->phase = PHASE_DEPLOYED;
        plan.assumption = arena_printf(a, "zdm: %d pending migrations", pending);
    }

    AnalysisOptions opt = {.pg_version = pg_version};
    if (analysis_run(a, &h, &opt, &plan, &err) < 0)
        goto done;

    report_render(a, &plan, FORMAT_TEXT, color, devnull);
    report_render(a, &plan, FORMAT_JSON, false, devnull);
    report_render(a, &plan, FORMAT_SARIF, false, devnull);
    report_render(a, &plan, FORMAT_GITHUB, false, devnull);
    fflush(devnull);

done:
    arena_free(a); /* and the parse trees' memory contexts with it */
    return 0;
}
