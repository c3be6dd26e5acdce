/*
 * bp_restore.c - bring a partition's stored state up to date with the
 * changelog before its task starts.
 *
 * The store's checkpoint says up to which changelog offset its state is
 * reflected. Everything after it was committed to Kafka but not yet (or
 * never: a crash between the two commits) to the store. Records are read
 * from there to the end; a run of state records followed by an __offsets
 * record is one committed batch and is applied as one LMDB transaction.
 * State records after the last __offsets record belong to a transaction
 * that never committed (visible here only where read_committed is not
 * enforced, as on the mock cluster) and are ignored. A partition this
 * instance has never had restores its whole changelog partition.
 *
 * The records are stored as they are: the changelog carries the same
 * framed FreelancerState bytes as the store, so nothing is decoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_log.h"
#include "bp_runner_int.h"

#define RESTORE_TIMEOUT_MS 60000

/* A batch's state records, held until its __offsets record shows up. */
typedef struct pending_s {
        rd_kafka_message_t **msgs;
        size_t               cnt;
        size_t               cap;
} pending_t;

static void pending_clear(pending_t *pend) {
        size_t i;
        for (i = 0; i < pend->cnt; i++)
                rd_kafka_message_destroy(pend->msgs[i]);
        pend->cnt = 0;
}

static int pending_add(pending_t *pend, rd_kafka_message_t *rkm) {
        if (pend->cnt == pend->cap) {
                size_t               cap = pend->cap ? pend->cap * 2 : 256;
                rd_kafka_message_t **m = realloc(pend->msgs, cap * sizeof(*m));
                if (!m)
                        return -1;
                pend->msgs = m;
                pend->cap  = cap;
        }
        pend->msgs[pend->cnt++] = rkm;
        return 0;
}

static bool is_offsets_record(const rd_kafka_message_t *rkm) {
        return rkm->key_len == strlen(BP_OFFSETS_KEY) &&
               memcmp(rkm->key, BP_OFFSETS_KEY, rkm->key_len) == 0;
}

/* Stores one committed batch: its states and the checkpoint its
 * __offsets record carries, pointing past that record. */
static bp_err_t apply_batch(bp_runner_t *r, bp_task_t *t, pending_t *pend,
                            const rd_kafka_message_t *offsets_rec,
                            bp_checkpoint_t *cp, char *errstr,
                            size_t errstr_size) {
        bp_store_batch_t *b;
        char              id[BP_ID_MAX + 1];
        size_t            i;
        bp_err_t          err;

        if ((err = bp_checkpoint_decode(offsets_rec->payload, offsets_rec->len,
                                        cp, errstr, errstr_size)))
                return err;
        cp->changelog_offset = offsets_rec->offset + 1;
        if (!(b = bp_store_batch_begin(r->store, errstr, errstr_size)))
                return BP_ERR_STATE;
        for (i = 0; i < pend->cnt; i++) {
                const rd_kafka_message_t *m = pend->msgs[i];
                if (!m->key || m->key_len == 0 || m->key_len > BP_ID_MAX) {
                        snprintf(errstr, errstr_size,
                                 "changelog offset %lld has a bad key",
                                 (long long)m->offset);
                        bp_store_batch_abort(b);
                        return BP_ERR_STATE;
                }
                memcpy(id, m->key, m->key_len);
                id[m->key_len] = '\0';
                if ((err = bp_store_batch_put(b, t->partition, id, m->payload,
                                              m->len, errstr, errstr_size))) {
                        bp_store_batch_abort(b);
                        return err;
                }
        }
        if ((err = bp_store_batch_set_checkpoint(b, t->partition, cp, errstr,
                                                 errstr_size))) {
                bp_store_batch_abort(b);
                return err;
        }
        r->stats.restored_records += pend->cnt;
        bp_runner_metrics_restored(r->metrics, pend->cnt);
        pending_clear(pend);
        return bp_store_batch_commit(b, errstr, errstr_size);
}

static rd_kafka_t *restore_consumer(bp_runner_t *r, char *errstr,
                                    size_t errstr_size) {
        const bp_kafka_kv_t kv[] = {
            {"group.id", "badgeproc-restore"}, /* never joins or commits */
            {"enable.auto.commit", "false"},
            {"enable.partition.eof", "true"},
            {"isolation.level", "read_committed"},
        };
        rd_kafka_conf_t *conf = bp_kafka_conf_new(
            r->conf.kafka, r->conf.kafka_cnt, errstr, errstr_size);
        rd_kafka_t *rk;
        size_t      i;
        if (!conf)
                return NULL;
        for (i = 0; i < sizeof(kv) / sizeof(*kv); i++)
                if (bp_kafka_conf_set(conf, kv[i].key, kv[i].value, errstr,
                                      errstr_size)) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        rd_kafka_conf_set_log_cb(conf, bp_log_rdkafka);
        if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size)))
                rd_kafka_conf_destroy(conf);
        return rk;
}

