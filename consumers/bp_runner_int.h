/*
 * bp_runner_int.h - the runner's internals, shared by its source files:
 * bp_runner.c (lifecycle, clients, loop), bp_runner_txn.c (a batch's
 * commit, finished on the committer thread, abort and rewind),
 * bp_runner_store.c (the store, written at most once a second), bp_changelog.c
 * (the batch's changelog records), bp_task.c (one record through decode, state,
 * engine and produce), bp_rebalance.c (assignment), bp_restore.c (state from
 * the changelog), bp_runner_poison.c (a record whose output the cluster
 * refuses) and bp_runner_health.c (stalled partitions, /readyz). Not for
 * other modules.
 */
#ifndef BP_RUNNER_INT_H
#define BP_RUNNER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "bp_badge_event.h"
#include "bp_buf.h"
#include "bp_checkpoint.h"
#include "bp_codec.h"
#include "bp_decision_log.h"
#include "bp_exit_deadline.h"
#include "bp_kafka.h"
#include "bp_merge.h"
#include "bp_poison.h"
#include "bp_rules.h"
#include "bp_runner.h"
#include "bp_runner_metrics.h"
#include "bp_state_map.h"
#include "bp_store.h"
#include "bp_worker.h"

/** A restore in progress (bp_restore.c). */
typedef struct bp_restore_s bp_restore_t;

/** Header of every __offsets record (seal): the batch attempt, 16 hex
 *  digits, unique per attempt (this incarnation's start time in ns plus
 *  its attempt count). Changelog state records carried it too before
 *  BP_FIRST_STATE_HEADER (~5 % of the runner's instructions: a headers
 *  list allocated, filled and freed per record); a restore still filters
 *  such records by it (bp_restore.c). */
#define BP_BATCH_HEADER "bp.batch"

/** Header of every seal: the offset, in decimal, of the first state
 *  record its batch attempt wrote to the partition, or -1 when it wrote
 *  none (learnt from the states' delivery reports, which the flush before
 *  the seal serves). Restore keeps, of the records before a seal, only
 *  those at or after it, where it has read the whole window (see
 *  BP_PREV_SEAL_HEADER): where aborted transactions stay visible (the
 *  mock cluster), the states of a batch cut short by a crash come before
 *  the next attempt's and would otherwise be taken as part of it. */
#define BP_FIRST_STATE_HEADER "bp.first"

/** Header of every __offsets record (seal): the offset, in decimal, of
 *  the previous committed seal in its partition, or -1 when there was
 *  none. The restore leaves out states of a batch cut short (visible
 *  aborted data; BP_FIRST_STATE_HEADER) only when it has read that
 *  previous seal itself: then it saw every record since. A window whose
 * previous seal it never saw was compacted (a real cluster compacts the
 * changelog, and keeps only the last seal of a partition), and there
 * read_committed means every state in it was committed: all are kept. Filtering
 * such a window by the one surviving seal's attempt would drop every older
 * batch's states. */
#define BP_PREV_SEAL_HEADER "bp.prev"

/** Longest time a committed batch waits for the state store
 *  (bp_runner_store.c): one LMDB transaction per this period, not per
 *  Kafka transaction. */
#define BP_STORE_FLUSH_MS 1000

/** Topics the runner's producer writes (indexes of out_rkt). */
typedef enum bp_out_topic_e {
        BP_OUT_BADGES,
        BP_OUT_CHANGELOG,
        BP_OUT_DLQ,
        BP_RUNNER_OUT_TOPICS
} bp_out_topic_t;

/** Longest wait of a transactional call (init, commit, abort), in ms. */
#define BP_TXN_TIMEOUT_MS 30000

/** Bytes of queued states past which the store is flushed early. */
#define BP_STORE_PENDING_MAX ((size_t)16 << 20)

/** Distinct queued states past which the store is flushed early, if the
 *  writer is idle; while it is still writing the previous set, the runner
 *  goes on filling this one up to twice as many before it waits (so a
 *  slow disk means larger, fewer writes: with state.fsync, 138-149 k
 *  events/s became 180-187 k at 100,000 freelancers). Bounds the queue:
 *  two sets, one filling, one being written. LMDB's own buffers are
 *  bounded by state.flush.max.states (BP_STORE_WRITE_CHUNK). */
