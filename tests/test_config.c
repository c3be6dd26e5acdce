/*
 * test_config.c - the configuration: defaults, the file syntax, --set
 * overrides, every error with its exact message, the order of kafka.*
 * properties, and secrets kept out of the dump.
 *
 * Config text is read from memory (config_fixture.c) under the name
 * "t.conf", so every expected message below is exact. The checks across
 * keys and secret references are test_config_check.c's.
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

#include "config_fixture.h"

#define MAX_SETS CONFIG_FIXTURE_MAX_SETS

static void test_defaults(void **state) {
        bp_config_t *conf = config_load_ok(NULL, NULL);
        char         host[256], expect_tid[300];
        (void)state;

        assert_string_equal(conf->rules_dir, "rules/");
        assert_string_equal(conf->state_dir, "state/");
        assert_string_equal(conf->schemas_dir, "schemas/");
        assert_string_equal(conf->topics.profile_updated, "profile-updated");
        assert_string_equal(conf->topics.contract_completed,
                            "contract-completed");
        assert_string_equal(conf->topics.invitation_sent, "invitation-sent");
        assert_string_equal(conf->topics.partner_decision, "partner-decision");
        assert_string_equal(conf->topics.badge_events, "badge-events");
        assert_string_equal(conf->topics.dlq, "badge-dlq");
        assert_string_equal(conf->topics.changelog, "badge-state-changelog");
        assert_int_equal(conf->guarantee, BP_CONFIG_EXACTLY_ONCE);
        assert_int_equal(conf->commit_interval_ms, 100);
        assert_int_equal(conf->batch_max_events, 10000);
        assert_int_equal(conf->stats_interval_ms, 5000);
        assert_int_equal(conf->state_max_size_mb, 65536);
        assert_false(conf->state_fsync);
        assert_int_equal(conf->rules_reload_max_changes.kind,
                         BP_CHANGE_LIMIT_SHARE);
        assert_true(conf->rules_reload_max_changes.percent == 1.0);
        assert_null(conf->schema_registry_url);
        assert_null(conf->decision_log);
        assert_int_equal(conf->log_level, BP_LOG_INFO);
        assert_string_equal(conf->metrics_host, "127.0.0.1");
        assert_int_equal(conf->metrics_port, 9464);
        assert_string_equal(conf->group_id, "badgeproc");
        assert_int_equal(conf->kafka_cnt, 1);
        assert_string_equal(config_kafka_get(conf, "group.id"), "badgeproc");
        /* The instance id comes from the host name (test hosts have
         * plain names; others are covered by the id's own checks). */
        assert_int_equal(gethostname(host, sizeof(host)), 0);
        host[64] = '\0';
        if (strspn(host,
                   "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(host))
                assert_string_equal(conf->instance_id, host);
        snprintf(expect_tid, sizeof(expect_tid), "badgeproc-%s",
                 conf->instance_id);
        assert_string_equal(conf->transactional_id, expect_tid);
        bp_config_destroy(conf);
        bp_config_destroy(NULL);
}

/* rules.reload.max.changes: its three forms, and what each allows. */
static void test_change_limit(void **state) {
        static const struct {
                const char *text;
                uint64_t    held, max;
        } cases[] = {
            {"250", 1000000, 250},   {"0", 5, 0},        {"1%", 0, 100},
            {"1%", 9999, 100},       {"1%", 10001, 101}, {"1%", 2000000, 20000},
            {"0.5%", 1000000, 5000}, {"100%", 150, 150}, {"off", 5, UINT64_MAX},
            {"000012", 5, 12},
        };
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                char         set[64];
                const char  *sets[] = {set, NULL};
                bp_config_t *conf;

                snprintf(set, sizeof(set), "rules.reload.max.changes=%s",
                         cases[i].text);
                conf = config_load_ok(NULL, sets);
                if (bp_change_limit_max(&conf->rules_reload_max_changes,
                                        cases[i].held) != cases[i].max)
                        fail_msg(
                            "%s of %llu held: %llu, expected %llu",
                            cases[i].text, (unsigned long long)cases[i].held,
                            (unsigned long long)bp_change_limit_max(
                                &conf->rules_reload_max_changes, cases[i].held),
                            (unsigned long long)cases[i].max);
                bp_config_destroy(conf);
        }
}

