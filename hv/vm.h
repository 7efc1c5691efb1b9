/* SPDX-License-Identifier: GPL-2.0 */
/* Virtual machines and their vCPUs. */
#ifndef KESTREL_HV_VM_H
#define KESTREL_HV_VM_H

#include "arch/x86/regs.h"
#include "lib/multiboot2.h"

struct vm_config;
#include "hv/dev/vlapic.h"
#include "hv/dev/vpci.h"
#include "hv/dev/vrtc.h"
#include "hv/dev/vuart.h"
#include "hv/unmodelled.h"
#include "lib/console.h"
#include "hv/platform.h"
#include "lib/cpuset.h"
#include "lib/spinlock.h"
#include "lib/timer_heap.h"
#include "mm/ept_gen.h"
#include "mm/guest_mem.h"
#include "mm/shadow.h"
#include "hv/pv_state.h"
#include "hv/vmsr.h"

#define VM_NAME_LEN 16
#define MAX_VMS 16

enum vcpu_state {
	VCPU_WAIT_SIPI = 0, /* after power-on or INIT: not scheduled until a SIPI */
	VCPU_RUNNABLE,
	VCPU_HALTED, /* HLT with nothing pending: blocked until an interrupt */
	VCPU_STOPPED,
	VCPU_PARKED, /* the VM is being reset: waiting for the others to park too */
};

/* Requests other CPUs post to a vCPU; its own pCPU acts on them before the next entry. */
#define VCPU_REQ_INIT BIT(0)
#define VCPU_REQ_SIPI BIT(1)
#define VCPU_SIPI_POSTED BIT(8) /* in vcpu->sipi_posted, beside the vector */
#define VCPU_POSTED_NOTIFIED BIT(0) /* in vcpu->posted_notified */
#define VCPU_REQ_NMI BIT(2)
#define VCPU_REQ_IRR BIT(3) /* vectors waiting in posted_irr */
#define VCPU_REQ_STOP BIT(4)
#define VCPU_REQ_RESET BIT(5) /* park for a VM reset */
#define VCPU_REQ_POWER_ON BIT(6) /* the reset is done: start as at power-on */
#define VCPU_REQ_FLUSH BIT(7) /* a PV TLB flush is posted in pv.flush */
#define VCPU_REQ_EPT_RELOAD BIT(8) /* the VM's EPT was invalidated: load the current root */
#define VCPU_REQ_UNHALT BIT(9) /* a PV kick (KVM_HC_KICK_CPU): leave, or skip the next, HLT */
#define VCPU_REQ_TIMERS BIT(10) /* a VM timer its pCPU fires moved (the PIT, on vCPU 0's) */
#define VCPU_REQ_SHADOW_RELOAD BIT(11) /* shadow paging: every page went obsolete, load a root */
#define VCPU_REQ_SHADOW_FLUSH BIT(12) /* shadow paging: entries were dropped, flush the TLB */
#define VCPU_REQ_ILLEGAL_VECTOR BIT(13) /* a vector 0-15 was sent: the vLAPIC logs it (ESR) */

/* Exits by reason are the architecture's to count (hv/arch.h). */
struct vcpu_stats {
	u64 entries;
	u64 guest_tsc; /* ticks between entry and exit */
	u64 steal_tsc; /* runnable but not running */
	u64 overrun_tsc, overrun_max; /* its runs past their slice ends: in all, the longest */
	u64 injected; /* interrupts injected */
	u64 ipis_sent;
};

struct vm;

/*
 * A vCPU as the core sees it. The architecture's state (the VMCS, what VMX does not switch)
 * is in a struct that embeds this one (arch/x86/vmx/vmx_vcpu.h); the core reaches it only
 * through hv/arch.h. Fields other pCPUs touch say so; the rest belong to the pCPU that runs
 * the vCPU.
 */
