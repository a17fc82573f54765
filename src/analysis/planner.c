/*
 * planner.c — the whole analysis, and the placement of each pending migration
 * before the deploy, after it, or across two releases (DESIGN.md §2).
 *
 * Old code's model is the catalog at the deployed point (S0), new code's the
 * catalog after the last pending migration (Sn). Walking the pending
 * migrations in order, each one goes before the deploy when the old code
 * still works with the state it leaves; otherwise after. A migration may only
 * move ahead of one placed after the deploy when the two touch disjoint
 * objects. Then the new code is checked against the state at the deploy and
 * after each after-deploy migration; whatever it needs from a migration that
 * could not go first is a two-release change, named with both failing queries.
 */
#include <stdlib.h>
#include <string.h>

#include "../sql/sql.h"
#include "analysis.h"
#include "compat.h"

typedef struct Pending {
    Migration *m;
    List objects;       /* const char*: "schema.name" of everything it touches */
    List names;         /* const char*: every name an unanalysed statement of it spells */
    bool touches_all;   /* not analysed, search_path, DROP SCHEMA: its effect on the model is unknown */
    bool blocks_all;    /* search_path, DROP SCHEMA: it may reach any object, named or not */
    const Problem *old_problem; /* why it could not run before the deploy */
    const struct Pending *blocker; /* an earlier after-deploy migration it may not pass */
    const char *shared;  /* the object it shares with its blocker */
    int after_index;     /* its place among the after-deploy migrations */
    KeptTables kept;     /* its objects' tables as it leaves them, in history order */
} Pending;

/* The migrations placed after the deploy so far, in order, and for each
 * object the first of them that touches it: a later migration's blocker is
 * found with one lookup per object it touches, not a walk over all of them. */
typedef struct After {
    List list;                /* Pending* */
    StrMap first;             /* bare name ("orders") -> the first Pending that touches it */
    const Pending *first_all; /* the first that may reach everything */
} After;

static const char blind_spot[] = "(whatever a new search_path or a DROP SCHEMA reaches)";

static void replay_migration(Replay *r, Migration *m, bool record, ZdmError *err)
{
    r->migration = m->index;
    for (int i = 0; i < m->nstmts; i++) {
        Statement *s = m->stmts[i];
        Effects *fx = NULL;
        if (record) {
            fx = arena_alloc(r->arena, sizeof *fx);
            s->fx = fx;
        }
        replay_statement(r, m, s, fx, err);
    }
}

static void add_object(Arena *a, Pending *p, StrMap *seen, const char *object)
{
    if (!strmap_get(seen, object)) {
        strmap_put(a, seen, object, (void *)object);
        list_push(a, &p->objects, (void *)object);
    }
}

/* An object's name without its schema: "public.orders" -> "orders". Order
 * is decided on bare names, so that a name an unanalysed statement spells
 * without its schema still meets the object. */
static const char *bare_name(const char *object)
{
    const char *dot = strchr(object, '.');
    return dot ? dot + 1 : object;
}

/* Every name the text of a statement zdm could not analyse spells, bodies
 * and strings included (a trigger function's UPDATE, a DO block's EXECUTE):
 * such a statement touches what it names, as PostgreSQL resolves names. An
 * unquoted name is folded to lower case, a quoted one kept as written. A
 * keyword is taken as a name too, which only ever adds an order constraint. */
static void collect_names(Arena *a, Pending *p, StrMap *seen, const Statement *s)
{
    const char *t = s->sql;
    int i = 0, end = s->len;
    while (i < end) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == '"') {
            char *name = arena_alloc(a, (size_t)(end - i));
            int n = 0, j = i + 1;
            for (; j < end; j++) {
                if (t[j] == '"') {
                    if (j + 1 < end && t[j + 1] == '"') {
                        name[n++] = '"';
                        j++;
                        continue;
                    }
                    break;
                }
                name[n++] = t[j];
            }
            name[n] = '\0';
            if (n && !strmap_get(seen, name)) {
                strmap_put(a, seen, name, name);
                list_push(a, &p->names, name);
            }
            i = j + 1;
        } else if (sql_is_ident_char(ch) && !(ch >= '0' && ch <= '9') && ch != '$') {
            int j = i;
            while (j < end && sql_is_ident_char((unsigned char)t[j]))
                j++;
            char *name = arena_alloc(a, (size_t)(j - i + 1));
            for (int k = i; k < j; k++)
                name[k - i] = (char)(t[k] >= 'A' && t[k] <= 'Z' ? t[k] + 32 : t[k]);
            name[j - i] = '\0';
            if (!strmap_get(seen, name)) {
                strmap_put(a, seen, name, name);
                list_push(a, &p->names, name);
            }
            i = j;
        } else {
            i++;
        }
    }
}

