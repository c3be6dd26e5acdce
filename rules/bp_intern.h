/*
 * bp_intern.h - one shared copy of the short strings every state repeats.
 *
 * Partner ids, skill names and certification ids come from a small
 * vocabulary, yet each freelancer state used to hold its own heap copy of
 * each: a malloc per copy, and a cache miss per comparison, since a state
 * is touched once in a long while. Interned, they are one copy each in a
 * small pool that stays in cache, and states hold pointers to it.
 *
 * The table is process-wide, not per engine, because states outlive any
 * engine object: codecs build them, the runtime caches them, tools clone
 * and compare them across maps. It is insert-only and lock-free, so any
 * thread may use it (tests run several runners in one process):
 *  - an entry, once published, never changes and is never freed, so a
 *    pointer handed out stays valid for the life of the process;
 *  - a writer reserves pool bytes with an atomic add, copies the string,
 *    then publishes the pointer with a compare-and-swap (release); readers
 *    load slots with acquire, so they see the bytes written before.
 *
 * The table is bounded (BP_INTERN_MAX strings, BP_INTERN_POOL bytes,
 * strings up to BP_INTERN_LEN_MAX bytes): these strings come from
 * outside, and garbage must not grow memory without bound. When a string
 * cannot be interned (too long, table full), bp_intern_dup() returns an
 * owned heap copy instead; bp_intern_free() tells the two apart, so a
 * state may hold either.
 */
#ifndef BP_INTERN_H
#define BP_INTERN_H

#include <stdbool.h>

/** Longest string interned, in bytes, NUL not included. */
#define BP_INTERN_LEN_MAX 63
/** Most strings the table holds. */
#define BP_INTERN_MAX 4096
/** Bytes of the pool the strings are copied into. */
#define BP_INTERN_POOL (128 * 1024)

/**
 * The interned copy of s, or NULL when s is longer than BP_INTERN_LEN_MAX
 * or the table is full. Never allocates; thread-safe.
 */
const char *bp_intern(const char *s);

/** True when p points into the intern pool (an interned string). */
bool bp_intern_has(const char *p);

/**
 * A copy of s for a state to keep: s itself when it is interned, else its
 * interned copy, else an owned heap copy. NULL when s is NULL, or on
 * ENOMEM. Release it with bp_intern_free().
 */
const char *bp_intern_dup(const char *s);

/** Frees s unless it is interned. NULL is a no-op. */
void bp_intern_free(const char *s);

#endif
