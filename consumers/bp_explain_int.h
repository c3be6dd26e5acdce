/*
 * bp_explain_int.h - the explainer's state and its two renderings
 * (bp_explain.c: state and flow; bp_explain_text.c: text;
 * bp_explain_json.c: JSON). Not for other modules.
 */
#ifndef BP_EXPLAIN_INT_H
#define BP_EXPLAIN_INT_H

#include "bp_badge_event.h"
#include "bp_eval.h"
#include "bp_explain.h"
#include "bp_state.h"

/** The last badge change of one partner in the --at state. */
typedef struct bp_explain_since_s {
        char           *partner_id;
        int64_t         at;
        int64_t         badge_version;
        bp_badge_kind_t kind;
} bp_explain_since_t;

struct bp_explain_s {
        bp_explain_conf_t   conf;
        bp_freelancer_t    *fl;    /* every event of the freelancer */
        bp_freelancer_t    *at_fl; /* those that occurred by conf.at */
        bp_badge_events_t   events, at_events;
        bp_explain_since_t *since;
        size_t              since_cnt;
        uint64_t            applied, at_applied;
        int64_t             at_last; /* latest occurred_at in at_fl */
        /* Why the engine refused the event being written (a state
         * limit, as `run` dead-letters it); empty when it did not. */
        char refusal[256];
        bool started; /* header written */
        bool events_ok, at_events_ok;
};

/** One partner in scope, evaluated. */
typedef struct bp_explain_pair_s {
        const bp_partner_state_t *ps;    /* fl's entry, or &blank */
        bp_partner_state_t        blank; /* never invited nor decided */
        char                      badge_id[BP_ID_MAX + 8];
        bp_evaluation_t           eval;
        const bp_badge_event_t   *published; /* for it, or NULL */
} bp_explain_pair_t;

/**
 * Fills *pair with the idx-th partner in scope of fl (the --partner one,
 * or fl's idx-th partner) evaluated at time at, with the event of
 * published (may be NULL) that concerns it. false when idx is past the
 * scope.
 */
bool bp_explain_pair(const bp_explain_t *x, const bp_freelancer_t *fl,
                     size_t idx, int64_t at, const bp_badge_events_t *published,
                     bp_explain_pair_t *pair);

/** The --at state's last change of partner_id, or NULL. */
const bp_explain_since_t *bp_explain_since(const bp_explain_t *x,
                                           const char         *partner_id);

/* Text rendering (bp_explain_text.c). */
bp_err_t bp_explain_text_header(const bp_explain_t *x, bp_buf_t *out);
bp_err_t bp_explain_text_entry(const bp_explain_t *x, const bp_event_t *ev,
                               const bp_cause_t *cause, bool changed,
                               bp_buf_t *out);
bp_err_t bp_explain_text_at(const bp_explain_t *x, bp_buf_t *out);

/* JSON rendering (bp_explain_json.c). */
bp_err_t bp_explain_json_header(const bp_explain_t *x, bp_buf_t *out);
bp_err_t bp_explain_json_entry(const bp_explain_t *x, const bp_event_t *ev,
                               const bp_cause_t *cause, bool changed,
                               bp_buf_t *out);
bp_err_t bp_explain_json_end(const bp_explain_t *x, bp_buf_t *out);

#endif
