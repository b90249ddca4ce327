# SPDX-License-Identifier: MIT
"""The dump path end to end: a synthetic crash (build/tinydump-fixture)
placed in QEMU virt's RAM (-m 6G: one range above 4 GiB), the payload
started as kexec -p would start it, the serial output captured, then
`tinydump convert` to ELF, kdump and flattened vmcores that are read back
here (tests/qemu/vmcore.py) and compared page by page with the crash.
Also the broken ELF core headers of docs/elfcorehdr.md: the payload names
the problem, does its documented fallback and powers off, never hangs.

Checks of the capture itself (records, trailer totals, console lines) run
without the host tool; those that need build/tinydump skip while it is
not built.
"""
import os
import re
import shutil
import subprocess

import pytest

import vmcore
from harness import TINYDUMP, CrashRun, fixture_guest, make_fixture

need_tool = pytest.mark.skipif(
    not os.path.exists(TINYDUMP),
    reason="build/tinydump (the host tool's convert/info) is not built in this tree yet")

OFF = "guest-shutdown"
PAGE = vmcore.PAGE
STATE_NO_MAP = 0x1


class Crash(CrashRun):
    def trailer(self):
        t = self.records(vmcore.REC_TRAILER)
        assert len(t) == 1, self.run
        return t[0]


class Crashes:
    """Captures made once per module, by name."""

    def __init__(self, root):
        self.root = root
        self.made = {}

    def get(self, name, *args, **kw):
        if name not in self.made:
            self.made[name] = Crash(self.root, name, *args, **kw)
        return self.made[name]


@pytest.fixture(scope="module")
def crashes(tmp_path_factory):
    return Crashes(str(tmp_path_factory.mktemp("dump-serial")))


VARIANTS = {
    # name: (fixture arguments, bootargs, /memory from the manifest)
    "level1": (("--seed", "11"), "tinydump.after=off tinydump.level=1", False),
    "level0": (("--seed", "11"), "tinydump.after=off tinydump.level=0", False),
    "garbage-text": (("--seed", "12", "--garbage-text", "--cpus", "4"),
                     "tinydump.after=off", False),
    # The unbacked range outside /memory: never mapped, reported unreadable.
    "no-memory-range": (("--seed", "13", "--no-memory-range"), "tinydump.after=off", False),
    # /memory claims it: the payload reads it and takes QEMU's data abort.
    "no-memory-range-fault": (("--seed", "13", "--no-memory-range"), "tinydump.after=off",
                              True),
}


def crash(crashes, name):
    args, bootargs, dt_memory = VARIANTS[name]
    return crashes.get(name, args, bootargs=bootargs, dt_memory=dt_memory)


def check_ended_cleanly(c):
    assert not c.run.timed_out, c.run
    assert c.run.shutdown_reason == OFF, c.run
    assert "tinydump: done" in c.run.text, c.run


def merged(ranges):
    out = []
    for pa, size in sorted(ranges):
        if out and out[-1][0] + out[-1][1] == pa:
            out[-1] = (out[-1][0], out[-1][1] + size)
        else:
            out.append((pa, size))
    return out


def check_stream(c, level):
    """The records on the wire, without the host tool: the map is the
    fixture's, page records cover every PFN of it once, in order, and the
    trailer's totals are what the crash holds."""
    m = c.manifest
    hdr = c.records(vmcore.REC_HEADER)
    assert len(hdr) == 1 and hdr[0]["seq"] == 0
    assert hdr[0]["level"] == level
    assert hdr[0]["flags"] & STATE_NO_MAP == 0
    # No VMCOREINFO, no CRASHTIME: 0 says unknown.
    assert hdr[0]["crashtime"] == (m["crashtime"] if m["vmcoreinfo"] else 0)
    loads = [e for r in c.records(vmcore.REC_MAP) if r["kind"] == 0 for e in r["entries"]]
    want = merged([tuple(x) for x in m["loads"] + m["unreadable"]])
    assert merged([(pa, size) for pa, size, _ in loads]) == want
    covered = []
    for r in c.records(vmcore.REC_PAGES):
        covered += range(r["pfn"], r["pfn"] + r["npages"])
    assert covered == sorted(list(c.load_pfns()) + list(c.unreadable_pfns()))
    seqs = [f.record["seq"] for f in c.frames]
    assert seqs == list(range(len(seqs))), "records lost on a clean serial line"
    t = c.trailer()
    assert (t["status"], t["error"]) == (0, 0)
    total = len(covered) - len(list(c.unreadable_pfns()))
    zero = m["pages"]["all_zero"]
    assert t["unreadable"] == len(list(c.unreadable_pfns()))
    assert sum(t["excluded"]) == 0
    if level & 1:
        assert (t["dumped"], t["zero"]) == (total - zero, zero)
    else:
        assert (t["dumped"], t["zero"]) == (total, 0)
    assert "dump: complete" in c.run.text


