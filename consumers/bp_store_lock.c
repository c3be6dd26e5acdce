/*
 * bp_store_lock.c - one writer per state directory: the LOCK file (see
 * BP_STORE_LOCK_FILE in bp_store.h).
 *
 * Two processes writing one directory break each other in ways LMDB does
 * not see: the one that stops first syncs and removes the `unsynced`
 * marker that still covers the other's unsynced commits, and after a
 * machine crash either may discard a store the other is writing. So a
 * writer holds an exclusive flock(2) on LOCK from before the environment
 * opens (and before the marker is read) until it is closed. flock, not
 * fcntl: a second open in the same process conflicts too (a fcntl lock is
 * the process's, and closing any descriptor of the file would drop it),
 * and the kernel drops it when the holder dies, however it dies, so a
 * lock file left by a killed process never blocks. The PID written into
 * the file is information for the message, never the lock itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bp_store_int.h"

/* The holder's PID as it wrote it, or "unknown" (it has the lock but has
 * not written yet, or wrote something else). */
static void read_holder(int fd, char *buf, size_t size) {
        ssize_t n = pread(fd, buf, size - 1, 0);
        size_t  len;

        if (n <= 0) {
                snprintf(buf, size, "unknown");
                return;
        }
        buf[n] = '\0';
        len    = strspn(buf, "0123456789");
        if (len == 0 || (buf[len] != '\n' && buf[len] != '\0')) {
                snprintf(buf, size, "unknown");
                return;
        }
        buf[len] = '\0';
}

/* Replaces the file's content with this process's PID. */
static int write_pid(int fd) {
        char pid[32];
        int  len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

        if (ftruncate(fd, 0) != 0)
                return -1;
        return pwrite(fd, pid, (size_t)len, 0) == len ? 0 : -1;
}

bp_err_t bp_store_lock_take(bp_store_t *store, char *errstr,
                            size_t errstr_size) {
        char path[BP_STORE_PATH_MAX], holder[32];
        int  fd;

        snprintf(path, sizeof(path), "%s/%s", store->dir, BP_STORE_LOCK_FILE);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd < 0) {
                bp_store_errf(errstr, errstr_size, "cannot open %s: %s", path,
                              strerror(errno));
                return BP_ERR_IO;
        }
        while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
                if (errno == EINTR)
                        continue;
                if (errno == EWOULDBLOCK) {
                        read_holder(fd, holder, sizeof(holder));
                        bp_store_errf(errstr, errstr_size,
                                      "the directory is in use by process %s "
                                      "(it holds %s); two processes must not "
                                      "write one state directory: stop that "
                                      "one, or give this one its own "
                                      "state.dir",
                                      holder, path);
                        close(fd);
                        return BP_ERR_STATE;
                }
                bp_store_errf(errstr, errstr_size, "cannot lock %s: %s", path,
                              strerror(errno));
                close(fd);
                return BP_ERR_IO;
        }
        /* Best effort: the PID only makes the next refusal's message
         * better, and the lock is already held. */
        (void)write_pid(fd);
        store->lock_fd = fd;
        return BP_OK;
}

void bp_store_lock_release(bp_store_t *store) {
        if (store->lock_fd < 0)
                return;
        /* The file stays: removing it would let a process that opened it
         * just before lock an unlinked file while a third creates a new
         * one. Its PID is stale from here on, and harmless. */
        close(store->lock_fd);
        store->lock_fd = -1;
}
