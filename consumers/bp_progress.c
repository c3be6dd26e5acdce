/*
 * bp_progress.c - the progress line (see bp_progress.h).
 *
 * The line is redrawn in place with a carriage return and an erase to the
 * end of the line (ESC [ K), which every terminal emulator understands;
 * nothing else of the terminal is assumed. The clock is read about four
 * times per redraw interval, however fast the updates come (the stride
 * between two reads follows the rate seen), so that a loop of millions of
 * items pays next to nothing for its progress line and a slow one is
 * still redrawn on time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_progress.h"

#define BP_PROGRESS_INTERVAL_MS 250

struct bp_progress_s {
        int         fd;
        int         interval_ms;
        const char *what;
        const char *unit;
        uint64_t    total;
        double      start;      /* seconds, monotonic */
        double      last_draw;  /* seconds, monotonic */
        double      last_look;  /* last read of the clock */
        uint64_t    calls;      /* updates so far */
        uint64_t    look_calls; /* calls at the last read of the clock */
        uint64_t    next_look;  /* read the clock at this many calls */
        uint64_t    stride;     /* calls between the last two looks */
        bool        drawn;      /* a line is on the screen */
};

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bp_progress_t *bp_progress_new_fd(int fd, bool force, int interval_ms,
                                  const char *what, const char *unit,
                                  uint64_t total) {
        bp_progress_t *p;

        if (!force && !isatty(fd))
                return NULL;
        if (!(p = calloc(1, sizeof(*p))))
                return NULL;
        p->fd = fd;
        p->interval_ms =
            interval_ms > 0 ? interval_ms : BP_PROGRESS_INTERVAL_MS;
        p->what      = what;
        p->unit      = unit;
        p->total     = total;
        p->start     = now_s();
        p->last_draw = p->start;
        p->last_look = p->start;
        return p;
}

bp_progress_t *bp_progress_new(const char *what, const char *unit,
                               uint64_t total) {
        return bp_progress_new_fd(STDERR_FILENO, false, 0, what, unit, total);
}

/* Writes n as decimal with thousands separators: 1,204,000. */
static int thousands(char *buf, size_t size, uint64_t n) {
        char digits[24];
        int  len =
            snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
        size_t out = 0;
        int    i;

        for (i = 0; i < len && out + 1 < size; i++) {
                if (i > 0 && (len - i) % 3 == 0 && out + 2 < size)
                        buf[out++] = ',';
                buf[out++] = digits[i];
        }
        buf[out] = '\0';
        return (int)out;
}

int bp_progress_format(char *buf, int size, const char *what, const char *unit,
                       uint64_t items, uint64_t work, uint64_t total,
                       double seconds) {
        char   count[32], rate[32];
        int    n;
        double frac = total ? (double)work / (double)total : 0;

        if (size <= 0)
                return 0;
        thousands(count, sizeof(count), items);
        n = snprintf(buf, (size_t)size, "%s: %s %s", what, count, unit);
        if (total && n < size)
                n += snprintf(buf + n, (size_t)(size - n), "  %d%%",
                              (int)(frac > 1 ? 100 : frac * 100));
        if (seconds > 0 && n < size) {
                thousands(rate, sizeof(rate),
                          (uint64_t)((double)items / seconds));
                n += snprintf(buf + n, (size_t)(size - n), "  %s %s/s", rate,
                              unit);
        }
        if (total && seconds > 0 && frac > 0 && frac < 1 && n < size) {
                long eta = (long)(seconds / frac - seconds + 0.5);
                n += snprintf(buf + n, (size_t)(size - n), "  ETA %ld:%02ld",
                              eta / 60, eta % 60);
        }
        return n < size ? n : size - 1;
}

static void write_all(int fd, const char *s, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, s, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return; /* a progress line is not worth failing for */
                s += n;
                len -= (size_t)n;
        }
}

void bp_progress_update(bp_progress_t *p, uint64_t items, uint64_t work) {
        char     line[256];
        double   t, per_s;
        uint64_t stride;
        int      n;

        if (!p || ++p->calls < p->next_look)
                return;
        t = now_s();
        /* Next look after about a quarter of the interval at this rate;
         * the stride at most doubles, so that one quick burst (the first
         * calls, typically) cannot put the next look far away. */
        per_s  = t > p->last_look
                     ? (double)(p->calls - p->look_calls) / (t - p->last_look)
                     : 0;
        stride = (uint64_t)(per_s * p->interval_ms / 4000.0);
        if (stride > 2 * p->stride + 1)
                stride = 2 * p->stride + 1;
        p->stride     = stride;
        p->next_look  = p->calls + 1 + stride;
        p->look_calls = p->calls;
        p->last_look  = t;
        if ((t - p->last_draw) * 1000 < p->interval_ms)
                return;
        p->last_draw = t;
        line[0]      = '\r';
        n = bp_progress_format(line + 1, (int)sizeof(line) - 5, p->what,
                               p->unit, items, work, p->total, t - p->start);
        memcpy(line + 1 + n, "\033[K", 3);
        write_all(p->fd, line, (size_t)n + 4);
        p->drawn = true;
}

void bp_progress_clear(bp_progress_t *p) {
        if (!p || !p->drawn)
                return;
        write_all(p->fd, "\r\033[K", 4);
        p->drawn = false;
}

void bp_progress_destroy(bp_progress_t *p) {
        bp_progress_clear(p);
        free(p);
}
