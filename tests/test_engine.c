/*
 * test_engine.c - every rule of DOMAIN.md, as short stories.
 *
 * Each case is a list of steps (engine_script.h) and the exact sequence of
 * badge events they must publish. The rules are tests/data/rules-engine:
 * platform defaults; acme (certification, 3 acme-crm contracts with
 * feedback >= 4.5, JSS >= 90); hooli (certification only); initech (no
 * new-freelancer exception); any other partner has no rules file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bp_engine.h"
#include "bp_rules.h"
#include "engine_script.h"

#define MAX_STEPS 16

typedef struct engine_case_s {
        const char *name;
        const char *steps[MAX_STEPS];
        const char *expect; /* rendered events, space separated */
} engine_case_t;

/* A profile that meets every platform requirement is "prof" alone;
 * "ok" below is the standard path to a globex badge. */
#define GLOBEX_GRANT "inv globex", "prof", "sel globex"

static const engine_case_t cases[] = {
    /* Granting needs invitation, selection and qualifications. */
    {"standard grant", {GLOBEX_GRANT}, "+globex STANDARD v1"},
    {"no grant without selection", {"inv globex", "prof"}, ""},
    {"no grant without invitation", {"prof", "sel globex"}, ""},
    {"no grant without profile", {"inv globex", "sel globex"}, ""},
    {"invitation after the decision grants",
     {"sel globex", "prof", "inv globex"},
     "+globex STANDARD v1"},
    {"qualifying never grants on its own",
     {"inv globex", "prof jss=50", "prof jss=99"},
     ""},

    /* Each platform requirement, failing after a grant. */
    {"account suspended",
     {GLOBEX_GRANT, "prof acct=SUSPENDED"},
     "+globex STANDARD v1 -globex ACCOUNT_NOT_ACTIVE v2"},
    {"account closed",
     {GLOBEX_GRANT, "prof acct=CLOSED"},
     "+globex STANDARD v1 -globex ACCOUNT_NOT_ACTIVE v2"},
    {"jss missing",
     {GLOBEX_GRANT, "prof jss=null"},
     "+globex STANDARD v1 -globex JSS_MISSING v2"},
    {"jss below min",
     {GLOBEX_GRANT, "prof jss=79"},
     "+globex STANDARD v1 -globex JSS_BELOW_MIN v2"},
    {"jss exactly min holds",
     {GLOBEX_GRANT, "prof jss=80"},
     "+globex STANDARD v1"},
    {"profile incomplete",
     {GLOBEX_GRANT, "prof comp=99"},
     "+globex STANDARD v1 -globex PROFILE_INCOMPLETE v2"},
    {"profile upwork only",
     {GLOBEX_GRANT, "prof vis=UPWORK_ONLY"},
     "+globex STANDARD v1 -globex PROFILE_NOT_PUBLIC v2"},
    {"profile private",
     {GLOBEX_GRANT, "prof vis=PRIVATE"},
     "+globex STANDARD v1 -globex PROFILE_NOT_PUBLIC v2"},
    {"english conversational",
     {GLOBEX_GRANT, "prof eng=CONVERSATIONAL"},
     "+globex STANDARD v1 -globex ENGLISH_BELOW_MIN v2"},
    {"english native is better than fluent",
     {GLOBEX_GRANT, "prof eng=NATIVE"},
     "+globex STANDARD v1"},
    {"requalifying grants again",
     {GLOBEX_GRANT, "prof jss=70", "prof jss=85"},
     "+globex STANDARD v1 -globex JSS_BELOW_MIN v2 +globex STANDARD v3"},

    /* Elance profiles need 90 %, others 100 %. */
    {"elance at 90 qualifies",
     {"inv globex", "prof origin=ELANCE comp=90", "sel globex"},
     "+globex STANDARD v1"},
    {"elance at 89 does not",
     {"inv globex", "prof origin=ELANCE comp=89", "sel globex"},
     ""},
    {"native at 90 does not", {"inv globex", "prof comp=90", "sel globex"}, ""},

    /* The new-freelancer exception. */
    {"exception grants without jss or english",
     {"inv globex", "prof jss=null eng=BASIC signup=globex", "sel globex"},
     "+globex NEW_FREELANCER_EXCEPTION v1"},
    {"exception still needs a complete public profile",
     {"inv globex", "prof jss=null signup=globex comp=95 vis=PRIVATE",
      "sel globex"},
     ""},
    {"exception only for the inviting partner",
     {"inv globex", "prof jss=null signup=other", "sel globex"},
     ""},
    {"exception ends when a jss arrives",
     {"inv globex", "prof jss=null eng=BASIC signup=globex", "sel globex",
      "prof jss=70 eng=BASIC signup=globex"},
     "+globex NEW_FREELANCER_EXCEPTION v1 "
     "-globex JSS_BELOW_MIN,ENGLISH_BELOW_MIN v2"},
    {"exception ending while qualifying keeps the badge silently",
     {"inv globex", "prof jss=null signup=globex", "sel globex",
      "prof jss=95 signup=globex"},
     "+globex NEW_FREELANCER_EXCEPTION v1"},
    {"partner without the exception",
     {"inv initech", "prof jss=null signup=initech", "sel initech"},
     ""},
    {"exception keeps partner requirements",
     {"inv hooli", "prof jss=null signup=hooli", "sel hooli",
      "prof jss=null signup=hooli cert=hooli-cloud"},
     "+hooli NEW_FREELANCER_EXCEPTION v1"},

    /* Decisions. */
    {"not selected is silent, later selected grants",
     {"inv globex", "prof", "nsel globex", "sel globex"},
     "+globex STANDARD v1"},
    {"not selected after a grant revokes",
     {GLOBEX_GRANT, "nsel globex"},
     "+globex STANDARD v1 -globex NOT_SELECTED v2"},
    {"removed by partner",
     {GLOBEX_GRANT, "rem globex"},
     "+globex STANDARD v1 -globex REMOVED_BY_PARTNER v2"},
    {"removed by platform",
     {GLOBEX_GRANT, "remp globex policy breach"},
     "+globex STANDARD v1 -globex REMOVED_BY_PLATFORM v2"},
    {"removed then selected again",
     {GLOBEX_GRANT, "rem globex", "sel globex"},
     "+globex STANDARD v1 -globex REMOVED_BY_PARTNER v2 +globex STANDARD v3"},
    {"removed without a badge is silent",
     {"inv globex", "prof jss=10", "sel globex", "rem globex"},
     ""},
    {"late older decision does not override",
     {"inv globex", "prof", "@1700000100000 sel globex",
      "@1700000050000 rem globex"},
     "+globex STANDARD v1"},
    {"late older selection does not override a removal",
     {"inv globex", "prof", "@1700000100000 rem globex",
      "@1700000050000 sel globex"},
     ""},

    /* Partner requirements. */
    {"certification grants",
     {"inv hooli", "prof cert=hooli-cloud", "sel hooli"},
     "+hooli STANDARD v1"},
    {"certification missing",
     {"inv hooli", "prof cert=other", "sel hooli"},
     ""},
    {"certification expired before the event",
     {"inv hooli", "@1700000010000 prof cert=hooli-cloud:1700000005000",
      "sel hooli"},
     ""},
    {"certification expiring exactly at the event no longer counts",
     {"inv hooli", "prof cert=hooli-cloud:1700000003000",
      "@1700000003000 sel hooli"},
     ""},
    {"certification expiring later revokes on a later event",
     {"inv hooli", "prof cert=hooli-cloud:1700000005000", "sel hooli",
      "@1700000009000 con c1 misc"},
     "+hooli STANDARD v1 -hooli CERTIFICATION_MISSING v2"},
    {"acme full grant",
     {"inv acme", "prof jss=95 cert=acme-developer", "con c1 acme-crm 5",
      "con c2 acme-crm 4.5", "con c3 acme-crm,other 4.0", "sel acme"},
     "+acme STANDARD v1"},
    {"contracts below min",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm 5",
      "con c2 acme-crm 5", "sel acme"},
     ""},
    {"a contract sent twice counts once",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm 5",
      "con c2 acme-crm 5", "sel acme", "con c2 acme-crm 5"},
     ""},
    {"third contract grants",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm 5",
      "con c2 acme-crm 5", "sel acme", "con c3 acme-crm"},
     "+acme STANDARD v1"},
    {"feedback below min",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm 4",
      "con c2 acme-crm 4", "con c3 acme-crm 5", "sel acme"},
     ""},
    {"unscored contracts are left out of the average",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm",
      "con c2 acme-crm", "con c3 acme-crm 4.6", "sel acme"},
     "+acme STANDARD v1"},
    {"no scored contract fails feedback",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm",
      "con c2 acme-crm", "con c3 acme-crm", "sel acme"},
     ""},
    {"partner jss stricter than platform",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm 5",
      "con c2 acme-crm 5", "con c3 acme-crm 5", "sel acme",
      "prof jss=85 cert=acme-admin"},
     "+acme STANDARD v1 -acme JSS_BELOW_MIN v2"},

    /* Idempotence. */
    {"stale snapshot ignored",
     {GLOBEX_GRANT, "prof v=5", "prof v=4 jss=10"},
     "+globex STANDARD v1"},
    {"same version ignored",
     {GLOBEX_GRANT, "prof v=1 jss=10"},
     "+globex STANDARD v1"},
    {"duplicates change nothing",
     {"inv globex", "dup", "prof", "dup", "sel globex", "dup", "rem globex",
      "dup", "con c9 x 5", "dup"},
     "+globex STANDARD v1 -globex REMOVED_BY_PARTNER v2"},
    {"an unchanged outcome publishes nothing",
     {GLOBEX_GRANT, "prof jss=99", "inv globex", "con c1 x"},
     "+globex STANDARD v1"},

    /* Reasons: every failing code, in DOMAIN.md order. */
    {"reason order",
     {"inv acme", "prof jss=95 cert=acme-admin", "con c1 acme-crm 5",
      "con c2 acme-crm 5", "con c3 acme-crm 5", "sel acme",
      "prof acct=SUSPENDED jss=70 comp=50 vis=PRIVATE eng=NONE"},
     "+acme STANDARD v1 -acme ACCOUNT_NOT_ACTIVE,JSS_BELOW_MIN,"
     "PROFILE_INCOMPLETE,PROFILE_NOT_PUBLIC,ENGLISH_BELOW_MIN,"
     "CERTIFICATION_MISSING v2"},
    {"removal lists qualification failures too",
     {GLOBEX_GRANT, "prof jss=70", "sel globex"},
     "+globex STANDARD v1 -globex JSS_BELOW_MIN v2"},

    /* One event touches several partners of one freelancer. */
    {"one profile event revokes two badges",
     {"inv globex", "inv hooli", "prof cert=hooli-cloud", "sel globex",
      "sel hooli", "prof jss=60 cert=hooli-cloud"},
     "+globex STANDARD v1 +hooli STANDARD v1 -globex JSS_BELOW_MIN v2 "
     "-hooli JSS_BELOW_MIN v2"},
};

