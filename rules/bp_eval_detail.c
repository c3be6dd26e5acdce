/*
 * bp_eval_detail.c - human-readable text for evaluation checks.
 *
 * The details end up in published revocations ("reasons[].detail") and in
 * explanations, where support staff and freelancers read them, so they say
 * what was seen and what was required, in the order "value < threshold".
 */
#include <stdio.h>
#include <string.h>

#include "bp_eval.h"

/* Appends the certification ids of req, comma separated, to buf. */
static int format_cert_list(const bp_requirement_t *req, char *buf,
                            size_t size) {
        size_t i, used = 0;
        int    n;
        for (i = 0; i < req->u.certification.any_of_cnt; i++) {
                n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                             req->u.certification.any_of[i]);
                if (n < 0 || (size_t)n >= size - used)
                        return -1;
                used += (size_t)n;
        }
        return 0;
}

static int detail_decision(const bp_check_t *c, const bp_partner_state_t *ps,
                           char *buf, size_t size) {
        const char *pid = ps ? ps->partner_id : "the partner";
        switch ((bp_decision_t)c->value) {
        case BP_DECISION_NONE:
                return snprintf(buf, size, "no decision by %s yet", pid);
        case BP_DECISION_NOT_SELECTED:
                return snprintf(buf, size, "not selected by %s", pid);
        case BP_DECISION_REMOVED:
                return snprintf(
                    buf, size, "removed by %s%s%s",
                    c->code == BP_REASON_REMOVED_BY_PLATFORM ? "the platform"
                                                             : pid,
                    ps && ps->decision_reason ? ": " : "",
                    ps && ps->decision_reason ? ps->decision_reason : "");
        default:
                return snprintf(buf, size, "selected by %s", pid);
        }
}

static int detail_certification(const bp_check_t *c, char *buf, size_t size) {
        char list[BP_DETAIL_LIST_SIZE];
        if (!c->requirement ||
            format_cert_list(c->requirement, list, sizeof(list)) == -1)
                snprintf(list, sizeof(list), "the required ones");
        if (c->pass)
                return snprintf(buf, size, "%.0f valid certification(s) of %s",
                                c->value, list);
        if (c->threshold > 0)
                return snprintf(buf, size,
                                "no valid certification of %s (%.0f expired)",
                                list, c->threshold);
        return snprintf(buf, size, "no valid certification of %s", list);
}

static int detail_contracts(const bp_check_t *c, char *buf, size_t size) {
        const char *skill =
            c->requirement ? c->requirement->u.contracts.skill : "?";
        if (c->kind == BP_CHECK_CONTRACTS)
                return snprintf(
                    buf, size, "%.0f contracts with skill %s %s %.0f", c->value,
                    skill, c->pass ? ">=" : "<", c->threshold);
        if (!c->value_known)
                return snprintf(buf, size,
                                "no scored contracts with skill %s "
                                "(average feedback %.2f required)",
                                skill, c->threshold);
        return snprintf(buf, size, "average feedback %.2f %s %.2f (skill %s)",
                        c->value, c->pass ? ">=" : "<", c->threshold, skill);
}

/* "<label> <value> <op> <threshold>" for the plain numeric checks. */
static int detail_min(const char *label, const bp_check_t *c, char *buf,
                      size_t size) {
        return snprintf(buf, size, "%s %.0f %s %.0f", label, c->value,
                        c->pass ? ">=" : "<", c->threshold);
}

int bp_check_detail(const bp_check_t *c, const bp_partner_state_t *ps,
                    char *buf, size_t size) {
        if (!c->value_known && c->kind != BP_CHECK_FEEDBACK &&
            c->kind != BP_CHECK_JSS_PRESENT)
                return snprintf(buf, size, "no profile received yet");
        switch (c->kind) {
        case BP_CHECK_INVITED:
                return snprintf(buf, size, "%s by %s",
                                c->pass ? "invited" : "not invited",
                                ps ? ps->partner_id : "the partner");
        case BP_CHECK_DECISION:
                return detail_decision(c, ps, buf, size);
        case BP_CHECK_ACCOUNT:
                return snprintf(
                    buf, size, "account %s",
                    bp_account_status_name((bp_account_status_t)c->value));
        case BP_CHECK_JSS_PRESENT:
                return snprintf(buf, size, "no job success score yet");
        case BP_CHECK_JSS_MIN:
                return detail_min("jss", c, buf, size);
        case BP_CHECK_COMPLETENESS:
                return snprintf(buf, size,
                                "profile completeness %.0f%% %s %.0f%%",
                                c->value, c->pass ? ">=" : "<", c->threshold);
        case BP_CHECK_VISIBILITY:
                return snprintf(buf, size, "visibility %s%s",
                                bp_visibility_name((bp_visibility_t)c->value),
                                c->pass ? "" : ", PUBLIC required");
        case BP_CHECK_ENGLISH:
                return snprintf(buf, size, "english %s %s %s",
                                bp_english_name((bp_english_t)c->value),
                                c->pass ? ">=" : "<",
                                bp_english_name((bp_english_t)c->threshold));
        case BP_CHECK_CERTIFICATION:
                return detail_certification(c, buf, size);
        case BP_CHECK_CONTRACTS:
        case BP_CHECK_FEEDBACK:
                return detail_contracts(c, buf, size);
        default:
                return snprintf(buf, size, "?");
        }
}
