/*
 * bp_runner.h - `badgeproc run`: the Kafka runtime around the engine.
 *
 * A runner is one member of the consumer group. It subscribes to the
 * profile-updated topic only and, for each partition p the group gives it,
 * assigns itself partition p of the other three input topics too: that is
 * what makes co-partitioning hold whatever the assignor (range, or
 * cooperative-sticky, which does not keep topics aligned). Partition p of
 * the four topics forms a task: records are merged in a deterministic
 * order (bp_merge.h), decoded, applied to the freelancer's state and
 * evaluated; badge events are produced.
 *
 * Exactly-once, per batch (DESIGN.md): inside one Kafka transaction the
 * badge events, the dead-letter records, the changed state records and one
 * `__offsets` record per task go to their topics and the input offsets are
 * sent to the transaction; after the commit, one LMDB transaction stores
 * the state records and the checkpoint. The `__offsets` records are the
 * batch's seal: produced only once everything else of the batch is
 * acknowledged (bp_changelog.c). On assignment a task restores from its
 * LMDB checkpoint plus the changelog tail, so a crash between the two
 * commits loses nothing; restores run beside the other tasks, which keep
 * processing (bp_restore.c). Rebalancing is cooperative by default; a
 * fenced producer (another instance took the transactional.id) stops the
 * runner with an `event=fenced` log line.
 */
#ifndef BP_RUNNER_H
#define BP_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_change_limit.h"
#include "bp_error.h"
#include "bp_kafka.h"
#include "bp_metrics.h"
#include "bp_rules.h"

/** Key of the changelog record that closes a batch of a task: its value is
 *  the task's next input offsets (bp_checkpoint.h's byte form). Tools that
 *  watch the changelog learn from it how far processing has committed. */
#define BP_OFFSETS_KEY "__offsets"

typedef enum bp_guarantee_e {
        BP_EXACTLY_ONCE = 0,
        BP_AT_LEAST_ONCE
} bp_guarantee_t;

/** What the runner needs to know; strings are borrowed for the runner's
 *  lifetime. */
typedef struct bp_runner_conf_s {
        const bp_kafka_kv_t *kafka; /* librdkafka properties, in order */
        size_t               kafka_cnt;
        const char          *group_id;
        const char          *transactional_id;
        /* The consumer's group.instance.id (static membership, KIP-345):
         * a restarted instance gets its partitions back without a
         * rebalance. NULL: a dynamic member. */
        const char *instance_id;
        const char *topics[4]; /* inputs, bp_event_type_t order */
        const char *topic_badge_events;
        const char *topic_dlq;
        const char *topic_changelog;
        const char *rules_dir;
        /* The rules, already loaded from rules_dir, handed over: the
         * runner owns them from bp_runner_new() on, whether it succeeds
         * or not. NULL: bp_runner_new() loads rules_dir itself. */
        bp_rules_t *rules;
        /* Most badge changes a SIGHUP reload makes unconfirmed
         * (bp_reload_guard.c). */
        bp_change_limit_t reload_max_changes;
        const char       *state_dir;
        size_t            state_map_size; /* bytes; 0: the default */
        const char       *schema_map;     /* NULL: the default */
        const char       *registry_url;   /* NULL: local schema map */
        const char       *decision_log;   /* NULL: no decision log */
        bp_guarantee_t    guarantee;
        int               commit_interval_ms;
        int               batch_max_events;
        /* Counted aborts in a row before a batch's records are tried one
         * by one, and of a one-record batch before its record is
         * dead-lettered (batch.poison.aborts, bp_poison.h). */
        int batch_poison_aborts;
        /* A partition with input waiting and no committed progress for
         * this long is stalled: /readyz 503 (bp_runner_health.c). */
        int partition_stall_timeout_ms;
        /* States cached between batches over all tasks (bp_task.c). */
        size_t state_cache_max;
        /* Most states per LMDB transaction of a store flush
         * (bp_runner_store.c). */
        int state_flush_max_states;
        /* Sync the store at every write instead of at a clean stop
         * (state.fsync; see bp_store_options_t.sync_on_close). */
        bool state_fsync;
        /* Changelog records a restore may fetch ahead (bp_restore.c). */
        int restore_read_ahead;
        int merge_queue_max; /* records queued per input */
        int log_stats_interval_ms;
        /* Read gauges (consumer lag, state size) every N ms; 0: off. */
        int stats_interval_ms;
        /* Longest the stop may take once the loop has ended (the last
         * commit, closing the clients and the store), in ms; past it the
         * process exits (bp_exit_deadline.h). 0: unbounded. */
        int shutdown_timeout_ms;
        /* Where to count (NULL: no metrics) and the HTTP server whose
         * /healthz and /readyz the loop drives (NULL: none). Borrowed. */
        bp_metrics_t        *metrics;
        bp_metrics_server_t *server;
} bp_runner_conf_t;

/** Fills conf with the defaults of DESIGN.md's operating contract. */
void bp_runner_conf_defaults(bp_runner_conf_t *conf);

typedef struct bp_runner_s bp_runner_t;

/**
 * Creates a runner: loads the rules (unless conf->rules has them), opens
 * the state store (refused while another process writes state_dir),
 * creates the
 * consumer and the (transactional) producer, checks that the input topics
 * and the changelog are co-partitioned and subscribes. Nothing is consumed
 * yet. NULL with errstr set on failure (a rules error reads
 * "file:line:column: message").
 */
bp_runner_t *bp_runner_new(const bp_runner_conf_t *conf, char *errstr,
                           size_t errstr_size);

/**
 * Runs until *stop is set (by a signal handler), then finishes the batch
 * in flight, commits it, leaves the group and returns BP_OK. When *reload
 * is set, reloads the rules and re-evaluates every freelancer of the
 * assigned partitions if their version changed, then clears *reload.
 * Returns BP_ERR_KAFKA or BP_ERR_STATE on a fatal error (this producer was
 * fenced, the store failed): the process should exit non-zero.
 */
bp_err_t bp_runner_run(bp_runner_t *runner, volatile sig_atomic_t *stop,
                       volatile sig_atomic_t *reload);

/** Frees the runner and closes everything. NULL is a no-op. */
void bp_runner_destroy(bp_runner_t *runner);

/** Counters since start, for tests and the final log line. */
typedef struct bp_runner_stats_s {
        uint64_t consumed;
        uint64_t applied;
        uint64_t dead_lettered;
        uint64_t granted;
        uint64_t revoked;
        uint64_t batches;
        uint64_t aborted;
        uint64_t restored_records;
        uint64_t poisoned; /* records dead-lettered by the poison policy */
} bp_runner_stats_t;

void bp_runner_stats(const bp_runner_t *runner, bp_runner_stats_t *out);

#endif
