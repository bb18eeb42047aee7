/*
 * test_serve_stats.c: a served version's counters (src/serve/stats.c):
 * totals and their cumulative histogram, the sliding window's counts and
 * quantiles, the ring rotating as time moves on (by a second, by more than
 * the window), a clock stepping back (a little, by more than the window),
 * and recording from several threads at once losing nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>

#include "serve/stats.h"

#define T0 1700000000000LL /* a time in milliseconds, on a second */

/* cmocka 1.1.5 compares floats in single precision: too coarse here. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void record_n(struct serve_stats *s, int64_t now_ms, int n,
		     uint64_t latency_us, enum serve_outcome outcome)
{
	for (int i = 0; i < n; i++)
		serve_stats_record(s, now_ms, latency_us, outcome);
}

static void test_empty(void **state)
{
	struct serve_stats *s = serve_stats_new(60);
	struct serve_window w;
	struct serve_totals t;

	(void)state;
	serve_stats_window(s, T0, &w);
	assert_int_equal(w.requests, 0);
	assert_int_equal(w.errors, 0);
	assert_true(w.error_rate == 0 && w.p50_ms == 0 && w.p99_ms == 0);
	assert_int_equal(w.seconds, 0);
	serve_stats_totals(s, &t);
	assert_int_equal(t.requests, 0);
	assert_int_equal(t.buckets[SERVE_LATENCY_BUCKETS], 0);
	serve_stats_free(s);
	serve_stats_free(NULL);
}

static void test_totals(void **state)
{
	struct serve_stats *s = serve_stats_new(10);
	struct serve_totals t;

	(void)state;
	record_n(s, T0, 3, 400, SERVE_OK);          /* <= 0.5 ms */
	record_n(s, T0, 2, 1000, SERVE_OK);         /* <= 1 ms, on the bound */
	record_n(s, T0, 1, 3000, SERVE_ERROR);      /* <= 5 ms */
	record_n(s, T0, 1, 200, SERVE_CLIENT_ERROR);
	record_n(s, T0, 1, 60000000, SERVE_ERROR);  /* a minute: +Inf */
	serve_stats_totals(s, &t);
	assert_int_equal(t.requests, 8);
	assert_int_equal(t.errors, 2);
	assert_int_equal(t.client_errors, 1);
	assert_int_equal(t.buckets[0], 4);  /* 0.0005 */
	assert_int_equal(t.buckets[1], 6);  /* 0.001 */
	assert_int_equal(t.buckets[2], 6);  /* 0.002 */
	assert_int_equal(t.buckets[3], 7);  /* 0.005 */
	assert_int_equal(t.buckets[SERVE_LATENCY_BUCKETS - 1], 7);
	assert_int_equal(t.buckets[SERVE_LATENCY_BUCKETS], 8);
	assert_near(t.latency_sum_s,
			   (3 * 400 + 2 * 1000 + 3000 + 200 + 60000000) / 1e6,
			   1e-9);
	for (int i = 1; i < SERVE_LATENCY_BUCKETS; i++)
		assert_true(serve_latency_bounds[i] > serve_latency_bounds[i - 1]);
	serve_stats_free(s);
}

static void test_window_counts(void **state)
{
	struct serve_stats *s = serve_stats_new(60);
	struct serve_window w;

	(void)state;
	/* 479 good and 21 failed requests over 5 seconds, 4xx apart. */
	for (int sec = 0; sec < 5; sec++)
		record_n(s, T0 + sec * 1000 + 500, 100, 2000,
			 sec == 4 ? SERVE_ERROR : SERVE_OK);
	record_n(s, T0 + 4999, 21, 2000, SERVE_CLIENT_ERROR);
	serve_stats_window(s, T0 + 4999, &w);
	assert_int_equal(w.requests, 500);
	assert_int_equal(w.errors, 100);
	assert_near(w.error_rate, 0.2, 1e-12);
	assert_int_equal(w.seconds, 5);
	serve_stats_free(s);
}

