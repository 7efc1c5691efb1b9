// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vioapic.c: registers, edge and level pins, remote IRR and the EOI. */
#include "unit.h"
#include "hv/dev/vioapic.h"

static struct vioapic io;
static struct vioapic_msg sent[16];
static u32 nr_sent;
static bool accept = true; /* what the local APICs answer */

static bool record(void *ctx, const struct vioapic_msg *m)
{
	(void)ctx;
	assert_true(nr_sent < ARRAY_SIZE(sent));
	sent[nr_sent++] = *m;
	return accept;
}

static void setup(void)
{
	vioapic_init(&io, 0, record, NULL);
	nr_sent = 0;
	accept = true;
}

static u32 rd(u32 reg)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, reg);
	return vioapic_mmio_read(&io, VIOAPIC_IOWIN);
}

static void wr(u32 reg, u32 val)
{
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, reg);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, val);
}

static void set_rte(u32 pin, u64 e)
{
	wr(VIOAPIC_REG_RTE + 2 * pin + 1, (u32)(e >> 32));
	wr(VIOAPIC_REG_RTE + 2 * pin, (u32)e);
}

static u64 get_rte(u32 pin)
{
	return (u64)rd(VIOAPIC_REG_RTE + 2 * pin + 1) << 32 | rd(VIOAPIC_REG_RTE + 2 * pin);
}

static void test_registers(void **state)
{
	(void)state;
	setup();
	assert_int_equal(rd(VIOAPIC_REG_VER), 0x00170011); /* 24 pins, version 0x11 */
	assert_int_equal(rd(VIOAPIC_REG_ID), 0);
	wr(VIOAPIC_REG_ID, 0x0f000000 | 0xffffff);
	assert_int_equal(rd(VIOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(rd(VIOAPIC_REG_ARB), 0x0f000000);
	wr(VIOAPIC_REG_VER, 0); /* read-only */
	assert_int_equal(rd(VIOAPIC_REG_VER), 0x00170011);
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 0x1234);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_IOREGSEL), 0x34);
	/* Past the last pin, and the holes between registers: 0, and writes go nowhere. */
	assert_int_equal(rd(VIOAPIC_REG_RTE + 2 * VIOAPIC_PINS), 0);
	wr(VIOAPIC_REG_RTE + 2 * VIOAPIC_PINS, 0x55);
	assert_int_equal(rd(0x03), 0);
	assert_int_equal(vioapic_mmio_read(&io, 0x20), 0);
	vioapic_mmio_write(&io, 0x3fc, 0xffffffff);
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(get_rte(pin), VIOAPIC_RTE_MASKED); /* power-on: masked */
	/* Delivery status and remote IRR are read-only; the rest is kept. */
	set_rte(3, 0xff000000000000ffull | VIOAPIC_RTE_RO | VIOAPIC_RTE_LOGICAL | VIOAPIC_RTE_MASKED);
	assert_int_equal(get_rte(3), 0xff000000000000ffull | VIOAPIC_RTE_LOGICAL | VIOAPIC_RTE_MASKED);
	assert_int_equal(nr_sent, 0);
}

static void test_edge(void **state)
{
	(void)state;
	setup();
	set_rte(2, 0x30 | (u64)1 << 56);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nr_sent, 1);
	assert_int_equal(sent[0].vector, 0x30);
	assert_int_equal(sent[0].dest, 1);
	assert_false(sent[0].level);
	assert_false(sent[0].logical);
	assert_int_equal(sent[0].mode, VIOAPIC_DM_FIXED);
	vioapic_set_irq(&io, 2, true); /* held high: no new edge */
	assert_int_equal(nr_sent, 1);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nr_sent, 2);
	assert_false(get_rte(2) & VIOAPIC_RTE_REMOTE_IRR);
	/* An EOI of the vector does nothing to an edge pin. */
	vioapic_eoi(&io, 0x30);
	assert_int_equal(nr_sent, 2);
	/* Masked: the edge is lost, and unmasking does not bring it back. */
	set_rte(2, 0x30 | VIOAPIC_RTE_MASKED);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	set_rte(2, 0x30);
	assert_int_equal(nr_sent, 2);
	/* No pin 24 or beyond. */
	vioapic_set_irq(&io, VIOAPIC_PINS, true);
	vioapic_set_irq(&io, 0xffffffffu, true);
	assert_int_equal(nr_sent, 2);
}

