/*
 * state.c — Django operations applied to the project state, and the SQL
 * Django's PostgreSQL schema editor emits for each.
 *
 * The code follows django/db/backends/base/schema.py and postgresql/schema.py
 * (3.2; later versions where they differ) function by function, so that the
 * SQL can be checked against `manage.py sqlmigrate` statement by statement
 * (tests/django/run does). Django finds the names of constraints and indexes
 * it drops by introspecting the database; zdm keeps a record of every one it
 * creates (DbObj) and looks them up there instead.
 *
 * Statements a schema editor defers (foreign keys and indexes of a new
 * table, indexes of a new field) run when the migration ends, as Django runs
 * them; each still points at the operation it comes from.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dj.h"

typedef struct Deferred {
    const char *sql;
    const char *table;  /* it references, to drop it with the table or column */
    const char *column;
    int op;
} Deferred;

/* ---- small helpers --------------------------------------------------- */

static char *lower(Arena *a, const char *s)
{
    char *r = arena_strdup(a, s ? s : "");
    for (char *p = r; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

static const char *q(Arena *a, const char *id) { return arena_printf(a, "\"%s\"", id); }

static bool is_cls(const DjField *f, const char *cls) { return f && util_streq(f->cls, cls); }

static bool is_auto(const DjField *f)
{
    return is_cls(f, "AutoField") || is_cls(f, "BigAutoField") || is_cls(f, "SmallAutoField");
}

static bool is_fk(const DjField *f) { return f->relation && !f->m2m; }

static int fail_at(Gen *g, const PyNode *n, const char *fmt, const char *arg)
{
    const DjOp *op = g->op >= 0 && g->op < g->ops.len ? LIST_GET(&g->ops, g->op) : NULL;
    int line = n ? n->line : op ? op->line : 0, col = n ? n->col : op ? op->col : 0;
    return zdm_error(g->err, g->file, line, col, fmt, arg);
}

/* An assumption or a gap, reported at the operation after the analysis. */
static void note(Gen *g, const PyNode *at, const char *rule, const char *message, const char *fix)
{
    if (g->no_sql && g->nesting > 1 && strcmp(rule, "not-analysed") == 0)
        return; /* state_operations: no SQL of theirs is judged */
    const DjOp *op = g->op >= 0 && g->op < g->ops.len ? LIST_GET(&g->ops, g->op) : NULL;
    for (int i = 0; i < g->notes.len; i++) { /* one per operation and message */
        const DjNote *n = LIST_GET(&g->notes, i);
        if (n->op == g->op && strcmp(n->message, message) == 0)
            return;
    }
    DjNote *n = arena_alloc(g->a, sizeof *n);
    n->op = g->op;
    n->line = at && at->line ? at->line : op ? op->line : 0;
    n->col = at && at->line ? at->col : op ? op->col : 0;
    n->rule = rule;
    n->message = message;
    n->fix = fix;
    list_push(g->a, &g->notes, n);
}

/* ---- the record of what the database holds ---------------------------- */

static void obj_add(Gen *g, const char *table, char kind, const char *cols, const char *name)
{
    DbObj *o = arena_alloc(g->a, sizeof *o);
    o->table = table;
    o->kind = kind;
    o->cols = cols;
    o->name = name;
    list_push(g->a, &g->st->objs, o);
}

/* Names of the objects of kind on table over exactly cols (NULL: any). */
static void obj_find(Gen *g, const char *table, char kind, const char *cols, List *out)
{
    for (int i = 0; i < g->st->objs.len; i++) {
        DbObj *o = LIST_GET(&g->st->objs, i);
        if (o->table && o->kind == kind && strcmp(o->table, table) == 0 &&
            (!cols || strcmp(o->cols, cols) == 0))
            list_push(g->a, out, o);
    }
}

static void obj_drop(Gen *g, DbObj *o)
{
    (void)g;
    o->table = NULL;
}

static bool col_in(const char *cols, const char *col)
{
    size_t n = strlen(col);
    for (const char *p = cols; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, col, n) == 0)
            return true;
        p = c ? c + 1 : NULL;
    }
    return false;
}

/* ---- emitting -------------------------------------------------------- */

static void emit_chunk(Gen *g, const char *sql, int op, bool python)
{
    DjChunk *c = arena_alloc(g->a, sizeof *c);
    c->start = (int)g->out.len;
    sb_append(&g->out, sql);
    c->end = (int)g->out.len;
    c->op = op;
    c->python = python;
    sb_append(&g->out, "\n");
    list_push(g->a, &g->chunks, c);
}

/* One statement (or several on one line, as Django sometimes writes them). */
/* Was an expression of the statement about to go out one zdm cannot render?
 * Then the statement stays out, and the operation is reported. */
static bool unrendered(Gen *g)
{
    if (!g->unrendered)
        return false;
    if (!g->no_sql)
        note(g, NULL, "not-analysed",
             arena_printf(g->a, "zdm cannot analyse this operation: it cannot render %s as the SQL Django makes, so "
                                "it left that statement out of the analysis", g->unrendered),
             "1. check the SQL with python manage.py sqlmigrate APP MIGRATION: which tables it locks, for how\n"
             "   long, and what it changes\n"
             "2. then acknowledge it: # zdm: allow not-analysed <reason> above the operation");
    g->unrendered = NULL;
    return true;
}

static void emit(Gen *g, const char *sql)
{
    if (unrendered(g) || g->no_sql)
        return;
    size_t n = strlen(sql);
    while (n > 0 && isspace((unsigned char)sql[n - 1]))
        n--;
    emit_chunk(g, n && sql[n - 1] == ';' ? arena_strndup(g->a, sql, n)
                                        : arena_printf(g->a, "%.*s;", (int)n, sql),
               g->op, false);
}

static void defer(Gen *g, const char *sql, const char *table, const char *column)
{
    if (unrendered(g) || g->no_sql)
        return;
    Deferred *d = arena_alloc(g->a, sizeof *d);
    d->sql = sql;
    d->table = table;
    d->column = column;
    d->op = g->op;
    list_push(g->a, &g->deferred, d);
}

static void drop_deferred(Gen *g, const char *table, const char *column)
{
    for (int i = 0; i < g->deferred.len; i++) {
        Deferred *d = LIST_GET(&g->deferred, i);
        if (d->table && strcmp(d->table, table) == 0 &&
            (!column || (d->column && strcmp(d->column, column) == 0)))
            d->sql = NULL;
    }
}

/* ---- models and fields ----------------------------------------------- */

DjModel *dj_find_model(DjState *st, const char *app, const char *name)
{
    if (!name)
        return NULL;
    /* the last dot: a second package's app is "label@folder", and folders have dots */
    const char *dot = strrchr(name, '.');
    char buf[256], abuf[1024];
    if (dot) {
        snprintf(abuf, sizeof abuf, "%.*s", (int)(dot - name), name);
        app = abuf;
        name = dot + 1;
    }
    snprintf(buf, sizeof buf, "%s", name);
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (int i = st->models.len - 1; i >= 0; i--) {
        DjModel *m = LIST_GET(&st->models, i);
        if (strcmp(m->lname, buf) == 0 && (!app || strcasecmp(m->app, app) == 0)) /* keys are lower case */
            return m;
    }
    return NULL;
}

