/*
 * bp_published.h - the badge events that were published, read back for
 * the audit: from a JSON Lines file (what `consume --topic badge-events`
 * or `replay` print) or straight from a topic.
 *
 * Events are handed to a callback one at a time, in read order: file
 * order, or for a topic each partition in offset order, partition after
 * partition (a freelancer's events share a partition, so their order is
 * kept). A topic is read with the simple consumer from the oldest record
 * to the high watermark taken at start, without a consumer group. A line
 * or record that is not a badge event is reported on stderr
 * ("published line N: message", "TOPIC/PARTITION@OFFSET: message") and
 * counted, never fatal.
 */
#ifndef BP_PUBLISHED_H
#define BP_PUBLISHED_H

#include <stdint.h>

#include "bp_badge_event.h"
#include "bp_cli.h"

/** Called for each event; ev and its strings live until it returns.
 *  Returns BP_OK to go on, anything else stops the reading (fatal). */
typedef bp_err_t (*bp_published_fn)(const bp_badge_event_t *ev, void *opaque);

/** Counts of one reading. */
typedef struct bp_published_stats_s {
        uint64_t read;     /* lines or records */
        uint64_t events;   /* badge events handed over */
        uint64_t rejected; /* reported and skipped */
} bp_published_stats_t;

/**
 * Reads the JSON Lines file path ("-": standard input). Returns 0, or -1
 * after logging a fatal error (unreadable file, fn failing).
 */
int bp_published_read_file(const char *cmd, const char *path,
                           bp_published_fn fn, void *opaque,
                           bp_published_stats_t *stats);

/**
 * Reads every partition of topic on the cluster of k. Returns 0, or -1
 * after logging a fatal error (topic missing, Kafka error, fn failing).
 */
int bp_published_read_topic(const char *cmd, const bp_cli_kafka_t *k,
                            const char *topic, bp_published_fn fn, void *opaque,
                            bp_published_stats_t *stats);

#endif
