/*
 * bp_store.c - opening and closing the LMDB state store, its keys, its
 * statistics and the translation of LMDB errors (see bp_store.h).
 *
 * Batches are in bp_store_batch.c, reads in bp_store_read.c. This file
 * owns everything that touches the environment as a whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bp_store_int.h"

/* Layout version of the whole store (key names, key encoding, databases),
 * kept under meta key "format". Checkpoint values carry their own. */
#define STORE_FORMAT 1
#define STORE_FORMAT_KEY "format"

void bp_store_options_init(bp_store_options_t *opts) {
        memset(opts, 0, sizeof(*opts));
}

void bp_store_errf(char *errstr, size_t errstr_size, const char *fmt, ...) {
        va_list ap;
        if (!errstr || errstr_size == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
}

bp_err_t bp_store_lmdb_err(const bp_store_t *store, int rc, const char *what,
                           char *errstr, size_t errstr_size) {
        MDB_envinfo info;

        switch (rc) {
        case MDB_NOTFOUND:
                bp_store_errf(errstr, errstr_size, "%s: %s", what,
                              mdb_strerror(rc));
                return BP_ERR_NOT_FOUND;
        case MDB_MAP_FULL:
                info.me_mapsize = 0;
                if (store)
                        mdb_env_info(store->env, &info);
                bp_store_errf(errstr, errstr_size,
                              "%s: %s: the state store reached its map size "
                              "of %zu bytes; raise the store's map_size "
                              "option",
                              what, mdb_strerror(rc), info.me_mapsize);
                return BP_ERR_STATE;
        case MDB_READERS_FULL:
                bp_store_errf(errstr, errstr_size,
                              "%s: %s: raise the store's max_readers option",
                              what, mdb_strerror(rc));
                return BP_ERR_STATE;
        default:
                break;
        }
        bp_store_errf(errstr, errstr_size, "%s: %s", what, mdb_strerror(rc));
        switch (rc) {
        case ENOMEM:
                return BP_ERR_NOMEM;
        case EACCES:
        case ENOENT:
        case EIO:
        case ENOSPC:
                return BP_ERR_IO;
        case MDB_BAD_VALSIZE:
                return BP_ERR_TOO_LARGE;
        default:
                return BP_ERR_STATE;
        }
}

bp_err_t bp_store_key_partition(bp_store_key_t *key, int32_t partition,
                                char *errstr, size_t errstr_size) {
        uint32_t p = (uint32_t)partition;
        if (partition < 0) {
                bp_store_errf(errstr, errstr_size, "invalid partition %d",
                              (int)partition);
                return BP_ERR_INVALID;
        }
        key->buf[0]      = (unsigned char)(p >> 24);
        key->buf[1]      = (unsigned char)(p >> 16);
        key->buf[2]      = (unsigned char)(p >> 8);
        key->buf[3]      = (unsigned char)p;
        key->val.mv_data = key->buf;
        key->val.mv_size = BP_STORE_PREFIX_LEN;
        return BP_OK;
}

bp_err_t bp_store_key_record(const bp_store_t *store, bp_store_key_t *key,
                             int32_t partition, const char *freelancer_id,
                             char *errstr, size_t errstr_size) {
        size_t   id_len;
        bp_err_t err;

        if (!freelancer_id) {
                bp_store_errf(errstr, errstr_size, "freelancer_id is NULL");
                return BP_ERR_INVALID;
        }
        err = bp_store_key_partition(key, partition, errstr, errstr_size);
        if (err != BP_OK)
                return err;
        /* strnlen bounds the scan: an id without a NUL nearby is refused
         * as too long rather than read past. */
        id_len = strnlen(freelancer_id, store->max_key);
        if (id_len > store->max_key - BP_STORE_PREFIX_LEN) {
                bp_store_errf(errstr, errstr_size,
                              "freelancer_id is too long for a state key "
                              "(more than %zu bytes, the LMDB key limit "
                              "less the 4-byte partition)",
                              store->max_key - BP_STORE_PREFIX_LEN);
                return BP_ERR_TOO_LARGE;
        }
        memcpy(key->buf + BP_STORE_PREFIX_LEN, freelancer_id, id_len);
        key->val.mv_size = BP_STORE_PREFIX_LEN + id_len;
        return BP_OK;
}

int32_t bp_store_key_get_partition(const MDB_val *key) {
        const unsigned char *p = key->mv_data;
        uint32_t u = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
                     ((uint32_t)p[2] << 8) | (uint32_t)p[3];
        /* Keys are only ever written with non-negative partitions. */
        return (int32_t)(u & 0x7fffffffu);
}

size_t bp_store_max_id_len(const bp_store_t *store) {
        return store->max_key - BP_STORE_PREFIX_LEN;
}

/* mkdir -p with mode 0750; existing directories are fine. */
static bp_err_t make_dirs(const char *dir, char *errstr, size_t errstr_size) {
        char    *path = strdup(dir);
        char    *p;
        char     saved;
        bp_err_t err = BP_OK;

        if (!path)
                return BP_ERR_NOMEM;
        for (p = path + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                saved = *p;
                *p    = '\0';
                if (mkdir(path, 0750) != 0 && errno != EEXIST) {
                        bp_store_errf(errstr, errstr_size,
                                      "cannot create state directory %s: %s",
                                      path, strerror(errno));
                        err = BP_ERR_IO;
                        goto out;
                }
                *p = saved;
                if (saved == '\0')
                        break;
        }
out:
        free(path);
        return err;
}

/* Checks the store's layout version, writing it into a new store. */
static bp_err_t check_format(bp_store_t *store, MDB_txn *txn, char *errstr,
                             size_t errstr_size) {
        unsigned char buf[4] = {0, 0, 0, STORE_FORMAT};
        MDB_val key = {sizeof(STORE_FORMAT_KEY) - 1, (void *)STORE_FORMAT_KEY};
        MDB_val val;
        int     rc;

        rc = mdb_get(txn, store->meta_dbi, &key, &val);
        if (rc == MDB_NOTFOUND && !store->read_only) {
                val.mv_size = sizeof(buf);
                val.mv_data = buf;
                rc          = mdb_put(txn, store->meta_dbi, &key, &val, 0);
                return rc ? bp_store_lmdb_err(store, rc, "mdb_put(format)",
                                              errstr, errstr_size)
                          : BP_OK;
        }
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_get(format)", errstr,
                                         errstr_size);
        if (val.mv_size != sizeof(buf) || memcmp(val.mv_data, buf, 4) != 0) {
                bp_store_errf(errstr, errstr_size,
                              "the state store's layout version is not %d, "
                              "the one this build reads",
                              STORE_FORMAT);
                return BP_ERR_UNSUPPORTED;
        }
        return BP_OK;
}

