/*
 * track_rest.c: the track_rest backend: experiment tracking on a cairn
 * server, each operation of track_backend.h as calls to the server's
 * routes (docs/api.md): MLflow's /api/2.0/mlflow/..., the artifact proxy
 * /api/2.0/mlflow-artifacts/..., and cairn's /api/2.0/cairn/... for what
 * MLflow has no route for (run ids from prefixes and names, checkpoints).
 *
 * The server applies this same library, so it refuses what the local
 * store refuses with the same messages. Where MLflow's routes say things
 * differently, this file says them as the local backend does: an unknown
 * experiment is "no experiment with id or name 'X'" (tried by id, then by
 * name), an unknown run "Run 'X' not found", an unknown artifact "the run
 * has no artifact 'P'"; artifacts are not written to a deleted run.
 * Listings come in the local order: experiments by id (all pages read
 * first), artifacts by name (the server's order).
 *
 * Artifacts: a file is one streamed PUT; a directory is its files, each
 * one PUT (the directory already there is deleted first, so it is
 * replaced, as locally). Downloads stream to a temporary file beside the
 * destination, linked into place when complete.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/repo.h"
#include "lib/track_backend.h"
#include "lib/track_rest.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define EXPERIMENT_PAGE 1000

static struct rest *conn(cairn_repo *repo)
{
	return repo->track_state;
}

/* ---------------------------------------------------------- experiments */

static int experiment_create(struct buf *id_out, cairn_repo *repo,
			     const char *name)
{
	json_t *res = NULL;
	const char *id;
	int err;

	if ((err = rest_call(&res, conn(repo), "POST", "mlflow/experiments/create",
			     json_pack("{s:s}", "name", name))) < 0)
		return err;
	id = json_string_value(json_object_get(res, "experiment_id"));
	if (id)
		buf_puts(id_out, id);
	else
		err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
				      "the server did not name the new experiment");
	json_decref(res);
	return err;
}

/* The experiment's JSON object (*out, a new reference), by id or name. */
static int experiment_json(json_t **out, cairn_repo *repo, const char *id_or_name)
{
	json_t *res = NULL;
	int err = CAIRN_ENOTFOUND;

	*out = NULL;
	if (*id_or_name && strlen(id_or_name) < 19 &&
	    strspn(id_or_name, "0123456789") == strlen(id_or_name))
		err = rest_call(&res, conn(repo), "GET", "mlflow/experiments/get",
				json_pack("{s:s}", "experiment_id", id_or_name));
	if (err == CAIRN_ENOTFOUND)
		err = rest_call(&res, conn(repo), "GET", "mlflow/experiments/get-by-name",
				json_pack("{s:s}", "experiment_name", id_or_name));
	if (err == CAIRN_ENOTFOUND)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"no experiment with id or name '%s'", id_or_name);
	if (err < 0)
		return err;
	*out = json_incref(json_object_get(res, "experiment"));
	json_decref(res);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cairn_error_set(CAIRN_ERRCLASS_REMOTE,
				       "the server sent no experiment for '%s'", id_or_name);
	}
	return 0;
}

static int experiment_get(cairn_experiment *out, cairn_repo *repo,
			  const char *id_or_name)
{
	json_t *e;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = experiment_json(&e, repo, id_or_name)) < 0)
		return err;
	err = rest_experiment_parse(out, e);
	json_decref(e);
	return err;
}

static void experiment_clear(cairn_experiment *e)
{
	free((char *)e->id);
	free((char *)e->name);
	free((char *)e->lifecycle_stage);
	memset(e, 0, sizeof(*e));
}

/* Call route with {experiment_id: the experiment's id} plus more. */
static int experiment_post(cairn_repo *repo, const char *id_or_name,
			   const char *route, json_t *more)
{
	cairn_experiment e;
	int err;

	if ((err = experiment_get(&e, repo, id_or_name)) < 0) {
		json_decref(more);
		return err;
	}
	json_object_set_new(more, "experiment_id", json_string(e.id));
	err = rest_call(NULL, conn(repo), "POST", route, more);
	experiment_clear(&e);
	return err;
}

static int experiment_set(cairn_repo *repo, const char *id_or_name,
			  const char *name, const char *stage)
{
	if (name)
		return experiment_post(repo, id_or_name, "mlflow/experiments/update",
				       json_pack("{s:s}", "new_name", name));
	return experiment_post(repo, id_or_name,
			       !strcmp(stage, "deleted") ? "mlflow/experiments/delete"
							 : "mlflow/experiments/restore",
			       json_object());
}

