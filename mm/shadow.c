// SPDX-License-Identifier: GPL-2.0
/* Shadow paging: roots per CR3 and role, the #PF path (guest walk, A/D, shadow entries), writes. */
#include "mm/shadow_page.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "lib/atomic.h"

/* Not yet in cpu.h: SDM Vol. 3A, 2.5. */
#define CR4_PSE BIT(4)
#define CR4_LA57 BIT(12)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)

/* Memory-type bits of a leaf, SDM Vol. 3A, 5.9.2: PAT is bit 7 in a PTE, bit 12 in a large page. */
#define PTE_PAT_4K BIT(7)
#define PTE_PAT_LARGE BIT(12)
/* PAE PDPTE reserved bits besides 63:M, SDM Vol. 3A, 5.4.1, table 5-8 (MOV to CR3 #GPs). */
#define PDPTE_PAE_RSVD (BIT(1) | BIT(2) | BIT(5) | BIT(6) | BIT(7) | BIT(8))

/* Walks redone when the guest changed an entry under the walk, before the fault is retried. */
#define SHADOW_FAULT_TRIES 3
/* The most pages one fault makes: a 4-level shadow's PDPT, PD and PT. */
#define SHADOW_FAULT_PAGES 3

static enum shadow_mode mode_of(const struct guest_walk_cpu *c)
{
	if (!(c->cr0 & CR0_PG))
		return SHADOW_MODE_OFF;
	if (c->efer & EFER_LMA)
		return SHADOW_MODE_4LEVEL;
	return (c->cr4 & CR4_PAE) ? SHADOW_MODE_PAE : SHADOW_MODE_32;
}

static u64 addr_mask(const struct shadow_mmu *m)
{
	unsigned int bits = m->maxphyaddr ? MIN(m->maxphyaddr, 52) : 52;

	return (BIT(bits) - 1) & ~(PAGE_SIZE - 1);
}

/* The role bits every page of a vCPU's current paging shares. */
static union shadow_role base_role(const struct shadow_vcpu *v)
{
	const struct guest_walk_cpu *c = &v->cpu;
	union shadow_role r = { .word = 0 };

	r.mode = mode_of(c);
	r.rw = r.us = 1;
	if (r.mode == SHADOW_MODE_OFF) {
		r.direct = 1; /* every access allowed: nothing else matters */
		return r;
	}
	r.wp = !!(c->cr0 & CR0_WP);
	r.smep_andnot_wp = (c->cr4 & CR4_SMEP) && !r.wp;
	r.smap_andnot_wp = (c->cr4 & CR4_SMAP) && !r.wp;
	r.nxe = r.mode != SHADOW_MODE_32 && (c->efer & EFER_NXE);
	r.pse = r.mode == SHADOW_MODE_32 && (c->cr4 & CR4_PSE);
	return r;
}

/* The root for the vCPU's CR3 and role: found (current generation only) or made. */
static u32 get_root(struct shadow_mmu *m, struct shadow_vcpu *v, bool *flush)
{
	union shadow_role r = base_role(v);
	u64 cr3 = v->cpu.cr3, gfn = 0, pae_cr3 = 0;

	r.level = 3;
	r.pae_root = 1;
	switch (r.mode) {
	case SHADOW_MODE_OFF:
		break;
	case SHADOW_MODE_32:
		gfn = (cr3 & 0xfffff000) >> PAGE_SHIFT;
		break;
	case SHADOW_MODE_PAE:
		/* The PDPTEs are registers: the root is made from them, not write-protected. */
		pae_cr3 = cr3 & 0xffffffe0;
		gfn = pae_cr3 >> PAGE_SHIFT;
		break;
	case SHADOW_MODE_4LEVEL:
		r.level = 4;
		r.pae_root = 0;
		gfn = (cr3 & addr_mask(m)) >> PAGE_SHIFT;
		break;
	}
	return shadow_page_get(m, gfn, r, pae_cr3, v->pdptes, flush);
}

