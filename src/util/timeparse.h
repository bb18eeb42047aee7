/*
 * timeparse.h: points in time as people write them on a command line or
 * in a query string, to milliseconds since the epoch.
 */
#ifndef CAIRN_UTIL_TIMEPARSE_H
#define CAIRN_UTIL_TIMEPARSE_H

#include <stdint.h>

/*
 * Accepted: milliseconds since the epoch (digits only); an ISO 8601 date
 * "2026-03-01" (its midnight); a date and time "2026-03-01T12:00",
 * "2026-03-01 12:00:30", "2026-03-01T12:00:30.250", each optionally
 * followed by "Z" or an offset "+02:00" / "-0500" (no suffix: UTC).
 * Years 1970 to 9999. 0, or CAIRN_EINVALID with a message naming s.
 */
int time_parse_ms(int64_t *out, const char *s);

#endif
