/*
 * bp_schema_store.c - schema id -> writer schema, from the local map or a
 * registry (see bp_schema_store.h).
 *
 * Entries live in an open-addressing table keyed by id (linear probing,
 * power-of-two size, at most half full), so the lookup on every decoded
 * record is a multiply and usually one comparison.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_schema_store.h"

struct bp_schema_store_s {
        bp_schema_entry_t **tab;
        size_t              cap; /* power of two */
        size_t              cnt;
        size_t              negative_cnt;
        bp_registry_t      *registry;
};

static size_t slot_of(const bp_schema_store_t *store, int32_t id) {
        return ((uint32_t)id * 2654435761u) & (store->cap - 1);
}

static bp_schema_entry_t *lookup(const bp_schema_store_t *store, int32_t id) {
        size_t i;
        if (store->cap == 0)
                return NULL;
        for (i = slot_of(store, id); store->tab[i];
             i = (i + 1) & (store->cap - 1))
                if (store->tab[i]->id == id)
                        return store->tab[i];
        return NULL;
}

static void entry_free(bp_schema_entry_t *e) {
        int i;
        if (!e)
                return;
        for (i = 0; i < BP_STORE_READERS; i++) {
                bp_resolver_destroy(e->resolvers[i]);
                free(e->resolve_errors[i]);
        }
        bp_avro_plan_destroy(e->plan);
        if (e->schema)
                avro_schema_decref(e->schema);
        free(e->json);
        free(e->error);
        free(e);
}

bp_schema_entry_t *bp_schema_entry_new(avro_schema_t schema, char *errstr,
                                       size_t errstr_size) {
        bp_schema_entry_t *e = calloc(1, sizeof(*e));

        if (!e) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        e->id     = -1;
        e->schema = avro_schema_incref(schema);
        if (!(e->plan = bp_avro_plan_new(schema, errstr, errstr_size))) {
                entry_free(e);
                return NULL;
        }
        return e;
}

void bp_schema_entry_destroy(bp_schema_entry_t *entry) {
        entry_free(entry);
}

/* Adds e (whose id is not in the table yet). */
static bp_err_t insert(bp_schema_store_t *store, bp_schema_entry_t *e) {
        size_t i;

        if ((store->cnt + 1) * 2 > store->cap) {
                bp_schema_store_t grown = *store;
                grown.cap               = store->cap ? store->cap * 2 : 16;
                if (!(grown.tab = calloc(grown.cap, sizeof(*grown.tab))))
                        return BP_ERR_NOMEM;
                grown.cnt = 0;
                for (i = 0; i < store->cap; i++)
                        if (store->tab[i])
                                insert(&grown, store->tab[i]);
                free(store->tab);
                *store = grown;
        }
        for (i = slot_of(store, e->id); store->tab[i];
             i = (i + 1) & (store->cap - 1))
                ;
        store->tab[i] = e;
        store->cnt++;
        return BP_OK;
}

/* Makes an entry of id from schema text json (taken over: freed on every
 * path). A schema that does not parse or cannot be validated against
 * gives an entry holding the error (BP_ERR_SCHEMA), so it is not retried. */
static bp_schema_entry_t *entry_new(int32_t id, char *json, char *errstr,
                                    size_t errstr_size) {
        bp_schema_entry_t *e = calloc(1, sizeof(*e));
        char               why[256];

        if (!e) {
                free(json);
                return NULL;
        }
        e->id   = id;
        e->json = json;
        if (avro_schema_from_json_length(json, strlen(json), &e->schema)) {
                e->schema = NULL;
                snprintf(why, sizeof(why),
                         "schema id %" PRId32 " does not parse: %s", id,
                         avro_strerror());
        } else if (!(e->plan =
                         bp_avro_plan_new(e->schema, errstr, errstr_size))) {
                snprintf(why, sizeof(why),
                         "schema id %" PRId32 " cannot be validated: %s", id,
                         errstr);
                avro_schema_decref(e->schema);
                e->schema = NULL;
        } else {
                return e;
        }
        e->err = BP_ERR_SCHEMA;
        if (!(e->error = strdup(why))) {
                entry_free(e);
                return NULL;
        }
        return e;
}

