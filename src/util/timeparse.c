/*
 * timeparse.c: time_parse_ms(), a strict reader of the few time forms
 * cairn accepts (timeparse.h). Every field is checked against its range
 * (February 29 only in leap years) before timegm() turns the fields into
 * seconds; anything left over is an error, so "2026-03-01x" is refused
 * rather than read as a date.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/timeparse.h"
#include "util/banned.h"

/* n decimal digits at *p into *v; advances *p. 0 or -1. */
static int digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int bad(const char *s)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"'%.64s' is not a time (use 2026-03-01, "
				"2026-03-01T12:00Z or milliseconds since the epoch)", s);
}

/* The offset suffix at p ("", "Z", "+HH:MM", "-HHMM") in seconds. */
static int parse_offset(const char *p, long *offset)
{
	int sign, h, m;

	*offset = 0;
	if (!*p || (p[0] == 'Z' && !p[1]))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &h) < 0)
		return -1;
	if (*p == ':')
		p++;
	if (digits(&p, 2, &m) < 0 || *p || h > 23 || m > 59)
		return -1;
	*offset = sign * (h * 3600L + m * 60L);
	return 0;
}

int time_parse_ms(int64_t *out, const char *s)
{
	const char *p = s;
	int year, month, day, hour = 0, min = 0, sec = 0, ms = 0, i;
	long offset = 0;
	struct tm tm;
	time_t t;

	if (!s || !*s)
		return bad(s ? s : "");
	if (strspn(s, "0123456789") == strlen(s)) {
		int64_t v = 0;

		if (strlen(s) > 15) /* past the year 33000 */
			return bad(s);
		for (; *p; p++)
			v = v * 10 + (*p - '0');
		*out = v;
		return 0;
	}
	if (digits(&p, 4, &year) < 0 || *p++ != '-' || digits(&p, 2, &month) < 0 ||
	    *p++ != '-' || digits(&p, 2, &day) < 0 || year < 1970 ||
	    month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return bad(s);
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &hour) < 0 || *p++ != ':' || digits(&p, 2, &min) < 0 ||
		    hour > 23 || min > 59)
			return bad(s);
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) < 0 || sec > 59)
				return bad(s);
			if (*p == '.') {
				p++;
				for (i = 0; *p >= '0' && *p <= '9'; i++, p++) {
					if (i >= 9)
						return bad(s);
					if (i < 3)
						ms = ms * 10 + (*p - '0');
				}
				if (!i)
					return bad(s);
				for (; i < 3; i++)
					ms *= 10;
			}
		}
	}
	if (parse_offset(p, &offset) < 0)
		return bad(s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm) - offset;
	if (t < 0)
		return bad(s);
	*out = (int64_t)t * 1000 + ms;
	return 0;
}
