#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback UDP proxy that damages traffic on purpose: each way it drops,
duplicates and reorders a given fraction of the datagrams, with a seeded
PRNG so a run can be repeated.  Each client (sender address) gets its own
upstream socket, so the target sees one address per client, as through a
NAT.  It only ever binds and talks to 127.0.0.1, holds at most --max-held
datagrams, serves at most --max-clients clients, and exits after
--max-seconds or on SIGTERM/SIGINT, printing its counters as one JSON line.

    lossy_proxy.py --target 4000 --drop 0.05 --dup 0.05 --reorder 0.05

--cut-after N loses everything once N datagrams came from senders.  It
prints "listening on 127.0.0.1:PORT" first (--listen 0 picks a port).
"""
import argparse
import json
import random
import selectors
import signal
import socket
import sys
import time

LOOPBACK = "127.0.0.1"


class Direction:
    """One way through the proxy, with its own damage and counters."""

    def __init__(self, name, args, seed):
        self.name = name
        self.rng = random.Random(seed)
        self.drop, self.dup, self.reorder = args.drop, args.dup, args.reorder
        self.hold_s = args.hold_ms / 1000.0
        self.max_held = args.max_held
        self.held = []  # [release time, packets to let by first, send, data]
        self.n = {"in": 0, "out": 0, "dropped": 0, "duplicated": 0,
                  "reordered": 0}

    def _out(self, send, data):
        try:
            send(data)
            self.n["out"] += 1
        except OSError:
            pass  # a full buffer or a vanished peer: lost, like on a wire
        # Every datagram that passes moves the held ones closer to release.
        due = [h for h in self.held if h[1] <= 1]
        self.held = [[h[0], h[1] - 1, h[2], h[3]] for h in self.held
                     if h[1] > 1]
        for h in due:
            self._send_held(h)

    def _send_held(self, h):
        try:
            h[2](h[3])
            self.n["out"] += 1
        except OSError:
            pass

    def take(self, data, send):
        self.n["in"] += 1
        if self.rng.random() < self.drop:
            self.n["dropped"] += 1
            return
        copies = 1
        if self.rng.random() < self.dup:
            copies = 2
            self.n["duplicated"] += 1
        for _ in range(copies):
            if self.rng.random() < self.reorder:
                self.n["reordered"] += 1
                self.held.append([time.monotonic() + self.hold_s,
                                  self.rng.randint(1, 3), send, data])
                if len(self.held) > self.max_held:
                    self._send_held(self.held.pop(0))
            else:
                self._out(send, data)

    def tick(self, now):
        """Release what was held too long (the tail of a burst)."""
        late = [h for h in self.held if h[0] <= now]
        self.held = [h for h in self.held if h[0] > now]
        for h in late:
            self._send_held(h)

    def next_due(self):
        return min((h[0] for h in self.held), default=None)


def parse_port(text, what):
    host, _, port = text.rpartition(":")
    if host not in ("", LOOPBACK, "localhost"):
        sys.exit(f"lossy_proxy: {what} must be on {LOOPBACK}, got {text}")
    return int(port)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", default="0", help="[127.0.0.1:]PORT, 0 picks")
    ap.add_argument("--target", required=True, help="[127.0.0.1:]PORT")
    ap.add_argument("--drop", type=float, default=0.05)
    ap.add_argument("--dup", type=float, default=0.05)
    ap.add_argument("--reorder", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hold-ms", type=float, default=20.0,
                    help="longest a reordered datagram is held")
    ap.add_argument("--max-held", type=int, default=256)
    ap.add_argument("--cut-after", type=int, default=0,
                    help="after this many datagrams from senders, lose "
                         "everything both ways (a cable pulled); 0 never")
    ap.add_argument("--max-clients", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    args = ap.parse_args()
    for v in (args.drop, args.dup, args.reorder):
        if not 0 <= v <= 1:
            sys.exit("lossy_proxy: fractions are 0..1")
    target = (LOOPBACK, parse_port(args.target, "--target"))

    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind((LOOPBACK, parse_port(args.listen, "--listen")))
    front.setblocking(False)
    for s in (front,):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    up = Direction("up", args, args.seed)
    down = Direction("down", args, args.seed + 1)
    sel = selectors.DefaultSelector()
    sel.register(front, selectors.EVENT_READ, None)
    clients = {}  # client address -> upstream socket
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print(f"listening on {LOOPBACK}:{front.getsockname()[1]}", flush=True)

    end = time.monotonic() + args.max_seconds
    while not stop and time.monotonic() < end:
        due = [d for d in (up.next_due(), down.next_due()) if d is not None]
        timeout = max(0.0, min(due) - time.monotonic()) if due else 0.2
        for key, _ in sel.select(min(timeout, 0.2)):
            sock, client = key.fileobj, key.data
            for _ in range(256):
                try:
                    data, addr = sock.recvfrom(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                if args.cut_after and up.n["in"] >= args.cut_after:
                    up.drop = down.drop = 1.0
                if client is None:  # from a sender: upstream
                    if addr[0] != LOOPBACK:
                        continue
                    u = clients.get(addr)
                    if u is None:
                        if len(clients) >= args.max_clients:
                            continue
                        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        u.bind((LOOPBACK, 0))
                        u.connect(target)
                        u.setblocking(False)
                        u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                     4 << 20)
                        clients[addr] = u
                        sel.register(u, selectors.EVENT_READ, addr)
                    up.take(data, u.send)
                else:  # from the target: back to that client
                    down.take(data, lambda d, a=client: front.sendto(d, a))
        now = time.monotonic()
        up.tick(now)
        down.tick(now)
    print(json.dumps({"up": up.n, "down": down.n, "clients": len(clients)}),
          flush=True)


if __name__ == "__main__":
    main()
