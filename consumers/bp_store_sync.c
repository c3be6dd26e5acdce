/*
 * bp_store_sync.c - a store committed without fsync, and how an open
 * tells whether it can be trusted (the sync_on_close option, see
 * bp_store.h).
 *
 * An fsync per commit made the runtime's store writer the slowest part of
 * the pipeline on a large store: every state lands on its own 4 KiB page,
 * and each commit waited for those pages to reach the disk. The store does
 * not need it: it is a checkpoint of the changelog, which Kafka keeps.
 * What it needs is to never be read in a state LMDB cannot vouch for, and
 * without fsync that state exists only after the machine (not the
 * process) stops: the kernel's page cache holds every write a killed
 * process made, in order, but a power cut keeps an arbitrary subset of
 * them on disk.
 *
 * So while the store may hold commits that are not on disk, a marker file
 * in its directory names the machine's boot (Linux's boot_id, new at every
 * boot). It is written, and made durable, before the first unsynced
 * commit, and removed only after a full sync at close. An open that finds
 * the marker of this same boot trusts the store (only the process died);
 * one that finds the marker of another boot, or one it cannot read, knows
 * the machine stopped with unsynced commits, and discards the store (the
 * runtime, which then restores it from the changelog) or refuses to open
 * it (tools). Without a marker the store was synced when it was last
 * closed, or every commit was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bp_store_int.h"

/* A boot id is a UUID (36 characters); longer files are not markers. */
#define BOOT_ID_MAX 64

/* Reads at most size - 1 bytes of path into buf, without the trailing
 * newline. Returns the length, or -1 (errno set; EFBIG if longer). */
static ssize_t read_small(const char *path, char *buf, size_t size) {
        ssize_t n;
        int     fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, buf, size);
        close(fd);
        if (n < 0)
                return -1;
        if ((size_t)n >= size) {
                errno = EFBIG;
                return -1;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                n--;
        buf[n] = '\0';
        return n;
}

/* Makes the directory's entries (created, renamed, removed) durable. */
static bp_err_t sync_dir(const char *dir, char *errstr, size_t errstr_size) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
                bp_store_errf(errstr, errstr_size, "cannot sync directory: %s",
                              strerror(errno));
                if (fd >= 0)
                        close(fd);
                return BP_ERR_IO;
        }
        close(fd);
        return BP_OK;
}

static void path_in(const bp_store_t *store, const char *name, char *buf,
                    size_t size) {
        snprintf(buf, size, "%s/%s", store->dir, name);
}

/* Removes name from the store's directory; a missing file is fine. */
static bp_err_t remove_file(const bp_store_t *store, const char *name,
                            char *errstr, size_t errstr_size) {
        char path[BP_STORE_PATH_MAX];
        path_in(store, name, path, sizeof(path));
        if (unlink(path) != 0 && errno != ENOENT) {
                bp_store_errf(errstr, errstr_size, "cannot remove %s: %s", path,
                              strerror(errno));
                return BP_ERR_IO;
        }
        return BP_OK;
}

/* Writes the marker (this boot's id) so that it survives a power cut:
 * a temporary file, synced, renamed over the marker, directory synced. */
static bp_err_t write_marker(const bp_store_t *store, char *errstr,
                             size_t errstr_size) {
        char    tmp[BP_STORE_PATH_MAX], path[BP_STORE_PATH_MAX];
        size_t  len = strlen(store->boot_id);
        ssize_t n;
        int     fd;

        path_in(store, BP_STORE_UNSYNCED_FILE ".tmp", tmp, sizeof(tmp));
        path_in(store, BP_STORE_UNSYNCED_FILE, path, sizeof(path));
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0)
                goto fail;
        errno = 0;
        n     = write(fd, store->boot_id, len);
        if (n != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
                if (errno == 0)
                        errno = EIO; /* a short write */
                close(fd);
                goto fail;
        }
        if (close(fd) != 0 || rename(tmp, path) != 0)
                goto fail;
        return sync_dir(store->dir, errstr, errstr_size);
fail:
        bp_store_errf(errstr, errstr_size, "cannot write %s: %s", path,
                      strerror(errno));
        return BP_ERR_IO;
}

/* Removes the environment's files (not the directory: it may hold other
 * things) and makes the removal durable before the marker goes. */
