/*
 * replay.c — one statement at a time, over the catalog.
 *
 * For each statement: find the objects it names (taking unknown ones as
 * existing: histories often start mid-way), change the catalog as PostgreSQL
 * would, and record an Action per change with the lock PostgreSQL's
 * documentation gives for that command or ALTER TABLE sub-command and the
 * cost class that follows from the catalog (a table created in this release
 * costs nothing live; varchar(32)→varchar(64) does not rewrite; SET NOT NULL
 * skips its scan behind a validated CHECK on 12+). Where a rule's fix repeats
 * the user's SQL (a column's type, a constraint, a USING expression), the
 * Action carries it as written, cut out of the migration's text at the parse
 * tree's locations; the catalog keeps column types and index definitions as
 * written, so that a later statement's fix can repeat them too.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "../sql/sql.h"
#include "replay.h"
#include "../sql/pg.h"

typedef struct Ctx {
    Replay *r;
    Catalog *cat;
    Arena *ca; /* the catalog's arena: for what the catalog keeps */
    const Migration *m;
    const Statement *s;
    Effects *fx;
    /* ALTER TABLE: the text of the sub-command being replayed ([-1, -1) unknown),
     * and the column definition whose constraints are being added */
    int sub_from, sub_to;
    const PgList *alter_cmds; /* ALTER TABLE: all its sub-commands */
    const ColumnDef *coldef;
    int do_depth; /* DO blocks inside DO blocks being replayed */
} Ctx;

const char *lock_mode_name(LockMode m)
{
    static const char *names[] = {
        "NONE", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE",
        "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
        "EXCLUSIVE", "ACCESS EXCLUSIVE",
    };
    return names[m];
}

const char *cost_name(Cost c)
{
    static const char *names[] = {
        "none", "catalog-only", "scans-table", "writes-rows", "builds-index", "rewrites-table",
    };
    return names[c];
}

/* ---- recording ---------------------------------------------------------- */

static const char *qualname(Ctx *c, const char *schema, const char *name)
{
    return arena_printf(c->r->arena, "%s.%s", schema, name);
}

static bool table_is_new(const Table *t) { return t && t->created_in >= 0; }

/* Records an action on table t (may be NULL for objects that are not tables). */
static Action *act(Ctx *c, ActionKind kind, const Table *t, LockMode lock, Cost cost,
                   int offset)
{
    if (!c->fx)
        return NULL;
    Action *a = arena_alloc(c->r->arena, sizeof *a);
    a->kind = kind;
    a->lock = lock;
    a->cost = cost;
    a->offset = offset >= 0 ? offset : c->s->offset;
    if (t) {
        a->table = qualname(c, t->schema, t->name);
        if (table_is_new(t))
            a->flags |= A_NEW_TABLE;
        if (t->assumed)
            a->flags |= A_ASSUMED;
    }
    list_push(c->r->arena, &c->fx->actions, a);
    return a;
}

static Action *act_named(Ctx *c, ActionKind kind, const char *qualified, Cost cost)
{
    Action *a = act(c, kind, NULL, LOCK_NONE, cost, -1);
    if (a)
        a->table = qualified;
    return a;
}

static const char *keep(Ctx *c, const char *s) { return catalog_str(c->cat, s); }
static const char *note(Ctx *c, const char *s) { return arena_strdup(c->r->arena, s); }

/* ---- the statement's text ---------------------------------------------------- */

/*
 * Fixes repeat the user's SQL (a type as written, a constraint, a USING
 * expression), so the replay cuts it out of the migration's text. The parse
 * tree gives where a clause starts (node locations are byte offsets in the
 * migration's text); where it ends is found by scanning on to the next comma,
 * closing bracket or keyword at the same nesting depth, stepping over
 * strings, quoted names, dollar quotes and comments whole.
 */

/* Is the word at t[i] (case-insensitive, a whole word) w? */
static bool word_at(const char *t, int i, int end, const char *w)
{
    size_t n = strlen(w);
    if (i < 0 || (size_t)(end - i) < n || (i > 0 && sql_is_ident_char((unsigned char)t[i - 1])))
        return false;
    for (size_t k = 0; k < n; k++)
        if ((t[i + (int)k] | 0x20) != (w[k] | 0x20))
            return false;
    return i + (int)n >= end || !sql_is_ident_char((unsigned char)t[i + (int)n]);
}

/*
 * Scans t[i, end) at nesting depth 0 and returns where the first of these
 * stands, or end: a ',' (when commas), a ')' or ']' closing a bracket opened
 * before i, an '(' (when open), the word w (when not NULL).
 */
static int scan(const char *t, int i, int end, bool commas, bool open, const char *w)
{
    int depth = 0;
    while (i < end) {
        int j = sql_skip_quoted(t, i, end);
        if (j > i) {
            i = j;
            continue;
        }
        char ch = t[i];
        if (depth == 0 && ((commas && ch == ',') || (open && ch == '(') ||
                           (w && word_at(t, i, end, w))))
            return i;
        if (ch == '(' || ch == '[') {
            depth++;
        } else if (ch == ')' || ch == ']') {
            if (depth == 0)
                return i;
            depth--;
        }
        i++;
    }
    return end;
}

/* The end of the clause (ALTER TABLE sub-command, table element, list item)
 * that i lies in: its comma, the bracket closing it, or end. */
static int clause_end(const char *t, int i, int end) { return scan(t, i, end, true, false, NULL); }

/* Just past the bracket group opening at t[open]. */
static int group_end(const char *t, int open, int end)
{
    int close = scan(t, open + 1, end, false, false, NULL);
    return close < end ? close + 1 : end;
}

/* Just past the name (one part, quoted or not) starting at t[i]. */
static int name_end(const char *t, int i, int end)
{
    if (i < end && t[i] == '"')
        return sql_skip_quoted(t, i, end);
    while (i < end && sql_is_ident_char((unsigned char)t[i]))
        i++;
    return i;
}

/* t[from, to) as the user wrote it, each run of whitespace and comments made
 * one space, and trimmed: "varchar(32)", "CHECK (age >= 0)". */
static const char *src_text(Ctx *c, const char *t, int from, int to)
{
    StrBuf sb;
    sb_init(&sb, c->r->arena);
    bool gap = false;
    int i = sql_skip_noise(t, from, to);
    while (i < to) {
        int j = sql_skip_noise(t, i, to);
        if (j > i) {
            gap = true;
            i = j;
            continue;
        }
        if (gap)
            sb_append(&sb, " ");
        gap = false;
        j = sql_skip_quoted(t, i, to);
        if (j <= i)
            j = i + 1;
        sb_appendn(&sb, t + i, (size_t)(j - i));
        i = j;
    }
    return sb.data;
}

/* The statement's text and where it ends, for locations inside it. */
static const char *stmt_text(const Ctx *c) { return c->m ? c->m->text : NULL; }
static int stmt_end(const Ctx *c) { return c->s->offset + c->s->len; }

/* Is location loc inside the statement (a node's location may be -1)? */
static bool in_stmt(const Ctx *c, int loc)
{
    return stmt_text(c) && loc >= c->s->offset && loc < stmt_end(c);
}

/* Where a constraint's own keyword stands: past "CONSTRAINT name". */
static int con_elem_start(Ctx *c, const PgConstraint *k)
{
    int loc = k->location;
    if (!in_stmt(c, loc))
        return -1;
    const char *t = stmt_text(c);
    int end = stmt_end(c);
    if (word_at(t, loc, end, "CONSTRAINT"))
        loc = sql_skip_noise(t, name_end(t, sql_skip_noise(t, loc + 10, end), end), end);
    return loc;
}

/* Where the part of column definition def that starts at from (its type, a
 * constraint) ends: at the next constraint, its COLLATE, or the end of the
 * definition. DEFERRABLE and INITIALLY belong to the constraint before them. */
static bool con_attr(ConstrType t)
{
    return t == CONSTR_ATTR_DEFERRABLE || t == CONSTR_ATTR_NOT_DEFERRABLE ||
           t == CONSTR_ATTR_DEFERRED || t == CONSTR_ATTR_IMMEDIATE ||
           t == CONSTR_ATTR_ENFORCED || t == CONSTR_ATTR_NOT_ENFORCED;
}

static int coldef_part_end(Ctx *c, const ColumnDef *def, int from)
{
    const char *t = stmt_text(c);
    int end = clause_end(t, from, stmt_end(c));
    foreach_node(PgConstraint, k, def->constraints) {
        if (!con_attr(k->contype) && k->location > from && k->location < end)
            end = k->location;
    }
    int coll = def->collClause ? def->collClause->location : -1;
    return coll > from && coll < end ? coll : end;
}

/* A column definition's type as written. */
static const char *coldef_type_sql(Ctx *c, const ColumnDef *def)
{
    int from = def->typeName ? def->typeName->location : -1;
    if (!in_stmt(c, from))
        return NULL;
    return src_text(c, stmt_text(c), from, coldef_part_end(c, def, from));
}

/* The expression of a column's DEFAULT or GENERATED ... AS (expr) as written. */
static const char *coldef_expr_sql(Ctx *c, const ColumnDef *def, const PgConstraint *k)
{
    int from = con_elem_start(c, k);
    if (from < 0)
        return NULL;
    const char *t = stmt_text(c);
    int end = coldef_part_end(c, def, from);
    if (word_at(t, from, end, "DEFAULT"))
        return src_text(c, t, from + 7, end);
    int open = scan(t, from, end, false, true, NULL);
    if (open >= end)
        return NULL;
    return src_text(c, t, open + 1, group_end(t, open, end) - 1);
}

static bool in_primary_key(const Table *t, const char *column)
{
    for (int i = 0; t && i < t->constraints.len; i++) {
        const Constraint *k = LIST_GET(&t->constraints, i);
        for (int j = 0; k->type == CON_PRIMARY && j < k->columns.len; j++)
            if (util_streq(LIST_GET(&k->columns, j), column))
                return true;
    }
    return false;
}

/* What the rules repeat of a column the statement changes, as it is before. */
static void note_column(Ctx *c, Action *a, const Column *col)
{
    if (!a || !col)
        return;
    a->col_type = col->type_sql ? note(c, col->type_sql)
                  : col->type   ? catalog_type_sql(c->r->arena, col)
                                : NULL;
    a->col_not_null = col->not_null;
    a->col_has_default = col->default_expr || col->identity || col->serial || col->generated;
}

/* ---- names and tables ------------------------------------------------------ */

static const char *schema_or_default(Ctx *c, const char *schema)
{
    return schema ? schema : catalog_creation_schema(c->cat);
}

static Table *add_table(Ctx *c, const char *schema, const char *name, bool assumed)
{
    Table *t = arena_alloc(c->ca, sizeof *t);
    t->schema = keep(c, schema_or_default(c, schema));
    t->name = keep(c, name);
    t->assumed = assumed;
    t->created_in = assumed || !c->r->pending ? -1 : c->r->migration;
    catalog_add_table(c->cat, t);
    Catalog *b = c->r->baseline;
    if (assumed && b && !catalog_find_table(b, t->schema, t->name)) {
        Table *bt = arena_alloc(b->arena, sizeof *bt);
        bt->schema = catalog_str(b, t->schema);
        bt->name = catalog_str(b, t->name);
        bt->assumed = true;
        bt->created_in = -1;
        catalog_add_table(b, bt);
    }
    return t;
}

/* The table a RangeVar names; an unknown one is taken as existing. */
static Table *table_of(Ctx *c, const RangeVar *rangevar)
{
    if (!rangevar || !rangevar->relname)
        return NULL;
    const char *schema = rangevar->schemaname;
    const char *name = rangevar->relname;
    Table *t = catalog_find_table(c->cat, schema, name);
    return t ? t : add_table(c, schema, name, true);
}

static Column *add_column(Ctx *c, Table *t, const char *name)
{
    Column *col = arena_alloc(c->ca, sizeof *col);
    col->name = keep(c, name);
    list_push(c->ca, &t->columns, col);
    return col;
}

/* A column the statement names; on a table whose columns zdm never saw
 * (assumed), the column is taken as existing too. */
static Column *column_of(Ctx *c, Table *t, const char *name)
{
    Column *col = catalog_find_column(t, name);
    if (!col && t->assumed) {
        col = add_column(c, t, name);
        col->assumed = true;
        Catalog *b = c->r->baseline;
        Table *bt = b ? catalog_find_table(b, t->schema, t->name) : NULL;
        if (bt && !catalog_find_column(bt, name)) {
            Column *bc = arena_alloc(b->arena, sizeof *bc);
            bc->name = catalog_str(b, name);
            bc->assumed = true;
            list_push(b->arena, &bt->columns, bc);
        }
    }
    return col;
}

static void remove_item(List *l, const void *item)
{
    for (int i = 0; i < l->len; i++)
        if (l->items[i] == item) {
            memmove(&l->items[i], &l->items[i + 1], sizeof(void *) * (size_t)(l->len - i - 1));
            l->len--;
            return;
        }
}

static bool name_in(const List *names, const char *name)
{
    for (int i = 0; i < names->len; i++)
        if (strcmp(LIST_GET(names, i), name) == 0)
            return true;
    return false;
}

static void drop_indexes_of(Ctx *c, const Table *t, const char *column)
{
    for (int i = t->indexes.len - 1; i >= 0; i--) {
        Index *ix = LIST_GET(&t->indexes, i);
        if (!column || name_in(&ix->columns, column))
            catalog_remove_index(c->cat, ix); /* takes it out of t->indexes too */
    }
}

/* The partitions of a partitioned table t, and theirs, to out (Table*).
 * Depth guards a history that attached tables in a cycle. */
static void partitions_of(Ctx *c, const Table *t, List *out, int depth)
{
    if (!t->partitioned || depth > 32)
        return;
    const char *q = keep(c, qualname(c, t->schema, t->name));
    for (int i = 0; i < c->cat->tables.len; i++) {
        Table *p = LIST_GET(&c->cat->tables, i);
        if (p != t && p->parent && util_streq(p->parent, q)) {
            list_push(c->r->arena, out, p);
            partitions_of(c, p, out, depth + 1);
        }
    }
}

/* ---- views over tables -------------------------------------------------------- */

/* Does view v read relation qualified ("schema.name": a table or a view)? */
static bool view_reads_relation(const View *v, const char *qualified)
{
    return name_in(&v->sources, qualified) || name_in(&v->views, qualified);
}

/* Drops the views that read relation qualified, and the views that read
 * those: what DROP ... CASCADE takes along (without CASCADE PostgreSQL
 * refuses, and the rules say so; the replay goes on as if it had run). */
static void drop_view(Ctx *c, View *v);

static void drop_views_reading(Ctx *c, const char *qualified)
{
    for (int i = c->cat->views.len - 1; i >= 0 && i < c->cat->views.len; i--) {
        View *v = LIST_GET(&c->cat->views, i);
        if (!view_reads_relation(v, qualified))
            continue;
        drop_view(c, v);
        i = c->cat->views.len; /* the list changed under us: from the top again */
    }
}

/* A view dropped along with what it reads: ACCESS EXCLUSIVE on it, as
 * DROP VIEW takes (measured), and on the views that read it in turn. */
static void drop_view(Ctx *c, View *v)
{
    const char *vq = qualname(c, v->schema, v->name);
    Action *a = act_named(c, ACT_DROP_VIEW, vq, COST_CATALOG);
    if (a) {
        a->lock = LOCK_ACCESS_EXCLUSIVE;
        if (v->new_in_release)
            a->flags |= A_NEW_TABLE;
    }
    catalog_remove_view(c->cat, v);
    drop_views_reading(c, vq);
}

/* names holds the views that read something themselves (the first direct
 * of them); adds the views that read those, in an order they can be created
 * in, leaving out those in skip, and writes them all to out (ViewRef*). */
static void view_refs(Ctx *c, List *names, int direct, const List *skip, List *out)
{
    for (int k = 0; k < names->len; k++) /* names grows as readers are found */
        for (int i = 0; i < c->cat->views.len; i++) {
            const View *v = LIST_GET(&c->cat->views, i);
            const char *vq = qualname(c, v->schema, v->name);
            if (name_in(&v->views, LIST_GET(names, k)) && !name_in(names, vq) &&
                !(skip && name_in(skip, vq)))
                list_push(c->r->arena, names, (void *)vq);
        }
    for (int k = 0; k < names->len; k++) {
        const View *v = catalog_find_qualified_view(c->cat, LIST_GET(names, k));
        ViewRef *ref = arena_alloc(c->r->arena, sizeof *ref);
        ref->view = LIST_GET(names, k);
        ref->materialized = v && v->materialized;
        ref->direct = k < direct;
        ref->new_in_release = v && v->new_in_release;
        ref->definition = v && v->definition ? note(c, v->definition) : NULL;
        ref->defined_at = v && v->defined_at ? note(c, v->defined_at) : NULL;
        list_push(c->r->arena, out, ref);
    }
}

/* The views that read column col of t, then the views that read those, in
 * an order they can be created in, into out (ViewRef*). */
static void views_reading_column(Ctx *c, const Table *t, const char *col, List *out)
{
    const char *table = qualname(c, t->schema, t->name);
    List names = {0}; /* const char*: the views found, as out */
    for (int i = 0; col && i < c->cat->views.len; i++) {
        const View *v = LIST_GET(&c->cat->views, i);
        for (int j = 0; j < v->columns.len; j++) {
            const ViewColumn *vc = LIST_GET(&v->columns, j);
            if (util_streq(vc->table, table) && util_streq(vc->column, col)) {
                list_push(c->r->arena, &names, (void *)qualname(c, v->schema, v->name));
                break;
            }
        }
    }
    view_refs(c, &names, names.len, NULL, out);
}

/* The views that read any of rels ("schema.name"s: tables or views), then
 * the views that read those, into out (ViewRef*), leaving out the views in
 * skip: those the same DROP drops, which PostgreSQL lets go together. */
static void views_reading_relations(Ctx *c, const List *rels, const List *skip, List *out)
{
    List names = {0};
    for (int i = 0; i < c->cat->views.len; i++) {
        const View *v = LIST_GET(&c->cat->views, i);
        const char *vq = qualname(c, v->schema, v->name);
        if (name_in(skip, vq))
            continue;
        for (int j = 0; j < rels->len; j++)
            if (view_reads_relation(v, LIST_GET(rels, j))) {
                list_push(c->r->arena, &names, (void *)vq);
                break;
            }
    }
    view_refs(c, &names, names.len, skip, out);
}

/* A view's text names tables, columns and views as they were called: after
 * a rename of one it would create something else, so it is forgotten. */
static void forget_definitions_naming(Ctx *c, const char *qualified)
{
    for (int i = 0; i < c->cat->views.len; i++) {
        View *v = LIST_GET(&c->cat->views, i);
        if (view_reads_relation(v, qualified) || util_streq(qualname(c, v->schema, v->name), qualified))
            v->definition = v->defined_at = NULL;
    }
}

/* Table (or view) was renamed to now ("schema.name"): views follow it. */
static void views_follow_relation(Ctx *c, const char *was, const char *now)
{
    forget_definitions_naming(c, was);
    for (int i = 0; i < c->cat->views.len; i++) {
        View *v = LIST_GET(&c->cat->views, i);
        List *lists[] = {&v->sources, &v->views};
        for (int l = 0; l < 2; l++)
            for (int j = 0; j < lists[l]->len; j++)
                if (util_streq(LIST_GET(lists[l], j), was))
                    lists[l]->items[j] = (void *)keep(c, now);
        for (int j = 0; j < v->columns.len; j++) {
            ViewColumn *vc = LIST_GET(&v->columns, j);
            if (util_streq(vc->table, was))
                vc->table = keep(c, now);
        }
    }
}

/* What views read of relation qualified (column NULL: all of it) is gone
 * while the views stay: PostgreSQL refused the drop (no CASCADE), and the
 * replay goes on as if it had run, but a table or column made again under
 * the name is another one, which no view reads. */
static void forget_reads(Ctx *c, const char *qualified, const char *column)
{
    for (int i = 0; i < c->cat->views.len; i++) {
        View *v = LIST_GET(&c->cat->views, i);
        for (int j = v->columns.len - 1; j >= 0; j--) {
            const ViewColumn *vc = LIST_GET(&v->columns, j);
            if (util_streq(vc->table, qualified) && (!column || util_streq(vc->column, column)))
                remove_item(&v->columns, vc);
        }
        for (int l = 0; !column && l < 2; l++) {
            List *names = l ? &v->views : &v->sources;
            for (int j = names->len - 1; j >= 0; j--)
                if (util_streq(LIST_GET(names, j), qualified))
                    remove_item(names, LIST_GET(names, j));
        }
    }
}

/* DROP TABLE: CASCADE drops the views that read it, else they stay (the
 * rules say PostgreSQL refuses). */
static void drop_table(Ctx *c, Table *t, bool cascade)
{
    const char *tq = qualname(c, t->schema, t->name);
    drop_indexes_of(c, t, NULL);
    if (cascade)
        drop_views_reading(c, tq);
    else
        forget_reads(c, tq, NULL);
    catalog_remove_table(c->cat, t);
}

/* ---- types ------------------------------------------------------------------ */

static const char *canonical_type(const char *name)
{
    static const char *alias[][2] = {
        {"integer", "int4"}, {"int", "int4"}, {"smallint", "int2"}, {"bigint", "int8"},
        {"boolean", "bool"}, {"decimal", "numeric"}, {"real", "float4"},
        {"float", "float8"}, {"character varying", "varchar"}, {"character", "bpchar"},
        {"char", "bpchar"}, {"timestamp with time zone", "timestamptz"},
        {"timestamp without time zone", "timestamp"}, {"serial4", "serial"},
        {"serial8", "bigserial"}, {"serial2", "smallserial"},
    };
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(name, alias[i][0]) == 0)
            return alias[i][1];
    return name;
}

/* Fills col's type from a TypeName; returns true when it was a serial type. */
static bool set_type(Ctx *c, Column *col, const TypeName *tn)
{
    const char *qual = NULL;
    const char *name = tn ? sql_name_list(tn->names, &qual) : NULL;
    if (!name)
        name = "unknown";
    name = canonical_type(name);
    bool serial = false;
    if (strcmp(name, "serial") == 0) { name = "int4"; serial = true; }
    else if (strcmp(name, "bigserial") == 0) { name = "int8"; serial = true; }
    else if (strcmp(name, "smallserial") == 0) { name = "int2"; serial = true; }
    if (qual && strcmp(qual, "pg_catalog") != 0)
        col->type = keep(c, arena_printf(c->r->arena, "%s.%s", qual, name));
    else if (!qual && catalog_find_enum(c->cat, NULL, name)) {
        EnumType *e = catalog_find_enum(c->cat, NULL, name);
        col->type = keep(c, arena_printf(c->r->arena, "%s.%s", e->schema, e->name));
    } else
        col->type = keep(c, name);
    col->ntypmods = 0;
    foreach_ptr(Node, mod, tn ? tn->typmods : NIL) {
        if (IsA(mod, A_Const) && col->ntypmods < 2) {
            const A_Const *k = castNode(A_Const, mod);
            col->typmods[col->ntypmods++] = IsA(&k->val, Integer) ? intVal(&k->val) : 0;
        }
    }
    /* interval's typmods are field masks, not sizes: ignore them */
    if (strcmp(col->type, "interval") == 0)
        col->ntypmods = 0;
    col->array_dims = tn ? list_length(tn->arrayBounds) : 0;
    return serial;
}

/* How the old type's values fit the new type. */
typedef struct TypeChange {
    bool rewrite;
    bool narrows;
} TypeChange;

static int int_rank(const char *t)
{
    if (strcmp(t, "int2") == 0) return 1;
    if (strcmp(t, "int4") == 0) return 2;
    if (strcmp(t, "int8") == 0) return 3;
    if (strcmp(t, "numeric") == 0) return 4;
    return 0;
}

static bool is_text_like(const char *t)
{
    return strcmp(t, "varchar") == 0 || strcmp(t, "text") == 0;
}

/* varchar(n) → n; varchar, text → unlimited (INT32_MAX-ish). */
static int text_limit(const Column *col)
{
    if (strcmp(col->type, "varchar") == 0 && col->ntypmods == 1)
        return col->typmods[0];
    return 1 << 30;
}

/* timestamp ↔ timestamptz, either way, of the same dimensions */
static bool timestamp_zone_change(const Column *from, const Column *to)
{
    return from->type && from->array_dims == to->array_dims &&
           ((strcmp(from->type, "timestamp") == 0 && strcmp(to->type, "timestamptz") == 0) ||
            (strcmp(from->type, "timestamptz") == 0 && strcmp(to->type, "timestamp") == 0));
}

/* utc: the session's TimeZone is UTC (PostgreSQL 12 and later then keep the
 * rows of a timestamp ↔ timestamptz change: the stored values are the same). */
