/*
 * bp_mock.c - librdkafka's mock Kafka cluster, hosted in this process.
 *
 * See bp_mock.h. The hosting client handle does no work of its own: it
 * only gives the mock brokers their threads and a place to log.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bp_kafka.h"
#include "bp_mock.h"

struct bp_mock_s {
        rd_kafka_t              *rk; /* hosts the cluster */
        rd_kafka_mock_cluster_t *mcluster;
        int                      broker_cnt;
};

/* The configuration of the hosting handle. */
static rd_kafka_conf_t *host_conf(char *errstr, size_t errstr_size) {
        /* The host has no bootstrap.servers (it is not a client of
         * anything), which librdkafka reports as a notice on every start:
         * level 4 keeps warnings and errors, the mock brokers' included. */
        static const bp_kafka_kv_t kv[] = {
            {"client.id", "badgeproc-mock-cluster"},
            {"log_level", "4"},
        };
        rd_kafka_conf_t *conf;

        conf = bp_kafka_conf_new(kv, sizeof(kv) / sizeof(kv[0]), errstr,
                                 errstr_size);
        if (conf)
                rd_kafka_conf_set_log_cb(conf, bp_kafka_log_cb);
        return conf;
}

bp_mock_t *bp_mock_new(int broker_cnt, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf;
        bp_mock_t       *mock;
        char             msg[512];

        if (broker_cnt < 1 || broker_cnt > BP_MOCK_BROKERS_MAX) {
                snprintf(errstr, errstr_size,
                         "mock cluster: %d brokers, must be 1..%d", broker_cnt,
                         BP_MOCK_BROKERS_MAX);
                return NULL;
        }
        mock = calloc(1, sizeof(*mock));
        if (!mock) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        mock->broker_cnt = broker_cnt;
        conf             = host_conf(errstr, errstr_size);
        if (!conf)
                goto fail;
        mock->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof(msg));
        if (!mock->rk) {
                rd_kafka_conf_destroy(conf); /* only owned by rk on success */
                snprintf(errstr, errstr_size, "mock cluster host: %s", msg);
                goto fail;
        }
        mock->mcluster = rd_kafka_mock_cluster_new(mock->rk, broker_cnt);
        if (!mock->mcluster) {
                snprintf(errstr, errstr_size,
                         "mock cluster: could not start %d brokers "
                         "(no free loopback port?)",
                         broker_cnt);
                goto fail;
        }
        return mock;
fail:
        bp_mock_destroy(mock);
        return NULL;
}

void bp_mock_destroy(bp_mock_t *mock) {
        if (!mock)
                return;
        /* The cluster runs on the host's threads: it goes first. */
        if (mock->mcluster)
                rd_kafka_mock_cluster_destroy(mock->mcluster);
        if (mock->rk)
                rd_kafka_destroy(mock->rk);
        free(mock);
}

const char *bp_mock_bootstraps(const bp_mock_t *mock) {
        return rd_kafka_mock_cluster_bootstraps(mock->mcluster);
}

rd_kafka_mock_cluster_t *bp_mock_cluster(bp_mock_t *mock) {
        return mock->mcluster;
}

int bp_mock_broker_cnt(const bp_mock_t *mock) {
        return mock->broker_cnt;
}

bp_err_t bp_mock_create_topic(bp_mock_t *mock, const char *topic,
                              int partition_cnt, char *errstr,
                              size_t errstr_size) {
        rd_kafka_resp_err_t err;
        bp_err_t            berr;
        int replicas = mock->broker_cnt < 3 ? mock->broker_cnt : 3;

        berr = bp_kafka_topic_check(topic, errstr, errstr_size);
        if (berr)
                return berr;
        if (partition_cnt < 1 || partition_cnt > BP_MOCK_PARTITIONS_MAX) {
                snprintf(errstr, errstr_size,
                         "topic %s: %d partitions, must be 1..%d", topic,
                         partition_cnt, BP_MOCK_PARTITIONS_MAX);
                return BP_ERR_INVALID;
        }
        err = rd_kafka_mock_topic_create(mock->mcluster, topic, partition_cnt,
                                         replicas);
        if (err) {
                snprintf(errstr, errstr_size, "create topic %s: %s", topic,
                         rd_kafka_err2str(err));
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}
