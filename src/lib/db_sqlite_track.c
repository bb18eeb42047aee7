/*
 * db_sqlite_track.c: experiment tracking in the SQLite backend (db.h):
 * experiments, runs, params, tags, metric histories, inputs.
 *
 * The high-volume path is metrics. A point costs one INSERT into the
 * WITHOUT ROWID table `metrics` keyed (run, key, step, timestamp, value,
 * is_nan), with run and key as small integers, so a point takes about 20
 * bytes on disk. `latest_metrics` keeps the latest point per key (largest
 * step, then timestamp, then value, as MLflow orders them) for run views
 * and search; a batch updates it once per key, not once per point.
 * NaN is stored as value 0 with is_nan 1 (SQLite has no NaN).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

/* ------------------------------------------------------------ helpers */

static int all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

/* -------------------------------------------------------- experiments */

void db_experiment_clear(cairn_experiment *e)
{
	free((char *)e->id);
	free((char *)e->name);
	free((char *)e->lifecycle_stage);
	memset(e, 0, sizeof(*e));
}

int db_experiment_create(int64_t *id_out, struct db *db, const char *name,
			 int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc, err;

	if ((err = sqlite__prepare(&st, db, "INSERT INTO experiments(name, "
				   "creation_time, last_update_time) VALUES (?1, ?2, ?2)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_DB,
					"Experiment(name=%s) already exists.", name);
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot create the experiment");
	*id_out = sqlite3_last_insert_rowid(db->h);
	return 0;
}

#define EXPERIMENT_COLUMNS \
	"SELECT id, name, lifecycle_stage, creation_time, last_update_time FROM experiments "

static void row_to_experiment(cairn_experiment *e, sqlite3_stmt *st, int own)
{
	static _Thread_local char idbuf[24];

	if (own) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
		e->id = xstrdup(id);
		e->name = sqlite__column_dup(st, 1);
		e->lifecycle_stage = sqlite__column_dup(st, 2);
	} else {
		snprintf(idbuf, sizeof(idbuf), "%lld",
			 (long long)sqlite3_column_int64(st, 0));
		e->id = idbuf;
		e->name = (const char *)sqlite3_column_text(st, 1);
		e->lifecycle_stage = (const char *)sqlite3_column_text(st, 2);
	}
	e->creation_time = sqlite3_column_int64(st, 3);
	e->last_update_time = sqlite3_column_int64(st, 4);
}

static int experiment_query(cairn_experiment *out, struct db *db,
			    const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int rc, err;

	if ((err = sqlite__prepare(&st, db, sql)) < 0)
		return err;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_experiment(out, st, 1);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return CAIRN_ENOTFOUND;
	return sqlite__error(db, "cannot read experiments");
}

int db_experiment_get(cairn_experiment *out, struct db *db,
		      const char *id_or_name)
{
	int err = CAIRN_ENOTFOUND;

	memset(out, 0, sizeof(*out));
	if (all_digits(id_or_name))
		err = experiment_query(out, db, EXPERIMENT_COLUMNS "WHERE id = CAST(?1 AS INTEGER)",
				       id_or_name);
	if (err == CAIRN_ENOTFOUND)
		err = experiment_query(out, db, EXPERIMENT_COLUMNS "WHERE name = ?1",
				       id_or_name);
	if (err == CAIRN_ENOTFOUND)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"no experiment with id or name '%s'", id_or_name);
	return err;
}

