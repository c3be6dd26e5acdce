/*
 * test_jsonl_roundtrip.c - writers and readers of the JSON Lines form
 * agree: an event written and read back is the same event, and writing
 * it again gives the same bytes. Also the rejections of the badge event
 * reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "event_asserts.h"

#include "bp_jsonl.h"
#include "test_jsonl.h"

static const bp_event_cert_t certs[] = {
    {"acme-admin", 1800000000000LL},
    {"caf\xc3\xa9-\"cert\"", BP_TIME_NONE},
};
static const char *const skills[] = {"acme-crm", "sql\\server", "t\tab"};

/* The events to round trip: every type, nulls and values, awkward
 * strings and doubles that need 15, 16 and 17 digits. */
static bp_event_t make_event(int i) {
        bp_event_t ev = {0};

        ev.event_id      = "e-1";
        ev.freelancer_id = "f\xe2\x82\xac";
        ev.occurred_at   = 1700000000000LL + i;
        switch (i) {
        case 0:
        case 1:
                ev.type                           = BP_EV_PROFILE_UPDATED;
                ev.u.profile.profile_version      = 9000000000LL;
                ev.u.profile.account_status       = BP_ACCOUNT_SUSPENDED;
                ev.u.profile.profile_completeness = 90;
                ev.u.profile.visibility           = BP_VISIBILITY_UPWORK_ONLY;
                ev.u.profile.english_level        = BP_ENGLISH_NATIVE;
                ev.u.profile.job_success_score    = i ? BP_JSS_NONE : 0;
                ev.u.profile.origin               = BP_ORIGIN_ELANCE;
                ev.u.profile.signup_partner_id    = i ? NULL : "acme";
                ev.u.profile.certifications       = certs;
                ev.u.profile.certification_cnt    = i ? 0 : 2;
                break;
        case 2:
        case 3:
        case 4:
        case 5:
                ev.type                          = BP_EV_CONTRACT_COMPLETED;
                ev.u.contract.contract_id        = "c/1";
                ev.u.contract.skills             = skills;
                ev.u.contract.skill_cnt          = (size_t)(i - 2);
                ev.u.contract.has_feedback_score = i != 2;
                ev.u.contract.feedback_score     = i == 3   ? 4.7
                                                   : i == 4 ? 5.0
                                                            : 10.0 / 3.0;
                break;
        case 6:
                ev.type                       = BP_EV_INVITATION_SENT;
                ev.u.invitation.invitation_id = "i-1";
                ev.u.invitation.partner_id    = "globex";
                break;
        default:
                ev.type                  = BP_EV_PARTNER_DECISION;
                ev.u.decision.partner_id = "acme";
                ev.u.decision.decision   = (bp_decision_t)(i - 7);
                ev.u.decision.decided_by = BP_DECIDED_BY_PLATFORM;
                ev.u.decision.reason     = i == 7 ? NULL : "policy \"7.2\"\n";
                break;
        }
        return ev;
}
#define EVENT_CNT 10


void test_roundtrip_events(void **state) {
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        bp_buf_t           first = {0}, second = {0};
        char               errstr[256];
        bp_event_t         ev, back;
        int                i;

        (void)state;
        for (i = 0; i < EVENT_CNT; i++) {
                ev = make_event(i);
                bp_buf_reset(&first);
                bp_buf_reset(&second);
                assert_int_equal(bp_jsonl_write_event(&first, &ev), BP_OK);
                assert_int_equal(first.data[first.len - 1], '\n');
                if (bp_jsonl_parser_parse(parser, (const char *)first.data,
                                          first.len, &back, errstr,
                                          sizeof(errstr)) != BP_OK)
                        fail_msg("event %d: %s: %.*s", i, errstr,
                                 (int)first.len, (const char *)first.data);
                bp_assert_event_equal(&ev, &back);
                assert_int_equal(bp_jsonl_write_event(&second, &back), BP_OK);
                assert_int_equal(first.len, second.len);
                assert_memory_equal(first.data, second.data, first.len);
        }
        /* The shortest form of a double, and a real for a whole one. */
        ev = make_event(3);
        bp_buf_reset(&first);
        assert_int_equal(bp_jsonl_write_event(&first, &ev), BP_OK);
        assert_non_null(
            strstr((const char *)first.data, "\"feedback_score\":4.7}"));
        ev = make_event(4);
        bp_buf_reset(&first);
        assert_int_equal(bp_jsonl_write_event(&first, &ev), BP_OK);
        assert_non_null(strstr((const char *)first.data,
                               "\"skills\":[\"acme-crm\",\"sql\\\\server\"],"
                               "\"feedback_score\":5.0}"));
        bp_jsonl_parser_destroy(parser);
        bp_buf_free(&first);
        bp_buf_free(&second);
}


