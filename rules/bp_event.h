/*
 * bp_event.h - an input event as the engine sees it.
 *
 * The four input topics of EVENTS.md are decoded (from Avro or from the
 * JSON Lines form) into one tagged struct. Every pointer in it is
 * borrowed: the decoder that filled it owns the strings and arrays and
 * says how long they live (typically until its next decode call). The
 * engine copies whatever it keeps, so an event may be discarded as soon
 * as bp_engine_apply() returns.
 *
 * bp_event_check() is the one place where field ranges are enforced, so
 * that every decoder rejects the same values with the same message.
 */
#ifndef BP_EVENT_H
#define BP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_types.h"

/** A certification on a profile snapshot. */
typedef struct bp_event_cert_s {
        const char *certification_id;
        int64_t     expires_at; /* BP_TIME_NONE: does not expire */
} bp_event_cert_t;

typedef struct bp_profile_updated_s {
        int64_t                profile_version;
        bp_account_status_t    account_status;
        int32_t                profile_completeness; /* 0..100 */
        bp_visibility_t        visibility;
        bp_english_t           english_level;
        int32_t                job_success_score; /* 0..100, BP_JSS_NONE */
        bp_origin_t            origin;
        const char            *signup_partner_id; /* NULL: none */
        const bp_event_cert_t *certifications;
        size_t                 certification_cnt;
} bp_profile_updated_t;

typedef struct bp_contract_completed_s {
        const char        *contract_id;
        const char *const *skills;
        size_t             skill_cnt;
        bool               has_feedback_score;
        double             feedback_score; /* 1.0..5.0 when present */
} bp_contract_completed_t;

typedef struct bp_invitation_sent_s {
        const char *invitation_id;
        const char *partner_id;
} bp_invitation_sent_t;

typedef struct bp_partner_decision_s {
        const char     *partner_id;
        bp_decision_t   decision; /* never BP_DECISION_NONE */
        bp_decided_by_t decided_by;
        const char     *reason; /* NULL: none */
} bp_partner_decision_t;

typedef struct bp_event_s {
        bp_event_type_t type;
        const char     *event_id;
        const char     *freelancer_id;
        int64_t         occurred_at;
        union {
                bp_profile_updated_t    profile;
                bp_contract_completed_t contract;
                bp_invitation_sent_t    invitation;
                bp_partner_decision_t   decision;
        } u;
} bp_event_t;

/** Where an event was read from: copied into every badge event it causes.
 *  For JSON Lines input, topic is the event type, partition 0 and offset
 *  the 0-based line number. Strings are borrowed like the event's. */
typedef struct bp_cause_s {
        const char *event_id;
        const char *topic;
        int32_t     partition;
        int64_t     offset;
} bp_cause_t;

/** Longest id (event, freelancer, partner, contract, ...) accepted, in
 *  bytes. Longer ids are rejected by bp_event_check(). */
#define BP_ID_MAX 256
/** Longest free text (a decision's reason) accepted, in bytes. */
#define BP_TEXT_MAX 1024
/** Most certifications on one profile, skills on one contract. */
#define BP_LIST_MAX 256

/**
 * Checks that ev respects EVENTS.md: ids present, non-empty and at most
 * BP_ID_MAX bytes, enums in range, completeness and JSS in 0..100, feedback
 * in 1.0..5.0, lists at most BP_LIST_MAX long, occurred_at present.
 *
 * Returns BP_OK, or BP_ERR_INVALID with a message naming the field written
 * to errstr ("profile_completeness 140 out of range 0..100").
 */
bp_err_t bp_event_check(const bp_event_t *ev, char *errstr, size_t errstr_size);

#endif
