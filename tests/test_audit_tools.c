/*
 * test_audit_tools.c - the modules behind replay, explain, audit and
 * what-if, without processes or brokers:
 *  - bp_time: accepted and refused times, formatting, round trips;
 *  - bp_audit: a clean comparison, and each kind of discrepancy
 *    (unjustified, mismatch, missing, duplicate identical or not, order)
 *    found exactly once, cause positions ignored;
 *  - bp_eval_json / bp_decision_log: the decision line of a grant and a
 *    revocation carries the event, the failing codes and every check;
 *  - bp_source: --offsets ranges parsed or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_audit.h"
#include "bp_decision_log.h"
#include "bp_engine.h"
#include "bp_eval_json.h"
#include "bp_source_int.h"
#include "bp_time.h"

/* --- bp_time --- */

static void test_time_parse(void **state) {
        static const struct {
                const char *text;
                int64_t     ms;
        } ok[] = {
            {"1970-01-01T00:00:00Z", 0},
            {"2026-01-01T00:00:00Z", 1767225600000LL},
            {"2026-01-01T00:00:00.250Z", 1767225600250LL},
            {"2024-02-29T23:59:59.999Z", 1709251199999LL},
            {"1767225600000", 1767225600000LL},
            {"9999-12-31T23:59:59.999Z", 253402300799999LL},
        };
        static const char *const bad[] = {
            "",
            "2026-02-29T00:00:00Z", /* not a leap year */
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00+01:00",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.5Z",
            "1969-12-31T23:59:59Z",
            "-5",
            "12x",
            "99999999999999999999",
        };
        char    errstr[256];
        int64_t ms;
        size_t  i;

        (void)state;
        for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                if (bp_time_parse(ok[i].text, &ms, errstr, sizeof(errstr)))
                        fail_msg("%s refused: %s", ok[i].text, errstr);
                assert_int_equal(ms, ok[i].ms);
        }
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (bp_time_parse(bad[i], &ms, errstr, sizeof(errstr)) !=
                    BP_ERR_INVALID)
                        fail_msg("\"%s\" accepted", bad[i]);
}

static void test_time_format(void **state) {
        char    buf[BP_TIME_TEXT_SIZE], errstr[128];
        int64_t ms, back;

        (void)state;
        assert_string_equal(bp_time_format(0, buf, sizeof(buf)),
                            "1970-01-01T00:00:00.000Z");
        assert_string_equal(bp_time_format(1709251199999LL, buf, sizeof(buf)),
                            "2024-02-29T23:59:59.999Z");
        assert_string_equal(bp_time_format(-1, buf, sizeof(buf)),
                            "1969-12-31T23:59:59.999Z");
        assert_string_equal(bp_time_format(INT64_MAX, buf, sizeof(buf)),
                            "9223372036854775807");
        /* Every day of four years round-trips. */
        for (ms = 1704067200000LL; ms < 1830297600000LL; ms += 86400123LL) {
                bp_time_format(ms, buf, sizeof(buf));
                assert_int_equal(
                    bp_time_parse(buf, &back, errstr, sizeof(errstr)), BP_OK);
                assert_int_equal(back, ms);
        }
}

/* --- bp_audit --- */

/* A badge event for (f, partner acme) at version v caused by cause_id,
 * with the deterministic id. */
static bp_badge_event_t badge(const char *f, int64_t v, bp_badge_kind_t kind,
                              const char *cause_id) {
        bp_badge_event_t ev;

        memset(&ev, 0, sizeof(ev));
        ev.kind            = kind;
        ev.freelancer_id   = f;
        ev.partner_id      = "acme";
        ev.badge_id        = "acme-expert";
        ev.occurred_at     = 1767225600000LL + v;
        ev.badge_version   = v;
        ev.rules_version   = "r-0123456789abcdef";
        ev.cause.event_id  = cause_id;
        ev.cause.topic     = "partner-decision";
        ev.cause.partition = 0;
        ev.cause.offset    = v;
        if (kind == BP_BADGE_REVOKED) {
                ev.reason_cnt           = 1;
                ev.reasons[0].code      = BP_REASON_JSS_BELOW_MIN;
                ev.reasons[0].detail[0] = '\0';
        }
        bp_badge_event_make_id(&ev);
        return ev;
}

