/*
 * bp_state.c - the freelancer state record and its invariants.
 *
 * The arrays are kept sorted so that lookups are binary searches and two
 * states holding the same facts are equal member by member, whatever the
 * order the facts arrived in (which the split-run and restore tests rely
 * on). Arrays start in the state's inline storage and move to the heap,
 * doubling, when they outgrow it (bp_state.h says why); freelancers have
 * few partners and skills, so inserting into the middle of a sorted array
 * is cheap.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bp_event.h"
#include "bp_intern.h"
#include "bp_sorted.h"
#include "bp_state.h"

/* One cache line a partner, as bp_state.h promises, on 64-bit hosts. */
_Static_assert(sizeof(void *) != 8 || sizeof(bp_partner_state_t) == 64,
               "a partner entry is one cache line");

/* Makes *items, an array of *cap entries of elem bytes holding cnt, hold
 * at least want entries. *items is either the state's inline array inl
 * (of inl_cap entries) or on the heap; it stays inline, or returns there
 * when it was never allocated, while want fits, and moves to the heap
 * (doubling) beyond. */
static int reserve(void **items, size_t *cap, size_t cnt, size_t want,
                   size_t elem, void *inl, size_t inl_cap) {
        size_t ncap;
        void  *p;
        if ((!*items || *items == inl) && want <= inl_cap) {
                *items = inl;
                *cap   = inl_cap;
                return 0;
        }
        if (*items && *cap < cnt)
                *cap = cnt; /* filled by hand: holds its count at least */
        if (want <= *cap && *items)
                return 0;
        ncap = *cap * 2 > want ? *cap * 2 : want;
        if (ncap < 4)
                ncap = 4;
        if (*items == inl) {
                if (!(p = malloc(ncap * elem)))
                        return -1;
                memcpy(p, inl, cnt * elem);
        } else if (!(p = realloc(*items, ncap * elem))) {
                return -1;
        }
        *items = p;
        *cap   = ncap;
        return 0;
}

/* Room for one more entry: the growth of every array but certifications. */
#define GROW(fl, arr, cnt, cap)                                            \
        reserve((void **)&(fl)->arr, &(fl)->cap, (fl)->cnt, (fl)->cnt + 1, \
                sizeof(*(fl)->arr), (fl)->inl.arr,                         \
                sizeof((fl)->inl.arr) / sizeof(*(fl)->inl.arr))

/* Frees an array unless it is the inline one. */
static void free_array(void *items, const void *inl) {
        if (items != inl)
                free(items);
}

/* The id goes just before the struct, in the same block: the map
 * compares it on every lookup, and the struct's first line is read right
 * after. The offset keeps the struct aligned for any member. */
static size_t id_room(size_t len) {
        size_t align = _Alignof(max_align_t);
        return (len + 1 + align - 1) / align * align;
}

bp_freelancer_t *bp_freelancer_new(const char *freelancer_id) {
        size_t           len = strlen(freelancer_id), room = id_room(len);
        char            *block = calloc(1, room + sizeof(bp_freelancer_t));
        bp_freelancer_t *fl;
        if (!block)
                return NULL;
        memcpy(block, freelancer_id, len + 1);
        fl                            = (bp_freelancer_t *)(block + room);
        fl->freelancer_id             = block;
        fl->partners                  = fl->inl.partners;
        fl->partner_cap               = BP_FL_INLINE_PARTNERS;
        fl->skills                    = fl->inl.skills;
        fl->skill_cap                 = BP_FL_INLINE_SKILLS;
        fl->contract_hashes           = fl->inl.contract_hashes;
        fl->contract_cap              = BP_FL_INLINE_CONTRACTS;
        fl->profile.certifications    = fl->inl.certifications;
        fl->profile.certification_cap = BP_FL_INLINE_CERTS;
        return fl;
}

/* Sets the number of certifications to cnt: entries past the current
 * count start empty, those past cnt are freed. */
