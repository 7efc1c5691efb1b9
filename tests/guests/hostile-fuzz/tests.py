# SPDX-License-Identifier: GPL-2.0
"""The hostile-guest fuzzer beside a victim VM: no panic, no leak, the victim's work done in time.

The fuzzer VM (two vCPUs) and the victim (tests/guests/spin, two vCPUs) share both pCPUs
(cpus=0-1 on each module line). The victim's TSC ticks for its work beside the fuzzer are held
against the same work alone, measured in a boot of its own by the check itself.
"""
import os
import re
import threading

from checks import *  # noqa: F401,F403
from checks import boot

FUZZ_OPS = int(os.environ.get("FUZZ_OPS", "100000"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "1"))
# Every class, INIT-SIPI (0x100) included. Without periodic balancing the victim's vCPU that
# shared a pCPU with both of the fuzzer's took 2.44 times its ticks alone (seed 1, 100,000
# operations; bound 2); 1.61 now. Before Kestrel's fixes the AP's restarts also failed ("did not
# come back", a triple fault at 0:801e, "0 of 1 APs parked"): docs/security.md.
FUZZ_CLASSES = os.environ.get("FUZZ_CLASSES", "0x1fff")
VICTIM_ROUNDS = 5000000

# The bound: round robin between two VMs with as many vCPUs as pCPUs gives the victim half of
# each pCPU, so its work takes at most twice its TSC ticks alone; it is less when the fuzzer
# halts or waits for its APs. Twice is also the issue's bound ("at least half the progress it
# makes alone"). The memory classes broke it on shadow paging (2.04-2.05x) and on
# core2_penryn_t9600 (2.08-2.13x), and came close on EPT (1.90-1.92x): the fuzzer's runs went up
# to 2.9 million TSC ticks past a 20,000-tick slice (its VMCALLs took 10,801 ticks on average,
# KESTREL_HC_MEM_PROTECT zeroing the RAM it takes back in the exit), and round robin charged
# none of it. Runs past their slice end are owed now and paid back from the vCPU's next slices
# (hv/sched/policy.h, "slice debt"): 1.81-1.84x (EPT), 1.88-1.93x (shadow), 1.88-1.90x
# (penryn), the memory tests and this one. The
# victim's line says how much of its work's time each vCPU was kept off its pCPU (the steal
# time in its shared area).
VICTIM_MAX_RATIO = 2.0


def fuzz_line(ops, seed, extra="", classes="0x1fff", strict=False, vm_words=""):
    """strict: the VM stops at an access nothing backs (strict_mmio=on), as end=outside wants:
    by default Kestrel reads all ones there, as a PC does. vm_words: more of the VM's words."""
    words = (" strict_mmio=on" if strict else "") + (" " + vm_words if vm_words else "")
    return vm_line("hostile-fuzz", f"vm=fuzz vcpus=2 mem=16M cpus=0-1{words} -- cpus=2 "
                   f"seed={seed} ops={ops} classes={classes}{extra}")


def victim_line():
    return vm_line("spin", f"vm=victim vcpus=2 mem=16M cpus=0-1 -- cpus=2 "
                   f"rounds={VICTIM_ROUNDS} reports=2")


CHUNK_FRAMES = 512  # frames in a chunk of guest RAM (mm/guest_mem.h, 2 MiB)


def free_frames_kept(log):
    """The frames free with every VM created are free again once the last VM stopped and
    every VM's EPT tables were freed (all generations, on demand ones too): the count is back
    where it was before the VMs ran, plus the roots each VM had then and the frames its vCPUs
    were created with and freed at its stop (MSR-load lists, on core2_penryn_t9600)."""
    before = expect(log, r"^kestrel: free frames (\d+) with every VM created$",
                    "free frames with every VM created")
    after = expect(log, r"^kestrel: free frames (\d+) with every VM stopped and its EPT freed "
                   r"\((\d+) EPT roots among them, (\d+) tables freed since creation, "
                   r"(\d+) vCPU frames freed\)$",
                   "free frames with every VM stopped and its EPT freed")
    b, a, roots, freed, vcpu = (int(x) for x in (before.group(1), *after.groups()))
    # The heap keeps the frames it carves into size classes: what it took meanwhile is no leak.
    heap = [int(x) for x in re.findall(r"^kestrel: heap: (\d+) frames in its size classes$",
                                       log, re.M)]
    if len(heap) != 2:
        raise CheckFailed(f"{len(heap)} of 2 'heap: N frames' lines")
    grew = heap[1] - heap[0]
    # A stopped VM keeps its RAM, less the 2 MiB chunks it gave back and did not take back.
    out = sum(int(g) - int(t) for g, t in re.findall(
        r"^  mem: host chunks given back (\d+), fresh ones taken back (\d+)$", log, re.M))
    print(f"    host free frames: {b} before, {a} after, {roots} EPT roots, {freed} tables freed, "
          f"{grew} taken by the heap, {out} chunks still given back")
    if a != b + roots + vcpu - grew + out * CHUNK_FRAMES:
        raise CheckFailed(f"free frames {b} with every VM created and {a} with every VM stopped "
                          f"and its EPT freed: expected {b} + {roots} roots + {vcpu} vCPU frames "
                          f"- {grew} the heap took + {out} x {CHUNK_FRAMES} given back (a leak?)")
    # On shadow paging no EPT is built (the root stands alone): shadow pages are freed with it.
    if freed <= roots and not re.search(r"^kestrel: vm \S+: .*shadow page tables", log, re.M):
        raise CheckFailed(f"only {freed} EPT tables freed: none built on demand?")


