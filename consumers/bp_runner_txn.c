/*
 * bp_runner_txn.c - a batch's end: commit it (step 3 and 4 of the
 * exactly-once protocol in DESIGN.md) or abort it and rewind every task.
 *
 * The commit is in two halves, so that the runner does not wait for the
 * cluster. bp_runner_commit_start() opens the Kafka transaction, produces
 * the batch's badge events and changed states (bp_changelog.c), and hands
 * the rest to the committer thread: send the input offsets, seal the
 * changelog, commit the transaction (or, at least once, flush the
 * producer). The runner goes on applying the next batch meanwhile; it
 * produces nothing until bp_runner_join() has the outcome, which the next
 * commit_start (or anything else that needs the producer) waits for. Only
 * then do the committed batch's states go to the store queue (a
 * background thread writes them about once a second, bp_runner_store.c)
 * and its tasks' committed offsets move.
 *
 * Why: the offsets, seal and commit are round trips to the cluster, ~9 ms
 * of each ~55 ms batch cycle at 10,000 events a batch, during which the
 * runner's thread (the bottleneck) did nothing.
 *
 * Why it is safe: the next batch builds on the states of the one being
 * committed. Those are in the tasks' caches, and staged with the store
 * queue (bp_runner_store.c), where a cache miss finds them before any
 * older copy, until the outcome is known: then they join the queue, or
 * are dropped. If that commit fails, both batches are aborted and every
 * task rewinds to its last commit, exactly as if they had been one.
 * Nothing of the next batch reaches Kafka before the commit in flight is
 * known.
 *
 * Errors are classed as examples/transactions.c does: retriable calls are
 * retried, abortable ones abort the batch and rewind every task to its
 * last commit (bp_runner_abort()), fatal ones (this producer was fenced)
 * stop the loop. The producer's findings reach the runner's flags through
 * r->prod (bp_runner_take_outcome), written only by the thread driving
 * the producer at the time.
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

void bp_runner_take_outcome(bp_runner_t *r) {
        if (r->prod.fatal) {
                bp_runner_check_fenced(r, r->prod.fatal_code);
                bp_runner_set_fatal(r, "%s", r->prod.fatal_reason);
        }
        if (r->prod.abort_needed)
                r->abort_needed = true;
        bp_runner_poison_take(r, &r->prod);
        memset(&r->prod, 0, sizeof(r->prod));
}

/* Produces the badge events kept for this batch, in the order they were
 * decided. A failed produce sets prod.abort_needed. */
static void produce_badges(bp_runner_t *r) {
        const uint8_t *p = r->badges.data, *end = p + r->badges.len;
        while (p < end && !r->prod.abort_needed) {
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

/* Retries a transactional call while it is retriable. Returns the class
 * of the final outcome; the error text goes to the log, a fatal one to
 * r->prod (the caller drives the producer). */
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
                if (cls == BP_KAFKA_FATAL)
                        bp_runner_prod_fatal(r, rd_kafka_error_code(error),
                                             "%s: %s", what,
                                             rd_kafka_error_string(error));
                /* A produce refusal can come back as the transaction's
                 * error (which topic it was librdkafka does not say). */
                bp_runner_prod_refused(r, rd_kafka_error_code(error), "");
                rd_kafka_error_destroy(error);
                if (cls != BP_KAFKA_RETRIABLE)
                        return cls;
        }
}

static rd_kafka_error_t *begin_txn(bp_runner_t *r) {
        return rd_kafka_begin_transaction(r->producer);
}

static rd_kafka_error_t *send_offsets(bp_runner_t *r) {
        bp_commit_job_t *job = &r->job;
        if (job->offsets->cnt == 0)
                return NULL;
        return rd_kafka_send_offsets_to_transaction(
            r->producer, job->offsets, job->cgmd, BP_TXN_TIMEOUT_MS);
}

static rd_kafka_error_t *commit_txn(bp_runner_t *r) {
        return rd_kafka_commit_transaction(r->producer, BP_TXN_TIMEOUT_MS);
}

static rd_kafka_error_t *abort_txn(bp_runner_t *r) {
        return rd_kafka_abort_transaction(r->producer, BP_TXN_TIMEOUT_MS);
}

