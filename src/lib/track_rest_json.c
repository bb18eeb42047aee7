/*
 * track_rest_json.c: MLflow's JSON entities (shared/ref/mlflow-rest.md
 * section 1.2), as a cairn server emits them, to and from cairn's
 * structs; and a server's errors back to cairn's codes.
 *
 * Rules: int64 fields may come as numbers or decimal strings; doubles as
 * numbers or "NaN", "Infinity", "-Infinity"; missing fields are unset
 * (0, NULL, empty). A run's parent is its mlflow.parentRunId tag. A data
 * input goes as a DatasetInput whose source_type is "cairn" and whose
 * source is {"uri": "cairn:NAME@vN", "id": "sha256:..."}; its digest is
 * the first 32 hex digits of the id (MLflow keeps at most 36 characters),
 * which a cairn server also takes as an id prefix. Read back, an input
 * whose source names a cairn version is that version (id from the source,
 * context from the mlflow.data.context tag); any other DatasetInput is an
 * MLflow dataset record (cairn_dataset_input), as another client logged it.
 * Nothing here trusts the answer's shape: a wrong type is an error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/run.h"
#include "lib/track_rest.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define DATA_CONTEXT_TAG "mlflow.data.context"

static const struct {
	const char *name;
	int code;
} error_codes[] = {
	{ "RESOURCE_DOES_NOT_EXIST", CAIRN_ENOTFOUND },
	{ "NOT_FOUND", CAIRN_ENOTFOUND },
	{ "RESOURCE_ALREADY_EXISTS", CAIRN_EEXISTS },
	{ "INVALID_PARAMETER_VALUE", CAIRN_EINVALID },
	{ "BAD_REQUEST", CAIRN_EINVALID },
	{ "INVALID_STATE", CAIRN_EINVALID },
	{ "RESOURCE_CONFLICT", CAIRN_ECONFLICT },
	{ "NOT_IMPLEMENTED", CAIRN_ENOTSUPP },
	{ "ENDPOINT_NOT_FOUND", CAIRN_ENOTSUPP },
};

int rest_error(long status, const char *body, size_t len, const char *uri)
{
	json_t *o = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *code = json_object_get(o, "error_code");
	json_t *msg = json_object_get(o, "message");
	int err = CAIRN_ERROR;
	size_t i;

	if (!json_is_string(code) || !json_is_string(msg)) {
		json_decref(o);
		return cairn_error_set(CAIRN_ERRCLASS_REMOTE,
				       "the cairn server at %s answered HTTP %ld", uri,
				       status);
	}
	for (i = 0; i < sizeof(error_codes) / sizeof(*error_codes); i++)
		if (!strcmp(json_string_value(code), error_codes[i].name))
			err = error_codes[i].code;
	if (err == CAIRN_ERROR && status == 404)
		err = CAIRN_ENOTFOUND;
	err = cairn_error_setc(err, CAIRN_ERRCLASS_REMOTE, "%s", json_string_value(msg));
	json_decref(o);
	return err;
}

int rest_json_double(double *out, json_t *v)
{
	const char *s;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	s = json_string_value(v);
	if (s && !strcmp(s, "NaN"))
		*out = NAN;
	else if (s && !strcmp(s, "Infinity"))
		*out = INFINITY;
	else if (s && !strcmp(s, "-Infinity"))
		*out = -INFINITY;
	else
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_REMOTE,
					"the server sent a metric value that is not a number");
	return 0;
}

json_t *rest_double_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

int64_t rest_json_int64(json_t *v)
{
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static int bad_shape(const char *what)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_REMOTE,
				"the server sent a malformed %s", what);
}

/* A string field, or NULL; a field of another type is an error (-1). */
static int get_str(const char **out, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int rest_experiment_parse(cairn_experiment *e, json_t *obj)
{
	const char *id, *name, *stage;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(obj) || get_str(&id, obj, "experiment_id") < 0 ||
	    get_str(&name, obj, "name") < 0 ||
	    get_str(&stage, obj, "lifecycle_stage") < 0 || !id || !name)
		return bad_shape("experiment");
	e->id = xstrdup(id);
	e->name = xstrdup(name);
	e->lifecycle_stage = xstrdup(stage ? stage : "active");
	e->creation_time = rest_json_int64(json_object_get(obj, "creation_time"));
	e->last_update_time = rest_json_int64(json_object_get(obj, "last_update_time"));
	return 0;
}

