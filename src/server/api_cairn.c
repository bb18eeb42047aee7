/*
 * api_cairn.c: cairn's own REST routes, under /api/2.0/cairn/: what MLflow
 * has no words for. Data set versions; what `cairn run` captured of a
 * run's code and environment, read back from the run's tags; run ids from
 * prefixes and names, and checkpoints (what the cairn CLI needs against a
 * server). The shapes follow MLflow's conventions (snake_case, int64 as
 * numbers, empty lists omitted). docs/api.md lists them.
 */
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "util/alloc.h"
#include "util/banned.h"

static json_t *version_json(const cairn_data_version *v)
{
	cairn_buf text = CAIRN_BUF_INIT;
	json_t *o = NULL;

	if (cairn_data_version_json(&text, v) == 0)
		o = json_loads(text.ptr, 0, NULL);
	cairn_buf_dispose(&text);
	return o ? o : json_object();
}

static int add_version(const cairn_data_version *v, void *payload)
{
	json_array_append_new(payload, version_json(v));
	return 0;
}

/* A list under key, omitted when empty (MLflow's rule). */
static json_t *wrap(const char *key, json_t *list)
{
	json_t *o = json_object();

	if (json_array_size(list))
		json_object_set_new(o, key, list);
	else
		json_decref(list);
	return o;
}

