/*
 * catalog.c — the schema model: lookup, copy and rendering.
 *
 * Tables, indexes, views and enum types are found through a hash on their
 * name: the benchmark's history (bench/) reaches thousands of them, and
 * linear scans made the replay and the planner quadratic (every column's
 * type is looked up among the enums). Other objects are fewer and looked up
 * rarely, so they stay in plain lists.
 */
#include <stddef.h>
#include <string.h>

#include "catalog.h"

Catalog *catalog_new(void)
{
    Arena *a = arena_new();
    Catalog *c = arena_alloc(a, sizeof *c);
    c->arena = a;
    list_push(a, &c->schemas, "public");
    list_push(a, &c->schemas, "pg_catalog");
    list_push(a, &c->search_path, "public");
    return c;
}

void catalog_free(Catalog *c)
{
    if (c)
        arena_free(c->arena);
}

static void add_reference(Catalog *c, Constraint *k)
{
    List *l = strmap_get(&c->references, k->ref_table);
    if (!l) {
        l = arena_alloc(c->arena, sizeof *l);
        strmap_put(c->arena, &c->references, k->ref_table, l);
    }
    list_push(c->arena, l, k);
}

const List *catalog_referencing(Catalog *c, const char *qualified)
{
    if (!c->references_built) {
        for (int i = 0; i < c->tables.len; i++) {
            const Table *t = LIST_GET(&c->tables, i);
            for (int j = 0; j < t->constraints.len; j++) {
                Constraint *k = LIST_GET(&t->constraints, j);
                if (k->type == CON_FOREIGN && k->ref_table)
                    add_reference(c, k);
            }
        }
        c->references_built = true;
    }
    static const List none;
    const List *l = strmap_get(&c->references, qualified);
    return l ? l : &none;
}

void catalog_note_reference(Catalog *c, Constraint *k)
{
    if (c->references_built && k->type == CON_FOREIGN && k->ref_table)
        add_reference(c, k);
}

bool catalog_constraint_name_seen(Catalog *c, const char *name)
{
    if (!c->constraint_names_built) {
        for (int i = 0; i < c->tables.len; i++) {
            const Table *t = LIST_GET(&c->tables, i);
            for (int j = 0; j < t->constraints.len; j++) {
                const Constraint *k = LIST_GET(&t->constraints, j);
                if (k->name)
                    strmap_put(c->arena, &c->constraint_names, k->name, (void *)k->name);
            }
        }
        c->constraint_names_built = true;
    }
    return strmap_get(&c->constraint_names, name) != NULL;
}

void catalog_note_constraint_name(Catalog *c, const char *name)
{
    if (c->constraint_names_built && name)
        strmap_put(c->arena, &c->constraint_names, name, (void *)name);
}

const char *catalog_str(Catalog *c, const char *s)
{
    if (!s)
        return NULL;
    return c->strings ? util_intern(c->strings, s) : arena_strdup(c->arena, s);
}

/* A string of the catalog being copied, for the copy n. */
static const char *dup(const Catalog *n, const char *s)
{
    return n->strings ? s : arena_strdup(n->arena, s);
}

static void copy_names(const Catalog *n, List *dst, const List *src)
{
    for (int i = 0; i < src->len; i++)
        list_push(n->arena, dst, (void *)dup(n, LIST_GET(src, i)));
}

