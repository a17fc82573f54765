/*
 * advice.c — the plan in Django's terms.
 *
 * The rules and the planner judge the SQL; for a Django migration the user
 * writes operations, not SQL, so a fix that says "ALTER TABLE ... SET
 * DEFAULT" is only half an answer. Here, after the analysis, every finding
 * on a statement that came from a Django operation is prefixed with the
 * operation (AddField shop.Order.total) and, for the hazards Django users
 * meet, gets a fix written as Django code: db_default, null=True first,
 * db_column / db_table to keep a name, AddIndexConcurrently, a repeatable
 * backfill command instead of RunPython. RunPython has no SQL, so its two
 * hazards are found here. Django applies a migration's dependencies first,
 * which the planner cannot know: a migration placed before the deploy that
 * depends on one placed after it goes after it too. Last, the commands that
 * run each phase.
 */
#include <stdio.h>
#include <string.h>

#include "dj.h"
#include "django.h"

static bool op_is(const Statement *s, const char *kind)
{
    size_t n = strlen(kind);
    return s && s->origin && strncmp(s->origin, kind, n) == 0 && (s->origin[n] == ' ' || !s->origin[n]);
}

/* "AddField shop.Order.total" → "shop.Order.total" */
static const char *op_object(const Statement *s)
{
    const char *sp = s && s->origin ? strchr(s->origin, ' ') : NULL;
    return sp ? sp + 1 : "";
}

static const char *op_last(const Statement *s)
{
    const char *o = op_object(s), *dot = strrchr(o, '.');
    return dot ? dot + 1 : o;
}

static const char *version_name(Arena *a, int v) { return arena_printf(a, "%d.%d", v / 10, v % 10); }

/* text as a Python string literal, as repr() writes it: the fixes show
 * Python, and Python the user can paste must parse (tests/django/fixes). */
static const char *py_quote(Arena *a, const char *text)
{
    char quote = strchr(text, '\'') && !strchr(text, '"') ? '"' : '\'';
    StrBuf sb;
    sb_init(&sb, a);
    sb_appendn(&sb, &quote, 1);
    for (const char *p = text; *p; p++) {
        if (*p == '\\' || *p == quote)
            sb_append(&sb, "\\");
        if (*p == '\n') {
            sb_append(&sb, "\\n");
            continue;
        }
        sb_appendn(&sb, p, 1);
    }
    sb_appendn(&sb, &quote, 1);
    return sb.data;
}

