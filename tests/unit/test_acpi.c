// SPDX-License-Identifier: GPL-2.0
/* Unit tests for arch/x86/acpi.c: RSDP, RSDT/XSDT, MADT and FADT over fake physical memory. */
#include "unit.h"
#include "arch/x86/acpi.h"

/* Fake physical memory: [MEM_BASE, MEM_BASE + sizeof(mem)); anything else is unmapped. */
#define MEM_BASE 0xe0000ull
#define RSDT 0xe0000ull
#define XSDT 0xe0400ull
#define MADT 0xe1000ull
#define MADT2 0xe4000ull
#define FADT 0xe6000ull
#define UNMAPPED 0x1000ull

static u8 mem[0x8000];
/* Each map returns a fresh heap copy of exactly len bytes: a read past len is caught. */
static void *maps[64];
static u32 nr_maps;
static struct acpi_info info;
static u32 madt_len;

static const void *fake_map(u64 phys, size_t len)
{
	void *p;

	if (phys < MEM_BASE || len > sizeof(mem) || phys - MEM_BASE > sizeof(mem) - len)
		return NULL;
	assert_true(nr_maps < ARRAY_SIZE(maps));
	p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, mem + (phys - MEM_BASE), len);
	maps[nr_maps++] = p;
	return p;
}

static u8 *at(u64 phys)
{
	return mem + (phys - MEM_BASE);
}

static void put32(u64 phys, u32 v)
{
	memcpy(at(phys), &v, 4);
}

static void put64(u64 phys, u64 v)
{
	memcpy(at(phys), &v, 8);
}

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Sets a table's length and fixes its checksum. */
static void table_done(u64 phys, u32 len)
{
	put32(phys + 4, len);
	at(phys)[9] = 0;
	at(phys)[9] = -sum(at(phys), len);
}

static void table_begin(u64 phys, const char *sig)
{
	memset(at(phys), 0, 36);
	memcpy(at(phys), sig, 4);
	at(phys)[8] = 1;
	memcpy(at(phys) + 10, "KESTRL", 6);
}

/* An RSDT (4-byte entries) or XSDT (8-byte entries) listing n tables. */
static void root_table(u64 phys, bool xsdt, const u64 *tables, u32 n)
{
	table_begin(phys, xsdt ? "XSDT" : "RSDT");
	for (u32 i = 0; i < n; i++) {
		if (xsdt)
			put64(phys + 36 + 8 * i, tables[i]);
		else
			put32(phys + 36 + 4 * i, (u32)tables[i]);
	}
	table_done(phys, 36 + n * (xsdt ? 8 : 4));
}

/* An RSDP of 20 bytes (revision 0) or 36 (revision 2), with both checksums right. */
static size_t make_rsdp(u8 *r, u8 rev, u32 rsdt, u64 xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "KESTRL", 6);
	r[15] = rev;
	memcpy(r + 16, &rsdt, 4);
	if (rev < 2) {
		r[8] = -sum(r, 20);
		return 20;
	}
	r[20] = 36;
	memcpy(r + 24, &xsdt, 8);
	r[8] = -sum(r, 20);
	r[32] = -sum(r, 36);
	return 36;
}

static void madt_begin(u64 phys)
{
	table_begin(phys, "APIC");
	put32(phys + 36, 0xfee00000);
	put32(phys + 40, 1); /* PCAT_COMPAT */
	madt_len = 44;
}

static void madt_entry(u64 phys, u8 type, u8 len, const void *body)
{
	at(phys + madt_len)[0] = type;
	at(phys + madt_len)[1] = len;
	memcpy(at(phys + madt_len + 2), body, len - 2);
	madt_len += len;
}

static void madt_lapic(u64 phys, u8 uid, u8 apic_id, u32 flags)
{
	u8 b[6] = { uid, apic_id };

	memcpy(b + 2, &flags, 4);
	madt_entry(phys, 0, 8, b);
}

static void madt_x2apic(u64 phys, u32 apic_id, u32 uid, u32 flags)
{
	u8 b[14] = { 0 };

	memcpy(b + 2, &apic_id, 4);
	memcpy(b + 6, &flags, 4);
	memcpy(b + 10, &uid, 4);
	madt_entry(phys, 9, 16, b);
}

