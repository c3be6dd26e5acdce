/*
 * bp_rules.h - the qualification rules in force.
 *
 * Rules come from a directory of YAML files (EVENTS.md, "Rules files"):
 * platform.yaml for the platform table and one <partner_id>.yaml per
 * partner for its additional requirements. A bp_rules_t is immutable once
 * loaded: a reload builds a new one and swaps it in whole, so rules are
 * never half-applied.
 *
 * The struct is public so that the evaluator and the explain tool can
 * read it; only the loader and tests build one.
 */
#ifndef BP_RULES_H
#define BP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bp_error.h"
#include "bp_types.h"

/** The platform table of DOMAIN.md, with its defaults. */
typedef struct bp_platform_rules_s {
        int32_t      min_job_success_score;           /* 80 */
        int32_t      min_profile_completeness;        /* 100 */
        int32_t      min_profile_completeness_elance; /* 90 */
        bp_english_t min_english_level;               /* FLUENT */
        bool         require_public_profile;          /* true */
        bool         require_active_account;          /* true */
} bp_platform_rules_t;

typedef enum bp_requirement_type_e {
        BP_REQ_CERTIFICATION = 0,
        BP_REQ_CONTRACTS,
        BP_REQ_JOB_SUCCESS_SCORE
} bp_requirement_type_t;

typedef struct bp_requirement_s {
        bp_requirement_type_t type;
        union {
                struct {
                        char **any_of; /* at least one id */
                        size_t any_of_cnt;
                } certification;
                struct {
                        char   *skill;
                        int32_t min; /* >= 0 */
                        bool    has_min_feedback;
                        double  min_feedback; /* 1.0..5.0 */
                } contracts;
                struct {
                        int32_t min; /* 0..100 */
                } job_success_score;
        } u;
} bp_requirement_t;

/** Most requirements one partner file may list. */
#define BP_RULES_REQ_MAX 32

typedef struct bp_partner_rules_s {
        char             *partner_id;
        char             *badge_id; /* default "<partner_id>-expert" */
        bool              new_freelancer_exception; /* default true */
        bp_requirement_t *requirements;
        size_t            requirement_cnt;
} bp_partner_rules_t;

/** Length of bp_rules_t.version including the NUL. */
#define BP_RULES_VERSION_SIZE 24

typedef struct bp_rules_s {
        bp_platform_rules_t platform;
        bp_partner_rules_t *partners; /* sorted by partner_id */
        size_t              partner_cnt;
        /* "r-" and 16 hex digits of the SHA-256 of the canonical form of
         * the rules, so comments and formatting do not change it. */
        char version[BP_RULES_VERSION_SIZE];
} bp_rules_t;

/** Fills p with DOMAIN.md's platform defaults. */
void bp_platform_rules_defaults(bp_platform_rules_t *p);

/**
 * Returns rules with the platform defaults and no partner files (version
 * computed). NULL on ENOMEM. Used by tests and when no directory is given.
 */
bp_rules_t *bp_rules_new_default(void);

/**
 * Loads every *.yaml file of dir (hidden files, whose names start with a
 * dot, and files of other extensions are not read). platform.yaml is
 * optional; each other file is <partner_id>.yaml and its partner_id key,
 * when present, must match the file name. Unknown keys, wrong types and
 * bad values are errors, and so are: a *.yml file (refused rather than
 * skipped), a directory without any rules file, and a badge_id that two
 * partners publish (explicitly or as the default "<partner_id>-expert";
 * the message names both files).
 *
 * Returns the rules, or NULL with errstr set to "file:line:column:
 * message" (line and column 1-based, as editors count).
 */
bp_rules_t *bp_rules_load_dir(const char *dir, char *errstr,
                              size_t errstr_size);

/** Frees rules. NULL is a no-op. */
void bp_rules_destroy(bp_rules_t *rules);

/** The rules of partner_id, or NULL when it has no file. */
const bp_partner_rules_t *bp_rules_partner(const bp_rules_t *rules,
                                           const char       *partner_id);

/**
 * Recomputes rules->version from its content. Loaders call it last;
 * tests that build rules by hand call it too.
 */
void bp_rules_compute_version(bp_rules_t *rules);

#endif