/* A [{key, value}] list into the run through add. */
static int parse_kvs(cairn_run *run, json_t *list, const char *what,
		     int (*add)(const char *k, const char *v, void *run))
{
	size_t i;
	json_t *kv;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return bad_shape(what);
	json_array_foreach(list, i, kv) {
		const char *k, *v;

		if (get_str(&k, kv, "key") < 0 || get_str(&v, kv, "value") < 0 || !k)
			return bad_shape(what);
		add(k, v ? v : "", run);
	}
	return 0;
}

static int parse_metrics(cairn_run *run, json_t *list)
{
	size_t i;
	json_t *o;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return bad_shape("metric list");
	json_array_foreach(list, i, o) {
		cairn_metric m;

		if (get_str(&m.key, o, "key") < 0 || !m.key ||
		    rest_json_double(&m.value, json_object_get(o, "value")) < 0)
			return bad_shape("metric");
		m.timestamp = rest_json_int64(json_object_get(o, "timestamp"));
		m.step = rest_json_int64(json_object_get(o, "step"));
		run_add_metric(&m, run);
	}
	return 0;
}

json_t *rest_input_json(const cairn_data_version *v, const char *context)
{
	char id[CAIRN_OID_STRLEN + 1], *source;
	json_t *src, *ds, *o = json_object();

	cairn_oid_fmt(id, &v->oid);
	src = json_pack("{s:o, s:s}", "uri",
			json_sprintf("cairn:%s@v%llu", v->name,
				     (unsigned long long)v->version),
			"id", id);
	source = json_dumps(src, JSON_COMPACT);
	json_decref(src);
	ds = json_pack("{s:s, s:s#, s:s, s:s}", "name", v->name, "digest", id + 7,
		       (int)32, "source_type", "cairn", "source", source ? source : "{}");
	free(source);
	if (context && *context)
		json_object_set_new(o, "tags", json_pack("[{s:s, s:s}]", "key",
							  DATA_CONTEXT_TAG, "value",
							  context));
	json_object_set_new(o, "dataset", ds);
	return o;
}

/* The version N of a source uri "cairn:NAME@vN", or 0. */
static uint64_t source_version(const char *uri)
{
	const char *at = uri ? strrchr(uri, '@') : NULL;
	char *end;
	unsigned long long n;

	if (!at || strncmp(uri, "cairn:", 6) || at[1] != 'v' ||
	    !(at[2] >= '0' && at[2] <= '9'))
		return 0;
	n = strtoull(at + 2, &end, 10);
	return *end ? 0 : (uint64_t)n;
}

/* A [{key, value}] list of InputTags into a new array (*n entries). */
static int parse_input_tags(cairn_kv **out, size_t *n, json_t *tags)
{
	json_t *t;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!tags)
		return 0;
	if (!json_is_array(tags))
		return bad_shape("dataset input");
	*out = xcalloc(json_array_size(tags) + 1, sizeof(**out));
	json_array_foreach(tags, i, t) {
		if (get_str(&(*out)[i].key, t, "key") < 0 ||
		    get_str(&(*out)[i].value, t, "value") < 0 || !(*out)[i].key)
			return bad_shape("dataset input");
		if (!(*out)[i].value)
			(*out)[i].value = "";
		(*n)++;
	}
	return 0;
}

/*
 * A DatasetInput: a cairn data set version (source_type "cairn", source
 * uri "cairn:NAME@vN") as a cairn_run_input, anything else as an MLflow
 * dataset record.
 */
