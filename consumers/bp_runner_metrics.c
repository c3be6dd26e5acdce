/*
 * bp_runner_metrics.c - the runner's series (see bp_runner_metrics.h).
 *
 * Partner badge counters are created on a partner's first badge event
 * (partners come from the rules and from events, not from start-up) and
 * kept in a small array, found by a linear scan: there are few partners,
 * and badge events are a small fraction of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_runner_metrics.h"

typedef struct partner_counters_s {
        char                 *partner_id;
        bp_metrics_counter_t *kind[BP_BADGE__CNT];
} partner_counters_t;

struct bp_runner_metrics_s {
        bp_metrics_t           *m;
        const char             *topics[4];
        bp_metrics_counter_t   *consumed[4];
        bp_metrics_counter_t   *dlq[4];
        bp_metrics_counter_t   *poison[4];
        bp_metrics_gauge_t     *stalled;
        bp_metrics_counter_t   *txn_committed;
        bp_metrics_counter_t   *txn_aborted;
        bp_metrics_histogram_t *commit_seconds;
        bp_metrics_counter_t   *restored;
        bp_metrics_gauge_t     *state_entries;
        partner_counters_t      partners[BP_RUNNER_METRICS_PARTNERS];
        size_t                  partner_cnt;
        bp_metrics_gauge_t     *lag[4][BP_RUNNER_METRICS_PARTITIONS];
};

bp_runner_metrics_t *bp_runner_metrics_new(bp_metrics_t     *m,
                                           const char *const topics[4]) {
        bp_runner_metrics_t *rm = calloc(1, sizeof(*rm));
        int                  i;
        if (!rm || !m)
                return rm;
        rm->m = m;
        for (i = 0; i < 4; i++) {
                rm->topics[i] = topics[i];
                rm->consumed[i] =
                    bp_metrics_counter(m, "badgeproc_events_consumed_total",
                                       "Input records consumed, per topic.",
                                       "topic", topics[i], NULL);
                rm->dlq[i] = bp_metrics_counter(
                    m, "badgeproc_dlq_records_total",
                    "Input records sent to the dead-letter topic.", "topic",
                    topics[i], NULL);
                rm->poison[i] = bp_metrics_counter(
                    m, "badgeproc_poison_records_total",
                    "Input records dead-lettered because the cluster refused "
                    "their output every time (also in "
                    "badgeproc_dlq_records_total).",
                    "topic", topics[i], NULL);
        }
        rm->stalled = bp_metrics_gauge(
            m, "badgeproc_partitions_stalled",
            "Assigned partitions with input waiting and no committed "
            "progress for longer than partition.stall.timeout.ms.",
            NULL);
        rm->txn_committed = bp_metrics_counter(
            m, "badgeproc_transactions_total", "Batches ended, by result.",
            "result", "committed", NULL);
        rm->txn_aborted = bp_metrics_counter(m, "badgeproc_transactions_total",
                                             "Batches ended, by result.",
                                             "result", "aborted", NULL);
        rm->commit_seconds = bp_metrics_histogram(
            m, "badgeproc_batch_commit_seconds",
            "Time to commit a batch (Kafka transaction and state store).", NULL,
            0, NULL);
        rm->restored = bp_metrics_counter(
            m, "badgeproc_restore_records_total",
            "State records restored from the changelog.", NULL);
        rm->state_entries = bp_metrics_gauge(
            m, "badgeproc_state_entries",
            "Freelancer records in the local state store.", NULL);
        return rm;
}

void bp_runner_metrics_destroy(bp_runner_metrics_t *rm) {
        size_t i;
        if (!rm)
                return;
        for (i = 0; i < rm->partner_cnt; i++)
                free(rm->partners[i].partner_id);
        free(rm);
}

void bp_runner_metrics_consumed(bp_runner_metrics_t *rm, int input) {
        bp_metrics_counter_inc(rm->consumed[input]);
}

void bp_runner_metrics_dead_lettered(bp_runner_metrics_t *rm, int input) {
        bp_metrics_counter_inc(rm->dlq[input]);
}

void bp_runner_metrics_poison(bp_runner_metrics_t *rm, int input) {
        bp_metrics_counter_inc(rm->poison[input]);
}

void bp_runner_metrics_stalled(bp_runner_metrics_t *rm, int partitions) {
        bp_metrics_gauge_set(rm->stalled, (double)partitions);
}

static partner_counters_t *partner(bp_runner_metrics_t *rm, const char *id) {
        partner_counters_t *pc;
        size_t              i;
        for (i = 0; i < rm->partner_cnt; i++)
                if (strcmp(rm->partners[i].partner_id, id) == 0)
                        return &rm->partners[i];
        if (rm->partner_cnt == BP_RUNNER_METRICS_PARTNERS)
                return NULL; /* beyond the cache: not counted per partner */
        pc = &rm->partners[rm->partner_cnt];
        if (!(pc->partner_id = strdup(id)))
                return NULL;
        pc->kind[BP_BADGE_GRANTED] =
            bp_metrics_counter(rm->m, "badgeproc_badges_total",
                               "Badge events published, per partner and kind.",
                               "partner", id, "kind", "granted", NULL);
        pc->kind[BP_BADGE_REVOKED] =
            bp_metrics_counter(rm->m, "badgeproc_badges_total",
                               "Badge events published, per partner and kind.",
                               "partner", id, "kind", "revoked", NULL);
        rm->partner_cnt++;
        return pc;
}

void bp_runner_metrics_badge(bp_runner_metrics_t *rm, const char *partner_id,
                             bp_badge_kind_t kind) {
        partner_counters_t *pc;
        if (!rm->m || !(pc = partner(rm, partner_id)))
                return;
        bp_metrics_counter_inc(pc->kind[kind]);
}

void bp_runner_metrics_transaction(bp_runner_metrics_t *rm, int committed,
                                   double seconds) {
        bp_metrics_counter_inc(committed ? rm->txn_committed : rm->txn_aborted);
        if (committed)
                bp_metrics_histogram_observe(rm->commit_seconds, seconds);
}

void bp_runner_metrics_restored(bp_runner_metrics_t *rm, uint64_t records) {
        bp_metrics_counter_add(rm->restored, records);
}

void bp_runner_metrics_state_entries(bp_runner_metrics_t *rm,
                                     uint64_t             entries) {
        bp_metrics_gauge_set(rm->state_entries, (double)entries);
}

static bp_metrics_gauge_t *lag_gauge(bp_runner_metrics_t *rm, int input,
                                     int32_t p) {
        char part[16];
        if (p < 0 || p >= BP_RUNNER_METRICS_PARTITIONS)
                return NULL;
        if (!rm->lag[input][p]) {
                snprintf(part, sizeof(part), "%d", (int)p);
                rm->lag[input][p] = bp_metrics_gauge(
                    rm->m, "badgeproc_consumer_lag",
                    "Records behind the end of each input partition.", "topic",
                    rm->topics[input], "partition", part, NULL);
        }
        return rm->lag[input][p];
}

void bp_runner_metrics_lag(bp_runner_metrics_t *rm, int input, int32_t p,
                           int64_t lag) {
        if (!rm->m)
                return;
        bp_metrics_gauge_set(lag_gauge(rm, input, p),
                             lag > 0 ? (double)lag : 0.0);
}

void bp_runner_metrics_partition_gone(bp_runner_metrics_t *rm, int32_t p) {
        int i;
        if (!rm->m || p < 0 || p >= BP_RUNNER_METRICS_PARTITIONS)
                return;
        for (i = 0; i < 4; i++)
                bp_metrics_gauge_hide(rm->lag[i][p]);
}
