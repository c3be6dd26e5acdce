/*
 * bp_audit.h - the comparison behind `badgeproc audit`: the badge events
 * a replay of the inputs expects against those that were published.
 *
 * Both lists are copied in (bp_audit_add_*), then bp_audit_compare()
 * classifies every difference:
 *
 *  - UNJUSTIFIED: a published event whose event_id no expected event has
 *    (no input event, under the rules, justifies it);
 *  - MISMATCH: a published event with an expected event's id whose other
 *    fields differ (kind, versions, basis, reasons, time, rules version);
 *  - MISSING: an expected event that was never published;
 *  - DUPLICATE: a second publication of the same (freelancer, partner,
 *    badge_version); `identical` says whether it is an exact redelivery;
 *  - ORDER: a published event whose badge_version is lower than one
 *    published before it for the same (freelancer, partner), in the order
 *    the events were read (per freelancer, the topic's partition order).
 * A duplicate is only reported as such, not also as an order violation or
 * a mismatch. An event out of order still counts as published: it is
 * also matched against the expected ones.
 *
 * Events are compared on every field but cause.topic, cause.partition and
 * cause.offset, which say where the cause was read (a file line or a Kafka
 * record) rather than what it was: cause.event_id is compared, and it is
 * also part of the deterministic event_id.
 *
 * Streaming. The two lists may be added in any interleaving: a published
 * event is judged against the expected event of its own (freelancer,
 * partner, badge_version) as soon as that one is there, or when
 * bp_audit_expected_version() says it cannot come; until then it waits.
 * What is kept is per (freelancer, partner): its highest versions, the
 * versions published (16 bytes each: the version and a 64-bit hash of
 * the first publication's comparison form, which tells an exact
 * redelivery), the events of each side not matched yet, and the
 * discrepancies found (compact JSON lines). A caller that feeds expected
 * events just ahead of the published ones (cmd_audit.c) thus holds no
 * settled event. The contract that makes this exact:
 *  - expected events of a pair come in increasing badge_version, as a
 *    replay gives them (a version is matched once it was added);
 *  - a published event's event_id is the one its own freelancer, partner,
 *    badge_version and cause.event_id give (bp_badge_event_make_id), as
 *    every event the runtime or replay publishes has. One whose id was
 *    rewritten to another version's is unjustified here, where matching
 *    by id alone would call it a mismatch of that other version.
 */
#ifndef BP_AUDIT_H
#define BP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_badge_event.h"

typedef enum bp_audit_kind_e {
        BP_AUDIT_UNJUSTIFIED = 0,
        BP_AUDIT_MISMATCH,
        BP_AUDIT_MISSING,
        BP_AUDIT_DUPLICATE,
        BP_AUDIT_ORDER,
        BP_AUDIT__CNT
} bp_audit_kind_t;

/** One discrepancy, as bp_audit_item() rebuilds it: the item and its
 *  events are valid until the next bp_audit_item() call or destroy. */
typedef struct bp_audit_item_s {
        bp_audit_kind_t         kind;
        const bp_badge_event_t *published; /* NULL for MISSING */
        const bp_badge_event_t *expected;  /* MISMATCH, MISSING; else NULL */
        size_t                  published_index;  /* 0-based read order */
        int64_t                 previous_version; /* ORDER: the higher one */
        bool                    identical;        /* DUPLICATE */
} bp_audit_item_t;

typedef struct bp_audit_s bp_audit_t;

/** "unjustified", "mismatch", "missing", "duplicate", "order". */
const char *bp_audit_kind_name(bp_audit_kind_t kind);

/** Creates an empty audit. NULL on ENOMEM. */
bp_audit_t *bp_audit_new(void);

/** Frees a. NULL is a no-op. */
void bp_audit_destroy(bp_audit_t *a);

/** Adds an expected event (ev is copied as needed; see the contract
 *  above). BP_OK, or BP_ERR_NOMEM (also for an event the JSON Lines
 *  writer refuses: a NULL string, an unterminated event_id). */
bp_err_t bp_audit_add_expected(bp_audit_t *a, const bp_badge_event_t *ev);

/** Adds a published event, in read order, and judges it when its
 *  expected event is there. BP_OK or BP_ERR_NOMEM (as above). */
bp_err_t bp_audit_add_published(bp_audit_t *a, const bp_badge_event_t *ev);

/** The highest badge_version of the expected events of (freelancer_id,
 *  partner_id) added so far, 0 for none: a published event of a higher
 *  version waits until the caller adds more or calls bp_audit_compare(). */
int64_t bp_audit_expected_version(bp_audit_t *a, const char *freelancer_id,
                                  const char *partner_id);

/** Settles what still waits: published events without their expected one
 *  are unjustified, expected events never published are missing; then
 *  puts the discrepancies in report order (call once, after the adds).
 *  BP_OK or BP_ERR_NOMEM. */
bp_err_t bp_audit_compare(bp_audit_t *a);

/** What an audit holds at a point in time (its memory, in entries). */
typedef struct bp_audit_held_s {
        size_t pairs;   /* (freelancer, partner) pairs seen */
        size_t slots;   /* published versions (16 bytes each) */
        size_t pending; /* expected events no publication settled yet */
        size_t waiting; /* publications waiting for their expected one */
        size_t items;   /* discrepancies */
} bp_audit_held_t;

/** Fills *held with what a holds now. */
void bp_audit_held(const bp_audit_t *a, bp_audit_held_t *held);

/** Events expected, published, and published that matched exactly. */
size_t bp_audit_expected_cnt(const bp_audit_t *a);
size_t bp_audit_published_cnt(const bp_audit_t *a);
size_t bp_audit_matched_cnt(const bp_audit_t *a);

/** Discrepancies of kind found by bp_audit_compare(). */
size_t bp_audit_count(const bp_audit_t *a, bp_audit_kind_t kind);

/** All discrepancies (after bp_audit_compare()), published ones in read
 *  order, then missing ones in expected order. bp_audit_item() rebuilds
 *  item i from what was kept: NULL when i is out of range or on ENOMEM. */
size_t                 bp_audit_item_cnt(const bp_audit_t *a);
const bp_audit_item_t *bp_audit_item(const bp_audit_t *a, size_t i);

#endif
