# SPDX-License-Identifier: MIT
"""Run payload.bin in qemu-system-aarch64 the way kexec starts it.

QEMU's own Image loader always puts an Image at RAM base + 2 MiB, so the
harness instead places payload.bin, the DTB and a small shim with
-device loader; the shim (tests/qemu/shim.S) sets x0 = DTB and jumps to
the payload, as kexec's purgatory does.  The DTB is QEMU's own
(-machine dumpdtb=) or a board DTB from Debian's kernel package, with
/chosen edited by fdtput.  QMP reports how the guest ended (reset,
power-off); the timeout is a hang detector, not a performance target.
"""
import glob
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TINYDUMP_BUILD", os.path.join(ROOT, "build"))
QEMU = "qemu-system-aarch64"
CACHE = os.environ.get("TINYDUMP_CACHE",
                       os.path.join(os.environ.get("XDG_CACHE_HOME",
                                                   os.path.expanduser("~/.cache")),
                                    "tinydump"))

# What each machine needs: QEMU arguments, where RAM is, the -serial
# arguments that put the console UART on stdout, the console's address.
MACHINES = {
    "virt": dict(args=["-M", "virt", "-cpu", "cortex-a57"], ram=(0x40000000, 1 << 30),
                 mem="1G", serial=["-serial", "stdio"], uart=0x9000000),
    # The end-to-end dump tests' machine: RAM above 4 GiB (0x40000000 + 6 GiB).
    "virt-6g": dict(args=["-M", "virt", "-cpu", "cortex-a57"], ram=(0x40000000, 6 << 30),
                    mem="6G", serial=["-serial", "stdio"], uart=0x9000000),
    "virt-el2": dict(args=["-M", "virt,virtualization=on", "-cpu", "cortex-a57"],
                     ram=(0x40000000, 1 << 30), mem="1G",
                     serial=["-serial", "stdio"], uart=0x9000000),
    "zcu102": dict(args=["-M", "xlnx-zcu102"], ram=(0, 1 << 30), mem="2G",
                   serial=["-serial", "stdio"], uart=0xff000000,
                   dtb="xilinx/zynqmp-zcu102-rev1.0.dtb"),
    # RAM below the peripherals at 0x3f000000 (and the VideoCore's share);
    # secondary CPUs start at 0 with nothing there: a shim copy parks them.
    "raspi3b": dict(args=["-M", "raspi3b"], ram=(0, 0x3c000000), mem="1G",
                    serial=["-serial", "null", "-serial", "stdio"], uart=0x3f215040,
                    dtb="broadcom/bcm2837-rpi-3-b.dtb", park_secondaries_at=0),
}


def board_dtb(rel):
    """A DTB from Debian's arm64 kernel package (scripts/fetch-arm64-debs.sh)."""
    hits = sorted(glob.glob(os.path.join(CACHE, "arm64-root/usr/lib/linux-image-*", rel)))
    if not hits:
        subprocess.run([os.path.join(ROOT, "scripts/fetch-arm64-debs.sh")], check=True,
                       stdout=subprocess.DEVNULL)
        hits = sorted(glob.glob(os.path.join(CACHE, "arm64-root/usr/lib/linux-image-*", rel)))
    if not hits:
        raise FileNotFoundError(rel)
    return hits[-1]


def fdtput(dtb, *args):
    subprocess.run(["fdtput", dtb, *args], check=True)


def cells(value, n):
    """Split a number into n 32-bit cells, as fdtput -t x wants them."""
    return [f"0x{(value >> (32 * (n - 1 - i))) & 0xffffffff:x}" for i in range(n)]


def root_cells(dtb):
    def get(prop, default):
        r = subprocess.run(["fdtget", "-t", "u", dtb, "/", prop], capture_output=True,
                           text=True)
        return int(r.stdout.strip()) if r.returncode == 0 else default
    return get("#address-cells", 2), get("#size-cells", 1)


class Run:
    """The outcome of one QEMU run."""

    def __init__(self, output, events, exitcode, timed_out, stderr=""):
        self.output = output
        self.stderr = stderr
        self.events = events
        self.exitcode = exitcode
        self.timed_out = timed_out

    @property
    def text(self):
        return self.output.decode("latin-1")

    @property
    def shutdown_reason(self):
        for e in self.events:
            if e.get("event") == "SHUTDOWN":
                return e.get("data", {}).get("reason")
        return None

    def __repr__(self):
        return (f"Run(reason={self.shutdown_reason}, timed_out={self.timed_out}, "
                f"exit={self.exitcode}, events={self.events})\n{self.text}\n"
                f"--- QEMU stderr:\n{self.stderr}")


