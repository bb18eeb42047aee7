/*
 * flavor.c: which flavor serves a model directory, and the dispatch of
 * serve_model_* to it (flavor.h).
 *
 * The rules, in order:
 *   1. With an MLmodel file (parsed by lib/mlmodel.c, as the registry
 *      does): flavor `xgboost` runs in process, on the file named by its
 *      `data` setting (MLflow writes model.json, model.ubj or the legacy
 *      model.xgb), unless its `xgb_version` is 2 or later, which is
 *      refused (the file formats moved on, and this build links
 *      libxgboost 1.7; flavor_xgb.c also reads the version a JSON model
 *      file records). Else `sklearn` runs in a worker, else
 *      `python_function` does. Any other flavor set is refused, naming
 *      the flavors found and the ones cairn serves.
 *   2. Without an MLmodel file: model.json or model.ubj (exactly one of
 *      them) is an XGBoost model.
 * A model file's name must stay inside the directory (no absolute path,
 * no "..").
 *
 * Columns: the model's own feature names when it has them (XGBoost's
 * feature_names, scikit-learn's feature_names_in_), else the names of
 * the MLmodel signature's inputs when their number agrees with the
 * model's (or the model does not say); the count likewise.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "serve/flavor.h"
#include "serve/flavor_impl.h"
#include "lib/mlmodel.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

struct serve_model {
	const struct flavor_ops *ops;
	void *impl;
	size_t cols;
	char **names;
};

static int model_error(const char *dir, const char *fmt, ...)
	CAIRN_PRINTF(2, 3);

static int model_error(const char *dir, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	int err;

	buf_printf(&msg, "'%s': ", dir);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_DATA, "%s",
			       buf_cstr(&msg));
	buf_release(&msg);
	return err;
}

static void free_names(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The input names (or count) of an MLmodel signature, when it has them. */
static void signature_columns(const char *signature, size_t *cols,
			      char ***names)
{
	json_t *sig = signature ? json_loads(signature, 0, NULL) : NULL;
	json_t *inputs = NULL, *col, *spec;
	const char *text = json_string_value(json_object_get(sig, "inputs"));
	size_t i, n;

	*cols = 0;
	*names = NULL;
	if (text)
		inputs = json_loads(text, 0, NULL);
	n = json_array_size(inputs);
	if (n == 1 && (spec = json_object_get(json_array_get(inputs, 0),
					      "tensor-spec"))) {
		/* A tensor of shape [-1, k]: k columns without names. */
		json_t *shape = json_object_get(spec, "shape");

		if (json_array_size(shape) == 2 &&
		    json_integer_value(json_array_get(shape, 1)) > 0)
			*cols = (size_t)json_integer_value(json_array_get(shape, 1));
		goto done;
	}
	json_array_foreach(inputs, i, col)
		if (!json_is_string(json_object_get(col, "name")))
			goto done;
	if (!n)
		goto done;
	*cols = n;
	*names = xcalloc(n, sizeof(**names));
	json_array_foreach(inputs, i, col)
		(*names)[i] = xstrdup(json_string_value(json_object_get(col, "name")));
done:
	json_decref(inputs);
	json_decref(sig);
}

/* A model file name from MLmodel: relative, inside the directory. */
static int safe_name(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2))
			return 0;
		p += n;
		p += *p == '/';
	}
	return 1;
}

static int load_xgb(struct serve_model *m, struct flavor_shape *shape,
		    const char *dir, const char *file,
		    const struct serve_flavor_options *opts)
{
	struct buf path = BUF_INIT;
	int err;

	if (!safe_name(file))
		return model_error(dir, "model file '%s' is outside the model directory",
				   file);
	buf_printf(&path, "%s/%s", dir, file);
	m->ops = &flavor_xgb_ops;
	err = flavor_xgb_load(&m->impl, shape, buf_cstr(&path), opts->threads);
	buf_release(&path);
	return err;
}

static int unsupported(const char *dir, const char *flavors)
{
	json_t *names = flavors ? json_loads(flavors, 0, NULL) : NULL, *v;
	struct buf list = BUF_INIT;
	size_t i;
	int err;

	json_array_foreach(names, i, v)
		buf_printf(&list, "%s'%s'", i ? ", " : "", json_string_value(v));
	err = model_error(dir, "cannot serve a model of flavor %s (cairn serves "
			  "xgboost in process, sklearn and python_function in "
			  "a worker)", list.len ? buf_cstr(&list) : "(none)");
	buf_release(&list);
	json_decref(names);
	return err;
}

static int load_mlmodel(struct serve_model *m, struct flavor_shape *shape,
			const char *dir, const struct buf *text,
			const struct serve_flavor_options *opts,
			size_t *sig_cols, char ***sig_names)
{
	struct mlmodel ml;
	struct buf what = BUF_INIT;
	json_t *confs = NULL, *conf, *worker = NULL;
	const char *flavor = NULL, *file;
	char *wire;
	int err;

	buf_printf(&what, "%s/MLmodel", dir);
	err = mlmodel_parse(&ml, text->ptr ? text->ptr : "", text->len,
			    buf_cstr(&what));
	buf_release(&what);
	if (err < 0)
		return err;
	signature_columns(ml.signature, sig_cols, sig_names);
	if (ml.flavor_conf)
		confs = json_loads(ml.flavor_conf, 0, NULL);

	if ((conf = json_object_get(confs, "xgboost"))) {
		file = json_string_value(json_object_get(conf, "data"));
		if ((err = flavor_xgb_check_version(dir, json_string_value(
				json_object_get(conf, "xgb_version")))) < 0)
			goto done;
		err = load_xgb(m, shape, dir, file ? file : "model.xgb", opts);
		goto done;
	}
	if (json_object_get(confs, "sklearn")) {
		flavor = "sklearn";
		m->ops = &flavor_sklearn_ops;
	} else if (json_object_get(confs, "python_function")) {
		flavor = "python_function";
		m->ops = &flavor_pyfunc_ops;
	} else {
		err = unsupported(dir, ml.flavors);
		goto done;
	}
	worker = json_pack("{s:s, s:O}", "flavor", flavor, "flavors", confs);
	wire = json_dumps(worker, JSON_COMPACT);
	err = flavor_worker_load(&m->impl, shape, dir, wire, opts);
	free(wire);
done:
	json_decref(worker);
	json_decref(confs);
	mlmodel_release(&ml);
	return err;
}

