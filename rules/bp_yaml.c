/*
 * bp_yaml.c - the strict YAML event reader of the rules loader (see
 * bp_yaml.h for what it accepts and why).
 *
 * libyaml reports positions as 0-based marks and leaves typing to its
 * caller; this file turns marks into the 1-based "path:line:column" of
 * editors and implements just enough of the YAML 1.2 core schema to tell a
 * plain 12 (an integer) from "12" (a string) and to refuse the values that
 * different YAML versions read differently (010, yes, 0x1f).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_yaml.h"

/* Longest excerpt of a value quoted in a message. */
#define BP_YAML_SNIPPET_MAX 40

/* What a plain scalar means under the core schema. */
typedef enum bp_plain_e {
        BP_PLAIN_STRING = 0,
        BP_PLAIN_NULL,
        BP_PLAIN_BOOL,
        BP_PLAIN_INT,
        BP_PLAIN_FLOAT
} bp_plain_t;

static const char *const bp_plain_names[] = {"string", "null", "boolean",
                                             "integer", "number"};

bp_err_t bp_yaml_error(bp_yaml_t *y, yaml_mark_t mark, const char *fmt, ...) {
        va_list ap;
        int     n;

        if (!y->errstr || y->errstr_size == 0)
                return BP_ERR_RULES;
        n = snprintf(y->errstr, y->errstr_size, "%s:%zu:%zu: ", y->path,
                     mark.line + 1, mark.column + 1);
        if (n >= 0 && (size_t)n < y->errstr_size) {
                va_start(ap, fmt);
                vsnprintf(y->errstr + n, y->errstr_size - (size_t)n, fmt, ap);
                va_end(ap);
        }
        return BP_ERR_RULES;
}

bp_err_t bp_yaml_init(bp_yaml_t *y, const char *path,
                      const unsigned char *input, size_t len, char *errstr,
                      size_t errstr_size) {
        memset(y, 0, sizeof(*y));
        y->path        = path;
        y->input       = input;
        y->input_len   = len;
        y->errstr      = errstr;
        y->errstr_size = errstr_size;
        if (!yaml_parser_initialize(&y->parser)) {
                yaml_mark_t start = {0, 0, 0};
                bp_yaml_error(y, start, "out of memory");
                return BP_ERR_NOMEM;
        }
        yaml_parser_set_input_string(&y->parser, input, len);
        return BP_OK;
}

void bp_yaml_fini(bp_yaml_t *y) {
        if (y->has_event)
                yaml_event_delete(&y->event);
        y->has_event = false;
        yaml_parser_delete(&y->parser);
}

/* Copies at most BP_YAML_SNIPPET_MAX bytes of s for a message, replacing
 * control characters so that an error stays on one line. */
static void bp_yaml_snippet(const char *s, size_t len, char *out, size_t size) {
        size_t i, n = len < BP_YAML_SNIPPET_MAX ? len : BP_YAML_SNIPPET_MAX;

        if (n > size - 4)
                n = size - 4;
        for (i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                out[i]          = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        out[i] = '\0';
        if (n < len)
                memcpy(out + i, "...", 4);
}

/* The libyaml reader reports a byte offset instead of a mark: count lines
 * ourselves so that the message still points into the file. */
static yaml_mark_t bp_yaml_mark_at(const bp_yaml_t *y, size_t offset) {
        yaml_mark_t mark = {offset, 0, 0};
        size_t      i;

        for (i = 0; i < offset && i < y->input_len; i++) {
                if (y->input[i] == '\n') {
                        mark.line++;
                        mark.column = 0;
                } else {
                        mark.column++;
                }
        }
        return mark;
}

static bp_err_t bp_yaml_parse_error(bp_yaml_t *y) {
        const yaml_parser_t *p       = &y->parser;
        const char          *problem = p->problem ? p->problem : "error";

        switch (p->error) {
        case YAML_MEMORY_ERROR:
                bp_yaml_error(y, p->problem_mark, "out of memory");
                return BP_ERR_NOMEM;
        case YAML_READER_ERROR:
                return bp_yaml_error(y, bp_yaml_mark_at(y, p->problem_offset),
                                     "invalid input: %s", problem);
        default:
                if (p->context)
                        return bp_yaml_error(y, p->problem_mark,
                                             "invalid YAML: %s (%s)", problem,
                                             p->context);
                return bp_yaml_error(y, p->problem_mark, "invalid YAML: %s",
                                     problem);
        }
}

bp_err_t bp_yaml_next(bp_yaml_t *y) {
        const yaml_event_t *ev = &y->event;
        const yaml_char_t  *anchor, *tag;

        if (y->has_event)
                yaml_event_delete(&y->event);
        y->has_event = false;
        if (!yaml_parser_parse(&y->parser, &y->event))
                return bp_yaml_parse_error(y);
        y->has_event = true;

        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                return bp_yaml_error(y, ev->start_mark,
                                     "aliases are not allowed in rules files");
        case YAML_SCALAR_EVENT:
                anchor = ev->data.scalar.anchor;
                tag    = ev->data.scalar.tag;
                break;
        case YAML_SEQUENCE_START_EVENT:
                anchor = ev->data.sequence_start.anchor;
                tag    = ev->data.sequence_start.tag;
                break;
        case YAML_MAPPING_START_EVENT:
                anchor = ev->data.mapping_start.anchor;
                tag    = ev->data.mapping_start.tag;
                break;
        default:
                return BP_OK;
        }
        if (anchor)
                return bp_yaml_error(y, ev->start_mark,
                                     "anchors are not allowed in rules files");
        if (tag)
                return bp_yaml_error(y, ev->start_mark,
                                     "tags are not allowed in rules files");
        return BP_OK;
}

