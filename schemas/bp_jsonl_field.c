/*
 * bp_jsonl_field.c - typed member access for the JSON Lines readers (see
 * bp_jsonl_field.h).
 *
 * The getters look a member up once, check its JSON type and convert.
 * Everything that only serves an error message (the field's path, the
 * name of the JSON type found, jansson's wording of a syntax error) is
 * computed after the failure is known.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bp_jsonl_field.h"

/* Messages quote what the line held (an unknown enum value, jansson's
 * "near '...'"), and they end up on terminals and in logs: control
 * characters and bytes that are not UTF-8 become '?'. */
static void sanitize(char *msg) {
        unsigned char *p    = (unsigned char *)msg;
        size_t         left = strlen(msg), n;

        while (left > 0) {
                n = bp_utf8_len(p, left);
                if (n == 0 || *p < 0x20 || *p == 0x7f)
                        *p = '?', n = 1;
                p += n;
                left -= n;
        }
}

bp_err_t bp_jf_fail(bp_jf_t *jf, bp_err_t err, const char *fmt, ...) {
        va_list ap;

        if (jf->errstr_size == 0)
                return err;
        va_start(ap, fmt);
        vsnprintf(jf->errstr, jf->errstr_size, fmt, ap);
        va_end(ap);
        sanitize(jf->errstr);
        return err;
}

/* JSON type names as messages say them: what was found, and what was
 * expected (a real is expected as "number": an integer does too). */
static const char *const found_names[] = {
    [BP_JV_NULL] = "null",    [BP_JV_FALSE] = "boolean",
    [BP_JV_TRUE] = "boolean", [BP_JV_INTEGER] = "integer",
    [BP_JV_REAL] = "real",    [BP_JV_STRING] = "string",
    [BP_JV_ARRAY] = "array",  [BP_JV_OBJECT] = "object"};
static const char *const expected_names[] = {
    [BP_JV_NULL] = "null",    [BP_JV_FALSE] = "boolean",
    [BP_JV_TRUE] = "boolean", [BP_JV_INTEGER] = "integer",
    [BP_JV_REAL] = "number",  [BP_JV_STRING] = "string",
    [BP_JV_ARRAY] = "array",  [BP_JV_OBJECT] = "object"};

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

static bp_err_t wrong_type(bp_jf_t *jf, const char *name, bp_jv_type_t want,
                           const bp_jv_t *v) {
        char p[BP_JF_PATH_SIZE];
        return bp_jf_fail(jf, BP_ERR_INVALID,
                          "field \"%s\": expected %s, got %s",
                          bp_jf_path(jf, name, p, sizeof(p)),
                          expected_names[want], found_names[v->type]);
}

bp_err_t bp_jf_bad_enum(bp_jf_t *jf, const char *name, const char *value) {
        char p[BP_JF_PATH_SIZE];
        return bp_jf_fail(jf, BP_ERR_INVALID,
                          "field \"%s\": unknown value \"%.64s\"",
                          bp_jf_path(jf, name, p, sizeof(p)), value);
}

/* Words the syntax error of a line the scanner refused, as jansson says
 * it (its column counts characters, 1-based). Should jansson accept the
 * line, the scanner's own reason is given. */
static bp_err_t syntax_error(bp_jf_t *jf, const char *line, size_t len,
                             const char *scan_why) {
        json_error_t jerr;
        json_t      *doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);

        if (doc) {
                json_decref(doc);
                return bp_jf_fail(jf, BP_ERR_PARSE, "invalid JSON at %s",
                                  scan_why);
        }
        if (json_error_code(&jerr) == json_error_out_of_memory)
                return bp_jf_fail(jf, BP_ERR_NOMEM, "out of memory");
        if (jerr.line > 1)
                return bp_jf_fail(jf, BP_ERR_PARSE,
                                  "invalid JSON at line %d column %d: %s",
                                  jerr.line, jerr.column, jerr.text);
        return bp_jf_fail(jf, BP_ERR_PARSE, "invalid JSON at column %d: %s",
                          jerr.column, jerr.text);
}

bp_err_t bp_jf_load(bp_jf_t *jf, bp_json_t *js, const char *line, size_t len,
                    const bp_jv_t **root) {
        char     why[128];
        bp_err_t err = bp_json_parse(js, line, len, root, why, sizeof(why));

        if (err == BP_ERR_PARSE)
                return syntax_error(jf, line, len, why);
        if (err != BP_OK)
                return bp_jf_fail(jf, err, "%s", bp_err_str(err));
        if ((*root)->type != BP_JV_OBJECT)
                return bp_jf_fail(jf, BP_ERR_PARSE,
                                  "expected a JSON object, got %s",
                                  found_names[(*root)->type]);
        return BP_OK;
}

/* Looks name up in obj. Returns NULL with *err = BP_OK when the member
 * is absent or null and nullable, NULL with *err set when it is absent and
 * required. A null where a value is required is returned as it is, so
 * that the caller's type check words the message ("expected string, got
 * null"). */
