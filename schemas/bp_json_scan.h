/*
 * bp_json_scan.h - a strict JSON scanner that reuses its memory.
 *
 * Replay reads hundreds of thousands of lines a second; a general JSON
 * library that allocates a node per value (and a hash table per object)
 * spends most of that time in malloc and free. This scanner parses one
 * document into a flat array of values in document order, with strings
 * unescaped into one buffer, both kept by the scanner and reused for the
 * next document: once warmed up it does not allocate.
 *
 * It accepts exactly RFC 8259 JSON with jansson's extra rules, so that it
 * agrees with the jansson-based reporting path: the top level is an object
 * or an array, strings are valid UTF-8 without \u0000 or lone surrogates,
 * integers (no fraction, no exponent) fit in 64 bits, reals are finite,
 * no object has a key twice, nesting is at most 2048 deep. Anything else
 * is refused with a short reason; callers that want jansson's wording for
 * it ask jansson (see bp_jf_load()).
 *
 * A value's members or elements follow it in the array; v + v->span is the
 * next value after v and all it contains.
 */
#ifndef BP_JSON_SCAN_H
#define BP_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

typedef enum bp_jv_type_e {
        BP_JV_NULL = 0,
        BP_JV_FALSE,
        BP_JV_TRUE,
        BP_JV_INTEGER,
        BP_JV_REAL,
        BP_JV_STRING,
        BP_JV_ARRAY,
        BP_JV_OBJECT
} bp_jv_type_t;

typedef struct bp_jv_s {
        bp_jv_type_t type;
        uint32_t     span;    /* values in this one's subtree, itself too */
        uint32_t     cnt;     /* array: elements; object: members */
        uint32_t     key_len; /* bytes of key */
        const char  *key;     /* member of an object: its key, else NULL */
        union {
                int64_t i; /* BP_JV_INTEGER */
                double  d; /* BP_JV_REAL */
                struct {
                        const char *s; /* NUL-terminated, unescaped */
                        size_t      len;
                } str; /* BP_JV_STRING */
        } u;
} bp_jv_t;

typedef struct bp_json_s bp_json_t;

/** Creates a scanner. NULL on ENOMEM. */
bp_json_t *bp_json_new(void);

/** Frees js and the last document. NULL is a no-op. */
void bp_json_destroy(bp_json_t *js);

/**
 * Parses the len bytes at text (no NUL needed) as one document. On success
 * *root is its top value, borrowed from js until the next parse or
 * _destroy; text may be freed at once.
 *
 * Returns BP_OK; BP_ERR_PARSE with a reason and the byte offset where the
 * scanner stopped ("byte 17: invalid escape") in errstr; or BP_ERR_NOMEM.
 */
bp_err_t bp_json_parse(bp_json_t *js, const char *text, size_t len,
                       const bp_jv_t **root, char *errstr, size_t errstr_size);

/** The member key of object obj, or NULL. */
const bp_jv_t *bp_jv_get(const bp_jv_t *obj, const char *key);

/** The first element of array arr (arr->cnt > 0); then bp_jv_next(). */
static inline const bp_jv_t *bp_jv_first(const bp_jv_t *arr) {
        return arr + 1;
}

/** The value after v and its subtree: its next sibling when there is
 *  one. */
static inline const bp_jv_t *bp_jv_next(const bp_jv_t *v) {
        return v + v->span;
}

/**
 * Length of the valid UTF-8 sequence at s (1 to 4 bytes), or 0 when the
 * bytes there are not one (overlong forms, surrogates, code points beyond
 * U+10FFFF, truncated sequences). Reads at most avail bytes.
 */
size_t bp_utf8_len(const unsigned char *s, size_t avail);

#endif