static bool bp_yaml_is_plain(const bp_yaml_t *y) {
        return y->event.type == YAML_SCALAR_EVENT &&
               y->event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Skips ASCII digits from *i; returns how many. */
static size_t bp_digits(const char *s, size_t len, size_t *i) {
        size_t start = *i;

        while (*i < len && s[*i] >= '0' && s[*i] <= '9')
                (*i)++;
        return *i - start;
}

static bool bp_is_one_of(const char *s, size_t len, const char *const *words) {
        for (; *words; words++)
                if (strlen(*words) == len && memcmp(*words, s, len) == 0)
                        return true;
        return false;
}

/* Decimal or exponent numbers: [-+]?(.D+|D+(.D*)?)([eE][-+]?D+)?, the core
 * schema's float, which also covers its decimal integers. */
static bp_plain_t bp_plain_number(const char *s, size_t len) {
        size_t i = 0, int_digits, frac_digits = 0;

        if (i < len && (s[i] == '-' || s[i] == '+'))
                i++;
        int_digits = bp_digits(s, len, &i);
        if (i < len && s[i] == '.') {
                i++;
                frac_digits = bp_digits(s, len, &i);
                if (int_digits == 0 && frac_digits == 0)
                        return BP_PLAIN_STRING;
        } else if (int_digits == 0) {
                return BP_PLAIN_STRING;
        } else if (i == len) {
                return BP_PLAIN_INT;
        }
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                if (i < len && (s[i] == '-' || s[i] == '+'))
                        i++;
                if (bp_digits(s, len, &i) == 0)
                        return BP_PLAIN_STRING;
        }
        return i == len ? BP_PLAIN_FLOAT : BP_PLAIN_STRING;
}

static bp_plain_t bp_plain_kind(const char *s, size_t len) {
        static const char *const nulls[]  = {"~", "null", "Null", "NULL", NULL};
        static const char *const bools[]  = {"true",  "True",  "TRUE", "false",
                                             "False", "FALSE", NULL};
        static const char *const floats[] = {
            ".inf",  ".Inf",  ".INF", "-.inf", "-.Inf", "-.INF", "+.inf",
            "+.Inf", "+.INF", ".nan", ".NaN",  ".NAN",  NULL};
        size_t i;

        if (len == 0 || bp_is_one_of(s, len, nulls))
                return BP_PLAIN_NULL;
        if (bp_is_one_of(s, len, bools))
                return BP_PLAIN_BOOL;
        if (bp_is_one_of(s, len, floats))
                return BP_PLAIN_FLOAT;
        if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
                for (i = 2; i < len; i++)
                        if (!strchr("0123456789abcdefABCDEF", s[i]))
                                return BP_PLAIN_STRING;
                return BP_PLAIN_INT;
        }
        return bp_plain_number(s, len);
}

