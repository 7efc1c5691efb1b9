# SPDX-License-Identifier: GPL-2.0
"""The spin guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403
import re


def check_moves(expected):
    """Three spinning vCPUs on two pCPUs: an idle pCPU takes a waiting vCPU (balance=off: never)."""
    def check(log):
        rows = re.findall(r"^  (\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$",
                          log, re.M)
        if len(rows) != 3:
            raise CheckFailed(f"expected 3 vCPU rows in the statistics, found {len(rows)}")
        moves = sum(int(r[2]) for r in rows)
        if expected and moves == 0:
            raise CheckFailed("no vCPU moved to the idle pCPU")
        if not expected and moves:
            raise CheckFailed(f"{moves} vCPU moves with balance=off")
    return check


TESTS = {
    "vm-overcommit": ("bochs", 2, {"modules": [vm_line("spin", "vm=spin vcpus=8 mem=16M -- "
                                                       "cpus=8 rounds=20000 locked=16")]},
                      all_of(vm_passed("spin"), no_panic_and_end)),
    "vm-balance": ("bochs", 2, {"modules": [vm_line("spin", "vm=spin vcpus=3 mem=16M -- cpus=3 "
                                                    "rounds=200000")]},
                   all_of(vm_passed("spin"), no_panic_and_end, check_moves(True))),
    "vm-balance-off": ("bochs", 2, {"cmdline": DEFAULT + " balance=off",
                                    "modules": [vm_line("spin", "vm=spin vcpus=3 mem=16M -- cpus=3 "
                                                        "rounds=200000")]},
                       all_of(vm_passed("spin"), no_panic_and_end, check_moves(False))),
}
