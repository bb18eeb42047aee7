/*
 * db_registry.h: the model registry in the metadata store (the SQL is in
 * db_sqlite_registry.c).
 *
 * Only live rows are found by name: a deleted model or version is kept
 * (deleted_time set) so its number is never reused and its content stays
 * a gc root, but every lookup here skips it. Models are addressed by
 * their integer key after a lookup, versions by theirs. cairn_model and
 * cairn_model_version values filled here own their strings; release them
 * with db_model_clear() and db_model_version_clear(). Writes must run
 * inside db_begin()/db_commit().
 */
#ifndef CAIRN_LIB_DB_REGISTRY_H
#define CAIRN_LIB_DB_REGISTRY_H

#include <stdint.h>

#include "cairn.h"
#include "lib/db.h"
#include "lib/registry_filter.h"

/* CAIRN_EEXISTS if a live model has the name. */
int db_model_insert(struct db *db, const cairn_model *m);
/* The live model of that name: CAIRN_ENOTFOUND ("Registered Model with name=X not found"). */
int db_model_get(cairn_model *out, int64_t *key, struct db *db,
		 const char *name);
/* New name and/or description (NULL: keep); touches last_updated_time. */
int db_model_update(struct db *db, int64_t key, const char *name,
		    const char *description, int64_t now_ms);
/* Soft-delete the model and its versions; drop its aliases. */
int db_model_delete(struct db *db, int64_t key, int64_t now_ms);
int db_model_tag_put(struct db *db, int64_t key, const char *tag,
		     const char *value);
int db_model_tag_delete(struct db *db, int64_t key, const char *tag);
int db_model_tag_foreach(struct db *db, int64_t key,
			 int (*cb)(const char *k, const char *v, void *payload),
			 void *payload);
int db_models_search(struct db *db, const struct reg_query *q, size_t offset,
		     size_t limit,
		     int (*cb)(const cairn_model *m, void *payload),
		     void *payload);
void db_model_clear(cairn_model *m);

/*
 * The next version number of a model name: one more than any version ever
 * registered under that name, deleted ones included.
 */
int db_model_version_next(uint64_t *out, struct db *db, const char *name);
/*
 * The semantic version of the newest version of a live model that has
 * one (deleted versions included): 1 and *out (owned) if any, 0 if none.
 */
int db_model_last_semver(char **out, struct db *db, const char *name);
/* v->version as numbered; touches the model's last_updated_time. */
int db_model_version_insert(struct db *db, int64_t model,
			    const cairn_model_version *v);
/*
 * A live version: `version`, or with version 0 the highest one, in
 * `stage` when stage >= 0. CAIRN_ENOTFOUND with MLflow's message.
 */
int db_model_version_get(cairn_model_version *out, int64_t *key,
			 struct db *db, const char *name, uint64_t version,
			 int stage);
/* New description (NULL: keep) and/or stage (< 0: keep). */
int db_model_version_update(struct db *db, int64_t key,
			    const char *description, int stage,
			    int64_t now_ms);
/* Move every other live version of the model in `stage` to Archived. */
int db_model_versions_archive(struct db *db, int64_t model, int stage,
			      uint64_t except, int64_t now_ms);
/* Soft-delete one version and drop the aliases naming it. */
int db_model_version_delete(struct db *db, int64_t model, int64_t key,
			    uint64_t version, int64_t now_ms);
int db_model_version_tag_put(struct db *db, int64_t key, const char *tag,
			     const char *value);
int db_model_version_tag_delete(struct db *db, int64_t key, const char *tag);
int db_model_version_tag_foreach(struct db *db, int64_t key,
				 int (*cb)(const char *k, const char *v,
					   void *payload),
				 void *payload);
int db_model_versions_search(struct db *db, const struct reg_query *q,
			     size_t offset, size_t limit,
			     int (*cb)(const cairn_model_version *v,
				       void *payload),
			     void *payload);
/* Every version ever registered, deleted ones too (gc and fsck roots). */
int db_model_version_roots(struct db *db,
			   int (*cb)(const char *name, uint64_t version,
				     const cairn_oid *tree, void *payload),
			   void *payload);
void db_model_version_clear(cairn_model_version *v);

int db_model_alias_put(struct db *db, int64_t model, const char *alias,
		       uint64_t version);
int db_model_alias_delete(struct db *db, int64_t model, const char *alias);
/* 1 and *version if the model has the alias, 0 if not. */
int db_model_alias_get(uint64_t *version, struct db *db, int64_t model,
		       const char *alias);
/* The model's aliases by name; version 0: all, else those naming it. */
int db_model_alias_foreach(struct db *db, int64_t model, uint64_t version,
			   int (*cb)(const char *alias, uint64_t version,
				     void *payload),
			   void *payload);

#endif
