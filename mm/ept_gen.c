// SPDX-License-Identifier: GPL-2.0
/* Generation-number invalidation of a VM's EPT, with lazy batched teardown (KVM 2013). */
#include "mm/ept_gen.h"

int ept_gen_init(struct vm_ept *e, const struct guest_mem *gm)
{
	int err = ept_tree_init(&e->cur);

	e->generation = 1;
	for (u64 gpa = 0; !err && gpa < gm->size; gpa += GMEM_CHUNK_SIZE)
		err = ept_tree_map_2m(&e->cur, gpa, gm->chunks[gpa >> GMEM_CHUNK_SHIFT]);
	e->start_tables = e->cur.nr_tables;
	return err;
}

bool ept_gen_fault(struct vm_ept *e, const struct guest_mem *gm, u64 gpa)
{
	bool ok = true;

	if (gpa >= gm->size)
		return false;
	/* Zeroed before the guest can see it, outside the lock: other chunks fault meanwhile. */
	gmem_prepare(gm, ALIGN_DOWN(gpa, GMEM_CHUNK_SIZE), GMEM_CHUNK_SIZE);
	spin_lock(&e->lock);
	/* Another vCPU may have mapped it since this one faulted. */
	if (!ept_tree_mapped(&e->cur, gpa)) {
		ok = !ept_tree_map_2m(&e->cur, ALIGN_DOWN(gpa, GMEM_CHUNK_SIZE),
				      gm->chunks[gpa >> GMEM_CHUNK_SHIFT]);
		e->faults++;
	}
	spin_unlock(&e->lock);
	return ok;
}

int ept_gen_invalidate(struct vm_ept *e)
{
	struct ept_tree fresh;

	if (ept_tree_init(&fresh))
		return -ENOMEM;
	spin_lock(&e->lock);
	if (e->nr_obsolete == EPT_GEN_MAX_OBSOLETE) {
		spin_unlock(&e->lock);
		ept_tree_free_some(&fresh, &(u32){ 1 });
		return -EBUSY;
	}
	e->obsolete[e->nr_obsolete] = (struct ept_obsolete){ e->cur, e->generation, e->cur_cached };
	e->nr_obsolete++;
	e->cur = fresh;
	/* No pCPU has entered with the new root: a frame is freed only once none caches it. */
	cpuset_clear(&e->cur_cached);
	/* The bump and the new root are one critical section: a reader never sees them apart. */
	WRITE_ONCE(e->generation, e->generation + 1);
	e->invalidations++;
	spin_unlock(&e->lock);
	return 0;
}

u64 ept_gen_zap_walk(struct vm_ept *e)
{
	u64 n;

	spin_lock(&e->lock);
	n = ept_tree_zap_walk(&e->cur);
	e->walks++;
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
