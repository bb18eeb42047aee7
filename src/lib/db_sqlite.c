/*
 * db_sqlite.c: the SQLite backend of the metadata store (db.h).
 *
 * The database is .cairn/cairn.db in WAL mode (readers never block the
 * writer), synchronous=NORMAL (WAL makes that crash-safe: a power cut can
 * lose the last commits, never corrupt the file), foreign keys on, and a
 * busy timeout so two cairn processes wait for each other instead of
 * failing.
 *
 * Migrations: migrations[i] brings the schema from version i to i + 1.
 * They only ever get appended; an old cairn refuses a database whose
 * user_version is newer than it knows.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/banned.h"


static const char *const migrations[] = {
	/* 0 -> 1: data sets and the stat cache */
	"CREATE TABLE datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE dataset_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  dataset_id INTEGER NOT NULL REFERENCES datasets(id),"
	"  version INTEGER NOT NULL,"
	"  oid TEXT NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  files INTEGER NOT NULL,"
	"  path TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  created_by TEXT,"
	"  rows INTEGER,"
	"  columns TEXT,"
	"  UNIQUE (dataset_id, version));"
	"CREATE INDEX dataset_versions_oid ON dataset_versions(oid);"
	"CREATE TABLE stat_cache ("
	"  path TEXT PRIMARY KEY,"
	"  dev INTEGER, ino INTEGER, size INTEGER,"
	"  mtime_ns INTEGER, ctime_ns INTEGER, mode INTEGER,"
	"  oid BLOB NOT NULL, recorded_ns INTEGER NOT NULL) WITHOUT ROWID;",

	/*
	 * 1 -> 2: experiment tracking. Runs have a 32-hex public id and an
	 * integer key that the high-volume tables use, and metric keys are
	 * interned, so a metric point costs a few bytes of integers.
	 */
	"CREATE TABLE experiments ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  lifecycle_stage TEXT NOT NULL DEFAULT 'active',"
	"  creation_time INTEGER NOT NULL,"
	"  last_update_time INTEGER NOT NULL);"
	"INSERT INTO experiments(id, name, creation_time, last_update_time)"
	"  VALUES (0, 'Default',"
	"    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),"
	"    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));"
	"CREATE TABLE experiment_tags ("
	"  experiment_id INTEGER NOT NULL REFERENCES experiments(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  run_uuid TEXT NOT NULL UNIQUE,"
	"  experiment_id INTEGER NOT NULL REFERENCES experiments(id),"
	"  name TEXT NOT NULL,"
	"  user_id TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'RUNNING',"
	"  start_time INTEGER NOT NULL,"
	"  end_time INTEGER,"
	"  lifecycle_stage TEXT NOT NULL DEFAULT 'active',"
	"  parent_run INTEGER REFERENCES runs(id),"
	"  artifact_tree TEXT);"
	"CREATE INDEX runs_experiment ON runs(experiment_id, start_time DESC);"
	/* The default search order, so a first page needs no full sort. */
	"CREATE INDEX runs_order ON runs(start_time DESC, run_uuid);"
	"CREATE TABLE params ("
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (run, key)) WITHOUT ROWID;"
	"CREATE INDEX params_key ON params(key, value);"
	"CREATE TABLE tags ("
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (run, key)) WITHOUT ROWID;"
	"CREATE TABLE metric_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE);"
	"CREATE TABLE metrics ("
	"  run INTEGER NOT NULL,"
	"  key INTEGER NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  timestamp INTEGER NOT NULL,"
	"  value REAL NOT NULL,"
	"  is_nan INTEGER NOT NULL DEFAULT 0,"
	/* MLflow's rule: a point identical in every field is stored once. */
	"  PRIMARY KEY (run, key, step, timestamp, value, is_nan)) WITHOUT ROWID;"
	"CREATE TABLE latest_metrics ("
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  key INTEGER NOT NULL REFERENCES metric_keys(id),"
	"  value REAL NOT NULL,"
	"  is_nan INTEGER NOT NULL DEFAULT 0,"
	"  timestamp INTEGER NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  PRIMARY KEY (run, key)) WITHOUT ROWID;"
	"CREATE INDEX latest_metrics_key ON latest_metrics(key, value);"
	"CREATE TABLE run_inputs ("
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  dataset TEXT NOT NULL,"     /* data set name */
	"  version INTEGER NOT NULL,"  /* its version */
	"  oid TEXT NOT NULL,"
	"  context TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (run, dataset, version, context)) WITHOUT ROWID;"
	"CREATE INDEX run_inputs_dataset ON run_inputs(dataset, version);"
	"CREATE TABLE checkpoints ("
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  step INTEGER NOT NULL,"
	"  path TEXT NOT NULL,"        /* artifact path inside the run */
	"  oid TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  meta TEXT,"                 /* JSON object: epoch, loss, ... */
	"  PRIMARY KEY (run, step, path)) WITHOUT ROWID;",

	/*
	 * 2 -> 3: the audit log (db_sqlite_audit.c, docs/internals/audit.md).
	 * Append-only: the triggers refuse any change to a recorded event.
	 */
	"CREATE TABLE audit_events ("
	"  seq INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  before TEXT,"   /* canonical JSON or NULL */
	"  after TEXT,"
	"  reason TEXT,"
	"  prev TEXT NOT NULL,"  /* the previous event's hash, 64 hex */
	"  hash TEXT NOT NULL);" /* this event's */
	"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
	"  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
	"CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
	"  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",

	/*
	 * 3 -> 4: MLflow dataset records, as MLflow's SQL store keeps them:
	 * a dataset once per (experiment, name, digest), a run's input of
	 * it once, with the input's tags (mlflow.data.context, ...).
	 */
	"CREATE TABLE mlflow_datasets ("
	"  id INTEGER PRIMARY KEY,"
	"  experiment_id INTEGER NOT NULL REFERENCES experiments(id),"
	"  name TEXT NOT NULL,"
	"  digest TEXT NOT NULL,"
	"  source_type TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  schema TEXT,"
	"  profile TEXT,"
	"  UNIQUE (experiment_id, name, digest));"
	"CREATE TABLE run_dataset_inputs ("
	"  id INTEGER PRIMARY KEY,"
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  dataset INTEGER NOT NULL REFERENCES mlflow_datasets(id),"
	"  UNIQUE (run, dataset));"
	"CREATE INDEX run_dataset_inputs_dataset ON run_dataset_inputs(dataset);"
	"CREATE TABLE run_dataset_input_tags ("
	"  input INTEGER NOT NULL REFERENCES run_dataset_inputs(id),"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (input, key)) WITHOUT ROWID;",

	/*
	 * 4 -> 5: the model registry. Models and versions are deleted softly
	 * (deleted_time), so a version number is never given out twice and
	 * the content of every version stays a gc root; a live model name is
	 * unique. A version's tree is the pinned content id of its directory.
	 */
	"CREATE TABLE registered_models ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  user_id TEXT NOT NULL DEFAULT '',"
	"  creation_time INTEGER NOT NULL,"
	"  last_updated_time INTEGER NOT NULL,"
	"  deleted_time INTEGER);"
	"CREATE UNIQUE INDEX registered_models_name ON registered_models(name)"
	"  WHERE deleted_time IS NULL;"
	"CREATE INDEX registered_models_any_name ON registered_models(name);"
	"CREATE TABLE registered_model_tags ("
	"  model INTEGER NOT NULL REFERENCES registered_models(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (model, key)) WITHOUT ROWID;"
	"CREATE TABLE model_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  model INTEGER NOT NULL REFERENCES registered_models(id),"
	"  version INTEGER NOT NULL,"
	"  tree TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  files INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  run_id TEXT,"
	"  run_link TEXT NOT NULL DEFAULT '',"
	"  description TEXT NOT NULL DEFAULT '',"
	"  semver TEXT,"
	"  stage INTEGER NOT NULL DEFAULT 0,"
	"  flavors TEXT,"
	"  signature TEXT,"
	"  user_id TEXT NOT NULL DEFAULT '',"
	"  creation_time INTEGER NOT NULL,"
	"  last_updated_time INTEGER NOT NULL,"
	"  deleted_time INTEGER,"
	"  UNIQUE (model, version));"
	"CREATE INDEX model_versions_run ON model_versions(run_id);"
	"CREATE TABLE model_version_tags ("
	"  version INTEGER NOT NULL REFERENCES model_versions(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (version, key)) WITHOUT ROWID;"
	"CREATE TABLE model_aliases ("
	"  model INTEGER NOT NULL REFERENCES registered_models(id),"
	"  alias TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  PRIMARY KEY (model, alias)) WITHOUT ROWID;",

	/*
	 * 5 -> 6: MLflow 3's logged models (db_sqlite_models.c): a model has
	 * an artifact tree of its own (gc keeps it), write-once params, tags,
	 * and runs link to the models they used (output 0) or produced (1).
	 */
	"CREATE TABLE logged_models ("
	"  id INTEGER PRIMARY KEY,"
	"  model_id TEXT NOT NULL UNIQUE,"
	"  experiment_id INTEGER NOT NULL REFERENCES experiments(id),"
	"  name TEXT NOT NULL,"
	"  model_type TEXT,"
	"  source_run_id TEXT,"
	"  status INTEGER NOT NULL,"
	"  lifecycle_stage TEXT NOT NULL DEFAULT 'active',"
	"  creation_time INTEGER NOT NULL,"
	"  last_update_time INTEGER NOT NULL,"
	"  artifact_tree TEXT);"
	"CREATE INDEX logged_models_experiment ON logged_models(experiment_id);"
	"CREATE TABLE logged_model_params ("
	"  model INTEGER NOT NULL REFERENCES logged_models(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (model, key)) WITHOUT ROWID;"
	"CREATE TABLE logged_model_tags ("
	"  model INTEGER NOT NULL REFERENCES logged_models(id),"
	"  key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (model, key)) WITHOUT ROWID;"
	"CREATE TABLE run_models ("
	"  id INTEGER PRIMARY KEY,"
	"  run INTEGER NOT NULL REFERENCES runs(id),"
	"  model_id TEXT NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  UNIQUE (run, output, model_id, step));",

	/*
	 * 6 -> 7: metrics linked to logged models (MLflow 3's Metric.model_id,
	 * with the run and dataset they were logged with; '' for none, so the
	 * same point logged again replaces itself).
	 */
	"CREATE TABLE logged_model_metrics ("
	"  model INTEGER NOT NULL REFERENCES logged_models(id),"
	"  run_id TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value REAL NOT NULL,"
	"  is_nan INTEGER NOT NULL DEFAULT 0,"
	"  timestamp INTEGER NOT NULL,"
	"  step INTEGER NOT NULL,"
	"  dataset_name TEXT NOT NULL,"
	"  dataset_digest TEXT NOT NULL,"
	"  PRIMARY KEY (model, key, timestamp, step, run_id, dataset_name,"
	"    dataset_digest)) WITHOUT ROWID;",

	/*
	 * 7 -> 8: controlled promotion (db_sqlite_promotion.c,
	 * docs/registry.md): the policy of each model's alias (canonical
	 * text), promotion requests, and their votes, one per actor.
	 */
	"CREATE TABLE model_policies ("
	"  model INTEGER NOT NULL REFERENCES registered_models(id),"
	"  target TEXT NOT NULL,"
	"  policy TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (model, target)) WITHOUT ROWID;"
	"CREATE TABLE promotion_requests ("
	"  id INTEGER PRIMARY KEY,"
	"  model INTEGER NOT NULL REFERENCES registered_models(id),"
	"  version INTEGER NOT NULL,"
	"  target TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  requester TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  created_time INTEGER NOT NULL,"
	"  decided_time INTEGER);"
	"CREATE INDEX promotion_requests_model ON promotion_requests(model, id);"
	"CREATE TABLE promotion_votes ("
	"  request INTEGER NOT NULL REFERENCES promotion_requests(id),"
	"  actor TEXT NOT NULL,"
	"  verdict TEXT NOT NULL,"
	"  reason TEXT,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (request, actor)) WITHOUT ROWID;",

	/*
	 * 8 -> 9: the run that produced a data set version (docs/lineage.md),
	 * NULL when unknown; indexed for lineage downstream from a run.
	 */
	"ALTER TABLE dataset_versions ADD COLUMN run_id TEXT;"
	"CREATE INDEX dataset_versions_run ON dataset_versions(run_id) "
	"WHERE run_id IS NOT NULL;",

	/*
	 * 9 -> 10: deployments (db_sqlite_deploy.c, docs/deployments.md): what
	 * each named `cairn serve` follows and its traffic; generation counts
	 * the changes, so a running server sees one by polling.
	 */
	"CREATE TABLE deployments ("
	"  name TEXT PRIMARY KEY,"
	"  model_uri TEXT NOT NULL,"
	"  canary_uri TEXT,"
	"  canary_percent INTEGER NOT NULL DEFAULT 0,"
	"  shadow_uri TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  generation INTEGER NOT NULL) WITHOUT ROWID;",
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int sqlite__error(struct db *db, const char *what)
{
	return cairn_error_set(CAIRN_ERRCLASS_DB, "%s: %s", what,
			       sqlite3_errmsg(db->h));
}

