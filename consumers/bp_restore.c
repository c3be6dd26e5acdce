/*
 * bp_restore.c - bring a partition's stored state up to date with the
 * changelog before its task starts, without stopping the others.
 *
 * The store's checkpoint says up to which changelog offset its state is
 * reflected. Everything after it was committed to Kafka but not yet (or
 * never: a crash between the two commits) to the store. Records are read
 * from there to the end; a run of state records followed by an __offsets
 * record is one committed batch. State records after the last __offsets
 * record belong to a transaction that never committed (visible here only
 * where read_committed is not enforced, as on the mock cluster) and are
 * ignored. A partition this instance has never had restores its whole
 * changelog partition.
 *
 * Restores are incremental: one consumer, owned by the runner, reads the
 * changelog partitions of every task being restored, and the loop gives
 * it one slice of time per turn (bp_restore_step()) before serving the
 * tasks that are ready. A restoring task's inputs are assigned but paused,
 * and it processes nothing until its restore reaches the end; then its
 * inputs are sought to the offsets the restore names and resumed.
 *
 * Speed: one LMDB transaction per slice, holding every changelog batch the
 * slice completed, rather than one durable commit per batch. That is safe
 * because each of those batches is already committed in Kafka, and the
 * checkpoint written in the same transaction is the one of the last batch
 * applied, so the store never claims more than it holds. The records are
 * stored as they are: the changelog carries the same framed
 * FreelancerState bytes as the store, so nothing is decoded. The restore
 * consumer reads far ahead of the store (restore_consumer()): with
 * librdkafka's default read-ahead it spent most of a large restore
 * waiting for its fetcher to start again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_log.h"
#include "bp_runner_int.h"

#define WATERMARK_TIMEOUT_MS 10000
/* Longest time one slice keeps the loop from the ready tasks; longer when
 * no task is ready (at start, or under the eager protocol), since each
 * slice is one durable LMDB commit and fewer, larger commits write each
 * touched page once for many records. */
#define SLICE_MS 50
#define SLICE_ALONE_MS 1000
/* How often a slice looks at the clock, in records. */
#define SLICE_CHECK 512
/* A restore that receives nothing this long has failed. */
#define STALL_MS 60000
#define PROGRESS_LOG_MS 2000

/* A batch's state records, held until its __offsets record shows up. */
typedef struct pending_s {
        rd_kafka_message_t **msgs;
        size_t               cnt;
        size_t               cap;
} pending_t;

/* Seals a restore remembers (see seal_seen): a batch's previous seal is
 * nearly always the last one read; only aborted seals (visible on the
 * mock cluster) come between. */
#define SEALS_SEEN 8

struct bp_restore_s {
        bp_checkpoint_t cp;         /* of the last batch applied */
        bool            dirty;      /* cp applied, not yet in the store */
        bool            done;       /* the end of the changelog was reached */
        int64_t         start, end; /* range seen when the restore began */
        int64_t         pos;        /* next changelog offset expected */
        pending_t       pend;
        uint64_t        records; /* state records applied */
        int64_t         t0, last_seen;
        /* Offsets of the last seals read, a ring; start - 1 at first (the
         * seal the checkpoint points past, or -1 from the beginning). */
        int64_t seals[SEALS_SEEN];
        int     seal_next;
        /* Batches whose previous seal was not read (compacted windows):
         * all their states kept. */
        uint64_t compacted;
};

static void pending_clear(pending_t *pend) {
        size_t i;
        for (i = 0; i < pend->cnt; i++)
                rd_kafka_message_destroy(pend->msgs[i]);
        pend->cnt = 0;
}

static int pending_add(pending_t *pend, rd_kafka_message_t *rkm) {
        if (pend->cnt == pend->cap) {
                size_t               cap = pend->cap ? pend->cap * 2 : 256;
                rd_kafka_message_t **m = realloc(pend->msgs, cap * sizeof(*m));
                if (!m)
                        return -1;
                pend->msgs = m;
                pend->cap  = cap;
        }
        pend->msgs[pend->cnt++] = rkm;
        return 0;
}

