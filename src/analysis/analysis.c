/*
 * analysis.c — findings bookkeeping shared by the rules and the planner.
 */
#include <stdio.h>
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

/* (kept, absorbed, what the kept finding adds of the absorbed one). */
static const struct {
    const char *kept, *absorbed, *message, *fix;
} merges[] = {
    {"drop-index-not-concurrent", "lock-timeout-missing",
     " No lock_timeout is set: nothing bounds that wait.",
     "\nIf it stays as it is: SET lock_timeout = '1s'; before it, so it gives up rather than "
     "queue every query (zdm migrate retries it)."},
    {"rename-column", "needs-two-releases", NULL, NULL},
    {"rename-table", "needs-two-releases", NULL, NULL},
};

static bool same_hazard(const Finding *k, const Finding *f, int *which)
{
    if (k == f || !k->stmt || k->stmt != f->stmt)
        return false;
    for (int i = 0; i < (int)(sizeof merges / sizeof merges[0]); i++)
        if (strcmp(k->rule->id, merges[i].kept) == 0 && strcmp(f->rule->id, merges[i].absorbed) == 0) {
            *which = i;
            return true;
        }
    return false;
}

static List without(Arena *a, const List *l, const StrMap *gone)
{
    List kept = {0};
    for (int i = 0; i < l->len; i++) {
        char key[32];
        snprintf(key, sizeof key, "%p", LIST_GET(l, i));
        if (!strmap_get(gone, key))
            list_push(a, &kept, LIST_GET(l, i));
    }
    return kept;
}

void plan_merge_findings(Arena *a, Plan *plan)
{
    StrMap gone = {0};
    int ngone = 0;
    /* Per migration: a statement's findings are few, so pairs are cheap. */
    for (int m = 0; plan->history && m < plan->history->n; m++) {
        const List *fs = &plan->history->items[m]->findings;
        for (int i = 0; i < fs->len; i++) {
            Finding *k = LIST_GET(fs, i);
            for (int j = 0; j < fs->len; j++) {
                Finding *f = LIST_GET(fs, j);
                int w;
                char key[32];
                snprintf(key, sizeof key, "%p", (void *)f);
                if (!same_hazard(k, f, &w) || strmap_get(&gone, key))
                    continue;
                if (f->severity > k->severity)
                    k->severity = f->severity;
                if (merges[w].message)
                    k->message = arena_printf(a, "%s%s", k->message, merges[w].message);
                if (merges[w].fix && k->fix)
                    k->fix = arena_printf(a, "%s%s", k->fix, merges[w].fix);
                /* one acknowledgement covers the one hazard */
                if (!k->acknowledged)
                    k->acknowledged = f->acknowledged;
                strmap_put(a, &gone, arena_strdup(a, key), f);
                ngone++;
            }
        }
    }
    if (!ngone)
        return;
    for (int m = 0; m < plan->history->n; m++)
        plan->history->items[m]->findings = without(a, &plan->history->items[m]->findings, &gone);
    plan->findings = without(a, &plan->findings, &gone);
    plan_recount(plan);
}

void plan_recount(Plan *plan)
{
    memset(plan->counts, 0, sizeof plan->counts);
    plan->acknowledged = 0;
    for (int i = 0; i < plan->findings.len; i++) {
        const Finding *f = LIST_GET(&plan->findings, i);
        if (f->acknowledged)
            plan->acknowledged++;
        else
            plan->counts[f->severity]++;
    }
}
