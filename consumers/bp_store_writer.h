/*
 * bp_store_writer.h - one background thread that runs the state store's
 * write transactions, so that the runner's thread does not wait for them.
 *
 * A store flush (bp_runner_store.c) is LMDB write transactions of
 * thousands of scattered puts (and, with state.fsync, their fsyncs;
 * before the store wrote behind, two per commit): 10-45 ms after nearly
 * every 10,000-event batch with 100,000 freelancers, a third of the
 * runner thread's time. It needs nothing from that thread but the bytes
 * it writes, so it runs here while the runner applies the next batch.
 *
 * One job at a time: submit() hands over a job, wait() blocks until the
 * job in flight (if any) has ended and returns its outcome; busy() says
 * whether one is in flight. The runner calls wait() before every
 * submit(), so a slow disk slows the runner down (back-pressure) instead
 * of queueing without bound. The job's data
 * must stay untouched by the submitting thread until wait() returns; it
 * may be read by it (the runner's cache misses do).
 */
#ifndef BP_STORE_WRITER_H
#define BP_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "bp_error.h"

typedef struct bp_store_writer_s bp_store_writer_t;

/** A job: runs on the writer's thread; errstr gets the reason of a
 *  failure. */
typedef bp_err_t (*bp_store_job_fn)(void *arg, char *errstr,
                                    size_t errstr_size);

/** Starts the thread. NULL with errstr set if it cannot. */
bp_store_writer_t *bp_store_writer_new(char *errstr, size_t errstr_size);

/** Hands fn(arg) to the thread. The previous job must have been waited
 *  for (bp_store_writer_wait). */
void bp_store_writer_submit(bp_store_writer_t *w, bp_store_job_fn fn,
                            void *arg);

/** Waits until the job in flight has ended: its outcome (BP_OK when there
 *  was none), with errstr set on failure. */
bp_err_t bp_store_writer_wait(bp_store_writer_t *w, char *errstr,
                              size_t errstr_size);

/** A job is in flight (a hint: it may end right after the answer). */
bool bp_store_writer_busy(bp_store_writer_t *w);

/** Waits for the job in flight, then stops and frees the thread. */
void bp_store_writer_destroy(bp_store_writer_t *w);

#endif