static int resize_certs(bp_freelancer_t *fl, size_t cnt) {
        bp_profile_t *pr = &fl->profile;
        size_t        i;

        if (reserve((void **)&pr->certifications, &pr->certification_cap,
                    pr->certification_cnt, cnt, sizeof(bp_cert_t),
                    fl->inl.certifications, BP_FL_INLINE_CERTS))
                return -1;
        for (i = cnt; i < pr->certification_cnt; i++)
                bp_intern_free(pr->certifications[i].certification_id);
        for (i = pr->certification_cnt; i < cnt; i++)
                pr->certifications[i] = (bp_cert_t){NULL, BP_TIME_NONE};
        pr->certification_cnt = cnt;
        return 0;
}

static void profile_free(bp_freelancer_t *fl) {
        bp_profile_t *p = &fl->profile;
        size_t        i;
        for (i = 0; i < p->certification_cnt; i++)
                bp_intern_free(p->certifications[i].certification_id);
        free_array(p->certifications, fl->inl.certifications);
        bp_intern_free(p->signup_partner_id);
        memset(p, 0, sizeof(*p));
        p->certifications    = fl->inl.certifications;
        p->certification_cap = BP_FL_INLINE_CERTS;
}

static void partner_free(bp_partner_state_t *ps) {
        bp_intern_free(ps->partner_id);
        free(ps->decision_event_id);
        free(ps->decision_reason);
}

void bp_freelancer_destroy(bp_freelancer_t *fl) {
        size_t i;
        if (!fl)
                return;
        profile_free(fl);
        free_array(fl->contract_hashes, fl->inl.contract_hashes);
        for (i = 0; i < fl->skill_cnt; i++)
                bp_intern_free(fl->skills[i].skill);
        free_array(fl->skills, fl->inl.skills);
        for (i = 0; i < fl->partner_cnt; i++)
                partner_free(&fl->partners[i]);
        free_array(fl->partners, fl->inl.partners);
        free(fl->freelancer_id); /* the block */
}

bp_err_t bp_freelancer_reserve(bp_freelancer_t *fl, size_t certs,
                               size_t contracts, size_t skills,
                               size_t partners) {
        bp_profile_t *pr = &fl->profile;
        if (reserve((void **)&pr->certifications, &pr->certification_cap,
                    pr->certification_cnt, certs, sizeof(bp_cert_t),
                    fl->inl.certifications, BP_FL_INLINE_CERTS) ||
            reserve((void **)&fl->contract_hashes, &fl->contract_cap,
                    fl->contract_cnt, contracts, sizeof(uint64_t),
                    fl->inl.contract_hashes, BP_FL_INLINE_CONTRACTS) ||
            reserve((void **)&fl->skills, &fl->skill_cap, fl->skill_cnt, skills,
                    sizeof(bp_skill_stat_t), fl->inl.skills,
                    BP_FL_INLINE_SKILLS) ||
            reserve((void **)&fl->partners, &fl->partner_cap, fl->partner_cnt,
                    partners, sizeof(bp_partner_state_t), fl->inl.partners,
                    BP_FL_INLINE_PARTNERS))
                return BP_ERR_NOMEM;
        return BP_OK;
}

static size_t partner_index(const bp_freelancer_t *fl, const char *partner_id,
                            int *found) {
        return bp_sorted_index(
            fl->partners, fl->partner_cnt, sizeof(*fl->partners),
            offsetof(bp_partner_state_t, partner_id), partner_id, found);
}

bp_partner_state_t *bp_freelancer_partner(const bp_freelancer_t *fl,
                                          const char            *partner_id) {
        int    found;
        size_t i = partner_index(fl, partner_id, &found);
        return found ? &fl->partners[i] : NULL;
}

bp_err_t bp_freelancer_partner_get(bp_freelancer_t *fl, const char *partner_id,
                                   bp_partner_state_t **psp) {
        int                 found;
        size_t              i = partner_index(fl, partner_id, &found);
        bp_partner_state_t *ps;
        const char         *id;

        *psp = NULL;
        if (found) {
                *psp = &fl->partners[i];
                return BP_OK;
        }
        if (fl->partner_cnt >= BP_FL_MAX_PARTNERS)
                return BP_ERR_TOO_LARGE; /* refused before any change */
        if (!(id = bp_intern_dup(partner_id)))
                return BP_ERR_NOMEM;
        if (GROW(fl, partners, partner_cnt, partner_cap)) {
                bp_intern_free(id);
                return BP_ERR_NOMEM;
        }
        memmove(&fl->partners[i + 1], &fl->partners[i],
                (fl->partner_cnt - i) * sizeof(*fl->partners));
        fl->partner_cnt++;
        ps = &fl->partners[i];
        memset(ps, 0, sizeof(*ps));
        ps->partner_id = id;
        ps->invited_at = BP_TIME_NONE;
        ps->decision   = BP_DECISION_NONE;
        ps->decided_at = BP_TIME_NONE;
        *psp           = ps;
        return BP_OK;
}

