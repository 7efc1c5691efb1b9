# SPDX-License-Identifier: GPL-2.0
"""The real-mode guest's system tests: exceptions injected into real-mode code."""
from checks import *  # noqa: F401,F403

# A #GP injected with an error code into real-mode code fails VM entry (the VM is stopped with
# "VM entry failed"); delivered as real mode does, the AP's handler runs and the AP goes on.
TESTS = {
    "vm-real-mode-gp": ("bochs", 1, {"modules": [
        vm_line("real-mode", "vm=rm vcpus=2 mem=16M")]},
        all_of(vm_passed("rm"), no_panic_and_end)),
}
