/*
 * test_log.c - log lines: the exact layout, quoting of %s values, every
 * printf conversion the formatter hands on, the level check (arguments
 * not evaluated when off), lines cut at PIPE_BUF, the librdkafka level
 * mapping, and whole lines from several threads at once.
 *
 * Each case points stderr at a temporary file and reads back what was
 * written.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_log.h"

#define TS_LEN 27 /* ts=2026-11-28T10:00:00.123Z */

typedef struct capture_s {
        FILE *file;
        int   saved_fd;
} capture_t;

static void capture_start(capture_t *cap) {
        fflush(stderr);
        cap->file = tmpfile();
        assert_non_null(cap->file);
        cap->saved_fd = dup(STDERR_FILENO);
        assert_true(cap->saved_fd >= 0);
        assert_int_equal(dup2(fileno(cap->file), STDERR_FILENO), STDERR_FILENO);
}

/* Restores stderr and returns what was written (caller frees). */
static char *capture_end(capture_t *cap) {
        long  len;
        char *text;

        assert_int_equal(dup2(cap->saved_fd, STDERR_FILENO), STDERR_FILENO);
        close(cap->saved_fd);
        len = ftell(cap->file) >= 0 ? lseek(fileno(cap->file), 0, SEEK_END) : 0;
        text = calloc(1, (size_t)len + 1);
        assert_non_null(text);
        assert_int_equal(pread(fileno(cap->file), text, (size_t)len, 0), len);
        fclose(cap->file);
        return text;
}

/* Checks the timestamp's shape and returns what follows it. */
static const char *after_ts(const char *line) {
        static const char shape[] = "ts=dddd-dd-ddTdd:dd:dd.dddZ";
        size_t            i;

        for (i = 0; i < TS_LEN; i++)
                if (shape[i] == 'd' ? (line[i] < '0' || line[i] > '9')
                                    : line[i] != shape[i])
                        fail_msg("bad timestamp in: %s", line);
        return line + TS_LEN;
}

static void test_layout(void **state) {
        capture_t cap;
        char     *text, *second;
        (void)state;

        bp_log_set_level(BP_LOG_INFO);
        capture_start(&cap);
        BP_LOG(BP_LOG_INFO, "assignment", "partition=%d count=%d", 3, 7);
        BP_LOG(BP_LOG_ERROR, "fatal", "");
        text   = capture_end(&cap);
        second = strchr(text, '\n');
        assert_non_null(second);
        second++;
        assert_memory_equal(after_ts(text),
                            " level=info event=assignment partition=3 "
                            "count=7\n",
                            41);
        assert_string_equal(after_ts(second), " level=error event=fatal\n");
        free(text);
}

static void check_fields(const char *text, const char *want) {
        char expect[8192];
        snprintf(expect, sizeof(expect), " level=info event=t %s\n", want);
        assert_string_equal(after_ts(text), expect);
}

/* Logs one info line with the format and arguments after want, and
 * checks its fields are want. */
#define EXPECT_FIELDS(want, ...)                       \
        do {                                           \
                capture_t cap_;                        \
                char     *text_;                       \
                capture_start(&cap_);                  \
                BP_LOG(BP_LOG_INFO, "t", __VA_ARGS__); \
                text_ = capture_end(&cap_);            \
                check_fields(text_, want);             \
                free(text_);                           \
        } while (0)

/* Not a constant, so the compiler does not refuse the NULL argument. */
static const char *volatile null_string = NULL;

static void test_quoting(void **state) {
        (void)state;
        bp_log_set_level(BP_LOG_INFO);
        EXPECT_FIELDS("v=plain", "v=%s", "plain");
        EXPECT_FIELDS("v=\"\"", "v=%s", "");
        EXPECT_FIELDS("v=\"a b\"", "v=%s", "a b");
        EXPECT_FIELDS("v=\"say \\\"hi\\\"\"", "v=%s", "say \"hi\"");
        EXPECT_FIELDS("v=\"x=y\"", "v=%s", "x=y");
        EXPECT_FIELDS("v=\"l1\\nl2\\r\\t\"", "v=%s", "l1\nl2\r\t");
        EXPECT_FIELDS("v=\"\\x01\\x7f\"", "v=%s", "\x01\x7f");
        EXPECT_FIELDS("v=back\\slash", "v=%s", "back\\slash");
        EXPECT_FIELDS("v=\"a b\\\\c\"", "v=%s", "a b\\c");
        EXPECT_FIELDS("v=caf\xc3\xa9", "v=%s", "caf\xc3\xa9");
        EXPECT_FIELDS("v=(null)", "v=%s", null_string);
        EXPECT_FIELDS("v=ab w=\"c d\"", "v=%.2s w=%.*s", "abc", 3, "c d e");
        EXPECT_FIELDS("path=/a/b err=\"No such file\"", "path=%s err=%s",
                      "/a/b", "No such file");
}

