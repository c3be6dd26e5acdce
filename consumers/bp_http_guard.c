/*
 * bp_http_guard.c - deadlines and eviction for an HTTP server's
 * connections (see bp_http_guard.h).
 *
 * A fixed array of conf.slots slots, allocated once, is the whole state:
 * each open slot holds a socket, the client's address as 16 bytes (IPv4
 * as an IPv4-mapped IPv6 address, so that both compare alike), when it
 * opened, whether its request is complete, and whether the guard has
 * already ended it (it stays open until the server closes it, but no
 * longer counts as live). Scans are linear: a few hundred slots at most,
 * touched once per connection and once per sweep.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "bp_http_guard.h"
#include "bp_log.h"

/* Bytes of a connection's input looked at for a whole request head: a
 * probe's request is a few dozen. */
#define PEEK_MAX 1024
/* The least time between two log lines of counts. */
#define LOG_EVERY_MS 60000

struct bp_http_guard_slot_s {
        int     fd;
        int64_t opened_ms;
        uint8_t addr[16];
        bool    open;     /* between bp_http_guard_open() and _close() */
        bool    answered; /* the request is complete */
        bool    ended;    /* shut down by the guard, not yet closed */
        bool    spared;   /* a whole request was seen waiting: not evicted */
};

struct bp_http_guard_s {
        bp_http_guard_conf_t  conf;
        bp_http_guard_slot_t *slots;
        uint64_t              by_deadline, by_eviction;
        uint64_t              logged; /* the sum of both when last logged */
        int64_t               logged_ms;
        pthread_mutex_t       lock;
        pthread_cond_t        wake;
        pthread_t             thread;
        bool                  stop;
};

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The client address of a connection as 16 bytes. */
static void addr_key(const struct sockaddr *addr, uint8_t key[16]) {
        memset(key, 0, 16);
        if (addr && addr->sa_family == AF_INET6) {
                memcpy(key, &((const struct sockaddr_in6 *)addr)->sin6_addr,
                       16);
        } else if (addr && addr->sa_family == AF_INET) {
                key[10] = key[11] = 0xff;
                memcpy(key + 12, &((const struct sockaddr_in *)addr)->sin_addr,
                       4);
        }
}

static bool live(const bp_http_guard_slot_t *s) {
        return s->open && !s->ended;
}

/* Ends a live slot's connection. Called with the lock held. */
static void end(bp_http_guard_slot_t *s, uint64_t *counter) {
        shutdown(s->fd, SHUT_RDWR);
        s->ended = true;
        (*counter)++;
}

/* True when the socket holds, unread yet, the end of a request's
 * headers: the server reads and answers it at its next turn. */
static bool request_waiting(int fd) {
        char    buf[PEEK_MAX];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
        ssize_t i;

        for (i = 3; i < n; i++)
                if (memcmp(buf + i - 3, "\r\n\r\n", 4) == 0)
                        return true;
        return false;
}

/* The slot to evict among the live ones (of key, or all when key is
 * NULL): the oldest whose request is incomplete and not waiting to be
 * read, else the oldest. A connection that has just sent a whole
 * request, such as a probe, is spared even when, under a flood of new
 * connections, it became the oldest before the server read it. */
static bp_http_guard_slot_t *victim(bp_http_guard_t *g, const uint8_t *key) {
        bp_http_guard_slot_t *best, *oldest = NULL, *s;
        size_t                i;

        for (;;) {
                best = NULL;
                for (i = 0; i < g->conf.slots; i++) {
                        s = &g->slots[i];
                        if (!live(s) || s->answered || s->spared ||
                            (key && memcmp(s->addr, key, 16) != 0))
                                continue;
                        if (!best || s->opened_ms < best->opened_ms)
                                best = s;
                }
                if (!best || !request_waiting(best->fd))
                        break;
                best->spared = true;
        }
        if (best)
                return best;
        for (i = 0; i < g->conf.slots; i++) {
                s = &g->slots[i];
                if (live(s) && (!key || memcmp(s->addr, key, 16) == 0) &&
                    (!oldest || s->opened_ms < oldest->opened_ms))
                        oldest = s;
        }
        return oldest;
}

/* Makes room for one more connection from key. Lock held. */
static void evict(bp_http_guard_t *g, const uint8_t key[16]) {
        size_t total = 0, same = 0, i;

        for (i = 0; i < g->conf.slots; i++) {
                if (!live(&g->slots[i]))
                        continue;
                total++;
                same += memcmp(g->slots[i].addr, key, 16) == 0;
        }
        if (same >= g->conf.per_ip_soft)
                end(victim(g, key), &g->by_eviction);
        else if (total >= g->conf.total_soft)
                end(victim(g, NULL), &g->by_eviction);
}