def victim_work(log, vm):
    """Each vCPU's (TSC ticks, steal ticks) for its work: steal is what Kestrel's shared area
    says it was kept off its pCPU meanwhile (None where the guest could not register one)."""
    work = [(int(t), None if s == "-" else int(s)) for t, s in re.findall(
        rf"^{vm}: spin: cpu \d+ total {VICTIM_ROUNDS} in (\d+) TSC ticks, \d+ timer interrupts, "
        r"steal (\d+|-)$", log, re.M)]
    if len(work) != 2:
        raise CheckFailed(f"vm {vm}: {len(work)} of 2 vCPUs reported their work")
    return work


def victim_ticks(log, vm):
    return max(t for t, _ in victim_work(log, vm))


_alone = {}
_alone_lock = threading.Lock()  # two tests of a pass may ask at once: one boot each baseline


def victim_alone():
    """The victim's ticks for its work with the pCPUs to itself: one boot per pass kept for the
    run, on the pass's model and paging (on shadow paging and without the preemption timer the
    same work takes more ticks than on EPT: an EPT baseline made the ratio 2.11x on penryn)."""
    ept_off = bool(os.environ.get(boot.PASS_EPT_OFF_ENV))
    model = os.environ.get(boot.PASS_MODEL_ENV) or "corei7_icelake_u"
    with _alone_lock:
        return _victim_alone(ept_off, model, os.environ.get(boot.VM_WORDS_ENV, ""))


def _victim_alone(ept_off, model, words_added):
    key = (ept_off, model, words_added)  # make_iso adds the pass's words (apicv=off)
    if key not in _alone:
        tag = ("-shadow" if ept_off else "") + ("-" + words_added.replace("=", "-")
                                                  if words_added else "")
        iso = os.path.join(BUILD, "test-isos", f"hostile-fuzz-victim-alone-{model}{tag}.iso")
        os.makedirs(os.path.dirname(iso), exist_ok=True)
        d, src, words = victim_line()
        if ept_off:
            words = boot.with_vm_words(words, "ept=off")
        boot.make_iso(ELF, iso, DEFAULT, [(d, src, words)])
        r = boot.boot(iso, emu="bochs", cpus=2, model=model, timeout=300)
        vm_passed("victim")(r.serial)
        _alone[key] = victim_ticks(r.serial, "victim")
    return _alone[key]


def victim_kept_pace(log):
    beside, alone = victim_ticks(log, "victim"), victim_alone()
    kept_off = ", ".join(f"cpu {i} {st / t:.0%}" if st is not None else f"cpu {i} -"
                         for i, (t, st) in enumerate(victim_work(log, "victim")))
    print(f"    victim: {alone} TSC ticks alone, {beside} beside the fuzzer "
          f"({beside / alone:.2f}x, bound {VICTIM_MAX_RATIO}x; kept off its pCPU: {kept_off})")
    if beside > VICTIM_MAX_RATIO * alone:
        raise CheckFailed(f"the victim took {beside} TSC ticks beside the fuzzer, more than "
                          f"{VICTIM_MAX_RATIO} x {alone} alone")
    lines = log.splitlines()
    done = next(i for i, line in enumerate(lines) if re.match(r"^fuzz: RESULT:", line))
    if not any(re.match(r"^victim: spin: cpu \d+ total", line) for line in lines[:done]):
        raise CheckFailed("the fuzzer ended before the victim finished: nothing was measured")


