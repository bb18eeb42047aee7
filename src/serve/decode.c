/*
 * decode.c: MLflow's scoring protocol (POST /invocations) into a batch,
 * and fitting a batch to a model's columns (decode.h).
 *
 * The Content-Type comes first, checked in MLflow's order: a charset
 * other than utf-8 (415), then any other parameter (415), then the media
 * type, which must be application/json or text/csv (415). A JSON body is
 * parsed whole by jansson (duplicate keys refused, nesting limited to
 * JSON_PARSER_MAX_DEPTH), then exactly one of the four input fields
 * makes the batch:
 *
 *	dataframe_split    {columns?, data, index?}: data is a list of rows
 *	dataframe_records  [{col: value}, ...]: the columns are the union of
 *	                   the keys, in order of first appearance; a key a
 *	                   record lacks is missing (NaN), as pandas does
 *	instances, inputs  a list of rows, a flat list of values (one
 *	                   column), or a list of objects (as records, but
 *	                   every object must have every key); inputs may also
 *	                   be {col: [values]} (columns of equal length)
 *
 * Everything here is a client's mistake when it goes wrong: 400 with
 * MLflow's BAD_REQUEST, 415 for the content type (also BAD_REQUEST: MLflow
 * has no code for it). Rows and columns in messages count from 0.
 * text/csv lives in decode_csv.c, the v2 protocol in decode_v2.c, the
 * rules they share in decode_util.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve/decode.h"
#include "serve/decode_int.h"
#include "util/alloc.h"
#include "util/banned.h"

/* MLflow's wording (mlflow/pyfunc/scoring_server/__init__.py). */
#define REQUIRED_INPUT_FORMAT                                              \
	"The input must be a JSON dictionary with exactly one of the input " \
	"fields {'inputs', 'dataframe_records', 'dataframe_split', "          \
	"'instances'}"
#define SCORING_PROTOCOL_CHANGE_INFO                                        \
	"IMPORTANT: The MLflow Model scoring protocol has changed in MLflow " \
	"version 2.0. For more information about the updated MLflow Model "   \
	"scoring protocol in MLflow 2.0, see "                                \
	"https://mlflow.org/docs/latest/models.html#deploy-mlflow-models."

/* ----------------------------------------------------- content type */

enum body_kind { BODY_JSON, BODY_CSV };

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

static int parse_content_type(const char *ct, enum body_kind *kind,
			      struct serve_error *err)
{
	struct buf unknown = BUF_INIT;
	const char *p, *end, *semi, *type_end;
	int bad_charset = 0, nunknown = 0;

	*kind = BODY_JSON;
	if (!ct)
		return 0;
	end = ct + strlen(ct);
	semi = memchr(ct, ';', (size_t)(end - ct));
	type_end = semi ? semi : end;
	for (p = type_end; p < end;) {
		const char *k = skip_space(p + 1, end), *k_end, *v, *v_end;

		p = memchr(k, ';', (size_t)(end - k));
		if (!p)
			p = end;
		v = memchr(k, '=', (size_t)(p - k));
		k_end = trim_end(k, v ? v : p);
		if (k_end == k && !v)
			continue; /* "type;" or ";;" */
		if (k_end - k == 7 && !strncasecmp(k, "charset", 7)) {
			v = v ? skip_space(v + 1, p) : p;
			v_end = trim_end(v, p);
			if (v_end - v >= 2 && *v == '"' && v_end[-1] == '"') {
				v++;
				v_end--;
			}
			if (v_end - v != 5 || strncasecmp(v, "utf-8", 5))
				bad_charset = 1;
			continue;
		}
		if (nunknown++)
			buf_puts(&unknown, ", ");
		buf_add(&unknown, k, (size_t)(k_end - k));
	}
	if (bad_charset)
		serve_error_set(err, 415, "BAD_REQUEST",
				"The scoring server only supports UTF-8");
	else if (nunknown)
		serve_error_set(err, 415, "BAD_REQUEST",
				"Unrecognized content type parameters: %.100s. "
				SCORING_PROTOCOL_CHANGE_INFO,
				buf_cstr(&unknown));
	buf_release(&unknown);
	if (bad_charset || nunknown)
		return -1;
	p = skip_space(ct, type_end);
	type_end = trim_end(p, type_end);
	if (type_end - p == 16 && !strncasecmp(p, "application/json", 16))
		return 0;
	if (type_end - p == 8 && !strncasecmp(p, "text/csv", 8)) {
		*kind = BODY_CSV;
		return 0;
	}
	return serve_error_set(err, 415, "BAD_REQUEST",
			       "This predictor only supports the following "
			       "content types: Types: ['text/csv', "
			       "'application/json']. Got '%.200s'.", ct);
}

