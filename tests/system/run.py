#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kestrel's system tests: boot the ISO in Bochs and QEMU and check what the serial log says.

Each test boots once and runs its checks on the console text; a check that
fails names what it expected. Two emulators run at a time (Bochs uses one host
thread each). Logs of failed tests are kept in build/test-logs/NAME/.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import boot  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import screen  # noqa: E402

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


def check_vmx_boot(n):
    def check(log):
        check_clean(log)
        check_cpus(log, n, n)
        expect(log, r"^kestrel: vmx: EPT yes .*VPID yes, unrestricted guest yes", "EPT/VPID/UG")
        expect(log, r"^kestrel: vmx: preemption timer yes", "the preemption timer")
    return check


def check_no_vmx(n):
    """A CPU without VMX: every CPU up, none in VMX root, the reason and what to do instead."""
    def check(log):
        refuse(log, r"PANIC", "a panic")
        check_cpus(log, n, 0)
        expect(log, r"^kestrel: error: no VMX: the CPU does not report VMX", "the no-VMX reason")
        expect(log, r"make run.*-enable-kvm -cpu host,\+vmx", "what to do instead")
        expect(log, r"^kestrel: halting$", "a clean halt")
    return check


def check_qemu(n):
    """QEMU runs with KVM only where the host gives nested VMX (boot.qemu_accel): then Kestrel
    must reach VMX root on every CPU; under TCG it must say that VMX is missing."""
    def check(log):
        if boot.qemu_accel()[0] == "kvm":
            refuse(log, r"PANIC", "a panic")
            check_cpus(log, n, n)
            return
        check_no_vmx(n)(log)
    return check


def check_amd(log):
    check_no_vmx(1)(log)
    expect(log, r"it is an AMD CPU, and Kestrel does not support AMD SVM", "the AMD hint")
    refuse(log, r"^kestrel: vmx:", "VMX capability lines on a CPU without VMX")


def check_no_ept(log):
    refuse(log, r"PANIC", "a panic")
    expect(log, r"^kestrel: error: vm hello: not started: this CPU lacks EPT \(shadow paging "
           r"is not written yet\)$", "the reason the VM cannot start")
    expect(log, r"^kestrel: halting$", "the final 'halting' line")
    check_cpus(log, 1, 1)
    expect(log, r"^kestrel: vmx: EPT no .*VPID no", "EPT and VPID reported absent")
    expect(log, r"^kestrel: vmx: preemption timer no", "no preemption timer reported")


def check_bad_cmdline(log):
    expect(log, r"^kestrel: warning: command line: 'bogus=1': unknown option \(ignored\)$",
           "a warning naming 'bogus=1'")
    expect(log, r"^kestrel: warning: command line: 'maxcpus=zero': maxcpus must be", 
           "a warning naming 'maxcpus=zero'")
    expect(log, r"^kestrel: warning: command line: 'loglevel=loud': loglevel must be",
           "a warning naming 'loglevel=loud'")
    refuse(log, r"PANIC", "a panic")
    check_cpus(log, 2, 2)


def check_panic(log):
    """An exception in the hypervisor: the reason, the CPU, the registers, every CPU stopped."""
    expect(log, r"^kestrel: PANIC on cpu 0: #UD invalid opcode in the hypervisor$", "the reason")
    expect(log, r"^  vector 6 error 0x0  rip [0-9a-f]{16}", "the trap frame")
    expect(log, r"^  rax [0-9a-f]{16}  rbx [0-9a-f]{16}", "the registers")
    expect(log, r"^kestrel: halted$", "the final 'halted' line")
    refuse(log, r"^kestrel: halting$", "a normal end after the panic")


def check_maxcpus(log):
    check_clean(log)
    found, up, root = summary(log)
    if (found, up, root) != (2, 1, 1):
        raise CheckFailed(f"maxcpus=1 on 2 CPUs: summary {found}/{up}/{root}, expected 2/1/1")


def check_modules(log):
    refuse(log, r"PANIC", "a panic")
    expect(log, r"^kestrel: error: vm demo: not started: module 0: not a multiboot kernel",
           "the not-a-kernel message")
    expect(log, r"^kestrel: halting$", "the final 'halting' line")
    expect(log, r"^kestrel: modules: 2$", "two modules")
    expect(log, r"^kestrel:   module 0: 0x[0-9a-f]+-0x[0-9a-f]+ \(\d+ KiB\) vm=demo vcpus=2 -- x=1$",
           "module 0 with its command line")
    expect(log, r"^kestrel:   module 1: .* vm=demo$", "module 1 with its command line")
    expect(log, r"^kestrel: debug:   0000000000000000-[0-9a-f]+ available$",
           "the memory map at loglevel=debug")


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


