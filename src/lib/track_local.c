/*
 * track_local.c: experiments, runs and logging in the local store, and
 * the track_local table that names them with the local reads, searches
 * and artifacts of run_read.c, run_search.c and run_artifacts.c.
 *
 * The public functions (tracking.c) have checked keys, values and batch
 * limits; what needs the store is checked here: experiments and runs
 * exist and are active, the Default experiment is never deleted, a
 * stage change is a change. Each change is one metadata transaction; a
 * run is looked up inside the transaction that writes to it.
 *
 * Lifecycle changes append an audit event in their transaction (audit.h;
 * docs/audit.md lists them): experiments created, renamed, deleted,
 * restored and their tags; runs created, their status, name, deletion
 * and restoration, and the data set versions they use. Params, run tags
 * and metric points are not audited: they are the bulk of what a run
 * logs (autologging writes hundreds per run, at request rates), params
 * are write-once, and a run's tags and metrics are its own working
 * record, not the store's history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/audit.h"
#include "lib/db.h"
#include "lib/repo.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -------------------------------------------------------- experiments */

/* "experiment:ID" */
static void experiment_object(char *out, size_t n, const char *id)
{
	snprintf(out, n, "experiment:%s", id);
}

static int experiment_create(struct buf *id_out, cairn_repo *repo,
			     const char *name)
{
	char object[48];
	int64_t id;
	int err;

	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = db_experiment_create(&id, repo->db, name, now_ms())) < 0)
		goto fail;
	snprintf(object, sizeof(object), "experiment:%lld", (long long)id);
	if ((err = audit_record_json(repo, "experiment.create", object, NULL,
				     json_pack("{s:o, s:s}", "name", audit_str(name),
					       "lifecycle_stage", "active"),
				     NULL)) < 0)
		goto fail;
	if ((err = db_commit(repo->db)) < 0)
		return err;
	buf_printf(id_out, "%lld", (long long)id);
	return 0;
fail:
	db_rollback(repo->db);
	return err;
}

static int experiment_get(cairn_experiment *out, cairn_repo *repo,
			  const char *id_or_name)
{
	return db_experiment_get(out, repo->db, id_or_name);
}

static int experiment_set(cairn_repo *repo, const char *id_or_name,
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
		char object[48];
		const char *action = !stage ? "experiment.rename"
				     : !strcmp(stage, "deleted") ? "experiment.delete"
				     : "experiment.restore";
		const char *field = stage ? "lifecycle_stage" : "name";

		/* The experiment and (for a stage change) its runs, together. */
		experiment_object(object, sizeof(object), e.id);
		if ((err = db_experiment_set(repo->db, e.id, name, stage, now_ms())) < 0 ||
		    (err = audit_record_json(repo, action, object,
				json_pack("{s:o}", field,
					  audit_str(stage ? e.lifecycle_stage : e.name)),
				json_pack("{s:o}", field, audit_str(stage ? stage : name)),
				NULL)) < 0)
			db_rollback(repo->db);
		else
			err = db_commit(repo->db);
	}
	db_experiment_clear(&e);
	return err;
}

struct tag_lookup {
	const char *key;
	json_t *value; /* the tag's value, or NULL */
};

static int find_tag(const char *key, const char *value, void *payload)
{
	struct tag_lookup *t = payload;

	if (strcmp(key, t->key))
		return 0;
	t->value = audit_str(value);
	return 1;
}

/*
 * An experiment tag's change (value NULL: deleted) with its previous
 * value, in the caller's transaction.
 */
static int audit_experiment_tag(cairn_repo *repo, const char *id,
				const char *key, const char *value)
{
	struct tag_lookup old = { key, NULL };
	char object[48];
	int err = db_experiment_tag_foreach(repo->db, id, find_tag, &old);

	if (err < 0)
		return err;
	experiment_object(object, sizeof(object), id);
	return audit_record_json(repo, value ? "experiment.tag.set"
					     : "experiment.tag.delete", object,
				 old.value ? json_pack("{s:o, s:o}", "key", audit_str(key),
						       "value", old.value) : NULL,
				 value ? json_pack("{s:o, s:o}", "key", audit_str(key),
						   "value", audit_str(value)) : NULL,
				 NULL);
}

static int experiment_set_tag(cairn_repo *repo, const char *id_or_name,
			      const char *key, const char *value)
{
	cairn_experiment e;
	int err;

	if ((err = db_experiment_get(&e, repo->db, id_or_name)) < 0)
		return err;
	if ((err = db_begin(repo->db)) == 0) {
		if ((err = audit_experiment_tag(repo, e.id, key, value)) < 0 ||
		    (err = db_experiment_set_tag(repo->db, e.id, key, value)) < 0)
			db_rollback(repo->db);
		else
			err = db_commit(repo->db);
	}
	db_experiment_clear(&e);
	return err;
}