/* Everything p touches, each once, in the order its statements touch them. */
static void collect_objects(Arena *a, Pending *p)
{
    Migration *m = p->m;
    StrMap seen = {0}, seen_names = {0};
    for (int i = 0; i < m->nstmts; i++) {
        const Effects *fx = m->stmts[i]->fx;
        bool named = false;
        for (int j = 0; j < fx->actions.len; j++) {
            const Action *ac = LIST_GET(&fx->actions, j);
            if (ac->kind == ACT_DROP_SCHEMA ||
                (ac->kind == ACT_SET_OTHER && util_streq(ac->detail, "search_path") &&
                 !(ac->flags & A_UNCHANGED)))
                p->touches_all = p->blocks_all = true;
            if (ac->kind == ACT_NOT_ANALYSED) {
                p->touches_all = true;
                if (!named)
                    collect_names(a, p, &seen_names, m->stmts[i]);
                named = true;
            }
            if (ac->table)
                add_object(a, p, &seen, ac->table);
            if (ac->ref_table)
                add_object(a, p, &seen, ac->ref_table);
            if ((ac->kind == ACT_RENAME_TABLE || ac->kind == ACT_RENAME_VIEW) && ac->table &&
                ac->detail) {
                const char *dot = strchr(ac->table, '.');
                int sl = dot ? (int)(dot - ac->table) : 0;
                add_object(a, p, &seen, arena_printf(a, "%.*s.%s", sl, ac->table, ac->detail));
            }
        }
    }
}

static void push_after(Arena *a, After *after, Pending *p)
{
    p->after_index = after->list.len;
    list_push(a, &after->list, p);
    if (p->blocks_all && !after->first_all)
        after->first_all = p;
    for (int i = 0; i < p->objects.len; i++) {
        const char *name = bare_name(LIST_GET(&p->objects, i));
        if (!strmap_get(&after->first, name))
            strmap_put(a, &after->first, name, p);
    }
    for (int i = 0; i < p->names.len; i++)
        if (!strmap_get(&after->first, LIST_GET(&p->names, i)))
            strmap_put(a, &after->first, LIST_GET(&p->names, i), p);
}

/* The first after-deploy migration p shares an object with (p may not pass
 * it), and that object: the first of p's objects it touches. */
static void find_blocker(Pending *p, const After *after)
{
    if (!after->list.len)
        return;
    if (p->blocks_all) {
        p->blocker = LIST_GET(&after->list, 0);
        p->shared = blind_spot;
        return;
    }
    p->blocker = after->first_all;
    p->shared = p->blocker ? blind_spot : NULL;
    for (int i = 0; i < p->objects.len + p->names.len; i++) {
        const char *object = i < p->objects.len ? LIST_GET(&p->objects, i)
                                                : LIST_GET(&p->names, i - p->objects.len);
        const Pending *q = strmap_get(&after->first, bare_name(object));
        if (q && (!p->blocker || q->after_index < p->blocker->after_index)) {
            p->blocker = q;
            p->shared = object;
        }
    }
}

/* Does p touch a table or view the old code knows? */
static bool touches_model(const Pending *p, const Catalog *old)
{
    for (int i = 0; i < p->objects.len; i++)
        if (catalog_find_qualified(old, LIST_GET(&p->objects, i)) ||
            catalog_find_qualified_view(old, LIST_GET(&p->objects, i)))
            return true;
    return false;
}

/* Does action ac change what problem p is about? */
static bool action_concerns(const Action *ac, const Problem *p)
{
    if (!ac->table)
        return false;
    const char *dot = strchr(ac->table, '.');
    const char *tname = dot ? dot + 1 : ac->table;
    bool same_table = strcmp(tname, p->table) == 0 ||
                      ((ac->kind == ACT_RENAME_TABLE || ac->kind == ACT_RENAME_VIEW) &&
                       util_streq(ac->detail, p->table));
    if (!same_table)
        return false;
    if (!p->column)
        return ac->kind == ACT_CREATE_TABLE || ac->kind == ACT_RENAME_TABLE ||
               ac->kind == ACT_CREATE_VIEW || ac->kind == ACT_DROP_VIEW ||
               ac->kind == ACT_RENAME_VIEW ||
               ac->kind == ACT_DROP_TABLE || ac->kind == ACT_SET_SCHEMA;
    if (!ac->column)
        return false;
    switch (ac->kind) {
    case ACT_ADD_COLUMN:
    case ACT_DROP_COLUMN:
    case ACT_ALTER_TYPE:
    case ACT_SET_NOT_NULL:
    case ACT_DROP_NOT_NULL:
    case ACT_SET_DEFAULT:
    case ACT_DROP_DEFAULT:
    case ACT_DROP_IDENTITY:
    case ACT_ADD_IDENTITY:
    case ACT_ALTER_COLUMN_OTHER: /* SET GENERATED ALWAYS */
    case ACT_DROP_EXPRESSION:
        return strcmp(ac->column, p->column) == 0;
    case ACT_RENAME_COLUMN:
        return strcmp(ac->column, p->column) == 0 || util_streq(ac->detail, p->column);
    default:
        return false;
    }
}

