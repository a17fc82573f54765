/*
 * cmd_rules.c — `zdm rules`: the rule table, or one rule's page.
 */
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "commands.h"
#include "report/report.h"

static const char rules_usage[] =
    "usage: zdm rules [--ids]\n"
    "       zdm rules ID\n"
    "\n"
    "Lists the rules: id, severity, what each catches. --ids prints the ids alone,\n"
    "one a line. With an ID, prints that rule's page: what happens in production,\n"
    "when it does not matter, what to write instead. Switch a rule off for a\n"
    "repository with exclude = ID in .zdm.ini, or accept one finding with a\n"
    "comment -- zdm:allow ID reason.\n";

enum { OPT_IDS = CLI_OPT_BASE };

static const struct option rules_options[] = {
    {"ids", no_argument, NULL, OPT_IDS},
    {NULL, 0, NULL, 0},
};

static int rules_set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    (void)val, (void)a;
    if (id != OPT_IDS)
        return zdm_error(err, NULL, 0, 0, "option --%s is not handled", name);
    *(bool *)ctx = true;
    return 0;
}

const CliCommand cli_rules = {"rules", rules_usage, "list the rules, or print one rule's page", rules_options,
                              rules_set};

int cmd_rules(int argc, char **argv, Arena *a, ZdmError *err)
{
    bool ids = false;
    List operands = {0};
    int rc = cli_parse(&cli_rules, argc, argv, &ids, &operands, a, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (operands.len > 1 || (operands.len && ids))
        return cli_usage_error(&cli_rules, err, "give one rule id, or --ids");
    if (operands.len) {
        const char *id = LIST_GET(&operands, 0);
        const Rule *r = rule_find(id);
        const char *page = r ? report_rule_page(r->id) : NULL;
        if (!r)
            return zdm_error(err, NULL, 0, 0, "no rule '%s' (zdm rules lists them)", id);
        if (!page)
            return zdm_error(err, NULL, 0, 0, "rule %s has no page in this build", id);
        fputs(page, stdout);
        return 0;
    }
    for (const Rule *r = analysis_rules; r->id; r++) {
        if (ids)
            printf("%s\n", r->id);
        else
            printf("%-34s %-8s %s\n", r->id, severity_name(r->severity), r->summary);
    }
    return 0;
}
