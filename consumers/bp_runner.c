/*
 * bp_runner.c - the runner's life: start, the poll loop and a clean stop.
 * A batch's commit, abort and rewind are in bp_runner_txn.c.
 *
 * One thread does everything: it polls the consumer, feeds tasks, applies
 * records, produces, and commits. librdkafka's own threads never call back
 * into this code except through rd_kafka_poll() here, so no locking is
 * needed. Errors are classed as examples/transactions.c does: retriable
 * calls are retried, abortable ones abort the batch and rewind every task
 * to its last commit, fatal ones (this producer was fenced) stop the
 * process with a non-zero exit.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp_log.h"
#include "bp_reload_guard.h"
#include "bp_runner_int.h"

#define POLL_MS 20

int64_t bp_runner_now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bp_runner_conf_defaults(bp_runner_conf_t *c) {
        memset(c, 0, sizeof(*c));
        c->group_id           = "badgeproc";
        c->transactional_id   = "badgeproc-0";
        c->topics[0]          = "profile-updated";
        c->topics[1]          = "contract-completed";
        c->topics[2]          = "invitation-sent";
        c->topics[3]          = "partner-decision";
        c->topic_badge_events = "badge-events";
        c->topic_dlq          = "badge-dlq";
        c->topic_changelog    = "badge-state-changelog";
        c->rules_dir          = "rules/";
        /* rules.reload.max.changes's default, 1%. */
        c->reload_max_changes.kind    = BP_CHANGE_LIMIT_SHARE;
        c->reload_max_changes.percent = 1.0;
        c->state_dir                  = "state/";
        c->guarantee                  = BP_EXACTLY_ONCE;
        c->commit_interval_ms         = 100;
        c->batch_max_events           = 10000;
        c->batch_poison_aborts        = 3;
        c->partition_stall_timeout_ms = 60000;
        /* Records queued per input before it is paused (at 3/4; resumed
         * at 1/4). A batch takes ~batch_max_events / (4 x tasks) from
         * each input, so 2,048 is several batches ahead, while 48 inputs
         * x 20,000 (the old bound) let a backlog pin ~700,000 fetched
         * messages and their fetch buffers: most of the memory. */
        c->merge_queue_max        = 2048;
        c->log_stats_interval_ms  = 10000;
        c->state_cache_max        = 25000;
        c->state_flush_max_states = BP_STORE_WRITE_CHUNK;
        c->restore_read_ahead     = 1000000;
        c->shutdown_timeout_ms    = 30000;
}

void bp_runner_set_fatal(bp_runner_t *r, const char *fmt, ...) {
        va_list ap;
        if (r->fatal)
                return;
        r->fatal = true;
        va_start(ap, fmt);
        vsnprintf(r->fatal_reason, sizeof(r->fatal_reason), fmt, ap);
        va_end(ap);
        BP_LOG(BP_LOG_ERROR, "fatal", "error=%s", r->fatal_reason);
}

/* The partitions a transaction was refused, as librdkafka logs them:
 * its transactional error says "Topic authorization failed" and nothing
 * of which topic (2.0.2 names it in the ADDPARTS log line only). The
 * producer's log callback keeps the first such line of each producer,
 * for the reason of the fatal error; it runs on librdkafka's threads. */
static pthread_mutex_t   refused_lock = PTHREAD_MUTEX_INITIALIZER;
static const rd_kafka_t *refused_rk;
static char              refused[256];

static void producer_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                            const char *buf) {
        const char *msg;
        bp_log_rdkafka(rk, level, fac, buf);
        if (strcmp(fac, "ADDPARTS") != 0 ||
            !strstr(buf, "authorization failed") ||
            !(msg = strstr(buf, "Failed to add partition")))
                return;
        pthread_mutex_lock(&refused_lock);
        if (refused_rk != rk) {
                refused_rk = rk;
                snprintf(refused, sizeof(refused), "%s", msg);
        }
        pthread_mutex_unlock(&refused_lock);
}

