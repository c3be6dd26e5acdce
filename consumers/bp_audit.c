/*
 * bp_audit.c - expected against published badge events (see bp_audit.h).
 *
 * Each event is compared through its "comparison form": its JSON line
 * with the cause's position blanked, written by the same writer replay
 * uses, so that "the same event" means byte-equal on every field that
 * must match and nothing here has to list those fields.
 *
 * Nothing is kept per event that was settled. Everything is filed under
 * its (freelancer, partner) pair (one small open-addressing table from
 * "freelancer\x1fpartner" to a pair), which keeps:
 *  - the highest expected version added (what the caller's replay must
 *    reach before a publication can be judged, bp_audit_expected_version);
 *  - the highest published version, for ORDER;
 *  - the versions published, each with a 64-bit hash of the form of its
 *    first publication, for DUPLICATE and its `identical`;
 *  - the expected events no publication has settled yet, and the
 *    publications no expected event has settled yet: while the two
 *    streams keep pace, a few at most.
 * An expected event is settled by the first publication of its version:
 * matched, a mismatch, or (another id there) never matched, so missing.
 * Discrepancies are kept compactly (JSON lines), sorted into their report
 * order at the end, and turned back into events one at a time when read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_arena.h"
#include "bp_audit.h"
#include "bp_hash.h"
#include "bp_jsonl.h"

/* --- a table from strings (owned by the caller) to indexes --- */

typedef struct strmap_s {
        const char **keys;
        size_t      *vals;
        size_t       cap, cnt; /* cap is a power of two */
} strmap_t;

static size_t *strmap_find(const strmap_t *m, const char *key) {
        size_t i;

        if (!m->cap)
                return NULL;
        for (i = bp_hash_bytes(key, strlen(key)) & (m->cap - 1); m->keys[i];
             i = (i + 1) & (m->cap - 1))
                if (!strcmp(m->keys[i], key))
                        return &m->vals[i];
        return NULL;
}

static bp_err_t strmap_grow(strmap_t *m) {
        strmap_t n = {0};
        size_t   i, j;

        n.cap  = m->cap ? m->cap * 2 : 1024;
        n.keys = calloc(n.cap, sizeof(*n.keys));
        n.vals = calloc(n.cap, sizeof(*n.vals));
        if (!n.keys || !n.vals) {
                free(n.keys);
                free(n.vals);
                return BP_ERR_NOMEM;
        }
        for (i = 0; i < m->cap; i++) {
                if (!m->keys[i])
                        continue;
                for (j = bp_hash_bytes(m->keys[i], strlen(m->keys[i])) &
                         (n.cap - 1);
                     n.keys[j]; j = (j + 1) & (n.cap - 1))
                        ;
                n.keys[j] = m->keys[i];
                n.vals[j] = m->vals[i];
        }
        n.cnt = m->cnt;
        free(m->keys);
        free(m->vals);
        *m = n;
        return BP_OK;
}

/* Adds key (absent; it must outlive the table) with val. */
static bp_err_t strmap_add(strmap_t *m, const char *key, size_t val) {
        size_t i;

        if ((m->cnt + 1) * 2 > m->cap && strmap_grow(m))
                return BP_ERR_NOMEM;
        for (i = bp_hash_bytes(key, strlen(key)) & (m->cap - 1); m->keys[i];
             i = (i + 1) & (m->cap - 1))
                ;
        m->keys[i] = key;
        m->vals[i] = val;
        m->cnt++;
        return BP_OK;
}

/* Makes room for one more element of size elem in *arr (cnt used, *cap
 * allocated). false on ENOMEM. */
static bool room(void *arr, size_t cnt, size_t *cap, size_t elem) {
        void **p = arr, *n;
        size_t c;

        if (cnt < *cap)
                return true;
        c = *cap ? *cap * 2 : 4;
        if (!(n = realloc(*p, c * elem)))
                return false;
        *p   = n;
        *cap = c;
        return true;
}

/* --- what is kept --- */

