/*
 * stats.c: the counters of one served version (stats.h).
 *
 * Two sets of counters, both plain C11 atomics updated with relaxed
 * increments (nothing orders against them but the ring's epochs):
 *
 *   totals   since load: requests, errors, client errors, the latency sum
 *            in microseconds and one counter per serve_latency_bounds
 *            bucket (+Inf last), for /metrics.
 *   ring     window_s one-second slots, slot (second mod window_s). Each
 *            holds the second it counts (its epoch), requests, errors, the
 *            largest latency, and a finer latency histogram than /metrics'
 *            (see below), for the SLO guard.
 *
 * Rotation. A recorder whose slot holds another second takes the ring's
 * mutex, checks again, zeroes the slot and publishes the new epoch with a
 * release store; a recorder that reads the slot's epoch (acquire) equal to
 * its second increments without a lock. So the lock is taken about once a
 * second per slot, whatever the request rate, and a slot is zeroed before
 * anyone counts into it for its new second. A sample taken more than a
 * window before it is recorded may land in a newer second: it never
 * happens with a clock read just before recording, and would only shift
 * one request.
 *
 * Time. Seconds are floor(now_ms / 1000). The newest second seen is kept
 * (latest); a moving-forward clock simply leaves old slots to be
 * overwritten, and slots older than the window are skipped when read, so
 * a jump of more than the window empties it. A clock stepping back by less
 * than a window counts in the newest second (no sample is lost, the window
 * does not run backwards); one stepping back by a window or more was reset:
 * the window starts again at the new time and the slots from the "future"
 * are overwritten as their turn comes (read skips them meanwhile).
 *
 * The window histogram. /metrics' 14 bounds are too coarse for a budget:
 * with bounds at 20 and 50 ms, a p99 of 25 ms read as the bucket's upper
 * bound would break a 30 ms budget. The ring counts latencies in
 * log-linear buckets instead: exact below 8 us, then 8 buckets per
 * power of two (each at most 12.5% wide), up to 2^32 us (71 minutes;
 * longer is counted there). A quantile is the upper bound of the bucket
 * holding its rank, never above the window's largest latency: at most
 * 12.5% above the truth, never below it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "serve/stats.h"
#include "util/alloc.h"
#include "util/banned.h"

const double serve_latency_bounds[SERVE_LATENCY_BUCKETS] = {
	0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
	0.1, 0.2, 0.5, 1, 2, 5, 10
};

/* The same bounds in microseconds, for the hot path. */
static const uint64_t bounds_us[SERVE_LATENCY_BUCKETS] = {
	500, 1000, 2000, 5000, 10000, 20000, 50000,
	100000, 200000, 500000, 1000000, 2000000, 5000000, 10000000
};

#define SUB_BITS 3
#define SUB (1u << SUB_BITS)
#define MAX_US UINT32_MAX
/* Buckets 0..7 hold 0..7 us; then 8 per power of two from 2^3 to 2^31. */
#define FINE_BUCKETS ((32 - SUB_BITS + 1) * SUB)

#define NO_SECOND INT64_MIN

struct slot {
	_Atomic int64_t epoch;
	atomic_uint_least32_t requests, errors, max_us;
	atomic_uint_least32_t hist[FINE_BUCKETS];
};

struct serve_stats {
	atomic_uint_least64_t requests, errors, client_errors, sum_us;
	atomic_uint_least64_t buckets[SERVE_LATENCY_BUCKETS + 1];

	unsigned window_s;
	_Atomic int64_t latest, first;
	pthread_mutex_t rotate;
	struct slot *ring;
};

struct serve_stats *serve_stats_new(unsigned window_s)
{
	struct serve_stats *s = xcalloc(1, sizeof(*s));

	s->window_s = window_s ? window_s : 1;
	atomic_init(&s->latest, NO_SECOND);
	atomic_init(&s->first, NO_SECOND);
	pthread_mutex_init(&s->rotate, NULL);
	s->ring = xcalloc(s->window_s, sizeof(*s->ring));
	for (unsigned i = 0; i < s->window_s; i++)
		atomic_init(&s->ring[i].epoch, NO_SECOND);
	return s;
}

