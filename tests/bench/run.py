#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kestrel's benchmarks: every gain as a measured pair, the plain way against Kestrel's, in one run.

Each scenario boots Kestrel in Bochs with a guest that measures both ways and prints its
figures; this script collects them into one table, with the number from the patch discussion
the feature comes from beside it. In Bochs the TSC counts instructions, so every figure is
deterministic: the same on every machine, whatever else it is doing.
"""
import argparse
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import boot  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
ELF = os.path.join(BUILD, "kestrel.elf")


def guest(name):
    return os.path.join(ROOT, "tests", "guests", "build", name + ".elf")


def run(name, modules, cpus=2, mem=256, cmdline="console=com1 loglevel=info",
        model="corei7_icelake_u", timeout=600):
    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    iso = boot.make_iso(ELF, os.path.join(BUILD, "bench", name + ".iso"), cmdline, modules)
    r = boot.boot(iso, cpus=cpus, mem=mem, model=model, timeout=timeout,
                  keep=os.path.join(BUILD, "bench", name))
    if r.reason != "end" or "PANIC" in r.serial:
        raise RuntimeError(f"{name}: the run did not end cleanly ({r.reason}); "
                           f"see build/bench/{name}/serial.txt")
    return r.serial


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def ept_invalidate():
    """Invalidating all of a VM's EPT mappings: walking every entry vs a generation bump."""
    rows = []
    for mib in (16, 512):
        # 4 KiB EPT pages, as a host that tracks dirty pages maps them: one table per 2 MiB.
        log = run(f"ept-{mib}", [("/g.elf", guest("ept-inval"),
                                  f"vm=ept vcpus=2 mem={mib}M debug=on -- cpus=2 rounds=3")],
                  mem=mib + 256, cmdline="console=com1 loglevel=info ept=4k")
        walk = [int(x) for x in re.findall(r"^ept: ept-inval: walk: (\d+) TSC", log, re.M)]
        gen = [int(x) for x in re.findall(r"^ept: ept-inval: generation: (\d+) TSC", log, re.M)]
        if not walk or not gen:
            raise RuntimeError(f"ept-{mib}: no figures in the log")
        rows.append((f"invalidate all EPT mappings, {mib} MiB VM (4K pages)", "TSC ticks",
                     median(walk), median(gen),
                     "KVM zapped every page under mmu_lock; fast invalidate (2013): O(1)"))
    return rows


# VM sizes for the invalidate-all rows: Bochs gives the machine at most 2 GiB ("megs"), Kestrel
# and its frame bitmap keep some, and a VM's RAM is all allocated when it is created, so 4 GiB
# cannot be measured here; 1,536 MiB is the largest that fits beside Kestrel.
EPT_SIZES_MIB = (16, 256, 1536)


def invalidate_sizes(shadow):
    """Invalidate-all by generation against the walk at sizes up to Bochs's largest, on EPT (2
    MiB pages) or on shadow page tables: the critical section (the ticks the VM's EPT lock, or
    its shadow's, is held) and the stall a running vCPU sees (its pass over its RAM slice when
    the invalidation hits it, against the pass before: kick, reload, faults back in)."""
    rows = []
    what, tag, words = ("shadow", "shadow-size", " ept=off") if shadow else ("EPT", "ept-size", "")
    for mib in EPT_SIZES_MIB:
        log = run(f"{tag}-{mib}", [("/g.elf", guest("ept-inval"),
                                    f"vm=ept vcpus=2 mem={mib}M debug=on{words} -- cpus=2 "
                                    "rounds=3 locked=1")],
                  mem=min(2048, mib + 256), timeout=3600)
        fig = {}
        for way, cs, stall in re.findall(r"^ept: ept-inval: (walk|generation): critical section "
                                         r"(\d+) TSC ticks, a running vCPU's stall (\d+) TSC",
                                         log, re.M):
            fig.setdefault(way, []).append((int(cs), int(stall)))
        if "walk" not in fig or "generation" not in fig:
            raise RuntimeError(f"{tag}-{mib}: no figures in the log")
        w, g = fig["walk"], fig["generation"]
        rows.append((f"invalidate all {what}, {mib} MiB VM: critical section", "TSC ticks",
                     median([c for c, _ in w]), median([c for c, _ in g]),
                     "fast invalidate (2013): O(1) under the lock"))
        rows.append((f"invalidate all {what}, {mib} MiB VM: running vCPU's stall", "TSC ticks",
                     median([t for _, t in w]), median([t for _, t in g]),
                     "both ways fault RAM back in on demand"))
    return rows


def ept_invalidate_sizes():
    return invalidate_sizes(shadow=False)


def shadow_invalidate_sizes():
    return invalidate_sizes(shadow=True)


PAGING_ARGS = "spaces=8 pages=64 rounds=50"


