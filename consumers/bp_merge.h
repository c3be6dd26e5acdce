/*
 * bp_merge.h - the deterministic merge of a task's four input queues.
 *
 * A task owns partition p of the four co-partitioned input topics. Records
 * must be applied in one order that does not depend on how fetches happened
 * to be batched, or a restarted instance (or an auditor's replay) would
 * decide differently. The order is (timestamp, input index, offset): the
 * smallest head goes first, but only once every input either has a record
 * queued or is known to be caught up (end of partition reached, nothing
 * fetched since). While an input that may still hold an earlier record is
 * empty, pop returns nothing and the task waits for the fetcher.
 *
 * Queues are bounded; the runner pauses fetching of an input whose queue is
 * full, which bounds memory whatever the upstream lag.
 */
#ifndef BP_MERGE_H
#define BP_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

/** Number of inputs merged (the four input topics). */
#define BP_MERGE_INPUTS 4

typedef struct bp_merge_s bp_merge_t;

/** Creates a merge whose queues hold at most capacity records each.
 *  NULL on ENOMEM or capacity 0. */
bp_merge_t *bp_merge_new(size_t capacity);

/** Frees the merge; free_fn (may be NULL) is called on each queued record. */
void bp_merge_destroy(bp_merge_t *m, void (*free_fn)(void *rec));

/**
 * Queues rec (owned by the merge until popped) on input. A record clears
 * the input's end-of-partition flag. Returns BP_ERR_TOO_LARGE when the
 * queue is full (the caller keeps rec and should pause that input).
 */
bp_err_t bp_merge_push(bp_merge_t *m, int input, int64_t timestamp,
                       int64_t offset, void *rec);

/** Marks input as caught up: an empty queue no longer holds the merge. */
void bp_merge_set_eof(bp_merge_t *m, int input);

/** True when input's queue is full. */
bool bp_merge_full(const bp_merge_t *m, int input);

/** Records queued on input. */
size_t bp_merge_queued(const bp_merge_t *m, int input);

/**
 * Pops the next record in merge order into *rec and its input into
 * *input. Returns false (and leaves the queues as they were) when nothing
 * can be popped yet: every queue is empty, or an empty input is not known
 * to be caught up.
 */
bool bp_merge_pop(bp_merge_t *m, void **rec, int *input);

/** Drops every queued record (free_fn may be NULL) and every end flag:
 *  used when the task rewinds to its last commit. */
void bp_merge_clear(bp_merge_t *m, void (*free_fn)(void *rec));

#endif
