// SPDX-License-Identifier: GPL-2.0
/* Splits command lines into words and parses the hypervisor's options; pure logic, unit-tested. */
#include "hv/cmdline.h"
#include "lib/cpuset.h"
#include "lib/format.h"
#include "lib/string.h"

_Static_assert(CPUSET_MAX == 1024, "the maxcpus= message says 1 to 1024");

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next(const char **cursor, struct cmdline_word *w, bool *saw_separator)
{
	const char *p = *cursor, *start, *eq = NULL;

	if (saw_separator)
		*saw_separator = false;
	if (!p)
		return false;
	while (is_space(*p))
		p++;
	if (!*p) {
		*cursor = p;
		return false;
	}
	start = p;
	while (*p && !is_space(*p)) {
		if (*p == '=' && !eq)
			eq = p;
		p++;
	}
	if (p - start == 2 && start[0] == '-' && start[1] == '-') {
		while (is_space(*p))
			p++;
		*cursor = p;
		if (saw_separator)
			*saw_separator = true;
		return false;
	}
	w->key = start;
	w->key_len = (size_t)((eq ? eq : p) - start);
	w->value = eq ? eq + 1 : NULL;
	w->value_len = eq ? (size_t)(p - eq - 1) : 0;
	*cursor = p;
	return true;
}

bool cmdline_key_is(const struct cmdline_word *w, const char *key)
{
	return strlen(key) == w->key_len && !memcmp(w->key, key, w->key_len);
}

bool cmdline_value_is(const struct cmdline_word *w, const char *value)
{
	return w->value && strlen(value) == w->value_len && !memcmp(w->value, value, w->value_len);
}

const char *log_level_name(enum log_level l)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };

	return (unsigned int)l < ARRAY_SIZE(names) ? names[l] : "?";
}

static void error(struct hv_config_errors *errs, const struct cmdline_word *w, const char *why)
{
	size_t len = w->key_len + (w->value ? w->value_len + 1 : 0);

	if (errs->nr < HV_CONFIG_MAX_ERRORS)
		fmt_snprintf(errs->msg[errs->nr], HV_CONFIG_ERROR_LEN, "'%.*s': %s", (int)MIN(len, 40),
			     w->key, why);
	errs->nr++;
}

/* A comma list of sinks; "none" adds none. All of it is good or none of it applies. */
static bool parse_console(const struct cmdline_word *w, struct hv_config *cfg)
{
	static const struct {
		const char *name;
		u32 sink;
	} sinks[] = {
		{ "none", CONSOLE_NONE },	{ "com1", CONSOLE_COM1 }, { "com2", CONSOLE_COM2 },
		{ "com3", CONSOLE_COM3 },	{ "com4", CONSOLE_COM4 }, { "vga", CONSOLE_SCREEN },
	};
	const char *p = w->value, *end;
	u32 set = 0;

	if (!p)
		return false; /* "console" with no value */
	end = p + w->value_len;
	for (;;) {
		const char *comma = p;
		size_t len;
		u32 i;

		while (comma < end && *comma != ',')
			comma++;
		len = (size_t)(comma - p);

		for (i = 0; i < ARRAY_SIZE(sinks); i++)
			if (strlen(sinks[i].name) == len && !memcmp(p, sinks[i].name, len))
				break;
		if (i == ARRAY_SIZE(sinks))
			return false; /* unknown or empty */
		set |= sinks[i].sink;
		if (comma == end)
			break;
		p = comma + 1;
	}
	cfg->console = set;
	return true;
}

static bool parse_loglevel(const struct cmdline_word *w, struct hv_config *cfg)
{
	u64 v;

	for (u32 l = LOG_ERR; l <= LOG_DEBUG; l++) {
		if (cmdline_value_is(w, log_level_name((enum log_level)l))) {
			cfg->loglevel = (enum log_level)l;
			return true;
		}
	}
	if (w->value && str_to_u64(w->value, w->value_len, &v) && v <= LOG_DEBUG) {
		cfg->loglevel = (enum log_level)v;
		return true;
	}
	return false;
}

