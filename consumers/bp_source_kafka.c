/*
 * bp_source_kafka.c - the input history read from the four Kafka input
 * topics (see bp_source.h for what a source is and the order it gives).
 *
 * Reading uses librdkafka's simple consumer: one fetcher per
 * topic-partition, started at an absolute offset, read with
 * rd_kafka_consume() one record at a time. That is what a k-way merge
 * wants: the head of each input is pulled when the merge needs it, so at
 * most one record per input waits here (librdkafka's prefetch is bounded
 * by queued.max.messages.kbytes), there is no consumer group to join, and
 * nothing is ever committed. Each partition's four inputs go through a
 * bp_merge_t, the very order the runtime applies them in; the partitions'
 * heads are then interleaved by (timestamp, input, partition, offset).
 *
 * The range of each topic-partition is fixed at open: [start, end) with
 * end the high watermark then (records produced later are not waited
 * for). --from and --to move start and end to the first record with a
 * timestamp at or after the time, as ListOffsets by timestamp
 * (rd_kafka_offsets_for_times) defines it. The same definition is also
 * applied while reading: records are skipped until the first one at or
 * after --from, and reading stops at the first one at or after --to. With
 * a broker that answers the lookup, that check changes nothing; with one
 * that cannot (librdkafka's mock cluster answers -1, "no such record", to
 * every lookup by time) it gives the same records, only after reading
 * more of the partition.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_codec.h"
#include "bp_kafka.h"
#include "bp_merge.h"
#include "bp_source_int.h"
#include "bp_tool.h"

/* Bound on each metadata, watermark and ListOffsets request. */
#define KS_TMO_MS 10000
/* A partition with records left that delivers nothing for this long is a
 * fatal error rather than a hang. */
#define KS_STALL_MS 60000
/* Each input queue holds one record: enough for the merge to compare
 * heads, and nothing more is read ahead here. */
#define KS_QUEUE 1

/* One input topic-partition. */
typedef struct ks_input_s {
        int64_t start, end; /* [start, end), fixed at open */
        bool    started;    /* rd_kafka_consume_start() done */
        bool    eof;        /* nothing more to read in range */
        bool    skipping;   /* still before --from (scan fallback) */
} ks_input_t;

/* Partition p of the four topics. */
typedef struct ks_part_s {
        int32_t             partition;
        bp_merge_t         *merge;
        ks_input_t          in[BP_EV__CNT];
        rd_kafka_message_t *head; /* merge's next record, held here */
        int                 head_input;
        bool                done;
} ks_part_t;

typedef struct kafka_source_s {
        bp_source_t         base;
        rd_kafka_t         *rk;
        rd_kafka_topic_t   *rkt[BP_EV__CNT];
        char                topic[BP_EV__CNT][BP_KAFKA_TOPIC_MAX + 1];
        bp_codec_t         *codec;
        ks_part_t          *parts;
        size_t              part_cnt;
        rd_kafka_message_t *current; /* returned last, freed next call */
} kafka_source_t;

static void message_free(void *rec) {
        rd_kafka_message_destroy(rec);
}

static void ks_close(bp_source_t *src) {
        kafka_source_t *ks = (kafka_source_t *)src;
        size_t          i;
        int             t;

        if (ks->current)
                rd_kafka_message_destroy(ks->current);
        for (i = 0; i < ks->part_cnt; i++) {
                ks_part_t *kp = &ks->parts[i];
                if (kp->head)
                        rd_kafka_message_destroy(kp->head);
                bp_merge_destroy(kp->merge, message_free);
                for (t = 0; t < BP_EV__CNT; t++)
                        if (kp->in[t].started)
                                rd_kafka_consume_stop(ks->rkt[t],
                                                      kp->partition);
        }
        free(ks->parts);
        for (t = 0; t < BP_EV__CNT; t++)
                if (ks->rkt[t])
                        rd_kafka_topic_destroy(ks->rkt[t]);
        if (ks->rk)
                rd_kafka_destroy(ks->rk);
        bp_codec_destroy(ks->codec);
        free(ks);
}

