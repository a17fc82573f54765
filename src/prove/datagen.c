/*
 * datagen.c — rows for a rehearsal, made by the server from the schema.
 *
 * Each table gets one INSERT ... SELECT over generate_series, so a million
 * rows never cross the wire. Values follow the column: its type (and length
 * limit), distinct where a primary key, unique constraint or unique index
 * needs it, a default or a sequence left to do its job. A foreign key points
 * at the parent's rows, spread evenly over them by row number (any key type,
 * composite keys too), which is why parents are filled first.
 *
 * datagen_literal is the same knowledge for the clients' INSERTs and
 * UPDATEs: one literal per value, which the server coerces to the column's
 * type, so the SQL stays valid whatever the type became.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/db.h"
#include "rehearse.h"

bool datagen_skip_table(const Table *t)
{
    static const char *const histories[] = {"django_migrations", "flyway_schema_history", "schema_migrations",
                                            "goose_db_version", NULL};
    if (strncmp(t->name, "zdm_", 4) == 0 || t->assumed)
        return true;
    for (int i = 0; histories[i]; i++)
        if (strcmp(t->name, histories[i]) == 0)
            return true;
    return false;
}

/* "schema.name" of t, as Constraint.ref_table writes it. */
static bool names_table(const char *ref, const Table *t)
{
    const char *dot = strchr(ref, '.');
    if (!dot)
        return strcmp(ref, t->name) == 0;
    return strlen(t->schema) == (size_t)(dot - ref) && strncmp(ref, t->schema, (size_t)(dot - ref)) == 0 &&
           strcmp(dot + 1, t->name) == 0;
}

static Table *ref_table(const Catalog *c, const Constraint *k)
{
    return k->ref_table ? catalog_find_qualified(c, k->ref_table) : NULL;
}

void datagen_order(Arena *a, const Catalog *c, List *out)
{
    int n = c->tables.len;
    bool *done = arena_alloc(a, (size_t)(n ? n : 1));
    int left = 0;
    for (int i = 0; i < n; i++) {
        done[i] = datagen_skip_table(LIST_GET(&c->tables, i)) || ((Table *)LIST_GET(&c->tables, i))->partitioned;
        left += !done[i];
    }
    /* Kahn's order, in catalog order among equals; what a cycle leaves is
     * appended as it comes (its nullable references are left NULL) */
    while (left > 0) {
        bool progress = false;
        for (int i = 0; i < n; i++) {
            if (done[i])
                continue;
            const Table *t = LIST_GET(&c->tables, i);
            bool ready = true;
            for (int k = 0; k < t->constraints.len && ready; k++) {
                const Constraint *con = LIST_GET(&t->constraints, k);
                if (con->type != CON_FOREIGN || !con->ref_table || names_table(con->ref_table, t))
                    continue;
                for (int j = 0; j < n; j++)
                    if (!done[j] && j != i && names_table(con->ref_table, LIST_GET(&c->tables, j)))
                        ready = false;
            }
            if (ready) {
                done[i] = true;
                left--;
                progress = true;
                list_push(a, out, (void *)t);
            }
        }
        if (!progress)
            for (int i = 0; i < n; i++)
                if (!done[i]) {
                    done[i] = true;
                    left--;
                    list_push(a, out, LIST_GET(&c->tables, i));
                    break;
                }
    }
}

static bool list_has(const List *l, const char *s)
{
    for (int i = 0; i < l->len; i++)
        if (strcmp(LIST_GET(l, i), s) == 0)
            return true;
    return false;
}

bool datagen_is_unique(const Catalog *c, const Table *t, const char *col)
{
    (void)c;
    for (int i = 0; i < t->constraints.len; i++) {
        const Constraint *k = LIST_GET(&t->constraints, i);
        if ((k->type == CON_PRIMARY || k->type == CON_UNIQUE) && list_has(&k->columns, col))
            return true;
    }
    for (int i = 0; i < t->indexes.len; i++) {
        const Index *ix = LIST_GET(&t->indexes, i);
        if (ix->unique && !ix->partial && list_has(&ix->columns, col))
            return true;
    }
    return false;
}

