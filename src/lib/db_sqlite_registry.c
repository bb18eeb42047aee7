/*
 * db_sqlite_registry.c: the model registry in the SQLite backend
 * (db_registry.h; tables from migration 5 in db_sqlite.c).
 *
 * Rules kept here: lookups by name see live rows only; a name's next
 * version number counts deleted versions and deleted models of that name
 * too, so numbers are never reused; deleting is soft and drops aliases.
 * Every statement binds its values; the search queries place the SQL a
 * compiled filter (registry_filter.h) wrote, never user text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db_registry.h"
#include "lib/db_sqlite.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/banned.h"

/* Step a write statement to its end and finalize it. */
/* -------------------------------------------------------------- models */

#define MODEL_COLUMNS \
	"m.name, m.description, m.user_id, m.creation_time, m.last_updated_time, m.id "

static void row_to_model(cairn_model *m, sqlite3_stmt *st, int own)
{
	if (own) {
		m->name = sqlite__column_dup(st, 0);
		m->description = sqlite__column_dup(st, 1);
		m->user_id = sqlite__column_dup(st, 2);
	} else {
		m->name = (const char *)sqlite3_column_text(st, 0);
		m->description = (const char *)sqlite3_column_text(st, 1);
		m->user_id = (const char *)sqlite3_column_text(st, 2);
	}
	m->creation_time = sqlite3_column_int64(st, 3);
	m->last_updated_time = sqlite3_column_int64(st, 4);
}

void db_model_clear(cairn_model *m)
{
	free((char *)m->name);
	free((char *)m->description);
	free((char *)m->user_id);
	memset(m, 0, sizeof(*m));
}

int db_model_insert(struct db *db, const cairn_model *m)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "INSERT INTO registered_models(name, description, "
			    "user_id, creation_time, last_updated_time) "
			    "VALUES (?1, ?2, ?3, ?4, ?4)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->description ? m->description : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->user_id ? m->user_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, m->creation_time);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					"Registered Model (name=%s) already exists.",
					m->name);
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot record the model");
	return 0;
}

int db_model_get(cairn_model *out, int64_t *key, struct db *db,
		 const char *name)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite__prepare(&st, db, "SELECT " MODEL_COLUMNS "FROM registered_models m "
			    "WHERE m.name = ?1 AND m.deleted_time IS NULL") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_model(out, st, 1);
		if (key)
			*key = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"Registered Model with name=%s not found", name);
	if (rc != SQLITE_ROW)
		return sqlite__error(db, "cannot read the model");
	return 0;
}

int db_model_update(struct db *db, int64_t key, const char *name,
		    const char *description, int64_t now_ms)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "UPDATE registered_models SET "
			    "name = COALESCE(?2, name), "
			    "description = COALESCE(?3, description), "
			    "last_updated_time = ?4 WHERE id = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, description, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return cairn_error_setc(CAIRN_EEXISTS, CAIRN_ERRCLASS_INVALID,
					"Registered Model (name=%s) already exists.",
					name ? name : "?");
	if (rc != SQLITE_DONE)
		return sqlite__error(db, "cannot update the model");
	return 0;
}

int db_model_delete(struct db *db, int64_t key, int64_t now_ms)
{
	static const char *const sql[] = {
		("UPDATE model_versions SET deleted_time = ?2 "
		 "WHERE model = ?1 AND deleted_time IS NULL"),
		"DELETE FROM model_aliases WHERE model = ?1",
		"UPDATE registered_models SET deleted_time = ?2 WHERE id = ?1",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		int err;

		if (sqlite__prepare(&st, db, sql[i]) < 0)
			return CAIRN_ERROR;
		sqlite3_bind_int64(st, 1, key);
		if (sqlite3_bind_parameter_count(st) > 1)
			sqlite3_bind_int64(st, 2, now_ms);
		if ((err = sqlite__step_done(db, st, "cannot delete the model")) < 0)
			return err;
	}
	return 0;
}

/* Tag tables share their shape: (owner, key, value). */
static int tag_put(struct db *db, const char *table, const char *owner,
		   int64_t key, const char *tag, const char *value)
{
	char sql[200];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO %s(%s, key, value) "
		 "VALUES (?1, ?2, ?3)", table, owner);
	if (sqlite__prepare(&st, db, sql) < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot set the tag");
}

static int tag_delete(struct db *db, const char *table, const char *owner,
		      int64_t key, const char *tag)
{
	char sql[200];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?1 AND key = ?2",
		 table, owner);
	if (sqlite__prepare(&st, db, sql) < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, tag, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot delete the tag");
}

