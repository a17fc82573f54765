/*
 * glibc_compat.c — two glibc 2.38 symbols for libpg_query's static archive.
 *
 * zdm links libpg_query 18 statically from Debian's newer suites (see
 * scripts/install-deps), where it was compiled against glibc 2.38 headers:
 * its objects call __isoc23_strtoul (what strtoul becomes under C2x) and
 * strlcpy, neither of which Debian 12's glibc 2.36 has. Both are defined
 * here with their documented meaning; on a glibc that has them these
 * definitions take precedence and behave the same.
 */
#include <stdlib.h>
#include <string.h>

unsigned long __isoc23_strtoul(const char *s, char **end, int base);
size_t strlcpy(char *dst, const char *src, size_t size);

/* C23's strtoul also reads "0b" binary prefixes with base 0 or 2; nothing in
 * libpg_query asks for those, so C17's strtoul is the same function here. */
unsigned long __isoc23_strtoul(const char *s, char **end, int base)
{
    return strtoul(s, end, base);
}

/* BSD's strlcpy: copies at most size-1 bytes, always terminates (when size
 * is not 0), and returns strlen(src) so a caller can detect truncation. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