static void test_quantiles(void **state)
{
	struct serve_stats *s = serve_stats_new(60);
	struct serve_window w;

	(void)state;
	/* 98 requests at 1 ms, 2 at 73 ms: p99 is the 99th, 73 ms. */
	record_n(s, T0, 98, 1000, SERVE_OK);
	record_n(s, T0 + 10, 2, 73000, SERVE_OK);
	serve_stats_window(s, T0 + 20, &w);
	assert_int_equal(w.requests, 100);
	/* At or above the truth, by at most an eighth. */
	assert_true(w.p50_ms >= 1.0 && w.p50_ms <= 1.125);
	assert_true(w.p99_ms >= 73.0 && w.p99_ms <= 73.0 * 1.125);
	serve_stats_free(s);

	/* Never above the largest latency in the window. */
	s = serve_stats_new(60);
	record_n(s, T0, 1000, 1500, SERVE_OK);
	serve_stats_window(s, T0, &w);
	assert_near(w.p50_ms, 1.5, 1e-9);
	assert_near(w.p99_ms, 1.5, 1e-9);
	serve_stats_free(s);

	/* 989 fast, 11 slow of 1000: the p99 rank (990) is a slow one. */
	s = serve_stats_new(60);
	record_n(s, T0, 989, 100, SERVE_OK);
	record_n(s, T0, 11, 25000, SERVE_OK);
	serve_stats_window(s, T0, &w);
	assert_true(w.p99_ms >= 25.0 && w.p99_ms <= 25.0 * 1.125);
	assert_true(w.p99_ms < 30.0); /* a 30 ms budget holds */
	serve_stats_free(s);

	/* 990 fast, 10 slow: the p99 is still fast. */
	s = serve_stats_new(60);
	record_n(s, T0, 990, 100, SERVE_OK);
	record_n(s, T0, 10, 25000, SERVE_OK);
	serve_stats_window(s, T0, &w);
	assert_true(w.p99_ms >= 0.1 && w.p99_ms <= 0.1125);
	serve_stats_free(s);

	/* Tiny and huge latencies stay in range. */
	s = serve_stats_new(60);
	record_n(s, T0, 1, 0, SERVE_OK);
	record_n(s, T0, 1, UINT64_MAX / 2, SERVE_OK);
	serve_stats_window(s, T0, &w);
	assert_near(w.p50_ms, 0, 1e-12);
	assert_true(w.p99_ms >= 4294967.0 && w.p99_ms < 4294968.0);
	serve_stats_free(s);
}

static void test_window_slides(void **state)
{
	struct serve_stats *s = serve_stats_new(10);
	struct serve_window w;

	(void)state;
	/* One request per second, the first 5 seconds failing. */
	for (int sec = 0; sec < 30; sec++)
		serve_stats_record(s, T0 + sec * 1000, 1000,
				   sec < 5 ? SERVE_ERROR : SERVE_OK);
	serve_stats_window(s, T0 + 29 * 1000, &w);
	assert_int_equal(w.requests, 10);
	assert_int_equal(w.errors, 0);
	assert_int_equal(w.seconds, 10);

	/* Read at a later second: what aged out is gone. */
	serve_stats_window(s, T0 + 35 * 1000, &w);
	assert_int_equal(w.requests, 4); /* seconds 26..29 */
	serve_stats_window(s, T0 + 39 * 1000 + 999, &w);
	assert_int_equal(w.requests, 0);
	assert_true(w.p99_ms == 0);
	serve_stats_free(s);

	/* Slots reused after a while count only their new second. */
	s = serve_stats_new(10);
	record_n(s, T0, 7, 1000, SERVE_ERROR);
	record_n(s, T0 + 10 * 1000, 3, 1000, SERVE_OK); /* same slot */
	serve_stats_window(s, T0 + 10 * 1000, &w);
	assert_int_equal(w.requests, 3);
	assert_int_equal(w.errors, 0);
	serve_stats_free(s);
}

