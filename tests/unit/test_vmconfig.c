// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/vmconfig.c: VMs from module2 lines, every word, every error, extra modules. */
#include "unit.h"
#include "hv/vmconfig.h"

#define CPUS_WHY "must list pCPUs 0 to 1023, as in cpus=0-3,6"


/* The set's first word is word0; every other word is rest (0, or ~0 for "all"). */
static void assert_cpus(const struct cpuset *set, u64 word0, u64 rest)
{
	assert_int_equal(set->bits[0], word0);
	for (u32 i = 1; i < CPUSET_WORDS; i++)
		assert_int_equal(set->bits[i], rest);
}

static struct boot_info bi;
static struct vm_config out[VMCONFIG_MAX + 1];

/* A boot_info whose modules have these command lines (NULL ends the list). */
static u32 parse_lines(const char *const *lines)
{
	memset(&bi, 0, sizeof(bi));
	memset(out, 0x5a, sizeof(out));
	for (u32 i = 0; lines[i]; i++) {
		assert_true(i < MB2_MAX_MODULES);
		bi.modules[i].start = 0x1000000 + i * 0x100000;
		bi.modules[i].end = bi.modules[i].start + 0x1000;
		bi.modules[i].cmdline = lines[i];
		bi.nr_modules = i + 1;
	}
	return vmconfig_parse(&bi, out, VMCONFIG_MAX);
}

/* One line; the one entry it gives. */
static const struct vm_config *parse_one(const char *line)
{
	const char *lines[] = { line, NULL };

	assert_int_equal(parse_lines(lines), 1);
	return &out[0];
}

static void assert_defaults(const struct vm_config *c)
{
	assert_int_equal(c->vcpus, 1);
	assert_int_equal(c->mem, 32 * MiB);
	assert_true(c->pv);
	assert_cpus(&c->cpus, ~(u64)0, ~(u64)0);
}

static void assert_ok(const struct vm_config *c, const char *name)
{
	if (!c->ok)
		print_message("unexpected error: %s\n", c->error);
	assert_true(c->ok);
	assert_string_equal(c->name, name);
	assert_string_equal(c->error, "");
}

static void assert_error(const struct vm_config *c, const char *name, const char *error)
{
	if (strcmp(c->error, error))
		print_message("error '%s', expected '%s'\n", c->error, error);
	assert_false(c->ok);
	assert_string_equal(c->name, name);
	assert_string_equal(c->error, error);
}

/* The example of hv/vmconfig.h, as GRUB hands it over (the words after the file name). */
static void test_design_example(void **state)
{
	static const char *const lines[] = {
		"vm=demo vcpus=4 mem=64M -- demo.elf rounds=100",
		"vm=second vcpus=4 mem=64M pv=off cpus=0-1",
		"vm=second",
		NULL,
	};

	(void)state;
	assert_int_equal(parse_lines(lines), 2);
	assert_ok(&out[0], "demo");
	assert_int_equal(out[0].vcpus, 4);
	assert_int_equal(out[0].mem, 64 * MiB);
	assert_true(out[0].pv);
	assert_cpus(&out[0].cpus, ~(u64)0, ~(u64)0);
	assert_int_equal(out[0].kernel, 0);
	assert_string_equal(out[0].cmdline, "demo.elf rounds=100");
	assert_int_equal(out[0].cmdline_len, strlen("demo.elf rounds=100"));
	assert_int_equal(out[0].nr_extra, 0);

	assert_ok(&out[1], "second");
	assert_int_equal(out[1].vcpus, 4);
	assert_int_equal(out[1].mem, 64 * MiB);
	assert_false(out[1].pv);
	assert_cpus(&out[1].cpus, 0x3, 0);
	assert_int_equal(out[1].kernel, 1);
	assert_string_equal(out[1].cmdline, "");
	assert_int_equal(out[1].cmdline_len, 0);
	assert_int_equal(out[1].nr_extra, 1);
	assert_int_equal(out[1].extra[0], 2);
}

