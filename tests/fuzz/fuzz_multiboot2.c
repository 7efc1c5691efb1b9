// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: lib/multiboot2.c parses whatever boot information it is given, within its bytes. */
#include "fuzz.h"
#include "lib/multiboot2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_info bi;
	/* A copy of exactly size bytes: ASan catches a read past them. */
	u8 *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (mb2_parse(MB2_BOOTLOADER_MAGIC, copy, size, &bi) == MB2_OK) {
		for (u32 i = 0; i < bi.nr_modules; i++)
			if (bi.modules[i].start > bi.modules[i].end)
				abort(); /* a module the parser let through backwards */
	}
	free(copy);
	return 0;
}
