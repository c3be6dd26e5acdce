/*
 * bp_samples.c - sample records for codec tests (see bp_samples.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bp_samples.h"

static const bp_event_cert_t certs[]  = {{"acme-admin", 1800000000000LL},
                                         {"acme-developer", BP_TIME_NONE}};
static const char *const     skills[] = {"acme-crm", "sql"};

static bp_event_t profile(int bare) {
        bp_event_t ev = {BP_EV_PROFILE_UPDATED, "e-1", "f-1", 1700000000123LL};
        ev.u.profile  = (bp_profile_updated_t){7,
                                               BP_ACCOUNT_SUSPENDED,
                                               95,
                                               BP_VISIBILITY_UPWORK_ONLY,
                                               BP_ENGLISH_NATIVE,
                                              bare ? BP_JSS_NONE : 92,
                                               BP_ORIGIN_ELANCE,
                                              bare ? NULL : "acme",
                                               certs,
                                              bare ? 0 : 2};
        return ev;
}

bp_event_t bp_sample_event(int i) {
        bp_event_t ev = {BP_EV_CONTRACT_COMPLETED, "e-2", "f-1", 1};

        switch (i / 2) {
        case 0:
                return profile(i % 2);
        case 1:
                ev.u.contract = (bp_contract_completed_t){
                    "c-9", skills, i % 2 ? 0 : 2, !(i % 2), 4.75};
                return ev;
        case 2:
                ev.type         = BP_EV_INVITATION_SENT;
                ev.u.invitation = (bp_invitation_sent_t){"i-1", "acme"};
                ev.occurred_at  = i % 2 ? 2 : 3;
                return ev;
        default:
                ev.type       = BP_EV_PARTNER_DECISION;
                ev.u.decision = (bp_partner_decision_t){
                    "acme", i % 2 ? BP_DECISION_SELECTED : BP_DECISION_REMOVED,
                    i % 2 ? BP_DECIDED_BY_PARTNER : BP_DECIDED_BY_PLATFORM,
                    i % 2 ? NULL : "fraud"};
                return ev;
        }
}

bp_badge_event_t bp_sample_badge(bp_badge_kind_t kind) {
        bp_badge_event_t ev = {
            .kind          = kind,
            .event_id      = "b-0123456789abcdef0123456789abcdef",
            .freelancer_id = "f-1",
            .partner_id    = "acme",
            .badge_id      = "acme-expert",
            .occurred_at   = 1700000002000LL,
            .badge_version = 3,
            .basis         = BP_BASIS_NEW_FREELANCER_EXCEPTION,
            .cause         = {"e-3", "partner-decision", 4, 1234567890123LL},
            .rules_version = "r-abc"};
        if (kind == BP_BADGE_REVOKED) {
                ev.basis      = BP_BASIS_STANDARD;
                ev.reason_cnt = 2;
                ev.reasons[0] =
                    (bp_reason_t){BP_REASON_JSS_BELOW_MIN, "79 < 80"};
                ev.reasons[1] = (bp_reason_t){BP_REASON_FEEDBACK_BELOW_MIN, ""};
        }
        return ev;
}

static void sample_profile(bp_profile_t *p) {
        *p = (bp_profile_t){9,
                            1700000000000LL,
                            BP_ACCOUNT_ACTIVE,
                            100,
                            BP_VISIBILITY_PUBLIC,
                            BP_ENGLISH_FLUENT,
                            91,
                            BP_ORIGIN_NATIVE,
                            strdup("acme"),
                            calloc(2, sizeof(bp_cert_t)),
                            2};
        p->certifications[0] =
            (bp_cert_t){strdup("acme-admin"), 1800000000000LL};
        p->certifications[1] = (bp_cert_t){strdup("globex-x"), BP_TIME_NONE};
}

bp_freelancer_t *bp_sample_state(int full) {
        bp_freelancer_t *fl = bp_freelancer_new(full ? "f-1" : "f-2");

        if (!full)
                return fl;
        fl->has_profile = true;
        sample_profile(&fl->profile);
        fl->contract_cnt = fl->contract_cap = 3;
        fl->contract_hashes                 = malloc(3 * sizeof(uint64_t));
        fl->contract_hashes[0]              = 1;
        fl->contract_hashes[1]              = 0x7fffffffffffffffULL;
        fl->contract_hashes[2] = 0xfedcba9876543210ULL; /* > INT64_MAX */
        fl->skill_cnt = fl->skill_cap = 1;
        fl->skills                    = calloc(1, sizeof(*fl->skills));
        fl->skills[0]   = (bp_skill_stat_t){strdup("acme-crm"), 3, 2, 9.5};
        fl->partner_cnt = fl->partner_cap = 2;
        fl->partners                      = calloc(2, sizeof(*fl->partners));
        fl->partners[0] =
            (bp_partner_state_t){.partner_id        = strdup("acme"),
                                 .invited           = true,
                                 .invited_at        = 1600000000000LL,
                                 .decision          = BP_DECISION_SELECTED,
                                 .decided_by        = BP_DECIDED_BY_PARTNER,
                                 .decided_at        = 1600000001000LL,
                                 .decision_event_id = strdup("e-7"),
                                 .decision_reason   = strdup("great"),
                                 .held              = true,
                                 .basis = BP_BASIS_NEW_FREELANCER_EXCEPTION,
                                 .badge_version = 2};
        fl->partners[1] =
            (bp_partner_state_t){.partner_id = strdup("globex"),
                                 .invited_at = BP_TIME_NONE,
                                 .decision   = BP_DECISION_NONE,
                                 .decided_by = BP_DECIDED_BY_PARTNER,
                                 .decided_at = BP_TIME_NONE,
                                 .basis      = BP_BASIS_STANDARD};
        return fl;
}
