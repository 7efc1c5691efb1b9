// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vpic.c: the 8259A pair as Linux initialises, probes and uses it. */
#include "unit.h"
#include "hv/dev/vpic.h"

static struct vpic p;

/* Linux's init_8259A (arch/x86/kernel/i8259.c): vectors 0x30 and 0x38, cascade on IR2. */
static void linux_init(bool auto_eoi)
{
	vpic_init(&p);
	vpic_write(&p, VPIC_MASTER_DATA, 0xff);
	vpic_write(&p, VPIC_SLAVE_DATA, 0xff);
	vpic_write(&p, VPIC_MASTER_CMD, 0x11);
	vpic_write(&p, VPIC_MASTER_DATA, 0x30);
	vpic_write(&p, VPIC_MASTER_DATA, 1 << VPIC_CASCADE_IRQ);
	vpic_write(&p, VPIC_MASTER_DATA, auto_eoi ? 0x03 : 0x01);
	vpic_write(&p, VPIC_SLAVE_CMD, 0x11);
	vpic_write(&p, VPIC_SLAVE_DATA, 0x38);
	vpic_write(&p, VPIC_SLAVE_DATA, VPIC_CASCADE_IRQ);
	vpic_write(&p, VPIC_SLAVE_DATA, 0x01);
	vpic_write(&p, VPIC_MASTER_DATA, 0xfb); /* all but the cascade masked */
	vpic_write(&p, VPIC_SLAVE_DATA, 0xff);
}

static u8 read_isr(u16 cmd)
{
	u8 v;

	vpic_write(&p, cmd, 0x0b);
	v = vpic_read(&p, cmd);
	vpic_write(&p, cmd, 0x0a);
	return v;
}

static void test_probe_and_masks(void **state)
{
	(void)state;
	vpic_init(&p);
	/* Linux's probe_8259A: a PIC reads back the mask it was given (nothing there reads 0xff). */
	vpic_write(&p, VPIC_SLAVE_DATA, 0xff);
	vpic_write(&p, VPIC_MASTER_DATA, 0xfb);
	assert_int_equal(vpic_read(&p, VPIC_MASTER_DATA), 0xfb);
	assert_int_equal(vpic_read(&p, VPIC_SLAVE_DATA), 0xff);
	assert_true(vpic_owns_port(0x4d1));
	assert_false(vpic_owns_port(0x22));
	assert_int_equal(vpic_read(&p, 0x22), 0xff);
	linux_init(false);
	assert_int_equal(vpic_read(&p, VPIC_MASTER_DATA), 0xfb);
	assert_false(vpic_output(&p));
}

static void test_irr_isr_eoi(void **state)
{
	(void)state;
	linux_init(false);
	vpic_set_irq(&p, 4, true); /* masked: in IRR, no output */
	assert_int_equal(vpic_read(&p, VPIC_MASTER_CMD), 1 << 4); /* OCW3 read IRR is the default */
	assert_false(vpic_output(&p));
	vpic_write(&p, VPIC_MASTER_DATA, 0xeb); /* unmask IRQ 4 */
	assert_true(vpic_output(&p));
	assert_int_equal(vpic_intack(&p), 0x34);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 1 << 4);
	assert_int_equal(vpic_read(&p, VPIC_MASTER_CMD), 0); /* edge: IRR cleared by INTA */
	assert_false(vpic_output(&p));
	/* IRQ 1, higher priority, interrupts IRQ 4's handler; IRQ 6 waits. */
	vpic_write(&p, VPIC_MASTER_DATA, 0x00);
	vpic_set_irq(&p, 6, true);
	assert_false(vpic_output(&p));
	vpic_set_irq(&p, 1, true);
	assert_true(vpic_output(&p));
	assert_int_equal(vpic_intack(&p), 0x31);
	/* Non-specific EOI retires the highest in service (IRQ 1), specific EOI IRQ 4. */
	vpic_write(&p, VPIC_MASTER_CMD, 0x20);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 1 << 4);
	vpic_write(&p, VPIC_MASTER_CMD, 0x64);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0);
	assert_int_equal(vpic_intack(&p), 0x36);
	/* Nothing pending: IRQ 7, the spurious vector. */
	vpic_write(&p, VPIC_MASTER_CMD, 0x66);
	assert_int_equal(vpic_intack(&p), 0x37);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0);
}

