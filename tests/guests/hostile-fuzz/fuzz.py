#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make fuzz: the hostile-guest fuzzer beside its victim for as many operations as asked.

Boots Kestrel in Bochs (2 CPUs) with the pair of vm-hostile-fuzz, shows the console as it
comes (the fuzzer prints its progress every tenth of the run), then applies the same checks as
the system test: both VMs pass, no panic, host free frames unchanged, the victim within twice
its TSC ticks alone.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "system"))
from checks import BUILD, DEFAULT, ELF, CheckFailed, boot  # noqa: E402

sys.path.insert(0, HERE)
import tests as pair  # noqa: E402

# Bochs wall time per operation, measured with the victim beside the fuzzer on this kind of
# machine (docs/security.md), times four, for the harness's time-out only.
SECONDS_PER_OP = 0.02


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=pair.FUZZ_OPS)
    ap.add_argument("--seed", type=int, default=pair.FUZZ_SEED)
    ap.add_argument("--classes", default=pair.FUZZ_CLASSES)
    a = ap.parse_args()
    iso = os.path.join(BUILD, "test-isos", "make-fuzz.iso")
    os.makedirs(os.path.dirname(iso), exist_ok=True)
    boot.make_iso(ELF, iso, DEFAULT, [pair.fuzz_line(a.ops, a.seed, classes=a.classes),
                                        pair.victim_line()])
    print(f"make fuzz: seed {a.seed}, {a.ops} operations (replay: make fuzz FUZZ_SEED={a.seed} "
          f"FUZZ_OPS={a.ops})", flush=True)
    r = boot.boot(iso, emu="bochs", cpus=2, timeout=300 + a.ops * SECONDS_PER_OP, echo=True,
                  keep=os.path.join(BUILD, "test-logs", "make-fuzz"))
    try:
        if r.reason == "timeout":
            raise CheckFailed(f"no final line within {r.seconds:.0f} s")
        pair.check_pair(r.serial)
    except CheckFailed as e:
        print(f"make fuzz: FAIL (seed {a.seed}, {a.ops} operations): {e}; log in "
              "build/test-logs/make-fuzz/")
        return 1
    print(f"make fuzz: PASS (seed {a.seed}, {a.ops} operations, {r.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
