# SPDX-License-Identifier: MIT
"""The block sink in QEMU, on synthetic crashes: the dump goes to a GPT
partition named "tinydump" (or a prepared raw range) on virtio-blk
(-M virt, legacy and modern virtio-mmio), an SD card behind sdhci-pci
(-M virt), the BCM2835 SDHCI (-M raspi3b: no PSCI, the run ends on the
payload's halt message) and the Arasan SDHCI (-M xlnx-zcu102); then
`tinydump recv --block IMAGE` reads it back and the vmcore is compared
with the crash's memory page by page.  The refusals (no GPT, no such
partition, a partition too small) and a dump cut by a power loss (QEMU
killed at tinydump.debug=stall-at-kib=) give the documented results.
"""
import json
import os
import subprocess

import pytest

import disk
import vmcore
from harness import TINYDUMP, fixture_guest, make_fixture
from test_dump_net import Fixture
from test_dump_serial import check_notes, check_pages

MiB = 1 << 20
NO_PSCI = b"no /psci node in the device tree"

# name: (machine, fixture arguments, QEMU arguments for the disk at {img})
DISKS = {
    "virtio-blk": ("virt", ("--seed", "31"),
                   ["-drive", "if=none,id=d0,file={img},format=raw",
                    "-device", "virtio-blk-device,drive=d0"]),
    "virtio-blk-modern": ("virt", ("--seed", "32"),
                          ["-global", "virtio-mmio.force-legacy=false",
                           "-drive", "if=none,id=d0,file={img},format=raw",
                           "-device", "virtio-blk-device,drive=d0"]),
    "sdhci-pci": ("virt", ("--seed", "33"),
                  ["-device", "sdhci-pci",
                   "-drive", "if=none,id=d0,file={img},format=raw",
                   "-device", "sd-card,drive=d0"]),
    "raspi3b-sdhci": ("raspi3b", ("--seed", "34", "--ram-base", "0x0", "--ram-size", "0x3c000000",
                                  "--resv-base", "0x30000000"),
                      ["-drive", "if=sd,file={img},format=raw"]),
    "zcu102-sdhci": ("zcu102", ("--seed", "35", "--ram-base", "0x0", "--ram-size", "0x80000000",
                                "--resv-base", "0x30000000"),
                     ["-drive", "if=sd,index=1,file={img},format=raw"]),
}


def make_disk(path, parts, size=64 * MiB):
    """A GPT image (SD cards must be a power of two in size for QEMU)."""
    if parts is None:
        with open(path, "wb") as f:
            f.truncate(size)
        return {}
    return disk.write_gpt(str(path), size, [disk.Part(n, s) for n, s in parts])


def dump_to_disk(tmp_path, name, parts=(("tinydump", 16 * MiB),), bootargs="",
                 until=None, timeout=120, img=None):
    machine, fargs, qargs = DISKS[name]
    d = str(tmp_path / name)
    manifest = make_fixture(d, *fargs)
    img = img or tmp_path / f"{name}.img"
    if not os.path.exists(img):
        make_disk(img, list(parts) if parts is not None else None)
    g = fixture_guest(d, bootargs=f"tinydump.after=off tinydump.sink=block {bootargs}",
                      machine="virt-6g" if machine == "virt" else machine,
                      workdir=os.path.join(d, "qemu"),
                      extra_args=[a.format(img=img) for a in qargs])
    os.makedirs(g.workdir, exist_ok=True)
    if machine == "raspi3b" and until is None:
        until = NO_PSCI
    run = g.run(timeout=timeout, until=until)
    return d, manifest, run, img


def recv_block(img, out, *extra):
    r = subprocess.run([TINYDUMP, "recv", "--block", str(img), "-o", str(out),
                        "--format", "elf", *extra], capture_output=True, text=True,
                       timeout=120)
    report = None
    if os.path.exists(os.path.join(out, "report.json")):
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
    return r, report


def ended(run, machine):
    assert not run.timed_out, run
    if machine == "raspi3b":
        assert NO_PSCI in run.output, run
    else:
        assert run.shutdown_reason == "guest-shutdown", run


