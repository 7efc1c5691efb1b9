#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the Linux guest tests: what the kernel found, then power off. Lines go to /dev/kmsg,
# which the kernel prints on its console as they come.
export PATH=/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "kestrel-init: $*" > /dev/kmsg; }
say "init running"
say "cpus $(grep -c ^processor /proc/cpuinfo)"
say "online $(cat /sys/devices/system/cpu/online)"
say "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
say "clockevent $(cat /sys/devices/system/clockevents/clockevent0/current_device 2>/dev/null)"
# The interrupts that came through the I/O APIC, by line (IRQ 4: ttyS0, if it runs on one).
say "ioapic-irqs $(grep IO-APIC /proc/interrupts | tr -s ' ' | tr '\n' ';')"
say "hypervisor $(cat /sys/hypervisor/type 2>/dev/null; grep -o 'hypervisor' /proc/cpuinfo | head -1)"
for w in $(cat /proc/cmdline); do
	case $w in
	kestrel.expect_cpus=*) want=${w#*=} ;;
	kestrel.workload=*) ticks=${w#*=} ;;
	kestrel.start_at=*) start=${w#*=} ;;
	kestrel.read_line=*) read_wait=${w#*=} ;;
	esac
done
have=$(grep -c ^processor /proc/cpuinfo)
verdict=PASS
if [ -n "$want" ] && [ "$have" != "$want" ]; then
	verdict="FAIL (cpus $have, expected $want)"
fi
# The TLB-shootdown workload: one thread per CPU for that many TSC ticks, from TSC start_at
# when given (VMs measured together then share one window).
if [ -n "$ticks" ]; then
	tlbstorm "$have" "$ticks" 64 ${start:-0} > /dev/kmsg || verdict="FAIL (tlbstorm)"
	say "steal $(awk '/^cpu /{print $9}' /proc/stat) (USER_HZ ticks, all CPUs)"
fi
# A line typed at Kestrel's console (the harness types it), read from ttyS0 within read_wait
# seconds of guest time; its RX interrupts come through the I/O APIC's pin 4.
if [ -n "$read_wait" ]; then
	say "ready for a line on ttyS0"
	if read -t "$read_wait" line < /dev/ttyS0; then
		say "line '$line'"
	else
		verdict="FAIL (no line on ttyS0 within $read_wait s)"
	fi
	say "ioapic-irqs-after $(grep IO-APIC /proc/interrupts | tr -s ' ' | tr '\n' ';')"
fi
say "RESULT: $verdict"
poweroff -f
