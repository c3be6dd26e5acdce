"""changelog_copy.py - copies a changelog topic the way a cluster could
have left it, for tests/itest_changelog_restore.sh.

usage: changelog_copy.py compact|cut|garble BROKERS SRC DST

Reads every partition of SRC to its end (keys, values, headers, order)
and writes DST, partition for partition:
  compact  only the last record of each key, in order, headers kept:
           what Kafka's log cleaner leaves. Prints
           "records N kept N seals N".
  cut      every record as it was, plus three state records of
           freelancers that do not exist, with no seal, inserted in
           partition 0 right after its second seal: what a batch cut
           short leaves where aborted records stay visible. The seals
           after them get their offset headers (bp.prev, bp.first) moved
           by three, as they would have been written. Prints
           "at N first N": where the records went, and the first state
           the next seal names.
  garble   every record as it was, but every seal's bp.first, and every
           other seal's bp.prev, replaced by garbage in turn: not a
           number, empty, a number with a tail, below -1, too long.
           Prints "seals N prev N" (N of them with a garbled bp.prev).
"""
import sys

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

SEAL_KEY = b"__offsets"
OFFSET_HEADERS = ("bp.prev", "bp.first")
INSERTED = 3


def read_all(brokers, topic):
    c = Consumer({"bootstrap.servers": brokers, "group.id": "changelog-copy",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    logs, left = {p: [] for p in parts}, set(parts)
    while left:
        m = c.poll(5)
        if m is None:
            sys.exit("no record in 5 s")
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                left.discard(m.partition())
                continue
            sys.exit(str(m.error()))
        logs[m.partition()].append((m.key(), m.value(), m.headers() or []))
    c.close()
    return logs


def compact(logs):
    out, kept, seals = {}, 0, 0
    for part, recs in logs.items():
        last = {k: i for i, (k, _, _) in enumerate(recs)}
        out[part] = [r for i, r in enumerate(recs) if last[r[0]] == i]
        kept += len(out[part])
        seals += sum(1 for r in out[part] if r[0] == SEAL_KEY)
    total = sum(len(r) for r in logs.values())
    print("records", total, "kept", kept, "seals", seals)
    return out


def moved(headers, at):
    """headers with the offset headers at or past `at` moved by INSERTED."""
    out = []
    for k, v in headers:
        if k in OFFSET_HEADERS and int(v) >= at:
            v = str(int(v) + INSERTED).encode()
        out.append((k, v))
    return out


def cut(logs):
    recs = logs[0]
    seals = [i for i, r in enumerate(recs) if r[0] == SEAL_KEY]
    if len(seals) < 3:
        sys.exit("partition 0 has fewer than 3 seals")
    at = seals[1] + 1
    value = next(v for k, v, _ in recs[at:] if k != SEAL_KEY)
    junk = [(b"f-cut-short-%d" % i, value, []) for i in range(INSERTED)]
    tail = [(k, v, moved(h, at)) for k, v, h in recs[at:]]
    logs[0] = recs[:at] + junk + tail
    first = dict(logs[0][seals[2] + INSERTED][2]).get("bp.first", b"?")
    print("at", at, "first", first.decode())
    return logs


GARBAGE = (b"not-a-number", b"", b"12abc", b"-2", b"1" * 40)


def garble(logs):
    n = prev = 0
    for recs in logs.values():
        for i, (k, v, h) in enumerate(recs):
            if k != SEAL_KEY:
                continue
            bad = GARBAGE[n % len(GARBAGE)]
            names = OFFSET_HEADERS if n % 2 == 0 else ("bp.first",)
            prev += n % 2 == 0
            recs[i] = (k, v, [(hk, bad if hk in names else hv)
                              for hk, hv in h])
            n += 1
    print("seals", n, "prev", prev)
    return logs


def main():
    mode, brokers, src, dst = sys.argv[1:5]
    logs = read_all(brokers, src)
    logs = {"compact": compact, "cut": cut, "garble": garble}[mode](logs)
    p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True})
    for part, recs in logs.items():
        for k, v, h in recs:
            p.produce(dst, value=v, key=k, partition=part, headers=h)
    if p.flush(30):
        sys.exit("records left unsent")


if __name__ == "__main__":
    main()