static void set_root(struct shadow_mmu *m, struct shadow_vcpu *v, u32 root)
{
	if (v->root) {
		struct shadow_page *old = shadow_page(m, v->root);

		old->root_count--;
		if (shadow_obsolete(m, old))
			m->nr_stale_roots--;
		m->nr_roots_loaded--;
	}
	v->root = root;
	v->root_hpa = 0;
	if (root) {
		shadow_page(m, root)->root_count++;
		m->nr_roots_loaded++;
		v->root_hpa = shadow_page(m, root)->hpa;
	}
}

static int load_locked(struct shadow_mmu *m, struct shadow_vcpu *v)
{
	bool flush = false;
	u64 made = m->stats.pages_made;
	u32 root;

	if ((v->cpu.efer & EFER_LMA) && (v->cpu.cr4 & CR4_LA57) && (v->cpu.cr0 & CR0_PG))
		return -ENOTSUP;
	v->cpu.pdptes = mode_of(&v->cpu) == SHADOW_MODE_PAE ? v->pdptes : NULL;
	v->cpu.maxphyaddr = m->maxphyaddr;
	/* An obsolete root is given up first: while any vCPU holds one, nothing obsolete is freed. */
	if (v->root && shadow_obsolete(m, shadow_page(m, v->root)))
		set_root(m, v, 0);
	root = get_root(m, v, &flush);
	if (!root) {
		if (!shadow_make_room(m, 1))
			return -EAGAIN;
		root = get_root(m, v, &flush);
		if (!root)
			return -ENOMEM;
	}
	if (flush) {
		m->stats.flushes++;
		m->ops->flush_all(m->ctx);
	}
	if (root == v->root)
		return 0;
	if (m->stats.pages_made == made)
		m->stats.root_reuses++;
	set_root(m, v, root);
	m->stats.reloads++;
	return SHADOW_ROOT_NEW;
}

int shadow_vcpu_load(struct shadow_mmu *m, struct shadow_vcpu *v)
{
	int r;

	spin_lock(&m->lock);
	r = load_locked(m, v);
	spin_unlock(&m->lock);
	return r;
}

void shadow_vcpu_unload(struct shadow_mmu *m, struct shadow_vcpu *v)
{
	spin_lock(&m->lock);
	set_root(m, v, 0);
	spin_unlock(&m->lock);
}

/*
 * MOV to CR3 invalidates every non-global TLB entry and every paging-structure cache entry
 * (SDM Vol. 3A, 5.10.4.1): the caller does that to the CPU's TLB when the root changes. The
 * shadow itself keeps the root of each CR3 (of the current generation) and reuses it: a guest
 * table cannot change behind a shadow page without a trapped write, so what a kept root maps
 * is what the guest's tables map now. Global translations are kept by the CPU across the
 * switch (CR4.PGE, the G bit copied to leaves) and need nothing from the shadow.
 */
int shadow_new_cr3(struct shadow_mmu *m, struct shadow_vcpu *v, u64 cr3)
{
	struct guest_walk_cpu c = v->cpu;
	u64 pdptes[4];
	int r = 0;

	c.cr3 = cr3;
	spin_lock(&m->lock);
	if (mode_of(&c) == SHADOW_MODE_PAE) {
		/* PAE: MOV to CR3 loads the 4 PDPTEs from CR3[31:5], SDM Vol. 3A, 5.4.1. */
		if (gmem_read(m->gm, cr3 & 0xffffffe0, pdptes, sizeof(pdptes)))
			r = -EFAULT;
		for (int i = 0; !r && i < 4; i++)
			if ((pdptes[i] & PTE_P) &&
			    (pdptes[i] & (PDPTE_PAE_RSVD | (~addr_mask(m) & ~0xfffULL))))
				r = -EINVAL;
		if (!r)
			for (int i = 0; i < 4; i++)
				v->pdptes[i] = pdptes[i];
	}
	if (!r) {
		v->cpu.cr3 = cr3;
		r = load_locked(m, v);
	}
	spin_unlock(&m->lock);
	return r;
}

/*
 * Sets A on each entry of the walk and, for a write, D on the one that mapped the page, as the
 * CPU does with locked updates (SDM Vol. 3A, 5.8): compare-and-exchange, so a guest writing the
 * same entry meanwhile makes the walk start again. Returns 0, -EAGAIN or SHADOW_READ_ONLY.
 */
