/*
 * server.c — the throwaway PostgreSQL of `zdm test` and `zdm rehearse`.
 *
 * The server runs from a temporary directory (data/, server.log, and the
 * socket itself: no TCP port to collide with another run), with fsync off,
 * since nothing in it outlives the run. initdb refuses to run as root, so as
 * root both initdb and pg_ctl run as the postgres user (fork, setgid,
 * setuid), and the directory is made theirs. Each child runs in a session of
 * its own, so the Ctrl-C that the terminal sends to zdm's process group does
 * not shut the server down under zdm's feet: zdm stops it itself, in order.
 *
 * The server must not outlive zdm, even a zdm killed with kill -9: postgres
 * runs under a keeper, a small forked process that holds the read end of a
 * pipe whose write end only zdm has. When zdm closes it, or dies, the keeper
 * reads end-of-file, stops the server (immediate shutdown) and removes the
 * directory. A directory whose keeper is gone too (both killed) is removed by
 * the next run. Children get a clean environment (PATH and TZ only): the
 * caller's DATABASE_URL or PGPASSWORD must not be readable from the
 * server's /proc/PID/environ or from SQL on it; and postgres is started
 * with an argument vector, no shell, so no TMPDIR can be misread or run.
 *
 * With --database the user's database stands in for the server. zdm wipes it
 * before each use, so it must be one zdm may wipe: empty, or marked as
 * zdm's scratch database by an earlier run (a comment on the database), or
 * --force.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <poll.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../db/db.h"
#include "server.h"

#define SCRATCH_COMMENT "zdm scratch database: zdm test and zdm rehearse drop everything in it"

/* ---- finding the binaries ---------------------------------------------------------- */

static bool has_tools(Arena *a, const char *dir)
{
    return access(arena_printf(a, "%s/initdb", dir), X_OK) == 0 &&
           access(arena_printf(a, "%s/pg_ctl", dir), X_OK) == 0;
}

/* "/usr/lib/postgresql/15/bin/initdb" -> 15, for ordering newest first. */
static double version_of(const char *path)
{
    const char *p = strstr(path, "postgresql/");
    p = p ? p + 11 : strstr(path, "pgsql-");
    if (p && strncmp(p, "pgsql-", 6) == 0)
        p += 6;
    return p ? strtod(p, NULL) : 0;
}

static int newest_first(const void *x, const void *y)
{
    double a = version_of(*(char *const *)x), b = version_of(*(char *const *)y);
    return a < b ? 1 : a > b ? -1 : 0;
}

static const char *from_glob(Arena *a, const char *pattern)
{
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return NULL;
    qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), newest_first);
    const char *found = NULL;
    for (size_t i = 0; i < g.gl_pathc && !found; i++) {
        char *slash = strrchr(g.gl_pathv[i], '/');
        const char *dir = arena_strndup(a, g.gl_pathv[i], (size_t)(slash - g.gl_pathv[i]));
        if (has_tools(a, dir))
            found = dir;
    }
    globfree(&g);
    return found;
}

const char *server_find_bindir(Arena *a, const char *pg_bin, ZdmError *err)
{
    if (pg_bin) {
        if (has_tools(a, pg_bin))
            return pg_bin;
        zdm_error(err, NULL, 0, 0, "--pg-bin %s: no initdb and pg_ctl there", pg_bin);
        return NULL;
    }
    FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
    if (p) {
        char line[1024] = "";
        bool got = fgets(line, sizeof line, p) != NULL;
        pclose(p);
        line[strcspn(line, "\n")] = '\0';
        if (got && line[0] && has_tools(a, line))
            return arena_strdup(a, line);
    }
    const char *dir = from_glob(a, "/usr/lib/postgresql/*/bin/initdb");
    if (!dir)
        dir = from_glob(a, "/usr/pgsql-*/bin/initdb");
    if (!dir && has_tools(a, "/usr/local/pgsql/bin"))
        dir = "/usr/local/pgsql/bin";
    const char *path = getenv("PATH");
    for (const char *s = path; !dir && s && *s;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *d = arena_strndup(a, s, n);
        if (n && has_tools(a, d))
            dir = d;
        s = e ? e + 1 : NULL;
    }
    if (dir)
        return dir;
    zdm_error(err, NULL, 0, 0,
              "no PostgreSQL server found to start a throwaway one (initdb and pg_ctl: looked at "
              "pg_config --bindir, /usr/lib/postgresql/*/bin and PATH); install it (Debian, Ubuntu: "
              "apt-get install postgresql-15; Fedora: dnf install postgresql-server; macOS: brew "
              "install postgresql@15), or give --pg-bin DIR, or an existing database with --database URL");
    err->kind = ERR_DATABASE;
    return NULL;
}