/* Opens (creating unless read-only) the two databases and checks the
 * layout. The handles stay valid for the environment's life once this
 * transaction commits. */
static bp_err_t open_dbs(bp_store_t *store, char *errstr, size_t errstr_size) {
        unsigned flags = store->read_only ? 0 : MDB_CREATE;
        MDB_txn *txn   = NULL;
        bp_err_t err;
        int      rc;

        rc = mdb_txn_begin(store->env, NULL, store->read_only ? MDB_RDONLY : 0,
                           &txn);
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_txn_begin", errstr,
                                         errstr_size);
        rc = mdb_dbi_open(txn, "state", flags, &store->state_dbi);
        if (!rc)
                rc = mdb_dbi_open(txn, "meta", flags, &store->meta_dbi);
        if (rc) {
                err = bp_store_lmdb_err(store, rc, "mdb_dbi_open", errstr,
                                        errstr_size);
                goto out;
        }
        err = check_format(store, txn, errstr, errstr_size);
        if (err != BP_OK)
                goto out;
        rc  = mdb_txn_commit(txn);
        txn = NULL;
        if (rc)
                err = bp_store_lmdb_err(store, rc, "mdb_txn_commit", errstr,
                                        errstr_size);
out:
        mdb_txn_abort(txn);
        return err;
}

static bp_err_t open_env(bp_store_t *store, const char *dir,
                         const bp_store_options_t *opts, char *errstr,
                         size_t errstr_size) {
        unsigned flags = MDB_NOTLS;
        int      rc, dead = 0;

        if (opts->read_only)
                flags |= MDB_RDONLY;
        if (opts->no_sync)
                flags |= MDB_NOSYNC;
        if (opts->lazy_meta_sync)
                flags |= MDB_NOMETASYNC;
        if (bp_store_guard_before_open(store, opts, &flags, errstr,
                                       errstr_size))
                return BP_ERR_STATE;
        rc = mdb_env_create(&store->env);
        if (!rc)
                rc = mdb_env_set_maxdbs(store->env, 2);
        if (!rc)
                rc = mdb_env_set_mapsize(
                    store->env, opts->map_size ? opts->map_size
                                               : BP_STORE_DEFAULT_MAP_SIZE);
        if (!rc && opts->max_readers)
                rc = mdb_env_set_maxreaders(store->env, opts->max_readers);
        if (!rc)
                rc = mdb_env_open(store->env, dir, flags, 0640);
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_env_open", errstr,
                                         errstr_size);
        /* A process killed while reading leaves its slot taken; free the
         * slots of dead processes so they do not add up to
         * MDB_READERS_FULL over a crash loop. */
        mdb_reader_check(store->env, &dead);
        store->max_key = (size_t)mdb_env_get_maxkeysize(store->env);
        if (store->max_key > BP_STORE_KEY_BUF)
                store->max_key = BP_STORE_KEY_BUF;
        return BP_OK;
}

