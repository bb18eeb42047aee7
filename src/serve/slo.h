/*
 * slo.h: a version's budget (--max-error-rate 1% --max-p99-ms 50
 * --window 60s) and the check of a window against it.
 *
 * A window is judged only once it holds enough requests
 * (min_requests, default 20) so that one early failure of a fresh version
 * is not a 100% error rate. A breach names every limit passed, with the
 * measured figures, in words fit for the audit log: "error rate 4.2% >
 * 1% (21 of 500 requests in 60 s)".
 */
#ifndef CAIRN_SERVE_SLO_H
#define CAIRN_SERVE_SLO_H

#include <stdint.h>

#include "serve/stats.h"
#include "util/buf.h"

struct serve_slo {
	double max_error_rate;  /* a fraction (0.01); < 0: no limit */
	double max_p99_ms;      /* < 0: no limit */
	unsigned window_s;      /* default 60 */
	uint64_t min_requests;  /* default 20 */
};

/* No limits, a 60 s window, 20 requests. */
void serve_slo_init(struct serve_slo *slo);

/*
 * Option values: "1%" or "0.01" (a rate in [0, 1]); "50" or "50ms" or
 * "0.05s" (milliseconds > 0); "60s", "2m", "90" (seconds, 1 to 3600).
 * 0, or -1 for a value that is not one of these.
 */
int serve_slo_parse_rate(double *out, const char *s);
int serve_slo_parse_ms(double *out, const char *s);
int serve_slo_parse_window(unsigned *out, const char *s);

/* 1 if w breaks the budget (reason gets why), 0 if not or not judged. */
int serve_slo_breached(const struct serve_slo *slo,
		       const struct serve_window *w, struct buf *reason);

#endif
