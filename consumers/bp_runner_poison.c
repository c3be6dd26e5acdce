/*
 * bp_runner_poison.c - the runner's side of the poison policy
 * (bp_poison.h): a record whose output the cluster refuses every time
 * (a state record larger than the changelog topic's max.message.bytes)
 * is found and dead-lettered, instead of its batch being aborted and
 * redone for ever while every other record of its partitions waits.
 *
 * The producer's delivery reports and calls name the refusals
 * (bp_runner_prod_refused, on the thread driving the producer, into
 * r->prod); bp_runner_take_outcome hands them to the policy on the
 * runner's thread; bp_runner_abort and after_commit (bp_runner_txn.c)
 * tell it how batches end; bp_task_drain asks it, while isolating,
 * whether the record it is about to apply is the one to dead-letter.
 * Only refusals a record can cause count: a timeout, a leader moving or
 * a broker down aborts and redoes the batch as it always did, and never
 * dead-letters anything.
 */
#include <stdio.h>
#include <string.h>

#include "bp_log.h"
#include "bp_runner_int.h"

void bp_runner_prod_refused(bp_runner_t *r, rd_kafka_resp_err_t err,
                            const char *topic) {
        if (r->prod.refused || !bp_kafka_err_record_attributable(err))
                return;
        r->prod.refused = err;
        snprintf(r->prod.refused_topic, sizeof(r->prod.refused_topic), "%s",
                 topic ? topic : "");
}

void bp_runner_poison_take(bp_runner_t *r, const bp_prod_outcome_t *prod) {
        const char *error;
        if (!prod->refused)
                return;
        error = rd_kafka_err2str(prod->refused);
        snprintf(r->last_refusal, sizeof(r->last_refusal), "%s", error);
        bp_poison_note(r->poison, error, prod->refused_topic);
}

int bp_runner_batch_max(const bp_runner_t *r) {
        return bp_poison_batch_max(r->poison, r->conf.batch_max_events);
}

bool bp_runner_poison_isolating(const bp_runner_t *r) {
        return bp_poison_isolating(r->poison);
}

bool bp_runner_poison_applying(bp_runner_t *r, const bp_task_t *t, int input,
                               int64_t offset) {
        bp_poison_rec_t rec = {t->partition, input, offset};
        return bp_poison_applying(r->poison, &rec);
}

/* Visits every task t with inputs assigned (a restoring one has none). */
#define EACH_TASK(r, t)                                          \
        for (int each_ = 0; each_ < (r)->partition_cnt; each_++) \
                if (((t) = (r)->tasks[each_]) != NULL && !(t)->restore)

void bp_runner_poison_hold(bp_runner_t *r) {
        bp_task_t *t;
        int        i;

        EACH_TASK(r, t) {
                for (i = 0; i < BP_MERGE_INPUTS; i++)
                        if (t->next[i] > t->committed[i] &&
                            t->next[i] > t->poison_held[i])
                                t->poison_held[i] = t->next[i];
        }
}

/* Has every record an aborted batch held committed? */
static bool held_committed(const bp_runner_t *r) {
        bp_task_t *t;
        int        i;

        EACH_TASK(r, t) {
                for (i = 0; i < BP_MERGE_INPUTS; i++)
                        if (t->poison_held[i] > t->committed[i])
                                return false;
        }
        return true;
}

/* Outside a poison episode nothing is held: a later isolation starts
 * from the aborts that caused it. */
static void release_held(bp_runner_t *r) {
        bp_task_t *t;
        int        i;

        EACH_TASK(r, t) {
                for (i = 0; i < BP_MERGE_INPUTS; i++)
                        t->poison_held[i] = BP_OFFSET_NONE;
        }
}

/* Logs event with the inputs still held (the first four): topic[partition]
 * and the offset their records must commit up to. */
static void log_held(const bp_runner_t *r, const char *event) {
        bp_task_t *t;
        int        i, held = 0;
        char       text[256] = "";
        size_t     len       = 0;

        EACH_TASK(r, t) {
                for (i = 0; i < BP_MERGE_INPUTS; i++) {
                        if (t->poison_held[i] <= t->committed[i])
                                continue;
                        if (held++ < 4 && len < sizeof(text))
                                len += (size_t)snprintf(
                                    text + len, sizeof(text) - len,
                                    "%s%s[%d]<%lld", len ? "," : "",
                                    r->conf.topics[i], (int)t->partition,
                                    (long long)t->poison_held[i]);
                }
        }
        BP_LOG(BP_LOG_WARN, event,
               "aborts=%d partitions=%d held=\"%s%s\" error=%s then=\"one "
               "input record per batch until the one refused is found\"",
               r->conf.batch_poison_aborts, held, text, held > 4 ? ",..." : "",
               r->last_refusal);
}

void bp_runner_poison_aborted(bp_runner_t *r) {
        const bp_poison_due_t *due;

        switch (bp_poison_aborted(r->poison)) {
        case BP_POISON_ISOLATING:
                log_held(r, "poison_isolating");
                break;
        case BP_POISON_DUE:
                due = bp_poison_due(r->poison);
                BP_LOG(BP_LOG_WARN, "poison_found",
                       "topic=%s partition=%d offset=%lld error=%s "
                       "output=%s attempts=%d then=\"dead-lettered in a batch "
                       "of its own\"",
                       r->conf.topics[due->rec.input], (int)due->rec.partition,
                       (long long)due->rec.offset, due->error, due->output,
                       due->attempts);
                break;
        default:
                break;
        }
}

void bp_runner_poison_committed(bp_runner_t *r) {
        bp_poison_due_t done;

        switch (bp_poison_committed(r->poison, held_committed(r), &done)) {
        case BP_POISON_DEAD_LETTERED:
                r->stats.poisoned++;
                bp_runner_metrics_poison(r->metrics, done.rec.input);
                BP_LOG(BP_LOG_WARN, "poison_dead_lettered",
                       "topic=%s partition=%d offset=%lld error=%s "
                       "output=%s attempts=%d then=\"normal batches\"",
                       r->conf.topics[done.rec.input], (int)done.rec.partition,
                       (long long)done.rec.offset, done.error, done.output,
                       done.attempts);
                release_held(r);
                break;
        case BP_POISON_CLEARED:
                BP_LOG(BP_LOG_INFO, "poison_cleared",
                       "reason=\"the records of the failed batches committed "
                       "one by one\" then=\"normal batches\"");
                release_held(r);
                break;
        default:
                if (!bp_poison_isolating(r->poison))
                        release_held(r);
                break;
        }
}

void bp_runner_poison_revoked(bp_runner_t *r) {
        release_held(r);
        if (!bp_poison_isolating(r->poison))
                return;
        bp_poison_reset(r->poison);
        BP_LOG(BP_LOG_INFO, "poison_cleared",
               "reason=\"partitions revoked\" then=\"normal batches\"");
}