def paging():
    """The same guest workload (tests/guests/paging: CR3 loads, page rewrites, a remap and an
    INVLPG per address space and round) on shadow page tables and on EPT: the rounds' exits
    (the difference of the exit tables the guest has printed just before and after them) and
    their TSC ticks."""
    got = {}
    for way, words in (("shadow", " ept=off"), ("ept", "")):
        log = run(f"paging-{way}", [("/g.elf", guest("paging"),
                                     f"vm=pg vcpus=1 mem=32M debug=on{words} -- {PAGING_ARGS}")],
                  cpus=1)
        m = re.search(r"^pg: paging: (\d+) spaces of (\d+) pages, (\d+) rounds: (\d+) TSC ticks, "
                      r"(\d+) CR3 loads, 0 bad reads$", log, re.M)
        tables = re.findall(r"^kestrel: vm pg: exit statistics\n(.*?)^  total\s+(\d+)\s", log,
                            re.M | re.S)
        if not m or len(tables) < 2:
            raise RuntimeError(f"paging-{way}: no figures in the log")
        rows = [dict((k.strip(), int(n)) for k, n in re.findall(r"^  (\S[^\n]*?)\s+(\d+)\s+\S+"
                                                                r"\s+\S+$", t, re.M))
                for t, _ in tables[:2]]
        by_reason = {r: rows[1].get(r, 0) - rows[0].get(r, 0) for r in rows[1]}
        got[way] = (int(tables[1][1]) - int(tables[0][1]), int(m.group(4)), by_reason,
                    int(m.group(5)))
    (sx, st, sr, loads), (ex, et, er, _) = got["shadow"], got["ept"]
    top = sorted(((n, r) for r, n in sr.items() if n and r != "VMCALL"), reverse=True)[:4]
    why = "shadow: " + ", ".join(f"{r} {n:,}" for n, r in top)
    label = f"{loads} CR3 loads, remaps and rewrites, shadow paging (plain) against EPT"
    return [(label, "exits", sx, ex, why),
            (label, "guest TSC", st, et, "on EPT, CR3 loads, #PF and INVLPG do not exit")]


def tlb_shootdown(shadow=False):
    """A TLB shootdown with more vCPUs than pCPUs: IPIs and busy-waiting vs one flush hypercall;
    on EPT, or on shadow page tables (each target's INVLPG then exits)."""
    rows = []
    tag, words, on = (("flush-shadow", " ept=off", ", shadow paging") if shadow
                      else ("flush", "", ""))
    for vcpus in (4, 8):
        log = run(f"{tag}-{vcpus}", [("/g.elf", guest("pv-flush"),
                                      f"vm=fl vcpus={vcpus} mem=32M{words} -- cpus={vcpus} "
                                      "rounds=20 mode=ipi,pv,flushbit")])
        fig = {m: int(t) for m, t in re.findall(
            r"^fl: pv-flush: mode (\S+)\s+\d+ rounds, \d+ targets: (\d+) TSC/shootdown", log,
            re.M)}
        if "ipi" not in fig or "pv" not in fig:
            raise RuntimeError(f"{tag}-{vcpus}: no figures in the log")
        rows.append((f"TLB shootdown, {vcpus} vCPUs on 2 pCPUs{on}", "initiator TSC", fig["ipi"],
                     fig["pv"], "PV TLB shootdown v8: ebizzy +78% (2 VMs), +132% (3 VMs)"))
        if "flushbit" in fig:
            late = re.search(r"^fl: pv-flush: mode flushbit (\d+) rounds had an IPI'd target "
                             r"descheduled before it acked; they took (\d+) of the (\d+) TSC",
                             log, re.M)
            why = "PV TLB shootdown v8's own design"
            if late and int(late.group(1)):
                share = 100 * int(late.group(2)) // max(1, int(late.group(3)))
                why += (f"; {late.group(1)} of 20 rounds waited for an IPI'd target that was "
                        f"descheduled before it acked: {share}% of the time")
            rows.append((f"  same, guest sets FLUSH on preempted vCPUs", "initiator TSC",
                         fig["ipi"], fig["flushbit"], why))
    return rows


def tlb_shootdown_shadow():
    return tlb_shootdown(shadow=True)


