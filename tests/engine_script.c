/*
 * engine_script.c - the step language of engine_script.h.
 *
 * Steps are parsed into a bp_event_t whose strings live in the script's
 * arena until the next step, exactly as a real decoder lends them, and the
 * event is checked with bp_event_check() before it is applied, so scripts
 * go through the same gate as production input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bp_arena.h"
#include "bp_engine.h"
#include "engine_script.h"

#define SCRIPT_OUT_SIZE 8192

struct script_s {
        const bp_rules_t *rules;
        bp_freelancer_t  *fl;
        bp_arena_t       *arena;
        bp_badge_events_t events;
        bp_event_t        ev; /* the last event, for "dup" */
        bp_event_cert_t   certs[8];
        const char       *skills[8];
        int64_t           now;
        int64_t           version;
        int               seq;
        char              out[SCRIPT_OUT_SIZE];
};

script_t *script_new(const bp_rules_t *rules, bp_freelancer_t *fl) {
        script_t *s = calloc(1, sizeof(*s));
        assert_non_null(s);
        s->rules = rules;
        s->fl    = fl;
        s->arena = bp_arena_new(1024);
        assert_non_null(s->arena);
        assert_int_equal(bp_badge_events_init(&s->events), BP_OK);
        s->now = 1700000000000LL;
        return s;
}

void script_destroy(script_t *s) {
        if (!s)
                return;
        bp_badge_events_destroy(&s->events);
        bp_arena_destroy(s->arena);
        free(s);
}

const char *script_output(const script_t *s) {
        return s->out;
}

const bp_badge_events_t *script_last_events(const script_t *s) {
        return &s->events;
}

void script_render(const bp_badge_event_t *ev, char *buf, size_t size) {
        size_t used;
        size_t i;
        if (ev->kind == BP_BADGE_GRANTED) {
                snprintf(buf, size, "+%s %s v%lld", ev->partner_id,
                         bp_basis_name(ev->basis),
                         (long long)ev->badge_version);
                return;
        }
        used = (size_t)snprintf(buf, size, "-%s ", ev->partner_id);
        for (i = 0; i < ev->reason_cnt && used < size; i++)
                used += (size_t)snprintf(
                    buf + used, size - used, "%s%s", i ? "," : "",
                    bp_reason_code_name(ev->reasons[i].code));
        if (used < size)
                snprintf(buf + used, size - used, " v%lld",
                         (long long)ev->badge_version);
}

static char *word(char **cursor) {
        char *w;
        while (**cursor == ' ')
                (*cursor)++;
        if (!**cursor)
                return NULL;
        w = *cursor;
        while (**cursor && **cursor != ' ')
                (*cursor)++;
        if (**cursor)
                *(*cursor)++ = '\0';
        return w;
}

static int enum_value(int rc, const char *what, const char *v) {
        if (rc != 0)
                fail_msg("script: bad %s '%s'", what, v);
        return rc;
}

/* One key=value of a "prof" step. */
static void profile_field(script_t *s, bp_profile_updated_t *p, char *kv) {
        char *v = strchr(kv, '=');
        if (!v)
                fail_msg("script: '%s' is not key=value", kv);
        *v++ = '\0';
        if (!strcmp(kv, "v"))
                p->profile_version = atoll(v);
        else if (!strcmp(kv, "jss"))
                p->job_success_score =
                    !strcmp(v, "null") ? BP_JSS_NONE : atoi(v);
        else if (!strcmp(kv, "comp"))
                p->profile_completeness = atoi(v);
        else if (!strcmp(kv, "acct"))
                enum_value(bp_account_status_parse(v, &p->account_status), kv,
                           v);
        else if (!strcmp(kv, "vis"))
                enum_value(bp_visibility_parse(v, &p->visibility), kv, v);
        else if (!strcmp(kv, "eng"))
                enum_value(bp_english_parse(v, &p->english_level), kv, v);
        else if (!strcmp(kv, "origin"))
                enum_value(bp_origin_parse(v, &p->origin), kv, v);
        else if (!strcmp(kv, "signup"))
                p->signup_partner_id = bp_arena_strdup(s->arena, v);
        else if (!strcmp(kv, "cert")) {
                bp_event_cert_t *c   = &s->certs[p->certification_cnt++];
                char            *exp = strchr(v, ':');
                if (exp)
                        *exp++ = '\0';
                c->certification_id = bp_arena_strdup(s->arena, v);
                c->expires_at       = exp ? atoll(exp) : BP_TIME_NONE;
        } else
                fail_msg("script: unknown profile key '%s'", kv);
}

