/*
 * test_chunker.c: FastCDC chunking (src/lib/chunker.c).
 *
 * The cuts are checked against a naive whole-buffer reference written
 * here from the paper's description, with the Gear table regenerated from
 * the documented splitmix64 seed, so a change to the table, the masks or
 * the region bounds fails loudly. The rest checks the properties the
 * store relies on: same cuts for any buffer split, sizes within bounds,
 * and edits that disturb only the chunks around them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/chunker.h"
#include "util/error.h"

/* ------------------------------------------------------------ helpers */

struct cuts {
	size_t *len; /* chunk lengths, in order */
	size_t n, alloc;
};

static void cuts_push(struct cuts *c, size_t len)
{
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 64;
		c->len = realloc(c->len, c->alloc * sizeof(*c->len));
		assert_non_null(c->len);
	}
	c->len[c->n++] = len;
}

static void cuts_free(struct cuts *c)
{
	free(c->len);
	memset(c, 0, sizeof(*c));
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned char *random_bytes(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i += 8) {
		uint64_t v = splitmix64(&seed);
		size_t k = n - i < 8 ? n - i : 8;

		memcpy(p + i, &v, k);
	}
	return p;
}

/*
 * Chunk data[0..n) feeding the chunker pieces of `step` bytes (0: the
 * whole buffer at once; SIZE_MAX: pseudo-random piece sizes).
 */
static void chunk_all(struct cuts *out, const unsigned char *data, size_t n,
		      size_t min, size_t avg, size_t max, size_t step)
{
	struct chunker c;
	size_t off = 0, start = 0;
	uint64_t rng = 42;

	assert_int_equal(chunker_init(&c, min, avg, max), 0);
	while (off < n) {
		size_t piece = step == 0 ? n - off
			: step == SIZE_MAX ? 1 + splitmix64(&rng) % 20000
			: step;
		size_t end, pos;

		if (piece > n - off)
			piece = n - off;
		end = off + piece;
		pos = off;
		while (pos < end) {
			int cut = -1;
			size_t used = chunker_next(&c, data + pos, end - pos,
						   &cut);

			assert_true(cut == 0 || cut == 1);
			assert_true(used <= end - pos);
			pos += used;
			if (cut) {
				cuts_push(out, pos - start);
				start = pos;
			} else {
				assert_int_equal(pos, end);
			}
		}
		off = end;
	}
	if (start < n)
		cuts_push(out, n - start);
}

static void assert_same_cuts(const struct cuts *a, const struct cuts *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->len, b->len, a->n * sizeof(*a->len));
}

/* The reference: FastCDC as the paper describes it, one chunk at a time. */
static uint64_t ref_gear[256];

static void ref_init(void)
{
	uint64_t seed = 0x636169726e2d6364ULL; /* "cairn-cd" */
	int i;

	for (i = 0; i < 256; i++)
		ref_gear[i] = splitmix64(&seed);
}

static uint64_t top_bits(int n)
{
	uint64_t m = 0;
	int i;

	for (i = 0; i < n; i++)
		m |= (uint64_t)1 << (63 - i);
	return m;
}

static size_t ref_chunk(const unsigned char *p, size_t n, size_t min,
			size_t avg, size_t max)
{
	int bits = 0;
	uint64_t h = 0, mask_s, mask_l;
	size_t i, end = n < max ? n : max;

	while (((size_t)1 << bits) < avg)
		bits++;
	mask_s = top_bits(bits + 2);
	mask_l = top_bits(bits - 2);
	if (n <= min)
		return n;
	for (i = min; i < end; i++) {
		h = (h << 1) + ref_gear[p[i]];
		if (!(h & (i < avg ? mask_s : mask_l)))
			return i + 1;
	}
	return end;
}

static void ref_all(struct cuts *out, const unsigned char *data, size_t n,
		    size_t min, size_t avg, size_t max)
{
	size_t off = 0;

	while (off < n) {
		size_t len = ref_chunk(data + off, n - off, min, avg, max);

		cuts_push(out, len);
		off += len;
	}
}

#define MiB ((size_t)1 << 20)
#define DMIN CHUNKER_DEFAULT_MIN
#define DAVG CHUNKER_DEFAULT_AVG
#define DMAX CHUNKER_DEFAULT_MAX

/* -------------------------------------------------------------- tests */

