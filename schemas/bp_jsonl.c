/*
 * bp_jsonl.c - reads input events from the JSON Lines form (see
 * bp_jsonl.h).
 *
 * The scanner (bp_json_scan.h) parses the line into values that the parser
 * keeps until the next line, so the event's strings point into it and
 * nothing is copied. The event's two arrays (certifications, skills) live
 * in fixed arrays of BP_LIST_MAX entries inside the parser: a list is
 * refused on its length before any element is read. Once the scanner's
 * buffers have grown to the longest line seen, parsing allocates nothing.
 *
 * Each event type has one function that reads its fields in EVENTS.md
 * order and stops at the first error, so the message names the first
 * field that is wrong.
 */
#include <stdlib.h>

#include "bp_jsonl.h"
#include "bp_jsonl_field.h"

struct bp_jsonl_parser_s {
        bp_json_t      *js; /* the last line; the event borrows from it */
        bp_event_cert_t certs[BP_LIST_MAX];
        const char     *skills[BP_LIST_MAX];
};

bp_jsonl_parser_t *bp_jsonl_parser_new(void) {
        bp_jsonl_parser_t *parser = calloc(1, sizeof(*parser));

        if (parser && !(parser->js = bp_json_new())) {
                free(parser);
                return NULL;
        }
        return parser;
}

void bp_jsonl_parser_destroy(bp_jsonl_parser_t *parser) {
        if (!parser)
                return;
        bp_json_destroy(parser->js);
        free(parser);
}

bp_json_t *bp_jsonl_parser_scanner(bp_jsonl_parser_t *parser) {
        return parser->js;
}

/* Reads the enum member name of obj with parse_fn into *out. The parse
 * functions of bp_types.h differ only in their out type, hence a macro. */
#define BP_JF_ENUM(jf, obj, name, parse_fn, out)                          \
        do {                                                              \
                const char *s_;                                           \
                bp_err_t    e_ = bp_jf_string(jf, obj, name, false, &s_); \
                if (e_ != BP_OK)                                          \
                        return e_;                                        \
                if (parse_fn(s_, out) != 0)                               \
                        return bp_jf_bad_enum(jf, name, s_);              \
        } while (0)


static bp_err_t read_certs(bp_jsonl_parser_t *parser, bp_jf_t *jf,
                           const bp_jv_t *obj, bp_profile_updated_t *p) {
        const bp_jv_t *arr, *el;
        bp_jf_t        at = *jf;
        size_t         i, n;
        bool           has_expiry;

        BP_JF_TRY(bp_jf_array(jf, obj, "certifications", BP_LIST_MAX, &arr));
        n       = arr->cnt;
        at.list = "certifications";
        for (i = 0, el = bp_jv_first(arr); i < n; i++, el = bp_jv_next(el)) {
                bp_event_cert_t *c = &parser->certs[i];

                at.idx = i;
                BP_JF_TRY(bp_jf_elem_object(jf, el, "certifications", i));
                BP_JF_TRY(bp_jf_string(&at, el, "certification_id", false,
                                       &c->certification_id));
                BP_JF_TRY(bp_jf_int64(&at, el, "expires_at", true, &has_expiry,
                                      &c->expires_at));
                if (!has_expiry)
                        c->expires_at = BP_TIME_NONE;
        }
        p->certifications    = parser->certs;
        p->certification_cnt = n;
        return BP_OK;
}

static bp_err_t read_profile(bp_jsonl_parser_t *parser, bp_jf_t *jf,
                             const bp_jv_t *obj, bp_profile_updated_t *p) {
        bool has_jss;

        BP_JF_TRY(bp_jf_int64(jf, obj, "profile_version", false, NULL,
                              &p->profile_version));
        BP_JF_ENUM(jf, obj, "account_status", bp_account_status_parse,
                   &p->account_status);
        BP_JF_TRY(bp_jf_int32(jf, obj, "profile_completeness", false, NULL,
                              &p->profile_completeness));
        BP_JF_ENUM(jf, obj, "visibility", bp_visibility_parse, &p->visibility);
        BP_JF_ENUM(jf, obj, "english_level", bp_english_parse,
                   &p->english_level);
        BP_JF_TRY(bp_jf_int32(jf, obj, "job_success_score", true, &has_jss,
                              &p->job_success_score));
        if (!has_jss)
                p->job_success_score = BP_JSS_NONE;
        else if (p->job_success_score == BP_JSS_NONE)
                /* -1 is the engine's "no score" marker: written out, it is
                 * a value out of range, not a null. Same words as
                 * bp_event_check(). */
                return bp_jf_fail(jf, BP_ERR_INVALID,
                                  "job_success_score -1 out of range 0..100");
        BP_JF_ENUM(jf, obj, "origin", bp_origin_parse, &p->origin);
        BP_JF_TRY(bp_jf_string(jf, obj, "signup_partner_id", true,
                               &p->signup_partner_id));
        return read_certs(parser, jf, obj, p);
}

