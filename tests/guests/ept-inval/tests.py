# SPDX-License-Identifier: GPL-2.0
"""The ept-inval guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


def check_ept_stats(log):
    """4 rounds of each way; every obsolete tree freed by the end; RAM re-faulted on demand;
    and no more EPT table pages than at the start: an invalidation by walking clears what maps
    memory but keeps the tables, which the re-faults use again (it once unlinked them and the
    re-faults allocated new ones: host memory a guest could drain at will)."""
    m = expect(log, r"^  ept: generation (\d+), invalidations by generation (\d+) and by walking "
               r"(\d+), re-faults (\d+), tables freed (\d+), obsolete trees (\d+), tables now "
               r"(\d+) \((\d+) at start\)$", "the EPT statistics line")
    gen, by_gen, by_walk, faults, freed, obsolete, now, start = (int(x) for x in m.groups())
    if (by_gen, by_walk, gen) != (4, 4, 5):
        raise CheckFailed(f"expected 4 + 4 invalidations and generation 5, got {m.group(0)!r}")
    if obsolete != 0 or freed < 4:
        raise CheckFailed(f"obsolete trees not all freed: {m.group(0)!r}")
    if faults == 0:
        raise CheckFailed("no re-faults after invalidations")
    if now > start:
        raise CheckFailed(f"the EPT grew from {start} to {now} table pages: invalidations leak "
                          "host memory")


TESTS = {
    "vm-ept-invalidate": ("bochs", 2, {"modules": [vm_line(
        "ept-inval", "vm=ept vcpus=3 mem=32M debug=on -- cpus=3")]},
                          all_of(vm_passed("ept"), no_panic_and_end, check_ept_stats)),
    # 4 KiB EPT pages: a page table for every 2 MiB of RAM, as a host tracking dirty pages has.
    "vm-ept-invalidate-4k": ("bochs", 2, {"cmdline": DEFAULT + " ept=4k", "modules": [vm_line(
        "ept-inval", "vm=ept vcpus=3 mem=32M debug=on -- cpus=3")]},
        all_of(vm_passed("ept"), no_panic_and_end, check_ept_stats)),
}
