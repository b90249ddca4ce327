#!/bin/sh
# SPDX-License-Identifier: MIT
# /capture-init of the CAPTURE kernel in bench/linux_capture.py: what a
# minimal kdump initramfs does.  Load the virtio disk driver, write the
# vmcore with `makedumpfile -F -l -d 31` (flattened format, raw, to
# /dev/vda), print the dead kernel's log with vmcore-dmesg, print the
# "done" marker the benchmark times, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

say() { echo "bench-capture: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say "up at $(uptime_s) s, vmcore $(stat -c %s /proc/vmcore 2>/dev/null || echo missing) bytes"
for m in /lib/modules/*.ko; do
	insmod "$m" || say "insmod $m failed"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -b /dev/vda ]; then
	say "no /dev/vda"
	say "done rc=99 at $(uptime_s) s"
	poweroff -f
fi
say "makedumpfile start at $(uptime_s) s"
# --message-level 23: the default (progress, common, error) plus the page
# statistics report, which the benchmark compares with tinydump's counts.
makedumpfile -F -l -d 31 --message-level 23 /proc/vmcore > /dev/vda
rc=$?
sync
say "makedumpfile rc=$rc at $(uptime_s) s"
echo "bench-capture: vmcore-dmesg begin"
vmcore-dmesg /proc/vmcore
echo "bench-capture: vmcore-dmesg end"
say "done rc=$rc at $(uptime_s) s"
poweroff -f