/* The committer's half of a commit (bp_worker job): offsets, seal and
 * the transaction's commit, or at least once the producer's flush. The
 * outcome is in job->cls and r->prod. */
static bp_err_t finish_commit(void *arg, char *errstr, size_t errstr_size) {
        bp_commit_job_t *job = arg;
        bp_runner_t     *r   = job->r;
        bp_kafka_class_t cls = BP_KAFKA_OK;
        bool             eos = r->conf.guarantee == BP_EXACTLY_ONCE;

        (void)errstr;
        (void)errstr_size;
        /* The offsets go to the transaction while the states are on their
         * way (two round trips to the coordinators, which the seal's
         * flush would otherwise wait for first): where in the transaction
         * they are does not matter, only that they commit with it. */
        if (eos && !r->prod.abort_needed && !r->prod.fatal)
                cls = txn_call(r, "send_offsets_to_transaction", send_offsets);
        job->t_off = bp_runner_now_ms();
        if (cls == BP_KAFKA_OK && !r->prod.abort_needed && !r->prod.fatal)
                bp_changelog_seal(r, job);
        job->t_seal = bp_runner_now_ms();
        if (eos) {
                if (cls == BP_KAFKA_OK && !r->prod.abort_needed &&
                    !r->prod.fatal)
                        cls = txn_call(r, "commit_transaction", commit_txn);
        } else if (rd_kafka_flush(r->producer, BP_TXN_TIMEOUT_MS)) {
                r->prod.abort_needed = true;
        }
        /* Serve the delivery reports: the seals' offsets come with them. */
        rd_kafka_poll(r->producer, 0);
        job->cls   = cls;
        job->t_end = bp_runner_now_ms();
        return BP_OK;
}

bp_err_t bp_runner_begin(bp_runner_t *r) {
        if (bp_runner_join(r))
                return BP_ERR_KAFKA;
        if (r->in_txn || r->conf.guarantee != BP_EXACTLY_ONCE)
                return BP_OK;
        if (txn_call(r, "begin_transaction", begin_txn) != BP_KAFKA_OK) {
                bp_runner_take_outcome(r);
                bp_runner_set_fatal(r, "begin transaction failed");
                return BP_ERR_KAFKA;
        }
        r->in_txn = true;
        return BP_OK;
}

/* Why the open transaction failed, when no retry heals it: librdkafka
 * keeps the cause of an abortable error (a partition that
 * AddPartitionsToTxn refused, offsets that TxnOffsetCommit refused) and
 * returns it from every transactional call until the abort, while the
 * batch's own calls may have met only its consequences (purged records,
 * "Erroneous state") or none. begin_transaction is such a call, and has
 * no other effect inside a transaction. A cause of the fatal class (the
 * cluster's ACLs refused it) stops the runner: the batch, redone, would
 * be refused again, for ever. */