static int experiment_set_tag(cairn_repo *repo, const char *id_or_name,
			      const char *key, const char *value)
{
	return experiment_post(repo, id_or_name,
			       "mlflow/experiments/set-experiment-tag",
			       json_pack("{s:s, s:s}", "key", key, "value", value));
}

static int experiment_delete_tag(cairn_repo *repo, const char *id_or_name,
				 const char *key)
{
	return experiment_post(repo, id_or_name,
			       "mlflow/experiments/delete-experiment-tag",
			       json_pack("{s:s}", "key", key));
}

static int experiment_tag_foreach(cairn_repo *repo, const char *id_or_name,
				  int (*cb)(const char *key, const char *value,
					    void *payload),
				  void *payload)
{
	json_t *e, *tag;
	size_t i;
	int err;

	if ((err = experiment_json(&e, repo, id_or_name)) < 0)
		return err;
	json_array_foreach(json_object_get(e, "tags"), i, tag) {
		const char *k = json_string_value(json_object_get(tag, "key"));
		const char *v = json_string_value(json_object_get(tag, "value"));

		if (k && (err = cb(k, v ? v : "", payload)) != 0)
			break;
	}
	json_decref(e);
	return err;
}

static int by_numeric_id(const void *a, const void *b)
{
	const cairn_experiment *x = a, *y = b;
	long long i = strtoll(x->id, NULL, 10), j = strtoll(y->id, NULL, 10);

	return (i > j) - (i < j);
}

static int experiment_foreach(cairn_repo *repo, cairn_view view,
			      int (*cb)(const cairn_experiment *e, void *payload),
			      void *payload)
{
	static const char *const views[] = { "ACTIVE_ONLY", "ACTIVE_ONLY",
					     "DELETED_ONLY", "ALL" };
	cairn_experiment *list = NULL;
	size_t n = 0, alloc = 0, i;
	char *token = NULL;
	int err = 0;

	do {
		json_t *req = json_pack("{s:s, s:i}", "view_type",
					views[(unsigned)view < 4 ? view : 1],
					"max_results", EXPERIMENT_PAGE);
		json_t *res = NULL, *e;
		const char *next;

		if (token)
			json_object_set_new(req, "page_token", json_string(token));
		free(token);
		token = NULL;
		if ((err = rest_call(&res, conn(repo), "POST",
				     "mlflow/experiments/search", req)) < 0)
			break;
		json_array_foreach(json_object_get(res, "experiments"), i, e) {
			ALLOC_GROW(list, n + 1, alloc);
			if ((err = rest_experiment_parse(&list[n], e)) < 0)
				break;
			n++;
		}
		next = json_string_value(json_object_get(res, "next_page_token"));
		if (!err && next && *next)
			token = xstrdup(next);
		json_decref(res);
	} while (!err && token);
	if (!err && n)
		qsort(list, n, sizeof(*list), by_numeric_id);
	for (i = 0; i < n && !err; i++)
		err = cb(&list[i], payload);
	for (i = 0; i < n; i++)
		experiment_clear(&list[i]);
	free(list);
	free(token);
	return err;
}

/* ---------------------------------------------------------------- runs */

/* A run call's error, said as the local store says an unknown run. */
static int run_error(int err, const char *run_id)
{
	if (err == CAIRN_ENOTFOUND &&
	    !strncmp(cairn_error_last()->message, "Run with id=", 12))
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"Run '%s' not found", run_id);
	return err;
}

static int run_post(cairn_repo *repo, const char *run_id, const char *route,
		    json_t *more)
{
	json_object_set_new(more, "run_id", json_string(run_id));
	return run_error(rest_call(NULL, conn(repo), "POST", route, more), run_id);
}

static int run_get(cairn_run **out, cairn_repo *repo, const char *run_id)
{
	json_t *res = NULL;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "mlflow/runs/get",
			     json_pack("{s:s}", "run_id", run_id))) < 0)
		return run_error(err, run_id);
	err = rest_run_parse(out, json_object_get(res, "run"));
	json_decref(res);
	return err;
}

