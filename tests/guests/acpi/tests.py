# SPDX-License-Identifier: GPL-2.0
"""The acpi guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-acpi": ("bochs", 1, {"modules": [vm_line("acpi", "vm=acpi vcpus=300 mem=16M")]},
                all_of(vm_passed("acpi"), no_panic_and_end,
                       lambda log: expect(log, r"^acpi: TEST acpi-mcfg-ecam: PASS$", "ECAM"))),
}
