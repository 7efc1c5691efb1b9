// SPDX-License-Identifier: GPL-2.0
/* Root-mode interrupts and exceptions; an unexpected exception is a panic with a dump. */
#include "arch/x86/trap.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vectors.h"
#include "lib/console.h"
#include "lib/panic.h"

static irq_handler_t handlers[256];

/* SDM Vol. 3A, table 7-1. */
static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM no math coprocessor", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD exception",
	"#VE virtualization exception", "#CP control protection",
};

void trap_set_handler(u8 vector, irq_handler_t fn)
{
	handlers[vector] = fn;
}

void trap_dump(const struct trap_frame *f)
{
	console_printf("  vector %lu error %#lx  rip %016lx  cs %04lx  rflags %016lx\n", f->vector,
		       f->error_code, f->rip, f->cs, f->rflags);
	console_printf("  rsp %016lx  ss %04lx  cr2 %016lx  cr3 %016lx\n", f->rsp, f->ss,
		       read_cr2(), read_cr3());
	console_printf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", f->rax, f->rbx, f->rcx,
		       f->rdx);
	console_printf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", f->rsi, f->rdi, f->rbp,
		       f->r8);
	console_printf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r9, f->r10, f->r11,
		       f->r12);
	console_printf("  r13 %016lx  r14 %016lx  r15 %016lx  cr0 %016lx  cr4 %016lx\n", f->r13,
		       f->r14, f->r15, read_cr0(), read_cr4());
}

/* An interrupt vector's handler (f NULL: taken at a VM exit, trap_dispatch_irq). */
static void dispatch_irq(u64 v, struct trap_frame *f)
{
	if (v == VEC_SPURIOUS)
		return; /* no EOI for a spurious interrupt, SDM Vol. 3A, 12.9 */
	if (handlers[v]) {
		handlers[v](f);
	} else {
		pr_warn("cpu %u: unexpected interrupt, vector %#lx", this_cpu()->index, v);
		lapic_eoi();
	}
}

void trap_dispatch_irq(u8 vector)
{
	/* Not an exception: an APIC sends none below 16, and 16-31 are reserved (table 7-1). */
	if (vector < VEC_FIRST_IRQ) {
		pr_warn("cpu %u: interrupt with vector %#x at a VM exit (ignored)", this_cpu()->index,
			vector);
		lapic_eoi();
		return;
	}
	dispatch_irq(vector, NULL);
}

void trap_dispatch(struct trap_frame *f)
{
	u64 v = f->vector;

	if (v == VEC_NMI) {
		if (panic_in_progress())
			cpu_halt_forever(); /* another CPU panicked and stops us */
		panic_frame(f, "unexpected NMI");
	}
	if (v < VEC_FIRST_IRQ) {
		const char *name = exception_names[v] ? exception_names[v] : "reserved exception";

		panic_frame(f, "%s in the hypervisor", name);
	}
	dispatch_irq(v, f);
}
