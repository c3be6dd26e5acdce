/*
 * bp_demo.c - the demo's run (see bp_demo.h and cmd_demo.c).
 *
 * Three threads: the runner's (bp_runner_run, exactly as `badgeproc run`
 * drives it), the producer's (the generated scenario through the event
 * producer, paced by --rate), and this one, which watches the output
 * through the feed and decides when the work is done: once production is
 * over, the feed is told the ends of the input partitions, and the run
 * ends when the processor's committed offsets have reached them and the
 * feed has shown everything published. Only then is the runner stopped,
 * so the summary counts every event.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bp_cli.h"
#include "bp_demo.h"
#include "bp_demo_feed.h"
#include "bp_evprod.h"
#include "bp_gen_send.h"
#include "bp_kafka.h"
#include "bp_metrics.h"
#include "bp_mock.h"
#include "bp_runner.h"
#include "commands.h"

#define DEMO_BROKERS 3
/* How long the watching loop waits for the feed per turn. */
#define DEMO_POLL_MS 100

static const char *const demo_topics[] = {
    "profile-updated",      "contract-completed", "invitation-sent",
    "partner-decision",     "badge-events",       "badge-dlq",
    "badge-state-changelog"};
#define DEMO_TOPIC_CNT (sizeof(demo_topics) / sizeof(demo_topics[0]))

typedef struct demo_s {
        const bp_demo_opts_t *o;
        bp_mock_t            *mock;    /* NULL with o->brokers */
        const char           *brokers; /* the mock's, or o->brokers */
        /* The seven topics, demo_topics order: the defaults on the mock,
         * names of this run's own on a real cluster. */
        const char           *topics[DEMO_TOPIC_CNT];
        char                  topic_names[DEMO_TOPIC_CNT][128];
        char                  group[96], txn_id[112];
        bp_metrics_t         *metrics;
        bp_metrics_server_t  *server;
        bp_metrics_counter_t *consumed[BP_EV__CNT];
        char                  metrics_host[256]; /* as given */
        bp_runner_t          *runner;
        bp_kafka_kv_t         kafka[2]; /* the runner's; it borrows them */
        bp_demo_feed_t       *feed;
        FILE                 *output;
        /* The runner thread. */
        pthread_t             runner_thread;
        bool                  runner_started;
        volatile sig_atomic_t runner_stop;
        atomic_int            runner_done;
        bp_err_t              runner_err;
        /* The producer thread: done is 1 when all was delivered, -1 on
         * failure (why in producer_err). */
        pthread_t             producer_thread;
        bool                  producer_started;
        volatile sig_atomic_t producer_stop;
        atomic_int            producer_done;
        bp_gen_send_result_t  sent;
        bp_evprod_counts_t    delivered;
        char                  producer_err[512];
        /* Seconds since start: first record consumed, all caught up. */
        double t_start, t_first, t_done;
} demo_t;

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, const char *why) {
        fprintf(stderr, "demo: %s: %s\n", what, why);
        return BP_EXIT_FATAL;
}

/* On a real cluster (--brokers): the seven topics, named for this run
 * ("badgeproc-demo-<time>-<pid>." + the default names) so that a second
 * run reads nothing of the first, created with the Admin API at the
 * broker's default replication, the changelog compacted. They are left
 * in place, for a look afterwards. */
static int create_real_topics(demo_t *d) {
        static const bp_kafka_kv_t compact[] = {{"cleanup.policy", "compact"}};
        bp_kafka_new_topic_t       defs[DEMO_TOPIC_CNT];
        char                       prefix[64], errstr[512];
        const bp_cli_kafka_t       k = {.brokers = d->brokers};
        rd_kafka_conf_t           *conf;
        rd_kafka_t                *rk;
        bp_err_t                   err;
        size_t                     i;

        snprintf(prefix, sizeof(prefix), "badgeproc-demo-%lld-%ld.",
                 (long long)time(NULL), (long)getpid());
        snprintf(d->group, sizeof(d->group), "%sgroup", prefix);
        snprintf(d->txn_id, sizeof(d->txn_id), "%s0", prefix);
        for (i = 0; i < DEMO_TOPIC_CNT; i++) {
                snprintf(d->topic_names[i], sizeof(d->topic_names[i]), "%s%s",
                         prefix, demo_topics[i]);
                d->topics[i] = d->topic_names[i];
                defs[i]      = (bp_kafka_new_topic_t){
                         .name               = d->topics[i],
                         .partitions         = d->o->partitions,
                         .replication_factor = -1,
                         .configs    = i == DEMO_TOPIC_CNT - 1 ? compact : NULL,
                         .config_cnt = i == DEMO_TOPIC_CNT - 1 ? 1 : 0};
        }
        if (!(conf = bp_cli_kafka_conf(&k, NULL, 0, errstr, sizeof(errstr))))
                return fail("bad --brokers", errstr);
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
                                sizeof(errstr)))) {
                rd_kafka_conf_destroy(conf);
                return fail("cannot reach the cluster", errstr);
        }
        err = bp_kafka_create_topics(rk, defs, DEMO_TOPIC_CNT, 30000, errstr,
                                     sizeof(errstr));
        rd_kafka_destroy(rk);
        return err ? fail("cannot create the topics", errstr) : BP_EXIT_OK;
}

