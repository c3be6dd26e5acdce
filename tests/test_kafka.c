/*
 * test_kafka.c - the Kafka helpers against an in-process mock cluster.
 *
 * One mock cluster serves every test of the file (starting one takes a
 * moment and the tests use distinct topics). Covered: configuration
 * errors name the key; partition counts come from metadata without
 * creating topics; the co-partitioning check names the missing topic or
 * lists the counts; CreateTopics refuses bad definitions and fails
 * cleanly on the mock, which does not implement it; error classes, from
 * codes and from real transactional errors provoked with the mock's fault
 * injection; waiting for a group assignment (librdkafka's own or through
 * an application's rebalance callback) consumes no record.
 *
 * With KAFKA_BROKERS set, topic creation is also checked against that
 * cluster (opt-in, as DESIGN.md says of real-Kafka tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_kafka.h"
#include "bp_mock.h"

/* Every wait of these tests is bounded by this, so a broken cluster fails
 * the test instead of hanging it. */
#define TMO_MS 10000
/* A consumer group's first join on the mock takes a few seconds. */
#define JOIN_TMO_MS 30000

static bp_mock_t *mock;

static int setup_mock(void **state) {
        char errstr[512];
        (void)state;

        mock = bp_mock_new(3, errstr, sizeof(errstr));
        if (!mock) {
                fprintf(stderr, "mock cluster: %s\n", errstr);
                return -1;
        }
        return 0;
}

static int teardown_mock(void **state) {
        (void)state;
        bp_mock_destroy(mock);
        mock = NULL;
        /* Every handle of the tests is gone by now; a thread left running
         * means one was leaked. */
        return rd_kafka_wait_destroyed(TMO_MS) == 0 ? 0 : -1;
}

/* The rebalance callback of client(), if any. */
typedef void(rebalance_cb_t)(rd_kafka_t *, rd_kafka_resp_err_t,
                             rd_kafka_topic_partition_list_t *, void *);

/* A client of the mock of the given type with extra properties. */
static rd_kafka_t *client_cb(rd_kafka_type_t type, const bp_kafka_kv_t *extra,
                             size_t extra_cnt, rebalance_cb_t *rebalance) {
        bp_kafka_kv_t    kv[8] = {{"bootstrap.servers", NULL}};
        rd_kafka_conf_t *conf;
        rd_kafka_t      *rk;
        char             errstr[512];
        size_t           i;

        assert_true(extra_cnt < 8);
        kv[0].value = bp_mock_bootstraps(mock);
        for (i = 0; i < extra_cnt; i++)
                kv[i + 1] = extra[i];
        conf = bp_kafka_conf_new(kv, extra_cnt + 1, errstr, sizeof(errstr));
        assert_non_null(conf);
        rd_kafka_conf_set_log_cb(conf, bp_kafka_log_cb);
        if (rebalance)
                rd_kafka_conf_set_rebalance_cb(conf, rebalance);
        rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
        if (!rk)
                fail_msg("rd_kafka_new: %s", errstr);
        return rk;
}

static rd_kafka_t *client(rd_kafka_type_t type, const bp_kafka_kv_t *extra,
                          size_t extra_cnt) {
        return client_cb(type, extra, extra_cnt, NULL);
}

static void create(const char *topic, int partitions) {
        char errstr[512];

        if (bp_mock_create_topic(mock, topic, partitions, errstr,
                                 sizeof(errstr)) != BP_OK)
                fail_msg("%s", errstr);
}

static void test_conf_errors_name_the_key(void **state) {
        const bp_kafka_kv_t good[] = {{"client.id", "t"}, {"linger.ms", "5"}};
        const bp_kafka_kv_t bad_key[]   = {{"client.id", "t"},
                                           {"no.such.property", "1"}};
        const bp_kafka_kv_t bad_value[] = {{"linger.ms", "soon"}};
        rd_kafka_conf_t    *conf;
        char                errstr[512];
        (void)state;

        conf = bp_kafka_conf_new(good, 2, errstr, sizeof(errstr));
        assert_non_null(conf);
        rd_kafka_conf_destroy(conf);

        assert_null(bp_kafka_conf_new(bad_key, 2, errstr, sizeof(errstr)));
        assert_non_null(
            strstr(errstr, "kafka config no.such.property: No such"));
        assert_null(bp_kafka_conf_new(bad_value, 1, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "kafka config linger.ms: "));

        conf = rd_kafka_conf_new();
        assert_int_equal(
            bp_kafka_conf_set(conf, "", "x", errstr, sizeof(errstr)),
            BP_ERR_CONFIG);
        rd_kafka_conf_destroy(conf);
}

