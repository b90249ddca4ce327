# SPDX-License-Identifier: MIT
"""The reference side of the page-filter acceptance test: what Debian's
own makedumpfile keeps at each dump level, for a real crash.

Built without tinydump's code, from a RAM snapshot that QEMU saved after
the payload halted (tests/e2e/kdump.py, tinydump.after=halt):

1. proc_vmcore_from_snapshot() rebuilds the unfiltered ELF vmcore that
   the Linux capture kernel would have shown as /proc/vmcore (the rules
   of fs/proc/vmcore.c: one merged PT_NOTE, every PT_LOAD of the ELF core
   header kept, each pointing at its data in the file);
2. makedumpfile() runs Debian's arm64 makedumpfile under
   qemu-aarch64-static on it, writing a kdump-compressed file;
   dump_dmesg() runs its --dump-dmesg mode;
3. read_kdump()/kept_pfns() read back which PFNs that file keeps
   (bitmap 2, with the zero-page rule explained at kept_pfns()).

compare_with_tinydump() is what the payload's filter is measured with.
"""
import os
import re
import shutil
import struct
import subprocess
import time

import initramfs

ROOT = initramfs.ROOT
ARM64_ROOT = initramfs.ARM64_ROOT
PAGE = 4096
MAKEDUMPFILE = os.path.join(ARM64_ROOT, "usr/bin/makedumpfile")
QEMU_USER = "qemu-aarch64-static"

PT_LOAD = 1
PT_NOTE = 4
EHDR_SIZE = 64
PHDR_SIZE = 56
NHDR_SIZE = 12


class ReferenceError(Exception):
    """The reference could not be built (bad snapshot, header, tool)."""


def _round_up(n, a=PAGE):
    return (n + a - 1) // a * a


def _round_down(n, a=PAGE):
    return n // a * a


# --- 1. /proc/vmcore from a RAM snapshot -------------------------------

def elfcorehdr_location(console_text):
    """(address, size) of the ELF core header, from the payload's console
    line "memory: elfcorehdr at 0x..., N bytes".  kexec-tools puts the
    header in the reservation's last page; the payload reads the address
    from the DTB's /chosen/linux,elfcorehdr and prints it."""
    if isinstance(console_text, bytes):
        console_text = console_text.decode("latin-1")
    m = re.search(r"memory: elfcorehdr at 0x([0-9a-fA-F]+), (\d+) bytes", console_text)
    if not m:
        raise ReferenceError("no 'memory: elfcorehdr at ...' line on the console")
    return int(m.group(1), 16), int(m.group(2))


class _Snapshot:
    """Guest RAM as QEMU's pmemsave wrote it: byte i is physical
    address ram_base + i."""

    def __init__(self, path, ram_base):
        self.f = open(path, "rb")
        self.base = ram_base
        self.size = os.fstat(self.f.fileno()).st_size

    def covers(self, pa, n):
        return self.base <= pa and pa + n <= self.base + self.size

    def read(self, pa, n):
        if not self.covers(pa, n):
            raise ReferenceError(f"[{pa:#x}, {pa + n:#x}) is outside the snapshot "
                                 f"[{self.base:#x}, {self.base + self.size:#x})")
        self.f.seek(pa - self.base)
        return self.f.read(n)

    def copy_to(self, out, pa, n, chunk=8 << 20):
        """Write n bytes from physical address pa to the file out."""
        if not self.covers(pa, n):
            raise ReferenceError(f"PT_LOAD [{pa:#x}, {pa + n:#x}) is outside the snapshot")
        self.f.seek(pa - self.base)
        while n:
            data = self.f.read(min(chunk, n))
            out.write(data)
            n -= len(data)

    def close(self):
        self.f.close()


def _note_segment_size(buf):
    """Bytes of real notes at the start of buf: walk the note headers up to
    the empty terminator (n_namesz == 0), never past the buffer, as
    fs/proc/vmcore.c update_note_header_size_elf64() does."""
    real = 0
    while real + NHDR_SIZE <= len(buf):
        namesz, descsz, _ = struct.unpack_from("<III", buf, real)
        if namesz == 0:
            break
        sz = NHDR_SIZE + _round_up(namesz, 4) + _round_up(descsz, 4)
        if real + sz > len(buf):
            break  # the kernel warns "Exceeded p_memsz" and drops it
        real += sz
    return real