static void restore_free(bp_restore_t *rs) {
        if (!rs)
                return;
        pending_clear(&rs->pend);
        free(rs->pend.msgs);
        free(rs);
}

/* The restore consumer's settings, after the user's kafka.* ones.
 * queued.min.messages: librdkafka 2.0.2 counts it over the consumer's
 *   one queue, not per partition, and once the queue holds that many
 *   records it stops fetching every partition until its broker threads
 *   next wake up on their own, up to a second later. With the default
 *   (100,000) a restore whose store writes are slower than the fetches
 *   filled the queue, drained it in a fraction of a second and then
 *   waited: about 100,000 records a second whatever the machine. A
 *   million (restore.read.ahead) keeps the fetches going for a whole
 *   slice and its commit; the price is memory while a large restore
 *   runs (see docs/operating.md), still bounded by
 *   queued.max.messages.kbytes.
 * fetch.wait.max.ms: the end of a partition is only known from a fetch
 *   that finds nothing there, which a broker holds for this long (the
 *   default, 500 ms, is most of a short delta restore).
 * socket.nagle.disable: as for the other clients (bp_runner_tuning.c).
 * enable.sparse.connections: off, so that the consumer, made at start
 *   (bp_restore_open), is connected to every broker before the group
 *   hands out the first partitions: a consumer made at the first restore
 *   often fetched its first records about a second after assignment. */
static rd_kafka_t *restore_consumer(bp_runner_t *r, char *errstr,
                                    size_t errstr_size) {
        char read_ahead[24];
        snprintf(read_ahead, sizeof(read_ahead), "%d",
                 r->conf.restore_read_ahead);
        const bp_kafka_kv_t kv[] = {
            {"group.id", "badgeproc-restore"}, /* never joins or commits */
            {"enable.auto.commit", "false"},
            {"enable.partition.eof", "true"},
            {"isolation.level", "read_committed"},
            {"auto.offset.reset", "earliest"},
            {"queued.min.messages", read_ahead},
            {"fetch.wait.max.ms", "10"},
            {"socket.nagle.disable", "true"},
            {"enable.sparse.connections", "false"},
        };
        rd_kafka_conf_t *conf = bp_kafka_conf_new(
            r->conf.kafka, r->conf.kafka_cnt, errstr, errstr_size);
        rd_kafka_t *rk;
        size_t      i;
        if (!conf)
                return NULL;
        for (i = 0; i < sizeof(kv) / sizeof(*kv); i++)
                if (bp_kafka_conf_set(conf, kv[i].key, kv[i].value, errstr,
                                      errstr_size)) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        rd_kafka_conf_set_log_cb(conf, bp_log_rdkafka);
        if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size)))
                rd_kafka_conf_destroy(conf);
        return rk;
}

/* Brings the restore consumer's assignment in line with the restores in
 * progress: changelog partitions of new restores are added at the offset
 * their task expects, those of restores that ended are removed.
 * Incremental (a consumer outside any group may change its assignment
 * piecemeal), so the partitions still being read keep their fetch state:
 * replacing the whole assignment each time one of many restores ends
 * restarted every fetch and cost more than the reading. */