/* "shop.Order.total" → "order" (the model_name= of an operation). */
static const char *model_name(Arena *a, const Statement *s)
{
    const char *o = op_object(s), *dot = strchr(o, '.');
    const char *m = dot ? dot + 1 : o;
    const char *end = strchr(m, '.');
    char *r = arena_strndup(a, m, end ? (size_t)(end - m) : strlen(m));
    for (char *p = r; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return r;
}

/* A column or table the finding's first action names (for the fixes). */
static const Action *first_action(const Statement *s, ActionKind kind)
{
    for (int i = 0; s && s->fx && i < s->fx->actions.len; i++) {
        const Action *ac = LIST_GET(&s->fx->actions, i);
        if (ac->kind == kind)
            return ac;
    }
    return NULL;
}

static const char *add_field_fix(Arena *a, const Finding *f, int version)
{
    const char *field = op_last(f->stmt);
    const Action *add = NULL;
    for (int i = 0; i < f->migration->nstmts && !add; i++)
        if (f->migration->stmts[i]->origin && strcmp(f->migration->stmts[i]->origin, f->stmt->origin) == 0)
            add = first_action(f->migration->stmts[i], ACT_ADD_COLUMN);
    const char *dflt = add && add->expr ? add->expr : "...";
    if (version >= 50)
        return arena_printf(a,
            "Keep a database default, so the old code's INSERTs still get a value:\n"
            "1. declare the field with db_default=%s (Django 5.0+): Django keeps it in the database\n"
            "   instead of dropping it after filling the existing rows; makemigrations then writes\n"
            "   an AddField that can run before the deploy\n"
            "2. or add it with null=True in this release, and make it NOT NULL (AlterField) in the\n"
            "   next one, once no old code runs",
            dflt);
    return arena_printf(a,
        "Django %s drops the default it adds, and db_default needs Django 5.0. Either:\n"
        "1. add %s with null=True in this release (the old code's INSERTs leave it NULL), and in the\n"
        "   next release backfill it and make it NOT NULL with an AlterField, or\n"
        "2. keep a database default: after this AddField, add the operation\n"
        "    migrations.RunSQL(\n"
        "        %s,\n"
        "        migrations.RunSQL.noop,\n"
        "    )",
        version_name(a, version), field,
        py_quote(a, arena_printf(a, "ALTER TABLE %s ALTER COLUMN \"%s\" SET DEFAULT %s",
                                 add && add->table ? arena_printf(a, "\"%s\"", catalog_display(add->table)) : "...",
                                 add && add->column ? add->column : field, dflt)));
}

static const char *remove_field_fix(Arena *a, const Finding *f)
{
    const char *field = op_last(f->stmt);
    return arena_printf(a,
        "Make the field optional before the deploy, drop it after (the way django-syzygy splits it):\n"
        "1. this release: keep %s in the model with null=True (or a db_default) and stop using it in\n"
        "   the code; makemigrations writes an AlterField, which runs before the deploy\n"
        "2. next release: delete the field from the model; its RemoveField runs after the deploy,\n"
        "   when no code that knows the field serves any more",
        field);
}

static const char *rename_field_fix(Arena *a, const Finding *f)
{
    const Action *r = first_action(f->stmt, ACT_RENAME_COLUMN);
    const char *old = r && r->column ? r->column : "the old name";
    return arena_printf(a,
        "Keep the column's name and rename the field in Python only:\n"
        "1. give the renamed field db_column='%s': the RenameField then changes no SQL, and old and\n"
        "   new code read and write the same column\n"
        "2. or rename in two releases: AddField the new name, write both fields, backfill, read the\n"
        "   new one, and RemoveField the old one after the deploy of the release that stopped using it",
        old);
}

static const char *rename_model_fix(Arena *a, const Finding *f)
{
    const Action *r = first_action(f->stmt, ACT_RENAME_TABLE);
    const char *old = r && r->table ? catalog_display(r->table) : "the old table";
    return arena_printf(a,
        "Keep the table's name and rename the model in Python only:\n"
        "1. set class Meta: db_table = '%s' on the renamed model (makemigrations writes the\n"
        "   RenameModel with an AlterModelTable; together they rename no table)\n"
        "2. or move the data in two releases: a new model, written by both, backfilled, then the old\n"
        "   one deleted after the deploy of the release that stopped using it",
        old);
}

static const char *index_fix(Arena *a, const Finding *f)
{
    if (op_is(f->stmt, "AddIndex"))
        return "Build the index without blocking writes: replace AddIndex with\n"
               "django.contrib.postgres.operations.AddIndexConcurrently (same arguments) in a migration\n"
               "with atomic = False, holding no other operation";
    /* the statement itself, made concurrent, for the RunSQL */
    const char *sql = f->stmt->sql ? arena_strndup(a, f->stmt->sql, (size_t)f->stmt->len) : "";
    const char *name = "...";
    const char *create = strstr(sql, "CREATE INDEX ") == sql ? "CREATE INDEX "
                       : strstr(sql, "CREATE UNIQUE INDEX ") == sql ? "CREATE UNIQUE INDEX " : NULL;
    if (create) {
        const char *n = sql + strlen(create), *e = *n == '"' ? strchr(n + 1, '"') : NULL;
        if (e)
            name = arena_strndup(a, n, (size_t)(e - n + 1));
        sql = arena_printf(a, "%sCONCURRENTLY %s", create, sql + strlen(create));
    } else {
        sql = "CREATE INDEX CONCURRENTLY ...";
    }
    return arena_printf(a,
        "Build the index without blocking writes: in a migration with atomic = False, write the\n"
        "%s as\n"
        "    migrations.SeparateDatabaseAndState(\n"
        "        state_operations=[...],  # the operation as it is\n"
        "        database_operations=[\n"
        "            ...,  # the same operation with db_index=False\n"
        "            migrations.RunSQL(\n"
        "                %s,\n"
        "                %s,\n"
        "            ),\n"
        "        ],\n"
        "    )",
        f->stmt->origin, py_quote(a, sql), py_quote(a, arena_printf(a, "DROP INDEX CONCURRENTLY IF EXISTS %s", name)));
}

static const char *check_fix(Arena *a, const Finding *f)
{
    return arena_printf(a,
        "Add the constraint without a long lock, in two steps (django.contrib.postgres.operations,\n"
        "Django 4.0+):\n"
        "1. instead of the AddConstraint, check only new rows:\n"
        "    AddConstraintNotValid(model_name=%s, constraint=...)  # the same constraint\n"
        "2. in a later migration, scan the table without blocking writes:\n"
        "    ValidateConstraint(model_name=%s, name=...)  # the constraint's name",
        py_quote(a, model_name(a, f->stmt)), py_quote(a, model_name(a, f->stmt)));
}

static const char *not_null_fix(Arena *a, const Finding *f)
{
    const char *model = model_name(a, f->stmt), *field = op_last(f->stmt);
    const char *name = py_quote(a, arena_printf(a, "%s_%s_not_null", model, field));
    return arena_printf(a,
        "Prove NOT NULL before setting it, so PostgreSQL 12+ skips the scan\n"
        "(django.contrib.postgres.operations, Django 4.0+):\n"
        "1. a migration with\n"
        "    AddConstraintNotValid(\n"
        "        model_name=%s,\n"
        "        constraint=models.CheckConstraint(check=models.Q(%s__isnull=False), name=%s),\n"
        "    )\n"
        "2. a later one with\n"
        "    ValidateConstraint(model_name=%s, name=%s)\n"
        "3. then the AlterField(null=False), and a RemoveConstraint of the helper",
        py_quote(a, model), field, name, py_quote(a, model), name);
}

static const char *django_fix(Arena *a, const Finding *f)
{
    const char *r = f->rule->id;
    const Statement *s = f->stmt;
    int version = f->migration->django->version;
    bool compat = strcmp(r, "needs-two-releases") == 0 || strcmp(r, "breaks-old-code") == 0 ||
                  strcmp(r, "breaks-new-code") == 0;
    if (op_is(s, "AddField") && compat)
        return add_field_fix(a, f, version);
    if (op_is(s, "RemoveField") && (compat || strcmp(r, "drop-column") == 0))
        return remove_field_fix(a, f);
    if (op_is(s, "RenameField") && (compat || strcmp(r, "rename-column") == 0))
        return rename_field_fix(a, f);
    if ((op_is(s, "RenameModel") || op_is(s, "AlterModelTable")) && (compat || strcmp(r, "rename-table") == 0))
        return rename_model_fix(a, f);
    if (strcmp(r, "index-not-concurrent") == 0 && !op_is(s, "RunSQL"))
        return index_fix(a, f);
    if (strcmp(r, "constraint-without-not-valid") == 0 && op_is(s, "AddConstraint"))
        return check_fix(a, f);
    if (strcmp(r, "set-not-null-scans") == 0 && op_is(s, "AlterField"))
        return not_null_fix(a, f);
    if (strcmp(r, "drop-table") == 0 && op_is(s, "DeleteModel"))
        return "Delete the model in two releases: first release code that no longer uses it, then\n"
               "the DeleteModel, placed after that release's deploy (zdm plan places it there).";
    return NULL;
}

/* ---- RunPython ------------------------------------------------------- */

static bool is_python(const Statement *s) { return op_is(s, "RunPython"); }

/* The first statement before s in its migration that locks a live table
 * strongly enough to stall the application while the transaction lasts. */
static const LockTaken *live_lock_before(const Migration *m, int upto, const Statement **by)
{
    for (int i = 0; i < upto; i++) {
        const Statement *s = m->stmts[i];
        for (int k = 0; s->fx && k < s->fx->locks.len; k++) {
            const LockTaken *lk = LIST_GET(&s->fx->locks, k);
            if (lk->mode >= LOCK_SHARE && !lk->new_table) {
                *by = s;
                return lk;
            }
        }
    }
    return NULL;
}

static void python_findings(Arena *a, Plan *plan, Migration *m)
{
    for (int i = 0; i < m->nstmts; i++) {
        const Statement *s = m->stmts[i];
        if (!is_python(s))
            continue;
        const char *code = op_object(s);
        const char *call = s->sql ? arena_strndup(a, s->sql, (size_t)s->len) : "";
        const char *open = strchr(call, '('), *close = open ? strchr(open, ')') : NULL;
        if (open && close)
            code = arena_strndup(a, open + 1, (size_t)(close - open - 1));
        const Statement *by = NULL;
        const LockTaken *lk = m->no_transaction ? NULL : live_lock_before(m, i, &by);
        if (lk) {
            plan_add_finding(a, plan, m, s, -1, "run-python-with-schema-changes",
                arena_printf(a,
                    "RunPython(%s) runs in the same transaction as the schema change at line %d (%s), which "
                    "holds %s on %s until the migration commits: every query on %s waits while the Python "
                    "code walks the rows",
                    code, by->line, by->origin ? by->origin : "SQL", lock_mode_name(lk->mode),
                    catalog_display(lk->relation), catalog_display(lk->relation)),
                "Split the migration: the schema operations in one migration, the RunPython in the next\n"
                "(or, better, a management command run after the deploy: see run-python-data-migration).\n"
                "Each then commits on its own and the lock is held only for the schema change.");
        }
        plan_add_finding(a, plan, m, s, -1, "run-python-data-migration",
            arena_printf(a,
                "RunPython(%s) changes data inside the migration: it runs while the deploy waits, in one "
                "transaction whose length grows with the table, and if it fails half-way the deploy stops "
                "with it; zdm cannot see what it touches",
                code),
            arena_printf(a,
                "Move the data change out of the migration into a repeatable backfill:\n"
                "1. write a management command (python manage.py backfill_...) that updates rows in small\n"
                "   batches, each in its own transaction, skipping rows already done, so it can be stopped\n"
                "   and run again\n"
                "2. run it after the deploy, when the new code writes the new values itself\n"
                "3. keep the migration for schema changes only (or RunPython(%s, migrations.RunPython.noop)\n"
                "   only for small tables, acknowledged: # zdm: allow run-python-data-migration <reason>)",
                code));
    }
}

/* ---- what the generator assumed ---------------------------------------- */

/* The generator's notes (dj.h): each a finding at its operation, placed on
 * the operation's first statement when it has one (so "# zdm: allow" on the
 * operation acknowledges it), else at the operation's line. */
static void note_findings(Arena *a, Plan *plan, Migration *m)
{
    for (int i = 0; i < m->django->notes.len; i++) {
        const DjNote *n = LIST_GET(&m->django->notes, i);
        const Statement *s = NULL;
        for (int k = 0; k < m->nstmts && !s && n->origin; k++)
            if (util_streq(m->stmts[k]->origin, n->origin) && m->stmts[k]->line == n->op_line)
                s = m->stmts[k];
        Finding *f = plan_add_finding(a, plan, m, s, -1, n->rule,
                                      /* with a statement, django_explain prefixes the operation */
                                      n->origin && !s ? arena_printf(a, "%s: %s", n->origin, n->message)
                                                      : n->message,
                                      n->fix);
        f->line = n->line;
        f->column = n->col;
    }
}

/* ---- dependencies and commands --------------------------------------- */


/* Does the migration bring something new the new code may need? */
static bool adds_objects(const Migration *m)
{
    for (int i = 0; i < m->nstmts; i++)
        for (int k = 0; m->stmts[i]->fx && k < m->stmts[i]->fx->actions.len; k++) {
            ActionKind kind = ((const Action *)LIST_GET(&m->stmts[i]->fx->actions, k))->kind;
            if (kind == ACT_ADD_COLUMN || kind == ACT_CREATE_TABLE || kind == ACT_RENAME_COLUMN ||
                kind == ACT_RENAME_TABLE)
                return true;
        }
    return false;
}

static void follow_dependencies(Arena *a, History *h, Plan *plan)
{
    StrMap by_name = {0};
    for (int i = 0; i < h->n; i++)
        strmap_put(a, &by_name, h->items[i]->name, h->items[i]);
    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        if (!m->django || m->phase != PHASE_BEFORE)
            continue;
        for (int k = 0; k < m->django->deps.len; k++) {
            Migration *d = strmap_get(&by_name, LIST_GET(&m->django->deps, k));
            if (!d || d->phase == PHASE_DEPLOYED || d->phase == PHASE_BEFORE)
                continue;
            m->phase = PHASE_AFTER;
            m->reason = arena_printf(a, "depends on %s, which runs %s: Django applies a migration's "
                                        "dependencies first",
                                     d->name, d->phase == PHASE_AFTER ? "after the deploy" : "in a later release");
            const Statement *at = NULL; /* its first operation, not BEGIN */
            for (int j = 0; j < m->nstmts && !at; j++)
                if (m->stmts[j]->origin)
                    at = m->stmts[j];
            if (adds_objects(m))
                plan_add_finding(a, plan, m, at, -1, "order-forbids-placement",
                    arena_printf(a, "%s could run before the deploy, but it depends on %s, which must run %s; "
                                    "Django applies dependencies first, so %s runs after the deploy too, and the "
                                    "new code meets the schema without it until then",
                                 m->name, d->name, d->phase == PHASE_AFTER ? "after the deploy" : "later",
                                 m->name),
                    arena_printf(a, "Remove the dependency of %s on %s if %s does not need it (makemigrations "
                                    "adds the app's latest migration), or move the operations of %s that must "
                                    "wait for the deploy into a migration nothing before the deploy depends on.",
                                 m->name, d->name, m->name, d->name));
            break;
        }
    }
}

