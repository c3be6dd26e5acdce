/*
 * bp_kafka.h - small librdkafka helpers shared by the runtime and the tools.
 *
 * Everything here wraps one librdkafka chore that several programs need and
 * that is easy to get subtly wrong: building a configuration with errors that
 * name the key, reading partition counts without creating topics by
 * accident, checking that the input topics are co-partitioned, creating
 * topics through the Admin API, deciding in one place whether an error is
 * worth a retry, an abort of the transaction in flight or a stop, and
 * waiting for a consumer group assignment.
 *
 * Errors are bp_err_t with librdkafka's own text kept in the caller's errstr
 * ("kafka config linger.ms: Invalid value \"x\" for configuration property
 * \"linger.ms\""). No function here keeps a reference to its arguments once
 * it returns.
 */
#ifndef BP_KAFKA_H
#define BP_KAFKA_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "bp_error.h"

/** One librdkafka configuration property. */
typedef struct bp_kafka_kv_s {
        const char *key;
        const char *value;
} bp_kafka_kv_t;

/**
 * Sets key=value on conf. On failure returns BP_ERR_CONFIG with errstr
 * "kafka config KEY: librdkafka's message". The value is not added,
 * since it may be a password (librdkafka quotes it only for properties
 * of a fixed form: numbers, enums, booleans). conf stays owned by the
 * caller.
 */
bp_err_t bp_kafka_conf_set(rd_kafka_conf_t *conf, const char *key,
                           const char *value, char *errstr, size_t errstr_size);

/**
 * Sets the kv_cnt properties of kv on conf in order (a later key overrides
 * an earlier one), e.g. the user's properties over a program's defaults.
 * Stops at the first property refused: BP_ERR_CONFIG with errstr as by
 * bp_kafka_conf_set(); conf then holds the properties before it.
 */
bp_err_t bp_kafka_conf_apply(rd_kafka_conf_t *conf, const bp_kafka_kv_t *kv,
                             size_t kv_cnt, char *errstr, size_t errstr_size);

/**
 * Creates a configuration with the kv_cnt properties of kv applied in order
 * (a later key overrides an earlier one). Returns a new rd_kafka_conf_t
 * owned by the caller (pass it to rd_kafka_new(), or free it with
 * rd_kafka_conf_destroy()), or NULL with errstr set as by
 * bp_kafka_conf_set() for the first property refused.
 */
rd_kafka_conf_t *bp_kafka_conf_new(const bp_kafka_kv_t *kv, size_t kv_cnt,
                                   char *errstr, size_t errstr_size);

/** Longest topic name Kafka accepts. */
#define BP_KAFKA_TOPIC_MAX 249

/**
 * Checks that name is a legal Kafka topic name: 1..BP_KAFKA_TOPIC_MAX
 * characters from [a-zA-Z0-9._-], and not "." or "..". Returns BP_OK or
 * BP_ERR_INVALID with errstr saying why ("topic name \"a...\" has an
 * illegal character (code 32) at position 2"). Tools check names from flags
 * before asking a broker, whose own answer is less clear.
 */
bp_err_t bp_kafka_topic_check(const char *name, char *errstr,
                              size_t errstr_size);

/**
 * Sets *partition_cnt to the number of partitions of topic, from cluster
 * metadata fetched within timeout_ms.
 *
 * The metadata of every topic is requested rather than that of topic
 * alone: a request naming a topic makes brokers with automatic topic
 * creation (and librdkafka's mock cluster, always) create it, which would
 * turn a typo into a new topic instead of an error.
 *
 * Returns BP_OK; BP_ERR_NOT_FOUND ("topic T does not exist"); BP_ERR_KAFKA
 * when metadata could not be fetched in time or the broker reports an
 * error for the topic (which may clear on a retry, e.g. just after the
 * topic was created).
 */
bp_err_t bp_kafka_partition_count(rd_kafka_t *rk, const char *topic,
                                  int timeout_ms, int *partition_cnt,
                                  char *errstr, size_t errstr_size);

/**
 * Checks that the topic_cnt topics exist and have the same partition
 * count, with one metadata request (see bp_kafka_partition_count()), and
 * sets *partition_cnt (may be NULL) to that count.
 *
 * Returns BP_OK; BP_ERR_NOT_FOUND naming the first missing topic;
 * BP_ERR_CONFIG when the counts differ, listing every topic with its
 * count ("topics are not co-partitioned: profile-updated has 6
 * partitions, contract-completed has 4, ..."); BP_ERR_KAFKA as
 * bp_kafka_partition_count(); BP_ERR_INVALID when topic_cnt is 0.
 */
bp_err_t bp_kafka_check_copartitioned(rd_kafka_t *rk, const char *const *topics,
                                      size_t topic_cnt, int timeout_ms,
                                      int *partition_cnt, char *errstr,
                                      size_t errstr_size);

