/*
 * api_tracking.c: the MLflow tracking routes (REST reference, section
 * 1.3) and what their handlers share: the entity shapes of section 1.2,
 * experiment ids, repeated fields, view types and page tokens.
 *
 * The handlers live in api_experiments.c (experiments) and api_runs.c
 * (runs, metrics, artifact listings). All of them call only the public
 * libcairn API and answer through struct api_result (api.h):
 *   - a response object is built with jansson and left in res->body, or
 *     res->body stays NULL for MLflow's empty {};
 *   - every client mistake is a 4xx with MLflow's error code, including
 *     the cases where MLflow 2.9.2 itself answered 500;
 *   - nothing is written before the whole request has been validated,
 *     where the library allows it (it validates keys and values on its
 *     own too, and the server passes its messages through).
 * Wire rules of the responses (section 1.1): snake_case, int64 as JSON
 * numbers, enums by name, unset fields omitted, empty lists omitted,
 * experiment ids as strings, both run_id and run_uuid in a RunInfo.
 * Artifact URIs are mlflow-artifacts:/<experiment>/<run>/artifacts, so
 * MLflow clients resolve them through the server's artifact proxy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_tracking.h"
#include "util/alloc.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/banned.h"

const struct api_route api_tracking_routes[] = {
	{ "POST", "/mlflow/experiments/create", api_experiments_create },
	{ "GET", "/mlflow/experiments/get", api_experiments_get },
	{ "GET", "/mlflow/experiments/get-by-name", api_experiments_get_by_name },
	{ "POST", "/mlflow/experiments/search", api_experiments_search },
	{ "GET", "/mlflow/experiments/search", api_experiments_search },
	{ "POST", "/mlflow/experiments/update", api_experiments_update },
	{ "POST", "/mlflow/experiments/delete", api_experiments_delete },
	{ "POST", "/mlflow/experiments/restore", api_experiments_restore },
	{ "POST", "/mlflow/experiments/set-experiment-tag", api_experiments_set_tag },
	{ "POST", "/mlflow/experiments/delete-experiment-tag",
	  api_experiments_delete_tag },
	{ "POST", "/mlflow/runs/create", api_runs_create },
	{ "POST", "/mlflow/runs/update", api_runs_update },
	{ "POST", "/mlflow/runs/delete", api_runs_delete },
	{ "POST", "/mlflow/runs/restore", api_runs_restore },
	{ "GET", "/mlflow/runs/get", api_runs_get },
	{ "POST", "/mlflow/runs/log-metric", api_runs_log_metric },
	{ "POST", "/mlflow/runs/log-parameter", api_runs_log_param },
	{ "POST", "/mlflow/runs/set-tag", api_runs_set_tag },
	{ "POST", "/mlflow/runs/delete-tag", api_runs_delete_tag },
	{ "POST", "/mlflow/runs/log-batch", api_runs_log_batch },
	{ "POST", "/mlflow/runs/log-model", api_runs_log_model },
	{ "POST", "/mlflow/runs/log-inputs", api_runs_log_inputs },
	{ "POST", "/mlflow/runs/search", api_runs_search },
	{ "GET", "/mlflow/metrics/get-history", api_metrics_get_history },
	{ "GET", "/mlflow/metrics/get-history-bulk", api_metrics_get_history_bulk },
	{ "GET", "/mlflow/metrics/get-history-bulk-interval",
	  api_metrics_get_history_bulk_interval },
	{ "GET", "/mlflow/artifacts/list", api_artifacts_list },
	/* MLflow 3's additions, last so that fuzz corpora keep their routes */
	{ "POST", "/mlflow/experiments/search-datasets",
	  api_experiments_search_datasets },
	{ "POST", "/mlflow/runs/outputs", api_runs_log_outputs },
	{ "POST", "/mlflow/logged-models", api_logged_models_create },
	{ "POST", "/mlflow/logged-models/search", api_logged_models_search },
	{ "GET", "/mlflow/logged-models/{model_id}", api_logged_models_get },
	{ "PATCH", "/mlflow/logged-models/{model_id}", api_logged_models_finalize },
	{ "DELETE", "/mlflow/logged-models/{model_id}", api_logged_models_delete },
	{ "PATCH", "/mlflow/logged-models/{model_id}/tags",
	  api_logged_models_set_tags },
	{ "DELETE", "/mlflow/logged-models/{model_id}/tags/{tag_key}",
	  api_logged_models_delete_tag },
	{ "GET", "/mlflow/logged-models/{model_id}/artifacts/directories",
	  api_logged_models_list_artifacts },
	{ "POST", "/mlflow/logged-models/{model_id}/params",
	  api_logged_models_log_params },
	{ NULL, NULL, NULL }
};

