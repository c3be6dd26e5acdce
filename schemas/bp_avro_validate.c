/*
 * bp_avro_validate.c - walks an Avro binary body against a compiled plan
 * (bp_avro_plan.c) before avro-c is allowed to decode it.
 *
 * avro-c 1.11.1 mallocs whatever a string length claims and loops over
 * whatever a block count claims, so the checks here are what stands
 * between a hostile record and the process: every length, count and
 * index is compared with the bytes that remain before anything is
 * skipped, and per-datum bounds on items, nesting and work stop the
 * inputs that bytes alone cannot bound (items that take no bytes, deep
 * recursion). The walk runs before every decode, so it allocates nothing,
 * keeps its state on the stack, and builds the field path of an error
 * only on the way out of a failure, never on the fast path.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bp_avro_plan.h"

/* Longest map key shown in an error path; keys are attacker bytes. */
#define BP_AVRO_KEY_SHOWN 32

typedef enum bp_avro_trail_kind_e {
        BP_AVRO_TRAIL_NAME,
        BP_AVRO_TRAIL_INDEX,
        BP_AVRO_TRAIL_KEY
} bp_avro_trail_kind_t;

/* One step of the path to a failure, recorded while unwinding. */
typedef struct bp_avro_trail_s {
        bp_avro_trail_kind_t kind;
        uint32_t             name;  /* NAME: offset + 1 in plan names */
        int64_t              index; /* INDEX: position in the array/map */
        const uint8_t       *key;   /* KEY: points into the body */
        size_t               key_len;
} bp_avro_trail_t;

typedef struct bp_avro_walk_s {
        const bp_avro_op_t *ops;
        const uint8_t      *p, *end;
        uint64_t            steps, items, empty_items;
        int                 depth;
        bp_err_t            err;
        int                 ntrail;
        char                reason[160];
        /* Every frame that names a path step is one nesting level. */
        bp_avro_trail_t trail[BP_AVRO_MAX_DEPTH + 2];
} bp_avro_walk_t;

/* Records the reason of a failure; returns -1 for the caller to return.
 * Kept out of line: the fast path never gets here. */
__attribute__((format(printf, 3, 4), cold, noinline)) static int
bp_avro_fail(bp_avro_walk_t *w, bp_err_t err, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(w->reason, sizeof(w->reason), fmt, ap);
        va_end(ap);
        w->err = err;
        return -1;
}

static void bp_avro_trail_push(bp_avro_walk_t *w, bp_avro_trail_t step) {
        if (w->ntrail < (int)(sizeof(w->trail) / sizeof(w->trail[0])))
                w->trail[w->ntrail++] = step;
}

static size_t bp_avro_left(const bp_avro_walk_t *w) {
        return (size_t)(w->end - w->p);
}

/* The multi-byte varint path: at most 10 bytes, and the 10th may carry
 * only bit 63, so an encoding that does not fit 64 bits is refused. */
static int bp_avro_varint_slow(bp_avro_walk_t *w, uint64_t *out) {
        uint64_t v = 0;
        int      i;

        /* With 10 bytes in hand no byte needs a bounds check: the common
         * multi-byte varints (timestamps, lengths) end within 9. */
        if (bp_avro_left(w) >= 10) {
                for (i = 0; i < 9; i++) {
                        uint8_t b = w->p[i];

                        v |= (uint64_t)(b & 0x7f) << (7 * i);
                        if (!(b & 0x80)) {
                                w->p += i + 1;
                                *out = v;
                                return 0;
                        }
                }
                v = 0;
        }
        for (i = 0; i < 10; i++) {
                uint8_t b;

                if (w->p == w->end)
                        return bp_avro_fail(w, BP_ERR_INVALID,
                                            "body ends inside a varint");
                b = *w->p++;
                if (i == 9 && (b & 0x80))
                        return bp_avro_fail(w, BP_ERR_INVALID,
                                            "varint longer than 10 bytes");
                if (i == 9 && b > 1)
                        return bp_avro_fail(w, BP_ERR_INVALID,
                                            "varint overflows 64 bits");
                v |= (uint64_t)(b & 0x7f) << (7 * i);
                if (!(b & 0x80))
                        break;
        }
        *out = v;
        return 0;
}

/* Reads one zig-zag varint (an Avro int or long). */
static inline int bp_avro_long(bp_avro_walk_t *w, int64_t *out) {
        uint64_t u;

        if (w->p < w->end && *w->p < 0x80)
                u = *w->p++;
        else if (bp_avro_varint_slow(w, &u))
                return -1;
        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        return 0;
}

