/*
 * bp_json_scan.c - strict JSON scanner into a reused flat array (see
 * bp_json_scan.h).
 *
 * The document is read in one pass by a loop with an explicit stack of
 * open containers, so nesting costs no C stack. Strings are unescaped
 * into one buffer sized before the pass to the document's length plus
 * one: an unescaped string and its NUL never take more bytes than its
 * quoted form, so the buffer cannot overflow and never moves during a
 * pass, and the values can point into it. Numbers are copied to the
 * buffer's free tail for strtod(), which needs a terminated string; the
 * same bound leaves room for them.
 *
 * Duplicate keys are checked when an object closes: pairwise for small
 * objects, by sorting for large ones, so a hostile object with many keys
 * costs n log n, not n^2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_json_scan.h"

/* jansson's limit, so that both refuse the same documents. */
#define BP_JSON_DEPTH_MAX 2048
/* Objects up to this many members are checked for duplicates pairwise. */
#define BP_JSON_PAIRWISE_MAX 16

struct bp_json_s {
        bp_jv_t        *vals;
        size_t          val_cnt, val_cap;
        char           *str;
        size_t          str_len, str_cap;
        const bp_jv_t **sort; /* scratch for the duplicate check */
        size_t          sort_cap;
        uint32_t        stack[BP_JSON_DEPTH_MAX];
};

/* The state of one pass. */
typedef struct bp_scan_s {
        bp_json_t  *js;
        const char *text, *p, *end;
        const char *why; /* reason of the failure */
        int         nomem;
} bp_scan_t;

bp_json_t *bp_json_new(void) {
        return calloc(1, sizeof(bp_json_t));
}

void bp_json_destroy(bp_json_t *js) {
        if (!js)
                return;
        free(js->vals);
        free(js->str);
        free(js->sort);
        free(js);
}

size_t bp_utf8_len(const unsigned char *s, size_t avail) {
        unsigned char c = s[0], lo = 0x80, hi = 0xbf;
        size_t        n, i;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4;
        else
                return 0;
        /* The second byte's range excludes overlong forms, surrogates and
         * code points beyond U+10FFFF. */
        if (c == 0xe0)
                lo = 0xa0;
        else if (c == 0xed)
                hi = 0x9f;
        else if (c == 0xf0)
                lo = 0x90;
        else if (c == 0xf4)
                hi = 0x8f;
        if (avail < n || s[1] < lo || s[1] > hi)
                return 0;
        for (i = 2; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

static int fail(bp_scan_t *s, const char *why) {
        s->why = why;
        return -1;
}

static void skip_ws(bp_scan_t *s) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' ||
                                 *s->p == '\r' || *s->p == '\t'))
                s->p++;
}

/* Appends a value of type to the array: its index, or -1 on ENOMEM. */
static long new_val(bp_scan_t *s, bp_jv_type_t type) {
        bp_json_t *js = s->js;
        bp_jv_t   *v;

        if (js->val_cnt == js->val_cap) {
                size_t cap = js->val_cap ? js->val_cap * 2 : 64;

                v = realloc(js->vals, cap * sizeof(*v));
                if (!v) {
                        s->nomem = 1;
                        return fail(s, "out of memory");
                }
                js->vals    = v;
                js->val_cap = cap;
        }
        v = &js->vals[js->val_cnt];
        memset(v, 0, sizeof(*v));
        v->type = type;
        v->span = 1;
        return (long)js->val_cnt++;
}

static int hex4(const char *p, uint32_t *out) {
        uint32_t v = 0;
        int      i;

        for (i = 0; i < 4; i++) {
                char c = p[i];

                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (uint32_t)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (uint32_t)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (uint32_t)(c - 'A' + 10);
                else
                        return -1;
        }
        *out = v;
        return 0;
}

/* Reads the \uXXXX escape (or surrogate pair) at s->p, just after the
 * backslash-u, and writes its UTF-8 form at *out. */
