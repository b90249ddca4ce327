# SPDX-License-Identifier: MIT
"""Small readers for what the end-to-end tests check, written from the
formats' descriptions and independent of the code under test:

- ElfCore: an ELF64 vmcore (PT_LOAD by p_paddr/p_offset/p_filesz, PT_NOTE
  with NT_PRSTATUS and VMCOREINFO);
- KdumpFile: makedumpfile's kdump-compressed (diskdump) format: header,
  kdump sub-header, the two bitmaps, page_desc table, zlib or raw pages;
- scan_frames()/parse_record(): the serial framing and record envelope of
  docs/stream-format.md, enough to say which bytes of a capture carried
  which record and which PFNs a PAGES record described.
"""
import struct
import zlib

PAGE = 4096
NT_PRSTATUS = 1

# struct elf_prstatus on arm64 (payload/elfcore.h): pid at 32, regs at 112.
PRSTATUS_SIZE = 392
PRSTATUS_PID = 32
PRSTATUS_REG = 112


class FormatError(Exception):
    pass


def parse_notes(blob):
    """ELF notes back to back: [(name, type, desc)], stopping at an empty
    header or the end."""
    out = []
    pos = 0
    while pos + 12 <= len(blob):
        namesz, descsz, ntype = struct.unpack_from("<III", blob, pos)
        if namesz == 0 and descsz == 0 and ntype == 0:
            break
        name_end = pos + 12 + namesz
        desc_off = pos + 12 + ((namesz + 3) & ~3)
        desc_end = desc_off + descsz
        if desc_end > len(blob):
            raise FormatError(f"note at {pos} overruns its segment")
        name = blob[pos + 12:name_end].rstrip(b"\0").decode("latin-1")
        out.append((name, ntype, bytes(blob[desc_off:desc_end])))
        pos = desc_off + ((descsz + 3) & ~3)
    return out


def prstatus(desc):
    if len(desc) != PRSTATUS_SIZE:
        raise FormatError(f"NT_PRSTATUS of {len(desc)} bytes")
    regs = struct.unpack_from("<34Q", desc, PRSTATUS_REG)
    return {"pid": struct.unpack_from("<i", desc, PRSTATUS_PID)[0],
            "regs": regs[:31], "x30": regs[30], "sp": regs[31], "pc": regs[32],
            "pstate": regs[33]}


def vmcoreinfo_dict(text):
    out = {}
    for line in text.decode("latin-1").split("\n"):
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


class _Notes:
    """Helpers over self.notes = [(name, type, desc)]."""

    def cpus(self):
        return [prstatus(d) for n, t, d in self.notes if n == "CORE" and t == NT_PRSTATUS]

    def vmcoreinfo(self):
        for n, t, d in self.notes:
            if n == "VMCOREINFO" and t == 0:
                return vmcoreinfo_dict(d)
        return None