static size_t skill_index(const bp_freelancer_t *fl, const char *skill,
                          int *found) {
        return bp_sorted_index(fl->skills, fl->skill_cnt, sizeof(*fl->skills),
                               offsetof(bp_skill_stat_t, skill), skill, found);
}

const bp_skill_stat_t *bp_freelancer_skill(const bp_freelancer_t *fl,
                                           const char            *skill) {
        int    found;
        size_t i = skill_index(fl, skill, &found);
        return found ? &fl->skills[i] : NULL;
}

static bp_skill_stat_t *skill_get(bp_freelancer_t *fl, const char *skill) {
        int         found;
        size_t      i = skill_index(fl, skill, &found);
        const char *name;

        if (found)
                return &fl->skills[i];
        if (!(name = bp_intern_dup(skill)))
                return NULL;
        if (GROW(fl, skills, skill_cnt, skill_cap)) {
                bp_intern_free(name);
                return NULL;
        }
        memmove(&fl->skills[i + 1], &fl->skills[i],
                (fl->skill_cnt - i) * sizeof(*fl->skills));
        fl->skill_cnt++;
        memset(&fl->skills[i], 0, sizeof(fl->skills[i]));
        fl->skills[i].skill = name;
        return &fl->skills[i];
}

uint64_t bp_contract_hash(const char *contract_id) {
        /* FNV-1a 64: simple, fast, and fixed forever since it is stored. */
        uint64_t             h = 0xcbf29ce484222325ULL;
        const unsigned char *p;
        for (p = (const unsigned char *)contract_id; *p; p++) {
                h ^= *p;
                h *= 0x100000001b3ULL;
        }
        return h;
}

/* Returns the index of h in the sorted hashes, or where it would go. */
static size_t hash_index(const bp_freelancer_t *fl, uint64_t h, int *found) {
        size_t lo = 0, hi = fl->contract_cnt;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (fl->contract_hashes[mid] == h) {
                        *found = 1;
                        return mid;
                }
                if (fl->contract_hashes[mid] < h)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = 0;
        return lo;
}

/* A skill listed twice on one contract counts once for that contract. */
static int skill_listed_before(const char *const *skills, size_t i) {
        size_t j;
        for (j = 0; j < i; j++)
                if (strcmp(skills[j], skills[i]) == 0)
                        return 1;
        return 0;
}

/* How many of a contract's skills the state does not have yet. */
static size_t new_skills(const bp_freelancer_t *fl, const char *const *skills,
                         size_t skill_cnt) {
        size_t s, n = 0;
        for (s = 0; s < skill_cnt; s++)
                n += !skill_listed_before(skills, s) &&
                     !bp_freelancer_skill(fl, skills[s]);
        return n;
}

int bp_freelancer_add_contract(bp_freelancer_t *fl, const char *contract_id,
                               const char *const *skills, size_t skill_cnt,
                               bool has_feedback, double feedback_score) {
        uint64_t h = bp_contract_hash(contract_id);
        int      found;
        size_t   i = hash_index(fl, h, &found), fresh;

        if (found)
                return 0;
        fresh = new_skills(fl, skills, skill_cnt);
        if (fl->contract_cnt >= BP_FL_MAX_CONTRACTS ||
            (fresh > 0 && fl->skill_cnt + fresh > BP_FL_MAX_SKILLS))
                return BP_ERR_TOO_LARGE; /* refused before any change */
        /* Create every skill entry first, so that an allocation failure
         * leaves the counts untouched (an empty entry is harmless). */
        for (size_t s = 0; s < skill_cnt; s++)
                if (!skill_get(fl, skills[s]))
                        return BP_ERR_NOMEM;
        if (GROW(fl, contract_hashes, contract_cnt, contract_cap))
                return BP_ERR_NOMEM;
        memmove(&fl->contract_hashes[i + 1], &fl->contract_hashes[i],
                (fl->contract_cnt - i) * sizeof(*fl->contract_hashes));
        fl->contract_hashes[i] = h;
        fl->contract_cnt++;

        for (size_t s = 0; s < skill_cnt; s++) {
                bp_skill_stat_t *st;
                if (skill_listed_before(skills, s))
                        continue;
                st = skill_get(fl, skills[s]); /* exists: cannot fail */
                st->contracts++;
                if (has_feedback) {
                        st->scored++;
                        st->feedback_sum += feedback_score;
                }
        }
        return 1;
}

