/*
 * test_jsonl.c - the JSON Lines codec: parsing input events (valid and
 * rejected lines, with the exact message), string escaping, the badge
 * event writer's exact bytes, and round trips through both writers and
 * readers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_jsonl.h"
#include "test_jsonl.h"

/* A valid line of each type, as building blocks for the cases. */
#define INV                                                                    \
        "{\"type\":\"invitation-sent\",\"event_id\":\"e1\",\"freelancer_id\":" \
        "\"f1\",\"occurred_at\":1700000000000,\"invitation_id\":\"i1\","       \
        "\"partner_id\":\"acme\""
#define PROF_HEAD                                                              \
        "{\"type\":\"profile-updated\",\"event_id\":\"e2\",\"freelancer_id\":" \
        "\"f1\",\"occurred_at\":1700000001000,\"profile_version\":1,"          \
        "\"account_status\":\"ACTIVE\",\"visibility\":\"PUBLIC\","             \
        "\"english_level\":\"FLUENT\",\"origin\":\"NATIVE\""
#define CONTRACT_HEAD                                             \
        "{\"type\":\"contract-completed\",\"event_id\":\"e3\","   \
        "\"freelancer_id\":\"f1\",\"occurred_at\":1700000002000," \
        "\"contract_id\":\"c1\""
#define DEC_HEAD                                                  \
        "{\"type\":\"partner-decision\",\"event_id\":\"e4\","     \
        "\"freelancer_id\":\"f1\",\"occurred_at\":1700000003000," \
        "\"partner_id\":\"acme\""

typedef struct parse_case_s {
        const char *line;
        bp_err_t    err;
        const char *msg; /* exact errstr on error */
} parse_case_t;

