/*
 * api_logged_models.c: MLflow 3's logged-model routes (mlflow-rest.md
 * 1.7, service.proto's CreateLoggedModel ... LogLoggedModelParamsRequest)
 * over libcairn's logged models, and the artifact proxy's view of a
 * model's files.
 *
 * Routes (under /api/2.0 and /ajax-api/2.0, as the proto declares them
 * "since 2.0"): POST logged-models (create), GET / PATCH (finalize) /
 * DELETE logged-models/{model_id}, POST logged-models/search, PATCH
 * logged-models/{model_id}/tags, DELETE logged-models/{model_id}/tags/
 * {tag_key}, GET logged-models/{model_id}/artifacts/directories, POST
 * logged-models/{model_id}/params. An unknown or deleted model is 404
 * RESOURCE_DOES_NOT_EXIST "Logged model with ID '...' not found.".
 *
 * A model's artifact_uri is mlflow-artifacts:/<exp>/models/<id>/artifacts,
 * so a 3.x client uploads its files through the proxy (api_artifacts.c
 * hands such paths to the api_model_proxy_* functions here), and they
 * land in the model's own artifact tree in the object store.
 *
 * Search supports what docs/api.md lists (logged_model_filter.c); what it
 * does not (metrics, datasets, OR, IN) is 400, never ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_model_proxy.h"
#include "server/api_tracking.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

#define BAD(res, ...) api_fail(res, 400, "INVALID_PARAMETER_VALUE", __VA_ARGS__)
#define MAX_SEARCH_RESULTS 1000

/* ------------------------------------------------------------- shapes */

static json_t *kv_list(const cairn_kv *kv, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "key", kv[i].key,
						      "value", kv[i].value));
	return list;
}

static char *artifact_uri(const cairn_logged_model *m)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "mlflow-artifacts:/%s/models/%s/artifacts", m->experiment_id,
		   m->model_id);
	return buf_detach(&b, NULL);
}

json_t *api_logged_model_json(const cairn_logged_model *m)
{
	json_t *info = json_object(), *data = json_object();
	char *uri = artifact_uri(m);

	json_object_set_new(info, "model_id", json_string(m->model_id));
	json_object_set_new(info, "experiment_id", json_string(m->experiment_id));
	json_object_set_new(info, "name", json_string(m->name));
	json_object_set_new(info, "creation_timestamp_ms",
			    json_integer(m->creation_time));
	json_object_set_new(info, "last_updated_timestamp_ms",
			    json_integer(m->last_update_time));
	json_object_set_new(info, "artifact_uri", json_string(uri));
	json_object_set_new(info, "status",
			    json_string(cairn_logged_model_status_name(m->status)));
	if (m->model_type)
		json_object_set_new(info, "model_type", json_string(m->model_type));
	if (m->source_run_id)
		json_object_set_new(info, "source_run_id",
				    json_string(m->source_run_id));
	if (m->ntags)
		json_object_set_new(info, "tags", kv_list(m->tags, m->ntags));
	if (m->nparams)
		json_object_set_new(data, "params", kv_list(m->params, m->nparams));
	if (m->nmetrics) {
		json_t *list = json_array();
		size_t i;

		for (i = 0; i < m->nmetrics; i++)
			json_array_append_new(list, api_model_metric_json(&m->metrics[i]));
		json_object_set_new(data, "metrics", list);
	}
	free(uri);
	return json_pack("{s:o, s:o}", "info", info, "data", data);
}

/* A Metric with MLflow 3's fields: model_id, run_id, dataset_*. */
json_t *api_model_metric_json(const cairn_model_metric *x)
{
	json_t *o = api_metric_json(&x->metric);

	json_object_set_new(o, "model_id", json_string(x->model_id));
	if (x->run_id)
		json_object_set_new(o, "run_id", json_string(x->run_id));
	if (x->dataset_name)
		json_object_set_new(o, "dataset_name", json_string(x->dataset_name));
	if (x->dataset_digest)
		json_object_set_new(o, "dataset_digest",
				    json_string(x->dataset_digest));
	return o;
}