static bp_source_t *ks_fail(kafka_source_t *ks, const char *what,
                            const char *error) {
        bp_tool_fatal(ks->base.cmd, what, NULL, NULL, error);
        ks_close(&ks->base);
        return NULL;
}

/* The consumer: a group id is required by librdkafka for consumers but
 * never joined here; prefetch is kept small per partition since many
 * partitions are read at once. */
static int open_consumer(kafka_source_t *ks, char *errstr, size_t size) {
        char             group[64];
        bp_kafka_kv_t    kv[] = {{"group.id", group},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "true"},
                                 {"auto.offset.reset", "earliest"},
                                 {"queued.max.messages.kbytes", "4096"},
                                 {"client.id", "badgeproc-history"}};
        rd_kafka_conf_t *conf;

        snprintf(group, sizeof(group), "badgeproc-history-%ld", (long)getpid());
        conf = bp_cli_kafka_conf(&ks->base.opts->kafka, kv,
                                 sizeof(kv) / sizeof(kv[0]), errstr, size);
        if (!conf)
                return -1;
        ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, size);
        if (!ks->rk) {
                rd_kafka_conf_destroy(conf);
                return -1;
        }
        return 0;
}

/* Is partition p one the options ask for? */
static bool wanted(const bp_source_opts_t *o, int32_t p) {
        size_t i;

        if (!o->partitions)
                return true;
        for (i = 0; i < o->partition_cnt; i++)
                if (o->partitions[i] == p)
                        return true;
        return false;
}

static int make_parts(kafka_source_t *ks, int partition_cnt, char *errstr,
                      size_t size) {
        const bp_source_opts_t *o = ks->base.opts;
        size_t                  i;
        int32_t                 p;

        for (i = 0; i < o->partition_cnt; i++)
                if (o->partitions[i] >= partition_cnt) {
                        snprintf(errstr, size,
                                 "partition %" PRId32 " does not exist (the "
                                 "topics have %d)",
                                 o->partitions[i], partition_cnt);
                        return -1;
                }
        for (i = 0; i < o->range_cnt; i++)
                if (o->ranges[i].partition >= partition_cnt) {
                        snprintf(errstr, size,
                                 "--offsets names partition %" PRId32
                                 ", the topics have %d",
                                 o->ranges[i].partition, partition_cnt);
                        return -1;
                }
        ks->parts = calloc((size_t)partition_cnt, sizeof(*ks->parts));
        if (!ks->parts)
                return snprintf(errstr, size, "out of memory"), -1;
        for (p = 0; p < partition_cnt; p++) {
                ks_part_t *kp;
                if (!wanted(o, p))
                        continue;
                kp            = &ks->parts[ks->part_cnt++];
                kp->partition = p;
                if (!(kp->merge = bp_merge_new(KS_QUEUE)))
                        return snprintf(errstr, size, "out of memory"), -1;
        }
        return 0;
}

/* Moves starts (and ends) to the first offset at or after --from (--to)
 * where the brokers can say; others keep the scan fallback. */
static void seek_times(kafka_source_t *ks, int64_t when, bool is_end) {
        rd_kafka_topic_partition_list_t *l;
        rd_kafka_resp_err_t              err;
        size_t                           i;
        int                              t;

        l = rd_kafka_topic_partition_list_new((int)ks->part_cnt * BP_EV__CNT);
        for (i = 0; i < ks->part_cnt; i++)
                for (t = 0; t < BP_EV__CNT; t++)
                        rd_kafka_topic_partition_list_add(
                            l, ks->topic[t], ks->parts[i].partition)
                            ->offset = when;
        err = rd_kafka_offsets_for_times(ks->rk, l, KS_TMO_MS);
        for (i = 0; !err && i < (size_t)l->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &l->elems[i];
                ks_input_t *in = &ks->parts[i / BP_EV__CNT].in[i % BP_EV__CNT];
                /* -1 means "no record that late" from a broker, but the
                 * mock cluster answers -1 to every lookup by time: either
                 * way the scan while reading gives the right records. */
                if (tp->err || tp->offset < 0)
                        continue;
                if (is_end && tp->offset < in->end)
                        in->end = tp->offset;
                if (!is_end && tp->offset > in->start) {
                        in->start    = tp->offset;
                        in->skipping = false;
                }
        }
        rd_kafka_topic_partition_list_destroy(l);
}

