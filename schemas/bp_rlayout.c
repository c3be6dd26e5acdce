/*
 * bp_rlayout.c - flattening a reader schema into slots (see bp_resolve.h).
 *
 * The reader schema is parsed twice: avro-c gives the structure that the
 * resolution compiler walks next to the writer's, and jansson gives the
 * field defaults that avro-c 1.11.1 throws away. The two parses are walked
 * together, so each record node keeps its fields' default JSON values.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_resolve_int.h"

typedef struct lay_s {
        bp_rlayout_t *layout;
        char         *errstr;
        size_t        errstr_size;
} lay_t;

static bp_rnode_t *lay_node(lay_t *l, avro_schema_t s, json_t *j, int *next,
                            int in_item, int depth);

const char *bp_resolve_type_name(avro_type_t t) {
        static const char *const names[] = {
            [AVRO_STRING] = "string",   [AVRO_BYTES] = "bytes",
            [AVRO_INT32] = "int",       [AVRO_INT64] = "long",
            [AVRO_FLOAT] = "float",     [AVRO_DOUBLE] = "double",
            [AVRO_BOOLEAN] = "boolean", [AVRO_NULL] = "null",
            [AVRO_RECORD] = "record",   [AVRO_ENUM] = "enum",
            [AVRO_FIXED] = "fixed",     [AVRO_MAP] = "map",
            [AVRO_ARRAY] = "array",     [AVRO_UNION] = "union",
            [AVRO_LINK] = "link"};
        if ((unsigned)t >= sizeof(names) / sizeof(*names) || !names[t])
                return "?";
        return names[t];
}

avro_schema_t bp_resolve_deref(avro_schema_t s) {
        while (s && avro_typeof(s) == AVRO_LINK)
                s = avro_schema_link_target(s);
        return s;
}

/* The JSON object describing a type: a {"type": ...} object, or NULL for a
 * bare name (a primitive, or a reference to a type defined earlier, which
 * our reader schemas never use). */
static json_t *type_obj(json_t *j) {
        return json_is_object(j) ? j : NULL;
}

static void *lay_alloc(lay_t *l, size_t n) {
        void *p = bp_arena_alloc(l->layout->arena, n ? n : 1);
        if (p)
                memset(p, 0, n ? n : 1);
        else
                snprintf(l->errstr, l->errstr_size, "out of memory");
        return p;
}

static int lay_record(lay_t *l, bp_rnode_t *n, json_t *j, int *next,
                      int in_item, int depth) {
        json_t *fields = json_object_get(type_obj(j), "fields");
        size_t  i;

        n->slot      = -1;
        n->field_cnt = avro_schema_record_size(n->schema);
        if (!json_is_array(fields) || json_array_size(fields) != n->field_cnt) {
                snprintf(l->errstr, l->errstr_size,
                         "record %s: fields do not match the JSON",
                         avro_schema_name(n->schema));
                return -1;
        }
        n->names    = lay_alloc(l, n->field_cnt * sizeof(*n->names));
        n->fields   = lay_alloc(l, n->field_cnt * sizeof(*n->fields));
        n->defaults = lay_alloc(l, n->field_cnt * sizeof(*n->defaults));
        if (!n->names || !n->fields || !n->defaults)
                return -1;
        for (i = 0; i < n->field_cnt; i++) {
                json_t *fj  = json_array_get(fields, i);
                n->names[i] = avro_schema_record_field_name(n->schema, (int)i);
                n->defaults[i] = json_object_get(fj, "default");
                n->fields[i]   = lay_node(
                      l, avro_schema_record_field_get_by_index(n->schema, (int)i),
                      json_object_get(fj, "type"), next, in_item, depth + 1);
                if (!n->fields[i])
                        return -1;
        }
        return 0;
}

static int lay_union(lay_t *l, bp_rnode_t *n, json_t *j, int *next, int in_item,
                     int depth) {
        size_t i;

        n->slot       = (*next)++;
        n->branch_cnt = avro_schema_union_size(n->schema);
        if (!json_is_array(j) || json_array_size(j) != n->branch_cnt) {
                snprintf(l->errstr, l->errstr_size,
                         "union: branches do not match the JSON");
                return -1;
        }
        n->branches = lay_alloc(l, n->branch_cnt * sizeof(*n->branches));
        if (!n->branches)
                return -1;
        for (i = 0; i < n->branch_cnt; i++) {
                avro_schema_t b = bp_resolve_deref(
                    avro_schema_union_branch(n->schema, (int)i));
                int own = avro_typeof(b) == AVRO_RECORD;
                /* A non-record branch stores its value in the union's own
                 * slot; a record branch is laid out inline after it. */
                int shared = n->slot;
                n->branches[i] =
                    lay_node(l, b, json_array_get(j, i), own ? next : &shared,
                             in_item, depth + 1);
                if (!n->branches[i])
                        return -1;
                if (!own)
                        n->branches[i]->slot = n->slot;
        }
        return 0;
}