/* Without MLmodel: model.json or model.ubj, exactly one of them. */
static int load_bare(struct serve_model *m, struct flavor_shape *shape,
		     const char *dir, const struct serve_flavor_options *opts)
{
	static const char *const files[] = { "model.json", "model.ubj" };
	struct buf path = BUF_INIT;
	const char *found = NULL;
	int n = 0;

	for (size_t i = 0; i < 2; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, files[i]);
		if (fs_exists(buf_cstr(&path))) {
			found = files[i];
			n++;
		}
	}
	buf_release(&path);
	if (n == 1)
		return load_xgb(m, shape, dir, found, opts);
	if (n > 1)
		return model_error(dir, "no MLmodel file, and both model.json and "
				   "model.ubj: say which one in an MLmodel file");
	if (!fs_is_dir(dir))
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
					"'%s': no such model directory", dir);
	return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
				"'%s': no MLmodel file and no model file "
				"(model.json or model.ubj)", dir);
}

int serve_model_load(struct serve_model **out, const char *dir,
		     const struct serve_flavor_options *opts)
{
	static const struct serve_flavor_options defaults = { 0 };
	struct serve_model *m = xcalloc(1, sizeof(*m));
	struct flavor_shape shape = { 0 };
	struct buf path = BUF_INIT, text = BUF_INIT;
	size_t sig_cols = 0;
	char **sig_names = NULL;
	int err;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	buf_printf(&path, "%s/MLmodel", dir);
	err = fs_read_file_max(&text, buf_cstr(&path), MLMODEL_MAX_SIZE);
	if (err == CAIRN_ENOTFOUND)
		err = load_bare(m, &shape, dir, opts);
	else if (!err)
		err = load_mlmodel(m, &shape, dir, &text, opts, &sig_cols,
				   &sig_names);
	buf_release(&path);
	buf_release(&text);
	if (err < 0) {
		free_names(sig_names, sig_cols);
		free_names(shape.names, shape.cols);
		free(m);
		return err;
	}

	m->cols = shape.cols ? shape.cols : sig_cols;
	if (shape.names) {
		m->names = shape.names;
		free_names(sig_names, sig_cols);
	} else {
		if (sig_names && sig_cols == m->cols)
			m->names = sig_names;
		else
			free_names(sig_names, sig_cols);
	}
	*out = m;
	return 0;
}

const char *serve_model_flavor(const struct serve_model *m)
{
	return m->ops->name;
}

size_t serve_model_columns(const struct serve_model *m, char *const **names)
{
	if (names)
		*names = m->names;
	return m->cols;
}

size_t serve_model_memory(const struct serve_model *m)
{
	return m->ops->memory(m->impl);
}

int serve_model_predict(struct serve_model *m, const struct serve_batch *in,
			struct serve_predictions *out, struct serve_error *err)
{
	memset(out, 0, sizeof(*out));
	if (m->cols && in->cols != m->cols)
		return serve_error_set(err, 400, "BAD_REQUEST",
				       "the model takes %zu columns, the input has %zu",
				       m->cols, in->cols);
	if (!in->rows) {
		out->width = 1;
		return 0;
	}
	return m->ops->predict(m->impl, in, out, err);
}

void serve_model_free(struct serve_model *m)
{
	if (!m)
		return;
	m->ops->free(m->impl);
	free_names(m->names, m->cols);
	free(m);
}

int flavor_predictions_from_json(struct serve_predictions *out, json_t *preds,
				 size_t rows, struct serve_error *err)
{
	size_t i, j, width = 0;
	json_t *row, *v;
	int numbers = 1;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(preds) || json_array_size(preds) != rows) {
		json_decref(preds);
		return serve_error_set(err, 500, "INTERNAL_ERROR",
				       "the model answered %zu predictions for %zu rows",
				       json_array_size(preds), rows);
	}
	json_array_foreach(preds, i, row) {
		size_t w = json_is_array(row) ? json_array_size(row) : 1;

		if (i == 0)
			width = w;
		if (!w || w != width) {
			numbers = 0;
			break;
		}
		if (json_is_array(row)) {
			json_array_foreach(row, j, v)
				if (!json_is_number(v))
					numbers = 0;
		} else if (!json_is_number(row)) {
			numbers = 0;
		}
		if (!numbers)
			break;
	}
	out->rows = rows;
	if (!numbers) {
		out->width = 1;
		out->json = preds;
		return 0;
	}
	out->width = width;
	out->values = xcalloc(rows * width, sizeof(double));
	json_array_foreach(preds, i, row) {
		if (!json_is_array(row)) {
			out->values[i] = json_number_value(row);
			continue;
		}
		json_array_foreach(row, j, v)
			out->values[i * width + j] = json_number_value(v);
	}
	json_decref(preds);
	return 0;
}