void bp_runner_prod_fatal(bp_runner_t *r, rd_kafka_resp_err_t code,
                          const char *fmt, ...) {
        va_list ap;
        size_t  len;
        if (r->prod.fatal)
                return;
        r->prod.fatal      = true;
        r->prod.fatal_code = code;
        va_start(ap, fmt);
        vsnprintf(r->prod.fatal_reason, sizeof(r->prod.fatal_reason), fmt, ap);
        va_end(ap);
        if (code != RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
                return;
        /* Which topic, when librdkafka said it (producer_log_cb). */
        len = strlen(r->prod.fatal_reason);
        pthread_mutex_lock(&refused_lock);
        if (refused_rk == r->producer)
                snprintf(r->prod.fatal_reason + len,
                         sizeof(r->prod.fatal_reason) - len, ": %s", refused);
        pthread_mutex_unlock(&refused_lock);
}

/* Says, once, that another instance with our transactional.id (the
 * producer's fencing) or our group.instance.id (the consumer's, static
 * membership) took over: the one fatal error an operator must be able to
 * tell at a glance (two instances given the same instance.id, or a zombie
 * that came back after its replacement started). */
void bp_runner_check_fenced(bp_runner_t *r, rd_kafka_resp_err_t code) {
        if (r->fenced || (code != RD_KAFKA_RESP_ERR__FENCED &&
                          code != RD_KAFKA_RESP_ERR_PRODUCER_FENCED &&
                          code != RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH &&
                          code != RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID))
                return;
        r->fenced = true;
        /* librdkafka 2.0.2 also fences itself: when its group
         * coordinator was unreachable for longer than the session
         * timeout it forgets its member id and heartbeats with an empty
         * one under its own group.instance.id (upstream issue #3437,
         * open). Hence the second half of the reason, and why the
         * session timeout must outlast a coordinator failover. */
        if (code == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID) {
                BP_LOG(BP_LOG_ERROR, "fenced",
                       "group_instance_id=%s error=%s action=stopping "
                       "reason=\"another member with this instance.id "
                       "joined the group, or this one's session "
                       "(kafka.session.timeout.ms) expired while its group "
                       "coordinator was unreachable; this one must stop\"",
                       r->conf.instance_id ? r->conf.instance_id : "",
                       rd_kafka_err2str(code));
                return;
        }
        BP_LOG(BP_LOG_ERROR, "fenced",
               "transactional_id=%s error=%s action=stopping "
               "reason=\"another instance with this transactional.id "
               "(kafka.group.id-instance.id) started; this one must stop\"",
               r->conf.transactional_id, rd_kafka_err2str(code));
}

/* Delivery reports: a seal (__offsets record) tells where its task's
 * changelog now ends; any failure makes the batch unsafe to commit. Called
 * on the thread driving the producer (its flush or poll), so the findings
 * go to r->prod (see bp_runner_take_outcome). */
static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque) {
        bp_runner_t *r = opaque;
        (void)rk;
        if (rkm->err) {
                BP_LOG(BP_LOG_WARN, "delivery_failed", "topic=%s error=%s",
                       rd_kafka_topic_name(rkm->rkt),
                       rd_kafka_err2str(rkm->err));
                if (bp_kafka_err_class(rkm->err) == BP_KAFKA_FATAL)
                        bp_runner_prod_fatal(r, rkm->err, "delivery to %s: %s",
                                             rd_kafka_topic_name(rkm->rkt),
                                             rd_kafka_err2str(rkm->err));
                bp_runner_prod_refused(r, rkm->err,
                                       rd_kafka_topic_name(rkm->rkt));
                r->prod.abort_needed = true;
                return;
        }
        if (rkm->_private) {
                /* A changelog record of jt's partition: a seal, or a state
                 * (see BP_FIRST_STATE_HEADER). */
                bp_job_task_t *jt = rkm->_private;
                if (bp_changelog_is_seal(rkm))
                        jt->changelog_next = rkm->offset + 1;
                else if (jt->first_state < 0 || rkm->offset < jt->first_state)
                        jt->first_state = rkm->offset;
        }
}

/* The consumer's errors: its callbacks run on the runner's thread. */
static void error_cb(rd_kafka_t *rk, int err, const char *reason,
                     void *opaque) {
        bp_runner_t *r = opaque;
        char         fatal[512];
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                bp_runner_check_fenced(
                    r, rd_kafka_fatal_error(rk, fatal, sizeof(fatal)));
                bp_runner_set_fatal(r, "%s: %s", rd_kafka_name(rk), fatal);
                return;
        }
        BP_LOG(BP_LOG_WARN, "kafka_error", "client=%s error=%s",
               rd_kafka_name(rk), reason);
}

/* The producer's errors: on the thread driving it, into r->prod. */
static void producer_error_cb(rd_kafka_t *rk, int err, const char *reason,
                              void *opaque) {
        bp_runner_t *r = opaque;
        char         fatal[400];
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                rd_kafka_resp_err_t code =
                    rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
                bp_runner_prod_fatal(r, code, "%s: %s", rd_kafka_name(rk),
                                     fatal);
                return;
        }
        BP_LOG(BP_LOG_WARN, "kafka_error", "client=%s error=%s",
               rd_kafka_name(rk), reason);
}

