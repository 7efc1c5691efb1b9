# SPDX-License-Identifier: GPL-2.0
"""The uart-flood guest's system tests: a VM's console output costs its exit nothing much."""
from checks import *  # noqa: F401,F403

LINES = 60
LINES_FULL = 250  # 52 KiB: three times the VM's console buffer


def lines_whole(lines):
    """Every line the writer wrote is in the log once, whole, after its VM's prefix."""
    def check(log):
        got = re.findall(r"^flood: line (\d{4}) ([a-z]+)$", log, re.M)
        seen = sorted(int(n) for n, rest in got if len(rest) == 199 - 10)
        if seen != list(range(lines)):
            raise CheckFailed(f"{len(seen)} whole writer lines of {lines}")
        refuse(log, r"bytes dropped", "dropped output")
    return check


# One pCPU: the writer's lines and the victim's loop share it. Before the fix the '\n' OUT of a
# 199-character line wrote the line to COM1 inside the exit (Bochs models the baud rate: about
# 1,000 TSC ticks a character): 236,027 TSC ticks at worst (215,793 on average), and the victim
# was kept off the pCPU for up to 216,388. Now the exit appends the line to the VM's buffer
# (941) and the serial port takes it a FIFO's worth at a time between runs, never waited for:
# the victim's longest gap was 36,352 and 64,359 in two runs (two slices are 40,000).
TESTS = {
    "vm-uart-flood": ("bochs", 1, {"timeout": 200, "modules": [
        vm_line("uart-flood", f"vm=flood vcpus=1 mem=16M -- role=writer lines={LINES} "
                "max_exit=5000"),
        vm_line("uart-flood", "vm=victim vcpus=1 mem=16M -- role=victim spin_us=200000 "
                "max_gap=100000")]},
        all_of(vm_passed("flood"), vm_passed("victim"), no_panic_and_end, lines_whole(LINES))),
    # More than the buffer holds: LSR.THRE says "busy" while it is full, the writer polls (and
    # drains it, in its own time): nothing is lost, every line comes out whole.
    "vm-uart-flood-full": ("bochs", 1, {"timeout": 300, "modules": [
        vm_line("uart-flood", f"vm=flood vcpus=1 mem=16M -- role=writer lines={LINES_FULL} "
                "max_exit=5000"),
        vm_line("uart-flood", "vm=victim vcpus=1 mem=16M -- role=victim spin_us=200000 "
                "max_gap=100000")]},
        all_of(vm_passed("flood"), vm_passed("victim"), no_panic_and_end,
               lines_whole(LINES_FULL))),
}
