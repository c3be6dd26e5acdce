#!/usr/bin/python3
"""http_flood.py - floods an HTTP server with hostile connections while
probing /healthz, and judges whether the probes still got through.

The attacker (a child process, so that its busy loop cannot delay the
probes' clock) keeps open, from 127.0.0.1:
  --slow N    slowloris connections: a request line, then one more header
              byte every second, never the end of the headers;
  --silent N  connections that send nothing;
  --huge N    connections that send one request with a 1 MiB header.
Whenever the server ends one, it is opened again --reconnect-ms later
(100: up to 1,640 new connections a second from 164 sockets), so the
server never sees many fewer. The prober (this process) waits --warmup
seconds, then makes --probes requests `GET /healthz`, one every --every
seconds, each on a new connection from --probe-from (127.0.0.2: another
client, as a kubelet's probes come from the node's address; the
server's per-client limit is what keeps the flood from them. From the
attacker's own address a probe that the scheduler delays between its
connect and its request can be taken for a slow client and ended, about
one in a hundred on a loaded machine), and requires each to be answered 200 within
--timeout seconds, connection included. Meanwhile it samples the
resident memory of --pid (/proc/PID/status, VmRSS).

Passes (exit 0) when every probe was answered 200 in time, the server's
peak RSS stayed under --rss-max-mb, no slowloris or silent connection
outlived --lifetime-max seconds (the server's request deadline, plus its
sweep; an idle timer would let a slowloris live for ever) and the server
did end attacker connections. Prints one summary line either way, and
the failures. Debian's /usr/bin/python3, standard library only.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import sys
import time

HUGE = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * (1 << 20) + b"\r\n\r\n"
SLOW_START = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "


class Conn:
    def __init__(self, kind, sock):
        self.kind = kind
        self.sock = sock
        self.opened = time.monotonic()
        self.next_byte = self.opened
        self.out = {"slow": SLOW_START, "huge": HUGE, "silent": b""}[kind]


def attack(port, counts, reconnect_s, stats_fd):
    """The child: keeps counts[kind] connections of each kind open until
    SIGTERM, then writes its statistics as JSON to stats_fd."""
    sel = selectors.DefaultSelector()
    conns = set()
    stats = {"opened": 0, "ended": 0, "max_lifetime": {"slow": 0.0, "silent": 0.0, "huge": 0.0},
             "connect_errors": 0}
    stop = []
    later = []  # (when, kind) of the connections to open again
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def open_one(kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            stats["connect_errors"] += 1
            s.close()
            return
        c = Conn(kind, s)
        conns.add(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
        stats["opened"] += 1

    def end(c):
        life = time.monotonic() - c.opened
        if life > stats["max_lifetime"][c.kind]:
            stats["max_lifetime"][c.kind] = life
        stats["ended"] += 1
        sel.unregister(c.sock)
        c.sock.close()
        conns.discard(c)
        later.append((time.monotonic() + reconnect_s, c.kind))

    t0 = time.monotonic()
    for kind, n in counts.items():
        for _ in range(n):
            open_one(kind)
    while not stop:
        now = time.monotonic()
        while later and later[0][0] <= now:
            open_one(later.pop(0)[1])
        for key, ev in sel.select(timeout=0.01):
            c = key.data
            try:
                if ev & selectors.EVENT_READ:
                    if not c.sock.recv(65536):
                        end(c)
                        continue
                if ev & selectors.EVENT_WRITE and c.out:
                    n = c.sock.send(c.out[:65536])
                    c.out = c.out[n:]
            except OSError:
                end(c)
                continue
            if not c.out and c in conns:
                sel.modify(c.sock, selectors.EVENT_READ, c)
        for c in list(conns):
            if c.kind == "slow" and not c.out and now >= c.next_byte:
                c.next_byte = now + 1.0
                try:
                    c.sock.send(b"a")
                except OSError:
                    end(c)
    # The connections still open count too: none may be older than allowed.
    now = time.monotonic()
    for c in conns:
        life = now - c.opened
        if life > stats["max_lifetime"][c.kind]:
            stats["max_lifetime"][c.kind] = life
    stats["seconds"] = now - t0
    os.write(stats_fd, json.dumps(stats).encode())
    os._exit(0)


def probe(port, timeout, source):
    """One GET /healthz on a new connection: (status or what went wrong,
    seconds)."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                      source_address=(source, 0)) as s:
            s.settimeout(max(0.001, timeout - (time.monotonic() - t0)))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                s.settimeout(max(0.001, timeout - (time.monotonic() - t0)))
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        return "%s" % e, time.monotonic() - t0
    spent = time.monotonic() - t0
    parts = data.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return "answer %r" % data[:40], spent
    return int(parts[1]), spent


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--slow", type=int, default=128)
    ap.add_argument("--silent", type=int, default=32)
    ap.add_argument("--huge", type=int, default=4)
    ap.add_argument("--reconnect-ms", type=float, default=100)
    ap.add_argument("--probes", type=int, default=100)
    ap.add_argument("--every", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--probe-from", default="127.0.0.2")
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--rss-max-mb", type=float, default=64)
    ap.add_argument("--lifetime-max", type=float, default=3.0)
    a = ap.parse_args()

    rss0 = rss_kb(a.pid)
    rfd, wfd = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(rfd)
        attack(a.port, {"slow": a.slow, "silent": a.silent, "huge": a.huge},
               a.reconnect_ms / 1000, wfd)
    os.close(wfd)
    rss_max = rss0
    failures = []
    worst = 0.0
    answered = 0
    try:
        end = time.monotonic() + a.warmup
        while time.monotonic() < end:
            rss_max = max(rss_max, rss_kb(a.pid))
            time.sleep(0.1)
        for i in range(a.probes):
            status, spent = probe(a.port, a.timeout, a.probe_from)
            worst = max(worst, spent)
            if status == 200 and spent <= a.timeout:
                answered += 1
            elif len(failures) < 10:
                failures.append("probe %d: status %s after %.3f s" % (i + 1, status, spent))
            rss_max = max(rss_max, rss_kb(a.pid))
            time.sleep(a.every)
    finally:
        os.kill(child, signal.SIGTERM)
        raw = b""
        while True:
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            raw += chunk
        os.waitpid(child, 0)
    st = json.loads(raw or b"{}")
    life = st.get("max_lifetime", {})
    print("  flood: %d slowloris, %d silent, %d huge-header connections from 127.0.0.1, "
          "reopened %.0f ms after each close; attacker opened %d (%.0f/s), server ended %d; "
          "longest slowloris %.2f s, silent %.2f s"
          % (a.slow, a.silent, a.huge, a.reconnect_ms, st.get("opened", 0),
             st.get("opened", 0) / max(0.001, st.get("seconds", 1)), st.get("ended", 0),
             life.get("slow", 0), life.get("silent", 0)))
    print("  probes: %d of %d answered 200 within %.1f s (slowest %.3f s); server RSS %.1f MB "
          "before, %.1f MB at most" % (answered, a.probes, a.timeout, worst, rss0 / 1024,
                                       rss_max / 1024))
    if answered != a.probes:
        failures.append("%d of %d probes answered" % (answered, a.probes))
    if rss_max > a.rss_max_mb * 1024:
        failures.append("server RSS reached %.1f MB, over %.0f MB" % (rss_max / 1024, a.rss_max_mb))
    for kind in ("slow", "silent"):
        if life.get(kind, 0) > a.lifetime_max:
            failures.append("a %s connection lived %.2f s, over %.1f s"
                            % (kind, life[kind], a.lifetime_max))
    if st.get("ended", 0) < a.slow + a.silent:
        failures.append("the server ended only %d attacker connections" % st.get("ended", 0))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
