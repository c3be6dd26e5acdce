/*
 * bp_codec_event.c - the four input events <-> Avro (see bp_codec.h).
 *
 * Decoding reads the slots bp_codec_decode_slots() filled, by the slot
 * numbers of the paths below; encoding writes the current schemas' field
 * order directly (the writer schema of what we encode is always the
 * current one, so no resolution is involved).
 */
#include <stdlib.h>
#include <string.h>

#include "bp_codec_int.h"

/* Slot numbers of the fields every input event has. */
enum { EV_EVENT_ID, EV_FREELANCER_ID, EV_OCCURRED_AT, EV__COMMON };

enum {
        PU_PROFILE_VERSION = EV__COMMON,
        PU_ACCOUNT_STATUS,
        PU_COMPLETENESS,
        PU_VISIBILITY,
        PU_ENGLISH,
        PU_JSS,
        PU_ORIGIN,
        PU_SIGNUP,
        PU_CERTS,
        PU_CERT_STRIDE,
        PU_CERT_ID,
        PU_CERT_EXPIRES
};
enum { CC_CONTRACT_ID = EV__COMMON, CC_SKILLS, CC_SKILL_STRIDE, CC_FEEDBACK };
enum { IS_INVITATION_ID = EV__COMMON, IS_PARTNER_ID };
enum { PD_PARTNER_ID = EV__COMMON, PD_DECISION, PD_DECIDED_BY, PD_REASON };

#define EV_COMMON_PATHS "event_id", "freelancer_id", "occurred_at"

const char *const bp_codec_event_paths[BP_EV__CNT][BP_CODEC_PATHS_MAX] = {
    [BP_EV_PROFILE_UPDATED]    = {EV_COMMON_PATHS, "profile_version",
                                  "account_status", "profile_completeness",
                                  "visibility", "english_level",
                                  "job_success_score", "origin",
                                  "signup_partner_id", "certifications",
                                  "certifications[]",
                                  "certifications[].certification_id",
                                  "certifications[].expires_at", NULL},
    [BP_EV_CONTRACT_COMPLETED] = {EV_COMMON_PATHS, "contract_id", "skills",
                                  "skills[]", "feedback_score", NULL},
    [BP_EV_INVITATION_SENT]  = {EV_COMMON_PATHS, "invitation_id", "partner_id",
                                NULL},
    [BP_EV_PARTNER_DECISION] = {EV_COMMON_PATHS, "partner_id", "decision",
                                "decided_by", "reason", NULL},
};

/* Returns arr (of *cap items of size bytes) with room for n items: arr
 * itself when it has room, NULL on ENOMEM (arr is then left as it was). */
static void *reserve(void *arr, size_t *cap, size_t n, size_t size) {
        void *q;
        if (n <= *cap)
                return arr;
        if ((q = realloc(arr, n * size)))
                *cap = n;
        return q;
}

static bp_err_t fill_profile(bp_codec_t *codec, bp_profile_updated_t *p,
                             char *errstr, size_t errstr_size) {
        const bp_slot_t *s  = codec->scratch.slots;
        const int       *ix = codec->slots[BP_REC_PROFILE_UPDATED];
        const bp_slot_t *c  = &s[ix[PU_CERTS]];
        bp_event_cert_t *certs;
        size_t           i;

        p->profile_version = s[ix[PU_PROFILE_VERSION]].i;
        p->account_status  = (bp_account_status_t)s[ix[PU_ACCOUNT_STATUS]].i;
        p->profile_completeness = (int32_t)s[ix[PU_COMPLETENESS]].i;
        p->visibility           = (bp_visibility_t)s[ix[PU_VISIBILITY]].i;
        p->english_level        = (bp_english_t)s[ix[PU_ENGLISH]].i;
        p->origin               = (bp_origin_t)s[ix[PU_ORIGIN]].i;
        p->signup_partner_id    = bp_slot_opt_str(&s[ix[PU_SIGNUP]]);
        p->job_success_score =
            (int32_t)bp_slot_opt_long(&s[ix[PU_JSS]], BP_JSS_NONE);
        /* A present score of -1 would read as "no score": reject it as the
         * out-of-range value it is. */
        if (s[ix[PU_JSS]].branch && s[ix[PU_JSS]].i < 0) {
                snprintf(errstr, errstr_size,
                         "job_success_score %lld out of range 0..100",
                         (long long)s[ix[PU_JSS]].i);
                return BP_ERR_INVALID;
        }
        certs = reserve(codec->certs, &codec->cert_cap, c->len, sizeof(*certs));
        if (!certs && c->len) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        codec->certs = certs;
        for (i = 0; i < c->len; i++) {
                const bp_slot_t *item =
                    s + c->first + i * (size_t)ix[PU_CERT_STRIDE];
                codec->certs[i].certification_id = item[ix[PU_CERT_ID]].s;
                codec->certs[i].expires_at =
                    bp_slot_opt_long(&item[ix[PU_CERT_EXPIRES]], BP_TIME_NONE);
        }
        p->certifications    = codec->certs;
        p->certification_cnt = c->len;
        return BP_OK;
}

