/*
 * cmd_gen.c - `badgeproc gen`: a seeded stream of realistic input events.
 *
 * Writes the generator's events (bp_gen.h) as JSON Lines, the form replay
 * and produce read, so the same seed feeds the demo, the tests, the
 * benchmarks and an auditor's reproduction alike. Output is buffered and
 * written in large blocks; a failed write stops the run with status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_buf.h"
#include "bp_gen.h"
#include "bp_jsonl.h"
#include "commands.h"

#define GEN_FLUSH (64 * 1024)

static const char gen_help[] =
    "usage: badgeproc gen [--events N] [--freelancers N] [--partners N]\n"
    "                     [--seed N] [--start-ms MS] [--step-ms MS]\n"
    "\n"
    "Writes N input events (JSON Lines, EVENTS.md) on standard output: a\n"
    "seeded mix of invitations, profile snapshots that cross thresholds,\n"
    "completed contracts (one in twenty redelivered) and partner decisions\n"
    "of every kind. The same options always give the same bytes.\n"
    "Partners are named acme, globex, hooli, initech, umbrella, stark,\n"
    "wayne, wonka (the first N); tests/data/rules-gen has rules for them.\n"
    "\n"
    "defaults: --events 10000 --freelancers 1000 --partners 5 --seed 1\n"
    "          --start-ms 1767225600000 (2026-01-01) --step-ms 1000\n";

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

static int generate(const bp_gen_conf_t *conf, uint64_t events) {
        bp_gen_t  *gen = bp_gen_new(conf);
        bp_buf_t   buf = {0};
        bp_event_t ev;
        uint64_t   i;
        int        rc = BP_EXIT_OK;

        if (!gen) {
                fprintf(stderr, "badgeproc gen: bad generator settings\n");
                return BP_EXIT_USAGE;
        }
        for (i = 0; i < events; i++) {
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
        }
        if (rc == BP_EXIT_OK && write_all(&buf))
                rc = BP_EXIT_FATAL;
        bp_buf_free(&buf);
        bp_gen_destroy(gen);
        return rc;
}

int bp_cmd_gen(int argc, char **argv) {
        static const struct option opts[] = {
            {"events", required_argument, NULL, 'n'},
            {"freelancers", required_argument, NULL, 'f'},
            {"partners", required_argument, NULL, 'p'},
            {"seed", required_argument, NULL, 's'},
            {"start-ms", required_argument, NULL, 't'},
            {"step-ms", required_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        bp_gen_conf_t conf;
        uint64_t      events = 10000, v;
        int           c;

        bp_gen_conf_defaults(&conf);
        optind = 1;
        while ((c = getopt_long(argc, argv, "n:f:p:s:t:d:h", opts, NULL)) !=
               -1) {
                switch (c) {
                case 'n':
                        if (parse_count("--events", optarg, UINT64_MAX,
                                        &events))
                                return BP_EXIT_USAGE;
                        break;
                case 'f':
                        if (parse_count("--freelancers", optarg, 100000000,
                                        &v) ||
                            v == 0)
                                return BP_EXIT_USAGE;
                        conf.freelancers = (uint32_t)v;
                        break;
                case 'p':
                        if (parse_count("--partners", optarg,
                                        BP_GEN_PARTNERS_MAX, &v) ||
                            v == 0)
                                return BP_EXIT_USAGE;
                        conf.partners = (uint32_t)v;
                        break;
                case 's':
                        if (parse_count("--seed", optarg, UINT64_MAX, &v))
                                return BP_EXIT_USAGE;
                        conf.seed = v;
                        break;
                case 't':
                        if (parse_count("--start-ms", optarg, INT64_MAX / 2,
                                        &v))
                                return BP_EXIT_USAGE;
                        conf.start_ms = (int64_t)v;
                        break;
                case 'd':
                        if (parse_count("--step-ms", optarg, 86400000, &v) ||
                            v == 0)
                                return BP_EXIT_USAGE;
                        conf.step_ms = (uint32_t)v;
                        break;
                case 'h':
                        fputs(gen_help, stdout);
                        return BP_EXIT_OK;
                default:
                        fputs(gen_help, stderr);
                        return BP_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fputs(gen_help, stderr);
                return BP_EXIT_USAGE;
        }
        return generate(&conf, events);
}
