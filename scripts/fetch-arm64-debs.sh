#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetches Debian 12's arm64 packages tinydump's QEMU tests use (the kernel
# image with its DTBs, busybox-static, kexec-tools and its libraries) with
# `apt-get download PKG:arm64`, and unpacks them into a cache outside the
# source tree.  Reuses what is already there.
#
# Usage: fetch-arm64-debs.sh [PKG...]     prints the cache directory
# Env:   TINYDUMP_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/tinydump)
set -eu

CACHE=${TINYDUMP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinydump}
DEBS=$CACHE/debs
ROOT=$CACHE/arm64-root
mkdir -p "$DEBS" "$ROOT"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	apt-get update -qq
fi

# linux-image-arm64 is a metapackage: resolve the real kernel package it pulls.
kernel_pkg() {
	apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1
}

if [ $# -eq 0 ]; then
	k=$(kernel_pkg)
	if [ -z "$k" ]; then
		apt-get update -qq
		k=$(kernel_pkg)
	fi
	[ -n "$k" ] || { echo "fetch-arm64-debs: cannot resolve linux-image-arm64" >&2; exit 1; }
	# kexec-tools and its shared libraries (Debian builds it with Xen
	# support: libxenctrl pulls in the Xen tool libraries).
	set -- "$k" busybox-static kexec-tools libc6 zlib1g libzstd1 liblzma5 \
		libxenmisc4.17 libxencall1 libxendevicemodel1 libxenevtchn1 \
		libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4 \
		libxentoollog1 libxentoolcore1 libyajl2 libext2fs2 libfdt1 \
		libuuid1 libcom-err2 \
		makedumpfile libdw1 libelf1 liblzo2-2 libbz2-1.0
fi

cd "$DEBS"
for p in "$@"; do
	if ls "$DEBS/${p}"_*_arm64.deb >/dev/null 2>&1 || ls "$DEBS/${p}"_*_all.deb >/dev/null 2>&1; then
		continue
	fi
	apt-get download -o APT::Sandbox::User=root "$p:arm64" >&2
done
for d in "$DEBS"/*.deb; do
	stamp="$ROOT/.$(basename "$d").unpacked"
	[ -e "$stamp" ] && continue
	dpkg-deb -x "$d" "$ROOT"
	touch "$stamp"
done
echo "$CACHE"