static const Constraint *fk_in(const Table *t, const char *col)
{
    for (int i = 0; t && i < t->constraints.len; i++) {
        const Constraint *k = LIST_GET(&t->constraints, i);
        if (k->type == CON_FOREIGN && list_has(&k->columns, col))
            return k;
    }
    return NULL;
}

const Constraint *datagen_fk_of(const Table *t, const char *col, const Catalog *hint)
{
    const Constraint *k = fk_in(t, col);
    if (!k && hint)
        k = fk_in(catalog_find_table(hint, t->schema, t->name), col);
    return k;
}

/* The columns of parent a foreign key of ncols columns refers to: its
 * primary key, else a unique constraint of as many columns. */
static const List *referenced_key(const Table *parent, int ncols)
{
    const List *uniq = NULL;
    for (int i = 0; i < parent->constraints.len; i++) {
        const Constraint *k = LIST_GET(&parent->constraints, i);
        if (k->columns.len != ncols)
            continue;
        if (k->type == CON_PRIMARY)
            return &k->columns;
        if (k->type == CON_UNIQUE && !uniq)
            uniq = &k->columns;
    }
    return uniq;
}

static bool is_type(const Column *col, const char *a)
{
    return strcmp(col->type, a) == 0;
}

static bool is_text(const Column *col)
{
    return is_type(col, "text") || is_type(col, "varchar") || is_type(col, "bpchar") ||
           is_type(col, "citext") || is_type(col, "name");
}

static bool is_integer(const Column *col)
{
    return is_type(col, "int2") || is_type(col, "int4") || is_type(col, "int8");
}

/* The length limit of varchar(n) / char(n), or 0. */
static int text_limit(const Column *col)
{
    return (is_type(col, "varchar") || is_type(col, "bpchar")) && col->ntypmods ? col->typmods[0] : 0;
}

/* A value expression over g (1..rows) for col, or NULL when zdm knows no
 * values of its type. base is an expression for "rows already there". */
static const char *value_expr(Arena *a, const Catalog *c, const Table *t, const Column *col, bool unique)
{
    if (col->array_dims > 0)
        return "'{}'";
    const char *q = db_quote_literal(a, col->name);
    if (is_integer(col)) {
        if (!unique)
            return is_type(col, "int2") ? "(g % 30000)::int2" : "g";
        return arena_printf(a, "(SELECT coalesce(max(%s), 0) FROM %s.%s) + g", db_quote_ident(a, col->name),
                            db_quote_ident(a, t->schema), db_quote_ident(a, t->name));
    }
    if (is_type(col, "numeric")) {
        if (unique || col->ntypmods < 2)
            return "g";
        int digits = col->typmods[0] - col->typmods[1];
        long m = 1;
        for (int i = 0; i < digits && i < 9; i++)
            m *= 10;
        return arena_printf(a, "(g %% %ld)", m);
    }
    if (is_type(col, "float4") || is_type(col, "float8") || is_type(col, "money"))
        return "g * 0.25";
    if (is_type(col, "bool"))
        return "g % 2 = 0";
    if (is_text(col)) {
        int n = text_limit(col);
        const char *e = unique ? "g::text"
                               : arena_printf(a, "%s || '-' || g", db_quote_literal(a, util_utf8_prefix(a, col->name, 6)));
        return n ? arena_printf(a, "left(%s, %d)", e, n) : e;
    }
    if (is_type(col, "uuid"))
        return arena_printf(a, "md5(%s || g)::uuid", q);
    if (is_type(col, "date"))
        return unique ? "date '2000-01-01' + g::int" : "date '2020-01-01' + (g % 3650)::int";
    if (is_type(col, "timestamp") || is_type(col, "timestamptz"))
        return arena_printf(a, "%s '2020-01-01' + g * interval '1 minute'", col->type);
    if (is_type(col, "time"))
        return "time '00:00' + (g % 86400) * interval '1 second'";
    if (is_type(col, "interval"))
        return "g * interval '1 second'";
    if (is_type(col, "json"))
        return "json_build_object('n', g)";
    if (is_type(col, "jsonb"))
        return "jsonb_build_object('n', g)";
    if (is_type(col, "bytea"))
        return "decode(md5(g::text), 'hex')";
    if (is_type(col, "inet"))
        return "'10.0.0.0'::inet + g";
    const EnumType *e = NULL;
    const char *dot = strchr(col->type, '.');
    if (dot)
        e = catalog_find_enum(c, arena_strndup(a, col->type, (size_t)(dot - col->type)), dot + 1);
    if (e && e->values.len)
        return arena_printf(a, "(enum_range(NULL::%s.%s))[1 + g %% %d]", db_quote_ident(a, e->schema),
                            db_quote_ident(a, e->name), e->values.len);
    return NULL;
}

