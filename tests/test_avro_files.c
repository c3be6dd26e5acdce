/*
 * test_avro_files.c - the bounded readers of the Avro input files: the
 * framed-record dump (bp_dump.h), the container file framing (bp_ocf.h)
 * and the datum walk that splits a block (bp_avro_plan_measure()).
 *
 * Each hostile file is read through a real descriptor, and the heap in
 * use is measured while the reader still holds what it allocated: a
 * claimed size must cost what the file holds, not what it claims.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "bp_avro_bin.h"
#include "bp_avro_validate.h"
#include "bp_dump.h"
#include "bp_ocf.h"
#include "bp_test_avro.h"

#define SCHEMA                                            \
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":" \
        "[{\"name\":\"s\",\"type\":\"string\"}]}"

/* A descriptor reading the bytes of b (a temporary file, removed). */
static int fd_of(const bp_buf_t *b) {
        char path[] = "/tmp/bp_test_avro_files_XXXXXX";
        int  fd     = mkstemp(path);

        assert_true(fd >= 0);
        unlink(path);
        assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static void put_len(bp_buf_t *b, uint32_t n) {
        uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16),
                        (uint8_t)(n >> 8), (uint8_t)n};
        bp_buf_append(b, h, 4);
}

/* Reads the dump in b to its end or first error; returns that and the
 * records read, errstr the reason. */
static int read_dump(const bp_buf_t *b, int *records, uint64_t *offset,
                     char *errstr, size_t *grew) {
        int               fd = fd_of(b), rc;
        size_t            before;
        bp_dump_reader_t *r;
        const uint8_t    *rec;
        size_t            len;

        before = bp_test_heap_in_use();
        r      = bp_dump_reader_new(fd);
        assert_non_null(r);
        *records = 0;
        while ((rc = bp_dump_reader_next(r, &rec, &len, errstr, 256)) == 1)
                (*records)++;
        *offset = bp_dump_reader_offset(r);
        *grew   = bp_test_heap_in_use() - before;
        bp_dump_reader_destroy(r);
        close(fd);
        return rc;
}

static void test_dump(void **state) {
        bp_buf_t b = {0};
        char     errstr[256];
        int      n;
        uint64_t off;
        size_t   grew;

        (void)state;
        /* Two records, one of them empty (a decoder's to reject). */
        assert_int_equal(bp_dump_append(&b, "\0\0\0\0\1x", 6), BP_OK);
        assert_int_equal(bp_dump_append(&b, "", 0), BP_OK);
        assert_int_equal(read_dump(&b, &n, &off, errstr, &grew), 0);
        assert_int_equal(n, 2);

        /* A length beyond the limit stops reading, unread. */
        put_len(&b, 0xffffffffu);
        bp_buf_append(&b, "xx", 2);
        assert_int_equal(read_dump(&b, &n, &off, errstr, &grew),
                         BP_ERR_TOO_LARGE);
        assert_int_equal(n, 2);
        assert_int_equal(off, 14);
        assert_string_equal(errstr, "record length 4294967295 exceeds the "
                                    "limit of 1048576 bytes");
        assert_true(grew < 256 * 1024);

        /* A record at the limit that the file cuts short costs what the
         * file holds. */
        b.len = 14;
        put_len(&b, BP_DUMP_RECORD_MAX);
        bp_buf_append(&b, "0123456789", 10);
        assert_int_equal(read_dump(&b, &n, &off, errstr, &grew), BP_ERR_PARSE);
        assert_string_equal(
            errstr, "truncated record: length 1048576, 10 bytes remain");
        printf("heap growth reading a truncated 1 MiB record: %zu\n", grew);
        assert_true(grew < 256 * 1024);

        b.len = 14;
        bp_buf_append(&b, "\0\0", 2);
        assert_int_equal(read_dump(&b, &n, &off, errstr, &grew), BP_ERR_PARSE);
        assert_string_equal(errstr, "truncated length: 2 of 4 bytes");
        assert_int_equal(bp_dump_append(&b, "", BP_DUMP_RECORD_MAX + 1),
                         BP_ERR_TOO_LARGE);
        bp_buf_free(&b);
}

