/*
 * decode.h: request bodies of `cairn serve` to batches, and predictions
 * and errors back to response bodies (decode.c). Pure functions over
 * untrusted bytes: fuzzed (tests/fuzz/fuzz_serve_decode.c).
 *
 * Two protocols:
 *  - MLflow's scoring protocol, POST /invocations: a JSON object with
 *    exactly one of dataframe_split, dataframe_records, instances or
 *    inputs (plus an optional params object), or text/csv with a header
 *    line; the statuses and messages of MLflow's scoring server
 *    (../shared/ref/mlflow-rest.md section 3): 400 BAD_REQUEST for a bad
 *    body, 415 for another content type or a charset other than utf-8.
 *  - The Open Inference Protocol v2 (KServe), POST .../infer: inputs[] of
 *    {name, shape, datatype, data}; one two-dimensional input (or several
 *    one-dimensional ones, one per column) makes the batch.
 *
 * Values must be numbers (null: missing, NaN); every row must have the
 * same number of columns. A value that is not a number, a ragged row or
 * an empty batch is a 400 naming the row and column.
 */
#ifndef CAIRN_SERVE_DECODE_H
#define CAIRN_SERVE_DECODE_H

#include <stddef.h>

#include "serve/batch.h"
#include "util/buf.h"

/* The largest request body the front door reads; a larger one is 413. */
#define SERVE_MAX_BODY (64u * 1024 * 1024)

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
void serve_v2_request_release(struct serve_v2_request *r);

/*
 * Make b fit a model that takes ncols features named names (NULL: names
 * unknown): when both the batch and the model name their columns, reorder
 * the batch's columns to the model's order (a missing column is a 400
 * naming it; extra ones are dropped); otherwise the counts must match
 * (a 400 "expected 4 columns, got 3").
 */
int serve_batch_conform(struct serve_batch *b, size_t ncols,
			char *const *names, struct serve_error *err);

/* MLflow's answer: {"predictions": [...]} (a width-1 row is a number). */
void serve_encode_mlflow(struct buf *out, const struct serve_predictions *p);

/*
 * The v2 answer: {"model_name", "model_version", "id", "outputs": [{"name",
 * "shape": [rows, width], "datatype": "FP64" (or "BYTES" for JSON outputs),
 * "data": [...row-major...]}]}.
 */
void serve_encode_v2(struct buf *out, const char *model, const char *version,
		     const char *id, const char *output_name,
		     const struct serve_predictions *p);

/*
 * An error body: MLflow's {"error_code", "message"}, or with v2 set the
 * Open Inference Protocol's {"error": "..."}.
 */
void serve_encode_error(struct buf *out, const struct serve_error *err, int v2);

#endif
