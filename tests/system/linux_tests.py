# SPDX-License-Identifier: GPL-2.0
"""Debian's unmodified kernel on Kestrel: boots to its /init, which reports and powers off."""
import os
import re
import sys

from checks import (BUILD, CheckFailed, ELF, ROOT, all_of, boot, exit_tables_before, expect,
                    no_panic_and_end, refuse, vm_line, vm_passed)

sys.path.insert(0, os.path.join(ROOT, "tests", "linux"))
import guest  # noqa: E402

WORKLOAD = "kestrel.workload=20000000"  # tlbstorm for 2 s of guest time (Bochs's 10 MHz TSC)
CMDLINE = "console=ttyS0 loglevel=7"  # 7: KERN_INFO lines (kvm-guest: ...) reach the console


def linux_iso(vcpus, mem, words="", cmdline="", beside=()):
    """Builds the ISO: the kernel and an initrd of busybox and tests/linux/init.sh, and the
    module lines of VMs to run beside it (beside)."""
    def build(iso):
        try:
            kernel = guest.kernel()
            with open(os.path.join(ROOT, "tests", "linux", "init.sh")) as f:
                init = f.read()
            rd = guest.initrd(iso + ".initrd", init,  # one per test: built in parallel
                              [("/bin/tlbstorm", guest.workload())])
        except guest.FetchFailed as e:
            raise CheckFailed(str(e))
        line = (f"vm=linux vcpus={vcpus} mem={mem} {words} -- {CMDLINE} "
                f"kestrel.expect_cpus={vcpus} {cmdline}")
        boot.make_iso(ELF, iso, "console=com1 loglevel=info",
                      [("/guests/vmlinuz", kernel, line), ("/guests/initrd", rd, "vm=linux")] +
                      list(beside))
    return build


KVM_LINES = ("KVM setup pv remote TLB flush", "setup PV IPIs", "setup PV sched yield",
             "PV spinlocks enabled")


