/*
 * py.c — tokenizer and parser for migration files (see py.h).
 *
 * The tokenizer follows Python's lexical rules where migration files need
 * them: implicit line joining inside brackets, backslash continuations,
 * comments, string prefixes and triple quotes, and the indentation of each
 * logical line (a block such as a `def` is skipped by its indentation, the
 * way Python reads it). The parser is recursive descent over expressions;
 * operator precedence is not modelled because operator results are opaque.
 */
#include "py.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum TokKind {
    T_NAME,
    T_NUMBER,
    T_STRING,
    T_OP,
    T_NEWLINE, /* end of a logical line */
    T_EOF,
} TokKind;

typedef struct Tok {
    TokKind kind;
    int line, col;
    const char *s; /* NAME/NUMBER/OP text; STRING: decoded value */
    bool fstring;  /* STRING with an f prefix */
    int indent;    /* column of the first token of its logical line, from 0 */
    bool bol;      /* first token of its logical line */
} Tok;

typedef struct Lexer {
    Arena *a;
    const char *file;
    const char *t;
    size_t len, i;
    int line;
    size_t line_start; /* offset of the current line's first byte */
    size_t col_off;    /* a known column on the current line: col_of counts on */
    int col;           /* from there, so a 200 KB line is read in linear time */
    int depth;         /* open brackets */
    char open[PY_MAX_NESTING + 1]; /* which, innermost last */
    int open_line[PY_MAX_NESTING + 1];
    bool at_bol;       /* the next token starts a logical line */
    int indent;
    List toks;         /* Tok* */
    List *comments;
    ZdmError *err;
} Lexer;

static int col_of(Lexer *lx, size_t off)
{
    /* columns count characters: skip UTF-8 continuation bytes; tokens come
     * in order, so count on from the last one asked about */
    if (lx->col == 0 || lx->col_off < lx->line_start || off < lx->col_off) {
        lx->col_off = lx->line_start;
        lx->col = 1;
    }
    for (size_t k = lx->col_off; k < off; k++)
        if (((unsigned char)lx->t[k] & 0xC0) != 0x80)
            lx->col++;
    lx->col_off = off;
    return lx->col;
}

static Tok *push(Lexer *lx, TokKind kind, size_t at, const char *s)
{
    Tok *tk = arena_alloc(lx->a, sizeof *tk);
    tk->kind = kind;
    tk->line = lx->line;
    tk->col = col_of(lx, at);
    tk->s = s;
    if (kind != T_NEWLINE && kind != T_EOF && lx->at_bol) {
        tk->bol = true;
        lx->indent = tk->col - 1;
        lx->at_bol = false;
    }
    tk->indent = lx->indent;
    list_push(lx->a, &lx->toks, tk);
    return tk;
}

static void newline(Lexer *lx)
{
    lx->line++;
    lx->line_start = lx->i;
}

/* Appends code point cp to sb as UTF-8. */
static void put_utf8(StrBuf *sb, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | ((cp >> 18) & 0x07));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_appendn(sb, b, n);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A string literal starting at lx->i (the prefix already consumed up to the quote). */
static int lex_string(Lexer *lx, size_t start, bool raw, bool fstr)
{
    const char *t = lx->t;
    char q = t[lx->i];
    bool triple = lx->i + 2 < lx->len && t[lx->i + 1] == q && t[lx->i + 2] == q;
    int line = lx->line, col = col_of(lx, start);
    lx->i += triple ? 3 : 1;
    StrBuf sb;
    sb_init(&sb, lx->a);
    for (;;) {
        if (lx->i >= lx->len || (!triple && t[lx->i] == '\n'))
            return zdm_error(lx->err, lx->file, line, col, "unterminated string");
        char c = t[lx->i];
        if (c == q && (!triple || (lx->i + 2 < lx->len && t[lx->i + 1] == q && t[lx->i + 2] == q))) {
            lx->i += triple ? 3 : 1;
            break;
        }
        if (c == '\n') {
            sb_appendn(&sb, "\n", 1);
            lx->i++;
            newline(lx);
            continue;
        }
        if (c != '\\' || lx->i + 1 >= lx->len) {
            sb_appendn(&sb, &t[lx->i], 1);
            lx->i++;
            continue;
        }
        char e = t[lx->i + 1];
        if (e == '\n') { /* a continuation, in raw strings kept as written */
            if (raw)
                sb_appendn(&sb, "\\\n", 2);
            lx->i += 2;
            newline(lx);
            continue;
        }
        if (raw) {
            sb_appendn(&sb, &t[lx->i], 2);
            lx->i += 2;
            continue;
        }
        lx->i += 2;
        switch (e) {
        case 'n': sb_append(&sb, "\n"); break;
        case 't': sb_append(&sb, "\t"); break;
        case 'r': sb_append(&sb, "\r"); break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            unsigned v = (unsigned)(e - '0');
            for (int k = 0; k < 2 && lx->i < lx->len && t[lx->i] >= '0' && t[lx->i] <= '7'; k++)
                v = v * 8 + (unsigned)(t[lx->i++] - '0');
            put_utf8(&sb, v);
            break;
        }
        case 'x': case 'u': case 'U': {
            int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            unsigned long v = 0;
            for (int k = 0; k < n; k++) {
                int h = lx->i < lx->len ? hexval(t[lx->i]) : -1;
                if (h < 0)
                    return zdm_error(lx->err, lx->file, lx->line, col_of(lx, lx->i),
                                     "bad \\%c escape in a string", e);
                v = v * 16 + (unsigned long)h;
                lx->i++;
            }
            put_utf8(&sb, v);
            break;
        }
        case 'a': sb_append(&sb, "\a"); break;
        case 'b': sb_append(&sb, "\b"); break;
        case 'f': sb_append(&sb, "\f"); break;
        case 'v': sb_append(&sb, "\v"); break;
        case '\\': case '\'': case '"': sb_appendn(&sb, &e, 1); break;
        default: /* unknown escapes stay as written, as in Python */
            sb_appendn(&sb, "\\", 1);
            sb_appendn(&sb, &e, 1);
        }
    }
    Tok *tk = arena_alloc(lx->a, sizeof *tk);
    tk->kind = T_STRING;
    tk->line = line;
    tk->col = col;
    tk->s = sb.data ? sb.data : "";
    tk->fstring = fstr;
    if (lx->at_bol) {
        tk->bol = true;
        lx->indent = col - 1;
        lx->at_bol = false;
    }
    tk->indent = lx->indent;
    list_push(lx->a, &lx->toks, tk);
    return 0;
}

