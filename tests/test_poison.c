/*
 * test_poison.c - the poison-record policy (bp_poison.h) on its own:
 * which aborts count, when isolation starts and ends, which record is
 * named for the dead-letter topic, and that causes a record cannot have
 * (no note) never name one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bp_poison.h"

#define REFUSED "Broker: Message size too large"
#define OUTPUT "badge-state-changelog"

static const bp_poison_rec_t rec_a = {1, 1, 41};
static const bp_poison_rec_t rec_b = {2, 0, 7};

/* A batch refused for a reason a record can cause, then aborted. */
static bp_poison_step_t refused(bp_poison_t *p) {
        bp_poison_note(p, REFUSED, OUTPUT);
        return bp_poison_aborted(p);
}

/* A commit, the aborted batches' records not all committed yet. */
static bp_poison_step_t committed(bp_poison_t *p) {
        return bp_poison_committed(p, false, NULL);
}

/* A commit after which every record the aborted batches held has
 * committed. */
static bp_poison_step_t committed_all(bp_poison_t *p, bp_poison_due_t *done) {
        return bp_poison_committed(p, true, done);
}

/* Drives p into isolation. */
static void isolate(bp_poison_t *p, int limit) {
        int i;
        for (i = 1; i < limit; i++)
                assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_ISOLATING);
        assert_true(bp_poison_isolating(p));
        assert_int_equal(bp_poison_batch_max(p, 10000), 1);
}

static void test_transient_aborts_never_count(void **state) {
        bp_poison_t *p = bp_poison_new(3);
        int          i;
        (void)state;
        for (i = 0; i < 50; i++)
                assert_int_equal(bp_poison_aborted(p), BP_POISON_NONE);
        assert_false(bp_poison_isolating(p));
        assert_null(bp_poison_due(p));
        assert_int_equal(bp_poison_batch_max(p, 500), 500);
        bp_poison_destroy(p);
}

static void test_commit_resets_the_count(void **state) {
        bp_poison_t *p = bp_poison_new(3);
        (void)state;
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(committed_all(p, NULL), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_NONE);
        /* A transient abort in between neither counts nor resets. */
        assert_int_equal(bp_poison_aborted(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_ISOLATING);
        bp_poison_destroy(p);
}

static void test_isolated_record_dead_lettered(void **state) {
        bp_poison_t           *p = bp_poison_new(3);
        const bp_poison_due_t *due;
        bp_poison_due_t        done;
        (void)state;

        isolate(p, 3);
        /* Another record goes through first, then a goes on failing. */
        assert_false(bp_poison_applying(p, &rec_b));
        assert_int_equal(committed(p), BP_POISON_NONE);
        assert_false(bp_poison_applying(p, &rec_a));
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_false(bp_poison_applying(p, &rec_a));
        /* A transient abort of a's batch does not count for it. */
        assert_int_equal(bp_poison_aborted(p), BP_POISON_NONE);
        assert_false(bp_poison_applying(p, &rec_a));
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_false(bp_poison_applying(p, &rec_a));
        assert_int_equal(refused(p), BP_POISON_DUE);
        assert_non_null(due = bp_poison_due(p));
        assert_int_equal(due->rec.partition, 1);
        assert_int_equal(due->rec.input, 1);
        assert_int_equal(due->rec.offset, 41);
        assert_string_equal(due->error, REFUSED);
        assert_string_equal(due->output, OUTPUT);
        assert_int_equal(due->attempts, 6);
        /* Its dead letter's batch is refused too: redone, not counted. */
        assert_true(bp_poison_applying(p, &rec_a));
        assert_int_equal(refused(p), BP_POISON_NONE);
        /* Other records before it commit, even the last ones held: it
         * stays due. */
        assert_false(bp_poison_applying(p, &rec_b));
        assert_int_equal(committed_all(p, NULL), BP_POISON_NONE);
        assert_non_null(bp_poison_due(p));
        assert_true(bp_poison_applying(p, &rec_a));
        /* Its dead letter commits, whatever else is still held. */
        assert_int_equal(bp_poison_committed(p, false, &done),
                         BP_POISON_DEAD_LETTERED);
        assert_int_equal(done.rec.offset, 41);
        assert_int_equal(done.attempts, 6);
        assert_false(bp_poison_isolating(p));
        assert_null(bp_poison_due(p));
        assert_int_equal(bp_poison_batch_max(p, 500), 500);
        bp_poison_destroy(p);
}

static void test_isolation_clears_when_held_committed(void **state) {
        bp_poison_t *p = bp_poison_new(2);
        int          i;
        (void)state;

        /* However many one-record batches commit, isolation lasts until
         * the records the failed batches held have all committed: after
         * a rewind they come back in another order, new ones with them. */
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_ISOLATING);
        for (i = 0; i < 100; i++) {
                bp_poison_rec_t rec = {0, 0, i};
                assert_false(bp_poison_applying(p, &rec));
                assert_int_equal(committed(p), BP_POISON_NONE);
        }
        /* A commit with no input record (a re-evaluation) ends nothing. */
        assert_int_equal(committed_all(p, NULL), BP_POISON_NONE);
        assert_true(bp_poison_isolating(p));
        assert_false(bp_poison_applying(p, &rec_b));
        assert_int_equal(committed_all(p, NULL), BP_POISON_CLEARED);
        assert_false(bp_poison_isolating(p));
        bp_poison_destroy(p);
}

static void test_suspect_that_heals_is_not_due(void **state) {
        bp_poison_t *p = bp_poison_new(3);
        (void)state;

        isolate(p, 3);
        assert_false(bp_poison_applying(p, &rec_a));
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_false(bp_poison_applying(p, &rec_a));
        assert_int_equal(refused(p), BP_POISON_NONE);
        /* The third try commits: a was not the cause after all. */
        assert_false(bp_poison_applying(p, &rec_a));
        assert_int_equal(committed_all(p, NULL), BP_POISON_CLEARED);
        assert_null(bp_poison_due(p));
        /* A batch without an input record names no suspect. */
        isolate(p, 3);
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_int_equal(refused(p), BP_POISON_NONE);
        assert_null(bp_poison_due(p));
        bp_poison_reset(p);
        assert_false(bp_poison_isolating(p));
        bp_poison_destroy(p);
}

static void test_limit_clamped_and_note_kept(void **state) {
        bp_poison_t           *p = bp_poison_new(0);
        const bp_poison_due_t *due;
        char                   longer[400];
        (void)state;

        memset(longer, 'x', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        /* limit 0 is 1: the first refusal isolates, the next names. */
        assert_int_equal(refused(p), BP_POISON_ISOLATING);
        assert_false(bp_poison_applying(p, &rec_b));
        bp_poison_note(p, longer, longer);
        bp_poison_note(p, "second", "ignored");
        assert_int_equal(bp_poison_aborted(p), BP_POISON_DUE);
        assert_non_null(due = bp_poison_due(p));
        assert_int_equal(strlen(due->error), BP_POISON_TEXT_MAX - 1);
        assert_int_equal(strlen(due->output), BP_POISON_TEXT_MAX - 1);
        assert_int_equal(due->attempts, 2);
        bp_poison_destroy(p);
        bp_poison_destroy(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_transient_aborts_never_count),
            cmocka_unit_test(test_commit_resets_the_count),
            cmocka_unit_test(test_isolated_record_dead_lettered),
            cmocka_unit_test(test_isolation_clears_when_held_committed),
            cmocka_unit_test(test_suspect_that_heals_is_not_due),
            cmocka_unit_test(test_limit_clamped_and_note_kept),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
