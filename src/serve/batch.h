/*
 * batch.h: what flows through `cairn serve`: a batch of input rows, the
 * predictions a model made for it, and an error answer.
 *
 * The decoders (decode.c) turn a request body into a serve_batch; a
 * flavor (flavor.h) turns a batch into serve_predictions; the encoders
 * turn predictions or a serve_error back into a response body. Every
 * flavor takes the same dense input: rows of doubles, row-major, NaN for
 * a missing value. Outputs are numbers in the common case (a score, or k
 * class probabilities per row); a worker flavor whose outputs are not
 * numbers (class labels as strings, say) hands back JSON instead.
 *
 * A struct here owns what its pointers point to; release it with its
 * _release() function, which leaves it zeroed (so releasing twice is
 * harmless).
 */
#ifndef CAIRN_SERVE_BATCH_H
#define CAIRN_SERVE_BATCH_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"

struct serve_batch {
	size_t rows, cols;
	double *values;  /* rows * cols, row-major; NaN: missing */
	char **columns;  /* cols names, or NULL when the input named none */
	json_t *params;  /* MLflow's "params" object, or NULL */
	const char *source;  /* the input it came from, for messages (static:
				"instances", "text/csv", ...), or NULL */
};

struct serve_predictions {
	size_t rows;
	size_t width;    /* numbers per row: 1 (a score), k (probabilities) */
	double *values;  /* rows * width, or NULL when json holds the outputs */
	json_t *json;    /* a JSON array, one element per row, or NULL */
};

/*
 * An answer that is not a prediction, as the front door sends it.
 * model_fault marks an error the model made on input it should take (a
 * predict() that raised, XGBoost failing on a batch of the right shape):
 * its status stays what MLflow answers (400), but it counts against the
 * version, as a 5xx does, not as the client's mistake. serve_error_set()
 * clears it; a flavor sets it after.
 */
struct serve_error {
	int status;        /* HTTP status: 400, 404, 413, 415, 500, 503, 504 */
	const char *code;  /* MLflow error code (static): "BAD_REQUEST", ... */
	int model_fault;   /* the version's fault whatever the status */
	char message[512];
};

void serve_batch_release(struct serve_batch *b);
void serve_predictions_release(struct serve_predictions *p);

/*
 * Fill err; returns -1, so "return serve_error_set(...)" is one line. A
 * message longer than err->message is cut at a character's boundary and
 * ends with "...", so the cut shows.
 */
int serve_error_set(struct serve_error *err, int status, const char *code,
		    const char *fmt, ...) CAIRN_PRINTF(4, 5);
int serve_error_vset(struct serve_error *err, int status, const char *code,
		     const char *fmt, va_list ap) CAIRN_PRINTF(4, 0);

/* Whether err counts against the version: a 5xx or a model fault. */
int serve_error_is_versions(const struct serve_error *err);

#endif
