/*
 * bp_sorted.c - binary search by string key (see bp_sorted.h).
 */
#include <string.h>

#include "bp_sorted.h"

size_t bp_sorted_index(const void *base, size_t cnt, size_t elem_size,
                       size_t key_offset, const char *key, int *found) {
        size_t lo = 0, hi = cnt;

        while (lo < hi) {
                size_t      mid = lo + (hi - lo) / 2;
                const char *k;
                int         c;
                memcpy(&k, (const char *)base + mid * elem_size + key_offset,
                       sizeof(k));
                c = strcmp(k, key);
                if (c == 0) {
                        *found = 1;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = 0;
        return lo;
}
