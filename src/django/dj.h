/*
 * dj.h — internal to src/django/: the project state (apps → models →
 * fields), as Django's migration state keeps it, and the SQL generator that
 * turns operations into what Django's PostgreSQL schema editor emits.
 */
#ifndef ZDM_DJANGO_DJ_H
#define ZDM_DJANGO_DJ_H

#include "py.h"

typedef struct DjField {
    const char *name;
    const char *cls;      /* "CharField", "ForeignKey", "ArrayField" */
    const PyNode *call;   /* the constructor call as written (NULL: made by zdm) */
    const char *column;   /* db_column, name, or name + "_id" for a ForeignKey */
    bool null, unique, primary_key, db_index, blank;
    bool relation, m2m;   /* ForeignKey / OneToOneField / ManyToManyField */
    const char *to;       /* relations: "app.model" in lower case */
    const char *to_field; /* relations: to_field, NULL for the primary key */
    bool db_constraint;
    const char *through;  /* ManyToManyField: an explicit through model "app.model" */
    const char *m2m_table;/* ManyToManyField: db_table */
    const PyNode *dflt;   /* default=, or NULL */
    const PyNode *db_default;
    const char *collation;
    bool auto_now;        /* auto_now or auto_now_add: a default at migrate time */
    struct DjField *base; /* ArrayField: the base field */
    long size;            /* ArrayField size, -1 none */
    const char *written;  /* the class as written when zdm maps it to a built-in
                           * one (cls): "ParentalKey" taken as "ForeignKey" */
    bool manager;         /* a related manager (TaggableManager): no column, no table */
    bool sorted;          /* SortedManyToManyField: the through table has a sort column */
    const char *sort_column;
    bool unknown;         /* a class zdm could map to nothing: its column's type is
                           * Python's (db_type()); it is left out of the SQL */
    const char *max_length; /* a third-party class's own max_length: used when the
                             * call sets none, or always when max_length_forced */
    bool max_length_forced;
    unsigned known_flags; /* state.c's KF_* of a third-party class it knows */
    const char *db_type;  /* a third-party class whose db_type() is a type of its own: "serial" */
} DjField;

typedef struct DjIndex {
    const char *name;
    const PyNode *call;   /* models.Index(...), GinIndex(...) */
} DjIndex;

typedef struct DjModel {
    const char *app;
    const char *name;     /* as written: "Order" */
    const char *lname;    /* lower case: "order" */
    const char *db_table;
    List fields;          /* DjField* in order */
    List unique_together; /* List* of field names */
    List index_together;
    List indexes;         /* DjIndex* */
    List constraints;     /* const PyNode*: CheckConstraint / UniqueConstraint calls */
    const char *order_wrt;
    bool managed, proxy;
    const char *parent;   /* multi-table inheritance: "app.model" of the parent */
} DjModel;

/* Objects Django finds by introspecting the database (constraint and index
 * names): zdm keeps them as it emits them, so a later DROP names the same. */
typedef struct DbObj {
    const char *table;
    char kind;            /* 'p' pk, 'u' unique, 'f' fk, 'c' check, 'i' index, 'U' unique index */
    const char *cols;     /* "a,b" */
    const char *name;
} DbObj;

typedef struct DjState {
    Arena *a;
    List models;          /* DjModel* */
    List objs;            /* DbObj* */
    List external;        /* const char*: app labels zdm does not have the migrations of */
    const char *user_model; /* settings.AUTH_USER_MODEL, "auth.user" */
    const char *lost;     /* "file:line" of the first operation zdm could not
                           * follow: the state may lack what it did */
    const PyEnv *settings;  /* the project's literal settings (django.c), for
                             * swappable models named settings.X; or NULL */
} DjState;

/* What zdm assumed or could not follow in an operation, told to the user as
 * a finding at the operation once the analysis has run (advice.c). */
typedef struct DjNote {
    int op;               /* index in Gen.ops */
    int line, col;        /* where in the .py file */
    const char *rule;     /* "django-assumed", "not-analysed" */
    const char *message;
    const char *fix;
    const char *origin;   /* the operation's label, filled when the migration is done */
    int op_line;          /* the operation's line: two operations may share a label */
} DjNote;

/* One operation, as the plan names it. */
typedef struct DjOp {
    const PyNode *call;
    const char *kind;     /* "AddField" */
    const char *label;    /* "AddField customers.Customer.company_address" */
    const char *describe; /* Django's describe(): "Add field company_address to customer" */
    const char *model;    /* "app.Model" it changes, or NULL */
    const char *field;    /* the field it changes, or NULL */
    bool python;          /* RunPython */
    bool custom;          /* an operation class zdm does not know */
    const char *not_analysed; /* why zdm could not follow it, or NULL */
    bool remark;          /* no operation: a word about the migration (a dependency
                           * zdm cannot read) */
    bool notice;          /* it failed after an earlier operation zdm could not
                           * follow, which may explain it: a notice */
    int line, col, end_line;
} DjOp;

/* A statement range of the generated text and the operation it comes from. */
typedef struct DjChunk {
    int start, end;
    int op;               /* index in ops, -1 for BEGIN/COMMIT */
    bool python;          /* a RunPython placeholder, no SQL */
} DjChunk;

typedef struct Gen {
    Arena *a;
    DjState *st;
    int version;          /* 32 ... 52 */
    const char *file;
    const char *app;      /* the migration's app */
    StrBuf out;
    List chunks;          /* DjChunk* */
    List deferred;        /* Deferred* (state.c) */
    List ops;             /* DjOp* */
    int op;               /* the top-level operation being generated, -1 none */
    int nesting;          /* inside SeparateDatabaseAndState / state_operations */
    bool no_sql;          /* state operations: change the state, emit nothing */
    List notes;           /* DjNote* */
    const char *unrendered; /* set by an expression zdm cannot render (state.c) */
    ZdmError *err;
} Gen;

/* Generates the SQL of one migration's operations into g->out (g->ops filled
 * per operation). Returns 0 or -1 with err at the operation. */
int dj_generate(Gen *g, const PyMigration *pm);

DjModel *dj_find_model(DjState *st, const char *app, const char *name);

/* Django's names_digest/_create_index_name (names.c). */
const char *dj_index_name(Arena *a, const char *table, const char *const *cols, int ncols,
                          const char *suffix);
/* PostgreSQL's makeObjectName: "t_col_key" truncated to 63 bytes. */
const char *dj_pg_name(Arena *a, const char *name1, const char *name2, const char *label);
void dj_md5_hex(const char *data, size_t len, char out[33]);

#endif
