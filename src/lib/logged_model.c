/*
 * logged_model.c: MLflow 3's logged models (cairn.h), with MLflow's
 * rules (shared/ref/mlflow-rest.md 1.7 and MLflow's SQL store):
 *   - a model is created PENDING in an active experiment, with an id
 *     "m-" and 32 hex digits, a name (given, or generated like a run's;
 *     a given one is non-empty without / : . % " '), optional type and
 *     source run, params and tags; finalize sets READY or UPLOAD_FAILED;
 *   - params are write-once (the same value again is a no-op), at most
 *     6000 characters; tags may change, 8000 (keys as run keys);
 *   - delete is soft, and a deleted model is not found by any call;
 *   - a model's files are an artifact tree of its own (run_artifacts.c);
 *   - runs link to the models they produced (runs/outputs, with a step)
 *     or used (log-inputs' models); the models must exist; linking again
 *     is a no-op.
 * Search loads the models of the experiments searched and filters and
 * sorts them in memory (logged_model_filter.c): experiments hold few.
 * These need the local store; remote mode is CAIRN_ENOTSUPP.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/db.h"
#include "lib/logged_model_filter.h"
#include "lib/repo.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define MAX_PARAM_VALUE 6000
#define DEFAULT_SEARCH 50

/* A cairn_logged_model and what it owns; the public view comes first. */
struct model {
	cairn_logged_model m;
	struct db_logged_model row;
	cairn_kv *params, *tags;
	size_t aparams, atags;
	cairn_model_metric *metrics;
	size_t ametrics;
};

static const char *const status_names[] = {
	NULL, "LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY",
	"LOGGED_MODEL_UPLOAD_FAILED"
};

const char *cairn_logged_model_status_name(cairn_logged_model_status s)
{
	return s >= 1 && s <= 3 ? status_names[s] : "LOGGED_MODEL_STATUS_UNSPECIFIED";
}

int cairn_logged_model_status_parse(cairn_logged_model_status *out,
				    const char *name)
{
	int i;

	for (i = 1; i <= 3; i++) {
		if (!strcmp(name, status_names[i]) || !strcmp(name, status_names[i] + 13) ||
		    (name[0] == '0' + i && !name[1])) {
			*out = (cairn_logged_model_status)i;
			return 0;
		}
	}
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"Invalid logged model status '%s'", name);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- reading */

static int add_kv(cairn_kv **kv, size_t *n, size_t *alloc, const char *k,
		  const char *v)
{
	ALLOC_GROW(*kv, *n + 1, *alloc);
	(*kv)[*n].key = xstrdup(k);
	(*kv)[(*n)++].value = xstrdup(v);
	return 0;
}

static int add_param(const char *k, const char *v, void *payload)
{
	struct model *md = payload;

	return add_kv(&md->params, &md->m.nparams, &md->aparams, k, v);
}

static int add_tag(const char *k, const char *v, void *payload)
{
	struct model *md = payload;

	return add_kv(&md->tags, &md->m.ntags, &md->atags, k, v);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int add_metric(const cairn_model_metric *x, void *payload)
{
	struct model *md = payload;
	cairn_model_metric *c;

	ALLOC_GROW(md->metrics, md->m.nmetrics + 1, md->ametrics);
	c = &md->metrics[md->m.nmetrics++];
	*c = *x;
	c->model_id = xstrdup(x->model_id);
	c->run_id = dup_or_null(x->run_id);
	c->metric.key = xstrdup(x->metric.key);
	c->dataset_name = dup_or_null(x->dataset_name);
	c->dataset_digest = dup_or_null(x->dataset_digest);
	return 0;
}

void cairn_logged_model_free(cairn_logged_model *m)
{
	struct model *md = (struct model *)m;
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nparams; i++) {
		free((char *)md->params[i].key);
		free((char *)md->params[i].value);
	}
	for (i = 0; i < m->ntags; i++) {
		free((char *)md->tags[i].key);
		free((char *)md->tags[i].value);
	}
	for (i = 0; i < m->nmetrics; i++) {
		free((char *)md->metrics[i].model_id);
		free((char *)md->metrics[i].run_id);
		free((char *)md->metrics[i].metric.key);
		free((char *)md->metrics[i].dataset_name);
		free((char *)md->metrics[i].dataset_digest);
	}
	free(md->params);
	free(md->tags);
	free(md->metrics);
	db_logged_model_clear(&md->row);
	free(md);
}