/* Returns 0 when s[0..n) is UTF-8 without NUL bytes, 1 when it is not
 * UTF-8 (overlong forms, surrogates and code points past U+10FFFF
 * included), 2 when it holds a NUL. ASCII goes 8 bytes at a time. */
int bp_avro_utf8_check(const uint8_t *s, size_t n) {
        const uint64_t hi = 0x8080808080808080ull, lo = 0x0101010101010101ull;
        size_t         i = 0, k, len;
        uint8_t        c, min2, max2;

        while (i < n) {
                uint64_t x;

                if (n - i >= 8) {
                        memcpy(&x, s + i, 8);
                        if (!(x & hi) && !((x - lo) & ~x & hi)) {
                                i += 8;
                                continue;
                        }
                }
                c = s[i];
                if (c < 0x80) {
                        if (c == 0)
                                return 2;
                        i++;
                        continue;
                }
                min2 = 0x80;
                max2 = 0xbf;
                if (c >= 0xc2 && c <= 0xdf)
                        len = 2;
                else if (c >= 0xe0 && c <= 0xef)
                        len = 3;
                else if (c >= 0xf0 && c <= 0xf4)
                        len = 4;
                else
                        return 1;
                if (c == 0xe0)
                        min2 = 0xa0; /* overlong */
                else if (c == 0xed)
                        max2 = 0x9f; /* surrogates */
                else if (c == 0xf0)
                        min2 = 0x90; /* overlong */
                else if (c == 0xf4)
                        max2 = 0x8f; /* past U+10FFFF */
                if (n - i < len || s[i + 1] < min2 || s[i + 1] > max2)
                        return 1;
                for (k = 2; k < len; k++)
                        if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                                return 1;
                i += len;
        }
        return 0;
}

/* A length-prefixed value: string, bytes or a map key ("what"). Text
 * must be UTF-8 without NUL bytes. */
static int bp_avro_blob(bp_avro_walk_t *w, const char *what, int text,
                        const uint8_t **data, int64_t *len) {
        int rc;

        if (bp_avro_long(w, len))
                return -1;
        if (*len < 0)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "negative %s length %" PRId64, what, *len);
        if ((uint64_t)*len > bp_avro_left(w))
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "%s length %" PRId64
                                    " exceeds remaining %zu bytes",
                                    what, *len, bp_avro_left(w));
        if (text && (rc = bp_avro_utf8_check(w->p, (size_t)*len)) != 0)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    rc == 1 ? "%s is not valid UTF-8"
                                            : "%s contains a NUL byte",
                                    what);
        *data = w->p;
        w->p += *len;
        return 0;
}

/* Float and double: a fixed number of bytes, any bit pattern. */
static int bp_avro_need(bp_avro_walk_t *w, const char *what, size_t n) {
        if (bp_avro_left(w) < n)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "%s needs %zu byte%s, %zu remain", what, n,
                                    n == 1 ? "" : "s", bp_avro_left(w));
        w->p += n;
        return 0;
}

/* Reads an enum or union index and checks it against n choices. */
__attribute__((always_inline)) static inline int
bp_avro_index(bp_avro_walk_t *w, const char *what, int64_t n, int64_t *index) {
        if (bp_avro_long(w, index))
                return -1;
        if (*index < 0 || *index >= n)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "%s index %" PRId64
                                    " out of range 0..%" PRId64,
                                    what, *index, n - 1);
        return 0;
}

static int bp_avro_walk(bp_avro_walk_t *w, uint32_t at);
__attribute__((always_inline)) static inline int
                  bp_avro_value(bp_avro_walk_t *w, uint32_t at);
static inline int bp_avro_step(bp_avro_walk_t *w, uint64_t n);

static int bp_avro_enter(bp_avro_walk_t *w) {
        if (++w->depth > BP_AVRO_MAX_DEPTH)
                return bp_avro_fail(w, BP_ERR_TOO_LARGE,
                                    "nesting deeper than %d levels",
                                    BP_AVRO_MAX_DEPTH);
        return 0;
}

