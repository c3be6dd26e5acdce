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
        uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, w;
        size_t   i;
        for (i = 0; i + 8 <= len; i += 8) {
                memcpy(&w, s + i, 8);
                h = (h ^ w) * 0xff51afd7ed558ccdULL;
                h ^= h >> 29;
        }
        w = 0;
        memcpy(&w, s + i, len - i);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 32;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        return h;
}

#endif
