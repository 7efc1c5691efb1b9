// SPDX-License-Identifier: GPL-2.0
/* Builds a VM's RSDP, XSDT, FADT, DSDT, MADT (ACPI 6.5, chapter 5) and MCFG; pure, unit-tested. */
#include "hv/dev/acpi_tables.h"
#include "hv/dev/vioapic.h"
#include "hv/dev/vrtc.h"
#include "lib/string.h"

#define XSDT_OFF 64
#define FADT_OFF 128
#define DSDT_OFF 416
#define MCFG_OFF 896
#define MADT_OFF 1024
#define SDT_HEADER_LEN 36
#define XSDT_ENTRIES_MAX 3 /* FADT, MADT and, with an ECAM window, MCFG */
#define MCFG_LEN (SDT_HEADER_LEN + 8 + 16) /* one allocation, PCI Firmware 3.2, 4.1.2 */
#define FADT_LEN 276 /* revision 6, 5.2.9 table 5.9 */
#define FADT_FLAG_WBINVD BIT(0)
#define FADT_FLAG_PWR_BUTTON BIT(4) /* set: no fixed-feature power button */
#define FADT_FLAG_SLP_BUTTON BIT(5)
#define FADT_FLAG_RESET_REG_SUP BIT(10)
#define FADT_FLAG_HW_REDUCED_ACPI BIT(20)
#define FADT_BOOT_VGA_NOT_PRESENT BIT(2) /* IAPC_BOOT_ARCH, 5.2.9.3; 8042 bit 1 clear: none */
#define FADT_CENTURY 108 /* the CMOS RTC's index of the century byte, 5.2.9 table 5.9 */
#define GAS_SYSTEM_IO 1 /* the Generic Address Structure, 5.2.3.2 */
#define GAS_ACCESS_BYTE 1
#define MADT_LAPIC_LEN 8 /* type 0, 5.2.12.2: APIC IDs up to 254 */
#define MADT_X2APIC_LEN 16 /* type 9, 5.2.12.12: the others */
#define MADT_IOAPIC_LEN 12 /* type 1, 5.2.12.3 */
#define MADT_ISO_LEN 10 /* type 2, 5.2.12.5: interrupt source override */
#define MADT_ISO_HIGH_EDGE 0x5 /* MPS INTI flags: polarity 01 active high, trigger 01 edge */
#define MADT_PCAT_COMPAT 1 /* flags, table 5.20: the 8259 pair exists */
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

/* A Generic Address Structure for a byte-wide I/O port, 5.2.3.2. */
static void put_gas_io(u8 *p, u16 port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put64(p + 4, port);
}

/* 5.2.9, table 5.9: revision 6.5, hardware-reduced, pointing at the DSDT. */
static void build_fadt(u8 *fadt)
{
	sdt_header(fadt, "FACP", FADT_LEN, 6);
	put32(fadt + 40, ACPI_TABLES_GPA + DSDT_OFF); /* DSDT */
	fadt[FADT_CENTURY] = VRTC_CENTURY;
	put16(fadt + 109, FADT_BOOT_VGA_NOT_PRESENT); /* CMOS RTC bit 5 clear: there is one */
	put32(fadt + 112, FADT_FLAG_WBINVD | FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON |
		       FADT_FLAG_RESET_REG_SUP | FADT_FLAG_HW_REDUCED_ACPI);
	put_gas_io(fadt + 116, ACPI_RESET_PORT); /* RESET_REG */
	fadt[128] = ACPI_RESET_VALUE;
	fadt[131] = 5; /* FADT minor version: ACPI 6.5 */
	put64(fadt + 140, ACPI_TABLES_GPA + DSDT_OFF); /* X_DSDT */
	put_gas_io(fadt + 244, ACPI_SLEEP_CONTROL_PORT);
	put_gas_io(fadt + 256, ACPI_SLEEP_STATUS_PORT);
	memcpy(fadt + 268, "KESTREL ", 8); /* hypervisor vendor identity */
	fadt[9] = checksum(fadt, FADT_LEN);
}