static int experiment_delete_tag(cairn_repo *repo, const char *id_or_name,
				 const char *key)
{
	cairn_experiment e;
	int err;

	if ((err = db_experiment_get(&e, repo->db, id_or_name)) < 0)
		return err;
	if ((err = db_begin(repo->db)) == 0) {
		if ((err = audit_experiment_tag(repo, e.id, key, NULL)) < 0 ||
		    (err = db_experiment_delete_tag(repo->db, e.id, key)) < 0)
			db_rollback(repo->db);
		else
			err = db_commit(repo->db);
	}
	db_experiment_clear(&e);
	return err;
}

static int experiment_tag_foreach(cairn_repo *repo, const char *id_or_name,
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

static int experiment_foreach(cairn_repo *repo, cairn_view view,
			      int (*cb)(const cairn_experiment *e, void *payload),
			      void *payload)
{
	return db_experiment_foreach(repo->db, view, cb, payload);
}

/* ---------------------------------------------------------------- runs */

void track_random_hex(char *out, size_t bytes)
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

void track_generate_name(struct buf *out)
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

static int run_create(struct buf *id_out, cairn_repo *repo,
		      const cairn_run_create_options *opts)
{
	cairn_experiment e;
	struct db_run r;
	struct buf name = BUF_INIT;
	char id[33];
	int err;

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
		track_generate_name(&name);
	if ((err = track_check_value("Run name", "mlflow.runName", name.ptr,
				     TRACK_MAX_TAG_VALUE)) < 0)
		goto done;
	for (size_t t = 0; t < opts->ntags; t++)
		if ((err = cairn_validate("tag", opts->tags[t].key,
					  opts->tags[t].value)) < 0)
			goto done;
	track_random_hex(id, 16);
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
	if (!err) {
		char object[48];

		snprintf(object, sizeof(object), "run:%s", id);
		err = audit_record_json(repo, "run.create", object, NULL,
			json_pack("{s:s, s:o, s:o, s:s, s:I, s:o}",
				  "experiment_id", e.id, "name", audit_str(name.ptr),
				  "user", audit_str(r.info.user_id), "status", "RUNNING",
				  "start_time", (json_int_t)r.info.start_time,
				  "parent_run_id", audit_str(opts->parent_run_id)),
			NULL);
	}
	if (err < 0) {
		db_rollback(repo->db);
		goto done;
	}
	if ((err = db_commit(repo->db)) < 0)
		goto done;
	buf_puts(id_out, id);
done:
	db_experiment_clear(&e);
	buf_release(&name);
	return err;
}

static int run_resolve(struct buf *id_out, cairn_repo *repo, const char *spec)
{
	return db_run_resolve(id_out, repo->db, spec);
}

/* The run, which must exist and (unless any_stage) be active. */
static int active_run(struct db_run *r, cairn_repo *repo, const char *run_id,
		      int any_stage)
{
	int err;

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

/*
 * A run's status, end time or name moved from old to the new values
 * (status as given; end_time 0 and name NULL: unchanged): run.status
 * when the status changed, else run.rename for the name, else run.update;
 * nothing when nothing changed. In the caller's transaction.
 */
static int audit_run_update(cairn_repo *repo, const cairn_run_info *old,
			    cairn_run_status status, int64_t end_time,
			    const char *name)
{
	json_t *before = json_object(), *after = json_object();
	const char *action = "run.update";
	char object[48];

	if (status != old->status) {
		json_object_set_new(before, "status",
				    json_string(cairn_run_status_name(old->status)));
		json_object_set_new(after, "status",
				    json_string(cairn_run_status_name(status)));
		action = "run.status";
	}
	if (end_time > 0 && end_time != old->end_time) {
		json_object_set_new(before, "end_time", old->end_time
				    ? json_integer(old->end_time) : json_null());
		json_object_set_new(after, "end_time", json_integer(end_time));
	}
	if (name && strcmp(name, old->name ? old->name : "")) {
		json_object_set_new(before, "name", audit_str(old->name));
		json_object_set_new(after, "name", audit_str(name));
		if (status == old->status)
			action = "run.rename";
	}
	if (!json_object_size(after)) {
		json_decref(before);
		json_decref(after);
		return 0;
	}
	snprintf(object, sizeof(object), "run:%s", old->run_id);
	return audit_record_json(repo, action, object, before, after, NULL);
}

static int run_update(cairn_repo *repo, const char *run_id,
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
	    (name && (err = db_tag_put(repo->db, r.key, "mlflow.runName", name)) < 0) ||
	    (err = audit_run_update(repo, &r.info, status, end_time, name)) < 0) {
		db_rollback(repo->db);
		goto done;
	}
	err = db_commit(repo->db);
done:
	db_run_clear(&r);
	return err;
}

static int run_set_stage(cairn_repo *repo, const char *run_id, const char *stage)
{
	struct db_run r;
	int err;

	memset(&r, 0, sizeof(r));
	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = active_run(&r, repo, run_id, 1)) == 0 &&
	    (err = db_run_set_stage(repo->db, r.key, stage)) == 0 &&
	    strcmp(stage, r.info.lifecycle_stage)) {
		char object[48];

		snprintf(object, sizeof(object), "run:%s", r.info.run_id);
		err = audit_record_json(repo, !strcmp(stage, "deleted") ? "run.delete"
					: "run.restore", object,
					json_pack("{s:o}", "lifecycle_stage",
						  audit_str(r.info.lifecycle_stage)),
					json_pack("{s:o}", "lifecycle_stage",
						  audit_str(stage)), NULL);
	}
	if (err < 0)
		db_rollback(repo->db);
	else
		err = db_commit(repo->db);
	db_run_clear(&r);
	return err;
}

