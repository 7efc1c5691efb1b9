// SPDX-License-Identifier: GPL-2.0
/* Shadow pages: a pool under a per-VM limit, a hash by guest frame, reverse maps, generations. */
#include "mm/shadow_page.h"
#include "arch/x86/cpu.h"
#include "mm/mm.h"

/* How far make_room looks past loaded roots for a valid page to zap. */
#define SHADOW_VICTIM_SCAN 64

static struct shadow_page *page(struct shadow_mmu *m, u32 i)
{
	return &m->pages[i];
}

static struct shadow_link *link_of(struct shadow_mmu *m, u32 ref)
{
	return &page(m, ref >> 9)->links[ref & 511];
}

/* The head a reference's list hangs from: the frame's reverse map or the child's parents. */
static u32 *list_head(struct shadow_mmu *m, u32 ref)
{
	struct shadow_link *l = link_of(m, ref);

	if (page(m, ref >> 9)->role.level == 1)
		return &m->rmap[l->aux];
	return &page(m, l->aux)->parents;
}

static void list_add(struct shadow_mmu *m, u32 ref)
{
	u32 *head = list_head(m, ref);
	struct shadow_link *l = link_of(m, ref);

	l->prev = 0;
	l->next = *head;
	if (*head)
		link_of(m, *head)->prev = ref;
	*head = ref;
}

static void list_del(struct shadow_mmu *m, u32 ref)
{
	struct shadow_link *l = link_of(m, ref);

	if (l->prev)
		link_of(m, l->prev)->next = l->next;
	else
		*list_head(m, ref) = l->next;
	if (l->next)
		link_of(m, l->next)->prev = l->prev;
}

int shadow_init(struct shadow_mmu *m, const struct guest_mem *gm, const struct shadow_ops *ops,
		void *ctx, u32 max_pages, u8 maxphyaddr)
{
	u32 buckets = 64;

	/* References keep 9 bits for the entry; reverse-map links keep a gfn in 32 bits. */
	if (!max_pages || max_pages >= (1u << 22) || (gm->size >> PAGE_SHIFT) > 0xffffffffULL)
		return -EINVAL;
	*m = (struct shadow_mmu){ .gm = gm, .ops = ops, .ctx = ctx, .maxphyaddr = maxphyaddr,
				  .generation = 1, .max_pages = max_pages };
	while (buckets < max_pages && buckets < (1u << 16))
		buckets <<= 1;
	m->hash_mask = buckets - 1;
	m->nr_gfns = gm->size >> PAGE_SHIFT;
	m->pages = heap_zalloc((max_pages + 1) * sizeof(*m->pages));
	m->hash = heap_zalloc(buckets * sizeof(*m->hash));
	m->rmap = heap_zalloc(MAX(m->nr_gfns, 1) * sizeof(*m->rmap));
	if (!m->pages || !m->hash || !m->rmap) {
		shadow_destroy(m);
		return -ENOMEM;
	}
	for (u32 i = 1; i <= max_pages; i++)
		m->pages[i].newer = i < max_pages ? i + 1 : 0;
	m->free_slot = 1;
	return 0;
}

bool shadow_gfn_is_table(struct shadow_mmu *m, u64 gfn)
{
	/*
	 * Obsolete pages count until they are zapped: between the generation bump and the reload
	 * a vCPU may still run on them, so their guest tables must stay write-protected (the
	 * review of the fast-invalidate series: skipping them in this walk is the unsafe window).
	 */
	for (u32 i = m->hash[shadow_hash(m, gfn)]; i; i = page(m, i)->hash_next) {
		struct shadow_page *sp = page(m, i);

		m->stats.ops++;
		if (sp->gfn == gfn && !sp->role.direct && !sp->role.pae_root)
			return true;
	}
	return false;
}

