/*
 * test_json_scan.c - the JSON scanner accepts exactly what jansson
 * accepts (with JSON_REJECT_DUPLICATES, as the readers call it) and reads
 * the same values. jansson is the oracle: hand-picked documents first,
 * then many seeded random mutations of realistic lines, each compared on
 * acceptance and, when both accept, value by value.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_json_scan.h"

/* Whether scanned value v equals jansson's j; 0 when it does not. */
static int same(const bp_jv_t *v, const json_t *j) {
        const bp_jv_t *m;
        uint32_t       i;

        switch (v->type) {
        case BP_JV_NULL:
                return json_is_null(j);
        case BP_JV_TRUE:
                return json_is_true(j);
        case BP_JV_FALSE:
                return json_is_false(j);
        case BP_JV_INTEGER:
                return json_is_integer(j) && json_integer_value(j) == v->u.i;
        case BP_JV_REAL:
                return json_is_real(j) && json_real_value(j) == v->u.d;
        case BP_JV_STRING:
                return json_is_string(j) &&
                       json_string_length(j) == v->u.str.len &&
                       memcmp(json_string_value(j), v->u.str.s,
                              v->u.str.len + 1) == 0;
        case BP_JV_ARRAY:
                if (!json_is_array(j) || json_array_size(j) != v->cnt)
                        return 0;
                for (i = 0, m = v + 1; i < v->cnt; i++, m = bp_jv_next(m))
                        if (!same(m, json_array_get(j, i)))
                                return 0;
                return 1;
        case BP_JV_OBJECT:
                if (!json_is_object(j) || json_object_size(j) != v->cnt)
                        return 0;
                for (i = 0, m = v + 1; i < v->cnt; i++, m = bp_jv_next(m))
                        if (strlen(m->key) != m->key_len ||
                            bp_jv_get(v, m->key) != m ||
                            !same(m, json_object_get(j, m->key)))
                                return 0;
                return 1;
        }
        return 0;
}

/* Documents both accepted, to check that mutations keep some valid. */
static size_t accepted;

/* Compares the scanner with jansson on one document; returns 1 when they
 * agree, and prints the document when they do not. */
static int agree(bp_json_t *js, const char *text, size_t len) {
        const bp_jv_t *root = NULL;
        char           why[128];
        json_error_t   jerr;
        json_t  *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        bp_err_t err = bp_json_parse(js, text, len, &root, why, sizeof(why));
        int      ok;

        if (doc && err == BP_OK)
                accepted += ok = same(root, doc);
        else
                ok = !doc && err == BP_ERR_PARSE;
        if (!ok)
                print_error("disagree on %.*s\n  jansson: %s\n  scanner: %s\n",
                            (int)len, text, doc ? "ok" : jerr.text,
                            err == BP_OK ? "ok" : why);
        json_decref(doc);
        return ok;
}

static const char *const docs[] = {
    "{}",
    "[]",
    " \t\r\n{ \"a\" : [ 1 , -2 , 3.5 , -0 , 0.0 , 1e3 , 2E-2 , true ] } \n",
    "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\"}",
    "{\"k\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
    "{\"\":1,\"a\":{\"\":2}}",
    "[9223372036854775807,-9223372036854775808]",
    "[9223372036854775808]",
    "[-9223372036854775809]",
    "[1e400]",
    "[-1e400]",
    "[1e-400]",
    "[0.1,12345678901234567890.5]",
    "[01]",
    "[1.]",
    "[.5]",
    "[-]",
    "[1e]",
    "[+1]",
    "[tru]",
    "[nul]",
    "[true false]",
    "[1,]",
    "{\"a\":1,}",
    "{,}",
    "{\"a\"}",
    "{\"a\":}",
    "{a:1}",
    "{\"a\":1,\"a\":2}",
    "{\"x\":{\"a\":1,\"b\":2,\"a\":3}}",
    "{\"a\":\"\\u0000\"}",
    "{\"a\":\"\\ud800\"}",
    "{\"a\":\"\\udc00\"}",
    "{\"a\":\"\\ud800\\u0041\"}",
    "{\"a\":\"\\x41\"}",
    "{\"a\":\"\\u12g4\"}",
    "{\"a\":\"tab\there\"}",
    "{\"a\":\"\xff\"}",
    "{\"a\":\"\xc0\xaf\"}",
    "{\"a\":\"\xed\xa0\x80\"}",
    "{\"a\":\"\xf4\x90\x80\x80\"}",
    "{\"a\":\"\xe2\x82\"}",
    "{\"a\":1} x",
    "{\"a\":1}}",
    "",
    "   ",
    "1",
    "\"s\"",
    "null",
    "[",
    "{\"a\":[1,2",
    "{\"a\":\"unterminated",
};