def proc_vmcore_from_snapshot(snapshot, ram_base, elfcorehdr_addr, out_path,
                              elfcorehdr_size=None):
    """Write to out_path the ELF vmcore a Linux capture kernel would present
    as /proc/vmcore for the crash whose RAM is in snapshot.

    The ELF core header at elfcorehdr_addr (written by kexec-tools when
    `kexec -p` loaded the payload) is read from the snapshot, then, as
    fs/proc/vmcore.c does it:
    - every PT_NOTE's buffer is read from old memory at its p_offset (the
      same as p_paddr in kexec-tools' headers), cut at the empty note that
      ends it, and the real notes are concatenated into one merged
      PT_NOTE, which becomes the first program header, its data on the
      page after the (page-rounded) headers;
    - every PT_LOAD is kept as the header has it (the kernel-text one that
      repeats RAM too): p_vaddr, p_paddr, p_filesz, p_memsz untouched;
      its data, old memory from the page-rounded p_offset to the
      page-rounded end, is laid out one segment after the other after the
      notes, and p_offset points at the first byte of the segment in it.

    The header's vaddrs are only right when kexec-tools could find _text
    in /proc/kallsyms: on Debian 12's kernel (CONFIG_KALLSYMS_ALL=n) it
    cannot, and writes a kernel-text PT_LOAD with vaddr ~0 and a garbage
    size plus RAM PT_LOADs with wrong vaddrs (shared/REFERENCE.md section
    7), with which the Linux capture path fails too ("Can't seek the dump
    memory").  Use a run with the KALLSYMS_FIX=1 workaround of
    tests/e2e/init.sh (run_kdump(kallsyms_fix=True)) to feed makedumpfile
    the header a working kexec-tools would have written.

    Returns a dict: loads [(p_paddr, p_offset, p_filesz, p_memsz, p_vaddr)],
    notes_size, size (of the file).
    """
    snap = _Snapshot(snapshot, ram_base)
    try:
        ehdr = snap.read(elfcorehdr_addr, EHDR_SIZE)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2 or ehdr[5] != 1:
            raise ReferenceError(f"no ELF64 LE header at {elfcorehdr_addr:#x}")
        (e_type, _, _, _, e_phoff, _, _, e_ehsize, e_phentsize,
         e_phnum) = struct.unpack_from("<HHIQQQIHHH", ehdr, 16)
        if e_type != 4 or e_ehsize != EHDR_SIZE or e_phentsize != PHDR_SIZE or not e_phnum:
            raise ReferenceError("elfcorehdr is not a sane ET_CORE header")
        hdr_len = e_phoff + e_phnum * PHDR_SIZE
        if elfcorehdr_size is not None and hdr_len > elfcorehdr_size:
            raise ReferenceError(f"elfcorehdr needs {hdr_len} bytes, has {elfcorehdr_size}")
        raw = snap.read(elfcorehdr_addr, hdr_len)
        phdrs = [list(struct.unpack_from("<IIQQQQQQ", raw, e_phoff + i * PHDR_SIZE))
                 for i in range(e_phnum)]

        # The merged PT_NOTE.
        notes = bytearray()
        for p_type, _, p_offset, _, p_paddr, _, p_memsz, _ in phdrs:
            if p_type != PT_NOTE:
                continue
            if p_offset != p_paddr:
                raise ReferenceError(f"PT_NOTE p_offset {p_offset:#x} != p_paddr {p_paddr:#x}")
            buf = snap.read(p_offset, p_memsz)
            notes += buf[:_note_segment_size(buf)]
        loads = [p for p in phdrs if p[0] == PT_LOAD]
        e_phnum_new = 1 + len(loads)
        # Headers (ELF header + program headers) and notes each start on
        # a page: elfcorebuf_sz and elfnotes_sz are page-rounded.
        elfsz = _round_up(EHDR_SIZE + e_phnum_new * PHDR_SIZE)
        notes_sz = _round_up(len(notes))

        out_ehdr = bytearray(ehdr)
        struct.pack_into("<Q", out_ehdr, 0x20, EHDR_SIZE)          # e_phoff
        struct.pack_into("<H", out_ehdr, 0x38, e_phnum_new)        # e_phnum
        # p_align: 0 in older kernels, 4 in newer; readers ignore it.
        out_ph = [struct.pack("<IIQQQQQQ", PT_NOTE, 0, elfsz, 0, 0, len(notes),
                              len(notes), 4)]
        vmcore_off = elfsz + notes_sz
        chunks = []   # (file offset, old-memory start, size)
        result = []
        for p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align in loads:
            # The kernel reads old memory at p_offset (= p_paddr here).
            start = _round_down(p_offset)
            end = _round_up(p_offset + p_memsz)
            new_off = vmcore_off + (p_offset - start)
            out_ph.append(struct.pack("<IIQQQQQQ", p_type, p_flags, new_off, p_vaddr,
                                      p_paddr, p_filesz, p_memsz, p_align))
            chunks.append((vmcore_off, start, end - start))
            result.append((p_paddr, new_off, p_filesz, p_memsz, p_vaddr))
            vmcore_off += end - start

        with open(out_path + ".tmp", "wb") as out:
            head = bytes(out_ehdr) + b"".join(out_ph)
            out.write(head + bytes(elfsz - len(head)))
            out.write(bytes(notes) + bytes(notes_sz - len(notes)))
            for off, start, size in chunks:
                assert out.tell() == off
                snap.copy_to(out, start, size)
        os.replace(out_path + ".tmp", out_path)
    finally:
        snap.close()
    return {"loads": result, "notes_size": len(notes), "size": vmcore_off}


