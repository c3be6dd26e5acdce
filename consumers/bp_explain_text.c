/*
 * bp_explain_text.c - the explanation as text for support staff.
 *
 * One block per event: a line with the time (UTC), the type, the event id
 * and where it was read; a line saying what it said; then per partner the
 * outcome and a table of every requirement (pass/FAIL, the requirement,
 * the rule that asked for it, the value seen, the value required, and a
 * sentence). Columns are fixed widths so that blocks line up when read
 * one after another; a value longer than its column pushes the rest of
 * its line to the right rather than being cut.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bp_eval_json.h"
#include "bp_explain_int.h"
#include "bp_time.h"

bp_err_t bp_explain_text_header(const bp_explain_t *x, bp_buf_t *out) {
        return bp_buf_printf(
            out, "Freelancer %s%s%s, rules %s, events from %s\n",
            x->conf.freelancer_id, x->conf.partner_id ? ", partner " : "",
            x->conf.partner_id ? x->conf.partner_id : "",
            x->conf.rules->version, x->conf.source_name);
}

static bp_err_t describe_profile(const bp_profile_updated_t *p, bp_buf_t *out) {
        char     t[BP_TIME_TEXT_SIZE];
        size_t   i;
        bp_err_t err;

        err = bp_buf_printf(
            out, "profile v%" PRId64 ": %s, %d%% complete, %s, english %s, ",
            p->profile_version, bp_account_status_name(p->account_status),
            (int)p->profile_completeness, bp_visibility_name(p->visibility),
            bp_english_name(p->english_level));
        if (!err && p->job_success_score == BP_JSS_NONE)
                err = bp_buf_append_str(out, "no jss");
        else if (!err)
                err = bp_buf_printf(out, "jss %d", (int)p->job_success_score);
        if (!err && p->origin == BP_ORIGIN_ELANCE)
                err = bp_buf_append_str(out, ", from Elance");
        if (!err && p->signup_partner_id)
                err = bp_buf_printf(out, ", joined through %s",
                                    p->signup_partner_id);
        for (i = 0; !err && i < p->certification_cnt; i++) {
                const bp_event_cert_t *c = &p->certifications[i];
                err = bp_buf_printf(out, "%s%s", i ? ", " : "; certified ",
                                    c->certification_id);
                if (!err && c->expires_at != BP_TIME_NONE)
                        err = bp_buf_printf(
                            out, " (until %s)",
                            bp_time_format(c->expires_at, t, sizeof(t)));
        }
        return err;
}

/* One line saying what the event said. */
static bp_err_t describe(const bp_event_t *ev, bp_buf_t *out) {
        const bp_contract_completed_t *c = &ev->u.contract;
        const bp_partner_decision_t   *d = &ev->u.decision;
        size_t                         i;
        bp_err_t                       err = bp_buf_append_str(out, "  ");

        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED:
                err = err ? err : describe_profile(&ev->u.profile, out);
                break;
        case BP_EV_CONTRACT_COMPLETED:
                err = err ? err
                          : bp_buf_printf(out, "contract %s completed, skills",
                                          c->contract_id);
                for (i = 0; !err && i < c->skill_cnt; i++)
                        err = bp_buf_printf(out, "%s %s", i ? "," : "",
                                            c->skills[i]);
                if (!err && c->has_feedback_score)
                        err = bp_buf_printf(out, ", feedback %.1f",
                                            c->feedback_score);
                break;
        case BP_EV_INVITATION_SENT:
                err = err ? err
                          : bp_buf_printf(out, "invitation %s from %s",
                                          ev->u.invitation.invitation_id,
                                          ev->u.invitation.partner_id);
                break;
        default:
                err =
                    err ? err
                        : bp_buf_printf(out, "%s: %s by %s%s%s", d->partner_id,
                                        bp_decision_name(d->decision),
                                        bp_decided_by_name(d->decided_by),
                                        d->reason ? ", reason: " : "",
                                        d->reason ? d->reason : "");
        }
        return err ? err : bp_buf_append_byte(out, '\n');
}

/* The failing reason codes, comma separated. */
static bp_err_t put_codes(uint32_t failing, bp_buf_t *out) {
        int      code, n = 0;
        bp_err_t err = BP_OK;

        for (code = 0; !err && code < BP_REASON__CNT; code++)
                if (failing & (1u << code))
                        err = bp_buf_printf(
                            out, "%s%s", n++ ? ", " : "",
                            bp_reason_code_name((bp_reason_code_t)code));
        return err;
}

static bp_err_t put_checks(const bp_explain_pair_t *pair, bp_buf_t *out) {
        char     value[64], req[64], detail[BP_DETAIL_SIZE];
        size_t   i;
        bp_err_t err =
            bp_buf_printf(out, "      %-4s  %-13s %-9s %-18s %-14s %s\n", "",
                          "requirement", "rule", "value", "required", "detail");

        for (i = 0; !err && i < pair->eval.check_cnt; i++) {
                const bp_check_t *c = &pair->eval.checks[i];
                bp_check_detail(c, pair->ps, detail, sizeof(detail));
                err = bp_buf_printf(
                    out, "      %-4s  %-13s %-9s %-18s %-14s %s\n",
                    c->pass ? "pass" : "FAIL", bp_check_kind_name(c->kind),
                    bp_check_source_name(c->source),
                    bp_check_value_text(c, value, sizeof(value)),
                    bp_check_required_text(c, req, sizeof(req)), detail);
        }
        return err;
}

