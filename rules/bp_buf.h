/*
 * bp_buf.h - a growable byte buffer, for encoders and writers.
 *
 * Appends never fail silently: they return BP_ERR_NOMEM and leave the
 * buffer as it was. Reset keeps the memory for the next use.
 */
#ifndef BP_BUF_H
#define BP_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

typedef struct bp_buf_s {
        uint8_t *data;
        size_t   len;
        size_t   cap;
} bp_buf_t;

/** Ensures room for extra more bytes. */
bp_err_t bp_buf_reserve(bp_buf_t *b, size_t extra);
bp_err_t bp_buf_append(bp_buf_t *b, const void *data, size_t len);
bp_err_t bp_buf_append_str(bp_buf_t *b, const char *s);
bp_err_t bp_buf_append_byte(bp_buf_t *b, uint8_t byte);
/** Appends printf-formatted text. */
bp_err_t bp_buf_printf(bp_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void bp_buf_reset(bp_buf_t *b);
/** Frees the memory (not b itself). */
void bp_buf_free(bp_buf_t *b);

#endif
