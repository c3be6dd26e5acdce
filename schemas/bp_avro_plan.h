/*
 * bp_avro_plan.h - the inside of a validation plan, shared by the schema
 * compiler (bp_avro_plan.c) and the body walker (bp_avro_validate.c).
 * Nothing outside those two files includes it.
 *
 * A plan is a flat array of ops, one per place a value can stand. Op 0 is
 * the datum itself. A record's fields are a contiguous run of ops (the
 * record is "flattened" into its field sequence) and every value of that
 * record type points at the same run, so a recursive type is a cycle of
 * op indices rather than a copy. Union branches are a run too; an array
 * or map points at the one op of its items or values.
 */
#ifndef BP_AVRO_PLAN_H
#define BP_AVRO_PLAN_H

#include <stdint.h>

#include "bp_avro_validate.h"

typedef enum bp_avro_kind_e {
        BP_AVRO_NULL,
        BP_AVRO_BOOLEAN,
        BP_AVRO_INT,
        BP_AVRO_LONG,
        BP_AVRO_FLOAT,
        BP_AVRO_DOUBLE,
        BP_AVRO_STRING,
        BP_AVRO_BYTES,
        BP_AVRO_FIXED,
        BP_AVRO_ENUM,
        BP_AVRO_RECORD,
        BP_AVRO_ARRAY,
        BP_AVRO_MAP,
        BP_AVRO_UNION
} bp_avro_kind_t;

/** One place a value can stand. 24 bytes; a typical event needs ~20. */
typedef struct bp_avro_op_s {
        uint8_t  kind;     /* bp_avro_kind_t */
        uint32_t name;     /* field name: offset + 1 in names, 0 = none */
        uint32_t child;    /* record: first field; union: first branch;
                            * array/map: the items' or values' op */
        uint32_t min_size; /* fewest bytes one value can take (a lower
                            * bound; 0 for null or an empty record) */
        int64_t n;         /* record: fields; union: branches; enum:
                            * symbols; fixed: size in bytes */
} bp_avro_op_t;

struct bp_avro_plan_s {
        bp_avro_op_t *ops; /* ops[0] is the datum */
        uint32_t      nops;
        char         *names; /* field names, each NUL-terminated */
};

#endif
