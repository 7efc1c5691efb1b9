// SPDX-License-Identifier: GPL-2.0
/* Parses the ACPI RSDP, RSDT/XSDT, MADT and FADT; pure logic behind a map callback, unit-tested. */
#include "arch/x86/acpi.h"
#include "lib/string.h"

/* ACPI 6.5, 5.2.5.3 (RSDP), 5.2.6 (header), 5.2.12 (MADT), 5.2.9 (FADT). */
#define SDT_HEADER_LEN 36
#define MADT_ENTRIES_OFF 44
#define MADT_LAPIC 0
#define MADT_X2APIC 9
#define MADT_PCAT_COMPAT BIT(0)
#define MADT_CPU_ENABLED BIT(0)
#define MADT_CPU_ONLINE_CAPABLE BIT(1)
#define FADT_PM_TMR_BLK_OFF 76
#define FADT_PM_TMR_LEN_OFF 91
#define FADT_FLAGS_OFF 112
#define FADT_X_PM_TMR_BLK_OFF 208
#define FADT_TMR_VAL_EXT BIT(8)
#define FADT_CENTURY_OFF 108
#define FADT_IAPC_BOOT_ARCH_OFF 109
#define FADT_BOOT_NO_CMOS_RTC BIT(5)

static u8 checksum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* Maps a whole table: the header first for its length, then all of it; checks the checksum. */
static const u8 *map_table(acpi_map_fn map, u64 phys, u32 *len)
{
	const u8 *h = map(phys, SDT_HEADER_LEN);

	if (!h)
		return NULL;
	*len = rd32(h + 4);
	if (*len < SDT_HEADER_LEN || *len > (16u << 20))
		return NULL;
	h = map(phys, *len);
	if (!h || checksum(h, *len))
		return NULL;
	return h;
}

static void add_cpu(struct acpi_info *out, u32 apic_id, u32 uid, u32 flags)
{
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
		return; /* neither present nor hot-pluggable */
	for (u32 i = 0; i < out->nr_cpus; i++)
		if (out->cpu[i].apic_id == apic_id)
			return; /* listed both as LAPIC and x2APIC: once is enough */
	if (out->nr_cpus == ACPI_MAX_CPUS) {
		out->nr_cpus_dropped++;
		return;
	}
	out->cpu[out->nr_cpus].apic_id = apic_id;
	out->cpu[out->nr_cpus].uid = uid;
	out->cpu[out->nr_cpus].enabled = flags & MADT_CPU_ENABLED;
	out->nr_cpus++;
}

bool acpi_parse_madt(const u8 *madt, u32 len, struct acpi_info *out)
{
	u32 off;

	if (len < MADT_ENTRIES_OFF || memcmp(madt, "APIC", 4))
		return false;
	out->lapic_phys = rd32(madt + 36);
	out->has_8259 = rd32(madt + 40) & MADT_PCAT_COMPAT;
	for (off = MADT_ENTRIES_OFF; off + 2 <= len;) {
		u8 type = madt[off], elen = madt[off + 1];

		if (elen < 2 || off + elen > len)
			return false;
		if (type == MADT_LAPIC && elen >= 8)
			add_cpu(out, madt[off + 3], madt[off + 2], rd32(madt + off + 4));
		else if (type == MADT_X2APIC && elen >= 16)
			add_cpu(out, rd32(madt + off + 4), rd32(madt + off + 12),
				rd32(madt + off + 8));
		else if (type == 5 && elen >= 12)
			out->lapic_phys = rd64(madt + off + 4); /* local APIC address override */
		off += elen;
	}
	out->have_madt = true;
	return true;
}