int sqlite__exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = cairn_error_set(CAIRN_ERRCLASS_DB, "database error: %s",
					  msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return err;
	}
	return 0;
}

int db_set_durable_commits(struct db *db, int on)
{
	return sqlite__exec(db, on ? "PRAGMA synchronous = FULL"
				   : "PRAGMA synchronous = NORMAL");
}

int db_schema_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return sqlite__error(db, "cannot read the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct db *db)
{
	int v = db_schema_version(db), err;

	if (v < 0)
		return v;
	if ((size_t)v > NMIGRATIONS)
		return cairn_error_setc(CAIRN_ENOTSUPP, CAIRN_ERRCLASS_DB,
					"the store was written by a newer cairn (schema %d, "
					"this cairn knows %zu)", v, NMIGRATIONS);
	for (; (size_t)v < NMIGRATIONS; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if ((err = db_begin(db)) < 0)
			return err;
		if ((err = sqlite__exec(db, migrations[v])) < 0 ||
		    (err = sqlite__exec(db, pragma)) < 0) {
			db_rollback(db);
			return err;
		}
		if ((err = db_commit(db)) < 0)
			return err;
	}
	return 0;
}

int db_open(struct db **out, const char *path)
{
	struct db *db = xcalloc(1, sizeof(*db));
	const char *slash = strrchr(path, '/');
	struct buf head = BUF_INIT;
	int err;

	if (slash)
		buf_add(&head, path, (size_t)(slash - path) + 1);
	buf_puts(&head, "audit-head");
	db->audit_head_path = buf_detach(&head, NULL);

	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		err = cairn_error_set(CAIRN_ERRCLASS_DB, "cannot open database '%s': %s",
				      path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 10000);
	if ((err = sqlite__exec(db, "PRAGMA journal_mode = WAL;"
			    "PRAGMA synchronous = NORMAL;"
			    "PRAGMA foreign_keys = ON;"
			    /* MLflow's LIKE is case-sensitive; ILIKE uses lower(). */
			    "PRAGMA case_sensitive_like = ON;")) < 0 ||
	    (err = migrate(db)) < 0)
		goto fail;
	*out = db;
	return 0;
fail:
	db_free(db);
	return err;
}

void db_free(struct db *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->stat_get);
	sqlite3_finalize(db->stat_put);
	sqlite3_finalize(db->metric_put);
	sqlite3_finalize(db->latest_get);
	sqlite3_finalize(db->latest_put);
	sqlite3_finalize(db->key_get);
	sqlite3_finalize(db->key_put);
	sqlite3_finalize(db->begin_write);
	sqlite3_finalize(db->begin_read);
	sqlite3_finalize(db->commit);
	sqlite3_finalize(db->item_begin);
	sqlite3_finalize(db->item_release);
	sqlite3_finalize(db->item_undo);
	sqlite3_finalize(db->run_get);
	sqlite3_finalize(db->tag_put);
	sqlite3_finalize(db->param_put);
	sqlite3_finalize(db->audit_tail);
	sqlite3_finalize(db->audit_put);
	sqlite__audit_close(db);
	sqlite3_close(db->h);
	free(db->audit_head_path);
	free(db);
}