struct vcpu {
	/*
	 * Any pCPU: vectors sent from other pCPUs, merged into the vLAPIC. First, so that the
	 * architecture can hand posted_irr and posted_notified to the processor where it delivers
	 * such vectors itself (VMX's posted-interrupt descriptor: the 256 vector bits, then bit 0
	 * of the next word; arch/x86/vmx/posted.c). Where it does, the sender that finds
	 * VCPU_POSTED_NOTIFIED clear sets it and notifies the processor; the taker clears it
	 * before it reads the bits (vcpu_posted_notify_first).
	 */
	u64 posted_irr[4];
	volatile u64 posted_notified;
	/* The architecture takes posted_irr itself in guest mode (posted.c); any pCPU reads it */
	volatile bool posted_direct;
	struct vm *vm;
	u32 id;
	u32 pcpu; /* index of the pCPU that runs it: any pCPU reads it to kick */
	volatile u32 state; /* enum vcpu_state */
	volatile u32 requests; /* VCPU_REQ_*: any pCPU sets bits */
	u64 posted_tmr[4]; /* any pCPU: which of them are level-triggered (set before the IRR bit) */
	u8 sipi_vector; /* the accepted SIPI's, for the reset before the next entry (owner only) */
	volatile u32 sipi_posted; /* any pCPU: VCPU_SIPI_POSTED | vector of a SIPI not yet taken */
	bool preempted; /* descheduled at an instruction boundary (docs/abi.md, 5.3) */
	bool pv_unhalted; /* kicked while not halted: its next HLT returns at once */
	bool leave_run; /* an exit asked for a scheduling pass before the next entry */
	u64 eptp; /* the second-level root this vCPU uses */
	/* eptp is new, or new to this pCPU: loaded, and the pCPU recorded, before the next entry */
	bool eptp_changed;
	volatile u64 ept_gen; /* its generation: older trees are freed once every vCPU is past */
	volatile u64 ept_seq; /* the EPT change count (vm_ept.seq) it has loaded: any pCPU reads */
	bool shadow_reload; /* shadow paging: load the root for its paging before the next entry */
	u8 insn_len; /* an exit handler runs for an instruction decoded in software: its length */
	/*
	 * Odd while its pCPU runs Kestrel's code for it (exit handlers, requests), where a host
	 * pointer into its VM's RAM may be in use; even in guest mode, off any pCPU, and while it
	 * waits in vm_mem_changed. A chunk given back goes to the host only after every vCPU was
	 * seen even, or moved on, since it left the VM (vm_mem_release).
	 */
	volatile u64 root_epoch;
	u64 runnable_since; /* TSC when it last became runnable and waited */
	/*
	 * The guest's TSC is the host's plus this (SDM Vol. 3C, 25.6.5 "Time-Stamp Counter
	 * Offset"), and it is what the guest reads as IA32_TSC_ADJUST (Vol. 3B, 18.17.3): 0 from
	 * power-on, moved only by the guest's own writes to IA32_TSC or IA32_TSC_ADJUST. Kestrel
	 * keeps every deadline (the vLAPIC's, the lazy deadline's) in host TSC and converts where
	 * the guest reads or writes one: vcpu_deadline_to_host() and vcpu_deadline_to_guest().
	 */
	u64 tsc_offset;
	struct guest_regs regs;
	struct vlapic lapic;
	struct vmsr msr; /* IA32_MISC_ENABLE, MTRRs, machine-check banks (hv/vmsr.h) */
	/*
	 * NMIs to deliver, 0-2: the architecture holds one pending behind one in service and merges
	 * any more (SDM Vol. 3A, 7.7.1), so two sent back to back are two deliveries. nmis_posted
	 * counts those other pCPUs sent since the last VCPU_REQ_NMI was taken (any pCPU adds).
	 */
	u8 nmi_pending;
	volatile u32 nmis_posted;
	bool exception_pending; /* exception_vector (with exception_error if it has one) */
	bool exception_has_error;
	u8 exception_vector;
	u32 exception_error;
	bool needs_sipi_reset; /* set the real-mode SIPI state at the next load */
	bool needs_boot_reset; /* set the multiboot entry state at the next load (vCPU 0) */
	u32 migrations;
	u8 apic_bus_mode; /* the vLAPIC mode vm->apic_xapic last counted (hv/apic_bus.c) */
	/* The scheduler's (hv/sched/policy.h), its pCPU's only unless said otherwise. */
	u32 sched_idx; /* its slot in its pCPU's vcpus[] */
	bool on_rq; /* in its pCPU's run queue (runnable) */
	struct vcpu *rq_next, *rq_prev;
	struct timer_heap_node timer; /* vcpu_timer_next() in its pCPU's heap, unless stopped */
	/*
	 * While it runs, its timer changes skip the heap (sched_policy_timer_deferred): the
	 * new earliest timer is here (UINT64_MAX: none, or the heap's place is up to date).
	 */
	u64 own_timer;
	bool timer_deferred;
	u64 slice_debt; /* TSC ticks its runs went past their slice ends, not yet paid back */
	struct vcpu *req_next; /* any pCPU: the next in its pCPU's list of vCPUs with requests */
	volatile u32 req_queued; /* any pCPU: it is in such a list */
	struct vcpu_pv pv;
	struct vcpu_stats stats;
	struct pv_stats pv_stats;
};

