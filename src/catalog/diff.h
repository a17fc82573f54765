/*
 * diff.h — the differences between two schemas.
 *
 * `zdm diff` compares the catalog the migrations describe (the replay) with
 * the live one (db/introspect.c), or with the catalog of another migration
 * set (--against: a Django project's migration files against its sqlmigrate
 * SQL, for instance). Both sides are the same Catalog structure, so one
 * comparison serves both; the introspection renders what it reads the way the
 * replay records it, so equal schemas compare equal.
 *
 * The output is a list of lines, one per difference, sorted, each starting
 * with the kind of object and its qualified name; the format is stable (tools
 * compare it), docs/migrate.md describes it.
 */
#ifndef ZDM_DIFF_H
#define ZDM_DIFF_H

#include "../source/source.h"
#include "catalog.h"

/*
 * Appends to out (const char*, allocated from a) one line per difference
 * between left and right, sorted. left_label and right_label name the sides
 * in the lines ("only in the database"). Objects the replay only assumed
 * (used, never created) are not compared. Returns the number of lines added.
 */
int catalog_diff(Arena *a, const Catalog *left, const Catalog *right, const char *left_label,
                 const char *right_label, List *out);

/*
 * The schema a migration history ends with: every migration of h (parsed)
 * replayed in order over an empty catalog. The caller frees it.
 */
Catalog *catalog_of_history(Arena *a, History *h, int pg_version, ZdmError *err);

/*
 * A default expression as the replay renders it ("'text'", "0", "now(...)",
 * "(expression)"), from its SQL text as pg_get_expr writes it: the live side
 * of the comparison. NULL when expr is NULL or does not parse.
 */
const char *catalog_render_default(Arena *a, const char *expr);

#endif