static TypeChange type_change(const Column *from, const Column *to, bool has_using, bool utc)
{
    TypeChange tc = {true, true};
    if (!from->type) /* a column zdm never saw: assume the worst */
        return tc;
    if (from->array_dims != to->array_dims)
        return tc;
    if (timestamp_zone_change(from, to)) {
        /* Every value has a representation either way. A precision below
         * the maximum (6) on the new type rounds each value, even where the
         * old precision was lower: the conversion's result carries none, so
         * PostgreSQL cannot tell the rounding is a no-op (measured on 15 and
         * 18: timestamp(0) → timestamptz(3) rewrites, → timestamptz(6) and
         * → timestamptz do not). */
        tc.narrows = false;
        tc.rewrite = has_using || !utc || (to->ntypmods && to->typmods[0] < 6);
        return tc;
    }
    if (strcmp(from->type, to->type) == 0 && from->ntypmods == to->ntypmods &&
        memcmp(from->typmods, to->typmods, sizeof(int) * (size_t)from->ntypmods) == 0) {
        tc.rewrite = has_using;
        tc.narrows = false;
        return tc;
    }
    if (is_text_like(from->type) && is_text_like(to->type)) {
        /* binary coercible: only a shorter limit needs every value checked */
        int lf = text_limit(from), lt = text_limit(to);
        tc.narrows = lt < lf;
        tc.rewrite = has_using || tc.narrows;
        return tc;
    }
    if (strcmp(from->type, "numeric") == 0 && strcmp(to->type, "numeric") == 0) {
        if (to->ntypmods == 0) { /* unconstrained numeric holds everything */
            tc.rewrite = has_using;
            tc.narrows = false;
            return tc;
        }
        if (from->ntypmods >= 1) {
            int fs = from->ntypmods == 2 ? from->typmods[1] : 0;
            int ts = to->ntypmods == 2 ? to->typmods[1] : 0;
            if (fs == ts && to->typmods[0] >= from->typmods[0]) {
                tc.rewrite = has_using;
                tc.narrows = false;
                return tc;
            }
            /* a new scale rewrites; every value still fits when neither the
             * scale nor the digits before the point shrink */
            tc.narrows = ts < fs || to->typmods[0] - ts < from->typmods[0] - fs;
        }
        return tc;
    }
    if ((strcmp(from->type, "cidr") == 0 && strcmp(to->type, "inet") == 0) ||
        (strcmp(from->type, "varbit") == 0 && strcmp(to->type, "varbit") == 0 &&
         (to->ntypmods == 0 || (from->ntypmods && to->typmods[0] >= from->typmods[0])))) {
        tc.rewrite = has_using;
        tc.narrows = false;
        return tc;
    }
    int rf = int_rank(from->type), rt = int_rank(to->type);
    if (rf && rt) {
        tc.narrows = rt < rf || (rt == 4 && to->ntypmods > 0);
        return tc; /* int4→int8 and friends rewrite */
    }
    if ((strcmp(from->type, "float4") == 0 && strcmp(to->type, "float8") == 0) ||
        (is_text_like(to->type) && text_limit(to) == (1 << 30))) {
        tc.narrows = false; /* every old value has a representation */
        return tc;
    }
    return tc;
}

/* ---- expressions ----------------------------------------------------------- */

/* Functions whose result is fixed within a statement: a default built from
 * them is evaluated once by ADD COLUMN (no rewrite). Anything else, including
 * user functions (VOLATILE unless declared otherwise), counts as volatile. */
static bool function_is_stable(const char *name)
{
    static const char *stable[] = {
        "now", "current_timestamp", "current_date", "transaction_timestamp",
        "statement_timestamp", "lower", "upper", "coalesce", "length", "concat",
        "to_char", "to_timestamp", "to_date", "date_trunc", "jsonb_build_object",
        "json_build_object", "array", "abs", "round", "make_interval", "timezone",
        "current_user", "session_user", "current_schema", "trim", "btrim",
        "replace", "substring", "substr", "jsonb_build_array", "json_build_array",
    };
    for (size_t i = 0; i < sizeof stable / sizeof stable[0]; i++)
        if (strcmp(name, stable[i]) == 0)
            return true;
    return false;
}

/*
 * Expressions are walked with PostgreSQL's raw_expression_tree_walker, which
 * calls a walker on each child node; the walkers below recurse through it.
 * Depth is bounded: the walker checks the stack depth and, past its limit,
 * raises an error that nothing on the replay's thread catches, so an
 * expression nested deeper than MAX_EXPR_DEPTH is taken as unknown instead.
 */
#define MAX_EXPR_DEPTH 1000

typedef struct ExprWalk {
    int depth;
    const char *col; /* refs_to: the column */
    Arena *arena;
    List *out;
} ExprWalk;

/* Walks node's children with fn; true when fn stopped the walk. */
static bool walk_children(Node *node, bool (*fn)(Node *, void *), ExprWalk *w)
{
    if (w->depth >= MAX_EXPR_DEPTH)
        return true;
    w->depth++;
    bool stopped = raw_expression_tree_walker(node, fn, w);
    w->depth--;
    return stopped;
}

static bool volatile_walker(Node *node, void *ctx)
{
    if (!node)
        return false;
    if (IsA(node, FuncCall)) {
        const char *fn = sql_name_list(castNode(FuncCall, node)->funcname, NULL);
        if (!fn || !function_is_stable(fn))
            return true;
    }
    return walk_children(node, volatile_walker, ctx);
}

/* Calls anything but the functions above (or is too deep to tell). */
static bool expr_volatile(const Node *node)
{
    ExprWalk w = {0};
    return volatile_walker((Node *)node, &w);
}

/* A short rendering of simple expressions for messages; "(expression)" else. */
static const char *expr_text(Ctx *c, const Node *node)
{
    return sql_expr_text(c->r->arena, node);
}

/* CHECK (col IS NOT NULL) → col */
static const char *check_not_null_of(const Node *expr)
{
    if (!expr || !IsA(expr, NullTest))
        return NULL;
    const NullTest *nt = castNode(NullTest, expr);
    if (nt->nulltesttype != IS_NOT_NULL || !nt->arg || !IsA(nt->arg, ColumnRef))
        return NULL;
    return sql_name_list(castNode(ColumnRef, nt->arg)->fields, NULL);
}

/* The distinct columns an expression names (ColumnRef), for naming a CHECK. */
static bool columns_walker(Node *node, void *ctx)
{
    ExprWalk *w = ctx;
    if (!node)
        return false;
    if (IsA(node, ColumnRef)) {
        const char *col = sql_name_list(castNode(ColumnRef, node)->fields, NULL);
        bool seen = false;
        for (int i = 0; col && i < w->out->len; i++)
            seen = seen || strcmp(LIST_GET(w->out, i), col) == 0;
        if (col && !seen)
            list_push(w->arena, w->out, (void *)col);
        return false;
    }
    walk_children(node, columns_walker, w);
    return false;
}

static void columns_named(Ctx *c, const Node *node, List *out)
{
    ExprWalk w = {.arena = c->r->arena, .out = out};
    columns_walker((Node *)node, &w);
}

/* ---- the names PostgreSQL chooses ----------------------------------------- */

/*
 * An index or constraint created without a name gets one PostgreSQL builds
 * (indexcmds.c, pg_constraint.c): "table_columns_label", cut to fit in
 * NAMEDATALEN - 1 bytes by shortening the longer of the table and column
 * parts, never the label, and made unique by a number after the label
 * (t_a_key1). A later DROP by that name must find it, so zdm builds it the
 * same way. The texts PostgreSQL cuts are UTF-8 here, cut between
 * characters as pg_mbcliplen does.
 */
#define NAME_BYTES 63 /* NAMEDATALEN - 1 */

/* How many of s's first len bytes fit in limit without splitting a character. */
static int clip_utf8(const char *s, int len, int limit)
{
    int n = 0;
    while (n < len && s[n]) {
        unsigned char b = (unsigned char)s[n];
        int l = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (n + l > limit)
            break;
        n += l;
        if (n == limit)
            break;
    }
    return n;
}

/* makeObjectName: name1_name2_label, name2 and label each optional. */
static const char *make_object_name(Arena *a, const char *name1, const char *name2, const char *label)
{
    int n1 = (int)strlen(name1), n2 = name2 ? (int)strlen(name2) : 0;
    int overhead = (name2 ? 1 : 0) + (label ? (int)strlen(label) + 1 : 0);
    int avail = NAME_BYTES - overhead;
    while (n1 + n2 > avail) { /* the longer part gives way, byte by byte */
        if (n1 > n2)
            n1--;
        else
            n2--;
    }
    n1 = clip_utf8(name1, n1, n1);
    if (name2)
        n2 = clip_utf8(name2, n2, n2);
    return arena_printf(a, "%.*s%s%.*s%s%s", n1, name1, name2 ? "_" : "", n2, name2 ? name2 : "",
                        label ? "_" : "", label ? label : "");
}

/* ChooseIndexNameAddition / ChooseForeignKeyConstraintNameAddition: the
 * column names joined by "_", each at most NAMEDATALEN - 1 bytes, stopping
 * once NAMEDATALEN bytes are reached. */
static const char *name_addition(Arena *a, const List *cols)
{
    StrBuf sb;
    sb_init(&sb, a);
    for (int i = 0; i < cols->len; i++) {
        const char *n = LIST_GET(cols, i);
        if (sb.len)
            sb_append(&sb, "_");
        sb_appendn(&sb, n, strlen(n) < NAME_BYTES ? strlen(n) : NAME_BYTES);
        if (sb.len > NAME_BYTES)
            break;
    }
    return sb.data;
}

/* Is name taken by a relation of schema (table, index, view, sequence)? */
static bool relation_name_taken(Ctx *c, const char *schema, const char *name)
{
    return catalog_find_table(c->cat, schema, name) || catalog_find_index(c->cat, schema, name) ||
           catalog_find_view(c->cat, schema, name) || catalog_find_sequence(c->cat, schema, name);
}

/* Is name taken by a constraint of any table of schema? */
static bool constraint_name_taken(Ctx *c, const char *schema, const char *name)
{
    if (!catalog_constraint_name_seen(c->cat, name))
        return false;
    for (int i = 0; i < c->cat->tables.len; i++) {
        const Table *t = LIST_GET(&c->cat->tables, i);
        if (util_streq(t->schema, schema) && catalog_find_constraint(t, name))
            return true;
    }
    return false;
}

/* ChooseRelationName (relation: an index's name must be free among the
 * relations, and a constraint's index's among the constraints too) and
 * ChooseConstraintName (!relation: among the constraints only). */
static const char *choose_name(Ctx *c, const char *schema, const char *name1, const char *name2,
                               const char *label, bool relation, bool constraint)
{
    Arena *a = c->r->arena;
    for (int pass = 0;; pass++) {
        const char *l = pass ? arena_printf(a, "%s%d", label, pass) : label;
        const char *name = make_object_name(a, name1, name2, l);
        if (!(relation && relation_name_taken(c, schema, name)) &&
            !(constraint && constraint_name_taken(c, schema, name)))
            return name;
    }
}

/* FigureIndexColname (parse_target.c): the name an index column on an
 * expression gets: a column's or a function's name, "case", the type of a
 * cast of something nameless, ... NULL when it has none ("expr"). *strength:
 * 2 for a name from the expression, 1 for a keyword PostgreSQL may replace. */
static const char *expr_colname(const Node *n, int *strength)
{
    *strength = 0;
    if (!n)
        return NULL;
    switch (nodeTag(n)) {
    case T_ColumnRef: {
        const char *name = NULL;
        foreach_ptr(Node, f, castNode(ColumnRef, n)->fields)
            if (IsA(f, String))
                name = strVal(f);
        *strength = name ? 2 : 0;
        return name;
    }
    case T_A_Indirection: {
        const char *name = NULL;
        foreach_ptr(Node, f, castNode(A_Indirection, n)->indirection)
            name = IsA(f, String) ? strVal(f) : NULL;
        if (name) {
            *strength = 2;
            return name;
        }
        return expr_colname(castNode(A_Indirection, n)->arg, strength);
    }
    case T_FuncCall:
        *strength = 2;
        return sql_name_list(castNode(FuncCall, n)->funcname, NULL);
    case T_A_Expr:
        if (castNode(A_Expr, n)->kind == AEXPR_NULLIF) {
            *strength = 2;
            return "nullif";
        }
        return NULL;
    case T_TypeCast: {
        const char *name = expr_colname(castNode(TypeCast, n)->arg, strength);
        if (*strength <= 1 && castNode(TypeCast, n)->typeName) {
            *strength = 1;
            return sql_name_list(castNode(TypeCast, n)->typeName->names, NULL);
        }
        return name;
    }
    case T_CollateClause:
        return expr_colname(castNode(CollateClause, n)->arg, strength);
    case T_CaseExpr: *strength = 1; return "case";
    case T_A_ArrayExpr: *strength = 1; return "array";
    case T_RowExpr: *strength = 1; return "row";
    case T_CoalesceExpr: *strength = 2; return "coalesce";
    case T_MinMaxExpr:
        *strength = 2;
        return castNode(MinMaxExpr, n)->op == IS_GREATEST ? "greatest" : "least";
    case T_SubLink:
        if (castNode(SubLink, n)->subLinkType == EXISTS_SUBLINK) {
            *strength = 2;
            return "exists";
        }
        if (castNode(SubLink, n)->subLinkType == ARRAY_SUBLINK) {
            *strength = 2;
            return "array";
        }
        return NULL;
    default:
        return NULL;
    }
}

/* ChooseIndexColumnNames: each element's name (an expression's from
 * expr_colname, else "expr"), a repeated one given a number. */
static void index_column_name(Ctx *c, const IndexElem *e, List *out)
{
    Arena *a = c->r->arena;
    {
        int strength;
        const char *orig = e->indexcolname ? e->indexcolname
                           : e->name       ? e->name
                                           : expr_colname(e->expr, &strength);
        if (!orig)
            orig = "expr";
        const char *name = orig;
        for (int i = 1; name_in(out, name); i++) {
            char num[16];
            snprintf(num, sizeof num, "%d", i);
            int n = clip_utf8(orig, (int)strlen(orig), NAME_BYTES - (int)strlen(num));
            name = arena_printf(a, "%.*s%s", n, orig, num);
        }
        list_push(a, out, (void *)name);
    }
}

static void index_column_names(Ctx *c, const PgList *elems, List *out)
{
    foreach_node(IndexElem, e, elems)
        index_column_name(c, e, out);
}

/* ---- constraints and indexes ---------------------------------------------- */

static const char *column_list_name(Ctx *c, const List *cols)
{
    StrBuf sb;
    sb_init(&sb, c->r->arena);
    for (int i = 0; i < cols->len; i++)
        sb_printf(&sb, "%s%s", i ? "_" : "", (const char *)LIST_GET(cols, i));
    return sb.data;
}

static Index *add_index(Ctx *c, Table *t, const char *schema, const char *name,
                        const List *cols, bool unique)
{
    Index *ix = arena_alloc(c->ca, sizeof *ix);
    ix->schema = keep(c, schema ? schema : t->schema);
    ix->name = keep(c, name);
    ix->table_schema = t->schema;
    ix->table = t->name;
    for (int i = 0; i < cols->len; i++)
        list_push(c->ca, &ix->columns, (void *)keep(c, LIST_GET(cols, i)));
    ix->unique = unique;
    ix->valid = true;
    ix->created_in = c->r->pending ? c->r->migration : -1;
    catalog_add_index(c->cat, ix);
    return ix;
}

static void names_of(Ctx *c, const PgList *list, List *out)
{
    foreach_ptr(Node, n, list)
        if (IsA(n, String))
            list_push(c->r->arena, out, strVal(n));
}

/*
 * The constraint of ALTER TABLE ... ADD as the fixes repeat it: as a table
 * constraint, with its key columns, and for a column constraint of ADD
 * COLUMN the column definition without it.
 */
static void constraint_sql(Ctx *c, Action *a, const PgConstraint *con, ConType type)
{
    int elem = con_elem_start(c, con);
    if (elem < 0 || c->sub_to < 0)
        return;
    const char *t = stmt_text(c);
    const ColumnDef *def = c->coldef;
    int end = def ? coldef_part_end(c, def, elem) : c->sub_to;
    a->con_sql = src_text(c, t, elem, end);
    if (def) {
        int at = def->location;
        if (!in_stmt(c, at))
            return;
        a->col_sql = src_text(c, t, at, name_end(t, at, stmt_end(c)));
        if (type == CON_FOREIGN)
            a->con_sql = arena_printf(c->r->arena, "FOREIGN KEY (%s) %s", a->col_sql, a->con_sql);
        else if (type == CON_UNIQUE || type == CON_PRIMARY)
            a->con_sql = arena_printf(c->r->arena, "%s (%s)",
                                      type == CON_UNIQUE ? "UNIQUE" : "PRIMARY KEY", a->col_sql);
        a->key_sql = arena_printf(c->r->arena, "(%s)", a->col_sql);
        const char *before = src_text(c, t, c->sub_from, con->location >= 0 ? con->location : elem);
        const char *after = src_text(c, t, end, c->sub_to);
        a->coldef_sql = *after ? arena_printf(c->r->arena, "%s %s", before, after) : before;
    } else if (type == CON_UNIQUE || type == CON_PRIMARY) {
        int open = scan(t, elem, end, false, true, NULL);
        if (open < end)
            a->key_sql = src_text(c, t, open, group_end(t, open, end));
    }
}

/*
 * Adds a constraint (table- or column-level) to t and records the action.
 * colname: the column a column constraint is written on. in_create: part of
 * CREATE TABLE or of ADD COLUMN on a new column (no existing rows to check).
 */
static void add_not_null(Ctx *c, Table *t, const PgConstraint *con, bool in_create);
static void name_not_null(Ctx *c, Table *t, const char *col, const char *name);

static void add_constraint(Ctx *c, Table *t, const PgConstraint *con, const char *colname,
                           bool in_create)
{
    if (con->contype == CONSTR_NOTNULL && !colname) {
        add_not_null(c, t, con, in_create);
        return;
    }
    ConType type;
    switch (con->contype) {
    case CONSTR_PRIMARY: type = CON_PRIMARY; break;
    case CONSTR_UNIQUE: type = CON_UNIQUE; break;
    case CONSTR_CHECK: type = CON_CHECK; break;
    case CONSTR_FOREIGN: type = CON_FOREIGN; break;
    case CONSTR_EXCLUSION: type = CON_EXCLUDE; break;
    default: return; /* NOT NULL, DEFAULT, IDENTITY, GENERATED: column properties */
    }

    List cols = {0};
    if (colname)
        list_push(c->r->arena, &cols, (void *)colname);
    else if (type == CON_FOREIGN)
        names_of(c, con->fk_attrs, &cols);
    else if (type == CON_EXCLUDE) {
        /* each exclusion is a List: (IndexElem, operator name) */
        foreach_node(PgList, pair, con->exclusions) {
            const Node *elem = linitial(pair);
            if (elem && IsA(elem, IndexElem) && castNode(IndexElem, elem)->name)
                list_push(c->r->arena, &cols, castNode(IndexElem, elem)->name);
        }
    } else
        names_of(c, con->keys, &cols);

    const char *using_index = con->indexname;
    const char *name = con->conname;
    if (!name && using_index)
        name = using_index; /* ADD UNIQUE USING INDEX i: the constraint is named i */
    if (!name) {
        /* PostgreSQL's naming (see choose_name): table_pkey, table_cols_key,
         * table_cols_excl (their indexes' names: free among relations and
         * constraints), table_cols_fkey, and table_col_check for a CHECK
         * that reads one column, else table_check (among constraints) */
        List key = {0};
        if (type == CON_EXCLUDE) {
            foreach_node(PgList, pair, con->exclusions)
                if (linitial(pair) && IsA(linitial(pair), IndexElem))
                    index_column_name(c, linitial_node(IndexElem, pair), &key);
        } else {

            for (int i = 0; i < cols.len; i++)
                list_push(c->r->arena, &key, LIST_GET(&cols, i));
            if (type == CON_UNIQUE || type == CON_PRIMARY)
                names_of(c, con->including, &key); /* the index's INCLUDE columns */
        }
        if (type == CON_PRIMARY)
            name = choose_name(c, t->schema, t->name, NULL, "pkey", true, true);
        else if (type == CON_UNIQUE || type == CON_EXCLUDE)
            name = choose_name(c, t->schema, t->name, name_addition(c->r->arena, &key),
                               type == CON_UNIQUE ? "key" : "excl", true, true);
        else if (type == CON_FOREIGN)
            name = choose_name(c, t->schema, t->name, name_addition(c->r->arena, &key), "fkey", false, true);
        else {
            List refs = {0};
            columns_named(c, con->raw_expr, &refs);
            name = choose_name(c, t->schema, t->name, refs.len == 1 ? LIST_GET(&refs, 0) : NULL, "check",
                               false, true);
        }
    }
    Constraint *k = arena_alloc(c->ca, sizeof *k);
    k->name = keep(c, name);
    catalog_note_constraint_name(c->cat, k->name);
    k->type = type;
    for (int i = 0; i < cols.len; i++)
        list_push(c->ca, &k->columns, (void *)keep(c, LIST_GET(&cols, i)));
    bool not_valid = con->skip_validation;
    k->validated = !not_valid;
    Table *ref = NULL;
    if (type == CON_FOREIGN && con->pktable) {
        ref = table_of(c, con->pktable);
        if (ref)
            k->ref_table = keep(c, qualname(c, ref->schema, ref->name));
    }
    if (type == CON_CHECK)
        k->not_null_of = check_not_null_of(con->raw_expr) ? keep(c, check_not_null_of(con->raw_expr))
                                                          : NULL;
    list_push(c->ca, &t->constraints, k);
    catalog_note_reference(c->cat, k);

    /* Lock and cost, per ALTER TABLE ADD CONSTRAINT's documentation. */
    LockMode lock = type == CON_FOREIGN ? LOCK_SHARE_ROW_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE;
    Cost cost = COST_CATALOG;
    unsigned flags = 0;
    if (type == CON_PRIMARY || type == CON_UNIQUE || type == CON_EXCLUDE) {
        if (using_index) {
            flags |= A_USING_INDEX;
            /* the index is renamed to the constraint's name */
            k->index = k->name;
            Index *ix = catalog_find_index(c->cat, t->schema, using_index);
            if (ix) {
                catalog_rename_index(c->cat, ix, ix->schema, k->name);
                if (type == CON_PRIMARY)
                    ix->primary = true;
                if (ix->columns.len && cols.len == 0)
                    for (int i = 0; i < ix->columns.len; i++)
                        list_push(c->ca, &k->columns, LIST_GET(&ix->columns, i));
            }
        } else {
            cost = COST_INDEX;
            Index *ix = add_index(c, t, NULL, name, &cols, type != CON_EXCLUDE);
            ix->primary = type == CON_PRIMARY;
            k->index = ix->name;
        }
        if (type == CON_PRIMARY) {
            /* a primary key makes its columns NOT NULL, scanning for NULLs */
            for (int i = 0; i < k->columns.len; i++) {
                Column *col = column_of(c, t, LIST_GET(&k->columns, i));
                if (col && !col->not_null) {
                    col->not_null = true;
                    if (cost < COST_SCAN)
                        cost = COST_SCAN;
                }
                if (col)
                    name_not_null(c, t, col->name, NULL);
            }
        }
    } else if (!not_valid && !in_create) {
        /* REFERENCES on a column ADD COLUMN adds without a default (or
         * generation expression) holds only NULLs: PostgreSQL skips the
         * validation (parse_utilcmd.c, transformAlterTableStmt) */
        const Column *nc = type == CON_FOREIGN && colname ? catalog_find_column(t, colname) : NULL;
        if (!(nc && !nc->default_expr && !nc->generated))
            cost = COST_SCAN;
    }
    if (not_valid)
        flags |= A_NOT_VALID;
    if (in_create) {
        /* part of CREATE TABLE: the table is empty and nobody else sees it yet */
        lock = LOCK_NONE;
        cost = COST_CATALOG;
    }
    int loc = con->location;
    Action *a = act(c, ACT_ADD_CONSTRAINT, t, lock, cost, loc);
    if (a && !in_create)
        constraint_sql(c, a, con, type);
    if (a) {
        a->column = note(c, name);
        /* a WITHOUT OVERLAPS key (PostgreSQL 18) is a GiST index enforced
         * as an exclusion constraint is: no CREATE UNIQUE INDEX CONCURRENTLY
         * and USING INDEX can build it, so the rules treat it as one */
        a->contype = (char)(con->without_overlaps ? CON_EXCLUDE : type);
        a->flags |= flags;
        if (ref)
            a->ref_table = qualname(c, ref->schema, ref->name);
        if (cols.len)
            a->detail = column_list_name(c, &cols);
    }
    if (ref && ref != t) {
        /* the referenced table is locked too (SHARE ROW EXCLUSIVE) */
        Action *ra = act(c, ACT_LOCK_TABLE, ref, LOCK_SHARE_ROW_EXCLUSIVE, COST_CATALOG, loc);
        if (ra)
            ra->detail = "referenced by a new foreign key";
    }
}

/* ---- columns ------------------------------------------------------------------ */

/* The not-null constraint (PostgreSQL 18) of column col of t, or NULL. */
static Constraint *not_null_constraint(const Table *t, const char *col)
{
    for (int i = 0; col && i < t->constraints.len; i++) {
        Constraint *k = LIST_GET(&t->constraints, i);
        if (k->type == CON_NOT_NULL && util_streq(k->not_null_of, col))
            return k;
    }
    return NULL;
}

/*
 * Column col of t is NOT NULL: from PostgreSQL 18 that is a constraint of
 * its own, which DROP CONSTRAINT and ALTER CONSTRAINT name. Named name when
 * written (CONSTRAINT name NOT NULL, or copied by LIKE and inheritance),
 * else as ChooseConstraintName names it: table_col_not_null, numbered when
 * taken in the schema (measured on 18: NOT NULL, SET NOT NULL, PRIMARY KEY,
 * serial and identity columns alike). A column keeps the one it has.
 */
static void name_not_null(Ctx *c, Table *t, const char *col, const char *name)
{
    if (c->r->pg_version < 18 || !col || not_null_constraint(t, col))
        return;
    Constraint *k = arena_alloc(c->ca, sizeof *k);
    k->name = keep(c, name ? name : choose_name(c, t->schema, t->name, col, "not_null", false, true));
    catalog_note_constraint_name(c->cat, k->name);
    k->type = CON_NOT_NULL;
    list_push(c->ca, &k->columns, (void *)keep(c, col));
    k->not_null_of = keep(c, col);
    k->validated = true;
    list_push(c->ca, &t->constraints, k);
}

/* The columns of from, with their not-null constraints' names, to t
 * (LIKE, PARTITION OF, INHERITS). */
static void copy_columns(Ctx *c, Table *t, const Table *from)
{
    for (int i = 0; i < from->columns.len; i++) {
        Column *fc = LIST_GET(&from->columns, i);
        Column *nc = add_column(c, t, fc->name);
        const char *nm = nc->name;
        *nc = *fc;
        nc->name = nm;
        const Constraint *k = not_null_constraint(from, fc->name);
        if (k && k->validated)
            name_not_null(c, t, nm, k->name);
    }
}

/*
 * Applies a ColumnDef to table t (CREATE TABLE element or ADD COLUMN) and,
 * for ADD COLUMN on an existing table, records ACT_ADD_COLUMN.
 */
