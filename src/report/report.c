/*
 * report.c — choosing a renderer, and the summary line every format ends with.
 *
 * Each format lives in its own file (text.c, json.c, sarif.c, github.c); this
 * one only maps names to them, so adding a format touches one switch here.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "report.h"

int report_format_parse(const char *name, ReportFormat *out)
{
    static const struct {
        const char *name;
        ReportFormat format;
    } formats[] = {
        {"text", FORMAT_TEXT},
        {"json", FORMAT_JSON},
        {"sarif", FORMAT_SARIF},
        {"github", FORMAT_GITHUB},
        {"gitlab", FORMAT_GITLAB},
        {"gcc", FORMAT_GCC},
    };
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(name, formats[i].name) == 0) {
            if (out)
                *out = formats[i].format;
            return 0;
        }
    }
    return -1;
}

const char *report_rule_page(const char *id)
{
    for (const ReportRulePage *p = report_rule_pages; p->id; p++)
        if (strcmp(p->id, id) == 0)
            return p->markdown;
    return NULL;
}

int report_text_width;

int report_terminal_width(void)
{
    struct winsize ws;
    if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col < 20)
        return 0;
    return ws.ws_col;
}

bool report_use_color(int color)
{
    if (color >= 0)
        return color == 1;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0);
}

void report_render(Arena *a, const Plan *plan, ReportFormat format, bool color,
                   FILE *out)
{
    switch (format) {
    case FORMAT_TEXT:
        report_text(a, plan, color, out);
        return;
    case FORMAT_JSON:
        report_json(a, plan, out);
        return;
    case FORMAT_SARIF:
        report_sarif(a, plan, out);
        return;
    case FORMAT_GITHUB:
        report_github(a, plan, out);
        return;
    case FORMAT_GITLAB:
        report_gitlab(a, plan, out);
        return;
    case FORMAT_GCC:
        report_gcc(a, plan, out);
        return;
    }
}

const char *report_error_id(const ZdmError *err)
{
    if (err->kind == ERR_DATABASE)
        return "database-error";
    /* the parser's errors are "syntax error at or near ..." (PostgreSQL's words) */
    if (strstr(err->message, "syntax error"))
        return "syntax-error";
    return "input-error";
}

void report_render_error(Arena *a, ReportFormat format, const ZdmError *err, FILE *out)
{
    switch (format) {
    case FORMAT_TEXT:
        return;
    case FORMAT_JSON:
        report_json_error(err, out);
        return;
    case FORMAT_SARIF:
        report_sarif_error(a, err, out);
        return;
    case FORMAT_GITHUB:
        report_github_error(err, out);
        return;
    case FORMAT_GITLAB:
        report_gitlab_error(a, err, out);
        return;
    case FORMAT_GCC:
        report_gcc_error(err, out);
        return;
    }
}

static void count(StrBuf *sb, int n, const char *one, const char *many)
{
    sb_printf(sb, "%d %s", n, n == 1 ? one : many);
}

const char *report_summary(Arena *a, const Plan *plan)
{
    StrBuf sb;
    sb_init(&sb, a);
    int errors = plan->counts[SEV_ERROR];
    int warnings = plan->counts[SEV_WARNING];
    int notices = plan->counts[SEV_NOTICE];
    if (errors + warnings + notices == 0) {
        sb_append(&sb, "no findings");
    } else {
        /* All three counts, even zeros: CI logs read the same every run. */
        count(&sb, errors, "error", "errors");
        sb_append(&sb, ", ");
        count(&sb, warnings, "warning", "warnings");
        sb_append(&sb, ", ");
        count(&sb, notices, "notice", "notices");
    }
    if (plan->acknowledged > 0)
        sb_printf(&sb, " (%d acknowledged)", plan->acknowledged);
    return sb.data;
}
