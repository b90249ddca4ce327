# SPDX-License-Identifier: MIT
"""payload.bin's arm64 Image header against both loaders' rules.

Debian 12's kernel has no CONFIG_KEXEC_FILE, so kexec_file_load cannot be
tried here; these are its checks, from linux arch/arm64/kernel/
kexec_image.c (image_probe, image_load) and kernel/kexec_file.c
(kexec_add_buffer: bufsz <= memsz), and kexec-tools' for kexec_load
(kexec/arch/arm64/kexec-image-arm64.c, kexec-arm64.c
arm64_locate_kernel_segment: memsz = image_size).
"""
import os
import struct

import pytest

from harness import BUILD

HEADER = struct.Struct("<IIQQQQQQII")  # booting.rst "Header notes"
MAGIC = 0x644D5241                      # "ARM\x64"
FLAG_BE = 1 << 0
PAGE_SIZE_SHIFT, PAGE_SIZE_MASK = 1, 3  # 0 unspecified, 1 4K, 2 16K, 3 64K
FLAG_PHYS_BASE = 1 << 3                 # placement anywhere
MIN_KIMG_ALIGN = 2 << 20


def read_header(path):
    data = open(path, "rb").read()
    (code0, code1, text_offset, image_size, flags, res2, res3, res4, magic,
     res5) = HEADER.unpack_from(data)
    return data, dict(code0=code0, code1=code1, text_offset=text_offset,
                      image_size=image_size, flags=flags, res=(res2, res3, res4),
                      magic=magic, res5=res5)


def kexec_file_load_accepts(data, h, cpu_big_endian=False, granules=("4K",)):
    """Return None if arch/arm64/kernel/kexec_image.c would load it, else why."""
    if len(data) < HEADER.size:
        return "image_probe: shorter than the header"
    if h["magic"] != MAGIC:
        return "image_probe: bad magic"
    if h["image_size"] == 0:
        return "image_load: image_size is 0"
    if bool(h["flags"] & FLAG_BE) != cpu_big_endian:
        return "image_load: endianness differs from the kernel's"
    page = (h["flags"] >> PAGE_SIZE_SHIFT) & PAGE_SIZE_MASK
    if page in (1, 2, 3) and {1: "4K", 2: "16K", 3: "64K"}[page] not in granules:
        return "image_load: page size not supported by the CPU"
    # kbuf.memsz = image_size + text_offset, bufsz = file length.
    if len(data) > h["image_size"] + h["text_offset"]:
        return "kexec_add_buffer: file larger than image_size + text_offset"
    return None


@pytest.fixture(scope="module")
def image():
    return read_header(os.path.join(BUILD, "payload.bin"))


def test_header_fields(image):
    data, h = image
    assert h["magic"] == MAGIC
    assert h["text_offset"] == 0
    assert h["flags"] & FLAG_BE == 0, "little-endian"
    assert (h["flags"] >> PAGE_SIZE_SHIFT) & PAGE_SIZE_MASK == 1, "4K pages"
    assert h["flags"] & FLAG_PHYS_BASE, "may be placed anywhere"
    assert h["res"] == (0, 0, 0) and h["res5"] == 0
    # code0 is a branch (B imm26, opcode 0b000101) to the entry code.
    assert h["code0"] >> 26 == 0b000101
    assert h["image_size"] % 4096 == 0
    assert h["image_size"] >= len(data)


def test_image_size_covers_every_section(image):
    """image_size must cover the file plus BSS, tables, stacks, buffers."""
    _, h = image
    elf = open(os.path.join(BUILD, "payload.elf"), "rb").read()
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3a)
    top = 0
    for i in range(shnum):
        off = shoff + i * shentsize
        flags, addr = struct.unpack_from("<QQ", elf, off + 8)
        size, = struct.unpack_from("<Q", elf, off + 0x20)
        if flags & 2:  # SHF_ALLOC
            top = max(top, addr + size)
    assert 0 < top <= h["image_size"]


def test_kexec_file_load_rules(image):
    data, h = image
    assert kexec_file_load_accepts(data, h) is None
    # The same rules reject what they should (the checker is not vacuous).
    bad = dict(h, image_size=0)
    assert "image_size" in kexec_file_load_accepts(data, bad)
    assert "endianness" in kexec_file_load_accepts(data, dict(h, flags=h["flags"] | FLAG_BE))
    assert "page size" in kexec_file_load_accepts(data, h, granules=("64K",))
    assert "magic" in kexec_file_load_accepts(data, dict(h, magic=0))


def test_kexec_load_rules(image):
    """kexec-tools: probe checks the magic only; the kernel segment's memsz
    is image_size (it warns and guesses 16 MiB when it is 0), and the kernel
    rejects a segment whose bufsz exceeds memsz (sanity_check_segment_list)."""
    data, h = image
    assert h["magic"] == MAGIC
    assert h["image_size"] != 0
    assert len(data) <= h["image_size"]