def linux_booted(vcpus, kvm=None, workload=False):
    """kvm: True, the four kvm-guest lines must be there; False, none of them; None, either.

    workload: tlbstorm ran; with kvm, Linux must have used the FLUSH_TLB bit of preempted
    vCPUs' steal-time areas (Kestrel counts them) and seen steal time (/proc/stat).
    """
    def check(log):
        expect(log, r"^kestrel: vm linux: Linux kernel \(boot protocol 2\.\d+\)",
               "the boot-protocol loader's line")
        expect(log, r"^linux: .*kestrel-init: init running", "Linux reaching /init")
        expect(log, rf"^linux: .*kestrel-init: cpus {vcpus}$", f"{vcpus} CPUs in /proc/cpuinfo")
        expect(log, r"^linux: .*kestrel-init: RESULT: PASS", "/init's verdict")
        expect(log, r"^kestrel: vm linux: stopped: vcpu \d+ powered the VM off \(ACPI S5\) "
               r"\(status 0\)$", "poweroff -f ending the VM through ACPI with status 0")
        refuse(log, r"unchecked MSR access error", "an MSR Linux expects and Kestrel refuses")
        # The MADT's I/O APIC and the 16550 as Linux's 8250 driver finds them.
        expect(log, r"^linux: .*IOAPIC\[0\]: apic_id 0, version 17, address 0xfec00000, "
               r"GSI 0-23$", "Linux finding the I/O APIC")
        # COM1 in the DSDT with ISA IRQ 4: 8250_pnp gets a Linux IRQ for GSI 4 (a dynamic
        # number, the platform being hardware-reduced), and ttyS0's interrupts come through
        # the I/O APIC's pin 4 (init lists the IO-APIC lines of /proc/interrupts).
        expect(log, r"^linux: .*ttyS0 at I/O 0x3f8 \(irq = \d+, base_baud = 115200\) is a "
               r"16550A$", "the 8250 driver finding a 16550A with an IRQ")
        expect(log, r"^linux: .*kestrel-init: ioapic-irqs .* \d+:(?: 0)* [1-9]\d*(?: \d+)* "
               r"IO-APIC 4-edge ttyS0;", "ttyS0's interrupts through I/O APIC pin 4")
        refuse(log, r"MP-BIOS bug|IO-APIC \+ timer doesn't work", "Linux's timer check failing")
        refuse(log, r"^linux: .*Kernel panic", "a kernel panic")
        # IA32_TSC_ADJUST with an invariant TSC: Linux keeps the TSC without the watchdog,
        # whose jiffies fall behind while a vCPU waits for its pCPU (it marked the TSC
        # unstable under overcommit and fell back to refined-jiffies before).
        refuse(log, r"Marking clocksource 'tsc[-a-z]*' as unstable", "the TSC called unstable")
        expect(log, r"^linux: .*kestrel-init: clocksource tsc$", "the TSC as Linux's clocksource")
        # The CMOS RTC (hv/dev/vrtc.c, the DSDT's PNP0B00): rtc_cmos sets the system clock from
        # it, on the date Kestrel read from the host's RTC at boot.
        host = expect(log, r"^kestrel: rtc: VMs' clocks start at (\d{4}-\d\d-\d\d) ",
                      "Kestrel reading the host's RTC").group(1)
        expect(log, rf"^linux: .*rtc_cmos \S+: setting system clock to {host}T",
               f"Linux setting its clock from the RTC to {host}")
        refuse(log, r"Unable to read current time from RTC", "the RTC unreadable")
        # PCI (hv/dev/vpci.c, the DSDT's PNP0A03): mechanism #1 and the host bridge on bus 0.
        expect(log, r"^linux: .*PCI: Using configuration type 1 for base access",
               "Linux taking PCI configuration mechanism #1")
        expect(log, r"^linux: .*pci 0000:00:00\.0: \[1b36:0008\] type 00 class 0x060000",
               "Linux finding the host bridge at 00:00.0")
        refuse(log, r"PCI: Fatal: No config space access function found", "no PCI access")
        # The MCFG's ECAM window (hv/dev/vpci.c), reserved by a PNP0C02 device in the DSDT.
        expect(log, r"^linux: .*PCI: MMCONFIG for domain 0000 \[bus 00-00\] at "
               r"\[mem 0xfe000000-0xfe0fffff\]", "Linux taking the MCFG's ECAM window")
        refuse(log, r"fail to add MMCONFIG information", "the ECAM window refused")
        for line in KVM_LINES:
            if kvm:
                expect(log, rf"^linux: .*kvm-guest: {line}$", f"Linux taking '{line}'")
            elif kvm is False:
                refuse(log, rf"kvm-guest: {line}", f"'{line}' in a VM without KVM's ABI")
        if kvm is False:
            expect(log, r"^linux: .*Booting paravirtualized kernel on bare hardware",
                   "Linux finding no hypervisor interface it knows")
        if workload:
            expect(log, r"^linux: .*tlbstorm: threads \d+ ticks \d+ records [1-9]\d* ",
                   "the workload's records")
            expect(log, r"^linux: .*tlbstorm: RESULT: PASS", "the workload's own check")
            bits = sum(int(x) for x in re.findall(r"FLUSH-bit flushes (\d+)", log))
            ipis = sum(int(x) for x in re.findall(r"^  pv: IPI calls (\d+)", log, re.M))
            steal = re.search(r"kestrel-init: steal (\d+) ", log)
            steal = int(steal.group(1)) if steal else -1
            # With 4 vCPUs most of Linux's IPIs have one target or all but self, which it
            # sends through the ICR: KVM_HC_SEND_IPI is counted, not required.
            print(f"  {bits} FLUSH_TLB-bit flushes, {ipis} KVM_HC_SEND_IPI calls, "
                  f"steal {steal} USER_HZ ticks")
            if kvm and not (bits and steal > 0):
                raise CheckFailed(f"Linux's PV paths unused: {bits} FLUSH_TLB-bit flushes, "
                                  f"steal time {steal} in /proc/stat")
            if kvm is False and (bits or ipis or steal != 0):
                raise CheckFailed(f"PV paths used with pv=off: {bits} flushes, {ipis} IPI "
                                  f"calls, steal {steal}")
    return check


TYPED_LINE = "typed-at-kestrel"


def line_read(log):
    """/init read the line typed at Kestrel's console from ttyS0, by interrupt: ttyS0's count
    on I/O APIC pin 4 grew while it waited."""
    expect(log, rf"^linux: .*kestrel-init: line '{TYPED_LINE}'$", "the typed line read on ttyS0")

    def ttys0(tag):
        m = expect(log, rf"^linux: .*kestrel-init: {tag} (.*)$", f"/init's {tag} line")
        m = re.search(r"(\d+):((?: \d+)+) IO-APIC 4-edge ttyS0", m.group(1))
        if not m:
            raise CheckFailed(f"no ttyS0 line on pin 4 in {tag}")
        return sum(int(x) for x in m.group(2).split())
    before, after = ttys0("ioapic-irqs"), ttys0("ioapic-irqs-after")
    print(f"  ttyS0 interrupts {before} before the line, {after} after")
    if after <= before:
        raise CheckFailed(f"ttyS0's interrupts {before} -> {after}: the line came without one")