void test_roundtrip_badges(void **state) {
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        bp_arena_t        *arena  = bp_arena_new(4096);
        bp_badge_event_t   ev[2], back;
        bp_buf_t           first = {0}, second = {0};
        char               errstr[256];
        int                i;

        (void)state;
        assert_non_null(arena);
        test_make_badges(&ev[0], &ev[1]);
        for (i = 0; i < 2; i++) {
                bp_buf_reset(&first);
                bp_buf_reset(&second);
                assert_int_equal(bp_jsonl_write_badge(&first, &ev[i]), BP_OK);
                if (bp_jsonl_parse_badge(parser, (const char *)first.data,
                                         first.len, arena, &back, errstr,
                                         sizeof(errstr)) != BP_OK)
                        fail_msg("badge %d: %s", i, errstr);
                /* The copy lives in the arena, not in the line. */
                memset(first.data, 'X', first.len);
                bp_assert_badge_equal(&ev[i], &back);
                assert_int_equal(bp_jsonl_write_badge(&second, &back), BP_OK);
                bp_buf_reset(&first);
                assert_int_equal(bp_jsonl_write_badge(&first, &ev[i]), BP_OK);
                assert_int_equal(first.len, second.len);
                assert_memory_equal(first.data, second.data, first.len);
        }
        bp_arena_destroy(arena);
        bp_jsonl_parser_destroy(parser);
        bp_buf_free(&first);
        bp_buf_free(&second);
}

typedef struct badge_case_s {
        const char *line;
        const char *msg;
} badge_case_t;

#define GRANT_HEAD                                                            \
        "{\"type\":\"badge-granted\",\"event_id\":\"b-1\",\"freelancer_id\":" \
        "\"f1\",\"partner_id\":\"acme\",\"badge_id\":\"acme-expert\","        \
        "\"occurred_at\":1,\"badge_version\":1"
#define REVOKE_HEAD                                                           \
        "{\"type\":\"badge-revoked\",\"event_id\":\"b-1\",\"freelancer_id\":" \
        "\"f1\",\"partner_id\":\"acme\",\"badge_id\":\"acme-expert\","        \
        "\"occurred_at\":1,\"badge_version\":2"
#define CAUSE                                                             \
        ",\"cause\":{\"event_id\":\"e\",\"topic\":\"t\",\"partition\":0," \
        "\"offset\":0},\"rules_version\":\"r\"}"
#define R ",{\"code\":\"NOT_SELECTED\",\"detail\":\"\"}"

static const badge_case_t badge_cases[] = {
    {"{\"type\":\"invitation-sent\"}", "unknown type \"invitation-sent\""},
    {"{\"type\":\"badge-granted\",\"event_id\":\"b-"
     "0123456789abcdef0123456789abcdef0\"}",
     "field \"event_id\": 35 bytes, at most 34"},
    {GRANT_HEAD CAUSE, "missing field \"basis\""},
    {GRANT_HEAD ",\"basis\":\"VIP\"" CAUSE,
     "field \"basis\": unknown value \"VIP\""},
    {GRANT_HEAD ",\"basis\":\"STANDARD\",\"cause\":{\"event_id\":\"e\","
                "\"topic\":\"t\",\"offset\":0},\"rules_version\":\"r\"}",
     "missing field \"cause.partition\""},
    {GRANT_HEAD ",\"basis\":\"STANDARD\",\"cause\":{\"event_id\":\"e\","
                "\"topic\":\"t\",\"partition\":4294967296,\"offset\":0}}",
     "field \"cause.partition\": 4294967296 is out of range "
     "-2147483648..2147483647"},
    {GRANT_HEAD ",\"basis\":\"STANDARD\",\"cause\":[]}",
     "field \"cause\": expected object, got array"},
    {REVOKE_HEAD CAUSE, "missing field \"reasons\""},
    {REVOKE_HEAD ",\"reasons\":[{\"code\":\"TOO_OLD\",\"detail\":\"\"}]" CAUSE,
     "field \"reasons[0].code\": unknown value \"TOO_OLD\""},
    {REVOKE_HEAD ",\"reasons\":[{\"code\":\"NOT_SELECTED\"}]" CAUSE,
     "missing field \"reasons[0].detail\""},
    {REVOKE_HEAD ",\"reasons\":[{\"code\":\"NOT_SELECTED\",\"detail\":\""
                 "0123456789012345678901234567890123456789"
                 "0123456789012345678901234567890123456789"
                 "0123456789012345678901234567890123456789"
                 "0123456789012345678901234567890123456789\"}]" CAUSE,
     "field \"reasons[0].detail\": 160 bytes, at most 159"},
    {REVOKE_HEAD ",\"reasons\":[{\"code\":\"NOT_SELECTED\",\"detail\":\"\"}" R R
         R R R R R R R R R R R "]" CAUSE,
     "field \"reasons\": 14 items, at most 13"},
};

void test_parse_badge_errors(void **state) {
        bp_jsonl_parser_t *parser = bp_jsonl_parser_new();
        bp_arena_t        *arena  = bp_arena_new(4096);
        bp_badge_event_t   ev;
        char               errstr[256];
        size_t             i;

        (void)state;
        for (i = 0; i < sizeof(badge_cases) / sizeof(badge_cases[0]); i++) {
                const badge_case_t *c = &badge_cases[i];

                errstr[0] = '\0';
                if (bp_jsonl_parse_badge(parser, c->line, strlen(c->line),
                                         arena, &ev, errstr,
                                         sizeof(errstr)) != BP_ERR_INVALID ||
                    strcmp(errstr, c->msg) != 0)
                        fail_msg("case %zu: %s\n  got  \"%s\"\n  want \"%s\"",
                                 i, c->line, errstr, c->msg);
        }
        bp_arena_destroy(arena);
        bp_jsonl_parser_destroy(parser);
}
