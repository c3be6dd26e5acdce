/*
 * bp_worker.h - one background thread that runs one job at a time, so
 * that the runner's thread does not wait for it. The runner has two:
 *
 * - the store writer (bp_runner_store.c): a store flush is LMDB write
 *   transactions of thousands of scattered puts (and, with state.fsync,
 *   their fsyncs): 10-45 ms after nearly every 10,000-event batch with
 *   100,000 freelancers, a third of the runner thread's time. It needs
 *   nothing from that thread but the bytes it writes;
 * - the committer (bp_runner_txn.c): the end of a batch's transaction
 *   (offsets, seal, commit), which is mostly waiting for the cluster.
 *
 * Both run while the runner applies the next batch.
 *
 * One job at a time: submit() hands over a job, wait() blocks until the
 * job in flight (if any) has ended and returns its outcome; busy() says
 * whether one is in flight. The runner calls wait() before every
 * submit(), so a slow disk or cluster slows the runner down
 * (back-pressure) instead of queueing without bound. The job's data
 * must stay untouched by the submitting thread until wait() returns; it
 * may be read by it (the runner's cache misses do).
 */
#ifndef BP_WORKER_H
#define BP_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "bp_error.h"

typedef struct bp_worker_s bp_worker_t;

/** A job: runs on the worker's thread; errstr gets the reason of a
 *  failure. */
typedef bp_err_t (*bp_worker_job_fn)(void *arg, char *errstr,
                                     size_t errstr_size);

/** Starts the thread. NULL with errstr set if it cannot. */
bp_worker_t *bp_worker_new(char *errstr, size_t errstr_size);

/** Hands fn(arg) to the thread. The previous job must have been waited
 *  for (bp_worker_wait). */
void bp_worker_submit(bp_worker_t *w, bp_worker_job_fn fn, void *arg);

/** Waits until the job in flight has ended: its outcome (BP_OK when there
 *  was none), with errstr set on failure. */
bp_err_t bp_worker_wait(bp_worker_t *w, char *errstr, size_t errstr_size);

/** A job is in flight (a hint: it may end right after the answer). */
bool bp_worker_busy(bp_worker_t *w);

/** Waits for the job in flight, then stops and frees the thread. */
void bp_worker_destroy(bp_worker_t *w);

#endif
