/*
 * bp_state.h - the qualification state of one freelancer.
 *
 * This is the record the engine keeps per freelancer and the state store
 * persists (Avro-encoded, schema FreelancerState). It is plain data with
 * owned members so that codecs can read and build it field by field;
 * bp_freelancer_*() functions keep its invariants:
 *  - contract_hashes is sorted and unique (a contract counts once);
 *  - skills is sorted by skill name, one entry per skill;
 *  - partners is sorted by partner_id, one entry per partner the freelancer
 *    was invited by or decided on.
 *
 * Contracts are remembered by a 64-bit hash of their contract_id (FNV-1a,
 * stable across releases because it is persisted). Two distinct ids of one
 * freelancer colliding has probability about n^2 / 2^65 for n contracts,
 * which is negligible next to the memory that storing the ids would cost.
 */
#ifndef BP_STATE_H
#define BP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_types.h"

typedef struct bp_cert_s {
        char   *certification_id;
        int64_t expires_at; /* BP_TIME_NONE: does not expire */
} bp_cert_t;

/** The latest profile snapshot (valid when has_profile). */
typedef struct bp_profile_s {
        int64_t             profile_version;
        int64_t             updated_at; /* occurred_at of the snapshot */
        bp_account_status_t account_status;
        int32_t             profile_completeness;
        bp_visibility_t     visibility;
        bp_english_t        english_level;
        int32_t             job_success_score; /* BP_JSS_NONE: no score */
        bp_origin_t         origin;
        char               *signup_partner_id; /* NULL: none */
        bp_cert_t          *certifications;
        size_t              certification_cnt;
} bp_profile_t;

/** Completed contracts tagged with one skill. */
typedef struct bp_skill_stat_s {
        char    *skill;
        uint32_t contracts;    /* contracts tagged with the skill */
        uint32_t scored;       /* of those, contracts with a feedback */
        double   feedback_sum; /* sum of those feedback scores */
} bp_skill_stat_t;

/** What one partner has done about this freelancer, and the badge. */
typedef struct bp_partner_state_s {
        char           *partner_id;
        bool            invited;
        int64_t         invited_at; /* first invitation, BP_TIME_NONE */
        bp_decision_t   decision;   /* BP_DECISION_NONE: none yet */
        bp_decided_by_t decided_by;
        int64_t         decided_at;        /* occurred_at of the decision */
        char           *decision_event_id; /* tie-break, NULL if none */
        char           *decision_reason;   /* NULL if none */
        bool            held;              /* badge currently held */
        bp_basis_t      basis;             /* valid when held */
        int64_t         badge_version;     /* last published version */
} bp_partner_state_t;

typedef struct bp_freelancer_s {
        char               *freelancer_id; /* set by _new(), never replaced */
        bool                has_profile;
        bp_profile_t        profile;
        uint64_t           *contract_hashes;
        size_t              contract_cnt;
        size_t              contract_cap;
        bp_skill_stat_t    *skills;
        size_t              skill_cnt;
        size_t              skill_cap;
        bp_partner_state_t *partners;
        size_t              partner_cnt;
        size_t              partner_cap;
} bp_freelancer_t;

/** Allocates an empty state for freelancer_id (copied). NULL on ENOMEM. */
bp_freelancer_t *bp_freelancer_new(const char *freelancer_id);

/** Frees fl and everything it owns. NULL is a no-op. */
void bp_freelancer_destroy(bp_freelancer_t *fl);

/**
 * Finds the entry of partner_id, or NULL. The pointer is valid until the
 * next call that adds a partner to fl.
 */
bp_partner_state_t *bp_freelancer_partner(const bp_freelancer_t *fl,
                                          const char            *partner_id);

/**
 * Finds or creates (not invited, no decision, not held) the entry of
 * partner_id. Returns NULL on ENOMEM. Same lifetime as above.
 */
bp_partner_state_t *bp_freelancer_partner_get(bp_freelancer_t *fl,
                                              const char      *partner_id);

/** Finds the statistics of skill, or NULL. */
const bp_skill_stat_t *bp_freelancer_skill(const bp_freelancer_t *fl,
                                           const char            *skill);

/** The stable 64-bit hash that identifies a contract id in the state. */
uint64_t bp_contract_hash(const char *contract_id);

/**
 * Records a completed contract once: returns 1 when it was new (and the
 * skill statistics were updated), 0 when contract_id was already counted,
 * or BP_ERR_NOMEM.
 */
int bp_freelancer_add_contract(bp_freelancer_t *fl, const char *contract_id,
                               const char *const *skills, size_t skill_cnt,
                               bool has_feedback, double feedback_score);

struct bp_profile_updated_s;

/**
 * Replaces the profile with a copy of snapshot p taken at occurred_at.
 * The caller has checked that p is newer than the stored one. On
 * BP_ERR_NOMEM the profile is lost (has_profile false): like every engine
 * error, the caller discards the state and rewinds.
 */
bp_err_t bp_freelancer_set_profile(bp_freelancer_t                   *fl,
                                   const struct bp_profile_updated_s *p,
                                   int64_t occurred_at);

/** Deep-copies src. NULL on ENOMEM. */
bp_freelancer_t *bp_freelancer_clone(const bp_freelancer_t *src);

/** True when a and b hold the same state (used by tests and audits). */
bool bp_freelancer_equal(const bp_freelancer_t *a, const bp_freelancer_t *b);

#endif
