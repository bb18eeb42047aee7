/*
 * decode_v2.c: an Open Inference Protocol v2 infer request into a batch
 * (decode.h).
 *
 * {"id"?, "parameters"?, "inputs": [{"name", "shape", "datatype", "data",
 * "parameters"?}, ...], "outputs"?: [{"name"}, ...]}. The batch is either
 * one input of shape [rows, cols] (or [rows]: one column), whose columns
 * are unnamed, or several inputs of shape [rows] (or [rows, 1]), one
 * column each, named by the inputs' names. data is flat (row-major) or
 * nested to any depth; it is flattened, and the number of values must be
 * the product of the shape. That product is never computed beyond the
 * number of values actually present, so a shape of [1e12, 1e12] is a 400,
 * not an allocation.
 *
 * Datatypes are the numeric ones: BOOL (true/false), INT8..INT64 and
 * UINT8..UINT64 (JSON integers in the type's range), FP16, FP32, FP64
 * (any JSON number; null is missing, NaN). Values are held as doubles
 * whatever the datatype. BYTES is refused: a model here takes numbers.
 * Walking nested data recurses once per level, at most jansson's
 * JSON_PARSER_MAX_DEPTH levels.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"
#include "serve/decode_int.h"
#include "util/alloc.h"
#include "util/banned.h"

enum v2_kind { V2_BOOL, V2_INT, V2_FP };

struct v2_type {
	const char *name;
	enum v2_kind kind;
	json_int_t min, max;
};

static const struct v2_type v2_types[] = {
	{ "BOOL", V2_BOOL, 0, 1 },
	{ "UINT8", V2_INT, 0, UINT8_MAX },
	{ "UINT16", V2_INT, 0, UINT16_MAX },
	{ "UINT32", V2_INT, 0, UINT32_MAX },
	{ "UINT64", V2_INT, 0, INT64_MAX },
	{ "INT8", V2_INT, INT8_MIN, INT8_MAX },
	{ "INT16", V2_INT, INT16_MIN, INT16_MAX },
	{ "INT32", V2_INT, INT32_MIN, INT32_MAX },
	{ "INT64", V2_INT, INT64_MIN, INT64_MAX },
	{ "FP16", V2_FP, 0, 0 },
	{ "FP32", V2_FP, 0, 0 },
	{ "FP64", V2_FP, 0, 0 },
};

struct v2_input {
	const char *name;
	const struct v2_type *type;
	size_t dims[2], ndims;
	json_t *data;
	size_t count;       /* values in data */
};

/* Where walk() puts the values: every stride-th double from values. */
struct walk {
	const struct v2_input *in;
	double *values;     /* NULL: only check and count */
	size_t stride;
	size_t n;           /* values seen so far */
};

static int bad_value(struct serve_error *err, const struct walk *w,
		     const json_t *v)
{
	char got[80];

	decode_describe(got, sizeof(got), v);
	return DECODE_BAD(err, "input '%.60s': value %zu: expected %s for %s, "
			  "got %s", w->in->name, w->n,
			  w->in->type->kind == V2_BOOL ? "true or false" :
			  w->in->type->kind == V2_INT ? "an integer in range" :
			  "a number", w->in->type->name, got);
}

static int walk(const json_t *v, struct walk *w, struct serve_error *err)
{
	const struct v2_type *t = w->in->type;
	double d;
	size_t i;

	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (walk(json_array_get(v, i), w, err) < 0)
				return -1;
		return 0;
	}
	switch (t->kind) {
	case V2_BOOL:
		if (!json_is_boolean(v))
			return bad_value(err, w, v);
		d = json_is_true(v);
		break;
	case V2_INT:
		if (!json_is_integer(v) || json_integer_value(v) < t->min ||
		    json_integer_value(v) > t->max)
			return bad_value(err, w, v);
		d = (double)json_integer_value(v);
		break;
	default:
		if (json_is_number(v))
			d = json_number_value(v);
		else if (json_is_null(v))
			d = NAN;
		else
			return bad_value(err, w, v);
		break;
	}
	if (w->values)
		w->values[w->n * w->stride] = d;
	w->n++;
	return 0;
}

static const struct v2_type *find_type(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(v2_types) / sizeof(v2_types[0]); i++)
		if (!strcmp(v2_types[i].name, name))
			return &v2_types[i];
	return NULL;
}

/* Whether dims hold exactly count values, without overflowing. */
static int shape_holds(const struct v2_input *in, size_t count)
{
	size_t product = 1, i;

	for (i = 0; i < in->ndims; i++)
		if (!in->dims[i])
			return count == 0;
	for (i = 0; i < in->ndims; i++) {
		if (in->dims[i] > count / product)
			return 0;
		product *= in->dims[i];
	}
	return product == count;
}

static void shape_text(char *dst, size_t n, const struct v2_input *in)
{
	if (in->ndims == 1)
		snprintf(dst, n, "[%zu]", in->dims[0]);
	else
		snprintf(dst, n, "[%zu, %zu]", in->dims[0], in->dims[1]);
}

static int parse_input(struct v2_input *in, size_t i, const json_t *obj,
		       struct serve_error *err)
{
	const json_t *name = json_object_get(obj, "name");
	const json_t *shape = json_object_get(obj, "shape");
	const json_t *type = json_object_get(obj, "datatype");
	struct walk w = { in, NULL, 1, 0 };
	char text[64];
	size_t k;

