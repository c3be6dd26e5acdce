/*
 * bp_ocf_read.c - reading the framing of Avro object container files with
 * bounds (see bp_ocf.h for why avro-c's reader is not used).
 *
 * Every size read from the file is checked against a fixed bound before
 * anything is read or allocated for it, and pieces are read through the
 * bounded byte reader, whose memory grows with the bytes present: a
 * truncated file that claims a 16 MiB block costs what it holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bp_avro_bin.h"
#include "bp_byte_reader.h"
#include "bp_ocf.h"

enum { CODEC_NULL, CODEC_DEFLATE };

struct bp_ocf_reader_s {
        bp_byte_reader_t *in;
        avro_schema_t     schema;
        int               codec;
        uint8_t           sync[BP_OCF_SYNC_SIZE];
        uint8_t          *inflated; /* deflate: the block's datums */
        size_t            inflated_cap;
        uint64_t          blockno, offset;
};

/* Sets errstr for a byte reader error (or what, for a short input).
 * Returns err. */
static int read_failed(bp_err_t err, const char *what, char *errstr,
                       size_t errstr_size) {
        if (err == BP_ERR_IO)
                snprintf(errstr, errstr_size, "%s", strerror(errno));
        else if (err == BP_ERR_NOMEM)
                snprintf(errstr, errstr_size, "out of memory");
        else
                snprintf(errstr, errstr_size, "%s", what);
        return err;
}

/* Reads a zigzag varint. BP_OK or an error with errstr set ("truncated
 * WHAT" at the end of input). */
static bp_err_t read_long(bp_byte_reader_t *in, const char *what, int64_t *v,
                          char *errstr, size_t errstr_size) {
        const uint8_t *p, *q;
        size_t         got;
        bp_err_t       err;
        char           why[64];

        err = bp_byte_reader_peek(in, BP_AVRO_VARINT_MAX, &p, &got);
        if (err != BP_OK && err != BP_ERR_PARSE)
                return read_failed(err, "", errstr, errstr_size);
        q = p;
        if (got == 0 || bp_avro_read_long(&q, p + got, v) != 0) {
                snprintf(why, sizeof(why), "truncated %s", what);
                return read_failed(BP_ERR_PARSE, why, errstr, errstr_size);
        }
        bp_byte_reader_consume(in, (size_t)(q - p));
        return BP_OK;
}

/* Reads a string or bytes of at most max bytes; *s borrowed until the
 * next read. */
static bp_err_t read_blob(bp_byte_reader_t *in, const char *what, size_t max,
                          const uint8_t **s, size_t *len, char *errstr,
                          size_t errstr_size) {
        int64_t  n;
        size_t   got;
        bp_err_t err;

        if ((err = read_long(in, what, &n, errstr, errstr_size)) != BP_OK)
                return err;
        if (n < 0 || (uint64_t)n > max) {
                snprintf(errstr, errstr_size,
                         "%s of %lld bytes exceeds the limit of %zu", what,
                         (long long)n, max);
                return BP_ERR_TOO_LARGE;
        }
        err = bp_byte_reader_peek(in, (size_t)n, s, &got);
        if (err != BP_OK)
                return read_failed(err, "truncated header", errstr,
                                   errstr_size);
        bp_byte_reader_consume(in, (size_t)n);
        *len = (size_t)n;
        return BP_OK;
}

/* Takes one metadata entry we know; others are ignored (the
 * specification reserves avro.* and lets writers add their own). */
static bp_err_t meta_entry(bp_ocf_reader_t *r, char *key, const uint8_t *v,
                           size_t vlen, char *errstr, size_t errstr_size) {
        if (strcmp(key, "avro.schema") == 0) {
                if (r->schema) {
                        snprintf(errstr, errstr_size,
                                 "avro.schema appears twice in the header");
                        return BP_ERR_PARSE;
                }
                if (avro_schema_from_json_length((const char *)v, vlen,
                                                 &r->schema)) {
                        r->schema = NULL;
                        snprintf(errstr, errstr_size,
                                 "avro.schema does not parse: %s",
                                 avro_strerror());
                        return BP_ERR_SCHEMA;
                }
        } else if (strcmp(key, "avro.codec") == 0) {
                if (vlen == 4 && memcmp(v, "null", 4) == 0)
                        r->codec = CODEC_NULL;
                else if (vlen == 7 && memcmp(v, "deflate", 7) == 0)
                        r->codec = CODEC_DEFLATE;
                else {
                        snprintf(errstr, errstr_size,
                                 "codec %.*s is not supported (null, "
                                 "deflate)",
                                 (int)(vlen < 32 ? vlen : 32), (const char *)v);
                        return BP_ERR_UNSUPPORTED;
                }
        }
        return BP_OK;
}

