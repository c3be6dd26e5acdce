/*
 * bp_cli.c - command-line helpers of the Kafka tools. See bp_cli.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_cli.h"

/* The globals of the tools, written by the signal handler only: the signal
 * that asked to stop (0: none yet), and who sent it, for the log line. */
static volatile sig_atomic_t bp_cli_stop;
static volatile sig_atomic_t bp_cli_stop_sender;

int bp_cli_int(const char *cmd, const char *flag, const char *s, long min,
               long max, long *out) {
        char *end;
        long  v;

        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max) {
                fprintf(stderr,
                        "%s: --%s: expected an integer %ld..%ld, got \"%s\"\n",
                        cmd, flag, min, max, s);
                return -1;
        }
        *out = v;
        return 0;
}

bp_err_t bp_cli_list_split(bp_cli_list_t *list, const char *s) {
        const char *p = s, *comma;
        size_t      len, cnt = 1;
        char      **items;

        bp_cli_list_free(list);
        for (comma = s; (comma = strchr(comma, ',')); comma++)
                cnt++;
        items = calloc(cnt, sizeof(*items));
        if (!items)
                return BP_ERR_NOMEM;
        list->items = items;
        for (;;) {
                comma = strchr(p, ',');
                len   = comma ? (size_t)(comma - p) : strlen(p);
                if (len == 0) {
                        bp_cli_list_free(list);
                        return BP_ERR_INVALID;
                }
                items[list->cnt] = strndup(p, len);
                if (!items[list->cnt]) {
                        bp_cli_list_free(list);
                        return BP_ERR_NOMEM;
                }
                list->cnt++;
                if (!comma)
                        return BP_OK;
                p = comma + 1;
        }
}

void bp_cli_list_free(bp_cli_list_t *list) {
        size_t i;

        for (i = 0; i < list->cnt; i++)
                free(list->items[i]);
        free(list->items);
        list->items = NULL;
        list->cnt   = 0;
}

bp_err_t bp_cli_props_add(bp_cli_props_t *props, const char *arg) {
        const char    *eq = strchr(arg, '=');
        bp_kafka_kv_t *kv;
        char          *copy;

        if (!eq || eq == arg)
                return BP_ERR_INVALID;
        kv = realloc(props->kv, (props->cnt + 1) * sizeof(*kv));
        if (!kv)
                return BP_ERR_NOMEM;
        props->kv = kv;
        copy      = strdup(arg);
        if (!copy)
                return BP_ERR_NOMEM;
        copy[eq - arg]              = '\0';
        props->kv[props->cnt].key   = copy;
        props->kv[props->cnt].value = copy + (eq - arg) + 1;
        props->cnt++;
        return BP_OK;
}

void bp_cli_props_free(bp_cli_props_t *props) {
        size_t i;

        /* The key is the start of the one allocation holding both. */
        for (i = 0; i < props->cnt; i++)
                free((char *)props->kv[i].key);
        free(props->kv);
        props->kv  = NULL;
        props->cnt = 0;
}

int bp_cli_kafka_opt(const char *cmd, bp_cli_kafka_t *k, int c,
                     const char *arg) {
        bp_err_t err;

        switch (c) {
        case 'b':
                k->brokers = arg;
                return 1;
        case 'm':
                k->schema_map = arg;
                return 1;
        case 'r':
                k->registry = arg;
                return 1;
        case 'X':
                err = bp_cli_props_add(&k->props, arg);
                if (err == BP_OK)
                        return 1;
                if (err == BP_ERR_NOMEM)
                        fprintf(stderr, "%s: out of memory\n", cmd);
                else
                        fprintf(stderr,
                                "%s: -X: expected key=value, got \"%s\"\n", cmd,
                                arg);
                return -1;
        default:
                return 0;
        }
}

rd_kafka_conf_t *bp_cli_kafka_conf(const bp_cli_kafka_t *k,
                                   const bp_kafka_kv_t  *defaults,
                                   size_t default_cnt, char *errstr,
                                   size_t errstr_size) {
        const bp_kafka_kv_t bootstrap = {"bootstrap.servers", k->brokers};
        rd_kafka_conf_t    *conf;

        conf = bp_kafka_conf_new(&bootstrap, 1, errstr, errstr_size);
        if (!conf)
                return NULL;
        if (bp_kafka_conf_apply(conf, defaults, default_cnt, errstr,
                                errstr_size) ||
            bp_kafka_conf_apply(conf, k->props.kv, k->props.cnt, errstr,
                                errstr_size)) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        rd_kafka_conf_set_log_cb(conf, bp_kafka_log_cb);
        return conf;
}

void bp_cli_kafka_free(bp_cli_kafka_t *k) {
        bp_cli_props_free(&k->props);
}

static void on_signal(int sig, siginfo_t *si, void *context) {
        (void)context;
        bp_cli_stop_sender = si ? (sig_atomic_t)si->si_pid : 0;
        bp_cli_stop        = sig;
}

int bp_cli_stop_on_signals(void) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_signal;
        sa.sa_flags     = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) < 0 ||
            sigaction(SIGTERM, &sa, NULL) < 0)
                return -1;
        return 0;
}

int bp_cli_stopping(void) {
        return bp_cli_stop != 0;
}

int bp_cli_stop_signal(long *sender) {
        if (sender)
                *sender = bp_cli_stop_sender;
        return bp_cli_stop;
}

void bp_cli_log(const char *level, const char *cmd, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "level=%s cmd=%s ", level, cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void bp_cli_fatal(const char *cmd, const char *what, const char *error) {
        char qwhat[300], qerror[600];

        bp_cli_log("error", cmd, "msg=%s error=%s",
                   bp_cli_quote(what, qwhat, sizeof(qwhat)),
                   bp_cli_quote(error, qerror, sizeof(qerror)));
}

const char *bp_cli_quote(const char *s, char *buf, size_t size) {
        static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._/:+-,";
        size_t            o       = 0;

        if (*s && strspn(s, plain) == strlen(s))
                return s;
        if (size < 3)
                return "\"\"";
        buf[o++] = '"';
        for (; *s && o + 3 < size; s++) {
                if (*s == '"' || *s == '\\')
                        buf[o++] = '\\';
                buf[o++] = (*s == '\n' || *s == '\r') ? ' ' : *s;
        }
        buf[o++] = '"';
        buf[o]   = '\0';
        return buf;
}
