/*
 * bp_gen_send.h - a generated scenario onto Kafka, at a target rate.
 *
 * `badgeproc gen --brokers` and the demo both turn the seeded generator
 * (bp_gen.h) into Kafka records through the event producer (bp_evprod.h).
 * This is the loop between the two: it paces the events to a target rate
 * (so a benchmark or a demo can run the processor under a steady load
 * rather than one burst), serves delivery reports while it waits, and
 * reports progress. The records are queued, not flushed: the caller
 * flushes and reads the delivery counts.
 */
#ifndef BP_GEN_SEND_H
#define BP_GEN_SEND_H

#include <signal.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_evprod.h"
#include "bp_gen.h"
#include "bp_progress.h"

/** What bp_gen_send() did. */
typedef struct bp_gen_send_result_s {
        uint64_t generated; /* events taken from the generator */
        uint64_t rejected;  /* refused by the producer, each logged */
} bp_gen_send_result_t;

/**
 * Takes count events from gen and hands each to ep, at most rate events
 * per second (0: as fast as the producer takes them). Stops early when
 * *stop becomes non-zero (stop may be NULL) or on SIGINT/SIGTERM
 * (bp_cli_stopping()). progress (may be NULL) is updated per event. cmd
 * names the program in log lines.
 *
 * Returns BP_OK (also when stopped early: result says how far it got), or
 * BP_ERR_KAFKA / BP_ERR_NOMEM when the producer failed for good, with
 * errstr set. An event the producer refuses is logged and counted, and
 * the loop goes on.
 */
bp_err_t bp_gen_send(bp_gen_t *gen, bp_evprod_t *ep, uint64_t count,
                     uint64_t rate, const volatile sig_atomic_t *stop,
                     bp_progress_t *progress, const char *cmd,
                     bp_gen_send_result_t *result, char *errstr,
                     size_t errstr_size);

#endif