static const char *const ops3[] = {"**=", "//=", ">>=", "<<=", "...", NULL};
static const char *const ops2[] = {"**", "//", "==", "!=", "<=", ">=", "<<", ">>", "->", ":=",
                                   "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "@=", NULL};

static int lex(Lexer *lx)
{
    const char *t = lx->t;
    lx->at_bol = true;
    while (lx->i < lx->len) {
        size_t at = lx->i;
        char c = t[at];
        if (c == '\n') {
            lx->i++;
            if (lx->depth == 0 && !lx->at_bol) {
                push(lx, T_NEWLINE, at, "\n");
                lx->at_bol = true;
            }
            newline(lx);
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            lx->i++;
            continue;
        }
        if (c == '\\' && at + 1 < lx->len && (t[at + 1] == '\n' || t[at + 1] == '\r')) {
            lx->i += t[at + 1] == '\r' && at + 2 < lx->len && t[at + 2] == '\n' ? 3 : 2;
            newline(lx);
            continue;
        }
        if (c == '#') {
            size_t e = at;
            while (e < lx->len && t[e] != '\n')
                e++;
            size_t s = at + 1;
            while (s < e && (t[s] == ' ' || t[s] == '\t'))
                s++;
            size_t end = e;
            while (end > s && (t[end - 1] == ' ' || t[end - 1] == '\t' || t[end - 1] == '\r'))
                end--;
            PyComment *pc = arena_alloc(lx->a, sizeof *pc);
            pc->line = lx->line;
            pc->col = col_of(lx, at);
            pc->text = arena_strndup(lx->a, t + s, end - s);
            list_push(lx->a, lx->comments, pc);
            lx->i = e;
            continue;
        }
        if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
            size_t e = at;
            while (e < lx->len && (isalnum((unsigned char)t[e]) || t[e] == '_' || (unsigned char)t[e] >= 0x80))
                e++;
            /* a string prefix: r, b, u, f and their pairs, any case */
            if (e < lx->len && (t[e] == '\'' || t[e] == '"') && e - at <= 2) {
                bool raw = false, fstr = false, ok = true;
                for (size_t k = at; k < e; k++) {
                    char p = (char)tolower((unsigned char)t[k]);
                    if (p == 'r') raw = true;
                    else if (p == 'f') fstr = true;
                    else if (p != 'b' && p != 'u') ok = false;
                }
                if (ok) {
                    lx->i = e;
                    if (lex_string(lx, at, raw, fstr) < 0)
                        return -1;
                    continue;
                }
            }
            push(lx, T_NAME, at, arena_strndup(lx->a, t + at, e - at));
            lx->i = e;
            continue;
        }
        if (isdigit((unsigned char)c) || (c == '.' && at + 1 < lx->len && isdigit((unsigned char)t[at + 1]))) {
            size_t e = at;
            while (e < lx->len) {
                char d = t[e];
                if (isalnum((unsigned char)d) || d == '_' || d == '.')
                    e++;
                else if ((d == '+' || d == '-') && (t[e - 1] == 'e' || t[e - 1] == 'E') &&
                         !(t[at] == '0' && (t[at + 1] == 'x' || t[at + 1] == 'X')))
                    e++;
                else
                    break;
            }
            push(lx, T_NUMBER, at, arena_strndup(lx->a, t + at, e - at));
            lx->i = e;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (lex_string(lx, at, false, false) < 0)
                return -1;
            continue;
        }
        const char *op = NULL;
        for (int k = 0; ops3[k] && !op; k++)
            if (at + 3 <= lx->len && memcmp(t + at, ops3[k], 3) == 0)
                op = ops3[k];
        for (int k = 0; ops2[k] && !op; k++)
            if (at + 2 <= lx->len && memcmp(t + at, ops2[k], 2) == 0)
                op = ops2[k];
        if (!op) {
            if (!strchr("()[]{},:.;@=+-*/%|&^~<>", c))
                return zdm_error(lx->err, lx->file, lx->line, col_of(lx, at),
                                 "unexpected character '%c'", isprint((unsigned char)c) ? c : '?');
            op = arena_strndup(lx->a, t + at, 1);
        }
        if (strchr("([{", op[0]) && !op[1]) {
            /* the parser recurses per bracket: bound it as Python does */
            if (lx->depth >= PY_MAX_NESTING)
                return zdm_error(lx->err, lx->file, lx->line, col_of(lx, at),
                                 "brackets nested more than %d deep (Python's own limit)", PY_MAX_NESTING);
            lx->open_line[lx->depth] = lx->line;
            lx->open[lx->depth++] = op[0];
        }
        else if (strchr(")]}", op[0]) && !op[1]) {
            if (lx->depth == 0)
                return zdm_error(lx->err, lx->file, lx->line, col_of(lx, at),
                                 "'%c' closes nothing", op[0]);
            char want = lx->open[lx->depth - 1] == '(' ? ')' : lx->open[lx->depth - 1] == '[' ? ']' : '}';
            if (op[0] != want)
                return zdm_error(lx->err, lx->file, lx->line, col_of(lx, at),
                                 "'%c' does not match the '%c' opened at line %d", op[0], lx->open[lx->depth - 1],
                                 lx->open_line[lx->depth - 1]);
            lx->depth--;
        }
        push(lx, T_OP, at, op);
        lx->i += strlen(op);
    }
    if (lx->depth > 0) {
        /* point at the bracket left open */
        int d = 0;
        for (int k = lx->toks.len - 1; k >= 0; k--) {
            Tok *tk = LIST_GET(&lx->toks, k);
            if (tk->kind != T_OP || tk->s[1])
                continue;
            if (strchr(")]}", tk->s[0]))
                d++;
            else if (strchr("([{", tk->s[0]) && d-- == 0)
                return zdm_error(lx->err, lx->file, tk->line, tk->col, "'%c' is never closed", tk->s[0]);
        }
        return zdm_error(lx->err, lx->file, lx->line, 1, "unbalanced brackets");
    }
    if (!lx->at_bol)
        push(lx, T_NEWLINE, lx->i, "\n");
    Tok *eof = push(lx, T_EOF, lx->i, "");
    eof->indent = 0;
    return 0;
}

/* ---- parser ---------------------------------------------------------- */

typedef struct Parser {
    Arena *a;
    const char *file;
    Tok **t;
    int n, i;
    int depth;     /* expression recursion, bounded like the brackets */
    ZdmError *err;
} Parser;

/* The current token; never past the end (the last token is T_EOF). */
static Tok *cur(Parser *p) { return p->t[p->i < p->n ? p->i : p->n - 1]; }
static Tok *prev(Parser *p) { return p->t[p->i > 0 ? p->i - 1 : 0]; }
static Tok *peek(Parser *p, int k) { return p->t[p->i + k < p->n ? p->i + k : p->n - 1]; }

static bool is_op(const Tok *t, const char *op) { return t->kind == T_OP && strcmp(t->s, op) == 0; }
static bool is_name(const Tok *t, const char *n) { return t->kind == T_NAME && strcmp(t->s, n) == 0; }
static bool line_end(const Tok *t) { return t->kind == T_NEWLINE || t->kind == T_EOF || is_op(t, ";"); }

static int fail(Parser *p, const Tok *t, const char *what)
{
    if (t->kind == T_EOF)
        return zdm_error(p->err, p->file, t->line, t->col, "%s, found the end of the file", what);
    if (t->kind == T_NEWLINE)
        return zdm_error(p->err, p->file, t->line, t->col, "%s, found the end of the line", what);
    return zdm_error(p->err, p->file, t->line, t->col, "%s, found '%s'", what,
                     t->kind == T_STRING ? "string" : t->s);
}

static PyNode *node(Parser *p, PyKind kind, const Tok *at)
{
    PyNode *n = arena_alloc(p->a, sizeof *n);
    n->kind = kind;
    n->line = at->line;
    n->col = at->col;
    n->end_line = at->line;
    return n;
}

/* A node of kind at the place of `first`, over the given operands. */
static PyNode *wrap(Parser *p, PyKind kind, const PyNode *first, const char *s, PyNode *x, PyNode *y)
{
    PyNode *o = arena_alloc(p->a, sizeof *o);
    o->kind = kind;
    o->line = first->line;
    o->col = first->col;
    o->end_line = (y ? y : x ? x : first)->end_line;
    o->s = s;
    if (x)
        list_push(p->a, &o->items, x);
    if (y)
        list_push(p->a, &o->items, y);
    return o;
}

static PyNode *expr(Parser *p);
static PyNode *or_test(Parser *p);

static bool is_keyword(const char *s)
{
    static const char *const kw[] = {"and", "or", "not", "in", "is", "if", "else", "for",
                                     "lambda", "import", "from", "def", "class", "return",
                                     "yield", "while", "with", "as", "pass", "del", NULL};
    for (int k = 0; kw[k]; k++)
        if (strcmp(s, kw[k]) == 0)
            return true;
    return false;
}

/* `for a, b in it if c ...` clauses up to the closer, after the element. */
static PyNode *comprehension(Parser *p, PyNode *elt, const char *kind, const Tok *at)
{
    PyNode *c = node(p, PY_COMP, at);
    c->s = kind;
    list_push(p->a, &c->items, elt);
    while (is_name(cur(p), "for") || (is_name(cur(p), "async") && is_name(peek(p, 1), "for"))) {
        if (is_name(cur(p), "async"))
            p->i++;
        Tok *ft = cur(p);
        p->i++;
        StrBuf names;
        sb_init(&names, p->a);
        sb_append(&names, "");
        bool paren = is_op(cur(p), "(");
        if (paren)
            p->i++;
        for (;;) {
            if (cur(p)->kind != T_NAME || is_keyword(cur(p)->s)) {
                fail(p, cur(p), "expected a name after 'for'");
                return NULL;
            }
            sb_printf(&names, "%s%s", names.len ? "," : "", cur(p)->s);
            p->i++;
            if (!is_op(cur(p), ","))
                break;
            p->i++;
            if (is_name(cur(p), "in") || is_op(cur(p), ")"))
                break;
        }
        if (paren) {
            if (!is_op(cur(p), ")")) {
                fail(p, cur(p), "expected ')'");
                return NULL;
            }
            p->i++;
        }
        if (!is_name(cur(p), "in")) {
            fail(p, cur(p), "expected 'in'");
            return NULL;
        }
        p->i++;
        PyNode *it = or_test(p);
        if (!it)
            return NULL;
        PyNode *f = node(p, PY_FOR, ft);
        f->s = names.data;
        list_push(p->a, &f->items, it);
        while (is_name(cur(p), "if")) {
            p->i++;
            PyNode *cond = or_test(p);
            if (!cond)
                return NULL;
            list_push(p->a, &f->items, cond);
        }
        list_push(p->a, &c->items, f);
    }
    return c;
}

/* An element of a display: an expression or *expression. */
static PyNode *element(Parser *p)
{
    if (is_op(cur(p), "*")) {
        Tok *t = cur(p);
        p->i++;
        PyNode *v = or_test(p);
        return v ? wrap(p, PY_STARRED, v, "*", v, NULL) : NULL;
        (void)t;
    }
    return expr(p);
}

