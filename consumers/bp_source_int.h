/*
 * bp_source_int.h - what the two kinds of source (bp_source.c: files,
 * bp_source_kafka.c: topics) share behind bp_source.h. Not for other
 * modules.
 */
#ifndef BP_SOURCE_INT_H
#define BP_SOURCE_INT_H

#include "bp_source.h"

struct bp_source_s {
        const char       *cmd; /* for log lines */
        bp_source_opts_t *opts;
        bp_source_stats_t stats;
        bool              kafka;
        /* The kind's own calls: next as bp_source_next(), close frees
         * everything the kind allocated, src itself included. */
        int (*next)(bp_source_t *src, bp_event_t *ev, bp_cause_t *cause);
        void (*close)(bp_source_t *src);
};

/** Opens the Kafka source of src->opts into a new source (Kafka's own
 *  struct starts with a bp_source_t). Logs and returns NULL on failure. */
bp_source_t *bp_source_kafka_open(const char *cmd, bp_source_opts_t *o);

/** Parses "T:P:A-B" into *r. 0, or -1 with errstr set. */
int bp_source_range_parse(const bp_source_opts_t *o, const char *text,
                          bp_source_range_t *r, char *errstr,
                          size_t errstr_size);

#endif
