# SPDX-License-Identifier: GPL-2.0
"""The paging guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_paging(log):
    """Every CR3 load, rewrite and remap was seen right (the guest checks every read)."""
    m = expect(log, r"^pg: paging: (\d+) spaces of (\d+) pages, (\d+) rounds: \d+ TSC ticks, "
               r"(\d+) CR3 loads, (\d+) bad reads$", "the paging figures")
    if int(m.group(5)):
        raise CheckFailed(f"{m.group(5)} wrong or stale reads")
    m = expect(log, r"^pg: paging: rep stosq: (\d+) tables of 511 entries, (\d+) bad reads$",
               "the REP STOSQ figures")
    if int(m.group(1)) < 2 or int(m.group(2)):
        raise CheckFailed(f"REP STOSQ over {m.group(1)} tables: {m.group(2)} wrong or stale reads")
    m = expect(log, r"^pg: paging: a write across into a table: (\d+) bad reads$",
               "the page-crossing write's figures")
    if int(m.group(1)):
        raise CheckFailed(f"a write across into a table: {m.group(1)} wrong reads")


TESTS = {
    "vm-paging": ("bochs", 1, {"modules": [vm_line(
        "paging", "vm=pg vcpus=1 mem=32M debug=on -- rounds=20")]},
        all_of(vm_passed("pg"), no_panic_and_end, check_paging)),
    # On shadow page tables: each CR3 load, PTE write and INVLPG is the shadow's to follow.
    "vm-paging-shadow": ("bochs", 1, {"modules": [vm_line(
        "paging", "vm=pg vcpus=1 mem=32M debug=on ept=off -- rounds=20")]},
        all_of(vm_passed("pg"), no_panic_and_end, check_paging,
               lambda log: expect(log, r"vm pg: 1 vCPUs?, 32 MiB, shadow page tables"))),
}
