/*
 * api_runs.c: MLflow's run routes (create, update, delete, restore, get,
 * log-metric, log-parameter, set-tag, delete-tag, log-batch, log-model,
 * log-inputs, outputs, search), metric histories (get-history and the UI's bulk
 * and bulk-interval forms) and run artifact listings, over libcairn.
 *
 * Conventions of the handlers here:
 *   - the run is named by run_id, or the legacy run_uuid;
 *   - an unknown run is 404 "Run with id=ID not found", a deleted one 400
 *     (the library's "must be in the 'active' state"), except where MLflow
 *     answers an unknown run with an empty 200 (metric histories);
 *   - every field is checked before anything is written, so a refused
 *     request leaves the store as it was (runs/create validates its tags
 *     before it creates the run; log-batch is one transaction).
 *
 * Data set inputs: a DatasetInput whose dataset names a cairn data set
 * of the store and whose digest names one of its versions ("vN", "N" or
 * a prefix of the content id) is recorded as an input of that version
 * (cairn_log_input: lineage follows it), and runs show it back as a
 * DatasetInput whose digest is the full content id. Every other one is
 * an MLflow dataset record (cairn_log_dataset_inputs), kept and shown
 * back as given, with MLflow's rules: once per (experiment, name,
 * digest), logging the same input again changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_tracking.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

#define BAD(res, ...) api_fail(res, 400, "INVALID_PARAMETER_VALUE", __VA_ARGS__)

#define MAX_BATCH_METRICS 1000
#define MAX_BATCH_PARAMS_TAGS 100
#define MAX_BATCH_ENTITIES 1000
#define MAX_BATCH_REQUEST_BYTES 1000000
#define DEFAULT_SEARCH_RESULTS 1000
#define MAX_BULK_RUNS 20
#define MAX_BULK_RESULTS 25000
#define MAX_INTERVAL_RUNS 100
#define MAX_INTERVAL_RESULTS 2500

#define LOGGED_MODELS_TAG "mlflow.log-model.history"
#define DATA_CONTEXT_TAG "mlflow.data.context"

/* --------------------------------------------------------------- shared */

/* A {key, value} object of a request; a missing value is "". */
static int read_kv(cairn_kv *kv, json_t *obj, const char *what,
		   struct api_result *res)
{
	int r;

	if (!json_is_object(obj))
		return BAD(res, "Invalid value for parameter '%s': each entry must "
			   "be an object", what);
	if (api_get_string(&kv->key, obj, "key", 1, res) < 0 ||
	    (r = api_get_string(&kv->value, obj, "value", 0, res)) < 0)
		return -1;
	if (r == 1)
		kv->value = "";
	return 0;
}

static int respond_run(cairn_repo *repo, const char *run_id,
		       struct api_result *res)
{
	cairn_run *run;
	int err;

	if ((err = cairn_run_get(&run, repo, run_id)) < 0)
		return api_fail_run(res, err, run_id);
	res->body = json_pack("{s:o}", "run", api_run_json(run));
	cairn_run_free(run);
	return 0;
}

/* -------------------------------------------------------------- create */

static const char *find_kv(const cairn_kv *kv, size_t n, const char *key)
{
	size_t i;
	const char *v = NULL;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			v = kv[i].value; /* the last one wins, as a later set-tag */
	return v;
}

int api_runs_create(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_run_create_options opts = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_buf id = CAIRN_BUF_INIT;
	cairn_experiment *e = NULL;
	cairn_run *parent = NULL;
	cairn_kv *tags = NULL;
	const char *exp, *user = NULL, *name = NULL, *tag_name, *parent_id;
	json_t *list = NULL;
	int64_t start = 0;
	size_t i, n = 0;
	char buf[32];
	int err, ret = -1;

	if (api_get_experiment_id(&exp, buf, params, "experiment_id", 1, res) < 0 ||
	    api_get_string(&user, params, "user_id", 0, res) < 0 ||
	    api_get_string(&name, params, "run_name", 0, res) < 0 ||
	    api_get_int64(&start, params, "start_time", 0, res) < 0 ||
	    api_get_array(&list, params, "tags", 0, res) < 0)
		return -1;
	n = json_array_size(list);
	tags = xcalloc(n + 1, sizeof(*tags));
	for (i = 0; i < n; i++) {
		if (read_kv(&tags[i], json_array_get(list, i), "tags", res) < 0)
			goto done;
		if ((err = cairn_validate("tag", tags[i].key, tags[i].value)) < 0) {
			api_fail_cairn(res, err);
			goto done;
		}
	}
	if (name && !*name)
		name = NULL;
	tag_name = find_kv(tags, n, "mlflow.runName");
	if (name && tag_name && strcmp(name, tag_name)) {
		BAD(res, "Both 'run_name' argument and 'mlflow.runName' tag are "
		    "specified, but with different values (run_name='%s', "
		    "mlflow.runName='%s').", name, tag_name);
		goto done;
	}
	if (api_find_experiment(&e, repo, exp, res) < 0)
		goto done;
	/* A parent the store knows becomes the run's parent; else a plain tag. */
	parent_id = find_kv(tags, n, "mlflow.parentRunId");
	if (parent_id && cairn_run_get(&parent, repo, parent_id) == 0)
		opts.parent_run_id = parent_id;
	opts.experiment = e->id;
	opts.name = name ? name : tag_name;
	opts.start_time = start;
	opts.user = user ? user : ""; /* MLflow adds no mlflow.user of its own */
	opts.tags = tags;
	opts.ntags = n;
	/* One transaction: the run and all its tags. */
	if ((err = cairn_run_create(&id, repo, &opts)) < 0) {
		api_fail_cairn(res, err);
		goto done;
	}
	ret = respond_run(repo, id.ptr, res);
done:
	cairn_buf_dispose(&id);
	cairn_experiment_free(e);
	cairn_run_free(parent);
	free(tags);
	return ret;
}