/* A record is its fields in order; a failing field names itself. */
static int bp_avro_record(bp_avro_walk_t *w, const bp_avro_op_t *op) {
        uint32_t first = op->child, i;

        if (bp_avro_enter(w) || bp_avro_step(w, (uint64_t)op->n))
                return -1;
        for (i = 0; i < (uint32_t)op->n; i++) {
                if (bp_avro_value(w, first + i)) {
                        bp_avro_trail_push(
                            w,
                            (bp_avro_trail_t){.kind = BP_AVRO_TRAIL_NAME,
                                              .name = w->ops[first + i].name});
                        return -1;
                }
        }
        w->depth--;
        return 0;
}

/* Checks a block's item count before any item is read: against the
 * bytes left (each item takes at least item_min bytes) and against the
 * per-datum item bounds, which are all that limits items of no bytes. */
static int bp_avro_count(bp_avro_walk_t *w, const char *coll, int64_t count,
                         uint64_t item_min) {
        if (item_min > 0 && (uint64_t)count > bp_avro_left(w) / item_min)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "%s block count %" PRId64
                                    " exceeds remaining %zu bytes",
                                    coll, count, bp_avro_left(w));
        if (item_min == 0 &&
            (uint64_t)count > BP_AVRO_MAX_EMPTY_ITEMS - w->empty_items)
                return bp_avro_fail(w, BP_ERR_TOO_LARGE,
                                    "%s block count %" PRId64
                                    " exceeds the limit of %d items that "
                                    "take no bytes",
                                    coll, count, BP_AVRO_MAX_EMPTY_ITEMS);
        if ((uint64_t)count > BP_AVRO_MAX_ITEMS - w->items)
                return bp_avro_fail(w, BP_ERR_TOO_LARGE,
                                    "%s block count %" PRId64
                                    " exceeds the limit of %d items",
                                    coll, count, BP_AVRO_MAX_ITEMS);
        if (item_min == 0)
                w->empty_items += (uint64_t)count;
        w->items += (uint64_t)count;
        return 0;
}

/* One map entry: a string key, then the value. */
static int bp_avro_entry(bp_avro_walk_t *w, uint32_t value, int64_t index) {
        const uint8_t *key;
        int64_t        key_len;

        if (bp_avro_blob(w, "map key", 1, &key, &key_len)) {
                bp_avro_trail_push(
                    w, (bp_avro_trail_t){.kind  = BP_AVRO_TRAIL_INDEX,
                                         .index = index});
                return -1;
        }
        if (bp_avro_value(w, value)) {
                bp_avro_trail_push(
                    w, (bp_avro_trail_t){.kind    = BP_AVRO_TRAIL_KEY,
                                         .key     = key,
                                         .key_len = (size_t)key_len});
                return -1;
        }
        return 0;
}

/* Reads the header of the next block: its count and, for a negative
 * count, the byte size that follows it (checked against what is left). */
static int bp_avro_block_head(bp_avro_walk_t *w, const char *coll,
                              int64_t *count, int64_t *size) {
        *size = -1;
        if (bp_avro_long(w, count))
                return -1;
        if (*count >= 0)
                return 0;
        if (*count == INT64_MIN)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "%s block count %" PRId64 " out of range",
                                    coll, *count);
        *count = -*count;
        if (bp_avro_long(w, size))
                return -1;
        if (*size < 0)
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "negative %s block size %" PRId64, coll,
                                    *size);
        if ((uint64_t)*size > bp_avro_left(w))
                return bp_avro_fail(w, BP_ERR_INVALID,
                                    "%s block size %" PRId64
                                    " exceeds remaining %zu bytes",
                                    coll, *size, bp_avro_left(w));
        return 0;
}

/* Arrays and maps: blocks of items until a zero count. */
static int bp_avro_blocks(bp_avro_walk_t *w, const bp_avro_op_t *op) {
        int            map      = op->kind == BP_AVRO_MAP;
        const char    *coll     = map ? "map" : "array";
        uint64_t       item_min = w->ops[op->child].min_size + (map ? 1 : 0);
        int64_t        count, size, k, index = 0;
        const uint8_t *start;

        if (bp_avro_enter(w))
                return -1;
        for (;;) {
                if (bp_avro_block_head(w, coll, &count, &size))
                        return -1;
                if (count == 0)
                        break;
                if (bp_avro_count(w, coll, count, item_min) ||
                    bp_avro_step(w, (uint64_t)count))
                        return -1;
                start = w->p;
                for (k = 0; k < count; k++, index++) {
                        if (map) {
                                if (bp_avro_entry(w, op->child, index))
                                        return -1;
                        } else if (bp_avro_value(w, op->child)) {
                                bp_avro_trail_push(
                                    w, (bp_avro_trail_t){
                                           .kind  = BP_AVRO_TRAIL_INDEX,
                                           .index = index});
                                return -1;
                        }
                }
                if (size >= 0 && w->p - start != size)
                        return bp_avro_fail(w, BP_ERR_INVALID,
                                            "%s block size %" PRId64
                                            " does not match the %td bytes "
                                            "of its items",
                                            coll, size, w->p - start);
        }
        w->depth--;
        return 0;
}

