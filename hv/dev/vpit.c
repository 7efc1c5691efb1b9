// SPDX-License-Identifier: GPL-2.0
/* The 8254 (Intel 8254 data sheet): counters in TSC time, latches, read-back, IRQ 0's edges. */
#include "hv/dev/vpit.h"
#include "lib/string.h"

#define CW_CHANNEL(v) ((v) >> 6)
#define CW_RW(v) (((v) >> 4) & 3)
#define CW_MODE(v) (((v) >> 1) & 7)
#define READBACK 3 /* channel field 3: the read-back command */
#define RB_NO_COUNT BIT(5)
#define RB_NO_STATUS BIT(4)
#define PORT_B_WRITABLE 0x0f
#define PORT_B_REFRESH BIT(4) /* toggles every 15 us on a PC */
#define PORT_B_OUT2 BIT(5)

/* floor(d * VPIT_HZ / tsc_hz) without 128-bit division. */
static u64 ticks_of(const struct vpit *p, u64 d)
{
	return d / p->tsc_hz * VPIT_HZ + d % p->tsc_hz * VPIT_HZ / p->tsc_hz;
}

/* The first TSC delta d with ticks_of(d) >= n. */
static u64 tsc_of(const struct vpit *p, u64 n)
{
	u64 whole = n / VPIT_HZ * p->tsc_hz, part = n % VPIT_HZ * p->tsc_hz;

	return whole + part / VPIT_HZ + (part % VPIT_HZ != 0);
}

/* Counter ticks since the count was loaded (or the gate started it). */
static u64 elapsed(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
	if (!c->counting || (!c->gate && c->mode != 1 && c->mode != 5))
		return c->paused_ticks;
	return c->paused_ticks + ticks_of(p, now > c->start ? now - c->start : 0);
}

static u16 count_now(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
	u64 t = elapsed(p, c, now), n = c->count, q;

	if (!c->counting)
		return (u16)n;
	switch (c->mode) {
	case 2:
		return (u16)(n - t % n);
	case 3:
		q = t % n;
		if (q >= (n + 1) / 2)
			q -= (n + 1) / 2;
		return (u16)((n - 2 * q) & 0xfffe);
	default: /* 0, 1, 4, 5: down to 0, then on from 0xffff */
		return (u16)(n - t);
	}
}

bool vpit_output(const struct vpit *p, u32 i, u64 now)
{
	const struct vpit_channel *c = &p->ch[i];
	u64 t = elapsed(p, c, now), n = c->count;

	if (!c->counting)
		return c->mode != 0; /* mode 0 starts low, the others high */
	switch (c->mode) {
	case 0:
	case 1:
		return t >= n;
	case 2:
		return !c->gate || t % n != n - 1;
	case 3:
		return !c->gate || t % n < (n + 1) / 2;
	default: /* 4, 5: one tick low at the terminal count */
		return t != n;
	}
}

/* The counter tick at which channel 0's output next rises after tick t, or 0 for never. */
static u64 next_rise(const struct vpit_channel *c, u64 t)
{
	u64 n = c->count;

	switch (c->mode) {
	case 0:
	case 1:
		return t < n ? n : 0;
	case 2:
	case 3:
		return (t / n + 1) * n;
	default:
		return t <= n ? n + 1 : 0;
	}
}

static void schedule(struct vpit *p, u64 now)
{
	struct vpit_channel *c = &p->ch[0];
	u64 rise, at;

	p->irq_next = 0;
	if (!c->counting || !c->gate)
		return;
	rise = next_rise(c, elapsed(p, c, now));
	if (!rise)
		return;
	at = c->start + tsc_of(p, rise - c->paused_ticks);
	if (p->irq_last && at < p->irq_last + p->min_period)
		at = p->irq_last + p->min_period;
	p->irq_next = at ? at : 1;
}

int vpit_init(struct vpit *p, u64 tsc_hz, u64 min_period)
{
	if (!tsc_hz || tsc_hz > VPIT_MAX_TSC_HZ)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->tsc_hz = tsc_hz;
	p->min_period = min_period;
	for (u32 i = 0; i < 3; i++) {
		p->ch[i].rw = 3;
		p->ch[i].count = 0x10000;
		p->ch[i].gate = i != 2; /* channels 0 and 1: tied high on a PC */
	}
	return 0;
}

bool vpit_owns_port(u16 port)
{
	return (port >= VPIT_PORT_FIRST && port <= VPIT_PORT_CONTROL) || port == VPIT_PORT_B;
}

static u8 status_of(const struct vpit *p, u32 i, u64 now)
{
	const struct vpit_channel *c = &p->ch[i];

	return (u8)(vpit_output(p, i, now) << 7 | c->null_count << 6 | c->rw << 4 | c->mode << 1 |
		    c->bcd);
}

static void latch_count(const struct vpit *p, struct vpit_channel *c, u64 now)
{
	if (c->count_latched)
		return; /* a second latch before the read is ignored */
	c->latched_count = count_now(p, c, now);
	c->count_latched = true;
	c->latched_high_next = false;
}

