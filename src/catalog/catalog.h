/*
 * catalog.h — the in-memory schema that migrations are replayed over.
 *
 * It holds what compatibility and locking depend on: tables and their
 * columns (type, typmod, nullability, default and its volatility, identity,
 * serial, generated), constraints with their validation state, indexes, views,
 * sequences, enum types and schemas. Names are stored as PostgreSQL folds
 * them (unquoted identifiers lower-cased by the parser already).
 *
 * A Catalog owns an arena of its own, so the planner can copy one, replay a
 * different order of migrations over the copy, and drop it (catalog_free).
 */
#ifndef ZDM_CATALOG_H
#define ZDM_CATALOG_H

#include "../util/util.h"

typedef struct Column {
    const char *name;
    const char *type;   /* canonical name: "int4", "varchar", "text", "numeric", an enum's "schema.name" */
    const char *type_sql; /* the type as the migration wrote it ("integer", "varchar(32)"), for
                           * fixes that repeat it; NULL when never written */
    int typmods[2];     /* varchar(32) → {32}; numeric(10,2) → {10,2} */
    int ntypmods;
    int array_dims;     /* text[] → 1 */
    bool not_null;
    const char *default_expr; /* a short rendering of the default, NULL if none */
    bool default_volatile;    /* random(), nextval(), user functions: evaluated per row (now() is stable) */
    char identity;            /* 'a' ALWAYS, 'd' BY DEFAULT, 0 none */
    bool serial;              /* serial/bigserial/smallserial */
    bool generated;           /* GENERATED ALWAYS AS (...), STORED or VIRTUAL */
    bool generated_virtual;   /* ... VIRTUAL (PostgreSQL 18): computed on read, never stored */
    bool assumed;             /* never created in the history: type and nullability unknown */
} Column;

typedef enum ConType {
    CON_PRIMARY = 'p',
    CON_UNIQUE = 'u',
    CON_CHECK = 'c',
    CON_FOREIGN = 'f',
    CON_EXCLUDE = 'x',
    CON_NOT_NULL = 'n', /* PostgreSQL 18: ADD CONSTRAINT c NOT NULL col [NOT VALID] */
} ConType;

typedef struct Constraint {
    const char *name;
    ConType type;
    List columns;            /* const char*: key / FK columns */
    bool validated;          /* false after NOT VALID until VALIDATE */
    const char *ref_table;   /* FK: "schema.table" */
    const char *not_null_of; /* CHECK (col IS NOT NULL): col, else NULL */
    const char *index;       /* PK/UNIQUE/EXCLUDE: the index backing it */
} Constraint;

typedef struct Table {
    const char *schema;
    const char *name;
    List columns;     /* Column* */
    List constraints; /* Constraint* */
    List indexes;     /* Index* on this table; kept by catalog_*_index */
    int created_in;   /* index of the pending migration that created it, -1 if live */
    bool assumed;     /* never created in the history: taken as existing */
    bool partitioned;
    const char *access_method; /* CREATE TABLE ... USING; NULL: the default, heap */
    const char *parent; /* a partition (PARTITION OF, ATTACH): its table's "schema.name" */
    const char *partkey;  /* partitioned: the one column its key reads, NULL for several */
} Table;

typedef struct Index {
    const char *schema;
    const char *name;
    const char *table_schema;
    const char *table;
    List columns; /* const char*; expressions as "(expr)" */
    bool unique;
    bool primary;
    bool partial;
    bool valid; /* false: CREATE INDEX CONCURRENTLY that failed (not modelled by replay) */
    int created_in;
    /* What CREATE INDEX wrote, so that a fix can build the same index again
     * (catalog_index_def); empty for the index of a constraint. */
    bool only;               /* ON ONLY: not on the partitions */
    const char *method;      /* USING gin, ...; NULL for btree */
    List elems;              /* const char*, one per column: the element as written when it is
                              * more than the column's name (an expression, DESC, an operator
                              * class), else NULL: the name, which follows renames */
    List include;            /* const char*: INCLUDE columns */
    bool nulls_not_distinct;
    const char *predicate;   /* partial: the WHERE condition as written */
} Index;

/* A table column a view's query reads. */
typedef struct ViewColumn {
    const char *table;  /* "schema.name" */
    const char *column;
} ViewColumn;

typedef struct View {
    const char *schema;
    const char *name;
    bool materialized;
    bool new_in_release; /* created by a pending migration: nothing live uses it */
    List sources;        /* const char*: the "schema.table"s its query reads (REFRESH locks them) */
    /* ViewColumn*: the columns its query reads, SELECT * as expanded when it
     * was created (PostgreSQL records each as a dependency): ALTER COLUMN
     * TYPE of one fails, and so does DROP COLUMN without CASCADE */
    List columns;
    List views;          /* const char*: the "schema.name"s of the views its query reads */
    /* The CREATE statement as written (each run of whitespace and comments
     * one space), to create it again, and where it stands ("file:line");
     * NULL when unknown, or stale after a rename of what it names. */
    const char *definition;
    const char *defined_at;
} View;

typedef struct Sequence {
    const char *schema;
    const char *name;
    bool new_in_release;
} Sequence;

typedef struct EnumType {
    const char *schema;
    const char *name;
    List values; /* const char* */
} EnumType;

/* A hash of objects whose struct starts with {schema, name} (Table, Index). */
typedef struct NameIndex {
    List *buckets;
    int nbuckets;
} NameIndex;

