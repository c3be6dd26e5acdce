/*
 * cmd_mock_cluster.c - `badgeproc mock-cluster`: a Kafka cluster for tests
 * and the demo, in one process.
 *
 * Starts librdkafka's mock cluster on loopback, creates the project's
 * topics, prints the bootstrap servers as one line on stdout (and, for
 * scripts that start it in the background, into a file written atomically),
 * then serves until SIGINT or SIGTERM. Any Kafka client can use it: kcat,
 * badgeproc produce/consume/run. Its limits are DESIGN.md's ("The mock
 * cluster"): keep runs within them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp_cli.h"
#include "bp_mock.h"
#include "commands.h"

#define CMD "mock-cluster"

/* How often the main loop looks at the stop flag. */
#define BP_MOCK_TICK_MS 100

static const char mock_help[] =
    "usage: badgeproc mock-cluster [--brokers N] [--partitions N]\n"
    "                              [--topics A,B,...] [--port-file FILE]\n"
    "                              [--rtt-ms N]\n"
    "\n"
    "Runs librdkafka's mock Kafka cluster on 127.0.0.1 in this process,\n"
    "creates the topics, prints the bootstrap servers as one line on\n"
    "standard output, and serves until SIGINT or SIGTERM (exit status 0).\n"
    "\n"
    "options:\n"
    "  -b, --brokers N      number of brokers, 1..16 (default 3)\n"
    "  -p, --partitions N   partitions of each topic, 1..1024 (default 6)\n"
    "  -t, --topics LIST    comma-separated topics to create (default:\n"
    "                       profile-updated, contract-completed,\n"
    "                       invitation-sent, partner-decision, badge-events,\n"
    "                       badge-dlq, badge-state-changelog)\n"
    "  -f, --port-file FILE also write the bootstrap line to FILE (written\n"
    "                       to FILE.tmp, then renamed: once FILE exists it\n"
    "                       is complete)\n"
    "  -r, --rtt-ms N       delay every broker response by N ms, 0..10000\n"
    "                       (default 0): loopback answers in microseconds,\n"
    "                       a real cluster's network in milliseconds\n"
    "  -h, --help           this text\n"
    "\n"
    "Mock limits (librdkafka 2.0.2): each partition keeps its last 5 MiB;\n"
    "no compaction, SSL or SASL; no CreateTopics; a topic that a client\n"
    "asks about by name is created with 4 partitions; transactions are\n"
    "accepted but read_committed is not enforced.\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 could not start, 2 usage\n";

static const char *const default_topics[] = {
    "profile-updated",      "contract-completed", "invitation-sent",
    "partner-decision",     "badge-events",       "badge-dlq",
    "badge-state-changelog"};

typedef struct bp_mock_opts_s {
        long          brokers;
        long          partitions;
        bp_cli_list_t topics; /* empty: default_topics */
        const char   *port_file;
        long          rtt_ms;
} bp_mock_opts_t;

static int usage(void) {
        fputs("usage: badgeproc mock-cluster [--brokers N] [--partitions N] "
              "[--topics A,B,...] [--port-file FILE] [--rtt-ms N]\n"
              "(`badgeproc mock-cluster --help` says more)\n",
              stderr);
        return BP_EXIT_USAGE;
}

/* Fills o from argv. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bp_mock_opts_t *o) {
        static const struct option longopts[] = {
            {"brokers", required_argument, NULL, 'b'},
            {"partitions", required_argument, NULL, 'p'},
            {"topics", required_argument, NULL, 't'},
            {"port-file", required_argument, NULL, 'f'},
            {"rtt-ms", required_argument, NULL, 'r'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        bp_err_t err;
        int      c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "b:p:t:f:r:h", longopts, NULL)) !=
               -1) {
                switch (c) {
                case 'b':
                        if (bp_cli_int(CMD, "brokers", optarg, 1,
                                       BP_MOCK_BROKERS_MAX, &o->brokers))
                                return usage();
                        break;
                case 'p':
                        if (bp_cli_int(CMD, "partitions", optarg, 1,
                                       BP_MOCK_PARTITIONS_MAX, &o->partitions))
                                return usage();
                        break;
                case 't':
                        err = bp_cli_list_split(&o->topics, optarg);
                        if (err == BP_ERR_NOMEM)
                                return BP_EXIT_FATAL;
                        if (err) {
                                fprintf(stderr,
                                        CMD ": --topics: empty topic name in "
                                            "\"%s\"\n",
                                        optarg);
                                return usage();
                        }
                        break;
                case 'f':
                        o->port_file = optarg;
                        break;
                case 'r':
                        if (bp_cli_int(CMD, "rtt-ms", optarg, 0, 10000,
                                       &o->rtt_ms))
                                return usage();
                        break;
                case 'h':
                        fputs(mock_help, stdout);
                        return BP_EXIT_OK;
                default:
                        return usage(); /* getopt has said what was wrong */
                }
        }
        if (optind < argc) {
                fprintf(stderr, CMD ": unexpected argument \"%s\"\n",
                        argv[optind]);
                return usage();
        }
        return -1;
}