static void parse_profile(script_t *s, char *rest) {
        bp_profile_updated_t *p = &s->ev.u.profile;
        char                 *kv;
        s->ev.type = BP_EV_PROFILE_UPDATED;
        memset(p, 0, sizeof(*p));
        p->profile_version      = s->version + 1;
        p->account_status       = BP_ACCOUNT_ACTIVE;
        p->profile_completeness = 100;
        p->visibility           = BP_VISIBILITY_PUBLIC;
        p->english_level        = BP_ENGLISH_FLUENT;
        p->job_success_score    = 92;
        p->origin               = BP_ORIGIN_NATIVE;
        p->certifications       = s->certs;
        while ((kv = word(&rest)))
                profile_field(s, p, kv);
        if (p->profile_version > s->version)
                s->version = p->profile_version;
}

static void parse_contract(script_t *s, char *rest) {
        bp_contract_completed_t *c = &s->ev.u.contract;
        char *id = word(&rest), *skills = word(&rest), *fb = word(&rest);
        char *sk;
        if (!id || !skills)
                fail_msg("script: con needs an id and skills");
        s->ev.type     = BP_EV_CONTRACT_COMPLETED;
        c->contract_id = bp_arena_strdup(s->arena, id);
        c->skill_cnt   = 0;
        for (sk = strtok(skills, ","); sk; sk = strtok(NULL, ","))
                s->skills[c->skill_cnt++] = bp_arena_strdup(s->arena, sk);
        c->skills             = s->skills;
        c->has_feedback_score = fb != NULL;
        c->feedback_score     = fb ? atof(fb) : 0;
}

static void parse_decision(script_t *s, const char *verb, char *rest) {
        bp_partner_decision_t *d       = &s->ev.u.decision;
        char                  *partner = word(&rest);
        if (!partner)
                fail_msg("script: %s needs a partner", verb);
        s->ev.type    = BP_EV_PARTNER_DECISION;
        d->partner_id = bp_arena_strdup(s->arena, partner);
        d->decided_by = BP_DECIDED_BY_PARTNER;
        d->reason     = *rest ? bp_arena_strdup(s->arena, rest) : NULL;
        if (!strcmp(verb, "sel"))
                d->decision = BP_DECISION_SELECTED;
        else if (!strcmp(verb, "nsel"))
                d->decision = BP_DECISION_NOT_SELECTED;
        else {
                d->decision = BP_DECISION_REMOVED;
                if (!strcmp(verb, "remp"))
                        d->decided_by = BP_DECIDED_BY_PLATFORM;
        }
}

/* Parses step into s->ev; returns 0 for "dup" (s->ev kept as it was). */
static int parse_step(script_t *s, char *line) {
        char *verb = word(&line);
        char  id[32];

        if (verb && verb[0] == '@') {
                s->now = atoll(verb + 1);
                verb   = word(&line);
        } else {
                s->now += 1000;
        }
        if (!verb)
                fail_msg("script: empty step");
        if (!strcmp(verb, "dup"))
                return 0;
        bp_arena_reset(s->arena);
        snprintf(id, sizeof(id), "e%d", ++s->seq);
        s->ev.event_id      = bp_arena_strdup(s->arena, id);
        s->ev.freelancer_id = SCRIPT_FREELANCER;
        s->ev.occurred_at   = s->now;
        if (!strcmp(verb, "inv")) {
                char *partner                    = word(&line);
                s->ev.type                       = BP_EV_INVITATION_SENT;
                s->ev.u.invitation.invitation_id = s->ev.event_id;
                s->ev.u.invitation.partner_id =
                    partner ? bp_arena_strdup(s->arena, partner) : NULL;
        } else if (!strcmp(verb, "prof")) {
                parse_profile(s, line);
        } else if (!strcmp(verb, "con")) {
                parse_contract(s, line);
        } else if (!strcmp(verb, "sel") || !strcmp(verb, "nsel") ||
                   !strcmp(verb, "rem") || !strcmp(verb, "remp")) {
                parse_decision(s, verb, line);
        } else {
                fail_msg("script: unknown verb '%s'", verb);
        }
        return 1;
}

void script_step(script_t *s, const char *step) {
        char       line[512], err[256], rendered[512];
        bp_cause_t cause;
        size_t     i;

        snprintf(line, sizeof(line), "%s", step);
        parse_step(s, line);
        if (bp_event_check(&s->ev, err, sizeof(err)) != BP_OK)
                fail_msg("script: step '%s' is invalid: %s", step, err);
        cause.event_id  = s->ev.event_id;
        cause.topic     = bp_event_type_name(s->ev.type);
        cause.partition = 0;
        cause.offset    = s->seq;
        bp_badge_events_clear(&s->events);
        assert_int_equal(
            bp_engine_apply(s->rules, s->fl, &s->ev, &cause, &s->events, NULL),
            BP_OK);
        for (i = 0; i < s->events.cnt; i++) {
                size_t used = strlen(s->out);
                script_render(&s->events.items[i], rendered, sizeof(rendered));
                snprintf(s->out + used, sizeof(s->out) - used, "%s%s",
                         used ? " " : "", rendered);
        }
}
