/*
 * cmd_replay.c - `badgeproc replay`: the engine over a JSON Lines file.
 *
 * Reads input events in file order, applies each to an in-memory state
 * map with the engine, and writes every published badge event as one JSON
 * line on stdout. This is what auditors use to answer "why did this
 * freelancer hold this badge" from history, and what the tests and the
 * benchmark drive the engine with; it shares the engine, the rules loader
 * and the JSON Lines codec with the runtime, so its output is what the
 * runtime would publish for the same events in the same order.
 *
 * stdout carries badge events only, so it can be piped into other tools;
 * rejections, the summary and logs (key=value lines) go to stderr. A bad
 * line never stops the run: it is reported and skipped, and the exit
 * status says that something was skipped. Output is buffered and written
 * in large blocks; a failed write stops the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bp_engine.h"
#include "bp_jsonl.h"
#include "bp_line_reader.h"
#include "bp_progress.h"
#include "bp_rules.h"
#include "bp_state_map.h"
#include "commands.h"

/* Output is handed to write() once it reaches this size. */
#define BP_REPLAY_FLUSH (64 * 1024)

static const char replay_help[] =
    "usage: badgeproc replay [--rules DIR] --input FILE [--quiet]\n"
    "\n"
    "Applies the input events of FILE (JSON Lines, EVENTS.md; `-` reads\n"
    "standard input) in file order to an empty in-memory state, and writes\n"
    "each badge-granted / badge-revoked event published as one JSON line\n"
    "on standard output, which carries nothing else. Each event's cause is\n"
    "{event_id, topic: the input type, partition: 0, offset: the 0-based\n"
    "line number}.\n"
    "\n"
    "options:\n"
    "  -r, --rules DIR    rules directory (platform.yaml, <partner>.yaml);\n"
    "                     without it, the platform defaults and no partner\n"
    "                     requirements\n"
    "  -i, --input FILE   the events to replay, or - for standard input\n"
    "  -q, --quiet        no key=value log lines on standard error\n"
    "  -h, --help         this text\n"
    "\n"
    "Blank lines are ignored, and so are fields an event type does not\n"
    "have (new optional fields may be added to the contract). A line that\n"
    "is not a valid event (bad JSON, unknown type, missing or mistyped\n"
    "field, value out of range, longer than 1 MiB) is reported on standard\n"
    "error as `line N: message` (N 1-based) and skipped; the run goes on.\n"
    "Unless --quiet, the run ends with a key=value line on standard error:\n"
    "level=info cmd=replay msg=done lines= published= rejected= seconds=\n"
    "lines_per_second= rules_version=\n"
    "\n"
    "exit status:\n"
    "  0  every line was applied\n"
    "  3  some lines were rejected; a last stderr line says\n"
    "     `replay: N lines, M events published, K rejected`\n"
    "  1  fatal: a rules error (printed as file:line:column: message),\n"
    "     unreadable input, a failed write, out of memory\n"
    "  2  wrong command line\n";

typedef struct bp_replay_opts_s {
        const char *rules_dir; /* NULL: platform defaults */
        const char *input;
        int         quiet;
} bp_replay_opts_t;

typedef struct bp_replay_s {
        const bp_replay_opts_t *opts;
        bp_rules_t             *rules;
        bp_state_map_t         *map;
        bp_jsonl_parser_t      *parser;
        bp_line_reader_t       *reader;
        bp_badge_events_t       events;
        int                     events_ok; /* events was initialised */
        bp_buf_t                out;
        bp_progress_t          *progress; /* NULL: stderr is no terminal */
        int                     fd;
        int                     own_fd; /* fd was opened here */
        uint64_t                lines, published, rejected;
        uint64_t                bytes; /* of input read so far */
} bp_replay_t;

/* Writes s to stderr as a key=value value: bare when it is a plain word,
 * else quoted with quote and backslash escaped. */
static void kv_value(const char *s) {
        const char *p;

        if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                            "WXYZ0123456789._/:+-") == strlen(s)) {
                fputs(s, stderr);
                return;
        }
        fputc('"', stderr);
        for (p = s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fputc('\\', stderr);
                fputc(*p == '\n' ? ' ' : *p, stderr);
        }
        fputc('"', stderr);
}

/* Logs a fatal error as one line, level=error cmd=replay msg=... with an
 * optional key=value and the system's reason, and returns BP_EXIT_FATAL. */
