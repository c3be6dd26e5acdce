/*
 * bp_ocf_write.c - writing Avro object container files (see bp_ocf.h):
 * the header and null-codec blocks, appended to a buffer the caller
 * writes out.
 */
#include <string.h>

#include "bp_avro_bin.h"
#include "bp_ocf.h"
#include "bp_sha256.h"

bp_err_t bp_ocf_write_header(bp_buf_t *out, const char *json,
                             uint8_t sync[BP_OCF_SYNC_SIZE]) {
        static const char salt[] = "badgeproc container sync marker\n";
        bp_sha256_t       h;
        uint8_t           digest[32];

        bp_sha256_init(&h);
        bp_sha256_update(&h, salt, sizeof(salt) - 1);
        bp_sha256_update(&h, json, strlen(json));
        bp_sha256_final(&h, digest);
        memcpy(sync, digest, BP_OCF_SYNC_SIZE);
        if (bp_buf_append(out, BP_OCF_MAGIC, BP_OCF_MAGIC_SIZE) ||
            bp_avro_write_long(out, 2) ||
            bp_avro_write_string(out, "avro.codec") ||
            bp_avro_write_string(out, "null") ||
            bp_avro_write_string(out, "avro.schema") ||
            bp_avro_write_string(out, json) || bp_avro_write_long(out, 0))
                return BP_ERR_NOMEM;
        return bp_buf_append(out, sync, BP_OCF_SYNC_SIZE);
}

bp_err_t bp_ocf_write_block(bp_buf_t *out, const uint8_t *data, size_t len,
                            int64_t       count,
                            const uint8_t sync[BP_OCF_SYNC_SIZE]) {
        if (bp_avro_write_long(out, count) ||
            bp_avro_write_long(out, (int64_t)len) ||
            bp_buf_append(out, data, len))
                return BP_ERR_NOMEM;
        return bp_buf_append(out, sync, BP_OCF_SYNC_SIZE);
}
