/*
 * test_rules_load.c - the rules loader and the rules version digest.
 *
 * Fixtures live in data/rules/<case>/ (the tests run from tests/). Valid
 * cases check every loaded value against the file; error cases check the
 * whole message, "file:line:column: message", so that a position that
 * drifts by one is a failure, not "an error". The digest is checked both
 * ways: files that differ only in comments, layout, key order and spelt-out
 * defaults give one version, and changing any single value gives another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bp_rules.h"

#define FIXTURES "data/rules/"

static bp_rules_t *load_ok(const char *name) {
        char        dir[256], errstr[512] = "";
        bp_rules_t *rules;

        snprintf(dir, sizeof(dir), FIXTURES "%s", name);
        rules = bp_rules_load_dir(dir, errstr, sizeof(errstr));
        if (!rules)
                fail_msg("%s: %s", dir, errstr);
        return rules;
}

/* --- valid files ---------------------------------------------------------- */

static void assert_version_format(const bp_rules_t *rules) {
        size_t i;

        assert_int_equal(strlen(rules->version), 18);
        assert_memory_equal(rules->version, "r-", 2);
        for (i = 2; i < 18; i++)
                assert_non_null(strchr("0123456789abcdef", rules->version[i]));
}

static void assert_default_platform(const bp_platform_rules_t *p) {
        assert_int_equal(p->min_job_success_score, 80);
        assert_int_equal(p->min_profile_completeness, 100);
        assert_int_equal(p->min_profile_completeness_elance, 90);
        assert_int_equal(p->min_english_level, BP_ENGLISH_FLUENT);
        assert_true(p->require_public_profile);
        assert_true(p->require_active_account);
}

/* EVENTS.md's example, file for file. */
static void test_example(void **state) {
        bp_rules_t               *rules = load_ok("example");
        const bp_partner_rules_t *acme;
        const bp_requirement_t   *req;

        (void)state;
        assert_default_platform(&rules->platform);
        assert_int_equal(rules->partner_cnt, 1);
        acme = bp_rules_partner(rules, "acme");
        assert_ptr_equal(acme, &rules->partners[0]);
        assert_string_equal(acme->partner_id, "acme");
        assert_string_equal(acme->badge_id, "acme-expert");
        assert_true(acme->new_freelancer_exception);
        assert_int_equal(acme->requirement_cnt, 3);

        req = &acme->requirements[0];
        assert_int_equal(req->type, BP_REQ_CERTIFICATION);
        assert_int_equal(req->u.certification.any_of_cnt, 2);
        assert_string_equal(req->u.certification.any_of[0], "acme-admin");
        assert_string_equal(req->u.certification.any_of[1], "acme-developer");

        req = &acme->requirements[1];
        assert_int_equal(req->type, BP_REQ_CONTRACTS);
        assert_string_equal(req->u.contracts.skill, "acme-crm");
        assert_int_equal(req->u.contracts.min, 3);
        assert_true(req->u.contracts.has_min_feedback);
        assert_true(req->u.contracts.min_feedback == 4.5);

        req = &acme->requirements[2];
        assert_int_equal(req->type, BP_REQ_JOB_SUCCESS_SCORE);
        assert_int_equal(req->u.job_success_score.min, 90);

        assert_version_format(rules);
        bp_rules_destroy(rules);
}

/* Bounds of every range, and quoted ids that would otherwise read as
 * numbers or booleans. */
static void assert_custom_initech(const bp_partner_rules_t *p) {
        const bp_requirement_t *req;

        assert_non_null(p);
        assert_string_equal(p->badge_id, "initech-expert");
        assert_int_equal(p->requirement_cnt, 4);
        req = &p->requirements[0];
        assert_string_equal(req->u.contracts.skill, "initech-erp");
        assert_int_equal(req->u.contracts.min, 0);
        assert_true(req->u.contracts.has_min_feedback);
        assert_true(req->u.contracts.min_feedback == 5.0);
        assert_int_equal(p->requirements[1].u.job_success_score.min, 100);
        req = &p->requirements[2];
        assert_int_equal(req->type, BP_REQ_CERTIFICATION);
        assert_int_equal(req->u.certification.any_of_cnt, 3);
        assert_string_equal(req->u.certification.any_of[0], "123");
        assert_string_equal(req->u.certification.any_of[1], "4.5");
        assert_string_equal(req->u.certification.any_of[2], "true-ish");
        req = &p->requirements[3];
        assert_int_equal(req->u.contracts.min, 1000000);
        assert_true(req->u.contracts.min_feedback == 1.0);
}

