/*
 * compat.c — compatibility of a code version's model with a schema state.
 *
 * Messages name the query that fails, because that is what the team will see
 * in its error tracker: "new code's INSERT INTO customer omits plan, which is
 * NOT NULL with no default".
 */
#include <string.h>

#include "compat.h"

/* Type families in which the code's values still read and write. */
static int family(const char *t)
{
    static const char *fam[][8] = {
        {"int2", "int4", "int8", "numeric", NULL},
        {"varchar", "text", "bpchar", "citext", NULL},
        {"float4", "float8", NULL},
        {"timestamp", "timestamptz", NULL},
        {"json", "jsonb", NULL},
    };
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
        for (int j = 0; fam[i][j]; j++)
            if (strcmp(t, fam[i][j]) == 0)
                return (int)i + 1;
    return 0;
}

static bool types_compatible(const Column *model, const Column *state)
{
    if (!model->type || !state->type) /* never seen: nothing to compare */
        return true;
    if (model->array_dims != state->array_dims)
        return false;
    if (strcmp(model->type, state->type) == 0)
        return true;
    int f = family(model->type);
    return f && f == family(state->type);
}

static bool insert_must_name(const Column *col)
{
    return col->not_null && !col->default_expr && !col->identity && !col->serial &&
           !col->generated && !col->assumed;
}

/* A column the code leaves to the database: an ORM's INSERT omits its
 * auto-increment key (Django's AutoField), and no code writes a generated
 * column. Every other column it knows, it writes. */
static bool left_to_database(const Column *col)
{
    return col->identity || col->serial || col->generated;
}

/* What fills sc so that a write of it fails, or NULL: GENERATED ALWAYS
 * refuses every value but DEFAULT ("cannot insert a non-DEFAULT value into
 * column"). */
static const char *fills_itself(const Column *sc)
{
    if (sc->generated)
        return "a generated column";
    return sc->identity == 'a' ? "GENERATED ALWAYS AS IDENTITY" : NULL;
}

static void add_rel(Arena *a, List *out, ProblemKind kind, const char *schema, const char *name,
                    const char *column, const char *who)
{
    Problem *p = arena_alloc(a, sizeof *p);
    p->kind = kind;
    /* copies: the state's catalog may be freed before the problem is reported */
    p->schema = arena_strdup(a, schema);
    p->table = arena_strdup(a, name);
    p->column = arena_strdup(a, column);
    p->who = who;
    list_push(a, out, p);
}

static void add(Arena *a, List *out, ProblemKind kind, const Table *t, const char *column,
                const char *who)
{
    add_rel(a, out, kind, t->schema, t->name, column, who);
}

/* A view the code queries (an ORM model may sit on one) must still be there,
 * as a view or as a table. */
static void check_view(Arena *a, const View *mv, bool in_state, const char *who, List *out)
{
    if (!in_state) {
        add_rel(a, out, PROBLEM_TABLE_MISSING, mv->schema, mv->name, NULL, who);
        ((Problem *)LIST_GET(out, out->len - 1))->view = true;
    }
}

const char *compat_message(Arena *a, const Problem *p)
{
    const char *name = catalog_display_name(a, p->schema, p->table);
    switch (p->kind) {
    case PROBLEM_TABLE_MISSING:
        return arena_printf(a, "%s's queries on %s fail: relation \"%s\" does not exist",
                            p->who, name, p->table);
    case PROBLEM_COLUMN_MISSING:
        return arena_printf(a, "%s's SELECT and INSERT on %s name %s, which is not there "
                               "(column \"%s\" does not exist)",
                            p->who, name, p->column, p->column);
    case PROBLEM_TYPE_CHANGED:
        return arena_printf(a, "%s reads and writes %s.%s as %s, but it is now %s",
                            p->who, name, p->column, p->model_type, p->state_type);
    case PROBLEM_NOT_NULL_UNKNOWN:
        return arena_printf(a, "%s's INSERT INTO %s omits %s, which is NOT NULL with no default",
                            p->who, name, p->column);
    case PROBLEM_NOT_WRITABLE:
        return arena_printf(a, "%s's INSERT and UPDATE on %s write %s, which is now %s "
                               "(cannot insert a non-DEFAULT value into column \"%s\")",
                            p->who, name, p->column, p->state_type, p->column);
    }
    return "";
}

/* The column named name in t, trying position i first: a model and a state
 * usually list a table's columns in the same order, and wide tables made
 * the plain search quadratic. */
static const Column *column_at(const Table *t, const char *name, int i)
{
    if (i < t->columns.len) {
        const Column *col = LIST_GET(&t->columns, i);
        if (strcmp(col->name, name) == 0)
            return col;
    }
    return catalog_find_column(t, name);
}

static bool in_primary_key(const Table *t, const char *column)
{
    for (int i = 0; i < t->constraints.len; i++) {
        const Constraint *k = LIST_GET(&t->constraints, i);
        for (int j = 0; k->type == CON_PRIMARY && j < k->columns.len; j++)
            if (strcmp(LIST_GET(&k->columns, j), column) == 0)
                return true;
    }
    return false;
}

/* Checks one table of the model against st, the state's table of that name
 * (NULL: none; view: a view of that name instead). */