static int run_create(struct buf *id_out, cairn_repo *repo,
		      const cairn_run_create_options *opts)
{
	cairn_experiment e;
	json_t *req, *tags = json_array(), *res = NULL;
	const char *id;
	size_t i;
	int err;

	if ((err = experiment_get(&e, repo, opts->experiment ? opts->experiment : "0")) < 0) {
		json_decref(tags);
		return err;
	}
	if (opts->parent_run_id) {
		cairn_run *parent = NULL;

		if ((err = run_get(&parent, repo, opts->parent_run_id)) < 0)
			goto done;
		cairn_run_free(parent);
		json_array_append_new(tags, json_pack("{s:s, s:s}", "key",
						      "mlflow.parentRunId", "value",
						      opts->parent_run_id));
	}
	for (i = 0; i < opts->ntags; i++)
		json_array_append_new(tags, json_pack("{s:s, s:s}", "key",
						      opts->tags[i].key, "value",
						      opts->tags[i].value));
	req = json_pack("{s:s, s:s, s:O}", "experiment_id", e.id, "user_id",
			opts->user ? opts->user : cairn_repo__user(), "tags", tags);
	if (opts->name && *opts->name)
		json_object_set_new(req, "run_name", json_string(opts->name));
	if (opts->start_time)
		json_object_set_new(req, "start_time", json_integer(opts->start_time));
	if ((err = rest_call(&res, conn(repo), "POST", "mlflow/runs/create", req)) < 0)
		goto done;
	id = json_string_value(json_object_get(json_object_get(json_object_get(res, "run"),
							       "info"), "run_id"));
	if (id)
		buf_puts(id_out, id);
	else
		err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
				      "the server did not name the new run");
done:
	json_decref(res);
	json_decref(tags);
	experiment_clear(&e);
	return err;
}

static int run_resolve(struct buf *id_out, cairn_repo *repo, const char *spec)
{
	json_t *res = NULL;
	const char *id;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "cairn/runs/resolve",
			     json_pack("{s:s}", "spec", spec))) < 0)
		return err;
	if ((id = json_string_value(json_object_get(res, "run_id"))))
		buf_puts(id_out, id);
	else
		err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
				      "the server sent no run id for '%s'", spec);
	json_decref(res);
	return err;
}

static int run_update(cairn_repo *repo, const char *run_id,
		      cairn_run_status status, int64_t end_time, const char *name)
{
	json_t *req = json_pack("{s:s}", "status", cairn_run_status_name(status));

	if (end_time)
		json_object_set_new(req, "end_time", json_integer(end_time));
	if (name)
		json_object_set_new(req, "run_name", json_string(name));
	return run_post(repo, run_id, "mlflow/runs/update", req);
}

static int run_set_stage(cairn_repo *repo, const char *run_id, const char *stage)
{
	return run_post(repo, run_id,
			!strcmp(stage, "deleted") ? "mlflow/runs/delete"
						  : "mlflow/runs/restore",
			json_object());
}

/* Every experiment's id (a run search over "all experiments"). */
static int add_experiment_id(const cairn_experiment *e, void *payload)
{
	json_array_append_new(payload, json_string(e->id));
	return 0;
}

static int runs_search(struct buf *next_page_token, cairn_repo *repo,
		       const cairn_search_options *opts,
		       int (*cb)(const cairn_run *run, void *payload),
		       void *payload)
{
	static const char *const views[] = { "ACTIVE_ONLY", "ACTIVE_ONLY",
					     "DELETED_ONLY", "ALL" };
	json_t *ids = json_array(), *order = json_array(), *req, *res = NULL, *r;
	const char *next;
	size_t i;
	int err = 0;

	for (i = 0; i < opts->nexperiments && !err; i++) {
		cairn_experiment e;

		if ((err = experiment_get(&e, repo, opts->experiments[i])) == 0)
			json_array_append_new(ids, json_string(e.id));
		experiment_clear(&e);
	}
	if (!err && !opts->nexperiments)
		err = experiment_foreach(repo, CAIRN_VIEW_ALL, add_experiment_id, ids);
	for (i = 0; i < opts->norder_by; i++)
		json_array_append_new(order, json_string(opts->order_by[i]));
	req = json_pack("{s:o, s:o, s:I, s:s}", "experiment_ids", ids, "order_by",
			order, "max_results",
			(json_int_t)(opts->max_results ? opts->max_results : 1000),
			"run_view_type", views[(unsigned)opts->view < 4 ? opts->view : 1]);
	if (opts->filter)
		json_object_set_new(req, "filter", json_string(opts->filter));
	if (opts->page_token)
		json_object_set_new(req, "page_token", json_string(opts->page_token));
	if (err < 0) {
		json_decref(req);
		return err;
	}
	if ((err = rest_call(&res, conn(repo), "POST", "mlflow/runs/search", req)) < 0)
		return err;
	json_array_foreach(json_object_get(res, "runs"), i, r) {
		cairn_run *run;

		if ((err = rest_run_parse(&run, r)) < 0)
			break;
		err = cb(run, payload);
		cairn_run_free(run);
		if (err)
			break;
	}
	next = json_string_value(json_object_get(res, "next_page_token"));
	if (!err && next && *next)
		buf_puts(next_page_token, next);
	json_decref(res);
	return err;
}

