/*
 * bp_state_map.c - open-addressing hash map of freelancer states.
 *
 * Slots hold the state pointer and its full hash, so a probe compares
 * hashes before touching the state's id (one cache miss fewer per lookup).
 * The table doubles at 70 % load. Entries are never removed, which keeps
 * linear probing simple (no tombstones).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_hash.h"
#include "bp_state_map.h"

typedef struct slot_s {
        uint64_t         hash;
        bp_freelancer_t *fl; /* NULL: empty */
} slot_t;

struct bp_state_map_s {
        slot_t *slots;
        size_t  mask; /* capacity - 1, capacity a power of two */
        size_t  cnt;
};

static uint64_t id_hash(const char *s) {
        return bp_hash_bytes(s, strlen(s));
}

bp_state_map_t *bp_state_map_new(void) {
        bp_state_map_t *map = calloc(1, sizeof(*map));
        if (!map)
                return NULL;
        map->slots = calloc(64, sizeof(*map->slots));
        if (!map->slots) {
                free(map);
                return NULL;
        }
        map->mask = 63;
        return map;
}

void bp_state_map_destroy(bp_state_map_t *map) {
        size_t i;
        if (!map)
                return;
        for (i = 0; i <= map->mask; i++)
                bp_freelancer_destroy(map->slots[i].fl);
        free(map->slots);
        free(map);
}

/* Starts bringing fl's block into the cache: its id just before the
 * struct (most ids fit in the line before it), then the struct with its
 * inline arrays, which the engine reads next. Prefetches never fault,
 * whatever the address; integers, since the line before the struct may
 * lie outside the block. Unrolled: eight prefetches, not eight turns of a
 * loop. */
static void prefetch_block(const bp_freelancer_t *fl) {
        enum { LINES = (64 + sizeof(bp_freelancer_t) + 63) / 64 };
        uintptr_t p = (uintptr_t)fl - 64;
        int       k;
#pragma GCC unroll 16
        for (k = 0; k < LINES; k++)
                __builtin_prefetch((const void *)(p + 64 * (uintptr_t)k), 1, 3);
}

static slot_t *probe(const bp_state_map_t *map, uint64_t h, const char *id) {
        size_t i = (size_t)h & map->mask;
        for (;;) {
                slot_t *s = &map->slots[i];
                if (!s->fl)
                        return s;
                if (s->hash == h) {
                        /* The id comparison waits for one line of the
                         * state; the others can come in meanwhile. */
                        prefetch_block(s->fl);
                        if (strcmp(s->fl->freelancer_id, id) == 0)
                                return s;
                }
                i = (i + 1) & map->mask;
        }
}

static int rehash(bp_state_map_t *map) {
        size_t  cap     = (map->mask + 1) * 2, i;
        slot_t *slots   = calloc(cap, sizeof(*slots));
        slot_t *old     = map->slots;
        size_t  old_cap = map->mask + 1;

        if (!slots)
                return -1;
        map->slots = slots;
        map->mask  = cap - 1;
        for (i = 0; i < old_cap; i++) {
                if (old[i].fl) {
                        size_t j = (size_t)old[i].hash & map->mask;
                        while (slots[j].fl)
                                j = (j + 1) & map->mask;
                        slots[j] = old[i];
                }
        }
        free(old);
        return 0;
}

bp_freelancer_t *bp_state_map_find(const bp_state_map_t *map,
                                   const char           *freelancer_id) {
        return probe(map, id_hash(freelancer_id), freelancer_id)->fl;
}

/* Returns the slot of freelancer_id, making room for a new entry first
 * when it is absent (so the slot returned empty can be filled at once). */
static slot_t *slot_for_insert(bp_state_map_t *map, uint64_t h,
                               const char *freelancer_id) {
        slot_t *s = probe(map, h, freelancer_id);
        if (s->fl)
                return s;
        if ((map->cnt + 1) * 10 > (map->mask + 1) * 7) {
                if (rehash(map))
                        return NULL;
                s = probe(map, h, freelancer_id);
        }
        return s;
}

bp_freelancer_t *bp_state_map_get(bp_state_map_t *map,
                                  const char     *freelancer_id) {
        uint64_t h = id_hash(freelancer_id);
        slot_t  *s = slot_for_insert(map, h, freelancer_id);

        if (!s)
                return NULL;
        if (s->fl)
                return s->fl;
        s->fl = bp_freelancer_new(freelancer_id);
        if (!s->fl)
                return NULL;
        s->hash = h;
        map->cnt++;
        return s->fl;
}

bp_err_t bp_state_map_put(bp_state_map_t *map, bp_freelancer_t *fl) {
        uint64_t h = id_hash(fl->freelancer_id);
        slot_t  *s = slot_for_insert(map, h, fl->freelancer_id);

        if (!s)
                return BP_ERR_NOMEM;
        if (s->fl)
                bp_freelancer_destroy(s->fl);
        else
                map->cnt++;
        s->fl   = fl;
        s->hash = h;
        return BP_OK;
}

/* The slot of the entry whose hash is h, or NULL: hashes only, so that
 * nothing but the slot array is read. */
static const slot_t *slot_of_hash(const bp_state_map_t *map, uint64_t h) {
        size_t i = (size_t)h & map->mask;
        for (;; i = (i + 1) & map->mask) {
                const slot_t *s = &map->slots[i];
                if (!s->fl)
                        return NULL;
                if (s->hash == h)
                        return s;
        }
}

void bp_state_map_prefetch(const bp_state_map_t *map, const char *id,
                           size_t len) {
        const slot_t *s = slot_of_hash(map, bp_hash_bytes(id, len));
        if (s)
                prefetch_block(s->fl);
}

size_t bp_state_map_count(const bp_state_map_t *map) {
        return map->cnt;
}

int bp_state_map_foreach(const bp_state_map_t *map,
                         int (*fn)(bp_freelancer_t *fl, void *opaque),
                         void *opaque) {
        size_t i;
        int    r;
        for (i = 0; i <= map->mask; i++)
                if (map->slots[i].fl && (r = fn(map->slots[i].fl, opaque)))
                        return r;
        return 0;
}
