/*
 * test_serve_traffic.c: the canary draw and the shadow's agreement
 * (src/serve/traffic.c): the edges 0 and 100 percent, keys staying on
 * their side (and only moving to the canary as the percent rises), random
 * draws matching the percent with a fixed seed, and predictions compared
 * as numbers, as JSON and across the two.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/traffic.h"

#define KEYS 10000

static int to_canary_key(unsigned percent, const char *key)
{
	uint64_t rng = 1;

	return serve_traffic_to_canary(percent, key, strlen(key), &rng);
}

static void test_edges(void **state)
{
	uint64_t rng = 42;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(serve_traffic_to_canary(0, NULL, 0, &rng), 0);
		assert_int_equal(serve_traffic_to_canary(100, NULL, 0, &rng), 1);
		assert_int_equal(serve_traffic_to_canary(250, NULL, 0, &rng), 1);
	}
	assert_int_equal(to_canary_key(0, "user-1"), 0);
	assert_int_equal(to_canary_key(100, "user-1"), 1);
}

static void test_sticky_keys(void **state)
{
	char key[32];
	unsigned char *side = calloc(KEYS, 1);
	unsigned canary_at[] = { 1, 5, 10, 25, 50, 75, 99 };
	uint64_t rng = 7;

	(void)state;
	for (size_t p = 0; p < sizeof(canary_at) / sizeof(*canary_at); p++) {
		unsigned count = 0;

		for (int k = 0; k < KEYS; k++) {
			int len = snprintf(key, sizeof(key), "customer-%d", k);
			int c = serve_traffic_to_canary(canary_at[p], key,
							(size_t)len, &rng);

			/* Same key, same percent: same side, whatever rng. */
			assert_int_equal(serve_traffic_to_canary(canary_at[p], key,
								 (size_t)len,
								 &rng),
					 c);
			/* Rising percent: a key on the canary stays there. */
			if (side[k])
				assert_int_equal(c, 1);
			side[k] = (unsigned char)c;
			count += (unsigned)c;
		}
		/* And the share of keys follows the percent. */
		assert_true(fabs(count * 100.0 / KEYS - canary_at[p]) < 2.0);
	}
	/* The key is its bytes: a length cuts it, an empty key is none. */
	assert_int_equal(serve_traffic_to_canary(50, "abcdef", 3, &rng),
			 to_canary_key(50, "abc"));
	free(side);
}

static void test_random_draws(void **state)
{
	unsigned percents[] = { 1, 10, 33, 50, 90 };

	(void)state;
	for (size_t p = 0; p < sizeof(percents) / sizeof(*percents); p++) {
		uint64_t rng = 0x1234567;
		unsigned count = 0, n = 100000;

		for (unsigned i = 0; i < n; i++)
			count += (unsigned)serve_traffic_to_canary(percents[p],
								   NULL, 0, &rng);
		assert_true(fabs(count * 100.0 / n - percents[p]) < 0.5);
	}
	/* The same seed draws the same sequence; a zero seed still draws. */
	{
		uint64_t a = 99, b = 99, z = 0;
		unsigned canary = 0;

		for (int i = 0; i < 1000; i++) {
			assert_int_equal(serve_traffic_to_canary(50, NULL, 0, &a),
					 serve_traffic_to_canary(50, NULL, 0, &b));
			canary += (unsigned)serve_traffic_to_canary(50, "", 0, &z);
		}
		assert_true(canary > 400 && canary < 600);
		assert_true(z != 0);
	}
}

static struct serve_predictions numeric(size_t rows, size_t width,
					const double *v)
{
	struct serve_predictions p = { rows, width, NULL, NULL };

	p.values = malloc(rows * width * sizeof(double));
	memcpy(p.values, v, rows * width * sizeof(double));
	return p;
}

static struct serve_predictions from_json(const char *text)
{
	struct serve_predictions p = { 0 };

	p.json = json_loads(text, 0, NULL);
	assert_non_null(p.json);
	p.rows = json_array_size(p.json);
	return p;
}

