/*
 * sha256.h — SHA-256 (FIPS 180-4), for the history table: zdm records the
 * hash of every migration it applies and refuses to go on when an applied
 * file has changed since. Written here rather than linked in so that zdm
 * needs no crypto library; it hashes a few files per run, so plain beats fast.
 */
#ifndef ZDM_SHA256_H
#define ZDM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct Sha256 {
    uint32_t h[8];
    uint64_t len;        /* bytes hashed so far */
    unsigned char buf[64];
    size_t nbuf;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, unsigned char out[32]);

/* The digest of data as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *data, size_t n, char out[65]);

#endif
