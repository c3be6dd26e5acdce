/*
 * cmd_demo.c - `badgeproc demo`: the whole product in one command.
 *
 * It starts librdkafka's mock Kafka cluster in this process (or, with
 * --brokers, uses a real cluster) and creates the topics, produces a generated
 * scenario (bp_gen.h) to the four input topics, runs the processor on it, and
 * prints a live feed of the grants and revocations it publishes, with their
 * reasons, then a summary. It needs nothing but the repository: the rules come
 * from tests/data/rules-gen and the schemas from schemas/ (found from the
 * working directory or from the binary's place in a build directory), the
 * state lives in a temporary directory removed at the end, and on the
 * mock the only network is loopback.
 *
 * The processor runs in this process, on a thread of its own, rather than
 * as a child `badgeproc run`: it is the very runner `run` builds
 * (bp_runner.h, same code, same metrics server), the demo needs no path to
 * its own binary and no config file, and one Ctrl-C stops everything in
 * order. The threads share nothing but the runner's stop flag and the
 * metrics registry, whose counters are atomic: the runner thread owns its
 * clients, the producer thread its producer, and the main thread watches
 * the output from Kafka through the feed (bp_demo_feed.h), as a
 * downstream service would.
 */
/* nftw() is an X/Open extension. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_cli.h"
#include "bp_demo.h"
#include "bp_log.h"
#include "bp_rules.h"
#include "commands.h"

static const char demo_help[] =
    "usage: badgeproc demo [--events N] [--freelancers N] [--partners N]\n"
    "                      [--seed N] [--rate N] [--partitions N]\n"
    "                      [--rules DIR] [--metrics-listen HOST:PORT|off]\n"
    "                      [--output FILE] [--quiet] [--verbose]\n"
    "                      [--timeout SECONDS] [--brokers LIST]\n"
    "\n"
    "Runs the whole product on this machine, on loopback only (unless\n"
    "--brokers names a cluster): a mock Kafka cluster in this process, the\n"
    "seven topics, a generated scenario\n"
    "(the events `badgeproc gen` writes for the same options) produced to\n"
    "the input topics, and the processor (the runtime of `badgeproc run`)\n"
    "consuming them. Prints each badge event it publishes as it is read\n"
    "back from the badge-events topic:\n"
    "  + GRANTED  <event time>  <freelancer>  <badge>  (<basis>)\n"
    "  - REVOKED  <event time>  <freelancer>  <badge>\n"
    "               <REASON_CODE>: <detail>   (one line per reason)\n"
    "and dead letters as `! DEAD-LETTER`, then a summary once everything\n"
    "produced has been processed and committed. State is kept in a\n"
    "temporary directory, removed at the end.\n"
    "\n"
    "options (defaults in brackets):\n"
    "  --events N          events to generate [3000]\n"
    "  --freelancers N     distinct freelancers [300]\n"
    "  --partners N        partners, 1..8 [5]\n"
    "  --seed N            generator seed [1]\n"
    "  --rate N            produce at most N events/s, 0: at once [0]\n"
    "  --partitions N      partitions per topic, 1..64 [3]; the mock keeps\n"
    "                      5 MiB per partition: use more for big scenarios\n"
    "  --rules DIR         rules directory [tests/data/rules-gen]\n"
    "  --metrics-listen A  /metrics, /healthz, /readyz on A\n"
    "                      [127.0.0.1:0, any free port; printed at start]\n"
    "  --output FILE       also write the badge events as JSON Lines\n"
    "  --quiet             no feed, only the summary\n"
    "  --verbose           the processor's info log lines on stderr\n"
    "  --timeout SECONDS   give up after this long [300]\n"
    "  --brokers LIST      run on the Kafka cluster at LIST instead of the\n"
    "                      mock: seven topics of this run's own\n"
    "                      (badgeproc-demo-<time>-<pid>.<name>, made with\n"
    "                      the Admin API, left in place afterwards)\n"
    "\n"
    "exit status: 0 done, 1 failed or interrupted, 2 usage\n";

static void opts_defaults(bp_demo_opts_t *o) {
        memset(o, 0, sizeof(*o));
        bp_gen_conf_defaults(&o->gen);
        o->gen.freelancers = 300;
        o->events          = 3000;
        o->partitions      = 3;
        o->metrics_listen  = "127.0.0.1:0";
        o->timeout_s       = 300;
}

static int number(const char *flag, long min, long max, long *out) {
        return bp_cli_int("demo", flag, optarg, min, max, out);
}

/* Handles one option; returns -1 to go on, else the exit status. */
static int parse_opt(int c, bp_demo_opts_t *o) {
        long v;

        switch (c) {
        case 'n':
                if (number("events", 1, 100000000, &v))
                        return BP_EXIT_USAGE;
                o->events = (uint64_t)v;
                break;
        case 'f':
                if (number("freelancers", 1, 10000000, &v))
                        return BP_EXIT_USAGE;
                o->gen.freelancers = (uint32_t)v;
                break;
        case 'p':
                if (number("partners", 1, BP_GEN_PARTNERS_MAX, &v))
                        return BP_EXIT_USAGE;
                o->gen.partners = (uint32_t)v;
                break;
        case 's':
                if (number("seed", 0, LONG_MAX, &v))
                        return BP_EXIT_USAGE;
                o->gen.seed = (uint64_t)v;
                break;
        case 'R':
                if (number("rate", 0, 10000000, &v))
                        return BP_EXIT_USAGE;
                o->rate = (uint64_t)v;
                break;
        case 'P':
                if (number("partitions", 1, 64, &v))
                        return BP_EXIT_USAGE;
                o->partitions = (int)v;
                break;
        case 'T':
                if (number("timeout", 1, 86400, &v))
                        return BP_EXIT_USAGE;
                o->timeout_s = (int)v;
                break;
        case 'r':
                o->rules_dir = optarg;
                break;
        case 'm':
                o->metrics_listen = optarg;
                break;
        case 'o':
                o->output = optarg;
                break;
        case 'b':
                o->brokers = optarg;
                break;
        case 'q':
                o->quiet = true;
                break;
        case 'v':
                o->verbose = true;
                break;
        case 'h':
                fputs(demo_help, stdout);
                return BP_EXIT_OK;
        default:
                fputs("(`badgeproc demo --help` says more)\n", stderr);
                return BP_EXIT_USAGE;
        }
        return -1;
}

