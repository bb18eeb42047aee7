/*
 * stats.h: what one served model version did: requests, errors and
 * latencies, both since it was loaded (for /metrics) and over a sliding
 * window (for the SLO guard).
 *
 * Recording is on the hot path of every request, from many threads: it
 * takes no lock longer than a few increments. The window is kept as one
 * bucket per second (a ring of window_s buckets), each with a request
 * count, an error count and a latency histogram on fixed bounds, so a
 * window's p99 is read from the merged histogram (to the precision of
 * its bucket bounds, reported as the bucket's upper bound).
 *
 * An error is whatever the front door answered with a 5xx, or a timeout
 * or a worker crash: a client's mistake (4xx) is not the version's fault
 * and is counted apart.
 */
#ifndef CAIRN_SERVE_STATS_H
#define CAIRN_SERVE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Latency histogram upper bounds, in seconds, as /metrics shows them. */
#define SERVE_LATENCY_BUCKETS 14
extern const double serve_latency_bounds[SERVE_LATENCY_BUCKETS];

enum serve_outcome {
	SERVE_OK,            /* 2xx */
	SERVE_CLIENT_ERROR,  /* 4xx: not counted against the version */
	SERVE_ERROR          /* 5xx, timeout, worker crash */
};

struct serve_stats;

struct serve_stats *serve_stats_new(unsigned window_s);
void serve_stats_free(struct serve_stats *s);

void serve_stats_record(struct serve_stats *s, int64_t now_ms,
			uint64_t latency_us, enum serve_outcome outcome);

/* The last window_s seconds up to now_ms. */
struct serve_window {
	uint64_t requests;     /* all outcomes but client errors */
	uint64_t errors;
	double error_rate;     /* errors / requests, 0 when no requests */
	double p50_ms, p99_ms; /* 0 when no requests */
	unsigned seconds;      /* how much of the window has data (since load) */
};
void serve_stats_window(struct serve_stats *s, int64_t now_ms,
			struct serve_window *out);

/* Since load, for /metrics. */
struct serve_totals {
	uint64_t requests, errors, client_errors;
	uint64_t buckets[SERVE_LATENCY_BUCKETS + 1]; /* cumulative, +Inf last */
	double latency_sum_s;
};
void serve_stats_totals(struct serve_stats *s, struct serve_totals *out);

#endif
