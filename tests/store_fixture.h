/*
 * store_fixture.h - a fresh state store in a temporary directory for each
 * test of the store, removed afterwards.
 *
 * The directory is made with mkdtemp() under $TMPDIR (or /tmp); the store
 * lives in a subdirectory that does not exist yet, so every test also
 * exercises bp_store_open() creating it.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include "bp_store.h"

typedef struct store_fixture_s {
        char        tmp[1024]; /* the mkdtemp() directory */
        char        dir[1040]; /* the store's directory, inside tmp */
        bp_store_t *store;     /* open with default options */
} store_fixture_t;

/** cmocka setup: makes the directory and opens the store in it. */
int store_fixture_setup(void **state);

/** cmocka teardown: closes the store and removes the directory tree. */
int store_fixture_teardown(void **state);

/** Closes fx->store and opens it again with default options (asserts). */
void store_fixture_reopen(store_fixture_t *fx);

/** Writes (key, value) into database db of the store in dir with LMDB
 *  itself, bypassing bp_store: what a damaged or foreign store holds. The
 *  store must be closed. Asserts success. */
void write_raw(const char *dir, const char *db, const void *key, size_t key_len,
               const void *value, size_t len);

/** Error text of the last store call made by a helper or a test. */
extern char errstr[512];

/** bp_store_batch_begin(), asserting success. */
bp_store_batch_t *batch_begin(bp_store_t *store);

/** bp_store_batch_commit(), asserting success. */
void batch_commit(bp_store_batch_t *batch);

/** bp_store_batch_put() of a string (without its NUL), asserting success. */
void batch_put(bp_store_batch_t *batch, int32_t partition, const char *id,
               const char *value);

/** bp_store_batch_set_checkpoint(), asserting success. */
void batch_checkpoint(bp_store_batch_t *batch, int32_t partition,
                      const bp_checkpoint_t *cp);

/** Puts value (a string, stored without its NUL) for (partition, id) in a
 *  batch of its own (asserts). */
void put_one(bp_store_t *store, int32_t partition, const char *id,
             const char *value);

/** Asserts that (partition, id) holds exactly value, or nothing (NULL). */
void expect_record(bp_store_t *store, int32_t partition, const char *id,
                   const char *value);

/** Fills cp with offsets base, base+1, ..., changelog base*10 and
 *  rules_version. */
void make_checkpoint(bp_checkpoint_t *cp, int64_t base,
                     const char *rules_version);

/** Asserts that partition's stored checkpoint equals *want. */
void expect_checkpoint(bp_store_t *store, int32_t partition,
                       const bp_checkpoint_t *want);

#endif
