/*
 * bp_dump.h - the framed-record dump: Kafka record values in a file.
 *
 * A dump is a sequence of records, each a 4-byte big-endian length N
 * followed by N bytes of one record value in the Confluent framing (byte
 * 0 = 0, a 4-byte big-endian schema id, the Avro body; bp_frame.h). There
 * is no file header and no key: the writer schema (through the schema map
 * or registry) says which event type a record holds. `badgeproc consume
 * --dump FILE` and `badgeproc convert --to framed` write it; so does any
 * tool that can prefix each value with its length (kcat's `-f '%S%s'`
 * with a binary length, for example). The history tools read it with
 * `--input-format framed`.
 *
 * Lengths come from outside, so reading is bounded: a record longer than
 * BP_DUMP_RECORD_MAX is refused without being read, and since nothing
 * marks where the next record begins, reading stops there. A record that
 * decodes badly is another matter: its length is known, so it can be
 * skipped; that is for the caller to decide.
 */
#ifndef BP_DUMP_H
#define BP_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "bp_buf.h"
#include "bp_error.h"

/** Size of the length before each record. */
#define BP_DUMP_LEN_SIZE 4
/** The longest record read: the JSON Lines tools' line limit. */
#define BP_DUMP_RECORD_MAX (1024 * 1024)

typedef struct bp_dump_reader_s bp_dump_reader_t;

/** Creates a reader of fd (not closed by it). NULL on ENOMEM. */
bp_dump_reader_t *bp_dump_reader_new(int fd);

/** Frees reader. NULL is a no-op. */
void bp_dump_reader_destroy(bp_dump_reader_t *reader);

/**
 * Reads the next record. Returns 1 with *rec / *len set (borrowed until
 * the next call; *len may be 0), 0 at a clean end of input, or an error
 * after which reading cannot go on, with the reason in errstr:
 *   BP_ERR_TOO_LARGE "record length N exceeds the limit of 1048576 bytes"
 *   BP_ERR_PARSE     "truncated record: length N, R bytes remain"
 *                    "truncated length: R of 4 bytes"
 *   BP_ERR_IO        read() failed (errno; errstr is its text)
 *   BP_ERR_NOMEM
 * Memory grows with the bytes present, never with a claimed length.
 */
int bp_dump_reader_next(bp_dump_reader_t *reader, const uint8_t **rec,
                        size_t *len, char *errstr, size_t errstr_size);

/** The 1-based number of the record last returned or failed on. */
uint64_t bp_dump_reader_recno(const bp_dump_reader_t *reader);

/** The byte offset in the input of that record's length. */
uint64_t bp_dump_reader_offset(const bp_dump_reader_t *reader);

/** Appends rec[0..len) with its length to out. BP_ERR_TOO_LARGE when len
 *  exceeds BP_DUMP_RECORD_MAX (no reader would take it), BP_ERR_NOMEM. */
bp_err_t bp_dump_append(bp_buf_t *out, const void *rec, size_t len);

#endif
