# SPDX-License-Identifier: MIT
# Host-only support linked into every unit test (tests/unit/test_*.c are
# found by wildcard, one binary each) and every fuzz harness.
unit-support-y += tests/unit/check.c tests/unit/fake_mmio.c
