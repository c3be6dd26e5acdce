/*
 * test_hostile.c - the validator against bytes written to hurt: the two
 * attacks the issue names are rejected fast; nesting, item and work
 * bounds hold; and a million hostile records, through frame + validate
 * and through the codec's whole decode path, leave the heap where it was
 * (under ASan too, where the sanitizer's allocator is asked instead of
 * glibc's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bp_avro_validate.h"
#include "bp_codec.h"
#include "bp_frame.h"
#include "bp_test_avro.h"

static double bp_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The two attacks, framed as they would arrive from Kafka. */
static const struct {
        int         schema;
        const char *value;
        size_t      len;
        const char *reason;
} bp_attacks[] = {
    /* a 4-byte body claiming 128 MiB (the largest a 4-byte varint can) */
    {BP_TS_STRING, "\x00\x00\x00\x00\x01\xfe\xff\xff\x7f", 9,
     "string length 134217727 exceeds remaining 0 bytes"},
    /* 256 MiB needs a 5-byte varint */
    {BP_TS_STRING, "\x00\x00\x00\x00\x01\x80\x80\x80\x80\x02", 10,
     "string length 268435456 exceeds remaining 0 bytes"},
    /* a 7-byte array<null> with 2^40 items */
    {BP_TS_NULLS, "\x00\x00\x00\x00\x01\x80\x80\x80\x80\x80\x40\x00", 12,
     "array block count 1099511627776 exceeds the limit of 65536 items that "
     "take no bytes"},
    /* the same count in front of a ProfileUpdated's first string */
    {BP_TS_PROFILE,
     "\x00\x00\x00\x00\x01\xfe\xff\xff\x7f"
     "abc",
     12, "string length 134217727 exceeds remaining 3 bytes at field event_id"},
};
#define BP_NATTACKS (sizeof(bp_attacks) / sizeof(bp_attacks[0]))

/* Runs frame + validate over attack a; returns the validation result. */
static bp_err_t bp_attack_run(const bp_avro_plan_t *plan, size_t a, char *err,
                              size_t size) {
        const uint8_t *body;
        size_t         body_len;
        int32_t        id;
        bp_err_t       rc;

        rc = bp_frame_parse(bp_attacks[a].value, bp_attacks[a].len, &id, &body,
                            &body_len, err, size);
        assert_int_equal(rc, BP_OK);
        return bp_avro_plan_validate(plan, body, body_len, err, size);
}

/* Both attacks are refused with their reason, in well under a
 * microsecond each (the bound asserted is loose for sanitizer builds). */
static void test_attacks_rejected_fast(void **state) {
        const int rounds = 100000;
        size_t    a;
        int       r;
        double    t0, ns;

        (void)state;
        for (a = 0; a < BP_NATTACKS; a++) {
                avro_schema_t   schema = bp_test_schema(bp_attacks[a].schema);
                bp_avro_plan_t *plan   = bp_test_plan(schema);
                char            err[256];

                assert_int_not_equal(bp_attack_run(plan, a, err, sizeof(err)),
                                     BP_OK);
                assert_string_equal(err, bp_attacks[a].reason);
                t0 = bp_now();
                for (r = 0; r < rounds; r++)
                        bp_attack_run(plan, a, err, sizeof(err));
                ns = (bp_now() - t0) * 1e9 / rounds;
                printf("attack %zu rejected in %.0f ns\n", a, ns);
                assert_true(ns < 20000.0);
                bp_avro_plan_destroy(plan);
                avro_schema_decref(schema);
        }
}

/* A list nested past BP_AVRO_MAX_DEPTH: refused, not a stack overflow. */
static void test_depth_bound(void **state) {
        avro_schema_t   schema = bp_test_schema(BP_TS_LIST);
        bp_avro_plan_t *plan   = bp_test_plan(schema);
        bp_tbuf_t       t      = {.n = 0};
        char            err[1024];
        int             i;

        (void)state;
        for (i = 0; i < BP_AVRO_MAX_DEPTH; i++) {
                bp_tbuf_long(&t, i);
                bp_tbuf_long(&t, i + 1 < BP_AVRO_MAX_DEPTH ? 1 : 0);
        }
        assert_int_equal(
            bp_avro_plan_validate(plan, t.b, t.n, err, sizeof(err)), BP_OK);
        t.n--; /* one more level */
        bp_tbuf_long(&t, 1);
        bp_tbuf_long(&t, 7);
        bp_tbuf_long(&t, 0);
        assert_int_equal(
            bp_avro_plan_validate(plan, t.b, t.n, err, sizeof(err)),
            BP_ERR_TOO_LARGE);
        assert_true(strncmp(err,
                            "nesting deeper than 64 levels at field "
                            "next.next.next.",
                            54) == 0);
        bp_avro_plan_destroy(plan);
        avro_schema_decref(schema);
}

/* Items: at most BP_AVRO_MAX_ITEMS in one datum, counted across blocks;
 * items of no bytes at most BP_AVRO_MAX_EMPTY_ITEMS. */
