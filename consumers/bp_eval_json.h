/*
 * bp_eval_json.h - an evaluation's checks in words and in JSON, for the
 * people and programs that ask why a badge is (not) held.
 *
 * bp_eval_partner() records each requirement as numbers (bp_eval.h). The
 * explain command, the decision log and what-if show them: each check has
 * a short name ("jss", "certification"), the rule that asked for it
 * ("platform", "exception", "partner", "badge"), the value seen and the
 * value required as text ("75", ">= 80", "PUBLIC"), and bp_check_detail()'s
 * sentence. In JSON a check is
 *   {"check":"jss","source":"platform","code":"JSS_BELOW_MIN","pass":false,
 *    "value":75,"required":">= 80","detail":"jss 75 < 80"}
 * with "value" a number for counts and scores, a string for enum values
 * (account status, visibility, english level, decision) and null when the
 * state has no value yet. Output is byte-deterministic.
 */
#ifndef BP_EVAL_JSON_H
#define BP_EVAL_JSON_H

#include <stddef.h>

#include "bp_badge_event.h"
#include "bp_buf.h"
#include "bp_eval.h"
#include "bp_rules.h"
#include "bp_state.h"

/** "invited", "decision", "account", "jss_present", "jss",
 *  "completeness", "visibility", "english", "certification", "contracts",
 *  "feedback"; "?" out of range. */
const char *bp_check_kind_name(bp_check_kind_t kind);

/** "badge", "platform", "exception", "partner"; "?" out of range. */
const char *bp_check_source_name(bp_check_source_t source);

/** The value c saw, as text ("75", "PUBLIC", "unknown"). Returns buf. */
const char *bp_check_value_text(const bp_check_t *c, char *buf, size_t size);

/** What c required, as text (">= 80", "PUBLIC", "SELECTED"). Returns
 *  buf. */
const char *bp_check_required_text(const bp_check_t *c, char *buf, size_t size);

/**
 * Appends eval's checks to buf as a JSON array (no newline), each as
 * described above; ps gives the details their partner name. BP_OK or
 * BP_ERR_NOMEM (buf then keeps its length).
 */
bp_err_t bp_eval_json_checks(bp_buf_t *buf, const bp_evaluation_t *eval,
                             const bp_partner_state_t *ps);

/**
 * Fills the thresholds an evaluation of a freelancer without a profile
 * leaves at 0 (completeness, english, the platform's JSS) from the
 * platform rules, so that "required" shows what the rules ask rather than
 * 0. Display only: pass/fail and reasons are unchanged.
 */
void bp_eval_json_fill_thresholds(bp_evaluation_t           *eval,
                                  const bp_platform_rules_t *pr);

/** Appends the reason codes set in failing (bit i = code i), in report
 *  order, as a JSON array of strings. BP_OK or BP_ERR_NOMEM. */
bp_err_t bp_eval_json_failing(bp_buf_t *buf, uint32_t failing);

/**
 * Appends the decision behind badge event ev as one JSON line, newline
 * included:
 *   {"type":"badge-decision","event_id","kind","freelancer_id",
 *    "partner_id","badge_id","badge_version","occurred_at","basis"
 *    (granted only),"rules_version","cause":{...},"holds","failing":[codes],
 *    "checks":[...]}
 * The evaluation is made again with bp_eval_partner() on fl, which must be
 * the state the engine left right after publishing ev (evaluation is a
 * pure function of state, rules and time, so it is the one the engine
 * made). BP_OK, BP_ERR_NOT_FOUND when fl has no entry for ev's partner,
 * BP_ERR_NOMEM; on error buf keeps its length.
 */
bp_err_t bp_eval_json_decision(bp_buf_t *buf, const bp_rules_t *rules,
                               const bp_freelancer_t  *fl,
                               const bp_badge_event_t *ev);

#endif