/* Applies an --offsets range to in: within the watermarks. */
static void apply_range(ks_input_t *in, const bp_source_range_t *r, int64_t lo,
                        int64_t hi) {
        if (r->start >= 0)
                in->start = r->start < lo ? lo : r->start > hi ? hi : r->start;
        if (r->end >= 0)
                in->end = r->end > hi ? hi : r->end;
        in->skipping = false; /* an explicit start wins over --from */
}

/* Sets every input's [start, end) from the watermarks and the options. */
static int set_ranges(kafka_source_t *ks, char *errstr, size_t size) {
        const bp_source_opts_t *o = ks->base.opts;
        rd_kafka_resp_err_t     err;
        int64_t                 lo, hi;
        size_t                  i, r;
        int                     t;

        for (i = 0; i < ks->part_cnt; i++)
                for (t = 0; t < BP_EV__CNT; t++) {
                        ks_input_t *in = &ks->parts[i].in[t];
                        err            = rd_kafka_query_watermark_offsets(
                                       ks->rk, ks->topic[t], ks->parts[i].partition, &lo,
                                       &hi, KS_TMO_MS);
                        if (err) {
                                snprintf(errstr, size, "%s/%" PRId32 ": %s",
                                         ks->topic[t], ks->parts[i].partition,
                                         rd_kafka_err2str(err));
                                return -1;
                        }
                        in->start    = lo;
                        in->end      = hi;
                        in->skipping = o->from != BP_TIME_NONE;
                }
        if (o->from != BP_TIME_NONE)
                seek_times(ks, o->from, false);
        if (o->to != BP_TIME_NONE)
                seek_times(ks, o->to, true);
        for (r = 0; r < o->range_cnt; r++)
                for (i = 0; i < ks->part_cnt; i++)
                        if (ks->parts[i].partition == o->ranges[r].partition) {
                                ks_input_t *in =
                                    &ks->parts[i].in[o->ranges[r].input];
                                rd_kafka_query_watermark_offsets(
                                    ks->rk, ks->topic[o->ranges[r].input],
                                    ks->parts[i].partition, &lo, &hi,
                                    KS_TMO_MS);
                                apply_range(in, &o->ranges[r], lo, hi);
                        }
        return 0;
}

/* Starts the fetchers of every input with records in range. */
static int start_fetchers(kafka_source_t *ks, char *errstr, size_t size) {
        size_t i;
        int    t;

        for (i = 0; i < ks->part_cnt; i++)
                for (t = 0; t < BP_EV__CNT; t++) {
                        ks_part_t  *kp = &ks->parts[i];
                        ks_input_t *in = &kp->in[t];
                        if (in->start >= in->end) {
                                in->eof = true;
                                bp_merge_set_eof(kp->merge, t);
                                continue;
                        }
                        if (rd_kafka_consume_start(ks->rkt[t], kp->partition,
                                                   in->start) == -1) {
                                snprintf(
                                    errstr, size, "%s/%" PRId32 ": %s",
                                    ks->topic[t], kp->partition,
                                    rd_kafka_err2str(rd_kafka_last_error()));
                                return -1;
                        }
                        in->started = true;
                }
        return 0;
}

static int ks_next(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause);

