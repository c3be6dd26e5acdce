/*
 * bp_intern.c - the process-wide table of interned strings (bp_intern.h).
 *
 * Open addressing with linear probing over twice as many slots as
 * strings, so a probe sequence always ends at an empty slot. Slots are
 * only ever filled, never emptied, which is what makes the lock-free
 * insert simple: the first writer to swing a slot from NULL wins it, and
 * a loser compares the winner's string with its own before probing on.
 * A lost race leaves its reserved pool bytes and count unused: bounded
 * waste, since the pool and count only ever grow, up to their caps.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_hash.h"
#include "bp_intern.h"

#define SLOTS (2 * BP_INTERN_MAX) /* a power of two */

static char                  pool[BP_INTERN_POOL];
static atomic_size_t         pool_used;
static atomic_size_t         strings;
static _Atomic(const char *) slots[SLOTS];

bool bp_intern_has(const char *p) {
        /* Integer comparison: p may point anywhere, and comparing
         * pointers into different objects is undefined in C. */
        return (uintptr_t)p - (uintptr_t)pool < sizeof(pool);
}

/* Adds n to *counter unless that would pass max, and sets *was to the
 * value it added to; false when it would pass. A compare-and-swap loop
 * rather than an add, so that a full table's counters stay at their caps
 * however many strings are refused (an add could wrap around, and the
 * table overfill). */
static bool take(atomic_size_t *counter, size_t n, size_t max, size_t *was) {
        size_t cur = atomic_load_explicit(counter, memory_order_relaxed);
        do {
                if (cur > max || max - cur < n)
                        return false;
        } while (!atomic_compare_exchange_weak_explicit(counter, &cur, cur + n,
                                                        memory_order_relaxed,
                                                        memory_order_relaxed));
        *was = cur;
        return true;
}

/* Copies s (len bytes) into the pool; NULL when the table is full. */
static const char *reserve_copy(const char *s, size_t len) {
        size_t n, off;
        if (!take(&strings, 1, BP_INTERN_MAX, &n) ||
            !take(&pool_used, len + 1, sizeof(pool), &off))
                return NULL;
        memcpy(pool + off, s, len + 1);
        return pool + off;
}

const char *bp_intern(const char *s) {
        size_t      len  = strnlen(s, BP_INTERN_LEN_MAX + 1), i;
        const char *copy = NULL;

        if (len > BP_INTERN_LEN_MAX)
                return NULL;
        for (i = (size_t)bp_hash_bytes(s, len) & (SLOTS - 1);;
             i = (i + 1) & (SLOTS - 1)) {
                const char *cur =
                    atomic_load_explicit(&slots[i], memory_order_acquire);
                if (!cur) {
                        if (!copy && !(copy = reserve_copy(s, len)))
                                return NULL;
                        if (atomic_compare_exchange_strong_explicit(
                                &slots[i], &cur, copy, memory_order_release,
                                memory_order_acquire))
                                return copy;
                        /* Another thread filled the slot first: cur is
                         * its string, compared below. */
                }
                if (strcmp(cur, s) == 0)
                        return cur;
        }
}

const char *bp_intern_dup(const char *s) {
        const char *copy;
        if (!s || bp_intern_has(s))
                return s;
        if ((copy = bp_intern(s)))
                return copy;
        return strdup(s);
}

void bp_intern_free(const char *s) {
        if (s && !bp_intern_has(s))
                free((char *)s);
}
