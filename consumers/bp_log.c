/*
 * bp_log.c - key=value log lines on stderr (see bp_log.h).
 *
 * The formatter walks the caller's format itself rather than handing it
 * to vsnprintf whole, because it must know where each %s value starts and
 * ends to quote it; every other conversion is handed to snprintf one at a
 * time. A line is assembled in a fixed buffer of PIPE_BUF bytes: one
 * write(2) of that size is atomic on a pipe, and the buffer needs no
 * allocation, so logging works even when memory has run out.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bp_log.h"

atomic_int bp_log_max_level = BP_LOG_INFO;

#ifndef PIPE_BUF
#define PIPE_BUF 4096
#endif

#define LINE_SIZE PIPE_BUF
#define LINE_TAIL " truncated=true\n"

/* One line under construction. Room for the tail and a closing quote is
 * kept back, so a cut line still ends well-formed. */
typedef struct line_s {
        char   buf[LINE_SIZE];
        size_t len;
        bool   cut;      /* something did not fit */
        bool   in_quote; /* inside a quoted value */
} line_t;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

#define LINE_LIMIT (LINE_SIZE - sizeof(LINE_TAIL) - 1)

void bp_log_set_level(bp_log_level_t level) {
        atomic_store(&bp_log_max_level, (int)level);
}

bp_log_level_t bp_log_get_level(void) {
        return (bp_log_level_t)atomic_load(&bp_log_max_level);
}

const char *bp_log_level_name(bp_log_level_t level) {
        if ((int)level < 0 || (int)level > BP_LOG_DEBUG)
                return "unknown";
        return level_names[level];
}

bp_err_t bp_log_level_parse(const char *name, bp_log_level_t *levelp) {
        int i;
        for (i = 0; i <= BP_LOG_DEBUG; i++) {
                if (name && strcmp(name, level_names[i]) == 0) {
                        *levelp = (bp_log_level_t)i;
                        return BP_OK;
                }
        }
        return BP_ERR_INVALID;
}

/* Appends n bytes, or as many as fit, cut back to a UTF-8 boundary. */
static void line_put(line_t *line, const char *s, size_t n) {
        if (line->cut)
                return;
        if (n > LINE_LIMIT - line->len) {
                n = LINE_LIMIT - line->len;
                while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                        n--;
                line->cut = true;
        }
        memcpy(line->buf + line->len, s, n);
        line->len += n;
}

/* Appends all n bytes or none: an escape sequence must not be split. */
static void line_put_whole(line_t *line, const char *s, size_t n) {
        if (line->cut)
                return;
        if (n > LINE_LIMIT - line->len) {
                line->cut = true;
                return;
        }
        memcpy(line->buf + line->len, s, n);
        line->len += n;
}

static bool needs_quotes(const char *s, size_t n) {
        size_t i;
        if (n == 0)
                return true;
        for (i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c <= ' ' || c == '"' || c == '=' || c == 0x7f)
                        return true;
        }
        return false;
}

/* Writes a %s value, quoted and escaped when a reader would otherwise
 * split it or lose the end of the line. */
static void put_value(line_t *line, const char *s, size_t n) {
        static const char hex[] = "0123456789abcdef";
        size_t            i;

        if (!needs_quotes(s, n)) {
                line_put(line, s, n);
                return;
        }
        line->in_quote = true;
        line_put_whole(line, "\"", 1);
        for (i = 0; i < n && !line->cut; i++) {
                unsigned char c       = (unsigned char)s[i];
                char          esc[4]  = {'\\', (char)c, 0, 0};
                size_t        esc_len = 2;
                if (c == '\n')
                        esc[1] = 'n';
                else if (c == '\r')
                        esc[1] = 'r';
                else if (c == '\t')
                        esc[1] = 't';
                else if (c < 0x20 || c == 0x7f) {
                        esc[1]  = 'x';
                        esc[2]  = hex[c >> 4];
                        esc[3]  = hex[c & 0xf];
                        esc_len = 4;
                } else if (c != '"' && c != '\\') {
                        line_put_whole(line, (const char *)&s[i], 1);
                        continue;
                }
                line_put_whole(line, esc, esc_len);
        }
        line_put_whole(line, "\"", 1);
        if (!line->cut)
                line->in_quote = false;
}

