# SPDX-License-Identifier: GPL-2.0
"""What every system test shares: where things are, the checks of a serial log, VM lines.

A test lives beside what it tests: each test guest's folder has a tests.py whose TESTS dict
names its tests (emulator, CPUs, options, check), and tests/system/*_tests.py hold the tests of
Kestrel itself. tests/system/run.py finds them all.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import boot  # noqa: E402,F401

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
ELF = os.path.join(BUILD, "kestrel.elf")
ISO = os.path.join(BUILD, "kestrel.iso")


class CheckFailed(Exception):
    pass


def expect(log, pattern, what=None):
    m = re.search(pattern, log, re.M)
    if not m:
        raise CheckFailed(f"expected {what or repr(pattern)}")
    return m


def refuse(log, pattern, what=None):
    m = re.search(pattern, log, re.M)
    if m:
        raise CheckFailed(f"unexpected {what or repr(pattern)}: {m.group(0)!r}")


def summary(log):
    m = expect(log, r"^kestrel: summary: cpus found (\d+), up (\d+), in VMX root (\d+)$",
               "the boot summary line")
    return tuple(int(x) for x in m.groups())


def check_clean(log):
    refuse(log, r"PANIC", "a panic")
    refuse(log, r"^kestrel: error:", "an error line")
    expect(log, r"^kestrel: halting$", "the final 'halting' line")


def check_cpus(log, n, root):
    """n CPUs found and up; root of them in VMX root; every CPU's timer on time."""
    found, up, in_root = summary(log)
    if (found, up, in_root) != (n, n, root):
        raise CheckFailed(f"summary says found {found}, up {up}, in VMX root {in_root}; "
                          f"expected {n}, {n}, {root}")
    for i in range(n):
        m = expect(log, rf"^kestrel: cpu {i}: timer: .* fired (-?\d+) TSC ticks after its deadline",
                   f"cpu {i}'s timer self-test")
        if int(m.group(1)) < 0:
            raise CheckFailed(f"cpu {i}'s one-shot timer fired early ({m.group(1)} ticks)")
        if root:
            expect(log, rf"^kestrel: cpu {i}: in VMX root", f"cpu {i} in VMX root")


def vm_passed(name):
    """A VM whose guest reported RESULT: PASS and ended through the debug-exit port with 0."""
    def check(log):
        refuse(log, rf"^{name}: TEST \S+: FAIL.*", f"a failed check in vm {name}")
        expect(log, rf"^{name}: RESULT: PASS$", f"vm {name}'s RESULT: PASS")
        expect(log, rf"^kestrel: vm {name}: stopped: vcpu \d+ wrote 0x0 to the debug-exit port "
               r"\(status 0\)$", f"vm {name} ending with status 0")
    return check


def vm_stopped(name, why):
    def check(log):
        expect(log, rf"^kestrel: vm {name}: stopped: {why}", f"vm {name} stopped: {why}")
    return check


def all_of(*checks):
    def check(log):
        for c in checks:
            c(log)
    return check


def check_tables_whole(log):
    """Each VM's exit-statistics table comes out in one piece: from its heading to its 'ept:'
    line every line is one of its own (indented), never another VM's or a log line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^kestrel: vm (\S+): exit statistics$", line)
        if not m:
            continue
        for j in range(i + 1, len(lines)):
            if lines[j].startswith("  ept: generation"):
                break
            if not lines[j].startswith("  "):
                raise CheckFailed(f"vm {m.group(1)}'s statistics table is broken by "
                                  f"{lines[j]!r}")
        else:
            raise CheckFailed(f"vm {m.group(1)}'s statistics table has no end")


def no_panic_and_end(log):
    check_tables_whole(log)
    refuse(log, r"PANIC", "a panic")
    expect(log, r"^kestrel: all VMs stopped$", "every VM stopped")
    expect(log, r"^kestrel: halting$", "the final 'halting' line")


def guest(name):
    return os.path.join(ROOT, "tests", "guests", "build", name + ".elf")


def vm_line(g, words, n=[0]):
    n[0] += 1
    return (f"/guests/{n[0]}-{g}.elf", guest(g), words)


def stats_vcpu0_exits(log):
    """vCPU 0's exit count in each exit-statistics table, in order."""
    return [int(x) for x in re.findall(r"^  0\s+\d+\s+\d+\s+(\d+)\s", log, re.M)]


def stats_vcpu0_steal(log, vm):
    """vCPU 0's steal TSC (runnable, not running) in vm's exit-statistics table."""
    m = re.search(rf"^kestrel: vm {re.escape(vm)}: exit statistics$(.*?)^  0\s+\d+\s+\d+\s+\d+"
                  r"\s+\d+\s+(?:\d+|-)\s+(\d+)\s", log, re.M | re.S)
    if not m:
        raise CheckFailed(f"no statistics row for vm {vm}'s vCPU 0")
    return int(m.group(2))


def stats_vcpu0_reasons(log):
    """vCPU 0's exits by reason in each exit-statistics table, in order: dicts of reason ->
    count (a reason absent counts 0)."""
    tables = []
    for line in re.findall(r"^  vcpu 0 exits by reason: (.*)$", log, re.M):
        t = {}
        if line != "none":
            for item in line.split(", "):
                name, n = item.rsplit(" ", 1)
                t[name] = int(n)
        tables.append(t)
    return tables


DEFAULT = "console=com1,vga loglevel=info"


def exit_tables_before(log, marker):
    """The exit-statistics tables printed before the first line matching marker, oldest first,
    each a dict of exit reason -> count (a reason absent from a table counts 0)."""
    tables, current = [], None
    for line in log.splitlines():
        if re.match(marker, line):
            break
        if re.match(r"^kestrel: vm \S+: exit statistics$", line):
            current = {}
            tables.append(current)
            continue
        m = re.match(r"^  (\S.*?)\s+(\d+)\s+(?:\d+|-)\s+(?:\d+|-)$", line)
        if current is not None and m and m.group(1) not in ("exit reason", "total"):
            current[m.group(1)] = int(m.group(2))
    return tables