/* Run a statement kept prepared in *slot (transaction control is hot). */
static int run_cached(struct db *db, sqlite3_stmt **slot, const char *sql)
{
	int rc;

	if (!*slot && sqlite__prepare(slot, db, sql) < 0)
		return CAIRN_ERROR;
	rc = sqlite3_step(*slot);
	sqlite3_reset(*slot);
	if (rc != SQLITE_DONE)
		return cairn_error_set(CAIRN_ERRCLASS_DB, "database error: %s",
				       sqlite3_errmsg(db->h));
	return 0;
}

/*
 * Writers of one process take turns here before SQLite's write lock: two
 * connections of one process (the server's workers) would otherwise
 * contend inside SQLite, whose busy handler sleeps in millisecond steps.
 * Other processes still meet at SQLite's lock and its busy timeout.
 */
static pthread_mutex_t write_turn = PTHREAD_MUTEX_INITIALIZER;

static void end_write_turn(struct db *db)
{
	if (db->holds_turn) {
		db->holds_turn = 0;
		pthread_mutex_unlock(&write_turn);
	}
}

static int begin_item(struct db *db)
{
	int err;

	if (db->in_item)
		return cairn_error_set(CAIRN_ERRCLASS_DB,
				       "database error: nested write transaction");
	if ((err = run_cached(db, &db->item_begin, "SAVEPOINT item")) < 0)
		return err;
	db->in_item = 1;
	db->item_audit_seq = db->audit_pending_seq;
	memcpy(db->item_audit_hash, db->audit_pending_hash,
	       sizeof(db->item_audit_hash));
	return 0;
}

