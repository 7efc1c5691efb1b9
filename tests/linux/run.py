#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run-linux: Debian's kernel on Kestrel in Bochs, live, with KVM's PV features and without.

Boots Kestrel twice, each time with one Linux VM of more vCPUs than Bochs has CPUs; the VM's
/init (tests/linux/init.sh) runs tlbstorm (the TLB-shootdown workload) and powers off. The
console is shown as it comes; at the end a table gives the pair: records per 10^7 TSC ticks,
exits, and the steal time Linux saw. Bochs's TSC counts instructions, so the figures do not
depend on the machine.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
import boot  # noqa: E402
import guest  # noqa: E402

BUILD = os.path.join(ROOT, "build")
ELF = os.path.join(BUILD, "kestrel.elf")


def one(pv, a, kernel, rd):
    name = f"run-linux-pv-{pv}"
    line = (f"vm=linux vcpus={a.vcpus} mem={a.mem}M pv={pv} -- console=ttyS0 loglevel=6 "
            f"kestrel.expect_cpus={a.vcpus} kestrel.workload={a.ticks}")
    iso = boot.make_iso(ELF, os.path.join(BUILD, "run-linux", name + ".iso"),
                        "console=com1 loglevel=info",
                        [("/guests/vmlinuz", kernel, line), ("/guests/initrd", rd, "vm=linux")])
    print(f"== {name}: {a.vcpus} vCPUs on {a.cpus} Bochs CPUs, pv={pv}, tlbstorm for "
          f"{a.ticks} TSC ticks ==", flush=True)
    r = boot.boot(iso, cpus=a.cpus, mem=a.mem + 256, model="corei7_skylake_x",
                  timeout=a.timeout, echo=True, keep=os.path.join(BUILD, "run-linux", name))
    log = r.serial
    rec = re.search(r"tlbstorm: threads \d+ ticks \d+ records (\d+) per-1e7-ticks (\d+)", log)
    steal = re.search(r"kestrel-init: steal (\d+) ", log)
    exits = sum(int(x) for x in re.findall(r"^  total\s+(\d+)\s", log, re.M))
    ok = r.reason == "end" and rec and "tlbstorm: RESULT: PASS" in log
    return {"ok": bool(ok), "records": int(rec.group(1)) if rec else None,
            "rate": int(rec.group(2)) if rec else None, "exits": exits,
            "steal": int(steal.group(1)) if steal else None,
            "flushbit": sum(int(x) for x in re.findall(r"FLUSH-bit flushes (\d+)", log)),
            "seconds": r.seconds, "reason": r.reason}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vcpus", type=int, default=4, help="the Linux VM's vCPUs (4)")
    ap.add_argument("--cpus", type=int, default=2, help="Bochs's CPUs, Kestrel's pCPUs (2)")
    ap.add_argument("--mem", type=int, default=512, help="the VM's MiB (512)")
    ap.add_argument("--ticks", type=int, default=100000000,
                    help="tlbstorm's window in TSC ticks (10^8: 10 s of the 10 MHz Bochs TSC)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per boot (3600)")
    a = ap.parse_args()
    if not os.path.exists(ELF):
        raise SystemExit("run-linux: build/kestrel.elf does not exist (run make)")
    try:
        kernel = guest.kernel()
        with open(os.path.join(HERE, "init.sh")) as f:
            init = f.read()
        rd = guest.initrd(os.path.join(BUILD, "run-linux", "initrd"), init,
                          [("/bin/tlbstorm", guest.workload())])
    except guest.FetchFailed as e:
        raise SystemExit(f"run-linux: {e}")
    got = {pv: one(pv, a, kernel, rd) for pv in ("on", "off")}
    print()
    print(f"Linux tlbstorm, one VM of {a.vcpus} vCPUs on {a.cpus} pCPUs, {a.ticks} TSC ticks")
    print(f"  {'':24} {'pv=off':>12} {'pv=on':>12}")
    for key, what in (("rate", "records per 1e7 TSC"), ("exits", "exits"),
                      ("steal", "steal (USER_HZ ticks)"), ("flushbit", "FLUSH_TLB-bit flushes"),
                      ("seconds", "wall seconds")):
        cells = []
        for pv in ("off", "on"):
            v = got[pv][key]
            cells.append("-" if v is None else f"{v:.0f}" if isinstance(v, float) else str(v))
        print(f"  {what:24} {cells[0]:>12} {cells[1]:>12}")
    bad = [pv for pv in got if not got[pv]["ok"]]
    if bad:
        for pv in bad:
            print(f"run-linux: pv={pv} did not finish cleanly ({got[pv]['reason']}); its files "
                  f"are in build/run-linux/run-linux-pv-{pv}/")
        return 1
    off, on = got["off"]["rate"], got["on"]["rate"]
    if off:
        print(f"  PV against plain: {100 * (on - off) / off:+.0f}% records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
