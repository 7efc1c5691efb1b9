// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's interrupt platform as an OS sets it up: the I/O APIC's registers, the 8259 pair
 * initialised and masked, the PIT's IRQ 0 through the redirection entry of pin 2 (the MADT's
 * override) at its rate, and the UART's IRQ 4 edge- and level-triggered with remote IRR.
 */
#include <kestrel-rt/rt.h>

#define IOAPIC_BASE	0xfec00000ul
#define IOREGSEL	0x00
#define IOWIN		0x10
#define RTE_LOW(pin)	(0x10 + 2 * (pin))
#define RTE_LEVEL	(1u << 15)
#define RTE_REMOTE_IRR	(1u << 14)
#define RTE_MASKED	(1u << 16)
#define PIT_PIN		2 /* ISA IRQ 0, by the MADT's interrupt source override */
#define UART_PIN	4
#define VEC_PIT		0x40
#define VEC_UART	0x41
#define PIT_HZ		1193182u
#define PIT_COUNT	11932u /* 10 ms */
#define PIT_TICKS	10
#define COM1		0x3f8
#define LEVEL_REPEATS	3 /* times the level interrupt comes back before the handler clears it */

static volatile u32 pit_fired, uart_fired, remote_irr_seen;
static u64 pit_tsc[PIT_TICKS + 1];

static u32 ioapic_read(u32 reg)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	return *(volatile u32 *)(IOAPIC_BASE + IOWIN);
}

static void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	*(volatile u32 *)(IOAPIC_BASE + IOWIN) = val;
}

static void route(u32 pin, u32 low)
{
	ioapic_write(RTE_LOW(pin) + 1, rt_apic_id() << 24); /* physical, to this CPU */
	ioapic_write(RTE_LOW(pin), low);
}

static bool wait_for(volatile u32 *n, u32 want, u64 ticks)
{
	u64 until = rt_rdtsc() + ticks;

	while (rt_atomic_load(n) < want)
		if (rt_rdtsc() > until)
			return false;
	return true;
}

static void on_pit(struct rt_frame *f)
{
	u32 n = pit_fired;

	(void)f;
	if (n < RT_ARRAY_SIZE(pit_tsc))
		pit_tsc[n] = rt_rdtsc();
	rt_atomic_store(&pit_fired, n + 1);
}

/* Level-triggered THRE: the source stays until the LEVEL_REPEATS-th time, then IIR clears it. */
static void on_uart(struct rt_frame *f)
{
	u32 n = uart_fired + 1;

	(void)f;
	if (ioapic_read(RTE_LOW(UART_PIN)) & RTE_REMOTE_IRR)
		rt_atomic_inc(&remote_irr_seen);
	if ((ioapic_read(RTE_LOW(UART_PIN)) & RTE_LEVEL) && n >= LEVEL_REPEATS)
		rt_inb(COM1 + 2); /* THRE is the source: reading IIR clears it */
	rt_atomic_store(&uart_fired, n);
}

static void test_registers(void)
{
	rt_test_begin("ioapic-registers");
	rt_check(ioapic_read(0x01) == 0x00170011, "version register %#x, not 24 pins of 0x11",
		 ioapic_read(0x01));
	rt_check(ioapic_read(0x00) == 0, "ID register %#x, the MADT says 0", ioapic_read(0x00));
	for (u32 pin = 0; pin < 24; pin++)
		rt_check(ioapic_read(RTE_LOW(pin)) & RTE_MASKED, "pin %u not masked at power-on", pin);
	ioapic_write(RTE_LOW(7) + 1, 0xab000000);
	rt_check(ioapic_read(RTE_LOW(7) + 1) == 0xab000000, "redirection entry not kept");
	ioapic_write(RTE_LOW(7) + 1, 0);
	rt_test_end();
}

/* The 8259 pair as Linux initialises it (arch/x86/kernel/i8259.c), then all masked. */
static void test_pic(void)
{
	rt_test_begin("pic-init");
	rt_outb(0xa1, 0xff);
	rt_outb(0x21, 0xfb);
	rt_check(rt_inb(0x21) == 0xfb, "the master's mask reads %#x, written 0xfb", rt_inb(0x21));
	rt_outb(0x20, 0x11);
	rt_outb(0x21, 0x30);
	rt_outb(0x21, 0x04);
	rt_outb(0x21, 0x01);
	rt_outb(0xa0, 0x11);
	rt_outb(0xa1, 0x38);
	rt_outb(0xa1, 0x02);
	rt_outb(0xa1, 0x01);
	rt_check(rt_inb(0x21) == 0, "ICW1 left a mask of %#x", rt_inb(0x21));
	rt_outb(0x21, 0xff);
	rt_outb(0xa1, 0xff);
	rt_check(rt_inb(0xa1) == 0xff, "the slave's mask reads %#x", rt_inb(0xa1));
	rt_test_end();
}

