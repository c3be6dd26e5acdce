/*
 * test_state_limits.c - a freelancer's state is bounded (bp_state.h).
 *
 * The worst state the limits allow (every entry at its limit, every
 * string at its longest, every number at its longest encoding) encodes to
 * less than BP_FL_MAX_RECORD_BYTES, so no event can make a state record
 * that the changelog topic refuses. At each limit, the event that would
 * pass it is refused with BP_ERR_TOO_LARGE before anything changes (the
 * state encodes to the same bytes, nothing is published), the refusal
 * says which limit, and the events that add nothing new still apply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_codec.h"
#include "bp_engine.h"
#include "bp_event.h"
#include "bp_state.h"
#include "bp_test_avro.h"

static char errstr[512];

/* A string of exactly len bytes, unique by n: the longest ids. */
static char *long_str(const char *prefix, size_t n, size_t len) {
        char *s = malloc(len + 1);
        int   k;
        assert_non_null(s);
        k = snprintf(s, len + 1, "%s%zu-", prefix, n);
        memset(s + k, 'x', len - (size_t)k);
        s[len] = '\0';
        return s;
}

/* An event of type, its payload empty. */
static bp_event_t base_event(bp_event_type_t type, const char *event_id,
                             const char *fl) {
        bp_event_t ev;
        memset(&ev, 0, sizeof(ev));
        ev.type          = type;
        ev.event_id      = event_id;
        ev.freelancer_id = fl;
        ev.occurred_at   = 1700000000000;
        return ev;
}

static bp_event_t contract_event(const char *fl, const char *contract_id,
                                 const char *const *skills, size_t skill_cnt) {
        bp_event_t ev = base_event(BP_EV_CONTRACT_COMPLETED, contract_id, fl);
        ev.u.contract.contract_id        = contract_id;
        ev.u.contract.skills             = skills;
        ev.u.contract.skill_cnt          = skill_cnt;
        ev.u.contract.has_feedback_score = true;
        ev.u.contract.feedback_score     = 4.5;
        return ev;
}

static bp_event_t decision_event(const char *fl, const char *event_id,
                                 const char *partner, const char *reason) {
        bp_event_t ev = base_event(BP_EV_PARTNER_DECISION, event_id, fl);
        ev.u.decision.partner_id = partner;
        ev.u.decision.decision   = BP_DECISION_SELECTED;
        ev.u.decision.decided_by = BP_DECIDED_BY_PARTNER;
        ev.u.decision.reason     = reason;
        return ev;
}

typedef struct fixture_s {
        bp_codec_t       *codec;
        bp_rules_t       *rules;
        bp_badge_events_t out;
        bp_buf_t          before, after;
} fixture_t;

static int setup(void **state) {
        fixture_t *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        assert_non_null(f->codec = bp_test_codec());
        assert_non_null(f->rules = bp_rules_new_default());
        assert_int_equal(bp_badge_events_init(&f->out), BP_OK);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture_t *f = *state;
        bp_codec_destroy(f->codec);
        bp_rules_destroy(f->rules);
        bp_badge_events_destroy(&f->out);
        bp_buf_free(&f->before);
        bp_buf_free(&f->after);
        free(f);
        return 0;
}

static void encode(fixture_t *f, const bp_freelancer_t *fl, bp_buf_t *buf) {
        bp_buf_reset(buf);
        assert_int_equal(
            bp_codec_encode_state(f->codec, fl, buf, errstr, sizeof(errstr)),
            BP_OK);
}

/* Applies ev, which must be refused: fl encodes as before, nothing is
 * published, and the refusal names the limit (needle). */
static void assert_refused(fixture_t *f, bp_freelancer_t *fl,
                           const bp_event_t *ev, const char *needle) {
        bp_cause_t cause   = {"test", "contract-completed", 0, 0};
        bool       changed = true;
        char       why[256];

        encode(f, fl, &f->before);
        assert_int_equal(
            bp_engine_apply(f->rules, fl, ev, &cause, &f->out, &changed),
            BP_ERR_TOO_LARGE);
        assert_false(changed);
        assert_int_equal(f->out.cnt, 0);
        encode(f, fl, &f->after);
        assert_int_equal(f->after.len, f->before.len);
        assert_memory_equal(f->after.data, f->before.data, f->before.len);
        bp_engine_refusal(fl, ev, why, sizeof(why));
        if (!strstr(why, needle))
                fail_msg("refusal \"%s\" does not say \"%s\"", why, needle);
}