/* -------------------------------------------------------------- rows */

/*
 * A list of rows ([[1, 2], [3, 4]]) or of values ([1, 2]: one column)
 * into b, whose columns may already be named (dataframe_split).
 */
static int parse_rows(struct serve_batch *b, const json_t *list,
		      const char *what, size_t len, struct serve_error *err)
{
	size_t rows = json_array_size(list), cols, i, j;
	const json_t *first = json_array_get(list, 0);
	int flat = first && !json_is_array(first);
	char got[80];

	cols = flat ? 1 : json_array_size(first);
	if (b->columns && rows && cols != b->cols)
		return DECODE_BAD(err, "%s: %zu columns named, but rows have "
				  "%zu values", what, b->cols, cols);
	if (decode_alloc(b, rows, cols, len, what, err) < 0)
		return -1;
	if (!b->columns)
		b->cols = cols;
	for (i = 0; i < rows; i++) {
		const json_t *row = json_array_get(list, i);

		if (flat) {
			if (decode_json_number(row, &b->values[i]) < 0) {
				decode_describe(got, sizeof(got), row);
				return decode_not_a_number(err, what, b, i, 0,
							   got);
			}
			continue;
		}
		if (!json_is_array(row))
			return DECODE_BAD(err, "%s: row %zu is not a list (row "
					  "0 is)", what, i);
		if (json_array_size(row) != cols)
			return DECODE_BAD(err, "%s: row %zu has %zu values, "
					  "expected %zu", what, i,
					  json_array_size(row), cols);
		for (j = 0; j < cols; j++) {
			const json_t *v = json_array_get(row, j);

			if (decode_json_number(v, &b->values[i * cols + j])) {
				decode_describe(got, sizeof(got), v);
				return decode_not_a_number(err, what, b, i, j,
							   got);
			}
		}
	}
	return 0;
}

/*
 * A list of objects, one per row. The columns are the keys in order of
 * first appearance (a jansson object maps each name to its index); with
 * every_key, a row without some key is refused, else its value is NaN.
 */
static int parse_records(struct serve_batch *b, const json_t *list,
			 int every_key, const char *what, size_t len,
			 struct serve_error *err)
{
	size_t rows = json_array_size(list), alloc = 0, i, k;
	json_t *index = json_object();
	const char *key;
	json_t *v;
	char got[80];
	int ret = -1;

