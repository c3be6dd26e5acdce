/*
 * bp_runner_store.c - step 4 of the protocol, batched: committed batches'
 * states and checkpoints go to LMDB together, at most every
 * BP_STORE_FLUSH_MS, instead of one LMDB transaction per Kafka
 * transaction.
 *
 * Why: a batch of 10,000 events changes thousands of states scattered
 * over the B-tree; each LMDB commit rewrites their leaf pages and waits
 * for two fsyncs, and took 10-110 ms of the runner's single thread after
 * every 100 ms batch. Several batches in one LMDB transaction write each
 * page once, sync once, and a state changed in several of them is
 * written once per flush (the last put wins) rather than once per batch.
 *
 * Why it is safe: the store is a checkpoint of the changelog, not the
 * record of truth. Restore reads the changelog from the stored
 * checkpoint to its end (bp_restore.c), so a crash that loses batches
 * not yet flushed replays them from there; what costs is a slightly
 * longer restore (at most a second of changelog). Between flushes the
 * committed-but-unstored states live here as the exact bytes the
 * changelog got, and in the tasks' caches; a task that misses its cache
 * looks here before the store (bp_runner_store_pending_get), so a cache
 * may be dropped without a flush. Anything else that reads the store (an
 * abort's rewind, a revoked or re-evaluated partition, shutdown) flushes
 * first.
 *
 * Why the index: with more freelancers than state.cache.max, a task's
 * cache overflowed after nearly every batch, and dropping it required a
 * flush first, so the store was written once per batch after all
 * (100,000 freelancers: a 15-45 ms LMDB commit after most 100 ms
 * batches). The index also makes a flush write each state once, however
 * many batches changed it since the last one.
 *
 * Why in the background: even batched, a flush forced by
 * BP_STORE_PENDING_STATES came after nearly every batch with 100,000
 * freelancers and took 10-45 ms, a third of the runner thread's time.
 * The runner now hands the queue over (bp_worker.c) and starts a
 * new one; until the write has ended and the runner has seen it, cache
 * misses look in both sets, newest first, then in the store. The runner
 * waits for the previous write before handing over the next, so at most
 * one set is in flight and a store miss never reads a state older than
 * what is in flight. A failed write is fatal at that wait, one flush
 * later than before: nothing was lost, the changelog holds it all.
 *
 * The staged set: the states of the batch whose Kafka commit is still in
 * flight on the committer thread (bp_runner_txn.c). A cache miss looks
 * there first; when the commit is known they join the queue (the set
 * simply becomes the queue when the queue is empty, as it is after most
 * flushes), or are dropped with an abort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_hash.h"
#include "bp_log.h"
#include "bp_runner_int.h"

/* The index hash of (partition, id): the state map's string hash, with
 * the partition mixed in (the same id may be queued for two partitions
 * only across a rebalance, but then both must be found). */
static uint64_t pending_hash(int32_t partition, const char *id) {
        return bp_hash_bytes(id, strlen(id)) ^
               (uint64_t)(uint32_t)partition * 0x9E3779B97F4A7C15ULL;
}

/* The first 8 bytes of id (NUL-padded) as a big-endian number: ordered
 * as the bytes are. */
static uint64_t id_prefix(const char *id) {
        uint64_t v = 0;
        int      i;
        for (i = 0; i < 8; i++)
                v = v << 8 | (uint8_t)(*id ? *id++ : 0);
        return v;
}

/* Is rec the record of (partition, id), whose hash is h? */
static bool rec_is(const bp_pending_t *q, const bp_pending_rec_t *rec,
                   int32_t partition, uint64_t h, const char *id) {
        return rec->hash == h && rec->partition == partition &&
               strcmp((const char *)q->bytes.data + rec->id_off, id) == 0;
}

/* The index slot of (partition, id): the one holding its record, or the
 * free slot where it belongs. The index must have a free slot. */
