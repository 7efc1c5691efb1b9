# SPDX-License-Identifier: GPL-2.0
"""The ioapic guest's system test: the I/O APIC, the 8259 pair, the PIT's IRQ 0, the UART's IRQ 4."""
from checks import *  # noqa: F401,F403
import re


def check_platform(log):
    for t in ("ioapic-registers", "pic-init", "ioapic-pit", "ioapic-uart-edge-level"):
        expect(log, rf"^irq: TEST {t}: PASS$", f"{t} passing")


def check_level_eoi_path(log):
    """With APICv (x2APIC guest, apicv=on) the level-triggered UART vector's EOIs reach the I/O
    APIC through EOI-induced exits, one per level interrupt (3 or more); without it through
    WRMSR exits, and none is EOI-induced."""
    tables = exit_tables_before(log, r"^kestrel: all VMs stopped$")
    if not tables:
        raise CheckFailed("no exit-statistics table")
    n = tables[-1].get("EOI induced", 0)
    apicv = (re.search(r"^kestrel: vmx: APICv used", log, re.M) and
             re.search(r"^kestrel: vm irq: .*, apicv on$", log, re.M))
    if apicv and n < 3:
        raise CheckFailed(f"{n} EOI-induced exits with APICv: the level EOIs went elsewhere")
    if not apicv and n:
        raise CheckFailed(f"{n} EOI-induced exits without APICv")


TESTS = {
    "vm-ioapic": ("bochs", 1, {"modules": [
        vm_line("ioapic", "vm=irq vcpus=1 mem=16M apicv=off")]},
                  all_of(vm_passed("irq"), no_panic_and_end, check_platform,
                         check_level_eoi_path)),
    "vm-ioapic-apicv": ("bochs", 1, {"modules": [
        vm_line("ioapic", "vm=irq vcpus=1 mem=16M apicv=on")]},
                        all_of(vm_passed("irq"), no_panic_and_end, check_platform,
                               check_level_eoi_path)),
}

# Passes without EPT (tests/system/run.py --passes): no APICv on shadow page tables.
EPT_ONLY = {"vm-ioapic-apicv": "counts APICv's EOI-induced exits: no APICv on shadow paging"}