/* Every platform value away from its default, and partner defaults
 * overridden. */
static void test_custom_values(void **state) {
        bp_rules_t               *rules = load_ok("custom");
        const bp_partner_rules_t *globex;

        (void)state;
        assert_int_equal(rules->platform.min_job_success_score, 70);
        assert_int_equal(rules->platform.min_profile_completeness, 95);
        assert_int_equal(rules->platform.min_profile_completeness_elance, 85);
        assert_int_equal(rules->platform.min_english_level,
                         BP_ENGLISH_CONVERSATIONAL);
        assert_false(rules->platform.require_public_profile);
        assert_false(rules->platform.require_active_account);
        assert_int_equal(rules->partner_cnt, 2);
        globex = bp_rules_partner(rules, "globex");
        assert_non_null(globex);
        assert_string_equal(globex->badge_id, "globex-cloud-pro");
        assert_false(globex->new_freelancer_exception);
        assert_int_equal(globex->requirement_cnt, 0);
        assert_custom_initech(bp_rules_partner(rules, "initech"));
        bp_rules_destroy(rules);
}

/* Empty files, comment-only files and a bare "---" mean all defaults. */
static void test_empty_files(void **state) {
        static const char *const ids[] = {"acme", "initech"};
        bp_rules_t              *rules = load_ok("empty_files");
        size_t                   i;

        (void)state;
        assert_default_platform(&rules->platform);
        assert_int_equal(rules->partner_cnt, 2);
        for (i = 0; i < 2; i++) {
                const bp_partner_rules_t *p = &rules->partners[i];
                char                      badge[64];

                snprintf(badge, sizeof(badge), "%s-expert", ids[i]);
                assert_string_equal(p->partner_id, ids[i]);
                assert_string_equal(p->badge_id, badge);
                assert_true(p->new_freelancer_exception);
                assert_int_equal(p->requirement_cnt, 0);
                assert_null(p->requirements);
        }
        bp_rules_destroy(rules);
}

/* A comment-only platform.yaml and no partner file (hidden and non-rules
 * files are not read): the same rules, and the same version, as
 * bp_rules_new_default(). */
static void test_absent_files(void **state) {
        bp_rules_t *rules = load_ok("defaults");
        bp_rules_t *dflt  = bp_rules_new_default();

        (void)state;
        assert_non_null(dflt);
        assert_default_platform(&dflt->platform);
        assert_int_equal(dflt->partner_cnt, 0);
        assert_default_platform(&rules->platform);
        assert_int_equal(rules->partner_cnt, 0);
        assert_null(bp_rules_partner(rules, "acme"));
        assert_version_format(dflt);
        assert_string_equal(rules->version, dflt->version);
        bp_rules_destroy(rules);
        bp_rules_destroy(dflt);
        bp_rules_destroy(NULL);
}

/* File order ("a-b.yaml" < "a.1.yaml" < "a.yaml" < "zz.yaml" < "Z...")
 * differs from id order; lookup must find every partner anyway. */
static void test_partner_lookup(void **state) {
        static const char *const sorted[] = {"Z",   "a",   "a-b",
                                             "a.1", "b_c", "zz"};
        bp_rules_t              *rules    = load_ok("sorted");
        size_t                   i;

        (void)state;
        assert_int_equal(rules->partner_cnt, 6);
        for (i = 0; i < 6; i++) {
                const bp_partner_rules_t *p =
                    bp_rules_partner(rules, sorted[i]);
                assert_string_equal(rules->partners[i].partner_id, sorted[i]);
                assert_ptr_equal(p, &rules->partners[i]);
                assert_int_equal(p->requirement_cnt, 1);
                assert_int_equal(p->requirements[0].u.job_success_score.min,
                                 85);
        }
        assert_null(bp_rules_partner(rules, "b"));
        assert_null(bp_rules_partner(rules, ""));
        assert_null(bp_rules_partner(rules, "A"));
        assert_null(bp_rules_partner(rules, NULL));
        assert_null(bp_rules_partner(NULL, "a"));
        bp_rules_destroy(rules);
}

