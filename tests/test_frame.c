/*
 * test_frame.c - the Confluent framing: what is accepted, each rejection
 * and its exact reason, and that a written header parses back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bp_frame.h"

static void test_parse_valid(void **state) {
        static const uint8_t rec[] = {0, 0, 0, 0x01, 0x2c, 0x02, 'a'};
        const uint8_t       *body;
        size_t               body_len;
        int32_t              id;
        char                 err[128] = "";

        (void)state;
        assert_int_equal(bp_frame_parse(rec, sizeof(rec), &id, &body, &body_len,
                                        err, sizeof(err)),
                         BP_OK);
        assert_int_equal(id, 300);
        assert_ptr_equal(body, rec + 5);
        assert_int_equal(body_len, 2);
        assert_string_equal(err, "");
}

static void test_parse_header_only(void **state) {
        static const uint8_t rec[] = {0, 0, 0, 0, 7};
        const uint8_t       *body;
        size_t               body_len = 99;
        int32_t              id;
        char                 err[128];

        (void)state;
        assert_int_equal(bp_frame_parse(rec, sizeof(rec), &id, &body, &body_len,
                                        err, sizeof(err)),
                         BP_OK);
        assert_int_equal(id, 7);
        assert_int_equal(body_len, 0);
}

/* Each rejection and its reason, word for word. */
static void test_parse_rejections(void **state) {
        static const struct {
                const char *value; /* NULL: a tombstone */
                size_t      len;
                const char *reason;
        } cases[] = {
            {NULL, 0, "record value is null"},
            {"", 0, "record value is empty"},
            {"{\"a\":1}", 7, "bad magic byte 0x7b"},
            {"\x01\x00\x00\x00\x01\x02", 6, "bad magic byte 0x01"},
            {"\xff", 1, "bad magic byte 0xff"},
            {"\x00\x00\x00", 3,
             "record of 3 bytes is shorter than the 5-byte header"},
            {"\x00", 1, "record of 1 byte is shorter than the 5-byte header"},
            {"\x00\x00\x00\x01", 4,
             "record of 4 bytes is shorter than the 5-byte header"},
        };
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const uint8_t *body = NULL;
                size_t         body_len;
                int32_t        id;
                char           err[128] = "";

                assert_int_equal(bp_frame_parse(cases[i].value, cases[i].len,
                                                &id, &body, &body_len, err,
                                                sizeof(err)),
                                 BP_ERR_INVALID);
                assert_string_equal(err, cases[i].reason);
        }
}

/* Ids are signed 32-bit: the high bit survives the round trip. */
static void test_header_round_trip(void **state) {
        static const int32_t ids[] = {0,         1,  42,       0x01020304,
                                      INT32_MAX, -1, INT32_MIN};
        uint8_t              hdr[BP_FRAME_HEADER_SIZE];
        size_t               i, body_len;
        const uint8_t       *body;
        int32_t              id;
        char                 err[64];

        (void)state;
        for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                bp_frame_header_write(hdr, ids[i]);
                assert_int_equal(hdr[0], BP_FRAME_MAGIC);
                assert_int_equal(bp_frame_parse(hdr, sizeof(hdr), &id, &body,
                                                &body_len, err, sizeof(err)),
                                 BP_OK);
                assert_int_equal(id, ids[i]);
                assert_int_equal(body_len, 0);
        }
        bp_frame_header_write(hdr, 0x01020304);
        assert_memory_equal(hdr, "\x00\x01\x02\x03\x04", 5);
}

/* A too-small error buffer truncates but stays a C string. */
static void test_small_errstr(void **state) {
        const uint8_t *body;
        size_t         body_len;
        int32_t        id;
        char           err[8];

        (void)state;
        assert_int_equal(
            bp_frame_parse("{", 1, &id, &body, &body_len, err, sizeof(err)),
            BP_ERR_INVALID);
        assert_string_equal(err, "bad mag");
        assert_int_equal(bp_frame_parse("{", 1, &id, &body, &body_len, NULL, 0),
                         BP_ERR_INVALID);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_valid),
            cmocka_unit_test(test_parse_header_only),
            cmocka_unit_test(test_parse_rejections),
            cmocka_unit_test(test_header_round_trip),
            cmocka_unit_test(test_small_errstr),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
