// SPDX-License-Identifier: GPL-2.0
/* Unit tests for hv/dev/vpci.c: configuration mechanism #1 and the host bridge at 00:00.0. */
#include "unit.h"
#include "hv/dev/vpci.h"

static struct vpci p;

static u32 cfg_address(u32 bus, u32 dev, u32 fn, u32 reg)
{
	return VPCI_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

/* A configuration read as Linux's pci_conf1_read does it: the address, then the data port. */
static u32 cfg_read(u32 bus, u32 dev, u32 fn, u32 reg, u32 size)
{
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, cfg_address(bus, dev, fn, reg));
	return vpci_read(&p, (u16)(VPCI_PORT_DATA + (reg & 3)), size);
}

static void cfg_write(u32 bus, u32 dev, u32 fn, u32 reg, u32 size, u32 val)
{
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, cfg_address(bus, dev, fn, reg));
	vpci_write(&p, (u16)(VPCI_PORT_DATA + (reg & 3)), size, val);
}

static void test_address_register(void **state)
{
	(void)state;
	vpci_init(&p);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 4), 0);
	/* Linux's pci_check_type1: a byte to 0xcfb, then 0x80000000 must read back. */
	vpci_write(&p, 0xcfb, 1, 0x01);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 4), 0);
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, 0x80000000);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 4), 0x80000000);
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, 0x8012345c);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 4), 0x8012345c);
	/* Reserved bits 30-24 and 1-0 read as 0 (PCI 3.0, 3.2.2.3.2). */
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, 0xffffffff);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 4), 0x80fffffc);
	/* Byte and word accesses to 0xcf8-0xcfb are not CONFIG_ADDRESS: nothing there. */
	vpci_write(&p, VPCI_PORT_ADDRESS, 2, 0);
	vpci_write(&p, VPCI_PORT_ADDRESS, 1, 0);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 4), 0x80fffffc);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 1), 0xff);
	assert_int_equal(vpci_read(&p, VPCI_PORT_ADDRESS, 2), 0xffff);
	assert_int_equal(vpci_read(&p, 0xcfa, 2), 0xffff);
}

static void test_host_bridge_header(void **state)
{
	(void)state;
	vpci_init(&p);
	assert_int_equal(cfg_read(0, 0, 0, 0x00, 4), VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR);
	assert_int_equal(cfg_read(0, 0, 0, 0x00, 2), VPCI_HOST_VENDOR);
	assert_int_equal(cfg_read(0, 0, 0, 0x02, 2), VPCI_HOST_DEVICE);
	assert_int_equal(cfg_read(0, 0, 0, 0x08, 4), 0x06000000); /* class 06/00/00, rev 0 */
	assert_int_equal(cfg_read(0, 0, 0, 0x0b, 1), 0x06);
	assert_int_equal(cfg_read(0, 0, 0, 0x0a, 1), 0x00);
	assert_int_equal(cfg_read(0, 0, 0, 0x0e, 1), 0x00); /* header type 0, one function */
	assert_int_equal(cfg_read(0, 0, 0, 0x06, 2), 0); /* status: no capabilities */
	for (u32 bar = 0x10; bar <= 0x24; bar += 4)
		assert_int_equal(cfg_read(0, 0, 0, bar, 4), 0);
	assert_int_equal(cfg_read(0, 0, 0, 0x3d, 1), 0); /* no interrupt pin */
	assert_int_equal(cfg_read(0, 0, 0, 0xfc, 4), 0);
}

/* Byte, word and dword accesses at every offset of the data port. */
static void test_widths_and_offsets(void **state)
{
	u32 id = VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR;

	(void)state;
	vpci_init(&p);
	for (u32 off = 0; off < 4; off++)
		assert_int_equal(cfg_read(0, 0, 0, off, 1), (id >> (8 * off)) & 0xff);
	assert_int_equal(cfg_read(0, 0, 0, 1, 2), (id >> 8) & 0xffff);
	/* A dword at 0xcfd: its bytes past 0xcff are not configuration data. */
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, cfg_address(0, 0, 0, 0));
	assert_int_equal(vpci_read(&p, VPCI_PORT_DATA + 1, 4), 0xff000000 | id >> 8);
	assert_int_equal(vpci_read(&p, VPCI_PORT_DATA + 3, 2), 0xff00 | id >> 24);
	/* A byte write to a writable field changes that byte only. */
	cfg_write(0, 0, 0, 0x0d, 1, 0x40);
	cfg_write(0, 0, 0, 0x3c, 1, 0x0b);
	assert_int_equal(cfg_read(0, 0, 0, 0x0c, 4), 0x00004000);
	assert_int_equal(cfg_read(0, 0, 0, 0x3c, 4), 0x0000000b);
	cfg_write(0, 0, 0, 0x0c, 2, 0x2010);
	assert_int_equal(cfg_read(0, 0, 0, 0x0c, 4), 0x00002010);
}

