/*
 * github.c — findings as GitHub Actions workflow commands, which the runner
 * turns into annotations on the pull request's diff:
 *
 *   ::error file=F,line=L,col=C,title=zdm <rule-id>::<message> Fix: <fix>
 *
 * The runner reads one command per line, so every newline in a message must
 * be escaped, or the rest of the fix would print as plain log text (and a
 * line starting with "::" could even be taken for a command of its own).
 */
#include <string.h>

#include "report.h"

static const char *command_name(Severity s)
{
    switch (s) {
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_NOTICE: return "notice";
    }
    return "notice";
}

/*
 * The runner's escaping (actions/toolkit, command.ts): '%', CR and LF in the
 * message; in property values also ':' and ',', which separate properties.
 */
static void put_escaped(FILE *out, const char *s, bool property)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '%': fputs("%25", out); break;
        case '\r': fputs("%0D", out); break;
        case '\n': fputs("%0A", out); break;
        case ':':
            if (property) fputs("%3A", out); else fputc(':', out);
            break;
        case ',':
            if (property) fputs("%2C", out); else fputc(',', out);
            break;
        default: fputc(*s, out);
        }
    }
}

static void write_finding(Arena *a, const Finding *f, FILE *out)
{
    fprintf(out, "::%s file=", command_name(f->severity));
    put_escaped(out, f->file ? f->file : "", true);
    /* A migration-level finding points at the file's first line, without a column. */
    if (f->line > 0)
        fprintf(out, ",line=%d", f->line);
    if (f->stmt && f->column > 0)
        fprintf(out, ",col=%d", f->column);
    fputs(",title=", out);
    put_escaped(out, arena_printf(a, "zdm %s", f->rule ? f->rule->id : "finding"), true);
    fputs("::", out);
    put_escaped(out, f->message ? f->message : "", false);
    if (f->fix && f->fix[0]) {
        fputs(" Fix: ", out);
        put_escaped(out, f->fix, false);
    }
    fputc('\n', out);
}

void report_github(Arena *a, const Plan *plan, FILE *out)
{
    for (int i = 0; i < plan->findings.len; i++) {
        const Finding *f = LIST_GET(&plan->findings, i);
        if (!f->acknowledged)
            write_finding(a, f, out);
    }
    fprintf(out, "zdm: %s\n", report_summary(a, plan));
}

void report_github_error(const ZdmError *err, FILE *out)
{
    fputs("::error ", out);
    if (err->file[0]) {
        fputs("file=", out);
        put_escaped(out, err->file, true);
        if (err->line > 0)
            fprintf(out, ",line=%d", err->line);
        if (err->line > 0 && err->column > 0)
            fprintf(out, ",col=%d", err->column);
        fputc(',', out);
    }
    fprintf(out, "title=zdm %s::", report_error_id(err));
    put_escaped(out, err->message, false);
    fputc('\n', out);
}
