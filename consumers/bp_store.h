/*
 * bp_store.h - the state store: freelancer records and per-partition
 * checkpoints in an LMDB environment under `state.dir`.
 *
 * The store is byte-oriented. The runtime encodes each FreelancerState with
 * the Avro codec and hands the bytes over; the store keeps them under the
 * key (input partition, freelancer_id) and never looks inside. Next to the
 * records it keeps one bp_checkpoint_t per input partition.
 *
 * Layout. One LMDB environment (files data.mdb and lock.mdb in the
 * directory) with two named databases:
 *  - "state": key = partition as 4 bytes big-endian, then the freelancer_id
 *    bytes (no NUL); value = the encoded record. LMDB orders keys bytewise,
 *    so one partition's records are contiguous and sorted by id.
 *  - "meta": key = partition as 4 bytes big-endian; value = the checkpoint
 *    in the byte form of bp_checkpoint.h. One more key, "format", holds the
 *    store's own layout version (4 bytes big-endian, 1) so a release with a
 *    different layout refuses the directory instead of misreading it.
 *
 * Atomicity. Writes go through a batch, which is one LMDB write
 * transaction: the records and checkpoints put in a batch become durable
 * together at bp_store_batch_commit(), or not at all (abort, crash, power
 * loss). This is what makes step 4 of the exactly-once protocol atomic.
 * Commits are synchronous (fsync) unless the no_sync or sync_on_close
 * option is set.
 *
 * Lifetimes. Values read through a read handle (bp_store_read_t) point into
 * LMDB's memory map and are valid only until bp_store_read_end(); those
 * of bp_store_get() until bp_store_get_done() or the next bp_store_get();
 * bp_store_get_copy() returns a malloc()ed copy instead. A read handle is
 * a snapshot: it does not see batches committed after it began, and while
 * it is open LMDB cannot reuse the pages it sees, so the file grows if a
 * read handle is kept for long under writes. Keep them short.
 *
 * One writer per directory. A store opened for writing holds an exclusive
 * lock on the directory's LOCK file (BP_STORE_LOCK_FILE) from before
 * LMDB opens until bp_store_close(): a second writer, in this process or
 * another, is refused with the holder's PID, before it reads or touches
 * anything. The kernel drops the lock when its holder dies, so a LOCK
 * file left by a killed process does not block. Read-only stores take no
 * lock: a tool may look at a store while its writer runs.
 *
 * Threads. One batch at a time per environment (LMDB serializes writers:
 * a second bp_store_batch_begin() blocks until the first batch ends); the
 * runtime writes from one thread. A batch must be
 * used by the thread that began it. Reads may come from any thread at any
 * time, including during a batch (the environment is opened with
 * MDB_NOTLS): each read handle is used by one thread at a time, and one
 * thread may hold a read handle and a batch together. bp_store_get() and
 * bp_store_get_done() share one lookup snapshot per store, so they belong
 * to one thread (the batch loop's). bp_store_stats() may be called from
 * another thread (the metrics server) while the runtime writes.
 * bp_store_close() must be the last call, with no batch or read handle open. A
 * store must not be used in a child after fork(); the child opens its own.
 *
 * Errors. Functions return bp_err_t (BP_OK = 0) and, when errstr is not
 * NULL, write a one-line message with LMDB's own text (mdb_strerror) into
 * errstr (errstr_size bytes, NUL-terminated). LMDB codes map to:
 * MDB_NOTFOUND -> BP_ERR_NOT_FOUND; ENOMEM -> BP_ERR_NOMEM; EACCES, ENOENT,
 * EIO, ENOSPC -> BP_ERR_IO; MDB_BAD_VALSIZE -> BP_ERR_TOO_LARGE; anything
 * else, MDB_MAP_FULL included -> BP_ERR_STATE. A full map says so and names
 * the option to raise (map_size).
 */
#ifndef BP_STORE_H
#define BP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_checkpoint.h"
#include "bp_error.h"

typedef struct bp_store_s       bp_store_t;
typedef struct bp_store_batch_s bp_store_batch_t;
typedef struct bp_store_read_s  bp_store_read_t;

