#!/usr/bin/python3
"""rate_feed.py - JSON Lines events on stdout at a fixed rate, stamped now.

The latency half of bench/e2e.sh pipes this into `badgeproc produce`: each
line of the input file (events from `badgeproc gen`) is written at its slot
of a fixed schedule (RATE lines per second), with its occurred_at replaced
by the wall-clock time of that slot in milliseconds. `produce` sets the
Kafka timestamp to occurred_at, and a badge event carries the occurred_at
of the event that caused it, so "badge visible minus occurred_at" is the
end-to-end latency from the moment the event was handed to the producer.
The order of the lines is kept, so occurred_at stays non-decreasing and
the merge, stale-decision and expiry rules see the order gen meant.

Lines are written in bursts every 2 ms so that the schedule holds without
a system call per line; a burst that falls behind is caught up at once
(the rate is a schedule, not a sleep between lines).

Usage: rate_feed.py RATE SECONDS < events.jsonl > stamped.jsonl
"""
import re
import sys
import time

STAMP = re.compile(rb'"occurred_at":-?[0-9]+')


def main():
    rate = float(sys.argv[1])
    seconds = float(sys.argv[2])
    total = int(rate * seconds)
    src = sys.stdin.buffer
    out = sys.stdout.buffer
    start = time.time()
    sent = 0
    while sent < total:
        now = time.time()
        due = min(total, int((now - start) * rate) + 1)
        chunk = []
        while sent < due:
            line = src.readline()
            if not line:
                total = sent
                break
            slot_ms = int((start + sent / rate) * 1000)
            chunk.append(STAMP.sub(b'"occurred_at":%d' % slot_ms, line, 1))
            sent += 1
        if chunk:
            out.write(b"".join(chunk))
            out.flush()
        time.sleep(0.002)


if __name__ == "__main__":
    main()
