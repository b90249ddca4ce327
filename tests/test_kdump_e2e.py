# SPDX-License-Identifier: MIT
"""Real kdump in QEMU: Debian 12's arm64 kernel crashes into payload.bin
through the real kexec -p (kexec-tools 2.0.25, kexec_load), with
crashkernel=512K, and the dump comes out of the console UART.

Combinations: EL1 and EL2 entry; one CPU, or two with the crash on CPU 0
or CPU 1; Debian's stock ELF core header (broken kernel-text entry and
vaddrs, shared/REFERENCE.md section 7) and the one written with the
kallsyms workaround.  Ground truth comes from QEMU (kdump.py): RAM at the
payload's first instruction and after it halted.
"""
import json
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e"))
import kdump  # noqa: E402

RESERVATION = "512K"
PAGE = 4096


def convert(res, fmt="elf"):
    cap = res.save_capture()
    out = os.path.join(res.workdir, f"out-{fmt}")
    r = kdump.tinydump("convert", cap, "-o", out, "--format", fmt)
    report = json.load(open(os.path.join(out, "report.json")))
    return r, out, report


COMBOS = [
    (el2, smp, cpu, fix)
    for el2 in (False, True)
    for smp, cpu in ((1, 0), (2, 0), (2, 1))
    for fix in (False, True)
]


@pytest.mark.parametrize(
    "el2,smp,cpu,fix", COMBOS,
    ids=[f"{'el2' if e else 'el1'}-smp{s}-cpu{c}-{'kallsyms' if f else 'stock'}"
         for e, s, c, f in COMBOS])
def test_kdump_combination(el2, smp, cpu, fix, tmp_path):
    res = kdump.run_kdump(el2=el2, smp=smp, crash_cpu=cpu, kallsyms_fix=fix,
                          crashkernel=RESERVATION, append="tinydump.after=off",
                          workdir=str(tmp_path))
    t = res.text
    assert not res.timed_out, res
    assert f"crashing on CPU {cpu}" in t, res
    assert f"entered at EL{2 if el2 else 1}" in t, res
    assert "dump: complete" in t, res
    assert res.shutdown_reason == "guest-shutdown", res
    r, out, report = convert(res)
    assert r.returncode == 0, r.stdout + r.stderr
    assert report["status"] == "complete"
    assert report["pages"]["missing"] == 0
    # One NT_PRSTATUS per CPU, whichever one crashed.
    info = kdump.tinydump("info", os.path.join(out, "vmcore"))
    assert info.returncode == 0, info.stderr
    assert len(re.findall(r"(?m)^\s*CPU\s*\d+", info.stdout)) >= smp, info.stdout
    res.cleanup()


def test_reset_is_the_default_exit(tmp_path):
    res = kdump.run_kdump(append="", workdir=str(tmp_path))
    assert "dump: complete" in res.text, res
    assert "resetting through PSCI" in res.text
    assert res.shutdown_reason == "guest-reset", res
    res.cleanup()


@pytest.fixture(scope="module")
def ground_truth():
    """One crash on CPU 1 of two, stock header, payload halting at the end:
    RAM snapshots at payload entry and after, plus the guest's kallsyms."""
    res = kdump.run_kdump(smp=2, crash_cpu=1,
                          append="tinydump.after=halt tinydump.dmesg_lines=100000",
                          snapshot_at_entry=True, dump_kallsyms=True)
    assert res.entry_snapshot and res.final_snapshot, res
    yield res
    res.cleanup()


def test_nothing_written_outside_the_reservation(ground_truth):
    res = ground_truth
    base, size = res.reservation
    a = open(res.entry_snapshot, "rb").read()
    b = open(res.final_snapshot, "rb").read()
    lo, hi = base - kdump.RAM_BASE, base - kdump.RAM_BASE + size
    changed = [i for i in range(0, len(a), PAGE) if a[i:i + PAGE] != b[i:i + PAGE]]
    outside = [hex(kdump.RAM_BASE + i) for i in changed if not lo <= i < hi]
    assert changed, "the payload's own memory should have changed"
    assert outside == []


