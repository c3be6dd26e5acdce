/*
 * bp_crosscheck.c - the C side of the cross-check with Apache Avro for
 * Python (crosscheck.py).
 *
 *   bp_crosscheck emit DIR      writes DIR/<n>.bin, framed records we
 *                               encoded (every type, with and without
 *                               nulls), and prints each as a JSON line
 *                               {"file":..., "record": <type>, "value":
 *                               {...}} giving the values we meant;
 *   bp_crosscheck read FILE...  decodes each framed file and prints the
 *                               same JSON line for what we decoded.
 * The JSON mirrors the Avro record (field names, nested records, null for
 * a null branch, enum symbols, timestamps as integer milliseconds), so the
 * script can compare it field for field with what Python reads or wrote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bp_codec.h"
#include "bp_samples.h"

static json_t *opt_str(const char *s) {
        return s ? json_string(s) : json_null();
}

static json_t *opt_long(int64_t v, int64_t none) {
        return v == none ? json_null() : json_integer(v);
}

static json_t *event_json(const bp_event_t *ev) {
        json_t *o   = json_pack("{s:s,s:s,s:I}", "event_id", ev->event_id,
                                "freelancer_id", ev->freelancer_id, "occurred_at",
                                (json_int_t)ev->occurred_at);
        json_t *arr = json_array();
        size_t  i;

        if (ev->type == BP_EV_PROFILE_UPDATED) {
                const bp_profile_updated_t *p = &ev->u.profile;
                for (i = 0; i < p->certification_cnt; i++)
                        json_array_append_new(
                            arr,
                            json_pack("{s:s,s:o}", "certification_id",
                                      p->certifications[i].certification_id,
                                      "expires_at",
                                      opt_long(p->certifications[i].expires_at,
                                               BP_TIME_NONE)));
                json_object_update_new(
                    o, json_pack(
                           "{s:I,s:s,s:i,s:s,s:s,s:o,s:s,s:o,s:o}",
                           "profile_version", (json_int_t)p->profile_version,
                           "account_status",
                           bp_account_status_name(p->account_status),
                           "profile_completeness", p->profile_completeness,
                           "visibility", bp_visibility_name(p->visibility),
                           "english_level", bp_english_name(p->english_level),
                           "job_success_score",
                           opt_long(p->job_success_score, BP_JSS_NONE),
                           "origin", bp_origin_name(p->origin),
                           "signup_partner_id", opt_str(p->signup_partner_id),
                           "certifications", json_incref(arr)));
        } else if (ev->type == BP_EV_CONTRACT_COMPLETED) {
                const bp_contract_completed_t *c = &ev->u.contract;
                for (i = 0; i < c->skill_cnt; i++)
                        json_array_append_new(arr, json_string(c->skills[i]));
                json_object_update_new(
                    o, json_pack("{s:s,s:O,s:o}", "contract_id", c->contract_id,
                                 "skills", arr, "feedback_score",
                                 c->has_feedback_score
                                     ? json_real(c->feedback_score)
                                     : json_null()));
        } else if (ev->type == BP_EV_INVITATION_SENT) {
                json_object_update_new(
                    o, json_pack("{s:s,s:s}", "invitation_id",
                                 ev->u.invitation.invitation_id, "partner_id",
                                 ev->u.invitation.partner_id));
        } else {
                const bp_partner_decision_t *d = &ev->u.decision;
                json_object_update_new(
                    o,
                    json_pack("{s:s,s:s,s:s,s:o}", "partner_id", d->partner_id,
                              "decision", bp_decision_name(d->decision),
                              "decided_by", bp_decided_by_name(d->decided_by),
                              "reason", opt_str(d->reason)));
        }
        json_decref(arr);
        return o;
}

static json_t *badge_json(const bp_badge_event_t *ev) {
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:s,s:I,s:I,s:{s:s,s:s,s:i,s:I},s:s}", "event_id",
            ev->event_id, "freelancer_id", ev->freelancer_id, "partner_id",
            ev->partner_id, "badge_id", ev->badge_id, "occurred_at",
            (json_int_t)ev->occurred_at, "badge_version",
            (json_int_t)ev->badge_version, "cause", "event_id",
            ev->cause.event_id, "topic", ev->cause.topic, "partition",
            (int)ev->cause.partition, "offset", (json_int_t)ev->cause.offset,
            "rules_version", ev->rules_version);
        json_t *arr;
        size_t  i;

        if (ev->kind == BP_BADGE_GRANTED) {
                json_object_set_new(o, "basis",
                                    json_string(bp_basis_name(ev->basis)));
                return o;
        }
        arr = json_array();
        for (i = 0; i < ev->reason_cnt; i++)
                json_array_append_new(
                    arr, json_pack("{s:s,s:s}", "code",
                                   bp_reason_code_name(ev->reasons[i].code),
                                   "detail", ev->reasons[i].detail));
        json_object_set_new(o, "reasons", arr);
        return o;
}

static json_t *profile_json(const bp_profile_t *p) {
        json_t *certs = json_array();
        size_t  i;

        for (i = 0; i < p->certification_cnt; i++)
                json_array_append_new(
                    certs, json_pack("{s:s,s:o}", "certification_id",
                                     p->certifications[i].certification_id,
                                     "expires_at",
                                     opt_long(p->certifications[i].expires_at,
                                              BP_TIME_NONE)));
        return json_pack(
            "{s:I,s:I,s:s,s:i,s:s,s:s,s:o,s:s,s:o,s:o}", "profile_version",
            (json_int_t)p->profile_version, "updated_at",
            (json_int_t)p->updated_at, "account_status",
            bp_account_status_name(p->account_status), "profile_completeness",
            p->profile_completeness, "visibility",
            bp_visibility_name(p->visibility), "english_level",
            bp_english_name(p->english_level), "job_success_score",
            opt_long(p->job_success_score, BP_JSS_NONE), "origin",
            bp_origin_name(p->origin), "signup_partner_id",
            opt_str(p->signup_partner_id), "certifications", certs);
}

static json_t *state_json(const bp_freelancer_t *fl) {
        json_t *h = json_array(), *sk = json_array(), *ps = json_array();
        size_t  i;

        for (i = 0; i < fl->contract_cnt; i++)
                json_array_append_new(
                    h, json_integer((json_int_t)fl->contract_hashes[i]));
        for (i = 0; i < fl->skill_cnt; i++)
                json_array_append_new(
                    sk,
                    json_pack("{s:s,s:I,s:I,s:f}", "skill", fl->skills[i].skill,
                              "contracts", (json_int_t)fl->skills[i].contracts,
                              "scored", (json_int_t)fl->skills[i].scored,
                              "feedback_sum", fl->skills[i].feedback_sum));
        for (i = 0; i < fl->partner_cnt; i++) {
                const bp_partner_state_t *p = &fl->partners[i];
                json_array_append_new(
                    ps, json_pack(
                            "{s:s,s:b,s:o,s:o,s:s,s:o,s:o,s:o,s:b,s:s,s:I}",
                            "partner_id", p->partner_id, "invited", p->invited,
                            "invited_at", opt_long(p->invited_at, BP_TIME_NONE),
                            "decision",
                            p->decision == BP_DECISION_NONE
                                ? json_null()
                                : json_string(bp_decision_name(p->decision)),
                            "decided_by", bp_decided_by_name(p->decided_by),
                            "decided_at", opt_long(p->decided_at, BP_TIME_NONE),
                            "decision_event_id", opt_str(p->decision_event_id),
                            "decision_reason", opt_str(p->decision_reason),
                            "held", p->held, "basis", bp_basis_name(p->basis),
                            "badge_version", (json_int_t)p->badge_version));
        }
        return json_pack("{s:s,s:o,s:o,s:o,s:o}", "freelancer_id",
                         fl->freelancer_id, "profile",
                         fl->has_profile ? profile_json(&fl->profile)
                                         : json_null(),
                         "contract_hashes", h, "skills", sk, "partners", ps);
}

/* Prints one {"file", "record", "value"} line and frees value. */
static void print_line(const char *file, bp_record_kind_t kind, json_t *value) {
        json_t *line = json_pack("{s:s,s:s,s:o}", "file", file, "record",
                                 bp_codec_record_name(kind), "value", value);
        char   *text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
        puts(text);
        free(text);
        json_decref(line);
}

