# SPDX-License-Identifier: GPL-2.0
"""The pv-ipi guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_pv_ipi(log):
    """A self IPI by hypercall was taken at once; every shape passed both ways; CPU 0 made about one sending exit (VMCALL, WRMSR) per PV
    call and at least one per ICR write, and all its exits in the PV phase are a tenth of the
    plain phase's (vCPU 0's rows in the tables around each phase). The exits the clock (slice
    ends, timers) and shadow paging's page faults cause it are not sends: their number follows
    how long the phase runs and on what paging, not how it sends."""
    for way in ("pv", "plain"):
        for shape in ("one", "self", "all", "all-but-self", "sparse-37", "two-banks",
                      "many-banks", "nmi-sparse"):
            expect(log, rf"^pv: TEST pv-ipi-{way}-{shape}: PASS$", f"pv-ipi-{way}-{shape}")
    # A self IPI by hypercall is taken before the caller's next instruction (at its entry).
    expect(log, r"^pv: TEST pv-ipi-self-prompt: PASS$", "pv-ipi-self-prompt")
    sends = {}
    for way in ("pv", "plain"):
        m = expect(log, rf"^pv: pv-ipi: phase {way}: (\d+) sending exits .* for (\d+) targets",
                   f"phase {way}'s totals")
        sends[way] = int(m.group(1))
    rows, reasons = stats_vcpu0_exits(log), stats_vcpu0_reasons(log)
    if len(rows) < 4 or len(reasons) < 4:
        raise CheckFailed(f"expected 4 statistics tables around the phases, got {len(rows)}")

    def sending(i):
        return sum(reasons[i + 1].get(r, 0) - reasons[i].get(r, 0) for r in ("VMCALL", "WRMSR"))

    pv, plain = rows[1] - rows[0], rows[3] - rows[2]
    pv_sends, plain_sends = sending(0), sending(2)
    print(f"  vm-pv-ipi: vCPU 0 exits: pv phase {pv} ({pv_sends} VMCALL/WRMSR) for "
          f"{sends['pv']} calls, plain phase {plain} ({plain_sends} VMCALL/WRMSR) for "
          f"{sends['plain']} ICR writes", flush=True)
    if plain_sends < sends["plain"]:
        raise CheckFailed(f"plain phase: {plain_sends} VMCALL/WRMSR exits of vCPU 0 for "
                          f"{sends['plain']} ICR writes")
    if pv_sends > sends["pv"] + 16 or pv * 10 > plain:
        raise CheckFailed(f"pv phase: {pv_sends} VMCALL/WRMSR exits ({pv} in all) of vCPU 0 "
                          f"for {sends['pv']} calls (plain: {plain})")


TESTS = {
    "vm-pv-ipi": ("bochs", 2, {"modules": [vm_line("pv-ipi", "vm=pv vcpus=1024 mem=64M debug=on -- "
                                                   "cpus=1024 smp_wait_ms=60000")]},
                  all_of(vm_passed("pv"), no_panic_and_end, check_pv_ipi)),
}