/* ------------------------------------------------------------- logging */

static int log_batch(cairn_repo *repo, const char *run_id,
		     const cairn_metric *metrics, size_t nmetrics,
		     const cairn_kv *params, size_t nparams,
		     const cairn_kv *tags, size_t ntags)
{
	struct db_run r;
	size_t i;
	int err;

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
		if (!err && !strcmp(tags[i].key, "mlflow.runName") &&
		    !(err = db_run_update(repo->db, r.key, NULL, 0, tags[i].value)))
			err = audit_run_update(repo, &r.info, r.info.status, 0,
					       tags[i].value);
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

static int delete_tag(cairn_repo *repo, const char *run_id, const char *key)
{
	struct db_run r;
	int err;

	if ((err = active_run(&r, repo, run_id, 0)) < 0)
		return err;
	err = db_tag_delete(repo->db, r.key, key);
	db_run_clear(&r);
	return err;
}

static int log_input(cairn_repo *repo, const char *run_id,
		     const cairn_data_version *v, const char *context)
{
	struct db_run r;
	int err;

	memset(&r, 0, sizeof(r));
	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = active_run(&r, repo, run_id, 0)) == 0 &&
	    (err = db_input_put(repo->db, r.key, v, context)) == 0) {
		char object[48], id[CAIRN_OID_STRLEN + 1];

		snprintf(object, sizeof(object), "run:%s", r.info.run_id);
		cairn_oid_fmt(id, &v->oid);
		err = audit_record_json(repo, "run.input", object, NULL,
					json_pack("{s:o, s:I, s:s, s:o}",
						  "dataset", audit_str(v->name),
						  "version", (json_int_t)v->version,
						  "id", id, "context",
						  audit_str(context ? context : "")),
					NULL);
	}
	if (err < 0)
		db_rollback(repo->db);
	else
		err = db_commit(repo->db);
	db_run_clear(&r);
	return err;
}

static void release(cairn_repo *repo)
{
	(void)repo;
}

const struct track_backend track_local = {
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
	.run_get = local_run_get,
	.runs_search = local_runs_search,
	.metric_history = local_metric_history,
	.log_batch = log_batch,
	.delete_tag = delete_tag,
	.log_input = log_input,
	.log_dataset_inputs = local_log_dataset_inputs,
	.dataset_summaries = local_dataset_summaries,
	.log_artifact = local_log_artifact,
	.log_artifact_fd = local_log_artifact_fd,
	.artifact_read = local_artifact_read,
	.artifact_delete = local_artifact_delete,
	.artifact_list = local_artifact_list,
	.artifact_download = local_artifact_download,
	.checkpoint_record = local_checkpoint_record,
	.checkpoint_foreach = local_checkpoint_foreach,
	.model_resolve = local_model_resolve,
	.model_download = local_model_download,
	.model_rollback = local_model_rollback,
	.deployment_set = local_deployment_set,
	.deployment_get = local_deployment_get,
	.deployment_delete = local_deployment_delete,
	.deployment_foreach = local_deployment_foreach,
	.deployment_record = local_deployment_record,
	.deployment_events = local_deployment_events,
	.release = release,
};