static int write_file(const char *path, const bp_buf_t *buf) {
        FILE *f  = fopen(path, "wb");
        int   ok = f && fwrite(buf->data, 1, buf->len, f) == buf->len;
        if (f && fclose(f) != 0)
                ok = 0;
        return ok ? 0 : -1;
}

/* Encodes sample n of kind into DIR/<n>.bin and prints what it holds. */
static int emit_one(bp_codec_t *codec, const char *dir, int n,
                    bp_record_kind_t kind, char *err, size_t err_size) {
        char             path[4096];
        bp_buf_t         buf = {0};
        bp_event_t       ev;
        bp_badge_event_t badge;
        bp_freelancer_t *fl = NULL;
        json_t          *value;
        bp_err_t         rc;

        if (kind < BP_REC_BADGE_GRANTED) {
                ev    = bp_sample_event(n);
                rc    = bp_codec_encode_event(codec, &ev, &buf, err, err_size);
                value = event_json(&ev);
        } else if (kind < BP_REC_FREELANCER_STATE) {
                badge = bp_sample_badge(kind == BP_REC_BADGE_GRANTED
                                            ? BP_BADGE_GRANTED
                                            : BP_BADGE_REVOKED);
                rc = bp_codec_encode_badge(codec, &badge, &buf, err, err_size);
                value = badge_json(&badge);
        } else {
                fl    = bp_sample_state(n % 2);
                rc    = bp_codec_encode_state(codec, fl, &buf, err, err_size);
                value = state_json(fl);
        }
        snprintf(path, sizeof(path), "%s/%d.bin", dir, n);
        if (rc == BP_OK && write_file(path, &buf) == -1) {
                snprintf(err, err_size, "cannot write %.400s", path);
                rc = BP_ERR_IO;
        }
        if (rc == BP_OK)
                print_line(path, kind, value);
        else
                json_decref(value);
        bp_freelancer_destroy(fl);
        bp_buf_free(&buf);
        return rc == BP_OK ? 0 : -1;
}

