/*
 * bp_eval.h - evaluation of one (freelancer, partner) pair.
 *
 * bp_eval_partner() decides whether the badge is held at a given time and
 * records every requirement it checked, with the value seen and the
 * threshold, as numbers: rendering a human detail ("jss 75 < 80") is left
 * to bp_check_detail(), which only revocations and explanations need. That
 * keeps the hot path free of string formatting.
 *
 * The evaluation is a pure function of the state, the rules and the time:
 * no I/O, no allocation.
 */
#ifndef BP_EVAL_H
#define BP_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_rules.h"
#include "bp_state.h"

/** What a check looked at. */
typedef enum bp_check_kind_e {
        BP_CHECK_INVITED = 0,
        BP_CHECK_DECISION,
        BP_CHECK_ACCOUNT,
        BP_CHECK_JSS_PRESENT,
        BP_CHECK_JSS_MIN,
        BP_CHECK_COMPLETENESS,
        BP_CHECK_VISIBILITY,
        BP_CHECK_ENGLISH,
        BP_CHECK_CERTIFICATION,
        BP_CHECK_CONTRACTS,
        BP_CHECK_FEEDBACK,
        BP_CHECK__CNT
} bp_check_kind_t;

/** Which rule asked for the check. */
typedef enum bp_check_source_e {
        BP_SOURCE_BADGE = 0, /* invitation and decision */
        BP_SOURCE_PLATFORM,  /* the platform table */
        BP_SOURCE_EXCEPTION, /* the new-freelancer exception's subset */
        BP_SOURCE_PARTNER    /* the partner's own requirements */
} bp_check_source_t;

typedef struct bp_check_s {
        bp_check_kind_t   kind;
        bp_check_source_t source;
        bp_reason_code_t  code; /* the reason reported when it fails */
        bool              pass;
        /* Numeric view: meaning depends on kind (an enum value, a score, a
         * count, an average). value_known is false when the state has no
         * value (no profile yet, no scored contract). */
        bool   value_known;
        double value;
        double threshold;
        /* The requirement behind a partner check, NULL otherwise; borrowed
         * from the rules. */
        const bp_requirement_t *requirement;
} bp_check_t;

/** Room for a list of certification ids inside a detail. */
#define BP_DETAIL_LIST_SIZE 128

/** Most checks one evaluation can hold. */
#define BP_EVAL_CHECK_MAX (16 + 2 * BP_RULES_REQ_MAX)

typedef struct bp_evaluation_s {
        bool       holds;
        bp_basis_t basis; /* which table applied (meaningful if a profile) */
        int64_t    at;    /* the time certifications were judged at */
        size_t     check_cnt;
        bp_check_t checks[BP_EVAL_CHECK_MAX];
        /* Bit i set: reason code i fails (bit order = report order). */
        uint32_t failing;
} bp_evaluation_t;

/**
 * Evaluates the badge of partner ps for fl at time at (milliseconds; the
 * occurred_at of the event being applied). prules may be NULL when the
 * partner has no rules file. Fills *out completely.
 */
void bp_eval_partner(const bp_rules_t *rules, const bp_partner_rules_t *prules,
                     const bp_freelancer_t *fl, const bp_partner_state_t *ps,
                     int64_t at, bp_evaluation_t *out);

/**
 * Writes a one-line human description of check c ("jss 75 < 80",
 * "2 contracts with skill acme-crm < 3") to buf (always NUL-terminated).
 * ps gives the decision reason for removals. Returns the length that the
 * full text needs, like snprintf.
 */
int bp_check_detail(const bp_check_t *c, const bp_partner_state_t *ps,
                    char *buf, size_t size);

#endif