Catalog *catalog_copy(const Catalog *c)
{
    Arena *a = arena_new();
    Catalog *n = arena_alloc(a, sizeof *n);
    n->arena = a;
    n->strings = c->strings;
    copy_names(n, &n->schemas, &c->schemas);
    copy_names(n, &n->search_path, &c->search_path);
    copy_names(n, &n->functions, &c->functions);
    for (int i = 0; i < c->tables.len; i++) {
        const Table *t = LIST_GET(&c->tables, i);
        Table *nt = arena_alloc(a, sizeof *nt);
        *nt = *t;
        nt->schema = dup(n, t->schema);
        nt->name = dup(n, t->name);
        nt->parent = dup(n, t->parent);
        nt->partkey = dup(n, t->partkey);
        memset(&nt->columns, 0, sizeof nt->columns);
        memset(&nt->constraints, 0, sizeof nt->constraints);
        memset(&nt->indexes, 0, sizeof nt->indexes); /* refilled as the indexes are copied */
        for (int j = 0; j < t->columns.len; j++) {
            const Column *col = LIST_GET(&t->columns, j);
            Column *nc = arena_alloc(a, sizeof *nc);
            *nc = *col;
            nc->name = dup(n, col->name);
            nc->type = dup(n, col->type);
            nc->type_sql = dup(n, col->type_sql);
            nc->default_expr = dup(n, col->default_expr);
            list_push(a, &nt->columns, nc);
        }
        for (int j = 0; j < t->constraints.len; j++) {
            const Constraint *con = LIST_GET(&t->constraints, j);
            Constraint *ncon = arena_alloc(a, sizeof *ncon);
            *ncon = *con;
            ncon->name = dup(n, con->name);
            ncon->ref_table = dup(n, con->ref_table);
            ncon->not_null_of = dup(n, con->not_null_of);
            ncon->index = dup(n, con->index);
            memset(&ncon->columns, 0, sizeof ncon->columns);
            copy_names(n, &ncon->columns, &con->columns);
            list_push(a, &nt->constraints, ncon);
        }
        catalog_add_table(n, nt);
    }
    for (int i = 0; i < c->indexes.len; i++) {
        const Index *ix = LIST_GET(&c->indexes, i);
        Index *ni = arena_alloc(a, sizeof *ni);
        *ni = *ix;
        ni->schema = dup(n, ix->schema);
        ni->name = dup(n, ix->name);
        ni->table_schema = dup(n, ix->table_schema);
        ni->table = dup(n, ix->table);
        memset(&ni->columns, 0, sizeof ni->columns);
        copy_names(n, &ni->columns, &ix->columns);
        ni->method = dup(n, ix->method);
        memset(&ni->elems, 0, sizeof ni->elems);
        copy_names(n, &ni->elems, &ix->elems);
        memset(&ni->include, 0, sizeof ni->include);
        copy_names(n, &ni->include, &ix->include);
        ni->predicate = dup(n, ix->predicate);
        catalog_add_index(n, ni);
    }
    for (int i = 0; i < c->views.len; i++) {
        const View *v = LIST_GET(&c->views, i);
        View *nv = arena_alloc(a, sizeof *nv);
        *nv = *v;
        memset(&nv->sources, 0, sizeof nv->sources);
        copy_names(n, &nv->sources, &v->sources);
        memset(&nv->views, 0, sizeof nv->views);
        copy_names(n, &nv->views, &v->views);
        memset(&nv->columns, 0, sizeof nv->columns);
        for (int j = 0; j < v->columns.len; j++) {
            const ViewColumn *vc = LIST_GET(&v->columns, j);
            ViewColumn *nvc = arena_alloc(a, sizeof *nvc);
            nvc->table = dup(n, vc->table);
            nvc->column = dup(n, vc->column);
            list_push(a, &nv->columns, nvc);
        }
        nv->definition = dup(n, v->definition);
        nv->defined_at = dup(n, v->defined_at);
        nv->schema = dup(n, v->schema);
        nv->name = dup(n, v->name);
        catalog_add_view(n, nv);
    }
    for (int i = 0; i < c->sequences.len; i++) {
        const Sequence *s = LIST_GET(&c->sequences, i);
        Sequence *ns = arena_alloc(a, sizeof *ns);
        *ns = *s;
        ns->schema = dup(n, s->schema);
        ns->name = dup(n, s->name);
        list_push(a, &n->sequences, ns);
    }
    for (int i = 0; i < c->enums.len; i++) {
        const EnumType *e = LIST_GET(&c->enums, i);
        EnumType *ne = arena_alloc(a, sizeof *ne);
        ne->schema = dup(n, e->schema);
        ne->name = dup(n, e->name);
        copy_names(n, &ne->values, &e->values);
        catalog_add_enum(n, ne);
    }
    return n;
}