/* A model from its row (copied), with its params and tags. */
static int load(struct model **out, cairn_repo *repo,
		const struct db_logged_model *row)
{
	struct model *md = xcalloc(1, sizeof(*md));
	int err;

	md->row = *row;
	md->row.model_id = xstrdup(row->model_id);
	md->row.experiment_id = xstrdup(row->experiment_id);
	md->row.name = xstrdup(row->name);
	md->row.model_type = row->model_type ? xstrdup(row->model_type) : NULL;
	md->row.source_run_id = row->source_run_id ? xstrdup(row->source_run_id)
						   : NULL;
	md->row.lifecycle_stage = xstrdup(row->lifecycle_stage);
	if ((err = db_logged_model_kv_foreach(repo->db, row->key, 0, add_param,
					      md)) < 0 ||
	    (err = db_logged_model_kv_foreach(repo->db, row->key, 1, add_tag,
					      md)) < 0 ||
	    (err = db_logged_model_metric_foreach(repo->db, row->key, add_metric,
						  md)) < 0) {
		cairn_logged_model_free(&md->m);
		return err;
	}
	md->m.model_id = md->row.model_id;
	md->m.experiment_id = md->row.experiment_id;
	md->m.name = md->row.name;
	md->m.model_type = md->row.model_type;
	md->m.source_run_id = md->row.source_run_id;
	md->m.status = (cairn_logged_model_status)md->row.status;
	md->m.creation_time = md->row.creation_time;
	md->m.last_update_time = md->row.last_update_time;
	md->m.params = md->params;
	md->m.tags = md->tags;
	md->m.metrics = md->metrics;
	*out = md;
	return 0;
}

/* The active model's row: CAIRN_ENOTFOUND for unknown or deleted ones. */
static int find(struct db_logged_model *row, cairn_repo *repo,
		const char *model_id)
{
	int err;

	if (!model_id || !*model_id)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'model_id'");
	if ((err = cairn_repo__need_local(repo)) < 0 ||
	    (err = db_logged_model_get(row, repo->db, model_id)) < 0)
		return err;
	if (strcmp(row->lifecycle_stage, "active")) {
		db_logged_model_clear(row);
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"Logged model with ID '%s' not found.", model_id);
	}
	return 0;
}

int cairn_logged_model_get(cairn_logged_model **out, cairn_repo *repo,
			   const char *model_id)
{
	struct db_logged_model row;
	struct model *md;
	int err;

	if ((err = find(&row, repo, model_id)) < 0)
		return err;
	err = load(&md, repo, &row);
	db_logged_model_clear(&row);
	if (!err)
		*out = &md->m;
	return err;
}

/* ------------------------------------------------------------ changing */

static int check_name(const char *name)
{
	if (!*name || strpbrk(name, "/:.%\"'"))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Invalid model name ('%s') provided. Model name "
					"must be a non-empty string and cannot contain "
					"the following characters: ('/', ':', '.', '%%', "
					"'\"', \"'\")", name);
	return 0;
}

static int check_params(const cairn_kv *params, size_t n)
{
	size_t i, j;
	int err;

	for (i = 0; i < n; i++) {
		if ((err = cairn_validate("param", params[i].key, NULL)) < 0)
			return err;
		if (!params[i].value || strlen(params[i].value) > MAX_PARAM_VALUE)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Param value for '%s' must be a string of "
						"at most %d characters", params[i].key,
						MAX_PARAM_VALUE);
		for (j = 0; j < i; j++)
			if (!strcmp(params[i].key, params[j].key))
				return cairn_error_setc(CAIRN_EINVALID,
							CAIRN_ERRCLASS_INVALID,
							"Duplicate parameter keys have "
							"been submitted: ['%s']",
							params[i].key);
	}
	return 0;
}

static int check_tags(const cairn_kv *tags, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		if ((err = cairn_validate("tag", tags[i].key,
					  tags[i].value ? tags[i].value : "")) < 0)
			return err;
	return 0;
}

