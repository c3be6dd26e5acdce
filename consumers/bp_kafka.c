/*
 * bp_kafka.c - small librdkafka helpers shared by the runtime and the tools.
 *
 * See bp_kafka.h. The metadata helpers deliberately ask for every topic
 * (never for one by name) so that a check can never create what it checks;
 * the error classes follow librdkafka's own flags where it gives them and a
 * short list of codes where it does not.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp_kafka.h"

/* How long one consumer poll may block while waiting for an assignment, so
 * that the deadline is checked often. */
#define BP_KAFKA_WAIT_SLICE_MS 100

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bp_err_t bp_kafka_conf_set(rd_kafka_conf_t *conf, const char *key,
                           const char *value, char *errstr,
                           size_t errstr_size) {
        char msg[512];

        if (!key || !*key || !value) {
                snprintf(errstr, errstr_size,
                         "kafka config: a property needs a key and a value");
                return BP_ERR_CONFIG;
        }
        if (rd_kafka_conf_set(conf, key, value, msg, sizeof(msg)) !=
            RD_KAFKA_CONF_OK) {
                snprintf(errstr, errstr_size, "kafka config %s: %s", key, msg);
                return BP_ERR_CONFIG;
        }
        return BP_OK;
}

bp_err_t bp_kafka_conf_apply(rd_kafka_conf_t *conf, const bp_kafka_kv_t *kv,
                             size_t kv_cnt, char *errstr, size_t errstr_size) {
        bp_err_t err;
        size_t   i;

        for (i = 0; i < kv_cnt; i++) {
                err = bp_kafka_conf_set(conf, kv[i].key, kv[i].value, errstr,
                                        errstr_size);
                if (err)
                        return err;
        }
        return BP_OK;
}