/* Older GRUBs pass the file name first: skipped when it starts with '/' or '('. */
static void test_path_skipped(void **state)
{
	static const char *const lines[] = {
		"/guests/demo.elf  vm=demo vcpus=4 mem=64M -- demo.elf rounds=100",
		"(hd0,msdos1)/guests/b.elf vm=b pv=off",
		"/guests/data.bin vm=demo",
		NULL,
	};
	const struct vm_config *c;

	(void)state;
	assert_int_equal(parse_lines(lines), 2);
	assert_ok(&out[0], "demo");
	assert_int_equal(out[0].vcpus, 4);
	assert_string_equal(out[0].cmdline, "demo.elf rounds=100");
	assert_int_equal(out[0].nr_extra, 1);
	assert_int_equal(out[0].extra[0], 2);
	assert_ok(&out[1], "b");
	assert_false(out[1].pv);
	/* Only the first word is a path; a later one is a word like any other. */
	c = parse_one("vm=a /guests/x.elf");
	assert_error(c, "a", "vm a: unknown word '/guests/x.elf'");
	c = parse_one("/guests/x.elf");
	assert_error(c, "", "module 1: no vm= word");
}

static void test_defaults(void **state)
{
	const struct vm_config *c;

	(void)state;
	c = parse_one("vm=a --");
	assert_ok(c, "a");
	assert_defaults(c);
	assert_string_equal(c->cmdline, "");
	c = parse_one("vm=a vcpus=1");
	assert_ok(c, "a");
	assert_defaults(c);
	assert_int_equal(c->nr_extra, 0);
}

static void test_word_forms(void **state)
{
	static const struct {
		const char *line;
		u32 vcpus;
		u64 mem;
		bool pv;
		u64 cpus, rest; /* the cpus= set's first word, and every other word */
	} cases[] = {
		{ "vm=a vcpus=1024", 1024, 32 * MiB, true, ~0ull, ~0ull },
		{ "vm=a vcpus=0x10", 16, 32 * MiB, true, ~0ull, ~0ull },
		{ "vm=a mem=2M", 1, 2 * MiB, true, ~0ull, ~0ull },
		{ "vm=a mem=2048K", 1, 2 * MiB, true, ~0ull, ~0ull },
		{ "vm=a mem=6m", 1, 6 * MiB, true, ~0ull, ~0ull },
		{ "vm=a mem=1G", 1, GiB, true, ~0ull, ~0ull },
		{ "vm=a mem=1024g", 1, 1024 * GiB, true, ~0ull, ~0ull },
		{ "vm=a mem=0x400000", 1, 4 * MiB, true, ~0ull, ~0ull },
		{ "vm=a mem=4194304", 1, 4 * MiB, true, ~0ull, ~0ull },
		{ "vm=a pv=on", 1, 32 * MiB, true, ~0ull, ~0ull },
		{ "vm=a pv=off", 1, 32 * MiB, false, ~0ull, ~0ull },
		{ "vm=a cpus=0", 1, 32 * MiB, true, 0x1, 0 },
		{ "vm=a cpus=63", 1, 32 * MiB, true, BIT(63), 0 },
		{ "vm=a cpus=0-63", 1, 32 * MiB, true, ~0ull, 0 },
		{ "vm=a cpus=0-3,6", 1, 32 * MiB, true, 0x4f, 0 },
		{ "vm=a cpus=0-1023", 1, 32 * MiB, true, ~0ull, ~0ull },
		{ "vm=a cpus=64", 1, 32 * MiB, true, 0, 0 }, /* test_cpus_past_64 checks it */
		{ "vm=a cpus=5-5,1,3", 1, 32 * MiB, true, 0x2a, 0 },
		{ "vm=a cpus=2,2,1-2", 1, 32 * MiB, true, 0x6, 0 },
		{ "pv=off cpus=1 vm=a mem=4M vcpus=3", 3, 4 * MiB, false, 0x2, 0 },
		{ "vm=A_b-9 vcpus=2", 2, 32 * MiB, true, ~0ull, ~0ull },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct vm_config *c = parse_one(cases[i].line);

		assert_ok(c, i == ARRAY_SIZE(cases) - 1 ? "A_b-9" : "a");
		assert_int_equal(c->vcpus, cases[i].vcpus);
		assert_int_equal(c->mem, cases[i].mem);
		assert_int_equal(c->pv, cases[i].pv);
		assert_int_equal(c->kvm, cases[i].pv); /* on offers both interfaces, off neither */
		if (strcmp(cases[i].line, "vm=a cpus=64"))
			assert_cpus(&c->cpus, cases[i].cpus, cases[i].rest);
	}
}

