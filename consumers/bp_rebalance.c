/*
 * bp_rebalance.c - which partitions this instance works on.
 *
 * The group assigns partitions of the first input topic only; partition p
 * of it brings partition p of the other three inputs with it, assigned by
 * hand. Before a task starts, its state is restored (bp_restore.c, while
 * the other tasks go on) and its inputs start at the offsets the restore
 * names, never at the group's committed offsets: those are a courtesy for
 * monitoring, the state store and changelog are the truth.
 *
 * A revoked partition's batch is committed first; a lost one (the session
 * expired, another member may own it already) is aborted instead. Both
 * the eager and the cooperative protocols are handled.
 */
#include <string.h>

#include "bp_log.h"
#include "bp_runner_int.h"

/* Longest wait for a previous owner's transaction to end: its timeout. */
#define STABLE_TIMEOUT_MS 60000
/* Longest a rewind's seek of a task's inputs may take, in ms. */
#define SEEK_TIMEOUT_MS 5000
/* Longest one attempt at it may block the runner's loop, in ms. */
#define SEEK_ATTEMPT_MS 1000

static rd_kafka_topic_partition_list_t *
task_partitions(bp_runner_t *r, bp_task_t *t, int with_offsets) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(BP_MERGE_INPUTS);
        int i;
        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                rd_kafka_topic_partition_t *tp =
                    rd_kafka_topic_partition_list_add(l, r->conf.topics[i],
                                                      t->partition);
                if (with_offsets)
                        tp->offset = t->committed[i] >= 0
                                         ? t->committed[i]
                                         : RD_KAFKA_OFFSET_BEGINNING;
        }
        return l;
}

void bp_rebalance_seek_committed(bp_runner_t *r, bp_task_t *t) {
        rd_kafka_topic_partition_list_t *l   = task_partitions(r, t, 1);
        int64_t                          now = bp_runner_now_ms();
        int64_t                          left;
        rd_kafka_error_t                *error;

        if (!t->seek_pending)
                t->seek_deadline_ms = now + SEEK_TIMEOUT_MS;
        left  = t->seek_deadline_ms - now;
        error = rd_kafka_seek_partitions(r->consumer, l,
                                         (int)(left < SEEK_ATTEMPT_MS
                                                   ? (left > 0 ? left : 1)
                                                   : SEEK_ATTEMPT_MS));
        rd_kafka_topic_partition_list_destroy(l);
        t->seek_pending = false;
        if (!error)
                return;
        /* librdkafka 2.0.2 can give up on a seek long before its timeout
         * ("Timed out waiting for N remaining partition seek(s)", seen
         * after ~60 ms when batches were aborted every ~20 ms). Seeking
         * again to the same offsets is harmless, so the seek stays pending
         * until SEEK_TIMEOUT_MS has really passed: the main loop retries
         * it between polls (bp_runner.c), dropping the task's records
         * meanwhile. Retrying here instead, in a loop, would block the
         * loop for seconds: no rebalance or fencing would be served, and
         * a zombie resumed after SIGSTOP would linger long enough to
         * rejoin the group as the static member that replaced it. */
        if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__TIMED_OUT &&
            bp_runner_now_ms() < t->seek_deadline_ms) {
                t->seek_pending = true;
                BP_LOG(BP_LOG_DEBUG, "seek_retry", "partition=%d",
                       (int)t->partition);
        } else
                bp_runner_set_fatal(r, "seek partition %d: %s",
                                    (int)t->partition,
                                    rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
}

void bp_rebalance_flow_control(bp_runner_t *r, bp_task_t *t) {
        size_t cap = (size_t)r->conf.merge_queue_max;
        int    i;
        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                size_t queued = bp_merge_queued(t->merge, i);
                bool   pause  = !t->paused[i] && queued >= cap * 3 / 4;
                bool   resume = t->paused[i] && queued <= cap / 4;
                rd_kafka_topic_partition_list_t *l;
                if (!pause && !resume)
                        continue;
                l = rd_kafka_topic_partition_list_new(1);
                rd_kafka_topic_partition_list_add(l, r->conf.topics[i],
                                                  t->partition);
                if (pause)
                        rd_kafka_pause_partitions(r->consumer, l);
                else
                        rd_kafka_resume_partitions(r->consumer, l);
                rd_kafka_topic_partition_list_destroy(l);
                t->paused[i] = pause;
        }
}

