/*
 * db.h: the metadata store: data sets and their versions, and the stat
 * cache that lets status skip unchanged files.
 *
 * The only backend so far is SQLite (db_sqlite.c), the one file that
 * includes <sqlite3.h>. The schema is versioned (PRAGMA user_version) and
 * brought up to date by numbered migrations when the store is opened, each
 * in its own transaction.
 *
 * cairn_data_version values filled here own their strings (allocated with
 * xstrdup); release them with db_version_clear().
 */
#ifndef CAIRN_LIB_DB_H
#define CAIRN_LIB_DB_H

#include <stdint.h>

#include "cairn.h"
#include "util/buf.h"

struct db;

int db_open(struct db **out, const char *path);
void db_free(struct db *db);

/*
 * Make every commit durable on its own (synchronous=FULL: an fsync per
 * commit) instead of at the next checkpoint (the default, NORMAL in WAL:
 * a crash of cairn loses nothing, a power cut may lose the last commits,
 * neither corrupts the store).
 */
int db_set_durable_commits(struct db *db, int on);

/* The schema version after migrations. */
int db_schema_version(struct db *db);

int db_begin(struct db *db);     /* BEGIN IMMEDIATE */
/* A read transaction: one snapshot and one lock for many lookups. */
int db_begin_read(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db); /* no-op outside a transaction */
/*
 * Group commit: one write transaction for the writes of many callers.
 * Between db_group_begin() and db_group_end(), db_begin() opens a
 * savepoint, db_commit() releases it and db_rollback() undoes it alone,
 * so each write succeeds or fails on its own as it would in its own
 * transaction; read transactions join the group's. db_group_end()
 * commits the lot (commit != 0) or rolls it all back.
 */
int db_group_begin(struct db *db);
int db_group_end(struct db *db, int commit);

/* ------------------------------------------------------ data sets */

/* Version `version` of data set `name`; 0 means the latest. */
int db_version_get(cairn_data_version *out, struct db *db, const char *name,
		   uint64_t version);
/* The version of `name` with this content, if any (CAIRN_ENOTFOUND). */
int db_version_find_oid(cairn_data_version *out, struct db *db,
			const char *name, const cairn_oid *oid);
/*
 * Versions whose id starts with the hex prefix, optionally within one
 * data set: CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS or 0.
 */
int db_version_find_prefix(cairn_data_version *out, struct db *db,
			   const char *name, const char *hex_prefix);
/*
 * Record a new version; v->version is set to the next number. Must run
 * inside db_begin()/db_commit().
 */
int db_version_insert(struct db *db, cairn_data_version *v);
/* Record a version with its number as given (pull); no-op if present. */
int db_version_import(struct db *db, const cairn_data_version *v);
/*
 * Call cb for versions: of one data set (name) or of all (NULL), oldest
 * first; with latest_only, only each set's newest.
 */
int db_version_foreach(struct db *db, const char *name, int latest_only,
		       cairn_data_version_cb cb, void *payload);
void db_version_clear(cairn_data_version *v);
/* A deep copy (strings duplicated). */
void db_version_copy(cairn_data_version *dst, const cairn_data_version *src);

/* ------------------------------------------------------ stat cache */

struct db_stat {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint32_t mode;
	cairn_oid oid;
	int64_t recorded_ns; /* when the file was hashed (before reading) */
};

/* 1 and *out filled if the cache has path, 0 if not, <0 on error. */
int db_stat_get(struct db_stat *out, struct db *db, const char *path);
int db_stat_put(struct db *db, const char *path, const struct db_stat *st);

/* ------------------------------------------------ experiment tracking */

/* Experiments; strings owned (free with db_experiment_clear). */
int db_experiment_create(int64_t *id_out, struct db *db, const char *name,
			 int64_t now_ms);
int db_experiment_get(cairn_experiment *out, struct db *db,
		      const char *id_or_name);