/* Walks search_path when schema is NULL: the first schema holding a match. */
#define FIND_ALONG_PATH(c, schema, name, list, Type)                          \
    do {                                                                      \
        if (schema) {                                                         \
            for (int i_ = 0; i_ < (c)->list.len; i_++) {                      \
                Type *o_ = LIST_GET(&(c)->list, i_);                          \
                if (util_same(o_->name, name) && util_same(o_->schema, schema)) \
                    return o_;                                                \
            }                                                                 \
            return NULL;                                                      \
        }                                                                     \
        for (int p_ = 0; p_ < (c)->search_path.len; p_++) {                   \
            const char *s_ = LIST_GET(&(c)->search_path, p_);                 \
            for (int i_ = 0; i_ < (c)->list.len; i_++) {                      \
                Type *o_ = LIST_GET(&(c)->list, i_);                          \
                if (util_same(o_->name, name) && util_same(o_->schema, s_)) \
                    return o_;                                                \
            }                                                                 \
        }                                                                     \
        return NULL;                                                          \
    } while (0)

/* What Table and Index begin with: the hash reads only these two fields. */
typedef struct Named {
    const char *schema;
    const char *name;
} Named;

static List *bucket_of(const NameIndex *ix, const char *name)
{
    return &ix->buckets[util_hash(name) & (unsigned)(ix->nbuckets - 1)];
}

static void bucket_remove(List *b, const void *o)
{
    for (int i = 0; i < b->len; i++)
        if (b->items[i] == o) {
            b->items[i] = b->items[--b->len];
            return;
        }
}

static void named_add(Arena *a, NameIndex *ix, List *all, void *o)
{
    list_push(a, all, o);
    if (all->len > ix->nbuckets) {
        /* grow (and build on first use): at most one object per bucket on average */
        int n = ix->nbuckets ? ix->nbuckets * 4 : 64;
        ix->buckets = arena_alloc(a, sizeof(List) * (size_t)n);
        ix->nbuckets = n;
        for (int i = 0; i < all->len; i++)
            list_push(a, bucket_of(ix, ((Named *)LIST_GET(all, i))->name), LIST_GET(all, i));
        return;
    }
    list_push(a, bucket_of(ix, ((Named *)o)->name), o);
}

static void named_remove(NameIndex *ix, List *all, void *o)
{
    for (int i = 0; i < all->len; i++)
        if (all->items[i] == o) {
            memmove(&all->items[i], &all->items[i + 1], sizeof(void *) * (size_t)(all->len - i - 1));
            all->len--;
            break;
        }
    bucket_remove(bucket_of(ix, ((Named *)o)->name), o);
}

static void named_rename(Arena *a, NameIndex *ix, void *o, const char *schema, const char *name)
{
    Named *n = o;
    bucket_remove(bucket_of(ix, n->name), o);
    n->schema = schema;
    n->name = name;
    list_push(a, bucket_of(ix, name), o);
}

static void *named_find(const Catalog *c, const NameIndex *ix, const char *schema, const char *name)
{
    if (!ix->nbuckets)
        return NULL;
    const List *b = bucket_of(ix, name);
    /* schema NULL: the first schema along search_path that holds one */
    int paths = schema ? 1 : c->search_path.len;
    for (int p = 0; p < paths; p++) {
        const char *sch = schema ? schema : LIST_GET(&c->search_path, p);
        for (int i = 0; i < b->len; i++) {
            Named *n = LIST_GET(b, i);
            if (util_same(n->name, name) && util_same(n->schema, sch))
                return n;
        }
    }
    return NULL;
}

void catalog_add_table(Catalog *c, Table *t) { named_add(c->arena, &c->table_index, &c->tables, t); }
void catalog_remove_table(Catalog *c, Table *t) { named_remove(&c->table_index, &c->tables, t); }
void catalog_rename_table(Catalog *c, Table *t, const char *schema, const char *name)
{
    named_rename(c->arena, &c->table_index, t, schema, name);
}

void catalog_add_index(Catalog *c, Index *ix)
{
    named_add(c->arena, &c->index_index, &c->indexes, ix);
    Table *t = catalog_find_table(c, ix->table_schema, ix->table);
    if (t)
        list_push(c->arena, &t->indexes, ix);
}

void catalog_remove_index(Catalog *c, Index *ix)
{
    named_remove(&c->index_index, &c->indexes, ix);
    Table *t = catalog_find_table(c, ix->table_schema, ix->table);
    if (t)
        bucket_remove(&t->indexes, ix);
}
void catalog_rename_index(Catalog *c, Index *ix, const char *schema, const char *name)
{
    named_rename(c->arena, &c->index_index, ix, schema, name);
}

