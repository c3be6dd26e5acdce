/*
 * bp_tally.h - badges newly granted and newly revoked, counted per
 * partner: the summary of a rules change, shared by the `what-if` report
 * and the reload guard's log line.
 *
 * Rows are kept sorted by partner_id, so that whatever order the changes
 * come in (a hash map's, a store's), what is printed is the same.
 */
#ifndef BP_TALLY_H
#define BP_TALLY_H

#include <stddef.h>

#include "bp_buf.h"
#include "bp_error.h"

typedef struct bp_tally_row_s {
        char  *partner_id; /* owned */
        size_t n[2];       /* newly granted, newly revoked */
} bp_tally_row_t;

typedef struct bp_tally_s {
        bp_tally_row_t *rows; /* sorted by partner_id */
        size_t          cnt, cap;
        size_t          total[2]; /* over every row */
} bp_tally_t;

/** Counts one change of partner_id's badge (copied): granted (revoked
 *  0) or revoked (revoked 1). BP_OK or BP_ERR_NOMEM. */
bp_err_t bp_tally_add(bp_tally_t *tally, const char *partner_id, int revoked);

/** Appends "PARTNER:+GRANTED/-REVOKED" per row, comma-separated (nothing
 *  when there is no row). BP_OK or BP_ERR_NOMEM. */
bp_err_t bp_tally_format(const bp_tally_t *tally, bp_buf_t *out);

/** Frees the rows and empties tally (which may be zero-initialised and
 *  never used). */
void bp_tally_clear(bp_tally_t *tally);

#endif
