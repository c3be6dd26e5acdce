/*
 * engine_script.h - a tiny step language for engine tests.
 *
 * A test case is a list of steps, one event each, written the way a
 * person would tell the story:
 *   "inv acme"                         invitation from acme
 *   "sel acme" / "nsel acme"           SELECTED / NOT_SELECTED by acme
 *   "rem acme" / "remp acme why"       REMOVED by the partner / platform
 *   "prof jss=75 comp=95 cert=x:5000"  a profile snapshot: every field has
 *                                      a qualifying default; v= (version)
 *                                      defaults to one more than the last
 *   "con c1 acme-crm,other 4.5"        a completed contract (feedback
 *                                      optional)
 *   "dup"                              the previous event, sent again
 *   "@12000 ..."                       a prefix setting occurred_at
 * Times default to 1000 ms after the previous step. Every published event
 * is rendered as "+partner BASIS v1" or "-partner CODE,CODE v2" so that a
 * case's expected output is one short string per event.
 */
#ifndef ENGINE_SCRIPT_H
#define ENGINE_SCRIPT_H

#include <stddef.h>

#include "bp_badge_event.h"
#include "bp_rules.h"
#include "bp_state.h"

/** The freelancer every script step is about. */
#define SCRIPT_FREELANCER "f1"

typedef struct script_s script_t;

/** Starts a script run against rules (borrowed) and fl (borrowed). */
script_t *script_new(const bp_rules_t *rules, bp_freelancer_t *fl);
void      script_destroy(script_t *s);

/**
 * Runs one step; appends the rendered published events, space separated,
 * to the script's output. Fails the test (cmocka) on a malformed step.
 */
void script_step(script_t *s, const char *step);

/** Everything published so far, rendered, space separated. */
const char *script_output(const script_t *s);

/** The raw events published by the last step (valid until the next). */
const bp_badge_events_t *script_last_events(const script_t *s);

/** Renders one badge event the way script_output() does. */
void script_render(const bp_badge_event_t *ev, char *buf, size_t size);

#endif
