/*
 * slo.c: reading a budget's option values and judging a window against
 * it (slo.h).
 *
 * The readers are strict: a decimal number (digits, at most one point,
 * at most 15 significant characters) and then exactly one of the suffixes
 * the option allows; no sign, no spaces, no exponent, no "inf" or "nan",
 * which strtod would all take. The number is converted only once it is
 * known to be one, so the C locale's strtod reads it exactly.
 *
 * Figures in a reason are printed short ("4.2%", "73 ms", "0.5 ms"):
 * they are for people reading the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/slo.h"
#include "util/banned.h"

#define MAX_NUMBER 15

void serve_slo_init(struct serve_slo *slo)
{
	slo->max_error_rate = -1;
	slo->max_p99_ms = -1;
	slo->window_s = 60;
	slo->min_requests = 20;
}

/*
 * A decimal number at the start of s into *out, the rest in *suffix;
 * integer: no point allowed. 0 or -1.
 */
static int number(double *out, const char **suffix, const char *s,
		  int integer)
{
	char tmp[MAX_NUMBER + 1];
	size_t n = 0, digits = 0;
	int point = 0;

	for (; s[n]; n++) {
		if (s[n] >= '0' && s[n] <= '9')
			digits++;
		else if (s[n] == '.' && !point && !integer)
			point = 1;
		else
			break;
	}
	if (!digits || n > MAX_NUMBER)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	*suffix = s + n;
	return 0;
}

int serve_slo_parse_rate(double *out, const char *s)
{
	const char *suffix;
	double v;

	if (number(&v, &suffix, s, 0) < 0)
		return -1;
	if (!strcmp(suffix, "%"))
		v /= 100;
	else if (*suffix)
		return -1;
	if (v > 1)
		return -1;
	*out = v;
	return 0;
}

int serve_slo_parse_ms(double *out, const char *s)
{
	const char *suffix;
	double v;

	if (number(&v, &suffix, s, 0) < 0)
		return -1;
	if (!strcmp(suffix, "s"))
		v *= 1000;
	else if (*suffix && strcmp(suffix, "ms"))
		return -1;
	if (!(v > 0) || v > 3600 * 1000)
		return -1;
	*out = v;
	return 0;
}

int serve_slo_parse_window(unsigned *out, const char *s)
{
	const char *suffix;
	double v;

	if (number(&v, &suffix, s, 1) < 0)
		return -1;
	if (!strcmp(suffix, "m"))
		v *= 60;
	else if (!strcmp(suffix, "h"))
		v *= 3600;
	else if (*suffix && strcmp(suffix, "s"))
		return -1;
	if (v < 1 || v > 3600)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A percentage of a fraction, short: "4.2%", "0.125%", "100%". */
static void add_percent(struct buf *b, double fraction)
{
	buf_printf(b, "%.3g%%", fraction * 100);
}

/* Milliseconds, short: "73 ms", "1.25 ms", "1500 ms". */
static void add_ms(struct buf *b, double ms)
{
	if (ms >= 100)
		buf_printf(b, "%.0f ms", ms);
	else
		buf_printf(b, "%.3g ms", ms);
}

int serve_slo_breached(const struct serve_slo *slo,
		       const struct serve_window *w, struct buf *reason)
{
	int error = 0, latency = 0;

	if (!w->requests || w->requests < slo->min_requests)
		return 0;
	if (slo->max_error_rate >= 0 && w->error_rate > slo->max_error_rate)
		error = 1;
	if (slo->max_p99_ms >= 0 && w->p99_ms > slo->max_p99_ms)
		latency = 1;
	if (!reason || !(error || latency))
		return error || latency;
	if (error) {
		buf_puts(reason, "error rate ");
		add_percent(reason, w->error_rate);
		buf_puts(reason, " > ");
		add_percent(reason, slo->max_error_rate);
		buf_printf(reason, " (%llu of %llu requests in %u s)",
			   (unsigned long long)w->errors,
			   (unsigned long long)w->requests, w->seconds);
	}
	if (latency) {
		if (error)
			buf_puts(reason, "; ");
		buf_puts(reason, "p99 latency ");
		add_ms(reason, w->p99_ms);
		buf_puts(reason, " > ");
		add_ms(reason, slo->max_p99_ms);
		buf_printf(reason, " (%llu requests in %u s)",
			   (unsigned long long)w->requests, w->seconds);
	}
	return 1;
}
