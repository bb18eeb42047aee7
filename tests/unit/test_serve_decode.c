/*
 * test_serve_decode.c: the request decoders and response encoders of
 * `cairn serve` (src/serve/decode*.c, encode.c): every MLflow input
 * format, CSV, the Open Inference Protocol v2, each error with its status
 * and message, fitting a batch to a model's columns, and the encoders
 * (numbers read back exactly, NaN as null, bodies that are valid JSON).
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

#include "serve/decode.h"
#include "util/alloc.h"
#include "util/buf.h"

/* ------------------------------------------------------------ helpers */

static struct serve_batch decode_ok(const char *ct, const char *body)
{
	struct serve_batch b;
	struct serve_error err = { 0 };

	if (serve_decode_invocations(&b, ct, body, strlen(body), &err) < 0)
		fail_msg("refused (%d): %s\nbody: %s", err.status, err.message,
			 body);
	return b;
}

/* Decoding fails with status and a message containing every needle. */
static void decode_fails(const char *ct, const char *body, int status, ...)
{
	struct serve_batch b;
	struct serve_error err = { 0 };
	const char *needle;
	va_list ap;

	if (serve_decode_invocations(&b, ct, body, strlen(body), &err) == 0)
		fail_msg("accepted: %s", body);
	assert_int_equal(err.status, status);
	assert_string_equal(err.code, "BAD_REQUEST");
	assert_null(b.values);
	assert_null(b.columns);
	assert_int_equal(b.rows, 0);
	va_start(ap, status);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(err.message, needle))
			fail_msg("message \"%s\" lacks \"%s\"", err.message,
				 needle);
	va_end(ap);
}