/*
 * The earliest timer v's pCPU fires for it, 0 when none: its vLAPIC's, and for vCPU 0 the
 * VM's PIT (IRQ 0 goes through the I/O APIC to whichever vCPU, but one pCPU must watch it).
 */
static inline u64 vcpu_timer_next(const struct vcpu *v);

/* A guest TSC deadline (0: none) in host TSC; a real one never becomes 0 (it stays past). */
static inline u64 vcpu_deadline_to_host(const struct vcpu *v, u64 guest)
{
	u64 host = guest - v->tsc_offset;

	return !guest ? 0 : host ? host : 1;
}

/* A deadline Kestrel keeps (0: none) as the guest's TSC sees it. */
static inline u64 vcpu_deadline_to_guest(const struct vcpu *v, u64 host)
{
	return host ? host + v->tsc_offset : 0;
}

enum vm_state { VM_CREATED = 0, VM_RUNNING, VM_STOPPING, VM_STOPPED };

/*
 * vCPU 0's first entry: 32-bit protected mode, paging off, flat 4 GiB code and data segments.
 * Multiboot (its 3.2) and the Linux boot protocol's 32-bit entry differ only in the registers,
 * the selectors and whether the guest is given a GDT.
 */
struct vm_boot {
	u32 entry; /* EIP */
	u32 eax, ebx, esi;
	u16 cs, ds; /* selectors of the flat code and data segments */
	u32 gdt_base; /* GDTR: a table the loader wrote, or base 0 limit 0xffff */
	u16 gdt_limit;
};

struct vm {
	char name[VM_NAME_LEN];
	u32 id;
	volatile u32 state; /* enum vm_state */
	u32 nr_vcpus;
	struct vcpu **vcpus;
	volatile u32 vcpus_stopped;
	volatile u32 ept_freed; /* stopped, and every EPT tree of it freed (once) */
	volatile u32 vcpus_parked;
	volatile u32 resetting;
	u32 resets;
	const struct vm_config *config; /* to load the kernel again on reset */
	bool pv;
	bool kvm; /* offers KVM's guest ABI (pv=on) */
	bool apicv; /* may use the processor's APIC virtualization (apicv=on) */
	bool debug; /* debug=on: the debug hypercalls answer (KESTREL_HC_DEBUG_*) */
	bool strict_mmio; /* strict_mmio=on: an access nothing backs stops the VM */
	struct cpuset cpus; /* pCPUs it may run on */
	/* vCPUs whose vLAPIC is enabled in xAPIC mode: 0 lets x2APIC logical IPIs skip a walk */
	volatile u32 apic_xapic;
	struct guest_mem mem;
	struct vm_ept ept; /* its regions always; its EPT unless shadow */
	struct shadow_mmu *shadow; /* ept=off, or a CPU without EPT: shadow page tables (mm/shadow.h) */
	struct vuart uart;
	struct vm_platform platform; /* I/O APIC, 8259s, 8254 */
	struct vrtc rtc; /* kept across a VM reset, as a PC's battery keeps it */
	struct vpci pci;
	struct spinlock lock; /* stop and statistics */
	char stop_reason[160];
	s32 exit_status;
	struct vm_boot boot; /* how vCPU 0 enters the kernel */
	/* Console output (vm_console_drain): the pCPU that drains, under the uart's printing. */
	u64 console_next; /* TSC the printed bytes are paid up to (the rate limit's clock) */
	u64 console_printed; /* bytes */
	/* Typed at Kestrel's console with this VM in focus (pCPU 0's, hv/console_input.c). */
	u64 console_in, console_in_dropped; /* bytes received, dropped (FIFO full, VM stopped) */
	u64 stats_next; /* TSC before which KESTREL_HC_DEBUG_STATS answers -EBUSY */
	u64 stats_interval; /* TSC ticks from the end of one asked-for table to the next call */
	volatile u32 stats_asked; /* any pCPU: a table was asked for, the scheduler prints it */
	/* Accesses to unbacked or read-only memory (vm_note_unbacked), under lock. */
	u64 unbacked_reads, unbacked_writes, unbacked_next_note, unbacked_quiet;
	struct unmodelled unmodelled; /* ports and MSRs it touched that nothing models */
};

