/*
 * bp_metrics_priv.h - the registry's insides, shared by bp_metrics.c
 * (registration and updates) and bp_metrics_render.c (the text format).
 * No other module includes it.
 */
#ifndef BP_METRICS_PRIV_H
#define BP_METRICS_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bp_metrics.h"

typedef enum bp_metrics_type_e {
        BP_METRICS_COUNTER,
        BP_METRICS_GAUGE,
        BP_METRICS_HISTOGRAM
} bp_metrics_type_t;

/* "counter", "gauge", "histogram", by bp_metrics_type_t. */
extern const char *const bp_metrics_type_names[];

typedef struct bp_metrics_family_s bp_metrics_family_t;

typedef struct bp_metrics_series_s {
        struct bp_metrics_series_s *next;
        const bp_metrics_family_t  *family; /* for the bounds of a histogram */
        char                      **values; /* one per label of the family */
        atomic_bool                 hidden;
        _Atomic uint64_t            value; /* count, or the bits of a double */
        _Atomic uint64_t *buckets; /* histograms: bound_cnt + 1 counts */
} bp_metrics_series_t;

/* The handle types are the series itself, under three names so that the
 * compiler keeps a counter from being observed like a histogram. */
struct bp_metrics_counter_s {
        bp_metrics_series_t s;
};
struct bp_metrics_gauge_s {
        bp_metrics_series_t s;
};
struct bp_metrics_histogram_s {
        bp_metrics_series_t s;
};

struct bp_metrics_family_s {
        bp_metrics_family_t *next;
        char                *name;
        char                *help;
        bp_metrics_type_t    type;
        size_t               label_cnt;
        char                *labels[BP_METRICS_LABELS_MAX];
        double              *bounds; /* histograms */
        size_t               bound_cnt;
        bp_metrics_series_t *first, *last;
        size_t               series_cnt;
};

struct bp_metrics_s {
        pthread_mutex_t      lock;
        bp_metrics_family_t *first, *last;
};

/* Reads the double whose bits a gauge or sum atomic holds. */
double bp_metrics_bits_double(uint64_t b);

#endif
