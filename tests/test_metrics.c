/*
 * test_metrics.c - the metrics registry: exact text for a small registry,
 * escaping, histogram buckets, the registration rules, hidden gauges,
 * lock-free updates from several threads, and every rendered line held to
 * the exposition grammar by prom_check (which is itself shown to reject
 * bad text). The HTTP server has its own test, test_metrics_http.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_log.h"
#include "bp_metrics.h"
#include "prom_check.h"

#define INCREMENTS 1000000

/* Renders m into a NUL-terminated string the caller frees. */
static char *render(bp_metrics_t *m) {
        bp_buf_t buf = {0};
        assert_int_equal(bp_metrics_render(m, &buf), BP_OK);
        assert_int_equal(bp_buf_append_byte(&buf, 0), BP_OK);
        return (char *)buf.data;
}

static void assert_valid(const char *text) {
        char why[128];
        int  line = prom_check(text, strlen(text), why, sizeof(why));
        if (line != 0)
                fail_msg("line %d: %s\n%s", line, why, text);
}

static void test_render_exact(void **state) {
        bp_metrics_t         *m = bp_metrics_new();
        bp_metrics_counter_t *pu, *pd, *badge;
        bp_metrics_gauge_t   *entries;
        char                 *text;
        (void)state;

        pu = bp_metrics_counter(m, "badgeproc_events_consumed_total",
                                "Input records consumed.", "topic",
                                "profile-updated", NULL);
        pd = bp_metrics_counter(m, "badgeproc_events_consumed_total",
                                "ignored: the first help text stays", "topic",
                                "partner-decision", NULL);
        entries =
            bp_metrics_gauge(m, "badgeproc_state_entries",
                             "Freelancer records in the state store.", NULL);
        badge = bp_metrics_counter(m, "badgeproc_badges_total",
                                   "Badge decisions published.", "partner",
                                   "acme", "kind", "granted", NULL);
        bp_metrics_counter_add(pu, 3);
        bp_metrics_counter_inc(pd);
        bp_metrics_gauge_set(entries, 42.5);
        bp_metrics_counter_inc(badge);
        /* The same name and labels give the same handle. */
        assert_ptr_equal(
            pu, bp_metrics_counter(m, "badgeproc_events_consumed_total", "",
                                   "topic", "profile-updated", NULL));
        text = render(m);
        assert_string_equal(
            text,
            "# HELP badgeproc_events_consumed_total Input records consumed.\n"
            "# TYPE badgeproc_events_consumed_total counter\n"
            "badgeproc_events_consumed_total{topic=\"profile-updated\"} 3\n"
            "badgeproc_events_consumed_total{topic=\"partner-decision\"} 1\n"
            "# HELP badgeproc_state_entries Freelancer records in the state "
            "store.\n"
            "# TYPE badgeproc_state_entries gauge\n"
            "badgeproc_state_entries 42.5\n"
            "# HELP badgeproc_badges_total Badge decisions published.\n"
            "# TYPE badgeproc_badges_total counter\n"
            "badgeproc_badges_total{partner=\"acme\",kind=\"granted\"} 1\n");
        assert_valid(text);
        assert_int_equal(bp_metrics_counter_value(pu), 3);
        free(text);
        bp_metrics_destroy(m);
        bp_metrics_destroy(NULL);
}

static void test_gauge_values(void **state) {
        static const struct {
                double      v;
                const char *text;
        } cases[] = {
            {0, "0"},
            {-3, "-3"},
            {0.1, "0.1"},
            {1e21, "1e+21"},
            {1.0 / 3, "0.33333333333333331"},
            {NAN, "NaN"},
            {INFINITY, "+Inf"},
            {-INFINITY, "-Inf"},
        };
        size_t i;
        (void)state;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                bp_metrics_t       *m = bp_metrics_new();
                bp_metrics_gauge_t *g = bp_metrics_gauge(m, "g", "h", NULL);
                char               *text, expect[128];

                bp_metrics_gauge_set(g, cases[i].v);
                text = render(m);
                snprintf(expect, sizeof(expect),
                         "# HELP g h\n# TYPE g gauge\ng %s\n", cases[i].text);
                assert_string_equal(text, expect);
                assert_valid(text);
                free(text);
                bp_metrics_destroy(m);
        }
}