/* The PIT at 100 Hz in mode 2, IRQ 0 to pin 2 edge-triggered: ten ticks, 10 ms apart. */
static void test_pit(void)
{
	u64 period = rt_muldiv(PIT_COUNT, rt_tsc_hz(), PIT_HZ), min = ~0ul, max = 0;
	u16 a, b;

	rt_test_begin("ioapic-pit");
	rt_irq_install(VEC_PIT, on_pit);
	route(PIT_PIN, VEC_PIT);
	rt_outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 */
	rt_outb(0x40, PIT_COUNT & 0xff);
	rt_outb(0x40, PIT_COUNT >> 8);
	rt_outb(0x43, 0x00); /* latch */
	a = rt_inb(0x40);
	a |= (u16)(rt_inb(0x40) << 8);
	if (!rt_check(wait_for(&pit_fired, PIT_TICKS + 1, (PIT_TICKS + 20) * period),
		      "%u PIT interrupts in %u periods", rt_atomic_load(&pit_fired), PIT_TICKS + 20))
		goto out;
	rt_outb(0x43, 0x00);
	b = rt_inb(0x40);
	b |= (u16)(rt_inb(0x40) << 8);
	rt_check(a >= 1 && a <= PIT_COUNT && b >= 1 && b <= PIT_COUNT,
		 "latched counts %u and %u out of 1-%u", a, b, PIT_COUNT);
	for (u32 i = 1; i <= PIT_TICKS; i++) {
		u64 d = pit_tsc[i] - pit_tsc[i - 1];

		min = d < min ? d : min;
		max = d > max ? d : max;
	}
	rt_printf("ioapic: PIT period %lu TSC ticks, intervals %lu-%lu\n", period, min, max);
	/* The period grid does not drift: the ten together take ten periods, give or take one. */
	rt_check(pit_tsc[PIT_TICKS] - pit_tsc[0] >= (PIT_TICKS - 1) * period &&
		 pit_tsc[PIT_TICKS] - pit_tsc[0] <= (PIT_TICKS + 1) * period,
		 "ten PIT ticks took %lu TSC ticks, the period is %lu",
		 pit_tsc[PIT_TICKS] - pit_tsc[0], period);
	/* IRQ 0 also reached the 8259's IRR, masked as it is (OCW3: read IRR). */
	rt_outb(0x20, 0x0a);
	rt_check(rt_inb(0x20) & 1, "IRQ 0 not in the master 8259's IRR");
out:
	ioapic_write(RTE_LOW(PIT_PIN), RTE_MASKED | VEC_PIT);
	rt_outb(0x43, 0x30); /* mode 0 with no count: stops */
	rt_test_end();
}

/* Waits for the UART interrupts to settle: none for a while. */
static void settle(void)
{
	u32 n;

	do {
		n = rt_atomic_load(&uart_fired);
		rt_udelay(2000);
	} while (rt_atomic_load(&uart_fired) != n);
}

/*
 * IRQ 4 from the 16550's THRE interrupt. Edge: one interrupt per rising edge, the source left
 * pending brings nothing more; a byte written makes a new edge. Level: the interrupt comes back
 * after each EOI while the source stays, remote IRR set meanwhile, and stops once cleared.
 */
static void test_uart_irq(void)
{
	u32 edge_first, edge_after_byte, level, irr, rte;

	rt_test_begin("ioapic-uart-edge-level");
	rt_irq_install(VEC_UART, on_uart);
	rt_outb(COM1 + 4, 0x08); /* OUT2: the IRQ line on a PC */
	route(UART_PIN, VEC_UART);
	rt_atomic_store(&uart_fired, 0);
	rt_outb(COM1 + 1, 0x02); /* THRE interrupt on: asserted at once */
	settle();
	edge_first = rt_atomic_load(&uart_fired);
	rt_outb(COM1, '.'); /* THR written: THRE falls and rises */
	settle();
	edge_after_byte = rt_atomic_load(&uart_fired);
	rt_outb(COM1 + 1, 0);
	rt_inb(COM1 + 2);

	ioapic_write(RTE_LOW(UART_PIN), RTE_MASKED | RTE_LEVEL | VEC_UART);
	rt_atomic_store(&uart_fired, 0);
	rt_atomic_store(&remote_irr_seen, 0);
	rt_outb(COM1 + 1, 0x02); /* asserted while masked: nothing yet */
	settle();
	rt_check(rt_atomic_load(&uart_fired) == 0, "a masked level pin delivered");
	ioapic_write(RTE_LOW(UART_PIN), RTE_LEVEL | VEC_UART); /* unmasked while asserted */
	settle();
	level = rt_atomic_load(&uart_fired);
	irr = rt_atomic_load(&remote_irr_seen);
	rte = ioapic_read(RTE_LOW(UART_PIN));
	rt_outb(COM1 + 1, 0);
	ioapic_write(RTE_LOW(UART_PIN), RTE_MASKED | VEC_UART);
	rt_outb(COM1 + 4, 0);
	rt_printf("ioapic: UART IRQ 4: edge %u then %u, level %u (remote IRR seen %u)\n",
		  edge_first, edge_after_byte, level, irr);
	rt_check(edge_first == 1, "edge: %u interrupts for one rising edge", edge_first);
	rt_check(edge_after_byte == 2, "edge: %u interrupts after a byte, not 2", edge_after_byte);
	rt_check(level == LEVEL_REPEATS, "level: %u interrupts, the source was held for %u", level,
		 LEVEL_REPEATS);
	rt_check(irr == level, "remote IRR set in %u of %u handlers", irr, level);
	rt_check(!(rte & RTE_REMOTE_IRR), "remote IRR still set after the last EOI");
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	(void)boot;
	test_registers();
	test_pic();
	rt_sti();
	test_pit();
	test_uart_irq();
}
