/*
 * bp_config_check.c - the checks of a configuration that no single key
 * can make, run when it is loaded, so that `run --print-config` and `run`
 * refuse the same files, with the place, before anything connects.
 *
 * Topics: each of the seven has one role. A dead-letter topic that is an
 * input would read every record it dead-letters again, for ever; a
 * changelog that is an input or the output would mix states into events.
 * Names that differ only in '.' and '_' count as the same, as Kafka
 * refuses to create both.
 *
 * kafka.*: every property is set, in order, on a scratch librdkafka
 * configuration (with bp_config_kafka_apply(), which lives here too), so
 * an unknown name or a value librdkafka refuses is a configuration error
 * at its line rather than a failed start later. The
 * values are then read back from it (librdkafka's reading: "1" is true,
 * `acks=all` is -1, aliases are one property) and compared with what the
 * runner depends on (bp_runner.c: client_conf sets these after the user's
 * properties, so a different value would be silently overridden, or make
 * librdkafka refuse the idempotent producer at start-up); under
 * exactly_once also with what transactions need. An empty list of
 * brokers is refused too: it would wait for a broker that never comes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_config_file.h"
#include "bp_config_priv.h"

#define MSG_SIZE 256
#define NAME_ECHO_MAX 64

/* --- topics */

/* Kafka's collision rule: '.' and '_' are the same in a topic name. */
static bool topics_collide(const char *a, const char *b) {
        for (; *a && *b; a++, b++)
                if (*a != *b &&
                    !((*a == '.' || *a == '_') && (*b == '.' || *b == '_')))
                        return false;
        return *a == *b;
}

/* The topic of key i as a message shows it: its name, or its reference. */
static void topic_shown(const bp_config_priv_t *priv, size_t i, char *buf,
                        size_t size) {
        if (priv->src[i].ref)
                snprintf(buf, size, "%.200s", priv->src[i].ref);
        else
                snprintf(buf, size, "\"%.*s\"", NAME_ECHO_MAX, priv->text[i]);
}

/* Key b (given after key a) names a's topic. */
static bp_err_t topic_clash(const bp_config_priv_t *priv, size_t a, size_t b,
                            char *errstr, size_t errstr_size) {
        char shown_a[MSG_SIZE], shown_b[MSG_SIZE], origin[MSG_SIZE];
        bool same = strcmp(priv->text[a], priv->text[b]) == 0;

        topic_shown(priv, a, shown_a, sizeof(shown_a));
        topic_shown(priv, b, shown_b, sizeof(shown_b));
        bp_config_origin(priv, &priv->src[a], origin, sizeof(origin));
        if (same)
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s: %s is also %s (%s): each of the seven topics.* "
                    "must name a topic of its own",
                    priv->src[b].where, shown_b, bp_config_keys[a].name,
                    origin);
        return bp_config_errf(
            errstr, errstr_size,
            "%s: %s collides with %s %s (%s): Kafka does not tell '.' from "
            "'_' in topic names",
            priv->src[b].where, shown_b, bp_config_keys[a].name, shown_a,
            origin);
}

static bp_err_t check_topics(const bp_config_priv_t *priv, char *errstr,
                             size_t errstr_size) {
        size_t i, j;

        for (i = 0; i < BP_CONFIG_KEY_CNT; i++) {
                if (bp_config_keys[i].kind != BP_CONFIG_TOPIC)
                        continue;
                for (j = i + 1; j < BP_CONFIG_KEY_CNT; j++) {
                        if (bp_config_keys[j].kind != BP_CONFIG_TOPIC ||
                            !topics_collide(priv->text[i], priv->text[j]))
                                continue;
                        /* The message is about the key given last. */
                        if (priv->src[j].seq > priv->src[i].seq)
                                return topic_clash(priv, i, j, errstr,
                                                   errstr_size);
                        return topic_clash(priv, j, i, errstr, errstr_size);
                }
        }
        return BP_OK;
}

/* --- kafka.* */

/* A property the runner depends on, and the values it may have. */
typedef struct guard_s {
        const char *name;    /* librdkafka's name, read back with it */
        const char *alias;   /* another name librdkafka takes, or NULL */
        const char *allowed; /* values as librdkafka reads them back, '|'
                              * between; NULL: an integer in [min, max] */
        long        min, max;
        const char *why; /* the message, after "where: " */
} guard_t;

