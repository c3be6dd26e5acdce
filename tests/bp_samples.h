/*
 * bp_samples.h - sample records with every field set, shared by the codec
 * tests and the cross-check tool, so that both exercise the same values
 * (negative and large numbers, ids beyond INT64_MAX as hashes, nulls).
 */
#ifndef BP_SAMPLES_H
#define BP_SAMPLES_H

#include "bp_badge_event.h"
#include "bp_event.h"
#include "bp_state.h"

/** Number of sample input events. */
#define BP_SAMPLE_EVENTS 8

/**
 * Sample input event i (0..BP_SAMPLE_EVENTS-1): two of each type, the
 * second of each with every optional field null and every array empty.
 * Strings are static.
 */
bp_event_t bp_sample_event(int i);

/** A sample badge event of kind (a revocation has two reasons). */
bp_badge_event_t bp_sample_badge(bp_badge_kind_t kind);

/** A new state with every member set (full) or only an id (!full),
 *  owned like bp_state.c's; free with bp_freelancer_destroy(). */
bp_freelancer_t *bp_sample_state(int full);

#endif