# --- 2. Debian's arm64 makedumpfile under qemu-user ----------------------

def ensure_makedumpfile():
    """Make sure the arm64 makedumpfile and every library it needs
    (DT_NEEDED, followed like initramfs.library_closure) are unpacked in
    the arm64-root cache; fetch them with scripts/fetch-arm64-debs.sh
    otherwise.  Returns the makedumpfile path."""
    def complete():
        if not os.path.exists(MAKEDUMPFILE):
            return False
        try:
            initramfs.library_closure(MAKEDUMPFILE)
        except FileNotFoundError:
            return False
        return True

    if not complete():
        subprocess.run([os.path.join(ROOT, "scripts/fetch-arm64-debs.sh")], check=True,
                       stdout=subprocess.DEVNULL)
    if not complete():
        raise ReferenceError(f"{MAKEDUMPFILE} or one of its libraries is missing "
                             "after scripts/fetch-arm64-debs.sh")
    if not shutil.which(QEMU_USER):
        raise ReferenceError(f"{QEMU_USER} missing (qemu-user-static, "
                             "scripts/install-deps.sh)")
    return MAKEDUMPFILE


class ToolRun:
    """One makedumpfile run: argv, exit status, output, seconds."""

    def __init__(self, argv, proc, seconds):
        self.argv = argv
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.seconds = seconds

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return (f"ToolRun({' '.join(self.argv)!r}, rc={self.returncode}, "
                f"{self.seconds:.1f}s)\n{self.output[-3000:]}")


def run_makedumpfile(*args, timeout=300):
    """Run Debian's arm64 makedumpfile with args under qemu-aarch64-static
    (-L: the arm64 root, so its loader and libraries are used)."""
    ensure_makedumpfile()
    argv = [QEMU_USER, "-L", ARM64_ROOT, MAKEDUMPFILE, *args]
    t = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                          timeout=timeout)
    return ToolRun(argv, proc, time.monotonic() - t)


def makedumpfile(vmcore, out, level, extra=()):
    """makedumpfile -d level vmcore out: a kdump-compressed file, pages not
    compressed (no -c/-l/-p: only the page selection matters here).  The
    message level adds the report (excluded-page counts) to the common
    and error messages.  Writes over an existing out."""
    if os.path.exists(out):
        os.unlink(out)
    return run_makedumpfile("--message-level", "22", "-d", str(level), *extra, vmcore, out)


def dump_dmesg(vmcore, out):
    """makedumpfile --dump-dmesg: the dead kernel's log as text, and the run."""
    if os.path.exists(out):
        os.unlink(out)
    r = run_makedumpfile("--dump-dmesg", vmcore, out)
    text = ""
    if r.returncode == 0 and os.path.exists(out):
        text = open(out, "rb").read().decode("utf-8", "replace")
    return text, r


REPORT_KEYS = {
    "Original pages": "original",
    "Excluded pages": "excluded",
    "Pages filled with zero": "zero",
    "Non-private cache pages": "cache",
    "Private cache pages": "cache_private",
    "User process data pages": "user",
    "Free pages": "free",
    "Hwpoison pages": "hwpoison",
    "Offline pages": "offline",
    "Remaining pages": "remaining",
    "Memory Hole": "hole",
    "Total pages": "total",
}


