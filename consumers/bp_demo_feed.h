/*
 * bp_demo_feed.h - what the demo shows: the processor's output, read back
 * from Kafka as a downstream service would read it.
 *
 * The feed is a plain consumer (assigned, not in a group, so it starts at
 * once) of three topics: badge-events, whose records it prints as one
 * readable line each and may also write as JSON Lines (EVENTS.md);
 * the dead-letter topic, whose records it prints with their dlq.error; and
 * the state changelog, where it only reads the `__offsets` record that
 * closes each committed batch (BP_OFFSETS_KEY). Those records tell how far
 * processing has committed, per partition, in input offsets: once they
 * reach the ends of the input partitions, and the feed has read the
 * output topics to their ends, everything produced has been processed and
 * shown. Knowing that from Kafka alone keeps the demo honest: it watches
 * the processor from outside, sharing no memory with it.
 *
 *   + GRANTED  2026-01-01 00:12:34  f0000123  acme-expert  (STANDARD)
 *   - REVOKED  2026-01-01 00:14:02  f0000123  acme-expert
 *              JSS_BELOW_MIN: ...
 *
 * A feed is used from one thread.
 */
#ifndef BP_DEMO_FEED_H
#define BP_DEMO_FEED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bp_error.h"

typedef struct bp_demo_feed_conf_s {
        const char *brokers;
        const char *schema_map; /* NULL: the codec's default */
        const char *topic_badge_events;
        const char *topic_dlq;
        const char *topic_changelog;
        int         partition_cnt; /* of every topic */
        FILE       *feed;          /* readable lines; NULL: none */
        FILE       *output;        /* badge events as JSON Lines; NULL */
} bp_demo_feed_conf_t;

typedef struct bp_demo_feed_counts_s {
        uint64_t granted;
        uint64_t revoked;
        uint64_t dead_letters;
        uint64_t undecodable; /* badge-events records that did not decode */
        uint64_t batches;     /* `__offsets` records seen */
} bp_demo_feed_counts_t;

typedef struct bp_demo_feed_s bp_demo_feed_t;

/** Creates the feed's consumer, assigned to every partition of the three
 *  topics from their start. The strings of conf are copied or used during
 *  the call only; the FILEs are borrowed. NULL with errstr set. */
bp_demo_feed_t *bp_demo_feed_new(const bp_demo_feed_conf_t *conf, char *errstr,
                                 size_t errstr_size);

/**
 * Reads and shows what has arrived, waiting at most timeout_ms for the
 * first record. Returns BP_OK; BP_ERR_IO when a line cannot be written;
 * BP_ERR_KAFKA on a fatal consumer error (errstr says why).
 */
bp_err_t bp_demo_feed_poll(bp_demo_feed_t *feed, int timeout_ms, char *errstr,
                           size_t errstr_size);

/**
 * Sets the target: the current ends of the four input topics (names in
 * bp_event_type_t order), asked of the cluster within timeout_ms. Call it
 * once everything has been produced and flushed. BP_ERR_KAFKA with errstr
 * set when the cluster does not answer.
 */
bp_err_t bp_demo_feed_set_target(bp_demo_feed_t   *feed,
                                 const char *const inputs[4], int timeout_ms,
                                 char *errstr, size_t errstr_size);

/**
 * True once the target is set, every partition's committed input offsets
 * have reached it, and the feed has read the output topics to the ends
 * they had at that moment (asked of the cluster once, within timeout_ms).
 */
bool bp_demo_feed_caught_up(bp_demo_feed_t *feed, int timeout_ms);

void bp_demo_feed_counts(const bp_demo_feed_t  *feed,
                         bp_demo_feed_counts_t *out);

/** Closes the consumer and frees feed. NULL-safe. */
void bp_demo_feed_destroy(bp_demo_feed_t *feed);

#endif