static void apply_ok(fixture_t *f, bp_freelancer_t *fl, const bp_event_t *ev) {
        bp_cause_t cause = {"test", "t", 0, 0};
        assert_int_equal(
            bp_engine_apply(f->rules, fl, ev, &cause, &f->out, NULL), BP_OK);
        bp_badge_events_clear(&f->out);
}

/* Fills fl with BP_FL_MAX_CONTRACTS contracts over BP_FL_MAX_SKILLS
 * skills of skill_len bytes, each contract listing list_len of them. */
static void fill_contracts(fixture_t *f, bp_freelancer_t *fl, size_t skill_len,
                           size_t list_len) {
        const char **skills = calloc(BP_FL_MAX_SKILLS, sizeof(*skills));
        size_t       i;

        assert_non_null(skills);
        for (i = 0; i < BP_FL_MAX_SKILLS; i++)
                skills[i] = long_str("skill-", i, skill_len);
        for (i = 0; i < BP_FL_MAX_CONTRACTS; i++) {
                char       id[32];
                size_t     first = (i * list_len) % BP_FL_MAX_SKILLS;
                bp_event_t ev;
                snprintf(id, sizeof(id), "c-%zu", i);
                if (first + list_len > BP_FL_MAX_SKILLS)
                        first = BP_FL_MAX_SKILLS - list_len;
                ev = contract_event(fl->freelancer_id, id, skills + first,
                                    list_len);
                apply_ok(f, fl, &ev);
        }
        assert_int_equal(fl->contract_cnt, BP_FL_MAX_CONTRACTS);
        assert_int_equal(fl->skill_cnt, BP_FL_MAX_SKILLS);
        for (i = 0; i < BP_FL_MAX_SKILLS; i++)
                free((char *)skills[i]);
        free(skills);
}

static void test_worst_case_record(void **state) {
        fixture_t       *f  = *state;
        char            *id = long_str("fl-", 0, BP_ID_MAX);
        bp_freelancer_t *fl = bp_freelancer_new(id);
        bp_event_cert_t  certs[BP_LIST_MAX];
        bp_event_t       ev;
        size_t           i;

        assert_non_null(fl);
        fill_contracts(f, fl, BP_ID_MAX, 2);
        for (i = 0; i < BP_FL_MAX_PARTNERS; i++) {
                char *partner = long_str("partner-", i, BP_ID_MAX);
                char *eid     = long_str("event-", i, BP_ID_MAX);
                char *reason  = long_str("reason-", i, BP_TEXT_MAX);
                ev            = decision_event(id, eid, partner, reason);
                apply_ok(f, fl, &ev);
                free(partner);
                free(eid);
                free(reason);
        }
        ev = base_event(BP_EV_PROFILE_UPDATED, "p", id);
        ev.u.profile.profile_version   = 1;
        ev.u.profile.job_success_score = 100;
        ev.u.profile.signup_partner_id = id;
        for (i = 0; i < BP_LIST_MAX; i++) {
                certs[i].certification_id = long_str("cert-", i, BP_ID_MAX);
                certs[i].expires_at       = INT64_MIN;
        }
        ev.u.profile.certifications    = certs;
        ev.u.profile.certification_cnt = BP_LIST_MAX;
        apply_ok(f, fl, &ev);
        for (i = 0; i < BP_LIST_MAX; i++)
                free((char *)certs[i].certification_id);
        /* Every number at its longest encoding (a zig-zag varint of
         * INT64_MIN is 10 bytes). */
        fl->profile.profile_version = fl->profile.updated_at = INT64_MIN;
        for (i = 0; i < fl->skill_cnt; i++)
                fl->skills[i].contracts = fl->skills[i].scored = UINT32_MAX;
        for (i = 0; i < fl->partner_cnt; i++) {
                bp_partner_state_t *ps = &fl->partners[i];
                ps->invited            = true;
                ps->invited_at = ps->decided_at = ps->badge_version = INT64_MIN;
        }
        encode(f, fl, &f->after);
        printf("a state at every limit encodes to %zu bytes (bound %d)\n",
               f->after.len, BP_FL_MAX_RECORD_BYTES);
        assert_true(f->after.len < BP_FL_MAX_RECORD_BYTES);
        bp_freelancer_destroy(fl);
        free(id);
}

