# SPDX-License-Identifier: MIT
"""A real kdump cycle in QEMU: Debian's arm64 kernel boots with
crashkernel=, its initramfs (tests/e2e/init.sh) loads payload.bin with the
real `kexec -p` and crashes the kernel; the payload dumps over the console
UART, which we capture.

Ground truth comes from QEMU itself:
- snapshot_at_entry: QEMU's gdbstub stops the guest on a hardware
  breakpoint at the payload's first instruction (the reservation's base,
  where kexec-tools puts the Image) and QMP `pmemsave` saves guest RAM;
- with tinydump.after=halt, `pmemsave` again once the payload halted.
Comparing the two outside the reservation proves nothing else was written;
comparing the vmcore with the second proves every page it holds is right.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import initramfs

ROOT = initramfs.ROOT
# harness.Run: how a QEMU run's output and QMP events are read.
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
from harness import Run  # noqa: E402
BUILD = os.environ.get("TINYDUMP_BUILD", os.path.join(ROOT, "build"))
RAM_BASE = 0x40000000


class Gdb:
    """Just enough of the GDB remote serial protocol for breakpoints."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def _read_packet(self, timeout):
        self.s.settimeout(timeout)
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    pkt = self.buf[start + 1:end]
                    self.buf = self.buf[end + 3:]
                    self.s.sendall(b"+")
                    return pkt.decode("latin-1")
            data = self.s.recv(4096)
            if not data:
                raise EOFError("gdbstub closed")
            self.buf += data

    def command(self, cmd, timeout=30):
        csum = sum(cmd.encode()) & 0xff
        self.s.sendall(f"${cmd}#{csum:02x}".encode())
        return self._read_packet(timeout)

    def interrupt(self):
        self.s.sendall(b"\x03")
        return self._read_packet(30)

    def cont(self):
        csum = sum(b"c") & 0xff
        self.s.sendall(f"$c#{csum:02x}".encode())

    def wait_stop(self, timeout):
        return self._read_packet(timeout)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(400):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("no QMP socket")
        self.buf = b""
        self.events = []
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        self.s.settimeout(600)
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError("QMP closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise RuntimeError(f"QMP {cmd}: {r['error']}")
            return r.get("return")

    def poll_events(self):
        self.s.setblocking(False)
        try:
            while True:
                data = self.s.recv(65536)
                if not data:
                    break
                self.buf += data
        except (BlockingIOError, OSError):
            pass
        self.s.setblocking(True)
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if "event" in r:
                self.events.append(r)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class KdumpResult(Run):
    """A Run (console bytes, QMP events) plus what a kdump cycle learns."""

    def __init__(self, workdir):
        super().__init__(b"", [], None, False)
        self.workdir = workdir
        self.reservation = None
        self.entry_snapshot = None
        self.final_snapshot = None
        self.times = {}

    def cleanup(self):
        """Drop the big files (RAM snapshots, vmcores) of this run."""
        import shutil
        shutil.rmtree(self.workdir, ignore_errors=True)

    def save_capture(self, name="capture.bin"):
        path = os.path.join(self.workdir, name)
        with open(path, "wb") as f:
            f.write(self.output)
        return path

    def __repr__(self):
        tail = self.text[-3000:]
        return (f"KdumpResult(reason={self.shutdown_reason}, timed_out={self.timed_out}, "
                f"reservation={self.reservation})\n...{tail}")


def run_kdump(el2=False, mem="256M", smp=1, crash_cpu=0, kallsyms_fix=False,
              crashkernel="512K", append="tinydump.after=off", snapshot_at_entry=False,
              timeout=400, workdir=None, payload=None, dump_kallsyms=False,
              kexec_args="", load_mib=0, extra_args=()):
    """Boot, crash, capture.  With tinydump.after=halt in append, the run
    ends once the payload says it halts (after the final snapshot).
    extra_args: more QEMU arguments (a disk or a NIC for the dump)."""
    workdir = workdir or tempfile.mkdtemp(prefix="tinydump-e2e-")
    cache = os.path.join(BUILD, "e2e")
    base = initramfs.base_image(os.path.join(cache, "base.cpio.gz"))
    conf = {"APPEND": append, "CRASH_CPU": str(crash_cpu),
            "KALLSYMS_FIX": "1" if kallsyms_fix else "0",
            "DUMP_KALLSYMS": "1" if dump_kallsyms else "0",
            "KEXEC_ARGS": kexec_args, "LOAD_MIB": str(load_mib)}
    run = initramfs.run_image(os.path.join(workdir, "run.cpio.gz"),
                              payload or os.path.join(BUILD, "payload.bin"), conf)
    initrd = os.path.join(workdir, "initrd")
    with open(initrd, "wb") as f:
        f.write(open(base, "rb").read() + open(run, "rb").read())
    machine = "virt,virtualization=on" if el2 else "virt"
    qmp_path = os.path.join(workdir, "qmp.sock")
    gdb_port = free_port()
    cmd = ["qemu-system-aarch64", "-M", machine, "-cpu", "cortex-a57", "-m", mem,
           "-smp", str(smp), "-display", "none", "-monitor", "none", "-nodefaults",
           "-serial", "stdio", "-no-reboot", "-S",
           "-qmp", f"unix:{qmp_path},server=on,wait=off",
           "-kernel", initramfs.kernel_image(), "-initrd", initrd,
           "-append", f"console=ttyAMA0 crashkernel={crashkernel} rdinit=/init",
           *extra_args]
    if snapshot_at_entry:
        cmd += ["-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    res = KdumpResult(workdir)
    stderr = open(os.path.join(workdir, "qemu.stderr"), "wb")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr)
    stderr.close()
    qmp = Qmp(qmp_path)
    gdb = Gdb(gdb_port) if snapshot_at_entry else None
    if gdb:
        gdb.command("?")
    qmp.execute("cont")
    os.set_blocking(proc.stdout.fileno(), False)
    out = bytearray()
    start = time.monotonic()
    deadline = start + timeout
    armed = halted = False
    try:
        while True:
            try:
                chunk = proc.stdout.read()
                if chunk:
                    out += chunk
            except (BlockingIOError, TypeError):
                pass
            if res.reservation is None:
                # The whole line: a half-received address must not match.
                m = re.search(rb"crashkernel reserved: 0x([0-9a-f]+) - 0x([0-9a-f]+) \(",
                              out)
                if m:
                    res.reservation = (int(m.group(1), 16),
                                       int(m.group(2), 16) - int(m.group(1), 16))
            if "bye" not in res.times and b"Bye!" in out:
                res.times["bye"] = time.monotonic()
            # Arm as soon as the reservation is known (early in boot): the
            # crash itself is too quick to catch after the fact.
            if gdb and not armed and res.reservation:
                gdb.interrupt()
                gdb.command(f"Z1,{res.reservation[0]:x},4")
                gdb.cont()
                armed = True
            if gdb and armed and res.entry_snapshot is None:
                try:
                    stop = gdb.wait_stop(0.01)
                except (socket.timeout, TimeoutError):
                    stop = None
                if stop:
                    res.times["entry"] = time.monotonic()
                    res.entry_snapshot = os.path.join(workdir, "ram-entry.bin")
                    qmp.execute("pmemsave", val=RAM_BASE, size=parse_size(mem),
                                filename=res.entry_snapshot)
                    gdb.command(f"z1,{res.reservation[0]:x},4")
                    gdb.command("D")  # detach: the guest runs on
                    gdb.close()
                    gdb = None
            if not halted and b"tinydump: halting" in out:
                time.sleep(0.5)  # let the console drain
                halted = True
                res.times["end"] = time.monotonic()
                res.final_snapshot = os.path.join(workdir, "ram-final.bin")
                qmp.execute("stop")
                qmp.execute("pmemsave", val=RAM_BASE, size=parse_size(mem),
                            filename=res.final_snapshot)
                try:
                    qmp.execute("quit")
                except (EOFError, OSError):
                    pass
            qmp.poll_events()
            if proc.poll() is not None:
                rest = proc.stdout.read()
                if rest:
                    out += rest
                res.times.setdefault("end", time.monotonic())
                break
            if time.monotonic() > deadline:
                res.timed_out = True
                proc.kill()
                proc.wait()
                break
            time.sleep(0.01)
    finally:
        qmp.poll_events()
        res.events = qmp.events
        if gdb:
            gdb.close()
    res.output = bytes(out)
    return res


def parse_size(s):
    units = {"K": 10, "M": 20, "G": 30}
    return int(s[:-1]) << units[s[-1]] if s[-1] in units else int(s)


def tinydump(*args, check=False):
    r = subprocess.run([os.path.join(BUILD, "tinydump"), *args], capture_output=True,
                       text=True)
    if check and r.returncode:
        raise RuntimeError(r.stdout + r.stderr)
    return r


def elf_loads(path):
    """(paddr, offset, filesz) of every PT_LOAD of an ELF vmcore."""
    import struct
    with open(path, "rb") as f:
        hdr = f.read(64)
        phoff, = struct.unpack_from("<Q", hdr, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 0x36)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    loads = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, p_paddr, p_filesz = struct.unpack_from(
            "<IIQQQQ", ph, i * phentsize)
        if p_type == 1:
            loads.append((p_paddr, p_offset, p_filesz, p_vaddr))
    return loads