static void reassign(bp_runner_t *r) {
        rd_kafka_topic_partition_list_t *add, *del;
        int                              p;

        if (!r->restore_rk)
                return;
        add = rd_kafka_topic_partition_list_new(r->partition_cnt);
        del = rd_kafka_topic_partition_list_new(r->partition_cnt);
        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t *t    = r->tasks[p];
                bool       want = t && t->restore && !t->restore->done;
                if (want && !r->restore_assigned[p])
                        rd_kafka_topic_partition_list_add(
                            add, r->conf.topic_changelog, p)
                            ->offset = t->restore->pos;
                else if (!want && r->restore_assigned[p])
                        rd_kafka_topic_partition_list_add(
                            del, r->conf.topic_changelog, p);
                else
                        continue;
                r->restore_assigned[p] = want;
        }
        if (del->cnt > 0)
                bp_runner_log_error(
                    "incremental_unassign",
                    rd_kafka_incremental_unassign(r->restore_rk, del));
        if (add->cnt > 0)
                bp_runner_log_error(
                    "incremental_assign",
                    rd_kafka_incremental_assign(r->restore_rk, add));
        rd_kafka_topic_partition_list_destroy(add);
        rd_kafka_topic_partition_list_destroy(del);
}

/* The task restored: its offsets come from the last batch applied. */
static void finish(bp_runner_t *r, bp_task_t *t) {
        bp_restore_t *rs = t->restore;
        int64_t       ms = bp_runner_now_ms() - rs->t0;

        memcpy(t->committed, rs->cp.input_offsets, sizeof(t->committed));
        memcpy(t->next, rs->cp.input_offsets, sizeof(t->next));
        memcpy(t->fetched, rs->cp.input_offsets, sizeof(t->fetched));
        snprintf(t->rules_version, sizeof(t->rules_version), "%s",
                 rs->cp.rules_version);
        memcpy(t->committed_rules_version, t->rules_version,
               sizeof(t->committed_rules_version));
        BP_LOG(BP_LOG_INFO, "restored",
               "partition=%d from=%lld to=%lld records=%llu ms=%lld "
               "records_per_s=%.0f compacted_batches=%llu",
               (int)t->partition, (long long)rs->start, (long long)rs->pos,
               (unsigned long long)rs->records, (long long)ms,
               ms > 0 ? (double)rs->records * 1000.0 / (double)ms : 0.0,
               (unsigned long long)rs->compacted);
        t->seal_offset =
            rs->cp.changelog_offset > 0 ? rs->cp.changelog_offset - 1 : -1;
        restore_free(rs);
        t->restore = NULL;
        r->restoring--;
}

/* Where the task's restore starts: its checkpoint, unless the changelog
 * no longer holds it (retention, or the mock's 5 MiB window). */
static bp_err_t restore_range(bp_runner_t *r, bp_task_t *t, bp_restore_t *rs,
                              char *errstr, size_t errstr_size) {
        int64_t             lo = 0, hi = 0, deadline;
        rd_kafka_resp_err_t kerr;
        bp_err_t            err;
        int                 i;

        err = bp_store_get_checkpoint(r->store, t->partition, &rs->cp, errstr,
                                      errstr_size);
        if (err && err != BP_ERR_NOT_FOUND)
                return err;
        /* A partition whose leader is moving (a topic just created, a
         * broker restarting) answers NOT_LEADER for a moment: retriable
         * errors are asked again until the same time bound. */
        deadline = bp_runner_now_ms() + WATERMARK_TIMEOUT_MS;
        for (;;) {
                kerr = rd_kafka_query_watermark_offsets(
                    r->consumer, r->conf.topic_changelog, t->partition, &lo,
                    &hi, WATERMARK_TIMEOUT_MS);
                if (!kerr || bp_kafka_err_class(kerr) != BP_KAFKA_RETRIABLE ||
                    bp_runner_now_ms() >= deadline)
                        break;
                usleep(100 * 1000);
        }
        if (kerr) {
                snprintf(errstr, errstr_size, "changelog watermarks: %s",
                         rd_kafka_err2str(kerr));
                return BP_ERR_KAFKA;
        }
        rs->start = rs->cp.changelog_offset >= 0 ? rs->cp.changelog_offset : lo;
        if (rs->start < lo) {
                BP_LOG(BP_LOG_WARN, "changelog_truncated",
                       "partition=%d checkpoint=%lld earliest=%lld",
                       (int)t->partition, (long long)rs->start, (long long)lo);
                rs->start = lo;
        }
        rs->end = hi;
        rs->pos = rs->start;
        for (i = 0; i < SEALS_SEEN; i++)
                rs->seals[i] = rs->start - 1;
        return BP_OK;
}