static void test_documents(void **state) {
        bp_json_t *js = bp_json_new();
        size_t     i, bad = 0;

        (void)state;
        for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
                bad += !agree(js, docs[i], strlen(docs[i]));
        bp_json_destroy(js);
        assert_int_equal(bad, 0);
}

/* Deep nesting: jansson's limit of 2048 is the scanner's too. */
static void test_depth(void **state) {
        bp_json_t *js = bp_json_new();
        char      *s  = malloc(2 * 2100 + 1);
        size_t     n;

        (void)state;
        for (n = 2046; n <= 2050; n++) {
                memset(s, '[', n);
                memset(s + n, ']', n);
                assert_true(agree(js, s, 2 * n));
        }
        free(s);
        bp_json_destroy(js);
}

/* Duplicate keys in a large object are found too (the sorted path). */
static void test_many_keys(void **state) {
        bp_json_t *js  = bp_json_new();
        char      *s   = malloc(64 * 1024);
        size_t     len = 0;
        int        i;

        (void)state;
        len += (size_t)sprintf(s, "{");
        for (i = 0; i < 3000; i++)
                len += (size_t)sprintf(s + len, "%s\"k%d\":%d", i ? "," : "", i,
                                       i);
        assert_true(agree(js, s, len + (size_t)sprintf(s + len, "}")));
        len += (size_t)sprintf(s + len, ",\"k1234\":0}");
        assert_true(agree(js, s, len));
        free(s);
        bp_json_destroy(js);
}

static const char *const seeds[] = {
    "{\"type\":\"profile-updated\",\"event_id\":\"e2\",\"freelancer_id\":"
    "\"f1\",\"occurred_at\":1700000001000,\"profile_version\":1,"
    "\"account_status\":\"ACTIVE\",\"profile_completeness\":100,"
    "\"visibility\":\"PUBLIC\",\"english_level\":\"FLUENT\","
    "\"job_success_score\":92,\"origin\":\"NATIVE\",\"signup_partner_id\":"
    "null,\"certifications\":[{\"certification_id\":\"a\\u00e9\","
    "\"expires_at\":null}]}",
    "{\"type\":\"contract-completed\",\"event_id\":\"e3\",\"freelancer_id\":"
    "\"f\\\"1\",\"occurred_at\":-17,\"contract_id\":\"c1\",\"skills\":[\"x\","
    "\"y\\n\"],\"feedback_score\":4.75e0,\"z\":[true,false,{}]}",
};

static uint64_t rng_next(uint64_t *x) {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

/* Bytes a mutation writes: JSON's own punctuation is likelier to produce
 * near-valid documents than random bytes. */
static const char alphabet[] =
    "{}[]\",:\\u0123456789eE+-.tfnl ad\x01\xc3\xa9\xff";

static void test_mutations(void **state) {
        bp_json_t *js  = bp_json_new();
        uint64_t   rng = 0x9e3779b97f4a7c15ULL;
        char       buf[1024];
        size_t     len, bad = 0, k, pos;
        int        i, n;

        (void)state;
        accepted = 0;
        for (i = 0; i < 200000 && bad < 10; i++) {
                const char *seed = seeds[i % 2];

                len = strlen(seed);
                memcpy(buf, seed, len);
                for (n = (int)(rng_next(&rng) % 3) + 1; n > 0; n--) {
                        pos = (size_t)(rng_next(&rng) % (len + 1));
                        k   = (size_t)(rng_next(&rng) % (sizeof(alphabet) - 1));
                        switch (rng_next(&rng) % 3) {
                        case 0: /* replace */
                                if (pos < len)
                                        buf[pos] = alphabet[k];
                                break;
                        case 1: /* insert */
                                memmove(buf + pos + 1, buf + pos, len - pos);
                                buf[pos] = alphabet[k];
                                len++;
                                break;
                        default: /* delete */
                                if (pos < len) {
                                        memmove(buf + pos, buf + pos + 1,
                                                len - pos - 1);
                                        len--;
                                }
                        }
                }
                bad += !agree(js, buf, len);
        }
        bp_json_destroy(js);
        assert_int_equal(bad, 0);
        /* Enough of them stay valid for the values to be compared. */
        print_message("%zu of %d mutations were valid JSON\n", accepted, i);
        assert_true(accepted > 10000);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_documents),
            cmocka_unit_test(test_depth),
            cmocka_unit_test(test_many_keys),
            cmocka_unit_test(test_mutations),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
