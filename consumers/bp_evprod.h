/*
 * bp_evprod.h - input events onto their Kafka topics.
 *
 * What `badgeproc produce`, `badgeproc gen --brokers` and the demo share:
 * an idempotent producer that encodes each input event with the codec the
 * runtime decodes with (Avro in the Confluent framing) and produces it to
 * the topic of its type, keyed by freelancer_id, with the record's Kafka
 * timestamp set to occurred_at (DESIGN.md: the runtime merges the four
 * inputs by that timestamp). Idempotence means a retry inside librdkafka
 * never writes a record twice or out of order.
 *
 * Before anything is produced the four topics must exist and be
 * co-partitioned: a missing one would otherwise be created by
 * auto-creating brokers with some default partition count, and events
 * keyed by freelancer would land in partitions no task pairs up.
 *
 * An event producer is used from one thread. Delivery reports are served
 * by bp_evprod_send(), bp_evprod_poll() and bp_evprod_flush(); a record
 * that is not delivered is logged with its tag (the input line number, or
 * the event's position in a generated stream).
 */
#ifndef BP_EVPROD_H
#define BP_EVPROD_H

#include <stddef.h>
#include <stdint.h>

#include "bp_cli.h"
#include "bp_error.h"
#include "bp_event.h"
#include "bp_kafka.h"

typedef struct bp_evprod_conf_s {
        /* Cluster, schemas and -X properties (which win over the
         * producer's defaults). Borrowed for the call to _new only. */
        const bp_cli_kafka_t *kafka;
        /* Topic names: topics (four names, bp_event_type_t order) when
         * set, else prefix (NULL: "") + the names of EVENTS.md. */
        const char *const *topics;
        const char        *prefix;
        const char        *cmd;       /* logs say cmd=CMD */
        const char        *tag_name;  /* "line", "event": names the tag */
        const char        *client_id; /* NULL: "badgeproc-" + cmd */
} bp_evprod_conf_t;

/** What became of the records so far. */
typedef struct bp_evprod_counts_s {
        uint64_t queued;    /* handed to librdkafka */
        uint64_t delivered; /* acknowledged by the cluster */
        uint64_t failed;    /* not delivered (each one logged) */
} bp_evprod_counts_t;

typedef struct bp_evprod_s bp_evprod_t;

/**
 * Resolves and checks the topic names, loads the schemas (settling each
 * input type's schema id, registered under our topic names when a registry
 * is used), creates the producer and checks that the four topics exist and
 * are co-partitioned. Returns the event producer (owned by the caller), or
 * NULL with errstr set: "WHAT: REASON" where WHAT says which step failed.
 * *usage (may be NULL) is set to 1 when the failure is a bad topic name,
 * something the user typed.
 */
bp_evprod_t *bp_evprod_new(const bp_evprod_conf_t *conf, int *usage,
                           char *errstr, size_t errstr_size);

/**
 * Encodes ev and queues it, waiting while librdkafka's queue is full
 * (until SIGINT or SIGTERM, see bp_cli_stopping()). tag is logged if the
 * record is not delivered.
 *
 * Returns BP_OK once queued; BP_ERR_INVALID when ev is refused (it fails
 * the checks of EVENTS.md, its occurred_at is not after 1970, which no
 * Kafka timestamp can be, or librdkafka refuses it), with errstr saying
 * why: the caller reports it and goes on; BP_ERR_NOMEM; BP_ERR_KAFKA on a
 * fatal producer error, or when stopped while waiting (then
 * bp_cli_stopping() says so).
 */
bp_err_t bp_evprod_send(bp_evprod_t *ep, const bp_event_t *ev, uint64_t tag,
                        char *errstr, size_t errstr_size);

/** Serves delivery reports for at most timeout_ms. */
void bp_evprod_poll(bp_evprod_t *ep, int timeout_ms);

/**
 * Waits for the fate of every queued record, for at most timeout_ms; what
 * is still queued then is purged and counted as failed. Returns BP_OK
 * when every queued record was delivered, else BP_ERR_KAFKA.
 */
bp_err_t bp_evprod_flush(bp_evprod_t *ep, int timeout_ms);

/** Counts so far. */
void bp_evprod_counts(const bp_evprod_t *ep, bp_evprod_counts_t *out);

/** The topic events of type are produced to. Valid until _destroy. */
const char *bp_evprod_topic(const bp_evprod_t *ep, bp_event_type_t type);

/** Non-zero once the producer hit a fatal error; its reason goes to
 *  errstr. */
int bp_evprod_fatal(const bp_evprod_t *ep, char *errstr, size_t errstr_size);

/** Destroys the producer (without flushing) and frees ep. NULL-safe. */
void bp_evprod_destroy(bp_evprod_t *ep);

#endif
