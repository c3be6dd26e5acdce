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

/**
 * Starts bringing the state of the id of len bytes (no NUL needed: a
 * Kafka key will do) into the cache, when the map holds it; the contents
 * of the map do not change. For loops that know the next freelancer a
 * while before they look it up: the runtime calls it with a record's key
 * before decoding the record, so that the state's cache misses overlap
 * the decoding. It reads the map's slots (one likely miss itself) and
 * prefetches the state's block; cheaper than a lookup, and useless when
 * the lookup follows at once.
 */
void bp_state_map_prefetch(const bp_state_map_t *map, const char *id,
                           size_t len);

/** Number of freelancers. */
size_t bp_state_map_count(const bp_state_map_t *map);

/** Calls fn for each state, in no particular order, until fn returns
 *  non-zero; returns that value or 0. */
int bp_state_map_foreach(const bp_state_map_t *map,
                         int (*fn)(bp_freelancer_t *fl, void *opaque),
                         void *opaque);

#endif
