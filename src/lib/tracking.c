/*
 * tracking.c: the public tracking functions: experiments, runs, logging,
 * reads, searches, artifacts and checkpoints, with MLflow's rules.
 *
 * Each function checks what can be checked without a store, then calls
 * the repo's tracking backend (track_backend.h): the local store or a
 * cairn server, so both refuse the same input with the same message.
 * What needs the store (the run exists and is active, params are
 * write-once, ...) is the backend's; a server applies this same library.
 * Rules, from MLflow (shared/ref/mlflow-rest.md section 1.6):
 *   - keys of params, metrics and tags: 1 to 250 characters of
 *     [A-Za-z0-9_-. /:], not path-like ("a//b", "./a", "a/", "..x", "/a");
 *   - param values at most 6000 characters, tag values 8000, experiment
 *     names 1 to 500;
 *   - params are write-once per run (same value again is fine);
 *   - nothing may be logged to a deleted run;
 *   - log-batch: at most 1000 metrics, 100 params, 100 tags, 1000 in all.
 * Run status moves RUNNING -> FINISHED | FAILED | KILLED (or back to
 * RUNNING, as MLflow's update allows); ending a run sets its end time.
 * Artifact paths are relative, without "." or ".." components.
 * Data inputs are resolved in the local project, whichever the backend.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/repo.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

#define MAX_KEY 250
#define MAX_PARAM_VALUE 6000
#define MAX_TAG_VALUE TRACK_MAX_TAG_VALUE
#define MAX_SEARCH_RESULTS 50000
#define MAX_EXPERIMENT_NAME 500

/* ---------------------------------------------------------- validation */

static int key_is_pathlike(const char *k)
{
	size_t n = strlen(k);

	return !strcmp(k, ".") || !strncmp(k, "..", 2) || k[0] == '/' ||
	       k[n - 1] == '/' || strstr(k, "//") || strstr(k, "/./") ||
	       strstr(k, "/../") || !strncmp(k, "./", 2) ||
	       (n >= 2 && !strcmp(k + n - 2, "/.")) ||
	       (n >= 3 && !strcmp(k + n - 3, "/.."));
}

static int validate_key(const char *what, const char *key)
{
	size_t i, n;

	if (!key || !*key)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'key'");
	n = strlen(key);
	for (i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_-. /:", c)))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Invalid %s name: '%s'. Names may only contain "
						"alphanumerics, underscores (_), dashes (-), "
						"periods (.), spaces ( ), colon(:) and slashes (/).",
						what, key);
	}
	if (key_is_pathlike(key))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid %s name: '%s'. Names may be treated as "
					"files in certain cases, and must not resolve to other "
					"names when treated as such. This name would resolve "
					"to a different name.", what, key);
	if (n > MAX_KEY)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"%s name '%.40s...' had length %zu, which exceeded "
					"length limit of %d", what, key, n, MAX_KEY);
	return 0;
}

int track_check_value(const char *what, const char *key, const char *value,
			  size_t max)
{
	if (!value)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for %s '%s'", what, key);
	if (strlen(value) > max)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"%s '%s' had value length %zu, which exceeded length "
					"limit of %zu", what, key, strlen(value), max);
	return 0;
}

static int validate_experiment_name(const char *name)
{
	if (!name || !*name)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid experiment name: ''. Experiment name must "
					"not be empty");
	if (strlen(name) > MAX_EXPERIMENT_NAME)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"experiment name had length %zu, which exceeded "
					"length limit of %d", strlen(name), MAX_EXPERIMENT_NAME);
	return 0;
}

int cairn_validate(const char *kind, const char *key, const char *value)
{
	int err;

	if (strcmp(kind, "param") && strcmp(kind, "metric") && strcmp(kind, "tag"))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"cannot validate a '%s'", kind);
	if ((err = validate_key(kind, key)) < 0 || !value || !strcmp(kind, "metric"))
		return err;
	return !strcmp(kind, "param")
		       ? track_check_value("Param value", key, value, MAX_PARAM_VALUE)
		       : track_check_value("Tag value", key, value, MAX_TAG_VALUE);
}


