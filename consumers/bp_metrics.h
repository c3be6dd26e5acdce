/*
 * bp_metrics.h - counters, gauges and histograms, served to Prometheus.
 *
 * A registry holds metric families (a name, a help text, a type and the
 * names of its labels) and, in each, one series per set of label values.
 * The runtime gets a handle per series once, at setup or when a new topic,
 * partner or partition appears, and then updates it on the hot path with
 * C11 atomics only: no lock, no allocation, no lookup. A scrape renders
 * every series in the Prometheus text exposition format 0.0.4 while
 * updates go on; each value is read atomically, and a histogram's _count
 * is its +Inf bucket, so the two always agree.
 *
 * Handles live as long as the registry. Every update function accepts
 * NULL and does nothing, so code can run without metrics (or past a
 * registration that failed) without a branch of its own.
 *
 * The names the runtime uses (one place to agree on them):
 *   badgeproc_events_consumed_total{topic}       counter
 *   badgeproc_badges_total{partner,kind}         counter, kind granted|revoked
 *   badgeproc_dlq_records_total{topic}           counter
 *   badgeproc_poison_records_total{topic}        counter
 *   badgeproc_partitions_stalled                 gauge
 *   badgeproc_transactions_total{result}         counter, committed|aborted
 *   badgeproc_batch_commit_seconds               histogram
 *   badgeproc_consumer_lag{topic,partition}      gauge
 *   badgeproc_restore_records_total              counter
 *   badgeproc_state_entries                      gauge
 *
 * The HTTP server (bp_metrics_server_*) serves /metrics, /healthz and
 * /readyz with libmicrohttpd on its own thread.
 */
#ifndef BP_METRICS_H
#define BP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_buf.h"
#include "bp_error.h"

/** Most labels one family may have. */
#define BP_METRICS_LABELS_MAX 8
/** Most series one family may hold: label values from outside input
 *  (partner ids, topics) must not grow the registry without bound. */
#define BP_METRICS_SERIES_MAX 10000
/** Longest label value, in bytes. */
#define BP_METRICS_LABEL_VALUE_MAX 256
/** Most buckets a histogram may have (besides +Inf). */
#define BP_METRICS_BUCKETS_MAX 32

typedef struct bp_metrics_s           bp_metrics_t;
typedef struct bp_metrics_counter_s   bp_metrics_counter_t;
typedef struct bp_metrics_gauge_s     bp_metrics_gauge_t;
typedef struct bp_metrics_histogram_s bp_metrics_histogram_t;

/** Creates an empty registry. NULL on ENOMEM. */
bp_metrics_t *bp_metrics_new(void);

/**
 * Frees the registry and every handle it gave out. No update may run
 * concurrently, and any server using it must be destroyed first.
 * NULL-safe.
 */
void bp_metrics_destroy(bp_metrics_t *m);

/**
 * Returns the counter `name{labels}`, creating the family and the series
 * on first use. The variable arguments are label name and value pairs,
 * ended by NULL, e.g.
 *   bp_metrics_counter(m, "badgeproc_badges_total", "Badge decisions.",
 *                      "partner", "acme", "kind", "granted", NULL);
 * The strings are copied. A family keeps the help text and the label
 * names (in that order) of its first registration; a later call with
 * other label names or another type is refused. Returns NULL (and logs a
 * warning saying why) for an invalid name or label, a label value that
 * is not UTF-8 or longer than BP_METRICS_LABEL_VALUE_MAX, a full family
 * (BP_METRICS_SERIES_MAX), or ENOMEM. Takes the registry lock: call it at
 * setup, not per event.
 */
bp_metrics_counter_t *bp_metrics_counter(bp_metrics_t *m, const char *name,
                                         const char *help, ...)
    __attribute__((sentinel));

/** As bp_metrics_counter(), for a gauge. */
bp_metrics_gauge_t *bp_metrics_gauge(bp_metrics_t *m, const char *name,
                                     const char *help, ...)
    __attribute__((sentinel));

/**
 * As bp_metrics_counter(), for a histogram with the bound_cnt upper
 * bounds in bounds (finite, strictly increasing, at most
 * BP_METRICS_BUCKETS_MAX; copied); +Inf is added. bounds NULL: the
 * default latency buckets, 1 ms to 10 s. Every series of a family has the
 * family's bounds; a later call with other bounds is refused.
 */
