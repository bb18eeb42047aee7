/*
 * test_csvmeta.c: rows, columns and type guesses of CSV/TSV files
 * (src/lib/csvmeta.c), from buffers and from files, including every way a
 * file can be refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/csvmeta.h"
#include "util/buf.h"
#include "util/error.h"

/* ------------------------------------------------------------ helpers */

static int parse(struct csvmeta *m, const char *text)
{
	return csvmeta_read_buffer(m, text, strlen(text));
}

static void assert_columns(const struct csvmeta *m, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(m->ncolumns, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *name = va_arg(ap, const char *);
		int type = va_arg(ap, int);

		assert_string_equal(m->columns[i].name, name);
		assert_string_equal(csv_type_name(m->columns[i].type),
				    csv_type_name((enum csv_type)type));
	}
	va_end(ap);
}

/* The type guessed for a one-column file holding these lines. */
static enum csv_type type_of(const char *values)
{
	struct csvmeta m;
	struct buf b = BUF_INIT;
	enum csv_type t;

	buf_puts(&b, "x\n");
	buf_puts(&b, values);
	assert_int_equal(csvmeta_read_buffer(&m, b.ptr, b.len), 0);
	assert_int_equal(m.ncolumns, 1);
	t = m.columns[0].type;
	csvmeta_release(&m);
	buf_release(&b);
	return t;
}