static void undo_item(struct db *db)
{
	if (!db->in_item)
		return;
	/* Undo the item's changes, then drop its savepoint. */
	if (run_cached(db, &db->item_undo, "ROLLBACK TO item") < 0 ||
	    run_cached(db, &db->item_release, "RELEASE item") < 0)
		db->in_group = -1; /* the group can no longer be trusted */
	db->in_item = 0;
	db->audit_pending_seq = db->item_audit_seq;
	memcpy(db->audit_pending_hash, db->item_audit_hash,
	       sizeof(db->audit_pending_hash));
}

int db_begin(struct db *db)
{
	int err;

	if (db->in_group)
		return begin_item(db);
	pthread_mutex_lock(&write_turn);
	db->holds_turn = 1;
	if ((err = run_cached(db, &db->begin_write, "BEGIN IMMEDIATE")) < 0) {
		end_write_turn(db);
		return err;
	}
	db->in_tx = 1;
	return 0;
}

int db_begin_read(struct db *db)
{
	int err;

	if (db->in_group)
		return 0; /* the group's transaction is the snapshot */
	if (!(err = run_cached(db, &db->begin_read, "BEGIN DEFERRED")))
		db->in_tx = 1;
	return err;
}

int db_commit(struct db *db)
{
	int err;

	if (db->in_group) {
		if (!db->in_item)
			return 0; /* the end of a read */
		if ((err = run_cached(db, &db->item_release, "RELEASE item")) < 0)
			undo_item(db);
		db->in_item = 0;
		return err;
	}
	if (!(err = run_cached(db, &db->commit, "COMMIT"))) {
		db->in_tx = 0;
		sqlite__audit_committed(db);
	} else {
		db_rollback(db);
	}
	end_write_turn(db);
	return err;
}

