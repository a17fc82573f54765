/*
 * interrupt.h — Ctrl-C (SIGINT) and SIGTERM while zdm talks to a database:
 * one mechanism for the runner, backfill, and the commands that start a
 * throwaway server (zdm test, zdm rehearse).
 *
 * A scope (db_interrupt_begin .. db_interrupt_end) installs the handler and
 * names the connection whose running statement a signal cancels (PQcancel,
 * which libpq documents as safe in a signal handler). Scopes nest: the
 * rehearsal's holds the runner's, which holds the statement; a signal caught
 * in the inner scope still counts in the outer one when it ends, so the
 * command stops too. The hook backfill needs: the first `defer` signals of a
 * scope only print `note` and let the running statement finish (the batch
 * commits, progress stays true); the next one cancels. And the hook a child
 * process needs (Django's manage.py): while one runs in a process group of
 * its own, a signal is passed on to that group instead.
 */
#ifndef ZDM_INTERRUPT_H
#define ZDM_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "pq.h"

typedef struct DbInterrupt {
    /* what the enclosing scope had, restored by db_interrupt_end */
    PGcancel *cancel;
    int defer;
    const char *note;
    sig_atomic_t signals;
    struct sigaction on_int, on_term;
    bool active;
} DbInterrupt;

/* Signals caught since the innermost scope began: for util_sleep_ms(), and
 * for loops that stop at the next safe point. */
extern volatile sig_atomic_t db_signals;

/* Begins a scope: SIGINT and SIGTERM cancel conn's running statement (none
 * when conn is NULL), after `defer` signals that only write note to stderr. */
void db_interrupt_begin(DbInterrupt *scope, PGconn *conn, int defer, const char *note);
/* Ends it: the enclosing scope's handlers and connection come back, and the
 * signals caught count there too. Safe to call on a scope already ended. */
void db_interrupt_end(DbInterrupt *scope);
/* The connection whose statement a signal cancels from now on (NULL: none). */
void db_interrupt_target(PGconn *conn);
/* While pgid > 0, signals go to that process group (SIGINT) instead of
 * cancelling a statement; 0 ends that. */
void db_interrupt_child(pid_t pgid);
/* Whether a signal arrived in this scope. */
bool db_interrupted(void);

#endif