/* A cairn_buf out of a buf (which is left empty). */
static void to_cairn_buf(cairn_buf *out, struct buf *b)
{
	out->ptr = buf_detach(b, &out->size);
	out->asize = out->size + 1;
}

static int check_run_id(const char *run_id)
{
	if (!run_id || !*run_id)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'run_id'");
	return 0;
}

/* -------------------------------------------------------- experiments */

int cairn_experiment_create(cairn_buf *id_out, cairn_repo *repo,
			    const char *name)
{
	struct buf id = BUF_INIT;
	int err;

	if ((err = validate_experiment_name(name)) == 0 &&
	    (err = repo->track->experiment_create(&id, repo, name)) == 0 && id_out)
		to_cairn_buf(id_out, &id);
	buf_release(&id);
	return err;
}

int cairn_experiment_lookup(cairn_experiment **out, cairn_repo *repo,
			    const char *id_or_name)
{
	cairn_experiment *e = xcalloc(1, sizeof(*e));
	int err = repo->track->experiment_get(e, repo, id_or_name);

	if (err < 0) {
		cairn_experiment_free(e);
		return err;
	}
	*out = e;
	return 0;
}

void cairn_experiment_free(cairn_experiment *e)
{
	if (!e)
		return;
	free((char *)e->id);
	free((char *)e->name);
	free((char *)e->lifecycle_stage);
	free(e);
}

int cairn_experiment_rename(cairn_repo *repo, const char *id_or_name,
			    const char *new_name)
{
	int err = validate_experiment_name(new_name);

	return err < 0 ? err
		       : repo->track->experiment_set(repo, id_or_name, new_name, NULL);
}

int cairn_experiment_delete(cairn_repo *repo, const char *id_or_name)
{
	return repo->track->experiment_set(repo, id_or_name, NULL, "deleted");
}

int cairn_experiment_restore(cairn_repo *repo, const char *id_or_name)
{
	return repo->track->experiment_set(repo, id_or_name, NULL, "active");
}

int cairn_experiment_set_tag(cairn_repo *repo, const char *id_or_name,
			     const char *key, const char *value)
{
	int err;

	if ((err = validate_key("tag", key)) < 0 ||
	    (err = track_check_value("Tag value", key, value, 5000)) < 0)
		return err;
	return repo->track->experiment_set_tag(repo, id_or_name, key, value);
}

int cairn_experiment_delete_tag(cairn_repo *repo, const char *id_or_name,
				const char *key)
{
	return repo->track->experiment_delete_tag(repo, id_or_name, key);
}

int cairn_experiment_tag_foreach(cairn_repo *repo, const char *id_or_name,
				 int (*cb)(const char *key, const char *value,
					   void *payload),
				 void *payload)
{
	return repo->track->experiment_tag_foreach(repo, id_or_name, cb, payload);
}

int cairn_experiment_foreach(cairn_repo *repo, cairn_view view,
			     int (*cb)(const cairn_experiment *e, void *payload),
			     void *payload)
{
	return repo->track->experiment_foreach(repo, view, cb, payload);
}

/* ---------------------------------------------------------------- runs */

static const char *const status_names[] = {
	"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"
};

const char *cairn_run_status_name(cairn_run_status status)
{
	if ((unsigned)status >= sizeof(status_names) / sizeof(*status_names))
		return "RUNNING";
	return status_names[status];
}

int cairn_run_status_parse(cairn_run_status *out, const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(status_names) / sizeof(*status_names); i++) {
		if (!strcmp(name, status_names[i])) {
			*out = (cairn_run_status)i;
			return 0;
		}
	}
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"Invalid run status '%s'", name ? name : "");
}

int cairn_run_create(cairn_buf *run_id_out, cairn_repo *repo,
		     const cairn_run_create_options *opts)
{
	cairn_run_create_options defaults = CAIRN_RUN_CREATE_OPTIONS_INIT;
	struct buf id = BUF_INIT;
	int err;

	err = repo->track->run_create(&id, repo, opts ? opts : &defaults);
	if (!err && run_id_out)
		to_cairn_buf(run_id_out, &id);
	buf_release(&id);
	return err;
}

