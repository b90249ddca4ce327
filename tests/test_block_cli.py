# SPDX-License-Identifier: MIT
"""Block dumps on the host (docs/block.md): `tinydump prepare` and
`tinydump recv --block` on disk images, and the boot-time save step.

GPT images are written by tests/qemu/disk.py (checked against util-linux's
partx when it is there).  Dumps are put into them by the payload's own
block sink, compiled for the host: `test_sink_block --write-image` replays
a real record stream (the complete.tdr that test_vmcore_writer writes) or
encodes a synthetic crash through payload/stream_enc.c, optionally losing
power after N writes.  What recv makes of an area must be what the serial
path makes of the same stream: the same vmcore, byte for byte.  The host
tools cross-built for arm64 (HOSTCC=aarch64-linux-gnu-gcc) read an image
under qemu-aarch64-static.
"""
import filecmp
import hashlib
import json
import os
import shutil
import subprocess

import pytest

import disk
from harness import BUILD, ROOT

TINYDUMP = os.path.join(BUILD, "tinydump")
WRITER = os.path.join(BUILD, "tests", "test_vmcore_writer")
SINK = os.path.join(BUILD, "tests", "test_sink_block")
SAVE = os.path.join(ROOT, "scripts", "tinydump-save")
DMESG_LINE = "tinydump test: the last words of the dead kernel"
MIB = 1 << 20

pytestmark = pytest.mark.skipif(
    not all(os.path.exists(p) for p in (TINYDUMP, WRITER, SINK)),
    reason="build/tinydump or the unit test binaries are not built")


@pytest.fixture(scope="module")
def streams(tmp_path_factory):
    d = tmp_path_factory.mktemp("streams")
    subprocess.run([WRITER, "--write-streams", str(d)], check=True, timeout=60,
                   capture_output=True)
    with open(d / "expect.json") as f:
        return d, json.load(f)


