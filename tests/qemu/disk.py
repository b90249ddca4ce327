# SPDX-License-Identifier: MIT
"""Disk images for tests: a small pure-Python GPT writer and reader.

Writes what UEFI spec 2.10 §5.2.3 and §5.3 describe: a protective MBR at
LBA 0 (one 0xEE record covering the disk), the primary GPT header at LBA 1
with its partition entry array after it, and the backup entry array and
header at the end of the disk, each header with its HeaderCRC32 and
PartitionEntryArrayCRC32 (zlib.crc32 is the IEEE CRC-32 the spec uses).
Images are sparse files: only the tables are written.

    parts = write_gpt(path, 64 << 20, [Part("rootfs", 32 << 20),
                                       Part("tinydump", 16 << 20)])
    parts["tinydump"].offset, parts["tinydump"].length

Used by tests/test_block_cli.py; QEMU tests can hand the same images to
virtio-blk or an SD card model.
"""
import os
import struct
import uuid
import zlib
from dataclasses import dataclass, field

SIGNATURE = b"EFI PART"
REVISION = 0x00010000
HEADER_SIZE = 92
ENTRY_SIZE = 128
NUM_ENTRIES = 128
ALIGN = 1 << 20  # partitions start on 1 MiB boundaries, as parted does

# Partition type GUIDs (UEFI spec Table 5.7, the Discoverable Partitions
# Specification for Linux's).
LINUX_DATA = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
EFI_SYSTEM = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"


@dataclass
class Part:
    """A partition to create: name (up to 36 UTF-16 units), size in bytes,
    start in bytes (None: the next 1 MiB boundary), type and GUID."""
    name: str
    size: int
    start: int = None
    type_guid: str = LINUX_DATA
    guid: str = None


@dataclass
class Placed:
    """A partition as written."""
    name: str
    index: int          # entry number from 0; Linux's pN is index + 1
    first_lba: int
    last_lba: int       # inclusive
    sector: int
    type_guid: str = LINUX_DATA
    guid: str = ""

    @property
    def offset(self):
        return self.first_lba * self.sector

    @property
    def length(self):
        return (self.last_lba - self.first_lba + 1) * self.sector


@dataclass
class Gpt:
    """A GPT as read back."""
    sector: int
    header_lba: int
    alternate_lba: int
    first_usable: int
    last_usable: int
    disk_guid: str
    entries_lba: int
    num_entries: int
    entry_size: int
    parts: list = field(default_factory=list)


def _name_bytes(name):
    raw = name.encode("utf-16-le")
    if len(raw) > 72:
        raise ValueError(f"GPT names hold 36 UTF-16 units: {name!r}")
    return raw.ljust(72, b"\0")


def _entry(p):
    return (uuid.UUID(p.type_guid).bytes_le + uuid.UUID(p.guid).bytes_le +
            struct.pack("<QQQ", p.first_lba, p.last_lba, 0) +
            _name_bytes(p.name))


def _header(my_lba, alt_lba, first_usable, last_usable, disk_guid,
            entries_lba, num_entries, entries_crc):
    def pack(crc):
        return struct.pack("<8sIIIIQQQQ16sQIII", SIGNATURE, REVISION,
                           HEADER_SIZE, crc, 0, my_lba, alt_lba,
                           first_usable, last_usable,
                           uuid.UUID(disk_guid).bytes_le, entries_lba,
                           num_entries, ENTRY_SIZE, entries_crc)
    return pack(zlib.crc32(pack(0)) & 0xffffffff)


