/*
 * test_mutation.c - the validator's bound is sound for avro-c: valid
 * bodies of every test schema are mutated many thousand times with a
 * fixed seed (bit flips, chosen and random bytes, truncation, extension,
 * insertion, deletion, planted big varints), and every mutant the
 * validator accepts must be read by avro-c's own reader, into a generic
 * value, cleanly and to its last byte. Mutants it rejects are never
 * shown to avro-c: that is the whole point of the validator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bp_avro_validate.h"
#include "bp_test_avro.h"

#define BP_MUTANTS_PER_SCHEMA 25000

static void bp_hex(const bp_tbuf_t *t, char *out, size_t size) {
        size_t i, off = 0;

        out[0] = '\0';
        for (i = 0; i < t->n && off + 3 < size; i++)
                off += (size_t)snprintf(out + off, size - off, "%02x", t->b[i]);
}

static void test_mutants(void **state) {
        uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed: reproducible */
        int      i, m;
        long     accepted = 0, total = 0;

        (void)state;
        for (i = 0; i < BP_TS_COUNT; i++) {
                avro_schema_t   schema = bp_test_schema(i);
                char            err[256];
                bp_avro_plan_t *plan =
                    bp_avro_plan_new(schema, err, sizeof(err));
                long ok = 0;

                assert_non_null(plan);
                for (m = 0; m < BP_MUTANTS_PER_SCHEMA; m++) {
                        bp_tbuf_t t;
                        char      why[256], hex[512];

                        bp_test_valid_body(i, m, &t);
                        bp_test_mutate(&t, &rng);
                        if (bp_avro_plan_validate(plan, t.b, t.n, err,
                                                  sizeof(err)) != BP_OK)
                                continue;
                        ok++;
                        if (bp_test_avro_c_decodes(schema, t.b, t.n, why,
                                                   sizeof(why))) {
                                bp_hex(&t, hex, sizeof(hex));
                                fail_msg("schema %d mutant %d accepted but "
                                         "avro-c says: %s (body %s)",
                                         i, m, why, hex);
                        }
                }
                printf("schema %d: %ld of %d mutants accepted, all read "
                       "exactly by avro-c\n",
                       i, ok, BP_MUTANTS_PER_SCHEMA);
                accepted += ok;
                total += BP_MUTANTS_PER_SCHEMA;
                bp_avro_plan_destroy(plan);
                avro_schema_decref(schema);
        }
        /* Not vacuous: a good share of mutants are still valid bodies. */
        assert_true(accepted * 20 > total);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_mutants),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
