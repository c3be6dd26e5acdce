/*
 * bp_jsonl_write.c - writes input events and badge events as JSON lines
 * (see bp_jsonl.h).
 *
 * Hand-written rather than built through jansson objects: replay writes
 * one line per published event, and building, sorting and dumping a
 * document for each would cost more than the engine call that produced
 * it. The output is fixed by the code alone (field order, number format,
 * escaping), so the same event always gives the same bytes, which audits
 * and golden tests compare.
 *
 * Every writer appends to a bp_buf_t and, on failure, truncates it back
 * to where it started, so a caller never sees half a line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_json_scan.h"
#include "bp_jsonl.h"

/* Bytes to escape: control characters, quote and backslash. */
static int needs_escape(unsigned char c) {
        return c < 0x20 || c == '"' || c == '\\';
}

static bp_err_t put_escape(bp_buf_t *buf, unsigned char c) {
        static const char hex[] = "0123456789abcdef";
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

        switch (c) {
        case '"':
                return bp_buf_append(buf, "\\\"", 2);
        case '\\':
                return bp_buf_append(buf, "\\\\", 2);
        case '\b':
                return bp_buf_append(buf, "\\b", 2);
        case '\f':
                return bp_buf_append(buf, "\\f", 2);
        case '\n':
                return bp_buf_append(buf, "\\n", 2);
        case '\r':
                return bp_buf_append(buf, "\\r", 2);
        case '\t':
                return bp_buf_append(buf, "\\t", 2);
        }
        return bp_buf_append(buf, e, sizeof(e));
}

/* Appends s escaped, without quotes. Runs of bytes that need nothing are
 * copied in one append: ids are plain ASCII almost always. */
static bp_err_t put_escaped(bp_buf_t *buf, const char *s) {
        const unsigned char *p = (const unsigned char *)s, *run = p;
        size_t               n;

        for (;;) {
                while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
                        p++;
                /* s is NUL-terminated, and NUL is never a continuation
                 * byte, so the check stops at the end of the string. */
                if (*p >= 0x80 && (n = bp_utf8_len(p, 4)) > 0) {
                        p += n;
                        continue;
                }
                if (bp_buf_append(buf, run, (size_t)(p - run)) != BP_OK)
                        return BP_ERR_NOMEM;
                if (*p == '\0')
                        return BP_OK;
                if (needs_escape(*p)) {
                        if (put_escape(buf, *p) != BP_OK)
                                return BP_ERR_NOMEM;
                } else if (bp_buf_append(buf, "\\ufffd", 6) != BP_OK) {
                        /* A byte that starts no valid sequence. */
                        return BP_ERR_NOMEM;
                }
                run = ++p;
        }
}

bp_err_t bp_jsonl_put_string(bp_buf_t *buf, const char *s) {
        size_t start = buf->len;

        if (bp_buf_append_byte(buf, '"') != BP_OK ||
            put_escaped(buf, s) != BP_OK ||
            bp_buf_append_byte(buf, '"') != BP_OK) {
                buf->len = start;
                return BP_ERR_NOMEM;
        }
        return BP_OK;
}