rd_kafka_conf_t *bp_kafka_conf_new(const bp_kafka_kv_t *kv, size_t kv_cnt,
                                   char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        if (bp_kafka_conf_apply(conf, kv, kv_cnt, errstr, errstr_size)) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

bp_err_t bp_kafka_topic_check(const char *name, char *errstr,
                              size_t errstr_size) {
        static const char legal[] = "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._-";
        size_t            len     = name ? strlen(name) : 0;
        size_t            ok;

        if (len == 0 || len > BP_KAFKA_TOPIC_MAX) {
                snprintf(errstr, errstr_size,
                         "topic name of %zu characters: must be 1..%d", len,
                         BP_KAFKA_TOPIC_MAX);
                return BP_ERR_INVALID;
        }
        ok = strspn(name, legal);
        if (ok < len) {
                /* Printed as a code, not as a character: it may be a
                 * control character. */
                snprintf(errstr, errstr_size,
                         "topic name \"%.*s...\" has an illegal character "
                         "(code %d) at position %zu",
                         (int)(ok < 64 ? ok : 64), name,
                         (unsigned char)name[ok], ok + 1);
                return BP_ERR_INVALID;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                snprintf(errstr, errstr_size,
                         "topic name \"%s\" is not allowed", name);
                return BP_ERR_INVALID;
        }
        return BP_OK;
}

/* Finds topic in md; NULL when the cluster does not list it. */
static const rd_kafka_metadata_topic_t *
find_topic(const struct rd_kafka_metadata *md, const char *topic) {
        int i;

        for (i = 0; i < md->topic_cnt; i++)
                if (strcmp(md->topics[i].topic, topic) == 0)
                        return &md->topics[i];
        return NULL;
}

/* The partition count of topic in md, or an error naming the topic. */
static bp_err_t topic_partitions(const struct rd_kafka_metadata *md,
                                 const char *topic, int *partition_cnt,
                                 char *errstr, size_t errstr_size) {
        const rd_kafka_metadata_topic_t *mt = find_topic(md, topic);

        if (!mt || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                snprintf(errstr, errstr_size, "topic %s does not exist", topic);
                return BP_ERR_NOT_FOUND;
        }
        if (mt->err) {
                snprintf(errstr, errstr_size, "topic %s: %s", topic,
                         rd_kafka_err2str(mt->err));
                return BP_ERR_KAFKA;
        }
        *partition_cnt = mt->partition_cnt;
        return BP_OK;
}

/* Fetches the metadata of every topic (see bp_kafka_partition_count()). */
static bp_err_t all_metadata(rd_kafka_t *rk, int timeout_ms,
                             const struct rd_kafka_metadata **md, char *errstr,
                             size_t errstr_size) {
        rd_kafka_resp_err_t err;

        err = rd_kafka_metadata(rk, 1, NULL, md, timeout_ms);
        if (err) {
                snprintf(errstr, errstr_size,
                         "cluster metadata not received in %d ms: %s",
                         timeout_ms, rd_kafka_err2str(err));
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

bp_err_t bp_kafka_partition_count(rd_kafka_t *rk, const char *topic,
                                  int timeout_ms, int *partition_cnt,
                                  char *errstr, size_t errstr_size) {
        const struct rd_kafka_metadata *md;
        bp_err_t                        err;

        err = all_metadata(rk, timeout_ms, &md, errstr, errstr_size);
        if (err)
                return err;
        err = topic_partitions(md, topic, partition_cnt, errstr, errstr_size);
        rd_kafka_metadata_destroy(md);
        return err;
}

/* Writes "topics are not co-partitioned: a has 6 partitions, b has 4" to
 * errstr, truncated to fit. */
static void describe_counts(const char *const *topics, const int *counts,
                            size_t topic_cnt, char *errstr,
                            size_t errstr_size) {
        size_t i, off;
        int    n;

        n   = snprintf(errstr, errstr_size, "topics are not co-partitioned:");
        off = n < 0 ? 0 : (size_t)n;
        for (i = 0; i < topic_cnt && off < errstr_size; i++) {
                n = snprintf(errstr + off, errstr_size - off,
                             "%s %s has %d partition%s", i ? "," : "",
                             topics[i], counts[i], counts[i] == 1 ? "" : "s");
                if (n < 0)
                        break;
                off += (size_t)n;
        }
}

bp_err_t bp_kafka_check_copartitioned(rd_kafka_t *rk, const char *const *topics,
                                      size_t topic_cnt, int timeout_ms,
                                      int *partition_cnt, char *errstr,
                                      size_t errstr_size) {
        const struct rd_kafka_metadata *md     = NULL;
        int                            *counts = NULL;
        bp_err_t                        err;
        size_t                          i;

        if (topic_cnt == 0) {
                snprintf(errstr, errstr_size, "no topics to check");
                return BP_ERR_INVALID;
        }
        counts = calloc(topic_cnt, sizeof(*counts));
        if (!counts) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        err = all_metadata(rk, timeout_ms, &md, errstr, errstr_size);
        if (err)
                goto out;
        for (i = 0; i < topic_cnt; i++) {
                err = topic_partitions(md, topics[i], &counts[i], errstr,
                                       errstr_size);
                if (err)
                        goto out;
        }
        for (i = 1; i < topic_cnt; i++) {
                if (counts[i] != counts[0]) {
                        describe_counts(topics, counts, topic_cnt, errstr,
                                        errstr_size);
                        err = BP_ERR_CONFIG;
                        goto out;
                }
        }
        if (partition_cnt)
                *partition_cnt = counts[0];
out:
        if (md)
                rd_kafka_metadata_destroy(md);
        free(counts);
        return err;
}

/* Builds librdkafka's description of one topic to create. */
static bp_err_t new_topic(const bp_kafka_new_topic_t *def,
                          rd_kafka_NewTopic_t **out, char *errstr,
                          size_t errstr_size) {
        rd_kafka_NewTopic_t *nt;
        rd_kafka_resp_err_t  err;
        char                 msg[512];
        size_t               i;

        nt = rd_kafka_NewTopic_new(def->name, def->partitions,
                                   def->replication_factor, msg, sizeof(msg));
        if (!nt) {
                snprintf(errstr, errstr_size, "create topic %s: %s",
                         def->name ? def->name : "(null)", msg);
                return BP_ERR_INVALID;
        }
        for (i = 0; i < def->config_cnt; i++) {
                err = rd_kafka_NewTopic_set_config(nt, def->configs[i].key,
                                                   def->configs[i].value);
                if (err) {
                        snprintf(errstr, errstr_size,
                                 "create topic %s: config %s: %s", def->name,
                                 def->configs[i].key ? def->configs[i].key
                                                     : "(null)",
                                 rd_kafka_err2str(err));
                        rd_kafka_NewTopic_destroy(nt);
                        return BP_ERR_INVALID;
                }
        }
        *out = nt;
        return BP_OK;
}

/* Reads the answer to CreateTopics: the request's own error first, then
 * each topic's, where "already exists" counts as success. */
static bp_err_t create_result(rd_kafka_event_t *ev, char *errstr,
                              size_t errstr_size) {
        const rd_kafka_CreateTopics_result_t *res;
        const rd_kafka_topic_result_t       **tres;
        rd_kafka_resp_err_t                   err;
        size_t                                i, cnt;

        if (rd_kafka_event_error(ev)) {
                snprintf(errstr, errstr_size, "create topics: %s",
                         rd_kafka_event_error_string(ev));
                return BP_ERR_KAFKA;
        }
        res  = rd_kafka_event_CreateTopics_result(ev);
        tres = rd_kafka_CreateTopics_result_topics(res, &cnt);
        for (i = 0; i < cnt; i++) {
                err = rd_kafka_topic_result_error(tres[i]);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR ||
                    err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                        continue;
                snprintf(errstr, errstr_size, "create topic %s: %s",
                         rd_kafka_topic_result_name(tres[i]),
                         rd_kafka_topic_result_error_string(tres[i])
                             ? rd_kafka_topic_result_error_string(tres[i])
                             : rd_kafka_err2str(err));
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

/* Admin options carrying timeout_ms both as the request timeout and as the
 * time the controller may take to create the topics. */
static rd_kafka_AdminOptions_t *create_options(rd_kafka_t *rk, int timeout_ms,
                                               char  *errstr,
                                               size_t errstr_size) {
        rd_kafka_AdminOptions_t *opts;
        char                     msg[512];

        opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        if (rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, msg,
                                                      sizeof(msg)) ||
            rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, msg,
                                                        sizeof(msg))) {
                snprintf(errstr, errstr_size, "create topics: %s", msg);
                rd_kafka_AdminOptions_destroy(opts);
                return NULL;
        }
        return opts;
}

bp_err_t bp_kafka_create_topics(rd_kafka_t                 *rk,
                                const bp_kafka_new_topic_t *topics,
                                size_t topic_cnt, int timeout_ms, char *errstr,
                                size_t errstr_size) {
        rd_kafka_NewTopic_t    **nts  = NULL;
        rd_kafka_AdminOptions_t *opts = NULL;
        rd_kafka_queue_t        *rkqu = NULL;
        rd_kafka_event_t        *ev   = NULL;
        bp_err_t                 err  = BP_OK;
        size_t                   i;

        if (topic_cnt == 0)
                return BP_OK;
        nts = calloc(topic_cnt, sizeof(*nts));
        if (!nts) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        for (i = 0; i < topic_cnt && !err; i++)
                err = new_topic(&topics[i], &nts[i], errstr, errstr_size);
        if (err)
                goto out;
        opts = create_options(rk, timeout_ms, errstr, errstr_size);
        if (!opts) {
                err = BP_ERR_INVALID;
                goto out;
        }
        rkqu = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, nts, topic_cnt, opts, rkqu);
        /* The admin request times out by itself at timeout_ms; the margin
         * only guards against that answer being late. */
        ev = rd_kafka_queue_poll(rkqu, timeout_ms + 5000);
        if (!ev) {
                snprintf(errstr, errstr_size,
                         "create topics: no answer within %d ms", timeout_ms);
                err = BP_ERR_KAFKA;
                goto out;
        }
        err = create_result(ev, errstr, errstr_size);
out:
        if (ev)
                rd_kafka_event_destroy(ev);
        if (rkqu)
                rd_kafka_queue_destroy(rkqu);
        if (opts)
                rd_kafka_AdminOptions_destroy(opts);
        for (i = 0; i < topic_cnt; i++)
                if (nts[i])
                        rd_kafka_NewTopic_destroy(nts[i]);
        free(nts);
        return err;
}

const char *bp_kafka_class_name(bp_kafka_class_t cls) {
        switch (cls) {
        case BP_KAFKA_OK:
                return "ok";
        case BP_KAFKA_RETRIABLE:
                return "retriable";
        case BP_KAFKA_ABORTABLE:
                return "abortable";
        case BP_KAFKA_FATAL:
                return "fatal";
        }
        return "?";
}

bp_kafka_class_t bp_kafka_error_class(const rd_kafka_error_t *error) {
        if (!error)
                return BP_KAFKA_OK;
        if (rd_kafka_error_is_fatal(error))
                return BP_KAFKA_FATAL;
        if (rd_kafka_error_txn_requires_abort(error))
                return BP_KAFKA_ABORTABLE;
        if (rd_kafka_error_is_retriable(error))
                return BP_KAFKA_RETRIABLE;
        return BP_KAFKA_FATAL;
}

bp_kafka_class_t bp_kafka_err_class(rd_kafka_resp_err_t err) {
        switch (err) {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
                return BP_KAFKA_OK;
        /* The client cannot go on: fenced by a newer instance, refused by
         * the cluster's ACLs or authentication, or misconfigured. An
         * INVALID_PRODUCER_EPOCH in a delivery report is not here: the
         * transaction fails on it, and a real fencing shows as a fatal
         * error when it commits. */
        case RD_KAFKA_RESP_ERR__FATAL:
        case RD_KAFKA_RESP_ERR__FENCED:
        case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
        case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        case RD_KAFKA_RESP_ERR__SSL:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT:
        case RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT:
        case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
                return BP_KAFKA_FATAL;
        /* Brokers moving leadership, restarting, loading or slow: the same
         * call succeeds once the cluster has settled. */
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__WAIT_COORD:
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
                return BP_KAFKA_RETRIABLE;
        default:
                return BP_KAFKA_ABORTABLE;
        }
}

bool bp_kafka_err_record_attributable(rd_kafka_resp_err_t err) {
        switch (err) {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
        case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
        case RD_KAFKA_RESP_ERR_INVALID_RECORD:
        case RD_KAFKA_RESP_ERR_INVALID_MSG: /* CORRUPT_MESSAGE */
        case RD_KAFKA_RESP_ERR__BAD_MSG:
                return true;
        default:
                return false;
        }
}

/* Rewinds the partition of rkm to rkm, so that the record is fetched
 * again. */
static bp_err_t seek_back(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                          int timeout_ms, char *errstr, size_t errstr_size) {
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_error_t                *error;
        bp_err_t                         err = BP_OK;

        parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, rd_kafka_topic_name(rkm->rkt),
                                          rkm->partition)
            ->offset = rkm->offset;
        error        = rd_kafka_seek_partitions(rk, parts, timeout_ms);
        if (error || parts->elems[0].err) {
                snprintf(errstr, errstr_size,
                         "seek %s [%" PRId32 "] to %" PRId64 ": %s",
                         rd_kafka_topic_name(rkm->rkt), rkm->partition,
                         rkm->offset,
                         error ? rd_kafka_error_string(error)
                               : rd_kafka_err2str(parts->elems[0].err));
                err = BP_ERR_KAFKA;
        }
        if (error)
                rd_kafka_error_destroy(error);
        rd_kafka_topic_partition_list_destroy(parts);
        return err;
}

/* Number of partitions assigned to rk now, or -1 with errstr set. */
static int assigned_cnt(rd_kafka_t *rk, char *errstr, size_t errstr_size) {
        rd_kafka_topic_partition_list_t *parts = NULL;
        rd_kafka_resp_err_t              err;
        int                              cnt;

        err = rd_kafka_assignment(rk, &parts);
        if (err) {
                snprintf(errstr, errstr_size, "assignment: %s",
                         rd_kafka_err2str(err));
                return -1;
        }
        cnt = parts->cnt;
        rd_kafka_topic_partition_list_destroy(parts);
        return cnt;
}

/* Handles what one consumer poll returned while waiting. librdkafka
 * (2.0.2) returns from the poll that served a rebalance before any record
 * of the new assignment, and the assignment is looked at before each poll,
 * so a record should not come here; if one does (another version, another
 * rebalance protocol), it is rewound rather than lost. */
static bp_err_t wait_handle(rd_kafka_t *rk, rd_kafka_message_t *rkm,
                            char *errstr, size_t errstr_size) {
        char fatal[512];

        if (!rkm->err)
                return seek_back(rk, rkm, 5000, errstr, errstr_size);
        if (rkm->err != RD_KAFKA_RESP_ERR__FATAL)
                return BP_OK; /* librdkafka recovers from the others */
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        snprintf(errstr, errstr_size, "consumer: fatal error: %s", fatal);
        return BP_ERR_KAFKA;
}

bp_err_t bp_kafka_wait_assignment(rd_kafka_t *rk, int timeout_ms, char *errstr,
                                  size_t errstr_size) {
        int64_t             deadline = now_ms() + timeout_ms;
        int64_t             left;
        rd_kafka_message_t *rkm;
        bp_err_t            err;
        int                 cnt;

        for (;;) {
                cnt = assigned_cnt(rk, errstr, errstr_size);
                if (cnt < 0)
                        return BP_ERR_KAFKA;
                if (cnt > 0)
                        return BP_OK;
                left = deadline - now_ms();
                if (left <= 0) {
                        snprintf(errstr, errstr_size,
                                 "no partition assigned within %d ms",
                                 timeout_ms);
                        return BP_ERR_NOT_FOUND;
                }
                rkm = rd_kafka_consumer_poll(rk, left < BP_KAFKA_WAIT_SLICE_MS
                                                     ? (int)left
                                                     : BP_KAFKA_WAIT_SLICE_MS);
                if (!rkm)
                        continue;
                err = wait_handle(rk, rkm, errstr, errstr_size);
                rd_kafka_message_destroy(rkm);
                if (err)
                        return err;
        }
}

void bp_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                     const char *buf) {
        fprintf(stderr, "kafka level=%d fac=%s client=%s msg=%s\n", level, fac,
                rd_kafka_name(rk), buf);
}
