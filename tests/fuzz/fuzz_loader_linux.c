// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: hv/loader_linux.c takes any bzImage header and places what it loads inside RAM. */
#include "fuzz.h"
#include "hv/loader_linux.h"

/* Input: one byte of initrd length, that many initrd bytes, then the bzImage file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	u32 initrd_len = (u32)fuzz_u64(&in, 1);
	struct loader_module initrd = { in.p, MIN((size_t)initrd_len, in.n), "", 0 };
	struct loader_linux_args a = { .cmdline = "console=ttyS0", .cmdline_len = 13,
				       .initrds = &initrd, .nr_initrds = 1, .rsdp_gpa = 0xe0000 };
	struct loader_linux_result res;
	struct guest_mem *gm = fuzz_ram();
	/* A copy of exactly the image's bytes: ASan catches a read past them. */
	size_t image_len = in.n - initrd.len;
	u8 *image = malloc(image_len ? image_len : 1);

	memcpy(image, in.p + initrd.len, image_len);
	a.image = image;
	a.image_len = image_len;
	if (!loader_linux_load(gm, &a, &res)) {
		if (res.kernel_start < LOADER_HIGH_START || res.kernel_end > gm->size ||
		    res.entry < res.kernel_start || res.entry >= res.kernel_end)
			abort(); /* a kernel placed outside RAM or entered outside itself */
		if (res.initrd_end > gm->size || res.initrd_end - res.initrd_start != initrd.len ||
		    (initrd.len && res.initrd_start < res.kernel_end))
			abort(); /* an initrd over the kernel or past RAM */
	} else if (!res.error[0] || res.entry || res.boot_params) {
		abort(); /* a failure must say why and hand nothing over */
	}
	free(image);
	return 0;
}