def multi_ipi():
    """One IPI to many vCPUs of a 1024-vCPU VM: one ICR write (exit) per target vs one call."""
    log = run("ipi-1024", [("/g.elf", guest("pv-ipi"),
                            "vm=pv vcpus=1024 mem=64M debug=on -- cpus=1024 smp_wait_ms=60000 "
                            "rounds=8")])
    rows = []
    for shape in ("all", "sparse-37", "one"):
        got = {}
        for way, exits, tsc in re.findall(rf"^pv: pv-ipi: (pv|plain)\s+{re.escape(shape)}\s+\d+ "
                                          r"targets in\s+\d+ bank\(s\): (\d+) exits/set, (\d+) "
                                          r"TSC/set", log, re.M):
            got[way] = (int(exits), int(tsc))
        if len(got) < 2:
            raise RuntimeError(f"ipi-1024: no figures for {shape}")
        rows.append((f"IPI to '{shape}' of 1024 vCPUs", "exits", got["plain"][0], got["pv"][0],
                     "KVM PV IPI v3: 128 APIC IDs per call"))
        rows.append((f"IPI to '{shape}' of 1024 vCPUs", "sender TSC", got["plain"][1],
                     got["pv"][1], ""))
    return rows


def deadline_storm():
    """Re-arming a TSC-deadline timer ever later: every write exits vs the lazy deadline."""
    log = run("deadline", [("/g.elf", guest("pv-deadline"),
                            "vm=dl vcpus=3 mem=32M debug=on -- cpus=3")])
    got = {m: (int(n), int(w)) for m, n, w in re.findall(
        r"^dl: pv-deadline: mode (\S+)\s+\d+ cpus: (\d+) re-arms, (\d+) TSC-deadline writes",
        log, re.M)}
    if "lazy" not in got or "plain" not in got:
        raise RuntimeError("deadline: no figures in the log")
    return [(f"timer re-arm storm ({got['lazy'][0]} re-arms)", "exits", got["plain"][1],
             got["lazy"][1], "lazy tscdeadline: 6,208,273 -> 171,364 writes (TCP_RR)")]


LINUX_TICKS = 200000000  # each VM's workload: 20 s of guest time at Bochs's 10 MHz TSC
LINUX_BOOT_TICKS = 2000000000  # a VM of 2 vCPUs to /init with other VMs booting beside it


def linux_shootdowns():
    """Debian's kernel running tlbstorm in 1, 2 and 3 VMs of 2 vCPUs on 2 pCPUs: KVM PV off/on."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "linux"))
    import guest as linux  # noqa: E402
    with open(os.path.join(ROOT, "tests", "linux", "init.sh")) as f:
        init = f.read()
    kernel = linux.kernel()
    rd = linux.initrd(os.path.join(BUILD, "bench", "linux.initrd"), init,
                      [("/bin/tlbstorm", linux.workload())])
    rows = []
    for nvms in (1, 2, 3):
        rate, exits, late = {}, {}, 0
        # One window for all VMs: from a TSC value after every VM has booted (a 2-vCPU boot
        # is about 1.5 G ticks when it has the pCPUs to itself), so they shoot down together.
        start = LINUX_BOOT_TICKS * nvms + LINUX_BOOT_TICKS
        for pv in ("off", "on"):
            mods = []
            for i in range(nvms):
                mods.append(("/guests/vmlinuz", kernel,
                             f"vm=l{i} vcpus=2 mem=256M pv={pv} -- console=ttyS0 loglevel=5 "
                             f"kestrel.expect_cpus=2 kestrel.workload={LINUX_TICKS} "
                             f"kestrel.start_at={start}"))
                mods.append(("/guests/initrd", rd, f"vm=l{i}"))
            log = run(f"linux-{nvms}vm-pv-{pv}", mods, mem=256 + 320 * nvms,
                      model="corei7_skylake_x", timeout=3600)
            got = [int(x) for x in re.findall(r"^l\d: .*tlbstorm: threads 2 ticks \d+ records "
                                              r"(\d+) per-1e7-ticks", log, re.M)]
            if len(got) != nvms or len(re.findall(r"tlbstorm: RESULT: PASS", log)) != nvms:
                raise RuntimeError(f"linux-{nvms}vm-pv-{pv}: {len(got)} of {nvms} VMs reported")
            rate[pv] = sum(got) * 10000000 // LINUX_TICKS
            late = max([late] + [int(x) for x in re.findall(r"tlbstorm: window starts at TSC "
                                                            r"\d+, late by (\d+)", log)])
            exits[pv] = sum(int(x) for x in re.findall(r"^  total\s+(\d+)\s", log, re.M))
        gain = {1: "+4%", 2: "+78%", 3: "+132%"}[nvms]
        note = f"ebizzy, PV TLB shootdown v8: {gain}"
        if late > LINUX_TICKS // 100:  # a sleep's granularity is nothing to report
            note += f"; a VM came {late} ticks late to the common window"
        rows.append((f"Linux tlbstorm, {nvms} VM(s) of 2 vCPUs on 2 pCPUs", "records/1e7 TSC",
                     rate["off"], rate["on"], note))
        rows.append((f"  same, exits in all", "exits", exits["off"], exits["on"], ""))
    return rows


EXIT_COSTS_OPS = (
    ("cpuid", "CPUID (leaf 0)"),
    ("vmcall", "VMCALL, unknown number"),
    ("eoi", "x2APIC EOI write, nothing in service"),
    ("self-ipi", "self-IPI through the ICR, handler and EOI included"),
    ("self-ipi-msr", "self-IPI through the SELF IPI MSR, handler and EOI included"),
    ("deadline", "TSC-deadline MSR write"),
    ("ping-pong", "IPI ping-pong with a halted vCPU, round trip"),
)
# (vCPUs, pCPUs) of each run: one VM, every vCPU on one pCPU, and the largest VM on two pCPUs.
EXIT_COSTS_RUNS = ((2, 1), (64, 1), (1024, 1), (1024, 2))


def exit_costs_label(vcpus, pcpus):
    """A run's column: "1,024 vCPUs", "1,024 vCPUs on 2 pCPUs"."""
    return f"{vcpus:,} vCPUs" + (f" on {pcpus} pCPUs" if pcpus > 1 else "")


