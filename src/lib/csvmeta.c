/*
 * csvmeta.c: rows, column names and column types of a CSV or TSV file.
 *
 * The file goes through libcsv in 64 KiB blocks (a buffer in memory is fed
 * in the same 64 KiB pieces, so both paths behave alike). libcsv calls
 * on_field() for each field and on_row() at the end of each record; the
 * first record is the header and names the columns, every later one is a
 * data row. libcsv skips blank lines, so they are not rows.
 *
 * Parsing is strict (CSV_STRICT | CSV_STRICT_FINI): a quote inside an
 * unquoted field, text after a closing quote, or a quoted field still
 * open at the end of the input makes the file malformed, CAIRN_EINVALID,
 * and the message gives the line and column where libcsv stopped. A
 * ragged row (more or fewer fields than the header) is common in real
 * files and is only counted: extra fields are not typed, missing ones
 * count as empty. Unquoted fields lose their surrounding spaces (libcsv's
 * default); a leading UTF-8 byte-order mark is dropped.
 *
 * Type guess of one value (empty values say nothing and are skipped):
 *
 *	integer  optional '+' or '-', then one or more ASCII digits (any
 *	         length: this is syntax, not range). "0" and "1" are
 *	         integers, not booleans.
 *	boolean  true, false, yes or no, in any case.
 *	float    what strtod() consumes entirely in the C locale (whatever
 *	         locale the program set): "1.5", "-2e-3", ".5", "nan",
 *	         "inf", "Infinity"; not hexadecimal ("0x1p3"), and not with
 *	         leading white space (libcsv has trimmed unquoted fields, so
 *	         that only happens inside quotes).
 *	string   anything else.
 *
 * A column's type starts as "empty" and widens with each value:
 * integer + float = float; boolean + a number = string; anything + string
 * = string. Once a column is "string" its values are no longer looked at.
 *
 * Bounded memory: libcsv keeps one field in a buffer (grown by doubling
 * here; libcsv's own step is 128 bytes, quadratic on a big field), and a
 * field over CSVMETA_FIELD_MAX is refused, so an unterminated quote at the
 * start of a huge file fails at 16 MiB instead of reading it all into
 * memory. The header is held as column names, at most CSVMETA_COLUMNS_MAX
 * columns and CSVMETA_HEADER_MAX bytes of names.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <csv.h>

#include "lib/csvmeta.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define CSVMETA_BLOCK (64 * 1024)
#define CSVMETA_FIELD_MAX ((size_t)16 << 20)
#define CSVMETA_HEADER_MAX ((size_t)16 << 20)
#define CSVMETA_COLUMNS_MAX ((size_t)1 << 20)

enum limit {
	LIMIT_NONE = 0,
	LIMIT_COLUMNS,
	LIMIT_HEADER
};

struct reader {
	struct csv_parser parser;
	struct csvmeta *out;
	const char *name;      /* file name for messages, NULL for a buffer */
	size_t alloc;          /* of out->columns */
	size_t field;          /* index of the next field in this record */
	size_t header_bytes;   /* bytes of column names */
	int in_header;         /* the first record is not finished yet */
	enum limit limit;      /* a limit hit inside a callback */
	uint64_t offset;       /* bytes of input fed to the parser */
	uint64_t line;         /* line number at offset, from 1 */
	uint64_t line_start;   /* offset of the first byte of that line */
};