static bool cooperative(rd_kafka_t *rk) {
        return strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
}

/* Adds t's four inputs to l, each where fetching is to go on: fetched[],
 * which a task just restored has at its committed offsets. */
static void add_inputs(bp_runner_t *r, bp_task_t *t,
                       rd_kafka_topic_partition_list_t *l) {
        int i;
        for (i = 0; i < BP_MERGE_INPUTS; i++)
                rd_kafka_topic_partition_list_add(l, r->conf.topics[i],
                                                  t->partition)
                    ->offset = t->fetched[i] >= 0 ? t->fetched[i]
                                                  : RD_KAFKA_OFFSET_BEGINNING;
}

/* Starts fetching the inputs in fresh (those of tasks that just became
 * ready), under the cooperative protocol: added to the assignment. (Under
 * the eager one, restores run to the end inside the rebalance callback,
 * which then assigns every task's inputs at once: see assign().) A
 * restoring task's inputs are never assigned, so no record of it can be
 * fetched before its restore names the offsets. */
static void assign_inputs(bp_runner_t                     *r,
                          rd_kafka_topic_partition_list_t *fresh) {
        bp_runner_log_error("incremental_assign",
                            rd_kafka_incremental_assign(r->consumer, fresh));
}

static void log_ready(bp_runner_t *r, bp_task_t *t) {
        t->needs_reevaluation =
            strcmp(t->rules_version, r->rules->version) != 0;
        BP_LOG(BP_LOG_INFO, "assigned",
               "partition=%d offsets=%lld,%lld,%lld,%lld rules_changed=%s",
               (int)t->partition, (long long)t->committed[0],
               (long long)t->committed[1], (long long)t->committed[2],
               (long long)t->committed[3],
               t->needs_reevaluation ? "true" : "false");
}

void bp_rebalance_task_ready(bp_runner_t *r, bp_task_t *t) {
        rd_kafka_topic_partition_list_t *fresh;
        log_ready(r, t);
        if (!cooperative(r->consumer))
                return; /* assign() assigns it with the others */
        fresh = rd_kafka_topic_partition_list_new(BP_MERGE_INPUTS);
        add_inputs(r, t, fresh);
        assign_inputs(r, fresh);
        rd_kafka_topic_partition_list_destroy(fresh);
}

/* Waits until no transaction of another instance holds uncommitted input
 * offsets of these partitions (KIP-447: with isolation.level
 * read_committed, librdkafka asks for stable offsets and the broker
 * answers only once such a transaction has ended). A previous owner's
 * batch still being committed thus lands in the changelog before the
 * restore reads it. A no-op on the mock cluster, which keeps no
 * transactional offsets. */
static void wait_stable(bp_runner_t                     *r,
                        rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(parts->cnt * BP_MERGE_INPUTS);
        int64_t             t0 = bp_runner_now_ms();
        rd_kafka_resp_err_t err;
        int                 i, j;
        for (i = 0; i < parts->cnt; i++)
                for (j = 0; j < BP_MERGE_INPUTS; j++)
                        rd_kafka_topic_partition_list_add(
                            l, r->conf.topics[j], parts->elems[i].partition);
        if ((err = rd_kafka_committed(r->consumer, l, STABLE_TIMEOUT_MS)))
                BP_LOG(BP_LOG_WARN, "stable_offsets", "error=%s waited_ms=%lld",
                       rd_kafka_err2str(err),
                       (long long)(bp_runner_now_ms() - t0));
        rd_kafka_topic_partition_list_destroy(l);
}

/* A task for partition p, in r->tasks, its restore started. NULL on a
 * fatal error. */
static bp_task_t *new_task(bp_runner_t *r, int32_t p) {
        char       errstr[512];
        bp_task_t *t = bp_task_new(p, (size_t)r->conf.merge_queue_max);
        if (!t) {
                bp_runner_set_fatal(r, "out of memory");
                return NULL;
        }
        /* In place first: the restore looks its tasks up there. */
        r->tasks[p] = t;
        if (bp_restore_start(r, t, errstr, sizeof(errstr))) {
                bp_runner_set_fatal(r, "restore partition %d: %s", (int)p,
                                    errstr);
                bp_restore_cancel(r, t);
                bp_task_destroy(t);
                r->tasks[p] = NULL;
                return NULL;
        }
        return t;
}