/** Default map size: 64 GiB. This is address space reserved for the memory
 *  map, not disk or RAM: data.mdb grows with the data, so a large default
 *  costs nothing on a 64-bit system and avoids MDB_MAP_FULL. */
#define BP_STORE_DEFAULT_MAP_SIZE ((size_t)64 << 30)

typedef struct bp_store_options_s {
        /* Largest size the store may reach, in bytes; 0: the default.
         * Virtual (see BP_STORE_DEFAULT_MAP_SIZE). Raise it when a commit
         * fails with MDB_MAP_FULL. A value below the size of the data
         * already stored is raised to fit it. */
        size_t map_size;
        /* Most read handles open at once across every process using the
         * directory (each open store also keeps one for bp_store_get()
         * once used); 0: LMDB's default (126). */
        unsigned max_readers;
        /* Open without writing: batches are refused; the directory and
         * the databases must exist. For tools (`badgeproc state dump`)
         * that look at a store, possibly while the runtime writes it. */
        bool read_only;
        /* Commit without fsync (MDB_NOSYNC): a crash of the process loses
         * nothing, but a crash of the machine may lose the last commits or
         * leave the database inconsistent. For benchmarks and throwaway
         * test stores only; never for a store the protocol relies on. */
        bool no_sync;
        /* Sync the data pages at each commit but not the meta page
         * (MDB_NOMETASYNC): one fsync per commit instead of two. The
         * database stays consistent whatever crashes; a crash of the
         * machine may undo the last commit. For a store that is a
         * checkpoint of something durable elsewhere (the runtime's: the
         * changelog), where an undone commit only means a longer
         * restore. */
        bool lazy_meta_sync;
        /* Commit without fsync, and sync once at close (MDB_NOSYNC), made
         * safe by a marker file (BP_STORE_UNSYNCED_FILE) that names the
         * machine's boot while the store holds unsynced commits. A process
         * crash loses nothing (the kernel has every write); after a
         * machine crash the next open finds the marker of an earlier boot
         * and, with discard_suspect, removes the store (see below).
         * Takes precedence over lazy_meta_sync. Where the boot cannot be
         * told (no boot id), the store syncs as lazy_meta_sync does:
         * bp_store_syncs_on_close() says which. */
        bool sync_on_close;
        /* When the marker names an earlier boot (the machine stopped while
         * the store held unsynced commits, so it may be inconsistent):
         * true, remove the store and open an empty one (the caller then
         * restores it from the changelog; bp_store_was_discarded() says
         * so); false, refuse to open it. true also marks the opener as
         * the store's owner (the runtime), the only one that removes a
         * marker it did not write: another writer (the directory's lock
         * keeps it from running beside the runtime) leaves the marker
         * to the runtime's next start. */
        bool discard_suspect;
        /* This boot's id; NULL: read BP_STORE_BOOT_ID_PATH. For tests. */
        const char *boot_id;
} bp_store_options_t;

/** File in the store's directory, present while the store may hold
 *  commits that are not on disk: it holds the boot id of the machine's
 *  run that wrote them. */
#define BP_STORE_UNSYNCED_FILE "unsynced"

/** File in the store's directory that a writer holds an exclusive
 *  flock(2) on while the store is open; it holds the writer's PID. It
 *  stays after close (a stale PID in it means nothing). */
#define BP_STORE_LOCK_FILE "LOCK"

/** Where Linux says which boot this is (a fresh value at each boot). */
#define BP_STORE_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/** Sets opts to the defaults (all zero / false). */
void bp_store_options_init(bp_store_options_t *opts);

/*
 * Opening and closing.
 */

/**
 * Opens the store in directory dir, creating the directory (and missing
 * parents, mode 0750) and the databases when absent, unless read_only.
 * options may be NULL for the defaults; it is only read during the call.
 * Also clears reader slots left by processes that died (after kill -9).
 *
 * Returns the store, or NULL with a message in errstr: another process
 * (or another open store of this one) writes the directory (the message
 * names its PID and the lock file), the directory
 * cannot be created or opened, it holds something that is not an LMDB
 * environment, its layout version is not this build's, or (read_only) it
 * has no store.
 */