bp_err_t bp_restore_open(bp_runner_t *r, char *errstr, size_t errstr_size) {
        if (r->restore_rk)
                return BP_OK;
        if (!r->restore_assigned &&
            !(r->restore_assigned =
                  calloc((size_t)r->partition_cnt, sizeof(bool))))
                return BP_ERR_NOMEM;
        if (!(r->restore_rk = restore_consumer(r, errstr, errstr_size)))
                return BP_ERR_KAFKA;
        return BP_OK;
}

bp_err_t bp_restore_start(bp_runner_t *r, bp_task_t *t, char *errstr,
                          size_t errstr_size) {
        bp_restore_t *rs = calloc(1, sizeof(*rs));
        bp_err_t      err;

        if (!rs)
                return BP_ERR_NOMEM;
        rs->t0 = rs->last_seen = bp_runner_now_ms();
        if ((err = restore_range(r, t, rs, errstr, errstr_size))) {
                restore_free(rs);
                return err;
        }
        t->restore = rs;
        r->restoring++;
        if (rs->start >= rs->end) {
                finish(r, t); /* nothing to read: ready at once */
                return BP_OK;
        }
        if ((err = bp_restore_open(r, errstr, errstr_size)))
                return err;
        BP_LOG(BP_LOG_INFO, "restore_started",
               "partition=%d from=%lld to=%lld full=%s", (int)t->partition,
               (long long)rs->start, (long long)rs->end,
               rs->cp.changelog_offset < 0 ? "true" : "false");
        r->restore_reassign = true;
        return BP_OK;
}

void bp_restore_cancel(bp_runner_t *r, bp_task_t *t) {
        if (!t->restore)
                return;
        BP_LOG(BP_LOG_INFO, "restore_cancelled", "partition=%d records=%llu",
               (int)t->partition, (unsigned long long)t->restore->records);
        restore_free(t->restore);
        t->restore = NULL;
        r->restoring--;
        r->restore_reassign = true;
}

/* The batch attempt a changelog record names (BP_BATCH_HEADER), or NULL
 * for a record without one (a state written since the seals name their
 * first state, or anything written before either header). */
static const void *attempt_of(const rd_kafka_message_t *m, size_t *size) {
        rd_kafka_headers_t *hdrs;
        const void         *val;
        if (rd_kafka_message_headers(m, &hdrs) ||
            rd_kafka_header_get_last(hdrs, BP_BATCH_HEADER, &val, size))
                return NULL;
        return val;
}

/* What a seal's header `name` holds: an offset (-1 or more) in *out;
 * HDR_ABSENT for a seal written before there was such a header;
 * HDR_GARBAGE for anything that is not such a number. */
typedef enum { HDR_OFFSET, HDR_ABSENT, HDR_GARBAGE } hdr_offset_t;

static hdr_offset_t header_offset(const rd_kafka_message_t *m, const char *name,
                                  int64_t *out) {
        rd_kafka_headers_t *hdrs;
        const void         *val;
        size_t              size;
        char                text[24], *end;
        long long           v;

        if (rd_kafka_message_headers(m, &hdrs) ||
            rd_kafka_header_get_last(hdrs, name, &val, &size))
                return HDR_ABSENT;
        if (!val || size == 0 || size >= sizeof(text))
                return HDR_GARBAGE;
        memcpy(text, val, size);
        text[size] = '\0';
        errno      = 0;
        v          = strtoll(text, &end, 10);
        if (errno || *end || v < -1)
                return HDR_GARBAGE;
        *out = v;
        return HDR_OFFSET;
}

/* Did this restore read the previous seal that offsets_rec names
 * (BP_PREV_SEAL_HEADER)? true also for a seal without the header (written
 * before there was one: filtered as it was then). A header that is not a
 * number counts as not read: every state of the batch is kept, which is
 * right wherever read_committed holds. */
