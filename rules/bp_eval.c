/*
 * bp_eval.c - does a freelancer hold a partner's badge, and why (not)?
 *
 * A badge is held exactly while (DOMAIN.md): the partner invited the
 * freelancer, the partner's latest decision is SELECTED, the platform
 * qualifications hold (the standard table, or the new-freelancer
 * exception's subset) and the partner's own requirements hold.
 *
 * Every requirement becomes a bp_check_t with numbers, not text, so that
 * the engine's hot path formats nothing; bp_check_detail() renders text
 * for the few evaluations that are published or explained.
 */
#include <stdio.h>
#include <string.h>

#include "bp_eval.h"

/* Averages are compared with a small tolerance so that 4.6 and 4.4 average
 * to "at least 4.5" even though binary doubles sum them to 8.999...  */
#define FEEDBACK_EPSILON 1e-9

static bp_check_t *add_check(bp_evaluation_t *ev, bp_check_kind_t kind,
                             bp_check_source_t source, bp_reason_code_t code,
                             bool pass) {
        bp_check_t *c  = &ev->checks[ev->check_cnt++];
        c->kind        = kind;
        c->source      = source;
        c->code        = code;
        c->pass        = pass;
        c->value_known = true;
        c->value       = 0;
        c->threshold   = 0;
        c->requirement = NULL;
        if (!pass)
                ev->failing |= 1u << code;
        return c;
}

static void check_badge(const bp_partner_state_t *ps, bp_evaluation_t *ev) {
        bp_check_t      *c;
        bp_reason_code_t code = BP_REASON_NOT_SELECTED;

        c        = add_check(ev, BP_CHECK_INVITED, BP_SOURCE_BADGE,
                             BP_REASON_NOT_INVITED, ps->invited);
        c->value = ps->invited;

        if (ps->decision == BP_DECISION_REMOVED)
                code = ps->decided_by == BP_DECIDED_BY_PLATFORM
                           ? BP_REASON_REMOVED_BY_PLATFORM
                           : BP_REASON_REMOVED_BY_PARTNER;
        c            = add_check(ev, BP_CHECK_DECISION, BP_SOURCE_BADGE, code,
                                 ps->decision == BP_DECISION_SELECTED);
        c->value     = ps->decision;
        c->threshold = BP_DECISION_SELECTED;
}

/* With no profile snapshot yet, every profile requirement fails with an
 * unknown value: the freelancer cannot hold a badge, and explain says why. */
static void check_no_profile(const bp_platform_rules_t *pr,
                             bp_evaluation_t           *ev) {
        static const struct {
                bp_check_kind_t  kind;
                bp_reason_code_t code;
        } profile_checks[] = {
            {BP_CHECK_ACCOUNT, BP_REASON_ACCOUNT_NOT_ACTIVE},
            {BP_CHECK_JSS_PRESENT, BP_REASON_JSS_MISSING},
            {BP_CHECK_COMPLETENESS, BP_REASON_PROFILE_INCOMPLETE},
            {BP_CHECK_VISIBILITY, BP_REASON_PROFILE_NOT_PUBLIC},
            {BP_CHECK_ENGLISH, BP_REASON_ENGLISH_BELOW_MIN},
        };
        size_t i;
        for (i = 0; i < sizeof(profile_checks) / sizeof(*profile_checks); i++) {
                bp_check_t *c;
                if ((profile_checks[i].kind == BP_CHECK_ACCOUNT &&
                     !pr->require_active_account) ||
                    (profile_checks[i].kind == BP_CHECK_VISIBILITY &&
                     !pr->require_public_profile))
                        continue;
                c = add_check(ev, profile_checks[i].kind, BP_SOURCE_PLATFORM,
                              profile_checks[i].code, false);
                c->value_known = false;
        }
}

static void check_account(const bp_platform_rules_t *pr, const bp_profile_t *p,
                          bp_check_source_t src, bp_evaluation_t *ev) {
        bp_check_t *c;
        if (!pr->require_active_account)
                return;
        c = add_check(ev, BP_CHECK_ACCOUNT, src, BP_REASON_ACCOUNT_NOT_ACTIVE,
                      p->account_status == BP_ACCOUNT_ACTIVE);
        c->value     = p->account_status;
        c->threshold = BP_ACCOUNT_ACTIVE;
}

