/*
 * flavor_impl.h: what the flavor dispatcher (flavor.c) and the flavors
 * (flavor_xgb.c, flavor_worker.c) share; private to src/serve/flavor*.c.
 *
 * flavor.c reads the MLmodel file and picks a flavor; the flavor loads
 * the model and fills a flavor_shape with what it learned of it (the
 * number and names of its features, the memory it holds). flavor.c then
 * settles the columns (the model's own names, else the signature's) and
 * dispatches predictions through the flavor_ops.
 */
#ifndef CAIRN_SERVE_FLAVOR_IMPL_H
#define CAIRN_SERVE_FLAVOR_IMPL_H

#include <stddef.h>

#include "serve/batch.h"
#include "serve/flavor.h"

struct flavor_shape {
	size_t cols;     /* features the model takes; 0: unknown */
	char **names;    /* cols names (owned), or NULL: unknown */
	size_t memory;   /* bytes the model holds */
};

struct flavor_ops {
	const char *name;
	int (*predict)(void *impl, const struct serve_batch *in,
		       struct serve_predictions *out, struct serve_error *err);
	size_t (*memory)(void *impl);
	void (*free)(void *impl);
};

extern const struct flavor_ops flavor_xgb_ops;
extern const struct flavor_ops flavor_sklearn_ops;
extern const struct flavor_ops flavor_pyfunc_ops;

/*
 * Load an XGBoost model file (JSON, UBJ or XGBoost's legacy binary) into
 * *impl. Returns 0 or a cairn error naming the file.
 */
int flavor_xgb_load(void **impl, struct flavor_shape *shape, const char *path,
		    unsigned threads);

/*
 * CAIRN_EINVALID naming where (a directory or file) if version (as
 * "2.0.3"; NULL: unknown) is of an XGBoost whose models 1.7 may misread.
 */
int flavor_xgb_check_version(const char *where, const char *version);

/*
 * Start a worker for the model in dir and wait for its ready line.
 * conf is the JSON object it gets: {"flavor": ..., "flavors": {name:
 * {setting: value}}} (docs/internals/serve-worker.md).
 */
int flavor_worker_load(void **impl, struct flavor_shape *shape, const char *dir,
		       const char *conf, const struct serve_flavor_options *opts);

/*
 * Turn a JSON array of predictions, one element per row, into *out:
 * numbers (width 1) and rows of k numbers (width k) become values;
 * anything else stays JSON. Takes the reference to preds. Returns -1
 * (and fills err with a 500) when preds is not an array of rows rows.
 */
int flavor_predictions_from_json(struct serve_predictions *out, json_t *preds,
				 size_t rows, struct serve_error *err);

#endif