static int metric_history(cairn_repo *repo, const char *run_id, const char *key,
			  int (*cb)(const cairn_metric *m, void *payload),
			  void *payload)
{
	json_t *res = NULL, *o;
	size_t i;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "mlflow/metrics/get-history",
			     json_pack("{s:s, s:s}", "run_id", run_id, "metric_key",
				       key))) < 0)
		return run_error(err, run_id);
	json_array_foreach(json_object_get(res, "metrics"), i, o) {
		cairn_metric m;

		m.key = json_string_value(json_object_get(o, "key"));
		if (!m.key || rest_json_double(&m.value, json_object_get(o, "value")) < 0) {
			err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
					      "the server sent a malformed metric");
			break;
		}
		m.timestamp = rest_json_int64(json_object_get(o, "timestamp"));
		m.step = rest_json_int64(json_object_get(o, "step"));
		if ((err = cb(&m, payload)) != 0)
			break;
	}
	json_decref(res);
	return err;
}

/* ------------------------------------------------------------- logging */

static int log_batch(cairn_repo *repo, const char *run_id,
		     const cairn_metric *metrics, size_t nmetrics,
		     const cairn_kv *params, size_t nparams,
		     const cairn_kv *tags, size_t ntags)
{
	json_t *m = json_array(), *p = json_array(), *t = json_array();
	size_t i;

	for (i = 0; i < nmetrics; i++)
		json_array_append_new(m, json_pack("{s:s, s:o, s:I, s:I}", "key",
						   metrics[i].key, "value",
						   rest_double_json(metrics[i].value),
						   "timestamp",
						   (json_int_t)metrics[i].timestamp,
						   "step", (json_int_t)metrics[i].step));
	for (i = 0; i < nparams; i++)
		json_array_append_new(p, json_pack("{s:s, s:s}", "key", params[i].key,
						   "value", params[i].value));
	for (i = 0; i < ntags; i++)
		json_array_append_new(t, json_pack("{s:s, s:s}", "key", tags[i].key,
						   "value", tags[i].value));
	return run_post(repo, run_id, "mlflow/runs/log-batch",
			json_pack("{s:o, s:o, s:o}", "metrics", m, "params", p,
				  "tags", t));
}

static int delete_tag(cairn_repo *repo, const char *run_id, const char *key)
{
	int err = run_post(repo, run_id, "mlflow/runs/delete-tag",
			   json_pack("{s:s}", "key", key));

	/* MLflow's route names the run; the library does not. */
	if (err == CAIRN_ENOTFOUND &&
	    !strncmp(cairn_error_last()->message, "No tag with name: ", 18))
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
				       "No tag with name: %s in run", key);
	return err;
}

static int log_input(cairn_repo *repo, const char *run_id,
		     const cairn_data_version *v, const char *context)
{
	return run_post(repo, run_id, "mlflow/runs/log-inputs",
			json_pack("{s:[o]}", "datasets", rest_input_json(v, context)));
}

static int log_dataset_inputs(cairn_repo *repo, const char *run_id,
			      const cairn_dataset_input *inputs, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, rest_dataset_input_json(&inputs[i]));
	return run_post(repo, run_id, "mlflow/runs/log-inputs",
			json_pack("{s:o}", "datasets", list));
}