const char *datagen_insert_sql(Arena *a, const Catalog *c, const Table *t, long rows, const Catalog *hint,
                               const char **why)
{
    StrBuf cols, vals, joins;
    sb_init(&cols, a);
    sb_init(&vals, a);
    sb_init(&joins, a);
    const char *self = arena_printf(a, "%s.%s", db_quote_ident(a, t->schema), db_quote_ident(a, t->name));
    List fks = {0}; /* Constraint*, each joined once, as f0, f1, ... */
    int ncols = 0;
    for (int i = 0; i < t->columns.len; i++) {
        const Column *col = LIST_GET(&t->columns, i);
        if (col->generated || col->identity || col->serial)
            continue;
        bool unique = datagen_is_unique(c, t, col->name);
        const Constraint *fk = datagen_fk_of(t, col->name, hint);
        const char *expr = NULL;
        if (fk) {
            const Table *parent = ref_table(c, fk);
            const List *key = parent ? referenced_key(parent, fk->columns.len) : NULL;
            if (!parent || !key || parent == t) {
                if (!col->not_null)
                    continue; /* left NULL */
                if (col->default_expr)
                    continue;
                *why = arena_printf(a, "%s is NOT NULL and references %s, which zdm cannot fill first",
                                    col->name, fk->ref_table ? fk->ref_table : "a table it does not know");
                return NULL;
            }
            int f = -1;
            for (int k = 0; k < fks.len; k++)
                if (LIST_GET(&fks, k) == fk)
                    f = k;
            if (f < 0) {
                f = fks.len;
                list_push(a, &fks, (void *)fk);
                const char *pq = arena_printf(a, "%s.%s", db_quote_ident(a, parent->schema),
                                              db_quote_ident(a, parent->name));
                StrBuf sel;
                sb_init(&sel, a);
                for (int k = 0; k < key->len; k++)
                    sb_printf(&sel, "%s AS k%d, ", db_quote_ident(a, LIST_GET(key, k)), k);
                sb_printf(&joins,
                          " JOIN (SELECT %srow_number() OVER () AS rn FROM %s) f%d"
                          " ON f%d.rn = 1 + (g - 1) %% greatest((SELECT count(*) FROM %s), 1)",
                          sel.data, pq, f, f, pq);
            }
            int pos = 0;
            for (int k = 0; k < fk->columns.len; k++)
                if (strcmp(LIST_GET(&fk->columns, k), col->name) == 0)
                    pos = k;
            expr = arena_printf(a, "f%d.k%d", f, pos);
        } else {
            if (col->default_expr && !(unique && !col->default_volatile))
                continue; /* the default fills it */
            expr = value_expr(a, c, t, col, unique);
            if (!expr) {
                if (!col->not_null)
                    continue;
                *why = arena_printf(a, "zdm makes no values of type %s (column %s, NOT NULL, no default)",
                                    catalog_type_sql(a, col), col->name);
                return NULL;
            }
        }
        sb_printf(&cols, "%s%s", ncols ? ", " : "", db_quote_ident(a, col->name));
        sb_printf(&vals, "%s%s", ncols ? ", " : "", expr);
        ncols++;
    }
    if (ncols == 0)
        return arena_printf(a, "INSERT INTO %s SELECT FROM generate_series(1, %ld) g", self, rows);
    return arena_printf(a, "INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %ld) g%s", self, cols.data,
                        vals.data, rows, joins.data);
}

