/*
 * commands.h — one function per command, as git's builtin/. Each returns the
 * exit code, or -1 after filling err (main prints it and exits with its kind).
 * argv[0] is the command's name.
 */
#ifndef ZDM_COMMANDS_H
#define ZDM_COMMANDS_H

#include "cli/cli.h"
#include "util/util.h"

/* Each command's usage and options (src/cli/cli.h), beside its function. */
extern const CliCommand cli_plan, cli_check, cli_rules, cli_migrate, cli_status, cli_diff, cli_sql,
    cli_test, cli_rehearse, cli_backfill, cli_stats;

/*
 * A command whose report can be JSON reports its failure (rc -1, err) as
 * docs/json.md's Error document on stdout too, when JSON was asked for:
 * by the command line's --format (even if the mistake came before it), else
 * by what the options read so far say (json, from .zdm.ini). Returns rc.
 */
int commands_json_failure(int rc, bool json, int argc, char **argv, const ZdmError *err);

int cmd_plan(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_check(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_rules(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_migrate(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_status(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_diff(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_sql(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_test(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_rehearse(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_backfill(int argc, char **argv, Arena *a, ZdmError *err);
int cmd_stats(int argc, char **argv, Arena *a, ZdmError *err);

#endif