void serve_stats_free(struct serve_stats *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->rotate);
	free(s->ring);
	free(s);
}

static int64_t second_of(int64_t now_ms)
{
	return now_ms >= 0 ? now_ms / 1000 : -((-(now_ms + 1)) / 1000) - 1;
}

static struct slot *slot_of(struct serve_stats *s, int64_t t)
{
	int64_t i = t % (int64_t)s->window_s;

	return &s->ring[i < 0 ? i + s->window_s : i];
}

static unsigned fine_index(uint64_t us)
{
	unsigned e;

	if (us > MAX_US)
		us = MAX_US;
	if (us < SUB)
		return (unsigned)us;
	e = 63 - (unsigned)__builtin_clzll(us);
	return (e - SUB_BITS + 1) * SUB +
	       (unsigned)((us >> (e - SUB_BITS)) & (SUB - 1));
}

/* The largest latency, in microseconds, bucket i holds. */
static uint64_t fine_upper(unsigned i)
{
	unsigned e = i / SUB + SUB_BITS - 1, m = i % SUB;

	if (i < SUB)
		return i;
	return ((uint64_t)(SUB + m + 1) << (e - SUB_BITS)) - 1;
}

/*
 * The second a sample counts in, after the rules of the header comment
 * for a clock going backwards; moves latest (and first) forward.
 */
static int64_t place(struct serve_stats *s, int64_t t)
{
	int64_t latest = atomic_load_explicit(&s->latest, memory_order_relaxed);
	int64_t first = NO_SECOND;

	while (latest == NO_SECOND || t > latest) {
		if (atomic_compare_exchange_weak_explicit(&s->latest, &latest, t,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			atomic_compare_exchange_strong_explicit(
				&s->first, &first, t, memory_order_relaxed,
				memory_order_relaxed);
			return t;
		}
	}
	if (t == latest || latest - t < (int64_t)s->window_s)
		return latest;
	/* Set back by a window or more: start again from t. */
	atomic_store_explicit(&s->latest, t, memory_order_relaxed);
	atomic_store_explicit(&s->first, t, memory_order_relaxed);
	return t;
}

static struct slot *claim(struct serve_stats *s, int64_t t)
{
	struct slot *sl = slot_of(s, t);

	if (atomic_load_explicit(&sl->epoch, memory_order_acquire) == t)
		return sl;
	pthread_mutex_lock(&s->rotate);
	if (atomic_load_explicit(&sl->epoch, memory_order_relaxed) != t) {
		atomic_store_explicit(&sl->requests, 0, memory_order_relaxed);
		atomic_store_explicit(&sl->errors, 0, memory_order_relaxed);
		atomic_store_explicit(&sl->max_us, 0, memory_order_relaxed);
		for (unsigned i = 0; i < FINE_BUCKETS; i++)
			atomic_store_explicit(&sl->hist[i], 0,
					      memory_order_relaxed);
		atomic_store_explicit(&sl->epoch, t, memory_order_release);
	}
	pthread_mutex_unlock(&s->rotate);
	return sl;
}

static unsigned coarse_index(uint64_t us)
{
	unsigned i = 0;

	while (i < SERVE_LATENCY_BUCKETS && us > bounds_us[i])
		i++;
	return i;
}

void serve_stats_record(struct serve_stats *s, int64_t now_ms,
			uint64_t latency_us, enum serve_outcome outcome)
{
	struct slot *sl;
	uint_least32_t max, us32;

	atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, latency_us, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->buckets[coarse_index(latency_us)], 1,
				  memory_order_relaxed);
	if (outcome == SERVE_CLIENT_ERROR) {
		atomic_fetch_add_explicit(&s->client_errors, 1,
					  memory_order_relaxed);
		return;
	}
	if (outcome == SERVE_ERROR)
		atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);

	sl = claim(s, place(s, second_of(now_ms)));
	atomic_fetch_add_explicit(&sl->requests, 1, memory_order_relaxed);
	if (outcome == SERVE_ERROR)
		atomic_fetch_add_explicit(&sl->errors, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sl->hist[fine_index(latency_us)], 1,
				  memory_order_relaxed);
	us32 = latency_us > MAX_US ? MAX_US : (uint_least32_t)latency_us;
	max = atomic_load_explicit(&sl->max_us, memory_order_relaxed);
	while (us32 > max &&
	       !atomic_compare_exchange_weak_explicit(&sl->max_us, &max, us32,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

/* The q-quantile of hist (n samples, largest max_us), in milliseconds. */
static double quantile_ms(const uint64_t *hist, uint64_t n, uint64_t max_us,
			  double q)
{
	uint64_t rank = (uint64_t)(q * (double)n), seen = 0, us = max_us;

	if ((double)rank < q * (double)n)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < FINE_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= rank) {
			us = fine_upper(i);
			break;
		}
	}
	if (us > max_us)
		us = max_us;
	return (double)us / 1000.0;
}

