/*
 * bp_types.c - symbol tables for the contract's enumerations.
 *
 * One table per enum, indexed by value, so that name lookup is an array
 * index and parsing is a short linear scan (the largest enum has 13
 * symbols; parsing happens once per field of an input line).
 */
#include <string.h>

#include "bp_types.h"

static const char *const event_type_names[BP_EV__CNT] = {
    "profile-updated", "contract-completed", "invitation-sent",
    "partner-decision"};
static const char *const account_names[BP_ACCOUNT__CNT] = {
    "ACTIVE", "SUSPENDED", "CLOSED"};
static const char *const visibility_names[BP_VISIBILITY__CNT] = {
    "PUBLIC", "UPWORK_ONLY", "PRIVATE"};
static const char *const english_names[BP_ENGLISH__CNT] = {
    "NONE", "BASIC", "CONVERSATIONAL", "FLUENT", "NATIVE"};
static const char *const origin_names[BP_ORIGIN__CNT] = {"NATIVE", "ELANCE"};
static const char *const decision_names[BP_DECISION__CNT + 1] = {
    "SELECTED", "NOT_SELECTED", "REMOVED", "NONE"};
static const char *const decided_by_names[BP_DECIDED_BY__CNT] = {"PARTNER",
                                                                 "PLATFORM"};
static const char *const basis_names[BP_BASIS__CNT]           = {
              "STANDARD", "NEW_FREELANCER_EXCEPTION"};
static const char *const reason_names[BP_REASON__CNT] = {
    "NOT_INVITED",         "NOT_SELECTED",          "REMOVED_BY_PARTNER",
    "REMOVED_BY_PLATFORM", "ACCOUNT_NOT_ACTIVE",    "JSS_MISSING",
    "JSS_BELOW_MIN",       "PROFILE_INCOMPLETE",    "PROFILE_NOT_PUBLIC",
    "ENGLISH_BELOW_MIN",   "CERTIFICATION_MISSING", "CONTRACTS_BELOW_MIN",
    "FEEDBACK_BELOW_MIN"};
static const char *const badge_kind_names[BP_BADGE__CNT] = {"badge-granted",
                                                            "badge-revoked"};

static const char *name_of(const char *const *names, int cnt, int v) {
        if (v < 0 || v >= cnt)
                return "?";
        return names[v];
}

static int parse_in(const char *const *names, int cnt, const char *s,
                    int *out) {
        int i;
        if (!s)
                return -1;
        for (i = 0; i < cnt; i++) {
                if (strcmp(names[i], s) == 0) {
                        *out = i;
                        return 0;
                }
        }
        return -1;
}

/* One name/parse pair per enum; the parse goes through an int so that the
 * enum's storage size never matters. */
#define BP_ENUM_FUNCS(prefix, type, names, cnt)                              \
        const char *prefix##_name(type v) {                                  \
                return name_of(names, (int)(sizeof(names) / sizeof(*names)), \
                               (int)v);                                      \
        }                                                                    \
        int prefix##_parse(const char *s, type *out) {                       \
                int v;                                                       \
                if (parse_in(names, cnt, s, &v) == -1)                       \
                        return -1;                                           \
                *out = (type)v;                                              \
                return 0;                                                    \
        }

BP_ENUM_FUNCS(bp_event_type, bp_event_type_t, event_type_names, BP_EV__CNT)
BP_ENUM_FUNCS(bp_account_status, bp_account_status_t, account_names,
              BP_ACCOUNT__CNT)
BP_ENUM_FUNCS(bp_visibility, bp_visibility_t, visibility_names,
              BP_VISIBILITY__CNT)
BP_ENUM_FUNCS(bp_english, bp_english_t, english_names, BP_ENGLISH__CNT)
BP_ENUM_FUNCS(bp_origin, bp_origin_t, origin_names, BP_ORIGIN__CNT)
BP_ENUM_FUNCS(bp_decision, bp_decision_t, decision_names, BP_DECISION__CNT)
BP_ENUM_FUNCS(bp_decided_by, bp_decided_by_t, decided_by_names,
              BP_DECIDED_BY__CNT)
BP_ENUM_FUNCS(bp_basis, bp_basis_t, basis_names, BP_BASIS__CNT)
BP_ENUM_FUNCS(bp_reason_code, bp_reason_code_t, reason_names, BP_REASON__CNT)
BP_ENUM_FUNCS(bp_badge_kind, bp_badge_kind_t, badge_kind_names, BP_BADGE__CNT)
