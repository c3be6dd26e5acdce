/*
 * bp_checkpoint.c - the version-1 byte form of a partition checkpoint (see
 * bp_checkpoint.h for the layout).
 *
 * Decoding trusts nothing: the bytes come from disk, and a store copied
 * between releases or damaged by hand must give a message, not a misread
 * offset that would silently skip or repeat input.
 */
#include <stdio.h>
#include <string.h>

#include "bp_checkpoint.h"

#define CP_MAGIC "BPCK"
#define CP_HEADER_LEN 8  /* magic, version, rules_version length */
#define CP_FIXED_LEN 48  /* header and the five offsets */
#define CP_TRAILER_LEN 4 /* CRC-32 */

static void put_be16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v) {
        int i;
        for (i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, int64_t v) {
        uint64_t u = (uint64_t)v;
        int      i;
        for (i = 0; i < 8; i++)
                p[i] = (uint8_t)(u >> (56 - 8 * i));
}

static uint16_t get_be16(const uint8_t *p) {
        return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_be32(const uint8_t *p) {
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
               ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int64_t get_be64(const uint8_t *p) {
        uint64_t u = 0;
        int      i;
        for (i = 0; i < 8; i++)
                u = (u << 8) | p[i];
        /* Two's complement back to signed without implementation-defined
         * conversion of values above INT64_MAX. */
        if (u > (uint64_t)INT64_MAX)
                return -(int64_t)(~u) - 1;
        return (int64_t)u;
}

uint32_t bp_checkpoint_crc32(const void *data, size_t len) {
        const uint8_t *p   = data;
        uint32_t       crc = 0xffffffffu;
        size_t         i;
        int            bit;
        /* Bitwise: checkpoints are tens of bytes, a table is not worth it. */
        for (i = 0; i < len; i++) {
                crc ^= p[i];
                for (bit = 0; bit < 8; bit++)
                        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
        return ~crc;
}

void bp_checkpoint_init(bp_checkpoint_t *cp) {
        int i;
        for (i = 0; i < BP_EV__CNT; i++)
                cp->input_offsets[i] = BP_OFFSET_NONE;
        cp->changelog_offset = BP_OFFSET_NONE;
        memset(cp->rules_version, 0, sizeof(cp->rules_version));
}

bp_err_t bp_checkpoint_encode(const bp_checkpoint_t *cp, uint8_t *out,
                              size_t out_size, size_t *lenp, char *errstr,
                              size_t errstr_size) {
        size_t n, len;
        int    i;

        if (!errstr)
                errstr_size = 0; /* snprintf(NULL, 0, ...) is defined */
        n = strnlen(cp->rules_version, sizeof(cp->rules_version));
        if (n == sizeof(cp->rules_version)) {
                snprintf(errstr, errstr_size,
                         "checkpoint rules_version is not NUL-terminated "
                         "within %zu bytes",
                         sizeof(cp->rules_version));
                return BP_ERR_INVALID;
        }
        for (i = 0; i < BP_EV__CNT; i++) {
                if (cp->input_offsets[i] < BP_OFFSET_NONE) {
                        snprintf(errstr, errstr_size,
                                 "checkpoint input offset %d is %lld (< -1)", i,
                                 (long long)cp->input_offsets[i]);
                        return BP_ERR_INVALID;
                }
        }
        if (cp->changelog_offset < BP_OFFSET_NONE) {
                snprintf(errstr, errstr_size,
                         "checkpoint changelog offset is %lld (< -1)",
                         (long long)cp->changelog_offset);
                return BP_ERR_INVALID;
        }
        len = CP_FIXED_LEN + n + CP_TRAILER_LEN;
        if (out_size < len) {
                snprintf(errstr, errstr_size,
                         "checkpoint needs %zu bytes, buffer has %zu", len,
                         out_size);
                return BP_ERR_TOO_LARGE;
        }
        memcpy(out, CP_MAGIC, 4);
        put_be16(out + 4, BP_CHECKPOINT_FORMAT);
        put_be16(out + 6, (uint16_t)n);
        for (i = 0; i < BP_EV__CNT; i++)
                put_be64(out + CP_HEADER_LEN + 8 * i, cp->input_offsets[i]);
        put_be64(out + 40, cp->changelog_offset);
        memcpy(out + CP_FIXED_LEN, cp->rules_version, n);
        put_be32(out + CP_FIXED_LEN + n,
                 bp_checkpoint_crc32(out, CP_FIXED_LEN + n));
        *lenp = len;
        return BP_OK;
}

/* Checks everything about the bytes except the offsets' values; returns
 * the rules_version length through *np. */
static bp_err_t check_frame(const uint8_t *p, size_t len, size_t *np,
                            char *errstr, size_t errstr_size) {
        unsigned version;
        size_t   n;
        uint32_t crc;

        if (len < CP_HEADER_LEN || memcmp(p, CP_MAGIC, 4) != 0) {
                snprintf(errstr, errstr_size,
                         "not a checkpoint (%zu bytes, no \"BPCK\" magic)",
                         len);
                return BP_ERR_PARSE;
        }
        version = get_be16(p + 4);
        if (version != BP_CHECKPOINT_FORMAT) {
                snprintf(errstr, errstr_size,
                         "checkpoint format version %u is not supported by "
                         "this build (it reads version %d)",
                         version, BP_CHECKPOINT_FORMAT);
                return BP_ERR_UNSUPPORTED;
        }
        n = get_be16(p + 6);
        if (n >= BP_CHECKPOINT_RULES_VERSION_SIZE ||
            len != CP_FIXED_LEN + n + CP_TRAILER_LEN) {
                snprintf(errstr, errstr_size,
                         "checkpoint is %zu bytes, its header says %zu", len,
                         (size_t)CP_FIXED_LEN + n + CP_TRAILER_LEN);
                return BP_ERR_PARSE;
        }
        crc = get_be32(p + CP_FIXED_LEN + n);
        if (crc != bp_checkpoint_crc32(p, CP_FIXED_LEN + n)) {
                snprintf(errstr, errstr_size,
                         "checkpoint checksum mismatch (damaged value)");
                return BP_ERR_PARSE;
        }
        if (memchr(p + CP_FIXED_LEN, '\0', n)) {
                snprintf(errstr, errstr_size,
                         "checkpoint rules_version contains a NUL byte");
                return BP_ERR_PARSE;
        }
        *np = n;
        return BP_OK;
}

bp_err_t bp_checkpoint_decode(const void *data, size_t len, bp_checkpoint_t *cp,
                              char *errstr, size_t errstr_size) {
        const uint8_t  *p = data;
        bp_checkpoint_t tmp;
        bp_err_t        err;
        size_t          n = 0;
        int             i;

        if (!errstr)
                errstr_size = 0;
        bp_checkpoint_init(cp);
        if (!p && len > 0)
                len = 0;
        err = check_frame(p, len, &n, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        bp_checkpoint_init(&tmp);
        for (i = 0; i < BP_EV__CNT; i++)
                tmp.input_offsets[i] = get_be64(p + CP_HEADER_LEN + 8 * i);
        tmp.changelog_offset = get_be64(p + 40);
        for (i = 0; i < BP_EV__CNT; i++) {
                if (tmp.input_offsets[i] < BP_OFFSET_NONE)
                        goto bad_offset;
        }
        if (tmp.changelog_offset < BP_OFFSET_NONE)
                goto bad_offset;
        memcpy(tmp.rules_version, p + CP_FIXED_LEN, n);
        *cp = tmp;
        return BP_OK;

bad_offset:
        snprintf(errstr, errstr_size, "checkpoint holds an offset below -1");
        return BP_ERR_PARSE;
}