/* Reads a whole file of at most max bytes, NUL-terminated, malloc'ed. */
static char *read_file(const char *path, size_t max, char *errstr,
                       size_t errstr_size) {
        FILE  *f = fopen(path, "rb");
        char  *buf;
        size_t n;

        if (!f) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                return NULL;
        }
        if (!(buf = malloc(max + 1))) {
                fclose(f);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        n = fread(buf, 1, max + 1, f);
        if (ferror(f) || n > max) {
                snprintf(errstr, errstr_size, "%s: %s", path,
                         n > max ? "file too large" : strerror(errno));
                free(buf);
                buf = NULL;
        } else {
                char *fit;
                buf[n] = '\0';
                /* The entry keeps the text: give back the rest of max. */
                if ((fit = realloc(buf, n + 1)))
                        buf = fit;
        }
        fclose(f);
        return buf;
}

/* Parses "<id> <path>" into *id and the path (pointing into line, which
 * is trimmed in place). -1 on a malformed line. */
static int parse_map_line(char *line, int32_t *id, char **path) {
        char     *end;
        long long v;
        size_t    n;

        errno = 0;
        v     = strtoll(line, &end, 10);
        if (end == line || errno || v < 1 || v > INT32_MAX || !isspace(*end))
                return -1;
        while (isspace((unsigned char)*end))
                end++;
        n = strlen(end);
        while (n > 0 && isspace((unsigned char)end[n - 1]))
                end[--n] = '\0';
        if (n == 0 || strpbrk(end, " \t"))
                return -1;
        *id   = (int32_t)v;
        *path = end;
        return 0;
}

/* Loads one map line's schema (path relative to the map's directory). */
static bp_err_t load_map_entry(bp_schema_store_t *store, const char *dir,
                               int32_t id, const char *rel, char *errstr,
                               size_t errstr_size) {
        char               path[4096];
        char              *json;
        bp_schema_entry_t *e;

        if (lookup(store, id)) {
                snprintf(errstr, errstr_size, "duplicate id %" PRId32, id);
                return BP_ERR_CONFIG;
        }
        snprintf(path, sizeof(path), "%.*s%s",
                 rel[0] == '/' ? 0 : (int)strlen(dir), dir, rel);
        if (!(json = read_file(path, BP_STORE_FILE_MAX, errstr, errstr_size)))
                return BP_ERR_CONFIG;
        if (!(e = entry_new(id, json, errstr, errstr_size)))
                return BP_ERR_NOMEM;
        if (e->error) {
                snprintf(errstr, errstr_size, "%s", e->error);
                entry_free(e);
                return BP_ERR_CONFIG;
        }
        if (insert(store, e) != BP_OK) {
                entry_free(e);
                return BP_ERR_NOMEM;
        }
        return BP_OK;
}

static bp_err_t load_map(bp_schema_store_t *store, const char *map_path,
                         char *errstr, size_t errstr_size) {
        char       *text, *line, *next, dir[4096], why[512];
        const char *slash  = strrchr(map_path, '/');
        int         lineno = 0;
        bp_err_t    err    = BP_OK;

        snprintf(dir, sizeof(dir), "%.*s",
                 slash ? (int)(slash - map_path + 1) : 0, map_path);
        if (!(text =
                  read_file(map_path, BP_STORE_FILE_MAX, errstr, errstr_size)))
                return BP_ERR_CONFIG;
        for (line = text; line && err == BP_OK; line = next) {
                int32_t id;
                char   *rel, *p = line;
                if ((next = strchr(line, '\n')))
                        *next++ = '\0';
                lineno++;
                while (isspace((unsigned char)*p))
                        p++;
                if (*p == '\0' || *p == '#')
                        continue;
                if (parse_map_line(p, &id, &rel) == -1) {
                        snprintf(why, sizeof(why),
                                 "expected `<id> <file.avsc>`");
                        err = BP_ERR_CONFIG;
                } else {
                        err = load_map_entry(store, dir, id, rel, why,
                                             sizeof(why));
                }
                if (err != BP_OK)
                        snprintf(errstr, errstr_size, "%s:%d: %s", map_path,
                                 lineno, why);
        }
        free(text);
        return err;
}

