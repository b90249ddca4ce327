# SPDX-License-Identifier: MIT
"""The tinydump CLI (docs/tinydump.md) on sample streams that
tests/unit/test_vmcore_writer.c writes with --write-streams: a complete
crash as a binary-framed and an ASCII-framed console capture and as raw
records, one with lost records, one truncated.  Checks --help, the exit
codes, report.json, the output directory, `info` (registers, missing
ranges), recv over stdin, a pty standing in for a serial port, and TCP;
with the host's readelf, vmcore-dmesg and makedumpfile, and Debian's arm64
makedumpfile under qemu-user when the arm64 packages are in the cache
(scripts/fetch-arm64-debs.sh), that the vmcores read back.
"""
import filecmp
import json
import os
import pty
import shutil
import socket
import subprocess
import threading
import time
import tty

import pytest

from harness import BUILD, CACHE

TINYDUMP = os.path.join(BUILD, "tinydump")
WRITER = os.path.join(BUILD, "tests", "test_vmcore_writer")
REPORT_KEYS = {"status", "format", "crash_id", "crashtime", "producer", "page_size",
               "dump_level", "pages", "missing", "unreadable", "records", "trailer"}
DMESG_LINE = "tinydump test: the last words of the dead kernel"
ARM64_ROOT = os.path.join(CACHE, "arm64-root")

pytestmark = pytest.mark.skipif(
    not (os.path.exists(TINYDUMP) and os.path.exists(WRITER)),
    reason="build/tinydump or build/tests/test_vmcore_writer not built")


@pytest.fixture(scope="module")
def streams(tmp_path_factory):
    d = tmp_path_factory.mktemp("streams")
    subprocess.run([WRITER, "--write-streams", str(d)], check=True, timeout=60,
                   capture_output=True)
    with open(d / "expect.json") as f:
        expect = json.load(f)
    return d, expect


