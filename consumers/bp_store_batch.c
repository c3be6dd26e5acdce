/*
 * bp_store_batch.c - batches: the store's only way to write (see
 * bp_store.h).
 *
 * A batch is one LMDB write transaction, so records, deletions and
 * checkpoints of one batch reach the disk together at commit or not at
 * all. Argument errors (a bad partition, an id too long) are found before
 * LMDB is called and leave the batch usable; once LMDB itself fails, LMDB
 * accepts nothing but abort, and the batch remembers that so the caller
 * gets a clear message instead of a puzzling MDB_BAD_TXN later.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_store_int.h"

/* Refuses to work on a batch whose transaction LMDB has given up on. */
static bp_err_t check_usable(const bp_store_batch_t *batch, char *errstr,
                             size_t errstr_size) {
        if (!batch->failed)
                return BP_OK;
        bp_store_errf(errstr, errstr_size,
                      "state store batch failed earlier; it can only be "
                      "aborted");
        return BP_ERR_STATE;
}

/* Translates an LMDB failure inside the batch and marks the batch dead. */
static bp_err_t batch_fail(bp_store_batch_t *batch, int rc, const char *what,
                           char *errstr, size_t errstr_size) {
        batch->failed = true;
        return bp_store_lmdb_err(batch->store, rc, what, errstr, errstr_size);
}

