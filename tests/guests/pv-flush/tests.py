# SPDX-License-Identifier: GPL-2.0
"""The pv-flush guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_pv_flush(modes):
    """Each mode's shootdowns left no stale translation (the guest checks; the lines must be
    there)."""
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


TESTS = {
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
    # On shadow page tables (ept=off), with VPID where the CPU has it: translations survive VM
    # exits, so each mode passes only if its flush INVVPIDs what the shadow dropped (INVLPG's
    # address, the PV flush's pages, the IPI's full flush).
    "vm-pv-flush-shadow": ("bochs", 2, {"modules": [vm_line(
        "pv-flush", "vm=fl vcpus=6 mem=32M ept=off -- cpus=6 rounds=20")]},
        all_of(vm_passed("fl"), no_panic_and_end, check_pv_flush(("pv", "ipi", "flushbit")))),
    "vm-pv-flush-detector-shadow": ("bochs", 2, {"modules": [vm_line(
        "pv-flush", "vm=fl vcpus=2 mem=32M ept=off -- cpus=2 rounds=20 mode=none expect=stale")]},
        all_of(vm_passed("fl"), no_panic_and_end, check_stale_seen)),
    "vm-pv-flush-skip-flush-shadow": ("bochs", 2, {"cmdline": DEFAULT + " inject=skip-flush",
                                                   "modules": [vm_line(
        "pv-flush", "vm=fl vcpus=2 mem=32M ept=off -- cpus=2 rounds=20 mode=pv")]},
        all_of(no_panic_and_end, check_skip_flush)),
}
