/*
 * text.c — the plan for people: what to run before the deploy, what after,
 * what needs two releases, which statements take locks that stall traffic,
 * and every finding with the line it points at and its fix.
 *
 * The layout is part of the user interface and the golden tests pin it:
 * change it on purpose only. Colour is limited to severities and section
 * headers, and with color=false not a single escape code is written, so the
 * output can be piped, diffed and pasted into a ticket as is.
 */
#include <string.h>

#include "report.h"

#define EXCERPT_WIDTH 120 /* display columns of a source excerpt, ellipses included */
#define TAB_STOP 8        /* as compilers expand tabs in their excerpts */

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_CYAN "\033[36m"

typedef struct Text {
    Arena *a;
    FILE *out;
    bool color;
    int width;    /* wrap prose at this many columns; 0: never (not a terminal) */
    StrMap fixes; /* fix text -> "file:line" of the finding that printed it in full */
    /* The last excerpt's line, and where its two passes got to on it: findings
     * further along one long line go on from there instead of re-reading the
     * line from its start each (a one-line file would cost findings x length). */
    const Migration *line_m;
    int line_no;
    const char *line_p;
    size_t caret_i, print_i;
    int caret_col, caret_chars, caret_width, print_col;
} Text;

static const char *severity_color(Severity s)
{
    switch (s) {
    case SEV_ERROR: return ANSI_RED;
    case SEV_WARNING: return ANSI_YELLOW;
    case SEV_NOTICE: return ANSI_CYAN;
    }
    return "";
}

static void section(Text *t, const char *title)
{
    if (t->color)
        fprintf(t->out, ANSI_BOLD "%s" ANSI_RESET "\n", title);
    else
        fprintf(t->out, "%s\n", title);
}

/*
 * Prints text, first line as is, every further line after `indent`: reasons
 * and fixes are written as paragraphs that must stay aligned under their
 * label. Empty lines get no indentation, so no line ends in blanks.
 */
/* Display columns of n bytes of UTF-8: continuation bytes take none. */
static int columns(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Columns of a numbered step's "1. " (leading spaces included), so that its
 * wrapped lines align under the step's text rather than under its number;
 * 0 for any other line. */
static int step_hang(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    size_t digits = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == digits || i - digits > 3 || i + 1 >= n || s[i] != '.' || s[i + 1] != ' ')
        return 0;
    i++;
    while (i < n && s[i] == ' ')
        i++;
    return (int)i;
}

/*
 * Prints s's lines, the later ones after indent. On a terminal (t->width)
 * a line longer than the width is wrapped at spaces, its continuations
 * after indent as well, and further in under a numbered step's text ("1. "
 * hangs); col is where the first line starts. A word longer than the width
 * stays whole.
 */
static void put_lines_at(Text *t, const char *s, const char *indent, int col)
{
    int in = (int)strlen(indent);
    for (bool first = true; s; first = false) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (!first && n > 0) {
            fputs(indent, t->out);
            col = in;
        }
        /* where continuations start: a step's hang only when the line
         * itself starts at the indent (not after a label) */
        int hang = col == in ? step_hang(s, n) : 0;
        if (in + hang >= t->width / 2)
            hang = 0; /* a narrow terminal: room for the text matters more */
        int cont = in + hang;
        while (t->width > 0 && col + columns(s, n) > t->width) {
            /* the last space that leaves the piece within the width */
            size_t cut = 0;
            for (size_t i = 0; i < n && col + columns(s, i) <= t->width; i++)
                if (s[i] == ' ')
                    cut = i;
            if (cut == 0 && col > cont) { /* no word fits after what precedes: start below it */
                fprintf(t->out, "\n%s%*s", indent, hang, "");
                col = cont;
                continue;
            }
            if (cut == 0) /* one long word: up to the next space */
                for (cut = 1; cut < n && s[cut] != ' '; cut++)
                    ;
            if (cut >= n)
                break;
            size_t end = cut; /* no blanks at the end of the line: "x;  -- y" breaks after "x;" */
            while (end > 0 && s[end - 1] == ' ')
                end--;
            fwrite(s, 1, end, t->out);
            fprintf(t->out, "\n%s%*s", indent, hang, "");
            col = cont;
            while (cut < n && s[cut] == ' ')
                cut++;
            s += cut;
            n -= cut;
        }
        fwrite(s, 1, n, t->out);
        fputc('\n', t->out);
        s = nl ? nl + 1 : NULL;
        col = 0;
    }
}