static int dataset_summaries(cairn_repo *repo, const char *const *experiments,
			     size_t n, size_t max,
			     int (*cb)(const cairn_dataset_summary *s, void *payload),
			     void *payload)
{
	json_t *ids = json_array(), *res = NULL, *o;
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_string(experiments[i]));
	if ((err = rest_call(&res, conn(repo), "POST", "mlflow/experiments/search-datasets",
			     json_pack("{s:o}", "experiment_ids", ids))) < 0)
		return err;
	json_array_foreach(json_object_get(res, "dataset_summaries"), i, o) {
		cairn_dataset_summary s;

		if (i >= max)
			break;
		s.experiment_id = json_string_value(json_object_get(o, "experiment_id"));
		s.name = json_string_value(json_object_get(o, "name"));
		s.digest = json_string_value(json_object_get(o, "digest"));
		s.context = json_string_value(json_object_get(o, "context"));
		if (!s.experiment_id || !s.name || !s.digest) {
			err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
					      "the server sent a malformed dataset summary");
			break;
		}
		if ((err = cb(&s, payload)) != 0)
			break;
	}
	json_decref(res);
	return err;
}

/* ----------------------------------------------------------- artifacts */

/*
 * The proxy path of a run's artifact: "<exp>/<run>/artifacts[/<path>]".
 * With must_be_active, a deleted run is refused as the local store does.
 */
static int proxy_path(struct buf *out, cairn_repo *repo, const char *run_id,
		      const char *path, int must_be_active)
{
	cairn_run *run;
	const cairn_run_info *info;
	int err;

	if ((err = run_get(&run, repo, run_id)) < 0)
		return err;
	info = cairn_run_info_get(run);
	if (must_be_active && strcmp(info->lifecycle_stage, "active"))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The run %s must be in the 'active' state. Current "
				       "state is %s.", run_id, info->lifecycle_stage);
	buf_reset(out);
	buf_printf(out, "%s/%s/artifacts", info->experiment_id, info->run_id);
	if (*path)
		buf_printf(out, "/%s", path);
	cairn_run_free(run);
	return err;
}

static int upload_file(cairn_repo *repo, const char *proxy, const char *local)
{
	int fd = open(local, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return cairn_error_set_os("cannot read '%s'", local);
	err = rest_upload(conn(repo), proxy, fd);
	close(fd);
	return err;
}

/* Upload local (a file or directory) to proxy, recursively. */
static int upload_tree(cairn_repo *repo, struct buf *proxy, const char *local)
{
	struct dirent **names = NULL;
	struct stat st;
	size_t len = proxy->len;
	int i, n, err = 0;

	if (stat(local, &st) < 0)
		return cairn_error_set_os("cannot read '%s'", local);
	if (!S_ISDIR(st.st_mode))
		return upload_file(repo, proxy->ptr, local);
	if ((n = scandir(local, &names, NULL, alphasort)) < 0)
		return cairn_error_set_os("cannot read '%s'", local);
	for (i = 0; i < n; i++) {
		char *child;

		if (!err && strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			child = path_join(local, names[i]->d_name);
			buf_setlen(proxy, len);
			buf_printf(proxy, "/%s", names[i]->d_name);
			err = upload_tree(repo, proxy, child);
			free(child);
		}
		free(names[i]);
	}
	free(names);
	buf_setlen(proxy, len);
	return err;
}

static int log_artifact(cairn_repo *repo, const char *run_id,
			const char *local_path, const char *dest_path)
{
	struct buf proxy = BUF_INIT;
	int err;

	if ((err = proxy_path(&proxy, repo, run_id, dest_path, 1)) == 0) {
		/* A directory replaces what was at its place. */
		if (fs_is_dir(local_path) &&
		    (err = rest_delete(conn(repo), proxy.ptr)) == CAIRN_ENOTFOUND)
			err = 0;
		if (!err)
			err = upload_tree(repo, &proxy, local_path);
	}
	buf_release(&proxy);
	return err;
}

static int log_artifact_fd(cairn_repo *repo, const char *run_id, int fd,
			   const char *path)
{
	struct buf proxy = BUF_INIT;
	int err;

	if ((err = proxy_path(&proxy, repo, run_id, path, 1)) == 0)
		err = rest_upload(conn(repo), proxy.ptr, fd);
	buf_release(&proxy);
	return err;
}

static int artifact_delete(cairn_repo *repo, const char *run_id, const char *path)
{
	struct buf proxy = BUF_INIT;
	int err;

	if ((err = proxy_path(&proxy, repo, run_id, path, 1)) == 0 &&
	    (err = rest_delete(conn(repo), proxy.ptr)) == CAIRN_ENOTFOUND)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "the run has no artifact '%s'", path);
	buf_release(&proxy);
	return err;
}

/*
 * The entries directly under path, or the file at path itself, with
 * sizes and ids (cairn/runs/artifacts: cairn_artifact_list() on the
 * server). *files gets a list (empty for a run without artifacts).
 */
