# SPDX-License-Identifier: GPL-2.0
"""The timer-abuse guest's system tests: no vLAPIC timer setting can hold a pCPU."""
from checks import *  # noqa: F401,F403

# One pCPU: a masked (then an unmasked) periodic timer with a 1-count period beside a VM that
# computes. Before the fix, the masked timer's expiries kept the preemption timer at 0: every
# vCPU of the pCPU exited before its first instruction and the run ended at the time-out.
TESTS = {
    "vm-timer-abuse": ("bochs", 1, {"timeout": 120, "modules": [
        vm_line("timer-abuse", "vm=masked vcpus=1 mem=16M -- mode=masked spin_us=50000"),
        vm_line("timer-abuse", "vm=tiny vcpus=1 mem=16M -- mode=tiny spin_us=50000"),
        vm_line("spin", "vm=work vcpus=1 mem=16M -- rounds=300000 reports=3")]},
        all_of(vm_passed("masked"), vm_passed("tiny"), vm_passed("work"), no_panic_and_end)),
}
