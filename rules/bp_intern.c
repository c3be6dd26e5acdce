/*
 * bp_intern.c - the process-wide table of interned strings (bp_intern.h).
 *
 * Open addressing with linear probing over twice as many slots as
 * strings, so a probe sequence always ends at an empty slot. Slots are
 * only ever filled, never emptied, which is what makes the lock-free
 * insert simple: the first writer to swing a slot from NULL wins it, and
 * a loser compares the winner's string with its own before probing on.
 * A lost race leaves its reserved pool bytes and count unused: bounded
 * waste, since the pool and count only ever grow to their caps.
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
static atomic_uint           strings;
static _Atomic(const char *) slots[SLOTS];

bool bp_intern_has(const char *p) {
        /* Integer comparison: p may point anywhere, and comparing
         * pointers into different objects is undefined in C. */
        return (uintptr_t)p - (uintptr_t)pool < sizeof(pool);
}

/* Copies s (len bytes) into the pool; NULL when the table is full. */
static const char *reserve_copy(const char *s, size_t len) {
        size_t off;
        char  *copy;
        if (atomic_fetch_add_explicit(&strings, 1, memory_order_relaxed) >=
            BP_INTERN_MAX)
                return NULL;
        off = atomic_fetch_add_explicit(&pool_used, len + 1,
                                        memory_order_relaxed);
        if (off + len + 1 > sizeof(pool))
                return NULL;
        copy = pool + off;
        memcpy(copy, s, len + 1);
        return copy;
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
