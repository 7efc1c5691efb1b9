// SPDX-License-Identifier: GPL-2.0
/* Generation-number invalidation of a VM's EPT, with lazy batched teardown (KVM 2013). */
#include "mm/ept_gen.h"
#include "arch/x86/cpu.h"
#include "lib/atomic.h"

u64 ept_gen_table_limit(u64 ram_size)
{
	u64 pts = ALIGN_UP(ram_size, BIT(21)) >> 21, pds = ALIGN_UP(ram_size, BIT(30)) >> 30;
	u64 pdpts = ALIGN_UP(ram_size, BIT(39)) >> 39;

	return 1 + pdpts + pds + pts + 3 * REGIONS_MAX;
}

int ept_gen_init(struct vm_ept *e, const struct guest_mem *gm)
{
	/* RAM below the PCI hole, and the rest from 4 GiB (mm/guest_mem.h). */
	struct region low = { .start = 0, .size = gmem_low(gm), .kind = REGION_RAM,
			      .perm = REGION_RWX, .backing = 0, .name = "ram" };
	struct region high = low;
	int err = ept_tree_init(&e->cur);

	high.start = GMEM_HOLE_END;
	high.size = gm->size - low.size;
	high.backing = low.size;
	e->generation = 1;
	e->max_tables = ept_gen_table_limit(gm->size);
	e->cur.max_tables = e->max_tables;
	regions_init(&e->regions);
	if (!err)
		err = regions_add(&e->regions, &low, gm->size);
	if (!err && high.size)
		err = regions_add(&e->regions, &high, gm->size);
	return err;
}

/* The largest page for gpa's block that regions and backing allow; 0 when not RAM for it. */
static u32 block_for(struct vm_ept *e, const struct guest_mem *gm, u64 gpa, u64 *base,
		     u64 *backing)
{
	u32 shift = ept_huge_pages ? 30 : ept_large_pages ? 21 : PAGE_SHIFT;
	const struct region *r = regions_block(&e->regions, gpa, &shift);

	for (;;) {
		*base = ALIGN_DOWN(gpa, BIT(shift));
		*backing = r->backing + (*base - r->start);
		/* A GiB of chunks that are not one aligned run, or not all zeroed yet: 2 MiB. */
		if (shift != 30 || (gmem_contiguous(gm, *backing, BIT(30)) &&
				    gmem_ready(gm, *backing, BIT(30))))
			return shift;
		shift = 21;
	}
}

enum ept_fault ept_gen_fault(struct vm_ept *e, const struct guest_mem *gm, u64 gpa, u8 access,
			     struct region *out)
{
	const struct region *r;
	u64 changes, gen, base, backing, hpa;
	u32 shift;
	int ret;

	spin_lock(&e->lock);
	r = regions_find(&e->regions, gpa);
	if (!r || r->kind != REGION_RAM || (access & ~r->perm)) {
		if (r)
			*out = *r;
		spin_unlock(&e->lock);
		return !r ? EPT_FAULT_UNBACKED : r->kind == REGION_MMIO ? EPT_FAULT_MMIO :
			    EPT_FAULT_DENIED;
	}
	shift = block_for(e, gm, gpa, &base, &backing);
	changes = e->regions.changes;
	gen = e->generation;
	spin_unlock(&e->lock);
	/* Zeroed before the guest can see it, outside the lock: other chunks fault meanwhile. */
	gmem_prepare(gm, ALIGN_DOWN(backing, GMEM_CHUNK_SIZE), MAX(BIT(shift), GMEM_CHUNK_SIZE));
	spin_lock(&e->lock);
	/* The regions or the tree changed meanwhile: the vCPU faults again, on what is now. */
	if (e->regions.changes != changes || e->generation != gen) {
		spin_unlock(&e->lock);
		return EPT_FAULT_RETRY;
	}
	hpa = gm->chunks[backing >> GMEM_CHUNK_SHIFT] + (backing & (GMEM_CHUNK_SIZE - 1));
	ret = ept_tree_map(&e->cur, base, hpa, shift, r->perm, ALIGN_DOWN(gpa, PAGE_SIZE));
	if (ret >= 0) {
		e->faults++;
		e->maps[ret == 30 ? 2 : ret == 21 ? 1 : 0]++;
	} else if (ret == -ENOSPC) {
		e->limit_hits++;
	}
	spin_unlock(&e->lock);
	return ret >= 0 ? EPT_FAULT_MAPPED : ret == -ENOSPC ? EPT_FAULT_FULL : EPT_FAULT_RETRY;
}

