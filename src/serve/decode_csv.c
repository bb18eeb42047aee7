/*
 * decode_csv.c: a text/csv body of POST /invocations into a batch
 * (decode_int.h), with libcsv, as pandas.read_csv() reads it for MLflow.
 *
 * The first record is the header and names the columns (distinct, valid
 * UTF-8); every later record is a row and must have as many fields as the
 * header. libcsv skips blank lines and trims unquoted fields; a leading
 * UTF-8 byte-order mark is dropped. Parsing is strict, as in csvmeta.c:
 * a stray quote is a 400 naming the line.
 *
 * A field is a number (decode_number()); empty, or one of pandas' usual
 * missing markers (NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null, None,
 * <NA>, #N/A), it is missing (NaN); true and false in any case are 1 and
 * 0. Anything else is a 400 naming the row and column.
 *
 * Memory: the body is fed in 64 KiB blocks and the field buffer grows by
 * doubling (libcsv's own growth step is linear); the values grow with the
 * rows under the one-value-per-byte rule, and the first error stops the
 * parse at the end of the current block.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "serve/decode_int.h"
#include "util/alloc.h"
#include "util/banned.h"

#define CSV_BLOCK ((size_t)64 * 1024)

static const char what[] = "text/csv";

struct reader {
	struct csv_parser parser;
	struct serve_batch *b;
	struct serve_error *err;
	size_t len;          /* of the body */
	size_t alloc_cols, alloc_values;
	size_t field;        /* index of the next field in this record */
	size_t line;         /* lines before the current block, from 1 */
	int in_header;
	int failed;          /* err is set; ignore the rest */
};

static int is_missing(const char *s, size_t len)
{
	static const char *const words[] = {
		"NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL",
		"null", "None", "<NA>", "#N/A",
	};
	size_t i;

	if (!len)
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (len == strlen(words[i]) && !memcmp(s, words[i], len))
			return 1;
	return 0;
}

static int csv_value(const char *s, size_t len, double *out)
{
	if (is_missing(s, len)) {
		*out = NAN;
		return 0;
	}
	if (len == 4 && !strncasecmp(s, "true", 4)) {
		*out = 1;
		return 0;
	}
	if (len == 5 && !strncasecmp(s, "false", 5)) {
		*out = 0;
		return 0;
	}
	return decode_number(s, len, out);
}

static void on_field(void *field, size_t len, void *data)
{
	struct reader *r = data;
	struct serve_batch *b = r->b;
	const char *s = field ? field : "";
	size_t j = r->field++;
	char got[80];

	if (r->failed)
		return;
	if (r->in_header) {
		if (!decode_fits(1, b->cols + 1, r->len)) {
			r->failed = 1;
			DECODE_BAD(r->err, "%s: too many columns", what);
			return;
		}
		ALLOC_GROW(b->columns, b->cols + 1, r->alloc_cols);
		b->columns[b->cols++] = xstrndup(s, len);
		return;
	}
	if (j >= b->cols) {
		r->failed = 1;
		DECODE_BAD(r->err, "%s: row %zu has more than %zu values (the "
			   "header names %zu columns)", what, b->rows, b->cols,
			   b->cols);
		return;
	}
	if (!j) {
		if (!decode_fits(b->rows + 1, b->cols, r->len)) {
			r->failed = 1;
			DECODE_BAD(r->err, "%s: more values than the body "
				   "holds", what);
			return;
		}
		ALLOC_GROW(b->values, (b->rows + 1) * b->cols,
			   r->alloc_values);
	}
	if (csv_value(s, len, &b->values[b->rows * b->cols + j]) < 0) {
		r->failed = 1;
		decode_quote(got, sizeof(got), s, len);
		decode_not_a_number(r->err, what, b, b->rows, j, got);
	}
}

static void on_row(int terminator, void *data)
{
	struct reader *r = data;
	struct serve_batch *b = r->b;

	(void)terminator;
	if (r->failed)
		return;
	if (r->in_header) {
		r->in_header = 0;
		if (decode_check_columns(b, what, r->err) < 0)
			r->failed = 1;
	} else if (r->field != b->cols) {
		r->failed = 1;
		DECODE_BAD(r->err, "%s: row %zu has %zu values, expected %zu",
			   what, b->rows, r->field, b->cols);
	} else {
		b->rows++;
	}
	r->field = 0;
}

/* Lines of p[0..n) up to where libcsv stopped, to name the line. */
static void count_lines(struct reader *r, const char *p, size_t n)
{
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		r->line++;
		p++;
	}
}

int decode_csv(struct serve_batch *b, const char *body, size_t len,
	       struct serve_error *err)
{
	struct reader r;
	size_t done = 0;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	r.b = b;
	r.err = err;
	r.len = len;
	r.line = 1;
	r.in_header = 1;
	/* csv_init() cannot fail with a valid options byte. */
	csv_init(&r.parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_realloc_func(&r.parser, xrealloc);
	csv_set_free_func(&r.parser, free);
	csv_set_blk_size(&r.parser, CSV_BLOCK);
	if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3))
		done = 3;
	while (done < len && !r.failed) {
		size_t n = len - done < CSV_BLOCK ? len - done : CSV_BLOCK;
		size_t used = csv_parse(&r.parser, body + done, n, on_field,
					on_row, &r);

		if (used < n && !r.failed) {
			count_lines(&r, body + done, used);
			DECODE_BAD(err, "%s: malformed CSV at line %zu: %s",
				   what, r.line, csv_strerror(
					   csv_error(&r.parser)));
			goto out;
		}
		count_lines(&r, body + done, n);
		done += n;
		if (csv_get_buffer_size(&r.parser) > CSV_BLOCK)
			csv_set_blk_size(&r.parser,
					 csv_get_buffer_size(&r.parser));
	}
	if (r.failed)
		goto out;
	if (csv_fini(&r.parser, on_field, on_row, &r) != 0) {
		DECODE_BAD(err, "%s: malformed CSV: quoted field not closed "
			   "at the end of the body", what);
		goto out;
	}
	if (r.failed)
		goto out;
	if (!b->cols)
		DECODE_BAD(err, "%s: empty body (a header line names the "
			   "columns)", what);
	else if (!b->rows)
		DECODE_BAD(err, "%s: empty batch (no rows: the first line is "
			   "the header naming the columns)", what);
	else
		ret = 0;
	b->source = what;
out:
	csv_free(&r.parser);
	return ret;
}
