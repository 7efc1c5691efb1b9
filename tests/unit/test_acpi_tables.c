// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/acpi_tables.c: a VM's tables, read back by Kestrel's own ACPI parser. */
#include "unit.h"
#include "arch/x86/acpi.h"
#include "hv/dev/acpi_tables.h"

static u8 *guest_area; /* the guest's view of [ACPI_TABLES_GPA, + ACPI_TABLES_SIZE) */

static const void *map(u64 phys, size_t len)
{
	if (phys < ACPI_TABLES_GPA || phys + len > ACPI_TABLES_GPA + ACPI_TABLES_SIZE)
		return NULL;
	return guest_area + (phys - ACPI_TABLES_GPA);
}

static void build_and_parse(u32 nr_vcpus)
{
	static struct acpi_info info;
	s64 used;

	guest_area = calloc(1, ACPI_TABLES_SIZE);
	assert_non_null(guest_area);
	used = acpi_tables_build(guest_area, ACPI_TABLES_SIZE, nr_vcpus, 0);
	assert_true(used > 0 && used <= ACPI_TABLES_SIZE);
	/* The RSDP is where a scan of the BIOS area finds it: the first 16-byte boundary. */
	assert_memory_equal(guest_area, "RSD PTR ", 8);
	assert_int_equal(acpi_parse(guest_area, ACPI_RSDP_LEN, map, &info), ACPI_OK);
	assert_int_equal(info.rsdp_revision, 2);
	assert_true(info.have_madt);
	assert_int_equal(info.lapic_phys, 0xfee00000);
	assert_true(info.has_8259); /* the 8259 pair is emulated: PCAT_COMPAT */
	assert_true(info.have_fadt);
	assert_int_equal(info.pm_timer_port, 0); /* hardware-reduced: no PM timer */
	assert_int_equal(info.rtc_century, 0x32);
	assert_false(info.no_cmos_rtc);
	assert_int_equal(info.nr_cpus, MIN(nr_vcpus, ACPI_MAX_CPUS));
	assert_int_equal(info.nr_cpus_dropped, nr_vcpus - info.nr_cpus);
	for (u32 i = 0; i < info.nr_cpus; i++) {
		assert_int_equal(info.cpu[i].apic_id, i);
		assert_int_equal(info.cpu[i].uid, i);
		assert_true(info.cpu[i].enabled);
	}
	free(guest_area);
}

static void test_sizes(void **state)
{
	static const u32 sizes[] = { 1, 2, 4, 254, 255, 256, 1024, ACPI_TABLES_MAX_VCPUS };

	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(sizes); i++)
		build_and_parse(sizes[i]);
}

/* x2APIC entries past ID 254: checked directly, as the parser keeps only 256 CPUs. */
static void test_x2apic_entries(void **state)
{
	u8 *buf = calloc(1, ACPI_TABLES_SIZE);
	static struct acpi_info info;
	u8 *madt;
	u32 len;

	(void)state;
	assert_non_null(buf);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 300, 0) > 0);
	memcpy(&len, buf + 64 + 36 + 8, 4); /* the XSDT's second entry: the MADT */
	madt = buf + (len - ACPI_TABLES_GPA);
	memcpy(&len, madt + 4, 4);
	assert_int_equal(len, 36 + 8 + 255 * 8 + 45 * 16 + 12 + 10); /* and the I/O APIC's two */
	assert_int_equal(madt[44 + 255 * 8], 9); /* the first x2APIC entry: ID 255 */
	assert_int_equal(madt[44 + 255 * 8 + 1], 16);
	assert_int_equal(madt[44 + 255 * 8 + 4], 255);
	memset(&info, 0, sizeof(info));
	assert_true(acpi_parse_madt(madt, len, &info));
	assert_int_equal(info.nr_cpus + info.nr_cpus_dropped, 300);
	free(buf);
}

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u8 sum(const u8 *p, u32 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* Whether the n bytes of want appear in the len bytes at p. */
static bool contains(const u8 *p, u32 len, const u8 *want, u32 n)
{
	for (u32 i = 0; i + n <= len; i++)
		if (!memcmp(p + i, want, n))
			return true;
	return false;
}

/*
 * The CMOS RTC: the FADT says it is there and names its century byte, and the DSDT has a
 * PNP0B00 device at ports 0x70-0x71 (rtc_cmos binds to it); the PCI host bridge: a PNP0A03 root
 * bridge of bus 0 (Linux scans only the buses ACPI names).
 */
static void test_rtc_and_pci_devices(void **state)
{
	static const u8 hid_rtc[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00 };
	static const u8 io_rtc[] = { 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02 };
	static const u8 hid_pci[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	/* WordBusNumber (ResourceProducer, MinFixed, MaxFixed,, 0, 0, 0, 0, 1): bus 0 alone */
	static const u8 bus0[] = { 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x00, 0x00, 0x00, 0x01, 0x00 };
	u8 *buf = calloc(1, ACPI_TABLES_SIZE), *fadt, *dsdt;
	u32 len;

	(void)state;
	assert_non_null(buf);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 2, 0) > 0);
	fadt = buf + (rd32(buf + 64 + 36) - ACPI_TABLES_GPA);
	assert_int_equal(fadt[109] & BIT(5), 0); /* IAPC_BOOT_ARCH: CMOS RTC present */
	assert_int_equal(fadt[109] & BIT(2), BIT(2)); /* still no VGA */
	assert_int_equal(fadt[108], 0x32); /* CENTURY: the CMOS index of the century byte */
	dsdt = buf + (rd32(fadt + 40) - ACPI_TABLES_GPA);
	len = rd32(dsdt + 4);
	assert_true(contains(dsdt, len, hid_rtc, sizeof(hid_rtc)));
	assert_true(contains(dsdt, len, io_rtc, sizeof(io_rtc)));
	assert_true(contains(dsdt, len, hid_pci, sizeof(hid_pci)));
	assert_true(contains(dsdt, len, bus0, sizeof(bus0)));
	free(buf);
}

