/*
 * test_eos_fenced.c - a fenced instance stops by itself, cleanly, with an
 * error the process turns into a non-zero exit, and says so in one line.
 *
 * Fencing is librdkafka's transactional.id fencing: a second instance with
 * the same transactional.id bumps the producer epoch and the first one's
 * next transactional call fails with a fatal "fenced" error. The 2.0.2
 * mock cluster does not fence (a second InitProducerId gets a new producer
 * id and leaves the old one valid, so two instances with one instance.id
 * both go on there), so the broker's answer is injected instead: the
 * runner's first commit gets PRODUCER_FENCED, as a real broker answers a
 * zombie. Checked: bp_runner_run() returns BP_ERR_KAFKA (`badgeproc run`
 * exits 1) without hanging, and the log has `event=fenced` with the
 * transactional id.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_mock.h"
#include "bp_runner.h"
#include "store_fixture.h"

static const char *const topics[] = {
    "profile-updated",      "contract-completed", "invitation-sent",
    "partner-decision",     "badge-events",       "badge-dlq",
    "badge-state-changelog"};

/* Stops the runner if fencing never comes: the test fails, not hangs. */
static volatile sig_atomic_t stop;
static void                  on_alarm(int sig) {
                         (void)sig;
                         stop = 1;
}

/* The whole file, NUL-terminated, malloc()ed. */
static char *slurp(FILE *f) {
        long  n;
        char *s;
        fflush(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        s = calloc(1, (size_t)n + 1);
        assert_non_null(s);
        assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
        return s;
}

static void test_fenced_stops(void **state) {
        store_fixture_t *fx   = *state;
        bp_mock_t       *mock = bp_mock_new(1, errstr, sizeof(errstr));
        bp_runner_conf_t conf;
        bp_kafka_kv_t    kv[2];
        bp_runner_t     *runner;
        FILE            *log   = tmpfile();
        int              saved = dup(2);
        size_t           i;
        bp_err_t         err;
        char            *text, *line;

        assert_non_null(mock);
        assert_non_null(log);
        /* The runner opens the store itself (once per process). */
        bp_store_close(fx->store);
        fx->store = NULL;
        for (i = 0; i < sizeof(topics) / sizeof(*topics); i++)
                assert_int_equal(bp_mock_create_topic(mock, topics[i], 2,
                                                      errstr, sizeof(errstr)),
                                 BP_OK);
        kv[0].key   = "bootstrap.servers";
        kv[0].value = bp_mock_bootstraps(mock);
        kv[1].key   = "session.timeout.ms";
        kv[1].value = "6000";
        bp_runner_conf_defaults(&conf);
        conf.kafka            = kv;
        conf.kafka_cnt        = 2;
        conf.transactional_id = "badgeproc-zombie";
        conf.rules_dir        = "data/rules-gen";
        conf.state_dir        = fx->dir;
        conf.schema_map       = "../schemas/schema-map.txt";
        /* The first batch (the rules evaluation of a new store) commits:
         * the broker says another producer took the transactional.id. */
        rd_kafka_mock_push_request_errors(bp_mock_cluster(mock),
                                          BP_MOCK_API_END_TXN, 1,
                                          RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
        if (!(runner = bp_runner_new(&conf, errstr, sizeof(errstr))))
                fail_msg("runner: %s", errstr);
        signal(SIGALRM, on_alarm);
        alarm(60);
        dup2(fileno(log), 2);
        err = bp_runner_run(runner, &stop, NULL);
        bp_runner_destroy(runner);
        dup2(saved, 2);
        alarm(0);
        text = slurp(log);
        assert_false(stop);
        assert_int_equal(err, BP_ERR_KAFKA);
        if (!(line = strstr(text, "level=error event=fenced "
                                  "transactional_id=badgeproc-zombie ")))
                fail_msg("no event=fenced line in:\n%s", text);
        printf("%.*s\n", (int)strcspn(line, "\n"), line);
        free(text);
        fclose(log);
        close(saved);
        bp_mock_destroy(mock);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_fenced_stops, store_fixture_setup, store_fixture_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