static void test_agree_numbers(void **state)
{
	double x[] = { 0.25, 0.75, 0.5, 0.5, 1e6, 0 };
	double y[] = { 0.25, 0.7500001, 0.5, 0.6, 1e6 + 1, 0 };
	struct serve_predictions a = numeric(3, 2, x), b = numeric(3, 2, y);
	size_t rows = 99;

	(void)state;
	assert_int_equal(serve_predictions_agree(&a, &a, 0, &rows), 1);
	assert_int_equal(rows, 3);
	/* Row 1 differs by 0.1: row 0 (1e-7 off) and row 2 (1e-6 relative) agree. */
	assert_int_equal(serve_predictions_agree(&a, &b, 1e-5, &rows), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(serve_predictions_agree(&a, &b, 0.2, &rows), 1);
	assert_int_equal(rows, 3);
	assert_int_equal(serve_predictions_agree(&a, &b, 0, &rows), 0);
	assert_int_equal(rows, 0);
	assert_int_equal(serve_predictions_agree(&a, &b, 1e-5, NULL), 0);
	serve_predictions_release(&b);

	/* Another shape: another row count, or another width. */
	b = numeric(2, 2, x);
	assert_int_equal(serve_predictions_agree(&a, &b, 1, &rows), 0);
	assert_int_equal(rows, 0);
	serve_predictions_release(&b);
	b = numeric(6, 1, x);
	assert_int_equal(serve_predictions_agree(&a, &b, 1, &rows), 0);
	serve_predictions_release(&b);
	b = numeric(3, 1, x);
	assert_int_equal(serve_predictions_agree(&a, &b, 1, &rows), 0);
	assert_int_equal(rows, 0);
	serve_predictions_release(&b);
	serve_predictions_release(&a);

	/* NaN agrees with NaN, infinities with themselves only. */
	{
		double u[] = { NAN, INFINITY, 1 }, w[] = { NAN, INFINITY, NAN };

		a = numeric(3, 1, u);
		b = numeric(3, 1, w);
		assert_int_equal(serve_predictions_agree(&a, &b, 1e-9, &rows), 0);
		assert_int_equal(rows, 2);
		serve_predictions_release(&a);
		serve_predictions_release(&b);
	}
	/* No rows at all: nothing disagrees. */
	a = (struct serve_predictions){ 0 };
	b = (struct serve_predictions){ 0 };
	assert_int_equal(serve_predictions_agree(&a, &b, 0, &rows), 1);
	assert_int_equal(rows, 0);
}

static void test_agree_json(void **state)
{
	struct serve_predictions a = from_json("[\"cat\", \"dog\", {\"k\": 1}]");
	struct serve_predictions b = from_json("[\"cat\", \"cow\", {\"k\": 1}]");
	size_t rows;

	(void)state;
	assert_int_equal(serve_predictions_agree(&a, &a, 0, &rows), 1);
	assert_int_equal(rows, 3);
	assert_int_equal(serve_predictions_agree(&a, &b, 0.5, &rows), 0);
	assert_int_equal(rows, 2);
	serve_predictions_release(&b);

	/* Labels do not agree with numbers. */
	{
		double v[] = { 1, 2, 3 };

		b = numeric(3, 1, v);
		assert_int_equal(serve_predictions_agree(&a, &b, 1, &rows), 0);
		assert_int_equal(rows, 0);
		serve_predictions_release(&b);
	}
	serve_predictions_release(&a);

	/* JSON numbers compare as numbers, with the values of the other. */
	{
		double v[] = { 1, 0.2, 0.8, 3 };

		a = from_json("[[1, 0.2000001], [0.8, 3.0]]");
		b = numeric(2, 2, v);
		assert_int_equal(serve_predictions_agree(&a, &b, 1e-6, &rows), 1);
		assert_int_equal(serve_predictions_agree(&b, &a, 1e-6, &rows), 1);
		assert_int_equal(serve_predictions_agree(&a, &b, 0, &rows), 0);
		assert_int_equal(rows, 1);
		serve_predictions_release(&a);
		a = from_json("[[1, 0.2], [0.8, \"x\"]]");
		assert_int_equal(serve_predictions_agree(&a, &b, 1e-6, &rows), 0);
		assert_int_equal(rows, 1);
		serve_predictions_release(&a);
		a = from_json("[[1, 0.2], [0.8]]");
		assert_int_equal(serve_predictions_agree(&a, &b, 1e-6, &rows), 0);
		assert_int_equal(rows, 1);
		serve_predictions_release(&a);
		serve_predictions_release(&b);

		a = from_json("[1, 2]");
		b = from_json("[1.0, 2.0000001]");
		assert_int_equal(serve_predictions_agree(&a, &b, 1e-6, &rows), 1);
		serve_predictions_release(&a);
		serve_predictions_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_sticky_keys),
		cmocka_unit_test(test_random_draws),
		cmocka_unit_test(test_agree_numbers),
		cmocka_unit_test(test_agree_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
