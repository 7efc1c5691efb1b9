// SPDX-License-Identifier: GPL-2.0
/*
 * Console input into a VM: a line typed at Kestrel's console arrives in the 16550's receive
 * FIFO, by IRQ 4 through the I/O APIC with the RX-data interrupt on, and by polling LSR.DR with
 * it off; a FIFO left full keeps its first 16 bytes (the rest is dropped, and counted by
 * Kestrel), and COM2's ports read all ones. Each step prints "uart-input: ready for ..." and
 * waits for the harness to type.
 *
 * Command line: expect=TEXT (the first line, default "hello-kestrel"), polled=0 leaves out the
 * polled line and the overflow, wait_ms=N how long to wait for each line (guest TSC time).
 */
#include <kestrel-rt/rt.h>

#define IOAPIC_BASE	0xfec00000ul
#define IOREGSEL	0x00
#define IOWIN		0x10
#define RTE_LOW(pin)	(0x10 + 2 * (pin))
#define RTE_MASKED	(1u << 16)
#define UART_PIN	4 /* ISA IRQ 4, identity-mapped (the MADT overrides only IRQ 0) */
#define VEC_UART	0x42
#define VEC_TIMER	0x43 /* wakes the HLT below when no line comes */
#define COM1		0x3f8
#define RBR		0
#define IER		1
#define IIR		2
#define FCR		2
#define MCR		4
#define LSR		5
#define IER_RX_DATA	0x01
#define IIR_ID_MASK	0x0f
#define IIR_RX_DATA	0x04
#define IIR_NONE	0x01
#define LSR_DR		0x01
#define MCR_OUT2	0x08
#define LINE_MAX	64
#define FIFO_DEPTH	16
#define OVERFLOW_SENT	40 /* the harness types this many bytes for the overflow step */

static volatile u32 irqs, rx_in_irq, not_rx;
static char line[LINE_MAX + 1];
static volatile u32 len;
static volatile bool line_done;

static void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	*(volatile u32 *)(IOAPIC_BASE + IOWIN) = val;
}

/* A byte of the line: '\r' or '\n' ends it. */
static void take(u8 c)
{
	if (line_done)
		return;
	if (c == '\r' || c == '\n') {
		line[len] = '\0';
		line_done = true;
	} else if (len < LINE_MAX) {
		line[len++] = (char)c;
	}
}

/* The 16550 way: IIR names the source; read RBR while LSR.DR says a byte waits. */
static void on_uart(struct rt_frame *f)
{
	u8 id;

	(void)f;
	rt_atomic_inc(&irqs);
	while (!((id = rt_inb(COM1 + IIR)) & IIR_NONE)) {
		if ((id & IIR_ID_MASK) != IIR_RX_DATA) {
			rt_atomic_inc(&not_rx);
			break;
		}
		while (rt_inb(COM1 + LSR) & LSR_DR) {
			take(rt_inb(COM1 + RBR));
			rt_atomic_inc(&rx_in_irq);
		}
	}
}

static void on_timer(struct rt_frame *f)
{
	(void)f;
}

/*
 * A millisecond halted, as a driver polling on a timer tick waits: the vCPU blocks, so Kestrel's
 * loop prints the lines written so far (a vCPU that never blocks is printed when it does).
 */
static void nap(void)
{
	rt_timer_deadline(rt_rdtsc() + rt_tsc_from_us(1000), VEC_TIMER);
	rt_cli();
	rt_sti_hlt();
	rt_timer_stop();
}

static void reset_line(void)
{
	len = 0;
	line_done = false;
	line[0] = '\0';
}