class Guest:
    """One machine set-up: a DTB with /chosen filled in and where things go."""

    def __init__(self, machine="virt", payload=None, load_addr=None, bootargs="",
                 reservation=None, dtb_addr=None, elfcorehdr=None, workdir=None,
                 extra_args=(), blobs=(), shim_addr=None, memory=None):
        """blobs: [(file, addr)] more files placed with -device loader (a
        crash's memory, its ELF core header); shim_addr: where the shim
        goes (default: the reservation's last page); memory: [(base, size)]
        to write as /memory's reg instead of QEMU's own."""
        self.m = MACHINES[machine]
        self.machine = machine
        self.payload = payload or os.path.join(BUILD, "payload.bin")
        self.workdir = workdir or tempfile.mkdtemp(prefix="tinydump-qemu-")
        ram_base, ram_size = self.m["ram"]
        # Default reservation: 1 MiB, 2 MiB-aligned, in the upper half of RAM,
        # like crashkernel= placed by the kernel.
        self.reservation = reservation or (ram_base + ram_size - (16 << 20), 1 << 20)
        self.load_addr = load_addr if load_addr is not None else self.reservation[0]
        self.image_size = struct.unpack_from("<Q", open(self.payload, "rb").read(), 16)[0]
        # As kexec-tools does: the DTB right after image_size, 4 KiB aligned.
        self.dtb_addr = dtb_addr or (self.load_addr + self.image_size + 0xfff) & ~0xfff
        self.bootargs = bootargs
        self.elfcorehdr = elfcorehdr
        self.extra_args = list(extra_args)
        self.dtb = os.path.join(self.workdir, "guest.dtb")
        self.shim_addr = (shim_addr if shim_addr is not None else
                          self.reservation[0] + self.reservation[1] - 0x1000)
        self.blobs = list(blobs)
        self.memory = list(memory) if memory else None

    def qemu_base(self):
        return [QEMU, *self.m["args"], "-m", self.m["mem"], "-display", "none",
                "-monitor", "none", "-nodefaults"]

    def make_dtb(self):
        if "dtb" in self.m:
            shutil.copy(board_dtb(self.m["dtb"]), self.dtb)
            os.chmod(self.dtb, 0o644)
        else:
            subprocess.run(self.qemu_base() + ["-machine", f"dumpdtb={self.dtb}"],
                           check=True, capture_output=True)
        ac, sc = root_cells(self.dtb)
        subprocess.run(["fdtput", "-c", self.dtb, "/chosen"], capture_output=True)
        fdtput(self.dtb, "-t", "s", "/chosen", "bootargs", self.bootargs)
        base, size = self.reservation
        fdtput(self.dtb, "-t", "x", "/chosen", "linux,usable-memory-range",
               *cells(base, ac), *cells(size, sc))
        if self.elfcorehdr:
            a, s = self.elfcorehdr
            fdtput(self.dtb, "-t", "x", "/chosen", "linux,elfcorehdr",
                   *cells(a, ac), *cells(s, sc))
        if self.memory:
            nodes = subprocess.run(["fdtget", "-l", self.dtb, "/"], capture_output=True,
                                   text=True, check=True).stdout.split()
            mem_nodes = [n for n in nodes if n == "memory" or n.startswith("memory@")]
            reg = []
            for base, size in self.memory:
                reg += cells(base, ac) + cells(size, sc)
            fdtput(self.dtb, "-t", "x", "/" + mem_nodes[0], "reg", *reg)
            for extra in mem_nodes[1:]:
                fdtput(self.dtb, "-d", "/" + extra)
        if "dtb" in self.m and not self.memory:
            # Board DTBs leave /memory for firmware to fill in.
            ram_base, ram_size = self.m["ram"]
            fdtput(self.dtb, "-t", "x", "/memory", "reg",
                   *cells(ram_base, ac), *cells(ram_size, sc))
        return self.dtb

    def shim(self, dtb_addr, entry):
        data = bytearray(open(os.path.join(BUILD, "tests/qemu-shim.bin"), "rb").read())
        struct.pack_into("<QQ", data, 0x100, dtb_addr, entry)
        path = os.path.join(self.workdir, f"shim-{entry:x}.bin")
        open(path, "wb").write(data)
        return path

    def run(self, timeout=60, dtb_file=None, dtb_addr=None, until=None, capture=None,
            qmp_at_until=()):
        """Boot; return a Run.  until: a bytes marker after which QEMU is
        stopped (for tinydump.after=halt).  capture: a file that receives
        the raw serial bytes (also in Run.output).  qmp_at_until: QMP
        commands (dicts) sent when the marker is seen, before the quit
        (QMP runs them in order, e.g. a synchronous dump-guest-memory)."""
        dtb_file = dtb_file or self.make_dtb()
        dtb_addr = self.dtb_addr if dtb_addr is None else dtb_addr
        qmp_path = os.path.join(self.workdir, "qmp.sock")
        if os.path.exists(qmp_path):
            os.unlink(qmp_path)
        loaders = [
            "-device", f"loader,file={self.payload},addr=0x{self.load_addr:x},force-raw=on",
            "-device", f"loader,file={self.shim(dtb_addr, self.load_addr)},"
                       f"addr=0x{self.shim_addr:x},force-raw=on,cpu-num=0",
        ]
        if "park_secondaries_at" in self.m:
            loaders += ["-device", f"loader,file={self.shim(0, 0)},"
                        f"addr=0x{self.m['park_secondaries_at']:x},force-raw=on"]
        if dtb_file:
            loaders += ["-device", f"loader,file={dtb_file},addr=0x{dtb_addr:x},force-raw=on"]
        for path, addr in self.blobs:
            loaders += ["-device", f"loader,file={path},addr=0x{addr:x},force-raw=on"]
        # -S: start paused, so no event is missed before QMP is negotiated.
        cmd = (self.qemu_base() + self.m["serial"] + ["-no-reboot", "-S",
               "-qmp", f"unix:{qmp_path},server=on,wait=on"] + loaders + self.extra_args)
        self.stderr_path = os.path.join(self.workdir, "qemu.stderr")
        stderr = open(self.stderr_path, "wb")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr)
        stderr.close()
        events = []
        qmp = None
        for _ in range(200):
            try:
                qmp = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                qmp.connect(qmp_path)
                break
            except OSError:
                qmp = None
                time.sleep(0.05)
        if qmp is None:
            proc.kill()
            raise RuntimeError("QEMU did not open its QMP socket:\n" +
                               open(self.stderr_path, errors="replace").read())
        qmp.sendall(b'{"execute": "qmp_capabilities"}\n')
        qmp.sendall(b'{"execute": "cont"}\n')
        os.set_blocking(proc.stdout.fileno(), False)
        qmp.setblocking(False)
        out = bytearray()
        qbuf = b""
        deadline = time.monotonic() + timeout
        timed_out = False
        quit_sent = False
        while True:
            try:
                chunk = proc.stdout.read()
                if chunk:
                    out += chunk
            except (BlockingIOError, TypeError):
                pass
            try:
                data = qmp.recv(65536)
                qbuf += data
                while b"\n" in qbuf:
                    line, qbuf = qbuf.split(b"\n", 1)
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    if "event" in msg:
                        events.append(msg)
            except BlockingIOError:
                pass
            except OSError:
                pass
            if proc.poll() is not None:
                rest = proc.stdout.read()
                if rest:
                    out += rest
                break
            if until and until in out and not quit_sent:
                time.sleep(0.2)
                for cmd in qmp_at_until:
                    qmp.sendall(json.dumps(cmd).encode() + b"\n")
                qmp.sendall(b'{"execute": "quit"}\n')
                quit_sent = True
            if time.monotonic() > deadline:
                timed_out = True
                proc.kill()
                proc.wait()
                break
            time.sleep(0.02)
        # Drain the last QMP events.
        try:
            qmp.setblocking(True)
            qmp.settimeout(0.5)
            while True:
                data = qmp.recv(65536)
                if not data:
                    break
                qbuf += data
        except OSError:
            pass
        for line in qbuf.split(b"\n"):
            try:
                msg = json.loads(line)
                if "event" in msg:
                    events.append(msg)
            except ValueError:
                pass
        qmp.close()
        if capture:
            with open(capture, "wb") as f:
                f.write(out)
        return Run(bytes(out), events, proc.returncode, timed_out,
                   open(self.stderr_path, errors="replace").read())