static bp_err_t fill_contract(bp_codec_t *codec, bp_contract_completed_t *cc,
                              char *errstr, size_t errstr_size) {
        const bp_slot_t *s  = codec->scratch.slots;
        const int       *ix = codec->slots[BP_REC_CONTRACT_COMPLETED];
        const bp_slot_t *sk = &s[ix[CC_SKILLS]];
        const char     **skills;
        size_t           i;

        cc->contract_id        = s[ix[CC_CONTRACT_ID]].s;
        cc->has_feedback_score = s[ix[CC_FEEDBACK]].branch != 0;
        cc->feedback_score     = s[ix[CC_FEEDBACK]].d;
        skills =
            reserve(codec->skills, &codec->skill_cap, sk->len, sizeof(*skills));
        if (!skills && sk->len) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        codec->skills = skills;
        /* Items of an array of strings are one slot each, slot 0. */
        for (i = 0; i < sk->len; i++)
                codec->skills[i] =
                    s[sk->first + i * (size_t)ix[CC_SKILL_STRIDE]].s;
        cc->skills    = codec->skills;
        cc->skill_cnt = sk->len;
        return BP_OK;
}

static void fill_small(const bp_codec_t *codec, bp_event_t *ev) {
        const bp_slot_t *s  = codec->scratch.slots;
        const int       *ix = codec->slots[ev->type];

        if (ev->type == BP_EV_INVITATION_SENT) {
                ev->u.invitation.invitation_id = s[ix[IS_INVITATION_ID]].s;
                ev->u.invitation.partner_id    = s[ix[IS_PARTNER_ID]].s;
                return;
        }
        ev->u.decision.partner_id = s[ix[PD_PARTNER_ID]].s;
        ev->u.decision.decision   = (bp_decision_t)s[ix[PD_DECISION]].i;
        ev->u.decision.decided_by = (bp_decided_by_t)s[ix[PD_DECIDED_BY]].i;
        ev->u.decision.reason     = bp_slot_opt_str(&s[ix[PD_REASON]]);
}

/* Fills *ev of type from the slots just decoded, then checks it. */
static bp_err_t fill_event(bp_codec_t *codec, bp_event_type_t type,
                           bp_event_t *ev, char *errstr, size_t errstr_size) {
        const bp_slot_t *s   = codec->scratch.slots;
        const int       *ix  = codec->slots[type];
        bp_err_t         err = BP_OK;

        memset(ev, 0, sizeof(*ev));
        ev->type          = type;
        ev->event_id      = s[ix[EV_EVENT_ID]].s;
        ev->freelancer_id = s[ix[EV_FREELANCER_ID]].s;
        ev->occurred_at   = s[ix[EV_OCCURRED_AT]].i;
        if (type == BP_EV_PROFILE_UPDATED)
                err = fill_profile(codec, &ev->u.profile, errstr, errstr_size);
        else if (type == BP_EV_CONTRACT_COMPLETED)
                err =
                    fill_contract(codec, &ev->u.contract, errstr, errstr_size);
        else
                fill_small(codec, ev);
        if (err != BP_OK)
                return err;
        return bp_event_check(ev, errstr, errstr_size);
}

bp_err_t bp_codec_decode_event(bp_codec_t *codec, bp_event_type_t type,
                               const void *buf, size_t len, bp_event_t *ev,
                               char *errstr, size_t errstr_size) {
        bp_record_kind_t kind = (bp_record_kind_t)type, got;
        bp_err_t         err;

        if ((unsigned)type >= BP_EV__CNT) {
                snprintf(errstr, errstr_size, "unknown event type %d", type);
                return BP_ERR_INVALID;
        }
        if ((err = bp_codec_decode_slots(codec, &kind, 1, buf, len, &got,
                                         errstr, errstr_size)) != BP_OK)
                return err;
        return fill_event(codec, type, ev, errstr, errstr_size);
}

bp_err_t bp_codec_decode_event_with(bp_codec_t *codec, bp_schema_entry_t *entry,
                                    const uint8_t *body, size_t len,
                                    bp_event_t *ev, char *errstr,
                                    size_t errstr_size) {
        bp_record_kind_t kind;
        bp_err_t         err;

        if (bp_codec_kind_of_schema(entry->schema, &kind) != BP_OK ||
            kind >= (bp_record_kind_t)BP_EV__CNT) {
                snprintf(errstr, errstr_size,
                         "the writer schema %s is not an input event",
                         avro_schema_type_name(entry->schema));
                return BP_ERR_INVALID;
        }
        if ((err = bp_codec_decode_entry(codec, entry, kind, body, len, errstr,
                                         errstr_size)) != BP_OK)
                return err;
        return fill_event(codec, (bp_event_type_t)kind, ev, errstr,
                          errstr_size);
}

