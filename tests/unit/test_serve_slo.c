/*
 * test_serve_slo.c: the budget of a served version (src/serve/slo.c): the
 * option values it reads and refuses, and the judgement of a window, with
 * its reason in words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "serve/slo.h"
#include "serve/stats.h"

#define assert_near(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-12)

static void test_init(void **state)
{
	struct serve_slo slo;

	(void)state;
	serve_slo_init(&slo);
	assert_true(slo.max_error_rate < 0 && slo.max_p99_ms < 0);
	assert_int_equal(slo.window_s, 60);
	assert_int_equal(slo.min_requests, 20);
}

static void test_parse_rate(void **state)
{
	double v = -7;

	(void)state;
	assert_int_equal(serve_slo_parse_rate(&v, "1%"), 0);
	assert_near(v, 0.01);
	assert_int_equal(serve_slo_parse_rate(&v, "0.01"), 0);
	assert_near(v, 0.01);
	assert_int_equal(serve_slo_parse_rate(&v, "2.5%"), 0);
	assert_near(v, 0.025);
	assert_int_equal(serve_slo_parse_rate(&v, "0%"), 0);
	assert_near(v, 0);
	assert_int_equal(serve_slo_parse_rate(&v, "100%"), 0);
	assert_near(v, 1);
	assert_int_equal(serve_slo_parse_rate(&v, "1"), 0);
	assert_near(v, 1);
	assert_int_equal(serve_slo_parse_rate(&v, ".5"), 0);
	assert_near(v, 0.5);

	v = -7;
	static const char *bad[] = {
		"", "%", "abc", "1%%", "101%", "1.5", "2", "-1%", "+1%",
		" 1%", "1% ", "1e-2", "0x1", "inf", "nan", "1.2.3", ".",
		"1 %", "0.0000000000000001", "5 percent",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (serve_slo_parse_rate(&v, bad[i]) != -1)
			fail_msg("rate '%s' was accepted", bad[i]);
		assert_near(v, -7);
	}
}

static void test_parse_ms(void **state)
{
	double v = -7;

	(void)state;
	assert_int_equal(serve_slo_parse_ms(&v, "50"), 0);
	assert_near(v, 50);
	assert_int_equal(serve_slo_parse_ms(&v, "50ms"), 0);
	assert_near(v, 50);
	assert_int_equal(serve_slo_parse_ms(&v, "0.05s"), 0);
	assert_near(v, 50);
	assert_int_equal(serve_slo_parse_ms(&v, "2.5"), 0);
	assert_near(v, 2.5);
	assert_int_equal(serve_slo_parse_ms(&v, "3600s"), 0);
	assert_near(v, 3600000);

	v = -7;
	static const char *bad[] = {
		"", "0", "0ms", "0.0s", "-5", "50 ms", "50MS", "50us", "5m",
		"3601s", "ms", "s", "1e3", "inf", "nan", "50ms.", "12345678901234567",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (serve_slo_parse_ms(&v, bad[i]) != -1)
			fail_msg("milliseconds '%s' were accepted", bad[i]);
		assert_near(v, -7);
	}
}

static void test_parse_window(void **state)
{
	unsigned v = 7;

	(void)state;
	assert_int_equal(serve_slo_parse_window(&v, "60s"), 0);
	assert_int_equal(v, 60);
	assert_int_equal(serve_slo_parse_window(&v, "2m"), 0);
	assert_int_equal(v, 120);
	assert_int_equal(serve_slo_parse_window(&v, "90"), 0);
	assert_int_equal(v, 90);
	assert_int_equal(serve_slo_parse_window(&v, "1"), 0);
	assert_int_equal(v, 1);
	assert_int_equal(serve_slo_parse_window(&v, "1h"), 0);
	assert_int_equal(v, 3600);

	v = 7;
	static const char *bad[] = {
		"", "0", "0s", "3601", "61m", "2h", "1.5m", "60 s", "-1",
		"s", "m", "60sec", "99999999999999999999", "6e1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (serve_slo_parse_window(&v, bad[i]) != -1)
			fail_msg("window '%s' was accepted", bad[i]);
		assert_int_equal(v, 7);
	}
}

static struct serve_window window(uint64_t requests, uint64_t errors,
				  double p99_ms, unsigned seconds)
{
	struct serve_window w = { 0 };

	w.requests = requests;
	w.errors = errors;
	w.error_rate = requests ? (double)errors / (double)requests : 0;
	w.p50_ms = p99_ms / 2;
	w.p99_ms = p99_ms;
	w.seconds = seconds;
	return w;
}

static void test_breach_error_rate(void **state)
{
	struct serve_slo slo;
	struct buf why = BUF_INIT;
	struct serve_window w;

	(void)state;
	serve_slo_init(&slo);
	assert_int_equal(serve_slo_parse_rate(&slo.max_error_rate, "1%"), 0);

	w = window(500, 21, 3, 60);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 1);
	assert_string_equal(why.ptr,
			    "error rate 4.2% > 1% (21 of 500 requests in 60 s)");

	/* At the limit is within it. */
	buf_reset(&why);
	w = window(500, 5, 3, 60);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 0);
	assert_int_equal(why.len, 0);

	/* Too few requests to judge: not a breach, however bad. */
	w = window(19, 19, 3, 2);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 0);
	w = window(20, 19, 3, 2);
	assert_int_equal(serve_slo_breached(&slo, &w, NULL), 1);
	slo.min_requests = 0;
	w = window(0, 0, 0, 0);
	assert_int_equal(serve_slo_breached(&slo, &w, NULL), 0);

	/* A budget of zero errors: one breaks it. */
	slo.max_error_rate = 0;
	w = window(1000, 1, 3, 60);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 1);
	assert_string_equal(why.ptr,
			    "error rate 0.1% > 0% (1 of 1000 requests in 60 s)");
	buf_release(&why);
}