static int set_accessed_dirty(struct shadow_mmu *m, struct guest_walk_path *path, bool write)
{
	for (int level = path->top; path->top && level >= path->leaf; level--) {
		u64 old = path->entry[level], want = old | SHADOW_A, gpa = path->gpa[level], hpa;
		bool writable, ok;

		if (gpa == GUEST_WALK_IN_REGISTER) /* PAE PDPTEs have no A bit */
			continue;
		if (level == path->leaf && write)
			want |= SHADOW_D;
		if (want == old)
			continue;
		if (!m->ops->gfn_to_hpa(m->ctx, gpa >> PAGE_SHIFT, &hpa, &writable) || !writable)
			return SHADOW_READ_ONLY;
		hpa += gpa & (PAGE_SIZE - 1);
		if (path->entry_size == 4)
			ok = atomic_cmpxchg((u32 *)(uintptr_t)hpa, (u32)old, (u32)want);
		else
			ok = atomic_cmpxchg((u64 *)(uintptr_t)hpa, old, want);
		if (!ok)
			return -EAGAIN;
		path->entry[level] = want;
		m->stats.ops++;
	}
	return 0;
}

/* Entry index at a shadow level: a PAE-format root has 4 entries (linear-address bits 31:30). */
static u32 index_at(const struct shadow_page *sp, u64 gva)
{
	if (sp->role.pae_root)
		return (gva >> 30) & 3;
	return (gva >> (PAGE_SHIFT + 9 * (sp->role.level - 1))) & 511;
}

/* What the child below an upper-level shadow entry shadows, and with which role. */
struct child_key {
	u64 gfn;
	union shadow_role role;
};

/*
 * The child of page sp's entry for gva. Shadow levels are the guest's (32-bit guests: a guest
 * PD is 4 shadow PDs, a guest PT 2 shadow PTs, told apart by quadrant). A large guest page is
 * split into 4-KiB leaves under direct pages whose role carries the page's rights, whether its D
 * bit is clear (no leaf of a clean page is writable: a first write faults and sets D), and its
 * memory type and G bit: two large pages of the same frames share leaves only if all agree.
 */
static struct child_key child_of(const struct shadow_mmu *m, const struct shadow_vcpu *v,
				 const struct shadow_page *sp, const struct guest_walk_path *path,
				 u64 gva, u64 gpa)
{
	struct child_key k = { .role = sp->role };
	int level = sp->role.level;
	u64 span = BIT(PAGE_SHIFT + 9 * (level - 1)); /* what the child maps */
	u64 e = path->entry[level];

	k.role.level = level - 1;
	k.role.pae_root = 0;
	k.role.quadrant = 0;
	if (sp->role.direct || (path->top && level == path->leaf)) {
		if (!sp->role.direct) {
			/* The large page ends the walk here: its rights are all of them. */
			k.role.direct = 1;
			k.role.rw = path->rw;
			k.role.clean = !(e & SHADOW_D);
			k.role.us = path->us;
			k.role.xd = path->xd;
			k.role.attr = ((e & PTE_PWT) ? 1 : 0) | ((e & PTE_PCD) ? 2 : 0) |
				      ((e & PTE_PAT_LARGE) ? 4 : 0) | ((e & SHADOW_G) ? 8 : 0);
		}
		k.gfn = (gpa & ~(span - 1)) >> PAGE_SHIFT;
		return k;
	}
	if (sp->role.mode == SHADOW_MODE_32) {
		if (level == 3) { /* the guest PD at CR3, one quadrant of it */
			k.gfn = (v->cpu.cr3 & 0xfffff000) >> PAGE_SHIFT;
			k.role.quadrant = (gva >> 30) & 3;
			return k;
		}
		k.role.quadrant = (gva >> 21) & 1; /* half of the guest PT */
		k.gfn = (e & 0xfffff000) >> PAGE_SHIFT;
	} else {
		k.gfn = (e & addr_mask(m)) >> PAGE_SHIFT;
	}
	if (!(sp->role.pae_root && sp->role.mode == SHADOW_MODE_PAE)) { /* PDPTEs: no rights */
		k.role.rw &= !!(e & PTE_RW);
		k.role.us &= !!(e & PTE_US);
		k.role.xd |= sp->role.nxe && (e & PTE_XD);
	}
	return k;
}