static const parse_case_t parse_cases[] = {
    /* valid: the EVENTS.md examples and the lenient parts of the form */
    {INV "}", BP_OK, NULL},
    {INV "}\n", BP_OK, NULL},
    {"  " INV " } ", BP_OK, NULL},
    {PROF_HEAD ",\"profile_completeness\":100,\"job_success_score\":92,"
               "\"signup_partner_id\":null,\"certifications\":[]}",
     BP_OK, NULL},
    {PROF_HEAD ",\"profile_completeness\":100,\"certifications\":[]}", BP_OK,
     NULL},
    {CONTRACT_HEAD ",\"skills\":[\"acme-crm\"],\"feedback_score\":5}", BP_OK,
     NULL},
    {CONTRACT_HEAD ",\"skills\":[]}", BP_OK, NULL},
    {DEC_HEAD ",\"decision\":\"SELECTED\",\"decided_by\":\"PARTNER\"}", BP_OK,
     NULL},
    {INV ",\"future\":{\"x\":[1,{\"y\":null}]},\"z\":true}", BP_OK, NULL},

    /* not JSON, or not an object */
    {"", BP_ERR_PARSE,
     "invalid JSON at column 0: '[' or '{' expected near end of file"},
    {INV, BP_ERR_PARSE,
     "invalid JSON at column 131: '}' expected near end of file"},
    {INV "} x", BP_ERR_PARSE,
     "invalid JSON at column 134: end of file expected near 'x'"},
    {"[1,2]", BP_ERR_PARSE, "expected a JSON object, got array"},
    {"{\"type\":\"invitation-sent\",\"type\":\"x\"}", BP_ERR_PARSE,
     "invalid JSON at column 32: duplicate object key near '\"type\"'"},
    {"{\"type\":\"a\\u0000b\"}", BP_ERR_PARSE,
     "invalid JSON at column 18: \\u0000 is not allowed without "
     "JSON_ALLOW_NUL near '\"a\\u0000b\"'"},
    {"{\"a\":\"\xff\"}", BP_ERR_PARSE,
     "invalid JSON at column 6: unable to decode byte 0xff near '\"'"},
    {INV ",\"n\":123456789012345678901}", BP_ERR_PARSE,
     "invalid JSON at column 157: too big integer"},

    /* type */
    {"{}", BP_ERR_INVALID, "missing field \"type\""},
    {"{\"type\":7}", BP_ERR_INVALID,
     "field \"type\": expected string, got integer"},
    {"{\"type\":\"badge-granted\"}", BP_ERR_INVALID,
     "unknown type \"badge-granted\""},

    /* common fields */
    {"{\"type\":\"invitation-sent\"}", BP_ERR_INVALID,
     "missing field \"event_id\""},
    {"{\"type\":\"invitation-sent\",\"event_id\":null}", BP_ERR_INVALID,
     "field \"event_id\": expected string, got null"},
    {"{\"type\":\"invitation-sent\",\"event_id\":\"e\",\"freelancer_id\":"
     "\"f\",\"occurred_at\":\"2023-11-14\"}",
     BP_ERR_INVALID, "field \"occurred_at\": expected integer, got string"},
    {"{\"type\":\"invitation-sent\",\"event_id\":\"e\",\"freelancer_id\":"
     "\"f\",\"occurred_at\":1.7e12}",
     BP_ERR_INVALID, "field \"occurred_at\": expected integer, got real"},
    {"{\"type\":\"invitation-sent\",\"event_id\":\"e\",\"freelancer_id\":"
     "\"f\",\"occurred_at\":-9223372036854775808}",
     BP_ERR_INVALID,
     "field \"occurred_at\": -9223372036854775808 is out of range "
     "-9223372036854775807..9223372036854775807"},
    {"{\"type\":\"invitation-sent\",\"event_id\":\"\",\"freelancer_id\":"
     "\"f\",\"occurred_at\":1,\"invitation_id\":\"i\",\"partner_id\":\"p\"}",
     BP_ERR_INVALID, "empty event_id"},

    /* profile-updated */
    {PROF_HEAD ",\"profile_completeness\":101,\"certifications\":[]}",
     BP_ERR_INVALID, "profile_completeness 101 out of range 0..100"},
    {PROF_HEAD ",\"profile_completeness\":5000000000,\"certifications\":[]}",
     BP_ERR_INVALID,
     "field \"profile_completeness\": 5000000000 is out of range "
     "-2147483648..2147483647"},
    {PROF_HEAD ",\"profile_completeness\":90,\"job_success_score\":-1,"
               "\"certifications\":[]}",
     BP_ERR_INVALID, "job_success_score -1 out of range 0..100"},
    {PROF_HEAD ",\"profile_completeness\":90,\"job_success_score\":\"90\","
               "\"certifications\":[]}",
     BP_ERR_INVALID,
     "field \"job_success_score\": expected integer, got "
     "string"},
    {PROF_HEAD ",\"profile_completeness\":90}", BP_ERR_INVALID,
     "missing field \"certifications\""},
    {PROF_HEAD ",\"profile_completeness\":90,\"certifications\":{}}",
     BP_ERR_INVALID, "field \"certifications\": expected array, got object"},
    {PROF_HEAD ",\"profile_completeness\":90,\"certifications\":[{"
               "\"certification_id\":\"a\"},\"b\"]}",
     BP_ERR_INVALID,
     "field \"certifications[1]\": expected object, got string"},
    {PROF_HEAD ",\"profile_completeness\":90,\"certifications\":[{}]}",
     BP_ERR_INVALID, "missing field \"certifications[0].certification_id\""},
    {PROF_HEAD ",\"profile_completeness\":90,\"certifications\":[{"
               "\"certification_id\":\"a\",\"expires_at\":\"never\"}]}",
     BP_ERR_INVALID,
     "field \"certifications[0].expires_at\": expected integer, got string"},
    {"{\"type\":\"profile-updated\",\"event_id\":\"e2\",\"freelancer_id\":"
     "\"f1\",\"occurred_at\":1,\"profile_version\":1,\"account_status\":"
     "\"active\"}",
     BP_ERR_INVALID, "field \"account_status\": unknown value \"active\""},
    {"{\"type\":\"profile-updated\",\"event_id\":\"e2\",\"freelancer_id\":"
     "\"f1\",\"occurred_at\":1,\"profile_version\":1,\"account_status\":"
     "\"ACTIVE\",\"profile_completeness\":1,\"visibility\":\"PUBLIC\","
     "\"english_level\":\"fluent\"}",
     BP_ERR_INVALID, "field \"english_level\": unknown value \"fluent\""},

    /* contract-completed */
    {CONTRACT_HEAD ",\"skills\":[\"a\",\"b\",null]}", BP_ERR_INVALID,
     "field \"skills[2]\": expected string, got null"},
    {CONTRACT_HEAD ",\"skills\":\"a\"}", BP_ERR_INVALID,
     "field \"skills\": expected array, got string"},
    {CONTRACT_HEAD ",\"skills\":[],\"feedback_score\":\"4.5\"}", BP_ERR_INVALID,
     "field \"feedback_score\": expected number, got string"},
    {CONTRACT_HEAD ",\"skills\":[],\"feedback_score\":5.5}", BP_ERR_INVALID,
     "feedback_score 5.5 out of range 1.0..5.0"},
    {CONTRACT_HEAD ",\"skills\":[\"\"]}", BP_ERR_INVALID, "empty skills[]"},
    {"{\"type\":\"contract-completed\",\"event_id\":\"e3\",\"freelancer_id\":"
     "\"f1\",\"occurred_at\":1,\"contract_id\":null,\"skills\":[]}",
     BP_ERR_INVALID, "field \"contract_id\": expected string, got null"},

    /* invitation-sent */
    {"{\"type\":\"invitation-sent\",\"event_id\":\"e\",\"freelancer_id\":"
     "\"f\",\"occurred_at\":1,\"invitation_id\":\"i\"}",
     BP_ERR_INVALID, "missing field \"partner_id\""},

    /* partner-decision */
    {DEC_HEAD ",\"decision\":\"NONE\",\"decided_by\":\"PARTNER\"}",
     BP_ERR_INVALID, "field \"decision\": unknown value \"NONE\""},
    {DEC_HEAD ",\"decision\":\"REMOVED\",\"decided_by\":\"ADMIN\"}",
     BP_ERR_INVALID, "field \"decided_by\": unknown value \"ADMIN\""},
    /* what a message quotes from the line cannot reach a terminal raw */
    {DEC_HEAD ",\"decision\":\"\\u001b[2J\\u00e9\\r\"}", BP_ERR_INVALID,
     "field \"decision\": unknown value \"?[2J\xc3\xa9?\""},
    {"{\"a\":\"\x01\"}", BP_ERR_PARSE,
     "invalid JSON at column 6: control character 0x1 near '\"'"},
    {DEC_HEAD ",\"decision\":\"REMOVED\",\"decided_by\":\"PLATFORM\","
              "\"reason\":42}",
     BP_ERR_INVALID, "field \"reason\": expected string, got integer"},
};