# --- synthetic crashes (build/tinydump-fixture) ------------------------------

def make_fixture(out_dir, *args):
    """Write a crash with build/tinydump-fixture; return its manifest."""
    r = subprocess.run([os.path.join(BUILD, "tinydump-fixture"), "--out", str(out_dir), *args],
                       capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"tinydump-fixture {' '.join(args)}: {r.stderr}")
    with open(os.path.join(out_dir, "manifest.json")) as f:
        return json.load(f)


def fixture_guest(fixture_dir, bootargs="", dt_memory=False, machine="virt-6g", **kw):
    # Synthetic crashes test the stream and its pages at dump level 1 unless
    # a test says otherwise: their memory is not a real kernel's, so the
    # page filter (default level 31) is proven on the real kernel instead,
    # against makedumpfile (tests/test_makedumpfile_reference.py).
    if "tinydump.level=" not in bootargs:
        bootargs = (bootargs + " tinydump.level=1").strip()
    """A Guest that boots the payload as kexec -p would after that crash:
    its memory blobs and ELF core header placed with -device loader,
    /chosen pointing at them.  dt_memory: write the manifest's /memory
    (which may claim RAM that QEMU does not have)."""
    with open(os.path.join(fixture_dir, "manifest.json")) as f:
        m = json.load(f)
    return Guest(machine, bootargs=bootargs, reservation=tuple(m["reservation"]),
                 elfcorehdr=tuple(m["elfcorehdr"]), shim_addr=m["shim"],
                 blobs=[(os.path.join(fixture_dir, name), addr) for name, addr in m["blobs"]],
                 memory=[tuple(r) for r in m["memory"]] if dt_memory else None, **kw)