#define BP_STORE_PENDING_STATES 8192

/** Default of state.flush.max.states: most states per LMDB transaction of
 *  a store flush (bp_runner_store.c: write_set). LMDB keeps a transaction's
 * dirty page buffers for reuse, so this bounds that part of the heap, at about
 * a 4 KiB page per state in a large store. With state.fsync each transaction
 * costs an fsync on the writer thread: at 100,000 freelancers a flush of ~9,000
 * states took 42-48 ms in one transaction, 62-68 ms in 2,048-state ones and
 * 73-77 ms in 1,024-state ones (measured when every commit was synced), and
 * the runner waits for the writer when it falls far behind.
 * At 10,000,000 freelancers the heap was 176 MiB with one transaction of 8,192,
 * 103 MiB with 2,048 and 89-93 MiB with 1,024 (queued.min.messages 20,000;
 * bench/state_scale.sh). */
#define BP_STORE_WRITE_CHUNK 2048

/** A state record committed to Kafka and not yet to the store: its id
 *  (NUL-terminated) and value are bytes of bp_runner_t.pending.
 *  superseded: a later record of the same freelancer is queued (only
 *  that one is written). */
typedef struct bp_pending_rec_s {
        int32_t  partition;
        bool     superseded;
        uint64_t hash;
        size_t   id_off;
        size_t   val_off;
        size_t   val_len;
} bp_pending_rec_t;

/** A checkpoint that goes to the store with a pending set. */
typedef struct bp_pending_cp_s {
        int32_t         partition;
        bp_checkpoint_t cp;
} bp_pending_cp_t;

/** Committed batches not yet in the store (bp_runner_store.c): the
 *  states' bytes, their records, an index of the latest record per
 *  (partition, freelancer), and the checkpoints that go with them. The
 *  runner fills one set while the store writer writes the other. */
typedef struct bp_pending_s {
        bp_buf_t          bytes;
        bp_pending_rec_t *recs;
        size_t            cnt;
        size_t            cap;
        /* Open addressing over recs (index + 1, 0 = free slot), idx_cap
         * slots, a power of two, at most half full. */
        uint32_t        *idx;
        size_t           idx_cap;
        size_t           live; /* records not superseded */
        bp_pending_cp_t *cps;
        size_t           cp_cnt;
        size_t           cp_cap;
        bp_store_t      *store;
        size_t           chunk; /* most states per LMDB transaction */
        /* Set by the write, read after it: for the log. */
        size_t  written;
        int64_t write_ms;
} bp_pending_t;

/** Partition p of the four input topics, and its state. */
typedef struct bp_task_s {
        int32_t     partition;
        bp_merge_t *merge;
        /* Next offset to process per input: advances as records are
         * applied; equals committed[] right after a rewind. committed[]
         * moves when a batch's commit is known (bp_runner_join). */
        int64_t next[BP_MERGE_INPUTS];
        int64_t committed[BP_MERGE_INPUTS];
        /* Offset after the last record queued per input: a record below
         * it is a stale redelivery after a seek and is dropped. */
        int64_t fetched[BP_MERGE_INPUTS];
        bool    paused[BP_MERGE_INPUTS];
        /* A rewind's seek that librdkafka gave up on early, retried from
         * the main loop until seek_deadline_ms; the task's records are
         * dropped meanwhile (bp_rebalance_seek_committed). */
        bool    seek_pending;
        int64_t seek_deadline_ms;
        /* States touched since the cache was last dropped, loaded on first
         * touch (bp_task_state); dirty lists the ones the open batch
         * changed, in order, and dirty_set (open addressing over the same
         * pointers, dirty_set_cap slots, a power of two) answers "already
         * listed?" in O(1). */
        bp_state_map_t         *cache;
        bp_freelancer_t       **dirty;
        size_t                  dirty_cnt;
        size_t                  dirty_cap;
        const bp_freelancer_t **dirty_set;
        size_t                  dirty_set_cap;
        bool                    active; /* the open batch touched it */
        /* Offset of the partition's last committed seal (-1: none known):
         * the next seal names it (BP_PREV_SEAL_HEADER). */
        int64_t seal_offset;
        bool    needs_reevaluation; /* rules changed since the last run */
        /* rules_version the state was evaluated under: in the open
         * batch, and as of the last commit (a rewind returns to it). */
        char rules_version[BP_CHECKPOINT_RULES_VERSION_SIZE];
        char committed_rules_version[BP_CHECKPOINT_RULES_VERSION_SIZE];
        /* Non-NULL while the state is restored from the changelog: its
         * inputs are not assigned and nothing is processed until it
         * ends. */
        bp_restore_t *restore;
        /* When the task applied its first record not yet committed (0:
         * none): kept across aborts, so that a partition whose batches
         * keep failing is seen to stall (bp_runner_health.c). */
        int64_t waiting_since_ms;
        /* Offset after the last record of each input that an aborted
         * batch held (BP_OFFSET_NONE: none) while the poison policy may
         * isolate: it ends when committed[] reaches these
         * (bp_runner_poison.c). */
        int64_t poison_held[BP_MERGE_INPUTS];
} bp_task_t;