/* Makes *dst hold s (NULL allowed), keeping the current copy when it
 * already holds the same text: consecutive snapshots mostly repeat their
 * ids, and then nothing is interned or allocated. */
static int assign_str(const char **dst, const char *s) {
        const char *copy;
        if (*dst && s && strcmp(*dst, s) == 0)
                return 0;
        copy = NULL;
        if (s && !(copy = bp_intern_dup(s)))
                return -1;
        bp_intern_free(*dst);
        *dst = copy;
        return 0;
}

bp_err_t bp_freelancer_set_profile(bp_freelancer_t            *fl,
                                   const bp_profile_updated_t *p,
                                   int64_t                     occurred_at) {
        bp_profile_t *pr = &fl->profile;
        size_t        i;

        if (assign_str(&pr->signup_partner_id, p->signup_partner_id) ||
            resize_certs(fl, p->certification_cnt))
                goto nomem;
        for (i = 0; i < p->certification_cnt; i++) {
                pr->certifications[i].expires_at =
                    p->certifications[i].expires_at;
                if (assign_str(&pr->certifications[i].certification_id,
                               p->certifications[i].certification_id))
                        goto nomem;
        }
        pr->profile_version      = p->profile_version;
        pr->updated_at           = occurred_at;
        pr->account_status       = p->account_status;
        pr->profile_completeness = p->profile_completeness;
        pr->visibility           = p->visibility;
        pr->english_level        = p->english_level;
        pr->job_success_score    = p->job_success_score;
        pr->origin               = p->origin;
        fl->has_profile          = true;
        return BP_OK;

nomem:
        /* Half old, half new: drop it; the caller discards the state. */
        profile_free(fl);
        fl->has_profile = false;
        return BP_ERR_NOMEM;
}

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

/* Copies the strings of src's entry into dst's, which holds a bitwise
 * copy: each member is replaced by its own copy or NULL, so that dst
 * never points to src's owned strings, even on failure. */
static int copy_partner_strs(bp_partner_state_t       *dst,
                             const bp_partner_state_t *src) {
        dst->partner_id        = bp_intern_dup(src->partner_id);
        dst->decision_event_id = dup_or_null(src->decision_event_id);
        dst->decision_reason   = dup_or_null(src->decision_reason);
        if (!dst->partner_id ||
            (src->decision_event_id && !dst->decision_event_id) ||
            (src->decision_reason && !dst->decision_reason))
                return -1;
        return 0;
}

/* Copies src's profile, certifications and all, into fl's (empty). */
static int copy_profile(bp_freelancer_t *fl, const bp_profile_t *src) {
        bp_profile_t *dst   = &fl->profile;
        bp_cert_t    *certs = dst->certifications; /* the inline array */
        size_t        i;

        *dst                   = *src;
        dst->certifications    = certs;
        dst->certification_cap = BP_FL_INLINE_CERTS;
        dst->certification_cnt = 0;
        dst->signup_partner_id = NULL;
        if (resize_certs(fl, src->certification_cnt))
                return -1;
        for (i = 0; i < src->certification_cnt; i++) {
                dst->certifications[i].expires_at =
                    src->certifications[i].expires_at;
                if (!(dst->certifications[i].certification_id = bp_intern_dup(
                          src->certifications[i].certification_id)))
                        return -1;
        }
        if (src->signup_partner_id &&
            !(dst->signup_partner_id = bp_intern_dup(src->signup_partner_id)))
                return -1;
        return 0;
}

