/*
 * bp_audit.c - expected against published badge events (see bp_audit.h).
 *
 * Each event is kept with its "comparison form": its JSON line with the
 * cause's position blanked, written by the same writer replay uses, so
 * that "the same event" means byte-equal on every field that must match
 * and nothing here has to list those fields. Lookups (by event_id, by
 * (freelancer, partner, version), by (freelancer, partner)) go through
 * one small open-addressing table from strings to indexes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bp_arena.h"
#include "bp_audit.h"
#include "bp_jsonl.h"

/* --- a table from strings (owned by the caller) to indexes --- */

typedef struct strmap_s {
        const char **keys;
        size_t      *vals;
        size_t       cap, cnt; /* cap is a power of two */
} strmap_t;

static uint64_t str_hash(const char *s) {
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

static size_t *strmap_find(const strmap_t *m, const char *key) {
        size_t i;

        if (!m->cap)
                return NULL;
        for (i = str_hash(key) & (m->cap - 1); m->keys[i];
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
                for (j = str_hash(m->keys[i]) & (n.cap - 1); n.keys[j];
                     j = (j + 1) & (n.cap - 1))
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

/* Sets key to val (key must outlive the table). */
static bp_err_t strmap_put(strmap_t *m, const char *key, size_t val) {
        size_t *v = strmap_find(m, key), i;

        if (v) {
                *v = val;
                return BP_OK;
        }
        if ((m->cnt + 1) * 2 > m->cap && strmap_grow(m))
                return BP_ERR_NOMEM;
        for (i = str_hash(key) & (m->cap - 1); m->keys[i];
             i = (i + 1) & (m->cap - 1))
                ;
        m->keys[i] = key;
        m->vals[i] = val;
        m->cnt++;
        return BP_OK;
}

static void strmap_free(strmap_t *m) {
        free(m->keys);
        free(m->vals);
}

/* --- the audit --- */

typedef struct audit_event_s {
        bp_badge_event_t ev;
        const char      *form; /* comparison form */
        const char      *slot; /* "freelancer\x1fpartner\x1fversion" */
        const char      *pair; /* "freelancer\x1fpartner" */
        bool             used; /* expected: matched by a publication */
} audit_event_t;

typedef struct audit_list_s {
        audit_event_t *items;
        size_t         cnt, cap;
} audit_list_t;

struct bp_audit_s {
        bp_arena_t      *arena;
        bp_buf_t         buf;
        audit_list_t     expected, published;
        bp_audit_item_t *items;
        size_t           item_cnt, item_cap;
        size_t           counts[BP_AUDIT__CNT];
        size_t           matched;
};

const char *bp_audit_kind_name(bp_audit_kind_t kind) {
        static const char *const names[BP_AUDIT__CNT] = {
            "unjustified", "mismatch", "missing", "duplicate", "order"};
        return (unsigned)kind < BP_AUDIT__CNT ? names[kind] : "?";
}

bp_audit_t *bp_audit_new(void) {
        bp_audit_t *a = calloc(1, sizeof(*a));

        if (a && !(a->arena = bp_arena_new(64 * 1024))) {
                free(a);
                return NULL;
        }
        return a;
}

void bp_audit_destroy(bp_audit_t *a) {
        if (!a)
                return;
        bp_arena_destroy(a->arena);
        bp_buf_free(&a->buf);
        free(a->expected.items);
        free(a->published.items);
        free(a->items);
        free(a);
}

/* Copies a string into the arena; NULL stays NULL. */
static bool dup(bp_arena_t *arena, const char **s) {
        return !*s || (*s = bp_arena_strdup(arena, *s));
}

/* Fills e's derived strings: the comparison form and the two keys. */
static bp_err_t derive(bp_audit_t *a, audit_event_t *e) {
        bp_badge_event_t form = e->ev;

        form.cause.topic     = "";
        form.cause.partition = 0;
        form.cause.offset    = 0;
        bp_buf_reset(&a->buf);
        if (bp_jsonl_write_badge(&a->buf, &form) != BP_OK ||
            bp_buf_append_byte(&a->buf, '\0') != BP_OK)
                return BP_ERR_NOMEM;
        e->form = bp_arena_strdup(a->arena, (const char *)a->buf.data);
        bp_buf_reset(&a->buf);
        if (bp_buf_printf(&a->buf, "%s\x1f%s%c%lld", e->ev.freelancer_id,
                          e->ev.partner_id, '\0',
                          (long long)e->ev.badge_version) != BP_OK)
                return BP_ERR_NOMEM;
        /* One copy serves both keys: "f\x1fp" ends at the NUL. */
        e->pair = bp_arena_strndup(a->arena, (const char *)a->buf.data,
                                   strlen((const char *)a->buf.data));
        a->buf.data[strlen((const char *)a->buf.data)] = '\x1f';
        e->slot =
            bp_arena_strndup(a->arena, (const char *)a->buf.data, a->buf.len);
        return e->form && e->pair && e->slot ? BP_OK : BP_ERR_NOMEM;
}

static bp_err_t add(bp_audit_t *a, audit_list_t *l,
                    const bp_badge_event_t *ev) {
        audit_event_t *e;

        if (l->cnt == l->cap) {
                size_t         cap = l->cap ? l->cap * 2 : 256;
                audit_event_t *n   = realloc(l->items, cap * sizeof(*n));
                if (!n)
                        return BP_ERR_NOMEM;
                l->items = n;
                l->cap   = cap;
        }
        e = &l->items[l->cnt];
        memset(e, 0, sizeof(*e));
        e->ev = *ev;
        if (!dup(a->arena, &e->ev.freelancer_id) ||
            !dup(a->arena, &e->ev.partner_id) ||
            !dup(a->arena, &e->ev.badge_id) ||
            !dup(a->arena, &e->ev.rules_version) ||
            !dup(a->arena, &e->ev.cause.event_id) ||
            !dup(a->arena, &e->ev.cause.topic) || derive(a, e))
                return BP_ERR_NOMEM;
        l->cnt++;
        return BP_OK;
}

bp_err_t bp_audit_add_expected(bp_audit_t *a, const bp_badge_event_t *ev) {
        return add(a, &a->expected, ev);
}

bp_err_t bp_audit_add_published(bp_audit_t *a, const bp_badge_event_t *ev) {
        return add(a, &a->published, ev);
}

static bp_audit_item_t *report(bp_audit_t *a, bp_audit_kind_t kind) {
        bp_audit_item_t *it;

        if (a->item_cnt == a->item_cap) {
                size_t cap = a->item_cap ? a->item_cap * 2 : 64;
                it         = realloc(a->items, cap * sizeof(*it));
                if (!it)
                        return NULL;
                a->items    = it;
                a->item_cap = cap;
        }
        it = &a->items[a->item_cnt++];
        memset(it, 0, sizeof(*it));
        it->kind = kind;
        a->counts[kind]++;
        return it;
}

/* Reports kind for published event i (and the expected event x). */
static bp_err_t report_published(bp_audit_t *a, bp_audit_kind_t kind, size_t i,
                                 const audit_event_t *x, int64_t previous) {
        bp_audit_item_t *it = report(a, kind);

        if (!it)
                return BP_ERR_NOMEM;
        it->published        = &a->published.items[i].ev;
        it->published_index  = i;
        it->expected         = x ? &x->ev : NULL;
        it->previous_version = previous;
        return BP_OK;
}

/* Matches published event p (index i) against the expected ones. */
static bp_err_t match(bp_audit_t *a, size_t i, const strmap_t *by_id) {
        const audit_event_t *p = &a->published.items[i];
        size_t              *x = strmap_find(by_id, p->ev.event_id);
        audit_event_t       *e;

        if (!x)
                return report_published(a, BP_AUDIT_UNJUSTIFIED, i, NULL, 0);
        e       = &a->expected.items[*x];
        e->used = true;
        if (!strcmp(e->form, p->form)) {
                a->matched++;
                return BP_OK;
        }
        return report_published(a, BP_AUDIT_MISMATCH, i, e, 0);
}

/* Classifies published event i. by_id maps expected event ids; slots and
 * pairs map the published ones seen so far (pairs: to the one with the
 * highest badge_version). */
static bp_err_t classify(bp_audit_t *a, size_t i, const strmap_t *by_id,
                         strmap_t *slots, strmap_t *pairs) {
        audit_event_t *p = &a->published.items[i];
        size_t        *prev;
        bp_err_t       err;
        int64_t        high;

        if ((prev = strmap_find(slots, p->slot))) {
                if ((err = report_published(a, BP_AUDIT_DUPLICATE, i, NULL, 0)))
                        return err;
                a->items[a->item_cnt - 1].identical =
                    !strcmp(a->published.items[*prev].form, p->form);
                return BP_OK;
        }
        if (strmap_put(slots, p->slot, i))
                return BP_ERR_NOMEM;
        prev = strmap_find(pairs, p->pair);
        high = prev ? a->published.items[*prev].ev.badge_version : INT64_MIN;
        if (high > p->ev.badge_version)
                err = report_published(a, BP_AUDIT_ORDER, i, NULL, high);
        else
                err = strmap_put(pairs, p->pair, i);
        return err ? err : match(a, i, by_id);
}

bp_err_t bp_audit_compare(bp_audit_t *a) {
        strmap_t         by_id = {0}, slots = {0}, pairs = {0};
        bp_audit_item_t *it;
        bp_err_t         err = BP_OK;
        size_t           i;

        for (i = 0; !err && i < a->expected.cnt; i++)
                err = strmap_put(&by_id, a->expected.items[i].ev.event_id, i);
        for (i = 0; !err && i < a->published.cnt; i++)
                err = classify(a, i, &by_id, &slots, &pairs);
        for (i = 0; !err && i < a->expected.cnt; i++) {
                if (a->expected.items[i].used)
                        continue;
                if (!(it = report(a, BP_AUDIT_MISSING)))
                        err = BP_ERR_NOMEM;
                else
                        it->expected = &a->expected.items[i].ev;
        }
        strmap_free(&by_id);
        strmap_free(&slots);
        strmap_free(&pairs);
        return err;
}

size_t bp_audit_expected_cnt(const bp_audit_t *a) {
        return a->expected.cnt;
}

size_t bp_audit_published_cnt(const bp_audit_t *a) {
        return a->published.cnt;
}

size_t bp_audit_matched_cnt(const bp_audit_t *a) {
        return a->matched;
}

size_t bp_audit_count(const bp_audit_t *a, bp_audit_kind_t kind) {
        return (unsigned)kind < BP_AUDIT__CNT ? a->counts[kind] : 0;
}

size_t bp_audit_item_cnt(const bp_audit_t *a) {
        return a->item_cnt;
}

const bp_audit_item_t *bp_audit_item(const bp_audit_t *a, size_t i) {
        return i < a->item_cnt ? &a->items[i] : NULL;
}
