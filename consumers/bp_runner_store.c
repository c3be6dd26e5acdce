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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_log.h"
#include "bp_runner_int.h"

/* Appends len bytes to the pending buffer; BP_ERR_NOMEM on failure. */
static bp_err_t pending_bytes(bp_runner_t *r, const void *data, size_t len) {
        return bp_buf_append(&r->pending, data, len);
}

/* FNV-1a over the partition and the id. */
static uint64_t pending_hash(int32_t partition, const char *id) {
        uint64_t h = 0xcbf29ce484222325ULL;
        int      i;
        for (i = 0; i < 4; i++, partition >>= 8)
                h = (h ^ (uint8_t)partition) * 0x100000001b3ULL;
        for (; *id; id++)
                h = (h ^ (uint8_t)*id) * 0x100000001b3ULL;
        return h;
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
static bool rec_is(const bp_runner_t *r, const bp_pending_rec_t *rec,
                   int32_t partition, uint64_t h, const char *id) {
        return rec->hash == h && rec->partition == partition &&
               strcmp((const char *)r->pending.data + rec->id_off, id) == 0;
}

/* The index slot of (partition, id): the one holding its record, or the
 * free slot where it belongs. The index must have a free slot. */
static size_t idx_slot(const bp_runner_t *r, int32_t partition, uint64_t h,
                       const char *id) {
        size_t mask = r->pending_idx_cap - 1, i;
        for (i = (size_t)h & mask; r->pending_idx[i]; i = (i + 1) & mask)
                if (rec_is(r, &r->pending_recs[r->pending_idx[i] - 1],
                           partition, h, id))
                        break;
        return i;
}

/* Makes the index cap slots (a power of two) and re-inserts the records
 * that are not superseded. */
static bp_err_t idx_rebuild(bp_runner_t *r, size_t cap) {
        uint32_t *idx = calloc(cap, sizeof(*idx));
        size_t    i, j;
        if (!idx)
                return BP_ERR_NOMEM;
        for (i = 0; i < r->pending_cnt; i++) {
                if (r->pending_recs[i].superseded)
                        continue;
                for (j = (size_t)r->pending_recs[i].hash & (cap - 1); idx[j];
                     j = (j + 1) & (cap - 1))
                        ;
                idx[j] = (uint32_t)(i + 1);
        }
        free(r->pending_idx);
        r->pending_idx     = idx;
        r->pending_idx_cap = cap;
        return BP_OK;
}

/* Doubles the index (at least 4,096 slots). */
static bp_err_t idx_grow(bp_runner_t *r) {
        return idx_rebuild(r,
                           r->pending_idx_cap ? r->pending_idx_cap * 2 : 4096);
}

/* Indexes the record just appended (pending_recs[pending_cnt - 1]),
 * superseding any earlier one of the same freelancer. */
static bp_err_t idx_put(bp_runner_t *r) {
        size_t            n   = r->pending_cnt;
        bp_pending_rec_t *rec = &r->pending_recs[n - 1];
        size_t            i;
        /* At most half full (counting superseded records: a bound). */
        if (2 * n > r->pending_idx_cap && idx_grow(r))
                return BP_ERR_NOMEM;
        i = idx_slot(r, rec->partition, rec->hash,
                     (const char *)r->pending.data + rec->id_off);
        /* A growth just now indexed rec itself (a new state: growth
         * found no earlier record of it). */
        if (r->pending_idx[i] == (uint32_t)n) {
                r->pending_live++;
                return BP_OK;
        }
        if (r->pending_idx[i])
                r->pending_recs[r->pending_idx[i] - 1].superseded = true;
        else
                r->pending_live++;
        r->pending_idx[i] = (uint32_t)n;
        return BP_OK;
}

bool bp_runner_store_pending_get(const bp_runner_t *r, int32_t partition,
                                 const char *freelancer_id, const void **val,
                                 size_t *len) {
        const bp_pending_rec_t *rec;
        size_t                  i;
        if (r->pending_cnt == 0)
                return false;
        i = idx_slot(r, partition, pending_hash(partition, freelancer_id),
                     freelancer_id);
        if (!r->pending_idx[i])
                return false;
        rec  = &r->pending_recs[r->pending_idx[i] - 1];
        *val = r->pending.data + rec->val_off;
        *len = rec->val_len;
        return true;
}

bp_err_t bp_runner_store_queue(bp_runner_t *r) {
        int p;

        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t *t = r->tasks[p];
                size_t     i;
                if (!t || !t->active)
                        continue;
                for (i = 0; i < t->dirty_cnt; i++) {
                        const char      *id  = t->dirty[i]->freelancer_id;
                        size_t           off = t->dirty_enc[i];
                        size_t           len = t->dirty_enc[i + 1] - off;
                        bp_pending_rec_t rec;
                        if (r->pending_cnt == r->pending_cap) {
                                size_t cap =
                                    r->pending_cap ? r->pending_cap * 2 : 4096;
                                bp_pending_rec_t *recs = realloc(
                                    r->pending_recs, cap * sizeof(*recs));
                                if (!recs)
                                        goto nomem;
                                r->pending_recs = recs;
                                r->pending_cap  = cap;
                        }
                        /* The id with its NUL (the store takes a C
                         * string), then the value the changelog got. */
                        rec.partition  = t->partition;
                        rec.superseded = false;
                        rec.hash       = pending_hash(t->partition, id);
                        rec.id_off     = r->pending.len;
                        if (pending_bytes(r, id, strlen(id) + 1))
                                goto nomem;
                        rec.val_off = r->pending.len;
                        rec.val_len = len;
                        if (pending_bytes(r, r->state_enc.data + off, len))
                                goto nomem;
                        r->pending_recs[r->pending_cnt++] = rec;
                        if (idx_put(r))
                                goto nomem;
                }
                bp_checkpoint_init(&t->pending_cp);
                memcpy(t->pending_cp.input_offsets, t->next,
                       sizeof(t->pending_cp.input_offsets));
                t->pending_cp.changelog_offset = t->changelog_next;
                snprintf(t->pending_cp.rules_version,
                         sizeof(t->pending_cp.rules_version), "%s",
                         t->rules_version);
                t->store_pending = true;
        }
        return BP_OK;
nomem:
        bp_runner_set_fatal(r, "state store: out of memory queueing states");
        return BP_ERR_STATE;
}