/* A FADT of len bytes with PM_TMR_BLK port, PM_TMR_LEN tmr_len and the given flags. */
static void fadt(u32 len, u32 port, u8 tmr_len, u32 flags)
{
	table_begin(FADT, "FACP");
	memset(at(FADT + 36), 0, len - 36);
	if (len >= 80)
		put32(FADT + 76, port);
	if (len > 91)
		at(FADT + 91)[0] = tmr_len;
	if (len >= 116)
		put32(FADT + 112, flags);
	table_done(FADT, len);
}

/* Runs acpi_parse on an exact heap copy of the RSDP, then unmaps everything. */
static enum acpi_error parse(const u8 *rsdp, size_t len)
{
	u8 *copy = malloc(len);
	enum acpi_error e;

	assert_non_null(copy);
	memcpy(copy, rsdp, len);
	e = acpi_parse(copy, len, fake_map, &info);
	free(copy);
	while (nr_maps)
		free(maps[--nr_maps]);
	return e;
}

/* The MADT most tests use: four LAPICs (one disabled) and two x2APICs (one a duplicate). */
static void typical_madt(u64 phys)
{
	madt_begin(phys);
	madt_lapic(phys, 0, 0, 1);
	madt_lapic(phys, 1, 2, 1);
	madt_lapic(phys, 2, 4, 2); /* online capable */
	madt_lapic(phys, 3, 6, 0); /* neither: skipped */
	madt_x2apic(phys, 2, 1, 1); /* APIC ID 2 again */
	madt_entry(phys, 1, 12, (u8[10]){ 0 }); /* an I/O APIC: ignored */
	madt_x2apic(phys, 0x100, 9, 1);
	table_done(phys, madt_len);
}

static void test_rsdt(void **state)
{
	u64 tables[] = { FADT, MADT };
	u8 rsdp[36];

	(void)state;
	typical_madt(MADT);
	fadt(276, 0x608, 4, 1 << 8);
	root_table(RSDT, false, tables, 2);
	assert_int_equal(parse(rsdp, make_rsdp(rsdp, 0, RSDT, 0)), ACPI_OK);
	assert_int_equal(info.rsdp_revision, 0);
	assert_string_equal(info.oem_id, "KESTRL");
	assert_true(info.have_madt);
	assert_int_equal(info.lapic_phys, 0xfee00000);
	assert_true(info.has_8259);
	assert_int_equal(info.nr_cpus, 4);
	assert_int_equal(info.nr_cpus_dropped, 0);
	assert_int_equal(info.cpu[0].apic_id, 0);
	assert_int_equal(info.cpu[1].apic_id, 2);
	assert_int_equal(info.cpu[1].uid, 1);
	assert_true(info.cpu[1].enabled);
	assert_int_equal(info.cpu[2].apic_id, 4);
	assert_false(info.cpu[2].enabled);
	assert_int_equal(info.cpu[3].apic_id, 0x100);
	assert_int_equal(info.cpu[3].uid, 9);
	assert_true(info.cpu[3].enabled);
	assert_true(info.have_fadt);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_true(info.pm_timer_32bit);
}

static void test_xsdt(void **state)
{
	u64 tables[] = { MADT, FADT };
	u8 rsdp[36], override[10] = { 0 };
	u64 lapic = 0xfed00000ull;
	size_t len;

	(void)state;
	madt_begin(MADT);
	madt_x2apic(MADT, 7, 0, 1);
	memcpy(override + 2, &lapic, 8);
	madt_entry(MADT, 5, 12, override); /* local APIC address override */
	table_done(MADT, madt_len);
	fadt(244, 0x608, 4, 0);
	put32(FADT + 208, 1); /* X_PM_TMR_BLK in I/O space, preferred */
	put64(FADT + 212, 0xb008);
	table_done(FADT, 244);
	root_table(XSDT, true, tables, 2);
	root_table(RSDT, false, NULL, 0); /* empty: would find nothing */
	len = make_rsdp(rsdp, 2, RSDT, XSDT);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_int_equal(info.rsdp_revision, 2);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.cpu[0].apic_id, 7);
	assert_int_equal(info.lapic_phys, lapic);
	assert_int_equal(info.pm_timer_port, 0xb008);
	assert_false(info.pm_timer_32bit);

	/* A bad extended checksum, a zero XSDT address or a 20-byte copy: the RSDT is used. */
	rsdp[32]++;
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_false(info.have_madt);
	make_rsdp(rsdp, 2, RSDT, 0);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_false(info.have_madt);
	make_rsdp(rsdp, 2, RSDT, XSDT);
	assert_int_equal(parse(rsdp, 20), ACPI_OK);
	assert_false(info.have_madt);
}