static void test_cascade(void **state)
{
	(void)state;
	linux_init(false);
	vpic_write(&p, VPIC_SLAVE_DATA, 0xef); /* IRQ 12 unmasked */
	vpic_set_irq(&p, 12, true);
	assert_true(vpic_output(&p));
	assert_int_equal(vpic_read(&p, VPIC_MASTER_CMD), 1 << 2);
	assert_int_equal(vpic_intack(&p), 0x3c);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 1 << 4);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 1 << 2);
	/* Linux's EOI for a slave IRQ: specific to the slave, then to the master's IR2. */
	vpic_write(&p, VPIC_SLAVE_CMD, 0x64);
	vpic_write(&p, VPIC_MASTER_CMD, 0x62);
	assert_int_equal(read_isr(VPIC_SLAVE_CMD), 0);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0);
	assert_false(vpic_output(&p));
	/* The cascade is no input of its own. */
	vpic_set_irq(&p, 2, true);
	assert_false(vpic_output(&p));
	vpic_set_irq(&p, 16, true);
	assert_false(vpic_output(&p));
}

static void test_elcr_level_and_auto_eoi(void **state)
{
	(void)state;
	linux_init(true);
	vpic_write(&p, VPIC_ELCR_MASTER, 0xff);
	vpic_write(&p, VPIC_ELCR_SLAVE, 0xff);
	assert_int_equal(vpic_read(&p, VPIC_ELCR_MASTER), 0xf8); /* IRQ 0-2: edge only */
	assert_int_equal(vpic_read(&p, VPIC_ELCR_SLAVE), 0xde); /* IRQ 8 and 13 too */
	vpic_write(&p, VPIC_MASTER_DATA, 0x00);
	vpic_set_irq(&p, 5, true); /* level */
	assert_int_equal(vpic_intack(&p), 0x35);
	assert_int_equal(read_isr(VPIC_MASTER_CMD), 0); /* automatic EOI */
	assert_true(vpic_output(&p)); /* still asserted: requested again */
	vpic_set_irq(&p, 5, false);
	assert_false(vpic_output(&p));
	/* Poll: 0x80 | IR, and the read acknowledges it. */
	vpic_set_irq(&p, 3, true);
	vpic_write(&p, VPIC_MASTER_CMD, 0x0c);
	assert_int_equal(vpic_read(&p, VPIC_MASTER_CMD), 0x83);
	vpic_write(&p, VPIC_MASTER_CMD, 0x0c);
	assert_int_equal(vpic_read(&p, VPIC_MASTER_CMD), 0x83); /* level: still there */
	vpic_set_irq(&p, 3, false);
	vpic_write(&p, VPIC_MASTER_CMD, 0x0c);
	assert_int_equal(vpic_read(&p, VPIC_MASTER_CMD), 0);
}

/* Any byte on any of the ports: never out of bounds, ISR never names more than it took. */
static void test_random_traffic(void **state)
{
	static const u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22, 0x4d2 };
	u64 seed = 0x8259;

	(void)state;
	vpic_init(&p);
	for (u32 i = 0; i < 50000; i++) {
		u16 port = ports[unit_rand(&seed) % ARRAY_SIZE(ports)];

		switch (unit_rand(&seed) % 4) {
		case 0:
			vpic_write(&p, port, (u8)unit_rand(&seed));
			break;
		case 1:
			vpic_read(&p, port);
			break;
		case 2:
			vpic_set_irq(&p, (u32)unit_rand_range(&seed, 0, 17), unit_rand(&seed) & 1);
			break;
		default:
			vpic_intack(&p);
			break;
		}
		assert_true(p.chip[0].lowest < 8 && p.chip[1].lowest < 8);
		assert_true(p.chip[0].init_step <= 4 && p.chip[1].init_step <= 4);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_and_masks),
		cmocka_unit_test(test_irr_isr_eoi),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_elcr_level_and_auto_eoi),
		cmocka_unit_test(test_random_traffic),
	};

	return unit_run(tests);
}