static bp_audit_t *audit_of(const bp_badge_event_t *exp, size_t exp_cnt,
                            const bp_badge_event_t *pub, size_t pub_cnt) {
        bp_audit_t *a = bp_audit_new();
        size_t      i;

        assert_non_null(a);
        for (i = 0; i < exp_cnt; i++)
                assert_int_equal(bp_audit_add_expected(a, &exp[i]), BP_OK);
        for (i = 0; i < pub_cnt; i++)
                assert_int_equal(bp_audit_add_published(a, &pub[i]), BP_OK);
        assert_int_equal(bp_audit_compare(a), BP_OK);
        return a;
}

static void test_audit_clean(void **state) {
        bp_badge_event_t exp[3], pub[3];
        bp_audit_t      *a;
        int              k;

        (void)state;
        exp[0] = badge("f1", 1, BP_BADGE_GRANTED, "e1");
        exp[1] = badge("f1", 2, BP_BADGE_REVOKED, "e2");
        exp[2] = badge("f2", 1, BP_BADGE_GRANTED, "e3");
        memcpy(pub, exp, sizeof(pub));
        /* Read from Kafka: other positions, same events. */
        pub[0].cause.topic     = "t";
        pub[0].cause.partition = 5;
        pub[0].cause.offset    = 99;
        a                      = audit_of(exp, 3, pub, 3);
        assert_int_equal(bp_audit_matched_cnt(a), 3);
        for (k = 0; k < BP_AUDIT__CNT; k++)
                assert_int_equal(bp_audit_count(a, (bp_audit_kind_t)k), 0);
        assert_int_equal(bp_audit_item_cnt(a), 0);
        bp_audit_destroy(a);
}

static void test_audit_each_kind(void **state) {
        bp_badge_event_t       exp[4], pub[6];
        bp_audit_t            *a;
        const bp_audit_item_t *it;

        (void)state;
        exp[0] = badge("f1", 1, BP_BADGE_GRANTED, "e1");
        exp[1] = badge("f1", 2, BP_BADGE_REVOKED, "e2"); /* never published */
        exp[2] = badge("f2", 1, BP_BADGE_GRANTED, "e3");
        exp[3] = badge("f3", 1, BP_BADGE_GRANTED, "e4");
        pub[0] = exp[0];
        pub[1] = exp[0];                                 /* redelivery */
        pub[2] = badge("f9", 1, BP_BADGE_GRANTED, "e9"); /* unjustified */
        pub[3] = exp[2];
        pub[3].basis = BP_BASIS_NEW_FREELANCER_EXCEPTION;      /* mismatch */
        pub[4]       = badge("f3", 2, BP_BADGE_REVOKED, "e5"); /* unjustified */
        pub[5]       = exp[3]; /* v1 after v2 of f3: order */
        a            = audit_of(exp, 4, pub, 6);
        assert_int_equal(bp_audit_count(a, BP_AUDIT_DUPLICATE), 1);
        assert_int_equal(bp_audit_count(a, BP_AUDIT_UNJUSTIFIED), 2);
        assert_int_equal(bp_audit_count(a, BP_AUDIT_MISMATCH), 1);
        assert_int_equal(bp_audit_count(a, BP_AUDIT_ORDER), 1);
        assert_int_equal(bp_audit_count(a, BP_AUDIT_MISSING), 1);
        /* f1 v1, and f3 v1 which came out of order but came. */
        assert_int_equal(bp_audit_matched_cnt(a), 2);
        it = bp_audit_item(a, 0);
        assert_int_equal(it->kind, BP_AUDIT_DUPLICATE);
        assert_true(it->identical);
        assert_int_equal(it->published_index, 1);
        it = bp_audit_item(a, 2);
        assert_int_equal(it->kind, BP_AUDIT_MISMATCH);
        assert_string_equal(it->expected->event_id, exp[2].event_id);
        it = bp_audit_item(a, 4);
        assert_int_equal(it->kind, BP_AUDIT_ORDER);
        assert_int_equal(it->previous_version, 2);
        assert_int_equal(it->published_index, 5);
        it = bp_audit_item(a, 5);
        assert_int_equal(it->kind, BP_AUDIT_MISSING);
        assert_string_equal(it->expected->event_id, exp[1].event_id);
        assert_null(it->published);
        assert_int_equal(bp_audit_item_cnt(a), 6);
        bp_audit_destroy(a);
}