	for (i = 0; i < rows; i++) {
		const json_t *rec = json_array_get(list, i);

		if (!json_is_object(rec)) {
			DECODE_BAD(err, "%s: row %zu is not an object (row 0 "
				   "is)", what, i);
			goto done;
		}
		json_object_foreach((json_t *)rec, key, v) {
			if (json_object_get(index, key))
				continue;
			if (!decode_fits(rows, b->cols + 1, len)) {
				DECODE_BAD(err, "%s: %zu rows of more than %zu "
					   "columns is more values than a "
					   "%zu-byte body holds", what, rows,
					   b->cols, len);
				goto done;
			}
			json_object_set_new(index, key,
					    json_integer((json_int_t)b->cols));
			ALLOC_GROW(b->columns, b->cols + 1, alloc);
			b->columns[b->cols++] = xstrdup(key);
		}
	}
	if (decode_alloc(b, rows, b->cols, len, what, err) < 0)
		goto done;
	for (i = 0; i < rows * b->cols; i++)
		b->values[i] = NAN;
	for (i = 0; i < rows; i++) {
		json_t *rec = json_array_get(list, i);

		if (every_key && json_object_size(rec) != b->cols) {
			for (k = 0; k < b->cols; k++)
				if (!json_object_get(rec, b->columns[k]))
					break;
			DECODE_BAD(err, "%s: row %zu has no value for column "
				   "'%.60s' (every row must have the same "
				   "keys)", what, i, b->columns[k]);
			goto done;
		}
		json_object_foreach(rec, key, v) {
			k = (size_t)json_integer_value(json_object_get(index,
								       key));
			if (decode_json_number(v, &b->values[i * b->cols + k])) {
				decode_describe(got, sizeof(got), v);
				decode_not_a_number(err, what, b, i, k, got);
				goto done;
			}
		}
	}
	ret = 0;
done:
	json_decref(index);
	return ret;
}

/* {col: [values], ...}: columns of equal length. */
static int parse_columns(struct serve_batch *b, json_t *obj, const char *what,
			 size_t len, struct serve_error *err)
{
	size_t cols = json_object_size(obj), rows = 0, i, j = 0;
	const char *key, *first = NULL;
	json_t *col;
	char got[80];

	json_object_foreach(obj, key, col) {
		if (!json_is_array(col))
			return DECODE_BAD(err, "%s: column '%.60s' is not a "
					  "list", what, key);
		if (!first) {
			first = key;
			rows = json_array_size(col);
		} else if (json_array_size(col) != rows) {
			return DECODE_BAD(err, "%s: column '%.60s' has %zu "
					  "values, column '%.60s' has %zu",
					  what, key, json_array_size(col),
					  first, rows);
		}
	}
	if (decode_alloc(b, rows, cols, len, what, err) < 0)
		return -1;
	b->columns = xcalloc(cols, sizeof(char *));
	json_object_foreach(obj, key, col)
		b->columns[b->cols++] = xstrdup(key);
	json_object_foreach(obj, key, col) {
		for (i = 0; i < rows; i++) {
			const json_t *v = json_array_get(col, i);

			if (decode_json_number(v, &b->values[i * cols + j])) {
				decode_describe(got, sizeof(got), v);
				return decode_not_a_number(err, what, b, i, j,
							   got);
			}
		}
		j++;
	}
	return 0;
}

/* ---------------------------------------------------------- formats */

static int parse_split(struct serve_batch *b, json_t *obj, size_t len,
		       struct serve_error *err)
{
	static const char what[] = "dataframe_split";
	json_t *columns, *data, *index, *v;
	const char *key;
	size_t i;

	if (!json_is_object(obj))
		return DECODE_BAD(err, "%s must be an object with 'data' and "
				  "optionally 'columns' and 'index'", what);
	json_object_foreach(obj, key, v)
		if (strcmp(key, "columns") && strcmp(key, "data") &&
		    strcmp(key, "index"))
			return DECODE_BAD(err, "%s: unexpected field '%.60s' "
					  "(it has 'data' and optionally "
					  "'columns' and 'index')", what, key);
	data = json_object_get(obj, "data");
	columns = json_object_get(obj, "columns");
	index = json_object_get(obj, "index");
	if (!json_is_array(data))
		return DECODE_BAD(err, "%s: 'data' must be a list of rows",
				  what);
	if (columns && !json_is_null(columns)) {
		if (!json_is_array(columns))
			return DECODE_BAD(err, "%s: 'columns' must be a list "
					  "of names", what);
		b->columns = xcalloc(json_array_size(columns) + 1,
				     sizeof(char *));
		json_array_foreach(columns, i, v) {
			if (!json_is_string(v))
				return DECODE_BAD(err, "%s: column %zu's name "
						  "is not a string", what, i);
			b->columns[b->cols++] = xstrdup(json_string_value(v));
		}
		if (decode_check_columns(b, what, err) < 0)
			return -1;
	}
	if (parse_rows(b, data, what, len, err) < 0)
		return -1;
	if (index && !json_is_null(index) &&
	    (!json_is_array(index) || json_array_size(index) != b->rows))
		return DECODE_BAD(err, "%s: 'index' must be a list of one "
				  "label per row (%zu)", what, b->rows);
	return 0;
}