static bp_rules_t *load_rules(void) {
        char        err[512];
        bp_rules_t *rules =
            bp_rules_load_dir("data/rules-engine", err, sizeof(err));
        if (!rules)
                fail_msg("rules: %s", err);
        return rules;
}

static void test_cases(void **unused) {
        bp_rules_t *rules = load_rules();
        size_t      i, j;
        (void)unused;
        for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                bp_freelancer_t *fl = bp_freelancer_new(SCRIPT_FREELANCER);
                script_t        *s  = script_new(rules, fl);
                for (j = 0; j < MAX_STEPS && cases[i].steps[j]; j++)
                        script_step(s, cases[i].steps[j]);
                if (strcmp(script_output(s), cases[i].expect) != 0)
                        fail_msg("case '%s':\n  expected [%s]\n  got      [%s]",
                                 cases[i].name, cases[i].expect,
                                 script_output(s));
                script_destroy(s);
                bp_freelancer_destroy(fl);
        }
        bp_rules_destroy(rules);
}

/* Revocation details are read by people: check their wording. */
static void test_reason_details(void **unused) {
        bp_rules_t             *rules = load_rules();
        bp_freelancer_t        *fl    = bp_freelancer_new(SCRIPT_FREELANCER);
        script_t               *s     = script_new(rules, fl);
        const bp_badge_event_t *ev;
        (void)unused;

        script_step(s, "inv acme");
        script_step(s, "prof jss=95 cert=acme-admin");
        script_step(s, "con c1 acme-crm 5");
        script_step(s, "con c2 acme-crm 5");
        script_step(s, "con c3 acme-crm 5");
        script_step(s, "sel acme");
        script_step(s, "@1800000000000 prof jss=75 comp=95 eng=BASIC "
                       "cert=acme-admin:1750000000000");
        assert_int_equal(script_last_events(s)->cnt, 1);
        ev = &script_last_events(s)->items[0];
        assert_int_equal(ev->kind, BP_BADGE_REVOKED);
        assert_int_equal(ev->reason_cnt, 4);
        assert_int_equal(ev->reasons[0].code, BP_REASON_JSS_BELOW_MIN);
        assert_string_equal(ev->reasons[0].detail, "jss 75 < 80; jss 75 < 90");
        assert_string_equal(ev->reasons[1].detail,
                            "profile completeness 95% < 100%");
        assert_string_equal(ev->reasons[2].detail, "english BASIC < FLUENT");
        assert_string_equal(
            ev->reasons[3].detail,
            "no valid certification of acme-admin, acme-developer (1 expired)");
        assert_int_equal(ev->occurred_at, 1800000000000LL);
        assert_string_equal(ev->badge_id, "acme-expert");
        assert_string_equal(ev->cause.topic, "profile-updated");
        assert_string_equal(ev->cause.event_id, "e7");

        script_step(s, "remp acme fraud review");
        script_step(s, "prof jss=95 cert=acme-admin");
        assert_int_equal(script_last_events(s)->cnt, 0);
        script_destroy(s);
        bp_freelancer_destroy(fl);
        bp_rules_destroy(rules);
}

