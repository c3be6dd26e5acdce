#!/usr/bin/python3
"""python_service.py - the badge service as a team might write it in Python.

The comparison point of bench/e2e.sh: what the same job costs when written
the straightforward way with the libraries Debian ships
(python3-confluent-kafka, python3-avro, python3-yaml), by someone who cares
about speed but not about the corner cases badgeproc exists for. It is
meant to be a fair, reasonable program, not a strawman:

- batched consume (Consumer.consume of up to 1,000 records), one Avro
  reader per writer schema, built once;
- the rules of the same rules directory (platform thresholds, invitation,
  latest decision, the new-freelancer exception, certification, contracts
  and score requirements), evaluated only for the freelancer an event
  touched;
- badge events Avro-encoded with the same schemas and framing;
- at-least-once: every commit.interval.ms (or batch.max.events) the
  producer is flushed, then the input offsets are committed.

What it does not do, each of which makes it faster than a production
version would be: state lives in a dict in memory (lost on restart; no
store, no changelog), no transactions, no merge of the four inputs in
timestamp order, no bounded validation of input records, revocation
reasons without their detail text.

It writes the same `batch_committed events=N` log lines as badgeproc
(log level debug) so that bench/e2e_stats.py reads both the same way.

Usage: python_service.py --brokers B --group G --rules DIR --schema-map FILE
       --output TOPIC [--topics A,B,C,D] [--commit-interval-ms 100]
Stops on SIGTERM/SIGINT after a last commit.
"""
import argparse
import hashlib
import io
import os
import signal
import struct
import sys
import time

import avro.io
import avro.schema
import yaml
from confluent_kafka import Consumer, KafkaError, Producer

ENGLISH = ["NONE", "BASIC", "CONVERSATIONAL", "FLUENT", "NATIVE"]
REASON_ORDER = ["NOT_INVITED", "NOT_SELECTED", "REMOVED_BY_PARTNER",
                "REMOVED_BY_PLATFORM", "ACCOUNT_NOT_ACTIVE", "JSS_MISSING",
                "JSS_BELOW_MIN", "PROFILE_INCOMPLETE", "PROFILE_NOT_PUBLIC",
                "ENGLISH_BELOW_MIN", "CERTIFICATION_MISSING",
                "CONTRACTS_BELOW_MIN", "FEEDBACK_BELOW_MIN"]

stopping = False


def log(event, fields=""):
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    sys.stderr.write("ts=%s.%03dZ level=debug event=%s %s\n" %
                     (stamp, int(now * 1000) % 1000, event, fields))
    sys.stderr.flush()


def load_schemas(schema_map):
    """Schema id -> parsed schema, from the project's schema map."""
    base = os.path.dirname(schema_map)
    schemas = {}
    with open(schema_map) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            sid, path = line.split()
            with open(os.path.join(base, path)) as s:
                schemas[int(sid)] = avro.schema.parse(s.read())
    return schemas


def load_rules(rules_dir):
    platform = {"min_job_success_score": 80, "min_profile_completeness": 100,
                "min_profile_completeness_elance": 90,
                "min_english_level": "FLUENT",
                "require_public_profile": True,
                "require_active_account": True}
    partners = {}
    for name in sorted(os.listdir(rules_dir)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(rules_dir, name)) as f:
            doc = yaml.safe_load(f) or {}
        if name == "platform.yaml":
            platform.update(doc)
        else:
            partners[doc["partner_id"]] = doc
    return platform, partners