void serve_stats_window(struct serve_stats *s, int64_t now_ms,
			struct serve_window *out)
{
	uint64_t hist[FINE_BUCKETS] = { 0 }, max_us = 0;
	int64_t t = second_of(now_ms), n = s->window_s;
	int64_t latest = atomic_load_explicit(&s->latest, memory_order_relaxed);
	int64_t first = atomic_load_explicit(&s->first, memory_order_relaxed);

	*out = (struct serve_window){ 0 };
	if (latest == NO_SECOND)
		return;
	if (t < latest && latest - t < n)
		t = latest;
	for (int64_t i = 0; i < n; i++) {
		struct slot *sl = &s->ring[i];
		int64_t e = atomic_load_explicit(&sl->epoch,
						 memory_order_acquire);
		uint64_t m;

		if (e == NO_SECOND || e > t || t - e >= n)
			continue;
		out->requests += atomic_load_explicit(&sl->requests,
						      memory_order_relaxed);
		out->errors += atomic_load_explicit(&sl->errors,
						    memory_order_relaxed);
		m = atomic_load_explicit(&sl->max_us, memory_order_relaxed);
		if (m > max_us)
			max_us = m;
		for (unsigned j = 0; j < FINE_BUCKETS; j++)
			hist[j] += atomic_load_explicit(&sl->hist[j],
							memory_order_relaxed);
	}
	if (first != NO_SECOND && first <= t)
		out->seconds = t - first >= n ? (unsigned)n
					      : (unsigned)(t - first + 1);
	if (!out->requests)
		return;
	/* The counters are read while others add: keep errors <= requests. */
	if (out->errors > out->requests)
		out->errors = out->requests;
	out->error_rate = (double)out->errors / (double)out->requests;
	{
		uint64_t total = 0;

		for (unsigned j = 0; j < FINE_BUCKETS; j++)
			total += hist[j];
		if (total) {
			out->p50_ms = quantile_ms(hist, total, max_us, 0.50);
			out->p99_ms = quantile_ms(hist, total, max_us, 0.99);
		}
	}
}

void serve_stats_totals(struct serve_stats *s, struct serve_totals *out)
{
	uint64_t cum = 0;

	out->requests = atomic_load_explicit(&s->requests, memory_order_relaxed);
	out->errors = atomic_load_explicit(&s->errors, memory_order_relaxed);
	out->client_errors = atomic_load_explicit(&s->client_errors,
						  memory_order_relaxed);
	for (unsigned i = 0; i <= SERVE_LATENCY_BUCKETS; i++) {
		cum += atomic_load_explicit(&s->buckets[i],
					    memory_order_relaxed);
		out->buckets[i] = cum;
	}
	out->latency_sum_s = (double)atomic_load_explicit(
				     &s->sum_us, memory_order_relaxed) / 1e6;
}
