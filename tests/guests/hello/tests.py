# SPDX-License-Identifier: GPL-2.0
"""The hello guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-hello": ("bochs", 2, {"modules": [vm_line("hello", "vm=hello vcpus=2 mem=16M -- cpus=2")]},
                 all_of(vm_passed("hello"), no_panic_and_end)),
}

# On shadow page tables (ept=off): the AP starts in real mode, run as virtual-8086 mode.
TESTS["vm-hello-shadow"] = (
    "bochs", 2, {"modules": [vm_line("hello", "vm=hello vcpus=2 mem=16M ept=off -- cpus=2")]},
    all_of(vm_passed("hello"), no_panic_and_end,
           lambda log: expect(log, r"vm hello: 2 vCPUs, 16 MiB, shadow page tables"),
           lambda log: expect(log, r"hello: 2 cpus up")))