/* A value without children (kinds before BP_AVRO_RECORD). Inlined into
 * the loops of records, arrays and maps: most fields are leaves, and a
 * call per field would cost more than checking it. */
__attribute__((always_inline)) static inline int
bp_avro_leaf(bp_avro_walk_t *w, const bp_avro_op_t *op) {
        const uint8_t *data;
        int64_t        v;

        switch ((bp_avro_kind_t)op->kind) {
        case BP_AVRO_NULL:
                return 0;
        case BP_AVRO_BOOLEAN:
                if (w->p == w->end)
                        return bp_avro_need(w, "boolean", 1);
                if (*w->p > 1)
                        return bp_avro_fail(w, BP_ERR_INVALID,
                                            "boolean byte 0x%02x is not 0 or 1",
                                            *w->p);
                w->p++;
                return 0;
        case BP_AVRO_INT:
                if (bp_avro_long(w, &v))
                        return -1;
                if (v < INT32_MIN || v > INT32_MAX)
                        return bp_avro_fail(
                            w, BP_ERR_INVALID,
                            "int value %" PRId64 " out of range", v);
                return 0;
        case BP_AVRO_LONG:
                return bp_avro_long(w, &v);
        case BP_AVRO_FLOAT:
                return bp_avro_need(w, "float", 4);
        case BP_AVRO_DOUBLE:
                return bp_avro_need(w, "double", 8);
        case BP_AVRO_STRING:
                return bp_avro_blob(w, "string", 1, &data, &v);
        case BP_AVRO_BYTES:
                return bp_avro_blob(w, "bytes", 0, &data, &v);
        case BP_AVRO_FIXED:
                if ((uint64_t)op->n > bp_avro_left(w))
                        return bp_avro_fail(w, BP_ERR_INVALID,
                                            "fixed of %" PRId64
                                            " bytes exceeds remaining %zu "
                                            "bytes",
                                            op->n, bp_avro_left(w));
                w->p += op->n;
                return 0;
        case BP_AVRO_ENUM:
                return bp_avro_index(w, "enum", op->n, &v);
        default:
                return bp_avro_fail(w, BP_ERR_INVALID, "corrupt plan");
        }
}

/* Counts n more values against BP_AVRO_MAX_STEPS. Leaves are counted in
 * bulk by the record or block that holds them, not one by one. */
static inline int bp_avro_step(bp_avro_walk_t *w, uint64_t n) {
        if ((w->steps += n) > BP_AVRO_MAX_STEPS)
                return bp_avro_fail(w, BP_ERR_TOO_LARGE, "more than %d values",
                                    BP_AVRO_MAX_STEPS);
        return 0;
}

/* Walks one value of op `at`, advancing w->p past it. Unions (a branch
 * is never a union itself) and leaves are done in line, since optional
 * fields and primitives are most of a record; records, arrays and maps go
 * through bp_avro_walk. */
__attribute__((always_inline)) static inline int
bp_avro_value(bp_avro_walk_t *w, uint32_t at) {
        const bp_avro_op_t *op = &w->ops[at];
        int64_t             v;

        if (op->kind == BP_AVRO_UNION) {
                if (bp_avro_index(w, "union", op->n, &v))
                        return -1;
                at = op->child + (uint32_t)v;
                op = &w->ops[at];
        }
        if (op->kind < BP_AVRO_RECORD)
                return bp_avro_leaf(w, op);
        return bp_avro_walk(w, at);
}

/* Walks one record, array or map value of op `at`. */
static int bp_avro_walk(bp_avro_walk_t *w, uint32_t at) {
        const bp_avro_op_t *op = &w->ops[at];

        if (bp_avro_step(w, 1))
                return -1;
        switch ((bp_avro_kind_t)op->kind) {
        case BP_AVRO_RECORD:
                return bp_avro_record(w, op);
        case BP_AVRO_ARRAY:
        case BP_AVRO_MAP:
                return bp_avro_blocks(w, op);
        default:
                return bp_avro_leaf(w, op);
        }
}

