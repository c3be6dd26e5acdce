/*
 * bp_audit_report.h - an audit's result as a summary table for people or
 * as one JSON document for programs (see `badgeproc audit --help`).
 */
#ifndef BP_AUDIT_REPORT_H
#define BP_AUDIT_REPORT_H

#include <stdint.h>

#include "bp_audit.h"
#include "bp_buf.h"

/** Where the two sides came from, for the report's header. */
typedef struct bp_audit_sources_s {
        const char *rules_version;
        const char *inputs; /* file name or "kafka" */
        uint64_t    input_events, input_rejected;
        const char *published; /* file name or topic */
        uint64_t    published_read, published_rejected;
} bp_audit_sources_t;

/** Most discrepancies the text report lists one by one. */
#define BP_AUDIT_REPORT_LIST_MAX 50

/** Appends the text report: a summary table, then up to
 *  BP_AUDIT_REPORT_LIST_MAX discrepancies, one per line. */
bp_err_t bp_audit_report_text(const bp_audit_t *a, const bp_audit_sources_t *s,
                              bp_buf_t *out);

/**
 * Appends the JSON report, one document and a newline:
 *   {"rules_version","inputs":{...},"published":{...},"summary":{
 *    "expected","published","matched","unjustified","mismatch","missing",
 *    "duplicate","order","discrepancies"},"discrepancies":[{"kind",
 *    "published_index","published":<event>,"expected":<event>,
 *    "previous_version","identical"}...]}
 * with the members that do not apply to a kind left out.
 */
bp_err_t bp_audit_report_json(const bp_audit_t *a, const bp_audit_sources_t *s,
                              bp_buf_t *out);

/** Total discrepancies of every kind. */
uint64_t bp_audit_discrepancies(const bp_audit_t *a);

#endif
