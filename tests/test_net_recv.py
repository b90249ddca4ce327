# SPDX-License-Identifier: MIT
"""`tinydump recv --udp` and the reliable dump protocol over real sockets,
without QEMU: build/tests/netdump-send runs the payload's own net sink
(payload/sink_net.c, payload/netdump_tx.c) on a UDP socket and sends the
sample stream tests/unit/test_vmcore_writer.c writes; tests/net/lossy_proxy.py
drops, duplicates and reorders 5% of the datagrams each way.  The files
must be those `tinydump convert` makes from the same stream, byte for byte,
and report.json must count what the network did.  Also: two boards at
once, a board that goes silent, nobody listening, and the CLI's usage rules.
"""
import filecmp
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from harness import BUILD, ROOT

TINYDUMP = os.path.join(BUILD, "tinydump")
SENDER = os.path.join(BUILD, "tests", "netdump-send")
WRITER = os.path.join(BUILD, "tests", "test_vmcore_writer")
PROXY = os.path.join(ROOT, "tests", "net", "lossy_proxy.py")
FILES = ("vmcore", "vmcore-dmesg.txt", "console.log", "report.txt")
ID_A = "0123456789abcdef0123456789abcdef"
ID_B = "fedcba9876543210fedcba9876543210"

pytestmark = pytest.mark.skipif(
    not all(os.path.exists(p) for p in (TINYDUMP, SENDER, WRITER)),
    reason="build/tinydump, build/tests/netdump-send or test_vmcore_writer "
           "not built")


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    """The sample crash as records, and what `convert` makes of it."""
    d = tmp_path_factory.mktemp("netstream")
    subprocess.run([WRITER, "--write-streams", str(d)], check=True,
                   timeout=120, capture_output=True)
    ref = d / "direct"
    r = subprocess.run([TINYDUMP, "convert", str(d / "complete.tdr"), "-o",
                        str(ref), "-q"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return d / "complete.tdr", ref


class Proc:
    """A background process whose first stdout line names its port."""

    def __init__(self, args):
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        assert "listening on 127.0.0.1:" in line, (line, self.stop())
        self.port = int(line.rsplit(":", 1)[1].split()[0])
        self.lines = [line]

    def readline(self, timeout):
        """The next stdout line, or None after @timeout seconds."""
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return None
        line = self.p.stdout.readline()
        self.lines.append(line)
        return line

    def wait(self, timeout):
        out, err = self.p.communicate(timeout=timeout)
        self.lines += out.splitlines(True)
        self.err = err
        return self.p.returncode

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.wait(10)


def recv(outdir, *extra):
    return Proc([TINYDUMP, "recv", "--udp", "127.0.0.1:0", "-o", str(outdir),
                 *extra])


def proxy(target, *extra):
    return Proc([sys.executable, PROXY, "--target", str(target),
                 "--max-seconds", "300", *extra])


def send(port, crash_id=ID_A, *extra, timeout=120, path=None):
    r = subprocess.run([SENDER, "--to", f"127.0.0.1:{port}", "--stream",
                        str(path), "--id", crash_id, *extra],
                       capture_output=True, text=True, timeout=timeout)
    return r, json.loads(r.stdout.strip().splitlines()[-1])


def crash_dirs(parent):
    return sorted(p for p in parent.iterdir() if p.is_dir())


def same_as_direct(d, ref, tdr):
    """The files `convert` makes of the stream, and the stream itself."""
    for f in FILES[:3]:
        assert filecmp.cmp(d / f, ref / f, shallow=False), f
    assert filecmp.cmp(d / "stream.tdr", tdr, shallow=False)
    # The reports differ only in where the stream came from.
    assert "network: UDP" in (d / "report.txt").read_text()
    a, b = report(d), report(ref)
    for k in ("status", "crash_id", "crashtime", "pages", "missing",
              "records", "trailer", "vmcore"):
        assert a[k] == b[k], k


def report(d):
    with open(d / "report.json") as f:
        return json.load(f)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_clean_path_equals_serial_path(stream, tmp_path):
    tdr, ref = stream
    out = tmp_path / "crashes"
    rx = recv(out, "--once")
    try:
        r, st = send(rx.port, path=tdr)
        assert r.returncode == 0 and st["ok"], r.stderr
        assert rx.wait(60) == 0, rx.err
    finally:
        rx.stop()
    (d,) = crash_dirs(out)
    assert d.name.startswith("testhost-")          # <host>-<date>, as kdump
    same_as_direct(d, ref, tdr)
    rep = report(d)
    assert rep["status"] == "complete" and rep["crash_id"]
    net = rep["net"]
    assert net["end"] == "finished" and net["bytes"] == os.path.getsize(tdr)
    assert net["sender"]["retransmits"] == st["retransmits"] == 0
    assert net["sender"]["packets_sent"] == st["packets"] == net["data_packets"]
    text = "".join(rx.lines)
    assert f"crash {ID_A}: receiving" in text
    assert f"crash {ID_A}: complete dump in {d}" in text
    assert "network: UDP from 127.0.0.1:" in (d / "report.txt").read_text()


def test_lossy_network_gives_the_same_dump(stream, tmp_path):
    """5% of datagrams dropped, 5% duplicated, 5% reordered, each way."""
    tdr, ref = stream
    out = tmp_path / "crashes"
    rx = recv(out, "--once")
    px = proxy(rx.port, "--drop", "0.05", "--dup", "0.05", "--reorder",
               "0.05", "--seed", "7")
    try:
        r, st = send(px.port, path=tdr)
        assert r.returncode == 0 and st["ok"], r.stderr
        assert rx.wait(60) == 0, rx.err
    finally:
        rx.stop()
        px.stop()
    damage = json.loads(px.lines[-1])
    for way in ("up", "down"):
        for what in ("dropped", "duplicated", "reordered"):
            assert damage[way][what] > 0, damage
    (d,) = crash_dirs(out)
    same_as_direct(d, ref, tdr)
    net = report(d)["net"]
    assert report(d)["status"] == "complete"
    # The report counts the board's retransmissions and what arrived twice.
    assert net["sender"]["retransmits"] == st["retransmits"] > 0
    assert net["sender"]["packets_sent"] == st["packets"]
    assert net["duplicates"] > 0
    assert "retransmitted" in (d / "report.txt").read_text()


def test_two_boards_at_once(stream, tmp_path):
    tdr, ref = stream
    out = tmp_path / "crashes"
    rx = recv(out)
    px = proxy(rx.port, "--drop", "0.02", "--dup", "0.02", "--reorder",
               "0.02", "--seed", "3")
    senders = [subprocess.Popen([SENDER, "--to", f"127.0.0.1:{px.port}",
                                 "--stream", str(tdr), "--id", i, "-q"],
                                stdout=subprocess.PIPE, text=True)
               for i in (ID_A, ID_B)]
    try:
        results = [json.loads(s.communicate(timeout=120)[0]) for s in senders]
        assert all(s.returncode == 0 for s in senders), results
        done = []
        deadline = time.monotonic() + 60
        while len(done) < 2 and time.monotonic() < deadline:
            line = rx.readline(1)
            if line and "complete dump" in line:
                done.append(line)
        assert len(done) == 2, rx.lines
        assert rx.stop(signal.SIGINT) == 0, rx.err
    finally:
        for s in senders:
            if s.poll() is None:
                s.kill()
        rx.stop()
        px.stop()
    dirs = crash_dirs(out)
    assert len(dirs) == 2, dirs
    for d in dirs:
        same_as_direct(d, ref, tdr)
        rep = report(d)
        assert rep["status"] == "complete"
        assert rep["net"]["sender"]["total"] == os.path.getsize(tdr)
    text = "".join(rx.lines)
    assert f"crash {ID_A}: complete" in text and f"crash {ID_B}: complete" in text
    # Same crash contents, same time: the second directory gets ".1".
    assert {d.name for d in dirs} == {dirs[0].name, dirs[0].name + ".1"}


def test_board_that_goes_silent_is_a_partial_dump(stream, tmp_path):
    tdr, _ = stream
    out = tmp_path / "crashes"
    rx = recv(out, "--once", "--timeout", "2")
    px = proxy(rx.port, "--drop", "0", "--dup", "0", "--reorder", "0",
               "--cut-after", "1500")
    try:
        t0 = time.monotonic()
        r, st = send(px.port, ID_A, "--stall-timeout", "3", path=tdr)
        # The board gives up after its stall timeout, and says so.
        assert r.returncode == 3 and not st["ok"] and st["error"] == -110
        assert "giving up" in r.stderr
        assert time.monotonic() - t0 < 20
        assert rx.wait(30) == 2
    finally:
        rx.stop()
        px.stop()
    (d,) = crash_dirs(out)
    rep = report(d)
    assert rep["status"] == "partial"
    assert rep["net"]["end"] == "timed out" and rep["net"]["sender"] is None
    assert 0 < rep["net"]["bytes"] < os.path.getsize(tdr)
    assert "PARTIAL dump" in "".join(rx.lines)


def test_nobody_listening_gives_up_in_bounded_time(stream):
    tdr, _ = stream
    port = free_udp_port()
    t0 = time.monotonic()
    r, st = send(port, ID_A, "--herald-timeout", "2", path=tdr)
    took = time.monotonic() - t0
    assert r.returncode == 3, r
    assert st["error"] == -110 and st["packets"] == 0 and st["heralds"] >= 3
    assert "no answer from the receiver in 2 s" in r.stderr
    assert 2 <= took < 6, took


def test_udp_usage_errors(tmp_path):
    for args in (["--once"], ["--timeout", "5"], ["--udp", "127.0.0.1:99999"],
                 ["--udp", "nonsense:port"], ["--udp", "1", "--tcp", "a:1"],
                 ["--udp", "1", "--timeout", "soon"]):
        r = subprocess.run([TINYDUMP, "recv", *args, "-o", str(tmp_path)],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1, (args, r)
    r = subprocess.run([TINYDUMP, "recv", "--help"], capture_output=True,
                       text=True, timeout=30)
    for opt in ("--udp", "--once", "--timeout", "21572"):
        assert opt in r.stdout