void db_rollback(struct db *db)
{
	if (db->in_group) {
		undo_item(db);
		return;
	}
	if (db->in_tx)
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->in_tx = 0;
	db->audit_pending_seq = 0;
	end_write_turn(db);
}

int db_group_begin(struct db *db)
{
	int err;

	if (db->in_group || db->in_tx)
		return cairn_error_set(CAIRN_ERRCLASS_DB,
				       "database error: a group inside a transaction");
	if ((err = db_begin(db)) < 0)
		return err;
	db->in_group = 1;
	return 0;
}

int db_group_end(struct db *db, int commit)
{
	int broken;

	if (!db->in_group)
		return 0;
	undo_item(db); /* an item left open is not part of the group */
	broken = db->in_group < 0;
	db->in_group = 0;
	if (commit && !broken)
		return db_commit(db);
	db_rollback(db);
	return broken && commit ? cairn_error_set(CAIRN_ERRCLASS_DB,
						   "database error: cannot undo "
						   "a write of the group") : 0;
}

/* ------------------------------------------------------ data sets */

#define VERSION_COLUMNS                                                      \
	"d.name, v.version, v.oid, v.kind, v.size, v.files, v.path, "        \
	"v.created_ms, v.created_by, v.rows, v.columns, v.run_id "           \
	"FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id "

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* Fill v from a row; strings borrowed from the row unless own. */
static void row_to_version(cairn_data_version *v, sqlite3_stmt *st, int own)
{
	const char *oid = (const char *)sqlite3_column_text(st, 2);

	memset(v, 0, sizeof(*v));
	v->name = own ? column_dup(st, 0) : (const char *)sqlite3_column_text(st, 0);
	v->version = (uint64_t)sqlite3_column_int64(st, 1);
	if (!oid || cairn_oid_parse(&v->oid, oid) < 0)
		memset(&v->oid, 0, sizeof(v->oid));
	v->kind = sqlite3_column_int(st, 3) ? CAIRN_DATA_DIR : CAIRN_DATA_FILE;
	v->size = (uint64_t)sqlite3_column_int64(st, 4);
	v->files = (uint64_t)sqlite3_column_int64(st, 5);
	v->path = own ? column_dup(st, 6) : (const char *)sqlite3_column_text(st, 6);
	v->created_ms = sqlite3_column_int64(st, 7);
	v->created_by = own ? column_dup(st, 8)
			    : (const char *)sqlite3_column_text(st, 8);
	v->rows = sqlite3_column_type(st, 9) == SQLITE_NULL
			  ? -1 : sqlite3_column_int64(st, 9);
	v->columns = own ? column_dup(st, 10)
			 : (const char *)sqlite3_column_text(st, 10);
	v->run_id = own ? column_dup(st, 11)
			: (const char *)sqlite3_column_text(st, 11);
}

