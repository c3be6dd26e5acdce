/*
 * bench_state_gen.c - fills a state store with N freelancers directly,
 * for the state-scale benchmark (bench/state_scale.sh).
 *
 * Producing 10,000,000 freelancers' histories through Kafka and the
 * runner would take longer than the measurement it prepares (and more
 * than the mock cluster keeps), so the store is written here the way the
 * runner would have left it: each freelancer f<i> (the ids `badgeproc
 * gen` uses) gets a realistic state by applying, with the engine, a
 * profile snapshot with a certification, two contracts with feedback, an
 * invitation and a SELECTED decision from one partner; the state is
 * encoded with the codec (FreelancerState, framed) and put under the
 * partition Kafka's default partitioner gives its key (crc32 % P, as
 * `badgeproc produce` sends it). Each partition's checkpoint names the
 * rules' version and no input or changelog offset, so the runner starts
 * from the beginning of its inputs without re-evaluating anything.
 * Records go in batches of 100,000 without fsync (a throwaway store).
 *
 * Usage: bench_state_gen DIR FREELANCERS [PARTITIONS [RULES_DIR]]
 *        (defaults 12 and tests/data/rules-gen; run from the source tree)
 * Prints the records written, the time, data.mdb's size per freelancer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "bp_checkpoint.h"
#include "bp_codec.h"
#include "bp_engine.h"
#include "bp_gen.h"
#include "bp_store.h"

#define BATCH 100000

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *errstr) {
        fprintf(stderr, "bench_state_gen: %s: %s\n", what, errstr);
        exit(1);
}

/* Applies the history described at the top of the file to fl. */
static void build_state(const bp_rules_t *rules, bp_freelancer_t *fl,
                        uint32_t i, bp_badge_events_t *out) {
        const char     *partner = bp_gen_partner_name(i % 5);
        char            cert[48], skill[48], contract[2][48], event_id[32];
        const char     *skills[1] = {skill};
        bp_event_cert_t certs[1];
        bp_event_t      ev;
        bp_cause_t      cause = {event_id, "bench", 0, 0};
        int64_t         at    = 1767225600000LL + i;
        int             k;

        snprintf(cert, sizeof(cert), "%s-certified", partner);
        snprintf(skill, sizeof(skill), "%s-crm", partner);
        certs[0] = (bp_event_cert_t){cert, BP_TIME_NONE};
        memset(&ev, 0, sizeof(ev));
        ev.freelancer_id = fl->freelancer_id;
        ev.event_id      = event_id;
        for (k = 0; k < 6; k++, at += 1000) {
                snprintf(event_id, sizeof(event_id), "s%u-%d", i, k);
                ev.occurred_at = at;
                switch (k) {
                case 0:
                        ev.type      = BP_EV_PROFILE_UPDATED;
                        ev.u.profile = (bp_profile_updated_t){
                            .profile_version      = 1,
                            .account_status       = BP_ACCOUNT_ACTIVE,
                            .profile_completeness = 100,
                            .visibility           = BP_VISIBILITY_PUBLIC,
                            .english_level        = BP_ENGLISH_FLUENT,
                            .job_success_score    = 80 + (int32_t)(i % 20),
                            .origin               = BP_ORIGIN_NATIVE,
                            .certifications       = certs,
                            .certification_cnt    = 1};
                        break;
                case 1:
                case 2:
                        snprintf(contract[k - 1], sizeof(contract[0]),
                                 "f%07u-c%d", i, k);
                        ev.type       = BP_EV_CONTRACT_COMPLETED;
                        ev.u.contract = (bp_contract_completed_t){
                            .contract_id        = contract[k - 1],
                            .skills             = skills,
                            .skill_cnt          = 1,
                            .has_feedback_score = true,
                            .feedback_score     = 4.5};
                        break;
                case 3:
                        ev.type         = BP_EV_INVITATION_SENT;
                        ev.u.invitation = (bp_invitation_sent_t){
                            .invitation_id = event_id, .partner_id = partner};
                        break;
                default:
                        ev.type       = BP_EV_PARTNER_DECISION;
                        ev.u.decision = (bp_partner_decision_t){
                            .partner_id = partner,
                            .decision   = k == 4 ? BP_DECISION_NOT_SELECTED
                                                 : BP_DECISION_SELECTED,
                            .decided_by = BP_DECIDED_BY_PARTNER};
                        break;
                }
                if (bp_engine_apply(rules, fl, &ev, &cause, out, NULL))
                        die("engine", "apply failed");
                bp_badge_events_clear(out);
        }
}

