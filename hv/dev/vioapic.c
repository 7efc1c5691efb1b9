// SPDX-License-Identifier: GPL-2.0
/* The I/O APIC (Intel 82093AA data sheet): indirect registers, redirection, remote IRR, EOI. */
#include "hv/dev/vioapic.h"
#include "lib/string.h"

void vioapic_init(struct vioapic *io, u32 id, bool (*deliver)(void *, const struct vioapic_msg *),
		  void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->deliver = deliver;
	io->ctx = ctx;
	vioapic_reset(io);
}

void vioapic_reset(struct vioapic *io)
{
	io->regsel = 0;
	io->asserted = 0;
	for (u32 i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = VIOAPIC_RTE_MASKED;
}

/* Edge semantics for everything but fixed and lowest priority (82093AA, 3.2.4, bit 15). */
static bool level_pin(u64 e)
{
	return (e & VIOAPIC_RTE_LEVEL) && VIOAPIC_RTE_DM(e) <= VIOAPIC_DM_LOWEST;
}

/* Sends pin's message if its entry lets it; a level pin then waits for the EOI. */
static void send(struct vioapic *io, u32 pin)
{
	u64 e = io->rte[pin];
	u32 dm = VIOAPIC_RTE_DM(e), ext = VIOAPIC_RTE_EXT_DEST(e);
	struct vioapic_msg m = {
		.vector = (u8)(e & VIOAPIC_RTE_VECTOR),
		.mode = (u8)dm,
		.logical = e & VIOAPIC_RTE_LOGICAL,
		.level = level_pin(e),
		/* KVM's extended destination ID: bits 14:8 of a physical destination. */
		.x2apic = ext && !(e & VIOAPIC_RTE_LOGICAL),
		.dest = VIOAPIC_RTE_DEST(e),
	};

	if (e & VIOAPIC_RTE_MASKED)
		return;
	/* SMI has no meaning in a VM; ExtINT would ask an 8259 whose output goes nowhere. */
	if (dm != VIOAPIC_DM_FIXED && dm != VIOAPIC_DM_LOWEST && dm != VIOAPIC_DM_NMI &&
	    dm != VIOAPIC_DM_INIT)
		return;
	if (m.level && (e & VIOAPIC_RTE_REMOTE_IRR))
		return;
	if (m.x2apic)
		m.dest |= ext << 8;
	io->delivered++;
	/* No local APIC took it (a destination no vCPU has): nothing waits for an EOI. */
	if (io->deliver && io->deliver(io->ctx, &m) && m.level)
		io->rte[pin] |= VIOAPIC_RTE_REMOTE_IRR;
}

void vioapic_set_irq(struct vioapic *io, u32 pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	was = io->asserted & BIT(pin);
	if (level)
		io->asserted |= BIT(pin);
	else
		io->asserted &= ~BIT(pin);
	if (!level)
		return;
	/* Edge: only a rising edge counts; one on a masked pin is lost (82093AA, 3.2.4 bit 16). */
	if (level_pin(io->rte[pin]) || !was)
		send(io, pin);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = io->rte[pin];

		if ((e & VIOAPIC_RTE_VECTOR) != vector || !(e & VIOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~VIOAPIC_RTE_REMOTE_IRR;
		/* Still asserted: the level interrupt is sent again. */
		if ((io->asserted & BIT(pin)) && level_pin(e))
			send(io, pin);
	}
}

static u32 reg_read(const struct vioapic *io, u32 reg)
{
	u32 pin = (reg - VIOAPIC_REG_RTE) / 2;

	switch (reg) {
	case VIOAPIC_REG_ID:
		return io->id << 24;
	case VIOAPIC_REG_VER:
		return (VIOAPIC_PINS - 1) << 16 | VIOAPIC_VERSION;
	case VIOAPIC_REG_ARB:
		return io->id << 24; /* loaded from the ID (82093AA, 3.2.3) */
	}
	if (reg < VIOAPIC_REG_RTE || pin >= VIOAPIC_PINS)
		return 0;
	return reg & 1 ? (u32)(io->rte[pin] >> 32) : (u32)io->rte[pin];
}

static void rte_write(struct vioapic *io, u32 pin, bool high, u32 val)
{
	u64 old = io->rte[pin], e;

	if (high)
		e = (old & 0xffffffffull) | (u64)val << 32;
	else
		e = (old & ~0xffffffffull) | val;
	e = (e & ~VIOAPIC_RTE_RO) | (old & VIOAPIC_RTE_RO);
	/* Remote IRR means nothing on an edge pin: a switch to edge clears it, as KVM does. */
	if (!level_pin(e))
		e &= ~VIOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = e;
	/* A level pin unmasked while asserted sends now; an edge that came while masked is lost. */
	if ((io->asserted & BIT(pin)) && level_pin(e) && !(e & VIOAPIC_RTE_MASKED))
		send(io, pin);
}

static void reg_write(struct vioapic *io, u32 reg, u32 val)
{
	u32 pin = (reg - VIOAPIC_REG_RTE) / 2;

	if (reg == VIOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < VIOAPIC_REG_RTE || pin >= VIOAPIC_PINS)
		return; /* version and arbitration are read-only */
	rte_write(io, pin, reg & 1, val);
}

u32 vioapic_mmio_read(struct vioapic *io, u32 offset)
{
	if (offset == VIOAPIC_IOREGSEL)
		return io->regsel;
	if (offset == VIOAPIC_IOWIN)
		return reg_read(io, io->regsel);
	return 0;
}

void vioapic_mmio_write(struct vioapic *io, u32 offset, u32 val)
{
	if (offset == VIOAPIC_IOREGSEL)
		io->regsel = val & 0xff;
	else if (offset == VIOAPIC_IOWIN)
		reg_write(io, io->regsel, val);
}
