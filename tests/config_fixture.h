/*
 * config_fixture.h - configurations built from text in memory, for the
 * tests of the config module.
 *
 * The text is read with fmemopen() under the name "t.conf", so every
 * message a test expects is exact ("t.conf:3: ..."); --set arguments are
 * a NULL-terminated list of at most CONFIG_FIXTURE_MAX_SETS.
 */
#ifndef CONFIG_FIXTURE_H
#define CONFIG_FIXTURE_H

#include <stddef.h>

#include "bp_config.h"

#define CONFIG_FIXTURE_MAX_SETS 4

/** Builds a configuration from text[0..text_len) (text NULL: no file)
 *  and sets; returns what bp_config_read() returns. */
bp_err_t config_load(const char *text, size_t text_len, const char *const *sets,
                     bp_config_t **confp, char *errstr, size_t errstr_size);

/** As config_load() for a NUL-terminated text; fails the test unless the
 *  configuration loads. Free the result with bp_config_destroy(). */
bp_config_t *config_load_ok(const char *text, const char *const *sets);

/** Loads text and sets, which must fail with BP_ERR_CONFIG and exactly
 *  message (the test fails otherwise, saying what came instead). */
void config_load_fails(const char *text, const char *const *sets,
                       const char *message);

/** The value of the kafka.* property name (without the prefix), or
 *  NULL. */
const char *config_kafka_get(const bp_config_t *conf, const char *name);

/** What bp_config_dump() writes, as a string the caller frees. */
char *config_dump(const bp_config_t *conf);

#endif