/* ---- running initdb and postgres -------------------------------------------------------- */

/* The environment of every child: PATH and TZ, nothing the caller's
 * environment holds besides (built before fork: the child only reads it). */
static char **child_env(void)
{
    static char path[4096], tz[256];
    static char *env[3];
    const char *p = getenv("PATH"), *t = getenv("TZ");
    int n = 0;
    snprintf(path, sizeof path, "PATH=%s", p && strlen(p) < sizeof path - 6 ? p : "/usr/bin:/bin");
    env[n++] = path;
    if (t && strlen(t) < sizeof tz - 4) {
        snprintf(tz, sizeof tz, "TZ=%s", t);
        env[n++] = tz;
    }
    env[n] = NULL;
    return env;
}

/* In a child: become the server's user, output to log, stdin from /dev/null. */
static void child_setup(const Server *s, const char *log)
{
    if (s->as_postgres &&
        (setgroups(1, &s->gid) != 0 || setgid(s->gid) != 0 || setuid(s->uid) != 0)) {
        perror("zdm: cannot become the postgres user");
        _exit(127);
    }
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, 0);
        close(null);
    }
}

/* Runs argv[0] with argv, as the server's user, output appended to log.
 * Returns the exit status, or -1 when it could not run. */
static int run_tool(const Server *s, const char *log, char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setsid(); /* out of the terminal's process group: Ctrl-C is zdm's to handle */
        child_setup(s, log); /* the server's user, before the log is opened */
        execve(argv[0], argv, child_env());
        perror(argv[0]);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last lines of a log, for an error message. */
static const char *log_tail(Arena *a, const char *path)
{
    ZdmError ignore;
    size_t len = 0;
    char *text = util_read_file(a, path, &len, &ignore);
    if (!text)
        return "";
    int lines = 0;
    size_t i = len;
    while (i > 0 && lines < 6)
        if (text[--i] == '\n' && i + 1 < len)
            lines++;
    char *t = arena_strdup(a, text + i);
    for (char *p = t; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return t;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* ---- the keeper ----------------------------------------------------------------------- */

#define KEEPER_FILE "zdm.keeper" /* in the directory: the keeper's pid */

static const volatile sig_atomic_t never; /* for util_sleep_ms: sleeps nothing short */

/* A process that exists and is not a zombie (an orphan's zombie waits for
 * whatever reaps orphans here, which may be slow or nothing). */
static bool alive(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
        return false;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true; /* no /proc: kill's answer stands */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')'); /* "pid (comm) state ..." */
    return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

/* The keeper's life: start postgres, then wait for zdm's word or its death. */
static void keeper_main(const Server *s, int fd, char *const argv[], const char *log)
{
    pid_t pm = fork();
    if (pm < 0)
        _exit(1);
    if (pm == 0) {
        close(fd);
        child_setup(s, log);
        execve(argv[0], argv, child_env());
        perror(argv[0]);
        _exit(127);
    }
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, 500);
        int status;
        if (waitpid(pm, &status, WNOHANG) == pm)
            _exit(1); /* the server stopped on its own: zdm sees it go */
        if (n <= 0)
            continue;
        char c = 0;
        ssize_t k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 1 && c == 'k')
            _exit(0); /* --keep: the server goes on without its keeper */
        if (k == 1)
            continue;
        /* end of file: zdm is done, or dead */
        kill(pm, SIGQUIT); /* immediate shutdown: nothing in it outlives the run */
        for (int i = 0; i < 200 && waitpid(pm, &status, WNOHANG) == 0; i++)
            usleep(50 * 1000);
        if (waitpid(pm, &status, WNOHANG) == 0) {
            kill(pm, SIGKILL);
            waitpid(pm, &status, 0);
        }
        nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        _exit(0);
    }
}

