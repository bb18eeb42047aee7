/*
 * tracking.c: experiments and runs, with MLflow's rules.
 *
 * This file holds the domain rules; the SQL is in the metadata backend
 * (db.h). Rules, from MLflow (shared/ref/mlflow-rest.md section 1.6):
 *   - keys of params, metrics and tags: 1 to 250 characters of
 *     [A-Za-z0-9_-. /:], not path-like ("a//b", "./a", "a/", "..x", "/a");
 *   - param values at most 6000 characters, tag values 8000, experiment
 *     names 1 to 500;
 *   - params are write-once per run (same value again is fine);
 *   - nothing may be logged to a deleted run;
 *   - log-batch: at most 1000 metrics, 100 params, 100 tags, 1000 in all.
 * Run status moves RUNNING -> FINISHED | FAILED | KILLED (or back to
 * RUNNING, as MLflow's update allows); ending a run sets its end time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/data.h"
#include "lib/db.h"
#include "lib/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define MAX_KEY 250
#define MAX_PARAM_VALUE 6000
#define MAX_TAG_VALUE 8000
#define MAX_EXPERIMENT_NAME 500

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static int validate_value(const char *what, const char *key, const char *value,
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
		       ? validate_value("Param value", key, value, MAX_PARAM_VALUE)
		       : validate_value("Tag value", key, value, MAX_TAG_VALUE);
}

/* -------------------------------------------------------- experiments */

int cairn_experiment_create(cairn_buf *id_out, cairn_repo *repo,
			    const char *name)
{
	int64_t id;
	int err;

	if ((err = validate_experiment_name(name)) < 0 ||
	    (err = db_experiment_create(&id, repo->db, name, now_ms())) < 0)
		return err;
	if (id_out) {
		struct buf b = BUF_INIT;

		buf_printf(&b, "%lld", (long long)id);
		id_out->ptr = buf_detach(&b, &id_out->size);
		id_out->asize = id_out->size + 1;
	}
	return 0;
}

int cairn_experiment_lookup(cairn_experiment **out, cairn_repo *repo,
			    const char *id_or_name)
{
	cairn_experiment *e = xcalloc(1, sizeof(*e));
	int err = db_experiment_get(e, repo->db, id_or_name);

	if (err < 0) {
		free(e);
		return err;
	}
	*out = e;
	return 0;
}

void cairn_experiment_free(cairn_experiment *e)
{
	if (!e)
		return;
	db_experiment_clear(e);
	free(e);
}

static int set_experiment(cairn_repo *repo, const char *id_or_name,
			  const char *name, const char *stage)
{
	cairn_experiment e;
	int err;

	if ((err = db_experiment_get(&e, repo->db, id_or_name)) < 0)
		return err;
	if (stage && !strcmp(e.id, "0") && !strcmp(stage, "deleted"))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Cannot delete the default experiment '0'. This "
				       "is an internally reserved experiment.");
	else if (stage && !strcmp(stage, e.lifecycle_stage))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Cannot %s experiment '%s': it is already %s",
				       !strcmp(stage, "active") ? "restore" : "delete",
				       e.id, e.lifecycle_stage);
	else if (name && strcmp(e.lifecycle_stage, "active"))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "Cannot rename a non-active experiment.");
	else if ((err = db_begin(repo->db)) == 0) {
		/* The experiment and (for a stage change) its runs, together. */
		if ((err = db_experiment_set(repo->db, e.id, name, stage, now_ms())) < 0)
			db_rollback(repo->db);
		else
			err = db_commit(repo->db);
	}
	db_experiment_clear(&e);
	return err;
}

int cairn_experiment_rename(cairn_repo *repo, const char *id_or_name,
			    const char *new_name)
{
	int err = validate_experiment_name(new_name);

	return err < 0 ? err : set_experiment(repo, id_or_name, new_name, NULL);
}

int cairn_experiment_delete(cairn_repo *repo, const char *id_or_name)
{
	return set_experiment(repo, id_or_name, NULL, "deleted");
}

int cairn_experiment_restore(cairn_repo *repo, const char *id_or_name)
{
	return set_experiment(repo, id_or_name, NULL, "active");
}

int cairn_experiment_set_tag(cairn_repo *repo, const char *id_or_name,
			     const char *key, const char *value)
{
	cairn_experiment e;
	int err;

	if ((err = validate_key("tag", key)) < 0 ||
	    (err = validate_value("Tag value", key, value, 5000)) < 0 ||
	    (err = db_experiment_get(&e, repo->db, id_or_name)) < 0)
		return err;
	err = db_experiment_set_tag(repo->db, e.id, key, value);
	db_experiment_clear(&e);
	return err;
}

int cairn_experiment_delete_tag(cairn_repo *repo, const char *id_or_name,
				const char *key)
{
	cairn_experiment e;
	int err;

	if ((err = db_experiment_get(&e, repo->db, id_or_name)) < 0)
		return err;
	err = db_experiment_delete_tag(repo->db, e.id, key);
	db_experiment_clear(&e);
	return err;
}

