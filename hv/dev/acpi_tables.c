// SPDX-License-Identifier: GPL-2.0
/* Builds a VM's RSDP, XSDT and MADT (ACPI 6.5, 5.2.5, 5.2.8, 5.2.12); pure, unit-tested. */
#include "hv/dev/acpi_tables.h"
#include "lib/string.h"

#define XSDT_OFF 64
#define MADT_OFF 128
#define SDT_HEADER_LEN 36
#define MADT_LAPIC_LEN 8 /* type 0, 5.2.12.2: APIC IDs up to 254 */
#define MADT_X2APIC_LEN 16 /* type 9, 5.2.12.12: the others */
#define MADT_ENABLED 1
#define XAPIC_BASE 0xfee00000u

static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

static u8 checksum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return (u8)-s;
}

/* The common header, 5.2.6; the checksum is set last, over the whole table. */
static void sdt_header(u8 *t, const char *sig, u32 len, u8 revision)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, "KESTRL", 6);
	memcpy(t + 16, "KESTREL ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "KSTR", 4);
	put32(t + 32, 1);
}

static u32 madt_len(u32 nr_vcpus)
{
	u32 small = MIN(nr_vcpus, 255u);

	return SDT_HEADER_LEN + 8 + small * MADT_LAPIC_LEN + (nr_vcpus - small) * MADT_X2APIC_LEN;
}

s64 acpi_tables_build(u8 *buf, size_t size, u32 nr_vcpus)
{
	u32 len = madt_len(nr_vcpus);
	u8 *rsdp = buf, *xsdt = buf + XSDT_OFF, *madt = buf + MADT_OFF, *e;

	if (!nr_vcpus || nr_vcpus > ACPI_TABLES_MAX_VCPUS || size < MADT_OFF + (u64)len)
		return -ENOSPC;
	memset(buf, 0, MADT_OFF + len);

	sdt_header(madt, "APIC", len, 5);
	put32(madt + 36, XAPIC_BASE);
	put32(madt + 40, 0); /* no 8259s in a VM: PCAT_COMPAT clear */
	e = madt + SDT_HEADER_LEN + 8;
	for (u32 id = 0; id < nr_vcpus; id++) {
		if (id < 255) {
			e[0] = 0;
			e[1] = MADT_LAPIC_LEN;
			e[2] = (u8)id; /* ACPI processor UID */
			e[3] = (u8)id; /* APIC ID */
			put32(e + 4, MADT_ENABLED);
			e += MADT_LAPIC_LEN;
		} else {
			e[0] = 9;
			e[1] = MADT_X2APIC_LEN;
			put16(e + 2, 0);
			put32(e + 4, id); /* x2APIC ID */
			put32(e + 8, MADT_ENABLED);
			put32(e + 12, id); /* ACPI processor UID */
			e += MADT_X2APIC_LEN;
		}
	}
	madt[9] = checksum(madt, len);

	sdt_header(xsdt, "XSDT", SDT_HEADER_LEN + 8, 1);
	put64(xsdt + SDT_HEADER_LEN, ACPI_TABLES_GPA + MADT_OFF);
	xsdt[9] = checksum(xsdt, SDT_HEADER_LEN + 8);

	/* RSDP, 5.2.5.3: revision 2, with the XSDT; one checksum over 20 bytes, one over 36. */
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "KESTRL", 6);
	rsdp[15] = 2;
	put32(rsdp + 16, 0); /* no RSDT */
	put32(rsdp + 20, ACPI_RSDP_LEN);
	put64(rsdp + 24, ACPI_TABLES_GPA + XSDT_OFF);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, ACPI_RSDP_LEN);
	return MADT_OFF + len;
}
