/*
 * bp_demo_feed.c - the demo's view of the processor's output (see
 * bp_demo_feed.h).
 *
 * Positions are tracked per output partition from both records and
 * end-of-partition events, because the last offsets of a partition
 * written in transactions may be commit markers that no record shows:
 * only the end-of-partition event says that the reader got past them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "bp_checkpoint.h"
#include "bp_codec.h"
#include "bp_demo_feed.h"
#include "bp_jsonl.h"
#include "bp_kafka.h"
#include "bp_log.h"
#include "bp_runner.h"

enum { OUT_BADGES = 0, OUT_DLQ = 1, OUT_CNT = 2 };

struct bp_demo_feed_s {
        rd_kafka_t           *rk;
        bp_codec_t           *codec;
        char                 *topics[3]; /* badges, dlq, changelog */
        int                   partition_cnt;
        FILE                 *feed, *output;
        bp_buf_t              buf;
        bp_demo_feed_counts_t counts;
        /* Per partition: committed input offsets (from __offsets), the
         * target ends of the inputs, the outputs read so far and their
         * ends once caught up. */
        bp_checkpoint_t *committed;
        int64_t (*input_end)[BP_EV__CNT];
        int64_t (*out_pos)[OUT_CNT];
        int64_t (*out_end)[OUT_CNT];
        bool target_set, outputs_known;
};

static rd_kafka_t *open_consumer(const bp_demo_feed_conf_t *conf, char *errstr,
                                 size_t errstr_size) {
        const bp_kafka_kv_t kv[] = {
            {"bootstrap.servers", conf->brokers},
            {"group.id", "badgeproc-demo-feed"}, /* required, never joined */
            {"enable.auto.commit", "false"},
            {"enable.partition.eof", "true"},
            {"isolation.level", "read_committed"},
            {"client.id", "badgeproc-demo-feed"}};
        rd_kafka_conf_t *kconf = bp_kafka_conf_new(
            kv, sizeof(kv) / sizeof(kv[0]), errstr, errstr_size);
        rd_kafka_t *rk;

        if (!kconf)
                return NULL;
        rd_kafka_conf_set_log_cb(kconf, bp_log_rdkafka);
        if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, kconf, errstr, errstr_size)))
                rd_kafka_conf_destroy(kconf);
        return rk;
}

