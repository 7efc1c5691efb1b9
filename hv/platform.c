// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's interrupt platform: routes the ISA IRQs of the PIT (0) and the UART (4) to the 8259
 * pair and the I/O APIC, the I/O APIC's messages to local APICs (apic_bus.c), and their EOIs
 * back. The device models are pure (hv/dev/); this is the wiring and the locking.
 */
#include "hv/platform.h"
#include "arch/x86/timer.h"
#include "hv/apic_bus.h"
#include "hv/sched/sched.h"
#include "hv/vcpu.h"
#include "hv/vm.h"

static bool deliver(void *ctx, const struct vioapic_msg *m)
{
	return apic_bus_send_message(ctx, m);
}

/* An ISA IRQ line: to the 8259 pair and to its I/O APIC pin. */
static void isa_irq(struct vm *vm, u32 irq, bool level)
{
	struct vm_platform *p = &vm->platform;

	vpic_set_irq(&p->pic, irq, level);
	vioapic_set_irq(&p->ioapic, irq ? irq : PLATFORM_PIT_GSI, level);
}

static bool pit_pin_masked(const struct vm_platform *p)
{
	return p->ioapic.rte[PLATFORM_PIT_GSI] & VIOAPIC_RTE_MASKED;
}

/*
 * With the lock held: the deadline vCPU 0's pCPU watches. None while pin 2 is masked: its edges
 * would be lost (82093AA, 3.2.4), and a PIT nobody listens to must not make its pCPU exit at
 * the floor's rate (a masked vLAPIC timer sets no deadline either). The 8259s' output goes
 * nowhere, so their IRR misses IRQ 0 meanwhile.
 */
static u64 pit_deadline(const struct vm_platform *p)
{
	return pit_pin_masked(p) ? 0 : vpit_timer_next(&p->pit);
}

/*
 * With the lock held: vCPU 0's pCPU fires the PIT; tell it when the deadline it watches moved
 * (only then: a guest reprogramming a PIT nobody hears must not kick another pCPU each time).
 */
static void pit_changed(struct vm *vm)
{
	struct vcpu *v0 = vm->vcpus[0];
	u64 next = pit_deadline(&vm->platform);

	if (next == vm->platform.pit_next)
		return;
	WRITE_ONCE(vm->platform.pit_next, next);
	if (v0->pcpu == sched_this_cpu())
		sched_timers_changed(v0);
	else
		vcpu_request(v0, VCPU_REQ_TIMERS);
}

void platform_init(struct vm *vm)
{
	struct vm_platform *p = &vm->platform;

	vioapic_init(&p->ioapic, VIOAPIC_ID, deliver, vm);
	vpic_init(&p->pic);
	/* timer_info.tsc_hz was checked at calibration; a floor as the vLAPIC timer's. */
	vpit_init(&p->pit, timer_info.tsc_hz, timer_us_to_tsc(VLAPIC_MIN_PERIOD_US));
	p->pit_next = 0;
}

void platform_reset(struct vm *vm)
{
	struct vm_platform *p = &vm->platform;

	spin_lock(&p->lock);
	vioapic_reset(&p->ioapic);
	vpic_init(&p->pic);
	vpit_init(&p->pit, p->pit.tsc_hz, p->pit.min_period);
	WRITE_ONCE(p->pit_next, 0);
	spin_unlock(&p->lock);
}

u32 platform_pic_in(struct vcpu *v, u16 port, u32 size)
{
	struct vm_platform *p = &v->vm->platform;
	u32 val = 0;

	spin_lock(&p->lock);
	for (u32 i = 0; i < size; i++)
		val |= (u32)vpic_read(&p->pic, (u16)(port + i)) << (8 * i);
	spin_unlock(&p->lock);
	return val;
}

void platform_pic_out(struct vcpu *v, u16 port, u32 size, u32 val)
{
	struct vm_platform *p = &v->vm->platform;

	spin_lock(&p->lock);
	for (u32 i = 0; i < size; i++)
		vpic_write(&p->pic, (u16)(port + i), (u8)(val >> (8 * i)));
	spin_unlock(&p->lock);
}

u32 platform_pit_in(struct vcpu *v, u16 port, u32 size)
{
	struct vm_platform *p = &v->vm->platform;
	u64 now = rdtsc();
	u32 val = 0;

	spin_lock(&p->lock);
	for (u32 i = 0; i < size; i++)
		val |= (u32)vpit_read(&p->pit, (u16)(port + i), now) << (8 * i);
	spin_unlock(&p->lock);
	return val;
}

void platform_pit_out(struct vcpu *v, u16 port, u32 size, u32 val)
{
	struct vm_platform *p = &v->vm->platform;
	bool moved = false;
	u64 now = rdtsc();

	spin_lock(&p->lock);
	for (u32 i = 0; i < size; i++)
		moved |= vpit_write(&p->pit, (u16)(port + i), (u8)(val >> (8 * i)), now);
	if (moved)
		pit_changed(v->vm);
	spin_unlock(&p->lock);
}

/* With the lock held: IRQ 4 follows the UART's line; a fall and rise is a new edge. */
static void uart_line(struct vm *vm)
{
	bool fell, level = vuart_irq(&vm->uart, &fell);

	if (fell)
		isa_irq(vm, VUART_IRQ, false);
	isa_irq(vm, VUART_IRQ, level);
}

