/*
 * bench_codec.c - records per second of the Avro codec on one core.
 *
 * Measures, for a ProfileUpdated with two certifications (the record of
 * the target): framed encode (bp_codec_encode_event), framed
 * decode (frame + schema lookup + bounded resolved decode, the validator
 * running only on failure + bp_event_check: bp_codec_decode_event), and,
 * for comparison, avro-c's
 * generic value reader on the same body (no validation, no resolution, no
 * struct filling). Each figure is the median of RUNS runs of N records.
 *
 * Usage: bench_codec [SCHEMA_MAP [N [RUNS]]] (default
 * schemas/schema-map.txt, 1,000,000 records, 7 runs; run it from the
 * source tree). Prints one line per figure. bench/e2e.sh runs it under
 * callgrind with a small N and one run, collecting inside bench_decode
 * and bench_encode only, for instructions per record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <avro.h>

#include "bp_codec.h"
#include "bp_frame.h"

/* Runs and records per run: set once from the command line. */
static int  runs    = 7;
static long records = 1000000;

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static double median(double *v) {
        qsort(v, (size_t)runs, sizeof(*v), cmp_double);
        return v[runs / 2];
}

static const bp_event_cert_t certs[2] = {{"acme-admin", 1800000000000LL},
                                         {"acme-developer", BP_TIME_NONE}};

static bp_event_t sample(void) {
        bp_event_t ev = {.type          = BP_EV_PROFILE_UPDATED,
                         .event_id      = "evt-000000000001",
                         .freelancer_id = "fl-000000000001",
                         .occurred_at   = 1700000000123LL};
        ev.u.profile =
            (bp_profile_updated_t){.profile_version      = 7,
                                   .account_status       = BP_ACCOUNT_ACTIVE,
                                   .profile_completeness = 100,
                                   .visibility           = BP_VISIBILITY_PUBLIC,
                                   .english_level        = BP_ENGLISH_FLUENT,
                                   .job_success_score    = 92,
                                   .origin               = BP_ORIGIN_NATIVE,
                                   .signup_partner_id    = "acme",
                                   .certifications       = certs,
                                   .certification_cnt    = 2};
        return ev;
}

__attribute__((noinline)) static double bench_encode(bp_codec_t       *codec,
                                                     const bp_event_t *ev) {
        bp_buf_t buf = {0};
        char     err[256];
        double   t0 = now();
        long     i;

        for (i = 0; i < records; i++) {
                bp_buf_reset(&buf);
                if (bp_codec_encode_event(codec, ev, &buf, err, sizeof(err))) {
                        fprintf(stderr, "encode: %s\n", err);
                        exit(1);
                }
        }
        bp_buf_free(&buf);
        return (double)records / (now() - t0);
}

__attribute__((noinline)) static double bench_decode(bp_codec_t     *codec,
                                                     const bp_buf_t *rec) {
        bp_event_t ev;
        char       err[256];
        double     t0 = now();
        long       i;

        for (i = 0; i < records; i++)
                if (bp_codec_decode_event(codec, BP_EV_PROFILE_UPDATED,
                                          rec->data, rec->len, &ev, err,
                                          sizeof(err))) {
                        fprintf(stderr, "decode: %s\n", err);
                        exit(1);
                }
        return (double)records / (now() - t0);
}

/* avro-c's own reader into a reused generic value, for comparison. */
static double bench_avro_c(const bp_buf_t *rec) {
        const char         *json = bp_codec_schema_json(BP_REC_PROFILE_UPDATED);
        avro_schema_t       schema;
        avro_value_iface_t *iface;
        avro_value_t        value;
        avro_reader_t       reader;
        const char *body = (const char *)rec->data + BP_FRAME_HEADER_SIZE;
        int64_t     len  = (int64_t)rec->len - BP_FRAME_HEADER_SIZE;
        double      t0;
        long        i;

        if (avro_schema_from_json_length(json, strlen(json), &schema))
                exit(1);
        iface  = avro_generic_class_from_schema(schema);
        reader = avro_reader_memory(body, len);
        avro_generic_value_new(iface, &value);
        t0 = now();
        for (i = 0; i < records; i++) {
                avro_reader_memory_set_source(reader, body, len);
                avro_value_reset(&value);
                if (avro_value_read(reader, &value)) {
                        fprintf(stderr, "avro-c: %s\n", avro_strerror());
                        exit(1);
                }
        }
        t0 = (double)records / (now() - t0);
        avro_value_decref(&value);
        avro_reader_free(reader);
        avro_value_iface_decref(iface);
        avro_schema_decref(schema);
        return t0;
}

int main(int argc, char **argv) {
        bp_codec_conf_t conf = {.schema_map = argc > 1 ? argv[1] : NULL};
        char            err[512];
        bp_codec_t     *codec = bp_codec_new(&conf, err, sizeof(err));
        bp_event_t      ev    = sample();
        bp_buf_t        rec   = {0};
        double          enc[64], dec[64], avc[64];
        int             r;

        if (argc > 2)
                records = atol(argv[2]);
        if (argc > 3)
                runs = atoi(argv[3]);
        if (records <= 0 || runs <= 0 || runs > 64) {
                fprintf(stderr, "bench_codec: bad N or RUNS\n");
                return 2;
        }

        if (!codec ||
            bp_codec_encode_event(codec, &ev, &rec, err, sizeof(err))) {
                fprintf(stderr, "bench_codec: %s\n", err);
                return 1;
        }
        for (r = 0; r < runs; r++) {
                enc[r] = bench_encode(codec, &ev);
                dec[r] = bench_decode(codec, &rec);
                avc[r] = bench_avro_c(&rec);
        }
        printf("record: ProfileUpdated, 2 certifications, %zu bytes framed\n",
               rec.len);
        printf("encode (framed):                        %10.0f records/s\n",
               median(enc));
        printf("decode (frame+bounded resolve+check):   %10.0f records/s\n",
               median(dec));
        printf("avro-c generic read, same body:         %10.0f records/s\n",
               median(avc));
        printf("(median of %d runs of %ld records, one thread)\n", runs,
               records);
        bp_buf_free(&rec);
        bp_codec_destroy(codec);
        return 0;
}
