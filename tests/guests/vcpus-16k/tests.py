# SPDX-License-Identifier: GPL-2.0
"""The vcpus-16k guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


TESTS = {
    "vm-16384-vcpus": ("bochs", 2, {"mem": 512, "modules": [
        vm_line("vcpus-16k", "vm=huge vcpus=16384 mem=16M")]},
        all_of(vm_passed("huge"), no_panic_and_end)),
}
