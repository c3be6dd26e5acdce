/*
 * bp_what_if.h - history replayed under two rule sets side by side, and
 * the badges whose holder would change at the end of it.
 *
 * Every event goes through the engine twice, once per rule set, each with
 * its own in-memory state. At the end, each (freelancer, partner) pair
 * whose badge is held under one set and not the other is a change:
 *  - newly granted: held under the new rules only; its reasons are the
 *    requirements the current rules fail on (what the change lifts);
 *  - newly revoked: held under the current rules only; its reasons are
 *    the requirements the new rules fail on.
 * Reasons are evaluated at the end of history (the latest occurred_at
 * replayed), as a revocation would list them: every failing code.
 */
#ifndef BP_WHAT_IF_H
#define BP_WHAT_IF_H

#include <stddef.h>
#include <stdint.h>

#include "bp_buf.h"
#include "bp_event.h"
#include "bp_rules.h"

typedef struct bp_what_if_s bp_what_if_t;

/** Creates a comparison of rules cur and next (borrowed, must outlive
 *  it). NULL on ENOMEM. */
bp_what_if_t *bp_what_if_new(const bp_rules_t *cur, const bp_rules_t *next);

/** Frees w. NULL is a no-op. */
void bp_what_if_destroy(bp_what_if_t *w);

/** Applies ev under both rule sets; *flp is set to the freelancer's
 *  state (of the current rules' side). BP_OK, BP_ERR_TOO_LARGE when the
 *  engine refused the event (a state limit: bp_tool_refuse()), or
 *  BP_ERR_NOMEM. */
bp_err_t bp_what_if_apply(bp_what_if_t *w, const bp_event_t *ev,
                          const bp_cause_t *cause, bp_freelancer_t **flp);

/** Finds the changes (call once, after the last event). BP_OK or
 *  BP_ERR_NOMEM. */
bp_err_t bp_what_if_finish(bp_what_if_t *w);

/** Changes found: newly granted and newly revoked. */
size_t bp_what_if_granted(const bp_what_if_t *w);
size_t bp_what_if_revoked(const bp_what_if_t *w);

/**
 * Appends the report: text (a summary, counts per partner and per reason,
 * then every change sorted by freelancer and partner) or one JSON
 * document:
 *   {"current_rules","new_rules","events","end_of_history","summary":{
 *    "newly_granted","newly_revoked"},"by_partner":[{"partner_id",
 *    "newly_granted","newly_revoked"}],"by_reason":[{"code",
 *    "newly_granted","newly_revoked"}],"changes":[{"freelancer_id",
 *    "partner_id","badge_id","change":"granted"|"revoked","reasons":[...]}]}
 * BP_OK or BP_ERR_NOMEM.
 */
bp_err_t bp_what_if_report(const bp_what_if_t *w, int json, bp_buf_t *out);

#endif
