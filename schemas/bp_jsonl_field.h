/*
 * bp_jsonl_field.h - typed access to the members of a scanned JSON object
 * (bp_json_scan.h), with the error messages of the JSON Lines readers.
 *
 * Internal to schemas/: the event parser and the badge event parser share
 * these so that both word their rejections the same way. Every getter
 * writes a message naming the field to the context's errstr and returns
 * BP_ERR_INVALID when the member is missing (and not nullable), has the
 * wrong JSON type or does not fit the C type. Messages name a member of a
 * list element by its path ("certifications[2].expires_at"); the path is
 * only formatted on error, so the success path does no string work.
 */
#ifndef BP_JSONL_FIELD_H
#define BP_JSONL_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_json_scan.h"

/* idx of a bp_jf_t that reads the members of a nested object. */
#define BP_JF_MEMBER SIZE_MAX

/* Long enough for "certifications[255].certification_id" and any member
 * name the readers ask for. */
#define BP_JF_PATH_SIZE 96

typedef struct bp_jf_s {
        char  *errstr;
        size_t errstr_size;
        /* When list is set, getters are reading element idx of that list
         * and messages say "list[idx].name"; with idx BP_JF_MEMBER they
         * read the members of the object named list ("list.name"). */
        const char *list;
        size_t      idx;
} bp_jf_t;

/** The path of member name (NULL: the element itself) as messages show
 *  it: name itself, or formatted into dst. */
const char *bp_jf_path(const bp_jf_t *jf, const char *name, char *dst,
                       size_t dst_size);

/* Evaluates expr (a bp_err_t) and returns it when it is an error. */
#define BP_JF_TRY(expr)               \
        do {                          \
                bp_err_t e_ = (expr); \
                if (e_ != BP_OK)      \
                        return e_;    \
        } while (0)

struct bp_jsonl_parser_s;

/** The scanner of parser, for the readers that share it. */
bp_json_t *bp_jsonl_parser_scanner(struct bp_jsonl_parser_s *parser);

/** Formats a message into jf's errstr and returns err. */
bp_err_t bp_jf_fail(bp_jf_t *jf, bp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Parses len bytes at line with js as one JSON object: *root is borrowed
 * from js. BP_ERR_PARSE for bad JSON ("invalid JSON at column 17: ...",
 * worded by jansson, which is asked only once the scanner has refused the
 * line) or a non-object; BP_ERR_NOMEM.
 */
bp_err_t bp_jf_load(bp_jf_t *jf, bp_json_t *js, const char *line, size_t len,
                    const bp_jv_t **root);

/** A string member; with nullable, absent or null gives *out = NULL. The
 *  string is borrowed from obj. */
bp_err_t bp_jf_string(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                      bool nullable, const char **out);

/** A 64-bit integer member; with nullable, absent or null gives
 *  *present = false (present may be NULL when not nullable).
 *  INT64_MIN is refused: it is the engine's "no time" marker. */
bp_err_t bp_jf_int64(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                     bool nullable, bool *present, int64_t *out);

/** A 32-bit integer member, as bp_jf_int64(). */
bp_err_t bp_jf_int32(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                     bool nullable, bool *present, int32_t *out);

/** A number member (integer or real), as bp_jf_int64(). */
bp_err_t bp_jf_double(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                      bool nullable, bool *present, double *out);

/** An array member of at most max elements (borrowed from obj). */
bp_err_t bp_jf_array(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                     size_t max, const bp_jv_t **out);

/** An object member (borrowed from obj). */
bp_err_t bp_jf_object(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                      const bp_jv_t **out);

/** Element el, number idx of the array named list, must be a string:
 *  *out borrows it. */
bp_err_t bp_jf_elem_string(bp_jf_t *jf, const bp_jv_t *el, const char *list,
                           size_t idx, const char **out);

/** Element el, number idx of the array named list, must be an object. */
bp_err_t bp_jf_elem_object(bp_jf_t *jf, const bp_jv_t *el, const char *list,
                           size_t idx);

/** The message for a string that is not one of an enum's symbols. */
bp_err_t bp_jf_bad_enum(bp_jf_t *jf, const char *name, const char *value);

#endif