static const bp_jv_t *member(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                             bool nullable, bp_err_t *err) {
        const bp_jv_t *v = bp_jv_get(obj, name);

        *err = BP_OK;
        if (v && !(nullable && v->type == BP_JV_NULL))
                return v;
        if (!v && !nullable)
                *err = missing(jf, name);
        return NULL;
}

/* Whether v has JSON type want; an integer is good where a real is
 * wanted (a score written as 5 is as good as 5.0). */
static bool has_type(const bp_jv_t *v, bp_jv_type_t want) {
        return v->type == want ||
               (want == BP_JV_REAL && v->type == BP_JV_INTEGER);
}

/* The member name of obj if it has type want. NULL with *err = BP_OK when
 * it is absent or null and nullable; NULL with *err set when it is
 * missing or of another type. */
static const bp_jv_t *typed(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                            bool nullable, bp_jv_type_t want, bp_err_t *err) {
        const bp_jv_t *v = member(jf, obj, name, nullable, err);

        if (v && !has_type(v, want)) {
                *err = wrong_type(jf, name, want, v);
                return NULL;
        }
        return v;
}

bp_err_t bp_jf_string(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                      bool nullable, const char **out) {
        bp_err_t       err;
        const bp_jv_t *v = typed(jf, obj, name, nullable, BP_JV_STRING, &err);

        *out = v ? v->u.str.s : NULL;
        return err;
}

/* Reads an integer member that must lie in lo..hi into *out: BP_OK with
 * *present set, or the error of a missing, mistyped or out-of-range
 * member. */
static bp_err_t integer(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                        bool nullable, int64_t lo, int64_t hi, bool *present,
                        int64_t *out) {
        bp_err_t       err;
        const bp_jv_t *v = typed(jf, obj, name, nullable, BP_JV_INTEGER, &err);
        char           p[BP_JF_PATH_SIZE];

        if (present)
                *present = false;
        if (!v)
                return err;
        *out = v->u.i;
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

bp_err_t bp_jf_int64(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                     bool nullable, bool *present, int64_t *out) {
        int64_t i = 0;
        /* The scanner refuses integers beyond 64 bits ("too big integer").
         * The one value left to refuse is INT64_MIN, the engine's "no
         * time". */
        bp_err_t err = integer(jf, obj, name, nullable, -INT64_MAX, INT64_MAX,
                               present, &i);

        if (err == BP_OK && (!present || *present))
                *out = i;
        return err;
}

bp_err_t bp_jf_int32(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                     bool nullable, bool *present, int32_t *out) {
        int64_t  i = 0;
        bp_err_t err =
            integer(jf, obj, name, nullable, INT32_MIN, INT32_MAX, present, &i);

        if (err == BP_OK && (!present || *present))
                *out = (int32_t)i;
        return err;
}

bp_err_t bp_jf_double(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                      bool nullable, bool *present, double *out) {
        bp_err_t       err;
        const bp_jv_t *v = typed(jf, obj, name, nullable, BP_JV_REAL, &err);

        if (present)
                *present = v != NULL;
        if (v)
                *out = v->type == BP_JV_REAL ? v->u.d : (double)v->u.i;
        return err;
}

bp_err_t bp_jf_array(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                     size_t max, const bp_jv_t **out) {
        bp_err_t       err;
        const bp_jv_t *v = typed(jf, obj, name, false, BP_JV_ARRAY, &err);
        char           p[BP_JF_PATH_SIZE];

        *out = NULL;
        if (!v)
                return err;
        if (v->cnt > max)
                return bp_jf_fail(
                    jf, BP_ERR_INVALID, "field \"%s\": %u items, at most %zu",
                    bp_jf_path(jf, name, p, sizeof(p)), (unsigned)v->cnt, max);
        *out = v;
        return BP_OK;
}

bp_err_t bp_jf_object(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                      const bp_jv_t **out) {
        bp_err_t err;

        *out = typed(jf, obj, name, false, BP_JV_OBJECT, &err);
        return err;
}

/* Element el, number idx of the list named list, must have type want. */
static bp_err_t element(bp_jf_t *jf, const bp_jv_t *el, const char *list,
                        size_t idx, bp_jv_type_t want) {
        bp_jf_t at = *jf;

        if (has_type(el, want))
                return BP_OK;
        at.list = list;
        at.idx  = idx;
        return wrong_type(&at, NULL, want, el);
}

bp_err_t bp_jf_elem_string(bp_jf_t *jf, const bp_jv_t *el, const char *list,
                           size_t idx, const char **out) {
        bp_err_t err = element(jf, el, list, idx, BP_JV_STRING);

        if (err == BP_OK)
                *out = el->u.str.s;
        return err;
}

bp_err_t bp_jf_elem_object(bp_jf_t *jf, const bp_jv_t *el, const char *list,
                           size_t idx) {
        return element(jf, el, list, idx, BP_JV_OBJECT);
}
