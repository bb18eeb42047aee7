/*
 * csvmeta.h: what a data set version records about a tabular (CSV) file:
 * the number of data rows, the column names from the header row, and a
 * per-column type guess.
 *
 * The file is read as a stream (libcsv), so memory stays bounded however
 * large the file is. A type guess is the narrowest of
 * integer < float < boolean < string that fits every non-empty value of the
 * column ("empty" if the column has no values).
 */
#ifndef CAIRN_LIB_CSVMETA_H
#define CAIRN_LIB_CSVMETA_H

#include <stddef.h>
#include <stdint.h>

enum csv_type {
	CSV_TYPE_EMPTY = 0,
	CSV_TYPE_INTEGER,
	CSV_TYPE_FLOAT,
	CSV_TYPE_BOOLEAN,
	CSV_TYPE_STRING
};

struct csv_column {
	char *name;
	enum csv_type type;
};

struct csvmeta {
	uint64_t rows;   /* data rows, without the header */
	uint64_t ragged; /* data rows not as wide as the header (allowed) */
	size_t ncolumns;
	struct csv_column *columns;
};

/* "integer", "float", "boolean", "string" or "empty". */
const char *csv_type_name(enum csv_type type);

/*
 * Read the CSV file at path. Returns 0, or CAIRN_EINVALID if it is not
 * well-formed CSV (the message says where), or another error.
 */
int csvmeta_read_file(struct csvmeta *out, const char *path);

/* The same over a buffer in memory (used by tests and the fuzz target). */
int csvmeta_read_buffer(struct csvmeta *out, const void *data, size_t len);

/* Whether path names a file cairn reads as CSV (by extension: .csv, .tsv). */
int csvmeta_is_tabular(const char *path);

void csvmeta_release(struct csvmeta *meta);

#endif