/* Reads the metadata map: blocks of entries up to an empty block. */
static bp_err_t read_meta(bp_ocf_reader_t *r, char *errstr,
                          size_t errstr_size) {
        const uint8_t *s;
        char           key[BP_OCF_META_KEY_MAX + 1];
        size_t         len, total = 0;
        int64_t        count, size;
        bp_err_t       err;

        for (;;) {
                if ((err = read_long(r->in, "header", &count, errstr,
                                     errstr_size)) != BP_OK)
                        return err;
                if (count == 0)
                        return BP_OK;
                /* A negative count is followed by the block's byte size. */
                if (count < 0 && (err = read_long(r->in, "header", &size,
                                                  errstr, errstr_size)))
                        return err;
                if (count < -BP_OCF_META_MAX || count > BP_OCF_META_MAX ||
                    (total += (size_t)(count < 0 ? -count : count)) >
                        BP_OCF_META_MAX) {
                        snprintf(errstr, errstr_size,
                                 "more than %d metadata entries",
                                 BP_OCF_META_MAX);
                        return BP_ERR_TOO_LARGE;
                }
                for (count = count < 0 ? -count : count; count > 0; count--) {
                        if ((err = read_blob(r->in, "metadata key",
                                             BP_OCF_META_KEY_MAX, &s, &len,
                                             errstr, errstr_size)))
                                return err;
                        memcpy(key, s, len);
                        key[len] = '\0';
                        if ((err = read_blob(r->in, "metadata value",
                                             BP_OCF_META_VALUE_MAX, &s, &len,
                                             errstr, errstr_size)) ||
                            (err = meta_entry(r, key, s, len, errstr,
                                              errstr_size)))
                                return err;
                }
        }
}

static bp_err_t read_header(bp_ocf_reader_t *r, char *errstr,
                            size_t errstr_size) {
        const uint8_t *p;
        size_t         got;
        bp_err_t       err;

        err = bp_byte_reader_peek(r->in, BP_OCF_MAGIC_SIZE, &p, &got);
        if (err == BP_ERR_PARSE ||
            (err == BP_OK && memcmp(p, BP_OCF_MAGIC, BP_OCF_MAGIC_SIZE))) {
                snprintf(errstr, errstr_size,
                         "not an Avro object container file (it does not "
                         "start with \"Obj\\x01\")");
                return BP_ERR_PARSE;
        }
        if (err != BP_OK)
                return read_failed(err, "", errstr, errstr_size);
        bp_byte_reader_consume(r->in, BP_OCF_MAGIC_SIZE);
        if ((err = read_meta(r, errstr, errstr_size)) != BP_OK)
                return err;
        if (!r->schema) {
                snprintf(errstr, errstr_size, "no avro.schema in the header");
                return BP_ERR_PARSE;
        }
        err = bp_byte_reader_peek(r->in, BP_OCF_SYNC_SIZE, &p, &got);
        if (err != BP_OK)
                return read_failed(err, "truncated header", errstr,
                                   errstr_size);
        memcpy(r->sync, p, BP_OCF_SYNC_SIZE);
        bp_byte_reader_consume(r->in, BP_OCF_SYNC_SIZE);
        return BP_OK;
}

bp_ocf_reader_t *bp_ocf_reader_open(int fd, char *errstr, size_t errstr_size) {
        bp_ocf_reader_t *r = calloc(1, sizeof(*r));

        if (r)
                r->in =
                    bp_byte_reader_new(fd, BP_OCF_BLOCK_MAX + BP_OCF_SYNC_SIZE);
        if (!r || !r->in) {
                snprintf(errstr, errstr_size, "out of memory");
                bp_ocf_reader_destroy(r);
                return NULL;
        }
        if (read_header(r, errstr, errstr_size) != BP_OK) {
                bp_ocf_reader_destroy(r);
                return NULL;
        }
        return r;
}

void bp_ocf_reader_destroy(bp_ocf_reader_t *reader) {
        if (!reader)
                return;
        if (reader->schema)
                avro_schema_decref(reader->schema);
        bp_byte_reader_destroy(reader->in);
        free(reader->inflated);
        free(reader);
}

avro_schema_t bp_ocf_reader_schema(const bp_ocf_reader_t *reader) {
        return reader->schema;
}

uint64_t bp_ocf_reader_blockno(const bp_ocf_reader_t *reader) {
        return reader->blockno;
}

uint64_t bp_ocf_reader_offset(const bp_ocf_reader_t *reader) {
        return reader->offset;
}

/* Inflates the raw deflate stream src[0..len) into r->inflated, growing it
 * with the output actually produced, up to BP_OCF_BLOCK_MAX. */