static void test_read_only_fields(void **state)
{
	(void)state;
	vpci_init(&p);
	cfg_write(0, 0, 0, 0x00, 4, 0x12345678);
	cfg_write(0, 0, 0, 0x08, 4, 0xffffffff);
	cfg_write(0, 0, 0, 0x0e, 1, 0x80);
	cfg_write(0, 0, 0, 0x10, 4, 0xffffffff); /* BAR sizing: nothing implemented */
	cfg_write(0, 0, 0, 0x3d, 1, 0x01);
	cfg_write(0, 0, 0, 0x80, 4, 0xffffffff);
	assert_int_equal(cfg_read(0, 0, 0, 0x00, 4), VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR);
	assert_int_equal(cfg_read(0, 0, 0, 0x08, 4), 0x06000000);
	assert_int_equal(cfg_read(0, 0, 0, 0x0e, 1), 0);
	assert_int_equal(cfg_read(0, 0, 0, 0x10, 4), 0);
	assert_int_equal(cfg_read(0, 0, 0, 0x3d, 1), 0);
	assert_int_equal(cfg_read(0, 0, 0, 0x80, 4), 0);
	/* Command: only the enable bits; status: read-only (write-1-to-clear of nothing). */
	cfg_write(0, 0, 0, 0x04, 4, 0xffffffff);
	assert_int_equal(cfg_read(0, 0, 0, 0x04, 4), 0x00000547);
	cfg_write(0, 0, 0, 0x04, 2, 0);
	assert_int_equal(cfg_read(0, 0, 0, 0x04, 4), 0);
}

static void test_nonexistent_functions(void **state)
{
	static const u32 bdf[][3] = { { 0, 0, 1 }, { 0, 0, 7 }, { 0, 1, 0 }, { 0, 31, 7 },
				      { 1, 0, 0 }, { 255, 31, 7 } };

	(void)state;
	vpci_init(&p);
	for (u32 i = 0; i < ARRAY_SIZE(bdf); i++) {
		cfg_write(bdf[i][0], bdf[i][1], bdf[i][2], 0x04, 4, 0xffffffff);
		assert_int_equal(cfg_read(bdf[i][0], bdf[i][1], bdf[i][2], 0x00, 4), 0xffffffff);
		assert_int_equal(cfg_read(bdf[i][0], bdf[i][1], bdf[i][2], 0x04, 2), 0xffff);
		assert_int_equal(cfg_read(bdf[i][0], bdf[i][1], bdf[i][2], 0x0e, 1), 0xff);
	}
	assert_int_equal(cfg_read(0, 0, 0, 0x04, 4), 0); /* the host bridge was not written */
	/* Enable bit clear: the data port is not configuration space. */
	vpci_write(&p, VPCI_PORT_ADDRESS, 4, 0x00000000);
	assert_int_equal(vpci_read(&p, VPCI_PORT_DATA, 4), 0xffffffff);
	vpci_write(&p, VPCI_PORT_DATA, 4, 0xffffffff);
	assert_int_equal(cfg_read(0, 0, 0, 0x04, 4), 0);
}

/*
 * ECAM (PCI Express Base 6.0, 7.2.2, the MCFG's window): offset bus << 20 | dev << 15 |
 * fn << 12 | register reaches the same configuration space as mechanism #1, any width.
 */
static void test_ecam(void **state)
{
	(void)state;
	memset(&p, 0, sizeof(p));
	vpci_init(&p);
	assert_int_equal(vpci_ecam_read(&p, 0x000, 4), VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR);
	assert_int_equal(vpci_ecam_read(&p, 0x002, 2), VPCI_HOST_DEVICE);
	assert_int_equal(vpci_ecam_read(&p, 0x00b, 1), VPCI_CLASS_HOST_BRIDGE >> 16);
	assert_int_equal(vpci_ecam_read(&p, 0x000, 8),
			 (u64)cfg_read(0, 0, 0, 4, 4) << 32 | (VPCI_HOST_DEVICE << 16 | VPCI_HOST_VENDOR));
	/* A write through ECAM is seen by mechanism #1, with the same read-only bits. */
	vpci_ecam_write(&p, 0x03c, 1, 0x0b); /* interrupt line */
	assert_int_equal(cfg_read(0, 0, 0, 0x3c, 1), 0x0b);
	vpci_ecam_write(&p, 0x000, 4, 0);
	assert_int_equal(vpci_ecam_read(&p, 0x000, 2), VPCI_HOST_VENDOR);
	/* Other functions, and past the 256 bytes of a PCI function: nothing there. */
	assert_int_equal(vpci_ecam_read(&p, 1 << 15, 4), 0xffffffff); /* 00:01.0 */
	assert_int_equal(vpci_ecam_read(&p, 1 << 12, 2), 0xffff); /* 00:00.1 */
	assert_int_equal(vpci_ecam_read(&p, 0x100, 4), 0xffffffff);
	assert_int_equal(vpci_ecam_read(&p, 0xffe, 4), 0xffffffff); /* runs off the 4 KiB */
	vpci_ecam_write(&p, (1 << 15) | 0x3c, 1, 0x55);
	assert_int_equal(cfg_read(0, 1, 0, 0x3c, 1), 0xff);
	/* Any offset and width a guest gives: an answer, never past the window. */
	for (u32 off = VPCI_ECAM_SIZE - 16; off < VPCI_ECAM_SIZE + 16; off++) {
		vpci_ecam_write(&p, off, 8, ~0ull);
		(void)vpci_ecam_read(&p, off, 8);
	}
	assert_int_equal(vpci_ecam_read(&p, 0, 3), 0xffffff); /* not a width: all ones */
	assert_true(p.accesses > 0);
	/* A reset (vpci_init again) keeps the window where the VM's tables say it is. */
	p.ecam_base = VPCI_ECAM_BASE;
	vpci_init(&p);
	assert_int_equal(p.ecam_base, VPCI_ECAM_BASE);
	assert_int_equal(p.accesses, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecam),
		cmocka_unit_test(test_address_register),
		cmocka_unit_test(test_host_bridge_header),
		cmocka_unit_test(test_widths_and_offsets),
		cmocka_unit_test(test_read_only_fields),
		cmocka_unit_test(test_nonexistent_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