/* Reads changelog partition p from start to its end, applying each
 * committed batch. */
static bp_err_t read_tail(bp_runner_t *r, bp_task_t *t, rd_kafka_t *rk,
                          int64_t start, bp_checkpoint_t *cp, char *errstr,
                          size_t errstr_size) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(1);
        pending_t pend     = {0};
        int64_t   deadline = bp_runner_now_ms() + RESTORE_TIMEOUT_MS;
        bp_err_t  err      = BP_OK;

        rd_kafka_topic_partition_list_add(l, r->conf.topic_changelog,
                                          t->partition)
            ->offset = start;
        rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        for (;;) {
                rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 100);
                if (!rkm) {
                        if (bp_runner_now_ms() > deadline) {
                                snprintf(errstr, errstr_size,
                                         "changelog partition %d: no end "
                                         "reached in %d ms",
                                         (int)t->partition, RESTORE_TIMEOUT_MS);
                                err = BP_ERR_KAFKA;
                                break;
                        }
                        continue;
                }
                deadline = bp_runner_now_ms() + RESTORE_TIMEOUT_MS;
                if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        rd_kafka_message_destroy(rkm);
                        break;
                }
                if (rkm->err) {
                        snprintf(errstr, errstr_size, "changelog: %s",
                                 rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        err = BP_ERR_KAFKA;
                        break;
                }
                if (!is_offsets_record(rkm)) {
                        if (pending_add(&pend, rkm)) {
                                rd_kafka_message_destroy(rkm);
                                err = BP_ERR_NOMEM;
                                break;
                        }
                        continue;
                }
                err = apply_batch(r, t, &pend, rkm, cp, errstr, errstr_size);
                rd_kafka_message_destroy(rkm);
                if (err)
                        break;
        }
        if (pend.cnt)
                BP_LOG(BP_LOG_INFO, "restore_ignored",
                       "partition=%d records=%zu reason=uncommitted_tail",
                       (int)t->partition, pend.cnt);
        pending_clear(&pend);
        free(pend.msgs);
        rd_kafka_assign(rk, NULL);
        return err;
}

bp_err_t bp_restore_task(bp_runner_t *r, bp_task_t *t, char *errstr,
                         size_t errstr_size) {
        bp_checkpoint_t     cp;
        int64_t             lo = 0, hi = 0, start, t0 = bp_runner_now_ms();
        uint64_t            before = r->stats.restored_records;
        rd_kafka_resp_err_t kerr;
        rd_kafka_t         *rk;
        bp_err_t            err;

        err = bp_store_get_checkpoint(r->store, t->partition, &cp, errstr,
                                      errstr_size);
        if (err == BP_ERR_NOT_FOUND)
                bp_checkpoint_init(&cp);
        else if (err)
                return err;
        kerr = rd_kafka_query_watermark_offsets(r->consumer,
                                                r->conf.topic_changelog,
                                                t->partition, &lo, &hi, 10000);
        if (kerr) {
                snprintf(errstr, errstr_size, "changelog watermarks: %s",
                         rd_kafka_err2str(kerr));
                return BP_ERR_KAFKA;
        }
        start = cp.changelog_offset >= 0 ? cp.changelog_offset : lo;
        if (start < hi) {
                if (!(rk = restore_consumer(r, errstr, errstr_size)))
                        return BP_ERR_KAFKA;
                err = read_tail(r, t, rk, start, &cp, errstr, errstr_size);
                rd_kafka_consumer_close(rk);
                rd_kafka_destroy(rk);
                if (err)
                        return err;
        }
        memcpy(t->committed, cp.input_offsets, sizeof(t->committed));
        memcpy(t->next, cp.input_offsets, sizeof(t->next));
        memcpy(t->fetched, cp.input_offsets, sizeof(t->fetched));
        snprintf(t->rules_version, sizeof(t->rules_version), "%s",
                 cp.rules_version);
        memcpy(t->committed_rules_version, t->rules_version,
               sizeof(t->committed_rules_version));
        BP_LOG(BP_LOG_INFO, "restored",
               "partition=%d from=%lld to=%lld records=%llu ms=%lld",
               (int)t->partition, (long long)start, (long long)hi,
               (unsigned long long)(r->stats.restored_records - before),
               (long long)(bp_runner_now_ms() - t0));
        return BP_OK;
}
