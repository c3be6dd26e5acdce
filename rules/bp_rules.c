/*
 * bp_rules.c - the rules in force: defaults, lookup, lifetime and digest.
 *
 * The loader (bp_rules_load.c) builds a bp_rules_t; this file owns what is
 * true of every bp_rules_t however it was built. The version digest is
 * computed over a canonical serialisation of the effective rules, not over
 * the files, so that comments, whitespace and key order never change it
 * while any value does, defaults included: a file that spells out a default
 * and one that leaves it out give the same version.
 *
 * Canonical form (all integers big-endian, fed to SHA-256 in this order):
 *   "bp-rules-v1" and a NUL;
 *   the platform table in struct order, ints as 4 bytes, the english level
 *   as 4 bytes, booleans as one byte 0 or 1;
 *   the partner count as 4 bytes, then each partner in array order (which
 *   is sorted by partner_id): partner_id, badge_id, the exception flag,
 *   the requirement count, then each requirement in file order as its type
 *   (4 bytes) and its fields.
 * Strings are a 4-byte length and the bytes (a NULL string is the length
 * 0xffffffff), doubles are the 8 bytes of their IEEE 754 representation.
 * Length prefixes keep ("ab","c") and ("a","bc") apart.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_rules.h"
#include "bp_sha256.h"

void bp_platform_rules_defaults(bp_platform_rules_t *p) {
        p->min_job_success_score           = 80;
        p->min_profile_completeness        = 100;
        p->min_profile_completeness_elance = 90;
        p->min_english_level               = BP_ENGLISH_FLUENT;
        p->require_public_profile          = true;
        p->require_active_account          = true;
}

bp_rules_t *bp_rules_new_default(void) {
        bp_rules_t *rules = calloc(1, sizeof(*rules));

        if (!rules)
                return NULL;
        bp_platform_rules_defaults(&rules->platform);
        bp_rules_compute_version(rules);
        return rules;
}

static void bp_requirement_free(bp_requirement_t *req) {
        size_t i;

        switch (req->type) {
        case BP_REQ_CERTIFICATION:
                for (i = 0; i < req->u.certification.any_of_cnt; i++)
                        free(req->u.certification.any_of[i]);
                free(req->u.certification.any_of);
                break;
        case BP_REQ_CONTRACTS:
                free(req->u.contracts.skill);
                break;
        case BP_REQ_JOB_SUCCESS_SCORE:
                break;
        }
}

void bp_rules_destroy(bp_rules_t *rules) {
        size_t i, j;

        if (!rules)
                return;
        for (i = 0; i < rules->partner_cnt; i++) {
                bp_partner_rules_t *partner = &rules->partners[i];
                for (j = 0; j < partner->requirement_cnt; j++)
                        bp_requirement_free(&partner->requirements[j]);
                free(partner->requirements);
                free(partner->partner_id);
                free(partner->badge_id);
        }
        free(rules->partners);
        free(rules);
}

static int bp_partner_cmp(const void *key, const void *elem) {
        const bp_partner_rules_t *partner = elem;
        return strcmp((const char *)key, partner->partner_id);
}

const bp_partner_rules_t *bp_rules_partner(const bp_rules_t *rules,
                                           const char       *partner_id) {
        if (!rules || !partner_id || rules->partner_cnt == 0)
                return NULL;
        return bsearch(partner_id, rules->partners, rules->partner_cnt,
                       sizeof(*rules->partners), bp_partner_cmp);
}

static void bp_digest_u32(bp_sha256_t *h, uint32_t v) {
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
                        (uint8_t)(v >> 8), (uint8_t)v};
        bp_sha256_update(h, b, sizeof(b));
}

static void bp_digest_bool(bp_sha256_t *h, bool v) {
        uint8_t b = v ? 1 : 0;
        bp_sha256_update(h, &b, 1);
}

static void bp_digest_str(bp_sha256_t *h, const char *s) {
        size_t len;

        if (!s) {
                bp_digest_u32(h, UINT32_MAX);
                return;
        }
        /* Ids are at most BP_ID_MAX bytes, far below the 4-byte limit. */
        len = strlen(s);
        bp_digest_u32(h, (uint32_t)len);
        bp_sha256_update(h, s, len);
}

static void bp_digest_double(bp_sha256_t *h, double v) {
        uint64_t bits;

        memcpy(&bits, &v, sizeof(bits));
        bp_digest_u32(h, (uint32_t)(bits >> 32));
        bp_digest_u32(h, (uint32_t)bits);
}

static void bp_digest_requirement(bp_sha256_t *h, const bp_requirement_t *req) {
        size_t i;

        bp_digest_u32(h, (uint32_t)req->type);
        switch (req->type) {
        case BP_REQ_CERTIFICATION:
                bp_digest_u32(h, (uint32_t)req->u.certification.any_of_cnt);
                for (i = 0; i < req->u.certification.any_of_cnt; i++)
                        bp_digest_str(h, req->u.certification.any_of[i]);
                break;
        case BP_REQ_CONTRACTS:
                bp_digest_str(h, req->u.contracts.skill);
                bp_digest_u32(h, (uint32_t)req->u.contracts.min);
                bp_digest_bool(h, req->u.contracts.has_min_feedback);
                /* Without the flag the value is meaningless: leave it out
                 * so that stray values in hand-built rules do not count. */
                if (req->u.contracts.has_min_feedback)
                        bp_digest_double(h, req->u.contracts.min_feedback);
                break;
        case BP_REQ_JOB_SUCCESS_SCORE:
                bp_digest_u32(h, (uint32_t)req->u.job_success_score.min);
                break;
        }
}

static void bp_digest_platform(bp_sha256_t *h, const bp_platform_rules_t *p) {
        bp_digest_u32(h, (uint32_t)p->min_job_success_score);
        bp_digest_u32(h, (uint32_t)p->min_profile_completeness);
        bp_digest_u32(h, (uint32_t)p->min_profile_completeness_elance);
        bp_digest_u32(h, (uint32_t)p->min_english_level);
        bp_digest_bool(h, p->require_public_profile);
        bp_digest_bool(h, p->require_active_account);
}

void bp_rules_compute_version(bp_rules_t *rules) {
        static const char tag[] = "bp-rules-v1";
        bp_sha256_t       h;
        uint8_t           digest[32];
        size_t            i, j;

        bp_sha256_init(&h);
        bp_sha256_update(&h, tag, sizeof(tag)); /* with its NUL */
        bp_digest_platform(&h, &rules->platform);
        bp_digest_u32(&h, (uint32_t)rules->partner_cnt);
        for (i = 0; i < rules->partner_cnt; i++) {
                const bp_partner_rules_t *partner = &rules->partners[i];
                bp_digest_str(&h, partner->partner_id);
                bp_digest_str(&h, partner->badge_id);
                bp_digest_bool(&h, partner->new_freelancer_exception);
                bp_digest_u32(&h, (uint32_t)partner->requirement_cnt);
                for (j = 0; j < partner->requirement_cnt; j++)
                        bp_digest_requirement(&h, &partner->requirements[j]);
        }
        bp_sha256_final(&h, digest);

        /* 8 bytes = 16 hex digits: collisions between two rule sets an
         * operator deploys are not a practical concern at 64 bits. */
        memcpy(rules->version, "r-", 2);
        bp_hex(digest, 8, rules->version + 2);
}
