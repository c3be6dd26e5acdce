/*
 * bp_avro_plan.c - compiles an avro-c writer schema into a validation plan
 * (bp_avro_plan.h describes its layout; bp_avro_validate.c walks it).
 *
 * Compiling happens once per writer schema, so it may allocate and take
 * its time; validating happens before every decode, so everything the
 * walk needs is settled here: field names for error paths are copied into
 * one pool, named references (avro-c links) are resolved to op indices,
 * and each op learns the fewest bytes one of its values can take, which
 * turns a block count into a byte bound. Writer schemas can come from a
 * registry, so the plan's own size and nesting are bounded as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_avro_plan.h"

/* A record type already given a field run: later references (and the
 * recursive ones) point at it instead of compiling it again. */
typedef struct bp_avro_named_s {
        avro_schema_t schema;
        uint32_t      run;
        uint32_t      n;
} bp_avro_named_t;

typedef struct bp_avro_build_s {
        bp_avro_op_t    *ops;
        uint32_t         nops, cap;
        char            *names;
        size_t           names_len, names_cap;
        bp_avro_named_t *named;
        size_t           nnamed, named_cap;
        char            *errstr;
        size_t           errstr_size;
} bp_avro_build_t;

/* Appends n zeroed ops; returns the index of the first, or UINT32_MAX
 * (errstr set) when the plan would grow past BP_AVRO_MAX_OPS. */
static uint32_t bp_avro_ops_add(bp_avro_build_t *b, size_t n) {
        uint32_t first = b->nops;

        if (n > BP_AVRO_MAX_OPS - b->nops) {
                snprintf(b->errstr, b->errstr_size,
                         "schema too large: more than %d values to check",
                         BP_AVRO_MAX_OPS);
                return UINT32_MAX;
        }
        if (b->nops + n > b->cap) {
                uint32_t      cap = b->cap ? b->cap : 32;
                bp_avro_op_t *ops;

                while (cap < b->nops + n)
                        cap *= 2;
                ops = realloc(b->ops, cap * sizeof(*ops));
                if (!ops) {
                        snprintf(b->errstr, b->errstr_size, "out of memory");
                        return UINT32_MAX;
                }
                b->ops = ops;
                b->cap = cap;
        }
        memset(b->ops + first, 0, n * sizeof(*b->ops));
        b->nops += (uint32_t)n;
        return first;
}

/* Copies name into the pool; returns its offset + 1, or 0 on failure. */
static uint32_t bp_avro_name_add(bp_avro_build_t *b, const char *name) {
        size_t len = strlen(name) + 1;
        size_t off = b->names_len;

        if (off + len > b->names_cap) {
                size_t cap = b->names_cap ? b->names_cap : 256;
                char  *names;

                while (cap < off + len)
                        cap *= 2;
                if (cap > UINT32_MAX - 1 || !(names = realloc(b->names, cap))) {
                        snprintf(b->errstr, b->errstr_size, "out of memory");
                        return 0;
                }
                b->names     = names;
                b->names_cap = cap;
        }
        memcpy(b->names + off, name, len);
        b->names_len += len;
        return (uint32_t)off + 1;
}

static const bp_avro_named_t *bp_avro_named_find(const bp_avro_build_t *b,
                                                 avro_schema_t schema) {
        size_t i;

        for (i = 0; i < b->nnamed; i++)
                if (b->named[i].schema == schema)
                        return &b->named[i];
        return NULL;
}

static int bp_avro_named_add(bp_avro_build_t *b, avro_schema_t schema,
                             uint32_t run, uint32_t n) {
        if (b->nnamed == b->named_cap) {
                size_t           cap = b->named_cap ? b->named_cap * 2 : 8;
                bp_avro_named_t *named;

                named = realloc(b->named, cap * sizeof(*named));
                if (!named) {
                        snprintf(b->errstr, b->errstr_size, "out of memory");
                        return -1;
                }
                b->named     = named;
                b->named_cap = cap;
        }
        b->named[b->nnamed++] = (bp_avro_named_t){schema, run, n};
        return 0;
}

static int bp_avro_compile(bp_avro_build_t *b, avro_schema_t schema,
                           uint32_t at, int depth);

/* Fills op `at` for a record: its fields become a run of ops, compiled
 * once per record type. The run is registered before the fields are
 * compiled, so a field that refers back to the record finds it. */