bp_metrics_histogram_t *
bp_metrics_histogram(bp_metrics_t *m, const char *name, const char *help,
                     const double *bounds, size_t bound_cnt, ...)
    __attribute__((sentinel));

/** Adds n to a counter. Lock-free; NULL-safe. */
void bp_metrics_counter_add(bp_metrics_counter_t *c, uint64_t n);

/** Adds 1 to a counter. Lock-free; NULL-safe. */
void bp_metrics_counter_inc(bp_metrics_counter_t *c);

/** Returns a counter's value (0 for NULL). */
uint64_t bp_metrics_counter_value(const bp_metrics_counter_t *c);

/** Sets a gauge. Lock-free; NULL-safe. */
void bp_metrics_gauge_set(bp_metrics_gauge_t *g, double v);

/** Adds delta (which may be negative) to a gauge. Lock-free; NULL-safe. */
void bp_metrics_gauge_add(bp_metrics_gauge_t *g, double delta);

/** Returns a gauge's value (0 for NULL). */
double bp_metrics_gauge_value(const bp_metrics_gauge_t *g);

/**
 * Leaves a gauge out of the rendering until it is set or looked up again,
 * e.g. the lag of a partition this instance no longer owns. The handle
 * stays valid. NULL-safe.
 */
void bp_metrics_gauge_hide(bp_metrics_gauge_t *g);

/** Records one observation. NaN is ignored. Lock-free; NULL-safe. */
void bp_metrics_histogram_observe(bp_metrics_histogram_t *h, double v);

/**
 * Appends the whole registry to out in the text exposition format 0.0.4:
 * families in registration order, each with its HELP and TYPE lines, then
 * its series in registration order. Returns BP_OK or BP_ERR_NOMEM (out
 * then holds a partial text the caller should discard).
 */
bp_err_t bp_metrics_render(bp_metrics_t *m, bp_buf_t *out);

typedef struct bp_metrics_server_s bp_metrics_server_t;

/**
 * Starts the HTTP server on host (an address or a name; "::1" or "[::1]"
 * for IPv6) and port (0: any free port, see bp_metrics_server_port()),
 * on a thread of its own. It serves, to GET and HEAD only:
 *   /metrics  the registry m, rendered per request;
 *   /healthz  200 while the process loop is alive: it must call
 *             bp_metrics_server_heartbeat() at least every stall_ms
 *             (0: never considered stalled), 503 otherwise;
 *   /readyz   200 once bp_metrics_server_set_ready(srv, true) and while
 *             no stall is set (bp_metrics_server_set_stalled), else 503
 *             with "not ready" or "stalled: <reason>" as the body.
 * Other paths give 404, other methods 405, a request with a body 413.
 * Connections are bounded in number (per client address and in all),
 * header size and time: a request not complete 2 s after its connection
 * opened is cut off, and near the limits the oldest incomplete
 * connection makes room for a new one, so a probe gets its answer under
 * a flood of slow clients (bp_metrics_http.c has the figures). m must
 * outlive the server. On failure returns BP_ERR_IO (or BP_ERR_INVALID for
 * a bad host, BP_ERR_NOMEM) with the reason in errstr.
 */
bp_err_t bp_metrics_server_new(bp_metrics_server_t **srvp, bp_metrics_t *m,
                               const char *host, int port, int stall_ms,
                               char *errstr, size_t errstr_size);

/** Returns the port the server listens on (useful after port 0). */
int bp_metrics_server_port(const bp_metrics_server_t *srv);

/** Says the process loop is alive (for /healthz). Lock-free; NULL-safe. */
void bp_metrics_server_heartbeat(bp_metrics_server_t *srv);

/** Sets what /readyz answers. Lock-free; NULL-safe. */
void bp_metrics_server_set_ready(bp_metrics_server_t *srv, bool ready);

/** Makes /readyz answer 503 "stalled: <reason>" (copied, cut at 255
 *  bytes) whatever set_ready said, until called with NULL. Takes a lock
 *  for the copy: call it when the stall changes, not per event.
 *  NULL-safe. */
void bp_metrics_server_set_stalled(bp_metrics_server_t *srv,
                                   const char          *reason);

/** Stops the server (waiting for its thread) and frees it. NULL-safe. */
void bp_metrics_server_destroy(bp_metrics_server_t *srv);

#endif
