/*
 * bp_resolve.c - compiling a (writer, reader) pair into a decoding program
 * (see bp_resolve.h for the rules implemented).
 *
 * The compiler walks the writer schema, because the bytes come in the
 * writer's order; at each node it knows the matching reader node (or none,
 * when the writer has data the reader skips) and records where the value
 * goes. Reader fields the writer lacks become default assignments run at
 * the end of their record. Mismatches the data may never exercise (a
 * writer union branch the reader cannot take, an enum symbol the reader
 * lacks) compile into run-time errors, as the specification asks.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_resolve_int.h"

typedef struct comp_s {
        bp_resolver_t *res;
        char          *errstr;
        size_t         errstr_size;
} comp_t;

static bp_wnode_t *comp_node(comp_t *c, avro_schema_t w, const bp_rnode_t *r,
                             const char *path, int depth);

static void *comp_alloc(comp_t *c, size_t n) {
        void *p = bp_arena_alloc(c->res->arena, n ? n : 1);
        if (p)
                memset(p, 0, n ? n : 1);
        else
                snprintf(c->errstr, c->errstr_size, "out of memory");
        return p;
}

static const char *comp_path(comp_t *c, const char *parent, const char *name) {
        size_t pl = strlen(parent), nl = strlen(name);
        char  *p = comp_alloc(c, pl + nl + 2);
        if (!p)
                return NULL;
        memcpy(p, parent, pl);
        if (pl)
                p[pl++] = '.';
        memcpy(p + pl, name, nl + 1);
        return p;
}

/* 2: same type, 1: the writer's type promotes to the reader's, 0: no. */
static int type_match(avro_schema_t w, const bp_rnode_t *r) {
        avro_type_t wt = avro_typeof(w), rt = r->type;

        if (wt == rt) {
                if (wt == AVRO_RECORD || wt == AVRO_ENUM || wt == AVRO_FIXED)
                        return strcmp(avro_schema_name(w),
                                      avro_schema_name(r->schema)) == 0
                                   ? 2
                                   : 0;
                return 2;
        }
        switch (wt) {
        case AVRO_INT32:
                return rt == AVRO_INT64 || rt == AVRO_FLOAT ||
                       rt == AVRO_DOUBLE;
        case AVRO_INT64:
                return rt == AVRO_FLOAT || rt == AVRO_DOUBLE;
        case AVRO_FLOAT:
                return rt == AVRO_DOUBLE;
        case AVRO_STRING:
                return rt == AVRO_BYTES;
        case AVRO_BYTES:
                return rt == AVRO_STRING;
        default:
                return 0;
        }
}

/* Where a primitive goes: the reader type decides the representation. */
static bp_wto_t store_as(avro_type_t rt) {
        switch (rt) {
        case AVRO_INT32:
        case AVRO_INT64:
        case AVRO_BOOLEAN:
        case AVRO_ENUM:
                return BP_TO_I;
        case AVRO_FLOAT:
        case AVRO_DOUBLE:
                return BP_TO_D;
        case AVRO_STRING:
        case AVRO_BYTES:
        case AVRO_FIXED:
                return BP_TO_S;
        case AVRO_ARRAY:
                return BP_TO_ARRAY;
        default:
                return BP_TO_SKIP;
        }
}

static bp_wop_t op_of(avro_type_t t) {
        switch (t) {
        case AVRO_BOOLEAN:
                return BP_W_BOOL;
        case AVRO_INT32:
                return BP_W_INT;
        case AVRO_INT64:
                return BP_W_LONG;
        case AVRO_FLOAT:
                return BP_W_FLOAT;
        case AVRO_DOUBLE:
                return BP_W_DOUBLE;
        case AVRO_STRING:
        case AVRO_BYTES:
                return BP_W_STRING;
        case AVRO_FIXED:
                return BP_W_FIXED;
        case AVRO_ENUM:
                return BP_W_ENUM;
        case AVRO_UNION:
                return BP_W_UNION;
        case AVRO_RECORD:
                return BP_W_RECORD;
        case AVRO_ARRAY:
                return BP_W_ARRAY;
        case AVRO_MAP:
                return BP_W_MAP;
        default:
                return BP_W_NULL;
        }
}

/* The reader value of a default: only what a JSON default can say for a
 * non-record type (a union's default is for its first branch). */
