# SPDX-License-Identifier: GPL-2.0
"""The real-mode guest's system tests: exceptions injected into real-mode code."""
from checks import *  # noqa: F401,F403

# A #GP injected with an error code into real-mode code fails VM entry (the VM is stopped with
# "VM entry failed"); delivered as real mode does, the AP's handler runs and the AP goes on.
TESTS = {
    "vm-real-mode-gp": ("bochs", 1, {"modules": [
        vm_line("real-mode", "vm=rm vcpus=2 mem=16M")]},
        all_of(vm_passed("rm"), no_panic_and_end)),
    # vCPUs 1 and 3 on pCPU 1: an NMI and an INIT sent to vCPU 1 while Kestrel prints the
    # statistics table vCPU 3 asked for reach its requests together. The INIT must drop the NMI
    # (before the fix it was injected at the first instruction after the SIPI).
    "vm-init-drops-nmi": ("bochs", 2, {"cmdline": DEFAULT + " balance=off", "modules": [
        vm_line("real-mode", "vm=rm vcpus=4 mem=16M debug=on -- cpus=4")]},
        all_of(vm_passed("rm"), no_panic_and_end,
               lambda log: expect(log, r"^rm: TEST real-mode-init-nmi: PASS$",
                                  "real-mode-init-nmi passing"))),
}
