/*
 * compat.h — can a code version work with a schema state?
 *
 * A code version is represented by its model: the catalog it was written
 * against (DESIGN.md §2). An ORM names the columns it knows, so the version
 * works with a state when every table, view and column of its model exists there
 * with a type it can still read and write, and every NOT NULL column without
 * a default that the state adds is one it knows (its INSERTs list only the
 * columns it knows). It writes every column it knows but those it leaves to
 * the database (serial, identity, generated): those must keep their default,
 * and the others must still take its values (not GENERATED ALWAYS).
 */
#ifndef ZDM_COMPAT_H
#define ZDM_COMPAT_H

#include "../catalog/catalog.h"

typedef enum ProblemKind {
    PROBLEM_TABLE_MISSING,
    PROBLEM_COLUMN_MISSING,
    PROBLEM_TYPE_CHANGED,
    PROBLEM_NOT_NULL_UNKNOWN, /* a NOT NULL column without default the version does not know,
                               * or one it leaves to a default (serial, identity) that is gone */
    PROBLEM_NOT_WRITABLE,     /* a column the version writes that the state fills itself */
} ProblemKind;

typedef struct Problem {
    ProblemKind kind;
    const char *schema;
    const char *table;
    const char *column;
    const char *who;        /* "old code", "new code" */
    const char *model_type; /* PROBLEM_TYPE_CHANGED: the type the code knows */
    const char *state_type; /* ... and the one it meets; PROBLEM_NOT_WRITABLE: what fills it */
    bool in_primary_key;    /* PROBLEM_NOT_NULL_UNKNOWN: the column is part of the key */
    bool left_to_database;  /* PROBLEM_NOT_NULL_UNKNOWN: the code knows it, as serial, identity or
                             * generated, and leaves it to the database */
    bool view;              /* PROBLEM_TABLE_MISSING: the code queries a view */
} Problem;

/* "old code's INSERT INTO customer omits company_address, which is NOT NULL
 * with no default": built only for the problems that get reported. */
const char *compat_message(Arena *a, const Problem *p);

/* Appends to out (Problem*) what breaks for the version called who ("old
 * code", "new code") whose model is model, running against state. With only
 * not NULL, looks at those tables ("schema.name", each named once) alone: the
 * planner knows which tables a migration touched, and the rest cannot have
 * changed. */
void compat_check(Arena *a, const Catalog *model, const Catalog *state, const char *who,
                  const List *only, List *out);

/* What compat_check with an only-list reads of a state: for each name of the
 * list, the table of that name then (a copy, or NULL) and whether a view of
 * that name stood in for it. The planner keeps these for every migration as
 * the history replays, instead of replaying it again to check the new code. */
typedef struct KeptTables {
    const List *only;  /* const char*: "schema.name" */
    List tables;       /* Table* or NULL, one per name */
    List views;        /* non-NULL where a view of that name existed */
} KeptTables;

void compat_keep_tables(Arena *a, const Catalog *state, const List *only, KeptTables *out);
/* compat_check(a, model, <the state kept>, who, kept->only, out), to the byte. */
void compat_check_kept(Arena *a, const Catalog *model, const KeptTables *kept, const char *who,
                       List *out);

#endif
