/*
 * test_store_crash.c - what a SIGKILL leaves in the state store.
 *
 * The exactly-once protocol relies on a batch being all or nothing: after
 * a crash the checkpoint must describe exactly the records stored. Two
 * tests, each with a child process that opens the store on its own (an
 * LMDB environment must not cross fork()):
 *  - the child is killed with a batch open: nothing of it is visible,
 *    earlier commits are intact, and LMDB's writer lock, held by the dead
 *    child, is recovered so writing goes on;
 *  - the child commits batch after batch and is killed at a random moment,
 *    often inside mdb_txn_commit: after reopening, the checkpoint names
 *    the last batch whose records are all there, and no record of a later
 *    batch exists. Repeated, each round resuming from what the last left.
 * A killed process is not a lost machine: pages the child wrote are in
 * the page cache either way, so these tests do not show fsync at work
 * (that is LMDB's own, and needs a power cut to test).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_store.h"
#include "store_fixture.h"

/* A child's body: opens the store in dir itself, writes one byte to
 * ready_fd when the parent may start the clock, never returns. */
typedef void(child_fn)(const char *dir, int64_t arg, int ready_fd);

/* Closes fx's store (an LMDB environment must not cross fork()), runs fn
 * in a child and returns its pid once the child says it is ready. */
static pid_t spawn(store_fixture_t *fx, child_fn *fn, int64_t arg) {
        int   fds[2];
        char  byte;
        pid_t pid;

        bp_store_close(fx->store);
        fx->store = NULL;
        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                fn(fx->dir, arg, fds[1]);
                _exit(5);
        }
        close(fds[1]);
        assert_int_equal(read(fds[0], &byte, 1), 1);
        close(fds[0]);
        return pid;
}

/* Kills the child with SIGKILL, reaps it and reopens fx's store. */
static void kill_and_reopen(store_fixture_t *fx, pid_t pid) {
        int status;
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        store_fixture_reopen(fx);
}

/* Parent's earlier commits, then a child that drops a partition, writes
 * records and a checkpoint in one batch, and is killed before committing. */
#define CRASH_RECORDS 20000

static void crash_child(const char *dir, int64_t arg, int ready_fd) {
        char              id[32], value[200];
        bp_store_batch_t *batch;
        bp_store_t       *store;
        bp_checkpoint_t   cp;
        int               i;

        (void)arg;
        store = bp_store_open(dir, NULL, NULL, 0);
        if (!store || !(batch = bp_store_batch_begin(store, NULL, 0)))
                _exit(2);
        memset(value, 'c', sizeof(value));
        bp_store_batch_drop_partition(batch, 0, NULL, NULL, 0);
        for (i = 0; i < CRASH_RECORDS; i++) {
                snprintf(id, sizeof(id), "crash-%06d", i);
                if (bp_store_batch_put(batch, i % 2, id, value, sizeof(value),
                                       NULL, 0) != BP_OK)
                        _exit(3);
        }
        make_checkpoint(&cp, 999, "r-crash");
        bp_store_batch_set_checkpoint(batch, 0, &cp, NULL, 0);
        if (write(ready_fd, "r", 1) != 1)
                _exit(4);
        for (;;)
                pause(); /* wait for SIGKILL, the batch still open */
}