# Issue 12's goals, in the same unit (guest TSC ticks per operation).
EXIT_COSTS_GOALS = {"cpuid": 230, "vmcall": 230, "deadline": 300, "self-ipi": 700,
                    "self-ipi-msr": 700, "ping-pong": 3000}
# The same scenario on main before issue 12's work (commit 1b70564): what the work is against.
EXIT_COSTS_BEFORE = {
    "cpuid": {2: 444, 64: 444, 1024: 444},
    "vmcall": {2: 403, 64: 403, 1024: 403},
    "eoi": {2: 525, 64: 525, 1024: 525},
    "self-ipi": {2: 1357, 64: 2907, 1024: 26907},
    "deadline": {2: 532, 64: 1586, 1024: 17906},
    "ping-pong": {2: 5167, 64: 13227, 1024: 134126},
}


def exit_costs():
    """What each exit costs the guest, at 2, 64 and 1024 vCPUs of one VM on one pCPU, and at
    1024 vCPUs on two pCPUs. Columns are keyed by their label (exit_costs_label)."""
    got = {}
    for n, p in EXIT_COSTS_RUNS:
        name = f"exit-costs-{n}" + (f"x{p}" if p > 1 else "")
        log = run(name, [("/g.elf", guest("exit-costs"),
                          f"vm=ec vcpus={n} mem=64M apicv=on -- cpus={n} smp_wait_ms=600000")],
                  cpus=p, timeout=1800)
        if not re.search(r"^ec: RESULT: PASS$", log, re.M):
            raise RuntimeError(f"{name}: the guest did not pass; see build/bench/{name}/serial.txt")
        for op, ticks in re.findall(r"^ec: exit-costs: (\S+)\s+(\d+) ticks/op", log, re.M):
            got.setdefault(op, {})[exit_costs_label(n, p)] = int(ticks)
    missing = [op for op, _ in EXIT_COSTS_OPS if op not in got]
    if missing:
        raise RuntimeError(f"exit-costs: no figures for {', '.join(missing)}")
    return got


# Scenarios whose figures form a table of their own in the results (not plain against Kestrel).
TABLES = {
    "exit-costs": exit_costs,
}


SCENARIOS = {
    "flush": tlb_shootdown,
    "ipi": multi_ipi,
    "deadline": deadline_storm,
    "ept": ept_invalidate,
    "ept-sizes": ept_invalidate_sizes,
    "shadow-sizes": shadow_invalidate_sizes,
    "paging": paging,
    "flush-shadow": tlb_shootdown_shadow,
    "linux": linux_shootdowns,
}


RESULTS = os.path.join(ROOT, "docs", "measured.md")

RESULTS_HEAD = """\
# Measured: plain way against Kestrel's way

Written by `make bench` ({when}, commit {commit}); never edited by hand. Each pair was
measured in one run of Kestrel in Bochs, where the TSC advances by one per instruction in
root and non-root mode alike: a TSC difference is an instruction count, the same on every
machine, and a run gives the same figures every time it is repeated with the same code.

"""

