// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/cmdline.c: splitting command lines into words and the hypervisor's options. */
#include "unit.h"
#include "hv/cmdline.h"

static struct hv_config cfg;
static struct hv_config_errors errs;

/* Asserts the next word is key (and value, or a bare key when value is NULL). */
static void expect_word(const char **cur, const char *key, const char *value)
{
	struct cmdline_word w;
	bool sep = true;

	assert_true(cmdline_next(cur, &w, &sep));
	assert_false(sep);
	assert_int_equal(w.key_len, strlen(key));
	assert_memory_equal(w.key, key, w.key_len);
	if (!value) {
		assert_null(w.value);
		assert_int_equal(w.value_len, 0);
	} else {
		assert_non_null(w.value);
		assert_int_equal(w.value_len, strlen(value));
		assert_memory_equal(w.value, value, w.value_len);
	}
}

static void expect_end(const char **cur, bool separator, const char *rest)
{
	struct cmdline_word w;
	bool sep = !separator;

	assert_false(cmdline_next(cur, &w, &sep));
	assert_int_equal(sep, separator);
	assert_string_equal(*cur, rest);
}

static void test_words(void **state)
{
	const char *cur = " \t a=1\tbare  empty= =novalue d=e=f --x\r\n";

	(void)state;
	expect_word(&cur, "a", "1");
	expect_word(&cur, "bare", NULL);
	expect_word(&cur, "empty", "");
	expect_word(&cur, "", "novalue");
	expect_word(&cur, "d", "e=f"); /* the first '=' splits */
	expect_word(&cur, "--x", NULL); /* not a separator */
	expect_end(&cur, false, "");
	expect_end(&cur, false, ""); /* and stays there */
}

static void test_separator(void **state)
{
	const char *cur = "x --  guest args -- more";
	const char *empty = "   ", *null = NULL, *last = "a --";
	struct cmdline_word w;

	(void)state;
	expect_word(&cur, "x", NULL);
	expect_end(&cur, true, "guest args -- more");
	expect_word(&cur, "guest", NULL); /* the rest can be split in turn */
	expect_word(&cur, "args", NULL);
	expect_end(&cur, true, "more");

	expect_end(&empty, false, "");
	assert_false(cmdline_next(&null, &w, NULL));
	expect_word(&last, "a", NULL);
	assert_false(cmdline_next(&last, &w, NULL)); /* a NULL saw_separator is fine */
	assert_string_equal(last, "");
}

static void test_key_value_is(void **state)
{
	const char *cur = "console=com1 console";
	struct cmdline_word w;

	(void)state;
	assert_true(cmdline_next(&cur, &w, NULL));
	assert_true(cmdline_key_is(&w, "console"));
	assert_false(cmdline_key_is(&w, "consol"));
	assert_false(cmdline_key_is(&w, "console="));
	assert_true(cmdline_value_is(&w, "com1"));
	assert_false(cmdline_value_is(&w, "com"));
	assert_false(cmdline_value_is(&w, "com12"));
	assert_true(cmdline_next(&cur, &w, NULL));
	assert_false(cmdline_value_is(&w, "")); /* a bare key has no value, not an empty one */
}

static void parse_ok(const char *line)
{
	assert_int_equal(hv_config_parse(line, &cfg, &errs), 0);
	assert_int_equal(errs.nr, 0);
}

static void test_defaults(void **state)
{
	static const char *const lines[] = {
		NULL, "", " \t ", "/boot/kestrel.elf", "-- console=x",
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(lines); i++) {
		memset(&cfg, 0xa5, sizeof(cfg));
		parse_ok(lines[i]);
		assert_int_equal(cfg.console, CONSOLE_COM1 | CONSOLE_SCREEN);
		assert_int_equal(cfg.loglevel, LOG_INFO);
		assert_int_equal(cfg.maxcpus, 0);
		assert_false(cfg.stats_timing);
	}
}

/* preemption_timer=off forces the host LAPIC timer; auto (the default) uses the VMX one. */
static void test_preemption_timer(void **state)
{
	(void)state;
	parse_ok("");
	assert_false(cfg.no_preemption_timer);
	parse_ok("preemption_timer=off");
	assert_true(cfg.no_preemption_timer);
	parse_ok("preemption_timer=off preemption_timer=auto");
	assert_false(cfg.no_preemption_timer);
	assert_int_equal(hv_config_parse("preemption_timer=no", &cfg, &errs), 1);
	assert_false(cfg.no_preemption_timer);
	assert_int_equal(hv_config_parse("preemption_timer", &cfg, &errs), 1);
}

/* poison=on turns the frame and heap poisoning on; off by default. */
static void test_poison(void **state)
{
	(void)state;
	parse_ok("");
	assert_false(cfg.poison);
	parse_ok("poison=on");
	assert_true(cfg.poison);
	parse_ok("poison=on poison=off");
	assert_false(cfg.poison);
	assert_int_equal(hv_config_parse("poison=yes", &cfg, &errs), 1);
	assert_int_equal(hv_config_parse("poison", &cfg, &errs), 1);
}

/* stats=timing turns exit timing on, stats=counts (the default) off; nothing else is taken. */
static void test_stats(void **state)
{
	(void)state;
	parse_ok("stats=timing");
	assert_true(cfg.stats_timing);
	parse_ok("stats=timing stats=counts");
	assert_false(cfg.stats_timing);
	assert_int_equal(hv_config_parse("stats=time", &cfg, &errs), 1);
	assert_false(cfg.stats_timing);
	assert_int_equal(hv_config_parse("stats", &cfg, &errs), 1);
}