int cairn_run_resolve(cairn_buf *run_id_out, cairn_repo *repo, const char *spec)
{
	struct buf id = BUF_INIT;
	int err = repo->track->run_resolve(&id, repo, spec);

	if (!err)
		to_cairn_buf(run_id_out, &id);
	buf_release(&id);
	return err;
}

int cairn_run_update(cairn_repo *repo, const char *run_id,
		     cairn_run_status status, int64_t end_time, const char *name)
{
	int err = check_run_id(run_id);

	return err < 0 ? err
		       : repo->track->run_update(repo, run_id, status, end_time, name);
}

int cairn_run_delete(cairn_repo *repo, const char *run_id)
{
	int err = check_run_id(run_id);

	return err < 0 ? err : repo->track->run_set_stage(repo, run_id, "deleted");
}

int cairn_run_restore(cairn_repo *repo, const char *run_id)
{
	int err = check_run_id(run_id);

	return err < 0 ? err : repo->track->run_set_stage(repo, run_id, "active");
}

int cairn_run_get(cairn_run **out, cairn_repo *repo, const char *run_id)
{
	int err = check_run_id(run_id);

	return err < 0 ? err : repo->track->run_get(out, repo, run_id);
}

int cairn_metric_history(cairn_repo *repo, const char *run_id, const char *key,
			 int (*cb)(const cairn_metric *m, void *payload),
			 void *payload)
{
	int err = check_run_id(run_id);

	return err < 0 ? err
		       : repo->track->metric_history(repo, run_id, key, cb, payload);
}

int cairn_runs_search(cairn_buf *next_page_token, cairn_repo *repo,
		      const cairn_search_options *opts,
		      int (*cb)(const cairn_run *run, void *payload),
		      void *payload)
{
	cairn_search_options defaults = CAIRN_SEARCH_OPTIONS_INIT;
	struct buf token = BUF_INIT;
	int err;

	if (!opts)
		opts = &defaults;
	if (opts->max_results > MAX_SEARCH_RESULTS)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid value %zu for parameter 'max_results' "
					"supplied. It must be at most %d", opts->max_results,
					MAX_SEARCH_RESULTS);
	err = repo->track->runs_search(&token, repo, opts, cb, payload);
	if (!err && next_page_token && token.len)
		to_cairn_buf(next_page_token, &token);
	buf_release(&token);
	return err;
}

/* ------------------------------------------------------------- logging */

static int check_metric(const cairn_metric *m)
{
	int err = validate_key("metric", m->key);

	if (!err && m->timestamp < 0)
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Metric '%s' has a negative timestamp", m->key);
	return err;
}

int cairn_log_batch(cairn_repo *repo, const char *run_id,
		    const cairn_metric *metrics, size_t nmetrics,
		    const cairn_kv *params, size_t nparams,
		    const cairn_kv *tags, size_t ntags)
{
	size_t i;
	int err;

	if (nmetrics > 1000 || nparams > 100 || ntags > 100 ||
	    nmetrics + nparams + ntags > 1000)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"A batch logging request can contain at most 1000 "
					"metrics, 100 params and 100 tags, and at most 1000 "
					"entities in all. Got %zu metrics, %zu params, %zu tags.",
					nmetrics, nparams, ntags);
	for (i = 0; i < nmetrics; i++)
		if ((err = check_metric(&metrics[i])) < 0)
			return err;
	for (i = 0; i < nparams; i++)
		if ((err = validate_key("param", params[i].key)) < 0 ||
		    (err = track_check_value("Param value", params[i].key,
					     params[i].value, MAX_PARAM_VALUE)) < 0)
			return err;
	for (i = 0; i < ntags; i++)
		if ((err = validate_key("tag", tags[i].key)) < 0 ||
		    (err = track_check_value("Tag value", tags[i].key, tags[i].value,
					     MAX_TAG_VALUE)) < 0)
			return err;
	if ((err = check_run_id(run_id)) < 0)
		return err;
	return repo->track->log_batch(repo, run_id, metrics, nmetrics, params,
				      nparams, tags, ntags);
}

int cairn_log_param(cairn_repo *repo, const char *run_id, const char *key,
		    const char *value)
{
	cairn_kv kv = { key, value };

	return cairn_log_batch(repo, run_id, NULL, 0, &kv, 1, NULL, 0);
}