void catalog_add_view(Catalog *c, View *v) { named_add(c->arena, &c->view_index, &c->views, v); }
void catalog_remove_view(Catalog *c, View *v) { named_remove(&c->view_index, &c->views, v); }
void catalog_rename_view(Catalog *c, View *v, const char *name)
{
    named_rename(c->arena, &c->view_index, v, v->schema, name);
}

void catalog_add_enum(Catalog *c, EnumType *e) { named_add(c->arena, &c->enum_index, &c->enums, e); }
void catalog_remove_enum(Catalog *c, EnumType *e) { named_remove(&c->enum_index, &c->enums, e); }
void catalog_rename_enum(Catalog *c, EnumType *e, const char *name)
{
    named_rename(c->arena, &c->enum_index, e, e->schema, name);
}

void catalog_move_view(Catalog *c, View *v, const char *schema)
{
    named_rename(c->arena, &c->view_index, v, schema, v->name);
}

void catalog_move_enum(Catalog *c, EnumType *e, const char *schema)
{
    named_rename(c->arena, &c->enum_index, e, schema, e->name);
}

Table *catalog_find_table(const Catalog *c, const char *schema, const char *name)
{
    return named_find(c, &c->table_index, schema, name);
}

static void *named_find_qualified(const NameIndex *ix, const char *qualified)
{
    const char *dot = strchr(qualified, '.');
    if (!dot || !ix->nbuckets)
        return NULL;
    size_t sl = (size_t)(dot - qualified);
    const List *b = bucket_of(ix, dot + 1);
    for (int i = 0; i < b->len; i++) {
        Named *n = LIST_GET(b, i);
        if (util_same(n->name, dot + 1) && strncmp(n->schema, qualified, sl) == 0 &&
            n->schema[sl] == '\0')
            return n;
    }
    return NULL;
}

Table *catalog_find_qualified(const Catalog *c, const char *qualified)
{
    return named_find_qualified(&c->table_index, qualified);
}

View *catalog_find_qualified_view(const Catalog *c, const char *qualified)
{
    return named_find_qualified(&c->view_index, qualified);
}

Index *catalog_find_index(const Catalog *c, const char *schema, const char *name)
{
    return named_find(c, &c->index_index, schema, name);
}

View *catalog_find_view(const Catalog *c, const char *schema, const char *name)
{
    return named_find(c, &c->view_index, schema, name);
}

Sequence *catalog_find_sequence(const Catalog *c, const char *schema, const char *name)
{
    FIND_ALONG_PATH(c, schema, name, sequences, Sequence);
}

EnumType *catalog_find_enum(const Catalog *c, const char *schema, const char *name)
{
    return named_find(c, &c->enum_index, schema, name);
}

Column *catalog_find_column(const Table *t, const char *name)
{
    for (int i = 0; i < t->columns.len; i++) {
        Column *col = LIST_GET(&t->columns, i);
        if (util_same(col->name, name))
            return col;
    }
    return NULL;
}

Constraint *catalog_find_constraint(const Table *t, const char *name)
{
    for (int i = 0; i < t->constraints.len; i++) {
        Constraint *con = LIST_GET(&t->constraints, i);
        if (con->name && strcmp(con->name, name) == 0)
            return con;
    }
    return NULL;
}

bool catalog_has_schema(const Catalog *c, const char *schema)
{
    for (int i = 0; i < c->schemas.len; i++)
        if (strcmp(LIST_GET(&c->schemas, i), schema) == 0)
            return true;
    return false;
}

const char *catalog_creation_schema(const Catalog *c)
{
    for (int i = 0; i < c->search_path.len; i++) {
        const char *s = LIST_GET(&c->search_path, i);
        if (strcmp(s, "$user") != 0 && catalog_has_schema(c, s))
            return s;
    }
    return "public";
}

const char *catalog_display_name(Arena *a, const char *schema, const char *name)
{
    if (strcmp(schema, "public") == 0)
        return name;
    return arena_printf(a, "%s.%s", schema, name);
}

const char *catalog_display(const char *qualified)
{
    return strncmp(qualified, "public.", 7) == 0 ? qualified + 7 : qualified;
}