static void v2_fails(const char *body, const char *needle)
{
	struct serve_v2_request r;
	struct serve_error err = { 0 };

	if (serve_decode_v2_infer(&r, body, strlen(body), &err) == 0)
		fail_msg("accepted: %s", body);
	assert_int_equal(err.status, 400);
	assert_null(r.batch.values);
	assert_null(r.id);
	if (!strstr(err.message, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void assert_values(const struct serve_batch *b, size_t rows,
			  size_t cols, const double *want)
{
	size_t i;

	assert_int_equal(b->rows, rows);
	assert_int_equal(b->cols, cols);
	for (i = 0; i < rows * cols; i++) {
		if (isnan(want[i]))
			assert_true(isnan(b->values[i]));
		else if (b->values[i] != want[i])
			fail_msg("value %zu: %.17g, expected %.17g", i,
				 b->values[i], want[i]);
	}
}

static void assert_names(const struct serve_batch *b, ...)
{
	const char *name;
	size_t i = 0;
	va_list ap;

	assert_non_null(b->columns);
	va_start(ap, b);
	while ((name = va_arg(ap, const char *)))
		assert_string_equal(b->columns[i++], name);
	va_end(ap);
	assert_int_equal(i, b->cols);
}

/* ---------------------------------------------------- content types */

static void test_content_types(void **state)
{
	static const char body[] = "{\"inputs\": [[1]]}";
	struct serve_batch b;

	(void)state;
	b = decode_ok(NULL, body);
	serve_batch_release(&b);
	b = decode_ok("application/json", body);
	serve_batch_release(&b);
	b = decode_ok("Application/JSON; charset=UTF-8", body);
	serve_batch_release(&b);
	b = decode_ok("application/json;charset=\"utf-8\"", body);
	serve_batch_release(&b);
	b = decode_ok("text/csv; charset=utf-8", "a\n1\n");
	serve_batch_release(&b);

	decode_fails("text/plain", body, 415,
		     "This predictor only supports the following content "
		     "types: Types: ['text/csv', 'application/json']. Got "
		     "'text/plain'.", NULL);
	decode_fails("application/json; charset=latin-1", body, 415,
		     "The scoring server only supports UTF-8", NULL);
	/* The charset is checked before the other parameters, as MLflow. */
	decode_fails("text/plain; format=pandas-split; charset=ascii", body,
		     415, "The scoring server only supports UTF-8", NULL);
	decode_fails("application/json; format=pandas-split", body, 415,
		     "Unrecognized content type parameters: format. "
		     "IMPORTANT: The MLflow Model scoring protocol", NULL);
	decode_fails("application/json; a=1; b", body, 415,
		     "Unrecognized content type parameters: a, b.", NULL);
	decode_fails("application/json; =utf-8", body, 415,
		     "Unrecognized content type parameters: . ", NULL);
	decode_fails("", body, 415, "Got ''.", NULL);
}

/* --------------------------------------------------------- formats */

static void test_dataframe_split(void **state)
{
	static const double want[] = { 1, 2.5, NAN, -4 };
	struct serve_batch b;

	(void)state;
	b = decode_ok(NULL, "{\"dataframe_split\": {\"columns\": [\"a\", "
			    "\"b\"], \"data\": [[1, 2.5], [null, -4]], "
			    "\"index\": [7, 8]}}");
	assert_values(&b, 2, 2, want);
	assert_names(&b, "a", "b", NULL);
	assert_null(b.params);
	serve_batch_release(&b);

	/* Without columns the batch's columns are unnamed. */
	b = decode_ok(NULL, "{\"dataframe_split\": {\"data\": [[1, 2.5], "
			    "[null, -4]]}}");
	assert_values(&b, 2, 2, want);
	assert_null(b.columns);
	serve_batch_release(&b);

	decode_fails(NULL, "{\"dataframe_split\": [[1]]}", 400,
		     "dataframe_split must be an object", NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"data\": [[1]], "
			   "\"dtype\": 1}}", 400, "unexpected field 'dtype'",
		     NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"columns\": [\"a\"]}}",
		     400, "'data' must be a list of rows", NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"columns\": [\"a\", "
			   "\"b\"], \"data\": [[1]]}}", 400,
		     "2 columns named, but rows have 1 values", NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"columns\": [\"a\", "
			   "\"a\"], \"data\": [[1, 2]]}}", 400,
		     "duplicate column 'a'", NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"columns\": [1], "
			   "\"data\": [[1]]}}", 400,
		     "column 0's name is not a string", NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"data\": [[1]], "
			   "\"index\": [1, 2]}}", 400,
		     "'index' must be a list of one label per row", NULL);
	decode_fails(NULL, "{\"dataframe_split\": {\"columns\": [\"a\"], "
			   "\"data\": []}}", 400,
		     "dataframe_split: empty batch (no rows)", NULL);
}

static void test_dataframe_records(void **state)
{
	static const double want[] = { 1, 2, 3, NAN, NAN, 4 };
	struct serve_batch b;

	(void)state;
	/* The union of the keys, in order of appearance; gaps are NaN. */
	b = decode_ok(NULL, "{\"dataframe_records\": [{\"x\": 1, \"y\": 2}, "
			    "{\"y\": 3}, {\"z\": 4}]}");
	assert_values(&b, 3, 3, (const double[]){ 1, 2, NAN, NAN, 3, NAN,
						  NAN, NAN, 4 });
	assert_names(&b, "x", "y", "z", NULL);
	serve_batch_release(&b);

	b = decode_ok(NULL, "{\"dataframe_records\": [{\"x\": 1, \"y\": 2}, "
			    "{\"y\": null, \"x\": 3}, {\"y\": 4, \"x\": null}]}");
	assert_values(&b, 3, 2, want);
	serve_batch_release(&b);

	decode_fails(NULL, "{\"dataframe_records\": {\"x\": 1}}", 400,
		     "dataframe_records must be a list of objects", NULL);
	decode_fails(NULL, "{\"dataframe_records\": [[1]]}", 400,
		     "dataframe_records: row 0 is not an object", NULL);
	decode_fails(NULL, "{\"dataframe_records\": [{\"x\": 1}, 2]}", 400,
		     "dataframe_records: row 1 is not an object", NULL);
	decode_fails(NULL, "{\"dataframe_records\": []}", 400,
		     "empty batch (no rows)", NULL);
	decode_fails(NULL, "{\"dataframe_records\": [{}]}", 400,
		     "empty batch (no columns)", NULL);
	decode_fails(NULL, "{\"dataframe_records\": [{\"x\": 1}, "
			   "{\"x\": \"one\"}]}", 400,
		     "dataframe_records: row 1, column 'x': expected a number, "
		     "got \"one\"", NULL);
}

static void test_instances(void **state)
{
	struct serve_batch b;

	(void)state;
	b = decode_ok(NULL, "{\"instances\": [[1, 2], [3, 4]]}");
	assert_values(&b, 2, 2, (const double[]){ 1, 2, 3, 4 });
	assert_null(b.columns);
	serve_batch_release(&b);

	/* A flat list is one column. */
	b = decode_ok(NULL, "{\"instances\": [1, 2, 3]}");
	assert_values(&b, 3, 1, (const double[]){ 1, 2, 3 });
	serve_batch_release(&b);

	/* A list of objects names the columns; every object has them all. */
	b = decode_ok(NULL, "{\"instances\": [{\"a\": 1, \"b\": 2}, "
			    "{\"b\": 4, \"a\": 3}]}");
	assert_values(&b, 2, 2, (const double[]){ 1, 2, 3, 4 });
	assert_names(&b, "a", "b", NULL);
	serve_batch_release(&b);

	decode_fails(NULL, "{\"instances\": [{\"a\": 1, \"b\": 2}, "
			   "{\"a\": 3}]}", 400,
		     "instances: row 1 has no value for column 'b'", NULL);
	decode_fails(NULL, "{\"instances\": {\"a\": [1]}}", 400,
		     "instances must be a list of rows", NULL);
	decode_fails(NULL, "{\"instances\": [[1, 2], [3]]}", 400,
		     "instances: row 1 has 1 values, expected 2", NULL);
	decode_fails(NULL, "{\"instances\": [[1, 2], 3]}", 400,
		     "instances: row 1 is not a list", NULL);
	decode_fails(NULL, "{\"instances\": [1, [2]]}", 400,
		     "instances: row 1, column 0: expected a number, got a "
		     "list", NULL);
	decode_fails(NULL, "{\"instances\": [[1, {\"x\": 1}]]}", 400,
		     "row 0, column 1: expected a number, got an object",
		     NULL);
	decode_fails(NULL, "{\"instances\": []}", 400,
		     "instances: empty batch (no rows)", NULL);
	decode_fails(NULL, "{\"instances\": [[], []]}", 400,
		     "instances: empty batch (no columns)", NULL);
}

static void test_inputs(void **state)
{
	struct serve_batch b;

	(void)state;
	b = decode_ok(NULL, "{\"inputs\": [[1, 2], [3, 4]], "
			    "\"params\": {\"k\": 1}}");
	assert_values(&b, 2, 2, (const double[]){ 1, 2, 3, 4 });
	assert_non_null(b.params);
	assert_int_equal(json_integer_value(json_object_get(b.params, "k")),
			 1);
	serve_batch_release(&b);

	/* Columnar. */
	b = decode_ok(NULL, "{\"inputs\": {\"a\": [1, 3], \"b\": [2, 4]}}");
	assert_values(&b, 2, 2, (const double[]){ 1, 2, 3, 4 });
	assert_names(&b, "a", "b", NULL);
	serve_batch_release(&b);

	b = decode_ok(NULL, "{\"inputs\": [{\"a\": 1}, {\"a\": 2}], "
			    "\"params\": null}");
	assert_values(&b, 2, 1, (const double[]){ 1, 2 });
	assert_null(b.params);
	serve_batch_release(&b);

	decode_fails(NULL, "{\"inputs\": {\"a\": [1, 3], \"b\": [2]}}", 400,
		     "inputs: column 'b' has 1 values, column 'a' has 2",
		     NULL);
	decode_fails(NULL, "{\"inputs\": {\"a\": 1}}", 400,
		     "inputs: column 'a' is not a list", NULL);
	decode_fails(NULL, "{\"inputs\": {\"a\": [[1]]}}", 400,
		     "inputs: row 0, column 'a': expected a number, got a list",
		     NULL);
	decode_fails(NULL, "{\"inputs\": {}}", 400, "empty batch", NULL);
	decode_fails(NULL, "{\"inputs\": 3}", 400,
		     "inputs must be a list of rows or an object of columns",
		     NULL);
	decode_fails(NULL, "{\"inputs\": [[1]], \"params\": [1]}", 400,
		     "params must be a JSON object", NULL);
}

static void test_values(void **state)
{
	struct serve_batch b;

	(void)state;
	/* Booleans are 0/1, null is NaN, numeric strings are numbers. */
	b = decode_ok(NULL, "{\"instances\": [[true, false, null, \"2.5\", "
			    "\"-1e3\", \"nan\", 0.1, 9007199254740993]]}");
	assert_values(&b, 1, 8, (const double[]){ 1, 0, NAN, 2.5, -1000, NAN,
						  0.1, 9007199254740992.0 });
	serve_batch_release(&b);

	decode_fails(NULL, "{\"instances\": [[1, \"abc\"]]}", 400,
		     "instances: row 0, column 1: expected a number, got "
		     "\"abc\"", NULL);
	decode_fails(NULL, "{\"instances\": [[\"\"]]}", 400,
		     "expected a number, got \"\"", NULL);
	decode_fails(NULL, "{\"instances\": [[\" 1\"]]}", 400,
		     "got \" 1\"", NULL);
	decode_fails(NULL, "{\"instances\": [[\"0x10\"]]}", 400,
		     "got \"0x10\"", NULL);
	decode_fails(NULL, "{\"instances\": [[\"1.5x\"]]}", 400,
		     "got \"1.5x\"", NULL);
	/* Beyond 64 bits: jansson refuses the JSON. */
	decode_fails(NULL, "{\"instances\": [[99999999999999999999]]}", 400,
		     "Failed to parse input from JSON", "too big integer", NULL);
}

static void test_json_errors(void **state)
{
	struct buf deep = BUF_INIT;
	int i;

	(void)state;
	decode_fails(NULL, "{\"inputs\": [[1]]", 400,
		     "Failed to parse input from JSON. Ensure that input is a "
		     "valid JSON formatted string. Error: '", NULL);
	decode_fails(NULL, "", 400, "Failed to parse input from JSON", NULL);
	decode_fails(NULL, "[[1, 2]]", 400,
		     "The input must be a JSON dictionary with exactly one of "
		     "the input fields {'inputs', 'dataframe_records', "
		     "'dataframe_split', 'instances'}. Received a list. "
		     "IMPORTANT", NULL);
	decode_fails(NULL, "\"x\"", 400, "Received unexpected input type "
		     "'string'", NULL);
	decode_fails(NULL, "{\"data\": [[1]]}", 400,
		     "Received dictionary with input fields: ['data'].", NULL);
	decode_fails(NULL, "{\"inputs\": [[1]], \"instances\": [[1]]}", 400,
		     "Received dictionary with input fields: ['inputs', "
		     "'instances'].", NULL);
	decode_fails(NULL, "{\"inputs\": [[1]], \"inputs\": [[2]]}", 400,
		     "duplicate object key", NULL);
	/* Deeper than jansson's parser goes: a 400, no crash. */
	for (i = 0; i < 100000; i++)
		buf_addch(&deep, '[');
	decode_fails(NULL, deep.ptr, 400, "maximum parsing depth", NULL);
	buf_reset(&deep);
	buf_puts(&deep, "{\"inputs\": ");
	for (i = 0; i < 2000; i++)
		buf_addch(&deep, '[');
	buf_addch(&deep, '1');
	for (i = 0; i < 2000; i++)
		buf_addch(&deep, ']');
	buf_addch(&deep, '}');
	decode_fails(NULL, deep.ptr, 400, "expected a number, got a list",
		     NULL);
	buf_release(&deep);
}

/*
 * A batch holds at most one value per byte of body: records that each
 * bring a new key would otherwise make rows x keys values from a few
 * bytes each.
 */
static void test_sizing(void **state)
{
	struct buf body = BUF_INIT;
	struct serve_batch b;
	int i;

	(void)state;
	buf_puts(&body, "{\"dataframe_records\": [");
	for (i = 0; i < 300; i++)
		buf_printf(&body, "%s{\"k%d\": 1}", i ? ", " : "", i);
	buf_puts(&body, "]}");
	decode_fails(NULL, body.ptr, 400, "dataframe_records: 300 rows of more "
		     "than", "columns is more values than a", NULL);

	/* Sparse but within the rule: the gaps are NaN. */
	buf_reset(&body);
	buf_puts(&body, "{\"dataframe_records\": [");
	for (i = 0; i < 10; i++)
		buf_printf(&body, "%s{\"k%d\": %d}", i ? ", " : "", i, i);
	buf_puts(&body, "]}");
	b = decode_ok(NULL, body.ptr);
	assert_int_equal(b.rows, 10);
	assert_int_equal(b.cols, 10);
	assert_true(b.values[0 * 10 + 0] == 0 && isnan(b.values[0 * 10 + 1]));
	assert_true(b.values[9 * 10 + 9] == 9 && isnan(b.values[9 * 10 + 8]));
	serve_batch_release(&b);
	buf_release(&body);
}

/* No body at all: the front door may pass NULL. */
static void test_no_body(void **state)
{
	struct serve_v2_request r;
	struct serve_error err = { 0 };
	struct serve_batch b;

	(void)state;
	assert_int_equal(serve_decode_invocations(&b, NULL, NULL, 0, &err), -1);
	assert_int_equal(err.status, 400);
	assert_int_equal(serve_decode_invocations(&b, "text/csv", NULL, 0,
						  &err), -1);
	assert_string_equal(err.message, "text/csv: empty body (a header line "
			    "names the columns)");
	assert_int_equal(serve_decode_v2_infer(&r, NULL, 0, &err), -1);
	assert_int_equal(err.status, 400);
}

/* -------------------------------------------------------------- CSV */

static void test_csv(void **state)
{
	struct serve_batch b;

	(void)state;
	b = decode_ok("text/csv", "\xef\xbb\xbf" "a,b,c\r\n1,2.5,\r\n\r\n"
				  "\"4\", NA ,true\r\n");
	assert_values(&b, 2, 3, (const double[]){ 1, 2.5, NAN, 4, NAN, 1 });
	assert_names(&b, "a", "b", "c", NULL);
	serve_batch_release(&b);

	/* No final newline; the last row still counts. */
	b = decode_ok("text/csv", "x\n3.0\n8.0");
	assert_values(&b, 2, 1, (const double[]){ 3, 8 });
	serve_batch_release(&b);

	decode_fails("text/csv", "a,b\n1,2\n3\n", 400,
		     "text/csv: row 1 has 1 values, expected 2", NULL);
	decode_fails("text/csv", "a,b\n1,2,3\n", 400,
		     "text/csv: row 0 has more than 2 values", NULL);
	decode_fails("text/csv", "a,b\n1,2\n3,x\n", 400,
		     "text/csv: row 1, column 'b': expected a number, got "
		     "\"x\"", NULL);
	decode_fails("text/csv", "a,a\n1,2\n", 400, "duplicate column 'a'",
		     NULL);
	decode_fails("text/csv", "a,\xff\n1,2\n", 400,
		     "column 1's name is not valid UTF-8", NULL);
	decode_fails("text/csv", "a,b\n", 400, "empty batch (no rows:", NULL);
	/* A body without its header line: say that line is the header. */
	decode_fails("text/csv", "1,2,3,4\n", 400, "text/csv: empty batch (no "
		     "rows: the first line is the header naming the columns)",
		     NULL);
	decode_fails("text/csv", "", 400, "text/csv: empty body", NULL);
	decode_fails("text/csv", "a\n1\n2\"3\n", 400,
		     "text/csv: malformed CSV at line 3", NULL);
	decode_fails("text/csv", "a\n\"1\n", 400, "quoted field not closed",
		     NULL);
}

/* -------------------------------------------------------- v2 infer */

static void test_v2(void **state)
{
	struct serve_v2_request r;
	struct serve_error err = { 0 };
	const char *body;

	(void)state;
	body = "{\"id\": \"r1\", \"inputs\": [{\"name\": \"input-0\", "
	       "\"shape\": [2, 3], \"datatype\": \"FP32\", "
	       "\"data\": [1, 2, 3, 4.5, null, 6]}], "
	       "\"outputs\": [{\"name\": \"scores\"}]}";
	assert_int_equal(serve_decode_v2_infer(&r, body, strlen(body), &err),
			 0);
	assert_values(&r.batch, 2, 3, (const double[]){ 1, 2, 3, 4.5, NAN, 6 });
	assert_null(r.batch.columns);
	assert_string_equal(r.id, "r1");
	assert_string_equal(r.output_name, "scores");
	serve_v2_request_release(&r);
	serve_v2_request_release(&r);

	/* Nested data, integer and boolean types. */
	body = "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 2], "
	       "\"datatype\": \"INT64\", \"data\": [[1, 2], [3, 4]]}]}";
	assert_int_equal(serve_decode_v2_infer(&r, body, strlen(body), &err),
			 0);
	assert_values(&r.batch, 2, 2, (const double[]){ 1, 2, 3, 4 });
	assert_null(r.id);
	assert_null(r.output_name);
	serve_v2_request_release(&r);

	/* Several 1-D inputs: one named column each. */
	body = "{\"inputs\": [{\"name\": \"f0\", \"shape\": [2], "
	       "\"datatype\": \"FP64\", \"data\": [1, 3]}, {\"name\": \"f1\", "
	       "\"shape\": [2, 1], \"datatype\": \"BOOL\", "
	       "\"data\": [true, false]}]}";
	assert_int_equal(serve_decode_v2_infer(&r, body, strlen(body), &err),
			 0);
	assert_values(&r.batch, 2, 2, (const double[]){ 1, 1, 3, 0 });
	assert_names(&r.batch, "f0", "f1", NULL);
	serve_v2_request_release(&r);

	/* One 1-D input: one unnamed column. */
	body = "{\"inputs\": [{\"name\": \"x\", \"shape\": [3], "
	       "\"datatype\": \"UINT8\", \"data\": [1, 2, 255]}]}";
	assert_int_equal(serve_decode_v2_infer(&r, body, strlen(body), &err),
			 0);
	assert_values(&r.batch, 3, 1, (const double[]){ 1, 2, 255 });
	assert_null(r.batch.columns);
	serve_v2_request_release(&r);

	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 3], "
		 "\"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5]}]}",
		 "input 'x': shape [2, 3] does not match the 5 values of its "
		 "data");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1000000000000, "
		 "1000000000000], \"datatype\": \"FP32\", \"data\": [1]}]}",
		 "shape [1000000000000, 1000000000000] does not match the 1 "
		 "values");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [0, "
		 "1000000000000], \"datatype\": \"FP32\", \"data\": []}]}",
		 "empty batch (no rows)");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 0], "
		 "\"datatype\": \"FP32\", \"data\": []}]}",
		 "empty batch (no columns)");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 1, 1], "
		 "\"datatype\": \"FP32\", \"data\": [1]}]}",
		 "'shape' must be a list of one or two sizes");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [-1], "
		 "\"datatype\": \"FP32\", \"data\": [1]}]}",
		 "'shape' must be a list of non-negative integers");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
		 "\"datatype\": \"BYTES\", \"data\": [\"a\"]}]}",
		 "input 'x': unsupported datatype 'BYTES'");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
		 "\"datatype\": \"INT8\", \"data\": [200]}]}",
		 "input 'x': value 0: expected an integer in range for INT8, "
		 "got 200");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [2], "
		 "\"datatype\": \"INT32\", \"data\": [1, 1.5]}]}",
		 "value 1: expected an integer in range for INT32, got 1.5");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
		 "\"datatype\": \"BOOL\", \"data\": [1]}]}",
		 "expected true or false for BOOL, got 1");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
		 "\"datatype\": \"FP64\", \"data\": [\"1\"]}]}",
		 "expected a number for FP64, got \"1\"");
	v2_fails("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], "
		 "\"datatype\": \"FP64\"}]}", "input 'x': 'data' is missing");
	v2_fails("{\"inputs\": [{\"shape\": [1], \"datatype\": \"FP64\", "
		 "\"data\": [1]}]}", "inputs[0]: 'name' must be a string");
	v2_fails("{\"inputs\": [3]}", "inputs[0] is not an object");
	v2_fails("{\"inputs\": []}", "'inputs' must be a non-empty list");
	v2_fails("{\"id\": 3, \"inputs\": []}", "'id' must be a string");
	v2_fails("{\"outputs\": [3], \"inputs\": []}",
		 "'outputs' must be a list of objects with a 'name'");
	v2_fails("{\"inputs\": [{\"name\": \"a\", \"shape\": [2], "
		 "\"datatype\": \"FP64\", \"data\": [1, 2]}, {\"name\": \"b\", "
		 "\"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}]}",
		 "input 'b' has 1 rows, input 'a' has 2");
	v2_fails("{\"inputs\": [{\"name\": \"a\", \"shape\": [1], "
		 "\"datatype\": \"FP64\", \"data\": [1]}, {\"name\": \"b\", "
		 "\"shape\": [1, 2], \"datatype\": \"FP64\", \"data\": [1, 2]}]}",
		 "input 'b': with several inputs each is one column");
	v2_fails("{\"inputs\": [{\"name\": \"a\", \"shape\": [1], "
		 "\"datatype\": \"FP64\", \"data\": [1]}, {\"name\": \"a\", "
		 "\"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}]}",
		 "duplicate column 'a'");
	v2_fails("[1]", "the request must be a JSON object");
	v2_fails("{", "invalid JSON");
}