class ElfCore(_Notes):
    def __init__(self, path):
        self.data = open(path, "rb").read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise FormatError("not an ELF64 little-endian file")
        (self.e_type, self.e_machine, _, _, phoff, _, _, _, phentsize,
         phnum) = struct.unpack_from("<HHIQQQIHHH", d, 16)
        if phentsize != 56:
            raise FormatError(f"e_phentsize {phentsize}")
        self.loads = []      # (paddr, offset, filesz, memsz, vaddr)
        self.notes = []
        for i in range(phnum):
            (p_type, _, off, vaddr, paddr, filesz, memsz,
             _) = struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i)
            if off + filesz > len(d):
                raise FormatError(f"segment {i} runs past the file")
            if p_type == 1:
                self.loads.append((paddr, off, filesz, memsz, vaddr))
            elif p_type == 4:
                self.notes += parse_notes(d[off:off + filesz])
        # PT_LOADs may overlap (the kernel-image segment repeats RAM, as
        # /proc/vmcore has it): page() checks that they agree.
        self.loads.sort()

    def _segment_page(self, seg, pa):
        paddr, off, filesz, memsz, _ = seg
        rel = pa - paddr
        if rel + PAGE <= filesz:
            return self.data[off + rel:off + rel + PAGE]
        if rel >= filesz:
            return bytes(PAGE)
        return self.data[off + rel:off + filesz] + bytes(rel + PAGE - filesz)

    def page(self, pfn):
        """The page's bytes, or None if no PT_LOAD covers all of it."""
        pa = pfn * PAGE
        found = None
        for seg in self.loads:
            if seg[0] <= pa and pa + PAGE <= seg[0] + seg[3]:
                data = self._segment_page(seg, pa)
                if found is not None and data != found:
                    raise FormatError(f"PT_LOADs disagree on PFN {pfn:#x}")
                found = data
        return found

    def pfns(self):
        """Every PFN some PT_LOAD covers, once, in order."""
        s = set()
        for paddr, _, _, memsz, _ in self.loads:
            s.update(range(paddr // PAGE, (paddr + memsz) // PAGE))
        return sorted(s)

    def read(self, pa, n):
        """n bytes at physical address pa, or None if a byte is not covered."""
        out = bytearray()
        while n:
            page = self.page(pa // PAGE)
            if page is None:
                return None
            k = min(n, PAGE - pa % PAGE)
            out += page[pa % PAGE:pa % PAGE + k]
            pa += k
            n -= k
        return bytes(out)


# --- kdump-compressed (makedumpfile's diskdump_mod.h, header_version 6) ---
KDUMP_SIG = b"KDUMP   "
DUMP_DH_COMPRESSED_ZLIB = 0x1
DUMP_DH_COMPRESSED_LZO = 0x2
DUMP_DH_COMPRESSED_SNAPPY = 0x4
DUMP_DH_COMPRESSED_ZSTD = 0x20


class KdumpFile(_Notes):
    def __init__(self, path):
        self.f = open(path, "rb")
        h = self.f.read(4096)
        if h[:8] != KDUMP_SIG:
            raise FormatError(f"signature {h[:8]!r}")
        self.header_version = struct.unpack_from("<i", h, 8)[0]
        uts = [h[12 + 65 * i:12 + 65 * (i + 1)].split(b"\0")[0].decode("latin-1")
               for i in range(6)]
        self.utsname = dict(zip(("sysname", "nodename", "release", "version",
                                 "machine", "domainname"), uts))
        # struct timeval is 8-aligned after the 390 bytes of utsname: 408.
        (self.status, self.block_size, self.sub_hdr_size, self.bitmap_blocks,
         max_mapnr, _, _, _, _, self.nr_cpus) = struct.unpack_from("<IiiIIIIIIi", h, 424)
        bs = self.block_size
        if bs <= 0 or bs & (bs - 1):
            raise FormatError(f"block_size {bs}")
        self.f.seek(bs)
        sub = self.f.read(max(self.sub_hdr_size, 1) * bs)
        (self.phys_base, self.dump_level, self.split, _, _, off_vi, size_vi, off_note,
         size_note, _, _) = struct.unpack_from("<QiiQQQQQQQQ", sub, 0)
        self.max_mapnr = max_mapnr
        if self.header_version >= 6:
            self.max_mapnr = struct.unpack_from("<Q", sub, 96)[0]
        self.notes = []
        if self.header_version >= 4 and size_note:
            self.f.seek(off_note)
            self.notes = parse_notes(self.f.read(size_note))
        self.vmcoreinfo_text = b""
        if self.header_version >= 3 and size_vi:
            self.f.seek(off_vi)
            self.vmcoreinfo_text = self.f.read(size_vi)
        bitmap_off = (1 + self.sub_hdr_size) * bs
        half = self.bitmap_blocks * bs // 2
        self.f.seek(bitmap_off)
        bitmaps = self.f.read(2 * half)
        if len(bitmaps) != 2 * half:
            raise FormatError("bitmaps cut short")
        self.bitmap1 = bitmaps[:half]
        self.bitmap2 = bitmaps[half:]
        if half * 8 < self.max_mapnr:
            raise FormatError("bitmap smaller than max_mapnr")
        self.desc_off = (1 + self.sub_hdr_size + self.bitmap_blocks) * bs
        # Index of each dumpable PFN in the page_desc table.
        self.index = {}
        n = 0
        for byte_i, byte in enumerate(self.bitmap2):
            if not byte:
                continue
            for bit in range(8):
                if byte & (1 << bit):
                    self.index[byte_i * 8 + bit] = n
                    n += 1
        self.ndumpable = n

    def vmcoreinfo(self):
        if self.vmcoreinfo_text:
            return vmcoreinfo_dict(self.vmcoreinfo_text)
        return super().vmcoreinfo()

    def in_memory(self, pfn):
        return bool(self.bitmap1[pfn // 8] & (1 << (pfn % 8))) if pfn // 8 < len(
            self.bitmap1) else False

    def page(self, pfn):
        """The page's bytes, or None if it is not in the dump."""
        i = self.index.get(pfn)
        if i is None:
            return None
        self.f.seek(self.desc_off + 24 * i)
        off, size, flags, _ = struct.unpack("<qIIQ", self.f.read(24))
        self.f.seek(off)
        data = self.f.read(size)
        if len(data) != size:
            raise FormatError(f"page {pfn:#x}: data past the end of the file")
        if flags & DUMP_DH_COMPRESSED_ZLIB:
            data = zlib.decompress(data)
        elif flags & (DUMP_DH_COMPRESSED_LZO | DUMP_DH_COMPRESSED_SNAPPY |
                      DUMP_DH_COMPRESSED_ZSTD):
            raise FormatError(f"page {pfn:#x}: compression flags {flags:#x} not read here")
        if len(data) != self.block_size:
            raise FormatError(f"page {pfn:#x}: {len(data)} bytes")
        return data

    def pfns(self):
        return sorted(self.index)

    def read(self, pa, n):
        """n bytes at physical address pa (pages of block_size), or None if
        a page is not in the dump."""
        bs = self.block_size
        out = bytearray()
        while n:
            page = self.page(pa // bs)
            if page is None:
                return None
            k = min(n, bs - pa % bs)
            out += page[pa % bs:pa % bs + k]
            pa += k
            n -= k
        return bytes(out)

    def close(self):
        self.f.close()


# --- the serial stream (docs/stream-format.md) ----------------------------
FRAME_MARK_RECORD = 0xD7
REC_HEADER, REC_NOTES, REC_MAP, REC_PAGES, REC_TEXT, REC_TRAILER = 1, 2, 3, 4, 5, 0x0F


def cobs_decode(data):
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        code = data[i]
        if code == 0:
            raise FormatError("zero inside a COBS frame")
        i += 1
        out += data[i:i + code - 1]
        i += code - 1
        if code != 0xFF and i < n:
            out.append(0)
    return bytes(out)


class Frame:
    """One binary frame: capture[start:end] from its leading 0x00 to its
    closing 0x00 (inclusive), and the record it carried."""

    def __init__(self, start, end, record):
        self.start = start
        self.end = end
        self.record = record

    def __repr__(self):
        return f"Frame({self.start}, {self.end}, type={self.record.get('type')})"


def parse_record(rec):
    if len(rec) < 20 or rec[:2] != b"TD":
        raise FormatError("bad envelope")
    _, _, ver, rtype, length, seq, tag = struct.unpack_from("<ccBBIII", rec, 0)
    if length != len(rec):
        raise FormatError("length mismatch")
    r = {"type": rtype, "seq": seq, "tag": tag, "len": length}
    body = rec[16:-4]
    if rtype == REC_PAGES:
        r["pfn"], r["npages"] = struct.unpack_from("<QI", body, 0)
    elif rtype == REC_TRAILER:
        r["status"], = struct.unpack_from("<B", body, 0)
        r["error"], r["end_pfn"], r["dumped"], r["zero"], r["unreadable"] = \
            struct.unpack_from("<iQQQQ", body, 4)
        r["excluded"] = struct.unpack_from("<16Q", body, 40)
    elif rtype == REC_HEADER:
        r["page_size"], = struct.unpack_from("<I", body, 4)
        r["level"] = body[11]
        r["flags"], = struct.unpack_from("<I", body, 12)
        r["crashtime"], r["max_pfn"] = struct.unpack_from("<QQ", body, 32)
        r["map_count"], r["resv_count"], r["notes_size"] = struct.unpack_from("<III", body, 48)
    elif rtype == REC_MAP:
        kind = body[0]
        total, first, count = struct.unpack_from("<III", body, 4)
        r["kind"] = kind
        r["entries"] = [struct.unpack_from("<QQQ", body, 16 + 24 * i) for i in range(count)]
    return r


def scan_frames(data):
    """Every well-formed binary frame of a capture, in order.  Frames
    whose content does not decode to a record envelope are skipped."""
    frames = []
    i = 0
    n = len(data)
    while True:
        i = data.find(b"\x00" + bytes([FRAME_MARK_RECORD]), i)
        if i < 0 or i + 2 >= n:
            break
        end = data.find(b"\x00", i + 2)
        if end < 0:
            break
        try:
            rec = parse_record(cobs_decode(data[i + 2:end]))
            frames.append(Frame(i, end, rec))
        except (FormatError, struct.error):
            pass
        i = end
    return frames


# CRC32C (Castagnoli, reflected 0x82F63B78), as the record envelope has it.
def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    t = _CRC32C
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def record_ok(rec):
    """Envelope and CRC as stream_rec_check() wants them."""
    if len(rec) < 20 or rec[:2] != b"TD" or rec[2] != 1:
        return False
    if struct.unpack_from("<I", rec, 4)[0] != len(rec):
        return False
    return crc32c(rec[:-4]) == struct.unpack_from("<I", rec, len(rec) - 4)[0]


def scan_good_frames(data):
    """scan_frames() keeping only frames whose record passes its CRC."""
    out = []
    for f in scan_frames(data):
        rec = cobs_decode(data[f.start + 2:f.end])
        if record_ok(rec):
            out.append(f)
    return out
