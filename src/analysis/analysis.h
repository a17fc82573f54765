/*
 * analysis.h — from replayed migrations to a Plan: findings (rules),
 * compatibility of code versions with schema states, and the phase planner.
 *
 * One Plan feeds every consumer: `plan` prints it, `check` gates CI on it.
 * No consumer re-derives what the planner decided.
 */
#ifndef ZDM_ANALYSIS_H
#define ZDM_ANALYSIS_H

#include "../catalog/replay.h"

typedef enum Severity {
    SEV_NOTICE = 0,
    SEV_WARNING,
    SEV_ERROR,
} Severity;

typedef struct Rule {
    const char *id;      /* stable kebab-case id; docs/rules/<id>.md */
    Severity severity;
    const char *summary; /* one line, for --list-rules and SARIF */
} Rule;

typedef struct Finding {
    const Rule *rule;
    Severity severity;
    const char *message; /* what breaks in production, for whom */
    const char *fix;     /* exactly what to write instead, step by step */
    const Migration *migration;
    const Statement *stmt; /* NULL for a migration-level finding */
    const char *file;
    int line, column;
    const char *acknowledged; /* the reason from "-- zdm:allow", or NULL */
} Finding;

typedef struct Plan {
    int pg_version;
    const char *assumption; /* first line of output: which migrations are taken as pending, and why */
    const char *deployed;   /* name of the last deployed migration, or NULL */
    History *history;
    List findings;          /* Finding*, in file order */
    int counts[3];          /* unacknowledged findings per severity */
    int acknowledged;
    /* Django projects: the commands that run each phase (src/django), else NULL. */
    const char *run_before; /* "python manage.py migrate shop 0012_x", one line per app */
    const char *run_after;  /* "python manage.py migrate" */
    struct Creations *creations; /* rules.c's index of what the pending release creates */
} Plan;

typedef struct AnalysisOptions {
    int pg_version;
    /* Not NULL: the history is still being parsed (sql_parse_start), and each
     * migration is waited for just before it is replayed. */
    struct ParseRun *parsing;
    /* The database's default TimeZone is UTC (read with --database): each
     * migration's session starts in it (Replay.tz_default_utc). */
    bool server_tz_utc;
} AnalysisOptions;

/* The rule table, ending with a {NULL} entry. */
extern const Rule analysis_rules[];
const Rule *rule_find(const char *id);

/*
 * The whole analysis: replays the history (deployed migrations first, then
 * pending ones), runs the rules on pending statements, and places every
 * pending migration. Migrations whose phase is PHASE_DEPLOYED on entry are
 * live. Returns 0, or -1 with err.
 */
int analysis_run(Arena *a, History *h, const AnalysisOptions *opt, Plan *plan,
                 ZdmError *err);

/* Rules (rules.c): appends findings for one pending migration whose
 * statements already carry their Effects. */
void rules_check_migration(Arena *a, Plan *plan, Migration *m);

/* One hazard, one finding: where two rules report the same hazard on the
 * same statement (DROP INDEX and the lock_timeout it lacks; a rename and the
 * two releases it needs), keeps the more specific one, at the stronger
 * severity, saying what the other said; counts again. */
void plan_merge_findings(Arena *a, Plan *plan);
/* counts and acknowledged, again from plan->findings (after some were dropped). */
void plan_recount(Plan *plan);

/* Records a finding, honouring "-- zdm:allow" on the statement or the file. */
Finding *plan_add_finding(Arena *a, Plan *plan, Migration *m, const Statement *s,
                          int offset, const char *rule_id, const char *message,
                          const char *fix);

const char *severity_name(Severity s);
const char *phase_name(Phase p); /* "before-deploy" ... as in the JSON */

#endif
