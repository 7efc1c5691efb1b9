// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: hv/cmdline.c reads any command line and reports, never overruns, bad words. */
#include "fuzz.h"
#include "hv/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct hv_config cfg;
	struct hv_config_errors errs;

	memcpy(line, data, size);
	line[size] = '\0';
	hv_config_parse(line, &cfg, &errs);
	/* nr counts every bad word; the first HV_CONFIG_MAX_ERRORS have a message. */
	for (u32 i = 0; i < errs.nr && i < HV_CONFIG_MAX_ERRORS; i++)
		if (strnlen(errs.msg[i], HV_CONFIG_ERROR_LEN) == HV_CONFIG_ERROR_LEN)
			abort(); /* a message without its terminator */
	free(line);
	return 0;
}