static void test_irq(const char *expect, u64 wait)
{
	u64 until;

	rt_test_begin("uart-input-irq");
	reset_line();
	rt_irq_install(VEC_UART, on_uart);
	rt_outb(COM1 + FCR, 0x07); /* FIFOs on and cleared */
	rt_outb(COM1 + MCR, MCR_OUT2); /* the IRQ line on a PC */
	ioapic_write(RTE_LOW(UART_PIN) + 1, rt_apic_id() << 24);
	ioapic_write(RTE_LOW(UART_PIN), VEC_UART); /* edge, active high, unmasked */
	rt_outb(COM1 + IER, IER_RX_DATA);
	rt_printf("uart-input: ready for a line by interrupt\n");
	/* Halted, as an OS waits for input: the pCPU idles, and Kestrel reads its port there. */
	until = rt_rdtsc() + wait;
	rt_timer_deadline(until, VEC_TIMER);
	rt_cli();
	while (!line_done && rt_rdtsc() < until) {
		rt_sti_hlt();
		rt_cli();
	}
	rt_sti();
	rt_timer_stop();
	rt_outb(COM1 + IER, 0);
	ioapic_write(RTE_LOW(UART_PIN), RTE_MASKED | VEC_UART);
	rt_printf("uart-input: got '%s' by %u interrupts (%u bytes read in the handler)\n", line,
		  irqs, rx_in_irq);
	if (rt_check(line_done, "no line within %lu TSC ticks (%u bytes: '%s')", wait, len, line)) {
		rt_check(!strcmp(line, expect), "the line is '%s', typed '%s'", line, expect);
		rt_check(irqs >= 1, "no interrupt");
		rt_check(rx_in_irq == strlen(expect) + 1, "%u bytes read in the handler, not %zu",
			 rx_in_irq, strlen(expect) + 1);
	}
	rt_check(!not_rx, "%u interrupts with another source in IIR", not_rx);
	rt_test_end();
}

static void test_polled(u64 wait)
{
	u32 before = rt_atomic_load(&irqs);
	u64 until;

	rt_test_begin("uart-input-polled");
	reset_line();
	rt_printf("uart-input: ready for a line by polling\n");
	until = rt_rdtsc() + wait;
	while (!line_done && rt_rdtsc() < until) {
		if (rt_inb(COM1 + LSR) & LSR_DR)
			take(rt_inb(COM1 + RBR));
		else
			nap();
	}
	rt_printf("uart-input: got '%s' by polling\n", line);
	if (rt_check(line_done, "no line within %lu TSC ticks (%u bytes: '%s')", wait, len, line))
		rt_check(!strcmp(line, "polled-line"), "the line is '%s'", line);
	rt_check(rt_atomic_load(&irqs) == before, "%u interrupts with the receive interrupt off",
		 rt_atomic_load(&irqs) - before);
	rt_test_end();
}

/* Nobody reads: the FIFO keeps the first 16 of the bytes typed, in order; the rest is dropped. */
static void test_overflow(u64 wait)
{
	u64 until;
	u32 n = 0;
	bool in_order = true;

	rt_test_begin("uart-input-overflow");
	rt_printf("uart-input: ready for %u bytes unread\n", OVERFLOW_SENT);
	until = rt_rdtsc() + wait;
	while (!(rt_inb(COM1 + LSR) & LSR_DR) && rt_rdtsc() < until)
		nap();
	/* The rest come a byte per serial character time (under a ms): give them far more. */
	for (u32 i = 0; i < 500; i++)
		nap();
	while ((rt_inb(COM1 + LSR) & LSR_DR) && n < 2 * OVERFLOW_SENT) {
		u8 c = rt_inb(COM1 + RBR);

		in_order &= c == (u8)('a' + n % 26);
		n++;
	}
	rt_printf("uart-input: %u bytes in the receive FIFO\n", n);
	rt_check(n == FIFO_DEPTH, "%u bytes in the FIFO, not %u", n, FIFO_DEPTH);
	rt_check(in_order, "the FIFO does not hold the first bytes typed, in order");
	rt_test_end();
}

/* COM2, which a VM does not have: its ports read all ones, and Kestrel records the touch. */
static void test_no_com2(void)
{
	rt_test_begin("uart-input-no-com2");
	rt_check(rt_inb(0x2f9) == 0xff, "COM2's IER reads %#x, not all ones", rt_inb(0x2f9));
	rt_outb(0x2fb, 0x80); /* COM2's LCR: dropped */
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	char expect[LINE_MAX + 1] = "hello-kestrel";
	u64 wait = rt_tsc_from_us(rt_cmdline_u64("wait_ms", 60000) * 1000);

	(void)boot;
	rt_cmdline_str("expect", expect, sizeof(expect));
	rt_irq_install(VEC_TIMER, on_timer);
	rt_sti();
	test_no_com2();
	test_irq(expect, wait);
	if (rt_cmdline_u64("polled", 1)) {
		test_polled(wait);
		test_overflow(wait);
	}
}