/* Leaves mapping gfn lose their write right: gfn has just become a guest table. */
static bool write_protect(struct shadow_mmu *m, u64 gfn)
{
	bool was_writable = false;

	if (gfn >= m->nr_gfns)
		return false;
	for (u32 ref = m->rmap[gfn]; ref; ref = link_of(m, ref)->next) {
		u64 *e = &shadow_table(page(m, ref >> 9))[ref & 511];

		m->stats.ops++;
		if (*e & PTE_RW) {
			WRITE_ONCE(*e, *e & ~(PTE_RW | SHADOW_D));
			m->stats.write_protected++;
			was_writable = true;
		}
	}
	return was_writable;
}

static bool same_key(const struct shadow_page *sp, u64 gfn, union shadow_role role, u64 pae_cr3,
		     const u64 *pdptes)
{
	if (sp->gfn != gfn || sp->role.word != role.word)
		return false;
	if (role.pae_root && role.mode == SHADOW_MODE_PAE) {
		if (sp->pae_cr3 != pae_cr3)
			return false;
		for (int i = 0; i < 4; i++)
			if (sp->pdptes[i] != pdptes[i])
				return false;
	}
	return true;
}

u32 shadow_page_get(struct shadow_mmu *m, u64 gfn, union shadow_role role, u64 pae_cr3,
		    const u64 *pdptes, bool *flush)
{
	u32 *bucket = &m->hash[shadow_hash(m, gfn)];
	bool table = !role.direct && !role.pae_root;
	bool was_table = false;
	struct shadow_page *sp;
	u32 i;
	void *links;
	u64 hpa;

	for (i = *bucket; i; i = page(m, i)->hash_next) {
		sp = page(m, i);
		m->stats.ops++;
		/* Never an obsolete page: it may be on its way out (the "do not reuse" rule). */
		if (!shadow_obsolete(m, sp) && same_key(sp, gfn, role, pae_cr3, pdptes))
			return i;
		was_table |= sp->gfn == gfn && !sp->role.direct && !sp->role.pae_root;
	}
	if (!m->free_slot || m->nr_valid + m->nr_obsolete >= m->max_pages)
		return 0;
	/* A PAE root's address goes into a 32-bit CR3 (SDM Vol. 3A, 5.4.1). */
	hpa = frames_alloc(1, role.pae_root ? 4 * GiB : 0);
	links = heap_zalloc(SHADOW_ENTRIES * sizeof(struct shadow_link));
	if (!hpa || !links) {
		if (hpa)
			frames_free(hpa, 1);
		heap_free(links);
		return 0;
	}
	i = m->free_slot;
	sp = page(m, i);
	m->free_slot = sp->newer;
	*sp = (struct shadow_page){ .gfn = gfn, .role = role, .generation = m->generation,
				    .hpa = hpa, .links = links, .pae_cr3 = pae_cr3 };
	if (role.pae_root && pdptes)
		for (int k = 0; k < 4; k++)
			sp->pdptes[k] = pdptes[k];
	sp->hash_next = *bucket;
	if (*bucket)
		page(m, *bucket)->hash_prev = i;
	*bucket = i;
	/* Newest first: the list is in generation order, so the obsolete pages are its tail. */
	sp->older = m->newest;
	if (m->newest)
		page(m, m->newest)->newer = i;
	m->newest = i;
	if (!m->oldest)
		m->oldest = i;
	m->nr_valid++;
	m->stats.pages_made++;
	m->stats.ops++;
	if (table && !was_table && write_protect(m, gfn))
		*flush = true;
	return i;
}

void shadow_drop_entry(struct shadow_mmu *m, u32 p, u32 i)
{
	struct shadow_page *sp = page(m, p);
	u64 *e = &shadow_table(sp)[i];

	if (!(*e & PTE_P))
		return;
	list_del(m, shadow_ref(p, i));
	WRITE_ONCE(*e, 0);
	sp->nr_present--;
	m->stats.ops++;
}

void shadow_link_child(struct shadow_mmu *m, u32 p, u32 i, u32 child, u64 flags)
{
	struct shadow_page *sp = page(m, p);

	shadow_drop_entry(m, p, i);
	sp->links[i].aux = child;
	list_add(m, shadow_ref(p, i));
	/* The child is whole before the entry that makes it reachable. */
	WRITE_ONCE(shadow_table(sp)[i], page(m, child)->hpa | flags);
	sp->nr_present++;
	m->stats.ops++;
}