static void test_parse_table(void **state) {
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        size_t             i, failed = 0;

        (void)state;
        assert_non_null(parser);
        for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
                const parse_case_t *c           = &parse_cases[i];
                char                errstr[256] = "";
                bp_event_t          ev;
                bp_err_t            err;

                err = bp_jsonl_parser_parse(parser, c->line, strlen(c->line),
                                            &ev, errstr, sizeof(errstr));
                if (err != c->err || (c->msg && strcmp(errstr, c->msg) != 0)) {
                        print_error("case %zu: %s\n  got  %d \"%s\"\n  want "
                                    "%d \"%s\"\n",
                                    i, c->line, err, errstr, c->err,
                                    c->msg ? c->msg : "");
                        failed++;
                }
        }
        bp_jsonl_parser_destroy(parser);
        assert_int_equal(failed, 0);
}

/* Builds a contract line with n skills, or a profile with n certs. */
static char *long_list_line(int profile, size_t n) {
        size_t cap = 512 + n * 40, len, i;
        char  *s   = malloc(cap);

        assert_non_null(s);
        len =
            (size_t)snprintf(s, cap, "%s",
                             profile ? PROF_HEAD ",\"profile_completeness\":90,"
                                                 "\"certifications\":["
                                     : CONTRACT_HEAD ",\"skills\":[");
        for (i = 0; i < n; i++)
                len += (size_t)snprintf(
                    s + len, cap - len,
                    profile ? "%s{\"certification_id\":\"c%zu\"}"
                            : "%s\"s%zu\"",
                    i ? "," : "", i);
        snprintf(s + len, cap - len, "]}");
        return s;
}