bp_store_t *bp_store_open(const char *dir, const bp_store_options_t *options,
                          char *errstr, size_t errstr_size);

/** Closes the store. No batch or read handle may be open. NULL is a no-op.
 *  Committed data is already durable, except with sync_on_close, where
 *  close syncs it and then removes the unsynced marker. */
void bp_store_close(bp_store_t *store);

/** Syncs every commit to disk and removes the unsynced marker
 *  (sync_on_close; otherwise a no-op). The last call before
 *  bp_store_close(), which does it too but cannot say that it failed; no
 *  commit may follow. On failure (BP_ERR_STATE, message in errstr) the
 *  marker stays: the store is still trusted by this boot, not by the next.
 */
bp_err_t bp_store_finish(bp_store_t *store, char *errstr, size_t errstr_size);

/** The open found the store suspect (written unsynced before the machine
 *  last stopped) and, as discard_suspect asked, removed it. */
bool bp_store_was_discarded(const bp_store_t *store);

/** Commits skip fsync until close (sync_on_close, and the boot id could be
 *  read). */
bool bp_store_syncs_on_close(const bp_store_t *store);

/** Longest freelancer_id, in bytes, that fits a key: LMDB's maximum key
 *  size less the 4-byte partition (507 with LMDB's default build). */
size_t bp_store_max_id_len(const bp_store_t *store);

/*
 * Batches: all writes.
 */

/**
 * Begins a batch (one LMDB write transaction). Blocks while another batch
 * (of this or another process) is open.
 *
 * Returns the batch, which the caller ends with bp_store_batch_commit() or
 * bp_store_batch_abort(); or NULL with a message in errstr: the store is
 * read-only, memory ran out, or LMDB refused.
 */
bp_store_batch_t *bp_store_batch_begin(bp_store_t *store, char *errstr,
                                       size_t errstr_size);

/**
 * Sets the record of freelancer_id (NUL-terminated) in partition to the len
 * bytes at value, replacing any previous one. The bytes are copied; value
 * may be NULL when len is 0. Visible to others at commit. Puts in key
 * order (partition, then the id's bytes) are cheapest: each stays on the
 * previous one's leaf page when it can.
 *
 * Returns BP_OK; BP_ERR_INVALID for a negative partition; BP_ERR_TOO_LARGE
 * when the id is longer than bp_store_max_id_len() (the batch stays
 * usable); or the LMDB error (MDB_MAP_FULL: see the file comment), after
 * which the batch can only be aborted.
 */
bp_err_t bp_store_batch_put(bp_store_batch_t *batch, int32_t partition,
                            const char *freelancer_id, const void *value,
                            size_t len, char *errstr, size_t errstr_size);

/**
 * Removes the record of freelancer_id in partition. Removing a record
 * that does not exist is not an error (a replayed changelog tombstone
 * must be harmless).
 *
 * Returns BP_OK, or an error as bp_store_batch_put().
 */
bp_err_t bp_store_batch_delete(bp_store_batch_t *batch, int32_t partition,
                               const char *freelancer_id, char *errstr,
                               size_t errstr_size);

/**
 * Replaces the checkpoint of partition with *cp (copied).
 *
 * Returns BP_OK; BP_ERR_INVALID for a negative partition or an invalid cp
 * (see bp_checkpoint_encode()), the batch staying usable; or the LMDB
 * error, after which the batch can only be aborted.
 */
bp_err_t bp_store_batch_set_checkpoint(bp_store_batch_t      *batch,
                                       int32_t                partition,
                                       const bp_checkpoint_t *cp, char *errstr,
                                       size_t errstr_size);

/**
 * Removes every record of partition and its checkpoint, as part of the
 * batch: a full restore that starts over drops and writes its first
 * records in one batch, so a crash in between leaves either the old state
 * or the new beginning, never an empty partition with the old checkpoint.
 * Other partitions are untouched. *removedp (may be NULL) gets the number
 * of records removed.
 *
 * Returns BP_OK (also when the partition was empty); BP_ERR_INVALID for a
 * negative partition; or the LMDB error (batch only abortable then).
 */