static bool seal_seen(const bp_restore_t       *rs,
                      const rd_kafka_message_t *offsets_rec) {
        int64_t prev;
        int     i;

        switch (header_offset(offsets_rec, BP_PREV_SEAL_HEADER, &prev)) {
        case HDR_ABSENT:
                return true;
        case HDR_GARBAGE:
                return false;
        case HDR_OFFSET:
                break;
        }
        for (i = 0; i < SEALS_SEEN; i++)
                if (rs->seals[i] == prev)
                        return true;
        return false;
}

/* Which of the records before a seal are of the attempt it seals; read
 * once per seal (seal_filter), asked per record (of_sealed_attempt). */
typedef struct seal_filter_s {
        hdr_offset_t first_hdr; /* BP_FIRST_STATE_HEADER */
        int64_t      first;
        const void  *attempt; /* BP_BATCH_HEADER, or NULL */
        size_t       attempt_size;
} seal_filter_t;

static void seal_filter(const rd_kafka_message_t *offsets_rec,
                        seal_filter_t            *f) {
        f->first = -1;
        f->first_hdr =
            header_offset(offsets_rec, BP_FIRST_STATE_HEADER, &f->first);
        f->attempt = attempt_of(offsets_rec, &f->attempt_size);
}

/* Is pending record m a state of the attempt the seal of f seals? Asked
 * only where the restore read the whole window before the seal
 * (seal_seen): states before the attempt's first one
 * (BP_FIRST_STATE_HEADER), or, for records written before that header,
 * states that name another attempt (BP_BATCH_HEADER), are of a batch cut
 * short, whose aborted records a cluster that does not enforce
 * read_committed shows. A first-state header that is not a number keeps
 * them all. */
static bool of_sealed_attempt(const rd_kafka_message_t *m,
                              const seal_filter_t      *f) {
        const void *attempt;
        size_t      size;

        switch (f->first_hdr) {
        case HDR_OFFSET:
                return f->first >= 0 && m->offset >= f->first;
        case HDR_GARBAGE:
                return true;
        case HDR_ABSENT:
                break;
        }
        return !f->attempt || !(attempt = attempt_of(m, &size)) ||
               (size == f->attempt_size &&
                memcmp(attempt, f->attempt, size) == 0);
}

/* Puts one committed batch's states into the slice's LMDB transaction
 * and takes the checkpoint its __offsets record carries, pointing past
 * that record. States of another attempt than the seal's are left out
 * where they can only be aborted ones (see BP_PREV_SEAL_HEADER). */
static bp_err_t apply_batch(bp_runner_t *r, bp_task_t *t, bp_store_batch_t *b,
                            const rd_kafka_message_t *offsets_rec, char *errstr,
                            size_t errstr_size) {
        bp_restore_t *rs = t->restore;
        char          id[BP_ID_MAX + 1];
        size_t        i;
        bool          whole = seal_seen(rs, offsets_rec);
        seal_filter_t filter;
        bp_err_t      err;

        if (!whole)
                rs->compacted++; /* a compacted window: all committed */
        seal_filter(offsets_rec, &filter);
        rs->seals[rs->seal_next] = offsets_rec->offset;
        rs->seal_next            = (rs->seal_next + 1) % SEALS_SEEN;

        if ((err = bp_checkpoint_decode(offsets_rec->payload, offsets_rec->len,
                                        &rs->cp, errstr, errstr_size)))
                return err;
        rs->cp.changelog_offset = offsets_rec->offset + 1;
        for (i = 0; i < rs->pend.cnt; i++) {
                const rd_kafka_message_t *m = rs->pend.msgs[i];
                if (whole && !of_sealed_attempt(m, &filter))
                        continue;
                if (!m->key || m->key_len == 0 || m->key_len > BP_ID_MAX) {
                        snprintf(errstr, errstr_size,
                                 "changelog partition %d offset %lld has a "
                                 "bad key",
                                 (int)t->partition, (long long)m->offset);
                        return BP_ERR_STATE;
                }
                memcpy(id, m->key, m->key_len);
                id[m->key_len] = '\0';
                if ((err = bp_store_batch_put(b, t->partition, id, m->payload,
                                              m->len, errstr, errstr_size)))
                        return err;
        }
        rs->records += rs->pend.cnt;
        r->stats.restored_records += rs->pend.cnt;
        bp_runner_metrics_restored(r->metrics, rs->pend.cnt);
        pending_clear(&rs->pend);
        rs->dirty = true;
        return BP_OK;
}

