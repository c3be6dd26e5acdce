#!/usr/bin/python3
"""Cross-check of our Avro codec with Apache Avro for Python (python3-avro).

Usage: crosscheck.py BP_CROSSCHECK SCHEMA_MAP

(a) bp_crosscheck emits framed records of every type that our codec
    encoded, with the values it meant as JSON; Python decodes each body
    with the writer schema the frame names and compares field for field.
(b) Python encodes records of every type (and one with an older writer
    schema), frames them with the ids of the schema map, and bp_crosscheck
    decodes them and prints what it read; the values must be Python's.

Run it with Debian's /usr/bin/python3, which has the avro module.
"""
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile

import avro.io
import avro.schema

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MS = datetime.timedelta(milliseconds=1)


def load_map(path):
    """Returns {id: parsed schema} from the local schema map."""
    base = os.path.dirname(path)
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            sid, rel = line.split()
            with open(os.path.join(base, rel)) as s:
                out[int(sid)] = avro.schema.parse(s.read())
    return out


def to_json_form(v):
    """Python's decoded datum in the JSON form bp_crosscheck prints."""
    if isinstance(v, datetime.datetime):
        return (v - EPOCH) // MS
    if isinstance(v, dict):
        return {k: to_json_form(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json_form(x) for x in v]
    return v


def to_python_form(v, schema):
    """A JSON-form value as Python's writer wants it (datetimes)."""
    t = schema.type
    if getattr(schema, "logical_type", None) == "timestamp-millis":
        return EPOCH + v * MS
    if t == "union":
        if v is None:
            return None
        branch = [b for b in schema.schemas if b.type != "null"][0]
        return to_python_form(v, branch)
    if t == "record":
        return {f.name: to_python_form(v.get(f.name), f.type)
                for f in schema.fields if f.name in v}
    if t == "array":
        return [to_python_form(x, schema.items) for x in v]
    return v


def diff(a, b, path="value"):
    """The first difference between two JSON values, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: present on one side only" % (path, k)
            d = diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d items vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if type(a) != type(b) and not (isinstance(a, (int, float)) and
                                   isinstance(b, (int, float))):
        return "%s: %r vs %r" % (path, a, b)
    return None if a == b else "%s: %r vs %r" % (path, a, b)


def check_we_encode(tool, schemas, tmp):
    """(a): Python reads what we wrote."""
    out = subprocess.run([tool, "emit", tmp], check=True,
                         capture_output=True, text=True).stdout
    failures, seen = [], set()
    for line in out.splitlines():
        rec = json.loads(line)
        with open(rec["file"], "rb") as f:
            data = f.read()
        assert data[0] == 0, "bad magic byte"
        sid = int.from_bytes(data[1:5], "big", signed=True)
        schema = schemas[sid]
        assert schema.name == rec["record"], (schema.name, rec["record"])
        body = io.BytesIO(data[5:])
        datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(body))
        d = diff(to_json_form(datum), rec["value"])
        if body.tell() != len(data) - 5:
            d = "%d bytes left after the datum" % (len(data) - 5 - body.tell())
        seen.add(rec["record"])
        if d:
            failures.append("%s (%s): %s" % (rec["file"], rec["record"], d))
    return failures, seen


CERTS = [{"certification_id": "acme-admin", "expires_at": 1893456000000},
         {"certification_id": "zo\u00eb-\u6771\u4eac", "expires_at": None}]

PROFILE = {"event_id": "py-1", "freelancer_id": "f-\u00e9", "occurred_at":
           1700000000999, "profile_version": 2 ** 40, "account_status":
           "CLOSED", "profile_completeness": 0, "visibility": "PRIVATE",
           "english_level": "CONVERSATIONAL", "job_success_score": 100,
           "origin": "ELANCE", "signup_partner_id": "globex",
           "certifications": CERTS}

# (record name, schema id, value in JSON form, expected JSON form or None
# when it is the value itself).
SAMPLES = [
    ("ProfileUpdated", 1, PROFILE, None),
    ("ProfileUpdated", 1, dict(PROFILE, job_success_score=None,
                               signup_partner_id=None, certifications=[]),
     None),
    ("ContractCompleted", 2, {"event_id": "py-2", "freelancer_id": "f",
                              "occurred_at": 1, "contract_id": "c",
                              "skills": ["a", "b", "c"],
                              "feedback_score": 1.25}, None),
    ("ContractCompleted", 2, {"event_id": "py-3", "freelancer_id": "f",
                              "occurred_at": 1, "contract_id": "c",
                              "skills": [], "feedback_score": None}, None),
    ("InvitationSent", 3, {"event_id": "py-4", "freelancer_id": "f",
                           "occurred_at": 4102444800000,
                           "invitation_id": "i", "partner_id": "p"}, None),
    ("PartnerDecision", 4, {"event_id": "py-5", "freelancer_id": "f",
                            "occurred_at": 5, "partner_id": "p",
                            "decision": "NOT_SELECTED",
                            "decided_by": "PLATFORM", "reason": None}, None),
    ("BadgeGranted", 5, {"event_id": "b-1", "freelancer_id": "f",
                         "partner_id": "p", "badge_id": "p-expert",
                         "occurred_at": 6, "badge_version": 1,
                         "basis": "STANDARD",
                         "cause": {"event_id": "py-5", "topic": "t",
                                   "partition": 11, "offset": 2 ** 33},
                         "rules_version": "r"}, None),
    ("BadgeRevoked", 6, {"event_id": "b-2", "freelancer_id": "f",
                         "partner_id": "p", "badge_id": "p-expert",
                         "occurred_at": 7, "badge_version": 2,
                         "reasons": [{"code": "NOT_INVITED", "detail": ""},
                                     {"code": "ENGLISH_BELOW_MIN",
                                      "detail": "BASIC < FLUENT"}],
                         "cause": {"event_id": "py-6", "topic": "t",
                                   "partition": 0, "offset": 0},
                         "rules_version": "r"}, None),
    ("FreelancerState", 7, {
        "freelancer_id": "f", "profile": {
            "profile_version": 3, "updated_at": 8, "account_status": "ACTIVE",
            "profile_completeness": 90, "visibility": "PUBLIC",
            "english_level": "NATIVE", "job_success_score": None,
            "origin": "NATIVE", "signup_partner_id": None,
            "certifications": CERTS},
        "contract_hashes": [1, 5, -2],
        "skills": [{"skill": "a", "contracts": 4, "scored": 1,
                    "feedback_sum": 4.5},
                   {"skill": "b", "contracts": 1, "scored": 0,
                    "feedback_sum": 0.0}],
        "partners": [{"partner_id": "p", "invited": True,
                      "invited_at": 9, "decision": "REMOVED",
                      "decided_by": "PLATFORM", "decided_at": 10,
                      "decision_event_id": "py-7",
                      "decision_reason": "policy", "held": False,
                      "basis": "STANDARD", "badge_version": 4}]}, None),
    ("FreelancerState", 7, {"freelancer_id": "g", "profile": None,
                            "contract_hashes": [], "skills": [],
                            "partners": []}, None),
    # Written with ProfileUpdated version 0: the reader fills in what that
    # version lacked from its defaults.
    ("ProfileUpdated", 100,
     dict({k: v for k, v in PROFILE.items() if k != "signup_partner_id"},
          certifications=[{"certification_id": "acme-admin"}]),
     dict(PROFILE, signup_partner_id=None,
          certifications=[{"certification_id": "acme-admin",
                           "expires_at": None}])),
]


def check_we_decode(tool, schemas, tmp):
    """(b): we read what Python wrote."""
    paths, expected = [], {}
    for n, (name, sid, value, want) in enumerate(SAMPLES):
        schema = schemas[sid]
        assert schema.name == name, (schema.name, name)
        buf = io.BytesIO()
        buf.write(b"\0" + sid.to_bytes(4, "big"))
        avro.io.DatumWriter(schema).write(to_python_form(value, schema),
                                          avro.io.BinaryEncoder(buf))
        path = os.path.join(tmp, "py-%d.bin" % n)
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        paths.append(path)
        expected[path] = (name, want if want is not None else value)
    run = subprocess.run([tool, "read"] + paths, capture_output=True,
                         text=True)
    failures = [e for e in run.stderr.splitlines()]
    for line in run.stdout.splitlines():
        rec = json.loads(line)
        name, want = expected.pop(rec["file"])
        d = name != rec["record"] and "record %s" % rec["record"] or \
            diff(rec["value"], want)
        if d:
            failures.append("%s (%s): %s" % (rec["file"], name, d))
    failures += ["%s: not decoded" % p for p in expected
                 if not any(p in f for f in failures)]
    return failures, {s[0] for s in SAMPLES}


def main():
    tool, map_path = sys.argv[1], sys.argv[2]
    schemas = load_map(map_path)
    os.environ["BP_SCHEMA_MAP"] = map_path
    all_types = {"ProfileUpdated", "ContractCompleted", "InvitationSent",
                 "PartnerDecision", "BadgeGranted", "BadgeRevoked",
                 "FreelancerState"}
    with tempfile.TemporaryDirectory() as tmp:
        fa, seen_a = check_we_encode(tool, schemas, tmp)
        fb, seen_b = check_we_decode(tool, schemas, tmp)
    for what, seen in (("we encode", seen_a), ("we decode", seen_b)):
        if seen != all_types:
            fa.append("%s: types not covered: %s" % (what, all_types - seen))
    for f in fa + fb:
        print("crosscheck: " + f, file=sys.stderr)
    print("crosscheck: python3-avro %s; we encode: %d types, we decode: %d "
          "records; %d failures" % (avro.__version__, len(seen_a),
                                     len(SAMPLES), len(fa) + len(fb)))
    return 1 if fa or fb else 0


if __name__ == "__main__":
    sys.exit(main())
