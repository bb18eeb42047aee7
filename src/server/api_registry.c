/*
 * api_registry.c: MLflow's model registry routes (REST reference section
 * 1.4; filters 2.3 and 2.4; entity shapes 1.2) over libcairn's registry.
 *
 * Every handler validates the request, calls the public API and answers
 * with the library's JSON shapes (cairn_model_json,
 * cairn_model_version_json), so the command line's --json and these
 * answers never drift apart. Differences from MLflow, all towards client
 * errors being 4xx:
 *   - archive_existing_versions towards None or Archived is 400 (MLflow:
 *     500, which its client retries for a minute);
 *   - deleting a version in Production or holding an alias, or a model
 *     with one, is 409 RESOURCE_CONFLICT (cairn's controls; the command
 *     line can force it);
 *   - a source cairn cannot pin (not runs:/ nor mlflow-artifacts:/ of a
 *     known run's directory, nor models:/ of a known logged model) is 400.
 * get-download-uri answers mlflow-artifacts:/registered-models/NAME/N,
 * where the artifact proxy serves the version's pinned, verified content
 * (api_version_proxy.c): never the source run's directory, which can
 * change after registration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_registry.h"
#include "server/api_tracking.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

const struct api_route api_registry_routes[] = {
	{ "POST", "/mlflow/registered-models/create", api_models_create },
	{ "GET", "/mlflow/registered-models/get", api_models_get },
	{ "POST", "/mlflow/registered-models/rename", api_models_rename },
	{ "PATCH", "/mlflow/registered-models/update", api_models_update },
	{ "DELETE", "/mlflow/registered-models/delete", api_models_delete },
	{ "GET", "/mlflow/registered-models/search", api_models_search },
	{ "POST", "/mlflow/registered-models/set-tag", api_models_set_tag },
	{ "DELETE", "/mlflow/registered-models/delete-tag", api_models_delete_tag },
	{ "POST", "/mlflow/registered-models/alias", api_models_alias_set },
	{ "DELETE", "/mlflow/registered-models/alias", api_models_alias_delete },
	{ "GET", "/mlflow/registered-models/alias", api_models_alias_get },
	{ "POST", "/mlflow/registered-models/get-latest-versions", api_models_latest },
	{ "GET", "/mlflow/registered-models/get-latest-versions", api_models_latest },
	{ "POST", "/mlflow/model-versions/create", api_versions_create },
	{ "GET", "/mlflow/model-versions/get", api_versions_get },
	{ "PATCH", "/mlflow/model-versions/update", api_versions_update },
	{ "DELETE", "/mlflow/model-versions/delete", api_versions_delete },
	{ "GET", "/mlflow/model-versions/search", api_versions_search },
	{ "POST", "/mlflow/model-versions/set-tag", api_versions_set_tag },
	{ "DELETE", "/mlflow/model-versions/delete-tag", api_versions_delete_tag },
	{ "POST", "/mlflow/model-versions/transition-stage", api_versions_transition },
	{ "GET", "/mlflow/model-versions/get-download-uri", api_versions_download_uri },
	{ "POST", "/cairn/models/promote", api_cairn_models_promote },
	{ "POST", "/cairn/models/rollback", api_cairn_models_rollback },
	{ "GET", "/cairn/models/history", api_cairn_models_history },
	{ "GET", "/cairn/models/at", api_cairn_models_at },
	{ "GET", "/cairn/models/resolve", api_cairn_models_resolve },
	{ "GET", "/cairn/models/metadata", api_cairn_models_metadata },
	{ NULL, NULL, NULL }
};

/* ------------------------------------------------------------- helpers */

/* The text of a library JSON answer as a value, under key in res->body. */
static int answer(struct api_result *res, const char *key, cairn_buf *text)
{
	json_t *v = json_loadb(text->ptr, text->size, 0, NULL);

	cairn_buf_dispose(text);
	res->body = json_object();
	json_object_set_new(res->body, key, v);
	return 0;
}