def parse_report(text):
    """makedumpfile's page report (--message-level with 0x10) as a dict of
    page counts: original, excluded, zero, cache, cache_private, user,
    free, hwpoison, offline, remaining, hole, total."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z -]+?)\s*: 0x([0-9a-fA-F]+)\s*$", line)
        if m and m.group(1) in REPORT_KEYS:
            out.setdefault(REPORT_KEYS[m.group(1)], int(m.group(2), 16))
    return out


# --- 3. reading the kdump-compressed result ------------------------------

class KdumpPages:
    """What a kdump-compressed (diskdump) file says about its pages, read
    from the headers, both bitmaps and the page_desc table only.

    Layout (makedumpfile diskdump_mod.h; shared/REFERENCE.md section 3):
    block 0 disk_dump_header, block 1.. the kdump sub-header, then
    bitmap_blocks blocks holding bitmap 1 (PFN in memory) and bitmap 2
    (PFN dumped), one bit per PFN, least significant bit first; then one
    24-byte page_desc {i64 offset; u32 size; u32 flags; u64 page_flags}
    per bit set in bitmap 2, in PFN order; then the page data."""

    def __init__(self, path):
        with open(path, "rb") as f:
            h = f.read(464)
            if h[:8] != b"KDUMP   ":
                raise ReferenceError(f"{path}: not a kdump-compressed file ({h[:8]!r})")
            self.header_version, = struct.unpack_from("<i", h, 8)
            (self.status, self.block_size, self.sub_hdr_size, self.bitmap_blocks,
             max_mapnr) = struct.unpack_from("<IiiII", h, 424)
            bs = self.block_size
            f.seek(bs)
            sub = f.read(104)
            self.phys_base, self.dump_level = struct.unpack_from("<Qi", sub, 0)
            self.max_mapnr = max_mapnr
            if self.header_version >= 6:
                self.max_mapnr, = struct.unpack_from("<Q", sub, 96)
            half = self.bitmap_blocks * bs // 2
            f.seek((1 + self.sub_hdr_size) * bs)
            bitmaps = f.read(2 * half)
            if len(bitmaps) != 2 * half:
                raise ReferenceError(f"{path}: bitmaps cut short")
            self.bitmap1 = _bits(bitmaps[:half])
            self.bitmap2 = _bits(bitmaps[half:])
            self.desc_off = (1 + self.sub_hdr_size + self.bitmap_blocks) * bs
            pfns = sorted(self.bitmap2)
            f.seek(self.desc_off)
            table = f.read(24 * len(pfns))
            if len(table) != 24 * len(pfns):
                raise ReferenceError(f"{path}: page_desc table cut short")
            self.descs = {}
            for i, pfn in enumerate(pfns):
                self.descs[pfn] = struct.unpack_from("<qII", table, 24 * i)
            # Where page data starts: right after the table.  A writer that
            # excludes zero pages puts its one shared zero page there first.
            self.data_off = self.desc_off + 24 * len(pfns)
            f.seek(self.data_off)
            first = f.read(bs)
            shared = sum(1 for d in self.descs.values() if d[0] == self.data_off)
            self.zero_block = (len(first) == bs and not any(first) and shared > 0)
            self.zero_pfns = set()
            if self.zero_block:
                self.zero_pfns = {pfn for pfn, (off, size, flags) in self.descs.items()
                                  if off == self.data_off and size == bs and flags == 0}


def _bits(buf):
    out = set()
    for i, byte in enumerate(buf):
        if byte:
            for b in range(8):
                if byte >> b & 1:
                    out.add(i * 8 + b)
    return out


def read_kdump(path):
    """KdumpPages of a kdump-compressed file."""
    return KdumpPages(path)


def kept_pfns(kdump_file, exclude_zero=None):
    """The PFNs a kdump-compressed file keeps, as a set.

    Zero pages: makedumpfile (1.7.2, and b7587f1 alike) does NOT clear
    excluded zero pages from bitmap 2 in kdump-compressed output.  Bitmap
    2 is fixed (create_2nd_bitmap) before any page is read; with -d bit 1
    the page writer (write_kdump_pages_cyclic) then writes, for each page
    whose contents are all zero, a page_desc pointing at one shared
    zero-filled block (pd_zero) written first in the data area, and counts
    it as "Pages filled with zero".  Only for ELF output (and
    --mem-usage) are zero pages cleared from bitmap 2
    (exclude_zero_pages_cyclic).  So bitmap 2 alone is the level's
    selection without the zero rule; the zero-page exclusion shows as the
    page_descs that point at the shared zero block.

    exclude_zero: drop those zero stand-ins (None: when the file's own
    dump_level has bit 1).  With that, len(kept_pfns()) equals
    makedumpfile's reported "Remaining pages"."""
    k = kdump_file if isinstance(kdump_file, KdumpPages) else KdumpPages(kdump_file)
    if exclude_zero is None:
        exclude_zero = bool(k.dump_level & 1)
    return k.bitmap2 - k.zero_pfns if exclude_zero else set(k.bitmap2)


