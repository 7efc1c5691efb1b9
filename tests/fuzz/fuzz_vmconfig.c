// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: hv/vmconfig.c reads any module2 lines into consistent VMs or named errors. */
#include "fuzz.h"
#include "hv/vmconfig.h"

static struct boot_info bi;
static struct vm_config out[VMCONFIG_MAX];

static bool name_ok(const char *s)
{
	size_t len = strnlen(s, VMCONFIG_NAME_MAX + 1);

	if (len < 1 || len > VMCONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* The guest's command line is the tail of its VM's own line, or "". */
static bool cmdline_ok(const struct vm_config *c)
{
	const char *line = bi.modules[c->kernel].cmdline;

	if (!c->cmdline || strlen(c->cmdline) != c->cmdline_len)
		return false;
	if (!c->cmdline_len)
		return true;
	return line && c->cmdline >= line && c->cmdline + c->cmdline_len == line + strlen(line);
}

static void check(const struct vm_config *c, u32 n, u32 *owner)
{
	if (strnlen(c->error, sizeof(c->error)) == sizeof(c->error) ||
	    strnlen(c->name, sizeof(c->name)) == sizeof(c->name))
		abort(); /* a string without its terminator */
	if (c->ok != !c->error[0] || c->kernel >= bi.nr_modules || owner[c->kernel] != n)
		abort(); /* an entry's own line is used once, and only a bad entry has an error */
	if (c->name[0] && !name_ok(c->name))
		abort();
	for (u32 i = 0; i < n; i++)
		if (c->name[0] && !strcmp(out[i].name, c->name))
			abort(); /* one entry per VM */
	if (c->nr_extra > VMCONFIG_MAX_EXTRA)
		abort();
	for (u32 i = 0; i < c->nr_extra; i++) {
		if (c->extra[i] >= bi.nr_modules || owner[c->extra[i]] != n ||
		    (i && c->extra[i] <= c->extra[i - 1]))
			abort(); /* an extra module that is no line, or is taken twice */
	}
	if (!c->ok)
		return;
	if (!c->name[0] || c->vcpus < 1 || c->vcpus > KESTREL_MAX_VCPUS ||
	    c->mem < VMCONFIG_MEM_UNIT || c->mem > VMCONFIG_MEM_MAX || c->mem % VMCONFIG_MEM_UNIT ||
	    !cmdline_ok(c))
		abort();
}

/* Input: module lines separated by '\n'; a line of the single byte 1 is a module with no line. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p = buf;
	u32 owner[MB2_MAX_MODULES], n;

	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&bi, 0, sizeof(bi));
	while (bi.nr_modules < MB2_MAX_MODULES) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		bi.modules[bi.nr_modules++].cmdline = strcmp(p, "\1") ? p : NULL;
		if (!nl)
			break;
		p = nl + 1;
	}
	memset(out, 0x5a, sizeof(out));
	n = vmconfig_parse(&bi, out, VMCONFIG_MAX);
	if (n > bi.nr_modules)
		abort();
	/* Which entry each line went to: the first that names it as its kernel or an extra. */
	for (u32 i = 0; i < MB2_MAX_MODULES; i++)
		owner[i] = UINT32_MAX;
	for (u32 i = 0; i < n; i++) {
		if (out[i].kernel < bi.nr_modules && owner[out[i].kernel] == UINT32_MAX)
			owner[out[i].kernel] = i;
		for (u32 j = 0; j < out[i].nr_extra && j < VMCONFIG_MAX_EXTRA; j++)
			if (out[i].extra[j] < bi.nr_modules && owner[out[i].extra[j]] == UINT32_MAX)
				owner[out[i].extra[j]] = i;
	}
	for (u32 i = 0; i < n; i++)
		check(&out[i], i, owner);
	free(buf);
	return 0;
}
