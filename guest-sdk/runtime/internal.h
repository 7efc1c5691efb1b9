/* SPDX-License-Identifier: MIT */
/* Runtime-private declarations: per-CPU data and the calls between runtime files. */
#ifndef KESTREL_RT_INTERNAL_H
#define KESTREL_RT_INTERNAL_H

#include <kestrel-rt/rt.h>

enum rt_cpu_state {
	RT_CPU_OFF,		/* not started, or sent INIT (maybe still on its way up) */
	RT_CPU_BUSY,		/* in ap_main() or an rt_smp_call() function */
	RT_CPU_IDLE,
};

/* One per CPU, reached through GS (the first field points at the structure itself). */
struct rt_percpu {
	struct rt_percpu *self;
	u32 index;
	u32 apic_id;
	bool x2apic;			/* this CPU's APIC mode */
	volatile u32 state;		/* enum rt_cpu_state */
	volatile u32 starts;		/* check-ins since boot */
	volatile u32 call_seq;		/* rt_smp_call(): bumped by the caller ... */
	volatile u32 done_seq;		/* ... and copied here when fn returned */
	rt_smp_fn call_fn;
	void *call_arg;
} RT_ALIGNED(64);

extern struct rt_percpu rt_percpu[RT_MAX_CPUS];

static inline struct rt_percpu *rt_this_cpu(void)
{
	struct rt_percpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* crt0.asm */
void rt_gdt_load(void);
extern u8 rt_boot_pml4[];

/* alloc.c */
bool rt_alloc_overlaps(u64 start, u64 end);

/* boot.c */
void rt_boot_parse(u64 mbi);
bool rt_boot_range_reserved(u64 start, u64 end);	/* image, boot information, modules */

/* console.c */
void rt_console_init(void);
void rt_console_panic_begin(void);	/* take the lock unless this CPU holds it */

/* cpu.c */
void rt_cpu_features_init(void);
void rt_percpu_init(u32 index);		/* GS base of this CPU */

/* irq.c */
void rt_irq_dispatch(struct rt_frame *frame);
void rt_irq_init(void);			/* builds the IDT (bootstrap CPU) */
void rt_irq_load(void);			/* loads it on this CPU */

/* apic.c */
void rt_apic_boot_init(void);		/* picks the mode, on the bootstrap CPU */
void rt_apic_cpu_init(void);		/* this CPU, in the boot mode */

/* pic.c */
void rt_pic_mask_all(void);

/* smp.c, smp_call.c */
RT_NORETURN void rt_smp_ap_entry(u32 slot);
void rt_smp_call_init(void);
RT_NORETURN void rt_smp_idle(struct rt_percpu *me);

/* tsc.c */
void rt_tsc_init(void);

/* test.c */
RT_NORETURN void rt_test_abort(const char *why);

#endif