RESULTS_NOTES = """
## Reading the table

- **TLB shootdown.** "plain" is the guest's own shootdown: an IPI to every other vCPU and a
  busy-wait for each to acknowledge. "Kestrel" is one `KESTREL_HC_FLUSH_TLB` call, which
  waits only for targets that are in guest mode on another pCPU and leaves the others a
  flush to do before they next run.
- **The FLUSH-bit row** is the guest's shootdown again, but a target whose shared area says
  PREEMPTED gets the FLUSH bit instead of an IPI. The preempted bit is a snapshot: a target
  seen running when the initiator looked can be descheduled before it takes the IPI, and
  the initiator then spins until that vCPU runs again, after the time slices of the vCPUs
  queued before it on its pCPU. With 4 vCPUs on 2 pCPUs no round hit that window; with 8
  vCPUs on 2 pCPUs (three vCPUs queued behind each running one) a few rounds do, and those
  few rounds take most of the time (the guest counts them by the IPI'd targets' steal time:
  the last column says how many and how much). That is why this row costs several times
  the hypercall at 8 vCPUs, and why its mean moves from one code change to the next: it
  depends on where slice ends fall. The hypercall has no such window: Kestrel decides
  "running or not" under the same ordering as its entry path, and never waits for a vCPU
  that is not in guest mode.
- **IPIs** are counted in exits of the sending vCPU and its TSC ticks per set sent.
- **Timer re-arms**: a guest that moves its TSC deadline later, again and again, as a
  kernel's timer wheel does; plain, every write of IA32_TSC_DEADLINE exits.
- **EPT invalidation**: making every second-level mapping of a VM invalid, by walking every
  entry against bumping the VM's generation number (the old tables are torn down later).
- **Invalidate all, by size** (`ept-sizes`, 2 MiB pages): the critical section is the time the
  VM's EPT lock is held, which a vCPU's fault or another change waits for; the stall is how
  much longer a vCPU's pass over its half of RAM took when the invalidation hit it than the
  pass before (the kick, the reload, and every 2 MiB faulted back in, either way). 4 GiB is
  not measured: Bochs gives the machine 2 GiB at most, and a VM's RAM is allocated whole.
  The host test `test_invalidate_ops_flat` (`tests/unit/test_shadow.c`) counts the operations
  of an invalidate-all for 16 MiB and 64 GiB (the same, at most 2).
- **Invalidate all shadow, by size** (`shadow-sizes`): the same guest on shadow page tables
  (`ept=off`). "plain" is the way before generations (`shadow_zap_all_walk`, reached only from
  the debug hypercall): under the shadow's lock, every entry of every valid shadow page dropped,
  one remote flush (the running vCPU kicked out and waited for), every page that is no loaded
  root freed. "Kestrel" is the bump (`shadow_invalidate_all`): a counter and a reload request
  to each vCPU. The walk grows with what the shadow holds: a 4 KiB leaf for every page the
  guest touched (its 2 MiB pages are shadowed by 4 KiB leaves, a shadow page per 2 MiB), so
  with the RAM the guest uses; the bump does not grow. The stall is about
  the same either way: the shadow maps the guest's 2 MiB pages with 4 KiB leaves, and every
  4 KiB the vCPU touches faults back in (a #PF exit each). The host test `test_walk_grows`
  counts the walk's operations at 16 MiB and 64 GiB against the bump's (1 and 1).
- **Paging** (`paging`): one guest workload (`tests/guests/paging`: 8 address spaces of 64
  pages; each round loads every space's CR3, rewrites a word of each page and remaps one page
  with a PTE write and an INVLPG, every read checked) on shadow page tables ("plain") and on
  EPT ("Kestrel"); both are Kestrel, the column names say which is the costlier way. Exits
  are the rounds' alone (the difference of the exit tables the guest has printed just before
  and after them); on shadow page tables the CR3 loads and INVLPGs exit, and so do the guest's
  writes to its own page tables (write-protected, emulated: #PF exits) and its first touch of
  each page after a remap.
- **TLB shootdown on shadow paging** (`flush-shadow`): the `flush` scenario with `ept=off`.
  The guest's own shootdown costs more there: each target's INVLPG in its IPI handler exits
  (the shadow drops the leaf), and so does the initiator's; with the hypercall Kestrel drops
  each target's shadow leaves for the named pages itself (a running target kicked, the others
  before they next run): no IPI, no acknowledgement, no INVLPG exit in the guest.
"""


def git_commit():
    try:
        import subprocess
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except Exception:  # not a git checkout
        return "unknown"


EXIT_COSTS_HEAD = "## Exit costs"