int db_experiment_set(struct db *db, const char *id, const char *name,
		      const char *stage, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc, err;

	if ((err = sqlite__prepare(&st, db, "UPDATE experiments SET "
				   "name = COALESCE(?2, name), "
				   "lifecycle_stage = COALESCE(?3, lifecycle_stage), "
				   "last_update_time = ?4 WHERE id = CAST(?1 AS INTEGER)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, stage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_DB,
					"Experiment(name=%s) already exists.", name);
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot update the experiment");
	if (!stage)
		return 0;
	/* As MLflow: an experiment's runs are deleted and restored with it. */
	if ((err = sqlite__prepare(&st, db, "UPDATE runs SET lifecycle_stage = ?2 "
				   "WHERE experiment_id = CAST(?1 AS INTEGER)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stage, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot update the experiment's runs");
}

int db_experiment_set_tag(struct db *db, const char *id, const char *key,
			  const char *value)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT OR REPLACE INTO experiment_tags"
				   "(experiment_id, key, value) VALUES "
				   "(CAST(?1 AS INTEGER), ?2, ?3)")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot set the experiment tag");
}

int db_experiment_delete_tag(struct db *db, const char *id, const char *key)
{
	sqlite3_stmt *st;
	int err, rc;

	if ((err = sqlite__prepare(&st, db, "DELETE FROM experiment_tags WHERE "
				   "experiment_id = CAST(?1 AS INTEGER) AND key = ?2 "
				   "RETURNING 1")) < 0)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"No tag with name: %s in experiment with id %s",
					key, id);
	return sqlite__error(db, "cannot delete the experiment tag");
}

int db_experiment_tag_foreach(struct db *db, const char *id,
			      int (*cb)(const char *key, const char *value,
					void *payload),
			      void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT key, value FROM experiment_tags "
				   "WHERE experiment_id = CAST(?1 AS INTEGER) "
				   "ORDER BY key")) < 0)
		return ret;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1), payload)) != 0)
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read experiment tags");
	sqlite3_finalize(st);
	return ret;
}

int db_experiment_foreach(struct db *db, cairn_view view,
			  int (*cb)(const cairn_experiment *e, void *payload),
			  void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, EXPERIMENT_COLUMNS
				   "WHERE (?1 & 1 AND lifecycle_stage = 'active') OR "
				   "(?1 & 2 AND lifecycle_stage = 'deleted') ORDER BY id")) < 0)
		return ret;
	sqlite3_bind_int(st, 1, (int)view);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_experiment e;

		row_to_experiment(&e, st, 0);
		if ((ret = cb(&e, payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot list experiments");
	sqlite3_finalize(st);
	return ret;
}

static int prepared(sqlite3_stmt **slot, struct db *db, const char *sql);

/* ---------------------------------------------------------------- runs */

void db_run_clear(struct db_run *r)
{
	free((char *)r->info.run_id);
	free((char *)r->info.name);
	free((char *)r->info.experiment_id);
	free((char *)r->info.user_id);
	free((char *)r->info.lifecycle_stage);
	free((char *)r->info.parent_run_id);
	memset(r, 0, sizeof(*r));
}

int db_run_insert(struct db *db, struct db_run *r)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT INTO runs(run_uuid, experiment_id, "
				   "name, user_id, status, start_time, parent_run) VALUES "
				   "(?1, CAST(?2 AS INTEGER), ?3, ?4, ?5, ?6, "
				   "(SELECT id FROM runs WHERE run_uuid = ?7))")) < 0)
		return err;
	sqlite3_bind_text(st, 1, r->info.run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->info.experiment_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->info.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->info.user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cairn_run_status_name(r->info.status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->info.start_time);
	sqlite3_bind_text(st, 7, r->info.parent_run_id, -1, SQLITE_STATIC);
	if ((err = sqlite__step_done(db, st, "cannot create the run")) < 0)
		return err;
	r->key = sqlite3_last_insert_rowid(db->h);
	return 0;
}

int db_run_get(struct db_run *out, struct db *db, const char *run_id)
{
	sqlite3_stmt *st;
	int rc, err;

	memset(out, 0, sizeof(*out));
	if ((err = prepared(&db->run_get, db, "SELECT r.id, r.run_uuid, r.name, "
			    "r.experiment_id, r.user_id, r.status, r.start_time, "
			    "r.end_time, r.lifecycle_stage, p.run_uuid FROM runs r "
			    "LEFT JOIN runs p ON p.id = r.parent_run "
			    "WHERE r.run_uuid = ?1")) < 0)
		return err;
	st = db->run_get;
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char exp[24];

		out->key = sqlite3_column_int64(st, 0);
		out->info.run_id = sqlite__column_dup(st, 1);
		out->info.name = sqlite__column_dup(st, 2);
		snprintf(exp, sizeof(exp), "%lld", (long long)sqlite3_column_int64(st, 3));
		out->info.experiment_id = xstrdup(exp);
		out->info.user_id = sqlite__column_dup(st, 4);
		if (cairn_run_status_parse(&out->info.status,
					   (const char *)sqlite3_column_text(st, 5)) < 0)
			out->info.status = CAIRN_RUN_RUNNING;
		out->info.start_time = sqlite3_column_int64(st, 6);
		out->info.end_time = sqlite3_column_int64(st, 7);
		out->info.lifecycle_stage = sqlite__column_dup(st, 8);
		out->info.parent_run_id = sqlite__column_dup(st, 9);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"Run '%s' not found", run_id);
	return sqlite__error(db, "cannot read the run");
}

