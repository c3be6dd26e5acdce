/*
 * itest_faults.c - `badgeproc run` while the cluster misbehaves: the
 * output must still be complete and correct.
 *
 * The test hosts librdkafka's mock cluster in its own process (bp_mock.h)
 * so that it can inject faults, and runs the badgeproc binary as a child
 * against it: `gen` makes the input, `produce` sends it, `run` processes
 * it while requests fail or a broker is down, `consume` reads badge-events
 * back and `replay` gives the oracle (itest_proc.h judges).
 *
 * On the mock cluster the data of an aborted transaction stays visible
 * (read_committed is not enforced: DESIGN.md), so a batch that was cut
 * short shows up twice. The judgement therefore allows repeats as long as
 * each is an exact copy of the first (same event_id, same bytes); it
 * counts and prints them. On a real broker they would be hidden.
 *
 * Cases:
 *  - request errors: InitProducerId fails at start; while batches flow,
 *    Produce, AddPartitionsToTxn, EndTxn and TxnOffsetCommit fail, with
 *    retriable errors and with errors that abort the transaction;
 *  - broker down: a broker goes down for 3 s while batches flow, then up;
 *  - aborted re-evaluation: the transactions that publish a rules
 *    change's revocations fail; then the old rules come back. The
 *    revocations must not be lost, and the state must know about them:
 *    going back to the old rules grants every revoked badge again.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_mock.h"
#include "itest_proc.h"

#define EVENTS "4000"
#define PARTITIONS 3

/* One case's cluster, files and runner. */
typedef struct fixture_s {
        bp_mock_t *mock;
        char       dir[64];
        char       events[128], replay[128], out[128], log[128], state[128];
        char       rules[128];
        pid_t      runner;
        int        runs; /* runners started: run<N>.log is the Nth's log */
} fixture_t;

static const char *const topics[] = {
    "profile-updated",      "contract-completed", "invitation-sent",
    "partner-decision",     "badge-events",       "badge-dlq",
    "badge-state-changelog"};

static void path(char *out, const fixture_t *f, const char *name) {
        snprintf(out, 128, "%s/%s", f->dir, name);
}

/* Copies the generator's rules into f->rules (a directory of our own,
 * which the rules-change case edits), without their certification
 * requirements: a re-evaluation judges expiry at the time of the reload
 * and the replay at each event's time, and the generator's certifications
 * expire within a day of its (fixed) event times. hooli's only
 * requirement is a certification, so hooli has no rules file here. */
static void copy_rules(fixture_t *f) {
        static const char *const files[] = {"platform.yaml", "acme.yaml",
                                            "globex.yaml", "initech.yaml"};
        char                     from[512], to[256];
        size_t                   i;

        path(f->rules, f, "rules");
        assert_int_equal(mkdir(f->rules, 0755), 0);
        for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
                char *text, *line, *save = NULL;
                FILE *out;
                snprintf(from, sizeof(from), "%s/tests/data/rules-gen/%s",
                         getenv("BP_SRC"), files[i]);
                snprintf(to, sizeof(to), "%s/%s", f->rules, files[i]);
                text = itest_slurp(from);
                assert_non_null(out = fopen(to, "w"));
                for (line = strtok_r(text, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save))
                        if (!strstr(line, "certification:"))
                                fprintf(out, "%s\n", line);
                fclose(out);
                free(text);
        }
}

/* A cluster with the topics, the input produced, and the oracle. */
static int setup(void **state) {
        fixture_t *f = calloc(1, sizeof(*f));
        char       errstr[512], schema_map[512];
        size_t     i;

        assert_non_null(f);
        itest_tmpdir(f->dir, "faults");
        path(f->events, f, "events.jsonl");
        path(f->replay, f, "replay.jsonl");
        path(f->out, f, "out.jsonl");
        path(f->state, f, "state");
        copy_rules(f);
        f->mock = bp_mock_new(3, errstr, sizeof(errstr));
        if (!f->mock)
                fail_msg("%s", errstr);
        for (i = 0; i < sizeof(topics) / sizeof(*topics); i++)
                if (bp_mock_create_topic(f->mock, topics[i], PARTITIONS, errstr,
                                         sizeof(errstr)))
                        fail_msg("%s", errstr);
        snprintf(schema_map, sizeof(schema_map), "%s/schemas/schema-map.txt",
                 getenv("BP_SRC"));
        {
                const char *gen[]     = {"gen",           "--events", EVENTS,
                                         "--freelancers", "400",      NULL};
                const char *produce[] = {
                    "produce",  "--brokers", bp_mock_bootstraps(f->mock),
                    "--input",  f->events,   "--schema-map",
                    schema_map, NULL};
                const char *replay[] = {"replay",  "--rules", f->rules,
                                        "--input", f->events, "--quiet",
                                        NULL};
                assert_int_equal(itest_run(gen, f->events, NULL, 30000), 0);
                assert_int_equal(itest_run(produce, NULL, NULL, 60000), 0);
                assert_int_equal(itest_run(replay, f->replay, NULL, 60000), 0);
        }
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture_t *f = *state;
        itest_kill(f->runner); /* a failed case left it running */
        bp_mock_destroy(f->mock);
        if (!getenv("BP_KEEP_WORK"))
                itest_rmdir(f->dir);
        free(f);
        return 0;
}

