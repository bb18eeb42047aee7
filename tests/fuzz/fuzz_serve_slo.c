/*
 * fuzz_serve_slo.c: libFuzzer target for the budget's option readers
 * (serve/slo.h): --max-error-rate, --max-p99-ms and --window, which may
 * also arrive from a deployment record.
 *
 * The input is the option value (up to its first NUL), read by all three.
 * Any input may be refused with -1, leaving the output untouched; an
 * accepted one is in its range: a rate in [0, 1], milliseconds in
 * (0, 3600000], a window of 1 to 3600 seconds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/slo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double rate = -7, ms = -7;
	unsigned window = 7777;
	int err;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	err = serve_slo_parse_rate(&rate, s);
	if (err ? err != -1 || rate != -7 : !(rate >= 0 && rate <= 1))
		abort();
	err = serve_slo_parse_ms(&ms, s);
	if (err ? err != -1 || ms != -7 : !(ms > 0 && ms <= 3600000))
		abort();
	err = serve_slo_parse_window(&window, s);
	if (err ? err != -1 || window != 7777 : window < 1 || window > 3600)
		abort();
	free(s);
	return 0;
}