int db_run_resolve(struct buf *out, struct db *db, const char *spec)
{
	sqlite3_stmt *st;
	char pattern[80];
	int rc, err, n = 0;
	size_t len = strlen(spec);
	int hex = len >= 4 && len <= 32 && strspn(spec, "0123456789abcdef") == len;

	snprintf(pattern, sizeof(pattern), "%.40s*", spec);
	if ((err = sqlite__prepare(&st, db, "SELECT run_uuid FROM runs WHERE "
				   "(?3 AND run_uuid GLOB ?1) OR name = ?2 LIMIT 2")) < 0)
		return err;
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, hex);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			buf_reset(out);
			buf_puts(out, (const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot look runs up");
	if (n == 0)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"no run matches '%s'", spec);
	if (n > 1)
		return cairn_error_setc(CAIRN_EAMBIGUOUS, CAIRN_ERRCLASS_DB,
					"'%s' matches several runs; give more of the id",
					spec);
	return 0;
}

int db_run_update(struct db *db, int64_t key, const char *status,
		  int64_t end_time, const char *name)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "UPDATE runs SET status = COALESCE(?2, status), "
				   "end_time = CASE WHEN ?3 > 0 THEN ?3 ELSE end_time END, "
				   "name = COALESCE(?4, name) WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, end_time);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot update the run");
}

int db_run_set_stage(struct db *db, int64_t key, const char *stage)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "UPDATE runs SET lifecycle_stage = ?2 "
				   "WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, stage, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot update the run");
}

/* ------------------------------------------------------ params and tags */

int db_param_put(struct db *db, int64_t run, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc, err;

	if ((err = prepared(&db->param_put, db, "INSERT INTO params(run, key, value) "
			    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING "
			    "RETURNING 1")) < 0)
		return err;
	st = db->param_put;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sqlite3_step(st); /* finish the RETURNING statement */
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot log the param");
	/* Already there: fine if equal. */
	if ((err = sqlite__prepare(&st, db, "SELECT p.value, r.run_uuid FROM params p "
				   "JOIN runs r ON r.id = p.run "
				   "WHERE p.run = ?1 AND p.key = ?2")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	err = 0;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), value) != 0)
		err = cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_DB,
				       "Changing param values is not allowed. Param with "
				       "key='%s' was already logged with value='%s' for run "
				       "ID='%s'. Attempted logging new value '%s'.",
				       key, sqlite3_column_text(st, 0),
				       sqlite3_column_text(st, 1), value);
	sqlite3_finalize(st);
	return err;
}

int db_tag_put(struct db *db, int64_t run, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int err;

	if ((err = prepared(&db->tag_put, db, "INSERT OR REPLACE INTO tags(run, key, "
			    "value) VALUES (?1, ?2, ?3)")) < 0)
		return err;
	st = db->tag_put;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	err = sqlite3_step(st) == SQLITE_DONE ? 0 : sqlite__error(db, "cannot set the tag");
	sqlite3_reset(st);
	return err;
}

int db_tag_delete(struct db *db, int64_t run, const char *key)
{
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "DELETE FROM tags WHERE run = ?1 AND key = ?2 "
				   "RETURNING 1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DB,
					"No tag with name: %s in run", key);
	}
	return sqlite__step_done(db, st, "cannot delete the tag");
}

/* -------------------------------------------------------------- metrics */

static int prepared(sqlite3_stmt **slot, struct db *db, const char *sql)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return 0;
	}
	return sqlite__prepare(slot, db, sql);
}