/* Elements up to the closer; *comma: a trailing or separating comma seen. */
static PyNode *display(Parser *p, const Tok *open, PyKind kind, const char *close, bool *comma)
{
    PyNode *n = node(p, kind, open);
    *comma = false;
    while (!is_op(cur(p), close)) {
        PyNode *e = element(p);
        if (!e)
            return NULL;
        if (n->items.len == 0 && (is_name(cur(p), "for") || is_name(cur(p), "async"))) {
            PyNode *c = comprehension(p, e, kind == PY_LIST ? "list" : kind == PY_SET ? "set" : "tuple", open);
            if (!c)
                return NULL;
            if (!is_op(cur(p), close)) {
                fail(p, cur(p), arena_printf(p->a, "expected '%s'", close));
                return NULL;
            }
            p->i++;
            c->end_line = prev(p)->line;
            return c;
        }
        list_push(p->a, &n->items, e);
        *comma = false;
        if (is_op(cur(p), ",")) {
            *comma = true;
            p->i++;
            continue;
        }
        if (!is_op(cur(p), close)) {
            fail(p, cur(p), arena_printf(p->a, "expected ',' or '%s'", close));
            return NULL;
        }
    }
    p->i++; /* the closer */
    n->end_line = prev(p)->line;
    return n;
}

static PyNode *dict_or_set(Parser *p, const Tok *t)
{
    PyNode *n = node(p, PY_DICT, t);
    bool is_set = false;
    while (!is_op(cur(p), "}")) {
        if (is_op(cur(p), "**")) {
            p->i++;
            PyNode *v = or_test(p);
            if (!v)
                return NULL;
            PyNode *o = node(p, PY_OPAQUE, t);
            o->s = "a dict built with ** unpacking";
            o->end_line = v->end_line;
            n = o; /* still parse the rest */
        } else {
            PyNode *k = element(p);
            if (!k)
                return NULL;
            if (is_op(cur(p), ":")) {
                p->i++;
                PyNode *v = expr(p);
                if (!v)
                    return NULL;
                if (is_name(cur(p), "for") || is_name(cur(p), "async")) {
                    PyNode *c = comprehension(p, v, "dict", t);
                    if (!c)
                        return NULL;
                    n = node(p, PY_OPAQUE, t);
                    n->s = "a dict comprehension";
                } else if (n->kind == PY_DICT) {
                    list_push(p->a, &n->items, k);
                    list_push(p->a, &n->items, v);
                }
            } else {
                if (n->items.len == 0 && !is_set && (is_name(cur(p), "for") || is_name(cur(p), "async"))) {
                    PyNode *c = comprehension(p, k, "set", t);
                    if (!c || !is_op(cur(p), "}")) {
                        if (c)
                            fail(p, cur(p), "expected '}'");
                        return NULL;
                    }
                    p->i++;
                    c->end_line = prev(p)->line;
                    return c;
                }
                is_set = true;
                if (n->kind == PY_DICT)
                    list_push(p->a, &n->items, k);
            }
        }
        if (is_op(cur(p), ",")) {
            p->i++;
            continue;
        }
        if (!is_op(cur(p), "}")) {
            fail(p, cur(p), "expected ',' or '}'");
            return NULL;
        }
    }
    p->i++;
    if (is_set && n->kind == PY_DICT)
        n->kind = PY_SET;
    n->end_line = prev(p)->line;
    return n;
}

static PyNode *atom(Parser *p)
{
    Tok *t = cur(p);
    PyNode *n;
    switch (t->kind) {
    case T_NAME:
        if (is_keyword(t->s)) {
            fail(p, t, "expected a value");
            return NULL;
        }
        p->i++;
        if (strcmp(t->s, "True") == 0) return node(p, PY_TRUE, t);
        if (strcmp(t->s, "False") == 0) return node(p, PY_FALSE, t);
        if (strcmp(t->s, "None") == 0) return node(p, PY_NONE, t);
        n = node(p, PY_NAME, t);
        n->s = t->s;
        return n;
    case T_NUMBER:
        p->i++;
        n = node(p, PY_NUM, t);
        n->s = t->s;
        return n;
    case T_STRING: {
        /* implicit concatenation: "a" "b" is "ab"; with an f-string among
         * them the plain parts' braces are doubled, so the whole is one
         * f-string's text */
        n = node(p, PY_STR, t);
        bool any_f = false;
        for (int k = p->i; p->t[k]->kind == T_STRING; k++)
            any_f |= p->t[k]->fstring;
        StrBuf sb;
        sb_init(&sb, p->a);
        sb_append(&sb, "");
        while (cur(p)->kind == T_STRING) {
            const char *s = cur(p)->s;
            if (any_f && !cur(p)->fstring) {
                for (; *s; s++)
                    sb_append(&sb, *s == '{' ? "{{" : *s == '}' ? "}}" : (char[]){*s, 0});
            } else {
                sb_append(&sb, s);
            }
            n->end_line = cur(p)->line;
            p->i++;
        }
        n->fstring = any_f;
        n->s = sb.data;
        return n;
    }
    case T_OP:
        if (is_op(t, "(") || is_op(t, "[")) {
            p->i++;
            if (is_name(cur(p), "yield")) {
                fail(p, cur(p), "expected a value");
                return NULL;
            }
            bool comma = false;
            bool paren = t->s[0] == '(';
            n = display(p, t, paren ? PY_TUPLE : PY_LIST, paren ? ")" : "]", &comma);
            if (!n)
                return NULL;
            /* (x) is x, not a tuple */
            if (paren && n->kind == PY_TUPLE && n->items.len == 1 && !comma &&
                ((PyNode *)LIST_GET(&n->items, 0))->kind != PY_STARRED) {
                PyNode *inner = LIST_GET(&n->items, 0);
                inner->end_line = prev(p)->line;
                return inner;
            }
            return n;
        }
        if (is_op(t, "{")) {
            p->i++;
            return dict_or_set(p, t);
        }
        if (is_op(t, "...")) {
            p->i++;
            n = node(p, PY_OPAQUE, t);
            n->s = "Ellipsis";
            return n;
        }
        break;
    default:
        break;
    }
    fail(p, t, "expected a value");
    return NULL;
}

static PyNode *postfix(Parser *p)
{
    PyNode *n = atom(p);
    while (n) {
        Tok *t = cur(p);
        if (is_op(t, ".")) {
            p->i++;
            Tok *nm = cur(p);
            if (nm->kind != T_NAME) {
                fail(p, nm, "expected a name after '.'");
                return NULL;
            }
            p->i++;
            if (n->kind == PY_NAME) {
                n->s = arena_printf(p->a, "%s.%s", n->s, nm->s);
                n->end_line = nm->line;
            } else {
                n = wrap(p, PY_ATTR, n, nm->s, n, NULL);
                n->end_line = nm->line;
            }
        } else if (is_op(t, "(")) {
            p->i++;
            PyNode *c = node(p, PY_CALL, t);
            c->line = n->line;
            c->col = n->col;
            c->fn = n;
            while (!is_op(cur(p), ")")) {
                Tok *a0 = cur(p);
                if (is_op(a0, "*") || is_op(a0, "**")) {
                    p->i++;
                    PyNode *v = expr(p);
                    if (!v)
                        return NULL;
                    list_push(p->a, &c->kw_names, (void *)a0->s);
                    list_push(p->a, &c->kw_values, v);
                } else if (a0->kind == T_NAME && is_op(peek(p, 1), "=")) {
                    p->i += 2;
                    PyNode *v = expr(p);
                    if (!v)
                        return NULL;
                    list_push(p->a, &c->kw_names, (void *)a0->s);
                    list_push(p->a, &c->kw_values, v);
                } else {
                    if (c->kw_names.len) {
                        fail(p, a0, "positional argument after a keyword argument");
                        return NULL;
                    }
                    PyNode *v = expr(p);
                    if (!v)
                        return NULL;
                    if (is_name(cur(p), "for") || is_name(cur(p), "async")) { /* f(x for x in y) */
                        v = comprehension(p, v, "tuple", a0);
                        if (!v)
                            return NULL;
                    }
                    list_push(p->a, &c->items, v);
                }
                if (is_op(cur(p), ",")) {
                    p->i++;
                    continue;
                }
                if (!is_op(cur(p), ")")) {
                    fail(p, cur(p), "expected ',' or ')' in the call");
                    return NULL;
                }
            }
            c->end_line = cur(p)->line;
            p->i++;
            n = c;
        } else if (is_op(t, "[")) {
            p->i++;
            PyNode *ix = NULL;
            bool slice = false;
            /* an index, or a slice (kept unevaluated) */
            if (!is_op(cur(p), ":")) {
                ix = expr(p);
                if (!ix)
                    return NULL;
            }
            while (!is_op(cur(p), "]")) {
                if (is_op(cur(p), ":") || is_op(cur(p), ",")) {
                    slice = true;
                    p->i++;
                    continue;
                }
                if (!expr(p))
                    return NULL;
            }
            PyNode *o = wrap(p, PY_SUBSCRIPT, n, "[]", n, NULL);
            list_push(p->a, &o->items, slice ? NULL : ix);
            o->end_line = cur(p)->line;
            p->i++;
            n = o;
        } else {
            break;
        }
    }
    return n;
}

static PyNode *power(Parser *p)
{
    PyNode *n = postfix(p);
    if (n && is_op(cur(p), "**")) {
        p->i++;
        PyNode *r = NULL;
        /* the exponent binds a unary operator: 2 ** -1 */
        if (is_op(cur(p), "-") || is_op(cur(p), "+") || is_op(cur(p), "~")) {
            Tok *t = cur(p);
            p->i++;
            PyNode *v = power(p);
            r = v ? wrap(p, PY_UNARY, v, t->s, v, NULL) : NULL;
        } else {
            r = power(p);
        }
        return r ? wrap(p, PY_BINOP, n, "**", n, r) : NULL;
    }
    return n;
}

