/*
 * event_asserts.c - field-by-field equality of events, for the tests of
 * every codec (Avro, JSON Lines): a round trip must give back each field,
 * nulls and empty lists included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "event_asserts.h"

static void assert_opt_str(const char *a, const char *b) {
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

static void assert_profile_equal(const bp_profile_updated_t *a,
                                 const bp_profile_updated_t *b) {
        size_t i;
        assert_true(a->profile_version == b->profile_version);
        assert_int_equal(a->account_status, b->account_status);
        assert_int_equal(a->profile_completeness, b->profile_completeness);
        assert_int_equal(a->visibility, b->visibility);
        assert_int_equal(a->english_level, b->english_level);
        assert_int_equal(a->job_success_score, b->job_success_score);
        assert_int_equal(a->origin, b->origin);
        assert_opt_str(a->signup_partner_id, b->signup_partner_id);
        assert_int_equal(a->certification_cnt, b->certification_cnt);
        for (i = 0; i < a->certification_cnt; i++) {
                assert_string_equal(a->certifications[i].certification_id,
                                    b->certifications[i].certification_id);
                assert_true(a->certifications[i].expires_at ==
                            b->certifications[i].expires_at);
        }
}

void bp_assert_event_equal(const bp_event_t *a, const bp_event_t *b) {
        const bp_contract_completed_t *ca = &a->u.contract,
                                      *cb = &b->u.contract;
        size_t i;

        assert_int_equal(a->type, b->type);
        assert_string_equal(a->event_id, b->event_id);
        assert_string_equal(a->freelancer_id, b->freelancer_id);
        assert_true(a->occurred_at == b->occurred_at);
        switch (a->type) {
        case BP_EV_PROFILE_UPDATED:
                assert_profile_equal(&a->u.profile, &b->u.profile);
                break;
        case BP_EV_CONTRACT_COMPLETED:
                assert_string_equal(ca->contract_id, cb->contract_id);
                assert_int_equal(ca->skill_cnt, cb->skill_cnt);
                for (i = 0; i < ca->skill_cnt; i++)
                        assert_string_equal(ca->skills[i], cb->skills[i]);
                assert_int_equal(ca->has_feedback_score,
                                 cb->has_feedback_score);
                if (ca->has_feedback_score)
                        assert_true(ca->feedback_score == cb->feedback_score);
                break;
        case BP_EV_INVITATION_SENT:
                assert_string_equal(a->u.invitation.invitation_id,
                                    b->u.invitation.invitation_id);
                assert_string_equal(a->u.invitation.partner_id,
                                    b->u.invitation.partner_id);
                break;
        default:
                assert_string_equal(a->u.decision.partner_id,
                                    b->u.decision.partner_id);
                assert_int_equal(a->u.decision.decision,
                                 b->u.decision.decision);
                assert_int_equal(a->u.decision.decided_by,
                                 b->u.decision.decided_by);
                assert_opt_str(a->u.decision.reason, b->u.decision.reason);
        }
}

void bp_assert_badge_equal(const bp_badge_event_t *a,
                           const bp_badge_event_t *b) {
        size_t i;
        assert_int_equal(a->kind, b->kind);
        assert_string_equal(a->event_id, b->event_id);
        assert_string_equal(a->freelancer_id, b->freelancer_id);
        assert_string_equal(a->partner_id, b->partner_id);
        assert_string_equal(a->badge_id, b->badge_id);
        assert_true(a->occurred_at == b->occurred_at);
        assert_true(a->badge_version == b->badge_version);
        if (a->kind == BP_BADGE_GRANTED)
                assert_int_equal(a->basis, b->basis);
        assert_int_equal(a->reason_cnt, b->reason_cnt);
        for (i = 0; i < a->reason_cnt; i++) {
                assert_int_equal(a->reasons[i].code, b->reasons[i].code);
                assert_string_equal(a->reasons[i].detail, b->reasons[i].detail);
        }
        assert_string_equal(a->cause.event_id, b->cause.event_id);
        assert_string_equal(a->cause.topic, b->cause.topic);
        assert_int_equal(a->cause.partition, b->cause.partition);
        assert_true(a->cause.offset == b->cause.offset);
        assert_string_equal(a->rules_version, b->rules_version);
}
