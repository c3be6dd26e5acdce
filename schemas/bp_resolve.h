/*
 * bp_resolve.h - Avro schema resolution compiled into a decoding program.
 *
 * avro-c 1.11.1 parses schemas but ignores field defaults, so its resolved
 * reader cannot read a record written before a field was added. This module
 * implements the resolution rules of the Avro specification itself (fields
 * matched by name, writer-only fields skipped, reader-only fields taken
 * from their defaults, int/long/float/double promotion, string <-> bytes,
 * enums by symbol, unions branch by branch) and compiles them once per
 * (writer schema, reader schema) pair into a tree that decodes a body in
 * one pass without allocating per record.
 *
 * The decoded datum lands in "slots": the reader schema is flattened so
 * that every field that is not a record has a fixed slot number (nested
 * records and a union's record branch are laid out inline), and each array
 * item is a block of slots of its own. Codecs look slots up by field name
 * once (bp_rlayout_slot) and then read a decoded record by index.
 *
 * Reader schemas may not nest an array (or map) inside an array item; ours
 * do not, and it keeps every array's items contiguous. Writer schemas may
 * be anything avro-c parses (what the reader does not know is skipped),
 * except nesting deeper than BP_RESOLVE_DEPTH_MAX.
 */
#ifndef BP_RESOLVE_H
#define BP_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>
#include <jansson.h>

#include "bp_error.h"

/** Deepest schema nesting compiled (also bounds recursion at run time). */
#define BP_RESOLVE_DEPTH_MAX 32

/** One decoded value. Which member is meaningful depends on the reader
 *  type: i for int, long, boolean and enum (the reader's symbol index), d
 *  for float and double, s/len for string, bytes and fixed (NUL-terminated,
 *  borrowed from the decoder), first/len for arrays (len items of
 *  item_slots slots each, from slot first of the pool). branch is the
 *  reader union branch taken, 0 when the reader type is not a union. */
typedef struct bp_slot_s {
        int64_t     i;
        double      d;
        const char *s;
        uint32_t    len;
        uint32_t    first;
        int32_t     branch;
} bp_slot_t;

/** The flattened layout of a reader schema, with its defaults. */
typedef struct bp_rlayout_s bp_rlayout_t;
/** A node of a reader layout (a field, an array's items, ...). */
typedef struct bp_rnode_s bp_rnode_t;
/** A compiled (writer, reader) program. */
typedef struct bp_resolver_s bp_resolver_t;

/**
 * Lays out the reader schema given as JSON text (parsed here by avro-c for
 * the structure and by jansson for the field defaults avro-c drops). The
 * layout owns both parses. NULL with errstr set on a bad or unsupported
 * schema.
 */
bp_rlayout_t *bp_rlayout_new(const char *json, size_t len, char *errstr,
                             size_t errstr_size);

/** Frees layout. NULL is a no-op. Resolvers compiled against it must be
 *  destroyed first. */
void bp_rlayout_destroy(bp_rlayout_t *layout);

/** The avro-c form of the reader schema (owned by layout). */
avro_schema_t bp_rlayout_schema(const bp_rlayout_t *layout);

/** The root record node. */
const bp_rnode_t *bp_rlayout_root(const bp_rlayout_t *layout);

/**
 * Finds the field name of record node rec (a record, or a union whose
 * non-null branch is a record). NULL when there is none.
 */
const bp_rnode_t *bp_rnode_field(const bp_rnode_t *rec, const char *name);

/** The slot of a non-record node (-1 for a record). */
int bp_rnode_slot(const bp_rnode_t *node);

/** The item node of an array node, and the slots per item. */
const bp_rnode_t *bp_rnode_items(const bp_rnode_t *array, int *item_slots);

/**
 * Compiles the program reading data written with writer into layout's
 * reader schema. Neither is retained beyond the resolver's life: writer
 * must outlive the resolver. NULL with the reason in errstr when the
 * schemas do not match ("field skills: writer type long cannot be read as
 * reader type array", "reader field badge_id is missing from the writer
 * and has no default").
 */
bp_resolver_t *bp_resolver_new(avro_schema_t writer, const bp_rlayout_t *layout,
                               char *errstr, size_t errstr_size);

/** Frees resolver. NULL is a no-op. */
void bp_resolver_destroy(bp_resolver_t *resolver);

/** Reusable decoding scratch: the slot pool and the string copies. */
typedef struct bp_rscratch_s {
        bp_slot_t *slots;
        size_t     slot_cnt;
        size_t     slot_cap;
        char      *str;
        size_t     str_len;
        size_t     str_cap;
} bp_rscratch_t;

/** Frees what scratch holds (not scratch itself). */
void bp_rscratch_free(bp_rscratch_t *scratch);

/**
 * Decodes body[0..len), which must be exactly one datum of the writer
 * schema, into scratch: the root record's slots start at slot 0. Strings
 * and slots are valid until the next decode with the same scratch. Memory
 * grows with the bytes actually present, never with lengths or counts the
 * body claims. Returns BP_OK, BP_ERR_INVALID with a reason naming the
 * field, BP_ERR_TOO_LARGE (past a limit of bp_avro_validate.h) or
 * BP_ERR_NOMEM.
 */
bp_err_t bp_resolver_decode(const bp_resolver_t *resolver,
                            bp_rscratch_t *scratch, const uint8_t *body,
                            size_t len, char *errstr, size_t errstr_size);

#endif