static void test_escaping(void **state) {
        bp_metrics_t         *m = bp_metrics_new();
        bp_metrics_counter_t *c;
        char                 *text;
        (void)state;

        c = bp_metrics_counter(m, "badgeproc_dlq_records_total",
                               "Records sent to the\ndead-letter topic, C:\\.",
                               "topic", "we\"ird\\top\nic", NULL);
        bp_metrics_counter_add(c, 2);
        c = bp_metrics_counter(m, "badgeproc_dlq_records_total", NULL, "topic",
                               "caf\xc3\xa9 {x=\"1\"}", NULL);
        text = render(m);
        assert_string_equal(
            text,
            "# HELP badgeproc_dlq_records_total Records sent to the\\ndead-"
            "letter topic, C:\\\\.\n"
            "# TYPE badgeproc_dlq_records_total counter\n"
            "badgeproc_dlq_records_total{topic=\"we\\\"ird\\\\top\\nic\"} 2\n"
            "badgeproc_dlq_records_total{topic=\"caf\xc3\xa9 {x=\\\"1\\\"}\"} "
            "0\n");
        assert_valid(text);
        free(text);
        bp_metrics_destroy(m);
}

static void test_histogram(void **state) {
        static const double     bounds[] = {0.25, 0.5, 1};
        bp_metrics_t           *m        = bp_metrics_new();
        bp_metrics_histogram_t *h, *d;
        char                   *text;
        (void)state;

        h = bp_metrics_histogram(m, "badgeproc_batch_commit_seconds",
                                 "Time to commit one batch.", bounds, 3, NULL);
        bp_metrics_histogram_observe(h, 0.125);
        bp_metrics_histogram_observe(h, 0.25); /* le is inclusive */
        bp_metrics_histogram_observe(h, 0.375);
        bp_metrics_histogram_observe(h, 2);
        bp_metrics_histogram_observe(h, NAN); /* ignored */
        d = bp_metrics_histogram(m, "lat", "Default buckets.", NULL, 0, "op",
                                 "x", NULL);
        bp_metrics_histogram_observe(d, 0.003);
        text = render(m);
        assert_non_null(strstr(
            text,
            "# HELP badgeproc_batch_commit_seconds Time to commit one batch.\n"
            "# TYPE badgeproc_batch_commit_seconds histogram\n"
            "badgeproc_batch_commit_seconds_bucket{le=\"0.25\"} 2\n"
            "badgeproc_batch_commit_seconds_bucket{le=\"0.5\"} 3\n"
            "badgeproc_batch_commit_seconds_bucket{le=\"1\"} 3\n"
            "badgeproc_batch_commit_seconds_bucket{le=\"+Inf\"} 4\n"
            "badgeproc_batch_commit_seconds_sum 2.75\n"
            "badgeproc_batch_commit_seconds_count 4\n"
            "# HELP lat Default buckets.\n"
            "# TYPE lat histogram\n"
            "lat_bucket{op=\"x\",le=\"0.001\"} 0\n"
            "lat_bucket{op=\"x\",le=\"0.0025\"} 0\n"
            "lat_bucket{op=\"x\",le=\"0.005\"} 1\n"));
        assert_non_null(strstr(text, "lat_bucket{op=\"x\",le=\"10\"} 1\n"
                                     "lat_bucket{op=\"x\",le=\"+Inf\"} 1\n"
                                     "lat_sum{op=\"x\"} 0.003\n"
                                     "lat_count{op=\"x\"} 1\n"));
        assert_valid(text);
        free(text);
        bp_metrics_destroy(m);
}

