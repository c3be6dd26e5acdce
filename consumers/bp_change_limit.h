/*
 * bp_change_limit.h - how many badge changes a rules reload may make
 * without the operator's confirmation (`rules.reload.max.changes`).
 *
 * The limit is written as a count ("500"), as a share of the badges held
 * ("1%": that share of the badges held on the instance's partitions,
 * rounded up, but never fewer than BP_CHANGE_LIMIT_FLOOR, so that a
 * small store is not held to a handful of changes), or "off". It is pure:
 * the reload guard (bp_reload_guard.c) counts, this says how many is too
 * many.
 */
#ifndef BP_CHANGE_LIMIT_H
#define BP_CHANGE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

/** Fewest changes a share ("P%") allows. */
#define BP_CHANGE_LIMIT_FLOOR 100
/** Largest count accepted ("N"): beyond any store, far from overflow. */
#define BP_CHANGE_LIMIT_COUNT_MAX 1000000000000ULL

typedef enum bp_change_limit_kind_e {
        BP_CHANGE_LIMIT_COUNT = 0, /* at most count */
        BP_CHANGE_LIMIT_SHARE,     /* at most percent of the held badges */
        BP_CHANGE_LIMIT_OFF        /* no limit */
} bp_change_limit_kind_t;

typedef struct bp_change_limit_s {
        bp_change_limit_kind_t kind;
        uint64_t               count;   /* COUNT */
        double                 percent; /* SHARE: 0 < percent <= 100 */
} bp_change_limit_t;

/**
 * Parses "N" (an integer, 0..BP_CHANGE_LIMIT_COUNT_MAX), "P%" (a decimal
 * number, 0 < P <= 100, then '%') or "off" into *limit. BP_OK, or
 * BP_ERR_CONFIG with msg saying what was expected.
 */
bp_err_t bp_change_limit_parse(const char *text, bp_change_limit_t *limit,
                               char *msg, size_t msg_size);

/** The most changes allowed when held badges are held: UINT64_MAX when
 *  the limit is off. */
uint64_t bp_change_limit_max(const bp_change_limit_t *limit, uint64_t held);

#endif