int main(int argc, char **argv) {
        const char *dir         = argc > 1 ? argv[1] : NULL;
        uint32_t    freelancers = argc > 2 ? (uint32_t)atol(argv[2]) : 0;
        int32_t     partitions  = argc > 3 ? atoi(argv[3]) : 12;
        const char *rules_dir   = argc > 4 ? argv[4] : "tests/data/rules-gen";
        char        errstr[512], id[32], path[1024];
        bp_store_options_t opts;
        bp_codec_conf_t    codec_conf = {0};
        bp_store_t        *store;
        bp_codec_t        *codec;
        bp_rules_t        *rules;
        bp_store_batch_t  *b = NULL;
        bp_badge_events_t  out;
        bp_buf_t           buf = {0};
        struct stat        st;
        double             t0 = now_s();
        uint32_t           i;
        int32_t            p;

        if (!dir || freelancers == 0 || freelancers > 10000000 ||
            partitions <= 0) {
                fprintf(stderr, "usage: bench_state_gen DIR FREELANCERS "
                                "(1..10000000) [PARTITIONS [RULES_DIR]]\n");
                return 2;
        }
        if (!(rules = bp_rules_load_dir(rules_dir, errstr, sizeof(errstr))))
                die("rules", errstr);
        if (!(codec = bp_codec_new(&codec_conf, errstr, sizeof(errstr))))
                die("codec", errstr);
        bp_store_options_init(&opts);
        opts.no_sync = true;
        if (!(store = bp_store_open(dir, &opts, errstr, sizeof(errstr))))
                die("store", errstr);
        bp_badge_events_init(&out);
        for (i = 0; i < freelancers; i++) {
                bp_freelancer_t *fl;
                snprintf(id, sizeof(id), "f%07u", i);
                p = rd_kafka_msg_partitioner_consistent(NULL, id, strlen(id),
                                                        partitions, NULL, NULL);
                if (!(fl = bp_freelancer_new(id)))
                        die("state", "out of memory");
                build_state(rules, fl, i, &out);
                bp_buf_reset(&buf);
                if (bp_codec_encode_state(codec, fl, &buf, errstr,
                                          sizeof(errstr)))
                        die("encode", errstr);
                bp_freelancer_destroy(fl);
                if (!b &&
                    !(b = bp_store_batch_begin(store, errstr, sizeof(errstr))))
                        die("batch", errstr);
                if (bp_store_batch_put(b, p, id, buf.data, buf.len, errstr,
                                       sizeof(errstr)))
                        die("put", errstr);
                if ((i + 1) % BATCH == 0) {
                        if (bp_store_batch_commit(b, errstr, sizeof(errstr)))
                                die("commit", errstr);
                        b = NULL;
                }
        }
        if (!b && !(b = bp_store_batch_begin(store, errstr, sizeof(errstr))))
                die("batch", errstr);
        for (p = 0; p < partitions; p++) {
                bp_checkpoint_t cp;
                bp_checkpoint_init(&cp);
                snprintf(cp.rules_version, sizeof(cp.rules_version), "%s",
                         rules->version);
                if (bp_store_batch_set_checkpoint(b, p, &cp, errstr,
                                                  sizeof(errstr)))
                        die("checkpoint", errstr);
        }
        if (bp_store_batch_commit(b, errstr, sizeof(errstr)))
                die("commit", errstr);
        bp_store_close(store);
        snprintf(path, sizeof(path), "%s/data.mdb", dir);
        if (stat(path, &st))
                die("stat", path);
        printf("freelancers %u, partitions %d, %.1f s, data.mdb %lld bytes, "
               "%.0f bytes per freelancer\n",
               freelancers, (int)partitions, now_s() - t0,
               (long long)st.st_size, (double)st.st_size / freelancers);
        bp_badge_events_destroy(&out);
        bp_buf_free(&buf);
        bp_codec_destroy(codec);
        bp_rules_destroy(rules);
        return 0;
}
