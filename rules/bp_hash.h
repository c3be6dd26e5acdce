/*
 * bp_hash.h - a fast 64-bit hash of short strings, for in-memory tables.
 *
 * Mixes 8 bytes at a time (multiply-xorshift), then avalanches, so that
 * ids differing only in their last characters (f1, f2, ...) spread over a
 * whole table. Not persisted anywhere: it may change between releases
 * (the contract hash of bp_state.h, which is persisted, is another one).
 * Inline, because the state map and the intern table call it once per
 * event and the call would cost as much as the hash.
 */
#ifndef BP_HASH_H
#define BP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** The hash of the len bytes at s. */
static inline uint64_t bp_hash_bytes(const char *s, size_t len) {
        uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, w = 0;
        size_t   i, rem;
        for (i = 0; i + 8 <= len; i += 8) {
                memcpy(&w, s + i, 8);
                h = (h ^ w) * 0xff51afd7ed558ccdULL;
                h ^= h >> 29;
        }
        /* The last 1-7 bytes in fixed-size loads (two that may overlap,
         * or three single bytes): a memcpy of variable length would be a
         * call into libc, as costly as the rest of the hash. */
        rem = len - i;
        w   = 0;
        if (rem >= 4) {
                uint32_t lo, hi;
                memcpy(&lo, s + i, 4);
                memcpy(&hi, s + len - 4, 4);
                w = lo | (uint64_t)hi << 32;
        } else if (rem > 0) {
                w = (uint64_t)(unsigned char)s[i] |
                    (uint64_t)(unsigned char)s[i + rem / 2] << 8 |
                    (uint64_t)(unsigned char)s[len - 1] << 16;
        }
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 32;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        return h;
}

#endif
