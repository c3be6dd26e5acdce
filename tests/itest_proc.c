/*
 * itest_proc.c - child processes, runner logs and the replay oracle for
 * the C integration tests (see itest_proc.h).
 *
 * Badge event lines are read with a few string searches rather than a
 * JSON parser: they are written by our own tool in one known shape
 * (`badgeproc consume`, `badgeproc replay`), the event's own event_id and
 * freelancer_id come before its cause, and ids hold no escapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_proc.h"

static const char *env(const char *name) {
        const char *v = getenv(name);
        if (!v)
                fail_msg("%s is not set (run through ctest)", name);
        return v;
}

static long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void nap_ms(int ms) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

void itest_tmpdir(char *dir, const char *what) {
        snprintf(dir, 64, "/tmp/bp_%s_XXXXXX", what);
        if (!mkdtemp(dir))
                fail_msg("mkdtemp: %s", strerror(errno));
}

void itest_rmdir(const char *dir) {
        const char *args[] = {"rm", "-rf", dir, NULL};
        pid_t       pid    = fork();
        int         st;
        assert_true(pid >= 0);
        if (pid == 0) {
                execvp("rm", (char *const *)args);
                _exit(127);
        }
        waitpid(pid, &st, 0);
}

/* In the child: fd to path (NULL: /dev/null), or exit. */
static void redirect(int fd, const char *path, int flags) {
        int f = open(path ? path : "/dev/null", flags, 0644);
        if (f < 0 || dup2(f, fd) < 0)
                _exit(126);
        close(f);
}

pid_t itest_spawn(const char *const *args, const char *out_path,
                  const char *err_path) {
        const char *bin = env("BP_BIN"), *src = env("BP_SRC");
        char       *argv[ITEST_ARGS_MAX + 2];
        pid_t       pid;
        int         i;

        argv[0] = (char *)bin;
        for (i = 0; args[i]; i++) {
                assert_true(i < ITEST_ARGS_MAX);
                argv[i + 1] = (char *)args[i];
        }
        argv[i + 1] = NULL;
        /* Created before the child runs, so that the caller may read
         * them at once. */
        if (out_path)
                fclose(fopen(out_path, "w"));
        if (err_path)
                fclose(fopen(err_path, "w"));
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                redirect(0, NULL, O_RDONLY);
                redirect(1, out_path, O_WRONLY | O_CREAT | O_TRUNC);
                redirect(2, err_path, O_WRONLY | O_CREAT | O_TRUNC);
                if (chdir(src) != 0)
                        _exit(126);
                execv(bin, argv);
                _exit(127);
        }
        return pid;
}

int itest_wait(pid_t pid, int timeout_ms, const char *what) {
        long deadline = now_ms() + timeout_ms;
        int  st;

        for (;;) {
                pid_t got = waitpid(pid, &st, WNOHANG);
                assert_true(got >= 0);
                if (got == pid)
                        break;
                if (now_ms() > deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        fail_msg("%s: still running after %d ms, killed", what,
                                 timeout_ms);
                }
                nap_ms(10);
        }
        if (!WIFEXITED(st))
                fail_msg("%s: killed by signal %d", what, WTERMSIG(st));
        return WEXITSTATUS(st);
}

