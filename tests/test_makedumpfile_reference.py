# SPDX-License-Identifier: MIT
"""The reference for tinydump's page filter: Debian's arm64 makedumpfile
(1.7.2, run under qemu-aarch64-static) on the same crash.

One real crash (Debian 12's arm64 kernel in QEMU, kexec -p into
payload.bin with the kallsyms workaround so the ELF core header is
right), QEMU's snapshot of RAM after the payload halted, and from it the
/proc/vmcore a Linux capture kernel would have read (tests/e2e/reference.py,
no tinydump code).  makedumpfile then runs at each dump level; these
tests check the reference itself (it succeeds, its selections nest the
way the level bits say, its zero pages are the snapshot's zero pages,
its dmesg holds the crash), and the last tests hold the payload's filter
to it with compare_with_tinydump(): the same PFNs at -d 1, 2, 4, 8, 16, 31.
"""
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e"))
import kdump  # noqa: E402
import reference  # noqa: E402
from reference import compare_with_tinydump  # noqa: E402
from vmcore import ElfCore  # noqa: E402  (tests/qemu, on sys.path via conftest)

PAGE = 4096
LEVELS = (0, 1, 2, 4, 8, 16, 31)
# The level the fixture's payload runs at; the other levels get a crash each.
PAYLOAD_LEVEL = 31
ZERO_PAGE = bytes(PAGE)


@pytest.fixture(scope="module")
def crash():
    """(KdumpResult, Reference): one crash with the payload at level 31
    and tinydump.after=halt, and makedumpfile's reference built from the
    final RAM snapshot.  The big files go when the module is done."""
    workdir = tempfile.mkdtemp(prefix="tinydump-mdfref-")
    try:
        res = kdump.run_kdump(kallsyms_fix=True, workdir=workdir,
                              append=f"tinydump.after=halt tinydump.level={PAYLOAD_LEVEL}")
        assert not res.timed_out, res
        assert res.final_snapshot and os.path.exists(res.final_snapshot), res
        ref = reference.Reference(workdir, res.final_snapshot, res.output,
                                  ram_base=kdump.RAM_BASE)
        ref.build_vmcore()
        reference.set_reference(ref)
        yield res, ref
    finally:
        reference.set_reference(None)
        shutil.rmtree(workdir, ignore_errors=True)


