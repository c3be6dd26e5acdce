/*
 * store_fixture.c - temporary state stores for tests (see
 * store_fixture.h).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "store_fixture.h"

/* Removes path and, for a directory, everything under it. The trees are
 * the tests' own (a store directory holds two files), so recursion depth
 * is small. */
static void remove_tree(const char *path) {
        struct dirent *de;
        struct stat    sb;
        char           child[2048];
        DIR           *d;

        if (lstat(path, &sb) != 0)
                return;
        if (!S_ISDIR(sb.st_mode)) {
                unlink(path);
                return;
        }
        d = opendir(path);
        if (d) {
                while ((de = readdir(d)) != NULL) {
                        if (!strcmp(de->d_name, ".") ||
                            !strcmp(de->d_name, ".."))
                                continue;
                        snprintf(child, sizeof(child), "%s/%s", path,
                                 de->d_name);
                        remove_tree(child);
                }
                closedir(d);
        }
        rmdir(path);
}

int store_fixture_setup(void **state) {
        store_fixture_t *fx   = calloc(1, sizeof(*fx));
        const char      *base = getenv("TMPDIR");
        char             err[512];

        assert_non_null(fx);
        if (!base || !*base)
                base = "/tmp";
        snprintf(fx->tmp, sizeof(fx->tmp), "%s/bp_store_test.XXXXXX", base);
        assert_non_null(mkdtemp(fx->tmp));
        snprintf(fx->dir, sizeof(fx->dir), "%s/state/db", fx->tmp);
        fx->store = bp_store_open(fx->dir, NULL, err, sizeof(err));
        if (!fx->store)
                fail_msg("bp_store_open: %s", err);
        *state = fx;
        return 0;
}

int store_fixture_teardown(void **state) {
        store_fixture_t *fx = *state;
        bp_store_close(fx->store);
        remove_tree(fx->tmp);
        free(fx);
        return 0;
}

void store_fixture_reopen(store_fixture_t *fx) {
        char err[512];
        bp_store_close(fx->store);
        fx->store = bp_store_open(fx->dir, NULL, err, sizeof(err));
        if (!fx->store)
                fail_msg("bp_store_open again: %s", err);
}

char errstr[512];

bp_store_batch_t *batch_begin(bp_store_t *store) {
        bp_store_batch_t *batch =
            bp_store_batch_begin(store, errstr, sizeof(errstr));
        if (!batch)
                fail_msg("bp_store_batch_begin: %s", errstr);
        return batch;
}

void batch_commit(bp_store_batch_t *batch) {
        assert_int_equal(bp_store_batch_commit(batch, errstr, sizeof(errstr)),
                         BP_OK);
}

void batch_put(bp_store_batch_t *batch, int32_t partition, const char *id,
               const char *value) {
        assert_int_equal(bp_store_batch_put(batch, partition, id, value,
                                            strlen(value), errstr,
                                            sizeof(errstr)),
                         BP_OK);
}

void batch_checkpoint(bp_store_batch_t *batch, int32_t partition,
                      const bp_checkpoint_t *cp) {
        assert_int_equal(bp_store_batch_set_checkpoint(batch, partition, cp,
                                                       errstr, sizeof(errstr)),
                         BP_OK);
}

void put_one(bp_store_t *store, int32_t partition, const char *id,
             const char *value) {
        bp_store_batch_t *batch = batch_begin(store);
        batch_put(batch, partition, id, value);
        batch_commit(batch);
}

void expect_record(bp_store_t *store, int32_t partition, const char *id,
                   const char *value) {
        void    *got = NULL;
        size_t   len = 0;
        bp_err_t err = bp_store_get_copy(store, partition, id, &got, &len,
                                         errstr, sizeof(errstr));
        if (!value) {
                assert_int_equal(err, BP_ERR_NOT_FOUND);
                assert_null(got);
                return;
        }
        assert_int_equal(err, BP_OK);
        assert_int_equal(len, strlen(value));
        assert_memory_equal(got, value, len);
        free(got);
}

void make_checkpoint(bp_checkpoint_t *cp, int64_t base,
                     const char *rules_version) {
        int i;
        bp_checkpoint_init(cp);
        for (i = 0; i < BP_EV__CNT; i++)
                cp->input_offsets[i] = base + i;
        cp->changelog_offset = base * 10;
        snprintf(cp->rules_version, sizeof(cp->rules_version), "%s",
                 rules_version);
}

void expect_checkpoint(bp_store_t *store, int32_t partition,
                       const bp_checkpoint_t *want) {
        bp_checkpoint_t got;
        assert_int_equal(bp_store_get_checkpoint(store, partition, &got, errstr,
                                                 sizeof(errstr)),
                         BP_OK);
        assert_memory_equal(got.input_offsets, want->input_offsets,
                            sizeof(want->input_offsets));
        assert_true(got.changelog_offset == want->changelog_offset);
        assert_string_equal(got.rules_version, want->rules_version);
}

void write_raw(const char *dir, const char *db, const void *key, size_t key_len,
               const void *value, size_t len) {
        MDB_env *env;
        MDB_txn *txn;
        MDB_dbi  dbi;
        MDB_val  k = {key_len, (void *)key}, v = {len, (void *)value};

        assert_int_equal(mdb_env_create(&env), 0);
        assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
        assert_int_equal(mdb_env_set_mapsize(env, BP_STORE_DEFAULT_MAP_SIZE),
                         0);
        assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
        assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
        assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
        assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        mdb_env_close(env);
}
