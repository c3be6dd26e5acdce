/*
 * test_config_check.c - what a configuration is checked for as a whole
 * when it is loaded (bp_config_check.c), and secret references
 * (bp_config_ref.c).
 *
 * Checks: every pair of the seven topics.* keys refused when they name one
 * topic, either way round, from the file or --set, and names that differ
 * in '.' and '_' only; kafka.* names and values librdkafka refuses, at
 * their place; every setting the runner overrides or the idempotent
 * producer cannot take, under both guarantees, and the transaction
 * timeouts under exactly_once only; an empty list of brokers, and `run`
 * without one. References: ${file:} (content, one newline trimmed, the
 * size bound either side of it, missing, not a regular file, NUL byte, a
 * FIFO that must not hang), ${env:} (set, unset, bad name), unknown kinds,
 * in the file and --set, never echoing the secret, and redacted in the
 * dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_fixture.h"

/* --- topics */

static const char *const topic_keys[] = {
    "topics.profile_updated", "topics.contract_completed",
    "topics.invitation_sent", "topics.partner_decision",
    "topics.badge_events",    "topics.dlq",
    "topics.changelog",
};
static const char *const topic_defaults[] = {
    "profile-updated",       "contract-completed", "invitation-sent",
    "partner-decision",      "badge-events",       "badge-dlq",
    "badge-state-changelog",
};
#define TOPIC_CNT (sizeof(topic_keys) / sizeof(topic_keys[0]))

/* Every key set to every other key's default topic is refused, at the key
 * given, naming the other (42 cases: a dead-letter topic that is an input,
 * a changelog that is an output, two inputs alike...). */
static void test_topic_pairs(void **state) {
        size_t i, j;
        (void)state;

        for (i = 0; i < TOPIC_CNT; i++)
                for (j = 0; j < TOPIC_CNT; j++) {
                        char        set[128], text[128], msg[400], want[512];
                        const char *sets[] = {set, NULL};
                        if (i == j)
                                continue;
                        snprintf(set, sizeof(set), "%s=%s", topic_keys[j],
                                 topic_defaults[i]);
                        snprintf(text, sizeof(text), "\n%s = %s\n",
                                 topic_keys[j], topic_defaults[i]);
                        snprintf(msg, sizeof(msg),
                                 "%s: \"%s\" is also %s (default): each of "
                                 "the seven topics.* must name a topic of its "
                                 "own",
                                 topic_keys[j], topic_defaults[i],
                                 topic_keys[i]);
                        snprintf(want, sizeof(want), "--set %s", msg);
                        config_load_fails(NULL, sets, want);
                        snprintf(want, sizeof(want), "t.conf:2: %s", msg);
                        config_load_fails(text, NULL, want);
                }
}

static void test_topic_places(void **state) {
        const char *const dlq[] = {"topics.dlq=in", NULL};
        (void)state;

        /* The message is about the key given last, naming the first. */
        config_load_fails("topics.profile_updated = in\n"
                          "topics.contract_completed = in\n",
                          NULL,
                          "t.conf:2: topics.contract_completed: \"in\" is also "
                          "topics.profile_updated (t.conf:1): each of the "
                          "seven topics.* must name a topic of its own");
        config_load_fails("topics.dlq = in\ntopics.profile_updated = in\n",
                          NULL,
                          "t.conf:2: topics.profile_updated: \"in\" is also "
                          "topics.dlq (t.conf:1): each of the seven topics.* "
                          "must name a topic of its own");
        config_load_fails("topics.invitation_sent = in\n", dlq,
                          "--set topics.dlq: \"in\" is also "
                          "topics.invitation_sent (t.conf:1): each of the "
                          "seven topics.* must name a topic of its own");
        config_load_fails("topics.dlq = a.b\ntopics.changelog = a_b\n", NULL,
                          "t.conf:2: topics.changelog: \"a_b\" collides with "
                          "topics.dlq \"a.b\" (t.conf:1): Kafka does not tell "
                          "'.' from '_' in topic names");
        /* Distinct names (case matters to Kafka) are fine. */
        bp_config_destroy(config_load_ok(
            "topics.dlq = In\ntopics.profile_updated = in\n", NULL));
}

/* --- kafka.* checked by librdkafka */