static void test_item_bounds(void **state) {
        avro_schema_t   nulls = bp_test_schema(BP_TS_NULLS), ints;
        bp_avro_plan_t *plan  = bp_test_plan(nulls);
        size_t          cap = 2 * 1000 * 1000, n = 0, i;
        uint8_t        *body = malloc(cap);
        char            err[256];

        (void)state;
        assert_non_null(body);
        /* 40000 + 40000 nulls: the second block breaks the bound */
        memcpy(body, "\x80\xf1\x04\x80\xf1\x04\x00", 7);
        assert_int_equal(bp_avro_plan_validate(plan, body, 7, err, sizeof(err)),
                         BP_ERR_TOO_LARGE);
        assert_string_equal(err, "array block count 40000 exceeds the limit "
                                 "of 65536 items that take no bytes");
        assert_int_equal(
            bp_avro_plan_validate(plan, body + 3, 4, err, sizeof(err)), BP_OK);
        bp_avro_plan_destroy(plan);

        /* array<long>: 600000 + 600000 zeros */
        assert_int_equal(avro_schema_from_json_literal(
                             "{\"type\":\"array\",\"items\":\"long\"}", &ints),
                         0);
        plan = bp_test_plan(ints);
        for (i = 0; i < 2; i++) {
                memcpy(body + n, "\x80\x9f\x49", 3); /* 600000 */
                n += 3;
                memset(body + n, 0, 600000);
                n += 600000;
        }
        body[n++] = 0;
        assert_int_equal(bp_avro_plan_validate(plan, body, n, err, sizeof(err)),
                         BP_ERR_TOO_LARGE);
        assert_string_equal(err, "array block count 600000 exceeds the limit "
                                 "of 1000000 items");
        assert_int_equal(bp_avro_plan_validate(plan, body + 600003, n - 600003,
                                               err, sizeof(err)),
                         BP_OK);
        bp_avro_plan_destroy(plan);
        free(body);
        avro_schema_decref(ints);
        avro_schema_decref(nulls);
}

/* Work: 60000 items of a record of 200 nulls take no bytes and pass the
 * item bounds, but visit 12 million values: the bound trips when item
 * 49452 adds its 201 (60001 + 201 * 49453 > 10^7). */
static void test_work_bound(void **state) {
        char           *json = malloc(200 * 40 + 100);
        size_t          off;
        int             i;
        avro_schema_t   schema;
        bp_avro_plan_t *plan;
        char            err[256];

        (void)state;
        assert_non_null(json);
        off = (size_t)sprintf(json, "{\"type\":\"array\",\"items\":{\"type\":"
                                    "\"record\",\"name\":\"N\",\"fields\":[");
        for (i = 0; i < 200; i++)
                off += (size_t)sprintf(json + off,
                                       "%s{\"name\":\"f%d\",\"type\":\"null\"}",
                                       i ? "," : "", i);
        sprintf(json + off, "]}}");
        assert_int_equal(
            avro_schema_from_json_length(json, strlen(json), &schema), 0);
        plan = bp_test_plan(schema);
        assert_int_equal(bp_avro_plan_validate(plan,
                                               (const uint8_t *)"\xc0\xa9\x07"
                                                                "\x00",
                                               4, err, sizeof(err)),
                         BP_ERR_TOO_LARGE);
        assert_string_equal(err, "more than 10000000 values at field [49452]");
        bp_avro_plan_destroy(plan);
        avro_schema_decref(schema);
        free(json);
}

/* A million hostile records (the attacks above, framed) through frame +
 * validate grow the heap by less than 1 MiB. The measure is checked
 * first: it must see a 2 MiB allocation, or the test would prove
 * nothing. */
static void test_heap_growth(void **state) {
        const int       rounds = 1000000;
        bp_avro_plan_t *plans[BP_NATTACKS];
        avro_schema_t   schemas[BP_NATTACKS];
        size_t          a, before, after;
        char           *probe;
        char            err[256];
        int             r;

        (void)state;
        printf("heap measured with %s\n", bp_test_heap_measure());
        before = bp_test_heap_in_use();
        probe  = malloc(2 << 20);
        assert_non_null(probe);
        memset(probe, 1, 2 << 20);
        assert_true(bp_test_heap_in_use() >= before + (2 << 20));
        free(probe);

        for (a = 0; a < BP_NATTACKS; a++) {
                schemas[a] = bp_test_schema(bp_attacks[a].schema);
                plans[a]   = bp_test_plan(schemas[a]);
                bp_attack_run(plans[a], a, err, sizeof(err));
        }
        before = bp_test_heap_in_use();
        for (r = 0; r < rounds; r++) {
                a = (size_t)r % BP_NATTACKS;
                assert_int_not_equal(
                    bp_attack_run(plans[a], a, err, sizeof(err)), BP_OK);
        }
        after = bp_test_heap_in_use();
        printf("heap: %zu bytes before, %zu after %d hostile records\n", before,
               after, rounds);
        assert_true(after < before + (1 << 20));
        for (a = 0; a < BP_NATTACKS; a++) {
                bp_avro_plan_destroy(plans[a]);
                avro_schema_decref(schemas[a]);
        }
}

