/*
 * test_validate.c - the bounded Avro validator on well-formed and on
 * malformed bodies: valid bodies of several schemas pass (and avro-c
 * agrees they are exactly one datum), and every kind of rejection gives
 * its documented reason word for word, with the field path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_avro_validate.h"
#include "bp_test_avro.h"

/* Schemas in the tables below are written with ' for " to stay legible. */
static avro_schema_t bp_schema_q(const char *quoted) {
        char         *json = strdup(quoted), *c;
        avro_schema_t schema;

        assert_non_null(json);
        for (c = json; *c; c++)
                if (*c == '\'')
                        *c = '"';
        if (avro_schema_from_json_length(json, strlen(json), &schema))
                fail_msg("schema %s: %s", quoted, avro_strerror());
        free(json);
        return schema;
}

/* Valid bodies of every test schema pass, avro-c reads exactly the same
 * bytes, and what avro-c writes back passes too. */
static void test_valid_bodies(void **state) {
        int i, v;

        (void)state;
        for (i = 0; i < BP_TS_COUNT; i++) {
                avro_schema_t   schema = bp_test_schema(i);
                bp_avro_plan_t *plan   = bp_test_plan(schema);

                for (v = 0; v < 6; v++) {
                        bp_tbuf_t body, again;
                        char      err[256] = "";

                        bp_test_valid_body(i, v, &body);
                        if (bp_avro_plan_validate(plan, body.b, body.n, err,
                                                  sizeof(err)) != BP_OK)
                                fail_msg("schema %d variant %d: %s", i, v, err);
                        if (bp_test_avro_c_decodes(schema, body.b, body.n, err,
                                                   sizeof(err)))
                                fail_msg("avro-c on schema %d variant %d: %s",
                                         i, v, err);
                        assert_int_equal(bp_test_avro_c_reencode(
                                             schema, body.b, body.n, &again),
                                         0);
                        assert_int_equal(bp_avro_plan_validate(plan, again.b,
                                                               again.n, err,
                                                               sizeof(err)),
                                         BP_OK);
                }
                bp_avro_plan_destroy(plan);
                avro_schema_decref(schema);
        }
}

#define R1(field, type)                                         \
        "{'type':'record','name':'R','fields':[{'name':'" field \
        "','type':" type "}]}"
#define B(lit) lit, sizeof(lit) - 1

