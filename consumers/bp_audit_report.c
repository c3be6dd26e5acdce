/*
 * bp_audit_report.c - an audit's result as text or JSON (see
 * bp_audit_report.h).
 */
#include <inttypes.h>

#include "bp_audit_report.h"
#include "bp_jsonl.h"
#include "bp_time.h"

/* What each kind of discrepancy means, for the summary table. */
static const char *const meaning[BP_AUDIT__CNT] = {
    "published, but no input event justifies it",
    "published under an expected id, other fields differ",
    "expected by the rules, never published",
    "published again for the same badge_version",
    "badge_version went backwards",
};

uint64_t bp_audit_discrepancies(const bp_audit_t *a) {
        uint64_t n = 0;
        int      k;

        for (k = 0; k < BP_AUDIT__CNT; k++)
                n += bp_audit_count(a, (bp_audit_kind_t)k);
        return n;
}

static bp_err_t summary(const bp_audit_t *a, const bp_audit_sources_t *s,
                        bp_buf_t *out) {
        bp_err_t err;
        int      k;

        err = bp_buf_printf(
            out,
            "audit under rules %s\n"
            "  inputs     %s: %" PRIu64 " events (%" PRIu64 " rejected)\n"
            "  published  %s: %" PRIu64 " read (%" PRIu64 " rejected)\n\n"
            "  %-14s %8zu\n  %-14s %8zu\n  %-14s %8zu\n",
            s->rules_version, s->inputs, s->input_events, s->input_rejected,
            s->published, s->published_read, s->published_rejected, "expected",
            bp_audit_expected_cnt(a), "published", bp_audit_published_cnt(a),
            "matched", bp_audit_matched_cnt(a));
        for (k = 0; !err && k < BP_AUDIT__CNT; k++)
                err = bp_buf_printf(out, "  %-14s %8zu   %s\n",
                                    bp_audit_kind_name((bp_audit_kind_t)k),
                                    bp_audit_count(a, (bp_audit_kind_t)k),
                                    meaning[k]);
        return err ? err
                   : bp_buf_printf(out, "  %-14s %8" PRIu64 "\n",
                                   "discrepancies", bp_audit_discrepancies(a));
}

/* "badge-granted f1 acme v2 at TIME id b-..." */
static bp_err_t describe(const bp_badge_event_t *ev, bp_buf_t *out) {
        char t[BP_TIME_TEXT_SIZE];

        return bp_buf_printf(
            out, "%s %s %s badge_version %" PRId64 " at %s (cause %s, id %s)",
            bp_badge_kind_name(ev->kind), ev->freelancer_id, ev->partner_id,
            ev->badge_version, bp_time_format(ev->occurred_at, t, sizeof(t)),
            ev->cause.event_id, ev->event_id);
}

static bp_err_t item_text(const bp_audit_item_t *it, bp_buf_t *out) {
        bp_err_t err;

        if (!it)
                return BP_ERR_NOMEM;
        err = bp_buf_printf(out, "  %-12s ", bp_audit_kind_name(it->kind));

        err = err ? err
                  : describe(it->published ? it->published : it->expected, out);
        if (!err && it->published)
                err = bp_buf_printf(out, ", published #%zu",
                                    it->published_index + 1);
        if (!err && it->kind == BP_AUDIT_ORDER)
                err = bp_buf_printf(out, ", after badge_version %" PRId64,
                                    it->previous_version);
        if (!err && it->kind == BP_AUDIT_DUPLICATE)
                err = bp_buf_append_str(out, it->identical
                                                 ? ", an exact redelivery"
                                                 : ", with different fields");
        if (!err && it->kind == BP_AUDIT_MISMATCH) {
                err = bp_buf_append_str(out, "\n               expected: ");
                err = err ? err : describe(it->expected, out);
        }
        return err ? err : bp_buf_append_byte(out, '\n');
}

