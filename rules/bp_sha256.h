/*
 * bp_sha256.h - SHA-256 (FIPS 180-4), for the rules digest and published
 * event ids. Kept in the engine so that it depends on libc only.
 */
#ifndef BP_SHA256_H
#define BP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct bp_sha256_s {
        uint32_t state[8];
        uint64_t bytes;
        uint8_t  buf[64];
        size_t   buf_len;
} bp_sha256_t;

void bp_sha256_init(bp_sha256_t *h);
void bp_sha256_update(bp_sha256_t *h, const void *data, size_t len);
void bp_sha256_final(bp_sha256_t *h, uint8_t digest[32]);

/** Writes the first nbytes of digest as 2*nbytes lowercase hex digits plus
 *  a NUL to out. */
void bp_hex(const uint8_t *digest, size_t nbytes, char *out);

#endif