/* ------------------------------------------------- update, delete, get */

/* RunStatus by name or number; -1 if it does not parse (then ignored). */
static int read_status(cairn_run_status *out, json_t *params)
{
	json_t *v = json_object_get(params, "status");

	if (json_is_string(v) &&
	    cairn_run_status_parse(out, json_string_value(v)) == 0)
		return 0;
	/* Proto numbers: RUNNING = 1 ... KILLED = 5. */
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= 5) {
		*out = (cairn_run_status)(json_integer_value(v) - 1);
		return 0;
	}
	return -1;
}

int api_runs_update(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const cairn_run_info *info;
	cairn_run_status status;
	cairn_run *run = NULL;
	const char *id, *name = NULL, *ignored;
	json_t *st;
	int64_t end = 0;
	int err, has_end, has_status;

	if (api_get_run_id(&id, params, res) < 0 ||
	    (has_end = api_get_int64(&end, params, "end_time", 0, res)) < 0 ||
	    api_get_string(&name, params, "run_name", 0, res) < 0)
		return -1;
	st = json_object_get(params, "status");
	if (st && !json_is_string(st) && !json_is_integer(st) &&
	    api_get_string(&ignored, params, "status", 0, res) < 0)
		return -1; /* an object or a list: a type error */
	if (name && !*name)
		name = NULL;
	if ((err = cairn_run_get(&run, repo, id)) < 0)
		return api_fail_run(res, err, id);
	info = cairn_run_info_get(run);
	/* As MLflow 2.9.2: a status that does not parse changes nothing. */
	has_status = read_status(&status, params) == 0;
	if (!has_status)
		status = info->status;
	if (has_end == 1)
		end = has_status ? 0 : info->end_time;
	err = cairn_run_update(repo, id, status, end, name);
	cairn_run_free(run);
	run = NULL;
	if (err < 0 || (err = cairn_run_get(&run, repo, id)) < 0)
		return api_fail_run(res, err, id);
	res->body = json_pack("{s:o}", "run_info",
			      api_run_info_json(cairn_run_info_get(run)));
	cairn_run_free(run);
	return 0;
}

int api_runs_delete(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *id;
	int err;

	if (api_get_run_id(&id, params, res) < 0)
		return -1;
	if ((err = cairn_run_delete(repo, id)) < 0)
		return api_fail_run(res, err, id);
	return 0;
}

int api_runs_restore(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *id;
	int err;

	if (api_get_run_id(&id, params, res) < 0)
		return -1;
	if ((err = cairn_run_restore(repo, id)) < 0)
		return api_fail_run(res, err, id);
	return 0;
}

int api_runs_get(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *id;

	if (api_get_run_id(&id, params, res) < 0)
		return -1;
	return respond_run(repo, id, res);
}

/* ------------------------------------------------------------- logging */

/* A Metric object: key, value and timestamp required, step 0 by default. */
static int read_metric(cairn_metric *m, json_t *obj, struct api_result *res)
{
	int r;

	if (!json_is_object(obj))
		return BAD(res, "Invalid value for parameter 'metrics': each entry "
			   "must be an object");
	if (api_get_string(&m->key, obj, "key", 1, res) < 0 ||
	    api_get_double(&m->value, obj, "value", 1, res) < 0 ||
	    api_get_int64(&m->timestamp, obj, "timestamp", 1, res) < 0 ||
	    (r = api_get_int64(&m->step, obj, "step", 0, res)) < 0)
		return -1;
	if (r == 1)
		m->step = 0;
	return 0;
}

/*
 * MLflow 3's fields of a Metric that name a logged model: the metrics
 * with a model_id go into mm[] (*nmm of them, run run_id). The models must
 * exist: they are checked here, before anything is logged.
 */
static int read_model_metrics(cairn_model_metric *mm, size_t *nmm,
			      json_t *const *objs, const cairn_metric *m, size_t n,
			      const char *run_id, cairn_repo *repo,
			      struct api_result *res)
{
	const char *checked = NULL;
	size_t i;
	int r, err;

	*nmm = 0;
	for (i = 0; i < n; i++) {
		cairn_model_metric *x = &mm[*nmm];
		cairn_logged_model *model;

		if ((r = api_get_string(&x->model_id, objs[i], "model_id", 0, res)) < 0)
			return -1;
		if (r == 1 || !*x->model_id)
			continue;
		if ((r = api_get_string(&x->dataset_name, objs[i], "dataset_name", 0,
					res)) < 0)
			return -1;
		if (r == 1)
			x->dataset_name = NULL;
		if ((r = api_get_string(&x->dataset_digest, objs[i], "dataset_digest",
					0, res)) < 0)
			return -1;
		if (r == 1)
			x->dataset_digest = NULL;
		x->run_id = run_id;
		x->metric = m[i];
		if (!checked || strcmp(checked, x->model_id)) {
			if ((err = cairn_logged_model_get(&model, repo, x->model_id)) < 0)
				return api_fail_cairn(res, err);
			cairn_logged_model_free(model);
			checked = x->model_id;
		}
		(*nmm)++;
	}
	return 0;
}

