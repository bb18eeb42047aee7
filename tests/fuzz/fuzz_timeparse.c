/*
 * fuzz_timeparse.c: libFuzzer target for time_parse_ms() (timeparse.h),
 * which reads --since/--until and the REST API's since/until.
 *
 * The input is the time string (up to its first NUL). Any input may be
 * refused, but only with CAIRN_EINVALID; an accepted one is never before
 * the epoch, and its digits-only form reads back to the same value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), again[32];
	int64_t ms = -1, back = -1;
	int err;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	err = time_parse_ms(&ms, s);
	if (err && err != CAIRN_EINVALID)
		abort();
	if (!err) {
		if (ms < 0)
			abort();
		snprintf(again, sizeof(again), "%lld", (long long)ms);
		if (time_parse_ms(&back, again) || back != ms)
			abort();
	}
	free(s);
	return 0;
}
