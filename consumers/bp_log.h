/*
 * bp_log.h - one key=value line per event of interest, on stderr.
 *
 * Every line looks like
 *   ts=2026-11-28T10:00:00.123Z level=info event=assignment partition=3
 * so that people can read it and log shippers can split it without a
 * grammar of their own. The caller writes the fields after the event name
 * as a printf format of `key=value` pairs; each %s value is quoted by the
 * logger when it needs to be (empty, or holding spaces, quotes, '=' or
 * control characters), so a path or an error text with spaces never breaks
 * a line into fields that are not there.
 *
 * BP_LOG() checks the level before it evaluates its arguments, so a debug
 * line costs one relaxed atomic load when debug is off. Lines are built in
 * a buffer on the stack and written with a single write(2) of at most
 * PIPE_BUF bytes, so lines from several threads (librdkafka's among them)
 * never interleave. A longer line is cut and ends in `truncated=true`.
 *
 * The one global of this module is the current level, bp_log_max_level:
 * the macro must read it without a call, and a log level is by nature one
 * per process. Set it once at start (from the log.level key), or on a
 * signal-driven reload; it is atomic, so either is safe.
 */
#ifndef BP_LOG_H
#define BP_LOG_H

#include <stdatomic.h>

#include <librdkafka/rdkafka.h>

#include "bp_error.h"

/** Log levels, most severe first: a line is written when its level is
 *  less than or equal to bp_log_max_level. */
typedef enum bp_log_level_e {
        BP_LOG_ERROR = 0,
        BP_LOG_WARN  = 1,
        BP_LOG_INFO  = 2,
        BP_LOG_DEBUG = 3
} bp_log_level_t;

/** The current level (see the top of this file). Default BP_LOG_INFO. */
extern atomic_int bp_log_max_level;

/**
 * Writes one line at level LEVEL for event EVENT (a short static name such
 * as "assignment") with the fields of the printf format FMT, which must be
 * a string literal, e.g.
 *   BP_LOG(BP_LOG_INFO, "assignment", "partition=%d count=%d", p, n);
 * FMT may be "" for a line with no fields. The arguments are not evaluated
 * when the level is off.
 */
#define BP_LOG(level, event, ...)                                        \
        do {                                                             \
                if ((int)(level) <=                                      \
                    atomic_load_explicit(&bp_log_max_level,              \
                                         memory_order_relaxed))          \
                        bp_log_write((level), (event), " " __VA_ARGS__); \
        } while (0)

/**
 * Sets the current level. Safe from any thread; lines already being
 * written are not affected.
 */
void bp_log_set_level(bp_log_level_t level);

/** Returns the current level. */
bp_log_level_t bp_log_get_level(void);

/** Returns the name of a level ("error", "warn", "info", "debug"). */
const char *bp_log_level_name(bp_log_level_t level);

/**
 * Parses a level name (exactly one of the names above) into *levelp.
 * Returns BP_OK, or BP_ERR_INVALID (and leaves *levelp alone).
 */
bp_err_t bp_log_level_parse(const char *name, bp_log_level_t *levelp);

/**
 * Writes one line without checking the level: BP_LOG() is the way to call
 * it. FMT starts with the blank that separates the fields from the event
 * name (BP_LOG() puts it there, which also keeps an empty field list from
 * being an empty format); " " alone means no fields. Supported conversions
 * are those of printf for integers, floating point, characters, pointers
 * and strings, with flags, width, precision (also `*`) and the length
 * modifiers hh h l ll j z t L; `%n` is not. A NULL %s argument is written
 * as (null). Never fails: write errors are ignored, because there is
 * nowhere left to report them.
 */
void bp_log_write(bp_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * A librdkafka log callback (rd_kafka_conf_set_log_cb) that routes
 * librdkafka's lines into this log as event=rdkafka with fields client,
 * fac and msg. Syslog levels map as: 0-3 error, 4 warn, 5-6 info, 7 debug.
 * librdkafka calls it from its own threads; that is safe.
 */
void bp_log_rdkafka(const rd_kafka_t *rk, int level, const char *fac,
                    const char *buf);

#endif
