/*
 * test_state.c - the state's memory layout and the intern table.
 *
 * A state keeps its small arrays inside its own block and moves them to
 * the heap when they outgrow it, and holds each short id either interned
 * or as its own copy (bp_state.h). These tests cross every one of those
 * boundaries, and check that the sanitizer build sees no leak or stray
 * access when states are built, cloned, compared and freed across them.
 * Also the state map's prefetch hint. The intern table is process-wide,
 * so the test that fills it runs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_event.h"
#include "bp_intern.h"
#include "bp_samples.h"
#include "bp_state.h"
#include "bp_state_map.h"

/* An id longer than the intern table takes: held as an owned copy. */
static const char long_id[] =
    "a-partner-id-that-is-longer-than-sixty-three-bytes-and-so-is-never-"
    "interned";

static void test_intern_basics(void **state) {
        char        buf[16];
        const char *a, *b, *own;

        (void)state;
        snprintf(buf, sizeof(buf), "acme");
        a = bp_intern(buf);
        b = bp_intern("acme");
        assert_non_null(a);
        assert_ptr_equal(a, b);
        assert_ptr_not_equal(a, buf);
        assert_true(bp_intern_has(a));
        assert_false(bp_intern_has(buf));
        assert_false(bp_intern_has(NULL));
        assert_ptr_equal(bp_intern_dup(a), a);
        assert_ptr_equal(bp_intern_dup(buf), a);
        assert_null(bp_intern_dup(NULL));

        assert_null(bp_intern(long_id));
        own = bp_intern_dup(long_id);
        assert_non_null(own);
        assert_false(bp_intern_has(own));
        assert_string_equal(own, long_id);
        bp_intern_free(own); /* freed: the sanitizer build would see a leak */
        bp_intern_free(a);   /* interned: a no-op */
        bp_intern_free(NULL);
        assert_string_equal(bp_intern("acme"), "acme");
}

#define THREADS 4
#define WORDS 200

typedef struct words_s {
        size_t      thread;
        const char *got[WORDS];
} words_t;

/* Each thread interns the same words, in its own order. */
static void *intern_words(void *opaque) {
        words_t *w = opaque;
        char     word[32];
        size_t   i;
        for (i = 0; i < WORDS; i++) {
                size_t k = (i * 7 + w->thread * 13) % WORDS;
                snprintf(word, sizeof(word), "threaded-%zu", k);
                w->got[k] = bp_intern(word);
        }
        return NULL;
}

static void test_intern_threads(void **state) {
        pthread_t th[THREADS];
        words_t   w[THREADS];
        size_t    t, i;

        (void)state;
        for (t = 0; t < THREADS; t++) {
                w[t].thread = t;
                assert_int_equal(
                    pthread_create(&th[t], NULL, intern_words, &w[t]), 0);
        }
        for (t = 0; t < THREADS; t++)
                pthread_join(th[t], NULL);
        /* One copy per word, whichever thread got there first. */
        for (i = 0; i < WORDS; i++) {
                char word[32];
                snprintf(word, sizeof(word), "threaded-%zu", i);
                assert_non_null(w[0].got[i]);
                assert_string_equal(w[0].got[i], word);
                for (t = 1; t < THREADS; t++)
                        assert_ptr_equal(w[t].got[i], w[0].got[i]);
        }
}

/* Sets the profile with cnt certifications "cert-0".., expiring never. */
static void set_certs(bp_freelancer_t *fl, int64_t version, size_t cnt) {
        bp_event_cert_t certs[8];
        char            ids[8][32];
        bp_event_t      ev;
        size_t          i;
        for (i = 0; i < cnt; i++) {
                snprintf(ids[i], sizeof(ids[i]), "cert-%zu", i);
                certs[i] = (bp_event_cert_t){ids[i], BP_TIME_NONE};
        }
        ev                             = bp_sample_event(0); /* a profile */
        ev.u.profile.profile_version   = version;
        ev.u.profile.signup_partner_id = long_id;
        ev.u.profile.certifications    = certs;
        ev.u.profile.certification_cnt = cnt;
        assert_int_equal(bp_freelancer_set_profile(fl, &ev.u.profile, version),
                         BP_OK);
}