bp_err_t bp_yaml_bad_value(bp_yaml_t *y, const char *key,
                           const char *expected) {
        const yaml_event_t *ev = &y->event;
        char                got[BP_YAML_SNIPPET_MAX + 32];
        char                snippet[BP_YAML_SNIPPET_MAX + 4];

        if (ev->type == YAML_MAPPING_START_EVENT) {
                snprintf(got, sizeof(got), "a mapping");
        } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
                snprintf(got, sizeof(got), "a sequence");
        } else if (ev->type == YAML_SCALAR_EVENT &&
                   ev->data.scalar.length == 0 && bp_yaml_is_plain(y)) {
                snprintf(got, sizeof(got), "nothing");
        } else if (ev->type == YAML_SCALAR_EVENT) {
                bp_yaml_snippet((const char *)ev->data.scalar.value,
                                ev->data.scalar.length, snippet,
                                sizeof(snippet));
                snprintf(got, sizeof(got), "%s'%s'",
                         bp_yaml_is_plain(y) ? "" : "the quoted string ",
                         snippet);
        } else {
                snprintf(got, sizeof(got), "the end of the node");
        }
        if (!key)
                return bp_yaml_error(y, ev->start_mark,
                                     "bad top level: expected %s, got %s",
                                     expected, got);
        return bp_yaml_error(y, ev->start_mark,
                             "bad value for '%s': expected %s, got %s", key,
                             expected, got);
}

bp_err_t bp_yaml_expect(bp_yaml_t *y, const char *key, yaml_event_type_t type,
                        const char *expected) {
        if (y->event.type != type)
                return bp_yaml_bad_value(y, key, expected);
        return BP_OK;
}

bp_err_t bp_yaml_open_document(bp_yaml_t *y, bool *empty) {
        bp_err_t err;

        *empty = false;
        /* The stream start, then a document start unless the file holds no
         * document at all (empty, or only comments). */
        if ((err = bp_yaml_next(y)) || (err = bp_yaml_next(y)))
                return err;
        if (y->event.type == YAML_STREAM_END_EVENT) {
                *empty = true;
                return BP_OK;
        }
        if ((err = bp_yaml_next(y)))
                return err;
        if (bp_yaml_is_plain(y) &&
            bp_plain_kind((const char *)y->event.data.scalar.value,
                          y->event.data.scalar.length) == BP_PLAIN_NULL) {
                *empty = true;
                return BP_OK;
        }
        return bp_yaml_expect(y, NULL, YAML_MAPPING_START_EVENT, "a mapping");
}

bp_err_t bp_yaml_close_document(bp_yaml_t *y) {
        bp_err_t err;

        if (y->event.type == YAML_STREAM_END_EVENT)
                return BP_OK;
        /* The parser guarantees the document end after a complete root. */
        if ((err = bp_yaml_next(y)) || (err = bp_yaml_next(y)))
                return err;
        if (y->event.type == YAML_DOCUMENT_START_EVENT)
                return bp_yaml_error(y, y->event.start_mark,
                                     "a rules file holds one document; "
                                     "found a second one");
        return BP_OK;
}

/* Writes the names joined by ", " (as many as fit). */
static void bp_join(const char *const *names, int cnt, char *out, size_t size) {
        size_t len = 0;
        int    i, n;

        out[0] = '\0';
        for (i = 0; i < cnt && len < size; i++) {
                n = snprintf(out + len, size - len, "%s%s", i ? ", " : "",
                             names[i]);
                if (n < 0)
                        break;
                len += (size_t)n;
        }
}

bp_err_t bp_yaml_key(bp_yaml_t *y, const bp_yaml_map_t *map, int *index) {
        const yaml_event_t *ev = &y->event;
        char                expected[256], snippet[BP_YAML_SNIPPET_MAX + 4];
        int                 i;

        if (ev->type != YAML_SCALAR_EVENT)
                return bp_yaml_error(
                    y, ev->start_mark, "expected a key in %s, got a %s",
                    map->what,
                    ev->type == YAML_MAPPING_START_EVENT ? "mapping"
                                                         : "sequence");
        for (i = 0; i < map->key_cnt; i++) {
                if (strlen(map->keys[i]) == ev->data.scalar.length &&
                    memcmp(map->keys[i], ev->data.scalar.value,
                           ev->data.scalar.length) == 0) {
                        *index = i;
                        return BP_OK;
                }
        }
        bp_join(map->keys, map->key_cnt, expected, sizeof(expected));
        bp_yaml_snippet((const char *)ev->data.scalar.value,
                        ev->data.scalar.length, snippet, sizeof(snippet));
        return bp_yaml_error(y, ev->start_mark,
                             "unknown key '%s' in %s (expected %s)", snippet,
                             map->what, expected);
}

