/*
 * bp_registry.h - a client of the Confluent Schema Registry REST API.
 *
 * Two calls are enough for us: fetching the writer schema of an id
 * (GET {url}/schemas/ids/{id}) and registering one of our schemas under a
 * subject (POST {url}/subjects/{subject}/versions), which returns the id to
 * frame records with. The client keeps one libcurl handle, so consecutive
 * requests reuse the connection; it does not cache (bp_schema_store does).
 *
 * Every request has a total timeout and a response size bound: a registry
 * (or something pretending to be one) can make us wait at most timeout_ms
 * and buffer at most max_response bytes. Only http and https are spoken;
 * redirects are not followed.
 *
 * Errors are classed for the caller: BP_ERR_NOT_FOUND when the registry
 * says the id or subject does not exist (the record is bad: dead-letter
 * it), BP_ERR_IO when the registry could not be reached or answered 5xx
 * (retry later), BP_ERR_SCHEMA for any other refusal (e.g. 409, an
 * incompatible schema) or a reply that is not what the API promises.
 */
#ifndef BP_REGISTRY_H
#define BP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

typedef struct bp_registry_s bp_registry_t;

/** Default total time allowed for one request. */
#define BP_REGISTRY_TIMEOUT_MS 5000
/** Default bound on one response body. */
#define BP_REGISTRY_MAX_RESPONSE (1024 * 1024)

/**
 * Creates a client for the registry at url (e.g. "http://registry:8081",
 * copied; a trailing slash is ignored). timeout_ms and max_response of 0
 * take the defaults above. No request is made here. NULL with errstr set
 * on a bad url or ENOMEM.
 */
bp_registry_t *bp_registry_new(const char *url, long timeout_ms,
                               size_t max_response, char *errstr,
                               size_t errstr_size);

/** Frees reg. NULL is a no-op. */
void bp_registry_destroy(bp_registry_t *reg);

/**
 * Fetches the schema of id. On BP_OK *schema_json is the schema text,
 * malloc'ed, owned by the caller. Errors as above; the message for an
 * unknown id is "unknown schema id 42 (registry: <its message>)".
 */
bp_err_t bp_registry_get_schema(bp_registry_t *reg, int32_t id,
                                char **schema_json, char *errstr,
                                size_t errstr_size);

/**
 * Registers schema_json under subject (or finds it registered already;
 * the registry answers the same id either way) and sets *id.
 */
bp_err_t bp_registry_register(bp_registry_t *reg, const char *subject,
                              const char *schema_json, int32_t *id,
                              char *errstr, size_t errstr_size);

/** How many HTTP requests reg has sent (tests check that caching works). */
unsigned long bp_registry_request_count(const bp_registry_t *reg);

#endif
