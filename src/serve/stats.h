/*
 * stats.h: what one served model version did: requests, errors and
 * latencies, both since it was loaded (for /metrics) and over a sliding
 * window (for the SLO guard).
 *
 * Recording is on the hot path of every request, from many threads: it
 * takes no lock longer than a few increments. The window is kept as one
 * bucket per second (a ring of window_s buckets), each with a request
 * count, an error count and a latency histogram on fixed bounds, so a
 * window's p99 is read from the merged histogram, reported as the upper
 * bound of the bucket holding it. Those bounds are finer than /metrics'
 * (8 per power of two: a quantile is at most 12.5% above the truth, never
 * below it, and never above the window's largest latency).
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

/* window_s: seconds of the sliding window (0 counts as 1). */
struct serve_stats *serve_stats_new(unsigned window_s);
void serve_stats_free(struct serve_stats *s);

/*
 * now_ms: any clock in milliseconds (monotonic is best; one stepping
 * backwards is tolerated, see stats.c). Thread-safe, lock-free but for
 * one short lock per slot and second.
 */
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

/*
 * Since load, for /metrics. requests counts every request, client errors
 * included (errors and client_errors are parts of it), and so does the
 * histogram (buckets[SERVE_LATENCY_BUCKETS] == requests).
 */
struct serve_totals {
	uint64_t requests, errors, client_errors;
	uint64_t buckets[SERVE_LATENCY_BUCKETS + 1]; /* cumulative, +Inf last */
	double latency_sum_s;
};
void serve_stats_totals(struct serve_stats *s, struct serve_totals *out);

#endif