/* Adds partners, skills and contracts in an order that inserts in the
 * middle of each array, past its inline capacity. */
static bp_freelancer_t *grown_state(void) {
        static const char *partners[] = {"wonka", "acme", "stark", long_id,
                                         "globex"};
        bp_freelancer_t   *fl         = bp_freelancer_new("f-grown");
        size_t             i;

        assert_non_null(fl);
        for (i = 0; i < 5; i++) {
                bp_partner_state_t *ps;
                assert_int_equal(
                    bp_freelancer_partner_get(fl, partners[i], &ps), BP_OK);
                assert_non_null(ps);
                ps->invited    = true;
                ps->invited_at = (int64_t)i;
                assert_non_null(ps->decision_event_id = strdup("e-1"));
        }
        for (i = 0; i < 10; i++) {
                char        contract[32], s1[32];
                const char *skills[2] = {s1, long_id};
                snprintf(contract, sizeof(contract), "c-%zu", i);
                snprintf(s1, sizeof(s1), "skill-%zu", (i * 3) % 5);
                assert_int_equal(bp_freelancer_add_contract(
                                     fl, contract, skills, 2, true, 4.5),
                                 1);
        }
        set_certs(fl, 1, 3);
        return fl;
}

static void test_state_grows_past_inline(void **state) {
        bp_freelancer_t *fl = grown_state(), *copy;
        size_t           i;

        (void)state;
        assert_int_equal(fl->partner_cnt, 5);
        assert_int_equal(fl->skill_cnt, 6);
        assert_int_equal(fl->contract_cnt, 10);
        assert_int_equal(fl->profile.certification_cnt, 3);
        assert_ptr_not_equal(fl->partners, fl->inl.partners);
        for (i = 1; i < fl->partner_cnt; i++)
                assert_true(strcmp(fl->partners[i - 1].partner_id,
                                   fl->partners[i].partner_id) < 0);
        for (i = 1; i < fl->skill_cnt; i++)
                assert_true(
                    strcmp(fl->skills[i - 1].skill, fl->skills[i].skill) < 0);
        for (i = 1; i < fl->contract_cnt; i++)
                assert_true(fl->contract_hashes[i - 1] <
                            fl->contract_hashes[i]);
        assert_true(
            bp_intern_has(bp_freelancer_partner(fl, "acme")->partner_id));
        assert_false(
            bp_intern_has(bp_freelancer_partner(fl, long_id)->partner_id));
        assert_int_equal(bp_freelancer_skill(fl, long_id)->contracts, 10);

        copy = bp_freelancer_clone(fl);
        assert_non_null(copy);
        assert_true(bp_freelancer_equal(fl, copy));
        /* The copy owns its own copies of what is not interned. */
        assert_ptr_not_equal(copy->profile.signup_partner_id,
                             fl->profile.signup_partner_id);
        assert_ptr_equal(bp_freelancer_partner(copy, "acme")->partner_id,
                         bp_freelancer_partner(fl, "acme")->partner_id);
        bp_freelancer_destroy(fl);
        assert_string_equal(copy->profile.signup_partner_id, long_id);
        bp_freelancer_destroy(copy);
}

static void test_state_certs_shrink_and_grow(void **state) {
        bp_freelancer_t    *fl       = bp_freelancer_new("f-certs"), *copy;
        static const size_t counts[] = {1, 2, 0, 5, 1, 3, 2};
        size_t              i;

        (void)state;
        for (i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
                set_certs(fl, (int64_t)i + 1, counts[i]);
                assert_int_equal(fl->profile.certification_cnt, counts[i]);
                copy = bp_freelancer_clone(fl);
                assert_non_null(copy);
                assert_true(bp_freelancer_equal(fl, copy));
                bp_freelancer_destroy(copy);
        }
        assert_string_equal(fl->profile.certifications[1].certification_id,
                            "cert-1");
        bp_freelancer_destroy(fl);
}