EXIT_COSTS_NOTES = """
Guest TSC ticks per operation, each timed in a tight loop on vCPU 0 of one VM whose other
vCPUs idle (halted), all on one pCPU (`tests/guests/exit-costs`): in Bochs, instructions per
round trip in root and non-root mode, the guest's loop included. Each figure is the fastest of
8 batches of 64. The ping-pong partner is vCPU 1, halted between pings; vCPU 0 halts until the
pong. The last column is the largest VM again on two pCPUs (vCPU 0 and its partner may then
run on different pCPUs; the guest's start of 1,023 APs there is what a per-vCPU scheduling
cost used to stall). "before" is the same scenario on main before issue 12's work (commit
1b70564), and a figure that grew since the previous results file is flagged by `make bench`.

Issue 12's goals are in the same unit, measured on an earlier scenario (CPUID 360 there, 444
here before the work), and all are reached. Every row is flat from 2 to 1,024 vCPUs, on one
pCPU and two: the scheduler keeps a run queue, a timer heap (the running vCPU's own timer
changes beside it, in O(1)) and a list of vCPUs with requests per pCPU (docs/design.md,
"Scheduling"), and a self IPI goes to the sender alone.
- CPUID 227 (goal 230) and the unknown VMCALL 226 (230): 237 and 240 at the start of the
  session that reached them. Both return `EXIT_REENTER` (docs/design.md, "The re-entry"): with
  nothing pending, the run loop goes from the handler straight to the deadline and the entry.
  What made the last ticks: the RIP advance reads the guest's RFLAGS last, so no value lives
  across its VMCS accesses' failure calls (237 to 231; the CPUID handler saved five registers,
  now two with the frame pointer gone too); the instruction length is read without the test for an instruction real_mode.c
  decoded, which only RDMSR and WRMSR need (to 228); VMCALL no longer tests the VM's state
  after the call, since a call that stops or resets the VM has posted that request to its
  caller too (240 to 227 with the two before); no frame pointers (227 and 226). A CPUID round
  trip, traced: guest 5, the entry/exit stub 55, the run loop 108 (exit reason, APICv's TPR
  read-back, dispatch, re-entry checks, the deadline's TSC read and VMWRITE, the Dekker check,
  the root-mode epoch, statistics), the handler 58 (its cache's slot, the RIP advance's five
  VMCS accesses).
- TSC-deadline write 274 (goal 300; 328 two sessions ago): the vLAPIC's deadline written
  directly, the running vCPU's own timer noted inline.
- Self-IPI 608 through the ICR and 621 through SELF IPI (goal 700; 864 and 746 two sessions
  ago): the ICR's one-test decode, an entry that offers the one request onto a clear
  virtual-APIC page writing that vector's word and RVI alone, and after the exit that sent it
  only the events and the APIC page are looked at again, not the whole pass.
- Ping-pong with a halted vCPU 2,993 on one pCPU (goal 3,000; 4,294 two sessions ago), 2,638
  on two. The last 158: the RIP advance and the instruction length as above (3,156 to 3,133),
  no frame pointers (to 3,037), and the partial pass after the ICR write's exit, whose full
  pass at the vCPU's run start had offered the partner's interrupt (to 2,993). One round trip,
  traced (2,968 with the trace's own two instructions): the run loops of its four exits and two
  run starts 902, the scheduler 618 (its two passes, the wake-ups, the HLTs' state changes, the
  slices' start and end, the deadline recomputed after each change), the two vCPU switches
  (VMCS, FPU, syscall MSRs, debug registers, steal time) 326, the virtual-APIC page 320, the
  two ICR writes' decode and delivery 282, the stub 220, the guest 204, the two HLTs 96.
- Posted interrupts are written to the SDM and host-tested but never ran (no Bochs model has
  them): with them a vector sent from another pCPU to a vCPU in guest mode takes no exit
  (docs/design.md, "APIC virtualization"). Their tests on the paths measured here cost the
  ping-pong on one pCPU 5 ticks (3,151 to 3,156 when they came in), the other rows nothing;
  "acknowledge interrupt on exit", used wherever the processor has it, changed no row.
- Tried and dropped: a WRMSR handler split into a dispatcher that jumps to one function per hot
  MSR (2 ticks off the deadline, 10 onto the ping-pong); the pCPU's scheduler pointer kept in
  the run loop (spilled to the stack, no gain); link-time optimisation (its first build needs
  the string functions kept and its warnings looked at: left for later).
- APIC virtualization is on (Bochs's corei7_icelake_u has it): the x2APIC EOI takes no exit;
  the self-IPI through the ICR exits for the ICR write (only "IPI virtualization", which no
  Bochs model has, would take it), its interrupt is delivered by the processor at entry and its
  EOI takes no exit. The SELF IPI MSR write exits too (docs/design.md, "APIC virtualization").
"""


def fmt_ticks(x):
    return f"{x:,}" if x is not None else "-"


def exit_costs_columns(costs):
    """The labels of the runs that have figures, in EXIT_COSTS_RUNS order."""
    have = {label for per in costs.values() for label in per}
    return [exit_costs_label(n, p) for n, p in EXIT_COSTS_RUNS if exit_costs_label(n, p) in have]