static void test_kafka_refused(void **state) {
        const char *const bad_level[] = {"kafka.isolation.level=loud", NULL};
        (void)state;

        config_load_fails("\nkafka.bootstrap.sevrers = x\n", NULL,
                          "t.conf:2: kafka.bootstrap.sevrers: No such "
                          "configuration property: \"bootstrap.sevrers\"");
        config_load_fails("kafka.linger.ms = soon\n", NULL,
                          "t.conf:1: kafka.linger.ms: Invalid value for "
                          "configuration property \"queue.buffering.max.ms\"");
        config_load_fails(NULL, bad_level,
                          "--set kafka.isolation.level: Invalid value "
                          "\"loud\" for configuration property "
                          "\"isolation.level\"");
        /* A secret's reason is shown when it does not quote the value. */
        config_load_fails("kafka.sasl.jaas.config = \"x pw=hunter2;\"\n", NULL,
                          "t.conf:1: kafka.sasl.jaas.config: Java JAAS "
                          "configuration is not supported, see "
                          "https://github.com/edenhill/librdkafka/wiki/"
                          "Using-SASL-with-librdkafka for more information.");
        config_load_fails("kafka.group.instance.id = x\n", NULL,
                          "t.conf:1: kafka.group.instance.id: set instance.id "
                          "instead: it names the static member of the group");
}

/* --- what the runner depends on */

typedef struct guard_case_s {
        const char *line;    /* a kafka.* line */
        const char *message; /* after "t.conf:1: " + the key */
} guard_case_t;

#define IDEMP ": the idempotent producer needs it"
static const guard_case_t guard_cases[] = {
    {"kafka.isolation.level = read_uncommitted",
     "must be read_committed: records of aborted or open transactions must "
     "not be processed (exactly-once depends on it)"},
    {"kafka.enable.auto.commit = true",
     "must be false: badgeproc commits the input offsets itself, with each "
     "batch"},
    {"kafka.enable.auto.commit = 1",
     "must be false: badgeproc commits the input offsets itself, with each "
     "batch"},
    {"kafka.enable.auto.offset.store = true",
     "must be false: badgeproc stores an offset only once its batch is "
     "committed"},
    {"kafka.enable.idempotence = false",
     "must be true: the producer is idempotent (transactions need it, and "
     "it keeps each freelancer's badge events in order)"},
    {"kafka.enable.partition.eof = false",
     "must be true: merging the inputs needs to know when a partition is at "
     "its end"},
    {"kafka.auto.offset.reset = latest",
     "must be earliest: a partition without a committed offset is read from "
     "its first record"},
    {"kafka.acks = 1", "must be all" IDEMP},
    {"kafka.request.required.acks = 0", "must be all" IDEMP},
    {"kafka.max.in.flight = 6", "must be at most 5" IDEMP},
    {"kafka.max.in.flight.requests.per.connection = 100",
     "must be at most 5" IDEMP},
    {"kafka.retries = 0", "must be at least 1" IDEMP},
    {"kafka.queuing.strategy = lifo", "must be fifo" IDEMP},
};

/* The runner sets these itself under both guarantees (or the idempotent
 * producer of both refuses them), so neither accepts them. */
static void test_guards(void **state) {
        static const char *const guarantees[] = {"exactly_once",
                                                 "at_least_once"};
        size_t                   i, g;
        (void)state;

        for (g = 0; g < 2; g++)
                for (i = 0; i < sizeof(guard_cases) / sizeof(*guard_cases);
                     i++) {
                        char text[256], want[512];
                        int  key_len = (int)strcspn(guard_cases[i].line, " ");
                        snprintf(text, sizeof(text),
                                 "%s\nprocessing.guarantee = %s\n",
                                 guard_cases[i].line, guarantees[g]);
                        snprintf(want, sizeof(want), "t.conf:1: %.*s: %s",
                                 key_len, guard_cases[i].line,
                                 guard_cases[i].message);
                        config_load_fails(text, NULL, want);
                }
}

/* The values the runner uses itself, however librdkafka spells them, and
 * an alias that a later line sets right. */
static void test_guards_accept(void **state) {
        static const char text[] = "kafka.isolation.level = READ_COMMITTED\n"
                                   "kafka.enable.auto.commit = false\n"
                                   "kafka.enable.auto.offset.store = f\n"
                                   "kafka.enable.idempotence = true\n"
                                   "kafka.enable.partition.eof = true\n"
                                   "kafka.auto.offset.reset = earliest\n"
                                   "kafka.acks = 1\n"
                                   "kafka.request.required.acks = all\n"
                                   "kafka.max.in.flight = 5\n"
                                   "kafka.retries = 3\n"
                                   "kafka.queuing.strategy = fifo\n";
        (void)state;

        bp_config_destroy(config_load_ok(text, NULL));
}

