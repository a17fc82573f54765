/*
 * test_cli.c — option reading: getopt_long's forms, the errors a user sees,
 * and the configuration file's precedence and search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

enum { O_FORMAT = CLI_OPT_BASE, O_FORCE, O_FILTER, O_COLOR, O_NO_COLOR };

static const struct option opts[] = {
    {"format", required_argument, NULL, O_FORMAT}, {"force", no_argument, NULL, O_FORCE},
    {"filter", required_argument, NULL, O_FILTER}, {"color", no_argument, NULL, O_COLOR},
    {"no-color", no_argument, NULL, O_NO_COLOR},   {NULL, 0, NULL, 0},
};

typedef struct Seen {
    const char *format, *filter;
    int force, color;
} Seen;

static int set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    (void)a;
    Seen *s = ctx;
    switch (id) {
    case O_FORMAT:
        if (strcmp(val, "bad") == 0)
            return zdm_error(err, NULL, 0, 0, "--%s takes text, not '%s'", name, val);
        s->format = val;
        break;
    case O_FILTER: s->filter = val; break;
    case O_FORCE: s->force++; break;
    case O_COLOR: s->color = 1; break;
    case O_NO_COLOR: s->color = 0; break;
    }
    return 0;
}

static const CliCommand cmd = {"demo", "usage: zdm demo PATH [options]\n\nlong text\n", "a demo", opts, set};

/* cli_parse needs zdm_commands for the file's top-level keys; the real list
 * is in src/commands.c, linked in, and has no "demo": a [demo] section is
 * unknown there, so these tests keep to top-level keys the real commands
 * also have (format, color). */

static int parse(Seen *s, List *ops, ZdmError *err, Arena *a, int argc, ...)
{
    char *argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc] = NULL;
    return cli_parse(&cmd, argc, argv, s, ops, a, err);
}

static void forms_of_an_option(void **state)
{
    (void)state;
    Arena *a = arena_new();
    Seen s = {0};
    List ops = {0};
    ZdmError err = {0};
    assert_int_equal(parse(&s, &ops, &err, a, 9, "demo", "--no-config", "x", "--form=json", "--fil", "abc",
                           "--force", "--", "--color"),
                     0);
    assert_string_equal(s.format, "json");
    assert_string_equal(s.filter, "abc");
    assert_int_equal(s.force, 1);
    assert_int_equal(s.color, 0); /* after --, "--color" is an operand */
    assert_int_equal(ops.len, 2);
    assert_string_equal(LIST_GET(&ops, 0), "x");
    assert_string_equal(LIST_GET(&ops, 1), "--color");
    arena_free(a);
}

static void errors_name_the_option(void **state)
{
    (void)state;
    Arena *a = arena_new();
    Seen s = {0};
    List ops = {0};
    ZdmError err = {0};
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--no-config", "--fromat"), -1);
    assert_non_null(strstr(err.message, "did you mean --format?"));
    assert_non_null(strstr(err.message, "usage: zdm demo PATH [options] (see zdm help demo)"));
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--no-config", "--f"), -1);
    assert_non_null(strstr(err.message, "ambiguous: --format, --force or --filter?"));
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--no-config", "--format"), -1);
    assert_non_null(strstr(err.message, "--format needs a value"));
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--no-config", "--force=1"), -1);
    assert_non_null(strstr(err.message, "--force takes no value"));
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--no-config", "--zzzzzz"), -1);
    assert_null(strstr(err.message, "did you mean"));
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--no-config", "-x"), -1);
    assert_non_null(strstr(err.message, "unknown option '-x'"));
    arena_free(a);
}

