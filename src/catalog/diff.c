/*
 * diff.c — comparing two catalogs, object by object.
 *
 * Each side is walked once per kind of object and looked up on the other
 * side by name; what exists on one side only is one line, what differs in
 * an attribute is one line per attribute. The lines are sorted at the end,
 * so the output does not depend on the order objects were created in.
 *
 * Only what the replay models is compared. Where the replay keeps an
 * abbreviated form (a default that is not a constant is "(expression)"),
 * the comparison accepts any value of that form on the other side.
 */
#include <stdlib.h>
#include <string.h>


#include "../sql/sql.h"
#include "diff.h"
#include "replay.h"
#include "../sql/pg.h"

typedef struct Diff {
    Arena *a;
    const char *l, *r; /* labels */
    List *out;
    int n;
} Diff;

static void add(Diff *d, const char *line)
{
    list_push(d->a, d->out, (void *)line);
    d->n++;
}

static const char *qual(Arena *a, const char *schema, const char *name)
{
    return arena_printf(a, "%s.%s", schema, name);
}

/* ---- values ------------------------------------------------------------------- */

/* numeric(10) is numeric(10,0): compare the two spellings as one. */
static const char *type_of(Arena *a, const Column *c)
{
    Column n = *c;
    if (n.type && strcmp(n.type, "numeric") == 0 && n.ntypmods == 2 && n.typmods[1] == 0)
        n.ntypmods = 1;
    return catalog_type_sql(a, &n);
}

static const char *unqualified(const char *type)
{
    const char *dot = strrchr(type, '.');
    return dot ? dot + 1 : type;
}

static bool same_type(const char *x, const char *y)
{
    /* a user type is "schema.name" where the migration qualified it, the bare
     * name where it did not */
    return strcmp(x, y) == 0 || strcmp(unqualified(x), unqualified(y)) == 0;
}

/* A default without its quotes; NULL for none (DEFAULT NULL stores none). */
static const char *norm_default(Arena *a, const char *d)
{
    if (!d || strcmp(d, "NULL") == 0)
        return NULL;
    StrBuf sb;
    sb_init(&sb, a);
    for (const char *p = d; *p; p++)
        if (*p != '\'')
            sb_appendn(&sb, p, 1);
    return sb.data;
}

static bool same_default(Arena *a, const char *x, const char *y)
{
    x = norm_default(a, x);
    y = norm_default(a, y);
    if (!x || !y)
        return !x && !y;
    return strcmp(x, y) == 0 || strcmp(x, "(expression)") == 0 || strcmp(y, "(expression)") == 0;
}

static const char *names(Arena *a, const List *l)
{
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "(");
    for (int i = 0; i < l->len; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", (const char *)LIST_GET(l, i));
    sb_append(&sb, ")");
    return sb.data;
}

static bool same_names(const List *x, const List *y)
{
    if (x->len != y->len)
        return false;
    for (int i = 0; i < x->len; i++)
        if (strcmp(LIST_GET(x, i), LIST_GET(y, i)) != 0)
            return false;
    return true;
}

/* Index keys: an expression is "(...)" on both sides, its text as each side
 * wrote it, so only its place is compared. */
static bool same_keys(const List *x, const List *y)
{
    if (x->len != y->len)
        return false;
    for (int i = 0; i < x->len; i++) {
        const char *p = LIST_GET(x, i), *q = LIST_GET(y, i);
        if ((p[0] == '(') != (q[0] == '('))
            return false;
        if (p[0] != '(' && strcmp(p, q) != 0)
            return false;
    }
    return true;
}

static const char *con_type_name(ConType t)
{
    switch (t) {
    case CON_PRIMARY: return "PRIMARY KEY";
    case CON_UNIQUE: return "UNIQUE";
    case CON_CHECK: return "CHECK";
    case CON_FOREIGN: return "FOREIGN KEY";
    case CON_EXCLUDE: return "EXCLUDE";
    case CON_NOT_NULL: return "NOT NULL";
    }
    return "?";
}

/* ---- objects ------------------------------------------------------------------ */