static bp_err_t put_profile(bp_buf_t *b, const bp_profile_updated_t *p) {
        size_t i;

        if (bp_avro_write_long(b, p->profile_version) ||
            bp_avro_write_long(b, p->account_status) ||
            bp_avro_write_long(b, p->profile_completeness) ||
            bp_avro_write_long(b, p->visibility) ||
            bp_avro_write_long(b, p->english_level) ||
            bp_avro_write_opt_long(b, p->job_success_score, BP_JSS_NONE) ||
            bp_avro_write_long(b, p->origin) ||
            bp_avro_write_opt_string(b, p->signup_partner_id))
                return BP_ERR_NOMEM;
        /* One block with all items, then the empty block that ends it. */
        if (p->certification_cnt &&
            bp_avro_write_long(b, (int64_t)p->certification_cnt))
                return BP_ERR_NOMEM;
        for (i = 0; i < p->certification_cnt; i++)
                if (bp_avro_write_string(
                        b, p->certifications[i].certification_id) ||
                    bp_avro_write_opt_long(b, p->certifications[i].expires_at,
                                           BP_TIME_NONE))
                        return BP_ERR_NOMEM;
        return bp_avro_write_long(b, 0);
}

static bp_err_t put_contract(bp_buf_t *b, const bp_contract_completed_t *c) {
        size_t i;

        if (bp_avro_write_string(b, c->contract_id) ||
            (c->skill_cnt && bp_avro_write_long(b, (int64_t)c->skill_cnt)))
                return BP_ERR_NOMEM;
        for (i = 0; i < c->skill_cnt; i++)
                if (bp_avro_write_string(b, c->skills[i]))
                        return BP_ERR_NOMEM;
        if (bp_avro_write_long(b, 0) ||
            bp_avro_write_long(b, c->has_feedback_score))
                return BP_ERR_NOMEM;
        return c->has_feedback_score
                   ? bp_avro_write_double(b, c->feedback_score)
                   : BP_OK;
}

static bp_err_t put_body(bp_buf_t *b, const bp_event_t *ev) {
        if (bp_avro_write_string(b, ev->event_id) ||
            bp_avro_write_string(b, ev->freelancer_id) ||
            bp_avro_write_long(b, ev->occurred_at))
                return BP_ERR_NOMEM;
        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED:
                return put_profile(b, &ev->u.profile);
        case BP_EV_CONTRACT_COMPLETED:
                return put_contract(b, &ev->u.contract);
        case BP_EV_INVITATION_SENT:
                if (bp_avro_write_string(b, ev->u.invitation.invitation_id))
                        return BP_ERR_NOMEM;
                return bp_avro_write_string(b, ev->u.invitation.partner_id);
        default:
                if (bp_avro_write_string(b, ev->u.decision.partner_id) ||
                    bp_avro_write_long(b, ev->u.decision.decision) ||
                    bp_avro_write_long(b, ev->u.decision.decided_by))
                        return BP_ERR_NOMEM;
                return bp_avro_write_opt_string(b, ev->u.decision.reason);
        }
}

bp_err_t bp_codec_encode_event_body(const bp_event_t *ev, bp_buf_t *out,
                                    char *errstr, size_t errstr_size) {
        size_t   mark = out->len;
        bp_err_t err;

        if ((unsigned)ev->type >= BP_EV__CNT) {
                snprintf(errstr, errstr_size, "unknown event type %d",
                         ev->type);
                return BP_ERR_INVALID;
        }
        if ((err = bp_event_check(ev, errstr, errstr_size)) != BP_OK)
                return err;
        if (put_body(out, ev) != BP_OK)
                return bp_codec_nomem(out, mark, errstr, errstr_size);
        return BP_OK;
}

bp_err_t bp_codec_encode_event(bp_codec_t *codec, const bp_event_t *ev,
                               bp_buf_t *out, char *errstr,
                               size_t errstr_size) {
        size_t   mark;
        bp_err_t err;

        if ((unsigned)ev->type >= BP_EV__CNT) {
                snprintf(errstr, errstr_size, "unknown event type %d",
                         ev->type);
                return BP_ERR_INVALID;
        }
        if ((err = bp_codec_frame(codec, (bp_record_kind_t)ev->type, out, &mark,
                                  errstr, errstr_size)) != BP_OK)
                return err;
        /* Never publish what we would refuse to read: the body checks the
         * event first, and the frame goes when it fails. */
        if ((err = bp_codec_encode_event_body(ev, out, errstr, errstr_size)))
                out->len = mark;
        return err;
}
