/*
 * bp_engine.c - apply an event, re-evaluate, publish what changed.
 *
 * Idempotence comes from the state itself rather than from a set of seen
 * event ids: a profile snapshot applies only if its profile_version is
 * newer, a contract only if its contract_id is new, an invitation only the
 * first time (or when it is older than the one recorded), and a decision
 * only if it is later in (occurred_at, event_id) order than the recorded
 * one. A redelivered event therefore changes nothing, and since only an
 * event that changed the state triggers an evaluation, it publishes
 * nothing either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_engine.h"
#include "bp_eval.h"

/* Sets *dst to a copy of src (NULL allowed), reusing *dst's memory when
 * the new text fits: decisions replace these strings often. */
static bp_err_t replace_str(char **dst, const char *src) {
        char *copy = NULL;
        if (src && *dst && strlen(*dst) >= strlen(src)) {
                strcpy(*dst, src);
                return BP_OK;
        }
        if (src && !(copy = strdup(src)))
                return BP_ERR_NOMEM;
        free(*dst);
        *dst = copy;
        return BP_OK;
}

static bp_err_t apply_profile(bp_freelancer_t *fl, const bp_event_t *ev,
                              bool *changed) {
        const bp_profile_updated_t *p = &ev->u.profile;
        bp_err_t                    err;
        if (fl->has_profile &&
            p->profile_version <= fl->profile.profile_version)
                return BP_OK; /* stale or duplicate snapshot */
        if ((err = bp_freelancer_set_profile(fl, p, ev->occurred_at)))
                return err;
        *changed = true;
        return BP_OK;
}

static bp_err_t apply_contract(bp_freelancer_t *fl, const bp_event_t *ev,
                               bool *changed) {
        const bp_contract_completed_t *c = &ev->u.contract;
        int r = bp_freelancer_add_contract(fl, c->contract_id, c->skills,
                                           c->skill_cnt, c->has_feedback_score,
                                           c->feedback_score);
        if (r < 0)
                return (bp_err_t)r;
        *changed = r == 1;
        return BP_OK;
}

static bp_err_t apply_invitation(bp_freelancer_t *fl, const bp_event_t *ev,
                                 bool *changed) {
        bp_partner_state_t *ps;
        bp_err_t            err =
            bp_freelancer_partner_get(fl, ev->u.invitation.partner_id, &ps);
        if (err)
                return err;
        /* Keep the earliest invitation time, so the state does not depend
         * on the order in which invitations arrive. */
        if (ps->invited && ps->invited_at <= ev->occurred_at)
                return BP_OK;
        ps->invited    = true;
        ps->invited_at = ev->occurred_at;
        *changed       = true;
        return BP_OK;
}

/* Is (at, event_id) later than the recorded decision? Ties on time are
 * broken by event_id so the outcome never depends on arrival order. */
static bool decision_is_newer(const bp_partner_state_t *ps, int64_t at,
                              const char *event_id) {
        if (ps->decision == BP_DECISION_NONE || at > ps->decided_at)
                return true;
        if (at < ps->decided_at)
                return false;
        return strcmp(event_id,
                      ps->decision_event_id ? ps->decision_event_id : "") > 0;
}

static bp_err_t apply_decision(bp_freelancer_t *fl, const bp_event_t *ev,
                               bool *changed) {
        const bp_partner_decision_t *d = &ev->u.decision;
        bp_partner_state_t          *ps;
        bp_err_t                     err;

        if ((err = bp_freelancer_partner_get(fl, d->partner_id, &ps)))
                return err;
        if (!decision_is_newer(ps, ev->occurred_at, ev->event_id))
                return BP_OK; /* late older decision, or a duplicate */
        if ((err = replace_str(&ps->decision_event_id, ev->event_id)) ||
            (err = replace_str(&ps->decision_reason, d->reason)))
                return err;
        ps->decision   = d->decision;
        ps->decided_by = d->decided_by;
        ps->decided_at = ev->occurred_at;
        *changed       = true;
        return BP_OK;
}

