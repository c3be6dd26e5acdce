/*
 * bp_codec.c - the codec object and the decode pipeline shared by every
 * record type (see bp_codec.h). The per-type field mapping lives in
 * bp_codec_event.c, bp_codec_badge.c and bp_codec_state.c.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bp_codec_int.h"
#include "bp_frame.h"

static const char *const record_names[BP_REC__CNT] = {
    "ProfileUpdated", "ContractCompleted", "InvitationSent", "PartnerDecision",
    "BadgeGranted",   "BadgeRevoked",      "FreelancerState"};

/* Topics of EVENTS.md and DESIGN.md, for registration by default. */
static const char *const default_topics[BP_REC__CNT] = {
    "profile-updated",      "contract-completed", "invitation-sent",
    "partner-decision",     "badge-events",       "badge-events",
    "badge-state-changelog"};

const char *bp_codec_record_name(bp_record_kind_t kind) {
        return (unsigned)kind < BP_REC__CNT ? record_names[kind] : "?";
}

const char *bp_codec_schema_json(bp_record_kind_t kind) {
        return (unsigned)kind < BP_REC__CNT ? bp_avsc_texts[kind] : NULL;
}

/* The slot of a field path (see bp_codec_int.h), or -1. */
static int path_slot(const bp_rnode_t *node, const char *path) {
        char        seg[64];
        const char *dot;
        size_t      n;
        int         stride = -1;

        for (; node; path = dot + 1) {
                dot = strchr(path, '.');
                n   = dot ? (size_t)(dot - path) : strlen(path);
                if (n >= sizeof(seg))
                        return -1;
                memcpy(seg, path, n);
                seg[n] = '\0';
                if (n > 2 && strcmp(seg + n - 2, "[]") == 0) {
                        seg[n - 2] = '\0';
                        node =
                            bp_rnode_items(bp_rnode_field(node, seg), &stride);
                        if (!dot)
                                return node ? stride : -1;
                } else {
                        node = bp_rnode_field(node, seg);
                        if (!dot)
                                return bp_rnode_slot(node);
                }
        }
        return -1;
}

static const char *const *paths_of(bp_record_kind_t kind) {
        if (kind < BP_REC_BADGE_GRANTED)
                return bp_codec_event_paths[kind];
        if (kind < BP_REC_FREELANCER_STATE)
                return bp_codec_badge_paths[kind - BP_REC_BADGE_GRANTED];
        return bp_codec_state_paths;
}

static int load_reader(bp_codec_t *codec, bp_record_kind_t kind, char *errstr,
                       size_t errstr_size) {
        const char *const *paths = paths_of(kind);
        const char        *json  = bp_avsc_texts[kind];
        int                i;

        codec->layouts[kind] =
            bp_rlayout_new(json, strlen(json), errstr, errstr_size);
        if (!codec->layouts[kind])
                return -1;
        for (i = 0; paths[i]; i++) {
                codec->slots[kind][i] =
                    path_slot(bp_rlayout_root(codec->layouts[kind]), paths[i]);
                if (codec->slots[kind][i] < 0) {
                        snprintf(errstr, errstr_size,
                                 "reader schema %s has no field %s",
                                 record_names[kind], paths[i]);
                        return -1;
                }
        }
        return 0;
}

bp_codec_t *bp_codec_new(const bp_codec_conf_t *conf, char *errstr,
                         size_t errstr_size) {
        static const bp_codec_conf_t defaults;
        bp_schema_store_conf_t       sconf;
        bp_codec_t                  *codec;
        int                          k;

        if (!conf)
                conf = &defaults;
        if (!(codec = calloc(1, sizeof(*codec)))) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        sconf.map_path =
            conf->schema_map ? conf->schema_map : BP_CODEC_SCHEMA_MAP;
        sconf.registry_url = conf->registry_url;
        sconf.timeout_ms   = conf->registry_timeout_ms;
        sconf.max_response = conf->registry_max_response;
        sconf.no_ids       = conf->no_schema_ids;
        if (!(codec->store = bp_schema_store_new(&sconf, errstr, errstr_size)))
                goto fail;
        for (k = 0; k < BP_REC__CNT; k++)
                if (load_reader(codec, (bp_record_kind_t)k, errstr,
                                errstr_size) == -1)
                        goto fail;
        return codec;
fail:
        bp_codec_destroy(codec);
        return NULL;
}

