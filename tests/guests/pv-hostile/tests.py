# SPDX-License-Identifier: GPL-2.0
"""The pv-hostile guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_pv_hostile(log):
    for t in ("detect", "unknown-nr", "shared-area", "ipi", "nmi-apic", "flush", "debug-stats",
              "registers", "cpl3"):
        expect(log, rf"^hostile: TEST pv-hostile-{t}: PASS$", f"pv-hostile-{t} passing")
    for t in ("pv-off", "cpl3"):
        expect(log, rf"^nopv: TEST pv-hostile-{t}: PASS$", f"pv=off: pv-hostile-{t} passing")


TESTS = {
    "vm-pv-hostile": ("bochs", 2, {"modules": [
        vm_line("pv-hostile", "vm=hostile vcpus=70 mem=16M debug=on -- cpus=70"),
        vm_line("pv-hostile", "vm=nodebug vcpus=1 mem=16M -- cpus=1 debug=off"),
        vm_line("pv-hostile", "vm=nopv vcpus=2 mem=16M pv=off -- cpus=2 pv=off")]},
        all_of(vm_passed("hostile"), vm_passed("nopv"), vm_passed("nodebug"), no_panic_and_end,
               check_pv_hostile)),
}