/* Transactions only: a record may not outlive its transaction, nor a
 * request its timeout; at_least_once has no transaction. */
static void test_txn_timeouts(void **state) {
        const char *const alo[] = {"processing.guarantee=at_least_once", NULL};
        const char *const longer[] = {"kafka.transaction.timeout.ms=300000",
                                      NULL};
        (void)state;

        config_load_fails("kafka.message.timeout.ms = 120000\n", NULL,
                          "t.conf:1: kafka.message.timeout.ms: must be at "
                          "most kafka.transaction.timeout.ms (60000) under "
                          "exactly_once: a record may not outlive its "
                          "transaction");
        config_load_fails("kafka.transaction.timeout.ms = 10000\n"
                          "kafka.delivery.timeout.ms = 30000\n",
                          NULL,
                          "t.conf:2: kafka.delivery.timeout.ms: must be at "
                          "most kafka.transaction.timeout.ms (10000) under "
                          "exactly_once: a record may not outlive its "
                          "transaction");
        config_load_fails("kafka.socket.timeout.ms = 30000\n"
                          "kafka.transaction.timeout.ms = 10000\n",
                          NULL,
                          "t.conf:1: kafka.socket.timeout.ms: must be at most "
                          "kafka.transaction.timeout.ms (10000) + 100 under "
                          "exactly_once: a request must be sent before its "
                          "transaction times out");
        bp_config_destroy(
            config_load_ok("kafka.message.timeout.ms = 120000\n", alo));
        bp_config_destroy(
            config_load_ok("kafka.message.timeout.ms = 120000\n", longer));
        /* The transaction timeout alone: librdkafka adjusts the rest. */
        bp_config_destroy(
            config_load_ok("kafka.transaction.timeout.ms = 10000\n", NULL));
}

/* --- brokers */

static void test_brokers(void **state) {
        const char *const empty[] = {"kafka.bootstrap.servers=", NULL};
        const char *const mock[]  = {"kafka.test.mock.num.brokers=1", NULL};
        bp_config_t      *conf;
        char              errstr[512];
        (void)state;

        config_load_fails(NULL, empty,
                          "--set kafka.bootstrap.servers: must not be empty: "
                          "name the brokers, host:port[,host:port...]");
        config_load_fails("kafka.metadata.broker.list = \" , \"\n", NULL,
                          "t.conf:1: kafka.metadata.broker.list: must not be "
                          "empty: name the brokers, host:port[,host:port...]");
        /* Unset, --print-config works and run refuses. */
        conf = config_load_ok(NULL, NULL);
        assert_int_equal(bp_config_check_run(conf, errstr, sizeof(errstr)),
                         BP_ERR_CONFIG);
        assert_string_equal(errstr,
                            "kafka.bootstrap.servers is not set: name the "
                            "brokers in the config file or with --set "
                            "kafka.bootstrap.servers=host:port[,...]");
        bp_config_destroy(conf);
        conf = config_load_ok("kafka.bootstrap.servers = b:9092\n", NULL);
        assert_int_equal(bp_config_check_run(conf, errstr, sizeof(errstr)),
                         BP_OK);
        bp_config_destroy(conf);
        /* librdkafka's in-process mock cluster has no bootstrap list. */
        conf = config_load_ok(NULL, mock);
        assert_int_equal(bp_config_check_run(conf, errstr, sizeof(errstr)),
                         BP_OK);
        bp_config_destroy(conf);
}

/* --- references */

typedef struct ref_fixture_s {
        char dir[200];
} ref_fixture_t;

static int ref_setup(void **state) {
        ref_fixture_t *fx  = calloc(1, sizeof(*fx));
        const char    *tmp = getenv("TMPDIR");

        assert_non_null(fx);
        snprintf(fx->dir, sizeof(fx->dir), "%s/bp-ref-XXXXXX",
                 tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(fx->dir));
        *state = fx;
        return 0;
}

static int ref_teardown(void **state) {
        ref_fixture_t *fx = *state;
        char           cmd[300];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
        assert_int_equal(system(cmd), 0);
        free(fx);
        return 0;
}

/* Writes len bytes of data to the file name in the fixture's directory;
 * its path in path. */
