# SPDX-License-Identifier: GPL-2.0
"""The conformance guest's system tests: architectural rules a conformance suite checks."""
from checks import *  # noqa: F401,F403

TESTS = {
    # Every MSR a CPUID bit promises answers, every MSR of a hidden bit #GPs; IA32_MISC_ENABLE
    # keeps its writable bits per vCPU (limit-CPUID, XD disable shown in CPUID); the
    # machine-check banks IA32_MCG_CAP says. IA32_MCG_CAP #GPd while CPUID showed MCA, and
    # IA32_MISC_ENABLE dropped every write.
    "vm-conformance-msr": ("bochs", 2, {"modules": [
        vm_line("conformance", "vm=cmsr vcpus=2 mem=16M -- mode=msr,misc-enable,mca cpus=2")]},
        all_of(vm_passed("cmsr"), no_panic_and_end)),
    # The same on the model the Linux tests use (its leaf 1 and 7 differ from icelake_u's).
    "vm-conformance-msr-skylake": ("bochs", 1, {"model": "corei7_skylake_x", "modules": [
        vm_line("conformance", "vm=cmsr vcpus=1 mem=16M -- mode=msr,misc-enable,mca")]},
        all_of(vm_passed("cmsr"), no_panic_and_end)),
    # IA32_APIC_BASE: disabling clears CPUID.1:EDX.APIC and leaves the page all ones, the mode
    # transitions of SDM Vol. 3A, 12.12.5; the timer's count registers across one-shot,
    # periodic and TSC-deadline mode, re-arms and divide changes.
    "vm-conformance-apic": ("bochs", 1, {"modules": [
        vm_line("conformance", "vm=capic vcpus=1 mem=16M -- mode=apic-timer,apic-disable "
                "apic=xapic")]},
        all_of(vm_passed("capic"), no_panic_and_end)),
}

# The penryn pass (tests/system/run.py --passes) runs every test on core2_penryn_t9600; this one
# is about the Skylake-X model's own CPUID (vm-conformance-msr covers penryn's MSRs there).
SKIP = {"vm-conformance-msr-skylake": {"penryn": "pins corei7_skylake_x: its CPUID is the point"}}