static void check_table(Arena *a, const Table *mt, const Table *st, bool view, const char *who,
                        List *out)
{
    if (!st && view)
        return; /* a view now stands in for the table (the rename-with-a-view recipe) */
    if (!st) {
        add(a, out, PROBLEM_TABLE_MISSING, mt, NULL, who);
        return;
    }
    for (int j = 0; j < mt->columns.len; j++) {
        const Column *mc = LIST_GET(&mt->columns, j);
        const Column *sc = column_at(st, mc->name, j);
        if (!sc) {
            add(a, out, PROBLEM_COLUMN_MISSING, mt, mc->name, who);
        } else if (!types_compatible(mc, sc)) {
            add(a, out, PROBLEM_TYPE_CHANGED, mt, mc->name, who);
            Problem *p = LIST_GET(out, out->len - 1);
            p->model_type = catalog_type_sql(a, mc);
            p->state_type = catalog_type_sql(a, sc);
        } else if (!left_to_database(mc) && fills_itself(sc)) {
            add(a, out, PROBLEM_NOT_WRITABLE, mt, mc->name, who);
            ((Problem *)LIST_GET(out, out->len - 1))->state_type = fills_itself(sc);
        }
    }
    for (int j = 0; j < st->columns.len; j++) {
        const Column *sc = LIST_GET(&st->columns, j);
        const Column *mc = insert_must_name(sc) ? column_at(mt, sc->name, j) : NULL;
        if (insert_must_name(sc) && (!mc || left_to_database(mc))) {
            add(a, out, PROBLEM_NOT_NULL_UNKNOWN, mt, sc->name, who);
            ((Problem *)LIST_GET(out, out->len - 1))->in_primary_key = in_primary_key(st, sc->name);
            ((Problem *)LIST_GET(out, out->len - 1))->left_to_database = mc != NULL;
        }
    }
}

static void check_in_state(Arena *a, const Table *mt, const Catalog *state, const char *who,
                           List *out)
{
    const Table *st = catalog_find_table(state, mt->schema, mt->name);
    check_table(a, mt, st, !st && catalog_find_view(state, mt->schema, mt->name), who, out);
}

void compat_check(Arena *a, const Catalog *model, const Catalog *state, const char *who,
                  const List *only, List *out)
{
    if (!only) {
        for (int i = 0; i < model->tables.len; i++)
            check_in_state(a, LIST_GET(&model->tables, i), state, who, out);
        for (int i = 0; i < model->views.len; i++) {
            const View *mv = LIST_GET(&model->views, i);
            check_view(a, mv, catalog_find_view(state, mv->schema, mv->name) ||
                                  catalog_find_table(state, mv->schema, mv->name), who, out);
        }
        return;
    }
    /* Look the few named tables up rather than walk the whole model: the
     * planner calls this once per migration. */
    for (int i = 0; i < only->len; i++) {
        const Table *mt = catalog_find_qualified(model, LIST_GET(only, i));
        const View *mv = mt ? NULL : catalog_find_qualified_view(model, LIST_GET(only, i));
        if (mt)
            check_in_state(a, mt, state, who, out);
        else if (mv)
            check_view(a, mv, catalog_find_view(state, mv->schema, mv->name) ||
                                  catalog_find_table(state, mv->schema, mv->name), who, out);
    }
}

void compat_keep_tables(Arena *a, const Catalog *state, const List *only, KeptTables *out)
{
    *out = (KeptTables){.only = only};
    for (int i = 0; i < only->len; i++) {
        const char *name = LIST_GET(only, i);
        const Table *t = catalog_find_qualified(state, name);
        Table *copy = NULL;
        if (t) {
            /* the columns change in place as the replay goes on: copy them
             * (their strings are never changed in place, so they are shared) */
            copy = arena_alloc(a, sizeof *copy);
            *copy = *t;
            copy->columns = (List){0};
            copy->constraints = (List){0};
            copy->indexes = (List){0};
            for (int j = 0; j < t->columns.len; j++) {
                Column *col = arena_alloc(a, sizeof *col);
                *col = *(const Column *)LIST_GET(&t->columns, j);
                list_push(a, &copy->columns, col);
            }
            for (int j = 0; j < t->constraints.len; j++) {
                /* the primary key only, which check_table reads */
                const Constraint *k = LIST_GET(&t->constraints, j);
                if (k->type != CON_PRIMARY)
                    continue;
                Constraint *kc = arena_alloc(a, sizeof *kc);
                *kc = *k;
                kc->columns = (List){0};
                for (int x = 0; x < k->columns.len; x++)
                    list_push(a, &kc->columns, LIST_GET(&k->columns, x));
                list_push(a, &copy->constraints, kc);
            }
        }
        bool view = !t && catalog_find_qualified_view(state, name);
        list_push(a, &out->tables, copy);
        list_push(a, &out->views, view ? (void *)name : NULL);
    }
}

void compat_check_kept(Arena *a, const Catalog *model, const KeptTables *kept, const char *who,
                       List *out)
{
    for (int i = 0; i < kept->only->len; i++) {
        const Table *mt = catalog_find_qualified(model, LIST_GET(kept->only, i));
        const View *mv = mt ? NULL : catalog_find_qualified_view(model, LIST_GET(kept->only, i));
        bool view = LIST_GET(&kept->views, i) != NULL;
        if (mt)
            check_table(a, mt, LIST_GET(&kept->tables, i), view, who, out);
        else if (mv)
            check_view(a, mv, view || LIST_GET(&kept->tables, i), who, out);
    }
}