static void txn_check_cause(bp_runner_t *r) {
        rd_kafka_error_t *error = rd_kafka_begin_transaction(r->producer);
        if (!error)
                return; /* was not in one: the abort ends this one */
        if (rd_kafka_error_txn_requires_abort(error) &&
            bp_kafka_err_class(rd_kafka_error_code(error)) == BP_KAFKA_FATAL)
                bp_runner_prod_fatal(r, rd_kafka_error_code(error),
                                     "transaction refused: %s",
                                     rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
}

/* Drops the open batch and the one being committed everywhere and
 * resumes every task from its last commit. */
void bp_runner_abort(bp_runner_t *r) {
        bp_kafka_class_t cls = BP_KAFKA_OK;
        int              p;

        /* A commit in flight that succeeded moves committed[] first; the
         * states of one that failed, or of the open batch, are dropped. */
        (void)bp_runner_join(r);
        bp_runner_store_unstage(r);
        if (r->fatal)
                return;
        if (r->in_txn && r->conf.guarantee == BP_EXACTLY_ONCE) {
                txn_check_cause(r);
                cls = txn_call(r, "abort_transaction", abort_txn);
        }
        /* Whatever was produced and not delivered is gone with it. */
        bp_runner_take_outcome(r);
        if (cls != BP_KAFKA_OK || r->fatal)
                return; /* fatal: the loop stops */
        /* The queued batches were committed: store them before the tasks
         * reload their states from the store. */
        if (bp_runner_store_flush(r))
                return; /* fatal: the loop stops */
        bp_runner_poison_hold(r);
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
        bp_runner_poison_aborted(r);
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

/* A committed job's bookkeeping, on the runner's thread: its states and
 * checkpoints to the store queue (step 4, batched over commits), its
 * tasks' committed offsets, the counters and the log. */
static bp_err_t after_commit(bp_runner_t *r) {
        bp_commit_job_t *job = &r->job;
        int64_t          now;
        int              i;

        if (bp_runner_store_queue(r, job) ||
            (bp_runner_store_flush_due(r) && bp_runner_store_flush_async(r)))
                return BP_ERR_STATE;
        for (i = 0; i < job->task_cnt; i++)
                bp_task_after_commit(&job->tasks[i]);
        r->stats.batches++;
        bp_runner_poison_committed(r);
        /* At least once: a batch redone after an abort logs its decisions
         * again; each line carries the deterministic event_id. The lines
         * of the open batch may go out with these, under the same rule. */
        bp_decision_log_flush(r->dlog);
        now = bp_runner_now_ms();
        bp_runner_metrics_transaction(
            r->metrics, 1, (double)(job->t_end - job->t_start) / 1000.0);
        /* commit_ms: from the start of the commit to its join; kafka_ms:
         * to its end on the committer, in produce (on the runner), offsets,
         * seal and end (the transaction's commit, or at least once the
         * flush) phases; wait_ms: how long the runner waited for it at
         * the join; store_ms: queueing the states for the store, and
         * waiting for its previous write when a flush was due. */
        BP_LOG(BP_LOG_DEBUG, "batch_committed",
               "events=%d tasks=%d commit_ms=%lld kafka_ms=%lld store_ms=%lld "
               "produce_ms=%lld offsets_ms=%lld seal_ms=%lld end_ms=%lld "
               "wait_ms=%lld",
               job->events, job->task_cnt,
               (long long)(job->t_joined - job->t_start),
               (long long)(job->t_end - job->t_start),
               (long long)(now - job->t_joined),
               (long long)(job->t_prod - job->t_start),
               (long long)(job->t_off - job->t_prod),
               (long long)(job->t_seal - job->t_off),
               (long long)(job->t_end - job->t_seal),
               (long long)(job->t_joined - job->t_join));
        return BP_OK;
}

/* Frees what job_take_tasks made for the Kafka calls. */
static void job_release(bp_commit_job_t *job) {
        if (job->cgmd)
                rd_kafka_consumer_group_metadata_destroy(job->cgmd);
        job->cgmd = NULL;
        if (job->offsets)
                rd_kafka_topic_partition_list_destroy(job->offsets);
        job->offsets = NULL;
}

bp_err_t bp_runner_join(bp_runner_t *r) {
        char             errstr[256];
        bp_commit_job_t *job = &r->job;

        if (!r->job_in_flight)
                return BP_OK;
        job->t_join = bp_runner_now_ms();
        /* The job's own outcome is in job->cls and r->prod. */
        (void)bp_worker_wait(r->committer, errstr, sizeof(errstr));
        job->t_joined    = bp_runner_now_ms();
        r->job_in_flight = false;
        job_release(job);
        bp_runner_take_outcome(r);
        if (job->cls == BP_KAFKA_FATAL || r->fatal)
                return BP_ERR_KAFKA;
        if (job->cls == BP_KAFKA_ABORTABLE || r->abort_needed) {
                r->abort_needed = true;
                return BP_ERR_KAFKA;
        }
        r->in_txn = false;
        return after_commit(r);
}

/* Empties job for the open batch (its memory stays for reuse). */
static void job_reset(bp_commit_job_t *job, bp_runner_t *r) {
        job->r        = r;
        job->task_cnt = 0;
        job->cls      = BP_KAFKA_OK;
}

/* Records the active tasks in the job: where their inputs reached (for
 * the offsets, the seals and the checkpoints), and makes the offsets for
 * send_offsets_to_transaction (they let the group see progress; recovery
 * does not depend on them). */
static bp_err_t job_take_tasks(bp_runner_t *r, bp_commit_job_t *job) {
        int p, i;

        job->offsets = rd_kafka_topic_partition_list_new(4 * r->partition_cnt);
        job->cgmd    = rd_kafka_consumer_group_metadata(r->consumer);
        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t     *t = r->tasks[p];
                bp_job_task_t *jt;
                if (!t || !t->active)
                        continue;
                if (job->task_cnt == job->task_cap) {
                        int cap = job->task_cap ? job->task_cap * 2 : 16;
                        bp_job_task_t *tasks =
                            realloc(job->tasks, (size_t)cap * sizeof(*tasks));
                        if (!tasks)
                                return BP_ERR_NOMEM;
                        job->tasks    = tasks;
                        job->task_cap = cap;
                }
                jt                 = &job->tasks[job->task_cnt++];
                jt->task           = t;
                jt->partition      = t->partition;
                jt->prev_seal      = t->seal_offset;
                jt->first_state    = -1;
                jt->changelog_next = -1;
                memcpy(jt->next, t->next, sizeof(jt->next));
                memcpy(jt->rules_version, t->rules_version,
                       sizeof(jt->rules_version));
                for (i = 0; i < BP_MERGE_INPUTS; i++)
                        if (t->next[i] >= 0)
                                rd_kafka_topic_partition_list_add(
                                    job->offsets, r->conf.topics[i], p)
                                    ->offset = t->next[i];
        }
        return BP_OK;
}

bp_err_t bp_runner_join_or_abort(bp_runner_t *r) {
        if (bp_runner_join(r) == BP_OK)
                return BP_OK;
        if (!r->fatal)
                bp_runner_abort(r);
        return r->fatal ? BP_ERR_KAFKA : BP_OK;
}

bp_err_t bp_runner_commit_start(bp_runner_t *r) {
        bp_commit_job_t *job = &r->job;
        size_t           cache_max;
        int              p;

        /* An aborted commit took the open batch with it: nothing left. */
        if (bp_runner_join_or_abort(r))
                return BP_ERR_KAFKA;
        if (r->batch_events == 0)
                return BP_OK;
        if (bp_runner_begin(r))
                return BP_ERR_KAFKA;
        job_reset(job, r);
        job->t_start      = bp_runner_now_ms();
        job->events       = r->batch_events;
        job->attempt      = ++r->attempt;
        r->last_commit_ms = job->t_start;
        if (job_take_tasks(r, job)) {
                bp_runner_set_fatal(r, "out of memory committing a batch");
                return BP_ERR_NOMEM;
        }
        produce_badges(r);
        if (!r->prod.abort_needed && !r->prod.fatal)
                bp_changelog_produce_states(r, job);
        job->t_prod = bp_runner_now_ms();
        bp_runner_take_outcome(r);
        if (r->fatal || r->abort_needed) {
                job_release(job); /* never handed over */
                if (r->fatal)
                        return BP_ERR_KAFKA;
                bp_runner_abort(r);
                return r->fatal ? BP_ERR_KAFKA : BP_OK;
        }
        cache_max = task_cache_max(r);
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && r->tasks[p]->active)
                        bp_task_after_handoff(r->tasks[p], cache_max);
        r->batch_events  = 0;
        r->job_in_flight = true;
        bp_worker_submit(r->committer, finish_commit, job);
        /* Isolating a refused record: each one-record batch is known
         * committed, or aborted alone, before the next is applied. */
        if (bp_runner_poison_isolating(r))
                return bp_runner_join_or_abort(r);
        return BP_OK;
}

bp_err_t bp_runner_commit(bp_runner_t *r) {
        bp_err_t err = bp_runner_commit_start(r);
        return err ? err : bp_runner_join_or_abort(r);
}

void bp_runner_job_free(bp_runner_t *r) {
        bp_commit_job_t *job = &r->job;
        job_release(job);
        free(job->tasks);
        memset(job, 0, sizeof(*job));
}
