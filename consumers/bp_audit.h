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

/** One discrepancy. Events point into the audit (valid until destroy). */
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

/** Copies ev (with its strings) into the expected list. BP_OK or
 *  BP_ERR_NOMEM. */
bp_err_t bp_audit_add_expected(bp_audit_t *a, const bp_badge_event_t *ev);

/** Copies ev into the published list, in read order. BP_OK or
 *  BP_ERR_NOMEM. */
bp_err_t bp_audit_add_published(bp_audit_t *a, const bp_badge_event_t *ev);

/** Classifies the differences (call once, after the adds). BP_OK or
 *  BP_ERR_NOMEM. */
bp_err_t bp_audit_compare(bp_audit_t *a);

/** Events expected, published, and published that matched exactly. */
size_t bp_audit_expected_cnt(const bp_audit_t *a);
size_t bp_audit_published_cnt(const bp_audit_t *a);
size_t bp_audit_matched_cnt(const bp_audit_t *a);

/** Discrepancies of kind found by bp_audit_compare(). */
size_t bp_audit_count(const bp_audit_t *a, bp_audit_kind_t kind);

/** All discrepancies, published ones in read order, then missing ones in
 *  expected order. */
size_t                 bp_audit_item_cnt(const bp_audit_t *a);
const bp_audit_item_t *bp_audit_item(const bp_audit_t *a, size_t i);

#endif