/* ---------------------------------------------------------- conform */

static void test_conform(void **state)
{
	static char f0[] = "f0", f1[] = "f1", f2[] = "f2";
	static char *const model[] = { f0, f1, f2 };
	struct serve_error err = { 0 };
	struct serve_batch b;

	(void)state;
	/* Named on both sides: reordered, extra columns dropped. */
	b = decode_ok(NULL, "{\"dataframe_split\": {\"columns\": [\"f2\", "
			    "\"x\", \"f0\", \"f1\"], \"data\": [[3, 9, 1, 2], "
			    "[30, 90, 10, 20]]}}");
	assert_int_equal(serve_batch_conform(&b, 3, model, &err), 0);
	assert_values(&b, 2, 3, (const double[]){ 1, 2, 3, 10, 20, 30 });
	assert_names(&b, "f0", "f1", "f2", NULL);
	serve_batch_release(&b);

	b = decode_ok(NULL, "{\"dataframe_records\": [{\"f0\": 1, "
			    "\"f2\": 3}]}");
	assert_int_equal(serve_batch_conform(&b, 3, model, &err), -1);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.message, "dataframe_records: missing column "
			    "'f1' (the model takes 3 columns)");
	serve_batch_release(&b);

	/* Unnamed on either side: the counts must match. */
	b = decode_ok(NULL, "{\"instances\": [[1, 2, 3]]}");
	assert_int_equal(serve_batch_conform(&b, 3, model, &err), 0);
	assert_int_equal(serve_batch_conform(&b, 3, NULL, &err), 0);
	assert_values(&b, 1, 3, (const double[]){ 1, 2, 3 });
	assert_int_equal(serve_batch_conform(&b, 4, model, &err), -1);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.message, "instances: expected 4 columns, got 3");
	serve_batch_release(&b);

	b = decode_ok(NULL, "{\"inputs\": {\"a\": [1], \"b\": [2]}}");
	assert_int_equal(serve_batch_conform(&b, 3, NULL, &err), -1);
	assert_string_equal(err.message, "inputs: expected 3 columns, got 2");
	/* A model that does not say how many it takes: as it is. */
	assert_int_equal(serve_batch_conform(&b, 0, NULL, &err), 0);
	assert_values(&b, 1, 2, (const double[]){ 1, 2 });
	serve_batch_release(&b);
}

