/*
 * cmd_run.c - `badgeproc run --config FILE [--set key=value ...]`.
 *
 * Builds the one immutable configuration (file, then --set overrides),
 * maps it onto the runner, installs the signal handlers (they only set
 * flags, as in kcat) and runs until SIGINT or SIGTERM. SIGHUP reloads the
 * rules. Exit status: 0 after a clean stop, 1 on a fatal error (a fenced
 * producer, a broken store, a state directory another process writes),
 * 2 on a usage or configuration error (the rules' included).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_config.h"
#include "bp_log.h"
#include "bp_metrics.h"
#include "bp_runner.h"
#include "commands.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t reload_flag;

static void on_stop(int sig) {
        (void)sig;
        stop_flag = 1;
}

static void on_reload(int sig) {
        (void)sig;
        reload_flag = 1;
}

static void usage(FILE *out) {
        fprintf(out,
                "usage: badgeproc run [--config FILE] [--set key=value ...]\n"
                "                     [--print-config] [--describe-config]\n"
                "Consumes the four input topics as a member of the consumer\n"
                "group and publishes badge events (see README: config).\n"
                "SIGTERM/SIGINT: finish the batch, commit, leave the group.\n"
                "SIGHUP: reload the rules and re-evaluate if they changed.\n"
                "--print-config: the effective configuration, secrets\n"
                "redacted; --describe-config: every key, its default and\n"
                "meaning, as a Markdown table.\n");
}

static void install_signals(void) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sa.sa_handler = on_reload;
        sigaction(SIGHUP, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}

/* The runner's view of the configuration; strings stay owned by conf,
 * but for the schema map's path, written into schema_map. */
static void runner_conf(const bp_config_t *conf, char *schema_map,
                        size_t schema_map_size, bp_runner_conf_t *rc) {
        size_t len;

        bp_runner_conf_defaults(rc);
        rc->kafka              = conf->kafka;
        rc->kafka_cnt          = conf->kafka_cnt;
        rc->group_id           = conf->group_id;
        rc->transactional_id   = conf->transactional_id;
        rc->instance_id        = conf->instance_id;
        rc->topics[0]          = conf->topics.profile_updated;
        rc->topics[1]          = conf->topics.contract_completed;
        rc->topics[2]          = conf->topics.invitation_sent;
        rc->topics[3]          = conf->topics.partner_decision;
        rc->topic_badge_events = conf->topics.badge_events;
        rc->topic_dlq          = conf->topics.dlq;
        rc->topic_changelog    = conf->topics.changelog;
        rc->rules_dir          = conf->rules_dir;
        rc->reload_max_changes = conf->rules_reload_max_changes;
        rc->state_dir          = conf->state_dir;
        rc->state_map_size     = (size_t)conf->state_max_size_mb << 20;
        rc->registry_url       = conf->schema_registry_url;
        /* schemas.dir holds the local schema map the codec reads. */
        len = strlen(conf->schemas_dir);
        snprintf(schema_map, schema_map_size, "%s%sschema-map.txt",
                 conf->schemas_dir,
                 len && conf->schemas_dir[len - 1] == '/' ? "" : "/");
        rc->schema_map          = schema_map;
        rc->decision_log        = conf->decision_log;
        rc->guarantee           = conf->guarantee == BP_CONFIG_EXACTLY_ONCE
                                      ? BP_EXACTLY_ONCE
                                      : BP_AT_LEAST_ONCE;
        rc->commit_interval_ms  = conf->commit_interval_ms;
        rc->batch_max_events    = conf->batch_max_events;
        rc->batch_poison_aborts = conf->batch_poison_aborts;
        rc->partition_stall_timeout_ms = conf->partition_stall_timeout_ms;
        rc->state_cache_max            = (size_t)conf->state_cache_max;
        rc->restore_read_ahead         = conf->restore_read_ahead;
        rc->state_flush_max_states     = conf->state_flush_max_states;
        rc->state_fsync                = conf->state_fsync;
        if (conf->stats_interval_ms > 0)
                rc->log_stats_interval_ms = conf->stats_interval_ms;
        rc->stats_interval_ms   = conf->stats_interval_ms;
        rc->shutdown_timeout_ms = conf->shutdown_timeout_ms;
}

