# SPDX-License-Identifier: GPL-2.0
"""The exit-costs guest's system tests: every operation `make bench` times works (the self-IPIs
and the ping-pong's IPIs all arrive); the figures themselves are the benchmark's business. And the
exit statistics: counts only by default, TSC ticks too with stats=timing."""
from checks import *  # noqa: F401,F403
import re

LINE = "vm=ec vcpus=3 mem=32M -- cpus=3 ops=16 batches=2"
ROW = r"^  CPUID\s+(\d+)\s+(\S+)\s+(\S+)$"


def check_counts_only(log):
    """Without stats=timing the CPUID row counts exits and shows no TSC figures."""
    m = expect(log, ROW, "the CPUID row of the exit statistics")
    if int(m.group(1)) < 32 or m.group(2) != "-" or m.group(3) != "-":
        raise CheckFailed(f"CPUID row {m.group(0).strip()!r}: expected 32 or more exits "
                          "and '-' for the TSC columns")


def check_timing(log):
    """With stats=timing the CPUID row has TSC ticks: a whole round trip in root mode, which is
    more than the handler (Bochs counts instructions: the path is over a hundred)."""
    m = expect(log, ROW, "the CPUID row of the exit statistics")
    if not m.group(2).isdigit() or int(m.group(3) if m.group(3).isdigit() else 0) < 100:
        raise CheckFailed(f"CPUID row {m.group(0).strip()!r}: expected TSC ticks per exit "
                          "of at least 100")
    expect(log, r"^  0\s+\d+\s+\d+\s+\d+\s+\d+\s+[1-9]\d*\s", "vCPU 0's guest TSC")


TESTS = {
    "vm-exit-costs": ("bochs", 1, {"modules": [vm_line("exit-costs", LINE)]},
                      all_of(vm_passed("ec"), no_panic_and_end, check_counts_only)),
    "vm-exit-stats-timing": ("bochs", 1, {"cmdline": DEFAULT + " stats=timing",
                                          "modules": [vm_line("exit-costs", LINE)]},
                             all_of(vm_passed("ec"), no_panic_and_end, check_timing)),
}