static void column_def(Ctx *c, Table *t, const ColumnDef *def, bool in_create, int offset)
{
    const char *name = def ? def->colname : NULL;
    if (!name)
        return;
    Column *col = catalog_find_column(t, name);
    if (col && !in_create)
        return; /* ADD COLUMN IF NOT EXISTS on an existing column */
    if (!col)
        col = add_column(c, t, name);
    unsigned flags = 0;
    bool serial = set_type(c, col, def->typeName);
    const char *type_sql = coldef_type_sql(c, def);
    col->type_sql = type_sql ? keep(c, type_sql) : NULL;
    if (serial) {
        col->serial = true;
        col->not_null = true;
        col->default_expr = keep(c, "nextval(...)");
        col->default_volatile = true;
        flags |= A_SERIAL | A_HAS_DEFAULT | A_VOLATILE | A_NOT_NULL;
    }
    if (def->is_not_null) {
        col->not_null = true;
        flags |= A_NOT_NULL;
    }
    foreach_node(PgConstraint, k, def->constraints) {
        switch (k->contype) {
        case CONSTR_NOTNULL:
        case CONSTR_PRIMARY:
            col->not_null = true;
            flags |= A_NOT_NULL;
            break;
        case CONSTR_NULL:
            col->not_null = false;
            flags &= ~(unsigned)A_NOT_NULL;
            break;
        case CONSTR_DEFAULT:
            col->default_expr = keep(c, expr_text(c, k->raw_expr));
            col->default_volatile = expr_volatile(k->raw_expr);
            flags |= A_HAS_DEFAULT | (col->default_volatile ? A_VOLATILE : 0);
            break;
        case CONSTR_IDENTITY:
            col->identity = k->generated_when == ATTRIBUTE_IDENTITY_BY_DEFAULT ? 'd' : 'a';
            col->not_null = true;
            flags |= A_IDENTITY | A_NOT_NULL;
            break;
        case CONSTR_GENERATED:
            /* VIRTUAL, PostgreSQL 18's kind when neither is written, is
             * computed on read: adding one writes no row. Before 18 every
             * generated column is STORED. */
            col->generated = true;
            col->generated_virtual =
                k->generated_kind == ATTRIBUTE_GENERATED_VIRTUAL && c->r->pg_version >= 18;
            if (!col->generated_virtual)
                flags |= A_GENERATED;
            break;
        default:
            break;
        }
    }
    if (!in_create) {
        /* Since PostgreSQL 11 a non-volatile default is stored in the catalog
         * and existing rows read it from there; anything evaluated per row
         * (volatile default, serial, identity, stored generated) rewrites. */
        bool rewrite = (flags & (A_VOLATILE | A_IDENTITY | A_GENERATED | A_SERIAL)) != 0;
        /* NOT NULL without a default: PostgreSQL scans the table for a row,
         * which would fail it (measured: a sequential scan of the table). */
        bool scan = !rewrite && col->not_null && !(flags & A_HAS_DEFAULT);
        Action *a = act(c, ACT_ADD_COLUMN, t, LOCK_ACCESS_EXCLUSIVE,
                        rewrite ? COST_REWRITE : scan ? COST_SCAN : COST_CATALOG, offset);
        if (a) {
            a->column = col->name;
            a->flags |= flags;
            a->detail = catalog_type_sql(c->r->arena, col);
            a->expr = col->default_expr ? note(c, col->default_expr) : NULL;
            note_column(c, a, col);
            foreach_node(PgConstraint, k, def->constraints)
                if (k->contype == CONSTR_DEFAULT || k->contype == CONSTR_GENERATED)
                    a->expr_sql = coldef_expr_sql(c, def, k);
        }
    }
    /* Constraints written on the column (PRIMARY KEY, UNIQUE, REFERENCES, CHECK). */
    c->coldef = def;
    foreach_node(PgConstraint, k, def->constraints)
        add_constraint(c, t, k, name, in_create);
    c->coldef = NULL;
    if (col->not_null) {
        const char *conname = NULL;
        bool written = def->is_not_null;
        foreach_node(PgConstraint, k, def->constraints)
            if (k->contype == CONSTR_NOTNULL) {
                written = true;
                conname = k->conname ? k->conname : conname;
            }
        /* NOT NULL written on a column INHERITS gives it too: the child's own
         * name wins over the parent's (measured on 18) */
        Constraint *inherited = in_create && written ? not_null_constraint(t, name) : NULL;
        if (inherited)
            remove_item(&t->constraints, inherited);
        name_not_null(c, t, name, conname);
    }
}

/* ---- CREATE TABLE ----------------------------------------------------------- */

static void create_table(Ctx *c, const CreateStmt *st)
{
    const char *schema = st->relation->schemaname;
    const char *name = st->relation->relname;
    Table *t = catalog_find_table(c->cat, schema, name);
    if (t && st->if_not_exists) {
        act(c, ACT_HARMLESS, t, LOCK_NONE, COST_NONE, -1);
        return;
    }
    if (t) /* created again: the history is inconsistent; start afresh */
        drop_table(c, t, false);
    t = add_table(c, schema, name, false);
    t->partitioned = st->partspec != NULL;
    t->access_method = st->accessMethod ? keep(c, st->accessMethod) : NULL;
    if (st->partspec) { /* the column its key reads, when it reads one */
        List keycols = {0};
        foreach_node(PartitionElem, pe, st->partspec->partParams) {
            if (pe->name && !name_in(&keycols, pe->name))
                list_push(c->r->arena, &keycols, (void *)pe->name);
            else if (!pe->name)
                columns_named(c, pe->expr, &keycols);
        }
        t->partkey = keycols.len == 1 ? keep(c, LIST_GET(&keycols, 0)) : NULL;
    }
    act(c, ACT_CREATE_TABLE, t, LOCK_NONE, COST_CATALOG, -1);

    foreach_node(RangeVar, prv, st->inhRelations) {
        Table *p = table_of(c, prv);
        if (!p)
            continue;
        /* PARTITION OF / INHERITS: the new table gets the parent's columns.
         * PARTITION OF changes the parent's partition descriptor and takes
         * ACCESS EXCLUSIVE on it, on every version (only ATTACH PARTITION got
         * the lighter lock in 12); INHERITS takes SHARE UPDATE EXCLUSIVE. */
        copy_columns(c, t, p);
        bool partition = st->partbound != NULL;
        act(c, ACT_LOCK_TABLE, p, partition ? LOCK_ACCESS_EXCLUSIVE : LOCK_SHARE_UPDATE_EXCLUSIVE,
            COST_CATALOG, prv->location);
        if (partition)
            t->parent = keep(c, qualname(c, p->schema, p->name));
    }
    foreach_ptr(Node, elt, st->tableElts) {
        if (IsA(elt, ColumnDef))
            column_def(c, t, castNode(ColumnDef, elt), true, castNode(ColumnDef, elt)->location);
        else if (IsA(elt, PgConstraint))
            add_constraint(c, t, castNode(PgConstraint, elt), NULL, true);
        else if (IsA(elt, TableLikeClause)) {
            Table *src = table_of(c, castNode(TableLikeClause, elt)->relation);
            if (src) /* its definition is read under ACCESS SHARE (measured: pg_locks) */
                act(c, ACT_LOCK_TABLE, src, LOCK_ACCESS_SHARE, COST_CATALOG, -1);
            if (src)
                copy_columns(c, t, src);
        }
    }
}

/* ---- ALTER TABLE ------------------------------------------------------------ */

/* ---- the session --------------------------------------------------------- */

/* Is the session's TimeZone UTC, as far as the replay can tell? PostgreSQL
 * asks whether the zone has a fixed offset of zero (pg_get_timezone_offset):
 * a zone that ever had daylight saving time (Europe/London) does not. The
 * server's default, which a migration starts with, is unknown: not UTC. */
static bool session_utc(const Ctx *c)
{
    bool utc = c->r->tz_local ? c->r->tz_local == 1 : c->r->tz_utc;
    return utc && c->r->pg_version >= 12;
}

/* Does SET TimeZone / SET TIME ZONE st name a UTC zone? DEFAULT, LOCAL and
 * RESET go back to the server's default. */
static bool timezone_is_utc(const Replay *r, const VariableSetStmt *st)
{
    static const char *utc[] = {
        "utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "gmt0", "etc/gmt0", "gmt+0",
        "etc/gmt+0", "gmt-0", "etc/gmt-0", "greenwich", "etc/greenwich", "universal",
        "etc/universal", "zulu", "etc/zulu", "utc0",
    };
    if (st->kind != VAR_SET_VALUE)
        return r->tz_default_utc;
    const Node *arg = list_length(st->args) == 1 ? linitial(st->args) : NULL;
    const A_Const *k = arg && IsA(arg, A_Const) ? castNode(A_Const, arg) : NULL;
    if (!k || k->isnull)
        return false; /* INTERVAL '...' HOUR TO MINUTE and the like: taken as not UTC */
    if (IsA(&k->val, Integer)) /* SET TIME ZONE 0: hours east of UTC */
        return intVal(&k->val) == 0;
    if (IsA(&k->val, Float))
        return strtod(castNode(Float, &k->val)->fval, NULL) == 0;
    if (!IsA(&k->val, String))
        return false;
    const char *v = strVal(&k->val);
    for (size_t i = 0; i < sizeof utc / sizeof utc[0]; i++)
        if (strcasecmp(v, utc[i]) == 0)
            return true;
    /* an offset written as a number: '0', '+00', '-00:00' */
    const char *p = v + (*v == '+' || *v == '-');
    bool zero = *p != 0;
    for (; *p && zero; p++)
        zero = *p == '0' || *p == ':';
    return zero;
}

/* SET [LOCAL] TimeZone. */
static void session_set_timezone(Ctx *c, const VariableSetStmt *st)
{
    Replay *r = c->r;
    bool utc = timezone_is_utc(r, st);
    /* Outside BEGIN … COMMIT a SET LOCAL lasts to the end of the file when
     * its runner runs the file in one transaction (zdm migrate, goose, ...),
     * and is lost at once when it runs each statement alone. */
    if (st->is_local && !r->in_tx) {
        if (c->m && !c->m->no_transaction)
            r->tz_utc = utc;
    } else if (st->is_local) {
        r->tz_local = utc ? 1 : 2;
    } else {
        r->tz_utc = utc;
    }
}

/* Transaction control: COMMIT and ROLLBACK end a SET LOCAL, ROLLBACK undoes
 * a SET. */
static void session_transaction(Ctx *c, TransactionStmtKind kind)
{
    Replay *r = c->r;
    if (kind == TRANS_STMT_BEGIN || kind == TRANS_STMT_START) {
        if (!r->in_tx)
            r->tz_utc_at_begin = r->tz_utc;
        r->in_tx = true;
    } else if (kind == TRANS_STMT_COMMIT || kind == TRANS_STMT_ROLLBACK) {
        if (kind == TRANS_STMT_ROLLBACK && r->in_tx)
            r->tz_utc = r->tz_utc_at_begin;
        r->in_tx = false;
        r->tz_local = 0;
    }
}

/* USING col or USING col::newtype (what Django writes) leaves the contents
 * as they are: PostgreSQL then rewrites only if the types need it. */
static bool using_keeps_contents(Ctx *c, const Node *e, const char *col, const Column *to)
{
    while (e && IsA(e, TypeCast)) {
        const TypeCast *cast = castNode(TypeCast, e);
        Column ct = {0};
        set_type(c, &ct, cast->typeName);
        if (strcmp(catalog_type_sql(c->r->arena, &ct), catalog_type_sql(c->r->arena, to)) != 0)
            return false;
        e = cast->arg;
    }
    return e && IsA(e, ColumnRef) && util_streq(sql_name_list(castNode(ColumnRef, e)->fields, NULL), col);
}

/* Where expression e names column col (a ColumnRef of that one name). */
static bool refs_walker(Node *node, void *ctx)
{
    ExprWalk *w = ctx;
    if (!node)
        return false;
    if (IsA(node, ColumnRef)) {
        const ColumnRef *cr = castNode(ColumnRef, node);
        const Node *f = list_length(cr->fields) == 1 ? linitial(cr->fields) : NULL;
        if (f && IsA(f, String) && util_streq(strVal(f), w->col))
            list_push(w->arena, w->out, (void *)(intptr_t)cr->location);
        return false;
    }
    walk_children(node, refs_walker, w);
    return false;
}

static void refs_to(const Node *e, const char *col, Arena *a, List *locs)
{
    ExprWalk w = {.col = col, .arena = a, .out = locs};
    refs_walker((Node *)e, &w);
}

static int int_cmp(const void *x, const void *y)
{
    intptr_t a = (intptr_t) * (void *const *)x, b = (intptr_t) * (void *const *)y;
    return (a > b) - (a < b);
}

/* The text [from, to) of expression e with every reference to col read from
 * NEW: what a trigger computes for the row being written. */
static const char *on_new_row(Ctx *c, const Node *e, const char *col, int from, int to)
{
    Arena *a = c->r->arena;
    List locs = {0};
    if (col)
        refs_to(e, col, a, &locs);
    if (locs.len > 1)
        qsort(locs.items, (size_t)locs.len, sizeof(void *), int_cmp);
    const char *t = stmt_text(c);
    StrBuf sb;
    sb_init(&sb, a);
    int at = from;
    for (int i = 0; i < locs.len; i++) {
        int loc = (int)(intptr_t)LIST_GET(&locs, i);
        if (loc < at || loc >= to)
            continue;
        sb_appendn(&sb, t + at, (size_t)(loc - at));
        sb_append(&sb, "NEW.");
        at = loc;
    }
    sb_appendn(&sb, t + at, (size_t)(to - at));
    return src_text(c, sb.data, 0, (int)sb.len);
}

static void alter_column_type(Ctx *c, Table *t, const AlterTableCmd *cmd, int offset)
{
    const char *name = cmd->name;
    const ColumnDef *cd = castNode(ColumnDef, cmd->def);
    Column *col = name ? column_of(c, t, name) : NULL;
    Column newcol = {0};
    set_type(c, &newcol, cd->typeName);
    const Node *using = cd->raw_default;
    bool has_using = using && !using_keeps_contents(c, using, name, &newcol);
    /* The new type as written runs up to COLLATE, USING or the sub-command's
     * end; the USING expression from there to the end. */
    const char *type_sql = NULL, *using_sql = NULL, *using_on_new = NULL;
    int from = cd->typeName ? cd->typeName->location : -1;
    if (in_stmt(c, from)) {
        const char *t = stmt_text(c);
        int end = clause_end(t, from, stmt_end(c));
        int at = using ? scan(t, from, end, false, false, "USING") : end;
        int coll = cd->collClause ? cd->collClause->location : -1;
        type_sql = src_text(c, t, from, coll > from && coll < at ? coll : at);
        if (at < end) {
            using_sql = src_text(c, t, at + 5, end);
            using_on_new = on_new_row(c, using, name, at + 5, end);
        }
    }
    TypeChange tc = col ? type_change(col, &newcol, has_using, session_utc(c)) : (TypeChange){true, true};
    Cost cost = tc.rewrite ? COST_REWRITE : COST_CATALOG;
    /* Kept rows keep their indexes only when the operator class stays:
     * timestamp_ops and timestamptz_ops differ, so an index on the column is
     * built again, under the ALTER's ACCESS EXCLUSIVE (measured: the index
     * gets a new relfilenode, the table a sequential scan). */
    if (!tc.rewrite && col && timestamp_zone_change(col, &newcol))
        for (int i = 0; i < t->indexes.len; i++)
            if (name_in(&((const Index *)LIST_GET(&t->indexes, i))->columns, name))
                cost = COST_INDEX;
    Action *a = act(c, ACT_ALTER_TYPE, t, LOCK_ACCESS_EXCLUSIVE, cost, offset);
    note_column(c, a, col);
    if (a) {
        a->column = name;
        a->detail = catalog_type_sql(c->r->arena, &newcol);
        a->new_type = type_sql;
        if ((strcmp(newcol.type, "varchar") == 0 || strcmp(newcol.type, "bpchar") == 0) &&
            newcol.ntypmods == 1 && newcol.array_dims == 0)
            a->new_len = newcol.typmods[0];
        a->expr_sql = using_sql;
        a->expr_on_new = using_on_new;
        if (tc.rewrite)
            a->flags |= A_REWRITE;
        if (tc.narrows)
            a->flags |= A_NARROWS;
        if (col && timestamp_zone_change(col, &newcol))
            a->flags |= A_ZONE;
        views_reading_column(c, t, name, &a->views);
        if (col && !col->type)
            a->flags |= A_ASSUMED;
    }
    if (col) {
        col->type = newcol.type;
        col->type_sql = type_sql ? keep(c, type_sql) : NULL;
        col->ntypmods = newcol.ntypmods;
        memcpy(col->typmods, newcol.typmods, sizeof col->typmods);
        col->array_dims = newcol.array_dims;
    }
}

/* Is there a validated CHECK (col IS NOT NULL), or NOT NULL constraint, on t? */
static bool proven_not_null(const Table *t, const char *col)
{
    for (int i = 0; i < t->constraints.len; i++) {
        const Constraint *k = LIST_GET(&t->constraints, i);
        if ((k->type == CON_CHECK || k->type == CON_NOT_NULL) && k->validated &&
            util_streq(k->not_null_of, col))
            return true;
    }
    return false;
}

/* ALTER COLUMN col SET NOT NULL: it scans for NULLs under ACCESS EXCLUSIVE,
 * unless a validated constraint already proves there are none. */
static void set_not_null(Ctx *c, Table *t, const char *name, const char *conname, int offset)
{
    Column *col = column_of(c, t, name);
    bool skip = c->r->pg_version >= 12 && proven_not_null(t, name);
    bool already = col && col->not_null;
    Action *a = act(c, ACT_SET_NOT_NULL, t, LOCK_ACCESS_EXCLUSIVE,
                    skip || already ? COST_CATALOG : COST_SCAN, offset);
    if (a) {
        a->column = name;
        if (skip || already)
            a->flags |= A_SCAN_SKIPPED;
    }
    if (col)
        col->not_null = true;
    name_not_null(c, t, name, conname);
}

/*
 * ADD CONSTRAINT c NOT NULL col (PostgreSQL 18): the column's NOT NULL under
 * a name. Without NOT VALID it is SET NOT NULL, and scans as that does.
 * NOT VALID makes it instant (ACCESS EXCLUSIVE for a moment; new and updated
 * rows are checked), and VALIDATE CONSTRAINT then scans under SHARE UPDATE
 * EXCLUSIVE and makes the column NOT NULL.
 */
static void add_not_null(Ctx *c, Table *t, const PgConstraint *con, bool in_create)
{
    const Node *key = list_length(con->keys) == 1 ? linitial(con->keys) : NULL;
    const char *colname = key && IsA(key, String) ? strVal(key) : NULL;
    if (!colname)
        return;
    Column *col = column_of(c, t, colname);
    if (not_null_constraint(t, colname))
        return; /* the column has one: PostgreSQL keeps it (or refuses another name) */
    bool not_valid = con->skip_validation && !in_create; /* CREATE TABLE makes it valid */
    const char *name = con->conname ? con->conname
                                    : choose_name(c, t->schema, t->name, colname, "not_null", false, true);
    if (!not_valid && !in_create) {
        set_not_null(c, t, colname, name, con->location); /* scans, then names it (18) */
        if (not_null_constraint(t, colname))
            return;
    }
    Constraint *k = arena_alloc(c->ca, sizeof *k);
    k->name = keep(c, name);
    catalog_note_constraint_name(c->cat, k->name);

    k->type = CON_NOT_NULL;
    list_push(c->ca, &k->columns, (void *)keep(c, colname));
    k->not_null_of = keep(c, colname);
    k->validated = !not_valid;
    list_push(c->ca, &t->constraints, k);
    if (in_create && col)
        col->not_null = true;
    if (!not_valid)
        return;
    Action *a = act(c, ACT_ADD_CONSTRAINT, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, con->location);
    if (a) {
        a->column = note(c, k->name);
        a->contype = (char)CON_NOT_NULL;
        a->flags |= A_NOT_VALID;
        a->detail = note(c, colname);
    }
}

/* The other table a foreign key of t references ("schema.name"), or NULL. */
static Table *referenced_table(Ctx *c, const Table *t, const Constraint *k)
{
    const char *dot = k && k->type == CON_FOREIGN && k->ref_table ? strchr(k->ref_table, '.') : NULL;
    if (!dot)
        return NULL;
    Table *ref = catalog_find_table(c->cat, arena_strndup(c->r->arena, k->ref_table,
                                                          (size_t)(dot - k->ref_table)), dot + 1);
    return ref != t ? ref : NULL;
}

/* Dropping a foreign key (alone, with its column or with its table) removes
 * its triggers from the referenced table too, under ACCESS EXCLUSIVE there
 * (tablecmds.c dropconstraint_internal, trigger.c RemoveTriggerById). */
static void lock_referenced(Ctx *c, const Table *t, const Constraint *k, int offset)
{
    Table *ref = referenced_table(c, t, k);
    Action *ra = ref ? act(c, ACT_LOCK_TABLE, ref, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset) : NULL;
    if (ra)
        ra->detail = "referenced by a dropped foreign key";
}

/* Why PostgreSQL keeps a column NOT NULL whatever the migration says: it is
 * in the primary key (42P16), or an identity column (42601; 55000 when its
 * not-null constraint is dropped by name on 18). Measured on 15 and 18. */
static const char *not_null_required(const Table *t, const Column *col)
{
    if (!col)
        return NULL;
    for (int i = 0; i < t->indexes.len; i++) {
        const Index *ix = LIST_GET(&t->indexes, i);
        if (ix->primary)
            for (int j = 0; j < ix->columns.len; j++)
                if (strcmp(LIST_GET(&ix->columns, j), col->name) == 0)
                    return "primary key";
    }
    return col->identity ? "identity" : NULL;
}