/* The last statement of m that changes what p is about (NULL: none). */
static const Statement *culprit(const Migration *m, const Problem *p, int *offset)
{
    const Statement *found = NULL;
    for (int i = 0; i < m->nstmts; i++) {
        const Effects *fx = m->stmts[i]->fx;
        for (int j = 0; j < fx->actions.len; j++) {
            const Action *ac = LIST_GET(&fx->actions, j);
            if (action_concerns(ac, p)) {
                found = m->stmts[i];
                *offset = ac->offset;
            }
        }
    }
    return found;
}

static Finding *finding_at(Arena *a, Plan *plan, Migration *m, const Problem *p,
                           const char *rule, const char *message, const char *fix)
{
    int off = -1;
    const Statement *s = p ? culprit(m, p, &off) : NULL;
    return plan_add_finding(a, plan, m, s, s ? off : -1, rule, message, fix);
}

/* The default m gave the column p is about and then dropped again ("''"),
 * or NULL when m does not drop a default. */
static const char *dropped_default(const Migration *m, const Problem *p)
{
    const char *given = NULL;
    bool dropped = false;
    for (int i = 0; i < m->nstmts; i++) {
        const Effects *fx = m->stmts[i]->fx;
        for (int j = 0; j < fx->actions.len; j++) {
            const Action *ac = LIST_GET(&fx->actions, j);
            if (!action_concerns(ac, p))
                continue;
            if (ac->kind == ACT_DROP_DEFAULT)
                dropped = true;
            else if (ac->expr && (ac->kind == ACT_ADD_COLUMN || ac->kind == ACT_SET_DEFAULT))
                given = ac->expr;
        }
    }
    return dropped ? (given ? given : "...") : NULL;
}

/* The two-release recipe for a migration the old code cannot survive. */
static const char *two_release_fix(Arena *a, const Migration *m, const Problem *old)
{
    const char *t = catalog_display_name(a, old->schema, old->table);
    switch (old->kind) {
    case PROBLEM_NOT_NULL_UNKNOWN:
        if (dropped_default(m, old))
            return arena_printf(a,
                "Keep a database default, so the old code's INSERTs get a value and the migration can run before the deploy:\n"
                "1. delete `ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT` from this migration "
                "(Django 5+: declare the field with db_default=%s; older Django: add "
                "migrations.RunSQL(\"ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s\", migrations.RunSQL.noop) after the AddField).\n"
                "2. In a later release, once no old code runs, drop the default if you do not want it.",
                t, old->column, dropped_default(m, old), t, old->column, dropped_default(m, old));
        return arena_printf(a,
            "1. Release 1: add %s as nullable (or with a DEFAULT), before the deploy; the new code writes it.\n"
            "2. Backfill existing rows in batches (zdm backfill %s --set \"%s = ...\" --where \"%s IS NULL\").\n"
            "3. Release 2: SET NOT NULL with the CHECK (%s IS NOT NULL) NOT VALID / VALIDATE recipe.",
            old->column, t, old->column, old->column, old->column);
    case PROBLEM_COLUMN_MISSING:
        return arena_printf(a,
            "Expand, then contract, over two releases:\n"
            "1. Release 1 (before its deploy): add the new column; the new code writes both columns (or a trigger copies); backfill in batches.\n"
            "2. Release 2: read and write only the new column; after its deploy, drop %s.%s.\n"
            "In Django, to rename without moving data, keep the database name: db_column='%s'.",
            t, old->column, old->column);
    case PROBLEM_TABLE_MISSING:
        if (old->view)
            return arena_printf(a,
                "Expand, then contract, over two releases:\n"
                "1. Release 1: create the view under its new name (the same query) next to %s; the new code reads the new one.\n"
                "2. Release 2: after its deploy, drop %s.",
                t, t);
        return arena_printf(a,
            "Expand, then contract, over two releases:\n"
            "1. Release 1: create the new table (or a view named after it), write both, backfill.\n"
            "2. Release 2: use only the new table; after its deploy, drop %s.\n"
            "In Django, to rename a model without moving data, keep the table name: db_table='%s'.",
            t, t);
    case PROBLEM_NOT_WRITABLE:
        return arena_printf(a,
            "Stop writing the column first:\n"
            "1. Release 1: code that no longer writes %s.%s (in Django: a field the database fills, such as an "
            "AutoField or GeneratedField); meanwhile use GENERATED BY DEFAULT, which still takes the old code's values.\n"
            "2. Release 2: after its deploy, make it %s.",
            t, old->column, old->state_type);
    case PROBLEM_TYPE_CHANGED:
        return arena_printf(a,
            "Change the type over two releases:\n"
            "1. Release 1: add a new column of the new type; write both (trigger or code); backfill in batches.\n"
            "2. Release 2: read the new column; after its deploy, drop %s.%s and rename if you must (rename is itself a two-release change).",
            t, old->column);
    }
    return NULL;
}