/* Change the name and/or lifecycle stage (NULL: keep). */
int db_experiment_set(struct db *db, const char *id, const char *name,
		      const char *stage, int64_t now_ms);
int db_experiment_set_tag(struct db *db, const char *id, const char *key,
			  const char *value);
int db_experiment_delete_tag(struct db *db, const char *id, const char *key);
int db_experiment_tag_foreach(struct db *db, const char *id,
			      int (*cb)(const char *key, const char *value,
					void *payload),
			      void *payload);
int db_experiment_foreach(struct db *db, cairn_view view,
			  int (*cb)(const cairn_experiment *e, void *payload),
			  void *payload);
void db_experiment_clear(cairn_experiment *e);

/* A run row; strings owned (free with db_run_clear). */
struct db_run {
	int64_t key;        /* integer key used by the high-volume tables */
	cairn_run_info info;
};

int db_run_insert(struct db *db, struct db_run *run);
int db_run_get(struct db_run *out, struct db *db, const char *run_id);
/* Full id from a prefix of at least 4 hex digits, or a unique name. */
int db_run_resolve(struct buf *out, struct db *db, const char *spec);
int db_run_update(struct db *db, int64_t key, const char *status,
		  int64_t end_time, const char *name);
int db_run_set_stage(struct db *db, int64_t key, const char *stage);
void db_run_clear(struct db_run *run);

/*
 * Params are write-once: 0 if stored or already equal; CAIRN_EEXISTS
 * naming both values otherwise. Run inside a transaction for batches.
 */
int db_param_put(struct db *db, int64_t run, const char *key,
		 const char *value);
int db_tag_put(struct db *db, int64_t run, const char *key, const char *value);
int db_tag_delete(struct db *db, int64_t run, const char *key);
/* Append points and keep latest_metrics current. */
int db_metrics_put(struct db *db, int64_t run, const cairn_metric *m, size_t n);
int db_input_put(struct db *db, int64_t run, const cairn_data_version *v,
		 const char *context);

/* Everything a cairn_run shows, in the callbacks' order. */
struct db_run_reader {
	int (*param)(const char *key, const char *value, void *payload);
	int (*tag)(const char *key, const char *value, void *payload);
	int (*metric)(const cairn_metric *m, void *payload);
	int (*input)(const cairn_run_input *in, void *payload);
};
int db_run_read(struct db *db, int64_t run, const struct db_run_reader *r,
		void *payload);
/* A run's artifact tree: 1 and *out if it has one, 0 if none. */
int db_run_artifacts_get(cairn_oid *out, struct db *db, int64_t run);
/*
 * Move the run's artifact tree from old (NULL: none) to new, only if it is
 * still old: 1 if moved, 0 if someone else moved it first (retry).
 */
int db_run_artifacts_swap(struct db *db, int64_t run, const cairn_oid *old,
			  const cairn_oid *new_root);
/*
 * Every run's and logged model's artifact tree (gc and fsck roots), with
 * the run or model id.
 */
int db_artifact_roots(struct db *db,
		      int (*cb)(const char *run_id, const cairn_oid *root,
				void *payload),
		      void *payload);

struct db_checkpoint {
	int64_t step;
	const char *path;
	cairn_oid oid;
	uint64_t size;
	int64_t created_ms;
	const char *meta; /* JSON or NULL */
};
int db_checkpoint_put(struct db *db, int64_t run, const struct db_checkpoint *c);
/* Checkpoints of a run by step (the latest last). */
int db_checkpoint_foreach(struct db *db, int64_t run,
			  int (*cb)(const struct db_checkpoint *c, void *payload),
			  void *payload);

/* ------------------------------------------- MLflow dataset records */

/*
 * Record one dataset input of run (of experiment): the dataset row is
 * found or created by (experiment, name, digest), the input row and its
 * tags only if the run does not have that input yet. Must run inside
 * db_begin()/db_commit() (db_sqlite_datasets.c).
 */
