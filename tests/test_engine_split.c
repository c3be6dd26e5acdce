/*
 * test_engine_split.c - one run, or several runs with the state carried
 * over, give the same published events and the same final state.
 *
 * This is what the runtime relies on when it stops, persists the state
 * and resumes: the engine's output may depend only on the events and the
 * state, never on what happened to be in memory. The stream is a seeded
 * generator's, so any failure reproduces with the printed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_buf.h"
#include "bp_engine.h"
#include "bp_gen.h"
#include "bp_rules.h"
#include "bp_state_map.h"
#include "engine_script.h"

#define EVENTS 30000
#define FREELANCERS 400

/* Appends every field of every event, details included, to out. */
static void render_all(const bp_badge_events_t *events, bp_buf_t *out) {
        char   line[1024];
        size_t i, r;
        for (i = 0; i < events->cnt; i++) {
                const bp_badge_event_t *ev = &events->items[i];
                script_render(ev, line, sizeof(line));
                bp_buf_printf(out, "%s %s %s %s %lld %s@%lld", line,
                              ev->event_id, ev->freelancer_id, ev->badge_id,
                              (long long)ev->occurred_at, ev->cause.event_id,
                              (long long)ev->cause.offset);
                for (r = 0; r < ev->reason_cnt; r++)
                        bp_buf_printf(out, " [%s]", ev->reasons[r].detail);
                bp_buf_append_byte(out, '\n');
        }
}

/* Applies events [from, to) of the seeded stream to map. */
static void run(const bp_rules_t *rules, bp_state_map_t *map, uint64_t seed,
                int from, int to, bp_buf_t *out) {
        bp_gen_conf_t     conf;
        bp_gen_t         *gen;
        bp_badge_events_t events;
        bp_event_t        ev;
        char              err[256];
        int               i;

        bp_gen_conf_defaults(&conf);
        conf.seed        = seed;
        conf.freelancers = FREELANCERS;
        gen              = bp_gen_new(&conf);
        assert_non_null(gen);
        assert_int_equal(bp_badge_events_init(&events), BP_OK);
        for (i = 0; i < to; i++) {
                bp_cause_t       cause;
                bp_freelancer_t *fl;
                bp_gen_next(gen, &ev);
                if (i < from)
                        continue;
                if (bp_event_check(&ev, err, sizeof(err)) != BP_OK)
                        fail_msg("generated event %d invalid: %s", i, err);
                cause.event_id  = ev.event_id;
                cause.topic     = bp_event_type_name(ev.type);
                cause.partition = 0;
                cause.offset    = i;
                fl              = bp_state_map_get(map, ev.freelancer_id);
                assert_non_null(fl);
                bp_badge_events_clear(&events);
                assert_int_equal(
                    bp_engine_apply(rules, fl, &ev, &cause, &events, NULL),
                    BP_OK);
                render_all(&events, out);
        }
        bp_badge_events_destroy(&events);
        bp_gen_destroy(gen);
}

static int copy_into(bp_freelancer_t *fl, void *opaque) {
        bp_freelancer_t *copy = bp_freelancer_clone(fl);
        assert_non_null(copy);
        assert_int_equal(bp_state_map_put(opaque, copy), BP_OK);
        return 0;
}

typedef struct compare_s {
        const bp_state_map_t *other;
        int                   mismatches;
} compare_t;

static int compare_one(bp_freelancer_t *fl, void *opaque) {
        compare_t       *cmp = opaque;
        bp_freelancer_t *o   = bp_state_map_find(cmp->other, fl->freelancer_id);
        if (!o || !bp_freelancer_equal(fl, o))
                cmp->mismatches++;
        return 0;
}

static void check_split(uint64_t seed, const int *cuts, int cut_cnt) {
        char        err[512];
        bp_rules_t *rules =
            bp_rules_load_dir("data/rules-gen", err, sizeof(err));
        bp_state_map_t *whole = bp_state_map_new(), *part = bp_state_map_new();
        bp_buf_t        out_whole = {0}, out_split = {0};
        compare_t       cmp = {0};
        int             i, from = 0;

        if (!rules)
                fail_msg("rules: %s", err);
        run(rules, whole, seed, 0, EVENTS, &out_whole);
        for (i = 0; i <= cut_cnt; i++) {
                int             to   = i < cut_cnt ? cuts[i] : EVENTS;
                bp_state_map_t *next = bp_state_map_new();
                run(rules, part, seed, from, to, &out_split);
                /* Carry the state over into a fresh map, as a restart
                 * would, and drop the old one. */
                bp_state_map_foreach(part, copy_into, next);
                bp_state_map_destroy(part);
                part = next;
                from = to;
        }
        print_message("seed %llu: %zu bytes of output, %zu freelancers\n",
                      (unsigned long long)seed, out_whole.len,
                      bp_state_map_count(whole));
        assert_true(out_whole.len > 1000); /* the stream does publish */
        assert_int_equal(out_whole.len, out_split.len);
        assert_memory_equal(out_whole.data, out_split.data, out_whole.len);
        assert_int_equal(bp_state_map_count(whole), bp_state_map_count(part));
        cmp.other = part;
        bp_state_map_foreach(whole, compare_one, &cmp);
        assert_int_equal(cmp.mismatches, 0);

        bp_buf_free(&out_whole);
        bp_buf_free(&out_split);
        bp_state_map_destroy(whole);
        bp_state_map_destroy(part);
        bp_rules_destroy(rules);
}

static void test_split_in_two(void **unused) {
        const int cuts[] = {EVENTS / 2};
        (void)unused;
        check_split(7, cuts, 1);
}

static void test_split_many(void **unused) {
        const int cuts[] = {1, 999, 5000, 5001, 17777, EVENTS - 1};
        (void)unused;
        check_split(42, cuts, 6);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_split_in_two),
            cmocka_unit_test(test_split_many),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