/* strict_mmio= is off unless asked for (unbacked memory reads all ones); on/off only, once. */
static void test_strict_mmio_word(void **state)
{
	(void)state;
	assert_false(parse_one("vm=a")->strict_mmio);
	assert_true(parse_one("vm=a strict_mmio=on")->strict_mmio);
	assert_false(parse_one("vm=a strict_mmio=off")->strict_mmio);
	assert_false(parse_one("vm=a debug=on")->strict_mmio);
	assert_false(parse_one("vm=a strict_mmio=on")->debug);
	assert_error(parse_one("vm=a strict_mmio=1"), "a", "vm a: strict_mmio=1: must be on or off");
	assert_error(parse_one("vm=a strict_mmio=on strict_mmio=off"), "a",
		     "vm a: strict_mmio= given twice");
}

/* ept= is on unless asked for (shadow page tables with off); on/off only, once. */
static void test_ept_word(void **state)
{
	(void)state;
	assert_false(parse_one("vm=a")->ept_off);
	assert_true(parse_one("vm=a ept=off")->ept_off);
	assert_false(parse_one("vm=a ept=on")->ept_off);
	assert_false(parse_one("vm=a ept=off")->strict_mmio);
	assert_error(parse_one("vm=a ept=shadow"), "a", "vm a: ept=shadow: must be on or off");
	assert_error(parse_one("vm=a ept=off ept=on"), "a", "vm a: ept= given twice");
}

/* apicv= is on unless turned off (it is used only where the CPU has it). */
static void test_apicv_word(void **state)
{
	(void)state;
	assert_true(parse_one("vm=a")->apicv);
	assert_true(parse_one("vm=a apicv=on")->apicv);
	assert_false(parse_one("vm=a apicv=off")->apicv);
	assert_true(parse_one("vm=a strict_mmio=on debug=on")->apicv);
	assert_false(parse_one("vm=a apicv=off")->strict_mmio);
	assert_error(parse_one("vm=a apicv=no"), "a", "vm a: apicv=no: must be on or off");
	assert_error(parse_one("vm=a apicv=off apicv=off"), "a", "vm a: apicv= given twice");
}

/* console=on asks for the console's input focus at boot; on/off only, once; off by default. */
static void test_console_word(void **state)
{
	(void)state;
	assert_false(parse_one("vm=a")->console);
	assert_true(parse_one("vm=a console=on")->console);
	assert_false(parse_one("vm=a console=off")->console);
	assert_false(parse_one("vm=a console=on")->strict_mmio);
	assert_error(parse_one("vm=a console=yes"), "a", "vm a: console=yes: must be on or off");
	assert_error(parse_one("vm=a console=on console=on"), "a", "vm a: console= given twice");
}

/* debug= is off unless asked for; on/off only, once. */
static void test_debug_word(void **state)
{
	(void)state;
	assert_false(parse_one("vm=a")->debug);
	assert_true(parse_one("vm=a debug=on")->debug);
	assert_false(parse_one("vm=a debug=off")->debug);
	assert_error(parse_one("vm=a debug=yes"), "a", "vm a: debug=yes: must be on or off");
	assert_error(parse_one("vm=a debug=on debug=on"), "a", "vm a: debug= given twice");
}

/* pCPUs past 63 (cpus= was one u64 once): each bit lands in its own word. */
static void test_cpus_past_64(void **state)
{
	const struct vm_config *c = parse_one("vm=a cpus=64,127-128,1000-1023");

	(void)state;
	assert_ok(c, "a");
	assert_int_equal(c->cpus.bits[0], 0);
	assert_int_equal(c->cpus.bits[1], BIT(0) | BIT(63));
	assert_int_equal(c->cpus.bits[2], BIT(0));
	for (u32 i = 3; i < 15; i++)
		assert_int_equal(c->cpus.bits[i], 0);
	assert_int_equal(c->cpus.bits[15], ~0ull << (1000 - 960));
	assert_true(cpuset_has(&c->cpus, 1023));
	assert_false(cpuset_has(&c->cpus, 1024));
	assert_false(cpuset_has(&c->cpus, 0xffffffffu));
}

/* Each bad word stops its VM with a message naming the word. */
/* pv=kestrel: Kestrel's own interface without the KVM-compatible one. */
static void test_pv_kestrel(void **state)
{
	const struct vm_config *c = parse_one("vm=a pv=kestrel");

	(void)state;
	assert_ok(c, "a");
	assert_true(c->pv);
	assert_false(c->kvm);
}