/* An expected event, compactly: its form and where its cause was read. */
typedef struct exp_rec_s {
        size_t  seq; /* 0-based, in the order expected events came */
        int64_t version;
        char    event_id[BP_BADGE_EVENT_ID_SIZE];
        char   *form;  /* owned; NULL: no event */
        char   *topic; /* owned: cause.topic */
        int32_t partition;
        int64_t offset;
} exp_rec_t;

/* A first publication of its version that waits for its expected one. */
typedef struct pub_rec_s {
        size_t  index;
        int64_t version;
        char    event_id[BP_BADGE_EVENT_ID_SIZE];
        char   *form; /* owned */
        char   *line; /* owned: the event as read */
} pub_rec_t;

/* A published version and the hash of its first publication's form. */
typedef struct slot_s {
        int64_t  version;
        uint64_t digest;
} slot_t;

/* The events of a pair not settled yet: none, most of the time, so a
 * pair has them only while there are some. */
typedef struct unsettled_s {
        exp_rec_t *pending; /* expected, sorted by version */
        size_t     pending_cnt, pending_cap;
        pub_rec_t *waiting; /* published, in read order */
        size_t     waiting_cnt, waiting_cap;
} unsettled_t;

/* 48 bytes, the slots apart: there is one per (freelancer, partner). */
typedef struct pair_s {
        int64_t      exp_version; /* highest expected version, 0 for none */
        int64_t      high;        /* highest published, INT64_MIN: none */
        slot_t      *slots;       /* sorted by version */
        size_t       slot_cnt, slot_cap;
        unsettled_t *u; /* NULL: nothing unsettled */
} pair_t;

/* A discrepancy, kept until the report reads it. */
typedef struct item_rec_s {
        uint64_t        order; /* its place in the report */
        bp_audit_kind_t kind;
        char           *line; /* owned: the published event, or NULL */
        exp_rec_t       exp;  /* exp.form NULL: none */
        size_t          published_index;
        int64_t         previous_version;
        bool            identical;
} item_rec_t;

/* Missing items come after every published one, in expected order. */
#define ORDER_MISSING (UINT64_C(1) << 63)

/* What bp_audit_item() hands out: rebuilt from an item_rec_t. */
typedef struct view_s {
        bp_audit_item_t    item;
        bp_badge_event_t   published, expected;
        bp_arena_t        *arena;
        bp_jsonl_parser_t *parser;
} view_t;

struct bp_audit_s {
        bp_arena_t *arena; /* pair keys */
        bp_buf_t    buf;
        strmap_t    by_pair;
        pair_t     *pairs;
        size_t      pair_cnt, pair_cap;
        item_rec_t *items;
        size_t      item_cnt, item_cap;
        size_t      counts[BP_AUDIT__CNT];
        size_t      expected, published, matched;
        view_t     *view;
};

const char *bp_audit_kind_name(bp_audit_kind_t kind) {
        static const char *const names[BP_AUDIT__CNT] = {
            "unjustified", "mismatch", "missing", "duplicate", "order"};
        return (unsigned)kind < BP_AUDIT__CNT ? names[kind] : "?";
}

bp_audit_t *bp_audit_new(void) {
        bp_audit_t *a = calloc(1, sizeof(*a));

        if (!a)
                return NULL;
        a->arena = bp_arena_new(64 * 1024);
        a->view  = calloc(1, sizeof(*a->view));
        if (a->view) {
                a->view->arena  = bp_arena_new(4 * 1024);
                a->view->parser = bp_jsonl_parser_new();
        }
        if (!a->arena || !a->view || !a->view->arena || !a->view->parser) {
                bp_audit_destroy(a);
                return NULL;
        }
        return a;
}

static void exp_free(exp_rec_t *e) {
        free(e->form);
        free(e->topic);
        e->form = e->topic = NULL;
}