static void test_rsdp_and_root_errors(void **state)
{
	u8 rsdp[36];
	size_t len;

	(void)state;
	root_table(RSDT, false, NULL, 0);
	len = make_rsdp(rsdp, 0, RSDT, 0);
	assert_int_equal(acpi_parse(NULL, 20, fake_map, &info), ACPI_E_NO_RSDP);
	assert_int_equal(parse(rsdp, 19), ACPI_E_NO_RSDP);
	rsdp[0] = 'r';
	assert_int_equal(parse(rsdp, len), ACPI_E_RSDP_SIGNATURE);
	make_rsdp(rsdp, 0, RSDT, 0);
	rsdp[19]++;
	assert_int_equal(parse(rsdp, len), ACPI_E_RSDP_CHECKSUM);

	assert_int_equal(parse(rsdp, make_rsdp(rsdp, 0, UNMAPPED, 0)), ACPI_E_ROOT_UNMAPPED);
	assert_int_equal(parse(rsdp, make_rsdp(rsdp, 2, RSDT, UNMAPPED)), ACPI_E_ROOT_UNMAPPED);
	assert_int_equal(parse(rsdp, make_rsdp(rsdp, 2, RSDT, RSDT)), ACPI_E_ROOT_SIGNATURE);

	len = make_rsdp(rsdp, 0, RSDT, 0);
	at(RSDT)[20]++; /* checksum */
	assert_int_equal(parse(rsdp, len), ACPI_E_ROOT_CHECKSUM);
	put32(RSDT + 4, sizeof(mem) + 1); /* longer than the memory */
	assert_int_equal(parse(rsdp, len), ACPI_E_ROOT_CHECKSUM);
	table_done(RSDT, 35);
	assert_int_equal(parse(rsdp, len), ACPI_E_ROOT_CHECKSUM);
	table_done(RSDT, 36 + 6);
	assert_int_equal(parse(rsdp, len), ACPI_E_ROOT_LENGTH);
}

/* Unreadable or broken tables are skipped; later good ones are still found. */
static void test_bad_tables_skipped(void **state)
{
	u64 tables[] = { UNMAPPED, MADT2, MEM_BASE + sizeof(mem) - 8, MADT, FADT };
	u8 rsdp[36];

	(void)state;
	typical_madt(MADT);
	madt_begin(MADT2);
	madt_lapic(MADT2, 0, 0x42, 1);
	table_done(MADT2, madt_len);
	at(MADT2)[40]++; /* checksum now wrong */
	fadt(80, 0x408, 0, 0); /* too short for PM_TMR_LEN: the port is taken as it is */
	root_table(RSDT, false, tables, ARRAY_SIZE(tables));
	assert_int_equal(parse(rsdp, make_rsdp(rsdp, 0, RSDT, 0)), ACPI_OK);
	assert_int_equal(info.nr_cpus, 4);
	assert_int_equal(info.pm_timer_port, 0x408);
	assert_false(info.pm_timer_32bit);
}

static void test_malformed_madt(void **state)
{
	u64 tables[] = { FADT, MADT, MADT2 };
	u8 rsdp[36];
	size_t len;

	(void)state;
	fadt(276, 0x608, 4, 0);
	root_table(RSDT, false, tables, 2); /* the FADT, the MADT */
	len = make_rsdp(rsdp, 0, RSDT, 0);

	/* An entry of length 0 after a good one: no MADT at all, no CPU kept, no hang. */
	madt_begin(MADT);
	madt_lapic(MADT, 0, 0, 1);
	at(MADT + madt_len)[0] = 0; /* type 0, length 0 */
	at(MADT + madt_len)[1] = 0;
	table_done(MADT, madt_len + 8);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_false(info.have_madt);
	assert_int_equal(info.nr_cpus, 0);
	assert_int_equal(info.lapic_phys, 0);
	assert_int_equal(info.pm_timer_port, 0x608); /* the FADT before it still counts */

	/* An entry running past the table's end. */
	madt_begin(MADT);
	madt_lapic(MADT, 0, 0, 1);
	madt_lapic(MADT, 1, 1, 1);
	table_done(MADT, madt_len - 1);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_false(info.have_madt);
	assert_int_equal(info.nr_cpus, 0);

	/* A later good MADT is used instead. */
	madt_begin(MADT2);
	madt_lapic(MADT2, 5, 3, 1);
	table_done(MADT2, madt_len);
	root_table(RSDT, false, tables, 3);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_true(info.have_madt);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.cpu[0].apic_id, 3);
}