static void test_word_errors(void **state)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "vm=demo vcpu=4", "vm demo: unknown word 'vcpu=4'" },
		{ "vm=demo vcpus=4 fast", "vm demo: unknown word 'fast'" },
		{ "vm=demo --x", "vm demo: unknown word '--x'" },
		{ "vm=demo vcpus=0", "vm demo: vcpus=0: must be 1 to 16384" },
		{ "vm=demo vcpus=16385", "vm demo: vcpus=16385: must be 1 to 16384" },
		{ "vm=demo vcpus=-1", "vm demo: vcpus=-1: must be 1 to 16384" },
		{ "vm=demo vcpus=four", "vm demo: vcpus=four: must be 1 to 16384" },
		{ "vm=demo vcpus=", "vm demo: vcpus=: must be 1 to 16384" },
		{ "vm=demo vcpus", "vm demo: vcpus: must be 1 to 16384" },
		{ "vm=demo vcpus=99999999999999999999", "vm demo: vcpus=99999999999999999999: "
		  "must be 1 to 16384" },
		{ "vm=demo mem=3M", "vm demo: mem=3M: must be a multiple of 2 MiB" },
		{ "vm=demo mem=4097K", "vm demo: mem=4097K: must be a multiple of 2 MiB" },
		{ "vm=demo mem=1M", "vm demo: mem=1M: must be 2 MiB to 1 TiB" },
		{ "vm=demo mem=0", "vm demo: mem=0: must be 2 MiB to 1 TiB" },
		{ "vm=demo mem=1026G", "vm demo: mem=1026G: must be 2 MiB to 1 TiB" },
		{ "vm=demo mem=2T", "vm demo: mem=2T: not a size (a number with K, M or G)" },
		{ "vm=demo mem=M", "vm demo: mem=M: not a size (a number with K, M or G)" },
		{ "vm=demo mem", "vm demo: mem: not a size (a number with K, M or G)" },
		{ "vm=demo mem=99999999999G", "vm demo: mem=99999999999G: not a size (a number "
		  "with K, M or G)" },
		{ "vm=demo pv=yes", "vm demo: pv=yes: must be on, kestrel or off" },
		{ "vm=demo pv=ON", "vm demo: pv=ON: must be on, kestrel or off" },
		{ "vm=demo pv", "vm demo: pv: must be on, kestrel or off" },
		{ "vm=demo cpus=1024", "vm demo: cpus=1024: " CPUS_WHY },
		{ "vm=demo cpus=0-1024", "vm demo: cpus=0-1024: " CPUS_WHY },
		{ "vm=demo cpus=3-1", "vm demo: cpus=3-1: " CPUS_WHY },
		{ "vm=demo cpus=", "vm demo: cpus=: " CPUS_WHY },
		{ "vm=demo cpus=1,", "vm demo: cpus=1,: " CPUS_WHY },
		{ "vm=demo cpus=,1", "vm demo: cpus=,1: " CPUS_WHY },
		{ "vm=demo cpus=1,,2", "vm demo: cpus=1,,2: " CPUS_WHY },
		{ "vm=demo cpus=0-", "vm demo: cpus=0-: " CPUS_WHY },
		{ "vm=demo cpus=-3", "vm demo: cpus=-3: " CPUS_WHY },
		{ "vm=demo cpus=1-2-3", "vm demo: cpus=1-2-3: " CPUS_WHY },
		{ "vm=demo cpus=a", "vm demo: cpus=a: " CPUS_WHY },
		{ "vm=demo vcpus=2 vcpus=3", "vm demo: vcpus= given twice" },
		{ "vm=demo mem=4M mem=4M", "vm demo: mem= given twice" },
		{ "vm=demo vm=other vcpus=2", "vm demo: vm= given twice" },
		/* The name is found wherever it is, and the first error wins. */
		{ "vcpu=4 vm=demo", "vm demo: unknown word 'vcpu=4'" },
		{ "vm=demo vcpus=0 mem=3M pv=maybe", "vm demo: vcpus=0: must be 1 to 16384" },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_error(parse_one(cases[i].line), "demo", cases[i].error);
	}
}

/* Lines that name no VM give entries with an empty name and the module's number. */
static void test_line_errors(void **state)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "", "module 1: no vm= word" },
		{ "   ", "module 1: no vm= word" },
		{ "vcpus=2 mem=4M", "module 1: no vm= word" },
		{ "vm vcpus=2", "module 1: no vm= word" },
		{ "-- vm=a", "module 1: no vm= word" },
		{ "vm= vcpus=2", "module 1: vm=: a name is 1 to 15 of A-Z a-z 0-9 _ -" },
		{ "vm=a.b", "module 1: vm=a.b: a name is 1 to 15 of A-Z a-z 0-9 _ -" },
		{ "vm=0123456789abcdef --",
		  "module 1: vm=0123456789abcdef: a name is 1 to 15 of A-Z a-z 0-9 _ -" },
		{ "vm=ghost", "module 1: vm=ghost names no VM" },
	};

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_error(parse_one(cases[i].line), "", cases[i].error);
		assert_int_equal(out[0].kernel, 0);
	}
	/* A module with no command line at all. */
	bi.modules[0].cmdline = NULL;
	assert_int_equal(vmconfig_parse(&bi, out, VMCONFIG_MAX), 1);
	assert_error(&out[0], "", "module 1: no vm= word");
	/* 15 characters is the longest name. */
	assert_ok(parse_one("vm=0123456789abcde --"), "0123456789abcde");
}