@pytest.mark.parametrize("name", list(DISKS))
def test_dump_to_a_partition_is_byte_exact(name, tmp_path):
    d, manifest, run, img = dump_to_disk(tmp_path, name)
    ended(run, DISKS[name][0])
    assert "dump: complete" in run.text, run
    r, report = recv_block(img, tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr
    assert report["status"] == "complete"
    core = vmcore.ElfCore(str(tmp_path / "out" / "vmcore"))
    c = Fixture(d, manifest)
    check_pages(c, core)
    check_notes(c, core)


def test_disk_without_gpt_is_not_written(tmp_path):
    d, manifest, run, img = dump_to_disk(tmp_path, "virtio-blk", parts=None)
    ended(run, "virt")
    assert "no GPT" in run.text or "no partition" in run.text, run
    assert open(img, "rb").read() == bytes(os.path.getsize(img))
    r, _ = recv_block(img, tmp_path / "out")
    assert r.returncode == 1, r.stdout + r.stderr


def test_disk_without_the_partition_is_not_written(tmp_path):
    img = tmp_path / "other.img"
    make_disk(img, [("rootfs", 16 * MiB), ("swap", 8 * MiB)])
    before = open(img, "rb").read()
    d, manifest, run, _ = dump_to_disk(tmp_path, "virtio-blk", img=img)
    ended(run, "virt")
    assert "tinydump" in run.text and "no usable sink" in run.text, run
    assert open(img, "rb").read() == before


def test_partition_too_small_is_cut_and_says_so(tmp_path):
    img = tmp_path / "small.img"
    parts = make_disk(img, [("before", 1 * MiB), ("tinydump", 512 * 1024),
                            ("after", 1 * MiB)])
    before = open(img, "rb").read()
    d, manifest, run, _ = dump_to_disk(tmp_path, "virtio-blk", img=img,
                                       bootargs="tinydump.level=0")
    ended(run, "virt")
    assert "dump: cut: a sink is full" in run.text, run
    after = open(img, "rb").read()
    p = parts["tinydump"]
    # Not a byte outside the partition changed.
    assert after[:p.offset] == before[:p.offset]
    assert after[p.offset + p.length:] == before[p.offset + p.length:]
    r, report = recv_block(img, tmp_path / "out")
    assert r.returncode == 2, r.stdout + r.stderr
    assert report["status"] != "complete" and report["pages"]["missing"] > 0


def test_power_cut_reads_back_as_partial(tmp_path):
    d, manifest, run, img = dump_to_disk(
        tmp_path, "virtio-blk", bootargs="tinydump.level=0 tinydump.debug=stall-at-kib=1024",
        until=b"dump: debug: stalling")
    assert not run.timed_out and b"dump: debug: stalling" in run.output, run
    r, report = recv_block(img, tmp_path / "out")
    assert r.returncode == 2, r.stdout + r.stderr
    assert report["status"] != "complete"
    assert report["missing"], report
    core = vmcore.ElfCore(str(tmp_path / "out" / "vmcore"))
    c = Fixture(d, manifest)
    # What arrived is exact; the rest is named missing, not invented.
    missing = {pfn for a, b in report["missing"] for pfn in range(a, b + 1)}
    for pfn in c.load_pfns():
        got = core.page(pfn)
        if pfn in missing:
            assert got is None, hex(pfn)
        elif got is not None:
            assert got == c.page(pfn), hex(pfn)


def test_prepared_raw_range(tmp_path):
    img = tmp_path / "raw.img"
    make_disk(img, None)
    off, length = 8 * MiB, 16 * MiB
    r = subprocess.run([TINYDUMP, "prepare", str(img), "--offset", str(off),
                        "--length", str(length)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    before = open(img, "rb").read()
    d, manifest, run, _ = dump_to_disk(
        tmp_path, "virtio-blk", img=img,
        bootargs=f"tinydump.blk={off},{length}")
    ended(run, "virt")
    assert "dump: complete" in run.text, run
    after = open(img, "rb").read()
    assert after[:off] == before[:off] and after[off + length:] == before[off + length:]
    r, report = recv_block(img, tmp_path / "out", "--offset", str(off))
    assert r.returncode == 0, r.stdout + r.stderr
    core = vmcore.ElfCore(str(tmp_path / "out" / "vmcore"))
    check_pages(Fixture(d, manifest), core)


def test_unprepared_raw_range_is_not_written(tmp_path):
    img = tmp_path / "raw.img"
    make_disk(img, None)
    d, manifest, run, _ = dump_to_disk(
        tmp_path, "virtio-blk", img=img, bootargs=f"tinydump.blk={8 * MiB},{16 * MiB}")
    ended(run, "virt")
    assert "no usable sink" in run.text, run
    assert open(img, "rb").read() == bytes(os.path.getsize(img))