/*
 * The new generation: fresh (allocated by the caller, outside the lock) becomes the current
 * tree. False when too many obsolete trees still wait: the caller zaps the tree in place.
 * @pre e->lock held
 */
static bool invalidate_locked(struct vm_ept *e, struct ept_tree *fresh)
{
	if (e->nr_obsolete == EPT_GEN_MAX_OBSOLETE)
		return false;
	e->obsolete[e->nr_obsolete] = (struct ept_obsolete){ e->cur, e->generation, e->cur_cached };
	e->nr_obsolete++;
	e->cur = *fresh;
	e->cur.max_tables = e->max_tables;
	/* No pCPU has entered with the new root: a frame is freed only once none caches it. */
	cpuset_clear(&e->cur_cached);
	/* The bump and the new root are one critical section: a reader never sees them apart. */
	WRITE_ONCE(e->generation, e->generation + 1);
	WRITE_ONCE(e->seq, e->seq + 1);
	e->invalidations++;
	return true;
}

int ept_gen_invalidate(struct vm_ept *e)
{
	struct ept_tree fresh;
	bool done;

	u64 t0;

	if (ept_tree_init(&fresh))
		return -ENOMEM;
	spin_lock(&e->lock);
	t0 = rdtsc();
	done = invalidate_locked(e, &fresh);
	e->last_locked_ticks = rdtsc() - t0;
	spin_unlock(&e->lock);
	if (!done)
		ept_tree_free_some(&fresh, &(u32){ 1 });
	return done ? 0 : -EBUSY;
}

/*
 * A change of the regions and the invalidation it asks for, in one critical section: no vCPU
 * can fault in a mapping of the old regions after it. change returns < 0 or a REGION_ZAP_*.
 */
struct change {
	int (*fn)(struct vm_ept *e, const struct change *c);
	u64 a, b, c;
	u8 perm;
	region_mmio_fn mmio;
	void *opaque;
	const char *name;
	struct guest_mem *gm;
	struct ept_gen_chunks *ch;
};

static int apply(struct vm_ept *e, const struct change *c, u64 zap_gpa, u64 zap_size)
{
	struct ept_tree fresh = { 0 };
	bool have_fresh = !ept_tree_init(&fresh);
	int ret;

	spin_lock(&e->lock);
	ret = c->fn(e, c);
	if (ret == REGION_ZAP_RANGE) {
		ept_tree_zap_range(&e->cur, zap_gpa, zap_size);
		WRITE_ONCE(e->seq, e->seq + 1);
		e->range_zaps++;
	} else if (ret == REGION_ZAP_ALL) {
		/* Too many trees still being freed, or no page for a root: the slow way. */
		if (!have_fresh || !invalidate_locked(e, &fresh)) {
			ept_tree_zap_walk(&e->cur);
			WRITE_ONCE(e->seq, e->seq + 1);
			e->walks++;
		} else {
			have_fresh = false;
		}
	}
	spin_unlock(&e->lock);
	if (have_fresh)
		ept_tree_free_some(&fresh, &(u32){ 1 });
	return ret;
}

