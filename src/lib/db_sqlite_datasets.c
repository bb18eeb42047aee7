/*
 * db_sqlite_datasets.c: MLflow dataset records in the SQLite backend
 * (db.h): the tables mlflow_datasets, run_dataset_inputs and
 * run_dataset_input_tags of migration 3.
 *
 * The rules are MLflow's SQL store's: a dataset row is unique per
 * (experiment, name, digest) and is never rewritten once there (a later
 * record with other source or schema keeps the first); a run has an input
 * of a dataset at most once, and an input that exists keeps its tags.
 * Callers validate first (run_datasets.c) and run inside a transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/banned.h"

#define CONTEXT_TAG "mlflow.data.context"

/* The id of the row the statement (bound, one column) selects, or 0. */
static int64_t select_id(struct db *db, sqlite3_stmt *st, int *err)
{
	int64_t id = 0;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		*err = sqlite__error(db, "cannot read the dataset records");
	sqlite3_finalize(st);
	return id;
}

static int dataset_row(int64_t *out, struct db *db, int64_t experiment,
		       const cairn_dataset *d)
{
	sqlite3_stmt *st;
	int err = 0;

	if ((err = sqlite__prepare(&st, db, "INSERT INTO mlflow_datasets(experiment_id, "
				   "name, digest, source_type, source, schema, profile) "
				   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
				   "ON CONFLICT DO NOTHING")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, experiment);
	sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->source_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, d->schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, d->profile, -1, SQLITE_STATIC);
	if ((err = sqlite__step_done(db, st, "cannot record the dataset")) < 0)
		return err;
	if ((err = sqlite__prepare(&st, db, "SELECT id FROM mlflow_datasets WHERE "
				   "experiment_id = ?1 AND name = ?2 AND digest = ?3")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, experiment);
	sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->digest, -1, SQLITE_STATIC);
	*out = select_id(db, st, &err);
	if (!err && !*out)
		err = cairn_error_set(CAIRN_ERRCLASS_DB, "the dataset record vanished");
	return err;
}

int db_dataset_input_put(struct db *db, int64_t run, int64_t experiment,
			 const cairn_dataset_input *in)
{
	sqlite3_stmt *st;
	int64_t dataset, input;
	size_t i;
	int err;

	if ((err = dataset_row(&dataset, db, experiment, &in->dataset)) < 0)
		return err;
	if ((err = sqlite__prepare(&st, db, "INSERT INTO run_dataset_inputs(run, dataset) "
				   "VALUES (?1, ?2) ON CONFLICT DO NOTHING "
				   "RETURNING id")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, dataset);
	input = select_id(db, st, &err);
	if (err < 0 || !input)
		return err; /* the run had this input already: keep it as it is */
	for (i = 0; i < in->ntags && !err; i++) {
		if ((err = sqlite__prepare(&st, db, "INSERT OR REPLACE INTO "
					   "run_dataset_input_tags(input, key, value) "
					   "VALUES (?1, ?2, ?3)")) < 0)
			break;
		sqlite3_bind_int64(st, 1, input);
		sqlite3_bind_text(st, 2, in->tags[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, in->tags[i].value, -1, SQLITE_STATIC);
		err = sqlite__step_done(db, st, "cannot record the input tag");
	}
	return err;
}

static const char *text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void clear_kv(cairn_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)kv[i].key);
		free((char *)kv[i].value);
	}
}

int db_dataset_inputs_read(struct db *db, int64_t run,
			   int (*cb)(const cairn_dataset_input *in, void *payload),
			   void *payload)
{
	sqlite3_stmt *st = NULL, *tags = NULL;
	cairn_kv *kv = NULL;
	size_t nkv = 0, alloc = 0;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT i.id, d.name, d.digest, "
				   "d.source_type, d.source, d.schema, d.profile "
				   "FROM run_dataset_inputs i JOIN mlflow_datasets d "
				   "ON d.id = i.dataset WHERE i.run = ?1 ORDER BY i.id")) < 0 ||
	    (ret = sqlite__prepare(&tags, db, "SELECT key, value FROM "
				   "run_dataset_input_tags WHERE input = ?1 "
				   "ORDER BY key")) < 0)
		goto done;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_dataset_input in;

		clear_kv(kv, nkv);
		nkv = 0;
		sqlite3_reset(tags);
		sqlite3_bind_int64(tags, 1, sqlite3_column_int64(st, 0));
		while ((rc = sqlite3_step(tags)) == SQLITE_ROW) {
			ALLOC_GROW(kv, nkv + 1, alloc);
			/* copies: the next step frees a row's text */
			kv[nkv].key = xstrdup(text(tags, 0));
			kv[nkv++].value = xstrdup(text(tags, 1));
		}
		if (rc != SQLITE_DONE)
			break;
		in.dataset.name = text(st, 1);
		in.dataset.digest = text(st, 2);
		in.dataset.source_type = text(st, 3);
		in.dataset.source = text(st, 4);
		in.dataset.schema = text(st, 5);
		in.dataset.profile = text(st, 6);
		in.tags = kv;
		in.ntags = nkv;
		if ((ret = cb(&in, payload)) != 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the run's dataset inputs");
done:
	clear_kv(kv, nkv);
	free(kv);
	sqlite3_finalize(tags);
	sqlite3_finalize(st);
	return ret;
}

int db_dataset_summaries(struct db *db, const int64_t *experiments, size_t n,
			 size_t limit,
			 int (*cb)(const cairn_dataset_summary *s, void *payload),
			 void *payload)
{
	sqlite3_stmt *st;
	struct buf sql = BUF_INIT, ids = BUF_INIT;
	size_t i;
	int rc, ret;

	for (i = 0; i < n; i++)
		buf_printf(&ids, "%s%lld", i ? "," : "", (long long)experiments[i]);
	/*
	 * Dataset records, with the context tag when the input has one, and
	 * the cairn data set versions runs of the experiments used.
	 */
	buf_printf(&sql, "SELECT DISTINCT experiment_id, name, digest, context FROM ("
		   "SELECT d.experiment_id AS experiment_id, d.name AS name, "
		   "d.digest AS digest, t.value AS context "
		   "FROM mlflow_datasets d JOIN run_dataset_inputs i ON i.dataset = d.id "
		   "LEFT JOIN run_dataset_input_tags t ON t.input = i.id "
		   "AND t.key = '" CONTEXT_TAG "' WHERE d.experiment_id IN (%s) "
		   "UNION SELECT r.experiment_id, ri.dataset, ri.oid, "
		   "NULLIF(ri.context, '') FROM run_inputs ri JOIN runs r "
		   "ON r.id = ri.run WHERE r.experiment_id IN (%s)) "
		   "ORDER BY experiment_id, name, digest, context LIMIT ?1",
		   ids.ptr, ids.ptr);
	ret = sqlite__prepare(&st, db, sql.ptr);
	buf_release(&sql);
	buf_release(&ids);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_dataset_summary s;

		s.experiment_id = text(st, 0);
		s.name = text(st, 1);
		s.digest = text(st, 2);
		s.context = text(st, 3);
		if ((ret = cb(&s, payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot search the datasets");
	sqlite3_finalize(st);
	return ret;
}
