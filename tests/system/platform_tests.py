# SPDX-License-Identifier: GPL-2.0
"""Kestrel itself, with no test guest or a trivial one: CPUs, VMX, the command line, panics,
the screen."""
from checks import *  # noqa: F401,F403
import os
import re

import boot
import screen


def check_vmx_boot(n):
    def check(log):
        check_clean(log)
        check_cpus(log, n, n)
        expect(log, r"^kestrel: vmx: EPT yes .*VPID yes, unrestricted guest yes", "EPT/VPID/UG")
        expect(log, r"^kestrel: vmx: preemption timer yes", "the preemption timer")
        # No Bochs model has posted interrupts; the probe names the control that is missing.
        expect(log, r"^kestrel: vmx: posted interrupts not used: no \"process posted "
               r"interrupts\"; other pCPUs' interrupts kick$", "the posted-interrupt probe")
        expect(log, r"^kestrel: vmx: acknowledge interrupt on exit used$",
               "acknowledge interrupt on exit")
    return check


def check_no_vmx(n):
    """A CPU without VMX: every CPU up, none in VMX root, the reason and what to do instead."""
    def check(log):
        refuse(log, r"PANIC", "a panic")
        check_cpus(log, n, 0)
        expect(log, r"^kestrel: error: no VMX: the CPU does not report VMX", "the no-VMX reason")
        expect(log, r"make run.*-enable-kvm -cpu host,\+vmx", "what to do instead")
        expect(log, r"^kestrel: halting$", "a clean halt")
    return check


def check_qemu(n):
    """QEMU runs with KVM only where the host gives nested VMX (boot.qemu_accel): then Kestrel
    must reach VMX root on every CPU; under TCG it must say that VMX is missing."""
    def check(log):
        if boot.qemu_accel()[0] == "kvm":
            refuse(log, r"PANIC", "a panic")
            check_cpus(log, n, n)
            return
        check_no_vmx(n)(log)
    return check


def check_amd(log):
    check_no_vmx(1)(log)
    expect(log, r"it is an AMD CPU, and Kestrel does not support AMD SVM", "the AMD hint")
    refuse(log, r"^kestrel: vmx:", "VMX capability lines on a CPU without VMX")


def check_no_ept(log):
    refuse(log, r"PANIC", "a panic")
    # Without EPT the VM runs on shadow page tables, without the preemption timer on the host's
    # LAPIC timer, and without "load IA32_EFER" and "load IA32_PAT" with both in the MSR lists.
    refuse(log, r"not started|failed in |VM entry failed",
           "a refused VM or a failed VMX instruction")
    expect(log, r"^kestrel: vmx: IA32_EFER switched by the MSR-load lists",
           "EFER on the MSR-load lists")
    expect(log, r"vm hello: 1 vCPUs?, 16 MiB, shadow page tables", "the VM on shadow page tables")
    vm_passed("hello")(log)
    expect(log, r"^kestrel: halting$", "the final 'halting' line")
    check_cpus(log, 1, 1)
    expect(log, r"^kestrel: vmx: EPT no .*VPID no", "EPT and VPID reported absent")
    expect(log, r"^kestrel: vmx: preemption timer no", "no preemption timer reported")


# A Core 2 (Bochs's core2_penryn_t9600): VMX without EPT, VPID, unrestricted guest, the
# VMX-preemption timer, "enable RDTSCP" or "enable INVPCID". Every CPU reaches VMX root; the capabilities are
# probed and printed; deadlines go to the host's one-shot LAPIC timer (no TSC-deadline there),
# EFER and PAT go through the MSR lists (no controls load them); a 2-vCPU VM runs on shadow page
# tables, its AP started in real mode as virtual-8086 mode.
def check_penryn(log):
    refuse(log, r"PANIC", "a panic")
    refuse(log, r"failed in |VM entry failed|INVEPT type|INVVPID type", "a failed VMX instruction")
    check_cpus(log, 2, 2)
    expect(log, r"^kestrel: vmx: EPT no .*VPID no, unrestricted guest no$",
           "EPT, VPID and unrestricted guest reported absent")
    expect(log, r"^kestrel: vmx: INVEPT no \(single no, all no\), INVVPID no", "no INVEPT/INVVPID")
    expect(log, r"^kestrel: vmx: preemption timer no, MSR bitmaps yes", "no preemption timer")
    expect(log, r"^kestrel: vmx: secondary controls (yes|no) \(WBINVD exiting (yes|no), enable "
           r"RDTSCP no, enable INVPCID no\)$", "the secondary controls, without RDTSCP or INVPCID")
    expect(log, r"^kestrel: vmx: deadlines and slices on the host LAPIC timer \(one-shot\) with "
           r"external-interrupt exits: the CPU has no VMX-preemption timer$",
           "deadlines on the host's one-shot timer")
    refuse(log, r"not started", "a refused VM")
    expect(log, r"^kestrel: vmx: posted interrupts not used: APICv not used;",
           "no posted interrupts without APICv")
    # Its host timer's interrupts are taken from the exit information (exits/interrupt.c).
    expect(log, r"^kestrel: vmx: acknowledge interrupt on exit used$",
           "acknowledge interrupt on exit")
    expect(log, r"^kestrel: vmx: IA32_EFER switched by the MSR-load lists, IA32_PAT by the "
           r"MSR-load and MSR-store lists$", "EFER and PAT on the MSR lists")
    expect(log, r"vm hello: 2 vCPUs, 16 MiB, shadow page tables", "the VM on shadow page tables")
    expect(log, r"hello: 2 cpus up", "both vCPUs up")
    vm_passed("hello")(log)
    expect(log, r"^kestrel: halting$", "the final 'halting' line")


