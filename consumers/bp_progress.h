/*
 * bp_progress.h - a one-line progress report for long work.
 *
 * Replay, restore, audit and gen can run for minutes; a person at a
 * terminal wants to know how far they are, how fast it goes and when it
 * will end. A progress object redraws one line on stderr, at most a few
 * times a second:
 *
 *   replay: 1,204,000 lines  38%  412,300 lines/s  ETA 0:05
 *
 * and only when stderr is a terminal, so logs, pipes and CI output never
 * see it. Work is counted twice: in items (lines, events), which give the
 * rate, and in units of the whole (bytes of a file, events asked for),
 * which give the share done and the ETA; the two are the same for gen.
 * When the whole is unknown (standard input) there is no share and no ETA.
 *
 * Every function accepts NULL and does nothing, so a caller keeps no
 * branch of its own for "progress off".
 */
#ifndef BP_PROGRESS_H
#define BP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bp_progress_s bp_progress_t;

/**
 * Creates a progress line for what ("replay"), counting items named unit
 * ("lines"), out of total units of work (0: unknown). Returns NULL (a
 * valid "off" object) when stderr is not a terminal, or on ENOMEM. what
 * and unit are borrowed: string literals, typically.
 */
bp_progress_t *bp_progress_new(const char *what, const char *unit,
                               uint64_t total);

/**
 * As bp_progress_new(), writing to fd; force draws even when fd is not a
 * terminal (for tests), and interval_ms is the least time between two
 * redraws (0: the default, 250 ms).
 */
bp_progress_t *bp_progress_new_fd(int fd, bool force, int interval_ms,
                                  const char *what, const char *unit,
                                  uint64_t total);

/**
 * Says that items items and work units of the total are done so far.
 * Cheap enough to call per item: it redraws only when interval_ms has
 * passed since the last redraw.
 */
void bp_progress_update(bp_progress_t *p, uint64_t items, uint64_t work);

/**
 * Erases the line, so that what is written to stderr next starts on a
 * clean line; the next update draws it again.
 */
void bp_progress_clear(bp_progress_t *p);

/** Erases the line and frees p. NULL-safe. */
void bp_progress_destroy(bp_progress_t *p);

/**
 * Formats the line for the given state into buf (no control characters):
 * "WHAT: ITEMS UNIT  PCT%  RATE UNIT/s  ETA M:SS". total 0 leaves out the
 * share and the ETA; seconds 0 leaves out the rate and the ETA. Exposed
 * for tests. Returns the length written (truncated to size - 1).
 */
int bp_progress_format(char *buf, int size, const char *what, const char *unit,
                       uint64_t items, uint64_t work, uint64_t total,
                       double seconds);

#endif
