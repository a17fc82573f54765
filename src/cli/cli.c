/*
 * cli.c — options from the command line (getopt_long) and from .zdm.ini
 * (libinih), handed to the command's set() in one stream: the file first, so
 * that the command line wins.
 */
#include "cli.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every command's own options; the commands' ids are small positive ints or
 * letters, so these stay clear of them. */
enum { CLI_HELP = 0x1000, CLI_CONFIG, CLI_NO_CONFIG };

static const struct option common_options[] = {
    {"help", no_argument, NULL, CLI_HELP},
    {"config", required_argument, NULL, CLI_CONFIG},
    {"no-config", no_argument, NULL, CLI_NO_CONFIG},
    {NULL, 0, NULL, 0},
};

const CliCommand *cli_find(const char *name)
{
    for (int i = 0; zdm_commands[i]; i++)
        if (strcmp(zdm_commands[i]->name, name) == 0)
            return zdm_commands[i];
    return NULL;
}

const char *cli_format_asked(int argc, char **argv)
{
    const char *asked = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strncmp(argv[i], "--format=", 9) == 0)
            asked = argv[i] + 9;
        else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            asked = argv[++i];
    }
    return asked;
}

int cli_parse_bool(const char *s)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

int cli_edit_distance(const char *x, const char *y)
{
    size_t n = strlen(x), m = strlen(y);
    if (n > 64 || m > 64)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int cost = x[i - 1] != y[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

/* The line of the usage text that shows this command ("usage: zdm check
 * PATH... [options]" from the text plan and check share), else its first,
 * with its alignment spaces squeezed, and where the rest is. */
static void short_usage(const CliCommand *cmd, StrBuf *sb)
{
    char want[64];
    snprintf(want, sizeof want, "zdm %s ", cmd->name);
    const char *line = cmd->usage, *pick = NULL, *end = NULL;
    while (*line && *line != '\n') {
        end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        const char *z = strstr(line, want);
        if (z && z < end) {
            pick = z;
            break;
        }
        line = *end ? end + 1 : end;
    }
    if (!pick) {
        pick = cmd->usage + (strncmp(cmd->usage, "usage: ", 7) == 0 ? 7 : 0);
        end = strchr(pick, '\n');
        if (!end)
            end = pick + strlen(pick);
    }
    sb_append(sb, "usage: ");
    for (const char *p = pick; p < end; p++)
        if (!(*p == ' ' && p[1] == ' '))
            sb_appendn(sb, p, 1);
    sb_printf(sb, " (see zdm help %s)", cmd->name);
}

int cli_usage_error(const CliCommand *cmd, ZdmError *err, const char *fmt, ...)
{
    Arena *a = arena_new();
    StrBuf sb;
    sb_init(&sb, a);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    sb_append(&sb, "\n");
    short_usage(cmd, &sb);
    zdm_error(err, NULL, 0, 0, "%s", sb.data);
    arena_free(a);
    return -1;
}

/* Says what is wrong with the long option arg (argv's "--name[=value]")
 * that getopt_long refused: unknown (with the nearest name), ambiguous,
 * missing its value, or given one it does not take. */
static int bad_long_option(const CliCommand *cmd, const struct option *lo, const char *arg, bool missing,
                           Arena *a, ZdmError *err)
{
    const char *body = arg + 2, *eq = strchr(body, '=');
    size_t n = eq ? (size_t)(eq - body) : strlen(body);
    char *name = arena_strndup(a, body, n);
    const struct option *exact = NULL;
    List prefixed = {0};
    for (const struct option *o = lo; o->name; o++) {
        if (strcmp(o->name, name) == 0)
            exact = o;
        else if (strncmp(o->name, name, n) == 0)
            list_push(a, &prefixed, (void *)o);
    }
    const struct option *found = exact ? exact : prefixed.len == 1 ? LIST_GET(&prefixed, 0) : NULL;
    if (found && missing)
        return cli_usage_error(cmd, err, "--%s needs a value", found->name);
    if (found && eq && found->has_arg == no_argument)
        return cli_usage_error(cmd, err, "--%s takes no value (not '%s')", found->name, eq + 1);
    if (prefixed.len > 1 && n > 0) {
        StrBuf sb;
        sb_init(&sb, a);
        for (int i = 0; i < prefixed.len; i++)
            sb_printf(&sb, "%s--%s", i == 0 ? "" : i + 1 == prefixed.len ? " or " : ", ",
                      ((const struct option *)LIST_GET(&prefixed, i))->name);
        return cli_usage_error(cmd, err, "option '--%s' is ambiguous: %s?", name, sb.data);
    }
    const char *best = NULL;
    int best_d = 99;
    for (const struct option *o = lo; o->name; o++) {
        int d = cli_edit_distance(name, o->name);
        if (d < best_d) {
            best_d = d;
            best = o->name;
        }
    }
    /* Two edits, or a third of the name: close enough to be a typo, not so
     * loose that every short word matches something. */
    int limit = (int)n / 3 > 2 ? (int)n / 3 : 2;
    if (best && best_d <= limit && n > 1)
        return cli_usage_error(cmd, err, "unknown option '--%s'; did you mean --%s?", name, best);
    return cli_usage_error(cmd, err, "unknown option '--%s'", name);
}

const char *cli_find_config(Arena *a)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    /* How many levels up the repository's root is; outside a repository
     * only the working directory counts, so a stray file in /tmp or $HOME
     * does not configure every project below it. */
    int levels = 0, root = 0;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cwd);
    for (;;) {
        struct stat st;
        char *git = arena_printf(a, "%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
        if (stat(git, &st) == 0) {
            root = levels;
            break;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
        levels++;
    }
    StrBuf up;
    sb_init(&up, a);
    for (int k = 0; k <= root; k++) {
        char *path = arena_printf(a, "%s.zdm.ini", up.data);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return path;
        sb_append(&up, "../");
    }
    return NULL;
}

static const struct option *find_option(const struct option *opts, const char *name)
{
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

typedef struct ConfigRead {
    const CliCommand *cmd;
    void *ctx;
    Arena *a;
    const char *section; /* the section's command applies here */
    bool failed;
    ZdmError err;
} ConfigRead;

/* Gives one key of the file to the command, as if it were --key=value. */
static int apply_key(ConfigRead *r, const struct option *o, const char *value)
{
    const CliCommand *cmd = r->cmd;
    /* inih reuses its line buffer: the value must outlive the parse */
    value = arena_strdup(r->a, value);
    if (o->has_arg == no_argument) {
        int b = cli_parse_bool(value);
        if (b < 0)
            return zdm_error(&r->err, NULL, 0, 0, "%s takes true or false, not '%s'", o->name, value);
        if (b)
            return cmd->set(r->ctx, o->val, o->name, NULL, r->a, &r->err);
        /* "color = false" means --no-color; "no-progress = false", --progress */
        const struct option *neg = NULL;
        if (strncmp(o->name, "no-", 3) == 0)
            neg = find_option(cmd->options, o->name + 3);
        else
            neg = find_option(cmd->options, arena_printf(r->a, "no-%s", o->name));
        return neg ? cmd->set(r->ctx, neg->val, neg->name, NULL, r->a, &r->err) : 0;
    }
    if (!*value)
        return zdm_error(&r->err, NULL, 0, 0, "%s needs a value", o->name);
    return cmd->set(r->ctx, o->val, o->name, value, r->a, &r->err);
}

static int config_key(void *user, const char *section, const char *name, const char *value)
{
    ConfigRead *r = user;
    if (r->failed)
        return 1; /* only the first error is reported, at its line */
    int rc = 0;
    if (find_option(common_options, name)) {
        rc = zdm_error(&r->err, NULL, 0, 0, "'%s' belongs on the command line, not in a configuration file", name);
    } else if (!*section) {
        /* Every command that has the option takes it; it must be some
         * command's, or it is a typo. */
        const struct option *mine = find_option(r->cmd->options, name);
        bool known = mine != NULL;
        for (int i = 0; zdm_commands[i] && !known; i++)
            known = find_option(zdm_commands[i]->options, name) != NULL;
        if (!known)
            rc = zdm_error(&r->err, NULL, 0, 0, "unknown key '%s' (keys are the commands' long options)", name);
        else if (mine)
            rc = apply_key(r, mine, value);
    } else {
        const CliCommand *c = cli_find(section);
        const struct option *o = c ? find_option(c->options, name) : NULL;
        if (!c)
            rc = zdm_error(&r->err, NULL, 0, 0, "unknown section [%s] (sections are commands: [plan], [check], ...)",
                           section);
        else if (!o)
            rc = zdm_error(&r->err, NULL, 0, 0, "zdm %s has no option --%s", section, name);
        else if (c == r->cmd)
            rc = apply_key(r, o, value);
    }
    if (rc < 0) {
        r->failed = true;
        return 0;
    }
    return 1;
}

static int read_config(const CliCommand *cmd, const char *path, bool given, void *ctx, Arena *a, ZdmError *err)
{
    ConfigRead r = {.cmd = cmd, .ctx = ctx, .a = a};
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!given && errno == ENOENT)
            return 0;
        return zdm_error(err, path, 0, 0, "cannot read the configuration: %s", strerror(errno));
    }
    int line = ini_parse_file(f, config_key, &r);
    fclose(f);
    if (line == 0)
        return 0;
    if (line < 0)
        return zdm_error(err, path, 0, 0, "cannot read the configuration (out of memory)");
    if (!r.failed)
        return zdm_error(err, path, line, 0, "expected 'key = value', '[command]' or a '#' comment");
    *err = r.err;
    snprintf(err->file, sizeof err->file, "%s", path);
    err->line = line;
    err->column = 0;
    return -1;
}

typedef struct Given {
    int id;
    const char *name;
    const char *val;
} Given;

int cli_parse(const CliCommand *cmd, int argc, char **argv, void *ctx, List *operands, Arena *a,
              ZdmError *err)
{
    int n = 0;
    while (cmd->options[n].name)
        n++;
    struct option *lo = arena_alloc(a, (size_t)(n + 4) * sizeof *lo);
    memcpy(lo, cmd->options, (size_t)n * sizeof *lo);
    memcpy(lo + n, common_options, sizeof common_options);

    List given = {0};
    const char *config = NULL;
    bool no_config = false;
    /* "-": operands come back in place, as option 1, whatever POSIXLY_CORRECT
     * says; ":": a missing value is told apart from an unknown option. */
    optind = 0;
    opterr = 0;
    for (;;) {
        int idx = -1;
        int c = getopt_long(argc, argv, "-:h", lo, &idx);
        if (c == -1)
            break;
        if (c == 1) {
            list_push(a, operands, optarg);
        } else if (c == 'h' || c == CLI_HELP) {
            fputs(cmd->usage, stdout);
            return 1;
        } else if (c == '?' || c == ':') {
            const char *arg = argv[optind - 1];
            if (strncmp(arg, "--", 2) == 0)
                return bad_long_option(cmd, lo, arg, c == ':', a, err);
            return cli_usage_error(cmd, err, "unknown option '-%c'", optopt ? optopt : '?');
        } else if (c == CLI_CONFIG) {
            config = optarg;
        } else if (c == CLI_NO_CONFIG) {
            no_config = true;
        } else {
            Given *g = arena_alloc(a, sizeof *g);
            *g = (Given){c, idx >= 0 ? lo[idx].name : "", optarg};
            list_push(a, &given, g);
        }
    }
    for (int i = optind; i < argc; i++)
        list_push(a, operands, argv[i]);
    if (config && no_config)
        return cli_usage_error(cmd, err, "--config and --no-config contradict each other: give one");
    if (!no_config) {
        const char *path = config ? config : cli_find_config(a);
        if (path && read_config(cmd, path, config != NULL, ctx, a, err) < 0)
            return -1;
    }
    for (int i = 0; i < given.len; i++) {
        const Given *g = LIST_GET(&given, i);
        if (cmd->set(ctx, g->id, g->name, g->val, a, err) < 0)
            return -1;
    }
    return 0;
}