static void test_madt_direct(void **state)
{
	static const u8 trailing[45] = "APIC";

	(void)state;
	memset(&info, 0, sizeof(info));
	assert_false(acpi_parse_madt(trailing, 43, &info));
	assert_false(acpi_parse_madt((const u8 *)"FACP", 4, &info));
	assert_true(acpi_parse_madt(trailing, 44, &info)); /* no entries */
	assert_true(acpi_parse_madt(trailing, 45, &info)); /* one byte left over: ignored */
	assert_int_equal(info.nr_cpus, 0);
}

static void test_too_many_cpus(void **state)
{
	u64 tables[] = { MADT };
	u8 rsdp[36];

	(void)state;
	madt_begin(MADT);
	for (u32 i = 0; i < ACPI_MAX_CPUS + 44; i++)
		madt_x2apic(MADT, i, i, 1);
	madt_x2apic(MADT, 3, 3, 1); /* a duplicate is not dropped, just ignored */
	table_done(MADT, madt_len);
	root_table(RSDT, false, tables, 1);
	assert_int_equal(parse(rsdp, make_rsdp(rsdp, 0, RSDT, 0)), ACPI_OK);
	assert_int_equal(info.nr_cpus, ACPI_MAX_CPUS);
	assert_int_equal(info.nr_cpus_dropped, 44);
	assert_int_equal(info.cpu[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
}

static void test_fadt_timer(void **state)
{
	u64 tables[] = { FADT };
	u8 rsdp[36];
	size_t len;

	(void)state;
	root_table(RSDT, false, tables, 1);
	len = make_rsdp(rsdp, 0, RSDT, 0);

	fadt(276, 0x608, 2, 1 << 8); /* PM_TMR_LEN must be 4 */
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_true(info.have_fadt);
	assert_int_equal(info.pm_timer_port, 0);
	assert_false(info.pm_timer_32bit);

	fadt(276, 0, 0, 0); /* no timer */
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_true(info.have_fadt);
	assert_int_equal(info.pm_timer_port, 0);

	fadt(276, 0x608, 4, 0);
	put32(FADT + 208, 0); /* X_PM_TMR_BLK in memory space: the old field is used */
	put64(FADT + 212, 0xb008);
	table_done(FADT, 276);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_int_equal(info.pm_timer_port, 0x608);

	put32(FADT + 208, 1); /* an I/O port that does not fit in 16 bits */
	put64(FADT + 212, 0x10000);
	table_done(FADT, 276);
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_int_equal(info.pm_timer_port, 0);

	fadt(36, 0, 0, 0); /* just a header */
	assert_int_equal(parse(rsdp, len), ACPI_OK);
	assert_true(info.have_fadt);
	assert_int_equal(info.pm_timer_port, 0);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = ACPI_OK; e <= ACPI_E_ROOT_CHECKSUM; e++) {
		assert_string_not_equal(acpi_strerror(e), "unknown error");
		for (int f = ACPI_OK; f < e; f++)
			assert_string_not_equal(acpi_strerror(e), acpi_strerror(f));
	}
	assert_string_equal(acpi_strerror(ACPI_E_ROOT_CHECKSUM + 1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdt),
		cmocka_unit_test(test_xsdt),
		cmocka_unit_test(test_rsdp_and_root_errors),
		cmocka_unit_test(test_bad_tables_skipped),
		cmocka_unit_test(test_malformed_madt),
		cmocka_unit_test(test_madt_direct),
		cmocka_unit_test(test_too_many_cpus),
		cmocka_unit_test(test_fadt_timer),
		cmocka_unit_test(test_strerror),
	};

	return unit_run(tests);
}