static void test_jump_forward(void **state)
{
	struct serve_stats *s = serve_stats_new(10);
	struct serve_window w;

	(void)state;
	for (int sec = 0; sec < 10; sec++)
		record_n(s, T0 + sec * 1000, 5, 1000, SERVE_ERROR);
	/* An hour later, further than the window: a fresh window. */
	record_n(s, T0 + 3600 * 1000 + 3, 2, 1000, SERVE_OK);
	serve_stats_window(s, T0 + 3600 * 1000 + 500, &w);
	assert_int_equal(w.requests, 2);
	assert_int_equal(w.errors, 0);
	assert_int_equal(w.seconds, 10);
	serve_stats_free(s);

	s = serve_stats_new(10);
	for (int sec = 0; sec < 10; sec++)
		record_n(s, T0 + sec * 1000, 1, 1000, SERVE_OK);
	record_n(s, T0 + 15 * 1000, 1, 1000, SERVE_ERROR);
	serve_stats_window(s, T0 + 15 * 1000, &w);
	assert_int_equal(w.requests, 5); /* seconds 6..9 and 15 */
	assert_int_equal(w.errors, 1);
	serve_stats_free(s);
}

static void test_clock_backwards(void **state)
{
	struct serve_stats *s = serve_stats_new(10);
	struct serve_window w;

	(void)state;
	record_n(s, T0 + 5000, 10, 1000, SERVE_OK);
	/* Three seconds back: counted in the newest second, nothing lost. */
	record_n(s, T0 + 2000, 10, 1000, SERVE_ERROR);
	serve_stats_window(s, T0 + 2000, &w);
	assert_int_equal(w.requests, 20);
	assert_int_equal(w.errors, 10);
	serve_stats_window(s, T0 + 5000, &w);
	assert_int_equal(w.requests, 20);
	assert_int_equal(w.seconds, 1);

	/* An hour back: the clock was reset; the window starts again. */
	record_n(s, T0 - 3600 * 1000, 4, 1000, SERVE_OK);
	serve_stats_window(s, T0 - 3600 * 1000, &w);
	assert_int_equal(w.requests, 4);
	assert_int_equal(w.errors, 0);
	assert_int_equal(w.seconds, 1);
	/* And moves on from there. */
	record_n(s, T0 - 3600 * 1000 + 3000, 1, 1000, SERVE_ERROR);
	serve_stats_window(s, T0 - 3600 * 1000 + 3000, &w);
	assert_int_equal(w.requests, 5);
	assert_int_equal(w.errors, 1);
	assert_int_equal(w.seconds, 4);
	serve_stats_free(s);

	/* Negative times (a clock before 1970) and a window of 0 seconds. */
	s = serve_stats_new(0);
	record_n(s, -1, 2, 10, SERVE_OK);
	record_n(s, -1000, 1, 10, SERVE_OK);
	serve_stats_window(s, -1, &w);
	assert_int_equal(w.requests, 3);
	record_n(s, 0, 1, 10, SERVE_OK);
	serve_stats_window(s, 0, &w);
	assert_int_equal(w.requests, 1);
	serve_stats_free(s);
}

#define THREADS 4
#define PER_THREAD 20000

struct worker {
	struct serve_stats *s;
	int id;
};

static void *hammer(void *arg)
{
	struct worker *wk = arg;

	/* Every thread crosses the same second boundaries as the others. */
	for (int i = 0; i < PER_THREAD; i++)
		serve_stats_record(wk->s, T0 + (int64_t)i * 5000 / PER_THREAD,
				   100 + (uint64_t)i % 900,
				   i % 10 == wk->id ? SERVE_ERROR : SERVE_OK);
	return NULL;
}

static void test_threads(void **state)
{
	struct serve_stats *s = serve_stats_new(60);
	struct worker wk[THREADS];
	pthread_t th[THREADS];
	struct serve_window w;
	struct serve_totals t;

	(void)state;
	for (int i = 0; i < THREADS; i++) {
		wk[i] = (struct worker){ s, i };
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &wk[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	serve_stats_totals(s, &t);
	assert_int_equal(t.requests, THREADS * PER_THREAD);
	assert_int_equal(t.buckets[SERVE_LATENCY_BUCKETS], THREADS * PER_THREAD);
	assert_int_equal(t.errors, THREADS * PER_THREAD / 10);
	serve_stats_window(s, T0 + 5000, &w);
	assert_int_equal(w.requests, THREADS * PER_THREAD);
	assert_int_equal(w.errors, THREADS * PER_THREAD / 10);
	assert_int_equal(w.seconds, 6);
	serve_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_window_counts),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_jump_forward),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