void bp_audit_destroy(bp_audit_t *a) {
        size_t i, j;

        if (!a)
                return;
        for (i = 0; i < a->pair_cnt; i++) {
                pair_t *pr = &a->pairs[i];
                free(pr->slots);
                if (!pr->u)
                        continue;
                for (j = 0; j < pr->u->pending_cnt; j++)
                        exp_free(&pr->u->pending[j]);
                for (j = 0; j < pr->u->waiting_cnt; j++) {
                        free(pr->u->waiting[j].form);
                        free(pr->u->waiting[j].line);
                }
                free(pr->u->pending);
                free(pr->u->waiting);
                free(pr->u);
        }
        for (i = 0; i < a->item_cnt; i++) {
                free(a->items[i].line);
                exp_free(&a->items[i].exp);
        }
        if (a->view) {
                bp_arena_destroy(a->view->arena);
                bp_jsonl_parser_destroy(a->view->parser);
                free(a->view);
        }
        free(a->pairs);
        free(a->items);
        free(a->by_pair.keys);
        free(a->by_pair.vals);
        bp_buf_free(&a->buf);
        bp_arena_destroy(a->arena);
        free(a);
}

/* The pair of (freelancer, partner) in a->buf's "f\x1fp". Its index, or
 * SIZE_MAX when absent and not create, or on ENOMEM. */
static size_t pair_of(bp_audit_t *a, const char *freelancer_id,
                      const char *partner_id, bool create) {
        size_t     *v;
        const char *key;

        bp_buf_reset(&a->buf);
        if (bp_buf_printf(&a->buf, "%s\x1f%s%c", freelancer_id, partner_id,
                          '\0') != BP_OK)
                return SIZE_MAX;
        if ((v = strmap_find(&a->by_pair, (const char *)a->buf.data)))
                return *v;
        if (!create ||
            !room(&a->pairs, a->pair_cnt, &a->pair_cap, sizeof(*a->pairs)) ||
            !(key = bp_arena_strdup(a->arena, (const char *)a->buf.data)) ||
            strmap_add(&a->by_pair, key, a->pair_cnt))
                return SIZE_MAX;
        memset(&a->pairs[a->pair_cnt], 0, sizeof(*a->pairs));
        a->pairs[a->pair_cnt].high = INT64_MIN;
        return a->pair_cnt++;
}

/* Writes ev's comparison form into a->buf, NUL-terminated. */
static bp_err_t write_form(bp_audit_t *a, const bp_badge_event_t *ev) {
        bp_badge_event_t form = *ev;

        form.cause.topic     = "";
        form.cause.partition = 0;
        form.cause.offset    = 0;
        bp_buf_reset(&a->buf);
        if (bp_jsonl_write_badge(&a->buf, &form) != BP_OK ||
            bp_buf_append_byte(&a->buf, '\0') != BP_OK)
                return BP_ERR_NOMEM;
        return BP_OK;
}

/* ev as a JSON line (its newline dropped), malloc'd. NULL on ENOMEM. */
static char *line_of(bp_audit_t *a, const bp_badge_event_t *ev) {
        bp_buf_reset(&a->buf);
        if (bp_jsonl_write_badge(&a->buf, ev) != BP_OK)
                return NULL;
        a->buf.data[a->buf.len - 1] = '\0';
        return strdup((const char *)a->buf.data);
}

/* A new item of kind in place order. NULL on ENOMEM. */
static item_rec_t *report(bp_audit_t *a, bp_audit_kind_t kind, uint64_t order) {
        item_rec_t *it;

        if (!room(&a->items, a->item_cnt, &a->item_cap, sizeof(*a->items)))
                return NULL;
        it = &a->items[a->item_cnt++];
        memset(it, 0, sizeof(*it));
        it->kind  = kind;
        it->order = order;
        a->counts[kind]++;
        return it;
}

/* Reports e missing; e's strings are handed over. */
static bp_err_t report_missing(bp_audit_t *a, exp_rec_t *e) {
        item_rec_t *it = report(a, BP_AUDIT_MISSING, ORDER_MISSING | e->seq);

        if (!it) {
                exp_free(e);
                return BP_ERR_NOMEM;
        }
        it->exp = *e;
        return BP_OK;
}