int db_dataset_input_put(struct db *db, int64_t run, int64_t experiment,
			 const cairn_dataset_input *in);
/* A run's dataset inputs, first logged first; strings live for the call. */
int db_dataset_inputs_read(struct db *db, int64_t run,
			   int (*cb)(const cairn_dataset_input *in, void *payload),
			   void *payload);
/* search-datasets over the experiments given (see cairn.h). */
int db_dataset_summaries(struct db *db, const int64_t *experiments, size_t n,
			 size_t limit,
			 int (*cb)(const cairn_dataset_summary *s, void *payload),
			 void *payload);

/* ------------------------------------------ logged models (MLflow 3) */

/* A logged model row; strings owned (db_logged_model_clear). */
struct db_logged_model {
	int64_t key;
	char *model_id, *experiment_id, *name, *model_type, *source_run_id;
	char *lifecycle_stage;
	int status;
	int64_t creation_time, last_update_time;
};

void db_logged_model_clear(struct db_logged_model *m);
/* Insert m (key set); inside a transaction (db_sqlite_models.c). */
int db_logged_model_insert(struct db *db, struct db_logged_model *m);
/* By model id, deleted ones too; CAIRN_ENOTFOUND if none. */
int db_logged_model_get(struct db_logged_model *out, struct db *db,
			const char *model_id);
/* The active models of the experiments, oldest first. */
int db_logged_model_foreach(struct db *db, const int64_t *experiments,
			    size_t n,
			    int (*cb)(const struct db_logged_model *m,
				      void *payload),
			    void *payload);
/* Set the status (0: keep) and/or stage (NULL: keep), and the time. */
int db_logged_model_update(struct db *db, int64_t key, int status,
			   const char *stage, int64_t now_ms);
/* Params write-once (CAIRN_EEXISTS naming both values); tags upserted. */
int db_logged_model_param_put(struct db *db, int64_t key, const char *k,
			      const char *v);
int db_logged_model_tag_put(struct db *db, int64_t key, const char *k,
			    const char *v);
/* CAIRN_ENOTFOUND if the model has no such tag. */
int db_logged_model_tag_delete(struct db *db, int64_t key, const char *k);
/* Params (tags: 0) or tags (1) by key. */
int db_logged_model_kv_foreach(struct db *db, int64_t key, int tags,
			       int (*cb)(const char *k, const char *v,
					 void *payload),
			       void *payload);
/* A metric linked to the model (key: the model's row). */
int db_logged_model_metric_put(struct db *db, int64_t key,
			       const cairn_model_metric *m);
/* The model's metrics, by key, time and step; strings live for the call. */
int db_logged_model_metric_foreach(struct db *db, int64_t key,
				   int (*cb)(const cairn_model_metric *m,
					     void *payload),
				   void *payload);
/* The model's artifact tree, as db_run_artifacts_get/swap. */
int db_logged_model_artifacts_get(cairn_oid *out, struct db *db, int64_t key);
int db_logged_model_artifacts_swap(struct db *db, int64_t key,
				   const cairn_oid *old,
				   const cairn_oid *new_root);
/* A run's model inputs (output 0) and outputs (1); no-op if recorded. */
int db_run_model_put(struct db *db, int64_t run, const char *model_id,
		     int output, int64_t step);
int db_run_models_read(struct db *db, int64_t run,
		       int (*cb)(const char *model_id, int output, int64_t step,
				 void *payload),
		       void *payload);

struct run_query;
/*
 * The run ids matching a compiled query (run_filter.h) in the experiments
 * given (none: all), in its order, from offset, at most limit.
 */
int db_runs_search(struct db *db, const int64_t *experiments, size_t nexp,
		   cairn_view view, const struct run_query *q, size_t offset,
		   size_t limit,
		   int (*cb)(const char *run_id, void *payload), void *payload);
int db_metric_history(struct db *db, int64_t run, const char *key,
		      int (*cb)(const cairn_metric *m, void *payload),
		      void *payload);

#endif
