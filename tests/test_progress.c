/*
 * test_progress.c - the progress line: its text for every mix of known
 * and unknown totals and rates, that it stays off when stderr is not a
 * terminal, that a forced one redraws in place and erases itself, and
 * that every call accepts NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_progress.h"

static void test_format(void **state) {
        static const struct {
                uint64_t    items, work, total;
                double      seconds;
                const char *want;
        } cases[] = {
            {0, 0, 0, 0, "replay: 0 lines"},
            {1204000, 0, 0, 2.0, "replay: 1,204,000 lines  602,000 lines/s"},
            {500, 500, 1000, 0, "replay: 500 lines  50%"},
            {500, 250, 1000, 5.0,
             "replay: 500 lines  25%  100 lines/s  ETA 0:15"},
            {999, 999, 1000, 999.0,
             "replay: 999 lines  99%  1 lines/s  ETA 0:01"},
            {10, 2000, 1000, 1.0, "replay: 10 lines  100%  10 lines/s"},
            {100, 1, 1000, 1.0,
             "replay: 100 lines  0%  100 lines/s  ETA 16:39"},
        };
        char   buf[128];
        size_t i;
        (void)state;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int n = bp_progress_format(buf, sizeof(buf), "replay", "lines",
                                           cases[i].items, cases[i].work,
                                           cases[i].total, cases[i].seconds);
                assert_string_equal(buf, cases[i].want);
                assert_int_equal(n, (int)strlen(cases[i].want));
        }
        /* Truncated, still terminated. */
        assert_int_equal(
            bp_progress_format(buf, 8, "replay", "lines", 1, 0, 0, 0), 7);
        assert_string_equal(buf, "replay:");
}

static void test_off_unless_terminal(void **state) {
        int fds[2];
        (void)state;

        assert_int_equal(pipe(fds), 0);
        assert_null(bp_progress_new_fd(fds[1], false, 0, "gen", "events", 1));
        close(fds[0]);
        close(fds[1]);
        /* NULL is "off": every call is a no-op. */
        bp_progress_update(NULL, 1, 1);
        bp_progress_clear(NULL);
        bp_progress_destroy(NULL);
}

static void test_redraw_and_erase(void **state) {
        const struct timespec ms5 = {0, 5 * 1000000L};
        char                  out[4096];
        int                   fds[2];
        ssize_t               n;
        bp_progress_t        *p;
        uint64_t              i;
        (void)state;

        assert_int_equal(pipe(fds), 0);
        p = bp_progress_new_fd(fds[1], true, 1, "gen", "events", 100);
        assert_non_null(p);
        for (i = 1; i <= 100; i++) {
                bp_progress_update(p, i, i);
                if (i % 25 == 0)
                        nanosleep(&ms5, NULL);
        }
        bp_progress_destroy(p);
        close(fds[1]);
        n = read(fds[0], out, sizeof(out) - 1);
        close(fds[0]);
        assert_true(n > 0);
        out[n] = '\0';
        /* Drawn in place at least once, ending with an erase. */
        assert_memory_equal(out, "\rgen: ", 6);
        assert_non_null(strstr(out, " events  "));
        assert_non_null(strstr(out, "\033[K"));
        assert_string_equal(out + n - 4, "\r\033[K");
        assert_null(strchr(out, '\n'));
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_format),
            cmocka_unit_test(test_off_unless_terminal),
            cmocka_unit_test(test_redraw_and_erase),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
