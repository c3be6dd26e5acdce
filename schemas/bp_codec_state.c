/*
 * bp_codec_state.c - FreelancerState <-> Avro (see bp_codec.h).
 *
 * The state store keeps one FreelancerState per freelancer, framed like
 * every other record so that the schema id says which version wrote it and
 * a newer release can still read it. Decoding builds an owned
 * bp_freelancer_t (arrays reserved at their final size, short ids
 * interned, as bp_state.h describes) and checks the invariants bp_state.h
 * promises, since a state that breaks them would make the engine
 * misbehave silently.
 */
#include <stdlib.h>
#include <string.h>

#include "bp_codec_int.h"
#include "bp_intern.h"

enum {
        ST_FREELANCER_ID,
        ST_PROFILE,
        ST_P_VERSION,
        ST_P_UPDATED_AT,
        ST_P_ACCOUNT,
        ST_P_COMPLETENESS,
        ST_P_VISIBILITY,
        ST_P_ENGLISH,
        ST_P_JSS,
        ST_P_ORIGIN,
        ST_P_SIGNUP,
        ST_P_CERTS,
        ST_P_CERT_STRIDE,
        ST_P_CERT_ID,
        ST_P_CERT_EXPIRES,
        ST_HASHES,
        ST_HASH_STRIDE,
        ST_SKILLS,
        ST_SKILL_STRIDE,
        ST_S_SKILL,
        ST_S_CONTRACTS,
        ST_S_SCORED,
        ST_S_FEEDBACK_SUM,
        ST_PARTNERS,
        ST_PARTNER_STRIDE,
        ST_PS_PARTNER_ID,
        ST_PS_INVITED,
        ST_PS_INVITED_AT,
        ST_PS_DECISION,
        ST_PS_DECIDED_BY,
        ST_PS_DECIDED_AT,
        ST_PS_DECISION_EVENT_ID,
        ST_PS_DECISION_REASON,
        ST_PS_HELD,
        ST_PS_BASIS,
        ST_PS_BADGE_VERSION
};

const char *const bp_codec_state_paths[BP_CODEC_PATHS_MAX] = {
    "freelancer_id",
    "profile",
    "profile.profile_version",
    "profile.updated_at",
    "profile.account_status",
    "profile.profile_completeness",
    "profile.visibility",
    "profile.english_level",
    "profile.job_success_score",
    "profile.origin",
    "profile.signup_partner_id",
    "profile.certifications",
    "profile.certifications[]",
    "profile.certifications[].certification_id",
    "profile.certifications[].expires_at",
    "contract_hashes",
    "contract_hashes[]",
    "skills",
    "skills[]",
    "skills[].skill",
    "skills[].contracts",
    "skills[].scored",
    "skills[].feedback_sum",
    "partners",
    "partners[]",
    "partners[].partner_id",
    "partners[].invited",
    "partners[].invited_at",
    "partners[].decision",
    "partners[].decided_by",
    "partners[].decided_at",
    "partners[].decision_event_id",
    "partners[].decision_reason",
    "partners[].held",
    "partners[].basis",
    "partners[].badge_version",
    NULL};

/* The decode in progress: slots, their numbers, the error buffer. */
typedef struct st_s {
        const bp_slot_t *s;
        const int       *ix;
        char            *errstr;
        size_t           errstr_size;
} st_t;

/* The first slot of item i of the array in slot arr. */
static const bp_slot_t *item_of(const st_t *st, int arr, int stride, size_t i) {
        return st->s + st->s[st->ix[arr]].first + i * (size_t)st->ix[stride];
}

static bp_err_t st_fail(const st_t *st, bp_err_t err, const char *what) {
        snprintf(st->errstr, st->errstr_size, "%s",
                 err == BP_ERR_NOMEM ? "out of memory" : what);
        return err;
}

/* strdup for optional strings: *out NULL for NULL; -1 on ENOMEM. */
static int dup_opt(const char *s, char **out) {
        *out = s ? strdup(s) : NULL;
        return s && !*out ? -1 : 0;
}

/* The same for the short ids a state interns (bp_intern.h). */
static int intern_opt(const char *s, const char **out) {
        *out = bp_intern_dup(s);
        return s && !*out ? -1 : 0;
}