static void test_file_syntax(void **state) {
        static const char text[] =
            "\xef\xbb\xbf# a comment first, after a byte order mark\n"
            "\n"
            "   \t\n"
            "  rules.dir\t=   my-rules   # trailing comment\n"
            "state.dir = \"/var/lib/badge #1\"  # quoted: '#' is data\n"
            "schemas.dir = \"say \\\"hi\\\" c:\\\\x \\d\"\n"
            "decision.log = a#b\r\n"
            "commit.interval.ms=250\n"
            "processing.guarantee = at_least_once\n"
            "log.level = debug\n"
            "metrics.listen = [::1]:0\n"
            "schema.registry.url = https://registry:8081\n"
            "instance.id = node-7\n"
            "kafka.group.id = billing\n"
            "batch.max.events = 1\n"
            "state.fsync = true\n"
            "stats.interval.ms = 0"; /* no final newline */
        bp_config_t *conf = config_load_ok(text, NULL);
        (void)state;

        assert_string_equal(conf->rules_dir, "my-rules");
        assert_string_equal(conf->state_dir, "/var/lib/badge #1");
        assert_string_equal(conf->schemas_dir, "say \"hi\" c:\\x \\d");
        assert_string_equal(conf->decision_log, "a#b");
        assert_int_equal(conf->commit_interval_ms, 250);
        assert_int_equal(conf->guarantee, BP_CONFIG_AT_LEAST_ONCE);
        assert_int_equal(conf->log_level, BP_LOG_DEBUG);
        assert_string_equal(conf->metrics_host, "::1");
        assert_int_equal(conf->metrics_port, 0);
        assert_string_equal(conf->schema_registry_url, "https://registry:8081");
        assert_string_equal(conf->instance_id, "node-7");
        assert_string_equal(conf->group_id, "billing");
        assert_string_equal(conf->transactional_id, "billing-node-7");
        assert_int_equal(conf->batch_max_events, 1);
        assert_true(conf->state_fsync);
        assert_int_equal(conf->stats_interval_ms, 0);
        bp_config_destroy(conf);
}

static void test_metrics_off(void **state) {
        const char *const off[]   = {"metrics.listen=off", NULL};
        const char *const empty[] = {"metrics.listen=", NULL};
        bp_config_t      *conf    = config_load_ok(NULL, off);
        (void)state;

        assert_null(conf->metrics_host);
        bp_config_destroy(conf);
        conf = config_load_ok(NULL, empty);
        assert_null(conf->metrics_host);
        bp_config_destroy(conf);
}

static void test_overrides_win(void **state) {
        static const char text[] = "rules.dir = from-file\n"
                                   "commit.interval.ms = 0\n" /* bad, but
                                                                 overridden */
                                   "kafka.client.id = file-client\n"
                                   "kafka.group.id = g1\n";
        const char *const sets[] = {"rules.dir = from-flag",
                                    "commit.interval.ms=5",
                                    "kafka.client.id=flag-client", NULL};
        bp_config_t      *conf   = config_load_ok(text, sets);
        (void)state;

        assert_string_equal(conf->rules_dir, "from-flag");
        assert_int_equal(conf->commit_interval_ms, 5);
        /* An override keeps the property where the file put it. */
        assert_int_equal(conf->kafka_cnt, 2);
        assert_string_equal(conf->kafka[0].key, "client.id");
        assert_string_equal(conf->kafka[0].value, "flag-client");
        assert_string_equal(conf->kafka[1].key, "group.id");
        assert_memory_equal(conf->transactional_id, "g1-", 3);
        bp_config_destroy(conf);
}

