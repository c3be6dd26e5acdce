/*
 * cmd_produce.c - `badgeproc produce`: JSON Lines input events onto Kafka.
 *
 * Reads input events in the JSON Lines form of EVENTS.md (what `replay`
 * reads), encodes each with the same codec the runtime decodes with (Avro
 * in the Confluent framing) and produces it to the input topic of its
 * type, keyed by freelancer_id, with the record's Kafka timestamp set to
 * the event's occurred_at (DESIGN.md: the runtime merges the four inputs
 * by that timestamp). The producing itself is bp_evprod.h's, shared with
 * `gen --brokers` and the demo; this file reads lines and reports.
 *
 * Like `replay`, a bad line does not stop the run: it is reported on
 * stderr as `line N: message` and skipped, and the exit status says so.
 * A line over the 1 MiB limit does: the input is not JSON Lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_cli.h"
#include "bp_evprod.h"
#include "bp_jsonl.h"
#include "bp_kafka.h"
#include "bp_line_reader.h"
#include "commands.h"

#define CMD "produce"
/* How long the final flush may take before what is left is purged; the
 * message timeout below ends every record's fate sooner. */
#define BP_PRODUCE_FLUSH_MS 60000

static const char produce_help[] =
    "usage: badgeproc produce --brokers LIST --input FILE\n"
    "                         [--topic-prefix P | --topics A,B,C,D]\n"
    "                         [--in-order]\n"
    "                         [--schema-map FILE | --registry URL]\n"
    "                         [-X key=value]...\n"
    "\n"
    "Encodes each input event of FILE (JSON Lines, EVENTS.md; `-` reads\n"
    "standard input) as Avro in the Confluent framing and produces it to\n"
    "the topic of its type, keyed by freelancer_id, with the Kafka\n"
    "timestamp set to occurred_at. The producer is idempotent. The four\n"
    "topics must exist and have the same partition count.\n"
    "\n"
    "options:\n"
    "  -b, --brokers LIST      bootstrap servers (host:port,...)\n"
    "  -i, --input FILE        the events, or - for standard input\n"
    "  -p, --topic-prefix P    topics are P + profile-updated, ... (e.g.\n"
    "                          P=test1. gives test1.profile-updated)\n"
    "  -t, --topics A,B,C,D    the profile-updated, contract-completed,\n"
    "                          invitation-sent and partner-decision topics\n"
    "  -o, --in-order          wait for each record's delivery before\n"
    "                          sending the next: a reader never sees a\n"
    "                          record before every earlier line's, on\n"
    "                          any topic (a live feed, about 1,000\n"
    "                          records/s on loopback)\n"
    "  -m, --schema-map FILE   local schema id map (default\n"
    "                          schemas/schema-map.txt)\n"
    "  -r, --registry URL      register / look up schemas in this registry\n"
    "  -X key=value            a librdkafka property (repeatable)\n"
    "  -h, --help              this text\n"
    "\n"
    "Blank lines are ignored. A line that is not a valid event (as for\n"
    "`replay`), or whose occurred_at is not after 1970-01-01T00:00:00Z\n"
    "(not a Kafka timestamp), is reported on standard error as\n"
    "`line N: message` and skipped. A line longer than 1 MiB stops the\n"
    "run (status 1): `line N: longer than the limit of 1048576 bytes`.\n"
    "A last stderr line gives the counts: lines, delivered, rejected,\n"
    "failed.\n"
    "\n"
    "exit status: 0 every line delivered, 3 some lines rejected, the rest\n"
    "delivered, 1 fatal or some records not delivered (or interrupted by\n"
    "SIGINT/SIGTERM), 2 usage\n";

typedef struct bp_produce_opts_s {
        bp_cli_kafka_t kafka;
        const char    *input;
        const char    *prefix;
        bool           in_order; /* each record delivered before the next */
        bp_cli_list_t  topics;   /* empty, or the four topic names */
} bp_produce_opts_t;

typedef struct bp_produce_s {
        const bp_produce_opts_t *o;
        bp_evprod_t             *ep;
        bp_jsonl_parser_t       *parser;
        bp_line_reader_t        *reader;
        int                      fd, own_fd;
        uint64_t                 lines, rejected;
} bp_produce_t;

