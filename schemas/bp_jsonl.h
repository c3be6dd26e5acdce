/*
 * bp_jsonl.h - the JSON Lines form of EVENTS.md: one event per line.
 *
 * Input events (profile-updated, contract-completed, invitation-sent,
 * partner-decision) and published events (badge-granted, badge-revoked)
 * each have a reader and a writer here:
 *
 *   bp_jsonl_parser_parse()    line -> bp_event_t        (replay input)
 *   bp_jsonl_write_event()     bp_event_t -> line        (tools, generator)
 *   bp_jsonl_write_badge()     bp_badge_event_t -> line  (replay output)
 *   bp_jsonl_parse_badge()     line -> bp_badge_event_t  (audit tooling)
 *
 * Reading is strict where the contract is precise and lenient where it
 * promises to evolve: a line is rejected, with a message naming the field,
 * for bad JSON, an unknown type, a missing required field, a value of the
 * wrong JSON type, an integer that does not fit its field, a list longer
 * than BP_LIST_MAX or a value outside its range (bp_event_check()). Fields
 * the reader does not know are ignored, because EVENTS.md allows new
 * optional fields to be added. Nullable fields may be null or absent.
 * Duplicate keys in one object are rejected: which one would win is not
 * something a producer should have to guess.
 *
 * Writers produce byte-deterministic output: a fixed field order, no
 * spaces, integers in decimal, doubles in the shortest form that reads
 * back to the same value, strings escaped as JSON requires (quote,
 * backslash and control characters; valid UTF-8 is passed through and
 * each byte of an invalid sequence becomes U+FFFD).
 */
#ifndef BP_JSONL_H
#define BP_JSONL_H

#include <stddef.h>

#include "bp_arena.h"
#include "bp_badge_event.h"
#include "bp_buf.h"
#include "bp_error.h"
#include "bp_event.h"
#include "bp_state.h"

/** A reader of input event lines; keeps the last line's document alive so
 *  that the event it produced can borrow its strings. */
typedef struct bp_jsonl_parser_s bp_jsonl_parser_t;

/** Creates a parser. NULL on ENOMEM. */
bp_jsonl_parser_t *bp_jsonl_parser_new(void);

/** Frees parser and the last event's data. NULL is a no-op. */
void bp_jsonl_parser_destroy(bp_jsonl_parser_t *parser);

/**
 * Parses one input event from the len bytes at line (no NUL needed; a
 * trailing newline is allowed but not required) into *ev, then checks it
 * with bp_event_check().
 *
 * The strings and arrays *ev points to are borrowed from parser and stay
 * valid until the next parse call or _destroy() on it; the line itself
 * may be freed as soon as the call returns. The parser's buffers grow to
 * fit the longest line seen (about 40 bytes per JSON value); after that
 * nothing is allocated per call.
 *
 * Returns BP_OK, or with a one-line message in errstr:
 *  - BP_ERR_PARSE: not JSON ("invalid JSON at column 17: ...", worded by
 *    jansson, its column counting characters from 1), or not an object;
 *  - BP_ERR_INVALID: unknown type, missing field, wrong JSON type,
 *    integer that does not fit, list too long, value out of range;
 *  - BP_ERR_NOMEM.
 * On error *ev is unspecified.
 */
bp_err_t bp_jsonl_parser_parse(bp_jsonl_parser_t *parser, const char *line,
                               size_t len, bp_event_t *ev, char *errstr,
                               size_t errstr_size);

/**
 * Appends ev to buf as one line of the input form, newline included:
 * "type" first, then event_id, freelancer_id, occurred_at and the type's
 * fields in EVENTS.md order, with null for absent nullable fields. ev is
 * written as it is (not checked); a line written from an event that
 * passes bp_event_check() parses back to an equal event.
 *
 * Returns BP_OK, BP_ERR_INVALID for an event the form cannot carry (an
 * unknown type or enum value, a NULL required string, a feedback score
 * that is not finite), or BP_ERR_NOMEM; on error buf keeps its length.
 */
bp_err_t bp_jsonl_write_event(bp_buf_t *buf, const bp_event_t *ev);

/**
 * Appends ev to buf as one badge-granted or badge-revoked line, newline
 * included, with the fields in EVENTS.md order: type, event_id,
 * freelancer_id, partner_id, badge_id, occurred_at, badge_version, basis
 * (granted only), reasons [{code, detail}] (revoked only), cause
 * {event_id, topic, partition, offset}, rules_version.
 *
 * Returns BP_OK, BP_ERR_INVALID (unknown kind, basis or reason code, a NULL
 * string, reason_cnt over BP_REASON__CNT) or BP_ERR_NOMEM; on error buf
 * keeps its length.
 */
bp_err_t bp_jsonl_write_badge(bp_buf_t *buf, const bp_badge_event_t *ev);

/**
 * Parses one badge-granted or badge-revoked line into *ev, reusing
 * parser's buffers (which ends the life of the event the last
 * bp_jsonl_parser_parse() on it returned).
 * Its strings are copied into arena and live as long as the arena's
 * memory; the line may be freed when the call returns. Unknown fields are
 * ignored; event_id longer than BP_BADGE_EVENT_ID_SIZE - 1 bytes, a reason
 * detail longer than BP_DETAIL_SIZE - 1, or more reasons than
 * BP_REASON__CNT are rejected.
 *
 * Returns BP_OK, BP_ERR_PARSE, BP_ERR_INVALID or BP_ERR_NOMEM with a
 * message in errstr, as bp_jsonl_parser_parse() does.
 */
bp_err_t bp_jsonl_parse_badge(bp_jsonl_parser_t *parser, const char *line,
                              size_t len, bp_arena_t *arena,
                              bp_badge_event_t *ev, char *errstr,
                              size_t errstr_size);

/**
 * Appends fl to buf as one JSON line, newline included: freelancer_id,
 * profile (null when none), contract_hashes (hex), skills, partners, in
 * the state's own orders (bp_state.h), so equal states give equal bytes.
 * For `badgeproc state dump` and `replay --state-out`.
 *
 * Returns BP_OK, BP_ERR_INVALID (no freelancer_id, a feedback sum that is
 * not finite) or BP_ERR_NOMEM; on error buf keeps its length.
 */
bp_err_t bp_jsonl_write_state(bp_buf_t *buf, const bp_freelancer_t *fl);

/**
 * Appends s as a JSON string, quotes included (escaping as described at
 * the top of this file). Returns BP_OK or BP_ERR_NOMEM; on error buf
 * keeps its length. Exposed for other writers of JSON output.
 */
bp_err_t bp_jsonl_put_string(bp_buf_t *buf, const char *s);

#endif