/* COM1 names its port and ISA IRQ 4: Linux's only way to an IRQ for it when hardware-reduced. */
static void test_com1_device(void **state)
{
	static const u8 hid_com[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	static const u8 crs_com[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO */
				      0x22, 0x10, 0x00, /* IRQNoFlags () {4} */
				      0x79, 0x00 };
	u8 *buf = calloc(1, ACPI_TABLES_SIZE), *fadt, *dsdt;
	u32 len;

	(void)state;
	assert_non_null(buf);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 2, 0) > 0);
	fadt = buf + (rd32(buf + 64 + 36) - ACPI_TABLES_GPA);
	dsdt = buf + (rd32(fadt + 40) - ACPI_TABLES_GPA);
	len = rd32(dsdt + 4);
	assert_int_equal(sum(dsdt, len), 0);
	assert_true(contains(dsdt, len, hid_com, sizeof(hid_com)));
	assert_true(contains(dsdt, len, crs_com, sizeof(crs_com)));
	free(buf);
}

/* The XSDT's table with a signature, or NULL. */
static u8 *xsdt_table(u8 *buf, const char *sig)
{
	u8 *xsdt = buf + 64;

	for (u32 off = 36; off < rd32(xsdt + 4); off += 8) {
		u8 *t = buf + (rd32(xsdt + off) - ACPI_TABLES_GPA);

		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

/*
 * With an ECAM window: an MCFG (PCI Firmware 3.2, 4.1.2) of one allocation, segment 0, bus 0
 * alone, and a PNP0C02 motherboard resource in the DSDT reserving the window (Linux takes an
 * MCFG window only when firmware reserves it). Without one: neither.
 */
static void test_mcfg(void **state)
{
	static const u8 hid_mres[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0c, 0x02 };
	/* Memory32Fixed (ReadWrite, 0xfe000000, 0x100000) */
	static const u8 mem32[] = { 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xfe,
				    0x00, 0x00, 0x10, 0x00 };
	u8 *buf = calloc(1, ACPI_TABLES_SIZE), *mcfg, *fadt, *dsdt;
	u64 base;

	(void)state;
	assert_non_null(buf);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 2, 0xfe000000) > 0);
	mcfg = xsdt_table(buf, "MCFG");
	assert_non_null(mcfg);
	assert_int_equal(rd32(mcfg + 4), 60);
	assert_int_equal(sum(mcfg, 60), 0);
	memcpy(&base, mcfg + 44, 8);
	assert_int_equal(base, 0xfe000000);
	assert_int_equal(mcfg[52] | mcfg[53] << 8, 0); /* segment */
	assert_int_equal(mcfg[54], 0); /* start bus */
	assert_int_equal(mcfg[55], 0); /* end bus */
	fadt = xsdt_table(buf, "FACP");
	assert_non_null(fadt);
	assert_non_null(xsdt_table(buf, "APIC"));
	dsdt = buf + (rd32(fadt + 40) - ACPI_TABLES_GPA);
	assert_int_equal(sum(dsdt, rd32(dsdt + 4)), 0);
	assert_true(contains(dsdt, rd32(dsdt + 4), hid_mres, sizeof(hid_mres)));
	assert_true(contains(dsdt, rd32(dsdt + 4), mem32, sizeof(mem32)));

	memset(buf, 0, ACPI_TABLES_SIZE);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 2, 0) > 0);
	assert_null(xsdt_table(buf, "MCFG"));
	fadt = xsdt_table(buf, "FACP");
	dsdt = buf + (rd32(fadt + 40) - ACPI_TABLES_GPA);
	assert_int_equal(sum(dsdt, rd32(dsdt + 4)), 0);
	assert_false(contains(dsdt, rd32(dsdt + 4), hid_mres, sizeof(hid_mres)));
	free(buf);
}