def check_ipi_modes(log):
    """Every destination shape ran in both APIC modes (the guest checks the counts)."""
    for mode in ("x2apic", "xapic"):
        for shape in ("phys", "logical", "logical-multicast", "all-but-self", "all", "self"):
            expect(log, rf"^ipi: TEST ipi-{shape}-{mode}: PASS$", f"ipi-{shape}-{mode} passing")


def check_resets(log):
    expect(log, r"^kestrel: vm reset: reset: vcpu 0 wrote 0x6 to port 0xcf9$", "the 0xcf9 reset")
    expect(log, r"^kestrel: vm reset: reset: vcpu 0 wrote 0xfe to port 0x64$", "the 0x64 reset")
    for boot in range(3):
        expect(log, rf"^reset: TEST reset-smp-{boot}: PASS$", f"both vCPUs up in boot {boot + 1}")
        expect(log, rf"^reset: TEST reset-ram-cleared-{boot}: PASS$", f"zeroed RAM, boot {boot + 1}")


def check_cpuid_exits(log):
    """The guest ran N CPUIDs between two statistics hypercalls: the CPUID row must grow by N."""
    expect(log, r"^cpuid: TEST invd: PASS$", "the guest going on after INVD")
    m = expect(log, r"^cpuid: cpuid-count (\d+)$", "the guest's CPUID count")
    n = int(m.group(1))
    rows = [int(x) for x in re.findall(r"^  CPUID\s+(\d+)\s", log, re.M)]
    if len(rows) < 2:
        raise CheckFailed(f"expected two statistics tables around the CPUID loop, got {len(rows)}")
    if rows[1] - rows[0] != n:
        raise CheckFailed(f"CPUID exits grew by {rows[1] - rows[0]} while the guest ran {n}")


def check_timer_modes(log):
    for t in ("oneshot", "periodic", "deadline", "deadline-past", "hlt", "percpu-oneshot",
              "percpu-deadline"):
        expect(log, rf"^timer: TEST apic-timer-{t}: PASS$", f"apic-timer-{t} passing")


# With three vCPUs on one pCPU, two of them spinning, a timer still comes within this many TSC
# ticks (Bochs: instructions) of its deadline: the vCPU it is for runs at the next exit.
OVERCOMMIT_TIMER_BOUND = 5000


def check_timer_latency(log):
    lates = [int(x) for x in re.findall(r"^timer: apic-timer: .*(?:late by|latest by|TSC ticks "
                                        r"late)\D*(-?\d+)", log, re.M)]
    lates += [int(x) for x in re.findall(r"^timer: apic-timer: woke from HLT (\d+) TSC ticks late",
                                         log, re.M)]
    if len(lates) < 8:
        raise CheckFailed(f"expected at least 8 timer figures, found {len(lates)}")
    if max(lates) > OVERCOMMIT_TIMER_BOUND:
        raise CheckFailed(f"a timer came {max(lates)} TSC ticks late under overcommit "
                          f"(bound {OVERCOMMIT_TIMER_BOUND})")


def check_mb1(log):
    expect(log, r"^kestrel: vm mb1: multiboot1 kernel at 0x100000-", "a multiboot 1 kernel loaded")
    expect(log, r"^mb1: mb1: command line 'hello mb1'$", "its command line")
    expect(log, r"^mb1: mb1: module 'vm=mb1'$", "its module")


def check_no_room(log):
    expect(log, r"^kestrel: error: vm huge: not started: no room for 4096 MiB of RAM \(\d+ MiB "
           r"free\)$", "the VM that does not fit named")


def check_moves(expected):
    """Three spinning vCPUs on two pCPUs: an idle pCPU takes a waiting vCPU (balance=off: never)."""
    def check(log):
        rows = re.findall(r"^  (\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$",
                          log, re.M)
        if len(rows) != 3:
            raise CheckFailed(f"expected 3 vCPU rows in the statistics, found {len(rows)}")
        moves = sum(int(r[2]) for r in rows)
        if expected and moves == 0:
            raise CheckFailed("no vCPU moved to the idle pCPU")
        if not expected and moves:
            raise CheckFailed(f"{moves} vCPU moves with balance=off")
    return check