static size_t idx_slot(const bp_pending_t *q, int32_t partition, uint64_t h,
                       const char *id) {
        size_t mask = q->idx_cap - 1, i;
        for (i = (size_t)h & mask; q->idx[i]; i = (i + 1) & mask)
                if (rec_is(q, &q->recs[q->idx[i] - 1], partition, h, id))
                        break;
        return i;
}

/* Makes the index cap slots (a power of two) and re-inserts the records
 * that are not superseded. */
static bp_err_t idx_rebuild(bp_pending_t *q, size_t cap) {
        uint32_t *idx = calloc(cap, sizeof(*idx));
        size_t    i, j;
        if (!idx)
                return BP_ERR_NOMEM;
        for (i = 0; i < q->cnt; i++) {
                if (q->recs[i].superseded)
                        continue;
                for (j = (size_t)q->recs[i].hash & (cap - 1); idx[j];
                     j = (j + 1) & (cap - 1))
                        ;
                idx[j] = (uint32_t)(i + 1);
        }
        free(q->idx);
        q->idx     = idx;
        q->idx_cap = cap;
        return BP_OK;
}

/* Doubles the index (at least 4,096 slots). */
static bp_err_t idx_grow(bp_pending_t *q) {
        return idx_rebuild(q, q->idx_cap ? q->idx_cap * 2 : 4096);
}

/* Indexes the record just appended (recs[cnt - 1]), superseding any
 * earlier one of the same freelancer. */
static bp_err_t idx_put(bp_pending_t *q) {
        size_t            n   = q->cnt;
        bp_pending_rec_t *rec = &q->recs[n - 1];
        size_t            i;
        /* At most half full (counting superseded records: a bound). */
        if (2 * n > q->idx_cap && idx_grow(q))
                return BP_ERR_NOMEM;
        i = idx_slot(q, rec->partition, rec->hash,
                     (const char *)q->bytes.data + rec->id_off);
        /* A growth just now indexed rec itself (a new state: growth
         * found no earlier record of it). */
        if (q->idx[i] == (uint32_t)n) {
                q->live++;
                return BP_OK;
        }
        if (q->idx[i])
                q->recs[q->idx[i] - 1].superseded = true;
        else
                q->live++;
        q->idx[i] = (uint32_t)n;
        return BP_OK;
}

/* The latest record of (partition, id) in q, or NULL. */
static const bp_pending_rec_t *
set_find(const bp_pending_t *q, int32_t partition, uint64_t h, const char *id) {
        size_t i;
        if (q->cnt == 0)
                return NULL;
        i = idx_slot(q, partition, h, id);
        return q->idx[i] ? &q->recs[q->idx[i] - 1] : NULL;
}

bool bp_runner_store_pending_get(const bp_runner_t *r, int32_t partition,
                                 const char *freelancer_id, const void **val,
                                 size_t *len) {
        uint64_t                  h = pending_hash(partition, freelancer_id);
        const bp_pending_t *const sets[] = {&r->staged, r->pending,
                                            r->flushing};
        size_t                    i;
        /* Newest first: the batch being committed, the committed batches
         * being queued, those being written. */
        for (i = 0; i < sizeof(sets) / sizeof(*sets); i++) {
                const bp_pending_rec_t *rec =
                    set_find(sets[i], partition, h, freelancer_id);
                if (rec) {
                        *val = sets[i]->bytes.data + rec->val_off;
                        *len = rec->val_len;
                        return true;
                }
        }
        return false;
}

/* Appends one state record (the id with its NUL: the store takes a C
 * string; then the value the changelog got) and indexes it. */