const api_handler api_grouped_handlers[] = {
	api_runs_log_metric, api_runs_log_param, api_runs_set_tag, NULL
};

/* ------------------------------------------------------------ fields */

int api_get_experiment_id(const char **out, char buf[32], json_t *params,
			  const char *name, int required,
			  struct api_result *res)
{
	json_t *v = json_object_get(params, name);

	if (json_is_integer(v)) {
		snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
		*out = buf;
		return 0;
	}
	return api_get_string(out, params, name, required, res);
}

static int decimal(const char *s)
{
	size_t n = strlen(s);

	return n && n < 19 && strspn(s, "0123456789") == n;
}

int api_find_experiment(cairn_experiment **out, cairn_repo *repo,
			const char *id, struct api_result *res)
{
	cairn_experiment *e = NULL;
	int err;

	*out = NULL;
	if (!decimal(id))
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"No Experiment with id=%s exists", id);
	err = cairn_experiment_lookup(&e, repo, id);
	/* The library falls back to names: an experiment named "7" is not id 7. */
	if (err == CAIRN_ENOTFOUND ||
	    (!err && strtoll(e->id, NULL, 10) != strtoll(id, NULL, 10))) {
		cairn_experiment_free(e);
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"No Experiment with id=%s exists", id);
	}
	if (err < 0)
		return api_fail_cairn(res, err);
	*out = e;
	return 0;
}

int api_get_list(json_t **out, json_t *params, const char *name,
		 struct api_result *res)
{
	json_t *v = json_object_get(params, name);

	if (!v || json_is_null(v))
		return 1;
	if (json_is_string(v) || json_is_number(v)) {
		*out = v;
		return 0;
	}
	return api_get_array(out, params, name, 0, res);
}

size_t api_list_size(json_t *list)
{
	if (!list)
		return 0;
	return json_is_array(list) ? json_array_size(list) : 1;
}

json_t *api_list_get(json_t *list, size_t i)
{
	if (json_is_array(list))
		return json_array_get(list, i);
	return i == 0 ? list : NULL;
}

cairn_view api_get_view(json_t *params, const char *name)
{
	static const char *const names[] = { "ACTIVE_ONLY", "DELETED_ONLY", "ALL" };
	json_t *v = json_object_get(params, name);
	long long n = 0;
	size_t i;

	if (json_is_array(v) && json_array_size(v) == 1)
		v = json_array_get(v, 0);
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		for (i = 0; i < 3; i++)
			if (!strcmp(s, names[i]))
				return (cairn_view)(i + 1);
		if (decimal(s))
			n = strtoll(s, NULL, 10);
	}
	return n >= 1 && n <= 3 ? (cairn_view)n : CAIRN_VIEW_ACTIVE;
}

/* -------------------------------------------------------- page tokens */

int api_page_token_parse(size_t *offset, const char *token,
			 struct api_result *res)
{
	struct buf raw = BUF_INIT;
	json_t *obj = NULL, *v;
	int ret = 0;

