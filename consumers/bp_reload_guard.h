/*
 * bp_reload_guard.h - what a rules reload would do to the badges, and
 * whether it may go ahead without the operator's confirmation.
 *
 * Before a SIGHUP reload re-evaluates anything, the guard walks the
 * stored states of the partitions it is given (the instance's assigned
 * partitions: each instance judges its own), re-evaluates each under the
 * new rules with the engine the re-evaluation uses (bp_engine_reevaluate,
 * on a copy decoded from the store, nothing written or published) and
 * counts the grants and revocations that would be published, per
 * partner. More than the limit (`rules.reload.max.changes`,
 * bp_change_limit.h) and the reload is refused, unless the file
 * `<rules_dir>/.confirm-<new rules_version>` exists: the version is a
 * digest of the rules' content, so a confirmation holds for exactly the
 * rules it names, and a stale one confirms nothing else.
 */
#ifndef BP_RELOAD_GUARD_H
#define BP_RELOAD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_change_limit.h"
#include "bp_codec.h"
#include "bp_rules.h"
#include "bp_store.h"
#include "bp_tally.h"

/** Prefix of the confirmation file's name, before the rules_version. */
#define BP_RELOAD_CONFIRM_PREFIX ".confirm-"

/** What the guard is handed; everything is borrowed for the call. */
typedef struct bp_reload_guard_in_s {
        bp_store_t       *store; /* every committed state flushed to it */
        bp_codec_t       *codec; /* decodes the stored states */
        const int32_t    *partitions;
        size_t            partition_cnt;
        const bp_rules_t *cur, *next;
        bp_change_limit_t limit;
        const char       *rules_dir; /* where the confirmation is looked for */
        int64_t           at;        /* the re-evaluation's time, Unix ms */
} bp_reload_guard_in_t;

/** What the walk found. */
typedef struct bp_reload_count_s {
        uint64_t   freelancers; /* states visited */
        uint64_t   held;        /* badges held under the current rules */
        bp_tally_t changes;     /* would be granted / revoked, per partner */
} bp_reload_count_t;

/**
 * Walks in->partitions and fills *count (zeroed first; the caller frees
 * count->changes with bp_tally_clear(), on error too). Returns BP_OK,
 * BP_ERR_NOMEM, or BP_ERR_STATE with errstr set when the store cannot be
 * read or a stored state does not decode (what would make the
 * re-evaluation itself fail: fatal).
 */
bp_err_t bp_reload_guard_count(const bp_reload_guard_in_t *in,
                               bp_reload_count_t *count, char *errstr,
                               size_t errstr_size);

/**
 * Counts (bp_reload_guard_count()), logs the counts (rules_reload_check),
 * and sets *allowed: the changes are within the limit, or the reload is
 * confirmed (logged as rules_reload_confirmed). Otherwise logs
 * rules_reload_refused with the counts per partner and how to confirm,
 * and sets *allowed false. Errors as bp_reload_guard_count()'s.
 */
bp_err_t bp_reload_guard_judge(const bp_reload_guard_in_t *in, bool *allowed,
                               char *errstr, size_t errstr_size);

#endif