static bp_err_t set_add(bp_pending_t *q, int32_t partition, const char *id,
                        const void *val, size_t len) {
        bp_pending_rec_t rec;
        if (q->cnt == q->cap) {
                size_t            cap  = q->cap ? q->cap * 2 : 4096;
                bp_pending_rec_t *recs = realloc(q->recs, cap * sizeof(*recs));
                if (!recs)
                        return BP_ERR_NOMEM;
                q->recs = recs;
                q->cap  = cap;
        }
        rec.partition  = partition;
        rec.superseded = false;
        rec.hash       = pending_hash(partition, id);
        rec.id_off     = q->bytes.len;
        if (bp_buf_append(&q->bytes, id, strlen(id) + 1))
                return BP_ERR_NOMEM;
        rec.val_off = q->bytes.len;
        rec.val_len = len;
        if (bp_buf_append(&q->bytes, val, len))
                return BP_ERR_NOMEM;
        q->recs[q->cnt++] = rec;
        return idx_put(q);
}

/* Sets partition's checkpoint in q (a later batch's replaces an
 * earlier one's). */
static bp_err_t set_checkpoint(bp_pending_t *q, int32_t partition,
                               const bp_checkpoint_t *cp) {
        size_t i;
        for (i = 0; i < q->cp_cnt; i++)
                if (q->cps[i].partition == partition)
                        break;
        if (i == q->cp_cnt) {
                if (q->cp_cnt == q->cp_cap) {
                        size_t           cap = q->cp_cap ? q->cp_cap * 2 : 16;
                        bp_pending_cp_t *cps =
                            realloc(q->cps, cap * sizeof(*cps));
                        if (!cps)
                                return BP_ERR_NOMEM;
                        q->cps    = cps;
                        q->cp_cap = cap;
                }
                q->cp_cnt++;
        }
        q->cps[i].partition = partition;
        q->cps[i].cp        = *cp;
        return BP_OK;
}

/* Empties q, keeping its memory for the next round. */
static void set_reset(bp_pending_t *q) {
        bp_buf_reset(&q->bytes);
        q->cnt    = 0;
        q->live   = 0;
        q->cp_cnt = 0;
        if (q->idx)
                memset(q->idx, 0, q->idx_cap * sizeof(*q->idx));
}

static void set_free(bp_pending_t *q) {
        bp_buf_free(&q->bytes);
        free(q->recs);
        free(q->idx);
        free(q->cps);
        memset(q, 0, sizeof(*q));
}

bp_err_t bp_runner_store_stage(bp_runner_t *r, int32_t partition,
                               const char *freelancer_id, const void *val,
                               size_t len) {
        return set_add(&r->staged, partition, freelancer_id, val, len);
}

void bp_runner_store_unstage(bp_runner_t *r) {
        set_reset(&r->staged);
}

bp_err_t bp_runner_store_queue(bp_runner_t *r, const bp_commit_job_t *job) {
        const bp_pending_t *st = &r->staged;
        bp_pending_t       *q  = r->pending;
        size_t              i;
        int                 k;

        if (q->cnt == 0 && q->cp_cnt == 0) {
                /* Nothing queued (a flush just took it): the staged set
                 * becomes the queue as it is, rather than be copied. */
                bp_pending_t empty = *q;
                *q                 = r->staged;
                r->staged          = empty;
        } else {
                for (i = 0; i < st->cnt; i++) {
                        const bp_pending_rec_t *rec = &st->recs[i];
                        if (!rec->superseded &&
                            set_add(q, rec->partition,
                                    (const char *)st->bytes.data + rec->id_off,
                                    st->bytes.data + rec->val_off,
                                    rec->val_len))
                                goto nomem;
                }
        }
        set_reset(&r->staged);
        for (k = 0; k < job->task_cnt; k++) {
                const bp_job_task_t *jt = &job->tasks[k];
                bp_checkpoint_t      cp;
                bp_checkpoint_init(&cp);
                memcpy(cp.input_offsets, jt->next, sizeof(cp.input_offsets));
                cp.changelog_offset = jt->changelog_next;
                snprintf(cp.rules_version, sizeof(cp.rules_version), "%s",
                         jt->rules_version);
                if (set_checkpoint(q, jt->partition, &cp))
                        goto nomem;
        }
        return BP_OK;
nomem:
        bp_runner_set_fatal(r, "state store: out of memory queueing states");
        return BP_ERR_STATE;
}

