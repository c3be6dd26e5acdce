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
 *
 * Memory layout, for the cache: an event touches one freelancer out of
 * many, so every separate allocation of a state is a likely cache miss.
 * A state is therefore one block: its id just before the struct (the map
 * compares it on every lookup), and small arrays inside the struct (inl)
 * until they outgrow it. The short strings states repeat (partner ids,
 * skills, certification ids) are interned (bp_intern.h): the const char *
 * members below hold an interned string or an owned heap copy, released
 * with bp_intern_free(). The arrays point into inl or to the heap; so a
 * state must never be copied by value (bp_freelancer_clone() copies one),
 * and an array is freed only when it is not the inline one.
 */
#ifndef BP_STATE_H
#define BP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_types.h"

typedef struct bp_cert_s {
        const char *certification_id; /* interned or owned */
        int64_t     expires_at;       /* BP_TIME_NONE: does not expire */
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
        /* NULL: none; else interned or owned. */
        const char *signup_partner_id;
        bp_cert_t  *certifications;
        size_t      certification_cnt;
        size_t      certification_cap;
} bp_profile_t;

/** Completed contracts tagged with one skill. */
typedef struct bp_skill_stat_s {
        const char *skill;        /* interned or owned */
        uint32_t    contracts;    /* contracts tagged with the skill */
        uint32_t    scored;       /* of those, contracts with a feedback */
        double      feedback_sum; /* sum of those feedback scores */
} bp_skill_stat_t;

/** What one partner has done about this freelancer, and the badge.
 *  Ordered so that an entry is 64 bytes: one cache line. */
typedef struct bp_partner_state_s {
        const char     *partner_id;        /* interned or owned */
        int64_t         invited_at;        /* first invitation, BP_TIME_NONE */
        int64_t         decided_at;        /* occurred_at of the decision */
        char           *decision_event_id; /* tie-break, NULL if none */
        char           *decision_reason;   /* NULL if none */
        int64_t         badge_version;     /* last published version */
        bp_decision_t   decision;          /* BP_DECISION_NONE: none yet */
        bp_decided_by_t decided_by;
        bp_basis_t      basis; /* valid when held */
        bool            invited;
        bool            held; /* badge currently held */
} bp_partner_state_t;

/* The most entries one state keeps, so that its record (the store's
 * value and the changelog's message) stays below Kafka's default
 * max.message.bytes (1048588) whatever the events hold: with every id at
 * BP_ID_MAX, every decision reason at BP_TEXT_MAX and BP_LIST_MAX
 * certifications, a state at these limits encodes to less than
 * BP_FL_MAX_RECORD_BYTES (test_state_limits builds one). An event that
 * would take a state past a limit is refused as it is, before anything
 * changes (BP_ERR_TOO_LARGE): `run` dead-letters it, the history tools
 * count it as rejected. A state is never trimmed: what the rules may need
 * is never silently dropped. */
#define BP_FL_MAX_CONTRACTS 32768
#define BP_FL_MAX_SKILLS 512
#define BP_FL_MAX_PARTNERS 256
#define BP_FL_MAX_RECORD_BYTES 1000000

/* Entries of each array that fit inside the state before it moves to the
 * heap: what most freelancers have (bench/RESULTS.md, "Engine"). */
#define BP_FL_INLINE_CERTS 2
#define BP_FL_INLINE_CONTRACTS 4
#define BP_FL_INLINE_SKILLS 2
#define BP_FL_INLINE_PARTNERS 2

typedef struct bp_freelancer_s {
        /* Set by _new(), never replaced; the start of the state's block. */
        char               *freelancer_id;
        bp_partner_state_t *partners;
        size_t              partner_cnt;
        size_t              partner_cap;
        bp_skill_stat_t    *skills;
        size_t              skill_cnt;
        size_t              skill_cap;
        uint64_t           *contract_hashes;
        size_t              contract_cnt;
        size_t              contract_cap;
        bool                has_profile;
        bp_profile_t        profile;
        /* Inline storage of the arrays while they fit: read them through
         * the pointers above, never directly. */
        struct {
                bp_partner_state_t partners[BP_FL_INLINE_PARTNERS];
                bp_skill_stat_t    skills[BP_FL_INLINE_SKILLS];
                uint64_t           contract_hashes[BP_FL_INLINE_CONTRACTS];
                bp_cert_t          certifications[BP_FL_INLINE_CERTS];
        } inl;
} bp_freelancer_t;

/** Allocates an empty state for freelancer_id (copied), its arrays empty
 *  in the inline storage. NULL on ENOMEM. */
bp_freelancer_t *bp_freelancer_new(const char *freelancer_id);

/**
 * Makes room for at least the given number of certifications (of the
 * profile), contract hashes, skills and partners, keeping the entries
 * there are; counts are not changed. For codecs, which know the counts
 * before they fill the arrays. BP_ERR_NOMEM leaves fl valid.
 */
bp_err_t bp_freelancer_reserve(bp_freelancer_t *fl, size_t certs,
                               size_t contracts, size_t skills,
                               size_t partners);

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
 * partner_id into *psp (same lifetime as above). BP_OK, BP_ERR_TOO_LARGE
 * when a new entry would pass BP_FL_MAX_PARTNERS, or BP_ERR_NOMEM; fl is
 * unchanged on error.
 */
bp_err_t bp_freelancer_partner_get(bp_freelancer_t *fl, const char *partner_id,
                                   bp_partner_state_t **psp);

/** Finds the statistics of skill, or NULL. */
const bp_skill_stat_t *bp_freelancer_skill(const bp_freelancer_t *fl,
                                           const char            *skill);

/** The stable 64-bit hash that identifies a contract id in the state. */
uint64_t bp_contract_hash(const char *contract_id);

/**
 * Records a completed contract once: returns 1 when it was new (and the
 * skill statistics were updated), 0 when contract_id was already counted,
 * BP_ERR_TOO_LARGE when a new one would pass BP_FL_MAX_CONTRACTS or
 * BP_FL_MAX_SKILLS (fl unchanged), or BP_ERR_NOMEM.
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
