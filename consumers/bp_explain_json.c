/*
 * bp_explain_json.c - the explanation as one JSON document, for programs:
 *
 *   {"freelancer_id":F,"partner_id":P or null,"rules_version":R,
 *    "source":S,"timeline":[ENTRY...],"at":AT or null}
 *   ENTRY = {"event":<input event, EVENTS.md form>,"cause":{...},
 *            "changed":bool,"partners":[{"partner_id","badge_id",
 *            "outcome":"granted"|"revoked"|"held"|"not_held",
 *            "published":<badge event> or null,"holds","failing":[codes],
 *            "checks":[...]}]}
 *   AT = {"time","events","last_event_at","partners":[{"partner_id",
 *         "badge_id","held","since","badge_version","basis","holds_now",
 *         "failing","checks"}]}
 * Checks are bp_eval_json.h's. The document is streamed: the header is
 * written before the first event, each entry as it comes.
 */
#include <inttypes.h>
#include <string.h>

#include "bp_eval_json.h"
#include "bp_explain_int.h"
#include "bp_jsonl.h"

/* Appends a string or null. */
static bp_err_t put_opt_string(bp_buf_t *out, const char *s) {
        return s ? bp_jsonl_put_string(out, s) : bp_buf_append_str(out, "null");
}

/* Appends a line writer's output without its newline. */
static bp_err_t chomp(bp_buf_t *out, bp_err_t err) {
        if (!err && out->len && out->data[out->len - 1] == '\n')
                out->len--;
        return err;
}

bp_err_t bp_explain_json_header(const bp_explain_t *x, bp_buf_t *out) {
        bp_err_t err = bp_buf_append_str(out, "{\"freelancer_id\":");

        err = err ? err : bp_jsonl_put_string(out, x->conf.freelancer_id);
        err = err ? err : bp_buf_append_str(out, ",\"partner_id\":");
        err = err ? err : put_opt_string(out, x->conf.partner_id);
        err = err ? err
                  : bp_buf_printf(out, ",\"rules_version\":\"%s\",\"source\":",
                                  x->conf.rules->version);
        err = err ? err : bp_jsonl_put_string(out, x->conf.source_name);
        return err ? err : bp_buf_append_str(out, ",\"timeline\":[");
}

static const char *outcome(const bp_explain_pair_t *pair) {
        if (pair->published)
                return pair->published->kind == BP_BADGE_GRANTED ? "granted"
                                                                 : "revoked";
        return pair->ps->held ? "held" : "not_held";
}

/* "holds","failing","checks" of an evaluation, after a comma. */
static bp_err_t put_eval(const bp_explain_pair_t *pair, const char *holds_key,
                         bp_buf_t *out) {
        bp_err_t err = bp_buf_printf(out, ",\"%s\":%s,\"failing\":", holds_key,
                                     pair->eval.holds ? "true" : "false");

        err = err ? err : bp_eval_json_failing(out, pair->eval.failing);
        err = err ? err : bp_buf_append_str(out, ",\"checks\":");
        err = err ? err : bp_eval_json_checks(out, &pair->eval, pair->ps);
        return err ? err : bp_buf_append_byte(out, '}');
}

static bp_err_t put_pair(const bp_explain_pair_t *pair, bp_buf_t *out) {
        bp_err_t err = bp_buf_append_str(out, "{\"partner_id\":");

        err = err ? err : bp_jsonl_put_string(out, pair->ps->partner_id);
        err = err ? err : bp_buf_append_str(out, ",\"badge_id\":");
        err = err ? err : bp_jsonl_put_string(out, pair->badge_id);
        err = err ? err
                  : bp_buf_printf(out, ",\"outcome\":\"%s\",\"published\":",
                                  outcome(pair));
        if (!err && pair->published)
                err = chomp(out, bp_jsonl_write_badge(out, pair->published));
        else if (!err)
                err = bp_buf_append_str(out, "null");
        return err ? err : put_eval(pair, "holds", out);
}

