# SPDX-License-Identifier: GPL-2.0
"""The exit-costs guest's system test: every operation `make bench` times works (the self-IPIs
and the ping-pong's IPIs all arrive); the figures themselves are the benchmark's business."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-exit-costs": ("bochs", 1, {"modules": [vm_line(
        "exit-costs", "vm=ec vcpus=3 mem=32M -- cpus=3 ops=16 batches=2")]},
        all_of(vm_passed("ec"), no_panic_and_end)),
}
