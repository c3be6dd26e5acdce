/*
 * bp_runner_tuning.c - the librdkafka settings this workload wants when
 * the user has not chosen, and why.
 *
 * librdkafka's defaults suit a consumer that hands each message to the
 * application and a producer of large, latency-tolerant streams. The
 * runner is neither: it merges 4 x P small-record partitions, holds a
 * batch for commit.interval.ms and commits it as a chain of small
 * requests (changelog, offsets, EndTxn). These settings are applied
 * before the user's kafka.* properties, so any of them can be
 * overridden; the ones exactly-once depends on are applied after them
 * (bp_runner.c: client_conf).
 */
#include <stdio.h>

#include "bp_runner_int.h"

bp_err_t bp_runner_tuning(const bp_runner_t *r, int consumer,
                          rd_kafka_conf_t *conf, char *errstr,
                          size_t errstr_size) {
        char fetch_wait[16];
        int  wait_ms = r->conf.commit_interval_ms / 5;
        /* Both clients.
         * socket.nagle.disable: a commit is a chain of small requests,
         * each sent once the previous answer is in; with Nagle, a small
         * write while earlier bytes are unacknowledged waits for the
         * peer's delayed ACK (up to 40 ms on Linux), and so does every
         * commit. Kafka's brokers disable Nagle on their side too. */
        const bp_kafka_kv_t common_kv[] = {
            {"socket.nagle.disable", "true"},
        };
        /* Consumer.
         * fetch.wait.max.ms: how long a broker may hold a fetch that
         *   found no data. A broker that answers as soon as data arrives
         *   makes it moot; one that waits it out (librdkafka's mock
         *   cluster does) adds it to the latency of every record that
         *   arrives while a fetch is parked, so it is kept to a fifth of
         *   the commit interval (10..500 ms). The cost is one empty fetch
         *   per broker per period while idle.
         * queued.min.messages: 20,000 rather than 100,000. It is how
         *   many fetched records librdkafka holds before it stops
         *   fetching (the high-level consumer counts them over its one
         *   queue), so it bounds that part of the heap: about 46 MB at
         *   100,000 (massif, 10,000,000 freelancers), and the heap there
         *   fell from 126 to 89-93 MiB with 20,000 (bench/state_scale.sh,
         *   1,024-state store transactions).
         *   Set this low before, it stalled fetching for up to a second
         *   whenever the queue filled (librdkafka 2.0.2 looks again only
         *   when its broker thread wakes up); bp_fetch_wake.c now wakes
         *   it, and 20,000 records are still ~130 ms of processing.
         * queued.max.messages.kbytes stays at its default (64 MiB):
         *   with records of ~100 bytes the count above binds first.
         * fetch.max.bytes / max.partition.fetch.bytes stay at their
         *   defaults: 4 MiB / 256 KiB, or 1 MiB / 128 KiB, changed the
         *   peak heap by less than the run-to-run spread (122-139 MiB),
         *   and so did merge queues of 512 or 1,024 records. */
        const bp_kafka_kv_t consumer_kv[] = {
            {"fetch.wait.max.ms", fetch_wait},
            {"queued.min.messages", "20000"},
        };
        /* Producer: linger.ms stays at librdkafka's 5 ms. A longer linger
         * would make fewer, larger requests, but commit_transaction (and
         * the flush at an at-least-once commit) waits for everything
         * queued, so records held back by linger are paid for in commit
         * time; 5 ms keeps them flowing while the batch is applied. */
        const bp_kafka_kv_t *kv;
        size_t               cnt, i;

        if (wait_ms < 10)
                wait_ms = 10;
        if (wait_ms > 500)
                wait_ms = 500;
        snprintf(fetch_wait, sizeof(fetch_wait), "%d", wait_ms);
        for (i = 0; i < sizeof(common_kv) / sizeof(*common_kv); i++)
                if (bp_kafka_conf_set(conf, common_kv[i].key,
                                      common_kv[i].value, errstr, errstr_size))
                        return BP_ERR_CONFIG;
        kv  = consumer ? consumer_kv : NULL;
        cnt = consumer ? sizeof(consumer_kv) / sizeof(*consumer_kv) : 0;
        for (i = 0; i < cnt; i++)
                if (bp_kafka_conf_set(conf, kv[i].key, kv[i].value, errstr,
                                      errstr_size))
                        return BP_ERR_CONFIG;
        return BP_OK;
}