static void test_default_badge_id_and_event_ids(void **unused) {
        bp_rules_t      *rules = load_rules();
        bp_freelancer_t *fl    = bp_freelancer_new(SCRIPT_FREELANCER);
        bp_freelancer_t *fl2   = bp_freelancer_new(SCRIPT_FREELANCER);
        script_t *s = script_new(rules, fl), *s2 = script_new(rules, fl2);
        char      id1[BP_BADGE_EVENT_ID_SIZE];
        const bp_badge_event_t *ev;
        (void)unused;

        script_step(s, "inv globex");
        script_step(s, "prof");
        script_step(s, "sel globex");
        ev = &script_last_events(s)->items[0];
        assert_string_equal(ev->badge_id, "globex-expert");
        assert_string_equal(ev->rules_version, rules->version);
        assert_int_equal(strlen(ev->event_id), BP_BADGE_EVENT_ID_SIZE - 1);
        memcpy(id1, ev->event_id, sizeof(id1));

        /* The same history gives the same id; a different one does not. */
        script_step(s2, "inv globex");
        script_step(s2, "prof");
        script_step(s2, "sel globex");
        assert_string_equal(script_last_events(s2)->items[0].event_id, id1);
        script_step(s, "rem globex");
        assert_string_not_equal(script_last_events(s)->items[0].event_id, id1);

        script_destroy(s);
        script_destroy(s2);
        bp_freelancer_destroy(fl);
        bp_freelancer_destroy(fl2);
        bp_rules_destroy(rules);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cases),
            cmocka_unit_test(test_reason_details),
            cmocka_unit_test(test_default_badge_id_and_event_ids),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