typedef struct Catalog {
    Arena *arena;     /* owns everything below, but for the strings when interned */
    /* Where its strings live (set right after catalog_new, before anything is
     * added; see catalog_str): NULL, in arena; else interned there, and its
     * copies share them. */
    Interner *strings;
    List schemas;     /* const char* */
    List tables;      /* Table*; change only through catalog_*_table (they keep the index) */
    List indexes;     /* Index*; change only through catalog_*_index */
    List views;       /* View*; change only through catalog_*_view */
    List sequences;   /* Sequence* */
    List enums;       /* EnumType*; change only through catalog_*_enum */
    List functions;   /* const char*: "schema.name" of each function or procedure created */
    List search_path; /* const char*; default {"public"} */
    /* Tables and indexes by name: histories reach thousands of them, and
     * every statement and every compatibility check looks some up. */
    NameIndex table_index;
    NameIndex index_index;
    NameIndex view_index;
    NameIndex enum_index;   /* every column's type is looked up among the enums */
    /* Foreign keys by the "schema.table" they reference (List* of Constraint*),
     * so that a table rename does not scan every table's constraints. Built
     * on first use (catalog_referencing); may hold constraints since dropped
     * or repointed, which is why callers check ref_table. */
    StrMap references;
    bool references_built;
    /* Every name a constraint has had (a superset of those it has now), so
     * that choosing a name PostgreSQL would choose (free among all the
     * schema's constraints) rarely scans them. Built on first use
     * (catalog_constraint_name_seen); catalog_note_constraint_name must
     * follow every constraint named or renamed. */
    StrMap constraint_names;
    bool constraint_names_built;
} Catalog;

Catalog *catalog_new(void);
/* A deep copy with an arena of its own (its strings shared when interned). */
Catalog *catalog_copy(const Catalog *c);
/* s, copied to live as long as c's strings: what every string stored in c
 * must be made with. Interned, so equal strings are the same pointer. */
const char *catalog_str(Catalog *c, const char *s);
void catalog_free(Catalog *c);

/* The only ways to change c->tables, so that lookups stay indexed. */
void catalog_add_table(Catalog *c, Table *t);
void catalog_remove_table(Catalog *c, Table *t);
void catalog_rename_table(Catalog *c, Table *t, const char *schema, const char *name);
void catalog_add_index(Catalog *c, Index *ix);
void catalog_remove_index(Catalog *c, Index *ix);
void catalog_rename_index(Catalog *c, Index *ix, const char *schema, const char *name);
void catalog_add_view(Catalog *c, View *v);
void catalog_remove_view(Catalog *c, View *v);
void catalog_rename_view(Catalog *c, View *v, const char *name);
/* Moves a view or an enum type to another schema, keeping its name. */
void catalog_move_view(Catalog *c, View *v, const char *schema);
void catalog_move_enum(Catalog *c, EnumType *e, const char *schema);
void catalog_add_enum(Catalog *c, EnumType *e);
void catalog_remove_enum(Catalog *c, EnumType *e);
void catalog_rename_enum(Catalog *c, EnumType *e, const char *name);

/* The foreign keys that may reference the table qualified names ("schema.
 * table"): a superset, check each one's ref_table. catalog_note_reference
 * must follow every foreign key added to a table or repointed. */
const List *catalog_referencing(Catalog *c, const char *qualified);
void catalog_note_reference(Catalog *c, Constraint *k);

/* false: no constraint of c is named name. true: one may be (look). */
bool catalog_constraint_name_seen(Catalog *c, const char *name);
void catalog_note_constraint_name(Catalog *c, const char *name);

/* Lookups. schema NULL means "first match along search_path". */
Table *catalog_find_table(const Catalog *c, const char *schema, const char *name);
Column *catalog_find_column(const Table *t, const char *name);
Constraint *catalog_find_constraint(const Table *t, const char *name);
Index *catalog_find_index(const Catalog *c, const char *schema, const char *name);
View *catalog_find_view(const Catalog *c, const char *schema, const char *name);
Sequence *catalog_find_sequence(const Catalog *c, const char *schema, const char *name);
EnumType *catalog_find_enum(const Catalog *c, const char *schema, const char *name);
bool catalog_has_schema(const Catalog *c, const char *schema);

/* The schema an unqualified new object goes to: the first on search_path. */
const char *catalog_creation_schema(const Catalog *c);

/* "schema.name", or just name in the public schema, for messages. */
const char *catalog_display_name(Arena *a, const char *schema, const char *name);
/* The same for an already qualified "schema.name" (no copy is made). */
const char *catalog_display(const char *qualified);
/* The table a qualified "schema.name" (as Actions record it) names, or NULL. */
Table *catalog_find_qualified(const Catalog *c, const char *qualified);
View *catalog_find_qualified_view(const Catalog *c, const char *qualified);

/* Renders a column's type as SQL: "varchar(32)", "numeric(10,2)", "int4[]". */
const char *catalog_type_sql(Arena *a, const Column *col);

/* An identifier as SQL: bare when PostgreSQL would fold it to itself, else
 * in double quotes. */
const char *catalog_quote_ident(Arena *a, const char *id);

/* An index's definition after its name, as SQL: "ON orders USING gin (tags)
 * WHERE ...". The table is qualified unless it lives in public. */
const char *catalog_index_def(Arena *a, const Index *ix);

#endif
