/*
 * introspect.c — the live schema, read from pg_catalog into a Catalog.
 *
 * It fills the same structure the replay builds, written the way the replay
 * writes it (canonical type names such as "int4" and "varchar", typmods as
 * numbers, defaults rendered by catalog_render_default), so that diff.c can
 * compare a database with the migrations that built it.
 *
 * Left out: the system schemas, objects that belong to an extension, the
 * sequences behind serial and identity columns (the replay models those as
 * the columns' defaults), and the history tables of zdm and of the tools it
 * reads (zdm_migrations, django_migrations, flyway_schema_history,
 * schema_migrations): they are bookkeeping, not the application's schema.
 */
#include <stdlib.h>
#include <string.h>

#include "../catalog/diff.h"
#include "db.h"

#define USER_NS \
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')" \
    " AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"

#define NOT_EXTENSION(oid, catalog) \
    " AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" catalog "'::regclass" \
    " AND e.objid = " oid " AND e.deptype = 'e')"

/* The application's tables (and partitioned tables). */
#define USER_TABLES \
    "SELECT c.oid, n.nspname, c.relname, c.relkind = 'p' AS partitioned" \
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace" \
    " WHERE c.relkind IN ('r', 'p') AND " USER_NS NOT_EXTENSION("c.oid", "pg_class") \
    " AND c.relname NOT IN ('" DB_HISTORY_TABLE "', 'django_migrations', 'flyway_schema_history'," \
    " 'schema_migrations')"

/* Separates the items of an aggregated list (names may hold commas). */
#define SEP "\x1f"

static PGresult *q(PGconn *conn, const char *sql, ZdmError *err)
{
    return db_query(conn, sql, 0, NULL, err);
}

static const char *val(Catalog *c, const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : arena_strdup(c->arena, PQgetvalue(r, row, col));
}

static void split_into(Catalog *c, List *l, const char *s)
{
    if (!s || !*s)
        return;
    for (;;) {
        const char *e = strchr(s, SEP[0]);
        list_push(c->arena, l, arena_strndup(c->arena, s, e ? (size_t)(e - s) : strlen(s)));
        if (!e)
            return;
        s = e + 1;
    }
}

/* Typmods as the replay keeps them: the numbers written in the type. */
static void set_typmods(Column *col, int typmod)
{
    const char *t = col->type;
    if (typmod < 0)
        return;
    if (strcmp(t, "varchar") == 0 || strcmp(t, "bpchar") == 0) {
        if (typmod >= 4)
            col->typmods[col->ntypmods++] = typmod - 4;
    } else if (strcmp(t, "numeric") == 0) {
        if (typmod >= 4) {
            int p = ((typmod - 4) >> 16) & 0xffff, s = (typmod - 4) & 0xffff;
            col->typmods[col->ntypmods++] = p;
            col->typmods[col->ntypmods++] = s;
        }
    } else if (strcmp(t, "timestamp") == 0 || strcmp(t, "timestamptz") == 0 || strcmp(t, "time") == 0 ||
               strcmp(t, "timetz") == 0 || strcmp(t, "bit") == 0 || strcmp(t, "varbit") == 0) {
        col->typmods[col->ntypmods++] = typmod;
    }
}

