/*
 * pyeval.c — evaluates what plain Python makes plain in migration and
 * settings modules (see py.h): names bound to literals, operators on
 * lists, tuples, strings and integers, comprehensions over literal
 * iterables, string formatting and a few str methods, and the few library
 * calls whose result zdm knows without running them. Everything else is
 * left as written (a call of migrations.AddField is the caller's business)
 * or becomes PY_OPAQUE saying why, so the caller reports it at its place.
 *
 * Results are exact or opaque, never approximate: a str method on text zdm
 * cannot treat exactly (non-ASCII case mapping) is opaque. Sizes are capped
 * so `[x] * 10**9` cannot exhaust memory.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py.h"

#define MAX_ITEMS 100000          /* elements one evaluation may build */
#define MAX_TEXT (16 * 1024 * 1024) /* bytes of one string it may build */

struct PyEnv {
    const PyEnv *parent;
    List names;  /* const char* */
    List values; /* const PyNode* */
};

PyEnv *py_env_new(Arena *a, const PyEnv *parent)
{
    PyEnv *e = arena_alloc(a, sizeof *e);
    e->parent = parent;
    /* the arena is kept for py_env_set: the first slot holds it */
    list_push(a, &e->names, (void *)a);
    list_push(a, &e->values, NULL);
    return e;
}

const PyNode *py_env_get(const PyEnv *e, const char *name)
{
    for (; e; e = e->parent)
        for (int k = e->names.len - 1; k >= 1; k--)
            if (strcmp(LIST_GET(&e->names, k), name) == 0)
                return LIST_GET(&e->values, k);
    return NULL;
}

void py_env_set(PyEnv *e, const char *name, const PyNode *value)
{
    for (int k = 1; k < e->names.len; k++)
        if (strcmp(LIST_GET(&e->names, k), name) == 0) {
            e->values.items[k] = (void *)value;
            return;
        }
    Arena *a = LIST_GET(&e->names, 0);
    list_push(a, &e->names, (void *)name);
    list_push(a, &e->values, (void *)value);
}

int py_env_len(const PyEnv *e) { return e->names.len - 1; }
const char *py_env_name(const PyEnv *e, int i) { return LIST_GET(&e->names, i + 1); }
const PyNode *py_env_value(const PyEnv *e, int i) { return LIST_GET(&e->values, i + 1); }

PyNode *py_opaque(Arena *a, const PyNode *at, const char *why)
{
    PyNode *o = arena_alloc(a, sizeof *o);
    o->kind = PY_OPAQUE;
    o->line = at ? at->line : 0;
    o->col = at ? at->col : 0;
    o->end_line = at ? at->end_line : 0;
    o->s = why;
    return o;
}

typedef struct Ev {
    Arena *a;
    const PyEnv *env;
    const PyEnv *settings;
    long items; /* budget used */
    int depth;
} Ev;

static const PyNode *ev(Ev *e, const PyNode *n);

static PyNode *mk(Ev *e, PyKind kind, const PyNode *at)
{
    PyNode *n = arena_alloc(e->a, sizeof *n);
    n->kind = kind;
    if (at) {
        n->line = at->line;
        n->col = at->col;
        n->end_line = at->end_line;
    }
    return n;
}

static PyNode *mkstr(Ev *e, const PyNode *at, const char *s)
{
    PyNode *n = mk(e, PY_STR, at);
    n->s = s;
    return n;
}

static PyNode *mkbool(Ev *e, const PyNode *at, bool v) { return mk(e, v ? PY_TRUE : PY_FALSE, at); }

static PyNode *mkint(Ev *e, const PyNode *at, long v)
{
    PyNode *n = mk(e, PY_NUM, at);
    n->s = arena_printf(e->a, "%ld", v);
    return n;
}

static PyNode *opq(Ev *e, const PyNode *at, const char *fmt, const char *arg)
{
    return py_opaque(e->a, at, arg ? arena_printf(e->a, fmt, arg) : fmt);
}

static bool is_seq(const PyNode *v) { return v && (v->kind == PY_LIST || v->kind == PY_TUPLE); }
static bool is_int(const PyNode *v) { return v && v->kind == PY_NUM && py_int(v, LONG_MIN) != LONG_MIN; }
static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static bool budget(Ev *e, long n)
{
    e->items += n;
    return e->items <= MAX_ITEMS;
}

int py_known_truth(const PyNode *v)
{
    if (!v)
        return -1;
    switch (v->kind) {
    case PY_TRUE: return 1;
    case PY_FALSE: case PY_NONE: return 0;
    case PY_NUM: return strtod(v->s, NULL) != 0;
    case PY_STR: return v->fstring ? -1 : v->s[0] != '\0';
    case PY_LIST: case PY_TUPLE: case PY_SET: case PY_DICT: return v->items.len > 0;
    default: return -1;
    }
}

/* str(v) for the values whose text is exact; NULL otherwise. */
static const char *to_str(Ev *e, const PyNode *v)
{
    if (!v)
        return NULL;
    switch (v->kind) {
    case PY_STR: return v->fstring ? NULL : v->s;
    case PY_TRUE: return "True";
    case PY_FALSE: return "False";
    case PY_NONE: return "None";
    case PY_NUM: return is_int(v) ? arena_printf(e->a, "%ld", py_int(v, 0)) : NULL;
    default: return NULL;
    }
}

/* repr() of a str, as Python writes it. */
static const char *repr_str(Ev *e, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    StrBuf sb;
    sb_init(&sb, e->a);
    sb_appendn(&sb, &q, 1);
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (*c == q || *c == '\\') {
            sb_append(&sb, "\\");
            sb_appendn(&sb, c, 1);
        } else if (*c == '\n') sb_append(&sb, "\\n");
        else if (*c == '\r') sb_append(&sb, "\\r");
        else if (*c == '\t') sb_append(&sb, "\\t");
        else if (u < 0x20 || u == 0x7f) sb_printf(&sb, "\\x%02x", u);
        else sb_appendn(&sb, c, 1);
    }
    sb_appendn(&sb, &q, 1);
    return sb.data;
}

static const char *to_repr(Ev *e, const PyNode *v)
{
    if (v && v->kind == PY_STR && !v->fstring)
        return repr_str(e, v->s);
    return to_str(e, v);
}

/* One replacement field's value converted (!r, !s) with an empty spec. */
static const char *convert(Ev *e, const PyNode *v, char conv, const char *spec)
{
    if (spec && *spec)
        return NULL; /* format specs: not followed */
    return conv == 'r' ? to_repr(e, v) : to_str(e, v);
}

/* ---- f-strings, str.format, % ------------------------------------------ */

