/*
 * bp_task.c - one task: records of partition p of the four inputs, in
 * merge order, through decode, state, engine and produce.
 *
 * A record that cannot be decoded, or whose key is not its freelancer_id
 * (co-partitioning rests on that key), goes to the dead-letter topic in
 * the batch's transaction and the partition moves on; so does one that
 * would take its freelancer's state past a limit of bp_state.h (the state
 * is left as it was). A record whose
 * writer schema cannot be fetched (registry down) is not the record's
 * fault: the batch is rewound and retried rather than dead-lettered.
 * A record whose output the cluster refuses every time is dead-lettered
 * once the poison policy has found it (bp_runner_poison.c), with headers
 * saying what refused it and how often.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp_engine.h"
#include "bp_log.h"
#include "bp_runner_int.h"

bp_task_t *bp_task_new(int32_t partition, size_t queue_max) {
        bp_task_t *t = calloc(1, sizeof(*t));
        int        i;
        if (!t)
                return NULL;
        t->partition = partition;
        t->merge     = bp_merge_new(queue_max);
        t->cache     = bp_state_map_new();
        if (!t->merge || !t->cache) {
                bp_task_destroy(t);
                return NULL;
        }
        for (i = 0; i < BP_MERGE_INPUTS; i++)
                t->next[i] = t->committed[i] = t->fetched[i] =
                    t->poison_held[i]        = BP_OFFSET_NONE;
        t->seal_offset = -1;
        return t;
}

static void message_free(void *rec) {
        rd_kafka_message_destroy(rec);
}

void bp_task_destroy(bp_task_t *t) {
        if (!t)
                return;
        bp_merge_destroy(t->merge, message_free);
        bp_state_map_destroy(t->cache);
        free(t->dirty);
        free(t->dirty_set);
        free(t);
}

/* Empties the dirty list and its set (the set only where it was used). */
static void clear_dirty(bp_task_t *t) {
        if (t->dirty_cnt > 0)
                memset(t->dirty_set, 0,
                       t->dirty_set_cap * sizeof(*t->dirty_set));
        t->dirty_cnt = 0;
}

/* Forgets the cached states: they are reloaded from the runner's store
 * queue or the store, which together hold exactly what the last commit
 * left (bp_task_state). */
static void drop_cache(bp_task_t *t) {
        bp_state_map_destroy(t->cache);
        t->cache  = bp_state_map_new();
        t->active = false;
        clear_dirty(t);
}

void bp_task_rewind(bp_task_t *t) {
        bp_merge_clear(t->merge, message_free);
        drop_cache(t);
        memcpy(t->next, t->committed, sizeof(t->next));
        memcpy(t->fetched, t->committed, sizeof(t->fetched));
        memcpy(t->rules_version, t->committed_rules_version,
               sizeof(t->rules_version));
}

void bp_task_after_handoff(bp_task_t *t, size_t cache_max) {
        t->active = false;
        clear_dirty(t);
        /* The cached states are what the open batch made of the last
         * commit's, so they stay valid for the next batch, up to a bound
         * on memory; dropped, they are found staged, queued or stored. */
        if (bp_state_map_count(t->cache) > cache_max)
                drop_cache(t);
}

void bp_task_after_commit(const bp_job_task_t *jt) {
        bp_task_t *t = jt->task;
        /* Records of the open batch wait from now on. */
        t->waiting_since_ms = t->active ? bp_runner_now_ms() : 0;
        memcpy(t->committed, jt->next, sizeof(t->committed));
        memcpy(t->committed_rules_version, jt->rules_version,
               sizeof(t->committed_rules_version));
        if (jt->changelog_next > 0)
                t->seal_offset = jt->changelog_next - 1;
}

