/*
 * cmd_produce.c - `badgeproc produce`: JSON Lines input events onto Kafka.
 *
 * Reads input events in the JSON Lines form of EVENTS.md (what `replay`
 * reads), encodes each with the same codec the runtime decodes with (Avro
 * in the Confluent framing) and produces it to the input topic of its
 * type, keyed by freelancer_id, with the record's Kafka timestamp set to
 * the event's occurred_at (DESIGN.md: the runtime merges the four inputs
 * by that timestamp). The producer is idempotent, so a retry inside
 * librdkafka never writes a record twice or out of order.
 *
 * Like `replay`, a bad line never stops the run: it is reported on stderr
 * as `line N: message` and skipped, and the exit status says so. Before
 * producing anything the four topics must exist and be co-partitioned: a
 * missing one would otherwise be created by auto-creating brokers with
 * some default partition count, and events keyed by freelancer would land
 * in partitions no task pairs up.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_cli.h"
#include "bp_codec.h"
#include "bp_jsonl.h"
#include "bp_kafka.h"
#include "bp_line_reader.h"
#include "commands.h"

#define CMD "produce"
/* Bound on the metadata request that checks the topics. */
#define BP_PRODUCE_TMO_MS 10000
/* How long the final flush may take before what is left is purged; the
 * message timeout below ends every record's fate sooner. */
#define BP_PRODUCE_FLUSH_MS 60000

static const char produce_help[] =
    "usage: badgeproc produce --brokers LIST --input FILE\n"
    "                         [--topic-prefix P | --topics A,B,C,D]\n"
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
    "  -m, --schema-map FILE   local schema id map (default\n"
    "                          schemas/schema-map.txt)\n"
    "  -r, --registry URL      register / look up schemas in this registry\n"
    "  -X key=value            a librdkafka property (repeatable)\n"
    "  -h, --help              this text\n"
    "\n"
    "Blank lines are ignored. A line that is not a valid event (as for\n"
    "`replay`), or whose occurred_at is not after 1970-01-01T00:00:00Z\n"
    "(not a Kafka timestamp), is reported on standard error as\n"
    "`line N: message` and skipped.\n"
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
        bp_cli_list_t  topics; /* empty, or the four topic names */
} bp_produce_opts_t;

