/*
 * bp_poison.c - the poison-record policy (see bp_poison.h): counts the
 * aborts a record may have caused, isolates records one per batch, and
 * names the one to dead-letter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_poison.h"

struct bp_poison_s {
        int limit;
        /* A noted cause waits for the abort it explains. */
        bool            noted;
        char            error[BP_POISON_TEXT_MAX];
        char            output[BP_POISON_TEXT_MAX];
        int             aborts; /* counted aborts since the last commit */
        bool            isolating;
        bool            have_cur; /* the open batch's record, while isolating */
        bp_poison_rec_t cur;
        bool            have_suspect; /* the record of the failed batch */
        bp_poison_rec_t suspect;
        int             suspect_aborts;
        bool            have_due;
        bool            carrying; /* the open batch dead-letters due */
        bp_poison_due_t due;
};

bp_poison_t *bp_poison_new(int limit) {
        bp_poison_t *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        if (limit < BP_POISON_LIMIT_MIN)
                limit = BP_POISON_LIMIT_MIN;
        if (limit > BP_POISON_LIMIT_MAX)
                limit = BP_POISON_LIMIT_MAX;
        p->limit = limit;
        return p;
}

void bp_poison_destroy(bp_poison_t *p) {
        free(p);
}

void bp_poison_note(bp_poison_t *p, const char *error, const char *output) {
        if (p->noted)
                return;
        p->noted = true;
        snprintf(p->error, sizeof(p->error), "%s", error ? error : "");
        snprintf(p->output, sizeof(p->output), "%s", output ? output : "");
}

static bool same_rec(const bp_poison_rec_t *a, const bp_poison_rec_t *b) {
        return a->partition == b->partition && a->input == b->input &&
               a->offset == b->offset;
}

bool bp_poison_applying(bp_poison_t *p, const bp_poison_rec_t *rec) {
        if (!p->isolating)
                return false;
        p->have_cur = true;
        p->cur      = *rec;
        p->carrying = p->have_due && same_rec(rec, &p->due.rec);
        return p->carrying;
}

/* Back to normal batches, forgetting everything found. */
static void end_isolation(bp_poison_t *p) {
        p->aborts       = 0;
        p->isolating    = false;
        p->have_cur     = false;
        p->have_suspect = false;
        p->have_due     = false;
        p->carrying     = false;
}

void bp_poison_reset(bp_poison_t *p) {
        end_isolation(p);
        p->noted = false;
}

/* A counted abort of a one-record batch: its record is the suspect. */
static bp_poison_step_t suspect_aborted(bp_poison_t *p) {
        if (!p->have_suspect || !same_rec(&p->suspect, &p->cur)) {
                p->have_suspect   = true;
                p->suspect        = p->cur;
                p->suspect_aborts = 0;
        }
        if (++p->suspect_aborts < p->limit)
                return BP_POISON_NONE;
        p->have_due = true;
        p->due.rec  = p->suspect;
        /* The normal batches that held it, then its own. */
        p->due.attempts = p->limit + p->suspect_aborts;
        memcpy(p->due.error, p->error, sizeof(p->error));
        memcpy(p->due.output, p->output, sizeof(p->output));
        p->have_suspect = false;
        return BP_POISON_DUE;
}

bp_poison_step_t bp_poison_aborted(bp_poison_t *p) {
        bool noted = p->noted, cur = p->have_cur;

        p->noted    = false;
        p->have_cur = false;
        p->carrying = false;
        /* Another cause (the cluster moving, a timeout): retried as it
         * always was. A due record stays due while its own dead letter
         * fails: it is redone until it commits. */
        if (!noted || p->have_due)
                return BP_POISON_NONE;
        p->aborts++;
        if (!p->isolating) {
                if (p->aborts < p->limit)
                        return BP_POISON_NONE;
                p->isolating = true;
                return BP_POISON_ISOLATING;
        }
        /* A batch without an input record (a re-evaluation) names no
         * suspect. */
        return cur ? suspect_aborted(p) : BP_POISON_NONE;
}

bp_poison_step_t bp_poison_committed(bp_poison_t *p, bool held_committed,
                                     bp_poison_due_t *done) {
        bool cur = p->have_cur;

        p->noted    = false;
        p->have_cur = false;
        if (p->carrying) {
                if (done)
                        *done = p->due;
                end_isolation(p);
                return BP_POISON_DEAD_LETTERED;
        }
        if (!p->isolating) {
                p->aborts = 0;
                return BP_POISON_NONE;
        }
        if (!cur)
                return BP_POISON_NONE;
        if (p->have_suspect && same_rec(&p->suspect, &p->cur))
                p->have_suspect = false; /* it went through after all */
        /* A due record is waited for, however long it takes to come. */
        if (p->have_due || p->have_suspect || !held_committed)
                return BP_POISON_NONE;
        end_isolation(p);
        return BP_POISON_CLEARED;
}

bool bp_poison_isolating(const bp_poison_t *p) {
        return p->isolating;
}

const bp_poison_due_t *bp_poison_due(const bp_poison_t *p) {
        return p->have_due ? &p->due : NULL;
}

int bp_poison_batch_max(const bp_poison_t *p, int batch_max) {
        return p->isolating ? 1 : batch_max;
}