bp_freelancer_t *bp_task_state(bp_runner_t *r, bp_task_t *t,
                               const char *freelancer_id, char *errstr,
                               size_t errstr_size) {
        bp_freelancer_t *fl = bp_state_map_find(t->cache, freelancer_id);
        const void      *val;
        size_t           len;
        bool             queued;
        bp_err_t         err;

        if (fl)
                return fl;
        /* Committed but not yet stored (bp_runner_store.c) is newer than
         * the store. */
        queued = bp_runner_store_pending_get(r, t->partition, freelancer_id,
                                             &val, &len);
        if (!queued) {
                err = bp_store_get(r->store, t->partition, freelancer_id, &val,
                                   &len, errstr, errstr_size);
                if (err == BP_ERR_NOT_FOUND)
                        return bp_state_map_get(t->cache, freelancer_id);
                if (err)
                        return NULL;
        }
        err = bp_codec_decode_state(r->state_codec, val, len, &fl, errstr,
                                    errstr_size);
        if (!queued)
                bp_store_get_done(r->store);
        if (err)
                return NULL;
        if (bp_state_map_put(t->cache, fl) != BP_OK) {
                bp_freelancer_destroy(fl);
                return NULL;
        }
        return fl;
}

/* Slot of pointer p in a table of mask + 1 slots (Fibonacci hashing:
 * allocations are aligned, so the low bits alone would cluster). */
static size_t ptr_slot(const void *p, size_t mask) {
        uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
        return (size_t)(h >> 32) & mask;
}

/* Doubles the dirty set (at least 512 slots) and re-inserts the list. */
static bp_err_t grow_dirty_set(bp_task_t *t) {
        size_t cap = t->dirty_set_cap ? t->dirty_set_cap * 2 : 512;
        const bp_freelancer_t **set = calloc(cap, sizeof(*set));
        size_t                  i, j;
        if (!set)
                return BP_ERR_NOMEM;
        for (i = 0; i < t->dirty_cnt; i++) {
                for (j = ptr_slot(t->dirty[i], cap - 1); set[j];
                     j = (j + 1) & (cap - 1))
                        ;
                set[j] = t->dirty[i];
        }
        free(t->dirty_set);
        t->dirty_set     = set;
        t->dirty_set_cap = cap;
        return BP_OK;
}

bp_err_t bp_task_mark_dirty(bp_task_t *t, bp_freelancer_t *fl) {
        size_t i;

        /* At most half full, so that probes stay short. */
        if (2 * (t->dirty_cnt + 1) > t->dirty_set_cap && grow_dirty_set(t))
                return BP_ERR_NOMEM;
        for (i = ptr_slot(fl, t->dirty_set_cap - 1); t->dirty_set[i];
             i = (i + 1) & (t->dirty_set_cap - 1))
                if (t->dirty_set[i] == fl)
                        return BP_OK;
        if (t->dirty_cnt == t->dirty_cap) {
                size_t            cap = t->dirty_cap ? t->dirty_cap * 2 : 256;
                bp_freelancer_t **d   = realloc(t->dirty, cap * sizeof(*d));
                if (!d)
                        return BP_ERR_NOMEM;
                t->dirty     = d;
                t->dirty_cap = cap;
        }
        t->dirty_set[i]          = fl;
        t->dirty[t->dirty_cnt++] = fl;
        return BP_OK;
}

bp_err_t bp_task_publish(bp_runner_t *r) {
        char     errstr[512];
        size_t   i;
        bp_err_t err = BP_OK;

        for (i = 0; i < r->out.cnt && !err; i++) {
                const bp_badge_event_t *ev = &r->out.items[i];
                bp_buf_reset(&r->buf);
                if ((err = bp_codec_encode_badge(r->codec, ev, &r->buf, errstr,
                                                 sizeof(errstr)))) {
                        bp_runner_set_fatal(r, "encode badge event: %s",
                                            errstr);
                        break;
                }
                err = bp_runner_defer_badge(r, ev->freelancer_id, r->buf.data,
                                            r->buf.len);
                bp_runner_metrics_badge(r->metrics, ev->partner_id, ev->kind);
                if (ev->kind == BP_BADGE_GRANTED)
                        r->stats.granted++;
                else
                        r->stats.revoked++;
        }
        bp_badge_events_clear(&r->out);
        return err;
}

