# SPDX-License-Identifier: GPL-2.0
"""The ipi guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_ipi_modes(log):
    """Every destination shape ran in both APIC modes (the guest checks the counts)."""
    for mode in ("x2apic", "xapic"):
        for shape in ("phys", "logical", "logical-multicast", "all-but-self", "all", "self"):
            expect(log, rf"^ipi: TEST ipi-{shape}-{mode}: PASS$", f"ipi-{shape}-{mode} passing")


TESTS = {
    "vm-ipi": ("bochs", 2, {"modules": [vm_line("ipi", "vm=ipi vcpus=4 mem=16M -- cpus=4")]},
               all_of(vm_passed("ipi"), no_panic_and_end, check_ipi_modes)),
}