/* A conversion specification: '%', flags, width and precision (any '*'
 * already replaced by its number), length modifier and conversion, ready
 * for snprintf. */
typedef struct spec_s {
        char text[48];
        int  len_mod; /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'j', 'z', 't', 'D' */
        int  precision; /* -1: none */
        char conv;
} spec_t;

/* Adds the int argument of a '*' to the specification. A negative
 * precision counts as none, as printf says, so its '.' is dropped. */
static void spec_star(spec_t *spec, size_t *lenp, bool dot, va_list *ap) {
        int v = va_arg(*ap, int);
        if (dot && v < 0) {
                (*lenp)--;
                spec->precision = -1;
                return;
        }
        *lenp += (size_t)snprintf(spec->text + *lenp,
                                  sizeof(spec->text) - *lenp, "%d", v);
        if (dot)
                spec->precision = v;
}

/* Parses the specification at *fmtp (just after the '%'), consuming the
 * int arguments of any '*'. Returns false on one it cannot format. */
static bool parse_spec(const char **fmtp, va_list *ap, spec_t *spec) {
        const char *f   = *fmtp;
        size_t      len = 1;
        bool        dot = false;

        spec->text[0]   = '%';
        spec->precision = -1;
        spec->len_mod   = 0;
        for (; *f && strchr("-+ #0123456789.*", *f); f++) {
                if (len + 16 >= sizeof(spec->text))
                        return false;
                if (*f == '*') {
                        spec_star(spec, &len, dot, ap);
                        continue;
                }
                if (*f == '.') {
                        dot             = true;
                        spec->precision = 0;
                } else if (dot && spec->precision < 100000) {
                        spec->precision = spec->precision * 10 + (*f - '0');
                }
                spec->text[len++] = *f;
        }
        if ((f[0] == 'h' || f[0] == 'l') && f[1] == f[0]) {
                spec->len_mod     = f[0] == 'h' ? 'H' : 'L';
                spec->text[len++] = *f++;
                spec->text[len++] = *f++;
        } else if (*f && strchr("hljztL", *f)) {
                spec->len_mod     = *f == 'L' ? 'D' : *f;
                spec->text[len++] = *f++;
        }
        if (!*f || !strchr("diouxXfFeEgGaAcsp%", *f))
                return false;
        if (*f == 's' && spec->len_mod != 0)
                return false; /* wide strings are not for log lines */
        spec->conv        = *f;
        spec->text[len++] = *f;
        spec->text[len]   = '\0';
        *fmtp             = f + 1;
        return true;
}

/* The specification is built at run time from a format the compiler has
 * already checked against its arguments (bp_log_write's format
 * attribute), so the non-literal format warning does not apply here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static int fmt_signed(char *tmp, size_t size, const spec_t *spec, va_list *ap) {
        switch (spec->len_mod) {
        case 'l':
                return snprintf(tmp, size, spec->text, va_arg(*ap, long));
        case 'L':
                return snprintf(tmp, size, spec->text, va_arg(*ap, long long));
        case 'j':
                return snprintf(tmp, size, spec->text, va_arg(*ap, intmax_t));
        case 'z':
                return snprintf(tmp, size, spec->text, va_arg(*ap, ssize_t));
        case 't':
                return snprintf(tmp, size, spec->text, va_arg(*ap, ptrdiff_t));
        default: /* hh and h arguments arrive promoted to int */
                return snprintf(tmp, size, spec->text, va_arg(*ap, int));
        }
}

static int fmt_unsigned(char *tmp, size_t size, const spec_t *spec,
                        va_list *ap) {
        switch (spec->len_mod) {
        case 'l':
                return snprintf(tmp, size, spec->text,
                                va_arg(*ap, unsigned long));
        case 'L':
                return snprintf(tmp, size, spec->text,
                                va_arg(*ap, unsigned long long));
        case 'j':
                return snprintf(tmp, size, spec->text, va_arg(*ap, uintmax_t));
        case 'z':
                return snprintf(tmp, size, spec->text, va_arg(*ap, size_t));
        case 't':
                return snprintf(tmp, size, spec->text, va_arg(*ap, ptrdiff_t));
        default:
                return snprintf(tmp, size, spec->text,
                                va_arg(*ap, unsigned int));
        }
}

