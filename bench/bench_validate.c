/*
 * bench_validate.c - nanoseconds per bounded validation, on one core.
 *
 * The validator runs before every decode, so its cost is paid by every
 * record. Measures bp_avro_plan_validate on the record of the codec
 * benchmark (ProfileUpdated with two certifications, a 91-byte body,
 * written by bp_codec_encode_event: its bytes are below), against the
 * plan of the current ProfileUpdated schema, and the rejection of a
 * hostile body (a string claiming 256 MiB). Each figure is the median of
 * RUNS runs of N validations.
 *
 * Usage: bench_validate. Prints one line per figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <avro.h>

#include "bp_avro_validate.h"
#include "bp_codec.h"
#include "bp_frame.h"

#define RUNS 7
#define N 5000000

/* The framed record bench_codec encodes; the body starts at byte 5. */
static const uint8_t bp_bench_record[] = {
    0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x65, 0x76, 0x74, 0x2d, 0x30, 0x30,
    0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31, 0x1e, 0x66,
    0x6c, 0x2d, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
    0x30, 0x31, 0xf6, 0xa1, 0xab, 0xfe, 0xf9, 0x62, 0x0e, 0x00, 0xc8, 0x01,
    0x00, 0x06, 0x02, 0xb8, 0x01, 0x00, 0x02, 0x08, 0x61, 0x63, 0x6d, 0x65,
    0x04, 0x14, 0x61, 0x63, 0x6d, 0x65, 0x2d, 0x61, 0x64, 0x6d, 0x69, 0x6e,
    0x02, 0x80, 0xc0, 0xe2, 0x85, 0xe3, 0x68, 0x1c, 0x61, 0x63, 0x6d, 0x65,
    0x2d, 0x64, 0x65, 0x76, 0x65, 0x6c, 0x6f, 0x70, 0x65, 0x72, 0x00, 0x00};

/* event_id claims 256 MiB, 3 bytes follow */
static const uint8_t bp_bench_hostile[] = {0x80, 0x80, 0x80, 0x80,
                                           0x02, 'a',  'b',  'c'};

static double bp_bench_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bp_bench_cmp(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* Median ns per validation of body over RUNS runs; expect is the result
 * every validation must give. */
static double bp_bench_run(const bp_avro_plan_t *plan, const uint8_t *body,
                           size_t len, bp_err_t expect) {
        double ns[RUNS], t0;
        char   err[256];
        long   i;
        int    r;

        for (r = 0; r < RUNS; r++) {
                t0 = bp_bench_now();
                for (i = 0; i < N; i++)
                        if (bp_avro_plan_validate(plan, body, len, err,
                                                  sizeof(err)) != expect) {
                                fprintf(stderr, "bench_validate: %s\n", err);
                                exit(1);
                        }
                ns[r] = (bp_bench_now() - t0) * 1e9 / N;
        }
        qsort(ns, RUNS, sizeof(ns[0]), bp_bench_cmp);
        return ns[RUNS / 2];
}

int main(void) {
        const char     *json = bp_codec_schema_json(BP_REC_PROFILE_UPDATED);
        avro_schema_t   schema;
        bp_avro_plan_t *plan;
        char            err[256];

        if (avro_schema_from_json_length(json, strlen(json), &schema) ||
            !(plan = bp_avro_plan_new(schema, err, sizeof(err)))) {
                fprintf(stderr, "bench_validate: no plan\n");
                return 1;
        }
        printf("valid ProfileUpdated, 2 certifications, %zu-byte body: "
               "%6.1f ns\n",
               sizeof(bp_bench_record) - BP_FRAME_HEADER_SIZE,
               bp_bench_run(plan, bp_bench_record + BP_FRAME_HEADER_SIZE,
                            sizeof(bp_bench_record) - BP_FRAME_HEADER_SIZE,
                            BP_OK));
        printf("hostile body, event_id claiming 256 MiB (rejected):    "
               "%6.1f ns\n",
               bp_bench_run(plan, bp_bench_hostile, sizeof(bp_bench_hostile),
                            BP_ERR_INVALID));
        printf("(median of %d runs of %d validations, one thread)\n", RUNS, N);
        bp_avro_plan_destroy(plan);
        avro_schema_decref(schema);
        return 0;
}