static bp_err_t assign_all(bp_demo_feed_t *f, char *errstr,
                           size_t errstr_size) {
        rd_kafka_topic_partition_list_t *parts =
            rd_kafka_topic_partition_list_new(3 * f->partition_cnt);
        rd_kafka_resp_err_t err;
        int                 t, p;

        for (t = 0; t < 3; t++)
                for (p = 0; p < f->partition_cnt; p++)
                        rd_kafka_topic_partition_list_add(parts, f->topics[t],
                                                          p)
                            ->offset = RD_KAFKA_OFFSET_BEGINNING;
        err = rd_kafka_assign(f->rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        if (err) {
                snprintf(errstr, errstr_size, "assign: %s",
                         rd_kafka_err2str(err));
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

bp_demo_feed_t *bp_demo_feed_new(const bp_demo_feed_conf_t *conf, char *errstr,
                                 size_t errstr_size) {
        bp_demo_feed_t *f     = calloc(1, sizeof(*f));
        bp_codec_conf_t cconf = {.schema_map = conf->schema_map};
        size_t          n     = (size_t)conf->partition_cnt;
        int             p;

        if (!f)
                goto nomem;
        f->partition_cnt = conf->partition_cnt;
        f->feed          = conf->feed;
        f->output        = conf->output;
        f->topics[0]     = strdup(conf->topic_badge_events);
        f->topics[1]     = strdup(conf->topic_dlq);
        f->topics[2]     = strdup(conf->topic_changelog);
        f->committed     = calloc(n, sizeof(*f->committed));
        f->input_end     = calloc(n, sizeof(*f->input_end));
        f->out_pos       = calloc(n, sizeof(*f->out_pos));
        f->out_end       = calloc(n, sizeof(*f->out_end));
        if (!f->topics[0] || !f->topics[1] || !f->topics[2] || !f->committed ||
            !f->input_end || !f->out_pos || !f->out_end)
                goto nomem;
        for (p = 0; p < conf->partition_cnt; p++)
                bp_checkpoint_init(&f->committed[p]);
        if (!(f->codec = bp_codec_new(&cconf, errstr, errstr_size)) ||
            !(f->rk = open_consumer(conf, errstr, errstr_size)) ||
            assign_all(f, errstr, errstr_size))
                goto fail;
        return f;
nomem:
        snprintf(errstr, errstr_size, "out of memory");
fail:
        bp_demo_feed_destroy(f);
        return NULL;
}

/* "2026-01-01 00:12:34" from milliseconds since the epoch, UTC. */
static void format_time(int64_t ms, char *buf, size_t size) {
        time_t    secs = (time_t)(ms / 1000);
        struct tm tm;

        if (!gmtime_r(&secs, &tm) ||
            !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
                snprintf(buf, size, "%" PRId64, ms);
}

static bp_err_t show_badge(bp_demo_feed_t *f, const bp_badge_event_t *ev) {
        char   when[32];
        size_t i;

        format_time(ev->occurred_at, when, sizeof(when));
        if (ev->kind == BP_BADGE_GRANTED) {
                f->counts.granted++;
                if (f->feed)
                        fprintf(f->feed, "+ GRANTED  %s  %s  %s  (%s)\n", when,
                                ev->freelancer_id, ev->badge_id,
                                bp_basis_name(ev->basis));
        } else {
                f->counts.revoked++;
                if (f->feed)
                        fprintf(f->feed, "- REVOKED  %s  %s  %s\n", when,
                                ev->freelancer_id, ev->badge_id);
                for (i = 0; f->feed && i < ev->reason_cnt; i++)
                        fprintf(f->feed, "             %s: %s\n",
                                bp_reason_code_name(ev->reasons[i].code),
                                ev->reasons[i].detail);
        }
        if (f->output) {
                bp_buf_reset(&f->buf);
                if (bp_jsonl_write_badge(&f->buf, ev) != BP_OK)
                        return BP_ERR_NOMEM;
                fwrite(f->buf.data, 1, f->buf.len, f->output);
        }
        return BP_OK;
}

static bp_err_t on_badge(bp_demo_feed_t *f, const rd_kafka_message_t *rkm) {
        bp_badge_event_t ev;
        char             why[256];

        if (bp_codec_decode_badge(f->codec, rkm->payload, rkm->len, &ev, why,
                                  sizeof(why))) {
                f->counts.undecodable++;
                if (f->feed)
                        fprintf(f->feed,
                                "? UNDECODABLE  partition %" PRId32
                                " offset %" PRId64 ": %s\n",
                                rkm->partition, rkm->offset, why);
                return BP_OK;
        }
        return show_badge(f, &ev);
}

/* Copies header name of rkm into buf as a string ("?" when absent). */
static const char *header(const rd_kafka_message_t *rkm, const char *name,
                          char *buf, size_t size) {
        rd_kafka_headers_t *hdrs;
        const void         *val;
        size_t              len;

        if (rd_kafka_message_headers(rkm, &hdrs) ||
            rd_kafka_header_get_last(hdrs, name, &val, &len) || !val)
                return "?";
        snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1),
                 (const char *)val);
        return buf;
}

static void on_dead_letter(bp_demo_feed_t *f, const rd_kafka_message_t *rkm) {
        char topic[256], part[16], off[24], error[512];

        f->counts.dead_letters++;
        if (f->feed)
                fprintf(f->feed, "! DEAD-LETTER  %s[%s] offset %s: %s\n",
                        header(rkm, "dlq.topic", topic, sizeof(topic)),
                        header(rkm, "dlq.partition", part, sizeof(part)),
                        header(rkm, "dlq.offset", off, sizeof(off)),
                        header(rkm, "dlq.error", error, sizeof(error)));
}

static void on_changelog(bp_demo_feed_t *f, const rd_kafka_message_t *rkm) {
        bp_checkpoint_t cp;

        if (rkm->key_len != strlen(BP_OFFSETS_KEY) ||
            memcmp(rkm->key, BP_OFFSETS_KEY, rkm->key_len) != 0 ||
            rkm->partition >= f->partition_cnt)
                return; /* a state record: not the feed's business */
        if (bp_checkpoint_decode(rkm->payload, rkm->len, &cp, NULL, 0))
                return;
        f->committed[rkm->partition] = cp;
        f->counts.batches++;
}

/* Which of the feed's topics rkm comes from: 0..2, or -1. */
static int topic_of(const bp_demo_feed_t *f, const rd_kafka_message_t *rkm) {
        const char *name = rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "";
        int         t;

        for (t = 0; t < 3; t++)
                if (strcmp(name, f->topics[t]) == 0)
                        return t;
        return -1;
}

static bp_err_t on_message(bp_demo_feed_t *f, const rd_kafka_message_t *rkm,
                           char *errstr, size_t errstr_size) {
        int t = topic_of(f, rkm);

        if (t < 0 || rkm->partition < 0 || rkm->partition >= f->partition_cnt)
                return BP_OK;
        if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (t < OUT_CNT)
                        f->out_pos[rkm->partition][t] = rkm->offset;
                return BP_OK;
        }
        if (rkm->err) {
                snprintf(errstr, errstr_size, "%s",
                         rd_kafka_message_errstr(rkm));
                return rkm->err == RD_KAFKA_RESP_ERR__FATAL ? BP_ERR_KAFKA
                                                            : BP_OK;
        }
        if (t < OUT_CNT)
                f->out_pos[rkm->partition][t] = rkm->offset + 1;
        if (t == 2) {
                on_changelog(f, rkm);
                return BP_OK;
        }
        if (t == OUT_DLQ) {
                on_dead_letter(f, rkm);
                return BP_OK;
        }
        return on_badge(f, rkm);
}

bp_err_t bp_demo_feed_poll(bp_demo_feed_t *f, int timeout_ms, char *errstr,
                           size_t errstr_size) {
        rd_kafka_message_t *rkm = rd_kafka_consumer_poll(f->rk, timeout_ms);
        bp_err_t            err = BP_OK;
        int                 n   = 0;

        while (rkm && !err) {
                err = on_message(f, rkm, errstr, errstr_size);
                rd_kafka_message_destroy(rkm);
                rkm = ++n < 1000 ? rd_kafka_consumer_poll(f->rk, 0) : NULL;
        }
        if (rkm)
                rd_kafka_message_destroy(rkm);
        if (!err && ((f->feed && (fflush(f->feed) || ferror(f->feed))) ||
                     (f->output && (fflush(f->output) || ferror(f->output))))) {
                snprintf(errstr, errstr_size, "cannot write the feed");
                err = BP_ERR_IO;
        }
        return err;
}

/* Sets ends[p][col] to the high watermark of topic partition p. */
static bp_err_t query_ends(bp_demo_feed_t *f, const char *topic, int64_t *ends,
                           size_t stride, int timeout_ms, char *errstr,
                           size_t errstr_size) {
        int64_t             lo, hi;
        rd_kafka_resp_err_t err;
        int                 p;

        for (p = 0; p < f->partition_cnt; p++) {
                err = rd_kafka_query_watermark_offsets(f->rk, topic, p, &lo,
                                                       &hi, timeout_ms);
                if (err) {
                        snprintf(errstr, errstr_size, "end of %s [%d]: %s",
                                 topic, p, rd_kafka_err2str(err));
                        return BP_ERR_KAFKA;
                }
                ends[(size_t)p * stride] = hi;
        }
        return BP_OK;
}

bp_err_t bp_demo_feed_set_target(bp_demo_feed_t *f, const char *const inputs[4],
                                 int timeout_ms, char *errstr,
                                 size_t errstr_size) {
        int i;

        for (i = 0; i < BP_EV__CNT; i++)
                if (query_ends(f, inputs[i], &f->input_end[0][i], BP_EV__CNT,
                               timeout_ms, errstr, errstr_size))
                        return BP_ERR_KAFKA;
        f->target_set = true;
        return BP_OK;
}

static bool inputs_committed(const bp_demo_feed_t *f) {
        int p, i;

        for (p = 0; p < f->partition_cnt; p++)
                for (i = 0; i < BP_EV__CNT; i++)
                        if (f->input_end[p][i] > 0 &&
                            f->committed[p].input_offsets[i] <
                                f->input_end[p][i])
                                return false;
        return true;
}

bool bp_demo_feed_caught_up(bp_demo_feed_t *f, int timeout_ms) {
        char errstr[256];
        int  p, t;

        if (!f->target_set || !inputs_committed(f))
                return false;
        /* Everything is committed: the outputs will not grow any more, so
         * their ends now are the last records to show. */
        if (!f->outputs_known) {
                for (t = 0; t < OUT_CNT; t++)
                        if (query_ends(f, f->topics[t], &f->out_end[0][t],
                                       OUT_CNT, timeout_ms, errstr,
                                       sizeof(errstr)))
                                return false; /* asked again next time */
                f->outputs_known = true;
        }
        for (p = 0; p < f->partition_cnt; p++)
                for (t = 0; t < OUT_CNT; t++)
                        if (f->out_pos[p][t] < f->out_end[p][t])
                                return false;
        return true;
}

void bp_demo_feed_counts(const bp_demo_feed_t *f, bp_demo_feed_counts_t *out) {
        *out = f->counts;
}

void bp_demo_feed_destroy(bp_demo_feed_t *f) {
        int t;

        if (!f)
                return;
        if (f->rk) {
                rd_kafka_consumer_close(f->rk);
                rd_kafka_destroy(f->rk);
        }
        bp_codec_destroy(f->codec);
        bp_buf_free(&f->buf);
        for (t = 0; t < 3; t++)
                free(f->topics[t]);
        free(f->committed);
        free(f->input_end);
        free(f->out_pos);
        free(f->out_end);
        free(f);
}
