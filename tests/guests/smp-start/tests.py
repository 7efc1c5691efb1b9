# SPDX-License-Identifier: GPL-2.0
"""The smp-start guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-smp-start": ("bochs", 2, {"modules": [vm_line("smp-start",
                                                      "vm=smp vcpus=4 mem=16M -- cpus=4")]},
                     all_of(vm_passed("smp"), no_panic_and_end)),
}
