#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Boots one test guest on QEMU (TCG, no KVM) from a GRUB ISO and prints its serial output.
#
#   tests/guests/run-on-qemu.sh NAME [GUEST ARGS...]
#   e.g. tests/guests/run-on-qemu.sh hello cpus=4
#
# Environment: CPUS (4), MEM in MiB (64), TIMEOUT in seconds (60), QEMU_ARGS (extra options).
# Files stay in tests/guests/build/run/qemu-NAME/ (guest.iso, serial.txt). Exits 0 when the
# guest printed "RESULT: PASS", 1 otherwise. QEMU's own status is printed: isa-debug-exit
# makes it (v << 1) | 1 for a guest status v, so 1 = guest status 0, 3 = guest status 1;
# 0 means QEMU stopped for another reason (a triple fault under -no-reboot); 124: time-out.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 NAME [GUEST ARGS...]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
name=$1
shift
work=$here/build/run/qemu-$name

mkdir -p "$work"
"$here/mkiso.sh" "$work/guest.iso" "$name" "$@"
: > "$work/serial.txt"
status=0
# shellcheck disable=SC2086
timeout "${TIMEOUT:-60}" qemu-system-x86_64 -accel tcg -cpu max -smp "${CPUS:-4}" \
	-m "${MEM:-64}" -cdrom "$work/guest.iso" -serial "file:$work/serial.txt" -display none \
	-no-reboot -monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 ${QEMU_ARGS:-} \
	|| status=$?
# GRUB's terminal codes and carriage returns are noise here.
tr -d '\r' < "$work/serial.txt" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
echo "== run-on-qemu: $name: qemu exited with status $status =="
grep -q '^RESULT: PASS' "$work/serial.txt"
