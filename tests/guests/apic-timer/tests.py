# SPDX-License-Identifier: GPL-2.0
"""The apic-timer guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403
import re


def check_timer_modes(log):
    for t in ("oneshot", "periodic", "deadline", "deadline-past", "hlt", "percpu-oneshot",
              "percpu-deadline"):
        expect(log, rf"^timer: TEST apic-timer-{t}: PASS$", f"apic-timer-{t} passing")


# With three vCPUs on one pCPU, two of them spinning, a timer still comes within this many TSC
# ticks (Bochs: instructions) of its deadline: the vCPU it is for runs at the next exit.
OVERCOMMIT_TIMER_BOUND = 5000


def check_timer_latency(log):
    lates = [int(x) for x in re.findall(r"^timer: apic-timer: .*(?:late by|latest by|TSC ticks "
                                        r"late)\D*(-?\d+)", log, re.M)]
    lates += [int(x) for x in re.findall(r"^timer: apic-timer: woke from HLT (\d+) TSC ticks late",
                                         log, re.M)]
    if len(lates) < 8:
        raise CheckFailed(f"expected at least 8 timer figures, found {len(lates)}")
    if max(lates) > OVERCOMMIT_TIMER_BOUND:
        raise CheckFailed(f"a timer came {max(lates)} TSC ticks late under overcommit "
                          f"(bound {OVERCOMMIT_TIMER_BOUND})")


TESTS = {
    "vm-apic-timer": ("bochs", 2, {"modules": [vm_line("apic-timer",
                                                       "vm=timer vcpus=2 mem=16M -- cpus=2")]},
                      all_of(vm_passed("timer"), no_panic_and_end, check_timer_modes)),
    "vm-timer-overcommit": ("bochs", 1, {"modules": [
        vm_line("spin", "vm=spin vcpus=2 mem=16M -- cpus=2 rounds=2000000"),
        vm_line("apic-timer", "vm=timer vcpus=1 mem=16M")]},
        all_of(vm_passed("timer"), vm_passed("spin"), no_panic_and_end, check_timer_latency)),
}
