/*
 * bp_source_int.h - what the two kinds of source (bp_source_file.c and
 * bp_source_avro.c: files, bp_source_kafka.c: topics) share behind
 * bp_source.h. Not for other modules.
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

/** Opens the file source of o->inputs into a new source. Logs and returns
 *  NULL on failure. */
bp_source_t *bp_source_files_open(const char *cmd, bp_source_opts_t *o);

/**
 * One input file of the file source. Each reads its events in its own
 * order with its own decoder (line parser or codec), so that the event
 * it read last stays valid while the others read theirs: the merge keeps
 * one event per file at hand.
 */
typedef struct bp_input_s bp_input_t;
struct bp_input_s {
        bp_source_t       *src; /* for the command name and the counts */
        char              *path;
        int                index; /* on the command line: cause.partition */
        bp_source_format_t format;
        int                fd;
        bool               own_fd;
        bool               named; /* rejection lines start with the path */
        uint64_t           read;  /* lines or records read */
        /* The kind's calls: next as bp_source_next() (fatal errors logged
         * by it), close frees what the kind allocated (not in itself). */
        int (*next)(bp_input_t *in, bp_event_t *ev, bp_cause_t *cause);
        void (*close)(bp_input_t *in);
        void *kind; /* the kind's own state */
        /* The merge's: the next event of this file, when has_head. */
        bp_event_t head;
        bp_cause_t head_cause;
        bool       has_head;
};

/** Opens a framed dump or container file input on in->fd (in->format
 *  says which) and sets its calls. Logs and returns -1 on failure. */
int bp_input_avro_open(bp_input_t *in);

/** Reports a rejected record or line "[PATH:]WHERE: message" on stderr
 *  and counts it. */
void bp_input_reject(bp_input_t *in, const char *where, const char *msg);

/** Logs a fatal error "PATH:WHERE: message" on its own line, then the
 *  fatal log line. Returns -1. */
int bp_input_fatal(bp_input_t *in, const char *where, const char *msg);

/** Parses "T:P:A-B" into *r. 0, or -1 with errstr set. */
int bp_source_range_parse(const bp_source_opts_t *o, const char *text,
                          bp_source_range_t *r, char *errstr,
                          size_t errstr_size);

#endif
