/*
 * test_line_reader.c - the bounded line reader: line ends, the last line
 * without a newline, lines at and over the limit (skipped without being
 * kept, reading resuming after them), line numbers, and input that comes
 * in small pieces through a pipe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void expect_too_large(bp_line_reader_t *r, size_t want_len,
                             uint64_t lineno) {
        const char *line;
        size_t      len;

        assert_int_equal(bp_line_reader_next(r, &line, &len), BP_ERR_TOO_LARGE);
        assert_null(line);
        assert_int_equal(len, want_len);
        assert_int_equal(bp_line_reader_lineno(r), lineno);
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

/* Lines at the limit pass; one byte more is skipped, wherever it falls
 * in the reader's buffer, and the next line is read whole. */
static void test_limit(void **state) {
        enum { MAX = 100 };
        char              at[MAX + 1], over[MAX + 2];
        char             *data = malloc(64 * 1024 * 4);
        size_t            len  = 0;
        FILE             *f;
        bp_line_reader_t *r;
        uint64_t          n = 0, i;

        (void)state;
        memset(at, 'a', MAX);
        at[MAX] = '\0';
        memset(over, 'o', MAX + 1);
        over[MAX + 1] = '\0';
        /* Enough lines to wrap the buffer (MAX + 1 + 64 KiB) many times. */
        for (i = 0; i < 1200; i++)
                len += (size_t)sprintf(data + len, "%s\n%s\n", at, over);
        f = file_of(data, len);
        r = bp_line_reader_new(fileno(f), MAX);
        for (i = 0; i < 1200; i++) {
                expect_line(r, at, ++n);
                expect_too_large(r, MAX + 1, ++n);
        }
        expect_end(r);
        bp_line_reader_destroy(r);
        fclose(f);
        free(data);
}

/* A line far longer than the buffer is skipped in pieces. */
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
        expect_too_large(r, huge, 2);
        expect_line(r, "after", 3);
        expect_end(r);
        bp_line_reader_destroy(r);
        fclose(f);

        /* The same line last in the file, without a newline. */
        f = file_of(data, 6 + huge);
        r = bp_line_reader_new(fileno(f), 1000);
        expect_line(r, "first", 1);
        expect_too_large(r, huge, 2);
        expect_end(r);
        bp_line_reader_destroy(r);
        fclose(f);
        free(data);
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
            cmocka_unit_test(test_pipe_pieces),
            cmocka_unit_test(test_bad_fd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
