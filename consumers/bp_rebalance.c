/*
 * bp_rebalance.c - which partitions this instance works on.
 *
 * The group assigns partitions of the first input topic only; partition p
 * of it brings partition p of the other three inputs with it, assigned by
 * hand. Before a task starts, its state is restored (bp_restore.c) and its
 * inputs are assigned at the offsets the restore names, never at the
 * group's committed offsets: those are a courtesy for monitoring, the
 * state store and changelog are the truth.
 *
 * A revoked partition's batch is committed first; a lost one (the session
 * expired, another member may own it already) is aborted instead. Both
 * the eager and the cooperative protocols are handled.
 */
#include <string.h>

#include "bp_log.h"
#include "bp_runner_int.h"

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
        rd_kafka_topic_partition_list_t *l = task_partitions(r, t, 1);
        rd_kafka_error_t                *error =
            rd_kafka_seek_partitions(r->consumer, l, 5000);
        if (error) {
                bp_runner_set_fatal(r, "seek partition %d: %s",
                                    (int)t->partition,
                                    rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        rd_kafka_topic_partition_list_destroy(l);
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

static void assign(bp_runner_t *r, rd_kafka_t *rk,
                   rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *all =
            rd_kafka_topic_partition_list_new(parts->cnt * BP_MERGE_INPUTS);
        char errstr[512];
        int  i, j;

        for (i = 0; i < parts->cnt && !r->fatal; i++) {
                int32_t                          p = parts->elems[i].partition;
                bp_task_t                       *t;
                rd_kafka_topic_partition_list_t *l;
                if (p < 0 || p >= r->partition_cnt || r->tasks[p])
                        continue;
                t = bp_task_new(p, (size_t)r->conf.merge_queue_max);
                if (!t) {
                        bp_runner_set_fatal(r, "out of memory");
                        break;
                }
                if (bp_restore_task(r, t, errstr, sizeof(errstr))) {
                        bp_runner_set_fatal(r, "restore partition %d: %s",
                                            (int)p, errstr);
                        bp_task_destroy(t);
                        break;
                }
                t->needs_reevaluation =
                    strcmp(t->rules_version, r->rules->version) != 0;
                r->tasks[p] = t;
                l           = task_partitions(r, t, 1);
                for (j = 0; j < l->cnt; j++)
                        rd_kafka_topic_partition_list_add(all,
                                                          l->elems[j].topic, p)
                            ->offset = l->elems[j].offset;
                rd_kafka_topic_partition_list_destroy(l);
                BP_LOG(BP_LOG_INFO, "assigned",
                       "partition=%d offsets=%lld,%lld,%lld,%lld "
                       "rules_changed=%s",
                       (int)p, (long long)t->committed[0],
                       (long long)t->committed[1], (long long)t->committed[2],
                       (long long)t->committed[3],
                       t->needs_reevaluation ? "true" : "false");
        }
        /* Restores happen above, before the partitions are assigned:
         * from here on the instance serves what it owns. */
        bp_metrics_server_set_ready(r->conf.server, !r->fatal);
        if (cooperative(rk))
                bp_runner_log_error("incremental_assign",
                                    rd_kafka_incremental_assign(rk, all));
        else
                rd_kafka_assign(rk, all);
        rd_kafka_topic_partition_list_destroy(all);
}

static void revoke(bp_runner_t *r, rd_kafka_t *rk,
                   rd_kafka_topic_partition_list_t *parts) {
        rd_kafka_topic_partition_list_t *all =
            rd_kafka_topic_partition_list_new(parts->cnt * BP_MERGE_INPUTS);
        int i, j;

        if (rd_kafka_assignment_lost(rk))
                bp_runner_abort(r);
        else
                bp_runner_commit(r);
        for (i = 0; i < parts->cnt; i++) {
                int32_t    p = parts->elems[i].partition;
                bp_task_t *t =
                    p >= 0 && p < r->partition_cnt ? r->tasks[p] : NULL;
                rd_kafka_topic_partition_list_t *l;
                if (!t)
                        continue;
                l = task_partitions(r, t, 0);
                for (j = 0; j < l->cnt; j++)
                        rd_kafka_topic_partition_list_add(all,
                                                          l->elems[j].topic, p);
                rd_kafka_topic_partition_list_destroy(l);
                bp_task_destroy(t);
                r->tasks[p] = NULL;
                BP_LOG(BP_LOG_INFO, "revoked", "partition=%d", (int)p);
                bp_runner_metrics_partition_gone(r->metrics, p);
        }
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
                assign(r, rk, parts);
        else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
                revoke(r, rk, parts);
        else
                bp_runner_set_fatal(r, "rebalance: %s", rd_kafka_err2str(err));
}
