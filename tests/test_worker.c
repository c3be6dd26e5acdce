/*
 * test_worker.c - the background worker thread that writes the state
 * store and ends transactions (consumers/bp_worker.c): a job runs on the
 * thread, wait() returns its outcome once and only after it ended, busy() says
 * whether one is in flight, and destroy() lets a job in flight finish rather
 * than abandoning the data it writes.
 */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bp_worker.h"

typedef struct job_s {
        int      runs;
        int      sleep_ms; /* before finishing */
        bp_err_t result;
} job_t;

static bp_err_t run_job(void *arg, char *errstr, size_t errstr_size) {
        job_t          *job = arg;
        struct timespec ts  = {job->sleep_ms / 1000,
                               (long)(job->sleep_ms % 1000) * 1000000L};
        if (job->sleep_ms)
                nanosleep(&ts, NULL);
        job->runs++;
        if (job->result)
                snprintf(errstr, errstr_size, "disk full");
        return job->result;
}

static void test_wait_returns_the_outcome_once(void **state) {
        char         errstr[128] = "";
        bp_worker_t *w           = bp_worker_new(errstr, 128);
        job_t        ok = {0}, bad = {0, 0, BP_ERR_STATE};

        (void)state;
        assert_non_null(w);
        /* Nothing in flight: nothing to report. */
        assert_int_equal(bp_worker_wait(w, errstr, sizeof(errstr)), BP_OK);
        ok.sleep_ms = 30;
        bp_worker_submit(w, run_job, &ok);
        /* wait() blocks until the job has ended. */
        assert_int_equal(bp_worker_wait(w, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(ok.runs, 1);
        bp_worker_submit(w, run_job, &bad);
        assert_int_equal(bp_worker_wait(w, errstr, sizeof(errstr)),
                         BP_ERR_STATE);
        assert_string_equal(errstr, "disk full");
        /* Reported once: a later wait with nothing in flight is clean. */
        assert_int_equal(bp_worker_wait(w, errstr, sizeof(errstr)), BP_OK);
        /* Jobs run one after the other, each exactly once. */
        bp_worker_submit(w, run_job, &ok);
        assert_int_equal(bp_worker_wait(w, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(ok.runs, 2);
        assert_int_equal(bad.runs, 1);
        bp_worker_destroy(w);
}

static atomic_int gate; /* a gated job runs until it is set */

static bp_err_t gated_job(void *arg, char *errstr, size_t errstr_size) {
        struct timespec ts = {0, 1000000L};
        (void)arg, (void)errstr, (void)errstr_size;
        while (!atomic_load(&gate))
                nanosleep(&ts, NULL);
        return BP_OK;
}

static void test_busy_while_a_job_runs(void **state) {
        char         errstr[128];
        bp_worker_t *w = bp_worker_new(errstr, sizeof(errstr));

        (void)state;
        assert_non_null(w);
        assert_false(bp_worker_busy(w));
        atomic_store(&gate, 0);
        bp_worker_submit(w, gated_job, NULL);
        /* The job cannot end before the gate opens. */
        assert_true(bp_worker_busy(w));
        atomic_store(&gate, 1);
        assert_int_equal(bp_worker_wait(w, errstr, sizeof(errstr)), BP_OK);
        assert_false(bp_worker_busy(w));
        bp_worker_destroy(w);
}

static void test_destroy_finishes_the_job_in_flight(void **state) {
        char         errstr[128];
        bp_worker_t *w   = bp_worker_new(errstr, sizeof(errstr));
        job_t        job = {0, 50, BP_OK};

        (void)state;
        assert_non_null(w);
        bp_worker_submit(w, run_job, &job);
        bp_worker_destroy(w);
        assert_int_equal(job.runs, 1);
        bp_worker_destroy(NULL); /* a no-op */
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_wait_returns_the_outcome_once),
            cmocka_unit_test(test_busy_while_a_job_runs),
            cmocka_unit_test(test_destroy_finishes_the_job_in_flight),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
