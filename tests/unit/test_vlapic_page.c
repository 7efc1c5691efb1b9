// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vlapic_page.c: a vLAPIC to and from a virtual-APIC page. */
#include "unit.h"
#include "hv/dev/vlapic_page.h"

#define MSR(off) (VLAPIC_MSR_X2APIC_FIRST + (off) / 16)
#define W(off) VLAPIC_PAGE_WORD(off)

static u32 page[1024];
static u8 pw = 0xff; /* the page's words that may not be 0: all, after mk_x2 */

static void mk_x2(struct vlapic *v, u32 id)
{
	struct vlapic_ipi ipi;

	assert_int_equal(vlapic_init(v, id, 7), 0);
	assert_int_equal(vlapic_apic_base_write(v, VLAPIC_BASE_ADDR | VLAPIC_BASE_EN |
						   VLAPIC_BASE_EXTD | (v->apic_base & BIT(8))),
			 VLAPIC_R_MODE);
	assert_int_equal(vlapic_msr_write(v, MSR(VLAPIC_REG_SVR), 0x1ff, 0, &ipi), 0);
	memset(page, 0xa5, sizeof(page));
	pw = 0xff;
}

/*
 * ISR and the priorities go out as 30.1.1 lays them out, IRR as the one offered vector; RVI is
 * the offer (0 without one) and SVI the highest in service.
 */
static void test_push_vectors(void **state)
{
	struct vlapic v;

	(void)state;
	mk_x2(&v, 3);
	vlapic_set_irr(&v, 0x31);
	vlapic_set_irr(&v, 0xe2);
	vlapic_set_irr(&v, 0x41);
	vlapic_accept(&v, 0xe2);
	v.tpr = 0x25;
	vlapic_page_push_vectors(&v, page, 0x41, &pw);
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 1 * 4], 0); /* 0x31: the vLAPIC's alone */
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 2 * 4], BIT(0x41 - 64));
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 7 * 4], 0);
	assert_int_equal(page[W(VLAPIC_REG_ISR) + 7 * 4], BIT(0xe2 - 224));
	assert_int_equal(page[W(VLAPIC_REG_ISR) + 1 * 4], 0);
	assert_int_equal(page[W(VLAPIC_REG_TPR)], 0x25);
	assert_int_equal(page[W(VLAPIC_REG_PPR)], 0xe0); /* ISR's class is above TPR's */
	assert_int_equal(vlapic_page_intr_status(&v, 0x41), 0xe241);
	/* Nothing offered (the guest cannot take one now): VIRR empty, RVI 0. */
	v.tpr = 0xf3;
	vlapic_page_push_vectors(&v, page, -1, &pw);
	for (u32 i = 0; i < 8; i++)
		assert_int_equal(page[W(VLAPIC_REG_IRR) + i * 4], 0);
	assert_int_equal(page[W(VLAPIC_REG_PPR)], 0xf3);
	assert_int_equal(vlapic_page_intr_status(&v, -1), 0xe200);
	/* Nothing requested, nothing in service: both 0. */
	mk_x2(&v, 3);
	assert_int_equal(vlapic_page_intr_status(&v, -1), 0);
}

/* The offer: the highest request above the class in service, whatever TPR says. */
static void test_offer(void **state)
{
	struct vlapic v;
	u64 bm[4];

	(void)state;
	mk_x2(&v, 0);
	assert_int_equal(vlapic_page_offer(&v), -1);
	vlapic_set_irr(&v, 0x51);
	vlapic_set_irr(&v, 0x62);
	v.tpr = 0xf0;
	assert_int_equal(vlapic_page_offer(&v), 0x62);
	/* One request besides the offer: the offer's EOI exits, and nothing else. */
	vlapic_page_eoi_exit_bitmap(&v, 0x62, bm);
	assert_int_equal(bm[0], 0);
	assert_int_equal(bm[1], BIT(0x62 - 64));
	vlapic_accept(&v, 0x62);
	assert_int_equal(vlapic_page_offer(&v), -1); /* 0x51's class is below 0x62's */
	vlapic_page_eoi_exit_bitmap(&v, -1, bm);
	assert_int_equal(bm[1], BIT(0x62 - 64)); /* its EOI lets 0x51 through: it exits */
	vlapic_set_irr(&v, 0x71);
	assert_int_equal(vlapic_page_offer(&v), 0x71);
	/* Nothing else requested: only level-triggered vectors exit. */
	mk_x2(&v, 0);
	vlapic_set_irr_trig(&v, 0x90, true);
	vlapic_page_eoi_exit_bitmap(&v, 0x90, bm);
	assert_int_equal(bm[2], BIT(0x90 - 128));
	assert_int_equal(bm[0] | bm[1] | bm[3], 0);
	vlapic_set_irr(&v, 0x20);
	vlapic_page_eoi_exit_bitmap(&v, 0x90, bm);
	assert_int_equal(bm[2], BIT(0x90 - 128));
}