def check_bad_cmdline(log):
    expect(log, r"^kestrel: warning: command line: 'bogus=1': unknown option \(ignored\)$",
           "a warning naming 'bogus=1'")
    expect(log, r"^kestrel: warning: command line: 'maxcpus=zero': maxcpus must be", 
           "a warning naming 'maxcpus=zero'")
    expect(log, r"^kestrel: warning: command line: 'loglevel=loud': loglevel must be",
           "a warning naming 'loglevel=loud'")
    refuse(log, r"PANIC", "a panic")
    check_cpus(log, 2, 2)


def check_panic(log):
    """An exception in the hypervisor: the reason, the CPU, the registers, every CPU stopped."""
    expect(log, r"^kestrel: PANIC on cpu 0: #UD invalid opcode in the hypervisor$", "the reason")
    expect(log, r"^  vector 6 error 0x0  rip [0-9a-f]{16}", "the trap frame")
    expect(log, r"^  rax [0-9a-f]{16}  rbx [0-9a-f]{16}", "the registers")
    expect(log, r"^kestrel: halted$", "the final 'halted' line")
    refuse(log, r"^kestrel: halting$", "a normal end after the panic")


def check_maxcpus(log):
    check_clean(log)
    found, up, root = summary(log)
    if (found, up, root) != (2, 1, 1):
        raise CheckFailed(f"maxcpus=1 on 2 CPUs: summary {found}/{up}/{root}, expected 2/1/1")


MODULE0 = "vm=demo vcpus=2 -- x=1"


def check_modules(log):
    refuse(log, r"PANIC", "a panic")
    expect(log, r"^kestrel: error: vm demo: not started: module 0: not a multiboot kernel",
           "the not-a-kernel message")
    expect(log, r"^kestrel: halting$", "the final 'halting' line")
    expect(log, r"^kestrel: modules: 2$", "two modules")
    # As the harness wrote it: run.py --apicv adds its word to the line.
    line = boot.with_vm_words(MODULE0, os.environ.get(boot.VM_WORDS_ENV, ""))
    expect(log, r"^kestrel:   module 0: 0x[0-9a-f]+-0x[0-9a-f]+ \(\d+ KiB\) " + re.escape(line) +
           "$", "module 0 with its command line")
    expect(log, r"^kestrel:   module 1: .* vm=demo$", "module 1 with its command line")
    expect(log, r"^kestrel: debug:   0000000000000000-[0-9a-f]+ available$",
           "the memory map at loglevel=debug")


NO_VMX = "kestrel: error: no VMX: the CPU does not report VMX"


def no_vmx_on(rows, log):
    """The no-VMX message among the screen's rows (a wrapped line reads on across rows)."""
    if boot.qemu_accel()[0] == "kvm" and NO_VMX not in log:
        return  # nested VMX under KVM: nothing to complain about
    if NO_VMX not in "".join(rows):
        raise CheckFailed("the no-VMX message is not on the screen")


def screen_vga_text(r, name):
    """BIOS: the VGA text buffer holds the serial log's last lines, light grey on black."""
    expect(r.serial, r"^kestrel: screen: VGA text at 0xb8000, 80x25 characters$",
           "the screen line naming VGA text")
    rows = screen.grid(r.serial, 80, 25)
    with open(r.screen["vga_text"], "rb") as f:
        screen.check_vga_text(f.read(), rows)
    no_vmx_on(rows, r.serial)