/* Starts the runner: small batches, so that the faults meet many
 * transactions. */
static void start_runner(fixture_t *f) {
        char        servers[512], rules[160], state_dir[160];
        const char *args[] = {"run",
                              "--set",
                              servers,
                              "--set",
                              rules,
                              "--set",
                              state_dir,
                              "--set",
                              "metrics.listen=off",
                              "--set",
                              "stats.interval.ms=100",
                              "--set",
                              "batch.max.events=50",
                              "--set",
                              "kafka.session.timeout.ms=6000",
                              NULL};
        snprintf(servers, sizeof(servers), "kafka.bootstrap.servers=%s",
                 bp_mock_bootstraps(f->mock));
        snprintf(rules, sizeof(rules), "rules.dir=%s", f->rules);
        snprintf(state_dir, sizeof(state_dir), "state.dir=%s", f->state);
        snprintf(f->log, sizeof(f->log), "%s/run%d.log", f->dir, ++f->runs);
        f->runner = itest_spawn(args, NULL, f->log);
}

static void stop_runner(fixture_t *f) {
        itest_stop(f->runner);
        f->runner = 0;
}

static void read_output(fixture_t *f) {
        char        schema_map[512];
        const char *consume[] = {"consume",
                                 "--brokers",
                                 bp_mock_bootstraps(f->mock),
                                 "--topic",
                                 "badge-events",
                                 "--from-beginning",
                                 "--exit-at-end",
                                 "--schema-map",
                                 schema_map,
                                 NULL};
        snprintf(schema_map, sizeof(schema_map), "%s/schemas/schema-map.txt",
                 getenv("BP_SRC"));
        assert_int_equal(itest_run(consume, f->out, NULL, 60000), 0);
}

/* Pushes cnt errors (a list) for the next requests of api. */
static void push(fixture_t *f, bp_mock_api_t api, size_t cnt, ...) {
        rd_kafka_resp_err_t errs[8];
        va_list             ap;
        size_t              i;
        va_start(ap, cnt);
        for (i = 0; i < cnt && i < 8; i++)
                errs[i] = va_arg(ap, rd_kafka_resp_err_t);
        va_end(ap);
        rd_kafka_mock_push_request_errors_array(bp_mock_cluster(f->mock),
                                                (int16_t)api, cnt, errs);
}

/* Waits until the runner has processed everything. A fatal error (exit
 * status 1: librdkafka may declare the producer's state unrecoverable)
 * is what a supervisor restarts the process for: so does this, at most
 * twice, and the restarted runner must finish the work from its state. */
static void wait_done(fixture_t *f) {
        long min = atol(EVENTS);
        int  st;
        while ((st = itest_wait_settled(f->runner, f->log, "applied", min, 1500,
                                        60000)) >= 0) {
                f->runner = 0;
                if (st != 1 || f->runs > 2 ||
                    !itest_log_count(f->log, "level=error event=stopped"))
                        fail_msg("runner %d exited with status %d (log: %s)",
                                 f->runs, st, f->log);
                printf("runner %d stopped on a fatal error (exit status 1); "
                       "restarting it\n",
                       f->runs);
                start_runner(f);
                /* Its predecessor's member may still be in the group
                 * (a fatal exit need not leave it): the partitions come
                 * after that member's session (6 s) ends and a rebalance
                 * or two, which on a loaded machine took over 30 s. */
                itest_wait_log(f->log, "event=assigned", PARTITIONS, 90000);
                /* The runner died in a commit, so its successor has at
                 * least that batch to redo: wait for it to apply something.
                 * With 0 here, a successor still starting up (no progress
                 * line logged yet) looked settled and the test judged an
                 * empty output. */
                min = 1;
        }
}

/* A counter summed over every runner of the case. */
static long total(const fixture_t *f, const char *field) {
        char log[128];
        long sum = 0;
        int  i;
        for (i = 1; i <= f->runs; i++) {
                snprintf(log, sizeof(log), "%s/run%d.log", f->dir, i);
                sum += itest_log_counter(log, field);
        }
        return sum;
}

/* The runner has processed everything, stopped cleanly, and published
 * what the replay publishes, with exact redeliveries only. */