static int default_slot(comp_t *c, const bp_rnode_t *r, json_t *j,
                        const char *path, bp_default_t *out) {
        const bp_rnode_t *t = r;

        memset(out, 0, sizeof(*out));
        out->slot = r->slot;
        if (r->type == AVRO_UNION)
                t = r->branches[0]; /* out->val.branch stays 0 */
        switch (t->type) {
        case AVRO_NULL:
                if (json_is_null(j))
                        return 0;
                break;
        case AVRO_BOOLEAN:
                if (json_is_boolean(j)) {
                        out->val.i = json_is_true(j);
                        return 0;
                }
                break;
        case AVRO_INT32:
        case AVRO_INT64:
                if (json_is_integer(j)) {
                        out->val.i = json_integer_value(j);
                        return 0;
                }
                break;
        case AVRO_FLOAT:
        case AVRO_DOUBLE:
                if (json_is_number(j)) {
                        out->val.d = json_number_value(j);
                        return 0;
                }
                break;
        case AVRO_STRING:
        case AVRO_BYTES:
                if (json_is_string(j)) {
                        out->val.s   = json_string_value(j);
                        out->val.len = (uint32_t)json_string_length(j);
                        return 0;
                }
                break;
        case AVRO_ENUM:
                if (json_is_string(j) &&
                    (out->val.i = avro_schema_enum_get_by_name(
                         t->schema, json_string_value(j))) >= 0)
                        return 0;
                break;
        case AVRO_ARRAY:
                if (json_is_array(j) && json_array_size(j) == 0)
                        return 0;
                break;
        default:
                break;
        }
        snprintf(c->errstr, c->errstr_size,
                 "reader field %s: unsupported default value", path);
        return -1;
}

static int comp_record(comp_t *c, bp_wnode_t *n, avro_schema_t w,
                       const bp_rnode_t *r, const char *path, int depth) {
        size_t i, rf;
        char  *seen = NULL;
        int    rc   = -1;

        n->kid_cnt = avro_schema_record_size(w);
        n->kids    = comp_alloc(c, n->kid_cnt * sizeof(*n->kids));
        if (!n->kids || (r && !(seen = calloc(r->field_cnt + 1, 1))))
                goto out;
        for (i = 0; i < n->kid_cnt; i++) {
                const char *name     = avro_schema_record_field_name(w, (int)i);
                const bp_rnode_t *rk = NULL;
                for (rf = 0; r && rf < r->field_cnt && !rk; rf++)
                        if (strcmp(r->names[rf], name) == 0) {
                                rk       = r->fields[rf];
                                seen[rf] = 1;
                        }
                n->kids[i] = comp_node(
                    c, avro_schema_record_field_get_by_index(w, (int)i), rk,
                    comp_path(c, path, name), depth + 1);
                if (!n->kids[i])
                        goto out;
        }
        for (rf = 0; r && rf < r->field_cnt; rf++)
                n->def_cnt += !seen[rf];
        n->defs = comp_alloc(c, n->def_cnt * sizeof(*n->defs));
        if (!n->defs)
                goto out;
        for (i = 0, rf = 0; r && rf < r->field_cnt; rf++) {
                const char *fp;
                if (seen[rf])
                        continue;
                if (!(fp = comp_path(c, path, r->names[rf])))
                        goto out;
                if (!r->defaults[rf]) {
                        snprintf(c->errstr, c->errstr_size,
                                 "reader field %s is missing from the writer "
                                 "and has no default",
                                 fp);
                        goto out;
                }
                if (default_slot(c, r->fields[rf], r->defaults[rf], fp,
                                 &n->defs[i++]) == -1)
                        goto out;
        }
        rc = 0;
out:
        free(seen);
        return rc;
}

static int comp_union(comp_t *c, bp_wnode_t *n, avro_schema_t w,
                      const bp_rnode_t *r, const char *path, int depth) {
        size_t i, ok = 0;

        n->kid_cnt = avro_schema_union_size(w);
        if (!(n->kids = comp_alloc(c, n->kid_cnt * sizeof(*n->kids))))
                return -1;
        for (i = 0; i < n->kid_cnt; i++) {
                /* A branch the reader cannot take is an error only when a
                 * datum takes it: keep compiling the others. */
                n->kids[i] = comp_node(c, avro_schema_union_branch(w, (int)i),
                                       r, path, depth + 1);
                ok += n->kids[i] != NULL;
        }
        return r && ok == 0 ? -1 : 0;
}

static int comp_enum(comp_t *c, bp_wnode_t *n, avro_schema_t w,
                     const bp_rnode_t *r) {
        int32_t i;

        n->wschema  = w;
        n->enum_cnt = avro_schema_enum_number_of_symbols(w);
        if (!r)
                return 0;
        if (!(n->enum_map = comp_alloc(c, (size_t)n->enum_cnt * 4)))
                return -1;
        for (i = 0; i < n->enum_cnt; i++) {
                int k = avro_schema_enum_get_by_name(
                    r->schema, avro_schema_enum_get(w, i));
                n->enum_map[i] = k >= 0 ? k : r->enum_default;
        }
        return 0;
}

