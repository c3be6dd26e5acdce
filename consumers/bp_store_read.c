/*
 * bp_store_read.c - reading the state store: read handles, lookups,
 * checkpoints, iteration and counts (see bp_store.h).
 *
 * Everything here runs in an LMDB read-only transaction, which takes no
 * lock and sees one committed snapshot; readers never wait for the
 * writer. Values handed out point into the memory map, so their lifetime
 * is the read handle's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bp_store_int.h"

bp_err_t bp_store_read_begin(bp_store_t *store, bp_store_read_t **rtxnp,
                             char *errstr, size_t errstr_size) {
        bp_store_read_t *rtxn;
        int              rc;

        *rtxnp = NULL;
        rtxn   = calloc(1, sizeof(*rtxn));
        if (!rtxn) {
                bp_store_errf(errstr, errstr_size, "out of memory");
                return BP_ERR_NOMEM;
        }
        rtxn->store = store;
        rc          = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &rtxn->txn);
        if (rc) {
                free(rtxn);
                return bp_store_lmdb_err(store, rc, "mdb_txn_begin(read)",
                                         errstr, errstr_size);
        }
        *rtxnp = rtxn;
        return BP_OK;
}

void bp_store_read_end(bp_store_read_t *rtxn) {
        if (!rtxn)
                return;
        mdb_txn_abort(rtxn->txn);
        free(rtxn);
}

bp_err_t bp_store_read_get(bp_store_read_t *rtxn, int32_t partition,
                           const char *freelancer_id, const void **valuep,
                           size_t *lenp, char *errstr, size_t errstr_size) {
        bp_store_key_t key;
        MDB_val        val;
        bp_err_t       err;
        int            rc;

        *valuep = NULL;
        *lenp   = 0;
        err = bp_store_key_record(rtxn->store, &key, partition, freelancer_id,
                                  errstr, errstr_size);
        if (err != BP_OK)
                return err;
        rc = mdb_get(rtxn->txn, rtxn->store->state_dbi, &key.val, &val);
        if (rc == MDB_NOTFOUND)
                return BP_ERR_NOT_FOUND;
        if (rc)
                return bp_store_lmdb_err(rtxn->store, rc, "mdb_get(state)",
                                         errstr, errstr_size);
        *valuep = val.mv_data;
        *lenp   = val.mv_size;
        return BP_OK;
}

bp_err_t bp_store_read_checkpoint(bp_store_read_t *rtxn, int32_t partition,
                                  bp_checkpoint_t *cp, char *errstr,
                                  size_t errstr_size) {
        bp_store_key_t key;
        MDB_val        val;
        bp_err_t       err;
        char           why[160];
        int            rc;

        bp_checkpoint_init(cp);
        err = bp_store_key_partition(&key, partition, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        rc = mdb_get(rtxn->txn, rtxn->store->meta_dbi, &key.val, &val);
        if (rc == MDB_NOTFOUND)
                return BP_ERR_NOT_FOUND;
        if (rc)
                return bp_store_lmdb_err(rtxn->store, rc, "mdb_get(meta)",
                                         errstr, errstr_size);
        err = bp_checkpoint_decode(val.mv_data, val.mv_size, cp, why,
                                   sizeof(why));
        if (err != BP_OK)
                bp_store_errf(errstr, errstr_size,
                              "checkpoint of partition %d: %s", (int)partition,
                              why);
        return err;
}

/* Makes store->lookup_txn a fresh snapshot, releasing the previous one. */
static int lookup_renew(bp_store_t *store) {
        int rc;
        if (!store->lookup_txn)
                rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY,
                                   &store->lookup_txn);
        else {
                if (store->lookup_held)
                        mdb_txn_reset(store->lookup_txn);
                rc = mdb_txn_renew(store->lookup_txn);
        }
        store->lookup_held = rc == 0;
        return rc;
}

void bp_store_get_done(bp_store_t *store) {
        if (!store || !store->lookup_held)
                return;
        mdb_txn_reset(store->lookup_txn);
        store->lookup_held = false;
}