static void check_visibility(const bp_platform_rules_t *pr,
                             const bp_profile_t *p, bp_check_source_t src,
                             bp_evaluation_t *ev) {
        bp_check_t *c;
        if (!pr->require_public_profile)
                return;
        c            = add_check(ev, BP_CHECK_VISIBILITY, src,
                                 BP_REASON_PROFILE_NOT_PUBLIC,
                                 p->visibility == BP_VISIBILITY_PUBLIC);
        c->value     = p->visibility;
        c->threshold = BP_VISIBILITY_PUBLIC;
}

static void check_min(bp_evaluation_t *ev, bp_check_kind_t kind,
                      bp_check_source_t src, bp_reason_code_t code,
                      double value, double threshold) {
        bp_check_t *c = add_check(ev, kind, src, code, value >= threshold);
        c->value      = value;
        c->threshold  = threshold;
}

/* A JSS requirement: missing fails as JSS_MISSING, low as JSS_BELOW_MIN. */
static void check_jss(const bp_profile_t *p, int32_t min, bp_check_source_t src,
                      const bp_requirement_t *req, bp_evaluation_t *ev) {
        bp_check_t *c;
        if (p->job_success_score == BP_JSS_NONE) {
                c              = add_check(ev, BP_CHECK_JSS_PRESENT, src,
                                           BP_REASON_JSS_MISSING, false);
                c->value_known = false;
                c->threshold   = min;
        } else {
                c            = add_check(ev, BP_CHECK_JSS_MIN, src,
                                         BP_REASON_JSS_BELOW_MIN,
                                         p->job_success_score >= min);
                c->value     = p->job_success_score;
                c->threshold = min;
        }
        c->requirement = req;
}

static void check_standard(const bp_platform_rules_t *pr, const bp_profile_t *p,
                           bp_evaluation_t *ev) {
        int32_t min_complete = p->origin == BP_ORIGIN_ELANCE
                                   ? pr->min_profile_completeness_elance
                                   : pr->min_profile_completeness;

        check_account(pr, p, BP_SOURCE_PLATFORM, ev);
        check_jss(p, pr->min_job_success_score, BP_SOURCE_PLATFORM, NULL, ev);
        check_min(ev, BP_CHECK_COMPLETENESS, BP_SOURCE_PLATFORM,
                  BP_REASON_PROFILE_INCOMPLETE, p->profile_completeness,
                  min_complete);
        check_visibility(pr, p, BP_SOURCE_PLATFORM, ev);
        check_min(ev, BP_CHECK_ENGLISH, BP_SOURCE_PLATFORM,
                  BP_REASON_ENGLISH_BELOW_MIN, p->english_level,
                  pr->min_english_level);
}

/* The exception asks for an active account, a public profile and a
 * complete profile (the platform's standard completeness, not the Elance
 * one: a freelancer the partner brought in is not an Elance import). */
static void check_exception(const bp_platform_rules_t *pr,
                            const bp_profile_t *p, bp_evaluation_t *ev) {
        check_account(pr, p, BP_SOURCE_EXCEPTION, ev);
        check_min(ev, BP_CHECK_COMPLETENESS, BP_SOURCE_EXCEPTION,
                  BP_REASON_PROFILE_INCOMPLETE, p->profile_completeness,
                  pr->min_profile_completeness);
        check_visibility(pr, p, BP_SOURCE_EXCEPTION, ev);
}

static bool cert_valid_at(const bp_cert_t *cert, int64_t at) {
        return cert->expires_at == BP_TIME_NONE || cert->expires_at > at;
}

static void check_certification(const bp_freelancer_t  *fl,
                                const bp_requirement_t *req, int64_t at,
                                bp_evaluation_t *ev) {
        size_t      valid = 0, expired = 0, i, j;
        bp_check_t *c;

        for (i = 0; fl->has_profile && i < fl->profile.certification_cnt; i++) {
                const bp_cert_t *cert = &fl->profile.certifications[i];
                for (j = 0; j < req->u.certification.any_of_cnt; j++) {
                        if (strcmp(cert->certification_id,
                                   req->u.certification.any_of[j]) != 0)
                                continue;
                        if (cert_valid_at(cert, at))
                                valid++;
                        else
                                expired++;
                        break;
                }
        }
        c            = add_check(ev, BP_CHECK_CERTIFICATION, BP_SOURCE_PARTNER,
                                 BP_REASON_CERTIFICATION_MISSING, valid > 0);
        c->value     = (double)valid;
        c->threshold = (double)expired; /* shown as "(N expired)" */
        c->requirement = req;
}

