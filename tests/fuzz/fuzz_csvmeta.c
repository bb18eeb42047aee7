/*
 * fuzz_csvmeta.c: libFuzzer target for CSV metadata (src/lib/csvmeta.c).
 *
 * Any input may be refused, but never crash, leak or print. A refusal is
 * CAIRN_EINVALID and leaves an empty struct csvmeta. A result must hold
 * together: a name for every column, a known type, no more ragged rows
 * than rows, no more rows than line ends, no more columns than bytes + 1,
 * and the same answer on a second read of the same bytes. Anything else
 * aborts, which libFuzzer (or the replay driver, standalone_driver.c)
 * reports as a failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/csvmeta.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_csvmeta: %s\n", what);
	abort();
}

static int is_empty(const struct csvmeta *m)
{
	return !m->rows && !m->ragged && !m->ncolumns && !m->columns;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csvmeta m, again;
	uint64_t line_ends = 0;
	size_t i;
	int err, err2;

	err = csvmeta_read_buffer(&m, data, size);
	err2 = csvmeta_read_buffer(&again, data, size);
	check(err == err2, "a second read gave another result");
	if (err < 0) {
		check(err == CAIRN_EINVALID, "refused with a code other than "
		      "CAIRN_EINVALID");
		check(is_empty(&m) && is_empty(&again),
		      "a refusal left something behind");
		check(strlen(cairn_error_last()->message) > 0,
		      "a refusal without a message");
		return 0;
	}

	for (i = 0; i < size; i++)
		line_ends += data[i] == '\n' || data[i] == '\r';
	check(m.ncolumns <= size + 1, "more columns than delimiters");
	check(!m.ncolumns == !m.columns, "columns and ncolumns disagree");
	check(m.ncolumns || !m.rows, "rows without a header");
	check(m.rows <= line_ends, "more rows than line ends");
	check(m.ragged <= m.rows, "more ragged rows than rows");
	check(m.rows == again.rows && m.ragged == again.ragged &&
	      m.ncolumns == again.ncolumns, "a second read differs");
	for (i = 0; i < m.ncolumns; i++) {
		check(m.columns[i].name != NULL, "a column without a name");
		check(!strcmp(m.columns[i].name, again.columns[i].name),
		      "a name differs on a second read");
		check(m.columns[i].type == again.columns[i].type,
		      "a type differs on a second read");
		check(strcmp(csv_type_name(m.columns[i].type), "unknown") != 0,
		      "a column of no known type");
	}
	csvmeta_release(&m);
	csvmeta_release(&again);
	check(is_empty(&m), "release left something behind");
	return 0;
}