static int fmt_other(char *tmp, size_t size, const spec_t *spec, va_list *ap) {
        switch (spec->conv) {
        case 'c':
                return snprintf(tmp, size, spec->text, va_arg(*ap, int));
        case 'p':
                return snprintf(tmp, size, spec->text, va_arg(*ap, void *));
        default:
                if (spec->len_mod == 'D')
                        return snprintf(tmp, size, spec->text,
                                        va_arg(*ap, long double));
                return snprintf(tmp, size, spec->text, va_arg(*ap, double));
        }
}

#pragma GCC diagnostic pop

static void put_conversion(line_t *line, const spec_t *spec, va_list *ap) {
        char tmp[512];
        int  n;

        if (spec->conv == 's') {
                const char *s = va_arg(*ap, const char *);
                if (!s)
                        s = "(null)";
                put_value(line, s,
                          spec->precision >= 0
                              ? strnlen(s, (size_t)spec->precision)
                              : strlen(s));
                return;
        }
        if (spec->conv == '%') {
                line_put(line, "%", 1);
                return;
        }
        if (strchr("di", spec->conv))
                n = fmt_signed(tmp, sizeof(tmp), spec, ap);
        else if (strchr("ouxX", spec->conv))
                n = fmt_unsigned(tmp, sizeof(tmp), spec, ap);
        else
                n = fmt_other(tmp, sizeof(tmp), spec, ap);
        if (n > 0)
                line_put(line, tmp,
                         (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_fields(line_t *line, const char *fmt, va_list *ap) {
        spec_t spec;

        while (*fmt && !line->cut) {
                const char *pct = strchr(fmt, '%');
                size_t      n   = pct ? (size_t)(pct - fmt) : strlen(fmt);
                line_put(line, fmt, n);
                if (!pct)
                        return;
                fmt = pct + 1;
                /* The arguments after an unknown conversion cannot be
                 * found, so the line ends there, visibly. */
                if (!parse_spec(&fmt, ap, &spec)) {
                        line_put(line, "%?", 2);
                        return;
                }
                put_conversion(line, &spec, ap);
        }
}

static void put_timestamp(line_t *line) {
        struct timespec ts;
        struct tm       tm;
        char            tmp[64];
        int             n;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(tmp, sizeof(tmp),
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
        line_put(line, tmp, (size_t)n);
}

static void write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                buf += n;
                len -= (size_t)n;
        }
}

void bp_log_write(bp_log_level_t level, const char *event, const char *fmt,
                  ...) {
        line_t  line;
        va_list ap;
        int     saved_errno = errno; /* callers may still want theirs */

        line.len      = 0;
        line.cut      = false;
        line.in_quote = false;
        put_timestamp(&line);
        line_put(&line, " level=", 7);
        line_put(&line, bp_log_level_name(level),
                 strlen(bp_log_level_name(level)));
        line_put(&line, " event=", 7);
        line_put(&line, event, strlen(event));
        if (fmt && *fmt && strcmp(fmt, " ") != 0) {
                va_start(ap, fmt);
                put_fields(&line, fmt, &ap);
                va_end(ap);
        }
        /* The room for these was kept back by LINE_LIMIT. */
        if (line.cut) {
                if (line.in_quote)
                        line.buf[line.len++] = '"';
                memcpy(line.buf + line.len, LINE_TAIL, sizeof(LINE_TAIL) - 1);
                line.len += sizeof(LINE_TAIL) - 1;
        } else {
                line.buf[line.len++] = '\n';
        }
        write_all(STDERR_FILENO, line.buf, line.len);
        errno = saved_errno;
}

void bp_log_rdkafka(const rd_kafka_t *rk, int level, const char *fac,
                    const char *buf) {
        bp_log_level_t lvl;

        if (level <= 3)
                lvl = BP_LOG_ERROR;
        else if (level == 4)
                lvl = BP_LOG_WARN;
        else if (level <= 6)
                lvl = BP_LOG_INFO;
        else
                lvl = BP_LOG_DEBUG;
        BP_LOG(lvl, "rdkafka", "client=%s fac=%s msg=%s",
               rk ? rd_kafka_name(rk) : "", fac ? fac : "", buf ? buf : "");
}
