/*
 * bp_frame.c - the Confluent wire framing (see bp_frame.h).
 *
 * This is the first thing that looks at a Kafka record value, so it
 * trusts nothing: a missing value, a value shorter than the header or a
 * magic byte other than 0 is rejected with a reason that the runtime puts
 * on the dead-letter record. It never reads past len and never allocates.
 */
#include <stdio.h>

#include "bp_frame.h"

bp_err_t bp_frame_parse(const void *buf, size_t len, int32_t *schema_id,
                        const uint8_t **body, size_t *body_len, char *errstr,
                        size_t errstr_size) {
        const uint8_t *p = buf;
        uint32_t       id;

        if (!p) {
                snprintf(errstr, errstr_size, "record value is null");
                return BP_ERR_INVALID;
        }
        if (len == 0) {
                snprintf(errstr, errstr_size, "record value is empty");
                return BP_ERR_INVALID;
        }
        /* The magic byte is checked first: a JSON or plain-text value
         * ("{...") is the commonest mistake and deserves the plainest
         * message, whatever its length. */
        if (p[0] != BP_FRAME_MAGIC) {
                snprintf(errstr, errstr_size, "bad magic byte 0x%02x", p[0]);
                return BP_ERR_INVALID;
        }
        if (len < BP_FRAME_HEADER_SIZE) {
                snprintf(errstr, errstr_size,
                         "record of %zu byte%s is shorter than the %d-byte "
                         "header",
                         len, len == 1 ? "" : "s", BP_FRAME_HEADER_SIZE);
                return BP_ERR_INVALID;
        }
        id = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 |
             (uint32_t)p[4];
        /* Two's complement conversion without implementation-defined
         * behaviour. */
        *schema_id =
            id <= INT32_MAX ? (int32_t)id : -(int32_t)(UINT32_MAX - id) - 1;
        *body     = p + BP_FRAME_HEADER_SIZE;
        *body_len = len - BP_FRAME_HEADER_SIZE;
        return BP_OK;
}

void bp_frame_header_write(uint8_t out[BP_FRAME_HEADER_SIZE],
                           int32_t schema_id) {
        uint32_t id = (uint32_t)schema_id;

        out[0] = BP_FRAME_MAGIC;
        out[1] = (uint8_t)(id >> 24);
        out[2] = (uint8_t)(id >> 16);
        out[3] = (uint8_t)(id >> 8);
        out[4] = (uint8_t)id;
}
