#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot payload.bin in QEMU the way kexec starts it and show its console.

  scripts/qemu-boot.py [--machine virt|virt-el2|zcu102|raspi3b]
                       [--load ADDR] [--bootargs "..."]

The machine's DTB gets /chosen filled in as kexec-tools would (bootargs,
linux,usable-memory-range); a shim sets x0 = DTB and jumps to the payload.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "tests", "qemu"))
from harness import MACHINES, Guest  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--machine", default="virt", choices=sorted(MACHINES))
    ap.add_argument("--load", type=lambda s: int(s, 0), help="load address")
    ap.add_argument("--bootargs", default="", help="what kexec --append would pass")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    g = Guest(a.machine, load_addr=a.load, bootargs=a.bootargs)
    run = g.run(timeout=a.timeout, until=b"halting")
    sys.stdout.write(run.text.replace("\r\n", "\n"))
    print(f"--- QEMU ended: {run.shutdown_reason or ('timeout' if run.timed_out else 'stopped')}")
    return 0 if run.shutdown_reason or b"halting" in run.output else 1


if __name__ == "__main__":
    sys.exit(main())