static bp_err_t discard_env(const bp_store_t *store, char *errstr,
                            size_t errstr_size) {
        if (remove_file(store, "data.mdb", errstr, errstr_size) ||
            remove_file(store, "lock.mdb", errstr, errstr_size))
                return BP_ERR_IO;
        return sync_dir(store->dir, errstr, errstr_size);
}

/* Makes every commit durable, then removes the marker that covered them
 * (durably too). */
static bp_err_t sync_and_unmark(bp_store_t *store, char *errstr,
                                size_t errstr_size) {
        int rc = mdb_env_sync(store->env, 1);
        if (rc)
                return bp_store_lmdb_err(store, rc, "mdb_env_sync", errstr,
                                         errstr_size);
        if (remove_file(store, BP_STORE_UNSYNCED_FILE, errstr, errstr_size))
                return BP_ERR_IO;
        return sync_dir(store->dir, errstr, errstr_size);
}

bp_err_t bp_store_guard_before_open(bp_store_t               *store,
                                    const bp_store_options_t *opts,
                                    unsigned *env_flags, char *errstr,
                                    size_t errstr_size) {
        char    marker[BOOT_ID_MAX], path[BP_STORE_PATH_MAX];
        ssize_t n;
        bool    have_boot;

        if (opts->boot_id)
                snprintf(store->boot_id, sizeof(store->boot_id), "%s",
                         opts->boot_id);
        else if (read_small(BP_STORE_BOOT_ID_PATH, store->boot_id,
                            sizeof(store->boot_id)) < 0)
                store->boot_id[0] = '\0';
        have_boot    = store->boot_id[0] != '\0';
        store->owner = opts->discard_suspect && !opts->read_only;

        path_in(store, BP_STORE_UNSYNCED_FILE, path, sizeof(path));
        n = read_small(path, marker, sizeof(marker));
        if (n < 0 && errno != ENOENT) {
                /* Unreadable or not a marker: as suspect as a foreign one. */
                snprintf(marker, sizeof(marker), "?");
                n = 1;
        }
        if (n >= 0) {
                store->marker_found = true;
                if (!have_boot || strcmp(marker, store->boot_id) != 0) {
                        if (opts->read_only || !opts->discard_suspect) {
                                bp_store_errf(
                                    errstr, errstr_size,
                                    "the machine stopped while this store "
                                    "held commits not yet on disk (%s "
                                    "names boot %.40s, this is boot "
                                    "%.40s), so it may be inconsistent; "
                                    "`badgeproc run` discards it and "
                                    "restores it from the changelog",
                                    BP_STORE_UNSYNCED_FILE, marker,
                                    have_boot ? store->boot_id : "unknown");
                                return BP_ERR_STATE;
                        }
                        if (discard_env(store, errstr, errstr_size))
                                return BP_ERR_IO;
                        store->discarded = true;
                }
        }
        if (opts->sync_on_close && have_boot && !opts->read_only) {
                store->sync_on_close = true;
                *env_flags |= MDB_NOSYNC; /* no meta sync either */
        }
        return BP_OK;
}

bp_err_t bp_store_guard_after_open(bp_store_t *store, char *errstr,
                                   size_t errstr_size) {
        if (store->read_only)
                return BP_OK;
        if (store->sync_on_close)
                return write_marker(store, errstr, errstr_size);
        /* Another opener leaves the marker alone: the runtime that wrote
         * it may still be writing without sync. */
        if (!store->marker_found || !store->owner)
                return BP_OK;
        /* The runtime, opened to sync every commit, over a store left
         * unsynced by a process of this boot (or just discarded): make
         * what it holds durable before the marker that covers it goes. */
        return sync_and_unmark(store, errstr, errstr_size);
}

bp_err_t bp_store_finish(bp_store_t *store, char *errstr, size_t errstr_size) {
        if (!store->sync_on_close || !store->env)
                return BP_OK;
        store->sync_on_close = false; /* done, whatever the outcome */
        /* On failure the marker stays: the next open of this boot trusts
         * the store (the page cache has it), another boot discards it. */
        return sync_and_unmark(store, errstr, errstr_size);
}

bool bp_store_was_discarded(const bp_store_t *store) {
        return store->discarded;
}

bool bp_store_syncs_on_close(const bp_store_t *store) {
        return store->sync_on_close;
}