static int tag_foreach(struct db *db, const char *table, const char *owner,
		       int64_t key,
		       int (*cb)(const char *k, const char *v, void *payload),
		       void *payload)
{
	char sql[200];
	sqlite3_stmt *st;
	int rc, ret = 0;

	snprintf(sql, sizeof(sql), "SELECT key, value FROM %s WHERE %s = ?1 "
		 "ORDER BY key", table, owner);
	if (sqlite__prepare(&st, db, sql) < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       !(ret = cb((const char *)sqlite3_column_text(st, 0),
			  (const char *)sqlite3_column_text(st, 1), payload)))
		;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read tags");
	sqlite3_finalize(st);
	return ret;
}

int db_model_tag_put(struct db *db, int64_t key, const char *tag,
		     const char *value)
{
	return tag_put(db, "registered_model_tags", "model", key, tag, value);
}

int db_model_tag_delete(struct db *db, int64_t key, const char *tag)
{
	return tag_delete(db, "registered_model_tags", "model", key, tag);
}

int db_model_tag_foreach(struct db *db, int64_t key,
			 int (*cb)(const char *k, const char *v, void *payload),
			 void *payload)
{
	return tag_foreach(db, "registered_model_tags", "model", key, cb, payload);
}

/*
 * A search statement: head (SELECT ... WHERE <what is live>), then the
 * query's filter and order, a page of limit rows from offset; the
 * filter's values bound.
 */
static int prepare_search(sqlite3_stmt **st, struct db *db, const char *head,
			  const struct reg_query *q, size_t offset, size_t limit)
{
	struct buf sql = BUF_INIT;
	int n = (int)q->nvalues, ret;
	size_t i;

	buf_printf(&sql, "%s AND (%s) ORDER BY %s LIMIT ?%d OFFSET ?%d", head,
		   buf_cstr(&q->where), buf_cstr(&q->order), n + 1, n + 2);
	ret = sqlite__prepare(st, db, sql.ptr);
	buf_release(&sql);
	if (ret < 0)
		return ret;
	for (i = 0; i < q->nvalues; i++) {
		const struct sql_value *v = &q->values[i];

		if (v->type == SQL_TEXT)
			sqlite3_bind_text(*st, (int)i + 1, v->text, -1, SQLITE_STATIC);
		else if (v->type == SQL_INT)
			sqlite3_bind_int64(*st, (int)i + 1, v->i);
		else
			sqlite3_bind_double(*st, (int)i + 1, v->d);
	}
	sqlite3_bind_int64(*st, n + 1, (sqlite3_int64)limit);
	sqlite3_bind_int64(*st, n + 2, (sqlite3_int64)offset);
	return 0;
}

