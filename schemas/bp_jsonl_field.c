/*
 * bp_jsonl_field.c - typed member access for the JSON Lines readers (see
 * bp_jsonl_field.h).
 *
 * The getters look a member up once, switch on its JSON type and convert.
 * Everything that only serves an error message (the field's path, the
 * name of the JSON type found) is computed after the failure is known.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bp_jsonl_field.h"


/* Timestamps and versions are 64-bit; jansson must read them whole. */
_Static_assert(sizeof(json_int_t) == sizeof(int64_t),
               "json_int_t must be 64 bits");

bp_err_t bp_jf_fail(bp_jf_t *jf, bp_err_t err, const char *fmt, ...) {
        va_list ap;

        if (jf->errstr_size == 0)
                return err;
        va_start(ap, fmt);
        vsnprintf(jf->errstr, jf->errstr_size, fmt, ap);
        va_end(ap);
        return err;
}

/* The JSON type name of v as a reader would say it. */
static const char *type_name(const json_t *v) {
        if (!v)
                return "nothing";
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "object";
        case JSON_ARRAY:
                return "array";
        case JSON_STRING:
                return "string";
        case JSON_INTEGER:
                return "integer";
        case JSON_REAL:
                return "real";
        case JSON_TRUE:
        case JSON_FALSE:
                return "boolean";
        case JSON_NULL:
                return "null";
        }
        return "unknown";
}

const char *bp_jf_path(const bp_jf_t *jf, const char *name, char *dst,
                       size_t dst_size) {
        if (!jf->list)
                return name;
        if (name && jf->idx == BP_JF_MEMBER)
                snprintf(dst, dst_size, "%s.%s", jf->list, name);
        else if (name)
                snprintf(dst, dst_size, "%s[%zu].%s", jf->list, jf->idx, name);
        else
                snprintf(dst, dst_size, "%s[%zu]", jf->list, jf->idx);
        return dst;
}

static bp_err_t missing(bp_jf_t *jf, const char *name) {
        char p[BP_JF_PATH_SIZE];
        return bp_jf_fail(jf, BP_ERR_INVALID, "missing field \"%s\"",
                          bp_jf_path(jf, name, p, sizeof(p)));
}

static bp_err_t wrong_type(bp_jf_t *jf, const char *name, const char *expected,
                           const json_t *v) {
        char p[BP_JF_PATH_SIZE];
        return bp_jf_fail(
            jf, BP_ERR_INVALID, "field \"%s\": expected %s, got %s",
            bp_jf_path(jf, name, p, sizeof(p)), expected, type_name(v));
}

bp_err_t bp_jf_bad_enum(bp_jf_t *jf, const char *name, const char *value) {
        char p[BP_JF_PATH_SIZE];
        return bp_jf_fail(jf, BP_ERR_INVALID,
                          "field \"%s\": unknown value \"%.64s\"",
                          bp_jf_path(jf, name, p, sizeof(p)), value);
}

bp_err_t bp_jf_load(bp_jf_t *jf, const char *line, size_t len, json_t **root) {
        json_error_t jerr;
        json_t      *doc;

        doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
                if (json_error_code(&jerr) == json_error_out_of_memory)
                        return bp_jf_fail(jf, BP_ERR_NOMEM, "out of memory");
                if (jerr.line > 1)
                        return bp_jf_fail(jf, BP_ERR_PARSE,
                                          "invalid JSON at line %d column "
                                          "%d: %s",
                                          jerr.line, jerr.column, jerr.text);
                return bp_jf_fail(jf, BP_ERR_PARSE,
                                  "invalid JSON at column %d: %s", jerr.column,
                                  jerr.text);
        }
        if (!json_is_object(doc)) {
                bp_jf_fail(jf, BP_ERR_PARSE, "expected a JSON object, got %s",
                           type_name(doc));
                json_decref(doc);
                return BP_ERR_PARSE;
        }
        *root = doc;
        return BP_OK;
}

/* Looks name up in obj. Returns NULL with *err = BP_OK when the member
 * is absent or null and nullable, NULL with *err set when it is absent and
 * required. A null where a value is required is returned as it is, so
 * that the caller's type check words the message ("expected string, got
 * null"). */
static const json_t *member(bp_jf_t *jf, const json_t *obj, const char *name,
                            bool nullable, bp_err_t *err) {
        const json_t *v = json_object_get(obj, name);

        *err = BP_OK;
        if (v && !(nullable && json_is_null(v)))
                return v;
        if (!v && !nullable)
                *err = missing(jf, name);
        return NULL;
}

/* Whether v has JSON type want; a number is good where a real is wanted
 * (a score written as 5 is as good as 5.0). */
static bool has_type(const json_t *v, json_type want) {
        if (want == JSON_REAL)
                return json_is_number(v);
        return json_typeof(v) == want;
}

static const char *const expected_names[] = {
    [JSON_OBJECT] = "object", [JSON_ARRAY] = "array",
    [JSON_STRING] = "string", [JSON_INTEGER] = "integer",
    [JSON_REAL] = "number",   [JSON_TRUE] = "boolean",
    [JSON_FALSE] = "boolean", [JSON_NULL] = "null"};