u32 hv_config_parse(const char *cmdline, struct hv_config *cfg, struct hv_config_errors *errs)
{
	struct cmdline_word w;
	const char *cur = cmdline;
	u64 v;

	cfg->console = CONSOLE_DEFAULT;
	cfg->loglevel = LOG_INFO;
	cfg->maxcpus = 0;
	cfg->slice_us = 2000;
	cfg->inject_skip_flush = false;
	cfg->ept_4k = false;
	cfg->selftest_exception = false;
	cfg->no_balance = false;
	cfg->stats_timing = false;
	cfg->no_preemption_timer = false;
	cfg->poison = false;
	errs->nr = 0;
	while (cmdline_next(&cur, &w, NULL)) {
		if (cmdline_key_is(&w, "console")) {
			if (!parse_console(&w, cfg))
				error(errs, &w, "console must be a comma list of com1, com2, com3, "
				      "com4, vga or none");
		} else if (cmdline_key_is(&w, "loglevel")) {
			if (!parse_loglevel(&w, cfg))
				error(errs, &w, "loglevel must be err, warn, info, debug or 0-3");
		} else if (cmdline_key_is(&w, "maxcpus")) {
			if (w.value && str_to_u64(w.value, w.value_len, &v) && v >= 1 && v <= CPUSET_MAX)
				cfg->maxcpus = (u32)v;
			else
				error(errs, &w, "maxcpus must be a number from 1 to 1024");
		} else if (cmdline_key_is(&w, "slice_us")) {
			if (w.value && str_to_u64(w.value, w.value_len, &v) && v >= 50 &&
			    v <= 1000000)
				cfg->slice_us = (u32)v;
			else
				error(errs, &w, "slice_us must be a number from 50 to 1000000");
		} else if (cmdline_key_is(&w, "inject")) {
			/* Fault injection, for tests that must show they can fail. */
			if (cmdline_value_is(&w, "skip-flush"))
				cfg->inject_skip_flush = true;
			else
				error(errs, &w, "inject must be skip-flush");
		} else if (cmdline_key_is(&w, "ept")) {
			if (cmdline_value_is(&w, "4k"))
				cfg->ept_4k = true;
			else if (!cmdline_value_is(&w, "auto"))
				error(errs, &w, "ept must be auto or 4k");
		} else if (cmdline_key_is(&w, "balance")) {
			if (cmdline_value_is(&w, "off"))
				cfg->no_balance = true;
			else if (!cmdline_value_is(&w, "on"))
				error(errs, &w, "balance must be on or off");
		} else if (cmdline_key_is(&w, "stats")) {
			if (cmdline_value_is(&w, "timing") || cmdline_value_is(&w, "counts"))
				cfg->stats_timing = cmdline_value_is(&w, "timing");
			else
				error(errs, &w, "stats must be counts or timing");
		} else if (cmdline_key_is(&w, "preemption_timer")) {
			if (cmdline_value_is(&w, "off"))
				cfg->no_preemption_timer = true;
			else if (cmdline_value_is(&w, "auto"))
				cfg->no_preemption_timer = false;
			else
				error(errs, &w, "preemption_timer must be auto or off");
		} else if (cmdline_key_is(&w, "poison")) {
			if (cmdline_value_is(&w, "on") || cmdline_value_is(&w, "off"))
				cfg->poison = cmdline_value_is(&w, "on");
			else
				error(errs, &w, "poison must be on or off");
		} else if (cmdline_key_is(&w, "selftest")) {
			if (cmdline_value_is(&w, "exception"))
				cfg->selftest_exception = true;
			else
				error(errs, &w, "selftest must be exception");
		} else if (w.key_len && w.key[0] == '/') {
			/* GRUB passes the kernel's own path as the first word. */
		} else {
			error(errs, &w, "unknown option");
		}
	}
	return errs->nr;
}
