/*
 * bp_runner_health.c - stalled partitions: input waiting, no committed
 * progress for longer than partition.stall.timeout.ms.
 *
 * A task's clock (waiting_since_ms, bp_task.c) starts at the first record
 * it applies after its last commit and survives aborts, so a partition
 * whose batches keep failing (a cluster that refuses them, a schema
 * registry that is down) is seen to wait, while an idle one never is.
 * While any is stalled, /readyz answers 503 with the reason and the
 * badgeproc_partitions_stalled gauge counts them; both recover with the
 * next commit of those partitions. /healthz stays a liveness probe: the
 * loop is alive and retrying, and a restart would only redo the same
 * batches (an operator, or the poison policy, has to act).
 */
#include <stdio.h>

#include "bp_log.h"
#include "bp_runner_int.h"

/* How often the partitions are looked at, in ms. */
#define HEALTH_CHECK_MS 200

void bp_runner_health_check(bp_runner_t *r) {
        int64_t now = bp_runner_now_ms(), worst = 0;
        int     p, stalled = 0, first = -1;
        char    reason[512]; /* cut to 230 bytes by the server */

        if (now - r->health_ms < HEALTH_CHECK_MS)
                return;
        r->health_ms = now;
        for (p = 0; p < r->partition_cnt; p++) {
                const bp_task_t *t = r->tasks[p];
                int64_t          age;
                if (!t || t->restore || !t->waiting_since_ms)
                        continue;
                age = now - t->waiting_since_ms;
                if (age <= r->conf.partition_stall_timeout_ms)
                        continue;
                stalled++;
                if (age > worst) {
                        worst = age;
                        first = p;
                }
        }
        if (stalled > 0) {
                snprintf(reason, sizeof(reason),
                         "%d partition(s) without committed progress for over "
                         "%d ms, partition %d for %lld ms (batches aborted: "
                         "%llu, last refusal: %s)",
                         stalled, r->conf.partition_stall_timeout_ms, first,
                         (long long)worst, (unsigned long long)r->stats.aborted,
                         *r->last_refusal ? r->last_refusal : "none");
                bp_metrics_server_set_stalled(r->conf.server, reason);
        }
        if (stalled == r->stalled)
                return;
        bp_runner_metrics_stalled(r->metrics, stalled);
        if (stalled > 0)
                BP_LOG(BP_LOG_WARN, "partitions_stalled",
                       "stalled=%d partition=%d waiting_ms=%lld aborted=%llu "
                       "last_refusal=%s then=\"/readyz answers 503\"",
                       stalled, first, (long long)worst,
                       (unsigned long long)r->stats.aborted, r->last_refusal);
        else {
                bp_metrics_server_set_stalled(r->conf.server, NULL);
                BP_LOG(BP_LOG_INFO, "partitions_progressing",
                       "stalled=0 then=\"/readyz no longer reports a stall\"");
        }
        r->stalled = stalled;
}