/* Sends rkm to the dead-letter topic with its key, value and headers plus
 * the dlq.* headers saying what was wrong and where it came from, and,
 * for a record whose output was refused (due not NULL), which output
 * refused it (dlq.output) and how many batches holding it failed
 * (dlq.attempts). */
static bp_err_t dead_letter_as(bp_runner_t *r, const rd_kafka_message_t *rkm,
                               int input, const char *reason,
                               const bp_poison_due_t *due) {
        rd_kafka_headers_t *src = NULL, *hdrs;
        char                num[32];
        bp_err_t            err;

        if (rd_kafka_message_headers(rkm, &src) == RD_KAFKA_RESP_ERR_NO_ERROR)
                hdrs = rd_kafka_headers_copy(src);
        else
                hdrs = rd_kafka_headers_new(4);
        rd_kafka_header_add(hdrs, "dlq.error", -1, reason, -1);
        rd_kafka_header_add(hdrs, "dlq.topic", -1,
                            rd_kafka_topic_name(rkm->rkt), -1);
        snprintf(num, sizeof(num), "%" PRId32, rkm->partition);
        rd_kafka_header_add(hdrs, "dlq.partition", -1, num, -1);
        snprintf(num, sizeof(num), "%" PRId64, rkm->offset);
        rd_kafka_header_add(hdrs, "dlq.offset", -1, num, -1);
        if (due) {
                rd_kafka_header_add(hdrs, "dlq.output", -1, due->output, -1);
                snprintf(num, sizeof(num), "%d", due->attempts);
                rd_kafka_header_add(hdrs, "dlq.attempts", -1, num, -1);
        }
        BP_LOG(BP_LOG_WARN, "dead_letter",
               "topic=%s partition=%d offset=%lld "
               "error=%s",
               rd_kafka_topic_name(rkm->rkt), (int)rkm->partition,
               (long long)rkm->offset, reason);
        r->stats.dead_lettered++;
        bp_runner_metrics_dead_lettered(r->metrics, input);
        /* Into the open batch's transaction: the one being committed must
         * end first. */
        if ((err = bp_runner_begin(r))) {
                rd_kafka_headers_destroy(hdrs);
                return err;
        }
        err =
            bp_runner_produce(r, BP_OUT_DLQ, RD_KAFKA_PARTITION_UA, rkm->key,
                              rkm->key_len, rkm->payload, rkm->len, hdrs, NULL);
        bp_runner_take_outcome(r);
        return err;
}

static bp_err_t dead_letter(bp_runner_t *r, const rd_kafka_message_t *rkm,
                            int input, const char *reason) {
        return dead_letter_as(r, rkm, input, reason, NULL);
}

/* The record the poison policy found: dead-lettered, not applied. */
static bp_err_t dead_letter_refused(bp_runner_t              *r,
                                    const rd_kafka_message_t *rkm, int input) {
        const bp_poison_due_t *due = bp_poison_due(r->poison);
        return dead_letter_as(r, rkm, input, due->error, due);
}

/* Is the record's key the event's freelancer_id, byte for byte? */
static bool key_matches(const rd_kafka_message_t *rkm, const char *id) {
        size_t len = strlen(id);
        return rkm->key && rkm->key_len == len &&
               memcmp(rkm->key, id, len) == 0;
}

/* Applies one decoded record. Returns BP_ERR_IO when the record must be
 * retried later (the batch is rewound), other errors are fatal. */
