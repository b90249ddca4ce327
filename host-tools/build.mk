# SPDX-License-Identifier: MIT
# ELF core header builder: unit tests and fuzz harnesses link it now; the
# fixture generator adds "host-gen-y += host-tools/elfcore_build.c" together
# with its main(), since host-gen-y without a main() fails to link.
unit-support-y += host-tools/elfcore_build.c
# The fixture generator (build/tinydump-fixture): synthetic crashes for the
# QEMU end-to-end tests; its library is in the unit tests too.
host-gen-y += host-tools/fixture.c host-tools/fixture_lib.c host-tools/elfcore_build.c
# The tinydump CLI (docs/tinydump.md): main.c plus the pieces below, which
# unit tests link too (tests/build.mk).
host-tool-y += host-tools/main.c host-tools/collect.c host-tools/dumpmeta.c
host-tool-y += host-tools/vmcore_kdump.c host-tools/vmcore_elf.c
host-tool-y += host-tools/report.c host-tools/vmread.c host-tools/fileio.c
# `recv --udp`: the reliable dump protocol's receiver (docs/netdump-protocol.md).
host-tool-y += host-tools/netdump_rx.c host-tools/udp_recv.c
# Block dumps: the area on a disk or image (docs/block.md).
host-tool-y += host-tools/blkfile.c host-tools/blkhost.c
