/* SPDX-License-Identifier: GPL-2.0 */
/* Command lines: the words of GRUB's multiboot2/module2 lines, and the hypervisor's own options. */
#ifndef KESTREL_HV_CMDLINE_H
#define KESTREL_HV_CMDLINE_H

#include "lib/console.h"
#include "lib/types.h"

/* One word: "key=value" or a bare "key" (value NULL, value_len 0). Not NUL-terminated. */
struct cmdline_word {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/*
 * Returns the next word at *cursor and advances past it, or false at the end
 * or at a lone "--" (then *cursor points past the "--", at the rest of the
 * line, which belongs to someone else).
 */
bool cmdline_next(const char **cursor, struct cmdline_word *w, bool *saw_separator);
bool cmdline_key_is(const struct cmdline_word *w, const char *key);
bool cmdline_value_is(const struct cmdline_word *w, const char *value);

/* Where the console goes: a set of these bits (console=com1,vga). */
enum console_target {
	CONSOLE_COM1 = 1 << 0,
	CONSOLE_COM2 = 1 << 1,
	CONSOLE_COM3 = 1 << 2,
	CONSOLE_COM4 = 1 << 3,
	CONSOLE_SCREEN = 1 << 4, /* VGA text or the framebuffer GRUB set up */
};
#define CONSOLE_NONE 0u
#define CONSOLE_DEFAULT (CONSOLE_COM1 | CONSOLE_SCREEN) /* the screen only where there is one */

struct hv_config {
	u32 console; /* enum console_target bits */
	enum log_level loglevel;
	u32 maxcpus; /* 0: all */
	u32 slice_us; /* scheduler time slice */
	bool inject_skip_flush; /* inject=skip-flush: PV flushes skip every other target */
	bool ept_4k; /* ept=4k: map guest RAM with 4 KiB EPT pages only */
	bool no_balance; /* balance=off: vCPUs stay on the pCPU they were placed on */
	bool stats_timing; /* stats=timing: exit statistics also time each exit's round trip */
	bool no_preemption_timer; /* preemption_timer=off: deadlines on the host's LAPIC timer */
	bool selftest_exception; /* selftest=exception: take a #UD after boot (the panic path) */
	bool poison; /* poison=on: freed frames and heap blocks poisoned, checked when reused */
};

#define HV_CONFIG_MAX_ERRORS 8
#define HV_CONFIG_ERROR_LEN 96

struct hv_config_errors {
	u32 nr;
	char msg[HV_CONFIG_MAX_ERRORS][HV_CONFIG_ERROR_LEN];
};

/*
 * Parses the hypervisor's command line (NULL is an empty one) into cfg,
 * starting from the defaults. A word that is unknown or has a bad value is
 * skipped and described in errs; the rest still apply. Returns errs->nr.
 */
u32 hv_config_parse(const char *cmdline, struct hv_config *cfg, struct hv_config_errors *errs);
const char *log_level_name(enum log_level l);

#endif