/* A live queued record in the flush's put order. */
typedef struct sort_key_s {
        int32_t     partition;
        uint32_t    rec;    /* index in pending_recs */
        uint64_t    prefix; /* id_prefix(id) */
        const char *id;     /* in pending (not moved during the sort) */
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

/* The live (not superseded) queued records in store key order, *cntp of
 * them; NULL on ENOMEM. The caller frees it. */
static sort_key_t *sorted_live(const bp_runner_t *r, size_t *cntp) {
        sort_key_t *keys = malloc((r->pending_cnt + 1) * sizeof(*keys));
        size_t      i, n = 0;
        if (!keys)
                return NULL;
        for (i = 0; i < r->pending_cnt; i++) {
                const bp_pending_rec_t *rec = &r->pending_recs[i];
                const char *id = (const char *)r->pending.data + rec->id_off;
                if (!rec->superseded)
                        keys[n++] = (sort_key_t){rec->partition, (uint32_t)i,
                                                 id_prefix(id), id};
        }
        qsort(keys, n, sizeof(*keys), sort_key_cmp);
        *cntp = n;
        return keys;
}

bp_err_t bp_runner_store_flush(bp_runner_t *r) {
        char              errstr[512];
        bp_store_batch_t *b;
        int64_t           t0 = bp_runner_now_ms();
        size_t            i, records = r->pending_cnt, written = 0;
        sort_key_t       *keys;
        int               p;
        bp_err_t          err = BP_OK;

        r->last_flush_ms = t0;
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && r->tasks[p]->store_pending)
                        break;
        if (p == r->partition_cnt && r->pending_cnt == 0)
                return BP_OK;
        if (!(b = bp_store_batch_begin(r->store, errstr, sizeof(errstr))))
                goto fail;
        /* The latest record of each state only (the index superseded the
         * others), in store key order (bp_store_batch_put: each put then
         * finds its page from the previous one's; a sorted flush of
         * 8,000 states took ~35 % fewer instructions in LMDB). */
        if (!(keys = sorted_live(r, &written))) {
                bp_store_batch_abort(b);
                snprintf(errstr, sizeof(errstr), "out of memory");
                goto fail;
        }
        for (i = 0; i < written && !err; i++) {
                const bp_pending_rec_t *rec = &r->pending_recs[keys[i].rec];
                err = bp_store_batch_put(b, rec->partition,
                                         (const char *)r->pending.data +
                                             rec->id_off,
                                         r->pending.data + rec->val_off,
                                         rec->val_len, errstr, sizeof(errstr));
        }
        free(keys);
        for (p = 0; p < r->partition_cnt && !err; p++) {
                bp_task_t *t = r->tasks[p];
                if (t && t->store_pending)
                        err = bp_store_batch_set_checkpoint(
                            b, t->partition, &t->pending_cp, errstr,
                            sizeof(errstr));
        }
        if (err) {
                bp_store_batch_abort(b);
                goto fail;
        }
        if (bp_store_batch_commit(b, errstr, sizeof(errstr)))
                goto fail; /* commit frees the batch, failed or not */
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p])
                        r->tasks[p]->store_pending = false;
        bp_buf_reset(&r->pending);
        r->pending_cnt  = 0;
        r->pending_live = 0;
        if (r->pending_idx)
                memset(r->pending_idx, 0,
                       r->pending_idx_cap * sizeof(*r->pending_idx));
        BP_LOG(BP_LOG_DEBUG, "store_flushed",
               "records=%zu written=%zu store_ms=%lld", records, written,
               (long long)(bp_runner_now_ms() - t0));
        return BP_OK;
fail:
        bp_runner_set_fatal(r, "state store: %s", errstr);
        return BP_ERR_STATE;
}
