/*
 * test_demo_metrics.c - /metrics scraped while the processor works.
 *
 * Runs `badgeproc demo` (the processor of `badgeproc run`, its metrics
 * server on a port of its own choosing, which the demo prints) on a
 * scenario paced to last several seconds, and scrapes /metrics every
 * quarter of a second until the demo exits. Every scrape must be valid
 * Prometheus text (prom_check.h); the counters must move while it runs:
 * events consumed and committed transactions take several values, never
 * go down, and end with badges counted and commit latencies observed;
 * /healthz answers 200 and /readyz turns 200. The demo must exit 0 with
 * every event counted in its summary.
 */
#include <errno.h>
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
#include <curl/curl.h>

#include "bp_buf.h"
#include "prom_check.h"
#include "scrape.h"

#define EVENTS "10000"
#define SCRAPES_MAX 1000

typedef struct sample_s {
        double consumed, committed, badges, commit_count;
} sample_t;

/* Starts the demo with its stdout on a pipe; returns the read end. */
static FILE *start_demo(pid_t *pid) {
        const char *bin = getenv("BP_BIN");
        const char *src = getenv("BP_SRC");
        int         fds[2];

        assert_non_null(bin);
        assert_int_equal(pipe(fds), 0);
        *pid = fork();
        assert_true(*pid >= 0);
        if (*pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                close(fds[0]);
                close(fds[1]);
                if (src && chdir(src) != 0)
                        _exit(126);
                execl(bin, bin, "demo", "--events", EVENTS, "--freelancers",
                      "500", "--rate", "1500", "--quiet", "--metrics-listen",
                      "127.0.0.1:0", "--timeout", "200", (char *)NULL);
                _exit(127);
        }
        close(fds[1]);
        return fdopen(fds[0], "r");
}

/* Reads the demo's header up to the metrics line; returns the port. */
static int read_port(FILE *out) {
        char line[512];
        int  port = 0;

        while (!port && fgets(line, sizeof(line), out))
                sscanf(line, "  metrics   http://127.0.0.1:%d/metrics", &port);
        assert_true(port > 0);
        return port;
}

static void check_text(const bp_buf_t *body, int n) {
        char why[256];
        int  bad = prom_check((const char *)body->data, body->len - 1, why,
                              sizeof(why));
        if (bad)
                fail_msg("scrape %d, line %d: %s\n%s", n, bad, why,
                         (const char *)body->data);
}

/* Scrapes until the demo exits; returns the number of samples taken. */
static int scrape(int port, pid_t pid, sample_t *s, int *status, int *ready) {
        const struct timespec tick = {0, 250 * 1000000L};
        bp_buf_t              body = {0};
        int                   n    = 0;

        for (;;) {
                if (waitpid(pid, status, WNOHANG) == pid)
                        break;
                if (n < SCRAPES_MAX &&
                    scrape_get(port, "/metrics", &body) == 200) {
                        const char *t = (const char *)body.data;
                        check_text(&body, n);
                        s[n].consumed = scrape_sum(
                            t, "badgeproc_events_consumed_total", "");
                        s[n].committed =
                            scrape_sum(t, "badgeproc_transactions_total",
                                       "result=\"committed\"");
                        s[n].badges =
                            scrape_sum(t, "badgeproc_badges_total", "");
                        s[n].commit_count = scrape_sum(
                            t, "badgeproc_batch_commit_seconds_count", "");
                        n++;
                        if (scrape_get(port, "/healthz", &body) != 200 &&
                            waitpid(pid, status, WNOHANG) != pid)
                                fail_msg("/healthz not 200 while running");
                        *ready |= scrape_get(port, "/readyz", &body) == 200;
                }
                nanosleep(&tick, NULL);
        }
        bp_buf_free(&body);
        return n;
}

static void test_metrics_move(void **state) {
        sample_t *s = calloc(SCRAPES_MAX, sizeof(*s));
        char      line[512];
        pid_t     pid;
        FILE     *out;
        int       port, n, i, status = -1, ready = 0, consumed_values = 1;
        int       committed_values = 1, summary_ok = 0;
        (void)state;

        assert_non_null(s);
        out  = start_demo(&pid);
        port = read_port(out);
        n    = scrape(port, pid, s, &status, &ready);
        while (fgets(line, sizeof(line), out))
                if (strncmp(line, "  events applied ", 17) == 0)
                        summary_ok = atoi(line + 17) == atoi(EVENTS);
        fclose(out);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_true(summary_ok);
        assert_true(n >= 4);
        for (i = 1; i < n; i++) {
                assert_true(s[i].consumed >= s[i - 1].consumed);
                assert_true(s[i].committed >= s[i - 1].committed);
                consumed_values += s[i].consumed != s[i - 1].consumed;
                committed_values += s[i].committed != s[i - 1].committed;
        }
        print_message("%d scrapes: %d values of consumed, %d of committed\n", n,
                      consumed_values, committed_values);
        /* Moving while the demo ran, not only jumping once at the end. */
        assert_true(consumed_values >= 3);
        assert_true(committed_values >= 3);
        assert_true(s[n - 1].badges > 0);
        assert_true(s[n - 1].commit_count > 0);
        assert_true(ready);
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_metrics_move),
        };
        int rc;

        signal(SIGPIPE, SIG_IGN);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return rc;
}