static void test_registration_rules(void **state) {
        static const double   up_down[] = {1, 0.5};
        static const double   bounds[]  = {1, 2};
        static const double   other[]   = {1, 3};
        bp_metrics_t         *m         = bp_metrics_new();
        char                  long_value[BP_METRICS_LABEL_VALUE_MAX + 2];
        bp_metrics_counter_t *c;
        size_t                i;
        (void)state;

        memset(long_value, 'v', sizeof(long_value) - 1);
        long_value[sizeof(long_value) - 1] = '\0';
        assert_null(bp_metrics_counter(m, "1bad", "", NULL));
        assert_null(bp_metrics_counter(m, "bad-name", "", NULL));
        assert_null(bp_metrics_counter(m, "ok", "", "__reserved", "x", NULL));
        assert_null(bp_metrics_counter(m, "ok", "", "a", "x", "a", "y", NULL));
        assert_null(bp_metrics_counter(m, "ok", "", "a", NULL, NULL));
        assert_null(bp_metrics_counter(m, "ok", "", "a", "\xc3(", NULL));
        assert_null(bp_metrics_counter(m, "ok", "", "a", "\xed\xa0\x80", NULL));
        assert_null(bp_metrics_counter(m, "ok", "", "a", long_value, NULL));
        assert_null(
            bp_metrics_histogram(m, "h", "", bounds, 2, "le", "1", NULL));
        assert_null(bp_metrics_histogram(m, "h", "", up_down, 2, NULL));
        assert_null(bp_metrics_histogram(m, "h", "", bounds, 0, NULL));
        assert_null(bp_metrics_counter(NULL, "ok", "", NULL));

        /* A family keeps its type, label names and bounds. */
        assert_non_null(bp_metrics_counter(m, "fam", "", "a", "1", NULL));
        assert_null(bp_metrics_gauge(m, "fam", "", "a", "1", NULL));
        assert_null(bp_metrics_counter(m, "fam", "", "b", "1", NULL));
        assert_null(bp_metrics_counter(m, "fam", "", NULL));
        assert_non_null(bp_metrics_histogram(m, "hist", "", bounds, 2, NULL));
        assert_null(bp_metrics_histogram(m, "hist", "", other, 2, NULL));

        /* Updates through NULL handles do nothing. */
        bp_metrics_counter_inc(NULL);
        bp_metrics_counter_add(NULL, 5);
        bp_metrics_gauge_set(NULL, 1);
        bp_metrics_gauge_add(NULL, 1);
        bp_metrics_gauge_hide(NULL);
        bp_metrics_histogram_observe(NULL, 1);
        assert_int_equal(bp_metrics_counter_value(NULL), 0);

        /* Label values from outside input cannot grow a family forever. */
        for (i = 0; i < BP_METRICS_SERIES_MAX; i++) {
                char value[16];
                snprintf(value, sizeof(value), "p%zu", i);
                c = bp_metrics_counter(m, "many", "", "partner", value, NULL);
                assert_non_null(c);
        }
        assert_null(
            bp_metrics_counter(m, "many", "", "partner", "one-more", NULL));
        assert_ptr_equal(
            c, bp_metrics_counter(m, "many", "", "partner", "p9999", NULL));
        bp_metrics_destroy(m);
}

static void test_gauge_hide(void **state) {
        bp_metrics_t       *m = bp_metrics_new();
        bp_metrics_gauge_t *p0, *p1;
        char               *text;
        (void)state;

        p0 = bp_metrics_gauge(m, "badgeproc_consumer_lag", "Lag.", "topic", "t",
                              "partition", "0", NULL);
        p1 = bp_metrics_gauge(m, "badgeproc_consumer_lag", "Lag.", "topic", "t",
                              "partition", "1", NULL);
        bp_metrics_gauge_set(p0, 5);
        bp_metrics_gauge_set(p1, 7);
        bp_metrics_gauge_add(p1, -2);
        assert_true(bp_metrics_gauge_value(p1) == 5.0);
        bp_metrics_gauge_hide(p0);
        text = render(m);
        assert_null(strstr(text, "partition=\"0\""));
        assert_non_null(strstr(text, "{topic=\"t\",partition=\"1\"} 5\n"));
        free(text);
        /* Looking the series up again shows it, with its last value. */
        assert_ptr_equal(p0, bp_metrics_gauge(m, "badgeproc_consumer_lag", "",
                                              "topic", "t", "partition", "0",
                                              NULL));
        text = render(m);
        assert_non_null(strstr(text, "{topic=\"t\",partition=\"0\"} 5\n"));
        assert_valid(text);
        free(text);
        bp_metrics_destroy(m);
}

typedef struct worker_s {
        bp_metrics_counter_t   *counter;
        bp_metrics_gauge_t     *gauge;
        bp_metrics_histogram_t *hist;
} worker_t;

static void *work(void *arg) {
        worker_t *w = arg;
        int       i;
        for (i = 0; i < INCREMENTS; i++) {
                bp_metrics_counter_inc(w->counter);
                bp_metrics_gauge_add(w->gauge, 1.0);
                bp_metrics_histogram_observe(w->hist, (i & 1) ? 0.5 : 2.0);
        }
        return NULL;
}

