# SPDX-License-Identifier: GPL-2.0
"""The cpuid-msr guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403
import re


def grew(log, marker, name):
    """How much the row of exit reason name grew between the two tables before marker."""
    tables = exit_tables_before(log, marker)
    if len(tables) < 2:
        raise CheckFailed(f"expected two statistics tables before {marker!r}, got {len(tables)}")
    return tables[-1].get(name, 0) - tables[-2].get(name, 0)


def check_cpuid_exits(log):
    """The guest ran N CPUIDs between two statistics hypercalls: the CPUID row must grow by N."""
    expect(log, r"^cpuid: TEST invd: PASS$", "the guest going on after INVD")
    n = int(expect(log, r"^cpuid: cpuid-count (\d+)$", "the guest's CPUID count").group(1))
    g = grew(log, r"^cpuid: cpuid-count ", "CPUID")
    if g != n:
        raise CheckFailed(f"CPUID exits grew by {g} while the guest ran {n}")


def check_cache_power_exits(log):
    """WBINVD, MONITOR and MWAIT each exit once per execution (their rows grow by what the
    guest ran between two statistics tables); before they were intercepted they ran on the
    hardware and no row grew."""
    n = int(expect(log, r"^cpuid: cache-power-count (\d+)$", "the guest's count").group(1))
    for name in ("WBINVD", "MONITOR", "MWAIT"):
        g = grew(log, r"^cpuid: cache-power-count ", name)
        if g != n:
            raise CheckFailed(f"{name} exits grew by {g} while the guest ran {n}")


def check_spec_msrs(log):
    """Each speculation-control MSR #GPs exactly when CPUID does not promise it (the guest
    checks; this makes sure it ran)."""
    expect(log, r"^cpuid: spec-msrs: CPUID\.7\.0:EDX 0x[0-9a-f]{8}, CPUID\.80000008:EBX "
           r"0x[0-9a-f]{8}$", "the CPUID words the guest read")
    expect(log, r"^cpuid: TEST spec-msrs: PASS$", "the speculation MSRs matching CPUID")


TESTS = {
    "vm-cpuid-msr": ("bochs", 1, {"modules": [vm_line("cpuid-msr",
                                                      "vm=cpuid vcpus=1 mem=16M debug=on")]},
                     all_of(vm_passed("cpuid"), no_panic_and_end, check_cpuid_exits,
                            check_cache_power_exits, check_spec_msrs)),
}
