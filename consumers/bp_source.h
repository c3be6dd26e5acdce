/*
 * bp_source.h - the input history of the audit tools: a JSON Lines file or
 * a range of the four Kafka input topics, as one stream of events.
 *
 * replay, explain, audit and what-if all take the same input options and
 * read events through this interface, one at a time, each with its cause
 * (where it was read from). Two sources exist:
 *
 *  - a file (--input FILE, `-` for standard input): lines in file order;
 *    the cause is {event_id, topic: the event type, partition 0, offset:
 *    the 0-based line number}, as `replay` has always written it;
 *
 *  - Kafka (--brokers LIST): the four co-partitioned input topics, read
 *    with assign() (no consumer group, nothing committed, the live state
 *    and topics untouched) over a fixed range per topic-partition: by
 *    default from the oldest record to the high watermark taken at start,
 *    narrowed by --from/--to (timestamps, through offsets_for_times) and
 *    --offsets TOPIC:PARTITION:START-END, restricted by --partitions.
 *    Within a partition records come in the runtime's merge order
 *    (bp_merge.h: timestamp, input index, offset); partitions are
 *    interleaved by (timestamp, input index, partition, offset), so the
 *    whole stream has one order that does not depend on how fetches were
 *    batched. The cause is Kafka's topic, partition and offset.
 *
 * A record or line that is not a valid event is reported on stderr
 * ("line N: message", or "TOPIC/PARTITION@OFFSET: message") and skipped,
 * like the runtime's dead-letter topic skips it. Fatal errors are logged
 * once with bp_tool_fatal() by the source itself.
 */
#ifndef BP_SOURCE_H
#define BP_SOURCE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "bp_cli.h"
#include "bp_event.h"

/* Long-only option codes of the source options (getopt_long values). */
enum {
        BP_SOURCE_OPT_SCHEMA_MAP = 0x100,
        BP_SOURCE_OPT_REGISTRY,
        BP_SOURCE_OPT_TOPIC_PREFIX,
        BP_SOURCE_OPT_TOPICS,
        BP_SOURCE_OPT_FROM,
        BP_SOURCE_OPT_TO,
        BP_SOURCE_OPT_PARTITIONS,
        BP_SOURCE_OPT_OFFSETS
};

/** getopt_long entries of the source options; short ones are -i, -b, -X
 *  (BP_SOURCE_SHORTOPTS). */
#define BP_SOURCE_LONGOPTS                                                     \
        {"input", required_argument, NULL, 'i'},                               \
            {"brokers", required_argument, NULL, 'b'},                         \
            {"schema-map", required_argument, NULL, BP_SOURCE_OPT_SCHEMA_MAP}, \
            {"registry", required_argument, NULL, BP_SOURCE_OPT_REGISTRY},     \
            {"topic-prefix", required_argument, NULL,                          \
             BP_SOURCE_OPT_TOPIC_PREFIX},                                      \
            {"topics", required_argument, NULL, BP_SOURCE_OPT_TOPICS},         \
            {"from", required_argument, NULL, BP_SOURCE_OPT_FROM},             \
            {"to", required_argument, NULL, BP_SOURCE_OPT_TO},                 \
            {"partitions", required_argument, NULL, BP_SOURCE_OPT_PARTITIONS}, \
        {                                                                      \
                "offsets", required_argument, NULL, BP_SOURCE_OPT_OFFSETS      \
        }
#define BP_SOURCE_SHORTOPTS "i:b:X:"

