#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the loader fuzzer's seeds: tiny ELF32/ELF64 and flat multiboot 1 and 2 kernels."""
import struct
import sys

MB1_MAGIC, MB2_MAGIC = 0x1BADB002, 0xE85250D6
PA = 0x100000  # 1 MiB, where a multiboot kernel usually goes


def pad(b, n):
    return b + bytes(n - len(b)) if len(b) < n else b


def elf32(entry, segs):
    """segs: (offset, paddr, filesz, memsz); program headers at 0x34."""
    eh = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
    eh += struct.pack('<HHIIIIIHHHHHH', 2, 3, 1, entry, 0x34, 0, 0, 52, 32, len(segs), 0, 0, 0)
    for off, pa, fs, ms in segs:
        eh += struct.pack('<8I', 1, off, pa, pa, fs, ms, 7, 0x1000)
    return eh


def elf64(entry, segs):
    """segs as for elf32; program headers at 0x40."""
    eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9)
    eh += struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, entry, 0x40, 0, 0, 64, 56, len(segs), 0, 0, 0)
    for off, pa, fs, ms in segs:
        eh += struct.pack('<IIQQQQQQ', 1, 7, off, pa, pa, fs, ms, 0x1000)
    return eh


def mb1(flags, addrs=()):
    h = struct.pack('<III', MB1_MAGIC, flags, (-(MB1_MAGIC + flags)) & 0xffffffff)
    return h + struct.pack('<5I', *addrs) if addrs else h


def mb2(tags):
    body = b''.join(pad(struct.pack('<HHI', t, f, 8 + len(p)) + p, (8 + len(p) + 7) & ~7)
                    for t, f, p in tags) + struct.pack('<HHI', 0, 0, 8)
    length = 16 + len(body)
    return struct.pack('<IIII', MB2_MAGIC, 0, length, (-(MB2_MAGIC + length)) & 0xffffffff) + body


def put(img, off, b):
    img = pad(img, off + len(b))
    return img[:off] + b + img[off + len(b):]


def seed(ram_index, module_lens, cmdline, rsdp, image, pad_blocks=0, pad_at=0):
    sel = ram_index | (len(module_lens) << 3) | (0x40 if rsdp else 0) | (0x80 if cmdline else 0)
    return (bytes([sel]) + b''.join(struct.pack('<H', n) for n in module_lens) +
            bytes([pad_blocks, pad_at // 8]) + image)


def main(out):
    text = bytes(range(0x90, 0xb0))
    seeds = {}
    img = put(elf32(PA, [(0x100, PA, 0x20, 0x1000)]), 0xc0, mb1(3))
    seeds['elf32-mb1'] = seed(1, [100], True, False, put(img, 0x100, text))
    info = struct.pack('<4I', 1, 4, 6, 3)  # cmdline, module, mmap, meminfo
    img = put(elf64(PA + 4, [(0x100, PA, 0x20, 0x20), (0x120, 0x200000, 8, 0x3000)]), 0xb0,
              mb2([(1, 0, info)]))
    seeds['elf64-mb2'] = seed(2, [0x1800, 7], True, True, put(img, 0x100, text + bytes(8)))
    # An ELF32 with 31 KiB of zeros after its header and multiboot header: its data moves up.
    img = put(elf32(PA, [(0x100 + 0x7c00, PA, 0x20, 0x1000)]), 0x58, mb1(3))
    seeds['elf32-mb1-far'] = seed(1, [], True, False, put(img, 0x100, text), 0xf8, 0x68)
    hdr = mb1(0x10003, (PA, PA, PA + 0x40, PA + 0x2000, PA + 0x20))
    seeds['aout-mb1'] = seed(1, [], False, False, pad(hdr, 0x40))
    img = mb2([(2, 0, struct.pack('<4I', PA, PA, 0, PA + 0x8000)),
               (3, 0, struct.pack('<I', PA + 8))])
    seeds['flat-mb2'] = seed(6, [3], True, False, pad(img, 0x60))
    for name, data in seeds.items():
        with open(f'{out}/{name}', 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1])
