/*
 * bp_exit_deadline.h - a bound on how long a process may take to stop.
 *
 * Once `run` has left its loop, closing the Kafka clients and the store
 * should take a moment; a client library that waits for ever (librdkafka
 * 2.0.2 can, upstream #4674) must not turn a stop into a hang that only
 * SIGKILL ends. bp_exit_deadline_start() arms a thread that, unless
 * bp_exit_deadline_stop() comes first, logs event=shutdown_forced and
 * ends the process with _exit(1) after timeout_ms (a stop that did not
 * finish is a failure, whatever led to it), naming the step
 * (bp_exit_deadline_phase) the stop was stuck at.
 */
#ifndef BP_EXIT_DEADLINE_H
#define BP_EXIT_DEADLINE_H

typedef struct bp_exit_deadline_s bp_exit_deadline_t;

/* NULL if the thread cannot be started (the stop is then unbounded). */
bp_exit_deadline_t *bp_exit_deadline_start(int timeout_ms, const char *phase);
/* Names the step the stop is at (a string that outlives d), for the log
 * line if the deadline passes; NULL d is allowed. */
void bp_exit_deadline_phase(bp_exit_deadline_t *d, const char *phase);
/* Disarms and frees it; NULL is allowed. */
void bp_exit_deadline_stop(bp_exit_deadline_t *d);

#endif
