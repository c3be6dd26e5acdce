/*
 * bp_sorted.h - binary search over arrays kept sorted by a string key:
 * a freelancer's partners and skills, a tally's partners.
 */
#ifndef BP_SORTED_H
#define BP_SORTED_H

#include <stddef.h>

/**
 * Searches cnt structs of elem_size bytes at base, sorted (strcmp) by the
 * string whose pointer sits at key_offset in each. Returns the index
 * where key is, or where it would be inserted to keep the order, and sets
 * *found to 1 or 0.
 */
size_t bp_sorted_index(const void *base, size_t cnt, size_t elem_size,
                       size_t key_offset, const char *key, int *found);

#endif
