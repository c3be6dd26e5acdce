/*
 * test_jsonl.h - what the two source files of test_jsonl share.
 */
#ifndef TEST_JSONL_H
#define TEST_JSONL_H

#include "bp_badge_event.h"

/** Fills a granted and a revoked event whose strings are literals. */
void test_make_badges(bp_badge_event_t *granted, bp_badge_event_t *revoked);

/* test_jsonl_roundtrip.c */
void test_roundtrip_events(void **state);
void test_roundtrip_badges(void **state);
void test_parse_badge_errors(void **state);

#endif