/* Reports published event index (line: its JSON, handed over). */
static item_rec_t *report_published(bp_audit_t *a, bp_audit_kind_t kind,
                                    size_t index, char *line) {
        /* A publication's ORDER comes before the outcome of its match. */
        uint64_t sub =
            kind == BP_AUDIT_UNJUSTIFIED || kind == BP_AUDIT_MISMATCH ? 1 : 0;
        item_rec_t *it =
            line ? report(a, kind, (uint64_t)index * 2 + sub) : NULL;

        if (!it) {
                free(line);
                return NULL;
        }
        it->line            = line;
        it->published_index = index;
        return it;
}

/* Settles publication p (waiting or just read) against expected e at its
 * version, e NULL when there is none: matched, mismatch or unjustified;
 * e missing when its id is not p's. Takes p's strings and e's. */
static bp_err_t settle(bp_audit_t *a, pub_rec_t *p, exp_rec_t *e) {
        item_rec_t *it;
        bp_err_t    err = BP_OK;

        if (e && strcmp(e->event_id, p->event_id) != 0) {
                err = report_missing(a, e);
                e   = NULL;
        }
        if (!e) {
                if (!report_published(a, BP_AUDIT_UNJUSTIFIED, p->index,
                                      p->line))
                        err = BP_ERR_NOMEM;
        } else if (!strcmp(e->form, p->form)) {
                a->matched++;
                free(p->line);
                exp_free(e);
        } else if (!(it = report_published(a, BP_AUDIT_MISMATCH, p->index,
                                           p->line))) {
                exp_free(e);
                err = BP_ERR_NOMEM;
        } else {
                it->exp = *e;
        }
        free(p->form);
        p->form = p->line = NULL;
        return err;
}