/* Splits a replacement field's text "expr!r:spec" (without the braces). */
static void split_field(Arena *a, const char *f, size_t n, const char **expr, char *conv, const char **spec)
{
    int depth = 0;
    char quote = 0;
    size_t k = 0;
    *conv = 0;
    *spec = "";
    for (; k < n; k++) {
        char c = f[k];
        if (quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') quote = c;
        else if (c == '[' || c == '(' || c == '{') depth++;
        else if (c == ']' || c == ')' || c == '}') depth--;
        else if (depth == 0 && c == '!' && k + 1 < n && f[k + 1] != '=') break;
        else if (depth == 0 && c == ':') break;
    }
    *expr = arena_strndup(a, f, k);
    if (k < n && f[k] == '!' && k + 1 < n) {
        *conv = f[k + 1];
        k += 2;
    }
    if (k < n && f[k] == ':')
        *spec = arena_strndup(a, f + k + 1, n - k - 1);
}

/* The end of the field that starts after '{' at s (the matching '}'). */
static const char *field_end(const char *s)
{
    int depth = 0;
    char quote = 0;
    for (; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
            continue;
        }
        if (*s == '\'' || *s == '"') quote = *s;
        else if (*s == '{' || *s == '[' || *s == '(') depth++;
        else if ((*s == ']' || *s == ')') && depth) depth--;
        else if (*s == '}') {
            if (depth == 0)
                return s;
            depth--;
        }
    }
    return NULL;
}

static const PyNode *fstring(Ev *e, const PyNode *n)
{
    StrBuf sb;
    sb_init(&sb, e->a);
    sb_append(&sb, "");
    for (const char *s = n->s; *s; s++) {
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            sb_appendn(&sb, s, 1);
            s++;
            continue;
        }
        if (*s != '{') {
            sb_appendn(&sb, s, 1);
            continue;
        }
        const char *end = field_end(s + 1);
        if (!end)
            return opq(e, n, "an f-string zdm cannot read", NULL);
        const char *src, *spec;
        char conv;
        split_field(e->a, s + 1, (size_t)(end - s - 1), &src, &conv, &spec);
        size_t sl = strlen(src);
        while (sl && (src[sl - 1] == ' '))
            sl--;
        if (sl && src[sl - 1] == '=') /* f"{x=}" */
            return opq(e, n, "an f-string with a {x=} field", NULL);
        const PyNode *x = py_parse_expr(e->a, src, n->line, n->col);
        if (!x)
            return opq(e, n, "an f-string whose field {%s} zdm cannot read", src);
        const PyNode *v = ev(e, x);
        const char *t = convert(e, v, conv, spec);
        if (!t)
            return v->kind == PY_OPAQUE ? py_opaque(e->a, n, v->s)
                   : opq(e, n, *spec ? "an f-string whose field {%s} has a format spec: zdm does not follow it"
                                     : "an f-string whose field {%s} zdm cannot evaluate", src);
        sb_append(&sb, t);
        if (sb.len > MAX_TEXT)
            return opq(e, n, "a string too long to build", NULL);
        s = end;
    }
    return mkstr(e, n, sb.data);
}

static const PyNode *str_format(Ev *e, const PyNode *at, const char *fmt, const PyNode *call)
{
    StrBuf sb;
    sb_init(&sb, e->a);
    sb_append(&sb, "");
    int auto_ix = 0;
    for (const char *s = fmt; *s; s++) {
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            sb_appendn(&sb, s, 1);
            s++;
            continue;
        }
        if (*s != '{') {
            sb_appendn(&sb, s, 1);
            continue;
        }
        const char *end = field_end(s + 1);
        if (!end)
            return opq(e, at, "str.format() of a format zdm cannot read", NULL);
        const char *name, *spec;
        char conv;
        split_field(e->a, s + 1, (size_t)(end - s - 1), &name, &conv, &spec);
        const PyNode *v = NULL;
        if (!*name) {
            v = auto_ix < call->items.len ? LIST_GET(&call->items, auto_ix) : NULL;
            auto_ix++;
        } else if (isdigit((unsigned char)name[0]) && strspn(name, "0123456789") == strlen(name)) {
            int ix = atoi(name);
            v = ix < call->items.len ? LIST_GET(&call->items, ix) : NULL;
        } else {
            v = py_kwarg(call, name);
        }
        if (!v)
            return opq(e, at, "str.format() with a field {%s} zdm cannot resolve", name);
        v = ev(e, v);
        const char *t = convert(e, v, conv, spec);
        if (!t)
            return v->kind == PY_OPAQUE ? py_opaque(e->a, at, v->s)
                                        : opq(e, at, "str.format() whose field {%s} zdm cannot evaluate", name);
        sb_append(&sb, t);
        if (sb.len > MAX_TEXT)
            return opq(e, at, "a string too long to build", NULL);
        s = end;
    }
    return mkstr(e, at, sb.data);
}

static const PyNode *percent(Ev *e, const PyNode *at, const char *fmt, const PyNode *args)
{
    List vals = {0};
    const PyNode *map = NULL;
    if (args->kind == PY_TUPLE)
        vals = args->items;
    else if (args->kind == PY_DICT)
        map = args;
    else
        list_push(e->a, &vals, (void *)args);
    StrBuf sb;
    sb_init(&sb, e->a);
    sb_append(&sb, "");
    int next = 0;
    for (const char *s = fmt; *s; s++) {
        if (*s != '%') {
            sb_appendn(&sb, s, 1);
            continue;
        }
        s++;
        if (*s == '%') {
            sb_append(&sb, "%");
            continue;
        }
        const PyNode *v = NULL;
        if (*s == '(') {
            const char *close = strchr(s, ')');
            if (!close || !map)
                return opq(e, at, "%%-formatting zdm cannot follow", NULL);
            const char *key = arena_strndup(e->a, s + 1, (size_t)(close - s - 1));
            for (int k = 0; k + 1 < map->items.len && !v; k += 2)
                if (util_streq(py_str(LIST_GET(&map->items, k)), key))
                    v = LIST_GET(&map->items, k + 1);
            s = close + 1;
        } else {
            v = next < vals.len ? LIST_GET(&vals, next) : NULL;
            next++;
        }
        const char *t = NULL;
        if (v && (*s == 's' || *s == 'r'))
            t = *s == 'r' ? to_repr(e, v) : to_str(e, v);
        else if (v && (*s == 'd' || *s == 'i') && is_int(v))
            t = to_str(e, v);
        if (!t)
            return v && v->kind == PY_OPAQUE ? py_opaque(e->a, at, v->s)
                                             : opq(e, at, "%%-formatting zdm cannot follow (%%%.1s)", s);
        sb_append(&sb, t);
        if (sb.len > MAX_TEXT)
            return opq(e, at, "a string too long to build", NULL);
    }
    if (!map && next != vals.len)
        return opq(e, at, "%%-formatting with the wrong number of values", NULL);
    return mkstr(e, at, sb.data);
}

