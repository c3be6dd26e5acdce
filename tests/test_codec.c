/*
 * test_codec.c - the Avro codec in local-map mode: every record type
 * survives encode -> decode field for field (nulls and empty arrays
 * included), records written with the older and the newer ProfileUpdated
 * schema are read into the current one, and wrong input is rejected with
 * the reason the dead-letter record will carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_avro_bin.h"
#include "bp_codec.h"
#include "bp_frame.h"

static char errstr[512];

static bp_codec_t *codec_local(void) {
        char            map[1024];
        const char     *src  = getenv("BP_SRC");
        bp_codec_conf_t conf = {0};
        bp_codec_t     *codec;

        snprintf(map, sizeof(map), "%s/schemas/schema-map.txt",
                 src ? src : "..");
        conf.schema_map = map;
        codec           = bp_codec_new(&conf, errstr, sizeof(errstr));
        if (!codec)
                fail_msg("bp_codec_new: %s", errstr);
        return codec;
}

static int setup(void **state) {
        *state = codec_local();
        return 0;
}

static int teardown(void **state) {
        bp_codec_destroy(*state);
        return 0;
}

/* Encodes ev, decodes it back into *back (strings borrowed from codec). */
static void round_trip(bp_codec_t *codec, const bp_event_t *ev,
                       bp_event_t *back, bp_buf_t *buf) {
        bp_buf_reset(buf);
        assert_int_equal(
            bp_codec_encode_event(codec, ev, buf, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_codec_decode_event(codec, ev->type, buf->data,
                                               buf->len, back, errstr,
                                               sizeof(errstr)),
                         BP_OK);
        assert_int_equal(back->type, ev->type);
        assert_string_equal(back->event_id, ev->event_id);
        assert_string_equal(back->freelancer_id, ev->freelancer_id);
        assert_true(back->occurred_at == ev->occurred_at);
}

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

static const bp_event_cert_t two_certs[] = {{"acme-admin", 1800000000000LL},
                                            {"acme-developer", BP_TIME_NONE}};

static bp_event_t profile_event(void) {
        bp_event_t ev = {.type          = BP_EV_PROFILE_UPDATED,
                         .event_id      = "e-1",
                         .freelancer_id = "f-1",
                         .occurred_at   = 1700000000123LL};
        ev.u.profile =
            (bp_profile_updated_t){.profile_version      = 7,
                                   .account_status       = BP_ACCOUNT_SUSPENDED,
                                   .profile_completeness = 95,
                                   .visibility    = BP_VISIBILITY_UPWORK_ONLY,
                                   .english_level = BP_ENGLISH_NATIVE,
                                   .job_success_score = 92,
                                   .origin            = BP_ORIGIN_ELANCE,
                                   .signup_partner_id = "acme",
                                   .certifications    = two_certs,
                                   .certification_cnt = 2};
        return ev;
}

static void test_profile_round_trip(void **state) {
        bp_codec_t *codec = *state;
        bp_buf_t    buf   = {0};
        bp_event_t  ev    = profile_event(), back;

        round_trip(codec, &ev, &back, &buf);
        assert_profile_equal(&back.u.profile, &ev.u.profile);

        /* Every null and an empty array. */
        ev.u.profile.job_success_score = BP_JSS_NONE;
        ev.u.profile.signup_partner_id = NULL;
        ev.u.profile.certification_cnt = 0;
        round_trip(codec, &ev, &back, &buf);
        assert_profile_equal(&back.u.profile, &ev.u.profile);
        bp_buf_free(&buf);
}

static void test_contract_round_trip(void **state) {
        static const char *const skills[] = {"acme-crm", "sql", ""};
        bp_codec_t              *codec    = *state;
        bp_buf_t                 buf      = {0};
        bp_event_t               ev       = {.type     = BP_EV_CONTRACT_COMPLETED,
                                             .event_id = "e-2",
                                             .freelancer_id = "f-1",
                                             .occurred_at   = 1},
                   back;

        ev.u.contract = (bp_contract_completed_t){.contract_id        = "c-9",
                                                  .skills             = skills,
                                                  .skill_cnt          = 2,
                                                  .has_feedback_score = true,
                                                  .feedback_score     = 4.75};
        round_trip(codec, &ev, &back, &buf);
        assert_string_equal(back.u.contract.contract_id, "c-9");
        assert_int_equal(back.u.contract.skill_cnt, 2);
        assert_string_equal(back.u.contract.skills[0], "acme-crm");
        assert_string_equal(back.u.contract.skills[1], "sql");
        assert_true(back.u.contract.has_feedback_score);
        assert_true(back.u.contract.feedback_score == 4.75);

        ev.u.contract.skill_cnt          = 0;
        ev.u.contract.has_feedback_score = false;
        round_trip(codec, &ev, &back, &buf);
        assert_int_equal(back.u.contract.skill_cnt, 0);
        assert_false(back.u.contract.has_feedback_score);
        bp_buf_free(&buf);
}

static void test_invitation_and_decision_round_trip(void **state) {
        bp_codec_t *codec = *state;
        bp_buf_t    buf   = {0};
        bp_event_t  inv   = {.type          = BP_EV_INVITATION_SENT,
                             .event_id      = "e-3",
                             .freelancer_id = "f-1",
                             .occurred_at   = 5},
                   back;
        bp_event_t dec = {.type          = BP_EV_PARTNER_DECISION,
                          .event_id      = "e-4",
                          .freelancer_id = "f-1",
                          .occurred_at   = 6};

        inv.u.invitation = (bp_invitation_sent_t){"i-1", "acme"};
        round_trip(codec, &inv, &back, &buf);
        assert_string_equal(back.u.invitation.invitation_id, "i-1");
        assert_string_equal(back.u.invitation.partner_id, "acme");

        dec.u.decision = (bp_partner_decision_t){
            "acme", BP_DECISION_REMOVED, BP_DECIDED_BY_PLATFORM, "fraud"};
        round_trip(codec, &dec, &back, &buf);
        assert_string_equal(back.u.decision.partner_id, "acme");
        assert_int_equal(back.u.decision.decision, BP_DECISION_REMOVED);
        assert_int_equal(back.u.decision.decided_by, BP_DECIDED_BY_PLATFORM);
        assert_string_equal(back.u.decision.reason, "fraud");
        dec.u.decision.reason = NULL;
        round_trip(codec, &dec, &back, &buf);
        assert_null(back.u.decision.reason);
        bp_buf_free(&buf);
}

static void assert_badge_equal(const bp_badge_event_t *a,
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

static bp_badge_event_t badge_event(bp_badge_kind_t kind) {
        bp_badge_event_t ev = {
            .kind          = kind,
            .event_id      = "b-0123456789abcdef0123456789abcdef",
            .freelancer_id = "f-1",
            .partner_id    = "acme",
            .badge_id      = "acme-expert",
            .occurred_at   = 1700000002000LL,
            .badge_version = 3,
            .basis         = BP_BASIS_NEW_FREELANCER_EXCEPTION,
            .cause         = {"e-3", "partner-decision", 4, 1234567890123LL},
            .rules_version = "r-abc"};
        if (kind == BP_BADGE_REVOKED) {
                ev.basis      = BP_BASIS_STANDARD;
                ev.reason_cnt = 2;
                ev.reasons[0] =
                    (bp_reason_t){BP_REASON_JSS_BELOW_MIN, "79 < 80"};
                ev.reasons[1] = (bp_reason_t){BP_REASON_FEEDBACK_BELOW_MIN, ""};
        }
        return ev;
}

static void test_badge_round_trip(void **state) {
        bp_codec_t      *codec = *state;
        bp_buf_t         buf   = {0};
        bp_badge_event_t ev, back;
        int              k;

        for (k = 0; k < BP_BADGE__CNT; k++) {
                ev = badge_event((bp_badge_kind_t)k);
                bp_buf_reset(&buf);
                assert_int_equal(bp_codec_encode_badge(codec, &ev, &buf, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                assert_int_equal(bp_codec_decode_badge(codec, buf.data, buf.len,
                                                       &back, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                assert_badge_equal(&back, &ev);
        }
        /* A revocation without reasons: an empty array. */
        ev.reason_cnt = 0;
        bp_buf_reset(&buf);
        assert_int_equal(
            bp_codec_encode_badge(codec, &ev, &buf, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_codec_decode_badge(codec, buf.data, buf.len, &back,
                                               errstr, sizeof(errstr)),
                         BP_OK);
        assert_badge_equal(&back, &ev);
        bp_buf_free(&buf);
}

static char *dup(const char *s) {
        char *d = strdup(s);
        assert_non_null(d);
        return d;
}

/* A state with every member set, owned like bp_state.c's. */
static bp_freelancer_t *full_state(void) {
        bp_freelancer_t *fl = bp_freelancer_new("f-1");
        bp_profile_t    *p  = &fl->profile;

        fl->has_profile      = true;
        *p                   = (bp_profile_t){9,
                                              1700000000000LL,
                                              BP_ACCOUNT_ACTIVE,
                                              100,
                                              BP_VISIBILITY_PUBLIC,
                                              BP_ENGLISH_FLUENT,
                                              91,
                                              BP_ORIGIN_NATIVE,
                                              dup("acme"),
                                              NULL,
                                              2};
        p->certifications    = calloc(2, sizeof(bp_cert_t));
        p->certifications[0] = (bp_cert_t){dup("acme-admin"), 1800000000000LL};
        p->certifications[1] = (bp_cert_t){dup("globex-x"), BP_TIME_NONE};
        fl->contract_cnt = fl->contract_cap = 3;
        fl->contract_hashes                 = malloc(3 * sizeof(uint64_t));
        fl->contract_hashes[0]              = 1;
        fl->contract_hashes[1]              = 0x7fffffffffffffffULL;
        fl->contract_hashes[2] = 0xfedcba9876543210ULL; /* > INT64_MAX */
        fl->skill_cnt = fl->skill_cap = 1;
        fl->skills                    = calloc(1, sizeof(*fl->skills));
        fl->skills[0]   = (bp_skill_stat_t){dup("acme-crm"), 3, 2, 9.5};
        fl->partner_cnt = fl->partner_cap = 2;
        fl->partners                      = calloc(2, sizeof(*fl->partners));
        fl->partners[0] =
            (bp_partner_state_t){dup("acme"),
                                 true,
                                 1600000000000LL,
                                 BP_DECISION_SELECTED,
                                 BP_DECIDED_BY_PARTNER,
                                 1600000001000LL,
                                 dup("e-7"),
                                 dup("great"),
                                 true,
                                 BP_BASIS_NEW_FREELANCER_EXCEPTION,
                                 2};
        fl->partners[1] = (bp_partner_state_t){dup("globex"),
                                               false,
                                               BP_TIME_NONE,
                                               BP_DECISION_NONE,
                                               BP_DECIDED_BY_PARTNER,
                                               BP_TIME_NONE,
                                               NULL,
                                               NULL,
                                               false,
                                               BP_BASIS_STANDARD,
                                               0};
        return fl;
}

static void state_round_trip(bp_codec_t *codec, const bp_freelancer_t *fl) {
        bp_buf_t         buf  = {0};
        bp_freelancer_t *back = NULL;

        assert_int_equal(
            bp_codec_encode_state(codec, fl, &buf, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_codec_decode_state(codec, buf.data, buf.len, &back,
                                               errstr, sizeof(errstr)),
                         BP_OK);
        assert_true(bp_freelancer_equal(fl, back));
        bp_freelancer_destroy(back);
        bp_buf_free(&buf);
}

static void test_state_round_trip(void **state) {
        bp_freelancer_t *fl    = full_state();
        bp_freelancer_t *empty = bp_freelancer_new("f-2");

        state_round_trip(*state, fl);
        state_round_trip(*state, empty); /* no profile, empty arrays */
        bp_freelancer_destroy(fl);
        bp_freelancer_destroy(empty);
}

static void test_state_invariants_checked(void **state) {
        bp_codec_t      *codec = *state;
        bp_freelancer_t *fl = full_state(), *back = NULL;
        bp_buf_t         buf = {0};

        fl->contract_hashes[0] = fl->contract_hashes[1]; /* a duplicate */
        assert_int_equal(
            bp_codec_encode_state(codec, fl, &buf, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_codec_decode_state(codec, buf.data, buf.len, &back,
                                               errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_string_equal(errstr, "contract_hashes not sorted and unique");
        assert_null(back);
        bp_freelancer_destroy(fl);
        bp_buf_free(&buf);
}

/* Frames a body by hand, for schemas the codec does not write. */
static void frame(bp_buf_t *b, int32_t id) {
        uint8_t hdr[BP_FRAME_HEADER_SIZE];
        bp_frame_header_write(hdr, id);
        bp_buf_reset(b);
        assert_int_equal(bp_buf_append(b, hdr, sizeof(hdr)), BP_OK);
}

static void put_common_profile_head(bp_buf_t *b) {
        bp_avro_write_string(b, "e-1");
        bp_avro_write_string(b, "f-1");
        bp_avro_write_long(b, 1700000000123LL);
        bp_avro_write_long(b, 7);  /* profile_version */
        bp_avro_write_long(b, 0);  /* ACTIVE */
        bp_avro_write_long(b, 95); /* profile_completeness */
        bp_avro_write_long(b, 0);  /* PUBLIC */
        bp_avro_write_long(b, 3);  /* FLUENT */
        bp_avro_write_long(b, 1);  /* job_success_score: int branch */
        bp_avro_write_long(b, 88);
}

static void test_resolution_older_writer(void **state) {
        bp_codec_t *codec = *state;
        bp_buf_t    b     = {0};
        bp_event_t  ev;

        /* Version 0 (id 100): no signup_partner_id, certifications
         * without expires_at. The reader fills both from the defaults. */
        frame(&b, 100);
        put_common_profile_head(&b);
        bp_avro_write_long(&b, 1); /* ELANCE */
        bp_avro_write_long(&b, 2); /* two certifications */
        bp_avro_write_string(&b, "acme-admin");
        bp_avro_write_string(&b, "acme-developer");
        bp_avro_write_long(&b, 0);
        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               b.data, b.len, &ev, errstr,
                                               sizeof(errstr)),
                         BP_OK);
        assert_string_equal(ev.event_id, "e-1");
        assert_int_equal(ev.u.profile.job_success_score, 88);
        assert_int_equal(ev.u.profile.origin, BP_ORIGIN_ELANCE);
        assert_null(ev.u.profile.signup_partner_id);
        assert_int_equal(ev.u.profile.certification_cnt, 2);
        assert_string_equal(ev.u.profile.certifications[1].certification_id,
                            "acme-developer");
        assert_true(ev.u.profile.certifications[0].expires_at == BP_TIME_NONE);
        assert_true(ev.u.profile.certifications[1].expires_at == BP_TIME_NONE);
        bp_buf_free(&b);
}

static void test_resolution_newer_writer(void **state) {
        bp_codec_t *codec = *state;
        bp_buf_t    b     = {0};
        bp_event_t  ev;

        /* Version 2 (id 102): hourly_rate_cents before origin and timezone
         * at the end, which this reader skips. Two blocks of items, the
         * second with its byte size (negative count), as Java writes. */
        frame(&b, 102);
        put_common_profile_head(&b);
        bp_avro_write_long(&b, 12345); /* hourly_rate_cents */
        bp_avro_write_long(&b, 0);     /* NATIVE */
        bp_avro_write_long(&b, 1);     /* signup_partner_id: string */
        bp_avro_write_string(&b, "acme");
        bp_avro_write_long(&b, 1);
        bp_avro_write_string(&b, "acme-admin");
        bp_avro_write_long(&b, 1);
        bp_avro_write_long(&b, 1800000000000LL);
        bp_avro_write_long(&b, -1); /* one item of 8 bytes */
        bp_avro_write_long(&b, 8);
        bp_avro_write_string(&b, "gx-cert");
        bp_avro_write_long(&b, 0);
        bp_avro_write_long(&b, 0);
        bp_avro_write_long(&b, 1); /* timezone */
        bp_avro_write_string(&b, "Europe/Paris");
        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               b.data, b.len, &ev, errstr,
                                               sizeof(errstr)),
                         BP_OK);
        assert_int_equal(ev.u.profile.origin, BP_ORIGIN_NATIVE);
        assert_string_equal(ev.u.profile.signup_partner_id, "acme");
        assert_int_equal(ev.u.profile.certification_cnt, 2);
        assert_string_equal(ev.u.profile.certifications[0].certification_id,
                            "acme-admin");
        assert_true(ev.u.profile.certifications[0].expires_at ==
                    1800000000000LL);
        assert_string_equal(ev.u.profile.certifications[1].certification_id,
                            "gx-cert");
        assert_true(ev.u.profile.certifications[1].expires_at == BP_TIME_NONE);
        bp_buf_free(&b);
}

/* Decodes buf as a ProfileUpdated and expects err and the message. */
static void expect_reject(bp_codec_t *codec, const void *buf, size_t len,
                          bp_err_t err, const char *msg) {
        bp_event_t ev;
        errstr[0] = '\0';
        assert_int_equal(bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                               buf, len, &ev, errstr,
                                               sizeof(errstr)),
                         err);
        if (msg)
                assert_string_equal(errstr, msg);
        else
                assert_true(errstr[0] != '\0');
}

static void test_rejections(void **state) {
        static const uint8_t json[] = "{\"type\":\"profile-updated\"}";
        static const uint8_t id42[] = {0, 0, 0, 0, 42, 2, 'x'};
        bp_codec_t          *codec  = *state;
        bp_buf_t             b      = {0};
        bp_event_t           inv    = {.type          = BP_EV_INVITATION_SENT,
                                       .event_id      = "e",
                                       .freelancer_id = "f",
                                       .occurred_at   = 1};
        bp_event_t           ev     = profile_event();

        expect_reject(codec, json, sizeof(json) - 1, BP_ERR_INVALID,
                      "bad magic byte 0x7b");
        expect_reject(codec, id42, sizeof(id42), BP_ERR_NOT_FOUND,
                      "unknown schema id 42");
        inv.u.invitation = (bp_invitation_sent_t){"i", "acme"};
        assert_int_equal(
            bp_codec_encode_event(codec, &inv, &b, errstr, sizeof(errstr)),
            BP_OK);
        expect_reject(codec, b.data, b.len, BP_ERR_INVALID,
                      "schema id 3 is InvitationSent, expected "
                      "ProfileUpdated");
        bp_buf_reset(&b);
        assert_int_equal(
            bp_codec_encode_event(codec, &ev, &b, errstr, sizeof(errstr)),
            BP_OK);
        expect_reject(codec, b.data, b.len - 1, BP_ERR_INVALID, NULL);
        bp_buf_append_byte(&b, 0);
        bp_buf_append_byte(&b, 0);
        expect_reject(codec, b.data, b.len, BP_ERR_INVALID, NULL);
        bp_buf_free(&b);
}

static void test_kind_of_and_ids(void **state) {
        bp_codec_t      *codec = *state;
        bp_buf_t         b     = {0};
        bp_badge_event_t ev    = badge_event(BP_BADGE_REVOKED);
        bp_record_kind_t kind;
        int32_t          id;
        char             subject[128];

        assert_int_equal(
            bp_codec_encode_badge(codec, &ev, &b, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_codec_kind_of(codec, b.data, b.len, &kind, errstr,
                                          sizeof(errstr)),
                         BP_OK);
        assert_int_equal(kind, BP_REC_BADGE_REVOKED);
        assert_int_equal(bp_codec_register(codec, BP_REC_FREELANCER_STATE,
                                           "ignored-locally", &id, errstr,
                                           sizeof(errstr)),
                         BP_OK);
        assert_int_equal(id, 7);
        bp_codec_subject(BP_REC_PROFILE_UPDATED, "pu", subject,
                         sizeof(subject));
        assert_string_equal(subject, "pu-value");
        bp_codec_subject(BP_REC_BADGE_GRANTED, "badge-events", subject,
                         sizeof(subject));
        assert_string_equal(subject,
                            "badge-events-com.marketplace.badges.BadgeGranted");
        bp_buf_free(&b);
}

static void test_bad_map(void **state) {
        bp_codec_conf_t conf = {.schema_map = "/nonexistent/schema-map.txt"};
        (void)state;
        assert_null(bp_codec_new(&conf, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "/nonexistent/schema-map.txt"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_profile_round_trip),
            cmocka_unit_test(test_contract_round_trip),
            cmocka_unit_test(test_invitation_and_decision_round_trip),
            cmocka_unit_test(test_badge_round_trip),
            cmocka_unit_test(test_state_round_trip),
            cmocka_unit_test(test_state_invariants_checked),
            cmocka_unit_test(test_resolution_older_writer),
            cmocka_unit_test(test_resolution_newer_writer),
            cmocka_unit_test(test_rejections),
            cmocka_unit_test(test_kind_of_and_ids),
            cmocka_unit_test(test_bad_map),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