typedef struct error_case_s {
        const char *text; /* NULL: no file */
        const char *sets[MAX_SETS];
        const char *message;
} error_case_t;

static const error_case_t error_cases[] = {
    /* Syntax. */
    {"rules.dir\n", {NULL}, "t.conf:1: expected \"key = value\""},
    {"# c\n = x\n", {NULL}, "t.conf:2: missing key before \"=\""},
    {"ru les = x\n",
     {NULL},
     "t.conf:1: invalid key \"ru les\": use letters, digits, '.', '_' and "
     "'-'"},
    {"rules.dir = \"abc\n", {NULL}, "t.conf:1: unterminated quoted value"},
    {"rules.dir = \"abc\" def\n",
     {NULL},
     "t.conf:1: unexpected text after the closing quote"},
    {"rules.dir = a\x01z\n", {NULL}, "t.conf:1: control character in value"},
    /* Keys. */
    {"rules.dri = x\n",
     {NULL},
     "t.conf:1: unknown key \"rules.dri\" (did you mean \"rules.dir\"?)"},
    {"\nfrobnicate = 1\n", {NULL}, "t.conf:2: unknown key \"frobnicate\""},
    {"bootstrap.servers = b:9092\n",
     {NULL},
     "t.conf:1: unknown key \"bootstrap.servers\" (did you mean "
     "\"kafka.bootstrap.servers\"?)"},
    {NULL,
     {"sasl.password=x"},
     "--set sasl.password: unknown key \"sasl.password\" (did you mean "
     "\"kafka.sasl.password\"?)"},
    {"state.dir = a\n\nstate.dir = b\n",
     {NULL},
     "t.conf:3: duplicate key \"state.dir\" (first set on line 1)"},
    {"kafka.client.id = a\nkafka.client.id = b\n",
     {NULL},
     "t.conf:2: duplicate key \"kafka.client.id\" (first set on line 1)"},
    {"kafka. = x\n",
     {NULL},
     "t.conf:1: kafka.: missing librdkafka property after \"kafka.\""},
    {"kafka.transactional.id = x\n",
     {NULL},
     "t.conf:1: kafka.transactional.id: set instance.id instead: the "
     "transactional id is <kafka.group.id>-<instance.id>"},
    {"kafka.statistics.interval.ms = 1000\n",
     {NULL},
     "t.conf:1: kafka.statistics.interval.ms: set stats.interval.ms "
     "instead"},
    {"kafka.group.id =\n",
     {NULL},
     "t.conf:1: kafka.group.id: must not be empty"},
    /* Typed values. */
    {"commit.interval.ms = 0\n",
     {NULL},
     "t.conf:1: commit.interval.ms: expected an integer from 1 to 60000, "
     "got \"0\""},
    {"commit.interval.ms = 10ms\n",
     {NULL},
     "t.conf:1: commit.interval.ms: expected an integer from 1 to 60000, "
     "got \"10ms\""},
    {"commit.interval.ms = 99999999999999999999\n",
     {NULL},
     "t.conf:1: commit.interval.ms: expected an integer from 1 to 60000, "
     "got \"99999999999999999999\""},
    {"batch.max.events = \n",
     {NULL},
     "t.conf:1: batch.max.events: expected an integer from 1 to 1000000, "
     "got \"\""},
    {"stats.interval.ms = -1\n",
     {NULL},
     "t.conf:1: stats.interval.ms: expected an integer from 0 to 3600000, "
     "got \"-1\""},
    {"processing.guarantee = twice\n",
     {NULL},
     "t.conf:1: processing.guarantee: expected exactly_once or "
     "at_least_once, got \"twice\""},
    {"state.fsync = yes\n",
     {NULL},
     "t.conf:1: state.fsync: expected true or false, got \"yes\""},
    {"log.level = loud\n",
     {NULL},
     "t.conf:1: log.level: expected error, warn, info or debug, got "
     "\"loud\""},
    {"rules.dir =\n", {NULL}, "t.conf:1: rules.dir: must not be empty"},
    {"rules.reload.max.changes = 0%\n",
     {NULL},
     "t.conf:1: rules.reload.max.changes: expected a number of changes (0 "
     "to 1000000000000), a share of the held badges from more than 0% to "
     "100% (e.g. 1%), or off; got \"0%\""},
    {"rules.reload.max.changes = 100.5%\n",
     {NULL},
     "t.conf:1: rules.reload.max.changes: expected a number of changes (0 "
     "to 1000000000000), a share of the held badges from more than 0% to "
     "100% (e.g. 1%), or off; got \"100.5%\""},
    {"rules.reload.max.changes = -5\n",
     {NULL},
     "t.conf:1: rules.reload.max.changes: expected a number of changes (0 "
     "to 1000000000000), a share of the held badges from more than 0% to "
     "100% (e.g. 1%), or off; got \"-5\""},
    {"rules.reload.max.changes = 1e3%\n",
     {NULL},
     "t.conf:1: rules.reload.max.changes: expected a number of changes (0 "
     "to 1000000000000), a share of the held badges from more than 0% to "
     "100% (e.g. 1%), or off; got \"1e3%\""},
    {"rules.reload.max.changes = 1000000000001\n",
     {NULL},
     "t.conf:1: rules.reload.max.changes: expected a number of changes (0 "
     "to 1000000000000), a share of the held badges from more than 0% to "
     "100% (e.g. 1%), or off; got \"1000000000001\""},
    {"topics.dlq = \"bad topic\"\n",
     {NULL},
     "t.conf:1: topics.dlq: invalid topic name \"bad topic\": use 1 to 249 "
     "letters, digits, '.', '_' and '-'"},
    {"topics.changelog = ..\n",
     {NULL},
     "t.conf:1: topics.changelog: invalid topic name \"..\": use 1 to 249 "
     "letters, digits, '.', '_' and '-'"},
    {"metrics.listen = 9464\n",
     {NULL},
     "t.conf:1: metrics.listen: expected host:port, [ipv6]:port, off or "
     "empty, got \"9464\""},
    {"metrics.listen = :9464\n",
     {NULL},
     "t.conf:1: metrics.listen: expected host:port, [ipv6]:port, off or "
     "empty, got \":9464\""},
    {"metrics.listen = localhost:65536\n",
     {NULL},
     "t.conf:1: metrics.listen: expected host:port, [ipv6]:port, off or "
     "empty, got \"localhost:65536\""},
    {"metrics.listen = ::1:9464\n",
     {NULL},
     "t.conf:1: metrics.listen: expected host:port, [ipv6]:port, off or "
     "empty, got \"::1:9464\""},
    {"schema.registry.url = ftp://user:pw@x\n",
     {NULL},
     "t.conf:1: schema.registry.url: expected an http:// or https:// URL"},
    {"instance.id = a/b\n",
     {NULL},
     "t.conf:1: instance.id: invalid id \"a/b\": use 1 to 64 letters, "
     "digits, '.', '_' and '-'"},
    /* --set arguments. */
    {NULL, {"foo"}, "--set foo: expected key=value"},
    {NULL,
     {"rules.dri=x"},
     "--set rules.dri: unknown key \"rules.dri\" (did you mean "
     "\"rules.dir\"?)"},
    {NULL, {"state.dir=a", "state.dir=b"}, "--set state.dir: given twice"},
    {NULL,
     {"commit.interval.ms=abc"},
     "--set commit.interval.ms: expected an integer from 1 to 60000, got "
     "\"abc\""},
    {NULL,
     {"bad key=1"},
     "--set bad key: invalid key: use letters, digits, '.', '_' and '-'"},
    {NULL, {"rules.dir=a\nb"}, "--set rules.dir: control character in value"},
    {NULL,
     {"kafka.transactional.id=x"},
     "--set kafka.transactional.id: set instance.id instead: the "
     "transactional id is <kafka.group.id>-<instance.id>"},
    /* A file error is reported even when a flag would set the key. */
    {"rules.dri = x\n",
     {"rules.dir=y"},
     "t.conf:1: unknown key \"rules.dri\" (did you mean \"rules.dir\"?)"},
};