void db_version_clear(cairn_data_version *v)
{
	free((char *)v->name);
	free((char *)v->path);
	free((char *)v->created_by);
	free((char *)v->columns);
	free((char *)v->run_id);
	memset(v, 0, sizeof(*v));
}

void db_version_copy(cairn_data_version *dst, const cairn_data_version *src)
{
	*dst = *src;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->path = src->path ? xstrdup(src->path) : NULL;
	dst->created_by = src->created_by ? xstrdup(src->created_by) : NULL;
	dst->columns = src->columns ? xstrdup(src->columns) : NULL;
	dst->run_id = src->run_id ? xstrdup(src->run_id) : NULL;
}

static int query_one(cairn_data_version *out, struct db *db, sqlite3_stmt *st,
		     const char *what)
{
	int rc = sqlite3_step(st), err;

	if (rc == SQLITE_ROW) {
		row_to_version(out, st, 1);
		err = 0;
		if (sqlite3_step(st) == SQLITE_ROW) {
			db_version_clear(out);
			err = cairn_error_setc(CAIRN_EAMBIGUOUS, CAIRN_ERRCLASS_DATA,
					       "%s is ambiguous", what);
		}
	} else if (rc == SQLITE_DONE) {
		err = cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_DATA,
				       "%s not found", what);
	} else {
		err = sqlite__error(db, "cannot read data set versions");
	}
	sqlite3_finalize(st);
	return err;
}

int sqlite__prepare(sqlite3_stmt **st, struct db *db, const char *sql)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK)
		return sqlite__error(db, "database error");
	return 0;
}

int sqlite__step_done(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), err = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = sqlite__error(db, what);
	sqlite3_finalize(st);
	return err;
}

char *sqlite__column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