static void test_breach_latency(void **state)
{
	struct serve_slo slo;
	struct buf why = BUF_INIT;
	struct serve_window w;

	(void)state;
	serve_slo_init(&slo);
	assert_int_equal(serve_slo_parse_ms(&slo.max_p99_ms, "50ms"), 0);

	w = window(500, 0, 73, 60);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 1);
	assert_string_equal(why.ptr,
			    "p99 latency 73 ms > 50 ms (500 requests in 60 s)");
	w = window(500, 0, 50, 60);
	assert_int_equal(serve_slo_breached(&slo, &w, NULL), 0);

	/* Both limits passed: both named, and the caller's text is kept. */
	buf_reset(&why);
	buf_puts(&why, "breach: ");
	slo.max_error_rate = 0.01;
	slo.max_p99_ms = 1.5;
	w = window(40, 10, 1234.5, 12);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 1);
	assert_string_equal(why.ptr,
			    "breach: error rate 25% > 1% (10 of 40 requests in 12 s); "
			    "p99 latency 1234 ms > 1.5 ms (40 requests in 12 s)");

	/* No limits: nothing breaks them. */
	serve_slo_init(&slo);
	w = window(1000, 1000, 1e6, 60);
	assert_int_equal(serve_slo_breached(&slo, &w, NULL), 0);
	buf_release(&why);
}

/* The window the guard reads, from recorded requests, judged. */
static void test_breach_from_stats(void **state)
{
	struct serve_stats *s = serve_stats_new(60);
	struct serve_slo slo;
	struct buf why = BUF_INIT;
	struct serve_window w;

	(void)state;
	serve_slo_init(&slo);
	slo.max_p99_ms = 50;
	for (int i = 0; i < 100; i++)
		serve_stats_record(s, 5000 + i * 10, i < 97 ? 2000 : 80000,
				   SERVE_OK);
	serve_stats_window(s, 6000, &w);
	assert_int_equal(serve_slo_breached(&slo, &w, &why), 1);
	assert_non_null(strstr(why.ptr, "p99 latency "));
	assert_true(w.p99_ms >= 80 && w.p99_ms <= 90);
	buf_release(&why);
	serve_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_parse_rate),
		cmocka_unit_test(test_parse_ms),
		cmocka_unit_test(test_parse_window),
		cmocka_unit_test(test_breach_error_rate),
		cmocka_unit_test(test_breach_latency),
		cmocka_unit_test(test_breach_from_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
