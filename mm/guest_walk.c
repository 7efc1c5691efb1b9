// SPDX-License-Identifier: GPL-2.0
/* Guest page-table walker (32-bit, PAE, 4- and 5-level paging); pure logic, unit-tested. */
#include "mm/guest_walk.h"
#include "arch/x86/pte.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"

/* Not yet in cpu.h/msr.h: SDM Vol. 3A, 2.5 (CR4) and 2.2.1 (EFER). */
#define CR4_PSE BIT(4)
#define CR4_LA57 BIT(12)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)

/* Paging-structure entry bits, SDM Vol. 3A, 5.3 and 5.5, tables 5-4 to 5-20. */

/* PAE PDPTE reserved bits besides 63:M: 2:1 and 8:5, SDM Vol. 3A, 5.4.1, table 5-8. */
#define PDPTE_PAE_RSVD (BIT(1) | BIT(2) | BIT(5) | BIT(6) | BIT(7) | BIT(8))

/* What the walk collects on its way down. */
struct walk {
	const struct guest_mem *gm;
	const struct guest_walk_cpu *cpu;
	u64 la;
	u32 access;
	bool rw, us, xd; /* effective rights: R/W and U/S ANDed, XD ORed over the levels */
	u64 page;	 /* guest-physical base of the page */
	u64 page_size;
	struct guest_walk_path *path; /* where to record the entries, or NULL */
	int level;		      /* the level of the next entry read, for path */
};

