# SPDX-License-Identifier: GPL-2.0
"""The cpu-state guest's system tests: CPU state a hypervisor must keep as the SDM says."""
from checks import *  # noqa: F401,F403

TESTS = {
    # MOV to CR0 with PG, EFER.LME set and CR4.PAE clear (and NE, so it exits): #GP(0) in the
    # guest; accepted, it failed the next VM entry and stopped the VM ("VM entry failed").
    "vm-cr0-consistency": ("bochs", 1, {"modules": [
        vm_line("cpu-state", "vm=cr0 vcpus=2 mem=16M -- mode=cr0")]},
        all_of(vm_passed("cr0"), no_panic_and_end)),
    # INIT resets DR0-DR3 and DR6 and leaves MSRs alone (SDM Vol. 3A, table 10-1); DR0-DR3
    # used to keep what the AP wrote before its INIT.
    "vm-init-state": ("bochs", 2, {"modules": [
        vm_line("cpu-state", "vm=init vcpus=2 mem=16M -- mode=init cpus=2")]},
        all_of(vm_passed("init"), no_panic_and_end)),
    # Task switches in 32-bit protected mode: CALL to a TSS, IRET back (NT), JMP, INT through a
    # task gate and IRET back. They stopped
    # the VM before ("unhandled VM exit 9 (task switch)"); Kestrel does them now.
    "vm-task-switch": ("bochs", 1, {"modules": [
        vm_line("cpu-state", "vm=ts vcpus=2 mem=16M -- mode=task-switch")]},
        all_of(vm_passed("ts"), no_panic_and_end)),
    # An exit during interrupt delivery that also sends the vCPU an INIT: after the SIPI, the
    # interrupt whose delivery the exit cut short used to be delivered again, in real mode.
    "vm-vectoring-after-init": ("bochs", 2, {"modules": [
        vm_line("cpu-state", "vm=vec vcpus=2 mem=16M -- mode=vectoring cpus=2 apic=xapic")]},
        all_of(vm_passed("vec"), no_panic_and_end)),
}
