/*
 * prom_check.c - strict Prometheus text format check (see prom_check.h).
 *
 * A line is parsed with a cursor; each parse_* function advances it past
 * what it accepted or returns a reason. Histogram series are checked as
 * the exposition writes them: a series' buckets in increasing le order,
 * then its _sum and _count.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_check.h"

#define NAMES_MAX 512
#define NAME_LEN 256
#define SAMPLE_KEY_LEN 1024

typedef struct check_s {
        char   types[NAMES_MAX][NAME_LEN]; /* families with a TYPE line */
        size_t type_cnt;
        char   helps[NAMES_MAX][NAME_LEN]; /* names with a HELP line */
        size_t help_cnt;
        char   family[NAME_LEN]; /* the family of the last TYPE */
        char   type[16];
        char **samples; /* "name{labels}" of every sample, for duplicates */
        size_t sample_cnt, sample_cap;
        /* The histogram series being read. */
        char   hist_key[SAMPLE_KEY_LEN]; /* labels without le */
        double last_le, last_count, inf_count;
        bool   inf_seen, open;
} check_t;

/* One parsed sample. */
typedef struct sample_s {
        char   name[NAME_LEN];
        char   key[SAMPLE_KEY_LEN];    /* name and labels as written */
        char   labels[SAMPLE_KEY_LEN]; /* labels without le */
        char   le[64];
        bool   has_le;
        double value;
} sample_t;

static bool is_name_char(char c, bool first, bool colon) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Copies a metric (colon true) or label name at *p into out. */
static const char *parse_name(const char **p, bool colon, char *out) {
        size_t n = 0;
        while (is_name_char((*p)[n], n == 0, colon)) {
                if (n + 1 >= NAME_LEN)
                        return "name too long";
                out[n] = (*p)[n];
                n++;
        }
        if (n == 0)
                return "expected a name";
        out[n] = '\0';
        *p += n;
        return NULL;
}

/* A float as Go's ParseFloat and the format write it. */
static const char *parse_float(const char *s, size_t len, double *v) {
        char   tok[64];
        size_t i = 0;

        if (len == 0 || len >= sizeof(tok))
                return "bad value";
        memcpy(tok, s, len);
        tok[len] = '\0';
        if (!strcmp(tok, "+Inf") || !strcmp(tok, "-Inf") ||
            !strcmp(tok, "NaN")) {
                *v = !strcmp(tok, "NaN")
                         ? NAN
                         : (tok[0] == '-' ? -INFINITY : INFINITY);
                return NULL;
        }
        if (tok[i] == '+' || tok[i] == '-')
                i++;
        if (!strchr("0123456789.", tok[i]) || tok[i] == '\0')
                return "bad value";
        i += strspn(tok + i, "0123456789");
        if (tok[i] == '.')
                i += 1 + strspn(tok + i + 1, "0123456789");
        if (tok[i] == 'e' || tok[i] == 'E') {
                i++;
                if (tok[i] == '+' || tok[i] == '-')
                        i++;
                if (!strspn(tok + i, "0123456789"))
                        return "bad exponent";
                i += strspn(tok + i, "0123456789");
        }
        if (tok[i] != '\0' || !strcmp(tok, ".") || !strcmp(tok, "-.") ||
            !strcmp(tok, "+."))
                return "bad value";
        *v = strtod(tok, NULL);
        return NULL;
}

/* Reads a quoted label value, checking its escapes; out gets it raw. */
static const char *parse_quoted(const char **p, char *out, size_t size) {
        const char *s = *p;
        size_t      n = 0;

        if (*s++ != '"')
                return "expected '\"'";
        for (; *s != '"'; s++) {
                if (*s == '\0' || *s == '\n')
                        return "unterminated label value";
                if (*s == '\\') {
                        s++;
                        if (*s != '\\' && *s != '"' && *s != 'n')
                                return "bad escape in label value";
                }
                if (n + 1 < size)
                        out[n++] = *s;
        }
        out[n] = '\0';
        *p     = s + 1;
        return NULL;
}

static void append(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *dst, size_t size, const char *fmt, ...) {
        size_t  len = strlen(dst);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(dst + len, size - len, fmt, ap);
        va_end(ap);
}

