/*
 * bp_event.c - range checks of input events (EVENTS.md).
 *
 * Decoders guarantee types; this file guarantees values. Every decoder
 * calls bp_event_check() so that a record is rejected with the same message
 * whether it arrived as Avro or as a JSON line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bp_event.h"

static bp_err_t fail(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bp_err_t fail(char *errstr, size_t errstr_size, const char *fmt, ...) {
        va_list ap;
        if (errstr && errstr_size) {
                va_start(ap, fmt);
                vsnprintf(errstr, errstr_size, fmt, ap);
                va_end(ap);
        }
        return BP_ERR_INVALID;
}

/* An id must be present, non-empty and bounded: ids become LMDB keys and
 * Kafka keys, where unbounded sizes would be a denial of service. */
static bp_err_t check_id(const char *field, const char *id, bool nullable,
                         char *errstr, size_t errstr_size) {
        size_t len;
        if (!id) {
                if (nullable)
                        return BP_OK;
                return fail(errstr, errstr_size, "missing %s", field);
        }
        len = strnlen(id, BP_ID_MAX + 1);
        if (len == 0)
                return fail(errstr, errstr_size, "empty %s", field);
        if (len > BP_ID_MAX)
                return fail(errstr, errstr_size, "%s longer than %d bytes",
                            field, BP_ID_MAX);
        return BP_OK;
}

static bp_err_t check_range(const char *field, int64_t v, int64_t lo,
                            int64_t hi, char *errstr, size_t errstr_size) {
        if (v < lo || v > hi)
                return fail(errstr, errstr_size,
                            "%s %" PRId64 " out of range %" PRId64 "..%" PRId64,
                            field, v, lo, hi);
        return BP_OK;
}

static bp_err_t check_profile(const bp_profile_updated_t *p, char *errstr,
                              size_t errstr_size) {
        bp_err_t err;
        size_t   i;

        if ((unsigned)p->account_status >= BP_ACCOUNT__CNT ||
            (unsigned)p->visibility >= BP_VISIBILITY__CNT ||
            (unsigned)p->english_level >= BP_ENGLISH__CNT ||
            (unsigned)p->origin >= BP_ORIGIN__CNT)
                return fail(errstr, errstr_size, "enum value out of range");
        if ((err = check_range("profile_completeness", p->profile_completeness,
                               0, 100, errstr, errstr_size)))
                return err;
        if (p->job_success_score != BP_JSS_NONE &&
            (err = check_range("job_success_score", p->job_success_score, 0,
                               100, errstr, errstr_size)))
                return err;
        if ((err = check_id("signup_partner_id", p->signup_partner_id, true,
                            errstr, errstr_size)))
                return err;
        if (p->certification_cnt > BP_LIST_MAX)
                return fail(errstr, errstr_size,
                            "certifications has %zu items, more than %d",
                            p->certification_cnt, BP_LIST_MAX);
        for (i = 0; i < p->certification_cnt; i++) {
                if ((err = check_id("certifications[].certification_id",
                                    p->certifications[i].certification_id,
                                    false, errstr, errstr_size)))
                        return err;
        }
        return BP_OK;
}

static bp_err_t check_contract(const bp_contract_completed_t *c, char *errstr,
                               size_t errstr_size) {
        bp_err_t err;
        size_t   i;

        if ((err = check_id("contract_id", c->contract_id, false, errstr,
                            errstr_size)))
                return err;
        if (c->skill_cnt > BP_LIST_MAX)
                return fail(errstr, errstr_size,
                            "skills has %zu items, more than %d", c->skill_cnt,
                            BP_LIST_MAX);
        for (i = 0; i < c->skill_cnt; i++) {
                if ((err = check_id("skills[]", c->skills[i], false, errstr,
                                    errstr_size)))
                        return err;
        }
        /* The negated form also rejects NaN. */
        if (c->has_feedback_score &&
            !(c->feedback_score >= 1.0 && c->feedback_score <= 5.0))
                return fail(errstr, errstr_size,
                            "feedback_score %g out of range 1.0..5.0",
                            c->feedback_score);
        return BP_OK;
}

static bp_err_t check_decision(const bp_partner_decision_t *d, char *errstr,
                               size_t errstr_size) {
        bp_err_t err;
        if ((err = check_id("partner_id", d->partner_id, false, errstr,
                            errstr_size)))
                return err;
        if ((unsigned)d->decision >= BP_DECISION__CNT ||
            (unsigned)d->decided_by >= BP_DECIDED_BY__CNT)
                return fail(errstr, errstr_size, "enum value out of range");
        if (d->reason && strnlen(d->reason, BP_TEXT_MAX + 1) > BP_TEXT_MAX)
                return fail(errstr, errstr_size, "reason longer than %d bytes",
                            BP_TEXT_MAX);
        return BP_OK;
}

bp_err_t bp_event_check(const bp_event_t *ev, char *errstr,
                        size_t errstr_size) {
        bp_err_t err;

        if ((err = check_id("event_id", ev->event_id, false, errstr,
                            errstr_size)) ||
            (err = check_id("freelancer_id", ev->freelancer_id, false, errstr,
                            errstr_size)))
                return err;
        if (ev->occurred_at == BP_TIME_NONE)
                return fail(errstr, errstr_size, "missing occurred_at");

        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED:
                return check_profile(&ev->u.profile, errstr, errstr_size);
        case BP_EV_CONTRACT_COMPLETED:
                return check_contract(&ev->u.contract, errstr, errstr_size);
        case BP_EV_INVITATION_SENT:
                if ((err = check_id("invitation_id",
                                    ev->u.invitation.invitation_id, false,
                                    errstr, errstr_size)))
                        return err;
                return check_id("partner_id", ev->u.invitation.partner_id,
                                false, errstr, errstr_size);
        case BP_EV_PARTNER_DECISION:
                return check_decision(&ev->u.decision, errstr, errstr_size);
        default:
                return fail(errstr, errstr_size, "unknown event type %d",
                            (int)ev->type);
        }
}
