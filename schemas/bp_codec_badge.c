/*
 * bp_codec_badge.c - BadgeGranted / BadgeRevoked <-> Avro (see bp_codec.h).
 *
 * The two records share their fields but for basis (granted) and reasons
 * (revoked), so they share one slot numbering for the common part. Decoding
 * is for the consume and audit tools; it copies into the fixed-size members
 * of bp_badge_event_t and rejects what would not fit rather than cut it.
 */
#include <string.h>

#include "bp_codec_int.h"

enum {
        BG_EVENT_ID,
        BG_FREELANCER_ID,
        BG_PARTNER_ID,
        BG_BADGE_ID,
        BG_OCCURRED_AT,
        BG_BADGE_VERSION,
        BG_CAUSE_EVENT_ID,
        BG_CAUSE_TOPIC,
        BG_CAUSE_PARTITION,
        BG_CAUSE_OFFSET,
        BG_RULES_VERSION,
        BG__COMMON
};
enum { BG_BASIS = BG__COMMON };
enum {
        BG_REASONS = BG__COMMON,
        BG_REASON_STRIDE,
        BG_REASON_CODE,
        BG_REASON_DETAIL
};

#define BG_COMMON_PATHS                                                       \
        "event_id", "freelancer_id", "partner_id", "badge_id", "occurred_at", \
            "badge_version", "cause.event_id", "cause.topic",                 \
            "cause.partition", "cause.offset", "rules_version"

const char *const bp_codec_badge_paths[2][BP_CODEC_PATHS_MAX] = {
    {BG_COMMON_PATHS, "basis", NULL},
    {BG_COMMON_PATHS, "reasons", "reasons[]", "reasons[].code",
     "reasons[].detail", NULL},
};

static bp_err_t fill_reasons(const bp_codec_t *codec, bp_badge_event_t *ev,
                             char *errstr, size_t errstr_size) {
        const bp_slot_t *s  = codec->scratch.slots;
        const int       *ix = codec->slots[BP_REC_BADGE_REVOKED];
        const bp_slot_t *r  = &s[ix[BG_REASONS]];
        size_t           i;

        if (r->len > BP_REASON__CNT) {
                snprintf(errstr, errstr_size,
                         "reasons has %u items, more than the %d codes", r->len,
                         BP_REASON__CNT);
                return BP_ERR_INVALID;
        }
        for (i = 0; i < r->len; i++) {
                const bp_slot_t *item =
                    s + r->first + i * (size_t)ix[BG_REASON_STRIDE];
                const bp_slot_t *detail = &item[ix[BG_REASON_DETAIL]];
                if (bp_reason_code_parse(item[ix[BG_REASON_CODE]].s,
                                         &ev->reasons[i].code) == -1) {
                        snprintf(errstr, errstr_size,
                                 "reasons[%zu].code: unknown code %s", i,
                                 item[ix[BG_REASON_CODE]].s);
                        return BP_ERR_INVALID;
                }
                if (detail->len >= BP_DETAIL_SIZE) {
                        snprintf(errstr, errstr_size,
                                 "reasons[%zu].detail longer than %d bytes", i,
                                 BP_DETAIL_SIZE - 1);
                        return BP_ERR_INVALID;
                }
                memcpy(ev->reasons[i].detail, detail->s, detail->len + 1);
        }
        ev->reason_cnt = r->len;
        return BP_OK;
}

bp_err_t bp_codec_decode_badge(bp_codec_t *codec, const void *buf, size_t len,
                               bp_badge_event_t *ev, char *errstr,
                               size_t errstr_size) {
        static const bp_record_kind_t kinds[2] = {BP_REC_BADGE_GRANTED,
                                                  BP_REC_BADGE_REVOKED};
        bp_record_kind_t              kind;
        const bp_slot_t              *s;
        const int                    *ix;
        bp_err_t                      err;

        if ((err = bp_codec_decode_slots(codec, kinds, 2, buf, len, &kind,
                                         errstr, errstr_size)) != BP_OK)
                return err;
        s  = codec->scratch.slots;
        ix = codec->slots[kind];
        memset(ev, 0, sizeof(*ev));
        if (s[ix[BG_EVENT_ID]].len >= BP_BADGE_EVENT_ID_SIZE) {
                snprintf(errstr, errstr_size, "event_id longer than %d bytes",
                         BP_BADGE_EVENT_ID_SIZE - 1);
                return BP_ERR_INVALID;
        }
        memcpy(ev->event_id, s[ix[BG_EVENT_ID]].s, s[ix[BG_EVENT_ID]].len + 1);
        ev->kind =
            kind == BP_REC_BADGE_GRANTED ? BP_BADGE_GRANTED : BP_BADGE_REVOKED;
        ev->freelancer_id   = s[ix[BG_FREELANCER_ID]].s;
        ev->partner_id      = s[ix[BG_PARTNER_ID]].s;
        ev->badge_id        = s[ix[BG_BADGE_ID]].s;
        ev->occurred_at     = s[ix[BG_OCCURRED_AT]].i;
        ev->badge_version   = s[ix[BG_BADGE_VERSION]].i;
        ev->cause.event_id  = s[ix[BG_CAUSE_EVENT_ID]].s;
        ev->cause.topic     = s[ix[BG_CAUSE_TOPIC]].s;
        ev->cause.partition = (int32_t)s[ix[BG_CAUSE_PARTITION]].i;
        ev->cause.offset    = s[ix[BG_CAUSE_OFFSET]].i;
        ev->rules_version   = s[ix[BG_RULES_VERSION]].s;
        if (kind == BP_REC_BADGE_GRANTED) {
                ev->basis = (bp_basis_t)s[ix[BG_BASIS]].i;
                return BP_OK;
        }
        return fill_reasons(codec, ev, errstr, errstr_size);
}

