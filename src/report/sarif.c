/*
 * sarif.c — findings as SARIF 2.1.0, the format GitHub code scanning and most
 * editors' problem panes import.
 *
 * One run; the driver lists every rule zdm has (not only those that fired) so
 * a viewer can explain a rule id from the file alone, and carries the page
 * (docs/rules/ID.md, compiled in) of each rule a result names. Acknowledged findings
 * are kept as suppressed results: code scanning then shows them as dismissed
 * with the team's reason instead of silently losing them.
 */
#include <string.h>

#include "../cli/cli.h"
#include "report.h"

/*
 * The project's home page, when the build knows one (-DZDM_HOMEPAGE=...).
 * SARIF makes informationUri optional, and a made-up address would be worse
 * than none.
 */
#ifdef ZDM_HOMEPAGE
static const char *information_uri = ZDM_HOMEPAGE;
#else
static const char *information_uri = NULL;
#endif

static const char *level_name(Severity s)
{
    switch (s) {
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_NOTICE: return "note";
    }
    return "none";
}

/*
 * A file path as a URI reference (RFC 3986): relative paths stay relative to
 * the checkout, as code scanning expects; absolute ones become file:// URIs.
 */
static const char *path_uri(Arena *a, const char *path)
{
    StrBuf sb;
    sb_init(&sb, a);
    if (!path)
        return sb.data;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (path[0] == '/')
        sb_append(&sb, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            sb_appendn(&sb, (const char *)p, 1);
        else
            sb_printf(&sb, "%%%02X", *p);
    }
    return sb.data;
}

/* One element of a "locations" array: the file, and the line and column when
 * known (findings and errors alike). */
static void location(Arena *a, ReportJson *j, const char *file, int line, int column)
{
    report_json_open(j, '{');
    report_json_key(j, "physicalLocation");
    report_json_open(j, '{');
    report_json_key(j, "artifactLocation");
    report_json_open(j, '{');
    report_json_key(j, "uri");
    report_json_str(j, path_uri(a, file));
    report_json_close(j, '}');
    if (line > 0) {
        report_json_key(j, "region");
        report_json_open(j, '{');
        report_json_key(j, "startLine");
        report_json_int(j, line);
        if (column > 0) {
            report_json_key(j, "startColumn");
            report_json_int(j, column);
        }
        report_json_close(j, '}');
    }
    report_json_close(j, '}');
    report_json_close(j, '}');
}

static long rule_index(const Rule *rule)
{
    long i = 0;
    for (const Rule *r = analysis_rules; r->id; r++, i++)
        if (r == rule || (rule && util_streq(r->id, rule->id)))
            return i;
    return -1;
}

static void text_object(ReportJson *j, const char *key, const char *text)
{
    report_json_key(j, key);
    report_json_open(j, '{');
    report_json_key(j, "text");
    report_json_str(j, text);
    report_json_close(j, '}');
}

static void write_rules(const Plan *plan, ReportJson *j)
{
    report_json_key(j, "rules");
    report_json_open(j, '[');
    /* a run that stopped (plan NULL) applied no rule */
    for (const Rule *r = analysis_rules; plan && r->id; r++) {
        report_json_open(j, '{');
        report_json_key(j, "id");
        report_json_str(j, r->id);
        text_object(j, "shortDescription", r->summary);
        /* The rule's page itself, not a path into a checkout code scanning
         * cannot open; the markdown reads as plain text too. Only for the
         * rules this run reports: a page is a few kilobytes. */
        const char *page = report_rule_page(r->id);
        bool fired = false;
        for (int i = 0; plan && i < plan->findings.len && !fired; i++)
            fired = rule_index(((const Finding *)LIST_GET(&plan->findings, i))->rule) == r - analysis_rules;
        if (page && fired) {
            report_json_key(j, "help");
            report_json_open(j, '{');
            report_json_key(j, "text");
            report_json_str(j, page);
            report_json_key(j, "markdown");
            report_json_str(j, page);
            report_json_close(j, '}');
        }
        report_json_key(j, "defaultConfiguration");
        report_json_open(j, '{');
        report_json_key(j, "level");
        report_json_str(j, level_name(r->severity));
        report_json_close(j, '}');
        report_json_close(j, '}');
    }
    report_json_close(j, ']');
}