int cairn_logged_model_create(cairn_logged_model **out, cairn_repo *repo,
			      const cairn_logged_model_create_options *opts)
{
	cairn_logged_model_create_options o = CAIRN_LOGGED_MODEL_CREATE_OPTIONS_INIT;
	struct db_logged_model row;
	cairn_experiment e;
	struct buf name = BUF_INIT;
	struct model *md = NULL;
	char id[35];
	size_t i;
	int err;

	if (opts)
		o = *opts;
	if ((err = cairn_repo__need_local(repo)) < 0 ||
	    (o.name && (err = check_name(o.name)) < 0) ||
	    (err = check_params(o.params, o.nparams)) < 0 ||
	    (err = check_tags(o.tags, o.ntags)) < 0)
		return err;
	memset(&row, 0, sizeof(row));
	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = db_experiment_get(&e, repo->db,
				     o.experiment ? o.experiment : "0")) < 0)
		goto done;
	if (strcmp(e.lifecycle_stage, "active")) {
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The experiment %s must be in the 'active' state. "
				       "Current state is %s.", e.id, e.lifecycle_stage);
		db_experiment_clear(&e);
		goto done;
	}
	id[0] = 'm';
	id[1] = '-';
	track_random_hex(id + 2, 16);
	if (o.name)
		buf_puts(&name, o.name);
	else
		track_generate_name(&name);
	row.model_id = id;
	row.experiment_id = (char *)e.id;
	row.name = name.ptr;
	row.model_type = (char *)o.model_type;
	row.source_run_id = (char *)o.source_run_id;
	row.lifecycle_stage = (char *)"active";
	row.status = CAIRN_LOGGED_MODEL_PENDING;
	row.creation_time = row.last_update_time = now_ms();
	err = db_logged_model_insert(repo->db, &row);
	for (i = 0; i < o.nparams && !err; i++)
		err = db_logged_model_param_put(repo->db, row.key, o.params[i].key,
						o.params[i].value);
	for (i = 0; i < o.ntags && !err; i++)
		err = db_logged_model_tag_put(repo->db, row.key, o.tags[i].key,
					      o.tags[i].value ? o.tags[i].value : "");
	if (!err)
		err = load(&md, repo, &row);
	db_experiment_clear(&e);
done:
	buf_release(&name);
	if (err < 0) {
		db_rollback(repo->db);
		return err;
	}
	if ((err = db_commit(repo->db)) < 0) {
		cairn_logged_model_free(&md->m);
		return err;
	}
	if (out)
		*out = &md->m;
	else
		cairn_logged_model_free(&md->m);
	return 0;
}

/* Run change(row) on the active model in one transaction. */
static int change(cairn_repo *repo, const char *model_id,
		  int (*fn)(struct db_logged_model *row, cairn_repo *repo,
			    const void *arg),
		  const void *arg)
{
	struct db_logged_model row;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0 ||
	    (err = db_begin(repo->db)) < 0)
		return err;
	if ((err = find(&row, repo, model_id)) < 0) {
		db_rollback(repo->db);
		return err;
	}
	err = fn(&row, repo, arg);
	db_logged_model_clear(&row);
	if (err < 0) {
		db_rollback(repo->db);
		return err;
	}
	return db_commit(repo->db);
}

static int set_status(struct db_logged_model *row, cairn_repo *repo,
		      const void *arg)
{
	return db_logged_model_update(repo->db, row->key,
				      *(const cairn_logged_model_status *)arg,
				      NULL, now_ms());
}

int cairn_logged_model_finalize(cairn_repo *repo, const char *model_id,
				cairn_logged_model_status status)
{
	if (status != CAIRN_LOGGED_MODEL_READY &&
	    status != CAIRN_LOGGED_MODEL_UPLOAD_FAILED)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"A logged model is finalized as "
					"LOGGED_MODEL_READY or "
					"LOGGED_MODEL_UPLOAD_FAILED, not %s",
					cairn_logged_model_status_name(status));
	return change(repo, model_id, set_status, &status);
}

static int set_deleted(struct db_logged_model *row, cairn_repo *repo,
		       const void *arg)
{
	(void)arg;
	return db_logged_model_update(repo->db, row->key, 0, "deleted", now_ms());
}

int cairn_logged_model_delete(cairn_repo *repo, const char *model_id)
{
	return change(repo, model_id, set_deleted, NULL);
}

struct kv_list {
	const cairn_kv *kv;
	size_t n;
};

static int put_tags(struct db_logged_model *row, cairn_repo *repo,
		    const void *arg)
{
	const struct kv_list *l = arg;
	size_t i;
	int err = 0;

	for (i = 0; i < l->n && !err; i++)
		err = db_logged_model_tag_put(repo->db, row->key, l->kv[i].key,
					      l->kv[i].value ? l->kv[i].value : "");
	return err;
}

int cairn_logged_model_set_tags(cairn_repo *repo, const char *model_id,
				const cairn_kv *tags, size_t n)
{
	struct kv_list l = { tags, n };
	int err = check_tags(tags, n);

	return err < 0 ? err : change(repo, model_id, put_tags, &l);
}

