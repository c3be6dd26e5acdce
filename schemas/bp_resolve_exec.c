/*
 * bp_resolve_exec.c - running a compiled resolution program over a body
 * (see bp_resolve.h).
 *
 * The program tree mirrors the writer schema, so decoding is one recursive
 * walk whose depth the schema bounds, never the data. Every read is checked
 * against the end of the body, so this code is safe on its own, and it
 * refuses everything the validator (bp_avro_validate.c) refuses: its
 * limits (nesting, items, items of no bytes, values), strict varints,
 * UTF-8 without NUL in strings and map keys, skipped values included.
 * That lets the codec decode first and run the validator only to word a
 * failure (bp_codec.c); tests/test_mutation.c checks that whatever this
 * accepts, the validator accepts. Items are stored as they are read, so
 * no claimed count reaches an allocator. Strings are copied once,
 * NUL-terminated, into a buffer reserved up front from the body's length (a
 * string costs at most its bytes plus one, and takes at least one byte of
 * body), so string pointers never move during a decode.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_avro_bin.h"
#include "bp_avro_validate.h"
#include "bp_resolve_int.h"

typedef struct run_s {
        const uint8_t *p;
        const uint8_t *end;
        bp_rscratch_t *sc;
        size_t         items;       /* array/map items so far */
        size_t         empty_items; /* of them, items that took no bytes */
        uint64_t       steps;       /* record fields and items so far */
        int            depth;       /* records, arrays, maps entered */
        char          *errstr;
        size_t         errstr_size;
} run_t;

static bp_err_t run_node(run_t *x, const bp_wnode_t *n, size_t base);

static bp_err_t run_fail(run_t *x, const bp_wnode_t *n, const char *what) {
        snprintf(x->errstr, x->errstr_size, "%s at field %s", what,
                 *n->path ? n->path : "(root)");
        return BP_ERR_INVALID;
}

/* Reads a length/count/index that must be in 0..max. */
static bp_err_t run_count(run_t *x, const bp_wnode_t *n, int64_t max,
                          int64_t *out, const char *what) {
        char msg[96];
        if (bp_avro_read_long(&x->p, x->end, out) == -1)
                return run_fail(x, n, "truncated or overlong varint");
        if (*out < 0 || *out > max) {
                snprintf(msg, sizeof(msg), "%s %lld out of range 0..%lld", what,
                         (long long)*out, (long long)max);
                return run_fail(x, n, msg);
        }
        return BP_OK;
}

/* The validator's string check, on a string or a map key. */
static bp_err_t run_text(run_t *x, const bp_wnode_t *n, const uint8_t *b,
                         size_t len) {
        int rc = bp_avro_utf8_check(b, len);
        if (rc)
                return run_fail(x, n,
                                rc == 1 ? "string is not valid UTF-8"
                                        : "string contains a NUL byte");
        return BP_OK;
}

/* Counts n values against BP_AVRO_MAX_STEPS, as the validator does. */
static bp_err_t run_steps(run_t *x, const bp_wnode_t *n, uint64_t more) {
        if ((x->steps += more) > BP_AVRO_MAX_STEPS) {
                run_fail(x, n, "too many values");
                return BP_ERR_TOO_LARGE;
        }
        return BP_OK;
}

/* Enters a record, array or map: BP_AVRO_MAX_DEPTH, as the validator. */
static bp_err_t run_enter(run_t *x, const bp_wnode_t *n) {
        if (++x->depth > BP_AVRO_MAX_DEPTH) {
                run_fail(x, n, "nesting too deep");
                return BP_ERR_TOO_LARGE;
        }
        return BP_OK;
}

static bp_err_t run_string(run_t *x, const bp_wnode_t *n, int64_t len,
                           bp_slot_t *slot) {
        const uint8_t *b;
        char          *s;
        bp_err_t       err;

        if (bp_avro_read_raw(&x->p, x->end, (size_t)len, &b) == -1)
                return run_fail(x, n, "string runs past the end of the body");
        if (n->text && (err = run_text(x, n, b, (size_t)len)) != BP_OK)
                return err;
        if (!slot)
                return BP_OK;
        /* Cannot fail for strings (see the top of the file); a zero-size
         * fixed would break the bound, so it is checked rather than
         * assumed. */
        if ((size_t)len + 1 > x->sc->str_cap - x->sc->str_len) {
                run_fail(x, n, "decoded strings exceed the body size");
                return BP_ERR_TOO_LARGE;
        }
        s = x->sc->str + x->sc->str_len;
        memcpy(s, b, (size_t)len);
        s[len] = '\0';
        x->sc->str_len += (size_t)len + 1;
        slot->s   = s;
        slot->len = (uint32_t)len;
        return BP_OK;
}

