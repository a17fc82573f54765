/*
 * interrupt.c — one Ctrl-C handler for every command that talks to a
 * database (interrupt.h says what a scope is).
 */
#include <string.h>
#include <unistd.h>

#include "interrupt.h"

volatile sig_atomic_t db_signals;
/* The innermost scope's: read by the handler, so plain volatile globals. */
static PGcancel *volatile cur_cancel;
static volatile int cur_defer;
static const char *volatile cur_note;
static volatile sig_atomic_t cur_child; /* a process group to pass signals on to */

static void on_signal(int sig)
{
    (void)sig;
    db_signals++;
    if (db_signals <= cur_defer) {
        const char *n = cur_note;
        if (n)
            (void)!write(STDERR_FILENO, n, strlen(n));
        return;
    }
    pid_t child = (pid_t)cur_child;
    if (child > 0) { /* the child's own session is its to cancel (see django_run.c) */
        kill(-child, SIGINT);
        return;
    }
    PGcancel *c = cur_cancel;
    if (c) {
        char buf[256];
        PQcancel(c, buf, sizeof buf);
    }
}

void db_interrupt_begin(DbInterrupt *scope, PGconn *conn, int defer, const char *note)
{
    scope->cancel = cur_cancel;
    scope->defer = cur_defer;
    scope->note = cur_note;
    scope->signals = db_signals;
    cur_cancel = NULL; /* never a freed one in the handler's hands */
    cur_defer = defer;
    cur_note = note;
    db_signals = 0;
    if (conn)
        cur_cancel = PQgetCancel(conn);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &scope->on_int);
    sigaction(SIGTERM, &sa, &scope->on_term);
    scope->active = true;
}

void db_interrupt_end(DbInterrupt *scope)
{
    if (!scope->active)
        return;
    scope->active = false;
    sigaction(SIGINT, &scope->on_int, NULL);
    sigaction(SIGTERM, &scope->on_term, NULL);
    PGcancel *c = cur_cancel;
    cur_cancel = scope->cancel;
    cur_defer = scope->defer;
    cur_note = scope->note;
    db_signals += scope->signals;
    if (c)
        PQfreeCancel(c);
}

void db_interrupt_target(PGconn *conn)
{
    PGcancel *old = cur_cancel;
    cur_cancel = NULL;
    if (old)
        PQfreeCancel(old);
    if (conn)
        cur_cancel = PQgetCancel(conn);
}

void db_interrupt_child(pid_t pgid)
{
    cur_child = (sig_atomic_t)pgid;
}

bool db_interrupted(void)
{
    return db_signals != 0;
}