/* ---- str methods -------------------------------------------------------- */

static bool in_set(char c, const char *chars) { return c && strchr(chars, c) != NULL; }

static const PyNode *str_method(Ev *e, const PyNode *at, const char *s, const char *m, const PyNode *call)
{
    int n = call->items.len;
    const PyNode *a0 = n > 0 ? ev(e, LIST_GET(&call->items, 0)) : NULL;
    const PyNode *a1 = n > 1 ? ev(e, LIST_GET(&call->items, 1)) : NULL;
    if (strcmp(m, "format") == 0)
        return str_format(e, at, s, call);
    if (call->kw_names.len && strcmp(m, "split") != 0 && strcmp(m, "rsplit") != 0)
        return opq(e, at, "str.%s() with keyword arguments", m);
    if (strcmp(m, "lower") == 0 || strcmp(m, "upper") == 0) {
        if (n || !ascii(s))
            return opq(e, at, "str.%s() of text zdm cannot map exactly", m);
        char *r = arena_strdup(e->a, s);
        for (char *c = r; *c; c++)
            *c = (char)(m[0] == 'l' ? tolower((unsigned char)*c) : toupper((unsigned char)*c));
        return mkstr(e, at, r);
    }
    if (strcmp(m, "strip") == 0 || strcmp(m, "lstrip") == 0 || strcmp(m, "rstrip") == 0) {
        const char *chars = " \t\n\r\v\f";
        if (a0 && a0->kind != PY_NONE) {
            chars = py_str(a0);
            if (!chars || !ascii(chars))
                return opq(e, at, "str.%s() with characters zdm cannot read", m);
        }
        if (!ascii(s) && !(a0 && a0->kind != PY_NONE))
            return opq(e, at, "str.%s() of non-ASCII text", m);
        size_t b = 0, len = strlen(s);
        if (m[0] != 'r')
            while (b < len && in_set(s[b], chars))
                b++;
        if (m[0] != 'l')
            while (len > b && in_set(s[len - 1], chars))
                len--;
        return mkstr(e, at, arena_strndup(e->a, s + b, len - b));
    }
    if (strcmp(m, "rsplit") == 0) {
        const PyNode *sepn = py_arg(call, 0, "sep"), *maxn = py_arg(call, 1, "maxsplit");
        sepn = sepn ? ev(e, sepn) : NULL;
        maxn = maxn ? ev(e, maxn) : NULL;
        long max = maxn ? py_int(maxn, LONG_MIN) : -1;
        const char *sep = sepn && sepn->kind != PY_NONE ? py_str(sepn) : NULL;
        if (!sep || !*sep || max == LONG_MIN)
            return max == -1 && !(sepn && sepn->kind != PY_NONE) ? str_method(e, at, s, "split", call)
                                                                  : opq(e, at, "str.rsplit() zdm cannot follow", NULL);
        /* from the right: the pieces, then in order */
        List rev = {0};
        size_t sl = strlen(sep);
        const char *end = s + strlen(s);
        while (max < 0 || rev.len < max) {
            const char *q = NULL;
            for (const char *c = end - sl; c >= s; c--)
                if (strncmp(c, sep, sl) == 0) {
                    q = c;
                    break;
                }
            if (!q)
                break;
            list_push(e->a, &rev, mkstr(e, at, arena_strndup(e->a, q + sl, (size_t)(end - q - sl))));
            end = q;
        }
        PyNode *l = mk(e, PY_LIST, at);
        list_push(e->a, &l->items, mkstr(e, at, arena_strndup(e->a, s, (size_t)(end - s))));
        for (int k = rev.len - 1; k >= 0; k--)
            list_push(e->a, &l->items, LIST_GET(&rev, k));
        if (!budget(e, l->items.len))
            return opq(e, at, "a list too long to build", NULL);
        return l;
    }
    if (strcmp(m, "split") == 0) {
        const PyNode *sepn = py_arg(call, 0, "sep"), *maxn = py_arg(call, 1, "maxsplit");
        sepn = sepn ? ev(e, sepn) : NULL;
        maxn = maxn ? ev(e, maxn) : NULL;
        long max = maxn ? py_int(maxn, LONG_MIN) : -1;
        const char *sep = sepn && sepn->kind != PY_NONE ? py_str(sepn) : NULL;
        if (max == LONG_MIN || (sepn && sepn->kind != PY_NONE && (!sep || !*sep)) || (!sep && !ascii(s)))
            return opq(e, at, "str.split() zdm cannot follow", NULL);
        PyNode *l = mk(e, PY_LIST, at);
        const char *p = s;
        if (sep) {
            size_t sl = strlen(sep);
            const char *q;
            while ((max < 0 || l->items.len < max) && (q = strstr(p, sep)) != NULL) {
                list_push(e->a, &l->items, mkstr(e, at, arena_strndup(e->a, p, (size_t)(q - p))));
                p = q + sl;
            }
            list_push(e->a, &l->items, mkstr(e, at, arena_strdup(e->a, p)));
        } else {
            const char *ws = " \t\n\r\v\f";
            for (;;) {
                while (in_set(*p, ws))
                    p++;
                if (!*p)
                    break;
                if (max >= 0 && l->items.len >= max) {
                    size_t len = strlen(p);
                    while (len && in_set(p[len - 1], ws))
                        len--;
                    list_push(e->a, &l->items, mkstr(e, at, arena_strndup(e->a, p, len)));
                    break;
                }
                const char *q = p;
                while (*q && !in_set(*q, ws))
                    q++;
                list_push(e->a, &l->items, mkstr(e, at, arena_strndup(e->a, p, (size_t)(q - p))));
                p = q;
            }
        }
        if (!budget(e, l->items.len))
            return opq(e, at, "a list too long to build", NULL);
        return l;
    }
    if (strcmp(m, "join") == 0 && n == 1) {
        if (!a0 || !(is_seq(a0) || a0->kind == PY_SET))
            return a0 && a0->kind == PY_OPAQUE ? py_opaque(e->a, at, a0->s)
                                               : opq(e, at, "str.join() of values zdm cannot list", NULL);
        StrBuf sb;
        sb_init(&sb, e->a);
        sb_append(&sb, "");
        if (a0->kind == PY_SET && a0->items.len > 1)
            return opq(e, at, "str.join() of a set (its order is Python's hash order)", NULL);
        for (int k = 0; k < a0->items.len; k++) {
            const char *t = py_str(LIST_GET(&a0->items, k));
            if (!t) {
                const PyNode *it = LIST_GET(&a0->items, k);
                return it->kind == PY_OPAQUE ? py_opaque(e->a, at, it->s)
                                             : opq(e, at, "str.join() of values that are not all strings", NULL);
            }
            if (k)
                sb_append(&sb, s);
            sb_append(&sb, t);
            if (sb.len > MAX_TEXT)
                return opq(e, at, "a string too long to build", NULL);
        }
        return mkstr(e, at, sb.data);
    }
    if (strcmp(m, "replace") == 0 && (n == 2 || n == 3)) {
        const char *old = py_str(a0), *new = py_str(a1);
        long count = n == 3 ? py_int(ev(e, LIST_GET(&call->items, 2)), LONG_MIN) : -1;
        if (!old || !new || !*old || count == LONG_MIN)
            return opq(e, at, "str.replace() zdm cannot follow", NULL);
        StrBuf sb;
        sb_init(&sb, e->a);
        sb_append(&sb, "");
        const char *p = s, *q;
        size_t ol = strlen(old);
        while ((count < 0 || count-- > 0) && (q = strstr(p, old)) != NULL) {
            sb_appendn(&sb, p, (size_t)(q - p));
            sb_append(&sb, new);
            p = q + ol;
            if (sb.len > MAX_TEXT)
                return opq(e, at, "a string too long to build", NULL);
        }
        sb_append(&sb, p);
        return mkstr(e, at, sb.data);
    }
    if ((strcmp(m, "startswith") == 0 || strcmp(m, "endswith") == 0) && n == 1) {
        List opts = {0};
        if (py_str(a0))
            list_push(e->a, &opts, (void *)a0);
        else if (a0 && a0->kind == PY_TUPLE)
            opts = a0->items;
        else
            return opq(e, at, "str.%s() zdm cannot follow", m);
        size_t sl = strlen(s);
        for (int k = 0; k < opts.len; k++) {
            const char *t = py_str(LIST_GET(&opts, k));
            if (!t)
                return opq(e, at, "str.%s() zdm cannot follow", m);
            size_t tl = strlen(t);
            if (tl <= sl && strncmp(m[0] == 's' ? s : s + sl - tl, t, tl) == 0)
                return mkbool(e, at, true);
        }
        return mkbool(e, at, false);
    }
    return opq(e, at, "str.%s(): zdm does not follow this method", m);
}

