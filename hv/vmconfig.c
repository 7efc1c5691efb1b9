// SPDX-License-Identifier: GPL-2.0
/* Parses the VMs' configuration from GRUB's module2 lines; pure logic, unit-tested. */
#include <stdarg.h>
#include "hv/vmconfig.h"
#include "hv/cmdline.h"
#include "lib/format.h"
#include "lib/string.h"

/* A word is quoted in a message up to this many characters. */
#define WORD_SHOWN 40
#define STR_(x) #x
#define STR(x) STR_(x)

_Static_assert(CPUSET_MAX == 1024, "the cpus= message says 0 to 1023");
_Static_assert(VMCONFIG_MEM_UNIT == 2 * MiB && VMCONFIG_MEM_MAX == 1024 * GiB,
	       "the mem= messages name these sizes");

/* What a line says before its VM is looked at. */
struct line {
	const char *words; /* past the file name, if GRUB passed one */
	const char *name; /* the first vm= value, or NULL */
	size_t name_len;
	u32 nr_names; /* vm= words */
	u32 nr_others; /* all other words */
	bool separator;
	const char *rest; /* after "--": the guest's command line */
};

static const char *word_text(const struct cmdline_word *w, int *len)
{
	size_t n = w->key_len + (w->value ? w->value_len + 1 : 0);

	*len = (int)MIN(n, (size_t)WORD_SHOWN);
	return w->key;
}

static void scan_line(const char *s, struct line *l)
{
	struct cmdline_word w;
	const char *cur = s ? s : "", *first = cur;

	memset(l, 0, sizeof(*l));
	if (cmdline_next(&first, &w, NULL) && (w.key[0] == '/' || w.key[0] == '('))
		cur = first;
	l->words = cur;
	while (cmdline_next(&cur, &w, &l->separator)) {
		if (cmdline_key_is(&w, "vm") && w.value) {
			if (!l->nr_names++) {
				l->name = w.value;
				l->name_len = w.value_len;
			}
		} else {
			l->nr_others++;
		}
	}
	l->rest = l->separator ? cur : "";
}