/* The error of a call about a model: unknown is 404, as MLflow says. */
static int fail_model(struct api_result *res, int err)
{
	return api_fail_cairn(res, err);
}

static int respond_model(cairn_repo *repo, const char *model_id,
			 struct api_result *res)
{
	cairn_logged_model *m;
	int err;

	if ((err = cairn_logged_model_get(&m, repo, model_id)) < 0)
		return fail_model(res, err);
	res->body = json_pack("{s:o}", "model", api_logged_model_json(m));
	cairn_logged_model_free(m);
	return 0;
}

/* A list of {key, value}; *out (n+1 entries) borrows from the request. */
static int read_kvs(cairn_kv **out, size_t *n, json_t *params, const char *name,
		    struct api_result *res)
{
	json_t *list = NULL;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if (api_get_array(&list, params, name, 0, res) < 0)
		return -1;
	*n = json_array_size(list);
	*out = xcalloc(*n + 1, sizeof(**out));
	for (i = 0; i < *n; i++) {
		json_t *o = json_array_get(list, i);

		if (!json_is_object(o)) {
			free(*out);
			*out = NULL;
			return BAD(res, "Invalid value for parameter '%s': each entry "
				   "must be an object", name);
		}
		if (api_get_string(&(*out)[i].key, o, "key", 1, res) < 0 ||
		    (r = api_get_string(&(*out)[i].value, o, "value", 0, res)) < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		if (r == 1)
			(*out)[i].value = "";
	}
	return 0;
}

/* ------------------------------------------------------------- routes */

int api_logged_models_create(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	cairn_logged_model_create_options o = CAIRN_LOGGED_MODEL_CREATE_OPTIONS_INIT;
	cairn_experiment *e = NULL;
	cairn_logged_model *m = NULL;
	cairn_kv *kparams = NULL, *ktags = NULL;
	const char *exp;
	char buf[32];
	int err, ret = -1;

	if (api_get_experiment_id(&exp, buf, params, "experiment_id", 1, res) < 0 ||
	    api_get_string(&o.name, params, "name", 0, res) < 0 ||
	    api_get_string(&o.model_type, params, "model_type", 0, res) < 0 ||
	    api_get_string(&o.source_run_id, params, "source_run_id", 0, res) < 0 ||
	    read_kvs(&kparams, &o.nparams, params, "params", res) < 0 ||
	    read_kvs(&ktags, &o.ntags, params, "tags", res) < 0)
		goto done;
	if (api_find_experiment(&e, repo, exp, res) < 0)
		goto done;
	o.experiment = e->id;
	o.params = kparams;
	o.tags = ktags;
	if ((err = cairn_logged_model_create(&m, repo, &o)) < 0) {
		fail_model(res, err);
		goto done;
	}
	res->body = json_pack("{s:o}", "model", api_logged_model_json(m));
	ret = 0;
done:
	cairn_logged_model_free(m);
	cairn_experiment_free(e);
	free(kparams);
	free(ktags);
	return ret;
}

int api_logged_models_get(cairn_repo *repo, json_t *params,
			  struct api_result *res)
{
	const char *id;

	if (api_get_string(&id, params, "model_id", 1, res) < 0)
		return -1;
	return respond_model(repo, id, res);
}

int api_logged_models_finalize(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	cairn_logged_model_status status;
	json_t *v = json_object_get(params, "status");
	const char *id;
	char num[32];
	int err;

	if (api_get_string(&id, params, "model_id", 1, res) < 0)
		return -1;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		err = cairn_logged_model_status_parse(&status, num);
	} else if (json_is_string(v) && *json_string_value(v)) {
		err = cairn_logged_model_status_parse(&status, json_string_value(v));
	} else {
		return BAD(res, "Missing value for required parameter 'status'. See "
			   "the API docs for more information about request "
			   "parameters.");
	}
	if (err < 0 || (err = cairn_logged_model_finalize(repo, id, status)) < 0)
		return fail_model(res, err);
	return respond_model(repo, id, res);
}

