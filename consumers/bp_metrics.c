/*
 * bp_metrics.c - the metrics registry: registration and updates (see
 * bp_metrics.h; the text format is bp_metrics_render.c, the HTTP server
 * bp_metrics_http.c).
 *
 * Families and series are singly linked lists that only ever grow, under
 * the registry lock; a series never moves once created, which is what
 * lets a handle be a plain pointer updated without the lock. Values are
 * 64-bit atomics: counts as integers, gauges and histogram sums as the
 * bits of a double, updated by compare-and-swap. Every operation uses
 * relaxed ordering because a metric synchronises nothing: a scrape only
 * needs each number to be whole, not the numbers to be simultaneous.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_log.h"
#include "bp_metrics_priv.h"

#define NAME_MAX_LEN 200

const char *const bp_metrics_type_names[] = {"counter", "gauge", "histogram"};

static const double default_bounds[] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/* The label pairs of one registration call. */
typedef struct labels_s {
        size_t      cnt;
        const char *names[BP_METRICS_LABELS_MAX];
        const char *values[BP_METRICS_LABELS_MAX];
} labels_t;

static uint64_t double_bits(double v) {
        uint64_t b;
        memcpy(&b, &v, sizeof(b));
        return b;
}

static void atomic_add_double(_Atomic uint64_t *p, double delta) {
        uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(
            p, &old, double_bits(bp_metrics_bits_double(old) + delta),
            memory_order_relaxed, memory_order_relaxed))
                ;
}

double bp_metrics_bits_double(uint64_t b) {
        double v;
        memcpy(&v, &b, sizeof(v));
        return v;
}

bp_metrics_t *bp_metrics_new(void) {
        bp_metrics_t *m = calloc(1, sizeof(*m));
        if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
                free(m);
                return NULL;
        }
        return m;
}

static void series_free(bp_metrics_series_t *s, size_t label_cnt) {
        size_t i;
        for (i = 0; s->values && i < label_cnt; i++)
                free(s->values[i]);
        free(s->values);
        free(s->buckets);
        free(s);
}

static void family_free(bp_metrics_family_t *f) {
        bp_metrics_series_t *s, *next;
        size_t               i;

        for (s = f->first; s; s = next) {
                next = s->next;
                series_free(s, f->label_cnt);
        }
        for (i = 0; i < f->label_cnt; i++)
                free(f->labels[i]);
        free(f->name);
        free(f->help);
        free(f->bounds);
        free(f);
}

void bp_metrics_destroy(bp_metrics_t *m) {
        bp_metrics_family_t *f, *next;

        if (!m)
                return;
        for (f = m->first; f; f = next) {
                next = f->next;
                family_free(f);
        }
        pthread_mutex_destroy(&m->lock);
        free(m);
}

static bool name_valid(const char *s, bool colon_ok) {
        size_t i;
        for (i = 0; s[i]; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '_' || (colon_ok && c == ':') ||
                      (i > 0 && c >= '0' && c <= '9')))
                        return false;
        }
        return i > 0 && i <= NAME_MAX_LEN;
}