static void commands(Arena *a, History *h, Plan *plan)
{
    StrBuf before;
    sb_init(&before, a);
    bool after = false;
    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        /* a second package of a label: Django runs it by the label, if it is
         * the one installed; "label@folder" is no name Django takes */
        if (!m->django || strchr(m->django->app, '@'))
            continue;
        after |= m->phase == PHASE_AFTER;
        if (m->phase != PHASE_BEFORE)
            continue;
        /* the last before-deploy migration of its app names the target */
        bool last = true;
        for (int j = i + 1; j < h->n && last; j++)
            last = !(h->items[j]->django && h->items[j]->phase == PHASE_BEFORE && !strchr(h->items[j]->django->app, '@') &&
                     strcmp(h->items[j]->django->app, m->django->app) == 0);
        if (last)
            sb_printf(&before, "%spython manage.py migrate %s %s", before.len ? "\n" : "", m->django->app,
                      m->django->short_name);
    }
    plan->run_before = before.len ? before.data : NULL;
    plan->run_after = after ? "python manage.py migrate" : NULL;
}

void django_explain(Arena *a, History *h, Plan *plan)
{
    bool any = false;
    for (int i = 0; i < h->n; i++)
        any |= h->items[i]->django != NULL;
    if (!any)
        return;
    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        if (m->django && m->phase != PHASE_DEPLOYED) {
            python_findings(a, plan, m);
            note_findings(a, plan, m);
        }
        /* the planner's reason quotes the SQL directive; say what the file says */
        if (m->django && m->django->stage && m->reason && strstr(m->reason, "zdm:phase"))
            m->reason = arena_printf(a, "placed by stage = Stage.%s (line %d)",
                                     m->directive == PHASE_AFTER ? "POST_DEPLOY" : "PRE_DEPLOY", m->directive_line);
        else if (m->django && m->reason && strstr(m->reason, "-- zdm:phase"))
            m->reason = arena_printf(a, "placed by # zdm: phase %s (line %d)",
                                     m->directive == PHASE_AFTER ? "after-deploy" : "before-deploy", m->directive_line);
    }
    follow_dependencies(a, h, plan);
    for (int i = 0; i < plan->findings.len; i++) {
        Finding *f = LIST_GET(&plan->findings, i);
        const Migration *m = f->migration;
        if (!m || !m->django || !f->stmt || !f->stmt->origin)
            continue;
        if (strcmp(f->rule->id, "not-analysed") == 0 && strncmp(f->stmt->origin, "Custom", 6) != 0 &&
            strstr(f->stmt->sql ? f->stmt->sql : "", "an operation zdm does not know")) {
            f->message = arena_printf(a, "zdm cannot analyse %s: it does not know this operation class, so no rule "
                                         "and no deploy placement accounts for what it does",
                                      f->stmt->origin);
            f->fix = "1. review it by hand: which tables it locks, for how long, and what it changes\n"
                     "2. then acknowledge it: # zdm: allow not-analysed <reason> above the operation";
            continue;
        }
        if (strncmp(f->rule->id, "run-python", 10) != 0)
            f->message = arena_printf(a, "%s: %s", f->stmt->origin, f->message);
        const char *fix = django_fix(a, f);
        if (fix)
            f->fix = fix;
    }
    django_not_analysed(a, plan);
    commands(a, h, plan);
}
