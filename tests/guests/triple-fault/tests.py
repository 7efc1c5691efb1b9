# SPDX-License-Identifier: GPL-2.0
"""The triple-fault guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_no_room(log):
    expect(log, r"^kestrel: error: vm huge: not started: no room for 4096 MiB of RAM \(\d+ MiB "
           r"free\)$", "the VM that does not fit named")


def check_bad_vm_line(log):
    expect(log, r"^kestrel: error: vm bad: vcpus=0: must be 1 to 16384; not started$",
           "the bad line named")


TESTS = {
    "vm-misbehaving": ("bochs", 2, {"modules": [
        vm_line("spin", "vm=good vcpus=2 mem=16M -- cpus=2 rounds=20000"),
        vm_line("triple-fault", "vm=crash vcpus=2 mem=16M -- cpus=2"),
        vm_line("bad-memory", "vm=wild vcpus=1 mem=16M strict_mmio=on -- expect=stop"),
        vm_line("hello", "vm=bad vcpus=0 mem=16M"),
        vm_line("hello", "vm=huge vcpus=1 mem=4G")]},
        all_of(vm_passed("good"), no_panic_and_end,
               vm_stopped("crash", r"vcpu 0 triple-faulted at rip 0x"),
               vm_stopped("wild", r"vcpu 0: read of guest-physical 0x7fff0000 at rip 0x[0-9a-f]+: "
                                  r"outside its 16 MiB of memory"),
               check_bad_vm_line, check_no_room)),
}