bp_freelancer_t *bp_freelancer_clone(const bp_freelancer_t *src) {
        bp_freelancer_t *fl = bp_freelancer_new(src->freelancer_id);
        size_t           i;

        if (!fl)
                return NULL;
        fl->has_profile = src->has_profile;
        if (copy_profile(fl, &src->profile) ||
            bp_freelancer_reserve(fl, 0, src->contract_cnt, src->skill_cnt,
                                  src->partner_cnt))
                goto fail;
        memcpy(fl->contract_hashes, src->contract_hashes,
               src->contract_cnt * sizeof(*fl->contract_hashes));
        fl->contract_cnt = src->contract_cnt;
        for (i = 0; i < src->skill_cnt; i++) {
                fl->skills[i]       = src->skills[i];
                fl->skills[i].skill = bp_intern_dup(src->skills[i].skill);
                fl->skill_cnt       = i + 1;
                if (!fl->skills[i].skill)
                        goto fail;
        }
        for (i = 0; i < src->partner_cnt; i++) {
                fl->partners[i] = src->partners[i];
                fl->partner_cnt = i + 1;
                if (copy_partner_strs(&fl->partners[i], &src->partners[i]))
                        goto fail;
        }
        return fl;

fail:
        bp_freelancer_destroy(fl);
        return NULL;
}

static bool str_eq(const char *a, const char *b) {
        if (a == b) /* interned, or both NULL */
                return true;
        if (!a || !b)
                return false;
        return strcmp(a, b) == 0;
}

static bool profile_equal(const bp_profile_t *a, const bp_profile_t *b) {
        size_t i;
        if (a->profile_version != b->profile_version ||
            a->updated_at != b->updated_at ||
            a->account_status != b->account_status ||
            a->profile_completeness != b->profile_completeness ||
            a->visibility != b->visibility ||
            a->english_level != b->english_level ||
            a->job_success_score != b->job_success_score ||
            a->origin != b->origin ||
            !str_eq(a->signup_partner_id, b->signup_partner_id) ||
            a->certification_cnt != b->certification_cnt)
                return false;
        for (i = 0; i < a->certification_cnt; i++)
                if (!str_eq(a->certifications[i].certification_id,
                            b->certifications[i].certification_id) ||
                    a->certifications[i].expires_at !=
                        b->certifications[i].expires_at)
                        return false;
        return true;
}

static bool partner_equal(const bp_partner_state_t *a,
                          const bp_partner_state_t *b) {
        return str_eq(a->partner_id, b->partner_id) &&
               a->invited == b->invited && a->invited_at == b->invited_at &&
               a->decision == b->decision && a->decided_by == b->decided_by &&
               a->decided_at == b->decided_at &&
               str_eq(a->decision_event_id, b->decision_event_id) &&
               str_eq(a->decision_reason, b->decision_reason) &&
               a->held == b->held && (!a->held || a->basis == b->basis) &&
               a->badge_version == b->badge_version;
}

bool bp_freelancer_equal(const bp_freelancer_t *a, const bp_freelancer_t *b) {
        size_t i;
        if (!str_eq(a->freelancer_id, b->freelancer_id) ||
            a->has_profile != b->has_profile ||
            (a->has_profile && !profile_equal(&a->profile, &b->profile)) ||
            a->contract_cnt != b->contract_cnt ||
            a->skill_cnt != b->skill_cnt || a->partner_cnt != b->partner_cnt)
                return false;
        if (a->contract_cnt &&
            memcmp(a->contract_hashes, b->contract_hashes,
                   a->contract_cnt * sizeof(*a->contract_hashes)) != 0)
                return false;
        for (i = 0; i < a->skill_cnt; i++)
                if (!str_eq(a->skills[i].skill, b->skills[i].skill) ||
                    a->skills[i].contracts != b->skills[i].contracts ||
                    a->skills[i].scored != b->skills[i].scored ||
                    a->skills[i].feedback_sum != b->skills[i].feedback_sum)
                        return false;
        for (i = 0; i < a->partner_cnt; i++)
                if (!partner_equal(&a->partners[i], &b->partners[i]))
                        return false;
        return true;
}