const char *catalog_type_sql(Arena *a, const Column *col)
{
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, col->type ? col->type : "unknown");
    if (col->ntypmods == 1)
        sb_printf(&sb, "(%d)", col->typmods[0]);
    else if (col->ntypmods == 2)
        sb_printf(&sb, "(%d,%d)", col->typmods[0], col->typmods[1]);
    for (int i = 0; i < col->array_dims; i++)
        sb_append(&sb, "[]");
    return sb.data;
}

/* PostgreSQL's reserved words (and the type/function-name ones): an
 * identifier spelled like one of these must be quoted. */
static const char *const reserved_words[] = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc",
    "asymmetric", "authorization", "binary", "both", "case", "cast", "check",
    "collate", "collation", "column", "concurrently", "constraint", "create",
    "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
    "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant",
    "group", "having", "ilike", "in", "initially", "inner", "intersect",
    "into", "is", "isnull", "join", "lateral", "leading", "left", "like",
    "limit", "localtime", "localtimestamp", "natural", "not", "notnull",
    "null", "offset", "on", "only", "or", "order", "outer", "overlaps",
    "placing", "primary", "references", "returning", "right", "select",
    "session_user", "similar", "some", "symmetric", "system_user", "table",
    "tablesample", "then", "to", "trailing", "true", "union", "unique", "user",
    "using", "variadic", "verbose", "when", "where", "window", "with", NULL,
};

const char *catalog_quote_ident(Arena *a, const char *id)
{
    bool plain = (id[0] >= 'a' && id[0] <= 'z') || id[0] == '_';
    for (const char *p = id; plain && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
            plain = false;
    for (int i = 0; plain && reserved_words[i]; i++)
        if (strcmp(reserved_words[i], id) == 0)
            plain = false;
    if (plain)
        return id;
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "\"");
    for (const char *p = id; *p; p++) {
        if (*p == '"')
            sb_append(&sb, "\"");
        sb_appendn(&sb, p, 1);
    }
    sb_append(&sb, "\"");
    return sb.data;
}

/* Appends the names of l, quoted, comma-separated. */
static void append_names(StrBuf *sb, const List *l)
{
    for (int i = 0; i < l->len; i++)
        sb_printf(sb, "%s%s", i ? ", " : "", catalog_quote_ident(sb->arena, LIST_GET(l, i)));
}

const char *catalog_index_def(Arena *a, const Index *ix)
{
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, ix->only ? "ON ONLY " : "ON ");
    if (strcmp(ix->table_schema, "public") != 0)
        sb_printf(&sb, "%s.", catalog_quote_ident(a, ix->table_schema));
    sb_append(&sb, catalog_quote_ident(a, ix->table));
    if (ix->method)
        sb_printf(&sb, " USING %s", catalog_quote_ident(a, ix->method));
    sb_append(&sb, " (");
    for (int i = 0; i < ix->columns.len; i++) {
        const char *elem = i < ix->elems.len ? LIST_GET(&ix->elems, i) : NULL;
        sb_printf(&sb, "%s%s", i ? ", " : "",
                  elem ? elem : catalog_quote_ident(a, LIST_GET(&ix->columns, i)));
    }
    sb_append(&sb, ")");
    if (ix->include.len) {
        sb_append(&sb, " INCLUDE (");
        append_names(&sb, &ix->include);
        sb_append(&sb, ")");
    }
    if (ix->nulls_not_distinct)
        sb_append(&sb, " NULLS NOT DISTINCT");
    if (ix->predicate)
        sb_printf(&sb, " WHERE %s", ix->predicate);
    return sb.data;
}

/* The hash reads Table and Index through Named: keep their first fields so. */
_Static_assert(offsetof(Table, schema) == offsetof(Named, schema) &&
                   offsetof(Table, name) == offsetof(Named, name) &&
                   offsetof(Index, schema) == offsetof(Named, schema) &&
                   offsetof(Index, name) == offsetof(Named, name),
               "Table and Index must begin with schema and name");
_Static_assert(offsetof(View, schema) == offsetof(Named, schema) &&
                   offsetof(View, name) == offsetof(Named, name),
               "View must begin with schema and name");
