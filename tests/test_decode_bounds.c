/*
 * test_decode_bounds.c - the one-pass decoder refuses whatever the
 * validator refuses, with the validator's reasons.
 *
 * The codec decodes a body without validating it first and asks the
 * validator only to word a failure (bp_codec.c). That is sound only if
 * the decoder never accepts a body the validator would refuse: its
 * limits, strict varints, UTF-8 without NUL in every string. Here valid
 * bodies of every input event type (the sample events, encoded) are
 * mutated many thousand times with a fixed seed, and every mutant is
 * given to both: a mutant the decoder accepts must pass the validator,
 * and for a mutant the validator refuses the decoder's error and reason
 * must be the validator's. Run under ASan/UBSan by scripts/test.sh, it is
 * also a bounded-memory check of the decoder on garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_avro_validate.h"
#include "bp_codec.h"
#include "bp_samples.h"
#include "bp_schema_store.h"
#include "bp_test_avro.h"

#define MUTANTS_PER_EVENT 20000

/* The writer schema entry of an event's record type (the current one). */
static bp_schema_entry_t *entry_of(bp_event_type_t type) {
        static const bp_record_kind_t kinds[] = {
            [BP_EV_PROFILE_UPDATED]    = BP_REC_PROFILE_UPDATED,
            [BP_EV_CONTRACT_COMPLETED] = BP_REC_CONTRACT_COMPLETED,
            [BP_EV_INVITATION_SENT]    = BP_REC_INVITATION_SENT,
            [BP_EV_PARTNER_DECISION]   = BP_REC_PARTNER_DECISION,
        };
        char               errstr[512];
        avro_schema_t      schema = NULL;
        const char        *json   = bp_codec_schema_json(kinds[type]);
        bp_schema_entry_t *entry;

        assert_int_equal(
            avro_schema_from_json_length(json, strlen(json), &schema), 0);
        entry = bp_schema_entry_new(schema, errstr, sizeof(errstr));
        avro_schema_decref(schema);
        if (!entry)
                fail_msg("bp_schema_entry_new: %s", errstr);
        return entry;
}

static void test_decoder_refuses_what_validator_refuses(void **state) {
        bp_codec_t *codec   = bp_test_codec();
        bp_buf_t    body    = {0};
        uint64_t    rng     = 0x2545f4914f6cdd1dull; /* fixed: reproducible */
        long        decoded = 0, refused = 0, total = 0;
        int         i, m;

        (void)state;
        for (i = 0; i < BP_SAMPLE_EVENTS; i++) {
                bp_event_t         ev    = bp_sample_event(i), out;
                bp_schema_entry_t *entry = entry_of(ev.type);
                char               errstr[512], why[512];

                bp_buf_reset(&body);
                assert_int_equal(bp_codec_encode_event_body(&ev, &body, errstr,
                                                            sizeof(errstr)),
                                 BP_OK);
                assert_true(body.len <= sizeof(((bp_tbuf_t *)0)->b));
                for (m = 0; m < MUTANTS_PER_EVENT; m++, total++) {
                        bp_tbuf_t t;
                        bp_err_t  derr, verr;

                        memcpy(t.b, body.data, body.len);
                        t.n = body.len;
                        bp_test_mutate(&t, &rng);
                        derr = bp_codec_decode_event_with(codec, entry, t.b,
                                                          t.n, &out, errstr,
                                                          sizeof(errstr));
                        verr = bp_avro_plan_validate(entry->plan, t.b, t.n, why,
                                                     sizeof(why));
                        if (derr == BP_OK) {
                                decoded++;
                                if (verr != BP_OK)
                                        fail_msg("event %d mutant %d: decoded, "
                                                 "but the validator says: %s",
                                                 i, m, why);
                                continue;
                        }
                        if (verr == BP_OK)
                                continue; /* e.g. a range of EVENTS.md */
                        refused++;
                        assert_int_equal(derr, verr);
                        assert_string_equal(errstr, why);
                }
                bp_schema_entry_destroy(entry);
        }
        printf("%ld mutants: %ld decoded, %ld refused by the validator\n",
               total, decoded, refused);
        /* Not vacuous: many mutants decode, many are refused. */
        assert_true(decoded * 20 > total);
        assert_true(refused * 5 > total);
        bp_buf_free(&body);
        bp_codec_destroy(codec);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_decoder_refuses_what_validator_refuses),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