static DjField *find_field(const DjModel *m, const char *name)
{
    for (int i = 0; m && i < m->fields.len; i++) {
        DjField *f = LIST_GET(&m->fields, i);
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static DjField *pk_of(const DjModel *m)
{
    for (int i = 0; m && i < m->fields.len; i++) {
        DjField *f = LIST_GET(&m->fields, i);
        if (f->primary_key)
            return f;
    }
    return NULL;
}

/* The model a relation names: "app.Model", "Model" (this app), "self",
 * settings.AUTH_USER_MODEL or another swappable setting → "app.model";
 * NULL when zdm cannot tell (a notice says so, see field_new). */
static const char *model_ref(Gen *g, const PyNode *to, const char *self_key)
{
    if (!to)
        return NULL;
    if (to->kind == PY_NAME && util_streq(py_last(to->s), "AUTH_USER_MODEL"))
        return g->st->user_model ? g->st->user_model : "auth.user";
    if (to->kind == PY_NAME && strncmp(to->s, "settings.", 9) == 0) {
        const char *v = g->st->settings ? py_str(py_env_get(g->st->settings, to->s + 9)) : NULL;
        return v && strchr(v, '.') ? lower(g->a, v) : NULL;
    }
    const char *s = py_str(to);
    if (!s || !*s || to->fstring)
        return NULL;
    if (strcmp(s, "self") == 0)
        return self_key;
    if (strchr(s, '.'))
        return lower(g->a, s);
    const char *at = strchr(g->app, '@');
    if (at && !dj_find_model(g->st, g->app, s)) /* a second package of a label: a model it did not
                                                  * make is the label's, as Django reads "Model" */
        return lower(g->a, arena_printf(g->a, "%.*s.%s", (int)(at - g->app), g->app, s));
    return lower(g->a, arena_printf(g->a, "%s.%s", g->app, s));
}

/* ---- field classes ---------------------------------------------------- */

/* Django's own field classes (django.db.models and contrib.postgres). */
static const char *const builtin_fields[] = {
    "AutoField", "BigAutoField", "SmallAutoField", "CharField", "SlugField", "EmailField", "URLField",
    "FileField", "ImageField", "FilePathField", "CommaSeparatedIntegerField", "TextField",
    "DecimalField", "BinaryField", "BooleanField", "NullBooleanField", "DateField", "DateTimeField",
    "DurationField", "FloatField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "IPAddressField",
    "GenericIPAddressField", "JSONField", "TimeField", "UUIDField", "GeneratedField", "ForeignKey",
    "OneToOneField", "ManyToManyField", "ArrayField", "HStoreField", "CICharField", "CIEmailField",
    "CITextField", "IntegerRangeField", "BigIntegerRangeField", "DecimalRangeField",
    "FloatRangeField", "DateTimeRangeField", "DateRangeField", "SearchVectorField", NULL};

/* Well-known third-party relation fields, by what they are underneath:
 * subclasses of ForeignKey / OneToOneField / ManyToManyField that change
 * only Python behaviour, and related managers that add no column. */
static const char *const known_relations[][2] = {
    {"ParentalKey", "ForeignKey"},                 /* modelcluster (Wagtail) */
    {"TreeForeignKey", "ForeignKey"},              /* django-mptt */
    {"TreeOneToOneField", "OneToOneField"},        /* django-mptt */
    {"TreeManyToManyField", "ManyToManyField"},    /* django-mptt */
    {"ParentalManyToManyField", "ManyToManyField"},/* modelcluster */
    {"OrderedManyToManyField", "ManyToManyField"}, /* django-ordered-m2m */
    {"SortedManyToManyField", "ManyToManyField"},  /* django-sortedm2m: + a sort column */
    {"TaggableManager", "manager"},                /* django-taggit: a generic relation */
    {"ClusterTaggableManager", "manager"},         /* modelcluster's taggit manager */
    {"GenericRelation", "manager"},                /* contenttypes: no column */
};

/*
 * Well-known third-party field classes, by the built-in class their column
 * is underneath: what each library's __init__ and db_type() give on
 * PostgreSQL, read from its source (the comment names the file). A class
 * is matched by its top-level package and its name, as makemigrations
 * writes it ("django_countries.fields.CountryField"), so that classes that
 * moved inside their package still match; a bare name (a from-import)
 * matches only when every entry of that name says the same. max_length is
 * what the class sets when the call gives none (KF_ML_FORCED: whatever the
 * call gives).
 */
enum {
    KF_ML_FORCED = 1,   /* __init__ sets max_length over the caller's */
    KF_NULL = 2,        /* __init__ sets null=True and blank=True over the caller's */
    KF_DEFAULT_EMPTY = 4,/* __init__ sets default="" over the caller's */
    KF_ML_LENGTH = 8,   /* max_length is the call's length= */
    KF_ML_FLAGS = 16,   /* max_length is num_flags= (default 8), so is the default's length */
    KF_COUNTRIES = 32,  /* multiple=True: a length computed from the country list */
    KF_JSONFIELD = 64,  /* the column type depends on the library's version */
    KF_MARKUP = 128,    /* its companion columns are fields of their own only with rendered_field=True */
};

typedef struct KnownField {
    const char *pkg, *cls; /* top-level package, class name */
    const char *as;        /* the built-in class underneath; "manager": no column;
                            * "Field": none, the type is db_type */
    const char *max_length;
    unsigned flags;
    const char *db_type;   /* what its db_type() returns on PostgreSQL, when no built-in gives it */
} KnownField;

static const KnownField known_fields[] = {
    /* django-countries fields.py: CountryField(CharField), max_length the
     * longest code (2); multiple=True: codes joined by "," */
    {"django_countries", "CountryField", "CharField", "2", KF_COUNTRIES, NULL},
    /* django-phonenumber-field modelfields.py: PhoneNumberField(CharField),
     * kwargs.setdefault("max_length", 128) */
    {"phonenumber_field", "PhoneNumberField", "CharField", "128", 0, NULL},
    /* django-timezone-field fields.py: get_internal_type() "CharField",
     * default_max_length = 63 (left out of migrations when 63) */
    {"timezone_field", "TimeZoneField", "CharField", "63", 0, NULL},
    /* django-model-utils fields.py */
    {"model_utils", "StatusField", "CharField", "100", 0, NULL},        /* setdefault('max_length', 100) */
    {"model_utils", "MonitorField", "DateTimeField", NULL, 0, NULL},
    {"model_utils", "AutoCreatedField", "DateTimeField", NULL, 0, NULL},
    {"model_utils", "AutoLastModifiedField", "DateTimeField", NULL, 0, NULL},
    {"model_utils", "UUIDField", "UUIDField", NULL, 0, NULL},           /* models.UUIDField */
    {"model_utils", "UrlsafeTokenField", "CharField", "128", 0, NULL},  /* max_length=128 */
    {"model_utils", "SplitField", "TextField", NULL, 0, NULL}, /* + _<name>_excerpt, a field of its own */
    /* django-extensions db/fields/__init__.py and db/fields/json.py */
    {"django_extensions", "AutoSlugField", "SlugField", NULL, 0, NULL},
    {"django_extensions", "RandomCharField", "CharField", NULL, KF_ML_LENGTH, NULL}, /* max_length = length */
    {"django_extensions", "CreationDateTimeField", "DateTimeField", NULL, 0, NULL},
    {"django_extensions", "ModificationDateTimeField", "DateTimeField", NULL, 0, NULL},
    {"django_extensions", "ShortUUIDField", "CharField", "22", 0, NULL},  /* DEFAULT_MAX_LENGTH = 22 */
    {"django_extensions", "UUIDField", "CharField", "36", 0, NULL},      /* UUIDFieldMixin: 36 */
    {"django_extensions", "JSONField", "TextField", NULL, 0, NULL},      /* json.JSONField(TextField) */
    /* jsonfield fields.py: JSONField(JSONFieldBase, TextField) from 2.0;
     * 0.9-1.x returned "json" from db_type() on PostgreSQL 9.3+ */
    {"jsonfield", "JSONField", "TextField", NULL, KF_JSONFIELD, NULL},
    {"jsonfield", "JSONCharField", "CharField", NULL, 0, NULL},
    /* django-colorfield fields.py: ColorField(CharField), setdefault('max_length', 18) */
    {"colorfield", "ColorField", "CharField", "18", 0, NULL},
    /* django-markupfield fields.py: MarkupField(TextField) */
    {"markupfield", "MarkupField", "TextField", NULL, KF_MARKUP, NULL},
    /* django-autoslug fields.py: AutoSlugField(SlugField) */
    {"autoslug", "AutoSlugField", "SlugField", NULL, 0, NULL},
    /* django-annoying fields.py: AutoOneToOneField(OneToOneField) */
    {"annoying", "AutoOneToOneField", "OneToOneField", NULL, 0, NULL},
    /* nautobot core/models/fields.py, dcim/fields.py, ipam/fields.py,
     * extras/models/statuses.py and roles.py */
    {"nautobot", "AutoSlugField", "SlugField", "100", 0, NULL},      /* django-extensions', setdefault 100 */
    {"nautobot", "ColorField", "CharField", "6", KF_ML_FORCED, NULL},
    {"nautobot", "MACAddressCharField", "CharField", "18", KF_ML_FORCED, NULL},
    {"nautobot", "NaturalOrderingField", "CharField", NULL, 0, NULL},
    {"nautobot", "JSONArrayField", "JSONField", NULL, 0, NULL},      /* models.JSONField, not an array */
    {"nautobot", "JSONPathField", "JSONField", NULL, 0, NULL},       /* a JSONArrayField */
    {"nautobot", "LaxURLField", "URLField", NULL, 0, NULL},
    {"nautobot", "PositiveRangeNumberTextField", "TextField", NULL, 0, NULL},
    {"nautobot", "ASNField", "BigIntegerField", NULL, 0, NULL},
    {"nautobot", "VarbinaryIPField", "BinaryField", NULL, 0, NULL},  /* db_type() "bytea" on PostgreSQL */
    {"nautobot", "MACAddressField", "Field", NULL, 0, "macaddr"}, /* dcim/fields.py: db_type() "macaddr" */
    {"nautobot", "TagsField", "manager", NULL, 0, NULL},             /* a TaggableManager */
    {"nautobot", "StatusField", "ForeignKey", NULL, 0, NULL},        /* to extras.Status */
    {"nautobot", "RoleField", "ForeignKey", NULL, 0, NULL},          /* to extras.Role */
    {"nautobot", "ForeignKeyWithAutoRelatedName", "ForeignKey", NULL, 0, NULL},
    {"nautobot", "ForeignKeyLimitedByContentTypes", "ForeignKey", NULL, 0, NULL},
    /* django-oscar models/fields/__init__.py and autoslugfield.py */
    {"oscar", "NullCharField", "CharField", NULL, KF_NULL, NULL}, /* null = blank = True, not in migrations */
    {"oscar", "AutoSlugField", "SlugField", NULL, 0, NULL},
    {"oscar", "UppercaseCharField", "CharField", NULL, 0, NULL},
    {"oscar", "PositiveDecimalField", "DecimalField", NULL, 0, NULL},
    {"oscar", "ExtendedURLField", "CharField", "200", 0, NULL},      /* left out of migrations when 200 */
    {"oscar", "PhoneNumberField", "CharField", "128", 0, NULL},      /* phonenumber_field's */
    /* baserow core/fields.py and core/formula/field.py */
    {"baserow", "FormulaField", "TextField", NULL, KF_NULL | KF_DEFAULT_EMPTY, NULL},
    {"baserow", "SyncedDateTimeField", "DateTimeField", NULL, 0, NULL},
    {"baserow", "MultipleFlagField", "CharField", NULL, KF_ML_FLAGS, NULL},
    {"baserow", "AutoOneToOneField", "OneToOneField", NULL, 0, NULL},
    /* contrib/database/fields/fields.py: SerialField(models.Field), db_type() "serial" */
    {"baserow", "SerialField", "Field", NULL, 0, "serial"},
    /* django-cms models/settingmodels.py: PlaceholderForeignKey(ForeignKey) */
    {"cms", "PlaceholderForeignKey", "ForeignKey", NULL, 0, NULL},
};

/* The entry for a class as the migration writes it, or NULL. */
static const KnownField *known_field(const char *callee)
{
    if (!callee)
        return NULL;
    const char *last = py_last(callee), *dot = strchr(callee, '.');
    const KnownField *only = NULL;
    int n = 0;
    for (size_t i = 0; i < sizeof known_fields / sizeof known_fields[0]; i++) {
        const KnownField *e = &known_fields[i];
        if (strcmp(e->cls, last) != 0)
            continue;
        if (dot && strlen(e->pkg) == (size_t)(dot - callee) && strncmp(callee, e->pkg, (size_t)(dot - callee)) == 0)
            return e;
        /* a bare name: several packages' classes of that name only if they agree */
        if (only && (strcmp(only->as, e->as) != 0 || !util_streq(only->max_length, e->max_length) ||
                     only->flags != e->flags))
            n++;
        only = e;
    }
    return !dot && n == 0 ? only : NULL;
}

static bool builtin(const char *cls)
{
    for (int i = 0; builtin_fields[i]; i++)
        if (strcmp(cls, builtin_fields[i]) == 0)
            return true;
    return false;
}

/* "NullCharField" → "CharField": the longest built-in class name the
 * class's name ends with, as subclasses are usually named; or NULL. */
static const char *builtin_suffix(const char *cls)
{
    const char *best = NULL;
    size_t n = strlen(cls);
    for (int i = 0; builtin_fields[i]; i++) {
        size_t k = strlen(builtin_fields[i]);
        if (k < n && strcmp(cls + n - k, builtin_fields[i]) == 0 && (!best || k > strlen(best)))
            best = builtin_fields[i];
    }
    return best;
}

/* A class of the table: the built-in class it is, and what its __init__
 * sets that the migration does not say. Where the column's type still
 * depends on something zdm cannot see, a notice says what it took. */
static void known_class(Gen *g, DjField *f, const PyNode *call, const KnownField *k)
{
    f->manager = strcmp(k->as, "manager") == 0;
    f->cls = f->manager ? "ManyToManyField" : k->as;
    f->max_length = k->max_length;
    f->max_length_forced = (k->flags & KF_ML_FORCED) != 0;
    f->known_flags = k->flags;
    f->db_type = k->db_type;
    if (k->flags & KF_ML_LENGTH) { /* RandomCharField(length=N): max_length = N, always */
        const PyNode *n = py_kwarg(call, "length");
        f->max_length = n && n->kind == PY_NUM ? n->s : NULL;
        f->max_length_forced = true;
    }
    if (k->flags & KF_ML_FLAGS) { /* MultipleFlagField(num_flags=8): setdefault("max_length", num_flags) */
        const PyNode *n = py_arg(call, 0, "num_flags");
        f->max_length = n && n->kind == PY_NUM ? n->s : "8";
    }
    const char *caveat = NULL;
    if ((k->flags & KF_COUNTRIES) && py_truthy(py_kwarg(call, "multiple"), false) && !py_kwarg(call, "max_length")) {
        f->max_length = "746"; /* 249 codes of 2 letters, joined by "," */
        caveat = "multiple=True without max_length: the length django-countries computes from its country "
                 "list; zdm took varchar(746), the 249 ISO 3166-1 codes joined by \",\"";
    }
    if (k->flags & KF_JSONFIELD)
        caveat = "zdm took it for a TextField (jsonfield 2.0 and later); jsonfield 0.9 to 1.x made a json "
                 "column on PostgreSQL 9.3+";
    if ((k->flags & KF_MARKUP) && !py_truthy(py_kwarg(call, "rendered_field"), false))
        caveat = "without rendered_field=True, MarkupField adds its _rendered and _markup_type columns "
                 "itself; zdm took only its own text column";
    if (caveat && !g->no_sql)
        note(g, call, "django-assumed", arena_printf(g->a, "%s: %s", f->written, caveat),
             "Check the SQL Django makes for it (python manage.py sqlmigrate APP MIGRATION); if zdm's "
             "assumption holds,\nacknowledge it: # zdm: allow django-assumed <reason> above the operation");
}

/* A field class zdm does not know: the well-known relations by what they
 * are; others by their shape (on_delete= makes a ForeignKey, a name ending
 * in a built-in class's name a subclass of it), each with a notice saying
 * what zdm took it for; the rest add a column whose type is Python's. */
static void classify(Gen *g, DjField *f, const PyNode *call)
{
    const char *cls = f->cls, *callee = py_callee(call);
    /* a dotted name of a known package first: jsonfield.fields.JSONField is
     * no models.JSONField; a bare name that is a built-in one stays built-in */
    const KnownField *k = callee && strchr(callee, '.') ? known_field(callee) : NULL;
    if (!k && builtin(cls))
        return;
    if (!k)
        k = known_field(callee);
    f->written = cls;
    if (k) {
        known_class(g, f, call, k);
        return;
    }
    for (size_t i = 0; i < sizeof known_relations / sizeof known_relations[0]; i++)
        if (strcmp(cls, known_relations[i][0]) == 0) {
            if (strcmp(known_relations[i][1], "manager") == 0) {
                f->cls = "ManyToManyField";
                f->manager = true;
            } else {
                f->cls = known_relations[i][1];
            }
            f->sorted = strcmp(cls, "SortedManyToManyField") == 0;
            return;
        }
    const char *fix = "Check the SQL Django makes for it (python manage.py sqlmigrate APP MIGRATION); if zdm's "
                      "assumption holds,\nacknowledge it: # zdm: allow django-assumed <reason> above the operation";
    const char *as = NULL, *why = NULL;
    if (py_kwarg(call, "on_delete")) {
        as = strstr(cls, "OneToOne") ? "OneToOneField" : "ForeignKey";
        why = "it has on_delete=";
    } else if (builtin_suffix(cls) && (strcmp(builtin_suffix(cls), "ArrayField") != 0 ||
                                       py_arg(call, 0, "base_field"))) {
        as = builtin_suffix(cls);
        why = "its name ends so";
    } else if ((strstr(cls, "Manager") || strstr(cls, "ManyToMany")) && py_arg(call, 0, "to")) {
        as = "ManyToManyField";
        why = "it names a model with to=";
        f->manager = strstr(cls, "ManyToMany") == NULL;
    } else if (py_kwarg(call, "through") && py_arg(call, 0, "to")) {
        as = "ManyToManyField"; /* through= is a many-to-many's: nautobot's TagsField */
        why = "it has through=";
    }
    if (as) {
        f->cls = f->manager ? "ManyToManyField" : as;
        if (!g->no_sql)
            note(g, call, "django-assumed",
                 f->manager ? arena_printf(g->a, "zdm does not know the field class %s: it took it for a related "
                                                 "manager, which adds no column (%s)", cls, why)
                            : arena_printf(g->a, "zdm does not know the field class %s: it took it for %s %s (%s), "
                                                 "and judged the SQL Django makes for it", cls,
                                           strchr("AEI", as[0]) ? "an" : "a" /* a URLField, a OneToOneField */, as, why),
                 fix);
        return;
    }
    f->unknown = true;
}

static DjField *field_new(Gen *g, const char *model_key, const char *name, const PyNode *call)
{
    DjField *f = arena_alloc(g->a, sizeof *f);
    f->name = name;
    f->call = call;
    f->cls = py_last(py_callee(call));
    if (!f->cls)
        f->cls = "?";
    classify(g, f, call);
    f->null = py_truthy(py_kwarg(call, "null"), false);
    f->blank = py_truthy(py_kwarg(call, "blank"), false);
    f->primary_key = py_truthy(py_kwarg(call, "primary_key"), false);
    f->unique = py_truthy(py_kwarg(call, "unique"), false) || f->primary_key ||
                is_cls(f, "OneToOneField");
    bool dflt_index = is_cls(f, "ForeignKey") || is_cls(f, "OneToOneField") || is_cls(f, "SlugField");
    f->db_index = py_truthy(py_kwarg(call, "db_index"), dflt_index);
    f->relation = is_cls(f, "ForeignKey") || is_cls(f, "OneToOneField") || is_cls(f, "ManyToManyField") ||
                  f->manager;
    f->m2m = is_cls(f, "ManyToManyField") || f->manager;
    f->db_constraint = py_truthy(py_kwarg(call, "db_constraint"), true);
    f->size = -1;
    if (f->relation) {
        const PyNode *to = py_arg(call, 0, "to");
        f->to = model_ref(g, to, model_key);
        f->to_field = py_str(py_kwarg(call, "to_field"));
        const PyNode *through = py_kwarg(call, "through");
        f->through = model_ref(g, through, model_key);
        if (through && through->kind != PY_NONE && !f->through)
            f->through = "?"; /* a through model zdm cannot name: its own migrations make it */
        if (f->manager && !f->through)
            f->through = "taggit.taggeditem"; /* the generic through model: no table of the field's */
        f->m2m_table = py_str(py_kwarg(call, "db_table"));
        if (!f->to && !f->manager && !g->no_sql)
            note(g, to ? to : call, "django-assumed",
                 arena_printf(g->a, "%s \"%s\": zdm cannot tell which model to=%s names%s", f->cls, name,
                              to ? py_render(g->a, to) : "(missing)",
                              f->m2m ? ", so it assumed no table for the relation"
                                     : arena_printf(g->a, "; it assumed the column \"%s_id\" is integer (an "
                                                          "AutoField key) and left out its foreign key", name)),
                 "Write to= as a string \"app_label.ModelName\" or settings.AUTH_USER_MODEL (as makemigrations "
                 "does), or\nacknowledge it: # zdm: allow django-assumed <reason> above the operation");
        if (f->sorted) {
            f->sort_column = py_str(py_kwarg(call, "sort_value_field_name"));
            if (!f->sort_column)
                f->sort_column = "sort_value";
            f->sorted = py_truthy(py_kwarg(call, "sorted"), true);
        }
    }
    const char *db_column = py_str(py_kwarg(call, "db_column"));
    f->column = db_column ? db_column
                          : is_fk(f) ? arena_printf(g->a, "%s_id", name) : name;
    const PyNode *d = py_kwarg(call, "default");
    if (d && !(d->kind == PY_NAME && util_streq(py_last(d->s), "NOT_PROVIDED")))
        f->dflt = d;
    d = py_kwarg(call, "db_default");
    if (d && !(d->kind == PY_NAME && util_streq(py_last(d->s), "NOT_PROVIDED")))
        f->db_default = d;
    if (f->known_flags & KF_NULL) /* set by the class, so not in the migration */
        f->null = f->blank = true;
    if (f->known_flags & KF_DEFAULT_EMPTY) {
        PyNode *e = arena_alloc(g->a, sizeof *e);
        e->kind = PY_STR;
        e->s = "";
        f->dflt = e;
    }
    if ((f->known_flags & KF_ML_FLAGS) && !f->dflt) { /* default None: num_flags times "0" */
        long n = strtol(f->max_length, NULL, 10);
        PyNode *e = arena_alloc(g->a, sizeof *e);
        e->kind = PY_STR;
        e->s = n > 0 && n < 4096 ? arena_printf(g->a, "%0*d", (int)n, 0) : "";
        f->dflt = e;
    }
    f->collation = py_str(py_kwarg(call, "db_collation"));
    f->auto_now = py_truthy(py_kwarg(call, "auto_now"), false) ||
                  py_truthy(py_kwarg(call, "auto_now_add"), false);
    if (is_cls(f, "ArrayField")) {
        const PyNode *b = py_arg(call, 0, "base_field");
        if (b && b->kind == PY_CALL)
            f->base = field_new(g, model_key, name, b);
        f->size = py_int(py_kwarg(call, "size"), -1);
    }
    return f;
}

static const char *default_max_length(const char *cls)
{
    if (strcmp(cls, "EmailField") == 0 || strcmp(cls, "CIEmailField") == 0) return "254";
    if (strcmp(cls, "URLField") == 0) return "200";
    if (strcmp(cls, "SlugField") == 0) return "50";
    if (strcmp(cls, "FileField") == 0 || strcmp(cls, "ImageField") == 0 ||
        strcmp(cls, "FilePathField") == 0)
        return "100";
    return NULL;
}

static const char *field_type(Gen *g, const DjField *f);

/* The type of a column referencing f (ForeignKey → its target). */
static const char *rel_type(Gen *g, const DjField *target)
{
    if (!target || target->unknown)
        return "integer"; /* a model zdm has no migrations for: Django's own use AutoField */
    if (is_cls(target, "AutoField") || is_cls(target, "PositiveIntegerField")) return "integer";
    if (is_cls(target, "BigAutoField") || is_cls(target, "PositiveBigIntegerField")) return "bigint";
    if (is_cls(target, "SmallAutoField") || is_cls(target, "PositiveSmallIntegerField")) return "smallint";
    return field_type(g, target);
}

/*
 * Models zdm has no migrations for (django.contrib's, a third-party app's,
 * a swapped user model outside the checkout). django.contrib's keys are
 * known: their 0001_initial migrations give every model an AutoField id, but
 * sessions.Session its session_key varchar(40), the same in 3.2, 4.2 and 5.2
 * (django/contrib/{auth,contenttypes,sites,admin,flatpages,redirects,sessions}
 * /migrations/0001_initial.py).
 */
static const char *const contrib_models[][4] = { /* model, table, key column, key type */
    {"auth.user", "auth_user", "id", "integer"},
    {"auth.group", "auth_group", "id", "integer"},
    {"auth.permission", "auth_permission", "id", "integer"},
    {"contenttypes.contenttype", "django_content_type", "id", "integer"},
    {"sites.site", "django_site", "id", "integer"},
    {"admin.logentry", "django_admin_log", "id", "integer"},
    {"flatpages.flatpage", "django_flatpage", "id", "integer"},
    {"redirects.redirect", "django_redirect", "id", "integer"},
    {"sessions.session", "django_session", "session_key", "varchar(40)"},
};

static const char *const *contrib_model(const char *to)
{
    for (size_t i = 0; to && i < sizeof contrib_models / sizeof contrib_models[0]; i++)
        if (strcmp(contrib_models[i][0], to) == 0)
            return contrib_models[i];
    return NULL;
}

/* The type of a column referencing a model zdm has no migrations for: a
 * django.contrib model's key as above. Any other's is a guess, with a
 * notice: a third-party app ships its own migrations, which reusable apps
 * write with AutoField (Django asks them to pin AppConfig.default_auto_field
 * so that a project's DEFAULT_AUTO_FIELD does not change them): integer. A
 * swapped user model is the project's own: its DEFAULT_AUTO_FIELD. */
static const char *external_key_type(Gen *g, const DjField *f)
{
    const char *const *c = contrib_model(f->to);
    if (c && (!f->to_field || strcmp(f->to_field, c[2]) == 0))
        return c[3];
    bool user = f->to && g->st->user_model && strcmp(f->to, g->st->user_model) == 0;
    const char *daf = user && g->st->settings ? py_str(py_env_get(g->st->settings, "DEFAULT_AUTO_FIELD")) : NULL;
    const char *cls = daf ? py_last(daf) : "AutoField";
    const char *type = strcmp(cls, "BigAutoField") == 0 ? "bigint" : strcmp(cls, "SmallAutoField") == 0 ? "smallint"
                                                                                                          : "integer";
    const char *why = f->to_field ? arena_printf(g->a, "so it cannot see its field \"%s\"", f->to_field)
                    : user ? (daf ? arena_printf(g->a, "the project's user model (AUTH_USER_MODEL), so it took the "
                                                       "key DEFAULT_AUTO_FIELD = %s makes", daf)
                                  : "the project's user model (AUTH_USER_MODEL), so it took the key of Django's "
                                    "default AutoField (the settings set no DEFAULT_AUTO_FIELD)")
                           : "so it took the AutoField key a reusable app's own migrations give its models";
    if (f->to && !g->no_sql)
        note(g, f->call, "django-assumed",
             arena_printf(g->a, "%s \"%s\": zdm has no migrations that make %s, %s: it assumed the column \"%s\" "
                                "is %s",
                          f->cls, f->name, f->to, why, f->column, type),
             "Check the column's type against the key of the model it references (python manage.py sqlmigrate "
             "APP MIGRATION):\nthat app's migrations decide it; then acknowledge it: # zdm: allow django-assumed "
             "<reason> above the operation");
    return type;
}

static const DjField *target_field(Gen *g, const DjField *f)
{
    DjModel *to = dj_find_model(g->st, NULL, f->to);
    if (!to)
        return NULL;
    return f->to_field ? find_field(to, f->to_field) : pk_of(to);
}

static const char *field_type(Gen *g, const DjField *f)
{
    const char *c = f->cls;
    const PyNode *call = f->call;
    if (is_fk(f)) {
        const DjField *t = target_field(g, f);
        return t ? rel_type(g, t) : external_key_type(g, f);
    }
    if (f->m2m || f->unknown)
        return NULL;
    if (f->db_type)
        return f->db_type;
    bool identity = g->version >= 41;
    if (strcmp(c, "AutoField") == 0) return identity ? "integer" : "serial";
    if (strcmp(c, "BigAutoField") == 0) return identity ? "bigint" : "bigserial";
    if (strcmp(c, "SmallAutoField") == 0) return identity ? "smallint" : "smallserial";
    const char *ml = default_max_length(c);
    if (strcmp(c, "CharField") == 0 || strcmp(c, "CICharField") == 0 || ml ||
        strcmp(c, "CommaSeparatedIntegerField") == 0) {
        if (strcmp(c, "CICharField") == 0 || strcmp(c, "CIEmailField") == 0)
            return "citext";
        const PyNode *n = f->max_length_forced ? NULL : py_kwarg(call, "max_length");
        if (n && n->kind == PY_NUM)
            return arena_printf(g->a, "varchar(%s)", py_num_sql(g->a, n));
        if (!n && f->max_length)
            return arena_printf(g->a, "varchar(%s)", f->max_length);
        if (ml && !n)
            return arena_printf(g->a, "varchar(%s)", ml);
        return "varchar"; /* CharField without max_length: Django 4.2+ on PostgreSQL */
    }
    if (strcmp(c, "DecimalField") == 0) {
        const PyNode *d = py_kwarg(call, "max_digits"), *p = py_kwarg(call, "decimal_places");
        if (d && p && d->kind == PY_NUM && p->kind == PY_NUM)
            return arena_printf(g->a, "numeric(%s, %s)", py_num_sql(g->a, d), py_num_sql(g->a, p));
        return "numeric";
    }
    if (strcmp(c, "ArrayField") == 0) {
        const char *bt = f->base ? field_type(g, f->base) : "text";
        return f->size >= 0 ? arena_printf(g->a, "%s[%ld]", bt, f->size) : arena_printf(g->a, "%s[]", bt);
    }
    if (strcmp(c, "GeneratedField") == 0) {
        const PyNode *of = py_kwarg(call, "output_field");
        if (of && of->kind == PY_CALL) {
            DjField *o = field_new(g, NULL, f->name, of);
            return field_type(g, o);
        }
        return "text";
    }
    static const char *const types[][2] = {
        {"BinaryField", "bytea"}, {"BooleanField", "boolean"}, {"NullBooleanField", "boolean"},
        {"DateField", "date"}, {"DateTimeField", "timestamp with time zone"},
        {"DurationField", "interval"}, {"FloatField", "double precision"},
        {"IntegerField", "integer"}, {"BigIntegerField", "bigint"},
        {"SmallIntegerField", "smallint"}, {"PositiveIntegerField", "integer"},
        {"PositiveBigIntegerField", "bigint"}, {"PositiveSmallIntegerField", "smallint"},
        {"IPAddressField", "inet"}, {"GenericIPAddressField", "inet"}, {"JSONField", "jsonb"},
        {"TextField", "text"}, {"CITextField", "citext"}, {"TimeField", "time"},
        {"UUIDField", "uuid"}, {"HStoreField", "hstore"}, {"IntegerRangeField", "int4range"},
        {"BigIntegerRangeField", "int8range"}, {"DecimalRangeField", "numrange"},
        {"FloatRangeField", "numrange"}, {"DateTimeRangeField", "tstzrange"},
        {"DateRangeField", "daterange"}, {"SearchVectorField", "tsvector"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(c, types[i][0]) == 0)
            return types[i][1];
    return NULL; /* not reached: classify() marks every other class unknown */
}

/* Django casts (USING) when the data type changes, judged on the type's
 * template: varchar(32) to varchar(64) is no change, text to varchar is. */
static const char *type_template(Gen *g, const DjField *f)
{
    const char *t = field_type(g, f);
    if (!t || is_fk(f))
        return t ? t : "";
    if (f->base)
        return type_template(g, f->base);
    const char *paren = strchr(t, '(');
    return paren ? arena_strndup(g->a, t, (size_t)(paren - t)) : t;
}

static const char *check_of(Gen *g, const DjField *f)
{
    if (is_cls(f, "PositiveIntegerField") || is_cls(f, "PositiveBigIntegerField") ||
        is_cls(f, "PositiveSmallIntegerField"))
        return arena_printf(g->a, "\"%s\" >= 0", f->column);
    return NULL;
}

static bool empty_strings_allowed(const DjField *f)
{
    static const char *const yes[] = {"CharField", "TextField", "SlugField", "EmailField",
                                      "URLField", "FilePathField", "FileField", "ImageField",
                                      "BinaryField", "CommaSeparatedIntegerField", "CICharField",
                                      "CIEmailField", "CITextField", NULL};
    for (int i = 0; yes[i]; i++)
        if (is_cls(f, yes[i]))
            return true;
    return false;
}

static void sql_string(StrBuf *sb, const char *s)
{
    sb_append(sb, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            sb_append(sb, "''");
        else
            sb_appendn(sb, p, 1);
    }
    sb_append(sb, "'");
}

static void json_value(StrBuf *sb, const PyNode *n)
{
    switch (n ? n->kind : PY_NONE) {
    case PY_STR:
        sb_append(sb, "\"");
        for (const char *p = n->s; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_append(sb, "\\");
            sb_appendn(sb, p, 1);
        }
        sb_append(sb, "\"");
        return;
    case PY_NUM: sb_append(sb, n->s); return;
    case PY_TRUE: sb_append(sb, "true"); return;
    case PY_FALSE: sb_append(sb, "false"); return;
    case PY_LIST: case PY_TUPLE:
        sb_append(sb, "[");
        for (int i = 0; i < n->items.len; i++) {
            if (i) sb_append(sb, ", ");
            json_value(sb, LIST_GET(&n->items, i));
        }
        sb_append(sb, "]");
        return;
    case PY_DICT:
        sb_append(sb, "{");
        for (int i = 0; i + 1 < n->items.len; i += 2) {
            if (i) sb_append(sb, ", ");
            json_value(sb, LIST_GET(&n->items, i));
            sb_append(sb, ": ");
            json_value(sb, LIST_GET(&n->items, i + 1));
        }
        sb_append(sb, "}");
        return;
    default: sb_append(sb, "null"); return;
    }
}

/*
 * A Python default as the SQL literal Django passes: the value is computed
 * when the migration runs, and a callable (timezone.now, uuid.uuid4) is
 * called then, once; its value is a constant to PostgreSQL. zdm cannot call
 * it, so such a value is written as a string naming the call.
 */
static const char *literal(Gen *g, const DjField *f, const PyNode *v)
{
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, "");
    bool json = is_cls(f, "JSONField");
    if (!v || v->kind == PY_NONE)
        return json ? "'null'" : NULL;
    if (json && (v->kind == PY_DICT || v->kind == PY_LIST || v->kind == PY_STR || v->kind == PY_NUM ||
                 v->kind == PY_TRUE || v->kind == PY_FALSE)) {
        StrBuf js;
        sb_init(&js, g->a);
        sb_append(&js, "");
        json_value(&js, v);
        sql_string(&sb, js.data);
        return sb.data;
    }
    switch (v->kind) {
    case PY_STR:
        if (is_cls(f, "DateField") || is_cls(f, "DateTimeField") || is_cls(f, "TimeField")) {
            /* Django turns the string into a date first; psycopg2 writes it typed */
            sql_string(&sb, v->s);
            sb_append(&sb, is_cls(f, "DateField") ? "::date" : is_cls(f, "TimeField") ? "::time" : "::timestamptz");
            return sb.data;
        }
        if (is_cls(f, "BinaryField")) {
            sb_append(&sb, "'\\x");
            for (const unsigned char *p = (const unsigned char *)v->s; *p; p++)
                sb_printf(&sb, "%02x", *p);
            sb_append(&sb, "'::bytea");
            return sb.data;
        }
        sql_string(&sb, v->s);
        return sb.data;
    case PY_NUM: return py_num_sql(g->a, v);
    case PY_TRUE: return "true";
    case PY_FALSE: return "false";
    case PY_LIST: case PY_TUPLE:
        if (is_cls(f, "ArrayField")) {
            sb_append(&sb, "ARRAY[");
            for (int i = 0; i < v->items.len; i++) {
                if (i) sb_append(&sb, ",");
                const char *e = literal(g, f->base ? f->base : f, LIST_GET(&v->items, i));
                sb_append(&sb, e ? e : "NULL");
            }
            sb_append(&sb, "]");
            if (!v->items.len)
                sb_printf(&sb, "::%s", field_type(g, f));
            return sb.data;
        }
        break;
    case PY_CALL: {
        const char *fn = py_last(py_callee(v));
        if (util_streq(fn, "Decimal") && py_str(py_arg(v, 0, NULL)))
            return py_str(py_arg(v, 0, NULL));
        if (util_streq(fn, "UUID") && py_str(py_arg(v, 0, NULL))) {
            sql_string(&sb, py_str(py_arg(v, 0, NULL)));
            sb_append(&sb, "::uuid");
            return sb.data;
        }
        if ((util_streq(fn, "date") || util_streq(fn, "datetime")) && v->items.len >= 3) {
            long p[6] = {0};
            for (int i = 0; i < 6 && i < v->items.len; i++)
                p[i] = py_int(LIST_GET(&v->items, i), 0);
            if (util_streq(fn, "date"))
                return arena_printf(g->a, "'%04ld-%02ld-%02ld'::date", p[0], p[1], p[2]);
            return arena_printf(g->a, "'%04ld-%02ld-%02ldT%02ld:%02ld:%02ld%s'::timestamp%s", p[0], p[1],
                                p[2], p[3], p[4], p[5], py_kwarg(v, "tzinfo") ? "+00:00" : "",
                                py_kwarg(v, "tzinfo") ? "tz" : "");
        }
        break;
    }
    case PY_NAME: {
        const char *n = py_last(v->s);
        if (json && strcmp(n, "dict") == 0) return "'{}'";
        if (json && strcmp(n, "list") == 0) return "'[]'";
        if (strcmp(n, "list") == 0 && is_cls(f, "ArrayField"))
            return arena_printf(g->a, "'{}'::%s", field_type(g, f));
        if (strcmp(n, "str") == 0) return "''";
        if (strcmp(n, "int") == 0) return "0";
        if (strcmp(n, "bool") == 0) return "false";
        break;
    }
    default:
        break;
    }
    sql_string(&sb, arena_printf(g->a, "<%s at migrate time>", py_render(g->a, v)));
    return sb.data;
}

/* Django's effective_default(): what fills the rows a new column gets. */
static const char *effective_default(Gen *g, const DjField *f)
{
    if (f->dflt)
        return literal(g, f, f->dflt);
    if (!f->null && f->blank && empty_strings_allowed(f))
        return is_cls(f, "BinaryField") ? "'\\x'::bytea" : "''";
    if (f->auto_now) {
        const char *t = is_cls(f, "DateField") ? "date" : is_cls(f, "TimeField") ? "time" : "timestamptz";
        return arena_printf(g->a, "'<now at migrate time>'::%s", t);
    }
    return NULL;
}

/* A field of a class zdm could map to nothing (classify): its column's type
 * is what the class's db_type() returns, Python zdm does not run. Adding it
 * is a notice (the column is left out of the SQL judged); changing or
 * removing it is SQL zdm cannot see. */
static void unknown_field_note(Gen *g, const DjField *f, const char *doing)
{
    const char *cls = f->written ? f->written : f->cls;
    if (strcmp(doing, "add") == 0)
        note(g, f->call, "django-assumed",
             arena_printf(g->a, "zdm does not know the field class %s: it assumed \"%s\" adds a column \"%s\" "
                                "whose type only %s.db_type() knows (Python zdm does not run), and left that "
                                "column out of the SQL it judged",
                          cls, f->name, f->column, cls),
             "Check the SQL Django makes for it (python manage.py sqlmigrate APP MIGRATION); then\n"
             "acknowledge it: # zdm: allow django-assumed <reason> above the operation");
    else
        note(g, f->call, "not-analysed",
             arena_printf(g->a, "zdm cannot analyse this operation: it %s a field of class %s, which zdm does not "
                                "know, so it cannot tell what SQL Django makes for it",
                          doing, cls),
             "1. check the SQL with python manage.py sqlmigrate APP MIGRATION: which tables it locks, for how\n"
             "   long, and what it changes\n"
             "2. then acknowledge it: # zdm: allow not-analysed <reason> above the operation");
}

static const char *expr_sql(Gen *g, const DjModel *m, const PyNode *e);
static const char *unrender(Gen *g, const PyNode *e);

/* A db_default (Django 5.0+): a value as a literal, a database expression
 * in parentheses (the schema editor's db_default_sql). */
static const char *db_default_sql(Gen *g, const DjModel *m, const DjField *f)
{
    const PyNode *v = f->db_default;
    if (v->kind == PY_CALL) {
        const char *fn = py_last(py_callee(v));
        if (util_streq(fn, "Value"))
            v = py_arg(v, 0, "value");
        else if (util_streq(fn, "Now"))
            return "(STATEMENT_TIMESTAMP())";
        else if (util_streq(fn, "Pi"))
            return "(PI())";
        else if (util_streq(fn, "RandomUUID"))
            return "(GEN_RANDOM_UUID())";
        else
            return arena_printf(g->a, "(%s)", expr_sql(g, m, v));
    }
    const char *l = literal(g, f, v);
    return l ? l : "NULL";
}

/* The column definition after its name, as Django's column_sql builds it. */
static const char *column_sql(Gen *g, const DjModel *m, const DjField *f, bool include_default)
{
    const char *type = field_type(g, f);
    if (!type)
        return NULL;
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, type);
    if (f->collation)
        sb_printf(&sb, " COLLATE \"%s\"", f->collation);
    if (is_cls(f, "GeneratedField")) {
        const PyNode *ex = py_kwarg(f->call, "expression");
        sb_printf(&sb, " GENERATED ALWAYS AS (%s) STORED", ex ? expr_sql(g, m, ex) : unrender(g, f->call));
    } else {
        if (f->db_default && g->version >= 50) {
            sb_printf(&sb, " DEFAULT %s", db_default_sql(g, m, f));
            include_default = false;
        }
        if (include_default) {
            const char *d = effective_default(g, f);
            if (d)
                sb_printf(&sb, " DEFAULT %s", d);
        }
        sb_append(&sb, f->null ? " NULL" : " NOT NULL");
    }
    if (f->primary_key)
        sb_append(&sb, " PRIMARY KEY");
    else if (f->unique)
        sb_append(&sb, " UNIQUE");
    return sb.data;
}

static const char *type_suffix(Gen *g, const DjField *f)
{
    return is_auto(f) && g->version >= 41 ? "GENERATED BY DEFAULT AS IDENTITY" : NULL;
}

static const char *to_table_of(Gen *g, const DjField *f)
{
    DjModel *to = dj_find_model(g->st, NULL, f->to);
    if (to)
        return to->db_table;
    if (contrib_model(f->to))
        return contrib_model(f->to)[1];
    char *t = arena_strdup(g->a, f->to ? f->to : "unknown");
    char *dot = strchr(t, '.');
    if (dot)
        *dot = '_';
    return t;
}

/* The column a foreign key references: its target field's, else (a model
 * zdm has no migrations for) to_field, django.contrib's key, or "id". */
static const char *target_column(const DjField *f, const DjField *tf)
{
    if (tf)
        return tf->column;
    if (f->to_field)
        return f->to_field;
    return contrib_model(f->to) ? contrib_model(f->to)[2] : "id";
}

static const char *fk_name(Gen *g, const DjModel *m, const DjField *f)
{
    DjModel *to = dj_find_model(g->st, NULL, f->to);
    const DjField *tf = target_field(g, f);
    const char *to_table = to ? to->db_table : f->to ? to_table_of(g, f) : "?";
    const char *cols[1] = {f->column};
    return dj_index_name(g->a, m->db_table, cols, 1,
                         arena_printf(g->a, "_fk_%s_%s", to_table, target_column(f, tf)));
}

static const char *create_fk_sql(Gen *g, const DjModel *m, const DjField *f, const char **name_out)
{
    const DjField *tf = target_field(g, f);
    const char *name = fk_name(g, m, f);
    *name_out = name;
    return arena_printf(g->a,
                        "ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" FOREIGN KEY (\"%s\") REFERENCES \"%s\" "
                        "(\"%s\") DEFERRABLE INITIALLY DEFERRED",
                        m->db_table, name, f->column, to_table_of(g, f), target_column(f, tf));
}

static const char *index_sql(Gen *g, const DjModel *m, const DjField *f, const char *suffix,
                             const char *opclass, const char **name_out)
{
    const char *cols[1] = {f->column};
    const char *name = dj_index_name(g->a, m->db_table, cols, 1, suffix);
    *name_out = name;
    return arena_printf(g->a, "CREATE INDEX \"%s\" ON \"%s\" (\"%s\"%s%s)", name, m->db_table, f->column,
                        opclass ? " " : "", opclass ? opclass : "");
}

/* The index a field gets (db_index) and PostgreSQL's _like twin for LIKE
 * queries on varchar and text, deferred or at once. */
static void field_indexes(Gen *g, const DjModel *m, const DjField *f, bool deferred, bool plain,
                          bool like)
{
    const char *name;
    if (plain && f->db_index && !f->unique) {
        const char *sql = index_sql(g, m, f, "", NULL, &name);
        obj_add(g, m->db_table, 'i', f->column, name);
        if (deferred) defer(g, sql, m->db_table, f->column);
        else emit(g, sql);
    }
    const char *type = field_type(g, f);
    if (like && (f->db_index || f->unique) && type && !strchr(type, '[')) {
        const char *opc = strncmp(type, "varchar", 7) == 0 ? "varchar_pattern_ops"
                        : strncmp(type, "text", 4) == 0 ? "text_pattern_ops" : NULL;
        if (opc) {
            const char *sql = index_sql(g, m, f, "_like", opc, &name);
            obj_add(g, m->db_table, 'i', f->column, name);
            if (deferred) defer(g, sql, m->db_table, f->column);
            else emit(g, sql);
        }
    }
}

/* Model lookups for operations: model_name in the migration's app. */
static DjModel *op_model(Gen *g, const PyNode *call, int pos, const char *kw)
{
    const PyNode *n = py_arg(call, pos, kw);
    const char *name = py_str(n);
    if (!name) {
        fail_at(g, n ? n : call, "expected the model's name as a string", NULL);
        return NULL;
    }
    DjModel *m = dj_find_model(g->st, g->app, name);
    if (!m)
        fail_at(g, n, "no model '%s' in this app at this point of its migrations",
                arena_printf(g->a, "%s.%s", g->app, name));
    return m;
}

static bool in_db(const DjModel *m) { return m->managed && !m->proxy; }

/* ---- Q objects, for CheckConstraint and conditions ------------------- */

/* An expression zdm cannot render: the statement it is in is left out
 * (emit) and the operation reported not analysed, never invalid SQL. */
static const char *unrender(Gen *g, const PyNode *e)
{
    if (!g->unrendered)
        g->unrendered = e ? py_render(g->a, e) : "an expression";
    return "NULL";
}


static const char *column_of(Gen *g, const DjModel *m, const char *field)
{
    DjField *f = find_field(m, field);
    if (!f) /* "author_id" names the column of "author" */
        for (int i = 0; m && i < m->fields.len; i++) {
            DjField *x = LIST_GET(&m->fields, i);
            if (strcmp(x->column, field) == 0)
                f = x;
        }
    return f ? f->column : arena_strdup(g->a, field);
}

/* A string as PostgreSQL's schema editor quotes a condition's value
 * (quote_value): up to 4.2, "%" doubled, as for a later interpolation; the
 * statement then runs without parameters, so the doubled "%" is what the
 * server gets (in a LIKE pattern, "%%" means what "%" does). Django 5.0
 * stopped doubling it (ticket #34553). */
static const char *pct(Gen *g, const char *s)
{
    if (!strchr(s, '%') || g->version >= 50)
        return s;
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, "");
    for (const char *p = s; *p; p++)
        sb_append(&sb, *p == '%' ? "%%" : (char[2]){*p, 0});
    return sb.data;
}

static const char *q_value(Gen *g, const DjModel *m, const PyNode *v)
{
    if (v && (v->kind == PY_CALL || v->kind == PY_NAME || v->kind == PY_OPAQUE || v->kind == PY_LAMBDA) &&
        !(v->kind == PY_CALL && util_streq(py_last(py_callee(v)), "F")))
        return unrender(g, v); /* an expression or a Python value computed at migrate time */
    if (v && v->kind == PY_CALL && util_streq(py_last(py_callee(v)), "F") && py_str(py_arg(v, 0, NULL)))
        return q(g->a, column_of(g, m, py_str(py_arg(v, 0, NULL))));
    if (v && (v->kind == PY_LIST || v->kind == PY_TUPLE)) {
        StrBuf sb;
        sb_init(&sb, g->a);
        sb_append(&sb, "(");
        for (int i = 0; i < v->items.len; i++) {
            if (i) sb_append(&sb, ", ");
            sb_append(&sb, q_value(g, m, LIST_GET(&v->items, i)));
        }
        sb_append(&sb, ")");
        return sb.data;
    }
    static DjField plain = {.cls = "CharField"};
    if (v && v->kind == PY_STR && !v->fstring) {
        StrBuf sb;
        sb_init(&sb, g->a);
        sql_string(&sb, pct(g, v->s));
        return sb.data;
    }
    const char *l = literal(g, &plain, v);
    return l ? l : "NULL";
}

static const char *lookup_sql(Gen *g, const DjModel *m, const char *key, const PyNode *v)
{
    const char *sep = strstr(key, "__");
    const char *field = sep ? arena_strndup(g->a, key, (size_t)(sep - key)) : key;
    const char *lk = sep ? sep + 2 : "exact";
    if (strstr(lk, "__")) { /* a transform or a join: author__name__gt */
        if (!g->unrendered)
            g->unrendered = arena_printf(g->a, "the lookup %s", key);
        return "NULL";
    }
    const char *col = q(g->a, column_of(g, m, field));
    if (strcmp(lk, "isnull") == 0)
        return arena_printf(g->a, "%s IS %sNULL", col, py_truthy(v, true) ? "" : "NOT ");
    if (strcmp(lk, "exact") == 0 && v && v->kind == PY_NONE)
        return arena_printf(g->a, "%s IS NULL", col);
    static const char *const ops[][2] = {{"exact", "="}, {"gt", ">"}, {"gte", ">="}, {"lt", "<"},
                                         {"lte", "<="}, {"in", "IN"}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(lk, ops[i][0]) == 0)
            return arena_printf(g->a, "%s %s %s", col, ops[i][1], q_value(g, m, v));
    /* Django's pattern lookups on PostgreSQL: the column cast to text
     * (lookup_cast), the value escaped for LIKE (prep_for_like_query) and
     * wrapped in %; the i-variants under UPPER. A value with \\, % or _ is
     * escaped with backslashes, which psycopg quotes by the server's
     * settings: zdm leaves that one unrendered. */
    static const char *const pats[][3] = {
        {"contains", "%", "%"}, {"icontains", "%", "%"}, {"startswith", "", "%"}, {"istartswith", "", "%"},
        {"endswith", "%", ""}, {"iendswith", "%", ""}, {"iexact", "", ""},
    };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        const char *text = py_str(v);
        if (strcmp(lk, pats[i][0]) != 0 || !text || v->fstring || strpbrk(text, "\\%_"))
            continue;
        const DjField *f = find_field(m, field);
        const char *lhs = f && is_cls(f, "GenericIPAddressField") ? arena_printf(g->a, "HOST(%s)", col)
                        : f && (is_cls(f, "CICharField") || is_cls(f, "CIEmailField") || is_cls(f, "CITextField"))
                            ? arena_printf(g->a, "%s::citext", col)
                            : arena_printf(g->a, "%s::text", col);
        StrBuf val;
        sb_init(&val, g->a);
        sql_string(&val, pct(g, arena_printf(g->a, "%s%s%s", pats[i][1], text, pats[i][2])));
        if (lk[0] == 'i')
            return arena_printf(g->a, "UPPER(%s) %s UPPER(%s)", lhs, strcmp(lk, "iexact") == 0 ? "=" : "LIKE",
                                val.data);
        return arena_printf(g->a, "%s LIKE %s", lhs, val.data);
    }
    if (strcmp(lk, "range") == 0 && v && v->items.len == 2)
        return arena_printf(g->a, "%s BETWEEN %s AND %s", col, q_value(g, m, LIST_GET(&v->items, 0)),
                            q_value(g, m, LIST_GET(&v->items, 1)));
    if (!g->unrendered) /* a lookup zdm does not render (contains, iexact, ...) */
        g->unrendered = arena_printf(g->a, "the lookup %s", key);
    return "NULL";
}