static int bp_avro_compile_record(bp_avro_build_t *b, avro_schema_t schema,
                                  uint32_t at, int depth) {
        const bp_avro_named_t *named = bp_avro_named_find(b, schema);
        size_t                 n, i;
        uint32_t               run;

        if (!named) {
                n   = avro_schema_record_size(schema);
                run = bp_avro_ops_add(b, n);
                if (run == UINT32_MAX ||
                    bp_avro_named_add(b, schema, run, (uint32_t)n))
                        return -1;
                for (i = 0; i < n; i++) {
                        const char *name =
                            avro_schema_record_field_name(schema, (int)i);
                        avro_schema_t field =
                            avro_schema_record_field_get_by_index(schema,
                                                                  (int)i);

                        if (!name || !field) {
                                snprintf(b->errstr, b->errstr_size,
                                         "record %s: cannot read field %zu",
                                         avro_schema_name(schema), i);
                                return -1;
                        }
                        b->ops[run + i].name = bp_avro_name_add(b, name);
                        if (!b->ops[run + i].name ||
                            bp_avro_compile(b, field, run + (uint32_t)i,
                                            depth + 1))
                                return -1;
                }
                named = bp_avro_named_find(b, schema);
        }
        b->ops[at].kind  = BP_AVRO_RECORD;
        b->ops[at].child = named->run;
        b->ops[at].n     = named->n;
        return 0;
}

/* Fills op `at` for a union: one op per branch, in a run. */
static int bp_avro_compile_union(bp_avro_build_t *b, avro_schema_t schema,
                                 uint32_t at, int depth) {
        size_t   n = avro_schema_union_size(schema), i;
        uint32_t run;

        if (n == 0) {
                snprintf(b->errstr, b->errstr_size, "union without branches");
                return -1;
        }
        if ((run = bp_avro_ops_add(b, n)) == UINT32_MAX)
                return -1;
        for (i = 0; i < n; i++) {
                avro_schema_t branch = avro_schema_union_branch(schema, (int)i);

                if (!branch ||
                    bp_avro_compile(b, branch, run + (uint32_t)i, depth + 1))
                        return -1;
        }
        b->ops[at].kind  = BP_AVRO_UNION;
        b->ops[at].child = run;
        b->ops[at].n     = (int64_t)n;
        return 0;
}

/* Fills op `at` for an array or a map: one op for the items or values. */
static int bp_avro_compile_items(bp_avro_build_t *b, avro_schema_t items,
                                 bp_avro_kind_t kind, uint32_t at, int depth) {
        uint32_t item = bp_avro_ops_add(b, 1);

        if (item == UINT32_MAX || bp_avro_compile(b, items, item, depth + 1))
                return -1;
        b->ops[at].kind  = (uint8_t)kind;
        b->ops[at].child = item;
        return 0;
}

/* Fills op `at` (already allocated, its name already set) for schema.
 * Indices, never pointers, are kept across calls: ops may move. */