static void control_write(struct vpit *p, u8 val, u64 now)
{
	u32 i = CW_CHANNEL(val);
	struct vpit_channel *c;

	if (i == READBACK) {
		for (i = 0; i < 3; i++) {
			if (!(val & BIT(i + 1)))
				continue;
			if (!(val & RB_NO_COUNT))
				latch_count(p, &p->ch[i], now);
			if (!(val & RB_NO_STATUS) && !p->ch[i].status_latched) {
				p->ch[i].latched_status = status_of(p, i, now);
				p->ch[i].status_latched = true;
			}
		}
		return;
	}
	c = &p->ch[i];
	if (!CW_RW(val)) {
		latch_count(p, c, now);
		return;
	}
	/* A new mode: the counter waits for its count, the output takes its initial state. */
	c->rw = (u8)CW_RW(val);
	c->mode = (u8)(CW_MODE(val) > 5 ? CW_MODE(val) - 4 : CW_MODE(val)); /* 6, 7: 2, 3 */
	c->bcd = val & 1;
	c->counting = false;
	c->null_count = true;
	c->write_high_next = c->read_high_next = false;
	c->count_latched = c->status_latched = false;
}

static void load(struct vpit_channel *c, u32 count, u64 now)
{
	c->count = count ? count : 0x10000; /* 0 is the largest count: 2^16 */
	c->null_count = false;
	c->paused_ticks = 0;
	c->start = now;
	/* Modes 1 and 5 wait for a rising gate; the others start now. */
	c->counting = c->mode != 1 && c->mode != 5;
}

static void count_write(struct vpit_channel *c, u8 val, u64 now)
{
	switch (c->rw) {
	case 1:
		load(c, val, now);
		break;
	case 2:
		load(c, (u32)val << 8, now);
		break;
	default:
		if (!c->write_high_next) {
			c->write_low = val;
			c->write_high_next = true;
			if (c->mode == 0)
				c->counting = false; /* mode 0 stops at the first byte (data sheet) */
		} else {
			c->write_high_next = false;
			load(c, (u32)val << 8 | c->write_low, now);
		}
	}
}

static u8 count_read(const struct vpit *p, struct vpit_channel *c, u64 now)
{
	u16 v;
	bool high;

	if (c->status_latched) {
		c->status_latched = false;
		return c->latched_status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		high = c->rw == 2 || (c->rw == 3 && c->latched_high_next);
		if (c->rw == 3 && !c->latched_high_next)
			c->latched_high_next = true;
		else
			c->count_latched = false;
		return high ? (u8)(v >> 8) : (u8)v;
	}
	v = count_now(p, c, now);
	high = c->rw == 2 || (c->rw == 3 && c->read_high_next);
	if (c->rw == 3)
		c->read_high_next = !c->read_high_next;
	return high ? (u8)(v >> 8) : (u8)v;
}

/* Channel 2's gate from port 0x61 bit 0: low pauses modes 0 and 4, a rising edge (re)starts. */
static void gate2(struct vpit *p, bool gate, u64 now)
{
	struct vpit_channel *c = &p->ch[2];

	if (gate == c->gate)
		return;
	if (!gate) {
		c->paused_ticks = elapsed(p, c, now);
		c->gate = false;
		return;
	}
	c->gate = true;
	if (c->null_count && !c->counting && c->mode != 1 && c->mode != 5)
		return; /* no count yet */
	if (c->mode == 0 || c->mode == 4) {
		c->start = now; /* resumes where it paused */
	} else if (!c->null_count) {
		c->paused_ticks = 0; /* 1, 2, 3, 5: a rising gate reloads and starts */
		c->start = now;
		c->counting = true;
	}
}

u8 vpit_read(struct vpit *p, u16 port, u64 now)
{
	if (port == VPIT_PORT_B)
		return (u8)(p->port_b | (vpit_output(p, 2, now) ? PORT_B_OUT2 : 0) |
			    ((ticks_of(p, now) / 18) & 1 ? PORT_B_REFRESH : 0));
	if (port >= VPIT_PORT_FIRST && port < VPIT_PORT_CONTROL)
		return count_read(p, &p->ch[port - VPIT_PORT_FIRST], now);
	return 0xff; /* the control word is write-only */
}

bool vpit_write(struct vpit *p, u16 port, u8 val, u64 now)
{
	u64 before = p->irq_next;

	if (port == VPIT_PORT_B) {
		p->port_b = val & PORT_B_WRITABLE;
		gate2(p, val & 1, now);
		return false;
	}
	if (port == VPIT_PORT_CONTROL)
		control_write(p, val, now);
	else if (port >= VPIT_PORT_FIRST && port < VPIT_PORT_CONTROL)
		count_write(&p->ch[port - VPIT_PORT_FIRST], val, now);
	else
		return false;
	schedule(p, now);
	return p->irq_next != before;
}

u64 vpit_timer_next(const struct vpit *p)
{
	return p->irq_next;
}

bool vpit_timer_tick(struct vpit *p, u64 now)
{
	if (!p->irq_next || now < p->irq_next)
		return false;
	p->irq_last = now;
	p->fired++;
	schedule(p, now);
	return true;
}