static bp_err_t bp_yaml_missing(bp_yaml_t *y, yaml_mark_t start,
                                const bp_yaml_map_t *map, uint32_t missing) {
        int i = 0;

        while (!(missing & (UINT32_C(1) << i)))
                i++;
        return bp_yaml_error(y, start, "missing key '%s' in %s", map->keys[i],
                             map->what);
}

bp_err_t bp_yaml_mapping(bp_yaml_t *y, const char *key,
                         const bp_yaml_map_t *map, bp_yaml_key_fn fn,
                         void *target) {
        yaml_mark_t start;
        uint32_t    seen = 0;
        int         idx;
        bp_err_t    err;

        if ((err =
                 bp_yaml_expect(y, key, YAML_MAPPING_START_EVENT, "a mapping")))
                return err;
        start = y->event.start_mark;
        for (;;) {
                if ((err = bp_yaml_next(y)))
                        return err;
                if (y->event.type == YAML_MAPPING_END_EVENT)
                        break;
                if ((err = bp_yaml_key(y, map, &idx)))
                        return err;
                if (seen & (UINT32_C(1) << idx))
                        return bp_yaml_error(y, y->event.start_mark,
                                             "duplicate key '%s' in %s",
                                             map->keys[idx], map->what);
                seen |= UINT32_C(1) << idx;
                if ((err = bp_yaml_next(y)) || (err = fn(y, idx, target)))
                        return err;
        }
        if (map->required & ~seen)
                return bp_yaml_missing(y, start, map, map->required & ~seen);
        return BP_OK;
}

/* Reads 1..digits_max digits from *i without a superfluous leading zero
 * (YAML 1.1 reads 010 as octal 8, YAML 1.2 as 10: refuse it rather than
 * guess). Returns their value and count in *mag and *n; *i ends after
 * them. Callers handle the sign. */
static bool bp_decimal_digits(const char *s, size_t len, size_t *i,
                              size_t digits_max, uint64_t *mag, size_t *n) {
        size_t start = *i;

        *n = bp_digits(s, len, i);
        if (*n == 0 || *n > digits_max || (*n > 1 && s[start] == '0'))
                return false;
        for (*mag = 0; start < *i; start++)
                *mag = *mag * 10 + (uint64_t)(s[start] - '0');
        return true;
}

bp_err_t bp_yaml_int(bp_yaml_t *y, const char *key, int32_t min, int32_t max,
                     int32_t *out) {
        const char *s   = (const char *)y->event.data.scalar.value;
        size_t      len = y->event.data.scalar.length, i = 0, n;
        uint64_t    mag;
        int64_t     v;
        bool        neg;
        char        expected[64];

        snprintf(expected, sizeof(expected), "an integer in %d..%d", (int)min,
                 (int)max);
        if (!bp_yaml_is_plain(y))
                return bp_yaml_bad_value(y, key, expected);
        neg = len > 0 && s[0] == '-';
        i   = neg ? 1 : 0;
        if (!bp_decimal_digits(s, len, &i, 10, &mag, &n) || i != len)
                return bp_yaml_bad_value(y, key, expected);
        v = neg ? -(int64_t)mag : (int64_t)mag;
        if (v < min || v > max)
                return bp_yaml_bad_value(y, key, expected);
        *out = (int32_t)v;
        return BP_OK;
}