/* Appends v in decimal. */
static bp_err_t put_int(bp_buf_t *buf, int64_t v) {
        char     d[24], *p = d + sizeof(d);
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

        do {
                *--p = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                *--p = '-';
        return bp_buf_append(buf, p, (size_t)(d + sizeof(d) - p));
}

/* Appends v in the shortest %g form that reads back to v, with ".0" added
 * when it would otherwise look like an integer, so readers in typed
 * languages see a real. v must be finite. */
static bp_err_t put_double(bp_buf_t *buf, double v) {
        char d[32];
        int  prec, n = 0;

        for (prec = 15; prec <= 17; prec++) {
                n = snprintf(d, sizeof(d), "%.*g", prec, v);
                if (strtod(d, NULL) == v)
                        break;
        }
        if (n < 0 || (size_t)n >= sizeof(d) - 2)
                return BP_ERR_INVALID;
        if (!strpbrk(d, ".eEn")) {
                d[n++] = '.';
                d[n++] = '0';
        }
        return bp_buf_append(buf, d, (size_t)n);
}

/*
 * The writer helpers below chain: each takes and returns the running
 * status, and does nothing once it is an error, so a writer is a straight
 * list of fields with one check at the end.
 */

/* Appends "key": preceded by a comma unless it opens the object. key is
 * one of ours and needs no escaping. */
static bp_err_t key(bp_buf_t *buf, bp_err_t st, const char *k) {
        int first;

        if (st != BP_OK)
                return st;
        first = buf->len > 0 && buf->data[buf->len - 1] == '{';
        if ((!first && bp_buf_append_byte(buf, ',') != BP_OK) ||
            bp_buf_append_byte(buf, '"') != BP_OK ||
            bp_buf_append_str(buf, k) != BP_OK ||
            bp_buf_append(buf, "\":", 2) != BP_OK)
                return BP_ERR_NOMEM;
        return BP_OK;
}

static bp_err_t raw(bp_buf_t *buf, bp_err_t st, const char *text) {
        return st != BP_OK ? st : bp_buf_append_str(buf, text);
}

static bp_err_t f_str(bp_buf_t *buf, bp_err_t st, const char *k,
                      const char *s) {
        st = key(buf, st, k);
        if (st != BP_OK)
                return st;
        if (!s)
                return BP_ERR_INVALID;
        return bp_jsonl_put_string(buf, s);
}

/* A nullable string: NULL is written as null. */
static bp_err_t f_nstr(bp_buf_t *buf, bp_err_t st, const char *k,
                       const char *s) {
        if (s)
                return f_str(buf, st, k, s);
        return raw(buf, key(buf, st, k), "null");
}

static bp_err_t f_int(bp_buf_t *buf, bp_err_t st, const char *k, int64_t v) {
        st = key(buf, st, k);
        return st != BP_OK ? st : put_int(buf, v);
}

/* An enum member: name is NULL when the value has no symbol. */
static bp_err_t f_enum(bp_buf_t *buf, bp_err_t st, const char *k,
                       const char *name) {
        return f_str(buf, st, k, name);
}

/* Ends the line, or on error drops it. */
static bp_err_t finish(bp_buf_t *buf, bp_err_t st, size_t start) {
        if (st == BP_OK && bp_buf_append(buf, "}\n", 2) == BP_OK)
                return BP_OK;
        buf->len = start;
        return st != BP_OK ? st : BP_ERR_NOMEM;
}

/* enum names: NULL for an out-of-range value, which the writers refuse. */
#define BP_NAME(fn, v, cnt) ((unsigned)(v) < (unsigned)(cnt) ? fn(v) : NULL)

static bp_err_t put_certs(bp_buf_t *buf, bp_err_t st,
                          const bp_profile_updated_t *p) {
        size_t i;

        st = key(buf, st, "certifications");
        st = raw(buf, st, "[");
        for (i = 0; i < p->certification_cnt && st == BP_OK; i++) {
                const bp_event_cert_t *c = &p->certifications[i];

                st = raw(buf, st, i ? ",{" : "{");
                st = f_str(buf, st, "certification_id", c->certification_id);
                if (c->expires_at == BP_TIME_NONE)
                        st = raw(buf, key(buf, st, "expires_at"), "null");
                else
                        st = f_int(buf, st, "expires_at", c->expires_at);
                st = raw(buf, st, "}");
        }
        return raw(buf, st, "]");
}

static bp_err_t put_profile(bp_buf_t *buf, bp_err_t st,
                            const bp_profile_updated_t *p) {
        st = f_int(buf, st, "profile_version", p->profile_version);
        st = f_enum(buf, st, "account_status",
                    BP_NAME(bp_account_status_name, p->account_status,
                            BP_ACCOUNT__CNT));
        st = f_int(buf, st, "profile_completeness", p->profile_completeness);
        st = f_enum(
            buf, st, "visibility",
            BP_NAME(bp_visibility_name, p->visibility, BP_VISIBILITY__CNT));
        st =
            f_enum(buf, st, "english_level",
                   BP_NAME(bp_english_name, p->english_level, BP_ENGLISH__CNT));
        if (p->job_success_score == BP_JSS_NONE)
                st = raw(buf, key(buf, st, "job_success_score"), "null");
        else
                st = f_int(buf, st, "job_success_score", p->job_success_score);
        st = f_enum(buf, st, "origin",
                    BP_NAME(bp_origin_name, p->origin, BP_ORIGIN__CNT));
        st = f_nstr(buf, st, "signup_partner_id", p->signup_partner_id);
        return put_certs(buf, st, p);
}

static bp_err_t put_contract(bp_buf_t *buf, bp_err_t st,
                             const bp_contract_completed_t *c) {
        size_t i;

        st = f_str(buf, st, "contract_id", c->contract_id);
        st = raw(buf, key(buf, st, "skills"), "[");
        for (i = 0; i < c->skill_cnt && st == BP_OK; i++) {
                st = raw(buf, st, i ? "," : "");
                if (st == BP_OK)
                        st = c->skills[i]
                                 ? bp_jsonl_put_string(buf, c->skills[i])
                                 : BP_ERR_INVALID;
        }
        st = raw(buf, st, "]");
        st = key(buf, st, "feedback_score");
        if (st != BP_OK)
                return st;
        if (!c->has_feedback_score)
                return raw(buf, st, "null");
        if (!isfinite(c->feedback_score))
                return BP_ERR_INVALID;
        return put_double(buf, c->feedback_score);
}

bp_err_t bp_jsonl_write_event(bp_buf_t *buf, const bp_event_t *ev) {
        size_t   start = buf->len;
        bp_err_t st;

        st = raw(buf, BP_OK, "{");
        st = f_enum(buf, st, "type",
                    BP_NAME(bp_event_type_name, ev->type, BP_EV__CNT));
        st = f_str(buf, st, "event_id", ev->event_id);
        st = f_str(buf, st, "freelancer_id", ev->freelancer_id);
        st = f_int(buf, st, "occurred_at", ev->occurred_at);
        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED:
                st = put_profile(buf, st, &ev->u.profile);
                break;
        case BP_EV_CONTRACT_COMPLETED:
                st = put_contract(buf, st, &ev->u.contract);
                break;
        case BP_EV_INVITATION_SENT:
                st = f_str(buf, st, "invitation_id",
                           ev->u.invitation.invitation_id);
                st = f_str(buf, st, "partner_id", ev->u.invitation.partner_id);
                break;
        case BP_EV_PARTNER_DECISION:
                st = f_str(buf, st, "partner_id", ev->u.decision.partner_id);
                st = f_enum(buf, st, "decision",
                            BP_NAME(bp_decision_name, ev->u.decision.decision,
                                    BP_DECISION__CNT));
                st = f_enum(buf, st, "decided_by",
                            BP_NAME(bp_decided_by_name,
                                    ev->u.decision.decided_by,
                                    BP_DECIDED_BY__CNT));
                st = f_nstr(buf, st, "reason", ev->u.decision.reason);
                break;
        case BP_EV__CNT:
                st = BP_ERR_INVALID;
                break;
        }
        return finish(buf, st, start);
}