static int delete_tag(struct db_logged_model *row, cairn_repo *repo,
		      const void *arg)
{
	int err = db_logged_model_tag_delete(repo->db, row->key, arg);

	if (err == CAIRN_ENOTFOUND)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "No tag with key '%s' found for model with ID "
				       "'%s'.", (const char *)arg, row->model_id);
	return err;
}

int cairn_logged_model_delete_tag(cairn_repo *repo, const char *model_id,
				  const char *key)
{
	if (!key || !*key)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'tag_key'");
	return change(repo, model_id, delete_tag, key);
}

static int put_params(struct db_logged_model *row, cairn_repo *repo,
		      const void *arg)
{
	const struct kv_list *l = arg;
	size_t i;
	int err = 0;

	for (i = 0; i < l->n && !err; i++)
		err = db_logged_model_param_put(repo->db, row->key, l->kv[i].key,
						l->kv[i].value);
	return err;
}

int cairn_logged_model_log_params(cairn_repo *repo, const char *model_id,
				  const cairn_kv *params, size_t n)
{
	struct kv_list l = { params, n };
	int err = check_params(params, n);

	return err < 0 ? err : change(repo, model_id, put_params, &l);
}

/* -------------------------------------------------------------- search */

struct found {
	cairn_repo *repo;
	const struct lm_filter *filter;
	struct model **models;
	size_t n, alloc;
	int err;
};

static int collect(const struct db_logged_model *row, void *payload)
{
	struct found *f = payload;
	struct model *md;

	if ((f->err = load(&md, f->repo, row)) < 0)
		return -1;
	if (!lm_filter_match(f->filter, &md->m)) {
		cairn_logged_model_free(&md->m);
		return 0;
	}
	ALLOC_GROW(f->models, f->n + 1, f->alloc);
	f->models[f->n++] = md;
	return 0;
}

/* Insertion into sorted order (thread-safe, unlike qsort with a global). */
static void sort_models(struct model **v, size_t n,
			const cairn_logged_model_order *o, size_t no)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct model *x = v[i];

		for (j = i; j > 0 && lm_order_compare(o, no, &v[j - 1]->m, &x->m) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int cairn_logged_models_search(int *more, cairn_repo *repo,
			       const cairn_logged_model_search_options *opts,
			       int (*cb)(const cairn_logged_model *m,
					 void *payload),
			       void *payload)
{
	struct lm_filter filter;
	struct found f;
	int64_t *ids;
	size_t i, nids = 0, max, end;
	int err;

	*more = 0;
	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!opts->nexperiments)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter "
					"'experiment_ids'");
	for (i = 0; i < opts->norder_by; i++)
		if ((err = lm_order_check(&opts->order_by[i])) < 0)
			return err;
	if ((err = lm_filter_parse(&filter, opts->filter)) < 0)
		return err;
	ids = xcalloc(opts->nexperiments, sizeof(*ids));
	for (i = 0; i < opts->nexperiments; i++) {
		const char *e = opts->experiments[i];
		size_t len = e ? strlen(e) : 0;

		if (len && len < 19 && strspn(e, "0123456789") == len)
			ids[nids++] = strtoll(e, NULL, 10);
	}
	memset(&f, 0, sizeof(f));
	f.repo = repo;
	f.filter = &filter;
	if (nids && (err = db_begin_read(repo->db)) == 0) {
		err = db_logged_model_foreach(repo->db, ids, nids, collect, &f);
		db_rollback(repo->db);
		if (f.err < 0)
			err = f.err;
	}
	if (err >= 0) {
		sort_models(f.models, f.n, opts->order_by, opts->norder_by);
		max = opts->max_results ? opts->max_results : DEFAULT_SEARCH;
		end = opts->offset + max < f.n ? opts->offset + max : f.n;
		*more = end < f.n;
		for (i = opts->offset; i < end && !err; i++)
			err = cb(&f.models[i]->m, payload);
	}
	for (i = 0; i < f.n; i++)
		cairn_logged_model_free(&f.models[i]->m);
	free(f.models);
	free(ids);
	lm_filter_release(&filter);
	return err;
}

/* ----------------------------------------------------------- artifacts */

/* The active model's key and the cleaned path. */
static int artifact_target(int64_t *key, struct buf *clean, cairn_repo *repo,
			   const char *model_id, const char *path)
{
	struct db_logged_model row;
	int err;

	if ((err = track_clean_path(clean, path)) < 0 ||
	    (err = find(&row, repo, model_id)) < 0)
		return err;
	*key = row.key;
	db_logged_model_clear(&row);
	return 0;
}

