/*
 * bp_badge_event.h - the badge-granted / badge-revoked events the engine
 * publishes, and a list that owns them.
 *
 * A bp_badge_events_t collects the events of one or more engine calls.
 * Their strings live in the list's arena, so an event stays valid until
 * bp_badge_events_clear() or _destroy(), whatever happens to the state it
 * came from. Clearing keeps the memory, so a processing loop that clears
 * after each batch stops allocating once warmed up.
 */
#ifndef BP_BADGE_EVENT_H
#define BP_BADGE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "bp_arena.h"
#include "bp_error.h"
#include "bp_event.h"
#include "bp_types.h"

/** Longest reason detail kept, including the NUL. */
#define BP_DETAIL_SIZE 160
/** Length of a published event_id including the NUL ("b-" + 32 hex). */
#define BP_BADGE_EVENT_ID_SIZE 35

typedef struct bp_reason_s {
        bp_reason_code_t code;
        char             detail[BP_DETAIL_SIZE];
} bp_reason_t;

typedef struct bp_badge_event_s {
        bp_badge_kind_t kind;
        char            event_id[BP_BADGE_EVENT_ID_SIZE];
        const char     *freelancer_id;
        const char     *partner_id;
        const char     *badge_id;
        int64_t         occurred_at;
        int64_t         badge_version;
        bp_basis_t      basis; /* granted only */
        bp_cause_t      cause;
        const char     *rules_version;
        size_t          reason_cnt; /* revoked only; one per failing code */
        /* Last, and valid up to reason_cnt only: 2 KiB that a push does
         * not clear, since grants have none and revocations few. */
        bp_reason_t reasons[BP_REASON__CNT];
} bp_badge_event_t;

typedef struct bp_badge_events_s {
        bp_badge_event_t *items;
        size_t            cnt;
        size_t            cap;
        bp_arena_t       *arena;
} bp_badge_events_t;

/** Initialises an empty list. BP_ERR_NOMEM on failure. */
bp_err_t bp_badge_events_init(bp_badge_events_t *list);

/** Empties the list, keeping its memory. */
void bp_badge_events_clear(bp_badge_events_t *list);

/** Frees what the list owns (not list itself). */
void bp_badge_events_destroy(bp_badge_events_t *list);

/** Appends an event, zeroed up to its reasons (reason_cnt 0), and returns
 *  it, or NULL on ENOMEM. */
bp_badge_event_t *bp_badge_events_push(bp_badge_events_t *list);

/**
 * Computes the deterministic event_id of ev from its freelancer, partner,
 * badge_version and cause event_id into ev->event_id: the same input
 * history always gives the same id, so consumers can drop redeliveries.
 */
void bp_badge_event_make_id(bp_badge_event_t *ev);

#endif
