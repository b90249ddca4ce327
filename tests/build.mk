# SPDX-License-Identifier: MIT
# Host-only support linked into every unit test (tests/unit/test_*.c are
# found by wildcard, one binary each) and every fuzz harness.
unit-support-y += tests/unit/check.c tests/unit/fake_mmio.c tests/unit/fake_nic.c
# The Cadence GEM register model (tests/unit/test_gem*.c).
unit-support-y += tests/unit/gem_model.c
# An in-memory block device with a write log (test_gpt, test_sink_block, ...).
unit-support-y += tests/unit/ramdisk.c tests/unit/gptbuild.c
# The fixture generator's library, for tests/unit/test_fixture.c.
unit-support-y += host-tools/fixture_lib.c
# The host tool's receiving and writing code (tests/unit/test_vmcore_writer.c).
unit-support-y += host-tools/collect.c host-tools/dumpmeta.c
unit-support-y += host-tools/vmcore_kdump.c host-tools/vmcore_elf.c
unit-support-y += host-tools/report.c host-tools/vmread.c host-tools/fileio.c
# Device models for the virtio and PCI driver tests, and DT building.
unit-support-y += tests/unit/virtio_model.c tests/unit/fdt_build.c
# test_gem32 drives 32-bit DMA descriptors with host pointers as
# addresses: they fit in 32 bits only when the binary is not PIE.
$(O)/tests/test_gem32: UNIT_LDFLAGS := -no-pie
# The reliable dump protocol's receiver core (tests/unit/test_netdump.c).
unit-support-y += host-tools/netdump_rx.c
# Block dumps on the host: a blk_dev over a file, areas (test_sink_block.c).
unit-support-y += host-tools/blkfile.c host-tools/blkhost.c
# The SDHCI controller and SD/eMMC card model (tests/unit/test_sdhci.c,
# test_mmc.c).  32-bit SDMA and ADMA2 addresses are host pointers, which
# fit in 32 bits only in a binary linked without PIE (as test_gem32).
unit-support-y += tests/unit/fake_sdhci.c
$(O)/tests/test_sdhci: UNIT_LDFLAGS := -no-pie
$(O)/tests/test_mmc: UNIT_LDFLAGS := -no-pie
