/*
 * test_line_reader.c - the bounded line reader: line ends, the last line
 * without a newline, lines at and over the limit (the reader stops at the
 * first over-long line, wherever it falls in the buffer, having read no
 * more than the limit and a chunk), line numbers, endless input without
 * a newline, and input that comes in small pieces through a pipe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_line_reader.h"

/* A file holding len bytes of data, positioned at its start. */
static FILE *file_of(const char *data, size_t len) {
        FILE *f = tmpfile();

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fflush(f), 0);
        rewind(f);
        return f;
}

static void expect_line(bp_line_reader_t *r, const char *want,
                        uint64_t lineno) {
        const char *line;
        size_t      len;

        assert_int_equal(bp_line_reader_next(r, &line, &len), 1);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(line, want, len);
        assert_int_equal(bp_line_reader_lineno(r), lineno);
}

/* The reader is stopped at line lineno: it says so, now and again. */
static void expect_too_large(bp_line_reader_t *r, size_t max, uint64_t lineno) {
        const char *line;
        size_t      len;
        int         i;

        for (i = 0; i < 2; i++) {
                assert_int_equal(bp_line_reader_next(r, &line, &len),
                                 BP_ERR_TOO_LARGE);
                assert_null(line);
                assert_int_equal(len, max + 1);
                assert_int_equal(bp_line_reader_lineno(r), lineno);
        }
}

static void expect_end(bp_line_reader_t *r) {
        const char *line;
        size_t      len;

        assert_int_equal(bp_line_reader_next(r, &line, &len), 0);
        assert_int_equal(bp_line_reader_next(r, &line, &len), 0);
}

static void test_line_ends(void **state) {
        static const char data[] = "a\n\nbc\r\n \r\nlast";
        FILE             *f      = file_of(data, sizeof(data) - 1);
        bp_line_reader_t *r      = bp_line_reader_new(fileno(f), 16);

        (void)state;
        expect_line(r, "a", 1);
        expect_line(r, "", 2);
        expect_line(r, "bc", 3);
        expect_line(r, " ", 4);
        expect_line(r, "last", 5);
        expect_end(r);
        bp_line_reader_destroy(r);
        fclose(f);
}

static void test_empty_input(void **state) {
        FILE             *f = file_of("", 0);
        bp_line_reader_t *r = bp_line_reader_new(fileno(f), 16);

        (void)state;
        expect_end(r);
        assert_int_equal(bp_line_reader_lineno(r), 0);
        bp_line_reader_destroy(r);
        fclose(f);
        assert_null(bp_line_reader_new(0, 0));
}

/* Lines at the limit pass, wherever they fall in the reader's buffer;
 * one byte more stops the reader. */
static void test_limit(void **state) {
        enum { MAX = 100, AT = 1200 };
        char              at[MAX + 1], over[MAX + 2];
        char             *data = malloc((MAX + 1) * AT + MAX + 2 + 8);
        size_t            len  = 0;
        FILE             *f;
        bp_line_reader_t *r;
        uint64_t          i;

        (void)state;
        memset(at, 'a', MAX);
        at[MAX] = '\0';
        memset(over, 'o', MAX + 1);
        over[MAX + 1] = '\0';
        /* Enough lines to wrap the buffer (MAX + 1 + 64 KiB) twice. */
        for (i = 0; i < AT; i++)
                len += (size_t)sprintf(data + len, "%s\n", at);
        len += (size_t)sprintf(data + len, "%s\n", over);
        memcpy(data + len, "after\n", 6);
        f = file_of(data, len + 6);
        r = bp_line_reader_new(fileno(f), MAX);
        for (i = 1; i <= AT; i++)
                expect_line(r, at, i);
        expect_too_large(r, MAX, AT + 1);
        bp_line_reader_destroy(r);
        fclose(f);
        free(data);
}

/* A line that goes past the limit stops the reader there, whether or
 * not a newline ever comes: an input that never ends without one (a
 * pipe kept full, as /dev/zero) is read no further than the buffer. */
static void test_huge_line(void **state) {
        size_t            huge = 1000 * 1000, len;
        char             *data = malloc(huge + 64);
        FILE             *f;
        bp_line_reader_t *r;

        (void)state;
        len = (size_t)sprintf(data, "first\n");
        memset(data + len, 'x', huge);
        len += huge;
        len += (size_t)sprintf(data + len, "\nafter\n");
        f = file_of(data, len);
        r = bp_line_reader_new(fileno(f), 1000);
        expect_line(r, "first", 1);
        expect_too_large(r, 1000, 2);
        /* Read: the first line, the limit, at most a chunk more. */
        assert_true(lseek(fileno(f), 0, SEEK_CUR) <= 6 + 1001 + 64 * 1024);
        bp_line_reader_destroy(r);
        fclose(f);

        /* The same line last in the file, without a newline. */
        f = file_of(data, 6 + huge);
        r = bp_line_reader_new(fileno(f), 1000);
        expect_line(r, "first", 1);
        expect_too_large(r, 1000, 2);
        bp_line_reader_destroy(r);
        fclose(f);
        free(data);
}

/* Endless input with no newline: the reader stops once the limit is
 * passed, while the writer could go on for ever. */
static void test_endless(void **state) {
        static char       zeros[64 * 1024];
        int               fds[2];
        bp_line_reader_t *r;
        pid_t             pid;
        int               status;

        (void)state;
        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                while (write(fds[1], zeros, sizeof(zeros)) > 0)
                        ;
                _exit(0); /* SIGPIPE or EPIPE once the reader is gone */
        }
        close(fds[1]);
        r = bp_line_reader_new(fds[0], 256 * 1024);
        expect_too_large(r, 256 * 1024, 1);
        bp_line_reader_destroy(r);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* Through a pipe, read() returns what was written so far: lines split
 * across reads are put back together. */
static void test_pipe_pieces(void **state) {
        int               fds[2];
        bp_line_reader_t *r;

        (void)state;
        assert_int_equal(pipe(fds), 0);
        r = bp_line_reader_new(fds[0], 32);
        assert_int_equal(write(fds[1], "hel", 3), 3);
        assert_int_equal(write(fds[1], "lo\nwor", 6), 6);
        expect_line(r, "hello", 1);
        assert_int_equal(write(fds[1], "ld\n", 3), 3);
        expect_line(r, "world", 2);
        close(fds[1]);
        expect_end(r);
        bp_line_reader_destroy(r);
        close(fds[0]);
}

static void test_bad_fd(void **state) {
        bp_line_reader_t *r = bp_line_reader_new(-1, 32);
        const char       *line;
        size_t            len;

        (void)state;
        assert_int_equal(bp_line_reader_next(r, &line, &len), BP_ERR_IO);
        bp_line_reader_destroy(r);
        bp_line_reader_destroy(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_line_ends),
            cmocka_unit_test(test_empty_input),
            cmocka_unit_test(test_limit),
            cmocka_unit_test(test_huge_line),
            cmocka_unit_test(test_endless),
            cmocka_unit_test(test_pipe_pieces),
            cmocka_unit_test(test_bad_fd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
