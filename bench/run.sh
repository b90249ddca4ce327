#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: every benchmark, figures and ratios (no assertions).
set -eu
cd "$(dirname "$0")/.."
B=${O:-build}
echo "== dump engine on the host (bench/engine_bench.c)"
"$B/bench/engine-bench"