def ranges(pfns):
    """Sorted PFNs as [(first, last)] runs."""
    out = []
    for p in sorted(pfns):
        if out and p == out[-1][1] + 1:
            out[-1][1] = p
        else:
            out.append([p, p])
    return [tuple(r) for r in out]


def summarize(pfns, limit=8):
    """'N pages in M runs: 0x..-0x.., ...' for a failure message."""
    r = ranges(pfns)
    shown = ", ".join(f"{a:#x}" if a == b else f"{a:#x}-{b:#x}" for a, b in r[:limit])
    more = f", ... ({len(r) - limit} more runs)" if len(r) > limit else ""
    return f"{len(pfns)} pages in {len(r)} runs: {shown}{more}" if pfns else "none"


# --- the comparison ------------------------------------------------------

class Reference:
    """makedumpfile's selection for one crash: build() writes the ELF
    vmcore and runs makedumpfile at each level once; kept[level] is the
    PFN set, report[level] its page report, runs[level] the ToolRun."""

    def __init__(self, workdir, snapshot, console_text, ram_base=0x40000000):
        self.workdir = workdir
        self.snapshot = snapshot
        self.ram_base = ram_base
        self.elfcorehdr = elfcorehdr_location(console_text)
        self.vmcore = os.path.join(workdir, "proc-vmcore.elf")
        self.info = None
        self.kept = {}
        self.pages = {}
        self.report = {}
        self.runs = {}
        self.seconds = {}

    def build_vmcore(self):
        t = time.monotonic()
        addr, size = self.elfcorehdr
        self.info = proc_vmcore_from_snapshot(self.snapshot, self.ram_base, addr,
                                              self.vmcore, size)
        self.seconds["vmcore"] = time.monotonic() - t
        return self.info

    def level(self, level):
        """Run makedumpfile -d level once (cached); the kept PFN set."""
        if level not in self.kept:
            if self.info is None:
                self.build_vmcore()
            out = os.path.join(self.workdir, f"makedumpfile-d{level}.kdump")
            r = makedumpfile(self.vmcore, out, level)
            self.runs[level] = r
            self.report[level] = parse_report(r.output)
            if r.returncode != 0:
                raise ReferenceError(f"makedumpfile -d {level} failed: {r!r}")
            self.pages[level] = read_kdump(out)
            self.kept[level] = kept_pfns(self.pages[level])
            os.unlink(out)  # the PFN sets are all we keep
        return self.kept[level]


_REFERENCE = None


def set_reference(ref):
    """Make ref the one compare_with_tinydump() uses (the test fixture
    does this after its crash)."""
    global _REFERENCE
    _REFERENCE = ref


class Comparison:
    """missing: PFNs makedumpfile keeps that tinydump dropped; extra: PFNs
    tinydump keeps that makedumpfile drops."""

    def __init__(self, level, missing, extra, ref_count, tinydump_count):
        self.level = level
        self.missing = missing
        self.extra = extra
        self.ref_count = ref_count
        self.tinydump_count = tinydump_count

    @property
    def equal(self):
        return not self.missing and not self.extra

    def summary(self):
        return (f"-d {self.level}: makedumpfile keeps {self.ref_count} pages, tinydump "
                f"{self.tinydump_count}; missing from tinydump: "
                f"{summarize(self.missing)}; extra in tinydump: {summarize(self.extra)}")

    def __iter__(self):  # missing, extra = compare_with_tinydump(...)
        return iter((self.missing, self.extra))

    def __repr__(self):
        return f"Comparison({self.summary()})"


def compare_with_tinydump(level, tinydump_kept_pfns, reference=None):
    """Compare tinydump's kept PFNs at a dump level with makedumpfile's for
    the same crash.  tinydump_kept_pfns: a set of PFNs, or the path of a
    kdump-compressed file tinydump wrote (its kept_pfns() are taken, zero
    stand-ins dropped when level has bit 1, as for makedumpfile).
    reference: a Reference (default: the one set_reference() gave).
    Returns a Comparison, which unpacks as (missing, extra) and has
    summary() for a failure message."""
    ref = reference or _REFERENCE
    if ref is None:
        raise ReferenceError("no makedumpfile reference: build a Reference and "
                             "set_reference() it first")
    want = ref.level(level)
    if isinstance(tinydump_kept_pfns, (str, os.PathLike)):
        got = kept_pfns(tinydump_kept_pfns, exclude_zero=bool(level & 1))
    else:
        got = set(tinydump_kept_pfns)
    return Comparison(level, want - got, got - want, len(want), len(got))
