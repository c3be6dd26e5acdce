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
 * changelog got, and in the tasks' caches; anything that would read the
 * store instead of the cache (a cache drop, an abort's rewind, a
 * revoked or re-evaluated partition, shutdown) flushes first.
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
                        rec.partition = t->partition;
                        rec.id_off    = r->pending.len;
                        if (pending_bytes(r, id, strlen(id) + 1))
                                goto nomem;
                        rec.val_off = r->pending.len;
                        rec.val_len = len;
                        if (pending_bytes(r, r->state_enc.data + off, len))
                                goto nomem;
                        r->pending_recs[r->pending_cnt++] = rec;
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

bp_err_t bp_runner_store_flush(bp_runner_t *r) {
        char              errstr[512];
        bp_store_batch_t *b;
        int64_t           t0 = bp_runner_now_ms();
        size_t            i, records = r->pending_cnt;
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
        /* In commit order: a state queued twice ends with its later value. */
        for (i = 0; i < r->pending_cnt && !err; i++) {
                const bp_pending_rec_t *rec = &r->pending_recs[i];
                err = bp_store_batch_put(b, rec->partition,
                                         (const char *)r->pending.data +
                                             rec->id_off,
                                         r->pending.data + rec->val_off,
                                         rec->val_len, errstr, sizeof(errstr));
        }
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
        r->pending_cnt = 0;
        BP_LOG(BP_LOG_DEBUG, "store_flushed", "records=%zu store_ms=%lld",
               records, (long long)(bp_runner_now_ms() - t0));
        return BP_OK;
fail:
        bp_runner_set_fatal(r, "state store: %s", errstr);
        return BP_ERR_STATE;
}
