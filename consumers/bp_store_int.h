/*
 * bp_store_int.h - what the bp_store_*.c files share and nobody else sees:
 * the handles' layout, key building and LMDB error translation.
 */
#ifndef BP_STORE_INT_H
#define BP_STORE_INT_H

#include <lmdb.h>

#include "bp_store.h"

/* Key buffer: the 4-byte partition plus LMDB's default maximum key of 511
 * bytes. A build of LMDB with larger keys is held to this size. */
#define BP_STORE_KEY_BUF (4 + 511)

/* Bytes of a partition prefix. */
#define BP_STORE_PREFIX_LEN 4

struct bp_store_s {
        MDB_env *env;
        MDB_dbi  state_dbi;
        MDB_dbi  meta_dbi;
        size_t   max_key; /* longest key accepted, <= BP_STORE_KEY_BUF */
        bool     read_only;
        /* bp_store_get()'s snapshot: kept between calls and reset rather
         * than freed, so a lookup reuses its reader slot (LMDB's
         * mdb_txn_reset/renew) instead of taking the slot lock each
         * time. NULL until the first lookup. */
        MDB_txn *lookup_txn;
        bool     lookup_held; /* lookup_txn is live (renewed, not reset) */
        /* The unsynced-commit guard (bp_store_sync.c). */
        char *dir;
        char  boot_id[64];   /* this boot's; empty if unknown */
        bool  sync_on_close; /* commits skip fsync; the marker is written */
        bool  marker_found;  /* the open found a marker */
        /* Opened by the store's owner (discard_suspect: the runtime),
         * which alone may remove a marker it did not write. */
        bool owner;
        bool discarded; /* ... of another boot, and removed the store */
        /* The LOCK file, flock()ed by a writer (bp_store_lock.c); -1 for
         * a read-only store, and until the lock is taken. */
        int lock_fd;
};

/* Longest path of a file in the store's directory. */
#define BP_STORE_PATH_MAX 4096

struct bp_store_batch_s {
        bp_store_t *store;
        MDB_txn    *txn;
        /* The state records' cursor, opened by the first put; LMDB
         * closes it with the transaction. */
        MDB_cursor *put_cur;
        /* An LMDB call failed: LMDB refuses everything but abort from
         * then on, and so does the batch. */
        bool failed;
};

struct bp_store_read_s {
        bp_store_t *store;
        MDB_txn    *txn;
};

/* A state key or partition prefix, built on the caller's stack. */
typedef struct bp_store_key_s {
        unsigned char buf[BP_STORE_KEY_BUF];
        MDB_val       val;
} bp_store_key_t;

/* Builds the 4-byte key of partition (the meta key, or the state prefix).
 * BP_ERR_INVALID for a negative partition. */
bp_err_t bp_store_key_partition(bp_store_key_t *key, int32_t partition,
                                char *errstr, size_t errstr_size);

/* Builds the state key of (partition, freelancer_id). BP_ERR_INVALID for a
 * negative partition or a NULL id, BP_ERR_TOO_LARGE for an id too long. */
bp_err_t bp_store_key_record(const bp_store_t *store, bp_store_key_t *key,
                             int32_t partition, const char *freelancer_id,
                             char *errstr, size_t errstr_size);

/* Reads the partition of a state key (at least 4 bytes). */
int32_t bp_store_key_get_partition(const MDB_val *key);

/* Translates LMDB's rc into a bp_err_t and writes "<what>: <mdb text>"
 * into errstr (a longer hint for a full map). */
bp_err_t bp_store_lmdb_err(const bp_store_t *store, int rc, const char *what,
                           char *errstr, size_t errstr_size);

/* snprintf into errstr when errstr is not NULL. */
void bp_store_errf(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* bp_store_sync.c: the unsynced-commit guard. Before the environment
 * opens: reads this boot's id and the marker, discards or refuses a
 * suspect store, and adds MDB_NOSYNC to env_flags for sync_on_close. */
bp_err_t bp_store_guard_before_open(bp_store_t               *store,
                                    const bp_store_options_t *opts,
                                    unsigned *env_flags, char *errstr,
                                    size_t errstr_size);
/* After it opened: writes the marker (sync_on_close), or syncs a store
 * found unsynced and removes its marker. */
bp_err_t bp_store_guard_after_open(bp_store_t *store, char *errstr,
                                   size_t errstr_size);

/* bp_store_lock.c: one writer per directory. Takes the exclusive lock on
 * the directory's LOCK file and writes this process's PID into it;
 * BP_ERR_STATE, naming the holder's PID and the file, when another
 * holds it; BP_ERR_IO when the file cannot be opened or locked. */
bp_err_t bp_store_lock_take(bp_store_t *store, char *errstr,
                            size_t errstr_size);
/* Releases the lock (closes the file, which stays). No-op without one. */
void bp_store_lock_release(bp_store_t *store);

#endif