/* Q(a=1, b__gt=2), Q(('a', 1), ('b', 2), _connector='OR', _negated=True), nested. */
static const char *q_sql(Gen *g, const DjModel *m, const PyNode *n, bool root)
{
    if (!n || n->kind != PY_CALL || !util_streq(py_last(py_callee(n)), "Q"))
        return unrender(g, n);
    List parts = {0};
    for (int i = 0; i < n->items.len; i++) {
        const PyNode *c = LIST_GET(&n->items, i);
        if (c->kind == PY_TUPLE && c->items.len == 2 && py_str(LIST_GET(&c->items, 0)))
            list_push(g->a, &parts,
                      (void *)lookup_sql(g, m, py_str(LIST_GET(&c->items, 0)), LIST_GET(&c->items, 1)));
        else
            list_push(g->a, &parts, (void *)q_sql(g, m, c, false));
    }
    const char *connector = "AND";
    bool negated = false;
    for (int i = 0; i < n->kw_names.len; i++) {
        const char *k = LIST_GET(&n->kw_names, i);
        const PyNode *v = LIST_GET(&n->kw_values, i);
        if (strcmp(k, "_connector") == 0)
            connector = py_str(v) ? py_str(v) : "AND";
        else if (strcmp(k, "_negated") == 0)
            negated = py_truthy(v, false);
        else
            list_push(g->a, &parts, (void *)lookup_sql(g, m, k, v));
    }
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, "");
    for (int i = 0; i < parts.len; i++) {
        if (i)
            sb_printf(&sb, " %s ", connector);
        sb_append(&sb, LIST_GET(&parts, i));
    }
    if (negated)
        return arena_printf(g->a, "NOT (%s)", sb.data);
    if (parts.len > 1 || !root)
        return parts.len > 1 ? arena_printf(g->a, "(%s)", sb.data) : sb.data;
    return sb.data;
}

