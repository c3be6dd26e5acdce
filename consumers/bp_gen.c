/*
 * bp_gen.c - seeded event streams (see bp_gen.h).
 *
 * Each freelancer has a small hidden "persona" drawn from the seed (how
 * good their profile tends to be, which skills they work in), so that the
 * stream has the mix of the real thing: most freelancers qualify most of
 * the time, some hover around a threshold and flip, a few never qualify.
 * The random source is xorshift64*, chosen because it is tiny, fast and
 * identical on every platform.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bp_gen.h"

static const char *const partner_names[BP_GEN_PARTNERS_MAX] = {
    "acme",     "globex", "hooli", "initech",
    "umbrella", "stark",  "wayne", "wonka"};

/* The skill each partner's contracts requirement looks for. */
static const char *const partner_skills[BP_GEN_PARTNERS_MAX] = {
    "acme-crm",     "globex-cloud", "hooli-search", "initech-tps",
    "umbrella-bio", "stark-ai",     "wayne-sec",    "wonka-ops"};

typedef struct persona_s {
        int64_t  profile_version;
        uint32_t contracts;
        uint8_t  quality; /* 0..99: higher qualifies more often */
        uint8_t  home_partner;
        uint8_t  signup_partner; /* 0xff: none */
} persona_t;

struct bp_gen_s {
        bp_gen_conf_t   conf;
        uint64_t        rng;
        uint64_t        seq;
        int64_t         now;
        persona_t      *personas;
        char            event_id[32];
        char            freelancer_id[24];
        char            other_id[32];
        char            cert_ids[2][32];
        const char     *skills[2];
        bp_event_cert_t certs[2];
};

static uint64_t rnd(bp_gen_t *g) {
        g->rng ^= g->rng >> 12;
        g->rng ^= g->rng << 25;
        g->rng ^= g->rng >> 27;
        return g->rng * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n). n is small, so the modulo bias is negligible. */
static uint32_t below(bp_gen_t *g, uint32_t n) {
        return (uint32_t)(rnd(g) >> 32) % n;
}

void bp_gen_conf_defaults(bp_gen_conf_t *conf) {
        conf->seed        = 1;
        conf->freelancers = 1000;
        conf->partners    = 5;
        conf->start_ms    = 1767225600000LL; /* 2026-01-01T00:00:00Z */
        conf->step_ms     = 1000;
}

const char *bp_gen_partner_name(uint32_t i) {
        return i < BP_GEN_PARTNERS_MAX ? partner_names[i] : "?";
}

bp_gen_t *bp_gen_new(const bp_gen_conf_t *conf) {
        bp_gen_t *g;
        uint32_t  i;

        if (conf->freelancers == 0 || conf->partners == 0 ||
            conf->partners > BP_GEN_PARTNERS_MAX || conf->step_ms == 0)
                return NULL;
        if (!(g = calloc(1, sizeof(*g))))
                return NULL;
        g->conf     = *conf;
        g->rng      = conf->seed * 0x9E3779B97F4A7C15ULL + 1;
        g->now      = conf->start_ms;
        g->personas = calloc(conf->freelancers, sizeof(*g->personas));
        if (!g->personas) {
                free(g);
                return NULL;
        }
        for (i = 0; i < conf->freelancers; i++) {
                persona_t *p      = &g->personas[i];
                p->quality        = (uint8_t)below(g, 100);
                p->home_partner   = (uint8_t)below(g, conf->partners);
                p->signup_partner = below(g, 10) == 0 ? p->home_partner : 0xff;
        }
        return g;
}

void bp_gen_destroy(bp_gen_t *gen) {
        if (!gen)
                return;
        free(gen->personas);
        free(gen);
}

/* A value around a threshold: quality decides how often it is met. */
static int32_t around(bp_gen_t *g, const persona_t *p, int32_t good,
                      int32_t bad) {
        return (int32_t)below(g, 100) < 40 + p->quality * 6 / 10 ? good : bad;
}

