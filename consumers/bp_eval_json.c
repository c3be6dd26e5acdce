/*
 * bp_eval_json.c - checks in words and JSON (see bp_eval_json.h).
 *
 * The numeric view of a check means different things per kind (an enum
 * value, a score, a count, an average); this file is the one place that
 * knows which, so that explain, the decision log and what-if always show
 * a check the same way.
 */
#include <stdio.h>
#include <string.h>

#include "bp_eval_json.h"
#include "bp_jsonl.h"

const char *bp_check_kind_name(bp_check_kind_t kind) {
        static const char *const names[BP_CHECK__CNT] = {
            "invited",       "decision",     "account",    "jss_present",
            "jss",           "completeness", "visibility", "english",
            "certification", "contracts",    "feedback"};
        return (unsigned)kind < BP_CHECK__CNT ? names[kind] : "?";
}

const char *bp_check_source_name(bp_check_source_t source) {
        static const char *const names[] = {"badge", "platform", "exception",
                                            "partner"};
        return (unsigned)source < sizeof(names) / sizeof(names[0])
                   ? names[source]
                   : "?";
}

/* The enum name a check's value stands for, or NULL for numeric kinds. */
static const char *enum_name(bp_check_kind_t kind, double v) {
        switch (kind) {
        case BP_CHECK_INVITED:
                return v != 0 ? "yes" : "no";
        case BP_CHECK_DECISION:
                return bp_decision_name((bp_decision_t)v);
        case BP_CHECK_ACCOUNT:
                return bp_account_status_name((bp_account_status_t)v);
        case BP_CHECK_VISIBILITY:
                return bp_visibility_name((bp_visibility_t)v);
        case BP_CHECK_ENGLISH:
                return bp_english_name((bp_english_t)v);
        default:
                return NULL;
        }
}

const char *bp_check_value_text(const bp_check_t *c, char *buf, size_t size) {
        const char *name;

        if (!c->value_known)
                snprintf(buf, size, "%s",
                         c->kind == BP_CHECK_JSS_PRESENT ? "none" : "unknown");
        else if ((name = enum_name(c->kind, c->value)))
                snprintf(buf, size, "%s", name);
        else if (c->kind == BP_CHECK_FEEDBACK)
                snprintf(buf, size, "%.2f", c->value);
        else if (c->kind == BP_CHECK_COMPLETENESS)
                snprintf(buf, size, "%.0f%%", c->value);
        else if (c->kind == BP_CHECK_CERTIFICATION && c->threshold > 0)
                snprintf(buf, size, "%.0f valid, %.0f expired", c->value,
                         c->threshold);
        else if (c->kind == BP_CHECK_CERTIFICATION)
                snprintf(buf, size, "%.0f valid", c->value);
        else
                snprintf(buf, size, "%.0f", c->value);
        return buf;
}

const char *bp_check_required_text(const bp_check_t *c, char *buf,
                                   size_t size) {
        switch (c->kind) {
        case BP_CHECK_INVITED:
                return snprintf(buf, size, "yes"), buf;
        case BP_CHECK_DECISION:
                return snprintf(buf, size, "SELECTED"), buf;
        case BP_CHECK_ACCOUNT:
                return snprintf(buf, size, "ACTIVE"), buf;
        case BP_CHECK_VISIBILITY:
                return snprintf(buf, size, "PUBLIC"), buf;
        case BP_CHECK_ENGLISH:
                return snprintf(buf, size, ">= %s",
                                bp_english_name((bp_english_t)c->threshold)),
                       buf;
        case BP_CHECK_JSS_PRESENT:
                return snprintf(buf, size, "a score >= %.0f", c->threshold),
                       buf;
        case BP_CHECK_COMPLETENESS:
                return snprintf(buf, size, ">= %.0f%%", c->threshold), buf;
        case BP_CHECK_CERTIFICATION:
                return snprintf(buf, size, ">= 1 valid"), buf;
        case BP_CHECK_FEEDBACK:
                return snprintf(buf, size, ">= %.2f", c->threshold), buf;
        default:
                return snprintf(buf, size, ">= %.0f", c->threshold), buf;
        }
}

void bp_eval_json_fill_thresholds(bp_evaluation_t           *eval,
                                  const bp_platform_rules_t *pr) {
        size_t i;

        for (i = 0; i < eval->check_cnt; i++) {
                bp_check_t *c = &eval->checks[i];
                if (c->value_known || c->source != BP_SOURCE_PLATFORM)
                        continue;
                if (c->kind == BP_CHECK_COMPLETENESS)
                        c->threshold = pr->min_profile_completeness;
                else if (c->kind == BP_CHECK_ENGLISH)
                        c->threshold = pr->min_english_level;
                else if (c->kind == BP_CHECK_JSS_PRESENT)
                        c->threshold = pr->min_job_success_score;
        }
}

static bp_err_t put_value(bp_buf_t *buf, const bp_check_t *c) {
        const char *name;

        if (!c->value_known)
                return bp_buf_append_str(buf, "null");
        if ((name = enum_name(c->kind, c->value)))
                return bp_jsonl_put_string(buf, name);
        if (c->kind == BP_CHECK_FEEDBACK)
                return bp_buf_printf(buf, "%.4g", c->value);
        return bp_buf_printf(buf, "%.0f", c->value);
}