static bp_err_t apply_record(bp_runner_t *r, bp_task_t *t,
                             const rd_kafka_message_t *rkm, int input) {
        char             errstr[512];
        bp_event_t       ev;
        bp_cause_t       cause;
        bp_freelancer_t *fl;
        bool             changed = false;
        bp_err_t         err;

        /* The state is looked up once the record is decoded: start
         * bringing it into the cache now (the key is the freelancer_id),
         * so that its cache misses overlap the decoding. */
        if (rkm->key)
                bp_state_map_prefetch(t->cache, rkm->key, rkm->key_len);
        err = bp_codec_decode_event(r->codec, (bp_event_type_t)input,
                                    rkm->payload, rkm->len, &ev, errstr,
                                    sizeof(errstr));
        if (err == BP_ERR_IO) {
                BP_LOG(BP_LOG_WARN, "decode_retry", "partition=%d error=%s",
                       (int)t->partition, errstr);
                return BP_ERR_IO;
        }
        if (err)
                return dead_letter(r, rkm, input, errstr);
        if (!key_matches(rkm, ev.freelancer_id))
                return dead_letter(r, rkm, input,
                                   "record key is not the event's "
                                   "freelancer_id");
        /* ev is borrowed from r->codec until its next decode call; a state
         * that is not cached is decoded from the store with a codec of its
         * own (r->state_codec), so loading it leaves ev intact and the
         * event is decoded once. */
        if (!(fl = bp_task_state(r, t, ev.freelancer_id, errstr,
                                 sizeof(errstr)))) {
                bp_runner_set_fatal(r, "load state of %s: %s", ev.freelancer_id,
                                    errstr);
                return BP_ERR_STATE;
        }
        cause.event_id  = ev.event_id;
        cause.topic     = rd_kafka_topic_name(rkm->rkt);
        cause.partition = rkm->partition;
        cause.offset    = rkm->offset;
        err = bp_engine_apply(r->rules, fl, &ev, &cause, &r->out, &changed);
        if (err == BP_ERR_TOO_LARGE) {
                /* Refused before anything changed: the state stays within
                 * its bounds and the partition moves on. */
                bp_engine_refusal(fl, &ev, errstr, sizeof(errstr));
                return dead_letter(r, rkm, input, errstr);
        }
        if (err)
                return err;
        r->stats.applied++;
        if ((err = bp_decision_log_append(r->dlog, r->rules, fl, &r->out)))
                return err;
        if (changed && (err = bp_task_mark_dirty(t, fl)))
                return err;
        return bp_task_publish(r);
}

bp_err_t bp_task_drain(bp_runner_t *r, bp_task_t *t) {
        void    *rec;
        int      input;
        bp_err_t err;

        while (r->batch_events < bp_runner_batch_max(r) &&
               bp_merge_pop(t->merge, &rec, &input)) {
                rd_kafka_message_t *rkm = rec;
                if (r->batch_events++ == 0)
                        r->batch_started_ms = bp_runner_now_ms();
                t->active = true;
                if (!t->waiting_since_ms)
                        t->waiting_since_ms = bp_runner_now_ms();
                if (bp_runner_poison_applying(r, t, input, rkm->offset))
                        err = dead_letter_refused(r, rkm, input);
                else
                        err = apply_record(r, t, rkm, input);
                if (!err)
                        t->next[input] = rkm->offset + 1;
                rd_kafka_message_destroy(rkm);
                if (err)
                        return err;
        }
        return BP_OK;
}

/* A re-evaluation happens at the time of the reload: it is published as
 * the badge events' occurred_at and judges certification expiry, both in
 * Unix milliseconds (bp_runner_now_ms() is monotonic, for intervals). */
int64_t bp_task_wall_clock_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A re-evaluation walks the partition's stored states and commits every
 * batch.max.events of them, as a stream of batches: only the states that
 * changed are kept (for the changelog), and the task's cache bound applies
 * after each commit, so memory does not grow with the partition. The
 * task's rules_version moves only when the walk ends: a crash or an abort
 * in between re-evaluates the partition again, which republishes nothing
 * for the freelancers already done (their badges already agree). */
typedef struct reeval_s {
        bp_runner_t *r;
        bp_task_t   *t;
        bp_cause_t   cause;
        int64_t      at;
        bp_err_t     err;
        uint64_t     aborted_before; /* r->stats.aborted at the start */
        size_t       visited;
        size_t       changed;
        size_t       slices; /* batches committed */
        bool         redo;   /* a slice was aborted: start again later */
} reeval_t;

/* Commits the slice in flight and opens the next. Returns 1 to stop the
 * walk (an error, or an abort that asks for the walk again). */
