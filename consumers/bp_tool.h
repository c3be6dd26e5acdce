/*
 * bp_tool.h - what the history tools (replay, explain, audit, what-if)
 * share around their main loop: the one-line fatal log, loading the rules
 * with the compiler-style error line, and writing buffered output.
 *
 * They are batch programs: stdout carries their product (JSON Lines, a
 * report), stderr carries rejections and key=value log lines, and every
 * fatal error goes through bp_tool_fatal() once, just before the command
 * returns BP_EXIT_FATAL.
 */
#ifndef BP_TOOL_H
#define BP_TOOL_H

#include <getopt.h>

#include "bp_badge_event.h"
#include "bp_buf.h"
#include "bp_event.h"
#include "bp_rules.h"
#include "bp_source.h"
#include "bp_state_map.h"

/** Output is handed to write() once a buffer reaches this size. */
#define BP_TOOL_FLUSH (64 * 1024)

/**
 * Logs "level=error cmd=CMD msg=WHAT [KEY=VALUE] [error=ERROR]" on
 * stderr, values quoted as bp_cli_quote() does. key and error may be
 * NULL.
 */
void bp_tool_fatal(const char *cmd, const char *what, const char *key,
                   const char *value, const char *error);

/** A command line to parse: the command's options and what to do with
 *  them. */
typedef struct bp_tool_args_s {
        const char          *cmd;
        const char          *shortopts; /* BP_SOURCE_SHORTOPTS added */
        const struct option *longopts;  /* BP_SOURCE_LONGOPTS included */
        bp_source_opts_t    *src;       /* takes the input options */
        /* Takes one of the command's own options: -1 to go on, else the
         * exit status (after printing why, or --help). */
        int (*opt)(int c, const char *arg, void *o);
        void *o;
        int (*usage)(void); /* prints the usage line, returns 2 */
} bp_tool_args_t;

/**
 * Parses argv with getopt_long: input options go to a->src, others to
 * a->opt; a stray argument is refused. The caller checks the options as
 * a whole afterwards. Returns -1 to go on, else the exit status.
 */
int bp_tool_parse(const bp_tool_args_t *a, int argc, char **argv);

/**
 * Loads the rules of dir, or the platform defaults when dir is NULL. On a
 * rules error prints errstr ("file:line:column: message") on its own line
 * then the fatal line, and returns NULL; the caller owns the result
 * (bp_rules_destroy()).
 */
bp_rules_t *bp_tool_load_rules(const char *cmd, const char *dir);

/**
 * Writes out's bytes to fd, retrying short writes and EINTR, then empties
 * out. Returns 0, or -1 with errno set (some bytes may have been
 * written: the caller stops).
 */
int bp_tool_flush(bp_buf_t *out, int fd);

/**
 * Applies ev to its freelancer's state in map (created empty when new)
 * with bp_engine_apply(), appending the badge events published to out;
 * *flp (may be NULL) is set to the state. BP_OK, BP_ERR_TOO_LARGE when
 * the engine refused the event (a state limit: the state is unchanged,
 * see bp_tool_refuse()), or BP_ERR_NOMEM.
 */
bp_err_t bp_tool_apply(bp_state_map_t *map, const bp_rules_t *rules,
                       const bp_event_t *ev, const bp_cause_t *cause,
                       bp_badge_events_t *out, bp_freelancer_t **flp);

/**
 * Reports ev, which the engine refused for fl (BP_ERR_TOO_LARGE), on src:
 * a rejection line saying which limit, counted as rejected, as `run`
 * dead-letters it.
 */
void bp_tool_refuse(bp_source_t *src, const bp_freelancer_t *fl,
                    const bp_event_t *ev, const bp_cause_t *cause);

/** Writes the badge id of partner_id under rules into buf: the partner
 *  file's badge_id, or "<partner_id>-expert" as the engine publishes. */
void bp_tool_badge_id(const bp_rules_t *rules, const char *partner_id,
                      char *buf, size_t size);

/** bp_tool_flush() when out holds BP_TOOL_FLUSH bytes or more. */
int bp_tool_flush_if_full(bp_buf_t *out, int fd);

#endif
