#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: every benchmark, figures and ratios (no assertions).
set -eu
cd "$(dirname "$0")/.."
B=${O:-build}
echo "== dump engine on the host (bench/engine_bench.c)"
"$B/bench/engine-bench"
echo "== Linux capture kernel vs tinydump in QEMU (bench/linux_capture.py; BENCH_QUICK=1: 1 run, no crashkernel search)"
python3 bench/linux_capture.py
