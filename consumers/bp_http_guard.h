/*
 * bp_http_guard.h - keeps slow and greedy clients from starving an HTTP
 * server's probes.
 *
 * A server that gives each connection a slot until its client finishes
 * can be held by anyone who opens connections and finishes nothing: a
 * slowloris sends a byte now and then, and an idle timer that every byte
 * resets never fires. The guard watches the connections of a server
 * (it knows their sockets, client addresses and ages, not their HTTP)
 * and ends the ones that cost others their turn, with shutdown(2) on the
 * socket, which the server then sees as the client's close:
 *
 *  - the deadline: a connection whose request is not complete request_ms
 *    after it opened is ended, whatever it sends; any connection is
 *    ended lifetime_ms after it opened (a client that reads its answer
 *    too slowly);
 *  - eviction: a new connection always gets in. When its client address
 *    already holds per_ip_soft live connections, or the server
 *    total_soft, the oldest of them whose request is incomplete (else
 *    the oldest) is ended to make room. A prober's request completes in
 *    a millisecond, a hostile connection's never does, so under a flood
 *    from the probe's own address (a kubelet and an attacker behind one
 *    node) the prober still gets its answer.
 *
 * The soft limits are below the server's hard ones (its per-address and
 * total connection limits): ended connections take a turn of the
 * server's loop to close, and a newcomer must not meet the hard limit
 * meanwhile.
 *
 * The connections ended are counted (bp_http_guard_counts()), and the
 * guard's thread logs the counts at warning level, at most once a
 * minute and only when they grew: a flood shows in the log without
 * filling it.
 *
 * Threads: open, answered and close are called by the server's thread; a
 * thread of the guard's own runs the deadline every sweep_ms; a mutex
 * keeps them apart. A slot's socket is ended only while the slot is
 * open, and the server closes the socket only after bp_http_guard_close(),
 * so the guard never touches a descriptor number that was reused.
 */
#ifndef BP_HTTP_GUARD_H
#define BP_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct bp_http_guard_s      bp_http_guard_t;
typedef struct bp_http_guard_slot_s bp_http_guard_slot_t;

typedef struct bp_http_guard_conf_s {
        size_t slots;       /* connections watched at most: the server's
                             * hard total limit */
        size_t total_soft;  /* live connections beyond which one is evicted */
        size_t per_ip_soft; /* the same, per client address */
        int    request_ms;  /* a request not complete by then is ended */
        int    lifetime_ms; /* any connection is ended by then */
        int    sweep_ms;    /* how often the deadline is checked */
} bp_http_guard_conf_t;

/**
 * Creates a guard and starts its thread. conf is copied; slots must be
 * >= total_soft >= per_ip_soft >= 1, 1 <= sweep_ms < 1000, 1 <=
 * request_ms <= lifetime_ms. NULL on ENOMEM, a bad conf, or when the
 * thread cannot start.
 */
bp_http_guard_t *bp_http_guard_new(const bp_http_guard_conf_t *conf);

/**
 * Stops the guard's thread and frees it. Connections it watched are left
 * as they are. NULL-safe.
 */
void bp_http_guard_destroy(bp_http_guard_t *guard);

/**
 * A new connection on socket fd from addr (NULL or not IP: one address
 * for all such). Evicts as the limits say and returns the slot to pass
 * to the calls below, valid until bp_http_guard_close(). When every slot
 * is taken (the server let more in than conf.slots), ends fd itself and
 * returns NULL.
 */
bp_http_guard_slot_t *bp_http_guard_open(bp_http_guard_t *guard, int fd,
                                         const struct sockaddr *addr);

/** The connection's request is complete: only lifetime_ms applies now.
 *  NULL slot is a no-op. */
void bp_http_guard_answered(bp_http_guard_t *guard, bp_http_guard_slot_t *slot);

/**
 * The server is about to close the connection's socket: the slot is free
 * and the guard will not touch fd again. NULL slot is a no-op.
 */
void bp_http_guard_close(bp_http_guard_t *guard, bp_http_guard_slot_t *slot);

/** The connections ended so far by the deadline and by eviction (a
 *  newcomer turned away because every slot was taken counts as evicted). */
void bp_http_guard_counts(bp_http_guard_t *guard, uint64_t *by_deadline,
                          uint64_t *by_eviction);

#endif