/* Picks the reader union branch for a non-union writer type: the first
 * with the same type, else the first it promotes to. */
static const bp_rnode_t *pick_branch(const bp_rnode_t *r, avro_schema_t w,
                                     int32_t *branch) {
        int    want;
        size_t i;
        for (want = 2; want >= 1; want--)
                for (i = 0; i < r->branch_cnt; i++)
                        if (type_match(w, r->branches[i]) == want) {
                                *branch = (int32_t)i;
                                return r->branches[i];
                        }
        return NULL;
}

static int comp_body(comp_t *c, bp_wnode_t *n, avro_schema_t w,
                     const bp_rnode_t *r, const char *path, int depth) {
        switch (n->op) {
        case BP_W_RECORD:
                return comp_record(c, n, w, r, path, depth);
        case BP_W_UNION:
                return comp_union(c, n, w, r, path, depth);
        case BP_W_ENUM:
                return comp_enum(c, n, w, r);
        case BP_W_FIXED:
                n->fixed_size = avro_schema_fixed_size(w);
                return 0;
        case BP_W_ARRAY:
        case BP_W_MAP:
                n->item_slots = r ? r->item_slots : 0;
                n->items      = comp_node(
                         c,
                    n->op == BP_W_ARRAY ? avro_schema_array_items(w)
                                             : avro_schema_map_values(w),
                    r ? r->items : NULL, comp_path(c, path, "[]"), depth + 1);
                return n->items ? 0 : -1;
        default:
                return 0;
        }
}

static bp_wnode_t *comp_node(comp_t *c, avro_schema_t w, const bp_rnode_t *r,
                             const char *path, int depth) {
        const bp_rnode_t *r0 = r;
        bp_wnode_t       *n;
        int32_t           bslot = -1, rbranch = 0;

        if (!path)
                return NULL;
        w = bp_resolve_deref(w);
        if (depth > BP_RESOLVE_DEPTH_MAX) {
                snprintf(c->errstr, c->errstr_size,
                         "writer schema nested deeper than %d at %s",
                         BP_RESOLVE_DEPTH_MAX, path);
                return NULL;
        }
        if (r && r->type == AVRO_UNION && avro_typeof(w) != AVRO_UNION) {
                bslot = r->slot;
                r     = pick_branch(r, w, &rbranch);
                if (!r)
                        goto mismatch;
        } else if (r && avro_typeof(w) != AVRO_UNION && !type_match(w, r)) {
                goto mismatch;
        }
        if (!(n = comp_alloc(c, sizeof(*n))))
                return NULL;
        n->op      = op_of(avro_typeof(w));
        n->text    = avro_typeof(w) == AVRO_STRING;
        n->to      = r && n->op != BP_W_UNION ? store_as(r->type) : BP_TO_SKIP;
        n->slot    = n->to == BP_TO_SKIP ? -1 : r->slot;
        n->bslot   = bslot;
        n->rbranch = rbranch;
        n->path    = path;
        return comp_body(c, n, w, r, path, depth) == 0 ? n : NULL;
mismatch:
        snprintf(c->errstr, c->errstr_size,
                 "field %s: writer type %s cannot be read as reader type %s",
                 *path ? path : "(root)",
                 avro_typeof(w) == AVRO_RECORD || avro_typeof(w) == AVRO_ENUM
                     ? avro_schema_name(w)
                     : bp_resolve_type_name(avro_typeof(w)),
                 r0->type == AVRO_RECORD || r0->type == AVRO_ENUM
                     ? avro_schema_name(r0->schema)
                     : bp_resolve_type_name(r0->type));
        return NULL;
}

bp_resolver_t *bp_resolver_new(avro_schema_t writer, const bp_rlayout_t *layout,
                               char *errstr, size_t errstr_size) {
        bp_resolver_t *res = calloc(1, sizeof(*res));
        comp_t         c   = {res, errstr, errstr_size};

        if (!res || !(res->arena = bp_arena_new(4096))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        res->root_slots = layout->root_slots;
        res->root       = comp_node(&c, writer, layout->root, "", 0);
        if (!res->root)
                goto fail;
        return res;
fail:
        bp_resolver_destroy(res);
        return NULL;
}

void bp_resolver_destroy(bp_resolver_t *resolver) {
        if (!resolver)
                return;
        bp_arena_destroy(resolver->arena);
        free(resolver);
}