void bp_runner_log_error(const char *call, rd_kafka_error_t *error) {
        if (!error)
                return;
        BP_LOG(BP_LOG_WARN, "kafka_call_failed", "call=%s error=%s", call,
               rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
}

bp_err_t bp_runner_produce(bp_runner_t *r, bp_out_topic_t out,
                           int32_t partition, const void *key, size_t key_len,
                           const void *value, size_t value_len,
                           rd_kafka_headers_t *hdrs, void *opaque) {
        rd_kafka_resp_err_t err;
        for (;;) {
                /* A handle, not the topic's name: by name, librdkafka
                 * takes its handle's write lock and looks the topic up
                 * for every record. */
                err = rd_kafka_producev(
                    r->producer, RD_KAFKA_V_RKT(r->out_rkt[out]),
                    RD_KAFKA_V_PARTITION(partition),
                    RD_KAFKA_V_KEY(key, key_len),
                    RD_KAFKA_V_VALUE((void *)value, value_len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque),
                    RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(r->producer, 50); /* let deliveries drain */
        }
        if (err) {
                if (hdrs)
                        rd_kafka_headers_destroy(hdrs);
                BP_LOG(BP_LOG_WARN, "produce_failed", "topic=%s error=%s",
                       rd_kafka_topic_name(r->out_rkt[out]),
                       rd_kafka_err2str(err));
                /* Larger than message.max.bytes: refused before sending. */
                bp_runner_prod_refused(r, err,
                                       rd_kafka_topic_name(r->out_rkt[out]));
                r->prod.abort_needed = true;
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

static int input_of(const bp_runner_t *r, const char *topic) {
        int i;
        for (i = 0; i < BP_MERGE_INPUTS; i++)
                if (strcmp(r->conf.topics[i], topic) == 0)
                        return i;
        return -1;
}

/* Routes one consumed message (or consumer event) to its task. */
static void route(bp_runner_t *r, rd_kafka_message_t *rkm) {
        int input = rkm->rkt ? input_of(r, rd_kafka_topic_name(rkm->rkt)) : -1;
        bp_task_t                *t = NULL;
        rd_kafka_timestamp_type_t tstype;
        int64_t                   ts;

        if (input >= 0 && rkm->partition >= 0 &&
            rkm->partition < r->partition_cnt)
                t = r->tasks[rkm->partition];
        /* Fetched before the restore's seek: stale, dropped (the seek
         * brings what is needed again). */
        if (t && t->restore)
                goto drop;
        if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (t)
                        bp_merge_set_eof(t->merge, input);
                goto drop;
        }
        if (rkm->err) {
                const char *topic =
                    rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "";
                BP_LOG(BP_LOG_WARN, "consume_error", "topic=%s error=%s", topic,
                       rd_kafka_message_errstr(rkm));
                /* Errors that no retry heals (refused by the ACLs, a
                 * session timeout outside the broker's bounds) stop the
                 * process instead of looping on them. An error of no
                 * topic is the group's. */
                if (rkm->err == RD_KAFKA_RESP_ERR__FATAL)
                        bp_runner_check_fenced(
                            r, rd_kafka_fatal_error(r->consumer, NULL, 0));
                if (bp_kafka_err_class(rkm->err) == BP_KAFKA_FATAL)
                        bp_runner_set_fatal(r, "consumer: %s %s: %s",
                                            *topic ? "topic" : "group",
                                            *topic ? topic : r->conf.group_id,
                                            rd_kafka_message_errstr(rkm));
                goto drop;
        }
        /* Not ours any more, a redelivery from before a seek, or one
         * fetched while the seek is still to be done. */
        if (!t || t->seek_pending || rkm->offset < t->fetched[input])
                goto drop;
        ts = rd_kafka_message_timestamp(rkm, &tstype);
        if (bp_merge_push(t->merge, input, ts < 0 ? 0 : ts, rkm->offset, rkm) !=
            BP_OK) {
                /* Queue full: fetch this record again once it drains. */
                rd_kafka_topic_partition_list_t *l =
                    rd_kafka_topic_partition_list_new(1);
                rd_kafka_topic_partition_list_add(l, r->conf.topics[input],
                                                  rkm->partition)
                    ->offset = rkm->offset;
                bp_runner_log_error(
                    "seek", rd_kafka_seek_partitions(r->consumer, l, 1000));
                rd_kafka_topic_partition_list_destroy(l);
                goto drop;
        }
        t->fetched[input] = rkm->offset + 1;
        r->stats.consumed++;
        bp_runner_metrics_consumed(r->metrics, input);
        return;
drop:
        rd_kafka_message_destroy(rkm);
}

/* The gauges that are read rather than counted: the store's record count
 * and each owned input partition's lag. The lag uses the high watermarks
 * librdkafka caches from fetch responses (no request is sent), against
 * what this instance has committed: librdkafka's own consumer_lag counts
 * from committed group offsets, which this design does not rely on. */
static void update_gauges(bp_runner_t *r) {
        bp_store_stats_t st;
        char             errstr[256];
        int              p, i;
        int64_t          lo, hi;

        if (bp_store_stats(r->store, &st, errstr, sizeof(errstr)) == BP_OK)
                bp_runner_metrics_state_entries(r->metrics, st.entries);
        for (p = 0; p < r->partition_cnt; p++) {
                bp_task_t *t = r->tasks[p];
                for (i = 0; t && !t->restore && i < BP_MERGE_INPUTS; i++) {
                        if (rd_kafka_get_watermark_offsets(
                                r->consumer, r->conf.topics[i], p, &lo, &hi) ||
                            hi < 0)
                                continue;
                        bp_runner_metrics_lag(
                            r->metrics, i, p,
                            hi - (t->committed[i] < 0 ? lo : t->committed[i]));
                }
        }
}

static void log_stats(bp_runner_t *r) {
        int64_t now = bp_runner_now_ms();
        double  secs;
        if (now - r->last_stats_ms < r->conf.log_stats_interval_ms)
                return;
        secs = (double)(now - r->last_stats_ms) / 1000.0;
        BP_LOG(BP_LOG_INFO, "progress",
               "applied=%llu events_per_s=%.0f granted=%llu revoked=%llu "
               "dead_lettered=%llu poisoned=%llu batches=%llu aborted=%llu "
               "stalled=%d fetch_wakes=%llu",
               (unsigned long long)r->stats.applied,
               (double)(r->stats.applied - r->last_stats_applied) / secs,
               (unsigned long long)r->stats.granted,
               (unsigned long long)r->stats.revoked,
               (unsigned long long)r->stats.dead_lettered,
               (unsigned long long)r->stats.poisoned,
               (unsigned long long)r->stats.batches,
               (unsigned long long)r->stats.aborted, r->stalled,
               (unsigned long long)r->stats_fetch_wakes);
        r->last_stats_ms      = now;
        r->last_stats_applied = r->stats.applied;
}

/* May rules replace the rules in force? The reload guard counts what the
 * re-evaluation of the partitions that would be re-evaluated now (those
 * not restoring) would publish, over their stored states. */
static bp_err_t guard_reload(bp_runner_t *r, const bp_rules_t *rules,
                             bool *allowed) {
        bp_reload_guard_in_t in;
        int32_t             *parts;
        char                 errstr[512];
        bp_err_t             err;
        int                  p;

        /* It reads every state from the store: queued ones first. */
        if ((err = bp_runner_store_flush(r)))
                return err;
        if (!(parts = calloc((size_t)r->partition_cnt + 1, sizeof(*parts))))
                return BP_ERR_NOMEM;
        memset(&in, 0, sizeof(in));
        for (p = 0; p < r->partition_cnt; p++)
                if (r->tasks[p] && !r->tasks[p]->restore)
                        parts[in.partition_cnt++] = r->tasks[p]->partition;
        in.store      = r->store;
        in.codec      = r->state_codec;
        in.partitions = parts;
        in.cur        = r->rules;
        in.next       = rules;
        in.limit      = r->conf.reload_max_changes;
        in.rules_dir  = r->conf.rules_dir;
        in.at         = bp_task_wall_clock_ms();
        err = bp_reload_guard_judge(&in, allowed, errstr, sizeof(errstr));
        free(parts);
        if (err == BP_ERR_STATE)
                bp_runner_set_fatal(r, "rules reload guard: %s", errstr);
        return err;
}

/* Reloads the rules; when their version changed and the reload guard lets
 * them in, every freelancer of the assigned partitions is re-evaluated in
 * a batch of its own. A reload that cannot go ahead (a rules error, too
 * many changes unconfirmed) says why and leaves the rules in force. */
static bp_err_t reload_rules(bp_runner_t *r) {
        char        errstr[512];
        bp_rules_t *rules;
        bool        allowed;
        bp_err_t    err;
        int         p;

        if ((err = bp_runner_commit(r)))
                return err;
        if (!(rules = bp_rules_load_dir(r->conf.rules_dir, errstr,
                                        sizeof(errstr)))) {
                /* Never half-applied: the old rules stay in force. */
                BP_LOG(BP_LOG_ERROR, "rules_reload_failed",
                       "error=%s rules_version=%s then=%s", errstr,
                       r->rules->version, "the rules in force stay");
                return BP_OK;
        }
        if (strcmp(rules->version, r->rules->version) == 0) {
                BP_LOG(BP_LOG_INFO, "rules_unchanged", "rules_version=%s",
                       rules->version);
                bp_rules_destroy(rules);
                return BP_OK;
        }
        if ((err = guard_reload(r, rules, &allowed)) || !allowed) {
                bp_rules_destroy(rules);
                return err;
        }
        BP_LOG(BP_LOG_INFO, "rules_reloaded", "old=%s new=%s",
               r->rules->version, rules->version);
        bp_rules_destroy(r->rules);
        r->rules = rules;
        for (p = 0; p < r->partition_cnt; p++) {
                /* A restoring task compares versions when it ends. */
                if (!r->tasks[p] || r->tasks[p]->restore)
                        continue;
                if ((err = bp_task_reevaluate(r, r->tasks[p])) ||
                    (err = bp_runner_commit(r)))
                        return err;
        }
        return BP_OK;
}

/* Is the open batch old enough to commit? commit.interval.ms counts from
 * the start of the previous commit, so that batches follow each other
 * every interval while records keep coming: counted from the batch's
 * first record, which came after that commit, a record that arrived
 * during it waited the commit, a whole interval and the next commit
 * (at 10,000 events/s, a ~30 ms commit made ~130 ms cycles instead of
 * ~100). But a batch stays open at least half an interval, so that slow
 * commits do not turn into a stream of tiny transactions. */
static bool commit_due(const bp_runner_t *r) {
        int64_t now = bp_runner_now_ms(), interval = r->conf.commit_interval_ms;
        return now - r->last_commit_ms >= interval &&
               now - r->batch_started_ms >= interval / 2;
}

/* One turn of the loop: fetch what is there, apply what can be applied,
 * commit when the batch is full or old enough. */
static bp_err_t turn(bp_runner_t *r) {
        rd_kafka_message_t *rkm;
        int                 n = 0, p;
        bp_err_t            err;

        bp_metrics_server_heartbeat(r->conf.server);
        if ((err = bp_restore_step(r)))
                return err;
        /* While restores run, their slices are the wait. */
        rkm = rd_kafka_consumer_poll(r->consumer, r->restoring ? 0 : POLL_MS);
        while (rkm) {
                route(r, rkm);
                if (++n >= 10000)
                        break;
                rkm = rd_kafka_consumer_poll(r->consumer, 0);
        }
        bp_fetch_wake(r, n);
        for (p = 0; p < r->partition_cnt && !r->fatal; p++) {
                bp_task_t *t = r->tasks[p];
                if (!t || t->restore)
                        continue;
                if (t->seek_pending) {
                        bp_rebalance_seek_committed(r, t);
                        continue;
                }
                if (t->needs_reevaluation) {
                        /* Alone in its batch, on states fresh from the
                         * store (see bp_task_reevaluate). */
                        t->needs_reevaluation = false;
                        if ((err = bp_runner_commit(r)) ||
                            (err = bp_task_reevaluate(r, t)) ||
                            (err = bp_runner_commit(r)))
                                return err;
                }
                err = bp_task_drain(r, t);
                if (err == BP_ERR_IO || (err && r->abort_needed)) {
                        bp_runner_abort(r);
                        if (err == BP_ERR_IO)
                                rd_kafka_poll(r->producer, 1000); /* back off */
                        return r->fatal ? BP_ERR_KAFKA : BP_OK;
                }
                if (err)
                        return err;
                bp_rebalance_flow_control(r, t);
                if (r->batch_events >= bp_runner_batch_max(r) &&
                    (err = bp_runner_commit_start(r)))
                        return err;
        }
        /* A commit that ended while the runner was busy: its bookkeeping
         * (store queue, committed offsets) need not wait for the next. */
        if (r->job_in_flight && !bp_worker_busy(r->committer) &&
            (err = bp_runner_join_or_abort(r)))
                return err;
        if (!r->job_in_flight) {
                rd_kafka_poll(r->producer, 0);
                bp_runner_take_outcome(r);
        }
        if (r->abort_needed)
                bp_runner_abort(r);
        if (r->batch_events > 0 && commit_due(r) &&
            (err = bp_runner_commit_start(r)))
                return err;
        if (bp_runner_now_ms() - r->last_flush_ms >= BP_STORE_FLUSH_MS &&
            (err = bp_runner_store_flush_async(r)))
                return err;
        bp_runner_health_check(r);
        log_stats(r);
        if (r->conf.metrics && r->conf.stats_interval_ms > 0 &&
            bp_runner_now_ms() - r->last_gauges_ms >=
                r->conf.stats_interval_ms) {
                r->last_gauges_ms = bp_runner_now_ms();
                update_gauges(r);
        }
        return r->fatal ? BP_ERR_KAFKA : BP_OK;
}

bp_err_t bp_runner_run(bp_runner_t *r, volatile sig_atomic_t *stop,
                       volatile sig_atomic_t *reload) {
        bp_err_t err = BP_OK;

        BP_LOG(BP_LOG_INFO, "started",
               "group=%s transactional_id=%s guarantee=%s rules_version=%s "
               "partitions=%d",
               r->conf.group_id, r->conf.transactional_id,
               r->conf.guarantee == BP_EXACTLY_ONCE ? "exactly_once"
                                                    : "at_least_once",
               r->rules->version, r->partition_cnt);
        r->last_stats_ms = bp_runner_now_ms();
        while (!*stop && !err) {
                if (reload && *reload) {
                        *reload = 0;
                        err     = reload_rules(r);
                        continue;
                }
                err = turn(r);
        }
        /* From here the stop is bounded: a client call that never
         * returns must not keep the process (and its exit status) from
         * the orchestrator. */
        if (r->conf.shutdown_timeout_ms > 0)
                r->deadline = bp_exit_deadline_start(
                    r->conf.shutdown_timeout_ms, "last_commit");
        if (!err)
                err = bp_runner_commit(r);
        if (!err)
                err = bp_runner_store_flush(r);
        /* Leaving the group revokes the partitions; the rebalance callback
         * commits (nothing left) and drops the tasks. */
        if (!r->fatal) {
                bp_exit_deadline_phase(r->deadline, "consumer_close");
                rd_kafka_consumer_close(r->consumer);
        }
        BP_LOG(err ? BP_LOG_ERROR : BP_LOG_INFO, "stopped",
               "applied=%llu granted=%llu revoked=%llu dead_lettered=%llu "
               "poisoned=%llu batches=%llu aborted=%llu error=%s",
               (unsigned long long)r->stats.applied,
               (unsigned long long)r->stats.granted,
               (unsigned long long)r->stats.revoked,
               (unsigned long long)r->stats.dead_lettered,
               (unsigned long long)r->stats.poisoned,
               (unsigned long long)r->stats.batches,
               (unsigned long long)r->stats.aborted,
               r->fatal ? r->fatal_reason : "none");
        return err;
}

void bp_runner_stats(const bp_runner_t *r, bp_runner_stats_t *out) {
        *out = r->stats;
}

/* Our tuning defaults (bp_runner_tuning.c), the user's kafka.*
 * properties, then the ones the protocol depends on: those come last so
 * that no setting can silently break exactly-once. */
static rd_kafka_conf_t *client_conf(bp_runner_t *r, int consumer, char *errstr,
                                    size_t errstr_size) {
        const bp_kafka_kv_t consumer_kv[] = {
            {"group.id", r->conf.group_id},
            {"enable.auto.commit", "false"},
            {"enable.auto.offset.store", "false"},
            {"enable.partition.eof", "true"},
            {"isolation.level", "read_committed"},
            {"auto.offset.reset", "earliest"},
        };
        const bp_kafka_kv_t eos_kv[] = {
            {"transactional.id", r->conf.transactional_id},
            {"enable.idempotence", "true"},
        };
        const bp_kafka_kv_t alo_kv[] = {
            {"enable.idempotence", "true"},
            {"acks", "all"},
        };
        rd_kafka_conf_t     *conf = rd_kafka_conf_new();
        const bp_kafka_kv_t *kv;
        size_t               cnt, i;

        /* Cooperative rebalancing by default (a kafka.* setting may choose
         * another assignor): partitions that stay keep working while
         * others move, and restores run beside them. */
        if (bp_runner_tuning(r, consumer, conf, errstr, errstr_size) ||
            (consumer &&
             bp_kafka_conf_set(conf, "partition.assignment.strategy",
                               "cooperative-sticky", errstr, errstr_size))) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        /* group.id is the consumer's; the producer would warn about it. */
        for (i = 0; i < r->conf.kafka_cnt; i++) {
                if (!consumer && !strcmp(r->conf.kafka[i].key, "group.id"))
                        continue;
                if (bp_kafka_conf_set(conf, r->conf.kafka[i].key,
                                      r->conf.kafka[i].value, errstr,
                                      errstr_size)) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        }
        if (consumer) {
                kv  = consumer_kv;
                cnt = sizeof(consumer_kv) / sizeof(*consumer_kv);
                /* Static membership: the instance.id names the member. */
                if (r->conf.instance_id &&
                    bp_kafka_conf_set(conf, "group.instance.id",
                                      r->conf.instance_id, errstr,
                                      errstr_size)) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        } else if (r->conf.guarantee == BP_EXACTLY_ONCE) {
                kv  = eos_kv;
                cnt = sizeof(eos_kv) / sizeof(*eos_kv);
        } else {
                kv  = alo_kv;
                cnt = sizeof(alo_kv) / sizeof(*alo_kv);
        }
        for (i = 0; i < cnt; i++) {
                if (bp_kafka_conf_set(conf, kv[i].key, kv[i].value, errstr,
                                      errstr_size)) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        }
        rd_kafka_conf_set_opaque(conf, r);
        rd_kafka_conf_set_error_cb(conf,
                                   consumer ? error_cb : producer_error_cb);
        rd_kafka_conf_set_log_cb(conf,
                                 consumer ? bp_log_rdkafka : producer_log_cb);
        if (consumer)
                rd_kafka_conf_set_rebalance_cb(conf, bp_rebalance_cb);
        else
                rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
        return conf;
}

/* Opens the handles of the topics the producer writes (bp_runner_produce
 * writes through them) and gives the producer their metadata before the
 * first batch needs it. A producer learns a topic's partitions on its
 * first record to it; on librdkafka 2.0.2 that first record waited about
 * 0.85 s for the answer, and the commit of the first batch with a badge
 * event waited with it. The handles stay until the producer goes, so the
 * topics stay known. The metadata is best effort: a topic that does not
 * answer now is looked up on its first record. */
static bp_err_t open_out_topics(bp_runner_t *r, char *errstr,
                                size_t errstr_size) {
        const char *topics[BP_RUNNER_OUT_TOPICS];
        int         i;

        topics[BP_OUT_BADGES]    = r->conf.topic_badge_events;
        topics[BP_OUT_CHANGELOG] = r->conf.topic_changelog;
        topics[BP_OUT_DLQ]       = r->conf.topic_dlq;
        for (i = 0; i < BP_RUNNER_OUT_TOPICS; i++) {
                const struct rd_kafka_metadata *md = NULL;
                if (!(r->out_rkt[i] =
                          rd_kafka_topic_new(r->producer, topics[i], NULL))) {
                        snprintf(errstr, errstr_size, "topic %s: %s", topics[i],
                                 rd_kafka_err2str(rd_kafka_last_error()));
                        return BP_ERR_KAFKA;
                }
                /* Warm-up, best effort (see above). */
                if (rd_kafka_metadata(r->producer, 0, r->out_rkt[i], &md,
                                      5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
                        rd_kafka_metadata_destroy(md);
        }
        return BP_OK;
}

static bp_err_t open_clients(bp_runner_t *r, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t  *conf;
        rd_kafka_error_t *error;

        if (!(conf = client_conf(r, 0, errstr, errstr_size)))
                return BP_ERR_CONFIG;
        if (!(r->producer =
                  rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size))) {
                rd_kafka_conf_destroy(conf);
                return BP_ERR_KAFKA;
        }
        if (r->conf.guarantee == BP_EXACTLY_ONCE &&
            (error =
                 rd_kafka_init_transactions(r->producer, BP_TXN_TIMEOUT_MS))) {
                snprintf(errstr, errstr_size, "init transactions: %s",
                         rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
                return BP_ERR_KAFKA;
        }
        if (open_out_topics(r, errstr, errstr_size))
                return BP_ERR_KAFKA;
        if (!(conf = client_conf(r, 1, errstr, errstr_size)))
                return BP_ERR_CONFIG;
        if (!(r->consumer =
                  rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size))) {
                rd_kafka_conf_destroy(conf);
                return BP_ERR_KAFKA;
        }
        rd_kafka_poll_set_consumer(r->consumer);
        if (bp_fetch_wake_open(r)) {
                snprintf(errstr, errstr_size, "cannot get the consumer queue");
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

/* The four inputs and the changelog must have the same partition count:
 * the changelog's partition p holds the state of the inputs' p. */
static bp_err_t check_topics(bp_runner_t *r, char *errstr, size_t errstr_size) {
        const char *topics[5] = {r->conf.topics[0], r->conf.topics[1],
                                 r->conf.topics[2], r->conf.topics[3],
                                 r->conf.topic_changelog};
        bp_err_t    err = bp_kafka_check_copartitioned(r->consumer, topics, 5,
                                                       10000, &r->partition_cnt,
                                                       errstr, errstr_size);
        if (err)
                return err;
        r->tasks = calloc((size_t)r->partition_cnt, sizeof(*r->tasks));
        return r->tasks ? BP_OK : BP_ERR_NOMEM;
}

static bp_err_t subscribe(bp_runner_t *r, char *errstr, size_t errstr_size) {
        rd_kafka_topic_partition_list_t *topics =
            rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;
        rd_kafka_topic_partition_list_add(topics, r->conf.topics[0],
                                          RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(r->consumer, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (err) {
                snprintf(errstr, errstr_size, "subscribe: %s",
                         rd_kafka_err2str(err));
                return BP_ERR_KAFKA;
        }
        return BP_OK;
}

/* The schemas of what this instance writes get their ids now, under the
 * configured topic names: in registry mode they are registered (a registry
 * that refuses them stops start-up rather than the first batch), in local
 * mode they are looked up in the schema map. */
static bp_err_t register_schemas(bp_runner_t *r, char *errstr,
                                 size_t errstr_size) {
        const struct {
                bp_record_kind_t kind;
                const char      *topic;
        } out[] = {
            {BP_REC_BADGE_GRANTED, r->conf.topic_badge_events},
            {BP_REC_BADGE_REVOKED, r->conf.topic_badge_events},
            {BP_REC_FREELANCER_STATE, r->conf.topic_changelog},
        };
        size_t   i;
        bp_err_t err;
        for (i = 0; i < sizeof(out) / sizeof(*out); i++)
                if ((err =
                         bp_codec_register(r->codec, out[i].kind, out[i].topic,
                                           NULL, errstr, errstr_size)))
                        return err;
        return BP_OK;
}

bp_runner_t *bp_runner_new(const bp_runner_conf_t *conf, char *errstr,
                           size_t errstr_size) {
        bp_runner_t       *r          = calloc(1, sizeof(*r));
        bp_codec_conf_t    codec_conf = {0};
        bp_store_options_t store_opts = {0};
        struct timespec    now;

        if (!r) {
                bp_rules_destroy(conf->rules);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        r->conf       = *conf;
        r->rules      = conf->rules;
        r->conf.rules = NULL; /* r->rules owns them, and is what changes */
        /* Attempt numbers start at this incarnation's start time, so no
         * two incarnations share one (BP_BATCH_HEADER). */
        clock_gettime(CLOCK_REALTIME, &now);
        r->attempt = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        if (bp_badge_events_init(&r->out) != BP_OK ||
            !(r->poison = bp_poison_new(conf->batch_poison_aborts)) ||
            !(r->metrics =
                  bp_runner_metrics_new(conf->metrics, conf->topics))) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        if (!r->rules && !(r->rules = bp_rules_load_dir(conf->rules_dir, errstr,
                                                        errstr_size)))
                goto fail;
        codec_conf.schema_map   = conf->schema_map;
        codec_conf.registry_url = conf->registry_url;
        if (!(r->codec = bp_codec_new(&codec_conf, errstr, errstr_size)) ||
            !(r->state_codec = bp_codec_new(&codec_conf, errstr, errstr_size)))
                goto fail;
        if (conf->decision_log &&
            !(r->dlog = bp_decision_log_open(conf->decision_log, errstr,
                                             errstr_size)))
                goto fail;
        store_opts.map_size = conf->state_map_size;
        /* The store is a checkpoint of the changelog (bp_runner_store.c):
         * a commit undone by a machine crash is replayed by the restore,
         * and a store the machine stopped under while it held unsynced
         * commits is discarded and restored in full (bp_store_sync.c). */
        store_opts.lazy_meta_sync  = true;
        store_opts.sync_on_close   = !conf->state_fsync;
        store_opts.discard_suspect = true;
        if (!(r->store = bp_store_open(conf->state_dir, &store_opts, errstr,
                                       errstr_size)) ||
            bp_runner_store_open(r, errstr, errstr_size) ||
            !(r->committer = bp_worker_new(errstr, errstr_size)))
                goto fail;
        if (bp_store_was_discarded(r->store))
                BP_LOG(BP_LOG_WARN, "store_discarded",
                       "dir=%s reason=\"the machine stopped while the store "
                       "held unsynced writes\" then=\"every partition is "
                       "restored from the changelog\"",
                       conf->state_dir);
        BP_LOG(BP_LOG_INFO, "store_opened", "dir=%s fsync=%s", conf->state_dir,
               bp_store_syncs_on_close(r->store) ? "at_stop" : "every_write");
        if (register_schemas(r, errstr, errstr_size) ||
            open_clients(r, errstr, errstr_size) ||
            check_topics(r, errstr, errstr_size) ||
            bp_restore_open(r, errstr, errstr_size) ||
            subscribe(r, errstr, errstr_size))
                goto fail;
        return r;
fail:
        bp_runner_destroy(r);
        return NULL;
}

void bp_runner_destroy(bp_runner_t *r) {
        char msg[512];
        int  p;
        if (!r)
                return;
        /* A commit in flight ends first: it uses the producer. */
        bp_exit_deadline_phase(r->deadline, "committer");
        bp_worker_destroy(r->committer);
        bp_runner_job_free(r);
        bp_fetch_wake_close(r);
        /* A fenced runner's consumer is left to the process's exit. It
         * may have a fatal error of its own (fenced by a newer member
         * with our group.instance.id), or get one while it is destroyed:
         * a runner fenced as a producer is about to be fenced as a member
         * too, at the consumer's next heartbeat. (After other fatal
         * errors it is closed: leaving the group hands its partitions
         * over at once.) On librdkafka 2.0.2
         * rd_kafka_destroy() of such a consumer never returns, its main
         * thread waiting for a broker thread that still holds partition
         * references (upstream issue #4674, a reference leak that came
         * with v2.0.0). The runner is being destroyed because the process
         * stops, so nothing is lost but that memory. */
        bp_exit_deadline_phase(r->deadline, "consumer_destroy");
        if (r->consumer && !r->fenced &&
            rd_kafka_fatal_error(r->consumer, NULL, 0) ==
                RD_KAFKA_RESP_ERR_NO_ERROR)
                rd_kafka_destroy(r->consumer);
        bp_exit_deadline_phase(r->deadline, "producer_destroy");
        if (r->producer) {
                rd_kafka_flush(r->producer, 5000);
                for (p = 0; p < BP_RUNNER_OUT_TOPICS; p++)
                        if (r->out_rkt[p])
                                rd_kafka_topic_destroy(r->out_rkt[p]);
                rd_kafka_destroy(r->producer);
                /* Another producer may get its address. */
                pthread_mutex_lock(&refused_lock);
                if (refused_rk == r->producer)
                        refused_rk = NULL;
                pthread_mutex_unlock(&refused_lock);
        }
        for (p = 0; p < r->partition_cnt && r->tasks; p++) {
                if (r->tasks[p])
                        bp_restore_cancel(r, r->tasks[p]);
                bp_task_destroy(r->tasks[p]);
        }
        bp_exit_deadline_phase(r->deadline, "store_close");
        bp_restore_close(r);
        free(r->tasks);
        bp_runner_store_close(r);
        if (r->store && bp_store_finish(r->store, msg, sizeof(msg)))
                BP_LOG(BP_LOG_WARN, "store_sync_failed",
                       "error=\"%s\" then=\"a machine crash before the next "
                       "start would make it restore the store in full\"",
                       msg);
        bp_store_close(r->store);
        bp_codec_destroy(r->codec);
        bp_codec_destroy(r->state_codec);
        bp_rules_destroy(r->rules);
        bp_badge_events_destroy(&r->out);
        bp_buf_free(&r->buf);
        bp_buf_free(&r->badges);
        bp_runner_metrics_destroy(r->metrics);
        bp_poison_destroy(r->poison);
        bp_decision_log_close(r->dlog);
        bp_exit_deadline_stop(r->deadline);
        free(r);
}