bp_err_t bp_store_batch_drop_partition(bp_store_batch_t *batch,
                                       int32_t partition, size_t *removedp,
                                       char *errstr, size_t errstr_size);

/**
 * Commits the batch: everything put, deleted or dropped in it becomes
 * durable and visible at once. The batch is freed whatever the outcome and
 * must not be used again. A batch in which an LMDB call failed is aborted
 * here and BP_ERR_STATE returned.
 *
 * Returns BP_OK, or the translated LMDB error (nothing of the batch is
 * stored then; MDB_MAP_FULL may appear here too).
 */
bp_err_t bp_store_batch_commit(bp_store_batch_t *batch, char *errstr,
                               size_t errstr_size);

/** Drops everything the batch did and frees it. NULL is a no-op. */
void bp_store_batch_abort(bp_store_batch_t *batch);

/**
 * Convenience: bp_store_batch_drop_partition() in a batch of its own,
 * committed.
 */
bp_err_t bp_store_drop_partition(bp_store_t *store, int32_t partition,
                                 size_t *removedp, char *errstr,
                                 size_t errstr_size);

/*
 * Reads.
 */

/**
 * Begins a read handle (an LMDB read-only transaction) and returns it in
 * *rtxnp: a consistent snapshot of the committed store. Values returned
 * through it stay valid until bp_store_read_end().
 *
 * Returns BP_OK; BP_ERR_NOMEM; or the LMDB error (MDB_READERS_FULL: too
 * many handles open, see max_readers). *rtxnp is NULL on error.
 */
bp_err_t bp_store_read_begin(bp_store_t *store, bp_store_read_t **rtxnp,
                             char *errstr, size_t errstr_size);

/** Ends the read handle; every value read through it becomes invalid.
 *  NULL is a no-op. */
void bp_store_read_end(bp_store_read_t *rtxn);

/**
 * Finds the record of freelancer_id in partition. *valuep points into the
 * memory map, read-only, valid until bp_store_read_end(rtxn) (copy what
 * must outlive it); *lenp gets its length.
 *
 * Returns BP_OK; BP_ERR_NOT_FOUND when there is no such record (no message
 * is written: absence is normal); BP_ERR_INVALID, BP_ERR_TOO_LARGE for a
 * bad partition or id; or the LMDB error.
 */
bp_err_t bp_store_read_get(bp_store_read_t *rtxn, int32_t partition,
                           const char *freelancer_id, const void **valuep,
                           size_t *lenp, char *errstr, size_t errstr_size);

/**
 * Reads the checkpoint of partition into *cp.
 *
 * Returns BP_OK; BP_ERR_NOT_FOUND when the partition has none (*cp is then
 * bp_checkpoint_init()'s "nothing yet", so a caller may treat it as a
 * fresh start); BP_ERR_PARSE when the stored value is not a checkpoint and
 * BP_ERR_UNSUPPORTED when it has an unknown format version (errstr names
 * the partition and the failed check; *cp is "nothing yet"); or the LMDB
 * error.
 */
bp_err_t bp_store_read_checkpoint(bp_store_read_t *rtxn, int32_t partition,
                                  bp_checkpoint_t *cp, char *errstr,
                                  size_t errstr_size);

/**
 * Finds the record of freelancer_id in partition without a read handle of
 * the caller's: the store keeps one lookup snapshot for it. *valuep points
 * into the memory map, read-only, and stays valid until
 * bp_store_get_done() or the next bp_store_get() on this store, whichever
 * comes first; decode or copy it before either. Each call takes a fresh
 * snapshot, so it sees every batch committed before it.
 *
 * For the thread that owns the store (the runtime's batch loop): the
 * lookup snapshot is the store's, so two threads must not call this (or
 * bp_store_get_done()) at once; other threads use read handles.
 *
 * Returns as bp_store_read_get(). On any error (BP_ERR_NOT_FOUND
 * included) nothing is held and bp_store_get_done() is optional.
 */
bp_err_t bp_store_get(bp_store_t *store, int32_t partition,
                      const char *freelancer_id, const void **valuep,
                      size_t *lenp, char *errstr, size_t errstr_size);