int cairn_logged_model_artifact_write_fd(cairn_repo *repo, const char *model_id,
					 int fd, const char *path)
{
	struct buf clean = BUF_INIT;
	int64_t key;
	int err;

	if ((err = artifact_target(&key, &clean, repo, model_id, path)) == 0) {
		if (!clean.len)
			err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					       "an artifact file needs a name");
		else
			err = local_model_artifact_write_fd(repo, key, fd, clean.ptr);
	}
	buf_release(&clean);
	return err;
}

int cairn_logged_model_artifact_read(cairn_repo *repo, const char *model_id,
				     const char *path, int fd)
{
	struct buf clean = BUF_INIT;
	int64_t key;
	int err;

	if ((err = artifact_target(&key, &clean, repo, model_id, path)) == 0)
		err = local_model_artifact_read(repo, key, buf_cstr(&clean), fd);
	buf_release(&clean);
	return err;
}

int cairn_logged_model_artifact_list(cairn_repo *repo, const char *model_id,
				     const char *path,
				     int (*cb)(const cairn_artifact *a,
					       void *payload),
				     void *payload)
{
	struct buf clean = BUF_INIT;
	int64_t key;
	int err;

	if ((err = artifact_target(&key, &clean, repo, model_id, path)) == 0)
		err = local_model_artifact_list(repo, key, buf_cstr(&clean), cb,
						payload);
	buf_release(&clean);
	return err;
}

/* ------------------------------------------------------ runs and models */

static int link_models(cairn_repo *repo, const char *run_id, int output,
		       const char *const *ids, const int64_t *steps, size_t n)
{
	struct db_logged_model row;
	struct db_run r;
	size_t i;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	if (!run_id || !*run_id)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'run_id'");
	for (i = 0; i < n; i++)
		if (!ids[i] || !*ids[i])
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Missing value for required parameter "
						"'model_id'");
	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = db_run_get(&r, repo->db, run_id)) < 0)
		goto done;
	if (strcmp(r.info.lifecycle_stage, "active"))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The run %s must be in the 'active' state. Current "
				       "state is %s.", run_id, r.info.lifecycle_stage);
	for (i = 0; i < n && !err; i++) {
		if ((err = find(&row, repo, ids[i])) < 0)
			break;
		db_logged_model_clear(&row);
		err = db_run_model_put(repo->db, r.key, ids[i], output,
				       steps ? steps[i] : 0);
	}
	db_run_clear(&r);
done:
	if (err < 0) {
		db_rollback(repo->db);
		return err;
	}
	return db_commit(repo->db);
}

int cairn_log_model_metrics(cairn_repo *repo, const cairn_model_metric *m,
			    size_t n)
{
	struct db_logged_model row;
	struct db_run r;
	const char *run_id = NULL;
	size_t i;
	int err;

	if ((err = cairn_repo__need_local(repo)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		if ((err = cairn_validate("metric", m[i].metric.key, NULL)) < 0)
			return err;
		if (!m[i].run_id || !*m[i].run_id)
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"Missing value for required parameter "
						"'run_id'");
	}
	if ((err = db_begin(repo->db)) < 0)
		return err;
	for (i = 0; i < n && !err; i++) {
		if (!run_id || strcmp(run_id, m[i].run_id)) {
			run_id = m[i].run_id;
			if ((err = db_run_get(&r, repo->db, run_id)) < 0)
				break;
			if (strcmp(r.info.lifecycle_stage, "active"))
				err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						       "The run %s must be in the 'active' "
						       "state. Current state is %s.", run_id,
						       r.info.lifecycle_stage);
			db_run_clear(&r);
			if (err < 0)
				break;
		}
		if ((err = find(&row, repo, m[i].model_id)) < 0)
			break;
		err = db_logged_model_metric_put(repo->db, row.key, &m[i]);
		db_logged_model_clear(&row);
	}
	if (err < 0) {
		db_rollback(repo->db);
		return err;
	}
	return db_commit(repo->db);
}

int cairn_log_model_outputs(cairn_repo *repo, const char *run_id,
			    const cairn_model_output *outputs, size_t n)
{
	const char **ids = xcalloc(n + 1, sizeof(*ids));
	int64_t *steps = xcalloc(n + 1, sizeof(*steps));
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		ids[i] = outputs[i].model_id;
		steps[i] = outputs[i].step;
	}
	err = link_models(repo, run_id, 1, ids, steps, n);
	free(ids);
	free(steps);
	return err;
}

int cairn_log_model_inputs(cairn_repo *repo, const char *run_id,
			   const char *const *model_ids, size_t n)
{
	return link_models(repo, run_id, 0, model_ids, NULL, n);
}
