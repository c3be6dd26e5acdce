/*
 * test_store_sync.c - a store committed without fsync (sync_on_close) and
 * the marker that says whether it can be trusted (bp_store_sync.c).
 *
 * A process that dies without closing is a forked child that commits and
 * calls _exit(): its writes are in the page cache, as a killed runtime's
 * are. A machine that restarted is an open that passes another boot id.
 * Each test asserts what the open did (trusted, discarded, refused) by the
 * records that are, or are not, still there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bp_store.h"
#include "store_fixture.h"

/* The tests open the fixture's directory themselves, with their options. */
static void close_fixture_store(store_fixture_t *fx) {
        bp_store_close(fx->store);
        fx->store = NULL;
}

static bp_store_t *open_with(const char *dir, const char *boot,
                             bool sync_on_close, bool discard) {
        bp_store_options_t opts;
        bp_store_options_init(&opts);
        opts.boot_id         = boot;
        opts.sync_on_close   = sync_on_close;
        opts.discard_suspect = discard;
        return bp_store_open(dir, &opts, errstr, sizeof(errstr));
}

/* The marker's text without its newline, or NULL when there is none. */
static char *read_marker(const char *dir) {
        static char buf[256];
        char        path[2048];
        FILE       *f;
        size_t      n;
        snprintf(path, sizeof(path), "%s/%s", dir, BP_STORE_UNSYNCED_FILE);
        if (!(f = fopen(path, "r")))
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n]                  = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
}

static void write_marker(const char *dir, const char *text, size_t len) {
        char  path[2048];
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", dir, BP_STORE_UNSYNCED_FILE);
        assert_non_null(f = fopen(path, "w"));
        assert_int_equal(fwrite(text, 1, len, f), len);
        fclose(f);
}

/* A child opens the store unsynced under boot, commits (0, id) = value,
 * and dies without closing it. */
