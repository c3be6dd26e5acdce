/*
 * bp_jsonl_state.c - writes a FreelancerState as one JSON line (see
 * bp_jsonl.h), for `badgeproc state dump|get` and `badgeproc replay
 * --state-out`.
 *
 * The two tools must print byte-identical lines for equal states, so that
 * a test (or an operator) can compare the runtime's store with the oracle's
 * state with diff. Everything is therefore fixed by the code: field order,
 * integers in decimal, the one double (a skill's feedback sum) with 17
 * significant digits (enough to tell any two doubles apart), "none"
 * values as null, and the state's own sorted orders kept.
 */
#include <inttypes.h>
#include <math.h>

#include "bp_jsonl.h"

static bp_err_t put_time(bp_buf_t *buf, const char *sep, const char *name,
                         int64_t t) {
        if (t == BP_TIME_NONE)
                return bp_buf_printf(buf, "%s\"%s\":null", sep, name);
        return bp_buf_printf(buf, "%s\"%s\":%" PRId64, sep, name, t);
}

/* ,"name":"s" or ,"name":null */
static bp_err_t put_opt_string(bp_buf_t *buf, const char *name, const char *s) {
        bp_err_t err = bp_buf_printf(buf, ",\"%s\":", name);
        if (err)
                return err;
        return s ? bp_jsonl_put_string(buf, s) : bp_buf_append_str(buf, "null");
}

static bp_err_t put_certs(bp_buf_t *buf, const bp_profile_t *p) {
        bp_err_t err = bp_buf_append_str(buf, ",\"certifications\":[");
        size_t   i;
        for (i = 0; i < p->certification_cnt && !err; i++) {
                err = bp_buf_append_str(buf, i ? ",{\"certification_id\":"
                                               : "{\"certification_id\":");
                if (!err)
                        err = bp_jsonl_put_string(
                            buf, p->certifications[i].certification_id);
                if (!err)
                        err = put_time(buf, ",", "expires_at",
                                       p->certifications[i].expires_at);
                if (!err)
                        err = bp_buf_append_str(buf, "}");
        }
        return err ? err : bp_buf_append_str(buf, "]");
}

static bp_err_t put_profile(bp_buf_t *buf, const bp_freelancer_t *fl) {
        const bp_profile_t *p = &fl->profile;
        bp_err_t            err;
        if (!fl->has_profile)
                return bp_buf_append_str(buf, ",\"profile\":null");
        err = bp_buf_printf(
            buf,
            ",\"profile\":{\"profile_version\":%" PRId64
            ",\"updated_at\":%" PRId64 ",\"account_status\":\"%s\","
            "\"profile_completeness\":%" PRId32 ",\"visibility\":\"%s\","
            "\"english_level\":\"%s\"",
            p->profile_version, p->updated_at,
            bp_account_status_name(p->account_status), p->profile_completeness,
            bp_visibility_name(p->visibility),
            bp_english_name(p->english_level));
        if (!err)
                err =
                    p->job_success_score == BP_JSS_NONE
                        ? bp_buf_append_str(buf, ",\"job_success_score\":null")
                        : bp_buf_printf(buf, ",\"job_success_score\":%" PRId32,
                                        p->job_success_score);
        if (!err)
                err = bp_buf_printf(buf, ",\"origin\":\"%s\"",
                                    bp_origin_name(p->origin));
        if (!err)
                err = put_opt_string(buf, "signup_partner_id",
                                     p->signup_partner_id);
        if (!err)
                err = put_certs(buf, p);
        return err ? err : bp_buf_append_str(buf, "}");
}

static bp_err_t put_contracts(bp_buf_t *buf, const bp_freelancer_t *fl) {
        bp_err_t err = bp_buf_append_str(buf, ",\"contract_hashes\":[");
        size_t   i;
        for (i = 0; i < fl->contract_cnt && !err; i++)
                err = bp_buf_printf(buf, "%s\"%016" PRIx64 "\"", i ? "," : "",
                                    fl->contract_hashes[i]);
        if (!err)
                err = bp_buf_append_str(buf, "],\"skills\":[");
        for (i = 0; i < fl->skill_cnt && !err; i++) {
                const bp_skill_stat_t *s = &fl->skills[i];
                if (!isfinite(s->feedback_sum))
                        return BP_ERR_INVALID;
                err =
                    bp_buf_append_str(buf, i ? ",{\"skill\":" : "{\"skill\":");
                if (!err)
                        err = bp_jsonl_put_string(buf, s->skill);
                if (!err)
                        err = bp_buf_printf(
                            buf,
                            ",\"contracts\":%" PRIu32 ",\"scored\":%" PRIu32
                            ",\"feedback_sum\":%.17g}",
                            s->contracts, s->scored, s->feedback_sum);
        }
        return err ? err : bp_buf_append_str(buf, "]");
}

static bp_err_t put_partner(bp_buf_t *buf, const bp_partner_state_t *ps) {
        bp_err_t err = bp_buf_append_str(buf, "{\"partner_id\":");
        if (!err)
                err = bp_jsonl_put_string(buf, ps->partner_id);
        if (!err)
                err = bp_buf_printf(buf, ",\"invited\":%s",
                                    ps->invited ? "true" : "false");
        if (!err)
                err = put_time(buf, ",", "invited_at", ps->invited_at);
        if (!err)
                err = bp_buf_printf(
                    buf, ",\"decision\":\"%s\",\"decided_by\":\"%s\"",
                    bp_decision_name(ps->decision),
                    bp_decided_by_name(ps->decided_by));
        if (!err)
                err = put_time(buf, ",", "decided_at", ps->decided_at);
        if (!err)
                err = put_opt_string(buf, "decision_event_id",
                                     ps->decision_event_id);
        if (!err)
                err =
                    put_opt_string(buf, "decision_reason", ps->decision_reason);
        if (!err)
                err =
                    bp_buf_printf(buf,
                                  ",\"held\":%s,\"basis\":\"%s\","
                                  "\"badge_version\":%" PRId64 "}",
                                  ps->held ? "true" : "false",
                                  bp_basis_name(ps->basis), ps->badge_version);
        return err;
}

bp_err_t bp_jsonl_write_state(bp_buf_t *buf, const bp_freelancer_t *fl) {
        size_t   start = buf->len, i;
        bp_err_t err;

        if (!fl->freelancer_id)
                return BP_ERR_INVALID;
        err = bp_buf_append_str(buf, "{\"freelancer_id\":");
        if (!err)
                err = bp_jsonl_put_string(buf, fl->freelancer_id);
        if (!err)
                err = put_profile(buf, fl);
        if (!err)
                err = put_contracts(buf, fl);
        if (!err)
                err = bp_buf_append_str(buf, ",\"partners\":[");
        for (i = 0; i < fl->partner_cnt && !err; i++) {
                if (i)
                        err = bp_buf_append_str(buf, ",");
                if (!err)
                        err = put_partner(buf, &fl->partners[i]);
        }
        if (!err)
                err = bp_buf_append_str(buf, "]}\n");
        if (err)
                buf->len = start;
        return err;
}