static bp_err_t run_enum(run_t *x, const bp_wnode_t *n, bp_slot_t *slot) {
        int64_t  v;
        bp_err_t err;
        char     msg[160];

        if ((err = run_count(x, n, n->enum_cnt - 1, &v, "enum index")))
                return err;
        if (!slot)
                return BP_OK;
        if (n->enum_map[v] < 0) {
                snprintf(msg, sizeof(msg),
                         "enum symbol %s of %s is unknown to this reader",
                         avro_schema_enum_get(n->wschema, (int)v),
                         avro_schema_name(n->wschema));
                return run_fail(x, n, msg);
        }
        slot->i = n->enum_map[v];
        return BP_OK;
}

/* Appends one zeroed block of item slots; returns its index or -1. */
static int64_t run_item_block(run_t *x, const bp_wnode_t *n) {
        bp_rscratch_t *sc   = x->sc;
        size_t         need = sc->slot_cnt + (size_t)n->item_slots;
        size_t         at   = sc->slot_cnt;

        if (need > sc->slot_cap) {
                size_t     cap = sc->slot_cap ? sc->slot_cap * 2 : 64;
                bp_slot_t *s;
                while (cap < need)
                        cap *= 2;
                if (!(s = realloc(sc->slots, cap * sizeof(*s))))
                        return -1;
                sc->slots    = s;
                sc->slot_cap = cap;
        }
        memset(sc->slots + at, 0, (size_t)n->item_slots * sizeof(bp_slot_t));
        sc->slot_cnt = need;
        return (int64_t)at;
}

/* Reads a block header: *cnt items (0 ends the array), and in *size the
 * byte size a negative count announces (-1 when none). */
static bp_err_t run_block(run_t *x, const bp_wnode_t *n, int64_t *cnt,
                          int64_t *size) {
        *size = -1;
        if (bp_avro_read_long(&x->p, x->end, cnt) == -1)
                return run_fail(x, n, "truncated block count");
        if (*cnt < 0 &&
            (*cnt == INT64_MIN || bp_avro_read_long(&x->p, x->end, size) == -1))
                return run_fail(x, n, "bad block count");
        *cnt = *cnt < 0 ? -*cnt : *cnt;
        if (*cnt > (int64_t)(BP_AVRO_MAX_ITEMS - x->items)) {
                run_fail(x, n, "too many array or map items");
                return BP_ERR_TOO_LARGE;
        }
        x->items += (size_t)*cnt;
        return run_steps(x, n, (uint64_t)*cnt);
}

/* Reads one item (a map's key first, skipped) into a new item block. */
static bp_err_t run_item(run_t *x, const bp_wnode_t *n, int64_t *at) {
        int64_t  klen;
        bp_err_t err;

        if (n->op == BP_W_MAP) {
                if ((err = run_count(x, n, x->end - x->p, &klen,
                                     "map key length")) != BP_OK ||
                    (err = run_text(x, n, x->p, (size_t)klen)) != BP_OK)
                        return err;
                x->p += klen;
        }
        *at = 0;
        if (n->slot >= 0 && (*at = run_item_block(x, n)) < 0)
                return BP_ERR_NOMEM;
        return run_node(x, n->items, (size_t)*at);
}

static bp_err_t run_items(run_t *x, const bp_wnode_t *n, size_t base) {
        int64_t        cnt, size, at, total = 0, first = 0;
        const uint8_t *start;
        bp_err_t       err;

        if ((err = run_enter(x, n)) != BP_OK)
                return err;
        for (;;) {
                if ((err = run_block(x, n, &cnt, &size)) != BP_OK)
                        return err;
                if (cnt == 0)
                        break;
                for (start = x->p; cnt > 0; cnt--, total++) {
                        const uint8_t *item = x->p;
                        if ((err = run_item(x, n, &at)) != BP_OK)
                                return err;
                        /* Items of no bytes are bounded by count alone:
                         * the validator's smaller limit for them. */
                        if (x->p == item &&
                            ++x->empty_items > BP_AVRO_MAX_EMPTY_ITEMS) {
                                run_fail(x, n, "too many items of no bytes");
                                return BP_ERR_TOO_LARGE;
                        }
                        if (total == 0)
                                first = at;
                }
                if (size >= 0 && x->p - start != size)
                        return run_fail(x, n,
                                        "block byte size does not match its "
                                        "items");
        }
        if (n->slot >= 0) {
                x->sc->slots[base + (size_t)n->slot].first = (uint32_t)first;
                x->sc->slots[base + (size_t)n->slot].len   = (uint32_t)total;
        }
        x->depth--;
        return BP_OK;
}

static bp_err_t run_record(run_t *x, const bp_wnode_t *n, size_t base) {
        size_t   i;
        bp_err_t err;

        if ((err = run_enter(x, n)) != BP_OK ||
            (err = run_steps(x, n, n->kid_cnt)) != BP_OK)
                return err;
        for (i = 0; i < n->kid_cnt; i++)
                if ((err = run_node(x, n->kids[i], base)) != BP_OK)
                        return err;
        for (i = 0; i < n->def_cnt; i++)
                x->sc->slots[base + (size_t)n->defs[i].slot] = n->defs[i].val;
        x->depth--;
        return BP_OK;
}