/* ---- names, calls, operators ------------------------------------------- */

static const char *head_of(Arena *a, const char *dotted)
{
    const char *dot = strchr(dotted, '.');
    return dot ? arena_strndup(a, dotted, (size_t)(dot - dotted)) : dotted;
}

static bool ends_with_part(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);
    return n >= m && strcmp(name + n - m, suffix) == 0 && (n == m || name[n - m - 1] == '.');
}

/* A dotted name no binding of this file explains: settings, connection. */
static const PyNode *free_name(Ev *e, const PyNode *n, const char *s)
{
    const char *setting = NULL;
    if (strncmp(s, "settings.", 9) == 0)
        setting = s + 9;
    else if (strncmp(s, "django.conf.settings.", 21) == 0)
        setting = s + 21;
    if (setting && !strchr(setting, '.')) {
        const PyNode *v = e->settings ? py_env_get(e->settings, setting) : NULL;
        if (v && v->kind == PY_LIST) {
            /* the settings are shared by every file (and thread): a file
             * that appends to its list changes its own copy */
            PyNode *c = mk(e, PY_LIST, v);
            for (int k = 0; k < v->items.len; k++)
                list_push(e->a, &c->items, LIST_GET(&v->items, k));
            return c;
        }
        if (v && v->kind != PY_OPAQUE)
            return v;
        /* Django's own defaults (django/conf/global_settings.py) */
        if (!v && strcmp(setting, "DEFAULT_AUTO_FIELD") == 0)
            return mkstr(e, n, "django.db.models.AutoField");
        if (!v && strcmp(setting, "AUTH_USER_MODEL") == 0)
            return mkstr(e, n, "auth.User");
    }
    /* zdm plans for PostgreSQL: that is the vendor Django reports */
    if (ends_with_part(s, "connection.vendor"))
        return mkstr(e, n, "postgresql");
    if (strcmp(s, n->s) == 0)
        return n;
    PyNode *r = mk(e, PY_NAME, n);
    r->s = s;
    return r;
}

static const PyNode *name_value(Ev *e, const PyNode *n)
{
    const char *s = n->s;
    const char *head = head_of(e->a, s);
    const PyNode *v = py_env_get(e->env, head);
    if (!v)
        return free_name(e, n, s);
    if (head == s)
        return v;
    const char *rest = s + strlen(head) + 1;
    if (v->kind == PY_NAME && !v->defined_here) /* an alias: m = migrations */
        return free_name(e, n, arena_printf(e->a, "%s.%s", v->s, rest));
    if (v->kind == PY_OPAQUE)
        return py_opaque(e->a, n, v->s);
    return opq(e, n, "%s: zdm does not follow attributes of values", s);
}

static const char *callee_text(Ev *e, const PyNode *fn)
{
    if (fn && fn->kind == PY_NAME)
        return fn->s;
    if (fn && fn->kind == PY_ATTR)
        return arena_printf(e->a, "%s.%s", callee_text(e, LIST_GET(&fn->items, 0)), fn->s);
    return "a call";
}

/* The arguments evaluated; *args of a known sequence and **kwargs of a
 * literal dict spliced in. */
static PyNode *eval_args(Ev *e, const PyNode *call, const PyNode *fn)
{
    PyNode *c = mk(e, PY_CALL, call);
    c->fn = (PyNode *)fn;
    for (int k = 0; k < call->items.len; k++)
        list_push(e->a, &c->items, (void *)ev(e, LIST_GET(&call->items, k)));
    for (int k = 0; k < call->kw_names.len; k++) {
        const char *kw = LIST_GET(&call->kw_names, k);
        const PyNode *v = ev(e, LIST_GET(&call->kw_values, k));
        if (strcmp(kw, "*") == 0 && is_seq(v)) {
            for (int j = 0; j < v->items.len; j++)
                list_push(e->a, &c->items, LIST_GET(&v->items, j));
            continue;
        }
        if (strcmp(kw, "**") == 0 && v->kind == PY_DICT) {
            bool ok = true;
            for (int j = 0; j + 1 < v->items.len && ok; j += 2)
                ok = py_str(LIST_GET(&v->items, j)) != NULL;
            for (int j = 0; ok && j + 1 < v->items.len; j += 2) {
                list_push(e->a, &c->kw_names, (void *)py_str(LIST_GET(&v->items, j)));
                list_push(e->a, &c->kw_values, LIST_GET(&v->items, j + 1));
            }
            if (ok)
                continue;
        }
        list_push(e->a, &c->kw_names, (void *)kw);
        list_push(e->a, &c->kw_values, (void *)v);
    }
    return c;
}

