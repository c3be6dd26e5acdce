/*
 * bp_frame.h - the Confluent wire framing of Kafka record values.
 *
 * A framed value is: byte 0 = 0 (magic), bytes 1..4 = the writer schema id
 * (big-endian, signed 32-bit as the registry hands them out), then the
 * Avro binary body. Nothing else is accepted.
 */
#ifndef BP_FRAME_H
#define BP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

#define BP_FRAME_MAGIC 0x00
#define BP_FRAME_HEADER_SIZE 5

/**
 * Splits buf into schema id and body. *body points into buf (borrowed,
 * lives as long as buf); the body may be empty. Reads nothing past len,
 * allocates nothing. Returns BP_OK, or BP_ERR_INVALID with one of these
 * reasons in errstr (stable: the dead-letter record carries them):
 *   "record value is null"              (buf is NULL: a tombstone)
 *   "record value is empty"             (len is 0)
 *   "bad magic byte 0x7b"               (byte 0 is not 0; checked first)
 *   "record of 3 bytes is shorter than the 5-byte header"  ("1 byte")
 * errstr may be NULL when errstr_size is 0. Schema ids are not judged
 * here: an id no registry handed out is the schema store's to reject.
 */
bp_err_t bp_frame_parse(const void *buf, size_t len, int32_t *schema_id,
                        const uint8_t **body, size_t *body_len, char *errstr,
                        size_t errstr_size);

/** Writes the 5-byte header for schema_id to out. */
void bp_frame_header_write(uint8_t out[BP_FRAME_HEADER_SIZE],
                           int32_t schema_id);

#endif