static bp_err_t inflate_block(bp_ocf_reader_t *r, const uint8_t *src,
                              size_t len, size_t *out_len, char *errstr,
                              size_t errstr_size) {
        z_stream z;
        uint8_t *q;
        size_t   cap;
        int      zr = Z_OK;

        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, -15) != Z_OK) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        z.next_in  = (Bytef *)(uintptr_t)src;
        z.avail_in = (uInt)len;
        while (zr != Z_STREAM_END) {
                if (z.total_out == r->inflated_cap) {
                        cap = r->inflated_cap ? r->inflated_cap * 2 : 65536;
                        if (r->inflated_cap >= BP_OCF_BLOCK_MAX) {
                                snprintf(errstr, errstr_size,
                                         "block inflates beyond %d bytes",
                                         BP_OCF_BLOCK_MAX);
                                inflateEnd(&z);
                                return BP_ERR_TOO_LARGE;
                        }
                        if (cap > BP_OCF_BLOCK_MAX)
                                cap = BP_OCF_BLOCK_MAX;
                        if (!(q = realloc(r->inflated, cap))) {
                                inflateEnd(&z);
                                snprintf(errstr, errstr_size, "out of memory");
                                return BP_ERR_NOMEM;
                        }
                        r->inflated     = q;
                        r->inflated_cap = cap;
                }
                z.next_out  = r->inflated + z.total_out;
                z.avail_out = (uInt)(r->inflated_cap - z.total_out);
                zr          = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END) {
                        snprintf(errstr, errstr_size, "deflate: %s",
                                 z.msg ? z.msg : "truncated stream");
                        inflateEnd(&z);
                        return BP_ERR_PARSE;
                }
        }
        *out_len = z.total_out;
        inflateEnd(&z);
        return BP_OK;
}

/* Reads a block's count and size, checking both. */
static int block_head(bp_ocf_reader_t *r, int64_t *count, int64_t *size,
                      char *errstr, size_t errstr_size) {
        const uint8_t *p;
        size_t         got;
        bp_err_t       err;

        /* The end of the file may only come where a block would start. */
        err = bp_byte_reader_peek(r->in, 1, &p, &got);
        if (err == BP_ERR_PARSE)
                return 0;
        if (err != BP_OK)
                return read_failed(err, "", errstr, errstr_size);
        r->blockno++;
        if ((err =
                 read_long(r->in, "block count", count, errstr, errstr_size)) ||
            (err = read_long(r->in, "block size", size, errstr, errstr_size)))
                return err;
        if (*count < 0 || *count > BP_OCF_BLOCK_MAX) {
                snprintf(errstr, errstr_size, "block count %lld out of range",
                         (long long)*count);
                return BP_ERR_PARSE;
        }
        if (*size < 0 || *size > BP_OCF_BLOCK_MAX) {
                snprintf(errstr, errstr_size,
                         "block size %lld exceeds the limit of %d bytes",
                         (long long)*size, BP_OCF_BLOCK_MAX);
                return BP_ERR_TOO_LARGE;
        }
        return 1;
}

int bp_ocf_reader_next(bp_ocf_reader_t *reader, const uint8_t **data,
                       size_t *len, int64_t *count, char *errstr,
                       size_t errstr_size) {
        bp_ocf_reader_t *r = reader;
        const uint8_t   *p;
        size_t           got, n;
        int64_t          size;
        int              rc;
        bp_err_t         err;

        r->offset = bp_byte_reader_offset(r->in);
        if ((rc = block_head(r, count, &size, errstr, errstr_size)) != 1)
                return rc;
        n   = (size_t)size;
        err = bp_byte_reader_peek(r->in, n + BP_OCF_SYNC_SIZE, &p, &got);
        if (err == BP_ERR_PARSE) {
                snprintf(errstr, errstr_size,
                         "truncated block: size %zu, %zu bytes remain", n, got);
                return BP_ERR_PARSE;
        }
        if (err != BP_OK)
                return read_failed(err, "", errstr, errstr_size);
        if (memcmp(p + n, r->sync, BP_OCF_SYNC_SIZE) != 0) {
                snprintf(errstr, errstr_size,
                         "sync marker after the block does not match the "
                         "header's");
                return BP_ERR_PARSE;
        }
        bp_byte_reader_consume(r->in, n + BP_OCF_SYNC_SIZE);
        *data = p;
        *len  = n;
        if (r->codec == CODEC_DEFLATE && n > 0) {
                if ((err = inflate_block(r, p, n, len, errstr, errstr_size)))
                        return err;
                *data = r->inflated;
        }
        return 1;
}
