/*
 * bp_arena.h - a bump allocator for short-lived strings.
 *
 * Memory is taken from chunks that are never moved, so pointers stay valid
 * until bp_arena_reset() or bp_arena_destroy(). Reset keeps the first chunk
 * for reuse, so a loop that resets once per iteration stops allocating once
 * warmed up. Used for the strings of badge events and of decoded records.
 */
#ifndef BP_ARENA_H
#define BP_ARENA_H

#include <stddef.h>

typedef struct bp_arena_s bp_arena_t;

/** Creates an arena whose chunks are at least chunk_size bytes.
 *  NULL on ENOMEM. */
bp_arena_t *bp_arena_new(size_t chunk_size);

/** Frees every chunk. NULL is a no-op. */
void bp_arena_destroy(bp_arena_t *arena);

/** Returns size bytes aligned for any type, or NULL on ENOMEM. */
void *bp_arena_alloc(bp_arena_t *arena, size_t size);

/** Copies the NUL-terminated s (NULL gives NULL). NULL on ENOMEM too:
 *  callers that pass a non-NULL s check the result. */
char *bp_arena_strdup(bp_arena_t *arena, const char *s);

/** Copies len bytes of s and adds a NUL. NULL on ENOMEM. */
char *bp_arena_strndup(bp_arena_t *arena, const char *s, size_t len);

/** Forgets every allocation; keeps the first chunk. */
void bp_arena_reset(bp_arena_t *arena);

#endif
