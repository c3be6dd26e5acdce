/*
 * bp_runner_metrics.h - what the runner tells Prometheus.
 *
 * The handles of every series the runner updates, registered once at
 * start (or, for partners and partitions, on first sight) so that the hot
 * path only does atomic adds. Every function accepts a runner metrics
 * object built on a NULL registry (metrics off) and then does nothing.
 */
#ifndef BP_RUNNER_METRICS_H
#define BP_RUNNER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "bp_metrics.h"
#include "bp_types.h"

/** Partners whose badge counters are kept in the local cache. */
#define BP_RUNNER_METRICS_PARTNERS 64
/** Partitions whose lag gauges are kept per input topic. */
#define BP_RUNNER_METRICS_PARTITIONS 1024

typedef struct bp_runner_metrics_s bp_runner_metrics_t;

/**
 * Registers the runner's series in m (NULL: metrics off). topics are the
 * four input topic names in bp_event_type_t order (borrowed for the
 * object's lifetime). NULL on ENOMEM.
 */
bp_runner_metrics_t *bp_runner_metrics_new(bp_metrics_t     *m,
                                           const char *const topics[4]);
void                 bp_runner_metrics_destroy(bp_runner_metrics_t *rm);

void bp_runner_metrics_consumed(bp_runner_metrics_t *rm, int input);
void bp_runner_metrics_dead_lettered(bp_runner_metrics_t *rm, int input);
/** A record of input was dead-lettered because its output was refused
 *  (bp_poison.h); it is counted by bp_runner_metrics_dead_lettered too. */
void bp_runner_metrics_poison(bp_runner_metrics_t *rm, int input);
/** Sets how many assigned partitions are stalled now. */
void bp_runner_metrics_stalled(bp_runner_metrics_t *rm, int partitions);
void bp_runner_metrics_badge(bp_runner_metrics_t *rm, const char *partner_id,
                             bp_badge_kind_t kind);
void bp_runner_metrics_transaction(bp_runner_metrics_t *rm, int committed,
                                   double seconds);
void bp_runner_metrics_restored(bp_runner_metrics_t *rm, uint64_t records);
void bp_runner_metrics_state_entries(bp_runner_metrics_t *rm, uint64_t entries);

/** Sets the lag of partition p of input: records between what this
 *  instance has committed and the partition's end. */
void bp_runner_metrics_lag(bp_runner_metrics_t *rm, int input, int32_t p,
                           int64_t lag);

/** Hides the lag gauges of partition p (revoked from this instance). */
void bp_runner_metrics_partition_gone(bp_runner_metrics_t *rm, int32_t p);

#endif