/* What Linux's ACPICA reads to power off: a hardware-reduced FADT, its sleep registers, \_S5. */
static void test_fadt_and_dsdt(void **state)
{
	static const u8 s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				 0x0a, 5, 0x0a, 5, 0x00, 0x00 };
	u8 *buf = calloc(1, ACPI_TABLES_SIZE), *xsdt, *fadt, *dsdt;
	u64 fadt_pa, dsdt_pa;

	(void)state;
	assert_non_null(buf);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 4, 0) > 0);
	xsdt = buf + 64;
	assert_memory_equal(xsdt, "XSDT", 4);
	memcpy(&fadt_pa, xsdt + 36, 8);
	fadt = buf + (fadt_pa - ACPI_TABLES_GPA);
	assert_memory_equal(fadt, "FACP", 4);
	assert_int_equal(rd32(fadt + 4), 276);
	assert_int_equal(fadt[8], 6);
	assert_int_equal(sum(fadt, 276), 0);
	assert_int_equal(rd32(fadt + 112) & BIT(20), BIT(20)); /* HW_REDUCED_ACPI */
	assert_int_equal(rd32(fadt + 112) & BIT(10), BIT(10)); /* RESET_REG_SUP */
	assert_int_equal(rd32(fadt + 56), 0); /* no PM1a event block */
	assert_int_equal(rd32(fadt + 64), 0); /* no PM1a control block */
	assert_int_equal(fadt[244], 1); /* SLEEP_CONTROL_REG: system I/O */
	assert_int_equal(rd32(fadt + 248), ACPI_SLEEP_CONTROL_PORT);
	assert_int_equal(fadt[256], 1);
	assert_int_equal(rd32(fadt + 260), ACPI_SLEEP_STATUS_PORT);
	assert_int_equal(rd32(fadt + 120), ACPI_RESET_PORT);
	assert_int_equal(fadt[128], ACPI_RESET_VALUE);
	memcpy(&dsdt_pa, fadt + 140, 8);
	assert_int_equal(rd32(fadt + 40), dsdt_pa);
	dsdt = buf + (dsdt_pa - ACPI_TABLES_GPA);
	assert_memory_equal(dsdt, "DSDT", 4);
	assert_true(rd32(dsdt + 4) >= 36 + sizeof(s5));
	assert_int_equal(sum(dsdt, rd32(dsdt + 4)), 0);
	assert_memory_equal(dsdt + 36, s5, sizeof(s5));
	/* SLP_TYP 5 with SLP_EN, as ACPICA writes it, is what the I/O exit takes as power-off. */
	assert_int_equal(ACPI_SLEEP_TYPE((5 << 2) | ACPI_SLEEP_ENABLE), ACPI_S5_TYPE);
	free(buf);
}

/* The I/O APIC (type 1) and ISA IRQ 0's override to GSI 2, edge, active high (type 2). */
static void test_ioapic_entries(void **state)
{
	u8 *buf = calloc(1, ACPI_TABLES_SIZE), *madt, *e, *end;
	bool ioapic = false, iso = false;

	(void)state;
	assert_non_null(buf);
	assert_true(acpi_tables_build(buf, ACPI_TABLES_SIZE, 4, 0) > 0);
	madt = buf + (rd32(buf + 64 + 36 + 8) - ACPI_TABLES_GPA); /* the XSDT's second entry */
	assert_int_equal(sum(madt, rd32(madt + 4)), 0);
	assert_int_equal(rd32(madt + 40), 1); /* PCAT_COMPAT */
	end = madt + rd32(madt + 4);
	for (e = madt + 44; e < end; e += e[1]) {
		assert_true(e[1] >= 2 && e + e[1] <= end);
		if (e[0] == 1) {
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], 0); /* I/O APIC ID */
			assert_int_equal(rd32(e + 4), 0xfec00000);
			assert_int_equal(rd32(e + 8), 0); /* GSI base */
			ioapic = true;
		} else if (e[0] == 2) {
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0); /* ISA */
			assert_int_equal(e[3], 0); /* IRQ 0 */
			assert_int_equal(rd32(e + 4), 2); /* GSI 2 */
			assert_int_equal(e[8] | e[9] << 8, 0x5); /* edge (bits 3:2 01), high (1:0 01) */
			assert_false(iso);
			iso = true;
		} else {
			assert_int_equal(e[0], 0); /* the four local APICs */
		}
	}
	assert_true(ioapic && iso);
	free(buf);
}

static void test_too_big(void **state)
{
	u8 buf[256];

	(void)state;
	assert_int_equal(acpi_tables_build(buf, sizeof(buf), 1000, 0), -ENOSPC);
	assert_int_equal(acpi_tables_build(buf, sizeof(buf), 0, 0), -ENOSPC);
	assert_int_equal(acpi_tables_build(buf, ACPI_TABLES_SIZE, ACPI_TABLES_MAX_VCPUS + 1, 0),
			 -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_x2apic_entries),
		cmocka_unit_test(test_fadt_and_dsdt),
		cmocka_unit_test(test_ioapic_entries),
		cmocka_unit_test(test_rtc_and_pci_devices),
		cmocka_unit_test(test_com1_device),
		cmocka_unit_test(test_too_big),
	};

	return unit_run(tests);
}