bp_store_t *bp_store_open(const char *dir, const bp_store_options_t *options,
                          char *errstr, size_t errstr_size) {
        bp_store_options_t defaults;
        bp_store_t        *store;
        char               msg[512] = "";

        if (!options) {
                bp_store_options_init(&defaults);
                options = &defaults;
        }
        if (!dir || !*dir) {
                bp_store_errf(errstr, errstr_size, "no state directory");
                return NULL;
        }
        store = calloc(1, sizeof(*store));
        if (!store) {
                bp_store_errf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        store->read_only = options->read_only;
        store->lock_fd   = -1;
        if (strlen(dir) > BP_STORE_PATH_MAX - 32) {
                snprintf(msg, sizeof(msg), "the path is too long");
                goto fail;
        }
        if (!(store->dir = strdup(dir)))
                goto fail;
        /* The lock comes before LMDB and the unsynced marker: a second
         * writer must not touch either (bp_store_lock.c). Readers share
         * the directory with the writer, as LMDB lets them. */
        if (!options->read_only &&
            (make_dirs(dir, msg, sizeof(msg)) != BP_OK ||
             bp_store_lock_take(store, msg, sizeof(msg)) != BP_OK))
                goto fail;
        if (open_env(store, dir, options, msg, sizeof(msg)) != BP_OK ||
            open_dbs(store, msg, sizeof(msg)) != BP_OK ||
            bp_store_guard_after_open(store, msg, sizeof(msg)) != BP_OK)
                goto fail;
        return store;

fail:
        bp_store_errf(errstr, errstr_size, "state store %s: %s", dir,
                      msg[0] ? msg : "out of memory");
        bp_store_close(store);
        return NULL;
}

void bp_store_close(bp_store_t *store) {
        if (!store)
                return;
        mdb_txn_abort(store->lookup_txn);
        store->lookup_txn = NULL;
        /* A failure leaves the marker, which keeps the store safe. */
        bp_store_finish(store, NULL, 0);
        /* mdb_env_close frees the database handles too. */
        if (store->env)
                mdb_env_close(store->env);
        /* Last: until the marker is gone and LMDB closed, the directory
         * is this store's. */
        bp_store_lock_release(store);
        free(store->dir);
        free(store);
}

bp_err_t bp_store_stats(bp_store_t *store, bp_store_stats_t *stats,
                        char *errstr, size_t errstr_size) {
        MDB_envinfo      info;
        MDB_stat         st;
        MDB_txn         *txn = NULL;
        struct stat      sb;
        mdb_filehandle_t fd;
        int              rc;

        memset(stats, 0, sizeof(*stats));
        rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_txn_begin", errstr,
                                         errstr_size);
        rc = mdb_stat(txn, store->state_dbi, &st);
        if (!rc) {
                stats->entries = st.ms_entries;
                rc             = mdb_stat(txn, store->meta_dbi, &st);
        }
        /* The meta database also holds the "format" key. */
        if (!rc)
                stats->checkpoints = st.ms_entries ? st.ms_entries - 1 : 0;
        if (!rc)
                rc = mdb_env_info(store->env, &info);
        if (!rc)
                rc = mdb_env_stat(store->env, &st);
        mdb_txn_abort(txn);
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_stat", errstr,
                                         errstr_size);
        stats->map_size     = info.me_mapsize;
        stats->used_size    = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
        stats->reader_slots = info.me_numreaders;
        if (mdb_env_get_fd(store->env, &fd) != 0 || fstat(fd, &sb) != 0) {
                bp_store_errf(errstr, errstr_size,
                              "cannot stat the state store's data file: %s",
                              strerror(errno));
                return BP_ERR_IO;
        }
        stats->file_size = (uint64_t)sb.st_size;
        return BP_OK;
}