/* One record for the codec test: framed with id, read from topic type. */
typedef struct bp_codec_case_s {
        bp_event_type_t type;
        bp_tbuf_t       rec;
        int             valid;
} bp_codec_case_t;

static void bp_codec_case(bp_codec_case_t *c, bp_event_type_t type, int32_t id,
                          const void *body, size_t len, int valid) {
        uint8_t hdr[BP_FRAME_HEADER_SIZE];

        bp_frame_header_write(hdr, id);
        c->type  = type;
        c->valid = valid;
        c->rec.n = 0;
        bp_tbuf_raw(&c->rec, hdr, sizeof(hdr));
        bp_tbuf_raw(&c->rec, body, len);
}

/* The records of the codec heap test: the tests' valid bodies (the test
 * schemas lay out the input events as schemas/ does, so the codec must
 * accept them), and hostile ones that fail at each stage of its path. */
static size_t bp_codec_cases(bp_codec_case_t *c) {
        bp_tbuf_t t;
        size_t    n = 0;

        bp_test_valid_body(BP_TS_PROFILE, 1, &t);
        bp_codec_case(&c[n++], BP_EV_PROFILE_UPDATED, 1, t.b, t.n, 1);
        t.b[22] = 0x98; /* profile_completeness 100 -> 140 */
        t.b[23] = 0x02;
        bp_codec_case(&c[n++], BP_EV_PROFILE_UPDATED, 1, t.b, t.n, 0);
        bp_codec_case(&c[n++], BP_EV_CONTRACT_COMPLETED, 1, t.b, t.n, 0);
        bp_codec_case(&c[n++], BP_EV_PROFILE_UPDATED, 42, t.b, t.n, 0);
        bp_test_valid_body(BP_TS_CONTRACT, 1, &t);
        bp_codec_case(&c[n++], BP_EV_CONTRACT_COMPLETED, 2, t.b, t.n, 1);
        bp_tbuf_raw(&t, "\x00", 1);
        bp_codec_case(&c[n++], BP_EV_CONTRACT_COMPLETED, 2, t.b, t.n, 0);
        bp_test_valid_body(BP_TS_DECISION, 1, &t);
        bp_codec_case(&c[n++], BP_EV_PARTNER_DECISION, 4, t.b, t.n, 1);
        bp_codec_case(&c[n++], BP_EV_PROFILE_UPDATED, 1,
                      "\x80\x80\x80\x80\x02"
                      "abc",
                      8, 0);
        bp_codec_case(&c[n++], BP_EV_CONTRACT_COMPLETED, 2,
                      "\x02"
                      "e\x02"
                      "f\x02\x02"
                      "c\x80\x80\x80\x80\x80\x40",
                      13, 0);
        bp_codec_case(&c[n++], BP_EV_INVITATION_SENT, 3, "\x02\xc3", 2, 0);
        c[n].type  = BP_EV_PARTNER_DECISION; /* not framed at all */
        c[n].rec.n = 0;
        bp_tbuf_raw(&c[n++].rec, "{\"event_id\":\"e\"}", 16);
        return n;
}

/* The codec's whole decode path (frame, schema lookup, validation,
 * resolved decode, range checks) over a million records, most of them
 * hostile: after a warm-up the heap does not grow (< 1 MiB). */
static void test_codec_heap_growth(void **state) {
        const int              rounds = 1000000;
        static bp_codec_case_t cases[16];
        size_t                 ncases = bp_codec_cases(cases), k;
        char                   map[1024], err[512];
        const char            *src  = getenv("BP_SRC");
        bp_codec_conf_t        conf = {.schema_map = map};
        bp_codec_t            *codec;
        bp_event_t             ev;
        size_t                 before, after;
        int                    r;

        (void)state;
        snprintf(map, sizeof(map), "%s/schemas/schema-map.txt",
                 src ? src : "..");
        codec = bp_codec_new(&conf, err, sizeof(err));
        if (!codec)
                fail_msg("codec: %s", err);
        for (k = 0; k < ncases; k++)
                if ((bp_codec_decode_event(
                         codec, cases[k].type, cases[k].rec.b, cases[k].rec.n,
                         &ev, err, sizeof(err)) == BP_OK) != cases[k].valid)
                        fail_msg("codec case %zu: %s", k,
                                 cases[k].valid ? err : "accepted");
        before = bp_test_heap_in_use();
        for (r = 0; r < rounds; r++) {
                k = (size_t)r % ncases;
                bp_codec_decode_event(codec, cases[k].type, cases[k].rec.b,
                                      cases[k].rec.n, &ev, err, sizeof(err));
        }
        after = bp_test_heap_in_use();
        printf("codec heap: %zu bytes before, %zu after %d records "
               "(%zu of every %zu hostile)\n",
               before, after, rounds, ncases - 3, ncases);
        assert_true(after < before + (1 << 20));
        bp_codec_destroy(codec);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_attacks_rejected_fast),
            cmocka_unit_test(test_depth_bound),
            cmocka_unit_test(test_item_bounds),
            cmocka_unit_test(test_work_bound),
            cmocka_unit_test(test_heap_growth),
            cmocka_unit_test(test_codec_heap_growth),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