int api_runs_log_metric(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_model_metric mm;
	cairn_metric m;
	const char *id;
	size_t nmm;
	int err;

	if (api_get_run_id(&id, params, res) < 0 ||
	    read_metric(&m, params, res) < 0 ||
	    read_model_metrics(&mm, &nmm, &params, &m, 1, id, repo, res) < 0)
		return -1;
	if ((err = cairn_log_metrics(repo, id, &m, 1)) < 0)
		return api_fail_run(res, err, id);
	if (nmm && (err = cairn_log_model_metrics(repo, &mm, nmm)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

int api_runs_log_param(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *id;
	cairn_kv kv;
	int err;

	if (api_get_run_id(&id, params, res) < 0 ||
	    read_kv(&kv, params, "params", res) < 0)
		return -1;
	if ((err = cairn_log_param(repo, id, kv.key, kv.value)) < 0)
		return api_fail_run(res, err, id);
	return 0;
}

int api_runs_set_tag(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *id;
	cairn_kv kv;
	int err;

	if (api_get_run_id(&id, params, res) < 0 ||
	    read_kv(&kv, params, "tags", res) < 0)
		return -1;
	if ((err = cairn_set_tag(repo, id, kv.key, kv.value)) < 0)
		return api_fail_run(res, err, id);
	return 0;
}

int api_runs_delete_tag(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_run *run;
	const char *id, *key;
	int err;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_string(&key, params, "key", 1, res) < 0)
		return -1;
	if ((err = cairn_delete_tag(repo, id, key)) == 0)
		return 0;
	if (err != CAIRN_ENOTFOUND)
		return api_fail_run(res, err, id);
	/* Which one is missing: the run or its tag? */
	if (cairn_run_get(&run, repo, id) < 0)
		return api_fail_run(res, CAIRN_ENOTFOUND, id);
	cairn_run_free(run);
	return api_fail(res, 404, "RESOURCE_DOES_NOT_EXIST",
			"No tag with name: %s in run with id %s", key, id);
}

static int batch_limit(struct api_result *res, const char *what, size_t limit,
		       size_t n)
{
	if (n <= limit)
		return 0;
	return BAD(res, "A batch logging request can contain at most %zu %s. Got "
		   "%zu %s. Please split up %s across multiple requests and try "
		   "again.", limit, what, n, what, what);
}

/*
 * At least the length of v in compact JSON, cheaply: a string escaped in
 * full, the longest form of each number. Formatting 1,000 metrics' doubles
 * only to learn that they fit costs more than storing them.
 */
static size_t json_size_bound(json_t *v)
{
	const char *key;
	json_t *item;
	size_t n = 2, i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, item)
			n += 6 * strlen(key) + 4 + json_size_bound(item);
		return n;
	case JSON_ARRAY:
		json_array_foreach(v, i, item)
			n += json_size_bound(item) + 1;
		return n;
	case JSON_STRING:
		return 6 * json_string_length(v) + 2;
	default:
		return 32; /* a number, true, false or null */
	}
}

