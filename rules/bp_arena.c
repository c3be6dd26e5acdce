/*
 * bp_arena.c - chunked bump allocator (see bp_arena.h).
 *
 * Chunks form a singly linked list; the head is the chunk being filled.
 * An allocation larger than the chunk size gets a chunk of its own so that
 * big strings never waste a whole standard chunk.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_arena.h"

typedef struct bp_arena_chunk_s {
        struct bp_arena_chunk_s *next;
        size_t                   size; /* usable bytes in data */
        size_t                   used;
        alignas(max_align_t) unsigned char data[];
} bp_arena_chunk_t;

struct bp_arena_s {
        bp_arena_chunk_t *head;
        size_t            chunk_size;
};

static bp_arena_chunk_t *chunk_new(size_t size) {
        bp_arena_chunk_t *c;
        if (size > SIZE_MAX - sizeof(*c))
                return NULL;
        c = malloc(sizeof(*c) + size);
        if (!c)
                return NULL;
        c->next = NULL;
        c->size = size;
        c->used = 0;
        return c;
}

bp_arena_t *bp_arena_new(size_t chunk_size) {
        bp_arena_t *arena = calloc(1, sizeof(*arena));
        if (!arena)
                return NULL;
        arena->chunk_size = chunk_size < 256 ? 256 : chunk_size;
        arena->head       = chunk_new(arena->chunk_size);
        if (!arena->head) {
                free(arena);
                return NULL;
        }
        return arena;
}

void bp_arena_destroy(bp_arena_t *arena) {
        bp_arena_chunk_t *c, *next;
        if (!arena)
                return;
        for (c = arena->head; c; c = next) {
                next = c->next;
                free(c);
        }
        free(arena);
}

void *bp_arena_alloc(bp_arena_t *arena, size_t size) {
        const size_t      align = alignof(max_align_t);
        bp_arena_chunk_t *c     = arena->head;
        size_t            off   = (c->used + align - 1) & ~(align - 1);
        void             *p;

        if (off <= c->size && size <= c->size - off) {
                c->used = off + size;
                return c->data + off;
        }
        c = chunk_new(size > arena->chunk_size ? size : arena->chunk_size);
        if (!c)
                return NULL;
        /* A fresh chunk goes first so the next small allocations use it;
         * the first chunk ever allocated stays last, which is the one that
         * reset keeps. */
        c->next     = arena->head;
        arena->head = c;
        c->used     = size;
        p           = c->data;
        return p;
}

char *bp_arena_strndup(bp_arena_t *arena, const char *s, size_t len) {
        char *p;
        if (len == SIZE_MAX)
                return NULL;
        p = bp_arena_alloc(arena, len + 1);
        if (!p)
                return NULL;
        memcpy(p, s, len);
        p[len] = '\0';
        return p;
}

char *bp_arena_strdup(bp_arena_t *arena, const char *s) {
        if (!s)
                return NULL;
        return bp_arena_strndup(arena, s, strlen(s));
}

void bp_arena_reset(bp_arena_t *arena) {
        bp_arena_chunk_t *c = arena->head;
        while (c->next) {
                bp_arena_chunk_t *next = c->next;
                free(c);
                c = next;
        }
        arena->head = c;
        c->used     = 0;
}
