/*
 * bp_avro_validate.h - a bounded walk of an Avro body before avro-c sees it.
 *
 * avro-c 1.11.1 allocates whatever length a message claims before checking
 * it against the bytes that remain, so a few hostile bytes can make it
 * allocate gigabytes or loop for seconds. A plan is compiled once per
 * writer schema; validating a body walks it against the plan and rejects
 * it when any string/bytes length, array or map block count, or union
 * index does not fit the bytes that remain, when nesting or total item
 * counts exceed fixed bounds, or when the body is longer or shorter than
 * one datum. Validation allocates nothing.
 */
#ifndef BP_AVRO_VALIDATE_H
#define BP_AVRO_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#include "bp_error.h"

typedef struct bp_avro_plan_s bp_avro_plan_t;

/* Bounds of one validation (per datum, i.e. per Kafka record). */
#define BP_AVRO_MAX_DEPTH 64          /* nested records, arrays and maps */
#define BP_AVRO_MAX_ITEMS 1000000     /* array and map items, all blocks */
#define BP_AVRO_MAX_EMPTY_ITEMS 65536 /* items whose type takes no bytes */
#define BP_AVRO_MAX_STEPS 10000000    /* values and fields visited */

/* Bounds of one plan: writer schemas come from outside too. */
#define BP_AVRO_MAX_SCHEMA_DEPTH 128
#define BP_AVRO_MAX_OPS 65536

/**
 * Compiles a plan for writer (not retained: the plan copies what it needs).
 * Named types referred to again, recursion included, share one compiled
 * copy. NULL with errstr set when the schema is NULL, uses something
 * unsupported, nests deeper than BP_AVRO_MAX_SCHEMA_DEPTH or needs more
 * than BP_AVRO_MAX_OPS ops, or memory runs out. A plan is immutable:
 * threads may validate with one plan at once.
 */
bp_avro_plan_t *bp_avro_plan_new(avro_schema_t writer, char *errstr,
                                 size_t errstr_size);

/** Frees plan. NULL is a no-op. */
void bp_avro_plan_destroy(bp_avro_plan_t *plan);

/**
 * Returns BP_OK when body[0..len) is exactly one datum of the plan's
 * schema; otherwise BP_ERR_INVALID (or BP_ERR_TOO_LARGE for bound
 * violations) with a precise reason in errstr, naming the field path:
 * "string length 268435456 exceeds remaining 3 bytes at field
 * certifications[0].certification_id". errstr may be NULL when
 * errstr_size is 0; body may be NULL when len is 0.
 *
 * The reasons are stable (the dead-letter topic's `dlq.error` carries
 * them, and operators may match on them). N, R, I, K and S are decimal
 * numbers, B a byte in hex; TYPE is "string", "bytes" or "map key";
 * COLL is "array" or "map":
 *
 *   BP_ERR_INVALID
 *     "body ends inside a varint"
 *     "varint longer than 10 bytes"
 *     "varint overflows 64 bits"
 *     "int value N out of range"
 *     "negative TYPE length N"
 *     "TYPE length N exceeds remaining R bytes"
 *     "TYPE is not valid UTF-8"            (string and map key only)
 *     "TYPE contains a NUL byte"           (engine strings are C strings)
 *     "boolean byte 0xB is not 0 or 1"
 *     "float needs 4 bytes, R remain"      (double: 8; boolean: 1)
 *     "fixed of N bytes exceeds remaining R bytes"
 *     "enum index I out of range 0..K"
 *     "union index I out of range 0..K"
 *     "COLL block count N out of range"    (the count -2^63)
 *     "COLL block count N exceeds remaining R bytes"
 *     "negative COLL block size S"
 *     "COLL block size S exceeds remaining R bytes"
 *     "COLL block size S does not match the N bytes of its items"
 *     "N trailing bytes after the record" ("1 trailing byte", "the
 *                                          datum" for a non-record)
 *   BP_ERR_TOO_LARGE
 *     "COLL block count N exceeds the limit of 1000000 items"
 *     "COLL block count N exceeds the limit of 65536 items that take
 *      no bytes"
 *     "nesting deeper than 64 levels"
 *     "more than 10000000 values"
 *
 * Each is followed by " at field PATH" when the failure lies inside a
 * record field: names joined by '.', array positions as [I] and map
 * keys as ["key"] (non-printable bytes shown as '?', long keys cut).
 * Block counts and sizes are checked against the bytes that remain
 * before any item is looked at, and each item type's smallest encoding
 * (known from the schema) turns a count into a byte bound. Runs in time
 * linear in len (bounded by BP_AVRO_MAX_STEPS) and allocates nothing.
 */
bp_err_t bp_avro_plan_validate(const bp_avro_plan_t *plan, const uint8_t *body,
                               size_t len, char *errstr, size_t errstr_size);

/** 0 when s[0..n) is UTF-8 without NUL bytes, 1 when it is not UTF-8
 *  (overlong forms, surrogates and code points past U+10FFFF included),
 *  2 when it holds a NUL: the validator's string check, which the decoder
 *  (bp_resolve_exec.c) applies too. */
int bp_avro_utf8_check(const uint8_t *s, size_t n);

/**
 * Like bp_avro_plan_validate(), for a datum that other data follows (the
 * datums of an Avro container file block lie end to end, with no length
 * of their own): walks one datum from buf[0], within len bytes, and sets
 * *used to the bytes it took. The same checks and reasons, except that
 * trailing bytes are not an error. *used is meaningful on BP_OK only.
 */
bp_err_t bp_avro_plan_measure(const bp_avro_plan_t *plan, const uint8_t *buf,
                              size_t len, size_t *used, char *errstr,
                              size_t errstr_size);

#endif