void shadow_set_leaf(struct shadow_mmu *m, u32 p, u32 i, u64 gfn, u64 spte)
{
	struct shadow_page *sp = page(m, p);

	shadow_drop_entry(m, p, i);
	sp->links[i].aux = (u32)gfn;
	list_add(m, shadow_ref(p, i));
	WRITE_ONCE(shadow_table(sp)[i], spte);
	sp->nr_present++;
	m->stats.ops++;
}

/*
 * Unlinks page p from everything and frees it. A valid page may be reachable from a root some
 * vCPU runs on: its parents' entries are cleared and every vCPU flushes before its frame can
 * be used again. An obsolete page is zapped only when no vCPU holds an obsolete root (see
 * shadow_zap_obsolete), so nothing reaches it and no flush is needed.
 */
static void zap_page_flush(struct shadow_mmu *m, u32 p, bool flush)
{
	struct shadow_page *sp = page(m, p);
	bool obsolete = shadow_obsolete(m, sp);

	for (u32 i = 0; sp->nr_present && i < SHADOW_ENTRIES; i++)
		shadow_drop_entry(m, p, i);
	while (sp->parents)
		shadow_drop_entry(m, sp->parents >> 9, sp->parents & 511);
	if (sp->hash_prev)
		page(m, sp->hash_prev)->hash_next = sp->hash_next;
	else
		m->hash[shadow_hash(m, sp->gfn)] = sp->hash_next;
	if (sp->hash_next)
		page(m, sp->hash_next)->hash_prev = sp->hash_prev;
	if (sp->older)
		page(m, sp->older)->newer = sp->newer;
	else
		m->oldest = sp->newer;
	if (sp->newer)
		page(m, sp->newer)->older = sp->older;
	else
		m->newest = sp->older;
	if (obsolete) {
		m->nr_obsolete--;
		m->stats.obsolete_zapped++;
	} else {
		m->nr_valid--;
		m->stats.valid_zapped++;
		if (flush) {
			m->stats.flushes++;
			m->ops->flush_all(m->ctx);
		}
	}
	frames_free(sp->hpa, 1);
	heap_free(sp->links);
	*sp = (struct shadow_page){ .newer = m->free_slot };
	m->free_slot = p;
	m->stats.ops++;
}

static void zap_page(struct shadow_mmu *m, u32 p)
{
	zap_page_flush(m, p, true);
}

/*
 * The limit counts every page, obsolete ones included, so the memory is bounded. When it is
 * reached, obsolete pages go first, and a valid page is never zapped while obsolete ones wait:
 * they are going anyway, and zapping the working set instead would make every vCPU fault it
 * back for nothing (the review's "obsolete pages counted against n_max_mmu_pages"). While a
 * vCPU still holds an obsolete root nothing obsolete can be freed: the caller retries after
 * the reload it asked for. With no obsolete page, the oldest valid page that is no loaded root
 * goes.
 */
bool shadow_make_room(struct shadow_mmu *m, u32 need)
{
	while (m->nr_valid + m->nr_obsolete + need > m->max_pages) {
		u32 victim = m->oldest;

		if (m->nr_obsolete) {
			if (m->nr_stale_roots)
				return false;
			zap_page(m, victim); /* the tail is obsolete: generation order */
			continue;
		}
		for (u32 n = 0; victim && page(m, victim)->root_count; n++) {
			if (n == SHADOW_VICTIM_SCAN)
				return false;
			victim = page(m, victim)->newer;
		}
		if (!victim)
			return false;
		zap_page(m, victim);
	}
	return true;
}

/*
 * The whole critical section of an invalidation: a counter and a call, whatever the number of
 * pages. Every page made before is obsolete from here on: no lookup returns it, so no new link
 * or root uses it, and every vCPU is asked to load a fresh root before it enters again.
 */