/* A message never overflows its buffer, however long the word. */
static void test_long_words(void **state)
{
	char line[512];
	const struct vm_config *c;

	(void)state;
	snprintf(line, sizeof(line), "vm=demo cpus=%0300d", 2024);
	c = parse_one(line);
	assert_false(c->ok);
	assert_true(strlen(c->error) < VMCONFIG_ERROR_LEN);
	assert_int_equal(strncmp(c->error, "vm demo: cpus=0000", 18), 0);
	snprintf(line, sizeof(line), "vm=%0300d", 7);
	c = parse_one(line);
	assert_true(strlen(c->error) < VMCONFIG_ERROR_LEN);
	assert_int_equal(strncmp(c->error, "module 1: vm=0000", 17), 0);
}

/* An error stops that VM only: the others keep every setting, extra modules still attach. */
static void test_error_isolated(void **state)
{
	static const char *const lines[] = {
		"vm=good1 vcpus=2 cpus=4",
		"vm=bad vcpus=0 -- x",
		"nonsense",
		"vm=bad",
		"vm=good2 mem=4M -- y z",
		"vm=good1",
		NULL,
	};

	(void)state;
	assert_int_equal(parse_lines(lines), 4);
	assert_ok(&out[0], "good1");
	assert_int_equal(out[0].vcpus, 2);
	assert_cpus(&out[0].cpus, BIT(4), 0);
	assert_int_equal(out[0].nr_extra, 1);
	assert_int_equal(out[0].extra[0], 5);
	assert_error(&out[1], "bad", "vm bad: vcpus=0: must be 1 to 16384");
	assert_int_equal(out[1].kernel, 1);
	assert_string_equal(out[1].cmdline, "x");
	assert_int_equal(out[1].nr_extra, 1);
	assert_int_equal(out[1].extra[0], 3);
	assert_error(&out[2], "", "module 3: no vm= word");
	assert_int_equal(out[2].kernel, 2);
	assert_ok(&out[3], "good2");
	assert_int_equal(out[3].mem, 4 * MiB);
	assert_int_equal(out[3].kernel, 4);
	assert_string_equal(out[3].cmdline, "y z");
}

static void test_defined_twice(void **state)
{
	static const char *const lines[] = {
		"vm=demo vcpus=1",
		"vm=x --",
		"vm=demo mem=4M",
		"vm=demo",
		"vm=demo pv=off -- again",
		NULL,
	};
	static const char *const other_case[] = { "vm=demo --", "vm=Demo --", NULL };
	static const char *const separator[] = { "vm=a vcpus=2", "vm=a --", NULL };

	(void)state;
	assert_int_equal(parse_lines(lines), 2);
	assert_error(&out[0], "demo", "vm demo: defined twice (modules 1 and 5)");
	assert_int_equal(out[0].kernel, 0);
	assert_int_equal(out[0].nr_extra, 1);
	assert_ok(&out[1], "x");
	/* Names are case-sensitive: Demo is another VM. */
	assert_int_equal(parse_lines(other_case), 2);
	assert_ok(&out[0], "demo");
	assert_ok(&out[1], "Demo");
	/* "--" alone makes a line a definition, even with nothing after it. */
	assert_int_equal(parse_lines(separator), 1);
	assert_error(&out[0], "a", "vm a: defined twice (modules 1 and 2)");
}