static void test_conversions(void **state) {
        (void)state;
        bp_log_set_level(BP_LOG_INFO);
        EXPECT_FIELDS("a=-5 b=   42 c=7  |", "a=%d b=%5d c=%-3d|", -5, 42, 7);
        EXPECT_FIELDS("a=4294967295 b=-9 c=18446744073709551615",
                      "a=%u b=%ld c=%llu", UINT_MAX, -9L,
                      (unsigned long long)UINT64_MAX);
        EXPECT_FIELDS("a=12 b=-3 c=9 d=-1", "a=%zu b=%jd c=%td d=%zd",
                      (size_t)12, (intmax_t)-3, (ptrdiff_t)9, (ssize_t)-1);
        EXPECT_FIELDS("a=ff b=0xff c=17 d=FF", "a=%x b=%#x c=%o d=%X", 255u,
                      255u, 15u, 255u);
        EXPECT_FIELDS("a=-1 b=-2 c=x d=100%", "a=%hhd b=%hd c=%c d=100%%",
                      (signed char)-1, (short)-2, 'x');
        EXPECT_FIELDS("a=3.14 b=1e+20 c=2.500000e-01 d=1.50",
                      "a=%.2f b=%g c=%e d=%.2Lf", 3.14159, 1e20, 0.25, 1.5L);
        EXPECT_FIELDS("a=  7 b=00042 c=+3", "a=%*d b=%05d c=%+d", 3, 7, 42, 3);
        EXPECT_FIELDS("a=xyz", "a=%.*s", -1, "xyz");
}

static int side_effects;

static int touch(void) {
        return ++side_effects;
}

static void test_levels(void **state) {
        capture_t      cap;
        char          *text;
        bp_log_level_t level;
        (void)state;

        bp_log_set_level(BP_LOG_WARN);
        assert_int_equal(bp_log_get_level(), BP_LOG_WARN);
        capture_start(&cap);
        BP_LOG(BP_LOG_INFO, "hidden", "n=%d", touch());
        BP_LOG(BP_LOG_DEBUG, "hidden", "n=%d", touch());
        BP_LOG(BP_LOG_WARN, "shown", "n=%d", touch());
        text = capture_end(&cap);
        assert_int_equal(side_effects, 1); /* off levels: not evaluated */
        assert_string_equal(after_ts(text), " level=warn event=shown n=1\n");
        free(text);

        assert_int_equal(bp_log_level_parse("debug", &level), BP_OK);
        assert_int_equal(level, BP_LOG_DEBUG);
        assert_int_equal(bp_log_level_parse("DEBUG", &level), BP_ERR_INVALID);
        assert_int_equal(bp_log_level_parse(NULL, &level), BP_ERR_INVALID);
        assert_string_equal(bp_log_level_name(BP_LOG_ERROR), "error");
        assert_string_equal(bp_log_level_name((bp_log_level_t)9), "unknown");
        bp_log_set_level(BP_LOG_INFO);
}

/* A line longer than PIPE_BUF is cut, its open quote closed, and marked. */
static void test_truncation(void **state) {
        static const char tail_quoted[] = "\" truncated=true\n";
        static const char tail_plain[]  = " truncated=true\n";
        char             *big           = malloc(3 * PIPE_BUF);
        capture_t         cap;
        char             *text;
        size_t            len;
        (void)state;

        assert_non_null(big);
        bp_log_set_level(BP_LOG_INFO);
        memset(big, 'x', 3 * PIPE_BUF - 1);
        big[3 * PIPE_BUF - 1] = '\0';
        big[10]               = ' '; /* needs quotes */
        capture_start(&cap);
        BP_LOG(BP_LOG_INFO, "big", "v=%s after=1", big);
        big[10] = 'x'; /* plain */
        BP_LOG(BP_LOG_INFO, "big", "v=%s after=1", big);
        text = capture_end(&cap);
        len  = strcspn(text, "\n") + 1;
        assert_true(len <= PIPE_BUF);
        assert_memory_equal(text + len - strlen(tail_quoted), tail_quoted,
                            strlen(tail_quoted));
        assert_null(strstr(text, "after=1"));
        assert_true(strlen(text + len) <= PIPE_BUF);
        assert_string_equal(text + strlen(text) - strlen(tail_plain),
                            tail_plain);
        assert_true(text[strlen(text) - strlen(tail_plain) - 1] == 'x');
        free(text);
        free(big);
}