static void parse_fadt(const u8 *f, u32 len, struct acpi_info *out)
{
	u32 port = 0;

	out->have_fadt = true;
	if (len > FADT_CENTURY_OFF)
		out->rtc_century = f[FADT_CENTURY_OFF];
	if (len > FADT_IAPC_BOOT_ARCH_OFF)
		out->no_cmos_rtc = f[FADT_IAPC_BOOT_ARCH_OFF] & FADT_BOOT_NO_CMOS_RTC;
	if (len >= FADT_X_PM_TMR_BLK_OFF + 12 && f[FADT_X_PM_TMR_BLK_OFF] == 1 /* I/O space */)
		port = (u32)rd64(f + FADT_X_PM_TMR_BLK_OFF + 4);
	if (!port && len >= FADT_PM_TMR_BLK_OFF + 4)
		port = rd32(f + FADT_PM_TMR_BLK_OFF);
	if (len > FADT_PM_TMR_LEN_OFF && f[FADT_PM_TMR_LEN_OFF] != 4)
		port = 0; /* PM_TMR_LEN must be 4 when there is a timer */
	if (port && port <= 0xffff) {
		out->pm_timer_port = (u16)port;
		out->pm_timer_32bit = len >= FADT_FLAGS_OFF + 4 &&
				      (rd32(f + FADT_FLAGS_OFF) & FADT_TMR_VAL_EXT);
	}
}

enum acpi_error acpi_parse(const void *rsdp_copy, size_t rsdp_len, acpi_map_fn map,
			   struct acpi_info *out)
{
	const u8 *rsdp = rsdp_copy, *root;
	u64 root_phys;
	u32 root_len, entry_size;

	memset(out, 0, sizeof(*out));
	if (!rsdp || rsdp_len < 20)
		return ACPI_E_NO_RSDP;
	if (memcmp(rsdp, "RSD PTR ", 8))
		return ACPI_E_RSDP_SIGNATURE;
	if (checksum(rsdp, 20))
		return ACPI_E_RSDP_CHECKSUM;
	out->rsdp_revision = rsdp[15];
	memcpy(out->oem_id, rsdp + 9, 6);
	out->oem_id[6] = '\0';
	if (rsdp[15] >= 2 && rsdp_len >= 36 && rd32(rsdp + 20) >= 36 &&
	    rd32(rsdp + 20) <= rsdp_len && !checksum(rsdp, rd32(rsdp + 20)) && rd64(rsdp + 24)) {
		root_phys = rd64(rsdp + 24); /* XSDT */
		entry_size = 8;
	} else {
		root_phys = rd32(rsdp + 16); /* RSDT */
		entry_size = 4;
	}
	root = map(root_phys, SDT_HEADER_LEN);
	if (!root)
		return ACPI_E_ROOT_UNMAPPED;
	if (memcmp(root, entry_size == 8 ? "XSDT" : "RSDT", 4))
		return ACPI_E_ROOT_SIGNATURE;
	root = map_table(map, root_phys, &root_len);
	if (!root)
		return ACPI_E_ROOT_CHECKSUM;
	if ((root_len - SDT_HEADER_LEN) % entry_size)
		return ACPI_E_ROOT_LENGTH;
	for (u32 off = SDT_HEADER_LEN; off + entry_size <= root_len; off += entry_size) {
		u64 phys = entry_size == 8 ? rd64(root + off) : rd32(root + off);
		const u8 *t;
		u32 len;

		t = map_table(map, phys, &len);
		if (!t)
			continue;
		if (!memcmp(t, "APIC", 4) && !out->have_madt) {
			struct acpi_info saved = *out;

			if (!acpi_parse_madt(t, len, out))
				*out = saved; /* a malformed MADT counts as none */
		} else if (!memcmp(t, "FACP", 4) && !out->have_fadt) {
			parse_fadt(t, len, out);
		}
	}
	return ACPI_OK;
}

const char *acpi_strerror(enum acpi_error e)
{
	static const char *const names[] = {
		[ACPI_OK] = "ok",
		[ACPI_E_NO_RSDP] = "no RSDP (the boot loader passed no ACPI tag)",
		[ACPI_E_RSDP_SIGNATURE] = "RSDP signature wrong",
		[ACPI_E_RSDP_CHECKSUM] = "RSDP checksum wrong",
		[ACPI_E_ROOT_UNMAPPED] = "RSDT/XSDT not in mapped memory",
		[ACPI_E_ROOT_SIGNATURE] = "RSDT/XSDT signature wrong",
		[ACPI_E_ROOT_LENGTH] = "RSDT/XSDT length wrong",
		[ACPI_E_ROOT_CHECKSUM] = "RSDT/XSDT checksum or length wrong",
	};

	return (unsigned int)e < ARRAY_SIZE(names) ? names[e] : "unknown error";
}