bp_err_t bp_audit_report_text(const bp_audit_t *a, const bp_audit_sources_t *s,
                              bp_buf_t *out) {
        size_t   i, n = bp_audit_item_cnt(a);
        bp_err_t err = summary(a, s, out);

        if (!err && n == 0)
                return bp_buf_append_str(out, "\nno discrepancies: every "
                                              "published event is justified "
                                              "and every expected one was "
                                              "published\n");
        if (!err)
                err = bp_buf_printf(out, "\ndiscrepancies%s:\n",
                                    n > BP_AUDIT_REPORT_LIST_MAX
                                        ? " (the first 50; --json lists all)"
                                        : "");
        for (i = 0; !err && i < n && i < BP_AUDIT_REPORT_LIST_MAX; i++)
                err = item_text(bp_audit_item(a, i), out);
        return err;
}

/* ,"key":<badge event> */
static bp_err_t put_event(bp_buf_t *out, const char *key,
                          const bp_badge_event_t *ev) {
        bp_err_t err;

        if (!ev)
                return BP_OK;
        err = bp_buf_printf(out, ",\"%s\":", key);
        err = err ? err : bp_jsonl_write_badge(out, ev);
        if (!err)
                out->len--; /* the writer's newline */
        return err;
}

static bp_err_t item_json(const bp_audit_item_t *it, bp_buf_t *out) {
        bp_err_t err;

        if (!it)
                return BP_ERR_NOMEM;
        err = bp_buf_printf(out, "{\"kind\":\"%s\"",
                            bp_audit_kind_name(it->kind));

        if (!err && it->published)
                err = bp_buf_printf(out, ",\"published_index\":%zu",
                                    it->published_index);
        err = err ? err : put_event(out, "published", it->published);
        err = err ? err : put_event(out, "expected", it->expected);
        if (!err && it->kind == BP_AUDIT_ORDER)
                err = bp_buf_printf(out, ",\"previous_version\":%" PRId64,
                                    it->previous_version);
        if (!err && it->kind == BP_AUDIT_DUPLICATE)
                err = bp_buf_printf(out, ",\"identical\":%s",
                                    it->identical ? "true" : "false");
        return err ? err : bp_buf_append_byte(out, '}');
}

static bp_err_t sources_json(const bp_audit_sources_t *s, bp_buf_t *out) {
        bp_err_t err = bp_buf_printf(out,
                                     "{\"rules_version\":\"%s\","
                                     "\"inputs\":{\"source\":",
                                     s->rules_version);

        err = err ? err : bp_jsonl_put_string(out, s->inputs);
        err =
            err ? err
                : bp_buf_printf(out,
                                ",\"events\":%" PRIu64 ",\"rejected\":%" PRIu64
                                "},\"published\":{\"source\":",
                                s->input_events, s->input_rejected);
        err = err ? err : bp_jsonl_put_string(out, s->published);
        return err ? err
                   : bp_buf_printf(
                         out, ",\"read\":%" PRIu64 ",\"rejected\":%" PRIu64 "}",
                         s->published_read, s->published_rejected);
}

bp_err_t bp_audit_report_json(const bp_audit_t *a, const bp_audit_sources_t *s,
                              bp_buf_t *out) {
        size_t   i;
        int      k;
        bp_err_t err = sources_json(s, out);

        err = err ? err
                  : bp_buf_printf(
                        out,
                        ",\"summary\":{\"expected\":%zu,\"published\":"
                        "%zu,\"matched\":%zu",
                        bp_audit_expected_cnt(a), bp_audit_published_cnt(a),
                        bp_audit_matched_cnt(a));
        for (k = 0; !err && k < BP_AUDIT__CNT; k++)
                err = bp_buf_printf(out, ",\"%s\":%zu",
                                    bp_audit_kind_name((bp_audit_kind_t)k),
                                    bp_audit_count(a, (bp_audit_kind_t)k));
        err = err ? err
                  : bp_buf_printf(out,
                                  ",\"discrepancies\":%" PRIu64
                                  "},\"discrepancies\":[",
                                  bp_audit_discrepancies(a));
        for (i = 0; !err && i < bp_audit_item_cnt(a); i++) {
                if (i)
                        err = bp_buf_append_byte(out, ',');
                err = err ? err : item_json(bp_audit_item(a, i), out);
        }
        return err ? err : bp_buf_append_str(out, "]}\n");
}
