/*
 * pg.h — PostgreSQL's parse nodes, for the files that walk parse trees.
 *
 * zdm reads libpg_query's trees as PostgreSQL's own backend does: the node
 * structs of nodes/parsenodes.h, IsA, castNode, foreach, lfirst_node,
 * strVal. Those headers come with libpg_query 18 (build/pg_query, see
 * scripts/install-deps).
 *
 * Four of their names are also zdm's: List (zdm's growable array, util.h),
 * Index and Constraint (the catalog's), Cost (replay.h). Where this header
 * is included those keep meaning zdm's, and PostgreSQL's List and
 * Constraint are spelled PgList and PgConstraint (IsA and castNode take
 * those spellings too); PostgreSQL's Index and Cost are not used. Include
 * it after zdm's headers or before them, as a file likes.
 *
 * PostgreSQL's port.h also routes printf, snprintf, strerror and qsort to
 * its own implementations; they are routed back to libc's here.
 */
#ifndef ZDM_SQL_PG_H
#define ZDM_SQL_PG_H

#define List PgList
#define Index PgIndex
#define Constraint PgConstraint
#define Cost PgCost
#include "postgres.h"
#include "nodes/parsenodes.h"
#include "catalog/pg_attribute_d.h"
#include "catalog/pg_class_d.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"
#include "pg_query.h"
#include "pg_query_internal.h"
#undef List
#undef Index
#undef Constraint
#undef Cost

/* pg_list.h's NIL names List; foreach and forboth compare with it */
#undef NIL
#define NIL ((PgList *) NULL)
#define T_PgList T_List
#define T_PgConstraint T_Constraint

#undef vsnprintf
#undef snprintf
#undef vsprintf
#undef sprintf
#undef vfprintf
#undef fprintf
#undef vprintf
#undef printf
#undef strerror
#undef strerror_r
#undef qsort

#endif