static void gen_profile(bp_gen_t *g, persona_t *p, bp_event_t *ev) {
        bp_profile_updated_t *pu   = &ev->u.profile;
        uint32_t              home = p->home_partner;

        ev->type = BP_EV_PROFILE_UPDATED;
        memset(pu, 0, sizeof(*pu));
        pu->profile_version = ++p->profile_version;
        pu->account_status =
            below(g, 50) == 0 ? BP_ACCOUNT_SUSPENDED : BP_ACCOUNT_ACTIVE;
        pu->profile_completeness =
            around(g, p, 100, 80 + (int32_t)below(g, 20));
        pu->visibility = below(g, 20) == 0 ? BP_VISIBILITY_UPWORK_ONLY
                                           : BP_VISIBILITY_PUBLIC;
        pu->english_level =
            (bp_english_t)around(g, p, BP_ENGLISH_FLUENT + (int32_t)below(g, 2),
                                 BP_ENGLISH_CONVERSATIONAL);
        /* New freelancers from a partner invitation have no JSS at first. */
        if (p->signup_partner != 0xff && p->profile_version <= 2)
                pu->job_success_score = BP_JSS_NONE;
        else
                pu->job_success_score = around(g, p, 85 + (int32_t)below(g, 16),
                                               60 + (int32_t)below(g, 25));
        pu->origin = p->quality % 7 == 0 ? BP_ORIGIN_ELANCE : BP_ORIGIN_NATIVE;
        pu->signup_partner_id =
            p->signup_partner != 0xff ? partner_names[p->signup_partner] : NULL;
        snprintf(g->cert_ids[0], sizeof(g->cert_ids[0]), "%s-certified",
                 partner_names[home]);
        g->certs[0].certification_id = g->cert_ids[0];
        /* Some certifications expire in the near future. */
        g->certs[0].expires_at = below(g, 4) == 0
                                     ? g->now + (int64_t)below(g, 86400) * 1000
                                     : BP_TIME_NONE;
        snprintf(g->cert_ids[1], sizeof(g->cert_ids[1]), "generic-%u",
                 below(g, 5));
        g->certs[1].certification_id = g->cert_ids[1];
        g->certs[1].expires_at       = BP_TIME_NONE;
        pu->certifications           = g->certs;
        pu->certification_cnt        = around(g, p, 2, (int32_t)below(g, 2));
}

static void gen_contract(bp_gen_t *g, persona_t *p, bp_event_t *ev) {
        bp_contract_completed_t *c  = &ev->u.contract;
        uint32_t                 id = p->contracts++;

        ev->type = BP_EV_CONTRACT_COMPLETED;
        /* One contract in 20 is a redelivery of the previous one. */
        if (id > 0 && below(g, 20) == 0)
                id--;
        snprintf(g->other_id, sizeof(g->other_id), "%s-c%u", g->freelancer_id,
                 id);
        c->contract_id        = g->other_id;
        g->skills[0]          = partner_skills[p->home_partner];
        g->skills[1]          = partner_skills[below(g, g->conf.partners)];
        c->skills             = g->skills;
        c->skill_cnt          = 1 + below(g, 2);
        c->has_feedback_score = below(g, 5) != 0;
        c->feedback_score     = (double)around(g, p, 45 + (int32_t)below(g, 6),
                                               30 + (int32_t)below(g, 15)) /
                            10.0;
}

static void gen_partner_event(bp_gen_t *g, persona_t *p, bp_event_t *ev,
                              int invitation) {
        uint32_t partner =
            below(g, 3) == 0 ? below(g, g->conf.partners) : p->home_partner;
        uint32_t r;

        if (invitation) {
                ev->type = BP_EV_INVITATION_SENT;
                snprintf(g->other_id, sizeof(g->other_id), "inv-%llu",
                         (unsigned long long)g->seq);
                ev->u.invitation.invitation_id = g->other_id;
                ev->u.invitation.partner_id    = partner_names[partner];
                return;
        }
        ev->type                  = BP_EV_PARTNER_DECISION;
        ev->u.decision.partner_id = partner_names[partner];
        ev->u.decision.decided_by = BP_DECIDED_BY_PARTNER;
        ev->u.decision.reason     = NULL;
        r                         = below(g, 100);
        if (r < 70) {
                ev->u.decision.decision = BP_DECISION_SELECTED;
        } else if (r < 88) {
                ev->u.decision.decision = BP_DECISION_NOT_SELECTED;
        } else {
                ev->u.decision.decision = BP_DECISION_REMOVED;
                if (r >= 96) {
                        ev->u.decision.decided_by = BP_DECIDED_BY_PLATFORM;
                        ev->u.decision.reason     = "policy review";
                }
        }
}

void bp_gen_next(bp_gen_t *g, bp_event_t *ev) {
        uint32_t   f    = below(g, g->conf.freelancers);
        persona_t *p    = &g->personas[f];
        uint32_t   kind = below(g, 100);

        g->seq++;
        g->now += 1 + below(g, 2 * g->conf.step_ms);
        snprintf(g->event_id, sizeof(g->event_id), "g%llu-%llu",
                 (unsigned long long)g->conf.seed, (unsigned long long)g->seq);
        snprintf(g->freelancer_id, sizeof(g->freelancer_id), "f%07u", f);
        memset(ev, 0, sizeof(*ev));
        ev->event_id      = g->event_id;
        ev->freelancer_id = g->freelancer_id;
        ev->occurred_at   = g->now;
        /* A freelancer's story starts with an invitation or a profile, as
         * real ones do, rather than with a contract or a decision. */
        if (p->profile_version == 0)
                kind = kind < 30 ? 70 : 0;
        if (kind < 35)
                gen_profile(g, p, ev);
        else if (kind < 65)
                gen_contract(g, p, ev);
        else if (kind < 80)
                gen_partner_event(g, p, ev, 1);
        else
                gen_partner_event(g, p, ev, 0);
}