/* Ends the live connections past their deadline. Lock held. */
static void sweep(bp_http_guard_t *g) {
        int64_t               now = now_ms(), age;
        bp_http_guard_slot_t *s;
        size_t                i;

        for (i = 0; i < g->conf.slots; i++) {
                s = &g->slots[i];
                if (!live(s))
                        continue;
                age = now - s->opened_ms;
                if ((!s->answered && age >= g->conf.request_ms) ||
                    age >= g->conf.lifetime_ms)
                        end(s, &g->by_deadline);
        }
}

/* Logs the counts if they grew and the last line is old enough. */
static void log_counts(bp_http_guard_t *g) {
        int64_t now = now_ms();

        if (g->by_deadline + g->by_eviction == g->logged ||
            now - g->logged_ms < LOG_EVERY_MS)
                return;
        g->logged    = g->by_deadline + g->by_eviction;
        g->logged_ms = now;
        BP_LOG(BP_LOG_WARN, "http_connections_ended",
               "by_deadline=%llu by_eviction=%llu request_ms=%d "
               "reason=\"clients that do not finish a request in time, or "
               "more connections than the limits\"",
               (unsigned long long)g->by_deadline,
               (unsigned long long)g->by_eviction, g->conf.request_ms);
}

static void *sweeper(void *arg) {
        bp_http_guard_t *g = arg;
        struct timespec  at;

        pthread_mutex_lock(&g->lock);
        while (!g->stop) {
                clock_gettime(CLOCK_MONOTONIC, &at);
                at.tv_nsec += (long)g->conf.sweep_ms * 1000000L;
                at.tv_sec += at.tv_nsec / 1000000000L;
                at.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&g->wake, &g->lock, &at);
                if (!g->stop) {
                        sweep(g);
                        log_counts(g);
                }
        }
        pthread_mutex_unlock(&g->lock);
        return NULL;
}

bp_http_guard_t *bp_http_guard_new(const bp_http_guard_conf_t *conf) {
        bp_http_guard_t   *g;
        pthread_condattr_t attr;

        if (conf->per_ip_soft < 1 || conf->total_soft < conf->per_ip_soft ||
            conf->slots < conf->total_soft || conf->sweep_ms < 1 ||
            conf->sweep_ms >= 1000 || conf->request_ms < 1 ||
            conf->lifetime_ms < conf->request_ms)
                return NULL;
        if (!(g = calloc(1, sizeof(*g))))
                return NULL;
        if (!(g->slots = calloc(conf->slots, sizeof(*g->slots)))) {
                free(g);
                return NULL;
        }
        g->conf      = *conf;
        g->logged_ms = now_ms() - LOG_EVERY_MS;
        pthread_mutex_init(&g->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&g->wake, &attr);
        pthread_condattr_destroy(&attr);
        if (pthread_create(&g->thread, NULL, sweeper, g) != 0) {
                pthread_cond_destroy(&g->wake);
                pthread_mutex_destroy(&g->lock);
                free(g->slots);
                free(g);
                return NULL;
        }
        return g;
}

void bp_http_guard_destroy(bp_http_guard_t *g) {
        if (!g)
                return;
        pthread_mutex_lock(&g->lock);
        g->stop = true;
        pthread_cond_signal(&g->wake);
        pthread_mutex_unlock(&g->lock);
        pthread_join(g->thread, NULL);
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g->slots);
        free(g);
}

bp_http_guard_slot_t *bp_http_guard_open(bp_http_guard_t *g, int fd,
                                         const struct sockaddr *addr) {
        bp_http_guard_slot_t *s = NULL;
        uint8_t               key[16];
        size_t                i;

        addr_key(addr, key);
        pthread_mutex_lock(&g->lock);
        evict(g, key);
        for (i = 0; i < g->conf.slots && !s; i++)
                if (!g->slots[i].open)
                        s = &g->slots[i];
        if (s) {
                memset(s, 0, sizeof(*s));
                s->fd        = fd;
                s->opened_ms = now_ms();
                s->open      = true;
                memcpy(s->addr, key, 16);
        } else {
                shutdown(fd, SHUT_RDWR);
                g->by_eviction++;
        }
        pthread_mutex_unlock(&g->lock);
        return s;
}

void bp_http_guard_answered(bp_http_guard_t *g, bp_http_guard_slot_t *s) {
        if (!s)
                return;
        pthread_mutex_lock(&g->lock);
        s->answered = true;
        pthread_mutex_unlock(&g->lock);
}

void bp_http_guard_close(bp_http_guard_t *g, bp_http_guard_slot_t *s) {
        if (!s)
                return;
        pthread_mutex_lock(&g->lock);
        s->open = false;
        pthread_mutex_unlock(&g->lock);
}

void bp_http_guard_counts(bp_http_guard_t *g, uint64_t *by_deadline,
                          uint64_t *by_eviction) {
        pthread_mutex_lock(&g->lock);
        *by_deadline = g->by_deadline;
        *by_eviction = g->by_eviction;
        pthread_mutex_unlock(&g->lock);
}