static void write_result(Arena *a, ReportJson *j, const Finding *f)
{
    report_json_open(j, '{');
    report_json_key(j, "ruleId");
    report_json_str(j, f->rule ? f->rule->id : "unknown");
    long idx = rule_index(f->rule);
    if (idx >= 0) {
        report_json_key(j, "ruleIndex");
        report_json_int(j, idx);
    }
    report_json_key(j, "level");
    report_json_str(j, level_name(f->severity));
    /* SARIF has no field for a fix in prose; the message carries it. */
    const char *text = f->message ? f->message : "";
    if (f->fix && f->fix[0])
        text = arena_printf(a, "%s\nFix: %s", text, f->fix);
    text_object(j, "message", text);

    report_json_key(j, "locations");
    report_json_open(j, '[');
    location(a, j, f->file, f->line, f->column);
    report_json_close(j, ']');

    if (f->acknowledged) {
        report_json_key(j, "suppressions");
        report_json_open(j, '[');
        report_json_open(j, '{');
        report_json_key(j, "kind");
        report_json_str(j, "inSource");
        report_json_key(j, "justification");
        report_json_str(j, f->acknowledged);
        report_json_close(j, '}');
        report_json_close(j, ']');
    }
    report_json_close(j, '}');
}

/* The document up to the run's results: the tool, its rules (each page
 * only for the rules plan's findings name; plan NULL: none at all) and
 * columnKind. */
static void open_run(ReportJson *j, const Plan *plan)
{
    report_json_open(j, '{');
    report_json_key(j, "$schema");
    report_json_str(j, "https://json.schemastore.org/sarif-2.1.0.json");
    report_json_key(j, "version");
    report_json_str(j, "2.1.0");
    report_json_key(j, "runs");
    report_json_open(j, '[');
    report_json_open(j, '{');

    report_json_key(j, "tool");
    report_json_open(j, '{');
    report_json_key(j, "driver");
    report_json_open(j, '{');
    report_json_key(j, "name");
    report_json_str(j, "zdm");
    report_json_key(j, "version");
    report_json_str(j, zdm_version);
    if (information_uri) {
        report_json_key(j, "informationUri");
        report_json_str(j, information_uri);
    }
    write_rules(plan, j);
    report_json_close(j, '}');
    report_json_close(j, '}');

    /* util_line_col counts characters, not UTF-16 units (SARIF's default). */
    report_json_key(j, "columnKind");
    report_json_str(j, "unicodeCodePoints");
}

static void close_run(ReportJson *j)
{
    report_json_close(j, '}');
    report_json_close(j, ']');
    report_json_close(j, '}');
}

void report_sarif(Arena *a, const Plan *plan, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    open_run(&j, plan);
    report_json_key(&j, "results");
    report_json_open(&j, '[');
    for (int i = 0; i < plan->findings.len; i++)
        write_result(a, &j, LIST_GET(&plan->findings, i));
    report_json_close(&j, ']');
    close_run(&j);
}

/* The location of an error, when it names a file. */
static void error_location(Arena *a, ReportJson *j, const ZdmError *err)
{
    report_json_key(j, "locations");
    report_json_open(j, '[');
    if (err->file[0])
        location(a, j, err->file, err->line, err->column);
    report_json_close(j, ']');
}

/*
 * A run that stopped: the error as a result (code scanning shows results,
 * and an empty list would read as "no findings"), and as the invocation's
 * notification with executionSuccessful false, which is where SARIF puts a
 * tool's own failure.
 */
void report_sarif_error(Arena *a, const ZdmError *err, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    open_run(&j, NULL);
    report_json_key(&j, "invocations");
    report_json_open(&j, '[');
    report_json_open(&j, '{');
    report_json_key(&j, "executionSuccessful");
    report_json_bool(&j, false);
    report_json_key(&j, "toolExecutionNotifications");
    report_json_open(&j, '[');
    report_json_open(&j, '{');
    report_json_key(&j, "level");
    report_json_str(&j, "error");
    text_object(&j, "message", err->message);
    error_location(a, &j, err);
    report_json_close(&j, '}');
    report_json_close(&j, ']');
    report_json_close(&j, '}');
    report_json_close(&j, ']');
    report_json_key(&j, "results");
    report_json_open(&j, '[');
    report_json_open(&j, '{');
    report_json_key(&j, "ruleId");
    report_json_str(&j, report_error_id(err));
    report_json_key(&j, "level");
    report_json_str(&j, "error");
    text_object(&j, "message", err->message);
    error_location(a, &j, err);
    report_json_close(&j, '}');
    report_json_close(&j, ']');
    close_run(&j);
}
