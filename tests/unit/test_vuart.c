// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vuart.c: a VM's UART output buffer, its records, LSR and drops. */
#include "unit.h"
#include "hv/dev/vuart.h"

#define LSR 5
#define THRE 0x20

static struct vuart u;

static void put_line(const char *s)
{
	while (*s)
		vuart_write(&u, 0, (u8)*s++);
	vuart_write(&u, 0, '\n');
}

/* The oldest record must be want; it is then consumed. */
static void expect_record(const char *want)
{
	const char *s;
	u32 n;

	assert_true(vuart_drain_begin(&u, &s, &n));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
	vuart_drain_done(&u);
}

static void test_lines_prefixed(void **state)
{
	const char *s;
	u32 n;

	(void)state;
	vuart_init(&u, "vm1");
	assert_false(vuart_pending(&u));
	put_line("hello");
	vuart_write(&u, 0, '\r'); /* dropped */
	vuart_write(&u, 0, 1); /* shown as '.' */
	vuart_write(&u, 0, 'x');
	vuart_end_line(&u);
	assert_true(vuart_pending(&u));
	/* One record at a time: a second pCPU gets none while the first prints. */
	assert_true(vuart_drain_begin(&u, &s, &n));
	assert_false(vuart_drain_begin(&u, &s, &n));
	vuart_drain_abort(&u);
	expect_record("vm1: hello\n");
	expect_record("vm1: .x\n");
	assert_false(vuart_pending(&u));
}