/* ---- the clients' values --------------------------------------------------------- */

const char *datagen_literal(char *buf, size_t size, const Catalog *c, const Column *col, unsigned long n)
{
    if (col->array_dims > 0)
        return "'{}'";
    if (is_type(col, "int2"))
        snprintf(buf, size, "%lu", n % 30000);
    else if (is_integer(col) || is_type(col, "oid"))
        snprintf(buf, size, "%lu", n % 2000000000UL);
    else if (is_type(col, "numeric")) {
        unsigned long m = 1000000000UL;
        if (col->ntypmods >= 2) {
            m = 1;
            for (int i = 0; i < col->typmods[0] - col->typmods[1] && i < 9; i++)
                m *= 10;
        }
        snprintf(buf, size, "%lu", n % m);
    } else if (is_type(col, "float4") || is_type(col, "float8") || is_type(col, "money"))
        snprintf(buf, size, "%lu.5", n % 1000000);
    else if (is_type(col, "bool"))
        snprintf(buf, size, "%s", n % 2 ? "true" : "false");
    else if (is_text(col)) {
        int lim = text_limit(col);
        char v[32];
        snprintf(v, sizeof v, "v%lu", n);
        if (lim > 0 && lim < (int)sizeof v)
            v[lim] = '\0';
        snprintf(buf, size, "'%s'", v);
    } else if (is_type(col, "uuid"))
        snprintf(buf, size, "'00000000-0000-4000-8000-%012lx'", n & 0xffffffffffffUL);
    else if (is_type(col, "date"))
        snprintf(buf, size, "'%04lu-%02lu-%02lu'", 2000 + n % 30, 1 + n % 12, 1 + n % 28);
    else if (is_type(col, "timestamp") || is_type(col, "timestamptz"))
        snprintf(buf, size, "'%04lu-%02lu-%02lu %02lu:%02lu:%02lu'", 2000 + n % 30, 1 + n % 12, 1 + n % 28,
                 n % 24, n % 60, (n / 60) % 60);
    else if (is_type(col, "time"))
        snprintf(buf, size, "'%02lu:%02lu:%02lu'", n % 24, n % 60, (n / 60) % 60);
    else if (is_type(col, "interval"))
        snprintf(buf, size, "'%lu seconds'", n % 100000);
    else if (is_type(col, "json") || is_type(col, "jsonb"))
        snprintf(buf, size, "'{\"n\": %lu}'", n);
    else if (is_type(col, "bytea"))
        snprintf(buf, size, "'\\x%08lx'", n & 0xffffffffUL);
    else if (is_type(col, "inet"))
        snprintf(buf, size, "'10.%lu.%lu.%lu'", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    else {
        const char *dot = strchr(col->type, '.');
        const EnumType *e = NULL;
        if (dot) {
            char schema[128];
            snprintf(schema, sizeof schema, "%.*s", (int)(dot - col->type), col->type);
            e = catalog_find_enum(c, schema, dot + 1);
        }
        if (!e || e->values.len == 0)
            return NULL;
        const char *v = LIST_GET(&e->values, (int)(n % (unsigned long)e->values.len));
        size_t k = 0;
        buf[k++] = '\'';
        for (const char *p = v; *p && k + 3 < size; p++) {
            if (*p == '\'')
                buf[k++] = '\'';
            buf[k++] = *p;
        }
        buf[k++] = '\'';
        buf[k] = '\0';
    }
    return buf;
}

double rehearse_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    if (p <= 0)
        return sorted[0];
    /* nearest rank: the smallest value with at least p% of the values at or below it */
    double rank = p / 100.0 * (double)n;
    size_t k = (size_t)rank;
    if ((double)k < rank)
        k++;
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return sorted[k - 1];
}