int cairn_experiment_tag_foreach(cairn_repo *repo, const char *id_or_name,
				 int (*cb)(const char *key, const char *value,
					   void *payload),
				 void *payload)
{
	cairn_experiment e;
	int err;

	if ((err = db_experiment_get(&e, repo->db, id_or_name)) < 0)
		return err;
	err = db_experiment_tag_foreach(repo->db, e.id, cb, payload);
	db_experiment_clear(&e);
	return err;
}

int cairn_experiment_foreach(cairn_repo *repo, cairn_view view,
			     int (*cb)(const cairn_experiment *e, void *payload),
			     void *payload)
{
	return db_experiment_foreach(repo->db, view, cb, payload);
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

static void random_hex(char *out, size_t bytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];
	size_t i;

	if (getrandom(r, bytes, 0) != (ssize_t)bytes)
		abort();
	for (i = 0; i < bytes; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[2 * bytes] = '\0';
}

static void generate_name(struct buf *out)
{
	static const char *const adjectives[] = {
		"amber", "bold", "brave", "bright", "calm", "clever", "crisp",
		"dapper", "eager", "fierce", "gentle", "glad", "honest", "keen",
		"lively", "lucky", "merry", "nimble", "patient", "proud", "quick",
		"quiet", "rare", "serene", "shy", "silent", "steady", "swift",
		"tidy", "vivid", "warm", "wise",
	};
	static const char *const animals[] = {
		"ant", "bat", "bear", "bee", "bison", "cat", "crab", "crow", "deer",
		"dove", "eel", "elk", "finch", "fox", "frog", "goat", "hare", "hawk",
		"ibis", "lark", "lynx", "mole", "moth", "newt", "owl", "panda",
		"seal", "shrew", "snail", "swan", "toad", "wolf",
	};
	unsigned char r[4];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		abort();
	buf_printf(out, "%s-%s-%d", adjectives[r[0] % 32], animals[r[1] % 32],
		   (r[2] << 8 | r[3]) % 1000);
}

int cairn_run_create(cairn_buf *run_id_out, cairn_repo *repo,
		     const cairn_run_create_options *opts)
{
	cairn_run_create_options defaults = CAIRN_RUN_CREATE_OPTIONS_INIT;
	cairn_experiment e;
	struct db_run r;
	struct buf name = BUF_INIT;
	char id[33];
	int err;

	if (!opts)
		opts = &defaults;
	memset(&r, 0, sizeof(r));
	if ((err = db_experiment_get(&e, repo->db,
				     opts->experiment ? opts->experiment : "0")) < 0)
		return err;
	if (strcmp(e.lifecycle_stage, "active")) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The experiment %s must be in the 'active' state. "
				       "Current state is %s.", e.id, e.lifecycle_stage);
		goto done;
	}
	if (opts->name && *opts->name)
		buf_puts(&name, opts->name);
	else
		generate_name(&name);
	if ((err = validate_value("Run name", "mlflow.runName", name.ptr,
				  MAX_TAG_VALUE)) < 0)
		goto done;
	for (size_t t = 0; t < opts->ntags; t++)
		if ((err = cairn_validate("tag", opts->tags[t].key,
					  opts->tags[t].value)) < 0)
			goto done;
	random_hex(id, 16);
	r.info.run_id = id;
	r.info.name = name.ptr;
	r.info.experiment_id = e.id;
	r.info.user_id = opts->user ? opts->user : cairn_repo__user();
	r.info.status = CAIRN_RUN_RUNNING;
	r.info.start_time = opts->start_time ? opts->start_time : now_ms();
	r.info.parent_run_id = opts->parent_run_id;
	if ((err = db_begin(repo->db)) < 0)
		goto done;
	if (opts->parent_run_id) {
		struct db_run parent;

		if ((err = db_run_get(&parent, repo->db, opts->parent_run_id)) < 0) {
			db_rollback(repo->db);
			goto done;
		}
		db_run_clear(&parent);
	}
	if ((err = db_run_insert(repo->db, &r)) < 0 ||
	    (err = db_tag_put(repo->db, r.key, "mlflow.runName", name.ptr)) < 0 ||
	    (*r.info.user_id &&
	     (err = db_tag_put(repo->db, r.key, "mlflow.user", r.info.user_id)) < 0) ||
	    (opts->parent_run_id &&
	     (err = db_tag_put(repo->db, r.key, "mlflow.parentRunId",
			       opts->parent_run_id)) < 0)) {
		db_rollback(repo->db);
		goto done;
	}
	/* The caller's tags; a different mlflow.runName was refused above. */
	for (size_t t = 0; t < opts->ntags && !err; t++)
		if (strcmp(opts->tags[t].key, "mlflow.runName"))
			err = db_tag_put(repo->db, r.key, opts->tags[t].key,
					 opts->tags[t].value);
	if (err < 0) {
		db_rollback(repo->db);
		goto done;
	}
	if ((err = db_commit(repo->db)) < 0)
		goto done;
	if (run_id_out) {
		run_id_out->ptr = xstrdup(id);
		run_id_out->size = 32;
		run_id_out->asize = 33;
	}