static void test_rdkafka_levels(void **state) {
        capture_t cap;
        char     *text, *line;
        (void)state;

        bp_log_set_level(BP_LOG_INFO);
        capture_start(&cap);
        bp_log_rdkafka(NULL, 3, "FAIL", "broker down: Connection refused");
        bp_log_rdkafka(NULL, 4, "REQTMOUT", "timed out");
        bp_log_rdkafka(NULL, 6, "JOIN", "joined");
        bp_log_rdkafka(NULL, 7, "FETCH", "not shown at info");
        bp_log_set_level(BP_LOG_DEBUG);
        bp_log_rdkafka(NULL, 7, "FETCH", "shown at debug");
        bp_log_set_level(BP_LOG_INFO);
        text = capture_end(&cap);
        line = text;
        assert_string_equal(
            (line = strtok(line, "\n"), after_ts(line)),
            " level=error event=rdkafka client=\"\" fac=FAIL msg=\"broker "
            "down: Connection refused\"");
        assert_string_equal((line = strtok(NULL, "\n"), after_ts(line)),
                            " level=warn event=rdkafka client=\"\" "
                            "fac=REQTMOUT msg=\"timed out\"");
        assert_string_equal((line = strtok(NULL, "\n"), after_ts(line)),
                            " level=info event=rdkafka client=\"\" fac=JOIN "
                            "msg=joined");
        assert_string_equal((line = strtok(NULL, "\n"), after_ts(line)),
                            " level=debug event=rdkafka client=\"\" "
                            "fac=FETCH msg=\"shown at debug\"");
        assert_null(strtok(NULL, "\n"));
        free(text);
}

static void test_errno_kept(void **state) {
        capture_t cap;
        (void)state;

        bp_log_set_level(BP_LOG_INFO);
        capture_start(&cap);
        errno = ENOENT;
        BP_LOG(BP_LOG_INFO, "t", "x=%d", 1);
        assert_int_equal(errno, ENOENT);
        free(capture_end(&cap));
}

#define THREADS 4
#define LINES 2000

static void *log_lines(void *arg) {
        int i, id = (int)(intptr_t)arg;
        for (i = 0; i < LINES; i++)
                BP_LOG(BP_LOG_INFO, "load", "thread=%d i=%d text=%s", id, i,
                       "the same forty bytes of text, every line");
        return NULL;
}

/* Lines written by several threads at once arrive whole. */
static void test_threads(void **state) {
        capture_t cap;
        pthread_t threads[THREADS];
        char     *text, *line, *save = NULL;
        int       i, lines = 0;
        (void)state;

        bp_log_set_level(BP_LOG_INFO);
        capture_start(&cap);
        for (i = 0; i < THREADS; i++)
                assert_int_equal(pthread_create(&threads[i], NULL, log_lines,
                                                (void *)(intptr_t)i),
                                 0);
        for (i = 0; i < THREADS; i++)
                pthread_join(threads[i], NULL);
        text = capture_end(&cap);
        for (line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                int id, n;
                if (sscanf(after_ts(line),
                           " level=info event=load thread=%d i=%d text=", &id,
                           &n) != 2 ||
                    !strstr(line, "text=\"the same forty bytes of text, "
                                  "every line\"") ||
                    strstr(line + 1, "ts="))
                        fail_msg("broken line: %s", line);
                lines++;
        }
        assert_int_equal(lines, THREADS * LINES);
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_layout),
            cmocka_unit_test(test_quoting),
            cmocka_unit_test(test_conversions),
            cmocka_unit_test(test_levels),
            cmocka_unit_test(test_truncation),
            cmocka_unit_test(test_rdkafka_levels),
            cmocka_unit_test(test_errno_kept),
            cmocka_unit_test(test_threads),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