static bp_err_t get_profile(const st_t *st, bp_profile_t *p) {
        const bp_slot_t *s  = st->s;
        const int       *ix = st->ix;
        size_t           i, n = s[ix[ST_P_CERTS]].len;

        p->profile_version      = s[ix[ST_P_VERSION]].i;
        p->updated_at           = s[ix[ST_P_UPDATED_AT]].i;
        p->account_status       = (bp_account_status_t)s[ix[ST_P_ACCOUNT]].i;
        p->profile_completeness = (int32_t)s[ix[ST_P_COMPLETENESS]].i;
        p->visibility           = (bp_visibility_t)s[ix[ST_P_VISIBILITY]].i;
        p->english_level        = (bp_english_t)s[ix[ST_P_ENGLISH]].i;
        p->job_success_score =
            (int32_t)bp_slot_opt_long(&s[ix[ST_P_JSS]], BP_JSS_NONE);
        p->origin = (bp_origin_t)s[ix[ST_P_ORIGIN]].i;
        if (intern_opt(bp_slot_opt_str(&s[ix[ST_P_SIGNUP]]),
                       &p->signup_partner_id) == -1)
                return st_fail(st, BP_ERR_NOMEM, NULL);
        for (i = 0; i < n; i++) {
                const bp_slot_t *it =
                    item_of(st, ST_P_CERTS, ST_P_CERT_STRIDE, i);
                p->certification_cnt = i + 1; /* room reserved */
                if (!(p->certifications[i].certification_id =
                          bp_intern_dup(it[ix[ST_P_CERT_ID]].s)))
                        return st_fail(st, BP_ERR_NOMEM, NULL);
                p->certifications[i].expires_at =
                    bp_slot_opt_long(&it[ix[ST_P_CERT_EXPIRES]], BP_TIME_NONE);
        }
        return BP_OK;
}

static bp_err_t get_hashes(const st_t *st, bp_freelancer_t *fl) {
        size_t i, n = st->s[st->ix[ST_HASHES]].len;

        fl->contract_cnt = n; /* room reserved by the caller */
        for (i = 0; i < n; i++) {
                fl->contract_hashes[i] =
                    (uint64_t)item_of(st, ST_HASHES, ST_HASH_STRIDE, i)->i;
                if (i > 0 &&
                    fl->contract_hashes[i] <= fl->contract_hashes[i - 1])
                        return st_fail(st, BP_ERR_INVALID,
                                       "contract_hashes not sorted and unique");
        }
        return BP_OK;
}

static bp_err_t get_skills(const st_t *st, bp_freelancer_t *fl) {
        const int *ix = st->ix;
        size_t     i, n = st->s[ix[ST_SKILLS]].len;

        for (i = 0; i < n; i++) {
                const bp_slot_t *it =
                    item_of(st, ST_SKILLS, ST_SKILL_STRIDE, i);
                bp_skill_stat_t *sk = &fl->skills[i];
                int64_t          c  = it[ix[ST_S_CONTRACTS]].i,
                        sc          = it[ix[ST_S_SCORED]].i;
                memset(sk, 0, sizeof(*sk));
                fl->skill_cnt = i + 1; /* room reserved by the caller */
                if (!(sk->skill = bp_intern_dup(it[ix[ST_S_SKILL]].s)))
                        return st_fail(st, BP_ERR_NOMEM, NULL);
                if (c < 0 || c > UINT32_MAX || sc < 0 || sc > c)
                        return st_fail(st, BP_ERR_INVALID,
                                       "skills: contract counts out of range");
                if (i > 0 && strcmp(fl->skills[i - 1].skill, sk->skill) >= 0)
                        return st_fail(st, BP_ERR_INVALID,
                                       "skills not sorted and unique");
                sk->contracts    = (uint32_t)c;
                sk->scored       = (uint32_t)sc;
                sk->feedback_sum = it[ix[ST_S_FEEDBACK_SUM]].d;
        }
        return BP_OK;
}

static bp_err_t get_partner(const st_t *st, const bp_slot_t *it,
                            bp_partner_state_t *ps) {
        const int *ix = st->ix;

        memset(ps, 0, sizeof(*ps));
        if (!(ps->partner_id = bp_intern_dup(it[ix[ST_PS_PARTNER_ID]].s)) ||
            dup_opt(bp_slot_opt_str(&it[ix[ST_PS_DECISION_EVENT_ID]]),
                    &ps->decision_event_id) == -1 ||
            dup_opt(bp_slot_opt_str(&it[ix[ST_PS_DECISION_REASON]]),
                    &ps->decision_reason) == -1)
                return st_fail(st, BP_ERR_NOMEM, NULL);
        ps->invited = it[ix[ST_PS_INVITED]].i != 0;
        ps->invited_at =
            bp_slot_opt_long(&it[ix[ST_PS_INVITED_AT]], BP_TIME_NONE);
        ps->decision   = it[ix[ST_PS_DECISION]].branch
                             ? (bp_decision_t)it[ix[ST_PS_DECISION]].i
                             : BP_DECISION_NONE;
        ps->decided_by = (bp_decided_by_t)it[ix[ST_PS_DECIDED_BY]].i;
        ps->decided_at =
            bp_slot_opt_long(&it[ix[ST_PS_DECIDED_AT]], BP_TIME_NONE);
        ps->held          = it[ix[ST_PS_HELD]].i != 0;
        ps->basis         = (bp_basis_t)it[ix[ST_PS_BASIS]].i;
        ps->badge_version = it[ix[ST_PS_BADGE_VERSION]].i;
        return BP_OK;
}

