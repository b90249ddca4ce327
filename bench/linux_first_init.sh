#!/bin/sh
# SPDX-License-Identifier: MIT
# /bench-init of the FIRST kernel in bench/linux_capture.py's Linux
# capture-kernel path: load Debian's own kernel as the crash kernel with the
# real `kexec -p` (kexec_load, purgatory and all), check it is loaded, then
# crash.  Settings come from /bench.conf (written per run by the benchmark):
#   CAPTURE_APPEND  the capture kernel's command line
#   KEXEC_ARGS      extra kexec arguments (e.g. -i: skip purgatory's SHA-256)
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
KEXEC_ARGS=
. /bench.conf

say() { echo "bench-linux: $*"; }
say "kernel $(uname -r), crashkernel $(cat /sys/kernel/kexec_crash_size) bytes"

# kexec-tools 2.0.25 needs _text in /proc/kallsyms to place the kernel in
# the ELF core header; Debian's kernel (KALLSYMS_ALL=n) has no _text, and
# without it /proc/vmcore in the capture kernel is unusable (REFERENCE.md
# section 7).  _text sits 64 KiB below _stext on this arm64 kernel: hand
# kexec a kallsyms with that line added, bind-mounted over the real one.
stext=$(awk '$3 == "_stext" { print $1; exit }' /proc/kallsyms)
if [ -n "$stext" ]; then
	printf '%016x T _text\n' $((0x$stext - 0x10000)) > /tmp/kallsyms
	cat /proc/kallsyms >> /tmp/kallsyms
	mount --bind /tmp/kallsyms /proc/kallsyms
	say "kallsyms: _text = $(head -n 1 /proc/kallsyms | cut -d' ' -f1)"
else
	say "kallsyms: no _stext, leaving /proc/kallsyms alone"
fi

say "kexec -p /vmlinuz --initrd=/capture.img --append=\"$CAPTURE_APPEND\" $KEXEC_ARGS"
if ! kexec -p /vmlinuz --initrd=/capture.img --append="$CAPTURE_APPEND" $KEXEC_ARGS; then
	say "kexec failed"
	poweroff -f
fi
loaded=$(cat /sys/kernel/kexec_crash_loaded)
say "kexec_crash_loaded=$loaded"
if [ "$loaded" != 1 ]; then
	say "capture kernel not loaded"
	poweroff -f
fi
rm -f /vmlinuz /capture.img
say "crashing"
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
say "still alive after the crash trigger"
poweroff -f