/* Writes line to path through path.tmp and a rename, so that a reader
 * polling for path never sees it half written. */
static int write_port_file(const char *path, const char *line) {
        char  tmp[4096];
        FILE *f;
        int   n;

        n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        if (n < 0 || (size_t)n >= sizeof(tmp)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        f = fopen(tmp, "w");
        if (!f)
                return -1;
        if (fprintf(f, "%s\n", line) < 0 || fclose(f) != 0) {
                remove(tmp);
                return -1;
        }
        if (rename(tmp, path) < 0) {
                remove(tmp);
                return -1;
        }
        return 0;
}

/* Creates the topics of o on mock. BP_EXIT_OK or BP_EXIT_FATAL. */
static int create_topics(bp_mock_t *mock, const bp_mock_opts_t *o) {
        const char *const *names = (const char *const *)o->topics.items;
        size_t             cnt   = o->topics.cnt;
        char               errstr[512];
        size_t             i;

        if (cnt == 0) {
                names = default_topics;
                cnt   = sizeof(default_topics) / sizeof(default_topics[0]);
        }
        for (i = 0; i < cnt; i++) {
                if (bp_mock_create_topic(mock, names[i], (int)o->partitions,
                                         errstr, sizeof(errstr))) {
                        bp_cli_fatal(CMD, "cannot create topic", errstr);
                        return BP_EXIT_FATAL;
                }
        }
        return BP_EXIT_OK;
}

/* Delays every broker's responses by o->rtt_ms (after the topics are
 * made: their creation need not wait for it). */
static int set_rtt(bp_mock_t *mock, const bp_mock_opts_t *o) {
        int32_t id;
        for (id = 1; o->rtt_ms > 0 && id <= bp_mock_broker_cnt(mock); id++) {
                rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(
                    bp_mock_cluster(mock), id, (int)o->rtt_ms);
                if (err) {
                        bp_cli_fatal(CMD, "cannot set the rtt",
                                     rd_kafka_err2str(err));
                        return BP_EXIT_FATAL;
                }
        }
        return BP_EXIT_OK;
}

/* Announces the cluster on stdout and in the port file. */
static int announce(const bp_mock_t *mock, const bp_mock_opts_t *o) {
        const char *bootstraps = bp_mock_bootstraps(mock);

        if (printf("%s\n", bootstraps) < 0 || fflush(stdout) != 0) {
                bp_cli_fatal(CMD, "cannot write to stdout", strerror(errno));
                return BP_EXIT_FATAL;
        }
        if (o->port_file && write_port_file(o->port_file, bootstraps) < 0) {
                bp_cli_fatal(CMD, "cannot write port file", strerror(errno));
                return BP_EXIT_FATAL;
        }
        bp_cli_log("info", CMD,
                   "msg=started brokers=%ld partitions=%ld rtt_ms=%ld "
                   "bootstrap=%s",
                   o->brokers, o->partitions, o->rtt_ms, bootstraps);
        return BP_EXIT_OK;
}

static void wait_for_signal(void) {
        struct timespec tick = {0, BP_MOCK_TICK_MS * 1000000L};

        /* The mock brokers run on librdkafka's threads; this thread only
         * waits. A signal may cut a sleep short, which is what we want. */
        while (!bp_cli_stopping())
                nanosleep(&tick, NULL);
}

int bp_cmd_mock_cluster(int argc, char **argv) {
        bp_mock_opts_t o    = {.brokers = 3, .partitions = 6};
        bp_mock_t     *mock = NULL;
        char           errstr[512];
        long           sender;
        int            rc, sig;

        rc = parse_args(argc, argv, &o);
        if (rc >= 0)
                goto out;
        rc = BP_EXIT_FATAL;
        if (bp_cli_stop_on_signals() < 0) {
                bp_cli_fatal(CMD, "sigaction", strerror(errno));
                goto out;
        }
        mock = bp_mock_new((int)o.brokers, errstr, sizeof(errstr));
        if (!mock) {
                bp_cli_fatal(CMD, "cannot start", errstr);
                goto out;
        }
        rc = create_topics(mock, &o);
        if (rc == BP_EXIT_OK)
                rc = set_rtt(mock, &o);
        if (rc == BP_EXIT_OK)
                rc = announce(mock, &o);
        if (rc == BP_EXIT_OK) {
                wait_for_signal();
                sig = bp_cli_stop_signal(&sender);
                bp_cli_log("info", CMD, "msg=stopping signal=%s sender_pid=%ld",
                           sig == SIGINT ? "SIGINT" : "SIGTERM", sender);
        }
out:
        bp_mock_destroy(mock);
        if (mock && rd_kafka_wait_destroyed(5000) != 0)
                bp_cli_log("warn", CMD,
                           "msg=\"librdkafka threads still "
                           "running at exit\"");
        if (o.port_file && mock)
                remove(o.port_file);
        bp_cli_list_free(&o.topics);
        return rc;
}
