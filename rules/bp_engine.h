/*
 * bp_engine.h - apply one event to one freelancer and publish what changed.
 *
 * The engine is stateless between calls: the caller owns the freelancer
 * states (an in-memory map for replay, LMDB plus a cache for the runtime)
 * and the rules. Applying an event:
 *   1. updates fl, idempotently and stale-aware (a duplicate or stale
 *      event leaves fl unchanged);
 *   2. re-evaluates fl's partners only, at the event's occurred_at;
 *   3. for each partner whose badge started or stopped being held, bumps
 *      badge_version and appends a badge event to out.
 */
#ifndef BP_ENGINE_H
#define BP_ENGINE_H

#include <stdbool.h>

#include "bp_badge_event.h"
#include "bp_event.h"
#include "bp_rules.h"
#include "bp_state.h"

/**
 * Applies ev (already checked with bp_event_check()) to fl, whose
 * freelancer_id must equal ev->freelancer_id. cause is copied into the
 * badge events. *changed (may be NULL) says whether fl was modified, so
 * the runtime knows which records to persist.
 *
 * Returns BP_OK; BP_ERR_TOO_LARGE when the event would take fl past a
 * limit of bp_state.h (fl and out unchanged: the event is refused, see
 * bp_engine_refusal()); or BP_ERR_NOMEM, after which fl may hold a
 * partial update and the caller must discard it (the runtime rewinds the
 * batch).
 */
bp_err_t bp_engine_apply(const bp_rules_t *rules, bp_freelancer_t *fl,
                         const bp_event_t *ev, const bp_cause_t *cause,
                         bp_badge_events_t *out, bool *changed);

/**
 * Says why bp_engine_apply() refused ev for fl (BP_ERR_TOO_LARGE), in
 * words for a dead-letter header or a tool's rejection line.
 */
void bp_engine_refusal(const bp_freelancer_t *fl, const bp_event_t *ev,
                       char *buf, size_t size);

/**
 * Re-evaluates every partner of fl at time at under rules (after a rules
 * change) and publishes the grants and revocations that result, with
 * cause as their cause. *changed as above.
 */
bp_err_t bp_engine_reevaluate(const bp_rules_t *rules, bp_freelancer_t *fl,
                              int64_t at, const bp_cause_t *cause,
                              bp_badge_events_t *out, bool *changed);

#endif
