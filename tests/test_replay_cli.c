/*
 * test_replay_cli.c - `badgeproc replay` end to end: runs the built binary
 * ($BP_BIN) on the fixtures under data/replay/ and checks its exact
 * stdout, its stderr and its exit status, for a small story, malformed
 * lines, an over-long line, a broken rules directory, a failed write,
 * standard input, and the command line itself.
 *
 * The golden files data/replay/NAME.expected.jsonl are what replay printed
 * once its output had been checked by hand against DOMAIN.md; since
 * output is deterministic, any change to them is a change of behaviour.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define RULES "data/replay/rules"

extern char **environ;

typedef struct run_s {
        int   status; /* exit status, or -1 when killed */
        char *out;    /* stdout, NUL-terminated */
        char *err;    /* stderr, NUL-terminated */
} run_t;

static char *slurp(const char *path) {
        FILE  *f = fopen(path, "rb");
        char  *s;
        long   n;
        size_t got;

        if (!f)
                fail_msg("cannot open %s", path);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        s = malloc((size_t)n + 1);
        assert_non_null(s);
        got    = fread(s, 1, (size_t)n, f);
        s[got] = '\0';
        fclose(f);
        return s;
}

/* A temporary file name, created empty. */
static void temp_path(char *path, size_t size, const char *what) {
        int fd;

        snprintf(path, size, "/tmp/bp_replay_%s_XXXXXX", what);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
}

/* Runs $BP_BIN with args (NULL-terminated, without argv[0]); stdin from
 * in_path (NULL: /dev/null), stdout to out_to (NULL: captured). */
static run_t run_to(const char *in_path, const char *out_to,
                    const char *const *args) {
        const char                *bin = getenv("BP_BIN");
        char                      *argv[16];
        char                       out_path[64], err_path[64];
        posix_spawn_file_actions_t fa;
        pid_t                      pid;
        int                        st, i;
        run_t                      r;

        if (!bin)
                fail_msg("BP_BIN is not set (run through ctest)");
        argv[0] = (char *)bin;
        for (i = 0; args[i]; i++)
                argv[i + 1] = (char *)args[i];
        argv[i + 1] = NULL;
        temp_path(out_path, sizeof(out_path), "out");
        temp_path(err_path, sizeof(err_path), "err");
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(
            &fa, 0, in_path ? in_path : "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, out_to ? out_to : out_path,
                                         O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY, 0);
        assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        r.out    = slurp(out_path);
        r.err    = slurp(err_path);
        unlink(out_path);
        unlink(err_path);
        return r;
}

static run_t run(const char *in_path, const char *const *args) {
        return run_to(in_path, NULL, args);
}

static void run_free(run_t *r) {
        free(r->out);
        free(r->err);
}

