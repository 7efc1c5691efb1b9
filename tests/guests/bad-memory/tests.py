# SPDX-License-Identifier: GPL-2.0
"""The bad-memory guest's system tests: unbacked guest-physical memory as on a PC, or a stop."""
from checks import *  # noqa: F401,F403


def check_notes(log):
    """Each access was emulated and noted (rate-limited: the first one at least)."""
    expect(log, r"^kestrel: vm bad: vcpu 0: read of unbacked guest-physical 0x7fff0000 at rip "
           r"0x[0-9a-f]+: all ones \(0 more not shown; strict_mmio=on stops the VM instead\)$",
           "the note of the first unbacked read")
    m = expect(log, r"^  mem: .* unbacked reads (\d+) and writes (\d+)$", "the mem line")
    if (int(m.group(1)), int(m.group(2))) != (4, 2):
        raise CheckFailed(f"expected 4 unbacked reads and 2 writes, got {m.group(0)!r}")


TESTS = {
    "vm-bad-memory": ("bochs", 1, {"modules": [vm_line("bad-memory", "vm=bad vcpus=1 mem=16M")]},
                      all_of(vm_passed("bad"), no_panic_and_end, check_notes)),
    # strict_mmio=on: the old behaviour, the first access stops the VM.
    "vm-bad-memory-strict": ("bochs", 1, {"modules": [vm_line(
        "bad-memory", "vm=bad vcpus=1 mem=16M strict_mmio=on -- expect=stop")]},
        all_of(vm_stopped("bad", r"vcpu 0: read of guest-physical 0x7fff0000 at rip "
                                 r"0x[0-9a-f]+: outside its 16 MiB of memory"),
               no_panic_and_end)),
    # An instruction fetch from unbacked memory stops the VM whatever strict_mmio says.
    "vm-bad-memory-fetch": ("bochs", 1, {"modules": [vm_line(
        "bad-memory", "vm=bad vcpus=1 mem=16M -- fetch=on")]},
        all_of(vm_stopped("bad", r"vcpu 0: instruction fetch of guest-physical 0xc0000000 at "
                                 r"rip 0xc0000000: outside its 16 MiB of memory"),
               lambda log: refuse(log, r"came back from a jump", "a return from the jump"),
               no_panic_and_end)),
}
