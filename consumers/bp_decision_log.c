/*
 * bp_decision_log.c - decisions appended to a file (see
 * bp_decision_log.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_decision_log.h"
#include "bp_eval_json.h"
#include "bp_tool.h"

struct bp_decision_log_s {
        int      fd;
        bp_buf_t buf;
};

bp_decision_log_t *bp_decision_log_open(const char *path, char *errstr,
                                        size_t errstr_size) {
        bp_decision_log_t *log = calloc(1, sizeof(*log));

        if (!log) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log->fd < 0) {
                snprintf(errstr, errstr_size, "decision log %s: %s", path,
                         strerror(errno));
                free(log);
                return NULL;
        }
        return log;
}

bp_err_t bp_decision_log_append(bp_decision_log_t *log, const bp_rules_t *rules,
                                const bp_freelancer_t   *fl,
                                const bp_badge_events_t *events) {
        size_t   i;
        bp_err_t err;

        if (!log)
                return BP_OK;
        for (i = 0; i < events->cnt; i++) {
                err = bp_eval_json_decision(&log->buf, rules, fl,
                                            &events->items[i]);
                /* An event of another state is the caller's mistake; the
                 * log records what it can rather than stop the service. */
                if (err == BP_ERR_NOT_FOUND)
                        continue;
                if (err)
                        return err;
        }
        return bp_tool_flush_if_full(&log->buf, log->fd) ? BP_ERR_IO : BP_OK;
}

bp_err_t bp_decision_log_flush(bp_decision_log_t *log) {
        if (!log)
                return BP_OK;
        return bp_tool_flush(&log->buf, log->fd) ? BP_ERR_IO : BP_OK;
}

bp_err_t bp_decision_log_close(bp_decision_log_t *log) {
        bp_err_t err;

        if (!log)
                return BP_OK;
        err = bp_decision_log_flush(log);
        if (close(log->fd) != 0 && !err)
                err = BP_ERR_IO;
        bp_buf_free(&log->buf);
        free(log);
        return err;
}
