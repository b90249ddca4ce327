# SPDX-License-Identifier: MIT
"""Real kdump in QEMU with the dump going to a disk or the network instead
of the serial console: Debian 12's arm64 kernel crashes (sysrq-c) into
payload.bin loaded by kexec -p with crashkernel=512K, as in
test_kdump_e2e.py, and the dump lands in a GPT partition on virtio-blk,
or goes over virtio-net to `tinydump recv --udp` on this machine (QEMU's
user network: 10.0.2.2 is 127.0.0.1 here).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e"))
import disk  # noqa: E402
import kdump  # noqa: E402
from harness import TINYDUMP  # noqa: E402
from test_dump_net import Proc  # noqa: E402

MiB = 1 << 20
CRASH_LINE = "sysrq: Trigger a crash"


def check_vmcore(out_dir):
    with open(os.path.join(out_dir, "report.json")) as f:
        report = json.load(f)
    assert report["status"] == "complete", report
    assert report["pages"]["dumped"] > 5000, report["pages"]
    dm = subprocess.run(["vmcore-dmesg", os.path.join(out_dir, "vmcore")],
                        capture_output=True, text=True, timeout=120)
    assert dm.returncode == 0, dm.stderr
    assert CRASH_LINE in dm.stdout
    # The payload's own copy of the log is vmcore-dmesg's, byte for byte.
    assert open(os.path.join(out_dir, "vmcore-dmesg.txt")).read() == dm.stdout
    return report


def test_real_crash_dumped_to_virtio_blk(tmp_path):
    img = str(tmp_path / "disk.img")
    disk.write_gpt(img, 256 * MiB, [disk.Part("rootfs", 64 * MiB),
                                    disk.Part("tinydump", 128 * MiB)])
    res = kdump.run_kdump(
        append="tinydump.after=off tinydump.sink=block", workdir=str(tmp_path),
        extra_args=["-drive", f"if=none,id=d0,file={img},format=raw",
                    "-device", "virtio-blk-device,drive=d0"])
    text = res.output.decode("latin-1")
    assert not res.timed_out, text[-3000:]
    assert "dump: complete" in text, text[-3000:]
    out = str(tmp_path / "out")
    r = kdump.tinydump("recv", "--block", img, "-o", out, "--format", "elf")
    assert r.returncode == 0, r.stdout + r.stderr
    check_vmcore(out)


def test_real_crash_dumped_over_virtio_net(tmp_path):
    out = tmp_path / "crashes"
    rx = Proc([TINYDUMP, "recv", "--udp",
               "127.0.0.1:0", "-o", str(out), "--format", "elf", "--once"])
    try:
        res = kdump.run_kdump(
            append=(f"tinydump.after=off tinydump.sink=net tinydump.port={rx.port} "
                    "netconsole=@10.0.2.15/,6666@10.0.2.2/"),
            workdir=str(tmp_path),
            extra_args=["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"])
        rc, stdout, err = rx.wait(60)
    finally:
        rx.stop()
    text = res.output.decode("latin-1")
    assert not res.timed_out, text[-3000:]
    assert "dump: complete" in text, text[-3000:]
    assert rc == 0, stdout + err
    dirs = [p for p in out.iterdir() if p.is_dir()]
    assert len(dirs) == 1, dirs
    check_vmcore(str(dirs[0]))