void itest_kill(pid_t pid) {
        if (pid <= 0)
                return;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

int itest_run(const char *const *args, const char *out_path,
              const char *err_path, int timeout_ms) {
        return itest_wait(itest_spawn(args, out_path, err_path), timeout_ms,
                          args[0]);
}

char *itest_slurp(const char *path) {
        FILE  *f   = fopen(path, "rb");
        char  *s   = NULL;
        size_t len = 0, cap = 0, n;

        if (!f)
                fail_msg("cannot open %s: %s", path, strerror(errno));
        do {
                if (cap - len < 4096) {
                        cap = cap ? cap * 2 : 65536;
                        s   = realloc(s, cap);
                        assert_non_null(s);
                }
                n = fread(s + len, 1, cap - len - 1, f);
                len += n;
        } while (n > 0);
        fclose(f);
        s[len] = '\0';
        return s;
}

long itest_log_counter(const char *log_path, const char *field) {
        char       *log = itest_slurp(log_path), *line, *save = NULL, *p;
        char        key[64];
        long        v       = 0;
        const char *kinds[] = {"event=progress ", "event=stopped "};

        snprintf(key, sizeof(key), " %s=", field);
        for (line = strtok_r(log, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                if (!strstr(line, kinds[0]) && !strstr(line, kinds[1]))
                        continue;
                if ((p = strstr(line, key)))
                        v = strtol(p + strlen(key), NULL, 10);
        }
        free(log);
        return v;
}

int itest_log_count(const char *log_path, const char *needle) {
        char *log = itest_slurp(log_path), *line, *save = NULL;
        int   n = 0;
        for (line = strtok_r(log, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save))
                n += strstr(line, needle) != NULL;
        free(log);
        return n;
}

void itest_print_tail(const char *log_path, int n) {
        char  *log  = itest_slurp(log_path);
        size_t len  = strlen(log);
        char  *p    = log + len;
        int    seen = 0;
        while (p > log && seen <= n)
                seen += *--p == '\n';
        if (p > log)
                p++;
        fprintf(stderr, "---- last %d lines of %s ----\n%s---- end ----\n", n,
                log_path, p);
        free(log);
}

void itest_wait_log(const char *log_path, const char *needle, int n,
                    int timeout_ms) {
        long deadline = now_ms() + timeout_ms;
        while (itest_log_count(log_path, needle) < n) {
                if (now_ms() > deadline) {
                        itest_print_tail(log_path, 40);
                        fail_msg("%s: %d lines with \"%s\" after %d ms, "
                                 "expected %d",
                                 log_path, itest_log_count(log_path, needle),
                                 needle, timeout_ms, n);
                }
                nap_ms(20);
        }
}

int itest_wait_settled(pid_t pid, const char *log_path, const char *field,
                       long min, int quiet_ms, int timeout_ms) {
        static const char *const counters[] = {"applied", "batches", "aborted",
                                               "dead_lettered"};
        long deadline = now_ms() + timeout_ms, since = now_ms();
        long last[4] = {-1, -1, -1, -1};
        int  i;

        for (;;) {
                int moved = 0, st;
                if (waitpid(pid, &st, WNOHANG) == pid)
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
                for (i = 0; i < 4; i++) {
                        long v = itest_log_counter(log_path, counters[i]);
                        moved |= v != last[i];
                        last[i] = v;
                }
                if (moved)
                        since = now_ms();
                else if (itest_log_counter(log_path, field) >= min &&
                         now_ms() - since >= quiet_ms)
                        return -1;
                if (now_ms() > deadline)
                        fail_msg("the runner reported %s=%ld, not %ld, or did "
                                 "not settle, in %d ms (log: %s)",
                                 field, itest_log_counter(log_path, field), min,
                                 timeout_ms, log_path);
                nap_ms(50);
        }
}

void itest_stop(pid_t pid) {
        assert_int_equal(kill(pid, SIGTERM), 0);
        assert_int_equal(itest_wait(pid, 30000, "runner after SIGTERM"), 0);
}

/* One badge event line. */
typedef struct badge_s {
        char  *line;  /* the whole line, in the slurped buffer */
        char  *plain; /* without cause, malloc'd */
        char   id[64];
        char   fl[300];
        size_t idx; /* position in its file */
        long   version;
        int    granted;
} badge_t;

/* The first string value of key in line. */
static void str_field(const char *line, const char *key, char *out,
                      size_t size) {
        char        pat[64];
        const char *p = NULL, *e = NULL;
        snprintf(pat, sizeof(pat), "\"%s\":\"", key);
        if ((p = strstr(line, pat)))
                e = strchr(p += strlen(pat), '"');
        if (!e || (size_t)(e - p) >= size)
                fail_msg("no %s in: %s", key, line);
        memcpy(out, p, (size_t)(e - p));
        out[e - p] = '\0';
}

/* line without its ,"cause":{...} member (which holds no braces). */
static char *without_cause(const char *line) {
        const char *c = strstr(line, ",\"cause\":{");
        const char *e = c ? strchr(c, '}') : NULL;
        size_t      n = strlen(line);
        char       *s = malloc(n + 1);
        assert_non_null(s);
        if (!e) {
                memcpy(s, line, n + 1);
                return s;
        }
        memcpy(s, line, (size_t)(c - line));
        memcpy(s + (c - line), e + 1, n - (size_t)(e + 1 - line) + 1);
        return s;
}

/* Parses the badge events of path; *buf keeps the text they point into. */
static badge_t *load(const char *path, size_t *cnt, char **buf) {
        char    *line, *save = NULL, *p;
        size_t   n = 0, cap = 1024;
        badge_t *b = malloc(cap * sizeof(*b));

        assert_non_null(b);
        *buf = itest_slurp(path);
        for (line = strtok_r(*buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                if (n == cap) {
                        cap *= 2;
                        b = realloc(b, cap * sizeof(*b));
                        assert_non_null(b);
                }
                b[n].line  = line;
                b[n].plain = without_cause(line);
                b[n].idx   = n;
                str_field(line, "event_id", b[n].id, sizeof(b[n].id));
                str_field(line, "freelancer_id", b[n].fl, sizeof(b[n].fl));
                if (!(p = strstr(line, "\"badge_version\":")))
                        fail_msg("no badge_version in: %s", line);
                b[n].version =
                    strtol(p + strlen("\"badge_version\":"), NULL, 10);
                b[n].granted =
                    strstr(line, "\"type\":\"badge-granted\"") != NULL;
                n++;
        }
        *cnt = n;
        return b;
}

static void unload(badge_t *b, size_t cnt, char *buf) {
        size_t i;
        for (i = 0; i < cnt; i++)
                free(b[i].plain);
        free(b);
        free(buf);
}

static int by_id(const void *a, const void *b) {
        const badge_t *x = a, *y = b;
        int            c = strcmp(x->id, y->id);
        return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Per freelancer, in file order: a stable order that ignores how the
 * freelancers of different partitions interleave. */
static int by_freelancer(const void *a, const void *b) {
        const badge_t *x = a, *y = b;
        int            c = strcmp(x->fl, y->fl);
        return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

void itest_judge(const char *got_path, const char *want_path,
                 itest_verdict_t *v) {
        char    *gbuf, *wbuf;
        size_t   gn, wn, i, first = 0, k = 0;
        badge_t *got  = load(got_path, &gn, &gbuf);
        badge_t *want = load(want_path, &wn, &wbuf);

        memset(v, 0, sizeof(*v));
        v->published = gn;
        v->expected  = wn;
        /* Redeliveries: every copy of an event_id equals its first. */
        qsort(got, gn, sizeof(*got), by_id);
        for (i = 0; i < gn; i++) {
                if (i > 0 && strcmp(got[i].id, got[first].id) == 0) {
                        if (strcmp(got[i].line, got[first].line) != 0)
                                fail_msg("%s published twice, differently:\n"
                                         "%s\n%s",
                                         got[i].id, got[first].line,
                                         got[i].line);
                        v->repeated++;
                        free(got[i].plain);
                        continue;
                }
                first    = i;
                got[k++] = got[i]; /* the first copies, moved down */
        }
        v->distinct = k; /* got[k..gn) are stale: not freed again */
        /* The first copies against the replay, freelancer by freelancer. */
        qsort(got, k, sizeof(*got), by_freelancer);
        qsort(want, wn, sizeof(*want), by_freelancer);
        for (i = 0; i < k && i < wn; i++)
                if (strcmp(got[i].plain, want[i].plain) != 0)
                        fail_msg("published events differ from the replay "
                                 "(%zu distinct published, %zu expected); "
                                 "first difference:\n got: %s\nwant: %s",
                                 k, wn, got[i].plain, want[i].plain);
        if (k != wn)
                fail_msg("%zu distinct events published, the replay has %zu", k,
                         wn);
        unload(got, k, gbuf);
        unload(want, wn, wbuf);
}

static int by_text(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

char *itest_holders(const char *path) {
        char    *buf, *out, **pairs;
        size_t   n, i, j, cnt = 0, len = 1;
        badge_t *b = load(path, &n, &buf);

        pairs = calloc(n + 1, sizeof(*pairs));
        assert_non_null(pairs);
        for (i = 0; i < n; i++) {
                char partner[300], pair[620];
                int  latest = 1;
                str_field(b[i].line, "partner_id", partner, sizeof(partner));
                snprintf(pair, sizeof(pair), "%s %s", b[i].fl, partner);
                for (j = 0; j < n && latest; j++) {
                        char other[300];
                        if (j == i || strcmp(b[j].fl, b[i].fl) != 0)
                                continue;
                        str_field(b[j].line, "partner_id", other,
                                  sizeof(other));
                        if (strcmp(other, partner) == 0 &&
                            (b[j].version > b[i].version ||
                             (b[j].version == b[i].version && j < i)))
                                latest = 0;
                }
                if (latest && b[i].granted) {
                        pairs[cnt] = strdup(pair);
                        len += strlen(pair) + 1;
                        cnt++;
                }
        }
        qsort(pairs, cnt, sizeof(*pairs), by_text);
        out = malloc(len);
        assert_non_null(out);
        out[0] = '\0';
        for (i = 0; i < cnt; i++) {
                strcat(strcat(out, pairs[i]), "\n");
                free(pairs[i]);
        }
        free(pairs);
        unload(b, n, buf);
        return out;
}
