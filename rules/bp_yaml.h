/*
 * bp_yaml.h - a strict reader over libyaml's event stream (engine
 * internal: only the rules loader uses it).
 *
 * The rules files are small, typed documents, so this reader accepts less
 * than YAML does and says exactly where and why: one document per file,
 * no anchors, aliases or tags (aliases are how "billion laughs" inputs
 * grow, and nothing in the rules needs them), mappings whose keys are
 * known in advance and appear at most once, and scalars typed by the YAML
 * 1.2 core schema (a plain 12 is an integer, a quoted "12" a string).
 *
 * Nothing is allocated on the strength of what the input claims: libyaml
 * hands over one event at a time and strings are copied at their real,
 * bounded length.
 *
 * Every error is written to the caller's errstr as "path:line:column:
 * message", 1-based, and returned as BP_ERR_RULES (BP_ERR_NOMEM when memory
 * ran out). After an error the reader must only be finished.
 */
#ifndef BP_YAML_H
#define BP_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "bp_error.h"

/** Most keys a bp_yaml_map_t may list (bits of a mask). */
#define BP_YAML_KEYS_MAX 32

typedef struct bp_yaml_s {
        yaml_parser_t        parser;
        yaml_event_t         event; /* the current event, while has_event */
        bool                 has_event;
        const char          *path; /* borrowed, for messages */
        const unsigned char *input;
        size_t               input_len;
        char                *errstr;
        size_t               errstr_size;
} bp_yaml_t;

/** The keys a mapping may hold. what names the mapping in messages
 *  ("contracts"); required has bit i set when keys[i] must appear. */
typedef struct bp_yaml_map_s {
        const char        *what;
        const char *const *keys;
        int                key_cnt;
        uint32_t           required;
} bp_yaml_map_t;

/**
 * Called by bp_yaml_mapping() with the current event at the start of the
 * value of keys[key]. It must consume the whole value, leaving the current
 * event at the value's last event (the scalar, or the end of a mapping or
 * sequence).
 */
typedef bp_err_t (*bp_yaml_key_fn)(bp_yaml_t *y, int key, void *target);

/**
 * Prepares y to read input (len bytes, borrowed until bp_yaml_fini()).
 * path and errstr are borrowed too. BP_ERR_NOMEM when libyaml cannot
 * allocate its parser (errstr set).
 */
bp_err_t bp_yaml_init(bp_yaml_t *y, const char *path,
                      const unsigned char *input, size_t len, char *errstr,
                      size_t errstr_size);

/** Releases the parser and the current event. Safe after any error. */
void bp_yaml_fini(bp_yaml_t *y);

/** Writes "path:line:column: message" for mark (0-based, as libyaml
 *  counts) and returns BP_ERR_RULES. */
bp_err_t bp_yaml_error(bp_yaml_t *y, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Advances to the next event, rejecting parse errors, aliases, anchors
 *  and tags. */
bp_err_t bp_yaml_next(bp_yaml_t *y);

/**
 * Reads up to the root node of the only document. Sets *empty when there
 * is none (an empty file, only comments, or a null root), and otherwise
 * leaves the current event at the root, which must be a mapping.
 */
bp_err_t bp_yaml_open_document(bp_yaml_t *y, bool *empty);

/** After the root has been read: expects the end of the document and of
 *  the stream, rejecting a second document. */
bp_err_t bp_yaml_close_document(bp_yaml_t *y);

/**
 * Reads the mapping that starts at the current event, calling fn for each
 * key with the current event at its value. Unknown, duplicate, non-scalar
 * and missing required keys are errors. key names the mapping's own key
 * in messages (NULL for the top level).
 */
bp_err_t bp_yaml_mapping(bp_yaml_t *y, const char *key,
                         const bp_yaml_map_t *map, bp_yaml_key_fn fn,
                         void *target);

/** Expects the current event (the value of key) to start a node of
 *  type; expected describes it for the message ("a list of ids"). */
bp_err_t bp_yaml_expect(bp_yaml_t *y, const char *key, yaml_event_type_t type,
                        const char *expected);

/** Expects the current event to be a key of map and returns its index in
 *  *index. */
bp_err_t bp_yaml_key(bp_yaml_t *y, const bp_yaml_map_t *map, int *index);

/** Writes "bad value for 'key': expected <expected>, got <the current
 *  node>" at the current event and returns BP_ERR_RULES. */
bp_err_t bp_yaml_bad_value(bp_yaml_t *y, const char *key, const char *expected);

/** The current event as a plain integer in min..max (no sign but '-', no
 *  leading zeros, no other bases). */
bp_err_t bp_yaml_int(bp_yaml_t *y, const char *key, int32_t min, int32_t max,
                     int32_t *out);

/** The current event as a plain number in min..max, in decimal notation
 *  (3, 4.5), at most 15 significant digits so that it converts exactly
 *  rounded without depending on the C locale. */
bp_err_t bp_yaml_number(bp_yaml_t *y, const char *key, double min, double max,
                        double *out);

/** The current event as plain true or false. */
bp_err_t bp_yaml_bool(bp_yaml_t *y, const char *key, bool *out);

/**
 * The current event as an id: a string of 1..max_len bytes without control
 * characters (a plain scalar that reads as a null, boolean or number is
 * not a string; quote it). With strict, only [A-Za-z0-9._-]. *out is a new
 * NUL-terminated copy the caller frees.
 */
bp_err_t bp_yaml_id(bp_yaml_t *y, const char *key, size_t max_len, bool strict,
                    char **out);

/** The current event as a plain or quoted scalar whose text is one of
 *  names (count cnt); *out is its index. */
bp_err_t bp_yaml_symbol(bp_yaml_t *y, const char *key, const char *const *names,
                        int cnt, int *out);

/** True when s (len bytes) is 1..max_len bytes of [A-Za-z0-9._-]. */
bool bp_yaml_is_strict_id(const char *s, size_t len, size_t max_len);

#endif