static const char *nullable_fix(Arena *a, const Problem *p)
{
    const char *t = catalog_display_name(a, p->schema, p->table);
    if (p->left_to_database)
        return arena_printf(a,
            "The new code leaves %s to the database, which only this migration arranges:\n"
            "1. Before the deploy, let the database fill it while still taking the old code's values: "
            "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED BY DEFAULT AS IDENTITY (or SET DEFAULT ...).\n"
            "2. After the deploy, run what remains of this migration (SET GENERATED ALWAYS).",
            p->column, t, p->column);
    if (p->in_primary_key)
        return arena_printf(a,
            "%s is part of the primary key of %s, so it cannot become optional (DROP NOT NULL fails on a key column):\n"
            "1. Before the deploy, give %s another primary key: CREATE UNIQUE INDEX CONCURRENTLY on the new key's columns, "
            "then ALTER TABLE %s DROP CONSTRAINT <its primary key>, ADD PRIMARY KEY USING INDEX <that index>;\n"
            "   then ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL.\n"
            "2. After the deploy, run this migration to drop it.",
            p->column, t, t, t, t, p->column);
    return arena_printf(a,
        "Before the deploy, make the column optional for the new code's INSERTs:\n"
        "1. ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;  (or SET DEFAULT ...)\n"
        "   in Django: set null=True on the field in a migration that runs before the deploy.\n"
        "2. After the deploy, run this migration to drop it.",
        t, p->column);
}

static bool seen(Arena *a, StrMap *keys, const char *key)
{
    if (strmap_get(keys, key))
        return true;
    strmap_put(a, keys, key, (void *)key);
    return false;
}

/* Is the column NOT NULL in t, or held to it by a validated CHECK? */
static bool not_null_in(const Table *t, const char *column)
{
    const Column *col = catalog_find_column(t, column);
    if (col && col->not_null)
        return true;
    for (int k = 0; k < t->constraints.len; k++) {
        const Constraint *ck = LIST_GET(&t->constraints, k);
        if (ck->type == CON_CHECK && ck->validated && util_streq(ck->not_null_of, column))
            return true;
    }
    return false;
}

/* What a new primary key k rejects of the old code's writes, given the table
 * t it knows: NULL in a column that was nullable (the key makes it NOT
 * NULL), or a duplicate, unless a key or UNIQUE constraint of t already held
 * a subset of its columns unique. NULL when it rejects nothing new. */
static const char *key_rejects(Arena *a, const Table *t, const Constraint *k)
{
    for (int c = 0; c < k->columns.len; c++)
        if (catalog_find_column(t, LIST_GET(&k->columns, c)) && !not_null_in(t, LIST_GET(&k->columns, c)))
            return arena_printf(a, "primary key %s (it makes %s NOT NULL)", k->name,
                                (const char *)LIST_GET(&k->columns, c));
    for (int i = 0; i < t->constraints.len; i++) {
        const Constraint *u = LIST_GET(&t->constraints, i);
        if (u->type != CON_PRIMARY && u->type != CON_UNIQUE)
            continue;
        bool subset = u->columns.len > 0;
        for (int c = 0; subset && c < u->columns.len; c++) {
            bool in = false;
            for (int x = 0; x < k->columns.len; x++)
                in |= util_streq(LIST_GET(&u->columns, c), LIST_GET(&k->columns, x));
            subset = in;
        }
        if (subset)
            return NULL;
    }
    return arena_printf(a, "primary key %s", k->name);
}

/* Warns where a migration run before the deploy adds a constraint that the
 * old code's writes may violate: data-dependent, so never an error. A
 * primary key counts for what it adds (NOT NULL, uniqueness), and ATTACH
 * PARTITION for the partition bound, which rejects the rows of the old
 * code's writes to the attached table that fall outside it. */