def exit_costs_table(costs):
    cols = exit_costs_columns(costs)
    one = [n for n, p in EXIT_COSTS_RUNS if p == 1 and exit_costs_label(n, p) in cols]
    out = [EXIT_COSTS_HEAD, EXIT_COSTS_NOTES]
    out.append("| operation | " + " | ".join(cols) +
               " | goal | before (" + " / ".join(f"{n:,}" for n in one) + ") |")
    out.append("|---|" + "---:|" * len(cols) + "---:|---:|")
    for op, what in EXIT_COSTS_OPS:
        per = costs.get(op, {})
        goal = EXIT_COSTS_GOALS.get(op)
        before = EXIT_COSTS_BEFORE.get(op, {})
        out.append(f"| {what} | " + " | ".join(fmt_ticks(per.get(c)) for c in cols) +
                   f" | {fmt_ticks(goal)} | " +
                   " / ".join(fmt_ticks(before.get(n)) for n in one) + " |")
    return "\n".join(out) + "\n"


def read_exit_costs(text):
    """The exit-cost figures of a results file: {op: {vcpus: ticks}}, empty when it has none."""
    m = re.search(rf"^{EXIT_COSTS_HEAD}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        return {}
    lines = [ln for ln in m.group(1).splitlines() if ln.startswith("| ")]
    if not lines:
        return {}
    vcpus = [c.strip() for c in lines[0].strip("|").split("|") if c.strip().endswith("CPUs")]
    names = {what: op for op, what in EXIT_COSTS_OPS}
    got = {}
    for ln in lines[1:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0] not in names:
            continue
        for n, c in zip(vcpus, cells[1:]):
            if c.replace(",", "").isdigit():
                got.setdefault(names[cells[0]], {})[n] = int(c.replace(",", ""))
    return got


def exit_costs_grew(costs, previous):
    """Every figure larger than the previous results file's: (op, column, before, now)."""
    return [(op, n, previous[op][n], t) for op, per in costs.items() for n, t in per.items()
            if n in previous.get(op, {}) and t > previous[op][n]]


def results_text():
    try:
        with open(RESULTS) as f:
            return f.read()
    except OSError:
        return ""


def format_row(row):
    w, u, p, k, ref = row
    ratio = f"{p / k:.1f}x" if k else "-"
    return f"| {w.strip()} | {u} | {p:,} | {k:,} | {ratio} | {ref} |"


def write_results(rows, costs):
    import datetime
    out = [RESULTS_HEAD.format(when=datetime.date.today().isoformat(), commit=git_commit())]
    out.append("| what | unit | plain | Kestrel | plain / Kestrel | for comparison |")
    out.append("|---|---|---:|---:|---:|---|")
    out += [format_row(r) for r in rows]
    text = "\n".join(out) + "\n" + RESULTS_NOTES
    if costs:
        text += "\n" + exit_costs_table(costs)
    with open(RESULTS, "w") as f:
        f.write(text)


PAIR_ROW = re.compile(r"^\| (.+?) \| (.+?) \| [\d,]+ \| [\d,]+ \| .*\|$")
RECORDED_LINE = re.compile(r"^Rows of `(\S+)`: `--only \S+ --record` on .*$")


def record_rows(per_scenario):
    """Writes the rows of the scenarios run (`--only NAMES --record`) into the results file's
    pairs table and keeps every other row: a scenario's rows replace the run of rows with the same
    labels in the same order, or are added at the table's end; a line under the table says when
    and at which commit each scenario was recorded so. The notes are rewritten from RESULTS_NOTES
    and the exit-cost section is left as it is."""
    import datetime
    text = results_text()
    if not text:
        write_results([r for _, rows in per_scenario for r in rows], {})
        return
    lines = text.split("\n")
    first = next(i for i, ln in enumerate(lines) if ln.startswith("| what | unit |"))
    end = first + 2
    while end < len(lines) and lines[end].startswith("| "):
        end += 1
    table = lines[first + 2:end]

    def label(ln):
        m = PAIR_ROW.match(ln)
        return (m.group(1), m.group(2)) if m else None

    for name, rows in per_scenario:
        new = [format_row(r) for r in rows]
        want = [label(ln) for ln in new]
        at = next((i for i in range(len(table) - len(want) + 1)
                   if [label(ln) for ln in table[i:i + len(want)]] == want), None)
        if at is None:
            table += new
        else:
            table[at:at + len(want)] = new
    lines[first + 2:end] = table
    # When each scenario recorded alone was recorded: one line each, under the table.
    notes = [i for i, ln in enumerate(lines) if RECORDED_LINE.match(ln)]
    stamp = {RECORDED_LINE.match(lines[i]).group(1): lines[i] for i in notes}
    for name, _ in per_scenario:
        stamp[name] = (f"Rows of `{name}`: `--only {name} --record` on "
                       f"{datetime.date.today().isoformat()}, commit {git_commit()}.")
    for i in reversed(notes):
        del lines[i]
    end = first + 2 + len(table)
    while end < len(lines) and lines[end] == "" and end + 1 < len(lines) and lines[end + 1] == "":
        del lines[end]
    block = [""] + [stamp[n] for n in sorted(stamp)]
    lines[end:end] = block
    text = "\n".join(lines)
    m = re.search(r"^## Reading the table\n.*?(?=^## |\Z)", text, re.M | re.S)
    notes_text = RESULTS_NOTES.lstrip("\n")
    if m:
        text = text[:m.start()] + notes_text + ("\n" if m.end() < len(text) else "") + \
            text[m.end():]
    with open(RESULTS, "w") as f:
        f.write(text)


def record_exit_costs(costs):
    """Replaces the exit-cost section of the results file alone (`--only exit-costs --record`)."""
    import datetime
    text = results_text()
    section = exit_costs_table(costs).replace(
        EXIT_COSTS_NOTES, EXIT_COSTS_NOTES + "\nThese figures: `--only exit-costs --record` on "
        f"{datetime.date.today().isoformat()}, commit {git_commit()}.\n")
    m = re.search(rf"^{EXIT_COSTS_HEAD}\n.*?(?=^## |\Z)", text, re.M | re.S)
    if m:
        text = text[:m.start()] + section + ("\n" if m.end() < len(text) else "") + text[m.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(RESULTS, "w") as f:
        f.write(text)


def print_exit_costs(costs, previous):
    vcpus = exit_costs_columns(costs)
    grew = {(op, n): b for op, n, b, _ in exit_costs_grew(costs, previous)}
    head = ["exit costs (ticks/op)"] + vcpus + ["goal"]
    lines = [head]
    for op, what in EXIT_COSTS_OPS:
        cells = [op]
        for n in vcpus:
            t = costs.get(op, {}).get(n)
            cell = fmt_ticks(t)
            if (op, n) in grew:
                cell += f" (GREW from {grew[(op, n)]:,})"
            elif t is not None and n in previous.get(op, {}):
                cell += f" (was {previous[op][n]:,})"
            cells.append(cell)
        cells.append(fmt_ticks(EXIT_COSTS_GOALS.get(op)))
        lines.append(cells)
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    out = ["  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                     for i, c in enumerate(r)) for r in lines]
    out.insert(1, "-" * len(out[0]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="scenarios (default: all): " +
                    ", ".join(list(SCENARIOS) + list(TABLES)))
    ap.add_argument("--record", action="store_true",
                    help="with --only: write those scenarios' figures into the results file, "
                    "keeping the others'")
    a = ap.parse_args()
    names = a.only or list(SCENARIOS) + list(TABLES)
    unknown = [n for n in names if n not in SCENARIOS and n not in TABLES]
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(unknown)}")
    rows, costs, failed, per_scenario = [], {}, [], []
    previous = read_exit_costs(results_text())
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {n: pool.submit(SCENARIOS.get(n) or TABLES[n]) for n in names}
        for n in names:
            try:
                if n in TABLES:
                    costs = futures[n].result()
                else:
                    got = futures[n].result()
                    rows += got
                    per_scenario.append((n, got))
            except Exception as e:  # a scenario that fails says so and the rest still print
                failed.append(f"{n}: {e}")
    out = []
    if rows:
        head = ("what", "unit", "plain", "Kestrel", "plain/Kestrel", "reference")
        lines = [head] + [(w, u, str(p), str(k), f"{p / k:.1f}x" if k else "-", ref)
                          for w, u, p, k, ref in rows]
        widths = [max(len(r[i]) for r in lines) for i in range(5)]
        for i, r in enumerate(lines):
            out.append("  ".join(r[c].ljust(widths[c]) if c < 1 else r[c].rjust(widths[c])
                                 for c in range(5)) + "  " + r[5])
            if i == 0:
                out.append("-" * len(out[0]))
    if costs:
        if out:
            out.append("")
        out.append(print_exit_costs(costs, previous))
    text = "\n".join(out)
    print(text)
    with open(os.path.join(BUILD, "bench.txt"), "w") as f:
        f.write(text + "\n")
    for op, n, before, now in exit_costs_grew(costs, previous):
        print(f"bench: exit-costs: {op} at {n} grew from {before:,} to {now:,} ticks "
              f"since {os.path.relpath(RESULTS, ROOT)}", file=sys.stderr)
    for f in failed:
        print("bench: failed:", f, file=sys.stderr)
    if not failed and not a.only:
        write_results(rows, costs)
        print(f"bench: wrote {os.path.relpath(RESULTS, ROOT)}")
    elif not failed and a.record:
        if per_scenario:
            record_rows(per_scenario)
            print(f"bench: wrote the rows of {', '.join(n for n, _ in per_scenario)} into "
                  f"{os.path.relpath(RESULTS, ROOT)}")
        if costs:
            record_exit_costs(costs)
            print(f"bench: wrote the exit costs into {os.path.relpath(RESULTS, ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
