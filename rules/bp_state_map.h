/*
 * bp_state_map.h - an in-memory map from freelancer_id to state.
 *
 * Open addressing with linear probing over a power-of-two table, keyed by
 * a 64-bit hash of the id. Used by replay, tests and benchmarks, where the
 * whole state fits in memory; the runtime keeps state in LMDB instead.
 */
#ifndef BP_STATE_MAP_H
#define BP_STATE_MAP_H

#include <stddef.h>

#include "bp_error.h"
#include "bp_state.h"

typedef struct bp_state_map_s bp_state_map_t;

/** Creates an empty map. NULL on ENOMEM. */
bp_state_map_t *bp_state_map_new(void);

/** Frees the map and every state in it. NULL is a no-op. */
void bp_state_map_destroy(bp_state_map_t *map);

/** The state of freelancer_id, or NULL. */
bp_freelancer_t *bp_state_map_find(const bp_state_map_t *map,
                                   const char           *freelancer_id);

/** The state of freelancer_id, created empty when absent. NULL on
 *  ENOMEM. Pointers stay valid until the map is destroyed. */
bp_freelancer_t *bp_state_map_get(bp_state_map_t *map,
                                  const char     *freelancer_id);

/**
 * Inserts fl, which the map now owns, replacing (and destroying) any state
 * with the same id. BP_ERR_NOMEM leaves fl owned by the caller.
 */
bp_err_t bp_state_map_put(bp_state_map_t *map, bp_freelancer_t *fl);

/** Number of freelancers. */
size_t bp_state_map_count(const bp_state_map_t *map);

/** Calls fn for each state, in no particular order, until fn returns
 *  non-zero; returns that value or 0. */
int bp_state_map_foreach(const bp_state_map_t *map,
                         int (*fn)(bp_freelancer_t *fl, void *opaque),
                         void *opaque);

#endif