static void check_contracts(const bp_freelancer_t  *fl,
                            const bp_requirement_t *req, bp_evaluation_t *ev) {
        const bp_skill_stat_t *st =
            bp_freelancer_skill(fl, req->u.contracts.skill);
        bp_check_t *c;

        check_min(ev, BP_CHECK_CONTRACTS, BP_SOURCE_PARTNER,
                  BP_REASON_CONTRACTS_BELOW_MIN, st ? st->contracts : 0,
                  req->u.contracts.min);
        ev->checks[ev->check_cnt - 1].requirement = req;
        if (!req->u.contracts.has_min_feedback)
                return;
        if (!st || st->scored == 0) {
                c = add_check(ev, BP_CHECK_FEEDBACK, BP_SOURCE_PARTNER,
                              BP_REASON_FEEDBACK_BELOW_MIN, false);
                c->value_known = false;
        } else {
                double avg = st->feedback_sum / st->scored;
                c          = add_check(ev, BP_CHECK_FEEDBACK, BP_SOURCE_PARTNER,
                                       BP_REASON_FEEDBACK_BELOW_MIN,
                                       avg + FEEDBACK_EPSILON >=
                                           req->u.contracts.min_feedback);
                c->value   = avg;
        }
        c->threshold   = req->u.contracts.min_feedback;
        c->requirement = req;
}

static void check_partner(const bp_partner_rules_t *prules,
                          const bp_freelancer_t *fl, int64_t at,
                          bp_evaluation_t *ev) {
        size_t i;
        for (i = 0; i < prules->requirement_cnt; i++) {
                const bp_requirement_t *req = &prules->requirements[i];
                switch (req->type) {
                case BP_REQ_CERTIFICATION:
                        check_certification(fl, req, at, ev);
                        break;
                case BP_REQ_CONTRACTS:
                        check_contracts(fl, req, ev);
                        break;
                case BP_REQ_JOB_SUCCESS_SCORE:
                        if (fl->has_profile) {
                                check_jss(&fl->profile,
                                          req->u.job_success_score.min,
                                          BP_SOURCE_PARTNER, req, ev);
                        } else {
                                bp_check_t *c = add_check(
                                    ev, BP_CHECK_JSS_PRESENT, BP_SOURCE_PARTNER,
                                    BP_REASON_JSS_MISSING, false);
                                c->value_known = false;
                                c->threshold   = req->u.job_success_score.min;
                                c->requirement = req;
                        }
                        break;
                }
        }
}

/* The exception applies to the partner whose invitation brought the
 * freelancer to the platform, until the freelancer has a JSS. */
static bool exception_applies(const bp_partner_rules_t *prules,
                              const bp_freelancer_t    *fl,
                              const bp_partner_state_t *ps) {
        const bp_profile_t *p = &fl->profile;
        if (prules && !prules->new_freelancer_exception)
                return false;
        return fl->has_profile && p->job_success_score == BP_JSS_NONE &&
               p->signup_partner_id &&
               strcmp(p->signup_partner_id, ps->partner_id) == 0;
}

void bp_eval_partner(const bp_rules_t *rules, const bp_partner_rules_t *prules,
                     const bp_freelancer_t *fl, const bp_partner_state_t *ps,
                     int64_t at, bp_evaluation_t *out) {
        const bp_platform_rules_t *pr = &rules->platform;

        out->check_cnt = 0;
        out->failing   = 0;
        out->at        = at;
        out->basis     = BP_BASIS_STANDARD;

        check_badge(ps, out);
        if (!fl->has_profile) {
                check_no_profile(pr, out);
        } else if (exception_applies(prules, fl, ps)) {
                out->basis = BP_BASIS_NEW_FREELANCER_EXCEPTION;
                check_exception(pr, &fl->profile, out);
        } else {
                check_standard(pr, &fl->profile, out);
        }
        if (prules)
                check_partner(prules, fl, at, out);
        out->holds = out->failing == 0;
}