static void put_file(const ref_fixture_t *fx, const char *name,
                     const char *data, size_t len, char *path, size_t size) {
        FILE *fp;

        snprintf(path, size, "%s/%s", fx->dir, name);
        assert_non_null(fp = fopen(path, "w"));
        assert_int_equal(fwrite(data, 1, len, fp), len);
        assert_int_equal(fclose(fp), 0);
}

/* Loads "kafka.sasl.password = ${file:PATH}": the value it reads. */
static char *password_from(const char *path) {
        char         text[512], *value;
        bp_config_t *conf;

        snprintf(text, sizeof(text), "kafka.sasl.password = ${file:%s}\n",
                 path);
        conf  = config_load_ok(text, NULL);
        value = strdup(config_kafka_get(conf, "sasl.password"));
        bp_config_destroy(conf);
        assert_non_null(value);
        return value;
}

/* Loading "kafka.sasl.password = ${file:PATH}" fails with "PATH: what". */
static void password_fails(const char *path, const char *what) {
        char text[512], want[900];

        snprintf(text, sizeof(text), "kafka.sasl.password = ${file:%s}\n",
                 path);
        snprintf(want, sizeof(want),
                 "t.conf:1: kafka.sasl.password: ${file:%s}: %s", path, what);
        config_load_fails(text, NULL, want);
}

static void test_file_ref(void **state) {
        /* One newline goes ("\r\n" too), a second stays; inner ones are
         * data, so a PEM key can come from a file. */
        static const struct {
                const char *data;
                size_t      len;
                const char *value;
        } cases[] = {
            {"hunter2\n", 8, "hunter2"},
            {"a\nb\n\n", 5, "a\nb\n"},
            {"pw\r\n", 4, "pw"},
            {"pw", 2, "pw"},
            {"", 0, ""},
            {"\n", 1, ""},
        };
        ref_fixture_t *fx = *state;
        char           path[300], text[600], *value;
        bp_config_t   *conf;
        size_t         i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                put_file(fx, "pw", cases[i].data, cases[i].len, path,
                         sizeof(path));
                value = password_from(path);
                assert_string_equal(value, cases[i].value);
                free(value);
        }
        /* Any key: here a topic. */
        put_file(fx, "topic", "my-dlq\n", 7, path, sizeof(path));
        snprintf(text, sizeof(text), "topics.dlq = ${file:%s}\n", path);
        conf = config_load_ok(text, NULL);
        assert_string_equal(conf->topics.dlq, "my-dlq");
        bp_config_destroy(conf);
        /* A reference overridden by --set is never read. */
        snprintf(text, sizeof(text), "kafka.sasl.password = ${file:%s/no}\n",
                 fx->dir);
        {
                const char *const sets[] = {"kafka.sasl.password=x", NULL};
                bp_config_destroy(config_load_ok(text, sets));
        }
}

