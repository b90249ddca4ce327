#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs everything tinydump needs on Debian 12, from Debian's packages only.
# Idempotent: packages already present are skipped, and apt is only asked when
# something is missing.  Run as root (or with sudo available).
set -eu

HOST_PKGS="make gcc libc6-dev gcc-aarch64-linux-gnu picolibc-aarch64-linux-gnu \
qemu-system-arm qemu-user-static device-tree-compiler liblz4-dev zlib1g-dev \
python3 python3-pytest cpio kexec-tools makedumpfile libfdt1 clang llvm \
libclang-rt-14-dev"
# libfdt-dev is not co-installable across architectures: the arm64 one gives
# the payload its libfdt.a and everyone the headers; the host links libfdt1.
# zlib1g-dev:arm64 (with liblz4-dev:arm64 and libfdt's arm64 runtime) lets
# the host tools be built for the board: make O=build-arm64
# HOSTCC=aarch64-linux-gnu-gcc host-tools (docs/block.md).
ARM64_PKGS="libfdt-dev:arm64 liblz4-dev:arm64 zlib1g-dev:arm64"

SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "install-deps: must run as root (or have sudo)" >&2; exit 1
	fi
fi

# Installed?  Host packages are checked for the native architecture (a
# Multi-Arch: same package may be installed for arm64 only), falling back
# to the plain name for Architecture: all packages.
NATIVE=$(dpkg --print-architecture)
is_installed() {
	case "$1" in
	*:*) q="$1" ;;
	*) q="$1:$NATIVE" ;;
	esac
	st=$(dpkg-query -W -f='${db:Status-Status}' "$q" 2>/dev/null ||
		dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)
	[ "$st" = installed ]
}

missing=""
for p in $HOST_PKGS $ARM64_PKGS; do
	is_installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
