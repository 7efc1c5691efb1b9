// SPDX-License-Identifier: GPL-2.0
/* A VM's CMOS RTC (MC146818A) at ports 0x70/0x71; pure logic in TSC time, unit-tested. */
#include "hv/dev/vrtc.h"
#include "lib/calendar.h"
#include "lib/string.h"

/*
 * How the MC146818A data sheet's clock is kept here. The divider counts seconds from
 * second_start; once a second has passed, the update cycle adds it to the time. The data sheet
 * sets UIP 244 us before the update and the update takes up to 1984 us more, after which the
 * bytes hold the new second; here the update is instantaneous at the end of the second, so UIP
 * reads 1 only in the 244 us before it and a reader that saw UIP 0 has those 244 us to read a
 * consistent time. Time advances only when someone looks (an access, vrtc_irq_asserted), by
 * however many seconds have passed, so a VM that never touches the RTC costs nothing.
 *
 * Choices where the data sheet leaves the chip undefined or a PC differs:
 * - Values written to the time and date bytes are decoded in the mode register B names and
 *   clamped into each byte's range (BCD digits past 9 count as their value: 0x5a is 60, so 59
 *   for seconds); a day past its month's end rolls into the next month at the next update.
 * - Years are Gregorian over the century byte (0x32) and the year byte: 2100 is not a leap
 *   year, though the chip alone, which has no century, would count one. The year after 9999 is
 *   0000.
 * - Divider values other than 010 (a 32.768 kHz crystal) and the reset values 11x stop the
 *   clock and keep the divider's phase; leaving reset starts the next second 500 ms later.
 * - DSE is kept in register B but never applied (its rule is the United States' of 1986).
 * - Port 0x70 is write-only on a PC: it reads 0xff. Bit 7 of what is written there masks NMIs
 *   on a PC; here it is kept and ignored (a VM's NMIs do not come from its chipset).
 */

#define SECONDS_PER_DAY 86400

static u8 bin2bcd(u8 v)
{
	return (u8)((v / 10) << 4 | v % 10);
}

static bool binary(const struct vrtc *r)
{
	return r->cmos[VRTC_REG_B] & VRTC_B_DM_BINARY;
}

static u8 encode(const struct vrtc *r, u8 v)
{
	return binary(r) ? v : bin2bcd(v);
}

static u8 encode_hour(const struct vrtc *r, u8 h)
{
	u8 h12 = h % 12 ? h % 12 : 12;

	if (r->cmos[VRTC_REG_B] & VRTC_B_24H)
		return encode(r, h);
	return encode(r, h12) | (h >= 12 ? 0x80 : 0);
}

/* A written byte as a number in [lo, hi]; BCD garbage counts digit by digit. */
static u8 decode(const struct vrtc *r, u8 v, u8 lo, u8 hi)
{
	u32 n = binary(r) ? v : (v >> 4) * 10u + (v & 0xf);

	return (u8)(n < lo ? lo : n > hi ? hi : n);
}

static u8 decode_hour(const struct vrtc *r, u8 v)
{
	bool pm = v & 0x80;

	if (r->cmos[VRTC_REG_B] & VRTC_B_24H)
		return decode(r, v, 0, 23);
	return (u8)(decode(r, v & 0x7f, 1, 12) % 12 + (pm ? 12 : 0));
}

static bool counting(const struct vrtc *r)
{
	return (r->cmos[VRTC_REG_A] & VRTC_A_DV_MASK) == VRTC_A_DV_NORMAL &&
	       !(r->cmos[VRTC_REG_B] & VRTC_B_SET);
}

static bool divider_running(const struct vrtc *r)
{
	return (r->cmos[VRTC_REG_A] & VRTC_A_DV_MASK) == VRTC_A_DV_NORMAL;
}

static s64 floor_div(s64 a, s64 b)
{
	return (a >= 0 ? a : a - (b - 1)) / b;
}

static s64 time_to_seconds(const struct vrtc_time *t)
{
	struct cal_date d = { t->century * 100u + t->year, t->mon, t->mday };

	return cal_days_from_date(&d) * SECONDS_PER_DAY + t->hour * 3600 + t->min * 60 + t->sec;
}

static void seconds_to_time(s64 s, struct vrtc_time *t)
{
	s64 days = floor_div(s, SECONDS_PER_DAY);
	s64 tod = s - days * SECONDS_PER_DAY;
	struct cal_date d;

	cal_date_from_days(days, &d);
	t->sec = (u8)(tod % 60);
	t->min = (u8)(tod / 60 % 60);
	t->hour = (u8)(tod / 3600);
	t->mday = (u8)d.mday;
	t->mon = (u8)d.mon;
	t->year = (u8)(d.year % 100);
	t->century = (u8)(d.year / 100 % 100);
}