static const struct {
        const char *schema;
        const char *body;
        size_t      len;
        bp_err_t    err;
        const char *reason;
} bp_rejections[] = {
    /* lengths that the bytes cannot hold: the example */
    {R1("s", "'string'"),
     B("\x80\x80\x80\x80\x02"
       "abc"),
     BP_ERR_INVALID,
     "string length 268435456 exceeds remaining 3 bytes at field s"},
    {"'string'", B("\x80\x80\x80\x80\x02"), BP_ERR_INVALID,
     "string length 268435456 exceeds remaining 0 bytes"},
    {R1("s", "'string'"), B("\x09"), BP_ERR_INVALID,
     "negative string length -5 at field s"},
    {R1("b", "'bytes'"), B("\x0a\x01"), BP_ERR_INVALID,
     "bytes length 5 exceeds remaining 1 bytes at field b"},
    {R1("b", "'bytes'"), B("\x01"), BP_ERR_INVALID,
     "negative bytes length -1 at field b"},
    /* text must be UTF-8, and a C string */
    {R1("s", "'string'"), B("\x04\xc3\x28"), BP_ERR_INVALID,
     "string is not valid UTF-8 at field s"},
    {R1("s", "'string'"), B("\x04\xc0\xaf"), BP_ERR_INVALID,
     "string is not valid UTF-8 at field s"},
    {R1("s", "'string'"), B("\x06\xed\xa0\x80"), BP_ERR_INVALID,
     "string is not valid UTF-8 at field s"},
    {R1("s", "'string'"), B("\x08\xf4\x90\x80\x80"), BP_ERR_INVALID,
     "string is not valid UTF-8 at field s"},
    {R1("s", "'string'"),
     B("\x06"
       "a\x00"
       "b"),
     BP_ERR_INVALID, "string contains a NUL byte at field s"},
    /* varints */
    {R1("n", "'long'"), B("\x80\x80"), BP_ERR_INVALID,
     "body ends inside a varint at field n"},
    {R1("n", "'long'"), B("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00"),
     BP_ERR_INVALID, "varint longer than 10 bytes at field n"},
    {R1("n", "'long'"), B("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"),
     BP_ERR_INVALID, "varint overflows 64 bits at field n"},
    {R1("i", "'int'"), B("\x80\x80\x80\x80\x10"), BP_ERR_INVALID,
     "int value 2147483648 out of range at field i"},
    {R1("i", "'int'"), B("\x81\x80\x80\x80\x10"), BP_ERR_INVALID,
     "int value -2147483649 out of range at field i"},
    /* fixed widths */
    {R1("f", "'boolean'"), B("\x02"), BP_ERR_INVALID,
     "boolean byte 0x02 is not 0 or 1 at field f"},
    {R1("f", "'boolean'"), B(""), BP_ERR_INVALID,
     "boolean needs 1 byte, 0 remain at field f"},
    {R1("x", "'float'"), B("\x00\x00"), BP_ERR_INVALID,
     "float needs 4 bytes, 2 remain at field x"},
    {R1("d", "'double'"), B("\x00\x00\x00"), BP_ERR_INVALID,
     "double needs 8 bytes, 3 remain at field d"},
    {R1("h", "{'type':'fixed','name':'H','size':16}"), B("abc"), BP_ERR_INVALID,
     "fixed of 16 bytes exceeds remaining 3 bytes at field h"},
    /* indexes */
    {R1("e", "{'type':'enum','name':'E','symbols':['A','B','C']}"), B("\x0a"),
     BP_ERR_INVALID, "enum index 5 out of range 0..2 at field e"},
    {R1("e", "{'type':'enum','name':'E','symbols':['A','B','C']}"), B("\x01"),
     BP_ERR_INVALID, "enum index -1 out of range 0..2 at field e"},
    {R1("job_success_score", "['null','int']"), B("\x0e"), BP_ERR_INVALID,
     "union index 7 out of range 0..1 at field job_success_score"},
    /* array blocks */
    {R1("skills", "{'type':'array','items':'string'}"),
     B("\x80\x80\x80\x80\x80\x40"
       "ab"),
     BP_ERR_INVALID,
     "array block count 1099511627776 exceeds remaining 2 bytes at field "
     "skills"},
    {"{'type':'array','items':'null'}", B("\x80\x80\x80\x80\x80\x40\x00"),
     BP_ERR_TOO_LARGE,
     "array block count 1099511627776 exceeds the limit of 65536 items that "
     "take no bytes"},
    {R1("skills", "{'type':'array','items':'string'}"),
     B("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), BP_ERR_INVALID,
     "array block count -9223372036854775808 out of range at field skills"},
    {R1("skills", "{'type':'array','items':'string'}"), B("\x01\x01"),
     BP_ERR_INVALID, "negative array block size -1 at field skills"},
    {R1("skills", "{'type':'array','items':'string'}"),
     B("\x01\x14\x02"
       "a"),
     BP_ERR_INVALID,
     "array block size 10 exceeds remaining 2 bytes at field skills"},
    {R1("skills", "{'type':'array','items':'string'}"),
     B("\x01\x06\x02"
       "a\x00"),
     BP_ERR_INVALID,
     "array block size 3 does not match the 2 bytes of its items at field "
     "skills"},
    {R1("skills", "{'type':'array','items':'string'}"),
     B("\x04\x02"
       "a\x09"),
     BP_ERR_INVALID, "negative string length -5 at field skills[1]"},
    /* maps: keys are strings, values carry the key in the path */
    {R1("tags", "{'type':'map','values':'long'}"),
     B("\x10\x02"
       "a"),
     BP_ERR_INVALID,
     "map block count 8 exceeds remaining 2 bytes at field "
     "tags"},
    {R1("tags", "{'type':'map','values':'long'}"), B("\x02\x09\x00\x00"),
     BP_ERR_INVALID, "negative map key length -5 at field tags[0]"},
    {R1("tags", "{'type':'map','values':'long'}"),
     B("\x02\x10"
       "a"),
     BP_ERR_INVALID,
     "map key length 8 exceeds remaining 1 bytes at field "
     "tags[0]"},
    {R1("tags", "{'type':'map','values':'long'}"), B("\x02\x04\xff\xfe\x00"),
     BP_ERR_INVALID, "map key is not valid UTF-8 at field tags[0]"},
    {R1("tags", "{'type':'map','values':'long'}"), B("\x02\x04k\"\x80"),
     BP_ERR_INVALID, "body ends inside a varint at field tags[\"k?\"]"},
    /* length of the whole body */
    {R1("s", "'string'"),
     B("\x02"
       "ab"),
     BP_ERR_INVALID, "1 trailing byte after the record"},
    {R1("s", "'string'"),
     B("\x00"
       "xy"),
     BP_ERR_INVALID, "2 trailing bytes after the record"},
    {"'string'",
     B("\x00"
       "z"),
     BP_ERR_INVALID, "1 trailing byte after the datum"},
    {R1("s", "'string'"), B(""), BP_ERR_INVALID,
     "body ends inside a varint at field s"},
};

/* Each rejection kind, with its code and its reason word for word. */
static void test_rejections(void **state) {
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(bp_rejections) / sizeof(bp_rejections[0]); i++) {
                avro_schema_t   schema   = bp_schema_q(bp_rejections[i].schema);
                bp_avro_plan_t *plan     = bp_test_plan(schema);
                char            err[256] = "";
                bp_err_t        rc;

                rc = bp_avro_plan_validate(
                    plan, (const uint8_t *)bp_rejections[i].body,
                    bp_rejections[i].len, err, sizeof(err));
                if (rc != bp_rejections[i].err ||
                    strcmp(err, bp_rejections[i].reason))
                        fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i,
                                 rc, err, bp_rejections[i].err,
                                 bp_rejections[i].reason);
                bp_avro_plan_destroy(plan);
                avro_schema_decref(schema);
        }
}