static void test_long_line_split(void **state)
{
	char line[VUART_LINE_MAX + 5];

	(void)state;
	vuart_init(&u, "a");
	memset(line, 'z', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	put_line(line);
	assert_true(vuart_pending(&u));
	{
		const char *s;
		u32 n;

		assert_true(vuart_drain_begin(&u, &s, &n));
		assert_int_equal(n, 3 + VUART_LINE_MAX + 1);
		vuart_drain_done(&u);
	}
	expect_record("a: zzzz\n");
}

/* Full: LSR says busy before a line could be lost; bytes written anyway are counted and said. */
static void test_full_drops_and_marker(void **state)
{
	char line[100];
	u32 lines = 0;

	(void)state;
	vuart_init(&u, "flood");
	memset(line, 'q', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	while (vuart_read(&u, LSR) & THRE) {
		put_line(line);
		lines++;
	}
	assert_true(lines > VUART_BUF_SIZE / 2 / (sizeof(line) + 8));
	assert_true(u.stalled);
	/* A guest that ignores THRE: the buffer fills, then whole lines are dropped. */
	for (u32 i = 0; i < 200; i++)
		put_line(line);
	assert_true(u.dropped > 0);
	assert_int_equal(u.dropped_total, u.dropped);
	assert_int_equal(u.dropped % sizeof(line), 0);
	/* Everything kept comes out whole, then the marker before the next line. */
	while (vuart_pending(&u)) {
		const char *s;
		u32 n;

		assert_true(vuart_drain_begin(&u, &s, &n));
		assert_int_equal(n, 7 + sizeof(line));
		assert_memory_equal(s, "flood: qqq", 10);
		assert_int_equal(s[n - 1], '\n');
		vuart_drain_done(&u);
	}
	assert_true(vuart_read(&u, LSR) & THRE);
	assert_false(u.stalled);
	{
		char marker[64];
		u64 dropped = u.dropped;

		put_line("after");
		snprintf(marker, sizeof(marker), "flood: [%lu bytes dropped]\nflood: after\n",
			 (unsigned long)dropped);
		expect_record(marker);
		assert_int_equal(u.dropped, 0);
	}
}

/* Records never straddle the end: one that does not fit starts again at 0. */
static void test_wraps_whole(void **state)
{
	char line[150];
	u32 wraps = 0;

	(void)state;
	vuart_init(&u, "w");
	memset(line, 'k', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	for (u32 i = 0; i < 50; i++) /* a backlog: the records go round the buffer */
		put_line(line);
	for (u32 round = 0; round < 1000; round++) {
		u32 k = 1 + round % 3;

		for (u32 i = 0; i < k; i++)
			put_line(line);
		wraps += u.wrapped;
		for (u32 i = 0; i < k; i++) {
			const char *s;
			u32 n;

			assert_true(vuart_drain_begin(&u, &s, &n));
			assert_int_equal(n, 3 + sizeof(line));
			assert_true(s >= u.buf && s + n <= u.buf + VUART_BUF_SIZE);
			assert_memory_equal(s, "w: kkk", 6);
			assert_int_equal(s[n - 1], '\n');
			vuart_drain_done(&u);
		}
	}
	assert_true(wraps > 0);
	assert_int_equal(u.dropped_total, 0);
}

#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define MCR_OUT2 0x08
#define IER_RDI 0x01
#define IER_THRI 0x02

/* The line the UART drives now, and whether it fell since the last look. */
static bool line(bool *fell)
{
	return vuart_irq(&u, fell);
}

/* Linux's 8250 probe: FIFOs enabled read back in IIR[7:6] ("is a 16550A", not a 16450). */
static void test_fifo_16550a(void **state)
{
	(void)state;
	vuart_init(&u, "vm1");
	assert_int_equal(vuart_read(&u, IIR), 0x01);
	vuart_write(&u, FCR, 0x01);
	assert_int_equal(vuart_read(&u, IIR), 0xc1);
	/* The TI16750 probe: bit 5 stays clear with and without DLAB. */
	vuart_write(&u, FCR, 0x21);
	assert_int_equal(vuart_read(&u, IIR) >> 5, 6);
	vuart_write(&u, LCR, 0x80);
	vuart_write(&u, FCR, 0x21);
	assert_int_equal(vuart_read(&u, IIR) >> 5, 6);
	vuart_write(&u, LCR, 0x03);
	vuart_write(&u, IER, 0xff);
	assert_int_equal(vuart_read(&u, IER), 0x0f);
	vuart_write(&u, IER, 0x00);
	vuart_write(&u, FCR, 0x00);
	assert_int_equal(vuart_read(&u, IIR), 0x01);
}

/*
 * THRE interrupt (PC16550D, "FIFO interrupt mode operation"): pending while the transmitter is
 * empty and IER enables it; reading IIR (when it is the source) or writing THR clears it; it
 * comes back as soon as THR is empty again, which here is at once. Linux's THRE test in
 * serial8250_do_startup toggles IER and reads IIR twice.
 */
static void test_thre_interrupt(void **state)
{
	bool fell;

	(void)state;
	vuart_init(&u, "vm1");
	vuart_write(&u, MCR, MCR_OUT2);
	assert_false(line(&fell));
	vuart_write(&u, IER, IER_THRI);
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_int_equal(vuart_read(&u, IIR), 0x01); /* read clears it */
	vuart_write(&u, IER, 0);
	vuart_write(&u, IER, IER_THRI); /* re-enabled while idle: asserted again */
	assert_int_equal(vuart_read(&u, IIR), 0x02);
	assert_false(line(&fell));
	/* A byte written: THR empties at once and THRE rises. */
	vuart_write(&u, 0, 'x');
	assert_true(line(&fell));
	assert_false(fell);
	/* Another, THRE still pending: the line falls and rises again (an edge for the I/O APIC). */
	vuart_write(&u, 0, 'y');
	assert_true(line(&fell));
	assert_true(fell);
	assert_true(line(&fell));
	assert_false(fell);
	/* OUT2 gates the line on a PC. */
	vuart_write(&u, MCR, 0);
	assert_false(line(&fell));
	vuart_write(&u, IER, 0);
	vuart_write(&u, MCR, MCR_OUT2);
	assert_false(line(&fell));
}

/* THRE while the buffer is full: not pending until a record is printed. */
static void test_thre_after_drain(void **state)
{
	bool fell;

	(void)state;
	vuart_init(&u, "vm1");
	vuart_write(&u, MCR, MCR_OUT2);
	while (vuart_read(&u, LSR) & THRE)
		put_line("fill fill fill fill fill fill fill fill fill fill fill fill fill");
	vuart_write(&u, IER, IER_THRI);
	assert_int_equal(vuart_read(&u, IIR), 0x01);
	assert_false(line(&fell));
	/* Printing records makes room: THRE rises with the one that leaves room for a line. */
	for (u32 i = 0; !(vuart_read(&u, LSR) & THRE); i++) {
		assert_false(line(&fell));
		assert_true(i < 8);
		expect_record("vm1: fill fill fill fill fill fill fill fill fill fill fill fill fill\n");
	}
	assert_true(line(&fell));
	assert_int_equal(vuart_read(&u, IIR), 0x02);
}

/* Received bytes: DR in LSR, IIR 0x04 while IER asks for it, above THRE in priority. */
static void test_receive(void **state)
{
	bool fell;

	(void)state;
	vuart_init(&u, "vm1");
	vuart_write(&u, MCR, MCR_OUT2);
	assert_false(vuart_read(&u, LSR) & 0x01);
	assert_true(vuart_receive(&u, 'a'));
	assert_true(vuart_receive(&u, 'b'));
	assert_true(vuart_read(&u, LSR) & 0x01);
	assert_false(line(&fell));
	vuart_write(&u, IER, IER_RDI | IER_THRI);
	assert_true(line(&fell));
	assert_int_equal(vuart_read(&u, IIR), 0x04);
	assert_int_equal(vuart_read(&u, 0), 'a');
	assert_int_equal(vuart_read(&u, 0), 'b');
	assert_int_equal(vuart_read(&u, IIR), 0x02); /* then THRE */
	assert_false(vuart_read(&u, LSR) & 0x01);
	assert_false(line(&fell));
	/* A full FIFO refuses more (the console keeps it), reading with DLAB set gives DLL. */
	for (u32 i = 0; i < VUART_RX_FIFO; i++)
		assert_true(vuart_receive(&u, (u8)i));
	assert_false(vuart_receive(&u, 'z'));
	vuart_write(&u, LCR, 0x83);
	vuart_write(&u, 0, 0x01);
	assert_int_equal(vuart_read(&u, 0), 0x01);
	vuart_write(&u, LCR, 0x03);
	assert_int_equal(vuart_read(&u, 0), 0);
	/* FCR bit 1 empties the receive FIFO. */
	vuart_write(&u, FCR, 0x03);
	assert_false(vuart_read(&u, LSR) & 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_prefixed),
		cmocka_unit_test(test_long_line_split),
		cmocka_unit_test(test_full_drops_and_marker),
		cmocka_unit_test(test_wraps_whole),
		cmocka_unit_test(test_fifo_16550a),
		cmocka_unit_test(test_thre_interrupt),
		cmocka_unit_test(test_thre_after_drain),
		cmocka_unit_test(test_receive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