typedef struct bp_produce_s {
        const bp_produce_opts_t *o;
        char                     topic[BP_EV__CNT][BP_KAFKA_TOPIC_MAX + 1];
        rd_kafka_t              *rk;
        bp_codec_t              *codec;
        bp_jsonl_parser_t       *parser;
        bp_line_reader_t        *reader;
        int                      fd, own_fd;
        bp_buf_t                 value;
        uint64_t                 lines, queued, delivered, failed, rejected;
        int                      fatal; /* set by the error callback */
        char                     fatal_msg[512];
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
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        int c, rc;

        optind = 1;
        while ((c = getopt_long(argc, argv, "i:p:t:h" BP_CLI_KAFKA_SHORTOPTS,
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

/* The topic of each event type, checked. */
static int topic_names(bp_produce_t *pr) {
        char errstr[512];
        int  t, n;

        for (t = 0; t < BP_EV__CNT; t++) {
                if (pr->o->topics.cnt)
                        n = snprintf(pr->topic[t], sizeof(pr->topic[t]), "%s",
                                     pr->o->topics.items[t]);
                else
                        n = snprintf(pr->topic[t], sizeof(pr->topic[t]), "%s%s",
                                     pr->o->prefix ? pr->o->prefix : "",
                                     bp_event_type_name((bp_event_type_t)t));
                if (n < 0 || (size_t)n >= sizeof(pr->topic[t]) ||
                    bp_kafka_topic_check(pr->topic[t], errstr,
                                         sizeof(errstr))) {
                        fprintf(stderr, CMD ": bad topic name \"%s\"\n",
                                pr->topic[t]);
                        return BP_EXIT_USAGE;
                }
        }
        return BP_EXIT_OK;
}

/* Delivery reports: count, and name the line of each failed record. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque) {
        bp_produce_t *pr = opaque;
        char          q[600];
        (void)rk;

        if (!rkm->err) {
                pr->delivered++;
                return;
        }
        pr->failed++;
        bp_cli_log("error", CMD,
                   "msg=\"not delivered\" line=%" PRIuPTR " topic=%s error=%s",
                   (uintptr_t)rkm->_private, rd_kafka_topic_name(rkm->rkt),
                   bp_cli_quote(rd_kafka_err2str(rkm->err), q, sizeof(q)));
}

/* Global errors: a fatal one stops the run; librdkafka recovers from the
 * others by itself, so they are only logged. */
static void on_error(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque) {
        bp_produce_t *pr = opaque;
        char          q[600];

        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                rd_kafka_fatal_error(rk, pr->fatal_msg, sizeof(pr->fatal_msg));
                pr->fatal = 1;
                return;
        }
        bp_cli_log("warn", CMD, "msg=\"kafka error\" error=%s",
                   bp_cli_quote(reason, q, sizeof(q)));
}

/* Creates the idempotent producer; -X properties come last and win. */
static int open_producer(bp_produce_t *pr) {
        const bp_kafka_kv_t kv[] = {
            {"enable.idempotence", "true"},
            {"client.id", "badgeproc-produce"},
            /* A tool should fail in seconds, not the default 5 minutes,
             * when the cluster is away. */
            {"message.timeout.ms", "30000"}};
        rd_kafka_conf_t *conf;
        char             errstr[512];

        conf = bp_cli_kafka_conf(&pr->o->kafka, kv, sizeof(kv) / sizeof(kv[0]),
                                 errstr, sizeof(errstr));
        if (!conf)
                return fatal("bad configuration", errstr);
        rd_kafka_conf_set_opaque(conf, pr);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_error_cb(conf, on_error);
        pr->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!pr->rk) {
                rd_kafka_conf_destroy(conf);
                return fatal("cannot create producer", errstr);
        }
        return BP_EXIT_OK;
}

/* The codec, with each input type's schema id settled before the first
 * record (registered under our topic names when a registry is used). */
static int open_codec(bp_produce_t *pr) {
        bp_codec_conf_t cconf = {0};
        char            errstr[512];
        int             t;

        cconf.schema_map   = pr->o->kafka.schema_map;
        cconf.registry_url = pr->o->kafka.registry;
        pr->codec          = bp_codec_new(&cconf, errstr, sizeof(errstr));
        if (!pr->codec)
                return fatal("cannot load schemas", errstr);
        for (t = 0; t < BP_EV__CNT; t++)
                if (bp_codec_register(pr->codec, (bp_record_kind_t)t,
                                      pr->topic[t], NULL, errstr,
                                      sizeof(errstr)))
                        return fatal("cannot settle schema id", errstr);
        return BP_EXIT_OK;
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
        const char *topics[BP_EV__CNT];
        char        errstr[512];
        int         rc, t;

        if ((rc = topic_names(pr)) != BP_EXIT_OK ||
            (rc = open_codec(pr)) != BP_EXIT_OK ||
            (rc = open_producer(pr)) != BP_EXIT_OK)
                return rc;
        for (t = 0; t < BP_EV__CNT; t++)
                topics[t] = pr->topic[t];
        if (bp_kafka_check_copartitioned(pr->rk, topics, BP_EV__CNT,
                                         BP_PRODUCE_TMO_MS, NULL, errstr,
                                         sizeof(errstr)))
                return fatal("input topics not usable", errstr);
        return open_input(pr);
}

static void reject(bp_produce_t *pr, const char *msg) {
        pr->rejected++;
        fprintf(stderr, "line %" PRIu64 ": %s\n", pr->lines, msg);
}

/* Queues ev's encoded value, waiting while librdkafka's queue is full. */
static int send_event(bp_produce_t *pr, const bp_event_t *ev) {
        rd_kafka_resp_err_t err;

        do {
                err = rd_kafka_producev(
                    pr->rk, RD_KAFKA_V_TOPIC(pr->topic[ev->type]),
                    RD_KAFKA_V_KEY(ev->freelancer_id,
                                   strlen(ev->freelancer_id)),
                    RD_KAFKA_V_VALUE(pr->value.data, pr->value.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_TIMESTAMP(ev->occurred_at),
                    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)pr->lines),
                    RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        rd_kafka_poll(pr->rk, 100);
        } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !bp_cli_stopping() &&
                 !pr->fatal);
        if (err == RD_KAFKA_RESP_ERR__FATAL || pr->fatal)
                return fatal("kafka fatal error", pr->fatal_msg);
        if (err) {
                reject(pr, rd_kafka_err2str(err));
                return BP_EXIT_OK;
        }
        pr->queued++;
        return BP_EXIT_OK;
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
        /* Kafka has no timestamps before 1970, and librdkafka reads a
         * timestamp of 0 as "now": either would misplace the event in the
         * runtime's merge by time. */
        if (ev.occurred_at <= 0) {
                snprintf(errstr, sizeof(errstr),
                         "occurred_at %" PRId64 " cannot be a Kafka "
                         "timestamp (must be after 1970-01-01T00:00:00Z)",
                         ev.occurred_at);
                reject(pr, errstr);
                return BP_EXIT_OK;
        }
        bp_buf_reset(&pr->value);
        err = bp_codec_encode_event(pr->codec, &ev, &pr->value, errstr,
                                    sizeof(errstr));
        if (err == BP_ERR_NOMEM)
                return fatal("out of memory", "");
        if (err) {
                reject(pr, errstr);
                return BP_EXIT_OK;
        }
        return send_event(pr, &ev);
}

static int produce_all(bp_produce_t *pr) {
        const char *line;
        size_t      len;
        int         r, rc = BP_EXIT_OK;

        while (rc == BP_EXIT_OK && !bp_cli_stopping() && !pr->fatal) {
                r = bp_line_reader_next(pr->reader, &line, &len);
                if (r == 0)
                        break;
                if (r == BP_ERR_IO)
                        return fatal("cannot read input", strerror(errno));
                pr->lines = bp_line_reader_lineno(pr->reader);
                if (r == BP_ERR_TOO_LARGE) {
                        reject(pr, "line longer than 1 MiB");
                        continue;
                }
                rc = produce_line(pr, line, len);
                rd_kafka_poll(pr->rk, 0); /* delivery reports */
        }
        if (pr->fatal)
                return fatal("kafka fatal error", pr->fatal_msg);
        return rc;
}

/* Waits for every queued record's fate; what is still queued after
 * BP_PRODUCE_FLUSH_MS is purged and counted as failed. */
static void flush_all(bp_produce_t *pr) {
        time_t end = time(NULL) + BP_PRODUCE_FLUSH_MS / 1000;

        while (rd_kafka_outq_len(pr->rk) > 0 && !pr->fatal && time(NULL) < end)
                rd_kafka_flush(pr->rk, 100);
        if (rd_kafka_outq_len(pr->rk) > 0) {
                rd_kafka_purge(pr->rk, RD_KAFKA_PURGE_F_QUEUE |
                                           RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_poll(pr->rk, 0);
        }
}

static void close_all(bp_produce_t *pr) {
        if (pr->rk) {
                rd_kafka_destroy(pr->rk);
                rd_kafka_wait_destroyed(5000);
        }
        bp_line_reader_destroy(pr->reader);
        bp_jsonl_parser_destroy(pr->parser);
        bp_codec_destroy(pr->codec);
        bp_buf_free(&pr->value);
        if (pr->own_fd)
                close(pr->fd);
}

int bp_cmd_produce(int argc, char **argv) {
        bp_produce_opts_t o  = {0};
        bp_produce_t      pr = {.o = &o};
        int               rc;

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
        if (pr.rk)
                flush_all(&pr);
        bp_cli_log("info", CMD,
                   "msg=done lines=%" PRIu64 " delivered=%" PRIu64
                   " rejected=%" PRIu64 " failed=%" PRIu64,
                   pr.lines, pr.delivered, pr.rejected, pr.failed);
        if (rc == BP_EXIT_OK &&
            (pr.failed || bp_cli_stopping() || pr.delivered != pr.queued))
                rc = BP_EXIT_FATAL;
        else if (rc == BP_EXIT_OK && pr.rejected)
                rc = BP_EXIT_REJECTED;
out:
        close_all(&pr);
        bp_cli_list_free(&o.topics);
        bp_cli_kafka_free(&o.kafka);
        return rc;
}