/* --- the version digest --------------------------------------------------- */

static void test_version_layout_independent(void **state) {
        bp_rules_t *a = load_ok("example");
        bp_rules_t *b = load_ok("example_reformatted");
        bp_rules_t *c = load_ok("example_changed");

        (void)state;
        assert_string_equal(a->version, b->version);
        assert_string_not_equal(a->version, c->version);
        bp_rules_destroy(a);
        bp_rules_destroy(b);
        bp_rules_destroy(c);
}

/* Changes one value of the platform table; false past the last. */
static bool mutate_platform(bp_platform_rules_t *p, int which) {
        switch (which) {
        case 0:
                p->min_job_success_score++;
                break;
        case 1:
                p->min_profile_completeness--;
                break;
        case 2:
                p->min_profile_completeness_elance++;
                break;
        case 3:
                p->min_english_level = BP_ENGLISH_NATIVE;
                break;
        case 4:
                p->require_public_profile = false;
                break;
        case 5:
                p->require_active_account = false;
                break;
        default:
                return false;
        }
        return true;
}

/* Changes one value of the example's acme rules; false past the last. */
static bool mutate_partner(bp_partner_rules_t *acme, int which) {
        bp_requirement_t *reqs = acme->requirements, tmp;

        switch (which) {
        case 0:
                acme->partner_id[0] = 'b';
                break;
        case 1:
                acme->badge_id[0] = 'b';
                break;
        case 2:
                acme->new_freelancer_exception = false;
                break;
        case 3:
                reqs[0].u.certification.any_of[1][0] = 'b';
                break;
        case 4: /* drop the last id, as if the file listed one */
                free(reqs[0].u.certification.any_of[1]);
                reqs[0].u.certification.any_of_cnt = 1;
                break;
        case 5:
                reqs[1].u.contracts.skill[0] = 'b';
                break;
        case 6:
                reqs[1].u.contracts.min = 4;
                break;
        case 7:
                reqs[1].u.contracts.min_feedback = 4.25;
                break;
        case 8:
                reqs[1].u.contracts.has_min_feedback = false;
                break;
        case 9:
                reqs[2].u.job_success_score.min = 91;
                break;
        case 10: /* drop the last requirement (it owns no memory) */
                acme->requirement_cnt = 2;
                break;
        case 11: /* same requirements, another order */
                tmp     = reqs[0];
                reqs[0] = reqs[2];
                reqs[2] = tmp;
                break;
        default:
                return false;
        }
        return true;
}

/* Mutation number which of the example's rules; false past the last. */
static bool mutate(bp_rules_t *rules, int which) {
        const int platform_cnt = 6;

        if (which < platform_cnt)
                return mutate_platform(&rules->platform, which);
        return mutate_partner(&rules->partners[0], which - platform_cnt);
}

/* Each single change gives a version unlike the original and unlike every
 * other change; no change at all gives the original. */
static void test_version_every_value(void **state) {
        char        versions[32][BP_RULES_VERSION_SIZE];
        bp_rules_t *base = load_ok("example");
        int         n, i;

        (void)state;
        for (n = 0;; n++) {
                bp_rules_t *rules = load_ok("example");
                bool        more  = mutate(rules, n);

                bp_rules_compute_version(rules);
                if (more)
                        memcpy(versions[n], rules->version,
                               BP_RULES_VERSION_SIZE);
                else
                        assert_string_equal(rules->version, base->version);
                bp_rules_destroy(rules);
                if (!more)
                        break;
                assert_string_not_equal(versions[n], base->version);
                for (i = 0; i < n; i++)
                        assert_string_not_equal(versions[n], versions[i]);
        }
        assert_int_equal(n, 18);
        bp_rules_destroy(base);
}

/* --- errors --------------------------------------------------------------- */

/* Each case: a fixture directory and the whole message expected, less the
 * directory prefix that the loader puts before the file name. */
