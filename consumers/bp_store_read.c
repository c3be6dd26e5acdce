/*
 * bp_store_read.c - reading the state store: read handles, lookups,
 * checkpoints, iteration and counts (see bp_store.h).
 *
 * Everything here runs in an LMDB read-only transaction, which takes no
 * lock and sees one committed snapshot; readers never wait for the
 * writer. Values handed out point into the memory map, so their lifetime
 * is the read handle's.
 */
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

bp_err_t bp_store_get(bp_store_t *store, int32_t partition,
                      const char *freelancer_id, void **valuep, size_t *lenp,
                      char *errstr, size_t errstr_size) {
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

/* Positions cur on the first record of partition (or of the store), with
 * *key and *val filled; MDB_NOTFOUND when there is none. */
static int seek_first(MDB_cursor *cur, const bp_store_key_t *prefix,
                      MDB_val *key, MDB_val *val) {
        if (!prefix)
                return mdb_cursor_get(cur, key, val, MDB_FIRST);
        *key = prefix->val;
        return mdb_cursor_get(cur, key, val, MDB_SET_RANGE);
}

/* Calls fn for each record of one partition (prefix) or of all (NULL). */
static int walk(bp_store_read_t *rtxn, const bp_store_key_t *prefix,
                bp_store_foreach_cb *fn, void *opaque, char *errstr,
                size_t errstr_size) {
        char        id[BP_STORE_KEY_BUF + 1];
        MDB_cursor *cur = NULL;
        MDB_val     key, val;
        size_t      id_len;
        int         rc, ret = 0;

        rc = mdb_cursor_open(rtxn->txn, rtxn->store->state_dbi, &cur);
        if (!rc)
                rc = seek_first(cur, prefix, &key, &val);
        while (!rc) {
                if (key.mv_size < BP_STORE_PREFIX_LEN ||
                    key.mv_size > BP_STORE_KEY_BUF) {
                        bp_store_errf(errstr, errstr_size,
                                      "malformed state key of %zu bytes",
                                      key.mv_size);
                        ret = BP_ERR_STATE;
                        goto out;
                }
                if (prefix &&
                    memcmp(key.mv_data, prefix->buf, BP_STORE_PREFIX_LEN) != 0)
                        break;
                /* Copy the id to give the callback a C string. */
                id_len = key.mv_size - BP_STORE_PREFIX_LEN;
                memcpy(id, (const char *)key.mv_data + BP_STORE_PREFIX_LEN,
                       id_len);
                id[id_len] = '\0';
                ret        = fn(bp_store_key_get_partition(&key), id, id_len,
                                val.mv_data, val.mv_size, opaque);
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

        if (partition != BP_STORE_ALL_PARTITIONS) {
                err = bp_store_key_partition(&prefix, partition, errstr,
                                             errstr_size);
                if (err != BP_OK)
                        return err;
        }
        err = bp_store_read_begin(store, &rtxn, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        ret = walk(rtxn, partition == BP_STORE_ALL_PARTITIONS ? NULL : &prefix,
                   fn, opaque, errstr, errstr_size);
        bp_store_read_end(rtxn);
        return ret;
}

static int count_one(int32_t partition, const char *freelancer_id,
                     size_t id_len, const void *value, size_t len,
                     void *opaque) {
        (void)partition;
        (void)freelancer_id;
        (void)id_len;
        (void)value;
        (void)len;
        (*(size_t *)opaque)++;
        return 0;
}

bp_err_t bp_store_count(bp_store_t *store, int32_t partition, size_t *countp,
                        char *errstr, size_t errstr_size) {
        *countp = 0;
        if (partition < 0) {
                bp_store_errf(errstr, errstr_size, "invalid partition %d",
                              (int)partition);
                return BP_ERR_INVALID;
        }
        return (bp_err_t)bp_store_foreach(store, partition, count_one, countp,
                                          errstr, errstr_size);
}
