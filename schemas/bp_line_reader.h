/*
 * bp_line_reader.h - reads lines from a file descriptor with a bound on
 * their length.
 *
 * The JSON Lines tools read files that come from elsewhere; a line of
 * gigabytes (a missing newline, a binary file, /dev/zero) must not make
 * them allocate gigabytes, nor read for ever looking for a newline that
 * never comes. The reader owns one buffer of max_line plus a read chunk,
 * allocated once: a line longer than max_line is reported as soon as its
 * first max_line + 1 bytes are in, and the reader stops there. Such a
 * line means the input is not JSON Lines (no event is anywhere near
 * 1 MiB), so there is nothing to resynchronise on: skipping to the next
 * newline is what made an unterminated input read without end.
 *
 * Lines end at '\n'; a '\r' before it is dropped (files written on
 * Windows), and the last line may lack its newline.
 */
#ifndef BP_LINE_READER_H
#define BP_LINE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

/** The line limit of the replay tools: 1 MiB, newline excluded. */
#define BP_LINE_MAX_DEFAULT (1024 * 1024)
/** What every reader of BP_LINE_MAX_DEFAULT lines says of a longer one,
 *  after `line N: `. */
#define BP_LINE_TOO_LONG_MSG "longer than the limit of 1048576 bytes"

typedef struct bp_line_reader_s bp_line_reader_t;

/**
 * Creates a reader of fd (not closed by the reader) that accepts lines of
 * at most max_line bytes (newline excluded, max_line >= 1). NULL on
 * ENOMEM or when max_line is 0.
 */
bp_line_reader_t *bp_line_reader_new(int fd, size_t max_line);

/** Frees reader. NULL is a no-op. */
void bp_line_reader_destroy(bp_line_reader_t *reader);

/**
 * Reads the next line. Returns:
 *  - 1 with *line / *len set to the line without its newline (not
 *    NUL-terminated; borrowed, valid until the next call);
 *  - 0 at end of input;
 *  - BP_ERR_TOO_LARGE for a line over max_line (*line is NULL, *len is
 *    max_line + 1: the bytes of it read before giving up). The reader
 *    reads no further; every later call returns BP_ERR_TOO_LARGE again,
 *    with the same line number. The caller should stop with an error;
 *  - BP_ERR_IO when read() failed (errno says why); reading may be
 *    retried.
 * A line or the first BP_ERR_TOO_LARGE advances the line number.
 */
int bp_line_reader_next(bp_line_reader_t *reader, const char **line,
                        size_t *len);

/** The 1-based number of the line last returned (0 before the first). */
uint64_t bp_line_reader_lineno(const bp_line_reader_t *reader);

#endif