static void test_audit_duplicate_differs(void **state) {
        bp_badge_event_t exp[1], pub[2];
        bp_audit_t      *a;

        (void)state;
        exp[0]             = badge("f1", 1, BP_BADGE_GRANTED, "e1");
        pub[0]             = exp[0];
        pub[1]             = exp[0];
        pub[1].occurred_at = 5;
        a                  = audit_of(exp, 1, pub, 2);
        assert_int_equal(bp_audit_count(a, BP_AUDIT_DUPLICATE), 1);
        assert_false(bp_audit_item(a, 0)->identical);
        assert_int_equal(bp_audit_matched_cnt(a), 1);
        bp_audit_destroy(a);
}

/* --- decision log --- */

static void apply(const bp_rules_t *rules, bp_freelancer_t *fl, bp_event_t *ev,
                  int64_t at, bp_badge_events_t *out) {
        bp_cause_t cause = {ev->event_id, "t", 0, at};

        ev->freelancer_id = "f1";
        ev->occurred_at   = at;
        assert_int_equal(bp_engine_apply(rules, fl, ev, &cause, out, NULL),
                         BP_OK);
}

static char *slurp(const char *path) {
        FILE  *f = fopen(path, "rb");
        char  *s = calloc(1, 65536);
        size_t n;

        assert_non_null(f);
        assert_non_null(s);
        n    = fread(s, 1, 65535, f);
        s[n] = '\0';
        fclose(f);
        return s;
}

/* Invites, profiles and selects f1 at acme (a grant), logs it, then
 * removes f1 by the platform (a revocation) and logs that. */
static void grant_then_remove(const bp_rules_t *rules, bp_freelancer_t *fl,
                              bp_decision_log_t *log) {
        bp_badge_events_t out;
        bp_event_t        ev;

        assert_int_equal(bp_badge_events_init(&out), BP_OK);
        memset(&ev, 0, sizeof(ev));
        ev.type                       = BP_EV_INVITATION_SENT;
        ev.event_id                   = "e1";
        ev.u.invitation.invitation_id = "i1";
        ev.u.invitation.partner_id    = "acme";
        apply(rules, fl, &ev, 1000, &out);
        memset(&ev, 0, sizeof(ev));
        ev.type                           = BP_EV_PROFILE_UPDATED;
        ev.event_id                       = "e2";
        ev.u.profile.profile_version      = 1;
        ev.u.profile.profile_completeness = 100;
        ev.u.profile.english_level        = BP_ENGLISH_FLUENT;
        ev.u.profile.job_success_score    = 92;
        apply(rules, fl, &ev, 2000, &out);
        memset(&ev, 0, sizeof(ev));
        ev.type                  = BP_EV_PARTNER_DECISION;
        ev.event_id              = "e3";
        ev.u.decision.partner_id = "acme";
        ev.u.decision.decision   = BP_DECISION_SELECTED;
        apply(rules, fl, &ev, 3000, &out);
        assert_int_equal(out.cnt, 1);
        assert_int_equal(bp_decision_log_append(log, rules, fl, &out), BP_OK);
        bp_badge_events_clear(&out);
        ev.event_id              = "e4";
        ev.u.decision.decision   = BP_DECISION_REMOVED;
        ev.u.decision.decided_by = BP_DECIDED_BY_PLATFORM;
        apply(rules, fl, &ev, 4000, &out);
        assert_int_equal(bp_decision_log_append(log, rules, fl, &out), BP_OK);
        /* Off is a no-op. */
        assert_int_equal(bp_decision_log_append(NULL, rules, fl, &out), BP_OK);
        bp_badge_events_destroy(&out);
}