/*
 * What the processor did in the page comes back merged: the offered vector leaves IRR when the
 * guest took it, the vLAPIC's other requests stay, ISR and TPR are the page's.
 */
static void test_pull(void **state)
{
	struct vlapic v;

	(void)state;
	mk_x2(&v, 0);
	vlapic_set_irr(&v, 0x80);
	vlapic_set_irr(&v, 0x31); /* not offered: never in the page */
	vlapic_page_push_vectors(&v, page, 0x80, &pw);
	/* Delivered 0x80 (IRR -> ISR); TPR raised to 0x90. */
	page[W(VLAPIC_REG_IRR) + 4 * 4] = 0;
	page[W(VLAPIC_REG_ISR) + 4 * 4] = BIT(0x80 - 128);
	page[W(VLAPIC_REG_TPR)] = 0x90;
	vlapic_page_pull(&v, page, 0x80, pw);
	assert_int_equal(v.tpr, 0x90);
	assert_int_equal(vlapic_pending(&v), -1);
	assert_int_equal(v.irr[1], BIT(0x31 - 32));
	assert_int_equal(v.irr[4], 0);
	assert_int_equal(v.isr[4], BIT(0x80 - 128));
	/* Offered and not taken (an exit came first): it stays requested. */
	vlapic_set_irr(&v, 0xa1);
	vlapic_page_push_vectors(&v, page, 0xa1, &pw);
	vlapic_page_pull(&v, page, 0xa1, pw);
	assert_int_equal(v.irr[5], BIT(0xa1 - 160));
	assert_int_equal(v.irr[1], BIT(0x31 - 32));
	/* The guest retired 0x80 and lowered TPR: 0xa1 is the next to deliver. */
	page[W(VLAPIC_REG_ISR) + 4 * 4] = 0;
	page[W(VLAPIC_REG_TPR)] = 0;
	vlapic_page_pull(&v, page, -1, pw);
	assert_int_equal(vlapic_pending(&v), 0xa1);
	assert_int_equal(vlapic_eoi(&v), 0); /* nothing in service any more */
	/* Vectors 0-15 never reach IRR, whatever the page says (11.5.3). */
	mk_x2(&v, 0);
	memset(page + W(VLAPIC_REG_IRR), 0, 8 * 16);
	page[W(VLAPIC_REG_IRR)] = 0xffff;
	vlapic_page_pull(&v, page, -1, pw);
	assert_true(vlapic_irr_empty(&v));
	assert_int_equal(vlapic_pending(&v), -1);
}

/*
 * RVI and SVI 0 at an exit: the guest took and retired the offered vector and everything in
 * service; the vLAPIC's other requests stay; TPR is the guest's own.
 */
static void test_pull_empty(void **state)
{
	struct vlapic v;

	(void)state;
	mk_x2(&v, 0);
	vlapic_set_irr(&v, 0x40);
	vlapic_set_irr(&v, 0xa1);
	vlapic_set_irr(&v, 0xb2);
	vlapic_accept(&v, 0xa1);
	page[W(VLAPIC_REG_TPR)] = 0x30;
	vlapic_page_pull_empty(&v, page, 0xb2);
	assert_int_equal(v.isr_words, 0);
	assert_int_equal(v.isr[5], 0);
	assert_int_equal(v.irr[5], 0);
	assert_int_equal(v.irr[2], BIT(0x40 - 64));
	assert_int_equal(vlapic_pending(&v), 0x40);
	assert_int_equal(v.tpr, 0x30);
	assert_int_equal(vlapic_page_intr_status(&v, -1), 0);
	v.tpr = 0x45;
	vlapic_page_push_tpr(&v, page);
	assert_int_equal(page[W(VLAPIC_REG_TPR)], 0x45);
	assert_int_equal(page[W(VLAPIC_REG_PPR)], 0x45);
}

