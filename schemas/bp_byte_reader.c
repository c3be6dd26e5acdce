/*
 * bp_byte_reader.c - bounded binary reading (see bp_byte_reader.h).
 *
 * One buffer holds the unconsumed bytes from pos to len. A peek that needs
 * more first moves them to the front, then doubles the buffer only while
 * it is full and the piece still incomplete, so the buffer never grows
 * past twice the bytes actually present (nor past max).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_byte_reader.h"

/* The first buffer, and the most read() is asked for beyond a piece. */
#define BP_BYTE_READER_CHUNK (64 * 1024)

struct bp_byte_reader_s {
        int      fd;
        size_t   max;
        uint8_t *buf;
        size_t   cap, pos, len;
        uint64_t consumed; /* input offset of buf[pos] */
        int      eof;
};

bp_byte_reader_t *bp_byte_reader_new(int fd, size_t max) {
        bp_byte_reader_t *r;

        if (max == 0 || !(r = calloc(1, sizeof(*r))))
                return NULL;
        r->fd  = fd;
        r->max = max;
        return r;
}

void bp_byte_reader_destroy(bp_byte_reader_t *reader) {
        if (!reader)
                return;
        free(reader->buf);
        free(reader);
}

/* Moves the unconsumed bytes to the front; when the buffer is full then,
 * doubles it, but to no more than want bytes plus one chunk (want, the
 * piece asked for, is more than the bytes held). BP_OK or BP_ERR_NOMEM. */
static bp_err_t make_room(bp_byte_reader_t *r, size_t want) {
        size_t   cap;
        uint8_t *q;

        if (r->pos) {
                memmove(r->buf, r->buf + r->pos, r->len - r->pos);
                r->len -= r->pos;
                r->pos = 0;
        }
        if (r->buf && r->len < r->cap)
                return BP_OK;
        cap = r->cap ? r->cap * 2 : BP_BYTE_READER_CHUNK;
        if (cap > want + BP_BYTE_READER_CHUNK)
                cap = want + BP_BYTE_READER_CHUNK;
        if (!(q = realloc(r->buf, cap)))
                return BP_ERR_NOMEM;
        r->buf = q;
        r->cap = cap;
        return BP_OK;
}

bp_err_t bp_byte_reader_peek(bp_byte_reader_t *reader, size_t n,
                             const uint8_t **p, size_t *got) {
        bp_byte_reader_t *r = reader;
        ssize_t           k;

        if (n > r->max)
                return BP_ERR_TOO_LARGE;
        while (r->len - r->pos < n && !r->eof) {
                if (make_room(r, n) != BP_OK)
                        return BP_ERR_NOMEM;
                k = read(r->fd, r->buf + r->len, r->cap - r->len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return BP_ERR_IO;
                if (k == 0)
                        r->eof = 1;
                r->len += (size_t)k;
        }
        *got = r->len - r->pos;
        *p   = r->buf ? r->buf + r->pos : NULL;
        if (*got < n)
                return BP_ERR_PARSE;
        *got = n;
        return BP_OK;
}

void bp_byte_reader_consume(bp_byte_reader_t *reader, size_t n) {
        reader->pos += n;
        reader->consumed += n;
}

uint64_t bp_byte_reader_offset(const bp_byte_reader_t *reader) {
        return reader->consumed;
}