/* The index in pr->slots of version, or where it would go (*found). */
static size_t slot_index(const pair_t *pr, int64_t version, bool *found) {
        size_t lo = 0, hi = pr->slot_cnt, mid;

        /* Versions come in order: the last slot is the usual answer. */
        if (hi && pr->slots[hi - 1].version < version)
                lo = hi;
        while (lo < hi) {
                mid = lo + (hi - lo) / 2;
                if (pr->slots[mid].version < version)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = lo < pr->slot_cnt && pr->slots[lo].version == version;
        return lo;
}

/* pr's unsettled events, made when there are none. NULL on ENOMEM. */
static unsettled_t *unsettled(pair_t *pr) {
        if (!pr->u)
                pr->u = calloc(1, sizeof(*pr->u));
        return pr->u;
}

/* Drops pr's unsettled events once there are none left. */
static void tidy(pair_t *pr) {
        if (!pr->u || pr->u->pending_cnt || pr->u->waiting_cnt)
                return;
        free(pr->u->pending);
        free(pr->u->waiting);
        free(pr->u);
        pr->u = NULL;
}

/* The pending expected event of version in pr, or -1. */
static ptrdiff_t pending_index(const pair_t *pr, int64_t version) {
        size_t i;

        /* Pending events are few and the oldest is the usual answer. */
        for (i = 0; pr->u && i < pr->u->pending_cnt; i++)
                if (pr->u->pending[i].version == version)
                        return (ptrdiff_t)i;
        return -1;
}

static void pending_remove(pair_t *pr, size_t i) {
        memmove(&pr->u->pending[i], &pr->u->pending[i + 1],
                (pr->u->pending_cnt - i - 1) * sizeof(*pr->u->pending));
        pr->u->pending_cnt--;
        tidy(pr);
}

bp_err_t bp_audit_add_expected(bp_audit_t *a, const bp_badge_event_t *ev) {
        size_t    pi = pair_of(a, ev->freelancer_id, ev->partner_id, true), i;
        pair_t   *pr;
        exp_rec_t e = {0};

        if (pi == SIZE_MAX || write_form(a, ev))
                return BP_ERR_NOMEM;
        pr        = &a->pairs[pi];
        e.seq     = a->expected++;
        e.version = ev->badge_version;
        memcpy(e.event_id, ev->event_id, sizeof(e.event_id));
        e.partition = ev->cause.partition;
        e.offset    = ev->cause.offset;
        e.form      = strdup((const char *)a->buf.data);
        e.topic     = strdup(ev->cause.topic ? ev->cause.topic : "");
        if (!e.form || !e.topic) {
                exp_free(&e);
                return BP_ERR_NOMEM;
        }
        if (ev->badge_version > pr->exp_version)
                pr->exp_version = ev->badge_version;
        for (i = 0; pr->u && i < pr->u->waiting_cnt; i++) {
                pub_rec_t p = pr->u->waiting[i];
                if (p.version != e.version)
                        continue;
                memmove(&pr->u->waiting[i], &pr->u->waiting[i + 1],
                        (pr->u->waiting_cnt - i - 1) * sizeof(*pr->u->waiting));
                pr->u->waiting_cnt--;
                tidy(pr);
                return settle(a, &p, &e);
        }
        if (!unsettled(pr) ||
            !room(&pr->u->pending, pr->u->pending_cnt, &pr->u->pending_cap,
                  sizeof(*pr->u->pending))) {
                exp_free(&e);
                return BP_ERR_NOMEM;
        }
        pr->u->pending[pr->u->pending_cnt++] = e;
        return BP_OK;
}

/* Records published version v of pr (not yet there, at slot index s). */
static bp_err_t slot_add(pair_t *pr, size_t s, int64_t v, uint64_t digest) {
        if (!room(&pr->slots, pr->slot_cnt, &pr->slot_cap, sizeof(*pr->slots)))
                return BP_ERR_NOMEM;
        memmove(&pr->slots[s + 1], &pr->slots[s],
                (pr->slot_cnt - s) * sizeof(*pr->slots));
        pr->slots[s].version = v;
        pr->slots[s].digest  = digest;
        pr->slot_cnt++;
        return BP_OK;
}

/* Matches the first publication p of its version in pair pi: now when
 * its expected event is there or cannot come, else it waits. */
static bp_err_t match(bp_audit_t *a, size_t pi, pub_rec_t *p) {
        pair_t   *pr = &a->pairs[pi];
        ptrdiff_t x  = pending_index(pr, p->version);
        exp_rec_t e;

        if (x >= 0) {
                e = pr->u->pending[x];
                pending_remove(pr, (size_t)x);
                return settle(a, p, &e);
        }
        if (pr->exp_version >= p->version)
                return settle(a, p, NULL);
        if (!unsettled(pr) ||
            !room(&pr->u->waiting, pr->u->waiting_cnt, &pr->u->waiting_cap,
                  sizeof(*pr->u->waiting))) {
                free(p->form);
                free(p->line);
                return BP_ERR_NOMEM;
        }
        pr->u->waiting[pr->u->waiting_cnt++] = *p;
        return BP_OK;
}

bp_err_t bp_audit_add_published(bp_audit_t *a, const bp_badge_event_t *ev) {
        size_t      pi = pair_of(a, ev->freelancer_id, ev->partner_id, true), s;
        size_t      index = a->published;
        pair_t     *pr;
        pub_rec_t   p = {0};
        item_rec_t *it;
        uint64_t    digest;
        bool        found;

        if (pi == SIZE_MAX || write_form(a, ev))
                return BP_ERR_NOMEM;
        a->published++;
        pr     = &a->pairs[pi];
        digest = bp_hash_bytes((const char *)a->buf.data, a->buf.len - 1);
        s      = slot_index(pr, ev->badge_version, &found);
        if (found) {
                if (!(it = report_published(a, BP_AUDIT_DUPLICATE, index,
                                            line_of(a, ev))))
                        return BP_ERR_NOMEM;
                it->identical = pr->slots[s].digest == digest;
                return BP_OK;
        }
        if (!(p.form = strdup((const char *)a->buf.data)) ||
            slot_add(pr, s, ev->badge_version, digest)) {
                free(p.form);
                return BP_ERR_NOMEM;
        }
        p.index   = index;
        p.version = ev->badge_version;
        memcpy(p.event_id, ev->event_id, sizeof(p.event_id));
        if (pr->high > ev->badge_version) {
                if (!(it = report_published(a, BP_AUDIT_ORDER, index,
                                            line_of(a, ev)))) {
                        free(p.form);
                        return BP_ERR_NOMEM;
                }
                it->previous_version = pr->high;
        } else {
                pr->high = ev->badge_version;
        }
        if (!(p.line = line_of(a, ev))) {
                free(p.form);
                return BP_ERR_NOMEM;
        }
        return match(a, pi, &p);
}

int64_t bp_audit_expected_version(bp_audit_t *a, const char *freelancer_id,
                                  const char *partner_id) {
        size_t pi = pair_of(a, freelancer_id, partner_id, false);

        return pi == SIZE_MAX ? 0 : a->pairs[pi].exp_version;
}

static int item_cmp(const void *x, const void *y) {
        const item_rec_t *a = x, *b = y;

        return a->order < b->order ? -1 : a->order > b->order;
}

bp_err_t bp_audit_compare(bp_audit_t *a) {
        bp_err_t err = BP_OK;
        size_t   i;

        for (i = 0; i < a->pair_cnt; i++) {
                pair_t *pr = &a->pairs[i];
                if (!pr->u)
                        continue;
                /* No expected event came for these, nor will now. */
                for (; pr->u->waiting_cnt; pr->u->waiting_cnt--) {
                        pub_rec_t p = pr->u->waiting[pr->u->waiting_cnt - 1];
                        if (settle(a, &p, NULL))
                                err = BP_ERR_NOMEM;
                }
                for (; pr->u->pending_cnt; pr->u->pending_cnt--)
                        if (report_missing(
                                a, &pr->u->pending[pr->u->pending_cnt - 1]))
                                err = BP_ERR_NOMEM;
                tidy(pr);
        }
        if (a->item_cnt)
                qsort(a->items, a->item_cnt, sizeof(*a->items), item_cmp);
        return err;
}

size_t bp_audit_expected_cnt(const bp_audit_t *a) {
        return a->expected;
}

size_t bp_audit_published_cnt(const bp_audit_t *a) {
        return a->published;
}

size_t bp_audit_matched_cnt(const bp_audit_t *a) {
        return a->matched;
}

size_t bp_audit_count(const bp_audit_t *a, bp_audit_kind_t kind) {
        return (unsigned)kind < BP_AUDIT__CNT ? a->counts[kind] : 0;
}

void bp_audit_held(const bp_audit_t *a, bp_audit_held_t *held) {
        size_t i;

        memset(held, 0, sizeof(*held));
        held->pairs = a->pair_cnt;
        held->items = a->item_cnt;
        for (i = 0; i < a->pair_cnt; i++) {
                held->slots += a->pairs[i].slot_cnt;
                held->pending +=
                    (a->pairs[i].u ? a->pairs[i].u->pending_cnt : 0);
                held->waiting +=
                    (a->pairs[i].u ? a->pairs[i].u->waiting_cnt : 0);
        }
}

size_t bp_audit_item_cnt(const bp_audit_t *a) {
        return a->item_cnt;
}

/* Parses a kept line into ev (strings in the view's arena). */
static bool rebuild(view_t *v, const char *line, bp_badge_event_t *ev) {
        char errstr[256];

        return bp_jsonl_parse_badge(v->parser, line, strlen(line), v->arena, ev,
                                    errstr, sizeof(errstr)) == BP_OK;
}

const bp_audit_item_t *bp_audit_item(const bp_audit_t *a, size_t i) {
        const item_rec_t *r;
        view_t           *v = a->view;

        if (i >= a->item_cnt)
                return NULL;
        r = &a->items[i];
        bp_arena_reset(v->arena);
        memset(&v->item, 0, sizeof(v->item));
        v->item.kind             = r->kind;
        v->item.published_index  = r->published_index;
        v->item.previous_version = r->previous_version;
        v->item.identical        = r->identical;
        if (r->line) {
                if (!rebuild(v, r->line, &v->published))
                        return NULL;
                v->item.published = &v->published;
        }
        if (r->exp.form) {
                if (!rebuild(v, r->exp.form, &v->expected) ||
                    !(v->expected.cause.topic =
                          bp_arena_strdup(v->arena, r->exp.topic)))
                        return NULL;
                v->expected.cause.partition = r->exp.partition;
                v->expected.cause.offset    = r->exp.offset;
                v->item.expected            = &v->expected;
        }
        return &v->item;
}
