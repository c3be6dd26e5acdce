/*
 * bp_jsonl_badge.c - reads badge-granted / badge-revoked lines back into
 * bp_badge_event_t (see bp_jsonl.h).
 *
 * Audit tooling reads what replay or the runtime published and compares it
 * with what the rules say. Unlike the input parser, the event this builds
 * must outlive the line (audits keep many), so its strings are copied into
 * the caller's arena; the parser's scanner is reused for the line.
 * The fixed-size members (event_id, reason details) are refused when the
 * text would not fit, rather than cut, so that a round trip is exact.
 */
#include <string.h>

#include "bp_jsonl.h"
#include "bp_jsonl_field.h"

/* Reads string member name of obj into the arena: *out is the copy. */
static bp_err_t arena_string(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                             bp_arena_t *arena, const char **out) {
        const char *s;

        BP_JF_TRY(bp_jf_string(jf, obj, name, false, &s));
        *out = bp_arena_strdup(arena, s);
        if (!*out)
                return bp_jf_fail(jf, BP_ERR_NOMEM, "out of memory");
        return BP_OK;
}

/* Reads string member name of obj into the fixed array dst. */
static bp_err_t fixed_string(bp_jf_t *jf, const bp_jv_t *obj, const char *name,
                             char *dst, size_t dst_size) {
        const char *s;
        size_t      n;
        char        p[BP_JF_PATH_SIZE];

        BP_JF_TRY(bp_jf_string(jf, obj, name, false, &s));
        n = strlen(s);
        if (n >= dst_size)
                return bp_jf_fail(
                    jf, BP_ERR_INVALID, "field \"%s\": %zu bytes, at most %zu",
                    bp_jf_path(jf, name, p, sizeof(p)), n, dst_size - 1);
        memcpy(dst, s, n + 1);
        return BP_OK;
}

static bp_err_t read_reasons(bp_jf_t *jf, const bp_jv_t *obj,
                             bp_badge_event_t *ev) {
        const bp_jv_t *arr, *el;
        const char    *code;
        bp_jf_t        at = *jf;
        size_t         i, n;

        BP_JF_TRY(bp_jf_array(jf, obj, "reasons", BP_REASON__CNT, &arr));
        n       = arr->cnt;
        at.list = "reasons";
        for (i = 0, el = bp_jv_first(arr); i < n; i++, el = bp_jv_next(el)) {
                bp_reason_t *r = &ev->reasons[i];

                at.idx = i;
                BP_JF_TRY(bp_jf_elem_object(jf, el, "reasons", i));
                BP_JF_TRY(bp_jf_string(&at, el, "code", false, &code));
                if (bp_reason_code_parse(code, &r->code) != 0)
                        return bp_jf_bad_enum(&at, "code", code);
                BP_JF_TRY(fixed_string(&at, el, "detail", r->detail,
                                       sizeof(r->detail)));
        }
        ev->reason_cnt = n;
        return BP_OK;
}

static bp_err_t read_cause(bp_jf_t *jf, const bp_jv_t *obj, bp_arena_t *arena,
                           bp_cause_t *cause) {
        const bp_jv_t *c;
        bp_jf_t        at = *jf;

        BP_JF_TRY(bp_jf_object(jf, obj, "cause", &c));
        /* Members of cause are named "cause.x" in messages. */
        at.list = "cause";
        at.idx  = BP_JF_MEMBER;
        BP_JF_TRY(arena_string(&at, c, "event_id", arena, &cause->event_id));
        BP_JF_TRY(arena_string(&at, c, "topic", arena, &cause->topic));
        BP_JF_TRY(
            bp_jf_int32(&at, c, "partition", false, NULL, &cause->partition));
        return bp_jf_int64(&at, c, "offset", false, NULL, &cause->offset);
}

static bp_err_t read_badge(bp_jf_t *jf, const bp_jv_t *obj, bp_arena_t *arena,
                           bp_badge_event_t *ev) {
        const char *s;

        BP_JF_TRY(bp_jf_string(jf, obj, "type", false, &s));
        if (bp_badge_kind_parse(s, &ev->kind) != 0)
                return bp_jf_fail(jf, BP_ERR_INVALID, "unknown type \"%.64s\"",
                                  s);
        BP_JF_TRY(fixed_string(jf, obj, "event_id", ev->event_id,
                               sizeof(ev->event_id)));
        BP_JF_TRY(
            arena_string(jf, obj, "freelancer_id", arena, &ev->freelancer_id));
        BP_JF_TRY(arena_string(jf, obj, "partner_id", arena, &ev->partner_id));
        BP_JF_TRY(arena_string(jf, obj, "badge_id", arena, &ev->badge_id));
        BP_JF_TRY(
            bp_jf_int64(jf, obj, "occurred_at", false, NULL, &ev->occurred_at));
        BP_JF_TRY(bp_jf_int64(jf, obj, "badge_version", false, NULL,
                              &ev->badge_version));
        if (ev->kind == BP_BADGE_GRANTED) {
                BP_JF_TRY(bp_jf_string(jf, obj, "basis", false, &s));
                if (bp_basis_parse(s, &ev->basis) != 0)
                        return bp_jf_bad_enum(jf, "basis", s);
        } else {
                BP_JF_TRY(read_reasons(jf, obj, ev));
        }
        BP_JF_TRY(read_cause(jf, obj, arena, &ev->cause));
        return arena_string(jf, obj, "rules_version", arena,
                            &ev->rules_version);
}

bp_err_t bp_jsonl_parse_badge(bp_jsonl_parser_t *parser, const char *line,
                              size_t len, bp_arena_t *arena,
                              bp_badge_event_t *ev, char *errstr,
                              size_t errstr_size) {
        bp_jf_t        jf = {.errstr = errstr, .errstr_size = errstr_size};
        const bp_jv_t *root;
        bp_err_t       err;

        memset(ev, 0, sizeof(*ev));
        err =
            bp_jf_load(&jf, bp_jsonl_parser_scanner(parser), line, len, &root);
        if (err == BP_OK)
                err = read_badge(&jf, root, arena, ev);
        return err;
}
