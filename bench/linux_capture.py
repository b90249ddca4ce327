#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Side-by-side benchmark: the classic Linux capture kernel against tinydump.

Both paths crash the same QEMU guest (``-M virt -cpu cortex-a57 -smp 1``,
``-m 1024`` by default, a virtio-mmio disk attached) running Debian 12's
arm64 kernel, with the real ``kexec -p`` of Debian's kexec-tools:

Linux path
    The first kernel's initramfs (tests/e2e/initramfs.py's base image plus
    bench/linux_first_init.sh, the kernel Image and a capture initrd) loads
    the same kernel as the crash kernel, with the kallsyms ``_text``
    workaround of REFERENCE.md section 7, and crashes.  The capture
    initrd's init (bench/linux_capture_init.sh) loads virtio_mmio and
    virtio_blk, writes ``makedumpfile -F -l -d 31 /proc/vmcore`` raw to
    /dev/vda, prints ``vmcore-dmesg`` and a "done" marker, powers off.
    The dump is read back from the disk image: the flattened stream's size,
    and the kdump file the host's ``makedumpfile -R`` rebuilds from it
    (checked with Debian's arm64 makedumpfile --dump-dmesg under
    qemu-aarch64-static when that is installed).

tinydump path
    tests/e2e/init.sh loads build/payload.bin with ``kexec -p`` (append
    ``tinydump.after=off``) and crashes; the payload streams the dump over
    the console UART.

Timing uses host wall-clock time of serial output: a reader thread
timestamps every chunk read from QEMU's stdout (``-serial stdio``), and a
marker's time is the arrival time of the chunk holding its last byte.
The reader drains the pipe in batches (a 1 MiB pipe, a 5 ms nap between
reads): QEMU's PL011 does one write(2) per byte, and how the host consumes
them changes how fast a serial dump goes (measured here for the same
tinydump run: ~39 s batched, ~87 s with ``-serial file:``, ~100 s reading
every byte as it comes).  The serial figure is QEMU's, not a UART's: at
115200 baud the same stream would take about 40 minutes.
"Crash to dump complete" runs from the first kernel's
``Kernel panic - not syncing`` line to the capture's done marker (Linux)
or the payload's ``dump: complete`` line (tinydump).  The time to QEMU's
exit (power off) is reported as well.

The smallest working ``crashkernel=`` is searched for each path over a fixed
list of sizes, from the largest down: for tinydump until the first failure,
for Linux every listed size (to show how each fails).  Unless BENCH_QUICK,
the Linux path is also timed with ``kexec -i`` (purgatory then skips its
SHA-256 of the 33 MB Image and the initrd, which dominates under TCG).

Environment: REPEAT (runs per path, default 3), BENCH_QUICK=1 (one run per
path, no crashkernel search, no kexec -i runs), TIMEOUT (seconds per QEMU run, default 900),
O (build directory, default build), LINUX_KEXEC_ARGS (extra kexec
arguments for the Linux path).  --help lists the options.  Results: a table on stdout and in
$O/bench/linux-vs-tinydump.txt; each run's serial log and disk image stay in
$O/bench/linux-vs-tinydump/ (serial.tlog: timestamped console text; the
initrd, and the disk image or raw serial capture of passing runs, are removed
unless KEEP=1).
"""
import argparse
import fcntl
import glob
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import initramfs  # noqa: E402  (tests/e2e: Cpio, base_image, run_image, ...)

BUILD = os.path.join(ROOT, os.environ.get("O", "build"))
OUT_DIR = os.path.join(BUILD, "bench")
WORK_DIR = os.path.join(OUT_DIR, "linux-vs-tinydump")
ARM64_ROOT = initramfs.ARM64_ROOT

CAPTURE_APPEND = "console=ttyAMA0 reset_devices maxcpus=1 rdinit=/capture-init"
TINYDUMP_APPEND = "tinydump.after=off"
LINUX_SIZES = ["64M", "56M", "48M"]
TINYDUMP_SIZES = ["512K", "448K", "416K", "400K", "384K"]
DISK_SIZE = 512 << 20
READ_NAP = 0.005            # seconds between serial reads (see run_qemu)
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

PANIC = b"Kernel panic - not syncing"
BYE = b"Bye!"
BOOTING = b"Booting Linux on physical CPU"
CAPTURE_DONE = re.compile(rb"bench-capture: done rc=(\d+)")
MDF_REMAINING = re.compile(rb"Remaining pages\s*:\s*(0x[0-9a-fA-F]+)")
MDF_ZERO = re.compile(rb"Pages filled with zero\s*:\s*(0x[0-9a-fA-F]+)")
MDF_TOTAL = re.compile(rb"Original pages\s*:\s*(0x[0-9a-fA-F]+)")
MDF_DONE = re.compile(rb"bench-capture: makedumpfile rc=(\d+)")
TD_COMPLETE = b"dump: complete"
TD_SUMMARY = re.compile(
    rb"dump: ([a-z][^;\n]*); (\d+) pages: (\d+) with data, (\d+) zero, (\d+) "
    rb"unreadable; (\d+) KiB of memory in (\d+) KiB of stream \((\d+) records\) "
    rb"in ([\d.]+) s")
TD_SERIAL = re.compile(rb"dump: serial: (\d+) record bytes, (\d+) bytes on the wire")

# makedumpfile's flattened format: a 4 KiB header starting with the
# signature, then (offset, size) pairs, big-endian int64, each followed by
# size bytes of data for that offset of the rebuilt file; (-1, -1) ends it.
FLAT_SIGNATURE = b"makedumpfile\0"
FLAT_HEADER_SIZE = 4096
FLAT_END = -1


def log(msg):
    """Progress on stderr (the table goes to stdout)."""
    print(f"[linux-vs-tinydump] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Initramfs images
# --------------------------------------------------------------------------

def kernel_release(vmlinuz):
    """'6.1.0-56-arm64' from '.../boot/vmlinuz-6.1.0-56-arm64'."""
    return os.path.basename(vmlinuz)[len("vmlinuz-"):]


def find_module(release, subdir, name):
    """Path of a module of the kernel package, plain or compressed."""
    base = os.path.join(ARM64_ROOT, "lib/modules", release, "kernel/drivers", subdir, name)
    for ext in (".ko", ".ko.xz", ".ko.zst", ".ko.gz"):
        if os.path.exists(base + ext):
            return base + ext
    raise FileNotFoundError(f"{base}.ko: not in the unpacked kernel package")


def module_bytes(path):
    """A module's ELF bytes: busybox insmod wants them uncompressed."""
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        import lzma
        return lzma.decompress(data)
    if path.endswith(".gz"):
        import gzip
        return gzip.decompress(data)
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True,
                              capture_output=True).stdout
    return data