int db_version_get(cairn_data_version *out, struct db *db, const char *name,
		   uint64_t version)
{
	sqlite3_stmt *st;
	char what[512];
	int err;

	if (version)
		err = sqlite__prepare(&st, db, "SELECT " VERSION_COLUMNS
			      "WHERE d.name = ?1 AND v.version = ?2");
	else
		err = sqlite__prepare(&st, db, "SELECT " VERSION_COLUMNS
			      "WHERE d.name = ?1 ORDER BY v.version DESC LIMIT 1");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (version)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	if (version)
		snprintf(what, sizeof(what), "data set version '%s@v%llu'", name,
			 (unsigned long long)version);
	else
		snprintf(what, sizeof(what), "data set '%s'", name);
	return query_one(out, db, st, what);
}

int db_version_find_oid(cairn_data_version *out, struct db *db,
			const char *name, const cairn_oid *oid)
{
	char hex[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "SELECT " VERSION_COLUMNS
			   "WHERE d.name = ?1 AND v.oid = ?2 "
			   "ORDER BY v.version LIMIT 1")) < 0)
		return err;
	cairn_oid_fmt(hex, oid);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	return query_one(out, db, st, "data set version");
}

int db_version_find_prefix(cairn_data_version *out, struct db *db,
			   const char *name, const char *hex_prefix)
{
	char pattern[80], what[600];
	sqlite3_stmt *st;
	size_t i, n = strlen(hex_prefix);
	int err;

	if (n < 4 || n > 64)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"'%s' is not an id prefix (4 to 64 hex digits)",
					hex_prefix);
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", hex_prefix[i]) || !hex_prefix[i])
			return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
						"'%s' is not a lower-case hex id prefix",
						hex_prefix);
	snprintf(pattern, sizeof(pattern), "sha256:%s*", hex_prefix);
	/* One row per distinct content: the earliest version holding it. */
	err = sqlite__prepare(&st, db, "SELECT " VERSION_COLUMNS
		      "WHERE v.oid GLOB ?1 AND (?2 IS NULL OR d.name = ?2) "
		      "AND v.version = (SELECT MIN(w.version) FROM dataset_versions w "
		      "WHERE w.dataset_id = v.dataset_id AND w.oid = v.oid)");
	if (err < 0)
		return err;
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	if (name)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "version with id '%s'", hex_prefix);
	return query_one(out, db, st, what);
}

static int64_t dataset_id(struct db *db, const char *name, int64_t now_ms)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (sqlite__prepare(&st, db, "INSERT INTO datasets(name, created_ms) VALUES (?1, ?2) "
		    "ON CONFLICT(name) DO NOTHING") < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		sqlite__error(db, "cannot record the data set");
		return -1;
	}
	sqlite3_finalize(st);
	if (sqlite__prepare(&st, db, "SELECT id FROM datasets WHERE name = ?1") < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static int insert_row(struct db *db, int64_t set, const cairn_data_version *v)
{
	char hex[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if ((err = sqlite__prepare(&st, db, "INSERT INTO dataset_versions(dataset_id, version, "
			   "oid, kind, size, files, path, created_ms, created_by, rows, "
			   "columns, run_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
			   "?12) "
			   "ON CONFLICT DO NOTHING")) < 0)
		return err;
	cairn_oid_fmt(hex, &v->oid);
	sqlite3_bind_int64(st, 1, set);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v->version);
	sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, v->kind == CAIRN_DATA_DIR);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)v->size);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)v->files);
	sqlite3_bind_text(st, 7, v->path ? v->path : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, v->created_ms);
	sqlite3_bind_text(st, 9, v->created_by, -1, SQLITE_STATIC);
	if (v->rows >= 0)
		sqlite3_bind_int64(st, 10, v->rows);
	sqlite3_bind_text(st, 11, v->columns, -1, SQLITE_STATIC);
	if (v->run_id && *v->run_id)
		sqlite3_bind_text(st, 12, v->run_id, -1, SQLITE_STATIC);
	err = sqlite3_step(st) == SQLITE_DONE ? 0
					      : sqlite__error(db, "cannot record the version");
	sqlite3_finalize(st);
	return err;
}

