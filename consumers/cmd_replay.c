/*
 * cmd_replay.c - `badgeproc replay`: the engine over a recorded history.
 *
 * Reads input events from a JSON Lines file (in file order) or from a
 * range of the four Kafka input topics (in the runtime's merge order, see
 * bp_source.h), applies each to a fresh in-memory state map with the
 * engine, and writes every published badge event as one JSON line on
 * stdout, or produces it to a topic of the caller's choice. This is what
 * auditors use to answer "why did this freelancer hold this badge" from
 * history, and what the tests and the benchmark drive the engine with; it
 * shares the engine, the rules loader and the codecs with the runtime, so
 * its output is what the runtime would publish for the same events in the
 * same order. It never opens the state store nor writes a live topic.
 *
 * stdout carries badge events only, so it can be piped into other tools;
 * rejections, the summary and logs (key=value lines) go to stderr. A bad
 * line or record never stops the run: it is reported and skipped, and the
 * exit status says that something was skipped. Output is buffered and
 * written in large blocks; a failed write stops the run. With
 * --decision-log, every badge change is also appended to a file with its
 * full requirement breakdown (bp_decision_log.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_decision_log.h"
#include "bp_jsonl.h"
#include "bp_source.h"
#include "bp_state_map.h"
#include "bp_tool.h"
#include "bp_topic_out.h"
#include "commands.h"

#define CMD "replay"
/* How long the last records may take to reach --output-topic. */
#define BP_REPLAY_FLUSH_MS 30000

static const char replay_help[] =
    "usage: badgeproc replay [--rules DIR] --input FILE [--quiet]\n"
    "       badgeproc replay [--rules DIR] --brokers LIST [range options]\n"
    "                        [--output-topic TOPIC] [--decision-log FILE]\n"
    "                        [--state-out FILE]\n"
    "\n"
    "Applies the input events of FILE (JSON Lines, EVENTS.md, or Avro:\n"
    "see --input-format; `-` reads standard input) in file order, of\n"
    "several files merged by occurred_at, or of the four Kafka input\n"
    "topics, to an empty in-memory state, and writes each badge-granted /\n"
    "badge-revoked event published as one JSON line on standard output,\n"
    "which carries nothing else. From a file, each event's cause is\n"
    "{event_id, topic: the input type, partition: the file's 0-based\n"
    "position among the inputs, offset: the 0-based line, record or datum\n"
    "number}; from Kafka it is the record's topic, partition and\n"
    "offset. Everything else is the same for the same events in the same\n"
    "order: a file in (occurred_at, type) order, as `gen` writes it, gives\n"
    "the output of the same events produced to Kafka but for cause.topic,\n"
    "cause.partition and cause.offset.\n"
    "\n"
    "From Kafka, records are read with assign() (no consumer group, no\n"
    "commit), from the oldest to the end at start unless a range is given,\n"
    "and applied per partition in the runtime's merge order (timestamp,\n"
    "input topic, offset), partitions interleaved by (timestamp, input\n"
    "topic, partition, offset). The state store and the live output topic\n"
    "are never touched.\n"
    "\n"
    "options:\n"
    "  -r, --rules DIR         rules directory (platform.yaml,\n"
    "                          <partner>.yaml); without it, the platform\n"
    "                          defaults and no partner requirements\n"
    "  -o, --output-topic T    produce the badge events to topic T (Avro,\n"
    "                          keyed by freelancer_id) instead of standard\n"
    "                          output; needs --brokers; T may not be an\n"
    "                          input topic nor badge-events, badge-dlq,\n"
    "                          badge-state-changelog\n"
    "  -d, --decision-log FILE append each badge change with its full\n"
    "                          requirement breakdown to FILE (JSON Lines)\n"
    "  -s, --state-out FILE    at the end, write every freelancer's state to\n"
    "                          FILE, one JSON line each (the form of\n"
    "                          `badgeproc state dump`, in no particular "
    "order)\n"
    "  -q, --quiet             no key=value log lines on standard error\n"
    "  -h, --help              this text\n" BP_SOURCE_HELP "\n"
    "Blank lines are ignored, and so are fields an event type does not\n"
    "have (new optional fields may be added to the contract). A line that\n"
    "is not a valid event (bad JSON, unknown type, missing or mistyped\n"
    "field, value out of range) is reported on standard error as\n"
    "`line N: message` (N 1-based) and skipped; the run goes on. A line\n"
    "longer than 1 MiB (a binary file, an input without newlines) stops\n"
    "the run: `line N: longer than the limit of 1048576 bytes`, status 1.\n"
    "Avro records from files are reported as `FILE:record N at byte B:\n"
    "message` (container files: `FILE:record N in block K at byte B:\n"
    "message`) and skipped; a file whose framing is broken stops the run.\n"
    "A Kafka record that cannot be decoded, or whose key is not its\n"
    "freelancer_id, is reported as `TOPIC/PARTITION@OFFSET: message` and\n"
    "skipped, as the runtime dead-letters it.\n"
    "An event that would take its freelancer's state past a limit (32768\n"
    "contracts, 512 skills, 256 partners) is reported as `replay: input K,\n"
    "line N: event ID of FREELANCER refused: state limit: ...` (from Kafka:\n"
    "`replay: TOPIC/PARTITION@OFFSET: ...`), counted as rejected and\n"
    "skipped, as the runtime dead-letters it.\n"
    "Unless --quiet, the run ends with a key=value line on standard error:\n"
    "level=info cmd=replay msg=done lines= published= rejected= seconds=\n"
    "lines_per_second= rules_version= (from Kafka: records= events=\n"
    "published= rejected= seconds= events_per_second= rules_version=)\n"
    "\n"
    "exit status:\n"
    "  0  every line was applied\n"
    "  3  some lines were rejected; a last stderr line says\n"
    "     `replay: N lines, M events published, K rejected`\n"
    "  1  fatal: a rules error (printed as file:line:column: message),\n"
    "     unreadable input, a Kafka error, a failed write, out of memory\n"
    "  2  wrong command line\n";