static int read_tables(Catalog *c, PGconn *conn, ZdmError *err)
{
    PGresult *r = q(conn,
        "SELECT n.nspname FROM pg_namespace n WHERE " USER_NS NOT_EXTENSION("n.oid", "pg_namespace")
        " ORDER BY 1", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        if (!catalog_has_schema(c, PQgetvalue(r, i, 0)))
            list_push(c->arena, &c->schemas, (void *)val(c, r, i, 0));
    PQclear(r);

    r = q(conn, USER_TABLES " ORDER BY 2, 3", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        Table *t = arena_alloc(c->arena, sizeof *t);
        t->schema = val(c, r, i, 1);
        t->name = val(c, r, i, 2);
        t->partitioned = PQgetvalue(r, i, 3)[0] == 't';
        t->created_in = -1;
        catalog_add_table(c, t);
    }
    PQclear(r);

    /* Columns: the element type of an array, its schema when it is an enum
     * (the replay writes enums "schema.name") */
    r = q(conn,
        "WITH t AS (" USER_TABLES ")"
        " SELECT t.nspname, t.relname, a.attname,"
        "  coalesce(et.typname, ty.typname),"
        "  CASE WHEN coalesce(et.typtype, ty.typtype) = 'e' THEN tn.nspname END,"
        "  a.atttypmod, CASE WHEN et.oid IS NOT NULL THEN greatest(a.attndims, 1) ELSE 0 END,"
        "  a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated"
        " FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " JOIN pg_type ty ON ty.oid = a.atttypid"
        " LEFT JOIN pg_type et ON et.oid = ty.typelem AND ty.typcategory = 'A'"
        " JOIN pg_namespace tn ON tn.oid = coalesce(et.typnamespace, ty.typnamespace)"
        " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " ORDER BY t.nspname, t.relname, a.attnum", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        Table *t = catalog_find_table(c, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        if (!t)
            continue;
        Column *col = arena_alloc(c->arena, sizeof *col);
        col->name = val(c, r, i, 2);
        const char *enum_schema = val(c, r, i, 4);
        col->type = enum_schema ? arena_printf(c->arena, "%s.%s", enum_schema, PQgetvalue(r, i, 3))
                                : val(c, r, i, 3);
        set_typmods(col, atoi(PQgetvalue(r, i, 5)));
        col->array_dims = atoi(PQgetvalue(r, i, 6));
        col->not_null = PQgetvalue(r, i, 7)[0] == 't';
        const char *def = val(c, r, i, 8);
        col->identity = PQgetvalue(r, i, 9)[0];
        col->generated = PQgetvalue(r, i, 10)[0] == 's';
        if (def && !col->generated) {
            col->default_expr = catalog_render_default(c->arena, def);
            if (!col->default_expr)
                col->default_expr = "(expression)";
            col->serial = strncmp(def, "nextval(", 8) == 0;
        }
        list_push(c->arena, &t->columns, col);
    }
    PQclear(r);
    return 0;
}

static int read_constraints(Catalog *c, PGconn *conn, ZdmError *err)
{
    PGresult *r = q(conn,
        "WITH t AS (" USER_TABLES ")"
        " SELECT t.nspname, t.relname, k.conname, k.contype, k.convalidated,"
        "  array_to_string(ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)"
        "   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o), '" SEP "'),"
        "  CASE WHEN k.confrelid <> 0 THEN (SELECT fn.nspname || '.' || fc.relname FROM pg_class fc"
        "   JOIN pg_namespace fn ON fn.oid = fc.relnamespace WHERE fc.oid = k.confrelid) END,"
        "  CASE WHEN k.contype IN ('p', 'u', 'x') THEN (SELECT relname FROM pg_class WHERE oid = k.conindid) END"
        " FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype IN ('p', 'u', 'c', 'f', 'x')"
        " ORDER BY t.nspname, t.relname, k.conname", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        Table *t = catalog_find_table(c, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        if (!t)
            continue;
        Constraint *k = arena_alloc(c->arena, sizeof *k);
        k->name = val(c, r, i, 2);
        k->type = (ConType)PQgetvalue(r, i, 3)[0];
        k->validated = PQgetvalue(r, i, 4)[0] == 't';
        split_into(c, &k->columns, PQgetvalue(r, i, 5));
        k->ref_table = val(c, r, i, 6);
        k->index = val(c, r, i, 7);
        list_push(c->arena, &t->constraints, k);
    }
    PQclear(r);
    return 0;
}

static int read_indexes(Catalog *c, PGconn *conn, ZdmError *err)
{
    PGresult *r = q(conn,
        "WITH t AS (" USER_TABLES ")"
        " SELECT n.nspname, ic.relname, t.nspname, t.relname, i.indisunique, i.indisprimary,"
        "  i.indpred IS NOT NULL, i.indisvalid,"
        "  array_to_string(ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0"
        "   THEN '(' || pg_get_indexdef(i.indexrelid, k, true) || ')'"
        "   ELSE (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[k - 1]) END"
        "   FROM generate_series(1, i.indnkeyatts) k ORDER BY k), '" SEP "'),"
        "  NULLIF(am.amname, 'btree')"
        " FROM t JOIN pg_index i ON i.indrelid = t.oid"
        " JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace"
        " JOIN pg_am am ON am.oid = ic.relam"
        " ORDER BY 1, 2", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        Index *ix = arena_alloc(c->arena, sizeof *ix);
        ix->schema = val(c, r, i, 0);
        ix->name = val(c, r, i, 1);
        ix->table_schema = val(c, r, i, 2);
        ix->table = val(c, r, i, 3);
        ix->unique = PQgetvalue(r, i, 4)[0] == 't';
        ix->primary = PQgetvalue(r, i, 5)[0] == 't';
        ix->partial = PQgetvalue(r, i, 6)[0] == 't';
        ix->valid = PQgetvalue(r, i, 7)[0] == 't';
        split_into(c, &ix->columns, PQgetvalue(r, i, 8));
        ix->method = val(c, r, i, 9);
        ix->created_in = -1;
        catalog_add_index(c, ix);
    }
    PQclear(r);
    return 0;
}

static int read_others(Catalog *c, PGconn *conn, ZdmError *err)
{
    PGresult *r = q(conn,
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('v', 'm', 'S') AND " USER_NS NOT_EXTENSION("c.oid", "pg_class")
        /* a serial's or an identity's sequence belongs to its column */
        " AND NOT EXISTS (SELECT 1 FROM pg_depend o WHERE o.classid = 'pg_class'::regclass AND o.objid = c.oid"
        "  AND o.refclassid = 'pg_class'::regclass AND o.refobjsubid > 0 AND o.deptype IN ('a', 'i'))"
        " AND c.relname NOT IN ('flyway_schema_history_seq')"
        " ORDER BY 1, 2", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        char kind = PQgetvalue(r, i, 2)[0];
        if (kind == 'S') {
            Sequence *s = arena_alloc(c->arena, sizeof *s);
            s->schema = val(c, r, i, 0);
            s->name = val(c, r, i, 1);
            list_push(c->arena, &c->sequences, s);
        } else {
            View *v = arena_alloc(c->arena, sizeof *v);
            v->schema = val(c, r, i, 0);
            v->name = val(c, r, i, 1);
            v->materialized = kind == 'm';
            catalog_add_view(c, v);
        }
    }
    PQclear(r);

    r = q(conn,
        "SELECT n.nspname, t.typname, array_to_string(ARRAY(SELECT enumlabel FROM pg_enum"
        "  WHERE enumtypid = t.oid ORDER BY enumsortorder), '" SEP "')"
        " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        " WHERE t.typtype = 'e' AND " USER_NS NOT_EXTENSION("t.oid", "pg_type") " ORDER BY 1, 2", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        EnumType *e = arena_alloc(c->arena, sizeof *e);
        e->schema = val(c, r, i, 0);
        e->name = val(c, r, i, 1);
        split_into(c, &e->values, PQgetvalue(r, i, 2));
        catalog_add_enum(c, e);
    }
    PQclear(r);
    return 0;
}

Catalog *db_introspect(PGconn *conn, ZdmError *err)
{
    Catalog *c = catalog_new();
    /* one snapshot for every query: a migration running meanwhile shows up
     * entirely or not at all */
    if (db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) < 0 ||
        read_tables(c, conn, err) < 0 || read_constraints(c, conn, err) < 0 ||
        read_indexes(c, conn, err) < 0 || read_others(c, conn, err) < 0 ||
        db_exec(conn, "COMMIT", err) < 0) {
        catalog_free(c);
        return NULL;
    }
    return c;
}