/* Whether the alarm bytes match a time of day (seconds since midnight), as the update sees it. */
static bool alarm_matches(const struct vrtc *r, u32 tod)
{
	u8 s = r->cmos[VRTC_SECONDS_ALARM], m = r->cmos[VRTC_MINUTES_ALARM];
	u8 h = r->cmos[VRTC_HOURS_ALARM];

	return ((s & VRTC_ALARM_ANY) == VRTC_ALARM_ANY || s == encode(r, (u8)(tod % 60))) &&
	       ((m & VRTC_ALARM_ANY) == VRTC_ALARM_ANY || m == encode(r, (u8)(tod / 60 % 60))) &&
	       ((h & VRTC_ALARM_ANY) == VRTC_ALARM_ANY || h == encode_hour(r, (u8)(tod / 3600)));
}

/* n update cycles: UF, AF if the alarm matched at any of them, and the new time. */
static void advance(struct vrtc *r, u64 n)
{
	struct cal_date first = { 0, 1, 1 };
	s64 start = cal_days_from_date(&first) * SECONDS_PER_DAY; /* 0000-01-01 00:00:00 */
	s64 span = 10000LL / 400 * 146097 * SECONDS_PER_DAY; /* 10000 Gregorian years */
	s64 old = time_to_seconds(&r->t);
	u64 tod = (u64)(old - floor_div(old, SECONDS_PER_DAY) * SECONDS_PER_DAY);
	u64 checks = MIN(n, (u64)SECONDS_PER_DAY); /* the alarm compares the time of day only */
	u64 midnights = (tod + n) / SECONDS_PER_DAY;

	r->flags |= VRTC_C_UF;
	for (u64 i = n - checks + 1; i <= n && !(r->flags & VRTC_C_AF); i++) {
		if (alarm_matches(r, (u32)((tod + i) % SECONDS_PER_DAY)))
			r->flags |= VRTC_C_AF;
	}
	/* The year after 9999 is year 0. */
	seconds_to_time(start + (old - start + (s64)(n % (u64)span)) % span, &r->t);
	r->t.wday = (u8)((r->t.wday - 1 + midnights % 7) % 7 + 1);
}

/* The periodic interrupt's period in TSC ticks (0: off), from RS3-RS0 with a 32.768 kHz base. */
static u64 periodic_ticks(const struct vrtc *r)
{
	u32 rs = r->cmos[VRTC_REG_A] & VRTC_A_RS_MASK;
	u64 cycles;

	if (!rs || !divider_running(r))
		return 0;
	cycles = rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1); /* 256 Hz, 128 Hz, then 8192 Hz down */
	return MAX(r->tsc_hz * cycles / 32768, 1);
}

/* Brings the clock and the flags to TSC now. */
static void sync(struct vrtc *r, u64 now)
{
	u64 p = periodic_ticks(r), n;

	if (now <= r->last)
		return;
	/* second_start <= last always: a periodic edge between last and now sets PF. */
	if (p && (now - r->second_start) / p != (r->last - r->second_start) / p)
		r->flags |= VRTC_C_PF;
	r->last = now;
	if (!divider_running(r) || now < r->second_start + r->tsc_hz)
		return;
	n = (now - r->second_start) / r->tsc_hz;
	r->second_start += n * r->tsc_hz;
	if (counting(r))
		advance(r, n);
}

static u8 irqf(const struct vrtc *r)
{
	u8 b = r->cmos[VRTC_REG_B];
	bool irq = ((r->flags & VRTC_C_PF) && (b & VRTC_B_PIE)) ||
		   ((r->flags & VRTC_C_AF) && (b & VRTC_B_AIE)) ||
		   ((r->flags & VRTC_C_UF) && (b & VRTC_B_UIE));

	return irq ? VRTC_C_IRQF : 0;
}

void vrtc_init(struct vrtc *r, s64 unix_seconds, u64 tsc, u64 tsc_hz)
{
	memset(r, 0, sizeof(*r));
	r->tsc_hz = tsc_hz ? tsc_hz : 1;
	r->uip_ticks = MAX(r->tsc_hz * 244 / 1000000, 1);
	r->second_start = tsc;
	r->last = tsc;
	r->cmos[VRTC_REG_A] = VRTC_A_DV_NORMAL | 0x06;
	r->cmos[VRTC_REG_B] = VRTC_B_24H;
	seconds_to_time(unix_seconds, &r->t);
	/* 1970-01-01 was a Thursday: day 5 when 1 is Sunday. */
	r->t.wday = (u8)((floor_div(unix_seconds, SECONDS_PER_DAY) % 7 + 7 + 4) % 7 + 1);
}