void bp_codec_destroy(bp_codec_t *codec) {
        int k;
        if (!codec)
                return;
        /* The store's resolvers point into the layouts: store first. */
        bp_schema_store_destroy(codec->store);
        for (k = 0; k < BP_REC__CNT; k++)
                bp_rlayout_destroy(codec->layouts[k]);
        bp_rscratch_free(&codec->scratch);
        free(codec->certs);
        free(codec->skills);
        free(codec);
}

void bp_codec_subject(bp_record_kind_t kind, const char *topic, char *buf,
                      size_t size) {
        if (kind == BP_REC_BADGE_GRANTED || kind == BP_REC_BADGE_REVOKED)
                snprintf(buf, size, "%s-com.marketplace.badges.%s", topic,
                         bp_codec_record_name(kind));
        else
                snprintf(buf, size, "%s-value", topic);
}

bp_err_t bp_codec_register(bp_codec_t *codec, bp_record_kind_t kind,
                           const char *topic, int32_t *id, char *errstr,
                           size_t errstr_size) {
        char     subject[512];
        bp_err_t err;

        if ((unsigned)kind >= BP_REC__CNT) {
                snprintf(errstr, errstr_size, "unknown record kind %d", kind);
                return BP_ERR_INVALID;
        }
        bp_codec_subject(kind, topic ? topic : default_topics[kind], subject,
                         sizeof(subject));
        err = bp_schema_store_id_of(codec->store, subject, bp_avsc_texts[kind],
                                    bp_rlayout_schema(codec->layouts[kind]),
                                    &codec->ids[kind], errstr, errstr_size);
        if (err == BP_OK && id)
                *id = codec->ids[kind];
        return err;
}

bp_err_t bp_codec_frame(bp_codec_t *codec, bp_record_kind_t kind, bp_buf_t *out,
                        size_t *mark, char *errstr, size_t errstr_size) {
        uint8_t  hdr[BP_FRAME_HEADER_SIZE];
        bp_err_t err;

        if (!codec->ids[kind] &&
            (err = bp_codec_register(codec, kind, NULL, NULL, errstr,
                                     errstr_size)) != BP_OK)
                return err;
        *mark = out->len;
        bp_frame_header_write(hdr, codec->ids[kind]);
        if (bp_buf_append(out, hdr, sizeof(hdr)) != BP_OK)
                return bp_codec_nomem(out, *mark, errstr, errstr_size);
        return BP_OK;
}

bp_err_t bp_codec_nomem(bp_buf_t *out, size_t mark, char *errstr,
                        size_t errstr_size) {
        out->len = mark;
        snprintf(errstr, errstr_size, "out of memory");
        return BP_ERR_NOMEM;
}

/* Frames buf, finds its writer schema and checks that it is one of the
 * kind_cnt kinds (by record name); *kind says which. */
static bp_err_t writer_of(bp_codec_t *codec, const void *buf, size_t len,
                          const bp_record_kind_t *kinds, size_t kind_cnt,
                          bp_schema_entry_t **entry, bp_record_kind_t *kind,
                          const uint8_t **body, size_t *body_len, char *errstr,
                          size_t errstr_size) {
        const char *name;
        int32_t     id;
        size_t      i;
        bp_err_t    err;

        if ((err = bp_frame_parse(buf, len, &id, body, body_len, errstr,
                                  errstr_size)) != BP_OK ||
            (err = bp_schema_store_get(codec->store, id, entry, errstr,
                                       errstr_size)) != BP_OK)
                return err;
        name = avro_schema_type_name((*entry)->schema);
        for (i = 0; i < kind_cnt; i++)
                if (avro_typeof((*entry)->schema) == AVRO_RECORD &&
                    strcmp(name, record_names[kinds[i]]) == 0) {
                        *kind = kinds[i];
                        return BP_OK;
                }
        if (kind_cnt > 2)
                snprintf(errstr, errstr_size,
                         "schema id %" PRId32 " is %s, none of our records", id,
                         name);
        else
                snprintf(errstr, errstr_size,
                         "schema id %" PRId32 " is %s, expected %s%s%s", id,
                         name, record_names[kinds[0]],
                         kind_cnt > 1 ? " or " : "",
                         kind_cnt > 1 ? record_names[kinds[1]] : "");
        return BP_ERR_INVALID;
}