/* What the schema needs and the struct cannot promise by its type. */
static bp_err_t check_badge(const bp_badge_event_t *ev, char *errstr,
                            size_t errstr_size) {
        const char *missing = !ev->freelancer_id    ? "freelancer_id"
                              : !ev->partner_id     ? "partner_id"
                              : !ev->badge_id       ? "badge_id"
                              : !ev->cause.event_id ? "cause.event_id"
                              : !ev->cause.topic    ? "cause.topic"
                              : !ev->rules_version  ? "rules_version"
                                                    : NULL;
        size_t      i;

        if (missing) {
                snprintf(errstr, errstr_size, "badge event without %s",
                         missing);
                return BP_ERR_INVALID;
        }
        if ((unsigned)ev->kind >= BP_BADGE__CNT ||
            (unsigned)ev->basis >= BP_BASIS__CNT ||
            ev->reason_cnt > BP_REASON__CNT ||
            memchr(ev->event_id, '\0', sizeof(ev->event_id)) == NULL) {
                snprintf(errstr, errstr_size, "badge event out of range");
                return BP_ERR_INVALID;
        }
        for (i = 0; i < ev->reason_cnt; i++)
                if ((unsigned)ev->reasons[i].code >= BP_REASON__CNT ||
                    !memchr(ev->reasons[i].detail, '\0', BP_DETAIL_SIZE)) {
                        snprintf(errstr, errstr_size,
                                 "badge event reasons[%zu] out of range", i);
                        return BP_ERR_INVALID;
                }
        return BP_OK;
}

static bp_err_t put_badge(bp_buf_t *b, const bp_badge_event_t *ev) {
        size_t i;

        if (bp_avro_write_string(b, ev->event_id) ||
            bp_avro_write_string(b, ev->freelancer_id) ||
            bp_avro_write_string(b, ev->partner_id) ||
            bp_avro_write_string(b, ev->badge_id) ||
            bp_avro_write_long(b, ev->occurred_at) ||
            bp_avro_write_long(b, ev->badge_version))
                return BP_ERR_NOMEM;
        if (ev->kind == BP_BADGE_GRANTED) {
                if (bp_avro_write_long(b, ev->basis))
                        return BP_ERR_NOMEM;
        } else {
                if (ev->reason_cnt &&
                    bp_avro_write_long(b, (int64_t)ev->reason_cnt))
                        return BP_ERR_NOMEM;
                for (i = 0; i < ev->reason_cnt; i++)
                        if (bp_avro_write_string(
                                b, bp_reason_code_name(ev->reasons[i].code)) ||
                            bp_avro_write_string(b, ev->reasons[i].detail))
                                return BP_ERR_NOMEM;
                if (bp_avro_write_long(b, 0))
                        return BP_ERR_NOMEM;
        }
        if (bp_avro_write_string(b, ev->cause.event_id) ||
            bp_avro_write_string(b, ev->cause.topic) ||
            bp_avro_write_long(b, ev->cause.partition) ||
            bp_avro_write_long(b, ev->cause.offset))
                return BP_ERR_NOMEM;
        return bp_avro_write_string(b, ev->rules_version);
}

bp_err_t bp_codec_encode_badge(bp_codec_t *codec, const bp_badge_event_t *ev,
                               bp_buf_t *out, char *errstr,
                               size_t errstr_size) {
        size_t   mark;
        bp_err_t err;

        if ((err = check_badge(ev, errstr, errstr_size)) != BP_OK ||
            (err = bp_codec_frame(codec,
                                  ev->kind == BP_BADGE_GRANTED
                                      ? BP_REC_BADGE_GRANTED
                                      : BP_REC_BADGE_REVOKED,
                                  out, &mark, errstr, errstr_size)) != BP_OK)
                return err;
        if (put_badge(out, ev) != BP_OK)
                return bp_codec_nomem(out, mark, errstr, errstr_size);
        return BP_OK;
}
