#!/usr/bin/python3
"""Writes input events as Avro object container files with python3-avro.

Usage: write_ocf.py SCHEMA_DIR EVENTS.jsonl OUT_DIR CODEC

One file per event type, OUT_DIR/N-TYPE.avro with N the type's position
(1 profile-updated ... 4 partner-decision), so that the files of a
directory are read in type order. CODEC is null or deflate. Apache Avro
for Python picks its own sync marker and block sizes: the files are what
another implementation writes, for test_avro_files.sh to read back.

Run it with Debian's /usr/bin/python3, which has the avro module.
"""
import json
import os
import sys

import avro.datafile
import avro.io
import avro.schema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crosscheck import to_python_form  # noqa: E402

TYPES = [("profile-updated", "ProfileUpdated"),
         ("contract-completed", "ContractCompleted"),
         ("invitation-sent", "InvitationSent"),
         ("partner-decision", "PartnerDecision")]


def main():
    schema_dir, events, out_dir, codec = sys.argv[1:5]
    writers = {}
    files = []
    for i, (name, record) in enumerate(TYPES):
        with open(os.path.join(schema_dir, record + ".avsc")) as f:
            schema = avro.schema.parse(f.read())
        out = open(os.path.join(out_dir, "%d-%s.avro" % (i + 1, name)), "wb")
        files.append(out)
        writers[name] = (avro.datafile.DataFileWriter(
            out, avro.io.DatumWriter(), schema, codec=codec), schema)
    with open(events) as f:
        for line in f:
            ev = json.loads(line)
            writer, schema = writers[ev.pop("type")]
            writer.append(to_python_form(ev, schema))
    for writer, _ in writers.values():
        writer.close()


if __name__ == "__main__":
    main()
