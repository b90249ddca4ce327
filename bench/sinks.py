#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Dump throughput per sink, in QEMU (TCG), for one real crash each.

Debian 12's arm64 kernel crashes into payload.bin (kexec -p,
crashkernel=512K) and the dump goes to: the serial console; a GPT
partition on virtio-blk; one on an SD card behind sdhci-pci; over
virtio-net to `tinydump recv --udp` on this machine; and the same through
tests/net/lossy_proxy.py dropping, duplicating and reordering 5% each way.
Prints, per sink, the payload's own figures (its summary line: seconds
from the first record to the trailer, on the guest timer, and KiB of
stream), MB/s of stream, the ratio of the dump time to serial's, and for
the network the share of packets retransmitted.  These are QEMU figures:
emulated devices, not hardware.  Figures, not assertions.

  bench/sinks.py [--mem 256M]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import disk  # noqa: E402
import kdump  # noqa: E402
from harness import TINYDUMP  # noqa: E402

MiB = 1 << 20
NET = "netconsole=@10.0.2.15/,6666@10.0.2.2/"


class Bg:
    def __init__(self, args):
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        line = self.p.stdout.readline()
        self.port = int(line.rsplit(":", 1)[1].split()[0])

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        try:
            return self.p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.communicate()


def run(name, mem, work):
    append, extra, rx, px = "tinydump.after=off", [], None, None
    if name in ("virtio-blk", "sdhci-pci"):
        img = os.path.join(work, "disk.img")
        disk.write_gpt(img, 256 * MiB, [disk.Part("tinydump", 192 * MiB)])
        append += " tinydump.sink=block"
        drive = ["-drive", f"if=none,id=d0,file={img},format=raw"]
        extra = drive + (["-device", "virtio-blk-device,drive=d0"] if name == "virtio-blk"
                         else ["-device", "sdhci-pci", "-device", "sd-card,drive=d0"])
    elif name.startswith("net"):
        rx = Bg([TINYDUMP, "recv", "--udp", "127.0.0.1:0", "-o", os.path.join(work, "rx"),
                 "--once", "-q"])
        port = rx.port
        if name == "net-lossy":
            px = Bg([sys.executable, os.path.join(ROOT, "tests/net/lossy_proxy.py"),
                     "--target", str(rx.port), "--listen", "0", "--drop", "0.05",
                     "--dup", "0.05", "--reorder", "0.05", "--max-seconds", "600"])
            port = px.port
        append += f" tinydump.sink=net tinydump.port={port} {NET}"
        extra = ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"]
    res = kdump.run_kdump(mem=mem, append=append, workdir=work, extra_args=extra)
    row = {"sink": name}
    m = re.search(r"dump: complete;.*? in (\d+) KiB of stream \(\d+ records\) in "
                  r"(\d+)\.(\d+) s", res.text)
    if m:
        row["kib"] = int(m.group(1))
        row["seconds"] = int(m.group(2)) + int(m.group(3)) / 1000
    if px:
        px.stop()
    if rx:
        rx.stop()
        for d in os.listdir(os.path.join(work, "rx")):
            rep = json.load(open(os.path.join(work, "rx", d, "report.json")))
            snd = (rep.get("net") or {}).get("sender") or {}
            row["sent"] = snd.get("packets_sent")
            row["retransmits"] = snd.get("retransmits")
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mem", default="256M")
    a = ap.parse_args()
    rows = []
    for name in ("serial", "virtio-blk", "sdhci-pci", "net", "net-lossy"):
        work = tempfile.mkdtemp(prefix="tinydump-bench-")
        try:
            rows.append(run(name, a.mem, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"sinks bench: Debian 12 arm64 kernel, QEMU virt TCG, {a.mem}, level 31; "
          "payload's own timing (guest timer), QEMU figures")
    print(f"{'sink':11} {'stream KiB':>10} {'seconds':>8} {'MB/s':>7} {'vs serial':>9} "
          f"{'retransmitted':>14}")
    serial = next((r["seconds"] for r in rows if r["sink"] == "serial" and "seconds" in r),
                  None)
    for r in rows:
        if "seconds" not in r:
            print(f"{r['sink']:11} (no complete dump)")
            continue
        mbs = r["kib"] * 1024 / 1e6 / max(r["seconds"], 1e-3)
        ratio = f"{r['seconds'] / serial:.3f}" if serial else "-"
        rt = (f"{100 * r['retransmits'] / r['sent']:.1f}% of {r['sent']}"
              if r.get("sent") else "")
        print(f"{r['sink']:11} {r['kib']:>10,} {r['seconds']:>8.2f} {mbs:>7.2f} "
              f"{ratio:>9} {rt:>14}")


if __name__ == "__main__":
    main()