static int parse_args(int argc, char **argv, bp_demo_opts_t *o) {
        static const struct option longopts[] = {
            {"events", required_argument, NULL, 'n'},
            {"freelancers", required_argument, NULL, 'f'},
            {"partners", required_argument, NULL, 'p'},
            {"seed", required_argument, NULL, 's'},
            {"rate", required_argument, NULL, 'R'},
            {"partitions", required_argument, NULL, 'P'},
            {"rules", required_argument, NULL, 'r'},
            {"metrics-listen", required_argument, NULL, 'm'},
            {"output", required_argument, NULL, 'o'},
            {"brokers", required_argument, NULL, 'b'},
            {"quiet", no_argument, NULL, 'q'},
            {"verbose", no_argument, NULL, 'v'},
            {"timeout", required_argument, NULL, 'T'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        int c, rc;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
                if ((rc = parse_opt(c, o)) >= 0)
                        return rc;
        if (optind < argc) {
                fprintf(stderr, "demo: unexpected argument \"%s\"\n",
                        argv[optind]);
                return BP_EXIT_USAGE;
        }
        return -1;
}

/*
 * Finds rel (a path inside the repository) from the working directory,
 * else next to the binary's build directory (build/badgeproc ->
 * build/../rel), so that the demo works from the repository root and from
 * anywhere else alike. Returns buf, or NULL when neither exists.
 */
static const char *repo_path(const char *rel, char *buf, size_t size) {
        char    exe[PATH_MAX];
        ssize_t len;
        int     n;
        char   *slash;

        if (access(rel, R_OK) == 0) {
                snprintf(buf, size, "%s", rel);
                return buf;
        }
        len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len <= 0)
                return NULL;
        exe[len] = '\0';
        if ((slash = strrchr(exe, '/')))
                *slash = '\0';
        n = snprintf(buf, size, "%s/../%s", exe, rel);
        return n > 0 && (size_t)n < size && access(buf, R_OK) == 0 ? buf : NULL;
}

/* Finds the rules and the schema map; prints what is missing. */
static int find_files(bp_demo_opts_t *o) {
        static char rules[PATH_MAX], schemas[PATH_MAX];
        char        errstr[512];
        bp_rules_t *loaded;

        if (!o->rules_dir &&
            !(o->rules_dir =
                  repo_path("tests/data/rules-gen", rules, sizeof(rules)))) {
                fputs("demo: tests/data/rules-gen not found: run from the "
                      "repository, or pass --rules DIR\n",
                      stderr);
                return BP_EXIT_FATAL;
        }
        if (!(o->schema_map =
                  repo_path(BP_CODEC_SCHEMA_MAP, schemas, sizeof(schemas)))) {
                fputs("demo: " BP_CODEC_SCHEMA_MAP " not found: run from "
                      "the repository\n",
                      stderr);
                return BP_EXIT_FATAL;
        }
        /* Checked here so that a rules error reads as in `replay`. */
        if (!(loaded =
                  bp_rules_load_dir(o->rules_dir, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s\n", errstr);
                return BP_EXIT_FATAL;
        }
        snprintf(o->rules_version, sizeof(o->rules_version), "%s",
                 loaded->version);
        bp_rules_destroy(loaded);
        return BP_EXIT_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw) {
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

int bp_cmd_demo(int argc, char **argv) {
        bp_demo_opts_t o;
        char           state_dir[] = "/tmp/badgeproc-demo.XXXXXX";
        const char    *tmp         = getenv("TMPDIR");
        char           dir[PATH_MAX];
        int            rc;

        opts_defaults(&o);
        if ((rc = parse_args(argc, argv, &o)) >= 0)
                return rc;
        if ((rc = find_files(&o)) != BP_EXIT_OK)
                return rc;
        if (tmp && *tmp)
                snprintf(dir, sizeof(dir), "%s/badgeproc-demo.XXXXXX", tmp);
        else
                snprintf(dir, sizeof(dir), "%s", state_dir);
        if (!mkdtemp(dir)) {
                fprintf(stderr,
                        "demo: cannot create a state directory %s: %s\n", dir,
                        strerror(errno));
                return BP_EXIT_FATAL;
        }
        o.state_dir = dir;
        if (bp_cli_stop_on_signals() < 0) {
                fprintf(stderr, "demo: sigaction: %s\n", strerror(errno));
                rc = BP_EXIT_FATAL;
        } else {
                bp_log_set_level(o.verbose ? BP_LOG_INFO : BP_LOG_WARN);
                rc = bp_demo_run(&o);
        }
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        return rc;
}