static const PyNode *builtin(Ev *e, const PyNode *call, const char *name, bool *done)
{
    *done = true;
    int n = call->items.len;
    const PyNode *a0 = n ? ev(e, LIST_GET(&call->items, 0)) : NULL;
    if (call->kw_names.len) {
        *done = false;
        return NULL;
    }
    if (strcmp(name, "str") == 0 && n == 1 && to_str(e, a0))
        return mkstr(e, call, to_str(e, a0));
    if (strcmp(name, "repr") == 0 && n == 1 && to_repr(e, a0))
        return mkstr(e, call, to_repr(e, a0));
    if ((strcmp(name, "list") == 0 || strcmp(name, "tuple") == 0) && n <= 1) {
        PyNode *l = mk(e, name[0] == 'l' ? PY_LIST : PY_TUPLE, call);
        if (n == 0)
            return l;
        if (is_seq(a0) || (a0->kind == PY_SET && a0->items.len <= 1)) {
            l->items = (List){0};
            for (int k = 0; k < a0->items.len; k++)
                list_push(e->a, &l->items, LIST_GET(&a0->items, k));
            return l;
        }
    }
    /* import_string("django.db.models.BigAutoField") names that class */
    if (strcmp(name, "import_string") == 0 && n == 1 && py_str(a0) && strchr(py_str(a0), '.')) {
        PyNode *r = mk(e, PY_NAME, call);
        r->s = py_str(a0);
        return r;
    }
    if (strcmp(name, "len") == 0 && n == 1 && (is_seq(a0) || a0->kind == PY_SET || a0->kind == PY_DICT))
        return mkint(e, call, a0->kind == PY_DICT ? a0->items.len / 2 : a0->items.len);
    if (strcmp(name, "range") == 0 && n >= 1 && n <= 3) {
        long v[3] = {0, 0, 1};
        for (int k = 0; k < n; k++) {
            v[k] = py_int(k ? ev(e, LIST_GET(&call->items, k)) : a0, LONG_MIN);
            if (v[k] == LONG_MIN)
                return opq(e, call, "range() of values zdm cannot evaluate", NULL);
        }
        long lo = n == 1 ? 0 : v[0], hi = n == 1 ? v[0] : v[1], st = n == 3 ? v[2] : 1;
        if (st == 0)
            return opq(e, call, "range() with step 0", NULL);
        PyNode *l = mk(e, PY_TUPLE, call);
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
            if (!budget(e, 1))
                return opq(e, call, "a range too long to build", NULL);
            list_push(e->a, &l->items, mkint(e, call, i));
        }
        return l;
    }
    *done = false;
    return NULL;
}

