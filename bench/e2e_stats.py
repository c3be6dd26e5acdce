#!/usr/bin/python3
"""e2e_stats.py - the figures bench/e2e.sh derives from logs and topics.

badgeproc (log.level=debug) and bench/python_service.py both write one
line per committed batch:
    ts=2026-11-28T10:00:00.123Z level=debug event=batch_committed events=N
and badgeproc writes one `rules_reevaluated` line per partition at first
start, each followed by a batch of one (event count 1, not an input).

Subcommands:
  done LOG N          exit 0 once the log's committed input events >= N
  rate LOG N          steady processing rate: the events committed after
                      the first input batch, over the time from that
                      batch's commit to the commit that reached N. Leaves
                      out start-up (group join, first transaction), which
                      kcat's copy does not pay either.
  latency LOG BADGES  end-to-end latency percentiles: BADGES is
                      `badgeproc consume --with-kafka` output of the badge
                      topic. A badge event is visible once the batch that
                      produced it committed: the first batch_committed
                      line at or after its Kafka timestamp (on the mock
                      cluster a consumer could see it earlier, since
                      read_committed is not enforced there). Latency =
                      visible - occurred_at (the feed stamps occurred_at
                      with the time it handed the event to the producer).
                      The first WARMUP seconds (default 2) are left out.
"""
import bisect
import calendar
import json
import re
import sys
import time

LINE = re.compile(r"^ts=(\S+)Z .*event=(batch_committed|rules_reevaluated)"
                  r"(?: events=(\d+))?")


def parse_ts(s):
    base, ms = s.split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) * 1000 \
        + int(ms)


def batches(path):
    """[(ts_ms, events)] of the committed input batches, in log order."""
    out, reeval = [], 0
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            if m.group(2) == "rules_reevaluated":
                reeval += 1
                continue
            n = int(m.group(3))
            if reeval and n == 1:
                reeval -= 1  # the re-evaluation's own batch
                continue
            out.append((parse_ts(m.group(1)), n))
    return out


def cmd_done(path, n):
    return 0 if sum(e for _, e in batches(path)) >= n else 1


def cmd_rate(path, n):
    b = batches(path)
    total, first = 0, None
    for ts, e in b:
        total += e
        if first is None:
            first = (ts, total)
            continue
        if total >= n:
            secs = (ts - first[0]) / 1000.0
            print("%.0f" % ((total - first[1]) / secs))
            return 0
    print("incomplete: %d of %d events committed" % (total, n),
          file=sys.stderr)
    return 1


def percentile(values, p):
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * len(values))) - 1))
    return values[k]


def cmd_latency(path, badges, warmup_s=2.0):
    commits = [ts for ts, _ in batches(path)]
    lats, start = [], None
    with open(badges) as f:
        for line in f:
            rec = json.loads(line)
            occurred = rec["occurred_at"]
            start = occurred if start is None else min(start, occurred)
            i = bisect.bisect_left(commits, rec["kafka"]["timestamp"])
            if i == len(commits):
                continue  # never committed: not visible
            lats.append((occurred, commits[i] - occurred))
    lats = sorted(l for o, l in lats if o >= start + warmup_s * 1000)
    if not lats:
        print("no badge events")
        return 1
    print("p50=%d p99=%d max=%d n=%d" % (percentile(lats, 50),
                                         percentile(lats, 99), lats[-1],
                                         len(lats)))
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "done":
        return cmd_done(sys.argv[2], int(sys.argv[3]))
    if cmd == "rate":
        return cmd_rate(sys.argv[2], int(sys.argv[3]))
    if cmd == "latency":
        return cmd_latency(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
