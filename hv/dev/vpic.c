// SPDX-License-Identifier: GPL-2.0
/* The 8259A pair (Intel 8259A data sheet): ICWs, OCWs, priorities, cascade, ELCR. */
#include "hv/dev/vpic.h"
#include "lib/string.h"

#define ICW1 BIT(4) /* a command-port write with bit 4 set is ICW1 */
#define ICW1_IC4 BIT(0)
#define ICW1_SNGL BIT(1)
#define ICW4_AEOI BIT(1)
#define OCW3 BIT(3) /* with bit 4 clear: OCW3, else OCW2 */
#define OCW3_RIS BIT(0)
#define OCW3_RR BIT(1)
#define OCW3_P BIT(2)
#define OCW3_SMM BIT(5)
#define OCW3_ESMM BIT(6)

static void chip_reset(struct vpic_chip *c, u8 elcr_writable)
{
	memset(c, 0, sizeof(*c));
	c->elcr_writable = elcr_writable;
	c->lowest = 7;
}

void vpic_init(struct vpic *p)
{
	chip_reset(&p->chip[0], 0xf8); /* IRQ 0-2 edge only */
	chip_reset(&p->chip[1], 0xde); /* IRQ 8 and 13 edge only */
}

bool vpic_owns_port(u16 port)
{
	return port == VPIC_MASTER_CMD || port == VPIC_MASTER_DATA || port == VPIC_SLAVE_CMD ||
	       port == VPIC_SLAVE_DATA || port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE;
}

/* 0 is the highest priority: the IR after the lowest one. */
static u32 prio(const struct vpic_chip *c, u32 ir)
{
	return (ir - c->lowest - 1) & 7;
}

/* The IR with the highest priority among bits, or -1. */
static int highest(const struct vpic_chip *c, u8 bits)
{
	for (u32 k = 0; k < 8; k++) {
		u32 ir = (c->lowest + 1 + k) & 7;

		if (bits & BIT(ir))
			return (int)ir;
	}
	return -1;
}

/* The IR this chip would raise INT for now, or -1 (the data sheet's priority resolver). */
static int chip_request(const struct vpic_chip *c)
{
	int req = highest(c, c->irr & ~c->imr), cur;
	u8 isr = c->isr;

	if (req < 0)
		return -1;
	/* Special mask mode: a masked IR's in-service bit inhibits nothing. */
	if (c->special_mask)
		isr &= ~c->imr;
	cur = highest(c, isr);
	return cur < 0 || prio(c, (u32)req) < prio(c, (u32)cur) ? req : -1;
}

static void chip_set_line(struct vpic_chip *c, u32 ir, bool level)
{
	u8 bit = (u8)BIT(ir);

	if (level) {
		if (!(c->lines & bit) || (c->elcr & bit))
			c->irr |= bit; /* rising edge, or level */
		c->lines |= bit;
	} else {
		c->lines &= ~bit;
		if (c->elcr & bit)
			c->irr &= ~bit; /* a level request goes away with the line */
	}
}

/* The slave's INT is the master's IR2. */
static void cascade(struct vpic *p)
{
	chip_set_line(&p->chip[0], VPIC_CASCADE_IRQ, chip_request(&p->chip[1]) >= 0);
}

void vpic_set_irq(struct vpic *p, u32 irq, bool level)
{
	if (irq >= 16 || irq == VPIC_CASCADE_IRQ)
		return;
	chip_set_line(&p->chip[irq / 8], irq % 8, level);
	cascade(p);
}

bool vpic_output(const struct vpic *p)
{
	return chip_request(&p->chip[0]) >= 0;
}

/* One chip's INTA: IRR -> ISR (unless automatic EOI); returns the IR, 7 if none (spurious). */
static u32 chip_ack(struct vpic_chip *c)
{
	int ir = chip_request(c);

	if (ir < 0)
		return 7;
	if (!(c->elcr & BIT(ir)))
		c->irr &= ~BIT(ir);
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (u8)ir;
	} else {
		c->isr |= BIT(ir);
	}
	return (u32)ir;
}

