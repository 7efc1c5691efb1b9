# SPDX-License-Identifier: GPL-2.0
"""The cr8 guest's system tests: a guest's CR8 is its own task priority, never the pCPU's."""
from checks import *  # noqa: F401,F403

# One pCPU. The attacker holds CR8 = 15 while it spins and ends so; then the victim sleeps in
# HLT on its timer. Were the value in the physical TPR, the idle pCPU would take no interrupt
# (no timer, no kick) and the victim would never wake: the run would end at the time-out.
TESTS = {
    "vm-cr8": ("bochs", 1, {"timeout": 120, "modules": [
        vm_line("cr8", "vm=attacker vcpus=1 mem=16M -- role=attacker spin_us=100000"),
        vm_line("cr8", "vm=victim vcpus=1 mem=16M -- role=victim sleeps=20 spin_us=100000")]},
        all_of(vm_passed("attacker"), vm_passed("victim"), no_panic_and_end)),
}