/** What the producer's callbacks and calls found: written only by the
 *  thread driving the producer (the committer while a job is in flight,
 *  the runner otherwise), and taken into the runner's own flags by
 *  bp_runner_take_outcome on the runner's thread. */
typedef struct bp_prod_outcome_s {
        bool                abort_needed;
        bool                fatal;
        rd_kafka_resp_err_t fatal_code; /* for bp_runner_check_fenced */
        char                fatal_reason[512];
        /* The first refusal a record may have caused
         * (bp_kafka_err_record_attributable) and the topic that refused
         * it: the poison policy's note (bp_runner_poison.c). */
        rd_kafka_resp_err_t refused;
        char                refused_topic[BP_POISON_TEXT_MAX];
} bp_prod_outcome_t;

/** A task's part of a batch being committed: where its inputs reached
 *  (its seal and checkpoint say so) and where its changelog ends, learnt
 *  from the seal's delivery report (-1 until then). */
typedef struct bp_job_task_s {
        bp_task_t *task;
        int32_t    partition;
        int64_t    prev_seal; /* the task's seal_offset at the hand-over */
        /* Offset of the first state record the batch wrote to the
         * partition (delivery reports), -1 while none. */
        int64_t first_state;
        int64_t next[BP_MERGE_INPUTS];
        char    rules_version[BP_CHECKPOINT_RULES_VERSION_SIZE];
        int64_t changelog_next;
} bp_job_task_t;

/** A batch handed to the committer (bp_runner_txn.c): its records are
 *  produced; the committer sends its offsets, seals it and commits it
 *  while the runner applies the next batch. Everything here belongs to
 *  the committer until bp_runner_join. Its changed states wait in the
 *  runner's staged set meanwhile. */
typedef struct bp_commit_job_s {
        bp_runner_t                        *r;
        bp_job_task_t                      *tasks;
        int                                 task_cnt;
        int                                 task_cap;
        rd_kafka_topic_partition_list_t    *offsets;
        rd_kafka_consumer_group_metadata_t *cgmd;
        uint64_t                            attempt;
        int                                 events;
        bp_kafka_class_t                    cls; /* of the txn calls */
        /* For the log: when the runner began the commit; the ends of its
         * produce, offsets and seal phases and of the commit; when the
         * runner began to wait for it, and got it. */
        int64_t t_start, t_prod, t_off, t_seal, t_end, t_join, t_joined;
} bp_commit_job_t;

