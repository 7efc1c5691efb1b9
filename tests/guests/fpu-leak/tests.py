# SPDX-License-Identifier: GPL-2.0
"""The fpu-leak guest's system tests: no FPU/SSE state crosses from one VM to another."""
from checks import *  # noqa: F401,F403

# Two pCPUs: the writer's vCPU lands on pCPU 0, the reader's vCPU 0 on pCPU 1 and its AP on
# pCPU 0 (the least loaded, lowest first), so the AP's first run follows the writer's there.
TESTS = {
    "vm-fpu-isolation": ("bochs", 2, {"cmdline": DEFAULT + " balance=off", "modules": [
        vm_line("fpu-leak", "vm=writer vcpus=1 mem=16M -- role=writer spin_us=100000"),
        vm_line("fpu-leak", "vm=reader vcpus=2 mem=16M -- cpus=2 role=reader spin_us=100000")]},
        all_of(vm_passed("writer"), vm_passed("reader"), no_panic_and_end)),
}
