/*
 * cmd_consume.c - `badgeproc consume`: a topic's records as JSON lines.
 *
 * Operators and tests look at topics with it: badge events and input
 * events come out in the JSON Lines form of EVENTS.md (exactly what
 * `replay` reads and writes), dead letters with their dlq.* headers and
 * the original value, and anything else as an "undecodable" line with the
 * codec's reason (bp_record_print.h has the shapes).
 *
 * It reads with assign(), not as a member of a consumer group: there is no
 * group join to wait for and nothing is committed. --exit-at-end takes each
 * partition's high watermark at start (read at read_uncommitted, see
 * read_ends) and stops once every partition has reached it, so records
 * produced later are not waited for. An end reported below that watermark
 * does not count: under
 * isolation.level=read_committed it is the last stable offset, held back
 * by a transaction still open (a producer that died mid-transaction
 * holds it until the broker aborts it, transaction.timeout.ms later), and
 * the committed records after it are still to come.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_cli.h"
#include "bp_codec.h"
#include "bp_dump.h"
#include "bp_kafka.h"
#include "bp_record_print.h"
#include "bp_tool.h"
#include "commands.h"

#define CMD "consume"
/* Output is handed to write() once it reaches this size, or when the topic
 * goes quiet. */
#define BP_CONSUME_FLUSH (64 * 1024)
/* Bound on each metadata and watermark request. */
#define BP_CONSUME_TMO_MS 10000

static const char consume_help[] =
    "usage: badgeproc consume --brokers LIST --topic TOPIC [--from-beginning]\n"
    "                         [--exit-at-end] [--max N] [--with-kafka]\n"
    "                         [--dump FILE]\n"
    "                         [--schema-map FILE | --registry URL]\n"
    "                         [-X key=value]...\n"
    "\n"
    "Prints the records of TOPIC (every partition) as JSON lines on\n"
    "standard output:\n"
    "  - input and badge events: the EVENTS.md line, as `replay` reads and\n"
    "    writes it (with --with-kafka, plus a \"kafka\" object);\n"
    "  - dead letters: {\"type\":\"dead-letter\",\"dlq.error\",\"dlq.topic\",\n"
    "    \"dlq.partition\",\"dlq.offset\",\"headers\",\"value_base64\",\n"
    "    \"kafka\"};\n"
    "  - FreelancerState records: {\"type\":\"freelancer-state\",...};\n"
    "  - anything else: {\"type\":\"undecodable\",\"error\":REASON,...}.\n"
    "\"kafka\" is {\"topic\",\"partition\",\"offset\",\"timestamp\",\"key\"}.\n"
    "Records of different partitions are interleaved in no set order.\n"
    "\n"
    "options:\n"
    "  -b, --brokers LIST      bootstrap servers (host:port,...)\n"
    "  -t, --topic TOPIC       the topic to read\n"
    "  -B, --from-beginning    start at the oldest record (default: only\n"
    "                          records produced from now on)\n"
    "  -e, --exit-at-end       stop once every partition has reached the end\n"
    "                          it had at start\n"
    "  -n, --max N             stop after N records\n"
    "  -k, --with-kafka        add the \"kafka\" object to event lines too\n"
    "  -d, --dump FILE         also write each record's value to FILE as a\n"
    "                          framed-record dump (a 4-byte big-endian\n"
    "                          length, then the value; `replay\n"
    "                          --input-format framed` reads it); values over\n"
    "                          1 MiB are left out with a warning\n"
    "  -m, --schema-map FILE   local schema id map (default\n"
    "                          schemas/schema-map.txt)\n"
    "  -r, --registry URL      look schema ids up in this schema registry\n"
    "  -X key=value            a librdkafka property (repeatable), e.g.\n"
    "                          -X security.protocol=SASL_SSL\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 done (or stopped by SIGINT/SIGTERM), 3 done but some\n"
    "records were undecodable, 1 fatal (unknown topic, Kafka error, failed\n"
    "write), 2 usage\n";

typedef struct bp_consume_opts_s {
        bp_cli_kafka_t kafka;
        const char    *topic;
        const char    *dump; /* --dump FILE, or NULL */
        bool           from_beginning, exit_at_end, with_kafka;
        long           max; /* 0: no limit */
} bp_consume_opts_t;

typedef struct bp_consume_s {
        const bp_consume_opts_t *o;
        rd_kafka_t              *rk;
        bp_codec_t              *codec;
        bp_record_printer_t     *printer;
        bp_buf_t                 out;
        int                      dump_fd; /* -1 without --dump */
        bp_buf_t                 dump;
        int                      partition_cnt;
        int64_t                 *end;  /* high watermark at start */
        bool                    *done; /* partition reached its end */
        int                      done_cnt;
        uint64_t                 records, undecodable;
} bp_consume_t;

