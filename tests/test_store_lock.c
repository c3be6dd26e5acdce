/*
 * test_store_lock.c - one writer per state directory (bp_store_lock.c):
 * a second writer is refused with the holder's PID and the directory,
 * whether it is this process or another; readers share the directory;
 * a lock left by a killed process does not block; closing releases it.
 * (That a refused writer leaves the first one's unsynced marker alone is
 * in test_store_sync.c, beside the marker's other cases.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_store.h"
#include "store_fixture.h"

/* The child holding the directory, if any: a failed assertion must not
 * leave it behind (it would keep the test's output open, and ctest
 * waiting). */
static pid_t holder = -1;

static int teardown(void **state) {
        if (holder > 0) {
                kill(holder, SIGKILL);
                waitpid(holder, NULL, 0);
                holder = -1;
        }
        return store_fixture_teardown(state);
}

/* The PID written in the directory's LOCK file, or -1. */
static long lock_pid(const char *dir) {
        char  path[2048];
        long  pid = -1;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, BP_STORE_LOCK_FILE);
        if (!(f = fopen(path, "r")))
                return -1;
        if (fscanf(f, "%ld", &pid) != 1)
                pid = -1;
        fclose(f);
        return pid;
}

/* Asserts that opening dir for writing is refused because process pid
 * holds it, and that the message names the directory and the file. */
static void expect_refused(const char *dir, long pid) {
        char        want[2200];
        bp_store_t *s = bp_store_open(dir, NULL, errstr, sizeof(errstr));

        if (s) {
                bp_store_close(s);
                fail_msg("a second writer opened %s", dir);
        }
        snprintf(want, sizeof(want),
                 "state store %s: the directory is in use "
                 "by process %ld (it holds %s/%s)",
                 dir, pid, dir, BP_STORE_LOCK_FILE);
        if (strncmp(errstr, want, strlen(want)) != 0)
                fail_msg("want: %s...\ngot:  %s", want, errstr);
}

static void test_second_writer_refused(void **state) {
        store_fixture_t *fx = *state;

        put_one(fx->store, 0, "f", "kept");
        assert_int_equal(lock_pid(fx->dir), (long)getpid());
        expect_refused(fx->dir, (long)getpid());
        /* The refused open changed nothing: the first still works. */
        put_one(fx->store, 0, "g", "after");
        expect_record(fx->store, 0, "f", "kept");
        expect_record(fx->store, 0, "g", "after");
        /* Closed, the directory is free again. */
        store_fixture_reopen(fx);
        expect_record(fx->store, 0, "g", "after");
}

static void test_reader_shares(void **state) {
        store_fixture_t   *fx = *state;
        bp_store_options_t opts;
        bp_store_t        *ro;

        put_one(fx->store, 0, "f", "one");
        bp_store_options_init(&opts);
        opts.read_only = true;
        ro             = bp_store_open(fx->dir, &opts, errstr, sizeof(errstr));
        if (!ro)
                fail_msg("read-only open beside the writer: %s", errstr);
        expect_record(ro, 0, "f", "one");
        bp_store_close(ro);
        /* The reader took nothing the writer needs. */
        put_one(fx->store, 0, "f", "two");
        expect_record(fx->store, 0, "f", "two");
}

/* Another process holds the directory, then is killed with SIGKILL:
 * refused while it lives, free once it is dead, though its PID is still
 * in the file. */
static void test_killed_holder_does_not_block(void **state) {
        store_fixture_t *fx = *state;
        int              fds[2], status;
        char             byte;
        pid_t            pid;

        bp_store_close(fx->store); /* an environment must not cross fork() */
        fx->store = NULL;
        assert_int_equal(pipe(fds), 0);
        pid = holder = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                bp_store_t *s = bp_store_open(fx->dir, NULL, NULL, 0);
                close(fds[0]);
                if (!s || write(fds[1], "r", 1) != 1)
                        _exit(2);
                for (;;)
                        pause();
        }
        close(fds[1]);
        assert_int_equal(read(fds[0], &byte, 1), 1);
        close(fds[0]);
        expect_refused(fx->dir, (long)pid);

        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        holder = -1;
        assert_true(WIFSIGNALED(status));
        assert_int_equal(lock_pid(fx->dir), (long)pid);
        fx->store = bp_store_open(fx->dir, NULL, errstr, sizeof(errstr));
        if (!fx->store)
                fail_msg("open after the holder was killed: %s", errstr);
        assert_int_equal(lock_pid(fx->dir), (long)getpid());
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, store_fixture_setup, teardown)
            T(test_second_writer_refused),
            T(test_reader_shares),
            T(test_killed_holder_does_not_block),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
