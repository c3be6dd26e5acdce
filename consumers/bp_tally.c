/*
 * bp_tally.c - changes counted per partner (see bp_tally.h).
 *
 * A binary search (bp_sorted.h) finds a partner's row; a new partner is
 * inserted in place. Partners are few next to changes (one per rules
 * file, plus those without one), so the insertions cost little however
 * many changes come.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bp_sorted.h"
#include "bp_tally.h"

bp_err_t bp_tally_add(bp_tally_t *tally, const char *partner_id, int revoked) {
        int    found;
        size_t i = bp_sorted_index(
            tally->rows, tally->cnt, sizeof(*tally->rows),
            offsetof(bp_tally_row_t, partner_id), partner_id, &found);

        if (!found) {
                bp_tally_row_t *rows = tally->rows;
                char           *id;
                if (tally->cnt == tally->cap) {
                        size_t cap = tally->cap ? tally->cap * 2 : 8;
                        if (!(rows = realloc(rows, cap * sizeof(*rows))))
                                return BP_ERR_NOMEM;
                        tally->rows = rows;
                        tally->cap  = cap;
                }
                if (!(id = strdup(partner_id)))
                        return BP_ERR_NOMEM;
                memmove(&rows[i + 1], &rows[i],
                        (tally->cnt - i) * sizeof(*rows));
                memset(&rows[i], 0, sizeof(rows[i]));
                rows[i].partner_id = id;
                tally->cnt++;
        }
        tally->rows[i].n[revoked ? 1 : 0]++;
        tally->total[revoked ? 1 : 0]++;
        return BP_OK;
}

bp_err_t bp_tally_format(const bp_tally_t *tally, bp_buf_t *out) {
        bp_err_t err = BP_OK;
        size_t   i;

        for (i = 0; !err && i < tally->cnt; i++)
                err = bp_buf_printf(out, "%s%s:+%zu/-%zu", i ? "," : "",
                                    tally->rows[i].partner_id,
                                    tally->rows[i].n[0], tally->rows[i].n[1]);
        return err;
}

void bp_tally_clear(bp_tally_t *tally) {
        size_t i;

        for (i = 0; i < tally->cnt; i++)
                free(tally->rows[i].partner_id);
        free(tally->rows);
        memset(tally, 0, sizeof(*tally));
}