/* ---- indexes and constraints declared in Meta ------------------------ */

static const char *index_using(const char *cls)
{
    static const char *const m[][2] = {{"GinIndex", " USING gin"}, {"GistIndex", " USING gist"},
                                       {"BrinIndex", " USING brin"}, {"HashIndex", " USING hash"},
                                       {"SpGistIndex", " USING spgist"}, {"BloomIndex", " USING bloom"},
                                       {"BTreeIndex", " USING btree"}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (util_streq(cls, m[i][0]))
            return m[i][1];
    return "";
}

static const char *expr_sql(Gen *g, const DjModel *m, const PyNode *e);

/* Is e text to PostgreSQL (Django's CharField/TextField output), for Concat? */
static bool expr_is_text(Gen *g, const DjModel *m, const PyNode *e)
{
    const char *name = py_str(e) && !e->fstring ? py_str(e) : NULL;
    const char *fn = e && e->kind == PY_CALL ? py_last(py_callee(e)) : NULL;
    if (util_streq(fn, "F"))
        name = py_str(py_arg(e, 0, NULL));
    if (name) {
        const DjField *f = find_field(m, name);
        const char *t = f ? field_type(g, f) : NULL;
        return t && (strncmp(t, "varchar", 7) == 0 || strcmp(t, "text") == 0);
    }
    if (util_streq(fn, "Value"))
        return py_str(py_arg(e, 0, NULL)) != NULL;
    if (util_streq(fn, "Concat") || util_streq(fn, "Lower") || util_streq(fn, "Upper"))
        return util_streq(fn, "Concat") || (e->items.len && expr_is_text(g, m, LIST_GET(&e->items, 0)));
    return false;
}

/* Django's ConcatPair on PostgreSQL: CONCAT(a, b) in 3.2; each side cast to
 * text from 4.x; from 5.0 "||" over COALESCE(x, ''), non-text sides cast. */
static const char *concat_sql(Gen *g, const DjModel *m, const PyNode *const *args, int n)
{
    if (n < 2)
        return n == 1 ? expr_sql(g, m, args[0]) : unrender(g, NULL);
    const char *l = expr_sql(g, m, args[0]);
    bool ltext = expr_is_text(g, m, args[0]);
    const char *r = n == 2 ? expr_sql(g, m, args[1]) : concat_sql(g, m, args + 1, n - 1);
    bool rtext = n > 2 || expr_is_text(g, m, args[1]);
    if (g->version < 40)
        return arena_printf(g->a, "CONCAT(%s, %s)", l, r);
    if (g->version < 50)
        return arena_printf(g->a, "CONCAT((%s)::text, (%s)::text)", l, r);
    return arena_printf(g->a, "(COALESCE(%s, '') || COALESCE(%s, ''))", ltext ? l : arena_printf(g->a, "(%s)::text", l),
                        rtext ? r : arena_printf(g->a, "(%s)::text", r));
}

/* An expression of Index(Lower('title')), UniqueConstraint(Cast(...)) ...,
 * as Django's compiler writes it for PostgreSQL. */
static const char *expr_sql(Gen *g, const DjModel *m, const PyNode *e)
{
    if (py_str(e) && !e->fstring) /* a field's name, as F() */
        return q(g->a, column_of(g, m, py_str(e)));
    if (!e || e->kind != PY_CALL || !py_callee(e))
        return unrender(g, e);
    const char *fn = py_last(py_callee(e));
    if (strcmp(fn, "F") == 0 && py_str(py_arg(e, 0, NULL)) && !strstr(py_str(py_arg(e, 0, NULL)), "__"))
        return q(g->a, column_of(g, m, py_str(py_arg(e, 0, NULL))));
    if (strcmp(fn, "Value") == 0) {
        const PyNode *v = py_arg(e, 0, "value");
        if (!v || v->kind == PY_CALL || v->kind == PY_NAME || v->kind == PY_OPAQUE || v->kind == PY_LAMBDA ||
            (v->kind == PY_STR && v->fstring))
            return unrender(g, e);
        static DjField plain = {.cls = "CharField"};
        const char *l = literal(g, &plain, v);
        return l ? l : "NULL";
    }
    if (strcmp(fn, "Cast") == 0) {
        const PyNode *of = py_arg(e, 1, "output_field");
        if (!e->items.len || !of || of->kind != PY_CALL)
            return unrender(g, e);
        DjField *o = field_new(g, NULL, "cast", of);
        const char *t = o->unknown || o->relation ? NULL : field_type(g, o);
        if (!t)
            return unrender(g, e);
        if (is_auto(o)) /* Django casts to the data type, not the serial */
            t = rel_type(g, o);
        if (g->version < 40) /* 3.2 has no as_postgresql: the standard form */
            return arena_printf(g->a, "CAST(%s AS %s)", expr_sql(g, m, LIST_GET(&e->items, 0)), t);
        return arena_printf(g->a, "(%s)::%s", expr_sql(g, m, LIST_GET(&e->items, 0)), t);
    }
    if (strcmp(fn, "Concat") == 0)
        return concat_sql(g, m, (const PyNode *const *)e->items.items, e->items.len);
    static const char *const funcs[][2] = {
        {"Lower", "LOWER"}, {"Upper", "UPPER"}, {"Coalesce", "COALESCE"}, {"Abs", "ABS"},
        {"Length", "LENGTH"}, {"Trim", "TRIM"}, {"LTrim", "LTRIM"}, {"RTrim", "RTRIM"},
        {"Greatest", "GREATEST"}, {"Least", "LEAST"}, {"NullIf", "NULLIF"}, {"Reverse", "REVERSE"},
        {"Sign", "SIGN"}, {"Floor", "FLOOR"}, {"Ceil", "CEILING"}, {"Sqrt", "SQRT"}, {"Exp", "EXP"},
        {"Ln", "LN"}, {"Chr", "CHR"}, {"Ord", "ASCII"}, {"Unaccent", "UNACCENT"},
    };
    const char *sqlfn = NULL;
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (strcmp(fn, funcs[i][0]) == 0)
            sqlfn = funcs[i][1];
    if (!sqlfn || !e->items.len || e->kw_names.len)
        return unrender(g, e);
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_printf(&sb, "%s(", sqlfn);
    for (int i = 0; i < e->items.len; i++) {
        if (i) sb_append(&sb, ", ");
        sb_append(&sb, expr_sql(g, m, LIST_GET(&e->items, i)));
    }
    sb_append(&sb, ")");
    return sb.data;
}

/* The column list of Index(fields=[...]) / (expressions...), with opclasses. */
static const char *index_columns(Gen *g, const DjModel *m, const PyNode *call, const char **cols_out)
{
    StrBuf sb, cols;
    sb_init(&sb, g->a);
    sb_init(&cols, g->a);
    sb_append(&sb, "");
    sb_append(&cols, "");
    const PyNode *fields = py_kwarg(call, "fields");
    const PyNode *opcl = py_kwarg(call, "opclasses");
    if (py_is_seq(fields) && fields->items.len) {
        for (int i = 0; i < fields->items.len; i++) {
            const char *fname = py_str(LIST_GET(&fields->items, i));
            if (!fname)
                continue;
            bool desc = fname[0] == '-';
            const char *col = column_of(g, m, desc ? fname + 1 : fname);
            if (i) {
                sb_append(&sb, ", ");
                sb_append(&cols, ",");
            }
            sb_printf(&sb, "\"%s\"", col);
            sb_append(&cols, col);
            const char *oc = py_is_seq(opcl) && i < opcl->items.len ? py_str(LIST_GET(&opcl->items, i)) : NULL;
            if (oc)
                sb_printf(&sb, " %s", oc);
            if (desc)
                sb_append(&sb, " DESC");
        }
    } else {
        for (int i = 0; i < call->items.len; i++) {
            if (i) sb_append(&sb, ", ");
            /* Django's IndexExpression: the expression in parentheses, its
             * OrderBy and Collate wrappers outside them */
            const PyNode *e = LIST_GET(&call->items, i);
            const char *order = "", *collate = "";
            for (;;) {
                const char *fn = e && e->kind == PY_CALL ? py_last(py_callee(e)) : NULL;
                if (util_streq(fn, "OrderBy") && e->items.len) {
                    if (!*order)
                        order = py_truthy(py_kwarg(e, "descending"), false) ? " DESC" : " ASC";
                    e = LIST_GET(&e->items, 0);
                } else if (util_streq(fn, "Collate") && e->items.len && py_str(py_arg(e, 1, "collation"))) {
                    collate = arena_printf(g->a, " COLLATE \"%s\"", py_str(py_arg(e, 1, "collation")));
                    e = LIST_GET(&e->items, 0);
                } else {
                    break;
                }
            }
            sb_printf(&sb, "(%s)%s%s", expr_sql(g, m, e), collate, order);
        }
    }
    *cols_out = cols.data;
    return sb.data;
}

static const char *include_sql(Gen *g, const DjModel *m, const PyNode *call)
{
    const PyNode *inc = py_kwarg(call, "include");
    if (!py_is_seq(inc) || !inc->items.len)
        return "";
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, " INCLUDE (");
    for (int i = 0; i < inc->items.len; i++) {
        if (i) sb_append(&sb, ", ");
        const char *fname = py_str(LIST_GET(&inc->items, i));
        sb_printf(&sb, "\"%s\"", column_of(g, m, fname ? fname : "?"));
    }
    sb_append(&sb, ")");
    return sb.data;
}

static const char *condition_sql(Gen *g, const DjModel *m, const PyNode *call)
{
    const PyNode *c = py_kwarg(call, "condition");
    if (!c || c->kind == PY_NONE)
        return "";
    return arena_printf(g->a, " WHERE %s", q_sql(g, m, c, true));
}

static const char *create_index_sql(Gen *g, const DjModel *m, const PyNode *idx, bool concurrently,
                                    const char **name_out)
{
    const char *name = py_str(py_kwarg(idx, "name"));
    const char *cols;
    const char *columns = index_columns(g, m, idx, &cols);
    *name_out = name ? name : "?";
    obj_add(g, m->db_table, 'i', cols, *name_out);
    return arena_printf(g->a, "CREATE INDEX %s\"%s\" ON \"%s\"%s (%s)%s%s",
                        concurrently ? "CONCURRENTLY " : "", *name_out, m->db_table,
                        index_using(py_last(py_callee(idx))), columns, include_sql(g, m, idx),
                        condition_sql(g, m, idx));
}

static const char *deferrable_sql(const PyNode *call)
{
    const PyNode *d = py_kwarg(call, "deferrable");
    if (!d || d->kind != PY_NAME)
        return "";
    if (strcmp(py_last(d->s), "DEFERRED") == 0) return " DEFERRABLE INITIALLY DEFERRED";
    if (strcmp(py_last(d->s), "IMMEDIATE") == 0) return " DEFERRABLE INITIALLY IMMEDIATE";
    return "";
}

/* A UniqueConstraint that PostgreSQL builds as a unique index rather than a constraint. */
static bool unique_as_index(const PyNode *c)
{
    const PyNode *cond = py_kwarg(c, "condition");
    return (cond && cond->kind != PY_NONE) || py_truthy(py_kwarg(c, "include"), false) ||
           py_truthy(py_kwarg(c, "opclasses"), false) || c->items.len > 0;
}