# A VM of the project's own beside Linux: the stale-TLB detector with PV flushes, IPI
# shootdowns and the FLUSH bit (tests/guests/pv-flush), whose checks fail on one stale read.
NEIGHBOUR = vm_line("pv-flush", "vm=fl vcpus=2 mem=32M -- cpus=2 rounds=20 mode=pv,ipi,flushbit")

# Bochs's Skylake-X model: Linux 6.1 also runs on it bare (docs/platform.md, "Linux guests").
TESTS = {
    # One vCPU, no workload: what is typed at Kestrel's console reaches Linux's ttyS0.
    "linux-console": ("bochs", 1, {"iso": linux_iso(1, "256M", cmdline="kestrel.read_line=600"),
                                   "mem": 512, "model": "corei7_skylake_x", "timeout": 1200,
                                   "typed": [(r"^linux: .*kestrel-init: ready for a line on "
                                              r"ttyS0$", TYPED_LINE.encode() + b"\r")]},
                      all_of(linux_booted(1), line_read, no_panic_and_end)),
    "linux-smp-kvm-pv": ("bochs", 2, {"iso": linux_iso(4, "256M", cmdline=WORKLOAD,
                                                       beside=[NEIGHBOUR]),
                                      "mem": 512, "model": "corei7_skylake_x", "timeout": 1200},
                         all_of(linux_booted(4, kvm=True, workload=True), vm_passed("fl"),
                                no_panic_and_end)),
    "linux-pv-off": ("bochs", 2, {"iso": linux_iso(4, "256M", "pv=off", cmdline=WORKLOAD),
                                  "mem": 512, "model": "corei7_skylake_x", "timeout": 1200},
                     all_of(linux_booted(4, kvm=False, workload=True), no_panic_and_end)),
}

# On shadow page tables (ept=off): the AP's trampoline in virtual-8086 mode, tlbstorm's
# shootdowns on the shadow. Two vCPUs on two pCPUs are rarely preempted: the FLUSH_TLB bit and
# steal time are not asked for here (linux-smp-kvm-pv does).
TESTS["linux-shadow"] = ("bochs", 2, {"iso": linux_iso(2, "256M", "ept=off", cmdline=WORKLOAD),
                                      "mem": 512, "model": "corei7_skylake_x", "timeout": 1500},
                         all_of(linux_booted(2, kvm=True),
                                lambda log: expect(log, r"tlbstorm: RESULT: PASS",
                                                   "tlbstorm's PASS"),
                                lambda log: expect(log, r"vm linux: 2 vCPUs, 256 MiB, shadow page "
                                                   r"tables", "the VM on shadow page tables"),
                                no_panic_and_end))

# With APIC virtualization (apicv=on): the processor delivers the vLAPIC's interrupts and
# retires EOIs. Before Kestrel offered requests only at entries where the guest can take one
# (docs/design.md, "APIC virtualization"), Bochs delivered a pending virtual interrupt with
# RFLAGS.IF 0 when a host interrupt came, and this boot hung at ~40 s in a PV spin-lock wait.
def apicv_in_use(log):
    """EOI-induced exits come only from virtual-interrupt delivery's EOI-exit bitmap."""
    expect(log, r"^kestrel: vmx: APICv used for x2APIC guests", "the APICv probe line")
    tables = exit_tables_before(log, r"^kestrel: all VMs stopped$")
    if not tables or not any(t.get("EOI induced", 0) > 0 for t in tables):
        raise CheckFailed("no EOI-induced exit: the Linux VM did not run with APICv")


TESTS["linux-apicv"] = ("bochs", 2, {"iso": linux_iso(4, "256M", "apicv=on", cmdline=WORKLOAD),
                                     "mem": 512, "model": "corei7_skylake_x", "timeout": 1200},
                        all_of(linux_booted(4, kvm=True, workload=True), apicv_in_use,
                               no_panic_and_end))

# The passes without EPT (tests/system/run.py --passes): each boot makes its own ISO, and Linux
# on shadow page tables is linux-shadow's (ept=off in every pass, on the Skylake-X model
# Linux needs: on core2_penryn_t9600 a boot would take far longer than the suite can give).
EPT_ONLY = {t: "its own Linux ISO; Linux on shadow paging is linux-shadow, on the Skylake-X model"
            for t in TESTS}