static int list_artifacts(json_t **files, cairn_repo *repo, const char *run_id,
			  const char *path)
{
	json_t *res = NULL;
	int err;

	*files = NULL;
	if ((err = rest_call(&res, conn(repo), "GET", "cairn/runs/artifacts",
			     json_pack("{s:s, s:s}", "run_id", run_id, "path", path))) < 0)
		return err;
	*files = json_incref(json_object_get(res, "files"));
	json_decref(res);
	if (!*files)
		*files = json_array();
	return 0;
}

static int entry_of(cairn_artifact *a, json_t *f)
{
	const char *id = json_string_value(json_object_get(f, "id"));

	memset(a, 0, sizeof(*a));
	a->path = json_string_value(json_object_get(f, "path"));
	a->is_dir = json_is_true(json_object_get(f, "is_dir"));
	a->size = (uint64_t)rest_json_int64(json_object_get(f, "size"));
	if (!a->path || (id && cairn_oid_parse(&a->oid, id) < 0))
		return cairn_error_set(CAIRN_ERRCLASS_REMOTE,
				       "the server sent a malformed artifact listing");
	return 0;
}

/* Whether path is a file: the listing of a file is that file alone. */
static int listing_is_file(json_t *files, const char *path)
{
	const char *p = json_string_value(json_object_get(json_array_get(files, 0), "path"));

	return *path && json_array_size(files) == 1 && p && !strcmp(p, path) &&
	       !json_is_true(json_object_get(json_array_get(files, 0), "is_dir"));
}

static int artifact_list(cairn_repo *repo, const char *run_id, const char *path,
			 int (*cb)(const cairn_artifact *a, void *payload),
			 void *payload)
{
	json_t *files, *f;
	size_t i;
	int err;

	if ((err = list_artifacts(&files, repo, run_id, path)) < 0)
		return err;
	json_array_foreach(files, i, f) {
		cairn_artifact a;

		if ((err = entry_of(&a, f)) < 0 || (err = cb(&a, payload)) != 0)
			break;
	}
	json_decref(files);
	return err;
}

static int artifact_read(cairn_repo *repo, const char *run_id, const char *path,
			 int fd)
{
	struct buf proxy = BUF_INIT;
	json_t *files;
	int is_file, err;

	if ((err = list_artifacts(&files, repo, run_id, path)) < 0)
		return err;
	is_file = listing_is_file(files, path);
	json_decref(files);
	if (!is_file)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"artifact '%s' is a directory", path);
	if ((err = proxy_path(&proxy, repo, run_id, path, 0)) == 0)
		err = rest_download(conn(repo), proxy.ptr, fd);
	buf_release(&proxy);
	return err;
}

/* Download the file at path to dest: a temporary file, then a link. */
static int download_file(cairn_repo *repo, const char *run_id, const char *path,
			 const char *dest)
{
	struct buf proxy = BUF_INIT;
	char *dir = path_dirname(dest), *tmp = NULL;
	int fd = fs_mkstemp(&tmp, dir, ".cairn-download-"), err;

	free(dir);
	if (fd < 0) {
		buf_release(&proxy);
		return fd;
	}
	if ((err = proxy_path(&proxy, repo, run_id, path, 0)) == 0)
		err = rest_download(conn(repo), proxy.ptr, fd);
	if (!err && fchmod(fd, 0644) < 0)
		err = cairn_error_set_os("cannot write '%s'", dest);
	close(fd);
	if (!err && link(tmp, dest) < 0)
		err = cairn_error_set_os("cannot create '%s'", dest);
	unlink(tmp);
	free(tmp);
	buf_release(&proxy);
	return err;
}

/* Download what is at path (a file, or a directory and all in it). */
static int download_tree(cairn_repo *repo, const char *run_id, const char *path,
			 const char *dest)
{
	json_t *files, *f;
	size_t i;
	int err;

	if ((err = list_artifacts(&files, repo, run_id, path)) < 0)
		return err;
	if (listing_is_file(files, path)) {
		json_decref(files);
		return download_file(repo, run_id, path, dest);
	}
	if (mkdir(dest, 0755) < 0) {
		json_decref(files);
		return cairn_error_set_os("cannot create '%s'", dest);
	}
	json_array_foreach(files, i, f) {
		cairn_artifact a;
		char *child;

		if ((err = entry_of(&a, f)) < 0)
			break;
		child = path_join(dest, path_basename(a.path));
		err = download_tree(repo, run_id, a.path, child);
		free(child);
		if (err < 0)
			break;
	}
	json_decref(files);
	return err;
}