static void test_crash_before_commit(void **state) {
        store_fixture_t *fx = *state;
        bp_checkpoint_t  cp;
        size_t           cnt;

        put_one(fx->store, 0, "kept-0", "zero");
        put_one(fx->store, 1, "kept-1", "one");
        {
                bp_store_batch_t *batch;
                make_checkpoint(&cp, 50, "r-before");
                batch = batch_begin(fx->store);
                batch_checkpoint(batch, 0, &cp);
                batch_commit(batch);
        }
        kill_and_reopen(fx, spawn(fx, crash_child, 0));
        expect_record(fx->store, 0, "kept-0", "zero");
        expect_record(fx->store, 1, "kept-1", "one");
        expect_record(fx->store, 0, "crash-000000", NULL);
        expect_record(fx->store, 1, "crash-000001", NULL);
        assert_int_equal(
            bp_store_count(fx->store, 0, &cnt, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(cnt, 1);
        assert_int_equal(
            bp_store_count(fx->store, 1, &cnt, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(cnt, 1);
        expect_checkpoint(fx->store, 0, &cp);
        /* The dead child held LMDB's writer lock: writing works again. */
        put_one(fx->store, 0, "after", "crash");
        expect_record(fx->store, 0, "after", "crash");
}

/* Records per batch of the kill loop, and rounds of it. */
#define LOOP_RECORDS 300
#define LOOP_ROUNDS 12

/* Commits batches first, first+1, ... until killed. Batch k holds records
 * "b<k>-<i>" in partition 0 and sets partition 0's checkpoint to k. */
static void loop_child(const char *dir, int64_t first, int ready_fd) {
        char              id[40], value[200];
        bp_store_batch_t *batch;
        bp_store_t       *store;
        bp_checkpoint_t   cp;
        int64_t           k;
        int               i;

        store = bp_store_open(dir, NULL, NULL, 0);
        if (!store)
                _exit(2);
        memset(value, 'l', sizeof(value));
        if (write(ready_fd, "r", 1) != 1)
                _exit(4);
        for (k = first;; k++) {
                if (!(batch = bp_store_batch_begin(store, NULL, 0)))
                        _exit(2);
                for (i = 0; i < LOOP_RECORDS; i++) {
                        snprintf(id, sizeof(id), "b%06lld-%04d", (long long)k,
                                 i);
                        if (bp_store_batch_put(batch, 0, id, value,
                                               sizeof(value), NULL, 0) != BP_OK)
                                _exit(3);
                }
                make_checkpoint(&cp, k, "r-loop");
                if (bp_store_batch_set_checkpoint(batch, 0, &cp, NULL, 0) !=
                        BP_OK ||
                    bp_store_batch_commit(batch, NULL, 0) != BP_OK)
                        _exit(3);
        }
}

/* Checks that partition 0 holds exactly batches 0..k (k from the
 * checkpoint, -1 when there is none) and returns k. Count and boundary
 * records together rule out both a partial batch and a batch beyond the
 * checkpoint. */
static int64_t check_prefix(bp_store_t *store) {
        bp_checkpoint_t cp;
        char            id[40], value[201];
        size_t          cnt;
        int64_t         k;
        bp_err_t        err;

        err = bp_store_get_checkpoint(store, 0, &cp, errstr, sizeof(errstr));
        if (err == BP_ERR_NOT_FOUND) {
                k = -1;
        } else {
                assert_int_equal(err, BP_OK);
                k = cp.input_offsets[0];
        }
        assert_int_equal(bp_store_count(store, 0, &cnt, errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(cnt, (size_t)((k + 1) * LOOP_RECORDS));
        memset(value, 'l', 200);
        value[200] = '\0';
        if (k >= 0) {
                snprintf(id, sizeof(id), "b%06lld-%04d", (long long)k,
                         LOOP_RECORDS - 1);
                expect_record(store, 0, id, value);
        }
        snprintf(id, sizeof(id), "b%06lld-%04d", (long long)(k + 1), 0);
        expect_record(store, 0, id, NULL);
        return k;
}

static void test_kill_loop(void **state) {
        store_fixture_t *fx   = *state;
        const char      *env  = getenv("BP_STORE_SEED");
        unsigned         seed = (unsigned)time(NULL);
        int64_t          k    = -1, prev;
        int              round;
        pid_t            pid;

        /* The seed only picks the kill moments; BP_STORE_SEED replays a
         * run's choices (not its timing, which the kernel decides). */
        if (env && *env)
                seed = (unsigned)strtoul(env, NULL, 10);
        printf("# kill loop seed %u\n", seed);
        srand(seed);
        put_one(fx->store, 1, "bystander", "untouched");
        for (round = 0; round < LOOP_ROUNDS; round++) {
                pid = spawn(fx, loop_child, k + 1);
                /* 0..40 ms: some rounds die before the first commit, most
                 * in the middle of one of many. */
                usleep((useconds_t)(rand() % 40000));
                kill_and_reopen(fx, pid);
                prev = k;
                k    = check_prefix(fx->store);
                assert_true(k >= prev);
                expect_record(fx->store, 1, "bystander", "untouched");
        }
        printf("# kill loop: %d rounds, %lld batches committed\n", LOOP_ROUNDS,
               (long long)(k + 1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_crash_before_commit,
                                            store_fixture_setup,
                                            store_fixture_teardown),
            cmocka_unit_test_setup_teardown(test_kill_loop, store_fixture_setup,
                                            store_fixture_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
