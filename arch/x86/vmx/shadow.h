/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU on shadow page tables under VMX (ept=off, or a CPU without EPT): the guest's CR0, CR3,
 * CR4 and EFER kept beside what the CPU runs with, and the root loaded before each entry.
 */
#ifndef KESTREL_ARCH_X86_VMX_SHADOW_H
#define KESTREL_ARCH_X86_VMX_SHADOW_H

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "mm/guest_walk.h"

/* Not yet in cpu.h: SDM Vol. 3A, 2.5. */
#define SHADOW_CR4_PSE BIT(4)
#define SHADOW_CR4_PCIDE BIT(17)
#define SHADOW_CR4_SMEP BIT(20)
#define SHADOW_CR4_SMAP BIT(21)

/*
 * The CR0 and CR4 bits Kestrel owns under shadow paging (guest/host masks, SDM Vol. 3C,
 * 25.6.6): the guest reads its own values from the read shadows, and a MOV that changes one
 * exits. Without unrestricted guest, CR0.PE and PG are fixed to 1 in VMX non-root operation
 * (Vol. 3D, A.7), so the CPU always pages, on the shadow; WP is 1 as the shadow requires.
 */
#define SHADOW_CR0_MASK (CR0_PE | CR0_NE | CR0_WP | CR0_PG)
#define SHADOW_CR0_FORCED (CR0_PE | CR0_NE | CR0_WP | CR0_PG)
#define SHADOW_CR4_MASK                                                                         \
	(CR4_VMXE | CR4_GUEST_HIDDEN | SHADOW_CR4_PSE | CR4_PAE | CR4_PGE | SHADOW_CR4_PCIDE |   \
	 SHADOW_CR4_SMEP | SHADOW_CR4_SMAP)

static inline bool vmx_shadow_on(const struct vcpu *v)
{
	return v->vm->shadow != NULL;
}

/* The guest's paging state, for walks of its tables (both EPT and shadow VMs). */
void vmx_guest_paging(struct vcpu *v, struct guest_walk_cpu *cpu, u64 pdptes[4]);
/* The guest's CR0, CR4 and EFER (shadow VM): written to the VMCS with what the CPU needs. */
void vmx_shadow_set_paging(struct vmx_vcpu *x, u64 cr0, u64 cr4, u64 efer);
/* Power-on, INIT or multiboot state with guest CR0 cr0: CR3 0, CR4 0, EFER 0. */
void vmx_shadow_reset(struct vmx_vcpu *x, u64 cr0);
/*
 * Before an entry: loads the root for the guest's paging when asked (v->shadow_reload). False:
 * do not enter now (the VM was stopped, or pages wait for other vCPUs: yield).
 */
bool vmx_shadow_before_entry(struct vmx_vcpu *x);
/* The vCPU stops running here for now: it gives its root up (obsolete pages can go). */
void vmx_shadow_leave(struct vmx_vcpu *x);
/*
 * With VPID the CPU keeps a vCPU's translations across VM exits and entries (SDM Vol. 3C,
 * 30.4.3.1), so each change of the shadow it may hold them from is followed by an INVVPID on
 * its pCPU (tlb.c; nothing without VPID, where each entry and exit flushes):
 * - a new root, or new paging modes (MOV to CR0/CR4, EFER, invalidate-all's reload): all of it;
 * - the guest's MOV to CR3: all but global translations (vmx_shadow_flush_cr3);
 * - INVLPG and a #PF the shadow fixed: that address (vmx_shadow_flush_gva);
 * - the PV flush: the pages it names, or all (arch_vcpu_flush_tlb);
 * - a shadow leaf dropped or made stricter for Kestrel's own reasons (a frame write-protected
 *   as it becomes a table, a valid page zapped, unprotect): every vCPU of the VM
 *   (VCPU_REQ_SHADOW_FLUSH, hv/vm_shadow.c), the caller waiting for those in guest mode;
 * - arriving on a pCPU: all of it (run.c), whatever this pCPU cached on an earlier visit.
 * A guest's own write to its tables needs none: the guest flushes after it (Vol. 3A, 4.10.4.2),
 * and what stays cached until then maps what its tables mapped before the write.
 */
void vmx_shadow_flush_gva(struct vmx_vcpu *x, u64 gva);
void vmx_shadow_flush_cr3(struct vmx_vcpu *x);
/* MOV to CR0, CR3 or CR4 checked and carried out as the guest's (false: #GP), and its view. */
bool vmx_shadow_write_cr(struct vcpu *v, u32 cr, u64 val);
u64 vmx_shadow_read_cr(struct vcpu *v, u32 cr);
/* MOV to or from CR0, CR3 or CR4 that exited on a shadow VM. */
enum exit_action exit_shadow_cr(struct vcpu *v, u32 cr, bool to, u32 reg, u64 val);
/* RDMSR and WRMSR of IA32_EFER on a shadow VM (they exit there). */
enum exit_action exit_shadow_efer_read(struct vcpu *v);
enum exit_action exit_shadow_efer_write(struct vcpu *v, u64 val);
/* The #PF exit (exception bitmap bit 14). */
enum exit_action exit_page_fault(struct vcpu *v, u32 info);

/*
 * Real mode without unrestricted guest (real_mode.c): a SIPI's state run in virtual-8086 mode
 * until the guest sets CR0.PE; every exception exits meanwhile and the privileged instructions
 * of a start-up trampoline are emulated, the others stop the VM.
 */
void vmx_real_mode_start(struct vmx_vcpu *x, u8 vector);
enum exit_action exit_real_mode_exception(struct vcpu *v, u32 info);
/*
 * Before an entry in virtual-8086 mode: the pending exception, NMI or interrupt delivered as
 * real mode would, in software. True: an interrupt waits for IF (ask for a window exit).
 */
bool vmx_real_mode_events(struct vmx_vcpu *x);

#endif