/* Codecs reserve and fill the arrays themselves. */
static void test_state_reserve(void **state) {
        bp_freelancer_t *fl = bp_freelancer_new("f-reserve");
        size_t           i;

        (void)state;
        assert_int_equal(bp_freelancer_reserve(fl, 1, 2, 1, 2), BP_OK);
        assert_ptr_equal(fl->partners, fl->inl.partners);
        assert_ptr_equal(fl->profile.certifications, fl->inl.certifications);
        assert_int_equal(bp_freelancer_reserve(fl, 3, 9, 3, 3), BP_OK);
        assert_ptr_not_equal(fl->partners, fl->inl.partners);
        assert_true(fl->contract_cap >= 9 && fl->partner_cap >= 3 &&
                    fl->skill_cap >= 3 && fl->profile.certification_cap >= 3);
        for (i = 0; i < 9; i++)
                fl->contract_hashes[i] = i;
        fl->contract_cnt = 9;
        /* Reserving less keeps what is there. */
        assert_int_equal(bp_freelancer_reserve(fl, 0, 1, 0, 0), BP_OK);
        assert_int_equal(fl->contract_hashes[8], 8);
        bp_freelancer_destroy(fl);
}

/* A hint only: the map is the same after it, present id or not. */
static void test_map_prefetch(void **state) {
        bp_state_map_t *map   = bp_state_map_new();
        const char      key[] = {'f', '-', '7', 'x'}; /* no NUL: a Kafka key */
        char            id[16];
        int             i;

        (void)state;
        for (i = 0; i < 100; i++) {
                snprintf(id, sizeof(id), "f-%d", i);
                assert_non_null(bp_state_map_get(map, id));
        }
        bp_state_map_prefetch(map, key, 3);           /* f-7 */
        bp_state_map_prefetch(map, key, sizeof(key)); /* f-7x: absent */
        bp_state_map_prefetch(map, "", 0);
        assert_int_equal(bp_state_map_count(map), 100);
        assert_null(bp_state_map_find(map, "f-7x"));
        assert_string_equal(bp_state_map_find(map, "f-7")->freelancer_id,
                            "f-7");
        bp_state_map_destroy(map);
}

/* Runs last: the table is full for the rest of the process. */
static void test_intern_full(void **state) {
        const char *kept = bp_intern("acme"), *own;
        char        word[32];
        size_t      i;

        (void)state;
        for (i = 0; i < BP_INTERN_MAX; i++) {
                snprintf(word, sizeof(word), "filler-%zu", i);
                bp_intern(word);
        }
        assert_null(bp_intern("one-more"));
        own = bp_intern_dup("one-more");
        assert_non_null(own);
        assert_false(bp_intern_has(own));
        bp_intern_free(own);
        assert_ptr_equal(bp_intern("acme"), kept);

        /* States still work, holding owned copies of new ids. */
        {
                bp_freelancer_t    *fl = grown_state(), *copy;
                bp_partner_state_t *ps;
                assert_int_equal(
                    bp_freelancer_partner_get(fl, "never-seen", &ps), BP_OK);
                assert_non_null(ps);
                assert_false(bp_intern_has(
                    bp_freelancer_partner(fl, "never-seen")->partner_id));
                assert_non_null(copy = bp_freelancer_clone(fl));
                assert_true(bp_freelancer_equal(fl, copy));
                bp_freelancer_destroy(fl);
                bp_freelancer_destroy(copy);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_intern_basics),
            cmocka_unit_test(test_intern_threads),
            cmocka_unit_test(test_state_grows_past_inline),
            cmocka_unit_test(test_state_certs_shrink_and_grow),
            cmocka_unit_test(test_state_reserve),
            cmocka_unit_test(test_map_prefetch),
            cmocka_unit_test(test_intern_full),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