typedef struct bp_replay_opts_s {
        const char      *rules_dir; /* NULL: platform defaults */
        const char      *output_topic;
        const char      *decision_log;
        const char      *state_out; /* NULL: none */
        int              quiet;
        bp_source_opts_t src;
} bp_replay_opts_t;

typedef struct bp_replay_s {
        bp_replay_opts_t  *opts;
        bp_rules_t        *rules;
        bp_state_map_t    *map;
        bp_source_t       *source;
        bp_codec_t        *codec; /* --output-topic */
        bp_topic_out_t    *topic_out;
        bp_decision_log_t *dlog;
        bp_badge_events_t  events;
        int                events_ok; /* events was initialised */
        bp_buf_t           out;
        uint64_t           published;
} bp_replay_t;

static int usage(void) {
        fputs("usage: badgeproc replay [--rules DIR] --input FILE [--quiet]\n"
              "(`badgeproc replay --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

/* Handles one option; returns -1 to go on, else the exit status. */
static int parse_opt(int c, const char *arg, void *opaque) {
        bp_replay_opts_t *o = opaque;

        switch (c) {
        case 'r':
                o->rules_dir = arg;
                return -1;
        case 'o':
                o->output_topic = arg;
                return -1;
        case 'd':
                o->decision_log = arg;
                return -1;
        case 's':
                o->state_out = arg;
                return -1;
        case 'q':
                o->quiet = 1;
                return -1;
        case 'h':
                fputs(replay_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage(); /* getopt has said what was wrong */
        }
}

/* Checks that the output topic is none of the live ones nor an input. */
static int check_output_topic(bp_replay_opts_t *o) {
        char        names[BP_EV__CNT][BP_KAFKA_TOPIC_MAX + 1], errstr[512];
        const char *avoid[BP_EV__CNT];
        int         t;

        if (!o->src.kafka.brokers) {
                fputs(CMD ": --output-topic needs --brokers\n", stderr);
                return -1;
        }
        for (t = 0; t < BP_EV__CNT; t++)
                avoid[t] =
                    bp_source_topic(&o->src, t, names[t], sizeof(names[t]));
        if (bp_topic_out_check_name(o->output_topic, avoid, BP_EV__CNT, errstr,
                                    sizeof(errstr))) {
                fprintf(stderr, CMD ": --output-topic: %s\n", errstr);
                return -1;
        }
        return 0;
}

/* Fills o from argv. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bp_replay_opts_t *o) {
        static const struct option longopts[] = {
            BP_SOURCE_LONGOPTS,
            {"rules", required_argument, NULL, 'r'},
            {"output-topic", required_argument, NULL, 'o'},
            {"decision-log", required_argument, NULL, 'd'},
            {"quiet", no_argument, NULL, 'q'},
            {"state-out", required_argument, NULL, 's'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const bp_tool_args_t args = {
            CMD, "r:o:d:s:qh", longopts, &o->src, parse_opt, o, usage};
        int rc = bp_tool_parse(&args, argc, argv);

        if (rc >= 0)
                return rc;
        if (bp_source_opts_check(CMD, &o->src) ||
            (o->output_topic && check_output_topic(o)))
                return usage();
        return -1;
}

static int fatal(const char *what, const char *error) {
        bp_tool_fatal(CMD, what, NULL, NULL, error);
        return BP_EXIT_FATAL;
}

static int open_outputs(bp_replay_t *rp) {
        bp_codec_conf_t cconf = {0};
        char            errstr[512];

        if (rp->opts->decision_log &&
            !(rp->dlog = bp_decision_log_open(rp->opts->decision_log, errstr,
                                              sizeof(errstr))))
                return fatal("cannot open decision log", errstr);
        if (!rp->opts->output_topic)
                return BP_EXIT_OK;
        cconf.schema_map   = rp->opts->src.kafka.schema_map;
        cconf.registry_url = rp->opts->src.kafka.registry;
        if (!(rp->codec = bp_codec_new(&cconf, errstr, sizeof(errstr))))
                return fatal("cannot load schemas", errstr);
        rp->topic_out =
            bp_topic_out_new(&rp->opts->src.kafka, rp->opts->output_topic,
                             rp->codec, errstr, sizeof(errstr));
        if (!rp->topic_out)
                return fatal("cannot create producer", errstr);
        return BP_EXIT_OK;
}

static int open_all(bp_replay_t *rp) {
        if (!(rp->rules = bp_tool_load_rules(CMD, rp->opts->rules_dir)))
                return BP_EXIT_FATAL;
        rp->map = bp_state_map_new();
        if (!rp->map || bp_badge_events_init(&rp->events) != BP_OK)
                return fatal("out of memory", NULL);
        rp->events_ok = 1;
        if (!(rp->source = bp_source_open(CMD, &rp->opts->src)))
                return BP_EXIT_FATAL;
        return open_outputs(rp);
}

static void close_all(bp_replay_t *rp) {
        if (rp->events_ok)
                bp_badge_events_destroy(&rp->events);
        bp_source_destroy(rp->source);
        bp_topic_out_destroy(rp->topic_out);
        bp_codec_destroy(rp->codec);
        bp_decision_log_close(rp->dlog);
        bp_state_map_destroy(rp->map);
        bp_rules_destroy(rp->rules);
        bp_buf_free(&rp->out);
}

/* Writes the events of one apply to stdout's buffer or the topic. */
static int emit(bp_replay_t *rp) {
        char   errstr[512];
        size_t i;

        for (i = 0; i < rp->events.cnt; i++) {
                const bp_badge_event_t *ev = &rp->events.items[i];
                if (rp->topic_out) {
                        if (bp_topic_out_send(rp->topic_out, ev, errstr,
                                              sizeof(errstr)))
                                return fatal("cannot produce badge event",
                                             errstr);
                } else if (bp_jsonl_write_badge(&rp->out, ev) != BP_OK) {
                        return fatal("cannot write badge event", NULL);
                }
        }
        rp->published += rp->events.cnt;
        bp_badge_events_clear(&rp->events);
        if (bp_tool_flush_if_full(&rp->out, STDOUT_FILENO) != 0)
                return fatal("cannot write output", strerror(errno));
        return BP_EXIT_OK;
}

/* Applies one event. BP_EXIT_OK or BP_EXIT_FATAL. */
static int replay_event(bp_replay_t *rp, const bp_event_t *ev,
                        const bp_cause_t *cause) {
        bp_freelancer_t *fl;
        bp_err_t         err;

        err = bp_tool_apply(rp->map, rp->rules, ev, cause, &rp->events, &fl);
        if (err == BP_ERR_TOO_LARGE) {
                bp_tool_refuse(rp->source, fl, ev, cause);
                return BP_EXIT_OK;
        }
        if (err)
                return fatal("out of memory", NULL);
        err = bp_decision_log_append(rp->dlog, rp->rules, fl, &rp->events);
        if (err)
                return fatal("cannot write decision log",
                             err == BP_ERR_IO ? strerror(errno)
                                              : bp_err_str(err));
        return emit(rp);
}

static int replay_run(bp_replay_t *rp) {
        bp_event_t ev;
        bp_cause_t cause;
        char       errstr[512];
        int        n, rc;

        while ((n = bp_source_next(rp->source, &ev, &cause)) > 0)
                if ((rc = replay_event(rp, &ev, &cause)) != BP_EXIT_OK)
                        return rc;
        if (n < 0)
                return BP_EXIT_FATAL;
        if (bp_tool_flush(&rp->out, STDOUT_FILENO) != 0)
                return fatal("cannot write output", strerror(errno));
        if (bp_decision_log_flush(rp->dlog) != BP_OK)
                return fatal("cannot write decision log", strerror(errno));
        if (rp->topic_out &&
            bp_topic_out_flush(rp->topic_out, BP_REPLAY_FLUSH_MS, errstr,
                               sizeof(errstr)))
                return fatal("cannot produce badge events", errstr);
        return BP_EXIT_OK;
}

static double seconds_since(const struct timespec *t0) {
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) +
               (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void log_done(const bp_replay_t *rp, double secs) {
        const bp_source_stats_t *st = bp_source_stats(rp->source);

        if (bp_source_is_kafka(rp->source))
                fprintf(stderr,
                        "level=info cmd=replay msg=done records=%" PRIu64
                        " events=%" PRIu64 " published=%" PRIu64
                        " rejected=%" PRIu64
                        " seconds=%.3f events_per_second=%.0f "
                        "rules_version=%s\n",
                        st->read, st->events, rp->published, st->rejected, secs,
                        secs > 0 ? (double)st->events / secs : 0.0,
                        rp->rules->version);
        else
                fprintf(stderr,
                        "level=info cmd=replay msg=done lines=%" PRIu64
                        " published=%" PRIu64 " rejected=%" PRIu64
                        " seconds=%.3f lines_per_second=%.0f "
                        "rules_version=%s\n",
                        st->read, rp->published, st->rejected, secs,
                        secs > 0 ? (double)st->read / secs : 0.0,
                        rp->rules->version);
}

static int state_line(bp_freelancer_t *fl, void *opaque) {
        return bp_jsonl_write_state(opaque, fl) == BP_OK ? 0 : 1;
}

/* --state-out: the final state of every freelancer, as `state dump`
 * prints the runtime's, so that the two can be compared. */
static int write_states(const bp_replay_t *rp) {
        bp_buf_t buf = {0};
        FILE    *f;
        int      rc = BP_EXIT_OK;

        if (bp_state_map_foreach(rp->map, state_line, &buf))
                rc = fatal("cannot write state", NULL);
        else if (!(f = fopen(rp->opts->state_out, "w")))
                rc = fatal("cannot open state output", strerror(errno));
        else if ((buf.len && fwrite(buf.data, buf.len, 1, f) != 1) |
                 (fclose(f) != 0))
                rc = fatal("cannot write state output", strerror(errno));
        bp_buf_free(&buf);
        return rc;
}

/* The run's last words: the summary and the exit status. */
static int finish(const bp_replay_t *rp, const struct timespec *t0) {
        const bp_source_stats_t *st = bp_source_stats(rp->source);

        if (!rp->opts->quiet)
                log_done(rp, seconds_since(t0));
        if (st->rejected == 0)
                return BP_EXIT_OK;
        fprintf(stderr,
                "replay: %" PRIu64 " %s, %" PRIu64 " events published, %" PRIu64
                " rejected\n",
                st->read, bp_source_is_kafka(rp->source) ? "records" : "lines",
                rp->published, st->rejected);
        return BP_EXIT_REJECTED;
}

int bp_cmd_replay(int argc, char **argv) {
        bp_replay_opts_t opts = {0};
        bp_replay_t      rp   = {0};
        struct timespec  t0;
        int              rc;

        bp_source_opts_init(&opts.src);
        rc = parse_args(argc, argv, &opts);
        if (rc >= 0)
                goto out;
        rp.opts = &opts;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = open_all(&rp);
        if (rc == BP_EXIT_OK)
                rc = replay_run(&rp);
        if (rc == BP_EXIT_OK && opts.state_out)
                rc = write_states(&rp);
        if (rc == BP_EXIT_OK)
                rc = finish(&rp, &t0);
        close_all(&rp);
out:
        bp_source_opts_free(&opts.src);
        return rc;
}
