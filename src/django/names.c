/*
 * names.c — the names Django and PostgreSQL give indexes and constraints.
 *
 * Django names an index "<table>_<columns>_<md5 digest><suffix>", cut to 63
 * characters by a fixed recipe (_create_index_name); PostgreSQL names an
 * inline UNIQUE or CHECK "<table>_<column>_key", cut by makeObjectName. A
 * later migration drops them by these names, so zdm computes them the same
 * way. MD5 here is only Django's naming digest, not security.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dj.h"

#define MAX_NAME 63 /* PostgreSQL's NAMEDATALEN - 1 */

/* RFC 1321, compact. */
static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const int md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(uint32_t h[4], const unsigned char *p)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 |
               (uint32_t)p[i * 4 + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * i) % 16; }
        uint32_t t = d;
        d = c;
        c = b;
        uint32_t x = a + f + md5_k[i] + w[g];
        b = b + (x << md5_r[i] | x >> (32 - md5_r[i]));
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

void dj_md5_hex(const char *data, size_t len, char out[33])
{
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    const unsigned char *p = (const unsigned char *)data;
    size_t n = len;
    while (n >= 64) {
        md5_block(h, p);
        p += 64;
        n -= 64;
    }
    unsigned char tail[128] = {0};
    memcpy(tail, p, n);
    tail[n] = 0x80;
    size_t tl = n + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[tl - 8 + (size_t)i] = (unsigned char)(bits >> (8 * i));
    md5_block(h, tail);
    if (tl == 128)
        md5_block(h, tail + 64);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", (h[i / 4] >> (8 * (i % 4))) & 0xff);
}

const char *dj_index_name(Arena *a, const char *table, const char *const *cols, int ncols,
                          const char *suffix)
{
    StrBuf all, joined;
    sb_init(&all, a);
    sb_init(&joined, a);
    sb_append(&all, table);
    sb_append(&joined, "");
    for (int i = 0; i < ncols; i++) {
        sb_append(&all, cols[i]);
        if (i)
            sb_append(&joined, "_");
        sb_append(&joined, cols[i]);
    }
    char hex[33];
    dj_md5_hex(all.data, all.len, hex);
    const char *hash = arena_printf(a, "%.8s%s", hex, suffix ? suffix : "");
    const char *name = arena_printf(a, "%s_%s_%s", table, joined.data, hash);
    if (strlen(name) <= MAX_NAME)
        return name;
    /* "Shorten a long suffix", then the table and the columns, as Django does */
    size_t hl = strlen(hash);
    if ((double)hl > MAX_NAME / 3.0)
        hl = MAX_NAME / 3;
    int other = (int)((MAX_NAME - hl) / 2) - 1;
    char *n = arena_printf(a, "%.*s_%.*s_%.*s", other, table, other, joined.data, (int)hl, hash);
    if (n[0] == '_' || (n[0] >= '0' && n[0] <= '9')) {
        n[strlen(n) - 1] = '\0';
        return arena_printf(a, "D%s", n);
    }
    return n;
}

const char *dj_pg_name(Arena *a, const char *name1, const char *name2, const char *label)
{
    size_t n1 = strlen(name1), n2 = name2 ? strlen(name2) : 0;
    size_t overhead = (name2 ? 1 : 0) + (label ? strlen(label) + 1 : 0);
    size_t avail = MAX_NAME - overhead;
    while (n1 + n2 > avail) {
        if (n1 > n2)
            n1--;
        else
            n2--;
    }
    StrBuf sb;
    sb_init(&sb, a);
    sb_appendn(&sb, name1, n1);
    if (name2) {
        sb_append(&sb, "_");
        sb_appendn(&sb, name2, n2);
    }
    if (label) {
        sb_append(&sb, "_");
        sb_append(&sb, label);
    }
    return sb.data;
}