static void diff_columns(Diff *d, const Table *x, const Table *y)
{
    Arena *a = d->a;
    for (int i = 0; i < x->columns.len; i++) {
        const Column *c = LIST_GET(&x->columns, i);
        if (c->assumed)
            continue;
        const char *what = arena_printf(a, "column %s.%s.%s", x->schema, x->name, c->name);
        const Column *o = catalog_find_column(y, c->name);
        if (!o) {
            add(d, arena_printf(a, "%s: only in %s", what, d->l));
            continue;
        }
        if (o->assumed)
            continue;
        const char *tx = type_of(a, c), *ty = type_of(a, o);
        if (!same_type(tx, ty))
            add(d, arena_printf(a, "%s: type %s in %s, %s in %s", what, tx, d->l, ty, d->r));
        if (c->not_null != o->not_null)
            add(d, arena_printf(a, "%s: %s in %s, %s in %s", what, c->not_null ? "NOT NULL" : "nullable",
                                d->l, o->not_null ? "NOT NULL" : "nullable", d->r));
        if (!c->identity && !o->identity && !c->generated && !o->generated &&
            !same_default(a, c->default_expr, o->default_expr)) {
            const char *dx = norm_default(a, c->default_expr) ? c->default_expr : NULL;
            const char *dy = norm_default(a, o->default_expr) ? o->default_expr : NULL;
            add(d, arena_printf(a, "%s: default %s in %s, %s in %s", what, dx ? dx : "none", d->l,
                                dy ? dy : "none", d->r));
        }
        if (c->identity != o->identity)
            add(d, arena_printf(a, "%s: identity %s in %s, %s in %s", what,
                                c->identity == 'a' ? "ALWAYS" : c->identity == 'd' ? "BY DEFAULT" : "none", d->l,
                                o->identity == 'a' ? "ALWAYS" : o->identity == 'd' ? "BY DEFAULT" : "none", d->r));
        if (c->generated != o->generated)
            add(d, arena_printf(a, "%s: %s in %s, %s in %s", what, c->generated ? "generated" : "not generated",
                                d->l, o->generated ? "generated" : "not generated", d->r));
    }
    for (int i = 0; i < y->columns.len; i++) {
        const Column *o = LIST_GET(&y->columns, i);
        if (!o->assumed && !catalog_find_column(x, o->name))
            add(d, arena_printf(a, "column %s.%s.%s: only in %s", y->schema, y->name, o->name, d->r));
    }
}

static void diff_constraints(Diff *d, const Table *x, const Table *y)
{
    Arena *a = d->a;
    for (int i = 0; i < x->constraints.len; i++) {
        const Constraint *c = LIST_GET(&x->constraints, i);
        /* a not-null constraint is the column's NOT NULL, compared with the
         * columns; the database lists one for every NOT NULL column (18) */
        if (!c->name || c->type == CON_NOT_NULL)
            continue;
        const char *what = arena_printf(a, "constraint %s.%s.%s", x->schema, x->name, c->name);
        const Constraint *o = catalog_find_constraint(y, c->name);
        if (!o) {
            add(d, arena_printf(a, "%s: only in %s", what, d->l));
            continue;
        }
        if (c->type != o->type) {
            add(d, arena_printf(a, "%s: %s in %s, %s in %s", what, con_type_name(c->type), d->l,
                                con_type_name(o->type), d->r));
            continue;
        }
        if (c->validated != o->validated)
            add(d, arena_printf(a, "%s: %s in %s, %s in %s", what, c->validated ? "validated" : "NOT VALID",
                                d->l, o->validated ? "validated" : "NOT VALID", d->r));
        if (c->type != CON_CHECK && c->type != CON_EXCLUDE && c->columns.len && o->columns.len &&
            !same_names(&c->columns, &o->columns))
            add(d, arena_printf(a, "%s: columns %s in %s, %s in %s", what, names(a, &c->columns), d->l,
                                names(a, &o->columns), d->r));
        if (c->type == CON_FOREIGN && c->ref_table && o->ref_table && strcmp(c->ref_table, o->ref_table) != 0)
            add(d, arena_printf(a, "%s: references %s in %s, %s in %s", what, c->ref_table, d->l,
                                o->ref_table, d->r));
    }
    for (int i = 0; i < y->constraints.len; i++) {
        const Constraint *o = LIST_GET(&y->constraints, i);
        if (o->name && o->type != CON_NOT_NULL && !catalog_find_constraint(x, o->name))
            add(d, arena_printf(a, "constraint %s.%s.%s: only in %s", y->schema, y->name, o->name, d->r));
    }
}