struct bp_runner_s {
        bp_runner_conf_t conf;
        rd_kafka_t      *consumer;
        rd_kafka_t      *producer;
        /* Handles of the topics the producer writes, by bp_out_topic_t
         * (see open_out_topics). */
        rd_kafka_topic_t *out_rkt[BP_RUNNER_OUT_TOPICS];
        bp_codec_t       *codec;
        /* Decodes stored states only. A decoded event's strings are
         * borrowed from its codec until that codec's next decode, and a
         * state is loaded (and decoded) between decoding an event and
         * applying it: with one codec the state's decode overwrote the
         * event's strings (cause.event_id of published badge events came
         * out as garbage after a restart or a cache miss). */
        bp_codec_t *state_codec;
        bp_store_t *store;
        bp_rules_t *rules;
        bp_task_t **tasks; /* by partition, NULL if not assigned */
        int         partition_cnt;
        bool        in_txn;
        /* The committer runs job while job_in_flight (bp_runner_txn.c);
         * meanwhile this thread does not touch the producer. */
        bp_worker_t      *committer;
        bp_commit_job_t   job;
        bool              job_in_flight;
        bp_prod_outcome_t prod;
        int               batch_events;
        int64_t           batch_started_ms;
        int64_t           last_commit_ms; /* when the last commit began */
        uint64_t          attempt;        /* current batch attempt (header) */
        bp_badge_events_t out;
        bp_buf_t          buf;
        /* The batch's badge events, produced at its commit (see
         * bp_runner_defer_badge): per record, the key's length (uint32),
         * the key, the value's length (uint32), the value. */
        bp_buf_t badges;
        /* Committed batches not yet in the store (bp_runner_store.c):
         * pending fills while the writer writes flushing (sets[0] and
         * sets[1], swapped at each flush). staged: the states of the batch
         * being committed, which go to pending if it commits. */
        bp_pending_t      sets[2];
        bp_pending_t      staged;
        bp_pending_t     *pending;
        bp_pending_t     *flushing;
        bp_worker_t      *writer;
        int64_t           last_flush_ms;
        bp_runner_stats_t stats;
        /* This thread's: the batch must be aborted, or the runner stop.
         * The producer's findings reach them through prod. */
        bool abort_needed;
        bool fatal;
        bool fenced; /* the fatal error is that we were fenced */
        char fatal_reason[512];
        /* Armed when the loop ends, disarmed at the end of destroy. */
        bp_exit_deadline_t  *deadline;
        bp_runner_metrics_t *metrics;
        bp_decision_log_t   *dlog;           /* NULL: off */
        int64_t              last_gauges_ms; /* metrics gauges last read */
        int64_t              last_stats_ms;
        uint64_t             last_stats_applied;
        /* Wake-ups of the fetcher (bp_fetch_wake.c). */
        rd_kafka_queue_t *consumer_q;
        long              fetch_queue_min;  /* its queued.min.messages */
        bool              fetch_wake_armed; /* the queue was seen full */
        int64_t           fetch_wake_ms;    /* last wake-up */
        int64_t           fetch_wake_interval_ms;
        uint64_t          stats_fetch_wakes;
        /* Restores (bp_restore.c): one consumer reads the changelog
         * partitions of every task being restored. */
        rd_kafka_t *restore_rk;
        int         restoring;        /* tasks with a restore */
        bool        restore_reassign; /* the restore set changed */
        bool       *restore_assigned; /* by partition: restore_rk has it */
        int64_t     restore_log_ms;
        uint64_t    restore_log_records;
        /* Which record keeps its batch from committing (bp_poison.h). */
        bp_poison_t *poison;
        char         last_refusal[BP_POISON_TEXT_MAX]; /* for the log */
        /* Stalled partitions (bp_runner_health.c): when they were last
         * counted, and how many were. */
        int64_t health_ms;
        int     stalled;
};