bp_store_batch_t *bp_store_batch_begin(bp_store_t *store, char *errstr,
                                       size_t errstr_size) {
        bp_store_batch_t *batch;
        int               rc;

        if (store->read_only) {
                bp_store_errf(errstr, errstr_size,
                              "state store was opened read-only");
                return NULL;
        }
        batch = calloc(1, sizeof(*batch));
        if (!batch) {
                bp_store_errf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        batch->store = store;
        rc           = mdb_txn_begin(store->env, NULL, 0, &batch->txn);
        if (rc) {
                free(batch);
                bp_store_lmdb_err(store, rc, "mdb_txn_begin(write)", errstr,
                                  errstr_size);
                return NULL;
        }
        return batch;
}

/* Checks the batch and builds the record key: the steps put and delete
 * share before touching LMDB. */
static bp_err_t record_key(bp_store_batch_t *batch, bp_store_key_t *key,
                           int32_t partition, const char *freelancer_id,
                           char *errstr, size_t errstr_size) {
        bp_err_t err = check_usable(batch, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        return bp_store_key_record(batch->store, key, partition, freelancer_id,
                                   errstr, errstr_size);
}

bp_err_t bp_store_batch_put(bp_store_batch_t *batch, int32_t partition,
                            const char *freelancer_id, const void *value,
                            size_t len, char *errstr, size_t errstr_size) {
        bp_store_key_t key;
        MDB_val        val;
        bp_err_t       err;
        int            rc;

        err = record_key(batch, &key, partition, freelancer_id, errstr,
                         errstr_size);
        if (err != BP_OK)
                return err;
        val.mv_size = len;
        val.mv_data = (void *)(value ? value : "");
        /* Through one cursor rather than mdb_put (a fresh cursor each
         * time): when the key falls within the leaf page the cursor is
         * on, LMDB searches that page only instead of descending from the
         * root, so puts in key order cost far less. */
        if (!batch->put_cur &&
            (rc = mdb_cursor_open(batch->txn, batch->store->state_dbi,
                                  &batch->put_cur)))
                return batch_fail(batch, rc, "mdb_cursor_open(state)", errstr,
                                  errstr_size);
        rc = mdb_cursor_put(batch->put_cur, &key.val, &val, 0);
        if (rc)
                return batch_fail(batch, rc, "mdb_put(state)", errstr,
                                  errstr_size);
        return BP_OK;
}

bp_err_t bp_store_batch_delete(bp_store_batch_t *batch, int32_t partition,
                               const char *freelancer_id, char *errstr,
                               size_t errstr_size) {
        bp_store_key_t key;
        bp_err_t       err;
        int            rc;

        err = record_key(batch, &key, partition, freelancer_id, errstr,
                         errstr_size);
        if (err != BP_OK)
                return err;
        rc = mdb_del(batch->txn, batch->store->state_dbi, &key.val, NULL);
        /* MDB_NOTFOUND leaves the transaction usable: nothing to delete. */
        if (rc && rc != MDB_NOTFOUND)
                return batch_fail(batch, rc, "mdb_del(state)", errstr,
                                  errstr_size);
        return BP_OK;
}

bp_err_t bp_store_batch_set_checkpoint(bp_store_batch_t      *batch,
                                       int32_t                partition,
                                       const bp_checkpoint_t *cp, char *errstr,
                                       size_t errstr_size) {
        uint8_t        buf[BP_CHECKPOINT_ENCODED_MAX];
        bp_store_key_t key;
        MDB_val        val;
        size_t         len;
        bp_err_t       err;
        int            rc;

        if ((err = check_usable(batch, errstr, errstr_size)) != BP_OK)
                return err;
        err = bp_store_key_partition(&key, partition, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        err = bp_checkpoint_encode(cp, buf, sizeof(buf), &len, errstr,
                                   errstr_size);
        if (err != BP_OK)
                return BP_ERR_INVALID;
        val.mv_size = len;
        val.mv_data = buf;
        rc = mdb_put(batch->txn, batch->store->meta_dbi, &key.val, &val, 0);
        if (rc)
                return batch_fail(batch, rc, "mdb_put(meta)", errstr,
                                  errstr_size);
        return BP_OK;
}

/* Deletes the partition's records one by one through a cursor. */
static int delete_records(bp_store_batch_t *batch, const bp_store_key_t *prefix,
                          size_t *removedp) {
        MDB_cursor *cur = NULL;
        MDB_val     key, val;
        int         rc;

        rc = mdb_cursor_open(batch->txn, batch->store->state_dbi, &cur);
        while (!rc) {
                /* Seek again after each delete rather than rely on where
                 * the cursor is left: clearer, and the cost is one
                 * lookup in pages already in the cache. */
                key = prefix->val;
                rc  = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
                if (rc)
                        break;
                if (key.mv_size < BP_STORE_PREFIX_LEN ||
                    memcmp(key.mv_data, prefix->buf, BP_STORE_PREFIX_LEN))
                        break;
                rc = mdb_cursor_del(cur, 0);
                if (!rc)
                        (*removedp)++;
        }
        mdb_cursor_close(cur);
        return rc == MDB_NOTFOUND ? 0 : rc;
}

bp_err_t bp_store_batch_drop_partition(bp_store_batch_t *batch,
                                       int32_t partition, size_t *removedp,
                                       char *errstr, size_t errstr_size) {
        bp_store_key_t prefix;
        size_t         removed = 0;
        bp_err_t       err;
        int            rc;

        if (removedp)
                *removedp = 0;
        if ((err = check_usable(batch, errstr, errstr_size)) != BP_OK)
                return err;
        err = bp_store_key_partition(&prefix, partition, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        rc = delete_records(batch, &prefix, &removed);
        if (rc)
                return batch_fail(batch, rc, "drop partition (state)", errstr,
                                  errstr_size);
        rc = mdb_del(batch->txn, batch->store->meta_dbi, &prefix.val, NULL);
        if (rc && rc != MDB_NOTFOUND)
                return batch_fail(batch, rc, "drop partition (meta)", errstr,
                                  errstr_size);
        if (removedp)
                *removedp = removed;
        return BP_OK;
}

bp_err_t bp_store_batch_commit(bp_store_batch_t *batch, char *errstr,
                               size_t errstr_size) {
        bp_err_t err;
        int      rc;

        err = check_usable(batch, errstr, errstr_size);
        if (err != BP_OK) {
                bp_store_batch_abort(batch);
                return err;
        }
        /* mdb_txn_commit frees the transaction whether or not it
         * succeeds. */
        rc = mdb_txn_commit(batch->txn);
        if (rc)
                err = bp_store_lmdb_err(batch->store, rc, "mdb_txn_commit",
                                        errstr, errstr_size);
        free(batch);
        return err;
}

void bp_store_batch_abort(bp_store_batch_t *batch) {
        if (!batch)
                return;
        mdb_txn_abort(batch->txn);
        free(batch);
}

bp_err_t bp_store_drop_partition(bp_store_t *store, int32_t partition,
                                 size_t *removedp, char *errstr,
                                 size_t errstr_size) {
        bp_store_batch_t *batch;
        bp_err_t          err;

        if (removedp)
                *removedp = 0;
        batch = bp_store_batch_begin(store, errstr, errstr_size);
        if (!batch)
                return BP_ERR_STATE;
        err = bp_store_batch_drop_partition(batch, partition, removedp, errstr,
                                            errstr_size);
        if (err != BP_OK) {
                bp_store_batch_abort(batch);
                return err;
        }
        err = bp_store_batch_commit(batch, errstr, errstr_size);
        if (err != BP_OK && removedp)
                *removedp = 0;
        return err;
}