int api_logged_models_delete(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	const char *id;
	int err;

	if (api_get_string(&id, params, "model_id", 1, res) < 0)
		return -1;
	err = cairn_logged_model_delete(repo, id);
	return err < 0 ? fail_model(res, err) : 0;
}

int api_logged_models_set_tags(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	cairn_kv *tags = NULL;
	const char *id;
	size_t n;
	int err;

	if (api_get_string(&id, params, "model_id", 1, res) < 0 ||
	    read_kvs(&tags, &n, params, "tags", res) < 0)
		return -1;
	err = cairn_logged_model_set_tags(repo, id, tags, n);
	free(tags);
	if (err < 0)
		return fail_model(res, err);
	return respond_model(repo, id, res);
}

int api_logged_models_delete_tag(cairn_repo *repo, json_t *params,
				 struct api_result *res)
{
	const char *id, *key;
	int err;

	if (api_get_string(&id, params, "model_id", 1, res) < 0 ||
	    api_get_string(&key, params, "tag_key", 1, res) < 0)
		return -1;
	err = cairn_logged_model_delete_tag(repo, id, key);
	return err < 0 ? fail_model(res, err) : 0;
}

int api_logged_models_log_params(cairn_repo *repo, json_t *params,
				 struct api_result *res)
{
	cairn_kv *kv = NULL;
	const char *id;
	size_t n;
	int err;

	if (api_get_string(&id, params, "model_id", 1, res) < 0 ||
	    read_kvs(&kv, &n, params, "params", res) < 0)
		return -1;
	err = cairn_logged_model_log_params(repo, id, kv, n);
	free(kv);
	if (err == CAIRN_EEXISTS)
		return BAD(res, "%s", cairn_error_last()->message);
	return err < 0 ? fail_model(res, err) : 0;
}

/* --------------------------------------------------------------- search */

static int read_orders(cairn_logged_model_order **out, size_t *n,
		       json_t *params, struct api_result *res)
{
	json_t *list = NULL;
	size_t i;

	*out = NULL;
	*n = 0;
	if (api_get_array(&list, params, "order_by", 0, res) < 0)
		return -1;
	*n = json_array_size(list);
	*out = xcalloc(*n + 1, sizeof(**out));
	for (i = 0; i < *n; i++) {
		json_t *o = json_array_get(list, i), *asc;

		if (!json_is_object(o))
			return BAD(res, "Invalid value for parameter 'order_by': each "
				   "entry must be an object with a field_name");
		if (api_get_string(&(*out)[i].field, o, "field_name", 1, res) < 0)
			return -1;
		asc = json_object_get(o, "ascending");
		if (asc && !json_is_boolean(asc) && !json_is_null(asc))
			return BAD(res, "Invalid value for parameter 'ascending': it "
				   "must be a boolean");
		(*out)[i].ascending = !json_is_false(asc);
		if (json_object_get(o, "dataset_name") ||
		    json_object_get(o, "dataset_digest"))
			return BAD(res, "Ordering logged models by dataset metrics is "
				   "not supported by cairn");
	}
	return 0;
}

static int add_model(const cairn_logged_model *m, void *payload)
{
	json_array_append_new(payload, api_logged_model_json(m));
	return 0;
}