static const char *parse_labels(const char **p, sample_t *smp) {
        char        names[16][NAME_LEN], value[SAMPLE_KEY_LEN];
        size_t      cnt = 0, i;
        const char *why;

        if (**p != '{')
                return NULL;
        (*p)++;
        while (**p != '}') {
                if (cnt == 16)
                        return "too many labels";
                if ((why = parse_name(p, false, names[cnt])))
                        return why;
                if (!strncmp(names[cnt], "__", 2))
                        return "reserved label name";
                for (i = 0; i < cnt; i++)
                        if (!strcmp(names[i], names[cnt]))
                                return "label given twice";
                if (*(*p)++ != '=')
                        return "expected '='";
                if ((why = parse_quoted(p, value, sizeof(value))))
                        return why;
                if (!strcmp(names[cnt], "le")) {
                        if (strlen(value) >= sizeof(smp->le))
                                return "le value too long";
                        memcpy(smp->le, value, strlen(value) + 1);
                        smp->has_le = true;
                } else {
                        append(smp->labels, sizeof(smp->labels), "%s=%s,",
                               names[cnt], value);
                }
                cnt++;
                if (**p == ',')
                        (*p)++;
                else if (**p != '}')
                        return "expected ',' or '}'";
        }
        (*p)++;
        return NULL;
}

static const char *parse_sample(const char *line, sample_t *smp) {
        const char *p = line, *why, *v;
        double      ts;

        memset(smp, 0, sizeof(*smp));
        if ((why = parse_name(&p, true, smp->name)) ||
            (why = parse_labels(&p, smp)))
                return why;
        snprintf(smp->key, sizeof(smp->key), "%.*s", (int)(p - line), line);
        if (*p != ' ' && *p != '\t')
                return "expected a blank before the value";
        p += strspn(p, " \t");
        v = p;
        p += strcspn(p, " \t");
        if ((why = parse_float(v, (size_t)(p - v), &smp->value)))
                return why;
        p += strspn(p, " \t");
        if (*p == '\0')
                return NULL;
        v = p;
        p += strcspn(p, " \t");
        if (strspn(v, "-0123456789") < (size_t)(p - v) ||
            parse_float(v, (size_t)(p - v), &ts))
                return "bad timestamp";
        return *p ? "text after the timestamp" : NULL;
}

static const char *add_name(char list[][NAME_LEN], size_t *cnt,
                            const char *name, const char *dup) {
        size_t i;
        for (i = 0; i < *cnt; i++)
                if (!strcmp(list[i], name))
                        return dup;
        if (*cnt == NAMES_MAX)
                return "too many families for the checker";
        snprintf(list[(*cnt)++], NAME_LEN, "%s", name);
        return NULL;
}

static const char *check_help(check_t *c, const char *p) {
        char        name[NAME_LEN];
        const char *why = parse_name(&p, true, name);

        if (why)
                return why;
        if (*p != ' ' && *p != '\0')
                return "expected a blank after the name";
        for (; *p; p++)
                if (*p == '\\' && *++p != '\\' && *p != 'n')
                        return "bad escape in help text";
        return add_name(c->helps, &c->help_cnt, name, "HELP given twice");
}

static const char *check_type(check_t *c, const char *p) {
        static const char *const types[] = {"counter", "gauge", "histogram",
                                            "summary", "untyped"};
        char                     name[NAME_LEN];
        const char              *why = parse_name(&p, true, name);
        size_t                   i;

        if (why)
                return why;
        if (*p++ != ' ')
                return "expected a blank after the name";
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (!strcmp(p, types[i]))
                        break;
        if (i == sizeof(types) / sizeof(types[0]))
                return "unknown type";
        if (c->open)
                return "histogram series without _count";
        if ((why = add_name(c->types, &c->type_cnt, name, "TYPE given twice")))
                return why;
        snprintf(c->family, sizeof(c->family), "%s", name);
        snprintf(c->type, sizeof(c->type), "%s", p);
        return NULL;
}

