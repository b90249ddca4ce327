#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Dump size and time by dump level, beside makedumpfile on the same crash.

For a freshly booted guest and for one with page cache and user memory
loaded (tests/e2e/init.sh LOAD_MIB), Debian 12's arm64 kernel crashes into
payload.bin at tinydump.level 0, 1 and 31; each run halts after the dump
so QEMU's RAM can be saved, and makedumpfile -l -d 31 (Debian's arm64
build under qemu-aarch64-static) runs on the /proc/vmcore rebuilt from
that RAM (tests/e2e/reference.py).  Prints stream bytes, pages kept and
crash-to-end seconds.  Figures, not assertions.

  bench/levels.py [--mem 256M] [--load-mib 48]
"""
import argparse
import os
import re
import sys
import tempfile
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "e2e"))
import kdump  # noqa: E402
import reference  # noqa: E402


def one(level, mem, load_mib, with_reference):
    work = tempfile.mkdtemp(prefix="tinydump-bench-")
    try:
        res = kdump.run_kdump(mem=mem, kallsyms_fix=True, workdir=work, load_mib=load_mib,
                              append=f"tinydump.after=halt tinydump.level={level}")
        m = re.search(r"dump: complete; (\d+) pages: (\d+) with data, (\d+) zero, "
                      r"(\d+) excluded.*?in (\d+) KiB of stream", res.text)
        row = {"level": level,
               "seconds": res.times.get("end", 0) - res.times.get("bye", 0),
               "stream": int(m.group(5)) * 1024 if m else None,
               "data": int(m.group(2)) if m else None,
               "kept": int(m.group(2)) + int(m.group(3)) if m else None}
        if with_reference and res.final_snapshot:
            ref = reference.Reference(work, res.final_snapshot, res.output,
                                      ram_base=kdump.RAM_BASE)
            ref.build_vmcore()
            out = os.path.join(work, "mdf.kdump")
            r = reference.makedumpfile(ref.vmcore, out, 31, extra=("-l",))
            row["mdf_bytes"] = os.path.getsize(out) if r.returncode == 0 else None
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--load-mib", type=int, default=48)
    a = ap.parse_args()
    print(f"dump level bench: Debian 12 arm64 kernel, QEMU virt TCG, {a.mem}, serial sink")
    print(f"{'guest':8} {'level':>5} {'pages kept':>10} {'with data':>9} {'stream bytes':>13} "
          f"{'seconds':>8}   makedumpfile -l -d 31 bytes (ratio)")
    for name, load in (("fresh", 0), ("loaded", a.load_mib)):
        for level in (0, 1, 31):
            r = one(level, a.mem, load, level == 31)
            mdf = r.get("mdf_bytes")
            extra = (f"   {mdf:,} ({r['stream'] / mdf:.2f}x)" if mdf and r["stream"] else "")
            print(f"{name:8} {level:>5} {r['kept'] or 0:>10,} {r['data'] or 0:>9,} "
                  f"{r['stream'] or 0:>13,} {r['seconds']:>8.1f}{extra}", flush=True)
    print("stream bytes: what the payload sent (the serial line carries 0.2% more);\n"
          "makedumpfile's file is lzo-compressed per page, on the same crash.")


if __name__ == "__main__":
    sys.exit(main())
