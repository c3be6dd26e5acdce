/*
 * bp_config_ref.c - `${file:PATH}` and `${env:NAME}` values (see
 * bp_config_ref.h).
 *
 * A file is opened without blocking (a FIFO named by mistake must not hang
 * start-up), must be a regular file, and its size is checked with fstat()
 * before a byte is read; the read itself stops one byte past the limit, so
 * a file that grows meanwhile cannot make it read more. Secret volumes of
 * Kubernetes are symbolic links into a hidden folder, so links are
 * followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bp_config_ref.h"

/* How much of a reference a message repeats. */
#define REF_ECHO_MAX 200

/* A file may hold the limit plus a trailing "\r\n". */
#define FILE_MAX (BP_CONFIG_REF_MAX + 2)

bool bp_config_ref_is(const char *value) {
        size_t len = strlen(value);
        return len >= 3 && value[0] == '$' && value[1] == '{' &&
               value[len - 1] == '}';
}

static bp_err_t ref_err(char *msg, size_t msg_size, const char *ref,
                        const char *what) {
        snprintf(msg, msg_size, "%.*s: %s", REF_ECHO_MAX, ref, what);
        return BP_ERR_CONFIG;
}

/* Reads at most FILE_MAX + 1 bytes of fd into buf; -1 on a read error. */
static long read_bounded(int fd, char *buf) {
        size_t len = 0;

        while (len < FILE_MAX + 1) {
                ssize_t n = read(fd, buf + len, FILE_MAX + 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        return (long)len;
}

/* The content of the file path, one trailing newline removed. */
static bp_err_t resolve_file(const char *ref, const char *path, char **outp,
                             char *msg, size_t msg_size) {
        char        what[256];
        struct stat st;
        char       *buf = NULL;
        long        len;
        int         fd;
        bp_err_t    err = BP_ERR_CONFIG;

        if (!*path)
                return ref_err(msg, msg_size, ref, "no file named");
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                snprintf(what, sizeof(what), "cannot open: %s",
                         strerror(errno));
                return ref_err(msg, msg_size, ref, what);
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                ref_err(msg, msg_size, ref, "not a regular file");
                goto out;
        }
        if (st.st_size > FILE_MAX) {
                snprintf(what, sizeof(what), "larger than %d bytes",
                         BP_CONFIG_REF_MAX);
                ref_err(msg, msg_size, ref, what);
                goto out;
        }
        if (!(buf = malloc(FILE_MAX + 2))) {
                err = BP_ERR_NOMEM;
                goto out;
        }
        if ((len = read_bounded(fd, buf)) < 0) {
                snprintf(what, sizeof(what), "read error: %s", strerror(errno));
                ref_err(msg, msg_size, ref, what);
                goto out;
        }
        if (len > 0 && buf[len - 1] == '\n' && --len > 0 &&
            buf[len - 1] == '\r')
                len--;
        if (len > BP_CONFIG_REF_MAX) {
                snprintf(what, sizeof(what), "larger than %d bytes",
                         BP_CONFIG_REF_MAX);
                ref_err(msg, msg_size, ref, what);
                goto out;
        }
        if (memchr(buf, '\0', (size_t)len)) {
                ref_err(msg, msg_size, ref, "NUL byte in the file");
                goto out;
        }
        buf[len] = '\0';
        *outp    = buf;
        buf      = NULL;
        err      = BP_OK;
out:
        free(buf);
        close(fd);
        return err;
}

/* The value of the environment variable name. */
static bp_err_t resolve_env(const char *ref, const char *name, char **outp,
                            char *msg, size_t msg_size) {
        const char *value;
        size_t      i;

        for (i = 0; name[i]; i++)
                if (!((name[i] >= 'a' && name[i] <= 'z') ||
                      (name[i] >= 'A' && name[i] <= 'Z') || name[i] == '_' ||
                      (i > 0 && name[i] >= '0' && name[i] <= '9')))
                        break;
        if (i == 0 || name[i])
                return ref_err(msg, msg_size, ref,
                               "invalid variable name: use letters, digits "
                               "and '_', not a digit first");
        if (!(value = getenv(name)))
                return ref_err(msg, msg_size, ref, "not set");
        if (strlen(value) > BP_CONFIG_REF_MAX) {
                char what[64];
                snprintf(what, sizeof(what), "longer than %d bytes",
                         BP_CONFIG_REF_MAX);
                return ref_err(msg, msg_size, ref, what);
        }
        *outp = strdup(value);
        return *outp ? BP_OK : BP_ERR_NOMEM;
}

bp_err_t bp_config_ref_resolve(const char *ref, char **outp, char *msg,
                               size_t msg_size) {
        size_t   len = strlen(ref);
        char    *arg = strndup(ref + 2, len - 3); /* between "${" and "}" */
        bp_err_t err;

        *outp = NULL;
        if (!arg)
                return BP_ERR_NOMEM;
        if (strncmp(arg, "file:", 5) == 0)
                err = resolve_file(ref, arg + 5, outp, msg, msg_size);
        else if (strncmp(arg, "env:", 4) == 0)
                err = resolve_env(ref, arg + 4, outp, msg, msg_size);
        else
                err = ref_err(msg, msg_size, ref,
                              "unknown reference: use ${file:PATH} or "
                              "${env:NAME}");
        free(arg);
        return err;
}