/* Constraint as part of CREATE TABLE (NULL: it is deferred as an index). */
static const char *constraint_inline(Gen *g, const DjModel *m, const PyNode *c)
{
    const char *cls = py_last(py_callee(c));
    const char *name = py_str(py_kwarg(c, "name"));
    if (!name)
        name = "?";
    if (util_streq(cls, "CheckConstraint")) {
        const PyNode *chk = py_kwarg(c, "check");
        if (!chk)
            chk = py_kwarg(c, "condition"); /* Django 5.1 renamed check= to condition= */
        obj_add(g, m->db_table, 'c', "", name);
        return arena_printf(g->a, "CONSTRAINT \"%s\" CHECK (%s)", name, q_sql(g, m, chk, true));
    }
    if (util_streq(cls, "UniqueConstraint")) {
        const char *cols;
        const char *columns = index_columns(g, m, c, &cols);
        if (unique_as_index(c)) {
            obj_add(g, m->db_table, 'U', cols, name);
            defer(g, arena_printf(g->a, "CREATE UNIQUE INDEX \"%s\" ON \"%s\" (%s)%s%s", name, m->db_table,
                                  columns, include_sql(g, m, c), condition_sql(g, m, c)),
                  m->db_table, NULL);
            return NULL;
        }
        obj_add(g, m->db_table, 'u', cols, name);
        return arena_printf(g->a, "CONSTRAINT \"%s\" UNIQUE (%s)%s", name, columns, deferrable_sql(c));
    }
    obj_add(g, m->db_table, 'x', "", name);
    if (util_streq(cls, "ExclusionConstraint")) {
        /* expressions=[(field or expression, operator), ...] */
        const PyNode *ex = py_kwarg(c, "expressions");
        const char *type = py_str(py_kwarg(c, "index_type"));
        if (!py_is_seq(ex) || !ex->items.len)
            return unrender(g, c);
        StrBuf sb;
        sb_init(&sb, g->a);
        sb_printf(&sb, "CONSTRAINT \"%s\" EXCLUDE USING %s (", name, type ? type : "GIST");
        for (int i = 0; i < ex->items.len; i++) {
            const PyNode *pair = LIST_GET(&ex->items, i);
            if (pair->kind != PY_TUPLE || pair->items.len != 2)
                return unrender(g, pair);
            const PyNode *op = LIST_GET(&pair->items, 1);
            const char *ops = py_str(op);
            static const char *const range_ops[][2] = {
                {"EQUAL", "="}, {"NOT_EQUAL", "<>"}, {"CONTAINS", "@>"}, {"CONTAINED_BY", "<@"},
                {"OVERLAPS", "&&"}, {"FULLY_LT", "<<"}, {"FULLY_GT", ">>"}, {"NOT_LT", "&>"},
                {"NOT_GT", "&<"}, {"ADJACENT_TO", "-|-"}};
            for (size_t k = 0; !ops && op->kind == PY_NAME && k < sizeof range_ops / sizeof range_ops[0]; k++)
                if (strcmp(py_last(op->s), range_ops[k][0]) == 0)
                    ops = range_ops[k][1];
            if (!ops)
                return unrender(g, op);
            sb_printf(&sb, "%s%s WITH %s", i ? ", " : "", expr_sql(g, m, LIST_GET(&pair->items, 0)), ops);
        }
        sb_printf(&sb, ")%s%s%s", include_sql(g, m, c), condition_sql(g, m, c), deferrable_sql(c));
        return sb.data;
    }
    return unrender(g, c); /* a constraint class zdm does not know */
}

static void add_constraint(Gen *g, const DjModel *m, const PyNode *c)
{
    const char *cls = py_last(py_callee(c));
    const char *name = py_str(py_kwarg(c, "name"));
    if (util_streq(cls, "UniqueConstraint") && unique_as_index(c)) {
        const char *cols;
        const char *columns = index_columns(g, m, c, &cols);
        obj_add(g, m->db_table, 'U', cols, name ? name : "?");
        emit(g, arena_printf(g->a, "CREATE UNIQUE INDEX \"%s\" ON \"%s\" (%s)%s%s", name ? name : "?",
                             m->db_table, columns, include_sql(g, m, c), condition_sql(g, m, c)));
        return;
    }
    const char *def = constraint_inline(g, m, c);
    if (def)
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ADD %s", m->db_table, def));
}

static const PyNode *find_constraint(const DjModel *m, const char *name, int *at)
{
    for (int i = 0; i < m->constraints.len; i++) {
        const PyNode *c = LIST_GET(&m->constraints, i);
        if (util_streq(py_str(py_kwarg(c, "name")), name)) {
            if (at)
                *at = i;
            return c;
        }
    }
    return NULL;
}

/* ---- together options ------------------------------------------------ */

/* unique_together as written: ('a', 'b') or (('a', 'b'), ...) → List of List*. */
static void normalize_together(Gen *g, const PyNode *v, List *out)
{
    *out = (List){0};
    if (!py_is_seq(v) || v->items.len == 0)
        return;
    const PyNode *first = LIST_GET(&v->items, 0);
    if (py_str(first)) { /* a single tuple of names */
        List *l = arena_alloc(g->a, sizeof *l);
        for (int i = 0; i < v->items.len; i++)
            if (py_str(LIST_GET(&v->items, i)))
                list_push(g->a, l, (void *)py_str(LIST_GET(&v->items, i)));
        list_push(g->a, out, l);
        return;
    }
    for (int k = 0; k < v->items.len; k++) {
        const PyNode *t = LIST_GET(&v->items, k);
        List *l = arena_alloc(g->a, sizeof *l);
        for (int i = 0; py_is_seq(t) && i < t->items.len; i++)
            if (py_str(LIST_GET(&t->items, i)))
                list_push(g->a, l, (void *)py_str(LIST_GET(&t->items, i)));
        list_push(g->a, out, l);
    }
}

static const char *together_cols(Gen *g, const DjModel *m, const List *fields, const char ***arr)
{
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, "");
    *arr = arena_alloc(g->a, sizeof(char *) * (size_t)(fields->len + 1));
    for (int i = 0; i < fields->len; i++) {
        const char *c = column_of(g, m, LIST_GET(fields, i));
        (*arr)[i] = c;
        if (i) sb_append(&sb, ",");
        sb_append(&sb, c);
    }
    return sb.data;
}

static const char *quoted_list(Gen *g, const char *const *cols, int n)
{
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_append(&sb, "");
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s\"%s\"", i ? ", " : "", cols[i]);
    return sb.data;
}

static const char *unique_together_sql(Gen *g, const DjModel *m, const List *fields)
{
    const char **arr;
    const char *cols = together_cols(g, m, fields, &arr);
    const char *name = dj_index_name(g->a, m->db_table, arr, fields->len, "_uniq");
    obj_add(g, m->db_table, 'u', cols, name);
    return arena_printf(g->a, "ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" UNIQUE (%s)", m->db_table, name,
                        quoted_list(g, arr, fields->len));
}

static const char *index_together_sql(Gen *g, const DjModel *m, const List *fields)
{
    const char **arr;
    const char *cols = together_cols(g, m, fields, &arr);
    const char *name = dj_index_name(g->a, m->db_table, arr, fields->len, "_idx");
    obj_add(g, m->db_table, 'i', cols, name);
    return arena_printf(g->a, "CREATE INDEX \"%s\" ON \"%s\" (%s)", name, m->db_table,
                        quoted_list(g, arr, fields->len));
}

static bool same_fields(const List *a, const List *b)
{
    if (a->len != b->len)
        return false;
    for (int i = 0; i < a->len; i++)
        if (strcmp(LIST_GET(a, i), LIST_GET(b, i)) != 0)
            return false;
    return true;
}

static bool together_has(const List *set, const List *fields)
{
    for (int i = 0; i < set->len; i++)
        if (same_fields(LIST_GET(set, i), fields))
            return true;
    return false;
}

/* ---- the schema editor ----------------------------------------------- */

static void create_model(Gen *g, DjModel *m);

/* The auto-created through model of a ManyToManyField, as Django makes it. */
static DjModel *through_model(Gen *g, const DjModel *m, const DjField *f)
{
    DjModel *to = dj_find_model(g->st, NULL, f->to);
    DjModel *t = arena_alloc(g->a, sizeof *t);
    t->app = m->app;
    t->name = arena_printf(g->a, "%s_%s", m->name, f->name);
    t->lname = lower(g->a, t->name);
    t->managed = true;
    const char *table = f->m2m_table ? f->m2m_table : arena_printf(g->a, "%s_%s", m->db_table, f->name);
    if (strlen(table) > 63) { /* truncate_name: keep 59 characters and a 4-character digest */
        char hex[33];
        dj_md5_hex(table, strlen(table), hex);
        table = arena_printf(g->a, "%.59s%.4s", table, hex);
    }
    t->db_table = table;
    const char *from = m->lname, *to_name = to ? to->lname : py_last(f->to);
    bool self = to == m || util_streq(f->to, arena_printf(g->a, "%s.%s", m->app, m->lname));
    const char *from_f = self ? arena_printf(g->a, "from_%s", from) : from;
    const char *to_f = self ? arena_printf(g->a, "to_%s", to_name) : to_name;
    static const PyNode no_call;
    DjField *id = arena_alloc(g->a, sizeof *id);
    id->name = "id";
    id->column = "id";
    /* Django 3.2+ gives the through table the id type of the model's pk family */
    const DjField *mpk = pk_of(m);
    id->cls = mpk && is_auto(mpk) ? mpk->cls : "AutoField";
    id->primary_key = id->unique = true;
    id->size = -1;
    id->call = &no_call;
    list_push(g->a, &t->fields, id);
    const char *names[2] = {from_f, to_f};
    const char *tos[2] = {arena_printf(g->a, "%s.%s", m->app, m->lname), f->to};
    for (int i = 0; i < 2; i++) {
        DjField *x = arena_alloc(g->a, sizeof *x);
        x->name = names[i];
        x->column = arena_printf(g->a, "%s_id", names[i]);
        x->cls = "ForeignKey";
        x->relation = true;
        x->to = tos[i];
        x->db_index = true;
        x->db_constraint = true;
        x->size = -1;
        x->call = &no_call;
        list_push(g->a, &t->fields, x);
    }
    if (f->sorted) { /* django-sortedm2m: IntegerField(default=0) after the two keys */
        DjField *x = arena_alloc(g->a, sizeof *x);
        static PyNode zero = {.kind = PY_NUM, .s = "0"};
        x->name = x->column = f->sort_column;
        x->cls = "IntegerField";
        x->dflt = &zero;
        x->size = -1;
        x->call = &no_call;
        list_push(g->a, &t->fields, x);
    }
    List *ut = arena_alloc(g->a, sizeof *ut);
    list_push(g->a, ut, (void *)from_f);
    list_push(g->a, ut, (void *)to_f);
    list_push(g->a, &t->unique_together, ut);
    return t;
}

static void create_model(Gen *g, DjModel *m)
{
    if (!in_db(m))
        return;
    for (int i = 0; i < m->unique_together.len; i++)
        defer(g, unique_together_sql(g, m, LIST_GET(&m->unique_together, i)), m->db_table, NULL);
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_printf(&sb, "CREATE TABLE \"%s\" (", m->db_table);
    bool first = true;
    for (int i = 0; i < m->fields.len; i++) {
        DjField *f = LIST_GET(&m->fields, i);
        const char *def = column_sql(g, m, f, false);
        if (f->unknown)
            unknown_field_note(g, f, "add");
        if (!def)
            continue;
        const char *chk = check_of(g, f);
        if (chk) {
            def = arena_printf(g->a, "%s CHECK (%s)", def, chk);
            obj_add(g, m->db_table, 'c', f->column, dj_pg_name(g->a, m->db_table, f->column, "check"));
        }
        const char *suffix = type_suffix(g, f);
        if (suffix)
            def = arena_printf(g->a, "%s %s", def, suffix);
        if (f->primary_key)
            obj_add(g, m->db_table, 'p', f->column, arena_printf(g->a, "%s_pkey", m->db_table));
        else if (f->unique)
            obj_add(g, m->db_table, 'u', f->column, dj_pg_name(g->a, m->db_table, f->column, "key"));
        if (f->relation && f->db_constraint && f->to) {
            const char *name;
            defer(g, create_fk_sql(g, m, f, &name), m->db_table, f->column);
            obj_add(g, m->db_table, 'f', f->column, name);
        }
        sb_printf(&sb, "%s\"%s\" %s", first ? "" : ", ", f->column, def);
        first = false;
    }
    for (int i = 0; i < m->constraints.len; i++) {
        const char *c = constraint_inline(g, m, LIST_GET(&m->constraints, i));
        if (unrendered(g)) /* that constraint stays out; the table does not */
            continue;
        if (c) {
            sb_printf(&sb, "%s%s", first ? "" : ", ", c);
            first = false;
        }
    }
    sb_append(&sb, ")");
    emit(g, sb.data);
    /* _model_indexes_sql: field indexes, index_together, Meta.indexes */
    for (int i = 0; i < m->fields.len; i++) {
        DjField *f = LIST_GET(&m->fields, i);
        if (!f->m2m)
            field_indexes(g, m, f, true, true, true);
    }
    for (int i = 0; i < m->index_together.len; i++)
        defer(g, index_together_sql(g, m, LIST_GET(&m->index_together, i)), m->db_table, NULL);
    for (int i = 0; i < m->indexes.len; i++) {
        DjIndex *ix = LIST_GET(&m->indexes, i);
        const char *name;
        defer(g, create_index_sql(g, m, ix->call, false, &name), m->db_table, NULL);
    }
    for (int i = 0; i < m->fields.len; i++) {
        DjField *f = LIST_GET(&m->fields, i);
        if (f->m2m && !f->through && f->to)
            create_model(g, through_model(g, m, f));
    }
}

static void forget_table(Gen *g, const char *table)
{
    for (int i = 0; i < g->st->objs.len; i++) {
        DbObj *o = LIST_GET(&g->st->objs, i);
        if (o->table && strcmp(o->table, table) == 0)
            obj_drop(g, o);
    }
}

static void delete_model(Gen *g, DjModel *m)
{
    if (!in_db(m))
        return;
    for (int i = 0; i < m->fields.len; i++) {
        DjField *f = LIST_GET(&m->fields, i);
        if (f->m2m && !f->through && f->to)
            delete_model(g, through_model(g, m, f));
    }
    emit(g, arena_printf(g->a, "DROP TABLE \"%s\" CASCADE", m->db_table));
    forget_table(g, m->db_table);
    drop_deferred(g, m->db_table, NULL);
}

static void rename_table_objs(Gen *g, const char *from, const char *to)
{
    for (int i = 0; i < g->st->objs.len; i++) {
        DbObj *o = LIST_GET(&g->st->objs, i);
        if (o->table && strcmp(o->table, from) == 0)
            o->table = to;
    }
}

static void alter_db_table(Gen *g, const char *from, const char *to)
{
    if (strcmp(from, to) == 0)
        return;
    emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" RENAME TO \"%s\"", from, to));
    rename_table_objs(g, from, to);
}

static void drop_fks(Gen *g, const DjModel *m, const char *column)
{
    List fks = {0};
    obj_find(g, m->db_table, 'f', column, &fks);
    for (int i = 0; i < fks.len; i++) {
        DbObj *o = LIST_GET(&fks, i);
        emit(g, arena_printf(g->a, "SET CONSTRAINTS \"%s\" IMMEDIATE; ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"",
                             o->name, m->db_table, o->name));
        obj_drop(g, o);
    }
}

static void add_field(Gen *g, DjModel *m, DjField *f)
{
    if (!in_db(m))
        return;
    if (f->m2m) {
        if (!f->through && f->to)
            create_model(g, through_model(g, m, f));
        return;
    }
    if (f->unknown) {
        unknown_field_note(g, f, "add");
        return;
    }
    const char *def = column_sql(g, m, f, true);
    const char *chk = check_of(g, f);
    if (chk) {
        def = arena_printf(g->a, "%s CHECK (%s)", def, chk);
        obj_add(g, m->db_table, 'c', f->column, dj_pg_name(g->a, m->db_table, f->column, "check"));
    }
    const char *suffix = type_suffix(g, f);
    if (suffix)
        def = arena_printf(g->a, "%s %s", def, suffix);
    if (f->primary_key)
        obj_add(g, m->db_table, 'p', f->column, arena_printf(g->a, "%s_pkey", m->db_table));
    else if (f->unique)
        obj_add(g, m->db_table, 'u', f->column, dj_pg_name(g->a, m->db_table, f->column, "key"));
    const char *sql = arena_printf(g->a, "ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s", m->db_table, f->column, def);
    if (f->relation && f->db_constraint && f->to) {
        const char *name = fk_name(g, m, f);
        const DjField *tf = target_field(g, f);
        sql = arena_printf(g->a, "%s CONSTRAINT \"%s\" REFERENCES \"%s\"(\"%s\") DEFERRABLE INITIALLY DEFERRED; "
                                 "SET CONSTRAINTS \"%s\" IMMEDIATE",
                           sql, name, to_table_of(g, f), target_column(f, tf), name);
        obj_add(g, m->db_table, 'f', f->column, name);
    }
    emit(g, sql);
    bool keeps_default = f->db_default && g->version >= 50;
    if (!keeps_default && effective_default(g, f))
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ALTER COLUMN \"%s\" DROP DEFAULT", m->db_table, f->column));
    field_indexes(g, m, f, true, true, true);
}

static void remove_field(Gen *g, DjModel *m, DjField *f)
{
    if (!in_db(m))
        return;
    if (f->m2m) {
        if (!f->through && f->to)
            delete_model(g, through_model(g, m, f));
        return;
    }
    if (f->unknown) {
        unknown_field_note(g, f, "removes");
        return;
    }
    if (f->relation)
        drop_fks(g, m, f->column);
    emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" DROP COLUMN \"%s\" CASCADE", m->db_table, f->column));
    /* CASCADE takes every index and constraint over the column with it */
    for (int i = 0; i < g->st->objs.len; i++) {
        DbObj *o = LIST_GET(&g->st->objs, i);
        if (o->table && strcmp(o->table, m->db_table) == 0 && col_in(o->cols, f->column))
            obj_drop(g, o);
    }
    drop_deferred(g, m->db_table, f->column);
}

