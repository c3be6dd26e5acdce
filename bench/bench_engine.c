/*
 * bench_engine.c - events per second of apply + evaluate, single thread.
 *
 * Generates the stream first (seeded, kept in memory) so that only the
 * engine is timed: state lookup in the in-memory map, apply, evaluation of
 * the freelancer's partners, and building the published events. Each run
 * starts from an empty state; the median of the runs is reported.
 *
 *   bench_engine [events] [freelancers] [runs] [rules_dir] [ahead]
 *   defaults:     1000000   100000        5     tests/data/rules-gen  4
 *
 * The loop prefetches the state of the event `ahead` events later
 * (bp_state_map_prefetch(), as the runtime does with a record's key
 * before it decodes the record); ahead 0 turns that off.
 *
 * bench/e2e.sh also runs it under callgrind (one run, fewer events) for
 * the instructions per event of engine_run, a figure that does not move
 * with the load of a shared machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp_arena.h"
#include "bp_engine.h"
#include "bp_gen.h"
#include "bp_state_map.h"

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Deep-copies ev's borrowed strings and arrays into arena. */
static void keep_event(bp_arena_t *arena, bp_event_t *ev) {
        size_t i;
        ev->event_id      = bp_arena_strdup(arena, ev->event_id);
        ev->freelancer_id = bp_arena_strdup(arena, ev->freelancer_id);
        switch (ev->type) {
        case BP_EV_PROFILE_UPDATED: {
                bp_profile_updated_t *p     = &ev->u.profile;
                bp_event_cert_t      *certs = bp_arena_alloc(
                         arena, (p->certification_cnt + 1) * sizeof(*certs));
                for (i = 0; i < p->certification_cnt; i++) {
                        certs[i] = p->certifications[i];
                        certs[i].certification_id =
                            bp_arena_strdup(arena, certs[i].certification_id);
                }
                p->certifications = certs;
                p->signup_partner_id =
                    bp_arena_strdup(arena, p->signup_partner_id);
                break;
        }
        case BP_EV_CONTRACT_COMPLETED: {
                bp_contract_completed_t *c = &ev->u.contract;
                const char             **skills =
                    bp_arena_alloc(arena, (c->skill_cnt + 1) * sizeof(char *));
                for (i = 0; i < c->skill_cnt; i++)
                        skills[i] = bp_arena_strdup(arena, c->skills[i]);
                c->skills      = skills;
                c->contract_id = bp_arena_strdup(arena, c->contract_id);
                break;
        }
        case BP_EV_INVITATION_SENT:
                ev->u.invitation.invitation_id =
                    bp_arena_strdup(arena, ev->u.invitation.invitation_id);
                break;
        default:
                break;
        }
}

/* The timed part: every event of stream through state lookup, apply and
 * evaluation, from the empty state in map. Not inlined, so that callgrind
 * can count inside it alone (bench/e2e.sh: --toggle-collect=engine_run).
 * Returns the badge events published. */
__attribute__((noinline)) static size_t engine_run(const bp_rules_t *rules,
                                                   bp_state_map_t   *map,
                                                   const bp_event_t *stream,
                                                   int events, int ahead,
                                                   bp_badge_events_t *out) {
        size_t published = 0;
        int    i;

        for (i = 0; i < events; i++) {
                const bp_event_t *ev = &stream[i];
                if (ahead && i + ahead < events) {
                        const char *next = stream[i + ahead].freelancer_id;
                        bp_state_map_prefetch(map, next, strlen(next));
                }
                bp_cause_t cause = {ev->event_id, bp_event_type_name(ev->type),
                                    0, i};
                bp_freelancer_t *fl = bp_state_map_get(map, ev->freelancer_id);
                bp_engine_apply(rules, fl, ev, &cause, out, NULL);
                /* A real sink would encode here; clear in batches as the
                 * runtime does. */
                if (out->cnt >= 1024) {
                        published += out->cnt;
                        bp_badge_events_clear(out);
                }
        }
        published += out->cnt;
        bp_badge_events_clear(out);
        return published;
}

int main(int argc, char **argv) {
        int               events      = argc > 1 ? atoi(argv[1]) : 1000000;
        int               freelancers = argc > 2 ? atoi(argv[2]) : 100000;
        int               runs        = argc > 3 ? atoi(argv[3]) : 5;
        const char       *dir   = argc > 4 ? argv[4] : "tests/data/rules-gen";
        int               ahead = argc > 5 ? atoi(argv[5]) : 4;
        char              err[512];
        bp_rules_t       *rules = bp_rules_load_dir(dir, err, sizeof(err));
        bp_gen_conf_t     conf;
        bp_gen_t         *gen;
        bp_arena_t       *arena = bp_arena_new(1 << 20);
        bp_event_t       *stream;
        bp_badge_events_t out;
        double           *rates;
        size_t            published = 0;
        int               i, r;

        if (!rules || events <= 0 || freelancers <= 0 || runs <= 0 ||
            ahead < 0) {
                fprintf(stderr, "bench_engine: %s\n",
                        rules ? "bad arguments" : err);
                return 2;
        }
        bp_gen_conf_defaults(&conf);
        conf.freelancers = (uint32_t)freelancers;
        conf.partners    = 5;
        gen              = bp_gen_new(&conf);
        stream           = calloc((size_t)events, sizeof(*stream));
        rates            = calloc((size_t)runs, sizeof(*rates));
        for (i = 0; i < events; i++) {
                bp_gen_next(gen, &stream[i]);
                keep_event(arena, &stream[i]);
        }
        bp_badge_events_init(&out);

        for (r = 0; r < runs; r++) {
                bp_state_map_t *map = bp_state_map_new();
                double          t0  = now_s(), dt;
                published = engine_run(rules, map, stream, events, ahead, &out);
                dt        = now_s() - t0;
                rates[r]  = events / dt;
                fprintf(stderr, "run %d: %.3f s, %.0f events/s\n", r + 1, dt,
                        rates[r]);
                bp_state_map_destroy(map);
        }
        qsort(rates, (size_t)runs, sizeof(*rates), cmp_double);
        printf("engine apply+evaluate: %d events, %d freelancers, 5 partners, "
               "prefetch %d ahead, %zu badge events published\n",
               events, freelancers, ahead, published);
        printf("median %.0f events/s (min %.0f, max %.0f, %d runs)\n",
               rates[runs / 2], rates[0], rates[runs - 1], runs);

        bp_badge_events_destroy(&out);
        free(stream);
        free(rates);
        bp_arena_destroy(arena);
        bp_gen_destroy(gen);
        bp_rules_destroy(rules);
        return 0;
}