static int artifact_download(cairn_repo *repo, const char *run_id,
			     const char *path, const char *dest)
{
	return download_tree(repo, run_id, path, dest);
}

/* --------------------------------------------------------- checkpoints */

static int checkpoint_record(cairn_repo *repo, const char *run_id, int64_t step,
			     const char *path, const char *meta_json)
{
	json_t *req = json_pack("{s:I, s:s}", "step", (json_int_t)step, "path", path);

	/* The text as given, so the server keeps it as the local store would. */
	if (meta_json)
		json_object_set_new(req, "meta", json_string(meta_json));
	return run_post(repo, run_id, "cairn/runs/log-checkpoint", req);
}

static int checkpoint_foreach(cairn_repo *repo, const char *run_id,
			      int (*cb)(const cairn_checkpoint *c, void *payload),
			      void *payload)
{
	json_t *res = NULL, *o;
	size_t i;
	int err;

	if ((err = rest_call(&res, conn(repo), "GET", "cairn/runs/checkpoints",
			     json_pack("{s:s}", "run_id", run_id))) < 0)
		return run_error(err, run_id);
	json_array_foreach(json_object_get(res, "checkpoints"), i, o) {
		json_t *meta = json_object_get(o, "meta");
		const char *id = json_string_value(json_object_get(o, "id"));
		char *meta_text = NULL;
		cairn_checkpoint c;

		memset(&c, 0, sizeof(c));
		c.step = rest_json_int64(json_object_get(o, "step"));
		c.path = json_string_value(json_object_get(o, "path"));
		c.size = (uint64_t)rest_json_int64(json_object_get(o, "size"));
		c.created_ms = rest_json_int64(json_object_get(o, "created_ms"));
		if (!c.path || (id && cairn_oid_parse(&c.oid, id) < 0)) {
			err = cairn_error_set(CAIRN_ERRCLASS_REMOTE,
					      "the server sent a malformed checkpoint");
			break;
		}
		if (json_is_object(meta))
			meta_text = json_dumps(meta, JSON_REAL_PRECISION(15));
		c.meta = meta_text;
		err = cb(&c, payload);
		free(meta_text);
		if (err)
			break;
	}
	json_decref(res);
	return err;
}

/* ---------------------------------------------------------------- table */

static void release(cairn_repo *repo)
{
	rest_free(repo->track_state);
	repo->track_state = NULL;
}

const struct track_backend track_rest = {
	.experiment_create = experiment_create,
	.experiment_get = experiment_get,
	.experiment_set = experiment_set,
	.experiment_set_tag = experiment_set_tag,
	.experiment_delete_tag = experiment_delete_tag,
	.experiment_tag_foreach = experiment_tag_foreach,
	.experiment_foreach = experiment_foreach,
	.run_create = run_create,
	.run_resolve = run_resolve,
	.run_update = run_update,
	.run_set_stage = run_set_stage,
	.run_get = run_get,
	.runs_search = runs_search,
	.metric_history = metric_history,
	.log_batch = log_batch,
	.delete_tag = delete_tag,
	.log_input = log_input,
	.log_dataset_inputs = log_dataset_inputs,
	.dataset_summaries = dataset_summaries,
	.log_artifact = log_artifact,
	.log_artifact_fd = log_artifact_fd,
	.artifact_read = artifact_read,
	.artifact_delete = artifact_delete,
	.artifact_list = artifact_list,
	.artifact_download = artifact_download,
	.checkpoint_record = checkpoint_record,
	.checkpoint_foreach = checkpoint_foreach,
	.model_resolve = rest_model_resolve,
	.model_download = rest_model_download,
	.model_rollback = rest_model_rollback,
	.deployment_set = rest_deployment_set,
	.deployment_get = rest_deployment_get,
	.deployment_delete = rest_deployment_delete,
	.deployment_foreach = rest_deployment_foreach,
	.deployment_record = rest_deployment_record,
	.deployment_events = rest_deployment_events,
	.release = release,
};

int track_rest_open(cairn_repo *repo, const char *uri)
{
	struct rest *r;
	int err;

	if ((err = rest_open(&r, uri)) < 0)
		return err;
	repo->track = &track_rest;
	repo->track_state = r;
	return 0;
}