static void warn_constraints(Arena *a, Plan *plan, Migration *m, const Catalog *old,
                             const Catalog *new)
{
    for (int i = 0; i < m->nstmts; i++) {
        const Statement *s = m->stmts[i];
        for (int j = 0; j < s->fx->actions.len; j++) {
            const Action *ac = LIST_GET(&s->fx->actions, j);
            if (ac->flags & A_NEW_TABLE || !ac->table)
                continue;
            bool key = ac->kind == ACT_ADD_CONSTRAINT && ac->contype == CON_PRIMARY;
            bool con = ac->kind == ACT_ADD_CONSTRAINT && !key;
            bool attach = ac->kind == ACT_ALTER_TABLE_OTHER &&
                          ac->detail && strncmp(ac->detail, "ATTACH PARTITION (", 18) == 0;
            bool detach = ac->kind == ACT_ALTER_TABLE_OTHER && util_streq(ac->detail, "DETACH PARTITION");
            if (!con && !key && !attach && !detach && ac->kind != ACT_SET_NOT_NULL)
                continue;
            Table *t = catalog_find_qualified(old, ac->table);
            Table *nt = catalog_find_qualified(new, ac->table);
            if (!t || !nt)
                continue;
            const char *what = NULL;
            if (key) {
                const Constraint *k = catalog_find_constraint(nt, ac->column);
                if (!k || !(what = key_rejects(a, t, k)))
                    continue;
            } else if (attach) {
                what = arena_printf(a, "the bound of partition %s", catalog_display(ac->table));
            } else if (detach) {
                /* the partition's own action, in the same statement, names it */
                const char *part = NULL;
                for (int k = 0; k < s->fx->actions.len; k++) {
                    const Action *pa = LIST_GET(&s->fx->actions, k);
                    if (pa->kind == ACT_ALTER_TABLE_OTHER && util_streq(pa->detail, "DETACH PARTITION (the partition)"))
                        part = pa->table;
                }
                plan_add_finding(a, plan, m, s, ac->offset, "constraint-may-reject-writes",
                    arena_printf(a, "the old code keeps writing to %s during the deploy; once %s is detached, a row "
                                    "in its bound has no partition to go to (unless a default partition takes it), "
                                    "so any such write of the old code fails from here on",
                                 catalog_display(ac->table), part ? catalog_display(part) : "the partition"),
                    "Check that the old code no longer writes rows in that partition's bound (or that a default "
                    "partition takes them), or move this migration after the deploy with -- zdm:phase after-deploy.");
                continue;
            }
            /* NOT NULL already enforced by a validated CHECK: nothing new is rejected */
            if (ac->kind == ACT_SET_NOT_NULL) {
                bool proven = false;
                for (int k = 0; k < t->constraints.len; k++) {
                    const Constraint *ck = LIST_GET(&t->constraints, k);
                    proven |= ck->type == CON_CHECK && ck->validated && util_streq(ck->not_null_of, ac->column);
                }
                if (proven)
                    continue;
            }
            /* A foreign key on columns the old code does not know: its writes
             * leave them NULL (or the default the ADD COLUMN already checked),
             * which the key never rejects, and an UPDATE rechecks the key only
             * when it changes those columns. */
            if (con && ac->contype == CON_FOREIGN) {
                const Constraint *k = catalog_find_constraint(nt, ac->column);
                bool all_new = k && k->columns.len > 0;
                for (int c = 0; all_new && c < k->columns.len; c++)
                    all_new = !catalog_find_column(t, LIST_GET(&k->columns, c));
                if (all_new)
                    continue;
            }
            /* gone again by the end of the release: nothing to warn about */
            if (con ? !catalog_find_constraint(nt, ac->column)
                    : ac->kind == ACT_SET_NOT_NULL &&
                          !(catalog_find_column(nt, ac->column) && catalog_find_column(nt, ac->column)->not_null))
                continue;
            if (!what)
                what = ac->kind == ACT_SET_NOT_NULL ? arena_printf(a, "NOT NULL on %s", ac->column)
                                                    : arena_printf(a, "constraint %s", ac->column);
            plan_add_finding(a, plan, m, s, ac->offset, "constraint-may-reject-writes",
                arena_printf(a, "the old code keeps writing to %s during the deploy; %s rejects the rows that "
                                "violate it, so any such write of the old code fails from here on",
                             catalog_display(ac->table), what),
                "Check that the old code never writes such values (for NOT NULL: that it always sets the column), "
                "or move this migration after the deploy with -- zdm:phase after-deploy.");
        }
    }
}

/* Notes each ALTER COLUMN TYPE that changes the type or typmod of a column
 * the old code reads. A plain query meets the new type and works (within a
 * type family, compat.c); a statement prepared on the server before it is
 * re-planned on its next run and refused with "cached plan must not change
 * result type" (0A000), old code and new alike, whatever the phase: so a
 * notice on the statement, never a placement. Django binds parameters on the
 * client (psycopg2, and psycopg 3 unless server_side_binding is set), so a
 * Django migration gets no such notice. */
static void note_cached_plans(Arena *a, Plan *plan, Migration *m, const Catalog *old)
{
    if (m->django)
        return;
    for (int i = 0; i < m->nstmts; i++) {
        const Statement *s = m->stmts[i];
        for (int j = 0; j < s->fx->actions.len; j++) {
            const Action *ac = LIST_GET(&s->fx->actions, j);
            if (ac->kind != ACT_ALTER_TYPE || ac->flags & A_NEW_TABLE || !ac->table || !ac->column ||
                !ac->detail)
                continue;
            const Table *t = catalog_find_qualified(old, ac->table);
            const Column *col = t ? catalog_find_column(t, ac->column) : NULL;
            if (!col || !col->type || strcmp(catalog_type_sql(a, col), ac->detail) == 0)
                continue;
            const char *name = catalog_display(ac->table);
            plan_add_finding(a, plan, m, s, ac->offset, "type-change-cached-plans",
                arena_printf(a, "%s.%s changes from %s to %s: a query that reads it and was prepared on the "
                                "server before this (pgjdbc, psycopg 3, asyncpg and pgx keep such statements) "
                                "fails with \"cached plan must not change result type\" on each connection that "
                                "holds it, old code and new alike",
                             name, ac->column, catalog_type_sql(a, col), ac->detail),
                arena_printf(a, "Nothing to do if no client keeps server-side prepared statements of queries on %s.\n"
                                "Otherwise make those clients re-prepare on that error (pgjdbc: autosave=conservative; "
                                "asyncpg and Rails retry it outside a transaction), or recycle their connections right "
                                "after the migration.", name));
        }
    }
}

