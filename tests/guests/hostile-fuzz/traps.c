// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's exception handling and ring 3: every exception but NMI, #DF and #MC goes to
 * traps_dispatch(), which steps over a faulting instruction listed in the fixup table (FIXUP())
 * and counts it; CPL 3 is entered by IRETQ to a user code segment and left through a DPL-3
 * interrupt gate (SDM Vol. 3A, 7.12.1 and 7.14.1), as tests/guests/pv-hostile does.
 */
#include <kestrel-rt/rt.h>
#include "traps.h"

#define KERNEL_CS	0x08	/* the runtime's (crt0.asm) */
#define KERNEL_DS	0x10
#define USER_DS		(0x18 | 3)
#define USER_CS		(0x20 | 3)
#define TSS_SEL		0x28
#define VEC_BACK	0x81
#define GATE_USER	0xee	/* present, DPL 3, 64-bit interrupt gate (SDM Vol. 3A, 7.14.1) */
#define PAGE_US		(1ull << 2)	/* SDM Vol. 3A, 5.5, tables 5-14 to 5-18 */
#define USER_LIMIT	(4ull << 20)	/* PD entries 0 and 1 get the U/S bit */

struct fixup {
	u64 at, resume;
};

/* The linker makes these for the orphan section fuzz_fixup (its name is a C identifier). */
extern const struct fixup __start_fuzz_fixup[], __stop_fuzz_fixup[];
extern u8 traps_stubs[];

volatile u32 traps_last[RT_MAX_CPUS];
static volatile u64 counts[TRAPS_VECTORS];
static volatile u32 unexpected;

/*
 * One 16-byte stub per vector: a zero where the CPU pushes no error code (SDM Vol. 3A, 7.3,
 * table 7-1: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC and #SX have one), then the vector,
 * then the registers in struct rt_frame order, as the runtime's isr.asm does.
 */
__asm__(".text\n"
	".balign 16\n"
	"traps_stubs:\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
	"16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	".balign 16\n"
	".if (\\v == 8) || ((\\v >= 10) && (\\v <= 14)) || (\\v == 17) || (\\v == 21) || "
	"(\\v == 29) || (\\v == 30)\n"
	".else\n"
	"pushq $0\n"
	".endif\n"
	"pushq $\\v\n"
	"jmp traps_common\n"
	".endr\n"
	"traps_common:\n\t"
	"push %rax\n\tpush %rbx\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\t"
	"push %rbp\n\tpush %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\tpush %r12\n\t"
	"push %r13\n\tpush %r14\n\tpush %r15\n\t"
	"cld\n\t"
	"mov %rsp, %rdi\n\t"
	"call traps_dispatch\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %r11\n\tpop %r10\n\t"
	"pop %r9\n\tpop %r8\n\tpop %rbp\n\tpop %rdi\n\tpop %rsi\n\tpop %rdx\n\t"
	"pop %rcx\n\tpop %rbx\n\tpop %rax\n\t"
	"add $16, %rsp\n\t"
	"iretq\n");

void traps_dispatch(struct rt_frame *f);
void fuzz_describe(u32 cpu);

void traps_dispatch(struct rt_frame *f)
{
	u32 cpu = rt_cpu_index();

	for (const struct fixup *x = __start_fuzz_fixup; x < __stop_fuzz_fixup; x++) {
		if (x->at == f->rip) {
			f->rip = x->resume;
			__atomic_fetch_add(&counts[f->vector % TRAPS_VECTORS], 1, __ATOMIC_RELAXED);
			traps_last[cpu] = (u32)f->vector + 1;
			return;
		}
	}
	rt_atomic_inc(&unexpected);
	fuzz_describe(cpu);
	rt_check(false, "cpu %u: exception %lu error 0x%lx at rip 0x%lx (cs 0x%lx) cr2 0x%lx, "
		 "not at a fuzzed instruction", cpu, f->vector, f->error, f->rip, f->cs,
		 rt_read_cr2());
	if (cpu == 0)
		rt_finish();
	for (;;)
		rt_hlt();	/* an AP stops here; CPU 0 sees the count and fails the run */
}

struct table_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

void traps_install(void)
{
	struct table_ptr idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	for (u32 v = 0; v < TRAPS_VECTORS; v++) {
		u8 *gate = (u8 *)(uintptr_t)(idtr.base + v * 16);
		u64 addr = (u64)(uintptr_t)(traps_stubs + v * 16);

		/* NMI stays the runtime's (counted by a handler); #DF and #MC are fatal. */
		if (v == 2 || v == 8 || v == 18)
			continue;
		/* 64-bit gate, SDM Vol. 3A, 7.14.1, figure 7-8: offset 15:0, 31:16, 63:32. */
		gate[0] = (u8)addr;
		gate[1] = (u8)(addr >> 8);
		gate[6] = (u8)(addr >> 16);
		gate[7] = (u8)(addr >> 24);
		*(u32 *)(gate + 8) = (u32)(addr >> 32);
	}
}