bp_err_t bp_store_get(bp_store_t *store, int32_t partition,
                      const char *freelancer_id, const void **valuep,
                      size_t *lenp, char *errstr, size_t errstr_size) {
        bp_store_read_t rtxn;
        bp_err_t        err;
        int             rc;

        *valuep = NULL;
        *lenp   = 0;
        rc      = lookup_renew(store);
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_txn_renew", errstr,
                                         errstr_size);
        rtxn.store = store;
        rtxn.txn   = store->lookup_txn;
        err = bp_store_read_get(&rtxn, partition, freelancer_id, valuep, lenp,
                                errstr, errstr_size);
        /* Nothing borrowed: do not keep the snapshot (and its pages)
         * pinned on behalf of a caller that has no reason to call
         * bp_store_get_done(). */
        if (err != BP_OK)
                bp_store_get_done(store);
        return err;
}

bp_err_t bp_store_get_copy(bp_store_t *store, int32_t partition,
                           const char *freelancer_id, void **valuep,
                           size_t *lenp, char *errstr, size_t errstr_size) {
        bp_store_read_t *rtxn = NULL;
        const void      *value;
        size_t           len;
        bp_err_t         err;

        *valuep = NULL;
        *lenp   = 0;
        err     = bp_store_read_begin(store, &rtxn, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        err = bp_store_read_get(rtxn, partition, freelancer_id, &value, &len,
                                errstr, errstr_size);
        if (err != BP_OK)
                goto out;
        /* malloc(0) may return NULL; promise a pointer even then. */
        *valuep = malloc(len ? len : 1);
        if (!*valuep) {
                bp_store_errf(errstr, errstr_size, "out of memory");
                err = BP_ERR_NOMEM;
                goto out;
        }
        memcpy(*valuep, value, len);
        *lenp = len;
out:
        bp_store_read_end(rtxn);
        return err;
}

bp_err_t bp_store_get_checkpoint(bp_store_t *store, int32_t partition,
                                 bp_checkpoint_t *cp, char *errstr,
                                 size_t errstr_size) {
        bp_store_read_t *rtxn = NULL;
        bp_err_t         err;

        bp_checkpoint_init(cp);
        err = bp_store_read_begin(store, &rtxn, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        err =
            bp_store_read_checkpoint(rtxn, partition, cp, errstr, errstr_size);
        bp_store_read_end(rtxn);
        return err;
}

/* Calls fn for each record of the partition whose 4-byte key is prefix. */
static int walk(bp_store_read_t *rtxn, const bp_store_key_t *prefix,
                bp_store_foreach_cb *fn, void *opaque, char *errstr,
                size_t errstr_size) {
        char        id[BP_STORE_KEY_BUF + 1];
        MDB_cursor *cur = NULL;
        MDB_val     key, val;
        size_t      id_len;
        int         rc, ret = 0;

        rc = mdb_cursor_open(rtxn->txn, rtxn->store->state_dbi, &cur);
        if (!rc) {
                key = prefix->val;
                rc  = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
        }
        while (!rc) {
                if (key.mv_size < BP_STORE_PREFIX_LEN ||
                    memcmp(key.mv_data, prefix->buf, BP_STORE_PREFIX_LEN) != 0)
                        break;
                if (key.mv_size > BP_STORE_KEY_BUF) {
                        bp_store_errf(errstr, errstr_size,
                                      "malformed state key of %zu bytes",
                                      key.mv_size);
                        ret = BP_ERR_STATE;
                        goto out;
                }
                /* Copy the id to give the callback a C string. */
                id_len = key.mv_size - BP_STORE_PREFIX_LEN;
                memcpy(id, (const char *)key.mv_data + BP_STORE_PREFIX_LEN,
                       id_len);
                id[id_len] = '\0';
                ret        = fn(id, val.mv_data, val.mv_size, opaque);
                if (ret != 0)
                        goto out;
                rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
        }
        if (rc && rc != MDB_NOTFOUND)
                ret = bp_store_lmdb_err(rtxn->store, rc, "mdb_cursor_get",
                                        errstr, errstr_size);
out:
        if (cur)
                mdb_cursor_close(cur);
        return ret;
}

int bp_store_foreach(bp_store_t *store, int32_t partition,
                     bp_store_foreach_cb *fn, void *opaque, char *errstr,
                     size_t errstr_size) {
        bp_store_read_t *rtxn = NULL;
        bp_store_key_t   prefix;
        bp_err_t         err;
        int              ret;

        err = bp_store_key_partition(&prefix, partition, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        err = bp_store_read_begin(store, &rtxn, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        ret = walk(rtxn, &prefix, fn, opaque, errstr, errstr_size);
        bp_store_read_end(rtxn);
        return ret;
}

static int count_one(const char *freelancer_id, const void *value, size_t len,
                     void *opaque) {
        (void)freelancer_id;
        (void)value;
        (void)len;
        (*(size_t *)opaque)++;
        return 0;
}

bp_err_t bp_store_count(bp_store_t *store, int32_t partition, size_t *countp,
                        char *errstr, size_t errstr_size) {
        *countp = 0;
        return (bp_err_t)bp_store_foreach(store, partition, count_one, countp,
                                          errstr, errstr_size);
}

/* Adds p to the growing array *parts unless it is already the last one. */
static int add_partition(int32_t **parts, size_t *cnt, size_t *cap, int32_t p) {
        int32_t *grown;
        if (*cnt > 0 && (*parts)[*cnt - 1] == p)
                return 0;
        if (*cnt == *cap) {
                *cap  = *cap ? *cap * 2 : 16;
                grown = realloc(*parts, *cap * sizeof(**parts));
                if (!grown)
                        return ENOMEM;
                *parts = grown;
        }
        (*parts)[(*cnt)++] = p;
        return 0;
}

/* Collects the partitions of dbi's keys: one seek to the first key at or
 * after each partition boundary, so a partition costs one lookup however
 * many records it has. In meta only 4-byte keys are partitions. */
static int collect(MDB_txn *txn, MDB_dbi dbi, bool exact, int32_t **parts,
                   size_t *cnt, size_t *cap) {
        bp_store_key_t prefix;
        MDB_cursor    *cur = NULL;
        MDB_val        key, val;
        int32_t        next = 0, p;
        int            rc;

        rc = mdb_cursor_open(txn, dbi, &cur);
        while (!rc) {
                bp_store_key_partition(&prefix, next, NULL, 0);
                key = prefix.val;
                rc  = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
                if (rc || key.mv_size < BP_STORE_PREFIX_LEN ||
                    ((const unsigned char *)key.mv_data)[0] & 0x80)
                        break; /* past the last valid partition */
                p = bp_store_key_get_partition(&key);
                if (!exact || key.mv_size == BP_STORE_PREFIX_LEN)
                        rc = add_partition(parts, cnt, cap, p);
                if (p == INT32_MAX)
                        break;
                next = p + 1;
        }
        if (cur)
                mdb_cursor_close(cur);
        return rc == MDB_NOTFOUND ? 0 : rc;
}

static int cmp_partition(const void *a, const void *b) {
        int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
        return (x > y) - (x < y);
}

bp_err_t bp_store_partitions(bp_store_t *store, int32_t **partsp, size_t *cntp,
                             char *errstr, size_t errstr_size) {
        bp_store_read_t *rtxn  = NULL;
        int32_t         *parts = NULL;
        size_t           cnt = 0, cap = 0, i, out = 0;
        bp_err_t         err;
        int              rc;

        *partsp = NULL;
        *cntp   = 0;
        err     = bp_store_read_begin(store, &rtxn, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        rc = collect(rtxn->txn, store->state_dbi, false, &parts, &cnt, &cap);
        if (!rc)
                rc = collect(rtxn->txn, store->meta_dbi, true, &parts, &cnt,
                             &cap);
        bp_store_read_end(rtxn);
        if (rc) {
                free(parts);
                return bp_store_lmdb_err(store, rc, "list partitions", errstr,
                                         errstr_size);
        }
        /* Two ascending runs: sort them into one and drop repeats. */
        if (cnt > 0)
                qsort(parts, cnt, sizeof(*parts), cmp_partition);
        for (i = 0; i < cnt; i++)
                if (out == 0 || parts[out - 1] != parts[i])
                        parts[out++] = parts[i];
        *partsp = parts;
        *cntp   = out;
        return BP_OK;
}