static void judge(fixture_t *f, const char *what) {
        itest_verdict_t v;
        wait_done(f);
        stop_runner(f);
        read_output(f);
        itest_judge(f->out, f->replay, &v);
        printf("%s: %zu badge events published, %zu distinct = the replay's "
               "%zu; %zu repeated (exact redeliveries of aborted batches); "
               "%d runner(s), %ld batches committed, %ld aborted, %ld records "
               "applied (%s input records)\n",
               what, v.published, v.distinct, v.expected, v.repeated, f->runs,
               total(f, "batches"), total(f, "aborted"), total(f, "applied"),
               EVENTS);
        fflush(stdout);
}

static void test_request_errors(void **state) {
        fixture_t *f = *state;

        /* init_transactions() at start. */
        push(f, BP_MOCK_API_INIT_PRODUCER_ID, 2,
             RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
             RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
        start_runner(f);
        /* The first batches are the start-up re-evaluation (one per
         * partition); the faults are for the batches of input records. */
        itest_wait_log(f->log, "event=rules_reevaluated", PARTITIONS, 30000);
        push(f, BP_MOCK_API_PRODUCE, 3,
             RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
             RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
        push(f, BP_MOCK_API_ADD_PARTITIONS_TO_TXN, 3,
             RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
             RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
             RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
        push(f, BP_MOCK_API_END_TXN, 3, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
             RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
             RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID);
        push(f, BP_MOCK_API_TXN_OFFSET_COMMIT, 2,
             RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
             RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
        judge(f, "request errors");
        /* The errors that abort a transaction did (or made librdkafka give
         * up on the producer, and the runner was restarted). */
        assert_true(total(f, "aborted") + f->runs - 1 >= 1);
}

static void test_broker_down(void **state) {
        fixture_t               *f    = *state;
        rd_kafka_mock_cluster_t *mc   = bp_mock_cluster(f->mock);
        struct timespec          down = {3, 0};

        start_runner(f);
        itest_wait_log(f->log, "event=rules_reevaluated", PARTITIONS, 30000);
        assert_int_equal(rd_kafka_mock_broker_set_down(mc, 1), 0);
        printf("broker 1 down at applied=%ld\n",
               itest_log_counter(f->log, "applied"));
        nanosleep(&down, NULL);
        assert_int_equal(rd_kafka_mock_broker_set_up(mc, 1), 0);
        printf("broker 1 up at applied=%ld\n",
               itest_log_counter(f->log, "applied"));
        judge(f, "broker down");
}

static int lines(const char *s) {
        int n = 0;
        for (; *s; s++)
                n += *s == '\n';
        return n;
}

/* Writes initech's rules with a minimum JSS of min. */
static void initech_min(fixture_t *f, int min) {
        char  file[256];
        FILE *out;
        snprintf(file, sizeof(file), "%s/initech.yaml", f->rules);
        assert_non_null(out = fopen(file, "w"));
        fprintf(out,
                "partner_id: initech\nnew_freelancer_exception: false\n"
                "requirements:\n  - job_success_score: { min: %d }\n",
                min);
        fclose(out);
}

static void test_aborted_reevaluation(void **state) {
        fixture_t *f = *state;
        char      *before, *after;
        int        reloads;

        start_runner(f);
        wait_done(f);
        /* Every transaction of the re-evaluation fails once at EndTxn
         * with an error that aborts it. */
        initech_min(f, 95);
        push(f, BP_MOCK_API_END_TXN, 3, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
             RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
             RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID);
        reloads = itest_log_count(f->log, "event=rules_reevaluated");
        kill(f->runner, SIGHUP);
        itest_wait_log(f->log, "event=rules_reevaluated", reloads + PARTITIONS,
                       30000);
        assert_int_equal(
            itest_wait_settled(f->runner, f->log, "applied", 0, 1500, 30000),
            -1);
        /* Back to the old rules: every badge revoked above is granted
         * again, which only happens if the state saw the revocations. */
        initech_min(f, 90);
        reloads = itest_log_count(f->log, "event=rules_reloaded");
        kill(f->runner, SIGHUP);
        itest_wait_log(f->log, "event=rules_reloaded", reloads + 1, 30000);
        assert_int_equal(
            itest_wait_settled(f->runner, f->log, "applied", 0, 1500, 30000),
            -1);
        stop_runner(f);
        read_output(f);
        before = itest_holders(f->replay);
        after  = itest_holders(f->out);
        /* Something was revoked, and granted again. */
        assert_true(itest_log_count(f->out, "\"topic\":\"rules\"") >= 2);
        assert_true(itest_log_counter(f->log, "aborted") >= 1);
        assert_string_equal(after, before);
        printf("aborted re-evaluation: %ld batches aborted; %d badge events "
               "from the two reloads; %d badges held at the end, as in the "
               "replay\n",
               itest_log_counter(f->log, "aborted"),
               itest_log_count(f->out, "\"topic\":\"rules\""), lines(after));
        free(before);
        free(after);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_request_errors, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_broker_down, setup, teardown),
            cmocka_unit_test_setup_teardown(test_aborted_reevaluation, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