static void test_parse_list_limits(void **state) {
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        char               errstr[256];
        bp_event_t         ev;
        char              *s;
        int                profile;

        (void)state;
        for (profile = 0; profile <= 1; profile++) {
                s = long_list_line(profile, BP_LIST_MAX);
                assert_int_equal(bp_jsonl_parser_parse(parser, s, strlen(s),
                                                       &ev, errstr,
                                                       sizeof(errstr)),
                                 BP_OK);
                free(s);
                s = long_list_line(profile, BP_LIST_MAX + 1);
                assert_int_equal(bp_jsonl_parser_parse(parser, s, strlen(s),
                                                       &ev, errstr,
                                                       sizeof(errstr)),
                                 BP_ERR_INVALID);
                assert_string_equal(
                    errstr, profile ? "field \"certifications\": 257 items, "
                                      "at most 256"
                                    : "field \"skills\": 257 items, at most "
                                      "256");
                free(s);
        }
        bp_jsonl_parser_destroy(parser);
}

/* The event borrows from the parser, not from the line. */
static void test_parse_fields_borrowed(void **state) {
        static const char src[] =
            PROF_HEAD ",\"profile_completeness\":95,\"job_success_score\":92,"
                      "\"signup_partner_id\":\"acme\",\"certifications\":[{"
                      "\"certification_id\":\"acme-admin\",\"expires_at\":"
                      "1800000000000},{\"certification_id\":\"x\","
                      "\"expires_at\":null}]}";
        bp_jsonl_parser_t          *parser = bp_jsonl_parser_new();
        char                        errstr[256];
        char                       *line = strdup(src);
        bp_event_t                  ev;
        const bp_profile_updated_t *p = &ev.u.profile;

        (void)state;
        assert_int_equal(bp_jsonl_parser_parse(parser, line, strlen(line), &ev,
                                               errstr, sizeof(errstr)),
                         BP_OK);
        memset(line, 'X', strlen(line));
        free(line);
        assert_int_equal(ev.type, BP_EV_PROFILE_UPDATED);
        assert_string_equal(ev.event_id, "e2");
        assert_string_equal(ev.freelancer_id, "f1");
        assert_true(ev.occurred_at == 1700000001000LL);
        assert_int_equal(p->profile_version, 1);
        assert_int_equal(p->account_status, BP_ACCOUNT_ACTIVE);
        assert_int_equal(p->profile_completeness, 95);
        assert_int_equal(p->visibility, BP_VISIBILITY_PUBLIC);
        assert_int_equal(p->english_level, BP_ENGLISH_FLUENT);
        assert_int_equal(p->job_success_score, 92);
        assert_int_equal(p->origin, BP_ORIGIN_NATIVE);
        assert_string_equal(p->signup_partner_id, "acme");
        assert_int_equal(p->certification_cnt, 2);
        assert_string_equal(p->certifications[0].certification_id,
                            "acme-admin");
        assert_true(p->certifications[0].expires_at == 1800000000000LL);
        assert_true(p->certifications[1].expires_at == BP_TIME_NONE);
        bp_jsonl_parser_destroy(parser);
}