static int start_cluster(demo_t *d) {
        char   errstr[512];
        size_t i;

        if (d->o->brokers) {
                d->brokers = d->o->brokers;
                return create_real_topics(d);
        }
        if (!(d->mock = bp_mock_new(DEMO_BROKERS, errstr, sizeof(errstr))))
                return fail("cannot start the mock cluster", errstr);
        d->brokers = bp_mock_bootstraps(d->mock);
        snprintf(d->group, sizeof(d->group), "badgeproc-demo");
        snprintf(d->txn_id, sizeof(d->txn_id), "badgeproc-demo-0");
        for (i = 0; i < DEMO_TOPIC_CNT; i++) {
                d->topics[i] = demo_topics[i];
                if (bp_mock_create_topic(d->mock, demo_topics[i],
                                         d->o->partitions, errstr,
                                         sizeof(errstr)))
                        return fail("cannot create a topic", errstr);
        }
        return BP_EXIT_OK;
}

/* HOST:PORT (HOST may be [v6]) into host and port; "off": no server. */
static int start_metrics(demo_t *d) {
        const char *listen = d->o->metrics_listen;
        const char *colon  = strrchr(listen, ':');
        char        errstr[512], *end;
        long        port;
        int         i;

        if (!(d->metrics = bp_metrics_new()))
                return fail("metrics", "out of memory");
        for (i = 0; i < BP_EV__CNT; i++)
                d->consumed[i] = bp_metrics_counter(
                    d->metrics, "badgeproc_events_consumed_total",
                    "Input records consumed, per topic.", "topic", d->topics[i],
                    NULL);
        if (strcmp(listen, "off") == 0)
                return BP_EXIT_OK;
        port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || colon == listen || !colon[1] || *end || port < 0 ||
            port > 65535 ||
            (size_t)(colon - listen) >= sizeof(d->metrics_host)) {
                fprintf(stderr,
                        "demo: --metrics-listen: expected HOST:PORT or off, "
                        "got \"%s\"\n",
                        listen);
                return BP_EXIT_USAGE;
        }
        snprintf(d->metrics_host, sizeof(d->metrics_host), "%.*s",
                 (int)(colon - listen), listen);
        if (bp_metrics_server_new(&d->server, d->metrics, d->metrics_host,
                                  (int)port, 30000, errstr, sizeof(errstr)))
                return fail("cannot serve metrics", errstr);
        return BP_EXIT_OK;
}

static void *runner_main(void *arg) {
        demo_t *d     = arg;
        d->runner_err = bp_runner_run(d->runner, &d->runner_stop, NULL);
        atomic_store(&d->runner_done, 1);
        return NULL;
}

static int start_runner(demo_t *d) {
        bp_runner_conf_t rc;
        char             errstr[512];
        int              i;

        d->kafka[0] = (bp_kafka_kv_t){"bootstrap.servers", d->brokers};
        d->kafka[1] = (bp_kafka_kv_t){"client.id", "badgeproc-demo"};
        bp_runner_conf_defaults(&rc);
        rc.kafka            = d->kafka;
        rc.kafka_cnt        = 2;
        rc.group_id         = d->group;
        rc.transactional_id = d->txn_id;
        for (i = 0; i < BP_EV__CNT; i++)
                rc.topics[i] = d->topics[i];
        rc.topic_badge_events = d->topics[4];
        rc.topic_dlq          = d->topics[5];
        rc.topic_changelog    = d->topics[6];
        rc.rules_dir          = d->o->rules_dir;
        rc.state_dir          = d->o->state_dir;
        rc.schema_map         = d->o->schema_map;
        rc.stats_interval_ms  = 1000;
        rc.metrics            = d->metrics;
        rc.server             = d->server;
        if (!(d->runner = bp_runner_new(&rc, errstr, sizeof(errstr))))
                return fail("cannot start the processor", errstr);
        if (pthread_create(&d->runner_thread, NULL, runner_main, d))
                return fail("cannot start the processor", "pthread_create");
        d->runner_started = true;
        return BP_EXIT_OK;
}

