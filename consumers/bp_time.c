/*
 * bp_time.c - RFC 3339 UTC instants <-> milliseconds (see bp_time.h).
 *
 * The calendar arithmetic is done here rather than with timegm() and
 * gmtime_r(): timegm() silently normalises 2026-02-30 into March, which a
 * tool that answers "on that day" must refuse, and both depend on the C
 * library's time_t range. Days are counted with the proleptic Gregorian
 * calendar in 400-year eras, which is exact for every year accepted.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bp_time.h"

#define MS_PER_DAY 86400000LL
/* 9999-12-31T23:59:59.999Z, the last instant accepted. */
#define MS_MAX 253402300799999LL

static int is_leap(int64_t y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m) {
        static const int days[] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
        return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, int m, int d) {
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
        int64_t era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp  = (5 * doy + 2) / 153;
        *d  = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m  = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y  = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n digits at *p into *out and advances *p. */
static int digits(const char **p, int n, int *out) {
        int v = 0, i;

        for (i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return -1;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *out = v;
        return 0;
}

static bp_err_t parse_ms_number(const char *s, int64_t *ms, char *errstr,
                                size_t errstr_size) {
        int64_t v = 0;
        size_t  i;

        if (!*s)
                goto bad;
        for (i = 0; s[i]; i++) {
                if (!isdigit((unsigned char)s[i]) || i >= 15)
                        goto bad;
                v = v * 10 + (s[i] - '0');
        }
        if (v > MS_MAX)
                goto bad;
        *ms = v;
        return BP_OK;
bad:
        snprintf(errstr, errstr_size,
                 "\"%.40s\" is not a time: expected YYYY-MM-DDTHH:MM:SSZ "
                 "(UTC) or milliseconds since 1970",
                 s);
        return BP_ERR_INVALID;
}

bp_err_t bp_time_parse(const char *s, int64_t *ms, char *errstr,
                       size_t errstr_size) {
        const char *p = s;
        int         y, mo, d, h, mi, sec, milli = 0;

        if (!strchr(s, '-'))
                return parse_ms_number(s, ms, errstr, errstr_size);
        if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
            *p++ != '-' || digits(&p, 2, &d) || *p++ != 'T' ||
            digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
            *p++ != ':' || digits(&p, 2, &sec))
                return parse_ms_number(s, ms, errstr, errstr_size);
        if (*p == '.' && (p++, digits(&p, 3, &milli)))
                return parse_ms_number(s, ms, errstr, errstr_size);
        if (p[0] != 'Z' || p[1] != '\0') {
                snprintf(errstr, errstr_size,
                         "\"%.40s\" is not a UTC time: end it with Z "
                         "(offsets are not accepted)",
                         s);
                return BP_ERR_INVALID;
        }
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
            d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59) {
                snprintf(errstr, errstr_size,
                         "\"%.40s\" is not a date and time from 1970 on", s);
                return BP_ERR_INVALID;
        }
        *ms = days_from_civil(y, mo, d) * MS_PER_DAY +
              ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + milli;
        return BP_OK;
}

const char *bp_time_format(int64_t ms, char *buf, size_t size) {
        int64_t days, rem, y;
        int     m, d;

        if (ms < -62167219200000LL || ms > MS_MAX) {
                snprintf(buf, size, "%" PRId64, ms);
                return buf;
        }
        days = ms / MS_PER_DAY;
        rem  = ms % MS_PER_DAY;
        if (rem < 0) {
                rem += MS_PER_DAY;
                days--;
        }
        civil_from_days(days, &y, &m, &d);
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, m, d,
                 (int)(rem / 3600000), (int)(rem / 60000 % 60),
                 (int)(rem / 1000 % 60), (int)(rem % 1000));
        return buf;
}