/* A container file header for SCHEMA with codec, sync = 16 x 's'. */
static void ocf_header(bp_buf_t *b, const char *codec) {
        bp_buf_reset(b);
        bp_buf_append(b, BP_OCF_MAGIC, 4);
        bp_avro_write_long(b, 2);
        bp_avro_write_string(b, "avro.schema");
        bp_avro_write_string(b, SCHEMA);
        bp_avro_write_string(b, "avro.codec");
        bp_avro_write_string(b, codec);
        bp_avro_write_long(b, 0);
        bp_buf_append(b, "ssssssssssssssss", 16);
}

/* Opens b and reads blocks to the end or the first error: the return
 * code, errstr its reason, *datums the bytes of all blocks. */
static int read_ocf(const bp_buf_t *b, bp_buf_t *datums, char *errstr,
                    size_t *grew) {
        int              fd     = fd_of(b), rc;
        size_t           before = bp_test_heap_in_use(), len;
        bp_ocf_reader_t *r      = bp_ocf_reader_open(fd, errstr, 256);
        const uint8_t   *data;
        int64_t          count;

        if (!r) {
                close(fd);
                return -100;
        }
        bp_buf_reset(datums);
        while ((rc = bp_ocf_reader_next(r, &data, &len, &count, errstr, 256)) ==
               1)
                bp_buf_append(datums, data, len);
        *grew = bp_test_heap_in_use() - before;
        bp_ocf_reader_destroy(r);
        close(fd);
        return rc;
}

static void test_ocf_header(void **state) {
        bp_buf_t b = {0}, d = {0};
        char     errstr[256];
        size_t   grew;

        (void)state;
        bp_buf_append(&b, "{\"type\":\"profile-updated\"}\n", 27);
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), -100);
        assert_non_null(strstr(errstr, "not an Avro object container file"));

        ocf_header(&b, "snappy");
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), -100);
        assert_string_equal(errstr,
                            "codec snappy is not supported (null, deflate)");

        /* A metadata value claiming 1 TiB. */
        bp_buf_reset(&b);
        bp_buf_append(&b, BP_OCF_MAGIC, 4);
        bp_avro_write_long(&b, 1);
        bp_avro_write_string(&b, "avro.schema");
        bp_avro_write_long(&b, (int64_t)1 << 40);
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), -100);
        assert_string_equal(errstr, "metadata value of 1099511627776 bytes "
                                    "exceeds the limit of 1048576");

        /* A map block count of -2^63 (negative: its byte size follows). */
        bp_buf_reset(&b);
        bp_buf_append(&b, BP_OCF_MAGIC, 4);
        bp_avro_write_long(&b, INT64_MIN);
        bp_avro_write_long(&b, 10);
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), -100);
        assert_string_equal(errstr, "more than 64 metadata entries");

        ocf_header(&b, "null");
        b.len -= 3;
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), -100);
        assert_string_equal(errstr, "truncated header");
        bp_buf_free(&b);
        bp_buf_free(&d);
}

static void test_ocf_blocks(void **state) {
        bp_buf_t b = {0}, d = {0};
        char     errstr[256];
        size_t   grew;

        (void)state;
        ocf_header(&b, "null");
        bp_ocf_write_block(&b, (const uint8_t *)"\2a\2b", 4, 2,
                           (const uint8_t *)"ssssssssssssssss");
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), 0);
        assert_int_equal(d.len, 4);
        assert_memory_equal(d.data, "\2a\2b", 4);

        /* A block claiming 1 TiB, then one claiming the limit that the
         * file cuts short: neither is allocated. */
        bp_avro_write_long(&b, 1);
        bp_avro_write_long(&b, (int64_t)1 << 40);
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), BP_ERR_TOO_LARGE);
        assert_string_equal(errstr, "block size 1099511627776 exceeds the "
                                    "limit of 16777216 bytes");
        b.len -= 6;
        bp_avro_write_long(&b, BP_OCF_BLOCK_MAX);
        bp_buf_append(&b, "0123456789", 10);
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), BP_ERR_PARSE);
        assert_string_equal(errstr, "truncated block: size 16777216, 10 bytes "
                                    "remain");
        printf("heap growth reading a truncated 16 MiB block: %zu\n", grew);
        assert_true(grew < 512 * 1024);

        /* A sync marker that is not the header's. */
        ocf_header(&b, "null");
        bp_ocf_write_block(&b, (const uint8_t *)"\2a", 2, 1,
                           (const uint8_t *)"tttttttttttttttt");
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), BP_ERR_PARSE);
        assert_string_equal(errstr, "sync marker after the block does not "
                                    "match the header's");
        bp_buf_free(&b);
        bp_buf_free(&d);
}