/** A topic to create: name, partitions, replication factor and topic
 *  configs such as {"cleanup.policy", "compact"}. */
typedef struct bp_kafka_new_topic_s {
        const char          *name;
        int                  partitions;
        int                  replication_factor;
        const bp_kafka_kv_t *configs;
        size_t               config_cnt;
} bp_kafka_new_topic_t;

/**
 * Creates the topic_cnt topics with the Admin API, waiting at most
 * timeout_ms for the cluster's answer. A topic that already exists is not
 * an error (its partition count and configs are left as they are: check
 * them with bp_kafka_check_copartitioned() where it matters).
 *
 * Returns BP_OK, BP_ERR_INVALID for a definition librdkafka refuses
 * (errstr names the topic), or BP_ERR_KAFKA with the first failing
 * topic's name and the broker's message ("create topic badge-dlq:
 * Broker: Invalid replication factor"), or the request's error when it
 * failed as a whole (a timeout).
 *
 * librdkafka's mock cluster (2.0.2) does not implement CreateTopics: there
 * the call fails with a timeout; create mock topics with
 * rd_kafka_mock_topic_create() instead.
 */
bp_err_t bp_kafka_create_topics(rd_kafka_t                 *rk,
                                const bp_kafka_new_topic_t *topics,
                                size_t topic_cnt, int timeout_ms, char *errstr,
                                size_t errstr_size);

/** What to do about an error, from mildest to worst. */
typedef enum bp_kafka_class_e {
        BP_KAFKA_OK = 0,    /* no error */
        BP_KAFKA_RETRIABLE, /* transient: retry the same call */
        BP_KAFKA_ABORTABLE, /* abort the transaction (batch) and redo it */
        BP_KAFKA_FATAL      /* the client is unusable: stop the process */
} bp_kafka_class_t;

/** "ok", "retriable", "abortable", "fatal". */
const char *bp_kafka_class_name(bp_kafka_class_t cls);

/**
 * Classifies an error object returned by the transactional and other newer
 * calls, trusting librdkafka's flags in the order examples/transactions.c
 * checks them: fatal, then requires-abort, then retriable. An error with
 * none of the flags is fatal, as librdkafka documents for the
 * transactional API: the process stops rather than guess. NULL is
 * BP_KAFKA_OK. error is not destroyed.
 */
bp_kafka_class_t bp_kafka_error_class(const rd_kafka_error_t *error);

/**
 * Classifies a bare error code, as delivery reports, consumer error events
 * and error callbacks carry. RD_KAFKA_RESP_ERR__FATAL and the codes that
 * mean this producer was fenced, not authorised or misconfigured are
 * fatal; codes of brokers moving, restarting or being slow are retriable;
 * every other error is abortable: the batch in flight cannot be trusted,
 * and redoing it is always safe. RD_KAFKA_RESP_ERR_NO_ERROR is
 * BP_KAFKA_OK.
 */
bp_kafka_class_t bp_kafka_err_class(rd_kafka_resp_err_t err);

/**
 * Is err one that a record being produced can cause by itself, so that
 * producing the same record again fails the same way: the record (or the
 * record batch holding it) is larger than the broker or the topic takes
 * (MSG_SIZE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_MSG_SIZE), or the
 * broker refused its content (INVALID_RECORD, CORRUPT_MESSAGE, a
 * malformed message). Such an error is abortable (bp_kafka_err_class);
 * this says the batch's records, not the cluster, are the suspects. No
 * retriable or fatal code is one.
 */
bool bp_kafka_err_record_attributable(rd_kafka_resp_err_t err);

/**
 * Serves consumer rk (subscribed to its topics) until its assignment is
 * not empty, for at most timeout_ms. Use it after rd_kafka_subscribe()
 * when a program must not start before it owns partitions; an installed
 * rebalance callback is served as usual.
 *
 * No record is consumed by the wait: the caller's first poll returns the
 * first record (one that arrives while waiting anyway is sought back to).
 * Error events end the wait only when fatal.
 *
 * Returns BP_OK; BP_ERR_NOT_FOUND when nothing was assigned in time
 * (there may be more members than partitions); BP_ERR_KAFKA for a fatal
 * consumer error or a failed seek, with librdkafka's message.
 */
bp_err_t bp_kafka_wait_assignment(rd_kafka_t *rk, int timeout_ms, char *errstr,
                                  size_t errstr_size);

/**
 * A log callback for rd_kafka_conf_set_log_cb() that writes librdkafka's
 * log lines to stderr as "kafka level=N fac=FAC client=NAME msg=...", one
 * line each, so that they read like the rest of the program's logs.
 */
void bp_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                     const char *buf);

#endif