static const struct {
        const char *dir;
        const char *msg;
} error_cases[] = {
    /* unknown, duplicate, missing keys */
    {"err_unknown_key",
     "acme.yaml:4:7: unknown key 'min_fedback' in contracts (expected "
     "skill, min, min_feedback)"},
    {"err_platform_unknown_key",
     "platform.yaml:2:1: unknown key 'min_jss' in platform rules (expected "
     "min_job_success_score, min_profile_completeness, "
     "min_profile_completeness_elance, min_english_level, "
     "require_public_profile, require_active_account)"},
    {"err_duplicate_key",
     "acme.yaml:3:1: duplicate key 'badge_id' in partner rules"},
    {"err_contracts_missing_skill",
     "acme.yaml:2:16: missing key 'skill' in contracts"},
    {"err_contracts_missing_min",
     "acme.yaml:3:7: missing key 'min' in contracts"},
    {"err_jss_missing_min",
     "acme.yaml:2:24: missing key 'min' in job_success_score"},
    {"err_complex_key",
     "acme.yaml:1:3: expected a key in partner rules, got a sequence"},
    /* integers: plain, decimal, in range */
    {"err_int_quoted",
     "platform.yaml:1:24: bad value for 'min_job_success_score': expected "
     "an integer in 0..100, got the quoted string '80'"},
    {"err_int_range",
     "platform.yaml:1:27: bad value for 'min_profile_completeness': "
     "expected an integer in 0..100, got '101'"},
    {"err_int_leading_zero",
     "platform.yaml:1:34: bad value for 'min_profile_completeness_elance': "
     "expected an integer in 0..100, got '090'"},
    {"err_int_float",
     "platform.yaml:1:24: bad value for 'min_job_success_score': expected "
     "an integer in 0..100, got '80.0'"},
    {"err_int_mapping",
     "platform.yaml:1:24: bad value for 'min_job_success_score': expected "
     "an integer in 0..100, got a mapping"},
    {"err_contracts_min_negative",
     "acme.yaml:2:40: bad value for 'min': expected an integer in "
     "0..1000000, got '-1'"},
    {"err_contracts_min_huge",
     "acme.yaml:2:40: bad value for 'min': expected an integer in "
     "0..1000000, got '99999999999'"},
    {"err_jss_range",
     "acme.yaml:2:31: bad value for 'min': expected an integer in 0..100, "
     "got '101'"},
    /* numbers, booleans, enums */
    {"err_min_feedback_range",
     "acme.yaml:2:57: bad value for 'min_feedback': expected a number in "
     "1.0..5.0, got '5.5'"},
    {"err_min_feedback_exp",
     "acme.yaml:2:57: bad value for 'min_feedback': expected a number in "
     "1.0..5.0, got '45e-1'"},
    {"err_bool",
     "platform.yaml:1:25: bad value for 'require_public_profile': expected "
     "true or false, got 'yes'"},
    {"err_english",
     "platform.yaml:1:20: bad value for 'min_english_level': expected one "
     "of NONE, BASIC, CONVERSATIONAL, FLUENT, NATIVE, got 'fluent'"},
    /* ids */
    {"err_partner_id_mismatch",
     "acme.yaml:1:13: partner_id 'globex' does not match the file name "
     "(expected 'acme')"},
    {"err_partner_id_charset",
     "acme.yaml:1:13: bad value for 'partner_id': expected an id of 1..256 "
     "characters A-Z a-z 0-9 . _ -, got the quoted string 'acme corp'"},
    {"err_file_name",
     "acme+corp.yaml:1:1: the file name is not a partner id (characters "
     "A-Z a-z 0-9 . _ -)"},
    {"err_badge_id_int",
     "acme.yaml:1:11: bad value for 'badge_id': expected a string, got the "
     "integer 123 (quote it)"},
    {"err_badge_id_empty",
     "acme.yaml:1:10: bad value for 'badge_id': expected a string of "
     "1..256 bytes without control characters, got nothing"},
    {"err_badge_id_control",
     "acme.yaml:1:11: bad value for 'badge_id': expected a string of "
     "1..256 bytes without control characters, got the quoted string "
     "'acme?expert'"},
    {"err_badge_id_nul",
     "acme.yaml:1:11: bad value for 'badge_id': expected a string of "
     "1..256 bytes without control characters, got the quoted string "
     "'acme?expert'"},
    {"err_badge_id_long",
     "acme.yaml:1:11: bad value for 'badge_id': expected a string of "
     "1..256 bytes without control characters, got "
     "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"},
    /* requirements */
    {"err_requirements_kind",
     "acme.yaml:2:3: bad value for 'requirements': expected a sequence of "
     "requirements, got a mapping"},
    {"err_requirements_null",
     "acme.yaml:1:14: bad value for 'requirements': expected a sequence of "
     "requirements, got nothing"},
    {"err_requirement_type",
     "acme.yaml:2:5: unknown key 'portfolio' in requirement (expected "
     "certification, contracts, job_success_score)"},
    {"err_requirement_two_keys",
     "acme.yaml:3:5: a requirement has exactly one key; start a new list "
     "item after 'certification'"},
    {"err_requirement_empty",
     "acme.yaml:2:5: empty requirement (expected one of certification, "
     "contracts, job_success_score)"},
    {"err_requirement_scalar",
     "acme.yaml:2:5: bad value for 'requirements': expected a mapping with "
     "one key (certification, contracts or job_success_score), got "
     "'certification'"},
    {"err_any_of_empty",
     "acme.yaml:2:30: bad value for 'any_of': expected a non-empty list of "
     "certification ids, got an empty list"},
    {"err_any_of_scalar",
     "acme.yaml:2:30: bad value for 'any_of': expected a non-empty list of "
     "certification ids, got 'acme-admin'"},
    {"err_too_many_requirements",
     "acme.yaml:34:5: too many requirements (at most 32)"},
    /* YAML features the rules refuse, and YAML that does not parse */
    {"err_anchor", "acme.yaml:1:11: anchors are not allowed in rules files"},
    {"err_alias", "acme.yaml:3:5: aliases are not allowed in rules files"},
    {"err_billion_laughs",
     "acme.yaml:1:15: anchors are not allowed in rules files"},
    {"err_tag", "acme.yaml:2:31: tags are not allowed in rules files"},
    {"err_two_documents",
     "acme.yaml:2:1: a rules file holds one document; found a second one"},
    {"err_root_sequence",
     "acme.yaml:1:1: bad top level: expected a mapping, got a sequence"},
    {"err_root_scalar",
     "platform.yaml:1:1: bad top level: expected a mapping, got 'strict'"},
    {"err_syntax",
     "acme.yaml:3:1: invalid YAML: did not find expected node content "
     "(while parsing a flow node)"},
    {"err_indent",
     "acme.yaml:2:27: invalid YAML: mapping values are not allowed in this "
     "context"},
    {"err_utf8",
     "acme.yaml:2:6: invalid input: incomplete UTF-8 octet sequence"},
    /* files */
    {"err_not_regular", "sub.yaml:1:1: not a regular file"},
    {"err_yml",
     "acme.yml:1:1: rules files end in .yaml, and a .yml file is not read: "
     "rename it to acme.yaml (or remove it)"},
    /* The first file in name order reports, after valid ones were read. */
    {"err_first_file", "a.yaml:2:1: duplicate key 'badge_id' in partner rules"},
};