TINYDUMP = os.path.join(BUILD, "tinydump")
PAGE_SIZE = 4096


def tinydump_convert(capture, out, fmt="elf", extra=(), timeout=120):
    """build/tinydump convert CAPTURE -o OUT --format FMT; returns the
    finished process and report.json (None if it was not written)."""
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([TINYDUMP, "convert", capture, "-o", out, "--format", fmt, *extra],
                       capture_output=True, text=True, timeout=timeout)
    report = None
    path = os.path.join(out, "report.json")
    if os.path.exists(path):
        with open(path) as f:
            report = json.load(f)
    return r, report


class CrashRun:
    """A synthetic crash (make_fixture) and the payload's serial output
    for it: the capture file, the frames found in it, and the crash's
    memory as QEMU had it, page by page."""

    def __init__(self, root, name, fixture_args=(), bootargs="tinydump.after=off",
                 dt_memory=False, timeout=60):
        import vmcore
        self.name = name
        self.dir = os.path.join(root, name)
        self.manifest = make_fixture(self.dir, *fixture_args)
        self.capture = os.path.join(self.dir, "capture.bin")
        g = fixture_guest(self.dir, bootargs=bootargs, dt_memory=dt_memory,
                          workdir=os.path.join(self.dir, "qemu"))
        os.makedirs(g.workdir, exist_ok=True)
        t = time.monotonic()
        self.run = g.run(timeout=timeout, capture=self.capture)
        self.seconds = time.monotonic() - t
        self.frames = vmcore.scan_good_frames(self.run.output)
        self._blobs = None

    def page(self, pfn):
        if self._blobs is None:
            self._blobs = [(addr, open(os.path.join(self.dir, name), "rb").read())
                           for name, addr in self.manifest["blobs"]]
        pa = pfn * PAGE_SIZE
        out = bytearray(PAGE_SIZE)
        for addr, data in self._blobs:
            s, e = max(pa, addr), min(pa + PAGE_SIZE, addr + len(data))
            if s < e:
                out[s - pa:e - pa] = data[s - addr:e - addr]
        return bytes(out)

    def load_pfns(self):
        for pa, size in self.manifest["loads"]:
            yield from range(pa // PAGE_SIZE, (pa + size) // PAGE_SIZE)

    def unreadable_pfns(self):
        for pa, size in self.manifest["unreadable"]:
            yield from range(pa // PAGE_SIZE, (pa + size) // PAGE_SIZE)

    def records(self, rtype):
        return [f.record for f in self.frames if f.record["type"] == rtype]

    def convert(self, fmt, extra=()):
        out = os.path.join(self.dir, f"out-{fmt}")
        r, report = tinydump_convert(self.capture, out, fmt, extra)
        return r, out, report