/* Links the shadow pages from the root down for gva; returns the leaf page or 0 (no memory). */
static u32 build(struct shadow_mmu *m, struct shadow_vcpu *v, const struct guest_walk_path *path,
		 u64 gva, u64 gpa, bool *flush)
{
	u32 p = v->root;

	while (shadow_page(m, p)->role.level > 1) {
		struct shadow_page *sp = shadow_page(m, p);
		struct child_key k = child_of(m, v, sp, path, gva, gpa);
		u32 i = index_at(sp, gva);
		u32 c;

		/* The tables of the walk are in use as tables: their write-flood counts restart. */
		sp->write_flood = 0;

		if (shadow_table(sp)[i] & PTE_P) {
			c = sp->links[i].aux;
			if (shadow_page(m, c)->gfn == k.gfn && shadow_page(m, c)->role.word == k.role.word) {
				p = c;
				continue;
			}
		}
		c = shadow_page_get(m, k.gfn, k.role, 0, NULL, flush);
		if (!c)
			return 0;
		/* Upper entries grant everything (leaves carry the rights); PDPTEs reserve R/W, U/S. */
		shadow_link_child(m, p, i, c,
				  sp->role.pae_root ? PTE_P : PTE_P | PTE_RW | PTE_US | SHADOW_A);
		p = c;
	}
	shadow_page(m, p)->write_flood = 0;
	return p;
}

/*
 * The leaf for the page: the guest's rights combined over its walk (SDM Vol. 3A, 5.6), no write
 * right while the page is clean (the first write faults and sets D), a guest table or
 * read-only memory, and the memory type and G bit copied. *emulate: CR0.WP=0 with SMAP, which
 * the shadow cannot express for this write.
 */
static u64 leaf_entry(const struct shadow_vcpu *v, const struct guest_walk_path *path,
		      u32 access, u64 hpa, bool writable, bool table, bool *emulate)
{
	const struct guest_walk_cpu *c = &v->cpu;
	bool off = !path->top;
	u64 e = off ? 0 : path->entry[path->leaf];
	bool rw = off || path->rw, us = off || path->us, xd = !off && path->xd;
	bool w = rw && (off || (e & SHADOW_D)), u = us, x = xd;
	u64 spte;

	*emulate = false;
	/*
	 * CR0.WP=0 lets supervisor writes through read-only pages; the CPU runs with WP=1, so the
	 * leaf is made writable and hidden from user mode (a user access faults and gets the
	 * read-only leaf back), with XD where SMEP must still stop supervisor fetches. With SMAP
	 * a hidden user page would let supervisor data accesses through: emulate instead.
	 */
	if ((access & PF_ERR_WRITE) && !(access & PF_ERR_USER) && !rw && !(c->cr0 & CR0_WP)) {
		if (us && (c->cr4 & CR4_SMAP)) {
			*emulate = true;
		} else {
			w = true;
			u = false;
			x = xd || (us && (c->cr4 & CR4_SMEP));
		}
	}
	spte = hpa | PTE_P | SHADOW_A | (u ? PTE_US : 0) | (x ? PTE_XD : 0);
	if (w && writable && !table)
		spte |= PTE_RW | SHADOW_D;
	if (!off) {
		spte |= e & (PTE_PWT | PTE_PCD);
		if (e & (path->leaf == 1 ? PTE_PAT_4K : PTE_PAT_LARGE))
			spte |= PTE_PAT_4K;
		if ((e & SHADOW_G) && (c->cr4 & CR4_PGE))
			spte |= SHADOW_G;
	}
	return spte;
}

static void written_locked(struct shadow_mmu *m, u64 gpa, u64 len);

/* A guest entry of the walk changed since it was read: its shadow goes, the walk starts over. */
static bool walk_changed(struct shadow_mmu *m, const struct guest_walk_path *path)
{
	for (int level = path->top; path->top && level >= path->leaf; level--) {
		u64 now = 0;

		if (path->gpa[level] == GUEST_WALK_IN_REGISTER)
			continue;
		if (gmem_read(m->gm, path->gpa[level], &now, path->entry_size) ||
		    now != path->entry[level]) {
			written_locked(m, path->gpa[level], path->entry_size);
			return true;
		}
	}
	return false;
}

