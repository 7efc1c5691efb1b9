# SPDX-License-Identifier: GPL-2.0
"""The mb1 guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_mb1(log):
    expect(log, r"^kestrel: vm mb1: multiboot1 kernel at 0x100000-", "a multiboot 1 kernel loaded")
    expect(log, r"^mb1: mb1: command line 'hello mb1'$", "its command line")
    expect(log, r"^mb1: mb1: module 'vm=mb1'$", "its module")


TESTS = {
    "vm-multiboot1": ("bochs", 1, {"modules": [
        vm_line("mb1", "vm=mb1 vcpus=1 mem=16M -- hello mb1"),
        vm_line("hello", "vm=mb1")]},
        all_of(vm_passed("mb1"), no_panic_and_end, check_mb1)),
}