static int model_answer(struct api_result *res, cairn_repo *repo,
			const char *name)
{
	cairn_buf text = CAIRN_BUF_INIT;
	cairn_model *m = NULL;
	int err;

	if ((err = cairn_model_get(&m, repo, name)) == 0)
		err = cairn_model_json(&text, repo, m);
	cairn_model_free(m);
	if (err < 0)
		return api_fail_cairn(res, err);
	return answer(res, "registered_model", &text);
}

static int version_answer(struct api_result *res, cairn_repo *repo,
			  const cairn_model_version *v)
{
	cairn_buf text = CAIRN_BUF_INIT;
	int err = cairn_model_version_json(&text, repo, v, 0);

	if (err < 0)
		return api_fail_cairn(res, err);
	return answer(res, "model_version", &text);
}

/* name, and version as a number or a decimal string. */
static int version_params(const char **name, uint64_t *version, json_t *params,
			  struct api_result *res)
{
	int64_t n;

	*version = 0; /* gcc -O2 cannot tell that api_fail() returns -1 */
	if (api_get_string(name, params, "name", 1, res) < 0 ||
	    api_get_int64(&n, params, "version", 1, res) < 0)
		return -1;
	if (n < 1)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"Model Version (name=%s, version=%lld) not found",
				*name, (long long)n);
	*version = (uint64_t)n;
	return 0;
}

/* tags: [{key, value}] into an array of cairn_kv (borrowed). */
static int read_tags(cairn_kv **out, size_t *n, json_t *params,
		     struct api_result *res)
{
	json_t *tags = NULL, *t;
	size_t i;
	int r = api_get_array(&tags, params, "tags", 0, res);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	*out = xcalloc(json_array_size(tags) + 1, sizeof(**out));
	json_array_foreach(tags, i, t) {
		const char *key, *value = "";

		if (!json_is_object(t) || api_get_string(&key, t, "key", 1, res) < 0 ||
		    api_get_string(&value, t, "value", 0, res) < 0) {
			free(*out);
			*out = NULL;
			return json_is_object(t) ? -1
				: api_fail(res, 400, "INVALID_PARAMETER_VALUE",
					   "Invalid value for parameter 'tags': each "
					   "tag is an object with a key and a value");
		}
		(*out)[*n].key = key;
		(*out)[(*n)++].value = value;
	}
	return 0;
}

/* order_by as a list of strings (borrowed) in *out (caller frees). */
static int read_order(const char ***out, size_t *n, json_t *params,
		      struct api_result *res)
{
	json_t *list = NULL;
	size_t i;
	int r = api_get_list(&list, params, "order_by", res);

	*out = NULL;
	*n = 0;
	if (r < 0)
		return -1;
	*out = xcalloc(api_list_size(list) + 1, sizeof(**out));
	for (i = 0; i < api_list_size(list); i++) {
		json_t *v = api_list_get(list, i);

		if (!json_is_string(v)) {
			free(*out);
			*out = NULL;
			return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
					"Invalid value for parameter 'order_by': a "
					"list of strings");
		}
		(*out)[(*n)++] = json_string_value(v);
	}
	return 0;
}

/* --------------------------------------------------- registered models */

int api_models_create(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *name, *description = NULL;
	cairn_kv *tags;
	size_t ntags;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&description, params, "description", 0, res) < 0 ||
	    read_tags(&tags, &ntags, params, res) < 0)
		return -1;
	err = cairn_model_create(repo, name, description, tags, ntags);
	free(tags);
	if (err < 0)
		return api_fail_cairn(res, err);
	return model_answer(res, repo, name);
}

int api_models_get(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *name;

	if (api_get_string(&name, params, "name", 1, res) < 0)
		return -1;
	return model_answer(res, repo, name);
}

int api_models_rename(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *name, *new_name;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&new_name, params, "new_name", 1, res) < 0)
		return -1;
	if ((err = cairn_model_rename(repo, name, new_name)) < 0)
		return api_fail_cairn(res, err);
	return model_answer(res, repo, new_name);
}

