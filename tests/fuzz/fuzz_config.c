/*
 * Fuzzes the configuration loader: the input is a whole sipxmppd.conf,
 * and, read another way, one option value (first byte: which option).
 * Nothing may crash, leak or read out of bounds, whatever the bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads the bytes as a file; prints a loaded config to exercise the
 * printers on whatever the parsers let through. */
static void
fuzz_file(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *cause = NULL;
	FILE *out;

	if (config_load_buffer("/fuzz/sipxmppd.conf", (const char *)data,
	    size, &cfg, &cause) == 0 && (out = fopen("/dev/null", "w")) !=
	    NULL) {
		config_write_effective(out, &cfg);
		fclose(out);
	}
	free(cause);
	config_free(&cfg);
}

/* Sets one option from the bytes after the first, as the loader would
 * after inih stripped them. */
static void
fuzz_value(const uint8_t *data, size_t size)
{
	const struct config_option *o;
	struct config cfg;
	char *value, *why = NULL;

	if (size == 0)
		return;
	o = &config_options[data[0] % config_n_options];
	if ((value = malloc(size)) == NULL)
		return;
	memcpy(value, data + 1, size - 1);
	value[size - 1] = '\0';
	config_init_defaults(&cfg);
	(void)config_option_set(&cfg, o, value, &why);
	free(why);
	free(value);
	config_free(&cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_value(data, size);
	return 0;
}
