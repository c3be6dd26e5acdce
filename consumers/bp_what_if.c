/*
 * bp_what_if.c - two rule sets over one history (see bp_what_if.h).
 *
 * The state map has no order, so the changes are collected first and
 * sorted by (freelancer, partner) before anything is written: the report
 * is byte-identical for the same history and rules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_eval.h"
#include "bp_eval_json.h"
#include "bp_jsonl.h"
#include "bp_state_map.h"
#include "bp_tally.h"
#include "bp_time.h"
#include "bp_tool.h"
#include "bp_what_if.h"

typedef struct change_s {
        const char *freelancer_id; /* borrowed from the current state */
        const char *partner_id;
        char        badge_id[BP_ID_MAX + 8];
        bool        granted; /* newly granted, else newly revoked */
        uint32_t    reasons; /* failing codes, bit per code */
} change_t;

struct bp_what_if_s {
        const bp_rules_t *rules[2]; /* current, new */
        bp_state_map_t   *map[2];
        bp_badge_events_t events;
        bool              events_ok;
        uint64_t          applied;
        int64_t           end; /* latest occurred_at */
        change_t         *changes;
        size_t            change_cnt, change_cap;
        size_t            granted, revoked;
        bp_err_t          err; /* of the foreach in finish */
};

bp_what_if_t *bp_what_if_new(const bp_rules_t *cur, const bp_rules_t *next) {
        bp_what_if_t *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        w->rules[0] = cur;
        w->rules[1] = next;
        w->end      = BP_TIME_NONE;
        w->map[0]   = bp_state_map_new();
        w->map[1]   = bp_state_map_new();
        if (!w->map[0] || !w->map[1] ||
            bp_badge_events_init(&w->events) != BP_OK) {
                bp_what_if_destroy(w);
                return NULL;
        }
        w->events_ok = true;
        return w;
}

void bp_what_if_destroy(bp_what_if_t *w) {
        if (!w)
                return;
        bp_state_map_destroy(w->map[0]);
        bp_state_map_destroy(w->map[1]);
        if (w->events_ok)
                bp_badge_events_destroy(&w->events);
        free(w->changes);
        free(w);
}

bp_err_t bp_what_if_apply(bp_what_if_t *w, const bp_event_t *ev,
                          const bp_cause_t *cause, bp_freelancer_t **flp) {
        bp_err_t err;
        int      i;

        for (i = 0; i < 2; i++) {
                err = bp_tool_apply(w->map[i], w->rules[i], ev, cause,
                                    &w->events, i == 0 ? flp : NULL);
                bp_badge_events_clear(&w->events);
                /* A refusal depends on the state alone, which the rules
                 * do not change: the other side refuses it too. */
                if (err)
                        return err;
        }
        w->applied++;
        if (w->end == BP_TIME_NONE || ev->occurred_at > w->end)
                w->end = ev->occurred_at;
        return BP_OK;
}

size_t bp_what_if_granted(const bp_what_if_t *w) {
        return w->granted;
}

size_t bp_what_if_revoked(const bp_what_if_t *w) {
        return w->revoked;
}

/* Records that ps's badge changes; the reasons come from the rule set
 * under which it is not held (side), evaluated on that side's state. */
static bp_err_t add_change(bp_what_if_t *w, const bp_freelancer_t *fl,
                           const bp_partner_state_t *ps, int side) {
        const bp_partner_rules_t *prules =
            bp_rules_partner(w->rules[side], ps->partner_id);
        bp_evaluation_t eval;
        change_t       *c;

        if (w->change_cnt == w->change_cap) {
                size_t cap = w->change_cap ? w->change_cap * 2 : 64;
                if (!(c = realloc(w->changes, cap * sizeof(*c))))
                        return BP_ERR_NOMEM;
                w->changes    = c;
                w->change_cap = cap;
        }
        c                = &w->changes[w->change_cnt++];
        c->freelancer_id = fl->freelancer_id;
        c->partner_id    = ps->partner_id;
        c->granted       = side == 0;
        bp_tool_badge_id(w->rules[side], ps->partner_id, c->badge_id,
                         sizeof(c->badge_id));
        bp_eval_partner(w->rules[side], prules, fl, ps, w->end, &eval);
        c->reasons = eval.failing;
        if (c->granted)
                w->granted++;
        else
                w->revoked++;
        return BP_OK;
}