/* The metrics registry and its HTTP server (/metrics, /healthz, /readyz);
 * the loop is considered stalled after 30 s without a heartbeat. */
static int start_metrics(const bp_config_t *conf, bp_metrics_t **metrics,
                         bp_metrics_server_t **server, char *errstr,
                         size_t errstr_size) {
        if (!(*metrics = bp_metrics_new())) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (bp_metrics_server_new(server, *metrics, conf->metrics_host,
                                  conf->metrics_port, 30000, errstr,
                                  errstr_size))
                return -1;
        return 0;
}

int bp_cmd_run(int argc, char **argv) {
        static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},
            {"set", required_argument, NULL, 's'},
            {"print-config", no_argument, NULL, 'p'},
            {"describe-config", no_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
        const char          *path    = NULL;
        const char         **sets    = calloc((size_t)argc + 1, sizeof(*sets));
        size_t               set_cnt = 0;
        int                  print = 0, c, rc = 2;
        char                 errstr[512], schema_map[4096];
        bp_config_t         *conf = NULL;
        bp_runner_conf_t     rconf;
        bp_runner_t         *runner  = NULL;
        bp_rules_t          *rules   = NULL;
        bp_metrics_t        *metrics = NULL;
        bp_metrics_server_t *server  = NULL;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:s:ph", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        path = optarg;
                        break;
                case 's':
                        sets[set_cnt++] = optarg;
                        break;
                case 'p':
                        print = 1;
                        break;
                case 'd':
                        bp_config_describe(stdout);
                        rc = 0;
                        goto out;
                case 'h':
                        usage(stdout);
                        rc = 0;
                        goto out;
                default:
                        usage(stderr);
                        goto out;
                }
        }
        if (optind < argc) {
                usage(stderr);
                goto out;
        }
        if (bp_config_new(&conf, path, sets, set_cnt, errstr, sizeof(errstr))) {
                fprintf(stderr, "badgeproc run: %s\n", errstr);
                goto out;
        }
        if (print) {
                bp_config_dump(conf, stdout);
                rc = 0;
                goto out;
        }
        if (bp_config_check_run(conf, errstr, sizeof(errstr))) {
                fprintf(stderr, "badgeproc run: %s\n", errstr);
                goto out;
        }
        bp_log_set_level(conf->log_level);
        /* Rules are configuration: an error in them is one of the
         * configuration (exit 2), found before anything starts. */
        if (!(rules =
                  bp_rules_load_dir(conf->rules_dir, errstr, sizeof(errstr)))) {
                BP_LOG(BP_LOG_ERROR, "start_failed", "error=%s", errstr);
                rc = 2;
                goto out;
        }
        runner_conf(conf, schema_map, sizeof(schema_map), &rconf);
        install_signals();
        if (conf->metrics_host &&
            start_metrics(conf, &metrics, &server, errstr, sizeof(errstr))) {
                BP_LOG(BP_LOG_ERROR, "start_failed", "error=%s", errstr);
                rc = 1;
                goto out;
        }
        rconf.metrics = metrics;
        rconf.server  = server;
        rconf.rules   = rules; /* the runner's from here on */
        rules         = NULL;
        if (!(runner = bp_runner_new(&rconf, errstr, sizeof(errstr)))) {
                BP_LOG(BP_LOG_ERROR, "start_failed", "error=%s", errstr);
                rc = 1;
                goto out;
        }
        rc = bp_runner_run(runner, &stop_flag, &reload_flag) ? 1 : 0;
out:
        bp_rules_destroy(rules);
        bp_runner_destroy(runner);
        bp_metrics_server_destroy(server);
        bp_metrics_destroy(metrics);
        bp_config_destroy(conf);
        free(sets);
        return rc;
}