def td(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    return subprocess.run([TINYDUMP, *map(str, args)], **kw)


def write_image(image, *args):
    """The payload's block sink writing into @image; its summary as a dict."""
    r = subprocess.run([SINK, "--write-image", str(image), *map(str, args)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode:
        return r.returncode, r.stderr
    return 0, json.loads(r.stdout.strip().splitlines()[-1])


def report(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def gpt_image(path, area_mib=16, name="tinydump", size_mib=64):
    return disk.write_gpt(str(path), size_mib * MIB, [
        disk.Part("rootfs", 32 * MIB),
        disk.Part(name, area_mib * MIB),
    ])


# --- the image writer and help -------------------------------------------------

def test_disk_py_agrees_with_partx(tmp_path):
    """The Python GPT writer's tables read back by an independent reader."""
    img = tmp_path / "d.img"
    parts = gpt_image(img)
    g = disk.read_gpt(str(img))
    assert [(p.name, p.first_lba, p.last_lba) for p in g.parts] == [
        ("rootfs", 2048, 67583), ("tinydump", 67584, 100351)]
    assert parts["tinydump"].offset == 67584 * 512
    if not shutil.which("partx"):
        pytest.skip("partx (util-linux) not installed")
    r = subprocess.run(["partx", "-g", "-o", "NR,START,END,NAME", "--show", str(img)],
                       capture_output=True, text=True, check=True)
    rows = [line.split() for line in r.stdout.splitlines()]
    assert rows == [["1", "2048", "67583", "rootfs"],
                    ["2", "67584", "100351", "tinydump"]]
    # A broken primary: the backup still gives the same table.
    disk.corrupt(str(img), 1)
    assert [p.name for p in disk.read_gpt(str(img)).parts] == ["rootfs", "tinydump"]


def test_help_texts():
    r = td("--help")
    assert r.returncode == 0
    for word in ("prepare", "--block", "3  recv --block: no dump"):
        assert word in r.stdout, r.stdout
    r = td("recv", "--help")
    for word in ("--block DEV", "--part NAME", "--offset BYTES", "--length BYTES",
                 "--consume", "3 no dump"):
        assert word in r.stdout, r.stdout
    r = td("prepare", "--help")
    assert r.returncode == 0
    for word in ("--offset", "--length", "--part", "--force"):
        assert word in r.stdout
    # Usage errors.
    assert td("recv", "--part", "x").returncode == 1
    assert td("recv", "--block", "x.img", "--idle", "3").returncode == 1
    assert td("recv", "--block", "x.img", "--part", "a", "--offset", "0").returncode == 1
    assert td("prepare").returncode == 1
    assert td("prepare", "x.img", "--offset", "1M").returncode == 1
    assert td("recv", "--block", "/nonexistent.img").returncode == 1


# --- recv --block -------------------------------------------------------------

def test_recv_gpt_same_vmcore_as_serial(tmp_path, streams):
    d, expect = streams
    img = tmp_path / "disk.img"
    parts = gpt_image(img)
    before = sha(img)
    rc, info = write_image(img, "--stream", d / "complete.tdr")
    assert rc == 0, info
    assert info["status"] == 0 and info["crash_id"] == expect["crash_id"]
    assert info["records"] == expect["records"]
    assert info["area_offset"] == parts["tinydump"].offset
    assert sha(img) != before

    out_blk, out_ser = tmp_path / "blk", tmp_path / "ser"
    r = td("recv", "--block", img, "-o", out_blk)
    assert r.returncode == 0, r.stderr
    assert "complete dump" in r.stderr
    r = td("convert", d / "complete.tdr", "-o", out_ser)
    assert r.returncode == 0, r.stderr
    # The block path writes what the serial path writes.
    assert filecmp.cmp(out_blk / "vmcore", out_ser / "vmcore", shallow=False)
    assert filecmp.cmp(out_blk / "stream.tdr", d / "complete.tdr", shallow=False)
    with open(out_blk / "vmcore-dmesg.txt") as f:
        assert DMESG_LINE in f.read()
    rep = report(out_blk)
    assert rep["status"] == "complete"
    assert rep["crash_id"] == expect["crash_id"]
    b = rep["block"]
    assert b["commit"] == "complete" and b["generation"] == 1
    assert b["offset"] == parts["tinydump"].offset
    assert b["length"] == 16 * MIB
    assert b["capacity"] == 16 * MIB - 8192
    assert b["device"] == str(img)
    assert "GPT partition 'tinydump' (#2)" in b["area"]
    assert report(out_ser)["block"] is None
    with open(out_blk / "report.txt") as f:
        assert "commit record: complete" in f.read()
    # ELF too, and reading did not write.
    after = sha(img)
    r = td("recv", "--block", img, "-o", tmp_path / "elf", "--format", "elf", "-q")
    assert r.returncode == 0
    assert sha(img) == after


def test_consume_and_reset(tmp_path, streams):
    d, _ = streams
    img = tmp_path / "disk.img"
    gpt_image(img, name="crash")
    # A fresh partition of another name: never written, no dump.
    r = td("recv", "--block", img, "--part", "crash", "-o", tmp_path / "x")
    assert r.returncode == 3, r.stderr
    assert "no dump" in r.stderr
    assert not (tmp_path / "x").exists()
    # Without --part: no partition named tinydump on this disk.
    r = td("recv", "--block", img, "-o", tmp_path / "x")
    assert r.returncode == 1
    assert "no GPT partition is named 'tinydump'" in r.stderr

    rc, info = write_image(img, "--bootargs", "tinydump.part=crash",
                           "--stream", d / "complete.tdr")
    assert rc == 0, info
    r = td("recv", "--block", img, "--part", "crash", "-o", tmp_path / "a", "--consume")
    assert r.returncode == 0, r.stderr
    assert "marked consumed" in r.stderr
    r = td("recv", "--block", img, "--part", "crash", "-o", tmp_path / "b")
    assert r.returncode == 3
    assert "saved already (consumed on" in r.stderr
    assert not (tmp_path / "b").exists()
    # The next dump goes over a consumed one: generation 2.
    rc, info = write_image(img, "--bootargs", "tinydump.part=crash",
                           "--synthetic", 300)
    assert rc == 0
    r = td("recv", "--block", img, "--part", "crash", "-o", tmp_path / "c")
    assert r.returncode == 0, r.stderr
    assert report(tmp_path / "c")["block"]["generation"] == 2
    # prepare --part resets it, refusing first because it was not saved.
    r = td("prepare", img, "--part", "crash")
    assert r.returncode == 1 and "not saved" in r.stderr
    r = td("prepare", img, "--part", "crash", "--force")
    assert r.returncode == 0, r.stderr
    assert "tinydump.part=crash" in r.stdout
    r = td("recv", "--block", img, "--part", "crash")
    assert r.returncode == 3 and "is empty" in r.stderr


def test_cut_when_too_small(tmp_path):
    img = tmp_path / "disk.img"
    disk.write_gpt(str(img), 8 * MIB, [disk.Part("tinydump", 256 * 1024)])
    rc, info = write_image(img, "--synthetic", 4000)
    assert rc == 0, info
    assert info["status"] == 1  # STREAM_STATUS_CUT
    assert info["stream_bytes"] <= 256 * 1024 - 8192
    out = tmp_path / "out"
    r = td("recv", "--block", img, "-o", out)
    assert r.returncode == 2, r.stderr
    rep = report(out)
    assert rep["status"] == "partial"
    assert rep["trailer"]["status"] == "cut"
    assert rep["block"]["commit"] == "cut"
    assert rep["pages"]["missing"] == 4000 - info["described"]
    # Nothing outside the partition changed: the rest of the image is zero
    # but for the GPT itself.
    part = disk.find_partition(str(img), "tinydump")
    with open(img, "rb") as f:
        data = f.read()
    assert data[34 * 512:part.offset] == bytes(part.offset - 34 * 512)
    end = part.offset + part.length
    assert data[end:len(data) - 33 * 512] == bytes(len(data) - 33 * 512 - end)


def test_power_cut_reads_partial(tmp_path, streams):
    d, expect = streams
    img = tmp_path / "disk.img"
    gpt_image(img, area_mib=4)
    rc, full = write_image(img, "--synthetic", 3000)
    assert rc == 0 and full["status"] == 0
    total = full["writes"]
    # Power lost in the middle of a second dump, over the first.
    rc, info = write_image(img, "--synthetic", 3000, "--seed", 5,
                           "--cut-after-writes", total // 2)
    assert rc == 0
    out = tmp_path / "mid"
    r = td("recv", "--block", img, "-o", out)
    assert r.returncode == 2, r.stderr
    assert "no commit record" in r.stderr
    rep = report(out)
    assert rep["block"]["commit"] == "stale"
    assert rep["pages"]["missing"] == 3000 - info["described"] > 0
    assert rep["missing"]
    # Everything but the commit block landed: still partial, never complete.
    gpt_image(tmp_path / "full.img", area_mib=8)
    rc, info = write_image(tmp_path / "full.img", "--stream", d / "complete.tdr")
    assert rc == 0 and info["status"] == 0
    writes = info["writes"]
    gpt_image(tmp_path / "fresh.img", area_mib=8)
    rc, info = write_image(tmp_path / "fresh.img", "--stream", d / "complete.tdr",
                           "--cut-after-writes", writes - 1)
    assert rc == 0
    out = tmp_path / "nocommit"
    r = td("recv", "--block", tmp_path / "fresh.img", "-o", out)
    assert r.returncode == 2, r.stderr
    rep = report(out)
    assert rep["status"] == "partial"
    assert rep["block"]["commit"] == "missing"
    assert rep["trailer"]["status"] == "complete"  # the stream itself is whole
    assert rep["pages"]["missing"] == 0
    with open(out / "report.txt") as f:
        assert "interrupted" in f.read()


def test_raw_range(tmp_path, streams):
    d, _ = streams
    img = tmp_path / "raw.img"
    with open(img, "wb") as f:
        f.truncate(32 * MIB)
    # No signature: the sink writes nothing at all.
    rc, err = write_image(img, "--bootargs", "tinydump.blk=1M,8M",
                          "--stream", d / "complete.tdr")
    assert rc == 1 and "no tinydump area signature" in err
    assert sha(img) == hashlib.sha256(bytes(32 * MIB)).hexdigest()
    r = td("recv", "--block", img, "--offset", "1M")
    assert r.returncode == 1 and "signature" in r.stderr

    r = td("prepare", img, "--offset", "1M", "--length", "8M")
    assert r.returncode == 0, r.stderr
    assert "tinydump.blk=0x100000,0x800000" in r.stdout
    with open(img, "rb") as f:
        data = f.read()
    # Only the header block was written (and the commit block, zeroed).
    assert data[:MIB] == bytes(MIB) and data[MIB:MIB + 8] == b"TINYDUMP"
    assert data[MIB + 512:] == bytes(len(data) - MIB - 512)
    r = td("recv", "--block", img, "--offset", "1M")
    assert r.returncode == 3 and "is empty" in r.stderr

    # A range that disagrees with the signature is not written.
    rc, err = write_image(img, "--bootargs", "tinydump.blk=1M,4M",
                          "--stream", d / "complete.tdr")
    assert rc == 1 and "signature was written for" in err
    rc, info = write_image(img, "--bootargs", "tinydump.blk=0x100000,0x800000",
                           "--stream", d / "complete.tdr")
    assert rc == 0 and info["status"] == 0
    with open(img, "rb") as f:
        data = f.read()
    assert data[:MIB] == bytes(MIB) and data[9 * MIB:] == bytes(23 * MIB)
    for extra in ([], ["--length", "8M"]):
        out = tmp_path / ("o" + str(len(extra)))
        r = td("recv", "--block", img, "--offset", "0x100000", *extra, "-o", out)
        assert r.returncode == 0, r.stderr
        assert report(out)["block"]["commit"] == "complete"
    r = td("recv", "--block", img, "--offset", "1M", "--length", "4M")
    assert r.returncode == 1 and "signature was written for" in r.stderr


def test_prepare_refusals(tmp_path):
    img = tmp_path / "disk.img"
    gpt_image(img)
    before = sha(img)
    cases = [
        (["--offset", "60M", "--length", "8M"], "beyond the end"),
        (["--offset", "1M", "--length", "1M"], "overlaps GPT partition 1 'rootfs'"),
        (["--offset", "0", "--length", "1M"], "overlap the GPT's own blocks"),
        (["--offset", "63M", "--length", "1M"], "overlap the GPT's own blocks"),
        (["--offset", "50M+1", "--length", "1M"], "byte count"),
        (["--offset", "50M", "--length", "4K"], "at least"),
        (["--offset", "0x3200100", "--length", "1M"], "multiples"),
        (["--part", "nosuch"], "no GPT partition is named 'nosuch'"),
    ]
    for args, msg in cases:
        r = td("prepare", img, *args)
        assert r.returncode == 1, (args, r.stdout)
        assert msg in r.stderr, (args, r.stderr)
    assert sha(img) == before
    # Free space between the partitions and the backup GPT is fine.
    r = td("prepare", img, "--offset", "50M", "--length", "8M")
    assert r.returncode == 0, r.stderr
    # --force overrides the partition check (the user's word).
    r = td("prepare", img, "--offset", "1M", "--length", "1M", "--force")
    assert r.returncode == 0, r.stderr
    # The GPT is intact.
    assert [p.name for p in disk.read_gpt(str(img)).parts] == ["rootfs", "tinydump"]


def test_partition_node_and_backup_gpt(tmp_path, streams):
    d, expect = streams
    img = tmp_path / "disk.img"
    parts = gpt_image(img)
    rc, info = write_image(img, "--stream", d / "complete.tdr")
    assert rc == 0
    # The partition alone (as /dev/disk/by-partlabel/tinydump would be).
    p = parts["tinydump"]
    with open(img, "rb") as f:
        f.seek(p.offset)
        part_bytes = f.read(p.length)
    node = tmp_path / "part.img"
    node.write_bytes(part_bytes)
    r = td("recv", "--block", node, "-o", tmp_path / "a")
    assert r.returncode == 0, r.stderr
    assert "at the start of part.img" in report(tmp_path / "a")["block"]["area"]
    # A damaged primary GPT: the backup finds the partition.
    disk.corrupt(str(img), 1)
    r = td("recv", "--block", img, "-o", tmp_path / "b")
    assert r.returncode == 0, r.stderr
    assert filecmp.cmp(tmp_path / "a" / "vmcore", tmp_path / "b" / "vmcore",
                       shallow=False)
    # Two partitions of the name: refused.
    disk.write_gpt(str(img), 64 * MIB, [disk.Part("tinydump", 8 * MIB),
                                        disk.Part("tinydump", 8 * MIB)])
    r = td("recv", "--block", img)
    assert r.returncode == 1 and "2 GPT partitions are named 'tinydump'" in r.stderr


def test_save_script(tmp_path, streams):
    """scripts/tinydump-save on an image: save, consume, then nothing."""
    d, expect = streams
    img = tmp_path / "disk.img"
    gpt_image(img)
    write_image(img, "--stream", d / "complete.tdr")
    crash = tmp_path / "crash"
    cfg = tmp_path / "tinydump.conf"
    cfg.write_text(f'SAVE_DEVICE="{img}"\nCRASH_DIR="{crash}"\n')
    env = dict(os.environ, TINYDUMP=TINYDUMP, TINYDUMP_ROOT=str(tmp_path / "root"))
    r = subprocess.run([SAVE, "-c", str(cfg)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "saved a complete dump" in r.stderr
    dirs = os.listdir(crash)
    assert len(dirs) == 1
    rep = report(crash / dirs[0])
    assert rep["status"] == "complete" and rep["crash_id"] == expect["crash_id"]
    r = subprocess.run([SAVE, "-c", str(cfg)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0 and "nothing to save" in r.stderr
    assert len(os.listdir(crash)) == 1
    # Found by partition label: a fake /dev/disk/by-partlabel and sysfs.
    root = tmp_path / "root"
    (root / "dev/disk/by-partlabel").mkdir(parents=True)
    (root / "sys/block/sda/sda2").mkdir(parents=True)
    (root / "sys/block/sda/sda2/partition").write_text("2\n")
    (root / "sys/class/block").mkdir(parents=True)
    os.symlink(root / "sys/block/sda/sda2", root / "sys/class/block/sda2")
    shutil.copy(img, root / "dev/sda")
    (root / "dev/sda2").write_bytes(b"")
    os.symlink(root / "dev/sda2", root / "dev/disk/by-partlabel/tinydump")
    write_image(root / "dev/sda", "--synthetic", 200)
    cfg.write_text(f'CRASH_DIR="{crash}"\n')
    r = subprocess.run([SAVE, "-c", str(cfg)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"partition 'tinydump' of {root}/dev/sda" in r.stderr
    assert len(os.listdir(crash)) == 2
    # No such label: nothing to save, not an error.
    cfg.write_text(f'CRASH_DIR="{crash}"\nSAVE_PART=other\n')
    r = subprocess.run([SAVE, "-c", str(cfg)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0 and "no partition named 'other'" in r.stderr
    # An unreadable device is an error, and says so.
    cfg.write_text(f'SAVE_DEVICE="{tmp_path}/none.img"\nCRASH_DIR="{crash}"\n')
    r = subprocess.run([SAVE, "-c", str(cfg)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 1 and "could not save" in r.stderr


# --- the host tools cross-built for arm64 ----------------------------------------

def test_arm64_tools_read_an_image(tmp_path, streams):
    """make O=... HOSTCC=aarch64-linux-gnu-gcc host-tools, then the arm64
    tinydump under qemu-aarch64-static saves the same vmcore as the host's."""
    qemu = shutil.which("qemu-aarch64-static")
    if not (shutil.which("aarch64-linux-gnu-gcc") and qemu):
        pytest.skip("aarch64-linux-gnu-gcc or qemu-aarch64-static missing")
    out = os.path.join(BUILD, "arm64")
    r = subprocess.run(["make", "-j2", f"O={out}", "HOSTCC=aarch64-linux-gnu-gcc",
                        "host-tools"], cwd=ROOT, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    tool = os.path.join(out, "tinydump")
    r = subprocess.run(["file", "-b", tool], capture_output=True, text=True)
    assert r.returncode != 0 or "aarch64" in r.stdout, r.stdout
    d, expect = streams
    img = tmp_path / "disk.img"
    gpt_image(img)
    write_image(img, "--stream", d / "complete.tdr")
    arm = [qemu, "-L", "/usr/aarch64-linux-gnu", tool]
    r = subprocess.run(arm + ["--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "tinydump" in r.stdout, r.stderr
    r = subprocess.run(arm + ["recv", "--block", str(img), "-o", str(tmp_path / "arm"),
                              "--consume"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    r = td("convert", d / "complete.tdr", "-o", tmp_path / "host")
    assert r.returncode == 0
    assert filecmp.cmp(tmp_path / "arm" / "vmcore", tmp_path / "host" / "vmcore",
                       shallow=False)
    assert report(tmp_path / "arm")["block"]["commit"] == "complete"
    # It marked the area consumed: the host's tool agrees.
    r = td("recv", "--block", img)
    assert r.returncode == 3 and "saved already" in r.stderr
