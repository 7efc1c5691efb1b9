# SPDX-License-Identifier: GPL-2.0
"""The reset guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403

# A reset marks RAM for zeroing on first use and loads the kernel again: what the last parking
# vCPU does is bounded by the kernel's size, not the VM's. 512 MiB zeroed there took
# 537,432,265 TSC ticks in Bochs before (a memset of all of RAM); the bound is far below it.
RESET_MAX_TSC = 20_000_000


def check_resets(log):
    expect(log, r"^kestrel: vm reset: reset: vcpu 0 wrote 0x6 to port 0xcf9$", "the 0xcf9 reset")
    expect(log, r"^kestrel: vm reset: reset: vcpu 0 wrote 0xfe to port 0x64$", "the 0x64 reset")
    for boot in range(3):
        expect(log, rf"^reset: TEST reset-smp-{boot}: PASS$", f"both vCPUs up in boot {boot + 1}")
        expect(log, rf"^reset: TEST reset-ram-cleared-{boot}: PASS$",
               f"zeroed RAM, boot {boot + 1}")
        expect(log, rf"^reset: TEST reset-ram-zero-{boot}: PASS$",
               f"zeroed free pages, boot {boot + 1}")
    for boot in (1, 2):
        expect(log, rf"^reset: TEST reset-msrs-cleared-{boot}: PASS$",
               f"MSRs back to 0 in boot {boot + 1}")


def check_ap_resets(log):
    for boot in range(9):
        expect(log, rf"^reset: reset: boot number {boot + 1}$",
               f"vCPU 0 at the entry in boot {boot + 1}")


def check_reset_bounded(log):
    ticks = [int(x) for x in re.findall(r"^kestrel: vm reset: reset \d+ ready in (\d+) TSC ticks",
                                        log, re.M)]
    if len(ticks) != 2:
        raise CheckFailed(f"expected 2 'ready in' lines, found {len(ticks)}")
    if max(ticks) > RESET_MAX_TSC:
        raise CheckFailed(f"a reset took {max(ticks)} TSC ticks in the last parking vCPU "
                          f"(bound {RESET_MAX_TSC})")


TESTS = {
    "vm-reset": ("bochs", 2, {"modules": [vm_line("reset", "vm=reset vcpus=2 mem=16M -- cpus=2")]},
                 all_of(vm_passed("reset"), no_panic_and_end, check_resets)),
    # The AP resets the VM while vCPU 0 runs guest code: vCPU 0, powered on inside its own run
    # loop when it parked last, went on at its old RIP (in the reloaded image) and never again
    # reached the entry.
    "vm-reset-from-ap": ("bochs", 2, {"modules": [
        vm_line("reset", "vm=reset vcpus=2 mem=16M -- cpus=2 from=ap")]},
        all_of(vm_passed("reset"), no_panic_and_end, check_ap_resets)),
    "vm-reset-512m": ("bochs", 2, {"mem": 768, "timeout": 300, "modules": [
        vm_line("reset", "vm=reset vcpus=2 mem=512M -- cpus=2")]},
        all_of(vm_passed("reset"), no_panic_and_end, check_resets, check_reset_bounded)),
}
