/*
 * bp_explain.h - why one freelancer did or did not hold a badge: the
 * timeline of the events that touched them, each with the evaluation of
 * every requirement, and the answer at a given time.
 *
 * The explainer keeps the freelancer's state as the engine would (states
 * of different freelancers never interact, so the other events of the
 * history do not matter) and, for each event of this freelancer, renders
 * one timeline entry: when, what, whether the state changed, and for each
 * partner in scope (one, or every partner the freelancer has dealt with)
 * the evaluation at the event's time, the badge outcome and the event
 * published. With an --at time, a second state receives only the events
 * that had occurred by then; the last section says whether each badge was
 * held at that time, since when, and which requirements held or failed.
 *
 * Two renderings: text for support staff (aligned columns, times in UTC)
 * and one JSON document for programs (bp_eval_json.h's checks, the input
 * and badge events in their EVENTS.md JSON form).
 */
#ifndef BP_EXPLAIN_H
#define BP_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "bp_buf.h"
#include "bp_event.h"
#include "bp_rules.h"

typedef struct bp_explain_s bp_explain_t;

/** What to explain. Strings are borrowed for the explainer's life. */
typedef struct bp_explain_conf_s {
        const bp_rules_t *rules;
        const char       *freelancer_id;
        const char       *partner_id; /* NULL: every partner */
        int64_t           at;         /* BP_TIME_NONE: no --at section */
        bool              json;
        const char       *source_name; /* shown in the header */
} bp_explain_conf_t;

/** Creates an explainer (conf is copied). NULL on ENOMEM. */
bp_explain_t *bp_explain_new(const bp_explain_conf_t *conf);

/** Frees x. NULL is a no-op. */
void bp_explain_destroy(bp_explain_t *x);

/**
 * Applies ev (read with cause) if it is the freelancer's, and appends its
 * timeline entry to out; other freelancers' events are ignored. BP_OK or
 * BP_ERR_NOMEM.
 */
bp_err_t bp_explain_event(bp_explain_t *x, const bp_event_t *ev,
                          const bp_cause_t *cause, bp_buf_t *out);

/**
 * Appends the end of the explanation to out: the --at answer (when asked)
 * and, in JSON, the closing of the document. Call once, after the last
 * event. BP_OK or BP_ERR_NOMEM.
 */
bp_err_t bp_explain_finish(bp_explain_t *x, bp_buf_t *out);

/** Events of the freelancer applied so far. */
uint64_t bp_explain_event_count(const bp_explain_t *x);

#endif
