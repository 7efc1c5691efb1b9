# SPDX-License-Identifier: GPL-2.0
"""The cpuid-msr guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403
import re


def check_cpuid_exits(log):
    """The guest ran N CPUIDs between two statistics hypercalls: the CPUID row must grow by N."""
    expect(log, r"^cpuid: TEST invd: PASS$", "the guest going on after INVD")
    m = expect(log, r"^cpuid: cpuid-count (\d+)$", "the guest's CPUID count")
    n = int(m.group(1))
    rows = [int(x) for x in re.findall(r"^  CPUID\s+(\d+)\s", log, re.M)]
    if len(rows) < 2:
        raise CheckFailed(f"expected two statistics tables around the CPUID loop, got {len(rows)}")
    if rows[1] - rows[0] != n:
        raise CheckFailed(f"CPUID exits grew by {rows[1] - rows[0]} while the guest ran {n}")


TESTS = {
    "vm-cpuid-msr": ("bochs", 1, {"modules": [vm_line("cpuid-msr", "vm=cpuid vcpus=1 mem=16M debug=on")]},
                     all_of(vm_passed("cpuid"), no_panic_and_end, check_cpuid_exits)),
}
