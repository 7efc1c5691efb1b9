#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds a GRUB ISO that boots one test guest with a command line: mkiso.sh OUT.iso NAME [ARGS...]
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 OUT.iso NAME [GUEST ARGS...]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
name=$2
shift 2
root=$out.d

make -C "$here" --no-print-directory "$name" >&2
rm -rf "$root"
mkdir -p "$root/boot/grub"
cp "$here/build/$name.elf" "$root/boot/guest.elf"
cat > "$root/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
menuentry "$name" {
	multiboot2 /boot/guest.elf $*
	boot
}
CFG
grub-mkrescue -o "$out" "$root" --fonts= --locales= --themes= \
	--install-modules="multiboot2 normal iso9660 part_msdos part_gpt fat" \
	> "$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
rm -rf "$root" "$out.log"