static void test_level_remote_irr(void **state)
{
	(void)state;
	setup();
	set_rte(5, 0x41 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_LOW);
	vioapic_set_irq(&io, 5, true);
	assert_int_equal(nr_sent, 1);
	assert_true(sent[0].level);
	assert_true(get_rte(5) & VIOAPIC_RTE_REMOTE_IRR);
	/* Asserted again before the EOI: nothing new. */
	vioapic_set_irq(&io, 5, true);
	assert_int_equal(nr_sent, 1);
	/* Another vector's EOI leaves it. */
	vioapic_eoi(&io, 0x42);
	assert_true(get_rte(5) & VIOAPIC_RTE_REMOTE_IRR);
	/* EOI with the line still asserted: sent again. */
	vioapic_eoi(&io, 0x41);
	assert_int_equal(nr_sent, 2);
	assert_true(get_rte(5) & VIOAPIC_RTE_REMOTE_IRR);
	/* The device lets go, then the EOI: remote IRR clears and nothing is sent. */
	vioapic_set_irq(&io, 5, false);
	vioapic_eoi(&io, 0x41);
	assert_int_equal(nr_sent, 2);
	assert_false(get_rte(5) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_level_masked_then_unmasked(void **state)
{
	(void)state;
	setup();
	set_rte(9, 0x50 | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nr_sent, 0);
	set_rte(9, 0x50 | VIOAPIC_RTE_LEVEL); /* unmasked while asserted: sent now */
	assert_int_equal(nr_sent, 1);
	/* Switched to edge, remote IRR goes (it means nothing there). */
	set_rte(9, 0x50);
	assert_false(get_rte(9) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_nobody_accepts(void **state)
{
	(void)state;
	setup();
	accept = false; /* a destination with no local APIC: delivers nothing */
	set_rte(7, 0x60 | VIOAPIC_RTE_LEVEL | (u64)0xee << 56);
	vioapic_set_irq(&io, 7, true);
	assert_int_equal(nr_sent, 1);
	/* No EOI will come: the pin must not be stuck waiting for one. */
	assert_false(get_rte(7) & VIOAPIC_RTE_REMOTE_IRR);
	accept = true;
	set_rte(7, 0x60 | VIOAPIC_RTE_LEVEL); /* aimed at APIC 0: sent, as still asserted */
	assert_int_equal(nr_sent, 2);
	assert_true(get_rte(7) & VIOAPIC_RTE_REMOTE_IRR);
}

static void test_modes_and_destinations(void **state)
{
	(void)state;
	setup();
	/* KVM's extended destination ID: bits 55:49 are destination bits 14:8. */
	set_rte(1, 0x70 | (u64)0x12 << 56 | (u64)0x3 << 49);
	vioapic_set_irq(&io, 1, true);
	assert_int_equal(nr_sent, 1);
	assert_int_equal(sent[0].dest, 0x312);
	assert_true(sent[0].x2apic);
	/* Logical, lowest priority. */
	set_rte(3, 0x71 | (u64)VIOAPIC_DM_LOWEST << 8 | VIOAPIC_RTE_LOGICAL | (u64)0x0f << 56);
	vioapic_set_irq(&io, 3, true);
	assert_int_equal(nr_sent, 2);
	assert_true(sent[1].logical);
	assert_false(sent[1].x2apic);
	assert_int_equal(sent[1].mode, VIOAPIC_DM_LOWEST);
	assert_int_equal(sent[1].dest, 0x0f);
	/* NMI is edge whatever bit 15 says: no remote IRR, sent on each rising edge. */
	set_rte(4, (u64)VIOAPIC_DM_NMI << 8 | VIOAPIC_RTE_LEVEL);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nr_sent, 3);
	assert_int_equal(sent[2].mode, VIOAPIC_DM_NMI);
	assert_false(sent[2].level);
	assert_false(get_rte(4) & VIOAPIC_RTE_REMOTE_IRR);
	/* SMI and ExtINT send nothing. */
	set_rte(6, (u64)2 << 8);
	set_rte(8, (u64)VIOAPIC_DM_EXTINT << 8);
	vioapic_set_irq(&io, 6, true);
	vioapic_set_irq(&io, 8, true);
	assert_int_equal(nr_sent, 3);
}

/* Random register traffic and line changes never send from a masked pin. */
static void test_random_masked_silent(void **state)
{
	u64 seed = 0x10a71c;

	(void)state;
	setup();
	for (u32 i = 0; i < 20000; i++) {
		u32 pin = (u32)unit_rand_range(&seed, 0, 30);

		if (unit_rand(&seed) & 1)
			wr((u32)unit_rand_range(&seed, 0, 0x40),
			   (u32)unit_rand(&seed) | VIOAPIC_RTE_MASKED);
		else
			vioapic_set_irq(&io, pin, unit_rand(&seed) & 1);
		vioapic_eoi(&io, (u8)unit_rand(&seed));
	}
	/* Every low half written had bit 16 set: no pin could send. */
	assert_int_equal(nr_sent, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_level_remote_irr),
		cmocka_unit_test(test_level_masked_then_unmasked),
		cmocka_unit_test(test_nobody_accepts),
		cmocka_unit_test(test_modes_and_destinations),
		cmocka_unit_test(test_random_masked_silent),
	};

	return unit_run(tests);
}