/* Is a store flush due after this commit: its period is over, or the
 * queue is large (in bytes, or in states: see BP_STORE_PENDING_STATES)?
 * A task dropping its cache needs none: its misses look in the queue
 * before the store. */
bool bp_runner_store_flush_due(const bp_runner_t *r) {
        const bp_pending_t *q = r->pending;
        if (q->bytes.len >= BP_STORE_PENDING_MAX ||
            q->live >= 2 * BP_STORE_PENDING_STATES)
                return true;
        if (bp_runner_now_ms() - r->last_flush_ms < BP_STORE_FLUSH_MS &&
            q->live < BP_STORE_PENDING_STATES)
                return false;
        /* Due, but while the writer is still on the previous set the
         * runner keeps filling this one (up to the bounds above) rather
         * than wait: a freelancer changed again meanwhile is then
         * written once. */
        return !bp_worker_busy(r->writer);
}

/* A live queued record in the flush's put order. */
typedef struct sort_key_s {
        int32_t     partition;
        uint32_t    rec;    /* index in recs */
        uint64_t    prefix; /* id_prefix(id) */
        const char *id;     /* in bytes (not moved during the sort) */
} sort_key_t;

/* Store key order: partition, then the id's bytes (a prefix first);
 * the ids' first 8 bytes, as one number, usually decide. */
static int sort_key_cmp(const void *a, const void *b) {
        const sort_key_t *x = a, *y = b;
        if (x->partition != y->partition)
                return x->partition < y->partition ? -1 : 1;
        if (x->prefix != y->prefix)
                return x->prefix < y->prefix ? -1 : 1;
        return strcmp(x->id, y->id);
}

/* The live (not superseded) records of q in store key order, *cntp of
 * them; NULL on ENOMEM. The caller frees it. */
static sort_key_t *sorted_live(const bp_pending_t *q, size_t *cntp) {
        sort_key_t *keys = malloc((q->cnt + 1) * sizeof(*keys));
        size_t      i, n = 0;
        if (!keys)
                return NULL;
        for (i = 0; i < q->cnt; i++) {
                const bp_pending_rec_t *rec = &q->recs[i];
                const char *id = (const char *)q->bytes.data + rec->id_off;
                if (!rec->superseded)
                        keys[n++] = (sort_key_t){rec->partition, (uint32_t)i,
                                                 id_prefix(id), id};
        }
        qsort(keys, n, sizeof(*keys), sort_key_cmp);
        *cntp = n;
        return keys;
}

/* Puts keys[from .. to) of q and, when last, q's checkpoints, in one
 * LMDB transaction. */
static bp_err_t write_chunk(const bp_pending_t *q, const sort_key_t *keys,
                            size_t from, size_t to, bool last, char *errstr,
                            size_t errstr_size) {
        bp_store_batch_t *b;
        size_t            i;
        bp_err_t          err = BP_OK;

        if (!(b = bp_store_batch_begin(q->store, errstr, errstr_size)))
                return BP_ERR_STATE;
        for (i = from; i < to && !err; i++) {
                const bp_pending_rec_t *rec = &q->recs[keys[i].rec];
                err = bp_store_batch_put(b, rec->partition,
                                         (const char *)q->bytes.data +
                                             rec->id_off,
                                         q->bytes.data + rec->val_off,
                                         rec->val_len, errstr, errstr_size);
        }
        for (i = 0; last && i < q->cp_cnt && !err; i++)
                err = bp_store_batch_set_checkpoint(
                    b, q->cps[i].partition, &q->cps[i].cp, errstr, errstr_size);
        if (err) {
                bp_store_batch_abort(b);
                return BP_ERR_STATE;
        }
        /* commit frees the batch, failed or not */
        return bp_store_batch_commit(b, errstr, errstr_size) ? BP_ERR_STATE
                                                             : BP_OK;
}