/* Returns the reason test schema i gives for body. */
static const char *bp_reason(int i, const bp_tbuf_t *body, char *err,
                             size_t size) {
        avro_schema_t   schema = bp_test_schema(i);
        bp_avro_plan_t *plan   = bp_test_plan(schema);

        err[0] = '\0';
        assert_int_not_equal(
            bp_avro_plan_validate(plan, body->b, body->n, err, size), BP_OK);
        bp_avro_plan_destroy(plan);
        avro_schema_decref(schema);
        return err;
}

/* Paths through arrays of records and unions, as the issue words them. */
static void test_paths(void **state) {
        bp_tbuf_t t = {.n = 0};
        char      err[256];

        (void)state;
        /* ProfileUpdated up to its certifications, then a valid
         * certification and one whose id claims 256 MiB. */
        bp_test_profile_body(&t, 0);
        t.n--; /* drop the empty array's end */
        bp_tbuf_long(&t, 2);
        bp_tbuf_str(&t, "acme-admin");
        bp_tbuf_long(&t, 0);
        bp_tbuf_raw(&t,
                    "\x80\x80\x80\x80\x02"
                    "abc",
                    8);
        assert_string_equal(bp_reason(BP_TS_PROFILE, &t, err, sizeof(err)),
                            "string length 268435456 exceeds remaining 3 "
                            "bytes at field certifications[1]."
                            "certification_id");

        /* the recursive Tree: a bad value two levels down */
        t.n = 0;
        bp_tbuf_long(&t, 1);
        bp_tbuf_long(&t, 1);
        bp_tbuf_long(&t, 2);
        bp_tbuf_long(&t, 2);
        bp_tbuf_long(&t, 3);
        bp_tbuf_long(&t, 0);
        bp_tbuf_raw(&t, "\x80\x80\x80\x80\x10", 5);
        assert_string_equal(bp_reason(BP_TS_TREE, &t, err, sizeof(err)),
                            "int value 2147483648 out of range at field "
                            "children[0].children[1].value");

        /* a union of records in a map of arrays */
        bp_test_valid_body(BP_TS_KITCHEN, 2, &t);
        t.n -= 2; /* choice = Inner(""), nothing: replace the choice */
        bp_tbuf_raw(&t, "\x04\x03", 2);
        assert_string_equal(bp_reason(BP_TS_KITCHEN, &t, err, sizeof(err)),
                            "negative string length -2 at field "
                            "choice.label");
}

/* Small or absent error buffers are safe. */
static void test_errstr_sizes(void **state) {
        avro_schema_t   schema = bp_test_schema(BP_TS_PROFILE);
        bp_avro_plan_t *plan   = bp_test_plan(schema);
        char            err[12];

        (void)state;
        assert_int_equal(bp_avro_plan_validate(plan, (const uint8_t *)"\x09", 1,
                                               err, sizeof(err)),
                         BP_ERR_INVALID);
        assert_string_equal(err, "negative st");
        assert_int_equal(bp_avro_plan_validate(plan, NULL, 0, NULL, 0),
                         BP_ERR_INVALID);
        bp_avro_plan_destroy(plan);
        avro_schema_decref(schema);
}

static void test_plan_errors(void **state) {
        char err[128] = "";

        (void)state;
        assert_null(bp_avro_plan_new(NULL, err, sizeof(err)));
        assert_string_equal(err, "no schema");
        bp_avro_plan_destroy(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid_bodies),
            cmocka_unit_test(test_rejections),
            cmocka_unit_test(test_paths),
            cmocka_unit_test(test_errstr_sizes),
            cmocka_unit_test(test_plan_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