static int metric_key_id(int64_t *out, struct db *db, const char *key)
{
	int err;

	if ((err = prepared(&db->key_get, db, "SELECT id FROM metric_keys WHERE key = ?1")) < 0)
		return err;
	sqlite3_bind_text(db->key_get, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(db->key_get) == SQLITE_ROW) {
		*out = sqlite3_column_int64(db->key_get, 0);
		sqlite3_reset(db->key_get);
		return 0;
	}
	sqlite3_reset(db->key_get);
	if ((err = prepared(&db->key_put, db, "INSERT INTO metric_keys(key) VALUES (?1)")) < 0)
		return err;
	sqlite3_bind_text(db->key_put, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(db->key_put) != SQLITE_DONE) {
		sqlite3_reset(db->key_put);
		return sqlite__error(db, "cannot record the metric key");
	}
	sqlite3_reset(db->key_put);
	*out = sqlite3_last_insert_rowid(db->h);
	return 0;
}

/* MLflow's order of "latest": step, then timestamp, then value (NaN last). */
static int later(const cairn_metric *a, const cairn_metric *b)
{
	if (a->step != b->step)
		return a->step > b->step;
	if (a->timestamp != b->timestamp)
		return a->timestamp > b->timestamp;
	if (isnan(a->value) || isnan(b->value))
		return isnan(a->value) && !isnan(b->value);
	return a->value > b->value;
}

struct latest {
	const char *name;
	int64_t key;
	cairn_metric m;
};

/*
 * The distinct keys of a batch: latest[] in order of first sight, found
 * by name through an open-addressing table of indexes (slot 0 is empty).
 */
struct batch_keys {
	struct latest *latest;
	size_t n, *slot, mask;
};

static size_t *key_slot(struct batch_keys *k, const char *name)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (i = (size_t)h & k->mask;; i = (i + 1) & k->mask)
		if (!k->slot[i] || !strcmp(k->latest[k->slot[i] - 1].name, name))
			return &k->slot[i];
}

static int update_latest(struct db *db, int64_t run, const struct latest *l)
{
	cairn_metric cur;
	int err, have = 0;

	if ((err = prepared(&db->latest_get, db, "SELECT value, is_nan, timestamp, step "
			    "FROM latest_metrics WHERE run = ?1 AND key = ?2")) < 0)
		return err;
	sqlite3_bind_int64(db->latest_get, 1, run);
	sqlite3_bind_int64(db->latest_get, 2, l->key);
	if (sqlite3_step(db->latest_get) == SQLITE_ROW) {
		have = 1;
		cur.value = sqlite3_column_int(db->latest_get, 1)
				    ? NAN : sqlite3_column_double(db->latest_get, 0);
		cur.timestamp = sqlite3_column_int64(db->latest_get, 2);
		cur.step = sqlite3_column_int64(db->latest_get, 3);
	}
	sqlite3_reset(db->latest_get);
	if (have && !later(&l->m, &cur))
		return 0;
	if ((err = prepared(&db->latest_put, db, "INSERT OR REPLACE INTO latest_metrics"
			    "(run, key, value, is_nan, timestamp, step) VALUES "
			    "(?1, ?2, ?3, ?4, ?5, ?6)")) < 0)
		return err;
	sqlite3_bind_int64(db->latest_put, 1, run);
	sqlite3_bind_int64(db->latest_put, 2, l->key);
	sqlite3_bind_double(db->latest_put, 3, isnan(l->m.value) ? 0.0 : l->m.value);
	sqlite3_bind_int(db->latest_put, 4, isnan(l->m.value) ? 1 : 0);
	sqlite3_bind_int64(db->latest_put, 5, l->m.timestamp);
	sqlite3_bind_int64(db->latest_put, 6, l->m.step);
	if (sqlite3_step(db->latest_put) != SQLITE_DONE) {
		sqlite3_reset(db->latest_put);
		return sqlite__error(db, "cannot update the latest metric");
	}
	sqlite3_reset(db->latest_put);
	return 0;
}

