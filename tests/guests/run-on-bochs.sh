#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Boots one test guest in Bochs (x2APIC and TSC-deadline, slow) and prints its serial output.
#
#   tests/guests/run-on-bochs.sh NAME [GUEST ARGS...]
#
# Environment: CPUS (4), MEM in MiB (64), TIMEOUT in seconds (300), MODEL (corei7_icelake_u).
# Files stay in tests/guests/build/run/bochs-NAME/. Bochs has no isa-debug-exit: the runtime
# ends the run through Bochs's port 0x8900 instead, and Bochs's exit status means nothing
# (docs/platform.md). Exits 0 when the guest printed "RESULT: PASS", 1 otherwise.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 NAME [GUEST ARGS...]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
name=$1
shift
work=$here/build/run/bochs-$name

mkdir -p "$work"
"$here/mkiso.sh" "$work/guest.iso" "$name" "$@"
cat > "$work/bochsrc" <<RC
plugin_ctrl: unmapped=1, biosdev=1, speaker=0, extfpuirq=0, parallel=0, gameport=0, iodebug=0
megs: ${MEM:-64}
cpu: model=${MODEL:-corei7_icelake_u}, count=${CPUS:-4}, ips=10000000, quantum=16, \
     reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$work/guest.iso, status=inserted
boot: cdrom
clock: sync=none, time0=local
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=$work/serial.txt
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
mouse: enabled=0
RC
echo c > "$work/dbg.rc"
: > "$work/serial.txt"
status=0
(cd "$work" && timeout "${TIMEOUT:-300}" bochs -q -f bochsrc -rc dbg.rc < /dev/null \
	> bochs.out 2>&1) || status=$?
tr -d '\r' < "$work/serial.txt" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
echo "== run-on-bochs: $name: bochs exited with status $status (124: time-out) =="
grep -q '^RESULT: PASS' "$work/serial.txt"
