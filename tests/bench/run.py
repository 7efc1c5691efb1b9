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
                     "KVM zapped every page under mmu_lock; seed 004 makes it O(1)"))
    return rows


SCENARIOS = {
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