bp_source_t *bp_source_kafka_open(const char *cmd, bp_source_opts_t *o) {
        kafka_source_t *ks    = calloc(1, sizeof(*ks));
        bp_codec_conf_t cconf = {0};
        const char     *topics[BP_EV__CNT];
        char            errstr[512];
        int             t, partition_cnt;

        if (!ks) {
                bp_tool_fatal(cmd, "out of memory", NULL, NULL, NULL);
                return NULL;
        }
        ks->base.cmd       = cmd;
        ks->base.opts      = o;
        ks->base.kafka     = true;
        ks->base.next      = ks_next;
        ks->base.close     = ks_close;
        cconf.schema_map   = o->kafka.schema_map;
        cconf.registry_url = o->kafka.registry;
        if (!(ks->codec = bp_codec_new(&cconf, errstr, sizeof(errstr))))
                return ks_fail(ks, "cannot load schemas", errstr);
        if (open_consumer(ks, errstr, sizeof(errstr)))
                return ks_fail(ks, "bad configuration", errstr);
        for (t = 0; t < BP_EV__CNT; t++) {
                topics[t] =
                    bp_source_topic(o, t, ks->topic[t], sizeof(ks->topic[t]));
                if (topics[t] != ks->topic[t])
                        snprintf(ks->topic[t], sizeof(ks->topic[t]), "%s",
                                 topics[t]);
                topics[t] = ks->topic[t];
        }
        if (bp_kafka_check_copartitioned(ks->rk, topics, BP_EV__CNT, KS_TMO_MS,
                                         &partition_cnt, errstr,
                                         sizeof(errstr)))
                return ks_fail(ks, "cannot read the input topics", errstr);
        for (t = 0; t < BP_EV__CNT; t++)
                if (!(ks->rkt[t] =
                          rd_kafka_topic_new(ks->rk, ks->topic[t], NULL)))
                        return ks_fail(ks, "cannot read the input topics",
                                       rd_kafka_err2str(rd_kafka_last_error()));
        if (make_parts(ks, partition_cnt, errstr, sizeof(errstr)) ||
            set_ranges(ks, errstr, sizeof(errstr)) ||
            start_fetchers(ks, errstr, sizeof(errstr)))
                return ks_fail(ks, "cannot read the input topics", errstr);
        return &ks->base;
}

/* Marks input t of kp as finished. */
static void input_done(ks_part_t *kp, int t) {
        kp->in[t].eof = true;
        bp_merge_set_eof(kp->merge, t);
}

/* Does the record belong to the range and the key filter? Updates the
 * input's scan state. Returns 1 keep, 0 skip, -1 past the end. */
static int in_range(const kafka_source_t *ks, ks_input_t *in,
                    const rd_kafka_message_t *rkm, int64_t ts) {
        const bp_source_opts_t *o = ks->base.opts;
        size_t                  klen;

        if (rkm->offset >= in->end || (o->to != BP_TIME_NONE && ts >= o->to))
                return -1;
        if (in->skipping) {
                if (ts < o->from)
                        return 0;
                in->skipping = false;
        }
        if (o->key) {
                klen = strlen(o->key);
                if (!rkm->key || rkm->key_len != klen ||
                    memcmp(rkm->key, o->key, klen) != 0)
                        return 0;
        }
        return 1;
}

/* Pulls records of input t until one is queued on the merge or the input
 * is finished. 0, or -1 after logging a fatal error. */
static int fill_input(kafka_source_t *ks, ks_part_t *kp, int t) {
        ks_input_t         *in = &kp->in[t];
        rd_kafka_message_t *rkm;
        int                 waited = 0, keep;
        int64_t             ts;

        while (!in->eof && bp_merge_queued(kp->merge, t) == 0) {
                rkm = rd_kafka_consume(ks->rkt[t], kp->partition, 500);
                if (!rkm) {
                        if ((waited += 500) < KS_STALL_MS)
                                continue;
                        bp_tool_fatal(ks->base.cmd, "input stalled", "topic",
                                      ks->topic[t], "no record in 60 s");
                        return -1;
                }
                waited = 0;
                if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        rd_kafka_message_destroy(rkm);
                        input_done(kp, t);
                        break;
                }
                if (rkm->err) {
                        bp_kafka_class_t cls = bp_kafka_err_class(rkm->err);
                        char             why[512];
                        snprintf(why, sizeof(why), "%s/%" PRId32 ": %s",
                                 ks->topic[t], kp->partition,
                                 rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        if (cls == BP_KAFKA_FATAL) {
                                bp_tool_fatal(ks->base.cmd, "kafka error", NULL,
                                              NULL, why);
                                return -1;
                        }
                        continue; /* brokers moving: librdkafka retries */
                }
                ks->base.stats.read++;
                ts   = rd_kafka_message_timestamp(rkm, NULL);
                ts   = ts < 0 ? 0 : ts;
                keep = in_range(ks, in, rkm, ts);
                if (keep <= 0) {
                        rd_kafka_message_destroy(rkm);
                        if (keep < 0)
                                input_done(kp, t);
                        continue;
                }
                if (rkm->offset + 1 >= in->end)
                        in->eof = true; /* merge flag set once popped */
                bp_merge_push(kp->merge, t, ts, rkm->offset, rkm);
        }
        return 0;
}