static int usage(void) {
        fputs("usage: badgeproc consume --brokers LIST --topic TOPIC "
              "[--from-beginning] [--exit-at-end] [--max N] ...\n"
              "(`badgeproc consume --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

/* Handles one option; returns -1 to go on, else the exit status. */
static int parse_opt(int c, bp_consume_opts_t *o) {
        int taken = bp_cli_kafka_opt(CMD, &o->kafka, c, optarg);

        if (taken)
                return taken > 0 ? -1 : usage();
        switch (c) {
        case 't':
                o->topic = optarg;
                break;
        case 'B':
                o->from_beginning = true;
                break;
        case 'e':
                o->exit_at_end = true;
                break;
        case 'k':
                o->with_kafka = true;
                break;
        case 'd':
                o->dump = optarg;
                break;
        case 'n':
                return bp_cli_int(CMD, "max", optarg, 1, LONG_MAX, &o->max)
                           ? usage()
                           : -1;
        case 'h':
                fputs(consume_help, stdout);
                return BP_EXIT_OK;
        default:
                return usage(); /* getopt has said what was wrong */
        }
        return -1;
}

/* Fills o from argv. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bp_consume_opts_t *o) {
        static const struct option longopts[] = {
            BP_CLI_KAFKA_LONGOPTS,
            {"topic", required_argument, NULL, 't'},
            {"from-beginning", no_argument, NULL, 'B'},
            {"exit-at-end", no_argument, NULL, 'e'},
            {"max", required_argument, NULL, 'n'},
            {"with-kafka", no_argument, NULL, 'k'},
            {"dump", required_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        char errstr[512];
        int  c, rc;

        optind = 1;
        while ((c = getopt_long(argc, argv, "t:Ben:kd:h" BP_CLI_KAFKA_SHORTOPTS,
                                longopts, NULL)) != -1)
                if ((rc = parse_opt(c, o)) >= 0)
                        return rc;
        if (optind < argc) {
                fprintf(stderr, CMD ": unexpected argument \"%s\"\n",
                        argv[optind]);
                return usage();
        }
        if (!o->kafka.brokers || !o->topic) {
                fputs(CMD ": --brokers and --topic are required\n", stderr);
                return usage();
        }
        if (bp_kafka_topic_check(o->topic, errstr, sizeof(errstr))) {
                fprintf(stderr, CMD ": --topic: %s\n", errstr);
                return usage();
        }
        return -1;
}

/* Logs a fatal error and returns BP_EXIT_FATAL: the one way out on error. */
static int fatal(const char *what, const char *errstr) {
        bp_cli_fatal(CMD, what, errstr);
        return BP_EXIT_FATAL;
}

/* Writes the buffered output to stdout, and the dump to its file. 0, or
 * -1 with errno set. */
static int flush_out(bp_consume_t *cs) {
        if (bp_tool_flush(&cs->out, STDOUT_FILENO))
                return -1;
        return cs->dump_fd >= 0 ? bp_tool_flush(&cs->dump, cs->dump_fd) : 0;
}

/* With --dump: appends the record's value to the dump. */
static int dump_record(bp_consume_t *cs, const rd_kafka_message_t *rkm) {
        bp_err_t err;

        if (cs->dump_fd < 0)
                return BP_EXIT_OK;
        err = bp_dump_append(&cs->dump, rkm->payload, rkm->len);
        if (err == BP_ERR_NOMEM)
                return fatal("out of memory", "");
        if (err != BP_OK)
                bp_cli_log("warn", CMD,
                           "msg=\"record too large for the dump\" "
                           "partition=%" PRId32 " offset=%" PRId64 " bytes=%zu",
                           rkm->partition, rkm->offset, rkm->len);
        return BP_EXIT_OK;
}

/* Creates a consumer. Its group id is never joined (assign() only), but
 * librdkafka wants one for a consumer. isolation, when not NULL, replaces
 * any isolation.level the user gave (see read_ends). */
static rd_kafka_t *new_consumer(const bp_consume_opts_t *o,
                                const char *isolation, char *errstr,
                                size_t errstr_size) {
        char             group[64];
        bp_kafka_kv_t    kv[] = {{"group.id", group},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "true"},
                                 {"client.id", "badgeproc-consume"}};
        rd_kafka_conf_t *conf;
        rd_kafka_t      *rk;

        snprintf(group, sizeof(group), "badgeproc-consume-%ld", (long)getpid());
        conf = bp_cli_kafka_conf(&o->kafka, kv, sizeof(kv) / sizeof(kv[0]),
                                 errstr, errstr_size);
        if (!conf)
                return NULL;
        if (isolation &&
            rd_kafka_conf_set(conf, "isolation.level", isolation, errstr,
                              errstr_size) != RD_KAFKA_CONF_OK) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
        if (!rk)
                rd_kafka_conf_destroy(conf);
        return rk;
}

static int open_consumer(bp_consume_t *cs) {
        char errstr[512];

        cs->rk = new_consumer(cs->o, NULL, errstr, sizeof(errstr));
        return cs->rk ? BP_EXIT_OK : fatal("cannot create consumer", errstr);
}

/* Marks partition p as having reached its end. */
static void mark_done(bp_consume_t *cs, int32_t p) {
        if (p < 0 || p >= cs->partition_cnt || cs->done[p])
                return;
        cs->done[p] = true;
        cs->done_cnt++;
}

/* With --exit-at-end: each partition's end now; a partition with nothing
 * to read from the start position is done already. The ends are the high
 * watermarks, read by a read_uncommitted handle of its own: librdkafka
 * asks ListOffsets at the consumer's isolation level, and at
 * read_committed the broker answers with the last stable offset, the
 * very end that an open transaction holds back. */
static int read_ends(bp_consume_t *cs) {
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_t         *rk;
        int64_t             lo, hi;
        char                errstr[512];
        int                 p;

        rk = new_consumer(cs->o, "read_uncommitted", errstr, sizeof(errstr));
        if (!rk)
                return fatal("cannot create consumer", errstr);
        for (p = 0; p < cs->partition_cnt && !err; p++) {
                err = rd_kafka_query_watermark_offsets(rk, cs->o->topic, p, &lo,
                                                       &hi, BP_CONSUME_TMO_MS);
                if (err) {
                        snprintf(errstr, sizeof(errstr), "partition %d: %s", p,
                                 rd_kafka_err2str(err));
                        break;
                }
                cs->end[p] = hi;
                if (!cs->o->from_beginning || lo >= hi)
                        mark_done(cs, p);
        }
        rd_kafka_destroy(rk);
        return err ? fatal("cannot read watermarks", errstr) : BP_EXIT_OK;
}

/* Looks the topic up (without creating it), reads the ends if needed and
 * assigns every partition at the start position. */
static int assign_all(bp_consume_t *cs) {
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t              err;
        char                             errstr[512];
        int                              p, rc;

        if (bp_kafka_partition_count(cs->rk, cs->o->topic, BP_CONSUME_TMO_MS,
                                     &cs->partition_cnt, errstr,
                                     sizeof(errstr)))
                return fatal("cannot read topic", errstr);
        cs->end  = calloc((size_t)cs->partition_cnt, sizeof(*cs->end));
        cs->done = calloc((size_t)cs->partition_cnt, sizeof(*cs->done));
        if (!cs->end || !cs->done)
                return fatal("out of memory", "");
        if (cs->o->exit_at_end && (rc = read_ends(cs)) != BP_EXIT_OK)
                return rc;
        parts = rd_kafka_topic_partition_list_new(cs->partition_cnt);
        for (p = 0; p < cs->partition_cnt; p++)
                rd_kafka_topic_partition_list_add(parts, cs->o->topic, p)
                    ->offset = cs->o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING
                                                     : RD_KAFKA_OFFSET_END;
        err = rd_kafka_assign(cs->rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        if (err)
                return fatal("cannot assign partitions", rd_kafka_err2str(err));
        return BP_EXIT_OK;
}

/* Handles an error event. Returns BP_EXIT_OK to go on, else the exit
 * status. */
static int on_error(bp_consume_t *cs, const rd_kafka_message_t *rkm) {
        char fatal_msg[512], q[600];

        if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (rkm->partition >= 0 && rkm->partition < cs->partition_cnt &&
                    rkm->offset >= cs->end[rkm->partition])
                        mark_done(cs, rkm->partition);
                return BP_EXIT_OK;
        }
        if (rkm->err == RD_KAFKA_RESP_ERR__FATAL) {
                rd_kafka_fatal_error(cs->rk, fatal_msg, sizeof(fatal_msg));
                return fatal("kafka fatal error", fatal_msg);
        }
        if (bp_kafka_err_class(rkm->err) == BP_KAFKA_FATAL)
                return fatal("kafka error", rd_kafka_message_errstr(rkm));
        /* Brokers away, leaders moving: librdkafka retries by itself. */
        bp_cli_log("warn", CMD, "msg=\"kafka error\" error=%s",
                   bp_cli_quote(rd_kafka_message_errstr(rkm), q, sizeof(q)));
        return BP_EXIT_OK;
}

/* Prints one record. Returns BP_EXIT_OK to go on, else the exit status. */
static int on_record(bp_consume_t *cs, const rd_kafka_message_t *rkm) {
        bp_record_shape_t shape;

        if (bp_record_printer_write(cs->printer, rkm, &cs->out, &shape))
                return fatal("out of memory", "");
        if (dump_record(cs, rkm) != BP_EXIT_OK)
                return BP_EXIT_FATAL;
        cs->records++;
        if (shape == BP_RECORD_UNDECODABLE)
                cs->undecodable++;
        if (cs->o->exit_at_end && rkm->partition >= 0 &&
            rkm->partition < cs->partition_cnt &&
            rkm->offset + 1 >= cs->end[rkm->partition])
                mark_done(cs, rkm->partition);
        if ((cs->out.len >= BP_CONSUME_FLUSH ||
             cs->dump.len >= BP_CONSUME_FLUSH) &&
            flush_out(cs) < 0)
                return fatal("cannot write output", strerror(errno));
        return BP_EXIT_OK;
}

static bool finished(const bp_consume_t *cs) {
        return bp_cli_stopping() ||
               (cs->o->exit_at_end && cs->done_cnt == cs->partition_cnt) ||
               (cs->o->max && cs->records >= (uint64_t)cs->o->max);
}

static int consume_loop(bp_consume_t *cs) {
        rd_kafka_message_t *rkm;
        int                 rc = BP_EXIT_OK;

        while (rc == BP_EXIT_OK && !finished(cs)) {
                rkm = rd_kafka_consumer_poll(cs->rk, 200);
                if (!rkm) {
                        /* Quiet: show what we have. */
                        if (flush_out(cs) < 0)
                                rc = fatal("cannot write output",
                                           strerror(errno));
                        continue;
                }
                rc = rkm->err ? on_error(cs, rkm) : on_record(cs, rkm);
                rd_kafka_message_destroy(rkm);
        }
        if (rc == BP_EXIT_OK && flush_out(cs) < 0)
                rc = fatal("cannot write output", strerror(errno));
        return rc;
}

static int open_all(bp_consume_t *cs) {
        bp_codec_conf_t cconf = {0};
        char            errstr[512];
        int             rc;

        cconf.schema_map   = cs->o->kafka.schema_map;
        cconf.registry_url = cs->o->kafka.registry;
        cs->codec          = bp_codec_new(&cconf, errstr, sizeof(errstr));
        if (!cs->codec)
                return fatal("cannot load schemas", errstr);
        cs->printer = bp_record_printer_new(cs->codec, cs->o->with_kafka);
        if (!cs->printer)
                return fatal("out of memory", "");
        if (cs->o->dump &&
            (cs->dump_fd =
                 open(cs->o->dump, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                      0644)) < 0)
                return fatal("cannot open the dump file", strerror(errno));
        if ((rc = open_consumer(cs)) != BP_EXIT_OK)
                return rc;
        return assign_all(cs);
}

static void close_all(bp_consume_t *cs) {
        if (cs->rk) {
                rd_kafka_consumer_close(cs->rk);
                rd_kafka_destroy(cs->rk);
                rd_kafka_wait_destroyed(5000);
        }
        bp_record_printer_destroy(cs->printer);
        bp_codec_destroy(cs->codec);
        bp_buf_free(&cs->out);
        bp_buf_free(&cs->dump);
        if (cs->dump_fd >= 0)
                close(cs->dump_fd);
        free(cs->end);
        free(cs->done);
}

int bp_cmd_consume(int argc, char **argv) {
        bp_consume_opts_t o  = {0};
        bp_consume_t      cs = {.o = &o, .dump_fd = -1};
        int               rc;

        rc = parse_args(argc, argv, &o);
        if (rc >= 0)
                goto out;
        if (bp_cli_stop_on_signals() < 0) {
                rc = fatal("sigaction", strerror(errno));
                goto out;
        }
        rc = open_all(&cs);
        if (rc == BP_EXIT_OK)
                rc = consume_loop(&cs);
        bp_cli_log("info", CMD,
                   "msg=done topic=%s records=%" PRIu64 " undecodable=%" PRIu64,
                   o.topic, cs.records, cs.undecodable);
        if (rc == BP_EXIT_OK && cs.undecodable)
                rc = BP_EXIT_REJECTED;
out:
        close_all(&cs);
        bp_cli_kafka_free(&o.kafka);
        return rc;
}
