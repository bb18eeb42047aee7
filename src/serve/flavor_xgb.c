/*
 * flavor_xgb.c: XGBoost models in this process, through libxgboost's C
 * API (1.7; see ../shared/ref/c-style.md B.12).
 *
 * Loading: XGBoosterCreate() + XGBoosterLoadModel(), which takes the
 * JSON, UBJSON and legacy binary formats alike (by content). Then
 * nthread is set (1 unless asked: on a small machine the request
 * threads are the parallelism), the feature count and names are read
 * from the booster, and one probe prediction of a row of NaNs both
 * configures the learner (its first prediction does, under XGBoost's own
 * lock) and tells the output width: 1 for a score or a binary
 * probability, k for multi:softprob's k class probabilities.
 *
 * Predicting: XGBoosterPredictFromDense() on an __array_interface__
 * that points at the batch's doubles ("<f8", no copy), with NaN as the
 * missing value and the config 1.7.4 requires ("cache_id": 0, which its
 * c_api.h does not mention: without it every call fails with "Invalid
 * cast, from Null to Integer"). The result lives in a buffer XGBoost
 * keeps per thread and per booster, so it is copied out (as doubles)
 * before anything else runs on this thread.
 *
 * Threads: in-place prediction on tree boosters (gbtree, dart) is safe to
 * run from many threads at once in 1.7 (each call keeps its own feature
 * vectors, and the output buffer is thread-local; the Python package
 * documents the same guarantee), so those run without a lock; other
 * boosters (gblinear) take a mutex per model. tests/unit/
 * test_serve_flavor.c runs concurrent predictions and checks every one.
 *
 * Versions: XGBoost 2 and later write models that 1.7 is not guaranteed
 * to read right, so they are refused by the version the MLmodel file
 * names (flavor.c) or, for a JSON file, the one it records itself (its
 * last member, "version": [2, 0, 3], read from the file's tail).
 *
 * Memory: the resident set the load added (/proc/self/statm before and
 * after), and never less than the model file's size.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "serve/flavor_impl.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

struct xgb_model {
	BoosterHandle booster;
	size_t cols, width, memory;
	int locked;            /* predictions take lock (not a tree booster) */
	pthread_mutex_t lock;
};

/* In-place prediction's config for 1.7.4: see the top of this file. */
static const char predict_config[] =
	"{\"type\":0,\"training\":false,\"iteration_begin\":0,"
	"\"iteration_end\":0,\"strict_shape\":false,\"missing\":NaN,"
	"\"cache_id\":0}";

/*
 * XGBoost's last error without its decorations: the first line, less
 * the "[20:16:19] ./src/common/io.cc:102: " in front.
 */
static void xgb_message(char *out, size_t size)
{
	const char *s = XGBGetLastError(), *p;
	size_t n;

	if (!s || !*s)
		s = "unknown error";
	if (*s == '[' && (p = strstr(s, "] ")))
		s = p + 2;
	n = strcspn(s, " :\n");
	if (s[n] == ':' && s[n + 1] == ' ' && memchr(s, '.', n))
		s += n + 2;
	n = strcspn(s, "\n");
	snprintf(out, size, "%.*s", (int)n, s);
}

static int xgb_error(const char *path, const char *what)
{
	char msg[512];

	xgb_message(msg, sizeof(msg));
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': %s: %s", path, what, msg);
}

static size_t resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long size = 0, resident = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

int flavor_xgb_check_version(const char *where, const char *version)
{
	char *end;
	long major;
	int maj = 0, min = 0, patch = 0;

	if (!version)
		return 0;
	errno = 0;
	major = strtol(version, &end, 10);
	if (end != version && !errno && major >= 0 && major < 2)
		return 0;
	XGBoostVersion(&maj, &min, &patch);
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				"'%s': the model was saved by XGBoost %s; cairn "
				"loads models of XGBoost 1.x (it runs libxgboost "
				"%d.%d.%d)", where, version, maj, min, patch);
}

/* The version a JSON model records at its end ("2.0.3"), or "". */
static void json_model_version(const char *path, char *out, size_t size)
{
	char tail[512], *p;
	unsigned v[3];
	FILE *f = fopen(path, "re");
	size_t n = 0;
	long len;

	*out = '\0';
	if (!f)
		return;
	if (fgetc(f) == '{' && !fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 &&
	    !fseek(f, len > (long)sizeof(tail) - 1 ? len - (long)sizeof(tail) + 1 : 0,
		   SEEK_SET))
		n = fread(tail, 1, sizeof(tail) - 1, f);
	fclose(f);
	tail[n] = '\0';
	if (!n || !(p = strstr(tail, "\"version\"")))
		return;
	while (strstr(p + 1, "\"version\""))
		p = strstr(p + 1, "\"version\"");
	if (sscanf(p, "\"version\" : [ %u , %u , %u", &v[0], &v[1], &v[2]) == 3)
		snprintf(out, size, "%u.%u.%u", v[0], v[1], v[2]);
}

/* The booster's kind, from its JSON configuration ("gbtree", ...). */
static int tree_booster(BoosterHandle b)
{
	bst_ulong len = 0;
	const char *text = NULL;
	json_t *conf;
	const char *name;
	int tree;

	if (XGBoosterSaveJsonConfig(b, &len, &text) != 0 || !text)
		return 0;
	conf = json_loadb(text, len, 0, NULL);
	name = json_string_value(json_object_get(json_object_get(
		json_object_get(conf, "learner"), "gradient_booster"), "name"));
	tree = name && (!strcmp(name, "gbtree") || !strcmp(name, "dart"));
	json_decref(conf);
	return tree;
}

/*
 * Predict rows x cols doubles into *values (rows * width, allocated).
 * Returns 0, or -1 with XGBoost's message in msg.
 */
