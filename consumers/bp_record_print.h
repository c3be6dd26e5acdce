/*
 * bp_record_print.h - any Kafka record of our topics as one JSON line.
 *
 * `badgeproc consume` shows operators and tests what a topic holds, and a
 * topic may hold anything: our events, dead letters, changelog records, or
 * bytes someone else wrote. Each record becomes exactly one line, and no
 * record, however malformed, can crash the printer or make it allocate
 * more than the record's own size:
 *
 *  - input events and badge events (recognised by their writer schema, not
 *    by the topic's name) are decoded with the codec and printed in the
 *    JSON Lines form of EVENTS.md, byte for byte what `replay` reads and
 *    writes; only when asked, a "kafka" object is appended to them;
 *  - dead letters (recognised by their dlq.error header):
 *    {"type":"dead-letter","dlq.error":..., "dlq.topic":...,
 *     "dlq.partition":N, "dlq.offset":N, "headers":[{"key","value"}...],
 *     "value_base64":..., "kafka":{...}}, with the original headers other
 *    than the dlq.* ones in "headers";
 *  - FreelancerState records (the changelog):
 *    {"type":"freelancer-state","value_base64":..., "kafka":{...}};
 *  - anything else: {"type":"undecodable","error":"bad magic byte 0x7b",
 *    "value_base64":..., "kafka":{...}}, the error being the codec's, i.e.
 *    what the runtime would write in dlq.error.
 * "kafka" is {"topic","partition","offset","timestamp" (null when the
 * record has none),"key"} with the key as a JSON string (invalid UTF-8
 * shown as U+FFFD), or "key_base64" when it holds a NUL byte, or null.
 */
#ifndef BP_RECORD_PRINT_H
#define BP_RECORD_PRINT_H

#include <stdbool.h>

#include <librdkafka/rdkafka.h>

#include "bp_buf.h"
#include "bp_codec.h"
#include "bp_error.h"

/** What a printed record turned out to be. */
typedef enum bp_record_shape_e {
        BP_RECORD_EVENT = 0,   /* an input event */
        BP_RECORD_BADGE,       /* a badge-granted or badge-revoked event */
        BP_RECORD_STATE,       /* a FreelancerState record */
        BP_RECORD_DEAD_LETTER, /* a record with a dlq.error header */
        BP_RECORD_UNDECODABLE  /* none of those */
} bp_record_shape_t;

typedef struct bp_record_printer_s bp_record_printer_t;

/**
 * Creates a printer decoding with codec (borrowed: it must outlive the
 * printer, and is used by no one else meanwhile). with_kafka appends the
 * "kafka" object to event lines too. NULL on ENOMEM.
 */
bp_record_printer_t *bp_record_printer_new(bp_codec_t *codec, bool with_kafka);

/** Frees printer. NULL is a no-op. */
void bp_record_printer_destroy(bp_record_printer_t *printer);

/**
 * Appends rkm (a record, not an error event) to out as one JSON line,
 * newline included, and sets *shape. Returns BP_OK, or BP_ERR_NOMEM with
 * out as it was: a record that cannot be decoded is not an error, it is
 * printed as such.
 */
bp_err_t bp_record_printer_write(bp_record_printer_t      *printer,
                                 const rd_kafka_message_t *rkm, bp_buf_t *out,
                                 bp_record_shape_t *shape);

#endif