static bool name_valid(const char *s, size_t len)
{
	if (len < 1 || len > VMCONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Records why c must not start, prefixed with its name or module; the first reason wins. */
static __printf(3, 4) void fail(struct vm_config *c, bool replace, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->ok && !replace)
		return;
	c->ok = false;
	if (c->name[0])
		n = fmt_snprintf(c->error, sizeof(c->error), "vm %s: ", c->name);
	else
		n = fmt_snprintf(c->error, sizeof(c->error), "module %u: ", c->kernel + 1);
	va_start(ap, fmt);
	fmt_vsnprintf(c->error + n, sizeof(c->error) - (size_t)n, fmt, ap);
	va_end(ap);
}

static struct vm_config *new_entry(struct vm_config *out, u32 *n, u32 max, u32 module)
{
	struct vm_config *c;

	if (*n >= max)
		return NULL;
	c = &out[(*n)++];
	memset(c, 0, sizeof(*c));
	c->vcpus = VMCONFIG_DEFAULT_VCPUS;
	c->mem = VMCONFIG_DEFAULT_MEM;
	c->pv = true;
	c->kvm = true;
	c->apicv = true; /* where the CPU has it (docs/design.md, "APIC virtualization") */
	cpuset_fill(&c->cpus);
	c->kernel = module;
	c->cmdline = "";
	c->ok = true;
	return c;
}

static struct vm_config *find(struct vm_config *out, u32 n, const char *name, size_t len)
{
	for (u32 i = 0; i < n; i++)
		if (out[i].name[0] && strlen(out[i].name) == len && !memcmp(out[i].name, name, len))
			return &out[i];
	return NULL;
}

/* "0-3,6": numbers or ranges, each below CPUSET_MAX, separated by commas. */
static bool parse_cpus(const char *s, size_t len, struct cpuset *set)
{
	struct cpuset m;
	size_t i = 0;

	cpuset_clear(&m);

	while (i <= len) {
		size_t end = i, dash;
		u64 lo, hi;

		while (end < len && s[end] != ',')
			end++;
		for (dash = i; dash < end && s[dash] != '-'; dash++)
			;
		if (!str_to_u64(s + i, dash - i, &lo))
			return false;
		hi = lo;
		if (dash < end && !str_to_u64(s + dash + 1, end - dash - 1, &hi))
			return false;
		if (lo > hi || hi >= CPUSET_MAX)
			return false;
		for (u64 b = lo; b <= hi; b++)
			cpuset_add(&m, (u32)b);
		i = end + 1;
	}
	*set = m;
	return true;
}

/* Applies one VM word; false (with c failed) when it is unknown, repeated or its value is bad. */
static bool apply_word(struct vm_config *c, const struct cmdline_word *w, u32 *seen)
{
	static const char *const keys[] = { "vcpus", "mem", "pv", "cpus", "debug", "strict_mmio",
					    "console", "ept", "apicv" };
	const char *v = w->value ? w->value : "", *why = NULL, *text;
	size_t vlen = w->value_len;
	int len;
	u32 k;
	u64 x;

	text = word_text(w, &len);
	for (k = 0; k < ARRAY_SIZE(keys); k++)
		if (cmdline_key_is(w, keys[k]))
			break;
	if (k == ARRAY_SIZE(keys)) {
		fail(c, false, "unknown word '%.*s'", len, text);
		return false;
	}
	if (*seen & BIT(k)) {
		fail(c, false, "%s= given twice", keys[k]);
		return false;
	}
	*seen |= (u32)BIT(k);
	switch (k) {
	case 0:
		if (str_to_u64(v, vlen, &x) && x >= 1 && x <= KESTREL_MAX_VCPUS)
			c->vcpus = (u32)x;
		else
			why = "must be 1 to " STR(KESTREL_MAX_VCPUS);
		break;
	case 1:
		if (!str_to_size(v, vlen, &x))
			why = "not a size (a number with K, M or G)";
		else if (x < VMCONFIG_MEM_UNIT || x > VMCONFIG_MEM_MAX)
			why = "must be 2 MiB to 1 TiB";
		else if (!IS_ALIGNED(x, VMCONFIG_MEM_UNIT))
			why = "must be a multiple of 2 MiB";
		else
			c->mem = x;
		break;
	case 2:
		if (cmdline_value_is(w, "on") || cmdline_value_is(w, "off") ||
		    cmdline_value_is(w, "kestrel")) {
			c->pv = !cmdline_value_is(w, "off");
			c->kvm = cmdline_value_is(w, "on");
		} else {
			why = "must be on, kestrel or off";
		}
		break;
	case 3:
		if (!parse_cpus(v, vlen, &c->cpus))
			why = "must list pCPUs 0 to " STR(CPUSET_MAX_LAST) ", as in cpus=0-3,6";
		break;
	default:
		if (!cmdline_value_is(w, "on") && !cmdline_value_is(w, "off"))
			why = "must be on or off";
		else if (k == 4)
			c->debug = cmdline_value_is(w, "on");
		else if (k == 5)
			c->strict_mmio = cmdline_value_is(w, "on");
		else if (k == 6)
			c->console = cmdline_value_is(w, "on");
		else if (k == 7)
			c->ept_off = cmdline_value_is(w, "off");
		else
			c->apicv = cmdline_value_is(w, "on");
		break;
	}
	if (why)
		fail(c, false, "%.*s: %s", len, text, why);
	return !why;
}

static void define_vm(struct vm_config *c, const struct line *l)
{
	struct cmdline_word w;
	const char *cur = l->words;
	u32 seen = 0;

	memcpy(c->name, l->name, l->name_len);
	c->name[l->name_len] = '\0';
	c->cmdline = l->rest;
	c->cmdline_len = strlen(l->rest);
	if (l->nr_names > 1) {
		fail(c, false, "vm= given twice");
		return;
	}
	while (cmdline_next(&cur, &w, NULL))
		if (!cmdline_key_is(&w, "vm") || !w.value)
			if (!apply_word(c, &w, &seen))
				return;
}

static bool is_extra(const struct line *l)
{
	return l->nr_names == 1 && !l->nr_others && !l->separator;
}

/* First pass: the lines that define VMs, and the lines that are wrong on their own. */
static void pass_define(const struct boot_info *bi, struct vm_config *out, u32 *n, u32 max)
{
	for (u32 i = 0; i < bi->nr_modules; i++) {
		struct vm_config *c;
		struct line l;

		scan_line(bi->modules[i].cmdline, &l);
		if (l.name && name_valid(l.name, l.name_len) && is_extra(&l))
			continue;
		if (l.name && name_valid(l.name, l.name_len)) {
			c = find(out, *n, l.name, l.name_len);
			if (c) {
				fail(c, true, "defined twice (modules %u and %u)", c->kernel + 1,
				     i + 1);
				continue;
			}
		}
		c = new_entry(out, n, max, i);
		if (!c)
			continue;
		if (!l.name)
			fail(c, false, "no vm= word");
		else if (!name_valid(l.name, l.name_len))
			fail(c, false, "vm=%.*s: a name is 1 to %u of A-Z a-z 0-9 _ -",
			     (int)MIN(l.name_len, (size_t)WORD_SHOWN), l.name, VMCONFIG_NAME_MAX);
		else
			define_vm(c, &l);
	}
}

/* Second pass: extra modules, whether their VM's line comes before or after them. */
static void pass_extra(const struct boot_info *bi, struct vm_config *out, u32 *n, u32 max)
{
	for (u32 i = 0; i < bi->nr_modules; i++) {
		struct vm_config *c;
		struct line l;

		scan_line(bi->modules[i].cmdline, &l);
		if (!l.name || !name_valid(l.name, l.name_len) || !is_extra(&l))
			continue;
		c = find(out, *n, l.name, l.name_len);
		if (c && c->nr_extra < VMCONFIG_MAX_EXTRA) {
			c->extra[c->nr_extra++] = i;
		} else if (c) {
			fail(c, false, "more than %u extra modules", VMCONFIG_MAX_EXTRA);
		} else {
			c = new_entry(out, n, max, i);
			if (c)
				fail(c, false, "vm=%.*s names no VM", (int)l.name_len, l.name);
		}
	}
}

u32 vmconfig_parse(const struct boot_info *bi, struct vm_config *out, u32 max)
{
	u32 n = 0;

	pass_define(bi, out, &n, max);
	pass_extra(bi, out, &n, max);
	return n;
}