u64 traps_count(u32 vector)
{
	return vector < TRAPS_VECTORS ? counts[vector] : 0;
}

u32 traps_unexpected(void)
{
	return rt_atomic_load(&unexpected);
}

u32 traps_take(void)
{
	u32 cpu = rt_cpu_index(), v = traps_last[cpu];

	traps_last[cpu] = 0;
	return v;
}

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "the 64-bit TSS is 104 bytes (SDM Vol. 3A, 9.7)");

static u64 gdt[8] RT_ALIGNED(16);
static struct tss64 tss RT_ALIGNED(16);
static u8 kernel_stack[8192] RT_ALIGNED(16);	/* TSS.RSP0: what CPL 3 enters ring 0 on */
static u8 user_stack[4096] RT_ALIGNED(16);
static volatile u32 returns;
volatile u32 ring3_strays;	/* interrupts on vector 0x81 that did not come from CPL 3 */

/* Saved by ring3_run() before it leaves, used by the gate handler to come back. */
u64 ring3_kernel_rsp, ring3_kernel_flags, ring3_gs_base;
u64 ring3_in_rax, ring3_in_rcx, ring3_in_rdx, ring3_in_rdi, ring3_entry;
extern u8 ring3_resume[];
extern u8 ring3_code_cpuid[], ring3_code_vmcall[], ring3_code_rdmsr[], ring3_code_wrmsr[];
extern u8 ring3_code_hlt[], ring3_code_out[], ring3_code_in[], ring3_code_cr0[];
extern u8 ring3_code_load[], ring3_code_sti[], ring3_code_rdpmc[];

/* Each program: one instruction (stepped over when it faults), then back through 0x81. */
__asm__(".text\n"
	"ring3_code_cpuid:\n\tcpuid\n\tint $0x81\n"
	"ring3_code_vmcall:\n\tvmcall\n\tint $0x81\n"
	"ring3_code_rdmsr:\n\t" FIXUP("rdmsr") "\tint $0x81\n"
	"ring3_code_wrmsr:\n\t" FIXUP("wrmsr") "\tint $0x81\n"
	"ring3_code_hlt:\n\t" FIXUP("hlt") "\tint $0x81\n"
	"ring3_code_out:\n\t" FIXUP("outb %al, %dx") "\tint $0x81\n"
	"ring3_code_in:\n\t" FIXUP("inl %dx, %eax") "\tint $0x81\n"
	"ring3_code_cr0:\n\t" FIXUP("mov %cr0, %rax") "\tint $0x81\n"
	"ring3_code_load:\n\t" FIXUP("movq (%rdi), %rax") "\tint $0x81\n"
	"ring3_code_sti:\n\t" FIXUP("sti") "\tint $0x81\n"
	"ring3_code_rdpmc:\n\t" FIXUP("rdpmc") "\tint $0x81\n");

static u8 *const ring3_code[RING3_NR_OPS] = {
	[RING3_CPUID] = ring3_code_cpuid,	[RING3_VMCALL] = ring3_code_vmcall,
	[RING3_RDMSR] = ring3_code_rdmsr,	[RING3_WRMSR] = ring3_code_wrmsr,
	[RING3_HLT] = ring3_code_hlt,		[RING3_OUT] = ring3_code_out,
	[RING3_IN] = ring3_code_in,		[RING3_CR0] = ring3_code_cr0,
	[RING3_LOAD] = ring3_code_load,		[RING3_STI] = ring3_code_sti,
	[RING3_RDPMC] = ring3_code_rdpmc,
};

static void back_to_ring0(struct rt_frame *f)
{
	/* The fuzzer sends and arms any vector, 0x81 too: only CPL 3 comes back this way. */
	if ((f->cs & 3) != 3) {
		ring3_strays++;
		return;
	}
	returns++;
	f->rip = (u64)(uintptr_t)ring3_resume;
	f->cs = KERNEL_CS;
	f->ss = KERNEL_DS;
	f->rsp = ring3_kernel_rsp;
	f->rflags = ring3_kernel_flags & ~(1ull << 9);	/* IF back on by ring3_run() */
}

