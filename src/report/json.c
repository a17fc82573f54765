/*
 * json.c — the JSON writer the machine formats share, and zdm's own JSON
 * format (documented field by field in docs/json.md).
 *
 * JSON is written by hand rather than through cJSON: the output streams
 * straight to the FILE, is indented by two spaces (cJSON_Print uses tabs) and
 * needs no allocation, so nothing here depends on how cJSON's hooks are set.
 * Only the main thread writes reports, so the stdio calls skip their locking
 * (*_unlocked): a long history's report runs to tens of megabytes.
 */
#include <string.h>

#include "report.h"

/* Bumped only for a change that renames or removes a field (docs/json.md). */
#define JSON_FORMAT_VERSION 1

/* ---- writer ---------------------------------------------------------- */

static void put_text(const char *s, FILE *out) { fwrite_unlocked(s, 1, strlen(s), out); }

void report_json_init(ReportJson *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static void indent(ReportJson *j)
{
    static const char spaces[2 * REPORT_JSON_MAX_DEPTH + 1] =
        "                                                                ";
    putc_unlocked('\n', j->out);
    fwrite_unlocked(spaces, 1, 2 * (size_t)j->depth, j->out);
}

/* Separates a new member or element from the previous one. */
static void before_value(ReportJson *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (j->has_items[j->depth])
        putc_unlocked(',', j->out);
    j->has_items[j->depth] = true;
    indent(j);
}

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0.
 * Overlong forms, surrogates and code points past U+10FFFF are rejected, as
 * RFC 3629 asks, so a JSON parser never sees them.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Runs of characters that need no escape go out in one fwrite: reports of
 * long histories run to tens of megabytes. */
static void put_string(FILE *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    putc_unlocked('"', out);
    size_t run = 0; /* start of the pending run */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c >= 0x80 ? utf8_seq(s + i, n - i) : 1;
        if (c >= 0x20 && c != '"' && c != '\\' && len > 0) {
            i += len;
            continue;
        }
        fwrite_unlocked(s + run, 1, i - run, out);
        switch (c) {
        case '"': put_text("\\\"", out); break;
        case '\\': put_text("\\\\", out); break;
        case '\n': put_text("\\n", out); break;
        case '\r': put_text("\\r", out); break;
        case '\t': put_text("\\t", out); break;
        case '\b': put_text("\\b", out); break;
        case '\f': put_text("\\f", out); break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u%04x", c);
            else
                put_text("\\ufffd", out); /* Latin-1 files and the like: keep the output valid JSON */
        }
        run = ++i;
    }
    fwrite_unlocked(s + run, 1, i - run, out);
    putc_unlocked('"', out);
}

void report_json_open(ReportJson *j, char bracket)
{
    before_value(j);
    putc_unlocked(bracket, j->out);
    if (j->depth + 1 < REPORT_JSON_MAX_DEPTH) /* our documents nest < 10 deep */
        j->depth++;
    j->has_items[j->depth] = false;
}

void report_json_close(ReportJson *j, char bracket)
{
    bool had_items = j->has_items[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had_items) /* empty containers stay on one line: [] and {} */
        indent(j);
    putc_unlocked(bracket, j->out);
    if (j->depth == 0)
        putc_unlocked('\n', j->out);
}

void report_json_key(ReportJson *j, const char *key)
{
    before_value(j);
    put_string(j->out, key, strlen(key));
    put_text(": ", j->out);
    j->after_key = true;
}

void report_json_strn(ReportJson *j, const char *s, size_t n)
{
    if (!s) {
        report_json_null(j);
        return;
    }
    before_value(j);
    put_string(j->out, s, n);
}

void report_json_str(ReportJson *j, const char *s)
{
    report_json_strn(j, s, s ? strlen(s) : 0);
}

void report_json_int(ReportJson *j, long v)
{
    before_value(j);
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%ld", v);
    fwrite_unlocked(digits, 1, (size_t)n, j->out);
}

void report_json_double(ReportJson *j, double v, int decimals)
{
    before_value(j);
    if (!(v == v) || v > 1e300 || v < -1e300) { /* NaN and infinities are not JSON */
        put_text("null", j->out);
        return;
    }
    char digits[48];
    int n = snprintf(digits, sizeof digits, "%.*f", decimals, v);
    fwrite_unlocked(digits, 1, (size_t)n, j->out);
}

void report_json_bool(ReportJson *j, bool v)
{
    before_value(j);
    put_text(v ? "true" : "false", j->out);
}

void report_json_null(ReportJson *j)
{
    before_value(j);
    put_text("null", j->out);
}

/* ---- zdm's JSON format ----------------------------------------------- */

static void member_str(ReportJson *j, const char *key, const char *value)
{
    report_json_key(j, key);
    report_json_str(j, value);
}

static void member_int(ReportJson *j, const char *key, long value)
{
    report_json_key(j, key);
    report_json_int(j, value);
}

