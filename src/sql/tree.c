/*
 * tree.c — libpg_query's JSON parse tree, read into cJSON nodes.
 *
 * The rest of zdm walks parse trees through cJSON's structs and getters, but
 * cJSON_Parse was the slowest step of a long history's run: it allocates
 * every key and every string on its own and goes through strtod for every
 * number. This reader makes one copy of the JSON text in the arena, decodes
 * the strings inside that copy (a decoded string is never longer than its
 * escaped form) and points keys and values into it, so a node costs one
 * allocation. It reads any valid JSON, not only libpg_query's; anything else
 * gives NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "sql.h"

typedef struct Reader {
    Arena *a;
    char *p;   /* the next byte to read, in the arena's copy */
    char *end;
    int depth;
} Reader;

/* cJSON's own limit: deeper input is refused rather than overflowing the stack. */
#define MAX_DEPTH CJSON_NESTING_LIMIT

static void skip_space(Reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | cp >> 6);
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | cp >> 12);
        *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | cp >> 18);
        *w++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* A string at r->p (just past its opening quote), decoded in place; the
 * result is NUL-terminated where the closing quote (or escapes) were. */
static char *read_string(Reader *r)
{
    char *start = r->p;
    /* most strings hold no escape: find the end without copying */
    while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (unsigned char)*r->p >= 0x20)
        r->p++;
    char *w = r->p;
    while (r->p < r->end) {
        char c = *r->p++;
        if (c == '"') {
            *w = '\0';
            return start;
        }
        if ((unsigned char)c < 0x20)
            return NULL;
        if (c != '\\') {
            *w++ = c;
            continue;
        }
        if (r->p >= r->end)
            return NULL;
        c = *r->p++;
        switch (c) {
        case '"': case '\\': case '/': *w++ = c; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (r->end - r->p < 4 || hex4(r->p, &cp) < 0)
                return NULL;
            r->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a surrogate pair: one code point */
                if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
                    hex4(r->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                    return NULL;
                r->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return NULL;
            }
            w = put_utf8(w, cp); /* at most as long as the escape it replaces */
            break;
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

static bool read_number(Reader *r, cJSON *n)
{
    char *s = r->p;
    bool integral = true;
    long long v = 0;
    char *q = s;
    if (q < r->end && *q == '-')
        q++;
    if (q >= r->end || *q < '0' || *q > '9')
        return false;
    while (q < r->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
                          *q == '+' || *q == '-')) {
        if (*q < '0' || *q > '9')
            integral = false;
        else if (integral && q - s < 18)
            v = v * 10 + (*q - '0');
        else
            integral = false; /* too long to be exact here: strtod decides */
        q++;
    }
    double d;
    if (integral) {
        d = (double)(*s == '-' ? -v : v);
    } else {
        char saved = *q; /* strtod needs a terminator; the copy is ours */
        *q = '\0';
        char *e;
        d = strtod(s, &e);
        *q = saved;
        if (e != q)
            return false;
    }
    r->p = q;
    n->type = cJSON_Number;
    n->valuedouble = d;
    /* as cJSON does: saturated to int */
    n->valueint = d >= 2147483647.0 ? 2147483647 : d <= -2147483648.0 ? (-2147483647 - 1) : (int)d;
    return true;
}

static bool read_word(Reader *r, const char *w, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
        return false;
    r->p += n;
    return true;
}

static cJSON *read_value(Reader *r);

/* The members of an object or the elements of an array, after its opening
 * bracket; each child's prev points back, and the first one's to the last,
 * as cJSON links them. */
static bool read_children(Reader *r, cJSON *parent, bool object)
{
    char close = object ? '}' : ']';
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return true;
    }
    cJSON *last = NULL;
    for (;;) {
        char *key = NULL;
        if (object) {
            skip_space(r);
            if (r->p >= r->end || *r->p != '"')
                return false;
            r->p++;
            if (!(key = read_string(r)))
                return false;
            skip_space(r);
            if (r->p >= r->end || *r->p != ':')
                return false;
            r->p++;
        }
        cJSON *item = read_value(r);
        if (!item)
            return false;
        if (key) {
            item->string = key;
            item->type |= cJSON_StringIsConst; /* not cJSON's to free */
        }
        if (last) {
            last->next = item;
            item->prev = last;
        } else {
            parent->child = item;
        }
        last = item;
        parent->child->prev = last;
        skip_space(r);
        if (r->p >= r->end)
            return false;
        char c = *r->p++;
        if (c == close)
            return true;
        if (c != ',')
            return false;
    }
}

static cJSON *read_value(Reader *r)
{
    skip_space(r);
    if (r->p >= r->end)
        return NULL;
    cJSON *n = arena_alloc(r->a, sizeof *n);
    char c = *r->p;
    if (c == '{' || c == '[') {
        if (++r->depth > MAX_DEPTH)
            return NULL;
        r->p++;
        n->type = c == '{' ? cJSON_Object : cJSON_Array;
        if (!read_children(r, n, c == '{'))
            return NULL;
        r->depth--;
    } else if (c == '"') {
        r->p++;
        n->type = cJSON_String;
        if (!(n->valuestring = read_string(r)))
            return NULL;
    } else if (read_word(r, "true", 4)) {
        n->type = cJSON_True;
        n->valueint = 1;
    } else if (read_word(r, "false", 5)) {
        n->type = cJSON_False;
    } else if (read_word(r, "null", 4)) {
        n->type = cJSON_NULL;
    } else if (!read_number(r, n)) {
        return NULL;
    }
    return n;
}

cJSON *sql_read_tree(Arena *a, const char *json, size_t len)
{
    char *copy = arena_strndup(a, json, len);
    Reader r = {a, copy, copy + len, 0};
    cJSON *root = read_value(&r);
    skip_space(&r);
    return root && r.p == r.end ? root : NULL;
}