static int usage(void) {
        fputs("usage: badgeproc produce --brokers LIST --input FILE "
              "[--topic-prefix P | --topics A,B,C,D] ...\n"
              "(`badgeproc produce --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

/* Handles one option; returns -1 to go on, else the exit status. */
static int parse_opt(int c, bp_produce_opts_t *o) {
        int taken = bp_cli_kafka_opt(CMD, &o->kafka, c, optarg);

        if (taken)
                return taken > 0 ? -1 : usage();
        switch (c) {
        case 'i':
                o->input = optarg;
                break;
        case 'p':
                o->prefix = optarg;
                break;
        case 't':
                if (bp_cli_list_split(&o->topics, optarg) == BP_OK &&
                    o->topics.cnt == BP_EV__CNT)
                        return -1;
                fprintf(stderr,
                        CMD ": --topics: expected four names, got "
                            "\"%s\"\n",
                        optarg);
                return usage();
        case 'o':
                o->in_order = true;
                break;
        case 'h':
                fputs(produce_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage(); /* getopt has said what was wrong */
        }
        return -1;
}

/* Fills o from argv. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bp_produce_opts_t *o) {
        static const struct option longopts[] = {
            BP_CLI_KAFKA_LONGOPTS,
            {"input", required_argument, NULL, 'i'},
            {"topic-prefix", required_argument, NULL, 'p'},
            {"topics", required_argument, NULL, 't'},
            {"in-order", no_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        int c, rc;

        optind = 1;
        while ((c = getopt_long(argc, argv, "i:p:t:oh" BP_CLI_KAFKA_SHORTOPTS,
                                longopts, NULL)) != -1)
                if ((rc = parse_opt(c, o)) >= 0)
                        return rc;
        if (optind < argc) {
                fprintf(stderr, CMD ": unexpected argument \"%s\"\n",
                        argv[optind]);
                return usage();
        }
        if (!o->kafka.brokers || !o->input) {
                fputs(CMD ": --brokers and --input are required\n", stderr);
                return usage();
        }
        if (o->prefix && o->topics.cnt) {
                fputs(CMD ": --topic-prefix and --topics exclude each other\n",
                      stderr);
                return usage();
        }
        return -1;
}

/* Logs a fatal error and returns BP_EXIT_FATAL: the one way out on error. */
static int fatal(const char *what, const char *errstr) {
        bp_cli_fatal(CMD, what, errstr);
        return BP_EXIT_FATAL;
}

static int open_input(bp_produce_t *pr) {
        if (strcmp(pr->o->input, "-") == 0) {
                pr->fd = STDIN_FILENO;
        } else {
                pr->fd = open(pr->o->input, O_RDONLY | O_CLOEXEC);
                if (pr->fd < 0)
                        return fatal("cannot open input", strerror(errno));
                pr->own_fd = 1;
        }
        pr->parser = bp_jsonl_parser_new();
        pr->reader = bp_line_reader_new(pr->fd, BP_LINE_MAX_DEFAULT);
        if (!pr->parser || !pr->reader)
                return fatal("out of memory", "");
        return BP_EXIT_OK;
}

static int open_all(bp_produce_t *pr) {
        const bp_evprod_conf_t conf = {
            .kafka    = &pr->o->kafka,
            .topics   = pr->o->topics.cnt
                            ? (const char *const *)pr->o->topics.items
                            : NULL,
            .prefix   = pr->o->prefix,
            .cmd      = CMD,
            .tag_name = "line"};
        char errstr[512];
        int  bad_topic;

        if (!(pr->ep =
                  bp_evprod_new(&conf, &bad_topic, errstr, sizeof(errstr)))) {
                if (!bad_topic)
                        return fatal("cannot start", errstr);
                fprintf(stderr, CMD ": %s\n", errstr);
                return BP_EXIT_USAGE;
        }
        return open_input(pr);
}

static void reject(bp_produce_t *pr, const char *msg) {
        pr->rejected++;
        fprintf(stderr, "line %" PRIu64 ": %s\n", pr->lines, msg);
}

static int is_blank(const char *line, size_t len) {
        size_t i;

        for (i = 0; i < len; i++)
                if (line[i] != ' ' && line[i] != '\t')
                        return 0;
        return 1;
}

/* Parses, encodes and sends one line; a bad line is rejected. */
static int produce_line(bp_produce_t *pr, const char *line, size_t len) {
        bp_event_t ev;
        char       errstr[512];
        bp_err_t   err;

        if (is_blank(line, len))
                return BP_EXIT_OK;
        err = bp_jsonl_parser_parse(pr->parser, line, len, &ev, errstr,
                                    sizeof(errstr));
        if (err == BP_ERR_NOMEM)
                return fatal("out of memory", "");
        if (err) {
                reject(pr, errstr);
                return BP_EXIT_OK;
        }
        err = bp_evprod_send(pr->ep, &ev, pr->lines, errstr, sizeof(errstr));
        if (err == BP_ERR_NOMEM)
                return fatal("out of memory", "");
        if (err == BP_ERR_KAFKA)
                return bp_cli_stopping() ? BP_EXIT_OK
                                         : fatal("kafka fatal error", errstr);
        if (err) {
                reject(pr, errstr);
                return BP_EXIT_OK;
        }
        if (pr->o->in_order &&
            bp_evprod_flush(pr->ep, BP_PRODUCE_FLUSH_MS) != BP_OK)
                return bp_cli_stopping()
                           ? BP_EXIT_OK
                           : fatal("a record was not delivered", "");
        return BP_EXIT_OK;
}

static int produce_all(bp_produce_t *pr) {
        const char *line;
        size_t      len;
        int         r, rc = BP_EXIT_OK;

        while (rc == BP_EXIT_OK && !bp_cli_stopping()) {
                r = bp_line_reader_next(pr->reader, &line, &len);
                if (r == 0)
                        break;
                if (r == BP_ERR_IO)
                        return fatal("cannot read input", strerror(errno));
                pr->lines = bp_line_reader_lineno(pr->reader);
                if (r == BP_ERR_TOO_LARGE) {
                        /* Not JSON Lines (a binary file, /dev/zero): stop. */
                        fprintf(stderr, "line %" PRIu64 ": %s\n", pr->lines,
                                BP_LINE_TOO_LONG_MSG);
                        return fatal("unreadable input", BP_LINE_TOO_LONG_MSG);
                }
                rc = produce_line(pr, line, len);
        }
        return rc;
}

static void close_all(bp_produce_t *pr) {
        if (pr->ep) {
                bp_evprod_destroy(pr->ep);
                rd_kafka_wait_destroyed(5000);
        }
        bp_line_reader_destroy(pr->reader);
        bp_jsonl_parser_destroy(pr->parser);
        if (pr->own_fd)
                close(pr->fd);
}

int bp_cmd_produce(int argc, char **argv) {
        bp_produce_opts_t  o       = {0};
        bp_produce_t       pr      = {.o = &o};
        bp_evprod_counts_t n       = {0};
        bp_err_t           flushed = BP_OK;
        int                rc;

        rc = parse_args(argc, argv, &o);
        if (rc >= 0)
                goto out;
        if (bp_cli_stop_on_signals() < 0) {
                rc = fatal("sigaction", strerror(errno));
                goto out;
        }
        rc = open_all(&pr);
        if (rc == BP_EXIT_OK)
                rc = produce_all(&pr);
        if (pr.ep) {
                flushed = bp_evprod_flush(pr.ep, BP_PRODUCE_FLUSH_MS);
                bp_evprod_counts(pr.ep, &n);
        }
        bp_cli_log("info", CMD,
                   "msg=done lines=%" PRIu64 " delivered=%" PRIu64
                   " rejected=%" PRIu64 " failed=%" PRIu64,
                   pr.lines, n.delivered, pr.rejected, n.failed);
        if (rc == BP_EXIT_OK && (flushed || bp_cli_stopping()))
                rc = BP_EXIT_FATAL;
        else if (rc == BP_EXIT_OK && pr.rejected)
                rc = BP_EXIT_REJECTED;
out:
        close_all(&pr);
        bp_cli_list_free(&o.topics);
        bp_cli_kafka_free(&o.kafka);
        return rc;
}