static PyNode *unary(Parser *p)
{
    Tok *t = cur(p);
    if (is_op(t, "-") || is_op(t, "+") || is_op(t, "~")) {
        p->i++;
        if (++p->depth > 4 * PY_MAX_NESTING) {
            fail(p, t, "expression nested too deeply");
            return NULL;
        }
        PyNode *v = unary(p);
        p->depth--;
        if (!v)
            return NULL;
        if (v->kind == PY_NUM && (t->s[0] == '-' || t->s[0] == '+') && v->s[0] != '-') {
            v->s = t->s[0] == '-' ? arena_printf(p->a, "-%s", v->s) : v->s;
            v->line = t->line;
            v->col = t->col;
            return v;
        }
        PyNode *o = wrap(p, PY_UNARY, v, t->s, v, NULL);
        o->line = t->line;
        o->col = t->col;
        return o;
    }
    return power(p);
}

/* Binary operators by precedence, loosest last (Python's grammar). */
static const char *const levels[][8] = {
    {"*", "/", "//", "%", "@", NULL},
    {"+", "-", NULL},
    {"<<", ">>", NULL},
    {"&", NULL},
    {"^", NULL},
    {"|", NULL},
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

static PyNode *binary(Parser *p, int level)
{
    if (level < 0)
        return unary(p);
    PyNode *n = binary(p, level - 1);
    while (n) {
        Tok *t = cur(p);
        const char *op = NULL;
        for (int k = 0; levels[level][k] && !op; k++)
            if (is_op(t, levels[level][k]))
                op = levels[level][k];
        if (!op)
            break;
        p->i++;
        PyNode *r = binary(p, level - 1);
        if (!r)
            return NULL;
        n = wrap(p, PY_BINOP, n, op, n, r);
    }
    return n;
}

static PyNode *comparison(Parser *p)
{
    PyNode *n = binary(p, NLEVELS - 1);
    PyNode *last = NULL; /* a < b < c is (a < b) and (b < c) */
    while (n) {
        Tok *t = cur(p);
        const char *op = NULL;
        int skip = 1;
        static const char *const cmp[] = {"<", ">", "==", "!=", "<=", ">=", NULL};
        for (int k = 0; cmp[k] && !op; k++)
            if (is_op(t, cmp[k]))
                op = cmp[k];
        if (!op && is_name(t, "in"))
            op = "in";
        else if (!op && is_name(t, "not") && is_name(peek(p, 1), "in"))
            op = "not in", skip = 2;
        else if (!op && is_name(t, "is"))
            op = is_name(peek(p, 1), "not") ? (skip = 2, "is not") : "is";
        if (!op)
            break;
        p->i += skip;
        PyNode *r = binary(p, NLEVELS - 1);
        if (!r)
            return NULL;
        n = last ? wrap(p, PY_BINOP, n, "and", n, wrap(p, PY_BINOP, last, op, last, r))
                 : wrap(p, PY_BINOP, n, op, n, r);
        last = r;
    }
    return n;
}

static PyNode *not_test(Parser *p)
{
    Tok *t = cur(p);
    if (is_name(t, "not")) {
        p->i++;
        if (++p->depth > 4 * PY_MAX_NESTING) {
            fail(p, t, "expression nested too deeply");
            return NULL;
        }
        PyNode *v = not_test(p);
        p->depth--;
        if (!v)
            return NULL;
        PyNode *o = wrap(p, PY_UNARY, v, "not", v, NULL);
        o->line = t->line;
        o->col = t->col;
        return o;
    }
    return comparison(p);
}

static PyNode *and_or(Parser *p, bool or)
{
    PyNode *n = or ? and_or(p, false) : not_test(p);
    while (n && is_name(cur(p), or ? "or" : "and")) {
        p->i++;
        PyNode *r = or ? and_or(p, false) : not_test(p);
        if (!r)
            return NULL;
        n = wrap(p, PY_BINOP, n, or ? "or" : "and", n, r);
    }
    return n;
}

static PyNode *or_test(Parser *p) { return and_or(p, true); }

static PyNode *expr(Parser *p)
{
    /* a - - - - x or lambda: lambda: ... recurse without brackets: bound them too */
    if (++p->depth > 4 * PY_MAX_NESTING) {
        fail(p, cur(p), "expression nested too deeply");
        return NULL;
    }
    PyNode *n = NULL;
    Tok *t = cur(p);
    if (is_name(t, "lambda")) {
        p->i++;
        while (!is_op(cur(p), ":")) {
            if (cur(p)->kind == T_NEWLINE || cur(p)->kind == T_EOF) {
                fail(p, cur(p), "expected ':' in the lambda");
                p->depth--;
                return NULL;
            }
            p->i++;
        }
        p->i++;
        PyNode *body = expr(p);
        if (body) {
            n = node(p, PY_LAMBDA, t);
            n->s = "lambda";
            n->end_line = body->end_line;
            list_push(p->a, &n->items, body);
        }
        p->depth--;
        return n;
    }
    n = or_test(p);
    if (n && is_name(cur(p), "if")) { /* a if c else b */
        p->i++;
        PyNode *c = or_test(p);
        if (c && !is_name(cur(p), "else")) {
            fail(p, cur(p), "expected 'else'");
            c = NULL;
        }
        PyNode *b = NULL;
        if (c) {
            p->i++;
            b = expr(p);
        }
        if (!b) {
            n = NULL;
        } else {
            PyNode *o = wrap(p, PY_COND, n, "if", n, c);
            list_push(p->a, &o->items, b);
            o->end_line = b->end_line;
            n = o;
        }
    }
    if (n && is_op(cur(p), ":=")) { /* (name := value): the value */
        p->i++;
        n = expr(p);
    }
    p->depth--;
    return n;
}

/* expr, or a bare tuple "a, b" (assignment sides, `for` targets). */
static PyNode *expr_list(Parser *p)
{
    Tok *t = cur(p);
    PyNode *n = element(p);
    if (!n || !is_op(cur(p), ","))
        return n;
    PyNode *tup = node(p, PY_TUPLE, t);
    list_push(p->a, &tup->items, n);
    while (is_op(cur(p), ",")) {
        p->i++;
        if (line_end(cur(p)) || is_op(cur(p), "=") || is_op(cur(p), ")"))
            break;
        PyNode *e = element(p);
        if (!e)
            return NULL;
        list_push(p->a, &tup->items, e);
    }
    tup->end_line = prev(p)->line;
    return tup;
}

/* ---- statements -------------------------------------------------------- */

/*
 * The statements of a module and of class Migration are run, as far as zdm
 * follows them: assignments bind evaluated values; `if` takes the branch its
 * condition decides; what zdm cannot follow (loops, try, with, statements it
 * cannot read) makes every name it may assign unknown, with why.
 */
typedef struct Exec {
    Parser *p;
    Arena *a;
    PyEnv *module;
    PyEnv *env;           /* where assignments go: the module, or the class body */
    const PyEnv *settings;
    PyMigration *out;     /* NULL: a settings module */
    PyEnv *klass;         /* class Migration's scope, once read */
    const char *klass_base; /* "migrations.Migration" */
    const Tok *ops_at;    /* where `operations` was last assigned */
    bool tolerant;        /* settings: skip what zdm cannot parse */
} Exec;

static int statements(Exec *x, int indent, bool run);
static int suite(Exec *x, int indent, bool run);

/* Skips the rest of the logical line, then every line indented deeper. */
static void skip_block(Parser *p, int indent)
{
    while (cur(p)->kind != T_NEWLINE && cur(p)->kind != T_EOF)
        p->i++;
    if (cur(p)->kind == T_NEWLINE)
        p->i++;
    while (cur(p)->kind != T_EOF && cur(p)->indent > indent)
        p->i++;
}

/* Skips one simple statement (to ';' or the end of the line). */
static void skip_simple(Parser *p)
{
    while (!line_end(cur(p)))
        p->i++;
}

static PyEnv *scope_of(Exec *x, const char *name, const char **attr)
{
    /* Migration.operations at module level is the class's */
    *attr = name;
    if (x->klass && strncmp(name, "Migration.", 10) == 0 && !strchr(name + 10, '.')) {
        *attr = name + 10;
        return x->klass;
    }
    return strchr(name, '.') ? NULL : x->env;
}

static void bind(Exec *x, PyEnv *scope, const char *name, const PyNode *v, const Tok *at)
{
    py_env_set(scope, name, v);
    if (scope == x->klass && strcmp(name, "operations") == 0)
        x->ops_at = at;
}

/* Names a block of tokens [from, to) may assign: they become unknown. */
static bool in_names(const List *names, const char *s)
{
    for (int k = 0; names && k < names->len; k++)
        if (strcmp(LIST_GET(names, k), s) == 0)
            return true;
    return false;
}

/* keep: names left alone (a try body's imports, which an except clause's
 * fallback does not replace when the project's dependencies are installed) */
static void forget_assigned_but(Exec *x, int from, int to, const char *why, const List *keep)
{
    Parser *p = x->p;
    for (int k = from; k < to; k++) {
        const Tok *t = p->t[k];
        if (t->kind != T_NAME || is_keyword(t->s) || in_names(keep, t->s))
            continue;
        const Tok *nx = p->t[k + 1 < p->n ? k + 1 : k];
        bool target = false;
        if (t->bol || (k > from && (is_name(p->t[k - 1], "for") || is_name(p->t[k - 1], "as") ||
                                    is_op(p->t[k - 1], ","))))
            target = nx->kind == T_OP && (strcmp(nx->s, "=") == 0 || strcmp(nx->s, ",") == 0 ||
                                          (strlen(nx->s) >= 2 && nx->s[strlen(nx->s) - 1] == '=' &&
                                           strcmp(nx->s, "==") && strcmp(nx->s, "!=") &&
                                           strcmp(nx->s, "<=") && strcmp(nx->s, ">=")) ||
                                          strcmp(nx->s, ".") == 0 || strcmp(nx->s, "[") == 0);
        if (is_name(p->t[k > 0 ? k - 1 : 0], "for") || is_name(p->t[k > 0 ? k - 1 : 0], "as"))
            target = true;
        if (!target)
            continue;
        /* Migration.operations.append(...) in a loop */
        const char *name = t->s;
        if (strcmp(name, "Migration") == 0 && is_op(nx, ".") && k + 2 < to && p->t[k + 2]->kind == T_NAME)
            name = arena_printf(x->a, "Migration.%s", p->t[k + 2]->s);
        const char *attr;
        PyEnv *scope = scope_of(x, name, &attr);
        if (!scope)
            continue;
        PyNode *o = arena_alloc(x->a, sizeof *o);
        o->kind = PY_OPAQUE;
        o->line = t->line;
        o->col = t->col;
        o->end_line = t->line;
        o->s = arena_printf(x->a, "%s %s", attr, why);
        /* a list the block may only add to keeps what it held, and one
         * element saying what may follow */
        const PyNode *was = py_env_get(scope, attr);
        int m = name == t->s ? k + 1 : k + 3;
        bool adds = m + 1 < to && ((is_op(p->t[m], ".") && (is_name(p->t[m + 1], "append") ||
                                                             is_name(p->t[m + 1], "extend") ||
                                                             is_name(p->t[m + 1], "insert"))) ||
                                   is_op(p->t[m], "+="));
        if (adds && was && (was->kind == PY_LIST || was->kind == PY_TUPLE)) {
            PyNode *l = arena_alloc(x->a, sizeof *l);
            *l = *was;
            l->items = (List){0};
            for (int j = 0; j < was->items.len; j++)
                list_push(x->a, &l->items, LIST_GET(&was->items, j));
            o->s = arena_printf(x->a, "%s may get more elements at line %d, %s", attr, t->line, why + 3);
            list_push(x->a, &l->items, o);
            bind(x, scope, attr, l, t);
            continue;
        }
        bind(x, scope, attr, o, t);
    }
}

static void forget_assigned(Exec *x, int from, int to, const char *why)
{
    forget_assigned_but(x, from, to, why, NULL);
}

/* The names the import statements among tokens [from, to) bind. */
static void imported_names(Exec *x, int from, int to, List *out)
{
    Parser *p = x->p;
    bool in_import = false;
    for (int k = from; k < to; k++) {
        const Tok *t = p->t[k];
        if (t->kind == T_NEWLINE || is_op(t, ";")) {
            in_import = false;
            continue;
        }
        if (is_name(t, "import")) {
            in_import = true;
            continue;
        }
        if (!in_import || t->kind != T_NAME)
            continue;
        const Tok *before = p->t[k - 1];
        const Tok *after = k + 1 < p->n ? p->t[k + 1] : t;
        if (is_name(after, "as"))
            continue; /* the name bound is the one after "as" */
        if (is_name(before, "as") || is_name(before, "import") || is_op(before, ",") || is_op(before, "("))
            list_push(x->a, out, (void *)t->s);
    }
}

/* try: the body runs (it is what runs when the project's dependencies are
 * installed), so do else and finally; what an except clause assigns is
 * unknown, but for the names the body imported. */
static int try_statement(Exec *x)
{
    Parser *p = x->p;
    Tok *t = cur(p);
    int indent = t->indent;
    p->i++;
    if (!is_op(cur(p), ":"))
        return fail(p, cur(p), "expected ':'");
    p->i++;
    int body = p->i;
    if (suite(x, indent, true) < 0)
        return -1;
    List imported = {0};
    imported_names(x, body, p->i, &imported);
    while (cur(p)->kind != T_EOF && cur(p)->indent == indent &&
           (is_name(cur(p), "except") || is_name(cur(p), "else") || is_name(cur(p), "finally"))) {
        Tok *kw = cur(p);
        while (!is_op(cur(p), ":") && cur(p)->kind != T_NEWLINE && cur(p)->kind != T_EOF)
            p->i++;
        if (!is_op(cur(p), ":"))
            return fail(p, cur(p), "expected ':'");
        p->i++;
        int from = p->i;
        bool handler = is_name(kw, "except");
        if (suite(x, indent, !handler) < 0)
            return -1;
        if (handler)
            forget_assigned_but(x, from, p->i,
                                arena_printf(x->a, "is set in an except clause (line %d): zdm does not run Python",
                                             kw->line),
                                &imported);
    }
    return 0;
}

/* A target of an assignment: a name, Migration.x, or a tuple of names. */
static void assign(Exec *x, const PyNode *target, const PyNode *v, const Tok *at)
{
    if (target->kind == PY_NAME) {
        const char *attr;
        PyEnv *scope = scope_of(x, target->s, &attr);
        if (scope)
            bind(x, scope, attr, v, at);
        return;
    }
    if (target->kind == PY_TUPLE || target->kind == PY_LIST) {
        bool known = py_is_seq(v) && v->items.len == target->items.len;
        for (int k = 0; k < target->items.len; k++) {
            const PyNode *t = LIST_GET(&target->items, k);
            if (t->kind == PY_STARRED) {
                known = false;
                t = LIST_GET(&t->items, 0);
            }
            assign(x, t, known ? LIST_GET(&v->items, k)
                               : py_opaque(x->a, v, arena_printf(x->a, "%s comes from unpacking %s",
                                                                 py_render(x->a, t), py_why_not(x->a, v, "a sequence"))),
                   at);
        }
    }
    /* x[i] = v, x.attr = v: the container becomes unknown */
    if (target->kind == PY_SUBSCRIPT || target->kind == PY_ATTR) {
        const PyNode *base = LIST_GET(&target->items, 0);
        while (base && (base->kind == PY_SUBSCRIPT || base->kind == PY_ATTR))
            base = LIST_GET(&base->items, 0);
        if (base && base->kind == PY_NAME) {
            const char *attr;
            PyEnv *scope = scope_of(x, base->s, &attr);
            if (scope)
                bind(x, scope, attr,
                     py_opaque(x->a, target, arena_printf(x->a, "%s is changed item by item (line %d): zdm does "
                                                          "not follow that", attr, target->line)),
                     at);
        }
    }
}

/* Does value `hay` hold `needle` (a list appended into itself makes a cycle)? */
static bool reaches(const PyNode *hay, const PyNode *needle, int depth)
{
    if (hay == needle)
        return true;
    if (!hay || depth > PY_MAX_NESTING)
        return depth > PY_MAX_NESTING;
    if (hay->kind != PY_LIST && hay->kind != PY_TUPLE && hay->kind != PY_SET && hay->kind != PY_DICT &&
        hay->kind != PY_CALL)
        return false;
    for (int k = 0; k < hay->items.len; k++)
        if (reaches(LIST_GET(&hay->items, k), needle, depth + 1))
            return true;
    for (int k = 0; k < hay->kw_values.len; k++)
        if (reaches(LIST_GET(&hay->kw_values, k), needle, depth + 1))
            return true;
    return false;
}

/* name.append(v), name.extend(v), name.insert(i, v), on a bound list.
 * Returns true when the statement was such a call (handled either way). */
static bool mutate(Exec *x, const PyNode *call, const Tok *at)
{
    if (call->kind != PY_CALL || !call->fn || call->fn->kind != PY_NAME)
        return false;
    const char *fn = call->fn->s, *dot = strrchr(fn, '.');
    if (!dot)
        return false;
    const char *method = dot + 1;
    const char *target = arena_strndup(x->a, fn, (size_t)(dot - fn));
    const char *attr;
    PyEnv *scope = scope_of(x, target, &attr);
    if (!scope)
        return false;
    const PyNode *cur_v = py_env_get(scope, attr);
    if (!cur_v)
        return false; /* not ours: a module's method (logging.info(...)) */
    PyNode *list = (PyNode *)cur_v;
    const char *why = NULL;
    int nargs = call->items.len;
    if (call->kw_names.len)
        why = "called with keyword arguments";
    else if (list->kind != PY_LIST)
        why = list->kind == PY_OPAQUE ? list->s : "not a list zdm knows";
    if (!why && strcmp(method, "append") == 0 && nargs == 1) {
        const PyNode *v = py_eval(x->a, x->env, x->settings, LIST_GET(&call->items, 0));
        if (reaches(v, list, 0))
            why = "appended into itself";
        else
            list_push(x->a, &list->items, (void *)v);
    } else if (!why && strcmp(method, "extend") == 0 && nargs == 1) {
        const PyNode *v = py_eval(x->a, x->env, x->settings, LIST_GET(&call->items, 0));
        if (!py_is_seq(v) || v->kind == PY_SET)
            why = py_why_not(x->a, v, "a list or tuple");
        else if (reaches(v, list, 0) && v != list)
            why = "extended with itself";
        else {
            int n = v->items.len; /* v may be list itself: x.extend(x) */
            for (int k = 0; k < n; k++)
                list_push(x->a, &list->items, LIST_GET(&v->items, k));
        }
    } else if (!why && strcmp(method, "insert") == 0 && nargs == 2) {
        const PyNode *iv = py_eval(x->a, x->env, x->settings, LIST_GET(&call->items, 0));
        const PyNode *v = py_eval(x->a, x->env, x->settings, LIST_GET(&call->items, 1));
        long i = py_int(iv, LONG_MIN);
        if (i == LONG_MIN)
            why = py_why_not(x->a, iv, "an index");
        else if (reaches(v, list, 0))
            why = "inserted into itself";
        else {
            long n = list->items.len;
            if (i < 0)
                i = i + n < 0 ? 0 : i + n;
            if (i > n)
                i = n;
            list_push(x->a, &list->items, NULL);
            memmove(&list->items.items[i + 1], &list->items.items[i], sizeof(void *) * (size_t)(n - i));
            list->items.items[i] = (void *)v;
        }
    } else if (!why) {
        why = arena_printf(x->a, "changed by .%s()", method);
    }
    if (why)
        bind(x, scope, attr,
             py_opaque(x->a, call, arena_printf(x->a, "%s is changed at line %d (%s): zdm does not follow that",
                                                 attr, call->line, why)),
             at);
    return true;
}

/* One simple statement (assignment, augmented assignment, expression). */
static int simple(Exec *x)
{
    Parser *p = x->p;
    Tok *t = cur(p);
    if (t->kind == T_NAME && (strcmp(t->s, "pass") == 0 || strcmp(t->s, "return") == 0 ||
                              strcmp(t->s, "raise") == 0 || strcmp(t->s, "assert") == 0 ||
                              strcmp(t->s, "global") == 0 || strcmp(t->s, "nonlocal") == 0 ||
                              strcmp(t->s, "break") == 0 || strcmp(t->s, "continue") == 0 ||
                              strcmp(t->s, "yield") == 0 || strcmp(t->s, "print") == 0 ||
                              (strcmp(t->s, "type") == 0 && peek(p, 1)->kind == T_NAME))) {
        skip_simple(p);
        return 0;
    }
    if (is_name(t, "del")) {
        int from = p->i;
        skip_simple(p);
        for (int k = from + 1; k < p->i; k++)
            if (p->t[k]->kind == T_NAME && x->env && py_env_get(x->env, p->t[k]->s))
                bind(x, x->env, p->t[k]->s, py_opaque(x->a, &(PyNode){.line = t->line, .col = t->col},
                                                      arena_printf(x->a, "%s is deleted at line %d", p->t[k]->s, t->line)),
                     p->t[k]);
        return 0;
    }
    int start = p->i;
    PyNode *lhs = expr_list(p);
    if (!lhs)
        return -1;
    if (is_op(cur(p), ":")) { /* x: int = v */
        p->i++;
        if (!expr(p))
            return -1;
        if (!is_op(cur(p), "="))
            return 0;
    }
    if (is_op(cur(p), "=")) {
        List targets = {0};
        list_push(x->a, &targets, lhs);
        PyNode *rhs = NULL;
        while (is_op(cur(p), "=")) {
            p->i++;
            rhs = expr_list(p);
            if (!rhs)
                return -1;
            if (is_op(cur(p), "="))
                list_push(x->a, &targets, rhs);
        }
        const PyNode *v = py_eval(x->a, x->env, x->settings, rhs);
        for (int k = 0; k < targets.len; k++)
            assign(x, LIST_GET(&targets, k), v, p->t[start]);
        return 0;
    }
    Tok *op = cur(p);
    if (op->kind == T_OP && strlen(op->s) >= 2 && op->s[strlen(op->s) - 1] == '=' && strcmp(op->s, "==") &&
        strcmp(op->s, "!=") && strcmp(op->s, "<=") && strcmp(op->s, ">=")) {
        p->i++;
        PyNode *rhs = expr_list(p);
        if (!rhs)
            return -1;
        if (lhs->kind != PY_NAME) {
            assign(x, lhs, NULL, op);
            return 0;
        }
        const char *attr;
        PyEnv *scope = scope_of(x, lhs->s, &attr);
        if (!scope)
            return 0;
        const PyNode *old = py_env_get(scope, attr);
        const char *bop = arena_strndup(x->a, op->s, strlen(op->s) - 1);
        PyNode *l = arena_alloc(x->a, sizeof *l);
        *l = *lhs;
        PyNode *b = wrap(p, PY_BINOP, lhs, bop, l, rhs);
        PyEnv *tmp = py_env_new(x->a, x->env);
        /* the old value, looked up where it lives, under a name no code uses */
        l->s = "\x01old";
        py_env_set(tmp, "\x01old", old ? old : py_opaque(x->a, lhs, arena_printf(x->a, "%s is not defined before line %d",
                                                                              attr, op->line)));
        const PyNode *v = py_eval(x->a, tmp, x->settings, b);
        /* a list's += extends it in place (aliases see it) */
        if (old && old->kind == PY_LIST && strcmp(bop, "+") == 0 && v->kind == PY_LIST) {
            PyNode *ol = (PyNode *)old;
            ol->items = v->items;
            v = ol;
        }
        bind(x, scope, attr, v, op);
        return 0;
    }
    if (!line_end(cur(p)))
        return fail(p, cur(p), "expected the end of the statement");
    if (lhs->kind == PY_CALL)
        mutate(x, lhs, t);
    return 0;
}

/* The block after a compound statement's ':' — inline or indented. */
static int suite(Exec *x, int indent, bool run)
{
    Parser *p = x->p;
    if (cur(p)->kind != T_NEWLINE) { /* if c: x = 1 */
        if (!run) {
            skip_simple(p);
            while (is_op(cur(p), ";")) {
                p->i++;
                skip_simple(p);
            }
            if (cur(p)->kind == T_NEWLINE)
                p->i++;
            return 0;
        }
        for (;;) {
            if (line_end(cur(p)) || simple(x) < 0) {
                if (!x->tolerant && !line_end(cur(p)))
                    return -1;
                skip_simple(p);
            }
            if (!is_op(cur(p), ";"))
                break;
            p->i++;
        }
        if (cur(p)->kind == T_NEWLINE)
            p->i++;
        return 0;
    }
    p->i++;
    if (cur(p)->indent <= indent)
        return 0; /* an empty body is Python's error, not zdm's concern */
    if (!run) {
        while (cur(p)->kind != T_EOF && cur(p)->indent > indent)
            p->i++;
        return 0;
    }
    return statements(x, indent, true);
}

/* if / elif / else: the branch a known condition takes runs; with an
 * unknown condition none runs, and what they assign becomes unknown. */
static int if_chain(Exec *x)
{
    Parser *p = x->p;
    int indent = cur(p)->indent;
    bool decided = false; /* an earlier branch was taken */
    bool unknown = false; /* an earlier condition was not known */
    const Tok *unknown_at = NULL;
    const char *unknown_cond = NULL;
    const Tok *first = cur(p);
    while (is_name(cur(p), "if") || is_name(cur(p), "elif") || is_name(cur(p), "else")) {
        Tok *kw = cur(p);
        if (kw->indent != indent || (is_name(kw, "if") && (decided || unknown || kw != first)))
            break;
        p->i++;
        int truth = 1;
        const PyNode *cond = NULL;
        if (!is_name(kw, "else")) {
            cond = expr(p);
            if (!cond)
                return -1;
            truth = py_known_truth(py_eval(x->a, x->env, x->settings, cond));
        }
        if (!is_op(cur(p), ":"))
            return fail(p, cur(p), "expected ':'");
        p->i++;
        bool run = !decided && !unknown && truth == 1;
        int body = p->i;
        if (suite(x, indent, run) < 0)
            return -1;
        if (!decided && (unknown || truth < 0)) {
            if (!unknown) {
                unknown_at = kw;
                unknown_cond = py_render(x->a, cond);
            }
            unknown = true;
            forget_assigned(x, body, p->i,
                            arena_printf(x->a, "is set under `if %s` (line %d), which zdm cannot decide",
                                         unknown_cond, unknown_at->line));
        }
        decided |= run;
        if (cur(p)->kind == T_EOF || !(is_name(cur(p), "elif") || is_name(cur(p), "else")))
            break;
    }
    return 0;
}

static int class_migration(Exec *x)
{
    Parser *p = x->p;
    Tok *t = cur(p);
    x->out->class_line = t->line;
    x->out->class_col = t->col;
    int ind = t->indent;
    p->i += 2;
    const char *base = NULL;
    if (is_op(cur(p), "(")) {
        p->i++;
        if (cur(p)->kind == T_NAME)
            base = cur(p)->s;
        int from = p->i;
        int d = 0;
        while (cur(p)->kind != T_EOF && !(d == 0 && is_op(cur(p), ")"))) {
            if (is_op(cur(p), "(") || is_op(cur(p), "[") || is_op(cur(p), "{")) d++;
            if (is_op(cur(p), ")") || is_op(cur(p), "]") || is_op(cur(p), "}")) d--;
            p->i++;
        }
        if (cur(p)->kind == T_EOF)
            return fail(p, cur(p), "expected ')'");
        if (from + 1 == p->i && base)
            x->klass_base = base;
        else if (from < p->i)
            x->klass_base = arena_printf(x->a, "%s...", base ? base : "");
        p->i++;
    }
    if (!is_op(cur(p), ":"))
        return fail(p, cur(p), "expected ':' after class Migration(...)");
    p->i++;
    PyEnv *saved = x->env;
    x->klass = py_env_new(x->a, x->module);
    x->env = x->klass;
    int rc = suite(x, ind, true);
    x->env = saved;
    return rc;
}

static int statements(Exec *x, int indent, bool run)
{
    Parser *p = x->p;
    (void)run;
    while (cur(p)->kind != T_EOF) {
        Tok *t = cur(p);
        if (t->kind == T_NEWLINE) {
            p->i++;
            continue;
        }
        if (indent >= 0 && t->indent <= indent)
            break;
        int start = p->i;
        if (is_name(t, "class") && is_name(peek(p, 1), "Migration") && x->out && x->env == x->module) {
            if (class_migration(x) < 0)
                return -1;
            continue;
        }
        if (is_name(t, "if")) {
            if (if_chain(x) < 0) {
                if (!x->tolerant)
                    return -1;
                p->i = start;
                skip_block(p, t->indent);
                forget_assigned(x, start, p->i, arena_printf(x->a, "is set in an `if` zdm cannot read (line %d)", t->line));
            }
            continue;
        }
        if (is_name(t, "from") || is_name(t, "import")) {
            skip_block(p, t->indent);
            /* from .base import *: a settings module's names come from elsewhere */
            continue;
        }
        if (is_name(t, "def") || is_name(t, "class") || is_op(t, "@") ||
            (is_name(t, "async") && is_name(peek(p, 1), "def"))) {
            /* a function's or class's body runs elsewhere: its name is all it binds */
            skip_block(p, t->indent);
            int k = start;
            while (k < p->i && !(is_name(p->t[k], "def") || is_name(p->t[k], "class")))
                k++;
            if (k + 1 < p->i && p->t[k + 1]->kind == T_NAME && x->env) {
                /* RunPython(forwards) names it; calling it is running Python */
                PyNode *f = node(p, PY_NAME, p->t[k]);
                f->s = p->t[k + 1]->s;
                f->defined_here = true;
                f->local_class = is_name(p->t[k], "class");
                bind(x, x->env, f->s, f, p->t[k + 1]);
            }
            continue;
        }
        if (is_name(t, "try") && is_op(peek(p, 1), ":")) {
            if (try_statement(x) < 0) {
                if (!x->tolerant)
                    return -1;
                p->i = start;
                skip_block(p, t->indent);
                while (cur(p)->indent == t->indent && (is_name(cur(p), "except") || is_name(cur(p), "else") ||
                                                      is_name(cur(p), "finally")))
                    skip_block(p, t->indent);
                forget_assigned(x, start, p->i, arena_printf(x->a, "is set in a try zdm cannot read (line %d)", t->line));
            }
            continue;
        }
        if (is_name(t, "for") || is_name(t, "while") || is_name(t, "try") || is_name(t, "with") ||
            is_name(t, "async") || (is_name(t, "match") && !is_op(peek(p, 1), "=") && !is_op(peek(p, 1), ".")) ||
            is_name(t, "else") || is_name(t, "elif") || is_name(t, "except") || is_name(t, "finally")) {
            const char *what = is_name(t, "for") || is_name(t, "while") ? "in a loop" : is_name(t, "try") || is_name(t, "except") || is_name(t, "finally") ? "in a try statement" : is_name(t, "with") ? "in a with statement" : "in a block";
            skip_block(p, t->indent);
            while (cur(p)->indent == t->indent && (is_name(cur(p), "else") || is_name(cur(p), "except") ||
                                                  is_name(cur(p), "finally") || is_name(cur(p), "elif")))
                skip_block(p, t->indent);
            forget_assigned(x, start, p->i,
                            arena_printf(x->a, "is set %s (line %d): zdm does not run Python", what, t->line));
            continue;
        }
        /* simple statements, ';'-separated */
        for (;;) {
            int at = p->i;
            int rc = line_end(cur(p)) ? 0 : simple(x);
            if (rc < 0 || !line_end(cur(p))) {
                if (!x->tolerant && x->env == x->klass && x->klass)
                    return rc < 0 ? -1 : fail(p, cur(p), "expected the end of the line");
                /* outside the class: code zdm does not read; what it may assign is unknown */
                p->i = at;
                skip_simple(p);
                forget_assigned(x, at, p->i,
                                arena_printf(x->a, "is set by code zdm cannot read (line %d)", t->line));
            }
            if (!is_op(cur(p), ";"))
                break;
            p->i++;
        }
        if (cur(p)->kind == T_NEWLINE)
            p->i++;
        else if (cur(p)->kind != T_EOF && cur(p)->indent > t->indent) {
            /* an indented continuation zdm does not expect: skip it */
            int from = p->i;
            while (cur(p)->kind != T_EOF && cur(p)->indent > t->indent)
                p->i++;
            (void)from;
        }
    }
    return 0;
}

static void read_header(PyMigration *out)
{
    for (int k = 0; k < out->comments.len; k++) {
        const PyComment *c = LIST_GET(&out->comments, k);
        const char *g = strstr(c->text, "Generated by Django ");
        if (!g)
            continue;
        int maj = 0, min = 0;
        if (sscanf(g + strlen("Generated by Django "), "%d.%d", &maj, &min) == 2) {
            out->generated_major = maj;
            out->generated_minor = min;
        }
        return;
    }
}

static bool plain_base(const char *base)
{
    return !base || strcmp(base, "migrations.Migration") == 0 || strcmp(base, "Migration") == 0 ||
           strcmp(base, "django.db.migrations.Migration") == 0 || strcmp(base, "object") == 0;
}

int py_read_migration(Arena *a, const char *file, const char *text, size_t len, const PyEnv *settings,
                      PyMigration *out, ZdmError *err)
{
    memset(out, 0, sizeof *out);
    Lexer lx = {.a = a, .file = file, .t = text, .len = len, .line = 1, .comments = &out->comments,
                .err = err};
    if (lex(&lx) < 0)
        return -1;
    read_header(out);
    Parser p = {.a = a, .file = file, .t = (Tok **)lx.toks.items, .n = lx.toks.len, .err = err};
    Exec x = {.p = &p, .a = a, .settings = settings, .out = out};
    x.module = py_env_new(a, NULL);
    x.env = x.module;
    if (statements(&x, -1, true) < 0)
        return -1;
    if (!x.klass)
        return zdm_error(err, file, 1, 1, "no 'class Migration' in this file");
    static const char *const keys[] = {"initial", "atomic", "dependencies", "replaces", "run_before", "stage"};
    const PyNode **fields[] = {&out->initial, &out->atomic, &out->dependencies, &out->replaces,
                               &out->run_before, &out->stage};
    for (int k = 0; k < 6; k++) {
        const PyNode *v = py_env_get(x.klass, keys[k]);
        /* only the class's own (a module-level name of the same name is not it) */
        *fields[k] = v && py_env_get(x.module, keys[k]) != v ? v : v;
    }
    const PyNode *ops = py_env_get(x.klass, "operations");
    PyNode at = {.line = out->class_line, .col = out->class_col, .end_line = out->class_line};
    out->operations_line = x.ops_at ? x.ops_at->line : out->class_line;
    if (!ops && plain_base(x.klass_base)) {
        PyNode *l = arena_alloc(a, sizeof *l);
        *l = at;
        l->kind = PY_LIST;
        ops = l;
    } else if (!ops) {
        ops = py_opaque(a, &at, arena_printf(a, "class Migration(%s) takes its operations from its base "
                                                "class: zdm reads only this file", x.klass_base));
    }
    if (ops->kind == PY_LIST || ops->kind == PY_TUPLE) {
        out->operations = ops;
    } else {
        /* one element saying why: the caller reports it there and goes on */
        PyNode *l = arena_alloc(a, sizeof *l);
        *l = at;
        l->kind = PY_LIST;
        l->line = ops->line;
        l->col = ops->col;
        list_push(a, &l->items, py_opaque(a, ops, py_why_not(a, ops, "operations")));
        out->operations = l;
    }
    return 0;
}

int py_parse_migration(Arena *a, const char *file, const char *text, size_t len, PyMigration *out, ZdmError *err)
{
    return py_read_migration(a, file, text, len, NULL, out, err);
}

int py_read_settings(Arena *a, const char *file, const char *text, size_t len, PyEnv *env, ZdmError *err)
{
    List comments = {0};
    Lexer lx = {.a = a, .file = file, .t = text, .len = len, .line = 1, .comments = &comments, .err = err};
    if (lex(&lx) < 0)
        return -1;
    Parser p = {.a = a, .file = file, .t = (Tok **)lx.toks.items, .n = lx.toks.len, .err = err};
    ZdmError ignored = {0};
    p.err = &ignored; /* settings may hold any Python: what zdm cannot read is skipped */
    Exec x = {.p = &p, .a = a, .module = env, .env = env, .tolerant = true};
    return statements(&x, -1, true) < 0 ? -1 : 0;
}

PyNode *py_parse_expr(Arena *a, const char *src, int line, int col)
{
    /* an f-string's field: its own tokens, placed at the string */
    List comments = {0};
    ZdmError ignored = {0};
    Lexer lx = {.a = a, .file = "", .t = src, .len = strlen(src), .line = 1, .comments = &comments,
                .err = &ignored};
    if (lex(&lx) < 0)
        return NULL;
    for (int k = 0; k < lx.toks.len; k++) {
        Tok *t = LIST_GET(&lx.toks, k);
        t->line = line;
        t->col = col;
    }
    Parser p = {.a = a, .file = "", .t = (Tok **)lx.toks.items, .n = lx.toks.len, .err = &ignored};
    PyNode *n = expr(&p);
    if (!n || (cur(&p)->kind != T_NEWLINE && cur(&p)->kind != T_EOF))
        return NULL;
    return n;
}

/* ---- helpers --------------------------------------------------------- */

const PyNode *py_kwarg(const PyNode *call, const char *name)
{
    if (!call || call->kind != PY_CALL)
        return NULL;
    for (int k = 0; k < call->kw_names.len; k++)
        if (strcmp(LIST_GET(&call->kw_names, k), name) == 0)
            return LIST_GET(&call->kw_values, k);
    return NULL;
}

const PyNode *py_arg(const PyNode *call, int pos, const char *name)
{
    const PyNode *v = name ? py_kwarg(call, name) : NULL;
    if (v || !call || call->kind != PY_CALL)
        return v;
    return pos >= 0 && pos < call->items.len ? LIST_GET(&call->items, pos) : NULL;
}

const char *py_callee(const PyNode *call)
{
    if (!call || call->kind != PY_CALL || !call->fn || call->fn->kind != PY_NAME)
        return NULL;
    return call->fn->s;
}

const char *py_last(const char *dotted)
{
    if (!dotted)
        return NULL;
    const char *dot = strrchr(dotted, '.');
    return dot ? dot + 1 : dotted;
}

const char *py_str(const PyNode *n)
{
    return n && n->kind == PY_STR && !n->fstring ? n->s : NULL;
}

bool py_truthy(const PyNode *n, bool dflt)
{
    if (!n)
        return dflt;
    switch (n->kind) {
    case PY_TRUE: return true;
    case PY_FALSE: case PY_NONE: return false;
    case PY_NUM: return strtod(n->s, NULL) != 0;
    case PY_STR: return n->s[0] != '\0';
    case PY_LIST: case PY_TUPLE: case PY_SET: case PY_DICT: return n->items.len > 0;
    default: return dflt;
    }
}

long py_int(const PyNode *n, long dflt)
{
    if (!n || n->kind != PY_NUM)
        return dflt;
    /* Python's forms: 1_000, 0x1F, 0o17, 0b101, and a sign from a unary minus */
    char buf[64];
    size_t k = 0;
    for (const char *p = n->s; *p && k + 1 < sizeof buf; p++)
        if (*p != '_')
            buf[k++] = *p;
    buf[k] = '\0';
    const char *p = buf;
    bool neg = *p == '-';
    if (neg)
        p++;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) base = 8, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) base = 2, p += 2;
    char *end;
    long v = strtol(p, &end, base);
    if (*end || end == p)
        return dflt;
    return neg ? -v : v;
}

