/*
 * registry_metadata.c: the metadata JSON of a model version, the record
 * the project's seed asks to keep beside every model:
 *
 *	{"model_name": "churn", "model_version": 3, "semver": "1.2.0",
 *	 "content_id": "sha256:...", "stage": "Production",
 *	 "aliases": ["champion"], "source": "runs:/<id>/model",
 *	 "run_id": "<id>", "training_date": "2026-11-27T15:20:03Z",
 *	 "dataset_version": "train.csv@v2",
 *	 "datasets": [{"name": ..., "version": 2, "id": ..., "context": ...}],
 *	 "metrics": {"accuracy": 0.93}, "params": {"lr": "0.01"},
 *	 "flavors": [...], "signature": {...}, "files": 4, "size": 1234,
 *	 "registered_at": "...", "registered_by": "ana"}
 *
 * Everything comes from the registry and from the source run (its latest
 * metrics, params, and the data set versions it used): nothing is
 * invented, and what is not known (a version registered from a
 * directory has no run) is null. dataset_version is the first input with
 * context "training", else the first input.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "lib/registry.h"
#include "util/error.h"
#include "util/banned.h"

static json_t *iso_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (!ms)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

struct alias_list {
	json_t *list;
	uint64_t version;
};

static int add_alias(const char *alias, uint64_t version, void *payload)
{
	struct alias_list *a = payload;

	if (version == a->version)
		json_array_append_new(a->list, json_string(alias));
	return 0;
}

static int add_run(json_t *o, cairn_repo *repo, const char *run_id)
{
	json_t *metrics = json_object(), *params = json_object();
	json_t *datasets = json_array(), *chosen = json_null();
	const cairn_run_info *info;
	cairn_run *run;
	size_t i;
	int training = 0, err = cairn_run_get(&run, repo, run_id);

	if (err < 0) {
		json_decref(metrics);
		json_decref(params);
		json_decref(datasets);
		json_decref(chosen);
		return err;
	}
	info = cairn_run_info_get(run);
	json_object_set_new(o, "run_name", json_string(info->name));
	json_object_set_new(o, "experiment_id", json_string(info->experiment_id));
	json_object_set_new(o, "training_date",
			    iso_time(info->end_time ? info->end_time : info->start_time));
	for (i = 0; i < cairn_run_metric_count(run); i++) {
		const cairn_metric *m = cairn_run_metric(run, i);

		json_object_set_new(metrics, m->key,
				    isfinite(m->value) ? json_real(m->value) : json_null());
	}
	for (i = 0; i < cairn_run_param_count(run); i++)
		json_object_set_new(params, cairn_run_param(run, i)->key,
				    json_string(cairn_run_param(run, i)->value));
	for (i = 0; i < cairn_run_input_count(run); i++) {
		const cairn_run_input *in = cairn_run_input_get(run, i);
		char spec[1024];

		json_array_append_new(datasets,
				      json_pack("{s:s, s:I, s:s, s:s}", "name", in->name,
						"version", (json_int_t)in->version,
						"id", in->id, "context", in->context));
		snprintf(spec, sizeof(spec), "%s@v%llu", in->name,
			 (unsigned long long)in->version);
		if (json_is_null(chosen) ||
		    (!training && !strcmp(in->context, "training"))) {
			json_decref(chosen);
			chosen = json_string(spec);
			training = !strcmp(in->context, "training");
		}
	}
	json_object_set_new(o, "dataset_version", chosen);
	json_object_set_new(o, "datasets", datasets);
	json_object_set_new(o, "metrics", metrics);
	json_object_set_new(o, "params", params);
	cairn_run_free(run);
	return 0;
}

int cairn_model_metadata(cairn_buf *out, cairn_repo *repo, const char *name,
			 uint64_t version)
{
	cairn_model_version *v = NULL;
	char tree[CAIRN_OID_STRLEN + 1];
	struct alias_list a = { json_array(), version };
	json_t *o = NULL;
	char *text;
	int err;

	if ((err = cairn_model_version_get(&v, repo, name, version)) < 0 ||
	    (err = cairn_model_alias_foreach(repo, name, add_alias, &a)) < 0)
		goto done;
	cairn_oid_fmt(tree, &v->tree);
	o = json_pack("{s:s, s:I, s:o, s:s, s:s, s:s}", "model_name", v->name,
		      "model_version", (json_int_t)v->version, "semver",
		      v->semver ? json_string(v->semver) : json_null(), "content_id",
		      tree, "stage", cairn_stage_name(v->stage), "source", v->source);
	json_object_set_new(o, "run_id", v->run_id ? json_string(v->run_id) : json_null());
	json_object_set_new(o, "training_date", json_null());
	json_object_set_new(o, "dataset_version", json_null());
	if (v->run_id && (err = add_run(o, repo, v->run_id)) < 0)
		goto done;
	json_object_set_new(o, "aliases", a.list);
	a.list = NULL;
	json_object_set_new(o, "flavors", v->flavors ? json_loads(v->flavors, 0, NULL)
						     : json_null());
	json_object_set_new(o, "signature", v->signature
				? json_loads(v->signature, 0, NULL) : json_null());
	json_object_set_new(o, "files", json_integer((json_int_t)v->files));
	json_object_set_new(o, "size", json_integer((json_int_t)v->size));
	json_object_set_new(o, "description", json_string(v->description));
	json_object_set_new(o, "registered_at", iso_time(v->creation_time));
	json_object_set_new(o, "registered_by", json_string(v->user_id));
	text = json_dumps(o, JSON_INDENT(2));
	out->ptr = text;
	out->size = strlen(text);
	out->asize = out->size + 1;
done:
	json_decref(o);
	json_decref(a.list);
	cairn_model_version_free(v);
	return err;
}