static const guard_t guards[] = {
    {"enable.auto.commit", NULL, "false", 0, 0,
     "must be false: badgeproc commits the input offsets itself, with "
     "each batch"},
    {"enable.auto.offset.store", NULL, "false", 0, 0,
     "must be false: badgeproc stores an offset only once its batch is "
     "committed"},
    {"isolation.level", NULL, "read_committed", 0, 0,
     "must be read_committed: records of aborted or open transactions "
     "must not be processed (exactly-once depends on it)"},
    {"enable.partition.eof", NULL, "true", 0, 0,
     "must be true: merging the inputs needs to know when a partition is "
     "at its end"},
    {"auto.offset.reset", NULL, "smallest|earliest|beginning", 0, 0,
     "must be earliest: a partition without a committed offset is read "
     "from its first record"},
    {"enable.idempotence", NULL, "true", 0, 0,
     "must be true: the producer is idempotent (transactions need it, "
     "and it keeps each freelancer's badge events in order)"},
    {"request.required.acks", "acks", "-1", 0, 0,
     "must be all: the idempotent producer needs it"},
    {"max.in.flight.requests.per.connection", "max.in.flight", NULL, 1, 5,
     "must be at most 5: the idempotent producer needs it"},
    {"message.send.max.retries", "retries", NULL, 1, 2147483647L,
     "must be at least 1: the idempotent producer needs it"},
    {"queuing.strategy", NULL, "fifo", 0, 0,
     "must be fifo: the idempotent producer needs it"},
};

/* True when librdkafka's reason may quote a secret value: when it holds
 * the value's first bytes (it may have been cut short). */
static bool quotes(const char *reason, const char *value) {
        char   head[9];
        size_t len = strlen(value);

        if (len == 0)
                return false;
        snprintf(head, sizeof(head), "%s", value);
        return strstr(reason, head) != NULL;
}

bp_err_t bp_config_kafka_apply(const bp_config_t *conf, rd_kafka_conf_t *kconf,
                               char *errstr, size_t errstr_size) {
        const bp_config_priv_t *priv = (const bp_config_priv_t *)conf;
        char                    reason[512];
        size_t                  i;

        for (i = 0; i < conf->kafka_cnt; i++) {
                const bp_config_kafka_t *k   = &conf->kafka[i];
                rd_kafka_conf_res_t      res = rd_kafka_conf_set(
                         kconf, k->key, k->value, reason, sizeof(reason));
                if (res == RD_KAFKA_CONF_OK)
                        continue;
                if (res == RD_KAFKA_CONF_INVALID &&
                    (bp_config_is_secret(k->key) || priv->kafka_src[i].ref) &&
                    quotes(reason, k->value))
                        snprintf(reason, sizeof(reason),
                                 "invalid value (not shown: secret)");
                return bp_config_errf(errstr, errstr_size, "%s: %s",
                                      priv->kafka_src[i].where, reason);
        }
        return BP_OK;
}

/* The last kafka.* entry that sets name or alias, or -1. */
static long kafka_find(const bp_config_priv_t *priv, const char *name,
                       const char *alias) {
        size_t i;
        long   found = -1;

        for (i = 0; i < priv->kafka_cnt; i++)
                if (strcmp(priv->kafka[i].key, name) == 0 ||
                    (alias && strcmp(priv->kafka[i].key, alias) == 0))
                        found = (long)i;
        return found;
}

/* The value of name on kconf as librdkafka reads it, in buf. */
static bool kconf_get(rd_kafka_conf_t *kconf, const char *name, char *buf,
                      size_t size) {
        return rd_kafka_conf_get(kconf, name, buf, &size) == RD_KAFKA_CONF_OK;
}

static bool allowed(const guard_t *g, const char *value) {
        const char *a   = g->allowed;
        size_t      len = strlen(value);
        char       *end;
        long        v;

        if (!a) {
                v = strtol(value, &end, 10);
                return *value && !*end && v >= g->min && v <= g->max;
        }
        while (*a) {
                size_t n = strcspn(a, "|");
                if (n == len && strncmp(a, value, n) == 0)
                        return true;
                a += n + (a[n] == '|');
        }
        return false;
}

/* Under exactly_once a record may not outlive its transaction, and a
 * request must have time to be sent before the transaction times out:
 * librdkafka refuses the producer otherwise, once both are set. */
