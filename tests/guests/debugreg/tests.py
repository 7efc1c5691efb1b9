# SPDX-License-Identifier: GPL-2.0
"""The debugreg guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-debug-registers": ("bochs", 1, {"modules": [
        vm_line("debugreg", "vm=dra vcpus=1 mem=16M -- seed=0xaaaa"),
        vm_line("debugreg", "vm=drb vcpus=1 mem=16M -- seed=0xbbbb")]},
        all_of(vm_passed("dra"), vm_passed("drb"), no_panic_and_end)),
}
