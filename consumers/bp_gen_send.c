/*
 * bp_gen_send.c - a generated scenario onto Kafka (see bp_gen_send.h).
 *
 * Pacing is by schedule, not by sleeping a fixed time per event: event i
 * is due at start + i / rate, so time lost in one place (a full producer
 * queue, a slow poll) is made up afterwards and the average rate is the
 * one asked for. While ahead of schedule the loop waits inside
 * rd_kafka_poll(), which serves delivery reports meanwhile.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "bp_cli.h"
#include "bp_gen_send.h"

/* Longest single wait, so that a stop is noticed quickly. */
#define BP_GEN_SEND_WAIT_MS 100

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stopped(const volatile sig_atomic_t *stop) {
        return (stop && *stop) || bp_cli_stopping();
}

/* Waits until event i is due at rate events/s from start. */
static void wait_due(bp_evprod_t *ep, uint64_t i, uint64_t rate, double start,
                     const volatile sig_atomic_t *stop) {
        double due = start + (double)i / (double)rate;
        double ahead;

        while (!stopped(stop) && (ahead = due - now_s()) > 0.001) {
                int ms = (int)(ahead * 1000);
                bp_evprod_poll(
                    ep, ms < BP_GEN_SEND_WAIT_MS ? ms : BP_GEN_SEND_WAIT_MS);
        }
}

bp_err_t bp_gen_send(bp_gen_t *gen, bp_evprod_t *ep, uint64_t count,
                     uint64_t rate, const volatile sig_atomic_t *stop,
                     bp_progress_t *progress, const char *cmd,
                     bp_gen_send_result_t *result, char *errstr,
                     size_t errstr_size) {
        double     start = now_s();
        bp_event_t ev;
        char       why[512], q[600];
        bp_err_t   err;

        result->generated = 0;
        result->rejected  = 0;
        while (result->generated < count && !stopped(stop)) {
                if (rate)
                        wait_due(ep, result->generated, rate, start, stop);
                bp_gen_next(gen, &ev);
                result->generated++;
                err = bp_evprod_send(ep, &ev, result->generated, why,
                                     sizeof(why));
                if (err == BP_ERR_INVALID) {
                        result->rejected++;
                        bp_cli_log(
                            "warn", cmd,
                            "msg=\"event refused\" event=%" PRIu64 " error=%s",
                            result->generated, bp_cli_quote(why, q, sizeof(q)));
                } else if (err) {
                        if (stopped(stop))
                                break;
                        snprintf(errstr, errstr_size, "%s", why);
                        return err;
                }
                bp_progress_update(progress, result->generated,
                                   result->generated);
        }
        return BP_OK;
}
