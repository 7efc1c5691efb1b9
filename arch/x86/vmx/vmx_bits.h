/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every VMX control and format bit Kestrel uses, defined once (SDM Vol. 3C, "Virtual Machine
 * Control Structures": 26.6 for the execution controls, 26.7 exit, 26.8 entry controls).
 */
#ifndef KESTREL_ARCH_X86_VMX_VMX_BITS_H
#define KESTREL_ARCH_X86_VMX_VMX_BITS_H

#include "lib/types.h"

/* Pin-based VM-execution controls, 26.6.1, table 26-5. */
#define PIN_EXT_INTR BIT(0)
#define PIN_NMI BIT(3)
#define PIN_VIRTUAL_NMI BIT(5)
#define PIN_PREEMPTION_TIMER BIT(6)
#define PIN_POSTED_INTR BIT(7)

/* Primary processor-based VM-execution controls, 26.6.2, table 26-6. */
#define PROC_INTR_WINDOW BIT(2)
#define PROC_TSC_OFFSET BIT(3) /* "use TSC offsetting", 25.6.2 */
#define PROC_HLT BIT(7)
#define PROC_INVLPG BIT(9)
#define PROC_MWAIT BIT(10)
#define PROC_RDPMC BIT(11)
#define PROC_CR3_LOAD BIT(15)
#define PROC_CR3_STORE BIT(16)
#define PROC_CR8_LOAD BIT(19)
#define PROC_CR8_STORE BIT(20)
#define PROC_TPR_SHADOW BIT(21) /* "use TPR shadow": the virtual-APIC page */
#define PROC_NMI_WINDOW BIT(22)
#define PROC_IO_BITMAPS BIT(25)
#define PROC_MSR_BITMAPS BIT(28)
#define PROC_MONITOR BIT(29)
#define PROC_PAUSE BIT(30)
#define PROC_SECONDARY BIT(31)

/* Secondary processor-based VM-execution controls, 26.6.2, table 26-7. */
#define PROC2_VIRT_APIC_ACCESS BIT(0)
#define PROC2_EPT BIT(1)
#define PROC2_RDTSCP BIT(3)
#define PROC2_VIRT_X2APIC BIT(4) /* "virtualize x2APIC mode" */
#define PROC2_VPID BIT(5)
#define PROC2_WBINVD BIT(6)
#define PROC2_UNRESTRICTED BIT(7)
#define PROC2_APIC_REG_VIRT BIT(8)
#define PROC2_VIRT_INTR_DELIVERY BIT(9)
#define PROC2_INVPCID BIT(12)

/* Primary VM-exit controls, 26.7.1, table 26-13. */
#define EXIT_SAVE_DEBUG BIT(2)
#define EXIT_HOST_64 BIT(9)
#define EXIT_ACK_INTR BIT(15) /* "acknowledge interrupt on exit" */
#define EXIT_SAVE_PAT BIT(18)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_SAVE_EFER BIT(20)
#define EXIT_LOAD_EFER BIT(21)

/* VM-entry controls, 26.8.1, table 26-16. */
#define ENTRY_LOAD_DEBUG BIT(2)
#define ENTRY_IA32E_GUEST BIT(9)
#define ENTRY_LOAD_PAT BIT(14)
#define ENTRY_LOAD_EFER BIT(15)

/* Interruptibility-state bits, 26.4.2, table 26-3. */
#define INTR_BLOCK_STI BIT(0)
#define INTR_BLOCK_MOV_SS BIT(1)
#define INTR_BLOCK_NMI BIT(3)

/* Interruption-information format (entry, exit, IDT vectoring), 26.8.3, table 26-17. */
#define INTR_INFO_VALID BIT(31)
#define INTR_INFO_ERROR BIT(11)
#define INTR_TYPE_EXTERNAL (0u << 8)
#define INTR_TYPE_NMI (2u << 8)
#define INTR_TYPE_HW_EXCEPTION (3u << 8)
#define INTR_TYPE_SW_INTERRUPT (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << 8)
#define INTR_TYPE_SW_EXCEPTION (6u << 8)

/*
 * CR4 bits a guest may not set, as CPUID hides their features (SDM Vol. 3A, 2.5): OSXSAVE
 * (XSAVE), LA57 (5-level paging), PKE (protection keys, whose PKRU Kestrel does not switch).
 * They are in the CR4 guest/host mask, so setting one exits, and the exit refuses it (#GP).
 */
#define CR4_LA57 BIT(12)
#define CR4_OSXSAVE BIT(18)
#define CR4_PKE BIT(22)
#define CR4_GUEST_HIDDEN (CR4_LA57 | CR4_OSXSAVE | CR4_PKE)

/* EPT-violation exit qualification, 29.2.1, table 29-7. */
#define EPT_Q_READ BIT(0)
#define EPT_Q_WRITE BIT(1)
#define EPT_Q_FETCH BIT(2)
#define EPT_Q_GLA_VALID BIT(7) /* the guest-linear-address field is valid */
#define EPT_Q_GLA_TRANSLATION BIT(8) /* with bit 7: the access was to the linear address itself,
				      * not to a paging-structure entry of its walk */

/* The access-rights format of a segment, 26.4.1, table 26-2. */
#define SEG_AR_L BIT(13)
#define SEG_AR_D BIT(14)

#endif