static void test_errors(void **state) {
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
                char        dir[128], want[512], errstr[512] = "";
                bp_rules_t *rules;

                snprintf(dir, sizeof(dir), FIXTURES "%s", error_cases[i].dir);
                snprintf(want, sizeof(want), "%s/%s", dir, error_cases[i].msg);
                rules = bp_rules_load_dir(dir, errstr, sizeof(errstr));
                if (rules || strcmp(errstr, want) != 0)
                        fail_msg("case %s:\n  want: %s\n  got:  %s",
                                 error_cases[i].dir, want,
                                 rules ? "(loaded)" : errstr);
        }
}

static void test_missing_dir(void **state) {
        char errstr[256];

        (void)state;
        assert_null(
            bp_rules_load_dir(FIXTURES "no_such_dir", errstr, sizeof(errstr)));
        assert_string_equal(errstr, FIXTURES "no_such_dir: cannot open the "
                                             "rules directory: No such file "
                                             "or directory");
        /* A trailing slash is not doubled in file names. */
        assert_null(
            bp_rules_load_dir(FIXTURES "err_anchor/", errstr, sizeof(errstr)));
        assert_string_equal(errstr, FIXTURES "err_anchor/acme.yaml:1:11: "
                                             "anchors are not allowed in "
                                             "rules files");
}

/* Errors of the directory as a whole: the message names it (or both
 * files of a duplicate badge), whatever the order readdir() gives. */
static void expect_dir_error(const char *dir, const char *want) {
        char errstr[512];

        assert_null(bp_rules_load_dir(dir, errstr, sizeof(errstr)));
        assert_string_equal(errstr, want);
}