static void test_decision_log(void **state) {
        bp_rules_t        *rules = bp_rules_new_default();
        bp_freelancer_t   *fl    = bp_freelancer_new("f1");
        bp_decision_log_t *log;
        char               path[] = "/tmp/bp_decision_log_XXXXXX", errstr[256];
        char              *text, *second;
        int                fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        assert_non_null(rules);
        assert_non_null(fl);
        log = bp_decision_log_open(path, errstr, sizeof(errstr));
        assert_non_null(log);
        grant_then_remove(rules, fl, log);
        assert_int_equal(bp_decision_log_close(log), BP_OK);
        text = slurp(path);
        unlink(path);
        second = strchr(text, '\n');
        assert_non_null(second);
        assert_true(strncmp(text,
                            "{\"type\":\"badge-decision\",\"event_id\":\"b-",
                            39) == 0);
        assert_non_null(strstr(text, "\"kind\":\"badge-granted\""));
        assert_true(strstr(text, "\"holds\":true,\"failing\":[],\"checks\":"
                                 "[{\"check\":\"invited\"") < second);
        assert_true(strstr(text, "{\"check\":\"jss\",\"source\":\"platform\","
                                 "\"code\":\"JSS_BELOW_MIN\",\"pass\":true,"
                                 "\"value\":92,\"required\":\">= 80\","
                                 "\"detail\":\"jss 92 >= 80\"}") < second);
        assert_non_null(strstr(second, "\"kind\":\"badge-revoked\""));
        assert_non_null(strstr(second, "\"holds\":false,\"failing\":"
                                       "[\"REMOVED_BY_PLATFORM\"]"));
        assert_non_null(strstr(second, "\"cause\":{\"event_id\":\"e4\","
                                       "\"topic\":\"t\",\"partition\":0,"
                                       "\"offset\":4000}"));
        assert_string_equal(strchr(second + 1, '\n'), "\n");
        /* A log that cannot be opened says which file and why. */
        assert_null(bp_decision_log_open("/nonexistent/dir/log", errstr,
                                         sizeof(errstr)));
        assert_string_equal(errstr, "decision log /nonexistent/dir/log: No "
                                    "such file or directory");
        free(text);
        bp_freelancer_destroy(fl);
        bp_rules_destroy(rules);
}

/* --- --offsets ranges --- */

static void test_ranges(void **state) {
        bp_source_opts_t         o;
        bp_source_range_t        r;
        char                     errstr[256];
        static const char *const bad[] = {
            "partner-decision:1:5",     "partner-decision:1:9-5",
            "partner-decision::1-2",    "nope:1:1-2",
            "partner-decision:x:1-2",   ":1:1-2",
            "partner-decision:1:1-2:3", "partner-decision:1:-1-2",
        };
        size_t i;

        (void)state;
        bp_source_opts_init(&o);
        assert_int_equal(bp_source_range_parse(&o, "partner-decision:3:5-20",
                                               &r, errstr, sizeof(errstr)),
                         0);
        assert_int_equal(r.input, BP_EV_PARTNER_DECISION);
        assert_int_equal(r.partition, 3);
        assert_int_equal(r.start, 5);
        assert_int_equal(r.end, 20);
        assert_int_equal(bp_source_range_parse(&o, "profile-updated:0:-", &r,
                                               errstr, sizeof(errstr)),
                         0);
        assert_int_equal(r.start, -2); /* oldest */
        assert_int_equal(r.end, -1);   /* the end at start */
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (!bp_source_range_parse(&o, bad[i], &r, errstr,
                                           sizeof(errstr)))
                        fail_msg("\"%s\" accepted", bad[i]);
        o.prefix = "x.";
        assert_int_equal(bp_source_range_parse(&o, "x.invitation-sent:0:1-", &r,
                                               errstr, sizeof(errstr)),
                         0);
        assert_int_equal(r.input, BP_EV_INVITATION_SENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_time_parse),
            cmocka_unit_test(test_time_format),
            cmocka_unit_test(test_audit_clean),
            cmocka_unit_test(test_audit_each_kind),
            cmocka_unit_test(test_audit_duplicate_differs),
            cmocka_unit_test(test_decision_log),
            cmocka_unit_test(test_ranges),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