static void test_errors(void **state) {
        size_t i;
        (void)state;

        for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
                config_load_fails(error_cases[i].text, error_cases[i].sets,
                                  error_cases[i].message);
}

/* A line of the maximum length is read; one byte more is an error, as is
 * a NUL byte, and neither makes the reader allocate more than a line. */
static void test_line_limits(void **state) {
        size_t       max  = 65536, len;
        char        *text = malloc(max + 64);
        bp_config_t *conf;
        char         errstr[512];
        (void)state;

        assert_non_null(text);
        len = (size_t)snprintf(text, 64, "decision.log = ");
        memset(text + len, 'x', max - len);
        text[max] = '\n';
        assert_int_equal(
            config_load(text, max + 1, NULL, &conf, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(strlen(conf->decision_log), max - len);
        bp_config_destroy(conf);

        text[max]     = 'x';
        text[max + 1] = '\n';
        assert_int_equal(
            config_load(text, max + 2, NULL, &conf, errstr, sizeof(errstr)),
            BP_ERR_CONFIG);
        assert_string_equal(errstr, "t.conf:1: line longer than 65536 bytes");

        memcpy(text, "# ok\nrules.dir = a\0b\n", 22);
        assert_int_equal(
            config_load(text, 22, NULL, &conf, errstr, sizeof(errstr)),
            BP_ERR_CONFIG);
        assert_string_equal(errstr, "t.conf:2: NUL byte in line");
        free(text);
}

static void test_missing_file(void **state) {
        bp_config_t *conf = (bp_config_t *)&conf;
        char         errstr[512];
        (void)state;

        assert_int_equal(bp_config_new(&conf, "/nonexistent/b.conf", NULL, 0,
                                       errstr, sizeof(errstr)),
                         BP_ERR_IO);
        assert_null(conf);
        assert_string_equal(errstr, "/nonexistent/b.conf: cannot open: No "
                                    "such file or directory");
}

/* kafka.* keys reach librdkafka in the order given, prefix stripped, with
 * group.id added when missing (a property librdkafka refuses is refused
 * at load: test_config_check.c). */
static void test_kafka_passthrough(void **state) {
        static const char text[] = "kafka.client.id = c1\n"
                                   "rules.dir = r\n"
                                   "kafka.bootstrap.servers = b1:9092\n"
                                   "kafka.socket.timeout.ms = 1000\n";
        const char *const sets[] = {"kafka.socket.timeout.ms=2000",
                                    "kafka.linger.ms=7", NULL};
        bp_config_t      *conf   = config_load_ok(text, sets);
        rd_kafka_conf_t  *kconf  = rd_kafka_conf_new();
        char              value[64], errstr[512];
        size_t            size = sizeof(value);
        (void)state;

        assert_int_equal(conf->kafka_cnt, 5);
        assert_string_equal(conf->kafka[0].key, "client.id");
        assert_string_equal(conf->kafka[1].key, "bootstrap.servers");
        assert_string_equal(conf->kafka[2].key, "socket.timeout.ms");
        assert_string_equal(conf->kafka[2].value, "2000");
        assert_string_equal(conf->kafka[3].key, "linger.ms");
        assert_string_equal(conf->kafka[4].key, "group.id");
        assert_string_equal(conf->kafka[4].value, "badgeproc");

        assert_int_equal(
            bp_config_kafka_apply(conf, kconf, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(
            rd_kafka_conf_get(kconf, "socket.timeout.ms", value, &size),
            RD_KAFKA_CONF_OK);
        assert_string_equal(value, "2000");
        size = sizeof(value);
        assert_int_equal(rd_kafka_conf_get(kconf, "group.id", value, &size),
                         RD_KAFKA_CONF_OK);
        assert_string_equal(value, "badgeproc");
        rd_kafka_conf_destroy(kconf);
        bp_config_destroy(conf);
}

static void test_is_secret(void **state) {
        static const struct {
                const char *key;
                bool        secret;
        } cases[] = {
            {"kafka.sasl.password", true},
            {"sasl.password", true},
            {"kafka.sasl.jaas.config", true},
            {"kafka.ssl.key.password", true},
            {"kafka.ssl.key.pem", true},
            {"kafka.ssl.key.location", true},
            {"kafka.ssl_key.pem", true},
            {"kafka.ssl.keystore.password", true},
            {"kafka.sasl.oauthbearer.config", true},
            {"kafka.sasl.oauthbearer.client.secret", true},
            {"kafka.SASL.PASSWORD", true},
            {"kafka.basic.auth.user.info", true},
            {"kafka.sasl.oauthbearer.token.endpoint.url", true},
            {"kafka.sasl.username", false},
            {"kafka.sasl.mechanisms", false},
            {"kafka.ssl.ca.location", false},
            {"kafka.ssl.certificate.pem", false},
            {"kafka.bootstrap.servers", false},
            {"rules.dir", false},
            {NULL, false},
        };
        size_t i;
        (void)state;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (bp_config_is_secret(cases[i].key) != cases[i].secret)
                        fail_msg("%s: expected %s", cases[i].key,
                                 cases[i].secret ? "secret" : "not secret");
}

static void test_dump_redacts_secrets(void **state) {
        static const char text[] =
            "kafka.security.protocol = SASL_SSL\n"
            "kafka.sasl.mechanisms = PLAIN\n"
            "kafka.sasl.username = svc-badge\n"
            "kafka.sasl.password = hunter2-pw\n"
            "kafka.ssl.keystore.password = \"ks pw=jaas-pw;\"\n"
            "kafka.ssl.key.password = key-pw\n"
            "schema.registry.url = https://reg-user:reg-pw@registry:8081/x\n";
        bp_config_t *conf = config_load_ok(text, NULL);
        char        *out  = config_dump(conf);
        (void)state;

        assert_null(strstr(out, "hunter2"));
        assert_null(strstr(out, "jaas-pw"));
        assert_null(strstr(out, "key-pw"));
        assert_null(strstr(out, "reg-pw"));
        assert_null(strstr(out, "reg-user"));
        assert_non_null(strstr(out, "\nkafka.sasl.password = [redacted]\n"));
        assert_non_null(
            strstr(out, "\nkafka.ssl.keystore.password = [redacted]\n"));
        assert_non_null(strstr(out, "\nkafka.ssl.key.password = [redacted]\n"));
        assert_non_null(strstr(
            out,
            "\nschema.registry.url = https://[redacted]@registry:8081/x\n"));
        assert_non_null(strstr(out, "\nkafka.sasl.username = svc-badge\n"));
        assert_non_null(strstr(out, "\nrules.dir = rules/\n"));
        assert_non_null(strstr(out, "\nmetrics.listen = 127.0.0.1:9464\n"));
        assert_non_null(strstr(out, "\nschema.registry.url = https://"));
        free(out);
        bp_config_destroy(conf);
}

/* Without secrets, the dump is a config file giving the same values. */
static void test_dump_round_trip(void **state) {
        static const char text[] = "state.dir = \" lead and #hash \"\n"
                                   "rules.dir = \"quo\\\"te\\\\\"\n"
                                   "decision.log = \"\"\n"
                                   "metrics.listen = off\n"
                                   "instance.id = i-1\n"
                                   "kafka.client.id = c\n";
        bp_config_t      *conf   = config_load_ok(text, NULL), *again;
        char             *first  = config_dump(conf), *second;
        (void)state;

        again = config_load_ok(first, NULL);
        assert_string_equal(again->state_dir, " lead and #hash ");
        assert_string_equal(again->rules_dir, "quo\"te\\");
        assert_null(again->decision_log);
        assert_null(again->metrics_host);
        second = config_dump(again);
        assert_string_equal(first, second);
        free(first);
        free(second);
        bp_config_destroy(again);
        bp_config_destroy(conf);
}

static void test_describe(void **state) {
        char       *text = NULL, *line;
        size_t      len = 0, rows = 0;
        FILE       *out     = open_memstream(&text, &len);
        const char *names[] = {"`rules.dir`",    "`state.dir`",
                               "`topics.dlq`",   "`commit.interval.ms`",
                               "`instance.id`",  "`metrics.listen`",
                               "`kafka.*`",      "`processing.guarantee`",
                               "`decision.log`", "`schema.registry.url`"};
        size_t      i;
        (void)state;

        assert_non_null(out);
        bp_config_describe(out);
        fclose(out);
        assert_memory_equal(text,
                            "| key | default | meaning |\n|---|---|---|\n", 41);
        for (line = text; (line = strchr(line, '\n')); line++)
                rows++;
        assert_int_equal(rows, 2 + 1 + 28); /* header, kafka.*, keys */
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                assert_non_null(strstr(text, names[i]));
        assert_non_null(strstr(text, "| `commit.interval.ms` | `100` |"));
        assert_non_null(strstr(text, "| `instance.id` | the host name |"));
        assert_non_null(strstr(text, "| `schema.registry.url` | unset |"));
        free(text);
}

/* The config reference in file (under the source tree), between the
 * marker lines begin and end, must be what bp_config_describe() prints,
 * so that the two cannot drift apart. */
static void check_reference(const char *file, const char *begin,
                            const char *end) {
        const char *src = getenv("BP_SRC");
        char        path[1024], *text = NULL, *table = NULL;
        char       *from, *to;
        size_t      len = 0, table_len = 0;
        FILE       *fp, *out;

        snprintf(path, sizeof(path), "%s/%s", src ? src : "..", file);
        if (!(fp = fopen(path, "r"))) {
                print_message("skipped: %s not found (set BP_SRC to the "
                              "source tree)\n",
                              path);
                skip();
        }
        out = open_memstream(&text, &len);
        assert_non_null(out);
        for (int c; (c = getc(fp)) != EOF;)
                fputc(c, out);
        fclose(fp);
        fclose(out);
        from = strstr(text, begin);
        to   = from ? strstr(from, end) : NULL;
        if (!from || !to)
                fail_msg("%s has no config reference between \"%s\" and "
                         "\"%s\"",
                         file, begin, end);
        from += strlen(begin);
        out = open_memstream(&table, &table_len);
        assert_non_null(out);
        bp_config_describe(out);
        fclose(out);
        if ((size_t)(to - from) != table_len ||
            memcmp(from, table, table_len) != 0)
                fail_msg("%s's config reference is out of date; replace it "
                         "with:\n%s",
                         file, table);
        free(table);
        free(text);
}

static void test_readme_reference(void **state) {
        (void)state;
        check_reference("README.md", "<!-- config-reference: begin -->\n",
                        "<!-- config-reference: end -->");
}

/* docs/operating.md keeps a copy too (it had drifted by four keys). */
static void test_operating_reference(void **state) {
        (void)state;
        check_reference("docs/operating.md",
                        "<!-- generated: badgeproc run --describe-config -->\n",
                        "<!-- end of generated text -->");
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_defaults),
            cmocka_unit_test(test_change_limit),
            cmocka_unit_test(test_file_syntax),
            cmocka_unit_test(test_metrics_off),
            cmocka_unit_test(test_overrides_win),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_line_limits),
            cmocka_unit_test(test_missing_file),
            cmocka_unit_test(test_kafka_passthrough),
            cmocka_unit_test(test_is_secret),
            cmocka_unit_test(test_dump_redacts_secrets),
            cmocka_unit_test(test_dump_round_trip),
            cmocka_unit_test(test_describe),
            cmocka_unit_test(test_readme_reference),
            cmocka_unit_test(test_operating_reference),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
