/*
 * commands.c — the list of commands, in the order `zdm --help` and the man
 * page show them. Each command's usage and options live in its own file.
 */
#include "cli/cli.h"
#include "commands.h"

const CliCommand *const zdm_commands[] = {
    &cli_plan, &cli_check, &cli_rules, &cli_migrate, &cli_status, &cli_sql,
    &cli_diff, &cli_test, &cli_rehearse, &cli_backfill, &cli_stats, NULL,
};
