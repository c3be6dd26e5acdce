/*
 * bp_badge_event.c - the list of published badge events, and their ids.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bp_badge_event.h"
#include "bp_sha256.h"

bp_err_t bp_badge_events_init(bp_badge_events_t *list) {
        memset(list, 0, sizeof(*list));
        list->arena = bp_arena_new(4096);
        return list->arena ? BP_OK : BP_ERR_NOMEM;
}

void bp_badge_events_clear(bp_badge_events_t *list) {
        list->cnt = 0;
        bp_arena_reset(list->arena);
}

void bp_badge_events_destroy(bp_badge_events_t *list) {
        free(list->items);
        bp_arena_destroy(list->arena);
        memset(list, 0, sizeof(*list));
}

bp_badge_event_t *bp_badge_events_push(bp_badge_events_t *list) {
        bp_badge_event_t *ev;
        if (list->cnt == list->cap) {
                size_t            cap = list->cap ? list->cap * 2 : 16;
                bp_badge_event_t *items =
                    realloc(list->items, cap * sizeof(*items));
                if (!items)
                        return NULL;
                list->items = items;
                list->cap   = cap;
        }
        ev = &list->items[list->cnt++];
        memset(ev, 0, offsetof(bp_badge_event_t, reasons));
        return ev;
}

/* Feeds a string and its terminating NUL, so that ("ab","c") and
 * ("a","bc") hash differently. */
static void hash_field(bp_sha256_t *h, const char *s) {
        bp_sha256_update(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* Writes v in decimal, as printf's "%" PRId64 would, with a NUL, at the
 * end of out; returns where it starts. Not snprintf: its format parsing
 * cost as much as the rest of the id. */
static const char *decimal(int64_t v, char out[24]) {
        char    *p = out + 23;
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        *p         = '\0';
        do {
                *--p = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                *--p = '-';
        return p;
}

void bp_badge_event_make_id(bp_badge_event_t *ev) {
        bp_sha256_t h;
        uint8_t     digest[32];
        char        version[24];

        bp_sha256_init(&h);
        hash_field(&h, ev->freelancer_id);
        hash_field(&h, ev->partner_id);
        hash_field(&h, decimal(ev->badge_version, version));
        hash_field(&h, ev->cause.event_id);
        bp_sha256_final(&h, digest);
        ev->event_id[0] = 'b';
        ev->event_id[1] = '-';
        bp_hex(digest, 16, ev->event_id + 2);
}
