/*
 * bp_change_limit.c - parsing `rules.reload.max.changes` and applying it
 * to a count of held badges (see bp_change_limit.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_change_limit.h"

/* Digits with at most one '.', and at least one digit: no sign, exponent,
 * "inf" or "nan", which strtod() would take. */
static int plain_number(const char *s, size_t len) {
        size_t i, digits = 0, dots = 0;

        for (i = 0; i < len; i++) {
                if (s[i] >= '0' && s[i] <= '9')
                        digits++;
                else if (s[i] == '.')
                        dots++;
                else
                        return 0;
        }
        return digits > 0 && dots <= 1;
}

bp_err_t bp_change_limit_parse(const char *text, bp_change_limit_t *limit,
                               char *msg, size_t msg_size) {
        size_t len = strlen(text);
        char  *end;

        memset(limit, 0, sizeof(*limit));
        if (strcmp(text, "off") == 0) {
                limit->kind = BP_CHANGE_LIMIT_OFF;
                return BP_OK;
        }
        if (len > 1 && text[len - 1] == '%' && plain_number(text, len - 1)) {
                limit->kind    = BP_CHANGE_LIMIT_SHARE;
                limit->percent = strtod(text, &end);
                if (end == text + len - 1 && limit->percent > 0 &&
                    limit->percent <= 100)
                        return BP_OK;
        } else if (len > 0 && len <= 13 && strspn(text, "0123456789") == len) {
                errno        = 0;
                limit->kind  = BP_CHANGE_LIMIT_COUNT;
                limit->count = strtoull(text, NULL, 10);
                if (errno == 0 && limit->count <= BP_CHANGE_LIMIT_COUNT_MAX)
                        return BP_OK;
        }
        snprintf(msg, msg_size,
                 "expected a number of changes (0 to %llu), a share of the "
                 "held badges from more than 0%% to 100%% (e.g. 1%%), or off; "
                 "got \"%.64s\"",
                 BP_CHANGE_LIMIT_COUNT_MAX, text);
        return BP_ERR_CONFIG;
}

uint64_t bp_change_limit_max(const bp_change_limit_t *limit, uint64_t held) {
        double share;

        switch (limit->kind) {
        case BP_CHANGE_LIMIT_COUNT:
                return limit->count;
        case BP_CHANGE_LIMIT_SHARE:
                share = ceil((double)held * limit->percent / 100.0);
                return share < BP_CHANGE_LIMIT_FLOOR ? BP_CHANGE_LIMIT_FLOOR
                                                     : (uint64_t)share;
        default:
                return UINT64_MAX;
        }
}