static bp_err_t read_contract(bp_jsonl_parser_t *parser, bp_jf_t *jf,
                              const bp_jv_t *obj, bp_contract_completed_t *c) {
        const bp_jv_t *arr, *el;
        size_t         i, n;

        BP_JF_TRY(bp_jf_string(jf, obj, "contract_id", false, &c->contract_id));
        BP_JF_TRY(bp_jf_array(jf, obj, "skills", BP_LIST_MAX, &arr));
        n = arr->cnt;
        for (i = 0, el = bp_jv_first(arr); i < n; i++, el = bp_jv_next(el))
                BP_JF_TRY(
                    bp_jf_elem_string(jf, el, "skills", i, &parser->skills[i]));
        c->skills    = parser->skills;
        c->skill_cnt = n;
        return bp_jf_double(jf, obj, "feedback_score", true,
                            &c->has_feedback_score, &c->feedback_score);
}

static bp_err_t read_invitation(bp_jf_t *jf, const bp_jv_t *obj,
                                bp_invitation_sent_t *inv) {
        BP_JF_TRY(
            bp_jf_string(jf, obj, "invitation_id", false, &inv->invitation_id));
        return bp_jf_string(jf, obj, "partner_id", false, &inv->partner_id);
}

static bp_err_t read_decision(bp_jf_t *jf, const bp_jv_t *obj,
                              bp_partner_decision_t *d) {
        BP_JF_TRY(bp_jf_string(jf, obj, "partner_id", false, &d->partner_id));
        BP_JF_ENUM(jf, obj, "decision", bp_decision_parse, &d->decision);
        BP_JF_ENUM(jf, obj, "decided_by", bp_decided_by_parse, &d->decided_by);
        return bp_jf_string(jf, obj, "reason", true, &d->reason);
}

static bp_err_t read_event(bp_jsonl_parser_t *parser, bp_jf_t *jf,
                           const bp_jv_t *obj, bp_event_t *ev) {
        const char *type;

        BP_JF_TRY(bp_jf_string(jf, obj, "type", false, &type));
        if (bp_event_type_parse(type, &ev->type) != 0)
                return bp_jf_fail(jf, BP_ERR_INVALID, "unknown type \"%.64s\"",
                                  type);
        BP_JF_TRY(bp_jf_string(jf, obj, "event_id", false, &ev->event_id));
        BP_JF_TRY(
            bp_jf_string(jf, obj, "freelancer_id", false, &ev->freelancer_id));
        BP_JF_TRY(
            bp_jf_int64(jf, obj, "occurred_at", false, NULL, &ev->occurred_at));
        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED:
                return read_profile(parser, jf, obj, &ev->u.profile);
        case BP_EV_CONTRACT_COMPLETED:
                return read_contract(parser, jf, obj, &ev->u.contract);
        case BP_EV_INVITATION_SENT:
                return read_invitation(jf, obj, &ev->u.invitation);
        case BP_EV_PARTNER_DECISION:
                return read_decision(jf, obj, &ev->u.decision);
        case BP_EV__CNT:
                break;
        }
        return bp_jf_fail(jf, BP_ERR_INVALID, "unknown type \"%.64s\"", type);
}

bp_err_t bp_jsonl_parser_parse(bp_jsonl_parser_t *parser, const char *line,
                               size_t len, bp_event_t *ev, char *errstr,
                               size_t errstr_size) {
        bp_jf_t        jf = {.errstr = errstr, .errstr_size = errstr_size};
        const bp_jv_t *root;
        bp_err_t       err;

        /* The previous event's strings die here, as documented. */
        err = bp_jf_load(&jf, parser->js, line, len, &root);
        if (err != BP_OK)
                return err;
        err = read_event(parser, &jf, root, ev);
        if (err != BP_OK)
                return err;
        return bp_event_check(ev, errstr, errstr_size);
}
