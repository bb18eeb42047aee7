/*
 * fuzz_serve_decode.c: libFuzzer target for the request decoders and
 * response encoders of `cairn serve` (src/serve/decode*.c, encode.c).
 *
 * The first byte picks what the rest is:
 *	'j'  an /invocations body sent as application/json
 *	'n'  an /invocations body sent with no Content-Type
 *	'c'  an /invocations body sent as text/csv
 *	't'  a Content-Type header line, then '\n', then an /invocations body
 *	'v'  an Open Inference Protocol v2 infer request
 *	anything else: the second byte picks one of the above by its value
 *	(so random inputs reach every decoder)
 *
 * Any input may be refused, but never crash, leak or print. A refusal is
 * a 400 or a 415 with BAD_REQUEST and a message, leaves an empty batch,
 * and its error body is valid JSON. An accepted batch holds together
 * (rows and columns non-zero, no more values than bytes of body, names
 * when there are names); it conforms to a four-column model, named and
 * unnamed, as decode.h says; and its values encoded as predictions read
 * back as valid JSON with every finite number exactly the same double and
 * every NaN as null. Anything else aborts, which libFuzzer (or the replay
 * driver, standalone_driver.c) reports as a failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_serve_decode: %s\n", what);
	abort();
}

static json_t *parse(const struct buf *out)
{
	json_t *j = json_loadb(out->ptr, out->len, 0, NULL);

	check(j != NULL, "an encoder wrote invalid JSON");
	return j;
}

static void check_refusal(const struct serve_error *err,
			  const struct serve_batch *b, int v2)
{
	struct buf out = BUF_INIT;

	check(err->status == 400 || err->status == 415, "a refusal that is "
	      "not a 400 or a 415");
	check(err->code && !strcmp(err->code, "BAD_REQUEST"),
	      "a refusal without BAD_REQUEST");
	check(err->message[0] != '\0', "a refusal without a message");
	check(!b->values && !b->columns && !b->params && !b->rows && !b->cols,
	      "a refusal left a batch behind");
	serve_encode_error(&out, err, v2);
	json_decref(parse(&out));
	buf_release(&out);
}

/* The values as width-cols predictions, encoded and read back. */
static void check_encoding(const struct serve_batch *b)
{
	struct serve_predictions p = { b->rows, b->cols, b->values, NULL };
	struct buf out = BUF_INIT;
	json_t *j, *data;
	size_t i;

	serve_encode_v2(&out, "m", "1", "id", NULL, &p);
	j = parse(&out);
	data = json_object_get(json_array_get(json_object_get(j, "outputs"), 0),
			       "data");
	check(json_array_size(data) == b->rows * b->cols,
	      "v2 data of another size");
	for (i = 0; i < b->rows * b->cols; i++) {
		json_t *v = json_array_get(data, i);

		if (isfinite(b->values[i]))
			check(json_is_real(v) &&
			      json_real_value(v) == b->values[i],
			      "a number did not read back the same");
		else
			check(json_is_null(v), "NaN or inf not null");
	}
	json_decref(j);
	buf_reset(&out);
	serve_encode_mlflow(&out, &p);
	json_decref(parse(&out));
	buf_release(&out);
}

static void check_conform(const struct serve_batch *b)
{
	static char f0[] = "f0", f1[] = "f1", f2[] = "f2", f3[] = "f3";
	static char *const names[] = { f0, f1, f2, f3 };
	struct serve_error err = { 0 };
	struct serve_batch copy = *b;
	size_t i;
	int ret;

	/* A deep copy, so conform can replace its arrays. */
	copy.values = malloc(b->rows * b->cols * sizeof(double));
	check(copy.values != NULL, "out of memory");
	memcpy(copy.values, b->values, b->rows * b->cols * sizeof(double));
	copy.params = NULL;
	copy.columns = NULL;
	if (b->columns) {
		copy.columns = calloc(b->cols, sizeof(char *));
		check(copy.columns != NULL, "out of memory");
		for (i = 0; i < b->cols; i++)
			copy.columns[i] = strdup(b->columns[i]);
	}
	ret = serve_batch_conform(&copy, 4, b->columns ? names : NULL, &err);
	if (ret == 0) {
		check(copy.cols == 4 && copy.rows == b->rows,
		      "conform gave another shape");
		if (b->columns)
			for (i = 0; i < 4; i++)
				check(!strcmp(copy.columns[i], names[i]),
				      "conform misnamed a column");
	} else {
		check(err.status == 400 && err.message[0],
		      "conform refused without a 400");
		check(b->columns || b->cols != 4, "conform refused 4 columns");
	}
	serve_batch_release(&copy);
}

static void check_batch(const struct serve_batch *b, size_t len)
{
	size_t i;

	check(b->rows > 0 && b->cols > 0, "an empty batch was accepted");
	check(b->values != NULL, "a batch without values");
	check(b->cols <= (len ? len : 1) / b->rows, "more values than bytes");
	if (b->columns)
		for (i = 0; i < b->cols; i++)
			check(b->columns[i] != NULL, "a column without a name");
	check(!b->params || json_is_object(b->params), "params not an object");
	check_encoding(b);
	check_conform(b);
}

static void run_invocations(const char *ct, const char *body, size_t len)
{
	struct serve_error err = { 0 };
	struct serve_batch b;

	if (serve_decode_invocations(&b, ct, body, len, &err) < 0) {
		check_refusal(&err, &b, 0);
		return;
	}
	check_batch(&b, len);
	serve_batch_release(&b);
	check(!b.values && !b.columns, "release left something behind");
}

static void run_v2(const char *body, size_t len)
{
	struct serve_error err = { 0 };
	struct serve_v2_request r;

	if (serve_decode_v2_infer(&r, body, len, &err) < 0) {
		check_refusal(&err, &r.batch, 1);
		check(!r.id && !r.output_name, "a refusal left an id behind");
		return;
	}
	check_batch(&r.batch, len);
	serve_v2_request_release(&r);
	serve_v2_request_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char modes[] = "jnctv";
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	char mode, *ct;
	const char *nl;

	if (size < 1)
		return 0;
	mode = (char)data[0];
	if (!strchr(modes, mode) || !mode) {
		if (size < 2)
			return 0;
		mode = modes[data[1] % (sizeof(modes) - 1)];
		body++;
		len--;
	}
	switch (mode) {
	case 'j':
		run_invocations("application/json", body, len);
		break;
	case 'n':
		run_invocations(NULL, body, len);
		break;
	case 'c':
		run_invocations("text/csv", body, len);
		break;
	case 't':
		nl = memchr(body, '\n', len);
		if (!nl)
			return 0;
		ct = strndup(body, (size_t)(nl - body));
		check(ct != NULL, "out of memory");
		run_invocations(ct, nl + 1, len - (size_t)(nl - body) - 1);
		free(ct);
		break;
	default:
		run_v2(body, len);
		break;
	}
	return 0;
}