def _protective_mbr(total_sectors):
    mbr = bytearray(512)
    size = min(total_sectors - 1, 0xffffffff)
    # One record: boot indicator 0, CHS 0x000200, type 0xEE, CHS end
    # 0xFFFFFF, starting LBA 1, size (UEFI 2.10 Table 5.4).
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0xEE,
                               b"\xff\xff\xff", 1, size)
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def write_gpt(path, size, parts, sector=512, num_entries=NUM_ENTRIES,
              disk_guid=None):
    """Create (or overwrite the tables of) a GPT disk image of @size bytes.

    Returns {name: Placed}.  Partitions keep their order in the entry array;
    two may share a name (for tests of that case: then the dict keeps the
    last)."""
    if size % sector:
        raise ValueError("size must be a multiple of the sector size")
    total = size // sector
    array_sectors = (num_entries * ENTRY_SIZE + sector - 1) // sector
    first_usable = 2 + array_sectors
    last_usable = total - 2 - array_sectors
    placed, entries = [], bytearray(num_entries * ENTRY_SIZE)
    nxt = ALIGN
    for i, p in enumerate(parts):
        start = p.start if p.start is not None else nxt
        if start % sector or p.size % sector:
            raise ValueError(f"{p.name}: start and size must be sector multiples")
        first, last = start // sector, (start + p.size) // sector - 1
        if first < first_usable or last > last_usable:
            raise ValueError(f"{p.name}: does not fit the usable LBAs")
        pl = Placed(p.name, i, first, last, sector, p.type_guid,
                    p.guid or str(uuid.uuid4()))
        placed.append(pl)
        entries[i * ENTRY_SIZE:(i + 1) * ENTRY_SIZE] = _entry(pl)
        nxt = (start + p.size + ALIGN - 1) // ALIGN * ALIGN
    disk_guid = disk_guid or str(uuid.uuid4())
    ecrc = zlib.crc32(bytes(entries)) & 0xffffffff
    backup_entries = total - 1 - array_sectors
    primary = _header(1, total - 1, first_usable, last_usable, disk_guid, 2,
                      num_entries, ecrc)
    backup = _header(total - 1, 1, first_usable, last_usable, disk_guid,
                     backup_entries, num_entries, ecrc)
    mode = "r+b" if os.path.exists(path) else "w+b"
    with open(path, mode) as f:
        f.truncate(size)
        f.seek(0)
        f.write(_protective_mbr(total).ljust(sector, b"\0"))
        f.write(primary.ljust(sector, b"\0"))
        f.write(bytes(entries).ljust(array_sectors * sector, b"\0"))
        f.seek(backup_entries * sector)
        f.write(bytes(entries).ljust(array_sectors * sector, b"\0"))
        f.write(backup.ljust(sector, b"\0"))
    return {p.name: p for p in placed}


def _read_header(f, lba, sector):
    f.seek(lba * sector)
    raw = f.read(sector)
    if raw[:8] != SIGNATURE:
        raise ValueError(f"no GPT header at LBA {lba}")
    (_, _, hsize, crc, _, my_lba, alt, fu, lu, dguid, elba, n, esize,
     ecrc) = struct.unpack_from("<8sIIIIQQQQ16sQIII", raw)
    check = bytearray(raw[:hsize])
    check[16:20] = b"\0\0\0\0"
    if zlib.crc32(bytes(check)) & 0xffffffff != crc or my_lba != lba:
        raise ValueError(f"bad GPT header at LBA {lba}")
    f.seek(elba * sector)
    array = f.read(n * esize)
    if zlib.crc32(array) & 0xffffffff != ecrc:
        raise ValueError(f"bad GPT entry array at LBA {elba}")
    g = Gpt(sector, lba, alt, fu, lu, str(uuid.UUID(bytes_le=dguid)), elba,
            n, esize)
    for i in range(n):
        e = array[i * esize:(i + 1) * esize]
        if e[:16] == b"\0" * 16:
            continue
        first, last = struct.unpack_from("<QQ", e, 32)
        name = e[56:128].decode("utf-16-le").split("\0")[0]
        g.parts.append(Placed(name, i, first, last, sector,
                              str(uuid.UUID(bytes_le=e[:16])).upper(),
                              str(uuid.UUID(bytes_le=e[16:32]))))
    return g


def read_gpt(path, sector=512):
    """Read and check a GPT: the primary, else the backup at the last LBA."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        total = f.tell() // sector
        try:
            return _read_header(f, 1, sector)
        except ValueError:
            return _read_header(f, total - 1, sector)


def find_partition(path, name, sector=512):
    """The partition named @name (exactly one), as Placed."""
    hits = [p for p in read_gpt(path, sector).parts if p.name == name]
    if len(hits) != 1:
        raise LookupError(f"{len(hits)} partitions named {name!r}")
    return hits[0]


def corrupt(path, lba, byte=24, sector=512):
    """Flip the bits of one byte of a sector (e.g. lba=1: the primary
    header's MyLBA, which breaks its CRC)."""
    with open(path, "r+b") as f:
        f.seek(lba * sector + byte)
        b = f.read(1)
        f.seek(lba * sector + byte)
        f.write(bytes([b[0] ^ 0xff]))