static u8 read_register(struct vrtc *r, u8 reg, u64 now)
{
	u8 v;

	switch (reg) {
	case VRTC_SECONDS:
		return encode(r, r->t.sec);
	case VRTC_MINUTES:
		return encode(r, r->t.min);
	case VRTC_HOURS:
		return encode_hour(r, r->t.hour);
	case VRTC_WEEKDAY:
		return encode(r, r->t.wday);
	case VRTC_MDAY:
		return encode(r, r->t.mday);
	case VRTC_MONTH:
		return encode(r, r->t.mon);
	case VRTC_YEAR:
		return encode(r, r->t.year);
	case VRTC_CENTURY:
		return encode(r, r->t.century);
	case VRTC_REG_A:
		v = r->cmos[VRTC_REG_A] & ~VRTC_A_UIP;
		if (counting(r) && now - r->second_start >= r->tsc_hz - r->uip_ticks)
			v |= VRTC_A_UIP;
		return v;
	case VRTC_REG_C:
		v = r->flags | irqf(r);
		r->flags = 0; /* reading C clears it, and so releases IRQ# */
		return v;
	case VRTC_REG_D:
		return VRTC_D_VRT;
	default:
		return r->cmos[reg];
	}
}

static void write_register(struct vrtc *r, u8 reg, u8 v, u64 now)
{
	switch (reg) {
	case VRTC_SECONDS:
		r->t.sec = decode(r, v, 0, 59);
		break;
	case VRTC_MINUTES:
		r->t.min = decode(r, v, 0, 59);
		break;
	case VRTC_HOURS:
		r->t.hour = decode_hour(r, v);
		break;
	case VRTC_WEEKDAY:
		r->t.wday = decode(r, v, 1, 7);
		break;
	case VRTC_MDAY:
		r->t.mday = decode(r, v, 1, 31);
		break;
	case VRTC_MONTH:
		r->t.mon = decode(r, v, 1, 12);
		break;
	case VRTC_YEAR:
		r->t.year = decode(r, v, 0, 99);
		break;
	case VRTC_CENTURY:
		r->t.century = decode(r, v, 0, 99);
		break;
	case VRTC_REG_A:
		/* Out of divider reset: the first update comes half a second later. */
		if (!divider_running(r) && (v & VRTC_A_DV_MASK) == VRTC_A_DV_NORMAL) {
			r->second_start = now - MIN(now, r->tsc_hz / 2);
			r->last = MAX(r->last, r->second_start);
		}
		r->cmos[VRTC_REG_A] = v & ~VRTC_A_UIP;
		break;
	case VRTC_REG_B:
		if (v & VRTC_B_SET)
			v &= ~VRTC_B_UIE; /* the data sheet: setting SET clears UIE */
		r->cmos[VRTC_REG_B] = v;
		break;
	case VRTC_REG_C:
	case VRTC_REG_D:
		break; /* read-only */
	default:
		r->cmos[reg] = v;
	}
}

static u8 access_byte(struct vrtc *r, u16 port, bool write, u8 v, u64 now)
{
	if (port == VRTC_PORT_INDEX) {
		if (write) {
			r->index = v;
			r->index_writes++;
		}
		return 0xff;
	}
	if (port != VRTC_PORT_DATA)
		return 0xff;
	r->data_accesses++;
	if (write) {
		write_register(r, r->index & 0x7f, v, now);
		return 0xff;
	}
	return read_register(r, r->index & 0x7f, now);
}

u32 vrtc_read(struct vrtc *r, u16 port, u32 size, u64 now)
{
	u32 val = 0;

	spin_lock(&r->lock);
	now = MAX(now, r->last); /* pCPUs' TSCs a little apart: time never goes back */
	sync(r, now);
	for (u32 i = 0; i < size && i < 4; i++)
		val |= (u32)access_byte(r, (u16)(port + i), false, 0, now) << (8 * i);
	spin_unlock(&r->lock);
	return val;
}

void vrtc_write(struct vrtc *r, u16 port, u32 size, u32 val, u64 now)
{
	spin_lock(&r->lock);
	now = MAX(now, r->last); /* pCPUs' TSCs a little apart: time never goes back */
	sync(r, now);
	for (u32 i = 0; i < size && i < 4; i++)
		access_byte(r, (u16)(port + i), true, (u8)(val >> (8 * i)), now);
	spin_unlock(&r->lock);
}

bool vrtc_irq_asserted(struct vrtc *r, u64 now)
{
	bool on;

	spin_lock(&r->lock);
	now = MAX(now, r->last); /* pCPUs' TSCs a little apart: time never goes back */
	sync(r, now);
	on = irqf(r);
	spin_unlock(&r->lock);
	return on;
}

s64 vrtc_unix_seconds(struct vrtc *r, u64 now)
{
	s64 s;

	spin_lock(&r->lock);
	now = MAX(now, r->last); /* pCPUs' TSCs a little apart: time never goes back */
	sync(r, now);
	s = time_to_seconds(&r->t);
	spin_unlock(&r->lock);
	return s;
}
