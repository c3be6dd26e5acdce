/*
 * bench_state_mem.c - heap bytes per freelancer state, as the engine
 * builds it and as the runtime's cache holds it.
 *
 * Applies a generated stream (the one bench_engine times) to an empty
 * in-memory map, then measures what the map holds: the heap in use
 * (glibc's mallinfo2: chunks in use, headers included, plus mmapped
 * blocks) drops by exactly that much when the map is destroyed. The
 * second figure is for states as the runtime caches them: every state is
 * encoded (FreelancerState, framed) and decoded into a second map, which
 * is what bp_task_state() does on a cache miss.
 *
 *   bench_state_mem [events] [freelancers] [rules_dir]
 *   defaults:        1000000   100000        tests/data/rules-gen
 *
 * Run from the source tree (the codec reads schemas/schema-map.txt).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "bp_codec.h"
#include "bp_engine.h"
#include "bp_gen.h"
#include "bp_state_map.h"

/* Bytes the heap gives out now: small chunks plus mmapped blocks (the
 * map's slot array is one of those once it is large). */
static size_t heap_in_use(void) {
        struct mallinfo2 mi = mallinfo2();
        return mi.uordblks + mi.hblkhd;
}

/* Bytes a map and its states hold: what destroying it gives back. */
static size_t map_bytes(bp_state_map_t *map) {
        size_t before = heap_in_use();
        bp_state_map_destroy(map);
        return before - heap_in_use();
}

typedef struct recode_s {
        bp_codec_t     *codec;
        bp_buf_t        buf;
        bp_state_map_t *into;
} recode_t;

/* Encodes fl and puts its decoded copy into rc->into. */
static int recode_one(bp_freelancer_t *fl, void *opaque) {
        recode_t        *rc = opaque;
        bp_freelancer_t *copy;
        char             err[512];

        bp_buf_reset(&rc->buf);
        if (bp_codec_encode_state(rc->codec, fl, &rc->buf, err, sizeof(err)) ||
            bp_codec_decode_state(rc->codec, rc->buf.data, rc->buf.len, &copy,
                                  err, sizeof(err))) {
                fprintf(stderr, "bench_state_mem: %s\n", err);
                return 1;
        }
        if (bp_state_map_put(rc->into, copy)) {
                bp_freelancer_destroy(copy);
                return 1;
        }
        return 0;
}

int main(int argc, char **argv) {
        int               events      = argc > 1 ? atoi(argv[1]) : 1000000;
        int               freelancers = argc > 2 ? atoi(argv[2]) : 100000;
        const char       *dir = argc > 3 ? argv[3] : "tests/data/rules-gen";
        char              err[512];
        bp_rules_t       *rules = bp_rules_load_dir(dir, err, sizeof(err));
        bp_codec_t       *codec = NULL;
        bp_gen_conf_t     conf;
        bp_gen_t         *gen;
        bp_badge_events_t out;
        bp_state_map_t   *map;
        recode_t          rc = {0};
        size_t            cnt, built, decoded;
        int               i, rcode = 1;

        if (!rules || events <= 0 || freelancers <= 0) {
                fprintf(stderr, "bench_state_mem: %s\n",
                        rules ? "bad arguments" : err);
                return 2;
        }
        if (!(codec = bp_codec_new(NULL, err, sizeof(err)))) {
                fprintf(stderr, "bench_state_mem: %s\n", err);
                goto out;
        }
        bp_gen_conf_defaults(&conf);
        conf.freelancers = (uint32_t)freelancers;
        conf.partners    = 5;
        gen              = bp_gen_new(&conf);
        map              = bp_state_map_new();
        bp_badge_events_init(&out);
        for (i = 0; i < events; i++) {
                bp_event_t ev;
                bp_cause_t cause;
                bp_gen_next(gen, &ev);
                cause = (bp_cause_t){ev.event_id, "bench", 0, i};
                if (bp_engine_apply(rules,
                                    bp_state_map_get(map, ev.freelancer_id),
                                    &ev, &cause, &out, NULL))
                        goto out;
                bp_badge_events_clear(&out);
        }
        cnt      = bp_state_map_count(map);
        rc.codec = codec;
        rc.into  = bp_state_map_new();
        if (bp_state_map_foreach(map, recode_one, &rc))
                goto out;
        built   = map_bytes(map);
        decoded = map_bytes(rc.into);
        printf("states: %zu (%d events)\n", cnt, events);
        printf("built by the engine: %.0f bytes per state (map included)\n",
               (double)built / (double)cnt);
        printf("decoded from the store: %.0f bytes per state (map "
               "included)\n",
               (double)decoded / (double)cnt);
        rcode = 0;
        bp_badge_events_destroy(&out);
        bp_gen_destroy(gen);
        bp_buf_free(&rc.buf);
out:
        bp_codec_destroy(codec);
        bp_rules_destroy(rules);
        return rcode;
}