def check_bad_vm_line(log):
    expect(log, r"^kestrel: error: vm bad: vcpus=0: must be 1 to 16384; not started$",
           "the bad line named")


def check_ept_stats(log):
    """4 rounds of each way; every obsolete tree freed by the end; RAM re-faulted on demand."""
    m = expect(log, r"^  ept: generation (\d+), invalidations by generation (\d+) and by walking "
               r"(\d+), re-faults (\d+), tables freed (\d+), obsolete trees (\d+)$",
               "the EPT statistics line")
    gen, by_gen, by_walk, faults, freed, obsolete = (int(x) for x in m.groups())
    if (by_gen, by_walk, gen) != (4, 4, 5):
        raise CheckFailed(f"expected 4 + 4 invalidations and generation 5, got {m.group(0)!r}")
    if obsolete != 0 or freed < 4:
        raise CheckFailed(f"obsolete trees not all freed: {m.group(0)!r}")
    if faults == 0:
        raise CheckFailed("no re-faults after invalidations")


def stats_vcpu0_exits(log):
    """vCPU 0's exit count in each exit-statistics table, in order."""
    return [int(x) for x in re.findall(r"^  0\s+\d+\s+\d+\s+(\d+)\s", log, re.M)]


def check_pv_flush(modes):
    """Each mode's shootdowns left no stale translation (the guest checks; the lines must be there)."""
    def check(log):
        for mode in modes:
            expect(log, rf"^fl: TEST pv-flush-{mode}: PASS$", f"pv-flush-{mode} passing")
            m = expect(log, rf"^fl: pv-flush: mode {mode} +\d+ rounds, \d+ targets: (\d+) "
                       r"TSC/shootdown \(slowest \d+\), stale reads (\d+)",
                       f"mode {mode}'s figures")
            if int(m.group(2)):
                raise CheckFailed(f"mode {mode}: {m.group(2)} stale reads")
    return check


def check_stale_seen(log):
    """mode=none expect=stale: Bochs kept X's old translation while the target stayed in guest
    mode, so the detector does see stale TLB entries."""
    m = expect(log, r"^fl: pv-flush: mode none .* stale reads (\d+) \(before the remap (\d+)\)",
               "mode none's figures")
    if int(m.group(1)) + int(m.group(2)) == 0:
        raise CheckFailed("no stale read without any flush: the detector sees nothing")


def check_skip_flush(log):
    """inject=skip-flush: a PV flush forgets every target but the caller (no kick, no INVVPID).
    The targets stay in guest mode on their own pCPUs, keep X's old translation, and the
    detector must report the stale reads as a failure: proof that the test can fail."""
    expect(log, r"^kestrel: warning: fault injection: PV TLB flushes skip every target but the "
           r"caller$", "the fault-injection warning")
    m = expect(log, r"^fl: pv-flush: mode pv .* stale reads (\d+) \(before the remap (\d+)\)",
               "mode pv's figures")
    if int(m.group(1)) + int(m.group(2)) == 0:
        raise CheckFailed("the flush was skipped but no stale read was seen")
    expect(log, r"^fl:   check failed: \d+ stale reads", "the detector's stale-read check failing")
    expect(log, r"^fl: TEST pv-flush-pv: FAIL", "the detector's FAIL")
    expect(log, r"^fl: RESULT: FAIL", "the guest reporting failure")
    expect(log, r"^kestrel: vm fl: stopped: vcpu 0 wrote 0x1 to the debug-exit port",
           "the VM ending with status 1")


def check_pv_ipi(log):
    """Every shape passed both ways; CPU 0 made about one exit per PV call and at least one per
    ICR write (vCPU 0's row in the tables around each phase)."""
    for way in ("pv", "plain"):
        for shape in ("one", "self", "all", "all-but-self", "sparse-37", "two-banks",
                      "many-banks", "nmi-sparse"):
            expect(log, rf"^pv: TEST pv-ipi-{way}-{shape}: PASS$", f"pv-ipi-{way}-{shape}")
    sends = {}
    for way in ("pv", "plain"):
        m = expect(log, rf"^pv: pv-ipi: phase {way}: (\d+) sending exits .* for (\d+) targets",
                   f"phase {way}'s totals")
        sends[way] = int(m.group(1))
    rows = stats_vcpu0_exits(log)
    if len(rows) < 4:
        raise CheckFailed(f"expected 4 statistics tables around the phases, got {len(rows)}")
    pv, plain = rows[1] - rows[0], rows[3] - rows[2]
    print(f"  vm-pv-ipi: vCPU 0 exits: pv phase {pv} for {sends['pv']} calls, "
          f"plain phase {plain} for {sends['plain']} ICR writes", flush=True)
    if plain < sends["plain"]:
        raise CheckFailed(f"plain phase: {plain} exits of vCPU 0 for {sends['plain']} ICR writes")
    if pv > 2 * sends["pv"] + 64 or pv * 10 > plain:
        raise CheckFailed(f"pv phase: {pv} exits of vCPU 0 for {sends['pv']} calls "
                          f"(plain: {plain})")


