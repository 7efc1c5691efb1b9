// SPDX-License-Identifier: GPL-2.0
/*
 * Finds its CPUs the way an OS does without a boot-loader tag: scans the BIOS area for the RSDP
 * (ACPI 6.5, 5.2.5.1), checks every checksum, follows the XSDT to the MADT, and counts the
 * enabled local APIC and x2APIC entries: there must be one per vCPU, with APIC IDs 0 to N-1.
 * Then the MCFG: its ECAM window of bus 0 answers as the same host bridge as ports 0xcf8/0xcfc.
 */
#include <kestrel-rt/rt.h>
#include <kestrel/kestrel.h>

static bool sum_ok(const u8 *p, u32 n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s == 0;
}

static const u8 *find_rsdp(void)
{
	for (u64 a = 0xe0000; a < 0x100000; a += 16) {
		const u8 *p = (const u8 *)(uintptr_t)a;

		if (!memcmp(p, "RSD PTR ", 8) && sum_ok(p, 20))
			return p;
	}
	return NULL;
}

static u32 pci_port_read(u32 reg)
{
	rt_outl(0xcf8, 0x80000000u | reg);
	return rt_inl(0xcfc);
}

/* The MCFG (PCI Firmware 3.2, 4.1.2): one window, segment 0, bus 0, the host bridge in it. */
static void test_mcfg(const u8 *xsdt)
{
	const u8 *mcfg = NULL;
	volatile u32 *ecam;
	u32 len, id;
	u64 base;

	rt_test_begin("acpi-mcfg-ecam");
	memcpy(&len, xsdt + 4, 4);
	for (u32 off = 36; off + 8 <= len; off += 8) {
		u64 pa;

		memcpy(&pa, xsdt + off, 8);
		if (!memcmp((const u8 *)(uintptr_t)pa, "MCFG", 4))
			mcfg = (const u8 *)(uintptr_t)pa;
	}
	if (!rt_check(mcfg != NULL, "no MCFG in the XSDT"))
		goto out;
	memcpy(&len, mcfg + 4, 4);
	rt_check(len == 60 && sum_ok(mcfg, len), "MCFG of %u bytes or bad checksum", len);
	memcpy(&base, mcfg + 44, 8);
	rt_check(mcfg[52] == 0 && mcfg[53] == 0 && mcfg[54] == 0 && mcfg[55] == 0,
		 "not segment 0, bus 0 to 0");
	ecam = (volatile u32 *)(uintptr_t)base;
	id = ecam[0];
	rt_printf("acpi: MCFG window at %#lx: 00:00.0 [%04x:%04x]\n", base, id & 0xffff, id >> 16);
	rt_check(id == pci_port_read(0), "ECAM reads %#x, ports %#x", id, pci_port_read(0));
	rt_check(ecam[(1 << 15) / 4] == 0xffffffffu, "00:01.0 answers through ECAM");
	ecam[0x3c / 4] = 0x0a; /* the interrupt line: writable */
	rt_check((pci_port_read(0x3c) & 0xff) == 0x0a, "an ECAM write not seen through the ports");
out:
	rt_test_end();
}

void kmain(const struct rt_boot *boot)
{
	struct kestrel_info info;
	const u8 *rsdp, *xsdt, *madt = NULL;
	u32 len, seen = 0, bad_id = 0;
	u64 xsdt_pa;

	(void)boot;
	rt_test_begin("acpi-madt");
	if (!rt_check(kestrel_detect(&info), "not on Kestrel"))
		return;
	rsdp = find_rsdp();
	if (!rt_check(rsdp != NULL, "no RSDP in 0xe0000-0xfffff"))
		return;
	rt_check(rsdp[15] >= 2 && sum_ok(rsdp, 36), "RSDP revision %u or extended checksum", rsdp[15]);
	memcpy(&xsdt_pa, rsdp + 24, 8);
	xsdt = (const u8 *)(uintptr_t)xsdt_pa;
	memcpy(&len, xsdt + 4, 4);
	if (!rt_check(!memcmp(xsdt, "XSDT", 4) && sum_ok(xsdt, len), "bad XSDT at %#lx", xsdt_pa))
		return;
	for (u32 off = 36; off + 8 <= len; off += 8) {
		u64 pa;

		memcpy(&pa, xsdt + off, 8);
		if (!memcmp((const u8 *)(uintptr_t)pa, "APIC", 4))
			madt = (const u8 *)(uintptr_t)pa;
	}
	if (!rt_check(madt != NULL, "no MADT in the XSDT"))
		return;
	memcpy(&len, madt + 4, 4);
	rt_check(sum_ok(madt, len), "MADT checksum");
	for (u32 off = 44; off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1]) {
		const u8 *e = madt + off;
		u32 id = 0, flags = 0;

		if (e[0] == 0) {
			id = e[3];
			memcpy(&flags, e + 4, 4);
		} else if (e[0] == 9) {
			memcpy(&id, e + 4, 4);
			memcpy(&flags, e + 8, 4);
		} else {
			continue;
		}
		if (flags & 1)
			bad_id += id != seen++;
	}
	rt_printf("acpi: MADT at %p lists %u enabled CPUs; CPUID says %u vCPUs\n", madt, seen,
		  info.nr_vcpus);
	rt_check(seen == info.nr_vcpus, "%u CPUs in the MADT, %u vCPUs", seen, info.nr_vcpus);
	rt_check(!bad_id, "%u APIC IDs out of order", bad_id);
	rt_test_end();
	test_mcfg(xsdt);
}