/* --------------------------------------------------------- encoders */

static json_t *parse(const struct buf *out)
{
	json_error_t jerr;
	json_t *j = json_loadb(out->ptr, out->len, 0, &jerr);

	if (!j)
		fail_msg("invalid JSON (%s): %s", jerr.text, out->ptr);
	return j;
}

static void test_encode_mlflow(void **state)
{
	double one[] = { 0.1, 1.0 / 3, NAN, 1e300, -0.0, 5, INFINITY,
			 9007199254740993.0, 2.2250738585072014e-308 };
	double two[] = { 0.25, 0.75, 1, 0 };
	struct serve_predictions p = { 0 };
	struct buf out = BUF_INIT;
	json_t *j, *preds;
	size_t i;

	(void)state;
	p.rows = sizeof(one) / sizeof(one[0]);
	p.width = 1;
	p.values = one;
	serve_encode_mlflow(&out, &p);
	j = parse(&out);
	preds = json_object_get(j, "predictions");
	assert_int_equal(json_array_size(preds), p.rows);
	for (i = 0; i < p.rows; i++) {
		json_t *v = json_array_get(preds, i);

		if (!isfinite(one[i])) {
			assert_true(json_is_null(v));
			continue;
		}
		/* Written as floats, read back to the same double. */
		assert_true(json_is_real(v));
		assert_memory_equal(&(double){ json_real_value(v) }, &one[i],
				    sizeof(double));
	}
	assert_non_null(strstr(out.ptr, "0.1,"));
	assert_non_null(strstr(out.ptr, ",5.0,"));
	assert_non_null(strstr(out.ptr, ",-0.0,"));
	json_decref(j);

	buf_reset(&out);
	p.rows = 2;
	p.width = 2;
	p.values = two;
	serve_encode_mlflow(&out, &p);
	assert_string_equal(out.ptr, "{\"predictions\":[[0.25,0.75],[1.0,0.0]]}");

	/* JSON outputs as the model gave them. */
	buf_reset(&out);
	p.values = NULL;
	p.json = json_pack("[s, s]", "cat", "dog");
	serve_encode_mlflow(&out, &p);
	assert_string_equal(out.ptr, "{\"predictions\":[\"cat\",\"dog\"]}");
	serve_predictions_release(&p);
	buf_release(&out);
}