static void file_then_command_line(void **state)
{
    (void)state;
    char dir[] = "/tmp/zdm-test-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/team.ini", dir);
    FILE *f = fopen(path, "w");
    fputs("# shared\nformat = json\ncolor = false\n\n[migrate]\nlock-timeout = 2s\n", f);
    fclose(f);
    Arena *a = arena_new();
    Seen s = {.color = -1};
    List ops = {0};
    ZdmError err = {0};
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--config", path), 0);
    assert_string_equal(s.format, "json");
    assert_int_equal(s.color, 0);
    s = (Seen){.color = -1};
    assert_int_equal(parse(&s, &ops, &err, a, 5, "demo", "--config", path, "--format", "text"), 0);
    assert_string_equal(s.format, "text");

    f = fopen(path, "w");
    fputs("color = true\nformat = bad\n", f);
    fclose(f);
    assert_int_equal(parse(&s, &ops, &err, a, 3, "demo", "--config", path), -1);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message, "--format takes text, not 'bad'");
    unlink(path);
    rmdir(dir);
    arena_free(a);
}

static void config_is_found_up_to_the_repository_root(void **state)
{
    (void)state;
    char dir[] = "/tmp/zdm-test-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char old[4096], p[512];
    assert_non_null(getcwd(old, sizeof old));
    Arena *a = arena_new();
    snprintf(p, sizeof p, "%s/repo/a/b", dir);
    char cmdline[700];
    snprintf(cmdline, sizeof cmdline, "mkdir -p %s && touch %s/.zdm.ini", p, dir);
    assert_int_equal(system(cmdline), 0);
    assert_int_equal(chdir(p), 0);
    /* outside a repository only the working directory counts */
    assert_null(cli_find_config(a));
    snprintf(cmdline, sizeof cmdline, "mkdir %s/repo/.git && touch %s/repo/.zdm.ini", dir, dir);
    assert_int_equal(system(cmdline), 0);
    assert_string_equal(cli_find_config(a), "../../.zdm.ini");
    snprintf(cmdline, sizeof cmdline, "touch %s/repo/a/b/.zdm.ini", dir);
    assert_int_equal(system(cmdline), 0);
    assert_string_equal(cli_find_config(a), ".zdm.ini");
    assert_int_equal(chdir(old), 0);
    snprintf(cmdline, sizeof cmdline, "rm -rf %s", dir);
    assert_int_equal(system(cmdline), 0);
    arena_free(a);
}

static void edit_distance(void **state)
{
    (void)state;
    assert_int_equal(cli_edit_distance("format", "format"), 0);
    assert_int_equal(cli_edit_distance("fromat", "format"), 1);
    assert_int_equal(cli_edit_distance("formt", "format"), 1);
    assert_int_equal(cli_edit_distance("", "abc"), 3);
    assert_int_equal(cli_parse_bool("Yes"), 1);
    assert_int_equal(cli_parse_bool("off"), 0);
    assert_int_equal(cli_parse_bool("maybe"), -1);
}

/* The format a failed command line asked for, read before its options are. */
static void format_asked_before_parsing(void **state)
{
    (void)state;
    char *a1[] = {"check", "--fail-on", "x", "--format", "json", "db", NULL};
    assert_string_equal(cli_format_asked(6, a1), "json");
    char *a2[] = {"check", "--format=sarif", "--format", "github", NULL};
    assert_string_equal(cli_format_asked(4, a2), "github"); /* the last one, as getopt takes it */
    char *a3[] = {"check", "--format=gcc", "--", "--format", "json", NULL};
    assert_string_equal(cli_format_asked(5, a3), "gcc"); /* after --: operands */
    char *a4[] = {"check", "db", "--format", NULL};
    assert_null(cli_format_asked(3, a4)); /* no value */
    char *a5[] = {"check", "--form", "json", NULL};
    assert_null(cli_format_asked(3, a5)); /* abbreviations are the parser's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms_of_an_option),
        cmocka_unit_test(errors_name_the_option),
        cmocka_unit_test(file_then_command_line),
        cmocka_unit_test(config_is_found_up_to_the_repository_root),
        cmocka_unit_test(edit_distance),
        cmocka_unit_test(format_asked_before_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