def test_vmcore_equals_qemu_memory(ground_truth):
    res = ground_truth
    r, out, report = convert(res, "elf")
    assert r.returncode == 0, r.stdout + r.stderr
    ram = open(res.final_snapshot, "rb").read()
    vmcore = open(os.path.join(out, "vmcore"), "rb")
    checked = zero_pages = 0
    for paddr, offset, filesz, _ in kdump.elf_loads(os.path.join(out, "vmcore")):
        if not kdump.RAM_BASE <= paddr < kdump.RAM_BASE + len(ram):
            continue
        vmcore.seek(offset)
        data = vmcore.read(filesz)
        for o in range(0, filesz, PAGE):
            page = data[o:o + PAGE]
            pos = paddr - kdump.RAM_BASE + o
            assert page == ram[pos:pos + PAGE], hex(paddr + o)
            checked += 1
            zero_pages += page == bytes(PAGE)
    assert checked > 5000  # level 31 keeps about 11,400 of 65,408 pages
    # Every page reported zero is zero in QEMU's view of RAM.
    assert report["pages"]["zero"] > 0
    assert zero_pages >= report["pages"]["zero"]


def test_vmcore_dmesg_reads_the_dead_kernels_log(ground_truth):
    r, out, _ = convert(ground_truth, "elf")
    dm = subprocess.run(["vmcore-dmesg", os.path.join(out, "vmcore")],
                        capture_output=True, text=True)
    assert dm.returncode == 0, dm.stderr
    assert "sysrq: Trigger a crash" in dm.stdout
    assert "Kernel panic - not syncing: sysrq triggered crash" in dm.stdout


def test_payload_dmesg_equals_vmcore_dmesg(ground_truth):
    """The dmesg the payload prints before dumping, and the
    vmcore-dmesg.txt the host writes from the stream, are vmcore-dmesg's
    output for the same crash, record for record."""
    r, out, _ = convert(ground_truth, "elf")
    ref = subprocess.run(["vmcore-dmesg", os.path.join(out, "vmcore")],
                         capture_output=True, text=True).stdout
    assert "sysrq: Trigger a crash" in ref
    assert open(os.path.join(out, "vmcore-dmesg.txt")).read() == ref
    console = ground_truth.text.replace("\r\n", "\n")
    m = re.search(r"dmesg: the dead kernel's last \d+ log records:\n(.*?)dmesg: end\n",
                  console, re.S)
    assert m, "no dmesg on the console"
    assert m.group(1) == ref


def test_crash_directory_named_after_the_host(ground_truth, tmp_path):
    """Without -o, the directory is <nodename>-<crash time>, as the kdump
    service names /var/crash/<host>-<date>."""
    cap = ground_truth.save_capture()
    r = subprocess.run([os.path.join(kdump.BUILD, "tinydump"), "convert", cap, "-q"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    names = os.listdir(tmp_path)
    assert len(names) == 1 and re.fullmatch(r"kdump-guest-\d{4}-\d\d-\d\d-\d\d:\d\d",
                                            names[0]), names


def guest_kallsyms(res):
    import base64
    import gzip
    m = re.search(r"KALLSYMS-BEGIN\r?\n(.*?)tinydump-e2e: KALLSYMS-END", res.text, re.S)
    assert m, "kallsyms not captured"
    text = gzip.decompress(base64.b64decode(re.sub(r"\s", "", m.group(1)))).decode()
    syms = []
    for line in text.splitlines():
        addr, _, name = line.split()[:3]
        syms.append((int(addr, 16), name))
    syms.sort()
    return syms


def resolve(syms, addr):
    import bisect
    i = bisect.bisect_right(syms, (addr, "\xff")) - 1
    return syms[i][1] if i >= 0 else None


def test_registers_resolve_to_the_crash_path(ground_truth):
    r, out, _ = convert(ground_truth, "kdump")
    assert r.returncode == 0, r.stdout + r.stderr
    info = kdump.tinydump("info", os.path.join(out, "vmcore")).stdout
    syms = guest_kallsyms(ground_truth)
    pcs = [int(x, 16) for x in re.findall(r"\bpc[ =:]+(?:0x)?([0-9a-f]{16})", info)]
    lrs = [int(x, 16) for x in re.findall(r"\b(?:lr|x30)[ =:]+(?:0x)?([0-9a-f]{16})", info)]
    assert len(pcs) == 2, info
    names = {resolve(syms, a) for a in pcs + lrs}
    crash_path = {"crash_save_cpu", "__crash_kexec", "crash_kexec", "panic",
                  "machine_crash_shutdown", "sysrq_handle_crash", "ipi_cpu_crash_stop",
                  "do_handle_IPI", "ipi_handler", "local_cpu_stop", "cpu_do_idle",
                  "arch_cpu_idle", "default_idle_call", "__sysrq_handle_crash",
                  "crash_smp_send_stop", "smp_send_stop", "vpanic"}
    assert names & crash_path, (names, info)