/* GET datasets/list: the latest version of every data set. */
static int datasets_list(cairn_repo *repo, json_t *params, struct api_result *res)
{
	json_t *list = json_array();
	int err;

	(void)params;
	if ((err = cairn_data_list(repo, add_version, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = wrap("datasets", list);
	return 0;
}

/* GET datasets/versions?name=NAME: every version, oldest first. */
static int datasets_versions(cairn_repo *repo, json_t *params,
			     struct api_result *res)
{
	const char *name;
	json_t *list;
	int err;

	if (api_get_string(&name, params, "name", 1, res) < 0)
		return -1;
	list = json_array();
	if ((err = cairn_data_log(repo, name, add_version, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = wrap("versions", list);
	return 0;
}

/* GET datasets/get?spec=NAME@vN (any cairn version spec). */
static int datasets_get(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_data_version *v;
	const char *spec;
	int err;

	if (api_get_string(&spec, params, "spec", 1, res) < 0)
		return -1;
	if ((err = cairn_data_lookup(&v, repo, spec)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_pack("{s:o}", "version", version_json(v));
	cairn_data_version_free(v);
	return 0;
}

/* Tags with a prefix, the prefix cut off, into obj; 1 if any. */
static int tags_under(json_t *obj, const cairn_run *run, const char *prefix)
{
	size_t i, n = strlen(prefix);
	int any = 0;

	for (i = 0; i < cairn_run_tag_count(run); i++) {
		const cairn_kv *t = cairn_run_tag(run, i);

		if (!strncmp(t->key, prefix, n) && t->key[n]) {
			json_object_set_new(obj, t->key + n, json_string(t->value));
			any = 1;
		}
	}
	return any;
}

static void set_tag(json_t *obj, const char *field, const cairn_run *run,
		    const char *key)
{
	size_t i;

	for (i = 0; i < cairn_run_tag_count(run); i++)
		if (!strcmp(cairn_run_tag(run, i)->key, key))
			json_object_set_new(obj, field,
					    json_string(cairn_run_tag(run, i)->value));
}

/*
 * GET runs/environment?run_id=ID: what `cairn run` captured, grouped:
 * code, command, environment, python, lock files. Absent groups are omitted.
 */
static int runs_environment(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	json_t *out = json_object(), *code = json_object(), *cmd = json_object(),
	       *env = json_object(), *py = json_object(), *locks = json_object();
	const char *run_id;
	cairn_run *run;
	int err;

	if (api_get_run_id(&run_id, params, res) < 0)
		goto fail;
	if ((err = cairn_run_get(&run, repo, run_id)) < 0) {
		api_fail_cairn(res, err);
		goto fail;
	}
	set_tag(code, "commit", run, "mlflow.source.git.commit");
	set_tag(code, "branch", run, "mlflow.source.git.branch");
	set_tag(code, "repo_url", run, "mlflow.source.git.repoURL");
	set_tag(code, "dirty", run, "cairn.git.dirty");
	set_tag(code, "diff_id", run, "cairn.git.diff");
	set_tag(cmd, "command", run, "cairn.command");
	set_tag(cmd, "exit_code", run, "cairn.exit_code");
	set_tag(cmd, "signal", run, "cairn.signal");
	set_tag(cmd, "duration_ms", run, "cairn.duration_ms");
	tags_under(env, run, "cairn.env.");
	set_tag(py, "version", run, "cairn.python.version");
	set_tag(py, "executable", run, "cairn.python.executable");
	set_tag(py, "packages_id", run, "cairn.python.packages");
	tags_under(locks, run, "cairn.lockfile.");
	cairn_run_free(run);
	if (json_object_size(code))
		json_object_set(out, "code", code);
	if (json_object_size(cmd))
		json_object_set(out, "command", cmd);
	if (json_object_size(env))
		json_object_set(out, "environment", env);
	if (json_object_size(py))
		json_object_set(out, "python", py);
	if (json_object_size(locks))
		json_object_set(out, "lock_files", locks);
	res->body = out;
	out = NULL;
fail:
	json_decref(out);
	json_decref(code);
	json_decref(cmd);
	json_decref(env);
	json_decref(py);
	json_decref(locks);
	return res->error_code ? -1 : 0;
}

static int add_checkpoint(const cairn_checkpoint *c, void *payload)
{
	char id[CAIRN_OID_STRLEN + 1];
	json_t *o, *meta = c->meta ? json_loads(c->meta, 0, NULL) : NULL;

	cairn_oid_fmt(id, &c->oid);
	o = json_pack("{s:I, s:s, s:s, s:I, s:I}", "step", (json_int_t)c->step,
		      "path", c->path, "id", id, "size", (json_int_t)c->size,
		      "created_ms", (json_int_t)c->created_ms);

	if (meta)
		json_object_set_new(o, "meta", meta);
	json_array_append_new(payload, o);
	return 0;
}

/* GET runs/checkpoints?run_id=ID */
static int runs_checkpoints(cairn_repo *repo, json_t *params,
			    struct api_result *res)
{
	const char *run_id;
	json_t *list;
	int err;

	if (api_get_run_id(&run_id, params, res) < 0)
		return -1;
	list = json_array();
	if ((err = cairn_checkpoint_foreach(repo, run_id, add_checkpoint, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = wrap("checkpoints", list);
	return 0;
}

/*
 * POST runs/log-checkpoint {run_id, step, path, meta}: record the artifact
 * file already uploaded at path as checkpoint step.
 */
static int runs_log_checkpoint(cairn_repo *repo, json_t *params,
			       struct api_result *res)
{
	const char *run_id, *path;
	json_t *meta = json_object_get(params, "meta");
	char *meta_text = NULL;
	int64_t step;
	int err;

	if (api_get_run_id(&run_id, params, res) < 0 ||
	    api_get_int64(&step, params, "step", 1, res) < 0 ||
	    api_get_string(&path, params, "path", 1, res) < 0)
		return -1;
	/* An object, or its text (kept as the client wrote it). */
	if (meta && !json_is_null(meta) && !json_is_object(meta) && !json_is_string(meta))
		return api_fail(res, 400, "INVALID_PARAMETER_VALUE",
				"checkpoint metadata must be a JSON object");
	if (json_is_object(meta))
		meta_text = json_dumps(meta, 0);
	else if (json_is_string(meta))
		meta_text = xstrdup(json_string_value(meta));
	err = cairn_log_checkpoint_artifact(repo, run_id, step, path, meta_text);
	free(meta_text);
	if (err < 0)
		return api_fail_cairn(res, err);
	res->body = json_object();
	return 0;
}

static int add_artifact(const cairn_artifact *a, void *payload)
{
	char id[CAIRN_OID_STRLEN + 1];

	cairn_oid_fmt(id, &a->oid);
	json_array_append_new(payload, json_pack("{s:s, s:b, s:I, s:s}", "path", a->path,
						 "is_dir", a->is_dir, "size",
						 (json_int_t)a->size, "id", id));
	return 0;
}

/*
 * GET runs/artifacts?run_id=ID&path=P: the entries directly under P (or
 * P itself, a file), with sizes (directories too) and ids, as
 * cairn_artifact_list() gives them; MLflow's artifacts/list has neither.
 */
static int runs_artifacts(cairn_repo *repo, json_t *params, struct api_result *res)
{
	const char *run_id, *path = "";
	json_t *list;
	int err;

	if (api_get_run_id(&run_id, params, res) < 0 ||
	    api_get_string(&path, params, "path", 0, res) < 0)
		return -1;
	list = json_array();
	if ((err = cairn_artifact_list(repo, run_id, path, add_artifact, list)) < 0) {
		json_decref(list);
		return api_fail_cairn(res, err);
	}
	res->body = wrap("files", list);
	return 0;
}

/* GET runs/resolve?spec=SPEC: a run id, id prefix or unique run name. */
static int runs_resolve(cairn_repo *repo, json_t *params, struct api_result *res)
{
	cairn_buf id = CAIRN_BUF_INIT;
	const char *spec;
	int err;

	if (api_get_string(&spec, params, "spec", 1, res) < 0)
		return -1;
	if ((err = cairn_run_resolve(&id, repo, spec)) < 0)
		return api_fail_cairn(res, err);
	res->body = json_pack("{s:s}", "run_id", id.ptr);
	cairn_buf_dispose(&id);
	return 0;
}

const struct api_route api_cairn_routes[] = {
	{ "GET", "/cairn/datasets/list", datasets_list },
	{ "GET", "/cairn/datasets/versions", datasets_versions },
	{ "GET", "/cairn/datasets/get", datasets_get },
	{ "GET", "/cairn/runs/environment", runs_environment },
	{ "GET", "/cairn/runs/artifacts", runs_artifacts },
	{ "GET", "/cairn/runs/checkpoints", runs_checkpoints },
	{ "POST", "/cairn/runs/log-checkpoint", runs_log_checkpoint },
	{ "GET", "/cairn/runs/resolve", runs_resolve },
	{ "GET", "/cairn/models/card", api_model_card },
	{ NULL, NULL, NULL },
};