/** The input options text every tool's --help includes. */
#define BP_SOURCE_HELP                                                        \
        "input (one of):\n"                                                   \
        "  -i, --input FILE        JSON Lines events (EVENTS.md), - for\n"    \
        "                          standard input; applied in file order\n"   \
        "  -b, --brokers LIST      read the four input topics instead:\n"     \
        "      --topic-prefix P    topics are P + profile-updated, ...\n"     \
        "      --topics A,B,C,D    or these four names (profile-updated,\n"   \
        "                          contract-completed, invitation-sent,\n"    \
        "                          partner-decision order)\n"                 \
        "      --from TIME         start at each partition's first record\n"  \
        "                          with a timestamp >= TIME\n"                \
        "      --to TIME           stop before the first record with a\n"     \
        "                          timestamp >= TIME (default: the end at\n"  \
        "                          start)\n"                                  \
        "      --offsets T:P:A-B   read offsets A..B-1 of topic T, "          \
        "partition\n"                                                         \
        "                          P (A or B empty: oldest, end); "           \
        "repeatable\n"                                                        \
        "      --partitions LIST   only these partitions (e.g. 0,3)\n"        \
        "      --schema-map FILE   local schema id map (default\n"            \
        "                          schemas/schema-map.txt)\n"                 \
        "      --registry URL      look schema ids up in a schema registry\n" \
        "  -X key=value            a librdkafka property (repeatable)\n"      \
        "TIME is 2026-01-01T00:00:00Z (UTC, optional .mmm) or milliseconds.\n"

/** One --offsets range. */
typedef struct bp_source_range_s {
        int     input; /* bp_event_type_t of the topic */
        int32_t partition;
        int64_t start; /* RD_KAFKA_OFFSET_BEGINNING when open */
        int64_t end;   /* -1: the end at start */
} bp_source_range_t;

/** The parsed input options. Strings are borrowed from argv. */
typedef struct bp_source_opts_s {
        const char        *input; /* file, "-", or NULL for Kafka */
        bp_cli_kafka_t     kafka;
        const char        *prefix;
        bp_cli_list_t      topics;     /* empty, or the four names */
        int64_t            from, to;   /* BP_TIME_NONE: open */
        int32_t           *partitions; /* NULL: every partition */
        size_t             partition_cnt;
        const char       **offsets_text; /* --offsets as given */
        size_t             offsets_cnt;
        bp_source_range_t *ranges; /* parsed at open */
        size_t             range_cnt;
        /* Set by a tool, not a flag: only records keyed so are read
         * (explain reads one freelancer). NULL: every record. */
        const char *key;
} bp_source_opts_t;

/** Initialises o to "no option given". */
void bp_source_opts_init(bp_source_opts_t *o);

/**
 * Takes getopt's option c with argument arg when it is a source option.
 * Returns 1 when taken, 0 when c is another option, -1 after printing
 * "CMD: --FLAG: why" to stderr.
 */
int bp_source_opt(const char *cmd, bp_source_opts_t *o, int c, const char *arg);

/**
 * Checks the options as a whole once parsed: exactly one of --input and
 * --brokers, the Kafka options only with --brokers, legal topic names,
 * --offsets naming one of the four topics (parsed into o->ranges).
 * Returns 0, or -1 after printing why to stderr.
 */
int bp_source_opts_check(const char *cmd, bp_source_opts_t *o);

/** Frees what o owns. */
void bp_source_opts_free(bp_source_opts_t *o);

/** The topic name of input type t under o (the default, a prefix, or
 *  --topics). Valid while o lives. */
const char *bp_source_topic(const bp_source_opts_t *o, int t, char *buf,
                            size_t size);

typedef struct bp_source_s bp_source_t;

/** Counts kept by a source. */
typedef struct bp_source_stats_s {
        uint64_t read;     /* lines or records read, skipped ones too */
        uint64_t events;   /* events returned */
        uint64_t rejected; /* lines or records reported and skipped */
} bp_source_stats_t;

/**
 * Opens the source o describes (o must outlive it). Logs why and returns
 * NULL on failure: unreadable file, bad Kafka configuration, missing or
 * not co-partitioned topics, a range naming an unknown partition.
 */
bp_source_t *bp_source_open(const char *cmd, bp_source_opts_t *o);

/**
 * Reads the next event into *ev and its cause into *cause. Both borrow
 * from the source until the next call. Returns 1 for an event, 0 at the
 * end of the range, -1 after logging a fatal error (unreadable input, a
 * Kafka error that does not clear, out of memory).
 */
int bp_source_next(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause);

/** The source's counts so far. */
const bp_source_stats_t *bp_source_stats(const bp_source_t *src);

/** True for a Kafka source. */
bool bp_source_is_kafka(const bp_source_t *src);

/** Closes src. NULL is a no-op. */
void bp_source_destroy(bp_source_t *src);

#endif
