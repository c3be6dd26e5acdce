/*
 * bp_fetch_wake.c - keeps librdkafka's fetcher going while the runner
 * drains a full consumer queue.
 *
 * Up to librdkafka 2.1, a partition whose consumer queue holds
 * queued.min.messages records (the high-level consumer counts its one
 * queue, over every partition) is marked not fetchable, and it is looked
 * at again only when its broker thread next wakes up: on I/O, on an op,
 * or after a second. The application draining the queue wakes nothing.
 * With input already waiting in Kafka (a backlog, a restart, a replay),
 * fetches filled the queue in ~0.1 s, the runner drained it in ~0.7 s and
 * then waited for the rest of the second: `kafka.debug=fetch` showed the
 * partitions stop and start again once a second, and 1,000,000 backlog
 * events spent 0.5-1.5 s of an ~8 s run waiting for input.
 *
 * librdkafka 2.2 has fetch.queue.backoff.ms for this. On older versions
 * any request to a partition's leader wakes its broker thread, which then
 * decides again which partitions to fetch. So, after the queue has been
 * seen full (at queued.min.messages: fetching has stopped) and once it is
 * below half of that (what is left will not last long), at most every
 * BP_FETCH_WAKE_MS, the runner asks the leaders of its partitions for
 * their latest offsets (one ListOffsets request per broker, answered from
 * the broker's memory) and ignores the answer. It waits for the answers,
 * at most BP_FETCH_WAKE_TIMEOUT_MS; about a millisecond each on a local
 * cluster. A consumer that keeps up never fills its queue and never sends
 * one; a backlog costs a few a second. A failed request (brokers down)
 * doubles the interval, up to BP_FETCH_WAKE_MAX_MS.
 */
#include <stdlib.h>

#include "bp_runner_int.h"

/** Least time between two wake-ups. */
#define BP_FETCH_WAKE_MS 50
/** Longest wait for the leaders' answers. */
#define BP_FETCH_WAKE_TIMEOUT_MS 100
/** Longest interval after failed wake-ups. */
#define BP_FETCH_WAKE_MAX_MS 1000

bp_err_t bp_fetch_wake_open(bp_runner_t *r) {
        char   value[32];
        size_t len = sizeof(value);
        long   min = 100000; /* librdkafka's default */
        /* The consumer's own setting: the user may have changed it. */
        if (rd_kafka_conf_get(rd_kafka_conf(r->consumer), "queued.min.messages",
                              value, &len) == RD_KAFKA_CONF_OK)
                min = strtol(value, NULL, 10);
        r->fetch_queue_min        = min > 1 ? min : 1;
        r->fetch_wake_interval_ms = BP_FETCH_WAKE_MS;
        r->consumer_q             = rd_kafka_queue_get_consumer(r->consumer);
        return r->consumer_q ? BP_OK : BP_ERR_KAFKA;
}

void bp_fetch_wake(bp_runner_t *r, int drained) {
        rd_kafka_topic_partition_list_t *parts = NULL;
        int64_t                          now   = bp_runner_now_ms();
        size_t                           len;
        rd_kafka_resp_err_t              err;
        int                              i;

        if (!r->consumer_q)
                return;
        len = rd_kafka_queue_length(r->consumer_q);
        /* The queue before this turn drained it: full means the fetcher
         * stopped. */
        if (len + (size_t)drained >= (size_t)r->fetch_queue_min)
                r->fetch_wake_armed = true;
        if (!r->fetch_wake_armed || len >= (size_t)r->fetch_queue_min / 2 ||
            now - r->fetch_wake_ms < r->fetch_wake_interval_ms)
                return;
        r->fetch_wake_ms = now;
        if (rd_kafka_assignment(r->consumer, &parts) || !parts)
                return;
        if (parts->cnt > 0) {
                for (i = 0; i < parts->cnt; i++)
                        parts->elems[i].offset = RD_KAFKA_OFFSET_END;
                /* The answer does not matter: the request is the point. */
                err = rd_kafka_offsets_for_times(r->consumer, parts,
                                                 BP_FETCH_WAKE_TIMEOUT_MS);
                r->stats_fetch_wakes++;
                r->fetch_wake_armed = false;
                if (!err)
                        r->fetch_wake_interval_ms = BP_FETCH_WAKE_MS;
                else if ((r->fetch_wake_interval_ms *= 2) >
                         BP_FETCH_WAKE_MAX_MS)
                        r->fetch_wake_interval_ms = BP_FETCH_WAKE_MAX_MS;
        }
        rd_kafka_topic_partition_list_destroy(parts);
}

void bp_fetch_wake_close(bp_runner_t *r) {
        if (r->consumer_q)
                rd_kafka_queue_destroy(r->consumer_q);
        r->consumer_q = NULL;
}
