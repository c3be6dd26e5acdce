/*
 * bp_topic_out.c - badge events to a scratch topic (see bp_topic_out.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_kafka.h"
#include "bp_topic_out.h"

struct bp_topic_out_s {
        rd_kafka_t *rk;
        bp_codec_t *codec;
        char        topic[BP_KAFKA_TOPIC_MAX + 1];
        bp_buf_t    buf;
        size_t      failed;   /* delivery reports with an error */
        char        why[256]; /* the first such error */
};

int bp_topic_out_check_name(const char *topic, const char *const *avoid,
                            size_t avoid_cnt, char *errstr,
                            size_t errstr_size) {
        static const char *const live[] = {"badge-events", "badge-dlq",
                                           "badge-state-changelog"};
        size_t                   i;

        if (bp_kafka_topic_check(topic, errstr, errstr_size))
                return -1;
        for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
                if (!strcmp(topic, live[i]))
                        goto refused;
        for (i = 0; i < avoid_cnt; i++)
                if (!strcmp(topic, avoid[i]))
                        goto refused;
        return 0;
refused:
        snprintf(errstr, errstr_size,
                 "%s is a live topic of the service; replay writes only to a "
                 "topic of its own",
                 topic);
        return -1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque) {
        bp_topic_out_t *out = opaque;

        (void)rk;
        if (!rkm->err)
                return;
        if (out->failed++ == 0)
                snprintf(out->why, sizeof(out->why), "%s",
                         rd_kafka_err2str(rkm->err));
}

bp_topic_out_t *bp_topic_out_new(const bp_cli_kafka_t *k, const char *topic,
                                 bp_codec_t *codec, char *errstr,
                                 size_t errstr_size) {
        static const bp_kafka_kv_t kv[] = {
            {"enable.idempotence", "true"},
            {"linger.ms", "20"},
            {"client.id", "badgeproc-replay-out"}};
        bp_topic_out_t  *out = calloc(1, sizeof(*out));
        rd_kafka_conf_t *conf;

        if (!out) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        out->codec = codec;
        snprintf(out->topic, sizeof(out->topic), "%s", topic);
        conf = bp_cli_kafka_conf(k, kv, sizeof(kv) / sizeof(kv[0]), errstr,
                                 errstr_size);
        if (!conf)
                goto fail;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, out);
        out->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
        if (!out->rk) {
                rd_kafka_conf_destroy(conf);
                goto fail;
        }
        return out;
fail:
        free(out);
        return NULL;
}

bp_err_t bp_topic_out_send(bp_topic_out_t *out, const bp_badge_event_t *ev,
                           char *errstr, size_t errstr_size) {
        rd_kafka_resp_err_t err;
        bp_err_t            e;

        if (out->failed) {
                snprintf(errstr, errstr_size, "delivery failed: %s", out->why);
                return BP_ERR_KAFKA;
        }
        bp_buf_reset(&out->buf);
        if ((e = bp_codec_encode_badge(out->codec, ev, &out->buf, errstr,
                                       errstr_size)))
                return e;
        for (;;) {
                err = rd_kafka_producev(
                    out->rk, RD_KAFKA_V_TOPIC(out->topic),
                    RD_KAFKA_V_KEY(ev->freelancer_id,
                                   strlen(ev->freelancer_id)),
                    RD_KAFKA_V_VALUE(out->buf.data, out->buf.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(out->rk, 100);
        }
        if (err) {
                snprintf(errstr, errstr_size, "produce to %s: %s", out->topic,
                         rd_kafka_err2str(err));
                return BP_ERR_KAFKA;
        }
        rd_kafka_poll(out->rk, 0);
        return BP_OK;
}

bp_err_t bp_topic_out_flush(bp_topic_out_t *out, int timeout_ms, char *errstr,
                            size_t errstr_size) {
        rd_kafka_resp_err_t err = rd_kafka_flush(out->rk, timeout_ms);

        if (err) {
                snprintf(errstr, errstr_size,
                         "%d records not delivered to %s in %d ms",
                         rd_kafka_outq_len(out->rk), out->topic, timeout_ms);
                return BP_ERR_KAFKA;
        }
        if (out->failed) {
                snprintf(errstr, errstr_size, "%zu records not delivered: %s",
                         out->failed, out->why);
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

void bp_topic_out_destroy(bp_topic_out_t *out) {
        if (!out)
                return;
        if (out->rk)
                rd_kafka_destroy(out->rk);
        bp_buf_free(&out->buf);
        free(out);
}