def check_pv_deadline(log):
    """Kestrel's own count of TSC-deadline writes: far fewer than re-arms lazily, all of them
    plainly; and the guest's count agrees."""
    writes = [int(x) for x in re.findall(r"^  pv: IPI calls \d+ \(targets \d+\), TSC-deadline "
                                         r"writes (\d+)", log, re.M)]
    if len(writes) < 4:
        raise CheckFailed(f"expected 4 statistics tables around the modes, got {len(writes)}")
    for mode, delta in (("lazy", writes[1] - writes[0]), ("plain", writes[3] - writes[2])):
        expect(log, rf"^dl: TEST pv-deadline-{mode}: PASS$", f"pv-deadline-{mode} passing")
        m = expect(log, rf"^dl: pv-deadline: mode {mode} +\d+ cpus: (\d+) re-arms, (\d+) "
                   r"TSC-deadline writes", f"mode {mode}'s figures")
        rearms, guest = int(m.group(1)), int(m.group(2))
        print(f"  vm-pv-deadline: {mode}: {rearms} re-arms, {delta} TSC-deadline exits "
              f"(the guest counted {guest})", flush=True)
        if delta < guest or delta > guest + 64:
            raise CheckFailed(f"{mode}: Kestrel counted {delta} writes, the guest {guest}")
        if mode == "lazy" and delta * 10 >= rearms:
            raise CheckFailed(f"lazy: {delta} exits for {rearms} re-arms")
        if mode == "plain" and delta < rearms:
            raise CheckFailed(f"plain: {delta} exits for {rearms} re-arms")


def check_pv_hostile(log):
    for t in ("detect", "unknown-nr", "shared-area", "ipi", "flush", "debug-stats", "registers",
              "cpl3"):
        expect(log, rf"^hostile: TEST pv-hostile-{t}: PASS$", f"pv-hostile-{t} passing")
    for t in ("pv-off", "cpl3"):
        expect(log, rf"^nopv: TEST pv-hostile-{t}: PASS$", f"pv=off: pv-hostile-{t} passing")


def run(cmd, cwd=None, env=None, what=None):
    """Runs cmd; a failure is a CheckFailed that quotes what the command said."""
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode:
        out = "\n    ".join(r.stdout.strip().splitlines()[-12:])
        raise CheckFailed(f"{what or ' '.join(cmd)} failed (status {r.returncode}):\n    {out}")
    return r.stdout


def sdk_outside_iso(path):
    tmp = tempfile.mkdtemp(prefix="kestrel-sdk-outside-")
    try:
        sdk_outside_build(tmp, path)
    except CheckFailed as e:
        raise CheckFailed(f"{e}\n  (files kept in {tmp})")
    shutil.rmtree(tmp, ignore_errors=True)
    return path


