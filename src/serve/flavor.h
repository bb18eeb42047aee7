/*
 * flavor.h: a loaded model that answers predictions, whatever made it.
 *
 * A model version's directory (a verified copy of its registered files)
 * names its flavor in its MLmodel file: `xgboost` runs in this process
 * through libxgboost's C API (flavor_xgb.c); `python_function` and
 * `sklearn` run in a long-lived worker child speaking line-delimited
 * JSON on stdin/stdout (flavor_worker.c, protocol in
 * docs/internals/serve-worker.md), restarted when it dies and killed
 * when a prediction outlasts the timeout. A directory without MLmodel but with one model file is taken
 * by its extension (model.json / model.ubj: xgboost).
 *
 * Rules: serve_model_predict() may be called from many threads at once
 * (a flavor serializes inside where it must); it never aborts on bad
 * input: a batch the model cannot take is a 400 in err (with
 * err->model_fault set when the batch had the right shape and the model
 * failed on it: predict() raised, XGBoost failed), a worker that crashed
 * is a 500 (and the worker is restarted), one that hung is a 504.
 * Loading happens after any fork() the process makes (libgomp is not
 * fork-safe), and the worker is started with posix_spawn.
 */
#ifndef CAIRN_SERVE_FLAVOR_H
#define CAIRN_SERVE_FLAVOR_H

#include <stddef.h>

#include "serve/batch.h"

struct serve_flavor_options {
	const char *python;  /* interpreter of worker flavors; NULL: "python3" */
	int timeout_ms;      /* one prediction's limit; <= 0: 30000 */
	unsigned threads;    /* XGBoost threads per prediction; 0: 1 */
};

struct serve_model;

/*
 * Load the model in dir. Returns 0, or a cairn error with the message
 * set: no MLmodel and no model file, a flavor cairn cannot serve (named,
 * with the flavors it can), a model file that does not load (XGBoost's
 * own message), a worker that does not start or does not answer ready.
 */
int serve_model_load(struct serve_model **out, const char *dir,
		     const struct serve_flavor_options *opts);

/* "xgboost", "sklearn", "python_function". */
const char *serve_model_flavor(const struct serve_model *m);

/*
 * The features the model takes: their number (0: unknown) and their
 * names (NULL: unknown), from the model itself or its MLmodel signature.
 */
size_t serve_model_columns(const struct serve_model *m, char *const **names);

/* Bytes the loaded model holds (resident memory it added at load). */
size_t serve_model_memory(const struct serve_model *m);

/* Predict a batch (already conformed, see serve_batch_conform()). */
int serve_model_predict(struct serve_model *m, const struct serve_batch *in,
			struct serve_predictions *out, struct serve_error *err);

/* Stop its worker, free everything; NULL is fine. */
void serve_model_free(struct serve_model *m);

#endif