/* Two threads update the same series while a third renders: nothing is
 * lost and every rendering is valid text. The scraper counts bad texts
 * rather than asserting, since cmocka's failures must happen on the
 * test's own thread. */
static void *scrape(void *arg) {
        bp_metrics_t *m = arg;
        char          why[128];
        int           i;
        uintptr_t     bad = 0;

        for (i = 0; i < 50; i++) {
                bp_buf_t buf = {0};
                if (bp_metrics_render(m, &buf) != BP_OK ||
                    prom_check((const char *)buf.data, buf.len, why,
                               sizeof(why)) != 0)
                        bad++;
                bp_buf_free(&buf);
        }
        return (void *)bad;
}

static void test_concurrent_updates(void **state) {
        static const double bounds[] = {1};
        bp_metrics_t       *m        = bp_metrics_new();
        worker_t            w;
        pthread_t           t1, t2, t3;
        char               *text;
        void               *bad;
        (void)state;

        w.counter = bp_metrics_counter(m, "c_total", "c", NULL);
        w.gauge   = bp_metrics_gauge(m, "g", "g", NULL);
        w.hist    = bp_metrics_histogram(m, "h", "h", bounds, 1, NULL);
        assert_int_equal(pthread_create(&t1, NULL, work, &w), 0);
        assert_int_equal(pthread_create(&t2, NULL, work, &w), 0);
        assert_int_equal(pthread_create(&t3, NULL, scrape, m), 0);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        pthread_join(t3, &bad);
        assert_null(bad);
        assert_int_equal(bp_metrics_counter_value(w.counter), 2 * INCREMENTS);
        assert_true(bp_metrics_gauge_value(w.gauge) == 2.0 * INCREMENTS);
        text = render(m);
        assert_non_null(strstr(text, "\nc_total 2000000\n"));
        assert_non_null(strstr(text, "\ng 2000000\n"));
        assert_non_null(strstr(text, "\nh_bucket{le=\"1\"} 1000000\n"
                                     "h_bucket{le=\"+Inf\"} 2000000\n"
                                     "h_sum 2500000\n"
                                     "h_count 2000000\n"));
        free(text);
        bp_metrics_destroy(m);
}

/* The checker must catch what it is there to catch. */
static void test_checker_rejects(void **state) {
        static const struct {
                const char *text;
                int         line;
        } cases[] = {
            {"# TYPE a counter\na 1\n", 0},
            {"# TYPE a counter\na 1", 2},
            {"a 1\n", 1},
            {"# TYPE a counter\nb 1\n", 2},
            {"# TYPE a counter\na{x=\"1\"} 1\na{x=\"1\"} 2\n", 3},
            {"# TYPE a counter\na -1\n", 2},
            {"# TYPE a gauge\na 1x\n", 2},
            {"# TYPE a gauge\na{x=\"\\t\"} 1\n", 2},
            {"# TYPE a gauge\na{x=\"1} 1\n", 2},
            {"# TYPE a gauge\na{1x=\"1\"} 1\n", 2},
            {"# TYPE a gauge\na{x=1} 1\n", 2},
            {"# TYPE a gauge\na  1 12 3\n", 2},
            {"# TYPE a gauge\n# TYPE a gauge\n", 2},
            {"# TYPE a meter\n", 1},
            {"# HELP a bad \\t escape\n", 1},
            {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} "
             "1\nh_sum 1\nh_count 1\n",
             3},
            {"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
             3},
            {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count "
             "1\n",
             4},
            {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n", 4},
            {"# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} "
             "1\n",
             3},
        };
        size_t i;
        char   why[128];
        (void)state;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int line = prom_check(cases[i].text, strlen(cases[i].text), why,
                                      sizeof(why));
                if (line != cases[i].line)
                        fail_msg("case %zu: line %d (%s), want %d", i, line,
                                 line ? why : "valid", cases[i].line);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_render_exact),
            cmocka_unit_test(test_gauge_values),
            cmocka_unit_test(test_escaping),
            cmocka_unit_test(test_histogram),
            cmocka_unit_test(test_registration_rules),
            cmocka_unit_test(test_gauge_hide),
            cmocka_unit_test(test_concurrent_updates),
            cmocka_unit_test(test_checker_rejects),
        };
        /* Refused registrations log a warning each; the test makes many. */
        bp_log_set_level(BP_LOG_ERROR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