int api_models_update(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *name, *description;
	int err, r;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    (r = api_get_string(&description, params, "description", 0, res)) < 0)
		return -1;
	if (r == 0 && (err = cairn_model_describe(repo, name, description)) < 0)
		return api_fail_cairn(res, err);
	return model_answer(res, repo, name);
}

int api_models_delete(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *name;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0)
		return -1;
	if ((err = cairn_model_delete(repo, name, 0)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

struct rows {
	cairn_repo *repo;
	json_t *list;
	int err;
};

static int add_model(const cairn_model *m, void *payload)
{
	struct rows *r = payload;
	cairn_buf text = CAIRN_BUF_INIT;

	if ((r->err = cairn_model_json(&text, r->repo, m)) < 0)
		return r->err;
	json_array_append_new(r->list, json_loadb(text.ptr, text.size, 0, NULL));
	cairn_buf_dispose(&text);
	return 0;
}

static int add_version(const cairn_model_version *v, void *payload)
{
	struct rows *r = payload;
	cairn_buf text = CAIRN_BUF_INIT;

	if ((r->err = cairn_model_version_json(&text, r->repo, v, 0)) < 0)
		return r->err;
	json_array_append_new(r->list, json_loadb(text.ptr, text.size, 0, NULL));
	cairn_buf_dispose(&text);
	return 0;
}

/* The search of both kinds: rows under key, and next_page_token. */
static int search(cairn_repo *repo, json_t *params, struct api_result *res,
		  int versions)
{
	cairn_model_search_options so = CAIRN_MODEL_SEARCH_OPTIONS_INIT;
	struct rows r = { repo, json_array(), 0 };
	cairn_buf next = CAIRN_BUF_INIT;
	const char **order = NULL;
	int64_t max;
	int got, err;

	if (api_get_string(&so.filter, params, "filter", 0, res) < 0 ||
	    api_get_string(&so.page_token, params, "page_token", 0, res) < 0 ||
	    (got = api_get_int64(&max, params, "max_results", 0, res)) < 0 ||
	    read_order(&order, &so.norder_by, params, res) < 0) {
		json_decref(r.list);
		return -1;
	}
	if (got == 0 && max < 1) {
		json_decref(r.list);
		free(order);
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for max_results. It must be a positive "
				"integer, but got %lld", (long long)max);
	}
	so.max_results = got == 0 ? (size_t)max : 0;
	so.order_by = order;
	err = versions ? cairn_model_versions_search(&next, repo, &so, add_version, &r)
		       : cairn_models_search(&next, repo, &so, add_model, &r);
	free(order);
	if (err < 0) {
		json_decref(r.list);
		cairn_buf_dispose(&next);
		return api_fail_cairn(res, err);
	}
	res->body = json_object();
	if (json_array_size(r.list))
		json_object_set(res->body, versions ? "model_versions"
					       : "registered_models", r.list);
	if (next.ptr)
		json_object_set_new(res->body, "next_page_token", json_string(next.ptr));
	json_decref(r.list);
	cairn_buf_dispose(&next);
	return 0;
}

int api_models_search(cairn_repo *repo, json_t *params, struct api_result *res)
{
	return search(repo, params, res, 0);
}

int api_models_set_tag(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *name, *key, *value = "";
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&key, params, "key", 1, res) < 0 ||
	    api_get_string(&value, params, "value", 0, res) < 0)
		return -1;
	if ((err = cairn_model_set_tag(repo, name, key, value)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_models_delete_tag(cairn_repo *repo, json_t *params,
			  struct api_result *res)
{
	const char *name, *key;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&key, params, "key", 1, res) < 0)
		return -1;
	if ((err = cairn_model_delete_tag(repo, name, key)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_models_alias_set(cairn_repo *repo, json_t *params,
			 struct api_result *res)
{
	const char *name, *alias;
	uint64_t version = 0;
	int64_t n;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0 ||
	    api_get_int64(&n, params, "version", 1, res) < 0)
		return -1;
	version = n > 0 ? (uint64_t)n : 0;
	if ((err = cairn_model_alias_set(repo, name, alias, version)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_models_alias_delete(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	const char *name, *alias;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0)
		return -1;
	if ((err = cairn_model_alias_delete(repo, name, alias)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_models_alias_get(cairn_repo *repo, json_t *params,
			 struct api_result *res)
{
	cairn_model_version *v = NULL;
	cairn_model *m = NULL;
	struct buf uri = BUF_INIT;
	const char *name, *alias;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&alias, params, "alias", 1, res) < 0)
		return -1;
	if ((err = cairn_model_get(&m, repo, name)) < 0)
		return api_fail_cairn(res, err);
	cairn_model_free(m);
	buf_printf(&uri, "models:/%s@%s", name, alias);
	err = cairn_model_resolve(&v, repo, uri.ptr);
	buf_release(&uri);
	/* MLflow: an unknown alias is the caller's bad parameter (400). */
	if (err == CAIRN_ENOTFOUND || err == CAIRN_EINVALID)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Registered model alias %s not found.", alias);
	if (err < 0)
		return api_fail_cairn(res, err);
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

int api_models_latest(cairn_repo *repo, json_t *params, struct api_result *res)
{
	struct rows r = { repo, json_array(), 0 };
	cairn_stage *stages = NULL;
	json_t *list = NULL;
	const char *name;
	size_t i, n = 0;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_list(&list, params, "stages", res) < 0) {
		json_decref(r.list);
		return -1;
	}
	stages = xcalloc(api_list_size(list) + 1, sizeof(*stages));
	for (i = 0, err = 0; i < api_list_size(list) && !err; i++) {
		json_t *s = api_list_get(list, i);

		err = cairn_stage_parse(&stages[n++], json_is_string(s)
					? json_string_value(s) : "");
	}
	if (!err)
		err = cairn_model_latest_versions(repo, name, stages, n, add_version, &r);
	free(stages);
	if (err < 0) {
		json_decref(r.list);
		return api_fail_cairn(res, err);
	}
	res->body = json_object();
	if (json_array_size(r.list))
		json_object_set(res->body, "model_versions", r.list);
	json_decref(r.list);
	return 0;
}

/* ----------------------------------------------------- model versions */

int api_versions_create(cairn_repo *repo, json_t *params,
			struct api_result *res)
{
	cairn_model_register_options o = CAIRN_MODEL_REGISTER_OPTIONS_INIT;
	cairn_model_version *v = NULL;
	cairn_model *m = NULL;
	const char *name;
	cairn_kv *tags;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0 ||
	    api_get_string(&o.source, params, "source", 1, res) < 0 ||
	    api_get_string(&o.run, params, "run_id", 0, res) < 0 ||
	    api_get_string(&o.run_link, params, "run_link", 0, res) < 0 ||
	    api_get_string(&o.description, params, "description", 0, res) < 0 ||
	    read_tags(&tags, &o.ntags, params, res) < 0)
		return -1;
	if (o.run && !*o.run)
		o.run = NULL;
	o.tags = tags;
	if ((err = cairn_model_get(&m, repo, name)) < 0) {
		free(tags);
		return api_fail_cairn(res, err);
	}
	cairn_model_free(m);
	err = cairn_model_register(&v, repo, name, &o);
	free(tags);
	/* The model exists: anything not found is in the source. */
	if (err == CAIRN_ENOTFOUND)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE", "%s",
				cairn_error_last()->message);
	if (err < 0)
		return api_fail_cairn(res, err);
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

/* Look the version named by the request up: 0, or -1 with res set. */
static int find_version(cairn_model_version **v, cairn_repo *repo,
			json_t *params, struct api_result *res)
{
	const char *name;
	uint64_t version = 0;
	int err;

	*v = NULL;
	if (version_params(&name, &version, params, res) < 0)
		return -1;
	if ((err = cairn_model_version_get(v, repo, name, version)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_versions_get(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_model_version *v;
	int err;

	if (find_version(&v, repo, params, res) < 0)
		return -1;
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

int api_versions_update(cairn_repo *repo, json_t *params,
			struct api_result *res)
{
	cairn_model_version *v = NULL;
	const char *name, *description;
	uint64_t version = 0;
	int err, r;

	if (version_params(&name, &version, params, res) < 0 ||
	    (r = api_get_string(&description, params, "description", 0, res)) < 0)
		return -1;
	if ((r == 0 && (err = cairn_model_version_describe(repo, name, version,
							   description)) < 0) ||
	    (err = cairn_model_version_get(&v, repo, name, version)) < 0)
		return api_fail_cairn(res, err);
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

int api_versions_delete(cairn_repo *repo, json_t *params,
			struct api_result *res)
{
	const char *name;
	uint64_t version = 0;
	int err;

	if (version_params(&name, &version, params, res) < 0)
		return -1;
	if ((err = cairn_model_version_delete(repo, name, version, 0)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_versions_search(cairn_repo *repo, json_t *params,
			struct api_result *res)
{
	return search(repo, params, res, 1);
}

int api_versions_set_tag(cairn_repo *repo, json_t *params,
			 struct api_result *res)
{
	const char *name, *key, *value = "";
	uint64_t version = 0;
	int err;

	if (version_params(&name, &version, params, res) < 0 ||
	    api_get_string(&key, params, "key", 1, res) < 0 ||
	    api_get_string(&value, params, "value", 0, res) < 0)
		return -1;
	if ((err = cairn_model_version_set_tag(repo, name, version, key, value)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_versions_delete_tag(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	const char *name, *key;
	uint64_t version = 0;
	int err;

	if (version_params(&name, &version, params, res) < 0 ||
	    api_get_string(&key, params, "key", 1, res) < 0)
		return -1;
	if ((err = cairn_model_version_delete_tag(repo, name, version, key)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_versions_transition(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	cairn_model_version *v = NULL;
	const char *name, *stage_name;
	json_t *archive = json_object_get(params, "archive_existing_versions");
	cairn_stage stage;
	uint64_t version = 0;
	int err, flag = 0;

	if (version_params(&name, &version, params, res) < 0 ||
	    api_get_string(&stage_name, params, "stage", 1, res) < 0)
		return -1;
	if (json_is_boolean(archive))
		flag = json_is_true(archive);
	else if (json_is_string(archive) && (!strcmp(json_string_value(archive), "true") ||
					     !strcmp(json_string_value(archive), "false")))
		flag = !strcmp(json_string_value(archive), "true");
	else if (archive && !json_is_null(archive))
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"Invalid value for parameter "
				"'archive_existing_versions': a boolean");
	if ((err = cairn_stage_parse(&stage, stage_name)) < 0 ||
	    (err = cairn_model_version_transition(repo, name, version, stage,
						  flag)) < 0 ||
	    (err = cairn_model_version_get(&v, repo, name, version)) < 0)
		return api_fail_cairn(res, err);
	err = version_answer(res, repo, v);
	cairn_model_version_free(v);
	return err;
}

int api_versions_download_uri(cairn_repo *repo, json_t *params,
			      struct api_result *res)
{
	cairn_model_version *v;
	struct buf uri = BUF_INIT;

	if (find_version(&v, repo, params, res) < 0)
		return -1;
	/* The pinned content, where the artifact proxy serves it. */
	buf_printf(&uri, "mlflow-artifacts:/registered-models/%s/%llu", v->name,
		   (unsigned long long)v->version);
	res->body = json_pack("{s:s}", "artifact_uri", uri.ptr);
	buf_release(&uri);
	cairn_model_version_free(v);
	return 0;
}
