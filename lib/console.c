// SPDX-License-Identifier: GPL-2.0
/*
 * Console output: log levels, the "kestrel:" prefix, one lock so CPUs do not interleave, and
 * background records that slow devices take a little at a time (VMs' output).
 */
#include "lib/console.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static struct console_sink console_sinks[CONSOLE_MAX_SINKS];
static u32 console_nr_sinks;
static enum log_level console_lvl = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;

/* The background record in progress (console_start): how much of it each sink has taken. */
static struct {
	const char *s;
	size_t n;
	size_t done[CONSOLE_MAX_SINKS];
	void (*release)(void *ctx);
	void *ctx;
} rec;
volatile bool console_rec_active; /* a record is in progress (console.h) */

/* With the lock held: the rest of the record to every sink, waiting for each. */
static void rec_finish(void)
{
	if (!console_rec_active)
		return;
	for (u32 i = 0; i < console_nr_sinks; i++)
		if (rec.done[i] < rec.n)
			console_sinks[i].write(console_sinks[i].ctx, rec.s + rec.done[i],
					       rec.n - rec.done[i]);
	WRITE_ONCE(console_rec_active, false);
	rec.release(rec.ctx);
}

/* With the lock held: what each busy sink takes now; the record ends when all have it. */
static void rec_pump(void)
{
	bool all = true;

	for (u32 i = 0; i < console_nr_sinks; i++) {
		if (rec.done[i] == rec.n)
			continue;
		rec.done[i] += console_sinks[i].try_write(console_sinks[i].ctx, rec.s + rec.done[i],
							  rec.n - rec.done[i]);
		all &= rec.done[i] == rec.n;
	}
	if (all) {
		WRITE_ONCE(console_rec_active, false);
		rec.release(rec.ctx);
	}
}

bool console_start(const char *s, size_t n, void (*done)(void *ctx), void *ctx)
{
	u64 flags = spin_lock_irqsave(&console_lock);

	if (console_rec_active) {
		spin_unlock_irqrestore(&console_lock, flags);
		return false;
	}
	rec.s = s;
	rec.n = n;
	rec.release = done;
	rec.ctx = ctx;
	for (u32 i = 0; i < console_nr_sinks; i++) {
		rec.done[i] = 0;
		if (!console_sinks[i].try_write) {
			console_sinks[i].write(console_sinks[i].ctx, s, n);
			rec.done[i] = n;
		}
	}
	WRITE_ONCE(console_rec_active, true);
	rec_pump();
	spin_unlock_irqrestore(&console_lock, flags);
	return true;
}

bool console_pump(void)
{
	u64 flags;
	bool busy;

	if (!READ_ONCE(console_rec_active))
		return false; /* the common case: no lock */
	flags = spin_lock_irqsave(&console_lock);
	if (console_rec_active)
		rec_pump();
	busy = console_rec_active;
	spin_unlock_irqrestore(&console_lock, flags);
	return busy;
}

void console_finish(void)
{
	u64 flags;

	if (!READ_ONCE(console_rec_active))
		return;
	flags = spin_lock_irqsave(&console_lock);
	rec_finish();
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_set_sinks(const struct console_sink *sinks, u32 n)
{
	u64 flags = spin_lock_irqsave(&console_lock);

	rec_finish(); /* the sinks it counts bytes for are about to change */
	console_nr_sinks = MIN(n, (u32)CONSOLE_MAX_SINKS);
	for (u32 i = 0; i < console_nr_sinks; i++)
		console_sinks[i] = sinks[i];
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_set_level(enum log_level level)
{
	console_lvl = level;
}

enum log_level console_level(void)
{
	return console_lvl;
}

void console_write(const char *s, size_t n)
{
	u64 flags = spin_lock_irqsave(&console_lock);

	rec_finish(); /* a record half printed comes out whole, before this */
	for (u32 i = 0; i < console_nr_sinks; i++)
		console_sinks[i].write(console_sinks[i].ctx, s, n);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[LOG_ERR] = "kestrel: error: ",
		[LOG_WARN] = "kestrel: warning: ",
		[LOG_INFO] = "kestrel: ",
		[LOG_DEBUG] = "kestrel: debug: ",
	};
	char buf[320];
	size_t n;
	int len;

	if (level > console_lvl)
		return;
	n = str_copy(buf, prefix[level], sizeof(buf));
	len = fmt_vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	n += (size_t)MIN(len, (int)(sizeof(buf) - n - 2));
	if (n && buf[n - 1] != '\n')
		buf[n++] = '\n';
	console_write(buf, n);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void console_force_unlock(void)
{
	console_rec_active = false; /* its owner may be what died: no callback into it */
	console_lock.owner = console_lock.next;
}
