/*
 * run_datasets.c: MLflow dataset records, the datasets a run used that
 * are not cairn data set versions (a pandas frame, a table, a file
 * elsewhere), kept exactly as MLflow's SQL store keeps them (shared/ref/
 * mlflow-rest.md sections 1.3 and 1.6):
 *   - a dataset is name, digest, source_type, source, and optional schema
 *     and profile, unique per (experiment, name, digest): the first record
 *     of it wins, later ones only link to it;
 *   - a run's input of a dataset is recorded once, with its InputTags;
 *     logging it again changes nothing, not even the tags;
 *   - limits: name 500, digest 36, source 65535, schema 1048575, profile
 *     16777215 characters; tag keys 255, tag values 500;
 *   - nothing may be logged to a deleted run.
 * Every input is checked before anything is written (the public
 * functions, whatever the repo's tracking backend), and one call is one
 * transaction. The local backend's side is the local_* functions; the
 * SQL is in db_sqlite_datasets.c.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "lib/repo.h"
#include "lib/track_backend.h"
#include "lib/track_local.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

#define MAX_NAME 500
#define MAX_DIGEST 36
#define MAX_SOURCE 65535
#define MAX_SCHEMA 1048575
#define MAX_PROFILE 16777215
#define MAX_TAG_KEY 255
#define MAX_TAG_VALUE 500
#define DEFAULT_SUMMARIES 1000

static int invalid(const char *what, const char *field)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"%s %s cannot be None", what, field);
}

static int too_long(const char *what, const char *field, size_t max)
{
	return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				"%s %s exceeds the maximum length of %zu", what,
				field, max);
}

int cairn_dataset_input_validate(const cairn_dataset_input *in)
{
	const cairn_dataset *d = &in->dataset;
	size_t i;

	if (!d->name || !*d->name)
		return invalid("Dataset", "name");
	if (!d->digest || !*d->digest)
		return invalid("Dataset", "digest");
	if (!d->source_type || !*d->source_type)
		return invalid("Dataset", "source_type");
	if (!d->source)
		return invalid("Dataset", "source");
	if (strlen(d->name) > MAX_NAME)
		return too_long("Dataset", "name", MAX_NAME);
	if (strlen(d->digest) > MAX_DIGEST)
		return too_long("Dataset", "digest", MAX_DIGEST);
	if (strlen(d->source) > MAX_SOURCE)
		return too_long("Dataset", "source", MAX_SOURCE);
	if (d->schema && strlen(d->schema) > MAX_SCHEMA)
		return too_long("Dataset", "schema", MAX_SCHEMA);
	if (d->profile && strlen(d->profile) > MAX_PROFILE)
		return too_long("Dataset", "profile", MAX_PROFILE);
	for (i = 0; i < in->ntags; i++) {
		if (!in->tags[i].key || !*in->tags[i].key)
			return invalid("InputTag", "key");
		if (!in->tags[i].value)
			return invalid("InputTag", "value");
		if (strlen(in->tags[i].key) > MAX_TAG_KEY)
			return too_long("InputTag", "key", MAX_TAG_KEY);
		if (strlen(in->tags[i].value) > MAX_TAG_VALUE)
			return too_long("InputTag", "value", MAX_TAG_VALUE);
	}
	return 0;
}

int cairn_log_dataset_inputs(cairn_repo *repo, const char *run_id,
			     const cairn_dataset_input *inputs, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++)
		if ((err = cairn_dataset_input_validate(&inputs[i])) < 0)
			return err;
	if (!run_id || !*run_id)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"Missing value for required parameter 'run_id'");
	return repo->track->log_dataset_inputs(repo, run_id, inputs, n);
}

int cairn_dataset_summaries(cairn_repo *repo, const char *const *experiments,
			    size_t n, size_t max,
			    int (*cb)(const cairn_dataset_summary *s,
				      void *payload),
			    void *payload)
{
	return repo->track->dataset_summaries(repo, experiments, n,
					      max ? max : DEFAULT_SUMMARIES, cb,
					      payload);
}

int local_log_dataset_inputs(cairn_repo *repo, const char *run_id,
			     const cairn_dataset_input *inputs, size_t n)
{
	struct db_run r;
	size_t i;
	int err;

	if ((err = db_begin(repo->db)) < 0)
		return err;
	if ((err = db_run_get(&r, repo->db, run_id)) < 0) {
		db_rollback(repo->db);
		return err;
	}
	if (strcmp(r.info.lifecycle_stage, "active"))
		err = cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
				       "The run %s must be in the 'active' state. Current "
				       "state is %s.", run_id, r.info.lifecycle_stage);
	for (i = 0; i < n && !err; i++)
		err = db_dataset_input_put(repo->db, r.key,
					   strtoll(r.info.experiment_id, NULL, 10),
					   &inputs[i]);
	db_run_clear(&r);
	if (err < 0) {
		db_rollback(repo->db);
		return err;
	}
	return db_commit(repo->db);
}

int local_dataset_summaries(cairn_repo *repo, const char *const *experiments,
			    size_t n, size_t max,
			    int (*cb)(const cairn_dataset_summary *s, void *payload),
			    void *payload)
{
	int64_t *ids = xcalloc(n + 1, sizeof(*ids));
	size_t i, nids = 0;
	int err = 0;

	/* Only decimal ids name experiments; the rest match nothing. */
	for (i = 0; i < n; i++) {
		const char *e = experiments[i];
		size_t len = e ? strlen(e) : 0;

		if (len && len < 19 && strspn(e, "0123456789") == len)
			ids[nids++] = strtoll(e, NULL, 10);
	}
	if (nids)
		err = db_dataset_summaries(repo->db, ids, nids, max, cb, payload);
	free(ids);
	return err;
}