static int do_claim(struct vm_ept *e, const struct change *c)
{
	struct region r = { .start = c->a, .size = c->b, .kind = REGION_MMIO, .mmio = c->mmio,
			    .opaque = c->opaque, .name = c->name };
	int ret = regions_add(&e->regions, &r, 0);

	/* Nothing mapped it (never what no region covers): no mapping to remove. */
	return ret ? ret : REGION_ZAP_NONE;
}

static int do_remove(struct vm_ept *e, const struct change *c)
{
	int ret = regions_remove(&e->regions, c->a);

	return ret ? ret : REGION_ZAP_ALL;
}

static int do_move(struct vm_ept *e, const struct change *c)
{
	int ret = regions_move(&e->regions, c->a, c->b);

	return ret ? ret : REGION_ZAP_ALL;
}

static int do_protect(struct vm_ept *e, const struct change *c)
{
	return regions_protect(&e->regions, c->a, c->b, c->perm);
}

/* Lists (and takes from the VM) a chunk of backing that nothing the guest reaches uses. */
static void take_chunk(struct vm_ept *e, const struct change *c, u64 ci)
{
	struct ept_gen_chunks *ch = c->ch;
	u64 hpa = c->gm->chunks[ci];

	if (!hpa || ch->nr == ch->max ||
	    regions_backing_used(&e->regions, ci << GMEM_CHUNK_SHIFT, GMEM_CHUNK_SIZE) ||
	    (ch->pinned && ch->pinned(ch->ctx, hpa)))
		return;
	/* Under the lock: a fault or a pin that comes after sees no chunk (mm/guest_mem.h). */
	WRITE_ONCE(c->gm->chunks[ci], 0);
	ch->hpa[ch->nr++] = hpa;
	e->chunks_returned++;
}

static int do_give_back(struct vm_ept *e, const struct change *c)
{
	struct { u64 lo, hi; } piece[REGIONS_MAX];
	u32 n = 0;
	u64 end = c->a + c->b;
	int ret;

	/* The backing behind the range, before the regions change: what may be left unused. */
	for (u32 i = 0; i < e->regions.nr; i++) {
		const struct region *r = &e->regions.r[i];
		u64 lo = MAX(r->start, c->a), hi = MIN(r->start + r->size, end);

		if (r->kind == REGION_RAM && lo < hi)
			piece[n++] = (typeof(piece[0])){ r->backing + (lo - r->start),
							  r->backing + (hi - r->start) };
	}
	ret = regions_protect(&e->regions, c->a, c->b, 0);
	if (ret < 0 || !c->ch)
		return ret;
	for (u32 i = 0; i < n; i++)
		for (u64 ci = piece[i].lo >> GMEM_CHUNK_SHIFT;
		     ci <= (piece[i].hi - 1) >> GMEM_CHUNK_SHIFT && ci < c->gm->nr_chunks; ci++)
			take_chunk(e, c, ci);
	return ret;
}

static void zero_filled(void *ctx, u64 gpa, u64 len)
{
	gmem_zero(ctx, gpa, len);
}

/*
 * A failed restore: the fresh chunks it took (listed in ch->hpa) leave the VM again, still
 * listed: the caller frees them only once no vCPU can reach them. Freed here, under the lock, a
 * vCPU that read the chunk's address meanwhile (a copy into guest RAM, or zeroing it on first
 * use, both outside the lock) would write into frames the host may have handed out again.
 */
static void drop_fresh(const struct change *c, u64 first, u64 last)
{
	struct ept_gen_chunks *ch = c->ch;

	for (u64 ci = first; ci <= last; ci++)
		for (u32 k = 0; k < ch->nr; k++)
			if (c->gm->chunks[ci] == ch->hpa[k])
				WRITE_ONCE(c->gm->chunks[ci], 0);
}

