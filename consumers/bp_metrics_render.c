/*
 * bp_metrics_render.c - the registry in the Prometheus text exposition
 * format 0.0.4 (see bp_metrics_render() in bp_metrics.h).
 *
 * Numbers are written in their shortest exact form: counts as integers,
 * doubles with %.15g unless that does not read back to the same value,
 * and the special values as NaN, +Inf and -Inf, which is how the format
 * spells them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_metrics_priv.h"

/* Rendering writes through this, so that the first failed append stops
 * the rest instead of leaving a gap in the middle of the text. */
typedef struct writer_s {
        bp_buf_t *out;
        bp_err_t  err;
} writer_t;

static void w_str(writer_t *w, const char *s) {
        if (!w->err)
                w->err = bp_buf_append_str(w->out, s);
}

static void w_byte(writer_t *w, char c) {
        if (!w->err)
                w->err = bp_buf_append_byte(w->out, (uint8_t)c);
}

/* Escapes as the format asks: backslash and newline everywhere, and the
 * double quote inside label values. */
static void w_escaped(writer_t *w, const char *s, bool quote) {
        for (; *s && !w->err; s++) {
                if (*s == '\\')
                        w_str(w, "\\\\");
                else if (*s == '\n')
                        w_str(w, "\\n");
                else if (quote && *s == '"')
                        w_str(w, "\\\"");
                else
                        w_byte(w, *s);
        }
}

/* The shortest text that reads back as v, in the format's spelling of
 * the special values. */
static void format_double(char *buf, size_t size, double v) {
        if (isnan(v))
                snprintf(buf, size, "NaN");
        else if (isinf(v))
                snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
        else {
                snprintf(buf, size, "%.15g", v);
                if (strtod(buf, NULL) != v)
                        snprintf(buf, size, "%.17g", v);
        }
}

static void w_double(writer_t *w, double v) {
        char buf[40];
        format_double(buf, sizeof(buf), v);
        w_str(w, buf);
}

static void w_uint(writer_t *w, uint64_t v) {
        char buf[24];
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
        w_str(w, buf);
}

/* Writes name, suffix and the label set, with le= last when given. */
static void w_sample_name(writer_t *w, const bp_metrics_family_t *f,
                          const bp_metrics_series_t *s, const char *suffix,
                          const char *le) {
        size_t i;

        w_str(w, f->name);
        w_str(w, suffix);
        if (f->label_cnt == 0 && !le) {
                w_byte(w, ' ');
                return;
        }
        w_byte(w, '{');
        for (i = 0; i < f->label_cnt; i++) {
                if (i > 0)
                        w_byte(w, ',');
                w_str(w, f->labels[i]);
                w_str(w, "=\"");
                w_escaped(w, s->values[i], true);
                w_byte(w, '"');
        }
        if (le) {
                w_str(w, f->label_cnt ? ",le=\"" : "le=\"");
                w_str(w, le);
                w_byte(w, '"');
        }
        w_str(w, "} ");
}

static void render_histogram(writer_t *w, const bp_metrics_family_t *f,
                             const bp_metrics_series_t *s) {
        char     le[40];
        uint64_t total = 0;
        size_t   i;

        for (i = 0; i <= f->bound_cnt; i++) {
                total +=
                    atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
                if (i < f->bound_cnt)
                        format_double(le, sizeof(le), f->bounds[i]);
                else
                        snprintf(le, sizeof(le), "+Inf");
                w_sample_name(w, f, s, "_bucket", le);
                w_uint(w, total);
                w_byte(w, '\n');
        }
        w_sample_name(w, f, s, "_sum", NULL);
        w_double(w, bp_metrics_bits_double(
                        atomic_load_explicit(&s->value, memory_order_relaxed)));
        w_byte(w, '\n');
        w_sample_name(w, f, s, "_count", NULL);
        w_uint(w, total);
        w_byte(w, '\n');
}

static void render_family(writer_t *w, const bp_metrics_family_t *f) {
        const bp_metrics_series_t *s;

        w_str(w, "# HELP ");
        w_str(w, f->name);
        w_byte(w, ' ');
        w_escaped(w, f->help, false);
        w_str(w, "\n# TYPE ");
        w_str(w, f->name);
        w_byte(w, ' ');
        w_str(w, bp_metrics_type_names[f->type]);
        w_byte(w, '\n');
        for (s = f->first; s && !w->err; s = s->next) {
                uint64_t v;
                if (atomic_load_explicit(&s->hidden, memory_order_relaxed))
                        continue;
                if (f->type == BP_METRICS_HISTOGRAM) {
                        render_histogram(w, f, s);
                        continue;
                }
                v = atomic_load_explicit(&s->value, memory_order_relaxed);
                w_sample_name(w, f, s, "", NULL);
                if (f->type == BP_METRICS_COUNTER)
                        w_uint(w, v);
                else
                        w_double(w, bp_metrics_bits_double(v));
                w_byte(w, '\n');
        }
}

bp_err_t bp_metrics_render(bp_metrics_t *m, bp_buf_t *out) {
        writer_t                   w = {out, BP_OK};
        const bp_metrics_family_t *f;

        pthread_mutex_lock(&m->lock);
        for (f = m->first; f && !w.err; f = f->next)
                render_family(&w, f);
        pthread_mutex_unlock(&m->lock);
        return w.err;
}
