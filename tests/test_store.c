/*
 * test_store.c - the LMDB state store: round trips, atomicity of batches,
 * durability across reopen, partition isolation, iteration order,
 * refusal of garbage and of oversized keys. What a SIGKILL leaves behind
 * is test_store_crash.c's.
 *
 * Each test gets a fresh store in its own temporary directory (see
 * store_fixture.h). The garbage-checkpoint test writes raw bytes with LMDB
 * directly, the way a damaged or foreign store would look.
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

static void test_round_trip(void **state) {
        store_fixture_t *fx = *state;
        bp_store_read_t *rtxn;
        const void      *value;
        size_t           len;
        unsigned char    binary[300];
        size_t           i;

        for (i = 0; i < sizeof(binary); i++)
                binary[i] = (unsigned char)(i * 7);
        put_one(fx->store, 0, "f1", "one");
        put_one(fx->store, 0, "f1", "one, replaced");
        put_one(fx->store, 1, "f1", "same id, other partition");
        expect_record(fx->store, 0, "f1", "one, replaced");
        expect_record(fx->store, 1, "f1", "same id, other partition");
        expect_record(fx->store, 2, "f1", NULL);
        expect_record(fx->store, 0, "f2", NULL);

        /* Borrowed values, binary bytes with NULs inside, an empty value. */
        bp_store_batch_t *batch;
        batch = batch_begin(fx->store);
        assert_int_equal(bp_store_batch_put(batch, 7, "bin", binary,
                                            sizeof(binary), errstr,
                                            sizeof(errstr)),
                         BP_OK);
        assert_int_equal(bp_store_batch_put(batch, 7, "empty", NULL, 0, errstr,
                                            sizeof(errstr)),
                         BP_OK);
        batch_commit(batch);
        assert_int_equal(
            bp_store_read_begin(fx->store, &rtxn, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(bp_store_read_get(rtxn, 7, "bin", &value, &len, errstr,
                                           sizeof(errstr)),
                         BP_OK);
        assert_int_equal(len, sizeof(binary));
        assert_memory_equal(value, binary, len);
        assert_int_equal(bp_store_read_get(rtxn, 7, "empty", &value, &len,
                                           errstr, sizeof(errstr)),
                         BP_OK);
        assert_int_equal(len, 0);
        assert_int_equal(bp_store_read_get(rtxn, 7, "none", &value, &len,
                                           errstr, sizeof(errstr)),
                         BP_ERR_NOT_FOUND);
        assert_null(value);
        bp_store_read_end(rtxn);

        /* Deleting removes; deleting what is absent is fine. */
        batch = batch_begin(fx->store);
        assert_int_equal(
            bp_store_batch_delete(batch, 0, "f1", errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(
            bp_store_batch_delete(batch, 0, "never", errstr, sizeof(errstr)),
            BP_OK);
        batch_commit(batch);
        expect_record(fx->store, 0, "f1", NULL);
        expect_record(fx->store, 1, "f1", "same id, other partition");
}

static void test_abort_leaves_nothing(void **state) {
        store_fixture_t  *fx = *state;
        bp_store_batch_t *batch;
        bp_checkpoint_t   cp, got;
        bp_store_stats_t  stats;

        put_one(fx->store, 3, "kept", "before");
        make_checkpoint(&cp, 100, "r-aborted");
        batch = batch_begin(fx->store);
        batch_put(batch, 3, "new", "x");
        batch_put(batch, 3, "kept", "after");
        batch_checkpoint(batch, 3, &cp);
        bp_store_batch_abort(batch);
        bp_store_batch_abort(NULL);

        expect_record(fx->store, 3, "new", NULL);
        expect_record(fx->store, 3, "kept", "before");
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 3, &got, errstr, sizeof(errstr)),
            BP_ERR_NOT_FOUND);
        /* "Nothing yet" is what a missing checkpoint reads as. */
        assert_true(got.input_offsets[0] == BP_OFFSET_NONE);
        assert_true(got.changelog_offset == BP_OFFSET_NONE);
        assert_string_equal(got.rules_version, "");
        assert_int_equal(
            bp_store_stats(fx->store, &stats, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(stats.entries, 1);
        assert_int_equal(stats.checkpoints, 0);
}

static void test_commit_survives_reopen(void **state) {
        store_fixture_t  *fx = *state;
        bp_store_batch_t *batch;
        bp_checkpoint_t   cp0, cp5;
        bp_store_stats_t  stats;

        make_checkpoint(&cp0, 42, "r-0123456789abcdef");
        make_checkpoint(&cp5, 7, "");
        cp5.input_offsets[BP_EV_INVITATION_SENT] = BP_OFFSET_NONE;
        cp5.changelog_offset                     = BP_OFFSET_NONE;
        batch                                    = batch_begin(fx->store);
        batch_put(batch, 0, "a", "A");
        batch_put(batch, 5, "b", "B");
        batch_checkpoint(batch, 0, &cp0);
        batch_checkpoint(batch, 5, &cp5);
        batch_commit(batch);

        store_fixture_reopen(fx);
        expect_record(fx->store, 0, "a", "A");
        expect_record(fx->store, 5, "b", "B");
        expect_checkpoint(fx->store, 0, &cp0);
        expect_checkpoint(fx->store, 5, &cp5);
        assert_int_equal(
            bp_store_stats(fx->store, &stats, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(stats.entries, 2);
        assert_int_equal(stats.checkpoints, 2);
        assert_true(stats.file_size > 0);
        assert_true(stats.used_size > 0);
        assert_true(stats.map_size == BP_STORE_DEFAULT_MAP_SIZE);
}

static void test_checkpoints_independent(void **state) {
        store_fixture_t  *fx = *state;
        bp_store_batch_t *batch;
        bp_checkpoint_t   cp1, cp2, cp1b, got;

        make_checkpoint(&cp1, 10, "r-one");
        make_checkpoint(&cp2, 20, "r-two");
        make_checkpoint(&cp1b, 11, "r-one-later");
        batch = batch_begin(fx->store);
        batch_checkpoint(batch, 1, &cp1);
        batch_checkpoint(batch, 2, &cp2);
        batch_commit(batch);
        /* Moving partition 1 on leaves partition 2 where it was. */
        batch = batch_begin(fx->store);
        batch_checkpoint(batch, 1, &cp1b);
        batch_commit(batch);
        expect_checkpoint(fx->store, 1, &cp1b);
        expect_checkpoint(fx->store, 2, &cp2);
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 3, &got, errstr, sizeof(errstr)),
            BP_ERR_NOT_FOUND);

        /* An invalid checkpoint is refused and the batch goes on. */
        cp2.changelog_offset = -2;
        batch                = batch_begin(fx->store);
        assert_int_equal(bp_store_batch_set_checkpoint(batch, 2, &cp2, errstr,
                                                       sizeof(errstr)),
                         BP_ERR_INVALID);
        assert_non_null(strstr(errstr, "changelog offset"));
        assert_int_equal(bp_store_batch_set_checkpoint(batch, -1, &cp1, errstr,
                                                       sizeof(errstr)),
                         BP_ERR_INVALID);
        batch_put(batch, 2, "x", "y");
        batch_commit(batch);
        expect_record(fx->store, 2, "x", "y");
}

/* Records what bp_store_foreach() shows, as "p/id=value;" lines. */
typedef struct visit_s {
        char    text[4096];
        int     cnt;
        int     stop_after; /* 0: never stop */
        int32_t partition;  /* the partition being walked */
} visit_t;

static int visit(const char *freelancer_id, const void *value, size_t len,
                 void *opaque) {
        visit_t *v    = opaque;
        size_t   used = strlen(v->text);
        snprintf(v->text + used, sizeof(v->text) - used, "%d/%s=%.*s;",
                 (int)v->partition, freelancer_id, (int)len,
                 (const char *)value);
        v->cnt++;
        return v->stop_after && v->cnt == v->stop_after ? 99 : 0;
}

/* Walks one partition into a fresh v. */
static int walk_one(bp_store_t *store, int32_t partition, visit_t *v) {
        memset(v, 0, sizeof(*v));
        v->partition = partition;
        return bp_store_foreach(store, partition, visit, v, errstr,
                                sizeof(errstr));
}

/* Every record of the store, partition by partition, as `state dump`
 * would list them. */
static void walk_all(bp_store_t *store, visit_t *v) {
        int32_t *parts;
        size_t   cnt, i;

        assert_int_equal(
            bp_store_partitions(store, &parts, &cnt, errstr, sizeof(errstr)),
            BP_OK);
        memset(v, 0, sizeof(*v));
        for (i = 0; i < cnt; i++) {
                v->partition = parts[i];
                assert_int_equal(bp_store_foreach(store, parts[i], visit, v,
                                                  errstr, sizeof(errstr)),
                                 0);
        }
        free(parts);
}

/* Partitions 1, 2 and 256 (which differs from 1 only in its third key
 * byte), ids put out of order. */
static void put_three_partitions(bp_store_t *store) {
        static const struct {
                int32_t     partition;
                const char *id, *value;
        } rows[] = {
            {2, "m", "2m"},     {1, "zeta", "1z"}, {256, "a", "256a"},
            {1, "alpha", "1a"}, {2, "b", "2b"},    {1, "mid", "1m"},
            {1, "Alpha", "1A"},
        };
        size_t i;
        for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                put_one(store, rows[i].partition, rows[i].id, rows[i].value);
}

static void test_foreach_one_partition(void **state) {
        store_fixture_t *fx = *state;
        visit_t          v;
        size_t           cnt;

        put_three_partitions(fx->store);
        assert_int_equal(walk_one(fx->store, 1, &v), 0);
        /* Bytewise order: uppercase sorts before lowercase. */
        assert_string_equal(v.text,
                            "1/Alpha=1A;1/alpha=1a;1/mid=1m;1/zeta=1z;");

        assert_int_equal(walk_one(fx->store, 3, &v), 0);
        assert_int_equal(v.cnt, 0);
        assert_int_equal(walk_one(fx->store, 2, &v), 0);
        assert_string_equal(v.text, "2/b=2b;2/m=2m;");

        walk_all(fx->store, &v);
        assert_string_equal(v.text, "1/Alpha=1A;1/alpha=1a;1/mid=1m;1/zeta=1z;"
                                    "2/b=2b;2/m=2m;256/a=256a;");

        /* The callback's non-zero value stops and comes back. */
        memset(&v, 0, sizeof(v));
        v.partition  = 1;
        v.stop_after = 2;
        assert_int_equal(
            bp_store_foreach(fx->store, 1, visit, &v, errstr, sizeof(errstr)),
            99);
        assert_int_equal(v.cnt, 2);

        assert_int_equal(
            bp_store_count(fx->store, 1, &cnt, errstr, sizeof(errstr)), BP_OK);
        assert_int_equal(cnt, 4);
        assert_int_equal(
            bp_store_count(fx->store, 256, &cnt, errstr, sizeof(errstr)),
            BP_OK);
        assert_int_equal(cnt, 1);
        assert_int_equal(walk_one(fx->store, -1, &v), BP_ERR_INVALID);
}

static void test_drop_partition(void **state) {
        store_fixture_t  *fx = *state;
        bp_store_batch_t *batch;
        bp_checkpoint_t   cp;
        visit_t           v;
        size_t            removed;

        put_three_partitions(fx->store);
        make_checkpoint(&cp, 5, "r-x");
        batch = batch_begin(fx->store);
        batch_checkpoint(batch, 1, &cp);
        batch_checkpoint(batch, 2, &cp);
        batch_commit(batch);

        assert_int_equal(bp_store_drop_partition(fx->store, 1, &removed, errstr,
                                                 sizeof(errstr)),
                         BP_OK);
        assert_int_equal(removed, 4);
        walk_all(fx->store, &v);
        assert_string_equal(v.text, "2/b=2b;2/m=2m;256/a=256a;");
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 1, &cp, errstr, sizeof(errstr)),
            BP_ERR_NOT_FOUND);
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 2, &cp, errstr, sizeof(errstr)),
            BP_OK);
        /* Partitions with records or only a checkpoint are listed; the
         * meta database's "format" key is not a partition. */
        {
                int32_t *parts;
                size_t   cnt;
                batch = batch_begin(fx->store);
                batch_checkpoint(batch, 7, &cp);
                batch_commit(batch);
                assert_int_equal(bp_store_partitions(fx->store, &parts, &cnt,
                                                     errstr, sizeof(errstr)),
                                 BP_OK);
                assert_int_equal(cnt, 3);
                assert_int_equal(parts[0], 2);
                assert_int_equal(parts[1], 7);
                assert_int_equal(parts[2], 256);
                free(parts);
        }
        /* Dropping an empty partition is fine. */
        assert_int_equal(bp_store_drop_partition(fx->store, 9, &removed, errstr,
                                                 sizeof(errstr)),
                         BP_OK);
        assert_int_equal(removed, 0);
}