def screen_pixels(r, name):
    """UEFI: the screendump is, pixel for pixel, the serial log's last lines in the built-in
    font (a PNG of it is left in build/screens/ to look at)."""
    m = expect(r.serial, r"^kestrel: screen: (\d+)x(\d+) framebuffer at 0x[0-9a-f]+, \d bytes per "
               r"pixel, \d+x\d+ characters$", "the screen line naming a framebuffer")
    w, h, _ = screen.read_ppm(r.screen["ppm"])
    if (w, h) != (int(m.group(1)), int(m.group(2))):
        raise CheckFailed(f"the screendump is {w}x{h}, the framebuffer {m.group(1)}x{m.group(2)}")
    os.makedirs(os.path.join(BUILD, "screens"), exist_ok=True)
    rows = screen.check_pixels(r.screen["ppm"], r.serial,
                               png=os.path.join(BUILD, "screens", name + ".png"))
    no_vmx_on(rows, r.serial)


def screen_untouched(r, name):
    """console=com1: not one Kestrel line on the screen (GRUB's "Booting `Kestrel'" may stay)."""
    expect(r.serial, r"^kestrel: screen: off \(not in console=\)$", "the screen reported off")
    with open(r.screen["vga_text"], "rb") as f:
        text = f.read()[0::2].decode("latin-1")
    if "kestrel:" in text or "hypervisor" in text:
        raise CheckFailed("Kestrel wrote to the screen with console=com1")


TESTS = {
    "bochs-1cpu": ("bochs", 1, {}, check_vmx_boot(1)),
    "bochs-2cpu": ("bochs", 2, {}, check_vmx_boot(2)),
    "bochs-4cpu": ("bochs", 4, {}, check_vmx_boot(4)),
    "bochs-no-ept": ("bochs", 1, {"model": "core2_penryn_t9600",
                                  "modules": [vm_line("hello", "vm=hello vcpus=1 mem=16M")]},
                     check_no_ept),
    "bochs-penryn": ("bochs", 2, {"model": "core2_penryn_t9600",
                                  "modules": [vm_line("hello", "vm=hello vcpus=2 mem=16M -- "
                                                      "cpus=2")]},
                     check_penryn),
    # IA32_PAT (and EFER) in the MSR lists: the guest's PAT survives exits, every MSR CPUID
    # promises answers on this model.
    "bochs-penryn-msr": ("bochs", 1, {"model": "core2_penryn_t9600", "modules": [
        vm_line("conformance", "vm=cmsr vcpus=1 mem=16M -- mode=msr")]},
        all_of(vm_passed("cmsr"), no_panic_and_end)),
    "bochs-amd-no-vmx": ("bochs", 1, {"model": "ryzen"}, check_amd),
    "bochs-bad-cmdline": ("bochs", 2, {"cmdline": DEFAULT + " bogus=1 maxcpus=zero loglevel=loud"},
                          check_bad_cmdline),
    "bochs-maxcpus": ("bochs", 2, {"cmdline": DEFAULT + " maxcpus=1"}, check_maxcpus),
    "bochs-panic": ("bochs", 2, {"cmdline": DEFAULT + " selftest=exception"}, check_panic),
    "bochs-modules": ("bochs", 1, {"cmdline": "console=com1 loglevel=debug",
                                   "modules": [("/guests/a.bin", "boot/grub.cfg.in",
                                                MODULE0),
                                               ("/guests/b.bin", "linker.ld", "vm=demo")]},
                      check_modules),
    "qemu-bios": ("qemu", 2, {"screen": screen_vga_text}, check_qemu(2)),
    "qemu-uefi": ("qemu", 2, {"uefi": True, "screen": screen_pixels}, check_qemu(2)),
    "qemu-bios-serial-only": ("qemu", 2, {"cmdline": "console=com1 loglevel=info",
                                          "screen": screen_untouched}, check_qemu(2)),
}

# The passes without EPT (tests/system/run.py --passes): these boot Kestrel with no VM line to
# put ept=off on, or with module lines that are no guests (bochs-modules reads its lines back).
_NO_VM = "boots Kestrel without a VM line: nothing to run on shadow paging"
EPT_ONLY = {t: _NO_VM for t in ("bochs-1cpu", "bochs-2cpu", "bochs-4cpu", "bochs-amd-no-vmx",
                                "bochs-bad-cmdline", "bochs-maxcpus", "bochs-panic", "qemu-bios",
                                "qemu-uefi", "qemu-bios-serial-only")}
EPT_ONLY["bochs-modules"] = "its modules are no guests: it checks the module lines read back"
# Already on core2_penryn_t9600, where every VM runs on shadow page tables: the shadow and penryn
# passes would boot the very same thing again.
_ON_PENRYN = "runs on core2_penryn_t9600 (shadow paging) in every pass already"
SKIP = {t: {"shadow": _ON_PENRYN, "penryn": _ON_PENRYN}
        for t in ("bochs-no-ept", "bochs-penryn", "bochs-penryn-msr")}