int api_logged_models_search(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	cairn_logged_model_search_options o = CAIRN_LOGGED_MODEL_SEARCH_OPTIONS_INIT;
	cairn_logged_model_order *orders = NULL;
	json_t *exps = NULL, *datasets = NULL, *models = NULL;
	const char *token = NULL, **ids = NULL;
	char (*nums)[32] = NULL;
	int64_t max = 0;
	size_t i, n;
	int more = 0, err, ret = -1;

	if (api_get_list(&exps, params, "experiment_ids", res) < 0 ||
	    api_get_string(&o.filter, params, "filter", 0, res) < 0 ||
	    api_get_array(&datasets, params, "datasets", 0, res) < 0 ||
	    api_get_int64(&max, params, "max_results", 0, res) < 0 ||
	    api_get_string(&token, params, "page_token", 0, res) < 0 ||
	    read_orders(&orders, &o.norder_by, params, res) < 0 ||
	    api_page_token_parse(&o.offset, token, res) < 0)
		goto done;
	if (json_array_size(datasets)) {
		BAD(res, "Searching logged models by datasets is not supported by "
		    "cairn");
		goto done;
	}
	if (max < 0 || max > MAX_SEARCH_RESULTS) {
		BAD(res, "Invalid value for request parameter max_results. It must "
		    "be between 1 and %d, but got value %lld", MAX_SEARCH_RESULTS,
		    (long long)max);
		goto done;
	}
	n = api_list_size(exps);
	if (!n) {
		BAD(res, "Missing value for required parameter 'experiment_ids'. See "
		    "the API docs for more information about request parameters.");
		goto done;
	}
	ids = xcalloc(n, sizeof(*ids));
	nums = xcalloc(n, sizeof(*nums));
	for (i = 0; i < n; i++) {
		json_t *v = api_list_get(exps, i);

		if (json_is_integer(v)) {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
				 (long long)json_integer_value(v));
			ids[i] = nums[i];
		} else if (json_is_string(v)) {
			ids[i] = json_string_value(v);
		} else {
			BAD(res, "Invalid value for parameter 'experiment_ids': each id "
			    "must be a string");
			goto done;
		}
	}
	o.experiments = ids;
	o.nexperiments = n;
	o.order_by = orders;
	o.max_results = (size_t)max;
	models = json_array();
	if ((err = cairn_logged_models_search(&more, repo, &o, add_model,
					      models)) < 0) {
		api_fail_cairn(res, err);
		goto done;
	}
	res->body = json_object();
	if (json_array_size(models))
		json_object_set(res->body, "models", models);
	if (more) {
		char *next = api_page_token(o.offset + (max ? (size_t)max : 50));

		json_object_set_new(res->body, "next_page_token", json_string(next));
		free(next);
	}
	ret = 0;
done:
	json_decref(models);
	free(orders);
	free(ids);
	free(nums);
	return ret;
}

/* ------------------------------------------------------------ artifacts */

struct listing {
	json_t *files;
	const char *dir;
};

static int list_file(const cairn_artifact *a, void *payload)
{
	struct listing *l = payload;
	json_t *f;

	if (!a->is_dir && !strcmp(a->path, l->dir))
		return 0; /* a file was listed: nothing under it */
	f = json_pack("{s:s, s:b}", "path", a->path, "is_dir", a->is_dir);
	if (!a->is_dir)
		json_object_set_new(f, "file_size", json_integer((json_int_t)a->size));
	json_array_append_new(l->files, f);
	return 0;
}

int api_logged_models_list_artifacts(cairn_repo *repo, json_t *params,
				     struct api_result *res)
{
	cairn_logged_model *m = NULL;
	struct buf clean = BUF_INIT;
	const char *id, *path = NULL;
	json_t *files = NULL;
	char *uri;
	int err, ret = -1;

	if (api_get_string(&id, params, "model_id", 1, res) < 0 ||
	    api_get_string(&path, params, "artifact_directory_path", 0, res) < 0)
		return -1;
	if (http_artifact_path(&clean, path ? path : "") < 0) {
		BAD(res, "Invalid path");
		goto done;
	}
	if ((err = cairn_logged_model_get(&m, repo, id)) < 0) {
		fail_model(res, err);
		goto done;
	}
	files = json_array();
	{
		struct listing l = { files, buf_cstr(&clean) };

		err = cairn_logged_model_artifact_list(repo, id, buf_cstr(&clean),
						       list_file, &l);
	}
	if (err < 0 && err != CAIRN_ENOTFOUND) {
		api_fail_cairn(res, err);
		goto done;
	}
	uri = artifact_uri(m);
	res->body = json_pack("{s:s}", "root_uri", uri);
	free(uri);
	if (json_array_size(files))
		json_object_set(res->body, "files", files);
	ret = 0;
done:
	json_decref(files);
	cairn_logged_model_free(m);
	buf_release(&clean);
	return ret;
}

