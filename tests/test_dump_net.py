# SPDX-License-Identifier: MIT
"""The network sink and netconsole in QEMU, on synthetic crashes.

The payload dumps over virtio-net (-M virt) and the Cadence GEM
(-M xlnx-zcu102, GEM3: the one Debian's zcu102 DTB enables) through QEMU's
user-mode network: the guest is 10.0.2.15, and 10.0.2.2 is this machine's
127.0.0.1, where `tinydump recv --udp` (or the lossy proxy in front of it,
tests/net/lossy_proxy.py) listens.  Nothing leaves this machine.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

import vmcore
from harness import BUILD, ROOT, TINYDUMP, fixture_guest, make_fixture
from test_dump_serial import check_notes, check_pages

PROXY = os.path.join(ROOT, "tests", "net", "lossy_proxy.py")
GUEST_IP = "10.0.2.15"
HOST_IP = "10.0.2.2"   # QEMU user networking's alias for the host's 127.0.0.1
NICS = {
    "virt": ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"],
    # -net nic attaches GEM0, 1, 2, 3 in turn: the fourth is GEM3.
    "zcu102": ["-net", "nic", "-net", "nic", "-net", "nic",
               "-net", "nic,netdev=n0", "-netdev", "user,id=n0"],
}
FIXTURE_ARGS = {
    "virt": ("--seed", "21"),
    "zcu102": ("--seed", "22", "--ram-base", "0x0", "--ram-size", "0x80000000",
               "--resv-base", "0x30000000"),
}


class Proc:
    """A background process whose first stdout line names its port."""

    def __init__(self, args):
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        assert "listening on 127.0.0.1:" in line, (line, self.p.stderr.read())
        self.port = int(line.rsplit(":", 1)[1].split()[0])

    def wait(self, timeout):
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
        return self.p.returncode, out, err

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        return self.wait(30)


def receiver(out, *extra):
    return Proc([TINYDUMP, "recv", "--udp", "127.0.0.1:0", "-o", str(out),
                 "--format", "elf", *extra])


def net_args(port, extra=""):
    return (f"tinydump.after=off tinydump.sink=net tinydump.port={port} "
            f"netconsole=@{GUEST_IP}/,6666@{HOST_IP}/ {extra}").strip()


def run_guest(machine, root, name, bootargs, nic=None, timeout=180, fixture=None):
    d = os.path.join(str(root), name)
    manifest = make_fixture(d, *(fixture or FIXTURE_ARGS[machine]))
    g = fixture_guest(d, bootargs=bootargs,
                      machine="virt-6g" if machine == "virt" else machine,
                      workdir=os.path.join(d, "qemu"),
                      extra_args=nic if nic is not None else NICS[machine])
    os.makedirs(g.workdir, exist_ok=True)
    return d, manifest, g.run(timeout=timeout)


class Fixture:
    """The page and CPU checks of test_dump_serial for a crash directory."""

    def __init__(self, d, manifest):
        self.dir, self.manifest = d, manifest
        self._blobs = None

    def page(self, pfn):
        if self._blobs is None:
            self._blobs = [(a, open(os.path.join(self.dir, n), "rb").read())
                           for n, a in self.manifest["blobs"]]
        pa, out = pfn * vmcore.PAGE, bytearray(vmcore.PAGE)
        for addr, data in self._blobs:
            s, e = max(pa, addr), min(pa + vmcore.PAGE, addr + len(data))
            if s < e:
                out[s - pa:e - pa] = data[s - addr:e - addr]
        return bytes(out)

    def load_pfns(self):
        for pa, size in self.manifest["loads"]:
            yield from range(pa // vmcore.PAGE, (pa + size) // vmcore.PAGE)

    def unreadable_pfns(self):
        for pa, size in self.manifest["unreadable"]:
            yield from range(pa // vmcore.PAGE, (pa + size) // vmcore.PAGE)


def crash_dir(parent):
    dirs = [p for p in parent.iterdir() if p.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def check_dump(d, manifest, out_dir):
    with open(out_dir / "report.json") as f:
        report = json.load(f)
    assert report["status"] == "complete", report
    core = vmcore.ElfCore(str(out_dir / "vmcore"))
    c = Fixture(d, manifest)
    check_pages(c, core)
    check_notes(c, core)
    return report


@pytest.mark.parametrize("machine", ["virt", "zcu102"])
def test_dump_over_the_network_is_byte_exact(machine, tmp_path):
    out = tmp_path / "crashes"
    rx = receiver(out, "--once")
    d, manifest, run = run_guest(machine, tmp_path, machine, net_args(rx.port))
    rc, stdout, err = rx.wait(60)
    assert not run.timed_out, run
    assert run.shutdown_reason == "guest-shutdown", run
    assert "dump: complete" in run.text, run
    assert rc == 0, (stdout, err, run)
    report = check_dump(d, manifest, crash_dir(out))
    assert report["net"] is not None


def test_lossy_network_still_byte_exact(tmp_path):
    out = tmp_path / "crashes"
    rx = receiver(out, "--once")
    px = Proc([sys.executable, PROXY, "--target", str(rx.port), "--listen", "0",
               "--drop", "0.05", "--dup", "0.05", "--reorder", "0.05",
               "--seed", "7", "--max-seconds", "300"])
    try:
        d, manifest, run = run_guest("virt", tmp_path, "lossy", net_args(px.port))
        rc, stdout, err = rx.wait(60)
    finally:
        px.stop()
    assert "dump: complete" in run.text, run
    assert rc == 0, (stdout, err)
    report = check_dump(d, manifest, crash_dir(out))
    assert report["net"]["sender"]["retransmits"] > 0, report["net"]


def test_two_boards_at_once(tmp_path):
    out = tmp_path / "crashes"
    rx = receiver(out)
    results = {}

    def board(name, mac, ip, seed):
        nic = ["-netdev", "user,id=n0",
               "-device", f"virtio-net-device,netdev=n0,mac={mac}"]
        args = (f"tinydump.after=off tinydump.sink=net tinydump.port={rx.port} "
                f"netconsole=@{ip}/,6666@{HOST_IP}/")
        results[name] = run_guest("virt", tmp_path, name, args, nic=nic,
                                  fixture=("--seed", seed))

    threads = [threading.Thread(target=board, args=a) for a in
               (("a", "52:54:00:00:00:0a", "10.0.2.15", "41"),
                ("b", "52:54:00:00:00:0b", "10.0.2.16", "42"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(1)
    rx.stop()
    dirs = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(dirs) == 2, dirs
    by_id = {}
    for p in dirs:
        with open(p / "report.json") as f:
            by_id[json.load(f)["crash_id"]] = p
    assert len(by_id) == 2
    for name, (d, manifest, run) in results.items():
        assert "dump: complete" in run.text, run
        # Which directory is this board's: the one whose pages match.
        ok = 0
        for p in by_id.values():
            try:
                check_dump(d, manifest, p)
                ok += 1
            except AssertionError:
                pass
        assert ok == 1, name


def test_no_receiver_gives_up_and_resets(tmp_path):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there
    bootargs = (f"tinydump.sink=net tinydump.port={port} "
                f"netconsole=@{GUEST_IP}/,6666@{HOST_IP}/")
    t = time.monotonic()
    d, manifest, run = run_guest("virt", tmp_path, "nobody", bootargs, timeout=180)
    took = time.monotonic() - t
    assert not run.timed_out, run
    assert run.shutdown_reason == "guest-reset", run
    assert "giving up" in run.text, run
    assert took < 120, took


def listen_udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    return s


def drain(s):
    got = []
    while True:
        try:
            got.append(s.recv(65536))
        except socket.timeout:
            return got


@pytest.mark.parametrize("extended", [False, True])
def test_netconsole_carries_the_console(extended, tmp_path):
    s = listen_udp()
    port = s.getsockname()[1]
    plus = "+" if extended else ""
    bootargs = (f"tinydump.after=off tinydump.sink=serial "
                f"netconsole={plus}@{GUEST_IP}/,{port}@{HOST_IP}/")
    d, manifest, run = run_guest("virt", tmp_path, f"nc{int(extended)}", bootargs)
    got = drain(s)
    s.close()
    assert "dump: complete" in run.text, run
    text = b"".join(got).decode("latin-1")
    assert "dump: complete" in text, got[:5]
    if extended:
        # Documentation/networking/netconsole.rst: "<level>,<seq>,<ts>,<flags>;"
        import re
        heads = [re.match(rb"^\d+,\d+,\d+,[-c];", g) for g in got]
        assert all(heads), [g[:40] for g, h in zip(got, heads) if not h][:3]
