/*
 * gitlab.c — GitLab Code Quality: a JSON array of issues, the artifact a
 * job names under artifacts:reports:codequality; GitLab shows them in the
 * merge request's widget and diff.
 *
 * Each issue has description, check_name, fingerprint, severity and
 * location.path / location.lines.begin (docs.gitlab.com, "Code Quality").
 * GitLab tells a new issue from a fixed one by its fingerprint, so the
 * fingerprint leaves out the line number: a finding keeps its fingerprint
 * when lines are added above it. Acknowledged findings are left out: the
 * format has no way to say "dismissed".
 */
#include <stdio.h>

#include "../util/sha256.h"
#include "report.h"

static const char *severity_name_gitlab(Severity s)
{
    switch (s) {
    case SEV_ERROR: return "critical";
    case SEV_WARNING: return "major";
    case SEV_NOTICE: return "minor";
    }
    return "info";
}

static void issue(ReportJson *j, const char *check, const char *description, const char *fingerprint,
                  const char *severity, const char *path, int line)
{
    report_json_open(j, '{');
    report_json_key(j, "description");
    report_json_str(j, description);
    report_json_key(j, "check_name");
    report_json_str(j, check);
    report_json_key(j, "fingerprint");
    report_json_str(j, fingerprint);
    report_json_key(j, "severity");
    report_json_str(j, severity);
    report_json_key(j, "location");
    report_json_open(j, '{');
    report_json_key(j, "path");
    report_json_str(j, path && *path ? path : "-");
    report_json_key(j, "lines");
    report_json_open(j, '{');
    report_json_key(j, "begin");
    report_json_int(j, line > 0 ? line : 1);
    report_json_close(j, '}');
    report_json_close(j, '}');
    report_json_close(j, '}');
}

/* sha256 of rule, path, message, and how many equal findings came before. */
static const char *fingerprint(Arena *a, const char *rule, const char *path, const char *message, int nth)
{
    char *key = arena_printf(a, "%s%c%s%c%s%c%d", rule, 0, path ? path : "", 0, message ? message : "", 0, nth);
    size_t n = strlen(rule) + 1 + strlen(path ? path : "") + 1 + strlen(message ? message : "") + 1;
    n += strlen(key + n);
    char *hex = arena_alloc(a, 65);
    sha256_hex(key, n, hex);
    return hex;
}

void report_gitlab(Arena *a, const Plan *plan, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    report_json_open(&j, '[');
    StrMap seen = {0};
    for (int i = 0; i < plan->findings.len; i++) {
        const Finding *f = LIST_GET(&plan->findings, i);
        if (f->acknowledged)
            continue;
        const char *rule = f->rule ? f->rule->id : "finding";
        const char *description = f->fix && f->fix[0] ? arena_printf(a, "%s\nFix: %s", f->message, f->fix)
                                                      : f->message;
        const char *same = arena_printf(a, "%s\n%s\n%s", rule, f->file ? f->file : "", f->message);
        int *count = strmap_get(&seen, same);
        if (!count) {
            count = arena_alloc(a, sizeof *count);
            strmap_put(a, &seen, same, count);
        }
        issue(&j, arena_printf(a, "zdm/%s", rule), description, fingerprint(a, rule, f->file, f->message, (*count)++),
              severity_name_gitlab(f->severity), f->file, f->line);
    }
    report_json_close(&j, ']');
}

void report_gitlab_error(Arena *a, const ZdmError *err, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    report_json_open(&j, '[');
    const char *id = report_error_id(err);
    issue(&j, arena_printf(a, "zdm/%s", id), err->message, fingerprint(a, id, err->file, err->message, 0),
          "blocker", err->file, err->line);
    report_json_close(&j, ']');
}