/* ----------------------------------------- the artifact proxy's models */

/*
 * The model named by a proxy path <exp>/models/<id>/..., if it exists in
 * that experiment: 0, 1 when there is no such model there, -1 on error.
 */
static int proxy_model(cairn_logged_model **out, cairn_repo *repo,
		       const char *exp, const char *model_id,
		       struct api_result *res)
{
	int err = cairn_logged_model_get(out, repo, model_id);

	if (err == CAIRN_ENOTFOUND || err == CAIRN_EINVALID)
		return 1;
	if (err < 0)
		return api_fail_cairn(res, err);
	if (strcmp((*out)->experiment_id, exp)) {
		cairn_logged_model_free(*out);
		*out = NULL;
		return 1;
	}
	return 0;
}

static void add_dir(json_t *files, const char *name)
{
	json_array_append_new(files, json_pack("{s:s, s:b}", "path", name,
					       "is_dir", 1));
}

static int add_model_dir(const cairn_logged_model *m, void *payload)
{
	add_dir(payload, m->model_id);
	return 0;
}

static int add_basename(const cairn_artifact *a, void *payload)
{
	struct listing *l = payload;
	const char *base = strrchr(a->path, '/');
	json_t *f;

	if (!a->is_dir && !strcmp(a->path, l->dir))
		return 0;
	f = json_pack("{s:s, s:b}", "path", base ? base + 1 : a->path, "is_dir",
		      a->is_dir);
	if (!a->is_dir)
		json_object_set_new(f, "file_size", json_integer((json_int_t)a->size));
	json_array_append_new(l->files, f);
	return 0;
}

/* The models of an experiment, to list or to tell whether it has any. */
static int experiment_models(cairn_repo *repo, const char *exp, json_t *files,
			     struct api_result *res)
{
	cairn_logged_model_search_options o = CAIRN_LOGGED_MODEL_SEARCH_OPTIONS_INIT;
	int more = 1, err = 0;

	o.experiments = &exp;
	o.nexperiments = 1;
	o.max_results = MAX_SEARCH_RESULTS;
	while (more && !err) {
		err = cairn_logged_models_search(&more, repo, &o, add_model_dir, files);
		o.offset += MAX_SEARCH_RESULTS;
	}
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

int api_model_proxy_list(cairn_repo *repo, const char *const comp[3], int depth,
			 const char *rel, json_t *files, struct api_result *res)
{
	cairn_logged_model *m = NULL;
	json_t *models;
	int err;

	if (depth == 1) {
		/* <exp>: its runs, and "models" if it has any */
		models = json_array();
		err = experiment_models(repo, comp[0], models, res);
		if (!err && json_array_size(models))
			add_dir(files, "models");
		json_decref(models);
		return err < 0 ? -1 : 1;
	}
	if (depth < 2 || strcmp(comp[1], "models"))
		return 1;
	if (depth == 2)
		return experiment_models(repo, comp[0], files, res);
	if ((err = proxy_model(&m, repo, comp[0], comp[2], res)) != 0)
		return err < 0 ? -1 : 0; /* an unknown directory lists as empty */
	if (!*rel) {
		add_dir(files, "artifacts");
	} else if (!strcmp(rel, "artifacts") || !strncmp(rel, "artifacts/", 10)) {
		const char *sub = rel[9] ? rel + 10 : "";
		struct listing l = { files, sub };

		err = cairn_logged_model_artifact_list(repo, comp[2], sub,
						       add_basename, &l);
		if (err < 0 && err != CAIRN_ENOTFOUND)
			err = api_fail_cairn(res, err);
		else
			err = 0;
	}
	cairn_logged_model_free(m);
	return err < 0 ? -1 : 0;
}

struct model_file {
	char *model_id;
	char *path;
};

static void model_file_free(void *p)
{
	struct model_file *s = p;

	free(s->model_id);
	free(s->path);
	free(s);
}

static int model_file_consume(cairn_repo *repo, void *state, int fd,
			      struct api_result *res)
{
	struct model_file *s = state;
	int err = cairn_logged_model_artifact_write_fd(repo, s->model_id, fd,
						       s->path);