typedef struct Ranked {
    const Problem *p;
    int index; /* in the problem list */
} Ranked;

static int nullcmp(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0; /* NULL (a table-level problem) first */
    return strcmp(a, b);
}

/* Problems ordered by table, then column: what action_concerns compares. */
static int ranked_cmp(const void *x, const void *y)
{
    const Problem *p = ((const Ranked *)x)->p, *q = ((const Ranked *)y)->p;
    int c = strcmp(p->table, q->table);
    return c ? c : nullcmp(p->column, q->column);
}

static Ranked *rank_problems(Arena *a, const List *probs)
{
    Ranked *sorted = arena_alloc(a, sizeof(Ranked) * (size_t)(probs->len ? probs->len : 1));
    for (int k = 0; k < probs->len; k++)
        sorted[k] = (Ranked){LIST_GET(probs, k), k};
    qsort(sorted, (size_t)probs->len, sizeof *sorted, ranked_cmp);
    return sorted;
}

/* First of the sorted problems about (table, column), or n. */
static int lower_bound(const Ranked *sorted, int n, const char *table, const char *column)
{
    Problem kp = {.table = table, .column = column};
    Ranked key = {&kp, -1};
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (ranked_cmp(&sorted[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Was p already a problem at the deploy (so not caused by a later migration)? */
static bool known_problem(const Ranked *sorted, int n, const Problem *p)
{
    for (int k = lower_bound(sorted, n, p->table, p->column);
         k < n && ranked_cmp(&sorted[k], &(Ranked){p, -1}) == 0; k++)
        if (sorted[k].p->kind == p->kind && strcmp(sorted[k].p->schema, p->schema) == 0)
            return true;
    return false;
}

/* Gives fixer q to every unfixed problem about (table, column) that ac explains. */
static void fix_matching(const Ranked *sorted, int n, Pending **fixers, Pending *q,
                         const Action *ac, const char *table, const char *column)
{
    Problem kp = {.table = table, .column = column};
    Ranked key = {&kp, -1};
    for (int k = lower_bound(sorted, n, table, column); k < n && ranked_cmp(&sorted[k], &key) == 0; k++)
        if (!fixers[sorted[k].index] && action_concerns(ac, sorted[k].p))
            fixers[sorted[k].index] = q;
}

/*
 * For each problem the new code has at the deploy, the first after-deploy
 * migration that changes what it is about (NULL if none). Every action of
 * every after-deploy migration is visited once and looks up, among the
 * problems sorted by table and column, the few it could explain.
 */
static Pending **find_fixers(Arena *a, const List *probs, const Ranked *sorted, const List *after)
{
    int n = probs->len;
    Pending **fixers = arena_alloc(a, sizeof(Pending *) * (size_t)(n ? n : 1));
    if (!n)
        return fixers;
    for (int j = 0; j < after->len; j++) {
        Pending *q = LIST_GET(after, j);
        for (int i = 0; i < q->m->nstmts; i++) {
            const Effects *fx = q->m->stmts[i]->fx;
            for (int x = 0; x < fx->actions.len; x++) {
                const Action *ac = LIST_GET(&fx->actions, x);
                if (!ac->table)
                    continue;
                const char *dot = strchr(ac->table, '.');
                const char *tables[2] = {dot ? dot + 1 : ac->table,
                                         ac->kind == ACT_RENAME_TABLE || ac->kind == ACT_RENAME_VIEW
                                             ? ac->detail
                                             : NULL};
                const char *columns[3] = {NULL, ac->column,
                                          ac->kind == ACT_RENAME_COLUMN ? ac->detail : NULL};
                for (int t = 0; t < 2; t++)
                    for (int c = 0; c < 3 && tables[t]; c++)
                        if (c == 0 || columns[c])
                            fix_matching(sorted, n, fixers, q, ac, tables[t], columns[c]);
            }
        }
    }
    return fixers;
}

/* Did the before-deploy phase take a prefix of the pending migrations, and
 * can the after-deploy ones be checked from what each kept of the state it
 * left? Then the after-deploy states are the history's own, and they need no
 * second replay (but a migration zdm cannot see into keeps no tables). */
static bool after_phase_is_history(const Pending *ps, int n)
{
    bool after = false;
    for (int i = 0; i < n; i++) {
        if (ps[i].m->phase == PHASE_BEFORE && after)
            return false;
        if (ps[i].m->phase != PHASE_BEFORE) {
            after = true;
            if (ps[i].touches_all)
                return false;
        }
    }
    return true;
}

static void place(Arena *a, Plan *plan, Pending *ps, int n, const Catalog *old, const Catalog *new)
{
    Replay tr = {.arena = a, .pg_version = plan->pg_version, .pending = true};
    Catalog *cur = catalog_copy(old);
    After after = {0};
    ZdmError ignored;

    for (int i = 0; i < n; i++) {
        Pending *p = &ps[i];
        Migration *m = p->m;
        find_blocker(p, &after);
        if (m->directive == PHASE_AFTER) {
            m->phase = PHASE_AFTER;
            m->reason = arena_printf(a, "placed by -- zdm:phase after-deploy (line %d)", m->directive_line);
            push_after(a, &after, p);
            continue;
        }
        List probs = {0};
        Catalog *trial = NULL;
        bool blocked = p->blocker && m->directive != PHASE_BEFORE;
        bool model = p->touches_all || touches_model(p, old);
        if (!model && !blocked) {
            /* nothing the old code knows changes: no need for a trial copy */
            trial = cur;
            tr.cat = cur;
            replay_migration(&tr, m, false, &ignored);
        } else if (model) {
            trial = catalog_copy(cur);
            tr.cat = trial;
            replay_migration(&tr, m, false, &ignored);
            compat_check(a, old, trial, "old code", p->touches_all ? NULL : &p->objects, &probs);
        }
        if (blocked) {
            /* It may not pass the earlier one; say so only when that, and not
             * the old code, is what keeps it after the deploy. */
            catalog_free(trial);
            m->phase = PHASE_AFTER;
            if (probs.len) {
                p->old_problem = LIST_GET(&probs, 0);
                m->reason = arena_printf(a, "run before the deploy, %s", compat_message(a, p->old_problem));
            } else {
                m->reason = arena_printf(a, "follows %s, which runs after the deploy and also touches %s "
                                            "(migrations swap places only when they touch disjoint objects)",
                                         p->blocker->m->name, catalog_display(p->shared));
            }
            push_after(a, &after, p);
            continue;
        }
        if (probs.len == 0 || m->directive == PHASE_BEFORE) {
            if (trial != cur)
                catalog_free(cur);
            cur = trial;
            m->phase = PHASE_BEFORE;
            m->reason = m->directive == PHASE_BEFORE
                            ? arena_printf(a, "placed by -- zdm:phase before-deploy (line %d)", m->directive_line)
                            : "the old code keeps working with it";
            for (int k = 0; k < probs.len; k++) {
                const Problem *pr = LIST_GET(&probs, k);
                finding_at(a, plan, m, pr, "breaks-old-code",
                    arena_printf(a, "%s during the deploy: -- zdm:phase before-deploy runs this migration "
                                    "while the old code still serves", compat_message(a, pr)),
                    "Remove the directive and let zdm place the migration, or change it so the old code keeps working.");
            }
        } else {
            catalog_free(trial); /* never cur: a problem needs a trial copy */
            m->phase = PHASE_AFTER;
            p->old_problem = LIST_GET(&probs, 0);
            m->reason = arena_printf(a, "run before the deploy, %s", compat_message(a, p->old_problem));
            push_after(a, &after, p);
        }
    }

    bool kept = after_phase_is_history(ps, n);

    /* The deploy: new code against the state the before-deploy phase leaves. */
    StrMap keys = {0};
    List probs = {0};
    compat_check(a, new, cur, "new code", NULL, &probs);
    Ranked *ranked = rank_problems(a, &probs);
    Pending **fixers = find_fixers(a, &probs, ranked, &after.list);
    /* Missing objects first: they decide which migrations need two releases.
     * A NOT NULL column the new code does not know is then only worth a
     * finding when its migration is not already a two-release change (a
     * rename shows up as both). */
    for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < probs.len; k++) {
        const Problem *pr = LIST_GET(&probs, k);
        if ((pr->kind == PROBLEM_NOT_NULL_UNKNOWN) != (pass == 1))
            continue;
        Pending *fixer = fixers[k];
        if (!fixer)
            continue;
        Migration *m = fixer->m;
        if (m->phase == PHASE_TWO_RELEASES)
            continue; /* one two-release finding per migration says it */
        if (seen(a, &keys, arena_printf(a, "%d:%s", m->index, compat_message(a, pr))))
            continue;
        if (pr->kind == PROBLEM_NOT_NULL_UNKNOWN) {
            finding_at(a, plan, m, pr, "breaks-new-code",
                arena_printf(a, "%s: from the deploy until %s runs after it, every INSERT of the new code fails",
                             compat_message(a, pr), m->name),
                nullable_fix(a, pr));
        } else if (m->directive == PHASE_AFTER) {
            finding_at(a, plan, m, pr, "breaks-new-code",
                arena_printf(a, "%s until this migration runs, but -- zdm:phase after-deploy (line %d) holds it "
                                "until after the deploy", compat_message(a, pr), m->directive_line),
                "Remove the directive, so the migration runs before the deploy.");
        } else if (fixer->old_problem) {
            m->phase = PHASE_TWO_RELEASES;
            m->reason = arena_printf(a, "run before the deploy, %s; run after it, %s",
                                     compat_message(a, fixer->old_problem), compat_message(a, pr));
            const char *why = dropped_default(m, fixer->old_problem)
                                  ? arena_printf(a, " (the migration drops the default it added, and %s stays NOT NULL)",
                                                 fixer->old_problem->column)
                                  : "";
            finding_at(a, plan, m, fixer->old_problem, "needs-two-releases",
                arena_printf(a, "no single deploy works: run before it, %s%s; run after it, %s",
                             compat_message(a, fixer->old_problem), why, compat_message(a, pr)),
                two_release_fix(a, m, fixer->old_problem));
        } else if (fixer->blocker) {
            m->phase = PHASE_TWO_RELEASES;
            m->reason = arena_printf(a, "the new code needs it before the deploy, but it follows %s, which must run "
                                        "after the deploy and also touches %s",
                                     fixer->blocker->m->name, catalog_display(fixer->shared));
            finding_at(a, plan, m, pr, "order-forbids-placement",
                arena_printf(a, "%s until %s runs, and %s cannot run before the deploy: it follows %s, which "
                                "runs after the deploy and also touches %s",
                             compat_message(a, pr), m->name, m->name, fixer->blocker->m->name,
                             catalog_display(fixer->shared)),
                arena_printf(a, "Order the migrations so that %s comes before %s (rename the file), or move the "
                                "change %s makes to %s into a later release.",
                             m->name, fixer->blocker->m->name, fixer->blocker->m->name,
                             catalog_display(fixer->shared)));
        }
    }

    /* After the deploy only the new code serves: it must keep working. */
    for (int j = 0; j < after.list.len; j++) {
        Pending *q = LIST_GET(&after.list, j);
        List later = {0};
        if (kept) {
            compat_check_kept(a, new, &q->kept, "new code", &later);
        } else {
            tr.cat = cur;
            replay_migration(&tr, q->m, false, &ignored);
            compat_check(a, new, cur, "new code", q->touches_all ? NULL : &q->objects, &later);
        }
        /* which of them q itself caused: one pass over its actions */
        List just_q = {0};
        list_push(a, &just_q, q);
        Pending **caused = find_fixers(a, &later, rank_problems(a, &later), &just_q);
        for (int k = 0; k < later.len; k++) {
            const Problem *pr = LIST_GET(&later, k);
            if (!caused[k] || known_problem(ranked, probs.len, pr))
                continue;
            if (seen(a, &keys, arena_printf(a, "%d:%s", q->m->index, compat_message(a, pr))))
                continue;
            finding_at(a, plan, q->m, pr, "breaks-new-code",
                arena_printf(a, "%s after this migration runs", compat_message(a, pr)),
                "Keep what the new code uses: move this change to a release whose code no longer uses it.");
        }
    }
    catalog_free(cur);

    for (int i = 0; i < n; i++) {
        if (ps[i].m->phase == PHASE_BEFORE)
            warn_constraints(a, plan, ps[i].m, old, new);
        note_cached_plans(a, plan, ps[i].m, old);
    }
}

int analysis_run(Arena *a, History *h, const AnalysisOptions *opt, Plan *plan, ZdmError *err)
{
    plan->pg_version = opt->pg_version;
    plan->history = h;
    Catalog *cat = catalog_new();
    /* The planner copies catalogs per migration: interned in the run's arena,
     * their strings are shared by every copy, not duplicated. */
    cat->strings = arena_alloc(a, sizeof *cat->strings);
    cat->strings->arena = a;
    Replay r = {.cat = cat, .arena = a, .pg_version = opt->pg_version,
                .tz_default_utc = opt->server_tz_utc};

    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        if (m->phase != PHASE_DEPLOYED)
            continue;
        if (opt->parsing && sql_parse_wait(opt->parsing, i, err) < 0)
            goto failed;
        replay_migration(&r, m, false, err);
        sql_drop_tree(m); /* a deployed migration is replayed once */
        plan->deployed = m->name;
    }
    Catalog *old = catalog_copy(cat);
    r.baseline = old;
    r.pending = true;
    int n = 0;
    Pending *ps = arena_alloc(a, sizeof(Pending) * (size_t)(h->n ? h->n : 1));
    for (int i = 0; i < h->n; i++) {
        if (h->items[i]->phase == PHASE_DEPLOYED)
            continue;
        if (opt->parsing && sql_parse_wait(opt->parsing, i, err) < 0)
            goto failed;
        Pending *p = &ps[n++];
        p->m = h->items[i];
        replay_migration(&r, p->m, true, err);
        collect_objects(a, p);
        compat_keep_tables(a, cat, &p->objects, &p->kept);
    }
    for (int i = 0; i < n; i++)
        rules_check_migration(a, plan, ps[i].m);
    place(a, plan, ps, n, old, cat);
    plan_merge_findings(a, plan);
    catalog_free(old);
    catalog_free(cat);
    return 0;

failed: /* a syntax error: nothing is analysed */
    catalog_free(r.baseline);
    catalog_free(cat);
    return -1;
}
