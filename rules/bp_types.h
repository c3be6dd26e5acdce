/*
 * bp_types.h - the enumerations of the event contract and their names.
 *
 * Each enum mirrors an Avro enum of EVENTS.md and the strings used in the
 * JSON Lines form. The order of the values is part of the contract where
 * it says so: english levels are ordered from weakest to strongest, and
 * reason codes are ordered exactly as DOMAIN.md lists them, which is the
 * order in which a revocation reports them.
 *
 * The *_name() functions return static strings; the *_parse() functions
 * take a NUL-terminated name and return 0 with *out set, or -1 when the
 * name is not one of the enum's symbols (case-sensitive, as in Avro).
 */
#ifndef BP_TYPES_H
#define BP_TYPES_H

#include <stdint.h>

/** Event time in milliseconds since the epoch (UTC); a missing time. */
#define BP_TIME_NONE INT64_MIN
/** A missing Job Success Score (JSON null, Avro null branch). */
#define BP_JSS_NONE (-1)

typedef enum bp_event_type_e {
        BP_EV_PROFILE_UPDATED = 0,
        BP_EV_CONTRACT_COMPLETED,
        BP_EV_INVITATION_SENT,
        BP_EV_PARTNER_DECISION,
        BP_EV__CNT
} bp_event_type_t;

typedef enum bp_account_status_e {
        BP_ACCOUNT_ACTIVE = 0,
        BP_ACCOUNT_SUSPENDED,
        BP_ACCOUNT_CLOSED,
        BP_ACCOUNT__CNT
} bp_account_status_t;

typedef enum bp_visibility_e {
        BP_VISIBILITY_PUBLIC = 0,
        BP_VISIBILITY_UPWORK_ONLY,
        BP_VISIBILITY_PRIVATE,
        BP_VISIBILITY__CNT
} bp_visibility_t;

/* Ordered: a level "or better" compares with >=. */
typedef enum bp_english_e {
        BP_ENGLISH_NONE = 0,
        BP_ENGLISH_BASIC,
        BP_ENGLISH_CONVERSATIONAL,
        BP_ENGLISH_FLUENT,
        BP_ENGLISH_NATIVE,
        BP_ENGLISH__CNT
} bp_english_t;

typedef enum bp_origin_e {
        BP_ORIGIN_NATIVE = 0,
        BP_ORIGIN_ELANCE,
        BP_ORIGIN__CNT
} bp_origin_t;

/* BP_DECISION_NONE is internal: no decision has been received yet. */
typedef enum bp_decision_e {
        BP_DECISION_SELECTED = 0,
        BP_DECISION_NOT_SELECTED,
        BP_DECISION_REMOVED,
        BP_DECISION__CNT,
        BP_DECISION_NONE = BP_DECISION__CNT
} bp_decision_t;

typedef enum bp_decided_by_e {
        BP_DECIDED_BY_PARTNER = 0,
        BP_DECIDED_BY_PLATFORM,
        BP_DECIDED_BY__CNT
} bp_decided_by_t;

typedef enum bp_basis_e {
        BP_BASIS_STANDARD = 0,
        BP_BASIS_NEW_FREELANCER_EXCEPTION,
        BP_BASIS__CNT
} bp_basis_t;

/* In DOMAIN.md's order, which is the order of a revocation's reasons. */
typedef enum bp_reason_code_e {
        BP_REASON_NOT_INVITED = 0,
        BP_REASON_NOT_SELECTED,
        BP_REASON_REMOVED_BY_PARTNER,
        BP_REASON_REMOVED_BY_PLATFORM,
        BP_REASON_ACCOUNT_NOT_ACTIVE,
        BP_REASON_JSS_MISSING,
        BP_REASON_JSS_BELOW_MIN,
        BP_REASON_PROFILE_INCOMPLETE,
        BP_REASON_PROFILE_NOT_PUBLIC,
        BP_REASON_ENGLISH_BELOW_MIN,
        BP_REASON_CERTIFICATION_MISSING,
        BP_REASON_CONTRACTS_BELOW_MIN,
        BP_REASON_FEEDBACK_BELOW_MIN,
        BP_REASON__CNT
} bp_reason_code_t;

typedef enum bp_badge_kind_e {
        BP_BADGE_GRANTED = 0,
        BP_BADGE_REVOKED,
        BP_BADGE__CNT
} bp_badge_kind_t;

/* Topic-style names: "profile-updated", "contract-completed", ... */
const char *bp_event_type_name(bp_event_type_t t);
int         bp_event_type_parse(const char *s, bp_event_type_t *out);

const char *bp_account_status_name(bp_account_status_t v);
int         bp_account_status_parse(const char *s, bp_account_status_t *out);

const char *bp_visibility_name(bp_visibility_t v);
int         bp_visibility_parse(const char *s, bp_visibility_t *out);

const char *bp_english_name(bp_english_t v);
int         bp_english_parse(const char *s, bp_english_t *out);

const char *bp_origin_name(bp_origin_t v);
int         bp_origin_parse(const char *s, bp_origin_t *out);

/* BP_DECISION_NONE is named "NONE" but is not accepted by the parser. */
const char *bp_decision_name(bp_decision_t v);
int         bp_decision_parse(const char *s, bp_decision_t *out);

const char *bp_decided_by_name(bp_decided_by_t v);
int         bp_decided_by_parse(const char *s, bp_decided_by_t *out);

const char *bp_basis_name(bp_basis_t v);
int         bp_basis_parse(const char *s, bp_basis_t *out);

const char *bp_reason_code_name(bp_reason_code_t v);
int         bp_reason_code_parse(const char *s, bp_reason_code_t *out);

/* "badge-granted", "badge-revoked" */
const char *bp_badge_kind_name(bp_badge_kind_t v);
int         bp_badge_kind_parse(const char *s, bp_badge_kind_t *out);

#endif