/* swapper (django-swappable-models), for a model that is not swapped. */
static const PyNode *swapper_call(Ev *e, const PyNode *call, const char *last, bool *done)
{
    *done = true;
    const char *app = py_str(ev(e, py_arg(call, 0, "app_label")));
    const char *model = py_str(ev(e, py_arg(call, 1, "model")));
    if (strcmp(last, "is_swapped") == 0)
        return mkbool(e, call, false);
    if (app && model && strcmp(last, "get_model_name") == 0)
        return mkstr(e, call, arena_printf(e->a, "%s.%s", app, model));
    if (app && model && strcmp(last, "swappable_setting") == 0 && ascii(app) && ascii(model)) {
        char *s = arena_printf(e->a, "%s_%s_MODEL", app, model);
        for (char *c = s; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        return mkstr(e, call, s);
    }
    if (app && model && strcmp(last, "dependency") == 0) {
        /* swappable_dependency("app.Model") is the app's first migration */
        PyNode *t = mk(e, PY_TUPLE, call);
        list_push(e->a, &t->items, mkstr(e, call, app));
        list_push(e->a, &t->items, mkstr(e, call, "__first__"));
        return t;
    }
    *done = false;
    return NULL;
}

static const PyNode *call(Ev *e, const PyNode *n)
{
    const PyNode *fn = n->fn;
    const PyNode *obj = NULL;
    const char *method = NULL;
    if (fn->kind == PY_ATTR) {
        obj = ev(e, LIST_GET(&fn->items, 0));
        method = fn->s;
    } else if (fn->kind == PY_NAME) {
        const char *head = head_of(e->a, fn->s);
        const PyNode *hv = py_env_get(e->env, head);
        const char *dot = strrchr(fn->s, '.');
        if (hv && dot) {
            PyNode prefix = *fn;
            prefix.s = arena_strndup(e->a, fn->s, (size_t)(dot - fn->s));
            obj = name_value(e, &prefix);
            method = dot + 1;
        } else if (hv && hv->kind == PY_NAME && hv->defined_here && hv->local_class) {
            fn = hv; /* an operation class of this file: the caller says it does not know it */
        } else if (hv && hv->kind == PY_NAME && hv->defined_here) {
            return py_opaque(e->a, n, arena_printf(e->a, "built by %s() (defined at line %d of this file): "
                                                         "zdm does not run Python",
                                                   fn->s, hv->line));
        } else if (hv && hv->kind == PY_OPAQUE) {
            return py_opaque(e->a, n, hv->s);
        } else if (hv && hv->kind == PY_NAME) {
            fn = hv; /* an alias: AddField = migrations.AddField */
        } else if (!hv) {
            const char *last = py_last(fn->s);
            bool done = false;
            const PyNode *r = NULL;
            if (!dot)
                r = builtin(e, n, fn->s, &done);
            if (!done && (strncmp(fn->s, "swapper.", 8) == 0 || !dot) &&
                (strcmp(last, "is_swapped") == 0 || strcmp(last, "get_model_name") == 0 ||
                 strcmp(last, "swappable_setting") == 0 || (dot && strcmp(last, "dependency") == 0)))
                r = swapper_call(e, n, last, &done);
            if (done)
                return r;
            /* a free dotted name: settings.X.lower(), connection.vendor.startswith() */
            if (dot) {
                PyNode prefix = *fn;
                prefix.s = arena_strndup(e->a, fn->s, (size_t)(dot - fn->s));
                const PyNode *pv = free_name(e, &prefix, prefix.s);
                if (pv->kind != PY_NAME) {
                    obj = pv;
                    method = dot + 1;
                }
            }
        } else {
            return opq(e, n, "%s(): calls a value", fn->s);
        }
    }
    if (method) {
        if (obj->kind == PY_STR && !obj->fstring)
            return str_method(e, n, obj->s, method, n);
        if (obj->kind == PY_OPAQUE)
            return py_opaque(e->a, n, obj->s);
        if (obj->kind == PY_NAME) { /* an alias's method: migrations.RunPython.noop */
            PyNode *f = mk(e, PY_NAME, fn);
            f->s = arena_printf(e->a, "%s.%s", obj->s, method);
            return eval_args(e, n, f);
        }
        if (obj->kind == PY_LIST && strcmp(method, "copy") == 0 && !n->items.len) {
            PyNode *l = mk(e, PY_LIST, n);
            for (int k = 0; k < obj->items.len; k++)
                list_push(e->a, &l->items, LIST_GET(&obj->items, k));
            return l;
        }
        return opq(e, n, "%s(): zdm does not run Python", callee_text(e, fn));
    }
    if (fn->kind != PY_NAME) {
        const PyNode *fv = ev(e, fn); /* import_string("...")(...) */
        if (fv->kind == PY_NAME && !fv->defined_here)
            return eval_args(e, n, fv);
        return fv->kind == PY_OPAQUE ? py_opaque(e->a, n, fv->s)
                                     : opq(e, n, "a call of a computed value: zdm does not run Python", NULL);
    }
    return eval_args(e, n, fn);
}

static bool simple_literal(const PyNode *v)
{
    return v && (v->kind == PY_STR ? !v->fstring
                                   : v->kind == PY_NUM || v->kind == PY_TRUE || v->kind == PY_FALSE ||
                                         v->kind == PY_NONE);
}

/* Python's == on literals zdm knows: 1 equal, 0 not, -1 unknown. */
static int equal(const PyNode *l, const PyNode *r)
{
    if (!l || !r)
        return -1;
    if (simple_literal(l) && simple_literal(r)) {
        bool ln = l->kind == PY_NUM || l->kind == PY_TRUE || l->kind == PY_FALSE;
        bool rn = r->kind == PY_NUM || r->kind == PY_TRUE || r->kind == PY_FALSE;
        if (ln && rn) {
            double a = l->kind == PY_NUM ? (is_int(l) ? (double)py_int(l, 0) : strtod(l->s, NULL)) : l->kind == PY_TRUE;
            double b = r->kind == PY_NUM ? (is_int(r) ? (double)py_int(r, 0) : strtod(r->s, NULL)) : r->kind == PY_TRUE;
            return a == b;
        }
        if (l->kind != r->kind)
            return 0;
        return l->kind == PY_NONE || strcmp(l->s, r->s) == 0;
    }
    if ((l->kind == PY_LIST || l->kind == PY_TUPLE) && l->kind == r->kind) {
        if (l->items.len != r->items.len)
            return 0;
        for (int k = 0; k < l->items.len; k++) {
            int q = equal(LIST_GET(&l->items, k), LIST_GET(&r->items, k));
            if (q != 1)
                return q;
        }
        return 1;
    }
    if (simple_literal(l) && (r->kind == PY_LIST || r->kind == PY_TUPLE || r->kind == PY_DICT || r->kind == PY_SET))
        return 0;
    if (simple_literal(r) && (l->kind == PY_LIST || l->kind == PY_TUPLE || l->kind == PY_DICT || l->kind == PY_SET))
        return 0;
    return -1;
}

static PyNode *concat(Ev *e, const PyNode *at, PyKind kind, const PyNode *l, const PyNode *r)
{
    PyNode *c = mk(e, kind, at);
    for (int side = 0; side < 2; side++) {
        const PyNode *v = side ? r : l;
        if (v->kind == PY_OPAQUE) {
            /* A + [...] with A unknown: keep the literal part, A as one
             * element saying why */
            list_push(e->a, &c->items, (void *)v);
            continue;
        }
        for (int k = 0; k < v->items.len; k++)
            list_push(e->a, &c->items, LIST_GET(&v->items, k));
    }
    return c;
}

/* A value zdm does not know, that could be anything (not a literal). */
static bool unknown(const PyNode *v)
{
    return v->kind == PY_OPAQUE || v->kind == PY_NAME || v->kind == PY_CALL;
}

static const PyNode *binop(Ev *e, const PyNode *n)
{
    const char *op = n->s;
    const PyNode *ln = LIST_GET(&n->items, 0), *rn = LIST_GET(&n->items, 1);
    const PyNode *l = ev(e, ln);
    if (strcmp(op, "and") == 0 || strcmp(op, "or") == 0) {
        int t = py_known_truth(l);
        if (t < 0)
            return opq(e, n, "an `%s` zdm cannot decide", op);
        bool take_left = op[0] == 'a' ? t == 0 : t == 1;
        return take_left ? l : ev(e, rn);
    }
    const PyNode *r = ev(e, rn);
    if (strcmp(op, "+") == 0) {
        if (l->kind == PY_STR && r->kind == PY_STR && !l->fstring && !r->fstring) {
            if (strlen(l->s) + strlen(r->s) > MAX_TEXT)
                return opq(e, n, "a string too long to build", NULL);
            return mkstr(e, n, arena_printf(e->a, "%s%s", l->s, r->s));
        }
        if ((l->kind == PY_LIST || l->kind == PY_TUPLE) && r->kind == l->kind && budget(e, l->items.len + r->items.len))
            return concat(e, n, l->kind, l, r);
        /* A + [...] with A unknown: keep the literal part */
        if ((l->kind == PY_LIST || l->kind == PY_TUPLE) && unknown(r) && budget(e, l->items.len))
            return concat(e, n, l->kind, l, py_opaque(e->a, rn, py_why_not(e->a, r, "part of the list")));
        if (unknown(l) && (r->kind == PY_LIST || r->kind == PY_TUPLE) && budget(e, r->items.len))
            return concat(e, n, r->kind, py_opaque(e->a, ln, py_why_not(e->a, l, "part of the list")), r);
        if (is_int(l) && is_int(r))
            return mkint(e, n, py_int(l, 0) + py_int(r, 0));
    } else if (strcmp(op, "-") == 0 && is_int(l) && is_int(r)) {
        return mkint(e, n, py_int(l, 0) - py_int(r, 0));
    } else if (strcmp(op, "*") == 0) {
        if (is_int(l) && is_int(r) && labs(py_int(l, 0)) < 1000000000 && labs(py_int(r, 0)) < 1000000000)
            return mkint(e, n, py_int(l, 0) * py_int(r, 0));
        const PyNode *seq = is_int(l) ? r : l, *cnt = is_int(l) ? l : r;
        long times = py_int(cnt, LONG_MIN);
        if (times != LONG_MIN && (seq->kind == PY_LIST || seq->kind == PY_TUPLE || (seq->kind == PY_STR && !seq->fstring))) {
            if (times < 0)
                times = 0;
            if (seq->kind == PY_STR) {
                if ((double)strlen(seq->s) * (double)times > MAX_TEXT)
                    return opq(e, n, "a string too long to build", NULL);
                StrBuf sb;
                sb_init(&sb, e->a);
                sb_append(&sb, "");
                for (long k = 0; k < times; k++)
                    sb_append(&sb, seq->s);
                return mkstr(e, n, sb.data);
            }
            if ((double)seq->items.len * (double)times > MAX_ITEMS || !budget(e, seq->items.len * times))
                return opq(e, n, "a list too long to build", NULL);
            PyNode *c = mk(e, seq->kind, n);
            for (long k = 0; k < times; k++)
                for (int j = 0; j < seq->items.len; j++)
                    list_push(e->a, &c->items, LIST_GET(&seq->items, j));
            return c;
        }
    } else if (strcmp(op, "%") == 0) {
        if (l->kind == PY_STR && !l->fstring)
            return percent(e, n, l->s, r);
        if (is_int(l) && is_int(r) && py_int(r, 0) != 0) {
            long a = py_int(l, 0), b = py_int(r, 0), m = a % b;
            return mkint(e, n, m && ((m < 0) != (b < 0)) ? m + b : m);
        }
    } else if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
        int q = equal(l, r);
        if (q >= 0)
            return mkbool(e, n, op[0] == '=' ? q == 1 : q == 0);
    } else if (strcmp(op, "<") == 0 || strcmp(op, ">") == 0 || strcmp(op, "<=") == 0 || strcmp(op, ">=") == 0) {
        int c = 2;
        if (is_int(l) && is_int(r))
            c = py_int(l, 0) < py_int(r, 0) ? -1 : py_int(l, 0) > py_int(r, 0);
        else if (l->kind == PY_STR && r->kind == PY_STR && !l->fstring && !r->fstring) {
            int d = strcmp(l->s, r->s); /* UTF-8's byte order is code point order, Python's */
            c = d < 0 ? -1 : d > 0;
        }
        if (c != 2)
            return mkbool(e, n, op[0] == '<' ? (op[1] ? c <= 0 : c < 0) : (op[1] ? c >= 0 : c > 0));
    } else if (strcmp(op, "in") == 0 || strcmp(op, "not in") == 0) {
        int found = -1;
        if (l->kind == PY_STR && r->kind == PY_STR && !l->fstring && !r->fstring)
            found = strstr(r->s, l->s) != NULL;
        else if (r->kind == PY_LIST || r->kind == PY_TUPLE || r->kind == PY_SET || r->kind == PY_DICT) {
            found = 0;
            int step = r->kind == PY_DICT ? 2 : 1;
            for (int k = 0; k < r->items.len && found == 0; k += step) {
                int q = equal(l, LIST_GET(&r->items, k));
                found = q < 0 ? -1 : q;
            }
        }
        if (found >= 0)
            return mkbool(e, n, op[0] == 'i' ? found : !found);
    } else if (strcmp(op, "is") == 0 || strcmp(op, "is not") == 0) {
        if ((l->kind == PY_NONE || r->kind == PY_NONE) && (simple_literal(l) || is_seq(l) || l->kind == PY_DICT) &&
            (simple_literal(r) || is_seq(r) || r->kind == PY_DICT)) {
            bool same = l->kind == r->kind;
            return mkbool(e, n, strcmp(op, "is") == 0 ? same : !same);
        }
        if ((l->kind == PY_TRUE || l->kind == PY_FALSE) && (r->kind == PY_TRUE || r->kind == PY_FALSE))
            return mkbool(e, n, (l->kind == r->kind) == (strcmp(op, "is") == 0));
    }
    if (l->kind == PY_OPAQUE)
        return py_opaque(e->a, n, l->s);
    if (r->kind == PY_OPAQUE)
        return py_opaque(e->a, n, r->s);
    /* kept as an operator over its operands, as the reader always did (Q(a) | Q(b)) */
    PyNode *o = mk(e, PY_OPAQUE, n);
    o->s = arena_printf(e->a, "operator %s", op);
    list_push(e->a, &o->items, (void *)l);
    list_push(e->a, &o->items, (void *)r);
    return o;
}

