/*
 * bp_mock.h - librdkafka's mock Kafka cluster, hosted in this process.
 *
 * The mock cluster is a real Kafka-protocol server on loopback ports: our
 * clients and kcat talk to it over TCP like to any cluster. librdkafka
 * needs a client handle to host it; bp_mock_t owns both, so one call gives
 * a running cluster and one call stops it. It is the broker of
 * `badgeproc mock-cluster`, of the demo and of the integration tests,
 * which also reach the underlying rd_kafka_mock_cluster_t for fault
 * injection (rd_kafka_mock_push_request_errors, broker down/up).
 *
 * Limits of the 2.0.2 mock that matter here (DESIGN.md lists the rest): no
 * CreateTopics (create topics with bp_mock_create_topic()), a topic named
 * in a metadata request is created on the fly with 4 partitions, and each
 * partition keeps only its last 5 MiB.
 */
#ifndef BP_MOCK_H
#define BP_MOCK_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "bp_error.h"

/** Most brokers a mock cluster may have here: each is a thread and a
 *  listening socket, and tests never need more. */
#define BP_MOCK_BROKERS_MAX 16
/** Most partitions per topic accepted by bp_mock_create_topic(). */
#define BP_MOCK_PARTITIONS_MAX 1024

/** Kafka protocol API keys, for rd_kafka_mock_push_request_errors():
 *  librdkafka does not install its own names for them. */
typedef enum bp_mock_api_e {
        BP_MOCK_API_PRODUCE               = 0,
        BP_MOCK_API_FETCH                 = 1,
        BP_MOCK_API_LIST_OFFSETS          = 2,
        BP_MOCK_API_METADATA              = 3,
        BP_MOCK_API_OFFSET_COMMIT         = 8,
        BP_MOCK_API_OFFSET_FETCH          = 9,
        BP_MOCK_API_FIND_COORDINATOR      = 10,
        BP_MOCK_API_JOIN_GROUP            = 11,
        BP_MOCK_API_HEARTBEAT             = 12,
        BP_MOCK_API_SYNC_GROUP            = 14,
        BP_MOCK_API_INIT_PRODUCER_ID      = 22,
        BP_MOCK_API_ADD_PARTITIONS_TO_TXN = 24,
        BP_MOCK_API_ADD_OFFSETS_TO_TXN    = 25,
        BP_MOCK_API_END_TXN               = 26,
        BP_MOCK_API_TXN_OFFSET_COMMIT     = 28
} bp_mock_api_t;

typedef struct bp_mock_s bp_mock_t;

/**
 * Starts a mock cluster of broker_cnt brokers (1..BP_MOCK_BROKERS_MAX) on
 * 127.0.0.1 with ports chosen by the system. Returns a new bp_mock_t owned
 * by the caller (bp_mock_destroy()), or NULL with errstr set.
 */
bp_mock_t *bp_mock_new(int broker_cnt, char *errstr, size_t errstr_size);

/**
 * Stops the cluster and frees everything it holds: connected clients see
 * their brokers go away. NULL is a no-op.
 */
void bp_mock_destroy(bp_mock_t *mock);

/** The bootstrap servers, "127.0.0.1:PORT,127.0.0.1:PORT,...". Valid until
 *  bp_mock_destroy(). */
const char *bp_mock_bootstraps(const bp_mock_t *mock);

/** The underlying mock cluster, for fault injection. Owned by mock. */
rd_kafka_mock_cluster_t *bp_mock_cluster(bp_mock_t *mock);

/** The number of brokers the cluster was started with. */
int bp_mock_broker_cnt(const bp_mock_t *mock);

/**
 * Creates topic with partition_cnt partitions (1..BP_MOCK_PARTITIONS_MAX),
 * replicated on min(3, brokers) brokers. Returns BP_OK, BP_ERR_INVALID for
 * a bad name or count, or BP_ERR_KAFKA with the mock's error (a topic that
 * exists already, for instance).
 */
bp_err_t bp_mock_create_topic(bp_mock_t *mock, const char *topic,
                              int partition_cnt, char *errstr,
                              size_t errstr_size);

#endif
