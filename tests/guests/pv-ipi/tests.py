# SPDX-License-Identifier: GPL-2.0
"""The pv-ipi guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


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


TESTS = {
    "vm-pv-ipi": ("bochs", 2, {"modules": [vm_line("pv-ipi", "vm=pv vcpus=1024 mem=64M debug=on -- "
                                                   "cpus=1024 smp_wait_ms=60000")]},
                  all_of(vm_passed("pv"), no_panic_and_end, check_pv_ipi)),
}
