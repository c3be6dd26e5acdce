/*
 * test_store_limits.c - the state store at its edges: snapshots, a batch
 * written while a snapshot is read (the rules-change re-evaluation does
 * that), read-only opening, a full map, a store of another layout
 * version, and the checkpoint byte form on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_store.h"
#include "store_fixture.h"

static void test_snapshot(void **state) {
        store_fixture_t *fx = *state;
        bp_store_read_t *rtxn;
        const void      *value;
        size_t           len;

        put_one(fx->store, 0, "f", "old");
        assert_int_equal(
            bp_store_read_begin(fx->store, &rtxn, errstr, sizeof(errstr)),
            BP_OK);
        put_one(fx->store, 0, "f", "new");
        put_one(fx->store, 0, "g", "added");
        /* The handle still sees the store as it was when it began. */
        assert_int_equal(bp_store_read_get(rtxn, 0, "f", &value, &len, errstr,
                                           sizeof(errstr)),
                         BP_OK);
        assert_int_equal(len, 3);
        assert_memory_equal(value, "old", 3);
        assert_int_equal(bp_store_read_get(rtxn, 0, "g", &value, &len, errstr,
                                           sizeof(errstr)),
                         BP_ERR_NOT_FOUND);
        bp_store_read_end(rtxn);
        bp_store_read_end(NULL);
        expect_record(fx->store, 0, "f", "new");
}

/* bp_store_get(): borrowed values, and a fresh snapshot per call even
 * when the caller never calls bp_store_get_done(). */
static void test_lookup(void **state) {
        store_fixture_t *fx = *state;
        const void      *value;
        size_t           len;

        put_one(fx->store, 0, "f", "v1");
        assert_int_equal(bp_store_get(fx->store, 0, "f", &value, &len, errstr,
                                      sizeof(errstr)),
                         BP_OK);
        assert_int_equal(len, 2);
        assert_memory_equal(value, "v1", 2);
        /* Held across a commit (not done yet): the next lookup still sees
         * the commit. */
        put_one(fx->store, 0, "f", "v2");
        assert_int_equal(bp_store_get(fx->store, 0, "f", &value, &len, errstr,
                                      sizeof(errstr)),
                         BP_OK);
        assert_memory_equal(value, "v2", 2);
        bp_store_get_done(fx->store);
        bp_store_get_done(fx->store);
        assert_int_equal(bp_store_get(fx->store, 0, "g", &value, &len, errstr,
                                      sizeof(errstr)),
                         BP_ERR_NOT_FOUND);
        assert_null(value);
        put_one(fx->store, 0, "g", "new");
        assert_int_equal(bp_store_get(fx->store, 0, "g", &value, &len, errstr,
                                      sizeof(errstr)),
                         BP_OK);
        assert_memory_equal(value, "new", 3);
        /* Closing with a value held is fine too. */
}

/* Rewrites each visited record in a batch of its own, from inside the
 * iteration: one thread holding a read handle and a batch at once. */
/* The partition test_batch_during_foreach works in. */
#define REWRITE_PARTITION 4

static int rewrite(const char *freelancer_id, const void *value, size_t len,
                   void *opaque) {
        bp_store_t       *store = opaque;
        bp_store_batch_t *batch = batch_begin(store);
        char              upper[16];

        assert_true(len < sizeof(upper));
        memcpy(upper, value, len);
        upper[len] = '\0';
        upper[0]   = (char)(upper[0] - 'a' + 'A');
        batch_put(batch, REWRITE_PARTITION, freelancer_id, upper);
        /* A record added now must not show up later in this walk. */
        batch_put(batch, REWRITE_PARTITION, "zzz-added", "zzz");
        batch_commit(batch);
        return 0;
}

