/*
 * decode.h: request bodies of `cairn serve` to batches, and predictions
 * and errors back to response bodies (decode.c, decode_csv.c,
 * decode_v2.c, encode.c). Pure functions over untrusted bytes: fuzzed
 * (tests/fuzz/fuzz_serve_decode.c).
 *
 * MLflow's scoring protocol, POST /invocations (../shared/ref/mlflow-rest.md
 * section 3). The Content-Type is checked first, in MLflow's order, each
 * failure a 415 with MLflow's message:
 *   - a charset parameter other than utf-8 (any case, quotes allowed):
 *     "The scoring server only supports UTF-8";
 *   - any other parameter: "Unrecognized content type parameters: NAMES.
 *     IMPORTANT: ...";
 *   - a media type other than application/json or text/csv (any case; no
 *     header at all means application/json): "This predictor only
 *     supports the following content types: Types: ['text/csv',
 *     'application/json']. Got 'TYPE'."
 * A JSON body must be an object with exactly one of these fields (other
 * fields are ignored; a bare list, zero fields or several are a 400 with
 * MLflow's "The input must be a JSON dictionary with exactly one of the
 * input fields ..." message):
 *   - dataframe_split: {"columns"?: [names], "data": [rows], "index"?:
 *     [one label per row]}; no other field. Without columns the batch's
 *     columns are unnamed.
 *   - dataframe_records: [{col: value}, ...]; the columns are the union of
 *     the keys in order of first appearance, and a key a record lacks is
 *     missing (NaN), as pandas does.
 *   - instances: a list of rows ([[1, 2], [3, 4]]), a flat list of values
 *     (one column: [1, 2, 3] is three rows), or a list of objects (named
 *     columns; every object must have every key).
 *   - inputs: as instances, or columns {col: [values], ...} of equal
 *     length.
 * plus an optional "params" object (or null), kept in batch.params.
 * Duplicate keys anywhere are a 400; nesting deeper than jansson's
 * JSON_PARSER_MAX_DEPTH (2048) is a 400.
 * A text/csv body: a header line naming the columns, then one record per
 * row with as many fields; blank lines are skipped, unquoted fields
 * trimmed, a UTF-8 byte-order mark dropped, quotes strict (RFC 4180).
 *
 * Values. A JSON value is a number; null is missing (NaN); true and false
 * are 1 and 0; a string is taken when it is a number written as text
 * ("2.5", "-1e3", "nan", "inf": what strtod() takes whole in the C locale,
 * not empty, no leading space, not hexadecimal), since MLflow casts
 * strings to a numeric schema. In CSV a field is a number as text, empty
 * or a missing marker (NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null,
 * None, <NA>, #N/A) is NaN, and true/false in any case are 1/0. Anything
 * else (another string, a list or object where a value belongs) is a 400
 * "FIELD: row R, column C: expected a number, got X", rows and columns
 * counted from 0, the column by name when it has one. Column names must
 * be distinct (and valid UTF-8 in CSV). A row of another length than row
 * 0 (or the header) is a 400 "row R has N values, expected M"; no rows or
 * no columns is a 400 "empty batch". Integers beyond 64 bits are a JSON
 * error (jansson), and all values are held as doubles.
 *
 * The Open Inference Protocol v2 (KServe), POST .../infer: {"id"?,
 * "inputs": [{"name", "shape", "datatype", "data"}, ...], "outputs"?:
 * [{"name"}, ...]}. Either one input of shape [rows, cols] (or [rows]: one
 * column), whose columns are unnamed, or several inputs of shape [rows]
 * or [rows, 1], one column each, named by the input's name. data is flat
 * row-major or nested; it must hold exactly the product of the shape
 * (a shape is checked against the values present, never allocated from).
 * datatype: BOOL (true/false), INT8..INT64 and UINT8..UINT64 (integers in
 * range), FP16/FP32/FP64 (numbers; null is NaN); BYTES is refused. Every
 * error is a 400 (encode it with v2 set: {"error": "..."}).
 *
 * Size: a batch holds at most one value per byte of the body (a value
 * takes at least a byte and a separator in every format), so memory
 * follows the body's size, which the front door caps (SERVE_MAX_BODY, or
 * --max-body).
 * jansson's tree of a JSON body costs about 20 times the body at worst
 * (a list of one-digit numbers); CSV is parsed in 64 KiB blocks.
 *
 * On failure the decoders leave *out empty (released) and err set: 400
 * BAD_REQUEST, or 415 (code BAD_REQUEST too: MLflow has none for it).
 */