static int lay_enum(lay_t *l, bp_rnode_t *n, json_t *j, int *next) {
        json_t *def = json_object_get(type_obj(j), "default");

        n->slot         = (*next)++;
        n->enum_default = -1;
        if (def) {
                n->enum_default = json_is_string(def)
                                      ? avro_schema_enum_get_by_name(
                                            n->schema, json_string_value(def))
                                      : -1;
                if (n->enum_default < 0) {
                        snprintf(l->errstr, l->errstr_size,
                                 "enum %s: bad default",
                                 avro_schema_name(n->schema));
                        return -1;
                }
        }
        return 0;
}

static bp_rnode_t *lay_node(lay_t *l, avro_schema_t s, json_t *j, int *next,
                            int in_item, int depth) {
        bp_rnode_t *n;
        int         item_next = 0, rc = 0;

        s = bp_resolve_deref(s);
        if (depth > BP_RESOLVE_DEPTH_MAX) {
                snprintf(l->errstr, l->errstr_size, "reader schema too deep");
                return NULL;
        }
        if (!(n = lay_alloc(l, sizeof(*n))))
                return NULL;
        n->type   = avro_typeof(s);
        n->schema = s;
        switch (n->type) {
        case AVRO_RECORD:
                rc = lay_record(l, n, j, next, in_item, depth);
                break;
        case AVRO_UNION:
                rc = lay_union(l, n, j, next, in_item, depth);
                break;
        case AVRO_ENUM:
                rc = lay_enum(l, n, j, next);
                break;
        case AVRO_ARRAY:
                if (in_item) {
                        snprintf(l->errstr, l->errstr_size,
                                 "reader arrays inside array items are not "
                                 "supported");
                        return NULL;
                }
                n->slot       = (*next)++;
                n->items      = lay_node(l, avro_schema_array_items(s),
                                         json_object_get(type_obj(j), "items"),
                                         &item_next, 1, depth + 1);
                n->item_slots = item_next;
                rc            = n->items ? 0 : -1;
                break;
        case AVRO_MAP:
                snprintf(l->errstr, l->errstr_size,
                         "maps are not supported in reader schemas");
                return NULL;
        default:
                n->slot = (*next)++;
                break;
        }
        return rc == 0 ? n : NULL;
}

bp_rlayout_t *bp_rlayout_new(const char *json, size_t len, char *errstr,
                             size_t errstr_size) {
        bp_rlayout_t *layout;
        json_error_t  jerr;
        lay_t         l    = {NULL, errstr, errstr_size};
        int           next = 0;

        if (!(layout = calloc(1, sizeof(*layout))) ||
            !(layout->arena = bp_arena_new(4096))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        l.layout = layout;
        if (avro_schema_from_json_length(json, len, &layout->schema)) {
                snprintf(errstr, errstr_size, "bad reader schema: %s",
                         avro_strerror());
                goto fail;
        }
        if (!(layout->json = json_loadb(json, len, 0, &jerr))) {
                snprintf(errstr, errstr_size, "bad reader schema JSON: %s",
                         jerr.text);
                goto fail;
        }
        if (avro_typeof(layout->schema) != AVRO_RECORD) {
                snprintf(errstr, errstr_size, "reader schema is not a record");
                goto fail;
        }
        layout->root = lay_node(&l, layout->schema, layout->json, &next, 0, 0);
        if (!layout->root)
                goto fail;
        layout->root_slots = next;
        return layout;
fail:
        bp_rlayout_destroy(layout);
        return NULL;
}

void bp_rlayout_destroy(bp_rlayout_t *layout) {
        if (!layout)
                return;
        if (layout->schema)
                avro_schema_decref(layout->schema);
        json_decref(layout->json);
        bp_arena_destroy(layout->arena);
        free(layout);
}

avro_schema_t bp_rlayout_schema(const bp_rlayout_t *layout) {
        return layout->schema;
}

const bp_rnode_t *bp_rlayout_root(const bp_rlayout_t *layout) {
        return layout->root;
}

const bp_rnode_t *bp_rnode_field(const bp_rnode_t *rec, const char *name) {
        size_t i;
        if (!rec)
                return NULL;
        if (rec->type == AVRO_UNION) {
                for (i = 0; i < rec->branch_cnt; i++)
                        if (rec->branches[i]->type == AVRO_RECORD)
                                return bp_rnode_field(rec->branches[i], name);
                return NULL;
        }
        if (rec->type != AVRO_RECORD)
                return NULL;
        for (i = 0; i < rec->field_cnt; i++)
                if (strcmp(rec->names[i], name) == 0)
                        return rec->fields[i];
        return NULL;
}

int bp_rnode_slot(const bp_rnode_t *node) {
        return node ? node->slot : -1;
}

const bp_rnode_t *bp_rnode_items(const bp_rnode_t *array, int *item_slots) {
        if (!array || array->type != AVRO_ARRAY)
                return NULL;
        *item_slots = array->item_slots;
        return array->items;
}