static void test_bad_parameters(void **state)
{
	struct chunker c;
	(void)state;

	assert_int_equal(chunker_init(&c, 63, 1024, 4096), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "min 63"));
	assert_int_equal(chunker_init(&c, 0, 1024, 4096), CAIRN_EINVALID);
	assert_int_equal(chunker_init(&c, 1024, 1024, 4096), CAIRN_EINVALID);
	assert_int_equal(chunker_init(&c, 2048, 1024, 4096), CAIRN_EINVALID);
	assert_int_equal(chunker_init(&c, 256, 1024, 1024), CAIRN_EINVALID);
	assert_int_equal(chunker_init(&c, 256, 1024, 512), CAIRN_EINVALID);
	assert_int_equal(chunker_init(&c, 256, 1000, 4096), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message,
			       "not a power of two"));
	assert_int_equal(chunker_init(&c, 256, 3 << 10, 1 << 20),
			 CAIRN_EINVALID);
	/* An average so large the small-chunk mask would need 65 bits. */
	assert_int_equal(chunker_init(&c, 256, (size_t)1 << 63, SIZE_MAX),
			 CAIRN_EINVALID);
	assert_int_equal(cairn_error_last()->klass, CAIRN_ERRCLASS_INVALID);

	/* The smallest valid set and the defaults are accepted. */
	assert_int_equal(chunker_init(&c, 64, 128, 129), 0);
	assert_int_equal(chunker_init(&c, DMIN, DAVG, DMAX), 0);
	assert_int_equal(c.pos, 0);
	assert_int_equal(c.hash, 0);
	assert_true(c.mask_s == top_bits(18));
	assert_true(c.mask_l == top_bits(14));
}

static void test_matches_reference(void **state)
{
	static const size_t params[][3] = {
		{ DMIN, DAVG, DMAX },
		{ 2048, 8192, 65536 },
		{ 64, 256, 1024 },
		{ 4096, 8192, 8193 },
	};
	size_t n = 8 * MiB, k;
	unsigned char *data = random_bytes(n, 1);
	(void)state;

	ref_init();
	for (k = 0; k < sizeof(params) / sizeof(params[0]); k++) {
		struct cuts got = { 0 }, want = { 0 };

		chunk_all(&got, data, n, params[k][0], params[k][1],
			  params[k][2], 0);
		ref_all(&want, data, n, params[k][0], params[k][1],
			params[k][2]);
		assert_true(want.n > 8);
		assert_same_cuts(&got, &want);
		cuts_free(&got);
		cuts_free(&want);
	}
	free(data);
}

static void test_deterministic(void **state)
{
	size_t n = 4 * MiB;
	unsigned char *data = random_bytes(n, 2);
	struct cuts a = { 0 }, b = { 0 };
	(void)state;

	chunk_all(&a, data, n, DMIN, DAVG, DMAX, 0);
	chunk_all(&b, data, n, DMIN, DAVG, DMAX, 0);
	assert_same_cuts(&a, &b);
	assert_true(a.n > 10);
	cuts_free(&a);
	cuts_free(&b);
	free(data);
}

static void test_buffer_splits(void **state)
{
	static const size_t steps[] = { 1, 2, 63, 64, 4097, 65536, SIZE_MAX };
	size_t n = 3 * MiB + 12345, k;
	unsigned char *data = random_bytes(n, 3);
	struct cuts whole = { 0 };
	(void)state;

	chunk_all(&whole, data, n, DMIN, DAVG, DMAX, 0);
	assert_true(whole.n > 10);
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct cuts split = { 0 };

		chunk_all(&split, data, n, DMIN, DAVG, DMAX, steps[k]);
		assert_same_cuts(&whole, &split);
		cuts_free(&split);
	}
	/* Small parameters put many cuts near buffer edges. */
	cuts_free(&whole);
	chunk_all(&whole, data, n, 64, 256, 1024, 0);
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct cuts split = { 0 };

		chunk_all(&split, data, n, 64, 256, 1024, steps[k]);
		assert_same_cuts(&whole, &split);
		cuts_free(&split);
	}
	cuts_free(&whole);
	free(data);
}

static void check_bounds_and_average(size_t n, size_t min, size_t avg,
				     size_t max)
{
	unsigned char *data = random_bytes(n, 4);
	struct cuts c = { 0 };
	size_t i, total = 0, full = 0, at_max = 0;
	double mean;

	chunk_all(&c, data, n, min, avg, max, 0);
	for (i = 0; i < c.n; i++) {
		total += c.len[i];
		if (i + 1 < c.n) {
			assert_in_range(c.len[i], min + 1, max);
			full += c.len[i];
			at_max += c.len[i] == max;
		} else {
			assert_in_range(c.len[i], 1, max);
		}
	}
	assert_int_equal(total, n);
	assert_true(c.n > 50);
	/*
	 * Normalized chunking puts the mean a little above avg (the skipped
	 * min bytes plus a tail that the easier mask keeps short).
	 */
	mean = (double)full / (double)(c.n - 1);
	assert_true(mean > 0.8 * (double)avg);
	assert_true(mean < 1.5 * (double)avg);
	/* On random data the hash, not max, ends almost every chunk. */
	assert_true(at_max * 50 < c.n);
	cuts_free(&c);
	free(data);
}

static void test_bounds_and_average(void **state)
{
	(void)state;
	check_bounds_and_average(24 * MiB, DMIN, DAVG, DMAX);
	check_bounds_and_average(4 * MiB, 2048, 8192, 65536);
	check_bounds_and_average(1 * MiB, 64, 1024, 8192);
}