def check_pair(log):
    vm_passed("fuzz")(log)
    vm_passed("victim")(log)
    no_panic_and_end(log)
    free_frames_kept(log)
    victim_kept_pace(log)


def check_outside(log):
    """The fuzzer's invariants held, then its load outside RAM stopped it (by design)."""
    expect(log, r"^fuzz: RESULT: PASS$", "the fuzzer's RESULT: PASS before its last load")
    expect(log, r"^kestrel: vm fuzz: stopped: vcpu 0: read of guest-physical 0x[0-9a-f]+ at rip "
           r"0x[0-9a-f]+: outside its 16 MiB", "vm fuzz stopped by its load outside RAM")
    refuse(log, r"^fuzz: hostile-fuzz: the load outside RAM came back", "a load outside RAM")
    no_panic_and_end(log)
    free_frames_kept(log)


TESTS = {
    "vm-hostile-fuzz": ("bochs", 2, {"timeout": 1800, "modules": [
        fuzz_line(FUZZ_OPS, FUZZ_SEED, classes=FUZZ_CLASSES), victim_line()]}, check_pair),
    "vm-hostile-fuzz-outside": ("bochs", 2, {"modules": [
        fuzz_line(1000, 3, " end=outside", strict=True)]}, check_outside),
    # Seed 2 sends INIT and SIPI to the AP with no wait between them; both used to be taken
    # in one pass of the run loop, which entered the guest where the INIT had stopped it
    # ('cpu 1 did not come back after INIT-SIPI' twice in 2000 operations).
    "vm-hostile-fuzz-init-sipi": ("bochs", 2, {"modules": [fuzz_line(2000, 2, " park=off")]},
                                  all_of(vm_passed("fuzz"), no_panic_and_end, free_frames_kept)),
    # KESTREL_HC_MEM_PROTECT among the hypercalls (mem=on), 30,000 operations: both vCPUs
    # giving chunks back at once waited for each other's exit handler for ever (both pCPUs hung
    # at about 21,000 operations, vm_mem_release). The run used to end 3 to 13 frames short of
    # the count free_frames_kept expects: the heap's size classes, which keep the frames they
    # take (4 in one run), now counted ("heap: N frames"). With the emulated local APIC: with
    # APICv the fuzzer takes a #GP it did not cause (below).
    "vm-hostile-fuzz-mem": ("bochs", 2, {"timeout": 900, "modules": [
        fuzz_line(30000, 1, " mem=on", vm_words="apicv=off"), victim_line()]}, check_pair),
    # The same calls alone, another seed, with poison=on: a frame or heap block written after it
    # was freed panics where it is handed out again (a failed take-back freed its fresh chunk at
    # once while a copy or a first-use zeroing could still write into it). Alone: poisoning slows
    # the fuzzer's exits, and the victim's bound above is a fairness check, not this one's.
    "vm-hostile-fuzz-mem-poison": ("bochs", 2, {"timeout": 900, "cmdline": DEFAULT + " poison=on",
                                                "modules": [
        fuzz_line(30000, 3, " mem=on", vm_words="apicv=off")]},
        all_of(vm_passed("fuzz"), no_panic_and_end, free_frames_kept)),
    # The same with APICv. The fuzzer took a #GP(0) at the CLI after its STI; HLT (operation
    # 843): the virtual interrupt offered at the entry met an EPT violation on its way through
    # the IDT, and Bochs named in the IDT-vectoring information a #GP the guest had handled long
    # before; Kestrel put that back (apicv_vectoring_info in arch/x86/vmx/apicv.h). And one of
    # the chunks given back was never taken back: 512 frames more free at the end.
    "vm-hostile-fuzz-mem-apicv": ("bochs", 2, {"timeout": 900, "modules": [
        fuzz_line(30000, 1, " mem=on", vm_words="apicv=on"), victim_line()]}, check_pair),
    # Seed 1 beside the victim: restarted, the AP parked again (vCPU 0 still in that round),
    # and sharing a pCPU with vCPU 0 it did not run between that round's end and the next
    # one's start, so it never saw the park flag drop nor counted itself parked again ('0 of 1
    # APs parked for an INIT' at its 17th operation). The rounds are numbered now.
    "vm-hostile-fuzz-park": ("bochs", 2, {"modules": [
        fuzz_line(3000, 1), victim_line()]},
        all_of(vm_passed("fuzz"), vm_passed("victim"), no_panic_and_end, free_frames_kept)),
}