#ifndef CAIRN_SERVE_DECODE_H
#define CAIRN_SERVE_DECODE_H

#include <stddef.h>

#include "serve/batch.h"
#include "util/buf.h"

/*
 * The largest request body the front door reads by default (`cairn serve
 * --max-body` changes it); a larger one is 413. Decoding a JSON body
 * holds about 20 times its size (jansson's tree), so 16 MiB is about
 * 320 MiB per request being decoded.
 */
#define SERVE_MAX_BODY (16u * 1024 * 1024)

/*
 * Decode a POST /invocations body; content_type is the header as sent
 * (NULL: none, taken as application/json). 0, or -1 with err set.
 */
int serve_decode_invocations(struct serve_batch *out, const char *content_type,
			     const char *body, size_t len,
			     struct serve_error *err);

/* An Open Inference Protocol v2 infer request. */
struct serve_v2_request {
	struct serve_batch batch;
	char *id;           /* the request's "id", or NULL */
	char *output_name;  /* the first requested output's name, or NULL */
};

int serve_decode_v2_infer(struct serve_v2_request *out, const char *body,
			  size_t len, struct serve_error *err);
/* Free what r holds and zero it; releasing twice is harmless. */
void serve_v2_request_release(struct serve_v2_request *r);

/*
 * Make b fit a model that takes ncols features named names (NULL: names
 * unknown): when both the batch and the model name their columns, reorder
 * the batch's columns to the model's order (a missing column is a 400
 * "missing column 'f2' (the model takes 4 columns)"; extra ones are
 * dropped, and the batch's names become the model's); otherwise the counts
 * must match (a 400 "instances: expected 4 columns, got 3"; the prefix is
 * b->source, the input the batch came from). ncols 0 (the model does
 * not say, serve_model_columns()) leaves b as it is.
 */
int serve_batch_conform(struct serve_batch *b, size_t ncols,
			char *const *names, struct serve_error *err);

/*
 * MLflow's answer: {"predictions": [...]}: width 1, a flat list of numbers;
 * width k, a list of rows of k numbers; JSON outputs as the model gave
 * them. Numbers are the shortest text that reads back as the same double,
 * integral ones with ".0" (Python's floats); NaN and infinities are null.
 * Appends to out.
 */
void serve_encode_mlflow(struct buf *out, const struct serve_predictions *p);

/*
 * The v2 answer: {"model_name", "model_version", "id", "outputs": [{"name",
 * "shape": [rows, width], "datatype": "FP64", "data": [...row-major...]}]};
 * JSON outputs are "shape": [rows], "datatype": "BYTES" and the array as
 * given. version and id are left out when NULL; output_name NULL is
 * "predict".
 */
void serve_encode_v2(struct buf *out, const char *model, const char *version,
		     const char *id, const char *output_name,
		     const struct serve_predictions *p);

/*
 * An error body: MLflow's {"error_code", "message"}, or with v2 set the
 * Open Inference Protocol's {"error": "..."}. In a message that is not
 * valid UTF-8 (it may quote a client's bytes, or be cut inside a
 * character) each stray byte becomes '?': the body is always valid JSON.
 */
void serve_encode_error(struct buf *out, const struct serve_error *err, int v2);

#endif