static int starts_with(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void assert_golden(const char *got, const char *golden_path) {
        char *want = slurp(golden_path);

        if (strcmp(got, want) != 0)
                fail_msg("stdout differs from %s\n--- got\n%s--- want\n%s",
                         golden_path, got, want);
        free(want);
}

/* Grant, duplicate, revocation with two reasons, stale snapshot, blank
 * line, new-freelancer exception, removal by the partner. */
static void test_story(void **state) {
        const char *args[] = {
            "replay",  "--rules", RULES, "--input", "data/replay/story.jsonl",
            "--quiet", NULL};
        run_t r = run(NULL, args);

        (void)state;
        assert_int_equal(r.status, 0);
        assert_golden(r.out, "data/replay/story.expected.jsonl");
        assert_string_equal(r.err, "");
        run_free(&r);
}

/* Without --quiet, one key=value line on stderr and stdout unchanged. */
static void test_story_logs(void **state) {
        const char *args[] = {
            "replay", "-r", RULES, "-i", "data/replay/story.jsonl", NULL};
        run_t r = run(NULL, args);

        (void)state;
        assert_int_equal(r.status, 0);
        assert_golden(r.out, "data/replay/story.expected.jsonl");
        assert_true(starts_with(r.err, "level=info cmd=replay msg=done "
                                       "lines=11 published=4 rejected=0 "
                                       "seconds="));
        assert_non_null(strstr(r.err, " rules_version=r-"));
        /* One line. */
        assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
        run_free(&r);
}

static void test_stdin(void **state) {
        const char *args[] = {"replay", "--rules", RULES, "--input",
                              "-",      "--quiet", NULL};
        run_t       r      = run("data/replay/story.jsonl", args);

        (void)state;
        assert_int_equal(r.status, 0);
        assert_golden(r.out, "data/replay/story.expected.jsonl");
        run_free(&r);
}

static void test_malformed(void **state) {
        const char *args[] = {"replay",
                              "--rules",
                              RULES,
                              "--input",
                              "data/replay/malformed.jsonl",
                              "--quiet",
                              NULL};
        run_t       r      = run(NULL, args);

        (void)state;
        assert_int_equal(r.status, 3);
        assert_golden(r.out, "data/replay/malformed.expected.jsonl");
        assert_string_equal(
            r.err,
            "line 2: invalid JSON at column 25: '}' expected near end of "
            "file\n"
            "line 3: unknown type \"badge-granted\"\n"
            "line 4: missing field \"visibility\"\n"
            "line 6: profile_completeness 140 out of range 0..100\n"
            "line 7: expected a JSON object, got array\n"
            "line 9: field \"decided_by\": unknown value \"ADMIN\"\n"
            "line 11: field \"feedback_score\": expected number, got string\n"
            "replay: 12 lines, 1 events published, 7 rejected\n");
        run_free(&r);
}

/* A line over 1 MiB stops the run: the events before it apply, nothing
 * after it is read. */
static void test_long_line(void **state) {
        static const char first[] =
            "{\"type\":\"invitation-sent\",\"event_id\":\"e1\","
            "\"freelancer_id\":\"f1\",\"occurred_at\":1,\"invitation_id\":"
            "\"i1\",\"partner_id\":\"globex\"}\n";
        static const char rest[] =
            "\n{\"type\":\"profile-updated\",\"event_id\":\"e3\","
            "\"freelancer_id\":\"f1\",\"occurred_at\":3,\"profile_version\":1,"
            "\"account_status\":\"ACTIVE\",\"profile_completeness\":100,"
            "\"visibility\":\"PUBLIC\",\"english_level\":\"FLUENT\","
            "\"job_success_score\":90,\"origin\":\"NATIVE\","
            "\"certifications\":[]}\n"
            "{\"type\":\"partner-decision\",\"event_id\":\"e4\","
            "\"freelancer_id\":\"f1\",\"occurred_at\":4,\"partner_id\":"
            "\"globex\",\"decision\":\"SELECTED\",\"decided_by\":"
            "\"PARTNER\"}\n";
        const char *args[] = {"replay", "--input", "-", "--quiet", NULL};
        char        path[64];
        FILE       *f;
        size_t      i;
        run_t       r;

        (void)state;
        temp_path(path, sizeof(path), "in");
        f = fopen(path, "wb");
        assert_non_null(f);
        fputs(first, f);
        for (i = 0; i < 1024 * 1024 + 1; i++)
                fputc('x', f);
        fputs(rest, f);
        fclose(f);
        r = run(path, args);
        unlink(path);
        assert_int_equal(r.status, 1);
        assert_true(starts_with(r.err, "line 2: longer than the limit of "
                                       "1048576 bytes\n"));
        assert_non_null(strstr(r.err, "msg=\"unreadable input\""));
        assert_null(strstr(r.out, "\"type\":\"badge-granted\""));
        run_free(&r);
}

static void test_broken_rules(void **state) {
        const char *args[] = {"replay",
                              "--rules",
                              "data/replay/rules-broken",
                              "--input",
                              "data/replay/story.jsonl",
                              NULL};
        run_t       r      = run(NULL, args);

        (void)state;
        assert_int_equal(r.status, 1);
        assert_string_equal(r.out, "");
        assert_true(
            starts_with(r.err, "data/replay/rules-broken/acme.yaml:3:1: "));
        run_free(&r);
}

static void test_missing_input(void **state) {
        const char *args[] = {"replay", "--input", "data/replay/absent.jsonl",
                              NULL};
        run_t       r      = run(NULL, args);

        (void)state;
        assert_int_equal(r.status, 1);
        assert_string_equal(r.out, "");
        assert_string_equal(r.err,
                            "level=error cmd=replay msg=\"cannot open input\" "
                            "input=data/replay/absent.jsonl error=\"No such "
                            "file or directory\"\n");
        run_free(&r);
}

/* A failed write stops the run: nothing is lost silently. */
static void test_write_error(void **state) {
        const char *args[] = {
            "replay",  "--rules", RULES, "--input", "data/replay/story.jsonl",
            "--quiet", NULL};
        run_t r = run_to(NULL, "/dev/full", args);

        (void)state;
        assert_int_equal(r.status, 1);
        assert_string_equal(r.err,
                            "level=error cmd=replay msg=\"cannot write "
                            "output\" error=\"No space left on device\"\n");
        run_free(&r);
}

typedef struct usage_case_s {
        const char *args[6];
        int         status;
        const char *out_prefix; /* stdout starts with it */
        const char *err_has;    /* stderr contains it */
} usage_case_t;

static const usage_case_t usage_cases[] = {
    {{NULL}, 2, "", "usage: badgeproc COMMAND"},
    {{"--help"}, 0, "usage: badgeproc COMMAND", ""},
    {{"help"}, 0, "usage: badgeproc COMMAND", ""},
    {{"--version"}, 0, "badgeproc 0.1.0\n", ""},
    {{"frobnicate"}, 2, "", "badgeproc: unknown command \"frobnicate\""},
    {{"help", "replay"}, 0, "usage: badgeproc replay [--rules DIR]", ""},
    {{"replay", "--help"}, 0, "usage: badgeproc replay [--rules DIR]", ""},
    {{"replay"}, 2, "", "replay: --input is required"},
    {{"replay", "--input", "-", "extra"}, 2, "", "unexpected argument"},
    {{"replay", "--frob"}, 2, "", "usage: badgeproc replay"},
};

static void test_usage(void **state) {
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++) {
                const usage_case_t *c = &usage_cases[i];
                run_t               r = run(NULL, c->args);

                if (r.status != c->status ||
                    !starts_with(r.out, c->out_prefix) ||
                    !strstr(r.err, c->err_has))
                        fail_msg("case %zu: status %d\n--- stdout\n%s--- "
                                 "stderr\n%s",
                                 i, r.status, r.out, r.err);
                run_free(&r);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_story),
            cmocka_unit_test(test_story_logs),
            cmocka_unit_test(test_stdin),
            cmocka_unit_test(test_malformed),
            cmocka_unit_test(test_long_line),
            cmocka_unit_test(test_broken_rules),
            cmocka_unit_test(test_missing_input),
            cmocka_unit_test(test_write_error),
            cmocka_unit_test(test_usage),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