bp_err_t bp_codec_kind_of(bp_codec_t *codec, const void *buf, size_t len,
                          bp_record_kind_t *kind, char *errstr,
                          size_t errstr_size) {
        static const bp_record_kind_t all[BP_REC__CNT] = {0, 1, 2, 3, 4, 5, 6};
        bp_schema_entry_t            *entry;
        const uint8_t                *body;
        size_t                        body_len;

        return writer_of(codec, buf, len, all, BP_REC__CNT, &entry, kind, &body,
                         &body_len, errstr, errstr_size);
}

/* The cached program reading entry's schema as kind, compiled on first
 * use; a schema that cannot be read is remembered as such. */
static const bp_resolver_t *resolver_of(bp_codec_t        *codec,
                                        bp_schema_entry_t *entry,
                                        bp_record_kind_t kind, char *errstr,
                                        size_t errstr_size) {
        char why[400];

        if (entry->resolvers[kind])
                return entry->resolvers[kind];
        if (!entry->resolve_errors[kind]) {
                entry->resolvers[kind] = bp_resolver_new(
                    entry->schema, codec->layouts[kind], why, sizeof(why));
                if (entry->resolvers[kind])
                        return entry->resolvers[kind];
                if (entry->id < 0)
                        snprintf(errstr, errstr_size,
                                 "the writer schema cannot be read as %s: %s",
                                 record_names[kind], why);
                else
                        snprintf(errstr, errstr_size,
                                 "schema id %" PRId32
                                 " cannot be read as %s: %s",
                                 entry->id, record_names[kind], why);
                entry->resolve_errors[kind] = strdup(errstr);
                return NULL;
        }
        snprintf(errstr, errstr_size, "%s", entry->resolve_errors[kind]);
        return NULL;
}

bp_err_t bp_codec_decode_entry(bp_codec_t *codec, bp_schema_entry_t *entry,
                               bp_record_kind_t kind, const uint8_t *body,
                               size_t body_len, char *errstr,
                               size_t errstr_size) {
        const bp_resolver_t *res;
        bp_err_t             err, verr;

        if (!(res = resolver_of(codec, entry, kind, errstr, errstr_size)))
                return BP_ERR_SCHEMA;
        /* One pass: the decoder is bounded on its own and refuses whatever
         * the validator refuses (bp_resolve_exec.c), so the validator,
         * which once walked every body first, now only words a failure:
         * its reasons are the precise ones ("string length 90 exceeds
         * remaining 12 bytes at field skills"). Validating first cost
         * ~1,000 instructions an event, a tenth of the runner thread. */
        if ((err = bp_resolver_decode(res, &codec->scratch, body, body_len,
                                      errstr, errstr_size)) == BP_OK)
                return BP_OK;
        /* The validator writes errstr only when it refuses the body;
         * otherwise the decoder's reason stands (a schema resolution
         * failure, or running out of memory). */
        verr = bp_avro_plan_validate(entry->plan, body, body_len, errstr,
                                     errstr_size);
        return verr != BP_OK ? verr : err;
}

bp_err_t bp_codec_decode_slots(bp_codec_t *codec, const bp_record_kind_t *kinds,
                               size_t kind_cnt, const void *buf, size_t len,
                               bp_record_kind_t *kind, char *errstr,
                               size_t errstr_size) {
        bp_schema_entry_t *entry;
        const uint8_t     *body;
        size_t             body_len;
        bp_err_t           err;

        if ((err = writer_of(codec, buf, len, kinds, kind_cnt, &entry, kind,
                             &body, &body_len, errstr, errstr_size)) != BP_OK)
                return err;
        return bp_codec_decode_entry(codec, entry, *kind, body, body_len,
                                     errstr, errstr_size);
}

bp_err_t bp_codec_kind_of_schema(avro_schema_t schema, bp_record_kind_t *kind) {
        int k;

        if (!schema || avro_typeof(schema) != AVRO_RECORD)
                return BP_ERR_INVALID;
        for (k = 0; k < BP_REC__CNT; k++)
                if (strcmp(avro_schema_type_name(schema), record_names[k]) ==
                    0) {
                        *kind = (bp_record_kind_t)k;
                        return BP_OK;
                }
        return BP_ERR_INVALID;
}
