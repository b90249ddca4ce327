#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the README's main command.  Today it boots payload.bin in QEMU
# at EL1 and at EL2 the way kexec starts it, and shows what it prints.
# (The full kdump cycle with a real Debian kernel replaces this in issue 4.)
set -eu
cd "$(dirname "$0")/.."
B=${O:-build}
echo "== payload.bin in QEMU -M virt, entered at EL1, loaded at a 4 KiB (not 2 MiB) aligned address"
TINYDUMP_BUILD=$B /usr/bin/python3 scripts/qemu-boot.py --machine virt --load 0x7f003000 \
	--bootargs "tinydump.after=reset"
echo
echo "== the same at EL2 (-M virt,virtualization=on), powering off afterwards"
TINYDUMP_BUILD=$B /usr/bin/python3 scripts/qemu-boot.py --machine virt-el2 \
	--bootargs "tinydump.after=off"