bp_schema_store_t *bp_schema_store_new(const bp_schema_store_conf_t *conf,
                                       char *errstr, size_t errstr_size) {
        bp_schema_store_t *store = calloc(1, sizeof(*store));

        if (!store) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (conf->no_ids)
                return store;
        if (conf->registry_url && *conf->registry_url) {
                store->registry =
                    bp_registry_new(conf->registry_url, conf->timeout_ms,
                                    conf->max_response, errstr, errstr_size);
                if (!store->registry)
                        goto fail;
        } else if (!conf->map_path ||
                   load_map(store, conf->map_path, errstr, errstr_size)) {
                if (!conf->map_path)
                        snprintf(errstr, errstr_size,
                                 "neither a schema map nor a registry");
                goto fail;
        }
        return store;
fail:
        bp_schema_store_destroy(store);
        return NULL;
}

void bp_schema_store_destroy(bp_schema_store_t *store) {
        size_t i;
        if (!store)
                return;
        for (i = 0; i < store->cap; i++)
                entry_free(store->tab[i]);
        free(store->tab);
        bp_registry_destroy(store->registry);
        free(store);
}

bp_registry_t *bp_schema_store_registry(const bp_schema_store_t *store) {
        return store->registry;
}

/* Asks the registry for id and caches the answer unless it may change
 * (BP_ERR_IO). */
static bp_err_t fetch(bp_schema_store_t *store, int32_t id,
                      bp_schema_entry_t **out, char *errstr,
                      size_t errstr_size) {
        char              *json = NULL;
        bp_schema_entry_t *e;
        bp_err_t err = bp_registry_get_schema(store->registry, id, &json,
                                              errstr, errstr_size);

        if (err == BP_ERR_IO || err == BP_ERR_NOMEM)
                return err;
        if (err != BP_OK) { /* a permanent answer: remember it */
                if (store->negative_cnt >= BP_STORE_NEGATIVE_MAX ||
                    !(e = calloc(1, sizeof(*e))))
                        return err;
                e->id  = id;
                e->err = err;
                if (!(e->error = strdup(errstr))) {
                        free(e);
                        return err;
                }
        } else if (!(e = entry_new(id, json, errstr, errstr_size))) {
                return BP_ERR_NOMEM;
        }
        if (e->error && store->negative_cnt >= BP_STORE_NEGATIVE_MAX) {
                snprintf(errstr, errstr_size, "%s", e->error);
                err = e->err;
                entry_free(e);
                return err;
        }
        if (insert(store, e) != BP_OK) {
                entry_free(e);
                return BP_ERR_NOMEM;
        }
        store->negative_cnt += e->error != NULL;
        *out = e;
        return BP_OK;
}

bp_err_t bp_schema_store_get(bp_schema_store_t *store, int32_t id,
                             bp_schema_entry_t **entry, char *errstr,
                             size_t errstr_size) {
        bp_schema_entry_t *e = lookup(store, id);
        bp_err_t           err;

        if (!e && !store->registry) {
                snprintf(errstr, errstr_size, "unknown schema id %" PRId32, id);
                return BP_ERR_NOT_FOUND;
        }
        if (!e && (err = fetch(store, id, &e, errstr, errstr_size)) != BP_OK)
                return err;
        if (e->error) {
                snprintf(errstr, errstr_size, "%s", e->error);
                return e->err;
        }
        *entry = e;
        return BP_OK;
}

bp_err_t bp_schema_store_id_of(bp_schema_store_t *store, const char *subject,
                               const char *json, avro_schema_t schema,
                               int32_t *id, char *errstr, size_t errstr_size) {
        bp_schema_entry_t *e;
        bp_err_t           err;
        char              *copy;
        size_t             i;

        if (!store->registry) {
                for (i = 0; i < store->cap; i++) {
                        e = store->tab[i];
                        if (e && e->schema &&
                            avro_schema_equal(e->schema, schema)) {
                                *id = e->id;
                                return BP_OK;
                        }
                }
                snprintf(errstr, errstr_size,
                         "schema %s is not in the schema map",
                         avro_schema_name(schema));
                return BP_ERR_NOT_FOUND;
        }
        if ((err = bp_registry_register(store->registry, subject, json, id,
                                        errstr, errstr_size)) != BP_OK)
                return err;
        if (lookup(store, *id))
                return BP_OK;
        if (!(copy = strdup(json)) ||
            !(e = entry_new(*id, copy, errstr, errstr_size)))
                return BP_ERR_NOMEM;
        if (insert(store, e) != BP_OK) {
                entry_free(e);
                return BP_ERR_NOMEM;
        }
        return BP_OK;
}