static bool same_call(Gen *g, const DjField *a, const DjField *b)
{
    /* Django compares deconstruct() without the attributes that do not reach
     * the database; comparing the rendered calls minus those does the same. */
    static const char *const ignore[] = {"blank", "db_column", "editable", "error_messages", "help_text",
                                         "limit_choices_to", "on_delete", "related_name",
                                         "related_query_name", "validators", "verbose_name", "choices",
                                         "serialize", "auto_created", "db_comment", NULL};
    const PyNode *ca = a->call, *cb = b->call;
    if (!ca || !cb || !util_streq(a->cls, b->cls) || ca->items.len != cb->items.len)
        return false;
    for (int i = 0; i < ca->items.len; i++)
        if (strcmp(py_render(g->a, LIST_GET(&ca->items, i)), py_render(g->a, LIST_GET(&cb->items, i))) != 0)
            return false;
    for (int pass = 0; pass < 2; pass++) {
        const PyNode *x = pass ? cb : ca, *y = pass ? ca : cb;
        for (int i = 0; i < x->kw_names.len; i++) {
            const char *k = LIST_GET(&x->kw_names, i);
            bool skip = false;
            for (int j = 0; ignore[j]; j++)
                skip |= strcmp(k, ignore[j]) == 0;
            if (skip)
                continue;
            const PyNode *o = py_kwarg(y, k);
            if (!o || strcmp(py_render(g->a, LIST_GET(&x->kw_values, i)), py_render(g->a, o)) != 0)
                return false;
        }
    }
    return true;
}

/* Django's alter_field/_alter_field, for PostgreSQL. */
static void alter_field(Gen *g, DjModel *m, DjField *old, DjField *new)
{
    if (!in_db(m))
        return;
    if (strcmp(old->column, new->column) == 0 && same_call(g, old, new))
        return;
    if (old->m2m || new->m2m) {
        if (old->m2m && new->m2m && !old->through && !new->through && old->to && new->to) {
            DjModel *ot = through_model(g, m, old), *nt = through_model(g, m, new);
            alter_db_table(g, ot->db_table, nt->db_table);
        }
        return;
    }
    if (old->unknown || new->unknown) {
        unknown_field_note(g, new->unknown ? new : old, "changes");
        return;
    }
    const char *t = m->db_table;
    const char *old_type = field_type(g, old), *new_type = field_type(g, new);
    bool fks_dropped = false;
    if (old->relation && old->db_constraint) {
        List fks = {0};
        obj_find(g, t, 'f', old->column, &fks);
        fks_dropped = fks.len > 0;
        drop_fks(g, m, old->column);
    }
    if (old->unique && (!new->unique || (!old->primary_key && new->primary_key))) {
        List u = {0};
        obj_find(g, t, 'u', old->column, &u);
        for (int i = 0; i < u.len; i++) {
            DbObj *o = LIST_GET(&u, i);
            if (find_constraint(m, o->name, NULL))
                continue;
            emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"", t, o->name));
            obj_drop(g, o);
        }
    }
    /* incoming foreign keys, when a referenced key changes type */
    bool drop_incoming = ((old->primary_key && new->primary_key) || (old->unique && new->unique)) &&
                         strcmp(old_type, new_type) != 0;
    List incoming = {0}; /* DjModel*, DjField* pairs */
    if (drop_incoming) {
        for (int i = 0; i < g->st->models.len; i++) {
            DjModel *rm = LIST_GET(&g->st->models, i);
            for (int j = 0; j < rm->fields.len; j++) {
                DjField *rf = LIST_GET(&rm->fields, j);
                if (!is_fk(rf) || dj_find_model(g->st, NULL, rf->to) != m)
                    continue;
                if (rf->to_field ? strcmp(rf->to_field, new->name) != 0 : !new->primary_key)
                    continue;
                list_push(g->a, &incoming, rm);
                list_push(g->a, &incoming, rf);
                drop_fks(g, rm, rf->column);
            }
        }
    }
    if (old->db_index && !old->unique && (!new->db_index || new->unique)) {
        List ix = {0};
        obj_find(g, t, 'i', old->column, &ix);
        for (int i = 0; i < ix.len; i++) {
            DbObj *o = LIST_GET(&ix, i);
            bool meta = false;
            for (int k = 0; k < m->indexes.len; k++)
                meta |= util_streq(((DjIndex *)LIST_GET(&m->indexes, k))->name, o->name);
            if (meta)
                continue;
            emit(g, arena_printf(g->a, "DROP INDEX IF EXISTS \"%s\"", o->name));
            obj_drop(g, o);
        }
    }
    const char *old_check = check_of(g, old), *new_check = check_of(g, new);
    if (old_check && !util_streq(old_check, new_check)) {
        List c = {0};
        obj_find(g, t, 'c', old->column, &c);
        for (int i = 0; i < c.len; i++) {
            DbObj *o = LIST_GET(&c, i);
            emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"", t, o->name));
            obj_drop(g, o);
        }
    }
    /* PostgreSQL: the _like index goes when the type stops being varchar/text */
    if ((old->db_index || old->unique) &&
        ((strncmp(old_type, "varchar", 7) == 0 && strncmp(new_type, "varchar", 7) != 0) ||
         (strncmp(old_type, "text", 4) == 0 && strncmp(new_type, "text", 4) != 0))) {
        const char *cols[1] = {old->column};
        const char *name = dj_index_name(g->a, t, cols, 1, "_like");
        emit(g, arena_printf(g->a, "DROP INDEX IF EXISTS \"%s\"", name));
        List ix = {0};
        obj_find(g, t, 'i', old->column, &ix);
        for (int i = 0; i < ix.len; i++)
            if (strcmp(((DbObj *)LIST_GET(&ix, i))->name, name) == 0)
                obj_drop(g, LIST_GET(&ix, i));
    }
    if (strcmp(old->column, new->column) != 0) {
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" RENAME COLUMN \"%s\" TO \"%s\"", t, old->column, new->column));
        for (int i = 0; i < g->st->objs.len; i++) {
            DbObj *o = LIST_GET(&g->st->objs, i);
            if (o->table && strcmp(o->table, t) == 0 && col_in(o->cols, old->column) && !strchr(o->cols, ','))
                o->cols = new->column;
        }
    }
    List actions = {0}, null_actions = {0}, post = {0};
    if (!util_streq(old->collation, new->collation)) {
        list_push(g->a, &actions,
                  arena_printf(g->a, "ALTER COLUMN \"%s\" TYPE %s%s", new->column, new_type,
                               new->collation ? arena_printf(g->a, " COLLATE \"%s\"", new->collation) : ""));
    } else if (strcmp(old_type, new_type) != 0) {
        static const char *const serial[][2] = {{"serial", "integer"}, {"bigserial", "bigint"},
                                                {"smallserial", "smallint"}};
        const char *to_serial = NULL; /* 3.2 makes the sequence; 4.1+ writes TYPE serial, which PostgreSQL refuses */
        for (int i = 0; i < 3 && g->version < 41; i++)
            if (strcmp(new_type, serial[i][0]) == 0)
                to_serial = serial[i][1];
        bool cast = strcmp(type_template(g, old), type_template(g, new)) != 0;
        const char *seq = arena_printf(g->a, "%s_%s_seq", t, new->column);
        if (to_serial) {
            list_push(g->a, &actions, arena_printf(g->a, "ALTER COLUMN \"%s\" TYPE %s USING \"%s\"::%s",
                                                   new->column, to_serial, new->column, to_serial));
            list_push(g->a, &post, arena_printf(g->a, "DROP SEQUENCE IF EXISTS \"%s\" CASCADE", seq));
            list_push(g->a, &post, arena_printf(g->a, "CREATE SEQUENCE \"%s\"", seq));
            list_push(g->a, &post, arena_printf(g->a, "ALTER TABLE \"%s\" ALTER COLUMN \"%s\" SET DEFAULT nextval('\"%s\"')",
                                                t, new->column, seq));
            list_push(g->a, &post, arena_printf(g->a, "SELECT setval('\"%s\"', MAX(\"%s\")) FROM \"%s\"", seq,
                                                new->column, t));
            list_push(g->a, &post, arena_printf(g->a, "ALTER SEQUENCE \"%s\" OWNED BY \"%s\".\"%s\"", seq, t,
                                                new->column));
        } else {
            list_push(g->a, &actions, arena_printf(g->a, "ALTER COLUMN \"%s\" TYPE %s%s", new->column, new_type,
                                                   cast ? arena_printf(g->a, " USING \"%s\"::%s", new->column,
                                                                       new_type) : ""));
            if (strcmp(old_type, "serial") == 0 || strcmp(old_type, "bigserial") == 0 ||
                strcmp(old_type, "smallserial") == 0)
                list_push(g->a, &post, arena_printf(g->a, "DROP SEQUENCE IF EXISTS \"%s\" CASCADE", seq));
        }
    }
    bool needs_db_default = false;
    const char *new_default = effective_default(g, new);
    if (old->null && !new->null) {
        const char *old_default = effective_default(g, old);
        if (new_default && !util_streq(old_default, new_default)) {
            needs_db_default = true;
            list_push(g->a, &actions, arena_printf(g->a, "ALTER COLUMN \"%s\" SET DEFAULT %s", new->column, new_default));
        }
    }
    if (old->null != new->null)
        list_push(g->a, &null_actions, arena_printf(g->a, "ALTER COLUMN \"%s\" %s NOT NULL", new->column,
                                                    new->null ? "DROP" : "SET"));
    bool four_way = new->dflt && old->null && !new->null;
    if (actions.len || null_actions.len) {
        if (!four_way)
            for (int i = 0; i < null_actions.len; i++)
                list_push(g->a, &actions, LIST_GET(&null_actions, i));
        if (actions.len) {
            StrBuf sb;
            sb_init(&sb, g->a);
            sb_printf(&sb, "ALTER TABLE \"%s\" ", t);
            for (int i = 0; i < actions.len; i++)
                sb_printf(&sb, "%s%s", i ? ", " : "", (const char *)LIST_GET(&actions, i));
            emit(g, sb.data);
        }
        if (four_way) {
            /* 4.2+: deferred constraints checked before the ALTER, so that the
             * UPDATE's pending trigger events do not block it */
            emit(g, arena_printf(g->a, "UPDATE \"%s\" SET \"%s\" = %s WHERE \"%s\" IS NULL%s", t, new->column,
                                 new_default ? new_default : "NULL", new->column,
                                 g->version >= 42 ? "; SET CONSTRAINTS ALL IMMEDIATE" : ""));
            for (int i = 0; i < null_actions.len; i++)
                emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" %s", t, (const char *)LIST_GET(&null_actions, i)));
        }
    }
    for (int i = 0; i < post.len; i++)
        emit(g, LIST_GET(&post, i));
    if (old->primary_key && !new->primary_key) {
        List pk = {0};
        obj_find(g, t, 'p', NULL, &pk);
        for (int i = 0; i < pk.len; i++) {
            emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"", t,
                                 ((DbObj *)LIST_GET(&pk, i))->name));
            obj_drop(g, LIST_GET(&pk, i));
        }
    }
    if ((!old->unique && new->unique) || (old->primary_key && !new->primary_key && new->unique)) {
        const char *cols[1] = {new->column};
        const char *name = dj_index_name(g->a, t, cols, 1, "_uniq");
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" UNIQUE (\"%s\")", t, name, new->column));
        obj_add(g, t, 'u', new->column, name);
    }
    if ((!old->db_index || old->unique) && new->db_index && !new->unique)
        field_indexes(g, m, new, false, true, false);
    if (!old->primary_key && new->primary_key) {
        const char *cols[1] = {new->column};
        const char *name = dj_index_name(g->a, t, cols, 1, "_pk");
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" PRIMARY KEY (\"%s\")", t, name,
                             new->column));
        obj_add(g, t, 'p', new->column, name);
    }
    for (int i = 0; i + 1 < incoming.len; i += 2) {
        DjModel *rm = LIST_GET(&incoming, i);
        DjField *rf = LIST_GET(&incoming, i + 1);
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ALTER COLUMN \"%s\" TYPE %s USING \"%s\"::%s", rm->db_table,
                             rf->column, rel_type(g, new), rf->column, rel_type(g, new)));
    }
    if (new->relation && (fks_dropped || !old->relation || !old->db_constraint) && new->db_constraint && new->to) {
        const char *name;
        emit(g, create_fk_sql(g, m, new, &name));
        obj_add(g, t, 'f', new->column, name);
    }
    for (int i = 0; i + 1 < incoming.len; i += 2) {
        DjModel *rm = LIST_GET(&incoming, i);
        DjField *rf = LIST_GET(&incoming, i + 1);
        if (!rf->db_constraint)
            continue;
        const char *cols[1] = {rf->column};
        const char *name = dj_index_name(g->a, rm->db_table, cols, 1,
                                         arena_printf(g->a, "_fk"));
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" FOREIGN KEY (\"%s\") REFERENCES \"%s\" "
                                   "(\"%s\") DEFERRABLE INITIALLY DEFERRED",
                             rm->db_table, name, rf->column, t, new->column));
        obj_add(g, rm->db_table, 'f', rf->column, name);
    }
    if (new_check && !util_streq(old_check, new_check)) {
        const char *cols[1] = {new->column};
        const char *name = dj_index_name(g->a, t, cols, 1, "_check");
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" CHECK (%s)", t, name, new_check));
        obj_add(g, t, 'c', new->column, name);
    }
    if (needs_db_default)
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ALTER COLUMN \"%s\" DROP DEFAULT", t, new->column));
    /* PostgreSQL's own: an index added (or a unique) gets its _like twin; a
     * unique removed takes it away */
    if ((!(old->db_index || old->unique) && new->db_index) || (!old->unique && new->unique))
        field_indexes(g, m, new, false, false, true);
    if (old->unique && !(new->db_index || new->unique)) {
        const char *cols[1] = {old->column};
        emit(g, arena_printf(g->a, "DROP INDEX IF EXISTS \"%s\"", dj_index_name(g->a, t, cols, 1, "_like")));
    }
}

/* ---- operations ------------------------------------------------------ */

static DjModel *model_copy(Gen *g, const DjModel *m)
{
    DjModel *c = arena_alloc(g->a, sizeof *c);
    *c = *m;
    c->fields = (List){0};
    for (int i = 0; i < m->fields.len; i++)
        list_push(g->a, &c->fields, LIST_GET(&m->fields, i));
    c->indexes = (List){0};
    for (int i = 0; i < m->indexes.len; i++)
        list_push(g->a, &c->indexes, LIST_GET(&m->indexes, i));
    c->constraints = (List){0};
    for (int i = 0; i < m->constraints.len; i++)
        list_push(g->a, &c->constraints, LIST_GET(&m->constraints, i));
    return c;
}

static void replace_model(Gen *g, DjModel *old, DjModel *new)
{
    for (int i = 0; i < g->st->models.len; i++)
        if (LIST_GET(&g->st->models, i) == old)
            g->st->models.items[i] = new;
}

static void remove_model(Gen *g, DjModel *m)
{
    for (int i = 0; i < g->st->models.len; i++)
        if (LIST_GET(&g->st->models, i) == m) {
            memmove(&g->st->models.items[i], &g->st->models.items[i + 1],
                    sizeof(void *) * (size_t)(g->st->models.len - i - 1));
            g->st->models.len--;
            return;
        }
}

static int set_field(Gen *g, DjModel *m, DjField *f, bool replace)
{
    for (int i = 0; i < m->fields.len; i++)
        if (strcmp(((DjField *)LIST_GET(&m->fields, i))->name, f->name) == 0) {
            if (replace)
                m->fields.items[i] = f;
            return 0;
        }
    list_push(g->a, &m->fields, f);
    return 0;
}

static void remove_field_state(DjModel *m, const char *name)
{
    for (int i = 0; i < m->fields.len; i++)
        if (strcmp(((DjField *)LIST_GET(&m->fields, i))->name, name) == 0) {
            memmove(&m->fields.items[i], &m->fields.items[i + 1], sizeof(void *) * (size_t)(m->fields.len - i - 1));
            m->fields.len--;
            return;
        }
}

static void apply_options(Gen *g, DjModel *m, const PyNode *opts)
{
    if (!opts || opts->kind != PY_DICT)
        return;
    for (int i = 0; i + 1 < opts->items.len; i += 2) {
        const char *k = py_str(LIST_GET(&opts->items, i));
        const PyNode *v = LIST_GET(&opts->items, i + 1);
        if (!k)
            continue;
        if (strcmp(k, "db_table") == 0 && py_str(v)) m->db_table = py_str(v);
        else if (strcmp(k, "managed") == 0) m->managed = py_truthy(v, true);
        else if (strcmp(k, "proxy") == 0) m->proxy = py_truthy(v, false);
        else if (strcmp(k, "unique_together") == 0) normalize_together(g, v, &m->unique_together);
        else if (strcmp(k, "index_together") == 0) normalize_together(g, v, &m->index_together);
        else if (strcmp(k, "order_with_respect_to") == 0) m->order_wrt = py_str(v);
        else if (strcmp(k, "indexes") == 0 && py_is_seq(v)) {
            for (int j = 0; j < v->items.len; j++) {
                DjIndex *ix = arena_alloc(g->a, sizeof *ix);
                ix->call = LIST_GET(&v->items, j);
                ix->name = py_str(py_kwarg(ix->call, "name"));
                list_push(g->a, &m->indexes, ix);
            }
        } else if (strcmp(k, "constraints") == 0 && py_is_seq(v)) {
            for (int j = 0; j < v->items.len; j++)
                list_push(g->a, &m->constraints, LIST_GET(&v->items, j));
        }
    }
}

static DjField *order_field(Gen *g)
{
    static const PyNode no_call;
    DjField *f = arena_alloc(g->a, sizeof *f);
    f->name = "_order";
    f->column = "_order";
    f->cls = "IntegerField";
    f->call = &no_call;
    f->size = -1;
    /* IntegerField(default=0): Django fills existing rows with 0 */
    static PyNode zero = {.kind = PY_NUM, .s = "0"};
    f->dflt = &zero;
    return f;
}

static const char *model_key(Gen *g, const DjModel *m)
{
    return arena_printf(g->a, "%s.%s", m->app, m->lname);
}