int db_models_search(struct db *db, const struct reg_query *q, size_t offset,
		     size_t limit,
		     int (*cb)(const cairn_model *m, void *payload),
		     void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = prepare_search(&st, db, "SELECT " MODEL_COLUMNS
				  "FROM registered_models m "
				  "WHERE m.deleted_time IS NULL",
				  q, offset, limit)) < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_model m;

		row_to_model(&m, st, 0);
		if ((ret = cb(&m, payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot search models");
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------------ versions */

#define VERSION_COLUMNS                                                      \
	"m.name, v.version, v.tree, v.size, v.files, v.source, v.run_id, "   \
	"v.run_link, v.description, v.semver, v.stage, v.flavors, "          \
	"v.signature, v.user_id, v.creation_time, v.last_updated_time, v.id " \
	"FROM model_versions v JOIN registered_models m ON m.id = v.model "

static void row_to_version(cairn_model_version *v, sqlite3_stmt *st, int own)
{
	static const int text_cols[] = { 0, 5, 6, 7, 8, 9, 11, 12, 13 };
	const char *texts[9];
	const char *tree = (const char *)sqlite3_column_text(st, 2);
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < 9; i++)
		texts[i] = own ? sqlite__column_dup(st, text_cols[i])
			       : (const char *)sqlite3_column_text(st, text_cols[i]);
	v->name = texts[0];
	v->source = texts[1];
	v->run_id = texts[2];
	v->run_link = texts[3];
	v->description = texts[4];
	v->semver = texts[5];
	v->flavors = texts[6];
	v->signature = texts[7];
	v->user_id = texts[8];
	v->version = (uint64_t)sqlite3_column_int64(st, 1);
	if (!tree || cairn_oid_parse(&v->tree, tree) < 0)
		memset(&v->tree, 0, sizeof(v->tree));
	v->size = (uint64_t)sqlite3_column_int64(st, 3);
	v->files = (uint64_t)sqlite3_column_int64(st, 4);
	v->stage = (cairn_stage)sqlite3_column_int(st, 10);
	v->creation_time = sqlite3_column_int64(st, 14);
	v->last_updated_time = sqlite3_column_int64(st, 15);
}

void db_model_version_clear(cairn_model_version *v)
{
	free((char *)v->name);
	free((char *)v->source);
	free((char *)v->run_id);
	free((char *)v->run_link);
	free((char *)v->description);
	free((char *)v->semver);
	free((char *)v->flavors);
	free((char *)v->signature);
	free((char *)v->user_id);
	memset(v, 0, sizeof(*v));
}

int db_model_version_next(uint64_t *out, struct db *db, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "SELECT COALESCE(MAX(v.version), 0) + 1 "
			    "FROM model_versions v JOIN registered_models m "
			    "ON m.id = v.model WHERE m.name = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sqlite__error(db, "cannot number the version");
}

int db_model_last_semver(char **out, struct db *db, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (sqlite__prepare(&st, db, "SELECT v.semver FROM model_versions v "
			    "JOIN registered_models m ON m.id = v.model "
			    "WHERE m.name = ?1 AND m.deleted_time IS NULL "
			    "AND v.semver IS NOT NULL ORDER BY v.version DESC LIMIT 1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite__column_dup(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(db, "cannot read the last semantic version");
	return rc == SQLITE_ROW;
}

int db_model_version_insert(struct db *db, int64_t model,
			    const cairn_model_version *v)
{
	char tree[CAIRN_OID_STRLEN + 1];
	sqlite3_stmt *st;
	int err;

	if (sqlite__prepare(&st, db, "INSERT INTO model_versions(model, version, tree, "
			    "size, files, source, run_id, run_link, description, semver, "
			    "stage, flavors, signature, user_id, creation_time, "
			    "last_updated_time) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
			    "?11,?12,?13,?14,?15,?15)") < 0)
		return CAIRN_ERROR;
	cairn_oid_fmt(tree, &v->tree);
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v->version);
	sqlite3_bind_text(st, 3, tree, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)v->size);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)v->files);
	sqlite3_bind_text(st, 6, v->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, v->run_link ? v->run_link : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, v->description ? v->description : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 10, v->semver, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, (int)v->stage);
	sqlite3_bind_text(st, 12, v->flavors, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, v->signature, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, v->user_id ? v->user_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, v->creation_time);
	if ((err = sqlite__step_done(db, st, "cannot record the model version")) < 0)
		return err;
	return db_model_update(db, model, NULL, NULL, v->creation_time);
}

int db_model_version_get(cairn_model_version *out, int64_t *key,
			 struct db *db, const char *name, uint64_t version,
			 int stage)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite__prepare(&st, db, "SELECT " VERSION_COLUMNS
			    "WHERE m.name = ?1 AND m.deleted_time IS NULL "
			    "AND v.deleted_time IS NULL "
			    "AND (?2 = 0 OR v.version = ?2) AND (?3 < 0 OR v.stage = ?3) "
			    "ORDER BY v.version DESC LIMIT 1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_int(st, 3, stage);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_version(out, st, 1);
		if (key)
			*key = sqlite3_column_int64(st, 16);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && version)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"Model Version (name=%s, version=%llu) not found",
					name, (unsigned long long)version);
	if (rc == SQLITE_DONE)
		return cairn_error_setc(CAIRN_ENOTFOUND, CAIRN_ERRCLASS_INVALID,
					"No versions of model with name '%s'%s%s%s found",
					name, stage >= 0 ? " and stage '" : "",
					stage >= 0 ? cairn_stage_name((cairn_stage)stage) : "",
					stage >= 0 ? "'" : "");
	if (rc != SQLITE_ROW)
		return sqlite__error(db, "cannot read the model version");
	return 0;
}

int db_model_version_update(struct db *db, int64_t key,
			    const char *description, int stage,
			    int64_t now_ms)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite__prepare(&st, db, "UPDATE model_versions SET "
			    "description = COALESCE(?2, description), "
			    "stage = CASE WHEN ?3 < 0 THEN stage ELSE ?3 END, "
			    "last_updated_time = ?4 WHERE id = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, description, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, stage);
	sqlite3_bind_int64(st, 4, now_ms);
	if ((err = sqlite__step_done(db, st, "cannot update the model version")) < 0)
		return err;
	if (sqlite__prepare(&st, db, "UPDATE registered_models SET last_updated_time = ?2 "
			    "WHERE id = (SELECT model FROM model_versions WHERE id = ?1)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, now_ms);
	return sqlite__step_done(db, st, "cannot update the model");
}

int db_model_versions_archive(struct db *db, int64_t model, int stage,
			      uint64_t except, int64_t now_ms)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "UPDATE model_versions SET stage = ?4, "
			    "last_updated_time = ?5 WHERE model = ?1 AND stage = ?2 "
			    "AND version != ?3 AND deleted_time IS NULL") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_int(st, 2, stage);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)except);
	sqlite3_bind_int(st, 4, CAIRN_STAGE_ARCHIVED);
	sqlite3_bind_int64(st, 5, now_ms);
	return sqlite__step_done(db, st, "cannot archive versions");
}

