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


def run(name, modules, cpus=2, mem=256, cmdline="console=com1 loglevel=info"):
    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    iso = boot.make_iso(ELF, os.path.join(BUILD, "bench", name + ".iso"), cmdline, modules)
    r = boot.boot(iso, cpus=cpus, mem=mem, timeout=600,
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
                                  f"vm=ept vcpus=2 mem={mib}M -- cpus=2 rounds=3")],
                  mem=mib + 256, cmdline="console=com1 loglevel=info ept=4k")
        walk = [int(x) for x in re.findall(r"^ept: ept-inval: walk: (\d+) TSC", log, re.M)]
        gen = [int(x) for x in re.findall(r"^ept: ept-inval: generation: (\d+) TSC", log, re.M)]
        if not walk or not gen:
            raise RuntimeError(f"ept-{mib}: no figures in the log")
        rows.append((f"invalidate all EPT mappings, {mib} MiB VM (4K pages)", "TSC ticks",
                     median(walk), median(gen),
                     "KVM zapped every page under mmu_lock; fast invalidate (2013): O(1)"))
    return rows


def tlb_shootdown():
    """A TLB shootdown with more vCPUs than pCPUs: IPIs and busy-waiting vs one flush hypercall."""
    rows = []
    for vcpus in (4, 8):
        log = run(f"flush-{vcpus}", [("/g.elf", guest("pv-flush"),
                                      f"vm=fl vcpus={vcpus} mem=32M -- cpus={vcpus} rounds=20 "
                                      "mode=ipi,pv,flushbit")])
        fig = {m: int(t) for m, t in re.findall(
            r"^fl: pv-flush: mode (\S+)\s+\d+ rounds, \d+ targets: (\d+) TSC/shootdown", log,
            re.M)}
        if "ipi" not in fig or "pv" not in fig:
            raise RuntimeError(f"flush-{vcpus}: no figures in the log")
        rows.append((f"TLB shootdown, {vcpus} vCPUs on 2 pCPUs", "initiator TSC", fig["ipi"],
                     fig["pv"], "PV TLB shootdown v8: ebizzy +78% (2 VMs), +132% (3 VMs)"))
        if "flushbit" in fig:
            rows.append((f"  same, guest sets FLUSH on preempted vCPUs", "initiator TSC",
                         fig["ipi"], fig["flushbit"], "PV TLB shootdown v8's own design"))
    return rows


def multi_ipi():
    """One IPI to many vCPUs of a 1024-vCPU VM: one ICR write (exit) per target vs one call."""
    log = run("ipi-1024", [("/g.elf", guest("pv-ipi"),
                            "vm=pv vcpus=1024 mem=64M -- cpus=1024 smp_wait_ms=60000")])
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
    log = run("deadline", [("/g.elf", guest("pv-deadline"), "vm=dl vcpus=3 mem=32M -- cpus=3")])
    got = {m: (int(n), int(w)) for m, n, w in re.findall(
        r"^dl: pv-deadline: mode (\S+)\s+\d+ cpus: (\d+) re-arms, (\d+) TSC-deadline writes",
        log, re.M)}
    if "lazy" not in got or "plain" not in got:
        raise RuntimeError("deadline: no figures in the log")
    return [(f"timer re-arm storm ({got['lazy'][0]} re-arms)", "exits", got["plain"][1],
             got["lazy"][1], "lazy tscdeadline: 6,208,273 -> 171,364 writes (TCP_RR)")]


SCENARIOS = {
    "flush": tlb_shootdown,
    "ipi": multi_ipi,
    "deadline": deadline_storm,
    "ept": ept_invalidate,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="scenarios (default: all)")
    a = ap.parse_args()
    names = a.only or list(SCENARIOS)
    rows, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {n: pool.submit(SCENARIOS[n]) for n in names}
        for n in names:
            try:
                rows += futures[n].result()
            except Exception as e:  # a scenario that fails says so and the rest still print
                failed.append(f"{n}: {e}")
    head = ("what", "unit", "plain", "Kestrel", "plain/Kestrel", "reference")
    lines = [head] + [(w, u, str(p), str(k), f"{p / k:.1f}x" if k else "-", ref)
                      for w, u, p, k, ref in rows]
    widths = [max(len(r[i]) for r in lines) for i in range(5)]
    out = []
    for i, r in enumerate(lines):
        out.append("  ".join(r[c].ljust(widths[c]) if c < 1 else r[c].rjust(widths[c])
                             for c in range(5)) + "  " + r[5])
        if i == 0:
            out.append("-" * len(out[0]))
    text = "\n".join(out)
    print(text)
    with open(os.path.join(BUILD, "bench.txt"), "w") as f:
        f.write(text + "\n")
    for f in failed:
        print("bench: failed:", f, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