static int xgb_run(struct xgb_model *x, const double *data, size_t rows,
		   size_t cols, double **values, size_t *width, char *msg,
		   size_t msg_size)
{
	char iface[192];
	const bst_ulong *shape = NULL;
	bst_ulong dim = 0, total = 1;
	const float *result = NULL;
	int rc;

	snprintf(iface, sizeof(iface),
		 "{\"data\":[%" PRIuPTR ",true],\"shape\":[%zu,%zu],"
		 "\"typestr\":\"<f8\",\"version\":3}",
		 (uintptr_t)data, rows, cols);
	if (x->locked)
		pthread_mutex_lock(&x->lock);
	rc = XGBoosterPredictFromDense(x->booster, iface, predict_config, NULL,
				       &shape, &dim, &result);
	if (rc == 0) {
		for (bst_ulong i = 0; i < dim; i++)
			total *= shape[i];
		if (!dim || !rows || total % rows) {
			snprintf(msg, msg_size, "XGBoost answered %llu values "
				 "for %zu rows", (unsigned long long)total, rows);
			rc = -1;
		} else {
			*width = (size_t)(total / rows);
			*values = xcalloc((size_t)total, sizeof(double));
			for (bst_ulong i = 0; i < total; i++)
				(*values)[i] = result[i];
		}
	} else {
		xgb_message(msg, msg_size);
	}
	if (x->locked)
		pthread_mutex_unlock(&x->lock);
	return rc == 0 ? 0 : -1;
}

static void xgb_free(void *impl)
{
	struct xgb_model *x = impl;

	if (!x)
		return;
	if (x->booster)
		XGBoosterFree(x->booster);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

/* The feature names the booster carries, if it has one per feature. */
static char **feature_names(BoosterHandle b, size_t cols)
{
	bst_ulong len = 0;
	const char **names = NULL;
	char **out;

	if (XGBoosterGetStrFeatureInfo(b, "feature_name", &len, &names) != 0 ||
	    len != cols || !cols)
		return NULL;
	out = xcalloc(cols, sizeof(*out));
	for (size_t i = 0; i < cols; i++)
		out[i] = xstrdup(names[i] ? names[i] : "");
	return out;
}

int flavor_xgb_load(void **impl, struct flavor_shape *shape, const char *path,
		    unsigned threads)
{
	struct xgb_model *x = xcalloc(1, sizeof(*x));
	size_t before = resident_bytes(), after;
	bst_ulong cols = 0;
	char nthread[16], msg[512], version[64];
	double *probe_in = NULL, *probe_out = NULL;
	struct stat st;
	int err = 0;

	*impl = NULL;
	pthread_mutex_init(&x->lock, NULL);
	json_model_version(path, version, sizeof(version));
	if ((err = flavor_xgb_check_version(path, *version ? version : NULL)) < 0)
		goto fail;
	if (XGBoosterCreate(NULL, 0, &x->booster) != 0) {
		x->booster = NULL;
		err = xgb_error(path, "cannot create a booster");
		goto fail;
	}
	if (XGBoosterLoadModel(x->booster, path) != 0) {
		err = xgb_error(path, "cannot load the XGBoost model");
		goto fail;
	}
	snprintf(nthread, sizeof(nthread), "%u", threads ? threads : 1);
	if (XGBoosterSetParam(x->booster, "nthread", nthread) != 0 ||
	    XGBoosterGetNumFeature(x->booster, &cols) != 0) {
		err = xgb_error(path, "cannot read the XGBoost model");
		goto fail;
	}
	if (!cols) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s': the XGBoost model takes no features",
				       path);
		goto fail;
	}
	x->cols = (size_t)cols;
	x->locked = !tree_booster(x->booster);

	probe_in = xcalloc(x->cols, sizeof(double));
	for (size_t i = 0; i < x->cols; i++)
		probe_in[i] = (double)NAN;
	if (xgb_run(x, probe_in, 1, x->cols, &probe_out, &x->width, msg,
		    sizeof(msg)) < 0) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA,
				       "'%s': the XGBoost model does not predict: %s",
				       path, msg);
		goto fail;
	}
	free(probe_in);
	free(probe_out);

	after = resident_bytes();
	x->memory = after > before ? after - before : 0;
	if (!stat(path, &st) && (size_t)st.st_size > x->memory)
		x->memory = (size_t)st.st_size;
	shape->cols = x->cols;
	shape->names = feature_names(x->booster, x->cols);
	shape->memory = x->memory;
	*impl = x;
	return 0;
fail:
	free(probe_in);
	xgb_free(x);
	return err;
}

static int xgb_predict(void *impl, const struct serve_batch *in,
		       struct serve_predictions *out, struct serve_error *err)
{
	struct xgb_model *x = impl;
	char msg[400];

	if (in->cols != x->cols)
		return serve_error_set(err, 400, "BAD_REQUEST",
				       "the model takes %zu columns, the input has %zu",
				       x->cols, in->cols);
	/* The shape is right: XGBoost failing now is the model's fault. */
	if (xgb_run(x, in->values, in->rows, in->cols, &out->values,
		    &out->width, msg, sizeof(msg)) < 0) {
		serve_error_set(err, 400, "BAD_REQUEST",
				"XGBoost cannot predict this input: %s", msg);
		err->model_fault = 1;
		return -1;
	}
	out->rows = in->rows;
	return 0;
}

static size_t xgb_memory(void *impl)
{
	return ((struct xgb_model *)impl)->memory;
}

const struct flavor_ops flavor_xgb_ops = {
	.name = "xgboost",
	.predict = xgb_predict,
	.memory = xgb_memory,
	.free = xgb_free,
};