/* The store writer's job (bp_worker.c): q's latest record of each
 * state (the index superseded the others), in store key order
 * (bp_store_batch_put: each put then finds its page from the previous
 * one's; a sorted flush of 8,000 states took ~35 % fewer instructions in
 * LMDB), then its checkpoints. Reads q only.
 *
 * At most state.flush.max.states (q->chunk) states per LMDB transaction: LMDB
 * copies every page a transaction changes into a page-sized buffer and keeps
 * those buffers for reuse until the environment closes, so the largest
 * transaction sets a floor under the heap, about one 4 KiB leaf per
 * state once the store is much larger than a flush (59 MB of heap at
 * 10,000,000 freelancers with 8,192-state transactions; see
 * BP_STORE_WRITE_CHUNK for the default chosen). The checkpoints go in the
 * last transaction: a crash between two leaves
 * states newer than their checkpoint, which the restore replays over
 * from the changelog anyway. */
static bp_err_t write_set(void *arg, char *errstr, size_t errstr_size) {
        bp_pending_t *q  = arg;
        int64_t       t0 = bp_runner_now_ms();
        sort_key_t   *keys;
        size_t        from = 0, n = 0, to;
        bp_err_t      err;

        if (!(keys = sorted_live(q, &n))) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_STATE;
        }
        do {
                to   = n - from > q->chunk ? from + q->chunk : n;
                err  = write_chunk(q, keys, from, to, to == n, errstr,
                                   errstr_size);
                from = to;
        } while (!err && from < n);
        free(keys);
        if (err)
                return err;
        q->written  = n;
        q->write_ms = bp_runner_now_ms() - t0;
        return BP_OK;
}

/* Waits for the write in flight, logs it and empties its set. */
static bp_err_t wait_written(bp_runner_t *r) {
        char          errstr[512];
        bp_pending_t *q = r->flushing;
        if (bp_worker_wait(r->writer, errstr, sizeof(errstr))) {
                bp_runner_set_fatal(r, "state store: %s", errstr);
                return BP_ERR_STATE;
        }
        if (q->cnt || q->cp_cnt)
                BP_LOG(BP_LOG_DEBUG, "store_flushed",
                       "records=%zu written=%zu store_ms=%lld", q->cnt,
                       q->written, (long long)q->write_ms);
        set_reset(q);
        return BP_OK;
}

bp_err_t bp_runner_store_flush_async(bp_runner_t *r) {
        bp_pending_t *q = r->pending;

        r->last_flush_ms = bp_runner_now_ms();
        if (q->cnt == 0 && q->cp_cnt == 0)
                return BP_OK;
        if (wait_written(r))
                return BP_ERR_STATE;
        r->pending  = r->flushing;
        r->flushing = q;
        bp_worker_submit(r->writer, write_set, q);
        return BP_OK;
}

bp_err_t bp_runner_store_flush(bp_runner_t *r) {
        if (bp_runner_store_flush_async(r))
                return BP_ERR_STATE;
        return wait_written(r);
}

bp_err_t bp_runner_store_open(bp_runner_t *r, char *errstr,
                              size_t errstr_size) {
        bp_pending_t *const all[] = {&r->sets[0], &r->sets[1], &r->staged};
        size_t              i;

        r->pending  = &r->sets[0];
        r->flushing = &r->sets[1];
        /* The staged set too: it may become the pending set (see
         * bp_runner_store_queue). */
        for (i = 0; i < sizeof(all) / sizeof(*all); i++) {
                all[i]->store = r->store;
                all[i]->chunk = (size_t)r->conf.state_flush_max_states;
        }
        if (!(r->writer = bp_worker_new(errstr, errstr_size)))
                return BP_ERR_STATE;
        return BP_OK;
}

void bp_runner_store_close(bp_runner_t *r) {
        /* Waits for a write in flight: it reads the sets. */
        bp_worker_destroy(r->writer);
        r->writer = NULL;
        set_free(&r->sets[0]);
        set_free(&r->sets[1]);
        set_free(&r->staged);
}
