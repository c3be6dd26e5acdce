/*
 * bp_explain.c - the explainer's state and flow (see bp_explain.h).
 *
 * Each event of the freelancer is applied with bp_engine_apply() exactly
 * as replay and the runtime apply it, so the timeline shows the badge
 * events the service published, not a re-derivation of them. Evaluations
 * shown in the timeline are made again with bp_eval_partner() at the
 * event's time: a pure function of the state, so for the partners the
 * engine evaluated they are the ones it made, and for the others (no
 * invitation or no selection yet) they say why the badge cannot be held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_engine.h"
#include "bp_eval_json.h"
#include "bp_explain_int.h"
#include "bp_tool.h"

bp_explain_t *bp_explain_new(const bp_explain_conf_t *conf) {
        bp_explain_t *x = calloc(1, sizeof(*x));

        if (!x)
                return NULL;
        x->conf    = *conf;
        x->at_last = BP_TIME_NONE;
        x->fl      = bp_freelancer_new(conf->freelancer_id);
        x->at_fl   = bp_freelancer_new(conf->freelancer_id);
        if (!x->fl || !x->at_fl)
                goto fail;
        if (bp_badge_events_init(&x->events) != BP_OK)
                goto fail;
        x->events_ok = true;
        if (bp_badge_events_init(&x->at_events) != BP_OK)
                goto fail;
        x->at_events_ok = true;
        return x;
fail:
        bp_explain_destroy(x);
        return NULL;
}

void bp_explain_destroy(bp_explain_t *x) {
        size_t i;

        if (!x)
                return;
        bp_freelancer_destroy(x->fl);
        bp_freelancer_destroy(x->at_fl);
        if (x->events_ok)
                bp_badge_events_destroy(&x->events);
        if (x->at_events_ok)
                bp_badge_events_destroy(&x->at_events);
        for (i = 0; i < x->since_cnt; i++)
                free(x->since[i].partner_id);
        free(x->since);
        free(x);
}

uint64_t bp_explain_event_count(const bp_explain_t *x) {
        return x->applied;
}

const bp_explain_since_t *bp_explain_since(const bp_explain_t *x,
                                           const char         *partner_id) {
        size_t i;

        for (i = 0; i < x->since_cnt; i++)
                if (!strcmp(x->since[i].partner_id, partner_id))
                        return &x->since[i];
        return NULL;
}

/* Records the --at state's badge changes, for "held since". */
static bp_err_t note_since(bp_explain_t *x) {
        size_t i;

        for (i = 0; i < x->at_events.cnt; i++) {
                const bp_badge_event_t *be = &x->at_events.items[i];
                bp_explain_since_t     *s =
                    (bp_explain_since_t *)bp_explain_since(x, be->partner_id);
                if (!s) {
                        s = realloc(x->since,
                                    (x->since_cnt + 1) * sizeof(*x->since));
                        if (!s)
                                return BP_ERR_NOMEM;
                        x->since = s;
                        s        = &x->since[x->since_cnt];
                        if (!(s->partner_id = strdup(be->partner_id)))
                                return BP_ERR_NOMEM;
                        x->since_cnt++;
                }
                s->at            = be->occurred_at;
                s->badge_version = be->badge_version;
                s->kind          = be->kind;
        }
        bp_badge_events_clear(&x->at_events);
        return BP_OK;
}

bool bp_explain_pair(const bp_explain_t *x, const bp_freelancer_t *fl,
                     size_t idx, int64_t at, const bp_badge_events_t *published,
                     bp_explain_pair_t *pair) {
        const char               *pid = x->conf.partner_id;
        const bp_partner_rules_t *prules;
        size_t                    i;

        if (pid ? idx > 0 : idx >= fl->partner_cnt)
                return false;
        pair->ps = pid ? bp_freelancer_partner(fl, pid) : &fl->partners[idx];
        if (!pair->ps) {
                memset(&pair->blank, 0, sizeof(pair->blank));
                pair->blank.partner_id = (char *)pid;
                pair->blank.invited_at = BP_TIME_NONE;
                pair->blank.decision   = BP_DECISION_NONE;
                pair->ps               = &pair->blank;
        }
        prules = bp_rules_partner(x->conf.rules, pair->ps->partner_id);
        bp_tool_badge_id(x->conf.rules, pair->ps->partner_id, pair->badge_id,
                         sizeof(pair->badge_id));
        bp_eval_partner(x->conf.rules, prules, fl, pair->ps, at, &pair->eval);
        bp_eval_json_fill_thresholds(&pair->eval, &x->conf.rules->platform);
        pair->published = NULL;
        for (i = 0; published && i < published->cnt; i++)
                if (!strcmp(published->items[i].partner_id,
                            pair->ps->partner_id))
                        pair->published = &published->items[i];
        return true;
}

/* The --at state takes the events that had occurred by then. */
static bp_err_t apply_at(bp_explain_t *x, const bp_event_t *ev,
                         const bp_cause_t *cause) {
        bp_err_t err;

        if (x->conf.at == BP_TIME_NONE || ev->occurred_at > x->conf.at)
                return BP_OK;
        err = bp_engine_apply(x->conf.rules, x->at_fl, ev, cause, &x->at_events,
                              NULL);
        if (err)
                return err;
        x->at_applied++;
        if (x->at_last == BP_TIME_NONE || ev->occurred_at > x->at_last)
                x->at_last = ev->occurred_at;
        return note_since(x);
}

static bp_err_t header(bp_explain_t *x, bp_buf_t *out) {
        x->started = true;
        return x->conf.json ? bp_explain_json_header(x, out)
                            : bp_explain_text_header(x, out);
}

bp_err_t bp_explain_event(bp_explain_t *x, const bp_event_t *ev,
                          const bp_cause_t *cause, bp_buf_t *out) {
        bool     changed = false;
        bp_err_t err;

        if (!x->started && (err = header(x, out)))
                return err;
        if (strcmp(ev->freelancer_id, x->conf.freelancer_id) != 0)
                return BP_OK;
        bp_badge_events_clear(&x->events);
        x->refusal[0] = '\0';
        err = bp_engine_apply(x->conf.rules, x->fl, ev, cause, &x->events,
                              &changed);
        if (err == BP_ERR_TOO_LARGE) {
                /* Nothing changed: shown as refused, not applied at --at
                 * either (the state is the same there or smaller). */
                bp_engine_refusal(x->fl, ev, x->refusal, sizeof(x->refusal));
                changed = false;
        } else if (err || (err = apply_at(x, ev, cause))) {
                return err;
        }
        x->applied++;
        return x->conf.json ? bp_explain_json_entry(x, ev, cause, changed, out)
                            : bp_explain_text_entry(x, ev, cause, changed, out);
}

bp_err_t bp_explain_finish(bp_explain_t *x, bp_buf_t *out) {
        bp_err_t err;

        if (!x->started && (err = header(x, out)))
                return err;
        return x->conf.json ? bp_explain_json_end(x, out)
                            : bp_explain_text_at(x, out);
}