static void drop_constraint(Ctx *c, Table *t, const char *name, bool missing_ok, int offset)
{
    Constraint *k = catalog_find_constraint(t, name);
    Action *a = act(c, ACT_DROP_CONSTRAINT, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
    if (a) {
        a->column = name;
        if (k)
            a->contype = (char)k->type;
        else if (!t->assumed && !missing_ok)
            a->flags |= A_ASSUMED;
    }
    lock_referenced(c, t, k, offset);
    if (k && k->type == CON_NOT_NULL) { /* the column's NOT NULL goes with it */
        Column *col = catalog_find_column(t, k->not_null_of);
        const char *required = not_null_required(t, col);
        if (required) { /* refused: the column stays as it is */
            if (a)
                a->detail = required;
            return;
        }
        if (col)
            col->not_null = false;
    }
    if (k) {
        if (k->index) {
            Index *ix = catalog_find_index(c->cat, t->schema, k->index);
            if (ix)
                catalog_remove_index(c->cat, ix);
        }
        remove_item(&t->constraints, k);
    }
}

/* PostgreSQL's name of an ALTER TABLE sub-command: "ChangeOwner". */
static const char *alter_table_type_name(AlterTableType sub)
{
    /* install-deps writes AlterTableType as [AT_AddColumn] = "AddColumn", ... */
    static const char *const names[] = {
#include "alter_table_types.inc"
    };
    return (unsigned)sub < sizeof names / sizeof names[0] && names[sub] ? names[sub] : "ALTER TABLE";
}

/* Does one of cmds SET NOT NULL on column? */
static bool sets_not_null(const PgList *cmds, const char *column)
{
    foreach_node(AlterTableCmd, cmd, cmds)
        if (cmd->subtype == AT_SetNotNull && cmd->name && strcmp(cmd->name, column) == 0)
            return true;
    return false;
}

static void alter_table_cmd(Ctx *c, Table *t, const AlterTableCmd *cmd)
{
    AlterTableType sub = cmd->subtype;
    const char *name = cmd->name;
    const Node *def = cmd->def;
    bool missing_ok = cmd->missing_ok;
    /* point at the sub-command: its definition's location is the best we have */
    int offset = sql_node_location(def);
#define IS(x) (sub == (x))
    if (IS(AT_AddColumn)) {
        column_def(c, t, castNode(ColumnDef, def), false, offset);
    } else if (IS(AT_DropColumn)) {
        Column *col = missing_ok ? catalog_find_column(t, name) : column_of(c, t, name);
        Action *a = act(c, ACT_DROP_COLUMN, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a) {
            a->column = name;
            if (missing_ok)
                a->flags |= A_IF_EXISTS;
            if (col && col->not_null && !col->default_expr && !col->identity)
                a->flags |= A_NOT_NULL;
            if (in_primary_key(t, name))
                a->flags |= A_PRIMARY_KEY;
            if (cmd->behavior == DROP_CASCADE)
                a->flags |= A_CASCADE;
            views_reading_column(c, t, name, &a->views);
        }
        note_column(c, a, col);
        if (col) {
            /* CASCADE drops the views that read it; without it PostgreSQL refuses */
            List gone = {0};
            if (cmd->behavior == DROP_CASCADE)
                views_reading_column(c, t, name, &gone);
            for (int i = 0; i < gone.len; i++) {
                const char *vq = ((const ViewRef *)LIST_GET(&gone, i))->view;
                View *v = catalog_find_qualified_view(c->cat, vq);
                if (v)
                    drop_view(c, v);
            }
            forget_reads(c, qualname(c, t->schema, t->name), name);
            drop_indexes_of(c, t, name);
            for (int i = t->constraints.len - 1; i >= 0; i--) {
                Constraint *k = LIST_GET(&t->constraints, i);
                if (!name_in(&k->columns, name) && !util_streq(k->not_null_of, name))
                    continue;
                lock_referenced(c, t, k, offset);
                remove_item(&t->constraints, k);
            }
            remove_item(&t->columns, col);
        }
    } else if (IS(AT_ColumnDefault) || IS(AT_CookedColumnDefault)) {
        Column *col = column_of(c, t, name);
        if (def) {
            bool vol = expr_volatile(def);
            Action *a = act(c, ACT_SET_DEFAULT, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
            if (a) {
                a->column = name;
                a->detail = expr_text(c, def);
                a->expr = a->detail;
                if (vol)
                    a->flags |= A_VOLATILE;
            }
            if (col) {
                col->default_expr = keep(c, expr_text(c, def));
                col->default_volatile = vol;
            }
        } else {
            Action *a = act(c, ACT_DROP_DEFAULT, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
            if (a)
                a->column = name;
            if (col) {
                col->default_expr = NULL;
                col->default_volatile = false;
                col->serial = false;
            }
        }
    } else if (IS(AT_SetNotNull)) {
        set_not_null(c, t, name, NULL, offset);
    } else if (IS(AT_DropNotNull)) {
        Column *col = column_of(c, t, name);
        Action *a = act(c, ACT_DROP_NOT_NULL, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->column = name;
        const char *required = not_null_required(t, col);
        if (required) { /* refused: the column stays as it is */
            if (a)
                a->detail = required;
        } else {
            if (col)
                col->not_null = false;
            Constraint *nn = not_null_constraint(t, name); /* goes with it */
            if (nn)
                remove_item(&t->constraints, nn);
        }
    } else if (IS(AT_AlterColumnType)) {
        alter_column_type(c, t, cmd, offset);
    } else if (IS(AT_AddConstraint) || IS(AT_AddIndexConstraint)) {
        if (def && IsA(def, PgConstraint))
            add_constraint(c, t, castNode(PgConstraint, def), NULL, false);
    } else if (IS(AT_SetExpression)) {
        /* PostgreSQL 17: a stored column is computed again for every row, a
         * rewrite under ACCESS EXCLUSIVE; a virtual one (18) is only its
         * catalog entry */
        Column *col = column_of(c, t, name);
        bool stored = !(col && col->generated_virtual);
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_ACCESS_EXCLUSIVE,
                        stored ? COST_REWRITE : COST_CATALOG, offset);
        if (a) {
            a->column = name;
            a->detail = "ALTER COLUMN ... SET EXPRESSION";
            if (stored)
                a->flags |= A_REWRITE;
        }
    } else if (IS(AT_AlterConstraint) && def && IsA(def, ATAlterConstraint) &&
               castNode(ATAlterConstraint, def)->alterEnforceability) {
        /* PostgreSQL 18: NOT ENFORCED drops a foreign key's triggers and
         * leaves it NOT VALID, in the catalog only; ENFORCED puts them back
         * and checks every row, under the ALTER's own lock */
        const ATAlterConstraint *ac = castNode(ATAlterConstraint, def);
        Constraint *k = ac->conname ? catalog_find_constraint(t, ac->conname) : NULL;
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_ACCESS_EXCLUSIVE,
                        ac->is_enforced ? COST_SCAN : COST_CATALOG, offset);
        if (a) {
            a->column = ac->conname;
            a->detail = ac->is_enforced ? "ALTER CONSTRAINT ... ENFORCED" : "ALTER CONSTRAINT ... NOT ENFORCED";
        }
        /* a foreign key's triggers live on the referenced table too: dropped
         * there under ACCESS EXCLUSIVE, or created under SHARE ROW EXCLUSIVE
         * (measured on PostgreSQL 18) */
        Table *ref = k ? referenced_table(c, t, k) : NULL;
        Action *ra = ref ? act(c, ACT_LOCK_TABLE, ref,
                               ac->is_enforced ? LOCK_SHARE_ROW_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE,
                               COST_CATALOG, offset)
                         : NULL;
        if (ra)
            ra->detail = "referenced by the altered foreign key";
        if (k)
            k->validated = ac->is_enforced;
    } else if (IS(AT_ValidateConstraint)) {
        Constraint *k = catalog_find_constraint(t, name);
        Action *a = act(c, ACT_VALIDATE_CONSTRAINT, t, LOCK_SHARE_UPDATE_EXCLUSIVE,
                        k && k->validated ? COST_CATALOG : COST_SCAN, offset);
        if (a) {
            a->column = name;
            if (k)
                a->contype = (char)k->type;
        }
        if (k) {
            /* a foreign key's check also takes ROW SHARE on the referenced table */
            Table *ref = k->validated ? NULL : referenced_table(c, t, k);
            if (ref) {
                Action *ra = act(c, ACT_LOCK_TABLE, ref, LOCK_ROW_SHARE, COST_CATALOG, offset);
                if (ra)
                    ra->detail = "referenced by the validated foreign key";
            }
            k->validated = true;
            Column *nn = k->type == CON_NOT_NULL ? catalog_find_column(t, k->not_null_of) : NULL;
            if (nn) /* a validated not-null constraint is the column's NOT NULL */
                nn->not_null = true;
            if (k->type == CON_FOREIGN && k->ref_table && a)
                a->ref_table = note(c, k->ref_table);
        }
    } else if (IS(AT_DropConstraint)) {
        drop_constraint(c, t, name, missing_ok, offset);
    } else if (IS(AT_AddIdentity) || IS(AT_SetIdentity)) {
        Column *col = column_of(c, t, name);
        Action *a = act(c, IS(AT_AddIdentity) ? ACT_ADD_IDENTITY : ACT_ALTER_COLUMN_OTHER,
                        t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->column = name;
        /* An identity column must be NOT NULL already, or be made so by the
         * same ALTER TABLE, in any order (SET NOT NULL runs in an earlier
         * pass): else 55000 (measured on 15 and 18). */
        if (a && col && IS(AT_AddIdentity) && !col->not_null && !sets_not_null(c->alter_cmds, name))
            a->detail = "not null first";
        /* ALWAYS or BY DEFAULT: code that writes the column fails on ALWAYS */
        if (col && IS(AT_AddIdentity) && def && IsA(def, PgConstraint))
            col->identity = castNode(PgConstraint, def)->generated_when == ATTRIBUTE_IDENTITY_ALWAYS ? 'a' : 'd';
        if (col && col->identity && IS(AT_SetIdentity) && def && IsA(def, PgList))
            foreach_node(DefElem, d, castNode(PgList, def))
                if (strcmp(d->defname, "generated") == 0 && d->arg && IsA(d->arg, Integer))
                    col->identity = intVal(d->arg) == ATTRIBUTE_IDENTITY_ALWAYS ? 'a' : 'd';
    } else if (IS(AT_DropIdentity)) {
        Column *col = column_of(c, t, name);
        Action *a = act(c, ACT_DROP_IDENTITY, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->column = name;
        if (col)
            col->identity = 0;
    } else if (IS(AT_DropExpression)) {
        Column *col = column_of(c, t, name);
        Action *a = act(c, ACT_DROP_EXPRESSION, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->column = name;
        if (col)
            col->generated = false;
    } else if (IS(AT_SetStatistics) || IS(AT_SetOptions) || IS(AT_ResetOptions)) {
        Action *a = act(c, ACT_ALTER_COLUMN_OTHER, t, LOCK_SHARE_UPDATE_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->column = name;
    } else if (IS(AT_SetStorage) || IS(AT_SetCompression) ||
               IS(AT_AlterColumnGenericOptions)) {
        Action *a = act(c, ACT_ALTER_COLUMN_OTHER, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->column = name;
    } else if (IS(AT_SetTableSpace)) {
        Action *a = act(c, ACT_SET_TABLESPACE, t, LOCK_ACCESS_EXCLUSIVE, COST_REWRITE, offset);
        if (a)
            a->detail = name;
    } else if (IS(AT_SetLogged) || IS(AT_SetUnLogged) || IS(AT_SetAccessMethod)) {
        /* A new access method rewrites the rows; the one the table has (heap
         * unless CREATE TABLE ... USING said otherwise; DEFAULT is heap) or
         * a partitioned table's, for its future partitions, is catalog-only
         * (measured). */
        const char *method = cmd->name ? cmd->name : "heap";
        bool same = IS(AT_SetAccessMethod) && t &&
                    (t->partitioned || strcmp(method, t->access_method ? t->access_method : "heap") == 0);
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_ACCESS_EXCLUSIVE, same ? COST_CATALOG : COST_REWRITE,
                        offset);
        if (t && IS(AT_SetAccessMethod))
            t->access_method = strcmp(method, "heap") == 0 ? NULL : keep(c, method);
        if (a)
            a->detail = IS(AT_SetAccessMethod) ? "SET ACCESS METHOD"
                        : IS(AT_SetLogged) ? "SET LOGGED" : "SET UNLOGGED";
    } else if (IS(AT_ClusterOn) || IS(AT_DropCluster) || IS(AT_SetRelOptions) ||
               IS(AT_ResetRelOptions) || IS(AT_ReplaceRelOptions)) {
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_SHARE_UPDATE_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->detail = IS(AT_ClusterOn) ? "CLUSTER ON" : IS(AT_DropCluster) ? "SET WITHOUT CLUSTER"
                                                                                 : "SET (storage parameters)";
    } else if (IS(AT_EnableTrig) || IS(AT_EnableTrigAll) || IS(AT_EnableTrigUser) ||
               IS(AT_DisableTrig) || IS(AT_DisableTrigAll) || IS(AT_DisableTrigUser) ||
               IS(AT_EnableAlwaysTrig) || IS(AT_EnableReplicaTrig)) {
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_SHARE_ROW_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->detail = "ENABLE/DISABLE TRIGGER";
    } else if (IS(AT_AttachPartition)) {
        const PartitionCmd *pc = def && IsA(def, PartitionCmd) ? castNode(PartitionCmd, def) : NULL;
        Table *part = pc ? table_of(c, pc->name) : NULL;
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t,
                        c->r->pg_version >= 12 ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE,
                        COST_CATALOG, offset);
        if (a)
            a->detail = "ATTACH PARTITION";
        if (part)
            part->parent = keep(c, qualname(c, t->schema, t->name));
        if (part) {
            /* the partition is scanned to prove its rows fit the bound */
            Action *pa = act(c, ACT_ALTER_TABLE_OTHER, part, LOCK_ACCESS_EXCLUSIVE, COST_SCAN, offset);
            if (pa)
                pa->detail = "ATTACH PARTITION (validates the partition's rows)";
        }
    } else if (IS(AT_DetachPartition) || IS(AT_DetachPartitionFinalize)) {
        const PartitionCmd *pc = def && IsA(def, PartitionCmd) ? castNode(PartitionCmd, def) : NULL;
        /* FINALIZE completes an interrupted DETACH CONCURRENTLY, with its locks */
        bool concurrent = (pc && pc->concurrent) || IS(AT_DetachPartitionFinalize);
        LockMode lock = concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE;
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, lock, COST_CATALOG, offset);
        if (a) {
            a->detail = "DETACH PARTITION";
            if (concurrent)
                a->flags |= A_CONCURRENT;
        }
        /* the partition is locked as strongly as the parent */
        Table *part = pc ? table_of(c, pc->name) : NULL;
        if (part)
            part->parent = NULL;
        if (part && pc && pc->concurrent) {
            /* CONCURRENTLY leaves the partition a CHECK constraint holding its
             * bound (measured): part_col_check, or part_check for a key of
             * several columns */
            Constraint *k = arena_alloc(c->ca, sizeof *k);
            k->name = keep(c, choose_name(c, part->schema, part->name, t->partkey, "check", false, true));
            catalog_note_constraint_name(c->cat, k->name);
            k->type = CON_CHECK;
            k->validated = true;
            list_push(c->ca, &part->constraints, k);
        }
        if (part) {
            Action *pa = act(c, ACT_ALTER_TABLE_OTHER, part, lock, COST_CATALOG, offset);
            if (pa)
                pa->detail = "DETACH PARTITION (the partition)";
        }
    } else {
        /* OWNER TO, REPLICA IDENTITY, INHERIT, OF, ROW LEVEL SECURITY, rules,
         * ALTER CONSTRAINT...: catalog changes under ACCESS EXCLUSIVE. */
        Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, offset);
        if (a)
            a->detail = alter_table_type_name(sub);
    }
#undef IS
}

static void alter_table(Ctx *c, const AlterTableStmt *st)
{
    const RangeVar *rv = st->relation;
    if (st->objtype == OBJECT_INDEX) {
        /* ALTER INDEX ... SET TABLESPACE / SET (...) / ATTACH PARTITION */
        Index *ix = catalog_find_index(c->cat, rv->schemaname, rv->relname);
        Table *t = ix ? catalog_find_table(c->cat, ix->table_schema, ix->table) : NULL;
        foreach_node(AlterTableCmd, cmd, st->cmds) {
            if (cmd->subtype == AT_AttachPartition) {
                /* ALTER INDEX parent ATTACH PARTITION part: catalog-only. ACCESS
                 * SHARE on both tables (measured with pg_locks); the partition's
                 * index itself is locked ACCESS EXCLUSIVE, so queries on the
                 * partition wait for the COMMIT, as planning opens its indexes. */
                const PartitionCmd *pc = cmd->def && IsA(cmd->def, PartitionCmd) ? castNode(PartitionCmd, cmd->def)
                                                                                  : NULL;
                Index *pix = pc && pc->name && pc->name->relname
                                 ? catalog_find_index(c->cat, pc->name->schemaname, pc->name->relname)
                                 : NULL;
                Table *pt = pix ? catalog_find_table(c->cat, pix->table_schema, pix->table) : NULL;
                Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_ACCESS_SHARE, COST_CATALOG, -1);
                if (a)
                    a->detail = "ALTER INDEX ATTACH PARTITION";
                Action *pa = pt ? act(c, ACT_LOCK_TABLE, pt, LOCK_ACCESS_SHARE, COST_CATALOG, -1) : NULL;
                if (pa)
                    pa->detail = "ALTER INDEX ATTACH PARTITION (its index is locked ACCESS EXCLUSIVE)";
                continue;
            }
            bool ts = cmd->subtype == AT_SetTableSpace;

            Action *a = act(c, ts ? ACT_SET_TABLESPACE : ACT_ALTER_TABLE_OTHER, t,
                            ts ? LOCK_ACCESS_EXCLUSIVE : LOCK_SHARE_UPDATE_EXCLUSIVE,
                            ts ? COST_REWRITE : COST_CATALOG, -1);
            if (a)
                a->detail = alter_table_type_name(cmd->subtype);
        }
        return;
    }
    if (st->objtype == OBJECT_VIEW || st->objtype == OBJECT_MATVIEW ||
        st->objtype == OBJECT_SEQUENCE || st->objtype == OBJECT_TYPE ||
        st->objtype == OBJECT_FOREIGN_TABLE) {
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        return;
    }
    const char *schema = rv->schemaname;
    const char *name = rv->relname;
    Table *t = catalog_find_table(c->cat, schema, name);
    if (!t && st->missing_ok)
        return;
    if (!t)
        t = add_table(c, schema, name, true);
    /* The sub-commands' text, for constraint_sql: after the table's name,
     * split at the commas between them. Only fixes quote it, so only when
     * recording. */
    List from = {0}, to = {0};
    int loc = rv->location;
    if (c->fx && in_stmt(c, loc)) {
        const char *tx = stmt_text(c);
        int end = stmt_end(c), i = loc;
        for (;;) {
            i = name_end(tx, i, end);
            int j = sql_skip_noise(tx, i, end);
            if (j >= end || tx[j] != '.')
                break;
            i = sql_skip_noise(tx, j + 1, end);
        }
        i = sql_skip_noise(tx, i, end);
        if (i < end && tx[i] == '*') /* ALTER TABLE t * (with its children) */
            i++;
        while (i < end) {
            int p = sql_skip_noise(tx, i, end), e = clause_end(tx, p, end);
            list_push(c->r->arena, &from, (void *)(intptr_t)p);
            list_push(c->r->arena, &to, (void *)(intptr_t)e);
            i = e + 1;
        }
    }
    int k = 0;
    c->alter_cmds = st->cmds;
    foreach_node(AlterTableCmd, cmd, st->cmds) {
        c->sub_from = c->sub_to = -1;
        int at = sql_node_location(cmd->def);
        for (int i = 0; i < from.len; i++) {
            /* the k-th piece, or the one holding the definition when a comma
             * inside a sub-command threw the count off */
            if (from.len == list_length(st->cmds) ? i == k
                                                  : at >= (int)(intptr_t)LIST_GET(&from, i)) {
                c->sub_from = (int)(intptr_t)LIST_GET(&from, i);
                c->sub_to = (int)(intptr_t)LIST_GET(&to, i);
            }
        }
        alter_table_cmd(c, t, cmd);
        k++;
    }
    c->sub_from = c->sub_to = -1;
    c->alter_cmds = NULL;
}

/* ---- indexes ----------------------------------------------------------------- */

/* Keeps in ix what CREATE INDEX st wrote beyond the column names, so that a
 * fix can build the same index again (catalog_index_def). */
static void index_as_written(Ctx *c, Index *ix, const IndexStmt *st)
{
    const char *method = st->accessMethod;
    if (method && strcmp(method, "btree") != 0)
        ix->method = keep(c, method);
    ix->only = !st->relation->inh;
    ix->nulls_not_distinct = st->nulls_not_distinct;
    foreach_node(IndexElem, p, st->indexIncludingParams) {
        const char *n = p->name;
        if (n)
            list_push(c->ca, &ix->include, (void *)keep(c, n));
    }
    int loc = st->relation->location;
    if (!in_stmt(c, loc))
        return;
    const char *t = stmt_text(c);
    int end = stmt_end(c);
    int open = scan(t, loc, end, false, true, NULL);
    if (open >= end)
        return;
    int close = group_end(t, open, end);
    /* the elements: the group's comma-separated items, one per IndexElem */
    int i = open + 1;
    foreach_node(IndexElem, e, st->indexParams) {
        int item_end = clause_end(t, i, close);
        bool plain = e->name && e->opclass == NIL && e->collation == NIL &&
                     e->ordering == SORTBY_DEFAULT && e->nulls_ordering == SORTBY_NULLS_DEFAULT;
        list_push(c->ca, &ix->elems,
                  plain || i >= close ? NULL : (void *)keep(c, src_text(c, t, i, item_end)));
        i = item_end + 1;
    }
    if (st->whereClause) {
        int where = scan(t, close, end, false, false, "WHERE");
        if (where < end)
            ix->predicate = keep(c, src_text(c, t, where + 5, end));
    }
}

static void create_index(Ctx *c, const IndexStmt *st)
{
    const RangeVar *rv = st->relation;
    const View *mv = rv && rv->relname ? catalog_find_view(c->cat, rv->schemaname, rv->relname) : NULL;
    if (mv && mv->materialized && !catalog_find_table(c->cat, rv->schemaname, rv->relname)) {
        /* An index on a materialized view: only REFRESH writes one, so the
         * build's lock blocks no query of the application (a REFRESH waits);
         * on a view this release creates, it builds over what the view holds
         * then and blocks nothing live. */
        Action *a = act_named(c, ACT_HARMLESS, qualname(c, mv->schema, mv->name), COST_INDEX);
        if (a) {
            a->lock = st->concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_SHARE;
            if (mv->new_in_release)
                a->flags |= A_NEW_TABLE; /* nothing live waits on it */
        }
        return;
    }
    Table *t = table_of(c, rv);
    if (!t)
        return;
    List cols = {0};
    foreach_node(IndexElem, e, st->indexParams) {
        const char *n = e->name;
        list_push(c->r->arena, &cols, (void *)(n ? n : "(expression)"));
    }
    const char *name = st->idxname;
    if (!name) { /* PostgreSQL's: table_cols_idx, INCLUDE columns too (see choose_name) */
        List names = {0};
        index_column_names(c, st->indexParams, &names);
        index_column_names(c, st->indexIncludingParams, &names);
        name = choose_name(c, t->schema, t->name, name_addition(c->r->arena, &names), "idx", true, false);
    }
    bool concurrent = st->concurrent;
    Index *existing = catalog_find_index(c->cat, rv->schemaname ? t->schema : NULL, name);
    /* On a partitioned table, CREATE INDEX ON ONLY makes the parent's own
     * index alone, invalid until each partition's is attached: catalog-only,
     * under SHARE on the parent alone. Without ONLY the build recurses: SHARE
     * on each partition too, for the whole build (measured with pg_locks).
     * PostgreSQL refuses CONCURRENTLY on a partitioned table (13 to 18). */
    bool only = t->partitioned && !rv->inh;
    List parts = {0};
    if (t->partitioned && !only)
        partitions_of(c, t, &parts, 0);
    LockMode lock = concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_SHARE;
    Action *a = act(c, ACT_CREATE_INDEX, t, lock, only ? COST_CATALOG : COST_INDEX, -1);
    for (int i = 0; i < parts.len; i++) {
        Action *pa = act(c, ACT_LOCK_TABLE, LIST_GET(&parts, i), lock, COST_INDEX, -1);
        if (pa)
            pa->detail = "a partition: its index is built";
    }
    if (a && t->partitioned) {
        a->flags |= A_PARTITIONED;
        if (!only && in_stmt(c, rv->location)) {
            const char *tx = stmt_text(c);
            a->only_sql = arena_printf(c->r->arena, "%s ONLY %s", src_text(c, tx, c->s->offset, rv->location),
                                       src_text(c, tx, rv->location, stmt_end(c)));
            if (concurrent) { /* the fix's ON ONLY runs without it */
                int kw = scan(tx, c->s->offset, stmt_end(c), false, false, "CONCURRENTLY");
                if (kw < rv->location)
                    a->only_sql = arena_printf(c->r->arena, "%s %s ONLY %s", src_text(c, tx, c->s->offset, kw),
                                               src_text(c, tx, kw + 12, rv->location),
                                               src_text(c, tx, rv->location, stmt_end(c)));
            }
        }
    }
    if (a && !concurrent && !t->partitioned && stmt_text(c)) {

        /* the fix repeats the statement as written, made CONCURRENTLY */
        const char *tx = stmt_text(c);
        int end = stmt_end(c), kw = scan(tx, c->s->offset, end, false, false, "INDEX");
        if (kw < end)
            a->concurrent_sql = arena_printf(c->r->arena, "%s CONCURRENTLY %s",
                                             src_text(c, tx, c->s->offset, kw + 5),
                                             src_text(c, tx, kw + 5, end));
    }
    if (a) {
        a->column = name;
        a->detail = column_list_name(c, &cols);
        if (concurrent)
            a->flags |= A_CONCURRENT;
        if (st->unique)
            a->flags |= A_UNIQUE;
    }
    if (existing && st->if_not_exists) {
        if (a)
            a->cost = COST_CATALOG;
        return;
    }
    Index *ix = add_index(c, t, NULL, name, &cols, st->unique);
    ix->partial = st->whereClause != NULL;
    index_as_written(c, ix, st);
    if (a && parts.len) {
        /* the recipe, per partition: the index PostgreSQL would build there,
         * CONCURRENTLY, then attached to the parent's */
        StrBuf sb;
        sb_init(&sb, c->r->arena);
        List names = {0};
        index_column_names(c, st->indexParams, &names);
        index_column_names(c, st->indexIncludingParams, &names);
        const char *addition = name_addition(c->r->arena, &names);
        for (int i = 0; i < parts.len; i++) {
            const Table *p = LIST_GET(&parts, i);
            if (p->partitioned) { /* its partitions' indexes attach to its own: no one-line recipe */
                sb.len = 0;
                break;
            }
            Index pix = *ix;
            pix.table_schema = p->schema;
            pix.table = p->name;
            pix.only = false;
            const char *pname = choose_name(c, p->schema, p->name, addition, "idx", true, false);
            sb_printf(&sb, "%sCREATE %sINDEX CONCURRENTLY %s %s;\nALTER INDEX %s ATTACH PARTITION %s;",
                      sb.len ? "\n" : "", st->unique ? "UNIQUE " : "",
                      catalog_quote_ident(c->r->arena, pname), catalog_index_def(c->r->arena, &pix),
                      catalog_quote_ident(c->r->arena, name), catalog_quote_ident(c->r->arena, pname));
        }
        a->partition_sql = sb.len ? sb.data : NULL;
    }
    /* each partition gets its index, named as PostgreSQL names it, unless it
     * has one of the same definition already, which is attached instead */
    for (int i = 0; i < parts.len && !(existing && st->if_not_exists); i++) {
        Table *p = LIST_GET(&parts, i);
        bool has = false;
        for (int j = 0; j < p->indexes.len && !has; j++) {
            const Index *o = LIST_GET(&p->indexes, j);
            has = o->unique == ix->unique && o->partial == ix->partial && util_streq(o->method, ix->method) &&
                  o->columns.len == ix->columns.len;
            for (int k = 0; has && k < o->columns.len; k++)
                has = util_streq(LIST_GET(&o->columns, k), LIST_GET(&ix->columns, k));
        }
        if (has)
            continue;
        List names = {0};
        index_column_names(c, st->indexParams, &names);
        index_column_names(c, st->indexIncludingParams, &names);
        Index *pix = add_index(c, p, NULL,
                               choose_name(c, p->schema, p->name, name_addition(c->r->arena, &names), "idx",
                                           true, false),
                               &cols, st->unique);
        pix->partial = ix->partial;
        pix->method = ix->method;
        pix->elems = ix->elems;
        pix->include = ix->include;
        pix->nulls_not_distinct = ix->nulls_not_distinct;
        pix->predicate = ix->predicate;
    }
}


/* ---- DROP ------------------------------------------------------------------- */

/* PostgreSQL's name of an object type: "FOREIGN_TABLE". */
static const char *object_type_name(ObjectType type)
{
    /* install-deps writes ObjectType as [OBJECT_TABLE] = "TABLE", ... */
    static const char *const names[] = {
#include "object_types.inc"
    };
    return (unsigned)type < sizeof names / sizeof names[0] && names[type] ? names[type] : "object";
}

static const char *created_function(Ctx *c, const PgList *funcname);

static void drop_objects(Ctx *c, const DropStmt *st)
{
    ObjectType type = st->removeType;
    bool missing_ok = st->missing_ok;
    bool concurrent = st->concurrent;
    bool cascade = st->behavior == DROP_CASCADE;
    /* The views this DROP drops: PostgreSQL drops them together, so one
     * reading another stops nothing. */
    List dropped = {0};
    foreach_ptr(Node, obj, st->objects) {
        const char *qual = NULL;
        const char *name = IsA(obj, PgList) ? sql_name_list(castNode(PgList, obj), &qual) : NULL;
        const View *v = name && (type == OBJECT_VIEW || type == OBJECT_MATVIEW)
                            ? catalog_find_view(c->cat, qual, name)
                            : NULL;
        if (v)
            list_push(c->r->arena, &dropped, (void *)qualname(c, v->schema, v->name));
    }
    foreach_ptr(Node, obj, st->objects) {
        const PgList *names = IsA(obj, PgList) ? castNode(PgList, obj) : NIL;
        const char *qual = NULL;
        const char *name = names ? sql_name_list(names, &qual) : IsA(obj, String) ? strVal(obj) : NULL;
        if (!name && IsA(obj, TypeName)) /* DROP TYPE names come as TypeName */
            name = sql_name_list(castNode(TypeName, obj)->names, &qual);
        if (!name && IsA(obj, ObjectWithArgs)) { /* DROP FUNCTION / PROCEDURE / ROUTINE */
            name = sql_name_list(castNode(ObjectWithArgs, obj)->objname, &qual);
            const char *fq = type == OBJECT_FUNCTION || type == OBJECT_PROCEDURE || type == OBJECT_ROUTINE
                                 ? created_function(c, castNode(ObjectWithArgs, obj)->objname)
                                 : NULL;
            for (int i = 0; fq && i < c->cat->functions.len; i++)
                if (strcmp(LIST_GET(&c->cat->functions, i), fq) == 0) {
                    remove_item(&c->cat->functions, LIST_GET(&c->cat->functions, i));
                    break;
                }
        }
        if (!name)
            continue;
        if (type == OBJECT_TABLE) {
            Table *t = catalog_find_table(c->cat, qual, name);
            if (!t && missing_ok)
                continue;
            if (!t)
                t = add_table(c, qual, name, true);
            Action *da = act(c, ACT_DROP_TABLE, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
            for (int i = 0; i < t->constraints.len; i++)
                lock_referenced(c, t, LIST_GET(&t->constraints, i), -1);
            /* a partitioned table's partitions go with it, each under
             * ACCESS EXCLUSIVE */
            List parts = {0};
            partitions_of(c, t, &parts, 0);
            if (da) {
                /* views on it or on a partition: refused without CASCADE,
                 * dropped with it */
                List rels = {0};
                list_push(c->r->arena, &rels, (void *)qualname(c, t->schema, t->name));
                for (int i = 0; i < parts.len; i++) {
                    const Table *p = LIST_GET(&parts, i);
                    list_push(c->r->arena, &rels, (void *)qualname(c, p->schema, p->name));
                }
                views_reading_relations(c, &rels, &dropped, &da->views);
                if (cascade)
                    da->flags |= A_CASCADE;
            }
            for (int i = 0; i < parts.len; i++) {
                Table *p = LIST_GET(&parts, i);
                Action *pa = act(c, ACT_LOCK_TABLE, p, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
                if (pa)
                    pa->detail = "dropped with its partitioned table";
                drop_table(c, p, st->behavior == DROP_CASCADE);
            }
            drop_table(c, t, st->behavior == DROP_CASCADE);
        } else if (type == OBJECT_INDEX) {
            Index *ix = catalog_find_index(c->cat, qual, name);
            Table *t = ix ? catalog_find_table(c->cat, ix->table_schema, ix->table) : NULL;
            Action *a = act(c, ACT_DROP_INDEX, t,
                            concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE,
                            COST_CATALOG, -1);
            if (a) {
                a->column = name;
                if (concurrent)
                    a->flags |= A_CONCURRENT;
                if (missing_ok)
                    a->flags |= A_IF_EXISTS;
                if (!ix && !missing_ok) {
                    a->flags |= A_ASSUMED;
                    a->table = qualname(c, schema_or_default(c, qual), name);
                }
            }
            if (ix)
                catalog_remove_index(c->cat, ix);
        } else if (type == OBJECT_VIEW || type == OBJECT_MATVIEW) {
            View *v = catalog_find_view(c->cat, qual, name);
            Action *a = act_named(c, ACT_DROP_VIEW,
                                  qualname(c, v ? v->schema : schema_or_default(c, qual), name),
                                  COST_CATALOG);
            if (a) {
                a->lock = LOCK_ACCESS_EXCLUSIVE; /* waits for every query on the view */
                if (v && v->new_in_release)
                    a->flags |= A_NEW_TABLE;
                if (cascade)
                    a->flags |= A_CASCADE;
                if (v && v->materialized)
                    a->detail = "materialized view";
                if (v) {
                    List rels = {0};
                    list_push(c->r->arena, &rels, (void *)qualname(c, v->schema, v->name));
                    views_reading_relations(c, &rels, &dropped, &a->views);
                }
            }
            if (v) {
                const char *vq = qualname(c, v->schema, v->name);
                catalog_remove_view(c->cat, v);
                if (st->behavior == DROP_CASCADE)
                    drop_views_reading(c, vq);
                else
                    forget_reads(c, vq, NULL);
            }
        } else if (type == OBJECT_SEQUENCE) {
            Sequence *sq = catalog_find_sequence(c->cat, qual, name);
            Action *a = act_named(c, ACT_DROP_SEQUENCE,
                                  qualname(c, sq ? sq->schema : schema_or_default(c, qual), name),
                                  COST_CATALOG);
            if (a) {
                a->lock = LOCK_ACCESS_EXCLUSIVE; /* waits for every nextval() in flight */
                if (sq && sq->new_in_release)
                    a->flags |= A_NEW_TABLE;
            }
            if (sq)
                remove_item(&c->cat->sequences, sq);
        } else if (type == OBJECT_TYPE || type == OBJECT_DOMAIN) {
            EnumType *e = catalog_find_enum(c->cat, qual, name);
            act_named(c, ACT_DROP_TYPE, qualname(c, e ? e->schema : schema_or_default(c, qual), name),
                      COST_CATALOG);
            /* CASCADE drops every column of the type, each as ALTER TABLE ...
             * DROP COLUMN CASCADE would: under ACCESS EXCLUSIVE on its table,
             * with the views that read it (measured: pg_locks) */
            const char *typ = e && st->behavior == DROP_CASCADE ? keep(c, qualname(c, e->schema, e->name)) : NULL;
            for (int i = 0; typ && i < c->cat->tables.len; i++) {
                Table *t = LIST_GET(&c->cat->tables, i);
                for (int j = t->columns.len - 1; j >= 0; j--) {
                    const Column *col = LIST_GET(&t->columns, j);
                    if (!util_streq(col->type, typ))
                        continue;
                    AlterTableCmd drop = {.type = T_AlterTableCmd, .subtype = AT_DropColumn,
                                          .name = (char *)col->name, .behavior = DROP_CASCADE};
                    alter_table_cmd(c, t, &drop);
                }
            }
            if (e)
                catalog_remove_enum(c->cat, e);
        } else if (type == OBJECT_SCHEMA) {
            Action *a = act_named(c, ACT_DROP_SCHEMA, note(c, name), COST_CATALOG);
            if (a && st->behavior == DROP_CASCADE)
                a->flags |= A_CASCADE;
            for (int i = c->cat->tables.len - 1; i >= 0; i--) {
                Table *t = LIST_GET(&c->cat->tables, i);
                if (strcmp(t->schema, name) != 0)
                    continue;
                /* CASCADE drops each table under ACCESS EXCLUSIVE */
                Action *la = act(c, ACT_LOCK_TABLE, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
                if (la)
                    la->detail = "dropped with its schema";
                drop_table(c, t, true);
            }
            /* and everything else it holds */
            for (int i = c->cat->views.len - 1; i >= 0; i--) {
                View *v = LIST_GET(&c->cat->views, i);
                if (strcmp(v->schema, name) == 0)
                    catalog_remove_view(c->cat, v);
            }
            for (int i = c->cat->sequences.len - 1; i >= 0; i--) {
                Sequence *sq = LIST_GET(&c->cat->sequences, i);
                if (strcmp(sq->schema, name) == 0)
                    remove_item(&c->cat->sequences, sq);
            }
            for (int i = c->cat->enums.len - 1; i >= 0; i--) {
                EnumType *e = LIST_GET(&c->cat->enums, i);
                if (strcmp(e->schema, name) == 0)
                    catalog_remove_enum(c->cat, e);
            }
            for (int i = 0; i < c->cat->schemas.len; i++)
                if (strcmp(LIST_GET(&c->cat->schemas, i), name) == 0) {
                    remove_item(&c->cat->schemas, LIST_GET(&c->cat->schemas, i));
                    break;
                }
        } else if (type == OBJECT_TRIGGER || type == OBJECT_RULE ||
                   type == OBJECT_POLICY) {
            /* names are (table..., trigger): the table is all but the last */
            int n = list_length(names);
            const Node *q = n >= 3 ? list_nth(names, n - 3) : NULL;
            const Node *nm = n >= 2 ? list_nth(names, n - 2) : NULL;
            const char *tq = q && IsA(q, String) ? strVal(q) : NULL;
            const char *tn = nm && IsA(nm, String) ? strVal(nm) : NULL;
            Table *t = tn ? catalog_find_table(c->cat, tq, tn) : NULL;
            Action *a = act(c, ACT_ALTER_TABLE_OTHER, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
            if (a)
                a->detail = "DROP TRIGGER/RULE/POLICY";
        } else if (type == OBJECT_FUNCTION || type == OBJECT_PROCEDURE || type == OBJECT_ROUTINE ||
                   type == OBJECT_EXTENSION || type == OBJECT_ROLE ||
                   type == OBJECT_AGGREGATE || type == OBJECT_COLLATION ||
                   type == OBJECT_STATISTIC_EXT) {
            act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        } else {
            Action *a = act(c, ACT_NOT_ANALYSED, NULL, LOCK_NONE, COST_NONE, -1);
            if (a)
                a->detail = arena_printf(c->r->arena, "DROP %s", object_type_name(type));
        }
    }
}

/* ---- renames ------------------------------------------------------------------ */

/* Renames t or moves it to another schema: its indexes go with it, and the
 * foreign keys that reference it follow it. */
static void move_table(Ctx *c, Table *t, const char *schema, const char *name)
{
    const char *old = keep(c, qualname(c, t->schema, t->name));
    for (int i = 0; i < t->indexes.len; i++) {
        Index *ix = LIST_GET(&t->indexes, i);
        ix->table = name;
        ix->table_schema = schema; /* an index lives in its table's schema */
        catalog_rename_index(c->cat, ix, schema, ix->name);
    }
    const char *now = keep(c, qualname(c, schema, name));
    if (!util_streq(now, old))
        views_follow_relation(c, old, now);
    for (int i = 0; t->partitioned && i < c->cat->tables.len; i++) {
        Table *p = LIST_GET(&c->cat->tables, i);
        if (util_streq(p->parent, old))
            p->parent = now;
    }
    const List *refs = catalog_referencing(c->cat, old);
    for (int i = 0; !util_streq(now, old) && i < refs->len; i++) {
        Constraint *k = LIST_GET(refs, i);
        if (k->ref_table == old || (!c->cat->strings && util_streq(k->ref_table, old))) {
            k->ref_table = now;
            catalog_note_reference(c->cat, k);
        }
    }
    catalog_rename_table(c->cat, t, schema, name);
}

/* ALTER SCHEMA from RENAME TO to: everything in the schema moves with it, so
 * every query that names from.x fails from the commit on. It takes no lock
 * on the relations (only pg_namespace's row changes; measured), so the
 * actions lock nothing: they say what moved. */
static void rename_schema(Ctx *c, const char *from, const char *to)
{
    if (!from || !to)
        return;
    to = keep(c, to);
    for (int i = 0; i < c->cat->schemas.len; i++)
        if (strcmp(LIST_GET(&c->cat->schemas, i), from) == 0)
            c->cat->schemas.items[i] = (void *)to;
    for (int i = 0; i < c->cat->tables.len; i++) {
        Table *t = LIST_GET(&c->cat->tables, i);
        if (strcmp(t->schema, from) != 0)
            continue;
        Action *a = act(c, ACT_SET_SCHEMA, t, LOCK_NONE, COST_CATALOG, -1);
        if (a)
            a->detail = to;
        move_table(c, t, to, t->name);
    }
    for (int i = 0; i < c->cat->views.len; i++) {
        View *v = LIST_GET(&c->cat->views, i);
        if (strcmp(v->schema, from) != 0)
            continue;
        views_follow_relation(c, qualname(c, v->schema, v->name), qualname(c, to, v->name));
        catalog_move_view(c->cat, v, to);
    }
    for (int i = 0; i < c->cat->sequences.len; i++) {
        Sequence *sq = LIST_GET(&c->cat->sequences, i);
        if (strcmp(sq->schema, from) == 0)
            sq->schema = to;
    }
    for (int i = 0; i < c->cat->enums.len; i++) {
        EnumType *e = LIST_GET(&c->cat->enums, i);
        if (strcmp(e->schema, from) != 0)
            continue;
        /* columns of the type name it as "schema.name": they follow it */
        const char *was = keep(c, qualname(c, e->schema, e->name));
        const char *now = keep(c, qualname(c, to, e->name));
        for (int j = 0; j < c->cat->tables.len; j++) {
            Table *t = LIST_GET(&c->cat->tables, j);
            for (int k = 0; k < t->columns.len; k++) {
                Column *col = LIST_GET(&t->columns, k);
                if (util_streq(col->type, was))
                    col->type = now;
            }
        }
        catalog_move_enum(c->cat, e, to);
    }
    /* and the schema itself, which zdm diff compares with the database's */
    for (int i = 0; i < c->cat->schemas.len; i++)
        if (strcmp(LIST_GET(&c->cat->schemas, i), from) == 0)
            c->cat->schemas.items[i] = (void *)to;
}

static void rename_stmt(Ctx *c, const RenameStmt *st)
{
    ObjectType type = st->renameType;
    const char *newname = st->newname;
    const RangeVar *rv = st->relation;
    const char *rschema = rv ? rv->schemaname : NULL, *rname = rv ? rv->relname : NULL;
    const char *sub = st->subname;
    if (type == OBJECT_TABLE) {
        Table *t = table_of(c, rv);
        Action *a = act(c, ACT_RENAME_TABLE, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
        if (a)
            a->detail = newname;
        if (t && newname)
            move_table(c, t, t->schema, keep(c, newname));
    } else if (type == OBJECT_COLUMN) {
        Table *t = table_of(c, rv);
        Column *col = t && sub ? column_of(c, t, sub) : NULL;
        Action *a = act(c, ACT_RENAME_COLUMN, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
        if (a) {
            a->column = sub;
            a->detail = newname;
            if (in_primary_key(t, sub))
                a->flags |= A_PRIMARY_KEY;
        }
        note_column(c, a, col);
        if (col && newname) {
            for (int i = 0; i < t->indexes.len; i++) {
                Index *ix = LIST_GET(&t->indexes, i);
                for (int j = 0; j < ix->columns.len; j++)
                    if (strcmp(LIST_GET(&ix->columns, j), col->name) == 0)
                        ix->columns.items[j] = (void *)keep(c, newname);
            }
            /* views follow it too, but their text names it as it was */
            const char *tq = qualname(c, t->schema, t->name);
            forget_definitions_naming(c, tq);
            for (int i = 0; i < c->cat->views.len; i++) {
                const View *v = LIST_GET(&c->cat->views, i);
                for (int j = 0; j < v->columns.len; j++) {
                    ViewColumn *vc = LIST_GET(&v->columns, j);
                    if (util_streq(vc->table, tq) && util_streq(vc->column, col->name))
                        vc->column = keep(c, newname);
                }
            }
            /* constraints follow the column (a CHECK (col IS NOT NULL) still proves it) */
            for (int i = 0; i < t->constraints.len; i++) {
                Constraint *k = LIST_GET(&t->constraints, i);
                for (int j = 0; j < k->columns.len; j++)
                    if (strcmp(LIST_GET(&k->columns, j), col->name) == 0)
                        k->columns.items[j] = (void *)keep(c, newname);
                if (util_streq(k->not_null_of, col->name))
                    k->not_null_of = keep(c, newname);
            }
            col->name = keep(c, newname);
        }
    } else if (type == OBJECT_INDEX) {
        Index *ix = catalog_find_index(c->cat, rschema, rname);
        Table *t = ix ? catalog_find_table(c->cat, ix->table_schema, ix->table) : NULL;
        /* Since PostgreSQL 12, renaming an index takes SHARE UPDATE EXCLUSIVE
         * on the index alone, which no query's lock conflicts with: none on
         * its table (measured with pg_locks on 15, 17 and 18). */
        Action *a = act(c, ACT_RENAME_INDEX, t,
                        c->r->pg_version >= 12 ? LOCK_NONE : LOCK_ACCESS_EXCLUSIVE,
                        COST_CATALOG, -1);
        if (a) {
            a->column = rname;
            a->detail = newname;
        }
        if (ix && newname) {
            /* the constraint an index backs is renamed with it, and back */
            for (int i = 0; t && i < t->constraints.len; i++) {
                Constraint *k = LIST_GET(&t->constraints, i);
                if (util_streq(k->index, ix->name)) {
                    k->name = k->index = keep(c, newname);
                    catalog_note_constraint_name(c->cat, k->name);
                }
            }
            catalog_rename_index(c->cat, ix, ix->schema, keep(c, newname));
        }
    } else if (type == OBJECT_TABCONSTRAINT) {
        Table *t = table_of(c, rv);
        Constraint *k = t && sub ? catalog_find_constraint(t, sub) : NULL;
        Action *a = act(c, ACT_RENAME_CONSTRAINT, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
        if (a) {
            a->column = sub;
            a->detail = newname;
        }
        if (k && newname) {
            Index *ix = k->index ? catalog_find_index(c->cat, t->schema, k->index) : NULL;
            k->name = keep(c, newname);
            catalog_note_constraint_name(c->cat, k->name);
            if (k->index)
                k->index = k->name;
            if (ix)
                catalog_rename_index(c->cat, ix, ix->schema, k->name);
        }
    } else if (type == OBJECT_VIEW || type == OBJECT_MATVIEW) {
        View *v = catalog_find_view(c->cat, rschema, rname);
        Action *a = act_named(c, ACT_RENAME_VIEW,
                              qualname(c, v ? v->schema : schema_or_default(c, rschema),
                                       rname ? rname : "view"),
                              COST_CATALOG);
        if (a) {
            a->lock = LOCK_ACCESS_EXCLUSIVE;
            a->detail = newname;
            if (v && v->new_in_release)
                a->flags |= A_NEW_TABLE;
        }
        if (v && newname) {
            views_follow_relation(c, qualname(c, v->schema, v->name), qualname(c, v->schema, newname));
            catalog_rename_view(c->cat, v, keep(c, newname));
        }
    } else if (type == OBJECT_SEQUENCE) {
        Sequence *sq = catalog_find_sequence(c->cat, rschema, rname);
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        if (sq && newname)
            sq->name = keep(c, newname);
    } else if (type == OBJECT_SCHEMA) {
        rename_schema(c, sub, newname);
    } else if (type == OBJECT_TYPE) {
        const char *qual = NULL;
        const char *name = st->object && IsA(st->object, PgList)
                               ? sql_name_list(castNode(PgList, st->object), &qual)
                               : NULL;
        EnumType *e = name ? catalog_find_enum(c->cat, qual, name) : NULL;
        Action *a = act(c, ACT_NOT_ANALYSED, NULL, LOCK_NONE, COST_CATALOG, -1);
        if (a)
            a->detail = "ALTER TYPE ... RENAME";
        if (e && newname) {
            /* columns of the type name it as "schema.name": they follow it */
            const char *was = keep(c, qualname(c, e->schema, e->name));
            const char *now = keep(c, qualname(c, e->schema, newname));
            for (int i = 0; i < c->cat->tables.len; i++) {
                Table *t = LIST_GET(&c->cat->tables, i);
                for (int j = 0; j < t->columns.len; j++) {
                    Column *col = LIST_GET(&t->columns, j);
                    if (util_streq(col->type, was))
                        col->type = now;
                }
            }
            catalog_rename_enum(c->cat, e, keep(c, newname));
        }
    } else {
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
    }
}

/* ---- the rest ------------------------------------------------------------------ */

static void create_enum(Ctx *c, const CreateEnumStmt *st)
{
    const char *qual = NULL;
    const char *name = sql_name_list(st->typeName, &qual);
    if (!name)
        return;
    EnumType *e = arena_alloc(c->ca, sizeof *e);
    e->schema = keep(c, schema_or_default(c, qual));
    e->name = keep(c, name);
    foreach_ptr(Node, v, st->vals)
        if (IsA(v, String))
            list_push(c->ca, &e->values, (void *)keep(c, strVal(v)));
    catalog_add_enum(c->cat, e);
    act_named(c, ACT_CREATE_ENUM, qualname(c, e->schema, e->name), COST_CATALOG);
}

static void alter_enum(Ctx *c, const AlterEnumStmt *st)
{
    const char *qual = NULL;
    const char *name = sql_name_list(st->typeName, &qual);
    if (!name)
        return;
    EnumType *e = catalog_find_enum(c->cat, qual, name);
    const char *oldval = st->oldVal;
    const char *newval = st->newVal;
    Action *a = act_named(c, oldval ? ACT_RENAME_ENUM_VALUE : ACT_ADD_ENUM_VALUE,
                          qualname(c, e ? e->schema : schema_or_default(c, qual), name),
                          COST_CATALOG);
    if (a) {
        a->column = oldval;
        a->detail = newval;
        if (!e)
            a->flags |= A_ASSUMED;
    }
    /* what later statements of the migration must not use before a COMMIT
     * (IF NOT EXISTS of a value there already adds none) */
    if (newval && !oldval && !(e && name_in(&e->values, newval)))
        list_push(c->r->arena, &c->r->new_labels,
                  (void *)arena_printf(c->r->arena, "%s\x1f%s",
                                       qualname(c, e ? e->schema : schema_or_default(c, qual), name), newval));
    if (!e || !newval)
        return;
    if (oldval) {
        for (int i = 0; i < e->values.len; i++)
            if (strcmp(LIST_GET(&e->values, i), oldval) == 0)
                e->values.items[i] = (void *)keep(c, newval);
    } else if (!name_in(&e->values, newval)) {
        list_push(c->ca, &e->values, (void *)keep(c, newval));
    }
}

/* The string an A_Const holds, or NULL. */
static const char *const_str(const Node *n)
{
    const A_Const *k = n && IsA(n, A_Const) ? castNode(A_Const, n) : NULL;
    return k && !k->isnull && IsA(&k->val, String) ? strVal(&k->val) : NULL;
}

static void set_stmt(Ctx *c, const VariableSetStmt *st)
{
    const char *name = st->name;
    const PgList *args = st->args;
    bool local = st->is_local;
    if (util_streq(name, "check_function_bodies")) { /* pg_dump writes it off */
        const Node *v = st->kind == VAR_SET_VALUE && args ? linitial(args) : NULL;
        const char *sv = const_str(v);
        c->r->skip_function_bodies =
            sv ? strcasecmp(sv, "off") == 0 || strcasecmp(sv, "false") == 0 || strcasecmp(sv, "no") == 0
               : v && IsA(v, A_Const) && IsA(&castNode(A_Const, v)->val, Integer) &&
                     intVal(&castNode(A_Const, v)->val) == 0;
    }
    if (util_streq(name, "search_path") && st->kind == VAR_SET_VALUE) {
        /* search_path changes how later names resolve: keep it */
        List path = {0};
        foreach_ptr(Node, arg, args) {
            const char *s = const_str(arg);
            if (s)
                list_push(c->ca, &path, (void *)keep(c, s));
        }
        bool same = path.len == c->cat->search_path.len;
        for (int i = 0; same && i < path.len; i++)
            same = strcmp(LIST_GET(&path, i), LIST_GET(&c->cat->search_path, i)) == 0;
        c->cat->search_path = path;
        Action *a = act(c, ACT_SET_OTHER, NULL, LOCK_NONE, COST_NONE, -1);
        if (a) {
            a->detail = "search_path";
            if (same)
                a->flags |= A_UNCHANGED; /* resolves no name differently: order-neutral */
        }
        return;
    }
    if (util_streq(name, "timezone") || st->kind == VAR_RESET_ALL)
        session_set_timezone(c, st);
    ActionKind k = util_streq(name, "lock_timeout") ? ACT_SET_LOCK_TIMEOUT
                   : util_streq(name, "statement_timeout") ? ACT_SET_STATEMENT_TIMEOUT
                                                           : ACT_SET_OTHER;
    Action *a = act(c, k, NULL, LOCK_NONE, COST_NONE, -1);
    if (!a)
        return;
    a->detail = name;
    if (local)
        a->flags |= A_LOCAL;
    if (k != ACT_SET_OTHER) {
        /* 0, '0', '0s', DEFAULT and RESET all mean "no timeout" (the default) */
        const Node *arg0 = args ? linitial(args) : NULL;
        const A_Const *k0 = arg0 && IsA(arg0, A_Const) ? castNode(A_Const, arg0) : NULL;
        const char *sv = const_str(arg0);
        bool zero = st->kind != VAR_SET_VALUE || !k0;
        if (k0 && IsA(&k0->val, Integer))
            zero = intVal(&k0->val) == 0;
        else if (sv)
            zero = atoi(sv) == 0 && !strchr(sv, '.');
        if (zero)
            a->flags |= A_ZERO;
        a->detail = sv ? note(c, sv) : k0 ? expr_text(c, arg0) : "0";
    }
}

static LockMode lock_mode_of_number(int mode)
{
    return mode >= 1 && mode <= 8 ? (LockMode)mode : LOCK_ACCESS_EXCLUSIVE;
}

/* An UPDATE's SET list as written, for a batched backfill that repeats it.
 * With FROM its values come from elsewhere: nothing to repeat. */
static void update_sql(Ctx *c, Action *a, const UpdateStmt *st)
{
    int loc = st->relation->location;
    if (st->fromClause || !in_stmt(c, loc))
        return;
    const char *t = stmt_text(c);
    int end = stmt_end(c);
    int set = scan(t, loc, end, false, false, "SET");
    if (set >= end)
        return;
    int from = set + 3;
    end = scan(t, from, end, false, false, "RETURNING");
    end = scan(t, from, end, false, false, "WHERE");
    a->set_sql = src_text(c, t, from, end);
    /* one plain "col = expr": the rows still to change are those that differ */
    if (list_length(st->targetList) != 1)
        return;
    const ResTarget *rt = linitial_node(ResTarget, st->targetList);
    int at = rt->location;
    if (rt->indirection || (rt->val && IsA(rt->val, MultiAssignRef)) || !in_stmt(c, at))
        return;
    int col_end = name_end(t, at, end);
    int eq = sql_skip_noise(t, col_end, end);
    if (eq >= end || t[eq] != '=' || !*src_text(c, t, eq + 1, end))
        return;
    a->col_sql = src_text(c, t, at, col_end);
    a->expr_sql = src_text(c, t, eq + 1, end);
}

/* How far PostgreSQL goes with a query (query_locks): defining a view only
 * analyses it; checking an SQL function's body also rewrites it (views give
 * way to what they read); running it (SELECT, DML, CREATE TABLE AS) also
 * calls its sequence functions. */
enum { QL_ANALYSE = 0, QL_REWRITE = 1, QL_EXECUTE = 3 };
static void query_locks(Ctx *c, const Node *query, const Node *target, int how, List *names);

static void dml(Ctx *c, const Node *st, ActionKind kind)
{
    const RangeVar *rel = kind == ACT_UPDATE   ? castNode(UpdateStmt, st)->relation
                          : kind == ACT_DELETE ? castNode(DeleteStmt, st)->relation
                                               : castNode(InsertStmt, st)->relation;
    const Node *where = kind == ACT_UPDATE   ? castNode(UpdateStmt, st)->whereClause
                        : kind == ACT_DELETE ? castNode(DeleteStmt, st)->whereClause
                                             : NULL;
    Table *t = table_of(c, rel);
    Action *a = act(c, kind, t, LOCK_ROW_EXCLUSIVE, COST_ROWS, -1);
    if (a && kind != ACT_INSERT && !where)
        a->flags |= A_NO_WHERE;
    if (a && kind == ACT_UPDATE)
        update_sql(c, a, castNode(UpdateStmt, st));
    /* INSERT ... VALUES writes the rows it spells out; from a query (SELECT,
     * TABLE, a set operation) it may write any number */
    const Node *sel = kind == ACT_INSERT ? castNode(InsertStmt, st)->selectStmt : NULL;
    if (a && sel && IsA(sel, SelectStmt) && !castNode(SelectStmt, sel)->valuesLists)
        a->flags |= A_QUERY;
    /* what it reads besides: ACCESS SHARE (a subquery, FROM, USING) */
    query_locks(c, st, (const Node *)rel, QL_EXECUTE, NULL);
}

/* Does ix back a constraint of t (PRIMARY KEY, UNIQUE, EXCLUDE)? */
static bool index_of_constraint(const Table *t, const Index *ix)
{
    if (ix->primary)
        return true;
    for (int i = 0; t && i < t->constraints.len; i++)
        if (util_streq(((const Constraint *)LIST_GET(&t->constraints, i))->index, ix->name))
            return true;
    return false;
}

static void not_analysed(Ctx *c, const char *what)
{
    Action *a = act(c, ACT_NOT_ANALYSED, NULL, LOCK_NONE, COST_NONE, -1);
    if (a)
        a->detail = what;
}

/* ---- what a query reads and writes ------------------------------------------ */

/*
 * The relation locks PostgreSQL takes to parse and analyse a query, as
 * pg_locks shows them: ROW EXCLUSIVE on the table an INSERT, UPDATE, DELETE
 * or MERGE writes, ROW SHARE on the tables a SELECT ... FOR UPDATE/SHARE
 * locks, ROW EXCLUSIVE on a sequence nextval, setval or currval names, and
 * ACCESS SHARE on every other relation the query names. Executing a query
 * (or checking an SQL function's body) rewrites it, which locks what each
 * view reads too; defining a view over a view locks only that view.
 */
typedef struct QueryWalk {
    ExprWalk w; /* first: walk_children hands it on */
    const Node *target;
    LockMode mode;   /* of the relations met now */
    List rels;       /* const RangeVar* */
    List modes;      /* LockMode of each, as intptr_t */
    List ctes;       /* const char*: WITH names, which are no relations */
    List seqs;       /* const char*: the regclass texts of sequence functions */
    List calls;      /* const FuncCall*: every function called */
} QueryWalk;

static bool query_walker(Node *node, void *ctx);

/* "schema.name" of a function name as created: in its schema, or the first
 * of search_path. */
static const char *function_qualname(Ctx *c, const PgList *funcname)
{
    const char *schema = NULL, *name = sql_name_list(funcname, &schema);
    return name ? keep(c, qualname(c, schema ? schema : catalog_creation_schema(c->cat), name)) : NULL;
}

/* The "schema.name" of the function a call names when the migrations
 * created it (looked up along search_path), else NULL. */
static const char *created_function(Ctx *c, const PgList *funcname)
{
    const char *schema = NULL, *name = sql_name_list(funcname, &schema);
    if (!name || !c->cat->functions.len)
        return NULL;
    for (int i = 0; i < (schema ? 1 : c->cat->search_path.len); i++) {
        const char *q = qualname(c, schema ? schema : LIST_GET(&c->cat->search_path, i), name);
        if (name_in(&c->cat->functions, q))
            return q;
    }
    return NULL;
}

static void query_walk_list(QueryWalk *q, PgList *l)
{
    if (l)
        query_walker((Node *)l, q);
}

/* The text of a regclass argument: 'name' or 'name'::regclass. */
static const char *regclass_text(const Node *arg)
{
    if (arg && IsA(arg, TypeCast))
        arg = castNode(TypeCast, arg)->arg;
    return const_str(arg);
}

static bool query_walker(Node *node, void *ctx)
{
    QueryWalk *q = ctx;
    if (!node)
        return false;
    switch (nodeTag(node)) {
    case T_RangeVar:
        if (node != q->target) {
            list_push(q->w.arena, &q->rels, node);
            list_push(q->w.arena, &q->modes, (void *)(intptr_t)q->mode);
        }
        return false;
    case T_LockingClause:
        return false; /* its names are the FROM items' again (or their aliases) */
    case T_CommonTableExpr:
        list_push(q->w.arena, &q->ctes, castNode(CommonTableExpr, node)->ctename);
        break;
    case T_FuncCall: {
        const char *schema = NULL;
        const FuncCall *f = castNode(FuncCall, node);
        const char *fn = sql_name_list(f->funcname, &schema);
        list_push(q->w.arena, &q->calls, (void *)f);
        if (fn && (!schema || strcmp(schema, "pg_catalog") == 0) &&
            (strcmp(fn, "nextval") == 0 || strcmp(fn, "setval") == 0 || strcmp(fn, "currval") == 0)) {
            const char *seq = f->args ? regclass_text(linitial(f->args)) : NULL;
            if (seq)
                list_push(q->w.arena, &q->seqs, (void *)seq);
        }
        break;
    }
    case T_SelectStmt: {
        SelectStmt *s = castNode(SelectStmt, node);
        if (!s->lockingClause)
            break;
        /* FOR UPDATE / SHARE: ROW SHARE on the FROM items it names (all of
         * them without OF) */
        int from = q->rels.len;
        query_walk_list(q, s->fromClause);
        for (int i = from; i < q->rels.len; i++) {
            const RangeVar *rv = LIST_GET(&q->rels, i);
            bool locked = false;
            foreach_node(LockingClause, lc, s->lockingClause) {
                if (!lc->lockedRels)
                    locked = true;
                foreach_node(RangeVar, of, lc->lockedRels)
                    if (util_streq(of->relname, rv->relname) ||
                        (rv->alias && util_streq(of->relname, rv->alias->aliasname)))
                        locked = true;
            }
            if (locked && (LockMode)(intptr_t)LIST_GET(&q->modes, i) < LOCK_ROW_SHARE)
                q->modes.items[i] = (void *)(intptr_t)LOCK_ROW_SHARE;
        }
        if (s->withClause)
            query_walker((Node *)s->withClause, q);
        query_walk_list(q, s->distinctClause);
        query_walk_list(q, s->targetList);
        query_walker(s->whereClause, q);
        query_walk_list(q, s->groupClause);
        query_walker(s->havingClause, q);
        query_walk_list(q, s->windowClause);
        query_walk_list(q, s->valuesLists);
        query_walk_list(q, s->sortClause);
        query_walker(s->limitOffset, q);
        query_walker(s->limitCount, q);
        if (s->larg)
            query_walker((Node *)s->larg, q);
        if (s->rarg)
            query_walker((Node *)s->rarg, q);
        return false;
    }
    default:
        break;
    }
    return walk_children(node, query_walker, &q->w);
}

/* A regclass's text ('name', 'schema.name', '"Name"') as PostgreSQL reads
 * it: unquoted parts folded to lower case. NULL when it is no plain name. */
static const char *regclass_name(Ctx *c, const char *text, const char **schema)
{
    const char *parts[3];
    int n = 0;
    const char *p = text;
    while (n < 3) {
        StrBuf sb;
        sb_init(&sb, c->r->arena);
        if (*p == '"') {
            for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
                if (*p == '"')
                    p++;
                sb_appendn(&sb, p, 1);
            }
            if (*p != '"')
                return NULL;
            p++;
        } else {
            for (; *p && *p != '.'; p++) {
                if (isspace((unsigned char)*p) || *p == '"' || *p == '(')
                    return NULL;
                char ch = (char)tolower((unsigned char)*p);
                sb_appendn(&sb, &ch, 1);
            }
        }
        if (!sb.len)
            return NULL;
        parts[n++] = sb.data;
        if (*p != '.')
            break;
        p++;
    }
    if (*p || n == 3)
        return NULL;
    *schema = n == 2 ? parts[0] : NULL;
    return parts[n - 1];
}

/* Locks the relation named schema.name (a table, view or sequence zdm
 * knows) in mode, and when expand, what a view reads. Its qualified name
 * goes to names when not NULL. Depth guards views defined in a cycle. */
static void lock_relation(Ctx *c, const char *schema, const char *name, LockMode mode, bool expand,
                          List *names, int depth)
{
    Table *t = catalog_find_table(c->cat, schema, name);
    if (t) {
        act(c, ACT_LOCK_TABLE, t, mode, COST_CATALOG, -1);
        if (names)
            list_push(c->ca, names, (void *)keep(c, qualname(c, t->schema, t->name)));
        return;
    }
    const View *v = catalog_find_view(c->cat, schema, name);
    const Sequence *sq = v ? NULL : catalog_find_sequence(c->cat, schema, name);
    if (!v && !sq)
        return; /* nothing zdm knows by that name */
    const char *qual = v ? qualname(c, v->schema, v->name) : qualname(c, sq->schema, sq->name);
    Action *a = act_named(c, ACT_LOCK_TABLE, qual, COST_CATALOG);
    if (a) {
        a->lock = mode;
        if (v ? v->new_in_release : sq->new_in_release)
            a->flags |= A_NEW_TABLE;
    }
    if (names && sq)
        list_push(c->ca, names, (void *)keep(c, qual)); /* a view goes to View.views */
    if (v && expand && depth < 16)
        for (int i = 0; i < v->sources.len + v->views.len; i++) {
            const char *src = i < v->sources.len ? LIST_GET(&v->sources, i) : LIST_GET(&v->views, i - v->sources.len);
            const char *dot = strchr(src, '.');
            lock_relation(c, dot ? arena_strndup(c->r->arena, src, (size_t)(dot - src)) : NULL,
                          dot ? dot + 1 : src, LOCK_ACCESS_SHARE, true, NULL, depth + 1);
        }
}


/* Records the locks of query (see QueryWalk); target: the relation it writes,
 * locked by its caller. how: QL_*. The relations it names go to names when
 * not NULL (a view's sources, which its REFRESH locks again). */
static void query_locks(Ctx *c, const Node *query, const Node *target, int how, List *names)
{
    bool expand = how & QL_REWRITE;
    QueryWalk q = {.w = {.arena = c->r->arena}, .target = target, .mode = LOCK_ACCESS_SHARE};
    query_walker((Node *)query, &q);
    for (int i = 0; i < q.rels.len; i++) {
        const RangeVar *rv = LIST_GET(&q.rels, i);
        if (!rv->relname || (!rv->schemaname && name_in(&q.ctes, rv->relname)))
            continue;
        lock_relation(c, rv->schemaname, rv->relname, (LockMode)(intptr_t)LIST_GET(&q.modes, i),
                      expand, names, 0);
    }
    /* a function the migrations created runs its body: whatever it locks
     * and changes, zdm does not follow */
    for (int i = 0; how == QL_EXECUTE && i < q.calls.len; i++) {
        const FuncCall *f = LIST_GET(&q.calls, i);
        const char *fq = created_function(c, f->funcname);
        if (fq) {
            not_analysed(c, arena_printf(c->r->arena,
                                         "call of %s(), a function the migrations created (what it does "
                                         "when it runs is not followed)",
                                         catalog_display(fq)));
            break;
        }
    }
    /* nextval, setval and currval take ROW EXCLUSIVE on their sequence, to
     * commit (measured): ALTER SEQUENCE and DROP wait for it */
    for (int i = 0; how == QL_EXECUTE && i < q.seqs.len; i++) {
        const char *schema = NULL;
        const char *name = regclass_name(c, LIST_GET(&q.seqs, i), &schema);
        if (!name)
            continue;
        const Sequence *sq = catalog_find_sequence(c->cat, schema, name);
        Action *a = act_named(c, ACT_LOCK_TABLE,
                              sq ? qualname(c, sq->schema, sq->name)
                                 : qualname(c, schema_or_default(c, schema), name),
                              COST_CATALOG);
        if (a) {
            a->lock = LOCK_ROW_EXCLUSIVE;
            a->detail = "sequence";
            if (sq && sq->new_in_release)
                a->flags |= A_NEW_TABLE;
        }
    }
}

/* ACCESS SHARE on every relation a view's (or CREATE TABLE AS's) query
 * reads: PostgreSQL opens each to build the definition, and the lock waits
 * behind an ACCESS EXCLUSIVE on any of them (measured with pg_locks). Their
 * names go to names when not NULL (a materialized view's REFRESH locks
 * them too). */
static void lock_sources(Ctx *c, const Node *query, int how, List *names)
{
    query_locks(c, query, NULL, how, names);
}

/* ---- the columns a view reads ------------------------------------------------ */

/*
 * PostgreSQL records a dependency of a view on each column its query reads
 * (a SELECT * expanded to the columns there were when it was created), and
 * then refuses ALTER COLUMN TYPE of such a column (0A000) and DROP COLUMN
 * without CASCADE (2BP01). The walk resolves column references as the
 * parser does, scope by scope: a qualified one by the alias (or name) of a
 * FROM item, an unqualified one by the innermost scope with a table that has
 * the column. A whole-row reference (SELECT t FROM t) and count(*) read no
 * column, as in PostgreSQL (measured). Subqueries, CTEs and set operations
 * are walked; the columns of a subquery's or a function's output are no
 * table's, and references to them are left out.
 */
typedef struct ScopeRel {
    const char *alias;
    Table *t; /* NULL: a subquery, a function, a CTE, a view */
} ScopeRel;

typedef struct Scope {
    const struct Scope *up;
    List rels; /* ScopeRel* */
} Scope;

typedef struct ViewWalk {
    ExprWalk ew; /* first: the walkers get it as their context */
    Ctx *c;
    View *v;
    const Scope *scope;
    List ctes; /* const char*: WITH names in force, which hide tables */
} ViewWalk;

static void view_reads(ViewWalk *w, const Table *t, const char *column)
{
    Ctx *c = w->c;
    const char *table = keep(c, qualname(c, t->schema, t->name));
    for (int i = 0; i < w->v->columns.len; i++) {
        const ViewColumn *vc = LIST_GET(&w->v->columns, i);
        if (util_streq(vc->table, table) && util_streq(vc->column, column))
            return;
    }
    ViewColumn *vc = arena_alloc(c->ca, sizeof *vc);
    vc->table = table;
    vc->column = keep(c, column);
    list_push(c->ca, &w->v->columns, vc);
}

static const ScopeRel *scope_find(const Scope *sc, const char *alias)
{
    for (; sc; sc = sc->up)
        for (int i = 0; i < sc->rels.len; i++) {
            const ScopeRel *r = LIST_GET(&sc->rels, i);
            if (util_streq(r->alias, alias))
                return r;
        }
    return NULL;
}

static void view_star(ViewWalk *w, const ScopeRel *r)
{
    for (int i = 0; r && r->t && i < r->t->columns.len; i++)
        view_reads(w, r->t, ((const Column *)LIST_GET(&r->t->columns, i))->name);
}

static void view_column_ref(ViewWalk *w, const ColumnRef *cr)
{
    int n = list_length(cr->fields);
    const Node *last = n ? llast(cr->fields) : NULL;
    const Node *qn = n >= 2 ? list_nth(cr->fields, n - 2) : NULL;
    const char *qual = qn && IsA(qn, String) ? strVal(qn) : NULL;
    if (last && IsA(last, A_Star)) {
        if (qual)
            view_star(w, scope_find(w->scope, qual));
        else
            for (int i = 0; w->scope && i < w->scope->rels.len; i++)
                view_star(w, LIST_GET(&w->scope->rels, i));
        return;
    }
    const char *col = last && IsA(last, String) ? strVal(last) : NULL;
    if (!col)
        return;
    if (qual) {
        const ScopeRel *r = scope_find(w->scope, qual);
        if (r && r->t && (catalog_find_column(r->t, col) || r->t->assumed))
            view_reads(w, r->t, col);
        return;
    }
    for (const Scope *sc = w->scope; sc; sc = sc->up) {
        bool found = false;
        for (int i = 0; i < sc->rels.len; i++) {
            const ScopeRel *r = LIST_GET(&sc->rels, i);
            if (r->t && catalog_find_column(r->t, col)) {
                view_reads(w, r->t, col);
                found = true;
            }
        }
        if (found)
            return;
    }
}

static void view_select(ViewWalk *w, const SelectStmt *st);

static bool view_walker(Node *node, void *ctx)
{
    ViewWalk *w = ctx;
    if (!node)
        return false;
    if (IsA(node, ColumnRef)) {
        view_column_ref(w, castNode(ColumnRef, node));
        return false;
    }
    if (IsA(node, SelectStmt)) {
        view_select(w, castNode(SelectStmt, node));
        return false;
    }
    walk_children(node, view_walker, &w->ew);
    return false;
}

static void view_walk(ViewWalk *w, const Node *node) { view_walker((Node *)node, w); }

static bool is_cte(const ViewWalk *w, const RangeVar *rv)
{
    return !rv->schemaname && name_in(&w->ctes, rv->relname);
}

/* Adds a FROM item to scope sc, walking what it holds. */
static void view_from(ViewWalk *w, Scope *sc, const Node *item)
{
    Ctx *c = w->c;
    if (IsA(item, RangeVar)) {
        const RangeVar *rv = castNode(RangeVar, item);
        if (!rv->relname)
            return;
        ScopeRel *r = arena_alloc(c->r->arena, sizeof *r);
        r->alias = rv->alias && rv->alias->aliasname ? rv->alias->aliasname : rv->relname;
        if (!is_cte(w, rv)) {
            r->t = catalog_find_table(c->cat, rv->schemaname, rv->relname);
            const View *read = r->t ? NULL : catalog_find_view(c->cat, rv->schemaname, rv->relname);
            const char *qn = read ? keep(c, qualname(c, read->schema, read->name)) : NULL;
            if (qn && !name_in(&w->v->views, qn))
                list_push(c->ca, &w->v->views, (void *)qn);
        }
        list_push(c->r->arena, &sc->rels, r);
    } else if (IsA(item, JoinExpr)) {
        const JoinExpr *j = castNode(JoinExpr, item);
        view_from(w, sc, j->larg);
        view_from(w, sc, j->rarg);
        /* USING (col): the column of each side */
        foreach_ptr(Node, u, j->usingClause) {
            if (!IsA(u, String))
                continue;
            for (int i = 0; i < sc->rels.len; i++) {
                const ScopeRel *r = LIST_GET(&sc->rels, i);
                if (r->t && catalog_find_column(r->t, strVal(u)))
                    view_reads(w, r->t, strVal(u));
            }
        }
        view_walk(w, j->quals);
    } else if (IsA(item, RangeSubselect)) {
        const RangeSubselect *rs = castNode(RangeSubselect, item);
        view_walk(w, rs->subquery);
        ScopeRel *r = arena_alloc(c->r->arena, sizeof *r);
        r->alias = rs->alias ? rs->alias->aliasname : NULL;
        list_push(c->r->arena, &sc->rels, r);
    } else if (IsA(item, RangeFunction)) {
        const RangeFunction *rf = castNode(RangeFunction, item);
        view_walk(w, (const Node *)rf->functions);
        ScopeRel *r = arena_alloc(c->r->arena, sizeof *r);
        r->alias = rf->alias ? rf->alias->aliasname : NULL;
        list_push(c->r->arena, &sc->rels, r);
    } else {
        view_walk(w, item);
    }
}

static void view_select(ViewWalk *w, const SelectStmt *st)
{
    if (!st || w->ew.depth >= MAX_EXPR_DEPTH)
        return;
    w->ew.depth++;
    int nctes = w->ctes.len;
    if (st->withClause)
        foreach_node(CommonTableExpr, cte, st->withClause->ctes) {
            if (st->withClause->recursive && cte->ctename)
                list_push(w->c->r->arena, &w->ctes, cte->ctename);
            view_walk(w, cte->ctequery);
            if (!st->withClause->recursive && cte->ctename)
                list_push(w->c->r->arena, &w->ctes, cte->ctename);
        }
    if (st->op != SETOP_NONE) {
        view_select(w, st->larg);
        view_select(w, st->rarg);
    } else {
        Scope sc = {.up = w->scope};
        const Scope *outer = w->scope;
        w->scope = &sc;
        foreach_ptr(Node, item, st->fromClause)
            view_from(w, &sc, item);
        view_walk(w, (const Node *)st->targetList);
        view_walk(w, st->whereClause);
        view_walk(w, (const Node *)st->groupClause);
        view_walk(w, st->havingClause);
        view_walk(w, (const Node *)st->windowClause);
        view_walk(w, (const Node *)st->distinctClause);
        view_walk(w, (const Node *)st->valuesLists);
        view_walk(w, (const Node *)st->sortClause);
        w->scope = outer;
    }
    w->ctes.len = nctes;
    w->ew.depth--;
}

static void create_view(Ctx *c, const RangeVar *rv, bool materialized, const Node *query)
{
    View *v = arena_alloc(c->ca, sizeof *v);
    /* a materialized view runs its query at once; a view only parses it */
    lock_sources(c, query, materialized ? QL_EXECUTE : QL_ANALYSE, &v->sources);
    v->schema = keep(c, schema_or_default(c, rv->schemaname));
    v->name = keep(c, rv->relname ? rv->relname : "view");
    v->materialized = materialized;
    v->new_in_release = c->r->pending;
    ViewWalk w = {.ew = {.arena = c->r->arena}, .c = c, .v = v};
    if (query && IsA(query, SelectStmt))
        view_select(&w, castNode(SelectStmt, query));
    if (stmt_text(c)) {
        v->definition = keep(c, src_text(c, stmt_text(c), c->s->offset, stmt_end(c)));
        v->defined_at = keep(c, arena_printf(c->r->arena, "%s:%d", c->m->file, c->s->line));
    }
    View *old = catalog_find_view(c->cat, v->schema, v->name);
    if (old) { /* OR REPLACE: what it reads now */
        old->sources = v->sources;
        old->columns = v->columns;
        old->views = v->views;
        old->definition = v->definition;
        old->defined_at = v->defined_at;
    } else
        catalog_add_view(c->cat, v);
    /* a materialized one reads its sources whole, into a relation of its own */
    act_named(c, ACT_CREATE_VIEW, qualname(c, v->schema, v->name),
              v->materialized ? COST_SCAN : COST_CATALOG);
}

/* EXPLAIN (ANALYZE), EXPLAIN (ANALYZE true), the old EXPLAIN ANALYZE. */
static bool explain_analyze(const ExplainStmt *ex)
{
    foreach_node(DefElem, d, ex->options) {
        if (strcmp(d->defname, "analyze") != 0)
            continue;
        if (!d->arg)
            return true;
        if (IsA(d->arg, Boolean))
            return boolVal(d->arg);
        if (IsA(d->arg, Integer))
            return intVal(d->arg) != 0;
        if (IsA(d->arg, String))
            return strcmp(strVal(d->arg), "false") != 0 && strcmp(strVal(d->arg), "off") != 0 &&
                   strcmp(strVal(d->arg), "0") != 0;
    }
    return false;
}

/* A SELECT run by the migration: it locks what it reads (setval and nextval
 * their sequence); SELECT ... INTO creates a table as CREATE TABLE AS does. */
static void select_stmt(Ctx *c, const SelectStmt *st)
{
    if (st->intoClause && st->intoClause->rel) {
        SelectStmt query = *st;
        query.intoClause = NULL;
        const RangeVar *rv = st->intoClause->rel;
        lock_sources(c, (const Node *)&query, QL_EXECUTE, NULL);
        Table *t = add_table(c, rv->schemaname, rv->relname ? rv->relname : "t", false);
        act(c, ACT_CREATE_TABLE, t, LOCK_NONE, COST_ROWS, -1);
        not_analysed(c, "SELECT INTO (its columns come from a query)");
        return;
    }
    act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
    query_locks(c, (const Node *)st, NULL, QL_EXECUTE, NULL);
}

/* Does PostgreSQL check a new function's body? Not when an input argument
 * is polymorphic (anyelement, anycompatible, ...): the types are unknown
 * until the call (fmgr_sql_validator). */
static bool polymorphic_input(const CreateFunctionStmt *f)
{
    foreach_node(FunctionParameter, p, f->parameters) {
        if (p->mode == FUNC_PARAM_OUT || p->mode == FUNC_PARAM_TABLE || !p->argType)
            continue;
        const char *t = sql_name_list(p->argType->names, NULL);
        if (t && strncmp(t, "any", 3) == 0 && strcmp(t, "any") != 0)
            return true;
    }
    return false;
}

/* The locks of one statement of an SQL function's body as PostgreSQL checks
 * it: analysed and rewritten, not run. */
static void body_statement_locks(Ctx *c, const Node *st)
{
    const RangeVar *target = IsA(st, InsertStmt)   ? castNode(InsertStmt, st)->relation
                             : IsA(st, UpdateStmt) ? castNode(UpdateStmt, st)->relation
                             : IsA(st, DeleteStmt) ? castNode(DeleteStmt, st)->relation
                             : IsA(st, MergeStmt)  ? castNode(MergeStmt, st)->relation
                                                   : NULL;
    if (target && target->relname)
        lock_relation(c, target->schemaname, target->relname, LOCK_ROW_EXCLUSIVE, true, NULL, 0);
    if (IsA(st, ReturnStmt))
        query_locks(c, castNode(ReturnStmt, st)->returnval, NULL, QL_REWRITE, NULL);
    else if (target || IsA(st, SelectStmt))
        query_locks(c, st, (const Node *)target, QL_REWRITE, NULL);
    /* utility statements are not analysed before they run */
}

/* A stored SQL-standard body (RETURN, BEGIN ATOMIC) that reads a field of
 * an argument whose type is a table's row type: PostgreSQL 17 and later
 * take ACCESS SHARE on that table to record the dependency (measured; 15
 * does not). */
typedef struct FieldWalk {
    ExprWalk w;
    const CreateFunctionStmt *f;
    List tables; /* const TypeName*: the argument types that are fields' rows */
} FieldWalk;

static const TypeName *arg_type(const CreateFunctionStmt *f, const char *name, int number)
{
    int i = 0;
    foreach_node(FunctionParameter, p, f->parameters) {
        if (p->mode == FUNC_PARAM_OUT || p->mode == FUNC_PARAM_TABLE)
            continue;
        i++;
        if ((name && util_streq(p->name, name)) || i == number)
            return p->argType;
    }
    return NULL;
}

static bool field_walker(Node *node, void *ctx)
{
    FieldWalk *fw = ctx;
    if (!node)
        return false;
    const TypeName *t = NULL;
    if (IsA(node, ColumnRef) && list_length(castNode(ColumnRef, node)->fields) >= 2 &&
        IsA(linitial(castNode(ColumnRef, node)->fields), String))
        t = arg_type(fw->f, strVal(linitial(castNode(ColumnRef, node)->fields)), 0);
    else if (IsA(node, A_Indirection) && castNode(A_Indirection, node)->arg &&
             IsA(castNode(A_Indirection, node)->arg, ParamRef))
        t = arg_type(fw->f, NULL, castNode(ParamRef, castNode(A_Indirection, node)->arg)->number);
    if (t)
        list_push(fw->w.arena, &fw->tables, (void *)t);
    return walk_children(node, field_walker, &fw->w);
}

static void row_type_locks(Ctx *c, const CreateFunctionStmt *f, const Node *st)
{
    if (c->r->pg_version < 17)
        return;
    FieldWalk fw = {.w = {.arena = c->r->arena}, .f = f};
    field_walker((Node *)st, &fw);
    for (int i = 0; i < fw.tables.len; i++) {
        const TypeName *t = LIST_GET(&fw.tables, i);
        const char *schema = NULL, *name = sql_name_list(t->names, &schema);
        Table *tab = name && !t->arrayBounds ? catalog_find_table(c->cat, schema, name) : NULL;
        if (tab)
            act(c, ACT_LOCK_TABLE, tab, LOCK_ACCESS_SHARE, COST_CATALOG, -1);
    }
}

/*
 * CREATE [OR REPLACE] FUNCTION / PROCEDURE. It changes nothing the
 * application queries: what a function does happens when it is called, or
 * when a trigger runs it (CREATE TRIGGER is judged). A LANGUAGE sql body is
 * checked at once (check_function_bodies, on by default): each statement is
 * parsed, analysed and rewritten, which takes ACCESS SHARE on what it reads
 * and ROW EXCLUSIVE on what it writes, to commit (measured with pg_locks on
 * PostgreSQL 15, 17, 18). Other languages' bodies are not opened.
 */
static void create_function(Ctx *c, const CreateFunctionStmt *f)
{
    act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
    const char *fq = function_qualname(c, f->funcname);
    if (fq && !name_in(&c->cat->functions, fq))
        list_push(c->ca, &c->cat->functions, (void *)fq);
    const char *lang = f->sql_body ? "sql" : NULL;
    const char *body = NULL;
    foreach_node(DefElem, o, f->options) {
        if (util_streq(o->defname, "language") && o->arg && IsA(o->arg, String))
            lang = strVal(o->arg);
        if (util_streq(o->defname, "as") && o->arg && IsA(o->arg, List) && list_length((PgList *)o->arg) == 1 &&
            IsA(linitial((PgList *)o->arg), String))
            body = strVal(linitial((PgList *)o->arg));
    }
    if (!lang || strcasecmp(lang, "sql") != 0 || c->r->skip_function_bodies || polymorphic_input(f))
        return;
    if (f->sql_body) {
        /* BEGIN ATOMIC ... END: a List holding the List of statements;
         * RETURN expr: a ReturnStmt */
        if (IsA(f->sql_body, List)) {
            foreach_ptr(Node, l, (PgList *)f->sql_body)
                if (l && IsA(l, List))
                    foreach_ptr(Node, st, (PgList *)l) {
                        body_statement_locks(c, st);
                        if (IsA(st, SelectStmt) || IsA(st, InsertStmt) || IsA(st, UpdateStmt) ||
                            IsA(st, DeleteStmt) || IsA(st, MergeStmt))
                            row_type_locks(c, f, st);
                    }
        } else if (IsA(f->sql_body, ReturnStmt)) {
            body_statement_locks(c, f->sql_body);
            row_type_locks(c, f, castNode(ReturnStmt, f->sql_body)->returnval);
        }
        return;
    }
    if (!body)
        return;
    PgList *stmts = NIL;
    SqlSyntaxError e;
    if (sql_parse_text(c->r->arena, body, &stmts, &e) < 0) {
        /* PostgreSQL refuses to create it; zdm cannot say what it locks */
        not_analysed(c, arena_printf(c->r->arena, "CREATE %s in LANGUAGE sql whose body does not parse (%s)",
                                     f->is_procedure ? "PROCEDURE" : "FUNCTION", e.message));
        return;
    }
    foreach_node(RawStmt, raw, stmts)
        body_statement_locks(c, raw->stmt);
}

/* A relation's schema-qualified name for an object that is not a table. */
static const char *rel_name(Ctx *c, const RangeVar *rv, const char *dflt)
{
    return qualname(c, schema_or_default(c, rv ? rv->schemaname : NULL),
                    rv && rv->relname ? rv->relname : dflt);
}

static void do_block(Ctx *c, const DoStmt *st);

/* tests/integration/locks reads this function's `case T_...Stmt:` labels (and
 * alter_table_cmd's IS(AT_...), alter_table's `subtype == AT_...`) as the
 * statement kinds zdm claims locks for: each must run in its differential test. */
static void statement(Ctx *c, const Node *st)
{
    switch (nodeTag(st)) {
    case T_CreateStmt:
        create_table(c, castNode(CreateStmt, st));
        break;
    case T_AlterTableStmt:
        alter_table(c, castNode(AlterTableStmt, st));
        break;
    case T_IndexStmt:
        create_index(c, castNode(IndexStmt, st));
        break;
    case T_DropStmt:
        drop_objects(c, castNode(DropStmt, st));
        break;
    case T_RenameStmt:
        rename_stmt(c, castNode(RenameStmt, st));
        break;
    case T_TransactionStmt:
        session_transaction(c, castNode(TransactionStmt, st)->kind);
        switch (castNode(TransactionStmt, st)->kind) {
        case TRANS_STMT_BEGIN:
        case TRANS_STMT_START:
            act(c, ACT_BEGIN, NULL, LOCK_NONE, COST_NONE, -1);
            break;
        case TRANS_STMT_COMMIT:
            act(c, ACT_COMMIT, NULL, LOCK_NONE, COST_NONE, -1);
            break;
        case TRANS_STMT_ROLLBACK:
            act(c, ACT_ROLLBACK, NULL, LOCK_NONE, COST_NONE, -1);
            break;
        default:
            act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_NONE, -1); /* savepoints */
            break;
        }
        break;
    case T_VariableSetStmt:
        set_stmt(c, castNode(VariableSetStmt, st));
        break;
    case T_ConstraintsSetStmt:
        /* SET CONSTRAINTS ... IMMEDIATE (Django, around FK changes): when the
         * transaction checks deferred constraints; no lock, no schema change */
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_NONE, -1);
        break;
    case T_UpdateStmt:
        dml(c, st, ACT_UPDATE);
        break;
    case T_DeleteStmt:
        dml(c, st, ACT_DELETE);
        break;
    case T_InsertStmt:
        dml(c, st, ACT_INSERT);
        break;
    case T_TruncateStmt:
        foreach_node(RangeVar, rv, castNode(TruncateStmt, st)->relations)
            act(c, ACT_TRUNCATE, table_of(c, rv), LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
        break;
    case T_VacuumStmt: {
        const VacuumStmt *v = castNode(VacuumStmt, st);
        bool full = false, vacuum = v->is_vacuumcmd;
        foreach_node(DefElem, o, v->options)
            if (util_streq(o->defname, "full"))
                full = true;
        foreach_node(VacuumRelation, vr, v->rels) {
            Table *t = table_of(c, vr->relation);
            if (full)
                act(c, ACT_VACUUM_FULL, t, LOCK_ACCESS_EXCLUSIVE, COST_REWRITE, -1);
            else
                act(c, vacuum ? ACT_VACUUM : ACT_HARMLESS, t, LOCK_SHARE_UPDATE_EXCLUSIVE,
                    COST_SCAN, -1);
        }
        if (!v->rels)
            act(c, full ? ACT_VACUUM_FULL : vacuum ? ACT_VACUUM : ACT_HARMLESS, NULL,
                full ? LOCK_ACCESS_EXCLUSIVE : LOCK_SHARE_UPDATE_EXCLUSIVE,
                full ? COST_REWRITE : COST_SCAN, -1);
        break;
    }
    case T_ClusterStmt: {
        const RangeVar *rv = castNode(ClusterStmt, st)->relation;
        act(c, ACT_CLUSTER, rv ? table_of(c, rv) : NULL, LOCK_ACCESS_EXCLUSIVE, COST_REWRITE, -1);
        break;
    }
    case T_ReindexStmt: {
        const ReindexStmt *ri = castNode(ReindexStmt, st);
        bool concurrent = false;
        foreach_node(DefElem, o, ri->params)
            if (util_streq(o->defname, "concurrently"))
                concurrent = true;
        const RangeVar *rv = ri->relation;
        Table *t = NULL;
        const char *what = rv ? rv->relname : NULL;
        Index *ix = NULL;
        if (ri->kind == REINDEX_OBJECT_INDEX && rv) {
            ix = catalog_find_index(c->cat, rv->schemaname, what);
            t = ix ? catalog_find_table(c->cat, ix->table_schema, ix->table) : NULL;
        } else if (ri->kind == REINDEX_OBJECT_TABLE) {
            t = table_of(c, rv);
        }
        /* REINDEX takes SHARE on the table and ACCESS EXCLUSIVE on each index,
         * so reads that would use the index wait too. */
        Action *a = act(c, ACT_REINDEX, t,
                        concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_SHARE, COST_INDEX, -1);
        if (a && ix && !index_of_constraint(t, ix)) {
            /* PostgreSQL before 12 rebuilds an index online only as a twin */
            a->index_def = catalog_index_def(c->r->arena, ix);
            if (ix->unique)
                a->flags |= A_UNIQUE;
        }
        if (a) {
            a->column = what ? what : ri->name;
            a->detail = ri->kind == REINDEX_OBJECT_INDEX    ? "INDEX"
                        : ri->kind == REINDEX_OBJECT_TABLE  ? "TABLE"
                        : ri->kind == REINDEX_OBJECT_SCHEMA ? "SCHEMA"
                        : ri->kind == REINDEX_OBJECT_SYSTEM ? "SYSTEM"
                                                            : "DATABASE";
            if (concurrent)
                a->flags |= A_CONCURRENT;
        }
        break;
    }
    case T_LockStmt: {
        const LockStmt *l = castNode(LockStmt, st);
        LockMode mode = lock_mode_of_number(l->mode);
        foreach_node(RangeVar, rv, l->relations)
            act(c, ACT_LOCK_TABLE, table_of(c, rv), mode, COST_CATALOG, -1);
        break;
    }
    case T_CreateEnumStmt:
        create_enum(c, castNode(CreateEnumStmt, st));
        break;
    case T_AlterEnumStmt:
        alter_enum(c, castNode(AlterEnumStmt, st));
        break;
    case T_CreateSchemaStmt: {
        const CreateSchemaStmt *cs = castNode(CreateSchemaStmt, st);
        const char *name = cs->schemaname;
        if (name && !catalog_has_schema(c->cat, name))
            list_push(c->ca, &c->cat->schemas, (void *)keep(c, name));
        act_named(c, ACT_CREATE_SCHEMA, name ? note(c, name) : "schema", COST_CATALOG);
        if (cs->schemaElts)
            not_analysed(c, "CREATE SCHEMA with elements");
        break;
    }
    case T_CreateSeqStmt: {
        const RangeVar *rv = castNode(CreateSeqStmt, st)->sequence;
        Sequence *sq = arena_alloc(c->ca, sizeof *sq);
        sq->schema = keep(c, schema_or_default(c, rv->schemaname));
        sq->name = keep(c, rv->relname ? rv->relname : "sequence");
        sq->new_in_release = c->r->pending;
        list_push(c->ca, &c->cat->sequences, sq);
        act_named(c, ACT_CREATE_SEQUENCE, qualname(c, sq->schema, sq->name), COST_CATALOG);
        break;
    }
    case T_AlterSeqStmt: {
        /* SHARE ROW EXCLUSIVE on the sequence, to commit: every INSERT that
         * takes a value from it (nextval) waits that long */
        Action *a = act_named(c, ACT_ALTER_SEQUENCE,
                              rel_name(c, castNode(AlterSeqStmt, st)->sequence, "sequence"), COST_CATALOG);
        if (a)
            a->lock = LOCK_SHARE_ROW_EXCLUSIVE;
        break;
    }
    case T_CreateTableAsStmt: {
        const RangeVar *rv = castNode(CreateTableAsStmt, st)->into->rel;
        const Node *q = castNode(CreateTableAsStmt, st)->query;
        if (q && !IsA(q, SelectStmt)) {
            /* CREATE TABLE ... AS EXECUTE: the query is a prepared statement's,
             * which no tree walker may be given (it has no case for it) */
            act(c, ACT_CREATE_TABLE, add_table(c, rv->schemaname, rv->relname ? rv->relname : "t", false),
                LOCK_NONE, COST_ROWS, -1);
            not_analysed(c, "CREATE TABLE AS EXECUTE (its query is a prepared statement's)");
            break;
        }
        if (castNode(CreateTableAsStmt, st)->objtype != OBJECT_TABLE) {
            create_view(c, rv, true, castNode(CreateTableAsStmt, st)->query); /* MATERIALIZED VIEW */
            break;
        }
        lock_sources(c, castNode(CreateTableAsStmt, st)->query, QL_EXECUTE, NULL);
        Table *t = add_table(c, rv->schemaname, rv->relname ? rv->relname : "t", false);
        act(c, ACT_CREATE_TABLE, t, LOCK_NONE, COST_ROWS, -1);
        not_analysed(c, "CREATE TABLE AS (its columns come from a query)");
        break;
    }
    case T_ViewStmt: {
        const ViewStmt *vs = castNode(ViewStmt, st);
        const RangeVar *rv = vs->view;
        /* OR REPLACE of a view that exists takes ACCESS EXCLUSIVE on it, to
         * commit: its readers wait */
        bool replaces = vs->replace && catalog_find_view(c->cat, schema_or_default(c, rv->schemaname),
                                                         rv->relname ? rv->relname : "view");
        create_view(c, rv, false, vs->query);
        if (replaces && c->fx && c->fx->actions.len)
            ((Action *)LIST_GET(&c->fx->actions, c->fx->actions.len - 1))->lock = LOCK_ACCESS_EXCLUSIVE;
        break;
    }
    case T_CreatePolicyStmt:
        /* row security changes what every query of the table sees: ACCESS
         * EXCLUSIVE on it, to commit */
        act(c, ACT_HARMLESS, table_of(c, castNode(CreatePolicyStmt, st)->table), LOCK_ACCESS_EXCLUSIVE,
            COST_CATALOG, -1);
        break;
    case T_AlterPolicyStmt:
        act(c, ACT_HARMLESS, table_of(c, castNode(AlterPolicyStmt, st)->table), LOCK_ACCESS_EXCLUSIVE,
            COST_CATALOG, -1);
        break;
    case T_RefreshMatViewStmt: {
        const RefreshMatViewStmt *rm = castNode(RefreshMatViewStmt, st);
        const View *v = rm->relation && rm->relation->relname
                            ? catalog_find_view(c->cat, rm->relation->schemaname, rm->relation->relname)
                            : NULL;
        for (int i = 0; v && i < v->sources.len + v->views.len; i++) {
            const char *src = i < v->sources.len ? LIST_GET(&v->sources, i) : LIST_GET(&v->views, i - v->sources.len);
            const char *dot = strchr(src, '.');
            lock_relation(c, dot ? arena_strndup(c->r->arena, src, (size_t)(dot - src)) : NULL,
                          dot ? dot + 1 : src, LOCK_ACCESS_SHARE, true, NULL, 0);
        }
        /* plain REFRESH fills a new relation; CONCURRENTLY compares and
         * updates the rows in place */
        Action *a = act_named(c, ACT_HARMLESS, rel_name(c, rm->relation, "view"),
                              rm->concurrent ? COST_SCAN : COST_REWRITE);
        if (a)
            a->lock = rm->concurrent ? LOCK_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE;
        if (a && v && v->new_in_release)
            a->flags |= A_NEW_TABLE; /* this release made it: no live reader waits */
        break;
    }
    case T_CreateTrigStmt:
        act(c, ACT_CREATE_TRIGGER, table_of(c, castNode(CreateTrigStmt, st)->relation),
            LOCK_SHARE_ROW_EXCLUSIVE, COST_CATALOG, -1);
        break;
    case T_AlterObjectSchemaStmt: {
        const AlterObjectSchemaStmt *os = castNode(AlterObjectSchemaStmt, st);
        if (os->objectType == OBJECT_TABLE) {
            Table *t = table_of(c, os->relation);
            Action *a = act(c, ACT_SET_SCHEMA, t, LOCK_ACCESS_EXCLUSIVE, COST_CATALOG, -1);
            const char *ns = os->newschema;
            if (a)
                a->detail = ns;
            if (t && ns)
                move_table(c, t, keep(c, ns), t->name);
        } else {
            act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        }
        break;
    }
    case T_DropdbStmt: {
        const char *db = castNode(DropdbStmt, st)->dbname;
        act_named(c, ACT_DROP_DATABASE, note(c, db ? db : "database"), COST_CATALOG);
        break;
    }
    case T_CommentStmt: {
        /* COMMENT ON a table or a column takes SHARE UPDATE EXCLUSIVE on the
         * table until commit: writes go on, other DDL waits (measured). */
        const CommentStmt *cs = castNode(CommentStmt, st);
        const PgList *names = cs->object && IsA(cs->object, List) ? (const PgList *)cs->object : NULL;
        int n = names ? list_length(names) : 0;
        int last = cs->objtype == OBJECT_COLUMN ? n - 2 : n - 1; /* the table's own name */
        Table *t = NULL;
        if ((cs->objtype == OBJECT_TABLE || cs->objtype == OBJECT_COLUMN) && last >= 0) {
            const Node *q = last >= 1 ? list_nth(names, last - 1) : NULL;
            const Node *nm = list_nth(names, last);
            t = IsA(nm, String) ? catalog_find_table(c->cat, q && IsA(q, String) ? strVal(q) : NULL,
                                                     strVal(nm))
                                : NULL;
        }
        act(c, ACT_HARMLESS, t, t ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_NONE, COST_CATALOG, -1);
        break;
    }
    case T_ExplainStmt: {
        /* EXPLAIN analyses, rewrites and plans its query: the locks of a
         * function body's check (measured); EXPLAIN ANALYZE runs it too. */
        const ExplainStmt *ex = castNode(ExplainStmt, st);
        if (explain_analyze(ex)) {
            statement(c, ex->query);
        } else {
            act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
            body_statement_locks(c, ex->query);
        }
        break;
    }
    case T_CreateStatsStmt: /* SHARE UPDATE EXCLUSIVE on its table (measured) */
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        foreach_node(RangeVar, rv, castNode(CreateStatsStmt, st)->relations)
            lock_relation(c, rv->schemaname, rv->relname, LOCK_SHARE_UPDATE_EXCLUSIVE, false, NULL, 0);
        break;
    case T_GrantStmt: {
        /* From PostgreSQL 18 GRANT and REVOKE on a table take ACCESS SHARE on
         * it (measured; 15 and 17 take none). */
        const GrantStmt *g = castNode(GrantStmt, st);
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        if (c->r->pg_version >= 18 && g->targtype == ACL_TARGET_OBJECT && g->objtype == OBJECT_TABLE)
            foreach_node(RangeVar, rv, g->objects)
                lock_relation(c, rv->schemaname, rv->relname, LOCK_ACCESS_SHARE, false, NULL, 0);
        break;
    }
    case T_GrantRoleStmt: case T_AlterOwnerStmt:
    case T_CreateExtensionStmt: case T_AlterExtensionStmt: case T_CreateRoleStmt:
    case T_AlterRoleStmt: case T_DropRoleStmt: case T_AlterDefaultPrivilegesStmt:
    case T_CreatedbStmt:
    case T_CreateDomainStmt: case T_CompositeTypeStmt: case T_DefineStmt:
    case T_CreatePublicationStmt:
    case T_AlterPublicationStmt: case T_VariableShowStmt: case T_CheckPointStmt:
    case T_DiscardStmt: case T_NotifyStmt: case T_ListenStmt: case T_CreateCastStmt:
    case T_AlterFunctionStmt: case T_CreateTableSpaceStmt:
        /* Schema-neutral for the application's queries, or too brief to queue
         * anything (COMMENT takes SHARE UPDATE EXCLUSIVE for a moment). */
        act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
        break;
    case T_SelectStmt:
        select_stmt(c, castNode(SelectStmt, st));
        break;
    case T_DoStmt:
        do_block(c, castNode(DoStmt, st));
        break;
    case T_CreateFunctionStmt:
        create_function(c, castNode(CreateFunctionStmt, st));
        break;
    case T_CallStmt:
        not_analysed(c, "CALL of a procedure");
        break;
    case T_ExecuteStmt:
    case T_PrepareStmt:
        not_analysed(c, "dynamic SQL (PREPARE/EXECUTE)");
        break;
    case T_CopyStmt:
        not_analysed(c, "COPY");
        break;
    default:
        not_analysed(c, arena_printf(c->r->arena, "%s statement", sql_node_name(st)));
        break;
    }
}

/* ---- DO blocks ---------------------------------------------------------------- */

/*
 * A DO block in PL/pgSQL whose statements zdm can all follow is analysed as
 * those statements: PostgreSQL runs them in the block's transaction, each
 * taking its own locks. libpg_query compiles the block as PostgreSQL does
 * (pg_query_parse_plpgsql, as JSON); zdm walks that tree twice: first to
 * see that every statement is one it can follow and to parse the SQL ones,
 * then to replay them, so that a block it gives up on changes nothing.
 *
 * Followed: SQL run as written (execsql, PERFORM), IF and CASE when at most
 * one branch does anything (its statements are taken to run: the common
 * guard "IF NOT EXISTS (...) THEN CREATE ..."), nested blocks whose
 * EXCEPTION handlers do nothing, RAISE, assignments, RETURN. Not followed,
 * with the reason: EXECUTE of a string built at run time, loops, CALL,
 * COMMIT/ROLLBACK, cursors, a statement PostgreSQL refuses in a function
 * (CREATE INDEX CONCURRENTLY, VACUUM, ...), another language.
 *
 * Each SQL statement is parsed where it stands in the file when the body is
 * dollar-quoted (its text is then the file's, so fixes and carets point
 * into the block); otherwise at the DO statement itself.
 */
#define DO_MAX_DEPTH 4

typedef struct DoItem {
    char *buf;       /* the text parsed: blanks up to at, then the SQL; buf[0] stands for
                      * the DO statement's first byte, so that offsets in buf plus the
                      * statement's offset are the file's (a window, not a copy of the
                      * file before it, which a long file of blocks would repeat) */
    int at;          /* the SQL's offset in buf */
    bool mapped;     /* buf's SQL is the file's at the same place */
    bool expr;       /* an expression (a condition, a default): only its reads count */
    PgList *stmts;   /* RawStmt */
} DoItem;

typedef struct DoWalk {
    Ctx *c;
    const char *body;  /* the block's source */
    int body_off;      /* the file offset of body[0], -1 when not in the file as is */
    int cursor;        /* where in body the next statement's text is looked for */
    List items;        /* DoItem* */
    const char *why;   /* why it is not followed, NULL while it is */
    int why_line;      /* the body's line of that statement, 0 if unknown */
} DoWalk;

static const cJSON *do_get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* The query text of a {"PLpgSQL_expr": {"query": ...}}. */
static const char *do_query(const cJSON *expr)
{
    const cJSON *e = expr ? do_get(expr, "PLpgSQL_expr") : NULL;
    const cJSON *q = e ? do_get(e, "query") : NULL;
    return cJSON_IsString(q) ? q->valuestring : NULL;
}

static void do_refuse(DoWalk *w, const cJSON *st, const char *why)
{
    if (w->why)
        return;
    w->why = why;
    const cJSON *ln = st ? do_get(st, "lineno") : NULL;
    w->why_line = cJSON_IsNumber(ln) ? ln->valueint : 0;
}

/* A statement PostgreSQL refuses inside a function, or NULL. */
static const char *refused_in_function(const Node *st)
{
    switch (nodeTag(st)) {
    case T_IndexStmt:
        return castNode(IndexStmt, st)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
    case T_DropStmt:
        return castNode(DropStmt, st)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
    case T_ReindexStmt:
        foreach_node(DefElem, o, castNode(ReindexStmt, st)->params)
            if (util_streq(o->defname, "concurrently"))
                return "REINDEX CONCURRENTLY";
        return NULL;
    case T_VacuumStmt: return castNode(VacuumStmt, st)->is_vacuumcmd ? "VACUUM" : NULL;
    case T_CreatedbStmt: return "CREATE DATABASE";
    case T_DropdbStmt: return "DROP DATABASE";
    case T_AlterSystemStmt: return "ALTER SYSTEM";
    case T_CreateTableSpaceStmt: return "CREATE TABLESPACE";
    case T_TransactionStmt: return "transaction control";
    default: return NULL;
    }
}

/* Parses one piece of SQL of the block into an item. */
static void do_item(DoWalk *w, const cJSON *st, const char *sql, bool expr)
{
    Ctx *c = w->c;
    if (!sql) {
        do_refuse(w, st, "a statement zdm cannot read");
        return;
    }
    DoItem *it = arena_alloc(c->r->arena, sizeof *it);
    it->expr = expr;
    /* a statement found in the body as is stands where the file has it */
    const char *found = !expr && w->body_off >= 0 ? strstr(w->body + w->cursor, sql) : NULL;
    it->mapped = found != NULL;
    if (found) {
        it->at = w->body_off + (int)(found - w->body) - c->s->offset;
        w->cursor = (int)(found - w->body) + (int)strlen(sql);
    } else {
        it->at = 0;
    }
    const char *prefix = expr ? "SELECT " : "";
    size_t n = strlen(sql);
    it->buf = arena_alloc(c->r->arena, (size_t)it->at + strlen(prefix) + n + 1);
    memset(it->buf, ' ', (size_t)it->at);
    memcpy(it->buf + it->at, prefix, strlen(prefix));
    memcpy(it->buf + it->at + strlen(prefix), sql, n + 1);
    SqlSyntaxError e;
    if (sql_parse_text(c->r->arena, it->buf, &it->stmts, &e) < 0) {
        do_refuse(w, st, arena_printf(c->r->arena, "a statement that does not parse (%s)", e.message));
        return;
    }
    foreach_node(RawStmt, raw, it->stmts) {
        const char *no = refused_in_function(raw->stmt);
        if (no) {
            do_refuse(w, st, arena_printf(c->r->arena, "%s, which PostgreSQL refuses in a DO block", no));
            return;
        }
    }
    list_push(c->r->arena, &w->items, it);
}

/* An assignment's expression: "n := expr" (or "="), read as a SELECT. */
static void do_assign(DoWalk *w, const cJSON *st, const char *q)
{
    const char *rhs = q ? strstr(q, ":=") : NULL;
    if (rhs)
        rhs += 2;
    else if (q && (rhs = strchr(q, '=')) != NULL)
        rhs += 1;
    if (rhs)
        do_item(w, st, rhs, true);
}

static bool do_has_effect(const cJSON *stmts);
static void do_stmts(DoWalk *w, const cJSON *stmts);

static void do_stmt(DoWalk *w, const cJSON *node)
{
    const cJSON *st = node ? node->child : NULL;
    if (!st || w->why)
        return;
    const char *kind = st->string;
    if (strcmp(kind, "PLpgSQL_stmt_execsql") == 0) {
        do_item(w, st, do_query(do_get(st, "sqlstmt")), false);
    } else if (strcmp(kind, "PLpgSQL_stmt_perform") == 0) {
        do_item(w, st, do_query(do_get(st, "expr")), false);
    } else if (strcmp(kind, "PLpgSQL_stmt_block") == 0) {
        const cJSON *exc = do_get(st, "exceptions");
        const cJSON *eb = exc ? do_get(exc, "PLpgSQL_exception_block") : NULL;
        const cJSON *handler, *handlers = eb ? do_get(eb, "exc_list") : NULL;
        cJSON_ArrayForEach(handler, handlers) {
            const cJSON *h = do_get(handler, "PLpgSQL_exception");
            if (h && do_has_effect(do_get(h, "action")))
                do_refuse(w, st, "an EXCEPTION handler that runs statements");
        }
        do_stmts(w, do_get(st, "body"));
    } else if (strcmp(kind, "PLpgSQL_stmt_if") == 0 || strcmp(kind, "PLpgSQL_stmt_case") == 0) {
        bool is_if = kind[13] == 'i';
        /* the branches: then/elsif/else, or the WHENs and ELSE */
        const cJSON *branches[64];
        int n = 0;
        const cJSON *conds = NULL, *b;
        if (is_if) {
            do_item(w, st, do_query(do_get(st, "cond")), true);
            branches[n++] = do_get(st, "then_body");
            cJSON_ArrayForEach(b, do_get(st, "elsif_list")) {
                const cJSON *e = do_get(b, "PLpgSQL_if_elsif");
                do_item(w, st, do_query(e ? do_get(e, "cond") : NULL), true);
                if (n < 63)
                    branches[n++] = e ? do_get(e, "stmts") : NULL;
            }
            branches[n++] = do_get(st, "else_body");
        } else {
            do_item(w, st, do_query(do_get(st, "t_expr")), true);
            conds = do_get(st, "case_when_list");
            cJSON_ArrayForEach(b, conds) {
                const cJSON *e = do_get(b, "PLpgSQL_case_when");
                if (n < 63)
                    branches[n++] = e ? do_get(e, "stmts") : NULL;
            }
            branches[n++] = do_get(st, "else_stmts");
        }
        const cJSON *runs = NULL;
        for (int i = 0; i < n; i++)
            if (do_has_effect(branches[i])) {
                if (runs)
                    do_refuse(w, st, arena_printf(w->c->r->arena,
                                                  "%s whose branches do different things: zdm cannot "
                                                  "tell which one runs",
                                                  is_if ? "IF" : "CASE"));
                runs = branches[i];
            }
        if (runs)
            do_stmts(w, runs);
    } else if (strcmp(kind, "PLpgSQL_stmt_assign") == 0) {
        do_assign(w, st, do_query(do_get(st, "expr")));
    } else if (strcmp(kind, "PLpgSQL_stmt_raise") == 0 || strcmp(kind, "PLpgSQL_stmt_return") == 0 ||
               strcmp(kind, "PLpgSQL_stmt_assert") == 0 || strcmp(kind, "PLpgSQL_stmt_getdiag") == 0) {
        /* nothing zdm models: a message, the end, a check, a diagnostic */
    } else if (strcmp(kind, "PLpgSQL_stmt_dynexecute") == 0) {
        do_refuse(w, st, "EXECUTE of a string built at run time");
    } else if (strstr(kind, "_dynfors")) {
        do_refuse(w, st, "a loop over a query built at run time");
    } else if (strstr(kind, "_loop") || strstr(kind, "_while") || strstr(kind, "_fori") ||
               strstr(kind, "_fors") || strstr(kind, "_forc") || strstr(kind, "_foreach_a")) {
        const cJSON *body = do_get(st, "body");
        bool dynamic = false;
        const cJSON *x;
        cJSON_ArrayForEach(x, body) dynamic = dynamic || (x->child && strstr(x->child->string, "dynexecute"));
        do_refuse(w, st, dynamic ? "a loop running EXECUTE of strings built at run time"
                                 : "a loop: zdm cannot tell how many times its statements run");
    } else if (strcmp(kind, "PLpgSQL_stmt_call") == 0) {
        do_refuse(w, st, "CALL of a procedure");
    } else if (strcmp(kind, "PLpgSQL_stmt_commit") == 0 || strcmp(kind, "PLpgSQL_stmt_rollback") == 0) {
        do_refuse(w, st, "COMMIT or ROLLBACK inside the block");
    } else {
        /* cursors (OPEN, FETCH, CLOSE), RETURN NEXT/QUERY, ... */
        do_refuse(w, st, arena_printf(w->c->r->arena, "a statement zdm does not follow (%s)",
                                      strncmp(kind, "PLpgSQL_stmt_", 13) == 0 ? kind + 13 : kind));
    }
}

static void do_stmts(DoWalk *w, const cJSON *stmts)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, stmts) do_stmt(w, x);
}

/* Does a list of statements do anything beyond messages and assignments? */
static bool do_has_effect(const cJSON *stmts)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, stmts) {
        const char *k = x->child ? x->child->string : "";
        if (strcmp(k, "PLpgSQL_stmt_raise") != 0 && strcmp(k, "PLpgSQL_stmt_assign") != 0 &&
            strcmp(k, "PLpgSQL_stmt_return") != 0 && strcmp(k, "PLpgSQL_stmt_assert") != 0 &&
            strcmp(k, "PLpgSQL_stmt_getdiag") != 0)
            return true;
    }
    return false;
}

/* Replays one item as if it stood alone at its place. */
static void enum_uses(Ctx *c, const Node *st);

static void do_replay_item(Ctx *c, const DoItem *it)
{
    Migration m2 = {0};
    if (c->m)
        m2 = *c->m;
    m2.text = it->buf;
    m2.len = strlen(it->buf);
    int before = c->fx ? c->fx->actions.len : 0;
    foreach_node(RawStmt, raw, it->stmts) {
        Statement s2 = *c->s;
        s2.offset = sql_skip_noise(it->buf, raw->stmt_location, (int)m2.len);
        s2.sql = it->buf + s2.offset;
        s2.len = (raw->stmt_len ? raw->stmt_location + raw->stmt_len : (int)m2.len) - s2.offset;
        s2.node = raw->stmt;
        Ctx c2 = *c;
        c2.m = &m2;
        c2.s = &s2;
        c2.sub_from = c2.sub_to = -1;
        c2.coldef = NULL;
        if (it->expr)
            query_locks(&c2, raw->stmt, NULL, QL_EXECUTE, NULL);
        else
            statement(&c2, raw->stmt);
        if (c->r->new_labels.len) /* PL/pgSQL reads the statement's literals as it runs it */
            enum_uses(&c2, raw->stmt);
    }
    /* back to the file's offsets; what is not in the file as written points
     * at the DO statement */
    for (int i = before; c->fx && i < c->fx->actions.len; i++) {
        Action *a = LIST_GET(&c->fx->actions, i);
        a->offset = it->mapped ? a->offset + c->s->offset : c->s->offset;
    }
}

static void do_block(Ctx *c, const DoStmt *st)
{
    const char *lang = "plpgsql", *body = NULL;
    int body_loc = -1;
    foreach_node(DefElem, o, st->args) {
        if (util_streq(o->defname, "language") && o->arg && IsA(o->arg, String))
            lang = strVal(o->arg);
        if (util_streq(o->defname, "as") && o->arg && IsA(o->arg, String)) {
            body = strVal(o->arg);
            body_loc = o->location;
        }
    }
    if (strcasecmp(lang, "plpgsql") != 0 || !body || !c->s->sql || c->do_depth >= DO_MAX_DEPTH) {
        not_analysed(c, strcasecmp(lang, "plpgsql") != 0
                            ? arena_printf(c->r->arena, "DO block in LANGUAGE %s", lang)
                            : "DO block");
        return;
    }
    /* libpg_query compiles the block from the statement's own text */
    char *text = arena_printf(c->r->arena, "%.*s", c->s->len, c->s->sql);
    PgQueryPlpgsqlParseResult pr = pg_query_parse_plpgsql(text);
    cJSON *tree = pr.error ? NULL : cJSON_Parse(pr.plpgsql_funcs);
    const char *err = pr.error ? arena_strdup(c->r->arena, pr.error->message) : NULL;
    pg_query_free_plpgsql_parse_result(pr);
    const cJSON *fn = tree && cJSON_GetArraySize(tree) == 1 ? do_get(cJSON_GetArrayItem(tree, 0), "PLpgSQL_function")
                                                           : NULL;
    DoWalk w = {.c = c, .body = body, .body_off = -1};
    /* a dollar-quoted body is the file's text as is, after its opening tag */
    const char *ft = stmt_text(c);
    if (ft && body_loc >= 0 && in_stmt(c, body_loc) && ft[body_loc] == '$') {
        const char *tag_end = strchr(ft + body_loc + 1, '$');
        if (tag_end && strncmp(tag_end + 1, body, strlen(body)) == 0)
            w.body_off = (int)(tag_end + 1 - ft);
    }
    if (!fn) {
        do_refuse(&w, NULL, arena_printf(c->r->arena, "a block PostgreSQL would not compile (%s)",
                                         err ? err : "no function"));
    } else {
        /* the DECLARE section's defaults are computed as the block starts */
        const cJSON *d;
        cJSON_ArrayForEach(d, do_get(fn, "datums")) {
            const cJSON *var = do_get(d, "PLpgSQL_var");
            const char *q = var ? do_query(do_get(var, "default_val")) : NULL;
            if (q)
                do_item(&w, NULL, q, true);
        }
        const cJSON *action = do_get(fn, "action");
        do_stmt(&w, action);
    }
    cJSON_Delete(tree);
    if (w.why) {
        Action *a = act(c, ACT_NOT_ANALYSED, NULL, LOCK_NONE, COST_NONE, -1);
        if (a && w.why_line && w.body_off >= 0) {
            /* the block's line 1 is the line its body starts on */
            int line = 1;
            for (int i = 0; i < w.body_off; i++)
                line += ft[i] == '\n';
            a->detail = arena_printf(c->r->arena, "DO block (%s, at line %d)", w.why, line + w.why_line - 1);
        } else if (a) {
            a->detail = w.why_line ? arena_printf(c->r->arena, "DO block (%s, line %d of the block)", w.why,
                                                  w.why_line)
                                   : arena_printf(c->r->arena, "DO block (%s)", w.why);
        }
        return;
    }
    act(c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
    c->do_depth++;
    for (int i = 0; i < w.items.len; i++)
        do_replay_item(c, LIST_GET(&w.items, i));
    c->do_depth--;
}

/* ---- values of an enum added in the same migration ------------------------- */

/*
 * PostgreSQL 12 and later accept ALTER TYPE ... ADD VALUE in a transaction,
 * but refuse to read the new value as the type until that transaction
 * commits ("unsafe use of new value", 55P04): the check is in enum_in, so it
 * fails wherever the literal is converted to the type, even with no row to
 * write (measured on 15, 17 and 18: a cast, INSERT, UPDATE ... SET, a WHERE
 * comparison, an IN list, CASE col WHEN, ADD COLUMN ... DEFAULT, SET
 * DEFAULT, a CHECK, an index predicate, a view, ALTER COLUMN ... TYPE ...
 * USING, a DO block's statements). The replay records each such use of a
 * value added earlier in the migration; the rules decide whether a COMMIT
 * came between. A string compared with a column of another type is no use,
 * and neither is a PL/pgSQL function's body (read when it is called).
 */
typedef struct EnumUses {
    ExprWalk ew; /* first: the walker's context */
    Ctx *c;
    List tables; /* Table*: the relations the statement reads or writes */
} EnumUses;

/* The enum ("schema.name") a type name stands for, or NULL. */
static const char *enum_of_type(Ctx *c, const TypeName *tn)
{
    const char *qual = NULL;
    const char *name = tn && !tn->arrayBounds ? sql_name_list(tn->names, &qual) : NULL;
    const EnumType *e = name ? catalog_find_enum(c->cat, qual, name) : NULL;
    return e ? qualname(c, e->schema, e->name) : NULL;
}

/* The enum type of a column, or NULL. */
static const char *enum_of(Ctx *c, const Column *col)
{
    if (!col || !col->type || col->array_dims || !strchr(col->type, '.'))
        return NULL;
    const char *dot = strchr(col->type, '.');
    const char *schema = arena_strndup(c->r->arena, col->type, (size_t)(dot - col->type));
    return catalog_find_enum(c->cat, schema, dot + 1) ? col->type : NULL;
}

/* The enum type of the column a reference names among u's tables, or NULL. */
static const char *enum_of_column(EnumUses *u, const Node *n)
{
    if (!n || !IsA(n, ColumnRef))
        return NULL;
    const char *name = sql_name_list(castNode(ColumnRef, n)->fields, NULL);
    for (int i = 0; name && i < u->tables.len; i++) {
        const char *type = enum_of(u->c, catalog_find_column(LIST_GET(&u->tables, i), name));
        if (type)
            return type;
    }
    return NULL;
}

/* n (a literal, or the list of an IN) read as enum type: records each value
 * of it that the migration added. */
static void enum_literal(EnumUses *u, const char *type, const Node *n)
{
    if (!type || !n)
        return;
    if (IsA(n, List)) { /* IN (...) */
        foreach_ptr(Node, item, castNode(PgList, n))
            enum_literal(u, type, item);
        return;
    }
    const char *v = const_str(n);
    if (!v)
        return;
    Ctx *c = u->c;
    if (!name_in(&c->r->new_labels, arena_printf(c->r->arena, "%s\x1f%s", type, v)))
        return;
    Action *a = act_named(c, ACT_USE_ENUM_VALUE, type, COST_NONE);
    if (a) {
        int loc = castNode(A_Const, n)->location;
        a->detail = note(c, v);
        a->offset = in_stmt(c, loc) ? loc : c->s->offset;
    }
}

static bool enum_use_walker(Node *node, void *ctx)
{
    EnumUses *u = ctx;
    if (!node)
        return false;
    if (IsA(node, TypeCast)) {
        const TypeCast *tc = castNode(TypeCast, node);
        enum_literal(u, enum_of_type(u->c, tc->typeName), tc->arg);
    } else if (IsA(node, A_Expr)) {
        const A_Expr *e = castNode(A_Expr, node);
        enum_literal(u, enum_of_column(u, e->lexpr), e->rexpr);
        enum_literal(u, enum_of_column(u, e->rexpr), e->lexpr);
    } else if (IsA(node, CaseExpr)) { /* CASE col WHEN 'x' THEN ... */
        const CaseExpr *ce = castNode(CaseExpr, node);
        const char *type = enum_of_column(u, (const Node *)ce->arg);
        foreach_node(CaseWhen, w, type ? ce->args : NIL)
            enum_literal(u, type, (const Node *)w->expr);
    }
    walk_children(node, enum_use_walker, &u->ew);
    return false;
}

static void enum_walk(EnumUses *u, const Node *n) { enum_use_walker((Node *)n, u); }

static void enum_use_table(EnumUses *u, const RangeVar *rv)
{
    Table *t = rv && rv->relname ? catalog_find_table(u->c->cat, rv->schemaname, rv->relname) : NULL;
    if (t)
        list_push(u->c->r->arena, &u->tables, t);
}

static bool enum_rangevar_walker(Node *node, void *ctx)
{
    EnumUses *u = ctx;
    if (!node)
        return false;
    if (IsA(node, RangeVar))
        enum_use_table(u, castNode(RangeVar, node));
    walk_children(node, enum_rangevar_walker, &u->ew);
    return false;
}

/* The relations a query names, as tables its columns may come from. */
static void enum_use_tables_of(EnumUses *u, const Node *query)
{
    enum_rangevar_walker((Node *)query, u);
}

/* A column definition: its DEFAULT read as its type, its CHECKs. */
static void enum_coldef(EnumUses *u, const ColumnDef *def)
{
    const char *type = enum_of_type(u->c, def->typeName);
    foreach_node(PgConstraint, k, def->constraints) {
        if (k->contype == CONSTR_DEFAULT)
            enum_literal(u, type, k->raw_expr);
        enum_walk(u, k->raw_expr);
    }
}

/* Records where statement st reads a value ADD VALUE added earlier in the
 * migration as its type. Called once st is replayed: a column it adds or
 * retypes is in the catalog already. */
static void enum_uses(Ctx *c, const Node *st)
{
    EnumUses u = {.ew = {.arena = c->r->arena}, .c = c};
    switch (nodeTag(st)) {
    case T_InsertStmt: {
        const InsertStmt *ins = castNode(InsertStmt, st);
        enum_use_table(&u, ins->relation);
        const Table *t = u.tables.len ? LIST_GET(&u.tables, 0) : NULL;
        enum_use_tables_of(&u, ins->selectStmt);
        /* VALUES: each item is read as its column's type */
        const SelectStmt *sel = ins->selectStmt && IsA(ins->selectStmt, SelectStmt)
                                    ? castNode(SelectStmt, ins->selectStmt) : NULL;
        foreach_node(PgList, row, sel ? sel->valuesLists : NIL) {
            int i = 0;
            foreach_ptr(Node, item, row) {
                const Column *col = NULL;
                if (ins->cols && i < list_length(ins->cols))
                    col = t ? catalog_find_column(t, castNode(ResTarget, list_nth(ins->cols, i))->name) : NULL;
                else if (!ins->cols && t && i < t->columns.len)
                    col = LIST_GET(&t->columns, i);
                enum_literal(&u, enum_of(c, col), item);
                i++;
            }
        }
        enum_walk(&u, ins->selectStmt);
        break;
    }
    case T_UpdateStmt: {
        const UpdateStmt *up = castNode(UpdateStmt, st);
        enum_use_table(&u, up->relation);
        const Table *t = u.tables.len ? LIST_GET(&u.tables, 0) : NULL;
        enum_use_tables_of(&u, (const Node *)up->fromClause);
        foreach_node(ResTarget, rt, up->targetList) {
            if (t && rt->name)
                enum_literal(&u, enum_of(c, catalog_find_column(t, rt->name)), rt->val);
            enum_walk(&u, rt->val);
        }
        enum_walk(&u, up->whereClause);
        enum_walk(&u, (const Node *)up->fromClause);
        break;
    }
    case T_DeleteStmt: {
        const DeleteStmt *del = castNode(DeleteStmt, st);
        enum_use_table(&u, del->relation);
        enum_use_tables_of(&u, (const Node *)del->usingClause);
        enum_walk(&u, del->whereClause);
        enum_walk(&u, (const Node *)del->usingClause);
        break;
    }
    case T_SelectStmt:
        enum_use_tables_of(&u, st);
        enum_walk(&u, st);
        break;
    case T_ViewStmt:
        enum_use_tables_of(&u, castNode(ViewStmt, st)->query);
        enum_walk(&u, castNode(ViewStmt, st)->query);
        break;
    case T_CreateTableAsStmt:
        if (!IsA(castNode(CreateTableAsStmt, st)->query, SelectStmt))
            break; /* AS EXECUTE */
        enum_use_tables_of(&u, castNode(CreateTableAsStmt, st)->query);
        enum_walk(&u, castNode(CreateTableAsStmt, st)->query);
        break;
    case T_IndexStmt: {
        const IndexStmt *ix = castNode(IndexStmt, st);
        enum_use_table(&u, ix->relation);
        foreach_node(IndexElem, e, ix->indexParams)
            enum_walk(&u, e->expr);
        enum_walk(&u, ix->whereClause);
        break;
    }
    case T_CreateStmt: {
        const CreateStmt *cs = castNode(CreateStmt, st);
        enum_use_table(&u, cs->relation);
        foreach_ptr(Node, elt, cs->tableElts) {
            if (IsA(elt, ColumnDef))
                enum_coldef(&u, castNode(ColumnDef, elt));
            else if (IsA(elt, PgConstraint))
                enum_walk(&u, castNode(PgConstraint, elt)->raw_expr);
        }
        break;
    }
    case T_AlterTableStmt: {
        const AlterTableStmt *at = castNode(AlterTableStmt, st);
        if (at->objtype != OBJECT_TABLE)
            break;
        enum_use_table(&u, at->relation);
        const Table *t = u.tables.len ? LIST_GET(&u.tables, 0) : NULL;
        foreach_node(AlterTableCmd, cmd, at->cmds) {
            const Node *def = cmd->def;
            if (cmd->subtype == AT_ColumnDefault && def) {
                if (t && cmd->name)
                    enum_literal(&u, enum_of(c, catalog_find_column(t, cmd->name)), def);
                enum_walk(&u, def);
            } else if (cmd->subtype == AT_AddColumn && def && IsA(def, ColumnDef)) {
                enum_coldef(&u, castNode(ColumnDef, def));
            } else if (cmd->subtype == AT_AlterColumnType && def && IsA(def, ColumnDef)) {
                const ColumnDef *cd = castNode(ColumnDef, def);
                enum_literal(&u, enum_of_type(c, cd->typeName), cd->raw_default); /* USING 'x' */
                enum_walk(&u, cd->raw_default);
            } else if (cmd->subtype == AT_AddConstraint && def && IsA(def, PgConstraint)) {
                enum_walk(&u, castNode(PgConstraint, def)->raw_expr);
            }
        }
        break;
    }
    default:
        break;
    }
}

static void summarise(Ctx *c)
{
    Effects *fx = c->fx;
    for (int i = 0; i < fx->actions.len; i++) {
        const Action *a = LIST_GET(&fx->actions, i);
        if (a->cost > fx->cost)
            fx->cost = a->cost;
        if (!a->table || a->lock == LOCK_NONE)
            continue;
        LockTaken *lt = NULL;
        for (int j = 0; j < fx->locks.len; j++) {
            LockTaken *x = LIST_GET(&fx->locks, j);
            if (strcmp(x->relation, a->table) == 0)
                lt = x;
        }
        if (!lt) {
            lt = arena_alloc(c->r->arena, sizeof *lt);
            lt->relation = a->table;
            lt->new_table = (a->flags & A_NEW_TABLE) != 0;
            list_push(c->r->arena, &fx->locks, lt);
        }
        if (a->lock > lt->mode)
            lt->mode = a->lock;
    }
}

int replay_statement(Replay *r, const Migration *m, const Statement *s, Effects *fx,
                     ZdmError *err)
{
    (void)err;
    Ctx c = {r, r->cat, r->cat->arena, m, s, fx, -1, -1, NULL, NULL, 0};
    if (m != r->session_of) { /* a migration starts on a session of its own */
        r->session_of = m;
        r->in_tx = r->skip_function_bodies = false;
        r->tz_utc = r->tz_default_utc;
        r->tz_local = 0;
        r->new_labels = (List){0};
    }
    if (s->node) {
        statement(&c, s->node);
        if (r->new_labels.len)
            enum_uses(&c, s->node);
    }
    else if (s->opaque) /* Django: an operation zdm cannot see into */
        not_analysed(&c, arena_printf(r->arena, "%s statement", s->opaque));
    else /* Django: RunPython, no schema change */
        act(&c, ACT_HARMLESS, NULL, LOCK_NONE, COST_CATALOG, -1);
    if (fx)
        summarise(&c);
    return 0;
}