/* Bits hi:lo set; none when lo > hi. */
static u64 bits(unsigned int hi, unsigned int lo)
{
	if (lo > hi)
		return 0;
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

static unsigned int maxphyaddr(const struct guest_walk_cpu *cpu)
{
	return cpu->maxphyaddr ? MIN(cpu->maxphyaddr, 52) : 52;
}

/* Bits M-1:12 of a 64-bit entry: the address of the next table or the 4-KiB page. */
static u64 addr_mask(const struct guest_walk_cpu *cpu)
{
	return bits(maxphyaddr(cpu) - 1, PAGE_SHIFT);
}

static void record(const struct walk *w, u64 gpa, u64 e, u8 size)
{
	if (!w->path)
		return;
	w->path->gpa[w->level] = gpa;
	w->path->entry[w->level] = e;
	w->path->entry_size = size;
	w->path->leaf = w->level;
}

static int read_entry(const struct walk *w, u64 gpa, u64 *e)
{
	int r = gmem_read(w->gm, gpa, e, sizeof(*e));

	if (!r)
		record(w, gpa, *e, 8);
	return r;
}

static int read_entry32(const struct walk *w, u64 gpa, u64 *e)
{
	u32 v;
	int r = gmem_read(w->gm, gpa, &v, sizeof(v));

	*e = v;
	if (!r)
		record(w, gpa, *e, 4);
	return r;
}

static void take_rights(struct walk *w, u64 e)
{
	w->rw = w->rw && (e & PTE_RW);
	w->us = w->us && (e & PTE_US);
	w->xd = w->xd || ((w->cpu->efer & EFER_NXE) && (e & PTE_XD));
}

/* I/D is reported only when fetches can fault, SDM Vol. 3A, 5.7. */
static int fault(const struct walk *w, u32 why, struct guest_walk_fault *pf)
{
	const struct guest_walk_cpu *cpu = w->cpu;
	u32 ec = why | (w->access & (PF_ERR_WRITE | PF_ERR_USER));

	if ((w->access & GUEST_WALK_FETCH) &&
	    ((cpu->cr4 & CR4_SMEP) || ((cpu->cr4 & CR4_PAE) && (cpu->efer & EFER_NXE))))
		ec |= PF_ERR_FETCH;
	pf->addr = w->la;
	pf->error_code = ec;
	return GUEST_WALK_PF;
}

/* 32-bit paging: 2 levels of 4-byte entries, 4-MiB pages with CR4.PSE, SDM Vol. 3A, 5.3. */
static int walk32(struct walk *w, struct guest_walk_fault *pf)
{
	const struct guest_walk_cpu *cpu = w->cpu;
	unsigned int m = maxphyaddr(cpu);
	u64 pde, pte;
	int r;

	w->level = 2;
	r = read_entry32(w, (cpu->cr3 & bits(31, 12)) + ((w->la >> 22) & 0x3ff) * 4, &pde);
	if (r)
		return r;
	if (!(pde & PTE_P))
		return fault(w, 0, pf);
	take_rights(w, pde);
	if ((pde & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
		/* PDE bits 20:13 are physical-address bits 39:32 (PSE-36), table 5-4. */
		if (pde & (BIT(21) | bits(20, MAX(MIN(m, 40), 32) - 19)))
			return fault(w, PF_ERR_PRESENT | PF_ERR_RSVD, pf);
		w->page = (pde & bits(31, 22)) | ((pde & bits(20, 13)) << 19);
		w->page_size = 4 * MiB;
		return 0;
	}
	w->level = 1;
	r = read_entry32(w, (pde & bits(31, 12)) + ((w->la >> 12) & 0x3ff) * 4, &pte);
	if (r)
		return r;
	if (!(pte & PTE_P))
		return fault(w, 0, pf);
	take_rights(w, pte);
	w->page = pte & bits(31, 12);
	w->page_size = PAGE_SIZE;
	return 0;
}

/*
 * 8-byte entries from level top down to 1 (the page table), starting with the table at
 * base: PAE from the PD (level 2), 4-level from the PML4 (4), 5-level from the PML5 (5).
 * Reserved bits: SDM Vol. 3A, 5.4.2 (PAE) and 5.5.4 (4/5-level), tables 5-8 to 5-20.
 */
static int walk64(struct walk *w, u64 base, int top, struct guest_walk_fault *pf)
{
	const struct guest_walk_cpu *cpu = w->cpu;
	bool long_mode = cpu->efer & EFER_LMA;
	/* PAE entries have no ignored high bits; 4/5-level ignore 62:52. */
	u64 rsvd = bits(long_mode ? 51 : 62, maxphyaddr(cpu));
	int level;

	if (!(cpu->efer & EFER_NXE))
		rsvd |= PTE_XD;
	for (level = top; level >= 1; level--) {
		unsigned int shift = PAGE_SHIFT + 9 * (level - 1);
		u64 e;
		int r;

		w->level = level;
		r = read_entry(w, base + ((w->la >> shift) & 0x1ff) * 8, &e);

		if (r)
			return r;
		if (!(e & PTE_P))
			return fault(w, 0, pf);
		/* PS is reserved in PML5Es and PML4Es; a large page reserves 20:13 or 29:13. */
		if ((e & rsvd) || ((e & PTE_PS) && level >= 4) ||
		    ((e & PTE_PS) && level >= 2 && (e & bits(shift - 1, 13))))
			return fault(w, PF_ERR_PRESENT | PF_ERR_RSVD, pf);
		take_rights(w, e);
		if (level == 1 || (e & PTE_PS)) {
			w->page_size = BIT(shift);
			w->page = e & addr_mask(cpu) & ~(w->page_size - 1);
			return 0;
		}
		base = e & addr_mask(cpu);
	}
	return -EINVAL; /* not reached: level 1 always ends the walk */
}

/* PAE: the PDPTE for la[31:30], then a 2-level walk; PDPTEs carry no rights, table 5-8. */
static int walk_pae(struct walk *w, struct guest_walk_fault *pf)
{
	const struct guest_walk_cpu *cpu = w->cpu;
	unsigned int i = (w->la >> 30) & 3;
	u64 pdpte;
	int r;

	w->level = 3;
	if (cpu->pdptes) {
		pdpte = cpu->pdptes[i];
		record(w, GUEST_WALK_IN_REGISTER, pdpte, 8);
	} else {
		r = read_entry(w, (cpu->cr3 & bits(31, 5)) + i * 8, &pdpte);
		if (r)
			return r;
	}
	if (!(pdpte & PTE_P))
		return fault(w, 0, pf);
	/* MOV to CR3 or VM entry would have refused these; report them rather than trust them. */
	if (pdpte & (PDPTE_PAE_RSVD | bits(63, maxphyaddr(cpu))))
		return fault(w, PF_ERR_PRESENT | PF_ERR_RSVD, pf);
	return walk64(w, pdpte & addr_mask(cpu), 2, pf);
}

/* Access rights once the walk found the page, SDM Vol. 3A, 5.6. */
static int check_rights(const struct walk *w, struct guest_walk_fault *pf)
{
	const struct guest_walk_cpu *cpu = w->cpu;
	bool write = w->access & GUEST_WALK_WRITE;
	bool fetch = w->access & GUEST_WALK_FETCH;

	if (w->access & GUEST_WALK_USER) {
		if (!w->us || (write && !w->rw))
			return fault(w, PF_ERR_PRESENT, pf);
	} else {
		if (!fetch && w->us && (cpu->cr4 & CR4_SMAP) && (w->access & GUEST_WALK_SMAP))
			return fault(w, PF_ERR_PRESENT, pf);
		if (write && !w->rw && (cpu->cr0 & CR0_WP))
			return fault(w, PF_ERR_PRESENT, pf);
		if (fetch && w->us && (cpu->cr4 & CR4_SMEP))
			return fault(w, PF_ERR_PRESENT, pf);
	}
	if (fetch && w->xd)
		return fault(w, PF_ERR_PRESENT, pf);
	return 0;
}

/* Bits 63:47 (4-level) or 63:56 (5-level) copy bit 47 or 56, SDM Vol. 3A, 5.5.1. */
static bool canonical(u64 la, unsigned int width)
{
	s64 s = (s64)(la << (64 - width)) >> (64 - width);

	return (u64)s == la;
}

int guest_walk_trace(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
		     u32 access, u64 *gpa, struct guest_walk_path *path,
		     struct guest_walk_fault *pf)
{
	struct walk w = {
		.gm = gm, .cpu = cpu, .la = la, .access = access, .rw = true, .us = true,
		.path = path,
	};
	int r;

	if (path)
		path->top = 0;
	/* Paging mode from CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57, SDM Vol. 3A, 5.1.1. */
	if (!(cpu->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffff;
		if (path) {
			path->leaf = 0;
			path->rw = path->us = true;
			path->xd = false;
			path->page = *gpa & ~(PAGE_SIZE - 1);
			path->page_size = PAGE_SIZE;
		}
		return 0;
	}
	if (cpu->efer & EFER_LMA) {
		bool la57 = cpu->cr4 & CR4_LA57;

		if (!canonical(la, la57 ? 57 : 48))
			return -EINVAL;
		if (path)
			path->top = la57 ? 5 : 4;
		r = walk64(&w, cpu->cr3 & addr_mask(cpu), la57 ? 5 : 4, pf);
	} else {
		w.la = la & 0xffffffff;
		if (path)
			path->top = (cpu->cr4 & CR4_PAE) ? 3 : 2;
		r = (cpu->cr4 & CR4_PAE) ? walk_pae(&w, pf) : walk32(&w, pf);
	}
	if (!r)
		r = check_rights(&w, pf);
	if (!r) {
		*gpa = w.page | (w.la & (w.page_size - 1));
		if (path) {
			path->rw = w.rw;
			path->us = w.us;
			path->xd = w.xd;
			path->page = w.page;
			path->page_size = w.page_size;
		}
	}
	return r;
}

int guest_walk_translate(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
			 u32 access, u64 *gpa, struct guest_walk_fault *pf)
{
	return guest_walk_trace(gm, cpu, la, access, gpa, NULL, pf);
}

int guest_walk_read(const struct guest_mem *gm, const struct guest_walk_cpu *cpu, u64 la,
		    u32 access, void *dst, u64 len, struct guest_walk_fault *pf)
{
	u8 *d = dst;

	while (len) {
		u64 n = MIN(len, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		u64 gpa;
		int r = guest_walk_translate(gm, cpu, la, access, &gpa, pf);

		if (r)
			return r;
		r = gmem_read(gm, gpa, d, n);
		if (r)
			return r;
		d += n;
		len -= n;
		la += n; /* legacy modes wrap at 4 GiB: guest_walk_translate drops bits 63:32 */
	}
	return 0;
}