/* Starts postgres under a keeper and waits until it accepts connections. */
static int start_keeper(Arena *a, Server *s, const char *data, const char *log)
{
    char *postgres[] = {arena_printf(a, "%s/postgres", s->bindir), "-D", (char *)data, "-k", (char *)s->dir,
                        "-c", "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off",
                        "-c", "synchronous_commit=off", "-c", "max_connections=200", NULL};
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    /* only zdm holds the write end: no child it starts may keep the keeper waiting */
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    pid_t keeper = fork();
    if (keeper < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (keeper == 0) {
        setsid(); /* out of the terminal's process group: Ctrl-C is zdm's to handle */
        close(fds[1]);
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        keeper_main(s, fds[0], postgres, log);
    }
    close(fds[0]);
    s->keeper = keeper;
    s->keeper_fd = fds[1];
    FILE *f = fopen(arena_printf(a, "%s/" KEEPER_FILE, s->dir), "w");
    if (f) {
        fprintf(f, "%ld\n", (long)keeper);
        fclose(f);
    }
    const char *keys[] = {"host", "dbname", "user", "connect_timeout", NULL};
    const char *vals[] = {s->dir, "postgres", "postgres", "5", NULL};
    for (double end = util_now_ms() + 60000; util_now_ms() < end;) {
        if (PQpingParams(keys, vals, 0) == PQPING_OK)
            return 0;
        int status;
        if (waitpid(keeper, &status, WNOHANG) == keeper) { /* postgres exited: see the log */
            s->keeper = 0;
            close(s->keeper_fd);
            s->keeper_fd = -1;
            return -1;
        }
        util_sleep_ms(50, &never);
    }
    return -1;
}

/* Removes the directories of earlier runs whose keeper died (killed with zdm):
 * their server is stopped first. Only zdm's own directories, by their
 * KEEPER_FILE, and only those of this user (root: all). */
static void remove_stale(Arena *a, const char *tmp)
{
    glob_t g;
    if (glob(arena_printf(a, "%s/zdm-pg.*/" KEEPER_FILE, tmp), 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct stat st;
        FILE *f = fopen(g.gl_pathv[i], "r");
        long pid = 0;
        if (!f)
            continue;
        bool read = fscanf(f, "%ld", &pid) == 1;
        fclose(f);
        if (!read || alive((pid_t)pid) || stat(g.gl_pathv[i], &st) != 0 || (geteuid() != 0 && st.st_uid != geteuid()))
            continue;
        const char *dir = arena_strndup(a, g.gl_pathv[i], strlen(g.gl_pathv[i]) - strlen("/" KEEPER_FILE));
        /* postmaster.pid: the pid, then the data directory (so a pid
         * reused by another process is not taken for the server) */
        const char *data = arena_printf(a, "%s/data", dir);
        f = fopen(arena_printf(a, "%s/postmaster.pid", data), "r");
        long pm = 0;
        char line[4096] = "";
        if (f) {
            if (fscanf(f, "%ld\n", &pm) != 1 || !fgets(line, sizeof line, f))
                pm = 0;
            fclose(f);
            line[strcspn(line, "\n")] = '\0';
        }
        if (pm > 0 && strcmp(line, data) == 0 && alive((pid_t)pm)) {
            kill((pid_t)pm, SIGQUIT); /* immediate shutdown, as the keeper would have */
            for (int k = 0; k < 200 && alive((pid_t)pm); k++) {
                if (k == 100)
                    kill((pid_t)pm, SIGKILL);
                util_sleep_ms(50, &never);
            }
        }
        if (!alive((pid_t)pm))
            nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    globfree(&g);
}

static int start_embedded(Arena *a, const ServerOptions *o, Server *s, ZdmError *err)
{
    s->bindir = server_find_bindir(a, o->pg_bin, err);
    if (!s->bindir)
        return -1;
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw) {
            zdm_error(err, NULL, 0, 0,
                      "running as root, and initdb refuses root: there is no postgres user to run the "
                      "server as (installing the postgresql package creates it; or run zdm as another user)");
            err->kind = ERR_DATABASE;
            return -1;
        }
        s->as_postgres = true;
        s->uid = pw->pw_uid;
        s->gid = pw->pw_gid;
    }
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    remove_stale(a, tmp);
    char *dir = arena_printf(a, "%s/zdm-pg.XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        zdm_error(err, NULL, 0, 0, "cannot create a temporary directory %s: %s", dir, strerror(errno));
        err->kind = ERR_DATABASE;
        return -1;
    }
    s->dir = dir;
    s->embedded = true;
    if (s->as_postgres && chown(dir, s->uid, s->gid) != 0) {
        zdm_error(err, NULL, 0, 0, "cannot give %s to the postgres user: %s", dir, strerror(errno));
        err->kind = ERR_DATABASE;
        return -1;
    }
    const char *log = arena_printf(a, "%s/server.log", dir);
    const char *init_log = arena_printf(a, "%s/initdb.log", dir);
    const char *data = arena_printf(a, "%s/data", dir);
    char *initdb[] = {arena_printf(a, "%s/initdb", s->bindir), "-D", (char *)data, "-U", "postgres",
                      "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", NULL};
    if (run_tool(s, init_log, initdb) != 0) {
        zdm_error(err, NULL, 0, 0, "initdb failed: %s", log_tail(a, init_log));
        err->kind = ERR_DATABASE;
        return -1;
    }
    if (pq_load(err) < 0)
        return -1;
    if (start_keeper(a, s, data, log) < 0) {
        zdm_error(err, NULL, 0, 0, "the throwaway PostgreSQL did not start: %s", log_tail(a, log));
        err->kind = ERR_DATABASE;
        return -1;
    }
    s->running = true;
    s->admin_url = server_url(a, s, "postgres");
    return 0;
}

/* Percent-encodes what a URI component cannot hold as it is (a TMPDIR may
 * hold spaces, '&' or '#'). */
static const char *uri_encode(Arena *a, const char *v)
{
    StrBuf sb;
    sb_init(&sb, a);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (isalnum(*p) || strchr("/-._~", *p))
            sb_appendn(&sb, (const char *)p, 1);
        else
            sb_printf(&sb, "%%%02X", *p);
    }
    return sb.data;
}