/* Takes one changelog record or event. *rkmp is set to NULL when the
 * record was kept (pending); the caller destroys what is left. *endedp
 * is set when a restore reached its end. */
static bp_err_t take(bp_runner_t *r, rd_kafka_message_t **rkmp,
                     bp_store_batch_t **bp, bool *endedp, char *errstr,
                     size_t errstr_size) {
        rd_kafka_message_t *rkm = *rkmp;
        int32_t             p   = rkm->partition;
        bp_task_t    *t  = p >= 0 && p < r->partition_cnt ? r->tasks[p] : NULL;
        bp_restore_t *rs = t ? t->restore : NULL;

        /* Not restoring any more, or fetched before a seek. */
        if (!rs || rs->done || rkm->offset < rs->pos)
                return BP_OK;
        if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                rs->done = *endedp = true;
                return BP_OK;
        }
        if (rkm->err) {
                snprintf(errstr, errstr_size, "changelog partition %d: %s",
                         (int)p, rd_kafka_message_errstr(rkm));
                return BP_ERR_KAFKA;
        }
        rs->pos       = rkm->offset + 1;
        rs->last_seen = bp_runner_now_ms();
        if (!bp_changelog_is_seal(rkm)) {
                if (pending_add(&rs->pend, rkm))
                        return BP_ERR_NOMEM;
                *rkmp = NULL;
                return BP_OK;
        }
        if (!*bp &&
            !(*bp = bp_store_batch_begin(r->store, errstr, errstr_size)))
                return BP_ERR_STATE;
        return apply_batch(r, t, *bp, rkm, errstr, errstr_size);
}

/* Ends the slice's LMDB transaction with the checkpoint of every task
 * that applied a batch in it. */
static bp_err_t commit_slice(bp_runner_t *r, bp_store_batch_t *b, char *errstr,
                             size_t errstr_size) {
        int      p;
        bp_err_t err = BP_OK;
        for (p = 0; p < r->partition_cnt && !err; p++) {
                bp_task_t *t = r->tasks[p];
                if (!t || !t->restore || !t->restore->dirty)
                        continue;
                err = bp_store_batch_set_checkpoint(b, p, &t->restore->cp,
                                                    errstr, errstr_size);
                t->restore->dirty = false;
        }
        if (err) {
                bp_store_batch_abort(b);
                return err;
        }
        return bp_store_batch_commit(b, errstr, errstr_size);
}

/* True when some task is past its restore, so slices must stay short. */
static bool any_ready(const bp_runner_t *r) {
        int p;
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && !r->tasks[p]->restore)
                        return true;
        return false;
}

/* True when every restore has read to the end. */
static bool all_done(const bp_runner_t *r) {
        int p;
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && r->tasks[p]->restore &&
                    !r->tasks[p]->restore->done)
                        return false;
        return true;
}

/* Reads for one slice of time, or until every restore reached its end:
 * the slice is one durable LMDB commit, so it is not cut short when the
 * fetcher is momentarily behind (a commit per handful of records is what
 * makes restores slow). Once nothing is queued, a restore that reached
 * its end does end the slice, so that its task starts now rather than
 * when the slice would have: a delta restore reads its tail in a few
 * milliseconds, and waited out the whole one-second slice. */