/*
 * Only the words that may hold a bit are written and read: a word an earlier offer or ISR used
 * is cleared when the next push no longer needs it, and a pull after an empty push reads none.
 */
static void test_page_words(void **state)
{
	struct vlapic v;

	(void)state;
	mk_x2(&v, 0);
	vlapic_set_irr(&v, 0x41);
	vlapic_set_irr(&v, 0x90);
	vlapic_accept(&v, 0x90);
	vlapic_page_push_vectors(&v, page, 0x41, &pw);
	assert_int_equal(pw, BIT(2) | BIT(4));
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 0 * 4], 0); /* 0xa5 filler cleared: pw was all */
	/* Not taken; 0x90 retired; a higher request comes: 0xe2 is offered, 0x41 leaves VIRR. */
	page[W(VLAPIC_REG_ISR) + 4 * 4] = 0;
	vlapic_page_pull(&v, page, 0x41, pw);
	assert_int_equal(v.isr_words, 0);
	vlapic_set_irr(&v, 0xe2);
	vlapic_page_push_vectors(&v, page, 0xe2, &pw);
	assert_int_equal(pw, BIT(7));
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 2 * 4], 0);
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 7 * 4], BIT(0xe2 - 224));
	assert_int_equal(page[W(VLAPIC_REG_ISR) + 4 * 4], 0);
	/* Words outside pw are not the functions' business: left as they are. */
	page[W(VLAPIC_REG_ISR) + 3 * 4] = 0x5a5a;
	vlapic_page_pull(&v, page, 0xe2, pw);
	assert_int_equal(v.isr[3], 0);
	assert_int_equal(v.irr[7], BIT(0xe2 - 224)); /* still offered, not taken */
	assert_int_equal(v.irr[2], BIT(0x41 - 64));
	vlapic_page_push_vectors(&v, page, -1, &pw);
	assert_int_equal(pw, 0);
	assert_int_equal(page[W(VLAPIC_REG_IRR) + 7 * 4], 0);
	assert_int_equal(page[W(VLAPIC_REG_ISR) + 3 * 4], 0x5a5a);
}

/*
 * The short push takes exactly one request, nothing in service, no level-triggered vector and
 * a clear page, and leaves the page, its words, RVI/SVI and the EOI-exit bitmap as the full
 * push does; anything else it leaves to the full push, having written nothing.
 */
static void test_push_lone(void **state)
{
	static const u8 vecs[] = { 0x20, 0x31, 0x41, 0x5f, 0x60, 0x90, 0xe2, 0xff };
	static u32 full[1024];
	u32 taken = 0;

	(void)state;
	for (u32 a = 0; a < ARRAY_SIZE(vecs); a++)
	for (u32 b = 0; b <= ARRAY_SIZE(vecs); b++)
	for (u32 kind = 0; kind < 4; kind++)
	for (u32 start = 0; start < 2; start++) {
		struct vlapic v;
		u8 words, full_words;
		u64 bm[4];
		int offer;
		bool lone;

		mk_x2(&v, 1);
		memset(page, 0, sizeof(page));
		vlapic_set_irr_trig(&v, vecs[a], kind == 1); /* kind 1: level-triggered */
		if (b < ARRAY_SIZE(vecs) && kind == 2)
			vlapic_set_irr(&v, vecs[b]); /* a second request */
		if (b < ARRAY_SIZE(vecs) && kind == 3) {
			vlapic_set_irr(&v, vecs[b]);
			vlapic_accept(&v, vecs[b]); /* one in service */
		}
		v.tpr = 0x10 * (a % 3);
		offer = vlapic_page_offer(&v);
		words = start ? BIT(5) : 0; /* start 1: the page is not clear */
		lone = vlapic_page_push_lone(&v, page, offer, &words);
		if (!lone) {
			for (u32 i = 0; i < 1024; i++)
				assert_int_equal(page[i], 0);
			assert_int_equal(words, start ? BIT(5) : 0);
			continue;
		}
		taken++;
		assert_int_equal(start, 0);
		memset(full, 0, sizeof(full));
		full_words = 0;
		vlapic_page_push_vectors(&v, full, offer, &full_words);
		assert_memory_equal(page, full, sizeof(full));
		assert_int_equal(words, full_words);
		assert_int_equal(vlapic_page_intr_status(&v, offer), (u16)offer);
		vlapic_page_eoi_exit_bitmap(&v, offer, bm);
		assert_true(!(bm[0] | bm[1] | bm[2] | bm[3]));
	}
	/*
	 * Taken with a clear page only: a lone edge request (kind 0, whatever b), kind 2 without
	 * a second request (b past the list) or with the same vector again, kind 3 with nothing
	 * accepted (b past the list).
	 */
	assert_int_equal(taken, ARRAY_SIZE(vecs) * (ARRAY_SIZE(vecs) + 1 + 2 + 1));
}