static bp_err_t get_partners(const st_t *st, bp_freelancer_t *fl) {
        size_t   i, n = st->s[st->ix[ST_PARTNERS]].len;
        bp_err_t err;

        for (i = 0; i < n; i++) {
                fl->partner_cnt = i + 1; /* room reserved by the caller */
                if ((err = get_partner(
                         st, item_of(st, ST_PARTNERS, ST_PARTNER_STRIDE, i),
                         &fl->partners[i])) != BP_OK)
                        return err;
                if (i > 0 && strcmp(fl->partners[i - 1].partner_id,
                                    fl->partners[i].partner_id) >= 0)
                        return st_fail(st, BP_ERR_INVALID,
                                       "partners not sorted and unique");
        }
        return BP_OK;
}

bp_err_t bp_codec_decode_state(bp_codec_t *codec, const void *buf, size_t len,
                               bp_freelancer_t **out, char *errstr,
                               size_t errstr_size) {
        static const bp_record_kind_t kind = BP_REC_FREELANCER_STATE;
        bp_record_kind_t              got;
        bp_freelancer_t              *fl = NULL;
        st_t     st = {NULL, codec->slots[kind], errstr, errstr_size};
        bp_err_t err;

        if ((err = bp_codec_decode_slots(codec, &kind, 1, buf, len, &got,
                                         errstr, errstr_size)) != BP_OK)
                return err;
        st.s = codec->scratch.slots;
        if (!(fl = bp_freelancer_new(st.s[st.ix[ST_FREELANCER_ID]].s))) {
                err = st_fail(&st, BP_ERR_NOMEM, NULL);
                goto out;
        }
        fl->has_profile = st.s[st.ix[ST_PROFILE]].branch != 0;
        if (bp_freelancer_reserve(
                fl, fl->has_profile ? st.s[st.ix[ST_P_CERTS]].len : 0,
                st.s[st.ix[ST_HASHES]].len, st.s[st.ix[ST_SKILLS]].len,
                st.s[st.ix[ST_PARTNERS]].len)) {
                err = st_fail(&st, BP_ERR_NOMEM, NULL);
                goto out;
        }
        if ((fl->has_profile && (err = get_profile(&st, &fl->profile))) ||
            (err = get_hashes(&st, fl)) || (err = get_skills(&st, fl)) ||
            (err = get_partners(&st, fl)))
                goto out;
        *out = fl;
        fl   = NULL;
out:
        bp_freelancer_destroy(fl);
        return err;
}

/* Enum values the schema cannot represent would make a record nobody can
 * read, so they are refused before anything is written. */
static int state_in_range(const bp_freelancer_t *fl) {
        const bp_profile_t *p = &fl->profile;
        size_t              i;

        if (!fl->freelancer_id)
                return 0;
        if (fl->has_profile &&
            ((unsigned)p->account_status >= BP_ACCOUNT__CNT ||
             (unsigned)p->visibility >= BP_VISIBILITY__CNT ||
             (unsigned)p->english_level >= BP_ENGLISH__CNT ||
             (unsigned)p->origin >= BP_ORIGIN__CNT))
                return 0;
        for (i = 0; fl->has_profile && i < p->certification_cnt; i++)
                if (!p->certifications[i].certification_id)
                        return 0;
        for (i = 0; i < fl->skill_cnt; i++)
                if (!fl->skills[i].skill)
                        return 0;
        for (i = 0; i < fl->partner_cnt; i++) {
                const bp_partner_state_t *ps = &fl->partners[i];
                if (!ps->partner_id ||
                    (unsigned)ps->decision > BP_DECISION_NONE ||
                    (unsigned)ps->decided_by >= BP_DECIDED_BY__CNT ||
                    (unsigned)ps->basis >= BP_BASIS__CNT)
                        return 0;
        }
        return 1;
}

