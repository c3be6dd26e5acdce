/*
 * bp_sha256.c - SHA-256 as specified by FIPS 180-4, section 6.2.
 *
 * A portable implementation: the message schedule and compression follow
 * the standard's notation (Ch, Maj, Sigma0/1, sigma0/1), and words are
 * read and written big-endian byte by byte so that the result does not
 * depend on the host's endianness or on unaligned access. The engine
 * hashes the rules once per load and one block per published event id;
 * the rounds are unrolled by eight, which halves the instructions of the
 * plain loop (bench/RESULTS.md, "Engine").
 */
#include <string.h>

#include "bp_sha256.h"

/* FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t bp_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t bp_load_be32(const uint8_t *p) {
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
               ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void bp_store_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* FIPS 180-4, 4.1.2 (ROTR, Ch and Maj written with fewer operations that
 * give the same bits). */
#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
#define BSIG0(a) (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22))
#define BSIG1(e) (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

/* Round t of 6.2.2 step 3. Instead of shifting the eight working
 * variables down by one each round, the caller renames them: a round
 * writes only d (the next e) and h (the next a). */
#define ROUND(a, b, c, d, e, f, g, h, t)                                  \
        do {                                                              \
                uint32_t t1 =                                             \
                    (h) + BSIG1(e) + CH(e, f, g) + bp_sha256_k[t] + w[t]; \
                (d) += t1;                                                \
                (h) = t1 + BSIG0(a) + MAJ(a, b, c);                       \
        } while (0)

/* One application of the compression function to a 64-byte block
 * (FIPS 180-4, 6.2.2 steps 1 to 4), eight rounds per loop turn so that
 * the renaming above comes back to where it started. Event ids hash one
 * block each, and published events are the engine's busiest output. */
static void bp_sha256_block(uint32_t state[8], const uint8_t block[64]) {
        uint32_t w[64];
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        int      t;

        for (t = 0; t < 16; t++)
                w[t] = bp_load_be32(block + 4 * t);
        for (t = 16; t < 64; t++)
                w[t] =
                    SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
        for (t = 0; t < 64; t += 8) {
                ROUND(a, b, c, d, e, f, g, h, t);
                ROUND(h, a, b, c, d, e, f, g, t + 1);
                ROUND(g, h, a, b, c, d, e, f, t + 2);
                ROUND(f, g, h, a, b, c, d, e, t + 3);
                ROUND(e, f, g, h, a, b, c, d, t + 4);
                ROUND(d, e, f, g, h, a, b, c, t + 5);
                ROUND(c, d, e, f, g, h, a, b, t + 6);
                ROUND(b, c, d, e, f, g, h, a, t + 7);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
}

void bp_sha256_init(bp_sha256_t *h) {
        /* FIPS 180-4, 5.3.3: the first 32 bits of the fractional parts of
         * the square roots of the first 8 primes. */
        static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                       0xa54ff53a, 0x510e527f, 0x9b05688c,
                                       0x1f83d9ab, 0x5be0cd19};
        memcpy(h->state, iv, sizeof(iv));
        h->bytes   = 0;
        h->buf_len = 0;
}

void bp_sha256_update(bp_sha256_t *h, const void *data, size_t len) {
        const uint8_t *p = data;

        h->bytes += len;
        /* Top up a partial block first, then hash whole blocks straight from
         * the input, and keep the tail for the next call. */
        if (h->buf_len > 0) {
                size_t take = 64 - h->buf_len;
                if (take > len)
                        take = len;
                memcpy(h->buf + h->buf_len, p, take);
                h->buf_len += take;
                p += take;
                len -= take;
                if (h->buf_len < 64)
                        return;
                bp_sha256_block(h->state, h->buf);
                h->buf_len = 0;
        }
        while (len >= 64) {
                bp_sha256_block(h->state, p);
                p += 64;
                len -= 64;
        }
        if (len > 0) {
                memcpy(h->buf, p, len);
                h->buf_len = len;
        }
}

void bp_sha256_final(bp_sha256_t *h, uint8_t digest[32]) {
        /* 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the message
         * length in bits as a 64-bit big-endian number. */
        uint64_t bits = h->bytes * 8;
        uint8_t  pad[72];
        size_t   pad_len;
        int      i;

        memset(pad, 0, sizeof(pad));
        pad[0]  = 0x80;
        pad_len = (h->buf_len < 56 ? 56 : 120) - h->buf_len;
        for (i = 0; i < 8; i++)
                pad[pad_len + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
        bp_sha256_update(h, pad, pad_len + 8);

        for (i = 0; i < 8; i++)
                bp_store_be32(digest + 4 * i, h->state[i]);
}

void bp_hex(const uint8_t *digest, size_t nbytes, char *out) {
        static const char digits[] = "0123456789abcdef";
        size_t            i;

        for (i = 0; i < nbytes; i++) {
                out[2 * i]     = digits[digest[i] >> 4];
                out[2 * i + 1] = digits[digest[i] & 0x0f];
        }
        out[2 * nbytes] = '\0';
}