/* instances or inputs as a list: rows, values, or objects. */
static int parse_list(struct serve_batch *b, const json_t *list,
		      const char *what, size_t len, struct serve_error *err)
{
	if (json_is_object(json_array_get(list, 0)))
		return parse_records(b, list, 1, what, len, err);
	return parse_rows(b, list, what, len, err);
}

static int parse_field(struct serve_batch *b, const char *field, json_t *v,
		       size_t len, struct serve_error *err)
{
	if (!strcmp(field, "dataframe_split")) {
		b->source = "dataframe_split";
		return parse_split(b, v, len, err);
	}
	if (!strcmp(field, "dataframe_records")) {
		b->source = "dataframe_records";
		if (!json_is_array(v))
			return DECODE_BAD(err, "dataframe_records must be a "
					  "list of objects");
		if (json_array_size(v) &&
		    !json_is_object(json_array_get(v, 0)))
			return DECODE_BAD(err, "dataframe_records: row 0 is "
					  "not an object");
		return parse_records(b, v, 0, field, len, err);
	}
	if (!strcmp(field, "instances")) {
		b->source = "instances";
		if (!json_is_array(v))
			return DECODE_BAD(err, "instances must be a list of "
					  "rows");
		return parse_list(b, v, field, len, err);
	}
	b->source = "inputs";
	if (json_is_object(v))
		return parse_columns(b, v, field, len, err);
	if (!json_is_array(v))
		return DECODE_BAD(err, "inputs must be a list of rows or an "
				  "object of columns");
	return parse_list(b, v, field, len, err);
}

static int is_input_field(const char *key)
{
	return !strcmp(key, "dataframe_split") ||
	       !strcmp(key, "dataframe_records") ||
	       !strcmp(key, "instances") || !strcmp(key, "inputs");
}

/* Python's repr of the keys, as MLflow prints them: ['a', 'b']. */
static void list_keys(struct buf *out, json_t *obj)
{
	const char *key;
	json_t *v;

	buf_addch(out, '[');
	json_object_foreach(obj, key, v) {
		if (out->len > 120) {
			buf_puts(out, ", ...");
			break;
		}
		buf_printf(out, "%s'%.40s'", out->len > 1 ? ", " : "", key);
	}
	buf_addch(out, ']');
}

static int decode_json(struct serve_batch *b, const char *body, size_t len,
		       struct serve_error *err)
{
	json_t *root, *params, *v, *input = NULL;
	const char *key, *field = NULL;
	json_error_t jerr;
	size_t nfields = 0;
	int ret = -1;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &jerr);
	if (!root)
		return DECODE_BAD(err, "Failed to parse input from JSON. "
				  "Ensure that input is a valid JSON "
				  "formatted string. Error: '%s' at line %d, "
				  "column %d", jerr.text, jerr.line,
				  jerr.column);
	if (json_is_array(root)) {
		DECODE_BAD(err, REQUIRED_INPUT_FORMAT ". Received a list. "
			   SCORING_PROTOCOL_CHANGE_INFO);
		goto done;
	}
	if (!json_is_object(root)) {
		DECODE_BAD(err, REQUIRED_INPUT_FORMAT ". Received unexpected "
			   "input type '%s'.", json_is_string(root) ? "string" :
			   json_is_number(root) ? "number" : "boolean or null");
		goto done;
	}
	json_object_foreach(root, key, v) {
		if (is_input_field(key)) {
			nfields++;
			field = key;
			input = v;
		}
	}
	if (nfields != 1) {
		struct buf keys = BUF_INIT;

		list_keys(&keys, root);
		DECODE_BAD(err, REQUIRED_INPUT_FORMAT ". Received dictionary "
			   "with input fields: %s. "
			   SCORING_PROTOCOL_CHANGE_INFO, keys.ptr);
		buf_release(&keys);
		goto done;
	}
	params = json_object_get(root, "params");
	if (params && !json_is_null(params) && !json_is_object(params)) {
		DECODE_BAD(err, "params must be a JSON object");
		goto done;
	}
	if (parse_field(b, field, input, len, err) < 0)
		goto done;
	if (json_is_object(params))
		b->params = json_incref(params);
	ret = 0;
