#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the README's main command (after `make deps all`): a whole
# kdump cycle with Debian's arm64 kernel in QEMU (scripts/demo.py).
set -eu
cd "$(dirname "$0")/.."
TINYDUMP_BUILD=${O:-build} exec /usr/bin/python3 scripts/demo.py "$@"