static int do_restore(struct vm_ept *e, const struct change *c)
{
	struct ept_gen_chunks *ch = c->ch;
	u64 off, first, last;
	int ret;

	/* All below the PCI hole or all above: one run of backing, where it started. */
	if (!gmem_offset(c->gm, c->a, c->b, &off))
		return -EFAULT;
	first = off >> GMEM_CHUNK_SHIFT;
	last = (off + c->b - 1) >> GMEM_CHUNK_SHIFT;
	/* A hole's backing is where it started (regions_restore): its chunks must be there. */
	for (u64 ci = first; ci <= last; ci++) {
		u64 hpa;

		if (c->gm->chunks[ci])
			continue;
		hpa = ch && ch->alloc && ch->nr < ch->max ? ch->alloc() : 0;
		if (!hpa) {
			if (ch)
				drop_fresh(c, first, last);
			return -ENOMEM;
		}
		ch->hpa[ch->nr++] = hpa;
		if (c->gm->state)
			gmem_set_stale(c->gm, ci);
		WRITE_ONCE(c->gm->chunks[ci], hpa);
	}
	ret = regions_restore(&e->regions, c->a, c->b, c->perm, off, c->gm->size, zero_filled,
			      (void *)c->gm);
	if (ret < 0 && ch)
		drop_fresh(c, first, last);
	if (ret >= 0 && ch) {
		ch->taken = ch->nr;
		e->chunks_taken += ch->nr;
	}
	return ret;
}

int ept_gen_claim_mmio(struct vm_ept *e, u64 start, u64 size, region_mmio_fn fn, void *opaque,
		       const char *name)
{
	struct change c = { .fn = do_claim, .a = start, .b = size, .mmio = fn, .opaque = opaque,
			    .name = name };

	return apply(e, &c, 0, 0);
}

int ept_gen_remove(struct vm_ept *e, u64 start)
{
	struct change c = { .fn = do_remove, .a = start };

	return apply(e, &c, 0, 0);
}

int ept_gen_move(struct vm_ept *e, u64 from, u64 to)
{
	struct change c = { .fn = do_move, .a = from, .b = to };

	return apply(e, &c, 0, 0);
}

int ept_gen_protect(struct vm_ept *e, u64 gpa, u64 size, u8 perm)
{
	struct change c = { .fn = do_protect, .a = gpa, .b = size, .perm = perm };

	return apply(e, &c, gpa, size);
}

int ept_gen_give_back(struct vm_ept *e, struct guest_mem *gm, u64 gpa, u64 size,
		      struct ept_gen_chunks *ch)
{
	struct change c = { .fn = do_give_back, .a = gpa, .b = size, .gm = gm, .ch = ch };

	return apply(e, &c, gpa, size);
}

int ept_gen_restore(struct vm_ept *e, struct guest_mem *gm, u64 gpa, u64 size, u8 perm,
		    struct ept_gen_chunks *ch)
{
	struct change c = { .fn = do_restore, .a = gpa, .b = size, .perm = perm, .gm = gm,
			    .ch = ch };

	return apply(e, &c, gpa, size);
}

void ept_gen_retire(struct vm_ept *e)
{
	spin_lock(&e->lock);
	if (!e->retired) {
		e->obsolete[e->nr_obsolete++] = (struct ept_obsolete){ e->cur, e->generation,
								       e->cur_cached };
		e->cur = (struct ept_tree){ 0 };
		cpuset_clear(&e->cur_cached);
		e->min_loaded = UINT64_MAX; /* past every generation: none is loadable */
		e->retired = true;
	}
	spin_unlock(&e->lock);
}

bool ept_gen_region_at(struct vm_ept *e, u64 gpa, struct region *out)
{
	const struct region *r;

	spin_lock(&e->lock);
	r = regions_find(&e->regions, gpa);
	if (r)
		*out = *r;
	else
		*out = (struct region){ .start = gpa, .size = regions_next_start(&e->regions, gpa) - gpa,
					.name = "nothing" };
	spin_unlock(&e->lock);
	return r != NULL;
}