static int fault_once(struct shadow_mmu *m, struct shadow_vcpu *v, u64 gva, u32 ec,
		      struct shadow_fault_result *res)
{
	u32 access = ec & (PF_ERR_WRITE | PF_ERR_USER | PF_ERR_FETCH);
	struct guest_walk_path path;
	bool writable, table, emulate, flush = false;
	u64 gpa, hpa, spte;
	u32 p, i;
	int r;

	if (ec & SHADOW_PF_SMAP)
		access |= GUEST_WALK_SMAP;
	r = guest_walk_trace(m->gm, &v->cpu, gva, access, &gpa, &path, &res->pf);
	if (r == GUEST_WALK_PF) {
		res->kind = SHADOW_INJECT;
		return 0;
	}
	if (r) {
		res->kind = r == -EINVAL ? SHADOW_GP : SHADOW_BAD_TABLE;
		return 0;
	}
	if (mode_of(&v->cpu) != SHADOW_MODE_4LEVEL)
		gva &= 0xffffffff;
	r = set_accessed_dirty(m, &path, access & PF_ERR_WRITE);
	if (r == SHADOW_READ_ONLY) {
		res->kind = SHADOW_READ_ONLY;
		return 0;
	}
	if (r)
		return r;
	res->gpa = gpa;
	if ((gpa >> PAGE_SHIFT) >= m->nr_gfns ||
	    !m->ops->gfn_to_hpa(m->ctx, gpa >> PAGE_SHIFT, &hpa, &writable)) {
		res->kind = SHADOW_MMIO;
		return 0;
	}
	p = build(m, v, &path, gva, gpa, &flush);
	/* After build: the tables of this walk are write-protected now. */
	table = shadow_gfn_is_table(m, gpa >> PAGE_SHIFT);
	if (flush) {
		m->stats.flushes++;
		m->ops->flush_all(m->ctx);
	}
	/*
	 * Only now can no vCPU write the tables of this walk without a trap: a write that got in
	 * before was not seen by the walk.
	 */
	if (walk_changed(m, &path))
		return -EAGAIN;
	if (!p) {
		res->kind = SHADOW_RETRY;
		return 0;
	}
	spte = leaf_entry(v, &path, access, hpa, writable, table, &emulate);
	i = index_at(shadow_page(m, p), gva);
	if (shadow_table(shadow_page(m, p))[i] != spte)
		shadow_set_leaf(m, p, i, gpa >> PAGE_SHIFT, spte);
	res->kind = SHADOW_FIXED;
	if ((access & PF_ERR_WRITE) && !(spte & PTE_RW))
		res->kind = table || emulate ? SHADOW_EMULATE : !writable ? SHADOW_READ_ONLY :
								     SHADOW_FIXED;
	return 0;
}

void shadow_fault(struct shadow_mmu *m, struct shadow_vcpu *v, u64 gva, u32 error_code,
		  struct shadow_fault_result *res)
{
	spin_lock(&m->lock);
	m->stats.faults++;
	res->kind = SHADOW_RETRY;
	res->gpa = 0;
	/* No page is made under an obsolete root; room first, so no page on the way is zapped. */
	if (v->root && !shadow_obsolete(m, shadow_page(m, v->root)) &&
	    shadow_make_room(m, SHADOW_FAULT_PAGES)) {
		for (int t = 0; t < SHADOW_FAULT_TRIES; t++) {
			if (fault_once(m, v, gva, error_code, res) != -EAGAIN)
				break;
			res->kind = SHADOW_RETRY;
		}
	}
	if (res->kind == SHADOW_FIXED)
		m->stats.fixed++;
	else if (res->kind == SHADOW_INJECT)
		m->stats.injected++;
	else if (res->kind == SHADOW_EMULATE)
		m->stats.emulated++;
	spin_unlock(&m->lock);
}