static int fatal(const char *msg, const char *key, const char *value,
                 const char *error) {
        fputs("level=error cmd=replay msg=", stderr);
        kv_value(msg);
        if (key) {
                fprintf(stderr, " %s=", key);
                kv_value(value);
        }
        if (error) {
                fputs(" error=", stderr);
                kv_value(error);
        }
        fputc('\n', stderr);
        return BP_EXIT_FATAL;
}

static int parse_args(int argc, char **argv, bp_replay_opts_t *o) {
        static const struct option longopts[] = {
            {"rules", required_argument, NULL, 'r'},
            {"input", required_argument, NULL, 'i'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        int c;

        memset(o, 0, sizeof(*o));
        optind = 1;
        while ((c = getopt_long(argc, argv, "r:i:qh", longopts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        o->rules_dir = optarg;
                        break;
                case 'i':
                        o->input = optarg;
                        break;
                case 'q':
                        o->quiet = 1;
                        break;
                case 'h':
                        fputs(replay_help, stdout);
                        return 1;
                default:
                        goto usage; /* getopt has said what was wrong */
                }
        }
        if (optind < argc) {
                fprintf(stderr, "replay: unexpected argument \"%s\"\n",
                        argv[optind]);
                goto usage;
        }
        if (!o->input) {
                fputs("replay: --input is required\n", stderr);
                goto usage;
        }
        return 0;
usage:
        fputs("usage: badgeproc replay [--rules DIR] --input FILE [--quiet]\n"
              "(`badgeproc replay --help` says more)\n",
              stderr);
        return -1;
}

/* Writes the buffered output to stdout. 0, or -1 with errno set. */
static int flush_out(bp_replay_t *rp) {
        size_t  off = 0;
        ssize_t n;

        while (off < rp->out.len) {
                n = write(STDOUT_FILENO, rp->out.data + off, rp->out.len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                off += (size_t)n;
        }
        bp_buf_reset(&rp->out);
        return 0;
}

/* The size of a regular file, for the progress line's share and ETA; 0
 * (unknown) for a pipe or a terminal. */
static uint64_t input_size(int fd) {
        struct stat st;

        return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size
                                                          : 0;
}

static int open_all(bp_replay_t *rp) {
        char errstr[512];

        if (rp->opts->rules_dir) {
                rp->rules = bp_rules_load_dir(rp->opts->rules_dir, errstr,
                                              sizeof(errstr));
                if (!rp->rules) {
                        /* The compiler-style line editors and CI parse. */
                        fprintf(stderr, "%s\n", errstr);
                        return fatal("cannot load rules", "rules",
                                     rp->opts->rules_dir, NULL);
                }
        } else if (!(rp->rules = bp_rules_new_default())) {
                return fatal("out of memory", NULL, NULL, NULL);
        }
        if (strcmp(rp->opts->input, "-") == 0) {
                rp->fd = STDIN_FILENO;
        } else {
                rp->fd = open(rp->opts->input, O_RDONLY | O_CLOEXEC);
                if (rp->fd < 0)
                        return fatal("cannot open input", "input",
                                     rp->opts->input, strerror(errno));
                rp->own_fd = 1;
        }
        rp->progress = bp_progress_new("replay", "lines", input_size(rp->fd));
        rp->map      = bp_state_map_new();
        rp->parser   = bp_jsonl_parser_new();
        rp->reader   = bp_line_reader_new(rp->fd, BP_LINE_MAX_DEFAULT);
        if (!rp->map || !rp->parser || !rp->reader ||
            bp_badge_events_init(&rp->events) != BP_OK)
                return fatal("out of memory", NULL, NULL, NULL);
        rp->events_ok = 1;
        return BP_EXIT_OK;
}

static void close_all(bp_replay_t *rp) {
        bp_progress_destroy(rp->progress);
        if (rp->events_ok)
                bp_badge_events_destroy(&rp->events);
        bp_line_reader_destroy(rp->reader);
        bp_jsonl_parser_destroy(rp->parser);
        bp_state_map_destroy(rp->map);
        bp_rules_destroy(rp->rules);
        bp_buf_free(&rp->out);
        if (rp->own_fd)
                close(rp->fd);
}

static int is_blank(const char *line, size_t len) {
        size_t i;

        for (i = 0; i < len; i++)
                if (line[i] != ' ' && line[i] != '\t')
                        return 0;
        return 1;
}

static void reject(bp_replay_t *rp, const char *msg) {
        bp_progress_clear(rp->progress);
        rp->rejected++;
        fprintf(stderr, "line %" PRIu64 ": %s\n", rp->lines, msg);
}

/* Applies one line. BP_EXIT_OK (also for a rejected line) or
 * BP_EXIT_FATAL. */
static int replay_line(bp_replay_t *rp, const char *line, size_t len) {
        char             errstr[512];
        bp_event_t       ev;
        bp_cause_t       cause;
        bp_freelancer_t *fl;
        bp_err_t         err;
        size_t           i;

        if (is_blank(line, len))
                return BP_EXIT_OK;
        err = bp_jsonl_parser_parse(rp->parser, line, len, &ev, errstr,
                                    sizeof(errstr));
        if (err == BP_ERR_NOMEM)
                return fatal("out of memory", NULL, NULL, NULL);
        if (err != BP_OK) {
                reject(rp, errstr);
                return BP_EXIT_OK;
        }
        cause.event_id  = ev.event_id;
        cause.topic     = bp_event_type_name(ev.type);
        cause.partition = 0;
        cause.offset    = (int64_t)(rp->lines - 1);
        fl              = bp_state_map_get(rp->map, ev.freelancer_id);
        if (!fl || bp_engine_apply(rp->rules, fl, &ev, &cause, &rp->events,
                                   NULL) != BP_OK)
                return fatal("out of memory", NULL, NULL, NULL);
        for (i = 0; i < rp->events.cnt; i++)
                if (bp_jsonl_write_badge(&rp->out, &rp->events.items[i]) !=
                    BP_OK)
                        return fatal("cannot write badge event", NULL, NULL,
                                     NULL);
        rp->published += rp->events.cnt;
        bp_badge_events_clear(&rp->events);
        if (rp->out.len >= BP_REPLAY_FLUSH && flush_out(rp) != 0)
                return fatal("cannot write output", NULL, NULL,
                             strerror(errno));
        return BP_EXIT_OK;
}

static int replay_run(bp_replay_t *rp) {
        const char *line;
        size_t      len;
        int         rc;
        char        msg[96];

        while ((rc = bp_line_reader_next(rp->reader, &line, &len)) != 0) {
                if (rc == BP_ERR_IO)
                        return fatal("cannot read input", "input",
                                     rp->opts->input, strerror(errno));
                rp->lines = bp_line_reader_lineno(rp->reader);
                rp->bytes += len + 1;
                bp_progress_update(rp->progress, rp->lines, rp->bytes);
                if (rc == BP_ERR_TOO_LARGE) {
                        snprintf(msg, sizeof(msg),
                                 "line of %zu bytes, longer than the limit "
                                 "of %d",
                                 len, BP_LINE_MAX_DEFAULT);
                        reject(rp, msg);
                        continue;
                }
                if ((rc = replay_line(rp, line, len)) != BP_EXIT_OK)
                        return rc;
        }
        if (flush_out(rp) != 0)
                return fatal("cannot write output", NULL, NULL,
                             strerror(errno));
        /* The summary line that follows starts on a clean line. */
        bp_progress_clear(rp->progress);
        return BP_EXIT_OK;
}

static double seconds_since(const struct timespec *t0) {
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) +
               (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void log_done(const bp_replay_t *rp, double secs) {
        fprintf(stderr,
                "level=info cmd=replay msg=done lines=%" PRIu64
                " published=%" PRIu64 " rejected=%" PRIu64
                " seconds=%.3f lines_per_second=%.0f rules_version=%s\n",
                rp->lines, rp->published, rp->rejected, secs,
                secs > 0 ? (double)rp->lines / secs : 0.0, rp->rules->version);
}

int bp_cmd_replay(int argc, char **argv) {
        bp_replay_opts_t opts;
        bp_replay_t      rp = {.fd = -1};
        struct timespec  t0;
        int              rc;

        rc = parse_args(argc, argv, &opts);
        if (rc != 0)
                return rc > 0 ? BP_EXIT_OK : BP_EXIT_USAGE;
        rp.opts = &opts;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = open_all(&rp);
        if (rc == BP_EXIT_OK)
                rc = replay_run(&rp);
        if (rc == BP_EXIT_OK) {
                if (!opts.quiet)
                        log_done(&rp, seconds_since(&t0));
                if (rp.rejected > 0) {
                        fprintf(stderr,
                                "replay: %" PRIu64 " lines, %" PRIu64
                                " events published, %" PRIu64 " rejected\n",
                                rp.lines, rp.published, rp.rejected);
                        rc = BP_EXIT_REJECTED;
                }
        }
        close_all(&rp);
        return rc;
}
