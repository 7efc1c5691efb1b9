/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's interrupt platform: the I/O APIC, the 8259 pair, the 8254, and the wires between them. */
#ifndef KESTREL_HV_PLATFORM_H
#define KESTREL_HV_PLATFORM_H

#include "hv/dev/vioapic.h"
#include "hv/dev/vpic.h"
#include "hv/dev/vpit.h"
#include "lib/spinlock.h"

struct vm;
struct vcpu;

/*
 * ISA IRQs reach the 8259 pair and the I/O APIC pin of the same number, but IRQ 0 (the PIT),
 * which reaches pin 2: the MADT's interrupt source override says so, as on PCs.
 */
#define PLATFORM_PIT_GSI 2

/* The devices of one VM, behind one lock: any vCPU of the VM, on any pCPU, may touch them. */
struct vm_platform {
	struct spinlock lock;
	struct vioapic ioapic;
	struct vpic pic;
	struct vpit pit;
	/* vpit_timer_next, published for vCPU 0's pCPU, which fires it (sched's tick). */
	volatile u64 pit_next;
};

void platform_init(struct vm *vm);
/* The VM is reset: the devices as at power-on. */
void platform_reset(struct vm *vm);

/*
 * Port handlers for the I/O exit's table (arch/x86/vmx/exits/io.c): an access of size bytes
 * (1, 2 or 4) at port; these devices are byte-wide, so a wider access is one per byte.
 */
u32 platform_pic_in(struct vcpu *v, u16 port, u32 size);
void platform_pic_out(struct vcpu *v, u16 port, u32 size, u32 val);
u32 platform_pit_in(struct vcpu *v, u16 port, u32 size);
void platform_pit_out(struct vcpu *v, u16 port, u32 size, u32 val);
u32 platform_uart_in(struct vcpu *v, u16 port, u32 size);
void platform_uart_out(struct vcpu *v, u16 port, u32 size, u32 val);

/* Claims the I/O APIC's window as an MMIO region of vm (after its regions are set up). */
void platform_claim_mmio(struct vm *vm);
/* Whether gpa is in the I/O APIC's window; its accesses (1, 2, 4 or 8 bytes). */
bool platform_mmio_owns(u64 gpa);
u64 platform_mmio_read(struct vm *vm, u64 gpa, u32 size);
void platform_mmio_write(struct vm *vm, u64 gpa, u32 size, u64 val);

/* A local APIC retired a level-triggered vector: the EOI message to the I/O APIC. */
void platform_eoi(struct vm *vm, u8 vector);
/* The UART's interrupt line may have moved outside an access (a record was printed). */
void platform_uart_sync(struct vm *vm);
/* On vCPU 0's pCPU: fires the PIT's IRQ 0 if it is due at now. */
void platform_timer_tick(struct vm *vm, u64 now);

#endif