int db_version_insert(struct db *db, cairn_data_version *v)
{
	sqlite3_stmt *st;
	int64_t set = dataset_id(db, v->name, v->created_ms);
	int err;

	if (set < 0)
		return CAIRN_ERROR;
	if ((err = sqlite__prepare(&st, db, "SELECT COALESCE(MAX(version), 0) + 1 FROM "
			   "dataset_versions WHERE dataset_id = ?1")) < 0)
		return err;
	sqlite3_bind_int64(st, 1, set);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sqlite__error(db, "cannot number the version");
	}
	v->version = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return insert_row(db, set, v);
}

int db_version_import(struct db *db, const cairn_data_version *v)
{
	int64_t set = dataset_id(db, v->name, v->created_ms);

	if (set < 0)
		return CAIRN_ERROR;
	return insert_row(db, set, v);
}

int db_version_foreach(struct db *db, const char *name, int latest_only,
		       cairn_data_version_cb cb, void *payload)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if ((ret = sqlite__prepare(&st, db, "SELECT " VERSION_COLUMNS
			   "WHERE (?1 IS NULL OR d.name = ?1) AND (?2 = 0 OR "
			   "v.version = (SELECT MAX(w.version) FROM dataset_versions w "
			   "WHERE w.dataset_id = v.dataset_id)) "
			   "ORDER BY d.name, v.version")) < 0)
		return ret;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, latest_only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_data_version v;

		row_to_version(&v, st, 0);
		if ((ret = cb(&v, payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot list data set versions");
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------ stat cache */

int db_stat_get(struct db_stat *out, struct db *db, const char *path)
{
	int rc;

	if (!db->stat_get &&
	    sqlite__prepare(&db->stat_get, db, "SELECT dev, ino, size, mtime_ns, ctime_ns, "
		    "mode, oid, recorded_ns FROM stat_cache WHERE path = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_reset(db->stat_get);
	sqlite3_bind_text(db->stat_get, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(db->stat_get);
	if (rc == SQLITE_ROW &&
	    sqlite3_column_bytes(db->stat_get, 6) == (int)sizeof(out->oid.id)) {
		out->dev = (uint64_t)sqlite3_column_int64(db->stat_get, 0);
		out->ino = (uint64_t)sqlite3_column_int64(db->stat_get, 1);
		out->size = (uint64_t)sqlite3_column_int64(db->stat_get, 2);
		out->mtime_ns = sqlite3_column_int64(db->stat_get, 3);
		out->ctime_ns = sqlite3_column_int64(db->stat_get, 4);
		out->mode = (uint32_t)sqlite3_column_int64(db->stat_get, 5);
		memcpy(out->oid.id, sqlite3_column_blob(db->stat_get, 6),
		       sizeof(out->oid.id));
		out->recorded_ns = sqlite3_column_int64(db->stat_get, 7);
		sqlite3_reset(db->stat_get);
		return 1;
	}
	sqlite3_reset(db->stat_get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(db, "cannot read the stat cache");
	return 0;
}

int db_stat_put(struct db *db, const char *path, const struct db_stat *s)
{
	sqlite3_stmt *st;

	if (!db->stat_put &&
	    sqlite__prepare(&db->stat_put, db, "INSERT OR REPLACE INTO stat_cache(path, dev, "
		    "ino, size, mtime_ns, ctime_ns, mode, oid, recorded_ns) VALUES "
		    "(?1,?2,?3,?4,?5,?6,?7,?8,?9)") < 0)
		return CAIRN_ERROR;
	st = db->stat_put;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)s->dev);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->ino);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->size);
	sqlite3_bind_int64(st, 5, s->mtime_ns);
	sqlite3_bind_int64(st, 6, s->ctime_ns);
	sqlite3_bind_int64(st, 7, s->mode);
	sqlite3_bind_blob(st, 8, s->oid.id, sizeof(s->oid.id), SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, s->recorded_ns);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return sqlite__error(db, "cannot update the stat cache");
	}
	sqlite3_reset(st);
	return 0;
}