/* The registers RDMSR reads from the page are what the vLAPIC answers. */
static void test_push_regs(void **state)
{
	static const u32 regs[] = {
		VLAPIC_REG_ID, VLAPIC_REG_VERSION, VLAPIC_REG_LDR, VLAPIC_REG_SVR, VLAPIC_REG_ESR,
		VLAPIC_REG_LVT_TIMER, VLAPIC_REG_LVT_THERMAL, VLAPIC_REG_LVT_PERF,
		VLAPIC_REG_LVT_LINT0, VLAPIC_REG_LVT_LINT1, VLAPIC_REG_LVT_ERROR,
		VLAPIC_REG_TIMER_INITIAL, VLAPIC_REG_TIMER_DIVIDE,
	};
	struct vlapic_ipi ipi;
	struct vlapic v;
	u64 val;

	(void)state;
	mk_x2(&v, 0x21);
	vlapic_msr_write(&v, MSR(VLAPIC_REG_LVT_TIMER), 0x20030, 0, &ipi);
	vlapic_msr_write(&v, MSR(VLAPIC_REG_TIMER_DIVIDE), 0xb, 0, &ipi);
	vlapic_msr_write(&v, MSR(VLAPIC_REG_TIMER_INITIAL), 1000, 0, &ipi);
	vlapic_msr_write(&v, MSR(VLAPIC_REG_LVT_ERROR), 0x10000 | 0xfe, 0, &ipi);
	vlapic_set_irr(&v, 3); /* an illegal vector: latched at the next ESR write */
	vlapic_msr_write(&v, MSR(VLAPIC_REG_ESR), 0, 0, &ipi);
	vlapic_page_push_regs(&v, page);
	for (u32 i = 0; i < ARRAY_SIZE(regs); i++) {
		assert_int_equal(vlapic_msr_read(&v, MSR(regs[i]), 0, &val), 0);
		assert_int_equal(page[W(regs[i])], (u32)val);
	}
	assert_int_equal(page[W(VLAPIC_REG_ID)], 0x21);
	assert_int_equal(page[W(VLAPIC_REG_LDR)], 0x20002);
	assert_int_equal(page[W(VLAPIC_REG_TIMER_INITIAL)], 1000);
	assert_int_equal(page[W(VLAPIC_REG_ESR)], VLAPIC_ESR_RECV_ILLEGAL);
}

