/*
 * bp_test_avro.h - helpers shared by the Avro validation tests: test
 * schemas written inline as JSON, a tiny hand encoder for bodies, and
 * avro-c's own reader as the referee of what a body really holds.
 */
#ifndef BP_TEST_AVRO_H
#define BP_TEST_AVRO_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>

/* Test schemas, by index into bp_test_schema_json[]. */
enum {
        BP_TS_PROFILE,  /* ProfileUpdated as EVENTS.md describes it */
        BP_TS_CONTRACT, /* ContractCompleted */
        BP_TS_DECISION, /* PartnerDecision */
        BP_TS_KITCHEN,  /* every Avro type once */
        BP_TS_TREE,     /* a recursive record: children array<Tree> */
        BP_TS_LIST,     /* a recursive record: next ["null", List] */
        BP_TS_NULLS,    /* array<null>: items that take no bytes */
        BP_TS_STRING,   /* a bare string */
        BP_TS_COUNT
};

extern const char *const bp_test_schema_json[BP_TS_COUNT];

/** Parses test schema i; fails the test when avro-c refuses it. */
avro_schema_t bp_test_schema(int i);

/** Compiles a validation plan for schema; fails the test if it cannot. */
struct bp_avro_plan_s *bp_test_plan(avro_schema_t schema);

/** A body under construction (fixed capacity: tests only). */
typedef struct bp_tbuf_s {
        uint8_t b[8192];
        size_t  n;
} bp_tbuf_t;

void bp_tbuf_long(bp_tbuf_t *t, int64_t v);
void bp_tbuf_str(bp_tbuf_t *t, const char *s);
void bp_tbuf_raw(bp_tbuf_t *t, const void *p, size_t n);
void bp_tbuf_double(bp_tbuf_t *t, double d);

/** A valid ProfileUpdated body with ncerts certifications. */
void bp_test_profile_body(bp_tbuf_t *t, int ncerts);
/** A valid body of test schema i (several shapes via variant). */
void bp_test_valid_body(int i, int variant, bp_tbuf_t *t);

/**
 * 0 when avro-c decodes body[0..len) as one value of schema into a
 * generic value and consumes exactly len bytes; else -1 with the reason
 * in why (avro_strerror or "N bytes left over").
 */
int bp_test_avro_c_decodes(avro_schema_t schema, const uint8_t *body,
                           size_t len, char *why, size_t why_size);

/** Re-encodes body with avro-c's writer into out; 0 on success. */
int bp_test_avro_c_reencode(avro_schema_t schema, const uint8_t *body,
                            size_t len, bp_tbuf_t *out);

/** Bytes the allocator has handed out and not got back (ASan-aware). */
size_t bp_test_heap_in_use(void);
/** Which measure bp_test_heap_in_use uses, for the test log. */
const char *bp_test_heap_measure(void);

/** xorshift64*: the same sequence on every machine for a seed. */
uint64_t bp_test_rand(uint64_t *state);

/** A codec over the schema map of the source tree ($BP_SRC, or ".." from
 *  the build directory); fails the test when it cannot be made. */
struct bp_codec_s *bp_test_codec(void);

/** Applies 1..4 random edits to t, bounded by its capacity: bit flips,
 *  chosen and random bytes, truncation, extension, insertion, deletion,
 *  a planted big varint. */
void bp_test_mutate(bp_tbuf_t *t, uint64_t *rng);

#endif