u64 ept_gen_tables(struct vm_ept *e)
{
	u64 n;

	spin_lock(&e->lock);
	n = e->retired ? 0 : ept_tree_frames(&e->cur);
	for (u32 i = 0; i < e->nr_obsolete; i++)
		n += ept_tree_frames(&e->obsolete[i].tree);
	spin_unlock(&e->lock);
	return n;
}

u64 ept_gen_zap_walk(struct vm_ept *e)
{
	u64 n;

	u64 t0;

	spin_lock(&e->lock);
	t0 = rdtsc();
	n = ept_tree_zap_walk(&e->cur);
	WRITE_ONCE(e->seq, e->seq + 1);
	e->walks++;
	e->last_locked_ticks = rdtsc() - t0;
	spin_unlock(&e->lock);
	return n;
}

void ept_gen_current(struct vm_ept *e, u64 *generation, u64 *eptp)
{
	spin_lock(&e->lock);
	*generation = e->generation;
	*eptp = e->cur.eptp;
	spin_unlock(&e->lock);
}

void ept_gen_loaded(struct vm_ept *e, u64 eptp, u32 cpu)
{
	spin_lock(&e->lock);
	if (eptp == e->cur.eptp) {
		cpuset_add(&e->cur_cached, cpu);
	} else {
		/* An obsolete tree a vCPU has not left yet: it cannot be freed until it has. */
		for (u32 i = 0; i < e->nr_obsolete; i++) {
			if (e->obsolete[i].tree.eptp == eptp) {
				cpuset_add(&e->obsolete[i].cached, cpu);
				break;
			}
		}
	}
	spin_unlock(&e->lock);
}

/* An obsolete tree no vCPU can enter with again: its set of caching pCPUs only shrinks. */
static bool unloadable(const struct vm_ept *e, const struct ept_obsolete *o)
{
	return o->generation < e->min_loaded;
}

u32 ept_gen_reclaim(struct vm_ept *e, u64 min_loaded, struct cpuset *ask)
{
	u32 budget = EPT_GEN_FREE_BATCH;
	struct ept_obsolete *o = &e->obsolete[0];

	spin_lock(&e->lock);
	/* The caller read the vCPUs' generations unlocked: a stale reading is only lower. */
	e->min_loaded = MAX(e->min_loaded, min_loaded);
	for (u32 i = 0; i < e->nr_obsolete && unloadable(e, &e->obsolete[i]); i++)
		cpuset_or(ask, &e->obsolete[i].cached);
	/*
	 * Oldest first, and only a tree that no vCPU can load and no pCPU may hold entries of. So
	 * the lock can be dropped between batches with no TLB flush: no CPU walks this tree or
	 * keeps a translation from it, and none can start to, whatever its freed pages (or its
	 * root, freed last) become in between.
	 */
	if (e->nr_obsolete && unloadable(e, o) && cpuset_is_empty(&o->cached) &&
	    ept_tree_free_some(&o->tree, &budget)) {
		for (u32 i = 1; i < e->nr_obsolete; i++)
			e->obsolete[i - 1] = e->obsolete[i];
		e->nr_obsolete--;
	}
	e->tables_freed += EPT_GEN_FREE_BATCH - budget;
	spin_unlock(&e->lock);
	return EPT_GEN_FREE_BATCH - budget;
}

u32 ept_gen_flush_cpu(struct vm_ept *e, u32 cpu, void (*flush)(u64 eptp))
{
	u32 n = 0;

	spin_lock(&e->lock);
	for (u32 i = 0; i < e->nr_obsolete; i++) {
		struct ept_obsolete *o = &e->obsolete[i];

		/* A tree still loadable could be cached here again after this flush: not yet. */
		if (!unloadable(e, o) || !cpuset_has(&o->cached, cpu))
			continue;
		flush(o->tree.eptp);
		cpuset_del(&o->cached, cpu);
		n++;
	}
	e->cpu_flushes += n;
	spin_unlock(&e->lock);
	return n;
}