/* Appends s to errstr at *off, clamped to the buffer. */
static void bp_avro_put(char *errstr, size_t size, size_t *off, const char *s,
                        size_t len) {
        if (*off + 1 >= size)
                return;
        if (len > size - 1 - *off)
                len = size - 1 - *off;
        memcpy(errstr + *off, s, len);
        *off += len;
        errstr[*off] = '\0';
}

/* Writes `reason at field a.b[2]["k"]` into errstr. */
static void bp_avro_report(const bp_avro_walk_t *w, const char *names,
                           char *errstr, size_t size) {
        size_t off = 0;
        char   tmp[BP_AVRO_KEY_SHOWN + 8];
        int    i, first = 1;

        if (!size)
                return;
        errstr[0] = '\0';
        bp_avro_put(errstr, size, &off, w->reason, strlen(w->reason));
        if (w->ntrail)
                bp_avro_put(errstr, size, &off, " at field ", 10);
        for (i = w->ntrail - 1; i >= 0; i--) {
                const bp_avro_trail_t *t = &w->trail[i];
                size_t                 k, n = 0;

                if (t->kind == BP_AVRO_TRAIL_NAME) {
                        if (!first)
                                bp_avro_put(errstr, size, &off, ".", 1);
                        bp_avro_put(errstr, size, &off, names + t->name - 1,
                                    strlen(names + t->name - 1));
                } else if (t->kind == BP_AVRO_TRAIL_INDEX) {
                        n = (size_t)snprintf(tmp, sizeof(tmp), "[%" PRId64 "]",
                                             t->index);
                        bp_avro_put(errstr, size, &off, tmp, n);
                } else {
                        tmp[n++] = '[';
                        tmp[n++] = '"';
                        for (k = 0; k < t->key_len && k < BP_AVRO_KEY_SHOWN;
                             k++) {
                                uint8_t c = t->key[k];
                                tmp[n++]  = c < 0x20 || c > 0x7e || c == '"' ||
                                                   c == '\\'
                                                ? '?'
                                                : (char)c;
                        }
                        if (t->key_len > BP_AVRO_KEY_SHOWN)
                                n += (size_t)snprintf(tmp + n, 4, "...");
                        tmp[n++] = '"';
                        tmp[n++] = ']';
                        bp_avro_put(errstr, size, &off, tmp, n);
                }
                first = 0;
        }
}

/* Walks one datum from body[0]; *used is the bytes it took. With whole,
 * bytes after the datum are an error. */
static bp_err_t bp_avro_plan_walk(const bp_avro_plan_t *plan,
                                  const uint8_t *body, size_t len, int whole,
                                  size_t *used, char *errstr,
                                  size_t errstr_size) {
        static const uint8_t none[1];
        bp_avro_walk_t       w;

        if (!body) /* even NULL + 0 is undefined */
                body = none;
        /* Only the fields the walk reads are set: the trail stays
         * uninitialised until a failure fills it. */
        w.ops         = plan->ops;
        w.p           = body;
        w.end         = body + len;
        w.steps       = 0;
        w.items       = 0;
        w.empty_items = 0;
        w.depth       = 0;
        w.err         = BP_OK;
        w.ntrail      = 0;
        if (bp_avro_value(&w, 0) == 0 && whole && w.p != w.end) {
                size_t n = bp_avro_left(&w);

                w.ntrail = 0;
                bp_avro_fail(
                    &w, BP_ERR_INVALID, "%zu trailing byte%s after the %s", n,
                    n == 1 ? "" : "s",
                    plan->ops[0].kind == BP_AVRO_RECORD ? "record" : "datum");
        }
        if (w.err != BP_OK)
                bp_avro_report(&w, plan->names, errstr, errstr_size);
        *used = (size_t)(w.p - body);
        return w.err;
}

bp_err_t bp_avro_plan_validate(const bp_avro_plan_t *plan, const uint8_t *body,
                               size_t len, char *errstr, size_t errstr_size) {
        size_t used;

        return bp_avro_plan_walk(plan, body, len, 1, &used, errstr,
                                 errstr_size);
}

bp_err_t bp_avro_plan_measure(const bp_avro_plan_t *plan, const uint8_t *buf,
                              size_t len, size_t *used, char *errstr,
                              size_t errstr_size) {
        return bp_avro_plan_walk(plan, buf, len, 0, used, errstr, errstr_size);
}