u8 vpic_intack(struct vpic *p)
{
	u32 ir = chip_ack(&p->chip[0]);
	u8 vec;

	if (ir == VPIC_CASCADE_IRQ && !p->chip[0].single) {
		vec = (u8)(p->chip[1].vector_base | chip_ack(&p->chip[1]));
		cascade(p);
		return vec;
	}
	return (u8)(p->chip[0].vector_base | ir);
}

/* OCW2 (data sheet, "Operation Command Words"): R, SL, EOI in bits 7:5, the level in 2:0. */
static void ocw2(struct vpic_chip *c, u8 val)
{
	u32 ir = val & 7;
	int cur = highest(c, c->isr);

	switch (val >> 5) {
	case 0: /* rotate in automatic EOI mode: clear */
		c->rotate_on_aeoi = false;
		break;
	case 4: /* ... set */
		c->rotate_on_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		if (cur < 0)
			break;
		c->isr &= ~BIT(cur);
		if (val >> 5 == 5)
			c->lowest = (u8)cur;
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= ~BIT(ir);
		if (val >> 5 == 7)
			c->lowest = (u8)ir;
		break;
	case 6: /* set priority */
		c->lowest = (u8)ir;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void ocw3(struct vpic_chip *c, u8 val)
{
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	c->poll = val & OCW3_P;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

static void icw1(struct vpic_chip *c, u8 val)
{
	u8 elcr = c->elcr, writable = c->elcr_writable, vector_base = c->vector_base;
	u8 lines = c->lines;

	/* Mask and ISR cleared, IR7 lowest, IRR read, edge sense reset (data sheet, ICW1). */
	chip_reset(c, writable);
	c->elcr = elcr;
	c->vector_base = vector_base;
	c->lines = lines & elcr; /* an edge input must go low and high again */
	c->single = val & ICW1_SNGL;
	c->need_icw4 = val & ICW1_IC4;
	c->init_step = 2;
}

static void data_write(struct vpic_chip *c, u8 val)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8;
		c->init_step = c->single ? (c->need_icw4 ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = c->need_icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & ICW4_AEOI;
		c->init_step = 0;
		break;
	default:
		c->imr = val; /* OCW1 */
		break;
	}
}

/* A poll command: the next read answers 0x80 | IR of the highest request, acknowledging it. */
static u8 poll_read(struct vpic *p, u32 i)
{
	struct vpic_chip *c = &p->chip[i];
	int ir = chip_request(c);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c);
	if (i == 1)
		cascade(p);
	return (u8)(0x80 | ir);
}

u8 vpic_read(struct vpic *p, u16 port)
{
	u32 i = port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA;
	struct vpic_chip *c = &p->chip[i];

	switch (port) {
	case VPIC_ELCR_MASTER:
		return p->chip[0].elcr;
	case VPIC_ELCR_SLAVE:
		return p->chip[1].elcr;
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD:
		if (c->poll)
			return poll_read(p, i);
		return c->read_isr ? c->isr : c->irr;
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA:
		if (c->poll)
			return poll_read(p, i);
		return c->imr;
	}
	return 0xff;
}

void vpic_write(struct vpic *p, u16 port, u8 val)
{
	u32 i = port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA;
	struct vpic_chip *c = &p->chip[i];

	switch (port) {
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		c = &p->chip[port - VPIC_ELCR_MASTER];
		c->elcr = val & c->elcr_writable;
		c->irr = (c->irr & ~c->elcr) | (c->lines & c->elcr);
		break;
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD:
		if (val & ICW1)
			icw1(c, val);
		else if (val & OCW3)
			ocw3(c, val);
		else
			ocw2(c, val);
		break;
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA:
		data_write(c, val);
		break;
	default:
		return;
	}
	cascade(p);
}