const char *server_url(Arena *a, const Server *s, const char *dbname)
{
    return arena_printf(a, "postgresql://postgres@/%s?host=%s", uri_encode(a, dbname), uri_encode(a, s->dir));
}

/* ---- --database ---------------------------------------------------------------------- */

static int check_scratch(Arena *a, const ServerOptions *o, PGconn *conn, ZdmError *err)
{
    PGresult *r = db_query(conn,
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database"
        " WHERE datname = current_database()", 0, NULL, err);
    if (!r)
        return -1;
    bool marked = strcmp(PQgetvalue(r, 0, 0), SCRATCH_COMMENT) == 0;
    PQclear(r);
    r = db_query(conn,
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'information_schema'"
        " AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1", 0, NULL, err);
    if (!r)
        return -1;
    int n = PQntuples(r);
    if (n > 0 && !marked && !o->force) {
        StrBuf sb;
        sb_init(&sb, a);
        for (int i = 0; i < n && i < 5; i++)
            sb_printf(&sb, "%s%s", i ? ", " : "", PQgetvalue(r, i, 0));
        if (n > 5)
            sb_printf(&sb, " and %d more", n - 5);
        PQclear(r);
        return zdm_error(err, NULL, 0, 0,
                         "--database %s holds %d table%s zdm did not create (%s); zdm drops everything in "
                         "the database it tests on: give an empty database, or --force to wipe this one",
                         db_redact(a, o->database), n, n == 1 ? "" : "s", sb.data);
    }
    PQclear(r);
    if (!marked) {
        /* so that the next run knows what it left there is zdm's */
        r = PQexec(conn, arena_printf(a, "COMMENT ON DATABASE %s IS '" SCRATCH_COMMENT "'",
                                      db_quote_ident(a, PQdb(conn))));
        PQclear(r);
    }
    return 0;
}

