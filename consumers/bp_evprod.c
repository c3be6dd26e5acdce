/*
 * bp_evprod.c - input events onto their Kafka topics (see bp_evprod.h).
 *
 * Delivery reports and the error callback only count and remember: they
 * run inside rd_kafka_poll() on the caller's thread, so the counts need no
 * lock, and a fatal error is acted on by the next call that looks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp_codec.h"
#include "bp_evprod.h"

/* Bound on the metadata request that checks the topics. */
#define BP_EVPROD_TMO_MS 10000

struct bp_evprod_s {
        char               topic[BP_EV__CNT][BP_KAFKA_TOPIC_MAX + 1];
        const char        *cmd;
        const char        *tag_name;
        rd_kafka_t        *rk;
        bp_codec_t        *codec;
        bp_buf_t           value;
        bp_evprod_counts_t counts;
        int                fatal; /* set by the error callback */
        char               fatal_msg[512];
};

/* The topic of each event type, checked. */
static bp_err_t topic_names(bp_evprod_t *ep, const bp_evprod_conf_t *conf,
                            char *errstr, size_t errstr_size) {
        char why[512];
        int  t, n;

        for (t = 0; t < BP_EV__CNT; t++) {
                if (conf->topics)
                        n = snprintf(ep->topic[t], sizeof(ep->topic[t]), "%s",
                                     conf->topics[t]);
                else
                        n = snprintf(ep->topic[t], sizeof(ep->topic[t]), "%s%s",
                                     conf->prefix ? conf->prefix : "",
                                     bp_event_type_name((bp_event_type_t)t));
                if (n < 0 || (size_t)n >= sizeof(ep->topic[t]) ||
                    bp_kafka_topic_check(ep->topic[t], why, sizeof(why))) {
                        snprintf(errstr, errstr_size, "bad topic name \"%s\"",
                                 ep->topic[t]);
                        return BP_ERR_INVALID;
                }
        }
        return BP_OK;
}

/* Delivery reports: count, and name the tag of each failed record. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque) {
        bp_evprod_t *ep = opaque;
        char         q[600];
        (void)rk;

        if (!rkm->err) {
                ep->counts.delivered++;
                return;
        }
        ep->counts.failed++;
        bp_cli_log("error", ep->cmd,
                   "msg=\"not delivered\" %s=%" PRIuPTR " topic=%s error=%s",
                   ep->tag_name, (uintptr_t)rkm->_private,
                   rd_kafka_topic_name(rkm->rkt),
                   bp_cli_quote(rd_kafka_err2str(rkm->err), q, sizeof(q)));
}

/* Global errors: a fatal one stops the run; librdkafka recovers from the
 * others by itself, so they are only logged. */
static void on_error(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque) {
        bp_evprod_t *ep = opaque;
        char         q[600];

        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                rd_kafka_fatal_error(rk, ep->fatal_msg, sizeof(ep->fatal_msg));
                ep->fatal = 1;
                return;
        }
        bp_cli_log("warn", ep->cmd, "msg=\"kafka error\" error=%s",
                   bp_cli_quote(reason, q, sizeof(q)));
}