/* Prometheus rejects a scrape with a label value that is not UTF-8. */
static bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *)s;

        while (*p) {
                size_t   n, i;
                uint32_t cp;
                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if ((*p & 0xe0) == 0xc0)
                        n = 1, cp = *p & 0x1f;
                else if ((*p & 0xf0) == 0xe0)
                        n = 2, cp = *p & 0x0f;
                else if ((*p & 0xf8) == 0xf0)
                        n = 3, cp = *p & 0x07;
                else
                        return false;
                for (i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                /* Overlong forms, surrogates and values past U+10FFFF. */
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
                    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

/* Reads the NULL-ended name/value pairs; returns why they are wrong. */
static const char *labels_read(labels_t *l, bp_metrics_type_t type,
                               va_list ap) {
        const char *name;
        size_t      i;

        l->cnt = 0;
        while ((name = va_arg(ap, const char *))) {
                const char *value = va_arg(ap, const char *);
                if (l->cnt == BP_METRICS_LABELS_MAX)
                        return "too many labels";
                if (!value)
                        return "a label has no value";
                if (!name_valid(name, false) || strncmp(name, "__", 2) == 0 ||
                    (type == BP_METRICS_HISTOGRAM && strcmp(name, "le") == 0))
                        return "invalid label name";
                if (strlen(value) > BP_METRICS_LABEL_VALUE_MAX)
                        return "label value too long";
                if (!utf8_valid(value))
                        return "label value is not UTF-8";
                for (i = 0; i < l->cnt; i++)
                        if (strcmp(l->names[i], name) == 0)
                                return "label given twice";
                l->names[l->cnt]  = name;
                l->values[l->cnt] = value;
                l->cnt++;
        }
        return NULL;
}

static const char *bounds_check(const double *bounds, size_t bound_cnt) {
        size_t i;
        if (bound_cnt == 0 || bound_cnt > BP_METRICS_BUCKETS_MAX)
                return "a histogram needs 1 to 32 bounds";
        for (i = 0; i < bound_cnt; i++)
                if (!isfinite(bounds[i]) ||
                    (i > 0 && bounds[i] <= bounds[i - 1]))
                        return "bounds must be finite and increasing";
        return NULL;
}

static bp_metrics_family_t *family_find(bp_metrics_t *m, const char *name) {
        bp_metrics_family_t *f;
        for (f = m->first; f; f = f->next)
                if (strcmp(f->name, name) == 0)
                        return f;
        return NULL;
}

/* Why an existing family cannot take this registration, or NULL. */
static const char *family_mismatch(const bp_metrics_family_t *f,
                                   bp_metrics_type_t type, const labels_t *l,
                                   const double *bounds, size_t bound_cnt) {
        size_t i;
        if (f->type != type)
                return "registered before with another type";
        if (f->label_cnt != l->cnt)
                return "registered before with other labels";
        for (i = 0; i < l->cnt; i++)
                if (strcmp(f->labels[i], l->names[i]) != 0)
                        return "registered before with other labels";
        if (type == BP_METRICS_HISTOGRAM &&
            (f->bound_cnt != bound_cnt ||
             memcmp(f->bounds, bounds, bound_cnt * sizeof(*bounds)) != 0))
                return "registered before with other bounds";
        return NULL;
}

static bp_metrics_family_t *family_new(bp_metrics_type_t type, const char *name,
                                       const char *help, const labels_t *l,
                                       const double *bounds, size_t bound_cnt) {
        bp_metrics_family_t *f = calloc(1, sizeof(*f));
        size_t               i;

        if (!f)
                return NULL;
        f->type      = type;
        f->name      = strdup(name);
        f->help      = strdup(help ? help : "");
        f->label_cnt = l->cnt;
        for (i = 0; i < l->cnt; i++)
                if (!(f->labels[i] = strdup(l->names[i])))
                        goto fail;
        if (type == BP_METRICS_HISTOGRAM) {
                f->bounds = malloc(bound_cnt * sizeof(*bounds));
                if (!f->bounds)
                        goto fail;
                memcpy(f->bounds, bounds, bound_cnt * sizeof(*bounds));
                f->bound_cnt = bound_cnt;
        }
        if (f->name && f->help)
                return f;
fail:
        family_free(f);
        return NULL;
}

static bp_metrics_series_t *series_find(const bp_metrics_family_t *f,
                                        const labels_t            *l) {
        bp_metrics_series_t *s;
        size_t               i;

        for (s = f->first; s; s = s->next) {
                for (i = 0; i < l->cnt; i++)
                        if (strcmp(s->values[i], l->values[i]) != 0)
                                break;
                if (i == l->cnt)
                        return s;
        }
        return NULL;
}

static bp_metrics_series_t *series_new(const bp_metrics_family_t *f,
                                       const labels_t            *l) {
        bp_metrics_series_t *s = calloc(1, sizeof(*s));
        size_t               i;

        if (!s)
                return NULL;
        s->family = f;
        atomic_init(&s->hidden, false);
        atomic_init(&s->value,
                    f->type == BP_METRICS_COUNTER ? 0 : double_bits(0.0));
        s->values = calloc(l->cnt ? l->cnt : 1, sizeof(char *));
        if (!s->values)
                goto fail;
        for (i = 0; i < l->cnt; i++)
                if (!(s->values[i] = strdup(l->values[i])))
                        goto fail;
        if (f->type == BP_METRICS_HISTOGRAM) {
                s->buckets = malloc((f->bound_cnt + 1) * sizeof(*s->buckets));
                if (!s->buckets)
                        goto fail;
                for (i = 0; i <= f->bound_cnt; i++)
                        atomic_init(&s->buckets[i], 0);
        }
        return s;
fail:
        series_free(s, l->cnt);
        return NULL;
}

/* Finds or creates family and series; the registry lock is held. */
static bp_metrics_series_t *get_locked(bp_metrics_t *m, bp_metrics_type_t type,
                                       const char *name, const char *help,
                                       const labels_t *l, const double *bounds,
                                       size_t bound_cnt, const char **whyp) {
        bp_metrics_family_t *f = family_find(m, name);
        bp_metrics_series_t *s;

        if (f && (*whyp = family_mismatch(f, type, l, bounds, bound_cnt)))
                return NULL;
        if (!f) {
                if (!(f = family_new(type, name, help, l, bounds, bound_cnt)))
                        return NULL;
                if (m->last)
                        m->last->next = f;
                else
                        m->first = f;
                m->last = f;
        }
        if ((s = series_find(f, l))) {
                atomic_store_explicit(&s->hidden, false, memory_order_relaxed);
                return s;
        }
        if (f->series_cnt == BP_METRICS_SERIES_MAX) {
                *whyp = "too many series in the family";
                return NULL;
        }
        if (!(s = series_new(f, l)))
                return NULL;
        if (f->last)
                f->last->next = s;
        else
                f->first = s;
        f->last = s;
        f->series_cnt++;
        return s;
}

static bp_metrics_series_t *get_series(bp_metrics_t *m, bp_metrics_type_t type,
                                       const char *name, const char *help,
                                       const double *bounds, size_t bound_cnt,
                                       va_list ap) {
        labels_t             l;
        const char          *why = "out of memory";
        bp_metrics_series_t *s   = NULL;

        if (!m || !name)
                return NULL;
        if (!name_valid(name, true))
                why = "invalid metric name";
        else if ((why = labels_read(&l, type, ap)) ||
                 (type == BP_METRICS_HISTOGRAM &&
                  (why = bounds_check(bounds, bound_cnt))))
                ;
        else {
                why = "out of memory";
                pthread_mutex_lock(&m->lock);
                s = get_locked(m, type, name, help, &l, bounds, bound_cnt,
                               &why);
                pthread_mutex_unlock(&m->lock);
        }
        if (!s)
                BP_LOG(BP_LOG_WARN, "metrics_register",
                       "metric=%s type=%s error=%s", name,
                       bp_metrics_type_names[type], why);
        return s;
}

bp_metrics_counter_t *bp_metrics_counter(bp_metrics_t *m, const char *name,
                                         const char *help, ...) {
        va_list              ap;
        bp_metrics_series_t *s;

        va_start(ap, help);
        s = get_series(m, BP_METRICS_COUNTER, name, help, NULL, 0, ap);
        va_end(ap);
        return (bp_metrics_counter_t *)s;
}

bp_metrics_gauge_t *bp_metrics_gauge(bp_metrics_t *m, const char *name,
                                     const char *help, ...) {
        va_list              ap;
        bp_metrics_series_t *s;

        va_start(ap, help);
        s = get_series(m, BP_METRICS_GAUGE, name, help, NULL, 0, ap);
        va_end(ap);
        return (bp_metrics_gauge_t *)s;
}

bp_metrics_histogram_t *bp_metrics_histogram(bp_metrics_t *m, const char *name,
                                             const char   *help,
                                             const double *bounds,
                                             size_t        bound_cnt, ...) {
        va_list              ap;
        bp_metrics_series_t *s;

        if (!bounds) {
                bounds    = default_bounds;
                bound_cnt = sizeof(default_bounds) / sizeof(default_bounds[0]);
        }
        va_start(ap, bound_cnt);
        s = get_series(m, BP_METRICS_HISTOGRAM, name, help, bounds, bound_cnt,
                       ap);
        va_end(ap);
        return (bp_metrics_histogram_t *)s;
}

void bp_metrics_counter_add(bp_metrics_counter_t *c, uint64_t n) {
        if (c)
                atomic_fetch_add_explicit(&c->s.value, n, memory_order_relaxed);
}

void bp_metrics_counter_inc(bp_metrics_counter_t *c) {
        bp_metrics_counter_add(c, 1);
}

uint64_t bp_metrics_counter_value(const bp_metrics_counter_t *c) {
        return c ? atomic_load_explicit(&c->s.value, memory_order_relaxed) : 0;
}

void bp_metrics_gauge_set(bp_metrics_gauge_t *g, double v) {
        if (!g)
                return;
        atomic_store_explicit(&g->s.value, double_bits(v),
                              memory_order_relaxed);
        atomic_store_explicit(&g->s.hidden, false, memory_order_relaxed);
}

void bp_metrics_gauge_add(bp_metrics_gauge_t *g, double delta) {
        if (g)
                atomic_add_double(&g->s.value, delta);
}

double bp_metrics_gauge_value(const bp_metrics_gauge_t *g) {
        return g ? bp_metrics_bits_double(
                       atomic_load_explicit(&g->s.value, memory_order_relaxed))
                 : 0.0;
}

void bp_metrics_gauge_hide(bp_metrics_gauge_t *g) {
        if (g)
                atomic_store_explicit(&g->s.hidden, true, memory_order_relaxed);
}

void bp_metrics_histogram_observe(bp_metrics_histogram_t *h, double v) {
        const bp_metrics_family_t *f;
        size_t                     i;

        if (!h || isnan(v))
                return;
        f = h->s.family;
        for (i = 0; i < f->bound_cnt && v > f->bounds[i]; i++)
                ;
        atomic_fetch_add_explicit(&h->s.buckets[i], 1, memory_order_relaxed);
        atomic_add_double(&h->s.value, v);
}
