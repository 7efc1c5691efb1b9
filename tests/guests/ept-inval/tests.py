# SPDX-License-Identifier: GPL-2.0
"""The ept-inval guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403


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


TESTS = {
    "vm-ept-invalidate": ("bochs", 2, {"modules": [vm_line("ept-inval",
                                                           "vm=ept vcpus=3 mem=32M -- cpus=3")]},
                          all_of(vm_passed("ept"), no_panic_and_end, check_ept_stats)),
}