/* Creates the idempotent producer; -X properties come last and win. */
static bp_err_t open_producer(bp_evprod_t *ep, const bp_evprod_conf_t *conf,
                              char *errstr, size_t errstr_size) {
        char                client_id[64];
        const bp_kafka_kv_t kv[] = {
            {"enable.idempotence", "true"},
            {"client.id", client_id},
            /* A tool should fail in seconds, not the default 5 minutes,
             * when the cluster is away. */
            {"message.timeout.ms", "30000"}};
        rd_kafka_conf_t *kconf;
        char             why[512];

        snprintf(client_id, sizeof(client_id), "badgeproc-%s", conf->cmd);
        if (conf->client_id)
                snprintf(client_id, sizeof(client_id), "%s", conf->client_id);
        kconf = bp_cli_kafka_conf(conf->kafka, kv, sizeof(kv) / sizeof(kv[0]),
                                  why, sizeof(why));
        if (!kconf) {
                snprintf(errstr, errstr_size, "bad configuration: %s", why);
                return BP_ERR_CONFIG;
        }
        rd_kafka_conf_set_opaque(kconf, ep);
        rd_kafka_conf_set_dr_msg_cb(kconf, on_delivery);
        rd_kafka_conf_set_error_cb(kconf, on_error);
        ep->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kconf, why, sizeof(why));
        if (!ep->rk) {
                rd_kafka_conf_destroy(kconf);
                snprintf(errstr, errstr_size, "cannot create producer: %s",
                         why);
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

/* The codec, with each input type's schema id settled before the first
 * record (registered under our topic names when a registry is used). */
static bp_err_t open_codec(bp_evprod_t *ep, const bp_evprod_conf_t *conf,
                           char *errstr, size_t errstr_size) {
        bp_codec_conf_t cconf = {0};
        char            why[512];
        int             t;

        cconf.schema_map   = conf->kafka->schema_map;
        cconf.registry_url = conf->kafka->registry;
        ep->codec          = bp_codec_new(&cconf, why, sizeof(why));
        if (!ep->codec) {
                snprintf(errstr, errstr_size, "cannot load schemas: %s", why);
                return BP_ERR_SCHEMA;
        }
        for (t = 0; t < BP_EV__CNT; t++) {
                if (bp_codec_register(ep->codec, (bp_record_kind_t)t,
                                      ep->topic[t], NULL, why, sizeof(why))) {
                        snprintf(errstr, errstr_size,
                                 "cannot settle schema id: %s", why);
                        return BP_ERR_SCHEMA;
                }
        }
        return BP_OK;
}

bp_evprod_t *bp_evprod_new(const bp_evprod_conf_t *conf, int *usage,
                           char *errstr, size_t errstr_size) {
        bp_evprod_t *ep = calloc(1, sizeof(*ep));
        const char  *topics[BP_EV__CNT];
        char         why[512];
        int          t;

        if (usage)
                *usage = 0;
        if (!ep) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        ep->cmd      = conf->cmd;
        ep->tag_name = conf->tag_name ? conf->tag_name : "record";
        if (topic_names(ep, conf, errstr, errstr_size)) {
                if (usage)
                        *usage = 1;
                goto fail;
        }
        if (open_codec(ep, conf, errstr, errstr_size) ||
            open_producer(ep, conf, errstr, errstr_size))
                goto fail;
        for (t = 0; t < BP_EV__CNT; t++)
                topics[t] = ep->topic[t];
        if (bp_kafka_check_copartitioned(ep->rk, topics, BP_EV__CNT,
                                         BP_EVPROD_TMO_MS, NULL, why,
                                         sizeof(why))) {
                snprintf(errstr, errstr_size, "input topics not usable: %s",
                         why);
                goto fail;
        }
        return ep;
fail:
        bp_evprod_destroy(ep);
        return NULL;
}

bp_err_t bp_evprod_send(bp_evprod_t *ep, const bp_event_t *ev, uint64_t tag,
                        char *errstr, size_t errstr_size) {
        rd_kafka_resp_err_t err;
        bp_err_t            rc;

        /* Kafka has no timestamps before 1970, and librdkafka reads a
         * timestamp of 0 as "now": either would misplace the event in the
         * runtime's merge by time. */
        if (ev->occurred_at <= 0) {
                snprintf(errstr, errstr_size,
                         "occurred_at %" PRId64 " cannot be a Kafka "
                         "timestamp (must be after 1970-01-01T00:00:00Z)",
                         ev->occurred_at);
                return BP_ERR_INVALID;
        }
        bp_buf_reset(&ep->value);
        rc = bp_codec_encode_event(ep->codec, ev, &ep->value, errstr,
                                   errstr_size);
        if (rc)
                return rc == BP_ERR_NOMEM ? rc : BP_ERR_INVALID;
        do {
                err = rd_kafka_producev(
                    ep->rk, RD_KAFKA_V_TOPIC(ep->topic[ev->type]),
                    RD_KAFKA_V_KEY(ev->freelancer_id,
                                   strlen(ev->freelancer_id)),
                    RD_KAFKA_V_VALUE(ep->value.data, ep->value.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_TIMESTAMP(ev->occurred_at),
                    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)tag), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(ep->rk, 100);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !bp_cli_stopping() &&
                 !ep->fatal);
        if (err == RD_KAFKA_RESP_ERR__FATAL || ep->fatal ||
            err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                snprintf(errstr, errstr_size, "%s",
                         ep->fatal ? ep->fatal_msg : "stopped");
                return BP_ERR_KAFKA;
        }
        if (err) {
                snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
                return BP_ERR_INVALID;
        }
        ep->counts.queued++;
        rd_kafka_poll(ep->rk, 0); /* delivery reports */
        return BP_OK;
}

void bp_evprod_poll(bp_evprod_t *ep, int timeout_ms) {
        rd_kafka_poll(ep->rk, timeout_ms);
}

bp_err_t bp_evprod_flush(bp_evprod_t *ep, int timeout_ms) {
        time_t end = time(NULL) + (timeout_ms + 999) / 1000;

        while (rd_kafka_outq_len(ep->rk) > 0 && !ep->fatal && time(NULL) < end)
                rd_kafka_flush(ep->rk, 100);
        if (rd_kafka_outq_len(ep->rk) > 0) {
                /* Purged records get a failed delivery report each. */
                rd_kafka_purge(ep->rk, RD_KAFKA_PURGE_F_QUEUE |
                                           RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_poll(ep->rk, 0);
        }
        return ep->counts.failed == 0 &&
                       ep->counts.delivered == ep->counts.queued
                   ? BP_OK
                   : BP_ERR_KAFKA;
}

void bp_evprod_counts(const bp_evprod_t *ep, bp_evprod_counts_t *out) {
        *out = ep->counts;
}

const char *bp_evprod_topic(const bp_evprod_t *ep, bp_event_type_t type) {
        return ep->topic[type];
}

int bp_evprod_fatal(const bp_evprod_t *ep, char *errstr, size_t errstr_size) {
        if (ep->fatal)
                snprintf(errstr, errstr_size, "%s", ep->fatal_msg);
        return ep->fatal;
}

void bp_evprod_destroy(bp_evprod_t *ep) {
        if (!ep)
                return;
        /* No rd_kafka_wait_destroyed() here: it waits for every handle
         * of the process, and the demo keeps others open. */
        if (ep->rk)
                rd_kafka_destroy(ep->rk);
        bp_codec_destroy(ep->codec);
        bp_buf_free(&ep->value);
        free(ep);
}
