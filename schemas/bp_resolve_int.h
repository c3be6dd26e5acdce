/*
 * bp_resolve_int.h - the data structures shared by the reader layout, the
 * resolution compiler and the decoder (bp_rlayout.c, bp_resolve.c,
 * bp_resolve_exec.c). Not for use outside those files: the public view is
 * bp_resolve.h.
 */
#ifndef BP_RESOLVE_INT_H
#define BP_RESOLVE_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "bp_arena.h"
#include "bp_resolve.h"

/* A node of the reader layout. Records own no slot: their fields are laid
 * out inline. A union owns one slot that holds the branch taken and, for a
 * non-record branch, the value itself. */
struct bp_rnode_s {
        avro_type_t   type; /* never AVRO_LINK */
        avro_schema_t schema;
        int           slot;
        /* record */
        size_t       field_cnt;
        const char **names;
        bp_rnode_t **fields;
        json_t     **defaults; /* NULL entry: the field has no default */
        /* union */
        size_t       branch_cnt;
        bp_rnode_t **branches;
        /* array */
        bp_rnode_t *items;
        int         item_slots;
        /* enum */
        int enum_default; /* -1: none */
};

struct bp_rlayout_s {
        avro_schema_t schema;
        json_t       *json;
        bp_arena_t   *arena;
        bp_rnode_t   *root;
        int           root_slots;
};

/* What the writer wrote at a node. */
typedef enum bp_wop_e {
        BP_W_NULL,
        BP_W_BOOL,
        BP_W_INT,
        BP_W_LONG,
        BP_W_FLOAT,
        BP_W_DOUBLE,
        BP_W_STRING, /* string and bytes */
        BP_W_FIXED,
        BP_W_ENUM,
        BP_W_UNION,
        BP_W_RECORD,
        BP_W_ARRAY,
        BP_W_MAP
} bp_wop_t;

/* How the value is stored for the reader. */
typedef enum bp_wto_e {
        BP_TO_SKIP, /* nothing (writer-only data, null, records) */
        BP_TO_I,
        BP_TO_D,
        BP_TO_S,
        BP_TO_ARRAY
} bp_wto_t;

typedef struct bp_default_s {
        int32_t   slot;
        bp_slot_t val;
} bp_default_t;

typedef struct bp_wnode_s bp_wnode_t;
struct bp_wnode_s {
        bp_wop_t      op;
        bp_wto_t      to;
        int32_t       slot;    /* value slot, -1: none */
        int32_t       bslot;   /* slot taking the reader branch, -1 */
        int32_t       rbranch; /* reader union branch */
        const char   *path;    /* field path, for messages */
        avro_schema_t wschema; /* enums: symbol names for messages */
        int64_t       fixed_size;
        bool          text;    /* a string (not bytes): must be UTF-8, no NUL */
        size_t        kid_cnt; /* record fields, union branches */
        bp_wnode_t  **kids;    /* NULL union branch: not readable */
        size_t        def_cnt;
        bp_default_t *defs; /* record: reader-only fields */
        int32_t      *enum_map;
        int32_t       enum_cnt;
        bp_wnode_t   *items;
        int           item_slots;
};

struct bp_resolver_s {
        bp_arena_t *arena;
        bp_wnode_t *root;
        int         root_slots;
};

/* Type name for messages ("string", "record", ...). */
const char *bp_resolve_type_name(avro_type_t t);

/* Follows links. */
avro_schema_t bp_resolve_deref(avro_schema_t s);

#endif
