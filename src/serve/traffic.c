/*
 * traffic.c: the canary draw and the shadow's agreement (traffic.h).
 *
 * A routing key is hashed with 64-bit FNV-1a and its hash reduced modulo
 * 100 to a "ticket" in [0, 100): the key goes to the canary when its
 * ticket is below the percent, so a key's side depends only on the key
 * and the percent, and raising the percent only moves keys to the canary.
 * An empty key counts as none.
 *
 * Without a key, a xorshift64* generator (Vigna's: xorshift64 then one
 * multiplication, whose high bits are good) draws the ticket from its top
 * 32 bits, scaled to [0, 100) by a multiply and a shift rather than a
 * modulo. Its state is the caller's (one per thread, no sharing, no lock);
 * a zero state, which xorshift cannot leave, is seeded first from its own
 * address, so threads that start at zero still draw apart.
 *
 * Agreement is judged row by row. A row of numbers (from values, or a
 * JSON row that is a number or an array of numbers) agrees with another
 * of the same width when every pair is within the tolerance, absolute or
 * relative to the larger magnitude, whichever is larger (equal infinities
 * and two NaNs agree: the same output). Other JSON rows must be equal as
 * JSON. Batches of different row counts share no row.
 */
#include <math.h>
#include <stdint.h>

#include "serve/traffic.h"
#include "util/banned.h"

static uint64_t fnv1a(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t xorshift64star(uint64_t *state)
{
	uint64_t x = *state;

	if (!x)
		x = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

int serve_traffic_to_canary(unsigned percent, const char *key, size_t keylen,
			    uint64_t *rng_state)
{
	uint64_t ticket;

	if (percent == 0)
		return 0;
	if (percent >= 100)
		return 1;
	if (key && keylen)
		ticket = fnv1a(key, keylen) % 100;
	else
		ticket = ((xorshift64star(rng_state) >> 32) * 100) >> 32;
	return ticket < percent;
}

/* Row i of p as numbers: *n of them at *v, or -1 when it has none. */
static int numbers(const struct serve_predictions *p, size_t i,
		   const double **v, size_t *n, json_t **arr)
{
	json_t *row;

	*arr = NULL;
	if (p->values) {
		*v = p->values + i * p->width;
		*n = p->width;
		return 0;
	}
	row = json_array_get(p->json, i);
	if (json_is_number(row)) {
		*v = NULL;
		*n = 1;
		*arr = row;
		return 0;
	}
	if (json_is_array(row)) {
		size_t j;
		json_t *x;

		json_array_foreach(row, j, x)
			if (!json_is_number(x))
				return -1;
		*v = NULL;
		*n = json_array_size(row);
		*arr = row;
		return 0;
	}
	return -1;
}

static double number_at(const double *v, json_t *arr, size_t j)
{
	if (v)
		return v[j];
	if (json_is_number(arr))
		return json_number_value(arr);
	return json_number_value(json_array_get(arr, j));
}

static int close_enough(double x, double y, double tolerance)
{
	double scale;

	if (x == y || (isnan(x) && isnan(y)))
		return 1;
	scale = fmax(fabs(x), fabs(y));
	return fabs(x - y) <= fmax(tolerance, tolerance * scale);
}

static int row_agrees(const struct serve_predictions *a,
		      const struct serve_predictions *b, size_t i,
		      double tolerance)
{
	const double *va, *vb;
	size_t na, nb;
	json_t *ja, *jb;

	if (numbers(a, i, &va, &na, &ja) == 0 &&
	    numbers(b, i, &vb, &nb, &jb) == 0) {
		if (na != nb)
			return 0;
		for (size_t j = 0; j < na; j++)
			if (!close_enough(number_at(va, ja, j),
					  number_at(vb, jb, j), tolerance))
				return 0;
		return 1;
	}
	if (a->values || b->values)
		return 0;
	return json_equal(json_array_get(a->json, i),
			  json_array_get(b->json, i));
}

static size_t rows_of(const struct serve_predictions *p)
{
	if (p->values)
		return p->rows;
	return json_array_size(p->json);
}

int serve_predictions_agree(const struct serve_predictions *a,
			    const struct serve_predictions *b, double tolerance,
			    size_t *rows_agreeing)
{
	size_t rows = rows_of(a), agreeing = 0;

	if (rows != rows_of(b)) {
		if (rows_agreeing)
			*rows_agreeing = 0;
		return 0;
	}
	for (size_t i = 0; i < rows; i++)
		agreeing += row_agrees(a, b, i, tolerance);
	if (rows_agreeing)
		*rows_agreeing = agreeing;
	return agreeing == rows;
}