int db_model_version_delete(struct db *db, int64_t model, int64_t key,
			    uint64_t version, int64_t now_ms)
{
	sqlite3_stmt *st;
	int err;

	if (sqlite__prepare(&st, db, "UPDATE model_versions SET deleted_time = ?2 "
			    "WHERE id = ?1") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_int64(st, 2, now_ms);
	if ((err = sqlite__step_done(db, st, "cannot delete the model version")) < 0)
		return err;
	if (sqlite__prepare(&st, db, "DELETE FROM model_aliases WHERE model = ?1 "
			    "AND version = ?2") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	if ((err = sqlite__step_done(db, st, "cannot delete the version's aliases")) < 0)
		return err;
	return db_model_update(db, model, NULL, NULL, now_ms);
}

int db_model_version_tag_put(struct db *db, int64_t key, const char *tag,
			     const char *value)
{
	return tag_put(db, "model_version_tags", "version", key, tag, value);
}

int db_model_version_tag_delete(struct db *db, int64_t key, const char *tag)
{
	return tag_delete(db, "model_version_tags", "version", key, tag);
}

int db_model_version_tag_foreach(struct db *db, int64_t key,
				 int (*cb)(const char *k, const char *v,
					   void *payload),
				 void *payload)
{
	return tag_foreach(db, "model_version_tags", "version", key, cb, payload);
}

int db_model_versions_search(struct db *db, const struct reg_query *q,
			     size_t offset, size_t limit,
			     int (*cb)(const cairn_model_version *v,
				       void *payload),
			     void *payload)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = prepare_search(&st, db, "SELECT " VERSION_COLUMNS
				  "WHERE m.deleted_time IS NULL "
				  "AND v.deleted_time IS NULL",
				  q, offset, limit)) < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cairn_model_version v;

		row_to_version(&v, st, 0);
		if ((ret = cb(&v, payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot search model versions");
	sqlite3_finalize(st);
	return ret;
}

int db_model_version_roots(struct db *db,
			   int (*cb)(const char *name, uint64_t version,
				     const cairn_oid *tree, void *payload),
			   void *payload)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite__prepare(&st, db, "SELECT m.name, v.version, v.tree FROM "
			    "model_versions v JOIN registered_models m ON m.id = v.model "
			    "ORDER BY m.name, v.version") < 0)
		return CAIRN_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *tree = (const char *)sqlite3_column_text(st, 2);
		cairn_oid oid;

		if (!tree || cairn_oid_parse(&oid, tree) < 0)
			continue;
		if ((ret = cb((const char *)sqlite3_column_text(st, 0),
			      (uint64_t)sqlite3_column_int64(st, 1), &oid,
			      payload)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot list model versions");
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------------- aliases */

int db_model_alias_put(struct db *db, int64_t model, const char *alias,
		       uint64_t version)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "INSERT OR REPLACE INTO model_aliases(model, "
			    "alias, version) VALUES (?1, ?2, ?3)") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)version);
	return sqlite__step_done(db, st, "cannot set the alias");
}

int db_model_alias_delete(struct db *db, int64_t model, const char *alias)
{
	sqlite3_stmt *st;

	if (sqlite__prepare(&st, db, "DELETE FROM model_aliases WHERE model = ?1 "
			    "AND alias = ?2") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	return sqlite__step_done(db, st, "cannot delete the alias");
}

int db_model_alias_get(uint64_t *version, struct db *db, int64_t model,
		       const char *alias)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite__prepare(&st, db, "SELECT version FROM model_aliases "
			    "WHERE model = ?1 AND alias = ?2") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sqlite__error(db, "cannot read the alias");
}

int db_model_alias_foreach(struct db *db, int64_t model, uint64_t version,
			   int (*cb)(const char *alias, uint64_t version,
				     void *payload),
			   void *payload)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite__prepare(&st, db, "SELECT alias, version FROM model_aliases "
			    "WHERE model = ?1 AND (?2 = 0 OR version = ?2) "
			    "ORDER BY alias") < 0)
		return CAIRN_ERROR;
	sqlite3_bind_int64(st, 1, model);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       !(ret = cb((const char *)sqlite3_column_text(st, 0),
			  (uint64_t)sqlite3_column_int64(st, 1), payload)))
		;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = sqlite__error(db, "cannot read aliases");
	sqlite3_finalize(st);
	return ret;
}
