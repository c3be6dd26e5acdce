/*
 * bp_ocf.h - Avro object container files: the framing, read with bounds,
 * and written.
 *
 * A container file is "Obj\x01", a metadata map (avro.schema: the writer
 * schema as JSON; avro.codec: null or deflate), a 16-byte sync marker, then
 * blocks: a count of datums, a byte size, that many bytes of datums (end
 * to end, compressed as a whole by the codec) and the sync marker again.
 *
 * Why not avro-c's file reader: avro-c 1.11.1 (datafile.c) allocates the
 * byte size a block claims before reading it, and reads the header's
 * metadata map with its generic decoder, which allocates every claimed
 * string length first, so a few hostile bytes cost gigabytes; and it hands
 * out decoded values only, never a datum's bytes, so our bounded validator
 * could not see them first. The framing is small, so it is read here with
 * every size checked against fixed bounds and against the bytes present,
 * and the datums are handed out as bytes. avro-c still parses the schema
 * text (bounded by BP_OCF_META_VALUE_MAX); splitting a block into datums
 * is the caller's, with the validator (bp_avro_plan_measure()).
 *
 * Codecs: null and deflate (zlib, raw deflate as the specification says);
 * others (snappy, zstandard, ...) are refused when the header is read.
 */
#ifndef BP_OCF_H
#define BP_OCF_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#include "bp_buf.h"
#include "bp_error.h"

#define BP_OCF_MAGIC "Obj\x01"
#define BP_OCF_MAGIC_SIZE 4
#define BP_OCF_SYNC_SIZE 16
/** Most metadata entries, and the longest key and value. */
#define BP_OCF_META_MAX 64
#define BP_OCF_META_KEY_MAX 256
#define BP_OCF_META_VALUE_MAX (1024 * 1024)
/** Largest block, as stored and once inflated. Writers use 16 KiB to
 *  1 MiB; this is room to spare, and what one block may cost. */
#define BP_OCF_BLOCK_MAX (16 * 1024 * 1024)

typedef struct bp_ocf_reader_s bp_ocf_reader_t;

/**
 * Reads the header of the container file on fd (not closed by the
 * reader). NULL with the reason in errstr: "not an Avro object container
 * file", "truncated header", "metadata value of N bytes exceeds the limit
 * of 1048576", "no avro.schema in the header", "avro.schema does not
 * parse: ...", "codec snappy is not supported (null, deflate)", a read
 * error's text, "out of memory".
 */
bp_ocf_reader_t *bp_ocf_reader_open(int fd, char *errstr, size_t errstr_size);

/** Frees reader. NULL is a no-op. */
void bp_ocf_reader_destroy(bp_ocf_reader_t *reader);

/** The writer schema of the file (owned by the reader). */
avro_schema_t bp_ocf_reader_schema(const bp_ocf_reader_t *reader);

/**
 * Reads the next block: 1 with its datums' bytes in *data / *len (inflated;
 * borrowed until the next call) and their claimed number in *count; 0 at
 * the end of the file; otherwise an error after which the file cannot be
 * read on, with the reason in errstr: "block count N out of range",
 * "block size N exceeds the limit of 16777216 bytes", "truncated block:
 * size N, R bytes remain", "sync marker after the block does not match
 * the header's", "deflate: ...", "block inflates beyond 16777216 bytes"
 * (BP_ERR_PARSE or BP_ERR_TOO_LARGE), BP_ERR_IO, BP_ERR_NOMEM.
 */
int bp_ocf_reader_next(bp_ocf_reader_t *reader, const uint8_t **data,
                       size_t *len, int64_t *count, char *errstr,
                       size_t errstr_size);

/** The 1-based number of the block last returned or failed on. */
uint64_t bp_ocf_reader_blockno(const bp_ocf_reader_t *reader);

/** The byte offset in the file where that block starts. */
uint64_t bp_ocf_reader_offset(const bp_ocf_reader_t *reader);

/**
 * Appends a container file header to out: magic, avro.schema = json,
 * avro.codec = null, and a sync marker, also written to sync. The marker
 * is derived from the schema text (not random, as writers usually make
 * it), so the same datums always give the same file. BP_ERR_NOMEM.
 */
bp_err_t bp_ocf_write_header(bp_buf_t *out, const char *json,
                             uint8_t sync[BP_OCF_SYNC_SIZE]);

/** Appends a block of count datums (data[0..len), end to end, codec null)
 *  and the sync marker to out. BP_ERR_NOMEM. */
bp_err_t bp_ocf_write_block(bp_buf_t *out, const uint8_t *data, size_t len,
                            int64_t       count,
                            const uint8_t sync[BP_OCF_SYNC_SIZE]);

#endif