done:
	json_decref(root);
	return ret;
}

int serve_decode_invocations(struct serve_batch *out, const char *content_type,
			     const char *body, size_t len,
			     struct serve_error *err)
{
	enum body_kind kind;
	int ret;

	memset(out, 0, sizeof(*out));
	if (parse_content_type(content_type, &kind, err) < 0)
		return -1;
	if (kind == BODY_CSV)
		ret = decode_csv(out, body, len, err);
	else
		ret = decode_json(out, body, len, err);
	if (ret < 0)
		serve_batch_release(out);
	return ret;
}

/* ---------------------------------------------------------- conform */

static int by_name(const void *a, const void *b, void *names)
{
	char *const *n = names;

	return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

/* The batch column named name, through order (b's columns sorted). */
static size_t find_column(const struct serve_batch *b, const size_t *order,
			  const char *name)
{
	size_t lo = 0, hi = b->cols;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->columns[order[mid]], name);

		if (!c)
			return order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

int serve_batch_conform(struct serve_batch *b, size_t ncols,
			char *const *names, struct serve_error *err)
{
	size_t *order, *pick, i, j;
	double *values;
	char **columns;

	if (!ncols)
		return 0;
	if (b->rows && ncols > SIZE_MAX / sizeof(double) / b->rows)
		return DECODE_BAD(err, "expected %zu columns: too many", ncols);
	if (!names || !b->columns) {
		if (b->cols != ncols)
			return DECODE_BAD(err, "%s%sexpected %zu columns, got %zu",
					  b->source ? b->source : "",
					  b->source ? ": " : "", ncols, b->cols);
		return 0;
	}
	order = xmalloc(b->cols * sizeof(*order));
	for (i = 0; i < b->cols; i++)
		order[i] = i;
	qsort_r(order, b->cols, sizeof(*order), by_name, b->columns);
	pick = xmalloc(ncols * sizeof(*pick));
	for (j = 0; j < ncols; j++) {
		pick[j] = find_column(b, order, names[j]);
		if (pick[j] == SIZE_MAX) {
			free(order);
			free(pick);
			return DECODE_BAD(err, "%s%smissing column '%.60s' "
					  "(the model takes %zu columns)",
					  b->source ? b->source : "",
					  b->source ? ": " : "", names[j], ncols);
		}
	}
	free(order);
	values = xmalloc(b->rows * ncols * sizeof(*values));
	for (i = 0; i < b->rows; i++)
		for (j = 0; j < ncols; j++)
			values[i * ncols + j] = b->values[i * b->cols + pick[j]];
	columns = xmalloc(ncols * sizeof(*columns));
	for (j = 0; j < ncols; j++)
		columns[j] = xstrdup(names[j]);
	free(pick);
	for (i = 0; i < b->cols; i++)
		free(b->columns[i]);
	free(b->columns);
	free(b->values);
	b->columns = columns;
	b->values = values;
	b->cols = ncols;
	return 0;
}