static int parse_input(cairn_run *run, json_t *o)
{
	json_t *ds = json_object_get(o, "dataset"), *src = NULL;
	cairn_dataset_input rec;
	cairn_kv *tags;
	const char *type, *uri = NULL, *id = NULL;
	size_t i, ntags;
	int err;

	memset(&rec, 0, sizeof(rec));
	if (!json_is_object(ds) || get_str(&rec.dataset.name, ds, "name") < 0 ||
	    !rec.dataset.name || get_str(&rec.dataset.digest, ds, "digest") < 0 ||
	    get_str(&type, ds, "source_type") < 0 ||
	    get_str(&rec.dataset.source, ds, "source") < 0 ||
	    get_str(&rec.dataset.schema, ds, "schema") < 0 ||
	    get_str(&rec.dataset.profile, ds, "profile") < 0)
		return bad_shape("dataset input");
	if ((err = parse_input_tags(&tags, &ntags, json_object_get(o, "tags"))) < 0) {
		free(tags);
		return err;
	}
	if (type && !strcmp(type, "cairn") && rec.dataset.source)
		src = json_loads(rec.dataset.source, 0, NULL);
	if (get_str(&uri, src, "uri") < 0 || get_str(&id, src, "id") < 0)
		uri = id = NULL;
	if (source_version(uri)) {
		cairn_run_input in = { rec.dataset.name, source_version(uri),
				       id ? id : rec.dataset.digest ? rec.dataset.digest : "",
				       "" };

		for (i = 0; i < ntags; i++)
			if (!strcmp(tags[i].key, DATA_CONTEXT_TAG))
				in.context = tags[i].value;
		run_add_input(&in, run);
	} else {
		rec.dataset.digest = rec.dataset.digest ? rec.dataset.digest : "";
		rec.dataset.source_type = type ? type : "";
		rec.dataset.source = rec.dataset.source ? rec.dataset.source : "";
		rec.tags = tags;
		rec.ntags = ntags;
		run_add_dataset(&rec, run);
	}
	json_decref(src);
	free(tags);
	return 0;
}

json_t *rest_dataset_input_json(const cairn_dataset_input *in)
{
	const cairn_dataset *d = &in->dataset;
	json_t *o = json_object(), *ds, *tags;
	size_t i;

	if (in->ntags) {
		tags = json_array();
		for (i = 0; i < in->ntags; i++)
			json_array_append_new(tags, json_pack("{s:s, s:s}", "key",
							      in->tags[i].key, "value",
							      in->tags[i].value));
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

static int parse_info(cairn_run *run, json_t *info)
{
	cairn_run_info *i = &run->row.info;
	const char *id, *name, *exp, *user, *status, *stage;

	if (!json_is_object(info) || get_str(&id, info, "run_id") < 0 ||
	    get_str(&name, info, "run_name") < 0 ||
	    get_str(&exp, info, "experiment_id") < 0 ||
	    get_str(&user, info, "user_id") < 0 || get_str(&status, info, "status") < 0 ||
	    get_str(&stage, info, "lifecycle_stage") < 0 || !id || !exp)
		return bad_shape("run");
	i->run_id = xstrdup(id);
	i->name = xstrdup(name ? name : "");
	i->experiment_id = xstrdup(exp);
	i->user_id = xstrdup(user ? user : "");
	if (!status || cairn_run_status_parse(&i->status, status) < 0)
		i->status = CAIRN_RUN_RUNNING;
	i->start_time = rest_json_int64(json_object_get(info, "start_time"));
	i->end_time = rest_json_int64(json_object_get(info, "end_time"));
	i->lifecycle_stage = xstrdup(stage ? stage : "active");
	return 0;
}

int rest_run_parse(cairn_run **out, json_t *obj)
{
	cairn_run *run = run_new();
	json_t *data = json_object_get(obj, "data");
	json_t *inputs = json_object_get(json_object_get(obj, "inputs"), "dataset_inputs");
	json_t *in;
	size_t i;
	int err;

	if ((err = parse_info(run, json_object_get(obj, "info"))) < 0 ||
	    (data && !json_is_object(data)) ||
	    (err = parse_kvs(run, json_object_get(data, "params"), "param list",
			     run_add_param)) < 0 ||
	    (err = parse_kvs(run, json_object_get(data, "tags"), "tag list",
			     run_add_tag)) < 0 ||
	    (err = parse_metrics(run, json_object_get(data, "metrics"))) < 0)
		goto fail;
	if (inputs && !json_is_array(inputs)) {
		err = bad_shape("input list");
		goto fail;
	}
	json_array_foreach(inputs, i, in)
		if ((err = parse_input(run, in)) < 0)
			goto fail;
	for (i = 0; i < run->ntags; i++)
		if (!strcmp(run->tags[i].key, "mlflow.parentRunId"))
			run->row.info.parent_run_id = dup_or_null(run->tags[i].value);
	*out = run;
	return 0;
fail:
	if (!err)
		err = bad_shape("run");
	cairn_run_free(run);
	return err;
}