/** Releases the snapshot behind the last bp_store_get()'s value, which
 *  becomes invalid. A no-op when nothing is held. Call it soon: a held
 *  snapshot keeps LMDB from reusing pages that later batches free. */
void bp_store_get_done(bp_store_t *store);

/**
 * Like bp_store_get(), returning a copy that outlives everything:
 * *valuep gets a malloc()ed copy of the record that the caller frees with
 * free() (a non-NULL pointer even for an empty record). Any thread may
 * call it (it uses a read handle of its own).
 *
 * Returns as bp_store_read_get(), plus BP_ERR_NOMEM.
 */
bp_err_t bp_store_get_copy(bp_store_t *store, int32_t partition,
                           const char *freelancer_id, void **valuep,
                           size_t *lenp, char *errstr, size_t errstr_size);

/** Convenience: bp_store_read_checkpoint() in a read handle of its own. */
bp_err_t bp_store_get_checkpoint(bp_store_t *store, int32_t partition,
                                 bp_checkpoint_t *cp, char *errstr,
                                 size_t errstr_size);

/**
 * Called by bp_store_foreach() for each record. freelancer_id is
 * NUL-terminated; it and value (len bytes) are valid only during the
 * call. Return 0 to go on; any other value stops the iteration and is
 * returned by bp_store_foreach().
 */
typedef int(bp_store_foreach_cb)(const char *freelancer_id, const void *value,
                                 size_t len, void *opaque);

/**
 * Calls fn for every record of partition, in key order (freelancer_id
 * bytewise). Iterates one snapshot taken at the call: batches committed
 * meanwhile (fn may begin and commit them) are not seen. Used for
 * re-evaluation after a rules change and for `state dump`.
 *
 * Returns 0 when every record was visited; fn's non-zero value when fn
 * stopped it (callers may return a bp_err_t, or a positive value to mean
 * "done"); BP_ERR_INVALID for a negative partition; BP_ERR_STATE for a
 * malformed key; or the LMDB error.
 */
int bp_store_foreach(bp_store_t *store, int32_t partition,
                     bp_store_foreach_cb *fn, void *opaque, char *errstr,
                     size_t errstr_size);

/**
 * Lists the partitions that hold records or a checkpoint, ascending, in
 * *partsp (malloc()ed, the caller frees it; NULL when there are none) and
 * their number in *cntp. Costs one lookup per partition, not a walk. For
 * tools that look at every partition (`state dump`, `state get`).
 *
 * Returns BP_OK, BP_ERR_NOMEM, or the LMDB error.
 */
bp_err_t bp_store_partitions(bp_store_t *store, int32_t **partsp, size_t *cntp,
                             char *errstr, size_t errstr_size);

/**
 * Counts the records of partition into *countp. Walks them (LMDB keeps no
 * per-range counts), so it costs time linear in the partition's size; use
 * bp_store_stats() for a cheap total.
 *
 * Returns BP_OK, BP_ERR_INVALID for a negative partition, or the LMDB
 * error.
 */
bp_err_t bp_store_count(bp_store_t *store, int32_t partition, size_t *countp,
                        char *errstr, size_t errstr_size);

typedef struct bp_store_stats_s {
        uint64_t entries;     /* records, all partitions */
        uint64_t checkpoints; /* partitions with a checkpoint */
        uint64_t file_size;   /* size of data.mdb in bytes */
        uint64_t used_size;   /* bytes of the map in use (high-water mark) */
        uint64_t map_size;    /* the map size in force */
        /* Reader slots used so far, all processes (a high-water mark:
         * LMDB reuses freed slots). Near max_readers: raise it. */
        unsigned reader_slots;
} bp_store_stats_t;

/**
 * Fills *stats. Cheap (no walk): for metrics, callable from any thread.
 *
 * Returns BP_OK, BP_ERR_IO when data.mdb cannot be stat()ed, or the LMDB
 * error.
 */
bp_err_t bp_store_stats(bp_store_t *store, bp_store_stats_t *stats,
                        char *errstr, size_t errstr_size);

#endif