static void test_valid_values(void **state)
{
	static const struct {
		const char *line;
		u32 console;
		enum log_level loglevel;
		u32 maxcpus;
	} cases[] = {
		{ "console=none", CONSOLE_NONE, LOG_INFO, 0 },
		{ "console=com2 loglevel=err", CONSOLE_COM2, LOG_ERR, 0 },
		{ "console=com3 loglevel=warn maxcpus=1", CONSOLE_COM3, LOG_WARN, 1 },
		{ "console=com4 loglevel=debug maxcpus=1024", CONSOLE_COM4, LOG_DEBUG, 1024 },
		{ "loglevel=0 maxcpus=0x10", CONSOLE_DEFAULT, LOG_ERR, 16 },
		{ "loglevel=3", CONSOLE_DEFAULT, LOG_DEBUG, 0 },
		{ "/boot/kestrel.elf\tloglevel=1  console=com1", CONSOLE_COM1, LOG_WARN, 0 },
		{ "loglevel=err loglevel=2 console=none console=com2", CONSOLE_COM2, LOG_INFO, 0 },
		{ "console=none -- console=bogus loglevel=9", CONSOLE_NONE, LOG_INFO, 0 },
		{ "console=vga", CONSOLE_SCREEN, LOG_INFO, 0 },
		{ "console=com1,vga", CONSOLE_COM1 | CONSOLE_SCREEN, LOG_INFO, 0 },
		{ "console=vga,com2,com4", CONSOLE_SCREEN | CONSOLE_COM2 | CONSOLE_COM4, LOG_INFO,
		  0 },
		{ "console=com1,com2,com3,com4,vga", 0x1f, LOG_INFO, 0 },
		{ "console=com3,com3", CONSOLE_COM3, LOG_INFO, 0 },
		{ "console=none,vga", CONSOLE_SCREEN, LOG_INFO, 0 },
		{ "console=vga console=com2", CONSOLE_COM2, LOG_INFO, 0 }, /* the last word wins */
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		parse_ok(cases[i].line);
		assert_int_equal(cfg.console, cases[i].console);
		assert_int_equal(cfg.loglevel, cases[i].loglevel);
		assert_int_equal(cfg.maxcpus, cases[i].maxcpus);
	}
}

/* Each bad word is reported, named in its message, and leaves its setting alone. */
static void test_bad_values(void **state)
{
	static const char *const bad[] = {
		"console=com5", "console", "console=", "console=COM1", "loglevel=4",
		"loglevel=", "loglevel", "loglevel=info2", "maxcpus=0", "maxcpus=1025",
		"maxcpus=12x", "maxcpus=-1", "maxcpus=18446744073709551617", "maxcpus",
		"foo", "foo=bar", "Console=com2", "=", "console=com1,", "console=,vga",
		"console=com1,,vga", "console=com1,VGA", "console=vga,com5", "console=com1;vga",
		"console=screen", "console=,",
	};
	char line[128], want[64];

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), "maxcpus=2 %s loglevel=debug", bad[i]);
		assert_int_equal(hv_config_parse(line, &cfg, &errs), 1);
		assert_int_equal(errs.nr, 1);
		snprintf(want, sizeof(want), "'%s': ", bad[i]);
		assert_memory_equal(errs.msg[0], want, strlen(want));
		assert_int_equal(cfg.console, CONSOLE_DEFAULT); /* a bad list applies in no part */
		assert_int_equal(cfg.loglevel, LOG_DEBUG);
		assert_int_equal(cfg.maxcpus, 2);
	}
}

static void test_many_errors(void **state)
{
	static struct {
		struct hv_config_errors errs;
		char canary[64];
	} guarded;
	char line[512] = "", word[16];

	(void)state;
	for (int i = 0; i < HV_CONFIG_MAX_ERRORS + 5; i++) {
		snprintf(word, sizeof(word), "bad%d ", i);
		strcat(line, word);
	}
	strcat(line, "console=com3");
	memset(guarded.canary, 0x5a, sizeof(guarded.canary));
	assert_int_equal(hv_config_parse(line, &cfg, &guarded.errs), HV_CONFIG_MAX_ERRORS + 5);
	assert_int_equal(guarded.errs.nr, HV_CONFIG_MAX_ERRORS + 5);
	assert_string_equal(guarded.errs.msg[0], "'bad0': unknown option");
	snprintf(word, sizeof(word), "'bad%d'", HV_CONFIG_MAX_ERRORS - 1);
	assert_memory_equal(guarded.errs.msg[HV_CONFIG_MAX_ERRORS - 1], word, strlen(word));
	for (size_t i = 0; i < sizeof(guarded.canary); i++)
		assert_int_equal((u8)guarded.canary[i], 0x5a);
	assert_int_equal(cfg.console, CONSOLE_COM3);
}

static void test_long_word(void **state)
{
	char line[300];

	(void)state;
	memset(line, 'z', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(hv_config_parse(line, &cfg, &errs), 1);
	assert_true(strlen(errs.msg[0]) < HV_CONFIG_ERROR_LEN);
	assert_memory_equal(errs.msg[0], "'zzzz", 5);
	assert_non_null(strstr(errs.msg[0], "unknown option"));
}

static void test_log_level_name(void **state)
{
	(void)state;
	assert_string_equal(log_level_name(LOG_ERR), "err");
	assert_string_equal(log_level_name(LOG_WARN), "warn");
	assert_string_equal(log_level_name(LOG_INFO), "info");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(log_level_name((enum log_level)4), "?");
	assert_string_equal(log_level_name((enum log_level)-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_separator),
		cmocka_unit_test(test_key_value_is),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_preemption_timer),
		cmocka_unit_test(test_poison),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_long_word),
		cmocka_unit_test(test_log_level_name),
	};

	return unit_run(tests);
}