/* The member name of obj if it has type want. NULL with *err = BP_OK when
 * it is absent or null and nullable; NULL with *err set when it is
 * missing or of another type. */
static const json_t *typed(bp_jf_t *jf, const json_t *obj, const char *name,
                           bool nullable, json_type want, bp_err_t *err) {
        const json_t *v = member(jf, obj, name, nullable, err);

        if (v && !has_type(v, want)) {
                *err = wrong_type(jf, name, expected_names[want], v);
                return NULL;
        }
        return v;
}

bp_err_t bp_jf_string(bp_jf_t *jf, const json_t *obj, const char *name,
                      bool nullable, const char **out) {
        bp_err_t      err;
        const json_t *v = typed(jf, obj, name, nullable, JSON_STRING, &err);

        *out = v ? json_string_value(v) : NULL;
        return err;
}

/* Reads an integer member that must lie in lo..hi into *out: BP_OK with
 * *present set, or the error of a missing, mistyped or out-of-range
 * member. */
static bp_err_t integer(bp_jf_t *jf, const json_t *obj, const char *name,
                        bool nullable, json_int_t lo, json_int_t hi,
                        bool *present, json_int_t *out) {
        bp_err_t      err;
        const json_t *v = typed(jf, obj, name, nullable, JSON_INTEGER, &err);
        char          p[BP_JF_PATH_SIZE];

        if (present)
                *present = false;
        if (!v)
                return err;
        *out = json_integer_value(v);
        if (*out < lo || *out > hi)
                return bp_jf_fail(jf, BP_ERR_INVALID,
                                  "field \"%s\": %lld is out of range "
                                  "%lld..%lld",
                                  bp_jf_path(jf, name, p, sizeof(p)),
                                  (long long)*out, (long long)lo,
                                  (long long)hi);
        if (present)
                *present = true;
        return BP_OK;
}

bp_err_t bp_jf_int64(bp_jf_t *jf, const json_t *obj, const char *name,
                     bool nullable, bool *present, int64_t *out) {
        json_int_t i;
        /* json_int_t is long long, 64 bits here, and jansson has already
         * refused literals beyond its range ("too big integer"). The one
         * value left to refuse is INT64_MIN, the engine's "no time". */
        bp_err_t err = integer(jf, obj, name, nullable, -INT64_MAX, INT64_MAX,
                               present, &i);

        if (err == BP_OK && (!present || *present))
                *out = (int64_t)i;
        return err;
}

bp_err_t bp_jf_int32(bp_jf_t *jf, const json_t *obj, const char *name,
                     bool nullable, bool *present, int32_t *out) {
        json_int_t i;
        bp_err_t   err =
            integer(jf, obj, name, nullable, INT32_MIN, INT32_MAX, present, &i);

        if (err == BP_OK && (!present || *present))
                *out = (int32_t)i;
        return err;
}

bp_err_t bp_jf_double(bp_jf_t *jf, const json_t *obj, const char *name,
                      bool nullable, bool *present, double *out) {
        bp_err_t      err;
        const json_t *v = typed(jf, obj, name, nullable, JSON_REAL, &err);

        if (present)
                *present = v != NULL;
        if (v)
                *out = json_number_value(v);
        return err;
}

bp_err_t bp_jf_array(bp_jf_t *jf, const json_t *obj, const char *name,
                     size_t max, const json_t **out) {
        bp_err_t      err;
        const json_t *v = typed(jf, obj, name, false, JSON_ARRAY, &err);
        char          p[BP_JF_PATH_SIZE];

        *out = NULL;
        if (!v)
                return err;
        if (json_array_size(v) > max)
                return bp_jf_fail(jf, BP_ERR_INVALID,
                                  "field \"%s\": %zu items, at most %zu",
                                  bp_jf_path(jf, name, p, sizeof(p)),
                                  json_array_size(v), max);
        *out = v;
        return BP_OK;
}

bp_err_t bp_jf_object(bp_jf_t *jf, const json_t *obj, const char *name,
                      const json_t **out) {
        bp_err_t err;

        *out = typed(jf, obj, name, false, JSON_OBJECT, &err);
        return err;
}

/* Element idx of arr, the list named list, if it has type want. */
static bp_err_t element(bp_jf_t *jf, const json_t *arr, const char *list,
                        size_t idx, json_type want, const json_t **out) {
        const json_t *v  = json_array_get(arr, idx);
        bp_jf_t       at = *jf;

        if (v && has_type(v, want)) {
                *out = v;
                return BP_OK;
        }
        at.list = list;
        at.idx  = idx;
        return wrong_type(&at, NULL, expected_names[want], v);
}

bp_err_t bp_jf_elem_string(bp_jf_t *jf, const json_t *arr, const char *list,
                           size_t idx, const char **out) {
        const json_t *v   = NULL;
        bp_err_t      err = element(jf, arr, list, idx, JSON_STRING, &v);

        if (err == BP_OK)
                *out = json_string_value(v);
        return err;
}

bp_err_t bp_jf_elem_object(bp_jf_t *jf, const json_t *arr, const char *list,
                           size_t idx, const json_t **out) {
        return element(jf, arr, list, idx, JSON_OBJECT, out);
}
