# SPDX-License-Identifier: GPL-2.0
"""The bad-memory guest's system tests: unbacked guest-physical memory as on a PC, or a stop."""
from checks import *  # noqa: F401,F403


def check_notes(log):
    """Each access was emulated and noted (rate-limited: the first one at least)."""
    expect(log, r"^kestrel: vm bad: vcpu 0: read of unbacked guest-physical 0x7fff0000 at rip "
           r"0x[0-9a-f]+: all ones \(0 more not shown; strict_mmio=on stops the VM instead\)$",
           "the note of the first unbacked read")
    m = expect(log, r"^  mem: .* unbacked reads (\d+) and writes (\d+)$", "the mem line")
    if (int(m.group(1)), int(m.group(2))) != (4, 2):
        raise CheckFailed(f"expected 4 unbacked reads and 2 writes, got {m.group(0)!r}")


def victim_first(log):
    """The victim finished its spin while the looping VM still looped: it got its turns."""
    lines = log.splitlines()
    done = next((i for i, line in enumerate(lines) if "bad: bad-memory: loop done" in line), None)
    if done is None:
        raise CheckFailed("the looping VM did not finish its loop")
    if not any(re.match(r"^victim: RESULT: PASS$", line) for line in lines[:done]):
        raise CheckFailed("the victim finished only after the looping VM's loop: it was kept off "
                          "the pCPU while the other VM's reads exited")


TESTS = {
    "vm-bad-memory": ("bochs", 1, {"modules": [vm_line("bad-memory", "vm=bad vcpus=1 mem=16M")]},
                      all_of(vm_passed("bad"), no_panic_and_end, check_notes)),
    # strict_mmio=on: the old behaviour, the first access stops the VM.
    "vm-bad-memory-strict": ("bochs", 1, {"modules": [vm_line(
        "bad-memory", "vm=bad vcpus=1 mem=16M strict_mmio=on -- expect=stop")]},
        all_of(vm_stopped("bad", r"vcpu 0: read of guest-physical 0x7fff0000 at rip "
                                 r"0x[0-9a-f]+: outside its 16 MiB of memory"),
               no_panic_and_end)),
    # A VM whose every exit is an emulated read (an EPT violation; on shadow paging a #PF) beside
    # another on the one pCPU, on the host's LAPIC timer. Such exits may have cut an event's
    # delivery short, and the run loop acted on a passed deadline only after exits that could
    # not: its slice never ended (the looping VM's reads come faster than the timer's 400-tick
    # lead), and the victim got no turn until the 4,000 reads were done (vm-mem-protect-shadow
    # hung on core2_penryn_t9600 so, one vCPU reading given-back memory). Now only a delivery
    # really cut short (IDT-vectoring information valid) defers the deadline. The victim's
    # longest wait may include one of Kestrel's synchronous notes of the unbacked reads (about
    # 150,000 TSC ticks).
    "vm-bad-memory-loop": ("bochs", 1, {"timeout": 400, "cmdline": DEFAULT + " preemption_timer=off",
                                        "modules": [
        vm_line("bad-memory", "vm=bad vcpus=1 mem=16M -- loop=4000"),
        vm_line("uart-flood", "vm=victim vcpus=1 mem=16M -- role=victim spin_us=200000 "
                "max_gap=400000")]},
        all_of(vm_passed("bad"), vm_passed("victim"), no_panic_and_end, victim_first)),
    # An instruction fetch from unbacked memory stops the VM whatever strict_mmio says.
    "vm-bad-memory-fetch": ("bochs", 1, {"modules": [vm_line(
        "bad-memory", "vm=bad vcpus=1 mem=16M -- fetch=on")]},
        all_of(vm_stopped("bad", r"vcpu 0: instruction fetch of guest-physical 0xc0000000 at "
                                 r"rip 0xc0000000: outside its 16 MiB of memory"),
               lambda log: refuse(log, r"came back from a jump", "a return from the jump"),
               no_panic_and_end)),
}
