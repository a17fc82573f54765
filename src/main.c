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
    "\n"
    "  plan  PATH...   which migrations run before / after the deploy, and why\n"
    "  check PATH...   the same, as a CI gate: exit 1 on findings at or above --fail-on\n"
    "  rules           list the rules (docs/rules/<id>.md explains each)\n"
    "  migrate PATH    apply the pending migrations (--phase before-deploy|after-deploy)\n"
    "  status  PATH    applied, pending (with phase), edited since applied\n"
    "  sql     PATH    the SQL each migration runs (for Django: the SQL zdm generates)\n"
    "  diff    PATH    live schema vs the schema the migrations describe\n"
    "                  (--against OTHER_PATH: two migration sets, no database)\n"
    "  test    PATH    run the migration tests (*.zdmtest) on a throwaway PostgreSQL\n"
    "  rehearse PATH   replay the deploy under live traffic; report failed queries and stalls\n"
    "  backfill TABLE  update rows in small resumable batches (--set, --where; --file,\n"
    "                  --resume NAME, --status)\n"
    "\n"
    "PATH is a migrations directory, a Django project, SQL files, or - for stdin.\n"
    "The database: --database URL, else DATABASE_URL, else libpq's PG* variables.\n"
    "Run `zdm <command> --help` for the options.\n";

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
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        puts("zdm 0.1.0");
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
            if (err.file[0] && err.line)
                fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
            else if (err.file[0])
                fprintf(stderr, "%s: %s\n", err.file, err.message);
            else
                fprintf(stderr, "zdm: %s\n", err.message);
            code = err.kind ? (int)err.kind : 2;
        }
        arena_free(a);
        return code;
    }
    fprintf(stderr, "zdm: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
