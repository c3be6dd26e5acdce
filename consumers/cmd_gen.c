/*
 * cmd_gen.c - `badgeproc gen`: a seeded stream of realistic input events.
 *
 * Writes the generator's events (bp_gen.h) as JSON Lines, the form replay
 * and produce read, or produces them to the input topics (--brokers), so
 * the same seed feeds the demo, the tests, the benchmarks and an auditor's
 * reproduction alike. Output is buffered and written in large blocks; a
 * failed write stops the run with status 1. --rate paces either output to
 * a target number of events per second. On a terminal, a progress line
 * goes to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_buf.h"
#include "bp_cli.h"
#include "bp_gen.h"
#include "bp_gen_send.h"
#include "bp_jsonl.h"
#include "bp_progress.h"
#include "commands.h"

#define CMD "gen"
#define GEN_FLUSH (64 * 1024)
/* How long the final flush to Kafka may take. */
#define GEN_FLUSH_MS 60000

static const char gen_help[] =
    "usage: badgeproc gen [--events N] [--freelancers N] [--partners N]\n"
    "                     [--seed N] [--start-ms MS] [--step-ms MS]\n"
    "                     [--rate N] [--brokers LIST [--topic-prefix P]\n"
    "                     [--schema-map FILE | --registry URL]\n"
    "                     [-X key=value]...]\n"
    "\n"
    "Writes N input events (JSON Lines, EVENTS.md) on standard output: a\n"
    "seeded mix of invitations, profile snapshots that cross thresholds,\n"
    "completed contracts (one in twenty redelivered) and partner decisions\n"
    "of every kind. The same options always give the same bytes.\n"
    "Partners are named acme, globex, hooli, initech, umbrella, stark,\n"
    "wayne, wonka (the first N); tests/data/rules-gen has rules for them.\n"
    "\n"
    "With --brokers the events are produced to their input topics instead,\n"
    "exactly as `badgeproc produce` would produce the JSON Lines (Avro in\n"
    "the Confluent framing, keyed by freelancer_id, Kafka timestamp =\n"
    "occurred_at, idempotent); the four topics must exist and be\n"
    "co-partitioned. --rate N sends at most N events per second (0: as\n"
    "fast as possible), to stdout or to Kafka.\n"
    "\n"
    "defaults: --events 10000 --freelancers 1000 --partners 5 --seed 1\n"
    "          --start-ms 1767225600000 (2026-01-01) --step-ms 1000\n"
    "          --rate 0\n"
    "\n"
    "exit status: 0 done, 1 fatal (a failed write, records not delivered,\n"
    "interrupted), 2 usage\n";

typedef struct bp_gen_opts_s {
        bp_gen_conf_t  conf;
        uint64_t       events;
        uint64_t       rate;
        const char    *prefix;
        bp_cli_kafka_t kafka;
} bp_gen_opts_t;

/* Parses a whole non-negative number, or fails with a usage message. */
static int parse_count(const char *opt, const char *s, uint64_t max,
                       uint64_t *out) {
        char              *end;
        unsigned long long v;
        errno = 0;
        v     = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > max) {
                fprintf(stderr,
                        "badgeproc gen: %s: '%s' is not a number "
                        "from 0 to %" PRIu64 "\n",
                        opt, s, max);
                return -1;
        }
        *out = v;
        return 0;
}

static int write_all(const bp_buf_t *buf) {
        size_t off = 0;
        while (off < buf->len) {
                ssize_t n =
                    write(STDOUT_FILENO, buf->data + off, buf->len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        fprintf(stderr, "badgeproc gen: write: %s\n",
                                strerror(errno));
                        return -1;
                }
                off += (size_t)n;
        }
        return 0;
}


static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps until event i is due at rate events/s from start. What is
 * buffered is written first, so that a paced stream leaves in pace. */
