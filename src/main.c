/*
 * main.c — zdm's entry point: picks the command, runs it, prints its error
 * and chooses the exit code (DESIGN.md §5: 0 clean, 1 findings at or above the
 * failing severity, 2 usage or input error, 3 database error).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage[] =
    "usage: zdm <command> [options]\n"
    "       zdm help <command>\n"
    "       zdm --version\n"
    "\n"
    "  plan  PATH...   which migrations run before / after the deploy, and why\n"
    "  check PATH...   the same, as a CI gate: exit 1 on findings at or above --fail-on\n"
    "  rules [ID]      list the rules, or print one rule's page\n"
    "  migrate PATH    apply the pending migrations (--phase before-deploy|after-deploy)\n"
    "  status  PATH    applied, pending (with phase), edited since applied\n"
    "  sql     PATH    the SQL each migration runs (for Django: the SQL zdm generates)\n"
    "  diff    PATH    live schema vs the schema the migrations describe\n"
    "                  (--against OTHER_PATH: two migration sets, no database)\n"
    "  test    PATH    run the migration tests (*.zdmtest) on a throwaway PostgreSQL\n"
    "  rehearse PATH   replay the deploy under live traffic; report failed queries and stalls\n"
    "  backfill TABLE  update rows in small resumable batches (--set, --where; --file,\n"
    "                  --resume NAME, --status)\n"
    "  stats           table sizes from production, for plan/check --stats (read-only)\n"
    "\n"
    "PATH is a migrations directory, a Django project, SQL files, or - for stdin.\n"
    "The database: --database URL, else DATABASE_URL, else libpq's PG* variables.\n"
    "\n"
    "Options come from the command line and from .zdm.ini, found in the working\n"
    "directory or the nearest parent up to the repository's root (--config FILE\n"
    "names another, --no-config reads none): keys are the long options' names,\n"
    "those before any [section] apply to every command, [plan], [migrate]... to one;\n"
    "the command line wins. Options may be abbreviated while unambiguous, given as\n"
    "--name=value, and -- ends them.\n"
    "\n"
    "Run `zdm help <command>` (or `zdm <command> --help`) for a command's options.\n";

static int help(int argc, char **argv)
{
    if (argc < 3) {
        fputs(usage, stdout);
        return 0;
    }
    const CliCommand *c = cli_find(argv[2]);
    if (!c) {
        fprintf(stderr, "zdm: no command '%s' (zdm help lists them)\n", argv[2]);
        return 2;
    }
    fputs(c->usage, stdout);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(int, char **, Arena *, ZdmError *);
} commands[] = {
    {"plan", cmd_plan},
    {"check", cmd_check},
    {"rules", cmd_rules},
    {"migrate", cmd_migrate},
    {"status", cmd_status},
    {"diff", cmd_diff},
    {"sql", cmd_sql},
    {"test", cmd_test},
    {"rehearse", cmd_rehearse},
    {"backfill", cmd_backfill},
    {"stats", cmd_stats},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("zdm %s\ngrammar: %s\n", zdm_version, zdm_grammar);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        Arena *a = arena_new();
        ZdmError err = {0};
        int code = commands[i].fn(argc - 1, argv + 1, a, &err);
        if (code < 0) {
            fflush(stdout);
            if (err.file[0] && err.line && err.column)
                fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
            else if (err.file[0] && err.line)
                fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.message);
            else if (err.file[0])
                fprintf(stderr, "%s: %s\n", err.file, err.message);
            else
                fprintf(stderr, "zdm: %s\n", err.message);
            code = err.kind ? (int)err.kind : 2;
        }
        arena_free(a);
        return code;
    }
    /* a typo of a command gets the nearest name, as an option's does */
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; zdm_commands[i]; i++) {
        int d = cli_edit_distance(argv[1], zdm_commands[i]->name);
        if (d < best_d) {
            best_d = d;
            best = zdm_commands[i]->name;
        }
    }
    if (best)
        fprintf(stderr, "zdm: unknown command '%s'; did you mean %s?\n", argv[1], best);
    else
        fprintf(stderr, "zdm: unknown command '%s'\n", argv[1]);
    fputs("usage: zdm <command> [options]  (zdm help lists the commands)\n", stderr);
    return 2;
}