/* Fills the revocation's reasons: one per failing code, in code order,
 * the details of the checks that share a code joined by "; ". */
static void fill_reasons(const bp_evaluation_t    *eval,
                         const bp_partner_state_t *ps, bp_badge_event_t *out) {
        int    code;
        size_t i;
        for (code = 0; code < BP_REASON__CNT; code++) {
                bp_reason_t *r;
                size_t       used = 0;
                if (!(eval->failing & (1u << code)))
                        continue;
                r            = &out->reasons[out->reason_cnt++];
                r->code      = (bp_reason_code_t)code;
                r->detail[0] = '\0';
                for (i = 0; i < eval->check_cnt; i++) {
                        const bp_check_t *c = &eval->checks[i];
                        int               n;
                        if (c->pass || (int)c->code != code)
                                continue;
                        if (used && used + 2 < sizeof(r->detail)) {
                                memcpy(r->detail + used, "; ", 3);
                                used += 2;
                        }
                        n = bp_check_detail(c, ps, r->detail + used,
                                            sizeof(r->detail) - used);
                        if (n < 0)
                                continue;
                        used += (size_t)n;
                        if (used >= sizeof(r->detail) - 1) {
                                used = sizeof(r->detail) - 1;
                                break; /* truncated, still NUL-terminated */
                        }
                }
        }
}

static const char *badge_id_of(const bp_partner_rules_t *prules,
                               const char *partner_id, bp_arena_t *arena) {
        size_t len;
        char  *id;
        if (prules && prules->badge_id)
                return bp_arena_strdup(arena, prules->badge_id);
        len = strlen(partner_id);
        id  = bp_arena_alloc(arena, len + sizeof("-expert"));
        if (id) {
                memcpy(id, partner_id, len);
                memcpy(id + len, "-expert", sizeof("-expert"));
        }
        return id;
}

/* Copies the cause's strings so the event outlives the input record. */
static bp_err_t copy_cause(bp_cause_t *dst, const bp_cause_t *src,
                           bp_arena_t *arena) {
        *dst = *src;
        if ((src->event_id &&
             !(dst->event_id = bp_arena_strdup(arena, src->event_id))) ||
            (src->topic && !(dst->topic = bp_arena_strdup(arena, src->topic))))
                return BP_ERR_NOMEM;
        return BP_OK;
}

static bp_err_t publish(const bp_rules_t         *rules,
                        const bp_partner_rules_t *prules,
                        const bp_freelancer_t *fl, const bp_partner_state_t *ps,
                        const bp_evaluation_t *eval, const bp_cause_t *cause,
                        bp_badge_events_t *out) {
        bp_badge_event_t *be = bp_badge_events_push(out);
        if (!be)
                return BP_ERR_NOMEM;
        be->kind          = ps->held ? BP_BADGE_GRANTED : BP_BADGE_REVOKED;
        be->freelancer_id = bp_arena_strdup(out->arena, fl->freelancer_id);
        be->partner_id    = bp_arena_strdup(out->arena, ps->partner_id);
        be->badge_id      = badge_id_of(prules, ps->partner_id, out->arena);
        be->rules_version = bp_arena_strdup(out->arena, rules->version);
        be->occurred_at   = eval->at;
        be->badge_version = ps->badge_version;
        be->basis         = eval->basis;
        if (!be->freelancer_id || !be->partner_id || !be->badge_id ||
            !be->rules_version || copy_cause(&be->cause, cause, out->arena)) {
                out->cnt--;
                return BP_ERR_NOMEM;
        }
        if (be->kind == BP_BADGE_REVOKED)
                fill_reasons(eval, ps, be);
        bp_badge_event_make_id(be);
        return BP_OK;
}

/* Evaluates every partner of fl at time at; publishes and records each
 * change of the held state. */