static void test_contract_limit(void **state) {
        fixture_t       *f       = *state;
        bp_freelancer_t *fl      = bp_freelancer_new("fl-1");
        const char      *one[]   = {"skill-0-xxxxxxxx"};
        const char      *fresh[] = {"a-new-skill"};
        bp_event_t       ev;

        assert_non_null(fl);
        fill_contracts(f, fl, 16, 1);
        /* A new contract, on a skill the state has. */
        ev = contract_event("fl-1", "c-new", one, 1);
        assert_refused(f, fl, &ev, "32768 contracts");
        /* A redelivered contract adds nothing: not refused. */
        ev = contract_event("fl-1", "c-7", one, 1);
        apply_ok(f, fl, &ev);
        assert_int_equal(
            bp_freelancer_add_contract(fl, "c-new", fresh, 1, false, 0),
            BP_ERR_TOO_LARGE);
        assert_int_equal(fl->skill_cnt, BP_FL_MAX_SKILLS);
        bp_freelancer_destroy(fl);
}

static void test_skill_limit(void **state) {
        fixture_t       *f  = *state;
        bp_freelancer_t *fl = bp_freelancer_new("fl-2");
        const char      *skills[BP_LIST_MAX];
        char             names[BP_FL_MAX_SKILLS + 1][16];
        const char      *known[]   = {names[0], names[0]};
        const char      *two_new[] = {names[0], names[BP_FL_MAX_SKILLS]};
        size_t           i, k;
        bp_event_t       ev;

        assert_non_null(fl);
        for (i = 0; i <= BP_FL_MAX_SKILLS; i++)
                snprintf(names[i], sizeof(names[i]), "s%zu", i);
        /* Two contracts bring the state to the limit. */
        for (k = 0; k < 2; k++) {
                char id[16];
                for (i = 0; i < BP_LIST_MAX; i++)
                        skills[i] = names[k * BP_LIST_MAX + i];
                snprintf(id, sizeof(id), "c%zu", k);
                ev = contract_event("fl-2", id, skills, BP_LIST_MAX);
                apply_ok(f, fl, &ev);
        }
        assert_int_equal(fl->skill_cnt, BP_FL_MAX_SKILLS);
        ev = contract_event("fl-2", "c-more", two_new, 2);
        assert_refused(f, fl, &ev, "more than 512 skills");
        /* Known skills only (one listed twice): applies. */
        ev = contract_event("fl-2", "c-known", known, 2);
        apply_ok(f, fl, &ev);
        assert_int_equal(fl->contract_cnt, 3);
        assert_int_equal(bp_freelancer_skill(fl, names[0])->contracts, 2);
        bp_freelancer_destroy(fl);
}

static void test_partner_limit(void **state) {
        fixture_t       *f  = *state;
        bp_freelancer_t *fl = bp_freelancer_new("fl-3");
        bp_event_t       ev;
        char             partner[32], eid[32];
        size_t           i;

        assert_non_null(fl);
        for (i = 0; i < BP_FL_MAX_PARTNERS; i++) {
                snprintf(partner, sizeof(partner), "p%zu", i);
                ev = base_event(BP_EV_INVITATION_SENT, partner, "fl-3");
                ev.u.invitation.partner_id = partner;
                apply_ok(f, fl, &ev);
        }
        assert_int_equal(fl->partner_cnt, BP_FL_MAX_PARTNERS);
        ev.u.invitation.partner_id = "p-new";
        assert_refused(f, fl, &ev, "more than 256 partners");
        ev = decision_event("fl-3", "d-new", "p-new", NULL);
        assert_refused(f, fl, &ev, "more than 256 partners");
        /* A decision of a partner the state has: applies. */
        snprintf(eid, sizeof(eid), "d-1");
        ev = decision_event("fl-3", eid, "p1", NULL);
        apply_ok(f, fl, &ev);
        assert_int_equal(bp_freelancer_partner(fl, "p1")->decision,
                         BP_DECISION_SELECTED);
        bp_freelancer_destroy(fl);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_worst_case_record),
            cmocka_unit_test(test_contract_limit),
            cmocka_unit_test(test_skill_limit),
            cmocka_unit_test(test_partner_limit),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
