/*
 * test_merge.c - the task's merge order does not depend on fetch timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "bp_merge.h"

/* Records are small ints cast to pointers: the merge never looks at them. */
#define REC(n) ((void *)(intptr_t)(n))

static int pop_one(bp_merge_t *m, int *input) {
        void *rec;
        if (!bp_merge_pop(m, &rec, input))
                return -1;
        return (int)(intptr_t)rec;
}

static void test_waits_for_every_input(void **unused) {
        bp_merge_t *m = bp_merge_new(8);
        int         input;
        (void)unused;

        assert_int_equal(bp_merge_push(m, 1, 100, 0, REC(1)), BP_OK);
        /* Inputs 0, 2 and 3 might still hold something older. */
        assert_int_equal(pop_one(m, &input), -1);
        bp_merge_set_eof(m, 0);
        bp_merge_set_eof(m, 2);
        assert_int_equal(pop_one(m, &input), -1);
        bp_merge_set_eof(m, 3);
        assert_int_equal(pop_one(m, &input), 1);
        assert_int_equal(input, 1);
        /* Input 1 is empty again and not at its end: wait. */
        assert_int_equal(bp_merge_push(m, 0, 50, 7, REC(2)), BP_OK);
        assert_int_equal(pop_one(m, &input), -1);
        bp_merge_set_eof(m, 1);
        assert_int_equal(pop_one(m, &input), 2);
        assert_int_equal(pop_one(m, &input), -1);
        bp_merge_destroy(m, NULL);
}

static void test_order_is_timestamp_input_offset(void **unused) {
        bp_merge_t *m = bp_merge_new(8);
        int         input, i;
        const int   expect[] = {10, 11, 20, 21, 30, 31, 40};
        (void)unused;

        /* Pushed in an order unrelated to the merge order. */
        bp_merge_push(m, 3, 300, 0, REC(31));
        bp_merge_push(m, 2, 100, 5, REC(11));
        bp_merge_push(m, 0, 100, 9, REC(10));
        bp_merge_push(m, 1, 200, 1, REC(20));
        bp_merge_push(m, 1, 200, 2, REC(21));
        bp_merge_push(m, 0, 300, 10, REC(30));
        bp_merge_push(m, 2, 400, 6, REC(40));
        for (i = 0; i < 4; i++)
                bp_merge_set_eof(m, i);
        for (i = 0; i < 7; i++)
                assert_int_equal(pop_one(m, &input), expect[i]);
        assert_int_equal(pop_one(m, &input), -1);
        bp_merge_destroy(m, NULL);
}

static int  freed;
static void count_free(void *rec) {
        (void)rec;
        freed++;
}

static void test_bounded_and_clear(void **unused) {
        bp_merge_t *m = bp_merge_new(2);
        int         input;
        (void)unused;

        assert_int_equal(bp_merge_push(m, 0, 1, 0, REC(1)), BP_OK);
        assert_false(bp_merge_full(m, 0));
        assert_int_equal(bp_merge_push(m, 0, 2, 1, REC(2)), BP_OK);
        assert_true(bp_merge_full(m, 0));
        assert_int_equal(bp_merge_push(m, 0, 3, 2, REC(3)), BP_ERR_TOO_LARGE);
        assert_int_equal(bp_merge_queued(m, 0), 2);
        bp_merge_push(m, 3, 1, 0, REC(4));
        freed = 0;
        bp_merge_clear(m, count_free);
        assert_int_equal(freed, 3);
        assert_int_equal(bp_merge_queued(m, 0), 0);
        /* Clear forgets end flags too: after a rewind nothing is known. */
        bp_merge_push(m, 0, 1, 0, REC(5));
        assert_int_equal(pop_one(m, &input), -1);
        freed = 0;
        bp_merge_destroy(m, count_free);
        assert_int_equal(freed, 1);
}

/* The same records split into different fetch batches pop in the same
 * order: what makes a restarted task decide exactly like the first. */
static void test_same_order_whatever_the_batches(void **unused) {
        int64_t  ts[BP_MERGE_INPUTS][50];
        int      order_a[200], order_b[200], n_a = 0, n_b = 0, i, k, input;
        unsigned seed = 12345;
        (void)unused;

        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                int64_t t = 0;
                for (k = 0; k < 50; k++) {
                        seed = seed * 1103515245u + 12345u;
                        t += (seed >> 16) % 5; /* ties are frequent */
                        ts[i][k] = t;
                }
        }
        for (int run = 0; run < 2; run++) {
                bp_merge_t *m                     = bp_merge_new(64);
                int         next[BP_MERGE_INPUTS] = {0};
                int *order = run ? order_b : order_a, *n = run ? &n_b : &n_a;
                int  step = run ? 7 : 1; /* records fetched per round */
                int  done = 0;
                while (!done) {
                        int rec;
                        done = 1;
                        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                                for (k = 0; k < step && next[i] < 50; k++) {
                                        bp_merge_push(m, i, ts[i][next[i]],
                                                      next[i],
                                                      REC(i * 100 + next[i]));
                                        next[i]++;
                                }
                                if (next[i] == 50)
                                        bp_merge_set_eof(m, i);
                                else
                                        done = 0;
                        }
                        while ((rec = pop_one(m, &input)) >= 0)
                                order[(*n)++] = rec;
                }
                bp_merge_destroy(m, NULL);
        }
        assert_int_equal(n_a, 200);
        assert_int_equal(n_b, 200);
        assert_memory_equal(order_a, order_b, sizeof(order_a));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_waits_for_every_input),
            cmocka_unit_test(test_order_is_timestamp_input_offset),
            cmocka_unit_test(test_bounded_and_clear),
            cmocka_unit_test(test_same_order_whatever_the_batches),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