/* An EOI-induced exit: a level-triggered vector's EOI goes on, once; an edge one's does not. */
static void test_eoi_exit(void **state)
{
	struct vlapic v;
	u64 bm[4];

	(void)state;
	mk_x2(&v, 0);
	vlapic_set_irr_trig(&v, 0x61, true);
	vlapic_set_irr_trig(&v, 0xc0, true);
	vlapic_set_irr(&v, 0x62);
	vlapic_page_eoi_exit_bitmap(&v, -1, bm);
	assert_int_equal(bm[0], 0);
	assert_int_equal(bm[1], BIT(0x61 - 64));
	assert_int_equal(bm[3], BIT(0xc0 - 192));
	assert_int_equal(vlapic_page_eoi_exit(&v, 0x61),
			 VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ);
	assert_int_equal(v.level_eoi_vector, 0x61);
	assert_int_equal(vlapic_page_eoi_exit(&v, 0x61), 0);
	assert_int_equal(vlapic_page_eoi_exit(&v, 0x62), 0);
	vlapic_page_eoi_exit_bitmap(&v, -1, bm);
	assert_int_equal(bm[1], 0);
	assert_int_equal(bm[3], BIT(0xc0 - 192));
	/* The last level-triggered vector gone: TMR's summary says so (no read of TMR then). */
	assert_int_equal(vlapic_page_eoi_exit(&v, 0xc0),
			 VLAPIC_R_EOI | VLAPIC_R_EOI_LEVEL | VLAPIC_R_IRQ);
	assert_int_equal(v.tmr_words, 0);
	vlapic_set_irr_trig(&v, 0xc1, true);
	assert_int_equal(v.tmr_words, 1u << (0xc1 / 32));
	vlapic_page_eoi_exit_bitmap(&v, -1, bm);
	assert_int_equal(bm[3], BIT(0xc1 - 192));
}

/*
 * The processor's side of a virtual-APIC page with posted interrupts, as the SDM describes it:
 * posted-interrupt processing (30.6), virtual-interrupt delivery (30.2), EOI and PPR
 * virtualization (30.1.3, 30.1.4). RVI and SVI are the guest interrupt status.
 */
struct cpu_model {
	u32 rvi, svi;
};

static u32 *virr(u32 w) { return &page[W(VLAPIC_REG_IRR) + w * 4]; }
static u32 *visr(u32 w) { return &page[W(VLAPIC_REG_ISR) + w * 4]; }

static int page_highest(u32 *(*reg)(u32))
{
	for (int w = 7; w >= 0; w--)
		if (*reg((u32)w))
			return w * 32 + 31 - __builtin_clz(*reg((u32)w));
	return 0;
}

/* 30.1.3: VPPR from VTPR and SVI. */
static u32 vppr(const struct cpu_model *m)
{
	u32 tpr = page[W(VLAPIC_REG_TPR)] & 0xff;

	return (tpr & 0xf0) >= (m->svi & 0xf0) ? tpr : (m->svi & 0xf0);
}

/* 30.2.1: delivers RVI if its class is above VPPR's; true when it did. */
static bool model_deliver(struct cpu_model *m)
{
	u32 v = m->rvi;

	if ((v & 0xf0) <= (vppr(m) & 0xf0))
		return false;
	*visr(v / 32) |= 1u << (v % 32);
	m->svi = v;
	*virr(v / 32) &= ~(1u << (v % 32));
	m->rvi = (u32)page_highest(virr);
	page[W(VLAPIC_REG_PPR)] = v & 0xf0;
	return true;
}

/* 30.1.4: the guest's EOI retires SVI; the next in service becomes SVI. */
static void model_eoi(struct cpu_model *m)
{
	if (!m->svi)
		return;
	*visr(m->svi / 32) &= ~(1u << (m->svi % 32));
	m->svi = (u32)page_highest(visr);
	page[W(VLAPIC_REG_PPR)] = vppr(m);
}

/* 30.6: the notification arrives: PIR ORed into VIRR, RVI raised to its highest. */
static void model_post(struct cpu_model *m, const u32 pir[8])
{
	for (u32 w = 0; w < 8; w++) {
		*virr(w) |= pir[w];
		for (u32 b = 0; b < 32; b++)
			if (pir[w] & (1u << b) && w * 32 + b > m->rvi)
				m->rvi = w * 32 + b;
	}
}

static u32 rnd_state = 12345;