static const PyNode *subscript(Ev *e, const PyNode *n)
{
    const PyNode *v = ev(e, LIST_GET(&n->items, 0));
    const PyNode *ixn = n->items.len > 1 ? LIST_GET(&n->items, 1) : NULL;
    if (v->kind == PY_OPAQUE)
        return py_opaque(e->a, n, v->s);
    if (!ixn)
        return opq(e, n, "a slice: zdm does not follow slices", NULL);
    const PyNode *ix = ev(e, ixn);
    if ((is_seq(v) || (v->kind == PY_STR && !v->fstring && ascii(v->s))) && is_int(ix)) {
        long len = v->kind == PY_STR ? (long)strlen(v->s) : v->items.len;
        long i = py_int(ix, 0);
        if (i < 0)
            i += len;
        if (i < 0 || i >= len)
            return opq(e, n, "an index out of range", NULL);
        return v->kind == PY_STR ? mkstr(e, n, arena_strndup(e->a, v->s + i, 1)) : LIST_GET(&v->items, (int)i);
    }
    if (v->kind == PY_DICT) {
        for (int k = v->items.len - 2; k >= 0; k -= 2) { /* the last of equal keys wins */
            int q = equal(LIST_GET(&v->items, k), ix);
            if (q == 1)
                return LIST_GET(&v->items, k + 1);
            if (q < 0)
                break;
        }
    }
    return opq(e, n, "%s: a subscript zdm cannot evaluate", py_render(e->a, n->items.len ? LIST_GET(&n->items, 0) : n));
}

