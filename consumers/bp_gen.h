/*
 * bp_gen.h - a seeded generator of realistic input event streams.
 *
 * It tells the stories DOMAIN.md is about, at scale: partners invite
 * freelancers, freelancers update their profiles (sometimes crossing a
 * threshold), complete contracts with feedback, and partners select, turn
 * down and remove them. The same seed and configuration always give the
 * same stream, byte for byte, so tests can compare a processor against a
 * replay of the very same events, and benchmarks are repeatable.
 */
#ifndef BP_GEN_H
#define BP_GEN_H

#include <stdint.h>

#include "bp_event.h"

typedef struct bp_gen_conf_s {
        uint64_t seed;
        uint32_t freelancers; /* distinct freelancer ids, >= 1 */
        uint32_t partners;    /* 1..BP_GEN_PARTNERS_MAX */
        int64_t  start_ms;    /* occurred_at of the first event */
        uint32_t step_ms;     /* mean time between events, >= 1 */
} bp_gen_conf_t;

/** How many partners the generator knows names and rules for. */
#define BP_GEN_PARTNERS_MAX 8

typedef struct bp_gen_s bp_gen_t;

/** Fills conf with defaults: seed 1, 1000 freelancers, 5 partners. */
void bp_gen_conf_defaults(bp_gen_conf_t *conf);

/** Creates a generator. NULL when conf is out of range or on ENOMEM. */
bp_gen_t *bp_gen_new(const bp_gen_conf_t *conf);

void bp_gen_destroy(bp_gen_t *gen);

/**
 * Writes the next event to *ev. Its strings and arrays belong to the
 * generator and are valid until the next call.
 */
void bp_gen_next(bp_gen_t *gen, bp_event_t *ev);

/** Name of partner i (0-based), e.g. "acme". */
const char *bp_gen_partner_name(uint32_t i);

#endif
