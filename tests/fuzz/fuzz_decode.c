/*
 * fuzz_decode.c - libFuzzer target over the path every Kafka record value
 * takes: Confluent frame, bounded validation against the writer schema,
 * then decoding.
 *
 * Byte 0 of an input picks one of two paths; the rest is the framed
 * record value.
 *  - The codec's own path, as the runtime and `badgeproc decode` use it:
 *    bp_codec_decode_event for each of the four input topics, and the
 *    badge and FreelancerState decoders, with the writer schema found by
 *    id in the local schema map (schemas/schema-map.txt: current and old
 *    versions), so resolution runs too.
 *  - A soundness oracle for the validator: the test schemas of
 *    bp_test_avro.h (every Avro type, recursion included) validated and,
 *    when accepted, read by avro-c's own reader; the target aborts unless
 *    avro-c reads the body cleanly and exactly, since anything else is a
 *    hole in the validator.
 * Run it with -rss_limit_mb=256 (scripts/fuzz.sh), so that an accepted
 * body that makes a decoder allocate wildly is a finding too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>

#include "bp_avro_validate.h"
#include "bp_codec.h"
#include "bp_frame.h"
#include "bp_test_avro.h"

/* Paths after the test schemas: 4 input events, badge events, state. */
#define BP_FUZZ_CODEC_PATHS 6
#define BP_FUZZ_PATHS (BP_TS_COUNT + BP_FUZZ_CODEC_PATHS)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One compiled schema and avro-c's generic class of it. A value is made
 * afresh for each input: avro-c 1.11.1 leaks when one generic value is
 * read into again and again (arrays of records, unions changing branch),
 * which would bury real findings under its reports. */
typedef struct bp_fuzz_schema_s {
        avro_schema_t       schema;
        bp_avro_plan_t     *plan;
        avro_value_iface_t *iface;
} bp_fuzz_schema_t;

static bp_fuzz_schema_t bp_fuzz[BP_TS_COUNT];
static avro_reader_t    bp_fuzz_reader;
static bp_codec_t      *bp_fuzz_codec;

/* The local schema map: BP_SCHEMA_MAP in the environment, else the
 * source tree's (set by tests/fuzz/CMakeLists.txt). */
static bp_codec_t *bp_fuzz_codec_new(void) {
        bp_codec_conf_t conf = {.schema_map = getenv("BP_SCHEMA_MAP")};
        bp_codec_t     *codec;
        char            err[512];

        if (!conf.schema_map)
                conf.schema_map = BP_FUZZ_SCHEMA_MAP;
        if (!(codec = bp_codec_new(&conf, err, sizeof(err)))) {
                fprintf(stderr, "fuzz_decode: codec: %s\n", err);
                abort();
        }
        return codec;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        char err[256];
        int  i;

        (void)argc;
        (void)argv;
        for (i = 0; i < BP_TS_COUNT; i++) {
                bp_fuzz_schema_t *f    = &bp_fuzz[i];
                const char       *json = bp_test_schema_json[i];

                if (avro_schema_from_json_length(json, strlen(json),
                                                 &f->schema) ||
                    !(f->plan =
                          bp_avro_plan_new(f->schema, err, sizeof(err))) ||
                    !(f->iface = avro_generic_class_from_schema(f->schema))) {
                        fprintf(stderr, "fuzz_decode: schema %d: %s\n", i,
                                f->plan ? avro_strerror() : err);
                        abort();
                }
        }
        bp_fuzz_reader = avro_reader_memory("", 0);
        bp_fuzz_codec  = bp_fuzz_codec_new();
        return 0;
}

/* The codec's decode of path p (0..3 the input event types, 4 a badge
 * event, 5 a state record). Rejections are fine; crashes are not. */
static void bp_fuzz_codec_decode(int p, const uint8_t *data, size_t size) {
        bp_event_t       ev;
        bp_badge_event_t badge;
        bp_freelancer_t *fl = NULL;
        char             err[512];

        if (p < 4)
                bp_codec_decode_event(bp_fuzz_codec, (bp_event_type_t)p, data,
                                      size, &ev, err, sizeof(err));
        else if (p == 4)
                bp_codec_decode_badge(bp_fuzz_codec, data, size, &badge, err,
                                      sizeof(err));
        else if (bp_codec_decode_state(bp_fuzz_codec, data, size, &fl, err,
                                       sizeof(err)) == BP_OK)
                bp_freelancer_destroy(fl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        bp_fuzz_schema_t *f;
        const uint8_t    *body;
        size_t            body_len;
        int32_t           id;
        uint8_t           extra;
        avro_value_t      value;
        char              err[512];

        if (size < 1)
                return 0;
        if (data[0] % BP_FUZZ_PATHS >= BP_TS_COUNT) {
                bp_fuzz_codec_decode(data[0] % BP_FUZZ_PATHS - BP_TS_COUNT,
                                     data + 1, size - 1);
                return 0;
        }
        f = &bp_fuzz[data[0] % BP_FUZZ_PATHS];
        if (bp_frame_parse(data + 1, size - 1, &id, &body, &body_len, err,
                           sizeof(err)) != BP_OK)
                return 0;
        if (bp_avro_plan_validate(f->plan, body, body_len, err, sizeof(err)) !=
            BP_OK)
                return 0; /* a rejection that fails late is a stepping
                           * stone to deeper structure: keep it */
        if (avro_generic_value_new(f->iface, &value))
                abort();
        avro_reader_memory_set_source(bp_fuzz_reader, (const char *)body,
                                      (int64_t)body_len);
        if (avro_value_read(bp_fuzz_reader, &value)) {
                fprintf(stderr, "validator accepted what avro-c refuses: %s\n",
                        avro_strerror());
                abort();
        }
        if (avro_read(bp_fuzz_reader, &extra, 1) == 0) {
                fprintf(stderr, "validator accepted a body with bytes left\n");
                abort();
        }
        avro_value_decref(&value);
        return 0;
}
