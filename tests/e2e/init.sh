#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the real-kernel test initramfs: load payload.bin with the real
# kexec -p, check it is loaded, then crash the kernel on the chosen CPU.
# Settings come from /tinydump.conf (written per run by the test):
#   APPEND        what kexec --append passes to the payload
#   CRASH_CPU     CPU to crash on (default 0)
#   KALLSYMS_FIX  1: give kexec-tools a /proc/kallsyms with _text
#                 (works around the broken ELF core header of kexec-tools
#                 2.0.25 on Debian's kernel, shared/REFERENCE.md section 7)
#   KEXEC_ARGS    extra kexec arguments
#   DUMP_KALLSYMS 1: print the text symbols (gzip, base64) for the test
#   GUEST_HOSTNAME the nodename crash directories are named after
#   LOAD_MIB      N > 0: before the crash, fill N MiB of page cache (a file
#                 in the initramfs's tmpfs) and N MiB of anonymous user
#                 memory (a shell holding a line of text), as a busy system
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
CRASH_CPU=0
GUEST_HOSTNAME=kdump-guest
KALLSYMS_FIX=0
DUMP_KALLSYMS=0
LOAD_MIB=0
. /tinydump.conf

say() { echo "tinydump-e2e: $*"; }
hostname "$GUEST_HOSTNAME"
say "kernel $(uname -r), $(nproc) CPUs, crashkernel $(cat /sys/kernel/kexec_crash_size) bytes"
if [ "$KALLSYMS_FIX" = 1 ]; then
	stext=$(grep ' _stext$' /proc/kallsyms | cut -d' ' -f1)
	text=$(printf '%016x' $((0x$stext - 0x10000)))
	{ echo "$text T _text"; cat /proc/kallsyms; } > /tmp/kallsyms
	mount --bind /tmp/kallsyms /proc/kallsyms
	say "kallsyms workaround: _text = $text"
fi
if [ "$DUMP_KALLSYMS" = 1 ]; then
	echo "tinydump-e2e: KALLSYMS-BEGIN"
	grep -i ' t ' /proc/kallsyms | gzip -c | base64
	echo "tinydump-e2e: KALLSYMS-END"
fi
if [ "$LOAD_MIB" -gt 0 ]; then
	head -c $((LOAD_MIB * 1024 * 1024)) /dev/urandom > /tmp/cache.bin
	head -c $((LOAD_MIB * 768 * 1024)) /dev/urandom | base64 -w0 |
		(read -r line; sleep 100000) &
	sleep 2
	say "loaded: $LOAD_MIB MiB of page cache and of user memory"
fi
say "kexec -p /payload.bin --append=\"$APPEND\" $KEXEC_ARGS"
if ! kexec -p /payload.bin --append="$APPEND" $KEXEC_ARGS; then
	say "kexec failed"
	poweroff -f
fi
say "kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
if [ "$(cat /sys/kernel/kexec_crash_loaded)" != 1 ]; then
	say "payload not loaded"
	poweroff -f
fi
say "crashing on CPU $CRASH_CPU"
echo 1 > /proc/sys/kernel/sysrq
taskset -c "$CRASH_CPU" sh -c 'echo c > /proc/sysrq-trigger'
say "still alive after the crash trigger"
poweroff -f