int db_metrics_put(struct db *db, int64_t run, const cairn_metric *m, size_t n)
{
	struct batch_keys k;
	size_t i, j, size = 2;
	int err = 0;

	if (!n)
		return 0;
	while (size < 2 * n)
		size *= 2;
	k.latest = xmalloc(n * sizeof(*k.latest));
	k.slot = xcalloc(size, sizeof(*k.slot));
	k.mask = size - 1;
	k.n = 0;
	if ((err = prepared(&db->metric_put, db, "INSERT OR IGNORE INTO metrics"
			    "(run, key, step, timestamp, value, is_nan) VALUES "
			    "(?1, ?2, ?3, ?4, ?5, ?6)")) < 0)
		goto done;
	sqlite3_bind_int64(db->metric_put, 1, run);
	for (i = 0; i < n; i++) {
		size_t *slot = key_slot(&k, m[i].key);
		struct latest *l;

		if (!*slot) {
			l = &k.latest[k.n];
			if ((err = metric_key_id(&l->key, db, m[i].key)) < 0)
				break;
			l->name = m[i].key;
			l->m = m[i];
			*slot = ++k.n;
		} else {
			l = &k.latest[*slot - 1];
			if (later(&m[i], &l->m))
				l->m = m[i];
		}
		sqlite3_bind_int64(db->metric_put, 2, l->key);
		sqlite3_bind_int64(db->metric_put, 3, m[i].step);
		sqlite3_bind_int64(db->metric_put, 4, m[i].timestamp);
		sqlite3_bind_double(db->metric_put, 5, isnan(m[i].value) ? 0.0 : m[i].value);
		sqlite3_bind_int(db->metric_put, 6, isnan(m[i].value) ? 1 : 0);
		if (sqlite3_step(db->metric_put) != SQLITE_DONE) {
			err = sqlite__error(db, "cannot log the metric");
			sqlite3_reset(db->metric_put);
			break;
		}
		sqlite3_reset(db->metric_put);
	}
	for (j = 0; j < k.n && !err; j++)
		err = update_latest(db, run, &k.latest[j]);
done:
	free(k.latest);
	free(k.slot);
	return err;
}

int db_input_put(struct db *db, int64_t run, const cairn_data_version *v,
		 const char *context)
{
	char hex[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT OR IGNORE INTO run_inputs(run, "
				   "dataset, version, oid, context) VALUES "
				   "(?1, ?2, ?3, ?4, ?5)")) < 0)
		return err;
	cairn_oid_fmt(hex, &v->oid);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, v->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)v->version);
	sqlite3_bind_text(st, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, context ? context : "", -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot record the input");
}

/* ------------------------------------------------------------- reading */

static void row_metric(cairn_metric *m, sqlite3_stmt *st, int base)
{
	m->value = sqlite3_column_int(st, base + 1) ? NAN
						    : sqlite3_column_double(st, base);
	m->timestamp = sqlite3_column_int64(st, base + 2);
	m->step = sqlite3_column_int64(st, base + 3);
}

static int each_kv(struct db *db, const char *sql, int64_t run,
		   int (*cb)(const char *k, const char *v, void *payload),
		   void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, sql)) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1), payload)) != 0)
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the run");
	sqlite3_finalize(st);
	return ret;
}