static int bp_avro_compile(bp_avro_build_t *b, avro_schema_t schema,
                           uint32_t at, int depth) {
        static const uint8_t prim[] = {
            [AVRO_STRING] = BP_AVRO_STRING,   [AVRO_BYTES] = BP_AVRO_BYTES,
            [AVRO_INT32] = BP_AVRO_INT,       [AVRO_INT64] = BP_AVRO_LONG,
            [AVRO_FLOAT] = BP_AVRO_FLOAT,     [AVRO_DOUBLE] = BP_AVRO_DOUBLE,
            [AVRO_BOOLEAN] = BP_AVRO_BOOLEAN, [AVRO_NULL] = BP_AVRO_NULL};

        if (depth > BP_AVRO_MAX_SCHEMA_DEPTH) {
                snprintf(b->errstr, b->errstr_size,
                         "schema nests deeper than %d levels",
                         BP_AVRO_MAX_SCHEMA_DEPTH);
                return -1;
        }
        while (is_avro_link(schema))
                schema = avro_schema_link_target(schema);
        if (!is_avro_schema(schema)) {
                snprintf(b->errstr, b->errstr_size, "not a schema");
                return -1;
        }
        switch (avro_typeof(schema)) {
        case AVRO_STRING:
        case AVRO_BYTES:
        case AVRO_INT32:
        case AVRO_INT64:
        case AVRO_FLOAT:
        case AVRO_DOUBLE:
        case AVRO_BOOLEAN:
        case AVRO_NULL:
                b->ops[at].kind = prim[avro_typeof(schema)];
                return 0;
        case AVRO_FIXED:
                b->ops[at].kind = BP_AVRO_FIXED;
                b->ops[at].n    = avro_schema_fixed_size(schema);
                if (b->ops[at].n < 0 || b->ops[at].n > INT32_MAX) {
                        snprintf(b->errstr, b->errstr_size,
                                 "fixed %s has an impossible size",
                                 avro_schema_name(schema));
                        return -1;
                }
                return 0;
        case AVRO_ENUM:
                b->ops[at].kind = BP_AVRO_ENUM;
                b->ops[at].n    = avro_schema_enum_number_of_symbols(schema);
                return 0;
        case AVRO_RECORD:
                return bp_avro_compile_record(b, schema, at, depth);
        case AVRO_UNION:
                return bp_avro_compile_union(b, schema, at, depth);
        case AVRO_ARRAY:
                return bp_avro_compile_items(b, avro_schema_array_items(schema),
                                             BP_AVRO_ARRAY, at, depth);
        case AVRO_MAP:
                return bp_avro_compile_items(b, avro_schema_map_values(schema),
                                             BP_AVRO_MAP, at, depth);
        default:
                snprintf(b->errstr, b->errstr_size, "unsupported Avro type %d",
                         (int)avro_typeof(schema));
                return -1;
        }
}

/* The fewest bytes a value of op can take, given the current estimates
 * for its children (capped so sums cannot overflow). */
static uint64_t bp_avro_min_of(const bp_avro_op_t *ops,
                               const bp_avro_op_t *op) {
        uint64_t m = 0;
        int64_t  i;

        switch (op->kind) {
        case BP_AVRO_NULL:
                return 0;
        case BP_AVRO_FLOAT:
                return 4;
        case BP_AVRO_DOUBLE:
                return 8;
        case BP_AVRO_FIXED:
                return (uint64_t)op->n;
        case BP_AVRO_RECORD:
                for (i = 0; i < op->n; i++)
                        m += ops[op->child + i].min_size;
                return m;
        case BP_AVRO_UNION:
                m = UINT32_MAX;
                for (i = 0; i < op->n; i++)
                        if (ops[op->child + i].min_size < m)
                                m = ops[op->child + i].min_size;
                return 1 + m;
        default: /* a varint: a length, count, index or number */
                return 1;
        }
}

/* Computes every op's min_size by iterating from 0 upwards. Each round
 * yields lower bounds, which is all the walk needs, so a schema whose
 * recursion never ends (no finite value exists) just stops at the round
 * limit instead of diverging. */
static void bp_avro_min_sizes(bp_avro_op_t *ops, uint32_t nops) {
        uint32_t round, i;
        int      changed = 1;

        for (round = 0; changed && round <= nops; round++) {
                changed = 0;
                for (i = 0; i < nops; i++) {
                        uint64_t m = bp_avro_min_of(ops, &ops[i]);

                        if (m > UINT32_MAX / 2)
                                m = UINT32_MAX / 2;
                        if (m != ops[i].min_size) {
                                ops[i].min_size = (uint32_t)m;
                                changed         = 1;
                        }
                }
        }
}

bp_avro_plan_t *bp_avro_plan_new(avro_schema_t writer, char *errstr,
                                 size_t errstr_size) {
        bp_avro_build_t b    = {.errstr = errstr, .errstr_size = errstr_size};
        bp_avro_plan_t *plan = NULL;

        if (!writer) {
                snprintf(errstr, errstr_size, "no schema");
                goto out;
        }
        if (bp_avro_ops_add(&b, 1) == UINT32_MAX ||
            bp_avro_compile(&b, writer, 0, 0))
                goto out;
        bp_avro_min_sizes(b.ops, b.nops);
        if (!(plan = calloc(1, sizeof(*plan)))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        plan->ops   = b.ops;
        plan->nops  = b.nops;
        plan->names = b.names;
        b.ops       = NULL;
        b.names     = NULL;
out:
        free(b.ops);
        free(b.names);
        free(b.named);
        return plan;
}

void bp_avro_plan_destroy(bp_avro_plan_t *plan) {
        if (!plan)
                return;
        free(plan->ops);
        free(plan->names);
        free(plan);
}