static void test_encode_v2(void **state)
{
	double two[] = { 0.25, 0.75, 1, 0 };
	struct serve_predictions p = { 2, 2, two, NULL };
	struct buf out = BUF_INIT;
	json_t *j;

	(void)state;
	serve_encode_v2(&out, "m\"x", "3", "r1", NULL, &p);
	j = parse(&out);
	json_decref(j);
	assert_string_equal(out.ptr,
			    "{\"model_name\":\"m\\\"x\",\"model_version\":\"3\","
			    "\"id\":\"r1\",\"outputs\":[{\"name\":\"predict\","
			    "\"shape\":[2,2],\"datatype\":\"FP64\","
			    "\"data\":[0.25,0.75,1.0,0.0]}]}");

	buf_reset(&out);
	p.values = NULL;
	p.json = json_pack("[s, s]", "cat", "dog");
	serve_encode_v2(&out, "m", NULL, NULL, "label", &p);
	assert_string_equal(out.ptr,
			    "{\"model_name\":\"m\",\"outputs\":[{\"name\":"
			    "\"label\",\"shape\":[2],\"datatype\":\"BYTES\","
			    "\"data\":[\"cat\",\"dog\"]}]}");
	serve_predictions_release(&p);
	buf_release(&out);
}

static void test_encode_error(void **state)
{
	struct serve_error err = { 0 };
	struct buf out = BUF_INIT;
	json_t *j;

	(void)state;
	serve_error_set(&err, 400, "BAD_REQUEST", "bad \"%s\"\n", "x");
	serve_encode_error(&out, &err, 0);
	assert_string_equal(out.ptr, "{\"error_code\":\"BAD_REQUEST\","
			    "\"message\":\"bad \\\"x\\\"\\n\"}");
	buf_reset(&out);
	serve_encode_error(&out, &err, 1);
	assert_string_equal(out.ptr, "{\"error\":\"bad \\\"x\\\"\\n\"}");

	/*
	 * A message quoting bytes that are not UTF-8 is still valid JSON:
	 * each stray byte is '?', valid characters stay.
	 */
	buf_reset(&out);
	serve_error_set(&err, 400, "BAD_REQUEST", "got \"\xff\xc3\" "
			"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc0\xaf \xed\xa0\x80 "
			"\xf4\x90\x80\x80 \xe0\x80\xaf \xe2\x82");
	serve_encode_error(&out, &err, 0);
	j = parse(&out);
	assert_string_equal(json_string_value(json_object_get(j, "message")),
			    "got \"??\" \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 ?? ??? "
			    "???? ??? ??");
	json_decref(j);
	buf_release(&out);
}