	*offset = 0;
	if (!token || !*token)
		return 0;
	if (base64_decode(&raw, token, strlen(token)) < 0) {
		ret = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "Invalid page token, could not base64-decode");
		goto done;
	}
	obj = json_loadb(buf_cstr(&raw), raw.len, 0, NULL);
	v = json_object_get(obj, "offset");
	if (json_is_string(v) && decimal(json_string_value(v)))
		*offset = (size_t)strtoll(json_string_value(v), NULL, 10);
	else if (json_is_integer(v) && json_integer_value(v) >= 0)
		*offset = (size_t)json_integer_value(v);
	else
		ret = api_fail(res, 400, "INVALID_PARAMETER_VALUE",
			       "Invalid page token, could not read an offset from it");
done:
	json_decref(obj);
	buf_release(&raw);
	return ret;
}

char *api_page_token(size_t offset)
{
	struct buf json = BUF_INIT, tok = BUF_INIT;

	buf_printf(&json, "{\"offset\": %zu}", offset);
	base64_encode(&tok, json.ptr, json.len);
	buf_release(&json);
	return buf_detach(&tok, NULL);
}

/* ----------------------------------------------------------- entities */

static int add_tag(const char *key, const char *value, void *payload)
{
	json_array_append_new(payload, json_pack("{s:s, s:s}", "key", key,
						 "value", value));
	return 0;
}

json_t *api_experiment_json(cairn_repo *repo, const cairn_experiment *e)
{
	json_t *o = json_object(), *tags = json_array();
	struct buf loc = BUF_INIT;

	buf_printf(&loc, "mlflow-artifacts:/%s", e->id);
	json_object_set_new(o, "experiment_id", json_string(e->id));
	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "artifact_location", json_string(loc.ptr));
	json_object_set_new(o, "lifecycle_stage", json_string(e->lifecycle_stage));
	json_object_set_new(o, "last_update_time", json_integer(e->last_update_time));
	json_object_set_new(o, "creation_time", json_integer(e->creation_time));
	/* Empty repeated fields are omitted, as MLflow emits them. */
	if (cairn_experiment_tag_foreach(repo, e->id, add_tag, tags) == 0 &&
	    json_array_size(tags))
		json_object_set_new(o, "tags", tags);
	else
		json_decref(tags);
	buf_release(&loc);
	return o;
}

json_t *api_run_info_json(const cairn_run_info *info)
{
	json_t *o = json_object();
	struct buf uri = BUF_INIT;

	buf_printf(&uri, "mlflow-artifacts:/%s/%s/artifacts", info->experiment_id,
		   info->run_id);
	json_object_set_new(o, "run_id", json_string(info->run_id));
	json_object_set_new(o, "run_uuid", json_string(info->run_id));
	if (info->name)
		json_object_set_new(o, "run_name", json_string(info->name));
	json_object_set_new(o, "experiment_id", json_string(info->experiment_id));
	if (info->user_id)
		json_object_set_new(o, "user_id", json_string(info->user_id));
	json_object_set_new(o, "status",
			    json_string(cairn_run_status_name(info->status)));
	json_object_set_new(o, "start_time", json_integer(info->start_time));
	if (info->end_time)
		json_object_set_new(o, "end_time", json_integer(info->end_time));
	json_object_set_new(o, "artifact_uri", json_string(uri.ptr));
	json_object_set_new(o, "lifecycle_stage",
			    json_string(info->lifecycle_stage ? info->lifecycle_stage
							      : "active"));
	buf_release(&uri);
	return o;
}

json_t *api_metric_json(const cairn_metric *m)
{
	return json_pack("{s:s, s:o, s:I, s:I}", "key", m->key, "value",
			 api_double(m->value), "timestamp", (json_int_t)m->timestamp,
			 "step", (json_int_t)m->step);
}

static json_t *kv_json(const cairn_kv *kv)
{
	return json_pack("{s:s, s:s}", "key", kv->key, "value",
			 kv->value ? kv->value : "");
}

/*
 * A cairn data input as an MLflow DatasetInput: the digest is the
 * version's content id (what runs/search's datasets.digest compares),
 * the source names the version, the context is the input tag MLflow uses.
 */