static int op_create_model(Gen *g, const PyNode *call, DjOp *op)
{
    const char *name = py_str(py_arg(call, 0, "name"));
    const PyNode *fields = py_arg(call, 1, "fields");
    if (!name)
        return fail_at(g, call, "CreateModel needs name='...'", NULL);
    if (!py_is_seq(fields))
        return fail_at(g, fields ? fields : call, "CreateModel needs fields=[...] zdm can read", NULL);
    DjModel *m = arena_alloc(g->a, sizeof *m);
    m->app = g->app;
    m->name = name;
    m->lname = lower(g->a, name);
    m->db_table = arena_printf(g->a, "%s_%s", g->app, m->lname);
    m->managed = true;
    const char *key = model_key(g, m);
    for (int i = 0; i < fields->items.len; i++) {
        const PyNode *t = LIST_GET(&fields->items, i);
        if (t->kind != PY_TUPLE || t->items.len != 2 || !py_str(LIST_GET(&t->items, 0)) ||
            ((PyNode *)LIST_GET(&t->items, 1))->kind != PY_CALL)
            return fail_at(g, t, "a field must be written ('name', models.SomeField(...))", NULL);
        list_push(g->a, &m->fields, field_new(g, key, py_str(LIST_GET(&t->items, 0)), LIST_GET(&t->items, 1)));
    }
    apply_options(g, m, py_arg(call, 2, "options"));
    if (m->order_wrt)
        list_push(g->a, &m->fields, order_field(g));
    const PyNode *bases = py_arg(call, 3, "bases");
    for (int i = 0; py_is_seq(bases) && i < bases->items.len; i++)
        if (py_str(LIST_GET(&bases->items, i)))
            m->parent = lower(g->a, py_str(LIST_GET(&bases->items, i)));
    list_push(g->a, &g->st->models, m);
    op->model = arena_printf(g->a, "%s.%s", g->app, name);
    op->describe = arena_printf(g->a, "Create %smodel %s", m->proxy ? "proxy " : "", name);
    create_model(g, m);
    return 0;
}

static int op_field(Gen *g, const PyNode *call, DjOp *op, const char *kind)
{
    DjModel *m = op_model(g, call, 0, "model_name");
    if (!m)
        return -1;
    const char *fname = py_str(py_arg(call, 1, "name"));
    if (!fname)
        return fail_at(g, call, "%s needs name='...'", kind);
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    op->field = fname;
    DjField *old = find_field(m, fname);
    if (strcmp(kind, "RemoveField") == 0) {
        if (!old)
            return fail_at(g, call, "RemoveField: no field '%s' on this model", fname);
        op->describe = arena_printf(g->a, "Remove field %s from %s", fname, m->lname);
        remove_field(g, m, old);
        DjModel *c = model_copy(g, m);
        remove_field_state(c, fname);
        replace_model(g, m, c);
        return 0;
    }
    const PyNode *fcall = py_arg(call, 2, "field");
    if (!fcall || fcall->kind != PY_CALL)
        return fail_at(g, fcall ? fcall : call, "%s needs field=models.SomeField(...)", kind);
    DjField *f = field_new(g, model_key(g, m), fname, fcall);
    bool preserve = py_truthy(py_arg(call, 3, "preserve_default"), true);
    DjModel *c = model_copy(g, m);
    if (strcmp(kind, "AddField") == 0) {
        if (old)
            return fail_at(g, call, "AddField: the model already has a field '%s'", fname);
        op->describe = arena_printf(g->a, "Add field %s to %s", fname, m->lname);
        set_field(g, c, f, false);
        replace_model(g, m, c);
        add_field(g, c, f);
    } else {
        if (!old)
            return fail_at(g, call, "AlterField: no field '%s' on this model", fname);
        op->describe = arena_printf(g->a, "Alter field %s on %s", fname, m->lname);
        set_field(g, c, f, true);
        replace_model(g, m, c);
        alter_field(g, c, old, f);
    }
    if (!preserve) { /* the default was for this migration only */
        DjField *kept = arena_alloc(g->a, sizeof *kept);
        *kept = *f;
        kept->dflt = NULL;
        set_field(g, c, kept, true);
    }
    return 0;
}

static int op_rename_field(Gen *g, const PyNode *call, DjOp *op)
{
    DjModel *m = op_model(g, call, 0, "model_name");
    if (!m)
        return -1;
    const char *from = py_str(py_arg(call, 1, "old_name")), *to = py_str(py_arg(call, 2, "new_name"));
    DjField *old = from ? find_field(m, from) : NULL;
    if (!old || !to)
        return fail_at(g, call, "RenameField: no field '%s' on this model", from ? from : "?");
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    op->field = from;
    op->describe = arena_printf(g->a, "Rename field %s on %s to %s", from, m->lname, to);
    DjField *f = arena_alloc(g->a, sizeof *f);
    *f = *old;
    f->name = to;
    if (!py_str(py_kwarg(old->call, "db_column")))
        f->column = is_fk(old) ? arena_printf(g->a, "%s_id", to) : to;
    DjModel *c = model_copy(g, m);
    c->fields.items[0] = c->fields.items[0];
    for (int i = 0; i < c->fields.len; i++)
        if (LIST_GET(&c->fields, i) == old)
            c->fields.items[i] = f;
    /* together options and indexes name fields: follow the rename */
    for (int k = 0; k < 2; k++) {
        List *set = k ? &c->index_together : &c->unique_together;
        for (int i = 0; i < set->len; i++) {
            List *l = LIST_GET(set, i);
            for (int j = 0; j < l->len; j++)
                if (strcmp(LIST_GET(l, j), from) == 0)
                    l->items[j] = (void *)to;
        }
    }
    replace_model(g, m, c);
    if (in_db(c) && strcmp(old->column, f->column) != 0) {
        emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" RENAME COLUMN \"%s\" TO \"%s\"", c->db_table, old->column,
                             f->column));
        for (int i = 0; i < g->st->objs.len; i++) {
            DbObj *o = LIST_GET(&g->st->objs, i);
            if (o->table && strcmp(o->table, c->db_table) == 0 && strcmp(o->cols, old->column) == 0)
                o->cols = f->column;
        }
    }
    return 0;
}

/* Fields elsewhere that point at model m (to rename their FKs and M2M tables). */
static int op_rename_model(Gen *g, const PyNode *call, DjOp *op)
{
    const char *from = py_str(py_arg(call, 0, "old_name")), *to = py_str(py_arg(call, 1, "new_name"));
    DjModel *m = from ? dj_find_model(g->st, g->app, from) : NULL;
    if (!m || !to)
        return fail_at(g, call, "RenameModel: no model '%s' in this app", from ? from : "?");
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    op->describe = arena_printf(g->a, "Rename model %s to %s", from, to);
    const char *old_key = model_key(g, m);
    DjModel *c = model_copy(g, m);
    c->name = to;
    c->lname = lower(g->a, to);
    const char *default_table = arena_printf(g->a, "%s_%s", m->app, m->lname);
    if (strcmp(m->db_table, default_table) == 0)
        c->db_table = arena_printf(g->a, "%s_%s", m->app, c->lname);
    replace_model(g, m, c);
    const char *new_key = model_key(g, c);
    if (in_db(c)) {
        alter_db_table(g, m->db_table, c->db_table);
        /* its own auto-created M2M tables are named after it, and so is their column */
        for (int i = 0; i < c->fields.len; i++) {
            DjField *f = LIST_GET(&c->fields, i);
            if (!f->m2m || f->through || !f->to)
                continue;
            DjModel *ot = through_model(g, m, f), *nt = through_model(g, c, f);
            alter_db_table(g, ot->db_table, nt->db_table);
            const DjField *oc = LIST_GET(&ot->fields, 1), *nc = LIST_GET(&nt->fields, 1);
            /* migrate's alter_field on the through table's FK: drop it, rename the
             * column, remake it (sqlmigrate shows only the rename: it cannot
             * introspect the renamed table) */
            drop_fks(g, nt, oc->column);
            if (strcmp(oc->column, nc->column) != 0) {
                emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" RENAME COLUMN \"%s\" TO \"%s\"", nt->db_table,
                                     oc->column, nc->column));
                for (int k = 0; k < g->st->objs.len; k++) {
                    DbObj *o = LIST_GET(&g->st->objs, k);
                    if (o->table && strcmp(o->table, nt->db_table) == 0 && strcmp(o->cols, oc->column) == 0)
                        o->cols = nc->column;
                }
            }
            const char *name;
            emit(g, create_fk_sql(g, nt, nc, &name));
            obj_add(g, nt->db_table, 'f', nc->column, name);
        }
    }
    /* every field pointing here now says so: its FK is remade (Django's
     * alter_field sees the target change) and M2M tables follow */
    for (int i = 0; i < g->st->models.len; i++) {
        DjModel *rm = LIST_GET(&g->st->models, i);
        for (int j = 0; j < rm->fields.len; j++) {
            DjField *rf = LIST_GET(&rm->fields, j);
            if (!rf->relation || !util_streq(rf->to, old_key))
                continue;
            DjField *nf = arena_alloc(g->a, sizeof *nf);
            *nf = *rf;
            nf->to = new_key;
            rm->fields.items[j] = nf;
            if (is_fk(rf) && rf->db_constraint && in_db(rm)) {
                drop_fks(g, rm, rf->column);
                const char *name;
                emit(g, create_fk_sql(g, rm, nf, &name));
                obj_add(g, rm->db_table, 'f', nf->column, name);
            }
        }
    }
    return 0;
}

static int op_index(Gen *g, const PyNode *call, DjOp *op, const char *kind)
{
    DjModel *m = op_model(g, call, 0, "model_name");
    if (!m)
        return -1;
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    bool concurrently = strstr(kind, "Concurrently") != NULL;
    DjModel *c = model_copy(g, m);
    replace_model(g, m, c);
    if (strncmp(kind, "AddIndex", 8) == 0) {
        const PyNode *idx = py_arg(call, 1, "index");
        if (!idx || idx->kind != PY_CALL)
            return fail_at(g, call, "AddIndex needs index=models.Index(...)", NULL);
        DjIndex *ix = arena_alloc(g->a, sizeof *ix);
        ix->call = idx;
        ix->name = py_str(py_kwarg(idx, "name"));
        list_push(g->a, &c->indexes, ix);
        op->describe = arena_printf(g->a, "Create index %s on %s", ix->name ? ix->name : "?", m->lname);
        if (in_db(c)) {
            const char *name;
            emit(g, create_index_sql(g, c, idx, concurrently, &name));
        }
        return 0;
    }
    if (strcmp(kind, "RenameIndex") == 0) {
        const char *new_name = py_str(py_arg(call, 1, "new_name"));
        const char *old_name = py_str(py_kwarg(call, "old_name"));
        const PyNode *old_fields = py_kwarg(call, "old_fields");
        op->describe = arena_printf(g->a, "Rename index %s on %s to %s", old_name ? old_name : "(unnamed)",
                                    m->lname, new_name ? new_name : "?");
        if (!old_name && py_is_seq(old_fields)) {
            List fl = {0};
            for (int i = 0; i < old_fields->items.len; i++)
                list_push(g->a, &fl, (void *)py_str(LIST_GET(&old_fields->items, i)));
            const char **arr;
            const char *cols = together_cols(g, c, &fl, &arr);
            List found = {0};
            obj_find(g, c->db_table, 'i', cols, &found);
            if (found.len)
                old_name = ((DbObj *)LIST_GET(&found, 0))->name;
            for (int i = 0; i < c->index_together.len; i++)
                if (same_fields(LIST_GET(&c->index_together, i), &fl)) {
                    memmove(&c->index_together.items[i], &c->index_together.items[i + 1],
                            sizeof(void *) * (size_t)(c->index_together.len - i - 1));
                    c->index_together.len--;
                    break;
                }
            DjIndex *ix = arena_alloc(g->a, sizeof *ix);
            ix->name = new_name;
            ix->call = call;
            list_push(g->a, &c->indexes, ix);
        }
        for (int i = 0; i < c->indexes.len; i++) {
            DjIndex *ix = LIST_GET(&c->indexes, i);
            if (util_streq(ix->name, old_name)) {
                DjIndex *n = arena_alloc(g->a, sizeof *n);
                n->name = new_name;
                n->call = ix->call;
                c->indexes.items[i] = n;
            }
        }
        if (in_db(c) && old_name && new_name) {
            emit(g, arena_printf(g->a, "ALTER INDEX \"%s\" RENAME TO \"%s\"", old_name, new_name));
            for (int i = 0; i < g->st->objs.len; i++) {
                DbObj *o = LIST_GET(&g->st->objs, i);
                if (o->table && util_streq(o->name, old_name))
                    o->name = new_name;
            }
        }
        return 0;
    }
    /* RemoveIndex */
    const char *name = py_str(py_arg(call, 1, "name"));
    op->describe = arena_printf(g->a, "Remove index %s from %s", name ? name : "?", m->lname);
    for (int i = 0; i < c->indexes.len; i++)
        if (util_streq(((DjIndex *)LIST_GET(&c->indexes, i))->name, name)) {
            memmove(&c->indexes.items[i], &c->indexes.items[i + 1], sizeof(void *) * (size_t)(c->indexes.len - i - 1));
            c->indexes.len--;
            break;
        }
    if (in_db(c)) {
        emit(g, arena_printf(g->a, "DROP INDEX %sIF EXISTS \"%s\"", concurrently ? "CONCURRENTLY " : "", name ? name : "?"));
        for (int i = 0; i < g->st->objs.len; i++) {
            DbObj *o = LIST_GET(&g->st->objs, i);
            if (o->table && util_streq(o->name, name))
                obj_drop(g, o);
        }
    }
    return 0;
}