int cairn_set_tag(cairn_repo *repo, const char *run_id, const char *key,
		  const char *value)
{
	cairn_kv kv = { key, value };

	return cairn_log_batch(repo, run_id, NULL, 0, NULL, 0, &kv, 1);
}

int cairn_log_metrics(cairn_repo *repo, const char *run_id,
		      const cairn_metric *metrics, size_t n)
{
	size_t done = 0;
	int err = 0;

	/* Larger sets go in batches of 1000, each one transaction. */
	while (done < n && !err) {
		size_t take = n - done > 1000 ? 1000 : n - done;

		err = cairn_log_batch(repo, run_id, metrics + done, take, NULL, 0,
				      NULL, 0);
		done += take;
	}
	return err;
}

int cairn_write_group_begin(cairn_repo *repo)
{
	return repo->track == &track_local ? db_group_begin(repo->db) : 0;
}

int cairn_write_group_end(cairn_repo *repo, int commit)
{
	return repo->track == &track_local ? db_group_end(repo->db, commit) : 0;
}

int cairn_delete_tag(cairn_repo *repo, const char *run_id, const char *key)
{
	int err = check_run_id(run_id);

	return err < 0 ? err : repo->track->delete_tag(repo, run_id, key);
}

int cairn_log_input(cairn_repo *repo, const char *run_id, const char *data_spec,
		    const char *context)
{
	cairn_data_version *v = NULL;
	int err;

	if (context && strlen(context) > 500)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"input context longer than 500 characters");
	if ((err = check_run_id(run_id)) < 0 ||
	    (err = cairn_data_lookup(&v, repo, data_spec)) < 0)
		return err;
	err = repo->track->log_input(repo, run_id, v, context);
	cairn_data_version_free(v);
	return err;
}

/* -------------------------------------------------------- run artifacts */

/* Check and normalise an artifact path: relative, no "." or "..". */
int track_clean_path(struct buf *out, const char *path)
{
	const char *p = path ? path : "";

	buf_reset(out);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 && p == path)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"artifact path '%s' must be relative", path);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"artifact path '%s' may not contain '.' or "
						"'..'", path);
		if (memchr(p, '\n', n) || memchr(p, '\\', n))
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"artifact path '%s' has a character that "
						"cannot be stored", path);
		if (n) {
			if (out->len)
				buf_addch(out, '/');
			buf_add(out, p, n);
		}
		p += n + (slash ? 1 : 0);
	}
	return 0;
}

/*
 * The artifact path a local file or directory lands at: dir/NAME, NAME
 * the last component of local_path.
 */
static int dest_path(struct buf *out, const char *dir, const char *local_path)
{
	char *base;
	int err;

	if ((err = track_clean_path(out, dir)) < 0)
		return err;
	base = path_absolute(local_path);
	if (base) {
		while (strlen(base) > 1 && base[strlen(base) - 1] == '/')
			base[strlen(base) - 1] = '\0';
		if (out->len)
			buf_addch(out, '/');
		buf_puts(out, path_basename(base));
		free(base);
	}
	return 0;
}

int cairn_log_artifact(cairn_repo *repo, const char *run_id,
		       const char *local_path, const char *artifact_path)
{
	struct buf dest = BUF_INIT;
	int err;

	if ((err = check_run_id(run_id)) == 0 &&
	    (err = dest_path(&dest, artifact_path, local_path)) == 0)
		err = repo->track->log_artifact(repo, run_id, local_path, buf_cstr(&dest));
	buf_release(&dest);
	return err;
}

int cairn_log_artifact_fd(cairn_repo *repo, const char *run_id, int fd,
			  const char *path)
{
	struct buf dest = BUF_INIT;
	int err;

	if ((err = check_run_id(run_id)) == 0 &&
	    (err = track_clean_path(&dest, path)) == 0) {
		if (!dest.len)
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					       "an artifact file needs a name");
		else
			err = repo->track->log_artifact_fd(repo, run_id, fd, buf_cstr(&dest));
	}
	buf_release(&dest);
	return err;
}