static void assert_malformed(const char *text, const char *needle)
{
	struct csvmeta m;

	assert_int_equal(parse(&m, text), CAIRN_EINVALID);
	assert_int_equal(cairn_error_last()->klass, CAIRN_ERRCLASS_DATA);
	if (!strstr(cairn_error_last()->message, needle))
		fail_msg("message '%s' lacks '%s'", cairn_error_last()->message,
			 needle);
	/* Nothing is left to release after a failure. */
	assert_int_equal(m.ncolumns, 0);
	assert_null(m.columns);
	assert_int_equal(m.rows, 0);
	csvmeta_release(&m);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_csvmeta.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static char *tmp_path(const char *name)
{
	size_t n = strlen(tmpdir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", tmpdir, name);
	return p;
}

static char *write_tmp(const char *name, const void *data, size_t len)
{
	char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int teardown_dir(void **state)
{
	static const char *const names[] = { "a.csv", "b.tsv", "big.csv",
					     "bad.csv", "huge.csv" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = tmp_path(names[i]);

		unlink(p);
		free(p);
	}
	return rmdir(tmpdir);
}

/* -------------------------------------------------------------- tests */

static void test_basic(void **state)
{
	struct csvmeta m;
	(void)state;

	assert_int_equal(parse(&m, "name,age,score,active\n"
				   "alice,30,1.5,true\n"
				   "bob,25,2,false\n"),
			 0);
	assert_int_equal(m.rows, 2);
	assert_int_equal(m.ragged, 0);
	assert_columns(&m, 4, "name", CSV_TYPE_STRING, "age", CSV_TYPE_INTEGER,
		       "score", CSV_TYPE_FLOAT, "active", CSV_TYPE_BOOLEAN);
	csvmeta_release(&m);
	/* Release is idempotent and takes NULL. */
	csvmeta_release(&m);
	assert_null(m.columns);
	csvmeta_release(NULL);
}

static void test_quoted_fields(void **state)
{
	struct csvmeta m;
	(void)state;

	assert_int_equal(parse(&m, "\"last, first\",\"note\",n\n"
				   "\"Doe, Jane\",\"line one\nline two\",1\n"
				   "\"say \"\"hi\"\"\",\"a,b\r\nc\",\"2\"\n"
				   "x,\"\",3\n"),
			 0);
	/* Quoted newlines do not end a record. */
	assert_int_equal(m.rows, 3);
	assert_int_equal(m.ragged, 0);
	assert_columns(&m, 3, "last, first", CSV_TYPE_STRING, "note",
		       CSV_TYPE_STRING, "n", CSV_TYPE_INTEGER);
	csvmeta_release(&m);

	/* Inside quotes, spaces are kept, so " 5" is not a number. */
	assert_int_equal(type_of("\" 5\"\n"), CSV_TYPE_STRING);
	/* Outside quotes libcsv trims them. */
	assert_int_equal(type_of("  5  \n 6\n"), CSV_TYPE_INTEGER);
}

static void test_crlf_and_line_endings(void **state)
{
	struct csvmeta m;
	(void)state;

	assert_int_equal(parse(&m, "a,b\r\n1,2\r\n3,4.5\r\n"), 0);
	assert_int_equal(m.rows, 2);
	assert_columns(&m, 2, "a", CSV_TYPE_INTEGER, "b", CSV_TYPE_FLOAT);
	csvmeta_release(&m);

	/* No trailing newline: the last record still counts. */
	assert_int_equal(parse(&m, "a,b\r\n1,2\r\n3,x"), 0);
	assert_int_equal(m.rows, 2);
	assert_columns(&m, 2, "a", CSV_TYPE_INTEGER, "b", CSV_TYPE_STRING);
	csvmeta_release(&m);

	/* Old Mac line ends and blank lines (not rows). */
	assert_int_equal(parse(&m, "a\r1\r\r\n\n2\n\n"), 0);
	assert_int_equal(m.rows, 2);
	assert_columns(&m, 1, "a", CSV_TYPE_INTEGER);
	csvmeta_release(&m);
}

static void test_empty_and_header_only(void **state)
{
	struct csvmeta m;
	(void)state;

	assert_int_equal(csvmeta_read_buffer(&m, "", 0), 0);
	assert_int_equal(m.rows, 0);
	assert_int_equal(m.ncolumns, 0);
	assert_null(m.columns);
	csvmeta_release(&m);

	assert_int_equal(csvmeta_read_buffer(&m, NULL, 0), 0);
	assert_int_equal(m.ncolumns, 0);
	csvmeta_release(&m);

	assert_int_equal(parse(&m, "\n\n\r\n"), 0);
	assert_int_equal(m.rows, 0);
	assert_int_equal(m.ncolumns, 0);
	csvmeta_release(&m);

	assert_int_equal(parse(&m, "id,label,\"\"\n"), 0);
	assert_int_equal(m.rows, 0);
	assert_columns(&m, 3, "id", CSV_TYPE_EMPTY, "label", CSV_TYPE_EMPTY,
		       "", CSV_TYPE_EMPTY);
	csvmeta_release(&m);

	assert_int_equal(parse(&m, "id,label"), 0);
	assert_int_equal(m.rows, 0);
	assert_columns(&m, 2, "id", CSV_TYPE_EMPTY, "label", CSV_TYPE_EMPTY);
	csvmeta_release(&m);
}

static void test_type_guesses(void **state)
{
	(void)state;

	assert_int_equal(type_of("1\n-2\n+3\n007\n"), CSV_TYPE_INTEGER);
	assert_int_equal(type_of("123456789012345678901234567890\n"),
			 CSV_TYPE_INTEGER);
	/* 0 and 1 are integers, not booleans. */
	assert_int_equal(type_of("0\n1\n1\n"), CSV_TYPE_INTEGER);
	assert_int_equal(type_of("1.5\n-2e-3\n.5\n5.\n1E10\n"),
			 CSV_TYPE_FLOAT);
	assert_int_equal(type_of("nan\nNaN\ninf\n-Inf\nInfinity\n"),
			 CSV_TYPE_FLOAT);
	assert_int_equal(type_of("true\nFALSE\nYes\nno\nTrUe\n"),
			 CSV_TYPE_BOOLEAN);
	assert_int_equal(type_of("hello\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("-\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("+\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("1-2\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("0x1A\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("0x1p3\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("1,5\n"), CSV_TYPE_INTEGER); /* 2 fields */
	assert_int_equal(type_of("\"1,5\"\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("\"1.5 \"\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("e5\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("truee\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("y\n"), CSV_TYPE_STRING);
	/* An embedded NUL is no number. */
	{
		struct csvmeta m;
		static const char text[] = "x\n1\0002\n";

		assert_int_equal(csvmeta_read_buffer(&m, text,
						     sizeof(text) - 1), 0);
		assert_int_equal(m.columns[0].type, CSV_TYPE_STRING);
		csvmeta_release(&m);
	}
}

static void test_type_widening(void **state)
{
	(void)state;

	assert_int_equal(type_of("1\n2.5\n3\n"), CSV_TYPE_FLOAT);
	assert_int_equal(type_of("2.5\n3\n"), CSV_TYPE_FLOAT);
	assert_int_equal(type_of("1\nx\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("x\n1\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("1.5\nx\n2\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("true\n1\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("1\ntrue\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("no\n2.5\n"), CSV_TYPE_STRING);
	assert_int_equal(type_of("yes\nmaybe\n"), CSV_TYPE_STRING);
	/* Empty values say nothing. */
	assert_int_equal(type_of("\"\"\n1\n\"\"\n2\n"), CSV_TYPE_INTEGER);
	assert_int_equal(type_of("\"\"\n\"\"\n"), CSV_TYPE_EMPTY);
	{
		struct csvmeta m;

		assert_int_equal(parse(&m, "a,b,c\n,1,\n,,true\n"), 0);
		assert_int_equal(m.rows, 2);
		assert_columns(&m, 3, "a", CSV_TYPE_EMPTY, "b",
			       CSV_TYPE_INTEGER, "c", CSV_TYPE_BOOLEAN);
		csvmeta_release(&m);
	}
}

static void test_ragged_rows(void **state)
{
	struct csvmeta m;
	(void)state;

	assert_int_equal(parse(&m, "a,b\n1\n1,2,oops\n3,4\n5,x\n"), 0);
	assert_int_equal(m.rows, 4);
	assert_int_equal(m.ragged, 2);
	/* The extra field is not typed; the short row leaves b alone. */
	assert_columns(&m, 2, "a", CSV_TYPE_INTEGER, "b", CSV_TYPE_STRING);
	csvmeta_release(&m);
}

static void test_bom(void **state)
{
	struct csvmeta m;
	(void)state;

	assert_int_equal(parse(&m, "\xef\xbb\xbf\"id\",v\n1,2\n"), 0);
	assert_columns(&m, 2, "id", CSV_TYPE_INTEGER, "v", CSV_TYPE_INTEGER);
	assert_int_equal(m.rows, 1);
	csvmeta_release(&m);
}

static void test_malformed(void **state)
{
	(void)state;

	assert_malformed("a,b\n1,\"open\n2,3\n", "quoted field not closed");
	assert_malformed("a,b\n1,\"open\n2,3\n", "record 2");
	assert_malformed("\"a,b\n", "record 1");
	assert_malformed("a,b\n1,x\"y\n", "line 2, column 4");
	assert_malformed("a,b\n1,x\"y\n", "malformed CSV");
	assert_malformed("\"a\"b,c\n", "line 1, column 4");
	assert_malformed("a,b\n\"1\" ,2\n\"3\"x,4\n", "line 3, column 4");
	/* The position is right across block boundaries too. */
	{
		struct buf b = BUF_INIT;
		size_t i;

		buf_puts(&b, "k,v\n");
		for (i = 0; i < 20000; i++)
			buf_printf(&b, "%zu,\"multi\nline\"\n", i);
		buf_puts(&b, "bad,x\"\n");
		{
			struct csvmeta m;

			assert_int_equal(csvmeta_read_buffer(&m, b.ptr, b.len),
					 CAIRN_EINVALID);
			assert_non_null(strstr(cairn_error_last()->message,
					       "line 40002, column 6"));
		}
		buf_release(&b);
	}
}

static void test_field_too_long(void **state)
{
	size_t n = (17u << 20) + 10;
	char *text = malloc(n);
	struct csvmeta m;
	(void)state;

	assert_non_null(text);
	memset(text, 'z', n);
	memcpy(text, "a\n\"", 3);
	assert_int_equal(csvmeta_read_buffer(&m, text, n), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message,
			       "field longer than 16 MiB"));
	assert_null(m.columns);

	/* Just under the limit is fine. */
	text[n - 1] = '\n';
	text[(15u << 20)] = '"';
	text[(15u << 20) + 1] = '\n';
	assert_int_equal(csvmeta_read_buffer(&m, text, (15u << 20) + 2), 0);
	assert_int_equal(m.rows, 1);
	assert_columns(&m, 1, "a", CSV_TYPE_STRING);
	csvmeta_release(&m);
	free(text);
}

static void test_read_file(void **state)
{
	static const char csv[] = "x,y\n1,a\n2,b\n";
	const char *tsv;
	struct csvmeta m;
	char *path;
	(void)state;

	path = write_tmp("a.csv", csv, sizeof(csv) - 1);
	assert_int_equal(csvmeta_read_file(&m, path), 0);
	assert_int_equal(m.rows, 2);
	assert_columns(&m, 2, "x", CSV_TYPE_INTEGER, "y", CSV_TYPE_STRING);
	csvmeta_release(&m);
	free(path);

	/* A .tsv splits on tabs; commas are ordinary characters. */
	tsv = "name\tvalues\tok\n"
	      "a,b\t1.5\tyes\n\"t\tq\"\t2\tno\n";
	path = write_tmp("b.tsv", tsv, strlen(tsv));
	assert_int_equal(csvmeta_read_file(&m, path), 0);
	assert_int_equal(m.rows, 2);
	assert_int_equal(m.ragged, 0);
	assert_columns(&m, 3, "name", CSV_TYPE_STRING, "values",
		       CSV_TYPE_FLOAT, "ok", CSV_TYPE_BOOLEAN);
	csvmeta_release(&m);
	free(path);

	path = tmp_path("missing.csv");
	assert_int_equal(csvmeta_read_file(&m, path), CAIRN_ENOTFOUND);
	assert_non_null(strstr(cairn_error_last()->message, "missing.csv"));
	assert_null(m.columns);
	free(path);

	/* A directory cannot be read as a file. */
	assert_true(csvmeta_read_file(&m, tmpdir) < 0);
	assert_null(m.columns);

	path = write_tmp("bad.csv", "a\n\"x\n", 5);
	assert_int_equal(csvmeta_read_file(&m, path), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "bad.csv': "));
	assert_null(m.columns);
	free(path);
}

static void test_read_big_file(void **state)
{
	struct buf b = BUF_INIT;
	struct csvmeta m, mb;
	char *path;
	size_t i;
	(void)state;

	buf_puts(&b, "id,ratio,label,flag\n");
	for (i = 0; i < 30000; i++)
		buf_printf(&b, "%zu,%zu.%zu,\"row %zu, \"\"quoted\"\"\",%s\r\n",
			   i, i / 7, i % 10, i, i % 3 ? "True" : "false");
	assert_true(b.len > 4 * 64 * 1024);
	path = write_tmp("big.csv", b.ptr, b.len);
	assert_int_equal(csvmeta_read_file(&m, path), 0);
	assert_int_equal(csvmeta_read_buffer(&mb, b.ptr, b.len), 0);
	assert_int_equal(m.rows, 30000);
	assert_int_equal(m.ragged, 0);
	assert_columns(&m, 4, "id", CSV_TYPE_INTEGER, "ratio", CSV_TYPE_FLOAT,
		       "label", CSV_TYPE_STRING, "flag", CSV_TYPE_BOOLEAN);
	assert_int_equal(mb.rows, m.rows);
	assert_columns(&mb, 4, "id", CSV_TYPE_INTEGER, "ratio", CSV_TYPE_FLOAT,
		       "label", CSV_TYPE_STRING, "flag", CSV_TYPE_BOOLEAN);
	csvmeta_release(&m);
	csvmeta_release(&mb);
	free(path);

	/* An unterminated quote early in a big file fails at the limit. */
	buf_reset(&b);
	buf_puts(&b, "a\n\"");
	while (b.len < (20u << 20))
		buf_puts(&b, "0123456789abcdef0123456789abcdef\n");
	path = write_tmp("huge.csv", b.ptr, b.len);
	assert_int_equal(csvmeta_read_file(&m, path), CAIRN_EINVALID);
	assert_non_null(strstr(cairn_error_last()->message, "16 MiB"));
	free(path);
	buf_release(&b);
}

static void test_is_tabular(void **state)
{
	(void)state;

	assert_true(csvmeta_is_tabular("a.csv"));
	assert_true(csvmeta_is_tabular("data/TRAIN.CSV"));
	assert_true(csvmeta_is_tabular("x/y.Tsv"));
	assert_true(csvmeta_is_tabular("b.tsv"));
	assert_false(csvmeta_is_tabular("a.csv.gz"));
	assert_false(csvmeta_is_tabular("a.txt"));
	assert_false(csvmeta_is_tabular("csv"));
	assert_false(csvmeta_is_tabular("acsv"));
	assert_false(csvmeta_is_tabular(""));
	assert_false(csvmeta_is_tabular("data.parquet"));
}

static void test_type_names(void **state)
{
	(void)state;

	assert_string_equal(csv_type_name(CSV_TYPE_EMPTY), "empty");
	assert_string_equal(csv_type_name(CSV_TYPE_INTEGER), "integer");
	assert_string_equal(csv_type_name(CSV_TYPE_FLOAT), "float");
	assert_string_equal(csv_type_name(CSV_TYPE_BOOLEAN), "boolean");
	assert_string_equal(csv_type_name(CSV_TYPE_STRING), "string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_crlf_and_line_endings),
		cmocka_unit_test(test_empty_and_header_only),
		cmocka_unit_test(test_type_guesses),
		cmocka_unit_test(test_type_widening),
		cmocka_unit_test(test_ragged_rows),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_field_too_long),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_big_file),
		cmocka_unit_test(test_is_tabular),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