/* bp_runner.c */
int64_t bp_runner_now_ms(void);
/** Marks the runner fatally broken with a reason (first one wins). */
void bp_runner_set_fatal(bp_runner_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** The same for the thread driving the producer: records the reason and
 *  code in r->prod (first one wins), for bp_runner_take_outcome. */
void bp_runner_prod_fatal(bp_runner_t *r, rd_kafka_resp_err_t code,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Logs, once, that another instance took over our transactional.id
 *  when code says so (the runner then stops on the fatal error). */
void bp_runner_check_fenced(bp_runner_t *r, rd_kafka_resp_err_t code);

/* bp_runner_txn.c */
/** Produces the open batch and hands the rest of its commit to the
 *  committer, after finishing the previous one (bp_runner_join); does not
 *  wait for this one. No-op for an empty batch. On an abortable error
 *  aborts and rewinds every task; BP_ERR_KAFKA/STATE on fatal ones. */
bp_err_t bp_runner_commit_start(bp_runner_t *r);
/** The same, then waits for the commit: on return every applied record
 *  is committed (or was aborted and rewound). */
bp_err_t bp_runner_commit(bp_runner_t *r);
/** Waits for the batch the committer has (if any) and, when it
 *  committed, queues its states for the store and moves its tasks'
 *  committed offsets. When it failed, sets abort_needed (or fatal) and
 *  returns BP_ERR_KAFKA; the caller aborts. */
bp_err_t bp_runner_join(bp_runner_t *r);
/** bp_runner_join, and bp_runner_abort if the commit failed. BP_ERR_KAFKA
 *  when the runner must stop (fatal). */
bp_err_t bp_runner_join_or_abort(bp_runner_t *r);
/** Aborts the open batch and the one being committed, and rewinds every
 *  task to its last commit. */
void bp_runner_abort(bp_runner_t *r);
/** Makes sure a transaction is open (exactly-once mode), waiting for the
 *  commit in flight first: before producing anything outside the
 *  commit (a dead letter). A failed commit in flight sets abort_needed. */
bp_err_t bp_runner_begin(bp_runner_t *r);
/** Takes what the producer's callbacks found (prod) into abort_needed
 *  and fatal. This thread, with no job in flight. */
void bp_runner_take_outcome(bp_runner_t *r);
/** Frees the job's memory; the committer must be stopped. */
void bp_runner_job_free(bp_runner_t *r);

/* bp_runner.c */
/** Produces one record, waiting while the local queue is full.
 *  partition may be RD_KAFKA_PARTITION_UA. hdrs (may be NULL) is owned by
 *  the call whatever happens. opaque (a bp_job_task_t, or NULL) reaches
 *  the delivery report. A failure goes to r->prod: call from the thread
 *  driving the producer. */
bp_err_t bp_runner_produce(bp_runner_t *r, bp_out_topic_t out,
                           int32_t partition, const void *key, size_t key_len,
                           const void *value, size_t value_len,
                           rd_kafka_headers_t *hdrs, void *opaque);

/** Logs error (when not NULL) as a warning naming the call, and destroys
 *  it: for calls whose failure is reported but not acted on. */
void bp_runner_log_error(const char *call, rd_kafka_error_t *error);

/** Keeps a badge event record (key = freelancer id) for the commit of
 *  the batch in flight, which produces them first, in order. Produced as
 *  they were decided, a batch's badge events reached partitions one by
 *  one, and librdkafka registered each new partition with the
 *  transaction in its own round trip, its main thread spinning through a
 *  1 ms back-off between them; at the commit they are registered
 *  together with the changelog's. */
bp_err_t bp_runner_defer_badge(bp_runner_t *r, const char *key,
                               const void *value, size_t len);

/* bp_changelog.c */
/** Encodes every active task's changed states, stages them for the
 *  store (bp_runner_store_stage) and produces them to the changelog (the
 *  calls return at once; delivery follows). A failure sets
 *  r->prod.abort_needed (or fatal). */
void bp_changelog_produce_states(bp_runner_t *r, bp_commit_job_t *job);
/** Seals job's batch: once everything produced in it is acknowledged,
 *  one __offsets record per task of the job. Runs on the committer. A
 *  failure sets r->prod.abort_needed (or fatal). */
void bp_changelog_seal(bp_runner_t *r, bp_commit_job_t *job);
/** Is rkm a seal (key __offsets)? */
bool bp_changelog_is_seal(const rd_kafka_message_t *rkm);

/* bp_runner_store.c */
/** Keeps the encoded state of freelancer_id (the bytes the changelog
 *  got) with the batch being committed: cache misses find it (see
 *  bp_runner_store_pending_get) until the commit's outcome is known.
 *  BP_ERR_NOMEM. */
bp_err_t bp_runner_store_stage(bp_runner_t *r, int32_t partition,
                               const char *freelancer_id, const void *val,
                               size_t len);
/** job committed: queues its staged states and its checkpoints for the
 *  next store flush. BP_ERR_STATE (fatal) on ENOMEM. */
bp_err_t bp_runner_store_queue(bp_runner_t *r, const bp_commit_job_t *job);
/** The batch being committed was aborted: forgets its staged states. */
void bp_runner_store_unstage(bp_runner_t *r);
/** Is a store flush due after a commit? */
bool bp_runner_store_flush_due(const bp_runner_t *r);
/** The latest state of freelancer_id in partition not yet in the store:
 *  staged (being committed), queued (committed) or being written; *val
 *  and *len point into that set, valid until the next stage, queue or
 *  flush. false when there is none. */
bool bp_runner_store_pending_get(const bp_runner_t *r, int32_t partition,
                                 const char *freelancer_id, const void **val,
                                 size_t *len);
/** Hands everything queued, and the checkpoints, to the store writer
 *  for one LMDB transaction, after waiting for the previous one; does not
 *  wait for this one. A task's cache lookups (bp_task_state) look in
 *  what is being written too. BP_ERR_STATE (fatal, set on r) if the
 *  previous write failed. */
bp_err_t bp_runner_store_flush_async(bp_runner_t *r);
/** The same, then waits until it is written. Call before anything reads
 *  the store without looking in the queue first (rewind, revoke,
 *  re-evaluation, restore) and at stop. */
bp_err_t bp_runner_store_flush(bp_runner_t *r);
/** Starts the store writer; frees the queues and stops the writer. */
bp_err_t bp_runner_store_open(bp_runner_t *r, char *errstr, size_t errstr_size);
void     bp_runner_store_close(bp_runner_t *r);

/* bp_fetch_wake.c */
/** Gets the consumer's queue and its queued.min.messages; call once the
 *  consumer exists. */
bp_err_t bp_fetch_wake_open(bp_runner_t *r);
/** Wakes the fetcher of the consumer's partitions when its queue, seen
 *  full, runs low (see the file); call after draining `drained` records
 *  from the queue. */
void bp_fetch_wake(bp_runner_t *r, int drained);
void bp_fetch_wake_close(bp_runner_t *r);

/* bp_runner_poison.c */
/** The thread driving the producer met err producing to topic: when a
 *  record may have caused it (bp_kafka_err_record_attributable), it is
 *  kept in r->prod for the poison policy (the first one per batch). */
void bp_runner_prod_refused(bp_runner_t *r, rd_kafka_resp_err_t err,
                            const char *topic);
/** bp_runner_take_outcome's part: hands the kept refusal to the policy. */
void bp_runner_poison_take(bp_runner_t *r, const bp_prod_outcome_t *prod);
/** Most input records the open batch may hold now (1 while isolating). */
int bp_runner_batch_max(const bp_runner_t *r);
/** Are commits waited for one by one (isolation)? */
bool bp_runner_poison_isolating(const bp_runner_t *r);
/** t is about to take the record at offset of input into the open batch:
 *  true when that record is due for the dead-letter topic instead. */
bool bp_runner_poison_applying(bp_runner_t *r, const bp_task_t *t, int input,
                               int64_t offset);
/** The open batch and the one being committed are being aborted: notes
 *  where each task's records reached. Call before the tasks rewind. */
void bp_runner_poison_hold(bp_runner_t *r);
/** The batches were aborted (the tasks rewound). */
void bp_runner_poison_aborted(bp_runner_t *r);
/** A batch committed. */
void bp_runner_poison_committed(bp_runner_t *r);
/** Partitions are being revoked: what isolation found is dropped. */
void bp_runner_poison_revoked(bp_runner_t *r);

/* bp_runner_health.c */
/** Counts the partitions that have input waiting and no committed
 *  progress for longer than partition.stall.timeout.ms, sets the gauge
 *  and /readyz, and logs a change. Cheap; call every turn. */
void bp_runner_health_check(bp_runner_t *r);

/* bp_runner_tuning.c */
/** Sets the librdkafka defaults this workload wants on conf, for the
 *  consumer (consumer != 0) or the producer. BP_ERR_CONFIG with errstr
 *  set if librdkafka refuses one. */
bp_err_t bp_runner_tuning(const bp_runner_t *r, int consumer,
                          rd_kafka_conf_t *conf, char *errstr,
                          size_t errstr_size);

/* bp_task.c */
bp_task_t *bp_task_new(int32_t partition, size_t queue_max);
void       bp_task_destroy(bp_task_t *t);
/** Drops the batch in flight: queued records, cached states, dirt; the
 *  task resumes at committed[]. */
void bp_task_rewind(bp_task_t *t);
/** The open batch was handed to the committer, its changed states
 *  staged: its dirt is gone, and the cache is dropped when it holds more
 *  than cache_max states. */
void bp_task_after_handoff(bp_task_t *t, size_t cache_max);
/** jt's batch committed: committed[] moves to where it reached. */
void bp_task_after_commit(const bp_job_task_t *jt);
/** Applies every record the merge can give now; stops early when the
 *  batch is full. */
bp_err_t bp_task_drain(bp_runner_t *r, bp_task_t *t);
/** Loads (or creates) the state of freelancer_id for the batch. */
bp_freelancer_t *bp_task_state(bp_runner_t *r, bp_task_t *t,
                               const char *freelancer_id, char *errstr,
                               size_t errstr_size);
/** Records that fl (from bp_task_state) changed in this batch. */
bp_err_t bp_task_mark_dirty(bp_task_t *t, bp_freelancer_t *fl);
/** Encodes the badge events in r->out for the batch's commit
 *  (bp_runner_defer_badge), then clears it. */
bp_err_t bp_task_publish(bp_runner_t *r);
/** Re-evaluates every stored freelancer of t under r->rules. */
bp_err_t bp_task_reevaluate(bp_runner_t *r, bp_task_t *t);

/** The time a re-evaluation (and the reload guard's count) judges at:
 *  the wall clock in Unix ms, as badge events' occurred_at. */
int64_t bp_task_wall_clock_ms(void);

/* bp_rebalance.c */
void bp_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                     rd_kafka_topic_partition_list_t *parts, void *opaque);
/** Seeks the task's four input partitions to committed[]; a seek
 *  librdkafka gave up on early is left pending (t->seek_pending) for the
 *  main loop to call this again. */
void bp_rebalance_seek_committed(bp_runner_t *r, bp_task_t *t);
/** Pauses or resumes the inputs of t whose queues filled or drained. */
void bp_rebalance_flow_control(bp_runner_t *r, bp_task_t *t);
/** t's restore ended: seeks its inputs to committed[] and resumes them. */
void bp_rebalance_task_ready(bp_runner_t *r, bp_task_t *t);

/* bp_restore.c */
/** Makes the restore consumer (idle until a restore starts), once the
 *  partition count is known; bp_restore_start() makes it if not yet. */
bp_err_t bp_restore_open(bp_runner_t *r, char *errstr, size_t errstr_size);
/** Starts bringing the task's stored state up to date with the changelog
 *  tail. When there is nothing to read, the task is ready on return
 *  (t->restore NULL, committed[] set); otherwise t->restore is set and
 *  bp_restore_step() carries on. Errors leave t->restore NULL. */
bp_err_t bp_restore_start(bp_runner_t *r, bp_task_t *t, char *errstr,
                          size_t errstr_size);
/** One slice of every restore in progress; makes the tasks whose restore
 *  ended ready. Errors are fatal (set on r). */
bp_err_t bp_restore_step(bp_runner_t *r);
/** Drops t's restore (t is being revoked). What was stored stays, with
 *  its checkpoint: a later restore of t goes on from there. */
void bp_restore_cancel(bp_runner_t *r, bp_task_t *t);
/** Closes the restore consumer. */
void bp_restore_close(bp_runner_t *r);

#endif