bp_err_t bp_yaml_number(bp_yaml_t *y, const char *key, double min, double max,
                        double *out) {
        /* Powers of ten up to 1e15 are exact in a double, and so is any
         * mantissa of at most 15 digits: one correctly rounded division
         * then gives the nearest double, as strtod would, in any locale. */
        static const double pow10[] = {1e0,  1e1,  1e2,  1e3, 1e4,  1e5,
                                       1e6,  1e7,  1e8,  1e9, 1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15};
        const char         *s       = (const char *)y->event.data.scalar.value;
        size_t   len = y->event.data.scalar.length, i, n_int, n_frac = 0;
        uint64_t mag, frac = 0;
        double   v;
        char     expected[64];

        snprintf(expected, sizeof(expected), "a number in %.1f..%.1f", min,
                 max);
        if (!bp_yaml_is_plain(y))
                return bp_yaml_bad_value(y, key, expected);
        i = len > 0 && s[0] == '-' ? 1 : 0;
        if (!bp_decimal_digits(s, len, &i, 15, &mag, &n_int))
                return bp_yaml_bad_value(y, key, expected);
        if (i < len && s[i] == '.') {
                size_t start = ++i;
                n_frac       = bp_digits(s, len, &i);
                if (n_frac == 0 || n_int + n_frac > 15)
                        return bp_yaml_bad_value(y, key, expected);
                for (; start < i; start++)
                        frac = frac * 10 + (uint64_t)(s[start] - '0');
        }
        if (i != len)
                return bp_yaml_bad_value(y, key, expected);
        v = (double)(mag * (uint64_t)pow10[n_frac] + frac) / pow10[n_frac];
        if (s[0] == '-')
                v = -v;
        if (!(v >= min && v <= max))
                return bp_yaml_bad_value(y, key, expected);
        *out = v;
        return BP_OK;
}

bp_err_t bp_yaml_bool(bp_yaml_t *y, const char *key, bool *out) {
        const char *s   = (const char *)y->event.data.scalar.value;
        size_t      len = y->event.data.scalar.length;

        if (bp_yaml_is_plain(y) && len == 4 && memcmp(s, "true", 4) == 0)
                *out = true;
        else if (bp_yaml_is_plain(y) && len == 5 && memcmp(s, "false", 5) == 0)
                *out = false;
        else
                return bp_yaml_bad_value(y, key, "true or false");
        return BP_OK;
}

bool bp_yaml_is_strict_id(const char *s, size_t len, size_t max_len) {
        size_t i;

        if (len == 0 || len > max_len)
                return false;
        for (i = 0; i < len; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                      c == '-'))
                        return false;
        }
        return true;
}

static bool bp_is_clean_text(const char *s, size_t len) {
        size_t i;

        for (i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

bp_err_t bp_yaml_id(bp_yaml_t *y, const char *key, size_t max_len, bool strict,
                    char **out) {
        const char *s   = (const char *)y->event.data.scalar.value;
        size_t      len = y->event.data.scalar.length;
        char        expected[96], snippet[BP_YAML_SNIPPET_MAX + 4];
        bp_plain_t  kind;

        snprintf(expected, sizeof(expected),
                 strict ? "an id of 1..%zu characters A-Z a-z 0-9 . _ -"
                        : "a string of 1..%zu bytes without control "
                          "characters",
                 max_len);
        if (y->event.type != YAML_SCALAR_EVENT)
                return bp_yaml_bad_value(y, key, expected);
        kind = bp_yaml_is_plain(y) ? bp_plain_kind(s, len) : BP_PLAIN_STRING;
        if (kind != BP_PLAIN_STRING && kind != BP_PLAIN_NULL) {
                bp_yaml_snippet(s, len, snippet, sizeof(snippet));
                return bp_yaml_error(y, y->event.start_mark,
                                     "bad value for '%s': expected a string, "
                                     "got the %s %s (quote it)",
                                     key, bp_plain_names[kind], snippet);
        }
        if (kind == BP_PLAIN_NULL || len == 0 || len > max_len ||
            !bp_is_clean_text(s, len) ||
            (strict && !bp_yaml_is_strict_id(s, len, max_len)))
                return bp_yaml_bad_value(y, key, expected);
        if (!(*out = malloc(len + 1))) {
                bp_yaml_error(y, y->event.start_mark, "out of memory");
                return BP_ERR_NOMEM;
        }
        memcpy(*out, s, len);
        (*out)[len] = '\0';
        return BP_OK;
}

bp_err_t bp_yaml_symbol(bp_yaml_t *y, const char *key, const char *const *names,
                        int cnt, int *out) {
        char expected[256];
        int  i;

        if (y->event.type == YAML_SCALAR_EVENT) {
                for (i = 0; i < cnt; i++) {
                        if (strlen(names[i]) == y->event.data.scalar.length &&
                            memcmp(names[i], y->event.data.scalar.value,
                                   y->event.data.scalar.length) == 0) {
                                *out = i;
                                return BP_OK;
                        }
                }
        }
        memcpy(expected, "one of ", 8);
        bp_join(names, cnt, expected + 7, sizeof(expected) - 7);
        return bp_yaml_bad_value(y, key, expected);
}