bool ring3_setup(void)
{
	struct table_ptr old, idtr, p;
	u64 base = (u64)(uintptr_t)&tss, cr3, *pml4, *pdpt, *pd;
	const struct rt_boot *b = rt_boot_info();
	u8 *gate;

	if (b->image_end > USER_LIMIT)
		return false;
	__asm__ volatile("sgdt %0" : "=m"(old));
	/* The runtime's null, code and data descriptors stay where they are. */
	memcpy(gdt, (void *)(uintptr_t)old.base, 3 * 8);
	gdt[3] = 0x00cff2000000ffffull;		/* user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull;		/* user 64-bit code, DPL 3 */
	/* 64-bit available TSS, 16 bytes (SDM Vol. 3A, 9.2.3, figure 9-4); no I/O bitmap. */
	gdt[5] = (sizeof(tss) - 1) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;
	tss.rsp[0] = (u64)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap = sizeof(tss);
	p = (struct table_ptr){ sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0; ltr %w1" : : "m"(p), "r"(TSS_SEL) : "memory");
	/* The user bit on every level that maps the first 4 MiB (SMEP and SMAP stay off). */
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(uintptr_t)(cr3 & ~0xfffull);
	pdpt = (u64 *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
	pd = (u64 *)(uintptr_t)(pdpt[0] & 0x000ffffffffff000ull);
	pml4[0] |= PAGE_US;
	pdpt[0] |= PAGE_US;
	pd[0] |= PAGE_US;
	pd[1] |= PAGE_US;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	__asm__ volatile("sidt %0" : "=m"(idtr));
	gate = (u8 *)(uintptr_t)(idtr.base + VEC_BACK * 16);
	gate[5] = GATE_USER;
	rt_irq_install(VEC_BACK, back_to_ring0);
	return true;
}

u64 ring3_run(enum ring3_op op, u64 rax, u64 rcx, u64 rdx, u64 rdi)
{
	u64 ret;

	ring3_gs_base = rt_rdmsr(RT_MSR_IA32_GS_BASE);
	ring3_in_rax = rax;
	ring3_in_rcx = rcx;
	ring3_in_rdx = rdx;
	ring3_in_rdi = rdi;
	ring3_entry = (u64)(uintptr_t)ring3_code[op % RING3_NR_OPS];
	/*
	 * DS, ES, FS and GS get the user data selector first: IRET to CPL 3 would load null into
	 * one whose DPL is below 3 (SDM Vol. 2A, IRET), and the GS base (per-CPU data) must
	 * survive; loading GS resets its base, hence the WRMSR after it. IF stays 0 at CPL 3.
	 */
	__asm__ volatile("pushfq\n\t"
			 "pop ring3_kernel_flags(%%rip)\n\t"
			 "cli\n\t"
			 "mov %[uds], %%ecx\n\t"
			 "mov %%ecx, %%ds\n\t"
			 "mov %%ecx, %%es\n\t"
			 "mov %%ecx, %%fs\n\t"
			 "mov %%ecx, %%gs\n\t"
			 "mov $0xc0000101, %%ecx\n\t"
			 "mov ring3_gs_base(%%rip), %%rax\n\t"
			 "mov ring3_gs_base+4(%%rip), %%edx\n\t"
			 "wrmsr\n\t"
			 "mov %%rsp, ring3_kernel_rsp(%%rip)\n\t"
			 "pushq %[uds]\n\t"
			 "pushq %[ustack]\n\t"
			 "pushq $0x2\n\t"
			 "pushq %[ucs]\n\t"
			 "pushq ring3_entry(%%rip)\n\t"
			 "mov ring3_in_rax(%%rip), %%rax\n\t"
			 "mov ring3_in_rcx(%%rip), %%rcx\n\t"
			 "mov ring3_in_rdx(%%rip), %%rdx\n\t"
			 "mov ring3_in_rdi(%%rip), %%rdi\n\t"
			 "iretq\n"
			 "ring3_resume:\n\t"
			 "mov %[kds], %%ecx\n\t"
			 "mov %%ecx, %%ds\n\t"
			 "mov %%ecx, %%es\n\t"
			 "mov %%ecx, %%fs\n\t"
			 "mov %%rax, %%r8\n\t"
			 "mov %%ecx, %%gs\n\t"
			 "mov $0xc0000101, %%ecx\n\t"
			 "mov ring3_gs_base(%%rip), %%rax\n\t"
			 "mov ring3_gs_base+4(%%rip), %%edx\n\t"
			 "wrmsr\n\t"
			 "mov %%r8, %%rax\n\t"
			 "push ring3_kernel_flags(%%rip)\n\t"
			 "popfq\n\t"
			 : "=&a"(ret)
			 : [uds] "i"(USER_DS), [ucs] "i"(USER_CS), [kds] "i"(KERNEL_DS),
			   [ustack] "r"((u64)(uintptr_t)(user_stack + sizeof(user_stack)))
			 : "rbx", "rcx", "rdx", "rdi", "r8", "memory", "cc");
	return ret;
}

u32 ring3_returns(void)
{
	return returns;
}
