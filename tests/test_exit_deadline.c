/*
 * test_exit_deadline.c - the stop's deadline (consumers/bp_exit_deadline.c)
 * in a child process each: a stop stuck past the deadline ends the
 * process with status 1 and a shutdown_forced line naming the step it was
 * stuck at; a stop that finishes in time disarms it and keeps its own
 * exit status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_exit_deadline.h"

static void sleep_ms(int ms) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
                ;
}

/* Runs the child with its stderr in a pipe; returns its wait status and
 * what it wrote, in log (NUL-terminated). */
static int run_child(void (*child)(void), char *log, size_t log_size) {
        int     fds[2], status = -1;
        size_t  len = 0;
        ssize_t n;
        pid_t   pid;

        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[1], STDERR_FILENO);
                close(fds[0]);
                child();
                _exit(42); /* not reached */
        }
        close(fds[1]);
        while (len + 1 < log_size &&
               (n = read(fds[0], log + len, log_size - 1 - len)) > 0)
                len += (size_t)n;
        log[len] = '\0';
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

/* A stop stuck for 20 s behind a 200 ms deadline. */
static void stuck_child(void) {
        bp_exit_deadline_t *d = bp_exit_deadline_start(200, "last_commit");
        if (!d)
                _exit(43);
        bp_exit_deadline_phase(d, "consumer_destroy");
        sleep_ms(20000);
        exit(0);
}

/* A stop that takes 50 ms of its 5 s. */
static void prompt_child(void) {
        bp_exit_deadline_t *d = bp_exit_deadline_start(5000, "last_commit");
        if (!d)
                _exit(43);
        sleep_ms(50);
        bp_exit_deadline_stop(d);
        exit(7);
}

static void test_a_stuck_stop_exits_1_naming_the_step(void **state) {
        char            log[4096];
        struct timespec t0, t1;
        int             status;
        double          s;

        (void)state;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        status = run_child(stuck_child, log, sizeof(log));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        s = (double)(t1.tv_sec - t0.tv_sec) +
            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 1);
        /* The child would sleep 20 s; the deadline ended it long before. */
        assert_true(s < 15.0);
        assert_non_null(strstr(log, "event=shutdown_forced"));
        assert_non_null(strstr(log, "phase=consumer_destroy"));
        assert_non_null(strstr(log, "timeout_ms=200"));
}

static void test_a_prompt_stop_keeps_its_status(void **state) {
        char log[4096];
        int  status;

        (void)state;
        status = run_child(prompt_child, log, sizeof(log));
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 7);
        assert_null(strstr(log, "shutdown_forced"));
}

static void test_null_is_allowed(void **state) {
        (void)state;
        bp_exit_deadline_phase(NULL, "x");
        bp_exit_deadline_stop(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_a_stuck_stop_exits_1_naming_the_step),
            cmocka_unit_test(test_a_prompt_stop_keeps_its_status),
            cmocka_unit_test(test_null_is_allowed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
