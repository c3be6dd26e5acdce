/*
 * bp_runner_txn.c - a batch's end: commit it (step 3 and 4 of the
 * exactly-once protocol in DESIGN.md) or abort it and rewind every task.
 *
 * bp_runner_begin() opens the Kafka transaction of a batch on its first
 * record. bp_runner_commit() produces the batch's badge events and its
 * changed states (bp_changelog.c), sends the input offsets, seals the
 * changelog, commits the transaction (or, at least once, flushes the
 * producer), then queues the states for the store, which a background
 * thread writes about once a second (bp_runner_store.c). Errors are classed as
 * examples/transactions.c does: retriable calls are retried, abortable
 * ones abort the batch and rewind every task to its last commit
 * (bp_runner_abort()), fatal ones (this producer was fenced) stop the
 * loop.
 */
#include <stdio.h>
#include <string.h>

#include "bp_log.h"
#include "bp_runner_int.h"

bp_err_t bp_runner_defer_badge(bp_runner_t *r, const char *key,
                               const void *value, size_t len) {
        uint32_t klen = (uint32_t)strlen(key), vlen = (uint32_t)len;
        if (bp_buf_append(&r->badges, &klen, sizeof(klen)) ||
            bp_buf_append(&r->badges, key, klen) ||
            bp_buf_append(&r->badges, &vlen, sizeof(vlen)) ||
            bp_buf_append(&r->badges, value, len)) {
                bp_runner_set_fatal(r, "out of memory keeping badge events");
                return BP_ERR_NOMEM;
        }
        return BP_OK;
}

/* Produces the badge events kept for this batch, in the order they were
 * decided. A failed produce sets abort_needed. */
static void produce_badges(bp_runner_t *r) {
        const uint8_t *p = r->badges.data, *end = p + r->badges.len;
        while (p < end && !r->abort_needed) {
                uint32_t       klen, vlen;
                const uint8_t *key, *val;
                memcpy(&klen, p, sizeof(klen));
                key = p + sizeof(klen);
                memcpy(&vlen, key + klen, sizeof(vlen));
                val = key + klen + sizeof(vlen);
                p   = val + vlen;
                bp_runner_produce(r, BP_OUT_BADGES, RD_KAFKA_PARTITION_UA, key,
                                  klen, val, vlen, NULL, NULL);
        }
        bp_buf_reset(&r->badges);
}

bp_err_t bp_runner_begin(bp_runner_t *r) {
        rd_kafka_error_t *error;
        if (r->in_txn || r->conf.guarantee != BP_EXACTLY_ONCE)
                return BP_OK;
        if ((error = rd_kafka_begin_transaction(r->producer))) {
                bp_runner_set_fatal(r, "begin transaction: %s",
                                    rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
                return BP_ERR_KAFKA;
        }
        r->in_txn = true;
        return BP_OK;
}

/* The input offsets of the active tasks, for send_offsets_to_transaction
 * (they let the group see progress; recovery does not depend on them). */
static rd_kafka_topic_partition_list_t *batch_offsets(bp_runner_t *r) {
        rd_kafka_topic_partition_list_t *offsets =
            rd_kafka_topic_partition_list_new(4 * r->partition_cnt);
        int p, i;
        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t *t = r->tasks[p];
                if (!t || !t->active)
                        continue;
                for (i = 0; i < BP_MERGE_INPUTS; i++)
                        if (t->next[i] >= 0)
                                rd_kafka_topic_partition_list_add(
                                    offsets, r->conf.topics[i], p)
                                    ->offset = t->next[i];
        }
        return offsets;
}

/* Retries a transactional call while it is retriable. Returns the class
 * of the final outcome; the error text goes to the log. */
static bp_kafka_class_t txn_call(bp_runner_t *r, const char *what,
                                 rd_kafka_error_t *(*call)(bp_runner_t *r)) {
        for (;;) {
                rd_kafka_error_t *error = call(r);
                bp_kafka_class_t  cls   = bp_kafka_error_class(error);
                if (cls == BP_KAFKA_OK)
                        return cls;
                BP_LOG(BP_LOG_WARN, "txn_error", "call=%s class=%s error=%s",
                       what, bp_kafka_class_name(cls),
                       rd_kafka_error_string(error));
                if (cls == BP_KAFKA_FATAL) {
                        bp_runner_check_fenced(r, rd_kafka_error_code(error));
                        bp_runner_set_fatal(r, "%s: %s", what,
                                            rd_kafka_error_string(error));
                }
                rd_kafka_error_destroy(error);
                if (cls != BP_KAFKA_RETRIABLE)
                        return cls;
        }
}

static rd_kafka_error_t *send_offsets(bp_runner_t *r) {
        rd_kafka_topic_partition_list_t    *offsets = batch_offsets(r);
        rd_kafka_consumer_group_metadata_t *cgmd =
            rd_kafka_consumer_group_metadata(r->consumer);
        rd_kafka_error_t *error = NULL;
        if (offsets->cnt > 0)
                error = rd_kafka_send_offsets_to_transaction(
                    r->producer, offsets, cgmd, BP_TXN_TIMEOUT_MS);
        rd_kafka_consumer_group_metadata_destroy(cgmd);
        rd_kafka_topic_partition_list_destroy(offsets);
        return error;
}

static rd_kafka_error_t *commit_txn(bp_runner_t *r) {
        return rd_kafka_commit_transaction(r->producer, BP_TXN_TIMEOUT_MS);
}

static rd_kafka_error_t *abort_txn(bp_runner_t *r) {
        return rd_kafka_abort_transaction(r->producer, BP_TXN_TIMEOUT_MS);
}

/* Drops the batch in flight everywhere and resumes every task from its
 * last commit. */
