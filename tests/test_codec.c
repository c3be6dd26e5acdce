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

#include "event_asserts.h"
#include <malloc.h>

#include "bp_avro_bin.h"
#include "bp_codec.h"
#include "bp_frame.h"
#include "bp_samples.h"
#include "bp_test_avro.h"

static char errstr[512];

static int setup(void **state) {
        *state = bp_test_codec();
        return 0;
}

static int teardown(void **state) {
        bp_codec_destroy(*state);
        return 0;
}


/* Every sample event, with and without its optional fields: encode, then
 * decode, then compare field for field. */
static void test_event_round_trips(void **state) {
        bp_codec_t *codec = *state;
        bp_buf_t    buf   = {0};
        bp_event_t  ev, back;
        int         i;

        for (i = 0; i < BP_SAMPLE_EVENTS; i++) {
                ev = bp_sample_event(i);
                bp_buf_reset(&buf);
                assert_int_equal(bp_codec_encode_event(codec, &ev, &buf, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                assert_int_equal(bp_codec_decode_event(codec, ev.type, buf.data,
                                                       buf.len, &back, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                bp_assert_event_equal(&back, &ev);
        }
        bp_buf_free(&buf);
}


static void test_badge_round_trip(void **state) {
        bp_codec_t      *codec = *state;
        bp_buf_t         buf   = {0};
        bp_badge_event_t ev, back;
        int              k;

        for (k = 0; k < BP_BADGE__CNT; k++) {
                ev = bp_sample_badge((bp_badge_kind_t)k);
                bp_buf_reset(&buf);
                assert_int_equal(bp_codec_encode_badge(codec, &ev, &buf, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                assert_int_equal(bp_codec_decode_badge(codec, buf.data, buf.len,
                                                       &back, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                bp_assert_badge_equal(&back, &ev);
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
        bp_assert_badge_equal(&back, &ev);
        bp_buf_free(&buf);
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
        bp_freelancer_t *fl    = bp_sample_state(1);
        bp_freelancer_t *empty = bp_sample_state(0);

        state_round_trip(*state, fl);
        state_round_trip(*state, empty); /* no profile, empty arrays */
        bp_freelancer_destroy(fl);
        bp_freelancer_destroy(empty);
}

static void test_state_invariants_checked(void **state) {
        bp_codec_t      *codec = *state;
        bp_freelancer_t *fl = bp_sample_state(1), *back = NULL;
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
        bp_avro_write_long(&b, -1); /* one item of 9 bytes */
        bp_avro_write_long(&b, 9);
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
        bp_event_t           ev     = bp_sample_event(0);

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

/* Hostile bodies (claimed lengths and counts far beyond the bytes sent,
 * bad unions and enums, overlong varints) are rejected without the heap
 * growing with what they claim: 1,000 of them cost less than 1 MiB. */
static void test_hostile_bodies_bounded(void **state) {
        static const uint8_t hostile[][32] = {
            /* event_id claims 2^28 bytes */
            {0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x02},
            /* a valid head, then certifications claim 2^40 items */
            {0, 0, 0, 0, 1, 2, 'e',  2,    'f',  2,    2,    0,
             0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40},
            /* varint of 11 bytes */
            {0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0xff, 0xff, 0x01},
            /* ContractCompleted: skills claim 2^30 items */
            {0, 0, 0, 0, 2, 2, 'e', 2, 'f', 2, 2, 'c', 0x80, 0x80, 0x80, 0x80},
        };
        static const bp_event_type_t types[] = {
            BP_EV_PROFILE_UPDATED, BP_EV_PROFILE_UPDATED, BP_EV_PROFILE_UPDATED,
            BP_EV_CONTRACT_COMPLETED};
        bp_codec_t      *codec = *state;
        bp_event_t       ev;
        struct mallinfo2 before, after;
        int              i;

        before = mallinfo2();
        for (i = 0; i < 1000; i++) {
                size_t k = (size_t)i % 4;
                assert_int_not_equal(
                    bp_codec_decode_event(codec, types[k], hostile[k],
                                          sizeof(hostile[k]), &ev, errstr,
                                          sizeof(errstr)),
                    BP_OK);
        }
        after = mallinfo2();
        assert_true(after.uordblks < before.uordblks + 1024 * 1024);
}

static void test_kind_of_and_ids(void **state) {
        bp_codec_t      *codec = *state;
        bp_buf_t         b     = {0};
        bp_badge_event_t ev    = bp_sample_badge(BP_BADGE_REVOKED);
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
            cmocka_unit_test(test_event_round_trips),
            cmocka_unit_test(test_badge_round_trip),
            cmocka_unit_test(test_state_round_trip),
            cmocka_unit_test(test_state_invariants_checked),
            cmocka_unit_test(test_resolution_older_writer),
            cmocka_unit_test(test_resolution_newer_writer),
            cmocka_unit_test(test_rejections),
            cmocka_unit_test(test_hostile_bodies_bounded),
            cmocka_unit_test(test_kind_of_and_ids),
            cmocka_unit_test(test_bad_map),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