/* At most one note about unbacked accesses per VM per this many microseconds. */
#define VM_UNBACKED_NOTE_US 100000

/*
 * A VM's console output is printed at most VM_CONSOLE_KIB_PER_S on average, a burst of
 * VM_CONSOLE_BURST_US worth ahead of that, and at most VM_CONSOLE_RECORDS_PER_CALL records at a
 * time: 16 KiB/s is more than COM1 at 115200 baud carries, so one VM alone can fill it. The
 * serial ports take it through console_pump a FIFO's worth at a time, never waited for.
 */
#define VM_CONSOLE_KIB_PER_S 16
#define VM_CONSOLE_BURST_US 1000000
#define VM_CONSOLE_RECORDS_PER_CALL 4
/* An idle pCPU with output in progress looks again this often (COM1 sends ~11 bytes a ms). */
#define VM_CONSOLE_POLL_US 1000

extern struct vm *vms[MAX_VMS];
extern u32 nr_vms;

/* Creates every VM the module lines describe and places its vCPUs; returns how many run. */
u32 vm_create_all(const struct boot_info *bi);
/* Stops v's VM with a reason (printed once); safe from any of its vCPUs' pCPUs. */
void vm_stop(struct vm *vm, s32 status, const char *fmt, ...) __printf(3, 4);
/* Restarts the VM as at power-on (reset through port 0xcf9 or the keyboard controller). */
void vm_reset(struct vm *vm, const char *fmt, ...) __printf(2, 3);
/*
 * Invalidates every second-level mapping of vm: a generation bump (walk false, O(1)) or the
 * plain way, visiting every entry (walk true). Every vCPU loads the current root and flushes
 * the old one's cached translations before its next entry. Returns the TSC ticks it took.
 */
u64 vm_invalidate_ept(struct vm *vm, bool walk);
/*
 * Frees a batch of vm's obsolete EPT tables when no vCPU can use them any more and no pCPU
 * may cache them; asks the pCPUs that may still cache them to flush (vm_ept_flush_here).
 * A stopped VM's trees (all of them: ept_gen_retire) go whole, not a batch at a time. Returns
 * true while a stopped VM still has trees waiting for pCPUs to flush them: the caller comes
 * back soon (an idle pCPU would otherwise sleep on them).
 */
/*
 * Frees what obsolete EPT trees of vm may go. True when vm has stopped and some of its trees
 * still wait for a pCPU's flush (the scheduler then looks again soon).
 */
bool vm_ept_housekeeping(struct vm *vm);
/*
 * vm may have obsolete EPT trees from now on (its EPT was invalidated, or it stopped): the
 * scheduling passes look at it in vm_ept_housekeeping_pending() until it has none left.
 */
void vm_ept_mark_pending(struct vm *vm);
/* vm_ept_housekeeping() for the VMs marked so, and none other: most passes do nothing. */
bool vm_ept_housekeeping_pending(void);
/* On this pCPU: INVEPT for every obsolete tree of any VM it may cache that no vCPU uses. */
void vm_ept_flush_here(void);
/*
 * Hands some of vm's buffered console output to the console (whole records, within its rate)
 * and pumps the record in progress: called by a pCPU between runs and between exits of vm's
 * vCPUs, never inside an exit handler. Returns 0, or the TSC when more may be printed.
 */
u64 vm_console_drain_some(struct vm *vm);
/* vm_console_drain_some when there is anything to do: most runs start with nothing buffered. */
static inline u64 vm_console_drain(struct vm *vm)
{
	if (!vuart_maybe_pending(&vm->uart) && !console_recording())
		return 0;
	return vm_console_drain_some(vm);
}
/*
 * Between two exits of a vCPU of vm: pumps the record in progress; starts one of vm's only
 * while its driver polls a full UART (LSR.THRE read 0): it drains it in its own time then.
 * Records otherwise start at turn boundaries, so an exit that ends a line costs little.
 * vm_console_step is the inline check (most exits: nothing printing, nothing stalled; it says
 * true then).
 */