static bp_err_t check_txn_timeouts(const bp_config_priv_t *priv,
                                   rd_kafka_conf_t *kconf, char *errstr,
                                   size_t errstr_size) {
        char txn[32], v[32];
        long msg_i =
            kafka_find(priv, "message.timeout.ms", "delivery.timeout.ms");
        long sock_i = kafka_find(priv, "socket.timeout.ms", NULL);

        if (!kconf_get(kconf, "transaction.timeout.ms", txn, sizeof(txn)))
                return BP_OK;
        if (msg_i >= 0 &&
            kconf_get(kconf, "message.timeout.ms", v, sizeof(v)) &&
            atol(v) > atol(txn))
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s: must be at most kafka.transaction.timeout.ms (%s) "
                    "under exactly_once: a record may not outlive its "
                    "transaction",
                    priv->kafka_src[msg_i].where, txn);
        if (sock_i >= 0 &&
            kafka_find(priv, "transaction.timeout.ms", NULL) >= 0 &&
            kconf_get(kconf, "socket.timeout.ms", v, sizeof(v)) &&
            atol(v) > atol(txn) + 100)
                return bp_config_errf(
                    errstr, errstr_size,
                    "%s: must be at most kafka.transaction.timeout.ms (%s) "
                    "+ 100 under exactly_once: a request must be sent "
                    "before its transaction times out",
                    priv->kafka_src[sock_i].where, txn);
        return BP_OK;
}

static bp_err_t check_guards(const bp_config_priv_t *priv,
                             rd_kafka_conf_t *kconf, char *errstr,
                             size_t errstr_size) {
        bool   eos = priv->pub.guarantee == BP_CONFIG_EXACTLY_ONCE;
        char   value[512];
        size_t i;

        for (i = 0; i < sizeof(guards) / sizeof(guards[0]); i++) {
                const guard_t *g = &guards[i];
                long           e = kafka_find(priv, g->name, g->alias);
                /* Unset, the runner's value holds. */
                if (e < 0 || !kconf_get(kconf, g->name, value, sizeof(value)) ||
                    allowed(g, value))
                        continue;
                return bp_config_errf(errstr, errstr_size, "%s: %s",
                                      priv->kafka_src[e].where, g->why);
        }
        return eos ? check_txn_timeouts(priv, kconf, errstr, errstr_size)
                   : BP_OK;
}

/* A list of brokers that is given must name one. */
static bp_err_t check_brokers(const bp_config_priv_t *priv, char *errstr,
                              size_t errstr_size) {
        long e = kafka_find(priv, "bootstrap.servers", "metadata.broker.list");
        const char *v;

        if (e < 0)
                return BP_OK;
        v = priv->kafka[e].value;
        if (v[strspn(v, " \t,")] != '\0')
                return BP_OK;
        return bp_config_errf(errstr, errstr_size,
                              "%s: must not be empty: name the brokers, "
                              "host:port[,host:port...]",
                              priv->kafka_src[e].where);
}

bp_err_t bp_config_check(const bp_config_priv_t *priv, char *errstr,
                         size_t errstr_size) {
        rd_kafka_conf_t *kconf;
        bp_err_t         err = check_topics(priv, errstr, errstr_size);

        if (err)
                return err;
        /* A scratch configuration: nothing is created from it. */
        if (!(kconf = rd_kafka_conf_new()))
                return BP_ERR_NOMEM;
        err = bp_config_kafka_apply(&priv->pub, kconf, errstr, errstr_size);
        if (!err)
                err = check_guards(priv, kconf, errstr, errstr_size);
        if (!err)
                err = check_brokers(priv, errstr, errstr_size);
        rd_kafka_conf_destroy(kconf);
        return err;
}

bp_err_t bp_config_check_run(const bp_config_t *conf, char *errstr,
                             size_t errstr_size) {
        const bp_config_priv_t *priv = (const bp_config_priv_t *)conf;

        /* librdkafka's own mock cluster needs no brokers. */
        if (kafka_find(priv, "bootstrap.servers", "metadata.broker.list") >=
                0 ||
            kafka_find(priv, "test.mock.num.brokers", NULL) >= 0)
                return BP_OK;
        return bp_config_errf(errstr, errstr_size,
                              "kafka.bootstrap.servers is not set: name the "
                              "brokers in the config file or with --set "
                              "kafka.bootstrap.servers=host:port[,...]");
}
