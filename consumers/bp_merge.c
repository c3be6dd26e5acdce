/*
 * bp_merge.c - deterministic merge of four bounded FIFO queues.
 *
 * Each queue is a ring buffer of (timestamp, offset, record). With four
 * inputs, finding the smallest head is four comparisons: no heap needed.
 */
#include <stdlib.h>

#include "bp_merge.h"

typedef struct entry_s {
        int64_t timestamp;
        int64_t offset;
        void   *rec;
} entry_t;

typedef struct queue_s {
        entry_t *ring;
        size_t   head; /* index of the oldest entry */
        size_t   cnt;
        bool     eof;
} queue_t;

struct bp_merge_s {
        size_t  capacity;
        queue_t q[BP_MERGE_INPUTS];
};

bp_merge_t *bp_merge_new(size_t capacity) {
        bp_merge_t *m;
        int         i;
        if (capacity == 0 || !(m = calloc(1, sizeof(*m))))
                return NULL;
        m->capacity = capacity;
        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                m->q[i].ring = calloc(capacity, sizeof(entry_t));
                if (!m->q[i].ring) {
                        bp_merge_destroy(m, NULL);
                        return NULL;
                }
        }
        return m;
}

void bp_merge_clear(bp_merge_t *m, void (*free_fn)(void *rec)) {
        int i;
        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                queue_t *q = &m->q[i];
                for (; q->cnt > 0; q->cnt--) {
                        if (free_fn)
                                free_fn(q->ring[q->head].rec);
                        q->head = (q->head + 1) % m->capacity;
                }
                q->head = 0;
                q->eof  = false;
        }
}

void bp_merge_destroy(bp_merge_t *m, void (*free_fn)(void *rec)) {
        int i;
        if (!m)
                return;
        /* Safe on a half-built merge too: empty queues touch no ring. */
        bp_merge_clear(m, free_fn);
        for (i = 0; i < BP_MERGE_INPUTS; i++)
                free(m->q[i].ring);
        free(m);
}

bp_err_t bp_merge_push(bp_merge_t *m, int input, int64_t timestamp,
                       int64_t offset, void *rec) {
        queue_t *q = &m->q[input];
        entry_t *e;
        if (q->cnt == m->capacity)
                return BP_ERR_TOO_LARGE;
        e            = &q->ring[(q->head + q->cnt) % m->capacity];
        e->timestamp = timestamp;
        e->offset    = offset;
        e->rec       = rec;
        q->cnt++;
        q->eof = false;
        return BP_OK;
}

void bp_merge_set_eof(bp_merge_t *m, int input) {
        m->q[input].eof = true;
}

bool bp_merge_full(const bp_merge_t *m, int input) {
        return m->q[input].cnt == m->capacity;
}

size_t bp_merge_queued(const bp_merge_t *m, int input) {
        return m->q[input].cnt;
}

/* Is a before b in merge order? Inputs are compared by index on equal
 * timestamps; offsets only order records of the same input. */
static bool before(const entry_t *a, int ia, const entry_t *b, int ib) {
        if (a->timestamp != b->timestamp)
                return a->timestamp < b->timestamp;
        if (ia != ib)
                return ia < ib;
        return a->offset < b->offset;
}

bool bp_merge_pop(bp_merge_t *m, void **rec, int *input) {
        int      i, best = -1;
        queue_t *q;

        for (i = 0; i < BP_MERGE_INPUTS; i++) {
                q = &m->q[i];
                if (q->cnt == 0) {
                        if (!q->eof)
                                return false; /* may still hold an earlier
                                                 record */
                        continue;
                }
                if (best < 0 || before(&q->ring[q->head], i,
                                       &m->q[best].ring[m->q[best].head], best))
                        best = i;
        }
        if (best < 0)
                return false;
        q       = &m->q[best];
        *rec    = q->ring[q->head].rec;
        *input  = best;
        q->head = (q->head + 1) % m->capacity;
        q->cnt--;
        return true;
}