/* A message too long for serve_error ends with "...", whole characters. */
static void test_error_cut(void **state)
{
	struct serve_error err;
	char longer[600];

	(void)state;
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	serve_error_set(&err, 400, "BAD_REQUEST", "%s", longer);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
	assert_string_equal(err.message + sizeof(err.message) - 4, "...");
	assert_int_equal(err.message[sizeof(err.message) - 5], 'a');

	/* Two-byte characters: the cut does not split one. */
	for (size_t i = 0; i + 2 < sizeof(longer); i += 2)
		memcpy(longer + i, "\xc3\xa9", 2);
	longer[sizeof(longer) - 1] = '\0';
	serve_error_set(&err, 400, "BAD_REQUEST", "x%s", longer);
	assert_true(strlen(err.message) < sizeof(err.message));
	assert_string_equal(err.message + strlen(err.message) - 3, "...");
	assert_int_equal((unsigned char)err.message[strlen(err.message) - 4],
			 0xa9);

	/* A message that fits is as it was. */
	serve_error_set(&err, 400, "BAD_REQUEST", "short");
	assert_string_equal(err.message, "short");
}

/* A decoded error always encodes to valid JSON (message cut mid-UTF-8). */
static void test_error_roundtrip(void **state)
{
	struct serve_batch b;
	struct serve_error err = { 0 };
	struct buf body = BUF_INIT, out = BUF_INIT;
	json_t *j;
	int i;

	(void)state;
	buf_puts(&body, "{\"zz");
	for (i = 0; i < 400; i++)
		buf_puts(&body, "\xc3\xa9");
	buf_puts(&body, "\": 1}");
	assert_int_equal(serve_decode_invocations(&b, NULL, body.ptr, body.len,
						  &err), -1);
	serve_encode_error(&out, &err, 0);
	j = parse(&out);
	json_decref(j);
	buf_release(&body);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_dataframe_split),
		cmocka_unit_test(test_dataframe_records),
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_conform),
		cmocka_unit_test(test_error_cut),
		cmocka_unit_test(test_encode_mlflow),
		cmocka_unit_test(test_encode_v2),
		cmocka_unit_test(test_encode_error),
		cmocka_unit_test(test_error_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