void vm_console_pump_step(struct vm *vm);
static inline bool vm_console_step(struct vm *vm)
{
	if (console_recording() || READ_ONCE(vm->uart.stalled)) {
		vm_console_pump_step(vm);
		return false;
	}
	return true; /* nothing printing, nothing stalled */
}
/* Ends the guest's line in progress and prints everything buffered (the VM stops or resets). */
void vm_console_flush(struct vm *vm);
/*
 * Claims [start, start+size) of vm's guest-physical space for a device model: every access
 * there is decoded and handed to fn (mm/regions.h, region_mmio_fn) with opaque. Returns 0, or
 * -EEXIST / -EINVAL / -ENOSPC as regions_add. Device models call it when the VM is created.
 */
int vm_mmio_claim(struct vm *vm, u64 start, u64 size, region_mmio_fn fn, void *opaque,
		  const char *name);
/*
 * After a change of vm's regions that invalidated mappings (zap, from ept_gen_*): every vCPU
 * loads the current root and flushes before its next entry, and the caller (on its own pCPU,
 * in an exit) waits for every other vCPU that is in guest mode until it has done so. A vCPU
 * that is not in guest mode does it before it enters again. Then no vCPU can use a mapping the
 * change removed.
 */
void vm_mem_changed(struct vcpu *caller, int zap);
/*
 * Shadow paging for vm (hv/vm_shadow.c): its MMU with at most a bound of pages for its size.
 * Returns 0 or -ENOMEM.
 */
int vm_shadow_init(struct vm *vm);
/* The VM stopped and no vCPU holds a root: every shadow page is freed (its tables' frames). */
void vm_shadow_release(struct vm *vm);
/* Every shadow page of vm goes obsolete (a generation bump): each vCPU loads a new root. */
void vm_shadow_invalidate(struct vm *vm);
/*
 * @pre vm->shadow. The one-by-one way instead (KESTREL_HC_DEBUG_EPT_INVALIDATE's walk on shadow
 * page tables, for make bench): every valid page's entries dropped, its pages freed.
 */
void vm_shadow_zap_walk(struct vm *vm);
/* @pre vm->shadow. TSC ticks its last invalidation, either way, held the shadow's lock. */
u64 vm_shadow_locked_ticks(struct vm *vm);
/*
 * The chunks a give-back took from the VM (ch, after vm_mem_changed): waits until no other vCPU
 * can still hold a host pointer taken before (each seen outside Kestrel's code for it since),
 * then hands them to the frame allocator. The hpa[] array is freed too.
 */
void vm_mem_release(struct vcpu *caller, struct ept_gen_chunks *ch);
/* Sets up ch for a give-back or take-back of size bytes; false when out of memory. */
bool vm_mem_chunks_init(struct vm *vm, struct ept_gen_chunks *ch, u64 size);
/*
 * The host address of [gpa, gpa+len) (within one chunk) stored in *slot, read and stored under
 * the EPT lock so that a give-back sees it (a chunk Kestrel writes into stays the VM's): NULL
 * when that is not RAM the VM holds.
 */
void *vm_mem_pin(struct vm *vm, u64 gpa, u64 len, void **slot);
/* An access nothing backs, emulated: counts it and prints a note, at most one per interval. */
void vm_note_unbacked(struct vcpu *v, u64 gpa, bool write, u64 rip, bool read_only);
/* Called on a vCPU's pCPU when it parks for a reset; the last one reloads the VM. */
void vm_vcpu_parked(struct vcpu *v);
/* Called by a pCPU when one of the VM's vCPUs has stopped running. */
void vm_vcpu_stopped(struct vcpu *v);
struct vcpu *vm_vcpu_by_apic_id(struct vm *vm, u32 apic_id);

static inline u64 vcpu_timer_next(const struct vcpu *v)
{
	u64 t = vlapic_timer_next(&v->lapic), pit;

	if (v->id)
		return t;
	pit = READ_ONCE(v->vm->platform.pit_next);
	return pit && (!t || pit < t) ? pit : t;
}

#endif
