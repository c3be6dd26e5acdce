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
 *  - refused record: Produce answers MSG_SIZE_TOO_LARGE for a long run;
 *    the record whose batch keeps failing is dead-lettered (once, with
 *    the broker's error and the attempts), the rest is published as the
 *    replay without it says, and /readyz and the stalled gauge show the
 *    stall and its end;
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
#include "scrape.h"

#define EVENTS "4000"
#define PARTITIONS 3
/* MSG_SIZE_TOO_LARGE answers pushed for Produce in the refused-record
 * case: more than its normal and one-record batches meet (3 each, a few
 * requests a batch); the rest refuse the dead letter's own batch, which
 * is redone until it commits. */
#define REFUSALS 64

/* One case's cluster, files and runner. */
typedef struct fixture_s {
        bp_mock_t *mock;
        char       dir[64];
        char       events[128], replay[128], out[128], log[128], state[128];
        char       rules[128];
        pid_t      runner;
        int        runs; /* runners started: run<N>.log is the Nth's log */
        /* More --set arguments for every runner of the case (NULL-ended),
         * of keys start_runner does not set, and metrics.listen (NULL:
         * off). */
        const char *sets[4];
        const char *listen;
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
        const char *args[ITEST_ARGS_MAX] = {"run",
                                            "--set",
                                            servers,
                                            "--set",
                                            rules,
                                            "--set",
                                            state_dir,
                                            "--set",
                                            f->listen ? f->listen
                                                      : "metrics.listen=off",
                                            "--set",
                                            "stats.interval.ms=100",
                                            "--set",
                                            "batch.max.events=50",
                                            "--set",
                                            "kafka.session.timeout.ms=6000",
                                            NULL};
        size_t      n                    = 15, i;
        for (i = 0; i < 4 && f->sets[i]; i++) {
                args[n++] = "--set";
                args[n++] = f->sets[i];
        }
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

/* What the stopped runners published is what the replay publishes, with
 * exact redeliveries only. */
static void verdict(fixture_t *f, const char *what) {
        itest_verdict_t v;
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

/* The runner has processed everything, stopped cleanly, and published
 * what the replay publishes. */
static void judge(fixture_t *f, const char *what) {
        wait_done(f);
        stop_runner(f);
        verdict(f, what);
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

/* The port the runner's metrics server took (metrics.listen port 0). */
static int metrics_port(const fixture_t *f) {
        char *log, *line, *p;
        int   port = 0;

        itest_wait_log(f->log, "event=metrics_listen", 1, 30000);
        log  = itest_slurp(f->log);
        line = strstr(log, "event=metrics_listen");
        if (line && (p = strstr(line, " port=")))
                port = atoi(p + 6);
        free(log);
        assert_true(port > 0);
        return port;
}

/* Copies the value after `"name":` in line (a string without escapes,
 * or a number) into out; "" when absent. */
static void field(const char *line, const char *name, char *out, size_t size) {
        char        key[64];
        const char *p;
        size_t      n;

        snprintf(key, sizeof(key), "\"%s\":", name);
        *out = '\0';
        if (!(p = strstr(line, key)))
                return;
        p += strlen(key);
        if (*p == '"')
                n = strcspn(++p, "\"");
        else
                n = strcspn(p, ",}");
        snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* The value of header name of a dead letter's line, "" when absent. */
static void header(const char *line, const char *name, char *out, size_t size) {
        char        key[96];
        const char *p;

        snprintf(key, sizeof(key), "{\"key\":\"%s\",", name);
        *out = '\0';
        if ((p = strstr(line, key)))
                field(p, "value", out, size);
}

/* Polls /readyz and the stalled gauge until the runner has dead-lettered
 * a record and /readyz is 200 after having said "stalled"; prints what it
 * saw. */
static void watch_stall(fixture_t *f, int port) {
        bp_buf_t        body      = {0};
        char            said[256] = "";
        double          gauge     = 0, g;
        int             polls     = 0;
        long            st;
        struct timespec tick = {0, 20 * 1000000};

        for (;; polls++) {
                assert_true(polls < 3000); /* 60 s and more */
                st = scrape_get(port, "/readyz", &body);
                if (st == 503 && !*said &&
                    strncmp((char *)body.data, "stalled:", 8) == 0)
                        snprintf(said, sizeof(said), "%s", (char *)body.data);
                if (scrape_get(port, "/metrics", &body) == 200 &&
                    (g = scrape_sum((char *)body.data,
                                    "badgeproc_partitions_stalled", "")) >
                        gauge)
                        gauge = g;
                if (*said && st == 200 &&
                    itest_log_count(f->log, "event=poison_dead_lettered"))
                        break;
                nanosleep(&tick, NULL);
        }
        printf("refused record: /readyz said \"%.*s\"; "
               "badgeproc_partitions_stalled reached %.0f; ready again after "
               "%d polls\n",
               (int)strcspn(said, "\n"), said, gauge, polls);
        assert_true(gauge >= 1);
        assert_int_equal(scrape_get(port, "/metrics", &body), 200);
        assert_true(scrape_sum((char *)body.data,
                               "badgeproc_poison_records_total", "") == 1);
        bp_buf_free(&body);
}

/* Reads the dead letters: exactly one input record (the mock shows the
 * copies of aborted attempts too: all must be of that record), refused
 * with the broker's error. Its event_id goes to id. */
static void check_dead_letter(fixture_t *f, char *id, size_t id_size) {
        char        dlq[128], input[128], schema_map[512], want[128];
        char        topic[96], part[16], off[24], v[160], *text, *line, *save;
        int         copies    = 0;
        const char *consume[] = {"consume",
                                 "--brokers",
                                 bp_mock_bootstraps(f->mock),
                                 "--topic",
                                 "badge-dlq",
                                 "--from-beginning",
                                 "--exit-at-end",
                                 "--schema-map",
                                 schema_map,
                                 "--with-kafka",
                                 NULL};

        snprintf(schema_map, sizeof(schema_map), "%s/schemas/schema-map.txt",
                 getenv("BP_SRC"));
        path(dlq, f, "dlq.jsonl");
        assert_int_equal(itest_run(consume, dlq, NULL, 60000), 0);
        text   = itest_slurp(dlq);
        *topic = '\0';
        for (line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                char t[96], pa[16], o[24];
                field(line, "dlq.topic", t, sizeof(t));
                field(line, "dlq.partition", pa, sizeof(pa));
                field(line, "dlq.offset", o, sizeof(o));
                if (!copies++) {
                        memcpy(topic, t, sizeof(t));
                        memcpy(part, pa, sizeof(pa));
                        memcpy(off, o, sizeof(o));
                        field(line, "dlq.error", v, sizeof(v));
                        assert_string_equal(v,
                                            "Broker: Message size too large");
                        header(line, "dlq.attempts", v, sizeof(v));
                        /* batch.poison.aborts (3) normal batches, then 3
                         * of its own. */
                        assert_string_equal(v, "6");
                        header(line, "dlq.output", v, sizeof(v));
                        printf("refused record: %s [%s] at %s dead-lettered "
                               "(dlq.output=%s)\n",
                               topic, part, off, v);
                }
                assert_string_equal(t, topic);
                assert_string_equal(pa, part);
                assert_string_equal(o, off);
        }
        free(text);
        assert_true(copies >= 1);
        printf("refused record: %d cop%s in badge-dlq (aborted attempts stay "
               "visible on the mock)\n",
               copies, copies == 1 ? "y" : "ies");
        /* Which event that was: the input record at that place. */
        consume[4] = topic;
        path(input, f, "input.jsonl");
        assert_int_equal(itest_run(consume, input, NULL, 60000), 0);
        snprintf(want, sizeof(want), "\"partition\":%s,\"offset\":%s,", part,
                 off);
        text = itest_slurp(input);
        *id  = '\0';
        for (line = strtok_r(text, "\n", &save); line && !*id;
             line = strtok_r(NULL, "\n", &save))
                if (strstr(line, want))
                        field(line, "event_id", id, id_size);
        free(text);
        assert_true(*id != '\0');
}

/* The events file without the event whose id is id, and its replay. */
static void replay_without(fixture_t *f, const char *id) {
        char  kept[128], key[128], *text, *line, *save = NULL;
        FILE *out;
        int   dropped = 0;

        path(kept, f, "kept.jsonl");
        snprintf(key, sizeof(key), "\"event_id\":\"%s\"", id);
        assert_non_null(out = fopen(kept, "w"));
        text = itest_slurp(f->events);
        for (line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                if (strstr(line, key)) {
                        dropped++;
                        continue;
                }
                fprintf(out, "%s\n", line);
        }
        fclose(out);
        free(text);
        assert_int_equal(dropped, 1);
        {
                const char *replay[] = {"replay",  "--rules", f->rules,
                                        "--input", kept,      "--quiet",
                                        NULL};
                assert_int_equal(itest_run(replay, f->replay, NULL, 60000), 0);
        }
}

/* Produce refused with MSG_SIZE_TOO_LARGE over and over (as a changelog
 * topic whose max.message.bytes is below a freelancer's state does):
 * batches abort, then their records are redone one per batch, the one
 * whose batch keeps failing is dead-lettered, and everything else is
 * published as the replay (without that event) says. Meanwhile /readyz
 * says "stalled" and the gauge counts the partition; then both recover. */
static void test_refused_record(void **state) {
        fixture_t                *f = *state;
        char                      id[96];
        bp_buf_t                  body = {0};
        int                       port, i;
        const rd_kafka_resp_err_t big = RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;

        f->listen  = "metrics.listen=127.0.0.1:0";
        f->sets[0] = "partition.stall.timeout.ms=1000";
        start_runner(f);
        port = metrics_port(f);
        itest_wait_log(f->log, "event=rules_reevaluated", PARTITIONS, 30000);
        for (i = 0; i < REFUSALS / 8; i++)
                push(f, BP_MOCK_API_PRODUCE, 8, big, big, big, big, big, big,
                     big, big);
        watch_stall(f, port);
        wait_done(f);
        port = metrics_port(f); /* the last runner's */
        assert_int_equal(scrape_get(port, "/readyz", &body), 200);
        assert_int_equal(scrape_get(port, "/metrics", &body), 200);
        assert_true(scrape_sum((char *)body.data,
                               "badgeproc_partitions_stalled", "") == 0);
        bp_buf_free(&body);
        stop_runner(f);
        assert_int_equal(total(f, "poisoned"), 1);
        assert_int_equal(itest_log_count(f->log, "event=poison_dead_lettered"),
                         1);
        check_dead_letter(f, id, sizeof(id));
        replay_without(f, id);
        verdict(f, "refused record");
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_request_errors, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_broker_down, setup, teardown),
            cmocka_unit_test_setup_teardown(test_aborted_reevaluation, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_refused_record, setup,
                                            teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