	if (!json_is_object(obj))
		return DECODE_BAD(err, "inputs[%zu] is not an object", i);
	if (!json_is_string(name))
		return DECODE_BAD(err, "inputs[%zu]: 'name' must be a string",
				  i);
	in->name = json_string_value(name);
	if (!json_is_string(type))
		return DECODE_BAD(err, "input '%.60s': 'datatype' must be a "
				  "string", in->name);
	in->type = find_type(json_string_value(type));
	if (!in->type)
		return DECODE_BAD(err, "input '%.60s': unsupported datatype "
				  "'%.20s' (the numeric ones are BOOL, "
				  "INT8-64, UINT8-64, FP16, FP32, FP64)",
				  in->name, json_string_value(type));
	if (!json_is_array(shape) || !json_array_size(shape) ||
	    json_array_size(shape) > 2)
		return DECODE_BAD(err, "input '%.60s': 'shape' must be a list "
				  "of one or two sizes", in->name);
	in->ndims = json_array_size(shape);
	for (k = 0; k < in->ndims; k++) {
		const json_t *d = json_array_get(shape, k);

		if (!json_is_integer(d) || json_integer_value(d) < 0)
			return DECODE_BAD(err, "input '%.60s': 'shape' must be "
					  "a list of non-negative integers",
					  in->name);
		in->dims[k] = (size_t)json_integer_value(d);
	}
	in->data = json_object_get(obj, "data");
	if (!in->data)
		return DECODE_BAD(err, "input '%.60s': 'data' is missing",
				  in->name);
	if (walk(in->data, &w, err) < 0)
		return -1;
	in->count = w.n;
	if (!shape_holds(in, in->count)) {
		shape_text(text, sizeof(text), in);
		return DECODE_BAD(err, "input '%.60s': shape %s does not match "
				  "the %zu values of its data", in->name, text,
				  in->count);
	}
	return 0;
}

/* Several inputs: each one column of the same rows. */
static int check_columns(const struct v2_input *ins, size_t n,
			 struct serve_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ins[i].ndims == 2 && ins[i].dims[1] != 1)
			return DECODE_BAD(err, "input '%.60s': with several "
					  "inputs each is one column, of shape "
					  "[rows] or [rows, 1]", ins[i].name);
		if (ins[i].dims[0] != ins[0].dims[0])
			return DECODE_BAD(err, "input '%.60s' has %zu rows, "
					  "input '%.60s' has %zu", ins[i].name,
					  ins[i].dims[0], ins[0].name,
					  ins[0].dims[0]);
	}
	return 0;
}

static int build(struct serve_batch *b, struct v2_input *ins, size_t n,
		 size_t len, struct serve_error *err)
{
	size_t rows = ins[0].dims[0], i;
	size_t cols = n == 1 && ins[0].ndims == 2 ? ins[0].dims[1] : n;

	if (n > 1 && check_columns(ins, n, err) < 0)
		return -1;
	if (decode_alloc(b, rows, cols, len, "inputs", err) < 0)
		return -1;
	if (n > 1) {
		b->columns = xcalloc(n, sizeof(char *));
		for (i = 0; i < n; i++)
			b->columns[b->cols++] = xstrdup(ins[i].name);
		if (decode_check_columns(b, "inputs", err) < 0)
			return -1;
	} else {
		b->cols = cols;
	}
	for (i = 0; i < n; i++) {
		struct walk w = { &ins[i], b->values + i, n, 0 };

		/* Checked once already: this cannot fail. */
		if (walk(ins[i].data, &w, err) < 0)
			return -1;
	}
	return 0;
}

static int decode_request(struct serve_v2_request *out, json_t *root,
			  size_t len, struct serve_error *err)
{
	const json_t *id = json_object_get(root, "id");
	const json_t *outputs = json_object_get(root, "outputs");
	const json_t *inputs = json_object_get(root, "inputs");
	struct v2_input *ins;
	size_t n, i;
	int ret = -1;

	if (id && !json_is_null(id)) {
		if (!json_is_string(id))
			return DECODE_BAD(err, "'id' must be a string");
		out->id = xstrdup(json_string_value(id));
	}
	if (outputs && !json_is_null(outputs)) {
		const json_t *first = json_array_get(outputs, 0);
		const json_t *name = json_object_get(first, "name");

		if (!json_is_array(outputs) ||
		    (json_array_size(outputs) && !json_is_string(name)))
			return DECODE_BAD(err, "'outputs' must be a list of "
					  "objects with a 'name'");
		if (name)
			out->output_name = xstrdup(json_string_value(name));
	}
	if (!json_is_array(inputs) || !json_array_size(inputs))
		return DECODE_BAD(err, "'inputs' must be a non-empty list");
	n = json_array_size(inputs);
	ins = xcalloc(n, sizeof(*ins));
	for (i = 0; i < n; i++)
		if (parse_input(&ins[i], i, json_array_get(inputs, i), err) < 0)
			goto done;
	ret = build(&out->batch, ins, n, len, err);
done:
	free(ins);
	return ret;
}

int serve_decode_v2_infer(struct serve_v2_request *out, const char *body,
			  size_t len, struct serve_error *err)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return DECODE_BAD(err, "invalid JSON: %s at line %d, column %d",
				  jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root))
		ret = DECODE_BAD(err, "the request must be a JSON object");
	else
		ret = decode_request(out, root, len, err);
	json_decref(root);
	if (ret < 0)
		serve_v2_request_release(out);
	else
		out->batch.source = "inputs";
	return ret;
}

void serve_v2_request_release(struct serve_v2_request *r)
{
	serve_batch_release(&r->batch);
	free(r->id);
	free(r->output_name);
	memset(r, 0, sizeof(*r));
}
