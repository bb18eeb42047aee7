/*
 * decode_util.c: what the request decoders share (decode_int.h): sizing
 * a batch, reading one value as a number, and naming a value or a column
 * in a message.
 *
 * Numbers written as text are read with strtod_l() in the C locale, so a
 * locale the program sets never changes what "1.5" means. Hexadecimal
 * ("0x10") is refused: pandas, which MLflow's scoring server uses, does
 * not take it either.
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode_int.h"
#include "util/alloc.h"
#include "util/banned.h"

/* The sizing rule: one value per byte of body (at least one value). */
int decode_fits(size_t rows, size_t cols, size_t len)
{
	size_t max = len ? len : 1;

	return !rows || cols <= max / rows;
}

int decode_alloc(struct serve_batch *b, size_t rows, size_t cols, size_t len,
		 const char *what, struct serve_error *err)
{
	if (!rows)
		return DECODE_BAD(err, "%s: empty batch (no rows)", what);
	if (!cols)
		return DECODE_BAD(err, "%s: empty batch (no columns)", what);
	if (!decode_fits(rows, cols, len))
		return DECODE_BAD(err, "%s: %zu rows of %zu columns is more "
				  "values than a %zu-byte body holds", what,
				  rows, cols, len);
	free(b->values);
	b->values = xmalloc(rows * cols * sizeof(double));
	b->rows = rows;
	return 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int decode_number(const char *s, size_t len, double *out)
{
	char *end;
	double d;

	if (!len || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' ||
	    s[0] == '\r' || s[0] == '\f' || s[0] == '\v')
		return -1;
	if (memchr(s, 'x', len) || memchr(s, 'X', len))
		return -1;
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		d = strtod_l(s, &end, c_locale);
	else
		d = strtod(s, &end);
	if (end != s + len)
		return -1;
	*out = d;
	return 0;
}

int decode_json_number(const json_t *v, double *out)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		*out = (double)json_integer_value(v);
		return 0;
	case JSON_REAL:
		*out = json_real_value(v);
		return 0;
	case JSON_NULL:
		*out = NAN;
		return 0;
	case JSON_TRUE:
		*out = 1;
		return 0;
	case JSON_FALSE:
		*out = 0;
		return 0;
	case JSON_STRING:
		return decode_number(json_string_value(v), json_string_length(v),
				     out);
	default:
		return -1;
	}
}

void decode_quote(char *dst, size_t n, const char *s, size_t len)
{
	const size_t max = 40;

	if (len > max)
		snprintf(dst, n, "\"%.*s...\"", (int)max, s);
	else
		snprintf(dst, n, "\"%.*s\"", (int)len, s);
}

void decode_describe(char *dst, size_t n, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		decode_quote(dst, n, json_string_value(v),
			     json_string_length(v));
		return;
	case JSON_OBJECT:
		snprintf(dst, n, "an object");
		return;
	case JSON_ARRAY:
		snprintf(dst, n, "a list");
		return;
	case JSON_INTEGER:
		snprintf(dst, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		snprintf(dst, n, "%.17g", json_real_value(v));
		return;
	case JSON_TRUE:
		snprintf(dst, n, "true");
		return;
	case JSON_FALSE:
		snprintf(dst, n, "false");
		return;
	default:
		snprintf(dst, n, "null");
		return;
	}
}

void decode_column_label(char *dst, size_t n, const struct serve_batch *b,
			 size_t col)
{
	if (b->columns && col < b->cols)
		snprintf(dst, n, "'%.60s'", b->columns[col]);
	else
		snprintf(dst, n, "%zu", col);
}

int decode_not_a_number(struct serve_error *err, const char *what,
			const struct serve_batch *b, size_t row, size_t col,
			const char *got)
{
	char label[80];

	decode_column_label(label, sizeof(label), b, col);
	return DECODE_BAD(err, "%s: row %zu, column %s: expected a number, "
			  "got %s", what, row, label, got);
}

int decode_check_columns(const struct serve_batch *b, const char *what,
			 struct serve_error *err)
{
	json_t *seen = json_object();
	size_t i;
	int ret = 0;

	for (i = 0; i < b->cols && !ret; i++) {
		const char *name = b->columns[i];
		json_t *s = json_string(name);

		if (!s) {
			ret = DECODE_BAD(err, "%s: column %zu's name is not "
					 "valid UTF-8", what, i);
		} else if (json_object_get(seen, name)) {
			ret = DECODE_BAD(err, "%s: duplicate column '%.60s'",
					 what, name);
		} else {
			json_object_set(seen, name, json_true());
		}
		json_decref(s);
	}
	json_decref(seen);
	return ret;
}
