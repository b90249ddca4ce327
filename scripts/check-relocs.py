#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fail the build unless payload.elf's dynamic relocations are all
R_AARCH64_RELATIVE (or R_AARCH64_NONE, which --gc-sections leaves behind
and which means nothing): the only ones purgatory/head.S applies."""
import struct
import sys

R_AARCH64_RELATIVE = 1027
R_AARCH64_NONE = 0
SHT_RELA = 4


def main(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    bad = 0
    count = 0
    for i in range(shnum):
        off = shoff + i * shentsize
        sh_type, = struct.unpack_from("<I", data, off + 4)
        if sh_type != SHT_RELA:
            continue
        sh_offset, sh_size = struct.unpack_from("<QQ", data, off + 0x18)
        for r in range(sh_offset, sh_offset + sh_size, 24):
            _, info, _ = struct.unpack_from("<QQq", data, r)
            count += 1
            if info & 0xffffffff not in (R_AARCH64_RELATIVE, R_AARCH64_NONE) or info >> 32:
                bad += 1
                print(f"{path}: unsupported relocation type {info & 0xffffffff} "
                      f"(symbol {info >> 32})", file=sys.stderr)
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1])