void shadow_invalidate_all(struct shadow_mmu *m)
{
	u64 t0;

	spin_lock(&m->lock);
	t0 = rdtsc();
	m->generation++;
	m->nr_obsolete += m->nr_valid;
	m->nr_valid = 0;
	/* Every loaded root is of an older generation now. */
	m->nr_stale_roots = m->nr_roots_loaded;
	m->stats.invalidations++;
	m->stats.ops++;
	m->ops->reload_all(m->ctx);
	m->last_locked_ticks = rdtsc() - t0;
	spin_unlock(&m->lock);
}

/*
 * The way before generations (KVM's kvm_mmu_zap_all), kept to be measured against the bump:
 * under the lock, every entry of every valid page is dropped, one flush, and every valid page
 * that is no loaded root is freed. Loaded roots stay, empty, and fault back in. The guest's
 * tables need no protection until they are shadowed again (shadow_page_get protects them).
 */
void shadow_zap_all_walk(struct shadow_mmu *m)
{
	u64 t0;

	spin_lock(&m->lock);
	t0 = rdtsc();
	for (u32 p = m->oldest; p; p = page(m, p)->newer) {
		struct shadow_page *sp = page(m, p);

		if (shadow_obsolete(m, sp))
			continue;
		for (u32 i = 0; sp->nr_present && i < SHADOW_ENTRIES; i++)
			shadow_drop_entry(m, p, i);
		m->stats.ops++;
	}
	/* Nothing valid is reachable from a root now: once flushed, no CPU walks those pages. */
	m->stats.flushes++;
	m->ops->flush_all(m->ctx);
	for (u32 p = m->oldest, next; p; p = next) {
		next = page(m, p)->newer;
		if (!shadow_obsolete(m, page(m, p)) && !page(m, p)->root_count)
			zap_page_flush(m, p, false);
	}
	m->stats.walks++;
	m->last_locked_ticks = rdtsc() - t0;
	spin_unlock(&m->lock);
}

/*
 * Frees obsolete pages oldest first. The lock can be dropped between batches with no TLB flush:
 * no vCPU holds an obsolete root (nr_stale_roots is 0), each flushed its TLB when it left one
 * (shadow_vcpu_load's SHADOW_ROOT_NEW), and none can reach an obsolete page again since no
 * lookup returns one. So no CPU walks these tables or keeps a translation from them, whatever
 * their frames become in between.
 */
int shadow_zap_obsolete(struct shadow_mmu *m, u32 batch)
{
	int n = 0;

	spin_lock(&m->lock);
	if (m->nr_obsolete && m->nr_stale_roots) {
		spin_unlock(&m->lock);
		return -EBUSY;
	}
	while (m->nr_obsolete && (u32)n < batch) {
		zap_page(m, m->oldest);
		n++;
	}
	spin_unlock(&m->lock);
	return n;
}

void shadow_destroy(struct shadow_mmu *m)
{
	/* No vCPU runs: every page goes, as if obsolete. */
	m->generation++;
	m->nr_obsolete += m->nr_valid;
	m->nr_valid = 0;
	while (m->oldest)
		zap_page(m, m->oldest);
	heap_free(m->pages);
	heap_free(m->hash);
	heap_free(m->rmap);
	m->pages = NULL;
	m->hash = m->rmap = NULL;
}

bool shadow_unprotect(struct shadow_mmu *m, u64 gfn)
{
	bool done;

	spin_lock(&m->lock);
	done = shadow_unprotect_locked(m, gfn);
	spin_unlock(&m->lock);
	return done;
}

bool shadow_unprotect_locked(struct shadow_mmu *m, u64 gfn)
{
	bool again = true;

	/* A zap unlinks the page from its bucket: look again from the start after each. */
	while (again) {
		again = false;
		for (u32 i = m->hash[shadow_hash(m, gfn)]; i; i = page(m, i)->hash_next) {
			struct shadow_page *sp = page(m, i);

			m->stats.ops++;
			if (sp->gfn == gfn && !sp->role.direct && !sp->role.pae_root &&
			    !shadow_obsolete(m, sp) && !sp->root_count) {
				zap_page(m, i);
				again = true;
				break;
			}
		}
	}
	return !shadow_gfn_is_table(m, gfn);
}