def td(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    return subprocess.run([TINYDUMP, *map(str, args)], **kw)


def report(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def convert(src, out, *extra):
    shutil.rmtree(out, ignore_errors=True)
    r = td("convert", src, "-o", out, *extra)
    return r, (report(out) if os.path.exists(os.path.join(out, "report.json")) else None)


# --- help, usage, exit codes -------------------------------------------------

def test_help_and_version():
    r = td("--help")
    assert r.returncode == 0
    for word in ("recv", "convert", "info", "exit status", "0  complete",
                 "2  partial", "1  error"):
        assert word in r.stdout, r.stdout
    r = td("recv", "--help")
    assert r.returncode == 0
    for opt in ("--serial", "--baud", "--tcp", "--file", "-o", "--format",
                "--idle", "--quiet", "kdump", "elf", "flat"):
        assert opt in r.stdout, r.stdout
    assert td("convert", "--help").returncode == 0
    assert "registers" in td("info", "--help").stdout
    r = td("--version")
    assert r.returncode == 0 and r.stdout.startswith("tinydump ")


@pytest.mark.parametrize("args", [
    [], ["bogus"], ["convert"], ["convert", "a", "b"], ["info"],
    ["recv", "--format", "zip"], ["recv", "--tcp", "x", "--file", "y"],
    ["recv", "--baud", "9600"], ["recv", "--idle", "soon"],
])
def test_usage_errors(args):
    r = td(*args)
    assert r.returncode == 1, r
    assert "usage" in r.stderr


def test_no_stream_is_an_error(tmp_path):
    log = tmp_path / "console.log"
    log.write_text("just a console\nno frames here\n" * 100)
    out = tmp_path / "out"
    r = td("convert", log, "-o", out)
    assert r.returncode == 1 and "no tinydump stream" in r.stderr
    assert not out.exists()
    assert td("info", log).returncode == 1
    assert td("convert", tmp_path / "absent", "-o", out).returncode == 1


# --- convert ---------------------------------------------------------------------

def test_convert_complete(streams, tmp_path):
    d, expect = streams
    out = tmp_path / "out"
    r, rep = convert(d / "complete.log", out)
    assert r.returncode == 0, r.stderr
    assert REPORT_KEYS <= set(rep)
    assert rep["status"] == "complete" and rep["format"] == "kdump"
    assert rep["crash_id"] == expect["crash_id"]
    assert rep["crashtime"] == expect["crashtime"]
    assert rep["producer"].startswith("tinydump ")
    assert rep["page_size"] == 4096 and rep["dump_level"] == 31
    assert set(rep["pages"]) >= {"dumped", "zero", "excluded", "unreadable", "missing"}
    assert rep["pages"]["missing"] == 0 and rep["missing"] == []
    assert rep["records"] == {**rep["records"], "good": expect["records"],
                              "bad_frames": 0, "lost": 0}
    assert rep["trailer"]["status"] == "complete" and rep["trailer"]["error"] == 0
    for u in rep["unreadable"]:
        assert len(u) == 2 and u[0] <= u[1]
    names = set(os.listdir(out))
    assert {"vmcore", "report.txt", "report.json", "vmcore-dmesg.txt", "console.log",
            "stream.tdr"} <= names, names
    assert not [n for n in names if n.startswith(".")]   # no page store left
    assert DMESG_LINE in (out / "vmcore-dmesg.txt").read_text()
    assert "status:      complete" in (out / "report.txt").read_text()
    assert "complete dump" in r.stderr
    with open(out / "vmcore", "rb") as f:
        assert f.read(8) == b"KDUMP   "


def test_convert_is_deterministic_and_records_redo_it(streams, tmp_path):
    """stream.tdr redoes the dump; ASCII framing and raw records agree."""
    d, _ = streams
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert convert(d / "complete.log", a)[0].returncode == 0
    assert convert(a / "stream.tdr", b)[0].returncode == 0
    assert convert(d / "ascii.log", c)[0].returncode == 0
    assert filecmp.cmp(a / "vmcore", b / "vmcore", shallow=False)
    assert filecmp.cmp(a / "vmcore", c / "vmcore", shallow=False)
    assert not (b / "stream.tdr").exists()   # records input is not copied again
    assert report(b)["pages"] == report(a)["pages"]


def test_convert_partial(streams, tmp_path):
    d, expect = streams
    out = tmp_path / "out"
    r, rep = convert(d / "partial.log", out)
    assert r.returncode == 2, r.stderr
    assert rep["status"] == "partial"
    assert rep["missing"] == expect["partial_missing"]
    assert rep["pages"]["missing"] == sum(b - a + 1 for a, b in rep["missing"])
    assert rep["records"]["lost"] == 3
    assert rep["trailer"]["status"] == "complete"
    txt = (out / "report.txt").read_text()
    a, b = expect["partial_missing"][0]
    assert f"PFN {a:#x}-{b:#x}  paddr {a << 12:#x}-{((b + 1) << 12) - 1:#x}" in txt
    # The kdump header says incomplete; info exits 2 on it.
    info = td("info", out / "vmcore")
    assert info.returncode == 2 and "INCOMPLETE" in info.stdout


def test_convert_truncated(streams, tmp_path):
    d, expect = streams
    r, rep = convert(d / "truncated.tdr", tmp_path / "out", "--format", "elf")
    assert r.returncode == 2
    assert rep["trailer"] is None and rep["status"] == "partial"
    last = rep["missing"][-1]
    assert last[1] == expect["pfn_hi"] - 1


def test_default_directory(streams, tmp_path):
    d, _ = streams
    env = dict(os.environ, TZ="UTC")
    r = td("convert", d / "complete.tdr", "-q", cwd=tmp_path, env=env)
    assert r.returncode == 0 and r.stderr == ""
    # <nodename from init_uts_ns>-<crash time>, like /var/crash/<host>-<date>.
    assert os.listdir(tmp_path) == ["testhost-2023-11-14-22:13"]
    r = td("convert", d / "complete.tdr", "-q", cwd=tmp_path, env=env)
    assert sorted(os.listdir(tmp_path)) == ["testhost-2023-11-14-22:13",
                                            "testhost-2023-11-14-22:13.1"]


# --- formats, read back by other tools ----------------------------------------------

def test_elf_readelf_vmcore_dmesg(streams, tmp_path):
    d, _ = streams
    out = tmp_path / "out"
    r, rep = convert(d / "partial.log", out, "--format", "elf")
    assert r.returncode == 2 and rep["format"] == "elf"
    assert rep["vmcore"]["vaddr_source"] == "VMCOREINFO"
    core = out / "vmcore"
    info = td("info", core)     # e_flags DUMP_ELF_INCOMPLETE, as makedumpfile
    assert info.returncode == 2 and "INCOMPLETE" in info.stdout
    if shutil.which("readelf"):
        ra = subprocess.run(["readelf", "-a", "-W", core], capture_output=True, text=True)
        assert ra.returncode == 0 and ra.stderr == "", ra.stderr
        assert "NT_PRSTATUS" in ra.stdout and "ffff800008000000" in ra.stdout
    vd = "/usr/sbin/vmcore-dmesg"
    if os.access(vd, os.X_OK):
        r = subprocess.run([vd, core], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and DMESG_LINE in r.stdout, r.stderr


def test_flat_makedumpfile_R(streams, tmp_path):
    d, _ = streams
    flat, kd = tmp_path / "flat", tmp_path / "kdump"
    assert convert(d / "complete.log", flat, "--format", "flat")[0].returncode == 0
    assert convert(d / "complete.log", kd)[0].returncode == 0
    info = td("info", flat / "vmcore")
    assert info.returncode == 0 and "flattened" in info.stdout
    if not shutil.which("makedumpfile"):
        pytest.skip("makedumpfile (Debian package makedumpfile) is not installed")
    rebuilt = tmp_path / "rebuilt"
    with open(flat / "vmcore", "rb") as f:
        r = subprocess.run(["makedumpfile", "-R", rebuilt], stdin=f, capture_output=True,
                           timeout=60)
    assert r.returncode == 0, r.stderr
    assert filecmp.cmp(rebuilt, kd / "vmcore", shallow=False)


@pytest.mark.parametrize("fmt", ["kdump", "elf"])
def test_arm64_makedumpfile_reads_it(streams, tmp_path, fmt):
    """Debian's arm64 makedumpfile, under qemu-user: --dump-dmesg walks the
    synthetic page tables, reads the notes, bitmaps, descriptors, pages."""
    mdf = os.path.join(ARM64_ROOT, "usr/bin/makedumpfile")
    qemu = shutil.which("qemu-aarch64-static")
    if not (os.path.exists(mdf) and qemu):
        pytest.skip("arm64 makedumpfile (scripts/fetch-arm64-debs.sh) or qemu-user absent")
    d, _ = streams
    out = tmp_path / "out"
    assert convert(d / "partial.log", out, "--format", fmt)[0].returncode == 2
    r = subprocess.run([qemu, "-L", ARM64_ROOT, mdf, "--dump-dmesg", out / "vmcore",
                        tmp_path / "dmesg"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert DMESG_LINE in (tmp_path / "dmesg").read_text()


# --- info ---------------------------------------------------------------------------

def check_registers(text):
    for cpu, pid in ((0, 100), (1, 101)):
        assert f"CPU {cpu}: pid {pid}" in text, text
        assert f"pc  ffff80000812345{cpu}" in text
        assert f"lr  {0x1000 * (cpu + 1) + 30:016x}" in text
        assert f"sp  ffff80000a003d0{cpu}" in text
        assert "pstate 60400005" in text
        for r in range(31):
            assert f"x{r:<2} {0x1000 * (cpu + 1) + r:016x}" in text


def test_info_stream(streams):
    d, expect = streams
    r = td("info", d / "complete.log")
    assert r.returncode == 0, r.stderr
    for s in ("crash id:    " + expect["crash_id"], "PT_LOAD map", "0000000040000000",
              "OSRELEASE     6.1.0-test", "PAGESIZE      4096", "CRASHTIME     1700000000",
              "KERNELOFFSET  0x0", "PHYS_OFFSET   0x40000000", "VA_BITS       48",
              "pages: dumped", "CPUs (CORE NT_PRSTATUS notes): 2"):
        assert s in r.stdout, s
    check_registers(r.stdout)
    r = td("info", d / "partial.log")
    assert r.returncode == 2
    for a, b in expect["partial_missing"]:
        assert f"PFN {a:#x}-{b:#x}" in r.stdout


@pytest.mark.parametrize("fmt", ["kdump", "elf", "flat"])
def test_info_vmcore(streams, tmp_path, fmt):
    d, _ = streams
    out = tmp_path / "out"
    assert convert(d / "complete.tdr", out, "--format", fmt)[0].returncode == 0
    r = td("info", out / "vmcore")
    assert r.returncode == 0, r.stdout
    check_registers(r.stdout)
    assert "OSRELEASE     6.1.0-test" in r.stdout


# --- recv -----------------------------------------------------------------------------

def test_recv_stdin_console_passthrough(streams, tmp_path):
    d, _ = streams
    out = tmp_path / "out"
    with open(d / "complete.log", "rb") as f:
        r = td("recv", "-o", out, stdin=f)
    assert r.returncode == 0, r.stderr
    assert "sysrq: Trigger a crash" in r.stdout
    assert "tinydump: still dumping" in r.stdout
    assert "#TINYDUMP" not in r.stdout          # markers are not console text
    assert "100%" in r.stderr                   # plain progress lines off a tty
    assert report(out)["status"] == "complete"
    assert (out / "stream.tdr").exists()


def test_recv_file_quiet(streams, tmp_path):
    d, _ = streams
    r = td("recv", "--file", d / "partial.log", "-o", tmp_path / "o", "--quiet")
    assert r.returncode == 2 and r.stderr == ""


def feeder(data, chunk, write):
    for i in range(0, len(data), chunk):
        write(data[i:i + chunk])


def test_recv_tcp_stops_at_end_marker(streams, tmp_path):
    """QEMU's -serial tcp::PORT,server: the socket stays open after END."""
    d, _ = streams
    data = (d / "complete.log").read_bytes()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    done = threading.Event()

    def serve():
        c, _ = srv.accept()
        feeder(data, 65536, c.sendall)
        done.wait(30)
        c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    t0 = time.time()
    r = td("recv", "--tcp", f"127.0.0.1:{port}", "-o", tmp_path / "out", "--idle", "20")
    done.set()
    srv.close()
    assert r.returncode == 0, r.stderr
    assert time.time() - t0 < 15
    assert report(tmp_path / "out")["status"] == "complete"


def test_recv_serial_pty_idle_timeout(streams, tmp_path):
    """A pty as the serial port; the stream stops half way: --idle ends it."""
    d, _ = streams
    data = (d / "complete.log").read_bytes()
    master, slave = pty.openpty()
    tty.setraw(slave)          # no echo or CR/LF mangling before tinydump opens it
    name = os.ttyname(slave)
    os.close(slave)
    half = data[:len(data) // 2]
    t = threading.Thread(target=feeder, daemon=True,
                         args=(half, 4096, lambda b: os.write(master, b)))
    p = subprocess.Popen([TINYDUMP, "recv", "--serial", name, "--baud", "921600",
                          "-o", str(tmp_path / "out"), "--idle", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    t.start()
    try:
        stdout, stderr = p.communicate(timeout=30)
    finally:
        os.close(master)
    assert p.returncode == 2, stderr
    rep = report(tmp_path / "out")
    assert rep["trailer"] is None and rep["pages"]["missing"] > 0
