/*
 * bp_time.h - event times as auditors type and read them.
 *
 * Events carry milliseconds since the epoch (UTC); people ask about "that
 * day". The audit tools take times on the command line either as an
 * RFC 3339 instant in UTC ("2026-01-01T00:00:00Z", optionally with
 * milliseconds ".250") or as a bare integer of milliseconds, and print
 * them back in the first form, always with milliseconds so that columns
 * line up. Only UTC ('Z') is accepted: an offset would invite the question
 * of which day a local time belongs to, which the tools do not answer.
 */
#ifndef BP_TIME_H
#define BP_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"

/** Room for bp_time_format()'s text, NUL included:
 *  "+275760-09-13T00:00:00.000Z" is the longest it writes. */
#define BP_TIME_TEXT_SIZE 32

/**
 * Parses s as "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (year 1970..9999, a real date,
 * no leap second) or as a decimal number of milliseconds (0 up to year
 * 9999). Returns BP_OK with *ms set, or BP_ERR_INVALID with errstr saying
 * what is wrong ("\"2026-02-30T00:00:00Z\" is not a date: day 30 of
 * 2026-02"). Nothing else is accepted: no spaces, no offsets, no lower
 * case 't' or 'z'.
 */
bp_err_t bp_time_parse(const char *s, int64_t *ms, char *errstr,
                       size_t errstr_size);

/**
 * Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (size at least
 * BP_TIME_TEXT_SIZE for any value) and returns buf. A value outside years
 * 0..9999 is written as its number of milliseconds, so that nothing is
 * ever printed wrong.
 */
const char *bp_time_format(int64_t ms, char *buf, size_t size);

#endif
