/*
 * fuzz_decode.c - libFuzzer target over the path every Kafka record value
 * takes: Confluent frame, bounded validation against the writer schema,
 * then avro-c's decode of what the validator let through.
 *
 * Input: byte 0 picks the schema (one of the test schemas of
 * bp_test_avro.h, which cover the input events and every Avro type,
 * recursion included); the rest is the framed record value. Besides the
 * sanitizers' findings, the target aborts when the validator accepts a
 * body that avro-c cannot read exactly: that is a hole in the validator,
 * whatever avro-c then does with it. Run it with -rss_limit_mb=256
 * (scripts/fuzz.sh), so that an accepted body that makes avro-c allocate
 * wildly is a finding too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>

#include "bp_avro_validate.h"
#include "bp_frame.h"
#include "bp_test_avro.h"

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
        return 0;
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
        f = &bp_fuzz[data[0] % BP_TS_COUNT];
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