const char *py_num_sql(Arena *a, const PyNode *n)
{
    long v = py_int(n, 0);
    if (n && n->kind == PY_NUM && (v != 0 || strspn(n->s, "-+0_xXoObB") == strlen(n->s)))
        return arena_printf(a, "%ld", v);
    /* a float: as written, without Python's digit separators */
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "");
    for (const char *p = n ? n->s : "0"; *p; p++)
        if (*p != '_')
            sb_appendn(&sb, p, 1);
    return sb.data;
}

bool py_is_seq(const PyNode *n)
{
    return n && (n->kind == PY_LIST || n->kind == PY_TUPLE || n->kind == PY_SET);
}

static void render(StrBuf *sb, const PyNode *n)
{
    if (!n) {
        sb_append(sb, "None");
        return;
    }
    switch (n->kind) {
    case PY_STR:
        sb_append(sb, n->fstring ? "f'" : "'");
        for (const char *c = n->s; *c; c++) {
            if (*c == '\'' || *c == '\\')
                sb_append(sb, "\\");
            if (*c == '\n')
                sb_append(sb, "\\n");
            else
                sb_appendn(sb, c, 1);
        }
        sb_append(sb, "'");
        return;
    case PY_NUM: case PY_NAME: sb_append(sb, n->s); return;
    case PY_TRUE: sb_append(sb, "True"); return;
    case PY_FALSE: sb_append(sb, "False"); return;
    case PY_NONE: sb_append(sb, "None"); return;
    case PY_LAMBDA: sb_append(sb, "lambda ..."); return;
    case PY_OPAQUE: sb_append(sb, "..."); return;
    case PY_ATTR:
        render(sb, LIST_GET(&n->items, 0));
        sb_printf(sb, ".%s", n->s);
        return;
    case PY_BINOP:
        render(sb, LIST_GET(&n->items, 0));
        sb_printf(sb, " %s ", n->s);
        render(sb, LIST_GET(&n->items, 1));
        return;
    case PY_UNARY:
        sb_printf(sb, strcmp(n->s, "not") == 0 ? "not " : "%s", n->s);
        render(sb, LIST_GET(&n->items, 0));
        return;
    case PY_COND:
        render(sb, LIST_GET(&n->items, 0));
        sb_append(sb, " if ");
        render(sb, LIST_GET(&n->items, 1));
        sb_append(sb, " else ");
        render(sb, LIST_GET(&n->items, 2));
        return;
    case PY_SUBSCRIPT:
        render(sb, LIST_GET(&n->items, 0));
        sb_append(sb, "[");
        if (n->items.len > 1 && LIST_GET(&n->items, 1))
            render(sb, LIST_GET(&n->items, 1));
        else
            sb_append(sb, ":");
        sb_append(sb, "]");
        return;
    case PY_STARRED:
        sb_append(sb, "*");
        render(sb, LIST_GET(&n->items, 0));
        return;
    case PY_COMP: case PY_FOR:
        sb_append(sb, "(comprehension)");
        return;
    case PY_CALL:
        render(sb, n->fn);
        sb_append(sb, "(");
        for (int k = 0; k < n->items.len; k++) {
            if (k) sb_append(sb, ", ");
            render(sb, LIST_GET(&n->items, k));
        }
        for (int k = 0; k < n->kw_names.len; k++) {
            if (k || n->items.len) sb_append(sb, ", ");
            const char *kw = LIST_GET(&n->kw_names, k);
            sb_append(sb, kw);
            if (strcmp(kw, "*") && strcmp(kw, "**"))
                sb_append(sb, "=");
            render(sb, LIST_GET(&n->kw_values, k));
        }
        sb_append(sb, ")");
        return;
    case PY_LIST: case PY_TUPLE: case PY_SET: {
        sb_append(sb, n->kind == PY_LIST ? "[" : n->kind == PY_TUPLE ? "(" : "{");
        for (int k = 0; k < n->items.len; k++) {
            if (k) sb_append(sb, ", ");
            render(sb, LIST_GET(&n->items, k));
        }
        if (n->kind == PY_TUPLE && n->items.len == 1)
            sb_append(sb, ",");
        sb_append(sb, n->kind == PY_LIST ? "]" : n->kind == PY_TUPLE ? ")" : "}");
        return;
    }
    case PY_DICT:
        sb_append(sb, "{");
        for (int k = 0; k + 1 < n->items.len; k += 2) {
            if (k) sb_append(sb, ", ");
            render(sb, LIST_GET(&n->items, k));
            sb_append(sb, ": ");
            render(sb, LIST_GET(&n->items, k + 1));
        }
        sb_append(sb, "}");
        return;
    }
}

const char *py_render(Arena *a, const PyNode *n)
{
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "");
    render(&sb, n);
    return sb.data;
}