/* Writes value under meta key partition, as a damaged store holds it. */
static void write_raw_meta(const char *dir, int32_t partition,
                           const void *value, size_t len) {
        unsigned char key[4] = {0, 0, 0, (unsigned char)partition};
        write_raw(dir, "meta", key, sizeof(key), value, len);
}

static void test_garbage_checkpoint(void **state) {
        store_fixture_t *fx = *state;
        uint8_t          good[BP_CHECKPOINT_ENCODED_MAX], bad[sizeof(good)];
        bp_checkpoint_t  cp, got;
        size_t           len;
        uint32_t         crc;

        make_checkpoint(&cp, 1, "r-abc");
        assert_int_equal(bp_checkpoint_encode(&cp, good, sizeof(good), &len,
                                              errstr, sizeof(errstr)),
                         BP_OK);
        bp_store_close(fx->store);
        fx->store = NULL;
        write_raw_meta(fx->dir, 1, "\x00\x01garbage!", 10);
        write_raw_meta(fx->dir, 2, good, len - 1); /* truncated */
        memcpy(bad, good, len);
        bad[20] ^= 0x40; /* a flipped bit in an offset */
        write_raw_meta(fx->dir, 3, bad, len);
        memcpy(bad, good, len);
        bad[5]       = 2; /* a future format, with a valid checksum */
        crc          = bp_checkpoint_crc32(bad, len - 4);
        bad[len - 4] = (uint8_t)(crc >> 24);
        bad[len - 3] = (uint8_t)(crc >> 16);
        bad[len - 2] = (uint8_t)(crc >> 8);
        bad[len - 1] = (uint8_t)crc;
        write_raw_meta(fx->dir, 4, bad, len);
        write_raw_meta(fx->dir, 5, "", 0);
        write_raw_meta(fx->dir, 6, good, len); /* intact */
        store_fixture_reopen(fx);

        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 1, &got, errstr, sizeof(errstr)),
            BP_ERR_PARSE);
        assert_non_null(strstr(errstr, "partition 1"));
        assert_non_null(strstr(errstr, "magic"));
        assert_true(got.changelog_offset == BP_OFFSET_NONE);
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 2, &got, errstr, sizeof(errstr)),
            BP_ERR_PARSE);
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 3, &got, errstr, sizeof(errstr)),
            BP_ERR_PARSE);
        assert_non_null(strstr(errstr, "checksum"));
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 4, &got, errstr, sizeof(errstr)),
            BP_ERR_UNSUPPORTED);
        assert_non_null(strstr(errstr, "version 2"));
        assert_int_equal(
            bp_store_get_checkpoint(fx->store, 5, &got, errstr, sizeof(errstr)),
            BP_ERR_PARSE);
        expect_checkpoint(fx->store, 6, &cp);
}