static void test_parse_nulls_left_out(void **state) {
        static const char prof[] =
            PROF_HEAD ",\"profile_completeness\":100,\"certifications\":[]}";
        static const char con[] = CONTRACT_HEAD ",\"skills\":[\"a\",\"b\"]}";
        static const char dec[] =
            DEC_HEAD ",\"decision\":\"REMOVED\",\"decided_by\":\"PLATFORM\","
                     "\"reason\":null}";
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        char               errstr[256];
        bp_event_t         ev;

        (void)state;
        assert_int_equal(bp_jsonl_parser_parse(parser, prof, strlen(prof), &ev,
                                               errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(ev.u.profile.job_success_score, BP_JSS_NONE);
        assert_null(ev.u.profile.signup_partner_id);
        assert_int_equal(bp_jsonl_parser_parse(parser, con, strlen(con), &ev,
                                               errstr, sizeof(errstr)),
                         BP_OK);
        assert_false(ev.u.contract.has_feedback_score);
        assert_int_equal(ev.u.contract.skill_cnt, 2);
        assert_string_equal(ev.u.contract.skills[1], "b");
        assert_int_equal(bp_jsonl_parser_parse(parser, dec, strlen(dec), &ev,
                                               errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(ev.u.decision.decision, BP_DECISION_REMOVED);
        assert_int_equal(ev.u.decision.decided_by, BP_DECIDED_BY_PLATFORM);
        assert_null(ev.u.decision.reason);
        bp_jsonl_parser_destroy(parser);
}

typedef struct escape_case_s {
        const char *in;
        const char *out;
} escape_case_t;

static const escape_case_t escape_cases[] = {
    {"", "\"\""},
    {"plain-id_42", "\"plain-id_42\""},
    {"a\"b\\c/d", "\"a\\\"b\\\\c/d\""},
    {"\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""},
    {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", /* é € emoji */
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    {"a\xff"
     "b",
     "\"a\\ufffdb\""},
    {"end\xc3", "\"end\\ufffd\""},                            /* truncated */
    {"\xc0\xaf", "\"\\ufffd\\ufffd\""},                       /* overlong */
    {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},            /* surrogate */
    {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* > 10FFFF */
    {"\xe2\x82"
     "x",
     "\"\\ufffd\\ufffdx\""},
};

static void test_put_string(void **state) {
        bp_buf_t buf = {0};
        size_t   i;

        (void)state;
        for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
                bp_buf_reset(&buf);
                assert_int_equal(bp_jsonl_put_string(&buf, escape_cases[i].in),
                                 BP_OK);
                if (buf.len != strlen(escape_cases[i].out) ||
                    memcmp(buf.data, escape_cases[i].out, buf.len) != 0)
                        fail_msg("case %zu: got %.*s want %s", i, (int)buf.len,
                                 (const char *)buf.data, escape_cases[i].out);
        }
        bp_buf_free(&buf);
}

/* Everything the escaper writes is valid JSON that reads back to the
 * input wherever the input was valid UTF-8. */
static void test_put_string_reads_back(void **state) {
        bp_buf_t           buf = {0};
        char               in[64];
        char               errstr[256];
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        bp_event_t         ev;
        int                c;

        (void)state;
        for (c = 1; c < 0x80; c++) {
                snprintf(in, sizeof(in), "id%cx", c);
                bp_buf_reset(&buf);
                bp_buf_printf(&buf,
                              "{\"type\":\"invitation-sent\",\"event_id\":");
                assert_int_equal(bp_jsonl_put_string(&buf, in), BP_OK);
                bp_buf_printf(&buf, ",\"freelancer_id\":\"f\",\"occurred_at\""
                                    ":1,\"invitation_id\":\"i\","
                                    "\"partner_id\":\"p\"}");
                assert_int_equal(
                    bp_jsonl_parser_parse(parser, (const char *)buf.data,
                                          buf.len, &ev, errstr, sizeof(errstr)),
                    BP_OK);
                assert_string_equal(ev.event_id, in);
        }
        bp_jsonl_parser_destroy(parser);
        bp_buf_free(&buf);
}

void test_make_badges(bp_badge_event_t *g, bp_badge_event_t *r) {
        memset(g, 0, sizeof(*g));
        g->kind = BP_BADGE_GRANTED;
        strcpy(g->event_id, "b-0123456789abcdef0123456789abcdef");
        g->freelancer_id   = "f1";
        g->partner_id      = "acme";
        g->badge_id        = "acme-expert";
        g->occurred_at     = 1700000002000LL;
        g->badge_version   = 1;
        g->basis           = BP_BASIS_NEW_FREELANCER_EXCEPTION;
        g->cause.event_id  = "e3";
        g->cause.topic     = "partner-decision";
        g->cause.partition = 0;
        g->cause.offset    = 2;
        g->rules_version   = "r-00112233445566ff";

        *r      = *g;
        r->kind = BP_BADGE_REVOKED;
        strcpy(r->event_id, "b-fedcba9876543210fedcba9876543210");
        r->badge_version   = 2;
        r->reason_cnt      = 2;
        r->reasons[0].code = BP_REASON_JSS_BELOW_MIN;
        strcpy(r->reasons[0].detail, "jss 75 < 80");
        r->reasons[1].code = BP_REASON_PROFILE_NOT_PUBLIC;
        strcpy(r->reasons[1].detail, "visibility \"PRIVATE\"\n");
        r->cause.event_id  = "e\"9";
        r->cause.topic     = "profile-updated";
        r->cause.partition = 7;
        r->cause.offset    = 9000000000LL;
}

static void assert_buf(const bp_buf_t *buf, const char *want) {
        if (buf->len != strlen(want) || memcmp(buf->data, want, buf->len))
                fail_msg("got  %.*s\nwant %s", (int)buf->len,
                         (const char *)buf->data, want);
}

static void test_write_badge_exact(void **state) {
        bp_badge_event_t g, r;
        bp_buf_t         buf = {0};

        (void)state;
        test_make_badges(&g, &r);
        assert_int_equal(bp_jsonl_write_badge(&buf, &g), BP_OK);
        assert_buf(&buf,
                   "{\"type\":\"badge-granted\",\"event_id\":"
                   "\"b-0123456789abcdef0123456789abcdef\",\"freelancer_id\":"
                   "\"f1\",\"partner_id\":\"acme\",\"badge_id\":"
                   "\"acme-expert\",\"occurred_at\":1700000002000,"
                   "\"badge_version\":1,\"basis\":\"NEW_FREELANCER_EXCEPTION\","
                   "\"cause\":{\"event_id\":\"e3\",\"topic\":"
                   "\"partner-decision\",\"partition\":0,\"offset\":2},"
                   "\"rules_version\":\"r-00112233445566ff\"}\n");
        bp_buf_reset(&buf);
        assert_int_equal(bp_jsonl_write_badge(&buf, &r), BP_OK);
        assert_buf(&buf,
                   "{\"type\":\"badge-revoked\",\"event_id\":"
                   "\"b-fedcba9876543210fedcba9876543210\",\"freelancer_id\":"
                   "\"f1\",\"partner_id\":\"acme\",\"badge_id\":"
                   "\"acme-expert\",\"occurred_at\":1700000002000,"
                   "\"badge_version\":2,\"reasons\":[{\"code\":"
                   "\"JSS_BELOW_MIN\",\"detail\":\"jss 75 < 80\"},{\"code\":"
                   "\"PROFILE_NOT_PUBLIC\",\"detail\":\"visibility "
                   "\\\"PRIVATE\\\"\\n\"}],\"cause\":{\"event_id\":"
                   "\"e\\\"9\",\"topic\":\"profile-updated\",\"partition\":7,"
                   "\"offset\":9000000000},\"rules_version\":"
                   "\"r-00112233445566ff\"}\n");
        bp_buf_free(&buf);
}

/* A writer that refuses an event leaves the buffer as it was. */
static void test_write_refuses(void **state) {
        bp_badge_event_t g, r;
        bp_event_t       ev;
        bp_buf_t         buf = {0};

        (void)state;
        test_make_badges(&g, &r);
        assert_int_equal(bp_buf_append_str(&buf, "kept"), BP_OK);
        g.kind = (bp_badge_kind_t)7;
        assert_int_equal(bp_jsonl_write_badge(&buf, &g), BP_ERR_INVALID);
        g.kind     = BP_BADGE_GRANTED;
        g.badge_id = NULL;
        assert_int_equal(bp_jsonl_write_badge(&buf, &g), BP_ERR_INVALID);
        r.reason_cnt = BP_REASON__CNT + 1;
        assert_int_equal(bp_jsonl_write_badge(&buf, &r), BP_ERR_INVALID);
        r.reason_cnt      = 1;
        r.reasons[0].code = (bp_reason_code_t)BP_REASON__CNT;
        assert_int_equal(bp_jsonl_write_badge(&buf, &r), BP_ERR_INVALID);
        memset(&ev, 0, sizeof(ev));
        ev.type                          = BP_EV_CONTRACT_COMPLETED;
        ev.event_id                      = "e";
        ev.freelancer_id                 = "f";
        ev.u.contract.contract_id        = "c";
        ev.u.contract.has_feedback_score = true;
        ev.u.contract.feedback_score     = NAN;
        assert_int_equal(bp_jsonl_write_event(&buf, &ev), BP_ERR_INVALID);
        ev.type = BP_EV__CNT;
        assert_int_equal(bp_jsonl_write_event(&buf, &ev), BP_ERR_INVALID);
        assert_buf(&buf, "kept");
        bp_buf_free(&buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_table),
            cmocka_unit_test(test_parse_list_limits),
            cmocka_unit_test(test_parse_fields_borrowed),
            cmocka_unit_test(test_parse_nulls_left_out),
            cmocka_unit_test(test_put_string),
            cmocka_unit_test(test_put_string_reads_back),
            cmocka_unit_test(test_write_badge_exact),
            cmocka_unit_test(test_write_refuses),
            cmocka_unit_test(test_roundtrip_events),
            cmocka_unit_test(test_roundtrip_badges),
            cmocka_unit_test(test_parse_badge_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