static int pace(bp_buf_t *buf, uint64_t i, uint64_t rate, double start) {
        double          ahead = start + (double)i / (double)rate - now_s();
        struct timespec ts;

        if (ahead <= 0.001)
                return 0;
        if (write_all(buf))
                return -1;
        bp_buf_reset(buf);
        ts.tv_sec  = (time_t)ahead;
        ts.tv_nsec = (long)((ahead - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
        return 0;
}

static int generate(const bp_gen_opts_t *o, bp_gen_t *gen) {
        bp_progress_t *progress = bp_progress_new(CMD, "events", o->events);
        bp_buf_t       buf      = {0};
        bp_event_t     ev;
        double         start = now_s();
        uint64_t       i;
        int            rc = BP_EXIT_OK;

        for (i = 0; i < o->events && !bp_cli_stopping(); i++) {
                if (o->rate && pace(&buf, i, o->rate, start)) {
                        rc = BP_EXIT_FATAL;
                        break;
                }
                bp_gen_next(gen, &ev);
                if (bp_jsonl_write_event(&buf, &ev) != BP_OK) {
                        fprintf(stderr,
                                "badgeproc gen: event %" PRIu64
                                " could not be written\n",
                                i);
                        rc = BP_EXIT_FATAL;
                        break;
                }
                if (buf.len >= GEN_FLUSH) {
                        if (write_all(&buf)) {
                                rc = BP_EXIT_FATAL;
                                break;
                        }
                        bp_buf_reset(&buf);
                }
                bp_progress_update(progress, i + 1, i + 1);
        }
        if (rc == BP_EXIT_OK && write_all(&buf))
                rc = BP_EXIT_FATAL;
        if (rc == BP_EXIT_OK && bp_cli_stopping())
                rc = BP_EXIT_FATAL;
        bp_progress_destroy(progress);
        bp_buf_free(&buf);
        return rc;
}

/* --brokers: the events onto their topics, then a flush. */
static int generate_kafka(const bp_gen_opts_t *o, bp_gen_t *gen) {
        const bp_evprod_conf_t conf = {.kafka    = &o->kafka,
                                       .prefix   = o->prefix,
                                       .cmd      = CMD,
                                       .tag_name = "event"};
        bp_gen_send_result_t   res  = {0};
        bp_evprod_counts_t     n    = {0};
        bp_progress_t         *progress;
        bp_evprod_t           *ep;
        char                   errstr[512];
        int                    bad_topic, rc = BP_EXIT_OK;

        if (!(ep = bp_evprod_new(&conf, &bad_topic, errstr, sizeof(errstr)))) {
                bp_cli_fatal(CMD, "cannot start", errstr);
                return bad_topic ? BP_EXIT_USAGE : BP_EXIT_FATAL;
        }
        progress = bp_progress_new(CMD, "events", o->events);
        if (bp_gen_send(gen, ep, o->events, o->rate, NULL, progress, CMD, &res,
                        errstr, sizeof(errstr))) {
                bp_cli_fatal(CMD, "kafka fatal error", errstr);
                rc = BP_EXIT_FATAL;
        }
        bp_progress_destroy(progress);
        if (bp_evprod_flush(ep, GEN_FLUSH_MS) || bp_cli_stopping() ||
            res.rejected)
                rc = BP_EXIT_FATAL;
        bp_evprod_counts(ep, &n);
        bp_cli_log("info", CMD,
                   "msg=done generated=%" PRIu64 " delivered=%" PRIu64
                   " rejected=%" PRIu64 " failed=%" PRIu64,
                   res.generated, n.delivered, res.rejected, n.failed);
        bp_evprod_destroy(ep);
        rd_kafka_wait_destroyed(5000);
        return rc;
}

/* Handles one option; returns -1 to go on, else the exit status. */
static int parse_opt(int c, bp_gen_opts_t *o) {
        int      taken = bp_cli_kafka_opt(CMD, &o->kafka, c, optarg);
        uint64_t v;

        if (taken)
                return taken > 0 ? -1 : BP_EXIT_USAGE;
        switch (c) {
        case 'n':
                return parse_count("--events", optarg, UINT64_MAX, &o->events)
                           ? BP_EXIT_USAGE
                           : -1;
        case 'f':
                if (parse_count("--freelancers", optarg, 100000000, &v) ||
                    v == 0)
                        return BP_EXIT_USAGE;
                o->conf.freelancers = (uint32_t)v;
                return -1;
        case 'p':
                if (parse_count("--partners", optarg, BP_GEN_PARTNERS_MAX,
                                &v) ||
                    v == 0)
                        return BP_EXIT_USAGE;
                o->conf.partners = (uint32_t)v;
                return -1;
        case 's':
                return parse_count("--seed", optarg, UINT64_MAX, &o->conf.seed)
                           ? BP_EXIT_USAGE
                           : -1;
        case 't':
                if (parse_count("--start-ms", optarg, INT64_MAX / 2, &v))
                        return BP_EXIT_USAGE;
                o->conf.start_ms = (int64_t)v;
                return -1;
        case 'd':
                if (parse_count("--step-ms", optarg, 86400000, &v) || v == 0)
                        return BP_EXIT_USAGE;
                o->conf.step_ms = (uint32_t)v;
                return -1;
        case 'R':
                return parse_count("--rate", optarg, 100000000, &o->rate)
                           ? BP_EXIT_USAGE
                           : -1;
        case 'P':
                o->prefix = optarg;
                return -1;
        case 'h':
                fputs(gen_help, stdout);
                return BP_EXIT_OK;
        default:
                fputs(gen_help, stderr);
                return BP_EXIT_USAGE;
        }
}

static int parse_args(int argc, char **argv, bp_gen_opts_t *o) {
        static const struct option opts[] = {
            BP_CLI_KAFKA_LONGOPTS,
            {"events", required_argument, NULL, 'n'},
            {"freelancers", required_argument, NULL, 'f'},
            {"partners", required_argument, NULL, 'p'},
            {"seed", required_argument, NULL, 's'},
            {"start-ms", required_argument, NULL, 't'},
            {"step-ms", required_argument, NULL, 'd'},
            {"rate", required_argument, NULL, 'R'},
            {"topic-prefix", required_argument, NULL, 'P'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        int c, rc;

        optind = 1;
        while (
            (c = getopt_long(argc, argv, "n:f:p:s:t:d:h" BP_CLI_KAFKA_SHORTOPTS,
                             opts, NULL)) != -1)
                if ((rc = parse_opt(c, o)) >= 0)
                        return rc;
        if (optind < argc) {
                fputs(gen_help, stderr);
                return BP_EXIT_USAGE;
        }
        if ((o->prefix || o->kafka.schema_map || o->kafka.registry ||
             o->kafka.props.cnt) &&
            !o->kafka.brokers) {
                fputs("badgeproc gen: --topic-prefix, --schema-map, "
                      "--registry and -X need --brokers\n",
                      stderr);
                return BP_EXIT_USAGE;
        }
        return -1;
}

int bp_cmd_gen(int argc, char **argv) {
        bp_gen_opts_t o = {.events = 10000};
        bp_gen_t     *gen;
        int           rc;

        bp_gen_conf_defaults(&o.conf);
        if ((rc = parse_args(argc, argv, &o)) >= 0)
                goto out;
        if (!(gen = bp_gen_new(&o.conf))) {
                fprintf(stderr, "badgeproc gen: bad generator settings\n");
                rc = BP_EXIT_USAGE;
                goto out;
        }
        if (bp_cli_stop_on_signals() < 0) {
                bp_cli_fatal(CMD, "sigaction", strerror(errno));
                rc = BP_EXIT_FATAL;
        } else {
                rc = o.kafka.brokers ? generate_kafka(&o, gen)
                                     : generate(&o, gen);
        }
        bp_gen_destroy(gen);
out:
        bp_cli_kafka_free(&o.kafka);
        return rc;
}
