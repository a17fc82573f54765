/*
 * commands.c — the list of commands, in the order `zdm --help` and the man
 * page show them. Each command's usage and options live in its own file.
 */
#include <string.h>

#include "cli/cli.h"
#include "commands.h"
#include "report/report.h"

const CliCommand *const zdm_commands[] = {
    &cli_plan, &cli_check, &cli_rules, &cli_migrate, &cli_status, &cli_sql,
    &cli_diff, &cli_test, &cli_rehearse, &cli_backfill, &cli_stats, NULL,
};

int commands_json_failure(int rc, bool json, int argc, char **argv, const ZdmError *err)
{
    const char *asked = cli_format_asked(argc, argv);
    if (rc < 0 && (asked ? strcmp(asked, "json") == 0 : json))
        report_json_error(err, stdout);
    return rc;
}
