/*
 * bp_schema_store.h - writer schemas by schema id, and what is compiled
 * from them.
 *
 * A framed record names its writer schema by id. The store turns the id
 * into the parsed schema (avro-c), its validation plan (bp_avro_validate)
 * and, lazily, the resolution programs that read it into each of our
 * reader schemas. Ids come from one of two sources:
 *  - the local schema map (schemas/schema-map.txt, format documented in
 *    that file), loaded completely when the store is created; or
 *  - a Confluent Schema Registry (bp_registry.h), asked once per id: the
 *    answer is cached for the life of the store, including "unknown id" and
 *    "unusable schema" answers, so a stream of bad records cannot turn
 *    into a stream of requests (up to BP_STORE_NEGATIVE_MAX of those).
 *
 * A store is not thread-safe: each task owns its codec, and its store.
 */
#ifndef BP_SCHEMA_STORE_H
#define BP_SCHEMA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#include "bp_avro_validate.h"
#include "bp_error.h"
#include "bp_registry.h"
#include "bp_resolve.h"

/** Resolution programs kept per writer schema, one per reader number. */
#define BP_STORE_READERS 8
/** Most cached negative answers (unknown or unusable ids). */
#define BP_STORE_NEGATIVE_MAX 1024
/** Largest .avsc file the local map loads. */
#define BP_STORE_FILE_MAX (1024 * 1024)

typedef struct bp_schema_store_conf_s {
        const char *map_path;     /* local map, used without a registry */
        const char *registry_url; /* NULL or "": use the local map */
        long        timeout_ms;   /* registry requests; 0: default */
        /* Neither map nor registry: every id is unknown (for data whose
         * writer schemas travel with it, bp_schema_entry_new()). */
        bool   no_ids;
        size_t max_response; /* registry reply bound; 0: default */
} bp_schema_store_conf_t;

/** One writer schema. Owned by the store; valid until it is destroyed. */
typedef struct bp_schema_entry_s {
        int32_t         id;
        avro_schema_t   schema; /* NULL: unusable, see error */
        bp_avro_plan_t *plan;
        char           *json;
        char           *error; /* why the id cannot be used */
        bp_err_t        err;   /* class of that error */
        bp_resolver_t  *resolvers[BP_STORE_READERS];
        char           *resolve_errors[BP_STORE_READERS];
} bp_schema_entry_t;

typedef struct bp_schema_store_s bp_schema_store_t;

/**
 * Creates a store from conf (copied). In local mode the map and every
 * schema it names are loaded now; errors name the file and line
 * ("schemas/schema-map.txt:14: duplicate id 7"). In registry mode nothing
 * is fetched yet. NULL with errstr set on failure.
 */
bp_schema_store_t *bp_schema_store_new(const bp_schema_store_conf_t *conf,
                                       char *errstr, size_t errstr_size);

/** Frees store and every entry. NULL is a no-op. */
void bp_schema_store_destroy(bp_schema_store_t *store);

/**
 * Finds the writer schema of id. Returns BP_OK with *entry set;
 * BP_ERR_NOT_FOUND "unknown schema id 42"; BP_ERR_SCHEMA when the schema
 * cannot be parsed or validated against; BP_ERR_IO when the registry could
 * not be asked (retry later: this answer is not cached).
 */
bp_err_t bp_schema_store_get(bp_schema_store_t *store, int32_t id,
                             bp_schema_entry_t **entry, char *errstr,
                             size_t errstr_size);

/**
 * The id to frame records of our schema with (json its text, schema its
 * parsed form). In registry mode the schema is registered under subject
 * (the registry answers the existing id when it is there already) and the
 * entry is cached, so reading our own records back needs no request. In
 * local mode the map's entry equal to schema is used, and subject ignored;
 * BP_ERR_NOT_FOUND when the map has none.
 */
bp_err_t bp_schema_store_id_of(bp_schema_store_t *store, const char *subject,
                               const char *json, avro_schema_t schema,
                               int32_t *id, char *errstr, size_t errstr_size);

/**
 * An entry for a writer schema that travels with the data instead of by
 * id (an Avro object container file carries its own): schema (a reference
 * is taken) with its validation plan, id -1, not in any store. The codec
 * decodes with it like with a stored entry (bp_codec_decode_event_with()),
 * and caches resolution programs in it that point into the codec's
 * reader layouts: destroy the entry before the codec. NULL with errstr set
 * when the schema cannot be validated against (bp_avro_plan_new()).
 */
bp_schema_entry_t *bp_schema_entry_new(avro_schema_t schema, char *errstr,
                                       size_t errstr_size);

/** Frees an entry made by bp_schema_entry_new(). NULL is a no-op. */
void bp_schema_entry_destroy(bp_schema_entry_t *entry);

/** The registry client, or NULL in local mode. */
bp_registry_t *bp_schema_store_registry(const bp_schema_store_t *store);

#endif