class Service:
    def __init__(self, args):
        self.args = args
        self.schemas = load_schemas(args.schema_map)
        self.readers = {sid: avro.io.DatumReader(s)
                        for sid, s in self.schemas.items()}
        self.platform, self.partners = load_rules(args.rules)
        self.rules_version = "py-" + hashlib.sha256(
            repr((self.platform, self.partners)).encode()).hexdigest()[:16]
        self.writer_granted = avro.io.DatumWriter(self.schemas[5])
        self.writer_revoked = avro.io.DatumWriter(self.schemas[6])
        self.states = {}
        self.topics = args.topics.split(",")
        self.kind = {t: i for i, t in enumerate(self.topics)}
        self.consumer = Consumer({
            "bootstrap.servers": args.brokers, "group.id": args.group,
            "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        self.producer = Producer({"bootstrap.servers": args.brokers,
                                  "enable.idempotence": True})

    # --- decoding -------------------------------------------------------
    def decode(self, value):
        magic, sid = struct.unpack(">bI", value[:5])
        if magic != 0 or sid not in self.readers:
            raise ValueError("bad framing")
        dec = avro.io.BinaryDecoder(io.BytesIO(value[5:]))
        return self.readers[sid].read(dec)

    # --- state ----------------------------------------------------------
    def state(self, fid):
        st = self.states.get(fid)
        if st is None:
            st = {"profile": None, "contract_ids": set(), "skills": {},
                  "invited": set(), "decisions": {}, "held": {},
                  "versions": {}}
            self.states[fid] = st
        return st

    def apply(self, kind, ev, st):
        """Applies one event; True when the state changed."""
        if kind == 0:
            p = st["profile"]
            if p is not None and ev["profile_version"] <= p["profile_version"]:
                return False
            st["profile"] = ev
            return True
        if kind == 1:
            if ev["contract_id"] in st["contract_ids"]:
                return False
            st["contract_ids"].add(ev["contract_id"])
            for skill in ev["skills"]:
                cnt, fsum, fcnt = st["skills"].get(skill, (0, 0.0, 0))
                if ev["feedback_score"] is not None:
                    fsum += ev["feedback_score"]
                    fcnt += 1
                st["skills"][skill] = (cnt + 1, fsum, fcnt)
            return True
        if kind == 2:
            if ev["partner_id"] in st["invited"]:
                return False
            st["invited"].add(ev["partner_id"])
            return True
        key = (ev["occurred_at"], ev["event_id"])
        old = st["decisions"].get(ev["partner_id"])
        if old is not None and old[0] >= key:
            return False
        st["decisions"][ev["partner_id"]] = (key, ev["decision"],
                                             ev["decided_by"])
        return True

    # --- rules ----------------------------------------------------------
    def reasons(self, st, partner, at):
        """Failing reason codes for partner, in the domain's order, and
        the basis when none fails."""
        out = []
        rules = self.partners.get(partner, {})
        plat = self.platform
        if partner not in st["invited"]:
            out.append("NOT_INVITED")
        dec = st["decisions"].get(partner)
        if dec is None or dec[1] == "NOT_SELECTED":
            out.append("NOT_SELECTED")
        elif dec[1] == "REMOVED":
            out.append("REMOVED_BY_PLATFORM" if dec[2] == "PLATFORM"
                       else "REMOVED_BY_PARTNER")
        p = st["profile"]
        basis = "STANDARD"
        if p is None:
            out.append("ACCOUNT_NOT_ACTIVE")
            out.append("JSS_MISSING")
            out.append("PROFILE_INCOMPLETE")
            out.append("PROFILE_NOT_PUBLIC")
            out.append("ENGLISH_BELOW_MIN")
        else:
            exception = (p["job_success_score"] is None and
                         p["signup_partner_id"] == partner and
                         rules.get("new_freelancer_exception", True))
            if plat["require_active_account"] and \
                    p["account_status"] != "ACTIVE":
                out.append("ACCOUNT_NOT_ACTIVE")
            if exception:
                basis = "NEW_FREELANCER_EXCEPTION"
                if p["profile_completeness"] < 100:
                    out.append("PROFILE_INCOMPLETE")
                if p["visibility"] != "PUBLIC":
                    out.append("PROFILE_NOT_PUBLIC")
            else:
                jss = p["job_success_score"]
                if jss is None:
                    out.append("JSS_MISSING")
                elif jss < plat["min_job_success_score"]:
                    out.append("JSS_BELOW_MIN")
                need = plat["min_profile_completeness_elance"] \
                    if p["origin"] == "ELANCE" \
                    else plat["min_profile_completeness"]
                if p["profile_completeness"] < need:
                    out.append("PROFILE_INCOMPLETE")
                if plat["require_public_profile"] and \
                        p["visibility"] != "PUBLIC":
                    out.append("PROFILE_NOT_PUBLIC")
                if ENGLISH.index(p["english_level"]) < \
                        ENGLISH.index(plat["min_english_level"]):
                    out.append("ENGLISH_BELOW_MIN")
        for req in rules.get("requirements", []):
            if "certification" in req:
                ok = p is not None and any(
                    c["certification_id"] in req["certification"]["any_of"]
                    and (c["expires_at"] is None or c["expires_at"] > at)
                    for c in p["certifications"])
                if not ok:
                    out.append("CERTIFICATION_MISSING")
            elif "contracts" in req:
                r = req["contracts"]
                cnt, fsum, fcnt = st["skills"].get(r["skill"], (0, 0.0, 0))
                if cnt < r.get("min", 1):
                    out.append("CONTRACTS_BELOW_MIN")
                if "min_feedback" in r and \
                        (fcnt == 0 or fsum / fcnt < r["min_feedback"]):
                    out.append("FEEDBACK_BELOW_MIN")
            elif "job_success_score" in req:
                jss = p["job_success_score"] if p else None
                if jss is None:
                    out.append("JSS_MISSING")
                elif jss < req["job_success_score"]["min"]:
                    out.append("JSS_BELOW_MIN")
        out = sorted(set(out), key=REASON_ORDER.index)
        return out, basis

    def evaluate(self, fid, st, ev, msg):
        partners = st["invited"] | set(st["held"])
        for partner in sorted(partners):
            codes, basis = self.reasons(st, partner, ev["occurred_at"])
            holds = not codes
            if holds == (partner in st["held"]):
                continue
            version = st["versions"].get(partner, 0) + 1
            st["versions"][partner] = version
            if holds:
                st["held"][partner] = True
            else:
                del st["held"][partner]
            self.publish(fid, partner, version, holds, basis, codes, ev, msg)

    def publish(self, fid, partner, version, granted, basis, codes, ev, msg):
        rules = self.partners.get(partner, {})
        rec = {
            "event_id": "b-" + hashlib.sha256(("%s|%s|%d|%s" % (
                fid, partner, version,
                ev["event_id"])).encode()).hexdigest()[:32],
            "freelancer_id": fid, "partner_id": partner,
            "badge_id": rules.get("badge_id", partner + "-expert"),
            "occurred_at": ev["occurred_at"], "badge_version": version,
            "cause": {"event_id": ev["event_id"], "topic": msg.topic(),
                      "partition": msg.partition(), "offset": msg.offset()},
            "rules_version": self.rules_version}
        buf = io.BytesIO()
        if granted:
            buf.write(struct.pack(">bI", 0, 5))
            rec["basis"] = basis
            self.writer_granted.write(rec, avro.io.BinaryEncoder(buf))
        else:
            buf.write(struct.pack(">bI", 0, 6))
            rec["reasons"] = [{"code": c, "detail": ""} for c in codes]
            self.writer_revoked.write(rec, avro.io.BinaryEncoder(buf))
        while True:
            try:
                self.producer.produce(self.args.output, buf.getvalue(),
                                      key=fid)
                return
            except BufferError:
                self.producer.poll(0.05)

    # --- loop -----------------------------------------------------------
    def commit(self, events):
        if self.producer.flush(30) != 0:
            raise RuntimeError("badge events not delivered")
        self.consumer.commit(asynchronous=False)
        log("batch_committed", "events=%d" % events)

    def run(self):
        self.consumer.subscribe(
            self.topics,
            on_assign=lambda c, parts: log("assigned",
                                           "partitions=%d" % len(parts)))
        log("started", "rules_version=%s" % self.rules_version)
        pending, started = 0, 0.0
        interval = self.args.commit_interval_ms / 1000.0
        while not stopping:
            msgs = self.consumer.consume(1000, 0.05)
            for msg in msgs:
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        log("consume_error", "error=%s" % msg.error())
                    continue
                kind = self.kind[msg.topic()]
                try:
                    ev = self.decode(msg.value())
                except Exception as e:  # a bad record is skipped
                    log("bad_record", "error=%s" % e)
                    continue
                fid = ev["freelancer_id"]
                st = self.state(fid)
                if self.apply(kind, ev, st):
                    self.evaluate(fid, st, ev, msg)
                if pending == 0:
                    started = time.monotonic()
                pending += 1
            self.producer.poll(0)
            if pending and (pending >= self.args.batch_max_events or
                            time.monotonic() - started >= interval):
                self.commit(pending)
                pending = 0
        if pending:
            self.commit(pending)
        self.consumer.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--schema-map", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--topics", default="profile-updated,contract-completed,"
                    "invitation-sent,partner-decision")
    ap.add_argument("--commit-interval-ms", type=int, default=100)
    ap.add_argument("--batch-max-events", type=int, default=10000)
    args = ap.parse_args()

    def on_stop(signum, frame):
        global stopping
        stopping = True
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    Service(args).run()


if __name__ == "__main__":
    main()