/* Eager protocol: every partition was revoked, so nothing runs while the
 * group rebalances anyway; the restores go to their end here, and every
 * task's inputs are assigned at once (replacing an eager assignment is
 * costly: one per restored task would stall the group). */
static void assign_eager(bp_runner_t *r) {
        rd_kafka_topic_partition_list_t *all =
            rd_kafka_topic_partition_list_new(r->partition_cnt *
                                              BP_MERGE_INPUTS);
        rd_kafka_resp_err_t err;
        int                 p;

        while (r->restoring > 0 && !r->fatal)
                bp_restore_step(r);
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && !r->tasks[p]->restore)
                        add_inputs(r, r->tasks[p], all);
        if ((err = rd_kafka_assign(r->consumer, all)))
                bp_runner_set_fatal(r, "assign: %s", rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_destroy(all);
}

/* Each new partition becomes a task whose restore starts. Cooperative:
 * the inputs of those with nothing to restore start at once, the others
 * wait for their restore (bp_restore.c) while the tasks already running
 * go on. */
static void assign(bp_runner_t *r, rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *fresh =
            rd_kafka_topic_partition_list_new(parts->cnt * BP_MERGE_INPUTS);
        int i;

        if (parts->cnt > 0)
                wait_stable(r, parts);
        for (i = 0; i < parts->cnt && !r->fatal; i++) {
                int32_t    p = parts->elems[i].partition;
                bp_task_t *t;
                if (p < 0 || p >= r->partition_cnt || r->tasks[p])
                        continue;
                if (!(t = new_task(r, p)))
                        break;
                if (!t->restore) {
                        add_inputs(r, t, fresh);
                        log_ready(r, t);
                }
        }
        if (cooperative(r->consumer))
                /* Called even when fresh is empty: the group waits for
                 * it. */
                assign_inputs(r, fresh);
        else
                assign_eager(r);
        rd_kafka_topic_partition_list_destroy(fresh);
        /* Ready (/readyz) once no restore is left (bp_restore_step). */
        bp_metrics_server_set_ready(r->conf.server,
                                    !r->fatal && r->restoring == 0);
}

static void revoke(bp_runner_t *r, rd_kafka_t *rk,
                   rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *all =
            rd_kafka_topic_partition_list_new(parts->cnt * BP_MERGE_INPUTS);
        int i, j;

        /* After a fatal error (fenced) nothing may be committed: the
         * transaction belongs to whoever fenced us. */
        if (r->fatal)
                ;
        else if (rd_kafka_assignment_lost(rk))
                bp_runner_abort(r);
        else
                bp_runner_commit(r);
        /* A revoked task's queued states (committed to Kafka) go to the
         * store before it goes: the partition may come back here (warm
         * start). After a fatal error they are left to the changelog. */
        if (!r->fatal)
                bp_runner_store_flush(r);
        for (i = 0; i < parts->cnt; i++) {
                int32_t    p = parts->elems[i].partition;
                bp_task_t *t =
                    p >= 0 && p < r->partition_cnt ? r->tasks[p] : NULL;
                rd_kafka_topic_partition_list_t *l;
                if (!t)
                        continue;
                /* A restoring task's inputs were never assigned. */
                l = task_partitions(r, t, 0);
                for (j = 0; j < l->cnt && !t->restore; j++)
                        rd_kafka_topic_partition_list_add(all,
                                                          l->elems[j].topic, p);
                rd_kafka_topic_partition_list_destroy(l);
                bp_restore_cancel(r, t);
                bp_task_destroy(t);
                r->tasks[p] = NULL;
                BP_LOG(BP_LOG_INFO, "revoked", "partition=%d", (int)p);
                bp_runner_metrics_partition_gone(r->metrics, p);
        }
        /* The record being isolated may be in one of them. */
        if (parts->cnt > 0)
                bp_runner_poison_revoked(r);
        if (cooperative(rk))
                bp_runner_log_error("incremental_unassign",
                                    rd_kafka_incremental_unassign(rk, all));
        else
                rd_kafka_assign(rk, NULL);
        rd_kafka_topic_partition_list_destroy(all);
}

void bp_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                     rd_kafka_topic_partition_list_t *parts, void *opaque) {
        bp_runner_t *r = opaque;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                assign(r, parts);
        else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
                revoke(r, rk, parts);
        else
                bp_runner_set_fatal(r, "rebalance: %s", rd_kafka_err2str(err));
}
