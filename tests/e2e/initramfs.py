# SPDX-License-Identifier: MIT
"""Initramfs images for the real-kernel tests, built without root.

The base image holds Debian's arm64 busybox-static, kexec-tools with the
shared libraries it needs (found by following DT_NEEDED through the
unpacked packages of scripts/fetch-arm64-debs.sh) and tests/e2e/init.sh.
Each run appends a small second archive with payload.bin and
/tinydump.conf (the kernel unpacks concatenated cpio archives in order).
"""
import gzip
import io
import os
import stat
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("TINYDUMP_CACHE",
                       os.path.join(os.environ.get("XDG_CACHE_HOME",
                                                   os.path.expanduser("~/.cache")),
                                    "tinydump"))
ARM64_ROOT = os.path.join(CACHE, "arm64-root")
LIB_DIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib"]


class Cpio:
    """A newc ("070701") archive writer."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b"\0" * (-(110 + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return gzip.compress(self.buf.getvalue(), 6)


def _needed(path):
    out = subprocess.run(["aarch64-linux-gnu-readelf", "-d", path], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("[")[1].split("]")[0] for line in out.splitlines()
            if "(NEEDED)" in line]


def _find_lib(name):
    for d in LIB_DIRS:
        p = os.path.join(ARM64_ROOT, d, name)
        if os.path.exists(p):
            return os.path.realpath(p)
    raise FileNotFoundError(f"{name}: not in the unpacked arm64 packages "
                            "(scripts/fetch-arm64-debs.sh)")


def library_closure(binary):
    seen, todo, libs = set(), [binary], {}
    while todo:
        for name in _needed(todo.pop()):
            if name not in seen:
                seen.add(name)
                libs[name] = _find_lib(name)
                todo.append(libs[name])
    return libs


def base_image(path):
    """Build (once) and return the base initramfs."""
    if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(
            os.path.join(HERE, "init.sh")):
        return path
    c = Cpio()
    for d in ("bin", "sbin", "lib", "proc", "sys", "dev", "tmp", "etc"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", open(os.path.join(ARM64_ROOT, "bin/busybox"), "rb").read(), 0o755)
    c.symlink("bin/sh", "busybox")
    kexec = os.path.join(ARM64_ROOT, "sbin/kexec")
    c.file("sbin/kexec", open(kexec, "rb").read(), 0o755)
    for name, real in sorted(library_closure(kexec).items()):
        c.file(f"lib/{name}", open(real, "rb").read(), 0o755)
    c.file("init", open(os.path.join(HERE, "init.sh"), "rb").read(), 0o755)
    data = c.finish()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return path


def run_image(path, payload, conf):
    """The per-run archive: payload.bin and /tinydump.conf (shell variables)."""
    c = Cpio()
    c.file("payload.bin", open(payload, "rb").read(), 0o644)
    c.file("tinydump.conf", "".join(f"{k}='{v}'\n" for k, v in conf.items()).encode())
    open(path, "wb").write(c.finish())
    return path


def kernel_image():
    import glob
    hits = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot/vmlinuz-*-arm64")))
    if not hits:
        subprocess.run([os.path.join(ROOT, "scripts/fetch-arm64-debs.sh")], check=True,
                       stdout=subprocess.DEVNULL)
        hits = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot/vmlinuz-*-arm64")))
    return hits[-1]
