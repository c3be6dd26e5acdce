/*
 * bp_changelog.c - the changelog records of one batch: each active task's
 * changed states, then its __offsets record, inside the transaction.
 *
 * The __offsets record is the batch's seal, and it is produced only once
 * every other record of the batch (badge events, dead letters, states) has
 * been acknowledged by the cluster. So a reader that sees a seal knows the
 * whole batch is in the log. With read_committed on a real cluster this
 * changes nothing (an uncommitted seal is not seen at all); where
 * uncommitted data is visible (the mock cluster, or a misconfigured
 * reader) it is what keeps a restore from trusting the seal of a batch
 * whose badge events never reached the cluster: after a kill -9 during
 * the commit, either the seal is there and so is everything it covers,
 * or the seal is missing and the batch is done again (an exact
 * redelivery). The price is one round trip per batch.
 */
#include <stdio.h>
#include <string.h>

#include "bp_runner_int.h"

#define FLUSH_TIMEOUT_MS 30000

/* Writes the attempt number as 16 lowercase hex digits (no NUL), for the
 * seals' BP_BATCH_HEADER: once per batch, without snprintf. */
static void attempt_hex(uint64_t attempt, char hex[16]) {
        static const char digits[] = "0123456789abcdef";
        int               i;
        for (i = 15; i >= 0; i--, attempt >>= 4)
                hex[i] = digits[attempt & 0xf];
}

/* The changed states of jt's task, to the changelog partition of the
 * same number. Each is encoded once, into r->buf (free at commit time),
 * and staged for the store with the same bytes (bp_runner_store.c). Their
 * delivery reports give jt->first_state. */
static bp_err_t produce_states(bp_runner_t *r, bp_job_task_t *jt) {
        bp_task_t *t = jt->task;
        char       errstr[512];
        size_t     i;
        bp_err_t   err;

        for (i = 0; i < t->dirty_cnt; i++) {
                const bp_freelancer_t *fl = t->dirty[i];
                bp_buf_reset(&r->buf);
                if ((err = bp_codec_encode_state(r->codec, fl, &r->buf, errstr,
                                                 sizeof(errstr)))) {
                        bp_runner_set_fatal(r, "encode state: %s", errstr);
                        return err;
                }
                if (bp_runner_store_stage(r, t->partition, fl->freelancer_id,
                                          r->buf.data, r->buf.len)) {
                        bp_runner_set_fatal(r, "out of memory staging states");
                        return BP_ERR_NOMEM;
                }
                if ((err = bp_runner_produce(
                         r, BP_OUT_CHANGELOG, t->partition, fl->freelancer_id,
                         strlen(fl->freelancer_id), r->buf.data, r->buf.len,
                         NULL, jt)))
                        return err;
        }
        return BP_OK;
}

/* The seal of jt's task: the input offsets the batch reached, and (in
 * its headers) the attempt and the previous seal's offset. Its delivery
 * report tells where the task's changelog now ends
 * (jt->changelog_next). Runs on the committer: a failure goes to
 * r->prod. */
static bp_err_t produce_seal(bp_runner_t *r, bp_job_task_t *jt,
                             const char hex[16]) {
        char                errstr[256], num[24];
        uint8_t             cpbuf[BP_CHECKPOINT_ENCODED_MAX];
        bp_checkpoint_t     cp;
        size_t              len;
        rd_kafka_headers_t *hdrs;

        bp_checkpoint_init(&cp);
        memcpy(cp.input_offsets, jt->next, sizeof(cp.input_offsets));
        snprintf(cp.rules_version, sizeof(cp.rules_version), "%s",
                 jt->rules_version);
        if (bp_checkpoint_encode(&cp, cpbuf, sizeof(cpbuf), &len, errstr,
                                 sizeof(errstr))) {
                bp_runner_prod_fatal(r, RD_KAFKA_RESP_ERR_NO_ERROR,
                                     "encode offsets: %s", errstr);
                return BP_ERR_STATE;
        }
        jt->changelog_next = -1;
        hdrs               = rd_kafka_headers_new(3);
        rd_kafka_header_add(hdrs, BP_BATCH_HEADER, -1, hex, 16);
        snprintf(num, sizeof(num), "%lld", (long long)jt->prev_seal);
        rd_kafka_header_add(hdrs, BP_PREV_SEAL_HEADER, -1, num, -1);
        snprintf(num, sizeof(num), "%lld", (long long)jt->first_state);
        rd_kafka_header_add(hdrs, BP_FIRST_STATE_HEADER, -1, num, -1);
        return bp_runner_produce(r, BP_OUT_CHANGELOG, jt->partition,
                                 BP_OFFSETS_KEY, strlen(BP_OFFSETS_KEY), cpbuf,
                                 len, hdrs, jt);
}

void bp_changelog_produce_states(bp_runner_t *r, bp_commit_job_t *job) {
        int i;
        for (i = 0; i < job->task_cnt && !r->prod.abort_needed; i++)
                if (produce_states(r, &job->tasks[i]))
                        return;
}

bool bp_changelog_is_seal(const rd_kafka_message_t *rkm) {
        return rkm->key_len == strlen(BP_OFFSETS_KEY) &&
               memcmp(rkm->key, BP_OFFSETS_KEY, rkm->key_len) == 0;
}

void bp_changelog_seal(bp_runner_t *r, bp_commit_job_t *job) {
        char hex[16];
        int  i;

        attempt_hex(job->attempt, hex);
        /* Everything before the seals acknowledged (delivery reports are
         * served by the flush: a failed one sets prod.abort_needed; the
         * states' give first_state). At least once too: the seal names
         * its first state. */
        if (rd_kafka_flush(r->producer, FLUSH_TIMEOUT_MS))
                r->prod.abort_needed = true;
        for (i = 0; i < job->task_cnt && !r->prod.abort_needed; i++)
                if (produce_seal(r, &job->tasks[i], hex))
                        return;
}
