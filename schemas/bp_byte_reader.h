/*
 * bp_byte_reader.h - reads a binary file descriptor in pieces of a size the
 * caller asks for, with a bound on what it holds.
 *
 * The binary inputs of the history tools (framed-record dumps, Avro
 * container files) announce the sizes of what follows. Those sizes come
 * from outside: the reader makes a piece of n bytes available only by
 * reading it, growing its buffer as bytes actually arrive, so a file that
 * claims 1 GiB and holds 10 bytes costs a few KiB, and it refuses any
 * piece larger than the bound it was created with. It works on pipes
 * (standard input) as on files: nothing is ever sought back.
 */
#ifndef BP_BYTE_READER_H
#define BP_BYTE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

typedef struct bp_byte_reader_s bp_byte_reader_t;

/** Creates a reader of fd (not closed by it) holding at most max bytes
 *  at a time. NULL on ENOMEM or when max is 0. */
bp_byte_reader_t *bp_byte_reader_new(int fd, size_t max);

/** Frees reader. NULL is a no-op. */
void bp_byte_reader_destroy(bp_byte_reader_t *reader);

/**
 * Makes the next n bytes (n <= max) available at *p without consuming
 * them; they stay valid, consumed or not, until the next peek.
 * Returns BP_OK; BP_ERR_PARSE when the input ends first (*got says how
 * many bytes there were: 0 is a clean end); BP_ERR_TOO_LARGE when n
 * exceeds max; BP_ERR_IO when read() failed (errno says why).
 */
bp_err_t bp_byte_reader_peek(bp_byte_reader_t *reader, size_t n,
                             const uint8_t **p, size_t *got);

/** Consumes n bytes that a peek made available. */
void bp_byte_reader_consume(bp_byte_reader_t *reader, size_t n);

/** The offset in the input of the next byte to consume. */
uint64_t bp_byte_reader_offset(const bp_byte_reader_t *reader);

#endif