static void test_forced_cut_on_constant_data(void **state)
{
	size_t n = 4 * MiB + 100, i;
	unsigned char *data = calloc(n, 1);
	struct cuts c = { 0 };
	(void)state;

	assert_non_null(data);
	chunk_all(&c, data, n, DMIN, DAVG, DMAX, 4097);
	assert_true(c.n > 2);
	/* The same bytes give the same chunk again and again. */
	for (i = 1; i + 1 < c.n; i++)
		assert_int_equal(c.len[i], c.len[0]);
	assert_true(c.len[0] <= DMAX);
	cuts_free(&c);
	free(data);
}

static void test_short_input_and_empty_buffer(void **state)
{
	struct chunker c;
	unsigned char data[100] = { 0 };
	int cut = -1;
	(void)state;

	assert_int_equal(chunker_init(&c, 64, 128, 1024), 0);
	assert_int_equal(chunker_next(&c, data, 0, &cut), 0);
	assert_int_equal(cut, 0);
	/* Shorter than min: consumed, no cut, the rest is the last chunk. */
	cut = -1;
	assert_int_equal(chunker_next(&c, data, 50, &cut), 50);
	assert_int_equal(cut, 0);
	assert_int_equal(c.pos, 50);
	assert_int_equal(chunker_next(&c, data, 14, &cut), 14);
	assert_int_equal(cut, 0);
	assert_int_equal(c.pos, 64);
}

/* Old chunk i as (offset, length); whether `b` has the same chunk. */
static size_t unchanged_bytes(const struct cuts *a, const struct cuts *b,
			      size_t from, size_t shift, size_t *kept)
{
	size_t i, j = 0, oa = 0, ob = 0, bytes = 0;

	*kept = 0;
	for (i = 0; i < a->n; i++) {
		size_t want = oa >= from ? oa + shift : oa;

		while (j < b->n && ob < want)
			ob += b->len[j++];
		if (j < b->n && ob == want && b->len[j] == a->len[i]) {
			bytes += a->len[i];
			(*kept)++;
		}
		oa += a->len[i];
	}
	return bytes;
}

static void test_overwrite_is_local(void **state)
{
	size_t n = 32 * MiB, edit = n / 20, at = n / 2 - edit / 2, i;
	unsigned char *data = random_bytes(n, 5);
	unsigned char *patch = random_bytes(edit, 6);
	struct cuts before = { 0 }, after = { 0 };
	size_t kept, bytes, off;
	(void)state;

	chunk_all(&before, data, n, DMIN, DAVG, DMAX, 1 * MiB);
	memcpy(data + at, patch, edit);
	chunk_all(&after, data, n, DMIN, DAVG, DMAX, 1 * MiB);

	/* Every chunk that ends before the edit is untouched. */
	for (i = 0, off = 0; off + before.len[i] <= at; off += before.len[i++])
		assert_int_equal(after.len[i], before.len[i]);
	assert_true(i > 100);

	bytes = unchanged_bytes(&before, &after, 0, 0, &kept);
	/* Most boundaries survive, ... */
	assert_true(kept * 100 >= before.n * 90);
	/* ... and only about the overwritten 5% (plus a chunk each side). */
	assert_true(n - bytes <= edit + 2 * DMAX);
	assert_true(n - bytes >= edit);
	cuts_free(&before);
	cuts_free(&after);
	free(patch);
	free(data);
}

static void test_insertion_shifts(void **state)
{
	size_t n = 16 * MiB, ins = 100, at = n / 2 + 777, i;
	unsigned char *data = random_bytes(n, 7);
	unsigned char *grown = malloc(n + ins);
	unsigned char *extra = random_bytes(ins, 8);
	struct cuts before = { 0 }, after = { 0 };
	size_t kept, bytes, off;
	(void)state;

	assert_non_null(grown);
	memcpy(grown, data, at);
	memcpy(grown + at, extra, ins);
	memcpy(grown + at + ins, data + at, n - at);
	chunk_all(&before, data, n, DMIN, DAVG, DMAX, 0);
	chunk_all(&after, grown, n + ins, DMIN, DAVG, DMAX, 4097);

	for (i = 0, off = 0; off + before.len[i] <= at; off += before.len[i++])
		assert_int_equal(after.len[i], before.len[i]);
	assert_true(i > 50);

	/* Later chunks come back shifted by the insertion, unchanged. */
	bytes = unchanged_bytes(&before, &after, at, ins, &kept);
	assert_true(kept + 3 >= before.n);
	assert_true(n - bytes <= 2 * DMAX);
	/* The last chunks in particular are all there. */
	assert_int_equal(after.len[after.n - 1], before.len[before.n - 1]);
	assert_int_equal(after.len[after.n - 2], before.len[before.n - 2]);
	cuts_free(&before);
	cuts_free(&after);
	free(extra);
	free(grown);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_parameters),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_buffer_splits),
		cmocka_unit_test(test_bounds_and_average),
		cmocka_unit_test(test_forced_cut_on_constant_data),
		cmocka_unit_test(test_short_input_and_empty_buffer),
		cmocka_unit_test(test_overwrite_is_local),
		cmocka_unit_test(test_insertion_shifts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
