/*
 * test_audit_stream.c - bp_audit as a stream: what it holds does not grow
 * with the history, and the order the two sides come in does not change
 * the result.
 *
 * Asserts that:
 *  - ten rounds of the same 200 (freelancer, partner) pairs, expected and
 *    published in step, leave nothing pending or waiting and no
 *    discrepancy: only the pairs and one 16-byte slot per version;
 *  - published events that come before their expected ones wait, and are
 *    settled (matched, mismatch) when those come; what never comes is
 *    unjustified or missing at the end;
 *  - the discrepancies come out in read order (then missing in expected
 *    order) whichever side came first, equal to the audit of the same
 *    events with every expected one added first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bp_audit.h"

/* Freelancer ids live here: events borrow them. */
static char ids[200][16];

/* Badge event of freelancer f (index into ids) at version v. */
static bp_badge_event_t badge(int f, int64_t v) {
        bp_badge_event_t ev;

        memset(&ev, 0, sizeof(ev));
        ev.kind            = v % 2 ? BP_BADGE_GRANTED : BP_BADGE_REVOKED;
        ev.freelancer_id   = ids[f];
        ev.partner_id      = "acme";
        ev.badge_id        = "acme-expert";
        ev.occurred_at     = 1767225600000LL + v * 1000 + f;
        ev.badge_version   = v;
        ev.rules_version   = "r-0123456789abcdef";
        ev.cause.event_id  = ids[f]; /* one cause per (f, v) is enough */
        ev.cause.topic     = "partner-decision";
        ev.cause.partition = f;
        ev.cause.offset    = v;
        if (ev.kind == BP_BADGE_REVOKED)
                ev.reason_cnt = 1;
        bp_badge_event_make_id(&ev);
        return ev;
}

static int setup(void **state) {
        int i;

        (void)state;
        for (i = 0; i < 200; i++)
                snprintf(ids[i], sizeof(ids[i]), "f%03d", i);
        return 0;
}

static void test_held_does_not_grow(void **state) {
        bp_audit_t      *a = bp_audit_new();
        bp_audit_held_t  h;
        bp_badge_event_t ev;
        int              round, f;

        (void)state;
        assert_non_null(a);
        for (round = 1; round <= 10; round++) {
                for (f = 0; f < 200; f++) {
                        ev = badge(f, round);
                        assert_int_equal(bp_audit_add_expected(a, &ev), BP_OK);
                        assert_int_equal(bp_audit_add_published(a, &ev), BP_OK);
                }
                bp_audit_held(a, &h);
                assert_int_equal(h.pairs, 200);
                assert_int_equal(h.pending, 0);
                assert_int_equal(h.waiting, 0);
                assert_int_equal(h.items, 0);
                assert_int_equal(h.slots, (size_t)(200 * round));
        }
        assert_int_equal(bp_audit_compare(a), BP_OK);
        assert_int_equal(bp_audit_matched_cnt(a), 2000);
        assert_int_equal(bp_audit_item_cnt(a), 0);
        bp_audit_destroy(a);
}

/* A published event ahead of the replay waits; each is settled when its
 * expected event comes. */
static void test_published_first(void **state) {
        bp_audit_t      *a = bp_audit_new();
        bp_audit_held_t  h;
        bp_badge_event_t ev;
        int              f;

        (void)state;
        assert_non_null(a);
        for (f = 0; f < 200; f++) {
                ev = badge(f, 1);
                assert_int_equal(bp_audit_add_published(a, &ev), BP_OK);
        }
        bp_audit_held(a, &h);
        assert_int_equal(h.waiting, 200);
        assert_int_equal(bp_audit_expected_version(a, ids[7], "acme"), 0);
        for (f = 0; f < 200; f++) {
                ev = badge(f, 1);
                assert_int_equal(bp_audit_add_expected(a, &ev), BP_OK);
        }
        assert_int_equal(bp_audit_expected_version(a, ids[7], "acme"), 1);
        bp_audit_held(a, &h);
        assert_int_equal(h.waiting, 0);
        assert_int_equal(h.pending, 0);
        assert_int_equal(bp_audit_compare(a), BP_OK);
        assert_int_equal(bp_audit_matched_cnt(a), 200);
        bp_audit_destroy(a);
}

/* The events of test_each_order, published side: a mismatch, a
 * duplicate, an order violation, one unjustified. */
static void published_side(bp_badge_event_t pub[6]) {
        pub[0]             = badge(1, 1);
        pub[0].occurred_at = 5; /* mismatch */
        pub[1]             = badge(2, 2);
        pub[2]             = badge(2, 1); /* order */
        pub[3]             = badge(2, 2); /* duplicate */
        pub[4]             = badge(3, 9); /* unjustified */
        pub[5]             = badge(4, 1);
}

static void expect_items(const bp_audit_t *a) {
        static const struct {
                bp_audit_kind_t kind;
                size_t          index;
                const char     *fl;
        } want[] = {
            {BP_AUDIT_MISMATCH, 0, "f001"},  {BP_AUDIT_ORDER, 2, "f002"},
            {BP_AUDIT_DUPLICATE, 3, "f002"}, {BP_AUDIT_UNJUSTIFIED, 4, "f003"},
            {BP_AUDIT_MISSING, 0, "f005"},   {BP_AUDIT_MISSING, 0, "f001"}};
        const bp_audit_item_t *it;
        size_t                 i;

        assert_int_equal(bp_audit_item_cnt(a), 6);
        for (i = 0; i < 6; i++) {
                it = bp_audit_item(a, i);
                assert_non_null(it);
                assert_int_equal(it->kind, want[i].kind);
                if (it->published)
                        assert_int_equal(it->published_index, want[i].index);
                assert_string_equal(
                    (it->published ? it->published : it->expected)
                        ->freelancer_id,
                    want[i].fl);
        }
        it = bp_audit_item(a, 0);
        assert_int_equal(it->expected->occurred_at, badge(1, 1).occurred_at);
        assert_string_equal(it->expected->cause.topic, "partner-decision");
        assert_int_equal(it->expected->cause.partition, 1);
        assert_true(bp_audit_item(a, 2)->identical);
        assert_int_equal(bp_audit_matched_cnt(a), 3);
}

/* The same events, expected added all first, or after the published. */
static void test_each_order(void **state) {
        bp_badge_event_t pub[6], exp[6];
        bp_audit_t      *a;
        int              pass;
        size_t           i;

        (void)state;
        published_side(pub);
        exp[0] = badge(1, 1);
        exp[1] = badge(2, 1);
        exp[2] = badge(2, 2);
        exp[3] = badge(5, 1); /* missing */
        exp[4] = badge(1, 2); /* missing */
        exp[5] = badge(4, 1);
        for (pass = 0; pass < 2; pass++) {
                assert_non_null(a = bp_audit_new());
                for (i = 0; pass == 0 && i < 6; i++)
                        assert_int_equal(bp_audit_add_expected(a, &exp[i]),
                                         BP_OK);
                for (i = 0; i < 6; i++)
                        assert_int_equal(bp_audit_add_published(a, &pub[i]),
                                         BP_OK);
                for (i = 0; pass == 1 && i < 6; i++)
                        assert_int_equal(bp_audit_add_expected(a, &exp[i]),
                                         BP_OK);
                assert_int_equal(bp_audit_compare(a), BP_OK);
                expect_items(a);
                bp_audit_destroy(a);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_held_does_not_grow),
            cmocka_unit_test(test_published_first),
            cmocka_unit_test(test_each_order),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