static int op_constraint(Gen *g, const PyNode *call, DjOp *op, const char *kind)
{
    DjModel *m = op_model(g, call, 0, "model_name");
    if (!m)
        return -1;
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    DjModel *c = model_copy(g, m);
    replace_model(g, m, c);
    if (strcmp(kind, "AddConstraint") == 0 || strcmp(kind, "AddConstraintNotValid") == 0) {
        const PyNode *con = py_arg(call, 1, "constraint");
        if (!con || con->kind != PY_CALL)
            return fail_at(g, call, "AddConstraint needs constraint=models.SomeConstraint(...)", NULL);
        list_push(g->a, &c->constraints, (void *)con);
        const char *name = py_str(py_kwarg(con, "name"));
        op->describe = arena_printf(g->a, "Create constraint %s on model %s", name ? name : "?", m->lname);
        if (in_db(c)) {
            if (strcmp(kind, "AddConstraintNotValid") == 0) {
                const char *def = constraint_inline(g, c, con);
                if (def)
                    emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" ADD %s NOT VALID", c->db_table, def));
            } else {
                add_constraint(g, c, con);
            }
        }
        return 0;
    }
    if (strcmp(kind, "ValidateConstraint") == 0) {
        const char *name = py_str(py_arg(call, 1, "name"));
        op->describe = arena_printf(g->a, "Validate constraint %s on model %s", name ? name : "?", m->lname);
        if (in_db(c))
            emit(g, arena_printf(g->a, "ALTER TABLE \"%s\" VALIDATE CONSTRAINT \"%s\"", c->db_table, name ? name : "?"));
        return 0;
    }
    const char *name = py_str(py_arg(call, 1, "name"));
    op->describe = arena_printf(g->a, "Remove constraint %s from model %s", name ? name : "?", m->lname);
    int at = -1;
    const PyNode *con = find_constraint(c, name, &at);
    if (!con)
        return fail_at(g, call, "RemoveConstraint: no constraint '%s' on this model", name ? name : "?");
    memmove(&c->constraints.items[at], &c->constraints.items[at + 1],
            sizeof(void *) * (size_t)(c->constraints.len - at - 1));
    c->constraints.len--;
    if (in_db(c)) {
        bool index = util_streq(py_last(py_callee(con)), "UniqueConstraint") && unique_as_index(con);
        emit(g, index ? arena_printf(g->a, "DROP INDEX IF EXISTS \"%s\"", name)
                      : arena_printf(g->a, "ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"", c->db_table, name));
        for (int i = 0; i < g->st->objs.len; i++) {
            DbObj *o = LIST_GET(&g->st->objs, i);
            if (o->table && util_streq(o->name, name))
                obj_drop(g, o);
        }
    }
    return 0;
}

static int op_together(Gen *g, const PyNode *call, DjOp *op, bool unique)
{
    DjModel *m = op_model(g, call, 0, "name");
    if (!m)
        return -1;
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    List news;
    normalize_together(g, py_arg(call, 1, unique ? "unique_together" : "index_together"), &news);
    op->describe = arena_printf(g->a, "Alter %s_together for %s (%d constraint(s))", unique ? "unique" : "index",
                                m->lname, news.len);
    DjModel *c = model_copy(g, m);
    List *olds = unique ? &m->unique_together : &m->index_together;
    if (unique)
        c->unique_together = news;
    else
        c->index_together = news;
    replace_model(g, m, c);
    if (!in_db(c))
        return 0;
    for (int i = 0; i < olds->len; i++) {
        List *f = LIST_GET(olds, i);
        if (together_has(&news, f))
            continue;
        const char **arr;
        const char *cols = together_cols(g, c, f, &arr);
        List found = {0};
        obj_find(g, c->db_table, unique ? 'u' : 'i', cols, &found);
        for (int k = 0; k < found.len; k++) {
            DbObj *o = LIST_GET(&found, k);
            if (find_constraint(c, o->name, NULL))
                continue;
            emit(g, unique ? arena_printf(g->a, "ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"", c->db_table, o->name)
                           : arena_printf(g->a, "DROP INDEX IF EXISTS \"%s\"", o->name));
            obj_drop(g, o);
            break;
        }
    }
    for (int i = 0; i < news.len; i++) {
        List *f = LIST_GET(&news, i);
        if (together_has(olds, f))
            continue;
        emit(g, unique ? unique_together_sql(g, c, f) : index_together_sql(g, c, f));
    }
    return 0;
}

static int op_alter_table(Gen *g, const PyNode *call, DjOp *op)
{
    DjModel *m = op_model(g, call, 0, "name");
    if (!m)
        return -1;
    const PyNode *tn = py_arg(call, 1, "table");
    const char *table = py_str(tn);
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    op->describe = arena_printf(g->a, "Rename table for %s to %s", m->lname, table ? table : "(default)");
    DjModel *c = model_copy(g, m);
    c->db_table = table ? table : arena_printf(g->a, "%s_%s", m->app, m->lname);
    replace_model(g, m, c);
    if (in_db(c)) {
        alter_db_table(g, m->db_table, c->db_table);
        for (int i = 0; i < c->fields.len; i++) {
            DjField *f = LIST_GET(&c->fields, i);
            if (f->m2m && !f->through && f->to && !f->m2m_table)
                alter_db_table(g, through_model(g, m, f)->db_table, through_model(g, c, f)->db_table);
        }
    }
    return 0;
}

static int op_order_wrt(Gen *g, const PyNode *call, DjOp *op)
{
    DjModel *m = op_model(g, call, 0, "name");
    if (!m)
        return -1;
    const char *wrt = py_str(py_arg(call, 1, "order_with_respect_to"));
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    op->describe = arena_printf(g->a, "Set order_with_respect_to on %s to %s", m->lname, wrt ? wrt : "None");
    DjModel *c = model_copy(g, m);
    c->order_wrt = wrt;
    replace_model(g, m, c);
    DjField *had = find_field(c, "_order");
    if (wrt && !had) {
        DjField *f = order_field(g);
        list_push(g->a, &c->fields, f);
        add_field(g, c, f);
    } else if (!wrt && had) {
        remove_field(g, c, had);
        remove_field_state(c, "_order");
    }
    return 0;
}

static int operations(Gen *g, const PyNode *list, bool top);

/* SeparateDatabaseAndState: database operations change the database over a
 * scratch copy of the state, state operations change the state only. */
static int op_separate(Gen *g, const PyNode *call, DjOp *op)
{
    op->describe = "Custom state/database change combination";
    const PyNode *db = py_kwarg(call, "database_operations");
    if (!db)
        db = py_arg(call, 0, NULL);
    const PyNode *state = py_kwarg(call, "state_operations");
    if (!state)
        state = py_arg(call, 1, NULL);
    List saved = g->st->models;
    g->st->models = (List){0};
    for (int i = 0; i < saved.len; i++)
        list_push(g->a, &g->st->models, LIST_GET(&saved, i));
    if (db && db->kind != PY_NONE && operations(g, db, false) < 0)
        return -1;
    g->st->models = saved;
    bool was = g->no_sql;
    g->no_sql = true;
    int rc = state && state->kind != PY_NONE ? operations(g, state, false) : 0;
    g->no_sql = was;
    return rc;
}

static void sql_strings(Gen *g, const PyNode *v)
{
    if (!v)
        return;
    if (py_str(v)) {
        if (py_str(v)[0])
            emit(g, py_str(v));
        return;
    }
    if (v->kind == PY_NAME && util_streq(py_last(v->s), "noop"))
        return;
    if (py_is_seq(v)) {
        for (int i = 0; i < v->items.len; i++) {
            const PyNode *e = LIST_GET(&v->items, i);
            if (e->kind == PY_TUPLE && e->items.len >= 1)
                e = LIST_GET(&e->items, 0); /* (sql, params) */
            sql_strings(g, e);
        }
        return;
    }
    emit(g, "SELECT 'zdm: RunSQL whose SQL is computed in Python'");
}

static int op_run_sql(Gen *g, const PyNode *call, DjOp *op)
{
    op->describe = "Raw SQL operation";
    const PyNode *sql = py_arg(call, 0, "sql");
    if (!sql)
        return fail_at(g, call, "RunSQL needs its SQL", NULL);
    if (sql->kind != PY_STR && !py_is_seq(sql) && !(sql->kind == PY_NAME && util_streq(py_last(sql->s), "noop")))
        return fail_at(g, sql, "RunSQL: %s", py_why_not(g->a, sql, "the SQL"));
    for (int i = 0; py_is_seq(sql) && i < sql->items.len; i++) {
        const PyNode *e = LIST_GET(&sql->items, i);
        if (e->kind == PY_TUPLE && e->items.len >= 1)
            e = LIST_GET(&e->items, 0); /* (sql, params) */
        if (!py_str(e) && !(e->kind == PY_NAME && util_streq(py_last(e->s), "noop")))
            return fail_at(g, e, "RunSQL: %s", py_why_not(g->a, e, "the SQL"));
    }
    if (sql->kind == PY_STR && sql->fstring)
        return fail_at(g, sql, "RunSQL: zdm cannot read an f-string: write the SQL as a plain string", NULL);
    sql_strings(g, sql);
    const PyNode *state = py_arg(call, 2, "state_operations");
    if (state && state->kind != PY_NONE) {
        bool was = g->no_sql;
        g->no_sql = true;
        int rc = operations(g, state, false);
        g->no_sql = was;
        return rc;
    }
    return 0;
}

static int op_run_python(Gen *g, const PyNode *call, DjOp *op)
{
    const PyNode *code = py_arg(call, 0, "code");
    const char *what = code && code->kind == PY_NAME ? code->s : code ? py_render(g->a, code) : "?";
    op->describe = "Raw Python operation";
    /* RunPython(RunPython.noop, ...): nothing runs forwards, no data changes */
    if (code && code->kind == PY_NAME && util_streq(py_last(code->s), "noop"))
        return 0;
    op->python = true;
    if (!g->no_sql)
        emit_chunk(g, arena_printf(g->a, "-- RunPython(%s): Python code, opaque to zdm", what), g->op, true);
    return 0;
}

static int op_extension(Gen *g, const PyNode *call, DjOp *op, const char *kind)
{
    static const char *const ext[][2] = {{"HStoreExtension", "hstore"}, {"TrigramExtension", "pg_trgm"},
                                         {"UnaccentExtension", "unaccent"}, {"CITextExtension", "citext"},
                                         {"BtreeGinExtension", "btree_gin"}, {"BtreeGistExtension", "btree_gist"},
                                         {"CryptoExtension", "pgcrypto"}, {"BloomExtension", "bloom"}};
    const char *name = py_str(py_arg(call, 0, "name"));
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (strcmp(kind, ext[i][0]) == 0)
            name = ext[i][1];
    op->describe = arena_printf(g->a, "Creates extension %s", name ? name : "?");
    if (!name) { /* a name computed in Python: never an invented extension */
        note(g, call, "not-analysed",
             "zdm cannot analyse this operation: the extension's name is not a string zdm can read",
             "1. check the SQL with python manage.py sqlmigrate APP MIGRATION\n"
             "2. then acknowledge it: # zdm: allow not-analysed <reason> above the operation");
        return 0;
    }
    emit(g, arena_printf(g->a, "CREATE EXTENSION IF NOT EXISTS \"%s\"", name));
    return 0;
}

/* contrib.postgres CreateCollation / RemoveCollation, as its
 * create_collation() writes them. */
static int op_collation(Gen *g, const PyNode *call, DjOp *op, bool create)
{
    const char *name = py_str(py_arg(call, 0, "name"));
    const char *locale = py_str(py_arg(call, 1, "locale"));
    const char *provider = py_str(py_kwarg(call, "provider"));
    const PyNode *det = py_kwarg(call, "deterministic");
    if (!name || (create && !locale)) {
        note(g, call, "not-analysed",
             "zdm cannot analyse this operation: its name or locale is not a string zdm can read",
             "1. review it by hand\n2. then acknowledge it: # zdm: allow not-analysed <reason> above the operation");
        op->describe = create ? "Create collation" : "Remove collation";
        return 0;
    }
    op->describe = arena_printf(g->a, "%s collation %s", create ? "Create" : "Remove", name);
    op->label = arena_printf(g->a, "%s %s", op->kind, name);
    if (!create) {
        emit(g, arena_printf(g->a, "DROP COLLATION \"%s\"", name));
        return 0;
    }
    StrBuf sb;
    sb_init(&sb, g->a);
    sb_printf(&sb, "CREATE COLLATION \"%s\" (locale=\"%s\"", name, locale);
    if (provider && strcmp(provider, "libc") != 0)
        sb_printf(&sb, ", provider=\"%s\"", provider);
    if (det && det->kind == PY_FALSE)
        sb_append(&sb, ", deterministic=false");
    sb_append(&sb, ")");
    emit(g, sb.data);
    return 0;
}

/* AlterConstraint (Django 5.2): a constraint's Python-only attributes
 * (violation_error_message, ...) change; the database does not. */
static int op_alter_constraint(Gen *g, const PyNode *call, DjOp *op)
{
    DjModel *m = op_model(g, call, 0, "model_name");
    if (!m)
        return -1;
    const char *name = py_str(py_arg(call, 1, "name"));
    const PyNode *con = py_arg(call, 2, "constraint");
    op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
    op->describe = arena_printf(g->a, "Alter constraint %s on %s", name ? name : "?", m->lname);
    DjModel *c = model_copy(g, m);
    int at = -1;
    if (find_constraint(c, name, &at) && con && con->kind == PY_CALL)
        c->constraints.items[at] = (void *)con;
    replace_model(g, m, c);
    return 0;
}

static int operation(Gen *g, const PyNode *call)
{
    DjOp *op = arena_alloc(g->a, sizeof *op);
    op->call = call;
    op->line = call->line;
    op->col = call->col;
    op->end_line = call->end_line;
    const char *callee = py_callee(call);
    op->kind = py_last(callee) ? py_last(callee) : "?";
    if (call->kind != PY_CALL || !callee)
        return zdm_error(g->err, g->file, call->line, call->col,
                         "an operation must be a call such as migrations.AddField(...)");
    /* operations nested in SeparateDatabaseAndState / state_operations keep
     * the outer operation's place in the plan */
    bool top = g->op < 0 || g->nesting == 0;
    int saved_op = g->op;
    if (top) {
        list_push(g->a, &g->ops, op);
        g->op = g->ops.len - 1;
    }
    g->nesting++;
    const char *k = op->kind;
    int rc = 0;
    if (strcmp(k, "CreateModel") == 0) rc = op_create_model(g, call, op);
    else if (strcmp(k, "DeleteModel") == 0) {
        DjModel *m = op_model(g, call, 0, "name");
        if (!m) rc = -1;
        else {
            op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
            op->describe = arena_printf(g->a, "Delete model %s", m->name);
            delete_model(g, m);
            remove_model(g, m);
        }
    } else if (strcmp(k, "RenameModel") == 0) rc = op_rename_model(g, call, op);
    else if (strcmp(k, "AlterModelTable") == 0) rc = op_alter_table(g, call, op);
    else if (strcmp(k, "AddField") == 0 || strcmp(k, "AlterField") == 0 || strcmp(k, "RemoveField") == 0)
        rc = op_field(g, call, op, k);
    else if (strcmp(k, "RenameField") == 0) rc = op_rename_field(g, call, op);
    else if (strcmp(k, "AddIndex") == 0 || strcmp(k, "RemoveIndex") == 0 || strcmp(k, "RenameIndex") == 0 ||
             strcmp(k, "AddIndexConcurrently") == 0 || strcmp(k, "RemoveIndexConcurrently") == 0)
        rc = op_index(g, call, op, k);
    else if (strcmp(k, "AddConstraint") == 0 || strcmp(k, "RemoveConstraint") == 0 ||
             strcmp(k, "AddConstraintNotValid") == 0 || strcmp(k, "ValidateConstraint") == 0)
        rc = op_constraint(g, call, op, k);
    else if (strcmp(k, "AlterUniqueTogether") == 0) rc = op_together(g, call, op, true);
    else if (strcmp(k, "AlterIndexTogether") == 0) rc = op_together(g, call, op, false);
    else if (strcmp(k, "AlterOrderWithRespectTo") == 0) rc = op_order_wrt(g, call, op);
    else if (strcmp(k, "AlterModelOptions") == 0 || strcmp(k, "AlterModelManagers") == 0 ||
             strcmp(k, "AlterModelTableComment") == 0) {
        DjModel *m = op_model(g, call, 0, "name");
        if (!m) rc = -1;
        else {
            op->model = arena_printf(g->a, "%s.%s", m->app, m->name);
            op->describe = arena_printf(g->a, "Change Meta options on %s", m->lname);
            if (strcmp(k, "AlterModelOptions") == 0) {
                DjModel *c = model_copy(g, m);
                const PyNode *opts = py_arg(call, 1, "options");
                /* only these keys: db_table and the rest have operations of their own */
                for (int i = 0; opts && opts->kind == PY_DICT && i + 1 < opts->items.len; i += 2)
                    if (util_streq(py_str(LIST_GET(&opts->items, i)), "managed"))
                        c->managed = py_truthy(LIST_GET(&opts->items, i + 1), true);
                replace_model(g, m, c);
            }
        }
    } else if (strcmp(k, "RunSQL") == 0) rc = op_run_sql(g, call, op);
    else if (strcmp(k, "RunPython") == 0) rc = op_run_python(g, call, op);
    else if (strcmp(k, "SeparateDatabaseAndState") == 0) rc = op_separate(g, call, op);
    else if (strcmp(k, "CreateExtension") == 0 || strstr(k, "Extension")) rc = op_extension(g, call, op, k);
    else if (strcmp(k, "CreateCollation") == 0 || strcmp(k, "RemoveCollation") == 0)
        rc = op_collation(g, call, op, k[0] == 'C');
    else if (strcmp(k, "AlterConstraint") == 0) rc = op_alter_constraint(g, call, op);
    else {
        op->describe = arena_printf(g->a, "Custom operation %s", callee);
        if (!g->no_sql)
            emit_chunk(g, arena_printf(g->a, "-- %s: an operation zdm does not know", callee), g->op, true);
        op->custom = true;
    }
    g->nesting--;
    if (top && !op->label)
        op->label = op->field ? arena_printf(g->a, "%s %s.%s", k, op->model, op->field)
                  : op->model ? arena_printf(g->a, "%s %s", k, op->model) : k;
    g->op = top ? g->op : saved_op;
    return rc;
}

static int operations(Gen *g, const PyNode *list, bool top)
{
    (void)top;
    if (!py_is_seq(list))
        return zdm_error(g->err, g->file, list->line, list->col, "expected a list of operations");
    for (int i = 0; i < list->items.len; i++) {
        int saved = g->op;
        if (operation(g, LIST_GET(&list->items, i)) < 0)
            return -1;
        if (g->nesting > 0)
            g->op = saved;
    }
    return 0;
}

/* One placeholder for an operation zdm cannot follow, saying why. notice:
 * the failure may come from an earlier such operation. */
static void not_analysed(Gen *g, const PyNode *n, const char *why, bool notice)
{
    DjOp *op = arena_alloc(g->a, sizeof *op);
    op->call = n;
    op->line = n->line;
    op->col = n->col;
    op->end_line = n->end_line;
    op->kind = py_callee(n) ? py_last(py_callee(n)) : "operation";
    op->label = py_callee(n) ? op->kind : n->remark ? "this migration" : "the operations here";
    size_t kl = strlen(op->kind);
    if (strncmp(why, op->kind, kl) == 0 && strncmp(why + kl, ": ", 2) == 0)
        why += kl + 2; /* "RunSQL: ..." at RunSQL */
    op->not_analysed = arena_strdup(g->a, why);
    op->notice = notice;
    op->remark = n->remark;
    op->describe = arena_printf(g->a, "%s (not analysed by zdm)", op->kind);
    list_push(g->a, &g->ops, op);
    g->op = g->ops.len - 1;
    /* a one-line comment: the SQL parser skips it */
    char *text = arena_printf(g->a, "-- not analysed by zdm: %s", why);
    for (char *c = text; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    emit_chunk(g, text, g->op, true);
    if (!g->st->lost && !n->remark)
        g->st->lost = arena_printf(g->a, "%s:%d", g->file, n->line);
}

int dj_generate(Gen *g, const PyMigration *pm)
{
    bool atomic = py_truthy(pm->atomic, true);
    g->op = -1;
    sb_init(&g->out, g->a);
    sb_append(&g->out, "");
    if (atomic)
        emit_chunk(g, "BEGIN;", -1, false);
    for (int i = 0; i < pm->operations->items.len; i++) {
        const PyNode *call = LIST_GET(&pm->operations->items, i);
        g->op = -1;
        g->nesting = 0;
        int before = (int)g->out.len, nchunks = g->chunks.len;
        int nops = g->ops.len, ndeferred = g->deferred.len, nnotes = g->notes.len;
        bool no_sql = g->no_sql;
        if (call->kind != PY_CALL || !py_callee(call)) {
            not_analysed(g, call, py_why_not(g->a, call, "an operation"), false);
        } else if (operation(g, call) < 0) {
            /* what zdm cannot follow in one operation is reported there; the run goes on */
            g->out.len = (size_t)before;
            g->out.data[before] = '\0';
            g->chunks.len = nchunks;
            g->ops.len = nops;
            g->deferred.len = ndeferred;
            g->notes.len = nnotes;
            g->no_sql = no_sql;
            g->nesting = 0;
            /* something missing from the model after an operation zdm could
             * not follow: that operation may have made it */
            const char *m = g->err->message;
            bool missing = strstr(m, "no model ") || strstr(m, "no field ") || strstr(m, "no constraint ") ||
                           strstr(m, "already has a field");
            not_analysed(g, call, m, g->st->lost != NULL && missing);
        }
        /* an operation with a note and no SQL of its own yet (an unknown field's
         * AddField): a placeholder statement, so the note has a place in the
         * plan and "# zdm: allow" above the operation reaches it */
        bool noted = false, has_sql = false;
        for (int k = 0; k < g->notes.len; k++)
            noted |= ((const DjNote *)LIST_GET(&g->notes, k))->op == g->ops.len - 1;
        for (int k = nchunks; k < g->chunks.len; k++)
            has_sql |= ((const DjChunk *)LIST_GET(&g->chunks, k))->op == g->ops.len - 1;
        for (int k = 0; k < g->deferred.len && !has_sql; k++)
            has_sql |= ((const Deferred *)LIST_GET(&g->deferred, k))->op == g->ops.len - 1;
        if (noted && !has_sql)
            emit_chunk(g, arena_printf(g->a, "-- %s: no SQL zdm can judge",
                                       ((const DjOp *)LIST_GET(&g->ops, g->ops.len - 1))->kind),
                       g->ops.len - 1, true);
        /* sqlmigrate's "--\n-- Add field x to y\n--" before the operation's SQL;
         * describe() is known once the operation is read, so it goes in after */
        const DjOp *op = LIST_GET(&g->ops, g->ops.len - 1);
        const char *head = arena_printf(g->a, "--\n-- %s\n--\n", op->describe ? op->describe : op->kind);
        int hl = (int)strlen(head);
        StrBuf nb;
        sb_init(&nb, g->a);
        sb_appendn(&nb, g->out.data, (size_t)before);
        sb_append(&nb, head);
        sb_append(&nb, g->out.data + before);
        g->out = nb;
        for (int k = nchunks; k < g->chunks.len; k++) {
            DjChunk *c = LIST_GET(&g->chunks, k);
            c->start += hl;
            c->end += hl;
        }
    }
    for (int i = 0; i < g->deferred.len; i++) {
        Deferred *d = LIST_GET(&g->deferred, i);
        if (!d->sql)
            continue;
        g->op = d->op;
        emit(g, d->sql);
    }
    if (atomic)
        emit_chunk(g, "COMMIT;", -1, false);
    for (int i = 0; i < g->notes.len; i++) {
        DjNote *n = LIST_GET(&g->notes, i);
        if (n->op >= 0 && n->op < g->ops.len) {
            n->origin = ((const DjOp *)LIST_GET(&g->ops, n->op))->label;
            n->op_line = ((const DjOp *)LIST_GET(&g->ops, n->op))->line;
        }
    }
    return 0;
}
