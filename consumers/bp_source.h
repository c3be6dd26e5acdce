/*
 * bp_source.h - the input history of the audit tools: a JSON Lines file or
 * a range of the four Kafka input topics, as one stream of events.
 *
 * replay, explain, audit and what-if all take the same input options and
 * read events through this interface, one at a time, each with its cause
 * (where it was read from). Two sources exist:
 *
 *  - files (--input FILE, repeatable; a directory stands for its files in
 *    name order; `-` for standard input), each in one of three forms
 *    (--input-format): JSON Lines (the default), a framed-record dump
 *    (bp_dump.h) or an Avro object container file (bp_ocf.h; one event
 *    type, or a union of them). One file is read in file order; several
 *    are merged by occurred_at, then by their order on the command line,
 *    each file in its own order, so the result does not depend on how
 *    reading is interleaved. The cause of an event read from a file is
 *    {event_id, topic: the event type, partition: the file's 0-based
 *    position among the inputs, offset: the 0-based line number (JSON
 *    Lines), record number (dump) or datum number (container file)};
 *    with one JSON Lines file, as `replay` has always written it. Avro
 *    bodies pass the bounded validator before they are decoded, as they
 *    do from Kafka;
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
 * ("line N: message" for a single JSON Lines file, "FILE:line N: message"
 * among several, "FILE:record N at byte B: message" for a dump,
 * "FILE:record N in block K at byte B: message" for a container file, or
 * "TOPIC/PARTITION@OFFSET: message") and skipped, like the runtime's
 * dead-letter topic skips it. A file whose framing is broken (a JSON
 * Lines line longer than BP_LINE_MAX_DEFAULT, a dump record longer than
 * BP_DUMP_RECORD_MAX or cut short, a container file with a bad header or
 * block) cannot be read on: that is fatal, reported
 * with the same prefix. Fatal errors are logged once with bp_tool_fatal()
 * by the source itself.
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
        BP_SOURCE_OPT_OFFSETS,
        BP_SOURCE_OPT_INPUT_FORMAT
};

/** The forms of an input file (--input-format). */
typedef enum bp_source_format_e {
        BP_SOURCE_FMT_JSONL, /* the default */
        BP_SOURCE_FMT_FRAMED,
        BP_SOURCE_FMT_AVRO, /* object container file */
        BP_SOURCE_FMT_AUTO  /* by each file's first bytes */
} bp_source_format_t;

/** getopt_long entries of the source options; short ones are -i, -b, -X
 *  (BP_SOURCE_SHORTOPTS). */
#define BP_SOURCE_LONGOPTS                                                     \
        {"input", required_argument, NULL, 'i'},                               \
            {"input-format", required_argument, NULL,                          \
             BP_SOURCE_OPT_INPUT_FORMAT},                                      \
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
#define BP_SOURCE_HELP                                                         \
        "input (one of):\n"                                                    \
        "  -i, --input FILE        events from FILE (- for standard input,\n"  \
        "                          a directory for its files); repeatable:\n"  \
        "                          several are merged by occurred_at, then\n"  \
        "                          in command line order\n"                    \
        "      --input-format F    jsonl (JSON Lines, EVENTS.md; default),\n"  \
        "                          framed (4-byte big-endian length, then a\n" \
        "                          Confluent-framed record, repeated), avro\n" \
        "                          (Avro object container file) or auto (by\n" \
        "                          each file's first bytes)\n"                 \
        "  -b, --brokers LIST      read the four input topics instead:\n"      \
        "      --topic-prefix P    topics are P + profile-updated, ...\n"      \
        "      --topics A,B,C,D    or these four names (profile-updated,\n"    \
        "                          contract-completed, invitation-sent,\n"     \
        "                          partner-decision order)\n"                  \
        "      --from TIME         start at each partition's first record\n"   \
        "                          with a timestamp >= TIME\n"                 \
        "      --to TIME           stop before the first record with a\n"      \
        "                          timestamp >= TIME (default: the end at\n"   \
        "                          start)\n"                                   \
        "      --offsets T:P:A-B   read offsets A..B-1 of topic T, "           \
        "partition\n"                                                          \
        "                          P (A or B empty: oldest, end); "            \
        "repeatable\n"                                                         \
        "      --partitions LIST   only these partitions (e.g. 0,3)\n"         \
        "      --schema-map FILE   local schema id map (default\n"             \
        "                          schemas/schema-map.txt), for Kafka and\n"   \
        "                          framed files\n"                             \
        "      --registry URL      look schema ids up in a schema registry\n"  \
        "  -X key=value            a librdkafka property (repeatable)\n"       \
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
        const char        *input;  /* the first file, or NULL for Kafka */
        const char       **inputs; /* every --input, in order */
        size_t             input_cnt;
        bp_source_format_t format;
        bool               format_set; /* --input-format was given */
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
 * Checks the options as a whole once parsed: --input (once or more) or
 * --brokers, not both; the Kafka options only with --brokers,
 * --input-format only with --input; legal topic names,
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
 * NULL on failure: unreadable file or directory, a container file with a
 * bad header, schemas that do not load, bad Kafka configuration, missing
 * or not co-partitioned topics, a range naming an unknown partition.
 */
bp_source_t *bp_source_open(const char *cmd, bp_source_opts_t *o);

/**
 * Reads the next event into *ev and its cause into *cause. Both borrow
 * from the source until the next call. Returns 1 for an event, 0 at the
 * end of the range, -1 after logging a fatal error (unreadable input, a
 * file whose framing is broken, a Kafka error that does not clear, out of
 * memory).
 */
int bp_source_next(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause);

/** The source's counts so far. */
const bp_source_stats_t *bp_source_stats(const bp_source_t *src);

/**
 * Reports that the event just returned was refused by the engine (it
 * would take its freelancer's state past a limit: `run` dead-letters
 * it), with why: one stderr line naming the event and where it was read,
 * counted as rejected.
 */
void bp_source_refuse(bp_source_t *src, const bp_event_t *ev,
                      const bp_cause_t *cause, const char *why);

/** True for a Kafka source. */
bool bp_source_is_kafka(const bp_source_t *src);

/** Closes src. NULL is a no-op. */
void bp_source_destroy(bp_source_t *src);

#endif