def arm64_tool(*candidates):
    """The first of the given paths (relative to the arm64 root) that exists."""
    for rel in candidates:
        p = os.path.join(ARM64_ROOT, rel)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"none of {candidates} in {ARM64_ROOT}: run "
                            "scripts/fetch-arm64-debs.sh (makedumpfile is in its list)")


def ensure_arm64_packages():
    """Fetch/unpack the arm64 packages when makedumpfile is not there yet."""
    if glob.glob(os.path.join(ARM64_ROOT, "usr/bin/makedumpfile")) and \
            glob.glob(os.path.join(ARM64_ROOT, "boot/vmlinuz-*-arm64")):
        return
    subprocess.run([os.path.join(ROOT, "scripts/fetch-arm64-debs.sh")], check=True,
                   stdout=subprocess.DEVNULL)


def newer(target, *sources):
    """True when target exists and is at least as new as every source."""
    if not os.path.exists(target):
        return False
    t = os.path.getmtime(target)
    return all(os.path.getmtime(s) <= t for s in sources)


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def capture_initrd(path, vmlinuz):
    """The capture kernel's initrd: busybox, makedumpfile, vmcore-dmesg,
    their shared libraries, virtio_mmio + virtio_blk, /capture-init."""
    release = kernel_release(vmlinuz)
    mdf = arm64_tool("usr/bin/makedumpfile", "usr/sbin/makedumpfile", "sbin/makedumpfile")
    vmd = arm64_tool("sbin/vmcore-dmesg", "usr/sbin/vmcore-dmesg")
    busybox = os.path.join(ARM64_ROOT, "bin/busybox")
    mods = [find_module(release, "virtio", "virtio_mmio"),
            find_module(release, "block", "virtio_blk")]
    init = os.path.join(HERE, "linux_capture_init.sh")
    if newer(path, mdf, vmd, busybox, init, *mods):
        return path
    libs = {}
    for binary in (mdf, vmd):
        libs.update(initramfs.library_closure(binary))
    c = initramfs.Cpio()
    for d in ("bin", "sbin", "lib", "lib/modules", "proc", "sys", "dev", "tmp",
              "var", "var/tmp", "etc"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", open(busybox, "rb").read(), 0o755)
    c.symlink("bin/sh", "busybox")
    c.file("sbin/makedumpfile", open(mdf, "rb").read(), 0o755)
    c.file("sbin/vmcore-dmesg", open(vmd, "rb").read(), 0o755)
    for name, real in sorted(libs.items()):
        c.file(f"lib/{name}", open(real, "rb").read(), 0o755)
    # Load order matters: virtio_mmio (the transport) first, then the disk.
    for i, m in enumerate(mods):
        name = os.path.basename(m).split(".ko")[0]
        c.file(f"lib/modules/{i}-{name}.ko", module_bytes(m), 0o644)
    c.file("capture-init", open(init, "rb").read(), 0o755)
    write_atomic(path, c.finish())
    return path


def linux_first_initrd(workdir, vmlinuz, crash_append, kexec_args):
    """The first kernel's initrd for the Linux path: the e2e base image
    (busybox, kexec and its libraries) + an overlay with /bench-init, the
    kernel Image and the capture initrd (cached) + this run's /bench.conf."""
    base = initramfs.base_image(os.path.join(BUILD, "e2e", "base.cpio.gz"))
    cap = capture_initrd(os.path.join(WORK_DIR, "capture.cpio.gz"), vmlinuz)
    first_init = os.path.join(HERE, "linux_first_init.sh")
    overlay = os.path.join(WORK_DIR, "linux-overlay.cpio.gz")
    if not newer(overlay, cap, vmlinuz, first_init):
        log("building the Linux path's first-kernel overlay (kernel Image + capture initrd)")
        c = initramfs.Cpio()
        c.file("bench-init", open(first_init, "rb").read(), 0o755)
        c.file("vmlinuz", open(vmlinuz, "rb").read(), 0o644)
        c.file("capture.img", open(cap, "rb").read(), 0o644)
        write_atomic(overlay, c.finish())
    c = initramfs.Cpio()
    c.file("bench.conf", (f"CAPTURE_APPEND='{crash_append}'\n"
                          f"KEXEC_ARGS='{kexec_args}'\n").encode())
    conf = c.finish()
    path = os.path.join(workdir, "initrd")
    with open(path, "wb") as f:
        for part in (base, overlay):
            f.write(open(part, "rb").read())
        f.write(conf)
    return path, os.path.getsize(cap)


def tinydump_first_initrd(workdir, payload):
    """The first kernel's initrd for tinydump: tests/e2e's base image and
    run image (payload.bin, /tinydump.conf), as the e2e tests build them."""
    base = initramfs.base_image(os.path.join(BUILD, "e2e", "base.cpio.gz"))
    run = initramfs.run_image(os.path.join(workdir, "run.cpio.gz"), payload,
                              {"APPEND": TINYDUMP_APPEND, "KALLSYMS_FIX": "1",
                               "CRASH_CPU": "0", "DUMP_KALLSYMS": "0",
                               "KEXEC_ARGS": ""})
    path = os.path.join(workdir, "initrd")
    with open(path, "wb") as f:
        f.write(open(base, "rb").read() + open(run, "rb").read())
    return path


# --------------------------------------------------------------------------
# QEMU with a timestamped serial console
# --------------------------------------------------------------------------

class SerialRun:
    """One QEMU run: the serial bytes, when each chunk of them arrived
    (host time.monotonic()), how the process ended."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.buf = bytearray()
        self.chunk_ends = []   # offset just past each chunk
        self.chunk_times = []  # arrival time of each chunk
        self.lock = threading.Lock()
        self.start = None
        self.exit_time = None
        self.returncode = None
        self.timed_out = False
        self.killed_for = None
        self.load_before = None

    def feed(self, data, now):
        with self.lock:
            self.buf += data
            self.chunk_ends.append(len(self.buf))
            self.chunk_times.append(now)

    def time_at(self, offset):
        """Arrival time of the byte at offset."""
        import bisect
        i = bisect.bisect_right(self.chunk_ends, offset)
        return self.chunk_times[min(i, len(self.chunk_times) - 1)]

    def marker(self, pattern, nth=1, start=0):
        """(time, match) of the nth occurrence of a bytes pattern or regex,
        timed at its last byte; (None, None) when absent."""
        pos = start
        for _ in range(nth):
            if isinstance(pattern, bytes):
                i = self.buf.find(pattern, pos)
                if i < 0:
                    return None, None
                m, end = pattern, i + len(pattern)
            else:
                m = pattern.search(self.buf, pos)
                if not m:
                    return None, None
                end = m.end()
            pos = end
        return self.time_at(end - 1), m

    @property
    def text(self):
        return self.buf.decode("latin-1")

    def tail(self, n=2500):
        """The last printable part of the console, for error reports."""
        t = self.buf[-n:].decode("latin-1")
        return "".join(ch if ch.isprintable() or ch == "\n" else "." for ch in t)


def run_qemu(workdir, initrd, append, mem, disk, timeout, watch=None):
    """Boot Debian's arm64 kernel with initrd and append; return a SerialRun.

    watch(run) is called about every 50 ms; a non-empty string it returns
    ends the run early (QEMU is killed three seconds later, to let the
    console drain), and is recorded as the reason."""
    kernel = initramfs.kernel_image()
    cmd = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", mem,
           "-smp", "1", "-display", "none", "-monitor", "none", "-nodefaults",
           "-serial", "stdio", "-no-reboot",
           "-kernel", kernel, "-initrd", initrd, "-append", append]
    if disk:
        cmd += ["-drive", f"if=none,file={disk},format=raw,id=d0",
                "-device", "virtio-blk-device,drive=d0"]
    run = SerialRun(workdir)
    run.load_before = os.getloadavg()[0]
    with open(os.path.join(workdir, "qemu.cmd"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    stderr = open(os.path.join(workdir, "qemu.stderr"), "wb")
    run.start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=stderr)
    stderr.close()

    def reader():
        # QEMU's PL011 writes the console one byte per write(2): reading
        # as it comes costs a wake-up per byte or so, enough to slow a
        # multi-megabyte serial dump by 10-15%.  A bigger pipe and a short
        # nap after each read batch the data (timestamps stay within a few
        # milliseconds; the pipe holds ~1 s of data at the rates seen here).
        fd = proc.stdout.fileno()
        try:
            fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        while True:
            data = os.read(fd, 1 << 20)
            if not data:
                break
            run.feed(data, time.monotonic())
            time.sleep(READ_NAP)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    deadline = run.start + timeout
    kill_at = None
    while proc.poll() is None:
        now = time.monotonic()
        if now > deadline:
            run.timed_out = True
            break
        if kill_at is None and watch:
            reason = watch(run)
            if reason:
                run.killed_for = reason
                kill_at = now + 3
        if kill_at is not None and now > kill_at:
            break
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    run.exit_time = time.monotonic()
    run.returncode = proc.returncode
    t.join(timeout=10)
    with open(os.path.join(workdir, "serial.log"), "wb") as f:
        f.write(run.buf)
    write_timed_log(run, os.path.join(workdir, "serial.tlog"))
    return run


def write_timed_log(run, path):
    """The console's text lines, each with its arrival time in seconds from
    QEMU's start (binary stream data, e.g. tinydump's dump, is left out)."""
    with open(path, "w") as f:
        pos = 0
        for m in re.finditer(rb"[^\n]*\n", run.buf):
            line = m.group(0).rstrip(b"\r\n")
            pos = m.end()
            if len(line) > 400 or not line:
                continue
            txt = line.decode("latin-1")
            if sum(ch.isprintable() for ch in txt) < 0.95 * len(txt):
                continue
            f.write(f"{run.time_at(pos - 1) - run.start:9.3f} {txt}\n")


class Watcher:
    """Incremental search of the console for patterns that end a run.

    stop_patterns: (bytes, occurrences, reason) triples; once `disarm` is
    seen nothing ends the run any more (e.g. vmcore-dmesg prints the dead
    kernel's own "Kernel panic" line again)."""

    def __init__(self, stop_patterns, disarm=None):
        self.stop = stop_patterns
        self.disarm = disarm
        self.disarmed = False
        self.pos = 0
        self.counts = [0] * len(stop_patterns)

    def __call__(self, run):
        if self.disarmed:
            return None
        with run.lock:
            end = len(run.buf)
            lo = max(0, self.pos - 64)
            window = bytes(run.buf[lo:end])
        if self.disarm:
            j = window.find(self.disarm)
            if j >= 0:
                # Count what came before the disarming line, then stop.
                window = window[:j]
                end = lo + j
                self.disarmed = True
        for i, (pat, n, reason) in enumerate(self.stop):
            # Count occurrences that end in the new part of the window.
            j = window.find(pat)
            while j >= 0:
                if lo + j + len(pat) > self.pos:
                    self.counts[i] += 1
                j = window.find(pat, j + 1)
            if self.counts[i] >= n:
                return reason
        self.pos = end
        return None


# --------------------------------------------------------------------------
# The Linux capture path
# --------------------------------------------------------------------------

def parse_flattened(disk):
    """Walk a flattened makedumpfile stream at the start of the disk image.

    Returns (stream_bytes, rebuilt_size, complete): the bytes up to and
    including the end marker, the size of the file it rebuilds, and
    whether the end marker was found."""
    with open(disk, "rb") as f:
        head = f.read(FLAT_HEADER_SIZE)
        if not head.startswith(FLAT_SIGNATURE):
            return 0, 0, False
        pos, rebuilt = FLAT_HEADER_SIZE, 0
        disk_size = os.path.getsize(disk)
        while pos + 16 <= disk_size:
            f.seek(pos)
            offset, size = struct.unpack(">qq", f.read(16))
            pos += 16
            if offset == FLAT_END and size == FLAT_END:
                return pos, rebuilt, True
            if offset < 0 or size < 0 or pos + size > disk_size:
                break
            rebuilt = max(rebuilt, offset + size)
            pos += size
    return pos, rebuilt, False


def host_makedumpfile():
    """The host's makedumpfile (for -R), installed with apt-get if missing."""
    exe = shutil.which("makedumpfile")
    if exe:
        return exe
    log("installing the host's makedumpfile (apt-get install makedumpfile)")
    subprocess.run(["apt-get", "install", "-y", "-qq", "makedumpfile"], check=False,
                   stdout=subprocess.DEVNULL)
    return shutil.which("makedumpfile")


def check_linux_dump(workdir, disk, stream_bytes):
    """Rebuild the kdump file from the flattened stream with the host's
    `makedumpfile -R`; read its dmesg back with Debian's arm64 makedumpfile
    under qemu-aarch64-static when possible.  Returns (rebuilt_bytes or
    None, note)."""
    exe = host_makedumpfile()
    if not exe:
        return None, "no host makedumpfile"
    rebuilt = os.path.join(workdir, "vmcore.kdump")
    with open(disk, "rb") as f:
        data = f.read(stream_bytes)
    r = subprocess.run([exe, "-R", rebuilt], input=data, capture_output=True,
                       timeout=300)
    if r.returncode or not os.path.exists(rebuilt):
        return None, f"makedumpfile -R failed: {r.stderr.decode(errors='replace')[-300:]}"
    size = os.path.getsize(rebuilt)
    note = "makedumpfile -R ok"
    qemu_user = shutil.which("qemu-aarch64-static")
    mdf = os.path.join(ARM64_ROOT, "usr/bin/makedumpfile")
    if qemu_user and os.path.exists(mdf):
        dmesg = os.path.join(workdir, "vmcore.dmesg")
        r = subprocess.run([qemu_user, "-L", ARM64_ROOT, mdf, "--dump-dmesg", rebuilt,
                            dmesg], capture_output=True, timeout=300)
        if r.returncode == 0 and b"sysrq" in open(dmesg, "rb").read():
            note += ", arm64 makedumpfile --dump-dmesg reads the crash"
        else:
            note += f", --dump-dmesg FAILED (rc {r.returncode})"
    os.unlink(rebuilt)
    return size, note


def linux_run(tag, crashkernel, mem, timeout, kexec_args, vmlinuz):
    """One crash through the Linux capture kernel.  Returns a result dict."""
    workdir = os.path.join(WORK_DIR, tag)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    initrd, cap_size = linux_first_initrd(workdir, vmlinuz, CAPTURE_APPEND, kexec_args)
    disk = os.path.join(workdir, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(DISK_SIZE)
    append = f"console=ttyAMA0 crashkernel={crashkernel} rdinit=/bench-init"
    # A second "Kernel panic" is the capture kernel dying (e.g. OOM): no
    # point waiting for the timeout.
    watch = Watcher([(PANIC, 2, "the capture kernel panicked")],
                    disarm=b"bench-capture: makedumpfile rc=")
    run = run_qemu(workdir, initrd, append, mem, disk, timeout, watch)
    res = {"path": "linux", "tag": tag, "crashkernel": crashkernel, "ok": False,
           "timed_out": run.timed_out, "killed_for": run.killed_for,
           "load": run.load_before,
           "capture_initrd_bytes": cap_size, "workdir": workdir}
    t_panic, _ = run.marker(PANIC)
    t_bye, _ = run.marker(BYE)
    t_boot2, _ = run.marker(BOOTING, nth=2)
    t_mdf, m_mdf = run.marker(MDF_DONE)
    t_done, m_done = run.marker(CAPTURE_DONE)
    if t_panic is not None:
        res["panic_to_bye"] = t_bye - t_panic if t_bye else None
        res["panic_to_capture_boot"] = t_boot2 - t_panic if t_boot2 else None
        res["panic_to_makedumpfile_done"] = t_mdf - t_panic if t_mdf else None
        res["panic_to_done"] = t_done - t_panic if t_done else None
        res["panic_to_exit"] = run.exit_time - t_panic
    for key, pat in (("pages_kept", MDF_REMAINING), ("pages_zero", MDF_ZERO),
                     ("pages", MDF_TOTAL)):
        _, m = run.marker(pat)
        res[key] = int(m.group(1), 16) if m else None
    stream, rebuilt, complete = parse_flattened(disk)
    res.update(flat_bytes=stream, flat_rebuilt_bytes=rebuilt, flat_complete=complete)
    rc = int(m_done.group(1)) if m_done else None
    res["makedumpfile_rc"] = int(m_mdf.group(1)) if m_mdf else None
    if complete and rc == 0 and t_done is not None:
        size, note = check_linux_dump(workdir, disk, stream)
        res["kdump_bytes"] = size
        res["check"] = note
        res["ok"] = size is not None and "FAILED" not in note
    res["failure"] = None if res["ok"] else describe_failure(run, "linux")
    tidy(workdir, res["ok"], ("disk.img", "initrd"))
    return res


def tidy(workdir, ok, names):
    """Remove a run's bulky files (always the initrd, which is rebuilt each
    run; the rest only when the run passed), unless KEEP=1."""
    if os.environ.get("KEEP", "") not in ("", "0"):
        return
    for name in names:
        path = os.path.join(workdir, name)
        if os.path.exists(path) and (ok or name == "initrd"):
            os.unlink(path)


# --------------------------------------------------------------------------
# The tinydump path
# --------------------------------------------------------------------------

def tinydump_run(tag, crashkernel, mem, timeout, payload):
    """One crash into build/payload.bin.  Returns a result dict."""
    workdir = os.path.join(WORK_DIR, tag)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    initrd = tinydump_first_initrd(workdir, payload)
    # The same machine as the Linux path: the disk is attached, unused.
    disk = os.path.join(workdir, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(DISK_SIZE)
    append = f"console=ttyAMA0 crashkernel={crashkernel} rdinit=/init"
    run = run_qemu(workdir, initrd, append, mem, disk, timeout)
    os.unlink(disk)
    res = {"path": "tinydump", "tag": tag, "crashkernel": crashkernel, "ok": False,
           "timed_out": run.timed_out, "killed_for": run.killed_for,
           "load": run.load_before,
           "serial_bytes": len(run.buf), "workdir": workdir}
    t_panic, _ = run.marker(PANIC)
    t_bye, _ = run.marker(BYE)
    t_done, _ = run.marker(TD_COMPLETE)
    _, m_sum = run.marker(TD_SUMMARY)
    _, m_ser = run.marker(TD_SERIAL)
    if t_panic is not None:
        res["panic_to_bye"] = t_bye - t_panic if t_bye else None
        res["panic_to_done"] = t_done - t_panic if t_done else None
        res["panic_to_exit"] = run.exit_time - t_panic
    if m_sum:
        res.update(status=m_sum.group(1).decode(), pages=int(m_sum.group(2)),
                   pages_data=int(m_sum.group(3)), pages_zero=int(m_sum.group(4)),
                   pages_unreadable=int(m_sum.group(5)),
                   memory_kib=int(m_sum.group(6)), stream_kib=int(m_sum.group(7)),
                   payload_seconds=float(m_sum.group(9)))
    if m_ser:
        res.update(record_bytes=int(m_ser.group(1)), wire_bytes=int(m_ser.group(2)))
    res["ok"] = t_done is not None and not run.timed_out
    res["failure"] = None if res["ok"] else describe_failure(run, "tinydump")
    # serial.log holds the whole dump stream; serial.tlog keeps the text.
    tidy(workdir, res["ok"], ("serial.log", "initrd"))
    return res


# --------------------------------------------------------------------------
# Failures, search, report
# --------------------------------------------------------------------------

FAILURE_HINTS = [
    rb"bench-linux: kexec failed", rb"tinydump-e2e: kexec failed",
    rb"capture kernel not loaded", rb"payload not loaded",
    rb"kexec_crash_loaded=0", rb"Could not find a free area[^\n]*",
    rb"Out of memory[^\n]*", rb"Kernel panic - not syncing[^\n]*",
    rb"makedumpfile rc=[1-9][^\n]*", rb"[^\n]*(?:Cannot|Can't|cannot|failed)[^\n]*",
    rb"dump: (?:cut|aborted)[^\n]*", rb"no /dev/vda",
]


def describe_failure(run, path):
    """A one-line reason for a failed run, from the console."""
    parts = []
    if run.timed_out:
        parts.append("timed out")
    if run.killed_for:
        parts.append(run.killed_for)
    # The first kernel's own panic line is expected: look after it for the
    # Linux path's capture kernel, everywhere else for the rest.
    text = bytes(run.buf)
    first_panic = text.find(PANIC)
    for pat in FAILURE_HINTS:
        for m in re.finditer(pat, text):
            if pat.startswith(rb"Kernel panic") and m.start() == first_panic:
                continue
            line = m.group(0).decode("latin-1").strip()
            if line and line not in parts:
                parts.append(line[:160])
            break
    return "; ".join(parts[:6]) or "no completion marker"


def median(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def search_smallest(kind, sizes, known_ok, runner, stop_at_failure=True):
    """Walk sizes from the largest down (skipping ones already known to
    work).  The smallest working size is the last of an unbroken run of
    successes; with stop_at_failure the walk ends at the first failure,
    else every listed size is tried (to see how each one fails).
    Returns (smallest working, attempts)."""
    attempts, smallest, broken = [], known_ok, False
    for size in sizes:
        if size == known_ok:
            continue
        if parse_size(size) > parse_size(known_ok):
            continue
        log(f"{kind}: crashkernel={size} ...")
        r = runner(size)
        attempts.append(r)
        log(f"{kind}: crashkernel={size}: "
            f"{'works' if r['ok'] else 'FAILS: ' + r['failure']}")
        if not r["ok"]:
            broken = True
            if stop_at_failure:
                break
        elif not broken:
            smallest = size
    return smallest, attempts


def parse_size(s):
    units = {"K": 10, "M": 20, "G": 30}
    return int(s[:-1]) << units[s[-1]] if s[-1] in units else int(s)


def size_or_none(s):
    """Bytes of '64M' or '<=64M'; None for None."""
    return parse_size(s.lstrip("<=")) if s else None


def spread(runs, key):
    """'min-max' of a timing over runs, '-' without data."""
    vals = [r.get(key) for r in runs if r.get(key) is not None]
    return f"{min(vals):.1f}-{max(vals):.1f}" if vals else "-"


def fmt_s(v):
    return "-" if v is None else f"{v:.1f}"


def fmt_bytes(v):
    return "-" if v is None else f"{v:,} ({v / (1 << 20):.1f} MiB)"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.3f}"



def report(linux, tiny, lin_small, td_small, searches, fast, args):
    """The table (medians of the successful runs) and per-run details;
    fast: the Linux runs with `kexec -i` (no purgatory SHA-256 check)."""
    lin_ok = [r for r in linux if r["ok"]]
    fast_ok = [r for r in fast if r["ok"]]
    td_ok = [r for r in tiny if r["ok"]]

    def med(runs, key):
        return median([r.get(key) for r in runs])

    kernel = os.path.basename(initramfs.kernel_image())
    out = [
        f"Linux capture kernel vs tinydump: Debian 12 arm64 {kernel} crashed with the real",
        f"kexec -p (kexec_load); QEMU 'virt', cortex-a57, -smp 1, -m {args.mem}, TCG, virtio-mmio",
        f"disk attached; medians of {len(lin_ok)} (Linux) and {len(td_ok)} (tinydump) successful runs.",
        "Linux:    same kernel as capture kernel, makedumpfile -F -l -d 31 /proc/vmcore > /dev/vda,",
        f"          capture append '{CAPTURE_APPEND}', kexec args '{args.kexec_args}'.",
        f"tinydump: build/payload.bin, '{TINYDUMP_APPEND}', default level 1 (zero pages dropped,",
        "          no other page filtering yet), binary serial sink on the console UART.",
        "Times: host wall clock of serial output, from the first kernel's 'Kernel panic' line;",
        f"host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end "
        "(per-run figures below: other guests on the host slow TCG).",
        "",
    ]
    w = 38
    out.append(f"{'':{w}} {'linux':>16} {'tinydump':>16} {'tinydump/linux':>15}")

    def row(name, a, b, f, with_ratio=True):
        out.append(f"{name:{w}} {f(a):>16} {f(b):>16} "
                   f"{ratio(b, a) if with_ratio else '':>15}")

    def num(v):
        return "-" if v is None else f"{int(v):,}"

    row("crash -> dump complete (s)", med(lin_ok, "panic_to_done"),
        med(td_ok, "panic_to_done"), fmt_s)
    out.append(f"{'  spread (min-max)':{w}} {spread(lin_ok, 'panic_to_done'):>16} "
               f"{spread(td_ok, 'panic_to_done'):>16}")
    row("crash -> QEMU exit (s)", med(lin_ok, "panic_to_exit"),
        med(td_ok, "panic_to_exit"), fmt_s)
    out.append(f"{'smallest working crashkernel=':{w}} {lin_small or '-':>16} "
               f"{td_small or '-':>16} "
               f"{ratio(size_or_none(td_small), size_or_none(lin_small)):>15}")
    row("dump bytes (disk / serial wire)", med(lin_ok, "flat_bytes"),
        med(td_ok, "wire_bytes"), num)
    row("dump file bytes (kdump -R / records)", med(lin_ok, "kdump_bytes"),
        med(td_ok, "record_bytes"), num)
    row("pages with data in the dump", med(lin_ok, "pages_kept"),
        med(td_ok, "pages_data"), num)
    out.append("")
    out.append("Breakdown (medians, seconds from the crash):")
    out.append(f"  linux:    Bye! {fmt_s(med(lin_ok, 'panic_to_bye'))}, capture kernel boots "
               f"{fmt_s(med(lin_ok, 'panic_to_capture_boot'))}, makedumpfile done "
               f"{fmt_s(med(lin_ok, 'panic_to_makedumpfile_done'))}, done marker "
               f"{fmt_s(med(lin_ok, 'panic_to_done'))}")
    out.append(f"  tinydump: Bye! {fmt_s(med(td_ok, 'panic_to_bye'))}, payload's own dump "
               f"timer {fmt_s(med(td_ok, 'payload_seconds'))} s, dump complete "
               f"{fmt_s(med(td_ok, 'panic_to_done'))}")
    if fast:
        out.append(f"  linux with kexec -i (purgatory skips its SHA-256 of the 33 MB Image + "
                   f"initrd), {len(fast_ok)} runs:")
        out.append(f"            capture kernel boots "
                   f"{fmt_s(med(fast_ok, 'panic_to_capture_boot'))}, done marker "
                   f"{fmt_s(med(fast_ok, 'panic_to_done'))} "
                   f"(tinydump/linux-i {ratio(med(td_ok, 'panic_to_done'), med(fast_ok, 'panic_to_done'))})")
    out.append("")
    out.append("Runs:")
    for r in linux + fast + tiny + searches:
        if r["path"] == "linux":
            figs = (f"done {fmt_s(r.get('panic_to_done'))} s, exit "
                    f"{fmt_s(r.get('panic_to_exit'))} s, flattened {num(r.get('flat_bytes'))} B, "
                    f"kdump {num(r.get('kdump_bytes'))} B, pages {num(r.get('pages_kept'))} "
                    f"kept of {num(r.get('pages'))}, {r.get('check', '')}")
        else:
            figs = (f"complete {fmt_s(r.get('panic_to_done'))} s, exit "
                    f"{fmt_s(r.get('panic_to_exit'))} s, wire {num(r.get('wire_bytes'))} B, "
                    f"records {num(r.get('record_bytes'))} B, serial capture "
                    f"{num(r.get('serial_bytes'))} B, pages {r.get('pages_data', '-')} data / "
                    f"{r.get('pages_zero', '-')} zero")
        status = "ok" if r["ok"] else f"FAILED: {r['failure']}"
        out.append(f"  {r['tag']:<22} crashkernel={r['crashkernel']:<5} "
                   f"load {r.get('load') or 0:.1f}  {status}")
        if r["ok"] or r.get("panic_to_done"):
            out.append(f"  {'':<22} {figs}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    ap.add_argument("--repeat", type=int, default=1 if quick else
                    int(os.environ.get("REPEAT", "3")))
    ap.add_argument("--no-search", action="store_true", default=quick,
                    help="skip the smallest-crashkernel search")
    ap.add_argument("--only", choices=("linux", "tinydump"))
    ap.add_argument("--mem", default=os.environ.get("BENCH_MEM", "1024M"))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("TIMEOUT", "900")))
    ap.add_argument("--linux-crashkernel", default=LINUX_SIZES[0])
    ap.add_argument("--tinydump-crashkernel", default=TINYDUMP_SIZES[0])
    ap.add_argument("--kexec-args", default=os.environ.get("LINUX_KEXEC_ARGS", ""))
    ap.add_argument("--kexec-i", action=argparse.BooleanOptionalAction, default=not quick,
                    help="also time the Linux path with kexec -i (default: unless BENCH_QUICK)")
    args = ap.parse_args()

    ensure_arm64_packages()
    vmlinuz = initramfs.kernel_image()
    payload = os.path.join(BUILD, "payload.bin")
    if args.only != "linux" and not os.path.exists(payload):
        sys.exit(f"{payload}: build it first (make payload)")
    os.makedirs(WORK_DIR, exist_ok=True)

    def lin(tag, size):
        return linux_run(tag, size, args.mem, args.timeout, args.kexec_args, vmlinuz)

    def td(tag, size):
        return tinydump_run(tag, size, args.mem, args.timeout, payload)

    linux, tiny, searches, fast = [], [], [], []
    for i in range(args.repeat):
        if args.only != "tinydump":
            log(f"linux run {i + 1}/{args.repeat} (crashkernel={args.linux_crashkernel})")
            r = lin(f"linux-{i + 1}", args.linux_crashkernel)
            log(f"  -> {'ok' if r['ok'] else 'FAILED: ' + r['failure']}, "
                f"done {fmt_s(r.get('panic_to_done'))} s")
            linux.append(r)
        if args.only != "linux":
            log(f"tinydump run {i + 1}/{args.repeat} (crashkernel={args.tinydump_crashkernel})")
            r = td(f"tinydump-{i + 1}", args.tinydump_crashkernel)
            log(f"  -> {'ok' if r['ok'] else 'FAILED: ' + r['failure']}, "
                f"complete {fmt_s(r.get('panic_to_done'))} s")
            tiny.append(r)

    if args.kexec_i and args.only != "tinydump":
        for i in range(args.repeat):
            log(f"linux run with kexec -i {i + 1}/{args.repeat}")
            r = linux_run(f"linux-i-{i + 1}", args.linux_crashkernel, args.mem,
                          args.timeout, (args.kexec_args + " -i").strip(), vmlinuz)
            log(f"  -> {'ok' if r['ok'] else 'FAILED: ' + r['failure']}, "
                f"done {fmt_s(r.get('panic_to_done'))} s")
            fast.append(r)

    lin_small = args.linux_crashkernel if any(r["ok"] for r in linux) else None
    td_small = args.tinydump_crashkernel if any(r["ok"] for r in tiny) else None
    if not args.no_search:
        if lin_small:
            lin_small, att = search_smallest(
                "linux", LINUX_SIZES, lin_small,
                lambda s: lin(f"linux-ck{s}", s), stop_at_failure=False)
            searches += att
        if td_small:
            td_small, att = search_smallest(
                "tinydump", TINYDUMP_SIZES, td_small,
                lambda s: td(f"tinydump-ck{s}", s))
            searches += att
    else:
        # Without the search the sizes are only "works at", not "smallest".
        lin_small = lin_small and f"<={lin_small}"
        td_small = td_small and f"<={td_small}"

    lines = report(linux, tiny, lin_small, td_small, searches, fast, args)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    path = os.path.join(OUT_DIR, "linux-vs-tinydump.txt")
    write_atomic(path, text.encode())
    log(f"written to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
