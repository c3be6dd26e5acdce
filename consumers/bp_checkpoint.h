/*
 * bp_checkpoint.h - how far one input partition's state has got, and its
 * byte form.
 *
 * A checkpoint is what the exactly-once protocol (DESIGN.md, step 4) stores
 * next to a partition's state records, in the same LMDB transaction: the
 * next offset to consume on each of the four input topics, the changelog
 * offset the state reflects, and the rules_version the partition was last
 * evaluated under. On assignment the runtime reads it back, restores the
 * changelog from changelog_offset and resumes input from input_offsets.
 *
 * The byte form is small, fixed and versioned, so that a store written by
 * one release is either read exactly by the next or refused with a clear
 * message, never misread. Version 1 (all integers big-endian, offsets are
 * two's complement int64):
 *
 *   offset  size  field
 *   0       4     magic "BPCK"
 *   4       2     format version, 1
 *   6       2     n, length of rules_version in bytes (0..63)
 *   8       8x4   input_offsets[BP_EV_PROFILE_UPDATED ..
 * BP_EV_PARTNER_DECISION] 40      8     changelog_offset 48      n
 * rules_version, no NUL 48+n    4     CRC-32 (IEEE 802.3, as zlib's crc32()) of
 * bytes 0..48+n
 *
 * A reader accepts exactly 52+n bytes; anything else (wrong magic, short or
 * long value, bad checksum, an offset below -1, a NUL inside rules_version)
 * is garbage. A later format adds fields by bumping the version; this build
 * refuses versions it does not know rather than guessing.
 *
 * The functions are pure (no allocation, no state) and thread-safe. Their
 * errstr may be NULL when errstr_size is 0.
 */
#ifndef BP_CHECKPOINT_H
#define BP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_types.h"

/** Format version this build writes (and the only one it reads). */
#define BP_CHECKPOINT_FORMAT 1

/** Size of bp_checkpoint_t.rules_version including the NUL: versions up to
 *  63 bytes fit (the engine's are 18, "r-" and 16 hex digits). */
#define BP_CHECKPOINT_RULES_VERSION_SIZE 64

/** Largest encoded checkpoint, in bytes: a buffer this big always fits. */
#define BP_CHECKPOINT_ENCODED_MAX (52 + BP_CHECKPOINT_RULES_VERSION_SIZE - 1)

/** An offset that means "none yet". */
#define BP_OFFSET_NONE ((int64_t)-1)

typedef struct bp_checkpoint_s {
        /* Next offset to consume per input topic, indexed by
         * bp_event_type_t (profile-updated, contract-completed,
         * invitation-sent, partner-decision); BP_OFFSET_NONE: nothing
         * consumed from that topic yet. */
        int64_t input_offsets[BP_EV__CNT];
        /* Next changelog offset to read on restore: every changelog record
         * before it is reflected in the stored state. BP_OFFSET_NONE:
         * restore reads the changelog partition from its start. */
        int64_t changelog_offset;
        /* rules_version the partition's state was last evaluated under;
         * "" when never evaluated. NUL-terminated. */
        char rules_version[BP_CHECKPOINT_RULES_VERSION_SIZE];
} bp_checkpoint_t;

/**
 * Sets cp to "nothing yet": every offset BP_OFFSET_NONE, rules_version "".
 * This is also what a partition without a stored checkpoint means.
 */
void bp_checkpoint_init(bp_checkpoint_t *cp);

/**
 * Writes cp's version-1 byte form into out, which has room for out_size
 * bytes, and its length to *lenp.
 *
 * Returns BP_OK; BP_ERR_INVALID when an offset is below -1 or
 * rules_version is not NUL-terminated within its array; BP_ERR_TOO_LARGE
 * when out_size is too small (BP_CHECKPOINT_ENCODED_MAX always suffices).
 * errstr says which.
 */
bp_err_t bp_checkpoint_encode(const bp_checkpoint_t *cp, uint8_t *out,
                              size_t out_size, size_t *lenp, char *errstr,
                              size_t errstr_size);

/**
 * Reads the byte form of len bytes at data into *cp. data is only read
 * during the call (an LMDB value may be passed as it is).
 *
 * Returns BP_OK; BP_ERR_PARSE when the bytes are not a checkpoint (see the
 * file comment for what is checked); BP_ERR_UNSUPPORTED when they carry a
 * format version this build does not know. errstr says which check failed.
 * On error *cp is left as bp_checkpoint_init() makes it.
 */
bp_err_t bp_checkpoint_decode(const void *data, size_t len, bp_checkpoint_t *cp,
                              char *errstr, size_t errstr_size);

/** CRC-32 (IEEE, reflected, as zlib) of len bytes at data. Exposed for
 *  tests that forge checkpoints. */
uint32_t bp_checkpoint_crc32(const void *data, size_t len);

#endif
