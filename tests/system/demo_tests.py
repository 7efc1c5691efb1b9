# SPDX-License-Identifier: GPL-2.0
"""The `make run` demo guest (guest-sdk/examples/demo): two VMs, one without PV, end cleanly."""
import os

from checks import *  # noqa: F401,F403

DEMO = os.path.join(BUILD, "demo", "demo.elf")  # built by the top Makefile

TESTS = {
    "vm-demo": ("bochs", 2, {"modules": [
        ("/guests/demo.elf", DEMO, "vm=demo vcpus=4 mem=16M -- rounds=8"),
        ("/guests/demo.elf", DEMO, "vm=second vcpus=4 mem=16M pv=off -- rounds=8")]},
        all_of(vm_passed("demo"), vm_passed("second"), no_panic_and_end)),
}
