/*
 * gcc.c — one line per finding, as compilers print diagnostics:
 *
 *   migrations/0002_x.sql:4:1: warning: DROP COLUMN ... [drop-column]
 *
 * Editors (Vim's quickfix, Emacs' compilation mode, VS Code's problem
 * matchers) and grep read this form as it is. The message is one line: its
 * newlines become spaces; the fix stays in the other formats.
 */
#include "report.h"

static const char *severity_word(Severity s)
{
    switch (s) {
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_NOTICE: return "note";
    }
    return "note";
}

static void put_line(FILE *out, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

static void location(FILE *out, const char *file, int line, int column)
{
    put_line(out, file && *file ? file : "-");
    if (line > 0)
        fprintf(out, ":%d", line);
    if (line > 0 && column > 0)
        fprintf(out, ":%d", column);
    fputs(": ", out);
}

void report_gcc(Arena *a, const Plan *plan, FILE *out)
{
    (void)a;
    for (int i = 0; i < plan->findings.len; i++) {
        const Finding *f = LIST_GET(&plan->findings, i);
        if (f->acknowledged)
            continue;
        location(out, f->file, f->line > 0 ? f->line : 1, f->stmt ? f->column : 0);
        fprintf(out, "%s: ", severity_word(f->severity));
        put_line(out, f->message);
        fprintf(out, " [%s]\n", f->rule ? f->rule->id : "finding");
    }
}

void report_gcc_error(const ZdmError *err, FILE *out)
{
    location(out, err->file, err->line, err->column);
    fputs("error: ", out);
    put_line(out, err->message);
    fprintf(out, " [%s]\n", report_error_id(err));
}
