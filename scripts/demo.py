#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make demo: one whole kdump cycle in QEMU with real software.

Debian 12's arm64 kernel boots in QEMU (-M virt) with crashkernel=512K;
its initramfs loads payload.bin with Debian's kexec-tools (kexec -p) and
crashes the kernel with sysrq-c.  The payload dumps over the console UART,
which QEMU serves on a TCP port; `tinydump recv --tcp` shows the console,
takes the stream out of it and writes the crash directory.  At the end:
where the vmcore is, the dead kernel's last dmesg lines (vmcore-dmesg on
the ELF conversion) and the figures.

  scripts/demo.py [--mem 512M] [--smp 2] [--crash-cpu 1] [--el2]
                  [--crashkernel 512K] [--out DIR]
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import initramfs  # noqa: E402

BUILD = os.environ.get("TINYDUMP_BUILD", os.path.join(ROOT, "build"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port):
    """Whether something listens on 127.0.0.1:port (from /proc/net/tcp)."""
    want = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        return any(line.split()[1] == want and line.split()[3] == "0A"
                   for line in list(f)[1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--crash-cpu", type=int, default=1)
    ap.add_argument("--el2", action="store_true", help="-M virt,virtualization=on")
    ap.add_argument("--crashkernel", default="512K")
    ap.add_argument("--out", default=os.path.join(BUILD, "demo"))
    a = ap.parse_args()

    print("== fetching Debian's arm64 kernel, busybox and kexec-tools (cached)", flush=True)
    kernel = initramfs.kernel_image()
    work = tempfile.mkdtemp(prefix="tinydump-demo-")
    base = initramfs.base_image(os.path.join(BUILD, "e2e", "base.cpio.gz"))
    run = initramfs.run_image(os.path.join(work, "run.cpio.gz"),
                              os.path.join(BUILD, "payload.bin"),
                              {"APPEND": "tinydump.after=off", "CRASH_CPU": str(a.crash_cpu),
                               "KALLSYMS_FIX": "0"})
    initrd = os.path.join(work, "initrd")
    with open(initrd, "wb") as f:
        f.write(open(base, "rb").read() + open(run, "rb").read())

    port = free_port()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = os.path.join(a.out, f"crash-{stamp}")
    os.makedirs(a.out, exist_ok=True)
    machine = "virt,virtualization=on" if a.el2 else "virt"
    qemu = ["qemu-system-aarch64", "-M", machine, "-cpu", "cortex-a57", "-m", a.mem,
            "-smp", str(a.smp), "-display", "none", "-monitor", "none", "-nodefaults",
            "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on", "-no-reboot",
            "-kernel", kernel, "-initrd", initrd,
            "-append", f"console=ttyAMA0 crashkernel={a.crashkernel} rdinit=/init"]
    print(f"== booting {os.path.basename(kernel)} in QEMU ({machine}, {a.mem}, "
          f"{a.smp} CPUs, crashkernel={a.crashkernel}); the crash will be on CPU "
          f"{a.crash_cpu}", flush=True)
    qproc = subprocess.Popen(qemu, stderr=open(os.path.join(work, "qemu.stderr"), "wb"))
    # QEMU waits (wait=on) for its one client: wait until it listens without
    # connecting, so no byte of the console is missed.
    for _ in range(400):
        if listening(port):
            break
        time.sleep(0.05)
    recv = subprocess.Popen([os.path.join(BUILD, "tinydump"), "recv", "--tcp",
                             f"127.0.0.1:{port}", "-o", out, "--idle", "60"],
                            stdout=subprocess.PIPE, text=True, errors="replace")
    times = {}

    def pump():
        for line in recv.stdout:
            now = time.monotonic()
            if "Bye!" in line and "bye" not in times:
                times["bye"] = now
            if "tinydump" in line and "entered at" in line:
                times["entry"] = now
            sys.stdout.write(line)
            sys.stdout.flush()
    t = threading.Thread(target=pump)
    t.start()
    try:
        qproc.wait(timeout=900)
    except subprocess.TimeoutExpired:
        qproc.kill()
        print("demo: QEMU did not finish in 15 minutes", file=sys.stderr)
    times["reset"] = time.monotonic()
    recv.wait(timeout=120)
    t.join()

    report = json.load(open(os.path.join(out, "report.json")))
    elf = os.path.join(out, "elf")
    subprocess.run([os.path.join(BUILD, "tinydump"), "convert",
                    os.path.join(out, "stream.tdr"), "-o", elf, "--format", "elf", "-q"],
                   check=False)
    dm = subprocess.run(["vmcore-dmesg", os.path.join(elf, "vmcore")],
                        capture_output=True, text=True)
    if dm.returncode == 0:
        open(os.path.join(out, "vmcore-dmesg.txt"), "w").write(dm.stdout)
    console = open(os.path.join(out, "console.log"), errors="replace").read() \
        if os.path.exists(os.path.join(out, "console.log")) else ""
    m = re.search(r"image_size (0x[0-9a-f]+); DTB at 0x[0-9a-f]+ \((\d+) bytes\)", console)

    print("\n== the dead kernel's last dmesg lines (vmcore-dmesg on the vmcore)")
    print("".join(dm.stdout.splitlines(True)[-12:]) if dm.returncode == 0 else dm.stderr)
    p = report["pages"]
    print("== figures")
    print(f"  vmcore:             {os.path.join(out, 'vmcore')} (kdump-compressed; ELF "
          f"copy in {elf})")
    print(f"  status:             {report['status']}")
    if m:
        print(f"  reservation used:   image_size {int(m.group(1), 16) // 1024} KiB + DTB "
              f"{int(m.group(2)) // 1024} KiB + kexec-tools' purgatory and ELF core "
              f"header, in crashkernel={a.crashkernel}")
    if "bye" in times:
        print(f"  crash to reset:     {times['reset'] - times['bye']:.1f} s (QEMU TCG, "
              "serial console)")
    print(f"  pages:              {p['dumped']} with data, {p['zero']} zero, "
          f"{p['excluded']} excluded by dump level {report.get('dump_level')}, "
          f"{p['unreadable']} unreadable, {p['missing']} missing")
    print(f"  bytes:              {os.path.getsize(os.path.join(out, 'stream.tdr'))} of "
          f"stream, vmcore {os.path.getsize(os.path.join(out, 'vmcore'))}")
    return 0 if report["status"] == "complete" else 2


if __name__ == "__main__":
    sys.exit(main())
