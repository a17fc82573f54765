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
    int depth;         /* open brackets */
    bool at_bol;       /* the next token starts a logical line */
    int indent;
    List toks;         /* Tok* */
    List *comments;
    ZdmError *err;
} Lexer;

static int col_of(const Lexer *lx, size_t off)
{
    /* columns count characters: skip UTF-8 continuation bytes */
    int col = 1;
    for (size_t k = lx->line_start; k < off; k++)
        if (((unsigned char)lx->t[k] & 0xC0) != 0x80)
            col++;
    return col;
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
        if (strchr("([{", op[0]) && !op[1])
            lx->depth++;
        else if (strchr(")]}", op[0]) && !op[1]) {
            if (lx->depth == 0)
                return zdm_error(lx->err, lx->file, lx->line, col_of(lx, at),
                                 "'%c' closes nothing", op[0]);
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
    ZdmError *err;
} Parser;

static Tok *cur(Parser *p) { return p->t[p->i]; }
static Tok *prev(Parser *p) { return p->t[p->i > 0 ? p->i - 1 : 0]; }

static bool is_op(const Tok *t, const char *op) { return t->kind == T_OP && strcmp(t->s, op) == 0; }
static bool is_name(const Tok *t, const char *n) { return t->kind == T_NAME && strcmp(t->s, n) == 0; }

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

static PyNode *expr(Parser *p);

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

/* Skips tokens up to the bracket closing the one just consumed (exclusive). */
static void skip_to_close(Parser *p)
{
    int d = 0;
    while (cur(p)->kind != T_EOF) {
        Tok *t = cur(p);
        if (t->kind == T_OP && !t->s[1] && strchr("([{", t->s[0]))
            d++;
        else if (t->kind == T_OP && !t->s[1] && strchr(")]}", t->s[0])) {
            if (d == 0)
                return;
            d--;
        }
        p->i++;
    }
}

/* Elements up to the closer; sets *trailing_comma and *count. NULL on error. */
static bool seq(Parser *p, const char *close, List *items, bool *comma, bool *opaque)
{
    *comma = false;
    while (!is_op(cur(p), close)) {
        if (is_op(cur(p), "*") || is_op(cur(p), "**")) {
            p->i++;
            *opaque = true;
        }
        PyNode *e = expr(p);
        if (!e)
            return false;
        list_push(p->a, items, e);
        if (is_name(cur(p), "for")) { /* a comprehension: opaque */
            skip_to_close(p);
            *opaque = true;
            break;
        }
        *comma = false;
        if (is_op(cur(p), ",")) {
            *comma = true;
            p->i++;
            continue;
        }
        if (!is_op(cur(p), close)) {
            fail(p, cur(p), arena_printf(p->a, "expected ',' or '%s'", close));
            return false;
        }
    }
    p->i++; /* the closer */
    return true;
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
        /* implicit concatenation: "a" "b" is "ab" */
        n = node(p, PY_STR, t);
        StrBuf sb;
        sb_init(&sb, p->a);
        sb_append(&sb, "");
        while (cur(p)->kind == T_STRING) {
            sb_append(&sb, cur(p)->s);
            n->fstring |= cur(p)->fstring;
            n->end_line = cur(p)->line;
            p->i++;
        }
        n->s = sb.data;
        return n;
    }
    case T_OP:
        if (is_op(t, "(") || is_op(t, "[") || is_op(t, "{")) {
            p->i++;
            const char *close = is_op(t, "(") ? ")" : is_op(t, "[") ? "]" : "}";
            bool comma = false, opaque = false;
            if (t->s[0] == '{') {
                n = node(p, PY_DICT, t);
                bool is_set = false;
                while (!is_op(cur(p), "}")) {
                    if (is_op(cur(p), "**")) {
                        p->i++;
                        opaque = true;
                        if (!expr(p)) return NULL;
                    } else {
                        PyNode *k = expr(p);
                        if (!k)
                            return NULL;
                        if (is_op(cur(p), ":")) {
                            p->i++;
                            PyNode *v = expr(p);
                            if (!v)
                                return NULL;
                            list_push(p->a, &n->items, k);
                            list_push(p->a, &n->items, v);
                        } else {
                            is_set = true;
                            list_push(p->a, &n->items, k);
                        }
                    }
                    if (is_name(cur(p), "for")) {
                        skip_to_close(p);
                        opaque = true;
                        break;
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
                if (is_set)
                    n->kind = PY_SET;
            } else {
                n = node(p, t->s[0] == '(' ? PY_TUPLE : PY_LIST, t);
                if (!seq(p, close, &n->items, &comma, &opaque))
                    return NULL;
                /* (x) is x, not a tuple */
                if (t->s[0] == '(' && n->items.len == 1 && !comma && !opaque) {
                    PyNode *inner = LIST_GET(&n->items, 0);
                    inner->end_line = prev(p)->line;
                    return inner;
                }
            }
            n->end_line = prev(p)->line;
            if (opaque) {
                n->kind = PY_OPAQUE;
                n->s = "comprehension or unpacking";
            }
            return n;
        }
        if (is_op(t, "...")) {
            p->i++;
            n = node(p, PY_OPAQUE, t);
            n->s = "...";
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
            } else {
                PyNode *o = node(p, PY_OPAQUE, t);
                o->line = n->line;
                o->col = n->col;
                o->s = "attribute of a value";
                list_push(p->a, &o->items, n);
                n = o;
            }
            n->end_line = nm->line;
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
                } else if (a0->kind == T_NAME && is_op(p->t[p->i + 1], "=")) {
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
                    if (is_name(cur(p), "for")) { /* f(x for x in y) */
                        skip_to_close(p);
                        v = node(p, PY_OPAQUE, a0);
                        v->s = "comprehension";
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
            skip_to_close(p);
            if (!is_op(cur(p), "]")) {
                fail(p, cur(p), "expected ']'");
                return NULL;
            }
            PyNode *o = node(p, PY_OPAQUE, t);
            o->line = n->line;
            o->col = n->col;
            o->end_line = cur(p)->line;
            o->s = "subscript";
            list_push(p->a, &o->items, n);
            p->i++;
            n = o;
        } else {
            break;
        }
    }
    return n;
}

static PyNode *unary(Parser *p)
{
    Tok *t = cur(p);
    if (is_op(t, "-") || is_op(t, "+") || is_op(t, "~") || is_name(t, "not")) {
        p->i++;
        PyNode *v = unary(p);
        if (!v)
            return NULL;
        if (v->kind == PY_NUM && (t->s[0] == '-' || t->s[0] == '+')) {
            v->s = t->s[0] == '-' ? arena_printf(p->a, "-%s", v->s) : v->s;
            v->line = t->line;
            v->col = t->col;
            return v;
        }
        PyNode *o = node(p, PY_OPAQUE, t);
        o->s = arena_printf(p->a, "operator %s", t->s);
        o->end_line = v->end_line;
        list_push(p->a, &o->items, v);
        return o;
    }
    if (is_name(t, "lambda")) {
        p->i++;
        while (!is_op(cur(p), ":")) {
            if (cur(p)->kind == T_NEWLINE || cur(p)->kind == T_EOF) {
                fail(p, cur(p), "expected ':' in the lambda");
                return NULL;
            }
            p->i++;
        }
        p->i++;
        PyNode *body = expr(p);
        if (!body)
            return NULL;
        PyNode *l = node(p, PY_LAMBDA, t);
        l->s = "lambda";
        l->end_line = body->end_line;
        list_push(p->a, &l->items, body);
        return l;
    }
    return postfix(p);
}

static bool binary_op(Parser *p, const char **op)
{
    static const char *const ops[] = {"+", "-", "*", "/", "//", "%", "**", "|", "&", "^", "<<",
                                      ">>", "<", ">", "==", "!=", "<=", ">=", "@", NULL};
    Tok *t = cur(p);
    if (t->kind == T_OP) {
        for (int k = 0; ops[k]; k++)
            if (strcmp(t->s, ops[k]) == 0) {
                *op = t->s;
                p->i++;
                return true;
            }
        return false;
    }
    if (is_name(t, "and") || is_name(t, "or") || is_name(t, "in") || is_name(t, "is")) {
        *op = t->s;
        p->i++;
        if (is_name(cur(p), "not"))
            p->i++;
        return true;
    }
    if (is_name(t, "not") && is_name(p->t[p->i + 1], "in")) {
        *op = "not in";
        p->i += 2;
        return true;
    }
    return false;
}

static PyNode *expr(Parser *p)
{
    PyNode *n = unary(p);
    if (!n)
        return NULL;
    const char *op;
    while (binary_op(p, &op)) {
        PyNode *r = unary(p);
        if (!r)
            return NULL;
        PyNode *o = arena_alloc(p->a, sizeof *o);
        o->kind = PY_OPAQUE;
        o->line = n->line;
        o->col = n->col;
        o->end_line = r->end_line;
        o->s = arena_printf(p->a, "operator %s", op);
        list_push(p->a, &o->items, n);
        list_push(p->a, &o->items, r);
        n = o;
    }
    if (is_name(cur(p), "if")) { /* a if c else b */
        p->i++;
        PyNode *c = expr(p);
        if (!c)
            return NULL;
        if (!is_name(cur(p), "else")) {
            fail(p, cur(p), "expected 'else'");
            return NULL;
        }
        p->i++;
        PyNode *b = expr(p);
        if (!b)
            return NULL;
        PyNode *o = arena_alloc(p->a, sizeof *o);
        o->kind = PY_OPAQUE;
        o->line = n->line;
        o->col = n->col;
        o->end_line = b->end_line;
        o->s = "conditional expression";
        n = o;
    }
    return n;
}

/* ---- statements ------------------------------------------------------ */

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

/* Does the logical line starting at token k (or the block under it) name `operations`? */
static const Tok *mentions_operations(Parser *p, int from, int to)
{
    for (int k = from; k < to; k++)
        if (p->t[k]->kind == T_NAME && strcmp(p->t[k]->s, "operations") == 0)
            return p->t[k];
    return NULL;
}

static bool compound_keyword(const Tok *t)
{
    static const char *const kw[] = {"def", "class", "if", "for", "while", "try", "with",
                                     "async", "elif", "else", "except", "finally", NULL};
    if (is_op(t, "@"))
        return true;
    for (int k = 0; kw[k]; k++)
        if (is_name(t, kw[k]))
            return true;
    return false;
}

static int class_body(Parser *p, PyMigration *out, int class_indent)
{
    /* class Migration(...): on one line with its body is allowed too */
    bool inline_body = cur(p)->kind != T_NEWLINE;
    if (!inline_body)
        p->i++;
    int body_indent = -1;
    while (cur(p)->kind != T_EOF) {
        Tok *t = cur(p);
        if (!inline_body) {
            if (t->indent <= class_indent)
                break;
            if (body_indent < 0)
                body_indent = t->indent;
        }
        int start = p->i;
        if (compound_keyword(t)) {
            int ind = t->indent;
            skip_block(p, ind);
            const Tok *o = mentions_operations(p, start, p->i);
            if (o)
                return zdm_error(p->err, p->file, o->line, o->col,
                                 "zdm cannot follow code that uses 'operations' here: "
                                 "write the operations as a list in 'operations = [...]'");
        } else if (t->kind == T_NAME && is_op(p->t[p->i + 1], "=")) {
            const char *key = t->s;
            p->i += 2;
            PyNode *v = expr(p);
            if (!v)
                return -1;
            if (cur(p)->kind != T_NEWLINE && !is_op(cur(p), ";"))
                return fail(p, cur(p), "expected the end of the line");
            if (strcmp(key, "operations") == 0) {
                out->operations = v;
                out->operations_line = t->line;
            } else if (strcmp(key, "dependencies") == 0) out->dependencies = v;
            else if (strcmp(key, "replaces") == 0) out->replaces = v;
            else if (strcmp(key, "run_before") == 0) out->run_before = v;
            else if (strcmp(key, "initial") == 0) out->initial = v;
            else if (strcmp(key, "atomic") == 0) out->atomic = v;
            else if (strcmp(key, "stage") == 0) out->stage = v;
            if (is_op(cur(p), ";"))
                p->i++;
            else
                p->i++; /* NEWLINE */
        } else {
            skip_block(p, t->indent);
            const Tok *o = mentions_operations(p, start, p->i);
            if (o)
                return zdm_error(p->err, p->file, o->line, o->col,
                                 "zdm cannot follow this change to 'operations': "
                                 "write the operations as a list in 'operations = [...]'");
        }
        if (inline_body)
            break;
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

int py_parse_migration(Arena *a, const char *file, const char *text, size_t len,
                       PyMigration *out, ZdmError *err)
{
    memset(out, 0, sizeof *out);
    Lexer lx = {.a = a, .file = file, .t = text, .len = len, .line = 1, .comments = &out->comments,
                .err = err};
    if (lex(&lx) < 0)
        return -1;
    read_header(out);
    Parser p = {.a = a, .file = file, .t = (Tok **)lx.toks.items, .n = lx.toks.len, .err = err};
    bool found = false;
    while (cur(&p)->kind != T_EOF) {
        Tok *t = cur(&p);
        if (t->kind == T_NEWLINE) {
            p.i++;
            continue;
        }
        int start = p.i;
        if (is_name(t, "class") && p.t[p.i + 1]->kind == T_NAME &&
            strcmp(p.t[p.i + 1]->s, "Migration") == 0) {
            out->class_line = t->line;
            out->class_col = t->col;
            int ind = t->indent;
            p.i += 2;
            if (is_op(cur(&p), "(")) {
                p.i++;
                skip_to_close(&p);
                p.i++;
            }
            if (!is_op(cur(&p), ":"))
                return fail(&p, cur(&p), "expected ':' after class Migration(...)");
            p.i++;
            if (class_body(&p, out, ind) < 0)
                return -1;
            found = true;
            continue;
        }
        if (is_name(t, "from") || is_name(t, "import")) {
            skip_block(&p, t->indent);
            continue;
        }
        skip_block(&p, t->indent);
        const Tok *o = mentions_operations(&p, start, p.i);
        if (o)
            return zdm_error(err, file, o->line, o->col,
                             "zdm cannot follow code that changes 'operations' outside "
                             "class Migration: write them in its 'operations = [...]'");
    }
    if (!found)
        return zdm_error(err, file, 1, 1, "no 'class Migration' in this file");
    if (!out->operations)
        return zdm_error(err, file, out->class_line, out->class_col,
                         "class Migration has no 'operations = [...]'");
    if (!py_is_seq(out->operations))
        return zdm_error(err, file, out->operations->line, out->operations->col,
                         "'operations' must be a list or tuple zdm can read");
    return 0;
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