static void put_lines(Text *t, const char *s, const char *indent)
{
    put_lines_at(t, s, indent, (int)strlen(indent));
}

/* ---- the plan -------------------------------------------------------- */

/* Worth a line in the plan: blocks writes (or worse) or touches every row. */
static bool statement_notable(const Effects *fx)
{
    if (!fx)
        return false;
    if (fx->cost >= COST_SCAN)
        return true;
    for (int i = 0; i < fx->locks.len; i++) {
        const LockTaken *lk = LIST_GET(&fx->locks, i);
        if (lk->mode > LOCK_ROW_EXCLUSIVE)
            return true;
    }
    return false;
}

static void put_lock(Text *t, const LockTaken *lk, bool *first)
{
    /* public is everybody's default schema: name it only when it is another */
    const char *rel = lk->relation ? catalog_display(lk->relation) : "?";
    fprintf(t->out, "%s%s on %s%s", *first ? "" : ", ", lock_mode_name(lk->mode), rel,
            lk->new_table ? " (new table)" : "");
    *first = false;
}

/* "    line 4: ACCESS EXCLUSIVE on public.customer · rewrites-table" */
static void statement_line(Text *t, const Statement *s)
{
    const Effects *fx = s->fx;
    if (s->origin) /* Django: the operation the statement comes from */
        fprintf(t->out, "    line %d, %s: ", s->line, s->origin);
    else
        fprintf(t->out, "    line %d: ", s->line);
    /* The strong locks are the story; weak ones only when there is nothing else
     * (a whole-table UPDATE takes ROW EXCLUSIVE but still writes every row). */
    bool first = true;
    for (int i = 0; i < fx->locks.len; i++) {
        const LockTaken *lk = LIST_GET(&fx->locks, i);
        if (lk->mode > LOCK_ROW_EXCLUSIVE)
            put_lock(t, lk, &first);
    }
    if (first)
        for (int i = 0; i < fx->locks.len; i++)
            put_lock(t, LIST_GET(&fx->locks, i), &first);
    if (first)
        fputs("no table lock", t->out);
    fprintf(t->out, " \u00b7 %s\n", cost_name(fx->cost));
}

static void migration_entry(Text *t, const Migration *m)
{
    fprintf(t->out, "  %s\n", m->name ? m->name : "?");
    if (m->reason && m->reason[0]) {
        fputs("    ", t->out);
        put_lines(t, m->reason, "    ");
    }
    for (int i = 0; i < m->requires_backfill.len; i++)
        fprintf(t->out, "    needs backfill job %s done first: zdm migrate refuses it until then\n",
                (const char *)LIST_GET(&m->requires_backfill, i));
    for (int i = 0; i < m->nstmts; i++)
        if (statement_notable(m->stmts[i]->fx))
            statement_line(t, m->stmts[i]);
}

/* One section of the plan; history order is execution order within a phase.
 * command: what runs the section (Django's manage.py migrate), or NULL. */
static void phase_section(Text *t, const History *h, Phase phase, const char *title,
                          const char *command)
{
    bool any = false;
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        if (m->phase != phase)
            continue;
        if (!any)
            section(t, title);
        any = true;
        migration_entry(t, m);
    }
    if (any && command) {
        fputs("  run: ", t->out);
        put_lines(t, command, "       ");
    }
    if (any)
        fputc('\n', t->out);
}

static void plan_sections(Text *t, const Plan *plan, const History *h)
{
    bool pending = false;
    for (int i = 0; i < h->n; i++)
        if (h->items[i]->phase != PHASE_DEPLOYED)
            pending = true;
    if (!pending)
        return;
    phase_section(t, h, PHASE_BEFORE, "Before the deploy", plan->run_before);
    /* The deploy itself is a step of the plan: it separates the two phases. */
    section(t, "Deploy the new code");
    fputs("  roll out the new release; old and new code serve together until it "
          "finishes\n\n",
          t->out);
    phase_section(t, h, PHASE_AFTER, "After the deploy", plan->run_after);
    phase_section(t, h, PHASE_TWO_RELEASES, "Needs two releases", NULL);
    /* The planner places every pending migration; should one slip through, it
     * must still show rather than vanish from the plan. */
    phase_section(t, h, PHASE_NONE, "Not placed", NULL);
}

