# SPDX-License-Identifier: MIT
"""A real serial capture, damaged on purpose: bytes flipped, dropped and
inserted at 1e-5, 1e-4 and 1e-3 per byte (seeded), and a capture cut in
the middle.  `tinydump convert` must then say *partial* (exit 2) with the
PFNs it lacks, never hand out a wrong byte, and name every PFN whose page
record was damaged.  Which bytes carried which record comes from the
undamaged capture (tests/qemu/vmcore.py), so the expected missing PFNs
are known exactly.
"""
import os
import random

import pytest

import vmcore
from harness import TINYDUMP, CrashRun, tinydump_convert

PAGE = vmcore.PAGE
need_tool = pytest.mark.skipif(
    not os.path.exists(TINYDUMP),
    reason="build/tinydump (the host tool's convert) is not built in this tree yet")


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    c = CrashRun(str(tmp_path_factory.mktemp("corruption")), "good", ("--seed", "31"))
    assert not c.run.timed_out and c.run.shutdown_reason == "guest-shutdown", c.run
    trailer = c.records(vmcore.REC_TRAILER)
    assert trailer and trailer[0]["status"] == 0, c.run
    seqs = [f.record["seq"] for f in c.frames]
    assert seqs == list(range(len(seqs)))
    if os.path.exists(TINYDUMP):
        r, out, report = c.convert("elf")
        assert r.returncode == 0 and report["status"] == "complete", r.stderr
    return c


def damage(data, rate, kind, seed):
    """Damage events at random positions (mean gap 1/rate); returns the
    new bytes and the positions, in the original, that were hit."""
    rng = random.Random(seed)
    out = []
    hits = []
    last = 0
    pos = -1
    while True:
        pos += 1 + int(rng.expovariate(rate))
        if pos >= len(data):
            break
        out.append(data[last:pos])
        if kind == "flip":
            out.append(bytes([data[pos] ^ (1 << rng.randrange(8))]))
            last = pos + 1
        elif kind == "drop":
            last = pos + 1
        else:			# insert a byte before pos
            out.append(bytes([rng.randrange(256)]))
            last = pos
        hits.append(pos)
    out.append(data[last:])
    return b"".join(out), hits


def damaged_frames(frames, hits, kind):
    """Frames whose bytes (leading 0x00 to closing 0x00) were changed.  A
    byte inserted before a frame's leading 0x00 lies between frames."""
    out = []
    j = 0
    for f in frames:
        while j < len(hits) and hits[j] < f.start:
            j += 1
        k = j
        while k < len(hits) and hits[k] <= f.end:
            if kind != "insert" or hits[k] > f.start:
                out.append(f)
                break
            k += 1
    return out


def pfns_of(frames):
    s = set()
    for f in frames:
        if f.record["type"] == vmcore.REC_PAGES:
            s.update(range(f.record["pfn"], f.record["pfn"] + f.record["npages"]))
    return s


def expand(ranges):
    s = set()
    for first, last in ranges:
        assert first <= last
        s.update(range(first, last + 1))
    return s


def check_partial(c, out, r, report, lost_frames):
    """What every damaged conversion must satisfy."""
    assert r.returncode in (0, 2), r.stderr
    assert report is not None, r.stderr
    missing = expand(report["missing"])
    lost_pfns = pfns_of(lost_frames)
    loads = set(c.load_pfns())
    if missing or lost_frames:
        assert r.returncode == 2 and report["status"] == "partial", report
    if not lost_frames:
        assert r.returncode == 0 and report["status"] == "complete", report
    assert report["pages"]["missing"] == len(missing)
    # Every PFN of a damaged page record is named missing.
    assert lost_pfns <= missing, sorted(lost_pfns - missing)[:8]
    lost_types = {f.record["type"] for f in lost_frames}
    if not lost_types & {vmcore.REC_HEADER, vmcore.REC_MAP}:
        # With the map known, missing is exactly what was lost.
        assert missing <= loads
        assert missing == lost_pfns, (sorted(missing - lost_pfns)[:8],
                                      sorted(lost_pfns - missing)[:8])
    # No byte the output claims is wrong, no missing page is claimed.
    vm = os.path.join(out, "vmcore")
    if os.path.exists(vm) and os.path.getsize(vm):
        core = vmcore.ElfCore(vm)
        claimed = 0
        for pfn in core.pfns():
            assert pfn in loads, f"PFN {pfn:#x} is not in the crash"
            assert pfn not in missing, f"missing PFN {pfn:#x} has data"
            assert core.page(pfn) == c.page(pfn), f"PFN {pfn:#x} differs"
            claimed += 1
        assert claimed + len(missing & loads) == len(loads)
    return missing


RATES = [1e-5, 1e-4, 1e-3]
KINDS = ["flip", "drop", "insert"]


def damaged(good, kind, rate):
    data = open(good.capture, "rb").read()
    seed = 1000 * KINDS.index(kind) + RATES.index(rate)
    bad, hits = damage(data, rate, kind, seed)
    return bad, hits, damaged_frames(good.frames, hits, kind)


@pytest.mark.parametrize("rate", RATES, ids=[f"{r:g}" for r in RATES])
@pytest.mark.parametrize("kind", KINDS)
def test_damage_model(good, kind, rate):
    """The test's own prediction, checked on the bytes: every frame it
    says was not hit is still in the damaged capture with a good CRC (so
    a decoder has it), and every frame it says was hit is gone."""
    bad, hits, lost = damaged(good, kind, rate)
    survivors = {f.record["seq"] for f in vmcore.scan_good_frames(bad)}
    all_seqs = {f.record["seq"] for f in good.frames}
    lost_seqs = {f.record["seq"] for f in lost}
    assert survivors == all_seqs - lost_seqs
    assert hits and (rate < 1e-3 or lost)


@need_tool
@pytest.mark.parametrize("rate", RATES, ids=[f"{r:g}" for r in RATES])
@pytest.mark.parametrize("kind", KINDS)
def test_damaged_capture(good, tmp_path, kind, rate):
    bad, hits, lost = damaged(good, kind, rate)
    path = str(tmp_path / "capture.bin")
    open(path, "wb").write(bad)
    out = str(tmp_path / "out")
    r, report = tinydump_convert(path, out, "elf")
    missing = check_partial(good, out, r, report, lost)
    print(f"{kind} {rate:g}: {len(hits)} hits, {len(lost)} of {len(good.frames)} records "
          f"lost, {len(missing)} PFNs missing, exit {r.returncode}")


@need_tool
def test_truncated_capture(good, tmp_path):
    data = open(good.capture, "rb").read()
    cut = len(data) // 2
    lost = [f for f in good.frames if f.end >= cut]
    assert lost and pfns_of(lost)
    path = str(tmp_path / "capture.bin")
    open(path, "wb").write(data[:cut])
    out = str(tmp_path / "out")
    r, report = tinydump_convert(path, out, "elf")
    check_partial(good, out, r, report, lost)
    assert r.returncode == 2 and report["status"] == "partial"
    assert report["trailer"] is None
