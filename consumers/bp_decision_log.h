/*
 * bp_decision_log.h - the decision log: one JSON line per evaluation that
 * changed a badge, with every requirement checked, for auditors to keep.
 *
 * The runtime (config key decision.log, unset = off) and `replay
 * --decision-log FILE` append to a file; each line is
 * bp_eval_json_decision()'s: the badge event published, whether the
 * requirements hold, the failing reason codes and every check with its
 * value, what was required and a sentence. The file is opened for
 * appending, and each call to bp_decision_log_flush() hands its lines to
 * the kernel in one write(2), so lines of one process are never torn.
 *
 * Delivery is at least once: the runtime logs a batch's decisions before
 * its Kafka transaction commits, so a batch that is aborted and redone
 * logs its decisions again. Each line carries the badge event's
 * deterministic event_id: readers keep the first line of each id.
 */
#ifndef BP_DECISION_LOG_H
#define BP_DECISION_LOG_H

#include <stddef.h>

#include "bp_badge_event.h"
#include "bp_rules.h"
#include "bp_state.h"

typedef struct bp_decision_log_s bp_decision_log_t;

/**
 * Opens (creating it, mode 0644) path for appending. NULL with errstr set
 * ("decision log PATH: strerror") on failure.
 */
bp_decision_log_t *bp_decision_log_open(const char *path, char *errstr,
                                        size_t errstr_size);

/**
 * Buffers the decision line of each event of events (what one
 * bp_engine_apply() or bp_engine_reevaluate() call on fl published), fl
 * being the state right after that call. Writes when the buffer is large.
 * log NULL is a no-op (the log is off). Returns BP_OK, BP_ERR_NOMEM, or
 * BP_ERR_IO with errno set.
 */
bp_err_t bp_decision_log_append(bp_decision_log_t *log, const bp_rules_t *rules,
                                const bp_freelancer_t   *fl,
                                const bp_badge_events_t *events);

/** Writes the buffered lines. BP_OK or BP_ERR_IO with errno set. NULL is
 *  a no-op. */
bp_err_t bp_decision_log_flush(bp_decision_log_t *log);

/** Flushes, closes and frees log; returns the flush's result. NULL is a
 *  no-op returning BP_OK. */
bp_err_t bp_decision_log_close(bp_decision_log_t *log);

#endif