static void *producer_main(void *arg) {
        demo_t                *d    = arg;
        bp_cli_kafka_t         k    = {.brokers    = d->brokers,
                                       .schema_map = d->o->schema_map};
        const bp_evprod_conf_t conf = {.kafka    = &k,
                                       .topics   = d->topics,
                                       .cmd      = "demo",
                                       .tag_name = "event"};
        bp_evprod_t           *ep;
        bp_gen_t              *gen = bp_gen_new(&d->o->gen);
        int                    ok  = 0;

        if (!gen) {
                snprintf(d->producer_err, sizeof(d->producer_err),
                         "bad generator settings");
        } else if ((ep = bp_evprod_new(&conf, NULL, d->producer_err,
                                       sizeof(d->producer_err)))) {
                ok = !bp_gen_send(gen, ep, d->o->events, d->o->rate,
                                  &d->producer_stop, NULL, "demo", &d->sent,
                                  d->producer_err, sizeof(d->producer_err));
                if (bp_evprod_flush(ep, 60000) && ok) {
                        snprintf(d->producer_err, sizeof(d->producer_err),
                                 "some events were not delivered");
                        ok = 0;
                }
                bp_evprod_counts(ep, &d->delivered);
                bp_evprod_destroy(ep);
        }
        bp_gen_destroy(gen);
        ok = ok && d->sent.rejected == 0 && d->sent.generated == d->o->events;
        atomic_store(&d->producer_done, ok ? 1 : -1);
        return NULL;
}

static int start_feed(demo_t *d) {
        bp_demo_feed_conf_t conf = {.brokers            = d->brokers,
                                    .schema_map         = d->o->schema_map,
                                    .topic_badge_events = d->topics[4],
                                    .topic_dlq          = d->topics[5],
                                    .topic_changelog    = d->topics[6],
                                    .partition_cnt      = d->o->partitions,
                                    .feed = d->o->quiet ? NULL : stdout};
        char                errstr[512];

        if (d->o->output && !(d->output = fopen(d->o->output, "w")))
                return fail(d->o->output, strerror(errno));
        conf.output = d->output;
        if (!(d->feed = bp_demo_feed_new(&conf, errstr, sizeof(errstr))))
                return fail("cannot read the output topics", errstr);
        return BP_EXIT_OK;
}

static void print_header(const demo_t *d) {
        const bp_demo_opts_t *o = d->o;

        if (d->mock)
                printf("badgeproc demo: a mock Kafka cluster of %d brokers in "
                       "this process, %zu topics of %d partitions\n",
                       DEMO_BROKERS, DEMO_TOPIC_CNT, o->partitions);
        else
                printf("badgeproc demo: the Kafka cluster at %s, %zu topics "
                       "of %d partitions named %.*s* (left in place)\n",
                       d->brokers, DEMO_TOPIC_CNT, o->partitions,
                       (int)(strlen(d->topics[0]) - strlen(demo_topics[0])),
                       d->topics[0]);
        printf("  scenario  %" PRIu64 " events, %" PRIu32
               " freelancers, %" PRIu32 " partners, seed %" PRIu64,
               o->events, o->gen.freelancers, o->gen.partners, o->gen.seed);
        if (o->rate)
                printf(", %" PRIu64 " events/s", o->rate);
        printf("\n  rules     %s (%s)\n", o->rules_dir, o->rules_version);
        if (d->server)
                printf("  metrics   http://%s:%d/metrics  (also /healthz, "
                       "/readyz)\n",
                       d->metrics_host, bp_metrics_server_port(d->server));
        printf("  state     %s (removed at the end)\n", o->state_dir);
        printf("== badge events, as published on %s\n", d->topics[4]);
        fflush(stdout);
}

static uint64_t consumed(const demo_t *d) {
        uint64_t n = 0;
        int      i;

        for (i = 0; i < BP_EV__CNT; i++)
                n += bp_metrics_counter_value(d->consumed[i]);
        return n;
}

/* Once production is over, the feed learns where the inputs end. */
static int check_producer(demo_t *d, bool *target_set) {
        char errstr[512];
        int  done = atomic_load(&d->producer_done);

        if (done < 0)
                return fail("producing the scenario failed", d->producer_err);
        if (done == 0 || *target_set)
                return BP_EXIT_OK;
        if (bp_demo_feed_set_target(d->feed, d->topics, 10000, errstr,
                                    sizeof(errstr)))
                return fail("cannot read the input ends", errstr);
        *target_set = true;
        return BP_EXIT_OK;
}