static bp_err_t read_slice(bp_runner_t *r, char *errstr, size_t errstr_size) {
        int64_t deadline =
            bp_runner_now_ms() + (any_ready(r) ? SLICE_MS : SLICE_ALONE_MS);
        bp_store_batch_t *b    = NULL;
        bp_err_t          err  = BP_OK;
        unsigned          n    = 0;
        bool              idle = true, ended = false;

        while (!err) {
                rd_kafka_message_t *rkm =
                    rd_kafka_consumer_poll(r->restore_rk, idle ? 5 : 0);
                if (rkm) {
                        idle = false;
                        err  = take(r, &rkm, &b, &ended, errstr, errstr_size);
                        if (rkm)
                                rd_kafka_message_destroy(rkm);
                        if (++n % SLICE_CHECK == 0 &&
                            bp_runner_now_ms() >= deadline)
                                break;
                        continue;
                }
                idle = true;
                if (ended || bp_runner_now_ms() >= deadline || all_done(r))
                        break;
        }
        if (err) {
                bp_store_batch_abort(b);
                return err;
        }
        return b ? commit_slice(r, b, errstr, errstr_size) : BP_OK;
}

static void log_progress(bp_runner_t *r) {
        int64_t  now = bp_runner_now_ms();
        uint64_t n   = r->stats.restored_records;
        if (now - r->restore_log_ms < PROGRESS_LOG_MS)
                return;
        BP_LOG(BP_LOG_INFO, "restore_progress",
               "restoring=%d records=%llu records_per_s=%.0f", r->restoring,
               (unsigned long long)n,
               (double)(n - r->restore_log_records) * 1000.0 /
                   (double)(now - r->restore_log_ms));
        r->restore_log_ms      = now;
        r->restore_log_records = n;
}

/* Tasks whose restore reached the end become ready; one that has seen
 * nothing for too long stops the process (the changelog is unreachable). */
static bp_err_t finish_done(bp_runner_t *r, char *errstr, size_t errstr_size) {
        int  p, finished = 0;
        bool stalled = false;
        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t *t = r->tasks[p];
                if (!t || !t->restore)
                        continue;
                if (!t->restore->done) {
                        stalled = stalled ||
                                  bp_runner_now_ms() - t->restore->last_seen >
                                      STALL_MS;
                        continue;
                }
                finish(r, t);
                bp_rebalance_task_ready(r, t);
                finished++;
        }
        if (finished)
                r->restore_reassign = true;
        if (stalled) {
                snprintf(errstr, errstr_size,
                         "changelog: nothing received in %d ms", STALL_MS);
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

bp_err_t bp_restore_step(bp_runner_t *r) {
        char     errstr[512];
        bp_err_t err;

        /* One change of assignment for every change since the last step
         * (a rebalance may start many restores at once). */
        if (r->restore_reassign) {
                r->restore_reassign = false;
                reassign(r);
        }
        if (r->restoring == 0)
                return BP_OK;
        if (r->restore_log_ms == 0) {
                r->restore_log_ms      = bp_runner_now_ms();
                r->restore_log_records = r->stats.restored_records;
        }
        if ((err = read_slice(r, errstr, sizeof(errstr))) ||
            (err = finish_done(r, errstr, sizeof(errstr)))) {
                bp_runner_set_fatal(r, "restore: %s", errstr);
                return err;
        }
        log_progress(r);
        if (r->restoring == 0) {
                r->restore_log_ms = 0;
                bp_metrics_server_set_ready(r->conf.server, !r->fatal);
        }
        return BP_OK;
}

void bp_restore_close(bp_runner_t *r) {
        if (r->restore_rk) {
                rd_kafka_consumer_close(r->restore_rk);
                rd_kafka_destroy(r->restore_rk);
                r->restore_rk = NULL;
        }
        free(r->restore_assigned);
        r->restore_assigned = NULL;
}