/*
 * The DSDT's AML (ACPI 6.5, 20.2), assembled by hand; `iasl -d` reads it back as (shortened):
 *
 *   Name (\_S5, Package (4) { 5, 5, 0, 0 })
 *   Scope (\_SB) {
 *      Device (PCI0) {
 *         Name (_HID, EisaId ("PNP0A03"))
 *         Name (_CRS, ResourceTemplate () {
 *            WordBusNumber (ResourceProducer, MinFixed, MaxFixed,, 0, 0, 0, 0, 1)
 *            IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *         })
 *      }
 *      Device (RTC_) {
 *         Name (_HID, EisaId ("PNP0B00"))
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x0070, 0x0070, 0x01, 0x02) })
 *      }
 *      Device (COM1) {
 *         Name (_HID, EisaId ("PNP0501"))
 *         Name (_UID, One)
 *         Name (_CRS, ResourceTemplate () {
 *            IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
 *            IRQNoFlags () {4}
 *         })
 *      }
 *   }
 *
 * \_S5 is the sleep type the sleep control register takes for S5 (7.4.2). Linux scans only
 * the PCI buses ACPI names: PCI0 is the root bridge of bus 0 (PNP0A03, a PCI host bridge; its
 * bus range a Word Address Space Descriptor in _CRS, 6.4.3.5.3, with its configuration ports)
 * whose host bridge hv/dev/vpci.c answers. RTC_ is the CMOS RTC (PNP0B00, an AT RTC) that
 * Linux's rtc_cmos driver binds to; it names no interrupt, so the driver runs without one (there
 * is no interrupt controller for IRQ 8 yet). COM1 is the 16550 (PNP0501) with its ISA IRQ 4
 * (edge, active high: IRQNoFlags, 6.4.2.1): on a hardware-reduced platform Linux has no legacy
 * IRQs, and only a device that names its interrupt gets one (8250_pnp maps GSI 4 through the
 * I/O APIC), so without it the 8250 driver stays polled. PkgLength (20.2.4) is one byte up to 63, else two:
 * 0x40 | bits 3-0, then bits 11-4.
 */
#define EISA_PNP(hi, lo) 0x41, 0xd0, (hi), (lo) /* EisaId ("PNPhhll"), a DWordConst */

static const u8 dsdt_aml[] = {
	0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, /* Name, Package (PkgLength 8, 4) */
	0x0a, ACPI_S5_TYPE, 0x0a, ACPI_S5_TYPE, 0x00, 0x00,
	0x10, 0x4c, 0x08, '\\', '_', 'S', 'B', '_', /* Scope, PkgLength 140 */
	0x5b, 0x82, 0x32, 'P', 'C', 'I', '0', /* Device, PkgLength 50 */
	0x08, '_', 'H', 'I', 'D', 0x0c, EISA_PNP(0x0a, 0x03),
	0x08, '_', 'C', 'R', 'S', 0x11, 0x1d, 0x0a, 0x1a, /* Buffer, PkgLength 29, 26 bytes */
	0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, /* Word Address Space: bus numbers, fixed */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* granularity..length */
	0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08, /* I/O port: 0xcf8, 8 bytes */
	0x79, 0x00, /* End Tag */
	0x5b, 0x82, 0x22, 'R', 'T', 'C', '_', /* Device, PkgLength 34 */
	0x08, '_', 'H', 'I', 'D', 0x0c, EISA_PNP(0x0b, 0x00),
	0x08, '_', 'C', 'R', 'S', 0x11, 0x0d, 0x0a, 0x0a, /* Buffer, PkgLength 13, 10 bytes */
	0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, /* I/O port: 0x70, 2 bytes */
	0x79, 0x00,
	0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1', /* Device, PkgLength 43 */
	0x08, '_', 'H', 'I', 'D', 0x0c, EISA_PNP(0x05, 0x01),
	0x08, '_', 'U', 'I', 'D', 0x01, /* One */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d, /* Buffer, PkgLength 16, 13 bytes */
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* I/O port: 0x3f8, 8 bytes */
	0x22, 0x10, 0x00, /* IRQ: 4 */
	0x79, 0x00,
};

/*
 * With an ECAM window: a motherboard resource (PNP0C02) that reserves it, in a Scope of its own
 * after the rest. Linux uses an MCFG window only when firmware reserves it so (or E820 does);
 * the base is patched in at MRES_BASE_AT.
 */
static const u8 dsdt_mres_aml[] = {
	0x10, 0x2e, '\\', '_', 'S', 'B', '_', /* Scope, PkgLength 46 */
	0x5b, 0x82, 0x26, 'M', 'R', 'E', 'S', /* Device, PkgLength 38 */
	0x08, '_', 'H', 'I', 'D', 0x0c, EISA_PNP(0x0c, 0x02),
	0x08, '_', 'C', 'R', 'S', 0x11, 0x11, 0x0a, 0x0e, /* Buffer, PkgLength 17, 14 bytes */
	0x86, 0x09, 0x00, 0x01, /* Memory32Fixed, read-write */
	0x00, 0x00, 0x00, 0x00, /* base (MRES_BASE_AT) */
	0x00, 0x00, 0x00, 0x00, /* length (MRES_BASE_AT + 4) */
	0x79, 0x00,
};
#define MRES_BASE_AT 37

