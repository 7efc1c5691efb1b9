# SPDX-License-Identifier: GPL-2.0
"""The tsc guest's system tests: the guest's own TSC, moved by IA32_TSC and IA32_TSC_ADJUST."""
from checks import *  # noqa: F401,F403


def check_tsc_tests(log):
    for t in ("moves", "per-cpu", "deadline"):
        expect(log, rf"^tsc: TEST tsc-adjust-{t}: PASS$", f"tsc-adjust-{t} passing (not skipped)")


# Two vCPUs on one pCPU: CPU 1 runs while CPU 0's TSC is moved, and must not see it.
TESTS = {
    "vm-tsc-adjust": ("bochs", 1, {"modules": [vm_line("tsc", "vm=tsc vcpus=2 mem=16M -- cpus=2")]},
                      all_of(vm_passed("tsc"), no_panic_and_end, check_tsc_tests)),
}

# core2_penryn_t9600's CPUID offers no IA32_TSC_ADJUST: the guest skips the check this test needs.
SKIP = {"vm-tsc-adjust": {"penryn": "penryn's CPUID offers no IA32_TSC_ADJUST"}}