static int compare_one(bp_freelancer_t *cur, void *opaque) {
        bp_what_if_t    *w = opaque;
        bp_freelancer_t *next =
            bp_state_map_find(w->map[1], cur->freelancer_id);
        size_t i;

        for (i = 0; next && i < cur->partner_cnt; i++) {
                const bp_partner_state_t *a = &cur->partners[i];
                const bp_partner_state_t *b =
                    bp_freelancer_partner(next, a->partner_id);
                bool held_next = b && b->held;
                if (a->held == held_next)
                        continue;
                w->err = a->held ? add_change(w, next, b ? b : a, 1)
                                 : add_change(w, cur, a, 0);
                if (w->err)
                        return 1;
        }
        return 0;
}

static int change_cmp(const void *x, const void *y) {
        const change_t *a = x, *b = y;
        int             c = strcmp(a->freelancer_id, b->freelancer_id);

        return c ? c : strcmp(a->partner_id, b->partner_id);
}

bp_err_t bp_what_if_finish(bp_what_if_t *w) {
        bp_state_map_foreach(w->map[0], compare_one, w);
        if (w->err)
                return w->err;
        if (w->change_cnt)
                qsort(w->changes, w->change_cnt, sizeof(*w->changes),
                      change_cmp);
        return BP_OK;
}

/* Counts per partner, sorted by partner_id, into tally. */
static bp_err_t count_partners(const bp_what_if_t *w, bp_tally_t *tally) {
        bp_err_t err = BP_OK;
        size_t   i;

        for (i = 0; !err && i < w->change_cnt; i++)
                err = bp_tally_add(tally, w->changes[i].partner_id,
                                   !w->changes[i].granted);
        return err;
}

static void count_reasons(const bp_what_if_t *w, size_t n[][2]) {
        size_t i;
        int    code;

        memset(n, 0, sizeof(size_t) * 2 * BP_REASON__CNT);
        for (i = 0; i < w->change_cnt; i++)
                for (code = 0; code < BP_REASON__CNT; code++)
                        if (w->changes[i].reasons & (1u << code))
                                n[code][w->changes[i].granted ? 0 : 1]++;
}

/* "CODE, CODE" */
static bp_err_t put_codes(bp_buf_t *out, uint32_t reasons) {
        bp_err_t err = BP_OK;
        int      code, k = 0;

        for (code = 0; !err && code < BP_REASON__CNT; code++)
                if (reasons & (1u << code))
                        err = bp_buf_printf(
                            out, "%s%s", k++ ? ", " : "",
                            bp_reason_code_name((bp_reason_code_t)code));
        return err;
}

static bp_err_t report_text(const bp_what_if_t *w, const bp_tally_t *pc,
                            size_t rc[][2], bp_buf_t *out) {
        char     t[BP_TIME_TEXT_SIZE];
        size_t   i;
        bp_err_t err = bp_buf_printf(
            out,
            "what-if: rules %s (current) -> %s (new), %" PRIu64
            " events up to %s\n\n  newly granted %6zu\n  newly revoked "
            "%6zu\n\n  %-24s %8s %8s\n",
            w->rules[0]->version, w->rules[1]->version, w->applied,
            w->end == BP_TIME_NONE ? "-" : bp_time_format(w->end, t, sizeof(t)),
            w->granted, w->revoked, "by partner", "granted", "revoked");

        for (i = 0; !err && i < pc->cnt; i++)
                err = bp_buf_printf(out, "  %-24s %8zu %8zu\n",
                                    pc->rows[i].partner_id, pc->rows[i].n[0],
                                    pc->rows[i].n[1]);
        err = err ? err
                  : bp_buf_printf(out, "\n  %-24s %8s %8s\n", "by reason",
                                  "lifted", "revoked");
        for (i = 0; !err && i < BP_REASON__CNT; i++)
                if (rc[i][0] || rc[i][1])
                        err = bp_buf_printf(
                            out, "  %-24s %8zu %8zu\n",
                            bp_reason_code_name((bp_reason_code_t)i), rc[i][0],
                            rc[i][1]);
        if (!err && w->change_cnt)
                err = bp_buf_append_str(out, "\nchanges:\n");
        for (i = 0; !err && i < w->change_cnt; i++) {
                const change_t *c = &w->changes[i];
                err               = bp_buf_printf(out, "  %s  %-12s %-20s %s",
                                    c->granted ? "GRANTED" : "REVOKED",
                                                  c->freelancer_id, c->badge_id,
                                    c->granted ? "current rules fail: "
                                                             : "new rules fail: ");
                err               = err ? err : put_codes(out, c->reasons);
                err               = err ? err : bp_buf_append_byte(out, '\n');
        }
        return err;
}