_Static_assert(XSDT_OFF + SDT_HEADER_LEN + 8 * XSDT_ENTRIES_MAX <= FADT_OFF, "tables overlap");
_Static_assert(FADT_OFF + FADT_LEN <= DSDT_OFF, "tables overlap");
_Static_assert(DSDT_OFF + SDT_HEADER_LEN + sizeof(dsdt_aml) + sizeof(dsdt_mres_aml) <= MCFG_OFF,
	       "tables overlap");
_Static_assert(MCFG_OFF + MCFG_LEN <= MADT_OFF, "tables overlap");

static void build_dsdt(u8 *dsdt, u64 ecam_base)
{
	u32 len = SDT_HEADER_LEN + sizeof(dsdt_aml) + (ecam_base ? sizeof(dsdt_mres_aml) : 0);
	u8 *mres = dsdt + SDT_HEADER_LEN + sizeof(dsdt_aml);

	sdt_header(dsdt, "DSDT", len, 2); /* revision 2: integers are 64 bits */
	memcpy(dsdt + SDT_HEADER_LEN, dsdt_aml, sizeof(dsdt_aml));
	if (ecam_base) {
		memcpy(mres, dsdt_mres_aml, sizeof(dsdt_mres_aml));
		put32(mres + MRES_BASE_AT, (u32)ecam_base);
		put32(mres + MRES_BASE_AT + 4, ACPI_ECAM_SIZE);
	}
	dsdt[9] = checksum(dsdt, len);
}

/* PCI Firmware 3.2, 4.1.2: 8 reserved bytes, then the allocation of segment 0, bus 0 alone. */
static void build_mcfg(u8 *mcfg, u64 ecam_base)
{
	sdt_header(mcfg, "MCFG", MCFG_LEN, 1);
	put64(mcfg + SDT_HEADER_LEN + 8, ecam_base);
	put16(mcfg + SDT_HEADER_LEN + 16, 0); /* PCI segment group */
	mcfg[SDT_HEADER_LEN + 18] = 0; /* start bus */
	mcfg[SDT_HEADER_LEN + 19] = 0; /* end bus */
	mcfg[9] = checksum(mcfg, MCFG_LEN);
}

static u32 madt_len(u32 nr_vcpus)
{
	u32 small = MIN(nr_vcpus, 255u);

	return SDT_HEADER_LEN + 8 + small * MADT_LAPIC_LEN + (nr_vcpus - small) * MADT_X2APIC_LEN +
	       MADT_IOAPIC_LEN + MADT_ISO_LEN;
}

s64 acpi_tables_build(u8 *buf, size_t size, u32 nr_vcpus, u64 ecam_base)
{
	u32 len = madt_len(nr_vcpus), nr_tables = ecam_base ? 3 : 2;
	u8 *rsdp = buf, *xsdt = buf + XSDT_OFF, *madt = buf + MADT_OFF, *e;

	if (!nr_vcpus || nr_vcpus > ACPI_TABLES_MAX_VCPUS || size < MADT_OFF + (u64)len)
		return -ENOSPC;
	memset(buf, 0, MADT_OFF + len);

	sdt_header(madt, "APIC", len, 5);
	put32(madt + 36, XAPIC_BASE);
	put32(madt + 40, MADT_PCAT_COMPAT); /* the 8259 pair is emulated (hv/dev/vpic.c) */
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
	/* The I/O APIC (hv/dev/vioapic.c), its pins GSIs 0-23. */
	e[0] = 1;
	e[1] = MADT_IOAPIC_LEN;
	e[2] = VIOAPIC_ID;
	put32(e + 4, (u32)VIOAPIC_BASE);
	put32(e + 8, 0);
	e += MADT_IOAPIC_LEN;
	/* ISA IRQ 0, the PIT, is wired to pin 2, as on PCs; edge-triggered, active high. */
	e[0] = 2;
	e[1] = MADT_ISO_LEN;
	e[2] = 0; /* bus: ISA */
	e[3] = 0; /* source: IRQ 0 */
	put32(e + 4, 2);
	put16(e + 8, MADT_ISO_HIGH_EDGE);
	madt[9] = checksum(madt, len);

	build_fadt(buf + FADT_OFF);
	build_dsdt(buf + DSDT_OFF, ecam_base);
	if (ecam_base)
		build_mcfg(buf + MCFG_OFF, ecam_base);
	sdt_header(xsdt, "XSDT", SDT_HEADER_LEN + 8 * nr_tables, 1);
	put64(xsdt + SDT_HEADER_LEN, ACPI_TABLES_GPA + FADT_OFF);
	put64(xsdt + SDT_HEADER_LEN + 8, ACPI_TABLES_GPA + MADT_OFF);
	if (ecam_base)
		put64(xsdt + SDT_HEADER_LEN + 16, ACPI_TABLES_GPA + MCFG_OFF);
	xsdt[9] = checksum(xsdt, SDT_HEADER_LEN + 8 * nr_tables);

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