/* Drops the entries of page p built from guest bytes [off, off + n) of its table. */
static void zap_written(struct shadow_mmu *m, u32 p, u64 off, u64 n)
{
	struct shadow_page *sp = shadow_page(m, p);
	u32 size = sp->role.mode == SHADOW_MODE_32 ? 4 : 8;

	for (u64 g = off / size; g <= (off + n - 1) / size; g++) {
		if (sp->role.mode != SHADOW_MODE_32) {
			shadow_drop_entry(m, p, g);
		} else if (sp->role.level == 2 && (g >> 8) == sp->role.quadrant) {
			/* A 4-MiB guest PDE is two 2-MiB shadow PDEs. */
			shadow_drop_entry(m, p, (g & 255) * 2);
			shadow_drop_entry(m, p, (g & 255) * 2 + 1);
		} else if (sp->role.level == 1 && (g >> 9) == sp->role.quadrant) {
			shadow_drop_entry(m, p, g & 511);
		}
	}
}

/*
 * Every page shadowing the written table loses the entries built from the bytes written, obsolete
 * pages too (a vCPU may run on them until it reloads). The guest's next access through them
 * faults and reads the new entry. No TLB flush: the guest must itself invalidate a translation
 * it changed (SDM Vol. 3A, 5.10.4.2), and INVLPG or MOV to CR3 reach the CPU's TLB.
 */
static void written_locked(struct shadow_mmu *m, u64 gpa, u64 len)
{
	u64 end = gpa + len;

	while (gpa < end) {
		u64 gfn = gpa >> PAGE_SHIFT, off = gpa & (PAGE_SIZE - 1);
		u64 n = MIN(end - gpa, PAGE_SIZE - off);

		for (u32 i = m->hash[shadow_hash(m, gfn)]; i; i = shadow_page(m, i)->hash_next) {
			struct shadow_page *sp = shadow_page(m, i);

			m->stats.ops++;
			if (sp->gfn == gfn && !sp->role.direct && !sp->role.pae_root)
				zap_written(m, i, off, n);
		}
		gpa += n;
	}
}

/* One more emulated write to the table at gfn: whether one of its pages is flooded now. */
static bool flooded(struct shadow_mmu *m, u64 gfn)
{
	bool any = false;

	for (u32 i = m->hash[shadow_hash(m, gfn)]; i; i = shadow_page(m, i)->hash_next) {
		struct shadow_page *sp = shadow_page(m, i);

		m->stats.ops++;
		if (sp->gfn == gfn && !sp->role.direct && !sp->role.pae_root &&
		    !shadow_obsolete(m, sp) && !sp->root_count &&
		    ++sp->write_flood >= SHADOW_WRITE_FLOOD)
			any = true;
	}
	return any;
}

void shadow_guest_pte_written(struct shadow_mmu *m, u64 gpa, u64 len)
{
	if (!len || gpa + len < gpa)
		return;
	spin_lock(&m->lock);
	written_locked(m, gpa, len);
	for (u64 gfn = gpa >> PAGE_SHIFT; gfn <= (gpa + len - 1) >> PAGE_SHIFT; gfn++)
		if (flooded(m, gfn) && shadow_unprotect_locked(m, gfn))
			m->stats.flooded++;
	spin_unlock(&m->lock);
}

/*
 * INVLPG invalidates the page's translations, global ones included, and the paging-structure
 * caches (SDM Vol. 3A, 5.10.4.1); a non-canonical address makes it a no-op. The shadow is kept
 * in step by write protection, so only the leaf goes (the next access walks the guest's tables
 * again); the caller flushes gva from the CPU's TLB.
 */
void shadow_invlpg(struct shadow_mmu *m, struct shadow_vcpu *v, u64 gva)
{
	spin_lock(&m->lock);
	if (mode_of(&v->cpu) != SHADOW_MODE_4LEVEL)
		gva &= 0xffffffff;
	else if ((u64)((s64)(gva << 16) >> 16) != gva)
		goto out;
	if (v->root && !shadow_obsolete(m, shadow_page(m, v->root))) {
		u32 p = v->root;

		while (shadow_page(m, p)->role.level > 1) {
			u32 i = index_at(shadow_page(m, p), gva);

			if (!(shadow_table(shadow_page(m, p))[i] & PTE_P))
				goto out;
			p = shadow_page(m, p)->links[i].aux;
		}
		shadow_drop_entry(m, p, index_at(shadow_page(m, p), gva));
	}
out:
	spin_unlock(&m->lock);
}
