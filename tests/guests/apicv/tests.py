# SPDX-License-Identifier: GPL-2.0
"""The apicv guest's system tests: x2APIC EOI, TPR and SELF IPI behave as the architecture says
with APIC virtualization and without, and with it (Bochs's corei7_icelake_u has the controls)
the EOIs take no VM exit. SELF IPI writes exit either way (docs/design.md, "APIC
virtualization": Kestrel never leaves a virtual interrupt pending while the guest has
interrupts off)."""
from checks import *  # noqa: F401,F403
import re

# 4 batches of 64 EOIs and 64 self-IPIs (each with the runtime's EOI), and a few more.
OPS = 4 * 64


def wrmsr_exits(log):
    """The WRMSR exits of the VM's table (a row that is not there counts 0)."""
    tables = exit_tables_before(log, r"^kestrel: all VMs stopped$")
    if not tables:
        raise CheckFailed("no exit-statistics table")
    return tables[-1].get("WRMSR", 0)


def few_wrmsr_exits(log):
    """With APICv, the 2 * OPS EOIs stay in the guest: the OPS SELF IPI writes and a few more
    (the runtime's setup) exit, not the 3 * OPS WRMSRs the test makes."""
    expect(log, r"^kestrel: vmx: APICv used for x2APIC guests", "the APICv probe line")
    n = wrmsr_exits(log)
    if n >= OPS + OPS // 4:
        raise CheckFailed(f"{n} WRMSR exits: the EOI writes exit")


def every_wrmsr_exits(log):
    """apicv=off: every one of them exits (what the check above tells apart)."""
    n = wrmsr_exits(log)
    if n < 3 * OPS:
        raise CheckFailed(f"{n} WRMSR exits with apicv=off, expected at least {3 * OPS}")


TESTS = {
    "vm-apicv": ("bochs", 1, {"modules": [
        vm_line("apicv", "vm=av vcpus=1 mem=16M apicv=on -- expect_fast=1")]},
        all_of(vm_passed("av"), no_panic_and_end, few_wrmsr_exits)),
    "vm-apicv-off": ("bochs", 1, {"modules": [
        vm_line("apicv", "vm=av vcpus=1 mem=16M apicv=off")]},
        all_of(vm_passed("av"), no_panic_and_end, every_wrmsr_exits)),
}

# Passes without EPT (tests/system/run.py --passes): Kestrel never uses APICv on shadow page
# tables (docs/design.md, "APIC virtualization"), and penryn has none: EOIs exit there by design.
EPT_ONLY = {"vm-apicv": "checks that APICv keeps EOIs in the guest: no APICv on shadow paging"}