static int unicode_escape(bp_scan_t *s, char **out) {
        uint32_t       cp, lo;
        unsigned char *o = (unsigned char *)*out;

        if (s->end - s->p < 4 || hex4(s->p, &cp) != 0)
                return fail(s, "invalid \\u escape");
        s->p += 4;
        if (cp == 0)
                return fail(s, "\\u0000 is not allowed");
        if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(s, "lone low surrogate");
        if (cp >= 0xd800 && cp <= 0xdbff) {
                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
                    hex4(s->p + 2, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                        return fail(s, "lone high surrogate");
                s->p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (cp < 0x80) {
                *o++ = (unsigned char)cp;
        } else if (cp < 0x800) {
                *o++ = (unsigned char)(0xc0 | cp >> 6);
                *o++ = (unsigned char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
                *o++ = (unsigned char)(0xe0 | cp >> 12);
                *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (unsigned char)(0x80 | (cp & 0x3f));
        } else {
                *o++ = (unsigned char)(0xf0 | cp >> 18);
                *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
                *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (unsigned char)(0x80 | (cp & 0x3f));
        }
        *out = (char *)o;
        return 0;
}

static int simple_escape(char c, char *out) {
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char       *f = c ? strchr(from, c) : NULL;

        if (!f)
                return -1;
        *out = to[f - from];
        return 0;
}

/* Reads the string at s->p (its opening quote) into the string buffer. */
static int scan_string(bp_scan_t *s, const char **str, size_t *len) {
        char       *start = s->js->str + s->js->str_len, *o = start;
        const char *run;
        size_t      n;

        s->p++;
        for (;;) {
                run = s->p;
                while (s->p < s->end && (unsigned char)*s->p >= 0x20 &&
                       (unsigned char)*s->p < 0x80 && *s->p != '"' &&
                       *s->p != '\\')
                        s->p++;
                memcpy(o, run, (size_t)(s->p - run));
                o += s->p - run;
                if (s->p == s->end)
                        return fail(s, "premature end of input in string");
                if (*s->p == '"')
                        break;
                if (*s->p == '\\') {
                        if (++s->p == s->end)
                                return fail(s, "premature end of input");
                        if (*s->p == 'u') {
                                s->p++;
                                if (unicode_escape(s, &o) != 0)
                                        return -1;
                        } else if (simple_escape(*s->p++, o++) != 0) {
                                return fail(s, "invalid escape");
                        }
                        continue;
                }
                if ((unsigned char)*s->p < 0x20)
                        return fail(s, "control character in string");
                n = bp_utf8_len((const unsigned char *)s->p,
                                (size_t)(s->end - s->p));
                if (n == 0)
                        return fail(s, "invalid UTF-8 in string");
                memcpy(o, s->p, n);
                o += n;
                s->p += n;
        }
        s->p++;
        *o++ = '\0';
        *str = start;
        *len = (size_t)(o - start) - 1;
        s->js->str_len += (size_t)(o - start);
        return 0;
}

static const char *skip_digits(const char *p, const char *end) {
        while (p < end && *p >= '0' && *p <= '9')
                p++;
        return p;
}

/* Converts the integer literal in [p, end) (digits with an optional
 * minus sign, already checked) into v, refusing what int64_t cannot
 * hold as jansson does. */
static int integer_value(bp_scan_t *s, const char *p, const char *end,
                         bp_jv_t *v) {
        int      neg   = *p == '-';
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        uint64_t u     = 0, digit;

        for (p += neg; p < end; p++) {
                digit = (uint64_t)(*p - '0');
                if (u > (limit - digit) / 10)
                        return fail(s, "too big integer");
                u = u * 10 + digit;
        }
        v->type = BP_JV_INTEGER;
        if (!neg)
                v->u.i = (int64_t)u;
        else
                v->u.i = u == limit ? INT64_MIN : -(int64_t)u;
        return 0;
}

/* Reads the number at s->p into v: an integer when it has no fraction and
 * no exponent (as jansson decides), else a real. */
static int scan_number(bp_scan_t *s, bp_jv_t *v) {
        const char *p = s->p, *d, *start = s->p;
        int         real = 0;
        char       *tmp  = s->js->str + s->js->str_len;


        if (p < s->end && *p == '-')
                p++;
        d = p;
        if (p < s->end && *p == '0')
                p++;
        else
                p = skip_digits(p, s->end);
        if (p == d)
                return fail(s, "invalid number");
        if (p < s->end && *p == '.') {
                d = ++p;
                if ((p = skip_digits(p, s->end)) == d)
                        return fail(s, "invalid number");
                real = 1;
        }
        if (p < s->end && (*p == 'e' || *p == 'E')) {
                if (++p < s->end && (*p == '+' || *p == '-'))
                        p++;
                d = p;
                if ((p = skip_digits(p, s->end)) == d)
                        return fail(s, "invalid number");
                real = 1;
        }
        s->p = p;
        if (!real)
                return integer_value(s, start, p, v);
        /* The free tail of the string buffer is at least as long as the
         * rest of the text (see the top of this file). */
        memcpy(tmp, start, (size_t)(p - start));
        tmp[p - start] = '\0';
        v->type        = BP_JV_REAL;
        v->u.d         = strtod(tmp, NULL);
        return isfinite(v->u.d) ? 0 : fail(s, "real number overflow");
}

static int scan_literal(bp_scan_t *s, bp_jv_t *v) {
        static const struct {
                const char  *word;
                size_t       len;
                bp_jv_type_t type;
        } lits[] = {{"null", 4, BP_JV_NULL},
                    {"true", 4, BP_JV_TRUE},
                    {"false", 5, BP_JV_FALSE}};
        size_t i;

        for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
                if ((size_t)(s->end - s->p) >= lits[i].len &&
                    memcmp(s->p, lits[i].word, lits[i].len) == 0) {
                        v->type = lits[i].type;
                        s->p += lits[i].len;
                        return 0;
                }
        }
        return fail(s, "invalid token");
}

static int cmp_keys(const void *a, const void *b) {
        const bp_jv_t *x = *(const bp_jv_t *const *)a;
        const bp_jv_t *y = *(const bp_jv_t *const *)b;

        return strcmp(x->key, y->key);
}

/* Refuses obj when two of its members have the same key. */
static int check_duplicates(bp_scan_t *s, const bp_jv_t *obj) {
        bp_json_t     *js = s->js;
        const bp_jv_t *m, *k;
        size_t         i, j;

        if (obj->cnt <= BP_JSON_PAIRWISE_MAX) {
                for (i = 0, m = obj + 1; i < obj->cnt; i++, m = bp_jv_next(m))
                        for (j = i + 1, k = bp_jv_next(m); j < obj->cnt;
                             j++, k       = bp_jv_next(k))
                                if (m->key_len == k->key_len &&
                                    memcmp(m->key, k->key, m->key_len) == 0)
                                        return fail(s, "duplicate object key");
                return 0;
        }
        if (obj->cnt > js->sort_cap) {
                const bp_jv_t **p = realloc(js->sort, obj->cnt * sizeof(*p));

                if (!p) {
                        s->nomem = 1;
                        return fail(s, "out of memory");
                }
                js->sort     = p;
                js->sort_cap = obj->cnt;
        }
        for (i = 0, m = obj + 1; i < obj->cnt; i++, m = bp_jv_next(m))
                js->sort[i] = m;
        qsort(js->sort, obj->cnt, sizeof(*js->sort), cmp_keys);
        for (i = 1; i < obj->cnt; i++)
                if (strcmp(js->sort[i - 1]->key, js->sort[i]->key) == 0)
                        return fail(s, "duplicate object key");
        return 0;
}

/* Reads one value at s->p as a member (key) or element of the open
 * container, if any. *opened says whether it is a container left open. */
static int scan_value(bp_scan_t *s, uint32_t *depth, const char *key,
                      size_t key_len, int *opened) {
        bp_json_t *js = s->js;
        char       c  = *s->p;
        long       i  = new_val(s, BP_JV_NULL);
        bp_jv_t   *v;

        if (i < 0)
                return -1;
        v          = &js->vals[i];
        v->key     = key;
        v->key_len = (uint32_t)key_len;
        if (*depth > 0)
                js->vals[js->stack[*depth - 1]].cnt++;
        *opened = c == '{' || c == '[';
        if (*opened) {
                if (*depth == BP_JSON_DEPTH_MAX)
                        return fail(s, "maximum parsing depth reached");
                v->type               = c == '{' ? BP_JV_OBJECT : BP_JV_ARRAY;
                js->stack[(*depth)++] = (uint32_t)i;
                s->p++;
                return 0;
        }
        if (c == '"') {
                v->type = BP_JV_STRING;
                return scan_string(s, &v->u.str.s, &v->u.str.len);
        }
        if (c == '-' || (c >= '0' && c <= '9'))
                return scan_number(s, v);
        return scan_literal(s, v);
}

/* Reads `"key" :` before a member's value. */
static int scan_key(bp_scan_t *s, const char **key, size_t *key_len) {
        if (s->p == s->end || *s->p != '"')
                return fail(s, "string or '}' expected");
        if (scan_string(s, key, key_len) != 0)
                return -1;
        skip_ws(s);
        if (s->p == s->end || *s->p != ':')
                return fail(s, "':' expected");
        s->p++;
        return 0;
}

/* Where the scanner is, in between values. */
enum { BP_SCAN_VALUE, BP_SCAN_OPENED, BP_SCAN_AFTER };

static int scan_doc(bp_scan_t *s) {
        bp_json_t  *js      = s->js;
        uint32_t    depth   = 0;
        int         state   = BP_SCAN_VALUE, opened, obj;
        const char *key     = NULL;
        size_t      key_len = 0;
        bp_jv_t    *top;

        skip_ws(s);
        if (s->p == s->end || (*s->p != '{' && *s->p != '['))
                return fail(s, "'[' or '{' expected");
        for (;;) {
                skip_ws(s);
                if (state == BP_SCAN_VALUE) {
                        if (s->p == s->end)
                                return fail(s, "premature end of input");
                        if (scan_value(s, &depth, key, key_len, &opened))
                                return -1;
                        state = opened ? BP_SCAN_OPENED : BP_SCAN_AFTER;
                        continue;
                }
                if (depth == 0)
                        return s->p == s->end ? 0
                                              : fail(s, "end of file expected");
                top = &js->vals[js->stack[depth - 1]];
                obj = top->type == BP_JV_OBJECT;
                if (s->p < s->end && *s->p == (obj ? '}' : ']')) {
                        s->p++;
                        top->span =
                            (uint32_t)(js->val_cnt - js->stack[--depth]);
                        if (obj && check_duplicates(s, top) != 0)
                                return -1;
                        state = BP_SCAN_AFTER;
                        continue;
                }
                if (state == BP_SCAN_AFTER) {
                        if (s->p == s->end || *s->p != ',')
                                return fail(s, obj ? "',' or '}' expected"
                                                   : "',' or ']' expected");
                        s->p++;
                        skip_ws(s);
                }
                key = NULL;
                if (obj && scan_key(s, &key, &key_len) != 0)
                        return -1;
                state = BP_SCAN_VALUE;
        }
}

bp_err_t bp_json_parse(bp_json_t *js, const char *text, size_t len,
                       const bp_jv_t **root, char *errstr, size_t errstr_size) {
        bp_scan_t s = {.js = js, .text = text, .p = text, .end = text + len};

        js->val_cnt = 0;
        js->str_len = 0;
        if (len >= UINT32_MAX) {
                snprintf(errstr, errstr_size, "document too large");
                return BP_ERR_TOO_LARGE;
        }
        if (js->str_cap < len + 1) {
                char *str = realloc(js->str, len + 1);

                if (!str)
                        return BP_ERR_NOMEM;
                js->str     = str;
                js->str_cap = len + 1;
        }
        if (scan_doc(&s) != 0) {
                if (s.nomem)
                        return BP_ERR_NOMEM;
                snprintf(errstr, errstr_size, "byte %zu: %s",
                         (size_t)(s.p - text), s.why);
                return BP_ERR_PARSE;
        }
        *root = js->vals;
        return BP_OK;
}

const bp_jv_t *bp_jv_get(const bp_jv_t *obj, const char *key) {
        const bp_jv_t *m = obj + 1;
        size_t         i, len = strlen(key);

        for (i = 0; i < obj->cnt; i++, m = bp_jv_next(m))
                if (m->key_len == len && memcmp(m->key, key, len) == 0)
                        return m;
        return NULL;
}