/* ---- findings -------------------------------------------------------- */

/*
 * One character of a source line as the excerpt shows it: a tab becomes
 * blanks up to the next tab stop, a control character one '?', anything else
 * itself (a lead byte and its continuation bytes, one column, as
 * util_line_col counts columns).
 */
typedef struct Glyph {
    size_t off, len; /* bytes in the line */
    int col, width;  /* display columns */
    char kind;       /* 'c' itself, 't' tab, '?' control character */
} Glyph;

static bool next_glyph(const char *p, size_t n, size_t *i, int *col, Glyph *g)
{
    if (*i >= n)
        return false;
    unsigned char c = (unsigned char)p[*i];
    g->off = *i;
    g->len = 1;
    while (*i + g->len < n && ((unsigned char)p[*i + g->len] & 0xC0) == 0x80)
        g->len++;
    g->col = *col;
    g->width = 1;
    g->kind = 'c';
    if (c == '\t') {
        g->kind = 't';
        g->width = TAB_STOP - *col % TAB_STOP;
    } else if (c < 0x20 || c == 0x7F) {
        g->kind = '?';
    }
    *i += g->len;
    *col += g->width;
    return true;
}

/*
 * Prints the finding's source line with a gutter and a caret under its
 * column. Tabs become spaces and control characters '?', so the caret lines
 * up whatever the terminal's tab width and nothing in a migration file can
 * send escape sequences to it. Lines wider than EXCERPT_WIDTH are cut around
 * the caret, with "..." where text was left out. Two passes over the line
 * and no copy: a one-line dump of megabytes costs no memory here.
 */