static const char *check_bucket(check_t *c, const sample_t *smp) {
        double le;

        if (!smp->has_le || parse_float(smp->le, strlen(smp->le), &le) ||
            isnan(le))
                return "bucket without a valid le label";
        if (!c->open || strcmp(c->hist_key, smp->labels)) {
                if (c->open)
                        return "histogram series without _count";
                snprintf(c->hist_key, sizeof(c->hist_key), "%s", smp->labels);
                c->open       = true;
                c->inf_seen   = false;
                c->last_le    = -INFINITY;
                c->last_count = 0;
        }
        if (c->inf_seen)
                return "bucket after le=\"+Inf\"";
        if (le <= c->last_le)
                return "le not increasing";
        if (smp->value < c->last_count || floor(smp->value) != smp->value)
                return "bucket counts not cumulative integers";
        c->last_le    = le;
        c->last_count = smp->value;
        if (isinf(le)) {
                c->inf_seen  = true;
                c->inf_count = smp->value;
        }
        return NULL;
}

static const char *check_histogram(check_t *c, const sample_t *smp,
                                   const char *suffix) {
        if (!strcmp(suffix, "_bucket"))
                return check_bucket(c, smp);
        if (strcmp(suffix, "_sum") && strcmp(suffix, "_count"))
                return "sample outside its family";
        if (smp->has_le)
                return "le label outside _bucket";
        if (!c->open || strcmp(c->hist_key, smp->labels) || !c->inf_seen)
                return "_sum or _count without its buckets up to +Inf";
        if (!strcmp(suffix, "_count")) {
                if (smp->value != c->inf_count)
                        return "_count differs from the +Inf bucket";
                c->open = false;
        }
        return NULL;
}

static const char *check_sample(check_t *c, const sample_t *smp) {
        size_t      flen = strlen(c->family), i;
        const char *suffix;

        if (!c->family[0])
                return "sample before any TYPE line";
        if (strncmp(smp->name, c->family, flen))
                return "sample outside its family";
        suffix = smp->name + flen;
        for (i = 0; i < c->sample_cnt; i++)
                if (!strcmp(c->samples[i], smp->key))
                        return "sample given twice";
        if (c->sample_cnt == c->sample_cap) {
                size_t cap = c->sample_cap ? c->sample_cap * 2 : 64;
                char **s   = realloc(c->samples, cap * sizeof(*s));
                if (!s)
                        return "out of memory";
                c->samples    = s;
                c->sample_cap = cap;
        }
        if (!(c->samples[c->sample_cnt] = strdup(smp->key)))
                return "out of memory";
        c->sample_cnt++;
        if (!strcmp(c->type, "histogram"))
                return check_histogram(c, smp, suffix);
        if (!strcmp(c->type, "summary"))
                return (*suffix && strcmp(suffix, "_sum") &&
                        strcmp(suffix, "_count"))
                           ? "sample outside its family"
                           : NULL;
        if (*suffix)
                return "sample outside its family";
        if (!strcmp(c->type, "counter") && !(smp->value >= 0))
                return "counter below zero or NaN";
        return NULL;
}

static const char *check_line(check_t *c, const char *line) {
        sample_t    smp;
        const char *why;

        if (!strncmp(line, "# HELP ", 7))
                return check_help(c, line + 7);
        if (!strncmp(line, "# TYPE ", 7))
                return check_type(c, line + 7);
        if (line[0] == '#' || line[0] == '\0')
                return NULL; /* a comment or an empty line */
        if ((why = parse_sample(line, &smp)))
                return why;
        return check_sample(c, &smp);
}

int prom_check(const char *text, size_t len, char *why, size_t why_size) {
        check_t    *c      = calloc(1, sizeof(*c));
        const char *reason = NULL;
        size_t      off    = 0, i;
        int         lineno = 0;

        if (!c) {
                snprintf(why, why_size, "out of memory");
                return -1;
        }
        while (off < len && !reason) {
                const char *nl = memchr(text + off, '\n', len - off);
                size_t      n  = nl ? (size_t)(nl - text - off) : len - off;
                char       *line;
                lineno++;
                if (!nl) {
                        reason = "last line without a newline";
                        break;
                }
                if (memchr(text + off, '\0', n)) {
                        reason = "NUL byte";
                        break;
                }
                line   = strndup(text + off, n);
                reason = line ? check_line(c, line) : "out of memory";
                free(line);
                off += n + 1;
        }
        if (!reason && c->open) {
                lineno++;
                reason = "histogram series without _count";
        }
        if (reason)
                snprintf(why, why_size, "%s", reason);
        for (i = 0; i < c->sample_cnt; i++)
                free(c->samples[i]);
        free(c->samples);
        free(c);
        return reason ? lineno : 0;
}
