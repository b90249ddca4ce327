# SPDX-License-Identifier: MIT
# Host-only support linked into every unit test (tests/unit/test_*.c are
# found by wildcard, one binary each) and every fuzz harness.
unit-support-y += tests/unit/check.c tests/unit/fake_mmio.c tests/unit/fake_nic.c
# The fixture generator's library, for tests/unit/test_fixture.c.
unit-support-y += host-tools/fixture_lib.c
# The host tool's receiving and writing code (tests/unit/test_vmcore_writer.c).
unit-support-y += host-tools/collect.c host-tools/dumpmeta.c
unit-support-y += host-tools/vmcore_kdump.c host-tools/vmcore_elf.c
unit-support-y += host-tools/report.c host-tools/vmread.c host-tools/fileio.c