/* Raw deflate of src, as the container format stores it. */
static size_t deflate_raw(const void *src, size_t len, uint8_t *out,
                          size_t cap) {
        z_stream z;

        memset(&z, 0, sizeof(z));
        assert_int_equal(
            deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in   = (Bytef *)(uintptr_t)src;
        z.avail_in  = (uInt)len;
        z.next_out  = out;
        z.avail_out = (uInt)cap;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        deflateEnd(&z);
        return z.total_out;
}

static void test_ocf_deflate(void **state) {
        static uint8_t zeros[BP_OCF_BLOCK_MAX + 1024];
        uint8_t       *z = malloc(1 << 20);
        bp_buf_t       b = {0}, d = {0};
        char           errstr[256];
        size_t         n, grew;

        (void)state;
        assert_non_null(z);
        ocf_header(&b, "deflate");
        n = deflate_raw("\2a\2b", 4, z, 1 << 20);
        bp_ocf_write_block(&b, z, n, 2, (const uint8_t *)"ssssssssssssssss");
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), 0);
        assert_int_equal(d.len, 4);
        assert_memory_equal(d.data, "\2a\2b", 4);

        /* A few KiB that inflate beyond the block limit stop there. */
        ocf_header(&b, "deflate");
        n = deflate_raw(zeros, sizeof(zeros), z, 1 << 20);
        bp_ocf_write_block(&b, z, n, 1, (const uint8_t *)"ssssssssssssssss");
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), BP_ERR_TOO_LARGE);
        assert_string_equal(errstr, "block inflates beyond 16777216 bytes");

        ocf_header(&b, "deflate");
        bp_ocf_write_block(&b, (const uint8_t *)"garbage", 7, 1,
                           (const uint8_t *)"ssssssssssssssss");
        assert_int_equal(read_ocf(&b, &d, errstr, &grew), BP_ERR_PARSE);
        assert_non_null(strstr(errstr, "deflate: "));
        free(z);
        bp_buf_free(&b);
        bp_buf_free(&d);
}

/* Datums end to end are found one by one, with the validator's reasons. */
static void test_measure(void **state) {
        avro_schema_t   schema;
        bp_avro_plan_t *plan;
        size_t          used;
        char            errstr[256];

        (void)state;
        assert_int_equal(
            avro_schema_from_json_length(SCHEMA, strlen(SCHEMA), &schema), 0);
        plan = bp_avro_plan_new(schema, errstr, sizeof(errstr));
        assert_non_null(plan);
        assert_int_equal(bp_avro_plan_measure(plan, (const uint8_t *)"\4ab\2c",
                                              5, &used, errstr, 256),
                         BP_OK);
        assert_int_equal(used, 3);
        assert_int_equal(bp_avro_plan_measure(plan,
                                              (const uint8_t *)"\x80\x80"
                                                               "\x80\x80"
                                                               "\x10",
                                              5, &used, errstr, 256),
                         BP_ERR_INVALID);
        assert_string_equal(errstr,
                            "string length 2147483648 exceeds remaining "
                            "0 bytes at field s");
        bp_avro_plan_destroy(plan);
        avro_schema_decref(schema);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_dump),
            cmocka_unit_test(test_ocf_header),
            cmocka_unit_test(test_ocf_blocks),
            cmocka_unit_test(test_ocf_deflate),
            cmocka_unit_test(test_measure),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