static void test_file_ref_errors(void **state) {
        ref_fixture_t *fx = *state;
        char           path[300], *big;
        size_t         max = 65536;

        snprintf(path, sizeof(path), "%s/missing", fx->dir);
        password_fails(path, "cannot open: No such file or directory");
        password_fails(fx->dir, "not a regular file");
        config_load_fails("\nkafka.sasl.password = ${file:}\n", NULL,
                          "t.conf:2: kafka.sasl.password: ${file:}: no file "
                          "named");
        /* The limit itself, with its newline, is fine; one byte more is
         * refused, before it is read. */
        assert_non_null(big = malloc(max + 3));
        memset(big, 's', max + 3);
        big[max] = '\n';
        put_file(fx, "max", big, max + 1, path, sizeof(path));
        free(password_from(path));
        big[max] = 's';
        put_file(fx, "big", big, max + 1, path, sizeof(path));
        password_fails(path, "larger than 65536 bytes");
        put_file(fx, "huge", big, max + 3, path, sizeof(path));
        password_fails(path, "larger than 65536 bytes");
        free(big);
        put_file(fx, "nul", "sec\0ret\n", 8, path, sizeof(path));
        password_fails(path, "NUL byte in the file");
        /* A FIFO is refused at once, not waited on. */
        snprintf(path, sizeof(path), "%s/fifo", fx->dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        password_fails(path, "not a regular file");
}

static void test_env_ref(void **state) {
        const char *const sets[] = {"kafka.sasl.password=${env:BP_T_PW}", NULL};
        const char *const bad[]  = {"kafka.sasl.password=${env:1X}", NULL};
        bp_config_t      *conf;
        (void)state;

        assert_int_equal(setenv("BP_T_PW", "env-secret", 1), 0);
        conf = config_load_ok(NULL, sets);
        assert_string_equal(config_kafka_get(conf, "sasl.password"),
                            "env-secret");
        bp_config_destroy(conf);
        assert_int_equal(unsetenv("BP_T_PW"), 0);
        config_load_fails(NULL, sets,
                          "--set kafka.sasl.password: ${env:BP_T_PW}: not set");
        config_load_fails("kafka.sasl.password = ${env:BP_T_PW}\n", NULL,
                          "t.conf:1: kafka.sasl.password: ${env:BP_T_PW}: not "
                          "set");
        config_load_fails(NULL, bad,
                          "--set kafka.sasl.password: ${env:1X}: invalid "
                          "variable name: use letters, digits and '_', not a "
                          "digit first");
        config_load_fails("kafka.sasl.password = ${vault:kafka}\n", NULL,
                          "t.conf:1: kafka.sasl.password: ${vault:kafka}: "
                          "unknown reference: use ${file:PATH} or "
                          "${env:NAME}");
        /* Only a whole value is a reference. */
        conf = config_load_ok("kafka.sasl.password = a${env:X}\n", NULL);
        assert_string_equal(config_kafka_get(conf, "sasl.password"),
                            "a${env:X}");
        bp_config_destroy(conf);
}

/* A value read through a reference is never repeated: not in an error
 * (even one that would quote a plain value), not in the dump. */
static void test_ref_never_shown(void **state) {
        static const char text[]  = "kafka.sasl.username = ${env:BP_T_USER}\n"
                                    "kafka.sasl.password = ${env:BP_T_PW}\n"
                                    "state.fsync = ${env:BP_T_FSYNC}\n";
        const char *const level[] = {"kafka.isolation.level=${env:BP_T_PW}",
                                     NULL};
        bp_config_t      *conf;
        char             *out;
        (void)state;

        assert_int_equal(setenv("BP_T_USER", "user-7x", 1), 0);
        assert_int_equal(setenv("BP_T_PW", "pw-7x", 1), 0);
        assert_int_equal(setenv("BP_T_FSYNC", "true", 1), 0);
        conf = config_load_ok(text, NULL);
        assert_true(conf->state_fsync);
        out = config_dump(conf);
        assert_null(strstr(out, "7x"));
        assert_non_null(strstr(
            out,
            "\nkafka.sasl.username = [redacted] # from ${env:BP_T_USER}\n"));
        assert_non_null(strstr(
            out, "\nkafka.sasl.password = [redacted] # from ${env:BP_T_PW}\n"));
        assert_non_null(strstr(
            out, "\nstate.fsync = [redacted] # from ${env:BP_T_FSYNC}\n"));
        free(out);
        bp_config_destroy(conf);

        config_load_fails(NULL, level,
                          "--set kafka.isolation.level: invalid value (not "
                          "shown: secret)");
        assert_int_equal(setenv("BP_T_FSYNC", "yes-7x", 1), 0);
        config_load_fails("state.fsync = ${env:BP_T_FSYNC}\n", NULL,
                          "t.conf:1: state.fsync: the value of "
                          "${env:BP_T_FSYNC} is invalid here (not shown)");
        assert_int_equal(setenv("BP_T_FSYNC", "badge-events", 1), 0);
        config_load_fails("topics.dlq = ${env:BP_T_FSYNC}\n", NULL,
                          "t.conf:1: topics.dlq: ${env:BP_T_FSYNC} is also "
                          "topics.badge_events (default): each of the seven "
                          "topics.* must name a topic of its own");
        unsetenv("BP_T_USER");
        unsetenv("BP_T_PW");
        unsetenv("BP_T_FSYNC");
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_topic_pairs),
            cmocka_unit_test(test_topic_places),
            cmocka_unit_test(test_kafka_refused),
            cmocka_unit_test(test_guards),
            cmocka_unit_test(test_guards_accept),
            cmocka_unit_test(test_txn_timeouts),
            cmocka_unit_test(test_brokers),
            cmocka_unit_test_setup_teardown(test_file_ref, ref_setup,
                                            ref_teardown),
            cmocka_unit_test_setup_teardown(test_file_ref_errors, ref_setup,
                                            ref_teardown),
            cmocka_unit_test(test_env_ref),
            cmocka_unit_test(test_ref_never_shown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