static bp_err_t put_check(bp_buf_t *buf, const bp_check_t *c,
                          const bp_partner_state_t *ps) {
        char     detail[BP_DETAIL_SIZE], required[BP_DETAIL_SIZE];
        bp_err_t err;

        bp_check_detail(c, ps, detail, sizeof(detail));
        bp_check_required_text(c, required, sizeof(required));
        if ((err = bp_buf_printf(
                 buf,
                 "{\"check\":\"%s\",\"source\":\"%s\",\"code\":\"%s\","
                 "\"pass\":%s,\"value\":",
                 bp_check_kind_name(c->kind), bp_check_source_name(c->source),
                 bp_reason_code_name(c->code), c->pass ? "true" : "false")) ||
            (err = put_value(buf, c)) ||
            (err = bp_buf_append_str(buf, ",\"required\":")) ||
            (err = bp_jsonl_put_string(buf, required)) ||
            (err = bp_buf_append_str(buf, ",\"detail\":")) ||
            (err = bp_jsonl_put_string(buf, detail)))
                return err;
        return bp_buf_append_byte(buf, '}');
}

bp_err_t bp_eval_json_checks(bp_buf_t *buf, const bp_evaluation_t *eval,
                             const bp_partner_state_t *ps) {
        size_t   len = buf->len, i;
        bp_err_t err = bp_buf_append_byte(buf, '[');

        for (i = 0; !err && i < eval->check_cnt; i++) {
                if (i)
                        err = bp_buf_append_byte(buf, ',');
                if (!err)
                        err = put_check(buf, &eval->checks[i], ps);
        }
        if (!err)
                err = bp_buf_append_byte(buf, ']');
        if (err)
                buf->len = len;
        return err;
}

bp_err_t bp_eval_json_failing(bp_buf_t *buf, uint32_t failing) {
        bp_err_t err = bp_buf_append_byte(buf, '[');
        int      code, first = 1;

        for (code = 0; !err && code < BP_REASON__CNT; code++) {
                if (!(failing & (1u << code)))
                        continue;
                err =
                    bp_buf_printf(buf, "%s\"%s\"", first ? "" : ",",
                                  bp_reason_code_name((bp_reason_code_t)code));
                first = 0;
        }
        return err ? err : bp_buf_append_byte(buf, ']');
}

/* Appends key (the JSON text up to the colon) then s as a string. */
static bp_err_t put_field(bp_buf_t *buf, const char *key, const char *s) {
        bp_err_t err = bp_buf_append_str(buf, key);
        return err ? err : bp_jsonl_put_string(buf, s);
}

/* The badge event's own fields, from "type" to "cause". */
static bp_err_t put_event(bp_buf_t *buf, const bp_badge_event_t *ev) {
        bp_err_t err;

        if ((err = put_field(buf, "{\"type\":\"badge-decision\",\"event_id\":",
                             ev->event_id)) ||
            (err =
                 put_field(buf, ",\"kind\":", bp_badge_kind_name(ev->kind))) ||
            (err = put_field(buf, ",\"freelancer_id\":", ev->freelancer_id)) ||
            (err = put_field(buf, ",\"partner_id\":", ev->partner_id)) ||
            (err = put_field(buf, ",\"badge_id\":", ev->badge_id)) ||
            (err = bp_buf_printf(
                 buf, ",\"badge_version\":%lld,\"occurred_at\":%lld",
                 (long long)ev->badge_version, (long long)ev->occurred_at)))
                return err;
        if (ev->kind == BP_BADGE_GRANTED &&
            (err = put_field(buf, ",\"basis\":", bp_basis_name(ev->basis))))
                return err;
        if ((err = put_field(buf, ",\"rules_version\":", ev->rules_version)) ||
            (err = put_field(
                 buf, ",\"cause\":{\"event_id\":", ev->cause.event_id)) ||
            (err = put_field(buf, ",\"topic\":", ev->cause.topic)))
                return err;
        return bp_buf_printf(buf, ",\"partition\":%d,\"offset\":%lld}",
                             (int)ev->cause.partition,
                             (long long)ev->cause.offset);
}

bp_err_t bp_eval_json_decision(bp_buf_t *buf, const bp_rules_t *rules,
                               const bp_freelancer_t  *fl,
                               const bp_badge_event_t *ev) {
        const bp_partner_state_t *ps =
            bp_freelancer_partner(fl, ev->partner_id);
        bp_evaluation_t eval;
        size_t          len = buf->len;
        bp_err_t        err;

        if (!ps)
                return BP_ERR_NOT_FOUND;
        bp_eval_partner(rules, bp_rules_partner(rules, ev->partner_id), fl, ps,
                        ev->occurred_at, &eval);
        if ((err = put_event(buf, ev)) ||
            (err = bp_buf_printf(buf, ",\"holds\":%s,\"failing\":",
                                 eval.holds ? "true" : "false")) ||
            (err = bp_eval_json_failing(buf, eval.failing)) ||
            (err = bp_buf_append_str(buf, ",\"checks\":")) ||
            (err = bp_eval_json_checks(buf, &eval, ps)) ||
            (err = bp_buf_append_str(buf, "}\n")))
                buf->len = len;
        return err;
}
