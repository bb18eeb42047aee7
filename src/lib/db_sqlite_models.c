/*
 * db_sqlite_models.c: MLflow 3's logged models in the SQLite backend
 * (db.h): the tables logged_models, logged_model_params,
 * logged_model_tags and run_models of migration 6.
 *
 * Metrics linked to a model (logged_model_metrics, migration 7) keep ''
 * for a missing run or dataset, so a point logged twice is one row.
 *
 * A model row is never removed: delete sets its lifecycle stage, and
 * callers treat a deleted model as absent. Its artifact tree moves by
 * compare-and-swap, exactly like a run's (run_artifacts.c retries).
 * Domain rules (validation, states) are in logged_model.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/banned.h"

#define MODEL_COLUMNS                                                        \
	"id, model_id, experiment_id, name, model_type, source_run_id, "     \
	"status, lifecycle_stage, creation_time, last_update_time "

static void row_to_model(struct db_logged_model *m, sqlite3_stmt *st)
{
	m->key = sqlite3_column_int64(st, 0);
	m->model_id = sqlite__column_dup(st, 1);
	m->experiment_id = sqlite__column_dup(st, 2);
	m->name = sqlite__column_dup(st, 3);
	m->model_type = sqlite__column_dup(st, 4);
	m->source_run_id = sqlite__column_dup(st, 5);
	m->status = sqlite3_column_int(st, 6);
	m->lifecycle_stage = sqlite__column_dup(st, 7);
	m->creation_time = sqlite3_column_int64(st, 8);
	m->last_update_time = sqlite3_column_int64(st, 9);
}

void db_logged_model_clear(struct db_logged_model *m)
{
	free(m->model_id);
	free(m->experiment_id);
	free(m->name);
	free(m->model_type);
	free(m->source_run_id);
	free(m->lifecycle_stage);
	memset(m, 0, sizeof(*m));
}

int db_logged_model_insert(struct db *db, struct db_logged_model *m)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT INTO logged_models(model_id, "
				   "experiment_id, name, model_type, source_run_id, "
				   "status, creation_time, last_update_time) VALUES "
				   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, m->model_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, strtoll(m->experiment_id, NULL, 10));
	sqlite3_bind_text(st, 3, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->model_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->source_run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, m->status);
	sqlite3_bind_int64(st, 7, m->creation_time);
	if ((err = sqlite__step_done(db, st, "cannot record the logged model")) < 0)
		return err;
	m->key = sqlite3_last_insert_rowid(db->h);
	return 0;
}

int db_logged_model_get(struct db_logged_model *out, struct db *db,
			const char *model_id)
{
	sqlite3_stmt *st;
	int rc, err;

	memset(out, 0, sizeof(*out));
	if ((err = sqlite__prepare(&st, db, "SELECT " MODEL_COLUMNS "FROM "
				   "logged_models WHERE model_id = ?1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, model_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_model(out, st);
	else if (rc == SQLITE_DONE)
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
				       "Logged model with ID '%s' not found.", model_id);
	else
		err = sqlite__error(db, "cannot read the logged model");
	sqlite3_finalize(st);
	return err;
}

int db_logged_model_foreach(struct db *db, const int64_t *experiments,
			    size_t n,
			    int (*cb)(const struct db_logged_model *m,
				      void *payload),
			    void *payload)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	size_t i;
	int rc, ret;

	buf_puts(&sql, "SELECT " MODEL_COLUMNS "FROM logged_models WHERE "
		 "lifecycle_stage = 'active' AND experiment_id IN (");
	for (i = 0; i < n; i++)
		buf_printf(&sql, "%s%lld", i ? "," : "", (long long)experiments[i]);
	buf_puts(&sql, ") ORDER BY id");
	ret = sqlite__prepare(&st, db, sql.ptr);
	buf_release(&sql);
	if (ret < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_logged_model m;

		row_to_model(&m, st);
		ret = cb(&m, payload);
		db_logged_model_clear(&m);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot list the logged models");
	sqlite3_finalize(st);
	return ret;
}

int db_logged_model_update(struct db *db, int64_t key, int status,
			   const char *stage, int64_t now_ms)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "UPDATE logged_models SET "
				   "status = CASE WHEN ?2 THEN ?2 ELSE status END, "
				   "lifecycle_stage = COALESCE(?3, lifecycle_stage), "
				   "last_update_time = ?4 WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int(st, 2, status);
	sqlite3_bind_text(st, 3, stage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	return sqlite__step_done(db, st, "cannot update the logged model");
}

int db_logged_model_param_put(struct db *db, int64_t key, const char *k,
			      const char *v)
{
	sqlite3_stmt *st;
	char *old = NULL;
	int rc, err;

	if ((err = sqlite__prepare(&st, db, "SELECT value FROM logged_model_params "
				   "WHERE model = ?1 AND key = ?2")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		old = sqlite__column_dup(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(db, "cannot read the logged model's params");
	if (old) {
		if (strcmp(old, v))
			err = cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					       "Changing param values is not allowed. "
					       "Param with key='%s' was already logged "
					       "with value='%s' for logged model, and "
					       "logged again with value='%s'.", k, old, v);
		free(old);
		return err;
	}
	if ((err = sqlite__prepare(&st, db, "INSERT INTO logged_model_params(model, "
				   "key, value) VALUES (?1, ?2, ?3)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot record the param");
}

int db_logged_model_tag_put(struct db *db, int64_t key, const char *k,
			    const char *v)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT OR REPLACE INTO "
				   "logged_model_tags(model, key, value) "
				   "VALUES (?1, ?2, ?3)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot set the tag");
}

int db_logged_model_tag_delete(struct db *db, int64_t key, const char *k)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "DELETE FROM logged_model_tags WHERE "
				   "model = ?1 AND key = ?2")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
	if ((err = sqlite__step_done(db, st, "cannot delete the tag")) < 0)
		return err;
	if (sqlite3_changes(db->h) == 0)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"No tag with key '%s' found", k);
	return 0;
}

int db_logged_model_kv_foreach(struct db *db, int64_t key, int tags,
			       int (*cb)(const char *k, const char *v,
					 void *payload),
			       void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, tags ?
				   "SELECT key, value FROM logged_model_tags "
				   "WHERE model = ?1 ORDER BY key" :
				   "SELECT key, value FROM logged_model_params "
				   "WHERE model = ?1 ORDER BY key")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1), payload)) != 0)
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the logged model");
	sqlite3_finalize(st);
	return ret;
}

int db_logged_model_artifacts_get(cairn_oid *out, struct db *db, int64_t key)
{
	sqlite3_stmt *st;
	const char *hex;
	int rc, ret = 0;

	if ((ret = sqlite__prepare(&st, db, "SELECT artifact_tree FROM logged_models "
				   "WHERE id = ?1")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		hex = (const char *)sqlite3_column_text(st, 0);
		ret = hex && cairn_oid_parse(out, hex) == 0;
	} else if (rc != SQLITE_DONE) {
		ret = sqlite__error(db, "cannot read the model's artifacts");
	}
	sqlite3_finalize(st);
	return ret;
}

int db_logged_model_artifacts_swap(struct db *db, int64_t key,
				   const cairn_oid *old,
				   const cairn_oid *new_root)
{
	char a[CAIRN_OID_STRLEN + 1], b[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "UPDATE logged_models SET "
				   "artifact_tree = ?3 WHERE id = ?1 AND "
				   "artifact_tree IS ?2")) < 0)
		return err;
	cairn_oid_fmt(b, new_root);
	sqlite3_bind_int64(st, 1, key);
	if (old) {
		cairn_oid_fmt(a, old);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
	if ((err = sqlite__step_done(db, st, "cannot record the model's artifacts")) < 0)
		return err;
	return sqlite3_changes(db->h) == 1;
}

int db_run_model_put(struct db *db, int64_t run, const char *model_id,
		     int output, int64_t step)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT OR IGNORE INTO run_models(run, "
				   "model_id, output, step) VALUES (?1, ?2, ?3, ?4)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, model_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, output);
	sqlite3_bind_int64(st, 4, step);
	return sqlite__step_done(db, st, "cannot record the run's model");
}

int db_run_models_read(struct db *db, int64_t run,
		       int (*cb)(const char *model_id, int output, int64_t step,
				 void *payload),
		       void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT model_id, output, step FROM "
				   "run_models WHERE run = ?1 ORDER BY id")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2),
			      payload)) != 0)
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the run's models");
	sqlite3_finalize(st);
	return ret;
}

int db_logged_model_metric_put(struct db *db, int64_t key,
			       const cairn_model_metric *m)
{
	sqlite3_stmt *st;
	int err, nan = isnan(m->metric.value);

	if ((err = sqlite__prepare(&st, db, "INSERT OR REPLACE INTO "
				   "logged_model_metrics(model, run_id, key, value, "
				   "is_nan, timestamp, step, dataset_name, "
				   "dataset_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
				   "?7, ?8, ?9)")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, m->run_id ? m->run_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->metric.key, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, nan ? 0 : m->metric.value);
	sqlite3_bind_int(st, 5, nan);
	sqlite3_bind_int64(st, 6, m->metric.timestamp);
	sqlite3_bind_int64(st, 7, m->metric.step);
	sqlite3_bind_text(st, 8, m->dataset_name ? m->dataset_name : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 9, m->dataset_digest ? m->dataset_digest : "", -1,
			  SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot record the model's metric");
}

static const char *empty_null(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s && *s ? s : NULL;
}

int db_logged_model_metric_foreach(struct db *db, int64_t key,
				   int (*cb)(const cairn_model_metric *m,
					     void *payload),
				   void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT m.model_id, x.run_id, x.key, "
				   "x.value, x.is_nan, x.timestamp, x.step, "
				   "x.dataset_name, x.dataset_digest FROM "
				   "logged_model_metrics x JOIN logged_models m ON "
				   "m.id = x.model WHERE x.model = ?1 ORDER BY x.key, "
				   "x.timestamp, x.step")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_model_metric m;

		m.model_id = (const char *)sqlite3_column_text(st, 0);
		m.run_id = empty_null(st, 1);
		m.metric.key = (const char *)sqlite3_column_text(st, 2);
		m.metric.value = sqlite3_column_int(st, 4) ? NAN
							   : sqlite3_column_double(st, 3);
		m.metric.timestamp = sqlite3_column_int64(st, 5);
		m.metric.step = sqlite3_column_int64(st, 6);
		m.dataset_name = empty_null(st, 7);
		m.dataset_digest = empty_null(st, 8);
		if ((ret = cb(&m, payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the model's metrics");
	sqlite3_finalize(st);
	return ret;
}