static bp_err_t put_reasons(bp_buf_t *buf, bp_err_t st,
                            const bp_badge_event_t *ev) {
        size_t i;

        if (ev->reason_cnt > BP_REASON__CNT)
                return BP_ERR_INVALID;
        st = raw(buf, key(buf, st, "reasons"), "[");
        for (i = 0; i < ev->reason_cnt && st == BP_OK; i++) {
                const bp_reason_t *r = &ev->reasons[i];

                st = raw(buf, st, i ? ",{" : "{");
                st = f_enum(
                    buf, st, "code",
                    BP_NAME(bp_reason_code_name, r->code, BP_REASON__CNT));
                /* detail is a fixed array: make sure it is terminated. */
                if (st == BP_OK && !memchr(r->detail, '\0', BP_DETAIL_SIZE))
                        st = BP_ERR_INVALID;
                st = f_str(buf, st, "detail", r->detail);
                st = raw(buf, st, "}");
        }
        return raw(buf, st, "]");
}

bp_err_t bp_jsonl_write_badge(bp_buf_t *buf, const bp_badge_event_t *ev) {
        size_t   start = buf->len;
        bp_err_t st;

        st = raw(buf, BP_OK, "{");
        st = f_enum(buf, st, "type",
                    BP_NAME(bp_badge_kind_name, ev->kind, BP_BADGE__CNT));
        if (st == BP_OK && !memchr(ev->event_id, '\0', BP_BADGE_EVENT_ID_SIZE))
                st = BP_ERR_INVALID;
        st = f_str(buf, st, "event_id", ev->event_id);
        st = f_str(buf, st, "freelancer_id", ev->freelancer_id);
        st = f_str(buf, st, "partner_id", ev->partner_id);
        st = f_str(buf, st, "badge_id", ev->badge_id);
        st = f_int(buf, st, "occurred_at", ev->occurred_at);
        st = f_int(buf, st, "badge_version", ev->badge_version);
        if (ev->kind == BP_BADGE_GRANTED)
                st = f_enum(buf, st, "basis",
                            BP_NAME(bp_basis_name, ev->basis, BP_BASIS__CNT));
        else
                st = st == BP_OK ? put_reasons(buf, st, ev) : st;
        st = raw(buf, key(buf, st, "cause"), "{");
        st = f_str(buf, st, "event_id", ev->cause.event_id);
        st = f_str(buf, st, "topic", ev->cause.topic);
        st = f_int(buf, st, "partition", ev->cause.partition);
        st = f_int(buf, st, "offset", ev->cause.offset);
        st = raw(buf, st, "}");
        st = f_str(buf, st, "rules_version", ev->rules_version);
        return finish(buf, st, start);
}