bp_err_t bp_explain_json_entry(const bp_explain_t *x, const bp_event_t *ev,
                               const bp_cause_t *cause, bool changed,
                               bp_buf_t *out) {
        bp_explain_pair_t pair;
        size_t            i;
        bp_err_t          err;

        err = bp_buf_append_str(out, x->applied > 1 ? ",{\"event\":"
                                                    : "{\"event\":");
        err = err ? err : chomp(out, bp_jsonl_write_event(out, ev));
        err = err ? err : bp_buf_append_str(out, ",\"cause\":{\"topic\":");
        err = err ? err : bp_jsonl_put_string(out, cause->topic);
        err = err ? err
                  : bp_buf_printf(out,
                                  ",\"partition\":%d,\"offset\":%" PRId64
                                  "},\"changed\":%s,\"partners\":[",
                                  (int)cause->partition, cause->offset,
                                  changed ? "true" : "false");
        if (!err && x->refusal[0]) {
                /* Only for a refused event: "refused" says why. */
                err = bp_buf_append_str(out, "],\"refused\":");
                err = err ? err : bp_jsonl_put_string(out, x->refusal);
                return err ? err : bp_buf_append_byte(out, '}');
        }
        for (i = 0;
             !err && changed &&
             bp_explain_pair(x, x->fl, i, ev->occurred_at, &x->events, &pair);
             i++) {
                if (i)
                        err = bp_buf_append_byte(out, ',');
                err = err ? err : put_pair(&pair, out);
        }
        return err ? err : bp_buf_append_str(out, "]}");
}

static bp_err_t put_at_pair(const bp_explain_t      *x,
                            const bp_explain_pair_t *pair, bp_buf_t *out) {
        const bp_explain_since_t *s = bp_explain_since(x, pair->ps->partner_id);
        bp_err_t err = bp_buf_append_str(out, "{\"partner_id\":");

        err = err ? err : bp_jsonl_put_string(out, pair->ps->partner_id);
        err = err ? err : bp_buf_append_str(out, ",\"badge_id\":");
        err = err ? err : bp_jsonl_put_string(out, pair->badge_id);
        err = err ? err
                  : bp_buf_printf(out, ",\"held\":%s,\"since\":",
                                  pair->ps->held ? "true" : "false");
        if (!err && s)
                err = bp_buf_printf(out, "%" PRId64, s->at);
        else if (!err)
                err = bp_buf_append_str(out, "null");
        err = err ? err
                  : bp_buf_printf(out,
                                  ",\"badge_version\":%" PRId64 ",\"basis\":",
                                  pair->ps->badge_version);
        err = err ? err
                  : put_opt_string(out, pair->ps->held
                                            ? bp_basis_name(pair->ps->basis)
                                            : NULL);
        return err ? err : put_eval(pair, "holds_now", out);
}

bp_err_t bp_explain_json_end(const bp_explain_t *x, bp_buf_t *out) {
        bp_explain_pair_t pair;
        size_t            i;
        bp_err_t          err = bp_buf_append_str(out, "],\"at\":");

        if (!err && x->conf.at == BP_TIME_NONE)
                return bp_buf_append_str(out, "null}\n");
        err = err ? err
                  : bp_buf_printf(out,
                                  "{\"time\":%" PRId64 ",\"events\":%" PRIu64
                                  ",\"last_event_at\":",
                                  x->conf.at, x->at_applied);
        if (!err && x->at_last != BP_TIME_NONE)
                err = bp_buf_printf(out, "%" PRId64, x->at_last);
        else if (!err)
                err = bp_buf_append_str(out, "null");
        err = err ? err : bp_buf_append_str(out, ",\"partners\":[");
        for (i = 0;
             !err && bp_explain_pair(x, x->at_fl, i, x->conf.at, NULL, &pair);
             i++) {
                if (i)
                        err = bp_buf_append_byte(out, ',');
                err = err ? err : put_at_pair(x, &pair, out);
        }
        return err ? err : bp_buf_append_str(out, "]}}\n");
}
