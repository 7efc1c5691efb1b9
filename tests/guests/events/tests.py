# SPDX-License-Identifier: GPL-2.0
"""The events guest's system tests: faults, single-step traps and NMIs as the SDM delivers them
around the instructions and events Kestrel emulates."""
from checks import *  # noqa: F401,F403


def passed(vm, *tests):
    """Each named test ran and passed (a SKIP is not enough here)."""
    def check(log):
        for t in tests:
            expect(log, rf"^{vm}: TEST {t}: PASS$", f"{t} passing")
    return check


RF_TESTS = ("rf-ud2", "rf-noncanonical", "rf-rdmsr", "rf-wrmsr", "rf-vmxoff",
            "rf-cleared-after-exit", "rf-cleared-after-mmio")
STEP_TESTS = ("step-cpuid", "step-rdmsr", "step-rdmsr-gp", "step-out", "step-vmcall",
              "step-hlt", "step-self-ipi", "step-mov-ss-cpuid", "step-sti-cpuid")
NMI_TESTS = ("nmi-back-to-back", "nmi-one-in-service")

TESTS = {
    # A fault Kestrel injects (#GP for RDMSR/WRMSR of an unknown MSR, #UD for VMXOFF) pushes
    # RFLAGS with RF set, as one the processor raises does (SDM Vol. 3B, 18.3.1.1); an emulated
    # instruction clears RF when it completes. VM entry sets neither by itself: RF was 0.
    "vm-events-rf": ("bochs", 1, {"modules": [
        vm_line("events", "vm=rf vcpus=1 mem=16M -- mode=rf apic=xapic")]},
        all_of(vm_passed("rf"), passed("rf", *RF_TESTS), no_panic_and_end)),
    # TF set and an instruction Kestrel emulates: one single-step #DB, right after it, with
    # DR6.BS; after HLT, when the timer wakes it, before the interrupt. The #DB used to come one
    # instruction late (after HLT: after the timer's handler).
    "vm-events-step": ("bochs", 1, {"modules": [
        vm_line("events", "vm=step vcpus=1 mem=16M -- mode=step")]},
        all_of(vm_passed("step"), passed("step", *STEP_TESTS), no_panic_and_end)),
    # The same with the xAPIC: the self-IPI goes through the ICR, an emulated MMIO write.
    "vm-events-step-xapic": ("bochs", 1, {"modules": [
        vm_line("events", "vm=step vcpus=1 mem=16M -- mode=step apic=xapic")]},
        all_of(vm_passed("step"), passed("step", *STEP_TESTS), no_panic_and_end)),
    # A #GP raised while a #GP is delivered is a #DF (SDM Vol. 3A, 7.15, table 7-5): Kestrel
    # intercepts no exception and leaves the combining to the processor; this holds it so.
    "vm-events-df": ("bochs", 1, {"modules": [
        vm_line("events", "vm=df vcpus=1 mem=16M -- mode=df")]},
        all_of(vm_passed("df"), passed("df", "df-gp-during-gp"), no_panic_and_end)),
    # Two NMIs sent back to back are two deliveries; with one in service, two more are one
    # (SDM Vol. 3A, 7.7.1). With both vCPUs on one pCPU the pair used to merge into one NMI.
    "vm-events-nmi": ("bochs", 1, {"modules": [
        vm_line("events", "vm=nmi vcpus=2 mem=16M -- mode=nmi cpus=2")]},
        all_of(vm_passed("nmi"), passed("nmi", *NMI_TESTS), no_panic_and_end)),
    "vm-events-nmi-smp": ("bochs", 2, {"modules": [
        vm_line("events", "vm=nmi vcpus=2 mem=16M -- mode=nmi cpus=2")]},
        all_of(vm_passed("nmi"), passed("nmi", *NMI_TESTS), no_panic_and_end)),
}
