/*
 * bp_codec.h - Avro in the Confluent framing <-> the engine's structs.
 *
 * One codec reads and writes every record type of EVENTS.md and the
 * FreelancerState record of the state store. Decoding a framed record:
 *   1. bp_frame_parse: magic byte and schema id;
 *   2. the writer schema of the id (bp_schema_store: local map or
 *      registry), which must be the expected record type;
 *   3. decoding with schema resolution into the current reader schema
 *      (bp_resolve: fields added with defaults, removed, promoted), with
 *      every length and count checked against the body and the limits of
 *      the validator;
 *   4. on failure only, bp_avro_plan_validate: the body is walked against
 *      the writer schema for a precise reason;
 *   5. for input events, bp_event_check: the field ranges of EVENTS.md.
 * Any failure returns an error with a precise reason in errstr ("bad magic
 * byte 0x7b", "unknown schema id 42", "schema id 2 is ContractCompleted,
 * expected ProfileUpdated", "profile_completeness 140 out of range
 * 0..100") meant for the dead-letter record. Error classes: BP_ERR_IO means
 * the registry could not be reached (retry the record later); every other
 * error means the record itself is bad (dead-letter it).
 *
 * Decoded strings and arrays are borrowed from the codec and valid until
 * its next decode call; nothing is allocated per record once the codec has
 * seen records of the largest size. Encoding appends a framed record to a
 * bp_buf_t, framed with the id of the current schema of the type.
 *
 * The current (reader) schemas are the schemas/ *.avsc files, compiled
 * into the program. A codec is not thread-safe: use one per thread.
 */
#ifndef BP_CODEC_H
#define BP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_badge_event.h"
#include "bp_buf.h"
#include "bp_error.h"
#include "bp_event.h"
#include "bp_schema_store.h"
#include "bp_state.h"

/** Every record type the codec knows; the first four are the input event
 *  types in bp_event_type_t's order. */
typedef enum bp_record_kind_e {
        BP_REC_PROFILE_UPDATED = BP_EV_PROFILE_UPDATED,
        BP_REC_CONTRACT_COMPLETED,
        BP_REC_INVITATION_SENT,
        BP_REC_PARTNER_DECISION,
        BP_REC_BADGE_GRANTED,
        BP_REC_BADGE_REVOKED,
        BP_REC_FREELANCER_STATE,
        BP_REC__CNT
} bp_record_kind_t;

/** The default local schema map, relative to the working directory. */
#define BP_CODEC_SCHEMA_MAP "schemas/schema-map.txt"

typedef struct bp_codec_conf_s {
        const char *schema_map;            /* NULL: BP_CODEC_SCHEMA_MAP */
        const char *registry_url;          /* NULL or "": the local map */
        long        registry_timeout_ms;   /* 0: default */
        size_t      registry_max_response; /* 0: default */
        /* No schema ids at all (neither map nor registry): for records
         * whose writer schema comes with them (Avro container files,
         * bp_codec_decode_event_with()). Framed records are then all
         * "unknown schema id N", and framed encoding fails. */
        bool no_schema_ids;
} bp_codec_conf_t;

typedef struct bp_codec_s bp_codec_t;

/**
 * Creates a codec (conf is copied; NULL gives every default). Loads the
 * local schema map now when no registry is configured. NULL with errstr
 * set on failure.
 */
bp_codec_t *bp_codec_new(const bp_codec_conf_t *conf, char *errstr,
                         size_t errstr_size);

/** Frees codec. NULL is a no-op. */
void bp_codec_destroy(bp_codec_t *codec);

/** "ProfileUpdated", ..., "FreelancerState"; "?" when out of range. */
const char *bp_codec_record_name(bp_record_kind_t kind);

/** The current schema of kind as JSON text (static). */
const char *bp_codec_schema_json(bp_record_kind_t kind);

/**
 * Writes the registry subject of kind on topic into buf: "<topic>-value"
 * (the registry's default naming), except for the two badge events, which
 * share a topic and so use "<topic>-<full record name>" (a registry refuses
 * two unrelated record types under one subject).
 */
void bp_codec_subject(bp_record_kind_t kind, const char *topic, char *buf,
                      size_t size);

