/*
 * bp_dump.c - reading and writing framed-record dumps (see bp_dump.h), on
 * top of the bounded byte reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_byte_reader.h"
#include "bp_dump.h"

struct bp_dump_reader_s {
        bp_byte_reader_t *in;
        uint64_t          recno;
        uint64_t          offset;
};

bp_dump_reader_t *bp_dump_reader_new(int fd) {
        bp_dump_reader_t *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        r->in = bp_byte_reader_new(fd, BP_DUMP_LEN_SIZE + BP_DUMP_RECORD_MAX);
        if (!r->in) {
                free(r);
                return NULL;
        }
        return r;
}

void bp_dump_reader_destroy(bp_dump_reader_t *reader) {
        if (!reader)
                return;
        bp_byte_reader_destroy(reader->in);
        free(reader);
}

/* Turns a byte reader error into the reader's. */
static int failed(bp_err_t err, char *errstr, size_t errstr_size) {
        snprintf(errstr, errstr_size, "%s",
                 err == BP_ERR_IO ? strerror(errno) : "out of memory");
        return err;
}

int bp_dump_reader_next(bp_dump_reader_t *reader, const uint8_t **rec,
                        size_t *len, char *errstr, size_t errstr_size) {
        const uint8_t *p;
        size_t         got;
        uint32_t       n;
        bp_err_t       err;

        reader->offset = bp_byte_reader_offset(reader->in);
        err = bp_byte_reader_peek(reader->in, BP_DUMP_LEN_SIZE, &p, &got);
        if (err == BP_ERR_PARSE && got == 0)
                return 0;
        reader->recno++;
        if (err == BP_ERR_PARSE) {
                snprintf(errstr, errstr_size,
                         "truncated length: %zu of %d bytes", got,
                         BP_DUMP_LEN_SIZE);
                return BP_ERR_PARSE;
        }
        if (err != BP_OK)
                return failed(err, errstr, errstr_size);
        n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
            p[3];
        if (n > BP_DUMP_RECORD_MAX) {
                snprintf(errstr, errstr_size,
                         "record length %lu exceeds the limit of %d bytes",
                         (unsigned long)n, BP_DUMP_RECORD_MAX);
                return BP_ERR_TOO_LARGE;
        }
        err = bp_byte_reader_peek(reader->in, BP_DUMP_LEN_SIZE + n, &p, &got);
        if (err == BP_ERR_PARSE) {
                snprintf(errstr, errstr_size,
                         "truncated record: length %lu, %zu bytes remain",
                         (unsigned long)n, got - BP_DUMP_LEN_SIZE);
                return BP_ERR_PARSE;
        }
        if (err != BP_OK)
                return failed(err, errstr, errstr_size);
        bp_byte_reader_consume(reader->in, BP_DUMP_LEN_SIZE + n);
        *rec = p + BP_DUMP_LEN_SIZE;
        *len = n;
        return 1;
}

uint64_t bp_dump_reader_recno(const bp_dump_reader_t *reader) {
        return reader->recno;
}

uint64_t bp_dump_reader_offset(const bp_dump_reader_t *reader) {
        return reader->offset;
}

bp_err_t bp_dump_append(bp_buf_t *out, const void *rec, size_t len) {
        uint8_t hdr[BP_DUMP_LEN_SIZE];

        if (len > BP_DUMP_RECORD_MAX)
                return BP_ERR_TOO_LARGE;
        hdr[0] = (uint8_t)(len >> 24);
        hdr[1] = (uint8_t)(len >> 16);
        hdr[2] = (uint8_t)(len >> 8);
        hdr[3] = (uint8_t)len;
        if (bp_buf_reserve(out, sizeof(hdr) + len) != BP_OK)
                return BP_ERR_NOMEM;
        bp_buf_append(out, hdr, sizeof(hdr));
        return bp_buf_append(out, rec, len);
}
