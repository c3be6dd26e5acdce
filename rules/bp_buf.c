/*
 * bp_buf.c - growable byte buffer (see bp_buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_buf.h"

bp_err_t bp_buf_reserve(bp_buf_t *b, size_t extra) {
        size_t   need, cap;
        uint8_t *p;
        if (extra > SIZE_MAX - b->len)
                return BP_ERR_NOMEM;
        need = b->len + extra;
        if (need <= b->cap)
                return BP_OK;
        cap = b->cap ? b->cap : 256;
        while (cap < need)
                cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        p = realloc(b->data, cap);
        if (!p)
                return BP_ERR_NOMEM;
        b->data = p;
        b->cap  = cap;
        return BP_OK;
}

bp_err_t bp_buf_append(bp_buf_t *b, const void *data, size_t len) {
        if (len == 0)
                return BP_OK;
        if (bp_buf_reserve(b, len) != BP_OK)
                return BP_ERR_NOMEM;
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return BP_OK;
}

bp_err_t bp_buf_append_str(bp_buf_t *b, const char *s) {
        return bp_buf_append(b, s, strlen(s));
}

bp_err_t bp_buf_append_byte(bp_buf_t *b, uint8_t byte) {
        if (b->len == b->cap && bp_buf_reserve(b, 1) != BP_OK)
                return BP_ERR_NOMEM;
        b->data[b->len++] = byte;
        return BP_OK;
}

bp_err_t bp_buf_printf(bp_buf_t *b, const char *fmt, ...) {
        va_list ap;
        int     n;
        size_t  room = b->cap - b->len;

        va_start(ap, fmt);
        n = vsnprintf(room ? (char *)b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
                return BP_ERR_INVALID;
        if ((size_t)n < room) {
                b->len += (size_t)n;
                return BP_OK;
        }
        /* Did not fit: grow to fit the text and its NUL, then print again. */
        if (bp_buf_reserve(b, (size_t)n + 1) != BP_OK)
                return BP_ERR_NOMEM;
        va_start(ap, fmt);
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return BP_OK;
}

void bp_buf_reset(bp_buf_t *b) {
        b->len = 0;
}

void bp_buf_free(bp_buf_t *b) {
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}
