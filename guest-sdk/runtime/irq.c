// SPDX-License-Identifier: MIT
/* The IDT shared by all CPUs, the dispatcher behind isr.asm, and handler registration. */
#include "internal.h"

#define RT_ISR_STUB_SIZE	16	/* isr.asm */
/* Present, DPL 0, 64-bit interrupt gate (SDM Vol. 3A, 7.14.1). */
#define GATE_INTERRUPT		0x8e
#define KERNEL_CS		0x08	/* crt0.asm's GDT */

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");
_Static_assert(sizeof(struct rt_frame) == 22 * 8, "isr.asm pushes 15 registers + 7 words");

extern u8 rt_isr_stubs[];

static struct idt_gate idt[256] RT_ALIGNED(16);
static volatile rt_irq_handler handlers[256];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "rsvd", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "rsvd", "rsvd",
	"rsvd", "rsvd", "rsvd", "rsvd", "#HV", "#VC", "#SX", "rsvd",
};

void rt_irq_init(void)
{
	for (u32 v = 0; v < 256; v++) {
		u64 addr = (u64)(uintptr_t)(rt_isr_stubs + v * RT_ISR_STUB_SIZE);

		idt[v] = (struct idt_gate){
			.offset_lo = (u16)addr,
			.selector = KERNEL_CS,
			.type = GATE_INTERRUPT,
			.offset_mid = (u16)(addr >> 16),
			.offset_hi = (u32)(addr >> 32),
		};
	}
}

void rt_irq_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

bool rt_irq_install(unsigned int vector, rt_irq_handler handler)
{
	if (vector != RT_VEC_NMI && (vector < 32 || vector > 255))
		return false;
	handlers[vector] = handler;
	return true;
}

/*
 * The two instructions rt_rdmsr_safe() and rt_wrmsr_safe() execute, at labels of their own. A #GP
 * pushes an error code and the faulting instruction's RIP (SDM Vol. 3A, 7.14.1); the fix-up moves
 * RIP past the 2-byte RDMSR/WRMSR and sets RSI, which the callers zero before and read after.
 */
extern const u8 rt_rdmsr_safe_insn[], rt_wrmsr_safe_insn[];

/* Never inlined or cloned: each label must exist once. */
__attribute__((noinline, noclone)) bool rt_rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	u64 faulted;

	__asm__ volatile("xor %%esi, %%esi\n"
			 ".globl rt_rdmsr_safe_insn\n"
			 "rt_rdmsr_safe_insn: rdmsr"
			 : "+a"(lo), "+d"(hi), "=&S"(faulted)
			 : "c"(msr)
			 : "memory");
	*val = faulted ? 0 : ((u64)hi << 32) | lo;
	return !faulted;
}

__attribute__((noinline, noclone)) bool rt_wrmsr_safe(u32 msr, u64 val)
{
	u64 faulted;

	__asm__ volatile("xor %%esi, %%esi\n"
			 ".globl rt_wrmsr_safe_insn\n"
			 "rt_wrmsr_safe_insn: wrmsr"
			 : "=&S"(faulted)
			 : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			 : "memory");
	return !faulted;
}

static bool msr_fixup(struct rt_frame *f)
{
	if (f->vector != 13 || (f->rip != (u64)(uintptr_t)rt_rdmsr_safe_insn &&
				f->rip != (u64)(uintptr_t)rt_wrmsr_safe_insn))
		return false;
	f->rip += 2;
	f->rsi = 1;
	return true;
}

static RT_NORETURN void exception(struct rt_frame *f)
{
	char why[96];

	rt_console_panic_begin();
	rt_printf("EXCEPTION: %s (vector %lu) error 0x%lx at rip 0x%lx cr2 0x%lx on cpu %u\n",
		  exception_names[f->vector], f->vector, f->error, f->rip, rt_read_cr2(),
		  rt_this_cpu()->index);
	rt_printf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx,
		  f->rdx);
	rt_printf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp,
		  f->rsp);
	rt_printf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx rflags %lx\n", f->r8, f->r9,
		  f->r10, f->r11, f->rflags);
	rt_snprintf(why, sizeof(why), "exception %s at rip 0x%lx", exception_names[f->vector],
		    f->rip);
	rt_test_abort(why);
}

void rt_irq_dispatch(struct rt_frame *f)
{
	u32 v = (u32)f->vector;
	rt_irq_handler h = handlers[v];

	if (h && (v == RT_VEC_NMI || v >= 32)) {
		h(f);
		if (v >= 32 && v != RT_VEC_SPURIOUS)
			rt_apic_eoi();
		return;
	}
	if (v < 32) {
		if (msr_fixup(f))
			return;
		exception(f);
	}
	if (v == RT_VEC_SPURIOUS)
		return;		/* no EOI for a spurious interrupt (SDM Vol. 3A, 12.9) */
	rt_check(false, "unexpected interrupt on vector %u (cpu %u)", v, rt_this_cpu()->index);
	rt_apic_eoi();
}