/* Writes the array header of n items (none for an empty array). */
static bp_err_t put_count(bp_buf_t *b, size_t n) {
        return n ? bp_avro_write_long(b, (int64_t)n) : BP_OK;
}

static bp_err_t put_profile(bp_buf_t *b, const bp_profile_t *p) {
        size_t i;

        if (bp_avro_write_long(b, 1) || /* the Profile branch */
            bp_avro_write_long(b, p->profile_version) ||
            bp_avro_write_long(b, p->updated_at) ||
            bp_avro_write_long(b, p->account_status) ||
            bp_avro_write_long(b, p->profile_completeness) ||
            bp_avro_write_long(b, p->visibility) ||
            bp_avro_write_long(b, p->english_level) ||
            bp_avro_write_opt_long(b, p->job_success_score, BP_JSS_NONE) ||
            bp_avro_write_long(b, p->origin) ||
            bp_avro_write_opt_string(b, p->signup_partner_id) ||
            put_count(b, p->certification_cnt))
                return BP_ERR_NOMEM;
        for (i = 0; i < p->certification_cnt; i++)
                if (bp_avro_write_string(
                        b, p->certifications[i].certification_id) ||
                    bp_avro_write_opt_long(b, p->certifications[i].expires_at,
                                           BP_TIME_NONE))
                        return BP_ERR_NOMEM;
        return bp_avro_write_long(b, 0);
}

static bp_err_t put_partner(bp_buf_t *b, const bp_partner_state_t *ps) {
        if (bp_avro_write_string(b, ps->partner_id) ||
            bp_buf_append_byte(b, ps->invited) ||
            bp_avro_write_opt_long(b, ps->invited_at, BP_TIME_NONE) ||
            bp_avro_write_long(b, ps->decision != BP_DECISION_NONE) ||
            (ps->decision != BP_DECISION_NONE &&
             bp_avro_write_long(b, ps->decision)) ||
            bp_avro_write_long(b, ps->decided_by) ||
            bp_avro_write_opt_long(b, ps->decided_at, BP_TIME_NONE) ||
            bp_avro_write_opt_string(b, ps->decision_event_id) ||
            bp_avro_write_opt_string(b, ps->decision_reason) ||
            bp_buf_append_byte(b, ps->held) || bp_avro_write_long(b, ps->basis))
                return BP_ERR_NOMEM;
        return bp_avro_write_long(b, ps->badge_version);
}

static bp_err_t put_state(bp_buf_t *b, const bp_freelancer_t *fl) {
        size_t i;

        if (bp_avro_write_string(b, fl->freelancer_id) ||
            (fl->has_profile ? put_profile(b, &fl->profile)
                             : bp_avro_write_long(b, 0)) ||
            put_count(b, fl->contract_cnt))
                return BP_ERR_NOMEM;
        for (i = 0; i < fl->contract_cnt; i++)
                if (bp_avro_write_long(b, (int64_t)fl->contract_hashes[i]))
                        return BP_ERR_NOMEM;
        if (bp_avro_write_long(b, 0) || put_count(b, fl->skill_cnt))
                return BP_ERR_NOMEM;
        for (i = 0; i < fl->skill_cnt; i++)
                if (bp_avro_write_string(b, fl->skills[i].skill) ||
                    bp_avro_write_long(b, fl->skills[i].contracts) ||
                    bp_avro_write_long(b, fl->skills[i].scored) ||
                    bp_avro_write_double(b, fl->skills[i].feedback_sum))
                        return BP_ERR_NOMEM;
        if (bp_avro_write_long(b, 0) || put_count(b, fl->partner_cnt))
                return BP_ERR_NOMEM;
        for (i = 0; i < fl->partner_cnt; i++)
                if (put_partner(b, &fl->partners[i]))
                        return BP_ERR_NOMEM;
        return bp_avro_write_long(b, 0);
}

bp_err_t bp_codec_encode_state(bp_codec_t *codec, const bp_freelancer_t *fl,
                               bp_buf_t *out, char *errstr,
                               size_t errstr_size) {
        size_t   mark;
        bp_err_t err;

        if (!state_in_range(fl)) {
                snprintf(errstr, errstr_size,
                         "freelancer state has a missing id or an enum out "
                         "of range");
                return BP_ERR_INVALID;
        }
        if ((err = bp_codec_frame(codec, BP_REC_FREELANCER_STATE, out, &mark,
                                  errstr, errstr_size)) != BP_OK)
                return err;
        if (put_state(out, fl) != BP_OK)
                return bp_codec_nomem(out, mark, errstr, errstr_size);
        return BP_OK;
}