int server_open(Arena *a, const ServerOptions *o, Server *s, ZdmError *err)
{
    memset(s, 0, sizeof *s);
    s->keeper_fd = -1;
    /* Ctrl-C stops the command, which then stops the server in order */
    db_interrupt_begin(&s->interrupt, NULL, 0, NULL);
    if (!o->database) {
        if (start_embedded(a, o, s, err) < 0)
            return -1;
    } else {
        s->admin_url = o->database;
    }
    PGconn *conn = db_connect(a, s->admin_url, err);
    if (!conn)
        return -1;
    s->major = PQserverVersion(conn) / 10000;
    int rc = o->database ? check_scratch(a, o, conn, err) : 0;
    PQfinish(conn);
    return rc;
}

const char *server_fresh_db(Arena *a, Server *s, const char *name, ZdmError *err)
{
    PGconn *conn = db_connect(a, s->admin_url, err);
    if (!conn)
        return NULL;
    const char *url = NULL;
    if (s->embedded) {
        const char *q = db_quote_ident(a, name);
        if (db_exec(conn, arena_printf(a, "DROP DATABASE IF EXISTS %s WITH (FORCE)", q), err) == 0 &&
            db_exec(conn, arena_printf(a, "CREATE DATABASE %s TEMPLATE template0", q), err) == 0)
            url = server_url(a, s, name);
    } else {
        /* every schema but the system's, and public made again, as initdb leaves it */
        PGresult *r = db_query(conn,
            "SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema'"
            " AND nspname NOT LIKE 'pg\\_%'", 0, NULL, err);
        if (r) {
            StrBuf sb;
            sb_init(&sb, a);
            sb_append(&sb, "SET client_min_messages = warning;");
            for (int i = 0; i < PQntuples(r); i++)
                sb_printf(&sb, "DROP SCHEMA %s CASCADE;", db_quote_ident(a, PQgetvalue(r, i, 0)));
            sb_append(&sb, "CREATE SCHEMA public;");
            PQclear(r);
            if (db_exec(conn, sb.data, err) == 0)
                url = s->admin_url;
        }
    }
    PQfinish(conn);
    return url;
}

void server_drop_db(Arena *a, Server *s, const char *name)
{
    if (!s->embedded || !s->running)
        return;
    ZdmError ignore;
    PGconn *conn = db_connect(a, s->admin_url, &ignore);
    if (!conn)
        return;
    PGresult *r = PQexec(conn, arena_printf(a, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_quote_ident(a, name)));
    PQclear(r);
    PQfinish(conn);
}

void server_close(Arena *a, Server *s, bool keep, const char *dbname, FILE *out)
{
    db_interrupt_end(&s->interrupt);
    if (!s->embedded || !s->dir)
        return;
    const char *data = arena_printf(a, "%s/data", s->dir);
    if (keep && s->running) {
        const char *as = s->as_postgres ? "runuser -u postgres -- " : "";
        fprintf(out,
                "zdm: the server keeps running (--keep):\n"
                "  psql \"%s\"\n"
                "  stop it: %s%s/pg_ctl -D %s stop && rm -rf %s\n",
                server_url(a, s, dbname ? dbname : "postgres"), as, s->bindir, data, s->dir);
        if (s->keeper_fd >= 0) {
            (void)!write(s->keeper_fd, "k", 1);
            close(s->keeper_fd);
            s->keeper_fd = -1;
        }
        if (s->keeper > 0)
            waitpid(s->keeper, NULL, 0);
        s->keeper = 0;
        remove(arena_printf(a, "%s/" KEEPER_FILE, s->dir));
        s->dir = NULL;
        return;
    }
    if (s->keeper_fd >= 0) {
        /* the keeper stops the server and removes the directory */
        close(s->keeper_fd);
        s->keeper_fd = -1;
        if (s->keeper > 0)
            while (waitpid(s->keeper, NULL, 0) < 0 && errno == EINTR)
                ;
        s->keeper = 0;
        s->running = false;
    }
    nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    s->dir = NULL;
}
