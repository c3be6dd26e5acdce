/*
 * event_asserts.h - cmocka assertions that two events are equal field by
 * field (a failed assertion fails the running test).
 */
#ifndef EVENT_ASSERTS_H
#define EVENT_ASSERTS_H

#include "bp_badge_event.h"
#include "bp_event.h"

/** Input events: type, ids, time and every field of the type's body. */
void bp_assert_event_equal(const bp_event_t *a, const bp_event_t *b);

/** Badge events: every published field, cause included. */
void bp_assert_badge_equal(const bp_badge_event_t *a,
                           const bp_badge_event_t *b);

#endif