int cairn_artifact_read(cairn_repo *repo, const char *run_id, const char *path,
			int fd)
{
	struct buf clean = BUF_INIT;
	int err;

	if ((err = check_run_id(run_id)) == 0 &&
	    (err = track_clean_path(&clean, path)) == 0)
		err = repo->track->artifact_read(repo, run_id, buf_cstr(&clean), fd);
	buf_release(&clean);
	return err;
}

int cairn_artifact_delete(cairn_repo *repo, const char *run_id, const char *path)
{
	struct buf clean = BUF_INIT;
	int err;

	if ((err = check_run_id(run_id)) == 0 &&
	    (err = track_clean_path(&clean, path)) == 0) {
		if (!clean.len)
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					       "name the artifact to delete");
		else
			err = repo->track->artifact_delete(repo, run_id, buf_cstr(&clean));
	}
	buf_release(&clean);
	return err;
}

int cairn_artifact_list(cairn_repo *repo, const char *run_id, const char *path,
			int (*cb)(const cairn_artifact *a, void *payload),
			void *payload)
{
	struct buf clean = BUF_INIT;
	int err;

	if ((err = check_run_id(run_id)) == 0 &&
	    (err = track_clean_path(&clean, path)) == 0)
		err = repo->track->artifact_list(repo, run_id, buf_cstr(&clean), cb, payload);
	buf_release(&clean);
	return err;
}

int cairn_artifact_download(cairn_repo *repo, const char *run_id,
			    const char *path, const char *dest)
{
	struct buf clean = BUF_INIT;
	int err;

	if (fs_exists(dest))
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					"'%s' already exists", dest);
	if ((err = check_run_id(run_id)) == 0 &&
	    (err = track_clean_path(&clean, path)) == 0)
		err = repo->track->artifact_download(repo, run_id, buf_cstr(&clean), dest);
	buf_release(&clean);
	return err;
}

/* --------------------------------------------------------- checkpoints */

static int check_checkpoint(int64_t step, const char *meta_json)
{
	json_t *meta;

	if (step < 0)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"checkpoint step %lld is negative", (long long)step);
	if (!meta_json)
		return 0;
	meta = json_loads(meta_json, 0, NULL);
	if (!json_is_object(meta)) {
		json_decref(meta);
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"checkpoint metadata must be a JSON object");
	}
	json_decref(meta);
	return 0;
}

int cairn_log_checkpoint(cairn_repo *repo, const char *run_id,
			 const char *local_file, int64_t step,
			 const char *meta_json)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	struct stat st;
	int err;

	if ((err = check_run_id(run_id)) < 0 ||
	    (err = check_checkpoint(step, meta_json)) < 0)
		return err;
	if (stat(local_file, &st) < 0)
		return cairn_error_set_os("cannot read '%s'", local_file);
	if (!S_ISREG(st.st_mode))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"a checkpoint is a file; '%s' is not", local_file);
	buf_printf(&dir, "checkpoints/step-%lld", (long long)step);
	if ((err = dest_path(&path, dir.ptr, local_file)) == 0 &&
	    (err = repo->track->log_artifact(repo, run_id, local_file,
					     buf_cstr(&path))) == 0)
		err = repo->track->checkpoint_record(repo, run_id, step,
						     buf_cstr(&path), meta_json);
	buf_release(&dir);
	buf_release(&path);
	return err;
}

int cairn_log_checkpoint_artifact(cairn_repo *repo, const char *run_id,
				  int64_t step, const char *artifact_path,
				  const char *meta_json)
{
	struct buf clean = BUF_INIT;
	int err;

	if ((err = check_run_id(run_id)) == 0 &&
	    (err = check_checkpoint(step, meta_json)) == 0 &&
	    (err = track_clean_path(&clean, artifact_path)) == 0) {
		if (!clean.len)
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					       "a checkpoint needs an artifact path");
		else
			err = repo->track->checkpoint_record(repo, run_id, step,
							     buf_cstr(&clean), meta_json);
	}
	buf_release(&clean);
	return err;
}

int cairn_checkpoint_foreach(cairn_repo *repo, const char *run_id,
			     int (*cb)(const cairn_checkpoint *c, void *payload),
			     void *payload)
{
	int err = check_run_id(run_id);

	return err < 0 ? err
		       : repo->track->checkpoint_foreach(repo, run_id, cb, payload);
}