void report_json_statement(ReportJson *j, const Statement *s)
{
    report_json_open(j, '{');
    member_int(j, "index", s->index);
    member_int(j, "line", s->line);
    member_int(j, "column", s->column);
    report_json_key(j, "sql");
    report_json_strn(j, s->sql, s->sql && s->len > 0 ? (size_t)s->len : 0);
    report_json_key(j, "locks");
    report_json_open(j, '[');
    if (s->fx) {
        for (int i = 0; i < s->fx->locks.len; i++) {
            const LockTaken *lk = LIST_GET(&s->fx->locks, i);
            report_json_open(j, '{');
            member_str(j, "relation", lk->relation);
            member_str(j, "mode", lock_mode_name(lk->mode));
            report_json_key(j, "new_table");
            report_json_bool(j, lk->new_table);
            report_json_close(j, '}');
        }
    }
    report_json_close(j, ']');
    /* A statement the replay never reached has no cost rather than "none". */
    member_str(j, "cost", s->fx ? cost_name(s->fx->cost) : NULL);
    report_json_close(j, '}');
}

static void write_finding(ReportJson *j, const Finding *f)
{
    report_json_open(j, '{');
    member_str(j, "rule", f->rule ? f->rule->id : NULL);
    member_str(j, "severity", severity_name(f->severity));
    member_str(j, "message", f->message);
    member_str(j, "file", f->file);
    member_int(j, "line", f->line);
    member_int(j, "column", f->column);
    report_json_key(j, "statement");
    if (f->stmt)
        report_json_int(j, f->stmt->index);
    else
        report_json_null(j);
    member_str(j, "fix", f->fix);
    member_str(j, "acknowledged", f->acknowledged);
    report_json_close(j, '}');
}

static void write_migration(ReportJson *j, const Migration *m)
{
    report_json_open(j, '{');
    member_str(j, "name", m->name);
    member_str(j, "file", m->file);
    member_str(j, "phase", phase_name(m->phase));
    member_str(j, "reason", m->reason);
    report_json_key(j, "requires_backfill");
    report_json_open(j, '[');
    for (int i = 0; i < m->requires_backfill.len; i++)
        report_json_str(j, LIST_GET(&m->requires_backfill, i));
    report_json_close(j, ']');
    report_json_key(j, "statements");
    report_json_open(j, '[');
    /* Deployed migrations are context, not work: their statements are left out. */
    if (m->phase != PHASE_DEPLOYED)
        for (int i = 0; i < m->nstmts; i++)
            report_json_statement(j, m->stmts[i]);
    report_json_close(j, ']');
    report_json_key(j, "findings");
    report_json_open(j, '[');
    for (int i = 0; i < m->findings.len; i++)
        write_finding(j, LIST_GET(&m->findings, i));
    report_json_close(j, ']');
    report_json_close(j, '}');
}

void report_json(Arena *a, const Plan *plan, FILE *out)
{
    (void)a;
    ReportJson j;
    report_json_init(&j, out);
    report_json_open(&j, '{');
    member_int(&j, "format_version", JSON_FORMAT_VERSION);
    member_int(&j, "pg_version", plan->pg_version);
    member_str(&j, "assumption", plan->assumption);
    member_str(&j, "deployed", plan->deployed);
    /* Django projects only, so the format of SQL histories stays as it was */
    if (plan->run_before || plan->run_after) {
        report_json_key(&j, "commands");
        report_json_open(&j, '{');
        member_str(&j, "before_deploy", plan->run_before);
        member_str(&j, "after_deploy", plan->run_after);
        report_json_close(&j, '}');
    }
    report_json_key(&j, "migrations");
    report_json_open(&j, '[');
    if (plan->history)
        for (int i = 0; i < plan->history->n; i++)
            write_migration(&j, plan->history->items[i]);
    report_json_close(&j, ']');
    report_json_key(&j, "summary");
    report_json_open(&j, '{');
    member_int(&j, "errors", plan->counts[SEV_ERROR]);
    member_int(&j, "warnings", plan->counts[SEV_WARNING]);
    member_int(&j, "notices", plan->counts[SEV_NOTICE]);
    member_int(&j, "acknowledged", plan->acknowledged);
    report_json_close(&j, '}');
    report_json_close(&j, '}');
}

void report_json_error(const ZdmError *err, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    report_json_open(&j, '{');
    member_int(&j, "format_version", JSON_FORMAT_VERSION);
    report_json_key(&j, "error");
    report_json_open(&j, '{');
    member_str(&j, "kind", report_error_id(err));
    member_str(&j, "file", err->file[0] ? err->file : NULL);
    report_json_key(&j, "line");
    if (err->line > 0)
        report_json_int(&j, err->line);
    else
        report_json_null(&j);
    report_json_key(&j, "column");
    if (err->column > 0)
        report_json_int(&j, err->column);
    else
        report_json_null(&j);
    member_str(&j, "message", err->message);
    report_json_close(&j, '}');
    report_json_close(&j, '}');
}
