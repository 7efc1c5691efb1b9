# SPDX-License-Identifier: GPL-2.0
"""The mem-protect guest's system tests: its VM lines and what its log must say."""
from checks import *  # noqa: F401,F403
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "kestrel_fuzz_checks", os.path.join(os.path.dirname(__file__), "..", "hostile-fuzz",
                                        "tests.py"))
_fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fuzz)


def check_mem_line(log):
    """Pages were mapped on demand, 4 KiB ones for the split page, a range zapped for it, and
    the emulated accesses to given-back and read-only memory counted and noted."""
    m = expect(log, r"^  mem: pages mapped on demand 4K (\d+), 2M (\d+), 1G (\d+), range zaps "
               r"(\d+), table limit hits (\d+), unbacked reads (\d+) and writes (\d+)$",
               "the mem statistics line")
    k4, m2, g1, zaps, hits, reads, writes = (int(x) for x in m.groups())
    if k4 == 0 or m2 == 0:
        raise CheckFailed(f"expected 4 KiB and 2 MiB pages mapped: {m.group(0)!r}")
    if zaps == 0:
        raise CheckFailed("the one-page changes zapped no range")
    if reads == 0 or writes == 0:
        raise CheckFailed(f"no emulated access to given-back or read-only memory counted: "
                          f"{m.group(0)!r}")
    expect(log, r"^kestrel: vm mp: vcpu \d+: write of read-only guest-physical 0x8[0-9a-f]{5} "
           r"at rip 0x[0-9a-f]+: dropped \(\d+ more not shown; strict_mmio=on stops the VM "
           r"instead\)$", "the note of a dropped write to read-only memory")


def check_mem_line_shadow(log):
    """On shadow page tables: no EPT mapping at all, each change of the memory map invalidated
    the shadow (its pages went obsolete, the vCPUs reloaded), and the emulated accesses to
    given-back and read-only memory were counted and noted as with EPT."""
    m = expect(log, r"^  mem: pages mapped on demand 4K (\d+), 2M (\d+), 1G (\d+), range zaps "
               r"(\d+), table limit hits (\d+), unbacked reads (\d+) and writes (\d+)$",
               "the mem statistics line")
    k4, m2, g1, zaps, hits, reads, writes = (int(x) for x in m.groups())
    if k4 + m2 + g1:
        raise CheckFailed(f"EPT mappings made for a VM on shadow page tables: {m.group(0)!r}")
    if reads == 0 or writes == 0:
        raise CheckFailed(f"no emulated access to given-back or read-only memory counted: "
                          f"{m.group(0)!r}")
    s = expect(log, r"^  shadow: faults (\d+) .* zapped (\d+) obsolete .* invalidations (\d+) "
               r"\(and by walking \d+\), root reloads (\d+)", "the shadow statistics line")
    faults, zapped, inval, reloads = (int(x) for x in s.groups())
    if inval == 0 or zapped == 0 or reloads < 3:
        raise CheckFailed(f"the memory-map changes did not invalidate the shadow: {s.group(0)!r}")
    expect(log, r"^kestrel: vm mp: vcpu \d+: write of read-only guest-physical 0x8[0-9a-f]{5} "
           r"at rip 0x[0-9a-f]+: dropped \(\d+ more not shown; strict_mmio=on stops the VM "
           r"instead\)$", "the note of a dropped write to read-only memory")
    expect(log, r"vm mp: 3 vCPUs, 32 MiB, shadow page tables", "the VM on shadow page tables")


def check_chunks_returned(log):
    """Giving back two whole 2 MiB chunks hands their frames to the host's allocator."""
    m = expect(log, r"^kestrel: vm mp: (\d+) chunks \((\d+) MiB\) given back to the host: free "
               r"frames (\d+) -> (\d+)$", "the chunks given back to the host")
    n, mib, before, after = (int(x) for x in m.groups())
    if n != 2 or mib != 4 or after - before != n * 512:
        raise CheckFailed(f"{n} chunks ({mib} MiB) given back, free frames {before} -> {after}:"
                          f" expected 2 chunks and {2 * 512} frames more")
    expect(log, r"^  mem: host chunks given back [1-9]\d*, fresh ones taken back [1-9]\d*$",
           "the chunk counts in the statistics")


TESTS = {
    # 3 vCPUs on 2 pCPUs: at each change one of them is in guest mode elsewhere (kicked and
    # waited for) and another may be waiting its turn (it reloads before it runs again).
    "vm-mem-protect": ("bochs", 2, {"modules": [
        vm_line("mem-protect", "vm=mp vcpus=3 mem=32M debug=on -- cpus=3")]},
        all_of(vm_passed("mp"), no_panic_and_end, check_mem_line, check_chunks_returned,
               _fuzz.free_frames_kept)),
    # The same on shadow page tables: every change of the map invalidates the shadow.
    "vm-mem-protect-shadow": ("bochs", 2, {"modules": [
        vm_line("mem-protect", "vm=mp vcpus=3 mem=32M debug=on ept=off -- cpus=3")]},
        all_of(vm_passed("mp"), no_panic_and_end, check_mem_line_shadow, check_chunks_returned,
               _fuzz.free_frames_kept)),
    # strict_mmio=on: the first write to the read-only window stops the VM.
    "vm-mem-protect-strict": ("bochs", 2, {"modules": [
        vm_line("mem-protect", "vm=mp vcpus=2 mem=32M strict_mmio=on -- cpus=2")]},
        all_of(vm_stopped("mp", r"vcpu 1: write of guest-physical 0x801[0-9a-f]{3} at rip "
                                r"0x[0-9a-f]+: read-only RAM"), no_panic_and_end)),
}

# Passes without EPT (tests/system/run.py --passes): it checks the 4 KiB and 2 MiB EPT pages
# mapped on demand, which shadow paging does not have.
EPT_ONLY = {"vm-mem-protect": "checks EPT pages mapped on demand: EPT-only figures"}
