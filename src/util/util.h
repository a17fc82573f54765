/*
 * util.h — the small pieces every module uses: the run's arena, growable
 * lists, string buffers and the error record that library code fills in.
 *
 * Memory follows PostgreSQL's memory contexts: everything a run allocates
 * lives in one Arena and is released at once when the run ends. Nothing is
 * freed piecemeal, so there are no ownership rules to learn.
 */
#ifndef ZDM_UTIL_H
#define ZDM_UTIL_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *a);
/* Moves everything child holds into a and frees child: work done on another
 * thread, in an arena of its own, then lives as long as a does. */
void arena_adopt(Arena *a, Arena *child);
/* Calls fn(arg) when a is freed (or the arena that adopts it is), newest
 * first: for memory the arena does not hold, such as the memory context of
 * a parse tree (sql/parse.c), which then lives exactly as long as a. */
void arena_on_free(Arena *a, void (*fn)(void *), void *arg);
/* Zeroed, 16-byte aligned memory; never returns NULL (aborts on OOM). */
void *arena_alloc(Arena *a, size_t size);
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growable array of pointers, allocated from an arena. */
typedef struct List {
    void **items;
    int len;
    int cap;
} List;

void list_push(Arena *a, List *l, void *item);
#define LIST_GET(l, i) ((l)->items[i])

/* A growable string, allocated from an arena. data is always NUL-terminated. */
typedef struct StrBuf {
    Arena *arena;
    char *data;
    size_t len;
    size_t cap;
} StrBuf;

void sb_init(StrBuf *sb, Arena *a);
void sb_append(StrBuf *sb, const char *s);
void sb_appendn(StrBuf *sb, const char *s, size_t n);
void sb_printf(StrBuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap);

/*
 * What went wrong, and where. Library code returns -1 after filling one in;
 * only main prints it (as "file:line:column: message") and picks the exit
 * code. line and column are 1-based; 0 means "not known".
 */
typedef enum ErrorKind {
    ERR_INPUT = 2,    /* bad input: exit code 2 */
    ERR_DATABASE = 3, /* database error: exit code 3 */
} ErrorKind;

typedef struct ZdmError {
    ErrorKind kind;
    char message[1024];
    char file[512];
    int line;
    int column;
} ZdmError;

int zdm_error(ZdmError *err, const char *file, int line, int column,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Reads a whole file (or stdin for "-") into the arena; returns NULL and fills err. */
char *util_read_file(Arena *a, const char *path, size_t *len, ZdmError *err);

/* 1-based line and column of byte offset off in text (columns count characters). */
void util_line_col(const char *text, int off, int *line, int *column);
/* The same for an off at or after a known position (from, line, column): counts
 * only the bytes in between, so locating many points of a file stays linear. */
void util_line_col_from(const char *text, int from, int from_line, int from_column,
                        int off, int *line, int *column);

/* Natural order: digit runs compare as numbers, so "2_x" sorts before "10_x". */
int util_natural_cmp(const char *a, const char *b);

bool util_streq(const char *a, const char *b); /* NULL-safe strcmp()==0 */

/* The longest prefix of s of at most max bytes that ends on a UTF-8
 * character boundary (a cut never splits a character). */
const char *util_utf8_prefix(Arena *a, const char *s, size_t max);

/* Whether text[0..len) is valid UTF-8 (no NUL either: PostgreSQL refuses it);
 * when not, *line and *column (1-based, columns in bytes) say where. */
bool util_utf8_valid(const char *text, size_t len, int *line, int *column);

unsigned util_hash(const char *s); /* FNV-1a */

/* Milliseconds on the monotonic clock, for durations. */
double util_now_ms(void);

/* Sleeps ms milliseconds in steps of at most 50, stopping early once *stop
 * is set (by a signal handler). */
void util_sleep_ms(long ms, const volatile sig_atomic_t *stop);

/* A map from strings to pointers, allocated from an arena. Keys are not
 * copied: they must live as long as the map. A zeroed StrMap is empty. */
typedef struct StrMap {
    const char **keys;
    void **values;
    int cap; /* a power of two, or 0 */
    int len;
} StrMap;

void *strmap_get(const StrMap *m, const char *key); /* NULL when absent */
void strmap_put(Arena *a, StrMap *m, const char *key, void *value);

/* One copy of each distinct string, in an arena that outlives the strings'
 * users: equal strings share one pointer, so structures that are copied
 * often (the planner's catalogs) can share their strings instead of
 * duplicating them. */
typedef struct Interner {
    Arena *arena;
    StrMap map;
} Interner;

const char *util_intern(Interner *in, const char *s);

/* Equal names, first byte checked inline: the catalog compares names in its
 * inner loops, and most candidates differ at once. */
static inline bool util_same(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

#endif