#define NO_RULES_FILE                                                     \
        ": no rules file in the rules directory (expected platform.yaml " \
        "and/or <partner_id>.yaml files)"

static void test_directory_errors(void **state) {
        static const struct {
                const char *dir, *file, *badge, *other;
        } twice[] = {
            {"err_badge_id_twice", "globex", "cloud-expert", "acme"},
            /* acme has no badge_id: its default is acme-expert. */
            {"err_badge_id_default", "initech", "acme-expert", "acme"},
        };
        const char *tmp = getenv("TMPDIR");
        char        dir[256], want[1024];
        size_t      i;

        (void)state;
        for (i = 0; i < sizeof(twice) / sizeof(*twice); i++) {
                snprintf(dir, sizeof(dir), FIXTURES "%s", twice[i].dir);
                snprintf(want, sizeof(want),
                         "%s/%s.yaml:1:1: badge_id '%s' is also the badge of "
                         "partner '%s' (%s/%s.yaml); a badge belongs to one "
                         "partner",
                         dir, twice[i].file, twice[i].badge, twice[i].other,
                         dir, twice[i].other);
                expect_dir_error(dir, want);
        }
        /* Hidden and non-rules files only. */
        expect_dir_error(FIXTURES "err_no_rules_file",
                         FIXTURES "err_no_rules_file" NO_RULES_FILE);
        /* Truly empty (git keeps no empty directory: made here). */
        snprintf(dir, sizeof(dir), "%s/bp_rules_XXXXXX", tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(dir));
        snprintf(want, sizeof(want), "%s" NO_RULES_FILE, dir);
        expect_dir_error(dir, want);
        assert_int_equal(rmdir(dir), 0);
}

/* A short or missing errstr truncates the message, nothing more. */
static void test_errstr_buffers(void **state) {
        char errstr[8];

        (void)state;
        memset(errstr, 'x', sizeof(errstr));
        assert_null(
            bp_rules_load_dir(FIXTURES "err_anchor", errstr, sizeof(errstr)));
        assert_string_equal(errstr, "data/ru");
        assert_null(bp_rules_load_dir(FIXTURES "err_anchor", NULL, 0));
        assert_null(bp_rules_load_dir(FIXTURES "no_such_dir", NULL, 0));
        assert_null(bp_rules_load_dir(NULL, NULL, 0));
}

/* Writes a comment-only platform.yaml of size bytes in a new directory. */
static void write_sized_file(const char *dir, size_t size) {
        char   path[256];
        FILE  *f;
        size_t i;

        snprintf(path, sizeof(path), "%s/platform.yaml", dir);
        f = fopen(path, "wb");
        assert_non_null(f);
        for (i = 0; i < size; i++)
                fputc(i % 64 == 63 ? '\n' : (i % 64 == 0 ? '#' : 'x'), f);
        assert_int_equal(fclose(f), 0);
}

/* Exactly 1 MiB is read, one byte more is refused. Built at run time so
 * that the repository holds no megabyte fixture. */
static void test_file_size_limit(void **state) {
        const char *tmp = getenv("TMPDIR");
        char        dir[256], path[300], want[360], errstr[512];
        bp_rules_t *rules;

        (void)state;
        snprintf(dir, sizeof(dir), "%s/bp_rules_XXXXXX", tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/platform.yaml", dir);

        write_sized_file(dir, 1024 * 1024);
        rules = bp_rules_load_dir(dir, errstr, sizeof(errstr));
        assert_non_null(rules);
        assert_default_platform(&rules->platform);
        bp_rules_destroy(rules);

        write_sized_file(dir, 1024 * 1024 + 1);
        assert_null(bp_rules_load_dir(dir, errstr, sizeof(errstr)));
        snprintf(want, sizeof(want), "%s:1:1: file is larger than 1 MiB", path);
        assert_string_equal(errstr, want);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_example),
            cmocka_unit_test(test_custom_values),
            cmocka_unit_test(test_empty_files),
            cmocka_unit_test(test_absent_files),
            cmocka_unit_test(test_partner_lookup),
            cmocka_unit_test(test_version_layout_independent),
            cmocka_unit_test(test_version_every_value),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_missing_dir),
            cmocka_unit_test(test_directory_errors),
            cmocka_unit_test(test_errstr_buffers),
            cmocka_unit_test(test_file_size_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