static bp_err_t run_union(run_t *x, const bp_wnode_t *n, size_t base) {
        int64_t  b;
        bp_err_t err;
        char     msg[96];

        if ((err = run_count(x, n, (int64_t)n->kid_cnt - 1, &b,
                             "union index")) != BP_OK)
                return err;
        if (!n->kids[b]) {
                snprintf(msg, sizeof(msg),
                         "writer union branch %lld has no match in the reader",
                         (long long)b);
                return run_fail(x, n, msg);
        }
        return run_node(x, n->kids[b], base);
}

static bp_err_t run_scalar(run_t *x, const bp_wnode_t *n, bp_slot_t *slot) {
        int64_t        v;
        double         d = 0;
        const uint8_t *b;

        switch (n->op) {
        case BP_W_BOOL:
                if (bp_avro_read_raw(&x->p, x->end, 1, &b) == -1 || *b > 1)
                        return run_fail(x, n, "bad boolean");
                v = *b;
                break;
        case BP_W_INT:
        case BP_W_LONG:
                if (bp_avro_read_long(&x->p, x->end, &v) == -1)
                        return run_fail(x, n, "truncated or overlong varint");
                if (n->op == BP_W_INT && (v < INT32_MIN || v > INT32_MAX))
                        return run_fail(x, n, "int out of 32-bit range");
                d = (double)v;
                break;
        case BP_W_FLOAT:
        case BP_W_DOUBLE:
                if ((n->op == BP_W_FLOAT
                         ? bp_avro_read_float(&x->p, x->end, &d)
                         : bp_avro_read_double(&x->p, x->end, &d)) == -1)
                        return run_fail(x, n, "truncated float or double");
                v = 0;
                break;
        default: /* null */
                return BP_OK;
        }
        if (slot) {
                slot->i = v;
                slot->d = d;
        }
        return BP_OK;
}

static bp_err_t run_node(run_t *x, const bp_wnode_t *n, size_t base) {
        bp_slot_t *slot =
            n->slot >= 0 ? &x->sc->slots[base + (size_t)n->slot] : NULL;
        bp_err_t err;
        int64_t  len;

        if (n->bslot >= 0)
                x->sc->slots[base + (size_t)n->bslot].branch = n->rbranch;
        switch (n->op) {
        case BP_W_STRING:
                if ((err = run_count(x, n, x->end - x->p, &len,
                                     "string length")) != BP_OK)
                        return err;
                return run_string(x, n, len, slot);
        case BP_W_FIXED:
                return run_string(x, n, n->fixed_size, slot);
        case BP_W_ENUM:
                return run_enum(x, n, slot);
        case BP_W_UNION:
                return run_union(x, n, base);
        case BP_W_RECORD:
                return run_record(x, n, base);
        case BP_W_ARRAY:
        case BP_W_MAP:
                return run_items(x, n, base);
        default:
                return run_scalar(x, n, slot);
        }
}

static bp_err_t scratch_reset(bp_rscratch_t *sc, size_t root_slots,
                              size_t body_len) {
        size_t need = body_len + 64;

        if (sc->slot_cap < root_slots) {
                bp_slot_t *s = realloc(sc->slots, root_slots * sizeof(*s));
                if (!s)
                        return BP_ERR_NOMEM;
                sc->slots    = s;
                sc->slot_cap = root_slots;
        }
        if (sc->str_cap < need) {
                char *s = realloc(sc->str, need);
                if (!s)
                        return BP_ERR_NOMEM;
                sc->str     = s;
                sc->str_cap = need;
        }
        memset(sc->slots, 0, root_slots * sizeof(*sc->slots));
        sc->slot_cnt = root_slots;
        sc->str_len  = 0;
        return BP_OK;
}

bp_err_t bp_resolver_decode(const bp_resolver_t *resolver,
                            bp_rscratch_t *scratch, const uint8_t *body,
                            size_t len, char *errstr, size_t errstr_size) {
        run_t x = {body, body + len, scratch, 0, 0, 0, 0, errstr, errstr_size};
        bp_err_t err;

        if (scratch_reset(scratch, (size_t)resolver->root_slots, len) !=
            BP_OK) {
                snprintf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        if ((err = run_node(&x, resolver->root, 0)) != BP_OK) {
                if (err == BP_ERR_NOMEM)
                        snprintf(errstr, errstr_size, "out of memory");
                return err;
        }
        if (x.p != x.end) {
                snprintf(errstr, errstr_size,
                         "%zu bytes left after the end of the record",
                         (size_t)(x.end - x.p));
                return BP_ERR_INVALID;
        }
        return BP_OK;
}

void bp_rscratch_free(bp_rscratch_t *scratch) {
        free(scratch->slots);
        free(scratch->str);
        memset(scratch, 0, sizeof(*scratch));
}
