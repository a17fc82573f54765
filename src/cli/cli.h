/*
 * cli.h — how every command reads its options: from the command line by
 * getopt_long, and from the configuration file .zdm.ini (docs/config.md).
 *
 * A command describes itself once, as git's builtin/ commands do: its usage
 * text (printed whole by --help and `zdm help COMMAND`; its first line is the
 * short usage printed under an error), its long options, and one function
 * that takes an option's value. That function sees the same option whether
 * it came from the file or the command line, so both are checked alike; the
 * file's values are given first, so the command line wins.
 */
#ifndef ZDM_CLI_H
#define ZDM_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "../util/util.h"

/* Commands number their options from here: getopt_long returns 1 for an
 * operand, and '?', ':' and 'h' mean themselves. */
#define CLI_OPT_BASE 256

typedef struct CliCommand {
    const char *name;   /* "plan"; also the configuration file's section */
    const char *usage;  /* the full --help text; its first line is the short usage */
    const char *summary; /* one line for `zdm --help` and the man page's list */
    /* Long options, {NULL} terminated; val is what set() switches on (not 0
     * nor 'h'). "help", "config" and "no-config" are every command's own. */
    const struct option *options;
    /* Takes one option: name is its long name (as the user wrote it in full),
     * val NULL for a flag. Returns 0, or -1 with err; a message names the
     * option as "--name" and cli puts the file and line in front when the
     * value came from the configuration file. */
    int (*set)(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err);
} CliCommand;

/* Every command, NULL terminated (src/commands.c), in `zdm --help`'s order. */
extern const CliCommand *const zdm_commands[];
const CliCommand *cli_find(const char *name);

/*
 * Reads the configuration file, then argv (argv[0] is the command's name),
 * giving each option to cmd->set and each operand to operands (in order; all
 * arguments after "--" are operands). Returns 0; 1 after printing the usage
 * for --help (the command then exits 0); -1 with err.
 */
int cli_parse(const CliCommand *cmd, int argc, char **argv, void *ctx, List *operands, Arena *a,
              ZdmError *err);

/* A usage error: message, then the command's short usage and where the rest
 * is. Returns -1. */
int cli_usage_error(const CliCommand *cmd, ZdmError *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The configuration file cli_parse would read from the working directory
 * (.zdm.ini here or in a parent up to the repository's root), or NULL. */
const char *cli_find_config(Arena *a);

/* zdm's version ("0.1.0") and the grammar it parses with (version.c). */
extern const char zdm_version[];
extern const char zdm_grammar[];

/*
 * The value of the last "--format X" or "--format=X" in argv (before "--"),
 * or NULL: for reporting, in the format asked for, an error met before
 * cli_parse reached --format (a wrong option in front of it). Only the full
 * spelling counts here; the parsed option is the truth once there is one.
 */
const char *cli_format_asked(int argc, char **argv);

/* "true"/"yes"/"on"/"1" → 1, "false"/"no"/"off"/"0" → 0, else -1. */
int cli_parse_bool(const char *s);

/* Optimal-string-alignment distance (an edit, or two letters swapped). */
int cli_edit_distance(const char *x, const char *y);

#endif