int db_run_read(struct db *db, int64_t run, const struct db_run_reader *r,
		void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = each_kv(db, "SELECT key, value FROM params WHERE run = ?1 ORDER BY key",
			   run, r->param, payload)) != 0 ||
	    (ret = each_kv(db, "SELECT key, value FROM tags WHERE run = ?1 ORDER BY key",
			   run, r->tag, payload)) != 0)
		return ret;
	if ((ret = sqlite__prepare(&st, db, "SELECT k.key, l.value, l.is_nan, l.timestamp, "
				   "l.step FROM latest_metrics l JOIN metric_keys k "
				   "ON k.id = l.key WHERE l.run = ?1 ORDER BY k.key")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_metric m;

		m.key = (const char *)sqlite3_column_text(st, 0);
		row_metric(&m, st, 1);
		if ((ret = r->metric(&m, payload)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (ret)
		return ret;
	if ((ret = sqlite__prepare(&st, db, "SELECT dataset, version, oid, context FROM "
				   "run_inputs WHERE run = ?1 ORDER BY dataset, version")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_run_input in;

		in.name = (const char *)sqlite3_column_text(st, 0);
		in.version = (uint64_t)sqlite3_column_int64(st, 1);
		in.id = (const char *)sqlite3_column_text(st, 2);
		in.context = (const char *)sqlite3_column_text(st, 3);
		if ((ret = r->input(&in, payload)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return ret;
}

int db_metric_history(struct db *db, int64_t run, const char *key,
		      int (*cb)(const cairn_metric *m, void *payload),
		      void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT m.value, m.is_nan, m.timestamp, m.step "
				   "FROM metrics m JOIN metric_keys k ON k.id = m.key "
				   "WHERE m.run = ?1 AND k.key = ?2 "
				   "ORDER BY m.step, m.timestamp")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_metric m;

		m.key = key;
		row_metric(&m, st, 0);
		if ((ret = cb(&m, payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read the metric history");
	sqlite3_finalize(st);
	return ret;
}

/* ----------------------------------------------------------- artifacts */

int db_run_artifacts_get(cairn_oid *out, struct db *db, int64_t run)
{
	sqlite3_stmt *st;
	int rc, err, found = 0;

	if ((err = sqlite__prepare(&st, db, "SELECT artifact_tree FROM runs WHERE id = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		found = cairn_oid_parse(out, (const char *)sqlite3_column_text(st, 0)) == 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(db, "cannot read the run's artifacts");
	return found;
}

int db_run_artifacts_swap(struct db *db, int64_t run, const cairn_oid *old,
			  const cairn_oid *new_root)
{
	char a[CAIRN_OID_STRLEN + 1], b[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "UPDATE runs SET artifact_tree = ?3 "
				   "WHERE id = ?1 AND artifact_tree IS ?2")) < 0)
		return err;
	cairn_oid_fmt(b, new_root);
	sqlite3_bind_int64(st, 1, run);
	if (old) {
		cairn_oid_fmt(a, old);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return sqlite__error(db, "cannot record the run's artifacts");
	}
	sqlite3_finalize(st);
	return sqlite3_changes(db->h) == 1;
}

int db_artifact_roots(struct db *db,
		      int (*cb)(const char *run_id, const cairn_oid *root,
				void *payload),
		      void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	/* Logged models' trees too, named by their model ids. */
	if ((ret = sqlite__prepare(&st, db, "SELECT run_uuid, artifact_tree FROM runs "
				   "WHERE artifact_tree IS NOT NULL UNION ALL "
				   "SELECT model_id, artifact_tree FROM logged_models "
				   "WHERE artifact_tree IS NOT NULL")) < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_oid oid;

		if (cairn_oid_parse(&oid, (const char *)sqlite3_column_text(st, 1)) < 0)
			continue;
		if ((ret = cb((const char *)sqlite3_column_text(st, 0), &oid, payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot list run artifacts");
	sqlite3_finalize(st);
	return ret;
}

int db_checkpoint_put(struct db *db, int64_t run, const struct db_checkpoint *c)
{
	char hex[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT OR REPLACE INTO checkpoints(run, step, "
				   "path, oid, size, created_ms, meta) VALUES "
				   "(?1, ?2, ?3, ?4, ?5, ?6, ?7)")) < 0)
		return err;
	cairn_oid_fmt(hex, &c->oid);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, c->step);
	sqlite3_bind_text(st, 3, c->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->size);
	sqlite3_bind_int64(st, 6, c->created_ms);
	sqlite3_bind_text(st, 7, c->meta, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot record the checkpoint");
}

int db_checkpoint_foreach(struct db *db, int64_t run,
			  int (*cb)(const struct db_checkpoint *c, void *payload),
			  void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = sqlite__prepare(&st, db, "SELECT step, path, oid, size, created_ms, meta "
				   "FROM checkpoints WHERE run = ?1 ORDER BY step, path")) < 0)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_checkpoint c;

		c.step = sqlite3_column_int64(st, 0);
		c.path = (const char *)sqlite3_column_text(st, 1);
		if (cairn_oid_parse(&c.oid, (const char *)sqlite3_column_text(st, 2)) < 0)
			continue;
		c.size = (uint64_t)sqlite3_column_int64(st, 3);
		c.created_ms = sqlite3_column_int64(st, 4);
		c.meta = (const char *)sqlite3_column_text(st, 5);
		if ((ret = cb(&c, payload)) != 0)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot list checkpoints");
	sqlite3_finalize(st);
	return ret;
}