	return err < 0 ? api_fail_cairn(res, err) : 0;
}

static int model_file_produce(cairn_repo *repo, void *state, int fd)
{
	struct model_file *s = state;

	return cairn_logged_model_artifact_read(repo, s->model_id, s->path, fd) < 0
		       ? -1 : 0;
}

static struct model_file *model_file_new(const char *model_id, const char *path)
{
	struct model_file *s = xmalloc(sizeof(*s));

	s->model_id = xstrdup(model_id);
	s->path = xstrdup(path);
	return s;
}

/* The file part of <exp>/models/<id>/artifacts/<file>, or NULL. */
static const char *model_file_path(const char *const comp[3], int depth,
				   const char *rel)
{
	if (depth < 3 || strcmp(comp[1], "models") ||
	    strncmp(rel, "artifacts/", 10) || !rel[10])
		return NULL;
	return rel + 10;
}

struct stat_file {
	const char *rel;
	int is_file;
	uint64_t size;
};

static int stat_file(const cairn_artifact *a, void *payload)
{
	struct stat_file *sf = payload;

	sf->is_file = !a->is_dir && !strcmp(a->path, sf->rel);
	sf->size = a->size;
	return 1;
}

int api_model_proxy_download(cairn_repo *repo, const char *const comp[3],
			     int depth, const char *rel, const char *shown,
			     struct http_stream *st, struct api_result *res)
{
	const char *file = model_file_path(comp, depth, rel);
	cairn_logged_model *m = NULL;
	struct stat_file sf = { file, 0, 0 };
	int err;

	if (!file)
		return 1;
	if ((err = proxy_model(&m, repo, comp[0], comp[2], res)) != 0)
		return err < 0 ? -1 : api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
					       "No such file or directory: '%s'",
					       shown);
	cairn_logged_model_free(m);
	err = cairn_logged_model_artifact_list(repo, comp[2], file, stat_file, &sf);
	if (err == CAIRN_ENOTFOUND)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"No such file or directory: '%s'", shown);
	if (err < 0)
		return api_fail_cairn(res, err);
	if (!sf.is_file)
		return BAD(res, "'%s' is a directory", shown);
	st->produce = model_file_produce;
	st->free_state = model_file_free;
	st->state = model_file_new(comp[2], file);
	st->length = (int64_t)sf.size;
	snprintf(st->content_type, sizeof(st->content_type), "%s",
		 http_guess_type(file));
	st->disposition = http_artifact_disposition(file);
	return 0;
}

int api_model_proxy_upload(cairn_repo *repo, const char *const comp[3],
			   int depth, const char *rel, struct http_stream *st,
			   struct api_result *res)
{
	const char *file = model_file_path(comp, depth, rel);
	cairn_logged_model *m = NULL;
	int err;

	if (!file)
		return 1;
	if ((err = proxy_model(&m, repo, comp[0], comp[2], res)) != 0)
		return err < 0 ? -1 : api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
					       "Logged model with ID '%s' not found "
					       "in experiment %s.", comp[2], comp[0]);
	cairn_logged_model_free(m);
	st->consume = model_file_consume;
	st->free_state = model_file_free;
	st->state = model_file_new(comp[2], file);
	return 0;
}
