/*
 * bp_avro_bin.h - the primitive encodings of Avro binary, inline.
 *
 * Readers take a cursor (*p) and the end of the buffer, never read past
 * the end, and return 0 or -1; they are the only code that touches body
 * bytes during decoding, so every bound is checked here once. Writers
 * append to a bp_buf_t and return BP_OK or BP_ERR_NOMEM. Both are inline
 * because they run for every field of every record.
 */
#ifndef BP_AVRO_BIN_H
#define BP_AVRO_BIN_H

#include <stdint.h>
#include <string.h>

#include "bp_buf.h"

/** Longest varint of a 64-bit zigzag value. */
#define BP_AVRO_VARINT_MAX 10

/** Reads a zigzag varint long; -1 when truncated or longer than 10 bytes. */
static inline int bp_avro_read_long(const uint8_t **p, const uint8_t *end,
                                    int64_t *out) {
        const uint8_t *q = *p;
        uint64_t       u = 0;
        unsigned       shift;

        for (shift = 0; shift < 64; shift += 7) {
                uint8_t b;
                if (q == end)
                        return -1;
                b = *q++;
                /* The 10th byte holds bit 63 only: more would overflow
                 * (the validator refuses it too). */
                if (shift == 63 && b > 1)
                        return -1;
                u |= (uint64_t)(b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *p   = q;
                        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
                        return 0;
                }
        }
        return -1;
}

/** Reads n raw bytes' start into *out (borrowed); -1 when truncated. */
static inline int bp_avro_read_raw(const uint8_t **p, const uint8_t *end,
                                   size_t n, const uint8_t **out) {
        if ((size_t)(end - *p) < n)
                return -1;
        *out = *p;
        *p += n;
        return 0;
}

/** Reads a little-endian IEEE double. */
static inline int bp_avro_read_double(const uint8_t **p, const uint8_t *end,
                                      double *out) {
        const uint8_t *b;
        uint64_t       u = 0;
        int            i;
        if (bp_avro_read_raw(p, end, 8, &b) == -1)
                return -1;
        for (i = 7; i >= 0; i--)
                u = (u << 8) | b[i];
        memcpy(out, &u, sizeof(*out));
        return 0;
}

/** Reads a little-endian IEEE float, widened to double. */
static inline int bp_avro_read_float(const uint8_t **p, const uint8_t *end,
                                     double *out) {
        const uint8_t *b;
        uint32_t       u = 0;
        float          f;
        int            i;
        if (bp_avro_read_raw(p, end, 4, &b) == -1)
                return -1;
        for (i = 3; i >= 0; i--)
                u = (u << 8) | b[i];
        memcpy(&f, &u, sizeof(f));
        *out = f;
        return 0;
}

/** Appends v as a zigzag varint. */
static inline bp_err_t bp_avro_write_long(bp_buf_t *b, int64_t v) {
        uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
        uint8_t *q;

        if (b->cap - b->len < BP_AVRO_VARINT_MAX &&
            bp_buf_reserve(b, BP_AVRO_VARINT_MAX) != BP_OK)
                return BP_ERR_NOMEM;
        q = b->data + b->len;
        while (u >= 0x80) {
                *q++ = (uint8_t)(u | 0x80);
                u >>= 7;
        }
        *q++   = (uint8_t)u;
        b->len = (size_t)(q - b->data);
        return BP_OK;
}

/** Appends a little-endian IEEE double. */
static inline bp_err_t bp_avro_write_double(bp_buf_t *b, double d) {
        uint8_t  out[8];
        uint64_t u;
        int      i;
        memcpy(&u, &d, sizeof(u));
        for (i = 0; i < 8; i++, u >>= 8)
                out[i] = (uint8_t)u;
        return bp_buf_append(b, out, sizeof(out));
}

/** Appends a string (length, then bytes). s must not be NULL. */
static inline bp_err_t bp_avro_write_string(bp_buf_t *b, const char *s) {
        size_t n = strlen(s);
        if (bp_avro_write_long(b, (int64_t)n) != BP_OK)
                return BP_ERR_NOMEM;
        return bp_buf_append(b, s, n);
}

/** Appends a ["null", string] union: branch 0 for NULL, else branch 1. */
static inline bp_err_t bp_avro_write_opt_string(bp_buf_t *b, const char *s) {
        if (!s)
                return bp_avro_write_long(b, 0);
        if (bp_avro_write_long(b, 1) != BP_OK)
                return BP_ERR_NOMEM;
        return bp_avro_write_string(b, s);
}

/** Appends a ["null", long] union: branch 0 when v == none. */
static inline bp_err_t bp_avro_write_opt_long(bp_buf_t *b, int64_t v,
                                              int64_t none) {
        if (v == none)
                return bp_avro_write_long(b, 0);
        if (bp_avro_write_long(b, 1) != BP_OK)
                return BP_ERR_NOMEM;
        return bp_avro_write_long(b, v);
}

#endif
