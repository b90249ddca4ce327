#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print payload.bin's size, its Image header, and what image_size is made
of (from payload.elf's sections): the numbers docs/memory.md explains."""
import os
import struct
import sys

path = sys.argv[1]
data = open(path, "rb").read()
code0, code1, text_offset, image_size, flags = struct.unpack_from("<IIQQQ", data, 0)
magic, = struct.unpack_from("<I", data, 56)
if magic != 0x644D5241:
    sys.exit(f"{path}: no arm64 Image magic")
print(f"  payload.bin: {len(data)} bytes ({len(data) / 1024:.1f} KiB), "
      f"image_size 0x{image_size:x} ({image_size / 1024:.1f} KiB), "
      f"text_offset 0x{text_offset:x}, flags 0x{flags:x}")

elf_path = os.path.splitext(path)[0] + ".elf"
if os.path.exists(elf_path):
    elf = open(elf_path, "rb").read()
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)
    stroff, = struct.unpack_from("<Q", elf, shoff + shstrndx * shentsize + 0x18)
    parts = []
    for i in range(shnum):
        off = shoff + i * shentsize
        name_off, sh_type, sh_flags, addr, _, size = struct.unpack_from("<IIQQQQ", elf, off)
        if not sh_flags & 2 or size == 0:  # SHF_ALLOC
            continue
        name = elf[stroff + name_off:elf.index(b"\0", stroff + name_off)].decode()
        parts.append((name, size, sh_type == 8))  # SHT_NOBITS
    loaded = sum(s for _, s, nobits in parts if not nobits)
    print("  image_size = " + " + ".join(
        f"{n} {s / 1024:.1f}K" for n, s, nobits in parts if nobits or s >= 1024)
        + f" (loaded part {loaded / 1024:.1f}K, rest alignment)")
