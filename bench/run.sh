#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: every benchmark, figures and ratios (no assertions).
set -eu
cd "$(dirname "$0")/.."
B=${O:-build}
echo "== dump engine on the host (bench/engine_bench.c)"
"$B/bench/engine-bench"
echo "== Linux capture kernel vs tinydump in QEMU (bench/linux_capture.py; BENCH_QUICK=1: 1 run, no crashkernel search)"
TINYDUMP_BUILD=$B /usr/bin/python3 bench/linux_capture.py
echo "== dump levels 0, 1, 31 beside makedumpfile -l -d 31, fresh and loaded guest (bench/levels.py)"
TINYDUMP_BUILD=$B /usr/bin/python3 bench/levels.py
echo "== dump throughput per sink: serial, virtio-blk, sdhci-pci, net, lossy net (bench/sinks.py)"
TINYDUMP_BUILD=$B /usr/bin/python3 bench/sinks.py