/* Runs clause k of a comprehension in scope; the elements go to out. */
static const char *comp_run(Ev *e, const PyNode *c, int k, PyEnv *scope, PyNode *out)
{
    if (k == c->items.len) {
        const PyEnv *saved = e->env;
        e->env = scope;
        const PyNode *v = ev(e, LIST_GET(&c->items, 0));
        e->env = saved;
        if (!budget(e, 1))
            return "a comprehension too long to build";
        list_push(e->a, &out->items, (void *)v);
        return NULL;
    }
    const PyNode *f = LIST_GET(&c->items, k);
    const PyEnv *saved = e->env;
    e->env = scope;
    const PyNode *it = ev(e, LIST_GET(&f->items, 0));
    e->env = saved;
    List items = {0};
    if (is_seq(it) || (it->kind == PY_SET && it->items.len <= 1))
        items = it->items;
    else if (it->kind == PY_DICT)
        for (int j = 0; j < it->items.len; j += 2)
            list_push(e->a, &items, LIST_GET(&it->items, j));
    else if (it->kind == PY_STR && !it->fstring && ascii(it->s))
        for (const char *s = it->s; *s; s++)
            list_push(e->a, &items, mkstr(e, it, arena_strndup(e->a, s, 1)));
    else
        return it->kind == PY_OPAQUE ? it->s
                                     : arena_printf(e->a, "a comprehension over %s, which zdm cannot list",
                                                    py_render(e->a, LIST_GET(&f->items, 0)));
    /* the targets: "a" or "a,b" */
    List names = {0};
    const char *s = f->s;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        list_push(e->a, &names, arena_strndup(e->a, s, len));
        s += len + (comma ? 1 : 0);
    }
    for (int i = 0; i < items.len; i++) {
        const PyNode *item = LIST_GET(&items, i);
        PyEnv *inner = py_env_new(e->a, scope);
        if (names.len == 1) {
            py_env_set(inner, LIST_GET(&names, 0), item);
        } else {
            if (!is_seq(item) || item->items.len != names.len)
                return "a comprehension whose targets zdm cannot unpack";
            for (int j = 0; j < names.len; j++)
                py_env_set(inner, LIST_GET(&names, j), LIST_GET(&item->items, j));
        }
        bool keep = true;
        for (int j = 1; j < f->items.len && keep; j++) {
            e->env = inner;
            int t = py_known_truth(ev(e, LIST_GET(&f->items, j)));
            e->env = saved;
            if (t < 0)
                return "a comprehension whose condition zdm cannot decide";
            keep = t == 1;
        }
        if (!keep)
            continue;
        const char *why = comp_run(e, c, k + 1, inner, out);
        if (why)
            return why;
    }
    return NULL;
}

static const PyNode *comprehension(Ev *e, const PyNode *n)
{
    PyNode *out = mk(e, strcmp(n->s, "set") == 0 ? PY_SET : strcmp(n->s, "tuple") == 0 ? PY_TUPLE : PY_LIST, n);
    const char *why = comp_run(e, n, 1, py_env_new(e->a, e->env), out);
    return why ? opq(e, n, why, NULL) : out;
}

static const PyNode *ev(Ev *e, const PyNode *n)
{
    if (!n)
        return NULL;
    if (++e->depth > 4 * PY_MAX_NESTING) {
        e->depth--;
        return opq(e, n, "a value nested too deeply", NULL);
    }
    const PyNode *r = n;
    switch (n->kind) {
    case PY_STR:
        if (n->fstring)
            r = fstring(e, n);
        break;
    case PY_NAME:
        r = name_value(e, n);
        break;
    case PY_CALL:
        r = call(e, n);
        break;
    case PY_LIST: case PY_TUPLE: case PY_SET: {
        PyNode *c = mk(e, n->kind, n);
        for (int k = 0; k < n->items.len; k++) {
            const PyNode *it = LIST_GET(&n->items, k);
            if (it->kind == PY_STARRED) {
                const PyNode *v = ev(e, LIST_GET(&it->items, 0));
                if (is_seq(v) && budget(e, v->items.len)) {
                    for (int j = 0; j < v->items.len; j++)
                        list_push(e->a, &c->items, LIST_GET(&v->items, j));
                } else {
                    /* [*A, x] with A unknown: x stays, A is one element saying why */
                    list_push(e->a, &c->items, v->kind == PY_OPAQUE ? (void *)py_opaque(e->a, it, v->s)
                                                                   : (void *)opq(e, it, "*%s: zdm cannot list it",
                                                                                 py_render(e->a, LIST_GET(&it->items, 0))));
                }
                continue;
            }
            list_push(e->a, &c->items, (void *)ev(e, it));
        }
        r = c;
        break;
    }
    case PY_DICT: {
        PyNode *c = mk(e, PY_DICT, n);
        for (int k = 0; k < n->items.len; k++)
            list_push(e->a, &c->items, (void *)ev(e, LIST_GET(&n->items, k)));
        r = c;
        break;
    }
    case PY_ATTR: {
        const PyNode *o = ev(e, LIST_GET(&n->items, 0));
        r = o->kind == PY_OPAQUE ? py_opaque(e->a, n, o->s)
                                 : opq(e, n, ".%s: zdm does not follow attributes of values", n->s);
        break;
    }
    case PY_BINOP:
        r = binop(e, n);
        break;
    case PY_UNARY: {
        const PyNode *v = ev(e, LIST_GET(&n->items, 0));
        if (strcmp(n->s, "not") == 0 && py_known_truth(v) >= 0)
            r = mkbool(e, n, py_known_truth(v) == 0);
        else if (strcmp(n->s, "-") == 0 && is_int(v))
            r = mkint(e, n, -py_int(v, 0));
        else if (strcmp(n->s, "+") == 0 && v->kind == PY_NUM)
            r = v;
        else if (v->kind == PY_OPAQUE)
            r = py_opaque(e->a, n, v->s);
        else {
            PyNode *o = mk(e, PY_OPAQUE, n);
            o->s = arena_printf(e->a, "operator %s", n->s);
            list_push(e->a, &o->items, (void *)v);
            r = o;
        }
        break;
    }
    case PY_COND: {
        int t = py_known_truth(ev(e, LIST_GET(&n->items, 1)));
        r = t < 0 ? opq(e, n, "a conditional expression on %s, which zdm cannot decide",
                        py_render(e->a, LIST_GET(&n->items, 1)))
                  : ev(e, LIST_GET(&n->items, t ? 0 : 2));
        break;
    }
    case PY_SUBSCRIPT:
        r = subscript(e, n);
        break;
    case PY_COMP:
        r = comprehension(e, n);
        break;
    case PY_STARRED:
        r = opq(e, n, "*%s outside a list", py_render(e->a, LIST_GET(&n->items, 0)));
        break;
    default:
        break;
    }
    e->depth--;
    return r;
}

const PyNode *py_eval(Arena *a, const PyEnv *env, const PyEnv *settings, const PyNode *n)
{
    Ev e = {.a = a, .env = env, .settings = settings};
    return ev(&e, n);
}

const char *py_why_not(Arena *a, const PyNode *v, const char *what)
{
    if (!v)
        return arena_printf(a, "%s is missing", what);
    switch (v->kind) {
    case PY_OPAQUE:
        if (strncmp(v->s, "built by ", 9) == 0)
            return arena_printf(a, "%s %s", what, v->s);
        if (strncmp(v->s, "operator ", 9) == 0)
            return arena_printf(a, "%s computed with %s: zdm cannot evaluate it", what, v->s);
        return v->s;
    case PY_CALL:
        return arena_printf(a, "%s built by %s(): zdm does not run Python", what,
                            py_callee(v) ? py_callee(v) : "a call");
    case PY_NAME:
        return arena_printf(a, "%s taken from %s, which this file does not define: zdm reads only this file",
                            what, v->s);
    case PY_LAMBDA:
        return arena_printf(a, "%s is a lambda: zdm does not run Python", what);
    default:
        return arena_printf(a, "%s is %s", what, py_render(a, v));
    }
}