def sdk_outside_build(tmp, path):
    """What an OS author does outside this tree, with the installed SDK alone: install Kestrel
    and the SDK, build the example guest with pkg-config's flags (-Werror, fatal link warnings,
    and a stack protector on by default as some toolchains have it), check its stack is not
    executable, make the ISO with the installed kestrel-mkiso."""
    prefix = os.path.join(tmp, "prefix")
    run(["make", "-s", "-C", ROOT, "install", f"PREFIX={prefix}"], what="make install")
    # Nothing of the tree from here on: a clean environment and the installed files only.
    env = {"PATH": os.path.join(prefix, "bin") + ":/usr/bin:/bin", "HOME": tmp,
           "PKG_CONFIG_PATH": os.path.join(prefix, "lib", "pkgconfig")}
    src = os.path.join(tmp, "hello")
    shutil.copytree(os.path.join(prefix, "share", "kestrel", "examples", "hello"), src)
    cflags = run(["pkg-config", "--cflags", "kestrel-rt"], env=env).split()
    libs = run(["pkg-config", "--libs", "kestrel-rt"], env=env).split()
    run(["gcc", "-fstack-protector-strong", "-O2", "-g", "-Wall", "-Wextra", "-Werror"] + cflags +
        ["-c", "hello.c", "-o", "hello.o"], cwd=src, env=env, what="compiling hello.c")
    run(["gcc", "-Wl,--fatal-warnings", "-o", "hello.elf", "hello.o"] + libs, cwd=src, env=env,
        what="linking hello.elf")
    stack = [line.split() for line in run(["readelf", "-lW", "hello.elf"], cwd=src,
                                          env=env).splitlines() if "GNU_STACK" in line]
    if not stack:
        raise CheckFailed("hello.elf has no GNU_STACK program header")
    flags = "".join(stack[0][6:-1])  # type, offset, addresses, sizes, flags, alignment
    if "E" in flags:
        raise CheckFailed(f"hello.elf's stack is executable (GNU_STACK {flags})")
    # The example's own Makefile, as shipped, builds it the same way.
    shutil.copytree(os.path.join(prefix, "share", "kestrel", "examples", "hello"), src + "-make")
    run(["make", "-s", "-C", src + "-make"], env=env, what="the example's Makefile")
    # kestrel-mkiso refuses bad input with a message that names it.
    for args, says in ((["--vm", "name=x vcpus=0", "hello.elf"], "vcpus=0: must be 1 to 16384"),
                       (["--vm", "name=x mem=3M", "hello.elf"], "must be a multiple of 2 MiB"),
                       (["--vm", "name=x cpu=1", "hello.elf"], "unknown word 'cpu=1'"),
                       (["--vm", "name=x", "nothere.elf"], "'nothere.elf' does not exist"),
                       (["--vm", "name=x", "hello.c"], "is not a multiboot kernel"),
                       (["--kestrel", "hello.elf", "--vm", "name=x", "hello.elf"],
                        "is not Kestrel's kestrel.elf")):
        r = subprocess.run(["kestrel-mkiso"] + args + ["-o", "x.iso"], cwd=src, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 1 or says not in r.stdout:
            raise CheckFailed(f"kestrel-mkiso {' '.join(args)}: status {r.returncode}, "
                              f"expected 1 and {says!r}; it said {r.stdout.strip()!r}")
    run(["kestrel-mkiso", "--vm", "name=hello vcpus=2 mem=16M -- cpus=2", "hello.elf",
         "-o", path], cwd=src, env=env, what="kestrel-mkiso")


def check_sdk_outside(log):
    expect(log, r"^hello: hello: on Kestrel, ABI 1, 2 vCPUs, lazy deadline yes$",
           "the example finding Kestrel and its lazy deadline")
    expect(log, r"^hello: TEST hello-deadline: PASS$", "hello-deadline passing")
    expect(log, r"^hello: hello: 2 cpus each took one deadline interrupt$", "both vCPUs' timers")




NO_VMX = "kestrel: error: no VMX: the CPU does not report VMX"


def no_vmx_on(rows, log):
    """The no-VMX message among the screen's rows (a wrapped line reads on across rows)."""
    if boot.qemu_accel()[0] == "kvm" and NO_VMX not in log:
        return  # nested VMX under KVM: nothing to complain about
    if NO_VMX not in "".join(rows):
        raise CheckFailed("the no-VMX message is not on the screen")


def screen_vga_text(r, name):
    """BIOS: the VGA text buffer holds the serial log's last lines, light grey on black."""
    expect(r.serial, r"^kestrel: screen: VGA text at 0xb8000, 80x25 characters$",
           "the screen line naming VGA text")
    rows = screen.grid(r.serial, 80, 25)
    with open(r.screen["vga_text"], "rb") as f:
        screen.check_vga_text(f.read(), rows)
    no_vmx_on(rows, r.serial)


def screen_pixels(r, name):
    """UEFI: the screendump is, pixel for pixel, the serial log's last lines in the built-in
    font (a PNG of it is left in build/screens/ to look at)."""
    m = expect(r.serial, r"^kestrel: screen: (\d+)x(\d+) framebuffer at 0x[0-9a-f]+, \d bytes per "
               r"pixel, \d+x\d+ characters$", "the screen line naming a framebuffer")
    w, h, _ = screen.read_ppm(r.screen["ppm"])
    if (w, h) != (int(m.group(1)), int(m.group(2))):
        raise CheckFailed(f"the screendump is {w}x{h}, the framebuffer {m.group(1)}x{m.group(2)}")
    os.makedirs(os.path.join(BUILD, "screens"), exist_ok=True)
    rows = screen.check_pixels(r.screen["ppm"], r.serial,
                               png=os.path.join(BUILD, "screens", name + ".png"))
    no_vmx_on(rows, r.serial)


def screen_untouched(r, name):
    """console=com1: not one Kestrel line on the screen (GRUB's "Booting `Kestrel'" may stay)."""
    expect(r.serial, r"^kestrel: screen: off \(not in console=\)$", "the screen reported off")
    with open(r.screen["vga_text"], "rb") as f:
        text = f.read()[0::2].decode("latin-1")
    if "kestrel:" in text or "hypervisor" in text:
        raise CheckFailed("Kestrel wrote to the screen with console=com1")


DEFAULT = "console=com1,vga loglevel=info"

# name: (emulator, cpus, options, check)
TESTS = {
    "bochs-1cpu": ("bochs", 1, {}, check_vmx_boot(1)),
    "bochs-2cpu": ("bochs", 2, {}, check_vmx_boot(2)),
    "bochs-4cpu": ("bochs", 4, {}, check_vmx_boot(4)),
    "bochs-no-ept": ("bochs", 1, {"model": "core2_penryn_t9600",
                                  "modules": [vm_line("hello", "vm=hello vcpus=1 mem=16M")]},
                     check_no_ept),
    "bochs-amd-no-vmx": ("bochs", 1, {"model": "ryzen"}, check_amd),
    "bochs-bad-cmdline": ("bochs", 2, {"cmdline": DEFAULT + " bogus=1 maxcpus=zero loglevel=loud"},
                          check_bad_cmdline),
    "bochs-maxcpus": ("bochs", 2, {"cmdline": DEFAULT + " maxcpus=1"}, check_maxcpus),
    "bochs-panic": ("bochs", 2, {"cmdline": DEFAULT + " selftest=exception"}, check_panic),
    "bochs-modules": ("bochs", 1, {"cmdline": "console=com1 loglevel=debug",
                                   "modules": [("/guests/a.bin", "boot/grub.cfg.in",
                                                "vm=demo vcpus=2 -- x=1"),
                                               ("/guests/b.bin", "linker.ld", "vm=demo")]},
                      check_modules),
    "vm-hello": ("bochs", 2, {"modules": [vm_line("hello", "vm=hello vcpus=2 mem=16M -- cpus=2")]},
                 all_of(vm_passed("hello"), no_panic_and_end)),
    "vm-smp-start": ("bochs", 2, {"modules": [vm_line("smp-start",
                                                      "vm=smp vcpus=4 mem=16M -- cpus=4")]},
                     all_of(vm_passed("smp"), no_panic_and_end)),
    "vm-ipi": ("bochs", 2, {"modules": [vm_line("ipi", "vm=ipi vcpus=4 mem=16M -- cpus=4")]},
               all_of(vm_passed("ipi"), no_panic_and_end, check_ipi_modes)),
    "vm-reset": ("bochs", 2, {"modules": [vm_line("reset", "vm=reset vcpus=2 mem=16M -- cpus=2")]},
                 all_of(vm_passed("reset"), no_panic_and_end, check_resets)),
    "vm-multiboot1": ("bochs", 1, {"modules": [
        vm_line("mb1", "vm=mb1 vcpus=1 mem=16M -- hello mb1"),
        vm_line("hello", "vm=mb1")]},
        all_of(vm_passed("mb1"), no_panic_and_end, check_mb1)),
    "vm-acpi": ("bochs", 1, {"modules": [vm_line("acpi", "vm=acpi vcpus=300 mem=16M")]},
                all_of(vm_passed("acpi"), no_panic_and_end)),
    "vm-cpuid-msr": ("bochs", 1, {"modules": [vm_line("cpuid-msr", "vm=cpuid vcpus=1 mem=16M")]},
                     all_of(vm_passed("cpuid"), no_panic_and_end, check_cpuid_exits)),
    "vm-apic-timer": ("bochs", 2, {"modules": [vm_line("apic-timer",
                                                       "vm=timer vcpus=2 mem=16M -- cpus=2")]},
                      all_of(vm_passed("timer"), no_panic_and_end, check_timer_modes)),
    "vm-timer-overcommit": ("bochs", 1, {"modules": [
        vm_line("spin", "vm=spin vcpus=2 mem=16M -- cpus=2 rounds=2000000"),
        vm_line("apic-timer", "vm=timer vcpus=1 mem=16M")]},
        all_of(vm_passed("timer"), vm_passed("spin"), no_panic_and_end, check_timer_latency)),
    "vm-overcommit": ("bochs", 2, {"modules": [vm_line("spin", "vm=spin vcpus=8 mem=16M -- "
                                                       "cpus=8 rounds=20000 locked=16")]},
                      all_of(vm_passed("spin"), no_panic_and_end)),
    "vm-balance": ("bochs", 2, {"modules": [vm_line("spin", "vm=spin vcpus=3 mem=16M -- cpus=3 "
                                                    "rounds=200000")]},
                   all_of(vm_passed("spin"), no_panic_and_end, check_moves(True))),
    "vm-balance-off": ("bochs", 2, {"cmdline": DEFAULT + " balance=off",
                                    "modules": [vm_line("spin", "vm=spin vcpus=3 mem=16M -- cpus=3 "
                                                        "rounds=200000")]},
                       all_of(vm_passed("spin"), no_panic_and_end, check_moves(False))),
    "vm-debug-registers": ("bochs", 1, {"modules": [
        vm_line("debugreg", "vm=dra vcpus=1 mem=16M -- seed=0xaaaa"),
        vm_line("debugreg", "vm=drb vcpus=1 mem=16M -- seed=0xbbbb")]},
        all_of(vm_passed("dra"), vm_passed("drb"), no_panic_and_end)),
    "vm-private-memory": ("bochs", 2, {"modules": [
        vm_line("mem-pattern", "vm=left vcpus=1 mem=16M -- seed=0x1111"),
        vm_line("mem-pattern", "vm=right vcpus=1 mem=16M -- seed=0x2222")]},
        all_of(vm_passed("left"), vm_passed("right"), no_panic_and_end)),
    "vm-demo": ("bochs", 2, {"modules": [
        (f"/guests/demo.elf", guest("demo"), "vm=demo vcpus=4 mem=16M -- rounds=8"),
        (f"/guests/demo.elf", guest("demo"), "vm=second vcpus=4 mem=16M pv=off -- rounds=8")]},
        all_of(vm_passed("demo"), vm_passed("second"), no_panic_and_end)),
    "vm-misbehaving": ("bochs", 2, {"modules": [
        vm_line("spin", "vm=good vcpus=2 mem=16M -- cpus=2 rounds=20000"),
        vm_line("triple-fault", "vm=crash vcpus=2 mem=16M -- cpus=2"),
        vm_line("bad-memory", "vm=wild vcpus=1 mem=16M"),
        vm_line("hello", "vm=bad vcpus=0 mem=16M"),
        vm_line("hello", "vm=huge vcpus=1 mem=4G")]},
        all_of(vm_passed("good"), no_panic_and_end,
               vm_stopped("crash", r"vcpu 0 triple-faulted at rip 0x"),
               vm_stopped("wild", r"vcpu 0: read of guest-physical 0x7fff0000 at rip 0x[0-9a-f]+: "
                                  r"outside its 16 MiB of memory"),
               check_bad_vm_line, check_no_room)),
    "vm-ept-invalidate": ("bochs", 2, {"modules": [vm_line("ept-inval",
                                                           "vm=ept vcpus=3 mem=32M -- cpus=3")]},
                          all_of(vm_passed("ept"), no_panic_and_end, check_ept_stats)),
    "vm-pv-flush": ("bochs", 2, {"modules": [vm_line("pv-flush", "vm=fl vcpus=6 mem=32M -- "
                                                     "cpus=6 rounds=20")]},
                    all_of(vm_passed("fl"), no_panic_and_end,
                           check_pv_flush(("pv", "ipi", "flushbit")))),
    "vm-pv-flush-detector": ("bochs", 2, {"modules": [vm_line(
        "pv-flush", "vm=fl vcpus=2 mem=32M -- cpus=2 rounds=20 mode=none expect=stale")]},
        all_of(vm_passed("fl"), no_panic_and_end, check_stale_seen)),
    "vm-pv-flush-gen": ("bochs", 2, {"modules": [vm_line(
        "pv-flush", "vm=fl vcpus=2 mem=32M -- cpus=2 rounds=20 mode=genwatch")]},
        all_of(vm_passed("fl"), no_panic_and_end, check_pv_flush(("genwatch",)))),
    "vm-pv-flush-skip-flush": ("bochs", 2, {"cmdline": DEFAULT + " inject=skip-flush",
                                            "modules": [vm_line(
        "pv-flush", "vm=fl vcpus=2 mem=32M -- cpus=2 rounds=20 mode=pv")]},
        all_of(no_panic_and_end, check_skip_flush)),
    "vm-pv-ipi": ("bochs", 2, {"modules": [vm_line("pv-ipi", "vm=pv vcpus=1024 mem=64M -- "
                                                   "cpus=1024 smp_wait_ms=60000")]},
                  all_of(vm_passed("pv"), no_panic_and_end, check_pv_ipi)),
    "vm-pv-deadline": ("bochs", 2, {"modules": [vm_line("pv-deadline",
                                                        "vm=dl vcpus=3 mem=32M -- cpus=3")]},
                       all_of(vm_passed("dl"), no_panic_and_end, check_pv_deadline)),
    "vm-16384-vcpus": ("bochs", 2, {"mem": 512, "modules": [
        vm_line("vcpus-16k", "vm=huge vcpus=16384 mem=16M")]},
        all_of(vm_passed("huge"), no_panic_and_end)),
    "vm-pv-hostile": ("bochs", 2, {"modules": [
        vm_line("pv-hostile", "vm=hostile vcpus=70 mem=16M -- cpus=70"),
        vm_line("pv-hostile", "vm=nopv vcpus=2 mem=16M pv=off -- cpus=2 pv=off")]},
        all_of(vm_passed("hostile"), vm_passed("nopv"), no_panic_and_end, check_pv_hostile)),
    "sdk-outside": ("bochs", 2, {"iso": sdk_outside_iso},
                    all_of(vm_passed("hello"), no_panic_and_end, check_sdk_outside)),
    "qemu-bios": ("qemu", 2, {"screen": screen_vga_text}, check_qemu(2)),
    "qemu-uefi": ("qemu", 2, {"uefi": True, "screen": screen_pixels}, check_qemu(2)),
    "qemu-bios-serial-only": ("qemu", 2, {"cmdline": "console=com1 loglevel=info",
                                          "screen": screen_untouched}, check_qemu(2)),
}


def run_one(name):
    emu, cpus, opts, check = TESTS[name]
    iso = ISO
    logdir = os.path.join(BUILD, "test-logs", name)
    shutil.rmtree(logdir, ignore_errors=True)
    if "cmdline" in opts or "modules" in opts or "iso" in opts:
        os.makedirs(os.path.join(BUILD, "test-isos"), exist_ok=True)
        iso = os.path.join(BUILD, "test-isos", name + ".iso")
    try:
        if "iso" in opts:
            opts["iso"](iso)
        elif iso != ISO:
            boot.make_iso(ELF, iso, opts.get("cmdline", DEFAULT), opts.get("modules", ()))
    except CheckFailed as e:
        return name, False, str(e), 0.0
    r = boot.boot(iso, emu=emu, cpus=cpus, mem=opts.get("mem", 256),
                  model=opts.get("model", "corei7_icelake_u"),
                  uefi=opts.get("uefi", False), timeout=opts.get("timeout", 300), keep=logdir,
                  screen="screen" in opts)
    try:
        if r.reason == "timeout":
            raise CheckFailed(f"no final line within {r.seconds:.0f} s")
        check(r.serial)
        if "screen" in opts:
            if not r.screen:
                raise CheckFailed("no screen grabbed over QEMU's monitor")
            try:
                opts["screen"](r, name)
            except screen.Mismatch as e:
                raise CheckFailed(str(e))
    except CheckFailed as e:
        return name, False, str(e), r.seconds
    shutil.rmtree(logdir, ignore_errors=True)
    return name, True, "", r.seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="test names (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(TESTS))
        return 0
    names = a.only or list(TESTS)
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        print(f"run.py: unknown test(s): {' '.join(unknown)}; --list shows them", file=sys.stderr)
        return 2
    start = time.monotonic()
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for name, ok, why, secs in pool.map(run_one, names):
            if ok:
                passed += 1
                print(f"PASS {name} ({secs:.1f} s)", flush=True)
            else:
                failed += 1
                print(f"FAIL {name} ({secs:.1f} s): {why}; log in build/test-logs/{name}/",
                      flush=True)
    print(f"system tests took {time.monotonic() - start:.0f} s")
    print(f"system: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