u32 platform_uart_in(struct vcpu *v, u16 port, u32 size)
{
	struct vm_platform *p = &v->vm->platform;
	u32 val = 0;

	spin_lock(&p->lock);
	for (u32 i = 0; i < size; i++) {
		u16 at = (u16)(port + i);

		val |= (u32)(at < VUART_BASE + 8 ? vuart_read(&v->vm->uart, at - VUART_BASE) : 0xff)
		       << (8 * i);
	}
	uart_line(v->vm);
	spin_unlock(&p->lock);
	return val;
}

void platform_uart_out(struct vcpu *v, u16 port, u32 size, u32 val)
{
	struct vm_platform *p = &v->vm->platform;

	spin_lock(&p->lock);
	for (u32 i = 0; i < size && port + i < VUART_BASE + 8; i++)
		vuart_write(&v->vm->uart, port + i - VUART_BASE, (u8)(val >> (8 * i)));
	uart_line(v->vm);
	spin_unlock(&p->lock);
}

void platform_uart_sync(struct vm *vm)
{
	spin_lock(&vm->platform.lock);
	uart_line(vm);
	spin_unlock(&vm->platform.lock);
}

/* The I/O APIC's window, a region of the VM (hv/vm_mem.c): one decoded access at a time. */
static int ioapic_mmio(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write,
		       u64 *value)
{
	(void)opaque;
	/* Regions are whole pages: the rest of the page past the window is nothing's. */
	if (offset >= VIOAPIC_SIZE) {
		if (!write)
			*value = ~0ull;
	} else if (write) {
		platform_mmio_write(v->vm, VIOAPIC_BASE + offset, size, *value);
	} else {
		*value = platform_mmio_read(v->vm, VIOAPIC_BASE + offset, size);
	}
	return REGION_MMIO_DONE;
}

/* The PCI ECAM window (hv/dev/vpci.c): configuration space by loads and stores. */
static int ecam_mmio(struct vcpu *v, void *opaque, u64 offset, u32 size, bool write, u64 *value)
{
	(void)opaque;
	if (write)
		vpci_ecam_write(&v->vm->pci, (u32)offset, size, *value);
	else
		*value = vpci_ecam_read(&v->vm->pci, (u32)offset, size);
	return REGION_MMIO_DONE;
}

void platform_claim_mmio(struct vm *vm)
{
	int err = vm_mmio_claim(vm, VIOAPIC_BASE, PAGE_SIZE, ioapic_mmio, NULL, "the I/O APIC");

	/* In the PCI hole, where no RAM is (mm/guest_mem.h): a failure here is a bug. */
	if (err)
		pr_warn("vm %s: the I/O APIC's page at %#lx is not free (%d): no I/O APIC MMIO",
			vm->name, (u64)VIOAPIC_BASE, err);
	/* The same for the ECAM window: without it, no MCFG, and PCI by ports alone. */
	err = vm_mmio_claim(vm, VPCI_ECAM_BASE, VPCI_ECAM_SIZE, ecam_mmio, NULL, "PCI ECAM");
	vm->pci.ecam_base = err ? 0 : VPCI_ECAM_BASE;
	if (err)
		pr_warn("vm %s: the PCI ECAM window at %#lx is not free (%d): no MCFG", vm->name,
			(u64)VPCI_ECAM_BASE, err);
}

bool platform_mmio_owns(u64 gpa)
{
	return gpa >= VIOAPIC_BASE && gpa < VIOAPIC_BASE + VIOAPIC_SIZE;
}

/* The I/O APIC's registers are 32 bits wide at 16-byte offsets; narrower reads take a part. */
u64 platform_mmio_read(struct vm *vm, u64 gpa, u32 size)
{
	u32 off = (u32)(gpa - VIOAPIC_BASE), word = off & ~3u, shift = 8 * (off & 3);
	u64 val;

	spin_lock(&vm->platform.lock);
	val = vioapic_mmio_read(&vm->platform.ioapic, word) >> shift;
	if (size == 8)
		val |= (u64)vioapic_mmio_read(&vm->platform.ioapic, word + 4) << 32;
	spin_unlock(&vm->platform.lock);
	return size == 8 ? val : val & ((1ull << (8 * size)) - 1);
}

void platform_mmio_write(struct vm *vm, u64 gpa, u32 size, u64 val)
{
	struct vm_platform *p = &vm->platform;
	u32 off = (u32)(gpa - VIOAPIC_BASE);
	bool was;

	(void)size;
	if (off & 3)
		return; /* no register starts there */
	spin_lock(&p->lock);
	was = pit_pin_masked(p);
	vioapic_mmio_write(&p->ioapic, off, (u32)val);
	if (was != pit_pin_masked(p)) {
		/* Unmasked: an edge that came while masked is lost, the next one is on time. */
		if (was)
			vpit_timer_tick(&p->pit, rdtsc());
		pit_changed(vm);
	}
	spin_unlock(&p->lock);
}

void platform_eoi(struct vm *vm, u8 vector)
{
	spin_lock(&vm->platform.lock);
	vioapic_eoi(&vm->platform.ioapic, vector);
	spin_unlock(&vm->platform.lock);
}

void platform_timer_tick(struct vm *vm, u64 now)
{
	struct vm_platform *p = &vm->platform;

	spin_lock(&p->lock);
	if (vpit_timer_tick(&p->pit, now)) {
		/* OUT0's rising edge: a pulse, so a pin the guest made level-triggered is not stuck. */
		isa_irq(vm, 0, true);
		isa_irq(vm, 0, false);
	}
	WRITE_ONCE(p->pit_next, pit_deadline(p));
	spin_unlock(&p->lock);
	sched_timers_changed(vm->vcpus[0]);
}
