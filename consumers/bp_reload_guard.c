/*
 * bp_reload_guard.c - counting what a rules reload would change, and the
 * limit past which it waits for a confirmation (see bp_reload_guard.h).
 *
 * The count is the re-evaluation's own: the same engine call on the same
 * stored states, only at a slightly earlier time (certifications that
 * expire in between are the difference), so what the log announces is
 * what the reload publishes. Memory stays flat: one decoded state and its
 * badge events at a time, and one counter per partner.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bp_engine.h"
#include "bp_log.h"
#include "bp_reload_guard.h"

typedef struct walk_s {
        const bp_reload_guard_in_t *in;
        bp_reload_count_t          *count;
        bp_badge_events_t           events;
        bp_cause_t                  cause;
        bp_err_t                    err;
        char                       *errstr;
        size_t                      errstr_size;
} walk_t;

static int count_one(const char *freelancer_id, const void *val, size_t len,
                     void *opaque) {
        walk_t          *w  = opaque;
        bp_freelancer_t *fl = NULL;
        char             msg[256];
        size_t           i;

        if (bp_codec_decode_state(w->in->codec, val, len, &fl, msg,
                                  sizeof(msg))) {
                snprintf(w->errstr, w->errstr_size, "stored state of %s: %s",
                         freelancer_id, msg);
                w->err = BP_ERR_STATE;
                return 1;
        }
        for (i = 0; i < fl->partner_cnt; i++)
                if (fl->partners[i].held)
                        w->count->held++;
        w->count->freelancers++;
        bp_badge_events_clear(&w->events);
        w->err = bp_engine_reevaluate(w->in->next, fl, w->in->at, &w->cause,
                                      &w->events, NULL);
        for (i = 0; !w->err && i < w->events.cnt; i++)
                w->err = bp_tally_add(
                    &w->count->changes, w->events.items[i].partner_id,
                    w->events.items[i].kind == BP_BADGE_REVOKED);
        bp_freelancer_destroy(fl);
        return w->err ? 1 : 0;
}

bp_err_t bp_reload_guard_count(const bp_reload_guard_in_t *in,
                               bp_reload_count_t *count, char *errstr,
                               size_t errstr_size) {
        walk_t w;
        size_t p;
        int    rc = 0;

        memset(count, 0, sizeof(*count));
        memset(&w, 0, sizeof(w));
        w.in             = in;
        w.count          = count;
        w.errstr         = errstr;
        w.errstr_size    = errstr_size;
        w.cause.event_id = in->next->version;
        w.cause.topic    = "rules";
        w.cause.offset   = -1;
        if (bp_badge_events_init(&w.events) != BP_OK)
                return BP_ERR_NOMEM;
        for (p = 0; !rc && p < in->partition_cnt; p++) {
                w.cause.partition = in->partitions[p];
                rc = bp_store_foreach(in->store, in->partitions[p], count_one,
                                      &w, errstr, errstr_size);
        }
        bp_badge_events_destroy(&w.events);
        if (w.err)
                return w.err;
        return rc ? BP_ERR_STATE : BP_OK;
}

/* Does the confirmation of rules version exist? Its path goes to path. */
static bool confirmed(const char *dir, const char *version, char *path,
                      size_t size) {
        size_t      len = strlen(dir);
        struct stat st;

        snprintf(path, size, "%s%s" BP_RELOAD_CONFIRM_PREFIX "%s", dir,
                 len && dir[len - 1] == '/' ? "" : "/", version);
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bp_err_t bp_reload_guard_judge(const bp_reload_guard_in_t *in, bool *allowed,
                               char *errstr, size_t errstr_size) {
        bp_reload_count_t count;
        bp_buf_t          by_partner = {0};
        char              path[4096], max_text[32];
        uint64_t          changes, max;
        bp_err_t          err;

        *allowed = false;
        if ((err = bp_reload_guard_count(in, &count, errstr, errstr_size)))
                goto out;
        changes = count.changes.total[0] + count.changes.total[1];
        max     = bp_change_limit_max(&in->limit, count.held);
        if (max == UINT64_MAX)
                snprintf(max_text, sizeof(max_text), "off");
        else
                snprintf(max_text, sizeof(max_text), "%llu",
                         (unsigned long long)max);
        if ((err = bp_tally_format(&count.changes, &by_partner)) ||
            (err = bp_buf_append_byte(&by_partner, '\0')))
                goto out;
        BP_LOG(BP_LOG_INFO, "rules_reload_check",
               "old=%s new=%s partitions=%zu freelancers=%llu held=%llu "
               "granted=%zu revoked=%zu max_changes=%s by_partner=%s",
               in->cur->version, in->next->version, in->partition_cnt,
               (unsigned long long)count.freelancers,
               (unsigned long long)count.held, count.changes.total[0],
               count.changes.total[1], max_text, (const char *)by_partner.data);
        if (changes <= max) {
                *allowed = true;
                goto out;
        }
        if (confirmed(in->rules_dir, in->next->version, path, sizeof(path))) {
                BP_LOG(BP_LOG_WARN, "rules_reload_confirmed",
                       "new=%s changes=%llu max_changes=%s confirm_file=%s",
                       in->next->version, (unsigned long long)changes, max_text,
                       path);
                *allowed = true;
                goto out;
        }
        BP_LOG(BP_LOG_ERROR, "rules_reload_refused",
               "old=%s new=%s granted=%zu revoked=%zu max_changes=%s "
               "by_partner=%s confirm_file=%s then=%s",
               in->cur->version, in->next->version, count.changes.total[0],
               count.changes.total[1], max_text, (const char *)by_partner.data,
               path,
               "the rules in force stay; to apply these, check the change "
               "(badgeproc what-if), create confirm_file and send SIGHUP "
               "again");
out:
        bp_buf_free(&by_partner);
        bp_tally_clear(&count.changes);
        return err;
}