def _ram_pfns(ref):
    """PFNs the ELF core header's PT_LOADs cover, and how many pages the
    PT_LOADs add up to (the kernel-text one repeats RAM)."""
    pfns = set()
    total = 0
    for paddr, _, _, memsz, _ in ref.info["loads"]:
        r = range(paddr // PAGE, (paddr + memsz + PAGE - 1) // PAGE)
        pfns.update(r)
        total += len(r)
    return pfns, total


def test_vmcore_is_what_proc_vmcore_shows(crash):
    res, ref = crash
    addr, _ = ref.elfcorehdr
    base, size = res.reservation
    assert base <= addr < base + size, "elfcorehdr outside the reservation"
    core = ElfCore(ref.vmcore)
    # Merged notes: one NT_PRSTATUS per CPU (one here) and VMCOREINFO.
    assert len(core.cpus()) == 1
    vi = core.vmcoreinfo()
    assert vi and vi.get("OSRELEASE", "").endswith("-arm64"), vi
    assert "CRASHTIME" in vi
    # RAM ranges around the reservation, plus the kernel-text repeat.
    ram, _ = _ram_pfns(ref)
    assert not ram & set(range(base // PAGE, (base + size) // PAGE))
    assert len(ref.info["loads"]) == 3, ref.info["loads"]
    # Every PT_LOAD's data is the snapshot's, at a few sample pages.
    snap = open(res.final_snapshot, "rb")
    for paddr, _, _, memsz, _ in ref.info["loads"]:
        for pa in (paddr, paddr + memsz // 2 // PAGE * PAGE, paddr + memsz - PAGE):
            snap.seek(pa - kdump.RAM_BASE)
            assert core.read(pa, PAGE) == snap.read(PAGE), hex(pa)
    snap.close()


@pytest.mark.parametrize("level", LEVELS)
def test_makedumpfile_runs(crash, level):
    _, ref = crash
    kept = ref.level(level)
    run, pages, rep = ref.runs[level], ref.pages[level], ref.report[level]
    assert run.returncode == 0, run
    assert pages.dump_level == level
    ram, total = _ram_pfns(ref)
    assert pages.bitmap1 == ram
    assert pages.bitmap2 <= pages.bitmap1
    assert kept <= pages.bitmap2
    if level == 0:
        assert pages.bitmap2 == ram
    # makedumpfile counts "Original pages" per PT_LOAD, so the repeated
    # kernel-text pages show up once more in "Remaining pages".
    assert rep["original"] == total, rep
    assert len(kept) == rep["remaining"] - (total - len(ram)), rep


def test_kept_sets_shrink_as_bits_are_added(crash):
    _, ref = crash
    kept = {n: ref.level(n) for n in LEVELS}
    for a in LEVELS:
        for b in LEVELS:
            if a & b == a:
                assert kept[b] <= kept[a], (
                    f"-d {b} keeps what -d {a} drops: "
                    f"{reference.summarize(kept[b] - kept[a])}")
    assert kept[31] <= kept[1]
    # Each bit excludes on its own: -d 31 is what every single bit keeps.
    both = set(kept[0])
    for n in (1, 2, 4, 8, 16):
        both &= kept[n]
    assert kept[31] == both, reference.summarize(kept[31] ^ both)
    # A freshly booted 256 MiB guest has zero pages and free pages.
    assert len(kept[1]) < len(kept[0])
    assert len(kept[16]) < len(kept[0])
    assert len(kept[31]) < min(len(kept[n]) for n in (1, 2, 4, 8, 16))


def test_zero_pages_match_the_snapshot(crash):
    """-d 1: the PFNs makedumpfile dropped as zero (page_descs pointing at
    its shared zero block, still in bitmap 2) are exactly the snapshot's
    all-zero pages."""
    res, ref = crash
    ref.level(1)
    pages = ref.pages[1]
    assert pages.zero_block and pages.zero_pfns
    assert pages.bitmap2 == pages.bitmap1, "zero pages must stay in bitmap 2"
    zero = set()
    with open(res.final_snapshot, "rb") as f:
        for pfn in sorted(pages.bitmap1):
            f.seek(pfn * PAGE - kdump.RAM_BASE)
            if f.read(PAGE) == ZERO_PAGE:
                zero.add(pfn)
    assert pages.zero_pfns == zero, (
        f"makedumpfile-only: {reference.summarize(pages.zero_pfns - zero)}; "
        f"snapshot-only: {reference.summarize(zero - pages.zero_pfns)}")
    assert ref.level(1) == pages.bitmap1 - zero


def test_makedumpfile_dmesg_has_the_crash(crash):
    _, ref = crash
    text, run = reference.dump_dmesg(ref.vmcore, os.path.join(ref.workdir, "dmesg.txt"))
    assert run.returncode == 0, run
    assert "sysrq: Trigger a crash" in text, text[-2000:]


def test_payload_filter_matches_makedumpfile(crash):
    """The fixture's payload ran at PAYLOAD_LEVEL: its kdump output (bitmap
    2, zero stand-ins dropped) keeps exactly makedumpfile's PFNs."""
    res, _ = crash
    out = os.path.join(res.workdir, "tinydump-out")
    r = kdump.tinydump("convert", res.save_capture(), "-o", out, "--format", "kdump")
    assert r.returncode == 0, r.stdout + r.stderr
    assert reference.read_kdump(os.path.join(out, "vmcore")).dump_level == PAYLOAD_LEVEL
    cmp = compare_with_tinydump(PAYLOAD_LEVEL, os.path.join(out, "vmcore"))
    assert cmp.equal, cmp.summary()


@pytest.mark.parametrize("level", (1, 2, 4, 8, 16))
def test_payload_level_matches_makedumpfile(level, tmp_path):
    """A crash per level (31 is the fixture's): the payload dumps at -d N
    and halts; makedumpfile -d N runs on QEMU's RAM of that same crash; the
    kept PFN sets are identical."""
    workdir = str(tmp_path)
    res = kdump.run_kdump(kallsyms_fix=True, workdir=workdir,
                          append=f"tinydump.after=halt tinydump.level={level}")
    assert not res.timed_out and res.final_snapshot, res
    ref = reference.Reference(workdir, res.final_snapshot, res.output,
                              ram_base=kdump.RAM_BASE)
    out = os.path.join(workdir, "tinydump-out")
    r = kdump.tinydump("convert", res.save_capture(), "-o", out, "--format", "kdump")
    assert r.returncode == 0, r.stdout + r.stderr
    cmp = compare_with_tinydump(level, os.path.join(out, "vmcore"), reference=ref)
    res.cleanup()
    assert cmp.equal, cmp.summary()


@pytest.mark.parametrize("fmt", ("kdump", "elf"))
def test_filtered_dump_opens_in_makedumpfile(crash, fmt):
    """A level-31 dump is still a dump the tools read.  crash itself needs
    the kernel's debug vmlinux (an 804 MB package), too big to fetch here;
    Debian's arm64 makedumpfile --dump-dmesg walks the same structures
    (VMCOREINFO, page tables, the printk ring) through our output."""
    res, ref = crash
    out = os.path.join(res.workdir, f"tinydump-open-{fmt}")
    r = kdump.tinydump("convert", res.save_capture(), "-o", out, "--format", fmt)
    assert r.returncode == 0, r.stdout + r.stderr
    text, run = reference.dump_dmesg(os.path.join(out, "vmcore"),
                                     os.path.join(res.workdir, f"dmesg-{fmt}.txt"))
    assert run.returncode == 0, run
    assert "sysrq: Trigger a crash" in text
