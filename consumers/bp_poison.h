/*
 * bp_poison.h - which input record keeps its batch from committing.
 *
 * A batch whose output the cluster refuses for a reason a record can
 * cause by itself (a state record larger than the changelog topic takes:
 * bp_kafka_err_record_attributable) fails the same way every time it is
 * redone, and with it every other record of its partitions waits. This
 * is the policy that finds that record and lets the rest go on; the
 * runner (bp_runner_poison.c) feeds it what happens and does what it
 * says. It makes no call of its own and knows nothing of Kafka, so it is
 * tested on its own (tests/test_poison.c).
 *
 * The steps:
 *  1. normal batches; each abort whose cause was noted (bp_poison_note)
 *     counts, a commit resets the count, an abort of another cause (the
 *     cluster moving, a timeout) neither counts nor resets: it is retried
 *     as before;
 *  2. after `limit` counted aborts in a row, isolation: one input record
 *     per batch, each committed before the next is applied, so the
 *     record of a batch that fails is known (bp_poison_applying);
 *  3. a one-record batch that fails `limit` times (counted aborts) in a
 *     row makes its record due for the dead-letter topic: the runner
 *     dead-letters it instead of applying it, in a batch of its own
 *     (bp_poison_is_due, bp_poison_due); once that batch commits
 *     (bp_poison_committed returns BP_POISON_DEAD_LETTERED) batches are
 *     normal again;
 *  4. when every record the failed batches held has committed, one by
 *     one, without one failing `limit` times, the cause went away by
 *     itself: batches are normal again (BP_POISON_CLEARED). The runner
 *     knows where its partitions' failed batches ended and says so at
 *     each commit (bp_poison_committed's held_committed): after a rewind
 *     the partitions' records come back in another order, and new ones
 *     come with them, so a count of records could end the isolation
 *     before the refused record was reached again.
 *
 * Not thread-safe: the runner's thread only.
 */
#ifndef BP_POISON_H
#define BP_POISON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Bounds of batch.poison.aborts. */
#define BP_POISON_LIMIT_MIN 1
#define BP_POISON_LIMIT_MAX 100

/** Longest error text and output topic name kept (longer is cut). */
#define BP_POISON_TEXT_MAX 160

/** One input record: partition, input (bp_event_type_t), offset. */
typedef struct bp_poison_rec_s {
        int32_t partition;
        int     input;
        int64_t offset;
} bp_poison_rec_t;

/** The record due for the dead-letter topic, and why. */
typedef struct bp_poison_due_s {
        bp_poison_rec_t rec;
        /* The refusal, as the cluster said it, and the output topic it
         * refused. */
        char error[BP_POISON_TEXT_MAX];
        char output[BP_POISON_TEXT_MAX];
        /* Counted aborts of batches that held it: the normal ones that
         * started the isolation, then its own. */
        int attempts;
} bp_poison_due_t;

/** What an abort or a commit changed. */
typedef enum bp_poison_step_e {
        BP_POISON_NONE = 0,
        BP_POISON_ISOLATING,     /* one record per batch from now on */
        BP_POISON_DUE,           /* a record is due (bp_poison_due) */
        BP_POISON_DEAD_LETTERED, /* its dead letter committed: normal */
        BP_POISON_CLEARED        /* isolation found nothing: normal */
} bp_poison_step_t;

typedef struct bp_poison_s bp_poison_t;

/** A policy with limit counted aborts per step, clamped to
 *  [BP_POISON_LIMIT_MIN, BP_POISON_LIMIT_MAX]. NULL on ENOMEM. */
bp_poison_t *bp_poison_new(int limit);

/** NULL-safe. */
void bp_poison_destroy(bp_poison_t *p);

/**
 * The batch being ended failed because output (a topic name) refused a
 * record with error: the next abort counts. The first note before an
 * abort is kept; strings are copied (cut at BP_POISON_TEXT_MAX).
 */
void bp_poison_note(bp_poison_t *p, const char *error, const char *output);

/**
 * While isolating: rec is the input record of the open batch (the only
 * one). Returns true when rec is due for the dead-letter topic: the
 * caller dead-letters it instead of applying it, and the batch's commit
 * ends the isolation. Outside isolation it does nothing and returns
 * false.
 */
bool bp_poison_applying(bp_poison_t *p, const bp_poison_rec_t *rec);

/**
 * The open batch and the one being committed were aborted. Returns
 * BP_POISON_ISOLATING when this abort started the isolation,
 * BP_POISON_DUE when it made a record due, BP_POISON_NONE otherwise.
 */
bp_poison_step_t bp_poison_aborted(bp_poison_t *p);

/**
 * A batch committed; held_committed: every input record that the
 * aborted batches held has now committed. Returns
 * BP_POISON_DEAD_LETTERED when the batch carried the due record, copied
 * to *done (may be NULL), BP_POISON_CLEARED when isolation ended
 * without one, else BP_POISON_NONE.
 */
bp_poison_step_t bp_poison_committed(bp_poison_t *p, bool held_committed,
                                     bp_poison_due_t *done);

/** Drops everything found (the partition of the suspect was revoked:
 *  its next owner starts from the beginning). */
void bp_poison_reset(bp_poison_t *p);

/** One record per batch, each committed before the next? */
bool bp_poison_isolating(const bp_poison_t *p);

/** The record due, or NULL. Valid until the next call. */
const bp_poison_due_t *bp_poison_due(const bp_poison_t *p);

/** Most input records a batch may hold now: batch_max, or 1 while
 *  isolating. */
int bp_poison_batch_max(const bp_poison_t *p, int batch_max);

#endif