/**
 * Makes sure kind's current schema has an id to frame with: in registry
 * mode registers it under bp_codec_subject(kind, topic) (POST
 * /subjects/{subject}/versions); in local mode looks it up in the map. Sets
 * *id (may be NULL). Encoding a kind not registered yet does this with the
 * default topic of EVENTS.md / DESIGN.md.
 */
bp_err_t bp_codec_register(bp_codec_t *codec, bp_record_kind_t kind,
                           const char *topic, int32_t *id, char *errstr,
                           size_t errstr_size);

/**
 * Tells which of our record types the framed record buf holds, from its
 * writer schema's name (for tools that read records of any type).
 * BP_ERR_INVALID when it is none of ours.
 */
bp_err_t bp_codec_kind_of(bp_codec_t *codec, const void *buf, size_t len,
                          bp_record_kind_t *kind, char *errstr,
                          size_t errstr_size);

/**
 * Decodes the framed input event buf[0..len) read from the topic of type
 * into *ev, and checks it with bp_event_check(). A record whose writer
 * schema is another type is rejected. ev's strings and arrays are borrowed
 * from codec until its next decode call.
 */
bp_err_t bp_codec_decode_event(bp_codec_t *codec, bp_event_type_t type,
                               const void *buf, size_t len, bp_event_t *ev,
                               char *errstr, size_t errstr_size);

/**
 * Which of our record types schema is, by its record name
 * ("ProfileUpdated", ...), as bp_codec_kind_of() tells for framed
 * records. BP_ERR_INVALID when it is none of ours.
 */
bp_err_t bp_codec_kind_of_schema(avro_schema_t schema, bp_record_kind_t *kind);

/**
 * Decodes the Avro body body[0..len) (no frame) written with the writer
 * schema of entry (bp_schema_entry_new(): a schema that came with the
 * data) into *ev, the event type being the writer schema's record name,
 * and checks it with bp_event_check(). The body passes the same bounds
 * as in bp_codec_decode_event(), with the same reasons.
 * ev borrows from codec until its next decode call; entry caches the
 * resolution programs and must be destroyed before codec.
 */
bp_err_t bp_codec_decode_event_with(bp_codec_t *codec, bp_schema_entry_t *entry,
                                    const uint8_t *body, size_t len,
                                    bp_event_t *ev, char *errstr,
                                    size_t errstr_size);

/** Appends the Avro body of ev (no frame: an Avro container file's datum)
 *  to out, after bp_event_check(). On error out is left as it was. */
bp_err_t bp_codec_encode_event_body(const bp_event_t *ev, bp_buf_t *out,
                                    char *errstr, size_t errstr_size);

/** Appends ev (checked with bp_event_check() first), framed, to out. On
 *  error out is left as it was. */
bp_err_t bp_codec_encode_event(bp_codec_t *codec, const bp_event_t *ev,
                               bp_buf_t *out, char *errstr, size_t errstr_size);

/** Decodes a framed BadgeGranted or BadgeRevoked (the writer schema says
 *  which) into *ev; its strings are borrowed as above. */
bp_err_t bp_codec_decode_badge(bp_codec_t *codec, const void *buf, size_t len,
                               bp_badge_event_t *ev, char *errstr,
                               size_t errstr_size);

/** Appends ev, framed, to out (BadgeGranted or BadgeRevoked by ev->kind).
 *  On error out is left as it was. */
bp_err_t bp_codec_encode_badge(bp_codec_t *codec, const bp_badge_event_t *ev,
                               bp_buf_t *out, char *errstr, size_t errstr_size);

/** Appends fl as a framed FreelancerState record to out. On error out is
 *  left as it was. */
bp_err_t bp_codec_encode_state(bp_codec_t *codec, const bp_freelancer_t *fl,
                               bp_buf_t *out, char *errstr, size_t errstr_size);

/**
 * Decodes a framed FreelancerState into a new state *fl, owned by the
 * caller (bp_freelancer_destroy()); nothing is borrowed. The state's
 * invariants (sorted, unique lists) are checked: a record breaking them
 * is rejected.
 */
bp_err_t bp_codec_decode_state(bp_codec_t *codec, const void *buf, size_t len,
                               bp_freelancer_t **fl, char *errstr,
                               size_t errstr_size);

#endif
