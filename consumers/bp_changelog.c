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

/* Writes the attempt number as 16 lowercase hex digits (no NUL): once per
 * batch, not once per record (snprintf cost ~900 instructions a record,
 * ~7 % of the runner's thread). */
static void attempt_hex(uint64_t attempt, char hex[16]) {
        static const char digits[] = "0123456789abcdef";
        int               i;
        for (i = 15; i >= 0; i--, attempt >>= 4)
                hex[i] = digits[attempt & 0xf];
}

/* The BP_BATCH_HEADER of the batch attempt in flight, for one record
 * (owned by the produce call). */
static rd_kafka_headers_t *attempt_header(const char hex[16]) {
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(1);
        rd_kafka_header_add(hdrs, BP_BATCH_HEADER, -1, hex, 16);
        return hdrs;
}

/* The changed states of task t, to the changelog partition of the same
 * number. Each is encoded once, into r->state_enc (t->dirty_enc[i] ..
 * [i + 1]), where the store queue takes the same bytes after the commit
 * (bp_runner_store.c). */
static bp_err_t produce_states(bp_runner_t *r, bp_task_t *t,
                               const char hex[16]) {
        char     errstr[512];
        size_t   i;
        bp_err_t err;

        for (i = 0; i < t->dirty_cnt; i++) {
                const bp_freelancer_t *fl = t->dirty[i];
                t->dirty_enc[i]           = r->state_enc.len;
                if ((err = bp_codec_encode_state(r->codec, fl, &r->state_enc,
                                                 errstr, sizeof(errstr)))) {
                        bp_runner_set_fatal(r, "encode state: %s", errstr);
                        return err;
                }
                t->dirty_enc[i + 1] = r->state_enc.len;
                if ((err = bp_runner_produce(
                         r, BP_OUT_CHANGELOG, t->partition, fl->freelancer_id,
                         strlen(fl->freelancer_id),
                         r->state_enc.data + t->dirty_enc[i],
                         r->state_enc.len - t->dirty_enc[i],
                         attempt_header(hex), NULL)))
                        return err;
        }
        return BP_OK;
}

/* The seal of task t: the input offsets the batch reached. Its delivery
 * report tells where t's changelog now ends (changelog_next). */
static bp_err_t produce_seal(bp_runner_t *r, bp_task_t *t, const char hex[16]) {
        char            errstr[512];
        uint8_t         cpbuf[BP_CHECKPOINT_ENCODED_MAX];
        bp_checkpoint_t cp;
        size_t          len;
        bp_err_t        err;

        bp_checkpoint_init(&cp);
        memcpy(cp.input_offsets, t->next, sizeof(cp.input_offsets));
        snprintf(cp.rules_version, sizeof(cp.rules_version), "%s",
                 t->rules_version);
        if ((err = bp_checkpoint_encode(&cp, cpbuf, sizeof(cpbuf), &len, errstr,
                                        sizeof(errstr)))) {
                bp_runner_set_fatal(r, "encode offsets: %s", errstr);
                return err;
        }
        t->changelog_next = -1;
        return bp_runner_produce(r, BP_OUT_CHANGELOG, t->partition,
                                 BP_OFFSETS_KEY, strlen(BP_OFFSETS_KEY), cpbuf,
                                 len, attempt_header(hex), t);
}

void bp_changelog_produce_states(bp_runner_t *r, int *tasksp) {
        char hex[16];
        int  p;

        *tasksp = 0;
        attempt_hex(r->attempt, hex);
        for (p = 0; p < r->partition_cnt && !r->abort_needed; p++)
                if (r->tasks[p] && r->tasks[p]->active) {
                        ++*tasksp;
                        if (produce_states(r, r->tasks[p], hex))
                                return;
                }
}

void bp_changelog_seal(bp_runner_t *r) {
        char hex[16];
        int  p;

        attempt_hex(r->attempt, hex);
        /* Everything before the seals acknowledged (delivery reports are
         * served by the flush: a failed one sets abort_needed). */
        if (r->conf.guarantee == BP_EXACTLY_ONCE &&
            rd_kafka_flush(r->producer, FLUSH_TIMEOUT_MS))
                r->abort_needed = true;
        for (p = 0; p < r->partition_cnt && !r->abort_needed; p++)
                if (r->tasks[p] && r->tasks[p]->active &&
                    produce_seal(r, r->tasks[p], hex))
                        return;
}