static void test_key_too_long(void **state) {
        store_fixture_t  *fx = *state;
        bp_store_batch_t *batch;
        size_t            max = bp_store_max_id_len(fx->store);
        char             *id  = malloc(max + 2);

        assert_non_null(id);
        /* LMDB's default build: 511-byte keys, 4 of them the partition. */
        assert_int_equal(max, 507);
        memset(id, 'k', max + 1);
        id[max + 1] = '\0';
        batch       = batch_begin(fx->store);
        assert_int_equal(
            bp_store_batch_put(batch, 0, id, "v", 1, errstr, sizeof(errstr)),
            BP_ERR_TOO_LARGE);
        assert_non_null(strstr(errstr, "too long"));
        assert_int_equal(
            bp_store_batch_delete(batch, 0, id, errstr, sizeof(errstr)),
            BP_ERR_TOO_LARGE);
        /* The batch is still good; the longest id fits. */
        id[max] = '\0';
        batch_put(batch, 0, id, "v");
        assert_int_equal(
            bp_store_batch_put(batch, -3, "x", "v", 1, errstr, sizeof(errstr)),
            BP_ERR_INVALID);
        batch_commit(batch);
        expect_record(fx->store, 0, id, "v");
        id[max] = 'k';
        {
                const void *value;
                size_t      len;
                assert_int_equal(bp_store_get(fx->store, 0, id, &value, &len,
                                              errstr, sizeof(errstr)),
                                 BP_ERR_TOO_LARGE);
        }
        free(id);
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(fn)                                                    \
        cmocka_unit_test_setup_teardown(fn, store_fixture_setup, \
                                        store_fixture_teardown)
            T(test_round_trip),
            T(test_abort_leaves_nothing),
            T(test_commit_survives_reopen),
            T(test_checkpoints_independent),
            T(test_foreach_one_partition),
            T(test_drop_partition),
            T(test_garbage_checkpoint),
            T(test_key_too_long),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
