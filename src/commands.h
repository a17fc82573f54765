/*
 * commands.h — one function per command, as git's builtin/. Each returns the
 * exit code, or -1 after filling err (main prints it and exits with its kind).
 */
#ifndef ZDM_COMMANDS_H
#define ZDM_COMMANDS_H

#include "util/util.h"

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

#endif