/* ------------------------------------------------------------ types */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static int is_integer(const char *s, size_t len)
{
	size_t i = 0;

	if (s[0] == '+' || s[0] == '-')
		i++;
	if (i == len)
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int is_boolean(const char *s, size_t len)
{
	static const char *const words[] = { "true", "false", "yes", "no" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (len == strlen(words[i]) && !strncasecmp(s, words[i], len))
			return 1;
	return 0;
}

/* s[len] is '\0' (CSV_APPEND_NULL); an embedded NUL stops strtod early. */
static int is_float(const char *s, size_t len)
{
	char *end;

	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ||
	    s[0] == '\f' || s[0] == '\v')
		return 0;
	if (memchr(s, 'x', len) || memchr(s, 'X', len))
		return 0;
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		(void)strtod_l(s, &end, c_locale);
	else
		(void)strtod(s, &end);
	return end == s + len;
}

static enum csv_type classify(const char *s, size_t len)
{
	if (is_integer(s, len))
		return CSV_TYPE_INTEGER;
	if (is_boolean(s, len))
		return CSV_TYPE_BOOLEAN;
	if (is_float(s, len))
		return CSV_TYPE_FLOAT;
	return CSV_TYPE_STRING;
}

static enum csv_type widen(enum csv_type a, enum csv_type b)
{
	if (a == b || b == CSV_TYPE_EMPTY)
		return a;
	if (a == CSV_TYPE_EMPTY)
		return b;
	if ((a == CSV_TYPE_INTEGER && b == CSV_TYPE_FLOAT) ||
	    (a == CSV_TYPE_FLOAT && b == CSV_TYPE_INTEGER))
		return CSV_TYPE_FLOAT;
	return CSV_TYPE_STRING;
}

const char *csv_type_name(enum csv_type type)
{
	switch (type) {
	case CSV_TYPE_EMPTY:
		return "empty";
	case CSV_TYPE_INTEGER:
		return "integer";
	case CSV_TYPE_FLOAT:
		return "float";
	case CSV_TYPE_BOOLEAN:
		return "boolean";
	case CSV_TYPE_STRING:
		return "string";
	}
	return "unknown";
}

/* -------------------------------------------------------- callbacks */

static void on_field(void *field, size_t len, void *data)
{
	struct reader *r = data;
	struct csvmeta *out = r->out;
	const char *s = field ? field : "";
	size_t i = r->field++;
	struct csv_column *col;

	if (r->limit)
		return;
	if (r->in_header) {
		if (out->ncolumns == CSVMETA_COLUMNS_MAX) {
			r->limit = LIMIT_COLUMNS;
			return;
		}
		if (len > CSVMETA_HEADER_MAX - r->header_bytes) {
			r->limit = LIMIT_HEADER;
			return;
		}
		r->header_bytes += len;
		ALLOC_GROW(out->columns, out->ncolumns + 1, r->alloc);
		col = &out->columns[out->ncolumns++];
		col->name = xstrndup(s, len);
		col->type = CSV_TYPE_EMPTY;
		return;
	}
	if (i >= out->ncolumns || len == 0)
		return;
	col = &out->columns[i];
	if (col->type != CSV_TYPE_STRING)
		col->type = widen(col->type, classify(s, len));
}

static void on_row(int terminator, void *data)
{
	struct reader *r = data;

	(void)terminator;
	if (r->in_header) {
		r->in_header = 0;
	} else {
		r->out->rows++;
		if (r->field != r->out->ncolumns)
			r->out->ragged++;
	}
	r->field = 0;
}

/* ----------------------------------------------------------- reader */

static void reader_init(struct reader *r, struct csvmeta *out,
			const char *name, unsigned char delim)
{
	memset(out, 0, sizeof(*out));
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->name = name;
	r->in_header = 1;
	r->line = 1;
	/* csv_init() cannot fail with a valid options byte. */
	csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_delim(&r->parser, delim);
	csv_set_realloc_func(&r->parser, xrealloc);
	csv_set_free_func(&r->parser, free);
	csv_set_blk_size(&r->parser, CSVMETA_BLOCK);
}

/* Account for n bytes of input the parser has consumed. */
static void advance(struct reader *r, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		r->line++;
		r->line_start = r->offset + (uint64_t)(nl - p) + 1;
		r->offset += (uint64_t)(nl - p) + 1;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	r->offset += n;
}

/* Fail with CAIRN_EINVALID: "'name': message", or the message alone. */
static int fail(const struct reader *r, const char *fmt, ...)
	CAIRN_PRINTF(2, 3);
static int fail(const struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->name)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
					"'%s': %s", r->name, msg);
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA, "%s",
				msg);
}

static int limit_error(const struct reader *r)
{
	if (r->limit == LIMIT_COLUMNS)
		return fail(r, "more than %zu columns", CSVMETA_COLUMNS_MAX);
	return fail(r, "header row longer than %zu MiB",
		    CSVMETA_HEADER_MAX >> 20);
}