static void diff_tables(Diff *d, const Catalog *x, const Catalog *y)
{
    Arena *a = d->a;
    for (int i = 0; i < x->tables.len; i++) {
        const Table *t = LIST_GET(&x->tables, i);
        if (t->assumed)
            continue;
        const Table *o = catalog_find_table(y, t->schema, t->name);
        if (!o) {
            add(d, arena_printf(a, "table %s: only in %s", qual(a, t->schema, t->name), d->l));
            continue;
        }
        if (o->assumed)
            continue;
        if (t->partitioned != o->partitioned)
            add(d, arena_printf(a, "table %s: %s in %s, %s in %s", qual(a, t->schema, t->name),
                                t->partitioned ? "partitioned" : "not partitioned", d->l,
                                o->partitioned ? "partitioned" : "not partitioned", d->r));
        diff_columns(d, t, o);
        diff_constraints(d, t, o);
    }
    for (int i = 0; i < y->tables.len; i++) {
        const Table *o = LIST_GET(&y->tables, i);
        if (!o->assumed && !catalog_find_table(x, o->schema, o->name))
            add(d, arena_printf(a, "table %s: only in %s", qual(a, o->schema, o->name), d->r));
    }
}

static bool table_assumed(const Catalog *c, const char *schema, const char *name)
{
    const Table *t = catalog_find_table(c, schema, name);
    return t && t->assumed;
}

static void invalid_line(Diff *d, const Index *ix, const char *label)
{
    add(d, arena_printf(d->a, "index %s: INVALID in %s (a CREATE INDEX CONCURRENTLY that did not finish: "
                              "drop it and build it again)", qual(d->a, ix->schema, ix->name), label));
}

static void diff_indexes(Diff *d, const Catalog *x, const Catalog *y)
{
    Arena *a = d->a;
    for (int i = 0; i < x->indexes.len; i++) {
        const Index *ix = LIST_GET(&x->indexes, i);
        const char *what = arena_printf(a, "index %s", qual(a, ix->schema, ix->name));
        if (!ix->valid)
            invalid_line(d, ix, d->l);
        const Index *o = catalog_find_index(y, ix->schema, ix->name);
        if (!o) {
            if (!table_assumed(x, ix->table_schema, ix->table))
                add(d, arena_printf(a, "%s: only in %s", what, d->l));
            continue;
        }
        if (strcmp(ix->table, o->table) != 0 || strcmp(ix->table_schema, o->table_schema) != 0)
            add(d, arena_printf(a, "%s: on %s in %s, on %s in %s", what, qual(a, ix->table_schema, ix->table),
                                d->l, qual(a, o->table_schema, o->table), d->r));
        if (ix->unique != o->unique)
            add(d, arena_printf(a, "%s: %s in %s, %s in %s", what, ix->unique ? "unique" : "not unique", d->l,
                                o->unique ? "unique" : "not unique", d->r));
        if (ix->partial != o->partial)
            add(d, arena_printf(a, "%s: %s in %s, %s in %s", what, ix->partial ? "partial" : "not partial", d->l,
                                o->partial ? "partial" : "not partial", d->r));
        if (!same_keys(&ix->columns, &o->columns))
            add(d, arena_printf(a, "%s: keys %s in %s, %s in %s", what, names(a, &ix->columns), d->l,
                                names(a, &o->columns), d->r));
    }
    for (int i = 0; i < y->indexes.len; i++) {
        const Index *o = LIST_GET(&y->indexes, i);
        if (!o->valid)
            invalid_line(d, o, d->r);
        if (!catalog_find_index(x, o->schema, o->name) && !table_assumed(y, o->table_schema, o->table))
            add(d, arena_printf(a, "index %s: only in %s", qual(a, o->schema, o->name), d->r));
    }
}

