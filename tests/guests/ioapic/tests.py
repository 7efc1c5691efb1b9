# SPDX-License-Identifier: GPL-2.0
"""The ioapic guest's system test: the I/O APIC, the 8259 pair, the PIT's IRQ 0, the UART's IRQ 4."""
from checks import *  # noqa: F401,F403


def check_platform(log):
    for t in ("ioapic-registers", "pic-init", "ioapic-pit", "ioapic-uart-edge-level"):
        expect(log, rf"^irq: TEST {t}: PASS$", f"{t} passing")


TESTS = {
    "vm-ioapic": ("bochs", 1, {"modules": [vm_line("ioapic", "vm=irq vcpus=1 mem=16M")]},
                  all_of(vm_passed("irq"), no_panic_and_end, check_platform)),
}