static int emit(bp_codec_t *codec, const char *dir) {
        char err[512];
        int  n;

        for (n = 0; n < BP_SAMPLE_EVENTS + 4; n++) {
                bp_record_kind_t kind =
                    n < BP_SAMPLE_EVENTS
                        ? (bp_record_kind_t)bp_sample_event(n).type
                    : n < BP_SAMPLE_EVENTS + 2
                        ? (bp_record_kind_t)(BP_REC_BADGE_GRANTED + n % 2)
                        : BP_REC_FREELANCER_STATE;
                if (emit_one(codec, dir, n, kind, err, sizeof(err)) == -1) {
                        fprintf(stderr, "emit %d: %s\n", n, err);
                        return -1;
                }
        }
        return 0;
}

/* Decodes one framed file of any of our types and prints it. */
static int read_one(bp_codec_t *codec, const char *path, uint8_t *data,
                    size_t len, char *err, size_t err_size) {
        bp_record_kind_t kind;
        bp_event_t       ev;
        bp_badge_event_t badge;
        bp_freelancer_t *fl = NULL;
        bp_err_t         rc;

        if ((rc = bp_codec_kind_of(codec, data, len, &kind, err, err_size)))
                return -1;
        if (kind < BP_REC_BADGE_GRANTED) {
                rc = bp_codec_decode_event(codec, (bp_event_type_t)kind, data,
                                           len, &ev, err, err_size);
                if (rc == BP_OK)
                        print_line(path, kind, event_json(&ev));
        } else if (kind < BP_REC_FREELANCER_STATE) {
                rc = bp_codec_decode_badge(codec, data, len, &badge, err,
                                           err_size);
                if (rc == BP_OK)
                        print_line(path, kind, badge_json(&badge));
        } else {
                rc =
                    bp_codec_decode_state(codec, data, len, &fl, err, err_size);
                if (rc == BP_OK)
                        print_line(path, kind, state_json(fl));
                bp_freelancer_destroy(fl);
        }
        return rc == BP_OK ? 0 : -1;
}

static int read_files(bp_codec_t *codec, char **paths, int cnt) {
        static uint8_t data[1 << 20];
        char           err[512];
        int            i, bad = 0;

        for (i = 0; i < cnt; i++) {
                FILE  *f = fopen(paths[i], "rb");
                size_t n = f ? fread(data, 1, sizeof(data), f) : 0;
                if (f)
                        fclose(f);
                if (!f || read_one(codec, paths[i], data, n, err,
                                   sizeof(err)) == -1) {
                        fprintf(stderr, "%s: %s\n", paths[i],
                                f ? err : "cannot open");
                        bad = 1;
                }
        }
        return bad ? -1 : 0;
}

int main(int argc, char **argv) {
        bp_codec_conf_t conf = {.schema_map = getenv("BP_SCHEMA_MAP")};
        char            err[512];
        bp_codec_t     *codec;
        int             rc;

        if (argc < 3 || (strcmp(argv[1], "emit") && strcmp(argv[1], "read"))) {
                fprintf(stderr,
                        "usage: bp_crosscheck emit DIR | read FILE...\n");
                return 2;
        }
        if (!(codec = bp_codec_new(&conf, err, sizeof(err)))) {
                fprintf(stderr, "bp_crosscheck: %s\n", err);
                return 1;
        }
        rc = strcmp(argv[1], "emit") == 0
                 ? emit(codec, argv[2])
                 : read_files(codec, argv + 2, argc - 2);
        bp_codec_destroy(codec);
        return rc == 0 ? 0 : 1;
}
