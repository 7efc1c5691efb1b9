# SPDX-License-Identifier: GPL-2.0
"""The rtc-pci guest's system tests: the VM's CMOS RTC and PCI host bridge."""
from checks import *  # noqa: F401,F403


def check_rtc_pci(log):
    for t in ("rtc-time", "rtc-uip", "rtc-registers", "pci-host-bridge"):
        expect(log, rf"^rtc-pci: TEST {t}: PASS$", f"{t} passing")
    # The clock starts from the host's RTC, which Kestrel read at boot.
    host = expect(log, r"^kestrel: rtc: VMs' clocks start at (\d{4}-\d\d-\d\d) ",
                  "Kestrel's line for the host's RTC").group(1)
    expect(log, rf"^rtc-pci: rtc-pci: rtc {host} ", f"the VM's RTC on the host's date {host}")
    expect(log, r"^rtc-pci: rtc-pci: pci 00:00\.0 \[1b36:0008\] class 060000$",
           "Kestrel's host bridge")


TESTS = {
    "vm-rtc-pci": ("bochs", 1, {"modules": [vm_line("rtc-pci", "vm=rtc-pci mem=16M")]},
                   all_of(vm_passed("rtc-pci"), no_panic_and_end, check_rtc_pci)),
}