static void test_topic_names(void **state) {
        char long_name[BP_KAFKA_TOPIC_MAX + 2];
        char errstr[256];
        (void)state;

        assert_int_equal(
            bp_kafka_topic_check("badge-events", errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(
            bp_kafka_topic_check("a_b.C-9", errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(bp_kafka_topic_check("a b", errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_string_equal(errstr, "topic name \"a...\" has an illegal "
                                    "character (code 32) at position 2");
        assert_int_equal(bp_kafka_topic_check("..", errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_int_equal(bp_kafka_topic_check("", errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_int_equal(bp_kafka_topic_check(NULL, errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        memset(long_name, 'x', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        assert_int_equal(
            bp_kafka_topic_check(long_name, errstr, sizeof(errstr)),
            BP_ERR_INVALID);
        long_name[BP_KAFKA_TOPIC_MAX] = '\0';
        assert_int_equal(
            bp_kafka_topic_check(long_name, errstr, sizeof(errstr)), BP_OK);
}

static void test_partition_count(void **state) {
        rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, NULL, 0);
        char        errstr[512];
        int         cnt = 0, i;
        (void)state;

        create("pc-six", 6);
        create("pc-one", 1);
        assert_int_equal(bp_kafka_partition_count(rk, "pc-six", TMO_MS, &cnt,
                                                  errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(cnt, 6);
        assert_int_equal(bp_kafka_partition_count(rk, "pc-one", TMO_MS, &cnt,
                                                  errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(cnt, 1);
        /* Twice: the first check must not have created the topic (the mock
         * creates any topic a metadata request names). */
        for (i = 0; i < 2; i++) {
                assert_int_equal(bp_kafka_partition_count(rk, "pc-missing",
                                                          TMO_MS, &cnt, errstr,
                                                          sizeof(errstr)),
                                 BP_ERR_NOT_FOUND);
                assert_string_equal(errstr, "topic pc-missing does not exist");
        }
        rd_kafka_destroy(rk);
}

static void test_copartitioned(void **state) {
        const char *const inputs[]  = {"cp-a", "cp-b", "cp-c", "cp-d"};
        const char *const skewed[]  = {"cp-a", "cp-b", "cp-four", "cp-d"};
        const char *const missing[] = {"cp-a", "cp-nope", "cp-b"};
        rd_kafka_t       *rk        = client(RD_KAFKA_PRODUCER, NULL, 0);
        char              errstr[512];
        int               cnt = 0;
        (void)state;

        create("cp-a", 6);
        create("cp-b", 6);
        create("cp-c", 6);
        create("cp-d", 6);
        create("cp-four", 4);
        assert_int_equal(bp_kafka_check_copartitioned(rk, inputs, 4, TMO_MS,
                                                      &cnt, errstr,
                                                      sizeof(errstr)),
                         BP_OK);
        assert_int_equal(cnt, 6);
        assert_int_equal(bp_kafka_check_copartitioned(rk, skewed, 4, TMO_MS,
                                                      &cnt, errstr,
                                                      sizeof(errstr)),
                         BP_ERR_CONFIG);
        assert_string_equal(errstr,
                            "topics are not co-partitioned: cp-a has 6 "
                            "partitions, cp-b has 6 partitions, cp-four has "
                            "4 partitions, cp-d has 6 partitions");
        assert_int_equal(bp_kafka_check_copartitioned(rk, missing, 3, TMO_MS,
                                                      NULL, errstr,
                                                      sizeof(errstr)),
                         BP_ERR_NOT_FOUND);
        assert_string_equal(errstr, "topic cp-nope does not exist");
        assert_int_equal(bp_kafka_check_copartitioned(rk, inputs, 0, TMO_MS,
                                                      NULL, errstr,
                                                      sizeof(errstr)),
                         BP_ERR_INVALID);
        /* A message longer than the buffer is cut, not overflowed. */
        assert_int_equal(bp_kafka_check_copartitioned(rk, skewed, 4, TMO_MS,
                                                      NULL, errstr, 40),
                         BP_ERR_CONFIG);
        assert_int_equal(strlen(errstr), 39);
        rd_kafka_destroy(rk);
}

static void test_create_topics(void **state) {
        const bp_kafka_kv_t        compact[] = {{"cleanup.policy", "compact"}};
        const bp_kafka_new_topic_t bad[]     = {
                {"ct-good", 3, 1, NULL, 0},
                {"ct-bad", -5, 1, NULL, 0},
        };
        const bp_kafka_new_topic_t good[] = {
            {"ct-changelog", 3, 1, compact, 1},
        };
        rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, NULL, 0);
        char        errstr[512];
        time_t      t0;
        (void)state;

        assert_int_equal(
            bp_kafka_create_topics(rk, bad, 2, TMO_MS, errstr, sizeof(errstr)),
            BP_ERR_INVALID);
        assert_non_null(strstr(errstr, "create topic ct-bad: "));
        assert_int_equal(
            bp_kafka_create_topics(rk, NULL, 0, TMO_MS, errstr, sizeof(errstr)),
            BP_OK);
        /* The 2.0.2 mock has no CreateTopics: the call must come back with
         * an error when its timeout expires, not hang. */
        t0 = time(NULL);
        assert_int_equal(
            bp_kafka_create_topics(rk, good, 1, 1500, errstr, sizeof(errstr)),
            BP_ERR_KAFKA);
        assert_true(time(NULL) - t0 < 10);
        assert_non_null(strstr(errstr, "create topics: "));
        rd_kafka_destroy(rk);
}

/* Opt-in: creating against a real cluster, twice (the second time every
 * topic exists already, which is not an error). */
static void test_create_topics_real(void **state) {
        const char          *brokers   = getenv("KAFKA_BROKERS");
        const bp_kafka_kv_t  compact[] = {{"cleanup.policy", "compact"}};
        bp_kafka_new_topic_t topics[]  = {
             {NULL, 3, 1, NULL, 0},
             {NULL, 3, 1, compact, 1},
        };
        bp_kafka_kv_t    kv[] = {{"bootstrap.servers", brokers}};
        rd_kafka_conf_t *conf;
        rd_kafka_t      *rk;
        char             errstr[512], a[64], b[64];
        int              cnt = 0, i;
        (void)state;

        if (!brokers || !*brokers)
                skip();
        snprintf(a, sizeof(a), "bp-test-%ld-a", (long)getpid());
        snprintf(b, sizeof(b), "bp-test-%ld-b", (long)getpid());
        topics[0].name = a;
        topics[1].name = b;
        conf           = bp_kafka_conf_new(kv, 1, errstr, sizeof(errstr));
        assert_non_null(conf);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        for (i = 0; i < 2; i++)
                if (bp_kafka_create_topics(rk, topics, 2, TMO_MS, errstr,
                                           sizeof(errstr)) != BP_OK)
                        fail_msg("%s", errstr);
        assert_int_equal(bp_kafka_partition_count(rk, b, TMO_MS, &cnt, errstr,
                                                  sizeof(errstr)),
                         BP_OK);
        assert_int_equal(cnt, 3);
        rd_kafka_destroy(rk);
}

static void test_code_classes(void **state) {
        static const struct {
                rd_kafka_resp_err_t err;
                bp_kafka_class_t    cls;
        } cases[] = {
            {RD_KAFKA_RESP_ERR_NO_ERROR, BP_KAFKA_OK},
            {RD_KAFKA_RESP_ERR__FATAL, BP_KAFKA_FATAL},
            {RD_KAFKA_RESP_ERR_PRODUCER_FENCED, BP_KAFKA_FATAL},
            {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, BP_KAFKA_FATAL},
            {RD_KAFKA_RESP_ERR__TRANSPORT, BP_KAFKA_RETRIABLE},
            {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, BP_KAFKA_RETRIABLE},
            {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, BP_KAFKA_RETRIABLE},
            {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, BP_KAFKA_ABORTABLE},
            {RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, BP_KAFKA_ABORTABLE},
            {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, BP_KAFKA_ABORTABLE},
        };
        rd_kafka_error_t *error;
        size_t            i;
        (void)state;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                if (bp_kafka_err_class(cases[i].err) != cases[i].cls)
                        fail_msg("%s: %s, expected %s",
                                 rd_kafka_err2name(cases[i].err),
                                 bp_kafka_class_name(
                                     bp_kafka_err_class(cases[i].err)),
                                 bp_kafka_class_name(cases[i].cls));
        }
        assert_int_equal(bp_kafka_error_class(NULL), BP_KAFKA_OK);
        /* An error object without flags: the transactional API says stop. */
        error = rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "bad state");
        assert_int_equal(bp_kafka_error_class(error), BP_KAFKA_FATAL);
        rd_kafka_error_destroy(error);
        assert_string_equal(bp_kafka_class_name(BP_KAFKA_ABORTABLE),
                            "abortable");
}

/* Produces one record to topic inside the open transaction. */
static void txn_produce(rd_kafka_t *rk, const char *topic) {
        rd_kafka_resp_err_t err;

        err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY("k", 1),
            RD_KAFKA_V_VALUE("v", 1), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* Expects error to be of class cls, then destroys it. */
static void expect_class(rd_kafka_error_t *error, bp_kafka_class_t cls,
                         const char *what) {
        if (!error)
                fail_msg("%s: succeeded, expected a %s error", what,
                         bp_kafka_class_name(cls));
        if (bp_kafka_error_class(error) != cls)
                fail_msg("%s: %s is %s, expected %s", what,
                         rd_kafka_error_string(error),
                         bp_kafka_class_name(bp_kafka_error_class(error)),
                         bp_kafka_class_name(cls));
        rd_kafka_error_destroy(error);
}

/* The classes of real errors of the transactional API, provoked with the
 * mock's fault injection, in the order a runtime meets them. */
static void test_txn_error_classes(void **state) {
        const bp_kafka_kv_t      txn[] = {{"transactional.id", "bp-test-txn"}};
        rd_kafka_mock_cluster_t *mc    = bp_mock_cluster(mock);
        rd_kafka_t              *rk;
        rd_kafka_error_t        *error;
        int                      i;
        (void)state;

        create("txn-out", 2);
        rk = client(RD_KAFKA_PRODUCER, txn, 1);
        /* The coordinator keeps loading: the call times out, retriable,
         * and the same call succeeds once the cluster has settled. */
        for (i = 0; i < 100; i++)
                rd_kafka_mock_push_request_errors(
                    mc, BP_MOCK_API_INIT_PRODUCER_ID, 1,
                    RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
        expect_class(rd_kafka_init_transactions(rk, 1000), BP_KAFKA_RETRIABLE,
                     "init_transactions while loading");
        rd_kafka_mock_clear_request_errors(mc, BP_MOCK_API_INIT_PRODUCER_ID);
        assert_null(rd_kafka_init_transactions(rk, TMO_MS));

        /* A record refused for good spoils the transaction: abort it. */
        assert_null(rd_kafka_begin_transaction(rk));
        rd_kafka_mock_push_request_errors(mc, BP_MOCK_API_PRODUCE, 1,
                                          RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
        txn_produce(rk, "txn-out");
        expect_class(rd_kafka_commit_transaction(rk, TMO_MS),
                     BP_KAFKA_ABORTABLE, "commit after a refused record");
        assert_null(rd_kafka_abort_transaction(rk, TMO_MS));

        /* Redoing the batch succeeds. The first redo may itself fail as
         * abortable: the refused record left a gap in the sequence
         * numbers, which librdkafka repairs (epoch bump) only when the
         * next transaction is aborted. */
        for (i = 0; i < 3; i++) {
                assert_null(rd_kafka_begin_transaction(rk));
                txn_produce(rk, "txn-out");
                error = rd_kafka_commit_transaction(rk, TMO_MS);
                if (!error)
                        break;
                expect_class(error, BP_KAFKA_ABORTABLE, "redo");
                assert_null(rd_kafka_abort_transaction(rk, TMO_MS));
        }
        assert_true(i < 3);

        /* Fenced while committing: the producer is finished. */
        assert_null(rd_kafka_begin_transaction(rk));
        txn_produce(rk, "txn-out");
        rd_kafka_mock_push_request_errors(mc, BP_MOCK_API_END_TXN, 1,
                                          RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
        expect_class(rd_kafka_commit_transaction(rk, TMO_MS), BP_KAFKA_FATAL,
                     "commit when fenced");
        rd_kafka_destroy(rk);
}

static rd_kafka_t *subscribed(const char *group, const char *topic,
                              rebalance_cb_t *rebalance) {
        const bp_kafka_kv_t              kv[] = {{"group.id", group},
                                                 {"auto.offset.reset", "earliest"},
                                                 {"enable.auto.commit", "false"}};
        rd_kafka_topic_partition_list_t *sub;
        rd_kafka_t *rk = client_cb(RD_KAFKA_CONSUMER, kv, 3, rebalance);

        sub = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
        assert_int_equal(rd_kafka_subscribe(rk, sub), 0);
        rd_kafka_topic_partition_list_destroy(sub);
        return rk;
}

/* Polls rk until the record with value want arrives; fails after TMO_MS. */
static void expect_record(rd_kafka_t *rk, const char *want) {
        time_t              end = time(NULL) + TMO_MS / 1000;
        rd_kafka_message_t *rkm;
        int                 found = 0;

        while (!found && time(NULL) < end) {
                rkm = rd_kafka_consumer_poll(rk, 100);
                if (!rkm)
                        continue;
                found = !rkm->err && rkm->len == strlen(want) &&
                        memcmp(rkm->payload, want, rkm->len) == 0;
                rd_kafka_message_destroy(rkm);
        }
        if (!found)
                fail_msg("record \"%s\" not received", want);
}

/* An application's rebalance callback, as the runtime installs one:
 * assigns every partition from the beginning. */
static void app_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *parts,
                          void                            *opaque) {
        int i;
        (void)opaque;

        if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                rd_kafka_assign(rk, NULL);
                return;
        }
        for (i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_assign(rk, parts);
}

static void test_wait_assignment(void **state) {
        rd_kafka_t *p = client(RD_KAFKA_PRODUCER, NULL, 0);
        rd_kafka_t *c;
        char        errstr[512];
        bp_err_t    err;
        int         i;
        (void)state;

        create("wa-in", 2);
        assert_int_equal(
            rd_kafka_producev(
                p, RD_KAFKA_V_TOPIC("wa-in"), RD_KAFKA_V_PARTITION(1),
                RD_KAFKA_V_VALUE("first", 5),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_flush(p, TMO_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_destroy(p);

        /* With librdkafka's own assignment, then with the application's
         * rebalance callback. */
        for (i = 0; i < 2; i++) {
                c   = subscribed(i ? "bp-test-wa-cb" : "bp-test-wa", "wa-in",
                               i ? app_rebalance : NULL);
                err = bp_kafka_wait_assignment(c, JOIN_TMO_MS, errstr,
                                               sizeof(errstr));
                if (err)
                        fail_msg("%s", errstr);
                expect_record(c, "first");
                rd_kafka_consumer_close(c);
                rd_kafka_destroy(c);
        }

        /* A pattern that matches no topic: nothing is ever assigned. */
        c   = subscribed("bp-test-wa-none", "^wa-nothing-.*", NULL);
        err = bp_kafka_wait_assignment(c, 1500, errstr, sizeof(errstr));
        assert_int_equal(err, BP_ERR_NOT_FOUND);
        assert_string_equal(errstr, "no partition assigned within 1500 ms");
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_conf_errors_name_the_key),
            cmocka_unit_test(test_topic_names),
            cmocka_unit_test(test_partition_count),
            cmocka_unit_test(test_copartitioned),
            cmocka_unit_test(test_create_topics),
            cmocka_unit_test(test_create_topics_real),
            cmocka_unit_test(test_code_classes),
            cmocka_unit_test(test_txn_error_classes),
            cmocka_unit_test(test_wait_assignment),
        };

        return cmocka_run_group_tests(tests, setup_mock, teardown_mock);
}