/* Two passes: an extra module may come before or after its VM's kernel; order is kept. */
static void test_extra_modules(void **state)
{
	static const char *const lines[] = {
		"vm=b",
		"vm=a --",
		"vm=b vcpus=2",
		"  vm=b  ",
		"vm=a",
		"vm=ghost",
		"vm=b",
		NULL,
	};

	(void)state;
	assert_int_equal(parse_lines(lines), 3);
	assert_ok(&out[0], "a");
	assert_int_equal(out[0].kernel, 1);
	assert_int_equal(out[0].nr_extra, 1);
	assert_int_equal(out[0].extra[0], 4);
	assert_ok(&out[1], "b");
	assert_int_equal(out[1].kernel, 2);
	assert_int_equal(out[1].vcpus, 2);
	assert_int_equal(out[1].nr_extra, 3);
	assert_int_equal(out[1].extra[0], 0);
	assert_int_equal(out[1].extra[1], 3);
	assert_int_equal(out[1].extra[2], 6);
	assert_error(&out[2], "", "module 6: vm=ghost names no VM");
	assert_int_equal(out[2].kernel, 5);
}

/* 31 extra modules and their kernel: every module line used. */
static void test_many_modules(void **state)
{
	const char *lines[MB2_MAX_MODULES + 1];

	(void)state;
	lines[0] = "vm=big --";
	for (u32 i = 1; i < MB2_MAX_MODULES; i++)
		lines[i] = "vm=big";
	lines[MB2_MAX_MODULES] = NULL;
	assert_int_equal(parse_lines(lines), 1);
	assert_ok(&out[0], "big");
	assert_int_equal(out[0].nr_extra, MB2_MAX_MODULES - 1);
	for (u32 i = 0; i < MB2_MAX_MODULES - 1; i++)
		assert_int_equal(out[0].extra[i], i + 1);
	/* 32 VMs, one per module. */
	for (u32 i = 0; i < MB2_MAX_MODULES; i++) {
		static char names[MB2_MAX_MODULES][32];

		snprintf(names[i], sizeof(names[i]), "vm=v%u vcpus=%u", i, i + 1);
		lines[i] = names[i];
	}
	assert_int_equal(parse_lines(lines), MB2_MAX_MODULES);
	for (u32 i = 0; i < MB2_MAX_MODULES; i++) {
		assert_true(out[i].ok);
		assert_int_equal(out[i].vcpus, i + 1);
		assert_int_equal(out[i].kernel, i);
	}
}

/* Room for fewer entries than lines: no write past max. */
static void test_max(void **state)
{
	static const char *const lines[] = { "vm=a --", "vm=b --", "vm=c --", "vm=ghost", NULL };

	(void)state;
	parse_lines(lines);
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(vmconfig_parse(&bi, out, 2), 2);
	assert_ok(&out[0], "a");
	assert_ok(&out[1], "b");
	assert_int_equal(out[2].vcpus, 0x5a5a5a5a);
	assert_int_equal(vmconfig_parse(&bi, out, 0), 0);
	bi.nr_modules = 0;
	assert_int_equal(vmconfig_parse(&bi, out, VMCONFIG_MAX), 0);
}

/* Everything after "-- " is the guest's, verbatim, pointing into the module's own string. */
static void test_guest_cmdline(void **state)
{
	static const char line[] = "vm=a mem=4M --   x  y   z=1 -- w \t";
	const struct vm_config *c;

	(void)state;
	c = parse_one(line);
	assert_ok(c, "a");
	assert_ptr_equal(c->cmdline, line + strlen("vm=a mem=4M --   "));
	assert_string_equal(c->cmdline, "x  y   z=1 -- w \t");
	assert_int_equal(c->cmdline_len, strlen("x  y   z=1 -- w \t"));
	c = parse_one("vm=a -- vcpus=0 bogus");
	assert_ok(c, "a");
	assert_int_equal(c->vcpus, 1);
	assert_string_equal(c->cmdline, "vcpus=0 bogus");
	c = parse_one("vm=a --   ");
	assert_string_equal(c->cmdline, "");
	assert_int_equal(c->cmdline_len, 0);
	c = parse_one("/boot/g.elf vm=a --");
	assert_string_equal(c->cmdline, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_path_skipped),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_word_forms),
		cmocka_unit_test(test_cpus_past_64),
		cmocka_unit_test(test_debug_word),
		cmocka_unit_test(test_console_word),
		cmocka_unit_test(test_strict_mmio_word),
		cmocka_unit_test(test_ept_word),
		cmocka_unit_test(test_apicv_word),
		cmocka_unit_test(test_pv_kestrel),
		cmocka_unit_test(test_word_errors),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_long_words),
		cmocka_unit_test(test_error_isolated),
		cmocka_unit_test(test_defined_twice),
		cmocka_unit_test(test_extra_modules),
		cmocka_unit_test(test_many_modules),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_guest_cmdline),
	};

	return unit_run(tests);
}
