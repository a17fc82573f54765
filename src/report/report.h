/*
 * report.h — rendering a Plan for people (text) and machines (json, sarif,
 * github workflow commands). Renderers only print what the planner decided.
 */
#ifndef ZDM_REPORT_H
#define ZDM_REPORT_H

#include <stdio.h>

#include "../analysis/analysis.h"

typedef enum ReportFormat {
    FORMAT_TEXT,
    FORMAT_JSON,
    FORMAT_SARIF,
    FORMAT_GITHUB,
    FORMAT_GITLAB,
    FORMAT_GCC,
} ReportFormat;

/* "text" | "json" | "sarif" | "github" | "gitlab" | "gcc" → 0, else -1. */
int report_format_parse(const char *name, ReportFormat *out);
#define REPORT_FORMATS "text, json, sarif, github, gitlab or gcc"

/* Whether text output is coloured: color 1 (--color) or 0 (--no-color) as
 * given; -1 decides: stdout a terminal, NO_COLOR unset or empty (no-color.org),
 * and TERM not "dumb". */
bool report_use_color(int color);

/* Each rule's page, docs/rules/ID.md, compiled in at build time
 * (scripts/embed-rules writes build/gen/rule_pages.c); {NULL} ends it. */
typedef struct ReportRulePage {
    const char *id;
    const char *markdown;
} ReportRulePage;

extern const ReportRulePage report_rule_pages[];
const char *report_rule_page(const char *id); /* NULL when the rule has no page */

/* Text output wraps its prose at this many columns; 0 (the default) never.
 * report_terminal_width() is the terminal's on stdout, 0 when it is none. */
extern int report_text_width;
int report_terminal_width(void);

/* color: use ANSI colours (text only; main decides: a TTY and no NO_COLOR). */
void report_render(Arena *a, const Plan *plan, ReportFormat format, bool color,
                   FILE *out);

/*
 * A run that stopped on an error (a syntax error, an unreadable file, the
 * database) in the format's own terms, on out: a SARIF result, a GitHub
 * ::error, a JSON object, a Code Quality issue, a gcc line. Text prints
 * nothing here: main prints the error on stderr in every format. CI then
 * shows the failure where it shows findings, never green-but-empty.
 */
void report_render_error(Arena *a, ReportFormat format, const ZdmError *err, FILE *out);

/*
 * Internal to src/report/: one renderer per file, reached through
 * report_render, and the pieces they share. Not for use outside this module.
 */
void report_text(Arena *a, const Plan *plan, bool color, FILE *out);   /* text.c */
void report_json(Arena *a, const Plan *plan, FILE *out);               /* json.c */
void report_sarif(Arena *a, const Plan *plan, FILE *out);              /* sarif.c */
void report_github(Arena *a, const Plan *plan, FILE *out);             /* github.c */
void report_gitlab(Arena *a, const Plan *plan, FILE *out);             /* gitlab.c */
void report_gcc(Arena *a, const Plan *plan, FILE *out);                /* gcc.c */
void report_json_error(const ZdmError *err, FILE *out);
void report_sarif_error(Arena *a, const ZdmError *err, FILE *out);
void report_github_error(const ZdmError *err, FILE *out);
void report_gitlab_error(Arena *a, const ZdmError *err, FILE *out);
void report_gcc_error(const ZdmError *err, FILE *out);
/* "syntax-error", "input-error" or "database-error": the id an error is
 * reported under where a format wants a rule. */
const char *report_error_id(const ZdmError *err);

/* "2 errors, 1 warning, 0 notices (1 acknowledged)" or "no findings". */
const char *report_summary(Arena *a, const Plan *plan);

/*
 * A streaming JSON writer (json.c) that indents by two spaces, as
 * JSON.stringify(v, null, 2) does, so the machine formats stay diffable.
 * Strings are escaped per RFC 8259; invalid UTF-8 becomes U+FFFD so the
 * output is always valid JSON whatever bytes a migration file holds.
 */
#define REPORT_JSON_MAX_DEPTH 32

typedef struct ReportJson {
    FILE *out;
    int depth;
    bool has_items[REPORT_JSON_MAX_DEPTH]; /* per open container */
    bool after_key;                        /* a value completes "key": */
} ReportJson;

void report_json_init(ReportJson *j, FILE *out);
void report_json_open(ReportJson *j, char bracket);  /* '{' or '[' */
void report_json_close(ReportJson *j, char bracket); /* '}' or ']' */
void report_json_key(ReportJson *j, const char *key);
void report_json_str(ReportJson *j, const char *s);  /* NULL writes null */
void report_json_strn(ReportJson *j, const char *s, size_t n);
void report_json_int(ReportJson *j, long v);
/* v with that many decimals ("12.5"); null for NaN or an infinity. */
void report_json_double(ReportJson *j, double v, int decimals);
void report_json_bool(ReportJson *j, bool v);
/* A Statement as the Plan's JSON writes it (docs/json.md): index, line,
 * column, sql, locks, cost. For other commands' documents that show one. */
void report_json_statement(ReportJson *j, const Statement *s);
void report_json_null(ReportJson *j);

#endif