void bp_runner_abort(bp_runner_t *r) {
        int p;
        if (r->in_txn && r->conf.guarantee == BP_EXACTLY_ONCE &&
            txn_call(r, "abort_transaction", abort_txn) != BP_KAFKA_OK)
                return; /* fatal: the loop stops */
        /* The queued batches were committed: store them before the tasks
         * reload their states from the store. */
        if (bp_runner_store_flush(r))
                return; /* fatal: the loop stops */
        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t *t = r->tasks[p];
                /* A restoring task has nothing in flight, and its inputs
                 * wait for the restore's offsets. */
                if (!t || t->restore)
                        continue;
                bp_task_rewind(t);
                bp_rebalance_seek_committed(r, t);
                /* A re-evaluation in the dropped batch must happen again:
                 * its badge events and changed states are gone. */
                if (strcmp(t->rules_version, r->rules->version) != 0)
                        t->needs_reevaluation = true;
        }
        bp_badge_events_clear(&r->out);
        bp_buf_reset(&r->badges);
        r->in_txn       = false;
        r->batch_events = 0;
        r->abort_needed = false;
        r->stats.aborted++;
        bp_runner_metrics_transaction(r->metrics, 0, 0);
        BP_LOG(BP_LOG_WARN, "batch_aborted", "aborted=%llu",
               (unsigned long long)r->stats.aborted);
}

/* The states each task may keep between batches: state.cache.max shared
 * evenly by the assigned tasks, so that memory does not grow with the
 * number of partitions an instance is given. */
static size_t task_cache_max(const bp_runner_t *r) {
        int p, tasks = 0;
        for (p = 0; p < r->partition_cnt; p++)
                tasks += r->tasks[p] != NULL;
        return r->conf.state_cache_max / (size_t)(tasks ? tasks : 1);
}

/* Is a store flush due after this commit: its period is over, or the
 * queue is large (in bytes, or in states: see BP_STORE_PENDING_STATES)?
 * A task dropping its cache needs none: its misses look in the queue
 * before the store. */
static bool flush_due(const bp_runner_t *r) {
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
        return !bp_store_writer_busy(r->writer);
}

bp_err_t bp_runner_commit(bp_runner_t *r) {
        int64_t          t0 = bp_runner_now_ms(), t_txn, t_prod, t_off, t_seal;
        int              p, tasks = 0;
        size_t           cache_max;
        bp_kafka_class_t cls = BP_KAFKA_OK;

        if (r->batch_events == 0)
                return BP_OK;
        r->last_commit_ms = t0;
        bp_buf_reset(&r->state_enc);
        r->attempt++;
        if (!r->abort_needed)
                produce_badges(r);
        if (!r->abort_needed)
                bp_changelog_produce_states(r, &tasks);
        t_prod = bp_runner_now_ms();
        /* The offsets go to the transaction while the states are on their
         * way (two round trips to the coordinators, which the seal's
         * flush would otherwise wait for first): where in the transaction
         * they are does not matter, only that they commit with it. */
        if (r->conf.guarantee == BP_EXACTLY_ONCE && !r->abort_needed &&
            !r->fatal)
                cls = txn_call(r, "send_offsets_to_transaction", send_offsets);
        t_off = bp_runner_now_ms();
        if (cls == BP_KAFKA_OK && !r->abort_needed && !r->fatal)
                bp_changelog_seal(r);
        t_seal = bp_runner_now_ms();
        if (r->fatal)
                return BP_ERR_KAFKA;
        if (r->conf.guarantee == BP_EXACTLY_ONCE) {
                if (cls == BP_KAFKA_OK && !r->abort_needed)
                        cls = txn_call(r, "commit_transaction", commit_txn);
        } else if (rd_kafka_flush(r->producer, BP_TXN_TIMEOUT_MS)) {
                r->abort_needed = true;
        }
        /* Serve the delivery reports: the __offsets offsets come with them. */
        rd_kafka_poll(r->producer, 0);
        if (cls == BP_KAFKA_FATAL || r->fatal)
                return BP_ERR_KAFKA;
        if (cls == BP_KAFKA_ABORTABLE || r->abort_needed) {
                bp_runner_abort(r);
                return r->fatal ? BP_ERR_KAFKA : BP_OK;
        }
        r->in_txn = false;
        t_txn     = bp_runner_now_ms();
        /* Step 4, batched over commits (bp_runner_store.c). */
        if (bp_runner_store_queue(r) ||
            (flush_due(r) && bp_runner_store_flush_async(r)))
                return BP_ERR_STATE;
        cache_max = task_cache_max(r);
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && r->tasks[p]->active)
                        bp_task_after_commit(r->tasks[p], cache_max);
        r->stats.batches++;
        /* At least once: a batch redone after an abort logs its decisions
         * again; each line carries the deterministic event_id. */
        bp_decision_log_flush(r->dlog);
        bp_runner_metrics_transaction(
            r->metrics, 1, (double)(bp_runner_now_ms() - t0) / 1000.0);
        /* kafka_ms: changelog, offsets and the transaction's commit (or
         * the flush); store_ms: queueing the states for the store, and
         * waiting for its previous write when a flush was due. */
        BP_LOG(BP_LOG_DEBUG, "batch_committed",
               "events=%d tasks=%d commit_ms=%lld kafka_ms=%lld store_ms=%lld "
               "produce_ms=%lld offsets_ms=%lld seal_ms=%lld end_ms=%lld",
               r->batch_events, tasks, (long long)(bp_runner_now_ms() - t0),
               (long long)(t_txn - t0), (long long)(bp_runner_now_ms() - t_txn),
               (long long)(t_prod - t0), (long long)(t_off - t_prod),
               (long long)(t_seal - t_off), (long long)(t_txn - t_seal));
        r->batch_events = 0;
        return BP_OK;
}