static json_t *input_json(const cairn_run_input *in)
{
	json_t *o = json_object(), *ds, *src;
	char *source;

	if (in->context && *in->context)
		json_object_set_new(o, "tags",
				    json_pack("[{s:s, s:s}]", "key", "mlflow.data.context",
					      "value", in->context));
	src = json_object();
	json_object_set_new(src, "uri", json_sprintf("cairn:%s@v%llu", in->name,
						     (unsigned long long)in->version));
	source = json_dumps(src, JSON_COMPACT);
	json_decref(src);
	ds = json_pack("{s:s, s:s, s:s, s:s}", "name", in->name, "digest", in->id,
		       "source_type", "cairn", "source", source ? source : "{}");
	free(source);
	json_object_set_new(o, "dataset", ds);
	return o;
}

/* An MLflow dataset record as the DatasetInput it was logged as. */
static json_t *record_json(const cairn_dataset_input *in)
{
	const cairn_dataset *d = &in->dataset;
	json_t *o = json_object(), *ds, *tags;
	size_t i;

	if (in->ntags) {
		tags = json_array();
		for (i = 0; i < in->ntags; i++)
			json_array_append_new(tags, kv_json(&in->tags[i]));
		json_object_set_new(o, "tags", tags);
	}
	ds = json_pack("{s:s, s:s, s:s, s:s}", "name", d->name, "digest", d->digest,
		       "source_type", d->source_type, "source", d->source);
	if (d->schema)
		json_object_set_new(ds, "schema", json_string(d->schema));
	if (d->profile)
		json_object_set_new(ds, "profile", json_string(d->profile));
	json_object_set_new(o, "dataset", ds);
	return o;
}

json_t *api_run_json(const cairn_run *run)
{
	json_t *data = json_object(), *inputs = json_object(), *list;
	json_t *outputs = json_object();
	size_t i, n;

	if ((n = cairn_run_metric_count(run))) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list,
					      api_metric_json(cairn_run_metric(run, i)));
		json_object_set_new(data, "metrics", list);
	}
	if ((n = cairn_run_param_count(run))) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, kv_json(cairn_run_param(run, i)));
		json_object_set_new(data, "params", list);
	}
	if ((n = cairn_run_tag_count(run))) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, kv_json(cairn_run_tag(run, i)));
		json_object_set_new(data, "tags", list);
	}
	list = json_array();
	n = cairn_run_input_count(run);
	for (i = 0; i < n; i++)
		json_array_append_new(list, input_json(cairn_run_input_get(run, i)));
	n = cairn_run_dataset_input_count(run);
	for (i = 0; i < n; i++)
		json_array_append_new(list,
				      record_json(cairn_run_dataset_input(run, i)));
	if (json_array_size(list))
		json_object_set_new(inputs, "dataset_inputs", list);
	else
		json_decref(list);
	if ((n = cairn_run_model_input_count(run))) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, json_pack("{s:s}", "model_id",
							      cairn_run_model_input(run, i)));
		json_object_set_new(inputs, "model_inputs", list);
	}
	if ((n = cairn_run_model_output_count(run))) {
		list = json_array();
		for (i = 0; i < n; i++) {
			const cairn_model_output *o = cairn_run_model_output(run, i);

			json_array_append_new(list, json_pack("{s:s, s:I}", "model_id",
							      o->model_id, "step",
							      (json_int_t)o->step));
		}
		json_object_set_new(outputs, "model_outputs", list);
	}
	return json_pack("{s:o, s:o, s:o, s:o}", "info",
			 api_run_info_json(cairn_run_info_get(run)), "data", data,
			 "inputs", inputs, "outputs", outputs);
}

int api_fail_run(struct api_result *res, int err, const char *run_id)
{
	if (err == CAIRN_ENOTFOUND)
		return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
				"Run with id=%s not found", run_id);
	if (err == CAIRN_EEXISTS)
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE", "%s",
				cairn_error_last()->message);
	return api_fail_cairn(res, err);
}