done:
	db_experiment_clear(&e);
	buf_release(&name);
	return err;
}

int cairn_run_resolve(cairn_buf *run_id_out, cairn_repo *repo, const char *spec)
{
	struct buf b = BUF_INIT;
	int err = db_run_resolve(&b, repo->db, spec);

	if (err < 0) {
		buf_release(&b);
		return err;
	}
	run_id_out->ptr = buf_detach(&b, &run_id_out->size);
	run_id_out->asize = run_id_out->size + 1;
	return 0;
}

/* The run, which must exist and (unless any_stage) be active. */
static int active_run(struct db_run *r, cairn_repo *repo, const char *run_id,
		      int any_stage)
{
	int err;

	if (!run_id || !*run_id)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'run_id'");
	if ((err = db_run_get(r, repo->db, run_id)) < 0)
		return err;
	if (!any_stage && strcmp(r->info.lifecycle_stage, "active")) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The run %s must be in the 'active' state. Current "
				       "state is %s.", run_id, r->info.lifecycle_stage);
		db_run_clear(r);
	}
	return err;
}

int cairn_run_update(cairn_repo *repo, const char *run_id,
		     cairn_run_status status, int64_t end_time, const char *name)
{
	struct db_run r;
	int err;

	if ((err = active_run(&r, repo, run_id, 0)) < 0)
		return err;
	if (!end_time && status != CAIRN_RUN_RUNNING && status != CAIRN_RUN_SCHEDULED)
		end_time = now_ms();
	if ((err = db_begin(repo->db)) < 0)
		goto done;
	if ((err = db_run_update(repo->db, r.key, cairn_run_status_name(status),
				 end_time, name)) < 0 ||
	    (name && (err = db_tag_put(repo->db, r.key, "mlflow.runName", name)) < 0)) {
		db_rollback(repo->db);
		goto done;
	}
	err = db_commit(repo->db);
done:
	db_run_clear(&r);
	return err;
}

static int set_run_stage(cairn_repo *repo, const char *run_id, const char *stage)
{
	struct db_run r;
	int err;

	if ((err = active_run(&r, repo, run_id, 1)) < 0)
		return err;
	err = db_run_set_stage(repo->db, r.key, stage);
	db_run_clear(&r);
	return err;
}

int cairn_run_delete(cairn_repo *repo, const char *run_id)
{
	return set_run_stage(repo, run_id, "deleted");
}

int cairn_run_restore(cairn_repo *repo, const char *run_id)
{
	return set_run_stage(repo, run_id, "active");
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
	struct db_run r;
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
		    (err = validate_value("Param value", params[i].key, params[i].value,
					  MAX_PARAM_VALUE)) < 0)
			return err;
	for (i = 0; i < ntags; i++)
		if ((err = validate_key("tag", tags[i].key)) < 0 ||
		    (err = validate_value("Tag value", tags[i].key, tags[i].value,
					  MAX_TAG_VALUE)) < 0)
			return err;
	memset(&r, 0, sizeof(r));
	/* The run is looked up inside the transaction: one lock, no race. */
	if ((err = db_begin(repo->db)) < 0)
		goto done;
	if ((err = active_run(&r, repo, run_id, 0)) < 0) {
		db_rollback(repo->db);
		goto done;
	}
	for (i = 0; i < nparams && !err; i++)
		err = db_param_put(repo->db, r.key, params[i].key, params[i].value);
	for (i = 0; i < ntags && !err; i++) {
		err = db_tag_put(repo->db, r.key, tags[i].key, tags[i].value);
		if (!err && !strcmp(tags[i].key, "mlflow.runName"))
			err = db_run_update(repo->db, r.key, NULL, 0, tags[i].value);
	}
	if (!err && nmetrics)
		err = db_metrics_put(repo->db, r.key, metrics, nmetrics);
	if (err < 0) {
		db_rollback(repo->db);
		goto done;
	}
	err = db_commit(repo->db);
done:
	db_run_clear(&r);
	return err;
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

int cairn_delete_tag(cairn_repo *repo, const char *run_id, const char *key)
{
	struct db_run r;
	int err;

	if ((err = active_run(&r, repo, run_id, 0)) < 0)
		return err;
	err = db_tag_delete(repo->db, r.key, key);
	db_run_clear(&r);
	return err;
}

int cairn_log_input(cairn_repo *repo, const char *run_id, const char *data_spec,
		    const char *context)
{
	cairn_data_version *v = NULL;
	struct db_run r;
	int err;

	if (context && strlen(context) > 500)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"input context longer than 500 characters");
	if ((err = active_run(&r, repo, run_id, 0)) < 0)
		return err;
	if ((err = cairn_data_lookup(&v, repo, data_spec)) == 0)
		err = db_input_put(repo->db, r.key, v, context);
	cairn_data_version_free(v);
	db_run_clear(&r);
	return err;
}
