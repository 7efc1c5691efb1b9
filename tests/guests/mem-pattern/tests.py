# SPDX-License-Identifier: GPL-2.0
"""The mem-pattern guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-private-memory": ("bochs", 2, {"modules": [
        vm_line("mem-pattern", "vm=left vcpus=1 mem=16M -- seed=0x1111"),
        vm_line("mem-pattern", "vm=right vcpus=1 mem=16M -- seed=0x2222")]},
        all_of(vm_passed("left"), vm_passed("right"), no_panic_and_end)),
}