static u32 rnd(u32 n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/*
 * Posted interrupts: the processor adds vectors to VIRR in any word while the guest runs, and
 * delivers and retires them itself. With every request in the page (vlapic_page_push_all), the
 * pull gives back to the vLAPIC exactly the requests and the vectors in service there are,
 * whatever the page went through: a vector posted while the same one was requested is one
 * request, as in an APIC, and the delivery of one retires it.
 */
static void test_posted_page(void **state)
{
	struct vlapic v;
	u32 want_irr[8], want_isr[8];
	u64 bm[4];

	(void)state;
	mk_x2(&v, 0);
	for (u32 round = 0; round < 3000; round++) {
		struct cpu_model m;
		u16 status;

		/* Root mode: requests from devices and this pCPU, then the entry's push. */
		for (u32 n = rnd(3); n; n--)
			vlapic_set_irr(&v, (u8)(16 + rnd(240)));
		if (rnd(4) == 0)
			v.tpr = rnd(256);
		memset(page + W(VLAPIC_REG_IRR), 0xa5, 8 * 16); /* whatever the last run left */
		vlapic_page_push_all(&v, page);
		status = vlapic_page_intr_status_all(&v);
		m.rvi = status & 0xff;
		m.svi = status >> 8;
		assert_int_equal(m.rvi, vlapic_irr_empty(&v) ? 0 : page_highest(virr));
		assert_int_equal(m.svi, page_highest(visr));
		assert_int_equal(page[W(VLAPIC_REG_PPR)], vppr(&m));
		for (u32 w = 0; w < 8; w++) {
			want_irr[w] = v.irr[w];
			want_isr[w] = v.isr[w];
		}
		/* Guest mode: notifications, deliveries, EOIs and TPR writes in any order. */
		for (u32 n = rnd(12); n; n--) {
			u32 op = rnd(4), pir[8] = { 0 };

			if (op == 0) {
				for (u32 k = rnd(4) + 1; k; k--) {
					u32 vec = 16 + rnd(240);

					pir[vec / 32] |= 1u << (vec % 32);
					want_irr[vec / 32] |= 1u << (vec % 32);
				}
				model_post(&m, pir);
			} else if (op == 1 && model_deliver(&m)) {
				u32 vec = m.svi;

				want_irr[vec / 32] &= ~(1u << (vec % 32));
				want_isr[vec / 32] |= 1u << (vec % 32);
			} else if (op == 2 && m.svi) {
				want_isr[m.svi / 32] &= ~(1u << (m.svi % 32));
				model_eoi(&m);
			} else if (op == 3) {
				page[W(VLAPIC_REG_TPR)] = rnd(2) ? 0 : rnd(256);
				page[W(VLAPIC_REG_PPR)] = vppr(&m);
			}
		}
		/* The exit: every word pulled. */
		vlapic_page_pull_all(&v, page);
		for (u32 w = 0; w < 8; w++) {
			assert_int_equal(v.irr[w], want_irr[w]);
			assert_int_equal(v.isr[w], want_isr[w]);
			assert_int_equal(!!(v.irr_words & (1u << w)), !!v.irr[w]);
			assert_int_equal(!!(v.isr_words & (1u << w)), !!v.isr[w]);
		}
		assert_int_equal(v.tpr, page[W(VLAPIC_REG_TPR)] & 0xff);
		/* Now and then the guest handles everything, so the vLAPIC does not fill up. */
		if (rnd(8) == 0) {
			while (vlapic_pending(&v) >= 0)
				vlapic_accept(&v, (u8)vlapic_pending(&v));
			while (v.isr_words)
				vlapic_eoi(&v);
			for (u32 w = 0; w < 8; w++)
				while (v.irr[w])
					vlapic_summarised_clear(v.irr, &v.irr_words,
								(u8)(w * 32 + __builtin_ctz(v.irr[w])));
		}
	}
	/* Its EOI-exit bitmap: the level-triggered vectors alone, whatever waits or is in service. */
	vlapic_set_irr_trig(&v, 0x61, true);
	vlapic_set_irr(&v, 0x62);
	vlapic_accept(&v, 0x62);
	vlapic_page_tmr_bitmap(&v, bm);
	assert_int_equal(bm[0] | bm[2] | bm[3], 0);
	assert_int_equal(bm[1], BIT(0x61 - 64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_vectors),
		cmocka_unit_test(test_push_lone),
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_pull),
		cmocka_unit_test(test_pull_empty),
		cmocka_unit_test(test_page_words),
		cmocka_unit_test(test_push_regs),
		cmocka_unit_test(test_eoi_exit),
		cmocka_unit_test(test_posted_page),
	};

	return unit_run(tests);
}