/* Shows the output until everything produced is processed and shown. */
static int watch(demo_t *d) {
        bool target_set = false;
        char errstr[512];
        int  rc;

        while (!bp_cli_stopping()) {
                if (atomic_load(&d->runner_done))
                        return fail("the processor stopped",
                                    bp_err_str(d->runner_err));
                if ((rc = check_producer(d, &target_set)) != BP_EXIT_OK)
                        return rc;
                if (bp_demo_feed_poll(d->feed, DEMO_POLL_MS, errstr,
                                      sizeof(errstr)))
                        return fail("feed", errstr);
                if (d->t_first == 0 && consumed(d) > 0)
                        d->t_first = now_s();
                if (bp_demo_feed_caught_up(d->feed, 10000)) {
                        d->t_done = now_s();
                        return BP_EXIT_OK;
                }
                if (now_s() - d->t_start > d->o->timeout_s) {
                        fprintf(stderr,
                                "demo: not done after %d s (--timeout)\n",
                                d->o->timeout_s);
                        return BP_EXIT_FATAL;
                }
        }
        fputs("demo: interrupted\n", stderr);
        return BP_EXIT_FATAL;
}

static void print_summary(const demo_t *d, const bp_runner_stats_t *st) {
        bp_demo_feed_counts_t fc;
        double                busy = d->t_done - d->t_first;

        bp_demo_feed_counts(d->feed, &fc);
        printf("== summary\n");
        printf("  events in       %8" PRIu64
               "  (produced to %d input topics)\n",
               d->delivered.delivered, BP_EV__CNT);
        printf("  events applied  %8" PRIu64 "\n", st->applied);
        printf("  badges granted  %8" PRIu64 "\n", st->granted);
        printf("  badges revoked  %8" PRIu64 "\n", st->revoked);
        printf("  dead letters    %8" PRIu64 "\n", st->dead_lettered);
        printf("  transactions    %8" PRIu64 "  committed, %" PRIu64
               " aborted\n",
               st->batches, st->aborted);
        if (busy > 0)
                printf("  events/s        %8.0f  (%.2f s from the first "
                       "record consumed to the last commit seen)\n",
                       (double)st->applied / busy, busy);
        printf("  wall time       %8.1f s\n", d->t_done - d->t_start);
        if (fc.granted != st->granted || fc.revoked != st->revoked ||
            fc.dead_letters != st->dead_lettered || fc.undecodable)
                printf("  note: read back %" PRIu64 " grants, %" PRIu64
                       " revocations, %" PRIu64 " dead letters, %" PRIu64
                       " undecodable records (the mock cluster also shows "
                       "records of aborted transactions)\n",
                       fc.granted, fc.revoked, fc.dead_letters, fc.undecodable);
}

/* Stops the threads (producer first: the runner must see its end). */
static void stop_threads(demo_t *d) {
        if (d->producer_started) {
                d->producer_stop = 1;
                pthread_join(d->producer_thread, NULL);
                d->producer_started = false;
        }
        if (d->runner_started) {
                d->runner_stop = 1;
                pthread_join(d->runner_thread, NULL);
                d->runner_started = false;
        }
}

static void close_all(demo_t *d) {
        stop_threads(d);
        bp_runner_destroy(d->runner);
        bp_demo_feed_destroy(d->feed);
        bp_metrics_server_destroy(d->server);
        bp_metrics_destroy(d->metrics);
        if (d->output)
                fclose(d->output);
        if (d->mock) {
                bp_mock_destroy(d->mock);
                rd_kafka_wait_destroyed(5000);
        }
}

int bp_demo_run(const bp_demo_opts_t *o) {
        demo_t            d = {.o = o, .t_start = now_s()};
        bp_runner_stats_t st;
        int               rc;

        if ((rc = start_cluster(&d)) || (rc = start_metrics(&d)) ||
            (rc = start_runner(&d)) || (rc = start_feed(&d)))
                goto out;
        print_header(&d);
        if (pthread_create(&d.producer_thread, NULL, producer_main, &d)) {
                rc = fail("cannot start the producer", "pthread_create");
                goto out;
        }
        d.producer_started = true;
        if ((rc = watch(&d)) != BP_EXIT_OK)
                goto out;
        stop_threads(&d);
        if (d.runner_err) {
                rc = fail("the processor stopped", bp_err_str(d.runner_err));
                goto out;
        }
        bp_runner_stats(d.runner, &st);
        print_summary(&d, &st);
out:
        fflush(stdout);
        close_all(&d);
        return rc;
}
