/*
 * util.c — arena, lists, string buffers, errors and a few text helpers.
 *
 * The arena is a chain of large blocks; allocation bumps a pointer. A request
 * larger than a block gets a block of its own.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARENA_BLOCK (256 * 1024)

typedef struct Block {
    struct Block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} Block;

typedef struct Cleanup {
    struct Cleanup *next;
    void (*fn)(void *);
    void *arg;
} Cleanup;

struct Arena {
    Block *head;
    Cleanup *cleanups; /* newest first; allocated in the arena itself */
};

static Block *block_new(size_t size)
{
    /* calloc: fresh blocks come zeroed (from the kernel, for blocks this
     * big), and arena memory is never reused, so allocations need no memset */
    Block *b = calloc(1, sizeof(Block) + size);
    if (!b) {
        fputs("zdm: out of memory\n", stderr);
        abort();
    }
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

Arena *arena_new(void)
{
    Arena *a = calloc(1, sizeof(Arena));
    if (!a) {
        fputs("zdm: out of memory\n", stderr);
        abort();
    }
    a->head = block_new(ARENA_BLOCK);
    return a;
}

void arena_free(Arena *a)
{
    if (!a)
        return;
    for (Cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->arg);
    Block *b = a->head;
    while (b) {
        Block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void arena_adopt(Arena *a, Arena *child)
{
    Block *last = child->head;
    while (last->next)
        last = last->next;
    /* behind a's current block, which keeps serving allocations */
    last->next = a->head->next;
    a->head->next = child->head;
    if (child->cleanups) {
        Cleanup *c = child->cleanups;
        while (c->next)
            c = c->next;
        c->next = a->cleanups;
        a->cleanups = child->cleanups;
    }
    free(child);
}

void arena_on_free(Arena *a, void (*fn)(void *), void *arg)
{
    Cleanup *c = arena_alloc(a, sizeof *c);
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

void *arena_alloc(Arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    Block *b = a->head;
    if (b->used + size > b->size) {
        if (size > ARENA_BLOCK / 4) {
            /* A big request gets its own block, kept behind the current one. */
            Block *big = block_new(size);
            big->used = size;
            big->next = b->next;
            b->next = big;
            return big->data;
        }
        b = block_new(ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    StrBuf sb;
    sb_init(&sb, a);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb.data;
}

void list_push(Arena *a, List *l, void *item)
{
    if (l->len == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);
        if (l->len)
            memcpy(items, l->items, sizeof(void *) * (size_t)l->len);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = item;
}

void sb_init(StrBuf *sb, Arena *a)
{
    sb->arena = a;
    sb->cap = 64;
    sb->len = 0;
    sb->data = arena_alloc(a, sb->cap);
}

static void sb_reserve(StrBuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap * 2;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *data = arena_alloc(sb->arena, cap);
    memcpy(data, sb->data, sb->len + 1);
    sb->data = data;
    sb->cap = cap;
}

void sb_appendn(StrBuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void sb_append(StrBuf *sb, const char *s) { sb_appendn(sb, s, strlen(s)); }

void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

int zdm_error(ZdmError *err, const char *file, int line, int column,
              const char *fmt, ...)
{
    if (!err)
        return -1;
    err->kind = ERR_INPUT;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

char *util_read_file(Arena *a, const char *path, size_t *len, ZdmError *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        zdm_error(err, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    StrBuf sb;
    sb_init(&sb, a);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed) {
        zdm_error(err, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    if (strlen(sb.data) != sb.len) {
        zdm_error(err, path, 0, 0, "contains a NUL byte: not a text file");
        return NULL;
    }
    if (len)
        *len = sb.len;
    return sb.data;
}

void util_line_col(const char *text, int off, int *line, int *column)
{
    int l = 1, c = 1;
    for (int i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

void util_line_col_from(const char *text, int from, int from_line, int from_column,
                        int off, int *line, int *column)
{
    if (off < from || from_line <= 0) {
        util_line_col(text, off, line, column);
        return;
    }
    int l, c;
    util_line_col(text + from, off - from, &l, &c);
    *line = from_line + l - 1;
    *column = l > 1 ? c : from_column + c - 1;
}

int util_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            const char *ea = a, *eb = b;
            while (isdigit((unsigned char)*ea))
                ea++;
            while (isdigit((unsigned char)*eb))
                eb++;
            if (ea - a != eb - b)
                return (ea - a) < (eb - b) ? -1 : 1;
            int c = strncmp(a, b, (size_t)(ea - a));
            if (c)
                return c;
            a = ea;
            b = eb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : (*b ? -1 : 0);
}

bool util_streq(const char *a, const char *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    return strcmp(a, b) == 0;
}

unsigned util_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Open addressing with linear probing, kept at most half full. */
static int strmap_slot(const StrMap *m, const char *key)
{
    unsigned mask = (unsigned)m->cap - 1;
    unsigned i = util_hash(key) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & mask;
    return (int)i;
}

void *strmap_get(const StrMap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    return m->values[strmap_slot(m, key)];
}

void strmap_put(Arena *a, StrMap *m, const char *key, void *value)
{
    if (2 * (m->len + 1) > m->cap) {
        StrMap bigger = {.cap = m->cap ? m->cap * 2 : 16};
        bigger.keys = arena_alloc(a, sizeof(char *) * (size_t)bigger.cap);
        bigger.values = arena_alloc(a, sizeof(void *) * (size_t)bigger.cap);
        for (int i = 0; i < m->cap; i++)
            if (m->keys[i])
                strmap_put(a, &bigger, m->keys[i], m->values[i]);
        *m = bigger;
    }
    int i = strmap_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->len++;
    }
    m->values[i] = value;
}

const char *util_intern(Interner *in, const char *s)
{
    const char *k = strmap_get(&in->map, s);
    if (!k) {
        k = arena_strdup(in->arena, s);
        strmap_put(in->arena, &in->map, k, (void *)k);
    }
    return k;
}

double util_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void util_sleep_ms(long ms, const volatile sig_atomic_t *stop)
{
    while (ms > 0 && !*stop) {
        long step = ms < 50 ? ms : 50;
        struct timespec ts = {step / 1000, (step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

const char *util_utf8_prefix(Arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return s;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* s[n] continues a character */
        n--;
    return arena_strndup(a, s, n);
}

bool util_utf8_valid(const char *text, size_t len, int *line, int *column)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len, *bol = p;
    int ln = 1;
    while (p < end) {
        unsigned c = *p;
        int need = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        bool ok = need >= 0 && c != 0 && c != 0xC0 && c != 0xC1 && c <= 0xF4 && end - p > need;
        unsigned cp = need == 0 ? c : need == 1 ? c & 0x1F : need == 2 ? c & 0x0F : c & 0x07;
        for (int k = 1; ok && k <= need; k++) {
            ok = (p[k] & 0xC0) == 0x80;
            cp = (cp << 6) | (p[k] & 0x3F);
        }
        /* overlong forms, surrogates and code points past U+10FFFF */
        if (ok && ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                   (cp >= 0xD800 && cp <= 0xDFFF)))
            ok = false;
        if (!ok) {
            *line = ln;
            *column = (int)(p - bol) + 1;
            return false;
        }
        if (c == '\n') {
            ln++;
            bol = p + 1;
        }
        p += need + 1;
    }
    return true;
}