static void excerpt(Text *t, const Finding *f)
{
    const Migration *m = f->migration;
    if (!m || !m->text || f->line <= 0)
        return;
    /* Django: the line is the operation's, in the .py file */
    const char *text = m->django ? m->django->py_text : m->text;
    const char *p = text, *end = text + (m->django ? m->django->py_len : m->len);
    int l = 1;
    const Statement *s = f->stmt;
    bool same_line = t->line_m == m && t->line_no == f->line;
    if (same_line) {
        p = t->line_p;
        l = f->line;
    } else if (!m->django && s->line > 0 && s->line <= f->line && s->offset >= 0 && (size_t)s->offset <= m->len) {
        /* from the statement's line, not the file's first: linear in the file */
        p = m->text + s->offset;
        while (p > m->text && p[-1] != '\n')
            p--;
        l = s->line;
    }
    for (; l < f->line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (!same_line) {
        t->line_m = m;
        t->line_no = f->line;
        t->line_p = p;
        t->caret_i = t->print_i = 0;
        t->caret_col = t->caret_chars = t->caret_width = t->print_col = 0;
    }

    /* Pass 1: where the caret goes, and how wide the line is without its
     * trailing blanks (no line of ours ends in blanks: golden files stay clean). */
    Glyph g;
    size_t i = 0;
    int col = 0, chars = 0, caret = -1, width = 0;
    if (f->column - 1 >= t->caret_chars) { /* at or after the last caret */
        i = t->caret_i;
        col = t->caret_col;
        chars = t->caret_chars;
        width = t->caret_width;
    }
    while (next_glyph(p, n, &i, &col, &g)) {
        if (chars++ == f->column - 1) {
            caret = g.col;
            t->caret_i = g.off;
            t->caret_col = g.col;
            t->caret_chars = chars - 1;
            t->caret_width = width;
        }
        if (g.kind != 't' && !(g.kind == 'c' && p[g.off] == ' '))
            width = col;
        if (caret >= 0 && width > caret + EXCERPT_WIDTH && width > EXCERPT_WIDTH)
            break; /* cut off on the right whatever follows: no need to read on */
    }
    if (caret < 0)
        caret = col; /* past the end of the line: point just after it */

    int start = 0, stop = width;
    bool cut_left = false, cut_right = false;
    if (width > EXCERPT_WIDTH) {
        if (caret < EXCERPT_WIDTH - 20) {
            stop = EXCERPT_WIDTH - 3;
            cut_right = true;
        } else {
            start = caret - EXCERPT_WIDTH / 2;
            cut_left = true;
            if (start + EXCERPT_WIDTH - 3 >= width)
                start = width - (EXCERPT_WIDTH - 3);
            else {
                stop = start + EXCERPT_WIDTH - 6;
                cut_right = true;
            }
        }
    }

    /* Pass 2: the columns [start, stop). */
    char num[16];
    int w = snprintf(num, sizeof num, "%d", f->line);
    fprintf(t->out, "  %s |", num);
    if (stop > start || cut_left)
        fputc(' ', t->out);
    if (cut_left)
        fputs("...", t->out);
    i = 0;
    col = 0;
    if (t->print_col <= start) { /* the window starts at or after the last one */
        i = t->print_i;
        col = t->print_col;
    }
    bool first = true;
    while (next_glyph(p, n, &i, &col, &g) && g.col < stop) {
        if (first && g.col + g.width > start) {
            first = false;
            t->print_i = g.off;
            t->print_col = g.col;
        }
        for (int c = g.col; c < g.col + g.width; c++) {
            if (c < start || c >= stop)
                continue;
            if (g.kind == 'c')
                fwrite(p + g.off, 1, g.len, t->out);
            else
                fputc(g.kind == 't' ? ' ' : '?', t->out);
        }
    }
    if (cut_right)
        fputs("...", t->out);
    fputc('\n', t->out);

    fprintf(t->out, "  %*s | %*s^\n", w, "", (cut_left ? 3 : 0) + caret - start, "");
}

static void finding(Text *t, const Finding *f)
{
    const char *rule = f->rule ? f->rule->id : "?";
    const char *where = f->stmt && f->line > 0
                            ? arena_printf(t->a, "%s:%d:%d", f->file ? f->file : "?", f->line, f->column)
                            : arena_printf(t->a, "%s", f->file ? f->file : "?");
    fprintf(t->out, "%s: ", where);
    if (t->color)
        fprintf(t->out, "%s%s[%s]" ANSI_RESET " ", severity_color(f->severity),
                severity_name(f->severity), rule);
    else
        fprintf(t->out, "%s[%s] ", severity_name(f->severity), rule);
    int col = columns(where, strlen(where)) + 2 + (int)strlen(severity_name(f->severity)) + (int)strlen(rule) + 3;
    put_lines_at(t, f->message ? f->message : "", "  ", col);
    if (f->stmt)
        excerpt(t, f);
    if (f->stmt && f->stmt->origin && f->stmt->sql && f->stmt->sql[0] != '-') {
        /* the SQL Django runs for the operation, which the message describes:
         * its first line, cut to the excerpt's width */
        int n = f->stmt->len;
        const char *nl = memchr(f->stmt->sql, '\n', (size_t)n);
        int shown = nl ? (int)(nl - f->stmt->sql) : n;
        bool cut = nl || shown > EXCERPT_WIDTH;
        if (shown > EXCERPT_WIDTH)
            shown = EXCERPT_WIDTH - 3;
        fprintf(t->out, "  sql: %.*s%s\n", shown, f->stmt->sql, cut ? "..." : "");
    }
    if (f->fix && f->fix[0]) {
        /* the same steps for another statement (a lock_timeout for every
         * migration, say): in full once, then pointed at */
        const char *first = strmap_get(&t->fixes, f->fix);
        if (first) {
            fprintf(t->out, "  fix: as for %s above\n", first);
        } else {
            strmap_put(t->a, &t->fixes, f->fix, (void *)where);
            fputs("  fix: ", t->out);
            put_lines(t, f->fix, "       ");
        }
    }
    fputc('\n', t->out);
}

void report_text(Arena *a, const Plan *plan, bool color, FILE *out)
{
    Text t = {.a = a, .out = out, .color = color, .width = report_text_width};
    if (plan->assumption)
        put_lines_at(&t, plan->assumption, "  ", 0);
    fprintf(out, "PostgreSQL %d\n\n", plan->pg_version);
    if (plan->history)
        plan_sections(&t, plan, plan->history);

    bool any = false;
    for (int i = 0; i < plan->findings.len; i++) {
        const Finding *f = LIST_GET(&plan->findings, i);
        if (f->acknowledged)
            continue; /* counted in the summary; the team has decided */
        if (!any)
            section(&t, "Findings");
        any = true;
        finding(&t, f);
    }
    fprintf(out, "%s\n", report_summary(a, plan));
}