static void test_batch_during_foreach(void **state) {
        store_fixture_t *fx = *state;
        size_t           cnt;

        put_one(fx->store, 4, "a", "alpha");
        put_one(fx->store, 4, "b", "beta");
        assert_int_equal(bp_store_foreach(fx->store, 4, rewrite, fx->store,
                                          errstr, sizeof(errstr)),
                         0);
        expect_record(fx->store, 4, "a", "Alpha");
        expect_record(fx->store, 4, "b", "Beta");
        expect_record(fx->store, 4, "zzz-added", "zzz");
        assert_int_equal(
            bp_store_count(fx->store, 4, &cnt, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(cnt, 3);
}

static void test_read_only(void **state) {
        store_fixture_t   *fx = *state;
        bp_store_options_t opts;
        bp_store_t        *ro;
        char               missing[1100];

        bp_store_options_init(&opts);
        opts.read_only = true;
        snprintf(missing, sizeof(missing), "%s/missing", fx->tmp);
        assert_null(bp_store_open(missing, &opts, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "missing"));
        assert_null(bp_store_open("", NULL, errstr, sizeof(errstr)));

        put_one(fx->store, 0, "f", "v");
        /* A tool may look while the runtime has the store open. */
        ro = bp_store_open(fx->dir, &opts, errstr, sizeof(errstr));
        assert_non_null(ro);
        expect_record(ro, 0, "f", "v");
        assert_null(bp_store_batch_begin(ro, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "read-only"));
        put_one(fx->store, 0, "g", "w");
        expect_record(ro, 0, "g", "w");
        bp_store_close(ro);
        bp_store_close(NULL);
}

static void test_map_full(void **state) {
        store_fixture_t   *fx = *state;
        bp_store_options_t opts;
        bp_store_batch_t  *batch;
        bp_store_t        *small;
        char               dir[1100], id[32], value[2000];
        bp_err_t           err = BP_OK;
        int                i;

        bp_store_options_init(&opts);
        opts.map_size = 256 * 1024;
        opts.no_sync  = true;
        snprintf(dir, sizeof(dir), "%s/small", fx->tmp);
        small = bp_store_open(dir, &opts, errstr, sizeof(errstr));
        assert_non_null(small);
        put_one(small, 0, "first", "kept");
        memset(value, 'v', sizeof(value));
        batch = batch_begin(small);
        for (i = 0; i < 1000 && err == BP_OK; i++) {
                snprintf(id, sizeof(id), "f%04d", i);
                err = bp_store_batch_put(batch, 0, id, value, sizeof(value),
                                         errstr, sizeof(errstr));
        }
        assert_int_equal(err, BP_ERR_STATE);
        assert_non_null(strstr(errstr, "MDB_MAP_FULL"));
        assert_non_null(strstr(errstr, "map_size"));
        /* Once LMDB has failed, the batch says so and only aborts. */
        assert_int_equal(
            bp_store_batch_put(batch, 0, "x", "y", 1, errstr, sizeof(errstr)),
            BP_ERR_STATE);
        assert_non_null(strstr(errstr, "aborted"));
        assert_int_equal(bp_store_batch_commit(batch, errstr, sizeof(errstr)),
                         BP_ERR_STATE);
        expect_record(small, 0, "first", "kept");
        expect_record(small, 0, "f0000", NULL);
        bp_store_close(small);
}

static void test_layout_version(void **state) {
        store_fixture_t     *fx       = *state;
        static const uint8_t future[] = {0, 0, 0, 2};

        bp_store_close(fx->store);
        fx->store = NULL;
        write_raw(fx->dir, "meta", "format", 6, future, sizeof(future));
        assert_null(bp_store_open(fx->dir, NULL, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "layout version"));
}

static void test_checkpoint_bytes(void **state) {
        uint8_t         buf[BP_CHECKPOINT_ENCODED_MAX];
        bp_checkpoint_t cp, got;
        size_t          len;

        (void)state;
        bp_checkpoint_init(&cp);
        cp.input_offsets[BP_EV_PARTNER_DECISION] = INT64_MAX;
        cp.changelog_offset                      = 0;
        memset(cp.rules_version, 'r', sizeof(cp.rules_version) - 1);
        assert_int_equal(bp_checkpoint_encode(&cp, buf, sizeof(buf), &len,
                                              errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(len, BP_CHECKPOINT_ENCODED_MAX);
        assert_memory_equal(buf, "BPCK\0\1", 6);
        assert_int_equal(bp_checkpoint_decode(buf, len, &got, NULL, 0), BP_OK);
        assert_memory_equal(&got, &cp, sizeof(cp));
        assert_int_equal(bp_checkpoint_encode(&cp, buf, len - 1, &len, errstr,
                                              sizeof(errstr)),
                         BP_ERR_TOO_LARGE);
        /* No NUL within the array: refused, not overrun. */
        cp.rules_version[sizeof(cp.rules_version) - 1] = 'r';
        assert_int_equal(bp_checkpoint_encode(&cp, buf, sizeof(buf), &len,
                                              errstr, sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_int_equal(
            bp_checkpoint_decode(NULL, 0, &got, errstr, sizeof(errstr)),
            BP_ERR_PARSE);
        /* The check value of the CRC-32 used by zlib and Ethernet. */
        assert_int_equal(bp_checkpoint_crc32("123456789", 9), 0xcbf43926u);
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(fn)                                                    \
        cmocka_unit_test_setup_teardown(fn, store_fixture_setup, \
                                        store_fixture_teardown)
            T(test_snapshot),
            T(test_lookup),
            T(test_batch_during_foreach),
            T(test_read_only),
            T(test_map_full),
            T(test_layout_version),
            cmocka_unit_test(test_checkpoint_bytes),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