static int reevaluate_next_slice(reeval_t *re) {
        bp_runner_t *r = re->r;
        if ((re->err = bp_runner_commit(r)))
                return 1;
        if (r->stats.aborted != re->aborted_before) {
                /* bp_runner_abort() rewound the task and flagged it for
                 * re-evaluation: the next turn of the loop redoes it. */
                re->redo = true;
                return 1;
        }
        re->slices++;
        if ((re->err = bp_runner_begin(r)))
                return 1;
        re->t->active       = true;
        r->batch_started_ms = bp_runner_now_ms();
        return 0;
}

static int reevaluate_one(const char *freelancer_id, const void *val,
                          size_t len, void *opaque) {
        reeval_t        *re = opaque;
        char             errstr[512];
        bp_freelancer_t *fl      = NULL;
        bool             changed = false;

        (void)freelancer_id;
        if (bp_codec_decode_state(re->r->state_codec, val, len, &fl, errstr,
                                  sizeof(errstr))) {
                bp_runner_set_fatal(re->r, "stored state of %s: %s",
                                    freelancer_id, errstr);
                re->err = BP_ERR_STATE;
                return 1;
        }
        if ((re->err =
                 bp_engine_reevaluate(re->r->rules, fl, re->at, &re->cause,
                                      &re->r->out, &changed)) ||
            (re->err = bp_decision_log_append(re->r->dlog, re->r->rules, fl,
                                              &re->r->out))) {
                bp_freelancer_destroy(fl);
                return 1;
        }
        if (!changed) {
                /* The store (flushed before the walk) and any cached copy
                 * already hold this state. */
                bp_freelancer_destroy(fl);
        } else {
                if (bp_state_map_put(re->t->cache, fl) != BP_OK) {
                        bp_freelancer_destroy(fl);
                        re->err = BP_ERR_NOMEM;
                        return 1;
                }
                re->changed++;
                if ((re->err = bp_task_mark_dirty(re->t, fl)))
                        return 1;
        }
        if ((re->err = bp_task_publish(re->r)))
                return 1;
        re->visited++;
        if (re->r->batch_events++ >= re->r->conf.batch_max_events)
                return reevaluate_next_slice(re);
        return 0;
}

bp_err_t bp_task_reevaluate(bp_runner_t *r, bp_task_t *t) {
        char     errstr[512];
        reeval_t re;
        bp_err_t err;

        /* It reads every state from the store: queued ones first. */
        if ((err = bp_runner_store_flush(r)) || (err = bp_runner_begin(r)))
                return err;
        memset(&re, 0, sizeof(re));
        re.r               = r;
        re.t               = t;
        re.at              = bp_task_wall_clock_ms();
        re.cause.event_id  = r->rules->version;
        re.cause.topic     = "rules";
        re.cause.partition = t->partition;
        re.cause.offset    = -1;
        re.aborted_before  = r->stats.aborted;
        t->active          = true;
        /* The walk counts as one event even over an empty partition, so
         * that the commit after it records the new rules_version. */
        if (r->batch_events++ == 0)
                r->batch_started_ms = bp_runner_now_ms();
        err = bp_store_foreach(r->store, t->partition, reevaluate_one, &re,
                               errstr, sizeof(errstr));
        if (re.err)
                return re.err;
        if (re.redo) {
                BP_LOG(BP_LOG_WARN, "rules_reevaluation_restarted",
                       "partition=%d visited=%zu", (int)t->partition,
                       re.visited);
                return BP_OK;
        }
        if (err) {
                bp_runner_set_fatal(r, "re-evaluate partition %d: %s",
                                    (int)t->partition, errstr);
                return BP_ERR_STATE;
        }
        BP_LOG(BP_LOG_INFO, "rules_reevaluated",
               "partition=%d rules_version=%s freelancers=%zu changed=%zu "
               "batches=%zu",
               (int)t->partition, r->rules->version, re.visited, re.changed,
               re.slices + 1);
        snprintf(t->rules_version, sizeof(t->rules_version), "%s",
                 r->rules->version);
        t->needs_reevaluation = false;
        return BP_OK;
}