/* "acme-expert  GRANTED  ..." for one partner after one event. */
static bp_err_t put_outcome(const bp_explain_pair_t *pair, bp_buf_t *out) {
        const bp_badge_event_t *be = pair->published;
        bp_err_t                err;

        if (be && be->kind == BP_BADGE_GRANTED)
                return bp_buf_printf(out,
                                     "  %-16s GRANTED   badge_version %" PRId64
                                     ", basis %s; published badge-granted %s\n",
                                     pair->badge_id, be->badge_version,
                                     bp_basis_name(be->basis), be->event_id);
        if (be) {
                err = bp_buf_printf(out,
                                    "  %-16s REVOKED   badge_version %" PRId64
                                    ", reasons ",
                                    pair->badge_id, be->badge_version);
                err = err ? err : put_codes(pair->eval.failing, out);
                return err ? err
                           : bp_buf_printf(out,
                                           "; published badge-revoked %s\n",
                                           be->event_id);
        }
        if (pair->ps->held)
                return bp_buf_printf(out, "  %-16s held      no change\n",
                                     pair->badge_id);
        err = bp_buf_printf(out, "  %-16s not held  failing: ", pair->badge_id);
        err = err ? err : put_codes(pair->eval.failing, out);
        return err ? err : bp_buf_append_byte(out, '\n');
}

bp_err_t bp_explain_text_entry(const bp_explain_t *x, const bp_event_t *ev,
                               const bp_cause_t *cause, bool changed,
                               bp_buf_t *out) {
        char              t[BP_TIME_TEXT_SIZE];
        bp_explain_pair_t pair;
        size_t            i;
        bp_err_t          err;

        err = bp_buf_printf(out, "\n%s  %-18s %s  (%s/%d@%" PRId64 ")\n",
                            bp_time_format(ev->occurred_at, t, sizeof(t)),
                            bp_event_type_name(ev->type), ev->event_id,
                            cause->topic, (int)cause->partition, cause->offset);
        err = err ? err : describe(ev, out);
        if (!err && x->refusal[0])
                return bp_buf_printf(out,
                                     "  refused: %s; nothing changed (run "
                                     "dead-letters it)\n",
                                     x->refusal);
        if (!err && !changed)
                return bp_buf_append_str(
                    out, "  state unchanged (a redelivery, a stale snapshot "
                         "or an older decision): nothing evaluated, nothing "
                         "published\n");
        for (i = 0; !err && bp_explain_pair(x, x->fl, i, ev->occurred_at,
                                            &x->events, &pair);
             i++) {
                err = put_outcome(&pair, out);
                err = err ? err : put_checks(&pair, out);
        }
        return err;
}

/* The --at answer for one partner. */
static bp_err_t at_partner(const bp_explain_t *x, const bp_explain_pair_t *pair,
                           bp_buf_t *out) {
        const bp_explain_since_t *s = bp_explain_since(x, pair->ps->partner_id);
        char                      t[BP_TIME_TEXT_SIZE];
        bp_err_t                  err;

        if (pair->ps->held) {
                err = bp_buf_printf(
                    out,
                    "  %-16s HELD      since %s (badge_version %" PRId64
                    ", basis %s)\n",
                    pair->badge_id,
                    s ? bp_time_format(s->at, t, sizeof(t)) : "?",
                    pair->ps->badge_version, bp_basis_name(pair->ps->basis));
                if (!err && !pair->eval.holds) {
                        err = bp_buf_append_str(
                            out, "  note: judged at this time the "
                                 "requirements fail (");
                        err = err ? err : put_codes(pair->eval.failing, out);
                        err = err ? err
                                  : bp_buf_append_str(
                                        out, "); the service re-evaluates "
                                             "only on the freelancer's next "
                                             "event\n");
                }
        } else {
                err = bp_buf_printf(out, "  %-16s NOT HELD  ", pair->badge_id);
                if (!err && s)
                        err = bp_buf_printf(
                            out, "revoked %s (badge_version %" PRId64 "); ",
                            bp_time_format(s->at, t, sizeof(t)),
                            s->badge_version);
                else if (!err)
                        err = bp_buf_append_str(out, "never granted; ");
                err = err ? err : bp_buf_append_str(out, "failing: ");
                err = err ? err : put_codes(pair->eval.failing, out);
                err = err ? err : bp_buf_append_byte(out, '\n');
        }
        return err ? err : put_checks(pair, out);
}

bp_err_t bp_explain_text_at(const bp_explain_t *x, bp_buf_t *out) {
        char              t[BP_TIME_TEXT_SIZE], t2[BP_TIME_TEXT_SIZE];
        bp_explain_pair_t pair;
        size_t            i;
        bp_err_t          err = BP_OK;

        if (x->applied == 0)
                err = bp_buf_printf(out, "\nNo event of freelancer %s.\n",
                                    x->conf.freelancer_id);
        if (err || x->conf.at == BP_TIME_NONE)
                return err;
        err = bp_buf_printf(out, "\nAt %s: %" PRIu64 " event(s) had occurred",
                            bp_time_format(x->conf.at, t, sizeof(t)),
                            x->at_applied);
        if (!err && x->at_last != BP_TIME_NONE)
                err = bp_buf_printf(out, ", the last at %s",
                                    bp_time_format(x->at_last, t2, sizeof(t2)));
        err = err ? err : bp_buf_append_str(out, ".\n");
        for (i = 0;
             !err && bp_explain_pair(x, x->at_fl, i, x->conf.at, NULL, &pair);
             i++)
                err = at_partner(x, &pair, out);
        if (!err && i == 0)
                err = bp_buf_append_str(out, "  no partner had invited or "
                                             "decided on this freelancer\n");
        return err;
}
