# SPDX-License-Identifier: GPL-2.0
"""The uart-input guest's system tests: what is typed at Kestrel's console reaches the VM with
the focus, by IRQ 4 through the I/O APIC and by polling; Ctrl-A three times moves the focus."""
from checks import *  # noqa: F401,F403

CTRL_A3 = b"\x01\x01\x01"
OVERFLOW = bytes(ord("a") + i % 26 for i in range(40))  # the guest's OVERFLOW_SENT


def console_row(name):
    """The 'console:' row of vm name's statistics table: (bytes received, dropped)."""
    def get(log):
        m = re.search(rf"^kestrel: vm {name}: exit statistics$(.*?)^  ept: ", log, re.M | re.S)
        if not m:
            raise CheckFailed(f"no statistics table for vm {name}")
        row = re.search(r"^  console: input bytes (\d+), dropped (\d+)", m.group(1), re.M)
        if not row:
            raise CheckFailed(f"no console row in vm {name}'s table")
        return int(row.group(1)), int(row.group(2))
    return get


def counted(name, received, dropped):
    def check(log):
        got = console_row(name)(log)
        if got != (received, dropped):
            raise CheckFailed(f"vm {name}: console input {got[0]} received, {got[1]} dropped; "
                              f"expected {received} and {dropped}")
    return check


def unmodelled(name, want):
    """vm name's statistics table lists exactly want as the unmodelled ports and MSRs touched."""
    def check(log):
        m = re.search(rf"^kestrel: vm {name}: exit statistics$(.*?)^  ept: ", log, re.M | re.S)
        if not m:
            raise CheckFailed(f"no statistics table for vm {name}")
        got = ", ".join(re.findall(r"^  unmodelled: (.*)$", m.group(1), re.M))
        if got != want:
            raise CheckFailed(f"vm {name}: unmodelled {got!r}, expected {want!r}")
    return check


def passes(name, tests):
    def check(log):
        for t in tests:
            expect(log, rf"^{name}: TEST {t}: PASS$", f"{name}: {t} passing")
    return check


# One VM: a line by interrupt (Kestrel's pCPU idles while the guest halts, and reads its port
# there), a line by polling, then 40 bytes nobody reads: 16 stay in the FIFO, 24 are dropped.
LINE1 = b"hello-kestrel\r"
LINE2 = b"polled-line\r"
ONE = [(r"^in: uart-input: ready for a line by interrupt$", LINE1),
       (r"^in: uart-input: ready for a line by polling$", LINE2),
       (r"^in: uart-input: ready for 40 bytes unread$", OVERFLOW)]

# Two VMs, the second with console=on: it has the focus first; Ctrl-A x3 moves it on to
# Kestrel (what is typed then goes nowhere), Ctrl-A x3 again to the first VM.
TWO = [(r"^kestrel: console input goes to vm b \(Ctrl-A three times: the next, Kestrel\)$",
        b""),
       (r"^b: uart-input: ready for a line by interrupt$", b"for-b\r"),
       (r"^b: uart-input: got 'for-b'", CTRL_A3),
       (r"^kestrel: console input goes to Kestrel", b"lost\r" + CTRL_A3),
       (r"^kestrel: console input goes to vm a ", b""),
       (r"^a: uart-input: ready for a line by interrupt$", b"for-a\r")]

TESTS = {
    "vm-uart-input": ("bochs", 1, {"timeout": 300, "typed": ONE, "modules": [
        vm_line("uart-input", "vm=in vcpus=1 mem=16M")]},
        all_of(vm_passed("in"), no_panic_and_end,
               passes("in", ("uart-input-no-com2", "uart-input-irq", "uart-input-polled",
                             "uart-input-overflow")),
               # COM2 read twice (rt_check reads again for its message), written once
               unmodelled("in", "in 0x2f9 x2, out 0x2fb x1"),
               counted("in", len(LINE1) + len(LINE2) + 16, len(OVERFLOW) - 16))),
    "vm-uart-input-focus": ("bochs", 1, {"timeout": 300, "typed": TWO, "modules": [
        vm_line("uart-input", "vm=a vcpus=1 mem=16M -- expect=for-a polled=0"),
        vm_line("uart-input", "vm=b vcpus=1 mem=16M console=on -- expect=for-b polled=0")]},
        all_of(vm_passed("a"), vm_passed("b"), no_panic_and_end,
               counted("a", 6, 0), counted("b", 6, 0))),
}