@pytest.mark.parametrize("name", ["level1", "level0"])
def test_capture(crashes, name):
    c = crash(crashes, name)
    check_ended_cleanly(c)
    check_stream(c, 1 if name == "level1" else 0)
    # The crash as the payload saw it: both CPUs' notes, VMCOREINFO, the
    # kernel-text PT_LOAD folded into RAM.
    assert "notes: 3 notes, 2 CPU register sets (NT_PRSTATUS), VMCOREINFO found" in c.run.text
    assert f"kernel 6.1.0-fixture, crash time {c.manifest['crashtime']}" in c.run.text
    assert "PT_LOADs repeating RAM merged" in c.run.text
    print(f"{name}: {len(c.run.output)} bytes on the serial line in {c.seconds:.1f} s")


def check_report(c, report, rc, level):
    m = c.manifest
    total = sum(size for _, size in m["loads"]) // PAGE
    nunread = len(list(c.unreadable_pfns()))
    assert rc == 0, report
    assert report["status"] == "complete"
    assert report["missing"] == [] and report["pages"]["missing"] == 0
    assert report["records"]["bad_frames"] == 0 and report["records"]["lost"] == 0
    assert report["trailer"] and report["trailer"]["status"] in (0, "complete")
    zero = m["pages"]["all_zero"] if level & 1 else 0
    assert report["pages"]["zero"] == zero
    assert report["pages"]["dumped"] == total - zero
    assert report["pages"]["unreadable"] == nunread
    assert report["pages"]["excluded"] == 0
    want = [[pa // PAGE, (pa + size) // PAGE - 1] for pa, size in m["unreadable"]]
    assert report["unreadable"] == want


def check_pages(c, core, zero_may_be_absent=False):
    """Every page of the loads is in the vmcore with the crash's bytes
    (or, for kdump's excluded zero pages, absent and zero in the crash);
    no page outside them, none of the unreadable ones."""
    loads = set(c.load_pfns())
    absent = 0
    for pfn in sorted(loads):
        got = core.page(pfn)
        want = c.page(pfn)
        if got is None:
            assert zero_may_be_absent and want == bytes(PAGE), f"PFN {pfn:#x} not in the dump"
            absent += 1
            continue
        assert got == want, f"PFN {pfn:#x} differs"
    for pfn in c.unreadable_pfns():
        assert core.page(pfn) is None, f"unreadable PFN {pfn:#x} claimed"
    extra = [p for p in core.pfns() if p not in loads]
    assert not extra, f"PFNs not in any load: {extra[:4]}"
    return absent


def check_notes(c, core):
    cpus = core.cpus()
    want = [cpu for cpu in c.manifest["cpus"] if cpu["valid"]]
    assert [(x["pc"], x["sp"], x["x30"], x["pid"]) for x in cpus] == \
        [(x["pc"], x["sp"], x["x30"], x["pid"]) for x in want]
    vi = core.vmcoreinfo()
    if c.manifest["vmcoreinfo"] is None:
        assert vi is None
        return
    assert vi["OSRELEASE"] == c.manifest["osrelease"]
    assert int(vi["CRASHTIME"]) == c.manifest["crashtime"]
    assert int(vi["NUMBER(kimage_voffset)"], 16) == c.manifest["kimage_voffset"]


@need_tool
@pytest.mark.parametrize("name,level", [("level1", 1), ("level0", 0)])
def test_convert_elf(crashes, name, level):
    c = crash(crashes, name)
    r, out, report = c.convert("elf")
    check_report(c, report, r.returncode, level)
    core = vmcore.ElfCore(os.path.join(out, "vmcore"))
    assert core.e_type == 4 and core.e_machine == 183
    # Zero pages are written as zeros in ELF: every page is there.
    check_pages(c, core)
    check_notes(c, core)
    ra = subprocess.run(["readelf", "-a", "-W", os.path.join(out, "vmcore")],
                        capture_output=True, text=True)
    assert ra.returncode == 0 and "CORE" in ra.stdout, ra.stderr
    assert "Warning" not in ra.stderr and "Error" not in ra.stderr, ra.stderr
    print(f"{name}: ELF vmcore {os.path.getsize(os.path.join(out, 'vmcore'))} bytes")


@need_tool
@pytest.mark.parametrize("name,level", [("level1", 1), ("level0", 0)])
def test_convert_kdump(crashes, name, level):
    c = crash(crashes, name)
    r, out, report = c.convert("kdump")
    check_report(c, report, r.returncode, level)
    core = vmcore.KdumpFile(os.path.join(out, "vmcore"))
    absent = check_pages(c, core, zero_may_be_absent=True)
    # Zero pages at level 1: written as zeros, or left out as makedumpfile
    # -d 1 does; all or none of them.
    assert absent == 0 or (level & 1 and absent == c.manifest["pages"]["all_zero"])
    check_notes(c, core)
    assert core.dump_level == level or core.header_version < 1
    print(f"{name}: kdump vmcore {os.path.getsize(os.path.join(out, 'vmcore'))} bytes, "
          f"{absent} zero pages left out")


@need_tool
def test_convert_flat_makedumpfile_R(crashes, tmp_path):
    if not shutil.which("makedumpfile"):
        pytest.skip("makedumpfile (Debian package makedumpfile) is not installed")
    c = crash(crashes, "level1")
    r, out, report = c.convert("flat")
    check_report(c, report, r.returncode, 1)
    rebuilt = str(tmp_path / "vmcore.kdump")
    with open(os.path.join(out, "vmcore"), "rb") as flat:
        mr = subprocess.run(["makedumpfile", "-R", rebuilt], stdin=flat,
                            capture_output=True, text=True, timeout=120)
    assert mr.returncode == 0, mr.stdout + mr.stderr
    core = vmcore.KdumpFile(rebuilt)
    check_pages(c, core, zero_may_be_absent=True)
    check_notes(c, core)


@need_tool
@pytest.mark.parametrize("fmt", ["elf", "kdump"])
def test_info_lists_cpus(crashes, fmt):
    c = crash(crashes, "level1")
    r, out, report = c.convert(fmt)
    assert r.returncode == 0
    info = subprocess.run([TINYDUMP, "info", os.path.join(out, "vmcore")],
                          capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    for cpu in c.manifest["cpus"]:
        assert f"{cpu['pc']:x}" in info.stdout.lower(), info.stdout


def test_garbage_text_capture(crashes):
    """Debian 12's kexec-tools header: kernel-text PT_LOAD with vaddr ~0 and
    garbage paddr/size, RAM vaddrs off.  Dropped, everything still dumped."""
    c = crash(crashes, "garbage-text")
    check_ended_cleanly(c)
    check_stream(c, 1)
    assert "kernel-text PT_LOAD with vaddr ~0 dropped" in c.run.text, c.run
    assert "4 CPU register sets" in c.run.text


@need_tool
def test_garbage_text_convert(crashes):
    c = crash(crashes, "garbage-text")
    r, out, report = c.convert("elf")
    check_report(c, report, r.returncode, 1)
    core = vmcore.ElfCore(os.path.join(out, "vmcore"))
    check_pages(c, core)
    check_notes(c, core)


@pytest.mark.parametrize("name", ["no-memory-range", "no-memory-range-fault"])
def test_no_memory_range_capture(crashes, name):
    """A PT_LOAD over an address with nothing behind it in QEMU virt
    (8 GiB, RAM ends at 7 GiB): its pages are unreadable, the rest exact."""
    c = crash(crashes, name)
    check_ended_cleanly(c)
    check_stream(c, 1)
    assert c.trailer()["unreadable"] == c.manifest["unreadable"][0][1] // PAGE


@need_tool
@pytest.mark.parametrize("name", ["no-memory-range", "no-memory-range-fault"])
def test_no_memory_range_convert(crashes, name):
    c = crash(crashes, name)
    r, out, report = c.convert("elf")
    check_report(c, report, r.returncode, 1)
    core = vmcore.ElfCore(os.path.join(out, "vmcore"))
    check_pages(c, core)


# --- broken ELF core headers ------------------------------------------------
# kind: (what the console must say, whether the payload still has a map)
CORRUPT = {
    "truncated": (r"elfcorehdr: at 0x[0-9a-f]+ \(\d+ bytes\) is unusable \(error -71\b.*no "
                  r"memory map", False),
    "absurd-phnum": (r"elfcorehdr: at 0x[0-9a-f]+ \(\d+ bytes\) is unusable \(error -71\b.*no "
                     r"memory map", False),
    "bad-magic": (r"elfcorehdr: at 0x[0-9a-f]+ \(\d+ bytes\) is unusable \(error -19\b.*no "
                  r"memory map", False),
    "overlapping-ranges": (r"elfcorehdr: overlapping PT_LOADs clipped", True),
    "no-vmcoreinfo": (r"notes: 2 notes, 2 CPU register sets \(NT_PRSTATUS\), VMCOREINFO "
                      r"MISSING", True),
    "bad-note-sizes": (r"elfcorehdr: unusable PT_NOTE entries dropped(.|\n)*notes: \d+ notes, 1 "
                       r"CPU register sets(.|\n)*notes: irregular note segments", True),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupt_header(crashes, kind):
    c = crashes.get(f"corrupt-{kind}", ("--seed", "21", "--corrupt-header", kind))
    message, has_map = CORRUPT[kind]
    assert c.manifest["expect_map"] == has_map
    check_ended_cleanly(c)
    assert re.search(message, c.run.text), c.run
    if has_map:
        # The documented repair: the dump goes on, complete.
        check_stream(c, 1)
        return
    # The fallback: no memory read by physical range, a stream that says
    # "no memory map", still a trailer, then power-off.
    hdr = c.records(vmcore.REC_HEADER)
    assert len(hdr) == 1 and hdr[0]["flags"] & STATE_NO_MAP, c.run
    assert hdr[0]["map_count"] == 0
    assert not c.records(vmcore.REC_PAGES)
    assert c.trailer()["dumped"] == 0


def test_corrupt_header_then_reset(crashes):
    """The default tinydump.after=reset after the fallback too."""
    c = crashes.get("corrupt-reset", ("--seed", "22", "--corrupt-header", "truncated"),
                    bootargs="")
    assert not c.run.timed_out, c.run
    assert "no memory map" in c.run.text
    assert c.run.shutdown_reason == "guest-reset", c.run


@need_tool
@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupt_header_convert(crashes, kind):
    c = crashes.get(f"corrupt-{kind}", ("--seed", "21", "--corrupt-header", kind))
    r, out, report = c.convert("elf")
    assert r.returncode in (0, 1, 2), r.stderr
    if c.manifest["expect_map"]:
        check_report(c, report, r.returncode, 1)
        core = vmcore.ElfCore(os.path.join(out, "vmcore"))
        check_pages(c, core)
        check_notes(c, core)
    else:
        # A metadata-only capture: said so, never "complete".
        assert report is not None, r.stderr
        assert report["pages"]["dumped"] == 0
        assert report["no_memory_map"] is True
        assert report["status"] == "partial" and r.returncode == 2


# --- the readers themselves ---------------------------------------------------

def test_readers_on_qemu_dumps(tmp_path):
    """tests/qemu/vmcore.py against a producer that is not ours: QEMU's
    dump-guest-memory of the same crash (kdump-zlib in the flattened form,
    rebuilt by makedumpfile -R; ELF over one range) reads back as the
    crash's bytes.  1 GiB of RAM keeps the dump small."""
    if not shutil.which("makedumpfile"):
        pytest.skip("makedumpfile (Debian package makedumpfile) is not installed")
    d = str(tmp_path)
    m = make_fixture(d, "--ram-size", "1G", "--seed", "5")
    g = fixture_guest(d, bootargs="tinydump.after=halt", machine="virt",
                      workdir=os.path.join(d, "qemu"))
    os.makedirs(g.workdir)
    pa, size = m["loads"][1]
    cmds = [{"execute": "dump-guest-memory",
             "arguments": {"paging": False, "protocol": f"file:{d}/q.flat",
                           "format": "kdump-zlib"}},
            {"execute": "dump-guest-memory",
             "arguments": {"paging": False, "protocol": f"file:{d}/q.elf",
                           "begin": pa, "length": size}}]
    run = g.run(until=b"tinydump: halting", qmp_at_until=cmds)
    assert not run.timed_out, run
    with open(f"{d}/q.flat", "rb") as flat:
        mr = subprocess.run(["makedumpfile", "-R", f"{d}/q.kdump"], stdin=flat,
                            capture_output=True, text=True, timeout=60)
    assert mr.returncode == 0, mr.stdout + mr.stderr

    def crash_bytes(addr, n):
        out = bytearray(n)
        for name, baddr in m["blobs"]:
            data = open(os.path.join(d, name), "rb").read()
            s, e = max(addr, baddr), min(addr + n, baddr + len(data))
            if s < e:
                out[s - addr:e - addr] = data[s - baddr:e - baddr]
        return bytes(out)

    k = vmcore.KdumpFile(f"{d}/q.kdump")
    for addr, n in m["loads"]:
        assert k.read(addr, n) == crash_bytes(addr, n), hex(addr)
    assert k.read(0x200000000, 4096) is None
    e = vmcore.ElfCore(f"{d}/q.elf")
    assert e.read(pa, size) == crash_bytes(pa, size)
    assert e.read(pa + size, 4096) is None and len(e.cpus()) == 1