static bp_err_t report_json(const bp_what_if_t *w, const bp_tally_t *pc,
                            size_t rc[][2], bp_buf_t *out) {
        size_t   i, k = 0;
        bp_err_t err = bp_buf_printf(
            out,
            "{\"current_rules\":\"%s\",\"new_rules\":\"%s\",\"events\":%" PRIu64
            ",\"end_of_history\":%" PRId64
            ",\"summary\":{\"newly_granted\":%zu,"
            "\"newly_revoked\":%zu},\"by_partner\":[",
            w->rules[0]->version, w->rules[1]->version, w->applied,
            w->end == BP_TIME_NONE ? 0 : w->end, w->granted, w->revoked);

        for (i = 0; !err && i < pc->cnt; i++) {
                err = bp_buf_append_str(out, i ? ",{\"partner_id\":"
                                               : "{\"partner_id\":");
                err = err ? err
                          : bp_jsonl_put_string(out, pc->rows[i].partner_id);
                err = err ? err
                          : bp_buf_printf(out,
                                          ",\"newly_granted\":%zu,"
                                          "\"newly_revoked\":%zu}",
                                          pc->rows[i].n[0], pc->rows[i].n[1]);
        }
        err = err ? err : bp_buf_append_str(out, "],\"by_reason\":[");
        for (i = 0; !err && i < BP_REASON__CNT; i++)
                if (rc[i][0] || rc[i][1])
                        err = bp_buf_printf(
                            out,
                            "%s{\"code\":\"%s\",\"newly_granted\":%zu,"
                            "\"newly_revoked\":%zu}",
                            k++ ? "," : "",
                            bp_reason_code_name((bp_reason_code_t)i), rc[i][0],
                            rc[i][1]);
        err = err ? err : bp_buf_append_str(out, "],\"changes\":[");
        for (i = 0; !err && i < w->change_cnt; i++) {
                const change_t *c = &w->changes[i];
                err = bp_buf_append_str(out, i ? ",{\"freelancer_id\":"
                                               : "{\"freelancer_id\":");
                err = err ? err : bp_jsonl_put_string(out, c->freelancer_id);
                err = err ? err : bp_buf_append_str(out, ",\"partner_id\":");
                err = err ? err : bp_jsonl_put_string(out, c->partner_id);
                err = err ? err : bp_buf_append_str(out, ",\"badge_id\":");
                err = err ? err : bp_jsonl_put_string(out, c->badge_id);
                err =
                    err ? err
                        : bp_buf_printf(out, ",\"change\":\"%s\",\"reasons\":",
                                        c->granted ? "granted" : "revoked");
                err = err ? err : bp_eval_json_failing(out, c->reasons);
                err = err ? err : bp_buf_append_byte(out, '}');
        }
        return err ? err : bp_buf_append_str(out, "]}\n");
}

bp_err_t bp_what_if_report(const bp_what_if_t *w, int json, bp_buf_t *out) {
        size_t     rc[BP_REASON__CNT][2];
        bp_tally_t pc  = {0};
        bp_err_t   err = count_partners(w, &pc);

        count_reasons(w, rc);
        if (!err)
                err = json ? report_json(w, &pc, rc, out)
                           : report_text(w, &pc, rc, out);
        bp_tally_clear(&pc);
        return err;
}