static void die_after_commit(const char *dir, const char *boot, const char *id,
                             const char *value) {
        int   status;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                bp_store_t *s = open_with(dir, boot, true, true);
                if (!s)
                        _exit(2);
                put_one(s, 0, id, value);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_marker_while_open_gone_after_close(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        assert_non_null(s = open_with(fx->dir, "boot-a", true, true));
        assert_true(bp_store_syncs_on_close(s));
        assert_false(bp_store_was_discarded(s));
        assert_string_equal(read_marker(fx->dir), "boot-a");
        put_one(s, 0, "f1", "one");
        assert_int_equal(bp_store_finish(s, errstr, sizeof(errstr)), BP_OK);
        assert_null(read_marker(fx->dir));
        bp_store_close(s);

        /* Synced and unmarked: any boot, any opener trusts it. */
        assert_non_null(s = open_with(fx->dir, "boot-b", false, false));
        expect_record(s, 0, "f1", "one");
        bp_store_close(s);
}

static void test_killed_process_same_boot_trusted(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        die_after_commit(fx->dir, "boot-a", "f1", "one");
        assert_string_equal(read_marker(fx->dir), "boot-a");

        assert_non_null(s = open_with(fx->dir, "boot-a", true, true));
        assert_false(bp_store_was_discarded(s));
        expect_record(s, 0, "f1", "one");
        bp_store_close(s);
        assert_null(read_marker(fx->dir));
}

static void test_machine_restart_discards(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        die_after_commit(fx->dir, "boot-a", "f1", "one");

        assert_non_null(s = open_with(fx->dir, "boot-b", true, true));
        assert_true(bp_store_was_discarded(s));
        expect_record(s, 0, "f1", NULL);
        /* The new store is marked by the boot that now writes it. */
        assert_string_equal(read_marker(fx->dir), "boot-b");
        put_one(s, 0, "f2", "two");
        bp_store_close(s);

        assert_non_null(s = open_with(fx->dir, "boot-c", true, true));
        assert_false(bp_store_was_discarded(s));
        expect_record(s, 0, "f2", "two");
        bp_store_close(s);
}

static void test_machine_restart_refused_without_discard(void **state) {
        store_fixture_t   *fx = *state;
        bp_store_options_t ro;
        bp_store_t        *s;

        close_fixture_store(fx);
        die_after_commit(fx->dir, "boot-a", "f1", "one");

        assert_null(open_with(fx->dir, "boot-b", false, false));
        assert_non_null(strstr(errstr, "restores it from the changelog"));
        assert_non_null(strstr(errstr, "boot-a"));
        bp_store_options_init(&ro);
        ro.read_only = true;
        ro.boot_id   = "boot-b";
        assert_null(bp_store_open(fx->dir, &ro, errstr, sizeof(errstr)));
        /* Refusing changed nothing: the boot that wrote it still trusts it. */
        assert_string_equal(read_marker(fx->dir), "boot-a");
        assert_non_null(s = open_with(fx->dir, "boot-a", false, false));
        expect_record(s, 0, "f1", "one");
        bp_store_close(s);
}

static void test_unreadable_marker_is_suspect(void **state) {
        store_fixture_t *fx = *state;
        char             big[300];
        bp_store_t      *s;

        put_one(fx->store, 0, "f1", "one");
        close_fixture_store(fx);
        /* Too long to be a boot id: not trusted, whatever it says. */
        memset(big, 'a', sizeof(big));
        write_marker(fx->dir, big, sizeof(big));
        assert_non_null(s = open_with(fx->dir, "aaaa", true, true));
        assert_true(bp_store_was_discarded(s));
        expect_record(s, 0, "f1", NULL);
        bp_store_close(s);

        /* Empty (cut short while written): the same. */
        assert_non_null(s = open_with(fx->dir, "boot-a", false, false));
        put_one(s, 0, "f1", "one");
        bp_store_close(s);
        write_marker(fx->dir, "", 0);
        assert_non_null(s = open_with(fx->dir, "boot-a", true, true));
        assert_true(bp_store_was_discarded(s));
        bp_store_close(s);
}

static void test_sync_every_commit_over_trusted_marker(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        die_after_commit(fx->dir, "boot-a", "f1", "one");

        /* Opened to sync each commit: it syncs what the dead process left
         * and drops the marker at once, not at close. */
        assert_non_null(s = open_with(fx->dir, "boot-a", false, true));
        assert_false(bp_store_syncs_on_close(s));
        assert_false(bp_store_was_discarded(s));
        assert_null(read_marker(fx->dir));
        expect_record(s, 0, "f1", "one");
        bp_store_close(s);
}

/* A tool that writes (no discard_suspect) over a store of this boot may
 * run beside the runtime that marked it: the marker stays. */
static void test_other_writer_leaves_the_marker(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        die_after_commit(fx->dir, "boot-a", "f1", "one");
        assert_non_null(s = open_with(fx->dir, "boot-a", false, false));
        put_one(s, 0, "f2", "two");
        bp_store_close(s);
        assert_string_equal(read_marker(fx->dir), "boot-a");
        assert_non_null(s = open_with(fx->dir, "boot-a", true, true));
        expect_record(s, 0, "f1", "one");
        expect_record(s, 0, "f2", "two");
        bp_store_close(s);
        assert_null(read_marker(fx->dir));
}

/* A second runtime on the directory of a running one is refused before
 * it reads the marker: had it got that far, it would have taken the
 * running store's marker (another boot's, from where it stands) for a
 * machine crash and discarded the store, and at its stop it would have
 * removed the marker that covers the first one's unsynced commits. */
static void test_refused_writer_leaves_the_marker(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        assert_non_null(s = open_with(fx->dir, "boot-a", true, true));
        put_one(s, 0, "f1", "one");
        assert_null(open_with(fx->dir, "boot-b", true, true));
        assert_non_null(strstr(errstr, "in use by process"));
        assert_string_equal(read_marker(fx->dir), "boot-a");
        assert_null(open_with(fx->dir, "boot-a", false, true));
        assert_string_equal(read_marker(fx->dir), "boot-a");
        expect_record(s, 0, "f1", "one");
        put_one(s, 0, "f2", "two");
        bp_store_close(s);
        assert_null(read_marker(fx->dir));
        assert_non_null(s = open_with(fx->dir, "boot-a", true, true));
        expect_record(s, 0, "f1", "one");
        expect_record(s, 0, "f2", "two");
        bp_store_close(s);
}

static void test_unknown_boot_syncs_every_commit(void **state) {
        store_fixture_t *fx = *state;
        bp_store_t      *s;

        close_fixture_store(fx);
        assert_non_null(s = open_with(fx->dir, "", true, true));
        assert_false(bp_store_syncs_on_close(s));
        assert_null(read_marker(fx->dir));
        bp_store_close(s);
}

static void test_this_machine_has_a_boot_id(void **state) {
        store_fixture_t   *fx = *state;
        bp_store_options_t opts;
        bp_store_t        *s;
        struct stat        sb;

        if (stat(BP_STORE_BOOT_ID_PATH, &sb) != 0) {
                print_message("skipped: no %s here (not Linux), where the "
                              "store syncs every commit\n",
                              BP_STORE_BOOT_ID_PATH);
                skip();
                return;
        }
        close_fixture_store(fx);
        bp_store_options_init(&opts);
        opts.sync_on_close = true;
        assert_non_null(
            s = bp_store_open(fx->dir, &opts, errstr, sizeof(errstr)));
        assert_true(bp_store_syncs_on_close(s));
        assert_int_equal(strlen(read_marker(fx->dir)), 36); /* a UUID */
        bp_store_close(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(fn)                                                    \
        cmocka_unit_test_setup_teardown(fn, store_fixture_setup, \
                                        store_fixture_teardown)
            T(test_marker_while_open_gone_after_close),
            T(test_killed_process_same_boot_trusted),
            T(test_machine_restart_discards),
            T(test_machine_restart_refused_without_discard),
            T(test_unreadable_marker_is_suspect),
            T(test_sync_every_commit_over_trusted_marker),
            T(test_other_writer_leaves_the_marker),
            T(test_refused_writer_leaves_the_marker),
            T(test_unknown_boot_syncs_every_commit),
            T(test_this_machine_has_a_boot_id),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
