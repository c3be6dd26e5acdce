/*
 * bp_codec_int.h - what the codec's files share (bp_codec.c for the
 * pipeline, bp_codec_event.c, bp_codec_badge.c and bp_codec_state.c for
 * the record families). Not for use outside the codec.
 *
 * Each family names the reader fields it reads by path ("profile.origin",
 * "certifications[].expires_at" for a field of an array item, relative to
 * the item's slots, and "certifications[]" for the number of slots per
 * item) and turns the paths into slot numbers once, when the codec is
 * created, so a decode reads slots by index.
 */
#ifndef BP_CODEC_INT_H
#define BP_CODEC_INT_H

#include <stdio.h>

#include "bp_avro_bin.h"
#include "bp_codec.h"
#include "bp_resolve.h"
#include "bp_schema_store.h"

/** Most field paths one record type names. */
#define BP_CODEC_PATHS_MAX 40

/** The schemas/ *.avsc texts, in bp_record_kind_t order (generated). */
extern const char *const bp_avsc_texts[BP_REC__CNT];

struct bp_codec_s {
        bp_schema_store_t *store;
        bp_rlayout_t      *layouts[BP_REC__CNT];
        int32_t            ids[BP_REC__CNT]; /* 0: not known yet */
        int                slots[BP_REC__CNT][BP_CODEC_PATHS_MAX];
        bp_rscratch_t      scratch;
        /* Arrays of the last decoded event (borrowed by it). */
        bp_event_cert_t *certs;
        size_t           cert_cap;
        const char     **skills;
        size_t           skill_cap;
};

/** The field paths each kind reads, NULL-terminated (one per family
 *  file); their order is the order of the kind's slot numbers. */
extern const char *const bp_codec_event_paths[BP_EV__CNT][BP_CODEC_PATHS_MAX];
extern const char *const bp_codec_badge_paths[2][BP_CODEC_PATHS_MAX];
extern const char *const bp_codec_state_paths[BP_CODEC_PATHS_MAX];

/**
 * Frames, looks up, validates and decodes buf into the codec's scratch,
 * accepting a writer schema of any of the kind_cnt kinds; *kind says
 * which. On BP_OK the root record's slots are codec->scratch.slots.
 */
bp_err_t bp_codec_decode_slots(bp_codec_t *codec, const bp_record_kind_t *kinds,
                               size_t kind_cnt, const void *buf, size_t len,
                               bp_record_kind_t *kind, char *errstr,
                               size_t errstr_size);

/**
 * Validates body[0..body_len) against entry's writer schema, then decodes
 * it as kind (its program compiled on first use) into the codec's scratch.
 */
bp_err_t bp_codec_decode_entry(bp_codec_t *codec, bp_schema_entry_t *entry,
                               bp_record_kind_t kind, const uint8_t *body,
                               size_t body_len, char *errstr,
                               size_t errstr_size);

/**
 * Appends the frame header of kind to out (registering the schema first
 * when needed) and sets *mark to out's length before it, for the caller
 * to roll back to on error.
 */
bp_err_t bp_codec_frame(bp_codec_t *codec, bp_record_kind_t kind, bp_buf_t *out,
                        size_t *mark, char *errstr, size_t errstr_size);

/** Writes "out of memory" to errstr, rolls out back to mark, returns
 *  BP_ERR_NOMEM. */
bp_err_t bp_codec_nomem(bp_buf_t *out, size_t mark, char *errstr,
                        size_t errstr_size);

/** The string of a ["null", string] slot: NULL for the null branch. */
static inline const char *bp_slot_opt_str(const bp_slot_t *s) {
        return s->branch ? s->s : NULL;
}

/** The long of a ["null", long] slot, none for the null branch. */
static inline int64_t bp_slot_opt_long(const bp_slot_t *s, int64_t none) {
        return s->branch ? s->i : none;
}

#endif