static int feed(struct reader *r, const unsigned char *data, size_t len)
{
	size_t n, size;

	/* A UTF-8 byte-order mark is not part of the first column's name. */
	if (r->offset == 0 && len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
		r->offset = r->line_start = 3;
	}
	n = csv_parse(&r->parser, data, len, on_field, on_row, r);
	advance(r, data, n);
	if (n < len) {
		int e = csv_error(&r->parser);

		return fail(r, "malformed CSV at line %llu, column %llu: %s",
			    (unsigned long long)r->line,
			    (unsigned long long)(r->offset - r->line_start + 1),
			    csv_strerror(e));
	}
	if (r->limit)
		return limit_error(r);
	size = csv_get_buffer_size(&r->parser);
	if (size > CSVMETA_FIELD_MAX)
		return fail(r, "field longer than %zu MiB near line %llu",
			    CSVMETA_FIELD_MAX >> 20,
			    (unsigned long long)r->line);
	/*
	 * Grow the field buffer by doubling: libcsv adds blk_size bytes each
	 * time it runs out, and one block grows a field by at most
	 * CSVMETA_BLOCK bytes, so this is at most one realloc per block.
	 */
	if (size > CSVMETA_BLOCK)
		csv_set_blk_size(&r->parser, size);
	return 0;
}

static int finish(struct reader *r)
{
	if (csv_fini(&r->parser, on_field, on_row, r) != 0)
		return fail(r, "malformed CSV: quoted field not closed at end "
			    "of input (record %llu)",
			    (unsigned long long)(r->in_header ? 1 :
						 r->out->rows + 2));
	if (r->limit)
		return limit_error(r);
	return 0;
}

static void reader_release(struct reader *r, int err)
{
	csv_free(&r->parser);
	if (err < 0)
		csvmeta_release(r->out);
}

/* ---------------------------------------------------------- public */

int csvmeta_is_tabular(const char *path)
{
	size_t len = strlen(path);

	if (len < 4)
		return 0;
	return !strcasecmp(path + len - 4, ".csv") ||
	       !strcasecmp(path + len - 4, ".tsv");
}

static unsigned char delimiter_for(const char *path)
{
	size_t len = strlen(path);

	if (len >= 4 && !strcasecmp(path + len - 4, ".tsv"))
		return CSV_TAB;
	return CSV_COMMA;
}

int csvmeta_read_buffer(struct csvmeta *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	struct reader r;
	int err = 0;

	reader_init(&r, out, NULL, CSV_COMMA);
	while (len) {
		size_t n = len < CSVMETA_BLOCK ? len : CSVMETA_BLOCK;

		if ((err = feed(&r, p, n)) < 0)
			goto done;
		p += n;
		len -= n;
	}
	err = finish(&r);
done:
	reader_release(&r, err);
	return err;
}

int csvmeta_read_file(struct csvmeta *out, const char *path)
{
	unsigned char *block = NULL;
	struct reader r;
	ssize_t n;
	int fd, err = 0;

	reader_init(&r, out, path, delimiter_for(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			err = cairn_error_setc(CAIRN_ENOTFOUND,
					       CAIRN_ERRCLASS_OS,
					       "'%s' does not exist", path);
		else
			err = cairn_error_set_os("cannot open '%s'", path);
		goto done;
	}
	block = xmalloc(CSVMETA_BLOCK);
	while ((n = fs_read_full(fd, block, CSVMETA_BLOCK, path)) > 0)
		if ((err = feed(&r, block, (size_t)n)) < 0)
			goto done;
	if (n < 0) {
		err = (int)n;
		goto done;
	}
	err = finish(&r);
done:
	if (fd >= 0)
		close(fd);
	free(block);
	reader_release(&r, err);
	return err;
}

void csvmeta_release(struct csvmeta *meta)
{
	size_t i;

	if (!meta)
		return;
	for (i = 0; i < meta->ncolumns; i++)
		free(meta->columns[i].name);
	free(meta->columns);
	memset(meta, 0, sizeof(*meta));
}
