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

/**
 * Compiles a plan for writer (not retained: the plan copies what it needs).
 * NULL with errstr set when the schema uses something unsupported.
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
 * certifications[0].certification_id".
 */
bp_err_t bp_avro_plan_validate(const bp_avro_plan_t *plan, const uint8_t *body,
                               size_t len, char *errstr, size_t errstr_size);

#endif
