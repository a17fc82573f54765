/*
 * analysis.c — findings bookkeeping shared by the rules and the planner.
 */
#include <string.h>

#include "analysis.h"

const char *severity_name(Severity s)
{
    switch (s) {
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_NOTICE: return "notice";
    }
    return "?";
}

const char *phase_name(Phase p)
{
    switch (p) {
    case PHASE_DEPLOYED: return "deployed";
    case PHASE_BEFORE: return "before-deploy";
    case PHASE_AFTER: return "after-deploy";
    case PHASE_TWO_RELEASES: return "two-releases";
    case PHASE_NONE: break;
    }
    return "pending";
}

static const char *find_allow(const List *allows, const char *rule)
{
    for (int i = 0; i < allows->len; i++) {
        const Allow *al = LIST_GET(allows, i);
        if (strcmp(al->rule, rule) == 0)
            return al->reason;
    }
    return NULL;
}

Finding *plan_add_finding(Arena *a, Plan *plan, Migration *m, const Statement *s,
                          int offset, const char *rule_id, const char *message,
                          const char *fix)
{
    const Rule *rule = rule_find(rule_id);
    if (!rule)
        rule = rule_find("not-analysed"); /* a typo in our own table: stay visible */
    Finding *f = arena_alloc(a, sizeof *f);
    f->rule = rule;
    f->severity = rule->severity;
    f->message = message;
    f->fix = fix;
    f->migration = m;
    f->stmt = s;
    f->file = m->file;
    if (s && m->django) {
        /* generated SQL: the finding points at the operation in the .py file */
        f->line = s->line;
        f->column = s->column;
    } else if (s)
        util_line_col_from(m->text, s->offset, s->line, s->column,
                           offset >= 0 ? offset : s->offset, &f->line, &f->column);
    else {
        f->line = 1;
        f->column = 1;
    }
    f->acknowledged = s ? find_allow(&s->allows, rule->id) : NULL;
    if (!f->acknowledged)
        f->acknowledged = find_allow(&m->allows, rule->id);
    if (f->acknowledged)
        plan->acknowledged++;
    else
        plan->counts[f->severity]++;
    list_push(a, &plan->findings, f);
    list_push(a, &m->findings, f);
    return f;
}