int api_runs_log_batch(cairn_repo *repo, json_t *params, struct api_result *res)
{
	json_t *metrics = NULL, *plist = NULL, *tlist = NULL, **objs = NULL;
	cairn_model_metric *mm = NULL;
	cairn_metric *m = NULL;
	cairn_kv *p = NULL, *t = NULL;
	struct buf dupes = BUF_INIT;
	size_t nm, np, nt, nmm = 0, i, j, size;
	const char *id;
	int err, ret = -1;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_array(&metrics, params, "metrics", 0, res) < 0 ||
	    api_get_array(&plist, params, "params", 0, res) < 0 ||
	    api_get_array(&tlist, params, "tags", 0, res) < 0)
		return -1;
	size = json_size_bound(params);
	if (size > MAX_BATCH_REQUEST_BYTES)
		size = json_dumpb(params, NULL, 0, JSON_COMPACT);
	if (size > MAX_BATCH_REQUEST_BYTES)
		return BAD(res, "Batched logging API requests must be at most %d "
			   "bytes, got a request of size %zu.",
			   MAX_BATCH_REQUEST_BYTES, size);
	nm = json_array_size(metrics);
	np = json_array_size(plist);
	nt = json_array_size(tlist);
	if (batch_limit(res, "metrics", MAX_BATCH_METRICS, nm) < 0 ||
	    batch_limit(res, "params", MAX_BATCH_PARAMS_TAGS, np) < 0 ||
	    batch_limit(res, "tags", MAX_BATCH_PARAMS_TAGS, nt) < 0 ||
	    batch_limit(res, "metrics, params, and tags", MAX_BATCH_ENTITIES,
			nm + np + nt) < 0)
		return -1;
	m = xcalloc(nm + 1, sizeof(*m));
	mm = xcalloc(nm + 1, sizeof(*mm));
	objs = xcalloc(nm + 1, sizeof(*objs));
	p = xcalloc(np + 1, sizeof(*p));
	t = xcalloc(nt + 1, sizeof(*t));
	for (i = 0; i < nm; i++) {
		objs[i] = json_array_get(metrics, i);
		if (read_metric(&m[i], objs[i], res) < 0)
			goto done;
	}
	for (i = 0; i < np; i++)
		if (read_kv(&p[i], json_array_get(plist, i), "params", res) < 0)
			goto done;
	for (i = 0; i < nt; i++)
		if (read_kv(&t[i], json_array_get(tlist, i), "tags", res) < 0)
			goto done;
	/* Duplicate param keys, listed as MLflow does (Python's list repr). */
	for (i = 0; i < np; i++) {
		for (j = 0; j < i && strcmp(p[j].key, p[i].key); j++)
			;
		if (j < i)
			buf_printf(&dupes, "%s'%s'", dupes.len ? ", " : "", p[i].key);
	}
	if (dupes.len) {
		BAD(res, "Duplicate parameter keys have been submitted: [%s]. Please "
		    "ensure the request contains only one param value per param key.",
		    dupes.ptr);
		goto done;
	}
	if (read_model_metrics(mm, &nmm, objs, m, nm, id, repo, res) < 0)
		goto done;
	if ((err = cairn_log_batch(repo, id, m, nm, p, np, t, nt)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	if (nmm && (err = cairn_log_model_metrics(repo, mm, nmm)) < 0) {
		api_fail_cairn(res, err);
		goto done;
	}
	ret = 0;
done:
	buf_release(&dupes);
	free(objs);
	free(mm);
	free(m);
	free(p);
	free(t);
	return ret;
}

/* ------------------------------------------------------------ log-model */

int api_runs_log_model(cairn_repo *repo, json_t *params, struct api_result *res)
{
	static const char *const mandatory[] = {
		"artifact_path", "flavors", "run_id", "utc_time_created"
	};
	json_t *model = NULL, *history = NULL;
	cairn_run *run = NULL;
	struct buf missing = BUF_INIT;
	const char *id, *text;
	char *value = NULL;
	size_t i;
	int err, ret = -1;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_string(&text, params, "model_json", 1, res) < 0)
		return -1;
	model = json_loads(text, JSON_DECODE_ANY, NULL);
	if (!json_is_object(model)) {
		BAD(res, "Malformed model info. \n %s \n is not a valid JSON.", text);
		goto done;
	}
	for (i = 0; i < sizeof(mandatory) / sizeof(*mandatory); i++)
		if (!json_object_get(model, mandatory[i]))
			buf_printf(&missing, "%s'%s'", missing.len ? ", " : "",
				   mandatory[i]);
	if (missing.len) {
		BAD(res, "Model json is missing mandatory fields: {%s}", missing.ptr);
		goto done;
	}
	if ((err = cairn_run_get(&run, repo, id)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	for (i = 0; i < cairn_run_tag_count(run); i++) {
		const cairn_kv *tag = cairn_run_tag(run, i);

		if (!strcmp(tag->key, LOGGED_MODELS_TAG))
			history = json_loads(tag->value, 0, NULL);
	}
	if (!json_is_array(history)) {
		json_decref(history);
		history = json_array();
	}
	/*
	 * NEEDSWORK: read, append, write: two log-model calls racing on one
	 * run may lose one entry; the library has no atomic append to a tag.
	 */
	json_array_append(history, model);
	value = json_dumps(history, JSON_COMPACT);
	if ((err = cairn_set_tag(repo, id, LOGGED_MODELS_TAG, value)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	ret = 0;
done:
	free(value);
	buf_release(&missing);
	json_decref(history);
	json_decref(model);
	cairn_run_free(run);
	return ret;
}

/* ----------------------------------------------------------- log-inputs */

struct dataset {
	cairn_dataset_input in;  /* as given; tags point into the request */
	cairn_kv *tags;
	const char *context;
	uint64_t version; /* of the cairn data set; 0: none matched */
};

static int read_dataset_field(const char **out, json_t *ds, const char *name,
			      int required, struct api_result *res)
{
	int r = api_get_string(out, ds, name, required, res);

	if (r == 1)
		*out = NULL;
	return r < 0 ? -1 : 0;
}

static int read_dataset_input(struct dataset *d, json_t *in,
			      struct api_result *res)
{
	cairn_dataset *ds = &d->in.dataset;
	json_t *obj, *tags = NULL;
	size_t i, n;
	int err;

	if (!json_is_object(in) || !json_is_object(obj = json_object_get(in, "dataset")))
		return BAD(res, "Dataset cannot be None");
	if (read_dataset_field(&ds->name, obj, "name", 1, res) < 0 ||
	    read_dataset_field(&ds->digest, obj, "digest", 1, res) < 0 ||
	    read_dataset_field(&ds->source_type, obj, "source_type", 1, res) < 0 ||
	    read_dataset_field(&ds->source, obj, "source", 0, res) < 0 ||
	    read_dataset_field(&ds->schema, obj, "schema", 0, res) < 0 ||
	    read_dataset_field(&ds->profile, obj, "profile", 0, res) < 0 ||
	    api_get_array(&tags, in, "tags", 0, res) < 0)
		return -1;
	n = json_array_size(tags);
	d->tags = xcalloc(n + 1, sizeof(*d->tags));
	d->in.tags = d->tags;
	d->context = NULL;
	for (i = 0; i < n; i++) {
		json_t *tag = json_array_get(tags, i);

		if (!json_is_object(tag))
			return BAD(res, "InputTag cannot be None");
		if (read_dataset_field(&d->tags[i].key, tag, "key", 0, res) < 0 ||
		    read_dataset_field(&d->tags[i].value, tag, "value", 0, res) < 0)
			return -1;
		d->in.ntags++;
		if (d->tags[i].key && !strcmp(d->tags[i].key, DATA_CONTEXT_TAG))
			d->context = d->tags[i].value;
	}
	if ((err = cairn_dataset_input_validate(&d->in)) < 0)
		return api_fail_cairn(res, err);
	return 0;
}

static int set_exists(const cairn_data_version *v, void *payload)
{
	struct dataset *d = payload;

	return !strcmp(v->name, d->in.dataset.name);
}

/* The version of the set that the digest names: vN, N, or an id prefix. */
static int match_version(const cairn_data_version *v, void *payload)
{
	struct dataset *d = payload;
	const char *dig = d->in.dataset.digest;
	char hex[CAIRN_OID_STRLEN + 1];
	size_t n;

	if (dig[0] == 'v')
		dig++;
	n = strlen(dig);
	if (n && n < 20 && strspn(dig, "0123456789") == n) {
		if (strtoull(dig, NULL, 10) != v->version)
			return 0;
		d->version = v->version;
		return 1;
	}
	dig = d->in.dataset.digest;
	if (!strncmp(dig, "sha256:", 7))
		dig += 7;
	n = strlen(dig);
	cairn_oid_fmt(hex, &v->oid);
	if (n >= 4 && strspn(dig, "0123456789abcdef") == n &&
	    !strncmp(hex + 7, dig, n)) {
		if (d->version) {
			d->version = 0; /* ambiguous: names no version */
			return 1;
		}
		d->version = v->version;
	}
	return 0;
}

/*
 * Only the store's own tables are consulted (cairn_data_list and
 * cairn_data_log of a known set): a name never reaches the file system.
 */
static int resolve_dataset(struct dataset *d, cairn_repo *repo)
{
	int err;

	d->version = 0;
	if ((err = cairn_data_list(repo, set_exists, d)) <= 0)
		return err;
	err = cairn_data_log(repo, d->in.dataset.name, match_version, d);
	return err < 0 ? err : 0;
}

int api_runs_log_inputs(cairn_repo *repo, json_t *params, struct api_result *res)
{
	json_t *list = NULL, *models = NULL;
	cairn_dataset_input *records = NULL;
	const char **model_ids = NULL;
	struct dataset *ds = NULL;
	cairn_run *run = NULL;
	struct buf spec = BUF_INIT;
	const char *id;
	size_t i, n = 0, nrecords = 0, nmodels = 0;
	int err, ret = -1;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_array(&list, params, "datasets", 0, res) < 0 ||
	    api_get_array(&models, params, "models", 0, res) < 0)
		return -1;
	n = json_array_size(list);
	ds = xcalloc(n + 1, sizeof(*ds));
	for (i = 0; i < n; i++)
		if (read_dataset_input(&ds[i], json_array_get(list, i), res) < 0)
			goto done;
	if ((err = cairn_run_get(&run, repo, id)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	if (strcmp(cairn_run_info_get(run)->lifecycle_stage, "active")) {
		BAD(res, "The run %s must be in the 'active' state. Current state "
		    "is %s.", id, cairn_run_info_get(run)->lifecycle_stage);
		goto done;
	}
	nmodels = json_array_size(models);
	model_ids = xcalloc(nmodels + 1, sizeof(*model_ids));
	for (i = 0; i < nmodels; i++) {
		json_t *m = json_array_get(models, i);

		if (!json_is_object(m)) {
			BAD(res, "ModelInput cannot be None");
			goto done;
		}
		if (api_get_string(&model_ids[i], m, "model_id", 1, res) < 0)
			goto done;
	}
	records = xcalloc(n + 1, sizeof(*records));
	for (i = 0; i < n; i++) {
		if ((err = resolve_dataset(&ds[i], repo)) < 0) {
			api_fail_cairn(res, err);
			goto done;
		}
		if (!ds[i].version)
			records[nrecords++] = ds[i].in;
	}
	if ((err = cairn_log_dataset_inputs(repo, id, records, nrecords)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	if (nmodels && (err = cairn_log_model_inputs(repo, id, model_ids,
						      nmodels)) < 0) {
		api_fail_cairn(res, err);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (!ds[i].version)
			continue;
		buf_reset(&spec);
		buf_printf(&spec, "%s@v%llu", ds[i].in.dataset.name,
			   (unsigned long long)ds[i].version);
		if ((err = cairn_log_input(repo, id, spec.ptr, ds[i].context)) < 0) {
			api_fail_run(res, err, id);
			goto done;
		}
	}
	ret = 0;
done:
	buf_release(&spec);
	cairn_run_free(run);
	for (i = 0; i < n; i++)
		free(ds[i].tags);
	free(records);
	free(model_ids);
	free(ds);
	return ret;
}

/* -------------------------------------------------------------- outputs */

/* MLflow 3's runs/outputs: the logged models a run produced, with steps. */
int api_runs_log_outputs(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_model_output *outputs = NULL;
	cairn_run *run = NULL;
	json_t *models = NULL;
	const char *id;
	size_t i, n;
	int err, ret = -1;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_array(&models, params, "models", 0, res) < 0)
		return -1;
	n = json_array_size(models);
	outputs = xcalloc(n + 1, sizeof(*outputs));
	for (i = 0; i < n; i++) {
		json_t *m = json_array_get(models, i);

		if (!json_is_object(m)) {
			BAD(res, "ModelOutput cannot be None");
			goto done;
		}
		if (api_get_string(&outputs[i].model_id, m, "model_id", 1, res) < 0 ||
		    api_get_int64(&outputs[i].step, m, "step", 0, res) < 0)
			goto done;
	}
	if ((err = cairn_run_get(&run, repo, id)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	/* the run exists: a not-found now is a model's */
	if ((err = cairn_log_model_outputs(repo, id, outputs, n)) < 0) {
		api_fail_cairn(res, err);
		goto done;
	}
	ret = 0;
done:
	cairn_run_free(run);
	free(outputs);
	return ret;
}

/* --------------------------------------------------------------- search */

static int add_run(const cairn_run *run, void *payload)
{
	json_array_append_new(payload, api_run_json(run));
	return 0;
}

int api_runs_search(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_search_options opts = CAIRN_SEARCH_OPTIONS_INIT;
	cairn_buf next = CAIRN_BUF_INIT;
	json_t *exps = NULL, *order = NULL, *runs = NULL;
	const char **ids = NULL, **order_by = NULL;
	char (*nums)[32] = NULL;
	int64_t max = DEFAULT_SEARCH_RESULTS;
	size_t i, n;
	int err, ret = -1;

	if (api_get_list(&exps, params, "experiment_ids", res) < 0 ||
	    api_get_string(&opts.filter, params, "filter", 0, res) < 0 ||
	    api_get_int64(&max, params, "max_results", 0, res) < 0 ||
	    api_get_list(&order, params, "order_by", res) < 0 ||
	    api_get_string(&opts.page_token, params, "page_token", 0, res) < 0)
		return -1;
	if (max < 1)
		return BAD(res, "Invalid value for request parameter max_results. It "
			   "must be at least 1, but got value %lld", (long long)max);
	if (max > API_SEARCH_MAX)
		return BAD(res, "Invalid value for request parameter max_results. It "
			   "must be at most %d, but got value %lld", API_SEARCH_MAX,
			   (long long)max);
	n = api_list_size(order);
	order_by = xcalloc(n + 1, sizeof(*order_by));
	for (i = 0; i < n; i++) {
		if (!json_is_string(api_list_get(order, i))) {
			BAD(res, "Invalid value for parameter 'order_by': each clause "
			    "must be a string");
			goto done;
		}
		order_by[i] = json_string_value(api_list_get(order, i));
	}
	opts.order_by = order_by;
	opts.norder_by = n;
	/* Only ids that name experiments: MLflow finds nothing for the rest. */
	n = api_list_size(exps);
	ids = xcalloc(n + 1, sizeof(*ids));
	nums = xcalloc(n + 1, sizeof(*nums));
	for (i = 0; i < n; i++) {
		json_t *v = api_list_get(exps, i);
		cairn_experiment *e = NULL;
		const char *s;

		if (json_is_integer(v)) {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
				 (long long)json_integer_value(v));
			s = nums[i];
		} else if (json_is_string(v)) {
			s = json_string_value(v);
		} else {
			BAD(res, "Invalid value for parameter 'experiment_ids': each "
			    "id must be a string");
			goto done;
		}
		if (s[0] && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19 &&
		    cairn_experiment_lookup(&e, repo, s) == 0 &&
		    strtoll(e->id, NULL, 10) == strtoll(s, NULL, 10))
			ids[opts.nexperiments++] = s;
		cairn_experiment_free(e);
	}
	res->body = json_object();
	if (!opts.nexperiments) {
		ret = 0;
		goto done;
	}
	opts.experiments = ids;
	opts.max_results = (size_t)max;
	opts.view = api_get_view(params, "run_view_type");
	runs = json_array();
	if ((err = cairn_runs_search(&next, repo, &opts, add_run, runs)) < 0) {
		json_decref(res->body);
		res->body = NULL;
		api_fail_cairn(res, err);
		goto done;
	}
	if (json_array_size(runs))
		json_object_set(res->body, "runs", runs);
	if (next.size)
		json_object_set_new(res->body, "next_page_token", json_string(next.ptr));
	ret = 0;
done:
	json_decref(runs);
	cairn_buf_dispose(&next);
	free(order_by);
	free(ids);
	free(nums);
	return ret;
}

/* ------------------------------------------------------ metric histories */

struct points {
	cairn_metric *v;
	size_t n, alloc;
};

static int add_point(const cairn_metric *m, void *payload)
{
	struct points *p = payload;

	ALLOC_GROW(p->v, p->n + 1, p->alloc);
	p->v[p->n] = *m;
	p->v[p->n++].key = NULL;
	return 0;
}

/* A run's history of key; an unknown run has none (no error, as MLflow). */
static int history(struct points *p, cairn_repo *repo, const char *run_id,
		   const char *key, struct api_result *res)
{
	int err = cairn_metric_history(repo, run_id, key, add_point, p);

	if (err == CAIRN_ENOTFOUND)
		return 0;
	return err < 0 ? api_fail_cairn(res, err) : 0;
}

static int cmp_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

/* MLflow's history order: timestamp, step, value. */
static int by_time(const void *pa, const void *pb)
{
	const cairn_metric *a = pa, *b = pb;

	if (a->timestamp != b->timestamp)
		return a->timestamp < b->timestamp ? -1 : 1;
	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	return cmp_double(a->value, b->value);
}

/* The UI's sampled order: step, timestamp. */
static int by_step(const void *pa, const void *pb)
{
	const cairn_metric *a = pa, *b = pb;

	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	if (a->timestamp != b->timestamp)
		return a->timestamp < b->timestamp ? -1 : 1;
	return cmp_double(a->value, b->value);
}

static json_t *point_json(const cairn_metric *m, const char *key,
			  const char *run_id)
{
	cairn_metric k = *m;
	json_t *o;

	k.key = key;
	o = api_metric_json(&k);
	if (run_id)
		json_object_set_new(o, "run_id", json_string(run_id));
	return o;
}

int api_metrics_get_history(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	struct points p = { NULL, 0, 0 };
	const char *id, *key, *token = NULL;
	json_t *list;
	int64_t max = 0;
	size_t offset, end, i;
	int has_max;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_string(&key, params, "metric_key", 1, res) < 0 ||
	    (has_max = api_get_int64(&max, params, "max_results", 0, res)) < 0 ||
	    api_get_string(&token, params, "page_token", 0, res) < 0 ||
	    api_page_token_parse(&offset, token, res) < 0)
		return -1;
	if (has_max == 0 && max < 1)
		return BAD(res, "Invalid value for max_results. It must be a positive "
			   "integer, but got %lld", (long long)max);
	if (history(&p, repo, id, key, res) < 0) {
		free(p.v);
		return -1;
	}
	if (p.n)
		qsort(p.v, p.n, sizeof(*p.v), by_time);
	/* Without max_results, everything (MLflow 2.9.2); with it, pages. */
	end = has_max == 0 && offset < p.n && p.n - offset > (size_t)max
		      ? offset + (size_t)max : p.n;
	res->body = json_object();
	if (offset < end) {
		list = json_array();
		for (i = offset; i < end; i++)
			json_array_append_new(list, point_json(&p.v[i], key, NULL));
		json_object_set_new(res->body, "metrics", list);
	}
	if (end < p.n) {
		char *next = api_page_token(end);

		json_object_set_new(res->body, "next_page_token", json_string(next));
		free(next);
	}
	free(p.v);
	return 0;
}

/* The run ids of a bulk request, each once, as strings. */
static int read_run_ids(const char ***out, size_t *count, json_t *params,
			const char *name, size_t limit, const char *rpc,
			struct api_result *res)
{
	json_t *list = NULL;
	const char **ids;
	size_t i, j, n;

	*out = NULL;
	*count = 0;
	if (api_get_list(&list, params, name, res) < 0)
		return -1;
	if (!(n = api_list_size(list)))
		return BAD(res, "%s request must specify at least one run_id.", rpc);
	if (n > limit)
		return BAD(res, "%s request cannot specify more than %zu run_ids. "
			   "Received %zu run_ids.", rpc, limit, n);
	ids = xcalloc(n, sizeof(*ids));
	for (i = 0; i < n; i++) {
		json_t *v = api_list_get(list, i);

		if (!json_is_string(v)) {
			free(ids);
			return BAD(res, "Invalid value for parameter '%s': each run id "
				   "must be a string", name);
		}
		for (j = 0; j < *count && strcmp(ids[j], json_string_value(v)); j++)
			;
		if (j == *count)
			ids[(*count)++] = json_string_value(v);
	}
	*out = ids;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The UI's metrics/get-history-bulk (MLflow 2.9.2, ajax only). */
int api_metrics_get_history_bulk(cairn_repo *repo, json_t *params,
				 struct api_result *res)
{
	struct points p = { NULL, 0, 0 };
	const char **ids = NULL, *key = NULL;
	json_t *list;
	int64_t max = MAX_BULK_RESULTS;
	size_t n, i, j, total = 0;
	int ret = -1;

	if (read_run_ids(&ids, &n, params, "run_id", MAX_BULK_RUNS,
			 "GetMetricHistoryBulk", res) < 0)
		return -1;
	if (api_get_string(&key, params, "metric_key", 0, res) < 0 ||
	    api_get_int64(&max, params, "max_results", 0, res) < 0)
		goto done;
	if (!key) {
		BAD(res, "GetMetricHistoryBulk request must specify a metric_key.");
		goto done;
	}
	if (max < 1) {
		BAD(res, "Invalid value for max_results. It must be a positive "
		    "integer, but got %lld", (long long)max);
		goto done;
	}
	if (max > MAX_BULK_RESULTS)
		max = MAX_BULK_RESULTS;
	qsort(ids, n, sizeof(*ids), cmp_str);
	list = json_array();
	res->body = json_pack("{s:o}", "metrics", list);
	for (i = 0; i < n && total < (size_t)max; i++) {
		p.n = 0;
		if (history(&p, repo, ids[i], key, res) < 0) {
			json_decref(res->body);
			res->body = NULL;
			goto done;
		}
		if (p.n)
			qsort(p.v, p.n, sizeof(*p.v), by_time);
		for (j = 0; j < p.n && total < (size_t)max; j++, total++)
			json_array_append_new(list, point_json(&p.v[j], key, ids[i]));
	}
	ret = 0;
done:
	free(p.v);
	free(ids);
	return ret;
}

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

static int has_step(const int64_t *steps, size_t n, int64_t step)
{
	return bsearch(&step, steps, n, sizeof(*steps), cmp_i64) != NULL;
}

/*
 * metrics/get-history-bulk-interval (the UI's charts): the points of up
 * to 100 runs at a common set of steps: every step in [start, end] when
 * there are at most max_results, else max_results of them evenly spaced,
 * plus each run's first and last step, so every line keeps its ends.
 */
int api_metrics_get_history_bulk_interval(cairn_repo *repo, json_t *params,
					  struct api_result *res)
{
	struct points *runs = NULL;
	int64_t *all = NULL, *picked = NULL, start = 0, end = 0;
	int64_t max = MAX_INTERVAL_RESULTS;
	const char **ids = NULL, *key;
	json_t *list = NULL;
	size_t n = 0, i, j, nall = 0, aall = 0, npicked = 0, lo, hi, kept;
	int has_start, has_end, ret = -1;

	if (read_run_ids(&ids, &n, params, "run_ids", MAX_INTERVAL_RUNS,
			 "GetMetricHistoryBulkInterval", res) < 0)
		return -1;
	if (api_get_string(&key, params, "metric_key", 1, res) < 0 ||
	    (has_start = api_get_int64(&start, params, "start_step", 0, res)) < 0 ||
	    (has_end = api_get_int64(&end, params, "end_step", 0, res)) < 0 ||
	    api_get_int64(&max, params, "max_results", 0, res) < 0)
		goto done;
	if (max < 1 || max > MAX_INTERVAL_RESULTS) {
		BAD(res, "max_results must be between 1 and %d.", MAX_INTERVAL_RESULTS);
		goto done;
	}
	if (has_start != has_end) {
		BAD(res, "If either start step or end step are specified, both must "
		    "be specified.");
		goto done;
	}
	if (has_start == 0 && start > end) {
		BAD(res, "end_step must be greater than start_step. Found "
		    "start_step=%lld and end_step=%lld.", (long long)start,
		    (long long)end);
		goto done;
	}
	runs = xcalloc(n, sizeof(*runs));
	for (i = 0; i < n; i++) {
		if (history(&runs[i], repo, ids[i], key, res) < 0)
			goto done;
		if (runs[i].n)
			qsort(runs[i].v, runs[i].n, sizeof(*runs[i].v), by_step);
		for (j = 0; j < runs[i].n; j++) {
			int64_t s = runs[i].v[j].step;

			if (has_start == 0 && (s < start || s > end))
				continue;
			ALLOC_GROW(all, nall + 1, aall);
			all[nall++] = s;
		}
	}
	if (nall)
		qsort(all, nall, sizeof(*all), cmp_i64);
	for (i = j = 0; i < nall; i++)
		if (!j || all[j - 1] != all[i])
			all[j++] = all[i];
	nall = j;
	picked = xcalloc((size_t)max + 2 * n + 1, sizeof(*picked));
	if (nall <= (size_t)max) {
		if (nall)
			memcpy(picked, all, nall * sizeof(*all));
		npicked = nall;
	} else {
		for (i = 0; i < (size_t)max; i++)
			picked[npicked++] = all[i * nall / (size_t)max];
		picked[npicked++] = all[nall - 1];
		/* Each run's first and last step in range. */
		for (i = 0; i < n; i++) {
			for (lo = 0; lo < runs[i].n && has_start == 0 &&
				     runs[i].v[lo].step < start; lo++)
				;
			for (hi = runs[i].n; hi > lo && has_start == 0 &&
				     runs[i].v[hi - 1].step > end; hi--)
				;
			if (hi > lo) {
				picked[npicked++] = runs[i].v[lo].step;
				picked[npicked++] = runs[i].v[hi - 1].step;
			}
		}
		qsort(picked, npicked, sizeof(*picked), cmp_i64);
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		for (j = kept = 0; j < runs[i].n && kept < (size_t)max; j++) {
			if (!has_step(picked, npicked, runs[i].v[j].step))
				continue;
			json_array_append_new(list,
					      point_json(&runs[i].v[j], key, ids[i]));
			kept++;
		}
	}
	res->body = json_object();
	if (json_array_size(list))
		json_object_set(res->body, "metrics", list);
	ret = 0;
done:
	json_decref(list);
	for (i = 0; runs && i < n; i++)
		free(runs[i].v);
	free(runs);
	free(all);
	free(picked);
	free(ids);
	return ret;
}

/* ------------------------------------------------------------ artifacts */

struct listing {
	json_t *files;
	const char *dir; /* the path listed, cleaned */
	int is_file;     /* the path names a file, not a directory */
};

static int add_file(const cairn_artifact *a, void *payload)
{
	struct listing *l = payload;
	json_t *o;

	if (!a->is_dir && *l->dir && !strcmp(a->path, l->dir)) {
		l->is_file = 1;
		return 0;
	}
	o = json_pack("{s:s, s:b}", "path", a->path, "is_dir", a->is_dir);
	if (!a->is_dir)
		json_object_set_new(o, "file_size", json_integer((json_int_t)a->size));
	json_array_append_new(l->files, o);
	return 0;
}

/*
 * MLflow's validate_path_is_safe: no absolute path, drive letter,
 * backslash or ".." component. The path is returned without "." or empty
 * components, as the library wants it.
 */
static int clean_listing_path(struct buf *out, const char *path,
			      struct api_result *res)
{
	const char *p = path;

	if (path[0] == '/' || strchr(path, '\\') ||
	    (((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z') && path[1] == ':'))
		return BAD(res, "Invalid path: %s", path);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 2 && !strncmp(p, "..", 2))
			return BAD(res, "Invalid path: %s", path);
		if (n && !(n == 1 && *p == '.')) {
			if (out->len)
				buf_addch(out, '/');
			buf_add(out, p, n);
		}
		p += n + (slash ? 1 : 0);
	}
	return 0;
}

int api_artifacts_list(cairn_repo *repo, json_t *params, struct api_result *res)
{
	struct listing l = { NULL, "", 0 };
	struct buf dir = BUF_INIT, root = BUF_INIT;
	const cairn_run_info *info;
	cairn_run *run = NULL;
	const char *id, *path = "";
	int err, ret = -1;

	if (api_get_run_id(&id, params, res) < 0 ||
	    api_get_string(&path, params, "path", 0, res) < 0 ||
	    clean_listing_path(&dir, path, res) < 0)
		goto done;
	if ((err = cairn_run_get(&run, repo, id)) < 0) {
		api_fail_run(res, err, id);
		goto done;
	}
	info = cairn_run_info_get(run);
	buf_printf(&root, "mlflow-artifacts:/%s/%s/artifacts", info->experiment_id,
		   info->run_id);
	l.files = json_array();
	l.dir = buf_cstr(&dir);
	err = cairn_artifact_list(repo, id, l.dir, add_file, &l);
	if (err == CAIRN_EINVALID) {
		BAD(res, "Invalid path: %s", path);
		goto done;
	}
	if (err < 0 && err != CAIRN_ENOTFOUND) {
		api_fail_cairn(res, err);
		goto done;
	}
	/* A missing path, or a file, lists as nothing (as MLflow's stores). */
	res->body = json_pack("{s:s}", "root_uri", root.ptr);
	if (err == 0 && !l.is_file && json_array_size(l.files))
		json_object_set(res->body, "files", l.files);
	ret = 0;
done:
	json_decref(l.files);
	buf_release(&dir);
	buf_release(&root);
	cairn_run_free(run);
	return ret;
}