static void diff_views(Diff *d, const Catalog *x, const Catalog *y)
{
    for (int pass = 0; pass < 2; pass++) {
        const Catalog *p = pass ? y : x, *q = pass ? x : y;
        for (int i = 0; i < p->views.len; i++) {
            const View *v = LIST_GET(&p->views, i);
            const View *o = catalog_find_view(q, v->schema, v->name);
            const char *kind = v->materialized ? "materialized view" : "view";
            if (!o)
                add(d, arena_printf(d->a, "%s %s: only in %s", kind, qual(d->a, v->schema, v->name),
                                    pass ? d->r : d->l));
            else if (!pass && v->materialized != o->materialized)
                add(d, arena_printf(d->a, "view %s: %s in %s, %s in %s", qual(d->a, v->schema, v->name),
                                    kind, d->l, o->materialized ? "materialized view" : "view", d->r));
        }
    }
}

static void diff_sequences_enums(Diff *d, const Catalog *x, const Catalog *y)
{
    for (int pass = 0; pass < 2; pass++) {
        const Catalog *p = pass ? y : x, *q = pass ? x : y;
        const char *label = pass ? d->r : d->l;
        for (int i = 0; i < p->sequences.len; i++) {
            const Sequence *s = LIST_GET(&p->sequences, i);
            if (!catalog_find_sequence(q, s->schema, s->name))
                add(d, arena_printf(d->a, "sequence %s: only in %s", qual(d->a, s->schema, s->name), label));
        }
        for (int i = 0; i < p->enums.len; i++) {
            const EnumType *e = LIST_GET(&p->enums, i);
            const EnumType *o = catalog_find_enum(q, e->schema, e->name);
            if (!o)
                add(d, arena_printf(d->a, "enum %s: only in %s", qual(d->a, e->schema, e->name), label));
            else if (!pass && !same_names(&e->values, &o->values))
                add(d, arena_printf(d->a, "enum %s: values %s in %s, %s in %s", qual(d->a, e->schema, e->name),
                                    names(d->a, &e->values), d->l, names(d->a, &o->values), d->r));
        }
        for (int i = 0; i < p->schemas.len; i++) {
            const char *s = LIST_GET(&p->schemas, i);
            if (strcmp(s, "public") != 0 && strcmp(s, "pg_catalog") != 0 && !catalog_has_schema(q, s))
                add(d, arena_printf(d->a, "schema %s: only in %s", s, label));
        }
    }
}

static int cmp_lines(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int catalog_diff(Arena *a, const Catalog *left, const Catalog *right, const char *left_label,
                 const char *right_label, List *out)
{
    Diff d = {a, left_label, right_label, out, 0};
    int first = out->len;
    diff_tables(&d, left, right);
    diff_indexes(&d, left, right);
    diff_views(&d, left, right);
    diff_sequences_enums(&d, left, right);
    if (d.n > 1)
        qsort(out->items + first, (size_t)d.n, sizeof(void *), cmp_lines);
    return d.n;
}

Catalog *catalog_of_history(Arena *a, History *h, int pg_version, ZdmError *err)
{
    Catalog *cat = catalog_new();
    Replay r = {.cat = cat, .arena = a, .pg_version = pg_version};
    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        r.migration = m->index;
        for (int j = 0; j < m->nstmts; j++)
            if (replay_statement(&r, m, m->stmts[j], NULL, err) < 0) {
                catalog_free(cat);
                return NULL;
            }
    }
    return cat;
}


const char *catalog_render_default(Arena *a, const char *expr)
{
    if (!expr)
        return NULL;
    const char *sql = arena_printf(a, "SELECT %s", expr);
    PgList *stmts;
    SqlSyntaxError e;
    const char *out = NULL;
    if (sql_parse_text(a, sql, &stmts, &e) == 0 && list_length(stmts) == 1) {
        const Node *sel = linitial_node(RawStmt, stmts)->stmt;
        const PgList *targets = IsA(sel, SelectStmt) ? castNode(SelectStmt, sel)->targetList : NIL;
        if (list_length(targets) >= 1 && IsA(linitial(targets), ResTarget))
            out = sql_expr_text(a, linitial_node(ResTarget, targets)->val);
    }
    /* pg_get_expr prints a negative number as a cast string ('-1'::integer),
     * where the migration wrote -1 */
    if (out && out[0] == '\'' && (out[1] == '-' || (out[1] >= '0' && out[1] <= '9'))) {
        char *end;
        strtod(out + 1, &end);
        if (end[0] == '\'' && end[1] == '\0')
            out = arena_strndup(a, out + 1, (size_t)(end - out - 1));
    }
    return out;
}