static bp_err_t evaluate_partners(const bp_rules_t *rules, bp_freelancer_t *fl,
                                  int64_t at, const bp_cause_t *cause,
                                  bp_badge_events_t *out, bool *changed) {
        bp_evaluation_t eval;
        size_t          i;
        bp_err_t        err;

        for (i = 0; i < fl->partner_cnt; i++) {
                bp_partner_state_t       *ps = &fl->partners[i];
                const bp_partner_rules_t *prules;

                /* Most pairs are invitations nobody acted on yet, or
                 * decisions against: not held and cannot be, whatever the
                 * profile says, so the full evaluation would change
                 * nothing. */
                if (!ps->held &&
                    (!ps->invited || ps->decision != BP_DECISION_SELECTED))
                        continue;
                prules = bp_rules_partner(rules, ps->partner_id);
                bp_eval_partner(rules, prules, fl, ps, at, &eval);
                if (eval.holds == ps->held) {
                        /* Still held, possibly on another basis now (the
                         * exception ends when a JSS arrives): no event. */
                        if (ps->held && ps->basis != eval.basis) {
                                ps->basis = eval.basis;
                                *changed  = true;
                        }
                        continue;
                }
                ps->held  = eval.holds;
                ps->basis = eval.holds ? eval.basis : BP_BASIS_STANDARD;
                ps->badge_version++;
                *changed = true;
                if ((err = publish(rules, prules, fl, ps, &eval, cause, out)))
                        return err;
        }
        return BP_OK;
}

bp_err_t bp_engine_apply(const bp_rules_t *rules, bp_freelancer_t *fl,
                         const bp_event_t *ev, const bp_cause_t *cause,
                         bp_badge_events_t *out, bool *changed) {
        bool     state_changed = false;
        bp_err_t err;

        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED:
                err = apply_profile(fl, ev, &state_changed);
                break;
        case BP_EV_CONTRACT_COMPLETED:
                err = apply_contract(fl, ev, &state_changed);
                break;
        case BP_EV_INVITATION_SENT:
                err = apply_invitation(fl, ev, &state_changed);
                break;
        case BP_EV_PARTNER_DECISION:
                err = apply_decision(fl, ev, &state_changed);
                break;
        default:
                err = BP_ERR_INVALID;
                break;
        }
        if (!err && state_changed)
                err = evaluate_partners(rules, fl, ev->occurred_at, cause, out,
                                        &state_changed);
        if (changed)
                *changed = state_changed;
        return err;
}

void bp_engine_refusal(const bp_freelancer_t *fl, const bp_event_t *ev,
                       char *buf, size_t size) {
        if (ev->type == BP_EV_CONTRACT_COMPLETED &&
            fl->contract_cnt >= BP_FL_MAX_CONTRACTS)
                snprintf(buf, size,
                         "state limit: freelancer already has %zu contracts, "
                         "the most one state keeps (%d)",
                         fl->contract_cnt, BP_FL_MAX_CONTRACTS);
        else if (ev->type == BP_EV_CONTRACT_COMPLETED)
                snprintf(buf, size,
                         "state limit: the contract's new skills would give "
                         "the freelancer more than %d skills (%zu now)",
                         BP_FL_MAX_SKILLS, fl->skill_cnt);
        else
                snprintf(buf, size,
                         "state limit: a new partner would give the "
                         "freelancer more than %d partners",
                         BP_FL_MAX_PARTNERS);
}

bp_err_t bp_engine_reevaluate(const bp_rules_t *rules, bp_freelancer_t *fl,
                              int64_t at, const bp_cause_t *cause,
                              bp_badge_events_t *out, bool *changed) {
        bool     state_changed = false;
        bp_err_t err =
            evaluate_partners(rules, fl, at, cause, out, &state_changed);
        if (changed)
                *changed = state_changed;
        return err;
}