/* Makes sure kp->head holds the partition's next record (or done). */
static int fill_head(kafka_source_t *ks, ks_part_t *kp) {
        void *rec;
        int   t;

        while (!kp->head && !kp->done) {
                for (t = 0; t < BP_EV__CNT; t++)
                        if (fill_input(ks, kp, t))
                                return -1;
                if (bp_merge_pop(kp->merge, &rec, &kp->head_input)) {
                        kp->head = rec;
                        if (kp->in[kp->head_input].eof)
                                bp_merge_set_eof(kp->merge, kp->head_input);
                        return 0;
                }
                kp->done = true;
        }
        return 0;
}

/* Is a's head before b's in (timestamp, input, partition, offset)? */
static bool head_before(const ks_part_t *a, const ks_part_t *b) {
        int64_t ta = rd_kafka_message_timestamp(a->head, NULL);
        int64_t tb = rd_kafka_message_timestamp(b->head, NULL);

        ta = ta < 0 ? 0 : ta;
        tb = tb < 0 ? 0 : tb;
        if (ta != tb)
                return ta < tb;
        if (a->head_input != b->head_input)
                return a->head_input < b->head_input;
        return a->partition < b->partition;
}

/* Decodes rkm; 1 an event, 0 rejected (reported), -1 fatal. */
static int decode(kafka_source_t *ks, const rd_kafka_message_t *rkm, int t,
                  bp_event_t *ev) {
        char     errstr[512];
        size_t   len;
        bp_err_t err;

        err = bp_codec_decode_event(ks->codec, (bp_event_type_t)t, rkm->payload,
                                    rkm->len, ev, errstr, sizeof(errstr));
        if (err == BP_ERR_IO) {
                bp_tool_fatal(ks->base.cmd, "cannot fetch schema", NULL, NULL,
                              errstr);
                return -1;
        }
        if (!err) {
                len = strlen(ev->freelancer_id);
                if (rkm->key && rkm->key_len == len &&
                    memcmp(rkm->key, ev->freelancer_id, len) == 0)
                        return 1;
                snprintf(errstr, sizeof(errstr),
                         "record key is not the event's freelancer_id");
        }
        ks->base.stats.rejected++;
        fprintf(stderr, "%s/%" PRId32 "@%" PRId64 ": %s\n", ks->topic[t],
                rkm->partition, rkm->offset, errstr);
        return 0;
}

static int ks_next(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause) {
        kafka_source_t *ks = (kafka_source_t *)src;
        ks_part_t      *best;
        size_t          i;
        int             rc;

        for (;;) {
                if (ks->current) {
                        rd_kafka_message_destroy(ks->current);
                        ks->current = NULL;
                }
                best = NULL;
                for (i = 0; i < ks->part_cnt; i++) {
                        if (fill_head(ks, &ks->parts[i]))
                                return -1;
                        if (ks->parts[i].head &&
                            (!best || head_before(&ks->parts[i], best)))
                                best = &ks->parts[i];
                }
                if (!best)
                        return 0;
                ks->current = best->head;
                best->head  = NULL;
                rc          = decode(ks, ks->current, best->head_input, ev);
                if (rc < 0)
                        return -1;
                if (rc == 0)
                        continue;
                cause->event_id  = ev->event_id;
                cause->topic     = ks->topic[best->head_input];
                cause->partition = ks->current->partition;
                cause->offset    = ks->current->offset;
                src->stats.events++;
                return 1;
        }
}
